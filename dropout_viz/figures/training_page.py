"""Figures of the live-training page, built once and then updated in place every animation frame.

A live page redraws several figures five or more times a second. Building a styled Plotly figure costs
about 100 ms (validation and layout); replacing a few arrays in an existing one costs about 1 ms. So each
live figure here comes as a pair: ``live_x(...)`` builds it with the shared look, ``update_x(fig, ...)``
replaces its numbers (the trace structure never changes between frames). Traces carry ``meta`` tags that
the updaters and the tests use to find them.
"""
from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style as st
from .network import layer_name
from .surfaces import PROB_SCALE

MAX_MODELS = 4
MAX_UNITS = 64  # per layer accepted by the mask diagram
SHOWN_UNITS = 16  # per layer drawn: 16 x 16 edges still read as a network, 64 x 64 is a grey wall (and slow)
DIGIT_SIZE = 8


def _check_probs_stack(probs, xs, ys) -> np.ndarray:
    p = st.as_array(probs, "probs", 3)
    if p.shape[1:] != (ys.size, xs.size) or not 1 <= p.shape[0] <= MAX_MODELS:
        raise ValueError(f"probs must have shape (models <= {MAX_MODELS}, {ys.size}, {xs.size}), got {p.shape}")
    # A frame never fails on a NaN: it is drawn as a gap (the page pauses on divergence anyway).
    return np.clip(p, 0.0, 1.0)


def _points(x, y, name):
    if x is None:
        return None
    xa = st.as_array(x, f"x_{name}", 2)
    ya = np.asarray(y).reshape(-1).astype(int)
    if xa.shape != (ya.size, 2):
        raise ValueError(f"x_{name} must have shape ({ya.size}, 2) to match y_{name}, got {xa.shape}")
    if ya.size and (ya.min() < 0 or ya.max() > 1):
        raise ValueError(f"y_{name} must hold the binary labels 0 and 1")
    return xa, ya


def level_segments(xs, ys, z, level: float = 0.5):
    """Marching squares: the line where z crosses ``level``, as x and y arrays of segments split by NaN.

    Args:
      xs: (nx,), ys: (ny,) grid values; z: (ny, nx) values with z[iy, ix] at (xs[ix], ys[iy]).
    Returns:
      (x, y) float arrays of length 3 * segments: (start, end, NaN) per segment, for one Plotly line trace.
      A saddle cell is split by the value at its centre (the mean of its corners).
    """
    xs = st.as_array(xs, "xs", 1)
    ys = st.as_array(ys, "ys", 1)
    z = st.as_array(z, "z", 2)
    if z.shape != (ys.size, xs.size):
        raise ValueError(f"z must have shape ({ys.size}, {xs.size}), got {z.shape}")
    z = np.nan_to_num(z, nan=level)
    v00, v01, v10, v11 = z[:-1, :-1], z[:-1, 1:], z[1:, :-1], z[1:, 1:]
    x0, x1 = xs[None, :-1], xs[None, 1:]
    y0, y1 = ys[:-1, None], ys[1:, None]

    def cross(a, b):
        """Where level lies strictly between a and b (one side >=, the other <), and the fraction from a."""
        hit = (a >= level) != (b >= level)
        t = np.where(hit, (level - a) / np.where(hit, b - a, 1.0), 0.0)
        return hit, t

    shape = v00.shape
    full = lambda a: np.broadcast_to(a, shape)  # noqa: E731
    # Edges in order around the cell: bottom, right, top, left; each an (hit, x, y) triple.
    edges = []
    for a, b, ex, ey in ((v00, v01, lambda t: x0 + t * (x1 - x0), lambda t: full(y0)),
                         (v01, v11, lambda t: full(x1), lambda t: y0 + t * (y1 - y0)),
                         (v10, v11, lambda t: x0 + t * (x1 - x0), lambda t: full(y1)),
                         (v00, v10, lambda t: full(x0), lambda t: y0 + t * (y1 - y0))):
        hit, t = cross(a, b)
        edges.append((hit, full(ex(t)), full(ey(t))))
    hits = np.stack([e[0] for e in edges], -1)
    px = np.stack([e[1] for e in edges], -1)
    py = np.stack([e[2] for e in edges], -1)
    count = hits.sum(-1)
    segs = []
    two = count == 2
    if two.any():
        order = np.argsort(~hits[two], axis=-1, kind="stable")[:, :2]  # the two crossed edges, in order
        sx, sy = px[two], py[two]
        rows = np.arange(order.shape[0])[:, None]
        segs.append(np.stack([sx[rows, order], sy[rows, order]], -1))
    four = count == 4
    if four.any():
        centre_high = ((v00 + v01 + v10 + v11)[four] / 4.0 >= level) == (v00[four] >= level)
        # Centre on v00's side: cut off the corners v01 (bottom, right) and v10 (top, left); else v00 and v11.
        pairs = np.where(centre_high[:, None, None], np.array([[0, 1], [2, 3]]), np.array([[0, 3], [1, 2]]))
        sx, sy = px[four], py[four]
        rows = np.arange(pairs.shape[0])[:, None, None]
        segs.append(np.stack([sx[rows, pairs], sy[rows, pairs]], -1).reshape(-1, 2, 2))
    if not segs:
        return np.zeros(0), np.zeros(0)
    seg = np.concatenate(segs)  # (n, 2 points, xy)
    out = np.full((seg.shape[0], 3, 2), np.nan)
    out[:, :2] = seg
    return out[..., 0].ravel(), out[..., 1].ravel()


