"""Network diagrams: the full or thinned MLP, and a gallery of subnetworks (tiny diagrams)."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style as st

MAX_DIAGRAM_LAYERS = 8  # layers of units, input and output included
MAX_DIAGRAM_WIDTH = 16  # beyond this, units shrink below what a projector shows
MAX_GALLERY_PANELS = 64
WEIGHT_BINS = 4  # |w| is shown by line width in this many steps (one trace per step and sign)


def check_sizes(sizes) -> list[int]:
    """Validate diagram layer widths: 2..8 layers, each of 1..16 units."""
    try:
        out = [int(s) for s in sizes]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"sizes must be a list of layer widths, got {sizes!r}") from exc
    if not 2 <= len(out) <= MAX_DIAGRAM_LAYERS:
        raise ValueError(f"sizes must have 2 to {MAX_DIAGRAM_LAYERS} layers (input ... output), got {len(out)}")
    if any(s < 1 or s > MAX_DIAGRAM_WIDTH for s in out) or any(s != float(v) for s, v in zip(out, sizes)):
        raise ValueError(f"every entry of sizes must be an integer in [1, {MAX_DIAGRAM_WIDTH}], got {list(sizes)}")
    return out


def kept_units(sizes: Sequence[int], masks, name: str = "masks") -> list[np.ndarray]:
    """Boolean kept-flags per layer of units (output included) from masks.

    Args:
      sizes: checked layer widths.
      masks: None (nothing dropped) or a list with one entry per layer of units (len(sizes)) or per weight
        layer's input (len(sizes) - 1, output then kept). Each entry is None (all kept) or a (sizes[i],) array
        of 0/1 (any positive value, e.g. 1/q from inverted dropout, counts as kept).
    """
    if masks is None:
        return [np.ones(n, bool) for n in sizes]
    masks = list(masks)
    if len(masks) not in (len(sizes), len(sizes) - 1):
        raise ValueError(
            f"{name} needs one entry per layer of units ({len(sizes)}) or per weight layer ({len(sizes) - 1}), "
            f"got {len(masks)}"
        )
    out = []
    for i, n in enumerate(sizes):
        m = masks[i] if i < len(masks) else None
        if m is None:
            out.append(np.ones(n, bool))
            continue
        arr = st.as_array(m, f"{name}[{i}]")
        if arr.shape != (n,):
            raise ValueError(f"{name}[{i}] must have shape ({n},) to match sizes[{i}] = {n}, got {arr.shape}")
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name}[{i}] must hold 0 (dropped) or 1 (kept), got {arr.tolist()}")
        out.append(arr > 0)
    if not out[-1].all():
        raise ValueError(f"{name}[{len(sizes) - 1}] (the output layer) must keep every unit; outputs are never dropped")
    return out


def _check_weights(sizes, weights) -> list[np.ndarray] | None:
    if weights is None:
        return None
    weights = list(weights)
    if len(weights) != len(sizes) - 1:
        raise ValueError(f"weights needs {len(sizes) - 1} matrices (one per weight layer), got {len(weights)}")
    out = []
    for i, w in enumerate(weights):
        if isinstance(w, (tuple, list)) and len(w) == 2 and np.ndim(w[0]) == 2:
            w = w[0]  # a params entry (W, b)
        arr = st.as_array(w, f"weights[{i}]")
        if arr.shape != (sizes[i], sizes[i + 1]):
            raise ValueError(f"weights[{i}] must have shape (fan_in, fan_out) = {(sizes[i], sizes[i + 1])}, got {arr.shape}")
        out.append(arr)
    return out


def _check_keep(keep, n: int) -> list[float] | None:
    if keep is None:
        return None
    vals = [float(keep)] * n if np.ndim(keep) == 0 else [float(k) for k in keep]
    if len(vals) != n:
        raise ValueError(f"keep needs one value per layer except the output ({n}), got {len(vals)}")
    if any(not (0.0 < k <= 1.0) for k in vals):
        raise ValueError(f"keep must lie in (0, 1] (keep probability q), got {vals}")
    return vals


def _arch(sizes) -> str:
    """'2-6-6-2', shortened for deep networks."""
    return "-".join(map(str, sizes)) if len(sizes) <= 5 else f"{sizes[0]}-...-{sizes[-1]} ({len(sizes)} layers)"


def layer_name(i: int, n_layers: int) -> str:
    """'input', 'hidden k' or 'output' for layer i of n_layers."""
    return "input" if i == 0 else "output" if i == n_layers - 1 else f"hidden {i}"


def unit_positions(sizes: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, y) of every unit: layer i at x = i, units centred on y = 0, unit 0 at the top."""
    return [(np.full(n, float(i)), (n - 1) / 2.0 - np.arange(n, dtype=float)) for i, n in enumerate(sizes)]


