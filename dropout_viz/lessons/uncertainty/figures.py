"""Figures of the uncertainty lesson: NumPy in, Plotly out (no JAX, no Streamlit).

Each builder takes ``lang`` and translates its own titles and labels, so a cached figure is cached per language.
Colours: Monte Carlo dropout blue, the deep ensemble green, the weight-scaled network vermillion, the truth black.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dropout_viz.figures import style
from dropout_viz.figures.titles import two_lines
from dropout_viz.core.i18n import N_, translator

MC = style.BLUE
ENSEMBLE = style.GREEN
WEIGHT_SCALED = style.VERMILLION
TRUTH = style.BLACK
GAP_FILL = "rgba(230,159,0,0.13)"  # orange: the gap in the training data
EXTRAP_FILL = "rgba(120,120,120,0.10)"  # grey: beyond the training inputs


def _below(presenter: bool) -> dict:
    """A horizontal legend under the x-axis titles."""
    return dict(orientation="h", yanchor="top", y=-0.3 if presenter else -0.26, x=0, xanchor="left",
                font=dict(size=style.font_size(presenter, style.SMALL_FONT)))


def _stats(values):
    v = np.asarray(values, np.float64)
    return v.mean(0), v.std(0)


def _band(fig, x, mean, sd, color, name, *, row=1, col=1, showlegend=True, dash=None, width=2.5, group=None,
          marker=None):
    """A line with a translucent ±sd band (over runs)."""
    x = np.asarray(x)
    fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[mean + sd, (mean - sd)[::-1]], mode="lines", fill="toself",
                             fillcolor=style.rgba(color, 0.18), line=dict(width=0), hoverinfo="skip",
                             showlegend=False, legendgroup=group or name), row=row, col=col)
    fig.add_trace(go.Scatter(x=x, y=mean, mode="lines+markers" if marker else "lines", name=name,
                             line=dict(color=color, width=width, dash=dash), marker=marker, legendgroup=group or name,
                             showlegend=showlegend), row=row, col=col)


def reliability_figure(panels, presenter: bool = False, lang: str = "en") -> go.Figure:
    """Reliability diagrams side by side.

    Args:
      panels: list of (name, Reliability-like with edges, count, accuracy, confidence, ece, colour).
    """
    _ = translator(lang)
    titles = [_("{name}<br>ECE = {ece:.3f}").format(name=two_lines(name) if presenter else name, ece=r.ece)
              for name, r, _c in panels]
    # Presenter mode: the panels further apart, so the large tick labels at their ends do not touch.
    fig = make_subplots(1, len(panels), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.09 if presenter else 0.05)
    style.subplot_title_fonts(fig, presenter)
    for i, (name, r, color) in enumerate(panels, start=1):
        edges = np.asarray(r.edges)
        centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
        has = np.asarray(r.count) > 0
        acc = np.where(has, r.accuracy, 0.0)
        conf = np.where(has, r.confidence, 0.0)
        fig.add_trace(go.Bar(x=centres[has], y=acc[has], width=width * 0.92, marker=dict(color=color, line=dict(width=0)),
                             name=_("accuracy in the bin"), legendgroup="acc", showlegend=i == 1,
                             customdata=np.stack([r.count, conf], 1)[has],
                             hovertemplate=_("confidence bin %{x:.2f}: %{customdata[0]} points, accuracy %{y:.3f}, "
                                             "mean confidence %{customdata[1]:.3f}") + "<extra></extra>",
                             meta="accuracy"), row=1, col=i)
        # The gap between accuracy and mean confidence, hatched: what the ECE adds up (weighted by n_b / N).
        fig.add_trace(go.Bar(x=centres[has], y=(conf - acc)[has], base=acc[has], width=width * 0.92,
                             marker=dict(color="rgba(0,0,0,0)", line=dict(color=style.VERMILLION, width=1.5),
                                         pattern=dict(shape="/", fgcolor=style.VERMILLION, size=6)),
                             name=_("gap to the mean confidence"), legendgroup="gap", showlegend=i == 1,
                             hoverinfo="skip"), row=1, col=i)
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=style.GHOST, dash="dash", width=2),
                                 name=_("perfectly calibrated"), legendgroup="diag", showlegend=i == 1,
                                 hoverinfo="skip"), row=1, col=i)
        # Presenter mode: one axis title under the middle panel (three side by side would run into each other).
        middle = i == (len(panels) + 1) // 2
        fig.update_xaxes(title_text=_("confidence (top-class probability)") if middle or not presenter else None,
                         range=[0, 1], row=1, col=i)
    fig.update_yaxes(title_text=_("accuracy"), range=[0, 1.02], row=1, col=1)
    # No figure title (the panels carry theirs, the page says which run): the diagrams get the height.
    style.base_layout(fig, None, presenter, height=430 if not presenter else 520)
    s = style.scale(presenter)
    # Presenter mode: no legend (the caption under the figure says what bars, hatching and diagonal are), so the
    # three panels get the figure's whole width and height.
    fig.update_layout(barmode="overlay", bargap=0, margin=dict(t=int((100 if presenter else 70) * s), r=int(24 * s)),
                      showlegend=not presenter,
                      legend=dict(orientation="v", x=1.01, xanchor="left", y=0.5, yanchor="middle",
                                  font=dict(size=style.font_size(presenter, style.SMALL_FONT))))
    return fig


def refill_reliability(frame: go.Figure, panels, presenter: bool = False, lang: str = "en") -> go.Figure:
    """reliability_figure(panels, presenter, lang) from ``frame``, a reliability_figure of as many panels in the same
    colours, language and mode: the same figure without Plotly's per-property validation (the most of a move of
    k, M or the bins). Only the bars and the panel titles differ between two such figures."""
    _ = translator(lang)
    spec = frame.to_dict()
    traces, notes = spec["data"], spec["layout"].get("annotations", [])
    if len(traces) != 3 * len(panels) or len(notes) != len(panels) or any(
            traces[3 * i]["marker"]["color"] != color for i, (_n, _r, color) in enumerate(panels)):
        raise ValueError("frame must be a reliability_figure of as many panels in the same colours")
    for i, (name, r, _color) in enumerate(panels):
        edges = np.asarray(r.edges)
        centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
        has = np.asarray(r.count) > 0
        acc = np.where(has, r.accuracy, 0.0)
        conf = np.where(has, r.confidence, 0.0)
        bars, gaps = traces[3 * i], traces[3 * i + 1]
        bars.update(x=centres[has], y=acc[has], width=width * 0.92, customdata=np.stack([r.count, conf], 1)[has])
        gaps.update(x=centres[has], y=(conf - acc)[has], base=acc[has].tolist(), width=width * 0.92)  # as validated
        notes[i]["text"] = _("{name}<br>ECE = {ece:.3f}").format(name=two_lines(name) if presenter else name,
                                                                ece=r.ece)
    return go.Figure(spec, _validate=False)


SCORE_TITLES = {"ECE": N_("ECE (lower is better)"), "NLL": N_("NLL, nats (lower is better)"),
                "Brier": N_("Brier score (lower is better)"), "error": N_("test error")}


def scores_figure(curves: dict, k: int, m: int, presenter: bool = False, lang: str = "en") -> go.Figure:
    """Scores against the number of forward passes at test time, MC dropout and the ensemble on one axis.

    Args:
      curves: score name -> (weight_scaled (runs,), mc (runs, K), ensemble (runs, M)).
      k, m: the chosen number of masks and of networks (marked on the curves; the MC curve also marks k = m).
    """
    _ = translator(lang)
    names = list(curves)
    fig = make_subplots(1, len(names), subplot_titles=[_(SCORE_TITLES.get(n, n)) for n in names],
                        horizontal_spacing=0.07)
    style.subplot_title_fonts(fig, presenter)
    ms = style.marker_size(presenter, 12)
    for i, name in enumerate(names, start=1):
        ws, mc, ens = (np.asarray(a, np.float64) for a in curves[name])
        passes_k = np.arange(1, mc.shape[1] + 1)
        passes_m = np.arange(1, ens.shape[1] + 1)
        mean_mc, sd_mc = _stats(mc)
        mean_e, sd_e = _stats(ens)
        first = i == 1
        # The weight-scaled network makes one pass whatever k: a level line across the panel.
        fig.add_trace(go.Scatter(x=[1, max(len(mean_mc), len(mean_e))], y=[float(ws.mean())] * 2, mode="lines",
                                 line=dict(color=WEIGHT_SCALED, dash="dash", width=2.5), meta="weight-scaled",
                                 name=_("weight-scaled network (1 pass)"), showlegend=first), row=1, col=i)
        _band(fig, passes_k, mean_mc, sd_mc, MC, _("MC dropout, k masks of one network"), col=i, showlegend=first)
        _band(fig, passes_m, mean_e, sd_e, ENSEMBLE, _("deep ensemble, M networks"), col=i, showlegend=first,
              marker=dict(size=ms * 0.6, color=ENSEMBLE))
        kk, mm = min(k, len(mean_mc)), min(m, len(mean_e))
        fig.add_vline(x=mm, line=dict(color=style.GHOST, dash="dot", width=2), row=1, col=i, exclude_empty_subplots=False)
        fig.add_trace(go.Scatter(x=[mm], y=[mean_mc[mm - 1]], mode="markers", name=_("MC dropout at k = M: the same cost"),
                                 marker=dict(size=ms, color="white", line=dict(color=MC, width=3), symbol="circle"),
                                 showlegend=first, meta="same-cost"), row=1, col=i)
        fig.add_trace(go.Scatter(x=[kk], y=[mean_mc[kk - 1]], mode="markers", name=_("MC dropout at the chosen k"),
                                 marker=dict(size=ms, color=MC, symbol="circle"), showlegend=first, meta="k"),
                      row=1, col=i)
        fig.add_trace(go.Scatter(x=[mm], y=[mean_e[mm - 1]], mode="markers", name=_("ensemble at the chosen M"),
                                 marker=dict(size=ms, color=ENSEMBLE, symbol="square"), showlegend=first, meta="m"),
                      row=1, col=i)
        # The x title once, under the middle panel: three copies at projector size run into each other.
        fig.update_xaxes(type="log", title_text=_("forward passes at test time") if i == (len(names) + 1) // 2 else None,
                         tickvals=[1, 2, 4, 8, 16, 32, 64], row=1, col=i)
    style.base_layout(fig, _("Scores against the cost at test time (mean ± sd over runs)"), presenter,
                      height=440 if not presenter else 580)
    fig.update_layout(legend=_below(presenter))
    return fig


def refill_scores(frame: go.Figure, curves: dict, k: int, m: int) -> go.Figure:
    """scores_figure(curves, k, m, presenter, lang) from ``frame``, a scores_figure of the same curves in the same
    language and mode for another k and M: the same figure without Plotly's per-property validation (tens of
    milliseconds, the most of a move of k or M). Only the marks of k and M differ between two such figures."""
    spec = frame.to_dict()
    marks = {"same-cost": [], "k": [], "m": []}
    for trace in spec["data"]:
        if trace.get("meta") in marks:
            marks[trace["meta"]].append(trace)
    lines = spec["layout"].get("shapes", [])
    if any(len(v) != len(curves) for v in marks.values()) or len(lines) != len(curves):
        raise ValueError("frame must be a scores_figure of the same curves")
    for i, name in enumerate(curves):
        _ws, mc, ens = (np.asarray(a, np.float64) for a in curves[name])
        mean_mc, mean_e = _stats(mc)[0], _stats(ens)[0]
        kk, mm = min(k, len(mean_mc)), min(m, len(mean_e))
        lines[i]["x0"] = lines[i]["x1"] = mm
        for meta, x, y in (("same-cost", mm, mean_mc[mm - 1]), ("k", kk, mean_mc[kk - 1]), ("m", mm, mean_e[mm - 1])):
            marks[meta][i]["x"], marks[meta][i]["y"] = [x], [y]
    return go.Figure(spec, _validate=False)


def _regions(fig, view, gap, x_range, cols, lang):
    _ = translator(lang)
    for col in cols:
        fig.add_vrect(x0=gap[0], x1=gap[1], fillcolor=GAP_FILL, line_width=0, layer="below", row=1, col=col)
        fig.add_vrect(x0=view[0], x1=x_range[0], fillcolor=EXTRAP_FILL, line_width=0, layer="below", row=1, col=col)
        fig.add_vrect(x0=x_range[1], x1=view[1], fillcolor=EXTRAP_FILL, line_width=0, layer="below", row=1, col=col)
    fig.add_annotation(x=(gap[0] + gap[1]) / 2, y=0.01, yref="paper", xref="x", text=_("gap"), showarrow=False,
                       yanchor="bottom", font=dict(size=style.font_size(False, style.SMALL_FONT), color=style.ORANGE))


def band_figure(x, truth, x_train, y_train, bands, gap, x_range, presenter: bool = False,
                lang: str = "en") -> go.Figure:
    """The predictive band (centre ± 2σ) of each method next to the true function and the training points.

    Args:
      bands: list of (title, centre (G,), sigma (G,), colour).
    """
    _ = translator(lang)
    x = np.asarray(x)
    titles = [two_lines(b[0]) if presenter else b[0] for b in bands]
    fig = make_subplots(1, len(bands), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.04)
    style.subplot_title_fonts(fig, presenter)
    view = (float(x[0]), float(x[-1]))
    for i, (title, centre, sigma, color) in enumerate(bands, start=1):
        first = i == 1
        fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[centre + 2 * sigma, (centre - 2 * sigma)[::-1]],
                                 mode="lines", fill="toself", fillcolor=style.rgba(color, 0.25), line=dict(width=0),
                                 name=_("band: mean ± 2σ of the predictions"), legendgroup="band", showlegend=first,
                                 hoverinfo="skip", meta="band"), row=1, col=i)
        fig.add_trace(go.Scatter(x=x, y=centre, mode="lines", line=dict(color=color, width=style.line_width(presenter)),
                                 name=_("mean prediction"), legendgroup="mean", showlegend=first), row=1, col=i)
        fig.add_trace(go.Scatter(x=x, y=truth, mode="lines",
                                 line=dict(color=TRUTH, width=style.line_width(presenter, 2), dash="dash"),
                                 name=_("true function sin(πx)"), legendgroup="truth", showlegend=first), row=1, col=i)
        fig.add_trace(go.Scatter(x=np.ravel(x_train), y=y_train, mode="markers",
                                 marker=dict(color=style.GHOST, size=style.marker_size(presenter, 6)),
                                 name=_("training points"), legendgroup="pts", showlegend=first), row=1, col=i)
        fig.update_xaxes(title_text="x", range=list(view), row=1, col=i)
    _regions(fig, view, gap, x_range, range(1, len(bands) + 1), lang)
    fig.update_yaxes(range=[-3, 3], row=1, col=1)
    style.base_layout(fig, _("Where the band should widen: the gap (orange) and beyond the data (grey)"), presenter,
                      height=430 if not presenter else 560)
    fig.update_layout(legend=_below(presenter))
    if presenter:  # room for the two-line panel titles; the legend at the figure's foot, whatever its height
        fig.update_layout(margin=dict(t=130, b=170), legend=dict(yref="container", y=0.01, yanchor="bottom"))
    return fig


def sigma_figure(x, sigmas, gap, x_range, presenter: bool = False, lang: str = "en") -> go.Figure:
    """σ(x) of each method, mean ± sd over runs.

    Args:
      sigmas: list of (name, sigma (runs, G), colour).
    """
    _ = translator(lang)
    x = np.asarray(x)
    fig = make_subplots(1, 1)
    for name, sig, color in sigmas:
        mean, sd = _stats(sig)
        _band(fig, x, mean, sd, color, name, width=style.line_width(presenter))
    _regions(fig, (float(x[0]), float(x[-1])), gap, x_range, [1], lang)
    fig.update_xaxes(title_text="x", range=[float(x[0]), float(x[-1])])
    fig.update_yaxes(title_text=_("σ(x): spread of the predictions"), rangemode="tozero")
    style.base_layout(fig, _("The spread σ(x) along x (mean ± sd over runs)"), presenter,
                      height=360 if not presenter else 480)
    return fig


def sweeps_figure(sizes, by_size, keeps, by_keep, ensemble_at_keep, presenter: bool = False,
                  lang: str = "en") -> go.Figure:
    """σ against training-set size (log-log, with a 1/√n guide) and against keep.

    Args:
      by_size: list of (name, sigma (runs, n_sizes), colour): mean σ over the data region.
      by_keep: list of (name, sigma (runs, n_keeps), colour, dash): MC dropout at each keep.
      ensemble_at_keep: list of (name, value, colour, dash): the ensemble's level (it has no keep).
    """
    _ = translator(lang)
    fig = make_subplots(1, 2, subplot_titles=[_("σ in the data region against training points n"),
                                              _("σ against keep q of the hidden units")], horizontal_spacing=0.1)
    style.subplot_title_fonts(fig, presenter)
    sizes = np.asarray(sizes, np.float64)
    ms = dict(size=style.marker_size(presenter, 8))
    for name, sig, color in by_size:
        mean, sd = _stats(sig)
        _band(fig, sizes, mean, sd, color, name, marker={**ms, "color": color}, width=style.line_width(presenter))
    ref = np.asarray(by_size[0][1], np.float64).mean(0)[0]
    fig.add_trace(go.Scatter(x=sizes, y=ref * np.sqrt(sizes[0] / sizes), mode="lines",
                             line=dict(color=style.GHOST, dash="dot", width=2.5),
                             name=_("∝ 1/√n: how a posterior's spread shrinks"), meta="guide"), row=1, col=1)
    fig.update_xaxes(type="log", title_text=_("training points n"), tickvals=list(sizes), row=1, col=1)
    fig.update_yaxes(type="log", title_text="σ", dtick="D2", row=1, col=1)
    for name, sig, color, dash in by_keep:
        mean, sd = _stats(sig)
        _band(fig, keeps, mean, sd, color, name, col=2, dash=dash, marker={**ms, "color": color},
              width=style.line_width(presenter))
    for name, value, color, dash in ensemble_at_keep:
        fig.add_trace(go.Scatter(x=[min(keeps), max(keeps)], y=[value, value], mode="lines",
                                 line=dict(color=color, dash=dash, width=2), name=name), row=1, col=2)
    fig.update_xaxes(title_text=_("keep q (drop rate p = 1 − q)"), row=1, col=2)
    fig.update_yaxes(title_text="σ", rangemode="tozero", row=1, col=2)
    style.base_layout(fig, None, presenter, height=430 if not presenter else 560)
    fig.update_layout(legend=_below(presenter))
    return fig


def decomposition_figure(xs, total, aleatoric, epistemic, x_train, y_train, ood_radii, presenter: bool = False,
                         lang: str = "en") -> go.Figure:
    """Total entropy, expected entropy and mutual information on the grid, one colour scale (0 to ln C)."""
    _ = translator(lang)
    titles = [_("total: H[mean p]"), _("aleatoric: mean H[p]"), _("epistemic: mutual information")]
    titles = [two_lines(t) for t in titles] if presenter else titles
    fig = make_subplots(1, 3, subplot_titles=titles, horizontal_spacing=0.06 if presenter else 0.03, shared_yaxes=True)
    style.subplot_title_fonts(fig, presenter)
    r = len(xs)
    top = float(np.log(2.0))
    colorscale = [[0, "#FFFFFF"], [0.25, "#C6DBEF"], [0.55, "#4292C6"], [1, "#08306B"]]
    circle = np.linspace(0, 2 * np.pi, 121)
    for i, z in enumerate((total, aleatoric, epistemic), start=1):
        fig.add_trace(go.Heatmap(x=xs, y=xs, z=np.asarray(z).reshape(r, r), zmin=0.0, zmax=top, colorscale=colorscale,
                                 showscale=i == 3, colorbar=style.colorbar(presenter, _("nats")),
                                 hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}: %{z:.3f}<extra></extra>", meta="surface"),
                      row=1, col=i)
        for cls, color in ((0, style.BLUE), (1, style.VERMILLION)):
            sel = np.asarray(y_train) == cls
            fig.add_trace(go.Scatter(x=x_train[sel, 0], y=x_train[sel, 1], mode="markers", showlegend=False,
                                     marker=dict(color=color, size=style.marker_size(presenter, 4), opacity=0.7),
                                     hoverinfo="skip"), row=1, col=i)
        for rad in ood_radii:
            fig.add_trace(go.Scatter(x=rad * np.cos(circle), y=rad * np.sin(circle), mode="lines", showlegend=False,
                                     line=dict(color=style.ORANGE, width=2, dash="dot"), hoverinfo="skip"), row=1, col=i)
        fig.update_xaxes(range=[xs[0], xs[-1]], constrain="domain", title_text="x1", row=1, col=i)
        fig.update_yaxes(range=[xs[0], xs[-1]], scaleanchor=f"x{i if i > 1 else ''}", row=1, col=i)
    fig.update_yaxes(title_text="x2", row=1, col=1)
    style.base_layout(fig, _("Predictive entropy = aleatoric + epistemic (the ring between the orange circles: "
                             "far from the data)"), presenter, height=440 if not presenter else 580)
    if presenter:  # room for the two-line panel titles
        fig.update_layout(margin=dict(t=130))
    return fig


def ood_figure(scores_in, scores_out, fpr, tpr, auc, presenter: bool = False, lang: str = "en") -> go.Figure:
    """Histogram of a score on points in the data and far from it, and the ROC curve of telling them apart."""
    _ = translator(lang)
    fig = make_subplots(1, 2, subplot_titles=[_("mutual information of each point"),
                                              _("ROC: far points flagged by their mutual information")],
                        horizontal_spacing=0.1, column_widths=[0.58, 0.42])
    style.subplot_title_fonts(fig, presenter)
    hi = float(max(np.max(scores_in), np.max(scores_out), 1e-6))
    bins = dict(start=0.0, end=hi * 1.0001, size=hi / 30)
    fig.add_trace(go.Histogram(x=scores_in, xbins=bins, name=_("test points (in the data)"),
                               marker_color=style.rgba(style.BLUE, 0.6), meta="in"), row=1, col=1)
    fig.add_trace(go.Histogram(x=scores_out, xbins=bins, name=_("points far from the data (the ring)"),
                               marker_color=style.rgba(style.ORANGE, 0.6), meta="out"), row=1, col=1)
    fig.update_xaxes(title_text=_("mutual information, nats"), row=1, col=1)
    fig.update_yaxes(title_text=_("points"), row=1, col=1)
    fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", line=dict(color=MC, width=style.line_width(presenter)),
                             name=_("ROC, AUROC = {auc:.3f}").format(auc=auc), meta="roc"), row=1, col=2)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=style.GHOST, dash="dash", width=2),
                             name=_("chance (AUROC = 0.5)")), row=1, col=2)
    fig.update_xaxes(title_text=_("false-positive rate (test points flagged)"), range=[0, 1], row=1, col=2)
    fig.update_yaxes(title_text=_("true-positive rate<br>(far points flagged)"), range=[0, 1], row=1, col=2)
    style.base_layout(fig, None, presenter, height=400 if not presenter else 540)
    fig.update_layout(barmode="overlay", legend=_below(presenter))
    return fig
