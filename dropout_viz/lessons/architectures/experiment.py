"""Dropout adapted to architectures: sequences (recurrent connections) and depth (residual blocks).

Conventions, the same in both parts: q is the keep probability (drop rate p = 1 − q); dropout is inverted (a
kept value is multiplied by 1/q while training, so the full network is used as it is at test time).

Sequences. A tanh RNN h_t = tanh(W x_t + U (m_t ⊙ h_{t−1})/q + b), y_t = V h_t + c continues noisy sines (one
step ahead). The mask sits on the recurrent connection only: 0 none, 1 a fresh mask at every time step, 2 one
mask per sequence reused at every step (variational dropout, Gal & Ghahramani 2016).

Depth. A residual MLP h ← h + (b_l / p_l) f_l(h), f_l(h) = W₂ ReLU(W₁ h + c₁) + c₂, with b_l ~ Bernoulli(p_l) per
example (DropPath; Huang et al. 2016 draw one per minibatch). Survival p_l is constant, or falls linearly with
depth, p_l = 1 − (l/L)(1 − p_L). Closed forms: expected depth Σ p_l; the number of blocks kept is
Poisson-binomial (binomial for constant p); the 2^L paths (each block taken or skipped) include the one through
all L blocks, which survives with probability Π p_l (p^L); on average Π (1 + p_l) paths survive.

Run ``python -m dropout_viz.lessons.architectures.experiment`` for a summary of the default views.
"""
from __future__ import annotations

import dataclasses
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from dropout_viz.core import rng
from dropout_viz.core.checks import check_choice, check_float, check_int, check_keep
from dropout_viz.core.datasets import _digits_arrays

SEQ_KINDS = ("none", "fresh", "variational")  # recurrent masks, in the order of their traced code
SCHEDULES = ("constant", "linear")


@dataclasses.dataclass(frozen=True)
class Config:
    n_train: int = 300  # digits for the residual MLP: few enough that it overfits without a regulariser
    n_test: int = 600  # enough held-out digits that one image is 0.17 points of error
    batch: int = 32
    # Sequences
    seq_len: int = 24  # about two and a half periods of the slowest sine
    seq_train: int = 16  # few training sequences: the RNN can memorise their noise
    seq_test: int = 256
    seq_noise: float = 0.3  # noise on the inputs and training targets; the test targets are clean
    hidden: int = 48  # wide enough to overfit 16 sequences
    rnn_steps: int = 800
    rnn_lr: float = 3e-3
    rnn_chunks: int = 8  # test loss measured after each chunk: the points of the curves
    # Depth
    width: int = 32  # units of the residual stream
    blocks: int = 8  # L: 2^8 = 256 paths through the network
    res_steps: int = 400
    res_lr: float = 3e-3


CONFIG = Config()


def seed_key(seed: int, *folds: int) -> jax.Array:
    """The lesson's only way from integer seeds to a key (through core.rng)."""
    return rng.key(check_int("seed", seed, 0, 2**31 - 1), *folds)


def _progress(on_progress, done, total):
    if on_progress is not None:
        on_progress(done, total)


# --- shared training: Adam on a stack of models, one jitted scan per chunk ------------------------------------

@partial(jax.jit, static_argnames=("loss_fn", "n_steps", "lr"))
def _train_chunk(params, opt, keys, step0, hp, data, *, loss_fn, n_steps, lr):
    tx = optax.adam(lr)

    def one(p, o, key, h):
        def body(carry, i):
            p, o = carry
            g = jax.grad(loss_fn)(p, jax.random.fold_in(key, step0 + i), h, data)
            upd, o = tx.update(g, o, p)
            return (optax.apply_updates(p, upd), o), None
        (p, o), _ = lax.scan(body, (p, o), jnp.arange(n_steps))
        return p, o
    return jax.vmap(one)(params, opt, keys, hp)


def _fit(init_fn, loss_fn, keys, hp, data, steps, chunks, lr, on_chunk=None, on_progress=None):
    """Trains len(keys) models together (vmapped); returns the stacked params (and on_chunk's results)."""
    params = jax.vmap(init_fn)(jax.vmap(lambda k: jax.random.fold_in(k, 0))(keys))
    opt = jax.vmap(optax.adam(lr).init)(params)
    per = steps // chunks
    out = []
    for c in range(chunks):
        params, opt = _train_chunk(params, opt, keys, jnp.int32(1 + c * per), hp, data, loss_fn=loss_fn,
                                   n_steps=per, lr=lr)
        if on_chunk is not None:
            out.append(on_chunk(params))
        _progress(on_progress, c + 1, chunks)
    return params, out


