"""Dropout masks: Bernoulli, inverted and standard dropout, Gaussian noise, DropConnect, enumeration.

Convention: ``keep`` is the keep probability q (the drop rate is p = 1 - q). Every random function takes
a ``jax.random`` key as its first argument.
"""
from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from . import system as _system  # noqa: F401  (first: its threefry lowering, see system.py)
from . import checks, rng

# Above this many droppable units an exact ensemble (2^d subnetworks) is refused: 2^20 is about a million
# forward passes, which is as far as an interactive page can go; Monte Carlo answers beyond that.
MAX_EXACT_UNITS = 20


def check_keep(keep, name: str = "keep") -> None:
    """Raise ValueError unless keep is non-empty and every entry lies in (0, 1] (see checks.check_keep)."""
    checks.check_keep(name, keep)


def keep_tuple(keep, n_layers: int) -> tuple[float, ...]:
    """Turn a scalar or per-layer keep into a checked tuple of length n_layers (one per weight layer's input)."""
    if np.ndim(keep) == 0:
        keep = (float(keep),) * n_layers
    keep = tuple(float(k) for k in keep)
    if len(keep) != n_layers:
        raise ValueError(f"keep needs one value per weight layer ({n_layers}), got {len(keep)}")
    check_keep(keep)
    return keep


def bernoulli_mask(key, keep, shape) -> jax.Array:
    """0/1 float32 mask, each entry 1 with probability keep (keep broadcasts against shape)."""
    return (jax.random.uniform(key, shape) < keep).astype(jnp.float32)


def bernoulli_mask_np(key, keep, shape) -> np.ndarray:
    """``bernoulli_mask`` outside a jitted program, as NumPy float32: the same mask, bit for bit, without a compiled
    program for each new shape (rng.uniform_np)."""
    return (rng.uniform_np(key, shape) < np.asarray(keep, np.float32)).astype(np.float32)


def inverted_dropout(key, x, keep) -> jax.Array:
    """Training-time inverted dropout: kept entries are scaled by 1/q, so E[output] = x."""
    mask = jax.random.uniform(key, jnp.shape(x)) < keep
    return jnp.where(mask, x / keep, 0.0)


def standard_dropout(key, x, keep) -> jax.Array:
    """Training-time standard dropout: kept entries unchanged, so E[output] = q x (scale by q at test)."""
    mask = jax.random.uniform(key, jnp.shape(x)) < keep
    return jnp.where(mask, x, 0.0)


def gaussian_noise(key, x, keep) -> jax.Array:
    """Multiplicative Gaussian noise x * (1 + s eps), s^2 = (1-q)/q: the mean and variance of inverted dropout."""
    eps = jax.random.normal(key, jnp.shape(x))
    return x * (1.0 + jnp.sqrt((1.0 - keep) / keep) * eps)


def dropconnect(key, w, keep) -> jax.Array:
    """DropConnect on a weight matrix: each weight kept with probability q and scaled by 1/q (inverted)."""
    return inverted_dropout(key, w, keep)


def enumerate_masks(d: int) -> np.ndarray:
    """All 2^d binary masks as a (2^d, d) float32 array; row i holds the bits of i (bit j -> unit j)."""
    d = checks.check_int("d", d, 0, MAX_EXACT_UNITS)
    ids = np.arange(2**d, dtype=np.int64)[:, None]
    return ((ids >> np.arange(d)) & 1).astype(np.float32)


def mask_log_prob(masks, keep_per_unit) -> jax.Array:
    """log p(mask) for independent Bernoulli units: sum_j m_j log q_j + (1 - m_j) log(1 - q_j).

    Units with q_j = 1 must have m_j = 1 (they contribute 0).
    """
    q = jnp.asarray(keep_per_unit, jnp.float32)
    log_q = jnp.log(q)
    log_1mq = jnp.where(q < 1.0, jnp.log1p(-jnp.minimum(q, 1.0 - 1e-7)), 0.0)
    return masks @ log_q + (1.0 - masks) @ log_1mq


def mask_prob(masks, keep_per_unit) -> np.ndarray:
    """p(mask) for each row of masks (NumPy in, NumPy out, float64 for display)."""
    checks.check_keep("keep_per_unit", keep_per_unit)
    q = np.asarray(keep_per_unit, np.float64)
    m = checks.check_array("masks", masks, nonempty=False)
    if q.ndim == 1 and (m.ndim == 0 or m.shape[-1] != q.size):
        raise ValueError(f"masks must have {q.size} columns (one per entry of keep_per_unit), got shape {m.shape}")
    return np.prod(np.where(m > 0.5, q, 1.0 - q), axis=-1)


def droppable(sizes: Sequence[int], keep: Sequence[float]) -> list[int]:
    """Number of droppable units per weight layer's input: sizes[i] if keep[i] < 1 else 0."""
    if len(keep) != len(sizes) - 1:
        raise ValueError(f"keep needs {len(sizes) - 1} values (one per weight layer), got {len(keep)}")
    check_keep(keep)
    sizes = [checks.check_int(f"sizes[{i}]", n, 1) for i, n in enumerate(sizes)]
    return [int(n) if k < 1.0 else 0 for n, k in zip(sizes[:-1], keep)]


def n_subnetworks_log2(sizes: Sequence[int], keep: Sequence[float]) -> int:
    """d, the number of droppable units; there are 2^d subnetworks."""
    return int(sum(droppable(sizes, keep)))


def sample_layer_masks(key, sizes: Sequence[int], keep: Sequence[float], batch=None) -> list[jax.Array]:
    """One 0/1 mask per weight layer's input units, shape (batch, sizes[i]) or (sizes[i],) if batch is None."""
    # A barrier between the hashes (identity on the values): fused with the key's own derivation (a fold_in)
    # and the draws into one kernel, the chain compiles several times as slowly as in pieces.
    keys = jax.lax.optimization_barrier(jax.random.split(jax.lax.optimization_barrier(key), len(sizes) - 1))
    out = []
    for k_i, n, q in zip(keys, sizes[:-1], keep):
        shape = (n,) if batch is None else (batch, n)
        out.append(bernoulli_mask(k_i, q, shape))
    return out


def sample_layer_masks_np(key, sizes: Sequence[int], keep: Sequence[float], batch=None) -> list[np.ndarray]:
    """``sample_layer_masks`` outside a jitted program, as NumPy float32: the same masks, bit for bit, from a few
    compiled programs whatever the sizes and batch (rng.uniform_np), not a handful for each new shape."""
    keys = rng.split_np(key, len(sizes) - 1)
    return [bernoulli_mask_np(k_i, q, (n,) if batch is None else (batch, n))
            for k_i, n, q in zip(keys, sizes[:-1], keep)]
