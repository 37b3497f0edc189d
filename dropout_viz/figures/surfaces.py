"""Decision surfaces on a 2-D grid: one panel, several panels on a shared scale, and differences."""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style as st

# Pale ends so that the training points (full colour, white outline) stay visible on top.
PROB_SCALE = [
    [0.0, st.mix_white(st.BLUE, 0.65)],
    [0.5, "#FFFFFF"],
    [1.0, st.mix_white(st.VERMILLION, 0.65)],
]
# Differences are not classes, so they get their own colour-blind-safe diverging map (ColorBrewer PRGn).
DIFF_SCALE = "PRGn"
MAX_PANELS = 24


def _grid(xs, ys):
    xs = st.as_array(xs, "xs", 1)
    ys = st.as_array(ys, "ys", 1)
    if xs.size < 2 or ys.size < 2:
        raise ValueError(f"xs and ys need at least 2 grid values each, got {xs.size} and {ys.size}")
    return xs, ys


def _check_probs(probs, xs, ys, name: str = "probs") -> np.ndarray:
    """(ny, nx) P(class 1) or (ny, nx, C) class probabilities, checked against the grid."""
    p = st.as_array(probs, name, (2, 3))
    if p.shape[:2] != (ys.size, xs.size):
        raise ValueError(f"{name} must have shape (len(ys), len(xs)) = {(ys.size, xs.size)} (optionally with a class axis), "
                         f"got {p.shape}")
    if p.ndim == 3:
        if not 2 <= p.shape[2] <= len(st.CLASS_COLORS):
            raise ValueError(f"{name} must have 2 to {len(st.CLASS_COLORS)} classes on its last axis, got {p.shape[2]}")
        if p.shape[2] == 2:
            p = p[..., 1]  # binary: colour by P(class 1)
    if not np.all(np.isfinite(p)) or p.min() < -1e-6 or p.max() > 1 + 1e-6:
        raise ValueError(f"{name} must hold probabilities in [0, 1]")
    return np.clip(p, 0.0, 1.0)


def _check_points(x, y, name: str, n_classes: int):
    if x is None and y is None:
        return None
    if x is None or y is None:
        raise ValueError(f"x_{name} and y_{name} must be given together")
    xa = st.as_array(x, f"x_{name}", 2)
    ya = np.asarray(y).reshape(-1)
    if xa.shape[1] != 2 or xa.shape[0] != ya.shape[0]:
        raise ValueError(f"x_{name} must have shape (n, 2) with n = len(y_{name}) = {ya.shape[0]}, got {xa.shape}")
    if ya.size and (not np.all(np.equal(np.mod(ya, 1), 0)) or ya.min() < 0 or ya.max() >= n_classes):
        raise ValueError(f"y_{name} must hold integer class labels in [0, {n_classes - 1}]")
    return xa, ya.astype(int)


def _multiclass_z(p: np.ndarray):
    """Encode argmax class c and confidence into z = c + t (t in [0, 1)) for a piecewise colour scale."""
    c = p.shape[2]
    cls = p.argmax(axis=2)
    conf = p.max(axis=2)
    # Confidence 1/C (a tie) is white, 1 is the full class colour.
    t = np.clip((conf - 1.0 / c) / (1.0 - 1.0 / c), 0.0, 0.999)
    scale = []
    for k in range(c):
        scale += [[k / c, st.mix_white(st.CLASS_COLORS[k], 0.08)], [(k + 1) / c, st.mix_white(st.CLASS_COLORS[k], 0.6)]]
    return cls + t, cls, conf, scale


