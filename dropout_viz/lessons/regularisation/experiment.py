"""Dropout as regularisation: four experiments, numbers only (no Streamlit).

- ``linear``: dropout on the inputs of a linear model is an L2 penalty with a coefficient per feature; the
  expected loss three ways (closed form, all 2^5 masks, sampling) and dropout-trained weights against ridge.
- ``bias_variance``: bias², variance, noise and MSE of one masked linear prediction against the drop rate.
- ``rivals``: one network per regulariser (dropout, L2, L1, early stopping, input noise, label smoothing).
- ``noises``: Bernoulli, Gaussian, DropConnect and additive noise, and how large the activations grow.

Every function takes the lesson's key (``experiment_key(seed)``) first and folds in its own stream numbers; the
classification tasks are drawn from the integer ``seed`` as well.

    python -m dropout_viz.lessons.regularisation.experiment    # the default view's numbers
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import numpy as np

from ...core import datasets, rng, theory
from ...core import ensemble_training as et

# The 2-D classification sets: their decision surfaces can be drawn.
DATASET_NAMES = tuple(n for n, s in datasets.DATASETS.items() if s.task == "classification" and s.n_features == 2)
DATASET_LABELS = {datasets.DATASETS[n].label: n for n in DATASET_NAMES}  # what the select shows -> registry name
PARTS = ("bias²", "variance", "noise", "MSE")  # the columns of BiasVarianceResult's arrays


@dataclass(frozen=True)
class Config:
    """The experiments' constants (the page's controls are the functions' arguments)."""

    # Five features whose spreads differ 16-fold: the dropout penalty's per-feature coefficients then differ
    # 256-fold, which a bar chart shows at a glance. w_true = 1 / spread, so every feature matters equally.
    spreads: tuple = (0.25, 0.5, 1.0, 2.0, 4.0)
    n_linear: int = 200
    noise_linear: float = 0.5
    # Sampled points of the bias/variance sweep: keep 1.0 ... 0.2, i.e. drop rates up to 0.8 (beyond it inverted
    # dropout's variance p/(1-p) dwarfs every other part of the plot).
    bv_keeps: tuple = tuple(float(q) for q in np.round(np.linspace(1.0, 0.2, 9), 2))
    bv_line_points: int = 81  # drop rates 0, 0.01, ..., 0.8 of the closed-form lines
    bv_samples: int = 2000  # masks per point and keep (200 points x 5 features x 2000 = 2M draws per keep)
    # 500 points: 300 test, 200 to train on of which 60 are held out for early stopping's validation.
    n_points: int = 500
    test_fraction: float = 0.6
    val_fraction: float = 0.3
    data_noise: float = 0.3  # jittery moons: a plain network overfits 140 points within a few thousand steps
    sizes: tuple = (2, 32, 32, 2)  # two hidden layers of 32 ReLU units
    grid: int = 50  # decision-surface resolution per axis
    near_zero: float = 1e-3  # |w| below this counts as (numerically) zero in the weight table
    # Momentum SGD, not Adam, for the rivals: Adam divides every gradient by its running size, which turns an L2
    # penalty on idle weights into an L1-like push to zero and would blur the L1/L2 contrast the page shows.
    rival_lr: float = 0.03
    rival_chunk: int = 50  # compare_regularisers evaluates every 50 steps (early stopping's resolution)
    noise_lr: float = 0.01  # Adam, as on the other training pages
    noise_chunk: int = 100  # compare_noises' steps per evaluation
    # The default view: half the inputs or units dropped, two moons.
    keep: float = 0.5
    dataset: str = "moons"
    seed: int = 0

    @property
    def bv_line(self) -> np.ndarray:
        return np.linspace(0.0, 0.8, self.bv_line_points)


CONFIG = Config()


def experiment_key(seed: int) -> jax.Array:
    """The lesson's key for a seed; each experiment folds in its own stream numbers (0, 1, 2, 9, 10+, 20, 21, 30)."""
    return rng.key(seed)


def _stream(key, stream: int) -> jax.Array:
    return jax.random.fold_in(key, stream)


def linear_task(key, config: Config = CONFIG) -> theory.LinearTask:
    """The linear regression task (stream 0): x with the configured spreads, y = x·w_true + noise."""
    return theory.linear_task(_stream(key, 0), config.n_linear, config.spreads, config.noise_linear)


