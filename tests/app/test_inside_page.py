"""The "Inside the network" page under AppTest: each experiment runs and its main controls change what it shows."""
import json
from pathlib import Path

import base64

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dropout_viz.lessons.inside import view as inside_page
from tests.app.i18n_check import untranslated

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "6_Inside_the_network.py")


def _run(tab=None, **params):
    at = AppTest.from_file(PAGE, default_timeout=240)
    if tab:
        at.query_params["in_tab"] = tab
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _array(value):
    """A Plotly array from figure JSON: a list, or plotly.py's base64 {dtype, bdata} form."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, float)


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _table(at, i):
    return at.dataframe[i].value


def test_co_adaptation_runs_and_dropout_survives_ablation_better():
    at = _run()
    charts = _charts(at)
    assert len(charts) == 1 and "switched off" in charts[0]["layout"]["title"]["text"]
    m = _metrics(at)
    # The page's claim on its default setting: with half the hidden units gone, the dropout net keeps more accuracy.
    assert float(m["Dropout, half off"].rstrip("%")) > float(m["No dropout, half off"].rstrip("%")) + 10
    assert "keep q = 0.5 (drop rate p = 0.5)" in " ".join(c.value for c in at.caption)
    before = charts[0]["data"]
    at.slider(key="in_keep").set_value(0.8).run()
    assert not at.exception
    assert _charts(at)[0]["data"] != before
    assert any("keep q = 0.8" in t.get("name", "") for t in _charts(at)[0]["data"])
    at.selectbox(key="in_orders").set_value(5).run()
    assert "Each of 5 random orders" in " ".join(c.value for c in at.caption)


def test_flat_minima_shares_the_trained_pair_and_its_controls_change_the_curves():
    at = _run("Flat minima")
    charts = _charts(at)
    assert len(charts) == 1
    m = _metrics(at)
    assert float(m["Dropout: loss climbs by"]) < float(m["No dropout: loss climbs by"])
    before = charts[0]["data"]
    at.radio(key="in_split").set_value("test").run()
    assert not at.exception
    assert _charts(at)[0]["data"] != before
    assert "test set" in _charts(at)[0]["layout"]["yaxis"]["title"]["text"]
    at.slider(key="in_tmax").set_value(0.5).run()
    xs = _array([t for t in _charts(at)[0]["data"] if t.get("meta") == "line"][0]["x"])
    assert min(xs) == pytest.approx(-0.5) and max(xs) == pytest.approx(0.5)


def test_paths_tables_show_closed_form_sampled_and_difference():
    at = _run("Paths")
    charts = _charts(at)
    assert len(charts) == 1
    one, anyp = _table(at, 0), _table(at, 1)
    assert list(one.columns) == ["L", "closed form", "sampled", "sampled − closed"]
    assert one["closed form"].tolist()[:3] == ["0.5000", "0.2500", "0.1250"]  # q^L with q = 0.5, inputs kept
    assert anyp["closed form"].iloc[0] == f"{1 - 0.5**4:.4f}"  # n = 4: 1 - (1 - q)^n
    diffs = [float(v) for v in one["sampled − closed"]]
    assert max(abs(v) for v in diffs) < 0.02
    before = charts[0]["data"]
    at.slider(key="in_path_width").set_value(8).run()
    assert _table(at, 1)["closed form"].iloc[0] == f"{1 - 0.5**8:.4f}"
    assert _charts(at)[0]["data"] != before
    at.slider(key="in_keep_in").set_value(0.8).run()
    assert _table(at, 0)["closed form"].iloc[0] == "0.4000"  # q_in q^1
    at.slider(key="in_depth").set_value(4).run()
    assert len(_table(at, 0)) == 4


def test_jensen_gap_table_matches_closed_form_and_switches_convention():
    at = _run("Jensen's gap")
    charts = _charts(at)
    assert len(charts) == 3
    rows = _table(at, 0).set_index("quantity")
    assert abs(float(rows.loc["gap for z²", "exact − closed"])) < 1e-9
    assert rows.loc["gap for z²", "closed form"] == rows.loc["Var z", "closed form"]
    assert float(rows.loc["gap for ReLU", rows.columns[2]]) >= 0
    assert "frac{1-q}{q}" in " ".join(l.proto.body for l in at.latex)
    at.radio(key="in_kind").set_value("standard").run()
    assert not at.exception
    assert "q(1-q)" in " ".join(l.proto.body for l in at.latex)
    standard = _table(at, 0).set_index("quantity")
    assert standard.loc["Var z", "closed form"] != rows.loc["Var z", "closed form"]
    at.slider(key="in_d").set_value(3).run()
    assert "All 8 subnetworks" in _charts(at)[0]["layout"]["title"]["text"]
    gap_sq = _table(at, 0).set_index("quantity").loc["gap for z²", "closed form"]
    at.slider(key="in_bias").set_value(1.5).run()
    assert _table(at, 0).set_index("quantity").loc["gap for z²", "closed form"] == gap_sq  # z² gap ignores b


def test_bad_link_values_give_notices_and_library_errors_show_as_messages(monkeypatch):
    at = _run("Jensen's gap", in_d="40", in_keep="0")
    assert any("in_d=40" in w.value for w in at.warning)
    assert any("in_keep=0" in w.value for w in at.warning)

    def refuse(*args, **kwargs):
        raise ValueError("k must be an integer in [1, 1000000], got 0")

    monkeypatch.setattr(inside_page, "jensen", refuse)
    at = _run("Jensen's gap")
    assert [e.value for e in at.error] == ["k must be an integer in [1, 1000000], got 0"]
    assert at.slider(key="in_d").value == 6  # the controls are still there


def test_every_tab_runs_in_chinese_with_the_numbers_of_the_english_page():
    heads = {"Co-adaptation": "**协同适应。**", "Paths": "**路径。**", "Jensen's gap": "**Jensen 差距。**",
             "Flat minima": "**平坦极小值。**"}
    for tab, head in heads.items():
        en = _run(tab)
        zh = _run(tab, lang="中文")
        assert zh.title[0].value == "网络内部"
        assert any(md.value.startswith(head) for md in zh.markdown), tab
        assert zh.slider(key="in_keep").label == "隐藏单元的保留概率 q"
        assert "keep q" not in " ".join(c.value for c in zh.caption)
        # The same numbers: metrics, every table cell and every plotted value.
        assert [m.value for m in zh.metric] == [m.value for m in en.metric]
        assert len(zh.dataframe) == len(en.dataframe)
        for t_zh, t_en in zip(zh.dataframe, en.dataframe):
            assert t_zh.value.shape == t_en.value.shape
            assert t_zh.value.iloc[:, 1:].values.tolist() == t_en.value.iloc[:, 1:].values.tolist()
        charts, charts_en = _charts(zh), _charts(en)
        assert len(charts) == len(charts_en) >= 1
        for c_zh, c_en in zip(charts, charts_en):
            assert [t.get("y") for t in c_zh["data"]] == [t.get("y") for t in c_en["data"]]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in c_zh["layout"]["title"]["text"])
    assert "无 dropout，关掉一半" in _metrics(_run(lang="中文"))
    rows = _table(zh := _run("Jensen's gap", lang="中文"), 0).set_index("量")
    assert abs(float(rows.loc["z² 的差距", "精确 − 闭式解"])) < 1e-9
    zh.radio(key="in_kind").set_value("standard").run()
    assert not zh.exception
    assert "q(1-q)" in " ".join(l.proto.body for l in zh.latex)
    assert any("标准 dropout" in c.value for c in zh.caption)


@pytest.mark.parametrize("tab", inside_page.TABS)
def test_the_chinese_page_shows_no_english_sentence_of_the_catalog(tab):
    at = _run(tab, lang="中文")
    assert not untranslated(at, "inside"), tab
    # The figures' own words are translated too (the Jensen picture's legend and axis).
    names = [t.get("name", "") for c in _charts(at) for t in c["data"]]
    assert "no dropout" not in names and "one subnetwork (area ∝ probability)" not in names


def test_stopping_the_training_leaves_a_notice_the_controls_and_a_way_back(monkeypatch):
    # The bar presses Stop after its first chunk, as a click during the run does: the Stop button's callback
    # runs, then the script reruns.
    import streamlit as st

    from dropout_viz.ui import progress

    real_bar, real_guarded, seen = progress.bar, progress.guarded, []

    def guarded(task, compute, **kw):  # remembers the Stop button's callback for the simulated click
        st.session_state["_in_stop"] = kw
        return real_guarded(task, compute, **kw)

    def bar(*a, **k):
        report, clear = real_bar(*a, **k)

        def on_progress(done, total):
            report(done, total)
            seen.append((done, total, progress.stop_key(inside_page.TRAIN_TASK) in st.session_state))
            if done == 1:
                stop = st.session_state["_in_stop"]
                progress._stop(inside_page.TRAIN_TASK, stop["on_stop"], stop["args"])
                st.rerun()
        return on_progress, clear

    monkeypatch.setattr(progress, "bar", bar)
    monkeypatch.setattr(progress, "guarded", guarded)
    at = _run(in_steps="500", in_seed="5")
    assert seen == [(1, 5, True)]
    notice = " | ".join(i.value for i in at.info)
    assert "Stopped: training the two networks after 100 of 500" in notice and not _charts(at)
    assert at.selectbox(key="in_steps").value == 500 and at.number_input(key="in_seed").value == 5
    monkeypatch.undo()
    at.selectbox(key="in_orders").set_value(5).run()  # a control that does not retrain: still stopped
    assert not at.exception and any("Stopped" in i.value for i in at.info) and not _charts(at)
    at.button(key="in_train_again").click().run()
    assert not at.exception and not any("Stopped" in i.value for i in at.info)
    assert len(_charts(at)) == 1
