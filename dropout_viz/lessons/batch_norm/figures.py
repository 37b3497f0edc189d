"""Figures of the batch-norm lesson: NumPy in, Plotly out (no JAX, no Streamlit).

Every builder takes ``lang`` and translates its own titles and axis labels; names of series (variants, layers)
come in already in the reader's language.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dropout_viz.figures import style as st
from dropout_viz.core.i18n import translator

LAYER_COLORS = (st.BLUE, st.VERMILLION, st.GREEN, st.PURPLE, st.ORANGE, st.SKY_BLUE, st.BLACK)


def _titled(fig: go.Figure, title: str | None, presenter: bool, height: int) -> go.Figure:
    """The shared look with a long title split after its first colon into a title and a subtitle (the figures
    share half a page's width, where one line would be cut)."""
    head, tail = title, None
    # Width in Latin characters: a CJK character is about two of them.
    if title and sum(2 if ord(c) >= 0x2E80 else 1 for c in title) > 34:
        for colon in ("：", ": "):
            if colon in title:
                head, tail = title.split(colon, 1)
                break
    st.base_layout(fig, head, presenter, height=height)
    if tail:
        fig.update_layout(title=dict(subtitle=dict(text=tail, font=dict(size=st.font_size(presenter),
                                                                        color=st.TEXT))))
    return fig


def _legend_on_top(fig: go.Figure, presenter: bool, top: int = 90) -> go.Figure:
    s = st.scale(presenter)
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom"),
                      margin=dict(t=int(top * s)))
    return fig


def histogram(train_values, test_values, *, lang: str = "en", presenter: bool = False,
              title: str | None = None) -> go.Figure:
    """One BN unit's outputs over the test set: with masks (as in training) against without (test), both
    normalised with the running statistics."""
    _ = translator(lang)
    a = st.as_array(train_values, "train_values", 1)
    b = st.as_array(test_values, "test_values", 1)
    both = np.concatenate([a, b])
    lo, hi = np.percentile(both, [0.5, 99.5])
    bins = dict(start=float(lo), end=float(hi), size=float(max(hi - lo, 1e-6) / 40))
    fig = go.Figure()
    for values, name, color in ((a, _("training mode: masks on"), st.VERMILLION),
                                (b, _("test mode: no masks"), st.BLUE)):
        fig.add_trace(go.Histogram(x=values, xbins=bins, name=f"{name} (sd {values.std():.2f})", meta="hist",
                                   marker=dict(color=st.rgba(color, 0.55), line=dict(color=color, width=1)),
                                   histnorm="probability density"))
    fig.update_layout(barmode="overlay")
    _titled(fig, title, presenter, int(370 * st.scale(presenter)))
    fig.update_xaxes(title_text=_("BN output (normalised with the running statistics)"))
    fig.update_yaxes(title_text=_("density"))
    return _legend_on_top(fig, presenter, top=130)


def refill_histogram(frame: go.Figure, train_values, test_values, *, title: str | None = None) -> go.Figure:
    """histogram(train_values, test_values, lang=lang, presenter=presenter, title=title) from ``frame``, a histogram
    in the same language and mode (with a title if and only if this one has one): the same figure without Plotly's
    per-property validation (the most of a move of the layer or unit). Only the values, the bins, the legend's
    standard deviations and the title differ between two such figures."""
    a = st.as_array(train_values, "train_values", 1)
    b = st.as_array(test_values, "test_values", 1)
    spec = frame.to_dict()
    traces = spec["data"]
    if len(traces) != 2 or bool(title) != bool(frame.layout.title.text):
        raise ValueError("frame must be a histogram, titled alike")
    lo, hi = np.percentile(np.concatenate([a, b]), [0.5, 99.5])
    bins = dict(start=float(lo), end=float(hi), size=float(max(hi - lo, 1e-6) / 40))
    for trace, values in zip(traces, (a, b)):
        trace["x"], trace["xbins"] = values, dict(bins)
        trace["name"] = f"{trace['name'].rsplit(' (sd ', 1)[0]} (sd {values.std():.2f})"
    if title:
        spec["layout"]["title"]["text"] = title
    return go.Figure(spec, _validate=False)


