"""The ensemble page under AppTest: every tab runs, and each control changes what it shows.

Every test starts from a smaller model than the page's default (500 training steps) so that the first
run stays short; the caches are shared by all tests of this process, so later runs reuse its results.
Tabs run lazily: a test opens one with the e_tab link parameter.
"""
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dropout_viz.lessons.ensembles import view as ens
from tests.app.i18n_check import untranslated

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "3_Ensemble_vs_weight_scaling.py")
BASE = {"e_steps": "500"}
PREDICTIONS, CONVERGENCE, EXACT, VOTING, UNCERTAINTY = ens_tabs = (
    "Five predictions", "How many masks?", "When is it exact?", "Voting vs averaging", "Uncertainty (MC dropout)")


def _run(**params):
    at = AppTest.from_file(PAGE, default_timeout=600)
    for k, v in {**BASE, **params}.items():
        at.query_params[k] = v
    return at.run()


def _charts(at) -> dict:
    """Chart title -> its traces, for every Plotly chart on the page."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        title = (spec["layout"].get("title") or {}).get("text") or ""
        out[title] = spec["data"]
    return out


def _chart(at, start: str):
    hits = [data for title, data in _charts(at).items() if title.startswith(start)]
    assert len(hits) == 1, f"expected one chart titled {start!r}, got titles {list(_charts(at))}"
    return hits[0]


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_page_opens_on_the_five_predictions_only():
    at = _run()
    _ok(at)
    assert [t.label for t in at.tabs] == list(ens_tabs)
    # Default: 2-8-8-2 with the hidden units droppable, d = 16.
    assert _metric(at, "Subnetworks") == "2¹⁶ = 65,536"
    surfaces = _chart(at, "P(class 1) on one colour scale")
    assert sum(t["meta"] == "surface" for t in surfaces) == 5  # weight-scaled, 2 Monte Carlo, 2 exact
    # Lazy tabs: only the open one has computed anything.
    titles = list(_charts(at))
    assert len(titles) == 3 and any(t.startswith("Single members") for t in titles)


def test_every_tab_runs():
    for tab, n_charts in zip(ens_tabs, (3, 2, 2, 1, 2)):
        at = _run(e_tab=tab)
        _ok(at)
        assert len(_charts(at)) == n_charts, tab
    # Softmax regression with dropped inputs: the geometric ensemble is the weight-scaled model to float precision.
    at = _run(e_tab=EXACT)
    assert float(_metric(at, "Largest |P_geo − P_ws|")) < 1e-5
    assert float(_metric(at, "Largest |P_arith − P_ws|")) > 1e-2
    # The vote chart's decisions: the vote says class 1, both averages say class 0.
    votes = _chart(_run(e_tab=VOTING), "3 models combined three ways")
    assert [x.split("<b>")[1][:7] for x in votes[0]["x"]] == ["class 1", "class 0", "class 0"]


def test_k_moves_the_monte_carlo_panels_the_difference_and_the_convergence_marker():
    at = _run()
    surf0 = _chart(at, "P(class 1) on one colour scale")
    tv0 = _metric(at, "Mean total variation, grid")
    strip0 = _chart(at, "Single members")
    at.slider(key="e_k").set_value(300).run()
    _ok(at)
    surf1 = _chart(at, "P(class 1) on one colour scale")
    heat = [i for i, t in enumerate(surf0) if t["meta"] == "surface"]
    # Panels: weight-scaled, MC arithmetic, MC geometric, exact arithmetic, exact geometric.
    assert surf1[heat[0]] == surf0[heat[0]] and surf1[heat[3]] == surf0[heat[3]]
    assert surf1[heat[1]]["z"] != surf0[heat[1]]["z"] and surf1[heat[2]]["z"] != surf0[heat[2]]["z"]
    # More masks: the Monte Carlo arithmetic mean is closer to the exact one.
    assert float(_metric(at, "Mean total variation, grid")) < float(tv0)
    assert _chart(at, "Single members") == strip0
    marker = lambda data: next(t for t in data if t["meta"] == "current_k")["x"]  # noqa: E731
    for k in (20, 300):
        conv = _run(e_tab=CONVERGENCE, e_k=str(k))
        assert marker(_chart(conv, "Distance to exact arithmetic")) == [k, k]
        assert marker(_chart(conv, "Test accuracy against k")) == [k, k]


def test_difference_selects_and_distance_measure():
    at = _run(e_diff_a="exact geometric", e_diff_b="weight-scaled")
    _ok(at)
    assert any(t.startswith("exact geo. − weight-scaled") for t in _charts(at))
    tv_grid = float(_metric(at, "Mean total variation, grid"))
    at.selectbox(key="e_diff_b").set_value("exact arithmetic").run()
    assert any(t.startswith("exact geo. − exact arith.") for t in _charts(at))
    assert float(_metric(at, "Mean total variation, grid")) != tv_grid
    at = _run(e_tab=CONVERGENCE)
    before = _chart(at, "Distance to exact arithmetic (grid points)")
    at.radio(key="e_where").set_value("test points").run()
    _ok(at)
    after = _chart(at, "Distance to exact arithmetic (test points)")
    assert after != before


@pytest.mark.parametrize("case, exact", [("one sigmoid unit", True), ("network, last layer dropped", True),
                                         ("network, both layers dropped", False)])
def test_each_model_of_the_exactness_section(case, exact):
    at = _run(e_tab=EXACT, e_case=case)
    _ok(at)
    gap = float(_metric(at, "Largest |P_geo − P_ws|"))
    assert (gap < 1e-5) if exact else (gap > 1e-3)
    assert float(_metric(at, "Largest |P_arith − P_ws|")) > 1e-3
    texts = " ".join(m.value for m in at.markdown)
    both = case == "network, both layers dropped"
    assert ("Jensen" in texts and "ranges from" in texts) == both
    if both:
        relu = _chart(at, "Network, dropout on both hidden layers")
        at.selectbox(key="e_act").set_value("tanh").run()
        _ok(at)
        assert _chart(at, "Network, dropout on both hidden layers") != relu


def test_mc_dropout_controls_change_their_charts():
    at = _run(e_tab=UNCERTAINTY)
    reg0 = _chart(at, "Noisy sine")
    ent0 = _chart(at, "The classifier above: entropy")
    at.slider(key="e_passes").set_value(300).run()
    _ok(at)
    reg1 = _chart(at, "Noisy sine")
    assert reg1 != reg0 and _chart(at, "The classifier above: entropy") != ent0
    at.slider(key="e_reg_keep").set_value(0.5).run()
    _ok(at)
    band = lambda data: next(t for t in data if t["meta"] == "band")["y"]  # noqa: E731
    assert band(_chart(at, "Noisy sine")) != band(reg1)


def test_more_droppable_units_ask_before_enumerating():
    # Inputs droppable too: d = 2 + 8 + 8 = 18 > 16, so the exact panels wait for the switch.
    at = _run(e_keep_in="0.5")
    _ok(at)
    assert _metric(at, "Subnetworks") == "2¹⁸ = 262,144"
    assert any("on request" in i.value for i in at.info)
    assert sum(t["meta"] == "surface" for t in _chart(at, "P(class 1) on one colour scale")) == 3
    at = _run(e_keep_in="0.5", e_tab=CONVERGENCE)
    assert any("need it" in i.value for i in at.info) and not _charts(at)


def test_progress_bar_path_runs_and_replays_from_the_cache():
    # 2-6-6-2 with inputs droppable: d = 14, above the progress threshold 2^12 (the bar is made inside a
    # cached function, so the second run replays it from the cache).
    for _ in range(2):
        at = _run(e_arch="2-6-6-2", e_keep_in="0.5")
        _ok(at)
        assert _metric(at, "Subnetworks") == "2¹⁴ = 16,384"
        assert sum(t["meta"] == "surface" for t in _chart(at, "P(class 1) on one colour scale")) == 5


def _stop_at_first_update(monkeypatch, task: str, seen: list):
    """Makes the bar of ``task`` press Stop after its first update, as a click during the run does: the Stop
    button's callback runs, then the script reruns."""
    import streamlit as st

    from dropout_viz.ui import progress

    real_bar, real_guarded = progress.bar, progress.guarded

    def guarded(t, compute, **kw):  # remembers the Stop button's callback for the simulated click
        st.session_state.setdefault("_stops", {})[t] = kw
        return real_guarded(t, compute, **kw)

    def bar(*a, **k):
        report, clear = real_bar(*a, **k)

        def on_progress(done, total):
            report(done, total)
            if task in st.session_state.get("_stops", {}):
                seen.append((done, total, progress.stop_key(task) in st.session_state))
                kw = st.session_state["_stops"][task]
                progress._stop(task, kw["on_stop"], kw["args"])
                st.rerun()
        return on_progress, clear

    monkeypatch.setattr(progress, "bar", bar)
    monkeypatch.setattr(progress, "guarded", guarded)