class LinearResult(NamedTuple):
    """Dropout's expected loss at the least-squares weights, and the weights it leads to (per feature arrays)."""

    closed: float  # expected dropout loss, closed form
    enumerated: float  # Σ over all 2^5 input masks of p(mask) × loss
    mc: float  # mean over sampled masks
    se: float  # its standard error
    plain: float  # the loss without dropout
    coef: np.ndarray  # (5,) penalty coefficient cⱼ
    sum_sq: np.ndarray  # (5,) Σᵢ xᵢⱼ²
    w_ols: np.ndarray  # least squares
    w_ridge: np.ndarray  # ridge with dropout's cⱼ
    w_sgd: np.ndarray  # trained with dropout (SGD on the sampled loss)
    w_uniform: np.ndarray  # ridge with one λ = mean cⱼ (inverted form)
    scale: float  # test-time factor of the weights: 1 inverted, q standard

    @property
    def penalty(self) -> float:
        return self.closed - self.plain

    @property
    def shrink(self) -> dict:
        """Test-time weight ÷ least-squares weight, per method (keys: 'ridge', 'trained', 'uniform')."""
        return {"ridge": self.scale * self.w_ridge / self.w_ols, "trained": self.scale * self.w_sgd / self.w_ols,
                "uniform": self.w_uniform / self.w_ols}

    @property
    def max_diff(self) -> float:
        return float(np.max(np.abs(self.w_sgd - self.w_ridge)))

    @property
    def max_w(self) -> float:
        return float(np.max(np.abs(self.w_ridge)))


def linear(key, keep: float, inverted: bool, n_samples: int, config: Config = CONFIG) -> LinearResult:
    """The dropout loss at the least-squares weights three ways, and dropout-trained weights next to ridge."""
    t = linear_task(key, config)
    w_ols = theory.least_squares_weights(t.x, t.y)
    closed = theory.expected_dropout_loss(t.x, t.y, w_ols, keep, inverted=inverted)
    enum = theory.enumerated_dropout_loss(t.x, t.y, w_ols, keep, inverted=inverted)
    mc, se = theory.mc_dropout_loss(_stream(key, 1), t.x, t.y, w_ols, keep, n_samples, inverted=inverted)
    coef = theory.dropout_penalty_coefficients(t.x, keep, inverted=inverted)
    w_ridge = theory.dropout_ridge_weights(t.x, t.y, keep, inverted=inverted)
    w_sgd = et.fit_dropout_linear(_stream(key, 2), t.x, t.y, keep, inverted=inverted)
    coef_inv = theory.dropout_penalty_coefficients(t.x, keep, inverted=True)
    w_uniform = theory.ridge_weights(t.x, t.y, float(np.mean(coef_inv)))
    return LinearResult(closed=float(closed), enumerated=float(enum), mc=float(mc), se=float(se),
                        plain=float(closed - float(coef @ w_ols ** 2)), coef=np.asarray(coef),
                        sum_sq=np.sum(np.asarray(t.x) ** 2, axis=0), w_ols=np.asarray(w_ols),
                        w_ridge=np.asarray(w_ridge), w_sgd=np.asarray(w_sgd), w_uniform=np.asarray(w_uniform),
                        scale=1.0 if inverted else float(keep))


class BiasVarianceResult(NamedTuple):
    """Bias², variance, noise and MSE (columns in PARTS order) of ŷ = s w·(m ⊙ x) against the drop rate."""

    p_line: np.ndarray  # (L,) drop rates of the closed-form lines
    lines: np.ndarray  # (L, 4) closed forms
    p_points: np.ndarray  # (P,) drop rates of the sampled points
    points: np.ndarray  # (P, 4) sampled
    here_closed: np.ndarray  # (4,) at the chosen keep
    here_sampled: np.ndarray  # (4,)


def _split(bv) -> tuple:
    return (bv.bias2, bv.variance, bv.noise, bv.mse)


def bias_variance(key, inverted: bool, noise_std: float, keep: float, config: Config = CONFIG) -> BiasVarianceResult:
    """Closed forms over the drop rate, sampled points (streams 10, 11, ...) and the chosen keep (stream 9)."""
    t = linear_task(key, config)

    def closed(q):
        return _split(theory.masked_linear_bias_variance(t.x, t.w_true, q, inverted=inverted, noise_std=noise_std))

    def sampled(stream, q):
        bv, m = theory.mc_masked_linear_bias_variance(_stream(key, stream), t.x, t.w_true, float(q),
                                                      config.bv_samples, inverted=inverted, noise_std=noise_std)
        return _split(bv)[:3] + (m,)

    p_line = config.bv_line
    keeps = np.asarray(config.bv_keeps)
    return BiasVarianceResult(
        p_line=p_line, lines=np.array([closed(1.0 - p) for p in p_line]), p_points=1.0 - keeps,
        points=np.array([sampled(10 + i, q) for i, q in enumerate(keeps)]),
        here_closed=np.array(closed(keep)), here_sampled=np.array(sampled(9, keep)))


