"""Uncertainty from dropout, measured honestly: calibration, and Monte Carlo dropout against a deep ensemble.

Three questions, each answered with trained networks (JAX, on the CPU), every comparable model of a question
trained as one vmapped computation (the house's engine, ``dropout_viz.train``):

1. Calibration (Guo et al. 2017; Ovadia et al. 2019). On held-out data, does a predicted confidence of 80 %
   come true 80 % of the time? The weight-scaled network (one pass), Monte Carlo dropout (k passes of one
   network with k masks; Gal & Ghahramani 2016) and a deep ensemble (M independently trained networks, one
   pass each; Lakshminarayanan et al. 2017), at the same number of forward passes.
2. Where the band is wrong. 1-D regression with a gap in the training inputs: the spread of the k (or M)
   predictions, where it widens and where it does not, how it changes with the number of training points
   (Osband 2016: dropout's spread does not shrink with more data as a posterior's would) and with keep.
3. What the uncertainty is made of: predictive entropy = expected entropy (aleatoric) + mutual information
   (epistemic), checked on the same masks, and mutual information as a score for points far from the data.

Conventions: keep probability q (drop rate p = 1 - q) on the hidden units, inputs never dropped, inverted
dropout (the trained network is the weight-scaled one). A Monte Carlo mask is shared by every input it
predicts, and mask i of a run always comes from the same key, so the first k masks are the same whatever k.
Every random function takes a ``jax.random`` key first; ``seed_key`` turns a seed into one, through core.rng.key.
Run ``python -m dropout_viz.lessons.uncertainty.experiment`` for a summary.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from dropout_viz.core import datasets, masks, rng, system
from dropout_viz.core.checks import check_int
from dropout_viz.core.network import check_sizes, forward

TASKS = ("moons", "digits")  # the 2-D task and the 8x8 digits
REGIONS = ("data", "gap", "extrapolation")


@dataclass(frozen=True)
class Config:
    """Every default of the lesson, with the reason for it."""

    # --- calibration: the two held-out tasks ---
    moons_noise: float = 0.25  # the two moons overlap at this noise: a calibrated model must say "70 %" somewhere
    moons_points: int = 1000  # half held out: 500 test points, fewer and a bin's accuracy is mostly noise
    digits_points: int = 1797  # all of scikit-learn's digits, half held out
    sizes_moons: tuple[int, ...] = (2, 32, 32, 2)  # big enough to fit the moons, small enough to train in a blink
    sizes_digits: tuple[int, ...] = (64, 64, 10)  # one hidden layer reaches ~96 % on the digits
    class_steps: int = 750  # Adam at lr 0.005 has converged on both tasks by then (test loss flat)
    class_lr: float = 0.005
    batch_size: int = 32  # the house's minibatch
    # Every model is trained n_runs times from fresh initialisations (same data): a difference between two
    # methods that is smaller than the spread over runs could be luck, and the page shows that spread.
    n_runs: int = 3
    max_masks: int = 64  # Monte Carlo masks computed once per run; the page uses the first k
    max_members: int = 8  # networks of the deep ensemble per run; the page averages the first M
    n_bins: int = 10  # equal-width confidence bins of the reliability diagram and ECE (Guo et al. 2017)
    # --- the band: 1-D regression with a gap ---
    reg_sizes: tuple[int, ...] = (1, 32, 32, 1)
    reg_steps: int = 1500  # squared error on sin needs more steps than the classifiers
    reg_lr: float = 0.005
    reg_noise: float = 0.1  # std of the observation noise on y = sin(pi x)
    x_range: tuple[float, float] = (-1.5, 1.5)  # the inputs the training data may come from ...
    gap: tuple[float, float] = (0.0, 1.0)  # ... except this interval, where sin(pi x) has its peak
    view_range: tuple[float, float] = (-2.5, 2.5)  # what the page shows: one unit of extrapolation each side
    curve_points: int = 201
    reg_points: int = 100  # training points of the band picture and of the keep sweep
    size_sweep: tuple[int, ...] = (25, 50, 100, 200, 400, 800)  # each divides the largest (tiling; see train_models)
    keep_sweep: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
    # --- the decomposition and out-of-distribution points (on the 2-D task) ---
    surface_half_width: float = 3.5  # the surface reaches well beyond the data ([-1.5, 1.5] x [-1, 1])
    surface_resolution: int = 61
    ood_radii: tuple[float, float] = (2.5, 3.5)  # "far from the data": uniform in this ring
    ood_points: int = 500  # as many as the in-distribution test points

    def sizes(self, task: str) -> tuple[int, ...]:
        return self.sizes_moons if task == "moons" else self.sizes_digits


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {str(task)[:60]!r}")
    return task


def seed_key(seed: int) -> jax.Array:
    """The jax.random key of an integer seed >= 0: the house's rng.key, the one place a seed becomes a key."""
    return rng.key(check_int("seed", seed, 0, 2**31 - 1))


def hidden_keep(keep: float, n_layers: int) -> tuple[float, ...]:
    """Per-layer keep with the inputs never dropped: (1, q, ..., q)."""
    masks.check_keep(keep)
    return (1.0,) + (float(keep),) * (n_layers - 1)


# --- scores: NumPy, checked against brute force in the tests -------------------------------------------------


