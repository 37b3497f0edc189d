"""MLP as plain functions of params: a list of (W, b) with W shaped (fan_in, fan_out)."""
from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from . import system as _system  # noqa: F401  (first: its threefry lowering, see system.py)
from . import checks

ACTIVATIONS = {
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "linear": lambda a: a,
}

# Output heads. Everything downstream works with class logits, so a single sigmoid unit z becomes the
# two logits (0, z): softmax((0, z)) = (1 - sigmoid(z), sigmoid(z)).
HEADS = ("softmax", "sigmoid", "identity")

MAX_LAYERS = 8  # weight layers a page may ask for
MAX_WIDTH = 256


def check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """Validate layer widths (input, hidden..., output)."""
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or len(sizes) - 1 > MAX_LAYERS:
        raise ValueError(f"sizes needs 2 to {MAX_LAYERS + 1} layers (input ... output), got {len(sizes)}")
    if any(s < 1 or s > MAX_WIDTH for s in sizes):
        raise ValueError(f"every layer size must lie in [1, {MAX_WIDTH}], got {list(sizes)}")
    return sizes


def check_activation(activation: str) -> None:
    """Raise ValueError unless activation names one of ACTIVATIONS (the one check every layer uses)."""
    checks.check_choice("activation", activation, ACTIVATIONS)


def init_mlp(key, sizes: Sequence[int], activation: str = "relu") -> list[tuple[jax.Array, jax.Array]]:
    """He (ReLU) or Glorot (others) normal init; biases zero.

    Returns a list of (W (fan_in, fan_out), b (fan_out,)) float32 pairs.
    """
    sizes = check_sizes(sizes)
    check_activation(activation)
    params = []
    # The barrier (identity on the values) keeps the split and the draws apart: fused, they compile slowly.
    keys = jax.lax.optimization_barrier(jax.random.split(key, len(sizes) - 1))
    for k, (n_in, n_out) in zip(keys, zip(sizes[:-1], sizes[1:])):
        # He init keeps ReLU activations' scale through depth; Glorot suits the saturating ones.
        std = np.sqrt(2.0 / n_in) if activation == "relu" else np.sqrt(2.0 / (n_in + n_out))
        params.append((std * jax.random.normal(k, (n_in, n_out), jnp.float32), jnp.zeros(n_out, jnp.float32)))
    return params


def sizes_of(params) -> tuple[int, ...]:
    """Layer widths (input, hidden..., output) of params."""
    return tuple([params[0][0].shape[0]] + [w.shape[1] for w, _ in params])


def forward(params, x, masks=None, keep=None, *, activation: str = "relu", inverted: bool = True):
    """Logits (or regression output) of the MLP.

    Args:
      params: list of (W, b).
      x: (n, fan_in) inputs.
      masks: None, or one entry per weight layer, each None or a 0/1 array broadcastable to that layer's
        input (n, fan_in): (fan_in,) shares one mask over the batch, (n, fan_in) gives each example its own,
        and (k, 1, fan_in) with x broadcast evaluates k subnetworks at once.
      keep: per-layer keep probabilities, needed when inverted=True and masks are given (kept units are
        scaled by 1/q).
      inverted: inverted dropout (scale by 1/q while training) or standard (no scaling).
    Returns:
      (..., n, fan_out_last) pre-head outputs.
    """
    act = ACTIVATIONS[activation]
    h = x
    last = len(params) - 1
    for i, (w, b) in enumerate(params):
        if masks is not None and masks[i] is not None:
            m = masks[i]
            h = h * (m / keep[i]) if inverted else h * m
        h = h @ w + b
        if i < last:
            h = act(h)
    return h


def head_logits(out, head: str):
    """Turn the network's raw output into class logits for the head (identity: returned unchanged)."""
    if head == "sigmoid":
        return jnp.concatenate([jnp.zeros_like(out), out], axis=-1)
    if head in ("softmax", "identity"):
        return out
    raise ValueError(f"head must be one of {HEADS}, got {head!r}")


def scale_weights(params, keep):
    """Weight scaling rule for standard dropout: multiply each layer's outgoing weights by its keep q."""
    return [(w * q, b) for (w, b), q in zip(params, keep)]


def to_numpy(params) -> list[tuple[np.ndarray, np.ndarray]]:
    """params as NumPy arrays (for figures and JSON)."""
    return [(np.asarray(w), np.asarray(b)) for w, b in params]
