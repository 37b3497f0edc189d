"""The architectures page under AppTest: each tab's default view, its controls changing what it shows, the
training behind each button, and the Chinese page showing the same numbers."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest
from tests.app.i18n_check import untranslated

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "8_Sequences_and_depth.py")


def _run(**params):
    at = AppTest.from_file(PAGE, default_timeout=900)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _dropped(chart):
    return sum(len(t["x"]) for t in chart["data"] if t.get("meta") == "dropped")


def test_sequences_tab_diagram_follows_keep_and_the_button_trains_three_variants():
    at = _run()
    charts = _charts(at)
    assert len(charts) == 1
    text = " ".join(c.value for c in at.caption)
    assert "keep q = 0.75 (drop rate p = 0.25)" in text and "inverted dropout" in text
    low = _dropped(charts[0])
    at.slider(key="ar_seq_keep").set_value(0.3).run()
    assert not at.exception
    assert _dropped(_charts(at)[0]) > low  # a lower keep drops more of the 96 dots
    at.slider(key="ar_seq_seeds").set_value(1).run()
    at.button(key="ar_seq_run").click().run()
    assert not at.exception, at.exception
    curves = _charts(at)[1]
    assert len([t for t in curves["data"] if t.get("meta") == "mean"]) == 3
    assert len(_metrics(at)) == 3


def test_depth_tab_closed_forms_follow_the_controls():
    at = _run(ar_tab="Depth")
    m = _metrics(at)
    assert m["Expected depth Σ p_l"] == "5.750"  # linear, L = 8, p_L = 0.5: Σ (1 − l/16) = 8 − 36/16
    at.radio(key="ar_schedule").set_value("constant").run()
    m = _metrics(at)
    assert m["Expected depth Σ p_l"] == "4.000"
    assert m["Path through all L blocks survives"] == "0.0039"  # 0.5^8
    assert m["Paths alive, of 2^L = 256"] == "25.6"  # 1.5^8
    at.slider(key="ar_blocks").set_value(4).run()
    assert _metrics(at)["Paths alive, of 2^L = 16"] == "5.1"
    closed = [t for t in _charts(at)[0]["data"] if t.get("meta") == "closed"][0]
    assert len(closed["y"]) == 5


def test_depth_tab_sweep_runs_from_its_button():
    at = _run(ar_tab="Depth", ar_res_seeds="1")
    assert len(_charts(at)) == 1
    at.button(key="ar_res_run").click().run()
    assert not at.exception, at.exception
    assert len(_charts(at)) == 2
    assert any("Without stochastic depth (p_L = 1)" in m.value for m in at.markdown)


def test_chinese_page_shows_the_same_numbers():
    en = _metrics(_run(ar_tab="Depth"))
    zh_at = _run(ar_tab="Depth", lang="中文")
    zh = _metrics(zh_at)
    assert sorted(en.values()) == sorted(zh.values())
    assert "期望深度 Σ p_l" in zh
    assert "序列与深度" in zh_at.title[0].value
    seq = _run(lang="中文")
    text = " ".join(c.value for c in seq.caption)
    assert "保留概率 q = 0.75（丢弃率 p = 0.25）" in text
    for run in (zh_at, seq):  # no sentence of the catalog left in English (tab titles are link values)
        assert not [m for m in untranslated(run, "architectures") if m not in [t.label for t in run.tabs]]
