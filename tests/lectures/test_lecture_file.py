"""Lecture files: the shipped one parses; a syntax error names its line; schema errors name the step and field."""
import pytest

from dropout_viz import lectures

PAGES = {"app.py", "pages/1_Masks_and_subnetworks.py", "pages/2_Live_training.py"}

GOOD = """
id = "mine"
title_en = "Mine"
title_zh = "我的"

[[step]]
page = "app.py"
params = { keep_hidden = 0.3, seed = 7, t_live = true }
say_en = "First"
say_zh = "第一"
point_en = "There"
point_zh = "那里"

[[step]]
page = "pages/2_Live_training.py"
say_en = "Second"
say_zh = "第二"
point_en = "Here"
point_zh = "这里"
"""


def test_a_good_file_gives_its_steps_in_order_with_link_values():
    lec = lectures.parse(GOOD, PAGES)
    assert lec.id == "mine" and lec.title == {"en": "Mine", "zh": "我的"}
    assert [s.page for s in lec.steps] == ["app.py", "pages/2_Live_training.py"]
    assert lec.steps[0].params == (("keep_hidden", "0.3"), ("seed", "7"), ("t_live", "true"))
    assert lec.steps[1].params == ()
    assert lec.steps[0].say == {"en": "First", "zh": "第一"} and lec.steps[1].point["zh"] == "这里"
    assert lec.keys() == {"keep_hidden", "seed", "t_live"}
    assert lectures.parse(GOOD.encode("utf-8"), PAGES) == lec


def test_the_shipped_lecture_has_12_to_15_steps_over_the_pages_in_teaching_order():
    pages = {"app.py", *(f"pages/{n}" for n in (
        "1_Masks_and_subnetworks.py", "2_Live_training.py", "3_Ensemble_vs_weight_scaling.py",
        "4_Bagging_and_boosting.py", "5_Dropout_as_regularisation.py", "6_Inside_the_network.py",
        "7_Batch_norm_and_placement.py", "9_Uncertainty.py"))}
    lec = lectures.parse(lectures.built_in_text("intro"), pages)
    assert 12 <= len(lec.steps) <= 15
    order = [s.page for s in lec.steps]
    assert order[0] == "app.py" and order[-1] == "pages/9_Uncertainty.py"
    firsts = list(dict.fromkeys(order))
    assert firsts == sorted(firsts, key=lambda p: (p != "app.py", p)), "pages in teaching order"
    assert set(firsts) == pages
    assert dict(lec.steps[6].params) == {"e_tab": "When is it exact?"}


def test_a_syntax_error_names_its_line():
    bad = GOOD.replace('say_en = "Second"', 'say_en = "Second')
    line = GOOD.splitlines().index('say_en = "Second"') + 1
    with pytest.raises(lectures.LectureError, match=rf"line {line}\b"):
        lectures.parse(bad, PAGES)


def test_a_missing_field_names_the_step_and_the_field():
    bad = GOOD.replace('point_zh = "这里"\n', "")
    with pytest.raises(lectures.LectureError, match=r"^step 2: field point_zh"):
        lectures.parse(bad, PAGES)
    with pytest.raises(lectures.LectureError, match=r"^step 2: field page is missing"):
        lectures.parse(GOOD.replace('page = "pages/2_Live_training.py"\n', ""), PAGES)


def test_an_unknown_page_is_refused_naming_the_step():
    bad = GOOD.replace("pages/2_Live_training.py", "pages/8_Nowhere.py")
    with pytest.raises(lectures.LectureError, match=r"^step 2: field page names no page of the lab: pages/8_Nowhere"):
        lectures.parse(bad, PAGES)


@pytest.mark.parametrize("edit, message", [
    (('id = "mine"', 'id = "no spaces allowed"'), r"field id"),
    (('params = { keep_hidden', 'params = { lecture = "x", keep_hidden'), r"^step 1: field params"),
    (('t_live = true', 't_live = [1, 2]'), r"^step 1: field params\.t_live"),
    (('say_en = "First"', 'say_en = ""'), r"^step 1: field say_en"),
    (('say_en = "First"', 'sayen = "First"'), r"^step 1: unknown field sayen"),
])
def test_schema_errors_name_what_is_wrong(edit, message):
    with pytest.raises(lectures.LectureError, match=message):
        lectures.parse(GOOD.replace(*edit), PAGES)


def test_no_steps_and_non_utf8_are_refused():
    with pytest.raises(lectures.LectureError, match="steps"):
        lectures.parse('id = "a"\ntitle_en = "A"\ntitle_zh = "A"\n', PAGES)
    with pytest.raises(lectures.LectureError, match="UTF-8"):
        lectures.parse(b"\xff\xfe", PAGES)
    with pytest.raises(ValueError, match="lecture_id"):
        lectures.built_in_text("../etc")


def test_the_shipped_lecture_uses_keys_and_tab_titles_the_pages_have():
    """Each step's link keys (and text values such as tab titles) are written in the lab's page code."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    code = "\n".join(p.read_text(encoding="utf-8") for p in [root / "app.py", *root.glob("pages/*.py"),
                                                             *root.glob("dropout_viz/ui/*.py"),
                                                             *root.glob("dropout_viz/lessons/**/*.py")])
    lec = lectures.parse(lectures.built_in_text("intro"), {s for s in _pages_of_intro()})
    for n, step in enumerate(lec.steps, start=1):
        for key, value in step.params:
            assert f'"{key}"' in code, (n, key)
            if not value.replace(".", "").isdigit():
                assert f'"{value}"' in code, (n, key, value)


def _pages_of_intro():
    import tomllib
    return {s["page"] for s in tomllib.loads(lectures.built_in_text("intro"))["step"]}