def _segments(pairs) -> tuple[list, list]:
    """Batch line segments ((x0, y0), (x1, y1)) into one x list and one y list with None separators."""
    xs, ys = [], []
    for (x0, y0), (x1, y1) in pairs:
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    return xs, ys


def _network_parts(sizes, kept, weights, *, unit_px, presenter, showlegend=True) -> tuple[list[dict], list[dict]]:
    """The traces (edges between kept units, kept units, dropped-unit crosses) and shapes (dashed ghost circles)
    of one network, as plain Plotly dicts."""
    s = st.scale(presenter)
    pos = unit_positions(sizes)
    n_layers = len(sizes)
    densest = max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    traces: list[dict] = []

    # Edges: only those whose both ends are kept, so a dropped unit has no connection left at all.
    groups: dict[tuple[int, int], list] = {}
    wmax = max((float(np.abs(w).max()) for w in weights), default=0.0) if weights is not None else 0.0
    for i in range(n_layers - 1):
        (x0, y0), (x1, y1) = pos[i], pos[i + 1]
        for a in np.flatnonzero(kept[i]):
            for b in np.flatnonzero(kept[i + 1]):
                if weights is None:
                    key = (0, 0)
                else:
                    w = weights[i][a, b]
                    level = int(np.clip(math.ceil(abs(w) / wmax * WEIGHT_BINS), 1, WEIGHT_BINS)) if wmax > 0 else 1
                    key = (1 if w >= 0 else -1, level)
                groups.setdefault(key, []).append(((float(x0[a]), float(y0[a])), (float(x1[b]), float(y1[b]))))
    if weights is None:
        # Dense layers (16 x 16 = 256 edges) turn into a grey wall unless edges get thinner and lighter.
        width = (1.6 if densest <= 64 else 1.1 if densest <= 144 else 0.8) * s
        color = "#7A7A7A" if densest <= 64 else "#A8A8A8"
        ex, ey = _segments(groups.get((0, 0), []))
        traces.append(dict(type="scatter", x=ex, y=ey, mode="lines", line=dict(color=color, width=width),
                           hoverinfo="skip", name="connection", showlegend=False, meta="edges"))
    else:
        shown = set()
        for sign in (1, -1):
            for level in range(1, WEIGHT_BINS + 1):
                segs = groups.get((sign, level))
                if not segs:
                    continue
                ex, ey = _segments(segs)
                color = st.POSITIVE if sign > 0 else st.NEGATIVE
                name = "positive weight" if sign > 0 else "negative weight"
                traces.append(dict(
                    type="scatter", x=ex, y=ey, mode="lines", hoverinfo="skip", meta="edges",
                    line=dict(color=st.rgba(color, 0.35 + 0.65 * level / WEIGHT_BINS), width=(0.6 + 1.1 * level) * s),
                    name=name, legendgroup=name, showlegend=showlegend and sign not in shown,
                ))
                shown.add(sign)

    # Kept units: one trace, coloured by role (input / hidden / output).
    kx, ky, kc, kt, dx, dy, dt = [], [], [], [], [], [], []
    for i, ((x, y), k) in enumerate(zip(pos, kept)):
        role = st.SKY_BLUE if i == 0 else st.GREEN if i == n_layers - 1 else st.BLUE
        name = layer_name(i, n_layers)
        for j in range(len(k)):
            if k[j]:
                kx.append(float(x[j])); ky.append(float(y[j])); kc.append(role); kt.append(f"{name}, unit {j}: kept")
            else:
                dx.append(float(x[j])); dy.append(float(y[j])); dt.append(f"{name}, unit {j}: dropped (no connections)")
    traces.append(dict(
        type="scatter", x=kx, y=ky, mode="markers", name="kept unit", meta="units", showlegend=showlegend and bool(dx),
        marker=dict(size=unit_px, color=kc, line=dict(color=st.BLACK, width=1.5 * s)),
        hovertext=kt, hoverinfo="text",
    ))
    # Dropped units: a cross marker (hoverable) inside a dashed ghost outline (pixel-sized shapes, since
    # marker outlines cannot be dashed).
    traces.append(dict(
        type="scatter", x=dx, y=dy, mode="markers", name="dropped unit", meta="dropped",
        showlegend=showlegend and bool(dx),
        marker=dict(size=unit_px * 0.55, symbol="x-thin", color=st.GHOST, line=dict(color=st.GHOST, width=2 * s)),
        hovertext=dt, hoverinfo="text",
    ))
    r = unit_px / 2.0
    shapes = [dict(type="circle", xsizemode="pixel", ysizemode="pixel", xanchor=x, yanchor=y, x0=-r, x1=r, y0=-r,
                   y1=r, line=dict(color=st.GHOST, width=1.5 * s, dash="dot"), layer="below")
              for x, y in zip(dx, dy)]
    return traces, shapes


