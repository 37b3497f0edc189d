"""Figures of the masks page that the shared builders do not make as such."""
from __future__ import annotations

import plotly.graph_objects as go

from . import style as st
from .network import network_diagram


def labelled_diagram(sizes, masks=None, weights=None, *, keep=None, presenter: bool = False,
                     title: str | None = None) -> go.Figure:
    """network_diagram with room for every line of the labels under its columns.

    The labels can run to four lines (name, keep q, drop p, kept k/n); the bottom margin is grown to the
    longest one, so the last line is not cut off whatever the shared builder reserves.
    """
    fig = network_diagram(sizes, masks, weights, keep=keep, presenter=presenter, title=title)
    labels = [a for a in fig.layout.annotations if a.yref == "y domain"]
    if not labels:
        return fig
    lines = max(a.text.count("<br>") + 1 for a in labels)
    font = st.font_size(presenter, st.SMALL_FONT)
    need = int(lines * font * 1.35 + 18 * st.scale(presenter))
    have = fig.layout.margin.b or 0
    if need > have:
        fig.update_layout(margin_b=need, height=(fig.layout.height or 0) + need - have)
    return fig
