"""Figure builders: check the data the figures carry, not only that they build."""
from __future__ import annotations

import ast
import itertools
import json
import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

import dropout_viz.figures as F
from dropout_viz.figures import style
from dropout_viz.figures.network import unit_positions

FIG_DIR = Path(F.__file__).parent


def edge_segments(fig, meta="edges"):
    """All edge segments ((x0, y0), (x1, y1)) of traces with the given meta, parsed from None separators."""
    segs = []
    for tr in fig.data:
        if tr.meta != meta:
            continue
        xs, ys = list(tr.x), list(tr.y)
        assert len(xs) % 3 == 0
        for k in range(0, len(xs), 3):
            assert xs[k + 2] is None and ys[k + 2] is None
            segs.append(((xs[k], ys[k]), (xs[k + 1], ys[k + 1])))
    return segs


def traces(fig, meta):
    return [tr for tr in fig.data if tr.meta == meta]


def rng():
    return np.random.default_rng(0)


# ---------------------------------------------------------------- layering


def test_figures_never_import_jax_or_streamlit():
    for path in FIG_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("jax", "jaxlib", "streamlit"), f"{path.name} imports {name}"


# ---------------------------------------------------------------- network diagram


def test_network_full_draws_every_edge_once():
    sizes = [2, 6, 6, 2]
    fig = F.network_diagram(sizes)
    segs = edge_segments(fig)
    assert len(segs) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    assert len(set(segs)) == len(segs)
    assert len(traces(fig, "units")[0].x) == sum(sizes)
    assert len(traces(fig, "dropped")[0].x) == 0
    assert len(fig.layout.shapes) == 0


def test_network_mask_removes_unit_and_all_its_edges():
    sizes = [2, 6, 6, 2]
    masks = [np.array([1, 1]), np.array([1, 0, 1, 1, 0, 1]), np.array([0, 1, 1, 1, 1, 1]), np.ones(2)]
    fig = F.network_diagram(sizes, masks)
    segs = edge_segments(fig)
    kept = [m.astype(bool) for m in masks]
    assert len(segs) == sum(int(a.sum()) * int(b.sum()) for a, b in zip(kept[:-1], kept[1:]))
    pos = unit_positions(sizes)
    dropped_xy = {(pos[i][0][j], pos[i][1][j]) for i, m in enumerate(kept) for j in np.flatnonzero(~m)}
    assert len(dropped_xy) == 3
    endpoints = {p for seg in segs for p in seg}
    assert not endpoints & dropped_xy
    # Every kept unit of a layer with a kept neighbour layer still has edges.
    kept_xy = {(pos[i][0][j], pos[i][1][j]) for i, m in enumerate(kept) for j in np.flatnonzero(m)}
    assert endpoints == kept_xy
    ghost = traces(fig, "dropped")[0]
    assert set(zip(ghost.x, ghost.y)) == dropped_xy
    assert all("dropped" in t for t in ghost.hovertext)
    assert len(fig.layout.shapes) == 3 and all(sh.line.dash == "dot" for sh in fig.layout.shapes)
    assert {(sh.xanchor, sh.yanchor) for sh in fig.layout.shapes} == dropped_xy
    assert all(t.endswith("kept") for t in traces(fig, "units")[0].hovertext)


def test_network_whole_layer_dropped_has_no_edges_around_it():
    sizes = [3, 4, 2]
    fig = F.network_diagram(sizes, [np.ones(3), np.zeros(4)])
    assert edge_segments(fig) == []
    assert len(traces(fig, "dropped")[0].x) == 4


def test_network_masks_without_output_equal_masks_with_output():
    sizes = [2, 3, 1]
    m = [np.array([1, 0]), np.array([1, 1, 0])]
    a = F.network_diagram(sizes, m)
    b = F.network_diagram(sizes, m + [np.ones(1)])
    assert edge_segments(a) == edge_segments(b)
    assert len(edge_segments(a)) == 1 * 2 + 2 * 1


