"""Summary charts: annotated sweep heatmaps, bar comparisons, overlaid histograms, digit image galleries."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style as st

MAX_IMAGES = 48


def sweep_heatmap(x_values, y_values, z, *, x_title: str, y_title: str, z_title: str, presenter: bool = False,
                  title: str | None = None, fmt: str = ".3g", best: str | None = None) -> go.Figure:
    """Annotated heatmap of a 2-D sweep (e.g. test error over training-set size x keep), values in the cells.

    Args:
      x_values: (nx,) column values; y_values: (ny,) row values (shown as evenly spaced categories).
      z: (ny, nx) values; NaN cells stay blank.
      fmt: number format of the cell text (d3 / Python format spec, e.g. ".2f", ".1%").
      best: "min" or "max" outlines the best cell; None outlines nothing.
    """
    xs = [f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v) for v in np.asarray(x_values).reshape(-1)]
    ys = [f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v) for v in np.asarray(y_values).reshape(-1)]
    zz = st.as_array(z, "z", 2)
    if zz.shape != (len(ys), len(xs)):
        raise ValueError(f"z must have shape (len(y_values), len(x_values)) = {(len(ys), len(xs))}, got {zz.shape}")
    if best not in (None, "min", "max"):
        raise ValueError(f"best must be None, 'min' or 'max', got {best!r}")
    s = st.scale(presenter)
    text = np.array([["" if not np.isfinite(v) else format(v, fmt.lstrip(":")) for v in row] for row in zz])
    fig = go.Figure(go.Heatmap(
        x=xs, y=ys, z=zz, text=text, texttemplate="%{text}", colorscale="Viridis", meta="sweep",
        textfont=dict(size=st.font_size(presenter, st.SMALL_FONT if max(zz.shape) > 8 else st.FONT)),
        xgap=2, ygap=2, colorbar=st.colorbar(presenter, z_title),
        hovertemplate=f"{x_title} = %{{x}}<br>{y_title} = %{{y}}<br>{z_title} = %{{text}}<extra></extra>",
    ))
    if best is not None and np.isfinite(zz).any():
        flat = np.nanargmin(zz) if best == "min" else np.nanargmax(zz)
        r, c = np.unravel_index(flat, zz.shape)
        fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, xref="x", yref="y",
                      line=dict(color=st.VERMILLION, width=st.line_width(presenter, 4)))
    default = f"{z_title} over {x_title} and {y_title}"
    st.base_layout(fig, title or default[:1].upper() + default[1:], presenter,
                   height=int(max(380, 120 + 52 * len(ys)) * s))
    fig.update_xaxes(title_text=x_title, type="category", showgrid=False, ticks="")
    fig.update_yaxes(title_text=y_title, type="category", showgrid=False, ticks="")
    return fig


def bar_compare(labels, values, *, errors=None, title: str | None = None, y_title: str = "",
                presenter: bool = False, fmt: str = ".3g", horizontal: bool = False) -> go.Figure:
    """Bars for a handful of models or settings, values printed on the bars, optional error bars.

    horizontal: one bar per row, the first on top, labels at the left (long labels in a narrow figure, as in
    presenter mode beside the controls); y_title then names the value axis, which is the x axis.
    """
    labels = [str(v) for v in labels]
    vals = st.as_array(values, "values", 1)
    if vals.shape != (len(labels),) or not labels:
        raise ValueError(f"values must have one entry per label ({len(labels)}), got shape {vals.shape}")
    err = None
    if errors is not None:
        err = st.as_array(errors, "errors", 1)
        if err.shape != vals.shape or np.any(err < 0):
            raise ValueError(f"errors must be {len(labels)} non-negative values, got {err.tolist()}")
    colors = st.model_colors(labels)
    s = st.scale(presenter)
    error = None if err is None else dict(type="data", array=err, thickness=2 * s, width=8 * s, color="#333333")
    fig = go.Figure(go.Bar(
        x=vals if horizontal else labels, y=labels if horizontal else vals, orientation="h" if horizontal else "v",
        marker=dict(color=[colors[k] for k in labels]), meta="bars",
        error_x=error if horizontal else None, error_y=None if horizontal else error,
        # Values sit inside the bars, clear of the error bars at their tops.
        text=[format(v, fmt) for v in vals], textposition="inside", insidetextanchor="middle",
        textfont=dict(size=st.font_size(presenter), color="white"),
        hovertemplate="%{y}: %{x:.4g}<extra></extra>" if horizontal else "%{x}: %{y:.4g}<extra></extra>",
    ))
    st.base_layout(fig, title, presenter, height=int(420 * s))
    fig.update_layout(bargap=0.35 if not horizontal else 0.25, showlegend=False)
    top = float(np.nanmax(vals + (err if err is not None else 0)))
    value_axis = dict(title_text=y_title, rangemode="tozero",
                      range=[min(0.0, float(np.nanmin(vals)) * 1.15), max(top * 1.18, 1e-12)])
    if horizontal:
        fig.update_yaxes(showgrid=False, ticks="", autorange="reversed")
        fig.update_xaxes(**value_axis)
    else:
        fig.update_xaxes(showgrid=False, ticks="")
        fig.update_yaxes(**value_axis)
    return fig


def histograms(series: dict, *, bins: int = 40, title: str | None = None, x_title: str = "value",
               presenter: bool = False, density: bool = False) -> go.Figure:
    """Overlaid semi-transparent histograms on shared bins (binned here, so large arrays stay cheap to ship)."""
    if not series:
        raise ValueError("series must name at least one array")
    bins = int(bins)
    if not 2 <= bins <= 400:
        raise ValueError(f"bins must lie in [2, 400], got {bins}")
    data = {}
    for name, arr in series.items():
        a = st.as_array(arr, f"series[{name!r}]").reshape(-1)
        a = a[np.isfinite(a)]
        if a.size == 0:
            raise ValueError(f"series[{name!r}] has no finite values")
        data[name] = a
    edges = np.histogram_bin_edges(np.concatenate(list(data.values())), bins=bins)
    centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
    colors = st.model_colors(data)
    fig = go.Figure()
    for name, a in data.items():
        counts, _ = np.histogram(a, bins=edges, density=density)
        fig.add_trace(go.Bar(
            x=centres, y=counts, width=width, name=f"{name} (std {a.std():.3g})", opacity=0.55, meta=name,
            marker=dict(color=colors[name], line=dict(width=0)),
            hovertemplate=f"{name}<br>%{{x:.3g}}: %{{y:.3g}}<extra></extra>",
        ))
    st.base_layout(fig, title, presenter, height=int(420 * st.scale(presenter)))
    fig.update_layout(barmode="overlay", bargap=0, legend=dict(x=1, xanchor="right", y=1, yanchor="top"))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text="density" if density else "count")
    return fig


def image_gallery(images, captions, *, cols: int = 6, presenter: bool = False, title: str | None = None,
                  highlight=None) -> go.Figure:
    """Small greyscale images (e.g. 8x8 digits, ink dark on white) with a caption above each.

    Args:
      images: (n, h, w) array, or (n, 64) flattened 8x8 digits.
      captions: n strings, e.g. "true 3, predicted 8".
      highlight: optional n flags; highlighted captions are vermillion (e.g. wrong predictions).
    """
    im = st.as_array(images, "images", (2, 3))
    if im.ndim == 2:
        if im.shape[1] != 64:
            raise ValueError(f"images must be (n, h, w) or (n, 64) flattened 8x8 digits, got {im.shape}")
        im = im.reshape(-1, 8, 8)
    n = im.shape[0]
    if not 1 <= n <= MAX_IMAGES or max(im.shape[1:]) > 64:
        raise ValueError(f"images must hold 1 to {MAX_IMAGES} images of at most 64x64, got {im.shape}")
    captions = [str(c) for c in captions]
    if len(captions) != n:
        raise ValueError(f"captions must have one string per image ({n}), got {len(captions)}")
    flags = [False] * n if highlight is None else [bool(v) for v in np.asarray(highlight).reshape(-1)]
    if len(flags) != n:
        raise ValueError(f"highlight must have one flag per image ({n}), got {len(flags)}")
    cols = max(1, min(int(cols), n))
    rows = math.ceil(n / cols)
    s = st.scale(presenter)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=captions, horizontal_spacing=0.02,
                        vertical_spacing=min(0.12, 0.5 / rows))
    st.subplot_title_fonts(fig, presenter, st.SMALL_FONT)
    for ann, hot in zip(fig.layout.annotations, flags):
        if hot:
            ann.font.color = st.VERMILLION
    hi = float(im.max()) if im.max() > 0 else 1.0
    for i in range(n):
        fig.add_trace(go.Heatmap(
            z=im[i], zmin=0, zmax=hi, colorscale=st.GREYS, showscale=False, meta="image",
            hovertemplate="row %{y}, col %{x}: %{z:.3g}<extra></extra>",
        ), row=i // cols + 1, col=i % cols + 1)
    st.base_layout(fig, title, presenter, height=int((rows * 150 + (70 if title else 30)) * s))
    fig.update_xaxes(visible=False, showgrid=False, constrain="domain")
    fig.update_yaxes(visible=False, showgrid=False, autorange="reversed", constrain="domain", constraintoward="top")
    # Square pixels in every panel: each y axis is tied to its own x axis.
    for i in range(n):
        suffix = "" if i == 0 else str(i + 1)
        fig.layout[f"yaxis{suffix}"].update(scaleanchor=f"x{suffix}", scaleratio=1)
    fig.update_layout(margin=dict(l=int(10 * s), r=int(10 * s), b=int(10 * s), t=int((80 if title else 40) * s)))
    return fig