def _check_probs(probs, y=None):
    p = np.asarray(probs, np.float64)
    if p.ndim < 2 or p.shape[-1] < 2:
        raise ValueError(f"probs must have shape (..., n, C) with C >= 2 classes, got {p.shape}")
    if y is not None:
        y = np.asarray(y)
        if y.shape != p.shape[-2:-1] or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= p.shape[-1]:
            raise ValueError(f"y must hold {p.shape[-2]} integer labels in [0, {p.shape[-1] - 1}], got shape {y.shape}")
    return p, y


class Reliability(NamedTuple):
    """A reliability diagram: per equal-width confidence bin, its points, their accuracy and mean confidence."""

    edges: np.ndarray  # (B + 1,) 0, 1/B, ..., 1
    count: np.ndarray  # (B,) points whose top-class confidence falls in the bin
    accuracy: np.ndarray  # (B,) share of them whose top class is the label (NaN for an empty bin)
    confidence: np.ndarray  # (B,) their mean top-class confidence (NaN for an empty bin)
    ece: float  # sum_b n_b / N |accuracy_b - confidence_b|


def bin_index(confidence, n_bins: int) -> np.ndarray:
    """Bin b holds confidences in [b/B, (b+1)/B); the last bin also holds 1."""
    return np.minimum((np.asarray(confidence) * n_bins).astype(np.int64), n_bins - 1)


def reliability(probs, y, n_bins: int = 10) -> Reliability:
    """Reliability diagram and expected calibration error of class probabilities (n, C) against labels (n,)."""
    n_bins = check_int("n_bins", n_bins, 1, 100)
    p, y = _check_probs(probs, y)
    conf = p.max(-1)
    correct = (p.argmax(-1) == y).astype(np.float64)
    b = bin_index(conf, n_bins)
    count = np.bincount(b, minlength=n_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.bincount(b, correct, n_bins) / count
        mean_conf = np.bincount(b, conf, n_bins) / count
    ece = float(np.nansum(count / len(y) * np.abs(acc - mean_conf)))
    return Reliability(np.linspace(0.0, 1.0, n_bins + 1), count.astype(np.int64), acc, mean_conf, ece)


def expected_calibration_error(probs, y, n_bins: int = 10) -> float:
    """ECE = sum over equal-width confidence bins of n_b / N |accuracy_b - mean confidence_b|."""
    return reliability(probs, y, n_bins).ece


def nll(probs, y) -> float:
    """Mean negative log-likelihood -log p(y | x) in nats (probabilities clipped at 1e-12)."""
    p, y = _check_probs(probs, y)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0))))


def brier(probs, y) -> float:
    """Brier score: mean over points of sum_c (p_c - [y = c])^2, from 0 (certain and right) to 2."""
    p, y = _check_probs(probs, y)
    onehot = np.eye(p.shape[-1])[y]
    return float(np.mean(np.sum((p - onehot) ** 2, -1)))


def error_rate(probs, y) -> float:
    p, y = _check_probs(probs, y)
    return float(np.mean(p.argmax(-1) != y))


SCORES: dict[str, Callable] = {"ECE": expected_calibration_error, "NLL": nll, "Brier": brier, "error": error_rate}


def entropy(probs) -> np.ndarray:
    """Shannon entropy in nats over the last axis (0 log 0 = 0)."""
    p = np.asarray(probs, np.float64)
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), -1)


class Decomposition(NamedTuple):
    """Predictive entropy of the mean of k predictions, split in two; arrays over the points."""

    total: np.ndarray  # H[mean_m p_m]
    aleatoric: np.ndarray  # mean_m H[p_m]: expected entropy, each member's own doubt
    epistemic: np.ndarray  # mean_m KL(p_m || mean p): mutual information, the members' disagreement
    identity_gap: float  # max |total - (aleatoric + epistemic)|: 0 up to rounding, since the two sides are equal


def decompose(member_probs) -> Decomposition:
    """Split the predictive entropy of k predictions (k, ..., C) on the same masks (or members).

    The mutual information is computed as the mean KL divergence of each prediction from the mean, not as
    total - aleatoric, so the identity total = aleatoric + epistemic is a check, not a definition.
    Float32 in, float32 arithmetic, as the network computes.
    """
    p = np.asarray(member_probs, np.float32)
    if p.ndim < 2 or p.shape[-1] < 2:
        raise ValueError(f"member_probs must have shape (k, ..., C) with C >= 2, got {p.shape}")
    mean = p.mean(0)

    def plogp(a, b):  # a * log b with 0 log 0 = 0
        return np.where(a > 0, a * np.log(np.where(b > 0, b, 1.0)), np.float32(0.0))

    total = -np.sum(plogp(mean, mean), -1)
    aleatoric = np.mean(-np.sum(plogp(p, p), -1), 0)
    epistemic = np.mean(np.sum(plogp(p, p) - plogp(p, mean[None]), -1), 0)
    gap = float(np.max(np.abs(total - (aleatoric + epistemic)))) if total.size else 0.0
    return Decomposition(total, aleatoric, epistemic, gap)