def _batch(key, n, size):
    return jax.random.randint(key, (size,), 0, n)


# ================================== sequences ==================================================================

def sine_sequences(seed: int, n: int, config: Config = CONFIG):
    """(inputs (n, T, 1), noisy targets (n, T, 1), clean targets (n, T, 1)): sines with random frequency and
    phase; the target at t is the next value."""
    g = np.random.default_rng(seed)
    omega = g.uniform(0.5, 1.2, (n, 1))
    phase = g.uniform(0, 2 * np.pi, (n, 1))
    t = np.arange(config.seq_len + 1)[None, :] * 0.6
    clean = np.sin(omega * t + phase)
    noisy = clean + config.seq_noise * g.standard_normal(clean.shape)
    f = lambda a: a[:, :, None].astype(np.float32)  # noqa: E731
    return f(noisy[:, :-1]), f(noisy[:, 1:]), f(clean[:, 1:])


def rnn_init(key, config: Config = CONFIG):
    k1, k2, k3 = jax.random.split(key, 3)
    h = config.hidden
    return {"W": jax.random.normal(k1, (1, h)), "U": jax.random.normal(k2, (h, h)) * (0.9 / np.sqrt(h)),
            "b": jnp.zeros(h), "V": jax.random.normal(k3, (h, 1)) / np.sqrt(h), "c": jnp.zeros(1)}


def recurrent_masks(key, n: int, steps: int, units: int, keep, kind):
    """Masks (steps, n, units) on h_{t−1}: all ones (0), fresh at every step (1) or one per sequence (2)."""
    kf, kv = jax.random.split(key)
    fresh = jax.random.bernoulli(kf, keep, (steps, n, units))
    per_seq = jnp.broadcast_to(jax.random.bernoulli(kv, keep, (1, n, units)), (steps, n, units))
    return jnp.select([kind == 0, kind == 1], [jnp.ones_like(fresh), fresh], per_seq).astype(jnp.float32)


def rnn_forward(params, x, masks=None, keep=1.0):
    """Predictions (n, T, 1) of the tanh RNN; masks (T, n, H) scale h_{t−1} by m/q on the recurrent path."""
    n, steps, _ = x.shape
    h0 = jnp.zeros((n, params["U"].shape[0]))
    if masks is None:
        masks = jnp.ones((steps, n, h0.shape[1]))

    def step(h, inp):
        xt, m = inp
        h = jnp.tanh(xt @ params["W"] + (h * m / keep) @ params["U"] + params["b"])
        return h, h @ params["V"] + params["c"]
    _, y = lax.scan(step, h0, (jnp.swapaxes(x, 0, 1), masks))
    return jnp.swapaxes(y, 0, 1)


def _rnn_loss(params, key, hp, data):
    x, y = data[0], data[1]
    masks = recurrent_masks(key, x.shape[0], x.shape[1], params["U"].shape[0], hp["keep"], hp["kind"])
    return jnp.mean((rnn_forward(params, x, masks, hp["keep"]) - y) ** 2)


@jax.jit
def _rnn_test_loss(params, x, y):
    return jax.vmap(lambda p: jnp.mean((rnn_forward(p, x) - y) ** 2))(params)


class SequenceResult(NamedTuple):
    steps: np.ndarray  # (chunks,) training steps at which the test loss was measured
    test_loss: np.ndarray  # (3, seeds, chunks) MSE against the clean next value: none, fresh, variational
    train_loss: np.ndarray  # (3, seeds) final MSE on the noisy training targets, no masks
    noise_floor: float  # the training targets' noise variance: a model that memorised them has train loss 0


