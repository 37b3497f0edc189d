"""The masks lesson's figures: the labelled (thinned) network, the 2-2-1 gallery, a minibatch of masks, one vector
through dropout and the weight gradients of one step. NumPy in, plotly out; no JAX, no Streamlit.

Every builder takes ``lang`` and writes its titles and labels through ``_ = translator(lang)``; the numbers are the
same in every language.
"""
from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dropout_viz.core.i18n import N_, translator
from dropout_viz.figures import style as st
from dropout_viz.figures.network import _arch, kept_units, network_diagram, subnetwork_gallery

MAX_MASK_CELLS = 200_000  # a heatmap larger than this is unreadable and slow to ship to the browser
MAX_GRAD_DIM = 256

# The shared diagram's trace names (its legend), shown in the reader's language.
_TRACE_NAMES = (N_("kept unit"), N_("dropped unit"), N_("connection"), N_("positive weight"), N_("negative weight"))


def _labels(text: str, _) -> str:
    """The shared diagram's English column labels (layer name, keep q, drop p, kept k/n) in ``_``'s language."""
    text = re.sub(r"<b>input</b>", lambda m: "<b>" + _("input") + "</b>", text)
    text = re.sub(r"<b>output</b>", lambda m: "<b>" + _("output") + "</b>", text)
    text = re.sub(r"<b>hidden (\d+)</b>", lambda m: "<b>" + _("hidden {i}").format(i=m.group(1)) + "</b>", text)
    text = re.sub(r"(^|<br>)keep q=", lambda m: m.group(1) + _("keep q="), text)
    text = re.sub(r"<br>drop p=", lambda m: "<br>" + _("drop p="), text)
    text = re.sub(r"<br>kept (\d+)/(\d+)",
                  lambda m: "<br>" + _("kept {kept}/{total}").format(kept=m.group(1), total=m.group(2)), text)
    return re.sub(r"^drop rate p = 1 - q$", lambda m: _("drop rate p = 1 - q"), text)


def layer_label(i: int, n_layers: int, lang: str = "en") -> str:
    """'input', 'hidden 1' or 'output' in ``lang`` (figures.network.layer_name, translated)."""
    _ = translator(lang)
    if i == 0:
        return _("input")
    if i == n_layers - 1:
        return _("output")
    return _("hidden {i}").format(i=i)


def labelled_diagram(sizes, masks=None, weights=None, *, keep=None, presenter: bool = False,
                     title: str | None = None, lang: str = "en") -> go.Figure:
    """network_diagram in ``lang``, with room for every line of the labels under its columns.

    The labels can run to four lines (name, keep q, drop p, kept k/n); the bottom margin is grown to the
    longest one, so the last line is not cut off whatever the shared builder reserves.
    """
    _ = translator(lang)
    if title is None:
        if masks is None:
            title = _("Full network {arch}: all {n} units present").format(arch=_arch(sizes), n=sum(sizes))
        else:
            total = sum(list(sizes)[:-1])
            kept = kept_units(list(sizes), masks)
            title = _("Thinned network: {dropped} of {total} units dropped").format(
                dropped=total - sum(int(k.sum()) for k in kept[:-1]), total=total)
    fig = network_diagram(sizes, masks, weights, keep=keep, presenter=presenter, title=title)
    for a in fig.layout.annotations:
        a.text = _labels(a.text, _)
    for t in fig.data:
        if t.name in _TRACE_NAMES:
            t.name = _(t.name)
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