def auroc(positive, negative) -> float:
    """Area under the ROC curve of a score: P(score of a positive > score of a negative) + P(tie) / 2.

    Mann-Whitney: U = (sum of the positives' ranks among all scores) - n_pos (n_pos + 1) / 2, ties taking their
    average rank; AUROC = U / (n_pos n_neg). O(n log n), equal to counting every pair.
    """
    pos = np.asarray(positive, np.float64).ravel()
    neg = np.asarray(negative, np.float64).ravel()
    if pos.size == 0 or neg.size == 0:
        raise ValueError(f"positive and negative must be non-empty, got {pos.size} and {neg.size} scores")
    if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(neg))):
        raise ValueError("scores must be finite")
    both = np.concatenate([pos, neg])
    order = np.argsort(both, kind="mergesort")
    sorted_scores = both[order]
    ranks = np.empty(both.size)
    # Average rank of each run of equal scores (ranks start at 1).
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], both.size]
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    u = ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2.0
    return float(u / (pos.size * neg.size))


def roc_curve(positive, negative) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates as the threshold falls from +inf past every distinct score.

    At a threshold t the rates are the shares of negatives and positives scoring >= t, counted in the sorted
    scores (one binary search per threshold, O(n log n)) instead of comparing every score with every threshold."""
    pos = np.asarray(positive, np.float64).ravel()
    neg = np.asarray(negative, np.float64).ravel()
    if pos.size == 0 or neg.size == 0:
        raise ValueError(f"positive and negative must be non-empty, got {pos.size} and {neg.size} scores")
    thresholds = np.unique(np.concatenate([pos, neg]))[::-1]

    def share_at_least(scores):
        return (scores.size - np.searchsorted(np.sort(scores), thresholds, "left")) / scores.size

    return np.r_[0.0, share_at_least(neg)], np.r_[0.0, share_at_least(pos)]


def mean_spread(values, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (divided by the count, not count - 1) over ``axis``: a band's centre and σ."""
    v = np.asarray(values, np.float64)
    return v.mean(axis), v.std(axis)


def running_mean(values, axis: int) -> np.ndarray:
    """Means of the first 1, 2, ..., K entries along ``axis`` (the same axis, now indexed by K - 1)."""
    v = np.asarray(values, np.float64)
    counts = np.arange(1, v.shape[axis] + 1, dtype=np.float64)
    shape = [1] * v.ndim
    shape[axis] = -1
    return np.cumsum(v, axis) / counts.reshape(shape)


# --- training: every comparable model in one vmapped computation ------------------------------------------------


CHUNK = 250  # steps per jitted call: progress after each, and any step count that is a multiple compiles once
# Compilation is most of the page's first view: XLA options that compile these small programs faster on a CPU.
FAST_COMPILE = system.fast_compile_options()


def _layer_shapes(sizes):
    return list(zip(sizes[:-1], sizes[1:]))


def n_params(sizes) -> int:
    """Weights and biases of an MLP with these widths: the length of its flat parameter vector."""
    return int(sum(a * b + b for a, b in _layer_shapes(check_sizes(sizes))))


def unflatten(flat, sizes) -> list:
    """Flat parameter vectors (..., P) -> list of (W (..., fan_in, fan_out), b (..., fan_out)), NumPy or JAX.

    The order is jax.flatten_util.ravel_pytree's of [(W, b), ...]: W row-major, then b, layer by layer.
    """
    total = sum(a * b + b for a, b in _layer_shapes(sizes))
    if flat.shape[-1] != total:
        raise ValueError(f"flat must have {total} parameters per network for sizes {tuple(sizes)}, got {flat.shape[-1]}")
    out, at = [], 0
    lead = flat.shape[:-1]
    for a, b in _layer_shapes(sizes):
        w = flat[..., at:at + a * b].reshape(lead + (a, b))
        at += a * b
        out.append((w, flat[..., at:at + b]))
        at += b
    return out


def _path_key(key, path):
    """fold_in(...fold_in(key, path[0])..., path[-1]): a model's key from its position (run, member, ...)."""
    for i in range(path.shape[0]):
        key = jax.random.fold_in(key, path[i])
    return key


@partial(jax.jit, static_argnames=("sizes",), compiler_options=FAST_COMPILE)
def _init(key, paths, sizes):
    """Flat initial parameters, Adam states and the keys of the steps' draws, for models at ``paths``.

    He initialisation (W ~ N(0, 2 / fan_in), b = 0, as dropout_viz.network.init_mlp for ReLU), drawn as one
    normal vector per model from split(model key)[0] (its steps draw from split(model key)[1]): one draw instead
    of one per layer, and one split instead of two fold_ins, compile faster.
    """
    init_keys, run_keys = jnp.moveaxis(jax.vmap(lambda p: jax.random.split(_path_key(key, p)))(paths), 1, 0)
    n_w = [a * b for a, b in _layer_shapes(sizes)]
    z = jax.vmap(lambda k: jax.random.normal(k, (sum(n_w),)))(init_keys)
    parts, at = [], 0
    for (a, b), n in zip(_layer_shapes(sizes), n_w):
        parts += [np.sqrt(2.0 / a) * z[:, at:at + n], jnp.zeros((z.shape[0], b))]
        at += n
    flat = jnp.concatenate(parts, 1)
    return flat, jax.vmap(optax.scale_by_adam().init)(flat), run_keys


