"""Figures of the live-training lesson that Python still draws: the digits each model gets wrong and the
size x keep sweep. (The live panels themselves are drawn in the browser by ui/components/live_view.)
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dropout_viz.core.i18n import translator
from dropout_viz.figures import style as st

MAX_MODELS = 4
DIGIT_SIZE = 8


def _fast(fig: go.Figure, presenter: bool, *, l: int, r: int, t: int, b: int) -> go.Figure:
    """Fixed margins, no automatic ones and no legend: each costs the browser extra layout passes per frame.

    (A live figure is drawn from scratch every frame; its legend is shown once, outside it.)
    """
    s = st.scale(presenter)
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)
    fig.update_layout(showlegend=False, margin=dict(l=int(l * s), r=int(r * s), t=int(t * s), b=int(b * s)))
    return fig


# --- digits each model gets wrong ----------------------------------------------------------------------

CELL = DIGIT_SIZE + 1  # one blank pixel between digits in a row
ROW = DIGIT_SIZE + 4  # rows of digits are further apart: the captions sit in the gap


def _mosaic(rows_of_images, k: int) -> np.ndarray:
    """Rows of 8x8 images side by side (CELL apart), rows ROW apart; empty cells are NaN."""
    z = np.full((len(rows_of_images) * ROW - (ROW - DIGIT_SIZE), k * CELL - 1), np.nan)
    for r, images in enumerate(rows_of_images):
        im = st.as_array(images, "images").reshape(-1, DIGIT_SIZE, DIGIT_SIZE)
        if im.shape[0] > k:
            raise ValueError(f"each row may hold at most {k} images, got {im.shape[0]}")
        for c, one in enumerate(im):
            z[r * ROW:r * ROW + DIGIT_SIZE, c * CELL:c * CELL + DIGIT_SIZE] = one
    return z


def digit_mistakes(rows_of_images, rows_of_captions, row_titles, *, k: int = 8, presenter: bool = False) -> go.Figure:
    """Test digits each model gets wrong: one row per model, up to k digits, "true→predicted" above each.

    Args:
      rows_of_images: per model, (m <= k, 64) flattened 8x8 images in [0, 1].
      rows_of_captions: per model, m strings; row_titles: per model, a short label (e.g. the model name).
    """
    if len(rows_of_images) != len(row_titles) or len(rows_of_captions) != len(row_titles):
        raise ValueError("rows_of_images, rows_of_captions and row_titles must have one entry per model")
    if not 1 <= len(row_titles) <= MAX_MODELS or not 1 <= k <= 16:
        raise ValueError(f"need 1 to {MAX_MODELS} rows and k in [1, 16], got {len(row_titles)} rows, k = {k}")
    s = st.scale(presenter)
    z = _mosaic(rows_of_images, k)
    fig = go.Figure(go.Heatmap(z=z, zmin=0, zmax=1, colorscale=st.GREYS, showscale=False, meta="digits",
                               hoverinfo="skip", xgap=0, ygap=0))
    rows = len(row_titles)
    for r in range(rows):
        for c in range(k):
            fig.add_annotation(x=c * CELL + (DIGIT_SIZE - 1) / 2, y=r * ROW - 0.7, yanchor="bottom", showarrow=False,
                               text="", font=dict(size=st.font_size(presenter, st.SMALL_FONT), color=st.VERMILLION))
    st.base_layout(fig, None, presenter, height=int((40 + 105 * rows) * s))
    fig.update_xaxes(visible=False, showgrid=False, constrain="domain", range=[-0.5, k * CELL - 1.5])
    fig.update_yaxes(showgrid=False, scaleanchor="x", constrain="domain", ticks="", showline=False, zeroline=False,
                     tickvals=[r * ROW + (DIGIT_SIZE - 1) / 2 for r in range(rows)], ticktext=list(row_titles),
                     range=[rows * ROW - (ROW - DIGIT_SIZE) - 0.5, -(ROW - DIGIT_SIZE) + 0.2])
    fig.layout.meta = {"k": k}
    _fast(fig, presenter, l=140, r=8, t=16, b=8)
    return update_digit_mistakes(fig, rows_of_images, rows_of_captions, row_titles)


def update_digit_mistakes(fig: go.Figure, rows_of_images, rows_of_captions, row_titles=None) -> go.Figure:
    """Replace the digits and captions of a digit_mistakes figure in place."""
    k = fig.layout.meta["k"]
    z = _mosaic(rows_of_images, k)
    with fig.batch_update():
        fig.data[0].z = z
        for r, caps in enumerate(rows_of_captions):
            caps = [str(c) for c in caps]
            for c in range(k):
                fig.layout.annotations[r * k + c].text = caps[c] if c < len(caps) else ""
        if row_titles is not None:
            fig.layout.yaxis.ticktext = list(row_titles)
    return fig


# --- sweeps --------------------------------------------------------------------------------------------

GAIN_SCALE = [[0.0, st.BLUE], [0.5, "#FFFFFF"], [1.0, st.VERMILLION]]


def dropout_gain_heatmap(sizes, keeps, gain, error, *, metric: str = "test error", percent: bool = True,
                         presenter: bool = False, title: str | None = None, lang: str = "en") -> go.Figure:
    """Change in test error against no dropout, over training-set size (rows) x keep (columns).

    Blue cells: dropout at that keep lowers the error; vermillion: it raises it; the keep-1 column is 0.
    Args:
      sizes: (N,), keeps: (K,); gain: (N, K) error minus the keep-1 error; error: (N, K) mean error.
      percent: show values as percentage points (for error rates) rather than raw numbers (for MSE).
      metric: the metric's name as shown (already in ``lang``); lang: the language of the labels.
    """
    _ = translator(lang)
    g = st.as_array(gain, "gain", 2)
    e = st.as_array(error, "error", 2)
    sizes = [int(v) for v in np.asarray(sizes).reshape(-1)]
    keeps = [float(v) for v in np.asarray(keeps).reshape(-1)]
    if g.shape != (len(sizes), len(keeps)) or e.shape != g.shape:
        raise ValueError(f"gain and error must have shape ({len(sizes)}, {len(keeps)}), got {g.shape} and {e.shape}")
    s = st.scale(presenter)
    top = float(np.nanmax(np.abs(g))) or 1.0
    scale = 100.0 if percent else 1.0
    text = [[("0" if abs(v) < 1e-12 else f"{v * scale:+.1f}") if percent else f"{v:+.3g}" for v in row] for row in g]
    cols = [f"{q:g}" for q in keeps]
    rows = [str(n) for n in sizes]
    fig = go.Figure(go.Heatmap(
        x=cols, y=rows, z=g, zmin=-top, zmax=top, colorscale=GAIN_SCALE, text=text, texttemplate="%{text}",
        customdata=e * scale, meta="gain", xgap=2, ygap=2,
        textfont=dict(size=st.font_size(presenter, st.FONT)),
        colorbar=st.colorbar(presenter, _("change (points)") if percent else _("change"),
                             tickformat="+.1f" if not percent else None),
        hovertemplate=(_("keep q = {x}, {y} training points").format(x="%{x}", y="%{y}") + "<br>" + metric
                       + " %{customdata:.3g}" + ("%" if percent else "") + "<br>"
                       + _("change vs no dropout: {change}").format(change="%{text}") + "<extra></extra>"),
    ))
    if percent:
        fig.data[0].colorbar.update(tickvals=np.linspace(-top, top, 5), ticktext=[f"{v * 100:+.1f}" for v in
                                                                                   np.linspace(-top, top, 5)])
    st.base_layout(fig, title, presenter, height=int((120 + 60 * len(rows)) * s))
    fig.update_xaxes(title_text=_("keep q for hidden units (drop rate p = 1 − q)"), type="category", showgrid=False,
                     ticks="")
    fig.update_yaxes(title_text=_("training points"), type="category", showgrid=False, ticks="")
    return fig


__all__ = ["digit_mistakes", "update_digit_mistakes", "dropout_gain_heatmap"]
