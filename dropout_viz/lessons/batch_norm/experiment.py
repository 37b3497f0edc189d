"""Dropout with batch normalisation (the variance shift), and where to put dropout and how much.

Part 1 follows Li et al., CVPR 2019, "Understanding the disharmony between dropout and batch normalization by
variance shift". A linear unit u = b + Σ_k w_k (m_k / q) x_k after inverted dropout (masks m_k ~ Bernoulli(q),
independent of each other and of the inputs x) keeps its mean, but its variance while training is

    Var_train(u) = Var_test(u) + (1 − q)/q · Σ_k w_k² E[x_k²]                                (closed form)

because only the diagonal terms E[(m_k/q)²] = 1/q change; the cross terms E[m_k m_l]/q² = 1 do not. One unit
(w = 1) gives Var_train = E[x²]/q − E[x]². Multiplicative Gaussian noise N(1, (1 − q)/q) has the same second
moment, hence exactly the same shift. Batch normalisation learns its running variance from Var_train and
divides by it at test time, when the variance is Var_test: the unit comes out narrower by
sqrt(Var_test / Var_train).

The network is an MLP whose hidden layers are Dense -> [mask "pre"] -> BN -> ReLU -> [mask "post"]; a mask
"in" sits on the inputs. Every mask position has its own keep value (1 = no mask there), all traced, so every
order of dropout and BN is the same compiled program:

    dropout -> BN           keep_pre = q on every hidden layer   (BN sees the masked units directly)
    BN -> dropout           keep_post = q on every hidden layer  (the next weight layer mixes them first)
    after the last BN only  keep_post = q on the last hidden layer only (no BN after the mask)

Part 2 (placement and amount) trains plain MLPs (no BN) with the engine in dropout_viz.train, one keep per
weight layer's inputs: inputs, hidden 1, hidden 2.

Run ``python -m dropout_viz.lessons.batch_norm.experiment`` for a summary of the default experiments.
"""
from __future__ import annotations

import dataclasses
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from dropout_viz.core import checks, datasets, masks, rng, system, train

EPS = 1e-5  # BN's epsilon, PyTorch's default
# Compilation is most of the page's first view: XLA options that compile these small programs faster on a CPU.
FAST_COMPILE = system.fast_compile_options()
ORDERS = ("none", "dropout_bn", "bn_dropout", "after_last")
# The variants the "orders and fixes" tab trains (all one vmapped program); the re-estimated ones are the
# same trained networks with their BN statistics recomputed after training, so they cost no training.
VARIANTS = ("none", "dropout_bn", "bn_dropout", "after_last", "gaussian_dropout_bn", "gaussian_bn_dropout")


def seed_key(seed: int, *folds: int) -> jax.Array:
    """The lesson's keys: core.rng.fast_key (the rbg generator; masks are most of this lesson's random numbers)."""
    return rng.fast_key(seed, *folds)


def _check_int(value, name: str, lo: int, hi: int) -> int:
    """The house's one integer rule (core.checks.check_int), argument order kept for this module's callers."""
    return checks.check_int(name, value, lo, hi)


def _check_keep(q, name: str) -> float:
    try:
        masks.check_keep(q, name)
    except ValueError:
        raise ValueError(f"{name} must lie in (0, 1] (keep probability q), got {q!r}") from None
    return float(q)


# --- configuration -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Config:
    """Part 1's network, data and training; every field is static (changing one compiles a new program)."""

    # Digits: 64 pixels and 10 classes, real enough for BN to matter, small enough to train in a second.
    dataset: str = "digits"
    # 1000 points, half held out: enough data that dropout is not what keeps the net from overfitting, so the
    # cost of the variance shift is not hidden under a regularisation gain.
    n_points: int = 1000
    data_seed: int = 0  # one fixed split for every model: seeds then vary only weights, minibatches and masks
    # Three BN layers: the shift compounds from one BN layer to the next (Li et al.'s deep nets had dozens).
    depth: int = 3
    width: int = 64  # units per hidden layer; the width tab varies it
    batch_size: int = 64  # BN's statistics need a real batch; 64 is a common choice
    steps: int = 600  # about 75 epochs of 500 points: the training error is near zero by then
    lr: float = 3e-3  # Adam's step; BN tolerates large steps, and this one is stable for every order
    momentum: float = 0.1  # running stats: r <- (1 - momentum) r + momentum * batch stat (PyTorch's default)
    chunk: int = 100  # steps per jitted call: a progress bar moves once a chunk

    def __post_init__(self):
        if self.dataset not in datasets.DATASETS or datasets.DATASETS[self.dataset].task != "classification":
            raise ValueError(f"dataset must be a classification set of {sorted(datasets.DATASETS)}, "
                             f"got {self.dataset!r}")
        _check_int(self.n_points, "n_points", 20, datasets.DATASETS[self.dataset].max_n)
        _check_int(self.depth, "depth", 1, 8)
        _check_int(self.width, "width", 2, 2048)
        _check_int(self.batch_size, "batch_size", 2, 1024)
        _check_int(self.chunk, "chunk", 1, 10_000)
        _check_int(self.steps, "steps", self.chunk, 100_000)
        if self.steps % self.chunk:
            raise ValueError(f"steps must be a multiple of chunk ({self.chunk}), got {self.steps}")
        if not 0.0 < self.lr <= 1.0:
            raise ValueError(f"lr must be in (0, 1], got {self.lr}")
        if not 0.0 < self.momentum <= 1.0:
            raise ValueError(f"momentum must be in (0, 1], got {self.momentum}")