def closed_vs_sampled(closed, sampled, layer_names, *, lang: str = "en", presenter: bool = False,
                      title: str | None = None) -> go.Figure:
    """Var_train of every BN unit: closed form (x) against sampled masks (y), one colour per layer."""
    _ = translator(lang)
    c = st.as_array(closed, "closed", 2)
    s = st.as_array(sampled, "sampled", 2)
    if c.shape != s.shape or len(layer_names) != c.shape[0]:
        raise ValueError(f"closed and sampled must share a shape (layers, units) with one name per layer, got "
                         f"{c.shape}, {s.shape} and {len(layer_names)} names")
    fig = go.Figure()
    top = float(max(c.max(), s.max())) * 1.05
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name=_("closed form = sampled"), meta="diagonal",
                             line=dict(color=st.GHOST, dash="dash", width=st.line_width(presenter, 1.5))))
    for i, name in enumerate(layer_names):
        fig.add_trace(go.Scatter(x=c[i], y=s[i], mode="markers", name=name, meta="units",
                                 marker=dict(color=LAYER_COLORS[i % len(LAYER_COLORS)],
                                             size=st.marker_size(presenter, 7), opacity=0.8),
                                 hovertemplate=_("closed form") + " %{x:.3g}<br>" + _("sampled") +
                                 " %{y:.3g}<extra></extra>"))
    s = st.scale(presenter)
    _titled(fig, title, presenter, int(370 * s))
    fig.update_xaxes(title_text=_("Var_train, closed form"), rangemode="tozero")
    fig.update_yaxes(title_text=_("Var_train, sampled masks"), rangemode="tozero")
    # The legend sits in the empty upper-left corner (the points run along the diagonal).
    fig.update_layout(legend=dict(x=0.02, xanchor="left", y=0.98, yanchor="top"), margin=dict(t=int(100 * s)))
    return fig


def ratio_strip(ratios, layer_names, keep: float, *, lang: str = "en", presenter: bool = False,
                title: str | None = None) -> go.Figure:
    """Per-unit Var_test / running variance for each BN layer (1 = BN's statistics right at test time)."""
    _ = translator(lang)
    r = st.as_array(ratios, "ratios", 2)
    if len(layer_names) != r.shape[0]:
        raise ValueError(f"layer_names needs one name per row of ratios ({r.shape[0]}), got {len(layer_names)}")
    fig = go.Figure()
    rng = np.random.default_rng(0)  # horizontal jitter only, so overlapping units stay visible
    for i, name in enumerate(layer_names):
        fig.add_trace(go.Scatter(
            x=i + rng.uniform(-0.25, 0.25, r.shape[1]), y=r[i], mode="markers", name=name, meta="units",
            marker=dict(color=LAYER_COLORS[i % len(LAYER_COLORS)], size=st.marker_size(presenter, 7), opacity=0.7),
            hovertemplate="%{y:.3f}<extra>" + name + "</extra>", showlegend=False))
        fig.add_trace(go.Scatter(x=[i - 0.35, i + 0.35], y=[r[i].mean()] * 2, mode="lines", showlegend=False,
                                 meta="mean", line=dict(color=st.BLACK, width=st.line_width(presenter, 3)),
                                 hovertemplate=_("mean") + " %{y:.3f}<extra></extra>"))
    # Reference lines as legend entries: an annotation on the plot would sit on some layer's points.
    ends = [-0.5, len(layer_names) - 0.5]
    fig.add_trace(go.Scatter(x=ends, y=[1.0, 1.0], mode="lines", name=_("1: statistics right"), meta="reference",
                             line=dict(color=st.GHOST, dash="dash", width=st.line_width(presenter, 1.5))))
    fig.add_trace(go.Scatter(x=ends, y=[keep, keep], mode="lines", meta="reference",
                             name=_("q = {q}").format(q=f"{keep:.2g}"),
                             line=dict(color=st.ORANGE, dash="dot", width=st.line_width(presenter, 2))))
    _titled(fig, title, presenter, int(370 * st.scale(presenter)))
    fig.update_xaxes(tickvals=list(range(len(layer_names))), ticktext=list(layer_names), range=ends)
    fig.update_yaxes(title_text=_("Var_test / running variance"), rangemode="tozero")
    return _legend_on_top(fig, presenter, top=130)


