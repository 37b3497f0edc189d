"""The batch-norm page under AppTest: the default view trains and shows the shift, its controls change what it
shows, the sweeps run from their buttons, and the Chinese page shows the same numbers."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest
from tests.app.i18n_check import untranslated

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "7_Batch_norm_and_placement.py")


def _run(**params):
    at = AppTest.from_file(PAGE, default_timeout=900)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_default_view_shows_the_shift_and_the_keep_slider_moves_it():
    at = _run()
    m = _metrics(at)
    ratio = float(m["Var_test / running var, BN layer 1"])
    assert 0.2 < ratio < 0.8  # masks right before BN at keep 0.5: the running variance is far too large
    text = " ".join(c.value for c in at.caption)
    assert "keep q = 0.5 (drop rate p = 0.5)" in text and "inverted dropout" in text
    assert len(_charts(at)) == 3
    hist = _charts(at)[0]
    at.slider(key="bn_keep").set_value(0.9).run()
    assert not at.exception
    assert float(_metrics(at)["Var_test / running var, BN layer 1"]) > ratio
    at.slider(key="bn_unit").set_value(5).run()
    assert _charts(at)[0]["data"] != hist["data"]
    at.radio(key="bn_order").set_value("after_last").run()
    # No mask before any BN layer: its statistics are right at test time.
    assert abs(float(_metrics(at)["Var_test / running var, BN layer 1"]) - 1.0) < 0.05


def test_chinese_page_shows_the_same_numbers():
    en = _metrics(_run())
    zh_at = _run(lang="中文")
    zh = _metrics(zh_at)
    assert sorted(en.values()) == sorted(zh.values())
    assert any("方差" in label for label in zh)
    assert "Dropout 与批归一化" in zh_at.title[0].value
    text = " ".join(c.value for c in zh_at.caption) + " ".join(m.value for m in zh_at.markdown)
    assert "保留概率 q = 0.5（丢弃率 p = 0.5）" in text
    # No sentence of the lesson's catalog is left in English (tab titles are link values and stay English).
    tabs = [t.label for t in zh_at.tabs]
    assert not [m for m in untranslated(zh_at, "batch_norm") if m not in tabs]


def test_orders_tab_trains_every_variant_from_its_button():
    at = _run(bn_tab="Orders and fixes", bn_seeds="2")
    assert not _charts(at)
    at.button(key="bn_run_orders").click().run()
    assert not at.exception, at.exception
    bars = [t for t in _charts(at)[0]["data"] if t.get("meta") == "mean"]
    assert len(bars) == 2  # running statistics, and re-estimated ones
    assert len(at.table[0].value) == 6
    assert any("Re-estimating its BN statistics" in m.value for m in at.markdown)


def test_placement_tab_heatmap_marks_the_textbook_setting():
    at = _run(bn_tab="Where and how much", bn_task="moons", bn_pseeds="1")
    at.button(key="bn_run_heat").click().run()
    assert not at.exception, at.exception
    traces = _charts(at)[0]["data"]
    assert {t.get("meta") for t in traces} >= {"heatmap", "textbook", "best"}
    assert any("textbook's 0.8 / 0.5 gives" in m.value for m in at.markdown)


def test_a_sweep_can_be_stopped_and_started_again(monkeypatch):
    # The bar presses Stop after the first chunk, as a click during the run does: the Stop button's callback runs,
    # then the script reruns; the tab shows what was stopped, keeps its controls, and offers to train again.
    import streamlit as st

    from dropout_viz.ui import progress

    real_bar, real_guarded, seen = progress.bar, progress.guarded, []

    def guarded(task, compute, **kw):  # remembers the Stop button's callback for the simulated click
        st.session_state["_bn_stop"] = (task, kw)
        return real_guarded(task, compute, **kw)

    def bar(*a, **k):
        report, clear = real_bar(*a, **k)

        def on_progress(done, total):
            report(done, total)
            task, kw = st.session_state["_bn_stop"]
            seen.append((task, done, total, progress.stop_key(task) in st.session_state))
            if done == 1:
                progress._stop(task, kw["on_stop"], kw["args"])
                st.rerun()
        return on_progress, clear

    from dropout_viz.lessons.batch_norm import view as bn

    bn.orders_result.clear()  # an earlier test's sweep would be a cache hit here: no bar, nothing to stop
    monkeypatch.setattr(progress, "bar", bar)
    monkeypatch.setattr(progress, "guarded", guarded)
    at = _run(bn_tab="Orders and fixes", bn_seeds="2")
    at.button(key="bn_run_orders").click().run()
    assert not at.exception, at.exception
    assert seen and seen[0][:2] == ("bn_orders", 1) and seen[0][2] > 1 and seen[0][3]  # a Stop button was there
    assert any("Stopped: the training after 1 of" in i.value for i in at.info)
    assert not _charts(at) and at.slider(key="bn_seeds").value == 2
    assert at.button(key="bn_orders_again")  # the way back