def segments_path(x, y) -> str:
    """An SVG path ("M x0,y0 L x1,y1 M ...") for segments given as (start, end, NaN) triples.

    Plotly draws a layout shape path as one element, several times faster than a line trace with gaps.
    """
    x = np.asarray(x, float).reshape(-1, 3)[:, :2]
    y = np.asarray(y, float).reshape(-1, 3)[:, :2]
    if x.size == 0:
        return "M0,0"  # an empty path is rejected by Plotly; a single move draws nothing
    pts = np.stack([x, y], -1).reshape(-1, 4)
    return "".join(f"M{a:.4g},{b:.4g}L{c:.4g},{d:.4g}" for a, b, c, d in pts)


def _fast(fig: go.Figure, presenter: bool, *, l: int, r: int, t: int, b: int) -> go.Figure:
    """Fixed margins, no automatic ones and no legend: each costs the browser extra layout passes per frame.

    (A live figure is drawn from scratch every frame; its legend is shown once, outside it.)
    """
    s = st.scale(presenter)
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)
    fig.update_layout(showlegend=False, margin=dict(l=int(l * s), r=int(r * s), t=int(t * s), b=int(b * s)))
    return fig


# --- points as one image ------------------------------------------------------------------------------
# Hundreds of SVG markers cost the browser more to build than everything else in a frame, and the data
# points never move while a network trains. So each panel's points are drawn once into a transparent PNG
# (2x supersampled sprites, alpha-composited) that Plotly shows as a layout image under the boundary.

POINTS_PX = 900  # image side in pixels: about twice a panel's size on a laptop, so markers stay crisp


def png_rgba(rgba: np.ndarray) -> bytes:
    """A PNG file for an (h, w, 4) uint8 image (the format written with zlib and struct only)."""
    h, w, _ = rgba.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgba.reshape(h, w * 4)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def _hex_rgb(color: str) -> np.ndarray:
    h = color.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], float) / 255.0


def _sprite(shape: str, size: float, outline: float, fill: str, edge: str, oversample: int = 4) -> np.ndarray:
    """A premultiplied RGBA marker (circle or diamond) of diameter ``size`` px with an outline, antialiased."""
    n = int(np.ceil(size + 2 * outline)) + 2
    g = (np.arange(n * oversample) + 0.5) / oversample - n / 2
    x, y = np.meshgrid(g, g)
    d = np.hypot(x, y) if shape == "circle" else (np.abs(x) + np.abs(y)) / np.sqrt(2) * 1.25
    r = size / 2
    inside = (d <= r).astype(float)
    ring = ((d > r - outline) & (d <= r)).astype(float)
    alpha = inside
    color = (inside - ring)[..., None] * _hex_rgb(fill) + ring[..., None] * _hex_rgb(edge)
    rgba = np.concatenate([color, alpha[..., None]], axis=-1)
    return rgba.reshape(n, oversample, n, oversample, 4).mean(axis=(1, 3))


