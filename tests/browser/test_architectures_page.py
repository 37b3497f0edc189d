"""The architectures page in real Chromium: it opens, a real slider move changes the figure, the depth tab's
closed forms follow their controls, and in presenter mode at 1920x1080 and at 1280x720 the main figure is on the first screen."""
import tests.browser.helpers as H
from tests.browser.helpers import open_page, plotly_count, plotly_json, screenshot, set_slider

PAGE = "/Sequences_and_depth"


def _dropped(page):
    return sum(len(t["x"]) for t in plotly_json(page, 0) if t.get("meta") == "dropped")


def test_keep_slider_changes_the_masks_in_the_diagram(page, app_server):
    open_page(page, f"{app_server}{PAGE}")
    assert plotly_count(page) == 1
    screenshot(page, "architectures-sequences")
    before = _dropped(page)
    assert set_slider(page, "Keep q on the recurrent connection", value=0.4) == 0.4
    assert _dropped(page) > before
    assert "ar_seq_keep=0.4" in page.url
    assert page.get_by_text("keep q = 0.4 (drop rate p = 0.6)").count() >= 1


def test_depth_tab_slider_moves_the_distribution(page, app_server):
    open_page(page, f"{app_server}{PAGE}?ar_tab=Depth")
    closed = [t for t in plotly_json(page, 0) if t.get("meta") == "closed"][0]["y"]
    set_slider(page, "Survival p_L of the last block", value=0.8)
    assert [t for t in plotly_json(page, 0) if t.get("meta") == "closed"][0]["y"] != closed
    assert page.get_by_text("7.100").count() >= 1  # Σ (1 − 0.2 l/8), l = 1..8 = 8 − 0.9
    screenshot(page, "architectures-depth")


def test_presenter_mode_puts_the_figure_on_the_first_screen(page, app_server):
    for tab in ("Sequences", "Depth"):
        H.main_figure_on_first_screen(page, f"{app_server}{PAGE}?presenter=true&ar_tab={tab}", f"architectures-{tab}")


def test_chinese_page_opens(page, app_server):
    open_page(page, f"{app_server}{PAGE}?lang=中文&ar_tab=Depth")
    assert page.get_by_text("序列与深度").count() >= 1
    assert plotly_count(page) == 1
    screenshot(page, "architectures-chinese")
