"""The masks lesson's figures: the data they carry, both languages, presenter sizes."""
import json
import math

import jax
import numpy as np
import plotly.graph_objects as go
import pytest

from dropout_viz.figures.style import SMALL_FONT
from dropout_viz.lessons.masks import experiment as sn
from dropout_viz.lessons.masks import figures as figs
from dropout_viz.lessons.masks.figures import gradient_grid, labelled_diagram

KEY = jax.random.PRNGKey(0)


def rng():
    return np.random.default_rng(0)


def traces(fig, meta):
    return [tr for tr in fig.data if tr.meta == meta]


def test_labelled_diagram_leaves_room_for_every_label_line():
    sizes = [2, 6, 6, 2]
    fig = labelled_diagram(sizes, [np.ones(2), np.array([1, 0, 1, 0, 1, 1]), np.ones(6)], keep=[0.8, 0.5, 0.5])
    lines = max(a.text.count("<br>") + 1 for a in fig.layout.annotations if a.yref == "y domain")
    assert lines == 4  # layer, keep q, drop p, kept k/n
    assert fig.layout.margin.b >= lines * SMALL_FONT * 1.35


def test_gradient_grid_wraps_and_marks_exact_zeros():
    d = sn.training_step(KEY, (2, 6, 6, 2), (0.8, 0.5, 0.5), 1)
    fig = gradient_grid(d.grads, d.masks)
    zeros = [t for t in fig.data if t.meta == "zeros"]
    assert len(zeros) == 3
    for t, g in zip(zeros, d.grads):
        np.testing.assert_array_equal(np.isfinite(np.asarray(t.z, float)), g == 0)
    deep = [np.ones((4, 4))] * 7
    fig = gradient_grid(deep, cols=4)
    rows = {tuple(fig.layout[f"yaxis{i if i > 1 else ''}"].domain) for i in range(1, 8)}
    assert len(rows) == 2  # seven matrices wrap onto two rows
    with pytest.raises(ValueError, match="fan_in"):
        gradient_grid([np.ones((2, 3)), np.ones((4, 2))])


def test_mask_heatmap_cells_and_kept_fraction():
    m = (rng().random((20, 7)) < 0.6).astype(float) / 0.6  # inverted-dropout values count as kept
    fig = figs.mask_heatmap(m, keep=0.6)
    heat, bars = fig.data
    np.testing.assert_array_equal(np.asarray(heat.z), (m > 0).astype(float))
    np.testing.assert_allclose(np.asarray(bars.y), (m > 0).mean(axis=0))
    assert [s.y0 for s in fig.layout.shapes] == [0.6]
    assert list(heat.colorbar.ticktext) == ["dropped", "kept"]
    assert "keep q = 0.6 (drop rate p = 0.4)" in fig.layout.annotations[0].text


def test_mask_heatmap_rejects_bad_arguments():
    with pytest.raises(ValueError, match="masks"):
        figs.mask_heatmap(np.ones(5))
    with pytest.raises(ValueError, match="keep"):
        figs.mask_heatmap(np.ones((2, 2)), keep=1.5)


def test_vector_bars_carry_each_row():
    x = np.arange(10.0) - 4.5
    m = (np.arange(10) % 2).astype(float)
    rows = {"x": x, "mask m": m, "x·m": x * m, "x·m/q": x * m / 0.5}
    fig = figs.vector_bars(x, rows)
    assert [t.name for t in fig.data] == list(rows)
    for t, v in zip(fig.data, rows.values()):
        np.testing.assert_array_equal(np.asarray(t.y), v)
    with pytest.raises(ValueError, match="rows"):
        figs.vector_bars(x, {"x": x[:5]})


def test_gradient_heatmaps_grey_zeros_and_symmetric_scale():
    r = rng()
    masks = [np.ones(2), np.array([1, 0, 1, 1]), np.ones(3)]
    g = [r.normal(size=(2, 4)), r.normal(size=(4, 3))]
    g[0][:, 1] = 0.0  # a dropped unit gets no gradient in and none out
    g[1][1, :] = 0.0
    fig = figs.gradient_heatmaps(g, masks)
    grads, zeros = traces(fig, "gradient"), traces(fig, "zeros")
    assert len(grads) == len(zeros) == 2
    for gi, z in zip(g, zeros):
        z = np.asarray(z.z, dtype=float)
        np.testing.assert_array_equal(~np.isnan(z), gi == 0)
    vmax = max(np.abs(x).max() for x in g)
    assert fig.layout.coloraxis.cmin == -vmax and fig.layout.coloraxis.cmax == vmax
    assert "✕" in fig.layout.xaxis.ticktext[1] and "✕" not in fig.layout.xaxis.ticktext[0]
    assert "✕" in fig.layout.yaxis2.ticktext[1]
    assert fig.layout.annotations[0].text == "W1 2→4: 2/8 zero"
    assert fig.layout.annotations[1].text == "W2 4→3: 3/12 zero"


def test_gradient_heatmaps_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        figs.gradient_heatmaps([np.ones(3)])
    with pytest.raises(ValueError, match="grads"):
        figs.gradient_heatmaps([np.ones((2, 3)), np.ones((4, 1))], masks=[np.ones(2), np.ones(3), np.ones(1)])