def points_image(x_range, y_range, groups, px: int = POINTS_PX) -> str:
    """Markers drawn into a transparent square PNG spanning x_range x y_range; returns a data URI.

    Args:
      groups: list of (points (n, 2), sprite (s, s, 4) premultiplied RGBA), drawn in order (later on top).
    """
    canvas = np.zeros((px, px, 4))
    (x0, x1), (y0, y1) = x_range, y_range
    for pts, sprite in groups:
        k = sprite.shape[0]
        cols = np.round((np.asarray(pts)[:, 0] - x0) / (x1 - x0) * px - k / 2).astype(int)
        rows = np.round((y1 - np.asarray(pts)[:, 1]) / (y1 - y0) * px - k / 2).astype(int)
        for r, c in zip(rows, cols):
            r0, c0 = max(r, 0), max(c, 0)
            r1, c1 = min(r + k, px), min(c + k, px)
            if r0 >= r1 or c0 >= c1:
                continue
            sp = sprite[r0 - r:r1 - r, c0 - c:c1 - c]
            dst = canvas[r0:r1, c0:c1]
            canvas[r0:r1, c0:c1] = sp + dst * (1.0 - sp[..., 3:4])  # premultiplied "over"
    alpha = canvas[..., 3:4]
    rgb = np.where(alpha > 0, canvas[..., :3] / np.maximum(alpha, 1e-9), 0.0)
    out = np.concatenate([rgb, alpha], axis=-1)
    data = png_rgba(np.clip(np.round(out * 255), 0, 255).astype(np.uint8))
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _panel_points(train, test, x_range, y_range, presenter: bool) -> str:
    """The training (filled dots) and test (open diamonds) points of a panel, coloured by class."""
    s = st.scale(presenter) * POINTS_PX / 420  # the image is shown about 420 px wide on a laptop
    groups = []
    for split, pts in (("test", test), ("train", train)):
        if pts is None:
            continue
        for k in (0, 1):
            color = st.CLASS_COLORS[k]
            sprite = (_sprite("circle", 10 * s, 1.5 * s, color, "#FFFFFF") if split == "train" else
                      _sprite("diamond", 10.5 * s, 2.2 * s, "#FFFFFF", color))
            groups.append((pts[0][pts[1] == k], sprite))
    return points_image(x_range, y_range, groups)


def live_surfaces(xs, ys, probs, titles, *, x_train=None, y_train=None, x_test=None, y_test=None,
                  mask: dict | None = None, presenter: bool = False) -> go.Figure:
    """Decision surfaces of several models side by side, with training (dots) and test (diamonds) points.

    Drawn for speed, since it is redrawn every frame: the surface is an image-smoothed heatmap, the
    P = 0.5 boundary one path shape (marching squares), and the points one pre-drawn image (points_image).
    Args:
      xs: (nx,), ys: (ny,) grid values; probs: (models, ny, nx) P(class 1); titles: one per model.
      mask: optional dict(sizes=, kept=, keep=, title=) for a last panel with the thinned network (one figure
        instead of two: each figure costs the browser a fixed amount per frame).
    Returns:
      A Figure with, per panel, a heatmap tagged "surface", a shape named "boundary" and a layout image
      named "points"; the mask panel as in mask_network.
    """
    xs = st.as_array(xs, "xs", 1)
    ys = st.as_array(ys, "ys", 1)
    p = _check_probs_stack(probs, xs, ys)
    titles = [str(t) for t in titles]
    if len(titles) != p.shape[0]:
        raise ValueError(f"titles must have one entry per model ({p.shape[0]}), got {len(titles)}")
    train = _points(x_train, y_train, "train")
    test = _points(x_test, y_test, "test")
    n = p.shape[0]
    s = st.scale(presenter)
    if mask is not None:
        m_sizes, m_kept, m_keep = _mask_args(mask["sizes"], mask.get("kept"), mask.get("keep"))
        fig = make_subplots(rows=1, cols=n + 1, subplot_titles=titles + [str(mask.get("title", ""))],
                            horizontal_spacing=0.025, column_widths=[1.0] * n + [0.85])
    else:
        fig = make_subplots(rows=1, cols=n, subplot_titles=titles, horizontal_spacing=0.03)
    st.subplot_title_fonts(fig, presenter, st.TITLE_FONT)
    half_x = (xs[-1] - xs[0]) / (xs.size - 1) / 2
    half_y = (ys[-1] - ys[0]) / (ys.size - 1) / 2
    x_range = (float(xs[0] - half_x), float(xs[-1] + half_x))
    y_range = (float(ys[0] - half_y), float(ys[-1] + half_y))
    for i in range(n):
        where = dict(row=1, col=i + 1)
        fig.add_trace(go.Heatmap(
            x=xs, y=ys, z=p[i], zmin=0, zmax=1, colorscale=PROB_SCALE, zsmooth="fast", meta="surface",
            showscale=False,
            hovertemplate="x₁ %{x:.2f}, x₂ %{y:.2f}<br>P(class 1) = %{z:.2f}<extra></extra>",
        ), **where)
        fig.add_shape(type="path", path=segments_path(*level_segments(xs, ys, p[i])), name="boundary",
                      line=dict(color=st.BLACK, width=st.line_width(presenter)), layer="above", **where)
        if train is not None or test is not None:
            if i == 0:
                points = _panel_points(train, test, x_range, y_range, presenter)
            suffix = "" if i == 0 else str(i + 1)
            fig.add_layout_image(source=points, name="points", xref=f"x{suffix}", yref=f"y{suffix}",
                                 x=x_range[0], y=y_range[1], sizex=x_range[1] - x_range[0],
                                 sizey=y_range[1] - y_range[0], sizing="stretch", layer="above")
    if mask is not None:
        _add_mask(fig, m_sizes, m_kept, m_keep, presenter, dict(row=1, col=n + 1))
    st.base_layout(fig, None, presenter, height=int((500 if n <= 2 else 400) * s))
    for i in range(n):
        suffix = "" if i == 0 else str(i + 1)
        fig.layout[f"xaxis{suffix}"].update(range=list(x_range), constrain="domain",
                                            showgrid=False, zeroline=False, showticklabels=False, ticks="")
        fig.layout[f"yaxis{suffix}"].update(range=list(y_range), constrain="domain",
                                            showgrid=False, zeroline=False, scaleanchor=f"x{suffix}",
                                            showticklabels=False, ticks="")
    fig.update_layout(hovermode="closest")
    return _fast(fig, presenter, l=8, r=8, t=40, b=8)


