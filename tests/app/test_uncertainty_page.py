"""The uncertainty page under AppTest: each tab runs, its main controls change what it shows, and the Chinese page
shows the same numbers. Tabs run lazily: a test opens one with the u_tab link parameter."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest
from tests.app.i18n_check import untranslated

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "9_Uncertainty.py")
CALIBRATION, BAND, PARTS = "Calibration", "Where the band is wrong", "What the uncertainty is made of"


def _run(**params):
    at = AppTest.from_file(PAGE, default_timeout=900)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _ok(at):
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def _charts(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _markers(spec, meta):
    return [t["x"][0] for t in spec["data"] if t.get("meta") == meta]


def _table(at, i=0):
    return at.table[i].value


def test_calibration_tab_and_its_controls():
    at = _run()
    _ok(at)
    assert [t.label for t in at.tabs] == [CALIBRATION, BAND, PARTS]
    charts = _charts(at)
    assert len(charts) == 2  # lazy tabs: only the calibration figures
    assert set(_markers(charts[1], "k")) == {16} and set(_markers(charts[1], "m")) == {5}
    table = _table(at)
    assert list(table.iloc[:, 0]) == ["weight-scaled network", "MC dropout, k = M = 5", "MC dropout, k = 16",
                                      "deep ensemble, M = 5"]
    assert list(table["forward passes per point"]) == [1, 5, 16, 5]
    assert "ECE = " in charts[0]["layout"]["annotations"][0]["text"]
    # k and M pick among the masks and networks already trained: the markers and the table follow them.
    at.slider(key="u_k").set_value(40).run()
    at.slider(key="u_m").set_value(3).run()
    _ok(at)
    charts2 = _charts(at)
    assert set(_markers(charts2[1], "k")) == {40} and set(_markers(charts2[1], "m")) == {3}
    assert list(_table(at).iloc[:, 0])[1:] == ["MC dropout, k = M = 3", "MC dropout, k = 40", "deep ensemble, M = 3"]
    assert _table(at).iloc[0, 3:].tolist() == table.iloc[0, 3:].tolist()  # the weight-scaled row does not move
    # Fewer bins: a different diagram.
    at.slider(key="u_bins").set_value(5).run()
    assert sum(t.get("meta") == "accuracy" and len(t["x"]) <= 5 for t in _charts(at)[0]["data"]) == 3
    # The digits: ten classes, another network.
    at.radio(key="u_task").set_value("digits").run()
    _ok(at)
    assert any("64-64-10" in c.value for c in at.caption)


def test_chinese_page_shows_the_same_numbers():
    en, zh = _run(), _run(lang="中文")
    _ok(zh)
    assert zh.title[0].value == "如实衡量 dropout 给出的不确定性"
    assert zh.tabs[0].label == CALIBRATION  # tab titles are the link's values; a caption names them in Chinese
    assert any("校准" in c.value for c in zh.caption)
    assert _table(zh).iloc[:, 3:].values.tolist() == _table(en).iloc[:, 3:].values.tolist()
    assert list(_table(zh).columns)[0] == "预测方式"
    tabs = [t.label for t in zh.tabs]  # link values: they stay English, a caption names them in Chinese
    assert not [m for m in untranslated(zh, "uncertainty") if m not in tabs]


def test_band_tab():
    at = _run(u_tab=BAND)
    _ok(at)
    charts = _charts(at)
    assert len(charts) == 3
    assert sum(t.get("meta") == "band" for t in charts[0]["data"]) == 2
    rows = _table(at)
    assert len(rows) == 2 and "mean σ, gap" in rows.columns
    at.radio(key="u_n").set_value(400).run()
    _ok(at)
    assert _charts(at)[0]["data"] != charts[0]["data"]  # another training set, other networks


def test_decomposition_tab_checks_the_identity():
    at = _run(u_tab=PARTS)
    _ok(at)
    gap = next(m for m in at.metric if m.label.startswith("max |total"))
    assert float(gap.value) < 1e-5
    charts = _charts(at)
    assert len(charts) == 2 and sum(t.get("meta") == "surface" for t in charts[0]["data"]) == 3
    aurocs = _table(at)
    assert len(aurocs) == 5 and all(0.0 <= float(v.split(" ± ")[0]) <= 1.0 for v in aurocs["AUROC"])
    at.radio(key="u_split").set_value("ensemble").run()
    _ok(at)
    assert _charts(at)[0]["data"] != charts[0]["data"]


def test_a_bad_link_value_is_ignored_with_a_notice():
    at = _run(u_k="999", u_task="spiral")
    _ok(at)
    notices = [w.value for w in at.warning]
    assert any("u_k=999" in n for n in notices) and any("u_task=spiral" in n for n in notices)
    assert at.slider(key="u_k").value == 16
