"""The architectures lesson's figures build from small arrays in both languages."""
import json

import numpy as np
import plotly.io as pio
import pytest

from dropout_viz.lessons.architectures import figures as fig


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures_build_in_both_languages(lang):
    masks = np.ones((2, 4, 3))
    masks[0, 1, 2] = 0
    f = fig.unrolled(masks, lang=lang, presenter=True)
    dropped = [t for t in f.data if t.meta == "dropped"]
    assert sum(len(t.x) for t in dropped) == 1
    f = fig.loss_curves(np.array([10, 20]), np.random.default_rng(0).random((3, 2, 2)), lang=lang)
    assert len([t for t in f.data if t.meta == "mean"]) == 3
    p = np.array([0.9, 0.8])
    f = fig.depth_picture(p, np.array([0.02, 0.26, 0.72]), np.array([0.03, 0.25, 0.72]), lang=lang)
    assert {t.meta for t in f.data} == {"survival", "closed", "sampled"}
    f = fig.schedule_errors(np.array([0.5, 1.0]), np.full((2, 2, 3), 0.1), lang=lang)
    assert len([t for t in f.data if t.meta == "seed"]) == 2
    titles = " ".join(a.text for a in fig.depth_picture(p, np.ones(3) / 3, np.ones(3) / 3, lang=lang).layout.annotations)
    assert ("Survival" in titles) == (lang == "en")


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="masks"):
        fig.unrolled(np.ones((3, 4, 3)))
    with pytest.raises(ValueError, match="dist"):
        fig.depth_picture(np.ones(2), np.ones(2), np.ones(2))


def test_refilled_unrolled_figure_is_the_figure_built_from_scratch():
    rng = np.random.default_rng(0)
    for lang in ("en", "zh"):
        for presenter in (False, True):
            frame = fig.unrolled((rng.random((2, 8, 6)) < 0.7).astype(float), lang=lang, presenter=presenter)
            masks = (rng.random((2, 8, 6)) < 0.5).astype(float)
            want = fig.unrolled(masks, lang=lang, presenter=presenter)
            got = fig.refill_unrolled(frame, masks, presenter=presenter)
            assert json.loads(pio.to_json(got, validate=False)) == json.loads(pio.to_json(want, validate=False))
            assert json.loads(pio.to_json(frame, validate=False)) != json.loads(pio.to_json(want, validate=False))
    with pytest.raises(ValueError, match="frame"):
        fig.refill_unrolled(frame, masks[:, :4])


def test_refilled_depth_picture_is_the_figure_built_from_scratch():
    rng = np.random.default_rng(1)

    def setting(blocks):
        p = np.sort(rng.random(blocks))[::-1]
        dist = rng.random(blocks + 1)
        return p, dist / dist.sum(), rng.random(blocks + 1)

    for lang in ("en", "zh"):
        for presenter in (False, True):
            frame = fig.depth_picture(*setting(8), lang=lang, presenter=presenter)
            for blocks in (3, 8, 16):
                values = setting(blocks)
                want = fig.depth_picture(*values, lang=lang, presenter=presenter)
                got = fig.refill_depth_picture(frame, *values)
                assert json.loads(pio.to_json(got, validate=False)) == json.loads(pio.to_json(want, validate=False))
                assert json.loads(pio.to_json(frame, validate=False)) != json.loads(pio.to_json(want, validate=False))
    with pytest.raises(ValueError, match="frame"):
        fig.refill_depth_picture(fig.unrolled(np.ones((2, 3, 2))), *setting(3))
