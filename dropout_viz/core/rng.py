"""Integer seeds to jax.random keys: the one place where a page's seed (and a stream or draw number) becomes
a key, so every page derives its keys the same way.

``key(seed, a, b, ...)`` is ``fold_in(fold_in(PRNGKey(seed), a), b) ...``: the stream numbers fold in left to
right. Changing this function changes every picture in the app, so the tests pin its values.
"""
from __future__ import annotations

import jax

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
