"""Training runs behind the bagging and regularisation pages.

- ``compare_ensembles``: k bagged networks (bootstrap samples, independent weights) against one network
  trained with dropout (shared weights) and against *dropout boosting* (Warde-Farley et al., 2014): the
  same masks and the same parameter sharing, but the loss is that of the ensemble's arithmetic-mean
  prediction over the sampled masks, -log mean_m p(y | x, m), instead of the mean of the per-mask losses.
- ``compare_regularisers``: one task and seed under no regularisation, dropout, L2, L1, early stopping,
  Gaussian input noise and label smoothing; one vmapped run of the engine (dropout_viz.core.train).
- ``compare_noises``: Bernoulli dropout, Gaussian multiplicative noise of matched variance, DropConnect,
  and additive Gaussian noise on the hidden units, with the size of the hidden activations over training.
- ``fit_dropout_linear``: linear regression trained with input dropout, for comparison with ridge.

Conventions: keep probability q (drop rate p = 1 - q), inverted dropout unless ``inverted=False``.
Every random function takes a ``jax.random`` key first.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from . import system as _system  # noqa: F401  (first: its threefry lowering, see system.py)
from . import checks, system
from . import masks as masks_mod
from . import theory
from . import train as engine
from .network import ACTIVATIONS, check_activation, check_sizes, forward, init_mlp

# The engine's programs compile faster with the same numbers (see core.system.engine_compile_options).
_COMPILE = _system.engine_compile_options()

MAX_BAGS = 16
MAX_STEPS = 20_000
# A tag folded into a model's key for its evaluation masks, so they never coincide with training masks.
EVAL_TAG = 0x5EED


def _check_int(value, name: str, lo: int, hi: int) -> int:
    """value as an int in [lo, hi] (the shared rule of checks.check_int)."""
    return checks.check_int(name, value, lo, hi)


def _check_float(value, name: str, lo: float, hi: float, *, open_lo: bool = False) -> float:
    v = float(value)
    if not np.isfinite(v) or v < lo or v > hi or (open_lo and v == lo):
        raise ValueError(f"{name} must lie in {'(' if open_lo else '['}{lo}, {hi}], got {value}")
    return v


def _check_xy(x, y, name: str, n_features: int | None = None):
    x = np.asarray(x, np.float32)
    y = np.asarray(y)
    if x.ndim != 2 or len(x) < 2 or (n_features is not None and x.shape[1] != n_features):
        want = "(n >= 2, d)" if n_features is None else f"(n >= 2, {n_features})"
        raise ValueError(f"x_{name} must have shape {want}, got {x.shape}")
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError(f"y_{name} must hold {len(x)} integer labels >= 0, got shape {y.shape}")
    return x, y.astype(np.int32)


def n_params(sizes) -> int:
    """Weights plus biases of an MLP with these layer widths."""
    sizes = check_sizes(sizes)
    return int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))


def log_loss(probs, y) -> float:
    """Mean cross-entropy -log p(y | x) of class probabilities (n, C) against integer labels (n,)."""
    p = np.asarray(probs, np.float64)[np.arange(len(y)), np.asarray(y)]
    return float(-np.mean(np.log(np.clip(p, 1e-12, 1.0))))


def error_rate(probs, y) -> float:
    """Fraction of points whose most probable class is not the label."""
    return float(np.mean(np.argmax(probs, axis=-1) != np.asarray(y)))


# --- bagging, dropout and dropout boosting ----------------------------------------------------------------


@dataclass(frozen=True)
class EnsembleConfig:
    """Static structure of an ensemble comparison; each field is part of the compiled shape."""

    sizes: tuple[int, ...]
    activation: str = "relu"
    batch_size: int = 32
    # Masks per example (M) for dropout and boosting. Boosting averages p(y | x, m) over these M masks,
    # so it needs M > 1 to have an ensemble at all; dropout gets the same M masks (a batch of B*M rows).
    n_masks: int = 8
    eval_masks: int = 16  # subnetworks averaged when evaluating a dropout or boosting net
    chunk: int = 100  # steps per jitted call; the curves get one point at the end of each chunk
    n_bags: int = 12  # bagged networks trained (the page averages the first k of them)

    def __post_init__(self):
        object.__setattr__(self, "sizes", check_sizes(self.sizes))
        check_activation(self.activation)
        _check_int(self.batch_size, "batch_size", 1, 4096)
        _check_int(self.n_masks, "n_masks", 2, 64)
        _check_int(self.eval_masks, "eval_masks", 1, 1024)
        _check_int(self.chunk, "chunk", 1, 10_000)
        _check_int(self.n_bags, "n_bags", 2, MAX_BAGS)


class _Member(NamedTuple):
    """Traced settings of one model in a vmapped ensemble run."""

    pool: jax.Array  # (n,) the training indices it samples minibatches from (a bootstrap sample or all)
    keep: jax.Array  # (n_layers,) keep probability per weight layer's inputs
    boost: jax.Array  # 1.0: ensemble-likelihood objective (boosting); 0.0: mean per-mask loss
    key: jax.Array  # drives its minibatches and masks: step t uses fold_in(key, t)
    # Its evaluation subnetworks, drawn once by _ensemble_setup (_eval_masks of its key): per layer (E, 1, fan_in).
    # Drawn inside each training chunk instead, they would be the same bits, compiled into every program again.
    eval_subnets: tuple = ()


class _State(NamedTuple):
    flat: jax.Array  # all parameters as one vector (the optimizer works on it)
    opt: tuple
    step: jax.Array


def _masked_log_lik(params, x, y, masks, keep, activation):
    """log p(y | x, m) for M masks per example: (M, B) (masks: per layer (M, B, fan_in))."""
    out = forward(params, x[None], masks, keep, activation=activation)
    return jnp.take_along_axis(jax.nn.log_softmax(out, axis=-1), y[None, :, None], axis=-1)[..., 0]


def ensemble_objective(log_lik, boost):
    """Training loss from log p(y | x, m) of shape (M, B).

    boost = 0 (dropout): mean over masks and examples of -log p(y | x, m), the mean of per-mask losses.
    boost = 1 (dropout boosting): mean over examples of -log((1/M) sum_m p(y | x, m)), the loss of the
    ensemble's arithmetic-mean prediction, which rewards members that make up for each other.
    """
    per_mask = -jnp.mean(log_lik)
    ensemble = -jnp.mean(jax.nn.logsumexp(log_lik, axis=0) - jnp.log(log_lik.shape[0]))
    return jnp.where(boost > 0.5, ensemble, per_mask)


def _eval_masks(key, sizes, keep, n):
    """n subnetwork masks per layer, each shared by every point: per layer (n, 1, fan_in)."""
    ms = masks_mod.sample_layer_masks(jax.random.fold_in(key, EVAL_TAG), sizes, keep, batch=n)
    return [m[:, None, :] for m in ms]


def _predict_member(params, x, member: _Member, sizes, activation, eval_masks: int):
    """Arithmetic mean of p(y | x, m) over the member's eval_masks fixed subnetworks (member.eval_subnets):
    (n, C). keep = 1 gives the plain net."""
    masks = list(member.eval_subnets)
    if not masks or masks[0].shape[0] != eval_masks:
        raise ValueError(f"member.eval_subnets must hold {eval_masks} masks per layer (see _ensemble_setup)")
    out = forward(params, x[None], masks, member.keep, activation=activation)
    return jnp.mean(jax.nn.softmax(out, axis=-1), axis=0)


def _ensemble_chunk_single(state: _State, member: _Member, x, y, x_eval, lr, unravel, *, sizes, activation,
                           batch, n_masks, eval_masks, chunk):
    tx = optax.scale_by_adam()
    n = member.pool.shape[0]

    def draws(t):
        # Barriers between chained hashes (identity on the values) keep their compilation short (see train.py).
        barrier = jax.lax.optimization_barrier
        k_idx, k_mask = barrier(jax.random.split(barrier(jax.random.fold_in(member.key, t))))
        keys = barrier(jax.random.split(k_mask, len(sizes) - 1))
        masks = [masks_mod.bernoulli_mask(k, member.keep[i], (n_masks, batch, sizes[i])) for i, k in enumerate(keys)]
        return member.pool[jax.random.randint(k_idx, (batch,), 0, n)], masks

    # The whole chunk's minibatches and masks are drawn first (vectorised); the scan body is then arithmetic.
    idx, masks = jax.vmap(draws)(state.step + jnp.arange(chunk))

    def one_step(carry, batch_draws):
        flat, opt = carry
        i, ms = batch_draws

        def loss(f):
            return ensemble_objective(_masked_log_lik(unravel(f), x[i], y[i], ms, member.keep, activation),
                                      member.boost)

        updates, opt = tx.update(jax.grad(loss)(flat), opt, flat)
        return (flat - lr * updates, opt), None

    (flat, opt), _ = jax.lax.scan(one_step, (state.flat, state.opt), (idx, masks))
    probs = _predict_member(unravel(flat), x_eval, member, sizes, activation, eval_masks)
    return _State(flat, opt, state.step + chunk), probs


@partial(jax.jit, static_argnames=("unravel", "sizes", "activation", "batch", "n_masks", "eval_masks", "chunk"),
         compiler_options=_COMPILE)
def _ensemble_chunk(states, members, x, y, x_eval, lr, *, unravel, sizes, activation, batch, n_masks, eval_masks,
                    chunk):
    """Advance stacked models by one chunk (one vmapped computation); returns (states, probs on x_eval)."""
    f = partial(_ensemble_chunk_single, unravel=unravel, sizes=sizes, activation=activation, batch=batch,
                n_masks=n_masks, eval_masks=eval_masks, chunk=chunk)
    return jax.vmap(f, in_axes=(0, 0, None, None, None, None))(states, members, x, y, x_eval, lr)


@partial(jax.jit, static_argnames=("unravel", "sizes", "activation", "eval_masks"), compiler_options=_COMPILE)
def _ensemble_predict(flats, members, x, *, unravel, sizes, activation, eval_masks):
    return jax.vmap(lambda f, m: _predict_member(unravel(f), x, m, sizes, activation, eval_masks))(flats, members)


@partial(jax.jit, static_argnames=("unravel", "activation"), compiler_options=_COMPILE)
def _weight_scaled(flats, x, *, unravel, activation):
    return jax.vmap(lambda f: jax.nn.softmax(forward(unravel(f), x, activation=activation), axis=-1))(flats)


# Setup and finish only draw and predict: XLA's fastest CPU compile settings give them the same numbers
# (the bagging lesson's default run compared array by array), which the training chunk's rounding does not keep.
@partial(jax.jit, static_argnames=("n", "config"), compiler_options=system.fast_compile_options())
def _ensemble_setup(key, hidden, *, n: int, config: EnsembleConfig):
    """Members and initial states of compare_ensembles: (plain, plain states, family, family states).

    One compiled program: op by op, the keys, bootstrap samples and initial weights of 15 networks compile
    dozens of small programs, which on a CPU takes longer than training them.
    """
    cfg = config
    n_layers = len(cfg.sizes) - 1
    # Barriers between chained hashes (identity on the values) keep their compilation short (see train.py).
    barrier = jax.lax.optimization_barrier
    k_bags, k_boot, k_family = barrier(jax.random.split(barrier(key), 3))

    def states(keys):  # vmapped: one copy of the draws in the program (the same values as key by key)
        flats = jax.vmap(lambda k: ravel_pytree(init_mlp(k, cfg.sizes, cfg.activation))[0])(barrier(keys))
        return _State(flats, jax.vmap(optax.scale_by_adam().init)(flats), jnp.zeros(keys.shape[0], jnp.int32))

    # Models without masks train together at one mask per example: the no-dropout network (the family's
    # initialisation and minibatches, every training point) first, then the bagged networks.
    # fold_in, not split: bagged network i gets the same key (and results) whatever n_bags is.
    bags = jnp.arange(cfg.n_bags)
    bag_keys = barrier(jax.vmap(lambda i: jax.random.fold_in(k_bags, i))(bags))
    boot = jax.vmap(lambda i: jax.random.randint(barrier(jax.random.fold_in(k_boot, i)), (1, n), 0, n))(bags)
    pools = jnp.concatenate([jnp.arange(n, dtype=jnp.int32)[None], boot[:, 0].astype(jnp.int32)])
    plain_keys = jnp.concatenate([k_family[None], bag_keys])
    # Their one evaluation mask keeps every unit (keep 1: the draw of _eval_masks is all ones).
    plain = _Member(pools, jnp.ones((cfg.n_bags + 1, n_layers)), jnp.zeros(cfg.n_bags + 1),
                    jax.vmap(lambda k: jax.random.fold_in(k, 1))(plain_keys),
                    tuple(jnp.ones((cfg.n_bags + 1, 1, 1, w)) for w in cfg.sizes[:-1]))
    plain_states = states(jax.vmap(lambda k: jax.random.fold_in(k, 0))(plain_keys))
    # Dropout and boosting: same initialisation, minibatches and masks (same key); only the objective differs.
    fam_key = jax.random.fold_in(k_family, 1)
    fam_eval = tuple(jnp.stack([m] * 2) for m in _eval_masks(fam_key, cfg.sizes, hidden, cfg.eval_masks))
    family = _Member(jnp.broadcast_to(jnp.arange(n, dtype=jnp.int32), (2, n)), jnp.stack([hidden, hidden]),
                     jnp.asarray([0.0, 1.0]), jnp.stack([fam_key] * 2), fam_eval)
    fam_states = states(jnp.stack([jax.random.fold_in(k_family, 0)] * 2))
    return plain, plain_states, family, fam_states


@partial(jax.jit, static_argnames=("unravel", "config"), compiler_options=system.fast_compile_options())
def _ensemble_finish(plain_flats, plain, fam_flats, family, grid, x_test, *, unravel, config: EnsembleConfig):
    """The trained models' final predictions, in one compiled program: (plain on the grid, family on the grid,
    weight-scaled no dropout / dropout / boosting on the test points, single subnetworks on the test points)."""
    cfg = config
    predict = partial(_ensemble_predict.__wrapped__, unravel=unravel, sizes=cfg.sizes, activation=cfg.activation)
    plain_grid = predict(plain_flats, plain, grid, eval_masks=1)
    fam_grid = predict(fam_flats, family, grid, eval_masks=cfg.eval_masks)
    flats = jnp.concatenate([plain_flats[:1], fam_flats])
    ws = _weight_scaled.__wrapped__(flats, x_test, unravel=unravel, activation=cfg.activation)
    # Single subnetworks of the final dropout net: the first n_bags of its evaluation masks.
    drop_member = jax.tree.map(lambda a: a[0], family)
    if cfg.n_bags <= cfg.eval_masks:  # the same draw as its evaluation masks (drawn once, by _ensemble_setup)
        masks = list(drop_member.eval_subnets)
    else:
        masks = _eval_masks(drop_member.key, cfg.sizes, drop_member.keep, max(cfg.eval_masks, cfg.n_bags))
    out = forward(unravel(fam_flats[0]), x_test[None], [m[:cfg.n_bags] for m in masks], drop_member.keep,
                  activation=cfg.activation)
    return plain_grid, fam_grid, ws, jax.nn.softmax(out, axis=-1)


_UNRAVEL: dict = {}


def _unravel_for(sizes, activation):
    """One unravel function per architecture, so the jitted chunk (static on it) compiles once per shape."""
    key = (sizes, activation)
    if key not in _UNRAVEL:
        # Traced for shapes only (eval_shape): op by op, the draws of init_mlp would compile a few small programs
        # on a first run. The unravel function holds only shapes and offsets, no traced values.
        found = []

        def flat(k):
            values, unravel = ravel_pytree(init_mlp(k, sizes, activation))
            found.append(unravel)
            return values

        jax.eval_shape(flat, jax.random.PRNGKey(0))
        _UNRAVEL[key] = found[0]
    return _UNRAVEL[key]


def bootstrap_pools(key, n: int, k: int) -> np.ndarray:
    """k bootstrap samples of range(n): (k, n) indices drawn with replacement, one row per bagged network."""
    _check_int(n, "n", 1, 10**7)
    _check_int(k, "k", 1, 10**4)
    return np.asarray(jax.random.randint(key, (k, n), 0, n), np.int32)


FAMILY = ("no dropout", "dropout", "dropout boosting")  # the shared-weight models, trained together


class EnsembleRun(NamedTuple):
    """Everything the bagging page shows, as NumPy. Models of the shared-weight family follow FAMILY.

    eval_steps: (E,) training steps at which predictions were taken.
    family_train / family_test: (3, E, n, C) predictions of no dropout, dropout, boosting (dropout and
      boosting: arithmetic mean over cfg.eval_masks fixed subnetworks).
    bag_train / bag_test: (n_bags, E, n, C) predictions of each bagged network.
    family_grid / bag_grid: final predictions on the grid points, (3, G, C) and (n_bags, G, C).
    family_ws_test: (3, n_test, C) weight-scaled (full network) predictions at the end.
    subnet_test: (n_bags, n_test, C) predictions of single sampled subnetworks of the final dropout net.
    """

    eval_steps: np.ndarray
    family_train: np.ndarray
    family_test: np.ndarray
    bag_train: np.ndarray
    bag_test: np.ndarray
    family_grid: np.ndarray
    bag_grid: np.ndarray
    family_ws_test: np.ndarray
    subnet_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    sizes: tuple
    keep: tuple
    n_masks: int
    eval_masks: int


def compare_ensembles(key, x_train, y_train, x_test, y_test, grid, config: EnsembleConfig, *, keep: float,
                      lr: float = 0.01, steps: int = 2000,
                      progress: Callable[[float], None] | None = None,
                      on_progress: Callable[[int, int], None] | None = None) -> EnsembleRun:
    """Train bagged networks and the shared-weight family (no dropout, dropout, dropout boosting).

    Bagged network i (i < config.n_bags) has its own initialisation and bootstrap sample and no dropout;
    its results do not depend on how many networks the page averages. Dropout and boosting start from the
    same weights and draw the same minibatches and masks at every step (keep q on the hidden units, the
    inputs are never dropped); the no-dropout network shares that initialisation and those minibatches.

    Args:
      key: drives initialisations, bootstrap samples, minibatches and masks.
      x_train, y_train / x_test, y_test: (n, d) inputs and (n,) integer labels.
      grid: (G, d) extra points to predict at the end (e.g. a decision-surface grid).
      keep: keep probability q of the hidden units for dropout and boosting, in (0, 1].
      steps: training steps, a multiple of config.chunk.
      progress: called with the fraction done after each chunk.
      on_progress: called with (chunks done, chunks in all) after each chunk.
    """
    cfg = config
    x_train, y_train = _check_xy(x_train, y_train, "train", cfg.sizes[0])
    x_test, y_test = _check_xy(x_test, y_test, "test", cfg.sizes[0])
    grid = np.asarray(grid, np.float32)
    if grid.ndim != 2 or grid.shape[1] != cfg.sizes[0]:
        raise ValueError(f"grid must have shape (G, {cfg.sizes[0]}), got {grid.shape}")
    n_cls = cfg.sizes[-1]
    if max(y_train.max(), y_test.max()) >= n_cls:
        raise ValueError(f"labels must lie in [0, {n_cls - 1}] for a network with {n_cls} outputs")
    masks_mod.check_keep(keep)
    lr = _check_float(lr, "lr", 0.0, 1.0, open_lo=True)
    steps = _check_int(steps, "steps", cfg.chunk, MAX_STEPS)
    if steps % cfg.chunk:
        raise ValueError(f"steps must be a multiple of the chunk length {cfg.chunk}, got {steps}")

    n_layers = len(cfg.sizes) - 1
    unravel = _unravel_for(cfg.sizes, cfg.activation)
    n = len(x_train)
    hidden = (1.0,) + (float(keep),) * (n_layers - 1)
    hidden_j = jnp.asarray(hidden, jnp.float32)
    x_eval = jnp.asarray(np.concatenate([x_train, x_test]))
    xj, yj, gj, xt = jnp.asarray(x_train), jnp.asarray(y_train), jnp.asarray(grid), jnp.asarray(x_test)
    common = dict(unravel=unravel, sizes=cfg.sizes, activation=cfg.activation, batch=cfg.batch_size,
                  chunk=cfg.chunk)
    lr_j = jnp.float32(lr)
    # The four programs of a run depend on each other's shapes only: compile them side by side, one per core.
    setup = _ensemble_setup.trace(key, hidden_j, n=n, config=cfg)  # traced once: its shapes, then its program
    sp, sps, sf, sfs = setup.out_info
    system.compile_in_parallel([
        setup.lower,
        lambda: _ensemble_chunk.lower(sps, sp, xj, yj, x_eval, lr_j, n_masks=1, eval_masks=1, **common),
        lambda: _ensemble_chunk.lower(sfs, sf, xj, yj, x_eval, lr_j, n_masks=cfg.n_masks, eval_masks=cfg.eval_masks,
                                      **common),
        lambda: _ensemble_finish.lower(sps.flat, sp, sfs.flat, sf, gj, xt, unravel=unravel, config=cfg)])
    plain, plain_states, family, fam_states = _ensemble_setup(key, hidden_j, n=n, config=cfg)

    n_chunks = steps // cfg.chunk

    def report(done: int) -> None:
        if progress is not None:
            progress(done / n_chunks)
        if on_progress is not None:
            on_progress(done, n_chunks)

    # The plain networks and the dropout family never exchange anything while they train: their chunks run on
    # two threads (XLA runs without Python's lock), side by side on two cores; same programs, same bits.
    (plain_states, plain_hist), (fam_states, fam_hist) = system.run_side_by_side(
        [lambda states: _ensemble_chunk(states, plain, xj, yj, x_eval, lr_j, n_masks=1, eval_masks=1, **common),
         lambda states: _ensemble_chunk(states, family, xj, yj, x_eval, lr_j, n_masks=cfg.n_masks,
                                        eval_masks=cfg.eval_masks, **common)],
        [plain_states, fam_states], n_chunks, report)

    plain_p = np.stack(plain_hist, axis=1)  # (models, E, n_train + n_test, C)
    fam_p = np.concatenate([plain_p[:1], np.stack(fam_hist, axis=1)])  # no dropout, dropout, boosting
    plain_grid, fam_grid, ws, subnet = _ensemble_finish(plain_states.flat, plain, fam_states.flat, family, gj, xt,
                                                        unravel=unravel, config=cfg)
    nt = len(x_train)
    return EnsembleRun(
        eval_steps=cfg.chunk * (1 + np.arange(n_chunks)),
        family_train=fam_p[:, :, :nt], family_test=fam_p[:, :, nt:],
        bag_train=plain_p[1:, :, :nt], bag_test=plain_p[1:, :, nt:],
        family_grid=np.concatenate([np.asarray(plain_grid)[:1], np.asarray(fam_grid)]),
        bag_grid=np.asarray(plain_grid)[1:],
        family_ws_test=np.asarray(ws), subnet_test=np.asarray(subnet),
        y_train=y_train, y_test=y_test, sizes=cfg.sizes, keep=hidden, n_masks=cfg.n_masks,
        eval_masks=cfg.eval_masks,
    )


ENSEMBLE_MODELS = ("no dropout", "bagging", "dropout", "dropout boosting")


class EnsembleSummary(NamedTuple):
    """Curves and a table for the bagging page, with k bagged networks averaged. Rows follow ENSEMBLE_MODELS."""

    names: tuple
    eval_steps: np.ndarray
    train_loss: np.ndarray  # (4, E) cross-entropy of each model's prediction on the training set
    test_loss: np.ndarray  # (4, E)
    test_error: np.ndarray  # (4,) at the end
    train_error: np.ndarray  # (4,)
    n_params: np.ndarray  # (4,) parameters stored
    memory_bytes: np.ndarray  # (4,) float32 bytes of those parameters
    members: tuple  # (4,) how many predictors each model averages, as text ("1", "k", "2^d")
    grid_probs: np.ndarray  # (4, G, C)
    ws_test_error: np.ndarray  # (4,) weight-scaled full network (NaN for bagging)


def summarise_ensembles(run: EnsembleRun, k: int) -> EnsembleSummary:
    """Curves and table of the four models with the first k bagged networks averaged (arithmetic mean)."""
    k = _check_int(k, "k", 1, run.bag_test.shape[0])
    bag_train = run.bag_train[:k].mean(axis=0)
    bag_test = run.bag_test[:k].mean(axis=0)
    order = [run.family_train[0], bag_train, run.family_train[1], run.family_train[2]]
    order_test = [run.family_test[0], bag_test, run.family_test[1], run.family_test[2]]
    curves_tr = np.array([[log_loss(p, run.y_train) for p in m] for m in order])
    curves_te = np.array([[log_loss(p, run.y_test) for p in m] for m in order_test])
    test_err = np.array([error_rate(m[-1], run.y_test) for m in order_test])
    train_err = np.array([error_rate(m[-1], run.y_train) for m in order])
    p = n_params(run.sizes)
    counts = np.array([p, k * p, p, p])
    d = sum(s for s, q in zip(run.sizes[:-1], run.keep) if q < 1.0)
    members = ("1", str(k), f"2^{d}", f"2^{d}")
    grid = np.stack([run.family_grid[0], run.bag_grid[:k].mean(axis=0), run.family_grid[1], run.family_grid[2]])
    ws = np.array([error_rate(run.family_ws_test[0], run.y_test), np.nan,
                   error_rate(run.family_ws_test[1], run.y_test), error_rate(run.family_ws_test[2], run.y_test)])
    return EnsembleSummary(ENSEMBLE_MODELS, run.eval_steps, curves_tr, curves_te, test_err, train_err, counts,
                           4 * counts, members, grid, ws)


def member_predictions(run: EnsembleRun, k: int, which: str = "bagging") -> np.ndarray:
    """Final test predictions (k, n_test, C) of k bagged networks or k sampled subnetworks of the dropout net."""
    k = _check_int(k, "k", 2, run.bag_test.shape[0])
    if which == "bagging":
        return run.bag_test[:k, -1]
    if which == "dropout":
        return run.subnet_test[:k]
    raise ValueError(f"which must be 'bagging' or 'dropout', got {which!r}")


# --- regularisers side by side (the engine) ---------------------------------------------------------------

REGULARISERS = ("none", "dropout", "L2", "L1", "early stopping", "input noise", "label smoothing")
_ENGINE_MODELS = ("none", "dropout", "L2", "L1", "input noise", "label smoothing")  # early stopping reuses "none"


class RegulariserRun(NamedTuple):
    """The regulariser comparison as NumPy; rows follow REGULARISERS.

    train_loss / val_loss: (7, E) loss of the deterministic network on the training / validation split
      (the early-stopping row repeats "none": it is that run, stopped).
    stop_step: the step whose parameters early stopping kept (lowest validation loss).
    test_error / test_loss: (7,) on the held-out test set, never seen in training or stopping.
    grid_probs: (7, G, C); weights: 7 arrays of every weight (no biases) of each final network.
    """

    names: tuple
    eval_steps: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    stop_step: int
    test_error: np.ndarray
    test_loss: np.ndarray
    grid_probs: np.ndarray
    weights: tuple


@partial(jax.jit, static_argnames=("activation",))
def _softmax_forward(params, x, *, activation):
    return jax.nn.softmax(forward(params, x, activation=activation), axis=-1)


def holdout_split(key, x, y, fraction: float):
    """Split (x, y) into (x_fit, y_fit, x_val, y_val), a random `fraction` of the points held out."""
    x, y = np.asarray(x), np.asarray(y)
    fraction = _check_float(fraction, "fraction", 0.0, 0.9, open_lo=True)
    n_val = int(round(fraction * len(x)))
    if not 1 <= n_val <= len(x) - 2:
        raise ValueError(f"fraction {fraction} of {len(x)} points leaves no validation or training points")
    perm = np.asarray(jax.random.permutation(key, len(x)))
    return x[perm[n_val:]], y[perm[n_val:]], x[perm[:n_val]], y[perm[:n_val]]


def compare_regularisers(key, x_train, y_train, x_val, y_val, x_test, y_test, grid, *, sizes, keep: float,
                         l2: float, l1: float, input_noise: float, label_smoothing: float, lr: float = 0.01,
                         steps: int = 3000, chunk: int = 50, batch_size: int = 32, activation: str = "relu",
                         optimizer: str = "momentum",
                         progress: Callable[[float], None] | None = None,
                         on_progress: Callable[[int, int], None] | None = None) -> RegulariserRun:
    """Train one network per regulariser from the same initialisation and minibatches (one vmapped run).

    Dropout uses keep q on the hidden units (inputs kept); L2 adds (l2/2) sum W^2, L1 adds l1 sum |W|;
    input noise adds N(0, input_noise^2) to the inputs; label smoothing trains on (1 - s) one-hot + s/C.
    Early stopping is the unregularised run, keeping the parameters of the chunk end with the lowest loss on
    the validation split (evaluated every `chunk` steps); the test split is only used for the final table.
    """
    sizes = check_sizes(sizes)
    x_train, y_train = _check_xy(x_train, y_train, "train", sizes[0])
    x_val, y_val = _check_xy(x_val, y_val, "val", sizes[0])
    x_test, y_test = _check_xy(x_test, y_test, "test", sizes[0])
    steps = _check_int(steps, "steps", chunk, MAX_STEPS)
    if steps % chunk:
        raise ValueError(f"steps must be a multiple of {chunk}, got {steps}")
    masks_mod.check_keep(keep)
    cfg = engine.TrainConfig(sizes=sizes, activation=activation, batch_size=batch_size, chunk=chunk, eval_every=chunk,
                             optimizer=optimizer)
    n_layers = len(sizes) - 1
    hidden = (1.0,) + (float(keep),) * (n_layers - 1)
    hps = engine.stack([
        engine.hyper(1.0, lr, n_layers=n_layers),
        engine.hyper(hidden, lr, n_layers=n_layers),
        engine.hyper(1.0, lr, n_layers=n_layers, l2=l2),
        engine.hyper(1.0, lr, n_layers=n_layers, l1=l1),
        engine.hyper(1.0, lr, n_layers=n_layers, input_noise=input_noise),
        engine.hyper(1.0, lr, n_layers=n_layers, label_smoothing=label_smoothing),
    ])
    # The engine evaluates on its "test" slot after each chunk: give it the validation split.
    data = engine.make_data(x_train, y_train, x_val, y_val, cfg)
    states = engine.init_states(key, cfg, len(_ENGINE_MODELS))
    n_chunks = steps // chunk
    hist, best = [], (np.inf, None, 0)
    for c in range(n_chunks):
        states, m = engine.train_chunk_many(states, data, hps, cfg)
        hist.append((np.asarray(m["train_loss"][:, -1]), np.asarray(m["test_loss"][:, -1])))
        val_none = float(hist[-1][1][0])
        if val_none < best[0]:  # the chunk-end parameters are exactly the ones this evaluation saw
            best = (val_none, engine.unstack(states.params, 0), (c + 1) * chunk)
        if progress is not None:
            progress((c + 1) / n_chunks)
        if on_progress is not None:
            on_progress(c + 1, n_chunks)
    train_loss = np.stack([h[0] for h in hist], axis=1)
    val_loss = np.stack([h[1] for h in hist], axis=1)
    finals = [engine.unstack(states.params, i) for i in range(len(_ENGINE_MODELS))]
    models = finals[:4] + [best[1]] + finals[4:]
    rows = [0, 1, 2, 3, 0, 4, 5]  # curves of each REGULARISERS row in the engine's stack
    xt, gj = jnp.asarray(x_test), jnp.asarray(np.asarray(grid, np.float32))
    test_p = [np.asarray(_softmax_forward(p, xt, activation=activation)) for p in models]
    return RegulariserRun(
        names=REGULARISERS,
        eval_steps=chunk * (1 + np.arange(n_chunks)),
        train_loss=train_loss[rows], val_loss=val_loss[rows], stop_step=int(best[2]),
        test_error=np.array([error_rate(p, y_test) for p in test_p]),
        test_loss=np.array([log_loss(p, y_test) for p in test_p]),
        grid_probs=np.stack([np.asarray(_softmax_forward(p, gj, activation=activation)) for p in models]),
        weights=tuple(np.concatenate([np.asarray(w).ravel() for w, _ in p]) for p in models),
    )


# --- noise variants: Bernoulli, Gaussian, DropConnect, additive -------------------------------------------

NOISE_MODELS = ("no noise", "Bernoulli dropout", "Gaussian (multiplicative)", "DropConnect", "additive Gaussian")


class NoiseRun(NamedTuple):
    """Noise variants as NumPy; rows follow NOISE_MODELS.

    hidden_rms: (5, E) root-mean-square of the hidden units' activations on the training set (all hidden
      layers pooled), at each evaluation; the first column is the initial network (step 0).
    additive_sigma: per hidden layer, the std of the additive noise (matched to dropout's at step 0).
    """

    names: tuple
    eval_steps: np.ndarray  # (E,), starting at 0
    hidden_rms: np.ndarray
    layer_rms0: np.ndarray  # (hidden layers,) activation rms at step 0
    layer_rms: np.ndarray  # (5, E, hidden layers)
    additive_sigma: np.ndarray
    test_error: np.ndarray  # (5,)
    test_loss: np.ndarray
    grid_probs: np.ndarray
    ratio_closed: np.ndarray  # (5,) noise-to-signal ratio of the final network's hidden units, closed form
    ratio_sampled: np.ndarray  # (5,) the same measured with sampled noise (NaN: no unit noise to measure)
    additive_ratio: np.ndarray  # (E,) closed-form noise-to-signal ratio of the additive run over training


def _hidden_activations(params, x, activation):
    """The inputs of weight layers 1..L-1 (the hidden units' activations), one (n, width) array per layer."""
    act = ACTIVATIONS[activation]
    hs, h = [], x
    for w, b in params[:-1]:
        h = act(h @ w + b)
        hs.append(h)
    return hs


@partial(jax.jit, static_argnames=("kind", "activation"))
def _sampled_noise_ratio(key, params, x, keep, sigmas, *, kind, activation):
    """sqrt(mean noise^2 / mean h^2) over every hidden unit and training point, with one noise draw each."""
    num, den = 0.0, 0.0
    for i, h in enumerate(_hidden_activations(params, x, activation)):
        k = jax.random.fold_in(key, i)
        if kind == "bernoulli":
            noise = h * (masks_mod.bernoulli_mask(k, keep, h.shape) / keep - 1.0)
        elif kind == "gaussian":
            noise = h * jnp.sqrt((1.0 - keep) / keep) * jax.random.normal(k, h.shape)
        else:
            noise = sigmas[i] * jax.random.normal(k, h.shape)
        num, den = num + jnp.sum(noise * noise), den + jnp.sum(h * h)
    return jnp.sqrt(num / den)


@partial(jax.jit, static_argnames=("activation",))
def _layer_rms(params, x, *, activation):
    return jnp.stack([jnp.sqrt(jnp.mean(h * h)) for h in _hidden_activations(params, x, activation)])


def _additive_forward(params, x, sigmas, key, activation):
    act = ACTIVATIONS[activation]
    h = x
    keys = jax.random.split(key, len(params))
    for i, (w, b) in enumerate(params):
        if i > 0:  # noise on the hidden units only, like dropout here (inputs are kept)
            h = h + sigmas[i - 1] * jax.random.normal(keys[i], h.shape)
        h = h @ w + b
        if i < len(params) - 1:
            h = act(h)
    return h


@partial(jax.jit, static_argnames=("config", "unravel"))
def _additive_chunk(flat, opt, step, key, data: engine.Data, sigmas, lr, *, config, unravel):
    """config.chunk steps of training with additive Gaussian noise on the hidden units (same minibatches as the engine)."""
    tx = optax.scale_by_adam()
    n = data.x_train.shape[0]

    def one_step(carry, t):
        flat, opt = carry
        idx = engine.step_draws(key, t, config, jnp.ones(config.n_layers), n)[0]  # the engine's minibatch
        k_noise = jax.random.fold_in(jax.random.fold_in(key, t), EVAL_TAG + 1)

        def loss(f):
            out = _additive_forward(unravel(f), data.x_train[idx], sigmas, k_noise, config.activation)
            return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(out), data.y_train[idx][:, None], -1))

        updates, opt = tx.update(jax.grad(loss)(flat), opt, flat)
        return (flat - lr * updates, opt), None

    (flat, opt), _ = jax.lax.scan(one_step, (flat, opt), step + jnp.arange(config.chunk))
    return flat, opt