def test_network_weights_sign_colour_and_width():
    sizes = [3, 4, 2]
    r = rng()
    weights = [r.normal(size=(3, 4)), r.normal(size=(4, 2))]
    fig = F.network_diagram(sizes, weights=weights)
    pos = unit_positions(sizes)
    lookup = {}
    for i, w in enumerate(weights):
        for a, b in itertools.product(range(sizes[i]), range(sizes[i + 1])):
            lookup[((pos[i][0][a], pos[i][1][a]), (pos[i + 1][0][b], pos[i + 1][1][b]))] = w[a, b]
    n = 0
    widest = None
    for tr in traces(fig, "edges"):
        positive = tr.name == "positive weight"
        for seg in edge_segments(go.Figure(tr)):
            n += 1
            assert (lookup[seg] >= 0) == positive
        if widest is None or tr.line.width > widest.line.width:
            widest = tr
    assert n == 3 * 4 + 4 * 2
    # The largest |w| sits in the widest trace.
    big = max(lookup, key=lambda k: abs(lookup[k]))
    assert big in edge_segments(go.Figure(widest))
    # Params as (W, b) pairs are accepted too.
    fig2 = F.network_diagram(sizes, weights=[(w, np.zeros(w.shape[1])) for w in weights])
    assert sorted(edge_segments(fig2)) == sorted(edge_segments(fig))


def test_network_labels_name_layers_keep_and_kept_counts():
    sizes = [2, 6, 6, 2]
    masks = [np.ones(2), np.array([1, 0, 1, 1, 0, 1]), np.array([1, 1, 1, 1, 1, 0])]
    fig = F.network_diagram(sizes, masks, keep=[1.0, 0.8, 0.5])
    texts = [a.text for a in fig.layout.annotations]
    assert [t.split("<br>")[0] for t in texts] == ["<b>input</b>", "<b>hidden 1</b>", "<b>hidden 2</b>", "<b>output</b>"]
    assert "keep q=0.8<br>drop p=0.2" in texts[1] and "kept 4/6" in texts[1]
    assert "keep q=0.5<br>drop p=0.5" in texts[2] and "kept 5/6" in texts[2]
    assert "3 of 14" in fig.layout.title.text


def test_network_deep_and_wide_stays_within_limits():
    sizes = [16] * 8
    masks = [(np.arange(16) % 3 != 0).astype(float) for _ in range(7)]
    fig = F.network_diagram(sizes, masks, keep=0.7)
    assert len(edge_segments(fig)) == 6 * 10 * 10 + 10 * 16  # 10 of 16 kept per layer, output full
    small = traces(F.network_diagram([2, 3, 2]), "units")[0].marker.size
    dense = traces(fig, "units")[0].marker.size
    assert 7 <= dense < small  # units shrink with the densest layer, but stay visible


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(sizes=[2, 17, 2]), "sizes"),
        (dict(sizes=[2] * 9), "sizes"),
        (dict(sizes=[2]), "sizes"),
        (dict(sizes=[2, 0, 2]), "sizes"),
        (dict(sizes=[2, 3, 1], masks=[np.ones(2)]), "masks"),
        (dict(sizes=[2, 3, 1], masks=[np.ones(2), np.ones(4)]), r"masks\[1\]"),
        (dict(sizes=[2, 3, 1], masks=[np.ones(2), np.ones(3), np.zeros(1)]), "output"),
        (dict(sizes=[2, 3, 1], masks=[np.ones(2), -np.ones(3)]), r"masks\[1\]"),
        (dict(sizes=[2, 3, 1], weights=[np.ones((2, 3))]), "weights"),
        (dict(sizes=[2, 3, 1], weights=[np.ones((3, 2)), np.ones((3, 1))]), r"weights\[0\]"),
        (dict(sizes=[2, 3, 1], keep=[0.5]), "keep"),
        (dict(sizes=[2, 3, 1], keep=[0.0, 0.5]), "keep"),
    ],
)
def test_network_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        F.network_diagram(**kwargs)


# ---------------------------------------------------------------- subnetwork gallery


def all_masks_221():
    return [[np.array(b[:2]), np.array(b[2:])] for b in itertools.product([0, 1], repeat=4)]