def error_dots(names, errors, errors_fresh=None, *, lang: str = "en", presenter: bool = False,
               title: str | None = None, height: int = 440) -> go.Figure:
    """Test error per variant: one dot per seed, the mean as a bar with ± one standard deviation."""
    _ = translator(lang)
    e = st.as_array(errors, "errors", 2)
    if len(names) != e.shape[0]:
        raise ValueError(f"names needs one entry per row of errors ({e.shape[0]}), got {len(names)}")
    series = [(e, _("running BN statistics"), st.BLUE, -0.18)]
    if errors_fresh is not None:
        f = st.as_array(errors_fresh, "errors_fresh", 2)
        if f.shape != e.shape:
            raise ValueError(f"errors_fresh must have the shape of errors {e.shape}, got {f.shape}")
        series.append((f, _("BN statistics re-estimated without dropout"), st.GREEN, 0.18))
    else:
        series[0] = (e, _("test error"), st.BLUE, 0.0)
    fig = go.Figure()
    x = np.arange(len(names))
    for values, label, color, dx in series:
        mean, sd = values.mean(axis=1), values.std(axis=1)
        fig.add_trace(go.Bar(x=x + dx, y=100 * mean, width=0.34 if errors_fresh is not None else 0.6, name=label,
                             meta="mean", marker=dict(color=st.rgba(color, 0.35), line=dict(color=color, width=1.5)),
                             error_y=dict(type="data", array=100 * sd, color=color,
                                          thickness=st.line_width(presenter, 2)),
                             hovertemplate="%{y:.2f}%<extra>" + label + "</extra>"))
        xs = np.repeat(x + dx, values.shape[1]) + np.tile(np.linspace(-0.08, 0.08, values.shape[1]), len(names))
        fig.add_trace(go.Scatter(x=xs, y=100 * values.reshape(-1), mode="markers", meta="seeds", showlegend=False,
                                 marker=dict(color=color, size=st.marker_size(presenter, 6)),
                                 hovertemplate="%{y:.2f}%<extra>" + _("one seed") + "</extra>"))
    st.base_layout(fig, title, presenter, height=int(height * st.scale(presenter)))
    # Two-line labels, never rotated: a long variant name breaks after its comma.
    fig.update_xaxes(tickvals=list(x), ticktext=[n.replace(", ", ",<br>").replace("，", "，<br>") for n in names],
                     tickangle=0)
    fig.update_yaxes(title_text=_("test error (%)"), rangemode="tozero")
    return _legend_on_top(fig, presenter)


def width_figure(widths, ratio, ratio_closed, errors, errors_fresh, keep: float, *, lang: str = "en",
                 presenter: bool = False, title: str | None = None) -> go.Figure:
    """Left: Var_test / running variance of the second BN layer against width (measured, and the closed form's
    Var_test / Var_train). Right: test error against width, running against re-estimated statistics."""
    _ = translator(lang)
    w = st.as_array(widths, "widths", 1)
    arrays = [st.as_array(a, n, 2) for a, n in ((ratio, "ratio"), (ratio_closed, "ratio_closed"),
                                                  (errors, "errors"), (errors_fresh, "errors_fresh"))]
    for a in arrays:
        if a.shape[0] != len(w):
            raise ValueError(f"every array needs one row per width ({len(w)}), got {a.shape}")
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=(_("BN layer 2: Var_test / Var_train"), _("test error (%)")))
    st.subplot_title_fonts(fig, presenter)

    def band(col, values, name, color, scale=1.0, dash=None):
        mean, lo, hi = scale * values.mean(1), scale * values.min(1), scale * values.max(1)
        fig.add_trace(go.Scatter(x=np.concatenate([w, w[::-1]]), y=np.concatenate([hi, lo[::-1]]), fill="toself", mode="lines",
                                 fillcolor=st.rgba(color, 0.15), line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, meta="band"), row=1, col=col)
        fig.add_trace(go.Scatter(x=w, y=mean, mode="lines+markers", name=name, meta="mean",
                                 line=dict(color=color, width=st.line_width(presenter), dash=dash),
                                 marker=dict(size=st.marker_size(presenter))), row=1, col=col)

    band(1, arrays[0], _("measured: Var_test / running variance"), st.BLUE)
    band(1, arrays[1], _("closed form: Var_test / Var_train"), st.ORANGE, dash="dash")
    band(2, arrays[2], _("running BN statistics"), st.VERMILLION, 100.0)
    band(2, arrays[3], _("BN statistics re-estimated without dropout"), st.GREEN, 100.0)
    fig.add_hline(y=1.0, line=dict(color=st.GHOST, dash="dot"), row=1, col=1)
    fig.add_hline(y=keep, line=dict(color=st.GHOST, dash="dot"), row=1, col=1,
                  annotation_text=_("q = {q}").format(q=f"{keep:.2g}"), annotation_position="bottom right")
    s = st.scale(presenter)
    st.base_layout(fig, title, presenter, height=int(500 * s))
    fig.update_xaxes(type="log", tickvals=list(w), ticktext=[str(int(v)) for v in w],
                     title_text=_("units per hidden layer"))
    fig.update_yaxes(rangemode="tozero")
    # Legend under the axes: above them it would cover the two panels' titles.
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-0.22, yanchor="top"),
                      margin=dict(b=int(150 * s)))
    return fig


