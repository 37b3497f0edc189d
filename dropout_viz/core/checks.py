"""Argument checks shared by the library: each raises ValueError naming the argument, what is allowed and
what was given (long values cut to about 60 characters), so a page can show the message as it is.

Every check returns the value in canonical form (an int, a float, a float64 array, a tuple of keeps), so a
caller writes ``n = check_int("n", n, 1, 100)`` and moves on. Nothing here imports jax or streamlit.
"""
from __future__ import annotations

import math
import operator
from typing import Iterable

import numpy as np


def check_int(name: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """value as an int in [lo, hi] (either bound may be None: unbounded).

    One rule for every integer argument: Python and NumPy integers (anything with __index__) pass;
    booleans, floats (2.0 included: a float count is almost always a slip), NaN and strings do not.
    """
    span = _int_span(lo, hi)
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer {span}, got {short_repr(value)}") from None
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise ValueError(f"{name} must be {span}, got {number}")
    return number


def check_count(name: str, n, lo: int = 0, hi: int | None = None) -> int:
    """A count: an integer >= lo (0 unless told), at most hi when given."""
    return check_int(name, n, lo, hi)


def check_float(name: str, value, lo: float | None = None, hi: float | None = None, *,
                open_lo: bool = False, open_hi: bool = False) -> float:
    """value as a finite float in the interval lo..hi (closed unless open_lo / open_hi; None: unbounded)."""
    span = _float_span(lo, hi, open_lo, open_hi)
    try:
        if isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0:
            raise TypeError
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number {span}, got {short_repr(value)}") from None
    if not math.isfinite(v) or (lo is not None and (v < lo or (open_lo and v == lo))) \
            or (hi is not None and (v > hi or (open_hi and v == hi))):
        raise ValueError(f"{name} must be a finite number {span}, got {short_repr(value)}")
    return v


def check_keep(name: str, keep) -> float | tuple[float, ...]:
    """A keep probability q in (0, 1], or a sequence of them (one per layer): float or tuple of floats.

    q = 0 is refused because inverted dropout divides by q; NaN and infinity are refused.
    """
    try:
        arr = np.asarray(keep, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a keep probability q in (0, 1] or a sequence of them, "
                         f"got {short_repr(keep)}") from None
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty (one keep probability q in (0, 1] per layer)")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0.0) or np.any(arr > 1.0):
        raise ValueError(f"{name} must lie in (0, 1] (keep probability q; q = 0 would divide by zero in "
                         f"inverted dropout), got {short_repr(arr.tolist() if arr.ndim else float(arr))}")
    if arr.ndim == 0:
        return float(arr)
    return tuple(float(q) for q in arr.reshape(-1))


def check_finite(name: str, x) -> np.ndarray:
    """x as a float64 array with no NaN or infinity."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers, got {short_repr(x)}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or infinity), got {short_repr(_listed(arr))}")
    return arr


def check_nonempty(name: str, x) -> np.ndarray:
    """x as an array with at least one element."""
    arr = np.asarray(x)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return arr


def check_array(name: str, x, ndim: int | None = None, *, finite: bool = True, nonempty: bool = True,
                dtype=np.float64) -> np.ndarray:
    """x as an array of dtype with ndim dimensions (when given), non-empty and finite (unless told)."""
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers, got {short_repr(x)}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if finite and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or infinity), got {short_repr(_listed(arr))}")
    return arr


def check_shape(name: str, x, shape: tuple) -> np.ndarray:
    """x as an array of the given shape; None in shape matches any length on that axis."""
    arr = np.asarray(x)
    if arr.ndim != len(shape) or any(want is not None and got != want for got, want in zip(arr.shape, shape)):
        want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    return arr


def check_width(name: str, x, width: int) -> np.ndarray:
    """x as an array whose last axis has length width (the number of units or features)."""
    arr = np.asarray(x)
    if arr.ndim == 0 or arr.shape[-1] != width:
        raise ValueError(f"{name} must have {width} entries on its last axis, got shape {arr.shape}")
    return arr


def check_choice(name: str, value, options: Iterable):
    """value if it is one of options (e.g. an activation name), else ValueError listing them."""
    options = list(options)
    try:
        ok = value in options
    except TypeError:  # unhashable value against a dict's keys
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {sorted(map(str, options))}, got {short_repr(value)}")
    return value


def _int_span(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"in [{lo}, {hi}]"
    if lo is not None:
        return f">= {lo}"
    if hi is not None:
        return f"<= {hi}"
    return "(any integer)"


def _float_span(lo, hi, open_lo, open_hi) -> str:
    if lo is not None and hi is not None:
        return f"in {'(' if open_lo else '['}{lo}, {hi}{')' if open_hi else ']'}"
    if lo is not None:
        return f"{'>' if open_lo else '>='} {lo}"
    if hi is not None:
        return f"{'<' if open_hi else '<='} {hi}"
    return "(any finite number)"


def _listed(arr: np.ndarray):
    return arr.tolist() if arr.ndim else float(arr)


def quote(value, limit: int = 60) -> str:
    """An outside value for an error message: a string in quotes, anything else as Python writes it; at most
    ``limit`` characters of it, then "…"."""
    if not isinstance(value, str):
        text = repr(value)
        return text[:limit] + "…" if len(text) > limit else text
    return repr(value[:limit]) + ("…" if len(value) > limit else "")


short_repr = quote  # the name the checks above use
