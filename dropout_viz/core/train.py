"""Training in fixed-size chunks of steps, one jitted lax.scan per chunk, several models at once with vmap.

Shapes and structure (sizes, batch size, chunk length, optimizer kind, noise kind) are static: changing
them compiles once. Values (keep, learning rate, penalties, noise levels) live in ``Hyper`` and are traced:
moving a value slider never recompiles.

Randomness: step t of a run draws its minibatch and masks from fold_in(state.key, t), so a run is the same
whatever the chunk length, and the mask of any step can be recomputed for display (``step_draws``).
Models trained together share the key, hence the same initialisation, minibatches and the same uniforms
behind their masks (a unit kept at keep 0.5 is also kept at keep 0.8).
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
from . import masks as masks_mod
from .network import ACTIVATIONS, check_activation, check_sizes, forward, head_logits, init_mlp, scale_weights

# The engine's programs compile faster with the same numbers (see core.system.engine_compile_options).
_COMPILE = _system.engine_compile_options()

OPTIMIZERS = ("sgd", "momentum", "adam")
NOISES = ("bernoulli", "gaussian", "dropconnect")
LOSSES = {"softmax": "cross-entropy", "sigmoid": "cross-entropy", "identity": "squared error"}


@dataclass(frozen=True)
class TrainConfig:
    """Static structure of a run; every field is part of the compiled shape."""

    sizes: tuple[int, ...]
    activation: str = "relu"
    head: str = "softmax"  # "identity" trains a regression net with squared error
    optimizer: str = "adam"
    batch_size: int = 32  # the classic minibatch of the dropout papers' era; small enough to stay noisy
    chunk: int = 50  # steps per jitted call: one animation frame on the live page
    eval_every: int = 10  # full train/test evaluation every 10 steps gives smooth curves at little cost
    noise: str = "bernoulli"
    inverted: bool = True
    momentum: float = 0.9

    def __post_init__(self):
        object.__setattr__(self, "sizes", check_sizes(self.sizes))
        check_activation(self.activation)
        if self.head not in LOSSES:
            raise ValueError(f"head must be one of {sorted(LOSSES)}, got {self.head!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}, got {self.noise!r}")
        if not 1 <= self.batch_size <= 4096:
            raise ValueError(f"batch_size must lie in [1, 4096], got {self.batch_size}")
        if not 1 <= self.eval_every <= self.chunk or self.chunk % self.eval_every:
            raise ValueError(f"chunk ({self.chunk}) must be a positive multiple of eval_every ({self.eval_every})")

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1


class Hyper(NamedTuple):
    """Traced hyperparameters of one model (stack them along axis 0 for several models)."""

    keep: jax.Array  # (n_layers,) keep probability per weight layer's inputs
    lr: jax.Array
    l2: jax.Array  # penalty (l2 / 2) * sum of squared weights (biases are not penalised)
    l1: jax.Array  # penalty l1 * sum of |weights|
    input_noise: jax.Array  # std of additive Gaussian noise on the inputs while training
    label_smoothing: jax.Array  # targets (1 - s) one-hot + s / classes


def hyper(keep, lr, *, n_layers, l2=0.0, l1=0.0, input_noise=0.0, label_smoothing=0.0) -> Hyper:
    """Build and check one model's Hyper from plain scalars (keep: scalar or one per weight layer)."""
    keep = masks_mod.keep_tuple(keep, n_layers)
    for name, v, hi in (("lr", lr, 10.0), ("l2", l2, 10.0), ("l1", l1, 10.0), ("input_noise", input_noise, 10.0),
                        ("label_smoothing", label_smoothing, 0.5)):
        if not np.isfinite(v) or v < 0 or v > hi or (name == "lr" and v == 0):
            lo = "(0" if name == "lr" else "[0"
            raise ValueError(f"{name} must lie in {lo}, {hi}], got {v}")
    f = partial(jnp.asarray, dtype=jnp.float32)
    return Hyper(f(keep), f(lr), f(l2), f(l1), f(input_noise), f(label_smoothing))


def stack(items):
    """Stack a list of pytrees (Hyper, TrainState) along a new leading model axis."""
    return jax.tree.map(_stack_leaves, *items)


def _stack_leaves(*xs):
    # Plain numbers stack in NumPy: jnp.stack would compile a small program per leaf shape on a first run.
    if any(isinstance(x, jax.core.Tracer) or jax.dtypes.issubdtype(jnp.result_type(x), jax.dtypes.prng_key)
           for x in xs):
        return jnp.stack(xs)
    return jnp.asarray(np.stack([np.asarray(x) for x in xs]))


def unstack(tree, i):
    """Model i of a stacked pytree."""
    return jax.tree.map(lambda x: x[i], tree)