def update_live_surfaces(fig: go.Figure, probs, titles=None) -> go.Figure:
    """Replace the surfaces, their boundaries (and optionally the panel titles) of a live_surfaces figure."""
    heat = [t for t in fig.data if t.meta == "surface"]
    line = [sh for sh in fig.layout.shapes if sh.name == "boundary"]
    xs, ys = np.asarray(heat[0].x), np.asarray(heat[0].y)
    p = _check_probs_stack(probs, xs, ys)
    if p.shape[0] != len(heat):
        raise ValueError(f"probs must hold {len(heat)} surfaces for this figure, got {p.shape[0]}")
    with fig.batch_update():
        for h, c, z in zip(heat, line, p):
            h.z = z
            c.path = segments_path(*level_segments(xs, ys, z))
        if titles is not None:
            for ann, text in zip(fig.layout.annotations, titles):  # make_subplots puts panel titles first
                ann.text = str(text)
    return fig


# --- train / test curves -----------------------------------------------------------------------------

METRICS = {"loss": ("train_loss", "test_loss"), "accuracy": ("train_acc", "test_acc")}


def live_curves(names, *, classification: bool = True, presenter: bool = False,
                loss_name: str = "cross-entropy", axis_titles: dict | None = None) -> go.Figure:
    """Train (solid) and test (dashed) loss of every model, the gap between them shaded; accuracy below.

    Args:
      names: one legend name per model ("no dropout" is drawn in vermillion).
      classification: add the accuracy panel (regression has none).
      axis_titles: optional {"loss", "accuracy", "step"} axis titles (e.g. in another language).
    Returns:
      A Figure with empty traces tagged "<model index>|<history key>"; fill them with update_live_curves.
    """
    names = [str(n) for n in names]
    if not 1 <= len(names) <= MAX_MODELS:
        raise ValueError(f"names must hold 1 to {MAX_MODELS} models, got {len(names)}")
    colors = st.model_colors(names)
    rows = 2 if classification else 1
    s = st.scale(presenter)
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.62, 0.38] if rows == 2 else None)
    lw = st.line_width(presenter)
    for r, metric in enumerate(["loss", "accuracy"][:rows]):
        for m, name in enumerate(names):
            for split, key in zip(("train", "test"), METRICS[metric]):
                shade = metric == "loss" and split == "test"  # the generalisation gap
                fig.add_trace(go.Scatter(
                    x=[], y=[], mode="lines", name=f"{name}, {split}", legendgroup=name, showlegend=(r == 0),
                    line=dict(color=colors[name], width=lw, dash="solid" if split == "train" else "dash"),
                    fill="tonexty" if shade else None, fillcolor=st.rgba(colors[name], 0.13) if shade else None,
                    meta=f"{m}|{key}", hovertemplate=f"{name}, {split} {metric}: %{{y:.3f}}<extra></extra>",
                ), row=r + 1, col=1)
    st.base_layout(fig, None, presenter, height=int((440 if rows == 2 else 320) * s))
    fig.update_layout(hovermode="x unified")
    titles = {"loss": f"loss ({loss_name})", "accuracy": "accuracy", "step": "training step", **(axis_titles or {})}
    fig.update_yaxes(title_text=titles["loss"], row=1, col=1, rangemode="tozero")
    if rows == 2:
        fig.update_yaxes(title_text=titles["accuracy"], row=2, col=1, range=[0.4, 1.02], tickformat=".0%")
    fig.update_xaxes(title_text=titles["step"], row=rows, col=1)
    return _fast(fig, presenter, l=72, r=12, t=12, b=52)


