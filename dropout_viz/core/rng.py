"""Integer seeds to jax.random keys: the one place where a page's seed (and a stream or draw number) becomes
a key, so every page derives its keys the same way.

``key(seed, a, b, ...)`` is ``fold_in(fold_in(PRNGKey(seed), a), b) ...``: the stream numbers fold in left to
right. Changing this function changes every picture in the app, so the tests pin its values.
"""
from __future__ import annotations

import math
from functools import partial

import jax
import numpy as np

from . import system as _system  # noqa: F401  (first: its threefry lowering, see system.py)
from .checks import check_int


def key(seed: int, *folds: int) -> jax.Array:
    """PRNGKey(seed) folded with each of folds in turn (e.g. an experiment's stream, then a draw counter).

    Args:
      seed: any integer (the page's seed; NumPy integers are fine).
      folds: integers in [0, 2^32 - 1], folded in left to right.
    """
    k = jax.random.PRNGKey(check_int("seed", seed))
    for i, f in enumerate(folds):
        k = jax.random.fold_in(k, check_int(f"folds[{i}]", f, 0, 2**32 - 1))
    return k


def fast_key(seed: int, *folds: int) -> jax.Array:
    """Like ``key``, but with XLA's "rbg" generator: it compiles and runs several times faster on a CPU than the
    default threefry, which matters where a training step's masks are most of a small network's random numbers
    (the batch-norm lesson). Its streams differ from ``key``'s: a lesson uses one or the other throughout."""
    seed = check_int("seed", seed, 0, 2**32 - 1)
    return fast_key_traced(seed, *(check_int(f"folds[{i}]", f, 0, 2**32 - 1) for i, f in enumerate(folds)))


def fast_key_traced(seed, *folds) -> jax.Array:
    """``fast_key`` without the checks, for use inside a jitted program where the seed is a traced value (check
    it where it enters, as fast_key does): the same key, and no small programs of its own to compile."""
    k = jax.random.key(seed, impl="rbg")
    for f in folds:
        k = jax.random.fold_in(k, f)
    return k


# --- eager draws of any shape from a few compiled programs ----------------------------------------------------
#
# Called outside a jitted program, jax.random.uniform(key, shape) compiles a program for each new shape (and the
# comparison and cast after it one each): about 2.7 MB of resident memory per shape on a CPU (measured), which a
# server paid for every slider value that changes a shape (the start-up walk: hundreds; Inside's paths alone,
# each width and depth, some 500 MB). With JAX's partitionable threefry (its default), a draw of shape S holds
# the first prod(S) values of a longer 1-D draw from the same key, in row-major order, and split(key, n) the
# first n keys of split(key, m > n). So these draw a block whose length is a power of two and cut it in NumPy:
# the same values, bit for bit (tests/core/test_rng.py), from one program per block length.

MIN_BLOCK = 64


def _block(n: int) -> int:
    return max(MIN_BLOCK, 1 << max(0, n - 1).bit_length())


@partial(jax.jit, static_argnames=("n",))
def _uniform_block(key, n: int):
    return jax.random.uniform(key, (n,))


@partial(jax.jit, static_argnames=("n",))
def _normal_block(key, n: int):
    return jax.random.normal(key, (n,))


@partial(jax.jit, static_argnames=("n",))
def _split_block(key, n: int):
    return jax.random.split(key, n)


def _shape(shape) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    out = tuple(int(s) for s in shape)
    if any(s < 0 for s in out):
        raise ValueError(f"shape must hold sizes >= 0, got {shape}")
    return out


def _prefix_draws() -> bool:
    return bool(jax.config.jax_threefry_partitionable)


def _draw(block, draw, key, shape) -> np.ndarray:
    shape = _shape(shape)
    if not _prefix_draws():
        return np.asarray(draw(key, shape))
    n = math.prod(shape)
    return np.asarray(block(key, _block(n)))[:n].reshape(shape)


def uniform_np(key, shape) -> np.ndarray:
    """``np.asarray(jax.random.uniform(key, shape))`` (float32 in [0, 1)), without a program per shape."""
    return _draw(_uniform_block, jax.random.uniform, key, shape)


def normal_np(key, shape) -> np.ndarray:
    """``np.asarray(jax.random.normal(key, shape))`` (float32), without a program per shape."""
    return _draw(_normal_block, jax.random.normal, key, shape)


def split_np(key, n: int):
    """``jax.random.split(key, n)``, without a program per n: for a raw key (``key``'s uint32 pair) an (n, 2)
    NumPy array of keys (cut in NumPy: a cut of a JAX array compiles per length too)."""
    n = check_int("n", n, 1)
    typed = jax.dtypes.issubdtype(getattr(key, "dtype", np.uint32), jax.dtypes.prng_key)
    if typed or not _prefix_draws():
        return jax.random.split(key, n)
    return np.asarray(_split_block(key, _block(n)))[:n]