@partial(jax.jit, static_argnames=("sizes", "head", "steps", "batch"), compiler_options=FAST_COMPILE)
def _fit_chunk(flat, opt, keys, x, y, keeps, lr, t0, *, sizes, head, steps, batch):
    """``steps`` Adam steps of every model (vmapped), starting at step t0 (traced: every chunk reuses the code).

    Step t of a model draws one uniform array from fold_in(key, t): its first column picks the minibatch, the
    others are the uniforms behind the masks (u < q keeps a unit, each example its own mask). One draw per step
    instead of one per layer halves the compile time, which is most of the page's first view.
    """
    cuts = np.cumsum((1,) + sizes[:-1])

    def one(flat, opt, key, x, y, keep):
        n = x.shape[0]

        def loss(f, xb, yb, ms):
            out = forward(unflatten(f, sizes), xb, ms, keep)  # inverted dropout: kept units scaled by 1/q
            if head == "identity":
                return jnp.mean((out[:, 0] - yb) ** 2)
            return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(out), yb[:, None], 1))

        def step(carry, t):
            flat, opt = carry
            u = jax.random.uniform(jax.random.fold_in(key, t), (batch, int(cuts[-1])))
            idx = jnp.minimum((u[:, 0] * n).astype(jnp.int32), n - 1)
            ms = [(u[:, a:b] < q).astype(jnp.float32) for a, b, q in zip(cuts[:-1], cuts[1:], keep)]
            grads = jax.grad(loss)(flat, x[idx], y[idx], ms)
            updates, opt = optax.scale_by_adam().update(grads, opt, flat)
            return (flat - lr * updates, opt), None

        (flat, opt), _ = jax.lax.scan(step, (flat, opt), t0 + jnp.arange(steps))
        return flat, opt

    return jax.vmap(one)(flat, opt, keys, x, y, keeps)


def train_models(key, paths, x_train, y_train, keeps, *, sizes, head: str, steps: int, lr: float,
                 batch_size: int = 32, progress: Callable[[float], None] | None = None) -> np.ndarray:
    """Train one ReLU network per row of ``paths``, all as one vmapped computation; flat parameters (models, P).

    The house's engine (dropout_viz.train) evaluates losses as it trains and supports noise kinds this lesson
    does not use; its compiled chunk takes about 3 s, most of the 5 s the lesson's first view may take. This is
    the same arithmetic (He init, Adam, inverted dropout, minibatches drawn uniformly) in a smaller program.

    Args:
      key: the experiment's key; model i's key is fold_in(...fold_in(key, paths[i, 0])..., paths[i, -1]), split
        in two: its initialisation and the draws of its steps.
      paths: (models, depth) non-negative integers: each model's position (run, member, ...), so its networks
        do not depend on how many others are trained with it.
      x_train: (models, N, d) inputs and y_train (models, N) targets, one training set per model. A model with
        fewer points gets them repeated to N rows (tiling n points to N rows, n dividing N, leaves the
        distribution of a uniformly drawn minibatch unchanged).
      keeps: (models, n_layers) keep per weight layer's inputs (1 = no dropout).
      steps: Adam steps, a multiple of CHUNK (one jitted call per chunk; progress(fraction) after each).
    """
    sizes = check_sizes(sizes)
    paths = np.asarray(paths)
    x_train = np.asarray(x_train, np.float32)
    y_train = np.asarray(y_train).astype(np.float32 if head == "identity" else np.int32)
    keeps = np.asarray(keeps, np.float32)
    if paths.ndim != 2 or paths.shape[0] < 1 or not np.issubdtype(paths.dtype, np.integer) or paths.min() < 0:
        raise ValueError(f"paths must be a (models, depth) array of integers >= 0, got shape {paths.shape}")
    n_models = paths.shape[0]
    if head not in ("softmax", "identity"):
        raise ValueError(f"head must be 'softmax' or 'identity', got {str(head)[:60]!r}")
    if x_train.ndim != 3 or x_train.shape[0] != n_models or x_train.shape[2] != sizes[0]:
        raise ValueError(f"x_train must have shape ({n_models}, N, {sizes[0]}), got {x_train.shape}")
    if y_train.shape != x_train.shape[:2]:
        raise ValueError(f"y_train must have shape {x_train.shape[:2]}, got {y_train.shape}")
    if keeps.shape != (n_models, len(sizes) - 1):
        raise ValueError(f"keeps must have shape ({n_models}, {len(sizes) - 1}), got {keeps.shape}")
    masks.check_keep(keeps, "keeps")
    if check_int("steps", steps, CHUNK, 100_000) % CHUNK:
        raise ValueError(f"steps must be a multiple of {CHUNK}, got {steps}")
    # NumPy in: a jnp conversion would compile a small program of its own, and the first view pays for each.
    flat, opt, run_keys = _init(key, np.asarray(paths, np.int32), sizes)
    x, y, q = x_train, y_train, keeps
    n_chunks = steps // CHUNK
    for i in range(n_chunks):
        flat, opt = _fit_chunk(flat, opt, run_keys, x, y, q, np.float32(lr), np.int32(i * CHUNK), sizes=sizes,
                               head=head, steps=CHUNK, batch=batch_size)
        if progress is not None:
            jax.block_until_ready(flat)
            progress((i + 1) / n_chunks)
    return np.asarray(flat)