def sequence_experiment(seeds: int = 3, keep: float = 0.75, config: Config = CONFIG,
                        on_progress: Callable | None = None) -> SequenceResult:
    """No dropout, fresh masks and one mask per sequence on the recurrent connection, seeds 0..seeds−1: all
    3·seeds RNNs in one program, the test loss measured after each chunk."""
    seeds = check_int("seeds", seeds, 1, 10)
    keep = check_keep("keep", keep)
    x_tr, y_tr, _ = sine_sequences(1, config.seq_train, config)
    x_te, _, c_te = sine_sequences(2, config.seq_test, config)
    kinds = jnp.asarray(np.repeat(np.arange(3), seeds), jnp.int32)
    hp = {"kind": kinds, "keep": jnp.full(3 * seeds, keep, jnp.float32)}
    keys = jnp.stack([seed_key(s, 2) for s in np.tile(np.arange(seeds), 3)])
    x_te, c_te = jnp.asarray(x_te), jnp.asarray(c_te)
    params, curves = _fit(lambda k: rnn_init(k, config), _rnn_loss, keys, hp, (jnp.asarray(x_tr), jnp.asarray(y_tr)),
                          config.rnn_steps, config.rnn_chunks, config.rnn_lr,
                          on_chunk=lambda p: np.asarray(_rnn_test_loss(p, x_te, c_te)), on_progress=on_progress)
    per = config.rnn_steps // config.rnn_chunks
    train = np.asarray(_rnn_test_loss(params, jnp.asarray(x_tr), jnp.asarray(y_tr))).reshape(3, seeds)
    return SequenceResult(np.arange(1, config.rnn_chunks + 1) * per,
                          np.stack(curves, -1).reshape(3, seeds, -1), train, config.seq_noise**2)


def diagram_masks(seed: int, keep: float, steps: int = 8, units: int = 6) -> np.ndarray:
    """(2, steps, units) masks of one sequence for the unrolled diagram: fresh at every step, one per sequence."""
    keep = check_keep("keep", keep)
    key = seed_key(seed, 3)
    return np.stack([np.asarray(recurrent_masks(key, 1, steps, units, jnp.float32(keep), jnp.int32(k)))[:, 0]
                     for k in (1, 2)])


# ================================== depth =====================================================================

def survival(blocks: int, p_last: float, schedule: str) -> np.ndarray:
    """p_l for l = 1..L: constant p_L, or linear p_l = 1 − (l/L)(1 − p_L)."""
    blocks = check_int("blocks", blocks, 1, 64)
    p_last = check_float("p_last", p_last, 0.0, 1.0, open_lo=True)
    check_choice("schedule", schedule, SCHEDULES)
    if schedule == "constant":
        return np.full(blocks, p_last)
    return 1 - np.arange(1, blocks + 1) / blocks * (1 - p_last)


def depth_distribution(p: np.ndarray) -> np.ndarray:
    """P(k blocks kept), k = 0..L, for independent blocks kept with probabilities p (Poisson-binomial)."""
    dist = np.array([1.0])
    for pl in np.asarray(p, float):
        dist = np.convolve(dist, [1 - pl, pl])
    return dist


class DepthSampling(NamedTuple):
    p: np.ndarray  # (L,) survival per block
    expected_depth: float  # Σ p_l
    sampled_depth: float  # mean number of kept blocks over the samples
    sampled_depth_se: float
    dist: np.ndarray  # (L+1,) closed form
    dist_sampled: np.ndarray  # (L+1,)
    full_path: float  # Π p_l: the path through every block
    full_path_sampled: float
    mean_paths: float  # Π (1 + p_l): surviving paths on average (of 2^L)
    mean_paths_sampled: float


def depth_sampling(seed: int, blocks: int, p_last: float, schedule: str, n: int = 20_000) -> DepthSampling:
    """The closed forms of stochastic depth against n sampled block masks."""
    p = survival(blocks, p_last, schedule)
    n = check_int("n", n, 1, 10**6)
    b = np.asarray(jax.random.uniform(seed_key(seed, 4), (n, len(p)))) < p
    k = b.sum(1)
    return DepthSampling(p, float(p.sum()), float(k.mean()), float(k.std() / np.sqrt(n)), depth_distribution(p),
                         np.bincount(k, minlength=len(p) + 1) / n, float(np.prod(p)), float(b.all(1).mean()),
                         float(np.prod(1 + p)), float((2.0 ** k).mean()))


def digits_flat(config: Config = CONFIG):
    """(x_train, y_train, x_test, y_test): 8×8 digits as 64 pixels in [0, 1]; one fixed split for every seed."""
    x, y = _digits_arrays()
    order = np.random.default_rng(0).permutation(len(y))
    tr, te = order[:config.n_train], order[config.n_train:config.n_train + config.n_test]
    return x[tr], y[tr], x[te], y[te]


