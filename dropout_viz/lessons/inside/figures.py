"""Figures of the "Inside the network" lesson: closed form against simulation, and the Jensen picture."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dropout_viz.core.i18n import N_, translator
from dropout_viz.figures import style as st
from dropout_viz.figures.curves import band_chart

CHECK_COLORS = (st.BLUE, st.VERMILLION, st.GREEN, st.PURPLE)


def _group(name: str) -> str:
    """The quantity a series measures: the text before ':' ("one path: closed form" -> "one path")."""
    return name.split(":")[0].strip()


def _legend_on_top(fig: go.Figure, presenter: bool) -> go.Figure:
    """A horizontal legend between title and plot, so the plot keeps the full width of a narrow column."""
    s = st.scale(presenter)
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
                      margin=dict(t=int(100 * s)))
    return fig


def compare_bands(x, series: dict, *, presenter: bool = False, **kw) -> go.Figure:
    """figures.band_chart (mean line, shaded band per series) with the legend on top instead of at the side."""
    return _legend_on_top(band_chart(x, series, presenter=presenter, **kw), presenter)


def closed_vs_sampled(x, lines: dict, points: dict, *, x_title: str, y_title: str, presenter: bool = False,
                      title: str | None = None, log_y: bool = False, lang: str = "en") -> go.Figure:
    """Closed forms as lines, simulations as markers (with error bars), one colour per quantity.

    Series whose names share the text before ':' (e.g. "one path: closed form" and "one path: sampled")
    measure the same quantity and share a colour; a marker sitting on its line is the check.

    Args:
      x: (n,) x values shared by every series.
      lines: name -> (n,) closed-form values.
      points: name -> (values (n,), standard errors (n,) or None); NaN values are left out.
      lang: the language of the figure's own words (the axis note on a log scale).
    """
    _ = translator(lang)
    xv = st.as_array(x, "x", 1)
    if not lines and not points:
        raise ValueError("lines and points must name at least one series between them")
    groups = list(dict.fromkeys(_group(n) for n in list(lines) + list(points)))
    color = {g: CHECK_COLORS[i % len(CHECK_COLORS)] for i, g in enumerate(groups)}
    fig = go.Figure()
    for name, values in lines.items():
        y = st.as_array(values, f"lines[{name!r}]", 1)
        if y.shape != xv.shape:
            raise ValueError(f"lines[{name!r}] must have shape {xv.shape} to match x, got {y.shape}")
        fig.add_trace(go.Scatter(
            x=xv, y=y, mode="lines", name=name, meta="closed",
            line=dict(color=color[_group(name)], width=st.line_width(presenter)),
            hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>",
        ))
    symbols = ("circle", "diamond", "square", "triangle-up")
    for i, (name, value) in enumerate(points.items()):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"points[{name!r}] must be a (values, standard errors or None) pair")
        y = st.as_array(value[0], f"points[{name!r}] values", 1)
        if y.shape != xv.shape:
            raise ValueError(f"points[{name!r}] must have shape {xv.shape} to match x, got {y.shape}")
        err = None
        if value[1] is not None:
            err = st.as_array(value[1], f"points[{name!r}] errors", 1)
            if err.shape != xv.shape or np.any(err[np.isfinite(err)] < 0):
                raise ValueError(f"points[{name!r}] errors must be {xv.size} non-negative values")
        c = color[_group(name)]
        # Presenter mode: a quantity with a closed-form line is named once, by its line (the caption says what the
        # markers are), so the legend over the plot stays short.
        named = presenter and any(_group(line) == _group(name) for line in lines)
        fig.add_trace(go.Scatter(
            x=xv, y=y, mode="markers", name=name, meta="sampled", showlegend=not named,
            marker=dict(color="white", size=st.marker_size(presenter, 11), symbol=symbols[i % len(symbols)],
                        line=dict(color=c, width=st.line_width(presenter, 2.5))),
            error_y=None if err is None else dict(type="data", array=2 * err, color=c,
                                                  thickness=st.line_width(presenter, 1.5)),
            hovertemplate=f"{name}: %{{y:.4g}}" + ("" if err is None else " ± %{error_y.array:.2g} (2 SE)")
            + "<extra></extra>",
        ))
    st.base_layout(fig, title, presenter, height=int(480 * st.scale(presenter)))
    # showlegend: a lone series would otherwise lose its legend entry, which says closed form or simulation.
    fig.update_layout(hovermode="x unified", showlegend=True)
    _legend_on_top(fig, presenter)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=_("{title} (log scale)").format(title=y_title) if log_y else y_title,
                     type="log" if log_y else "linear")
    return fig


def refill_closed_vs_sampled(frame: go.Figure, x, lines: dict, points: dict, *, title: str | None = None) -> go.Figure:
    """closed_vs_sampled(x, lines, points, title=title, ...) from ``frame``, a closed_vs_sampled figure of the same
    series (names, and which points have error bars), axis titles, language and mode, with a title if and only if
    this one has one: the same figure without Plotly's per-property validation (about 30 ms a figure, the most of
    a slider move). Only the values and the title differ between two such figures."""
    spec = frame.to_dict()
    traces = spec["data"]
    if ([t.get("name") for t in traces] != list(lines) + list(points) or bool(title) != bool(frame.layout.title.text)
            or any((v[1] is None) != ("error_y" not in t) for t, v in zip(traces[len(lines):], points.values()))):
        raise ValueError("frame must be a closed_vs_sampled figure of the same series, titled alike")
    xv = st.as_array(x, "x", 1)
    for trace, (name, values) in zip(traces, lines.items()):
        trace["x"], trace["y"] = xv, st.as_array(values, f"lines[{name!r}]", 1)
    for trace, (name, (values, err)) in zip(traces[len(lines):], points.items()):
        trace["x"], trace["y"] = xv, st.as_array(values, f"points[{name!r}] values", 1)
        if err is not None:
            trace["error_y"]["array"] = 2 * st.as_array(err, f"points[{name!r}] errors", 1)
    if any(np.shape(t["y"]) != xv.shape for t in traces):
        raise ValueError(f"every series must have shape {xv.shape} to match x")
    if title:
        spec["layout"]["title"]["text"] = title
    return go.Figure(spec, _validate=False)


# The words of the Jensen picture (legend entries, gap label, x-axis title), translated into the figure's language.
JENSEN_TEXT = {"subnetworks": N_("one subnetwork (area ∝ probability)"), "gap": N_("Jensen's gap"),
               "mean_of_f": N_("E[f(z)]: average of the subnetworks"),
               "f_of_mean": N_("f(E z): the weight-scaled unit"),
               "x_title": N_("pre-activation z")}


def jensen_picture(z, prob, *, presenter: bool = False, title: str | None = None, lang: str = "en") -> go.Figure:
    """Jensen's inequality for one unit, two panels (f = z² and f = ReLU).

    Each subnetwork m is a dot at (z_m, f(z_m)) with area proportional to p(m). A hollow diamond marks
    E[f(z)] (the average output of the subnetworks) and a filled square f(E z) (the weight-scaled unit);
    the vertical segment between them, at z = E z, is the gap.

    Args:
      z: (M,) pre-activations of the M subnetworks; prob: (M,) their probabilities (summing to 1).
      lang: the language of the legend, the gap label and the axis title.
    """
    _ = translator(lang)
    words = {name: _(text) for name, text in JENSEN_TEXT.items()}
    zv = st.as_array(z, "z", 1)
    pv = st.as_array(prob, "prob", 1)
    if zv.shape != pv.shape or zv.size == 0:
        raise ValueError(f"z and prob must be non-empty and of the same shape, got {zv.shape} and {pv.shape}")
    if np.any(pv < 0) or not np.isclose(pv.sum(), 1.0, atol=1e-6):
        raise ValueError(f"prob must be non-negative and sum to 1, got sum {pv.sum():.6g}")
    mean = float(pv @ zv)
    s = st.scale(presenter)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("f(z) = z²", "f(z) = ReLU(z) = max(z, 0)"),
                        horizontal_spacing=0.1)
    st.subplot_title_fonts(fig, presenter)
    lo, hi = float(zv.min()), float(zv.max())
    pad = 0.1 * max(hi - lo, 1.0)
    grid = np.linspace(lo - pad, hi + pad, 200)
    # Dot area proportional to p(m); the most likely subnetwork gets the largest dot.
    sizes = 6 * s + 22 * s * np.sqrt(pv / pv.max())
    for col, (fname, f) in enumerate((("z²", np.square), ("ReLU", lambda a: np.maximum(a, 0.0))), start=1):
        e_f = float(pv @ f(zv))
        f_mean = float(f(np.array(mean)))
        show = col == 1
        fig.add_trace(go.Scatter(x=grid, y=f(grid), mode="lines", name="f(z)", meta="f", showlegend=show,
                                 legendgroup="f", line=dict(color=st.GHOST, width=st.line_width(presenter, 2))),
                      row=1, col=col)
        fig.add_trace(go.Scatter(
            x=zv, y=f(zv), mode="markers", name=words["subnetworks"], meta="subnetworks",
            showlegend=show, legendgroup="sub", customdata=pv,
            marker=dict(size=sizes, color=st.rgba(st.BLUE, 0.35), line=dict(color=st.BLUE, width=1)),
            hovertemplate=f"z = %{{x:.3g}}, {fname} = %{{y:.3g}}, p = %{{customdata:.3g}}<extra></extra>",
        ), row=1, col=col)
        fig.add_trace(go.Scatter(
            x=[mean, mean], y=[f_mean, e_f], mode="lines", name=words["gap"], meta="gap", showlegend=show,
            legendgroup="gap", line=dict(color=st.VERMILLION, width=st.line_width(presenter, 4)),
            hovertemplate=f"{words['gap']} = {e_f - f_mean:.4g}<extra></extra>",
        ), row=1, col=col)
        fig.add_trace(go.Scatter(
            x=[mean], y=[e_f], mode="markers", name=words["mean_of_f"], meta="mean_of_f",
            showlegend=show, legendgroup="ef",
            marker=dict(symbol="diamond-open", size=st.marker_size(presenter, 16), color=st.VERMILLION,
                        line=dict(width=3 * s)),
            hovertemplate=f"E[{fname}(z)] = %{{y:.4g}}<extra></extra>",
        ), row=1, col=col)
        fig.add_trace(go.Scatter(
            x=[mean], y=[f_mean], mode="markers", name=words["f_of_mean"], meta="f_of_mean",
            showlegend=show, legendgroup="fe",
            marker=dict(symbol="square", size=st.marker_size(presenter, 12), color=st.BLACK),
            hovertemplate=f"{fname}(E z) = %{{y:.4g}}<extra></extra>",
        ), row=1, col=col)
        fig.add_annotation(x=mean, y=e_f, text=f"{words['gap']} = {e_f - f_mean:.3g}", showarrow=True, arrowhead=0, ax=40 * s,
                           ay=-36 * s, font=dict(size=st.font_size(presenter), color=st.VERMILLION),
                           bgcolor="rgba(255,255,255,0.85)", row=1, col=col)
    st.base_layout(fig, title, presenter, height=int(470 * s))
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-0.2, yanchor="top"),
                      margin=dict(b=int(120 * s)))
    if presenter:  # the legend at the figure's foot, under the large tick labels, however tall the figure is drawn
        fig.update_layout(legend=dict(yref="container", y=0.01, yanchor="bottom"), margin=dict(b=int(130 * s)))
    fig.update_xaxes(title_text=words["x_title"])
    fig.update_yaxes(title_text="f(z)", col=1)
    return fig


def refill_jensen_picture(frame: go.Figure, z, prob, *, presenter: bool = False,
                          title: str | None = None) -> go.Figure:
    """jensen_picture(z, prob, presenter=presenter, title=title, ...) from ``frame``, a jensen_picture in the same
    language and mode (with a title if and only if this one has one): the same figure without Plotly's
    per-property validation (about 60 ms a figure, the most of a slider move). Only the values, the gaps'
    labels and the title differ."""
    zv = st.as_array(z, "z", 1)
    pv = st.as_array(prob, "prob", 1)
    if zv.shape != pv.shape or zv.size == 0:
        raise ValueError(f"z and prob must be non-empty and of the same shape, got {zv.shape} and {pv.shape}")
    if np.any(pv < 0) or not np.isclose(pv.sum(), 1.0, atol=1e-6):
        raise ValueError(f"prob must be non-negative and sum to 1, got sum {pv.sum():.6g}")
    spec = frame.to_dict()
    traces, notes = spec["data"], spec["layout"].get("annotations", [])
    metas = ["f", "subnetworks", "gap", "mean_of_f", "f_of_mean"]
    if [t.get("meta") for t in traces] != metas * 2 or len(notes) != 4 or bool(title) != bool(frame.layout.title.text):
        raise ValueError("frame must be a jensen_picture, titled alike")
    gap = traces[2]["name"]  # the word, in the frame's language
    mean = float(pv @ zv)
    s = st.scale(presenter)
    lo, hi = float(zv.min()), float(zv.max())
    pad = 0.1 * max(hi - lo, 1.0)
    grid = np.linspace(lo - pad, hi + pad, 200)
    sizes = 6 * s + 22 * s * np.sqrt(pv / pv.max())
    for col, f in enumerate((np.square, lambda a: np.maximum(a, 0.0))):
        line, dots, segment, e_dot, f_dot = traces[5 * col:5 * col + 5]
        e_f = float(pv @ f(zv))
        f_mean = float(f(np.array(mean)))
        line["x"], line["y"] = grid, f(grid)
        dots["x"], dots["y"], dots["customdata"] = zv, f(zv), pv
        dots["marker"]["size"] = sizes
        segment["x"], segment["y"] = [mean, mean], [f_mean, e_f]
        segment["hovertemplate"] = f"{gap} = {e_f - f_mean:.4g}<extra></extra>"
        e_dot["x"], e_dot["y"] = [mean], [e_f]
        f_dot["x"], f_dot["y"] = [mean], [f_mean]
        note = notes[2 + col]
        note["x"], note["y"], note["text"] = mean, e_f, f"{gap} = {e_f - f_mean:.3g}"
    if title:
        spec["layout"]["title"]["text"] = title
    return go.Figure(spec, _validate=False)