def _masked_passes(key, flat, x, keep, k: int, sizes, head: str):
    """k passes of one network, mask i drawn from fold_in(key, i) as one uniform array (u < q keeps a unit),
    each mask shared by all of x: (k, n, C) probabilities or (k, n) outputs."""
    cuts = np.cumsum((0,) + tuple(sizes[:-1]))
    u = jax.vmap(lambda i: jax.random.uniform(jax.random.fold_in(key, i), (int(cuts[-1]),)))(jnp.arange(k))
    ms = [(u[:, None, a:b] < q).astype(jnp.float32) for a, b, q in zip(cuts[:-1], cuts[1:], keep)]
    out = forward(unflatten(flat, sizes), x[None], ms, keep)
    return jax.nn.softmax(out, -1) if head == "softmax" else out[..., 0]


def _plain_pass(flat, x, sizes, head: str):
    out = forward(unflatten(flat, sizes), x)
    return jax.nn.softmax(out, -1) if head == "softmax" else out[..., 0]


@partial(jax.jit, static_argnames=("sizes", "head"), compiler_options=FAST_COMPILE)
def _plain(flat, x, sizes, head):
    return jax.vmap(lambda f: _plain_pass(f, x, sizes, head))(flat)


@partial(jax.jit, static_argnames=("k", "sizes", "head"), compiler_options=FAST_COMPILE)
def _mc(key, flat, x, keeps, k, sizes, head):
    keys = jax.vmap(lambda j: jax.random.fold_in(key, j))(jnp.arange(flat.shape[0]))
    return jax.vmap(lambda kk, f, q: _masked_passes(kk, f, x, q, k, sizes, head))(keys, flat, keeps)


@partial(jax.jit, static_argnames=("k", "sizes"), compiler_options=FAST_COMPILE)
def _classify(key, dropout, members, x, keep, k, sizes):
    """The three predictors of every run in one program (one compile per shape of x); run r's masks from
    fold_in(fold_in(key, EVAL_TAG), r) (folded in here: outside, the fold would compile a program of its own)."""
    key = jax.random.fold_in(key, EVAL_TAG)
    keys = jax.vmap(lambda r: jax.random.fold_in(key, r))(jnp.arange(dropout.shape[0]))
    ws = jax.vmap(lambda f: _plain_pass(f, x, sizes, "softmax"))(dropout)
    mc = jax.vmap(lambda kk, f: _masked_passes(kk, f, x, keep, k, sizes, "softmax"))(keys, dropout)
    mem = jax.vmap(jax.vmap(lambda f: _plain_pass(f, x, sizes, "softmax")))(members)
    return ws, mc, mem


def predict_plain(flat, x, sizes, head: str = "softmax") -> np.ndarray:
    """Every network's prediction without masks; flat (..., P) -> (..., n, C) probabilities or (..., n) outputs."""
    flat = np.asarray(flat, np.float32)
    lead = flat.shape[:-1]
    out = np.asarray(_plain(flat.reshape(-1, flat.shape[-1]), jnp.asarray(x, jnp.float32), check_sizes(sizes), head))
    return out.reshape(lead + out.shape[1:])


def predict_mc(key, flat, x, keeps, k: int, sizes, head: str = "softmax") -> np.ndarray:
    """k Monte Carlo dropout passes of every network: flat (..., P), keeps (..., n_layers) -> (..., k, n[, C]).

    Network j (in the flattened order of the leading axes) uses masks fold_in(fold_in(key, j), i), i < k.
    """
    k = check_int("k", k, 1, 4096)
    flat = np.asarray(flat, np.float32)
    lead = flat.shape[:-1]
    keeps = np.broadcast_to(np.asarray(keeps, np.float32), lead + (len(sizes) - 1,)).reshape(-1, len(sizes) - 1)
    masks.check_keep(keeps, "keeps")
    out = np.asarray(_mc(key, flat.reshape(-1, flat.shape[-1]), jnp.asarray(x, jnp.float32), jnp.asarray(keeps), k,
                         check_sizes(sizes), head))
    return out.reshape(lead + out.shape[1:])


# --- 1. calibration ---------------------------------------------------------------------------------------------


def task_data(task: str, seed: int, cfg: Config = Config()) -> datasets.Dataset:
    """The held-out task: the noisy two moons or the digits, half of the points held out (stratified)."""
    check_task(task)
    if task == "moons":
        return datasets.make_dataset("moons", seed, cfg.moons_points, cfg.moons_noise)
    return datasets.make_dataset("digits", seed, cfg.digits_points, 0.0)


class Classifiers(NamedTuple):
    """Trained networks of one task as flat parameter vectors: dropout (runs, P), members (runs, M, P)."""

    dropout: np.ndarray
    members: np.ndarray
    sizes: tuple
    keep: tuple  # per-layer keep of the dropout networks (members: 1 everywhere)
    data: datasets.Dataset


