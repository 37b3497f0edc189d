"""The lesson's figures build from small arrays in both languages, with their own words translated."""
import json

import numpy as np
import plotly.io as pio
import pytest

from dropout_viz.core.i18n import translator
from dropout_viz.lessons.inside import figures


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_jensen_picture_words_follow_the_language(lang):
    z, prob = np.array([-1.0, 0.5, 2.0]), np.array([0.25, 0.5, 0.25])
    fig = figures.jensen_picture(z, prob, title="t", lang=lang)
    names = {t.name for t in fig.data}
    _ = translator(lang)
    assert _("one subnetwork (area ∝ probability)") in names and _("Jensen's gap") in names
    assert fig.layout.xaxis.title.text == _("pre-activation z")
    if lang == "zh":
        assert "one subnetwork (area ∝ probability)" not in names
    # The gap annotation of z²: E[z²] − (E z)² = Var z.
    mean = prob @ z
    var = prob @ (z - mean) ** 2
    assert f"{var:.3g}" in fig.layout.annotations[-2].text or f"{var:.3g}" in fig.layout.annotations[-1].text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_closed_vs_sampled_groups_by_quantity_and_translates_the_log_note(lang):
    x = np.arange(1, 4)
    fig = figures.closed_vs_sampled(x, {"a: closed": x * 0.5}, {"a: sampled": (x * 0.5, np.full(3, 0.01))},
                                    x_title="L", y_title="P", log_y=True, lang=lang)
    assert fig.data[0].line.color == fig.data[1].marker.line.color  # the same quantity, the same colour
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.title.text == translator(lang)("{title} (log scale)").format(title="P")
    with pytest.raises(ValueError, match="lines and points"):
        figures.closed_vs_sampled(x, {}, {}, x_title="L", y_title="P")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("presenter", [False, True])
def test_refilled_closed_vs_sampled_is_the_figure_built_from_scratch(lang, presenter):
    rng = np.random.default_rng(0)
    x = np.arange(1, 13)

    def series():
        return ({"one: closed form": rng.random(12), "some: closed form": rng.random(12)},
                {"one: sampled": (rng.random(12), 0.01 * rng.random(12)), "some: sampled": (rng.random(12), None)})

    frame = figures.closed_vs_sampled(x, *series(), x_title="L", y_title="P", presenter=presenter, title="a",
                                      lang=lang)
    lines, points = series()
    want = figures.closed_vs_sampled(x, lines, points, x_title="L", y_title="P", presenter=presenter, title="b",
                                     lang=lang)
    got = figures.refill_closed_vs_sampled(frame, x, lines, points, title="b")
    assert json.loads(pio.to_json(got, validate=False)) == json.loads(pio.to_json(want, validate=False))
    assert json.loads(pio.to_json(frame, validate=False)) != json.loads(pio.to_json(want, validate=False))
    with pytest.raises(ValueError, match="frame"):  # another series: not this frame's figure
        figures.refill_closed_vs_sampled(frame, x, lines, {"one: sampled": points["one: sampled"]}, title="b")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("presenter", [False, True])
def test_refilled_jensen_picture_is_the_figure_built_from_scratch(lang, presenter):
    rng = np.random.default_rng(0)

    def unit(d):
        prob = rng.random(2**d)
        return rng.normal(size=2**d), prob / prob.sum()

    frame = figures.jensen_picture(*unit(6), presenter=presenter, title="a", lang=lang)
    for d in (1, 6, 10):
        z, prob = unit(d)
        want = figures.jensen_picture(z, prob, presenter=presenter, title="b", lang=lang)
        got = figures.refill_jensen_picture(frame, z, prob, presenter=presenter, title="b")
        assert json.loads(pio.to_json(got, validate=False)) == json.loads(pio.to_json(want, validate=False))
        assert json.loads(pio.to_json(frame, validate=False)) != json.loads(pio.to_json(want, validate=False))
    with pytest.raises(ValueError, match="frame"):
        figures.refill_jensen_picture(frame, z, prob, presenter=presenter, title=None)