def test_gallery_of_all_16_subnetworks_marks_the_ones_without_a_path():
    subnets = all_masks_221()
    fig = F.subnetwork_gallery([2, 2, 1], subnets, np.full(16, 1 / 16))
    titles = [a.text for a in fig.layout.annotations]
    assert len(titles) == 16 and all(t.startswith("P = 0.0625") for t in titles)
    # A path needs at least one kept input and one kept hidden unit: 3 * 3 of 16 subnetworks have one.
    no_path = [a for a in fig.layout.annotations if "no path" in a.text]
    assert len(no_path) == 16 - 9
    assert all(a.font.color == style.VERMILLION for a in no_path)
    # Edges per panel: kept_in * kept_hidden + kept_hidden * 1, summed over all masks.
    expected = sum(int(a.sum()) * int(h.sum()) + int(h.sum()) for a, h in subnets)
    assert len(edge_segments(fig)) == expected
    assert sum(len(t.x) for t in traces(fig, "dropped")) == sum(4 - int(a.sum() + h.sum()) for a, h in subnets)
    # Legend entries appear once, not once per panel.
    assert sum(1 for t in fig.data if t.showlegend is not False and t.meta == "units") == 1


def test_gallery_accepts_per_layer_arrays():
    subnets = all_masks_221()
    per_layer = [np.stack([s[0] for s in subnets]), np.stack([s[1] for s in subnets])]
    a = F.subnetwork_gallery([2, 2, 1], subnets, np.full(16, 1 / 16))
    b = F.subnetwork_gallery([2, 2, 1], per_layer, np.full(16, 1 / 16))
    assert edge_segments(a) == edge_segments(b)
    assert [x.text for x in a.layout.annotations] == [x.text for x in b.layout.annotations]


def test_gallery_rejects_bad_arguments():
    subnets = all_masks_221()
    with pytest.raises(ValueError, match="probs"):
        F.subnetwork_gallery([2, 2, 1], subnets, np.full(15, 1 / 16))
    with pytest.raises(ValueError, match="has_path"):
        F.subnetwork_gallery([2, 2, 1], subnets, np.full(16, 1 / 16), has_path=[True] * 3)
    with pytest.raises(ValueError, match="cols"):
        F.subnetwork_gallery([2, 2, 1], subnets, np.full(16, 1 / 16), cols=0)
    with pytest.raises(ValueError, match=r"masks_list\[0\]"):
        F.subnetwork_gallery([2, 2, 1], [[np.ones(3), np.ones(2)]], [1.0])


# ---------------------------------------------------------------- decision surfaces


def grid_and_probs(n=30):
    xs = np.linspace(-2, 2, n)
    ys = np.linspace(-1.5, 1.5, n + 5)
    xx, yy = np.meshgrid(xs, ys)
    return xs, ys, 1 / (1 + np.exp(-3 * xx))


def test_decision_surface_binary():
    xs, ys, p = grid_and_probs()
    r = rng()
    xt, xe = r.uniform(-2, 2, (20, 2)), r.uniform(-2, 2, (10, 2))
    fig = F.decision_surface(xs, ys, p, x_train=xt, y_train=(xt[:, 0] > 0).astype(int),
                             x_test=xe, y_test=(xe[:, 0] > 0).astype(int))
    (surface,) = traces(fig, "surface")
    np.testing.assert_allclose(np.asarray(surface.z), p)
    assert (surface.zmin, surface.zmax) == (0.0, 1.0)
    (boundary,) = traces(fig, "boundary")
    # p = σ(3 x₁): the boundary is the line x₁ = 0, from the bottom of the grid to its top, in one piece.
    bx, by = np.asarray(boundary.x), np.asarray(boundary.y)
    assert bx.size == ys.size and not np.isnan(bx).any()
    np.testing.assert_allclose(bx, 0.0, atol=1e-6)
    np.testing.assert_allclose(np.sort(by), ys, atol=1e-6)
    assert boundary.mode == "lines" and boundary.showlegend is False
    train, test = traces(fig, "train"), traces(fig, "test")
    assert sum(len(t.x) for t in train) == 20 and sum(len(t.x) for t in test) == 10
    assert {t.marker.symbol for t in train}.isdisjoint({t.marker.symbol for t in test})
    # Points keep their class colour: class 1 points sit right of 0 here.
    for t in train + test:
        k = int(t.name[-1])
        assert t.marker.color == style.CLASS_COLORS[k] or t.marker.line.color == style.CLASS_COLORS[k]
        assert np.all((np.asarray(t.x) > 0) == bool(k))
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1