def compare_noises(key, x_train, y_train, x_test, y_test, grid, *, sizes, keep: float, lr: float = 0.01,
                   steps: int = 3000, chunk: int = 100, batch_size: int = 32, activation: str = "relu",
                   progress: Callable[[float], None] | None = None,
                   on_progress: Callable[[int, int], None] | None = None) -> NoiseRun:
    """Train the same network (same init and minibatches) under five kinds of noise on the hidden units.

    Bernoulli dropout: h m / q. Gaussian: h (1 + sqrt((1-q)/q) eps), the same mean and variance. DropConnect:
    each weight kept with probability q (scaled 1/q). Additive: h + N(0, sigma_l^2) with sigma_l chosen so
    that at initialisation it equals dropout's noise std sqrt((1-q)/q) * rms(h_l). Inputs are never noised.
    Returns the activation scale over training (additive noise can be outgrown by growing h; multiplicative
    noise grows with h), test errors and final surfaces.
    """
    sizes = check_sizes(sizes)
    if len(sizes) < 3:
        raise ValueError(f"sizes needs at least one hidden layer, got {list(sizes)}")
    x_train, y_train = _check_xy(x_train, y_train, "train", sizes[0])
    x_test, y_test = _check_xy(x_test, y_test, "test", sizes[0])
    q = float(keep)
    masks_mod.check_keep(q)
    if q == 1.0:
        raise ValueError("keep must be below 1 here: at q = 1 every variant is noise-free")
    steps = _check_int(steps, "steps", chunk, MAX_STEPS)
    if steps % chunk:
        raise ValueError(f"steps must be a multiple of {chunk}, got {steps}")
    n_layers = len(sizes) - 1
    hidden = (1.0,) + (q,) * (n_layers - 1)
    cfgs = {kind: engine.TrainConfig(sizes=sizes, activation=activation, batch_size=batch_size, chunk=chunk,
                                     eval_every=chunk, noise=kind) for kind in engine.NOISES}
    data = engine.make_data(x_train, y_train, x_test, y_test, cfgs["bernoulli"])
    xtr = data.x_train
    runs = {  # engine runs: (config, stacked hypers, states); every state starts from the same key
        "bernoulli": (cfgs["bernoulli"], engine.stack([engine.hyper(1.0, lr, n_layers=n_layers),
                                                       engine.hyper(hidden, lr, n_layers=n_layers)])),
        "gaussian": (cfgs["gaussian"], engine.stack([engine.hyper(hidden, lr, n_layers=n_layers)])),
        "dropconnect": (cfgs["dropconnect"], engine.stack([engine.hyper(hidden, lr, n_layers=n_layers)])),
    }
    states = {kind: engine.init_states(key, cfg, hp.lr.shape[0]) for kind, (cfg, hp) in runs.items()}
    s0 = engine.init_state(key, cfgs["bernoulli"])
    rms0 = np.asarray(_layer_rms(s0.params, xtr, activation=activation))
    sigmas = jnp.asarray(np.sqrt((1 - q) / q) * rms0, jnp.float32)
    flat = ravel_pytree(s0.params)[0]
    opt = optax.scale_by_adam().init(flat)
    unravel = _unravel_for(sizes, activation)

    def snapshot():
        ps = [engine.unstack(states["bernoulli"].params, i) for i in range(2)]
        ps += [engine.unstack(states["gaussian"].params, 0), engine.unstack(states["dropconnect"].params, 0),
               unravel(flat)]
        return ps

    layer_hist = [np.tile(rms0, (5, 1))]
    n_chunks = steps // chunk
    for c in range(n_chunks):
        for kind, (cfg, hp) in runs.items():
            states[kind], _ = engine.train_chunk_many(states[kind], data, hp, cfg)
        flat, opt = _additive_chunk(flat, opt, jnp.int32(c * chunk), s0.key, data, sigmas, jnp.float32(lr),
                                    config=cfgs["bernoulli"], unravel=unravel)
        layer_hist.append(np.stack([np.asarray(_layer_rms(p, xtr, activation=activation)) for p in snapshot()]))
        if progress is not None:
            progress((c + 1) / n_chunks)
        if on_progress is not None:
            on_progress(c + 1, n_chunks)
    layer_rms = np.stack(layer_hist, axis=1)  # (5, E, hidden layers)
    finals = snapshot()
    xt, gj = jnp.asarray(x_test), jnp.asarray(np.asarray(grid, np.float32))
    test_p = [np.asarray(_softmax_forward(p, xt, activation=activation)) for p in finals]
    widths = np.asarray(sizes[1:-1], np.float64)
    pooled = np.sqrt((layer_rms ** 2 * widths).sum(-1) / widths.sum())
    # Closed forms: multiplicative noise has ratio sqrt((1-q)/q) whatever h is; additive noise has
    # sqrt(sum_l n_l sigma_l^2 / sum_l n_l rms_l^2), which falls as the activations grow.
    mult = theory.relative_noise_multiplicative(q)
    add_t = np.sqrt((widths * np.asarray(sigmas, np.float64) ** 2).sum() / (widths * layer_rms[4] ** 2).sum(axis=-1))
    add = float(add_t[-1])
    nan = float("nan")
    k_ratio = jax.random.fold_in(key, EVAL_TAG + 2)
    sampled = [nan] + [float(_sampled_noise_ratio(k_ratio, finals[i], xtr, jnp.float32(q), sigmas, kind=kind,
                                                  activation=activation)) if kind else nan
                       for i, kind in ((1, "bernoulli"), (2, "gaussian"), (3, None), (4, "additive"))]
    return NoiseRun(
        names=NOISE_MODELS, eval_steps=chunk * np.arange(n_chunks + 1), hidden_rms=pooled, layer_rms0=rms0,
        layer_rms=layer_rms, additive_sigma=np.asarray(sigmas),
        test_error=np.array([error_rate(p, y_test) for p in test_p]),
        test_loss=np.array([log_loss(p, y_test) for p in test_p]),
        grid_probs=np.stack([np.asarray(_softmax_forward(p, gj, activation=activation)) for p in finals]),
        ratio_closed=np.array([nan, mult, mult, nan, add]), ratio_sampled=np.array(sampled), additive_ratio=add_t,
    )