def contour_lines(z, level: float = 0.5) -> list[np.ndarray]:
    """Where the grid values z (ny, nx) cross ``level``: marching squares, as plotly.js draws a contour line (and
    as the live view's contourLines does).

    A cell edge is crossed when one end is above the level and the other not; the crossing is where the linear
    interpolation along the edge meets the level. A cell's segments meet its neighbours' at the edges they share,
    so they are joined by edge, not by comparing coordinates. A saddle (all four edges crossed) pairs them in
    order. Returns the lines, each an (n, 2) array of (column, row) positions in grid index units (fractional);
    a closed line ends where it starts; open lines start at the grid's border.
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or min(z.shape) < 2:
        raise ValueError(f"z must be a 2-D grid of at least 2 x 2 values, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("z must be finite")
    h, w = z.shape
    up = z > level
    # Edge ids: 2 (j w + i) from (i, j) to (i + 1, j) (along a row), 2 (j w + i) + 1 from (i, j) to (i, j + 1).
    across = np.zeros((h, w), bool)  # edge (i, j) -> (i + 1, j) crossed
    across[:, :-1] = up[:, :-1] != up[:, 1:]
    down = np.zeros((h, w), bool)  # edge (i, j) -> (i, j + 1) crossed
    down[:-1, :] = up[:-1, :] != up[1:, :]
    nxt: dict[int, list[int]] = {}

    def link(e: int, f: int) -> None:
        nxt.setdefault(e, []).append(f)
        nxt.setdefault(f, []).append(e)

    # The cells with a crossed edge, row by row (as the live view walks them).
    cells = across[:-1, :-1] | across[1:, :-1] | down[:-1, :-1] | down[:-1, 1:]
    for j, i in zip(*np.nonzero(cells)):
        j, i = int(j), int(i)
        es = []
        if across[j, i]:
            es.append(2 * (j * w + i))
        if down[j, i + 1]:
            es.append(2 * (j * w + i + 1) + 1)
        if across[j + 1, i]:
            es.append(2 * ((j + 1) * w + i))
        if down[j, i]:
            es.append(2 * (j * w + i) + 1)
        link(es[0], es[1])
        if len(es) == 4:  # a saddle: two segments, edges paired in order
            link(es[2], es[3])

    def point(e: int) -> tuple[float, float]:
        k = e >> 1
        i, j = k % w, k // w
        if e & 1:
            a, b = z[j, i], z[j + 1, i]
            return i, j + (level - a) / (b - a)
        a, b = z[j, i], z[j, i + 1]
        return i + (level - a) / (b - a), j

    lines = []

    def walk(start: int) -> None:
        pts, prev, cur = [point(start)], -1, start
        while True:
            ns = nxt.pop(cur)
            f = next((f for f in ns if f != prev and (f in nxt or f == start)), None)
            if f is None:
                break
            pts.append(point(f))
            if f == start:
                break
            prev, cur = cur, f
        lines.append(np.array(pts))

    for e in [e for e, ns in nxt.items() if len(ns) == 1]:  # open lines start at the grid's border
        if e in nxt:
            walk(e)
    while nxt:  # closed ones anywhere
        walk(next(iter(nxt)))
    return lines


def boundary_xy(xs, ys, p, level: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The level line of p over the grid (xs, ys) in data coordinates, its lines separated by NaN (one Scatter
    trace draws them all); empty where p never crosses the level."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    lines = contour_lines(p, level)
    if not lines:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    gap = np.array([[np.nan, np.nan]])
    pts = np.concatenate([part for line in lines for part in (line, gap)][:-1])
    # grid index -> data coordinate (the grid may be uneven); the gaps stay NaN
    x = np.interp(pts[:, 0], np.arange(xs.size), xs)
    y = np.interp(pts[:, 1], np.arange(ys.size), ys)
    return x.astype(np.float32), y.astype(np.float32)


def _add_surface(fig, xs, ys, p, *, zrange, presenter, showscale, where, boundary=True, cb=None):
    """Heatmap of p (binary or multi-class) plus the p = 0.5 contour for binary surfaces."""
    cb = cb or dict(len=0.8)
    if p.ndim == 2:
        # float32: a probability drawn to 1e-7 looks the same, and the figure's arrays (sent as base64 with every
        # run that shows it) are half the bytes: less server CPU to encode, hash and send them.
        p = np.asarray(p, dtype=np.float32)
        lo, hi = zrange
        fig.add_trace(go.Heatmap(
            x=xs, y=ys, z=p, zmin=lo, zmax=hi, colorscale=PROB_SCALE, showscale=showscale, meta="surface",
            zsmooth="best",
            colorbar=st.colorbar(presenter, "P(class 1)", **cb),
            hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>P(class 1) = %{z:.3f}<extra></extra>",
        ), **where)
        if boundary:  # always drawn (no points where the surface never crosses 0.5)
            # The line itself (a few hundred points), not a Contour trace: that would send the surface's values a
            # second time, as many bytes as the heatmap, with every run that shows it.
            bx, by = boundary_xy(xs, ys, p)
            fig.add_trace(go.Scatter(
                x=bx, y=by, mode="lines", line=dict(color=st.BLACK, width=st.line_width(presenter, 3), shape="spline",
                                                    smoothing=1.0),
                connectgaps=False, showlegend=False, hoverinfo="skip", name="P = 0.5 boundary", meta="boundary",
            ), **where)
    else:
        c = p.shape[2]
        z, cls, conf, scale = _multiclass_z(p)
        fig.add_trace(go.Heatmap(
            x=xs, y=ys, z=z, zmin=0, zmax=c, colorscale=scale, showscale=showscale, meta="surface",
            customdata=np.stack([cls, conf], axis=-1),
            colorbar=st.colorbar(presenter, None, **cb, tickangle=0, tickvals=np.arange(c) + 0.5,
                                 ticktext=[f"class {k}" for k in range(c)], ticks=""),
            hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>class %{customdata[0]} (p = %{customdata[1]:.2f})<extra></extra>",
        ), **where)


def _add_points(fig, pts, split: str, presenter, where, showlegend):
    """Training points: filled shapes; test points: white shapes with a class-coloured rim. Each class has its own
    shape as well as its colour (style.TRAIN_SYMBOLS, style.TEST_SYMBOLS), for readers who cannot tell the colours
    apart."""
    if pts is None:
        return
    x, y = pts
    for k in np.unique(y):
        sel = y == k
        color = st.CLASS_COLORS[int(k)]
        if split == "train":
            marker = dict(symbol=st.TRAIN_SYMBOLS[int(k) % len(st.TRAIN_SYMBOLS)], size=st.marker_size(presenter, 9),
                          color=color,
                          line=dict(color="white", width=1.2 * st.scale(presenter)))
        else:
            marker = dict(symbol=st.TEST_SYMBOLS[int(k) % len(st.TEST_SYMBOLS)], size=st.marker_size(presenter, 10),
                          color="white",
                          line=dict(color=color, width=2.2 * st.scale(presenter)))
        fig.add_trace(go.Scatter(
            x=x[sel, 0], y=x[sel, 1], mode="markers", marker=marker, name=f"{split}, class {k}", meta=split,
            showlegend=showlegend,
            hovertemplate=f"{split}, class {k}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
        ), **where)


def _square_axes(fig, xs, ys, presenter, *, idx: int | None = None, titles: bool = True):
    """Equal aspect ratio (one unit of x₁ is as long as one of x₂), ranges fitted to the grid."""
    dx, dy = (xs[-1] - xs[0]) / (xs.size - 1) / 2, (ys[-1] - ys[0]) / (ys.size - 1) / 2
    suffix = "" if not idx or idx == 1 else str(idx)
    fig.layout[f"xaxis{suffix}"].update(range=[xs[0] - dx, xs[-1] + dx], constrain="domain", showgrid=False,
                                        zeroline=False, title_text="x₁" if titles else None,
                                        # Left-aligned, so legend and colour bar (placed at the left) stay next to it.
                                        constraintoward="left" if not idx else "center")
    # constraintoward="top": when the square is shorter than its cell, it stays under its title and legend.
    fig.layout[f"yaxis{suffix}"].update(range=[ys[0] - dy, ys[-1] + dy], constrain="domain", showgrid=False,
                                        zeroline=False, scaleanchor=f"x{suffix}", scaleratio=1, constraintoward="top",
                                        title_text="x₂" if titles else None)


def _bottom_colorbar(presenter: bool) -> dict:
    """A horizontal colour bar under a single square plot.

    The square plot hugs the left edge; a vertical bar at the paper's right edge would float far from it
    on a wide screen.
    """
    s = st.scale(presenter)
    return dict(orientation="h", x=0.0, xanchor="left", xref="paper", y=0.0, yanchor="bottom", yref="container",
                lenmode="pixels", len=int(280 * s), side="right", thickness=int(14 * s))


def _check_zrange(zrange):
    lo, hi = (float(v) for v in zrange)
    if not (0.0 <= lo < hi <= 1.0):
        raise ValueError(f"zrange must be (lo, hi) with 0 <= lo < hi <= 1, got {zrange}")
    return lo, hi


def decision_surface(xs, ys, probs, *, x_train=None, y_train=None, x_test=None, y_test=None,
                     title: str | None = None, presenter: bool = False, zrange=(0.0, 1.0),
                     height: int | None = None) -> go.Figure:
    """Predicted class probabilities over a 2-D grid, with training and test points.

    Args:
      xs: (nx,) grid values of feature x₁; ys: (ny,) grid values of x₂.
      probs: (ny, nx) P(class 1) (diverging scale, white at 0.5, the 0.5 contour in black), or (ny, nx, C)
        class probabilities (colour = argmax class, paler = less confident).
      x_train, y_train / x_test, y_test: optional (n, 2) points and (n,) integer labels.
      zrange: colour range for binary surfaces.
    """
    xs, ys = _grid(xs, ys)
    p = _check_probs(probs, xs, ys)
    n_classes = 2 if p.ndim == 2 else p.shape[2]
    train = _check_points(x_train, y_train, "train", n_classes)
    test = _check_points(x_test, y_test, "test", n_classes)
    zr = _check_zrange(zrange)
    s = st.scale(presenter)

    fig = go.Figure()
    _add_surface(fig, xs, ys, p, zrange=zr, presenter=presenter, showscale=True, where={}, cb=_bottom_colorbar(presenter))
    _add_points(fig, train, "train", presenter, {}, True)
    _add_points(fig, test, "test", presenter, {}, True)
    if title is None:
        title = "Predicted P(class 1); black line: P = 0.5" if p.ndim == 2 else "Predicted class (pale = unsure)"
    st.base_layout(fig, title, presenter, height=height or int(640 * s))
    _square_axes(fig, xs, ys, presenter)
    fig.update_layout(
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
        margin=dict(t=int(100 * s), b=int(110 * s)),
    )
    return fig


def decision_surfaces(panels, *, xs=None, ys=None, cols: int = 3, presenter: bool = False, zrange=(0.0, 1.0),
                      title: str | None = None, height: int | None = None) -> go.Figure:
    """Several decision surfaces side by side on one shared colour scale.

    Args:
      panels: list of dicts with "probs" and "title", optionally "xs", "ys" (else the shared xs, ys) and
        "x_train", "y_train", "x_test", "y_test".
      xs, ys: shared grid used by panels without their own.
      cols: panels per row.
    """
    panels = list(panels)
    if not 1 <= len(panels) <= MAX_PANELS:
        raise ValueError(f"panels must hold 1 to {MAX_PANELS} surfaces, got {len(panels)}")
    cols = int(cols)
    if not 1 <= cols <= 6:
        raise ValueError(f"cols must lie in [1, 6], got {cols}")
    zr = _check_zrange(zrange)
    checked, n_classes = [], None
    for i, panel in enumerate(panels):
        if "probs" not in panel:
            raise ValueError(f"panels[{i}] needs a 'probs' entry")
        gx = panel.get("xs", xs)
        gy = panel.get("ys", ys)
        if gx is None or gy is None:
            raise ValueError(f"panels[{i}] needs 'xs' and 'ys' (or pass shared xs=, ys=)")
        gx, gy = _grid(gx, gy)
        p = _check_probs(panel["probs"], gx, gy, name=f"panels[{i}]['probs']")
        c = 2 if p.ndim == 2 else p.shape[2]
        if n_classes is not None and c != n_classes:
            raise ValueError(f"panels[{i}]['probs'] has {c} classes but earlier panels have {n_classes}")
        n_classes = c
        train = _check_points(panel.get("x_train"), panel.get("y_train"), "train", c)
        test = _check_points(panel.get("x_test"), panel.get("y_test"), "test", c)
        checked.append((str(panel.get("title", "")), gx, gy, p, train, test))

    cols = min(cols, len(panels))
    rows = math.ceil(len(panels) / cols)
    s = st.scale(presenter)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[c[0] for c in checked],
                        horizontal_spacing=0.05,
                        # presenter mode: room between rows for 28 px tick labels and the next row's titles
                        vertical_spacing=min(0.18, 0.45 / rows) if presenter else min(0.1, 0.35 / rows))
    st.subplot_title_fonts(fig, presenter)
    legend_shown = set()
    for i, (_, gx, gy, p, train, test) in enumerate(checked):
        where = dict(row=i // cols + 1, col=i % cols + 1)
        _add_surface(fig, gx, gy, p, zrange=zr, presenter=presenter, showscale=(i == 0), where=where)
        for split, pts in (("train", train), ("test", test)):
            _add_points(fig, pts, split, presenter, where, split not in legend_shown)
            if pts is not None:
                legend_shown.add(split)
    # A panel is about as tall as a typical page column is wide divided by cols; presenter mode only adds
    # room for the larger titles, since the screen does not get wider.
    panel_px = {1: 480, 2: 400, 3: 300}.get(cols, 230)
    top, bottom = int((90 if title else 50) * s), int(70 * s)
    st.base_layout(fig, title, presenter, height=height or int(rows * (panel_px + 30 * s) + top + bottom))
    same_grid = all(np.array_equal(c[1], checked[0][1]) and np.array_equal(c[2], checked[0][2]) for c in checked)
    for i, (_, gx, gy, *_rest) in enumerate(checked):
        _square_axes(fig, gx, gy, presenter, idx=i + 1, titles=False)
        if same_grid and i % cols:
            # Same grid everywhere: inner y tick labels only repeat the first column's and crowd the gaps.
            fig.layout[f"yaxis{i + 1}"].showticklabels = False
    fig.update_layout(
        legend=dict(orientation="h", x=0, y=0, yanchor="bottom", yref="container"),
        margin=dict(t=top, b=bottom),
    )
    return fig


def difference_heatmap(xs, ys, diff, *, title: str = "Difference", presenter: bool = False,
                       height: int | None = None) -> go.Figure:
    """A signed difference over the grid on a symmetric diverging scale; max |diff| goes in the title."""
    xs, ys = _grid(xs, ys)
    d = st.as_array(diff, "diff", 2)
    if d.shape != (ys.size, xs.size):
        raise ValueError(f"diff must have shape (len(ys), len(xs)) = {(ys.size, xs.size)}, got {d.shape}")
    if not np.all(np.isfinite(d)):
        raise ValueError("diff must be finite")
    m = float(np.abs(d).max())
    rng = m if m > 0 else 1.0  # an all-zero difference still needs a non-empty colour range
    s = st.scale(presenter)
    fig = go.Figure(go.Heatmap(
        x=xs, y=ys, z=d, zmin=-rng, zmax=rng, zmid=0.0, colorscale=DIFF_SCALE, meta="difference",
        colorbar=st.colorbar(presenter, "difference", **_bottom_colorbar(presenter)),
        hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>difference %{z:.3g}<extra></extra>",
    ))
    st.base_layout(fig, f"{title} (max |difference| = {m:.3g})", presenter, height=height or int(600 * s))
    _square_axes(fig, xs, ys, presenter)
    fig.update_layout(margin=dict(b=int(110 * s)))
    return fig