def update_live_curves(fig: go.Figure, history: dict) -> go.Figure:
    """Put a run's history into a live_curves figure: "step" (T,) and "<key>" (models, T) arrays."""
    steps = st.as_array(history["step"], "history['step']", 1)
    with fig.batch_update():
        for tr in fig.data:
            m, key = tr.meta.split("|")
            y = st.as_array(history[key], f"history[{key!r}]", 2)[int(m)]
            if y.shape != steps.shape:
                raise ValueError(f"history[{key!r}] must have {steps.size} points per model, got {y.shape}")
            tr.x = steps
            tr.y = y
    return fig


# --- the sampled mask --------------------------------------------------------------------------------

def _mask_geometry(sizes, kept):
    """Unit positions split into kept and dropped, and the edges between kept units (NaN-separated).

    Only the first SHOWN_UNITS units of each layer are drawn.
    """
    sizes = [min(n, SHOWN_UNITS) for n in sizes]
    kept = [k[:n] for k, n in zip(kept, sizes)]
    xs_k, ys_k, xs_d, ys_d, ex, ey = [], [], [], [], [], []
    pos = []
    for i, n in enumerate(sizes):
        y = ((n - 1) / 2.0 - np.arange(n)) / max(max(sizes) - 1, 1)  # every column spans at most [-0.5, 0.5]
        pos.append(y)
        k = kept[i] > 0
        xs_k += [float(i)] * int(k.sum()); ys_k += y[k].tolist()
        xs_d += [float(i)] * int((~k).sum()); ys_d += y[~k].tolist()
    for i in range(len(sizes) - 1):
        a = pos[i][kept[i] > 0]
        b = pos[i + 1][kept[i + 1] > 0]
        if a.size and b.size:
            ya, yb = np.meshgrid(a, b, indexing="ij")
            seg = np.stack([ya.ravel(), yb.ravel(), np.full(ya.size, np.nan)], axis=1).ravel()
            ey.append(seg)
            ex.append(np.tile([float(i), float(i + 1), np.nan], ya.size))
    ex = np.concatenate(ex) if ex else np.zeros(0)
    ey = np.concatenate(ey) if ey else np.zeros(0)
    return (xs_k, ys_k), (xs_d, ys_d), (ex, ey)


def _check_kept(sizes, kept):
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or any(not 1 <= n <= MAX_UNITS for n in sizes):
        raise ValueError(f"sizes must list at least 2 layers of 1 to {MAX_UNITS} units, got {sizes}")
    if kept is None:
        return sizes, [np.ones(n) for n in sizes]
    kept = [np.asarray(k, float).reshape(-1) for k in kept]
    if len(kept) != len(sizes) or any(k.size != n for k, n in zip(kept, sizes)):
        raise ValueError(f"kept must hold one 0/1 array per layer with sizes {sizes}, got "
                         f"{[k.size for k in kept]}")
    return sizes, kept


def _mask_labels(sizes, kept, keep):
    """Column labels: layer name (short: the panel is narrow), keep q and how many units this mask kept."""
    out = []
    for i, n in enumerate(sizes):
        name = layer_name(i, len(sizes))
        name = {"input": "in", "output": "out"}.get(name, name.replace("hidden ", "h"))
        text = f"<b>{name}</b>"
        if i < len(sizes) - 1:
            text += f"<br>q={keep[i]:g}<br>{int((kept[i] > 0).sum())}/{n}"
        out.append(text)
    return out