class Data(NamedTuple):
    x_train: jax.Array
    y_train: jax.Array
    x_test: jax.Array
    y_test: jax.Array


def make_data(x_train, y_train, x_test, y_test, config: TrainConfig) -> Data:
    """Device arrays with the dtypes the loss expects; checks shapes against the network."""
    xs = [np.asarray(a, np.float32) for a in (x_train, x_test)]
    for name, x in zip(("x_train", "x_test"), xs):
        if x.ndim != 2 or x.shape[1] != config.sizes[0] or len(x) < 1:
            raise ValueError(f"{name} must have shape (n >= 1, {config.sizes[0]}), got {x.shape}")
    ydt = np.float32 if config.head == "identity" else np.int32
    ys = [np.asarray(a).astype(ydt) for a in (y_train, y_test)]
    for name, x, y in zip(("y_train", "y_test"), xs, ys):
        if y.shape != (len(x),):
            raise ValueError(f"{name} must have shape ({len(x)},), got {y.shape}")
    return Data(jnp.asarray(xs[0]), jnp.asarray(ys[0]), jnp.asarray(xs[1]), jnp.asarray(ys[1]))


class TrainState(NamedTuple):
    params: list
    opt_state: tuple
    step: jax.Array
    key: jax.Array


def _transform(config: TrainConfig) -> optax.GradientTransformation:
    # The learning rate is applied outside the transform, so it stays a traced value (no recompiles).
    if config.optimizer == "sgd":
        return optax.identity()
    if config.optimizer == "momentum":
        return optax.trace(decay=config.momentum)
    return optax.scale_by_adam()


@partial(jax.jit, static_argnames=("config",), compiler_options=_COMPILE)
def init_state(key, config: TrainConfig) -> TrainState:
    """Fresh weights and optimizer state; the key also drives every later minibatch and mask.

    One compiled program (op by op, the draws and scalings of the weights would compile one small program each).
    """
    k_init, k_run = jax.random.split(key)
    params = init_mlp(k_init, config.sizes, config.activation)
    # The optimizer runs on one flat vector of all parameters: a step is then a few large fused kernels
    # instead of a few per array, which is what bounds the speed of tiny networks on a CPU.
    return TrainState(params, _transform(config).init(ravel_pytree(params)[0]), jnp.int32(0), k_run)


def init_states(key, config: TrainConfig, n_models: int, data: Data | None = None,
                hps: Hyper | None = None) -> TrainState:
    """n_models copies of one initial state (same weights, same minibatch order), stacked on axis 0.

    Given the data and stacked hyperparameters that ``train`` will get, the training chunk's program compiles
    on another core while the initial state's does (a first run's two compilations side by side, see
    core.system.compile_in_parallel); the numbers are the same either way.
    """
    if data is not None and hps is not None:
        one = jax.eval_shape(partial(init_state.__wrapped__, config=config), key)
        shapes = jax.tree.map(lambda a: jax.ShapeDtypeStruct((n_models,) + a.shape, a.dtype), one)
        _system.compile_in_parallel([  # shared=True: n_models copies of one state share key and step
            lambda: init_state.lower(key, config),
            lambda: _train_chunk_many.lower(shapes, data, hps, config=config, shared=True)])
    s = init_state(key, config)
    # Copied in NumPy (_stack_leaves): jnp.broadcast_to would compile a small program per array shape.
    return jax.tree.map(lambda x: _stack_leaves(*([x] * n_models)), s)


def init_states_seeds(keys, config: TrainConfig) -> TrainState:
    """One independent state per key (a sweep over seeds), stacked on axis 0."""
    return stack([init_state(k, config) for k in keys])


def _raw_draws(key, step, config: TrainConfig, n_train: int):
    """The random numbers of one step, before keep enters: minibatch indices, per-layer uniforms (Bernoulli,
    DropConnect) or normals (Gaussian noise), and input-noise normals. Models sharing a key share these."""
    # Barriers between hashes that feed each other (identity on the values): XLA would fuse the chain
    # fold_in -> split -> draw into one kernel whose compilation takes several times as long as the pieces'.
    barrier = jax.lax.optimization_barrier
    k_idx, k_noise, k_in = barrier(jax.random.split(barrier(jax.random.fold_in(key, step)), 3))
    idx = jax.random.randint(k_idx, (config.batch_size,), 0, n_train)
    raw = []
    for k, n_in, n_out in zip(barrier(jax.random.split(k_noise, config.n_layers)), config.sizes[:-1],
                              config.sizes[1:]):
        if config.noise == "gaussian":
            raw.append(jax.random.normal(k, (config.batch_size, n_in)))
        elif config.noise == "dropconnect":
            raw.append(jax.random.uniform(k, (n_in, n_out)))
        else:
            raw.append(jax.random.uniform(k, (config.batch_size, n_in)))
    return idx, raw, jax.random.normal(k_in, (config.batch_size, config.sizes[0]))