def heatmap(keep_in, keep_hidden, errors, *, marks=((0.8, 0.5),), lang: str = "en", presenter: bool = False,
            title: str | None = None) -> go.Figure:
    """Mean test error over input keep (rows) × hidden keep (columns); the textbook's setting marked."""
    _ = translator(lang)
    ki, kh = st.as_array(keep_in, "keep_in", 1), st.as_array(keep_hidden, "keep_hidden", 1)
    e = st.as_array(errors, "errors", 2)
    if e.shape != (len(ki), len(kh)):
        raise ValueError(f"errors must have shape {(len(ki), len(kh))}, got {e.shape}")
    best = np.unravel_index(np.argmin(e), e.shape)
    # Colours resolve the good region: the scale ends at three times the lowest error (every cell's number is
    # written on it, so a saturated cell still reads exactly).
    top = float(min(e.max(), max(3 * e.min(), e.min() + 0.05)))
    fig = go.Figure(go.Heatmap(
        x=[f"{v:.2g}" for v in kh], y=[f"{v:.2g}" for v in ki], z=100 * e, meta="heatmap",
        colorscale="Viridis", reversescale=True, zmin=100 * float(e.min()), zmax=100 * top,
        text=[[f"{100 * v:.1f}" for v in row] for row in e], texttemplate="%{text}",
        textfont=dict(size=st.font_size(presenter, st.SMALL_FONT)),
        colorbar=st.colorbar(presenter, _("test error (%)")),
        hovertemplate=_("input keep") + " %{y}, " + _("hidden keep") + " %{x}: %{z:.1f}%<extra></extra>"))
    for a, b in marks:
        if np.any(np.isclose(ki, a)) and np.any(np.isclose(kh, b)):
            fig.add_trace(go.Scatter(
                x=[f"{kh[np.argmin(abs(kh - b))]:.2g}"], y=[f"{ki[np.argmin(abs(ki - a))]:.2g}"], mode="markers",
                name=_("textbook: inputs 0.8, hidden 0.5"), meta="textbook",
                marker=dict(symbol="square-open", size=st.marker_size(presenter, 34),
                            line=dict(color=st.VERMILLION, width=st.line_width(presenter, 4)))))
    fig.add_trace(go.Scatter(x=[f"{kh[best[1]]:.2g}"], y=[f"{ki[best[0]]:.2g}"], mode="markers", meta="best",
                             name=_("lowest mean error"),
                             marker=dict(symbol="circle-open", size=st.marker_size(presenter, 26),
                                         line=dict(color=st.BLACK, width=st.line_width(presenter, 3)))))
    st.base_layout(fig, title, presenter, height=int(520 * st.scale(presenter)))
    fig.update_xaxes(title_text=_("keep q of the hidden units (both layers)"), type="category")
    fig.update_yaxes(title_text=_("keep q of the inputs"), type="category")
    return _legend_on_top(fig, presenter)


def keep_curves(keeps, errors, names, *, lang: str = "en", presenter: bool = False,
                title: str | None = None) -> go.Figure:
    """Test error against keep, one line per place dropped (errors: (places, keeps, seeds)); band = seed range."""
    _ = translator(lang)
    k = st.as_array(keeps, "keeps", 1)
    e = st.as_array(errors, "errors", 3)
    if e.shape[:2] != (len(names), len(k)):
        raise ValueError(f"errors must have shape ({len(names)}, {len(k)}, seeds), got {e.shape}")
    fig = go.Figure()
    for i, name in enumerate(names):
        color = LAYER_COLORS[i % len(LAYER_COLORS)]
        lo, hi, mean = 100 * e[i].min(-1), 100 * e[i].max(-1), 100 * e[i].mean(-1)
        fig.add_trace(go.Scatter(x=np.concatenate([k, k[::-1]]), y=np.concatenate([hi, lo[::-1]]), fill="toself", mode="lines",
                                 fillcolor=st.rgba(color, 0.12), line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, meta="band"))
        fig.add_trace(go.Scatter(x=k, y=mean, mode="lines+markers", name=name, meta="mean",
                                 line=dict(color=color, width=st.line_width(presenter)),
                                 marker=dict(size=st.marker_size(presenter)),
                                 hovertemplate="q = %{x:.2g}: %{y:.1f}%<extra>" + name + "</extra>"))
    st.base_layout(fig, title, presenter, height=int(440 * st.scale(presenter)))
    fig.update_xaxes(title_text=_("keep q of the dropped place (1 = no dropout)"))
    # The axis stops at three times the error without dropout: a place that collapses (all inputs dropped at low
    # keep) runs off the top instead of flattening the curves that matter.
    cap = 3 * 100 * float(e[:, -1].mean())
    top = float(min(100 * e.mean(-1).max(), cap)) * 1.1
    fig.update_yaxes(title_text=_("test error (%)"), range=[0, top])
    return _legend_on_top(fig, presenter)
