"""Probes of a dropout network from the inside: unit ablation, path survival, Jensen's gap, flat minima.

Conventions (docs/ARCHITECTURE.md): ``keep`` is the keep probability q, the drop rate is p = 1 - q; inverted dropout
(kept units scaled by 1/q while training) unless ``inverted=False``. Every random function takes a
``jax.random`` key first. Everything returns NumPy; nothing here imports streamlit.

- Co-adaptation: ``train_pair`` trains a network without and with dropout in one vmapped computation;
  ``unit_ablation`` zeroes a growing random fraction of the hidden units (no rescaling of the others).
- Paths: ``path_survival`` = q_in * q^L and ``any_path_survival`` = prod_l (1 - (1 - q_l)^{n_l}), checked by
  ``sample_path_survival`` on masks from dropout_viz.core.masks.
- Jensen's gap for one unit z = b + sum_j w_j x_j m_j s (s = 1/q inverted, 1 standard): closed forms
  ``preactivation_moments``, exact enumeration ``jensen_exact``, Monte Carlo ``jensen_mc``.
- Flat minima: ``loss_along_directions`` along filter-normalised random directions (Li et al. 2018).
"""
from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dropout_viz.core import checks, rng
from dropout_viz.core import masks as masks_mod
from dropout_viz.core import train as train_mod
from dropout_viz.core.network import ACTIVATIONS, check_sizes, forward, sizes_of

MAX_ORDERS = 200
MAX_DEPTH = 64
MAX_PATH_SAMPLES = 200_000
MAX_JENSEN_D = 16  # 2^16 subnetworks of one unit enumerate in milliseconds
MAX_JENSEN_SAMPLES = 1_000_000
MAX_DIRECTIONS = 64
MAX_STEPS = 20_000


def _check_int(value, name: str, lo: int, hi: int) -> int:
    """value as an int in [lo, hi], else ValueError naming it (the shared rule of checks.check_int)."""
    return checks.check_int(name, value, lo, hi)


def _check_q(q, name: str) -> float:
    """A keep probability in (0, 1]."""
    masks_mod.check_keep([q], name)
    return float(q)


def _as_params(params):
    """Plain list of (W, b) float32 jax arrays (accepts NumPy or tuples)."""
    return [(jnp.asarray(w, jnp.float32), jnp.asarray(b, jnp.float32)) for w, b in params]


