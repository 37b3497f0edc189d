"""Figures of the images lesson: NumPy in, Plotly out (no JAX, no Streamlit).

Every builder takes ``lang`` and translates its own titles, axis labels and series names.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dropout_viz.core.i18n import translator
from dropout_viz.figures import style as st

KIND_COLORS = (st.VERMILLION, st.BLUE, st.GREEN, st.PURPLE)  # none, element-wise, spatial, DropBlock
# White (no activation) to dark blue: one sequential scale shared by every panel of the mask figure.
ACTIVATION = [[0.0, "#FFFFFF"], [0.5, "#6BAED6"], [1.0, "#08306B"]]
DROPPED = [[0.0, st.VERMILLION], [1.0, st.VERMILLION]]
TILE_COLS = 4  # channels per row of a panel


def tile(maps: np.ndarray, cols: int = TILE_COLS) -> np.ndarray:
    """(S, S, C) maps laid out as a grid of channels, ``cols`` to a row, one NaN row/column between them."""
    m = st.as_array(maps, "maps", 3)
    s, _, c = m.shape
    rows = -(-c // cols)
    out = np.full((rows * (s + 1) - 1, cols * (s + 1) - 1), np.nan)
    for k in range(c):
        r, q = divmod(k, cols)
        out[r * (s + 1):r * (s + 1) + s, q * (s + 1):q * (s + 1) + s] = m[:, :, k]
    return out


def mask_panels(shown: np.ndarray, dropped: np.ndarray, titles, *, lang: str = "en", presenter: bool = False,
                title: str | None = None, height: int | None = None) -> go.Figure:
    """Four panels (the feature map, then element-wise, spatial and DropBlock masks applied to it): each tiles the
    map's channels; the colour is the activation the next layer receives (kept values × their scale) on one
    colour scale for all panels; a dropped activation is a vermillion cell.

    Args:
      shown: (4, S, S, C) activations after the mask and its scale (panel 0: no mask).
      dropped: (4, S, S, C) bool, True where the mask is 0.
      titles: four panel titles, already in the reader's language.
    """
    _ = translator(lang)
    v = st.as_array(shown, "shown", 4)
    d = np.asarray(dropped, bool)
    if v.shape[0] != 4 or d.shape != v.shape:
        raise ValueError(f"shown and dropped must both have shape (4, S, S, C), got {v.shape} and {d.shape}")
    fig = make_subplots(rows=2, cols=2, subplot_titles=list(titles), horizontal_spacing=0.04,
                        vertical_spacing=0.09)
    st.subplot_title_fonts(fig, presenter)
    zmax = float(np.nanmax(v)) or 1.0
    for i in range(4):
        row, col = divmod(i, 2)
        z = tile(v[i])
        fig.add_trace(go.Heatmap(z=z, coloraxis="coloraxis", meta="activation",
                                 hovertemplate=_("activation") + " %{z:.2f}<extra></extra>"), row=row + 1, col=col + 1)
        drop = tile(np.where(d[i], 1.0, np.nan))
        fig.add_trace(go.Heatmap(z=drop, colorscale=DROPPED, showscale=False, meta="dropped", zmin=0, zmax=1,
                                 hovertemplate=_("dropped (0)") + "<extra></extra>"), row=row + 1, col=col + 1)
    s = st.scale(presenter)
    st.base_layout(fig, title, presenter, height=height or int(560 * s))
    # No axes to read: small margins leave the height to the maps (their aspect ratio is fixed).
    fig.update_layout(coloraxis=dict(colorscale=ACTIVATION, cmin=0.0, cmax=zmax,
                                     colorbar=st.colorbar(presenter, _("activation"))),
                      margin=dict(l=int(8 * s), r=int(8 * s), b=int(8 * s), t=int((72 if title else 36) * s)))
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, showline=False, ticks="",
                     constrain="domain")
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, showline=False, ticks="",
                     autorange="reversed", scaleanchor="x", constrain="domain")
    for i in range(2, 5):
        fig.update_yaxes(scaleanchor=f"x{i}", row=(i - 1) // 2 + 1, col=(i - 1) % 2 + 1)
    return fig


def refill_mask_panels(frame: go.Figure, shown: np.ndarray, dropped: np.ndarray, titles, *,
                       title: str | None = None) -> go.Figure:
    """mask_panels(shown, dropped, titles, title=title, ...) from ``frame``, a mask_panels figure of maps of the same
    shape with the same lang, presenter mode and height (and a title if and only if this one has one): the same
    figure, without Plotly's per-property validation (about 100 ms a figure, the most of a slider move). Only the
    data, the colour scale's top, the title and the panel titles differ between two such figures."""
    v = st.as_array(shown, "shown", 4)
    d = np.asarray(dropped, bool)
    if v.shape[0] != 4 or d.shape != v.shape:
        raise ValueError(f"shown and dropped must both have shape (4, S, S, C), got {v.shape} and {d.shape}")
    spec = frame.to_dict()
    traces = spec["data"]
    if len(traces) != 8 or np.shape(frame.data[0].z) != tile(v[0]).shape or bool(title) != bool(
            frame.layout.title.text):
        raise ValueError("frame must be a mask_panels figure of maps of the same shape, titled alike")
    for i in range(4):
        traces[2 * i]["z"] = tile(v[i])
        traces[2 * i + 1]["z"] = tile(np.where(d[i], 1.0, np.nan))
    lay = spec["layout"]
    lay["coloraxis"]["cmax"] = float(np.nanmax(v)) or 1.0
    if title:
        lay["title"]["text"] = title
    for note, text in zip(lay["annotations"], list(titles)):
        note["text"] = text
    return go.Figure(spec, _validate=False)


