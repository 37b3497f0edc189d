"""The regularisation page under AppTest: every tab runs, its controls change what it shows, checks agree."""
import base64
import json
from pathlib import Path

import numpy as np

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "5_Dropout_as_regularisation.py")


def _run(tab=None, **params):
    at = AppTest.from_file(PAGE, default_timeout=300)
    if tab:
        at.query_params["rg_tab"] = tab
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _array(v) -> np.ndarray:
    """A Plotly JSON array: a list, or plotly.py's base64 typed array {dtype, bdata, shape}."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v, dtype=float)


def _metrics(at):
    return {m.label: m for m in at.metric}


def test_linear_regression_closed_form_enumeration_and_sampling_agree():
    at = _run(rg_samples="100000")
    m = _metrics(at)
    closed = float(m["Closed form"].value)
    assert float(m["All 2⁵ masks enumerated"].value) == closed
    mc = m["Monte Carlo"]
    assert "100,000 samples" in mc.help
    two_se = float(mc.delta.split("2 SE = ")[1].rstrip(")"))
    assert abs(float(mc.value) - closed) <= 2 * two_se  # within 4 standard errors
    table = at.dataframe[0].value
    assert len(table) == 5
    assert all(abs(float(d)) < 0.05 for d in table["trained − ridge"])


def test_keep_and_form_change_the_linear_tab():
    at = _run()
    closed = _metrics(at)["Closed form"].value
    charts = _charts(at)
    at.slider(key="rg_keep").set_value(0.8).run()
    assert not at.exception
    assert _metrics(at)["Closed form"].value != closed
    assert _charts(at)[0] != charts[0]
    inverted = _metrics(at)["Closed form"].value
    at.radio(key="rg_form").set_value("standard").run()
    assert not at.exception
    assert any("standard (kept inputs unscaled)" in md.value for md in at.markdown)
    assert _metrics(at)["Closed form"].value != inverted
    assert float(_metrics(at)["All 2⁵ masks enumerated"].value) == float(_metrics(at)["Closed form"].value)


def test_keep_one_shows_a_zero_penalty_instead_of_crashing():
    for at in (_run("Linear regression", rg_keep="1.0"), _run(rg_form="standard", rg_keep="1.0")):
        assert not at.error
        assert any("every penalty coefficient cⱼ is exactly 0" in i.value for i in at.info)
        (coef,) = [c for c in _charts(at) if "penalty coefficient" in c["layout"]["title"]["text"]]
        assert coef["layout"]["yaxis"].get("type") == "linear"
        assert not _array(coef["data"][0]["y"]).any()  # every cⱼ is 0
    at = _run()
    assert not at.info
    at.slider(key="rg_keep").set_value(1.0).run()  # the slider's right end
    assert not at.exception and not at.error and at.info
    at.slider(key="rg_keep").set_value(0.5).run()  # and back: the log axis returns
    assert not at.exception and not at.info
    (coef,) = [c for c in _charts(at) if "penalty coefficient" in c["layout"]["title"]["text"]]
    assert coef["layout"]["yaxis"]["type"] == "log"


def test_bias_variance_tab_checks_each_part():
    at = _run("Bias and variance")
    rows = at.dataframe[0].value
    assert list(rows["quantity"]) == ["bias²", "variance", "noise", "MSE"]
    closed = [float(v) for v in rows["closed form"]]
    assert closed[0] == 0.0  # inverted dropout is unbiased
    assert closed[3] == round(sum(closed[:3]), 4)
    before = _charts(at)[0]
    at.radio(key="rg_form").set_value("standard").run()
    rows = at.dataframe[0].value
    assert float(rows["closed form"][0]) > 0  # standard dropout without rescaling is biased
    at.slider(key="rg_noise").set_value(1.0).run()
    assert not at.exception
    assert float(at.dataframe[0].value["closed form"][2]) == 1.0  # noise = sigma^2
    assert _charts(at)[0] != before


def test_rivals_tab_runs_and_l2_changes_the_result():
    at = _run("Rival regularisers", rg_steps="1000")
    table = at.dataframe[0].value
    assert len(table) == 7 and table["regulariser"][4] == "early stopping"
    bars = _charts(at)[0]["data"][0]
    at.selectbox(key="rg_l2").set_value(0.1).run()
    assert not at.exception
    after = at.dataframe[0].value
    assert after["regulariser"][2] == "L2 λ = 0.1"
    assert float(after["weight std"][2]) < float(table["weight std"][2])
    assert list(after["test loss"])[:2] == list(table["test loss"])[:2]  # the others do not depend on λ₂
    assert _charts(at)[0]["data"][0]["x"] != bars["x"]


def test_noise_tab_runs_and_ratios_check():
    at = _run("Noise variants", rg_noise_steps="1000")
    table = at.dataframe[0].value
    assert len(table) == 5
    for i in (1, 2, 4):
        assert abs(float(table["sampled − closed"][i])) < 0.1
    assert float(table["rms h, end"][4]) > float(table["rms h, end"][1])  # additive noise is outgrown


def test_bad_link_values_give_notices():
    at = _run(rg_keep="2", rg_samples="7")
    assert any("rg_keep=2" in w.value for w in at.warning)
    assert any("rg_samples=7" in w.value for w in at.warning)


def _chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_tab_runs_in_chinese_with_the_numbers_of_the_english_page():
    fast = {"rg_steps": "1000", "rg_noise_steps": "1000"}
    heads = {"Linear regression": "**线性回归。**", "Bias and variance": "**偏差与方差。**",
             "Rival regularisers": "**与其他正则化方法比较。**", "Noise variants": "**噪声的变体。**"}
    for tab, head in heads.items():
        en = _run(tab, **fast)
        zh = _run(tab, lang="中文", **fast)
        assert zh.title[0].value == "作为正则化的 dropout"
        assert any(md.value.startswith(head) for md in zh.markdown), tab
        assert zh.slider(key="rg_keep").label == "保留概率 q"
        assert "keep q" not in " ".join(c.value for c in zh.caption)
        # The same cells (numbers, model names) under Chinese column names.
        table, table_en = zh.dataframe[0].value, en.dataframe[0].value
        assert any(_chinese(c) for c in table.columns) and len(table.columns) == len(table_en.columns)
        if tab == "Bias and variance":
            assert list(table["量"]) == ["偏差²", "方差", "噪声", "均方误差"]
            assert table.values[:, 1:].tolist() == table_en.values[:, 1:].tolist()
        else:
            assert table.values.tolist() == table_en.values.tolist()
        assert [m.value for m in zh.metric] == [m.value for m in en.metric]
        assert len(_charts(zh)) == len(_charts(en))
        for c_zh, c_en in zip(_charts(zh), _charts(en)):
            assert [t.get("y") for t in c_zh["data"]] == [t.get("y") for t in c_en["data"]]
    m = _metrics(zh := _run(lang="中文"))
    assert "闭式解" in m and "蒙特卡洛" in m
    zh.radio(key="rg_form").set_value("standard").run()
    assert not zh.exception
    assert any("标准（保留的输入不缩放）" in md.value for md in zh.markdown)


def test_stopping_the_rival_regularisers_leaves_a_notice_the_controls_and_a_way_back(monkeypatch):
    # The bar presses Stop after its first chunk, as a click during the run does: the Stop button's callback
    # runs, then the script reruns.
    import streamlit as st

    from dropout_viz.ui import progress

    real_bar, real_guarded, seen = progress.bar, progress.guarded, []

    def guarded(task, compute, **kw):  # remembers the Stop button's callback for the simulated click
        st.session_state["_rg_stop"] = (task, kw)
        return real_guarded(task, compute, **kw)

    def bar(*a, **k):
        report, clear = real_bar(*a, **k)

        def on_progress(done, total):
            report(done, total)
            task, kw = st.session_state["_rg_stop"]
            seen.append((done, total, progress.stop_key(task) in st.session_state))
            if done == 1:
                progress._stop(task, kw["on_stop"], kw["args"])
                st.rerun()
        return on_progress, clear

    monkeypatch.setattr(progress, "bar", bar)
    monkeypatch.setattr(progress, "guarded", guarded)
    at = _run("Rival regularisers", rg_steps="1000", rg_seed="4")
    assert seen == [(1, 20, True)]
    notice = " | ".join(i.value for i in at.info)
    assert "Stopped: training one network per regulariser after 50 of 1,000" in notice and not _charts(at)
    assert at.selectbox(key="rg_steps").value == 1000 and at.number_input(key="rg_seed").value == 4
    monkeypatch.undo()
    at.button(key="rg_rivals_again").click().run()
    assert not at.exception and not any("Stopped" in i.value for i in at.info) and _charts(at)


def test_chinese_page_shows_no_untranslated_sentence():
    from tests.app.i18n_check import msgids, untranslated

    assert len(msgids("regularisation")) > 40  # the check has something to find
    fast = {"rg_steps": "1000", "rg_noise_steps": "1000"}
    for tab in ("Linear regression", "Bias and variance", "Rival regularisers", "Noise variants"):
        zh = _run(tab, lang="中文", **fast)
        assert not untranslated(zh, "regularisation"), tab
    zh = _run(lang="中文", rg_form="standard", rg_keep="1.0")  # the standard-form and keep = 1 sentences
    assert not untranslated(zh, "regularisation")
    # The check is not blind: the English page shows the catalog's sentences.
    assert untranslated(_run(), "regularisation")