def _add_network(fig, sizes, kept, weights, *, unit_px, presenter, row=None, col=None, showlegend=True):
    """Draw edges between kept units, kept units, and dropped-unit ghosts into fig (at row, col if given)."""
    where = dict(row=row, col=col) if row is not None else {}
    traces, shapes = _network_parts(sizes, kept, weights, unit_px=unit_px, presenter=presenter,
                                    showlegend=showlegend)
    for t in traces:
        fig.add_trace(go.Scatter({k: v for k, v in t.items() if k != "type"}), **where)
    for shape in shapes:
        fig.add_shape(**shape, **where)


def _axes_off(fig, sizes, **where):
    """Hide the axes and fit the unit grid with a little air around it."""
    half = (max(sizes) - 1) / 2.0
    fig.update_xaxes(visible=False, range=[-0.45, len(sizes) - 0.55], fixedrange=True, **where)
    fig.update_yaxes(visible=False, range=[-half - 0.6, half + 0.6], fixedrange=True, **where)


def network_diagram(sizes, masks=None, weights=None, *, keep=None, presenter: bool = False,
                    height: int | None = None, title: str | None = None) -> go.Figure:
    """Diagram of an MLP, thinned by a dropout mask if one is given.

    Args:
      sizes: layer widths, input and output included, e.g. [2, 6, 6, 2]; 2..8 layers of 1..16 units.
      masks: None (nothing dropped) or one 0/1 array per layer of units (len(sizes), output all ones) or per
        weight layer's input (len(sizes) - 1). Dropped units are drawn as dashed ghosts with a cross and
        every connection into or out of them is left out.
      weights: optional list of (fan_in, fan_out) arrays (or the params list of (W, b)): edge colour shows
        the sign (blue +, vermillion -), width shows |w|.
      keep: optional keep probability per layer except the output (or one scalar), labelled under each column.
      height: figure height in px; by default it grows with the widest layer.
    Returns:
      A Figure whose traces carry meta "edges", "units" (kept) and "dropped".
    """
    sizes = check_sizes(sizes)
    kept = kept_units(sizes, masks)
    weights = _check_weights(sizes, weights)
    keep = _check_keep(keep, len(sizes) - 1)
    s = st.scale(presenter)
    n_layers, widest = len(sizes), max(sizes)

    label_lines = 1 + ((2 if n_layers <= 5 else 1) if keep is not None else 0) + (masks is not None)
    label_font = st.font_size(presenter, st.SMALL_FONT)
    top = int((86 if (masks is not None or weights is not None) else 64) * s)
    bottom = int(label_lines * label_font * 1.35 + 18 * s)
    if height is None:
        # Presenter mode grows less than 1.5x here: a 16-unit column must still fit a 1080p projector.
        height = int(min(720, 150 + 40 * widest) * (1.2 if presenter else 1.0) + bottom)
    plot_h = max(80, height - top - bottom)
    pitch = plot_h / (widest + 0.2)
    unit_px = float(np.clip(0.62 * pitch, 7, 26 * s))

    traces, shapes = _network_parts(sizes, kept, weights, unit_px=unit_px, presenter=presenter)
    annotations = []
    for i, n in enumerate(sizes):
        lines = [f"<b>{layer_name(i, n_layers)}</b>"]
        if i < n_layers - 1:
            if keep is not None:
                q = keep[i]
                # One short line per convention: columns stay narrow enough not to collide, even in presenter mode.
                lines += [f"keep q={q:g}", f"drop p={1 - q:.2g}"] if n_layers <= 5 else [f"keep q={q:g}"]
            if masks is not None:
                lines.append(f"kept {int(kept[i].sum())}/{n}")
        annotations.append(dict(x=i, y=0, xref="x", yref="y domain", yanchor="top", yshift=-4, showarrow=False,
                                text="<br>".join(lines), font=dict(size=label_font, color=st.TEXT), align="center"))

    if title is None:
        if masks is None:
            title = f"Full network {_arch(sizes)}: all {sum(sizes)} units present"
        else:
            droppable = sum(sizes[:-1])
            n_dropped = droppable - sum(int(k.sum()) for k in kept[:-1])
            title = f"Thinned network: {n_dropped} of {droppable} units dropped"
    lay = st.layout_dict(title, presenter, height=height)
    half = (widest - 1) / 2.0
    # The axes off, fitting the unit grid with a little air around it (as _axes_off).
    lay["xaxis"].update(visible=False, range=[-0.45, n_layers - 0.55], fixedrange=True)
    lay["yaxis"].update(visible=False, range=[-half - 0.6, half + 0.6], fixedrange=True)
    lay["margin"] = dict(l=int(12 * s), r=int(12 * s), t=top, b=bottom)
    lay["legend"].update(orientation="h", x=1.0, xanchor="right", y=1.0, yanchor="bottom", itemsizing="constant")
    lay["hovermode"] = "closest"
    if n_layers > 5 and keep is not None:
        # Columns are too narrow for "keep q (drop rate p)"; the convention is stated once instead.
        annotations.append(dict(text="drop rate p = 1 - q", x=0.0, xref="paper", xanchor="left", y=1.0,
                                yref="paper", yanchor="bottom", showarrow=False,
                                font=dict(size=label_font, color="#555555")))
    lay["annotations"] = annotations
    if shapes:
        lay["shapes"] = shapes
    # Plain dicts, wrapped without Plotly's per-property validation (most of a slider move's server time; the
    # result is the same figure: tests/test_figures.py checks it against a validated copy).
    return st.fast_figure(traces, lay)