def correlation_chart(distance, corr, shuffled, names, *, lang: str = "en", presenter: bool = False,
                      title: str | None = None, height: int | None = None) -> go.Figure:
    """Correlation of activations d pixels apart, one line per layer, and each layer's shuffled-positions
    baseline as a dashed line of the same colour.

    Args:
      distance: (D,) pixel offsets.
      corr: (L, D) correlation per layer and offset.
      shuffled: (L,) correlation of activations at random positions of the same map.
      names: L layer names, already translated.
    """
    _ = translator(lang)
    x = st.as_array(distance, "distance", 1)
    c = st.as_array(corr, "corr", 2)
    b = st.as_array(shuffled, "shuffled", 1)
    if c.shape != (len(names), len(x)) or b.shape != (len(names),):
        raise ValueError(f"corr must have shape ({len(names)}, {len(x)}) and shuffled ({len(names)},), "
                         f"got {c.shape} and {b.shape}")
    fig = go.Figure()
    colors = (st.BLACK, st.BLUE, st.GREEN, st.PURPLE)
    for i, name in enumerate(names):
        color = colors[i % len(colors)]
        fig.add_trace(go.Scatter(x=x, y=c[i], mode="lines+markers", name=name, meta="corr",
                                 line=dict(color=color, width=st.line_width(presenter)),
                                 marker=dict(size=st.marker_size(presenter, 11), color=color)))
        fig.add_trace(go.Scatter(x=[x[0] - 0.3, x[-1] + 0.3], y=[b[i], b[i]], mode="lines", meta="shuffled",
                                 name=_("{name}: shuffled positions").format(name=name),
                                 line=dict(color=color, width=st.line_width(presenter, 1.5), dash="dash")))
    s = st.scale(presenter)
    st.base_layout(fig, title, presenter, height=height or int(440 * s))
    fig.update_xaxes(title_text=_("distance d (pixels, along a row or a column)"), tickmode="linear", dtick=1)
    fig.update_yaxes(title_text=_("correlation of a(p) and a(p + d)"), range=[min(-0.05, float(c.min()) - 0.05), 1.0])
    return fig


def error_dots(errors, names, *, lang: str = "en", presenter: bool = False, title: str | None = None,
               height: int | None = None) -> go.Figure:
    """Test error per kind: a dot per seed and a bar at the mean (± one sd over the seeds as a whisker).

    Args:
      errors: (K, seeds) test errors in [0, 1].
      names: K kind names, already translated.
    """
    _ = translator(lang)
    e = st.as_array(errors, "errors", 2)
    if e.shape[0] != len(names):
        raise ValueError(f"errors must have one row per name ({len(names)}), got shape {e.shape}")
    pct = 100 * e
    mean = pct.mean(1)
    sd = pct.std(1, ddof=1) if e.shape[1] > 1 else np.zeros(len(names))
    colors = [KIND_COLORS[i % len(KIND_COLORS)] for i in range(len(names))]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=list(names), y=mean, name=_("mean over the seeds"), meta="mean",
                         marker=dict(color=[st.mix_white(c, 0.65) for c in colors], line=dict(color=colors, width=2)),
                         error_y=dict(type="data", array=sd, color=st.TEXT, thickness=2, width=8),
                         hovertemplate="%{x}: %{y:.2f}%<extra></extra>"))
    seeds = e.shape[1]
    offsets = (np.arange(seeds) - (seeds - 1) / 2) * (0.5 / max(seeds, 1))
    xs = [i + offsets[s] for i in range(len(names)) for s in range(seeds)]
    fig.add_trace(go.Scatter(x=xs, y=pct.reshape(-1), mode="markers", name=_("one seed"), meta="seed",
                             marker=dict(size=st.marker_size(presenter, 11), color=st.TEXT,
                                         line=dict(color="white", width=1)),
                             hovertemplate="%{y:.2f}%<extra></extra>"))
    s = st.scale(presenter)
    st.base_layout(fig, title, presenter, height=height or int(440 * s))
    fig.update_xaxes(tickmode="array", tickvals=list(range(len(names))), ticktext=list(names))
    fig.update_layout(xaxis=dict(type="linear", range=[-0.6, len(names) - 0.4]))
    fig.data[0].x = list(range(len(names)))
    # Bars start at 0: a cut axis would make half a point look like a factor of two.
    fig.update_yaxes(title_text=_("test error (%)"), range=[0.0, float(pct.max()) * 1.15 + 0.5])
    return fig