def test_decision_surface_multiclass_colours_by_argmax():
    xs, ys, _ = grid_and_probs(12)
    p = rng().dirichlet(np.ones(3), size=(ys.size, xs.size))
    fig = F.decision_surface(xs, ys, p)
    (surface,) = traces(fig, "surface")
    z = np.asarray(surface.z)
    np.testing.assert_array_equal(np.floor(z), p.argmax(axis=2))
    # More confident -> further into the class's colour segment.
    conf = p.max(axis=2)
    frac = z - np.floor(z)
    i, j = np.unravel_index(np.argmax(conf), conf.shape), np.unravel_index(np.argmin(conf), conf.shape)
    assert frac[i] > frac[j]
    assert list(surface.colorbar.ticktext) == ["class 0", "class 1", "class 2"]
    assert traces(fig, "boundary") == []


def test_decision_surface_two_class_axis_is_binary():
    xs, ys, p = grid_and_probs(10)
    fig = F.decision_surface(xs, ys, np.stack([1 - p, p], axis=-1))
    np.testing.assert_allclose(np.asarray(traces(fig, "surface")[0].z), p)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda xs, ys, p: dict(xs=xs, ys=ys, probs=p.T), "probs"),
        (lambda xs, ys, p: dict(xs=xs, ys=ys, probs=p * 2), "probs"),
        (lambda xs, ys, p: dict(xs=xs, ys=ys, probs=p, x_train=np.zeros((3, 2)), y_train=[0, 1]), "x_train"),
        (lambda xs, ys, p: dict(xs=xs, ys=ys, probs=p, x_train=np.zeros((2, 2)), y_train=[0, 2]), "y_train"),
        (lambda xs, ys, p: dict(xs=xs, ys=ys, probs=p, x_test=np.zeros((2, 2))), "x_test"),
        (lambda xs, ys, p: dict(xs=xs, ys=ys, probs=p, zrange=(0.6, 0.4)), "zrange"),
    ],
)
def test_decision_surface_rejects_bad_arguments(mutate, match):
    xs, ys, p = grid_and_probs(10)
    with pytest.raises(ValueError, match=match):
        F.decision_surface(**mutate(xs, ys, p))


def test_decision_surfaces_share_one_scale():
    xs, ys, p = grid_and_probs(10)
    xt = rng().uniform(-2, 2, (6, 2))
    panels = [dict(title=t, probs=p ** e, x_train=xt, y_train=[0, 1] * 3)
              for t, e in [("weight-scaled", 1), ("MC", 2), ("exact", 0.5)]]
    fig = F.decision_surfaces(panels, xs=xs, ys=ys, zrange=(0.2, 0.8))
    surfaces = traces(fig, "surface")
    assert len(surfaces) == 3
    assert {(s.zmin, s.zmax) for s in surfaces} == {(0.2, 0.8)}
    assert [bool(s.showscale) for s in surfaces] == [True, False, False]
    assert [a.text for a in fig.layout.annotations] == ["weight-scaled", "MC", "exact"]
    assert sum(1 for t in traces(fig, "train") if t.showlegend) == 2  # one entry per class, not per panel
    for k in ("", "2", "3"):
        assert fig.layout[f"yaxis{k}"].scaleanchor == f"x{k}"
    with pytest.raises(ValueError, match=r"panels\[1\]"):
        F.decision_surfaces([dict(probs=p), dict(probs=p[:3])], xs=xs, ys=ys)