class Knobs(NamedTuple):
    """One model's traced values: keep per mask position and the kind of noise (stack on axis 0 for many)."""

    keep_in: jax.Array  # () keep of the input pixels
    keep_pre: jax.Array  # (depth,) keep of the mask between each Dense and its BN
    keep_post: jax.Array  # (depth,) keep of the mask after each hidden ReLU
    gaussian: jax.Array  # () 1.0: multiplicative N(1, (1 - q)/q) noise instead of Bernoulli masks / q


def knobs(order: str, keep: float, depth: int, *, gaussian: bool = False, keep_in: float = 1.0) -> Knobs:
    """The keep values of one order of dropout and BN (see the module docstring) at keep q."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {order!r}")
    q = _check_keep(keep, "keep")
    keep_in = _check_keep(keep_in, "keep_in")
    pre, post = np.ones(depth), np.ones(depth)
    if order == "dropout_bn":
        pre[:] = q
    elif order == "bn_dropout":
        post[:] = q
    elif order == "after_last":
        post[-1] = q
    f = partial(np.asarray, dtype=np.float32)  # NumPy: building knobs compiles nothing
    return Knobs(f(keep_in), f(pre), f(post), f(1.0 if gaussian else 0.0))


def variant_knobs(variant: str, keep: float, depth: int) -> Knobs:
    """Knobs of one of VARIANTS."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    if variant.startswith("gaussian_"):
        return knobs(variant.removeprefix("gaussian_"), keep, depth, gaussian=True)
    return knobs(variant, keep, depth)


def stack(items):
    """Stack Knobs on a new leading model axis (NumPy: compiles nothing)."""
    return jax.tree.map(lambda *xs: np.stack(xs), *items)


# --- the network -------------------------------------------------------------------------------------------


class Net(NamedTuple):
    w: list  # depth + 1 weight matrices
    b: list  # depth + 1 biases
    gamma: jax.Array  # (depth, width) BN scale
    beta: jax.Array  # (depth, width) BN shift


class Stats(NamedTuple):
    mean: jax.Array  # (depth, width) BN running mean
    var: jax.Array  # (depth, width) BN running variance (unbiased batch variances, averaged)


class State(NamedTuple):
    net: Net
    stats: Stats
    opt: tuple
    key: jax.Array  # drives minibatches and masks: step t uses fold_in(key, t)


def init_net(key, sizes) -> Net:
    """He-initialised weights (N(0, 2 / fan_in)), zero biases, BN gamma = 1 and beta = 0.

    The weights of every layer come from one normal draw, cut in layer order: one draw compiles in a fraction of
    the time of one per layer (the first view of the page compiles this).
    """
    shapes = list(zip(sizes[:-1], sizes[1:]))
    z = jax.random.normal(key, (sum(a * b for a, b in shapes),))
    cuts = np.cumsum([0] + [a * b for a, b in shapes])
    w = [z[lo:hi].reshape(a, b) * np.sqrt(2.0 / a) for lo, hi, (a, b) in zip(cuts[:-1], cuts[1:], shapes)]
    b = [jnp.zeros(n) for n in sizes[1:]]
    depth, width = len(sizes) - 2, sizes[1]
    return Net(w, b, jnp.ones((depth, width)), jnp.zeros((depth, width)))


def sizes_of(config: Config, n_in: int, n_classes: int) -> tuple[int, ...]:
    return (n_in,) + (config.width,) * config.depth + (n_classes,)


def batch_norm(z, gamma, beta, mean, var):
    """(z − mean) / sqrt(var + eps) * gamma + beta."""
    return (z - mean) * jax.lax.rsqrt(var + EPS) * gamma + beta


def multipliers(u, n, keep, gaussian):
    """Noise multipliers from uniforms u and normals n: Bernoulli(q)/q, or 1 + sqrt((1−q)/q) n when gaussian."""
    bern = (u < keep).astype(jnp.float32) / keep
    gauss = 1.0 + jnp.sqrt((1.0 - keep) / keep) * n
    return jnp.where(gaussian > 0.5, gauss, bern)


class Noise(NamedTuple):
    """Multipliers of one forward pass: inputs (n, d0), pre-BN and post-ReLU (depth, n, width)."""

    x_in: jax.Array
    pre: jax.Array
    post: jax.Array


def noise_size(n: int, d0: int, depth: int, width: int) -> int:
    """How many uniforms one pass of n examples needs: inputs, then pre-BN and post-ReLU of every layer."""
    return n * d0 + 2 * depth * n * width