def gallery(sizes, layer_masks, probs, *, has_path=None, cols: int = 4, presenter: bool = False,
            title: str | None = None, lang: str = "en") -> go.Figure:
    """figures.subnetwork_gallery with its "no path" panel titles in ``lang``."""
    _ = translator(lang)
    fig = subnetwork_gallery(sizes, layer_masks, probs, has_path=has_path, cols=cols, presenter=presenter,
                             title=title)
    for a in fig.layout.annotations:
        a.text = a.text.replace("no path", _("no path"))
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

    Like gradient_heatmaps (below), but a deep network (up to 7 matrices of 16 x 16) stays readable: panels
    wrap onto new rows instead of shrinking. Exact zeros are drawn in neutral grey.

    Args:
      grads: list of (fan_in, fan_out) arrays dL/dW_i.
      masks: optional per-layer 0/1 masks (len(grads) + 1 entries, output included, or len(grads)); dropped
        units get a vermillion ✕ on their row / column label while labels fit.
      lang: "en" or "zh", the language of the panel and axis titles.
    Returns:
      Figure with one "gradient" heatmap and one "zeros" overlay per matrix.
    """
    _ = translator(lang)
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
    titles = [_("W{i}: {fan_in}→{fan_out}, {zeros}/{size} are 0").format(
        i=i + 1, fan_in=g.shape[0], fan_out=g.shape[1], zeros=z, size=g.size) for i, (g, z) in enumerate(zip(mats, zeros))]
    exactly_0 = _("exactly 0")
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
                                 hovertemplate=f"W{i + 1}[%{{y}}, %{{x}}]: {_('gradient')} %{{z:.3g}}<extra></extra>"),
                      **where)
        fig.add_trace(go.Heatmap(z=np.where(g == 0, 1.0, np.nan), x=xs, y=ys, showscale=False, xgap=gap, ygap=gap,
                                 colorscale=[[0, st.NEUTRAL], [1, st.NEUTRAL]], meta="zeros", name=exactly_0,
                                 hovertemplate=f"W{i + 1}[%{{y}}, %{{x}}]: {exactly_0}<extra></extra>"), **where)
        fig.update_yaxes(autorange="reversed", showgrid=False, ticks="",
                         title_text=_("from unit") if i % cols == 0 else None,
                         **_ticks(g.shape[0], None if kept is None else kept[i]), **where)
        fig.update_xaxes(showgrid=False, ticks="", title_text=_("to unit") if i + cols >= n else None,
                         **_ticks(g.shape[1], None if kept is None else kept[i + 1]), **where)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=exactly_0, showlegend=True,
                             marker=dict(symbol="square", size=st.marker_size(presenter, 14), color=st.NEUTRAL)))
    st.base_layout(fig, title or _("Weight gradients (shared symmetric scale)"), presenter,
                   height=int(rows * 300 * s + 150 * s))
    fig.update_layout(
        coloraxis=dict(colorscale=st.DIVERGING, cmin=-vmax, cmax=vmax, cmid=0.0, colorbar=st.colorbar(presenter, "∂L/∂W")),
        legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"),
        margin=dict(b=int(70 * s)),
    )
    return fig


# --- masks themselves: a batch of masks as a heatmap, one vector through dropout ------------------------------


def _check_q(keep, name: str = "keep") -> float | None:
    if keep is None:
        return None
    if np.ndim(keep) != 0:
        raise ValueError(f"{name} must be one keep probability q in (0, 1], got shape {np.shape(keep)}")
    q = float(keep)
    if not 0.0 < q <= 1.0:
        raise ValueError(f"{name} must lie in (0, 1] (keep probability q), got {q}")
    return q


def mask_heatmap(masks, *, keep=None, presenter: bool = False, title: str | None = None,
                 lang: str = "en") -> go.Figure:
    """A batch of dropout masks (kept / dropped cells) above the kept fraction of each unit.

    Args:
      masks: (examples, units) array; 0 = dropped, anything positive (1, or 1/q) = kept.
      keep: optional keep probability q: drawn as the expected kept fraction in the lower panel.
      lang: the language of the labels (the numbers are the same).
    """
    _ = translator(lang)
    m = st.as_array(masks, "masks", 2)
    if m.size == 0 or m.size > MAX_MASK_CELLS:
        raise ValueError(f"masks must have between 1 and {MAX_MASK_CELLS} entries, got shape {m.shape}")
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError("masks must hold 0 (dropped) or 1 (kept)")
    q = _check_q(keep)
    kept = (m > 0).astype(float)
    n_ex, n_units = kept.shape
    frac = kept.mean(axis=0)
    s = st.scale(presenter)
    units = np.arange(n_units)
    dropped_word, kept_word = _("dropped"), _("kept")

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.09)
    # Two discrete colours: dropped = pale grey (absent), kept = blue (present); cell gaps keep cells distinct.
    gap = 1 if max(n_ex, n_units) <= 64 else 0
    fig.add_trace(go.Heatmap(
        z=kept, x=units, y=np.arange(n_ex), zmin=0, zmax=1, xgap=gap, ygap=gap,
        colorscale=[[0.0, st.NEUTRAL], [0.5, st.NEUTRAL], [0.5, st.BLUE], [1.0, st.BLUE]],
        colorbar=st.colorbar(presenter, tickvals=[0.25, 0.75], ticktext=[dropped_word, kept_word],
                             len=0.62, y=1.0, yanchor="top", ticks=""),
        customdata=np.where(kept > 0, kept_word, dropped_word),
        # Plotly's own %{...} fields go in as the placeholders' values, so the words can be reordered.
        hovertemplate=_("example {example}, unit {unit}: {state}").format(
            example="%{y}", unit="%{x}", state="%{customdata}") + "<extra></extra>",
        name="mask",
    ), row=1, col=1)
    fig.add_trace(go.Bar(
        x=units, y=frac, marker=dict(color=st.BLUE), name="kept fraction",
        hovertemplate=_("unit {unit}: kept in {fraction} of examples").format(
            unit="%{x}", fraction="%{y:.0%}") + "<extra></extra>", showlegend=False,
    ), row=2, col=1)
    if q is not None:
        fig.add_hline(y=q, row=2, col=1, line=dict(color=st.VERMILLION, width=st.line_width(presenter), dash="dash"))
        # Above the bars, in the gap between the panels, so no bar hides it.
        note = _("dashed line: expected fraction, {keep}").format(keep=st.keep_text(q, lang))
        fig.add_annotation(text=note, x=0, y=1, xref="x domain",
                           yref="y domain", xanchor="left", yanchor="bottom", showarrow=False, row=2, col=1,
                           font=dict(size=st.font_size(presenter, st.SMALL_FONT), color=st.VERMILLION))

    if title is None:
        # The keep convention is spelled out on the q line below; a longer title would not fit a projector.
        title = _("Dropout masks, {examples} examples × {units} units: {kept} kept").format(
            examples=n_ex, units=n_units, kept=f"{kept.mean():.0%}")
    st.base_layout(fig, title, presenter)
    fig.update_layout(height=int((520 if n_ex <= 64 else 600) * s), bargap=0.15 if n_units <= 64 else 0.0,
                      margin=dict(r=int(30 * s)))
    fig.update_yaxes(title_text=_("example"), autorange="reversed", showgrid=False, ticks="", row=1, col=1)
    fig.update_yaxes(title_text=_("kept<br>fraction"), range=[0, 1.05], tickformat=".0%", row=2, col=1)
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_xaxes(title_text=_("unit index"), row=2, col=1)
    return fig


def refill_mask_heatmap(frame: go.Figure, masks, *, keep, presenter: bool = False, title: str,
                        lang: str = "en") -> go.Figure:
    """mask_heatmap(masks, keep=keep, title=title, ...) from ``frame``, a mask_heatmap figure with a keep line and a
    title in the same language and mode: the same figure without Plotly's per-property validation (tens of ms, the
    most of a slider move). The masks, keep q and title may differ; everything that follows from them is set here."""
    _ = translator(lang)
    spec = frame.to_dict()
    traces, lay = spec["data"], spec["layout"]
    if ([t.get("name") for t in traces] != ["mask", "kept fraction"] or len(lay.get("shapes", ())) != 1
            or len(lay.get("annotations", ())) != 1 or not (lay.get("title") or {}).get("text")):
        raise ValueError("frame must be a mask_heatmap figure with a keep line and a title")
    m = st.as_array(masks, "masks", 2)
    if m.size == 0 or m.size > MAX_MASK_CELLS:
        raise ValueError(f"masks must have between 1 and {MAX_MASK_CELLS} entries, got shape {m.shape}")
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError("masks must hold 0 (dropped) or 1 (kept)")
    q = _check_q(keep)
    if q is None:
        raise ValueError("keep must be given: the frame has a keep line")
    kept = (m > 0).astype(float)
    n_ex, n_units = kept.shape
    units = np.arange(n_units)
    gap = 1 if max(n_ex, n_units) <= 64 else 0
    heat, bars = traces
    heat.update(z=kept, x=units, y=np.arange(n_ex), xgap=gap, ygap=gap,
                customdata=np.where(kept > 0, _("kept"), _("dropped")))
    bars.update(x=units, y=kept.mean(axis=0))
    lay["shapes"][0]["y0"] = lay["shapes"][0]["y1"] = q
    lay["annotations"][0]["text"] = _("dashed line: expected fraction, {keep}").format(keep=st.keep_text(q, lang))
    lay["title"]["text"] = title
    lay["height"] = int((520 if n_ex <= 64 else 600) * st.scale(presenter))
    lay["bargap"] = 0.15 if n_units <= 64 else 0.0
    return st.fast_figure(traces, lay)


def refill_band_chart(frame: go.Figure, x, series: dict, hline: dict, *, title: str) -> go.Figure:
    """figures.band_chart(x, series, hline=hline, log_x=True, title=title, ...) from ``frame``, a band_chart of the
    same series names (each with a band), as many reference lines, the same axis titles, language and mode: the
    same figure without Plotly's per-property validation. The values, the lines' labels and the title may differ."""
    spec = frame.to_dict()
    traces, lay = spec["data"], spec["layout"]
    names = [n for name in series for n in (f"{name} band", name)]
    if ([t.get("name") for t in traces] != names or len(lay.get("shapes", ())) != len(hline)
            or len(lay.get("annotations", ())) != len(hline) or lay["xaxis"].get("type") != "log"):
        raise ValueError("frame must be a log-x band_chart of the same series, each with a band, and reference lines")
    xv = st.as_array(x, "x", 1)
    if np.any(xv <= 0):
        raise ValueError("x must be positive (log x axis)")
    for (band, line), (name, (mean, spread)) in zip(zip(traces[::2], traces[1::2]), series.items()):
        mean = st.as_array(mean, f"series[{name!r}] mean", 1)
        lo, hi = (st.as_array(v, f"series[{name!r}] spread", 1) for v in spread)
        if not mean.shape == lo.shape == hi.shape == xv.shape:
            raise ValueError(f"series[{name!r}] must have shape {xv.shape} to match x")
        band.update(x=np.concatenate([xv, xv[::-1]]), y=np.concatenate([hi, lo[::-1]]))
        line.update(x=xv, y=mean, customdata=np.stack((lo, hi), axis=-1))
    for shape, note, (label, y) in zip(lay["shapes"], lay["annotations"], hline.items()):
        shape["y0"] = shape["y1"] = note["y"] = float(y)
        note["text"] = label
    axis = lay["xaxis"]
    for k in ("tickvals", "ticktext", "minor"):
        axis.pop(k, None)
    if xv.size <= 12:
        axis.update(tickvals=xv, ticktext=[f"{v:g}" for v in xv], minor=dict(showgrid=False))
    if title:
        lay["title"]["text"] = title
    return st.fast_figure(traces, lay)


def vector_bars(x, rows: dict, *, presenter: bool = False, title: str | None = None, lang: str = "en") -> go.Figure:
    """Grouped bars comparing one vector at several stages, e.g. x, mask m, x*m, x*m/q.

    Args:
      x: (n,) the input vector (only its length is used for the element axis).
      rows: name -> (n,) values, in display order (the names are shown as given).
      lang: the language of the axis titles.
    """
    _ = translator(lang)
    xv = st.as_array(x, "x", 1)
    if not rows:
        raise ValueError("rows must name at least one vector")
    n = xv.shape[0]
    if not 1 <= n <= 64:
        raise ValueError(f"x must have 1 to 64 elements, got {n}")
    fig = go.Figure()
    colors = (st.GHOST, st.BLACK, st.BLUE, st.VERMILLION, st.GREEN, st.PURPLE, st.ORANGE)
    element = _("element")
    for i, (name, vals) in enumerate(rows.items()):
        v = st.as_array(vals, f"rows[{name!r}]", 1)
        if v.shape != (n,):
            raise ValueError(f"rows[{name!r}] must have shape ({n},) like x, got {v.shape}")
        fig.add_trace(go.Bar(x=np.arange(n), y=v, name=name, marker=dict(color=colors[i % len(colors)]),
                             hovertemplate=f"{name}<br>{element} %{{x}}: %{{y:.3g}}<extra></extra>"))
    st.base_layout(fig, title or _("One vector through inverted dropout"), presenter,
                   height=int(440 * st.scale(presenter)))
    fig.update_layout(barmode="group", bargap=0.2, bargroupgap=0.05,
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))
    fig.update_xaxes(title_text=_("element index"), tickmode="linear", dtick=1 if n <= 20 else 5, showgrid=False)
    fig.update_yaxes(title_text=_("value"))
    return fig


# --- weight gradients side by side (one row; gradient_grid wraps) -------------------------------------------


def _tick_labels(n: int, kept: np.ndarray | None) -> list[str]:
    """Unit indices, with dropped units flagged in vermillion."""
    if kept is None:
        return [str(j) for j in range(n)]
    return [str(j) if kept[j] else f"<span style='color:{st.VERMILLION}'><b>{j} ✕</b></span>" for j in range(n)]


def gradient_heatmaps(grads, masks=None, *, presenter: bool = False, title: str | None = None,
                      lang: str = "en") -> go.Figure:
    """One heatmap per weight-gradient matrix, side by side, on one symmetric diverging scale.

    Args:
      grads: list of (fan_in, fan_out) arrays, one per weight matrix W_i (dL/dW_i).
      masks: optional per-layer 0/1 masks (as network_diagram: len(grads) + 1 entries, or len(grads) for
        the weight layers' inputs). Dropped units get a vermillion "✕" on their row / column label.
    Returns:
      Figure with one "gradient" heatmap per matrix plus an "exact zero" overlay in neutral grey.
    """
    _ = translator(lang)
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
    titles = [_("W{i} {fan_in}→{fan_out}: {zeros}/{size} zero").format(
        i=i + 1, fan_in=g.shape[0], fan_out=g.shape[1], zeros=z, size=g.size) for i, (g, z) in enumerate(zip(mats, zero_counts))]
    fig = make_subplots(rows=1, cols=n, subplot_titles=titles, horizontal_spacing=min(0.08, 0.4 / n))
    st.subplot_title_fonts(fig, presenter, st.SMALL_FONT)
    exactly_0, gradient = _("exactly 0"), _("gradient")
    for i, g in enumerate(mats):
        gap = 1 if max(g.shape) <= 32 else 0
        rows_idx, cols_idx = np.arange(g.shape[0]), np.arange(g.shape[1])
        fig.add_trace(go.Heatmap(
            z=g, x=cols_idx, y=rows_idx, coloraxis="coloraxis", xgap=gap, ygap=gap, name=f"dL/dW{i + 1}",
            meta="gradient",
            hovertemplate=f"W{i + 1}[%{{y}}, %{{x}}]<br>{gradient} %{{z:.3g}}<extra></extra>",
        ), row=1, col=i + 1)
        # Exact zeros get their own grey layer: on the diverging scale they would look like any tiny value.
        zero = np.where(g == 0, 1.0, np.nan)
        fig.add_trace(go.Heatmap(
            z=zero, x=cols_idx, y=rows_idx, colorscale=[[0, st.NEUTRAL], [1, st.NEUTRAL]], showscale=False,
            xgap=gap, ygap=gap, name=exactly_0, meta="zeros",
            hovertemplate=f"W{i + 1}[%{{y}}, %{{x}}]<br>{exactly_0}<extra></extra>",
        ), row=1, col=i + 1)
        in_kept = kept[i] if kept is not None else None
        out_kept = kept[i + 1] if kept is not None else None
        dense = max(g.shape) > 20  # too many labels to read; let Plotly thin them
        fig.update_yaxes(autorange="reversed", showgrid=False, ticks="", row=1, col=i + 1,
                         title_text=_("from unit (row)") if i == 0 else None,
                         **({} if dense else dict(tickmode="array", tickvals=list(rows_idx),
                                                  ticktext=_tick_labels(g.shape[0], in_kept))))
        fig.update_xaxes(showgrid=False, ticks="", row=1, col=i + 1, title_text=_("to unit (column)"),
                         **({} if dense else dict(tickmode="array", tickvals=list(cols_idx),
                                                  ticktext=_tick_labels(g.shape[1], out_kept))))
    # A legend entry that explains the grey cells.
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=_("exactly 0 (a dropped unit's row or column)"),
                             marker=dict(symbol="square", size=st.marker_size(presenter, 14), color=st.NEUTRAL)))

    st.base_layout(fig, title or _("Weight gradients dL/dW (one scale, white = 0)"), presenter,
                   height=int(470 * s))
    fig.update_layout(
        coloraxis=dict(colorscale=st.DIVERGING, cmin=-vmax, cmax=vmax, cmid=0.0,
                       colorbar=st.colorbar(presenter, "dL/dW")),
        legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"),
        margin=dict(b=int(110 * s)),
        showlegend=True,
    )
    return fig