def _add_mask(fig: go.Figure, sizes, kept, keep, presenter: bool, where: dict) -> None:
    """Draw the thinned network into fig (into subplot ``where`` = dict(row=, col=) if given)."""
    s = st.scale(presenter)
    (kx, ky), (dx, dy), (ex, ey) = _mask_geometry(sizes, kept)
    unit_px = float(np.clip(300 / min(max(sizes), SHOWN_UNITS), 6, 16)) * s
    fig.add_shape(type="path", path=segments_path(ex, ey), name="edges", layer="below",
                  line=dict(color="#9A9A9A", width=0.6 * s), **where)
    fig.add_trace(go.Scatter(x=kx, y=ky, mode="markers", name="kept unit", meta="units", hoverinfo="skip",
                             marker=dict(size=unit_px, color=st.BLUE, line=dict(color=st.BLACK, width=1 * s))),
                  **where)
    fig.add_trace(go.Scatter(x=dx, y=dy, mode="markers", name="dropped unit", meta="dropped", hoverinfo="skip",
                             marker=dict(size=unit_px, symbol="x-thin-open", color=st.GHOST,
                                         line=dict(color=st.GHOST, width=1.5 * s))), **where)
    for i, text in enumerate(_mask_labels(sizes, kept, keep)):
        fig.add_annotation(x=i, y=-0.56, yanchor="top", showarrow=False, text=text, name="mask_label",
                           font=dict(size=st.font_size(presenter, st.SMALL_FONT)), **where)
    fig.update_xaxes(visible=False, range=[-0.4, len(sizes) - 0.6], fixedrange=True, **where)
    fig.update_yaxes(visible=False, range=[-0.85, 0.56], fixedrange=True, **where)
    fig.layout.meta = {**(fig.layout.meta or {}), "keep": list(keep)}


def _mask_args(sizes, kept, keep):
    sizes, kept = _check_kept(sizes, kept)
    keep = [1.0] * (len(sizes) - 1) if keep is None else [float(q) for q in keep]
    if len(keep) != len(sizes) - 1:
        raise ValueError(f"keep must have one value per layer except the output ({len(sizes) - 1}), got {len(keep)}")
    return sizes, kept, keep


def mask_network(sizes, kept=None, keep=None, *, presenter: bool = False, title: str | None = None) -> go.Figure:
    """A compact network diagram thinned by one sampled mask (up to 64 units per layer, 16 of them drawn).

    Args:
      sizes: units per layer, input and output included.
      kept: one 0/1 array per layer of units (output all ones); None draws the full network.
      keep: keep probability per layer except the output, shown under each column.
    Returns:
      A Figure with traces tagged "units" (kept) and "dropped", a path shape named "edges" (between kept
      units) and column labels named "mask_label"; update it with update_mask_network.
    """
    sizes, kept, keep = _mask_args(sizes, kept, keep)
    fig = go.Figure()
    _add_mask(fig, sizes, kept, keep, presenter, {})
    st.base_layout(fig, title, presenter, height=int(430 * st.scale(presenter)))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _fast(fig, presenter, l=4, r=4, t=44 if title else 8, b=4)


def update_mask_network(fig: go.Figure, sizes, kept) -> go.Figure:
    """Redraw the thinned network of a mask_network (or live_surfaces with a mask panel) for a new mask."""
    sizes, kept = _check_kept(sizes, kept)
    (kx, ky), (dx, dy), (ex, ey) = _mask_geometry(sizes, kept)
    keep = fig.layout.meta["keep"]
    with fig.batch_update():
        for sh in fig.layout.shapes:
            if sh.name == "edges":
                sh.path = segments_path(ex, ey)
        for tr in fig.data:
            if tr.meta == "units":
                tr.x, tr.y = kx, ky
            elif tr.meta == "dropped":
                tr.x, tr.y = dx, dy
        labels = [a for a in fig.layout.annotations if a.name == "mask_label"]
        for ann, text in zip(labels, _mask_labels(sizes, kept, keep)):
            ann.text = text
    return fig


# --- regression fits ---------------------------------------------------------------------------------