# --- linear regression trained with dropout ------------------------------------------------------------------


@partial(jax.jit, static_argnames=("steps", "inverted"))
def _dropout_linear(key, x, y, keep, lr, precond, *, steps, inverted):
    n, d = x.shape
    b = jnp.zeros((1,), jnp.float32)

    def loss(w, m):
        # Sum-of-squares loss over the data set (the page's closed forms use sums, not means).
        out = forward([(w[:, None], b)], x, [m], (keep,), activation="linear", inverted=inverted)[:, 0]
        return jnp.sum((y - out) ** 2)

    def one_step(carry, t):
        w, acc = carry
        m = masks_mod.bernoulli_mask(jax.random.fold_in(key, t), keep, (n, d))  # a fresh mask per example
        w = w - lr * precond * jax.grad(loss)(w, m)
        # Polyak averaging over the second half: the mean iterate settles on the expected loss's minimum.
        acc = acc + jnp.where(t >= steps // 2, w, 0.0)
        return (w, acc), None

    (w, acc), _ = jax.lax.scan(one_step, (jnp.zeros(d), jnp.zeros(d)), jnp.arange(steps))
    return acc / (steps - steps // 2)


def fit_dropout_linear(key, x, y, keep: float, *, steps: int = 20_000, inverted: bool = True) -> np.ndarray:
    """Weights of a linear model (no intercept) trained by stochastic gradient steps on the dropout loss.

    Each step draws a fresh input mask per example and takes a diagonally preconditioned gradient step on
    sum_i (y_i - sum_j x_ij m_ij s w_j)^2 (s = 1/q inverted, 1 standard); the returned weights are the
    average of the iterates over the second half. Their limit is theory.dropout_ridge_weights; the averaged
    iterate's error is Monte Carlo error of order 1/sqrt(steps) whatever the step size (Polyak and Juditsky).
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    if x.ndim != 2 or y.shape != (len(x),):
        raise ValueError(f"x must be (n, d) and y (n,), got {x.shape} and {y.shape}")
    q = float(keep)
    masks_mod.check_keep(q)
    steps = _check_int(steps, "steps", 2, 200_000)
    # Expected Hessian of the sampled loss: 2 (s^2 q^2 X^T X + s^2 q (1 - q) diag(X^T X)).
    s = 1.0 / q if inverted else 1.0
    gram = x.T @ x
    hess = 2 * s * s * (q * q * gram + q * (1 - q) * np.diag(np.diag(gram)))
    precond = 1.0 / np.diag(hess)
    scaled = hess * np.sqrt(np.outer(precond, precond))
    # A step of a quarter of the stable size leaves room for the mask noise in the sampled Hessian.
    lr = 0.25 * 2.0 / np.linalg.eigvalsh(scaled).max()
    f = partial(jnp.asarray, dtype=jnp.float32)
    w = _dropout_linear(key, f(x), f(y), f(q), f(lr), f(precond), steps=steps, inverted=inverted)
    return np.asarray(w, np.float64)
