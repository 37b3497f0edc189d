"""Titles that fit a narrow figure: presenter mode puts the main figure beside its controls, in large text, so a
long title or panel title goes over two lines instead of running off the figure (no JAX, no Streamlit)."""
from __future__ import annotations

import plotly.graph_objects as go

# A title longer than this (characters) is broken in two in presenter mode: at 1280 × 720 the main figure is about
# 740 px wide, and its title is drawn at about 26 px (about 14 px a character).
LONG_TITLE = 40
# Such a title is drawn at the presenter minimum text size (22 px, 1/50 of 1080 px), about 10 px a character
# (measured: 52 characters, 500 px): up to LONG_LINE characters fit on one line across the 740 px figure; a longer
# one goes over two lines.
TITLE_MIN = 22
LONG_LINE = 72


def _halves(text: str) -> tuple[str, str] | None:
    """text cut in two at the colon, comma or opening parenthesis nearest its middle, else at the space nearest
    its middle (full-width Chinese marks count too); None where there is no such place."""
    marks = [(i + 1, i + 2) for i in range(len(text) - 1) if text[i:i + 2] in (": ", ", ")]
    marks += [(i, i + 1) for i in range(len(text) - 1) if text[i:i + 2] == " ("]
    marks += [(i + 1, i + 1) for i, ch in enumerate(text[:-1]) if ch in "：，"]
    marks += [(i, i) for i, ch in enumerate(text) if ch == "（" and i > 0]
    marks = marks or [(i, i + 1) for i, ch in enumerate(text) if ch == " "]
    if not marks:
        return None
    end, start = min(marks, key=lambda m: abs(m[0] - len(text) / 2))
    return text[:end], text[start:]


def two_lines(text: str) -> str:
    """text over two lines (a <br> at the place _halves finds); text without such a place is returned as it is."""
    halves = _halves(text)
    return text if halves is None else "<br>".join(halves)


def _width(text: str) -> int:
    """Width in Latin characters: a CJK character is about two of them."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)


def wrap_title(fig: go.Figure, limit: int = LONG_TITLE, size: int = TITLE_MIN) -> go.Figure:
    """Make a long one-line title of fig fit a narrow figure (in place): longer than limit characters, it is set at
    size px from the figure's left edge; longer than twice limit, its second half goes into a subtitle of the same
    size (a <br> in a title would grow upwards, off the figure), with room for it in the top margin. Returns fig."""
    title = fig.layout.title
    if not title.text or "<br>" in title.text or title.subtitle.text or _width(title.text) <= limit:
        return fig
    fig.update_layout(title=dict(font=dict(size=size), xref="container", x=0.01))
    halves = _halves(title.text) if _width(title.text) > LONG_LINE else None
    if halves is not None:
        top = fig.layout.margin.t if fig.layout.margin.t is not None else 80
        fig.update_layout(title=dict(text=halves[0], subtitle=dict(text=halves[1], font=dict(size=size))),
                          margin=dict(t=int(top + 1.3 * size)))
    return fig
