"""The architectures lesson's figures build from small arrays in both languages."""
import numpy as np
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
