"""Small helpers for the library's own error messages (no Streamlit here)."""

from __future__ import annotations


def quote(value, limit: int = 60) -> str:
    """An outside value quoted for an error message: repr-quoted, at most ``limit`` characters of it, then "…"."""
    text = str(value)
    if len(text) > limit:
        return repr(text[:limit]) + "…"
    return repr(text)
