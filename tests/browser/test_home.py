"""The home page in real Chromium: the keep slider and the resample button change the network diagram."""
import re

from tests.browser.helpers import (assert_no_exception, click_button, open_page, plotly_json, screenshot,
                                   set_slider, wait_idle)


def test_home_keep_slider_and_resample(page, app_server):
    open_page(page, app_server)
    screenshot(page, "home")
    first = plotly_json(page, 0)
    set_slider(page, "Keep q for the hidden units", presses=6, key="ArrowLeft")  # 0.5 -> 0.2
    assert plotly_json(page, 0) != first
    assert "keep q = 0.2" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    # The slider and the network rerun alone (a fragment): the link still follows the slider, and the list of
    # pages below, which that run does not redraw, is still there.
    assert "keep_hidden=0.2" in page.url
    assert page.locator('[data-testid="stPageLink"]').count() >= 10
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


def _download_figure(page):
    """Click the first figure's camera button and return the downloaded file's name and bytes."""
    page.locator(".js-plotly-plot").first.hover()
    with page.expect_download() as info:
        page.locator(".js-plotly-plot").first.locator('.modebar-btn[data-title^="Download plot"]').click()
    download = info.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_figure_downloads_as_png_at_slide_resolution_and_as_svg(page, app_server):
    open_page(page, app_server)
    name, data = _download_figure(page)
    assert name.endswith(".png") and data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (3200, 1800)  # 1600 x 900 at scale 2
    page.get_by_text("SVG", exact=True).click()  # the sidebar's download format
    page.wait_for_url("**img=SVG*")
    wait_idle(page)
    name, data = _download_figure(page)
    assert name.endswith(".svg") and b"<svg" in data[:300]
    assert b"One thinned network" in data  # the figure itself, as vector text
    assert_no_exception(page)


def test_language_switch_and_link(page, app_server):
    open_page(page, app_server)
    page.get_by_text("中文", exact=True).click()
    page.wait_for_url("**lang=*")
    wait_idle(page)
    assert page.get_by_text("保留概率").count() >= 1 and page.get_by_text("trains a network while").count() == 0
    diagram = plotly_json(page, 0)
    # The link carries the language: a fresh visit shows the same page in Chinese, same figure.
    page.goto("about:blank")
    open_page(page, f"{app_server}/?lang=%E4%B8%AD%E6%96%87")
    assert page.get_by_role("radio", name="中文").is_checked()
    assert page.get_by_text("随机丢弃一些单元").count() == 1
    assert plotly_json(page, 0) == diagram
    assert_no_exception(page)
    screenshot(page, "home-chinese")
    # The sidebar's page list is in Chinese and its links keep the language.
    page.get_by_role("link", name="掩码与子网络").first.click()
    page.wait_for_url(re.compile(r"/Masks_and_subnetworks\?.*lang="))
    wait_idle(page)
    assert page.get_by_role("radio", name="中文").is_checked()
    assert page.get_by_role("link", name="首页").count() == 1
    assert_no_exception(page)