def test_diagram_labels_and_gallery_in_chinese():
    sizes, masks, keep = [2, 6, 6, 2], [np.ones(2), np.array([1, 0, 1, 0, 1, 1]), np.ones(6)], [0.8, 0.5, 0.5]
    en = labelled_diagram(sizes, masks, keep=keep)
    zh = labelled_diagram(sizes, masks, keep=keep, lang="zh")
    assert en.layout.title.text == "Thinned network: 2 of 14 units dropped"
    assert zh.layout.title.text == "稀疏化的网络：14 个单元中丢弃了 2 个"
    labels = [a.text for a in zh.layout.annotations if a.yref == "y domain"]
    assert labels[0].startswith("<b>输入层</b><br>保留 q=0.8<br>丢弃 p=0.2") and "<b>隐藏层 1</b>" in labels[1]
    assert "保留 4/6" in labels[1]
    assert {t.name for t in zh.data} & {"保留的单元", "被丢弃的单元"}
    for a, b in zip(en.data, zh.data):  # the same picture
        assert a.x == b.x and a.y == b.y
    g = sn.small_network_gallery(0.5, 0.5)
    zh_g = figs.gallery([2, 2, 1], g.layer_masks, g.probs, has_path=g.has_path, lang="zh")
    assert sum("无通路" in a.text for a in zh_g.layout.annotations) == 7
    assert not any("no path" in a.text for a in zh_g.layout.annotations)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_builder_builds_in_both_languages(lang):
    d = sn.training_step(KEY, (2, 6, 6, 2), (0.8, 0.5, 0.5), 1)
    built = [figs.mask_heatmap(np.ones((4, 5)), keep=0.5, lang=lang),
             figs.vector_bars(np.ones(10), {"x": np.ones(10)}, lang=lang),
             figs.gradient_heatmaps(d.grads, d.masks, lang=lang), gradient_grid(d.grads, d.masks, lang=lang),
             labelled_diagram([2, 6, 6, 2], d.masks, keep=[0.8, 0.5, 0.5], lang=lang)]
    for fig in built:
        json.loads(fig.to_json())
        text = fig.layout.title.text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text) == (lang == "zh"), text
    with pytest.raises(ValueError, match="lang"):
        figs.mask_heatmap(np.ones((4, 5)), lang="xx")


@pytest.mark.parametrize("build", [
    lambda pr: figs.mask_heatmap(np.ones((4, 5)), keep=0.5, presenter=pr),
    lambda pr: figs.vector_bars(np.ones(10), {"x": np.ones(10)}, presenter=pr),
    lambda pr: figs.gradient_heatmaps([np.ones((2, 3)), np.zeros((3, 1))], presenter=pr),
], ids=["mask_heatmap", "vector_bars", "gradient_heatmaps"])
def test_builder_serialises_and_presenter_is_larger(build):
    normal, big = build(False), build(True)
    for fig in (normal, big):
        assert isinstance(fig, go.Figure)
        json.loads(fig.to_json())
    assert big.layout.font.size >= math.floor(1.4 * normal.layout.font.size)
    assert big.layout.title.font.size > normal.layout.title.font.size
    if normal.layout.height is not None:
        assert big.layout.height >= normal.layout.height


@pytest.mark.parametrize("presenter,lang", [(False, "en"), (True, "zh")])
def test_refill_mask_heatmap_is_the_figure_mask_heatmap_builds(presenter, lang):
    """The filled-in frame is the validated figure, property for property, whatever the masks' shape and q."""
    rng = np.random.default_rng(3)
    frame = figs.mask_heatmap((rng.random((32, 6)) < 0.5).astype(float), keep=0.5, presenter=presenter, lang=lang,
                              title="frame")
    for shape, q in [((8, 6), 0.3), ((64, 100), 0.8), ((4, 2), 1.0), ((100, 3), 0.55)]:
        m = (rng.random(shape) < q) / q
        built = figs.mask_heatmap(m, keep=q, presenter=presenter, lang=lang, title="masks")
        filled = figs.refill_mask_heatmap(frame, m, keep=q, presenter=presenter, lang=lang, title="masks")
        assert json.loads(filled.to_json()) == json.loads(built.to_json()), (shape, q)


def test_refill_mask_heatmap_rejects_a_frame_unlike_its_figure():
    untitled = figs.mask_heatmap(np.ones((2, 2)), keep=0.5, title="")
    with pytest.raises(ValueError, match="frame"):
        figs.refill_mask_heatmap(untitled, np.ones((2, 2)), keep=0.5, title="t")
    frame = figs.mask_heatmap(np.ones((2, 2)), keep=0.5, title="t")
    with pytest.raises(ValueError, match="keep"):
        figs.refill_mask_heatmap(frame, np.ones((2, 2)), keep=None, title="t")
    with pytest.raises(ValueError, match="masks"):
        figs.refill_mask_heatmap(frame, -np.ones((2, 2)), keep=0.5, title="t")


def test_refill_band_chart_is_the_running_mean_chart_band_chart_builds():
    """The vector tab's running-mean chart filled into a frame is the validated figure, whatever x, q and N."""
    from dropout_viz.figures import band_chart

    def chart(x, q, n, frame=None):
        stats = sn.vector_statistics(sn.key(0, "vector_stats"), np.asarray(x, float), q, n)
        bands, hline = sn.running_mean_bands(stats, q), {"1": 1.0, f"q = {q:g}": q}
        if frame is None:
            return band_chart(stats.draws, bands, hline=hline, log_x=True, x_title="N", y_title="mean",
                              presenter=True, title="running mean")
        return figs.refill_band_chart(frame, stats.draws, bands, hline, title="running mean")

    frame = chart(range(1, 11), 0.6, 1000)
    for x, q, n in [(range(1, 11), 0.3, 10), (range(1, 11), 0.8, 100_000), ([1.0, -2.0, 0.0], 1.0, 50)]:
        assert json.loads(chart(x, q, n, frame).to_json()) == json.loads(chart(x, q, n).to_json()), (q, n)
    with pytest.raises(ValueError, match="frame"):
        figs.refill_band_chart(frame, [1.0, 2.0], {"other": ([1.0, 1.0], ([0.0, 0.0], [2.0, 2.0]))},
                               {"1": 1.0, "q": 0.5}, title="t")