def train_classifiers(key, task: str, seed: int, keep: float, cfg: Config = Config(),
                      progress: Callable[[float], None] | None = None) -> Classifiers:
    """Per run r: one network trained with dropout (keep q on the hidden units) and max_members networks
    without dropout, each from its own initialisation and minibatch order; same data. One vmapped computation.

    Model paths (run r, j): j = 0 the dropout network, j >= 1 the ensemble's members.
    """
    ds = task_data(task, seed, cfg)
    sizes = cfg.sizes(task)
    keep_vec = hidden_keep(keep, len(sizes) - 1)
    per_run = 1 + cfg.max_members
    paths = [(r, j) for r in range(cfg.n_runs) for j in range(per_run)]
    keeps = [keep_vec if j == 0 else (1.0,) * len(keep_vec) for _, j in paths]
    n = len(paths)
    flat = train_models(key, paths, np.broadcast_to(ds.x_train, (n,) + ds.x_train.shape),
                        np.broadcast_to(ds.y_train, (n,) + ds.y_train.shape), keeps, sizes=sizes, head="softmax",
                        steps=cfg.class_steps, lr=cfg.class_lr, batch_size=cfg.batch_size, progress=progress)
    flat = flat.reshape(cfg.n_runs, per_run, -1)
    return Classifiers(flat[:, 0], flat[:, 1:], sizes, keep_vec, ds)


class Predictions(NamedTuple):
    """Class probabilities on the same points: weight-scaled (runs, n, C), Monte Carlo (runs, K, n, C) with
    mask i the same whatever K, and the members (runs, M, n, C)."""

    weight_scaled: np.ndarray
    mc: np.ndarray
    members: np.ndarray


EVAL_TAG = 0xE7A1  # folded into a run's key for its test-time masks: never the same as a training mask


def classify(key, clf: Classifiers, x, k: int) -> Predictions:
    """The three predictors on inputs x (n, d); k Monte Carlo masks per run (run r's mask i from
    fold_in(fold_in(fold_in(key, EVAL_TAG), r), i))."""
    k = check_int("k", k, 1, 4096)
    out = _classify(key, np.asarray(clf.dropout, np.float32), np.asarray(clf.members, np.float32),
                    np.asarray(x, np.float32), np.asarray(clf.keep, np.float32), k, clf.sizes)
    return Predictions(*(np.asarray(a) for a in out))


class Curves(NamedTuple):
    """A score of each predictor on the test points, per run: weight_scaled (runs,), mc (runs, K) for the mean of
    the first k masks, ensemble (runs, M) for the mean of the first M members."""

    weight_scaled: np.ndarray
    mc: np.ndarray
    ensemble: np.ndarray