def draw_noise(key, kn: Knobs, n: int, d0: int, depth: int, width: int, with_gaussian: bool = True) -> Noise:
    """Multipliers for n examples (each its own mask), at the knobs' keep values and noise kind."""
    u = jax.random.uniform(key, (noise_size(n, d0, depth, width),))
    return noise_of(u, kn, n, d0, depth, width, with_gaussian)


def noise_of(u, kn: Knobs, n: int, d0: int, depth: int, width: int, with_gaussian: bool = True) -> Noise:
    """Multipliers from one array of noise_size(...) uniforms u, at the knobs' keep values and noise kind.

    One array of uniforms per pass (the random generator is a large part of a small step's cost on a CPU): a
    Bernoulli mask keeps u < q; Gaussian noise takes the normal with the same uniform, Φ⁻¹(u). with_gaussian
    False (static) promises that no model has Gaussian noise (kn.gaussian 0): the program then leaves Φ⁻¹ out,
    which makes it compile faster, and gives the same multipliers.
    """
    n_in, n_h = n * d0, depth * n * width
    normal = jax.scipy.special.ndtri(jnp.clip(u, 1e-7, 1.0 - 1e-7)) if with_gaussian else None
    shp = (depth, n, width)
    keep_pre, keep_post = kn.keep_pre[:, None, None], kn.keep_post[:, None, None]

    def part(lo, size, shape, q):
        if not with_gaussian:
            return (u[lo:lo + size].reshape(shape) < q).astype(jnp.float32) / q  # multipliers' Bernoulli branch
        return multipliers(u[lo:lo + size].reshape(shape), normal[lo:lo + size].reshape(shape), q, kn.gaussian)

    return Noise(part(0, n_in, (n, d0), kn.keep_in), part(n_in, n_h, shp, keep_pre),
                 part(n_in + n_h, n_h, shp, keep_post))


def no_noise(n: int, d0: int, depth: int, width: int) -> Noise:
    return Noise(jnp.ones((n, d0)), jnp.ones((depth, n, width)), jnp.ones((depth, n, width)))


class Trace(NamedTuple):
    """What each BN layer saw in one forward pass."""

    bn_in: jax.Array  # (depth, n, width) the BN layer's input (after the pre mask)
    bn_out: jax.Array  # (depth, n, width) its output


def forward(net: Net, stats: Stats | None, x, noise: Noise):
    """Logits, this pass's batch statistics per BN layer, and the trace.

    stats None: training mode, BN normalises with this batch's mean and (biased) variance. Otherwise BN uses
    ``stats`` (eval mode; with noise of keep < 1 this is what a training batch looks like through the running
    statistics).
    """
    h = x * noise.x_in
    means, variances, bn_in, bn_out = [], [], [], []
    depth = len(net.w) - 1
    for layer in range(depth):
        z = (h @ net.w[layer] + net.b[layer]) * noise.pre[layer]
        mu, var = jnp.mean(z, 0), jnp.var(z, 0)
        means.append(mu)
        variances.append(var)
        if stats is None:
            out = batch_norm(z, net.gamma[layer], net.beta[layer], mu, var)
        else:
            out = batch_norm(z, net.gamma[layer], net.beta[layer], stats.mean[layer], stats.var[layer])
        bn_in.append(z)
        bn_out.append(out)
        h = jax.nn.relu(out) * noise.post[layer]
    logits = h @ net.w[-1] + net.b[-1]
    return logits, (jnp.stack(means), jnp.stack(variances)), Trace(jnp.stack(bn_in), jnp.stack(bn_out))


def _xent(logits, y):
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


def init_state(key, sizes) -> State:
    k_init, k_run = jax.random.split(key)
    net = init_net(k_init, sizes)
    depth, width = len(sizes) - 2, sizes[1]
    stats = Stats(jnp.zeros((depth, width)), jnp.ones((depth, width)))
    return State(net, stats, optax.scale_by_adam().init(ravel_pytree(net)[0]), k_run)


@partial(jax.jit, static_argnames=("sizes",), compiler_options=FAST_COMPILE)
def _init_states(keys, sizes) -> State:
    """One fresh state per key, stacked (jitted: run op by op, the initialisation compiles dozens of programs)."""
    return jax.vmap(lambda k: init_state(k, sizes))(keys)


def step_draws(key, t, batch_size: int, n: int, n_noise: int):
    """Step t's minibatch (batch_size indices into n points, uniform with replacement) and its n_noise mask
    uniforms: one array of uniforms from fold_in(key, t), the first batch_size of them pick the minibatch."""
    u = jax.random.uniform(jax.random.fold_in(key, t), (batch_size + n_noise,))
    return jnp.minimum((u[:batch_size] * n).astype(jnp.int32), n - 1), u[batch_size:]


