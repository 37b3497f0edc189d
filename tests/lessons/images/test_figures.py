"""The images lesson's figures: what each trace holds, one colour scale for the mask panels, titles in both
languages, and shape errors named."""
import json

import numpy as np
import plotly.io as pio
import pytest

from dropout_viz.lessons.images import figures as fig


def _panels():
    g = np.random.default_rng(0)
    f = g.uniform(0, 2, (8, 8, 8))
    shown = np.stack([f, f * 1.5, f * 0, f * 2])
    dropped = np.zeros_like(shown, bool)
    dropped[1, 0, 0, 0] = True
    dropped[3, :3, :3, 2] = True
    return shown, dropped


def test_tile_lays_channels_out_with_gaps():
    m = np.arange(2 * 2 * 6, dtype=float).reshape(2, 2, 6)
    t = fig.tile(m, cols=4)
    assert t.shape == (2 * 3 - 1, 4 * 3 - 1)
    assert t[0, 0] == m[0, 0, 0] and t[3, 0] == m[0, 0, 4]  # channel 4 starts the second row
    assert np.isnan(t[2]).all() and np.isnan(t[:, 2]).all()  # the gaps
    assert np.isnan(t[3:, 6:]).all()  # channels 6 and 7 do not exist


def test_mask_panels_share_one_colour_scale_and_mark_dropped_cells():
    shown, dropped = _panels()
    f = fig.mask_panels(shown, dropped, ["a", "b", "c", "d"], title="t")
    act = [t for t in f.data if t.meta == "activation"]
    drop = [t for t in f.data if t.meta == "dropped"]
    assert len(act) == 4 and len(drop) == 4
    assert all(t.coloraxis == "coloraxis" for t in act)
    assert f.layout.coloraxis.cmax == pytest.approx(shown.max())
    counts = [int(np.nansum(np.asarray(t.z, float))) for t in drop]
    assert counts == [0, 1, 0, 9]
    assert [a.text for a in f.layout.annotations][:4] == ["a", "b", "c", "d"]


def test_refilled_mask_panels_are_the_figure_built_from_scratch():
    rng = np.random.default_rng(0)

    def maps():
        v = rng.random((4, 8, 8, 8))
        d = rng.random(v.shape) < 0.3
        return np.where(d, 0.0, v), d

    for lang in ("en", "zh"):
        for presenter in (False, True):
            frame = fig.mask_panels(*maps(), ["a", "b", "c", "d"], lang=lang, presenter=presenter, title="t")
            shown, dropped = maps()
            titles = ["e", "f", "g", "DropBlock, b = 4"]
            want = fig.mask_panels(shown, dropped, titles, lang=lang, presenter=presenter, title="another title")
            got = fig.refill_mask_panels(frame, shown, dropped, titles, title="another title")
            assert json.loads(pio.to_json(got, validate=False)) == json.loads(pio.to_json(want, validate=False))
            assert json.loads(pio.to_json(frame, validate=False)) != json.loads(pio.to_json(want, validate=False))
    with pytest.raises(ValueError, match="frame"):
        fig.refill_mask_panels(frame, shown[:, :4, :4], dropped[:, :4, :4], titles, title="t")


def test_mask_panels_refuse_mismatched_shapes():
    shown, dropped = _panels()
    with pytest.raises(ValueError, match="shown and dropped"):
        fig.mask_panels(shown[:3], dropped[:3], ["a", "b", "c"])


def test_correlation_chart_has_a_line_and_a_baseline_per_layer_in_both_languages():
    d = np.arange(1, 5)
    corr = np.array([[0.5, 0.2, 0.1, 0.0], [0.4, 0.1, 0.0, 0.0]])
    for lang in ("en", "zh"):
        f = fig.correlation_chart(d, corr, np.array([0.01, 0.02]), ["x", "y"], lang=lang)
        assert [t.meta for t in f.data] == ["corr", "shuffled", "corr", "shuffled"]
        assert list(f.data[2].y) == [0.4, 0.1, 0.0, 0.0] and list(f.data[3].y) == [0.02, 0.02]
    en = fig.correlation_chart(d, corr, np.array([0.01, 0.02]), ["x", "y"], lang="en").layout.xaxis.title.text
    zh = fig.correlation_chart(d, corr, np.array([0.01, 0.02]), ["x", "y"], lang="zh").layout.xaxis.title.text
    assert en != zh
    with pytest.raises(ValueError, match="corr"):
        fig.correlation_chart(d, corr[:1], np.array([0.01, 0.02]), ["x", "y"])


def test_error_dots_show_every_seed_and_the_mean():
    e = np.array([[0.06, 0.07, 0.08], [0.05, 0.05, 0.06], [0.07, 0.07, 0.07], [0.04, 0.05, 0.06]])
    f = fig.error_dots(e, ["n", "e", "s", "d"])
    bars = [t for t in f.data if t.meta == "mean"][0]
    dots = [t for t in f.data if t.meta == "seed"][0]
    np.testing.assert_allclose(bars.y, 100 * e.mean(1))
    np.testing.assert_allclose(bars.error_y.array, 100 * e.std(1, ddof=1))
    assert len(dots.y) == 12
    assert f.layout.yaxis.range[0] == 0  # bars from zero
    np.testing.assert_allclose(sorted(dots.y), sorted(100 * e.ravel()))
    with pytest.raises(ValueError, match="errors"):
        fig.error_dots(e, ["n", "e"])