def score_curves(pred: Predictions, y, score: str, n_bins: int = 10) -> Curves:
    """ECE, NLL, Brier or error of every predictor against the number of forward passes, per run."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {list(SCORES)}, got {str(score)[:60]!r}")
    fn = SCORES[score] if score != "ECE" else partial(expected_calibration_error, n_bins=n_bins)
    mc = running_mean(pred.mc, 1)
    ens = running_mean(pred.members, 1)
    return Curves(np.array([fn(p, y) for p in pred.weight_scaled]),
                  np.array([[fn(p, y) for p in run] for run in mc]),
                  np.array([[fn(p, y) for p in run] for run in ens]))


# --- 2. the band: 1-D regression with a gap ---------------------------------------------------------------------


def truth(x) -> np.ndarray:
    """The true function, sin(pi x)."""
    return np.sin(np.pi * np.asarray(x, np.float64))


def gap_data(seed: int, n: int, cfg: Config = Config()) -> tuple[np.ndarray, np.ndarray]:
    """n points with x uniform on x_range minus the gap, y = sin(pi x) + N(0, reg_noise^2); (n, 1), (n,) float32.

    Same seed: the first n points of a larger draw are the draw of n (the size sweep's sets are nested).
    """
    n = check_int("n", n, 2, 100_000)
    gen = np.random.default_rng(check_int("seed", seed, 0, 2**31 - 1))
    lo, hi = cfg.x_range
    g0, g1 = cfg.gap
    # One uniform per point on the covered length, mapped across the gap: no rejection, so prefixes nest.
    u = gen.uniform(0.0, (hi - lo) - (g1 - g0), 100_000)[:n]
    x = np.where(lo + u < g0, lo + u, lo + u + (g1 - g0))
    y = truth(x) + cfg.reg_noise * gen.standard_normal(100_000)[:n]
    return x[:, None].astype(np.float32), y.astype(np.float32)


def curve_x(cfg: Config = Config()) -> np.ndarray:
    return np.linspace(*cfg.view_range, cfg.curve_points)


def regions(x, cfg: Config = Config()) -> dict[str, np.ndarray]:
    """Masks over x: 'data' (inside x_range, outside the gap), 'gap', 'extrapolation' (outside x_range)."""
    x = np.asarray(x)
    lo, hi = cfg.x_range
    inside = (x >= lo) & (x <= hi)
    gap = (x > cfg.gap[0]) & (x < cfg.gap[1])
    return {"data": inside & ~gap, "gap": gap, "extrapolation": ~inside}


class BandRun(NamedTuple):
    """Predictions on curve_x of networks trained on n = sizes[i] points: Monte Carlo dropout (sizes, runs, K, G)
    and the members (sizes, runs, M, G); for the keep sweep, dropout (keeps, runs, K, G) at n = reg_points."""

    x: np.ndarray
    sizes: tuple
    values: np.ndarray


def _tiled(seed: int, sizes, cfg: Config):
    big = max(sizes)
    for n in sizes:
        if big % n:
            raise ValueError(f"every training-set size must divide the largest ({big}), got {n}")
    x, y = gap_data(seed, big, cfg)
    return (np.stack([np.tile(x[:n], (big // n, 1)) for n in sizes]), np.stack([np.tile(y[:n], big // n) for n in sizes]))


REG_TAGS = {"dropout": 1, "members": 2, "keeps": 3}


def band_models(key, seed: int, kind: str, *, keep: float = 0.8, k: int | None = None, cfg: Config = Config(),
                progress: Callable[[float], None] | None = None) -> BandRun:
    """Train and predict the band's networks (one vmapped computation per call).

    kind "dropout": one network per (size in size_sweep, run), keep q on the hidden units; k Monte Carlo masks.
    kind "members": max_members networks per (size, run), no dropout: the deep ensembles.
    kind "keeps": one network per (keep in keep_sweep, run) on reg_points points; k masks.
    """
    if kind not in REG_TAGS:
        raise ValueError(f"kind must be one of {list(REG_TAGS)}, got {str(kind)[:60]!r}")
    k = cfg.max_masks if k is None else check_int("k", k, 1, 4096)
    L = len(cfg.reg_sizes) - 1
    if kind == "keeps":
        sizes = (cfg.reg_points,)
        settings = [hidden_keep(q, L) for q in cfg.keep_sweep]
    elif kind == "dropout":
        sizes = cfg.size_sweep
        settings = [hidden_keep(keep, L)]
    else:
        sizes = cfg.size_sweep
        settings = [(1.0,) * L] * cfg.max_members
    x_sets, y_sets = _tiled(seed, sizes, cfg)
    base = jax.random.fold_in(key, REG_TAGS[kind])
    # Model order (size or keep, run, member); keys by position, so a run's networks do not depend on the others.
    outer = len(settings) if kind == "keeps" else len(sizes)
    inner = cfg.max_members if kind == "members" else 1
    rows = [(o, r, j) for o in range(outer) for r in range(cfg.n_runs) for j in range(inner)]
    data_rows = [0 if kind == "keeps" else o for o, _, _ in rows]
    keeps = [settings[o] if kind == "keeps" else settings[j if kind == "members" else 0] for o, _, j in rows]
    flat = train_models(base, rows, x_sets[data_rows], y_sets[data_rows], keeps, sizes=cfg.reg_sizes,
                        head="identity", steps=cfg.reg_steps, lr=cfg.reg_lr, batch_size=cfg.batch_size,
                        progress=progress)
    xs = curve_x(cfg)
    grid = xs[:, None].astype(np.float32)
    if kind == "members":
        values = predict_plain(flat, grid, cfg.reg_sizes, "identity").reshape(outer, cfg.n_runs, inner, -1)
    else:
        # Each network its own test-time masks, at its own keep (traced: a new keep compiles nothing).
        values = predict_mc(jax.random.fold_in(base, EVAL_TAG), flat, grid, keeps, k, cfg.reg_sizes, "identity")
        values = values.reshape(outer, cfg.n_runs, k, -1)
    return BandRun(xs, sizes if kind != "keeps" else tuple(cfg.keep_sweep), values)


def spread(values, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Centre and σ of the first ``count`` predictions (axis -2 of (..., K, G)): the band is centre ± 2σ."""
    return mean_spread(np.asarray(values)[..., :count, :], axis=-2)


def region_means(sigma, x, cfg: Config = Config()) -> dict[str, np.ndarray]:
    """Mean of σ(x) over each region's points (last axis of sigma is x)."""
    return {name: np.asarray(sigma)[..., m].mean(-1) for name, m in regions(x, cfg).items()}


def coverage(centre, sigma, x, cfg: Config = Config()) -> dict[str, np.ndarray]:
    """Share of each region's x where the truth lies inside centre ± 2σ."""
    inside = np.abs(truth(x) - np.asarray(centre)) <= 2 * np.asarray(sigma)
    return {name: inside[..., m].mean(-1) for name, m in regions(x, cfg).items()}


# --- 3. what the uncertainty is made of -------------------------------------------------------------------------


def surface_points(cfg: Config = Config()):
    """The decomposition's grid: xs (R,), points (R*R, 2) row by row (Plotly's heatmap layout)."""
    h = cfg.surface_half_width
    xs, _, pts = datasets.surface_grid(cfg.surface_resolution, -h, h)
    return xs, pts


def ood_points(seed: int, cfg: Config = Config()) -> np.ndarray:
    """Points far from the data: uniform (by area) in the ring ood_radii around the origin, (n, 2) float32."""
    gen = np.random.default_rng(check_int("seed", seed, 0, 2**31 - 1) + 7919)  # not the data's own stream
    r0, r1 = cfg.ood_radii
    r = np.sqrt(gen.uniform(r0**2, r1**2, cfg.ood_points))
    a = gen.uniform(0, 2 * np.pi, cfg.ood_points)
    return np.stack([r * np.cos(a), r * np.sin(a)], 1).astype(np.float32)


class OodScores(NamedTuple):
    """AUROC per run (runs,) of each score at telling ring points (positives) from test points (negatives)."""

    mc_mutual_information: np.ndarray
    mc_total_entropy: np.ndarray
    ensemble_mutual_information: np.ndarray
    ensemble_total_entropy: np.ndarray
    weight_scaled_entropy: np.ndarray
    # Run 0's scores, for the histogram and the ROC curve: (in-distribution, far) of each.
    mi_in: np.ndarray
    mi_out: np.ndarray
    ens_mi_in: np.ndarray
    ens_mi_out: np.ndarray


def ood_scores(pred_in: Predictions, pred_out: Predictions, k: int, m: int) -> OodScores:
    """Mutual information and total entropy of k masks (M members) as scores for points far from the data."""
    runs = pred_in.mc.shape[0]
    res = {name: [] for name in OodScores._fields[:5]}
    keep_first = {}
    for r in range(runs):
        d_in, d_out = decompose(pred_in.mc[r, :k]), decompose(pred_out.mc[r, :k])
        e_in, e_out = decompose(pred_in.members[r, :m]), decompose(pred_out.members[r, :m])
        res["mc_mutual_information"].append(auroc(d_out.epistemic, d_in.epistemic))
        res["mc_total_entropy"].append(auroc(d_out.total, d_in.total))
        res["ensemble_mutual_information"].append(auroc(e_out.epistemic, e_in.epistemic))
        res["ensemble_total_entropy"].append(auroc(e_out.total, e_in.total))
        res["weight_scaled_entropy"].append(auroc(entropy(pred_out.weight_scaled[r]), entropy(pred_in.weight_scaled[r])))
        if r == 0:
            keep_first = dict(mi_in=d_in.epistemic, mi_out=d_out.epistemic, ens_mi_in=e_in.epistemic,
                              ens_mi_out=e_out.epistemic)
    return OodScores(**{k_: np.asarray(v) for k_, v in res.items()}, **keep_first)


class Split(NamedTuple):
    """What the decomposition tab shows for one setting: the grid's split of the entropy of T predictions (k masks
    or M networks), the far points' scores, and the shown score's mutual information with its ROC (run 1)."""

    decomposition: Decomposition
    scores: OodScores
    t: int  # predictions averaged: k masks or M networks
    mi_in: np.ndarray
    mi_out: np.ndarray
    auroc: float
    fpr: np.ndarray
    tpr: np.ndarray


def split(pred_in: Predictions, pred_out: Predictions, pred_grid: Predictions, k: int, m: int, who: str) -> Split:
    """The decomposition of ``who`` ("mc": k masks of the dropout network; "ensemble": M networks) on the grid,
    and the far points (pred_out) told from the test points (pred_in) by its mutual information."""
    if who not in ("mc", "ensemble"):
        raise ValueError(f"who must be 'mc' or 'ensemble', got {who!r}")
    t = k if who == "mc" else m
    dec = decompose(pred_grid.mc[0, :k] if who == "mc" else pred_grid.members[0, :m])
    scores = ood_scores(pred_in, pred_out, k, m)
    mi_in, mi_out = (scores.mi_in, scores.mi_out) if who == "mc" else (scores.ens_mi_in, scores.ens_mi_out)
    fpr, tpr = roc_curve(mi_out, mi_in)
    return Split(dec, scores, t, mi_in, mi_out, auroc(mi_out, mi_in), fpr, tpr)


# --- the summary ------------------------------------------------------------------------------------------------


def _pm(values) -> str:
    v = np.asarray(values)
    return f"{v.mean():.3f} ± {v.std():.3f}"


def main() -> None:
    import time

    cfg = Config()
    key = seed_key(0)
    for task in TASKS:
        t = time.perf_counter()
        clf = train_classifiers(key, task, 0, 0.8, cfg)
        pred = classify(key, clf, clf.data.x_test, cfg.max_masks)
        print(f"{task}: trained {cfg.n_runs} x (1 + {cfg.max_members}) networks in {time.perf_counter() - t:.1f} s")
        for score in ("error", "ECE", "NLL", "Brier"):
            c = score_curves(pred, clf.data.y_test, score, cfg.n_bins)
            print(f"  {score:5s} weight-scaled {_pm(c.weight_scaled)}  MC k=5 {_pm(c.mc[:, 4])}  "
                  f"MC k={cfg.max_masks} {_pm(c.mc[:, -1])}  ensemble M=5 {_pm(c.ensemble[:, 4])}")
        if task == "moons":
            p_out = classify(key, clf, ood_points(0, cfg), cfg.max_masks)
            o = ood_scores(pred, p_out, 16, 5)
            gap = decompose(pred.mc[0, :16]).identity_gap
            print(f"  max |total - (aleatoric + epistemic)| = {gap:.2e}; AUROC far vs test: MC MI "
                  f"{_pm(o.mc_mutual_information)}, ensemble MI {_pm(o.ensemble_mutual_information)}, "
                  f"weight-scaled entropy {_pm(o.weight_scaled_entropy)}")
    t = time.perf_counter()
    drop = band_models(key, 0, "dropout", keep=0.8, cfg=cfg)
    ens = band_models(key, 0, "members", cfg=cfg)
    print(f"band: trained in {time.perf_counter() - t:.1f} s")
    for i, n in enumerate(drop.sizes):
        _, s_d = spread(drop.values[i], 16)
        _, s_e = spread(ens.values[i], 5)
        rd, re_ = region_means(s_d, drop.x, cfg), region_means(s_e, drop.x, cfg)
        print(f"  n={n:4d}  σ dropout (k=16) data {_pm(rd['data'])} gap {_pm(rd['gap'])} extrap "
              f"{_pm(rd['extrapolation'])} | ensemble (M=5) data {_pm(re_['data'])} gap {_pm(re_['gap'])}")


if __name__ == "__main__":
    main()
