"""The shared settings in real Chromium: presenter mode, language and download format go on, off and on again, also
after a link switched them on; a hostile link's notice holds no link out of the app."""
import re
from urllib.parse import urlparse

import pytest

from tests.browser.helpers import ROOT, assert_no_exception, open_page, plotly_count, wait_idle

PAGES = ["", "Bagging_and_boosting"]  # the home page and a page from pages/
PRESENTER = re.compile("^(Presenter mode|演示模式)$")  # the toggle's label follows the language


def _sidebar(page):
    """Unfold the sidebar if presenter mode folded it away; return it."""
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("switch", name=PRESENTER).wait_for(state="attached")
    return sidebar


def _healthy(page, step):
    assert_no_exception(page)
    assert page.locator('[data-testid="stException"]').count() == 0, step
    assert "StreamlitAPIException" not in page.locator('[data-testid="stApp"]').inner_text(), step
    # A Plotly chart, or the live view's canvas (Live training draws no Plotly chart at first).
    figures = page.locator('[data-testid="stPlotlyChart"], [data-testid="stMain"] canvas')
    assert plotly_count(page) + page.locator('[data-testid="stMain"] canvas').count() >= 1, step
    assert figures.first.is_visible(), step


def _click(page, text, step):
    _sidebar(page).get_by_text(text, exact=True).click()
    wait_idle(page)
    _healthy(page, step)


def _presenter(page, on, step):
    _sidebar(page).get_by_text(PRESENTER).click()
    wait_idle(page)
    _healthy(page, step)
    assert _sidebar(page).get_by_role("switch", name=PRESENTER).is_checked() == on, step


@pytest.mark.parametrize("path", PAGES)
def test_settings_go_on_off_and_on_again(page, app_server, path):
    open_page(page, f"{app_server}/{path}")
    _healthy(page, "opened")
    for on in (True, False, True, False):
        _presenter(page, on, f"presenter -> {on}")
    for lang in ("中文", "English", "中文", "English"):
        _click(page, lang, f"lang -> {lang}")
        assert _sidebar(page).get_by_role("radio", name=lang).is_checked()
    for fmt in ("SVG", "PNG", "SVG", "PNG"):
        _click(page, fmt, f"img -> {fmt}")
        assert _sidebar(page).get_by_role("radio", name=fmt).is_checked()


@pytest.mark.parametrize("path", PAGES)
def test_link_with_every_setting_on_then_all_off(page, app_server, path):
    open_page(page, f"{app_server}/{path}?presenter=true&lang=%E4%B8%AD%E6%96%87&img=SVG")
    _healthy(page, "opened from the link")
    assert _sidebar(page).get_by_role("switch", name=PRESENTER).is_checked()
    _presenter(page, False, "presenter off after the link")
    _click(page, "English", "lang off after the link")
    _click(page, "PNG", "img off after the link")
    assert "presenter=" not in page.url and "lang=" not in page.url and "img=" not in page.url
    # On again, then to another page: the settings follow, and can be switched off there.
    _presenter(page, True, "presenter on again")
    other = "Masks_and_subnetworks" if path else "Bagging_and_boosting"
    _sidebar(page).get_by_role("link").filter(has_text="Masks" if path else "Bagging").first.click()
    page.wait_for_url(f"**/{other}*")
    wait_idle(page)
    _healthy(page, "after changing page")
    assert _sidebar(page).get_by_role("switch", name=PRESENTER).is_checked()
    _presenter(page, False, "presenter off on the other page")


# Every page there is, at its address.
ALL_PAGES = ["", *(p.stem.partition("_")[2] for p in sorted((ROOT / "pages").glob("[0-9]_*.py")))]


@pytest.mark.parametrize("path", ALL_PAGES)
def test_hostile_link_notice_holds_no_outside_link(page, app_server, path):
    evil = "x%60%20%5BLog%20in%5D(https://evil.example/login)%20%60y"
    html_link = "%3Ca%20href%3Dhttps://evil.example%3Ex%3C/a%3E"
    seed = "bb_seed" if path == "Bagging_and_boosting" else "presenter"  # a control's value, quoted back
    open_page(page, f"{app_server}/{path}?lang={evil}&img={html_link}&me%40evil.example=1"
                    f"&{seed}=www.evil.example")
    _healthy(page, "hostile link")
    notices = page.locator('[data-testid="stAlertContentWarning"]')
    assert notices.count() >= 4
    app_host = urlparse(app_server).netloc
    for i in range(notices.count()):
        box = notices.nth(i)
        text = box.inner_text()
        assert len(text) < 200, text
        assert "Log in" in text or "evil" in text  # the value is quoted, as plain text
        for link in box.locator("a").all():
            href = link.get_attribute("href") or ""
            assert not href or urlparse(href).netloc in ("", app_host), href
        # Nothing in the value became a link, code, an image or any other element: the notice is plain text.
        assert box.locator("a, code, img, iframe, script, strong, em").count() == 0, box.inner_html()
