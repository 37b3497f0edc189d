"""Figures of the ensemble lesson: the five predictions, convergence against k, the exact cases, votes against
averages and Monte Carlo dropout's uncertainty. NumPy in, Plotly out; text through ``_ = translator(lang)``."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ... import figures
from ...core.i18n import N_, translator
from ...figures import style as st
from ...figures.surfaces import DIFF_SCALE, _add_points, _add_surface, _check_points, _check_probs, _grid, _square_axes

# White (certain) to deep purple (most uncertain): a sequential scale that is not a class colour, so the
# blue and vermillion training points stay readable on top of it.
UNCERTAINTY_SCALE = [[0.0, "#FFFFFF"], [0.35, "#DADAEB"], [0.7, "#9E9AC8"], [1.0, "#3F007D"]]
LINE_COLORS = {"arithmetic": st.BLUE, "geometric": st.GREEN}
REFERENCE_STYLE = {  # horizontal reference lines: colour and dash, by the start of their name
    "weight": (st.VERMILLION, "dash"),
    "exact arithmetic": (st.BLACK, "dot"),
    "exact geometric": (st.PURPLE, "dot"),
}




def _reference_style(name: str, i: int):
    low = name.lower()
    for start, style in REFERENCE_STYLE.items():
        if low.startswith(start):
            return style
    return (st.PALETTE[(i + 3) % len(st.PALETTE)], "dashdot")


def convergence_chart(ks, series: dict, *, references: dict | None = None, current_k: int | None = None,
                      y_title: str = "", title: str | None = None, presenter: bool = False,
                      y_range=None, labels: dict | None = None, lang: str = "en") -> go.Figure:
    """Curves against the number of masks k (log axis) with bands, flat reference lines and a k marker.

    Args:
      ks: (K,) ensemble sizes, positive.
      series: name -> (mean, lo, hi), each (K,); the band spans lo..hi. A name containing "arithmetic" is
        blue, "geometric" green.
      references: name -> y value, drawn as horizontal lines across the whole k range (in the legend, so
        close values do not stack labels on each other). "weight-scaled ..." is vermillion and dashed.
      current_k: draws a vertical marker at this k (the page's k slider).
      y_range: optional (lo, hi) for the y axis.
      labels: optional name -> shown name (legend, hover) for series and references; colours and dashes still
        follow the names above, so a translated label keeps its style.
      lang: "en" or "zh", the language of the k axis and the k marker.
    """
    _ = translator(lang)
    shown = lambda name: (labels or {}).get(name, name)  # noqa: E731
    k = st.as_array(ks, "ks", 1)
    if k.size < 2 or np.any(k <= 0):
        raise ValueError("ks must hold at least 2 positive values")
    if not series:
        raise ValueError("series must name at least one curve")
    s = st.scale(presenter)
    fig = go.Figure()
    ys_all = []
    for i, (name, value) in enumerate(series.items()):
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            raise ValueError(f"series[{name!r}] must be a (mean, lo, hi) triple")
        mean, lo, hi = (st.as_array(v, f"series[{name!r}]", 1) for v in value)
        if not (mean.shape == lo.shape == hi.shape == k.shape):
            raise ValueError(f"series[{name!r}] arrays must have shape {k.shape}")
        color = next((c for key, c in LINE_COLORS.items() if key in name.lower()), st.PALETTE[i % len(st.PALETTE)])
        fig.add_trace(go.Scatter(
            x=np.concatenate([k, k[::-1]]), y=np.concatenate([hi, lo[::-1]]), fill="toself", mode="lines",
            fillcolor=st.rgba(color, 0.2), line=dict(width=0), hoverinfo="skip", showlegend=False,
            legendgroup=name, name=_("{name} range").format(name=shown(name)), meta="band"))
        fig.add_trace(go.Scatter(
            x=k, y=mean, mode="lines+markers", name=shown(name), legendgroup=name, meta="curve",
            line=dict(color=color, width=st.line_width(presenter, 3)), marker=dict(size=st.marker_size(presenter, 6)),
            customdata=np.stack([lo, hi], axis=-1),
            hovertemplate=f"{shown(name)}<br>k = %{{x}}: %{{y:.4g}} ("
                          + _("range {lo} to {hi}").format(lo="%{customdata[0]:.3g}", hi="%{customdata[1]:.3g}")
                          + ")<extra></extra>"))
        ys_all += [lo, hi]
    for i, (name, y) in enumerate((references or {}).items()):
        color, dash = _reference_style(name, i)
        fig.add_trace(go.Scatter(
            x=[k[0], k[-1]], y=[float(y), float(y)], mode="lines", name=f"{shown(name)}: {float(y):.3g}",
            meta="reference", line=dict(color=color, width=st.line_width(presenter, 2.5), dash=dash),
            hovertemplate=f"{shown(name)}: {float(y):.4g}<extra></extra>"))
        ys_all.append(np.array([float(y)]))
    if current_k is not None:
        if not k[0] <= current_k <= k[-1]:
            raise ValueError(f"current_k must lie in [{k[0]:g}, {k[-1]:g}], got {current_k}")
        ally = np.concatenate(ys_all)
        y0, y1 = (y_range if y_range is not None else (float(ally.min()), float(ally.max())))
        fig.add_trace(go.Scatter(
            x=[current_k, current_k], y=[y0, y1], mode="lines",
            name=_("k = {k} (the k slider)").format(k=current_k),
            meta="current_k", line=dict(color="#666666", width=st.line_width(presenter, 1.5)),
            hovertemplate=f"k = {current_k}<extra></extra>"))
    st.base_layout(fig, title, presenter, height=int(480 * s))
    # Ticks at 1-2-5 steps only: Plotly's default log ticks label "2" and "5" in every decade, and a lone
    # "2" after "10" reads as two, not twenty.
    ticks = [v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if k[0] <= v <= k[-1]]
    fig.update_xaxes(type="log", title_text=_("number of sampled masks k (log scale)"),
                     tickvals=ticks,
                     ticktext=[str(v) for v in ticks], tickangle=0, minor=dict(showgrid=False))
    fig.update_yaxes(title_text=y_title)
    if y_range is not None:
        fig.update_yaxes(range=list(y_range))
    # The legend sits in the bottom margin, below the axis title, whatever the chart's width.
    n_items = len(series) + len(references or {}) + (current_k is not None)
    fig.update_layout(legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"),
                      margin=dict(b=int((70 + 24 * n_items) * s)), height=int((400 + 24 * n_items) * s),
                      hovermode="closest")
    return fig


def uncertainty_maps(xs, ys, maps: dict, *, x_train=None, y_train=None, zmax: float = 1.0,
                     z_title: str = "bits", presenter: bool = False, title: str | None = None) -> go.Figure:
    """Non-negative maps over a 2-D grid side by side (e.g. entropies), on one white-to-purple scale.

    Args:
      xs, ys: (nx,), (ny,) grid values.
      maps: panel title -> (ny, nx) values in [0, zmax].
      x_train, y_train: optional (n, 2) points and (n,) labels drawn on every panel.
    """
    xs, ys = _grid(xs, ys)
    if not 1 <= len(maps) <= 4:
        raise ValueError(f"maps must hold 1 to 4 panels, got {len(maps)}")
    if not zmax > 0:
        raise ValueError(f"zmax must be positive, got {zmax}")
    pts = _check_points(x_train, y_train, "train", 2 if y_train is None else max(2, int(np.max(y_train)) + 1))
    s = st.scale(presenter)
    n = len(maps)
    fig = make_subplots(rows=1, cols=n, subplot_titles=list(maps), horizontal_spacing=0.05)
    st.subplot_title_fonts(fig, presenter)
    for i, (name, z) in enumerate(maps.items()):
        zz = st.as_array(z, f"maps[{name!r}]", 2)
        if zz.shape != (ys.size, xs.size):
            raise ValueError(f"maps[{name!r}] must have shape {(ys.size, xs.size)}, got {zz.shape}")
        if not np.all(np.isfinite(zz)) or zz.min() < -1e-9 or zz.max() > zmax * (1 + 1e-6):
            raise ValueError(f"maps[{name!r}] must hold finite values in [0, {zmax}]")
        fig.add_trace(go.Heatmap(
            x=xs, y=ys, z=zz, zmin=0.0, zmax=zmax, colorscale=UNCERTAINTY_SCALE, showscale=(i == 0), meta="map",
            zsmooth="best", colorbar=st.colorbar(presenter, z_title, len=0.9),
            hovertemplate=f"x₁ %{{x:.2f}}, x₂ %{{y:.2f}}<br>{name}: %{{z:.3f}} {z_title}<extra></extra>"),
            row=1, col=i + 1)
        _add_points(fig, pts, "train", presenter, dict(row=1, col=i + 1), i == 0)
    st.base_layout(fig, title, presenter, height=int(470 * s))
    for i in range(n):
        _square_axes(fig, xs, ys, presenter, idx=i + 1, titles=False)
    fig.update_layout(legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"),
                      margin=dict(t=int((90 if title else 50) * s), b=int(60 * s)))
    return fig


def vote_bars(methods: dict, decisions: dict, *, presenter: bool = False, title: str | None = None,
              lang: str = "en") -> go.Figure:
    """Grouped bars: for each way of combining models, its share for each class; the decision under each group.

    Args:
      methods: method name -> (C,) shares (vote fractions or probabilities), each in [0, 1].
      decisions: method name -> winning class index, or -1 for a tie.
      lang: "en" or "zh", the language of the class names, "tie" and the axis title.
    """
    _ = translator(lang)
    if not methods:
        raise ValueError("methods must name at least one way of combining")
    arrays = {m: st.as_array(v, f"methods[{m!r}]", 1) for m, v in methods.items()}
    sizes = {a.size for a in arrays.values()}
    if len(sizes) != 1 or sizes.pop() < 2:
        raise ValueError("every method needs the same number (>= 2) of classes")
    if set(decisions) != set(methods):
        raise ValueError("decisions must have one entry per method")
    n_classes = next(iter(arrays.values())).size
    if n_classes > len(st.CLASS_COLORS):
        raise ValueError(f"at most {len(st.CLASS_COLORS)} classes, got {n_classes}")
    s = st.scale(presenter)
    tie = _("tie")
    labels = [f"{m}<br><b>{tie if decisions[m] < 0 else _('class {c}').format(c=decisions[m])}</b>" for m in arrays]
    fig = go.Figure()
    for c in range(n_classes):
        vals = np.array([a[c] for a in arrays.values()])
        fig.add_trace(go.Bar(
            x=labels, y=vals, name=_("class {c}").format(c=c), marker=dict(color=st.CLASS_COLORS[c]), meta=f"class {c}",
            text=[f"{v:.2f}" for v in vals], textposition="outside", textfont=dict(size=st.font_size(presenter)),
            hovertemplate=_("class {c}").format(c=c) + ": %{y:.4f}<extra></extra>"))
    fig.add_hline(y=0.5, line=dict(color="#888888", width=st.line_width(presenter, 1.5), dash="dot"))
    st.base_layout(fig, title, presenter, height=int(420 * s))
    fig.update_layout(barmode="group", bargap=0.3, legend=dict(orientation="h", x=1, xanchor="right", y=1.02,
                                                                yanchor="bottom"))
    fig.update_xaxes(showgrid=False, ticks="")
    fig.update_yaxes(range=[0, 1.15], title_text=_("share of votes / probability"))
    return fig


def ensemble_grid(xs, ys, weight_scaled, mc: dict, exact: dict | None = None, *, x_train=None, y_train=None,
                  titles: dict | None = None, presenter: bool = False, title: str | None = None,
                  lang: str = "en") -> go.Figure:
    """The weight-scaled prediction beside the arithmetic and geometric means, Monte Carlo above exact.

    Layout: row 1 = weight-scaled | MC arithmetic | MC geometric; row 2 (if exact is given) = a legend of
    the rows | exact arithmetic | exact geometric. One colour scale for all, so equal colours are equal P.

    Args:
      xs, ys: (nx,), (ny,) grid values.
      weight_scaled: (ny, nx) P(class 1).
      mc, exact: {"arithmetic": (ny, nx), "geometric": (ny, nx)}.
      titles: optional panel titles keyed "weight-scaled", "MC arithmetic", ..., "exact geometric".
      x_train, y_train: optional points drawn on every panel.
      lang: "en" or "zh", the language of the note that explains the two rows.
    """
    _ = translator(lang)
    xs, ys = _grid(xs, ys)
    panels = {"weight-scaled": weight_scaled}
    for prefix, means in (("MC", mc), ("exact", exact)):
        if means is None:
            continue
        if set(means) != {"arithmetic", "geometric"}:
            raise ValueError(f"{prefix} needs exactly the keys 'arithmetic' and 'geometric', got {sorted(means)}")
        panels[f"{prefix} arithmetic"] = means["arithmetic"]
        panels[f"{prefix} geometric"] = means["geometric"]
    probs = {name: _check_probs(p, xs, ys, name=name) for name, p in panels.items()}
    if any(p.ndim != 2 for p in probs.values()):
        raise ValueError("ensemble_grid draws two-class surfaces: give (ny, nx) P(class 1) arrays")
    pts = _check_points(x_train, y_train, "train", 2)
    titles = {**{n: n for n in probs}, **(titles or {})}
    rows = 2 if exact is not None else 1
    specs = [[{}, {}, {}]] + ([[None, {}, {}]] if rows == 2 else [])
    order = ["weight-scaled", "MC arithmetic", "MC geometric"] + (["exact arithmetic", "exact geometric"] if rows == 2
                                                                  else [])
    cells = [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3)]
    sub_titles = [titles[n] for n in order]
    s = st.scale(presenter)
    fig = make_subplots(rows=rows, cols=3, specs=specs, subplot_titles=sub_titles, horizontal_spacing=0.05,
                        vertical_spacing=0.2 if presenter else 0.12)
    st.subplot_title_fonts(fig, presenter)
    for i, name in enumerate(order):
        row, col = cells[i]
        where = dict(row=row, col=col)
        _add_surface(fig, xs, ys, probs[name], zrange=(0.0, 1.0), presenter=presenter, showscale=(i == 0), where=where)
        _add_points(fig, pts, "train", presenter, where, i == 0)
    if rows == 2 and not presenter:  # on a projector the page's folded explanation says it
        fig.add_annotation(
            text=_("<b>top row</b>: Monte Carlo,<br>k sampled masks,<br>weight 1/k each<br><br>"
                   "<b>bottom row</b>: exact,<br>every one of the 2ᵈ masks,<br>weight p(m)"),
            xref="paper", yref="paper", x=0.0, y=0.25, xanchor="left", yanchor="middle", showarrow=False, align="left",
            font=dict(size=st.font_size(presenter, st.FONT), color=st.TEXT))
    st.base_layout(fig, title, presenter, height=int((rows * 360 + 110) * s))
    for i in range(len(order)):
        _square_axes(fig, xs, ys, presenter, idx=i + 1, titles=False)
    if presenter and rows == 2:
        # Big tick labels need room: numbers only at the outer edges (x under the lowest panel of each column,
        # y left of the first panel of each row); the panels share their ranges.
        for i, (row, col) in enumerate(cells[:len(order)]):
            suffix = "" if i == 0 else str(i + 1)
            fig.layout[f"xaxis{suffix}"].showticklabels = row == 2 or col == 1
            fig.layout[f"yaxis{suffix}"].showticklabels = i in (0, 3)
    fig.update_layout(legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"),
                      margin=dict(t=int((90 if title else 50) * s), b=int(60 * s)))
    return fig


def difference_pair(xs, ys, diffs: dict, *, presenter: bool = False, title: str | None = None,
                    lang: str = "en") -> go.Figure:
    """Two or three signed differences side by side, each on its own symmetric scale (its max |d| in its title).

    Own scales on purpose: one map may be float rounding (1e-7) and the next a real gap (0.3); a shared scale
    would show the first as blank and hide that it is noise. lang ("en" or "zh") is the language of the
    "max |difference|" line.
    """
    _ = translator(lang)
    xs, ys = _grid(xs, ys)
    if not 1 <= len(diffs) <= 3:
        raise ValueError(f"diffs must hold 1 to 3 maps, got {len(diffs)}")
    s = st.scale(presenter)
    checked = {}
    for name, d in diffs.items():
        arr = st.as_array(d, f"diffs[{name!r}]", 2)
        if arr.shape != (ys.size, xs.size) or not np.all(np.isfinite(arr)):
            raise ValueError(f"diffs[{name!r}] must be finite with shape {(ys.size, xs.size)}, got {arr.shape}")
        checked[name] = arr
    n = len(checked)
    maxes = {name: float(np.abs(a).max()) for name, a in checked.items()}
    fig = make_subplots(rows=1, cols=n, horizontal_spacing=0.16,
                        subplot_titles=[f"{name}<br>" + _("max |difference| = {value}").format(
                            value=f"{maxes[name]:.2g}") for name in checked])
    st.subplot_title_fonts(fig, presenter)
    for i, (name, arr) in enumerate(checked.items()):
        m = maxes[name] if maxes[name] > 0 else 1.0
        # Each colour bar sits just right of its own panel (the panels hug the right end of their domains).
        x_bar = fig.layout["xaxis" if i == 0 else f"xaxis{i + 1}"].domain[1] + 0.01
        fig.add_trace(go.Heatmap(
            x=xs, y=ys, z=arr, zmin=-m, zmax=m, zmid=0.0, colorscale=DIFF_SCALE, meta="difference",
            colorbar=st.colorbar(presenter, None, x=x_bar, len=0.8, thickness=int(12 * s), exponentformat="e"),
            hovertemplate=f"x₁ %{{x:.2f}}, x₂ %{{y:.2f}}<br>{name}: %{{z:.3g}}<extra></extra>"), row=1, col=i + 1)
    st.base_layout(fig, title, presenter, height=int(430 * s))
    for i in range(n):
        _square_axes(fig, xs, ys, presenter, idx=i + 1, titles=False)
        fig.layout["xaxis" if i == 0 else f"xaxis{i + 1}"].constraintoward = "right"
        if i:  # same y range as the first panel: its labels would only crowd the colour bar to their left
            fig.layout[f"yaxis{i + 1}"].showticklabels = False
    fig.update_layout(margin=dict(t=int((110 if title else 70) * s), b=int(30 * s)))
    return fig


# --- the lesson's figures, from the experiment's results ----------------------------------------------------

# The predictors' names as figures show them (the select boxes and the link keep the English names).
PREDICTOR_NAMES = {"weight-scaled": N_("weight-scaled"), "MC arithmetic": N_("MC arithmetic"),
                   "MC geometric": N_("MC geometric"), "exact arithmetic": N_("exact arithmetic"),
                   "exact geometric": N_("exact geometric")}
SHORT_NAMES = {"weight-scaled": N_("weight-scaled"), "MC arithmetic": N_("MC arith."), "MC geometric": N_("MC geo."),
               "exact arithmetic": N_("exact arith."), "exact geometric": N_("exact geo.")}
UNCERTAINTY_NAMES = {"weight-scaled: entropy": N_("weight-scaled: entropy"),
                     "MC dropout: entropy": N_("MC dropout: entropy"),
                     "MC dropout: mutual information": N_("MC dropout: mutual information")}


def superscript(n: int) -> str:
    """n in Unicode superscript digits (2¹⁶), for titles that cannot show LaTeX."""
    return str(n).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def height(presenter: bool, px: int) -> int:
    return int(px * (1.5 if presenter else 1.0))


def surfaces(view, d: int, k: int, *, x_train=None, y_train=None, presenter: bool = False,
             lang: str = "en") -> go.Figure:
    """The five predictions (an experiment.Panels ``view``): weight-scaled | MC arithmetic | MC geometric, exact
    means below when ``view`` has them, training points on each."""
    _ = translator(lang)
    sup = superscript(d)
    what = {"weight-scaled": _("weight-scaled, 1 pass"),
            "MC arithmetic": _("MC arithmetic, k = {k}").format(k=k),
            "MC geometric": _("MC geometric, k = {k}").format(k=k),
            "exact arithmetic": _("exact arithmetic, 2{sup}").format(sup=sup),
            "exact geometric": _("exact geometric, 2{sup}").format(sup=sup)}
    titles = {n: what[n] + "<br>" + _("test accuracy {acc}").format(acc=f"{view.test_acc[n]:.1%}")
              for n in view.surfaces}
    surf = view.surfaces
    exact_means = ({"arithmetic": surf["exact arithmetic"], "geometric": surf["exact geometric"]}
                   if "exact arithmetic" in surf else None)
    return ensemble_grid(view.xs, view.ys, surf["weight-scaled"],
                         {"arithmetic": surf["MC arithmetic"], "geometric": surf["MC geometric"]}, exact_means,
                         x_train=x_train, y_train=y_train, titles=titles, presenter=presenter,
                         title=_("P(class 1) on one colour scale; black line: P = 0.5"), lang=lang)


def difference(xs, ys, diff, a: str, b: str, *, presenter: bool = False, lang: str = "en") -> go.Figure:
    """P_a(class 1) − P_b(class 1) on the grid, a and b named as the predictors' short names."""
    _ = translator(lang)
    return figures.difference_heatmap(xs, ys, diff, title=f"{_(SHORT_NAMES[a])} − {_(SHORT_NAMES[b])}",
                                      presenter=presenter, height=height(presenter, 460))


def kept_text(kept, has_path: bool, lang: str = "en") -> str:
    """'5 + 3' units kept per dropped layer, '(no path)' added when a layer is empty; 'all' when nothing drops."""
    _ = translator(lang)
    if len(kept) == 0:
        return _("all")
    text = " + ".join(str(int(n)) for n in kept)
    return text if has_path else _("{kept} (no path)").format(kept=text)


def strip(xs, ys, members, *, presenter: bool = False, lang: str = "en") -> go.Figure:
    """Single members (an experiment.Strip): one panel per subnetwork, titled by the units it keeps."""
    _ = translator(lang)
    items = [{"probs": p, "title": f"#{i + 1}: {kept_text(kept, path, lang)}"}
             for i, (p, kept, path) in enumerate(zip(members.surfaces, members.kept, members.has_path))]
    of = " + ".join(str(w) for w in members.widths) or "-"
    title = _("Single members: the first {n} subnetworks the Monte Carlo means average (units kept of {of})").format(
        n=len(items), of=of)
    return figures.decision_surfaces(items, xs=xs, ys=ys, cols=3 if presenter else 6, presenter=presenter,
                                     height=660 if presenter else 300, title=title)


def convergence(conv, where: str, k: int, *, presenter: bool = False, lang: str = "en") -> tuple:
    """(distance chart, accuracy chart) of an experiment.ConvergenceView, with a marker at the page's k."""
    _ = translator(lang)
    labels = {n: _(t) for n, t in PREDICTOR_NAMES.items()}
    place = _("grid points") if where == "grid" else _("test points")
    tv = convergence_chart(conv.ks, {n: (b.mean, b.lo, b.hi) for n, b in conv.tv[where].items()},
                           references=conv.tv_refs[where], current_k=k, presenter=presenter,
                           y_title=_("mean TV to exact arithmetic"),
                           title=_("Distance to exact arithmetic ({place})").format(place=place), labels=labels,
                           lang=lang)
    acc = convergence_chart(conv.ks, {n: (b.mean, b.lo, b.hi) for n, b in conv.acc.items()}, references=conv.acc_refs,
                            current_k=k, presenter=presenter, y_title=_("test accuracy"),
                            title=_("Test accuracy against k"), labels=labels, lang=lang)
    return tv, acc


def case(xs, ys, cv, description: str, *, presenter: bool = False, lang: str = "en") -> tuple:
    """(surfaces, differences from the weight-scaled network) of an experiment.CaseView; ``description`` is the
    case's title, already in ``lang``."""
    _ = translator(lang)
    name = lambda n: _(PREDICTOR_NAMES[n])  # noqa: E731
    surf = figures.decision_surfaces([{"probs": p, "title": name(n)} for n, p in cv.surfaces.items()], xs=xs, ys=ys,
                                     cols=3, presenter=presenter,
                                     title=_("{case}: test accuracy {acc}").format(case=description,
                                                                                   acc=f"{cv.test_acc:.1%}"))
    diffs = difference_pair(xs, ys, {f"{name('exact geometric')} − {name('weight-scaled')}": cv.geo_minus_ws,
                                     f"{name('exact arithmetic')} − {name('weight-scaled')}": cv.arith_minus_ws},
                            presenter=presenter, lang=lang,
                            title=_("Differences in P(class 1), each map on its own scale"))
    return surf, diffs


def votes(v, *, presenter: bool = False, lang: str = "en") -> go.Figure:
    """A vote, the arithmetic mean and the geometric mean of a few models (an ensembles.Votes ``v``)."""
    _ = translator(lang)
    names = (_("majority vote<br>(share of votes)"), _("arithmetic mean"), _("geometric mean<br>(renormalised)"))
    return vote_bars(dict(zip(names, (v.vote_share, v.arithmetic, v.geometric))),
                     dict(zip(names, (v.vote, v.arithmetic_decision, v.geometric_decision))),
                     presenter=presenter, lang=lang,
                     title=_("{n} models combined three ways").format(n=len(v.probs)))


def regression(rv, keep: float, passes: int, *, presenter: bool = False, lang: str = "en") -> go.Figure:
    """Monte Carlo dropout's band on the noisy sine (an experiment.RegressionView) and the weight-scaled fit."""
    _ = translator(lang)
    mean = _("MC dropout mean of {passes} passes").format(passes=passes)
    ws = _("weight-scaled network (1 pass)")
    title = _("Noisy sine, 1-64-64-1 ReLU, {keep}: mean ± 2 std of {passes} passes").format(
        keep=figures.keep_text(keep, lang), passes=passes)
    return figures.regression_fit(
        rv.x_train, rv.y_train, {mean: (rv.xs, rv.band.mean), ws: (rv.xs, rv.band.weight_scaled)},
        band=(rv.xs, rv.band.mean, rv.band.std), presenter=presenter, title=title)


def uncertainty(xs, ys, maps: dict, passes: int, *, x_train=None, y_train=None, presenter: bool = False,
                lang: str = "en") -> go.Figure:
    """The classifier's entropy maps (experiment.uncertainty's dict), in bits."""
    _ = translator(lang)
    return uncertainty_maps(xs, ys, {_(UNCERTAINTY_NAMES.get(n, n)): m for n, m in maps.items()}, x_train=x_train,
                            y_train=y_train, presenter=presenter, z_title=_("bits"),
                            title=_("The classifier above: entropy of its prediction, in bits (T = {passes} passes)"
                                    ).format(passes=passes))
