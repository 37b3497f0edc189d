"""Figures of the regularisation lesson: grouped bars, closed forms against samples, plain lines, histograms.

NumPy in, Plotly out (no JAX, no Streamlit). Titles and series names arrive in the reader's language; the words
the builders add themselves ("(log scale)") are translated with ``lang``."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ...core.i18n import translator
from ...figures import style as st
from ...figures.titles import two_lines

CHECK_COLORS = (st.BLUE, st.VERMILLION, st.GREEN, st.PURPLE, st.ORANGE, st.BLACK)


def _axis_title(title: str, log_y: bool, lang: str) -> str:
    """An axis title, marked "(log scale)" in ``lang`` when the axis is logarithmic."""
    if not log_y:
        return title
    _ = translator(lang)
    return _("{title} (log scale)").format(title=title)


def _legend_on_top(fig: go.Figure, presenter: bool) -> go.Figure:
    """A horizontal legend between the title and the plot, so a narrow column keeps the plot wide."""
    s = st.scale(presenter)
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
                      margin=dict(t=int(110 * s)))
    return fig


def grouped_bars(categories, series: dict, *, title: str | None = None, x_title: str = "", y_title: str = "",
                 presenter: bool = False, fmt: str = ".3g", colors: dict | None = None,
                 log_y: bool = False, lang: str = "en") -> go.Figure:
    """Side-by-side bars: one group per category (e.g. feature), one bar per series (e.g. method).

    Args:
      categories: (k,) labels of the groups.
      series: name -> (k,) values.
      colors: optional name -> colour (default: the shared model colours).
    """
    cats = [str(c) for c in categories]
    if not cats or not series:
        raise ValueError("categories and series must not be empty")
    colors = colors or st.model_colors(series)
    fig = go.Figure()
    for name, values in series.items():
        v = st.as_array(values, f"series[{name!r}]", 1)
        if v.shape != (len(cats),):
            raise ValueError(f"series[{name!r}] must have one value per category ({len(cats)}), got {v.shape}")
        if log_y and np.any(v <= 0):
            raise ValueError(f"series[{name!r}] must be positive when log_y=True")
        fig.add_trace(go.Bar(
            x=cats, y=v, name=name, meta=name, marker=dict(color=colors.get(name, st.GHOST)),
            text=[format(x, fmt) for x in v], textposition="outside", cliponaxis=False,
            textfont=dict(size=st.font_size(presenter, st.SMALL_FONT)),
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.4g}}<extra></extra>",
        ))
    st.base_layout(fig, title, presenter, height=int(440 * st.scale(presenter)))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    fig.update_xaxes(title_text=x_title, showgrid=False, ticks="")
    fig.update_yaxes(title_text=_axis_title(y_title, log_y, lang), type="log" if log_y else "linear")
    if log_y and presenter:  # powers of ten only: large labels at 2, 3, 5 between them run into each other
        fig.update_yaxes(dtick=1)
    if len(series) == 1:  # the title names the only series
        fig.update_layout(showlegend=False)
        return fig
    return _legend_on_top(fig, presenter)


def _group(name: str) -> str:
    """The quantity a series measures: the text before ':' ("bias²: closed form" -> "bias²")."""
    return name.split(":")[0].strip()


def checked_curves(x_line, lines: dict, x_points, points: dict, *, x_title: str, y_title: str,
                   presenter: bool = False, title: str | None = None, vline: float | None = None,
                   vline_label: str = "") -> go.Figure:
    """Closed forms as lines and simulations as hollow markers with ± 2 standard-error bars.

    Series whose names share the text before ':' measure the same quantity and share a colour, so a marker
    sitting on its line is the check.

    Args:
      x_line: (n,) x of the closed-form lines; lines: name -> (n,) values.
      x_points: (m,) x of the simulated points; points: name -> ((m,) values, (m,) standard errors or None).
      vline: optional x of a vertical marker (e.g. the slider's current value), labelled vline_label.
    """
    xl = st.as_array(x_line, "x_line", 1)
    xp = st.as_array(x_points, "x_points", 1)
    if not lines and not points:
        raise ValueError("lines and points must name at least one series between them")
    groups = list(dict.fromkeys(_group(n) for n in [*lines, *points]))
    color = {g: CHECK_COLORS[i % len(CHECK_COLORS)] for i, g in enumerate(groups)}
    fig = go.Figure()
    for name, values in lines.items():
        y = st.as_array(values, f"lines[{name!r}]", 1)
        if y.shape != xl.shape:
            raise ValueError(f"lines[{name!r}] must have shape {xl.shape} to match x_line, got {y.shape}")
        fig.add_trace(go.Scatter(
            x=xl, y=y, mode="lines", name=name, meta="closed", legendgroup=_group(name),
            line=dict(color=color[_group(name)], width=st.line_width(presenter)),
            hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>",
        ))
    for name, value in points.items():
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"points[{name!r}] must be a (values, standard errors or None) pair")
        y = st.as_array(value[0], f"points[{name!r}] values", 1)
        if y.shape != xp.shape:
            raise ValueError(f"points[{name!r}] must have shape {xp.shape} to match x_points, got {y.shape}")
        err = None
        if value[1] is not None:
            err = st.as_array(value[1], f"points[{name!r}] errors", 1)
            if err.shape != xp.shape or np.any(err < 0):
                raise ValueError(f"points[{name!r}] errors must be {xp.size} non-negative values")
        c = color[_group(name)]
        fig.add_trace(go.Scatter(
            x=xp, y=y, mode="markers", name=name, meta="sampled", legendgroup=_group(name),
            showlegend=not presenter,  # presenter mode: the legend names the quantities, the caption the circles
            marker=dict(color="white", size=st.marker_size(presenter, 11), symbol="circle",
                        line=dict(color=c, width=st.line_width(presenter, 2.5))),
            error_y=None if err is None else dict(type="data", array=2 * err, color=c,
                                                  thickness=st.line_width(presenter, 1.5)),
            hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>",
        ))
    if vline is not None:
        fig.add_vline(x=float(vline), line=dict(color="#555555", width=st.line_width(presenter, 1.5), dash="dot"),
                      annotation=dict(text=vline_label, font=dict(size=st.font_size(presenter, st.SMALL_FONT))),
                      annotation_position="top right")
    st.base_layout(fig, title, presenter, height=int(480 * st.scale(presenter)))
    if presenter:  # the plot keeps the column's width: one row of quantities over it
        _legend_on_top(fig, presenter)
    else:  # a legend column at the right: a closed form and its samples sit next to each other
        fig.update_layout(legend=dict(x=1.02, xanchor="left", y=1, yanchor="top", tracegroupgap=8))
    fig.update_xaxes(title_text=x_title)
    # Presenter mode: a long y-axis title over two lines, so it fits the height of a figure beside its controls.
    long_y = presenter and len(y_title) > 24
    fig.update_yaxes(title_text=two_lines(y_title) if long_y else y_title, rangemode="tozero", automargin=long_y)
    return fig


def line_chart(x, series: dict, *, x_title: str, y_title: str, presenter: bool = False, title: str | None = None,
               vline: float | None = None, vline_label: str = "", dashed: tuple = (), log_y: bool = False,
               colors: dict | None = None, lang: str = "en") -> go.Figure:
    """One solid line per model (names in `dashed` are dashed), with an optional labelled vertical marker.

    Args:
      x: (n,) shared x values (e.g. training steps); series: name -> (n,) values.
    """
    xv = st.as_array(x, "x", 1)
    if not series:
        raise ValueError("series must name at least one line")
    colors = colors or st.model_colors(series)
    fig = go.Figure()
    for name, values in series.items():
        y = st.as_array(values, f"series[{name!r}]", 1)
        if y.shape != xv.shape:
            raise ValueError(f"series[{name!r}] must have shape {xv.shape} to match x, got {y.shape}")
        if log_y and np.any(y <= 0):
            raise ValueError(f"series[{name!r}] must be positive when log_y=True")
        fig.add_trace(go.Scatter(
            x=xv, y=y, mode="lines", name=name, meta=name,
            line=dict(color=colors.get(name, st.GHOST), width=st.line_width(presenter),
                      dash="dash" if name in dashed else "solid"),
            hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>",
        ))
    if vline is not None:
        fig.add_vline(x=float(vline), line=dict(color="#555555", width=st.line_width(presenter, 1.5), dash="dot"),
                      annotation=dict(text=vline_label, font=dict(size=st.font_size(presenter, st.SMALL_FONT)),
                                      bgcolor="rgba(255,255,255,0.8)"),
                      annotation_position="top right")
    st.base_layout(fig, title, presenter, height=int(460 * st.scale(presenter)))
    fig.update_layout(hovermode="x unified")
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=_axis_title(y_title, log_y, lang), type="log" if log_y else "linear")
    return _legend_on_top(fig, presenter)


def histogram_panels(series: dict, *, bins: int = 60, x_title: str = "value", y_title: str = "count",
                     presenter: bool = False, title: str | None = None, colors: dict | None = None,
                     quantile: float = 0.995) -> go.Figure:
    """One histogram per series side by side, on shared bins and x range, each with its own count axis.

    The shared range covers the central `quantile` of all values pooled (a few outliers would otherwise
    squeeze every bar into the middle); values outside it are counted in the end bins.
    """
    if not series or len(series) > 6:
        raise ValueError(f"series must name 1 to 6 arrays, got {len(series)}")
    bins = int(bins)
    if not 2 <= bins <= 400:
        raise ValueError(f"bins must lie in [2, 400], got {bins}")
    data = {name: st.as_array(v, f"series[{name!r}]").reshape(-1) for name, v in series.items()}
    if any(a.size == 0 or not np.all(np.isfinite(a)) for a in data.values()):
        raise ValueError("every series must hold finite values")
    r = float(np.quantile(np.abs(np.concatenate(list(data.values()))), quantile)) or 1.0
    edges = np.linspace(-r, r, bins + 1)
    centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
    colors = colors or st.model_colors(data)
    fig = make_subplots(rows=1, cols=len(data), subplot_titles=list(data), horizontal_spacing=0.06)
    st.subplot_title_fonts(fig, presenter)
    for i, (name, a) in enumerate(data.items()):
        counts, _edges = np.histogram(np.clip(a, -r, r), bins=edges)
        fig.add_trace(go.Bar(x=centres, y=counts, width=width, name=name, meta=name, showlegend=False,
                             marker=dict(color=colors.get(name, st.GHOST), line=dict(width=0)),
                             hovertemplate=f"{name}<br>%{{x:.3g}}: %{{y}}<extra></extra>"), row=1, col=i + 1)
    st.base_layout(fig, title, presenter, height=int(400 * st.scale(presenter)))
    fig.update_layout(bargap=0)
    fig.update_xaxes(title_text=x_title, range=[-r, r])
    fig.update_yaxes(title_text=y_title, row=1, col=1)
    return fig