def _train_steps(state: State, ts, x_train, y_train, kn: Knobs, lr, config: Config, with_gaussian: bool):
    """Training steps ts (a lax.scan) of one model; step t's minibatch and masks from step_draws(key, t)."""
    n, d0 = x_train.shape
    tx = optax.scale_by_adam()
    m = config.momentum
    bsz = config.batch_size

    flat0, unravel = ravel_pytree(state.net)

    def step(carry, t):
        flat, stats, opt = carry
        idx, u = step_draws(state.key, t, bsz, n, noise_size(bsz, d0, config.depth, config.width))
        noise = noise_of(u, kn, bsz, d0, config.depth, config.width, with_gaussian)

        def loss_fn(p):
            logits, batch_stats, _ = forward(p, None, x_train[idx], noise)
            return _xent(logits, y_train[idx]), batch_stats

        # One flat vector for the optimizer: a few large fused kernels instead of a few per array (and less to
        # compile).
        (loss, (mu, var)), grads = jax.value_and_grad(lambda f: loss_fn(unravel(f)), has_aux=True)(flat)
        updates, opt = tx.update(grads, opt, flat)
        flat = flat - lr * updates
        stats = Stats((1 - m) * stats.mean + m * mu, (1 - m) * stats.var + m * var * bsz / (bsz - 1))
        return (flat, stats, opt), loss

    (flat, stats, opt), losses = jax.lax.scan(step, (flat0, state.stats, state.opt), ts)
    return State(unravel(flat), stats, opt, state.key), losses


@partial(jax.jit, static_argnames=("config", "with_gaussian"), compiler_options=FAST_COMPILE)
def train_chunk(states: State, step0, x_train, y_train, kns: Knobs, lr, config: Config, with_gaussian: bool = True):
    """Advance stacked models (axis 0 of states and kns) by config.chunk steps, as one vmapped computation.
    with_gaussian False: no model has Gaussian noise (a smaller program, see noise_of)."""
    def one(state, kn):
        return _train_steps(state, step0 + jnp.arange(config.chunk), x_train, y_train, kn, lr, config,
                            with_gaussian)
    return jax.vmap(one)(states, kns)


def has_gaussian(kns: Knobs) -> bool:
    """Whether any of the (NumPy) knobs asks for Gaussian noise: the static with_gaussian of the programs."""
    return bool(np.any(np.asarray(kns.gaussian) > 0.5))


def recalibrate(net: Net, x) -> Stats:
    """BN statistics re-estimated without dropout: each BN layer's mean and variance over all of x, in order
    (layer l's statistics are taken on the outputs of layers < l already normalised with their new ones)."""
    d0 = x.shape[1]
    depth, width = net.gamma.shape
    _, (mu, var), _ = forward(net, None, x, no_noise(x.shape[0], d0, depth, width))
    return Stats(mu, var)


def _error(net, stats, x, y):
    depth, width = net.gamma.shape
    logits, _, _ = forward(net, stats, x, no_noise(x.shape[0], x.shape[1], depth, width))
    return jnp.mean(jnp.argmax(logits, -1) != y)


@partial(jax.jit, compiler_options=FAST_COMPILE)
def _evaluate(states: State, x_train, x_test, y_test):
    """Test error of each model with its running statistics, and with statistics re-estimated without dropout."""
    def one(s):
        fresh = recalibrate(s.net, x_train)
        return _error(s.net, s.stats, x_test, y_test), _error(s.net, fresh, x_test, y_test)
    return jax.vmap(one)(states)


class Data(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int


def load_data(config: Config) -> Data:
    ds = datasets.make_dataset(config.dataset, config.data_seed, config.n_points, 0.0)
    return Data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, ds.n_classes)


class Trained(NamedTuple):
    """Stacked trained models (axis 0) with their data."""

    states: State
    kns: Knobs
    data: Data
    losses: np.ndarray  # (models, steps) minibatch loss of the thinned network


def train_models(keys, kns: Knobs, config: Config, on_chunk: Callable[[int, int], None] | None = None) -> Trained:
    """Train one model per key (its own initialisation, minibatches and masks) at the stacked knobs."""
    data = load_data(config)
    sizes = sizes_of(config, data.x_train.shape[1], data.n_classes)
    states = _init_states(keys, sizes)
    xt, yt = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    n_chunks = config.steps // config.chunk
    losses = []
    for i in range(n_chunks):
        # NumPy scalars: a jnp scalar would compile a conversion program of its own.
        states, loss = train_chunk(states, np.int32(i * config.chunk), xt, yt, kns, np.float32(config.lr), config,
                                   has_gaussian(kns))
        losses.append(loss)
        if on_chunk is not None:
            jax.block_until_ready(loss)
            on_chunk(i + 1, n_chunks)
    return Trained(states, kns, data, np.concatenate([np.asarray(x) for x in losses], axis=1))


def test_errors(trained: Trained) -> tuple[np.ndarray, np.ndarray]:
    """(test error with the running BN statistics, test error with statistics re-estimated without dropout)."""
    d = trained.data
    e, e_fresh = _evaluate(trained.states, jnp.asarray(d.x_train), jnp.asarray(d.x_test), jnp.asarray(d.y_test))
    return np.asarray(e), np.asarray(e_fresh)


