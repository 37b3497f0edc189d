"""The masks-and-subnetworks page in real Chromium: keep sliders, resample (button and key), play and pause."""
from tests.browser.helpers import (_runs, assert_no_exception, click_button, open_page, plotly_count, plotly_json,
                                   plotly_signature, screenshot, set_slider, wait_idle)

PATH = "/Masks_and_subnetworks"


def _diagram(page):
    """Traces of the first chart (the thinned network on the first tab, the step diagram on the last)."""
    return plotly_json(page, 0)


def test_keep_sliders_and_resample_change_the_diagram(page, app_server):
    open_page(page, app_server + PATH)
    screenshot(page, "masks-default")
    first = _diagram(page)
    set_slider(page, "Keep q, hidden 1", presses=6, key="ArrowLeft")  # 0.5 -> 0.2
    after_keep = _diagram(page)
    assert after_keep != first
    set_slider(page, "Keep q, input", value=1.0)
    assert "2¹²" in page.get_by_test_id("stMetricValue").first.inner_text()
    after_input = _diagram(page)
    click_button(page, "Sample a new mask")
    after_click = _diagram(page)
    assert after_click != after_input
    assert "m_draw=1" in page.url
    # The keyboard shortcut N draws the next mask too.
    page.locator("h1").first.click()
    runs = _runs(page)
    page.keyboard.press("n")
    wait_idle(page, runs_before=runs)
    assert _diagram(page) != after_click and "m_draw=2" in page.url
    assert_no_exception(page)
    screenshot(page, "masks-after")


def test_play_cycles_masks_and_pause_stops(page, app_server):
    open_page(page, app_server + PATH)
    start = _diagram(page)
    click_button(page, "▶ Play")
    page.wait_for_timeout(3500)  # one mask per second by default
    playing = _diagram(page)
    assert playing != start
    click_button(page, "⏸ Pause")
    paused = _diagram(page)
    page.wait_for_timeout(2500)
    assert _diagram(page) == paused
    assert_no_exception(page)


def test_other_tabs_and_presenter_mode(page, app_server):
    open_page(page, app_server + PATH + "?presenter=true")
    assert page.get_by_role("switch", name="Presenter mode").is_checked()
    screenshot(page, "masks-presenter")
    for tab, name in [("One minibatch", "masks-minibatch"), ("All subnetworks", "masks-gallery"),
                      ("One training step", "masks-step")]:
        runs = _runs(page)
        page.get_by_role("tab", name=tab).click()
        wait_idle(page, runs_before=runs)
        assert_no_exception(page)
        screenshot(page, name)
    before = plotly_signature(page)
    assert plotly_count(page) == 1
    click_button(page, "Next ▶")  # phase 2: forward and backward, with the gradient heatmaps
    assert plotly_count(page) == 2 and plotly_signature(page)[0] != before[0]
    screenshot(page, "masks-step-phase2")


def test_chinese_page_same_numbers_and_controls(page, app_server):
    """?lang=中文: the explanations in Chinese, the same numbers, the buttons and tabs still work."""
    open_page(page, app_server + PATH + "?lang=%E4%B8%AD%E6%96%87")
    assert page.locator("h1").first.inner_text().strip() == "掩码与子网络"
    assert page.get_by_test_id("stMetricValue").first.inner_text().strip() == "2¹⁴ = 16,384"
    screenshot(page, "masks-chinese")
    first = _diagram(page)
    click_button(page, "重新抽取掩码")
    assert _diagram(page) != first and "m_draw=1" in page.url
    runs = _runs(page)
    page.get_by_role("tab", name="One training step").click()  # tab titles stay English: they are link values
    wait_idle(page, runs_before=runs)
    assert_no_exception(page)
    click_button(page, "下一步 ▶")
    assert plotly_count(page) == 2 and page.get_by_text("恰好为 0").count() >= 1
    assert "m_tab=One+training+step" in page.url and "lang=" in page.url
    screenshot(page, "masks-chinese-step")