def classification(name: str, seed: int, config: Config = CONFIG) -> datasets.Dataset:
    """The classification task of the trained networks: ``config.n_points`` points of ``name``."""
    return datasets.make_dataset(name, seed, config.n_points, config.data_noise, test_fraction=config.test_fraction)


class RivalsResult(NamedTuple):
    run: et.RegulariserRun  # rows in et.REGULARISERS order
    x_fit: np.ndarray  # the points trained on (validation split removed)
    y_fit: np.ndarray
    n_val: int
    n_test: int
    stop_index: int  # the evaluation early stopping kept

    def train_loss(self, i: int) -> float:
        """Final training loss of regulariser i (early stopping: at the step it kept)."""
        return float(self.run.train_loss[i, self.stop_index if i == EARLY_STOPPING else -1])


EARLY_STOPPING = et.REGULARISERS.index("early stopping")


def rivals(key, name: str, keep: float, l2: float, l1: float, input_noise: float, smoothing: float, steps: int,
           *, seed: int, config: Config = CONFIG, on_progress=None) -> RivalsResult:
    """The same task, initialisation and minibatches under each regulariser (streams 20: split, 21: training)."""
    ds = classification(name, seed, config)
    xf, yf, xv, yv = et.holdout_split(_stream(key, 20), ds.x_train, ds.y_train, config.val_fraction)
    grid = datasets.surface_grid(config.grid)[2]
    run = et.compare_regularisers(_stream(key, 21), xf, yf, xv, yv, ds.x_test, ds.y_test, grid,
                                  sizes=config.sizes, keep=keep, l2=l2, l1=l1, input_noise=input_noise,
                                  label_smoothing=smoothing, lr=config.rival_lr, steps=steps,
                                  chunk=config.rival_chunk, optimizer="momentum", on_progress=on_progress)
    return RivalsResult(run=run, x_fit=xf, y_fit=yf, n_val=len(yv), n_test=len(ds.y_test),
                        stop_index=int(np.searchsorted(run.eval_steps, run.stop_step)))


class NoisesResult(NamedTuple):
    run: et.NoiseRun  # rows in run.names order
    multiplicative_ratio: float  # noise std / signal of Bernoulli and Gaussian noise, √((1−q)/q)
    x_train: np.ndarray
    y_train: np.ndarray
    n_test: int


def noises(key, name: str, keep: float, steps: int, *, seed: int, config: Config = CONFIG,
           on_progress=None) -> NoisesResult:
    """Bernoulli, Gaussian, DropConnect and additive noise on one task (stream 30)."""
    ds = classification(name, seed, config)
    grid = datasets.surface_grid(config.grid)[2]
    run = et.compare_noises(_stream(key, 30), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid,
                            sizes=config.sizes, keep=keep, lr=config.noise_lr, steps=steps,
                            chunk=config.noise_chunk, on_progress=on_progress)
    return NoisesResult(run=run, multiplicative_ratio=float(theory.relative_noise_multiplicative(keep)),
                        x_train=ds.x_train, y_train=ds.y_train, n_test=len(ds.y_test))


def main(config: Config = CONFIG) -> None:
    key = experiment_key(config.seed)
    q = config.keep
    lin = linear(key, q, True, 10_000, config)
    print(f"regularisation lesson, keep q = {q:g} (drop rate p = {1 - q:g}), inverted dropout")
    print(f"  linear: expected loss closed {lin.closed:.3f}, all masks {lin.enumerated:.3f}, "
          f"sampled {lin.mc:.3f} ± {2 * lin.se:.3f}; |trained − ridge| ≤ {lin.max_diff:.1e}")
    print("  shrinkage (ridge with cⱼ):", np.round(lin.shrink["ridge"], 3))
    bv = bias_variance(key, True, 0.5, q, config)
    print("  bias², variance, noise, MSE at q:", np.round(bv.here_closed, 4), "sampled", np.round(bv.here_sampled, 4))


if __name__ == "__main__":
    main()