def _gallery_masks(sizes, masks_list) -> list[list]:
    """Normalise masks_list to one per-layer mask list per subnetwork.

    Accepts either a list of subnetworks (each a list of per-layer masks) or one (k, sizes[i]) array per
    weight layer's input, as inference.sample_subnetwork_masks returns.
    """
    items = list(masks_list)
    if items and all(isinstance(m, np.ndarray) and m.ndim == 2 for m in items):
        k = items[0].shape[0]
        if any(m.shape[0] != k for m in items):
            raise ValueError("masks_list given per layer must have the same number of rows (subnetworks) in every layer")
        return [[m[r] for m in items] for r in range(k)]
    return [list(m) for m in items]


def has_input_output_path(kept: Sequence[np.ndarray]) -> bool:
    """In a fully connected MLP some input reaches the output iff every layer keeps at least one unit."""
    return all(bool(np.any(k)) for k in kept)


def subnetwork_gallery(sizes, masks_list, probs, *, has_path=None, cols: int = 4, presenter: bool = False,
                       title: str | None = None) -> go.Figure:
    """Small multiples of thinned networks, each titled with its probability P(mask).

    Args:
      sizes: layer widths of the full network (as network_diagram).
      masks_list: k subnetworks, each a per-layer mask list (as network_diagram's masks), or one
        (k, sizes[i]) 0/1 array per weight layer's input.
      probs: (k,) probability of each mask.
      has_path: optional (k,) flags; by default computed (every layer keeps a unit). Panels without an
        input-to-output path get a vermillion "no path" title: that subnetwork outputs a constant.
      cols: panels per row.
    """
    sizes = check_sizes(sizes)
    subnets = _gallery_masks(sizes, masks_list)
    k = len(subnets)
    if not 1 <= k <= MAX_GALLERY_PANELS:
        raise ValueError(f"masks_list must hold 1 to {MAX_GALLERY_PANELS} subnetworks, got {k}")
    kept = [kept_units(sizes, m, name=f"masks_list[{r}]") for r, m in enumerate(subnets)]
    probs = st.as_array(probs, "probs", 1)
    if probs.shape != (k,):
        raise ValueError(f"probs must have shape ({k},), one probability per subnetwork, got {probs.shape}")
    if has_path is None:
        paths = [has_input_output_path(kk) for kk in kept]
    else:
        paths = [bool(v) for v in np.asarray(has_path).reshape(-1)]
        if len(paths) != k:
            raise ValueError(f"has_path must have {k} entries, one per subnetwork, got {len(paths)}")
    cols = int(cols)
    if not 1 <= cols <= 8:
        raise ValueError(f"cols must lie in [1, 8], got {cols}")
    cols = min(cols, k)
    rows = math.ceil(k / cols)
    s = st.scale(presenter)

    titles = [f"P = {p:.4g}" + ("" if ok else " · no path") for p, ok in zip(probs, paths)]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles,
                        horizontal_spacing=0.02, vertical_spacing=min(0.12, 0.3 / rows))
    st.subplot_title_fonts(fig, presenter, st.SMALL_FONT)
    for ann, ok in zip(fig.layout.annotations, paths):
        if not ok:
            ann.font.color = st.VERMILLION

    panel_h = (150 + 14 * max(sizes)) * s
    if title is None:
        title = f"{k} subnetworks of a {_arch(sizes)} network and their probabilities P(mask)"
    top = int((70 if title else 30) * s)
    height = int(rows * panel_h + top + 50 * s)
    plot_h = panel_h * 0.72
    unit_px = float(np.clip(0.55 * plot_h / max(sizes), 6, 18 * s))
    for r, kk in enumerate(kept):
        row, col = r // cols + 1, r % cols + 1
        _add_network(fig, sizes, kk, None, unit_px=unit_px, presenter=presenter, row=row, col=col, showlegend=(r == 0))
        _axes_off(fig, sizes, row=row, col=col)
        if not paths[r]:
            # A pale tint marks the whole panel, so "no path" is visible before the title is read.
            fig.add_shape(type="rect", xref="x domain" if r == 0 else f"x{r + 1} domain",
                          yref="y domain" if r == 0 else f"y{r + 1} domain", x0=0, x1=1, y0=0, y1=1,
                          fillcolor=st.rgba(st.VERMILLION, 0.07), line=dict(width=0), layer="below")

    st.base_layout(fig, title or None, presenter, height=height)
    fig.update_layout(
        margin=dict(l=int(10 * s), r=int(10 * s), t=top, b=int(10 * s)),
        # At the bottom: a top legend would collide with the first row of panel titles.
        legend=dict(orientation="h", x=1.0, xanchor="right", y=0.0, yanchor="bottom", yref="container",
                    itemsizing="constant"),
    )
    return fig