def summarize(values) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over the first axis (repeats: orders, directions): two (T,) arrays."""
    v = np.asarray(values, np.float64)
    if v.ndim != 2 or v.shape[0] < 1:
        raise ValueError(f"values must have shape (repeats, T), got {v.shape}")
    return v.mean(axis=0), v.std(axis=0)


# --- co-adaptation -------------------------------------------------------------------------------------


class PairResult(NamedTuple):
    """Two models trained together: index 0 without dropout, index 1 with dropout."""

    params: list  # [(W, b)] with a leading model axis of 2: W (2, fan_in, fan_out), b (2, fan_out)
    eval_step: np.ndarray  # (T,) steps at which train/test were evaluated
    train_acc: np.ndarray  # (2, T) accuracy of the full (weight-scaled) network
    test_acc: np.ndarray  # (2, T)
    train_loss: np.ndarray  # (2, T) cross-entropy, no penalty
    test_loss: np.ndarray  # (2, T)


def pair_config(sizes, steps: int) -> train_mod.TrainConfig:
    """The static training setup of ``train_pair``: Adam, batch 32, evaluation once per chunk."""
    sizes = check_sizes(sizes)
    steps = _check_int(steps, "steps", 100, MAX_STEPS)
    # Chunks of 100 steps with one evaluation each: curves with 20-ish points, and evaluation (a full pass
    # over both splits) stays a small share of the cost. steps must be a multiple of the chunk.
    if steps % 100:
        raise ValueError(f"steps must be a multiple of 100, got {steps}")
    return train_mod.TrainConfig(sizes=sizes, chunk=100, eval_every=100, batch_size=32, optimizer="adam")


def train_pair(key, x_train, y_train, x_test, y_test, sizes, keep, *, steps: int = 2000, lr: float = 1e-3,
               keep_input: float = 1.0, on_progress=None) -> PairResult:
    """Train the same network without dropout and with dropout, as one vmapped computation.

    Both models share the key: same initial weights, same minibatches (train.init_states).

    Args:
      sizes: (inputs, hidden..., classes); the network has len(sizes) - 2 hidden layers.
      keep: keep probability q of the hidden units of the dropout model.
      keep_input: keep probability of the input units of the dropout model (1.0: inputs never dropped).
      steps: training steps, a multiple of 100 in [100, 20000].
      on_progress: called with (chunks of 100 steps done, chunks in all) after each chunk.
    Returns:
      PairResult; model 0 trained with keep 1.0 everywhere, model 1 with (keep_input, q, ..., q).
    """
    config = pair_config(sizes, steps)
    q = _check_q(keep, "keep")
    q_in = _check_q(keep_input, "keep_input")
    n_layers = config.n_layers
    data = train_mod.make_data(x_train, y_train, x_test, y_test, config)
    hps = train_mod.stack([train_mod.hyper(1.0, lr, n_layers=n_layers),
                           train_mod.hyper((q_in,) + (q,) * (n_layers - 1), lr, n_layers=n_layers)])
    states = train_mod.init_states(key, config, 2, data, hps)  # the training program compiles alongside
    states, hist = train_mod.train(states, data, hps, config, steps // config.chunk, on_progress=on_progress)
    params = [(np.asarray(w), np.asarray(b)) for w, b in states.params]
    return PairResult(params, hist["eval_step"][0], hist["train_acc"], hist["test_acc"], hist["train_loss"],
                      hist["test_loss"])


def model(params, i: int) -> list:
    """Model i of stacked params (leading model axis)."""
    return [(w[i], b[i]) for w, b in params]


def ablation_masks(key, widths, fractions, n_orders: int) -> list[np.ndarray]:
    """Keep-masks that remove a growing fraction of each hidden layer, along n_orders random orders.

    In order r, layer l's units are ranked by a random permutation; at fraction f the first
    round(f * width_l) ranked units are removed. Removal is nested: a unit removed at f stays removed at
    every larger f of the same order.

    Args:
      widths: widths of the hidden layers.
      fractions: (F,) removed fractions in [0, 1].
    Returns:
      One (n_orders, F, width_l) float32 0/1 array per hidden layer (1 = unit kept).
    """
    n_orders = _check_int(n_orders, "n_orders", 1, MAX_ORDERS)
    f = np.asarray(fractions, np.float64).reshape(-1)
    if f.size == 0 or np.any(~np.isfinite(f)) or np.any(f < 0) or np.any(f > 1):
        raise ValueError(f"fractions must be values in [0, 1], got {f.tolist()}")
    out = []
    for k, width in zip(jax.random.split(key, len(widths)), widths):
        # argsort of uniforms = a random permutation per order; ranks[r, j] = position of unit j in order r.
        ranks = np.argsort(np.argsort(rng.uniform_np(k, (n_orders, int(width))), axis=1), axis=1)
        n_removed = np.rint(f * width).astype(np.int64)  # (F,)
        out.append((ranks[:, None, :] >= n_removed[None, :, None]).astype(np.float32))
    return out


@partial(jax.jit, static_argnames=("activation",))
def _masked_accuracy(params, x, y, layer_masks, *, activation):
    """Accuracy of the network with hidden-unit masks (k, width_l) applied without rescaling: (k,)."""
    ms = [None] + [m[:, None, :] for m in layer_masks]  # masks on the inputs of layers 1.. = hidden units
    logits = forward(params, x[None], ms, activation=activation, inverted=False)
    return jnp.mean(jnp.argmax(logits, -1) == y[None], axis=-1)


def unit_ablation(key, params, x, y, fractions, n_orders: int = 20, *, activation: str = "relu") -> np.ndarray:
    """Test accuracy as a growing random fraction of hidden units is zeroed (others NOT rescaled).

    The same key gives the same removal orders for any network of the same hidden widths, so two
    models compared with one key lose exactly the same units.

    Args:
      params: one model's list of (W, b); at least one hidden layer.
      x: (n, inputs); y: (n,) integer labels.
      fractions: (F,) removed fractions of every hidden layer, in [0, 1].
    Returns:
      (n_orders, F) accuracy.
    """
    params = _as_params(params)
    sizes = sizes_of(params)
    if len(sizes) < 3:
        raise ValueError("params must have at least one hidden layer to ablate")
    checks.check_choice("activation", activation, ACTIVATIONS)
    x = jnp.asarray(x, jnp.float32)
    if x.ndim != 2 or x.shape[1] != sizes[0]:
        raise ValueError(f"x must have shape (n, {sizes[0]}), got {tuple(x.shape)}")
    y = jnp.asarray(y, jnp.int32)
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    hidden = ablation_masks(key, sizes[1:-1], fractions, n_orders)
    n_f = hidden[0].shape[1]
    flat = [jnp.asarray(m.reshape(n_orders * n_f, -1)) for m in hidden]
    acc = _masked_accuracy(params, x, y, flat, activation=activation)
    return np.asarray(acc).reshape(n_orders, n_f)


# --- paths -----------------------------------------------------------------------------------------------


def path_survival(keep, depth, keep_input: float = 1.0):
    """P(one given input-to-output path survives) = q_in * q^L for L hidden layers (outputs never dropped).

    Args:
      keep: keep probability q of every hidden unit.
      depth: L, the number of hidden layers (scalar or array).
      keep_input: keep probability of the input units (1.0 when inputs are not dropped).
    """
    q = _check_q(keep, "keep")
    q_in = _check_q(keep_input, "keep_input")
    depth = checks.check_array("depth", depth, nonempty=False)
    if np.any(depth < 0):
        raise ValueError(f"depth must be >= 0, got {depth.tolist()}")
    return q_in * q**depth


def any_path_survival(keep, depth, width: int, *, keep_input: float = 1.0, n_inputs: int = 1):
    """P(at least one input-to-output path survives) in a fully connected net of L hidden layers of width n.

    A path exists iff every dropped layer keeps a unit: prod over hidden layers (1 - (1 - q)^n), times
    (1 - (1 - q_in)^{n_inputs}) when inputs are dropped.
    """
    q = _check_q(keep, "keep")
    q_in = _check_q(keep_input, "keep_input")
    width = _check_int(width, "width", 1, 4096)
    n_inputs = _check_int(n_inputs, "n_inputs", 1, 4096)
    depth = checks.check_array("depth", depth, nonempty=False)
    if np.any(depth < 0):
        raise ValueError(f"depth must be >= 0, got {depth.tolist()}")
    return (1.0 - (1.0 - q_in) ** n_inputs) * (1.0 - (1.0 - q) ** width) ** depth


class PathSample(NamedTuple):
    """Monte Carlo estimates per depth L = 1..max_depth, each (max_depth,), and their standard errors."""

    depth: np.ndarray
    one_path: np.ndarray  # fraction of masks in which the path through unit 0 of every layer survives
    one_path_se: np.ndarray
    any_path: np.ndarray  # fraction of masks in which some input still reaches the output
    any_path_se: np.ndarray


def sample_path_survival(key, max_depth: int, width: int, keep, n_samples: int, *, keep_input: float = 1.0,
                         n_inputs: int = 2) -> PathSample:
    """Sample dropout masks of a deep net (masks.sample_layer_masks) and count surviving paths.

    One network of max_depth hidden layers is sampled; depth L uses its input layer and first L hidden
    layers. "Some path survives" is found by propagating reachability through the fully connected
    layers (reach_{l+1} = kept_{l+1} AND any(reach_l)), not by the product formula it checks.
    """
    max_depth = _check_int(max_depth, "max_depth", 1, MAX_DEPTH)
    width = _check_int(width, "width", 1, 256)
    n_inputs = _check_int(n_inputs, "n_inputs", 1, 256)
    n_samples = _check_int(n_samples, "n_samples", 10, MAX_PATH_SAMPLES)
    q = _check_q(keep, "keep")
    q_in = _check_q(keep_input, "keep_input")
    sizes = (n_inputs,) + (width,) * max_depth + (1,)
    # NumPy draws (the same masks as sample_layer_masks): no compiled program for each width, depth and count.
    layer_masks = [m > 0.5 for m in
                   masks_mod.sample_layer_masks_np(key, sizes, (q_in,) + (q,) * max_depth, batch=n_samples)]
    one = layer_masks[0][:, 0].copy()
    reach = layer_masks[0].any(axis=1)  # some input unit is kept
    ones, anys = [], []
    for m in layer_masks[1:]:
        one &= m[:, 0]
        # Fully connected: a kept unit of this layer is reached iff some unit of the previous layer is.
        reach = (m & reach[:, None]).any(axis=1)
        ones.append(one.mean())
        anys.append(reach.mean())
    ones, anys = np.array(ones), np.array(anys)
    se = lambda p: np.sqrt(p * (1.0 - p) / n_samples)  # noqa: E731 - binomial standard error
    return PathSample(np.arange(1, max_depth + 1), ones, se(ones), anys, se(anys))


# --- Jensen's gap ----------------------------------------------------------------------------------------


def jensen_unit(key, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights w ~ N(0, 1/d) and inputs x ~ N(0, 1) of one unit with d inputs (so w.x has variance ~1)."""
    d = _check_int(d, "d", 1, MAX_JENSEN_D)
    kw, kx = jax.random.split(key)
    w = rng.normal_np(kw, (d,)).astype(np.float64) / np.sqrt(d)  # jax.random.normal's values, no program per d
    x = rng.normal_np(kx, (d,)).astype(np.float64)
    return w, x