# --- the shift, closed form against sampling ---------------------------------------------------------------


def shift_closed_form(x, w, b, keep: float):
    """Train- and test-time variance of u = b + Σ_k w_k (m_k/q) x_k over the rows of x (closed form).

    Args:
      x: (n, K) the unit's inputs, one row per example.
      w: (K,) or (K, U) weights (U units at once).
      b: scalar or (U,) bias (it moves neither variance).
      keep: q in (0, 1].
    Returns:
      (var_train, var_test), each scalar or (U,): Var_test is the plain variance of u over the rows (no masks);
      Var_train = Var_test + (1 − q)/q Σ_k w_k² E[x_k²].
    """
    q = _check_keep(keep, "keep")
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    if x.ndim != 2 or w.shape[0] != x.shape[1]:
        raise ValueError(f"x must be (n, K) and w (K,) or (K, U) with the same K, got {x.shape} and {w.shape}")
    u = x @ w + np.asarray(b, np.float64)
    var_test = u.var(axis=0)
    second = (x * x).mean(axis=0)
    var_train = var_test + (1.0 - q) / q * (second @ (w * w))
    return var_train, var_test


def shift_sampled(key, x, w, b, keep: float, n_masks: int, gaussian: bool = False):
    """Var_train of the same unit(s) measured by sampling n_masks masks per row (or Gaussian noise)."""
    q = _check_keep(keep, "keep")
    _check_int(n_masks, "n_masks", 1, 10_000)
    x = jnp.asarray(x, jnp.float32)
    n, k = x.shape
    u_key, n_key = jax.random.split(key)
    shape = (n_masks, n, k)
    mult = multipliers(jax.random.uniform(u_key, shape), jax.random.normal(n_key, shape), q, float(gaussian))
    u = (x[None] * mult) @ jnp.asarray(w, jnp.float32) + jnp.asarray(b, jnp.float32)
    flat = u.reshape((n_masks * n,) + u.shape[2:])
    return np.asarray(jnp.var(flat, axis=0), np.float64)


class ShiftView(NamedTuple):
    """Part 1's default view: one trained BN network and what its BN layers see, at test and train time."""

    test_error: float  # with the running statistics
    test_error_fresh: float  # with statistics re-estimated without dropout
    running_var: np.ndarray  # (depth, width) the running variance BN learned while training
    var_test: np.ndarray  # (depth, width) the BN input's variance over the test set, no masks (measured)
    var_train_closed: np.ndarray  # (depth, width) closed form of Var_train for the layer's own masks
    var_train_sampled: np.ndarray  # (depth, width) the same, measured with sampled masks
    out_test: np.ndarray  # (depth, n_test, width) BN outputs at test time (running stats, no masks)
    out_train: np.ndarray  # (depth, n_test, width) BN outputs with masks, through the same running stats
    n_masks: int


def _shift_core(state: State, kn: Knobs, x_train, x_test, y_test, key, n_masks: int, with_gaussian: bool):
    """Everything ShiftView needs from one trained model: the test-time trace, the sampled Var_train, the BN
    outputs under one set of masks, and the test errors with running and with re-estimated statistics."""
    depth, width = state.net.gamma.shape
    n, d0 = x_test.shape
    logits, _, tr_test = forward(state.net, state.stats, x_test, no_noise(n, d0, depth, width))
    errors = jnp.stack([jnp.mean(jnp.argmax(logits, -1) != y_test),
                        _error(state.net, recalibrate(state.net, x_train), x_test, y_test)])

    def masked(k):
        _, _, t = forward(state.net, state.stats, x_test, draw_noise(k, kn, n, d0, depth, width, with_gaussian))
        return t.bn_in, t.bn_out

    bn_in_m, bn_out_m = jax.lax.map(masked, jax.random.split(key, n_masks))
    # Var over examples and masks; each layer's variance mixes in the shift of the layers below it.
    var_sampled = jnp.var(jnp.moveaxis(bn_in_m, 0, 1).reshape(depth, n_masks * n, width), axis=1)
    return tr_test, var_sampled, bn_out_m[0], errors


@partial(jax.jit, static_argnames=("n_masks", "with_gaussian"), compiler_options=FAST_COMPILE)
def _shift_arrays(states: State, kns: Knobs, i, x_train, x_test, y_test, key, n_masks: int,
                  with_gaussian: bool = True):
    """_shift_core of model i of stacked models, in one program."""
    state, kn = jax.tree.map(lambda a: a[i], (states, kns))
    return _shift_core(state, kn, x_train, x_test, y_test, key, n_masks, with_gaussian)