def test_stopping_the_exact_ensemble_leaves_monte_carlo_and_a_way_back(monkeypatch):
    # d = 14 (above the progress threshold). The bar presses Stop after its first block, as a click during
    # the run does: the Stop button's callback runs, then the script reruns.
    from dropout_viz.core import inference

    monkeypatch.setattr(inference, "EXACT_BUDGET", 2**8)  # several blocks (and a result not cached before)
    seen = []
    _stop_at_first_update(monkeypatch, ens.EXACT_TASK, seen)
    at = _run(e_arch="2-6-6-2", e_keep_in="0.5", e_seed="7")
    _ok(at)
    assert seen and seen[0][:2] == (1, seen[0][1]) and seen[0][1] > 1 and seen[0][2]
    assert any("Stopped: the exact ensemble over 2¹⁴ subnetworks after 1 of" in i.value for i in at.info)
    assert sum(t["meta"] == "surface" for t in _chart(at, "P(class 1) on one colour scale")) == 3
    assert at.selectbox(key="e_arch").value == "2-6-6-2" and at.slider(key="e_k").value == 20
    monkeypatch.undo()
    at.slider(key="e_k").set_value(30).run()  # the page stays usable, still without the exact panels
    _ok(at)
    assert sum(t["meta"] == "surface" for t in _chart(at, "P(class 1) on one colour scale")) == 3
    at.button(key="e_exact_again").click().run()  # and the button brings them back
    _ok(at)
    assert not any("Stopped" in i.value for i in at.info)
    assert sum(t["meta"] == "surface" for t in _chart(at, "P(class 1) on one colour scale")) == 5