def _check_unit(w, x):
    w = checks.check_array("w", w, nonempty=False).reshape(-1)
    x = checks.check_array("x", x, nonempty=False).reshape(-1)
    if w.shape != x.shape or w.size == 0:
        raise ValueError(f"w and x must be non-empty vectors of the same length, got {w.shape} and {x.shape}")
    return w, x


def preactivation_moments(w, x, keep, *, bias: float = 0.0, inverted: bool = True) -> tuple[float, float]:
    """Closed-form mean and variance of z = b + sum_j w_j x_j m_j s, m_j ~ Bernoulli(q) independent.

    Inverted (s = 1/q): E z = b + w.x,   Var z = ((1 - q) / q) sum_j w_j^2 x_j^2.
    Standard (s = 1):   E z = b + q w.x, Var z = q (1 - q) sum_j w_j^2 x_j^2.
    For f(z) = z^2 the Jensen gap E[f(z)] - f(E z) equals Var z.
    """
    w, x = _check_unit(w, x)
    q = _check_q(keep, "keep")
    bias = checks.check_float("bias", bias)
    s2 = float(np.sum(w**2 * x**2))
    if inverted:
        return float(bias + w @ x), (1.0 - q) / q * s2
    return float(bias + q * (w @ x)), q * (1.0 - q) * s2