def shift_view(key, trained: Trained, i: int, n_masks: int = 32) -> ShiftView:
    """Closed form against sampling for every BN unit of model i of ``trained``.

    The closed form treats each layer on its own: its inputs are the test-time activations of the layer below
    (no masks below), and only this layer's masks add variance. The sampled values apply every mask of the
    network, as training does, so deeper layers also carry the shift of the layers below: the two agree
    exactly on the first BN layer and show how far the shift compounds on the others.
    """
    _check_int(n_masks, "n_masks", 2, 1000)
    data = trained.data
    kn = jax.tree.map(lambda a: np.asarray(a)[i], trained.kns)
    arrays = _shift_arrays(trained.states, trained.kns, i, data.x_train, data.x_test, data.y_test, key, n_masks,
                           has_gaussian(kn))
    net = jax.tree.map(lambda a: np.asarray(a)[i], trained.states.net)  # NumPy copies: no per-leaf programs
    return _view_of(net, np.asarray(trained.states.stats.var)[i], kn, data, arrays, n_masks)


def _view_of(net: Net, running_var, kn: Knobs, data: Data, arrays, n_masks: int) -> ShiftView:
    """The ShiftView of one model (NumPy net, running variance and knobs) from _shift_core's arrays."""
    tr_test, var_sampled, out_train, errors = arrays
    depth = net.gamma.shape[0]
    keep_pre, keep_post = np.asarray(kn.keep_pre, float), np.asarray(kn.keep_post, float)
    # Gaussian noise has the second moment of Bernoulli(q)/q: the same closed form covers both.
    x_in = np.asarray(data.x_test, np.float64)
    bn_out_test = np.asarray(tr_test.bn_out, np.float64)
    closed = []
    for layer in range(depth):
        w = np.asarray(net.w[layer], np.float64)
        b = np.asarray(net.b[layer], np.float64)
        inputs = x_in if layer == 0 else np.maximum(bn_out_test[layer - 1], 0.0)
        q_in = float(kn.keep_in) if layer == 0 else keep_post[layer - 1]
        # Masks on the Dense's inputs (keep q_in), then on its outputs (keep_pre): E[(m/q)^2] = 1/q each.
        v_train, v_test = shift_closed_form(inputs, w, b, q_in)
        second = v_train + np.mean(inputs @ w + b, axis=0) ** 2
        closed.append(second / keep_pre[layer] - np.mean(inputs @ w + b, axis=0) ** 2)
    errors = np.asarray(errors)
    return ShiftView(
        test_error=float(errors[0]), test_error_fresh=float(errors[1]),
        running_var=np.asarray(running_var, np.float64),
        var_test=np.asarray(tr_test.bn_in, np.float64).var(axis=1),
        var_train_closed=np.stack(closed),
        var_train_sampled=np.asarray(var_sampled, np.float64),
        out_test=np.asarray(tr_test.bn_out), out_train=np.asarray(out_train), n_masks=n_masks,
    )


@partial(jax.jit, static_argnames=("sizes", "config", "n_masks", "with_gaussian"),
         compiler_options=FAST_COMPILE)
def _default_arrays(seed, kn: Knobs, x_train, y_train, x_test, y_test, lr, sizes, config: Config, n_masks: int,
                    with_gaussian: bool):
    """The default view as one program: initialise one model, train it for config.steps steps, measure its
    shift. The same arithmetic as train_models (its first model) followed by shift_view, without the chunks
    (nothing to report progress on) and without the models axis; seed_key(seed, 1) and seed_key(seed, 2) are
    made inside (made outside, they compile a few small programs of their own)."""
    key_train, key_shift = rng.fast_key_traced(seed, 1), rng.fast_key_traced(seed, 2)
    state = init_state(key_train, sizes)
    state, _ = _train_steps(state, jnp.arange(config.steps), x_train, y_train, kn, lr, config, with_gaussian)
    return state.net, state.stats.var, _shift_core(state, kn, x_train, x_test, y_test, key_shift, n_masks,
                                                   with_gaussian)


def default_shift(seed: int = 0, keep: float = 0.5, order: str = "dropout_bn", config: Config = Config(),
                  n_masks: int = 32) -> ShiftView:
    """Part 1's default view: one model trained with ``order`` at ``keep``, and its shift; the same numbers as
    train_models(seed_key(seed, 1)[None], ...) followed by shift_view(seed_key(seed, 2), ..., 0, n_masks), in
    one compiled program that every seed, keep and order share."""
    _check_int(n_masks, "n_masks", 2, 1000)
    seed = np.uint32(_check_int(seed, "seed", 0, 2**32 - 1))  # rng.fast_key's range
    kn = knobs(order, keep, config.depth)
    data = load_data(config)
    sizes = sizes_of(config, data.x_train.shape[1], data.n_classes)
    net, running_var, arrays = _default_arrays(seed, kn, data.x_train, data.y_train, data.x_test, data.y_test,
                                               np.float32(config.lr), sizes, config, n_masks, has_gaussian(kn))
    return _view_of(jax.tree.map(np.asarray, net), np.asarray(running_var), kn, data, arrays, n_masks)


# --- orders and fixes, width --------------------------------------------------------------------------------


