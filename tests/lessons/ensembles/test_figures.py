"""The ensemble lesson's figure builders: NumPy in, Plotly out, in English and in Chinese."""
from types import SimpleNamespace

import numpy as np
import pytest

from dropout_viz.core.ensembles import Band, combine_votes
from dropout_viz.lessons.ensembles import figures as F

CJK = lambda text: any("\u4e00" <= ch <= "\u9fff" for ch in text)  # noqa: E731


def test_convergence_chart_marks_k_and_draws_bands_and_references():
    from dropout_viz.lessons.ensembles.figures import convergence_chart

    ks = np.array([1, 10, 100])
    fig = convergence_chart(ks, {"MC arithmetic": (np.array([0.3, 0.1, 0.01]), np.zeros(3), np.full(3, 0.4))},
                            references={"weight-scaled": 0.05, "exact geometric": 0.06}, current_k=10)
    metas = [t.meta for t in fig.data]
    assert metas.count("band") == 1 and metas.count("curve") == 1 and metas.count("reference") == 2
    marker = next(t for t in fig.data if t.meta == "current_k")
    assert list(marker.x) == [10, 10] and list(marker.y) == [0.0, 0.4]
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.tickvals) == [1, 2, 5, 10, 20, 50, 100]
    with pytest.raises(ValueError, match="current_k"):
        convergence_chart(ks, {"a": (np.ones(3), np.ones(3), np.ones(3))}, current_k=1000)


def test_ensemble_grid_difference_pair_uncertainty_maps_and_vote_bars():
    from dropout_viz.lessons.ensembles.figures import difference_pair, ensemble_grid, uncertainty_maps, vote_bars

    xs = np.linspace(-1, 1, 5)
    p = np.full((5, 5), 0.3)
    means = {"arithmetic": p, "geometric": p}
    assert sum(t.meta == "surface" for t in ensemble_grid(xs, xs, p, means, means).data) == 5
    assert sum(t.meta == "surface" for t in ensemble_grid(xs, xs, p, means).data) == 3
    with pytest.raises(ValueError, match="arithmetic"):
        ensemble_grid(xs, xs, p, {"arithmetic": p})
    fig = difference_pair(xs, xs, {"tiny": np.full((5, 5), 3e-7), "big": np.full((5, 5), -0.25)})
    assert [t.zmax for t in fig.data] == [pytest.approx(3e-7), 0.25]  # each map on its own scale
    assert "0.25" in fig.layout.annotations[1].text
    maps = uncertainty_maps(xs, xs, {"H": np.full((5, 5), 0.5)}, x_train=np.zeros((2, 2)), y_train=[0, 1])
    assert maps.data[0].zmax == 1.0
    with pytest.raises(ValueError, match="finite values"):
        uncertainty_maps(xs, xs, {"H": np.full((5, 5), 2.0)})
    bars = vote_bars({"vote": [1 / 3, 2 / 3], "mean": [0.6, 0.4]}, {"vote": 1, "mean": -1})
    assert len(bars.data) == 2 and "class 1" in bars.data[0].x[0] and "tie" in bars.data[0].x[1]



# --- the lesson's figures from small results, in both languages --------------------------------------------

XS = np.linspace(-1, 1, 5)
P = np.full((5, 5), 0.3)