def _gap_stats(z, prob) -> dict:
    """Weighted moments of z and the Jensen gaps of z^2 and ReLU (prob sums to 1)."""
    mean = float(prob @ z)
    e_sq = float(prob @ z**2)
    e_relu = float(prob @ np.maximum(z, 0.0))
    return {"mean": mean, "var": float(prob @ (z - mean) ** 2), "e_sq": e_sq, "sq_of_mean": mean**2,
            "gap_sq": e_sq - mean**2, "e_relu": e_relu, "relu_of_mean": max(mean, 0.0),
            "gap_relu": e_relu - max(mean, 0.0)}


def _preactivations(w, x, m, q, bias, inverted):
    scale = 1.0 / q if inverted else 1.0
    return bias + (m * scale) @ (w * x)


def jensen_exact(w, x, keep, *, bias: float = 0.0, inverted: bool = True) -> dict:
    """Jensen's gap of one unit by enumerating all 2^d masks of its d inputs, weighted by p(mask).

    Returns a dict: "z" (2^d,) pre-activations, "prob" (2^d,) p(mask), and the floats "mean", "var",
    "e_sq" = E[z^2], "sq_of_mean" = (E z)^2, "gap_sq", "e_relu" = E[relu z], "relu_of_mean", "gap_relu".
    E z is also the pre-activation of the weight-scaled unit (full input; standard dropout scales w by q).
    """
    w, x = _check_unit(w, x)
    q = _check_q(keep, "keep")
    bias = checks.check_float("bias", bias)
    if w.size > MAX_JENSEN_D:
        raise ValueError(f"d must be at most {MAX_JENSEN_D} to enumerate 2^d masks, got {w.size}")
    m = masks_mod.enumerate_masks(w.size).astype(np.float64)
    prob = masks_mod.mask_prob(m, np.full(w.size, q))
    z = _preactivations(w, x, m, q, bias, inverted)
    return {"z": z, "prob": prob, **_gap_stats(z, prob)}


def jensen_mc(key, w, x, keep, k: int, *, bias: float = 0.0, inverted: bool = True) -> dict:
    """Jensen's gap of one unit from k sampled masks (equal weights 1/k); same keys as jensen_exact."""
    w, x = _check_unit(w, x)
    q = _check_q(keep, "keep")
    bias = checks.check_float("bias", bias)
    k = _check_int(k, "k", 1, MAX_JENSEN_SAMPLES)
    m = masks_mod.bernoulli_mask_np(key, q, (k, w.size)).astype(np.float64)
    z = _preactivations(w, x, m, q, bias, inverted)
    return {"z": z, "prob": np.full(k, 1.0 / k), **_gap_stats(z, np.full(k, 1.0 / k))}