def live_fits(xs, ys, names, *, x_train, y_train, x_test=None, y_test=None, presenter: bool = False) -> go.Figure:
    """1-D regression: the fitted curve of every model over the training (dots) and test (rings) data.

    Args:
      xs: (R,) inputs of the curves; ys: (models, R) outputs; names: one per model.
    Returns:
      A Figure whose curve traces are tagged "curve"; update them with update_live_fits.
    """
    xs = st.as_array(xs, "xs", 1)
    ys = st.as_array(ys, "ys", 2)
    names = [str(n) for n in names]
    if ys.shape != (len(names), xs.size):
        raise ValueError(f"ys must have shape ({len(names)}, {xs.size}), got {ys.shape}")
    colors = st.model_colors(names)
    s = st.scale(presenter)
    fig = go.Figure()
    xt, yt = st.as_array(x_train, "x_train").reshape(-1), st.as_array(y_train, "y_train").reshape(-1)
    if x_test is not None:
        fig.add_trace(go.Scatter(
            x=st.as_array(x_test, "x_test").reshape(-1), y=st.as_array(y_test, "y_test").reshape(-1), mode="markers",
            name="test", meta="test", marker=dict(size=st.marker_size(presenter, 6), symbol="circle-open",
                                                    color="#777777", line=dict(width=1.2 * s)),
            hovertemplate="test (%{x:.2f}, %{y:.2f})<extra></extra>"))
    fig.add_trace(go.Scatter(x=xt, y=yt, mode="markers", name="train", meta="train",
                             marker=dict(size=st.marker_size(presenter, 9), color=st.BLACK,
                                         line=dict(color="white", width=1 * s)),
                             hovertemplate="train (%{x:.2f}, %{y:.2f})<extra></extra>"))
    for name, y in zip(names, ys):
        fig.add_trace(go.Scatter(x=xs, y=y, mode="lines", name=name, meta="curve",
                                 line=dict(color=colors[name], width=st.line_width(presenter, 3.5)),
                                 hovertemplate=f"{name}: %{{y:.2f}}<extra></extra>"))
    st.base_layout(fig, None, presenter, height=int(430 * s))
    lo, hi = float(np.min(yt)), float(np.max(yt))
    pad = 0.25 * (hi - lo + 1e-9)
    fig.update_layout(hovermode="x unified")
    fig.update_xaxes(title_text="x")
    # A fixed y range: a diverging fit must not rescale the data away.
    fig.update_yaxes(title_text="y", range=[lo - pad, hi + pad])
    return _fast(fig, presenter, l=56, r=12, t=12, b=52)


def update_live_fits(fig: go.Figure, ys) -> go.Figure:
    """Replace the fitted curves (models, R) of a live_fits figure in place."""
    curves = [t for t in fig.data if t.meta == "curve"]
    ys = st.as_array(ys, "ys", 2)
    if ys.shape != (len(curves), len(curves[0].x)):
        raise ValueError(f"ys must have shape ({len(curves)}, {len(curves[0].x)}), got {ys.shape}")
    with fig.batch_update():
        for tr, y in zip(curves, ys):
            tr.y = y
    return fig


# --- digits each model gets wrong ----------------------------------------------------------------------

CELL = DIGIT_SIZE + 1  # one blank pixel between digits in a row
ROW = DIGIT_SIZE + 4  # rows of digits are further apart: the captions sit in the gap


def _mosaic(rows_of_images, k: int) -> np.ndarray:
    """Rows of 8x8 images side by side (CELL apart), rows ROW apart; empty cells are NaN."""
    z = np.full((len(rows_of_images) * ROW - (ROW - DIGIT_SIZE), k * CELL - 1), np.nan)
    for r, images in enumerate(rows_of_images):
        im = st.as_array(images, "images").reshape(-1, DIGIT_SIZE, DIGIT_SIZE)
        if im.shape[0] > k:
            raise ValueError(f"each row may hold at most {k} images, got {im.shape[0]}")
        for c, one in enumerate(im):
            z[r * ROW:r * ROW + DIGIT_SIZE, c * CELL:c * CELL + DIGIT_SIZE] = one
    return z


def digit_mistakes(rows_of_images, rows_of_captions, row_titles, *, k: int = 8, presenter: bool = False) -> go.Figure:
    """Test digits each model gets wrong: one row per model, up to k digits, "true→predicted" above each.

    Args:
      rows_of_images: per model, (m <= k, 64) flattened 8x8 images in [0, 1].
      rows_of_captions: per model, m strings; row_titles: per model, a short label (e.g. the model name).
    """
    if len(rows_of_images) != len(row_titles) or len(rows_of_captions) != len(row_titles):
        raise ValueError("rows_of_images, rows_of_captions and row_titles must have one entry per model")
    if not 1 <= len(row_titles) <= MAX_MODELS or not 1 <= k <= 16:
        raise ValueError(f"need 1 to {MAX_MODELS} rows and k in [1, 16], got {len(row_titles)} rows, k = {k}")
    s = st.scale(presenter)
    z = _mosaic(rows_of_images, k)
    fig = go.Figure(go.Heatmap(z=z, zmin=0, zmax=1, colorscale=st.GREYS, showscale=False, meta="digits",
                               hoverinfo="skip", xgap=0, ygap=0))
    rows = len(row_titles)
    for r in range(rows):
        for c in range(k):
            fig.add_annotation(x=c * CELL + (DIGIT_SIZE - 1) / 2, y=r * ROW - 0.7, yanchor="bottom", showarrow=False,
                               text="", font=dict(size=st.font_size(presenter, st.SMALL_FONT), color=st.VERMILLION))
    st.base_layout(fig, None, presenter, height=int((40 + 105 * rows) * s))
    fig.update_xaxes(visible=False, showgrid=False, constrain="domain", range=[-0.5, k * CELL - 1.5])
    fig.update_yaxes(showgrid=False, scaleanchor="x", constrain="domain", ticks="", showline=False, zeroline=False,
                     tickvals=[r * ROW + (DIGIT_SIZE - 1) / 2 for r in range(rows)], ticktext=list(row_titles),
                     range=[rows * ROW - (ROW - DIGIT_SIZE) - 0.5, -(ROW - DIGIT_SIZE) + 0.2])
    fig.layout.meta = {"k": k}
    _fast(fig, presenter, l=140, r=8, t=16, b=8)
    return update_digit_mistakes(fig, rows_of_images, rows_of_captions, row_titles)