def _panels(with_exact=True):
    names = ["weight-scaled", "MC arithmetic", "MC geometric"] + (["exact arithmetic", "exact geometric"]
                                                                  if with_exact else [])
    return SimpleNamespace(xs=XS, ys=XS, surfaces={n: P for n in names}, test_acc={n: 0.875 for n in names})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_surfaces_titles_count_masks_and_accuracy(lang):
    fig = F.surfaces(_panels(), 16, 20, presenter=False, lang=lang)
    assert sum(t.meta == "surface" for t in fig.data) == 5
    titles = [a.text for a in fig.layout.annotations]
    assert any("k = 20" in t for t in titles) and any("2¹⁶" in t for t in titles)
    assert sum("87.5%" in t for t in titles) == 5
    assert CJK(fig.layout.title.text) == (lang == "zh")
    assert sum(t.meta == "surface" for t in F.surfaces(_panels(False), 16, 20, lang=lang).data) == 3


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_difference_strip_and_kept_text(lang):
    fig = F.difference(XS, XS, np.full((5, 5), 0.1), "exact geometric", "weight-scaled", lang=lang)
    assert "−" in fig.layout.title.text and CJK(fig.layout.title.text) == (lang == "zh")
    members = SimpleNamespace(surfaces=[P, P], kept=np.array([[5, 3], [0, 2]]), has_path=np.array([True, False]),
                              widths=(8, 8))
    fig = F.strip(XS, XS, members, lang=lang)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0] == "#1: 5 + 3" and titles[1].startswith("#2: 0 + 2") and titles[1] != "#2: 0 + 2"
    assert "8 + 8" in fig.layout.title.text
    assert F.kept_text(np.zeros(0, int), True, lang) == ("all" if lang == "en" else "全部")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_convergence_case_votes_regression_uncertainty(lang):
    ks = np.array([1, 10, 100])
    band = Band(ks, np.array([0.3, 0.1, 0.01]), np.zeros(3), np.full(3, 0.4))
    conv = SimpleNamespace(ks=ks, tv={"grid": {"MC arithmetic": band, "MC geometric": band}},
                           tv_refs={"grid": {"weight-scaled": 0.05, "exact geometric": 0.02}},
                           acc={"MC arithmetic": band, "MC geometric": band},
                           acc_refs={"weight-scaled": 0.9, "exact arithmetic": 0.91, "exact geometric": 0.9})
    tv, acc = F.convergence(conv, "grid", 10, lang=lang)
    assert [t.x for t in tv.data if t.meta == "current_k"][0] == (10, 10)
    assert CJK(tv.layout.title.text) == CJK(acc.layout.title.text) == (lang == "zh")
    cv = SimpleNamespace(surfaces={"weight-scaled": P, "exact arithmetic": P, "exact geometric": P},
                         geo_minus_ws=np.full((5, 5), 1e-7), arith_minus_ws=np.full((5, 5), 0.2), test_acc=0.8)
    surf, diffs = F.case(XS, XS, cv, "Case", lang=lang)
    assert surf.layout.title.text.startswith("Case") and "80.0%" in surf.layout.title.text
    assert [t.zmax for t in diffs.data] == [pytest.approx(1e-7), pytest.approx(0.2)]
    v = combine_votes(np.array([[0.49, 0.51], [0.49, 0.51], [0.99, 0.01]]))
    bars = F.votes(v, lang=lang)
    assert bars.layout.title.text.startswith("3 ")
    assert list(bars.data[1].y) == pytest.approx([2 / 3, v.arithmetic[1], v.geometric[1]])
    decisions = [x.split("<b>")[1].removesuffix("</b>") for x in bars.data[0].x]
    assert decisions == [F.translator(lang)("class {c}").format(c=c) for c in (1, 0, 0)]  # a vote against averages
    rv = SimpleNamespace(xs=np.linspace(-3, 3, 7), x_train=np.zeros(3), y_train=np.zeros(3),
                         band=SimpleNamespace(mean=np.zeros(7), std=np.full(7, 0.1), weight_scaled=np.zeros(7)))
    reg = F.regression(rv, 0.8, 50, lang=lang)
    assert "0.8" in reg.layout.title.text and "50" in reg.layout.title.text
    maps = F.uncertainty(XS, XS, {"MC dropout: entropy": np.full((5, 5), 0.5)}, 50, lang=lang)
    assert maps.data[0].zmax == 1.0 and CJK(maps.layout.annotations[0].text) == (lang == "zh")


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="lang"):
        F.vote_bars({"vote": [0.5, 0.5]}, {"vote": -1}, lang="xx")