def test_decision_surfaces_send_probabilities_as_float32():
    """The surfaces carry float32 arrays (half the bytes of every run that shows them, base64 in the figure's
    JSON); the values are the probabilities to float32's precision. The P = 0.5 boundaries are their lines only
    (float32 too), not the surface's values again."""
    xs, ys, p = grid_and_probs(60)  # the pages' grid size
    fig = F.decision_surfaces([dict(title="a", probs=p), dict(title="b", probs=p ** 2)], xs=xs, ys=ys)
    drawn = traces(fig, "surface")
    assert len(drawn) == 2
    for tr, want in zip(drawn, [p, p ** 2]):
        z = np.asarray(tr.z)
        assert z.dtype == np.float32
        np.testing.assert_allclose(z, want, rtol=0, atol=1e-7)
    spec = json.loads(fig.to_json())
    assert {t["z"]["dtype"] for t in spec["data"] if t.get("meta") == "surface"} == {"f4"}
    lines = [t for t in spec["data"] if t.get("meta") == "boundary"]
    assert len(lines) == 2 and all("z" not in t and t["x"]["dtype"] == t["y"]["dtype"] == "f4" for t in lines)
    surface_bytes = sum(len(json.dumps(t)) for t in spec["data"] if t.get("meta") == "surface")
    assert sum(len(json.dumps(t)) for t in lines) < surface_bytes / 4


def _on_level(z, pts, level):
    """Each point lies on a grid edge whose ends are on either side of the level, where the linear interpolation
    along that edge meets it."""
    for c, r in pts:
        if float(r).is_integer():
            j, i = int(r), int(np.floor(c))
            a, b, t = z[j, i], z[j, min(i + 1, z.shape[1] - 1)], c - i
        else:
            assert float(c).is_integer()
            i, j = int(c), int(np.floor(r))
            a, b, t = z[j, i], z[min(j + 1, z.shape[0] - 1), i], r - j
        assert (a > level) != (b > level)
        assert abs(a + t * (b - a) - level) < 1e-9


def test_contour_lines_of_a_step_and_a_bump():
    step = np.where(np.arange(4) < 2, 0.0, 1.0)[None, :].repeat(3, axis=0)
    (line,) = F.contour_lines(step)
    assert line.shape == (3, 2)  # a point on each row, joined into one line
    np.testing.assert_allclose(line[:, 0], 1.5)
    np.testing.assert_allclose(sorted(line[:, 1]), [0, 1, 2])
    assert F.contour_lines(np.zeros((3, 4))) == []
    bump = np.zeros((5, 5))
    bump[2, 2] = 1.0
    (ring,) = F.contour_lines(bump)
    np.testing.assert_array_equal(ring[0], ring[-1])  # closed: ends where it starts
    assert len(ring) == 5  # the four edges around the centre, and back
    with pytest.raises(ValueError, match="z"):
        F.contour_lines(np.zeros(4))
    with pytest.raises(ValueError, match="z"):
        F.contour_lines(np.full((3, 3), np.nan))


def test_contour_lines_hold_every_segment_of_marching_squares_once():
    """Random grids (saddles included): as many segments as marching squares draws (one per cell with two crossed
    edges, two per saddle), consecutive points in one cell, every point where its edge crosses the level."""
    r = rng()
    for t in range(60):
        h, w, level = 4 + t % 7, 5 + t % 9, 0.5
        z = r.uniform(size=(h, w))
        up = z > level
        expected = 0
        for j in range(h - 1):
            for i in range(w - 1):
                c = [up[j, i], up[j, i + 1], up[j + 1, i + 1], up[j + 1, i]]
                expected += sum(c[k] != c[(k + 1) % 4] for k in range(4)) // 2
        lines = F.contour_lines(z, level)
        assert sum(len(line) - 1 for line in lines) == expected
        for line in lines:
            _on_level(z, line, level)
            steps = np.abs(np.diff(line, axis=0))
            assert np.all(steps <= 1.0 + 1e-12)  # neighbours share a cell
        edges = [tuple(pt) for line in lines for pt in (line[:-1] if np.array_equal(line[0], line[-1]) else line)]
        assert len(edges) == len(set(edges))  # every crossed edge once


def test_the_boundary_is_the_level_line_in_data_coordinates():
    """σ(4 (x₁ − 0.4 x₂)) on an uneven grid: the drawn boundary is x₁ = 0.4 x₂ to within the linear
    interpolation's error, and a surface that never crosses 0.5 draws no points."""
    xs = np.linspace(-2, 2, 41) ** 3 / 4
    ys = np.linspace(-1.5, 1.5, 31)
    xx, yy = np.meshgrid(xs, ys)
    p = 1 / (1 + np.exp(-4 * (xx - 0.4 * yy)))
    bx, by = F.boundary_xy(xs, ys, p)
    assert bx.dtype == by.dtype == np.float32 and not np.isnan(bx).any()  # one piece
    assert (by.min(), by.max()) == (ys[0], ys[-1])  # from the bottom of the grid to its top
    np.testing.assert_allclose(bx, 0.4 * by, atol=0.02)
    fig = F.decision_surface(xs, ys, np.full((ys.size, xs.size), 0.9))
    (boundary,) = traces(fig, "boundary")
    assert len(boundary.x) == 0