@pytest.mark.parametrize("task, params, notice, again", [
    ("e_train", {"e_seed": "11"}, "Stopped: training the network after 100 of 500", "e_train_again"),
    ("e_conv", {"e_seed": "12", "e_tab": CONVERGENCE}, "Stopped: following the Monte Carlo sequences after 1 of 5",
     "e_conv_again"),
])
def test_stopping_the_training_or_the_convergence_and_starting_again(monkeypatch, task, params, notice, again):
    seen = []
    _stop_at_first_update(monkeypatch, task, seen)
    at = _run(**params)
    assert not at.exception and seen and seen[0][2]  # the Stop button was on the page while it ran
    assert any(notice in i.value for i in at.info), [i.value for i in at.info]
    assert at.number_input(key="e_seed").value == int(params["e_seed"])
    monkeypatch.undo()
    at.button(key=again).click().run()
    _ok(at)
    assert not any("Stopped" in i.value for i in at.info) and _charts(at)


def test_bad_link_values_give_notices_not_errors():
    at = _run(e_k="5000", e_data="banana", e_case="nonsense", e_tab=EXACT)
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    assert "e_k=5000" in notes and "e_data=banana" in notes and "e_case=nonsense" in notes
    assert at.slider(key="e_k").value == 20 and at.radio(key="e_case").value == "softmax regression"


def test_vote_table_from_the_link_and_its_notices():
    # A table with a row that does not sum to 1: the page says so and draws no chart, like an edit would.
    at = _run(e_tab=VOTING, e_votes="0.49,0.9;0.49,0.51;0.99,0.01")
    assert not at.exception
    assert "sum to 1.39" in " ".join(e.value for e in at.error)
    assert not at.get("plotly_chart")
    assert at.query_params["e_votes"] == "0.49,0.9;0.49,0.51;0.99,0.01"  # kept for the next copy of the link
    at.toggle(key="e_norm").set_value(True).run()
    assert not at.exception and not at.error
    bars = _chart(at, "3 models combined three ways")
    assert len(bars[0]["x"]) == 3
    # Four models from the link; the vote chart counts them.
    at = _run(e_tab=VOTING, e_votes="0.2,0.8;0.3,0.7;0.6,0.4;0.9,0.1")
    assert not at.exception and _chart(at, "4 models combined three ways")
    # A malformed table: a notice at the top, the default table, and the link cleaned of it.
    at = _run(e_tab=VOTING, e_votes="0.5;x")
    assert not at.exception
    assert "1 cells" in " ".join(w.value for w in at.warning)
    assert _chart(at, "3 models combined three ways")
    assert "e_votes" not in at.query_params


# --- the page in Chinese (?lang=中文): the same numbers, the explanations translated --------------------------

