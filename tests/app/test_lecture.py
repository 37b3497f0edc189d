"""The guided lecture under AppTest: a lecture link opens its step's page state; the bar's buttons move the step in
the link; a bad lecture file gets a message naming the line and the lecture in use stays."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def _open(**params):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _bar(at) -> str:
    return next(m.value for m in at.markdown if "Step " in m.value or "步" in m.value)


def test_a_lecture_link_opens_the_steps_page_with_its_parameters():
    at = _open(lecture="intro", step="2")
    assert at.query_params["step"] == "2" and at.query_params["draw"] == "3"
    assert at.number_input(key="seed").value == 0
    assert any("#3" in c.value for c in at.caption), "the home page shows mask #3"
    assert _bar(at).startswith("**Step 2 of 13**")
    at = _open(lecture="intro", step="7")  # opened on the home page: the step's page is another
    assert not at.exception
    assert at.query_params["e_tab"] == "When is it exact?" and at.query_params["step"] == "7"
    assert _bar(at).startswith("**Step 7 of 13**")


def test_the_buttons_move_the_step_in_the_link_and_keep_the_shared_settings():
    at = _open(lecture="intro", step="1", lang="中文", presenter="true")
    assert at.button(key="lecture_back").disabled
    at.button(key="lecture_next").click().run()
    assert not at.exception
    assert at.query_params["step"] == "2" and at.query_params["draw"] == "3"
    assert at.query_params["lang"] == "中文" and at.query_params["presenter"] == "true"
    assert _bar(at).startswith("**第 2 步，共 13 步**") and "一个掩码" in _bar(at), "the bar in Chinese"
    at.button(key="lecture_pagedown").click().run()
    assert at.query_params["step"] == "3" and at.query_params["m_tab"] == "All subnetworks"
    at.button(key="lecture_back").click().run()
    assert at.query_params["step"] == "2"
    at.button(key="lecture_pageup").click().run()
    assert at.query_params["step"] == "1" and "draw" not in at.query_params
    assert not at.exception


def test_a_bad_file_names_the_line_and_the_loaded_lecture_stays():
    at = _open()
    good = (ROOT / "dropout_viz/lectures/intro.toml").read_text(encoding="utf-8")
    mine = good.replace('id = "intro"', 'id = "mine"').replace("Dropout in one lecture", "My lecture")
    at.file_uploader(key="lecture_file").upload("mine.toml", mine.encode("utf-8")).run()
    assert not at.exception
    assert any("mine.toml" in s.value.replace("&#8288;", "").replace("&#46;", ".") for s in at.success)
    bad = mine.replace('title_zh = "一堂课讲清 dropout"', 'title_zh = "unclosed')
    at.file_uploader(key="lecture_file").upload("bad.toml", bad.encode("utf-8")).run()
    assert not at.exception
    assert at.error and "line 8" in at.error[0].value, [e.value for e in at.error]
    start = at.button(key="lecture_start_mine")  # the good one stays loaded
    start.click().run()
    assert at.query_params["lecture"] == "mine" and at.query_params["step"] == "1"
    assert "My lecture" in _bar(at)
    # A file whose step names no page: the message names the step and field.
    worse = mine.replace('page = "pages/4_Bagging_and_boosting.py"', 'page = "pages/4_Nowhere.py"')
    at.file_uploader(key="lecture_file").upload("worse.toml", worse.encode("utf-8")).run()
    assert at.error and "step 8" in at.error[0].value and "page" in at.error[0].value
    assert "My lecture" in _bar(at)


def test_a_link_to_an_unknown_lecture_or_step_gets_a_notice():
    at = _open(lecture="nope")
    assert any("nope" in w.value for w in at.warning)
    at = _open(lecture="intro", step="99")
    assert any("step=99" in w.value.replace("&#61;", "=") for w in at.warning) or at.warning
    assert at.query_params["step"] == "1"


def test_steps_on_the_same_page_set_its_bound_controls():
    two = """id = "two"
title_en = "Two"
title_zh = "二"
[[step]]
page = "app.py"
params = { keep_hidden = 0.3 }
say_en = "a"
say_zh = "a"
point_en = "a"
point_zh = "a"
[[step]]
page = "app.py"
params = { keep_hidden = 0.7 }
say_en = "b"
say_zh = "b"
point_en = "b"
point_zh = "b"
"""
    at = _open()
    at.file_uploader(key="lecture_file").upload("two.toml", two.encode("utf-8")).run()
    at.button(key="lecture_start_two").click().run()
    assert at.slider(key="keep_hidden").value == 0.3
    at.button(key="lecture_next").click().run()
    assert not at.exception
    assert at.slider(key="keep_hidden").value == 0.7 and at.query_params["keep_hidden"] == "0.7"
    at.slider(key="keep_hidden").set_value(0.9).run()  # the lecturer moves it by hand: the step stays
    assert at.query_params["step"] == "2" and at.slider(key="keep_hidden").value == 0.9
    at.button(key="lecture_back").click().run()
    assert at.slider(key="keep_hidden").value == 0.3 and at.query_params["step"] == "1"