def test_difference_heatmap_is_symmetric_and_reports_max():
    xs, ys, p = grid_and_probs(10)
    d = p - 0.5
    fig = F.difference_heatmap(xs, ys, d, title="A minus B")
    (h,) = fig.data
    m = np.abs(d).max()
    assert h.zmin == -m and h.zmax == m
    assert f"{m:.3g}" in fig.layout.title.text
    zero = F.difference_heatmap(xs, ys, np.zeros_like(d))
    assert zero.data[0].zmax > 0 and "= 0)" in zero.layout.title.text
    with pytest.raises(ValueError, match="diff"):
        F.difference_heatmap(xs, ys, d.T)


# ---------------------------------------------------------------- curves


def test_training_curves_styles_and_gap():
    steps = np.arange(0, 100, 10)
    series = {"no dropout": {"train": np.linspace(1, 0.1, 10), "test": np.linspace(1, 0.5, 10)},
              "dropout keep 0.5": {"train": np.linspace(1, 0.3, 10), "test": np.linspace(1, 0.35, 10)}}
    fig = F.training_curves(steps, series)
    assert len(fig.data) == 4
    by = {t.meta: t for t in fig.data}
    assert by["no dropout|train"].line.dash == "solid" and by["no dropout|test"].line.dash == "dash"
    assert by["no dropout|train"].line.color == by["no dropout|test"].line.color == style.NO_DROPOUT
    assert by["dropout keep 0.5|train"].line.color != style.NO_DROPOUT
    assert by["no dropout|test"].fill == "tonexty" and by["no dropout|train"].fill is None
    # tonexty fills toward the trace just before: each model's test trace follows its own train trace.
    order = [t.meta for t in fig.data]
    assert order.index("no dropout|test") == order.index("no dropout|train") + 1
    np.testing.assert_array_equal(np.asarray(by["no dropout|test"].y), series["no dropout"]["test"])
    assert fig.layout.hovermode == "x unified"
    assert F.training_curves(steps, series, log_y=True).layout.yaxis.type == "log"
    with pytest.raises(ValueError, match="series"):
        F.training_curves(steps, {"m": {"train": np.ones(3)}})
    with pytest.raises(ValueError, match="positive"):
        F.training_curves(steps, {"m": {"train": np.zeros(10)}}, log_y=True)


def test_band_chart_bands_and_reference_lines():
    k = np.array([1, 2, 4, 8, 16])
    mean, std = 1 / np.sqrt(k), 0.2 / np.sqrt(k)
    lo, hi = mean * 0.5, mean * 1.5
    fig = F.band_chart(k, {"MC": (mean, std), "quantiles": (mean, (lo, hi)), "plain": (mean, None)},
                       hline={"exact": 0.0, "weight-scaled": 0.3}, log_x=True, x_title="k", y_title="distance")
    bands = traces(fig, "band")
    assert len(bands) == 2 and len(traces(fig, "line")) == 3
    np.testing.assert_allclose(np.asarray(bands[0].y), np.concatenate([mean + std, (mean - std)[::-1]]))
    np.testing.assert_allclose(np.asarray(bands[1].y), np.concatenate([hi, lo[::-1]]))
    assert sorted(s.y0 for s in fig.layout.shapes) == [0.0, 0.3]
    assert {a.text for a in fig.layout.annotations} == {"exact", "weight-scaled"}
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.title.text == "k"
    with pytest.raises(ValueError, match="spread"):
        F.band_chart(k, {"MC": (mean, -std)})
    with pytest.raises(ValueError, match="x must be positive"):
        F.band_chart(k - 1, {"MC": (mean, std)}, log_x=True)