def _multipliers(raw, keep, config: TrainConfig):
    """Per-layer multipliers from a step's raw draws and the keep values (u < q keeps a unit)."""
    out = []
    for r, q in zip(raw, keep):
        if config.noise == "gaussian":
            # Same mean (1) and variance ((1-q)/q) as inverted Bernoulli dropout.
            out.append(1.0 + jnp.sqrt((1.0 - q) / q) * r)
        else:
            m = (r < q).astype(jnp.float32)
            out.append(m / q if config.inverted else m)
    return out


def step_draws(key, step, config: TrainConfig, keep, n_train: int):
    """The minibatch indices (batch,), per-layer multipliers and input-noise normals that step ``step`` uses."""
    idx, raw, noise_in = _raw_draws(key, step, config, n_train)
    return idx, _multipliers(raw, keep, config), noise_in


def _chunk_draws(key, step0, config: TrainConfig, n_train: int):
    """Raw draws of config.chunk consecutive steps, stacked on a leading step axis."""
    return jax.vmap(lambda t: _raw_draws(key, t, config, n_train))(step0 + jnp.arange(config.chunk))


def _forward_noisy(params, x, mult, config: TrainConfig):
    act = ACTIVATIONS[config.activation]
    h = x
    for i, ((w, b), m) in enumerate(zip(params, mult)):
        if config.noise == "dropconnect":
            h = h @ (w * m) + b
        else:
            h = (h * m) @ w + b
        if i < config.n_layers - 1:
            h = act(h)
    return h


def _loss_terms(out, y, config: TrainConfig, smoothing):
    """Per-example loss and correctness (correctness is 0 for regression)."""
    if config.head == "identity":
        err = out[..., 0] - y
        return err * err, jnp.zeros_like(err)
    logits = head_logits(out, config.head)
    n_cls = logits.shape[-1]
    target = jax.nn.one_hot(y, n_cls) * (1.0 - smoothing) + smoothing / n_cls
    loss = -jnp.sum(target * jax.nn.log_softmax(logits), axis=-1)
    return loss, (jnp.argmax(logits, -1) == y).astype(jnp.float32)


def penalty(params, hp: Hyper):
    """(l2 / 2) sum W^2 + l1 sum |W| over weight matrices (not biases)."""
    return sum(0.5 * hp.l2 * jnp.sum(w * w) + hp.l1 * jnp.sum(jnp.abs(w)) for w, _ in params)


def evaluate(params, x, y, keep, config: TrainConfig):
    """Loss (no penalty) and accuracy of the deterministic network: the weight-scaled one at test time."""
    if not config.inverted and config.noise != "gaussian":
        params = scale_weights(params, keep)
    loss, correct = _loss_terms(forward(params, x, activation=config.activation), y, config, 0.0)
    return jnp.mean(loss), jnp.mean(correct)


def _train_chunk_single(state: TrainState, data: Data, hp: Hyper, config: TrainConfig, draws=None):
    tx = _transform(config)
    # The whole chunk's minibatches and masks are drawn before the loop: the scan body is only arithmetic.
    if draws is None:
        draws = _chunk_draws(state.key, state.step, config, data.x_train.shape[0])
    idx, raw, noise_in = draws
    mults = jax.vmap(lambda r: _multipliers(r, hp.keep, config))(raw)
    x_in = data.x_train[idx] + hp.input_noise * noise_in
    y_in = data.y_train[idx]

    def objective(params, x, y, mult):
        loss, _ = _loss_terms(_forward_noisy(params, x, mult, config), y, config, hp.label_smoothing)
        return jnp.mean(loss) + penalty(params, hp), jnp.mean(loss)

    flat0, unravel = ravel_pytree(state.params)

    def one_step(carry, batch):
        flat, opt_state = carry
        x, y, mult = batch
        grads, batch_loss = jax.grad(lambda f: objective(unravel(f), x, y, mult), has_aux=True)(flat)
        updates, opt_state = tx.update(grads, opt_state, flat)
        return (flat - hp.lr * updates, opt_state), batch_loss

    def eval_block(carry, block):
        carry, batch_loss = jax.lax.scan(one_step, carry, block)
        tr = evaluate(unravel(carry[0]), data.x_train, data.y_train, hp.keep, config)
        te = evaluate(unravel(carry[0]), data.x_test, data.y_test, hp.keep, config)
        return carry, (batch_loss, jnp.stack([*tr, *te]))

    n_blocks = config.chunk // config.eval_every
    blocks = jax.tree.map(lambda a: a.reshape((n_blocks, config.eval_every) + a.shape[1:]), (x_in, y_in, mults))
    (flat, opt_state), (batch_loss, ev) = jax.lax.scan(eval_block, (flat0, state.opt_state), blocks)
    new_state = TrainState(unravel(flat), opt_state, state.step + config.chunk, state.key)
    metrics = {
        "batch_loss": batch_loss.reshape(-1),  # loss of each step's thinned network on its minibatch
        "eval_step": state.step + config.eval_every * (1 + jnp.arange(n_blocks)),
        "train_loss": ev[:, 0], "train_acc": ev[:, 1], "test_loss": ev[:, 2], "test_acc": ev[:, 3],
        "last_mults": [m[-1] for m in mults],  # the multipliers of the chunk's last step, for display
    }
    return new_state, metrics