def res_init(key, config: Config = CONFIG):
    d, L = config.width, config.blocks
    ks = jax.random.split(key, 4)
    return {"win": jax.random.normal(ks[0], (64, d)) * np.sqrt(2 / 64), "bin": jnp.zeros(d),
            "w1": jax.random.normal(ks[1], (L, d, d)) * np.sqrt(2 / d), "c1": jnp.zeros((L, d)),
            "w2": jax.random.normal(ks[2], (L, d, d)) * np.sqrt(1 / d) / np.sqrt(L), "c2": jnp.zeros((L, d)),
            "wout": jax.random.normal(ks[3], (d, 10)) * np.sqrt(1 / d), "bout": jnp.zeros(10)}


def res_forward(params, x, key=None, p=None):
    """Logits; with a key, block l is kept per example with probability p[l] and scaled by 1/p[l] (inverted)."""
    h = x @ params["win"] + params["bin"]
    n = x.shape[0]
    if key is None:
        gates = jnp.ones((params["w1"].shape[0], n, 1))
    else:
        keep = jax.random.uniform(key, (p.shape[0], n, 1)) < p[:, None, None]
        gates = keep / p[:, None, None]

    def block(h, layer):
        w1, c1, w2, c2, g = layer
        return h + g * (jax.nn.relu(h @ w1 + c1) @ w2 + c2), None
    h, _ = lax.scan(block, h, (params["w1"], params["c1"], params["w2"], params["c2"], gates))
    return jax.nn.relu(h) @ params["wout"] + params["bout"]


def _res_loss(params, key, hp, data):
    x, y = data[0], data[1]
    kb, km = jax.random.split(key)
    idx = _batch(kb, x.shape[0], CONFIG.batch)
    return optax.softmax_cross_entropy_with_integer_labels(res_forward(params, x[idx], km, hp["p"]), y[idx]).mean()


@jax.jit
def _res_eval(params, x, y):
    return jax.vmap(lambda p: jnp.mean(jnp.argmax(res_forward(p, x), -1) != y))(params)


class ScheduleResult(NamedTuple):
    p_last: np.ndarray  # (P,) survival of the last block
    errors: np.ndarray  # (2, P, seeds) test error: constant, linear schedule
    expected_depth: np.ndarray  # (2, P)


def schedule_experiment(p_lasts=(0.25, 0.5, 0.75, 1.0), seeds: int = 2, config: Config = CONFIG,
                        on_progress: Callable | None = None) -> ScheduleResult:
    """Test error of the residual MLP for each schedule and survival of the last block, seeds 0..seeds−1, all
    2·P·seeds networks in one program."""
    seeds = check_int("seeds", seeds, 1, 10)
    p_lasts = np.array([check_float("p_lasts", v, 0.0, 1.0, open_lo=True) for v in p_lasts])
    L = config.blocks
    ps = np.stack([[survival(L, v, s) for v in p_lasts] for s in SCHEDULES])  # (2, P, L)
    hp = {"p": jnp.asarray(np.repeat(ps.reshape(-1, L), seeds, 0), jnp.float32)}
    keys = jnp.stack([seed_key(s, 5) for s in np.tile(np.arange(seeds), 2 * len(p_lasts))])
    x_tr, y_tr, x_te, y_te = digits_flat(config)
    params, _ = _fit(lambda k: res_init(k, config), _res_loss, keys, hp, (jnp.asarray(x_tr), jnp.asarray(y_tr)),
                     config.res_steps, 4, config.res_lr, on_progress=on_progress)
    err = np.asarray(_res_eval(params, jnp.asarray(x_te), jnp.asarray(y_te))).reshape(2, len(p_lasts), seeds)
    return ScheduleResult(p_lasts, err, ps.sum(-1))


def main() -> None:
    import time
    t = time.perf_counter()
    s = sequence_experiment(2)
    print(f"sequences (none, fresh, variational): final test MSE {np.round(s.test_loss[:, :, -1].mean(1), 4)} "
          f"({time.perf_counter() - t:.1f} s)")
    d = depth_sampling(0, 8, 0.5, "linear")
    print(f"depth: expected {d.expected_depth:.3f}, sampled {d.sampled_depth:.3f}")
    t = time.perf_counter()
    r = schedule_experiment()
    print(f"schedules: test error {np.round(r.errors.mean(-1), 3)} ({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()
