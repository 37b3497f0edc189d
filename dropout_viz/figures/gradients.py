"""Weight-gradient heatmaps: a dropped unit's whole row (outgoing) and column (incoming) is exactly zero."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style as st
from .network import kept_units

MAX_GRAD_DIM = 256


def _tick_labels(n: int, kept: np.ndarray | None) -> list[str]:
    """Unit indices, with dropped units flagged in vermillion."""
    if kept is None:
        return [str(j) for j in range(n)]
    return [str(j) if kept[j] else f"<span style='color:{st.VERMILLION}'><b>{j} ✕</b></span>" for j in range(n)]


def gradient_heatmaps(grads, masks=None, *, presenter: bool = False, title: str | None = None) -> go.Figure:
    """One heatmap per weight-gradient matrix, side by side, on one symmetric diverging scale.

    Args:
      grads: list of (fan_in, fan_out) arrays, one per weight matrix W_i (dL/dW_i).
      masks: optional per-layer 0/1 masks (as network_diagram: len(grads) + 1 entries, or len(grads) for
        the weight layers' inputs). Dropped units get a vermillion "✕" on their row / column label.
    Returns:
      Figure with one "gradient" heatmap per matrix plus an "exact zero" overlay in neutral grey.
    """
    mats = [st.as_array(g, f"grads[{i}]", 2) for i, g in enumerate(list(grads))]
    if not 1 <= len(mats) <= 8:
        raise ValueError(f"grads must hold 1 to 8 matrices, got {len(mats)}")
    for i, g in enumerate(mats):
        if g.size == 0 or max(g.shape) > MAX_GRAD_DIM:
            raise ValueError(f"grads[{i}] must have 1 to {MAX_GRAD_DIM} rows and columns, got {g.shape}")
        if not np.all(np.isfinite(g)):
            raise ValueError(f"grads[{i}] must be finite")
    kept = None
    if masks is not None:
        for i in range(len(mats) - 1):
            if mats[i].shape[1] != mats[i + 1].shape[0]:
                raise ValueError(f"grads[{i}] fan_out {mats[i].shape[1]} != grads[{i + 1}] fan_in {mats[i + 1].shape[0]}")
        sizes = [mats[0].shape[0]] + [g.shape[1] for g in mats]
        kept = kept_units(sizes, masks)

    # One scale for all matrices, symmetric so that white means 0 and sign reads the same everywhere.
    vmax = max(float(np.abs(g).max()) for g in mats)
    vmax = vmax if vmax > 0 else 1.0
    n = len(mats)
    s = st.scale(presenter)
    zero_counts = [int((g == 0).sum()) for g in mats]
    titles = [f"W{i + 1} {g.shape[0]}→{g.shape[1]}: {z}/{g.size} zero" for i, (g, z) in enumerate(zip(mats, zero_counts))]
    fig = make_subplots(rows=1, cols=n, subplot_titles=titles, horizontal_spacing=min(0.08, 0.4 / n))
    st.subplot_title_fonts(fig, presenter, st.SMALL_FONT)
    for i, g in enumerate(mats):
        gap = 1 if max(g.shape) <= 32 else 0
        rows_idx, cols_idx = np.arange(g.shape[0]), np.arange(g.shape[1])
        fig.add_trace(go.Heatmap(
            z=g, x=cols_idx, y=rows_idx, coloraxis="coloraxis", xgap=gap, ygap=gap, name=f"dL/dW{i + 1}",
            meta="gradient",
            hovertemplate=f"W{i + 1}[%{{y}}, %{{x}}]<br>gradient %{{z:.3g}}<extra></extra>",
        ), row=1, col=i + 1)
        # Exact zeros get their own grey layer: on the diverging scale they would look like any tiny value.
        zero = np.where(g == 0, 1.0, np.nan)
        fig.add_trace(go.Heatmap(
            z=zero, x=cols_idx, y=rows_idx, colorscale=[[0, st.NEUTRAL], [1, st.NEUTRAL]], showscale=False,
            xgap=gap, ygap=gap, name="exactly 0", meta="zeros",
            hovertemplate=f"W{i + 1}[%{{y}}, %{{x}}]<br>exactly 0<extra></extra>",
        ), row=1, col=i + 1)
        in_kept = kept[i] if kept is not None else None
        out_kept = kept[i + 1] if kept is not None else None
        dense = max(g.shape) > 20  # too many labels to read; let Plotly thin them
        fig.update_yaxes(autorange="reversed", showgrid=False, ticks="", row=1, col=i + 1,
                         title_text="from unit (row)" if i == 0 else None,
                         **({} if dense else dict(tickmode="array", tickvals=list(rows_idx),
                                                  ticktext=_tick_labels(g.shape[0], in_kept))))
        fig.update_xaxes(showgrid=False, ticks="", row=1, col=i + 1, title_text="to unit (column)",
                         **({} if dense else dict(tickmode="array", tickvals=list(cols_idx),
                                                  ticktext=_tick_labels(g.shape[1], out_kept))))
    # A legend entry that explains the grey cells.
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="exactly 0 (a dropped unit's row or column)",
                             marker=dict(symbol="square", size=st.marker_size(presenter, 14), color=st.NEUTRAL)))

    st.base_layout(fig, title or "Weight gradients dL/dW (one scale, white = 0)", presenter,
                   height=int(470 * s))
    fig.update_layout(
        coloraxis=dict(colorscale=st.DIVERGING, cmin=-vmax, cmax=vmax, cmid=0.0,
                       colorbar=st.colorbar(presenter, "dL/dW")),
        legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"),
        margin=dict(b=int(110 * s)),
        showlegend=True,
    )
    return fig
