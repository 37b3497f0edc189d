"""The batch-norm page in real Chromium: it opens, a real slider move changes the figures, and in presenter mode
at 1920x1080 and at 1280x720 the main figure is on the first screen."""
import tests.browser.helpers as H
from tests.browser.helpers import open_page, plotly_count, plotly_json, screenshot, set_slider

PAGE = "/Batch_norm_and_placement"


def _hist_sds(page):
    """The histogram's legend names carry each mode's standard deviation."""
    return [t["name"] for t in plotly_json(page, 0) if t.get("meta") == "hist"]


def test_keep_slider_changes_the_shift(page, app_server):
    open_page(page, f"{app_server}{PAGE}")
    assert plotly_count(page) == 3
    screenshot(page, "batch-norm-default")
    before = _hist_sds(page)
    ratio_before = plotly_json(page, 1)
    assert set_slider(page, "Keep q of the dropout masks", value=0.8) == 0.8
    assert _hist_sds(page) != before
    assert plotly_json(page, 1) != ratio_before
    assert "bn_keep=0.8" in page.url
    assert page.get_by_text("keep q = 0.8 (drop rate p = 0.2)").count() >= 1
    screenshot(page, "batch-norm-keep08")


def test_presenter_mode_puts_the_figure_on_the_first_screen(page, app_server):
    H.main_figure_on_first_screen(page, f"{app_server}{PAGE}?presenter=true", "batch-norm")
    assert page.get_by_text("About this figure").count() == 1  # the derivation is folded, not gone


def test_chinese_page_opens_with_the_same_figures(page, app_server):
    open_page(page, f"{app_server}{PAGE}?lang=中文")
    assert page.get_by_text("Dropout 与批归一化").count() >= 1
    assert plotly_count(page) == 3
    set_slider(page, "dropout 掩码的保留概率 q", value=0.6)
    assert page.get_by_text("保留概率 q = 0.6（丢弃率 p = 0.4）").count() >= 1
    screenshot(page, "batch-norm-chinese")