def update_digit_mistakes(fig: go.Figure, rows_of_images, rows_of_captions, row_titles=None) -> go.Figure:
    """Replace the digits and captions of a digit_mistakes figure in place."""
    k = fig.layout.meta["k"]
    z = _mosaic(rows_of_images, k)
    with fig.batch_update():
        fig.data[0].z = z
        for r, caps in enumerate(rows_of_captions):
            caps = [str(c) for c in caps]
            for c in range(k):
                fig.layout.annotations[r * k + c].text = caps[c] if c < len(caps) else ""
        if row_titles is not None:
            fig.layout.yaxis.ticktext = list(row_titles)
    return fig


# --- sweeps --------------------------------------------------------------------------------------------

GAIN_SCALE = [[0.0, st.BLUE], [0.5, "#FFFFFF"], [1.0, st.VERMILLION]]


def dropout_gain_heatmap(sizes, keeps, gain, error, *, metric: str = "test error", percent: bool = True,
                         presenter: bool = False, title: str | None = None) -> go.Figure:
    """Change in test error against no dropout, over training-set size (rows) x keep (columns).

    Blue cells: dropout at that keep lowers the error; vermillion: it raises it; the keep-1 column is 0.
    Args:
      sizes: (N,), keeps: (K,); gain: (N, K) error minus the keep-1 error; error: (N, K) mean error.
      percent: show values as percentage points (for error rates) rather than raw numbers (for MSE).
    """
    g = st.as_array(gain, "gain", 2)
    e = st.as_array(error, "error", 2)
    sizes = [int(v) for v in np.asarray(sizes).reshape(-1)]
    keeps = [float(v) for v in np.asarray(keeps).reshape(-1)]
    if g.shape != (len(sizes), len(keeps)) or e.shape != g.shape:
        raise ValueError(f"gain and error must have shape ({len(sizes)}, {len(keeps)}), got {g.shape} and {e.shape}")
    s = st.scale(presenter)
    top = float(np.nanmax(np.abs(g))) or 1.0
    scale = 100.0 if percent else 1.0
    text = [[("0" if abs(v) < 1e-12 else f"{v * scale:+.1f}") if percent else f"{v:+.3g}" for v in row] for row in g]
    cols = [f"{q:g}" for q in keeps]
    rows = [str(n) for n in sizes]
    fig = go.Figure(go.Heatmap(
        x=cols, y=rows, z=g, zmin=-top, zmax=top, colorscale=GAIN_SCALE, text=text, texttemplate="%{text}",
        customdata=e * scale, meta="gain", xgap=2, ygap=2,
        textfont=dict(size=st.font_size(presenter, st.FONT)),
        colorbar=st.colorbar(presenter, "change" + (" (points)" if percent else ""),
                             tickformat="+.1f" if not percent else None),
        hovertemplate=("keep q = %{x}, %{y} training points<br>" + metric + " %{customdata:.3g}"
                       + ("%" if percent else "") + "<br>change vs no dropout: %{text}<extra></extra>"),
    ))
    if percent:
        fig.data[0].colorbar.update(tickvals=np.linspace(-top, top, 5), ticktext=[f"{v * 100:+.1f}" for v in
                                                                                   np.linspace(-top, top, 5)])
    st.base_layout(fig, title, presenter, height=int((120 + 60 * len(rows)) * s))
    fig.update_xaxes(title_text="keep q for hidden units (drop rate p = 1 − q)", type="category", showgrid=False,
                     ticks="")
    fig.update_yaxes(title_text="training points", type="category", showgrid=False, ticks="")
    return fig


__all__ = ["live_surfaces", "update_live_surfaces", "live_curves", "update_live_curves", "mask_network",
           "update_mask_network", "live_fits", "update_live_fits", "digit_mistakes", "update_digit_mistakes",
           "dropout_gain_heatmap"]
