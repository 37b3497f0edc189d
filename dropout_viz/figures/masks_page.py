"""Figures of the masks page that the shared builders do not make as such."""
from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style as st
from .network import kept_units, network_diagram


# The shared diagram's English words and their Chinese (column labels, legend, default titles).
_ZH_LABELS = [
    (re.compile(r"<b>input</b>"), "<b>输入层</b>"),
    (re.compile(r"<b>output</b>"), "<b>输出层</b>"),
    (re.compile(r"<b>hidden (\d+)</b>"), r"<b>隐藏层 \1</b>"),
    (re.compile(r"^keep q=", re.M), "保留 q="),
    (re.compile(r"<br>keep q="), "<br>保留 q="),
    (re.compile(r"<br>drop p="), "<br>丢弃 p="),
    (re.compile(r"<br>kept (\d+)/(\d+)"), r"<br>保留 \1/\2"),
    (re.compile(r"^drop rate p = 1 - q$"), "丢弃率 p = 1 - q"),
]
_ZH_TRACES = {"kept unit": "保留的单元", "dropped unit": "被丢弃的单元", "connection": "连接",
              "positive weight": "正权重", "negative weight": "负权重"}


def _zh(text: str) -> str:
    for pattern, repl in _ZH_LABELS:
        text = pattern.sub(repl, text)
    return text


def labelled_diagram(sizes, masks=None, weights=None, *, keep=None, presenter: bool = False,
                     title: str | None = None, lang: str = "en") -> go.Figure:
    """network_diagram with room for every line of the labels under its columns.

    The labels can run to four lines (name, keep q, drop p, kept k/n); the bottom margin is grown to the
    longest one, so the last line is not cut off whatever the shared builder reserves. With lang="zh" the
    column labels and legend are in Chinese (pass a Chinese title too; the numbers are the same).
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    fig = network_diagram(sizes, masks, weights, keep=keep, presenter=presenter, title=title)
    if lang == "zh":
        for a in fig.layout.annotations:
            a.text = _zh(a.text)
        for t in fig.data:
            if t.name in _ZH_TRACES:
                t.name = _ZH_TRACES[t.name]
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


def _ticks(n: int, kept) -> dict:
    """Axis ticks for one side of a gradient matrix: every unit (dropped ones flagged) while they fit."""
    if n > 8:
        return dict(tickmode="linear", tick0=0, dtick=5)
    text = [str(j) if kept is None or kept[j] else f"<span style='color:{st.VERMILLION}'><b>{j}✕</b></span>"
            for j in range(n)]
    return dict(tickmode="array", tickvals=list(range(n)), ticktext=text)


def gradient_grid(grads, masks=None, *, cols: int = 4, presenter: bool = False, title: str | None = None,
                  lang: str = "en") -> go.Figure:
    """One heatmap per weight-gradient matrix on one symmetric scale, wrapped into rows of ``cols`` panels.

    Like figures.gradient_heatmaps, but a deep network (up to 7 matrices of 16 x 16) stays readable: panels
    wrap onto new rows instead of shrinking. Exact zeros are drawn in neutral grey.

    Args:
      grads: list of (fan_in, fan_out) arrays dL/dW_i.
      masks: optional per-layer 0/1 masks (len(grads) + 1 entries, output included, or len(grads)); dropped
        units get a vermillion ✕ on their row / column label while labels fit.
      lang: "en" or "zh", the language of the panel and axis titles.
    Returns:
      Figure with one "gradient" heatmap and one "zeros" overlay per matrix.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    zh = lang == "zh"
    mats = [st.as_array(g, f"grads[{i}]", 2) for i, g in enumerate(list(grads))]
    if not 1 <= len(mats) <= 8:
        raise ValueError(f"grads must hold 1 to 8 matrices, got {len(mats)}")
    for i, g in enumerate(mats):
        if g.size == 0 or max(g.shape) > 64 or not np.all(np.isfinite(g)):
            raise ValueError(f"grads[{i}] must be finite with 1 to 64 rows and columns, got shape {g.shape}")
        if i and g.shape[0] != mats[i - 1].shape[1]:
            raise ValueError(f"grads[{i}] has fan_in {g.shape[0]}, but grads[{i - 1}] has fan_out {mats[i - 1].shape[1]}")
    sizes = [mats[0].shape[0]] + [g.shape[1] for g in mats]
    kept = kept_units(sizes, masks) if masks is not None else None
    if not 1 <= int(cols) <= 8:
        raise ValueError(f"cols must lie in [1, 8], got {cols}")
    n = len(mats)
    cols = min(int(cols), n)
    rows = -(-n // cols)
    s = st.scale(presenter)
    vmax = max(float(np.abs(g).max()) for g in mats) or 1.0
    zeros = [int((g == 0).sum()) for g in mats]
    titles = [(f"W{i + 1}：{g.shape[0]}→{g.shape[1]}，{z}/{g.size} 为 0" if zh else
               f"W{i + 1}: {g.shape[0]}→{g.shape[1]}, {z}/{g.size} are 0") for i, (g, z) in enumerate(zip(mats, zeros))]
    exactly_0 = "恰好为 0" if zh else "exactly 0"
    # Room between panels for the next panel's row labels ("12✕"), which sit left of its plot area.
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.1,
                        vertical_spacing=min(0.3 / rows, 0.16))
    st.subplot_title_fonts(fig, presenter, st.SMALL_FONT)
    for i, g in enumerate(mats):
        where = dict(row=i // cols + 1, col=i % cols + 1)
        gap = 1 if max(g.shape) <= 32 else 0
        ys, xs = np.arange(g.shape[0]), np.arange(g.shape[1])
        fig.add_trace(go.Heatmap(z=g, x=xs, y=ys, coloraxis="coloraxis", xgap=gap, ygap=gap, meta="gradient",
                                 name=f"dL/dW{i + 1}",
                                 hovertemplate=f"W{i + 1}[%{{y}}, %{{x}}]: gradient %{{z:.3g}}<extra></extra>"),
                      **where)
        fig.add_trace(go.Heatmap(z=np.where(g == 0, 1.0, np.nan), x=xs, y=ys, showscale=False, xgap=gap, ygap=gap,
                                 colorscale=[[0, st.NEUTRAL], [1, st.NEUTRAL]], meta="zeros", name=exactly_0,
                                 hovertemplate=f"W{i + 1}[%{{y}}, %{{x}}]: {exactly_0}<extra></extra>"), **where)
        fig.update_yaxes(autorange="reversed", showgrid=False, ticks="",
                         title_text=("来自单元" if zh else "from unit") if i % cols == 0 else None,
                         **_ticks(g.shape[0], None if kept is None else kept[i]), **where)
        fig.update_xaxes(showgrid=False, ticks="", title_text=("通向单元" if zh else "to unit") if i + cols >= n else None,
                         **_ticks(g.shape[1], None if kept is None else kept[i + 1]), **where)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=exactly_0, showlegend=True,
                             marker=dict(symbol="square", size=st.marker_size(presenter, 14), color=st.NEUTRAL)))
    st.base_layout(fig, title or ("权重梯度（共用一个对称色标）" if zh else "Weight gradients (shared symmetric scale)"), presenter,
                   height=int(rows * 300 * s + 150 * s))
    fig.update_layout(
        coloraxis=dict(colorscale=st.DIVERGING, cmin=-vmax, cmax=vmax, cmid=0.0, colorbar=st.colorbar(presenter, "∂L/∂W")),
        legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"),
        margin=dict(b=int(70 * s)),
    )
    return fig
