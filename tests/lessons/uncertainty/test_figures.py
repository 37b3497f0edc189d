"""The uncertainty lesson's figures build from small arrays, in English and in Chinese."""
import json

import numpy as np
import plotly.io as pio
import pytest

from dropout_viz.lessons.uncertainty import experiment as ex
from dropout_viz.lessons.uncertainty import figures as fg

RNG = np.random.default_rng(0)


def _probs(*shape):
    a = RNG.random(shape + (2,))
    return a / a.sum(-1, keepdims=True)


def _title(fig):
    return fig.layout.title.text or ""


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("presenter", [False, True])
def test_every_figure_builds(lang, presenter):
    y = RNG.integers(0, 2, 40)
    panels = [(name, ex.reliability(_probs(40), y, 10), c) for name, c in (("a", fg.WEIGHT_SCALED), ("b", fg.MC))]
    rel = fg.reliability_figure(panels, presenter, lang)
    assert sum(t.meta == "accuracy" for t in rel.data) == 2
    curves = {s: (RNG.random(3), RNG.random((3, 8)), RNG.random((3, 4))) for s in ("ECE", "NLL")}
    scores = fg.scores_figure(curves, k=6, m=3, presenter=presenter, lang=lang)
    assert [t.x[0] for t in scores.data if t.meta == "k"] == [6, 6]
    assert [t.x[0] for t in scores.data if t.meta == "same-cost"] == [3, 3]
    x = np.linspace(-2.5, 2.5, 21)
    band = fg.band_figure(x, np.sin(np.pi * x), RNG.random((5, 1)), RNG.random(5),
                          [("mc", np.zeros(21), np.ones(21), fg.MC), ("ens", np.zeros(21), np.ones(21), fg.ENSEMBLE)],
                          (0.0, 1.0), (-1.5, 1.5), presenter, lang)
    assert sum(t.meta == "band" for t in band.data) == 2
    fg.sigma_figure(x, [("mc", RNG.random((3, 21)), fg.MC)], (0.0, 1.0), (-1.5, 1.5), presenter, lang)
    sweeps = fg.sweeps_figure((25, 50, 100), [("mc", RNG.random((3, 3)), fg.MC)], (0.5, 0.9),
                              [("mc", RNG.random((3, 2)), fg.MC, None)], [("ens", 0.1, fg.ENSEMBLE, "dash")], presenter,
                              lang)
    guide = next(t for t in sweeps.data if t.meta == "guide")
    assert np.allclose(np.asarray(guide.y) * np.sqrt([25, 50, 100]), guide.y[0] * 5)  # ∝ 1/√n
    xs = np.linspace(-1, 1, 4)
    dec = fg.decomposition_figure(xs, *RNG.random((3, 16)), RNG.random((6, 2)), np.array([0, 1] * 3), (2.5, 3.5),
                                  presenter, lang)
    assert sum(t.meta == "surface" for t in dec.data) == 3
    ood = fg.ood_figure(RNG.random(10), RNG.random(12), np.array([0, 0.5, 1]), np.array([0, 0.7, 1]), 0.6,
                        presenter, lang)
    assert any(t.meta == "roc" and "0.600" in t.name for t in ood.data)


def test_chinese_figures_are_translated():
    en = fg.decomposition_figure(np.arange(2.0), *np.zeros((3, 4)), np.zeros((2, 2)), np.array([0, 1]), (2.5, 3.5),
                                 lang="en")
    zh = fg.decomposition_figure(np.arange(2.0), *np.zeros((3, 4)), np.zeros((2, 2)), np.array([0, 1]), (2.5, 3.5),
                                 lang="zh")
    assert _title(en).startswith("Predictive entropy") and "预测熵" in _title(zh)
    assert "互信息" in zh.layout.annotations[2].text


def test_layers_figures_import_neither_jax_nor_streamlit():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, dropout_viz.lessons.uncertainty.figures as f; a = sorted(m for m in ('jax', 'streamlit') "
            "if m in sys.modules); import dropout_viz.lessons.uncertainty.experiment; "
            "print(a, 'streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[] False"


def test_presenter_reliability_panels_share_one_axis_title_and_drop_the_legend():
    y = RNG.integers(0, 2, 40)
    panels = [(name, ex.reliability(_probs(40), y, 10), c)
              for name, c in (("weight-scaled network", fg.WEIGHT_SCALED), ("MC dropout, k = 4", fg.MC),
                              ("deep ensemble, M = 3", fg.ENSEMBLE))]
    normal, big = fg.reliability_figure(panels, False, "en"), fg.reliability_figure(panels, True, "en")
    titles = [a.text for a in big.layout.annotations]
    assert titles[0].startswith("weight-scaled<br>network<br>ECE = ") and titles[1].startswith("MC dropout,<br>k = 4")
    assert [a.text.count("<br>") for a in normal.layout.annotations] == [1, 1, 1]
    x_titles = [big.layout[f"xaxis{i}"].title.text for i in ("", "2", "3")]
    assert x_titles[1] and not x_titles[0] and not x_titles[2]  # one title, under the middle panel
    assert all(normal.layout[f"xaxis{i}"].title.text for i in ("", "2", "3"))
    assert big.layout.showlegend is False and normal.layout.showlegend is not False


def test_refilled_scores_figure_is_the_figure_built_from_scratch():
    rng = np.random.default_rng(0)
    curves = {s: (rng.random(3), rng.random((3, 64)), rng.random((3, 10))) for s in ("ECE", "NLL", "Brier")}
    for lang in ("en", "zh"):
        for presenter in (False, True):
            frame = fg.scores_figure(curves, 16, 5, presenter, lang)
            for k, m in ((3, 7), (64, 10), (100, 1)):  # 100: beyond the curve, marked at its end
                want = fg.scores_figure(curves, k, m, presenter, lang)
                got = fg.refill_scores(frame, curves, k, m)
                assert json.loads(pio.to_json(got, validate=False)) == json.loads(pio.to_json(want, validate=False))
                assert json.loads(pio.to_json(frame, validate=False)) != json.loads(pio.to_json(want, validate=False))
    with pytest.raises(ValueError, match="frame"):
        fg.refill_scores(frame, {"ECE": curves["ECE"]}, 3, 3)


def test_refilled_reliability_figure_is_the_figure_built_from_scratch():
    rng = np.random.default_rng(0)

    def panels(bins, k):
        y = rng.integers(0, 3, 200)
        names = ("weight-scaled network", f"MC dropout, k = {k}", "deep ensemble, M = 5")
        return [(name, ex.reliability(rng.dirichlet(np.ones(3) * 0.5, 200), y, bins), color)
                for name, color in zip(names, (fg.WEIGHT_SCALED, fg.MC, fg.ENSEMBLE))]

    for lang in ("en", "zh"):
        for presenter in (False, True):
            frame = fg.reliability_figure(panels(10, 16), presenter, lang)
            for bins in (5, 10, 20):
                ps = panels(bins, 3)
                want = fg.reliability_figure(ps, presenter, lang)
                got = fg.refill_reliability(frame, ps, presenter, lang)
                assert json.loads(pio.to_json(got, validate=False)) == json.loads(pio.to_json(want, validate=False))
                assert json.loads(pio.to_json(frame, validate=False)) != json.loads(pio.to_json(want, validate=False))
    with pytest.raises(ValueError, match="frame"):
        fg.refill_reliability(frame, ps[:2], presenter, lang)
