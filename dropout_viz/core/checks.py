"""Small helpers for the library's own error messages (no Streamlit here)."""

from __future__ import annotations


def quote(value, limit: int = 60) -> str:
    """An outside value for an error message: a string in quotes, anything else as Python writes it; at most
    ``limit`` characters of it, then "…"."""
    if not isinstance(value, str):
        text = repr(value)
        return text[:limit] + "…" if len(text) > limit else text
    return repr(value[:limit]) + ("…" if len(value) > limit else "")