class OrdersResult(NamedTuple):
    variants: tuple[str, ...]
    errors: np.ndarray  # (variants, seeds) test error with the running statistics
    errors_fresh: np.ndarray  # (variants, seeds) with BN statistics re-estimated without dropout


def orders_experiment(seeds: int, keep: float, config: Config = Config(),
                      on_chunk: Callable[[int, int], None] | None = None) -> OrdersResult:
    """Every variant × seeds 0..seeds-1 as one vmapped computation. Each run is reproducible from its seed, but the
    variants of one seed are not paired: under vmap the rbg generator draws a batch's numbers from its first key's
    stream, so every row (variant, seed) gets its own initial weights, minibatches and masks."""
    _check_int(seeds, "seeds", 1, 64)
    kns = stack([variant_knobs(v, keep, config.depth) for v in VARIANTS for _ in range(seeds)])
    keys = jnp.stack([seed_key(s, 1) for _ in VARIANTS for s in range(seeds)])
    trained = train_models(keys, kns, config, on_chunk)
    e, e_fresh = test_errors(trained)
    shape = (len(VARIANTS), seeds)
    return OrdersResult(VARIANTS, e.reshape(shape), e_fresh.reshape(shape))


class WidthResult(NamedTuple):
    widths: tuple[int, ...]
    ratio: np.ndarray  # (widths, seeds) mean over units of the second BN layer's Var_test / running var
    ratio_closed: np.ndarray  # (widths, seeds) the closed form's Var_test / Var_train, mean over the same units
    errors: np.ndarray  # (widths, seeds) test error with running statistics
    errors_fresh: np.ndarray  # (widths, seeds) after re-estimating the statistics


