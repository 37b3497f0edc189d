"""The home page under AppTest: it runs, its keep sliders and resample button change what it shows."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.app.i18n_check import untranslated

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _run(**params):
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _diagram(at):
    return json.loads(at.get("plotly_chart")[0].proto.spec)["data"]


def test_home_runs_and_counts_subnetworks():
    at = _run()
    assert not at.exception
    # 2-8-8-2 with inputs and both hidden layers droppable: d = 2 + 8 + 8 = 18.
    assert at.metric[0].value == "2¹⁸ = 262,144"
    assert "CPU" in " ".join(c.value for c in at.caption)


def test_keep_one_removes_layers_from_the_count():
    at = _run()
    at.slider(key="keep_in").set_value(1.0).run()
    assert not at.exception
    assert at.metric[0].value == "2¹⁶ = 65,536"
    at.slider(key="keep_hidden").set_value(1.0).run()
    assert at.metric[0].value == "2⁰ = 1"
    assert "8/8 and 8/8 hidden units" in at.caption[0].value


def test_keep_slider_and_resample_change_the_diagram():
    at = _run()
    before = _diagram(at)
    at.slider(key="keep_hidden").set_value(0.2).run()
    after_keep = _diagram(at)
    assert after_keep != before
    at.button[0].click().run()
    assert not at.exception
    assert "Mask #1 of seed 0" in at.caption[0].value
    assert _diagram(at) != after_keep


def test_same_seed_and_draw_give_the_same_mask():
    a, b = _run(seed="3", draw="2"), _run(seed="3", draw="2")
    assert _diagram(a) == _diagram(b)
    assert "Mask #2 of seed 3" in a.caption[0].value
    assert _diagram(_run(seed="4", draw="2")) != _diagram(a)


def test_malformed_link_gives_a_notice_not_a_crash():
    at = _run(draw="banana")
    assert not at.exception
    assert any("draw=banana" in w.value for w in at.warning)
    assert "Mask #0" in at.caption[0].value


def test_a_page_run_on_its_own_links_home_by_address():
    """AppTest on a page file knows no other page: the sidebar's links fall back to the pages' addresses,
    still carrying the shared settings, instead of raising StreamlitPageNotFoundError."""
    page = Path(APP).parent / "pages" / "4_Bagging_and_boosting.py"
    at = AppTest.from_file(str(page), default_timeout=300)
    at.query_params["lang"] = "中文"
    at.run()
    assert not at.exception
    links = " ".join(m.value for m in at.sidebar.markdown)
    assert "[首页](/?lang=%E4%B8%AD%E6%96%87)" in links
    assert "(/Masks_and_subnetworks?lang=%E4%B8%AD%E6%96%87)" in links


def test_page_url_is_the_file_name_without_its_order_number():
    from dropout_viz.ui.nav import page_url

    assert page_url("app.py") == ""
    assert page_url("pages/1_Masks_and_subnetworks.py") == "Masks_and_subnetworks"
    assert page_url("pages/Notes.py") == "Notes"


def test_a_later_run_with_a_stale_url_value_gives_no_link_notice():
    """Two quick key presses on a slider: the second run can start with the first press's value in the URL and
    the second's in the widget. That is no rejected link value, so no notice (only the opened link is checked)."""
    at = _run()
    at.slider(key="keep_hidden").set_value(0.4)
    at.query_params["keep_hidden"] = "0.45"
    at.run()
    assert not at.exception
    assert not [w for w in at.warning if "keep_hidden" in w.value]
    # The link a page is opened with is still checked.
    assert any("keep_hidden=banana" in w.value for w in _run(keep_hidden="banana").warning)


def test_home_in_chinese_shows_no_english_sentence_and_the_same_numbers():
    en, zh = _run(seed="3", draw="2"), _run(seed="3", draw="2", lang="中文")
    assert not zh.exception
    assert not untranslated(zh, "home")
    assert zh.subheader[0].value == "随机丢弃一些单元" and zh.slider(key="keep_hidden").label == "隐藏单元的保留概率 q"
    assert [m.value for m in zh.metric] == [m.value for m in en.metric]
    def points(at):
        return [(t.get("x"), t.get("y")) for t in _diagram(at)]
    assert points(zh) == points(en)
    caption = zh.caption[0].value
    assert caption.startswith("种子 3 的第 2 号掩码") and "keep q" not in caption