ZH = {"lang": "中文"}
CHART_KEYS = {PREDICTIONS: ["main_figure", "e_difference", "e_strip"], CONVERGENCE: ["main_figure", "e_conv_acc"],
              EXACT: ["main_figure", "e_case_diff"], VOTING: ["main_figure"],
              UNCERTAINTY: ["main_figure", "e_entropy"]}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _texts(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])


def _by_key(at) -> dict:
    """Chart widget key -> (title, traces' numbers): charts found by key, so in either language."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        key = max((k for keys in CHART_KEYS.values() for k in keys if el.proto.id.endswith(k)), key=len)
        out[key] = ((spec["layout"].get("title") or {}).get("text") or "", spec["data"])
    return out


def _numbers(at) -> dict:
    """What must not depend on the language: metric values, slider values and the charts' data."""
    def numeric(t):  # a bar chart's x holds its (translated) category names: leave those out
        named = isinstance(t.get("x"), list) and t["x"] and isinstance(t["x"][0], str)
        return {k: v for k, v in t.items() if k in ("y", "z") or (k == "x" and not named)}

    charts = {key: [numeric(t) for t in data] for key, (_, data) in _by_key(at).items()}
    return {"metrics": [m.value for m in at.metric], "sliders": [(s.key, s.value) for s in at.slider],
            "charts": charts}


@pytest.mark.parametrize("tab", ens_tabs)
def test_every_tab_runs_in_chinese_with_the_same_numbers(tab):
    en, zh = _run(e_tab=tab), _run(e_tab=tab, **ZH)
    _ok(zh)
    assert _has_chinese(_texts(zh)) and not _has_chinese(_texts(en))
    assert sorted(_by_key(zh)) == sorted(CHART_KEYS[tab])  # the tab ran, and drew its charts
    assert _numbers(zh) == _numbers(en)
    # Tab titles are the link's values, so they stay English; a caption says what each holds.
    assert [t.label for t in zh.tabs] == list(ens_tabs) and zh.query_params.get("e_tab", PREDICTIONS) == tab
    assert any("投票与平均" in c.value for c in zh.caption)
    titles = [t for t, _ in _by_key(zh).values()]
    assert all(_has_chinese(t) for t in titles if t), titles


def test_chinese_page_metrics_and_labels():
    zh = _run(**ZH)
    _ok(zh)
    assert zh.title[0].value == "集成平均与权重缩放网络的对比"
    assert "权重缩放推断规则" in zh.markdown[0].value
    assert _metric(zh, "子网络个数") == "2¹⁶ = 65,536"
    assert zh.slider(key="e_k").label == "蒙特卡洛：采样掩码个数 k"
    tv = _metric(zh, "平均总变差（网格）")
    assert tv == _metric(_run(), "Mean total variation, grid")
    zh.slider(key="e_k").set_value(300).run()
    _ok(zh)
    assert float(_metric(zh, "平均总变差（网格）")) < float(tv)  # more masks: closer to the exact mean
    assert zh.slider(key="e_k").value == 300 and zh.query_params["lang"] == "中文"


def test_chinese_exactness_and_voting_text():
    at = _run(e_tab=EXACT, e_case="network, both layers dropped", **ZH)
    _ok(at)
    texts = " ".join(m.value for m in at.markdown)
    assert "Jensen 不等式" in texts and "介于" in texts
    assert float(_metric(at, "最大 |P_geo − P_ws|")) > 1e-3
    at = _run(e_tab=VOTING, **ZH)
    _ok(at)
    title, data = _by_key(at)["main_figure"]
    assert title == "3 个模型的三种组合方式"
    assert [x.split("<b>")[1][:4] for x in data[0]["x"]] == ["类别 1", "类别 0", "类别 0"]  # same decisions
    at = _run(e_tab=VOTING, e_votes="0.5;x", **ZH)
    assert not at.exception and "改为显示默认表格" in " ".join(w.value for w in at.warning)


@pytest.mark.parametrize("tab", ens_tabs)
def test_chinese_page_shows_no_english_sentence_of_the_catalog(tab):
    # Tab titles are the link's values and stay English on purpose (a caption translates them).
    at = _run(e_tab=tab, e_case="network, both layers dropped", **ZH)
    _ok(at)
    assert not untranslated(at, "ensembles", allowed=ens.TABS)
    # The check can fail: the English page shows the catalog's sentences.
    assert untranslated(_run(e_tab=tab, e_case="network, both layers dropped"), "ensembles")
