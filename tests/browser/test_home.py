"""The home page in real Chromium: the keep slider and the resample button change the network diagram."""
from tests.browser.helpers import (assert_no_exception, click_button, open_page, plotly_json, screenshot,
                                   set_slider)


def test_home_keep_slider_and_resample(page, app_server):
    open_page(page, app_server)
    screenshot(page, "home")
    first = plotly_json(page, 0)
    set_slider(page, "Keep q for the hidden units", presses=6, key="ArrowLeft")  # 0.5 -> 0.2
    assert plotly_json(page, 0) != first
    assert "keep q = 0.2" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    after_keep = plotly_json(page, 0)
    click_button(page, "Sample a new mask")
    assert plotly_json(page, 0) != after_keep
    assert "draw=1" in page.url
    assert_no_exception(page)
    screenshot(page, "home-after")


def test_home_presenter_mode_from_link(page, app_server):
    open_page(page, f"{app_server}/?presenter=true&keep_hidden=0.3")
    assert page.get_by_role("switch", name="Presenter mode").is_checked()
    assert "keep q = 0.3" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    assert_no_exception(page)
    screenshot(page, "home-presenter")


def test_home_bad_link_values_give_notices(page, app_server):
    open_page(page, f"{app_server}/?keep_hidden=5&seed=abc")
    warnings = " ".join(page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts())
    assert "keep_hidden=5" in warnings and "seed=abc" in warnings
    # The defaults are used and the page still works.
    assert "keep q = 0.5" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    assert_no_exception(page)
