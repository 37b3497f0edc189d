"""Figures about masks themselves: a batch of masks as a heatmap, and one vector through inverted dropout."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style as st

MAX_MASK_CELLS = 200_000  # a heatmap larger than this is unreadable and slow to ship to the browser


def _check_q(keep, name: str = "keep") -> float | None:
    if keep is None:
        return None
    if np.ndim(keep) != 0:
        raise ValueError(f"{name} must be one keep probability q in (0, 1], got shape {np.shape(keep)}")
    q = float(keep)
    if not 0.0 < q <= 1.0:
        raise ValueError(f"{name} must lie in (0, 1] (keep probability q), got {q}")
    return q


def _check_lang(lang: str) -> bool:
    """True for Chinese labels, False for English; anything else is an error."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    return lang == "zh"


def mask_heatmap(masks, *, keep=None, presenter: bool = False, title: str | None = None,
                 lang: str = "en") -> go.Figure:
    """A batch of dropout masks (kept / dropped cells) above the kept fraction of each unit.

    Args:
      masks: (examples, units) array; 0 = dropped, anything positive (1, or 1/q) = kept.
      keep: optional keep probability q: drawn as the expected kept fraction in the lower panel.
      lang: "en" or "zh", the language of the labels (the numbers are the same).
    """
    m = st.as_array(masks, "masks", 2)
    if m.size == 0 or m.size > MAX_MASK_CELLS:
        raise ValueError(f"masks must have between 1 and {MAX_MASK_CELLS} entries, got shape {m.shape}")
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError("masks must hold 0 (dropped) or 1 (kept)")
    q = _check_q(keep)
    zh = _check_lang(lang)
    kept = (m > 0).astype(float)
    n_ex, n_units = kept.shape
    frac = kept.mean(axis=0)
    s = st.scale(presenter)
    units = np.arange(n_units)

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.09)
    # Two discrete colours: dropped = pale grey (absent), kept = blue (present); cell gaps keep cells distinct.
    gap = 1 if max(n_ex, n_units) <= 64 else 0
    fig.add_trace(go.Heatmap(
        z=kept, x=units, y=np.arange(n_ex), zmin=0, zmax=1, xgap=gap, ygap=gap,
        colorscale=[[0.0, st.NEUTRAL], [0.5, st.NEUTRAL], [0.5, st.BLUE], [1.0, st.BLUE]],
        colorbar=st.colorbar(presenter, tickvals=[0.25, 0.75], ticktext=["丢弃", "保留"] if zh else ["dropped", "kept"],
                             len=0.62, y=1.0, yanchor="top", ticks=""),
        customdata=np.where(kept > 0, "保留" if zh else "kept", "丢弃" if zh else "dropped"),
        hovertemplate=("样本 %{y}，单元 %{x}：%{customdata}<extra></extra>" if zh
                       else "example %{y}, unit %{x}: %{customdata}<extra></extra>"),
        name="mask",
    ), row=1, col=1)
    fig.add_trace(go.Bar(
        x=units, y=frac, marker=dict(color=st.BLUE), name="kept fraction",
        hovertemplate=("单元 %{x}：在 %{y:.0%} 的样本中被保留<extra></extra>" if zh
                       else "unit %{x}: kept in %{y:.0%} of examples<extra></extra>"), showlegend=False,
    ), row=2, col=1)
    if q is not None:
        fig.add_hline(y=q, row=2, col=1, line=dict(color=st.VERMILLION, width=st.line_width(presenter), dash="dash"))
        # Above the bars, in the gap between the panels, so no bar hides it.
        note = (f"虚线：期望比例，{st.keep_text(q, 'zh')}" if zh
                else f"dashed line: expected fraction, {st.keep_text(q)}")
        fig.add_annotation(text=note, x=0, y=1, xref="x domain",
                           yref="y domain", xanchor="left", yanchor="bottom", showarrow=False, row=2, col=1,
                           font=dict(size=st.font_size(presenter, st.SMALL_FONT), color=st.VERMILLION))

    if title is None:
        # The keep convention is spelled out on the q line below; a longer title would not fit a projector.
        title = (f"dropout 掩码，{n_ex} 个样本 × {n_units} 个单元：保留 {kept.mean():.0%}" if zh
                 else f"Dropout masks, {n_ex} examples × {n_units} units: {kept.mean():.0%} kept")
    st.base_layout(fig, title, presenter)
    fig.update_layout(height=int((520 if n_ex <= 64 else 600) * s), bargap=0.15 if n_units <= 64 else 0.0,
                      margin=dict(r=int(30 * s)))
    fig.update_yaxes(title_text="样本" if zh else "example", autorange="reversed", showgrid=False, ticks="",
                     row=1, col=1)
    fig.update_yaxes(title_text="保留<br>比例" if zh else "kept<br>fraction", range=[0, 1.05], tickformat=".0%",
                     row=2, col=1)
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_xaxes(title_text="单元编号" if zh else "unit index", row=2, col=1)
    return fig


def vector_bars(x, rows: dict, *, presenter: bool = False, title: str | None = None, lang: str = "en") -> go.Figure:
    """Grouped bars comparing one vector at several stages, e.g. x, mask m, x*m, x*m/q.

    Args:
      x: (n,) the input vector (only its length is used for the element axis).
      rows: name -> (n,) values, in display order.
      lang: "en" or "zh", the language of the axis titles.
    """
    zh = _check_lang(lang)
    xv = st.as_array(x, "x", 1)
    if not rows:
        raise ValueError("rows must name at least one vector")
    n = xv.shape[0]
    if not 1 <= n <= 64:
        raise ValueError(f"x must have 1 to 64 elements, got {n}")
    fig = go.Figure()
    colors = (st.GHOST, st.BLACK, st.BLUE, st.VERMILLION, st.GREEN, st.PURPLE, st.ORANGE)
    for i, (name, vals) in enumerate(rows.items()):
        v = st.as_array(vals, f"rows[{name!r}]", 1)
        if v.shape != (n,):
            raise ValueError(f"rows[{name!r}] must have shape ({n},) like x, got {v.shape}")
        fig.add_trace(go.Bar(x=np.arange(n), y=v, name=name, marker=dict(color=colors[i % len(colors)]),
                             hovertemplate=f"{name}<br>{'分量' if zh else 'element'} %{{x}}: %{{y:.3g}}<extra></extra>"))
    default = "一个向量经过反向 dropout" if zh else "One vector through inverted dropout"
    st.base_layout(fig, title or default, presenter, height=int(440 * st.scale(presenter)))
    fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.05,
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))
    fig.update_xaxes(title_text="分量编号" if zh else "element index", tickmode="linear", dtick=1 if n <= 20 else 5,
                     showgrid=False)
    fig.update_yaxes(title_text="数值" if zh else "value")
    return fig