def width_experiment(widths, seeds: int, keep: float, order: str = "bn_dropout", config: Config = Config(),
                     on_chunk: Callable[[int, int], None] | None = None) -> WidthResult:
    """The shift at the second BN layer against width (one program per width: shapes change)."""
    widths = tuple(_check_int(w, "widths[i]", 2, 2048) for w in widths)
    _check_int(seeds, "seeds", 1, 64)
    if config.depth < 2:
        raise ValueError(f"config.depth must be at least 2 for the width experiment, got {config.depth}")
    ratio, ratio_closed, errs, errs_fresh = [], [], [], []
    total = len(widths) * (config.steps // config.chunk)
    for i, width in enumerate(widths):
        cfg = dataclasses.replace(config, width=width)
        kn = stack([knobs(order, keep, cfg.depth) for _ in range(seeds)])
        keys = jnp.stack([seed_key(s, 1) for s in range(seeds)])
        done = i * (config.steps // config.chunk)
        trained = train_models(keys, kn, cfg, None if on_chunk is None else (lambda j, n: on_chunk(done + j, total)))
        e, e_fresh = test_errors(trained)
        errs.append(e)
        errs_fresh.append(e_fresh)
        r, rc = [], []
        for s in range(seeds):
            view = shift_view(seed_key(s, 2), trained, s, 8)
            r.append(np.mean(view.var_test[1] / view.running_var[1]))
            rc.append(np.mean(view.var_test[1] / view.var_train_closed[1]))
        ratio.append(r)
        ratio_closed.append(rc)
    return WidthResult(widths, np.array(ratio), np.array(ratio_closed), np.array(errs), np.array(errs_fresh))


# --- part 2: where to put dropout, and how much -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PlacementConfig:
    """Part 2: a plain MLP (no BN) that overfits, so the amount and place of dropout matter."""

    # Digits with 300 points, 150 to train: 64 redundant pixels and few examples, the textbook's setting.
    dataset: str = "digits"
    n_points: int = 300
    noise: float = 0.0
    data_seed: int = 0
    width: int = 128  # wide: 26,000 weights against 150 training points
    steps: int = 600  # long enough to fit the training set without dropout
    lr: float = 1e-3
    batch_size: int = 32

    def __post_init__(self):
        if self.dataset not in datasets.DATASETS or datasets.DATASETS[self.dataset].task != "classification":
            raise ValueError(f"dataset must be a classification set of {sorted(datasets.DATASETS)}, "
                             f"got {self.dataset!r}")
        _check_int(self.n_points, "n_points", 20, datasets.DATASETS[self.dataset].max_n)
        _check_int(self.width, "width", 2, 2048)
        _check_int(self.steps, "steps", 100, 100_000)
        if self.steps % 100:
            raise ValueError(f"steps must be a multiple of 100, got {self.steps}")


# Registry of part 2's tasks: digits (many redundant inputs) and a 2-D set (two inputs, each indispensable).
PLACEMENT_TASKS = {
    "digits": PlacementConfig(),
    # Two moons with heavy noise and 100 points: a 2-128-128-2 net overfits them without dropout.
    "moons": PlacementConfig(dataset="moons", n_points=100, noise=0.3, lr=3e-3),
}


def _placement_data(pc: PlacementConfig):
    ds = datasets.make_dataset(pc.dataset, pc.data_seed, pc.n_points, pc.noise)
    cfg = train.TrainConfig(sizes=(ds.n_features, pc.width, pc.width, ds.n_classes), batch_size=pc.batch_size,
                            chunk=100, eval_every=100)
    return ds, cfg, train.make_data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, cfg)


def placement_errors(keeps, seeds: int, pc: PlacementConfig,
                     on_chunk: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Test error (len(keeps), seeds) of 2-hidden-layer MLPs, keeps[i] = (keep_in, keep_h1, keep_h2); all in one
    vmapped computation. Seed s gives every keep setting the same initial weights (drawn one model at a time); the
    minibatches and masks are drawn under vmap, where the rbg generator gives every row its own numbers."""
    _check_int(seeds, "seeds", 1, 64)
    keeps = [masks.keep_tuple(k, 3) for k in keeps]
    if not isinstance(pc, PlacementConfig):
        raise ValueError(f"pc must be a PlacementConfig, got {type(pc).__name__}")
    if not keeps:
        raise ValueError("keeps must hold at least one (keep_in, keep_h1, keep_h2)")
    ds, cfg, data = _placement_data(pc)
    states = train.stack([train.init_state(seed_key(s, 3), cfg) for _ in keeps for s in range(seeds)])
    hps = train.stack([train.hyper(k, pc.lr, n_layers=3) for k in keeps for _ in range(seeds)])
    n_chunks = pc.steps // cfg.chunk
    for i in range(n_chunks):
        states, metrics = train.train_chunk_many(states, data, hps, cfg)
        if on_chunk is not None:
            jax.block_until_ready(metrics["test_acc"])
            on_chunk(i + 1, n_chunks)
    return 1.0 - np.asarray(metrics["test_acc"][:, -1]).reshape(len(keeps), seeds)


class HeatmapResult(NamedTuple):
    keep_in: np.ndarray  # (a,)
    keep_hidden: np.ndarray  # (b,)
    errors: np.ndarray  # (a, b, seeds)


def heatmap_experiment(keep_in, keep_hidden, seeds: int, pc: PlacementConfig, on_chunk=None) -> HeatmapResult:
    """Test error over input keep × hidden keep (both hidden layers share the hidden keep)."""
    ki, kh = np.asarray(keep_in, float), np.asarray(keep_hidden, float)
    grid = [(a, b, b) for a in ki for b in kh]
    err = placement_errors(grid, seeds, pc, on_chunk)
    return HeatmapResult(ki, kh, err.reshape(len(ki), len(kh), seeds))


LAYER_SETTINGS = ("inputs", "hidden 1", "hidden 2", "all")


def layer_keeps(setting: str, keep: float) -> tuple[float, float, float]:
    """(keep_in, keep_h1, keep_h2) when only the inputs, only one hidden layer, or all of them are dropped."""
    q = _check_keep(keep, "keep")
    table = {"inputs": (q, 1.0, 1.0), "hidden 1": (1.0, q, 1.0), "hidden 2": (1.0, 1.0, q), "all": (q, q, q)}
    if setting not in table:
        raise ValueError(f"setting must be one of {LAYER_SETTINGS}, got {setting!r}")
    return table[setting]


class LayerResult(NamedTuple):
    keeps: np.ndarray  # (k,) the keep values swept, the last one 1.0 (nothing dropped)
    errors: np.ndarray  # (settings, k, seeds); the column at keep 1 is the same network for every setting


def layer_experiment(keeps, seeds: int, pc: PlacementConfig, on_chunk=None) -> LayerResult:
    """Test error against keep when only one place (or all) is dropped; keep 1 (no dropout) is trained once."""
    ks = [float(k) for k in keeps if float(k) < 1.0]
    grid = [layer_keeps(s, k) for s in LAYER_SETTINGS for k in ks] + [(1.0, 1.0, 1.0)]
    err = placement_errors(grid, seeds, pc, on_chunk)
    body = err[:-1].reshape(len(LAYER_SETTINGS), len(ks), seeds)
    none = np.broadcast_to(err[-1], (len(LAYER_SETTINGS), 1, seeds))
    return LayerResult(np.array(ks + [1.0]), np.concatenate([body, none], axis=1))


if __name__ == "__main__":
    import time

    t = time.perf_counter()
    v = default_shift()
    print(f"default view: {time.perf_counter() - t:.1f} s")
    print(f"test error {v.test_error:.3f}, re-estimated {v.test_error_fresh:.3f}")
    r = v.var_test / v.running_var
    print("Var_test / running var per layer (mean over units):", np.round(r.mean(axis=1), 3))
    print("closed / sampled Var_train, first layer:", np.round(np.mean(v.var_train_closed[0] / v.var_train_sampled[0]), 4))
    t = time.perf_counter()
    o = orders_experiment(3, 0.5)
    print(f"orders: {time.perf_counter() - t:.1f} s")
    for name, e, f in zip(o.variants, o.errors, o.errors_fresh):
        print(f"  {name:22s} {e.mean():.3f} ± {e.std():.3f}   re-estimated {f.mean():.3f} ± {f.std():.3f}")