def jensen_gap_sweep(w, x, keeps, *, bias: float = 0.0, inverted: bool = True) -> dict:
    """Closed-form and enumerated gaps over several keep values: each entry (len(keeps),).

    Keys: "keep", "closed_sq" (= Var z), "exact_sq", "exact_relu".
    """
    keeps = checks.check_array("keeps", keeps, finite=False).reshape(-1)
    masks_mod.check_keep(keeps, "keeps")
    w, x = _check_unit(w, x)
    closed, ex_sq, ex_relu = [], [], []
    for q in keeps:
        closed.append(preactivation_moments(w, x, q, bias=bias, inverted=inverted)[1])
        ex = jensen_exact(w, x, q, bias=bias, inverted=inverted)
        ex_sq.append(ex["gap_sq"])
        ex_relu.append(ex["gap_relu"])
    return {"keep": keeps, "closed_sq": np.array(closed), "exact_sq": np.array(ex_sq),
            "exact_relu": np.array(ex_relu)}


# --- flat minima -----------------------------------------------------------------------------------------


def filter_normalized_direction(key, params) -> list:
    """A Gaussian direction with each filter rescaled to the norm of the matching filter of params.

    Li et al. (2018), "Visualizing the Loss Landscape of Neural Nets": a filter of a dense layer is one
    unit's incoming weights, the column W[:, j]. Matching norms makes directions comparable between
    networks whose weights have different scales. Bias directions are zero, as in the paper.
    """
    out = []
    # In NumPy (jax.random's draws through rng.normal_np): eager JAX ops compiled a program for every layer shape.
    for k, (w, b) in zip(rng.split_np(key, len(params)), params):
        w = np.asarray(w, np.float32)
        d = rng.normal_np(k, w.shape)
        d = d * (np.linalg.norm(w, axis=0) / (np.linalg.norm(d, axis=0) + np.float32(1e-12)))
        out.append((d.astype(np.float32), np.zeros(np.shape(b), np.float32)))
    return out


@partial(jax.jit, static_argnames=("activation",))
def _slice_losses(params, directions, x, y, ts, *, activation):
    """Cross-entropy of the full network at params + t * direction: (n_dirs, n_t)."""

    def loss_at(direction, t):
        moved = [(w + t * dw, b + t * db) for (w, b), (dw, db) in zip(params, direction)]
        logits = forward(moved, x, activation=activation)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    return jax.vmap(lambda d: jax.vmap(lambda t: loss_at(d, t))(ts))(directions)


def loss_along_directions(key, params, x, y, ts, n_dirs: int = 8, *, activation: str = "relu") -> np.ndarray:
    """Loss of the full (deterministic) network along n_dirs filter-normalised random 1-D slices.

    Args:
      params: one model's list of (W, b).
      x: (n, inputs); y: (n,) integer labels.
      ts: (T,) step sizes; t = 1 moves every filter by its own norm. t = 0 is the trained network.
    Returns:
      (n_dirs, T) mean cross-entropy (no penalty). The same key gives the same raw Gaussian directions
      for networks of the same shape (then rescaled to each network's filters).
    """
    params = _as_params(params)
    sizes = sizes_of(params)
    n_dirs = _check_int(n_dirs, "n_dirs", 1, MAX_DIRECTIONS)
    checks.check_choice("activation", activation, ACTIVATIONS)
    x = jnp.asarray(x, jnp.float32)
    if x.ndim != 2 or x.shape[1] != sizes[0]:
        raise ValueError(f"x must have shape (n, {sizes[0]}), got {tuple(x.shape)}")
    y = jnp.asarray(y, jnp.int32)
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    ts = np.asarray(ts, np.float64).reshape(-1)
    if ts.size == 0 or not np.all(np.isfinite(ts)):
        raise ValueError("ts must be a non-empty array of finite step sizes")
    dirs = [filter_normalized_direction(k_d, params) for k_d in rng.split_np(key, n_dirs)]
    stacked = [tuple(np.stack([d[i][j] for d in dirs]) for j in (0, 1)) for i in range(len(params))]
    return np.asarray(_slice_losses(params, stacked, x, y, jnp.asarray(ts, jnp.float32), activation=activation))


def loss_rise(losses, ts) -> float:
    """Mean over directions of (average loss at the two ends of the slice) - (loss at t = 0).

    Args:
      losses: (n_dirs, T) from loss_along_directions; ts: (T,) with 0 on the grid.
    """
    losses = np.asarray(losses, np.float64)
    ts = np.asarray(ts, np.float64).reshape(-1)
    if losses.ndim != 2 or losses.shape[1] != ts.size:
        raise ValueError(f"losses must have shape (n_dirs, {ts.size}), got {losses.shape}")
    centre = int(np.argmin(np.abs(ts)))
    if abs(ts[centre]) > 1e-9 * max(1.0, float(np.max(np.abs(ts)))):
        raise ValueError("ts must contain t = 0 (the trained weights)")
    ends = 0.5 * (losses[:, 0] + losses[:, -1])
    return float(np.mean(ends - losses[:, centre]))