def test_regression_fit_band_is_two_std():
    x = np.linspace(-1, 1, 8)
    cx = np.linspace(-1.5, 1.5, 30)
    std = 0.1 + 0.05 * cx ** 2
    fig = F.regression_fit(x, x ** 2, {"MC mean": (cx, cx ** 2)}, band=(cx, cx ** 2, std), x_test=x, y_test=x ** 2 + 0.1)
    (band,) = traces(fig, "band")
    np.testing.assert_allclose(np.asarray(band.y), np.concatenate([cx ** 2 + 2 * std, (cx ** 2 - 2 * std)[::-1]]))
    (train,), (test,) = traces(fig, "train"), traces(fig, "test")
    assert train.marker.symbol != test.marker.symbol
    with pytest.raises(ValueError, match="y_train"):
        F.regression_fit(x, x[:3], {})
    with pytest.raises(ValueError, match="band"):
        F.regression_fit(x, x, {}, band=(cx, cx))


# ---------------------------------------------------------------- charts


def test_sweep_heatmap_prints_values_and_marks_best():
    z = np.array([[0.3, 0.2, 0.25], [0.1, np.nan, 0.4]])
    fig = F.sweep_heatmap([10, 100, 1000], [0.5, 1.0], z, x_title="n", y_title="keep q", z_title="test error",
                          fmt=".1%", best="min")
    (h,) = fig.data
    assert [list(r) for r in h.text] == [["30.0%", "20.0%", "25.0%"], ["10.0%", "", "40.0%"]]
    assert list(h.x) == ["10", "100", "1000"] and list(h.y) == ["0.5", "1"]
    (box,) = fig.layout.shapes
    assert (box.x0 + box.x1) / 2 == 0 and (box.y0 + box.y1) / 2 == 1  # the 10.0% cell
    with pytest.raises(ValueError, match="z"):
        F.sweep_heatmap([1, 2], [1, 2, 3], np.ones((2, 3)), x_title="a", y_title="b", z_title="c")


def test_bar_compare_and_histograms():
    fig = F.bar_compare(["no dropout", "dropout"], [0.2, 0.1], errors=[0.01, 0.02], y_title="error")
    (bar,) = fig.data
    assert list(bar.y) == [0.2, 0.1] and list(bar.error_y.array) == [0.01, 0.02]
    assert bar.marker.color[0] == style.NO_DROPOUT
    with pytest.raises(ValueError, match="values"):
        F.bar_compare(["a", "b"], [1.0])
    with pytest.raises(ValueError, match="errors"):
        F.bar_compare(["a", "b"], [1.0, 2.0], errors=[-1, 1])
    # horizontal: the same bars one per row, first on top, the value axis along x with the title
    side = F.bar_compare(["no dropout", "dropout"], [0.2, 0.1], errors=[0.01, 0.02], y_title="error", horizontal=True)
    (hbar,) = side.data
    assert hbar.orientation == "h" and list(hbar.x) == [0.2, 0.1] and list(hbar.y) == ["no dropout", "dropout"]
    assert list(hbar.error_x.array) == [0.01, 0.02] and hbar.error_y.array is None
    assert side.layout.yaxis.autorange == "reversed" and side.layout.xaxis.title.text == "error"
    assert side.layout.xaxis.range == fig.layout.yaxis.range

    r = rng()
    series = {"no dropout": r.normal(0, 1, 500), "dropout": r.normal(0, 0.3, 300)}
    hist = F.histograms(series, bins=25, x_title="weight")
    assert len(hist.data) == 2
    assert [int(sum(t.y)) for t in hist.data] == [500, 300]
    np.testing.assert_array_equal(np.asarray(hist.data[0].x), np.asarray(hist.data[1].x))  # shared bins
    assert hist.layout.barmode == "overlay" and all(0 < t.opacity < 1 for t in hist.data)
    with pytest.raises(ValueError, match="bins"):
        F.histograms(series, bins=1)


