"""The bagging page under AppTest: it runs, k re-averages without retraining, keep retrains, links are checked."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "4_Bagging_and_boosting.py")
FAST = {"bb_steps": "500"}  # short training keeps the test quick; the page logic is the same


def _run(**params):
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in {**FAST, **params}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _table(at, i=0):
    return at.dataframe[i].value


def test_default_page_shows_the_four_models_and_exact_decomposition():
    at = _run()
    bars = _charts(at)[0]["data"][0]
    assert bars["x"] == ["no dropout", "bagging, k = 8", "dropout", "dropout boosting"]
    table = _table(at)
    assert list(table["model"]) == bars["x"]
    params = [int(v.replace(",", "")) for v in table["parameters"]]
    assert params[1] == 8 * params[0] and params[2] == params[3] == params[0]
    assert table["predictors"][2] == "2⁶⁴"  # two droppable hidden layers of 32
    # The ambiguity identity holds to rounding on both kinds of members; the vote table does not.
    amb = _table(at, 1)
    assert all(abs(float(d)) < 1e-9 for d in amb["difference"])
    votes = _table(at, 2)
    assert list(votes["members"]) == ["8 bagged networks", "8 dropout subnetworks"]
    check = _table(at, 4)
    assert check["majority-vote error"][0] == "0.6000" and check["mean member error"][0] == "0.4000"


def test_k_reaverages_the_bagged_networks_only():
    at = _run()
    before = _table(at)
    at.slider(key="bb_k").set_value(3).run()
    assert not at.exception
    after = _table(at)
    assert after["model"][1] == "bagging, k = 3"
    assert after["memory"][1] != before["memory"][1]
    # Dropout and boosting are not retrained by k.
    assert list(after.iloc[2:]["test loss"]) == list(before.iloc[2:]["test loss"])
    at.slider(key="bb_k").set_value(1).run()
    assert not at.exception
    assert any("k ≥ 2" in i.value for i in at.info)


def test_keep_retrains_dropout_and_boosting():
    at = _run()
    before = _charts(at)
    at.slider(key="bb_keep").set_value(0.8).run()
    assert not at.exception
    after = _charts(at)
    assert after[0]["data"][0]["y"] != before[0]["data"][0]["y"] or after[2] != before[2]
    assert any("keep q = 0.8 (drop rate p = 0.2)" in c.value for c in at.caption)
    assert list(_table(at)["test loss"])[0] == list(_table(_run())["test loss"])[0]  # no dropout: unchanged


def test_bad_link_values_give_notices():
    at = _run(bb_k="99", bb_width="7")
    assert any("bb_k=99" in w.value for w in at.warning)
    assert any("bb_width=7" in w.value for w in at.warning)
    assert _table(at)["model"][1] == "bagging, k = 8"


def test_chinese_page_shows_the_same_numbers_in_chinese():
    en = _run()
    zh = _run(lang="中文")
    assert zh.title[0].value.startswith("装袋")
    assert zh.slider(key="bb_k").label == "参与平均的 Bagging 网络数 k"
    captions = " ".join(c.value for c in zh.caption)
    assert "保留概率 q = 0.5（丢弃率 p = 0.5）" in captions and "keep q" not in captions
    assert "测试误差" in _charts(zh)[0]["layout"]["title"]["text"]
    # Same results, Chinese column names: every cell of every table is the same as in English.
    assert len(zh.dataframe) == len(en.dataframe) == 5
    table = _table(zh)
    assert list(table.columns)[:3] == ["模型", "测试误差", "测试损失"]
    assert table.values.tolist() == _table(en).values.tolist()
    for i in (1, 2, 4):
        assert _table(zh, i)["成员"][0] in ("8 个 Bagging 网络", "三个投票者")
        assert _table(zh, i).values.tolist()[0][1:] == _table(en, i).values.tolist()[0][1:]
    assert _charts(zh)[0]["data"][0]["y"] == _charts(en)[0]["data"][0]["y"]
    # The k = 1 and keep q = 1 branches speak Chinese too.
    zh.slider(key="bb_k").set_value(1).run()
    assert not zh.exception
    assert any("k 设为 ≥ 2" in i.value for i in zh.info)
    zh.slider(key="bb_keep").set_value(1.0).run()
    assert not zh.exception
    assert any("没有任何单元被丢弃" in i.value for i in zh.info)


def test_stopping_the_training_leaves_a_notice_the_controls_and_a_way_back(monkeypatch):
    # The bar presses Stop after its second chunk, as a click during the run does: the Stop button's callback
    # runs, then the script reruns.
    import streamlit as st

    from dropout_viz.lessons.bagging import view as bag
    from dropout_viz.ui import progress

    real_bar, real_guarded, seen = progress.bar, progress.guarded, []

    def guarded(task, compute, **kw):  # remembers the Stop button's callback for the simulated click
        st.session_state["_bb_stop"] = kw
        return real_guarded(task, compute, **kw)

    def bar(*a, **k):
        report, clear = real_bar(*a, **k)

        def on_progress(done, total):
            report(done, total)
            seen.append((done, total, progress.stop_key(bag.TASK) in st.session_state))
            if done == 2:
                progress._stop(bag.TASK, st.session_state["_bb_stop"]["on_stop"], st.session_state["_bb_stop"]["args"])
                st.rerun()
        return on_progress, clear

    monkeypatch.setattr(progress, "bar", bar)
    monkeypatch.setattr(progress, "guarded", guarded)
    at = _run(bb_seed="3")
    assert [s[:2] for s in seen] == [(1, seen[0][1]), (2, seen[0][1])] and seen[0][1] > 2 and all(s[2] for s in seen)
    notice = " | ".join(i.value for i in at.info)
    assert "Stopped: training the networks after" in notice and not _charts(at)
    assert at.number_input(key="bb_seed").value == 3 and at.selectbox(key="bb_steps").value == 500
    monkeypatch.undo()
    at.slider(key="bb_k").set_value(4).run()  # a control that does not retrain: still stopped, no exception
    assert not at.exception and any("Stopped" in i.value for i in at.info)
    at.button(key="bb_train_again").click().run()
    assert not at.exception and not any("Stopped" in i.value for i in at.info)
    assert _charts(at)[0]["data"][0]["x"][1] == "bagging, k = 4"


def test_chinese_page_shows_no_untranslated_sentence():
    from tests.app.i18n_check import msgids, untranslated

    zh = _run(lang="中文")
    assert len(msgids("bagging")) > 20  # the check has something to find
    assert not untranslated(zh, "bagging")
    zh.slider(key="bb_k").set_value(1).run()  # the k = 1 branch
    assert not zh.exception and not untranslated(zh, "bagging")
    # The check is not blind: the English page shows the catalog's sentences.
    assert untranslated(_run(), "bagging")