@partial(jax.jit, static_argnames=("config",))  # no compiler_options: other lessons trace it inside their own jit
def train_chunk(state: TrainState, data: Data, hp: Hyper, config: TrainConfig):
    """Advance one model by config.chunk steps. Returns (state, metrics dict of arrays)."""
    return _train_chunk_single(state, data, hp, config)


def shares_draws(states: TrainState) -> bool | None:
    """Whether stacked models share key and step (then they share every random number); None inside a trace."""
    keys, steps = states.key, states.step
    if isinstance(keys, jax.core.Tracer) or isinstance(steps, jax.core.Tracer):
        return None
    if jax.dtypes.issubdtype(keys.dtype, jax.dtypes.prng_key):
        keys = jax.random.key_data(keys)
    keys, steps = np.asarray(keys), np.asarray(steps)
    return bool((keys == keys[:1]).all() and (steps == steps[:1]).all())


def train_chunk_many(states: TrainState, data: Data, hps: Hyper, config: TrainConfig, shared: bool | None = None):
    """Advance stacked models (axis 0 of states and hps) by one chunk, as one vmapped computation.

    Models compared side by side share key and step, hence every random number: those are then drawn once
    for all of them (random numbers are a large part of a tiny network's step). Models with their own keys
    (a sweep over seeds) draw their own. Which of the two is decided here, outside the compiled program, so
    that a program holds the draws of one case only: the draws are most of its compilation time. A caller
    that traces this inside its own program (a loop over chunks) passes ``shared``, found before its trace.
    """
    if shared is None:
        shared = shares_draws(states)
    # Inside another jit (traced arguments), the program without compiler options: only a top-level jit takes them.
    traced = any(isinstance(a, jax.core.Tracer) for a in jax.tree.leaves((states, data, hps)))
    run = _train_chunk_many_traced if traced else _train_chunk_many
    return run(states, data, hps, config=config, shared=shared)


@partial(jax.jit, static_argnames=("config", "shared"), compiler_options=_COMPILE)
def _train_chunk_many(states: TrainState, data: Data, hps: Hyper, config: TrainConfig, shared: bool | None):
    n_train = data.x_train.shape[0]
    n_models = states.step.shape[0]

    def shared_draws():
        return jax.tree.map(lambda a: jnp.broadcast_to(a, (n_models,) + a.shape),
                            _chunk_draws(states.key[0], states.step[0], config, n_train))

    def own_draws():
        return jax.vmap(lambda k, s: _chunk_draws(k, s, config, n_train))(states.key, states.step)

    if shared is None:  # called inside a trace: decide on the device
        same = jnp.all(states.key == states.key[0]) & jnp.all(states.step == states.step[0])
        draws = jax.lax.cond(same, shared_draws, own_draws)
    else:
        draws = shared_draws() if shared else own_draws()
    return jax.vmap(_train_chunk_single, in_axes=(0, None, 0, None, 0))(states, data, hps, config, draws)


_train_chunk_many_traced = jax.jit(_train_chunk_many.__wrapped__, static_argnames=("config", "shared"))
train_chunk_many._cache_size = _train_chunk_many._cache_size  # compiled programs so far (the tests count them)


def train(states: TrainState, data: Data, hps: Hyper, config: TrainConfig, n_chunks: int,
          on_progress: Callable[[int, int], None] | None = None):
    """Run n_chunks chunks of stacked models; metrics concatenated over chunks as NumPy (models, ...).

    ``on_progress(done, n_chunks)`` is called after each chunk (its metrics are on the host by then)."""
    if n_chunks < 1:
        raise ValueError(f"n_chunks must be at least 1, got {n_chunks}")
    history = []
    for i in range(n_chunks):
        states, m = train_chunk_many(states, data, hps, config)
        history.append({k: np.asarray(v) for k, v in m.items() if k != "last_mults"})
        if on_progress is not None:
            on_progress(i + 1, n_chunks)
    return states, {k: np.concatenate([h[k] for h in history], axis=1) for k in history[0]}