def test_image_gallery():
    images = rng().integers(0, 17, size=(5, 64)).astype(float)
    captions = [f"true {i}, predicted {i + 1}" for i in range(5)]
    fig = F.image_gallery(images, captions, cols=3, highlight=[1, 0, 0, 0, 1])
    assert len(traces(fig, "image")) == 5
    np.testing.assert_array_equal(np.asarray(fig.data[2].z), images[2].reshape(8, 8))
    assert [a.text for a in fig.layout.annotations] == captions
    assert fig.layout.annotations[0].font.color == style.VERMILLION
    assert fig.layout.annotations[1].font.color != style.VERMILLION
    with pytest.raises(ValueError, match="captions"):
        F.image_gallery(images, captions[:2])
    with pytest.raises(ValueError, match="images"):
        F.image_gallery(np.ones((2, 10)), ["a", "b"])


# ---------------------------------------------------------------- every builder


def all_builders():
    xs, ys, p = grid_and_probs(12)
    r = rng()
    steps = np.arange(5)
    return {
        "network_diagram": lambda pr: F.network_diagram([2, 6, 6, 2], [np.ones(2), np.array([1, 0] * 3), np.ones(6)],
                                                        keep=[1, 0.5, 1], presenter=pr),
        "subnetwork_gallery": lambda pr: F.subnetwork_gallery([2, 2, 1], all_masks_221(), np.full(16, 1 / 16), presenter=pr),
        "decision_surface": lambda pr: F.decision_surface(xs, ys, p, x_train=np.zeros((2, 2)), y_train=[0, 1],
                                                          presenter=pr),
        "decision_surfaces": lambda pr: F.decision_surfaces([dict(title="a", probs=p), dict(title="b", probs=p)],
                                                            xs=xs, ys=ys, presenter=pr, title="Both"),
        "difference_heatmap": lambda pr: F.difference_heatmap(xs, ys, p - 0.5, title="d", presenter=pr),
        "training_curves": lambda pr: F.training_curves(steps, {"m": {"train": steps * 1.0, "test": steps + 1.0}},
                                                        presenter=pr),
        "band_chart": lambda pr: F.band_chart(steps, {"m": (steps * 1.0, np.ones(5))}, hline={"ref": 1.0},
                                              x_title="k", y_title="d", presenter=pr, title="Band"),
        "regression_fit": lambda pr: F.regression_fit(steps, steps, {"fit": (steps, steps)}, presenter=pr),
        "sweep_heatmap": lambda pr: F.sweep_heatmap([1, 2], [3, 4], np.ones((2, 2)), x_title="a", y_title="b",
                                                    z_title="c", presenter=pr),
        "bar_compare": lambda pr: F.bar_compare(["a", "b"], [1, 2], title="Bars", presenter=pr),
        "histograms": lambda pr: F.histograms({"w": r.normal(size=50)}, title="Hist", presenter=pr),
        "image_gallery": lambda pr: F.image_gallery(np.ones((2, 8, 8)), ["a", "b"], title="Images", presenter=pr),
    }


@pytest.mark.parametrize("name", sorted(all_builders()))
def test_every_builder_serialises_and_presenter_is_larger(name):
    build = all_builders()[name]
    normal, big = build(False), build(True)
    for fig in (normal, big):
        assert isinstance(fig, go.Figure)
        json.loads(fig.to_json())
    assert big.layout.font.size >= math.floor(1.4 * normal.layout.font.size)
    assert big.layout.title.font.size > normal.layout.title.font.size
    if normal.layout.height is not None:
        assert big.layout.height >= normal.layout.height
    # Lines and markers grow too (wherever the builder sets them).
    for a, b in zip(normal.data, big.data):
        for attr in ("line", "marker"):
            wa = getattr(getattr(a, attr, None), "width", None) if hasattr(a, attr) else None
            wb = getattr(getattr(b, attr, None), "width", None) if hasattr(b, attr) else None
            if wa and wb:
                assert wb > wa


def test_model_colours_and_keep_text():
    colors = style.model_colors(["no dropout", "dropout q=0.5", "dropout q=0.8"])
    assert colors["no dropout"] == style.NO_DROPOUT
    assert len(set(colors.values())) == 3
    assert style.keep_text(0.8) == "keep q = 0.8 (drop rate p = 0.2)"
    assert style.mix_white("#0072B2", 0.0) == "#FFFFFF" and style.mix_white("#0072B2", 1.0) == "#0072B2"
