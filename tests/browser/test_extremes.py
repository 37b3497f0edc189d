"""Every page in real Chromium: opened from a link with every shared setting on (presenter mode, 中文, SVG), each
setting switched off and on again in the sidebar; every slider of the opening view moved to both ends with the
keyboard (Home, End) and back. After every step: no exception box and a drawn figure (a Plotly chart, or the live
view's canvas on Live training)."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.app.test_extremes import CHEAP
from tests.browser.helpers import ROOT, assert_no_exception, open_page, set_slider, wait_idle
from tests.browser.test_settings_and_links import PRESENTER, _sidebar

# Every page file there is, at its address (the number that orders the page list is not part of it).
PAGES = ["", *(p.stem.partition("_")[2] for p in sorted((ROOT / "pages").glob("[0-9]_*.py")))]
# (link parameter, its value in the link, the sidebar's label to click for off, and for on again)
SETTINGS = [("lang", "%E4%B8%AD%E6%96%87", "English", "中文"), ("img", "SVG", "PNG", "SVG")]


def _drawn(page, step):
    """No exception box, and at least one figure drawn and visible."""
    assert_no_exception(page)
    assert "StreamlitAPIException" not in page.locator('[data-testid="stApp"]').inner_text(), step
    charts = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')
    live = page.locator('[data-testid="stMain"] canvas')  # Live training draws its view on a canvas
    assert charts.count() + live.count() >= 1, (step, "no figure drawn")
    first = charts.first if charts.count() else live.first
    assert first.is_visible(), (step, "the figure is not visible")


def _click(page, text, step):
    _sidebar(page).get_by_text(text, exact=True).click()
    wait_idle(page)
    _drawn(page, step)


def _presenter(page, on, step):
    _sidebar(page).get_by_text(PRESENTER).click()
    wait_idle(page)
    _drawn(page, step)
    assert _sidebar(page).get_by_role("switch", name=PRESENTER).is_checked() == on, step


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_settings_from_a_link_go_off_and_on_again(page, app_server, path):
    """One link switches all three settings on; each goes off and on again in the sidebar."""
    open_page(page, f"{app_server}/{path}?presenter=true&{'&'.join(f'{k}={v}' for k, v, _, _ in SETTINGS)}")
    _drawn(page, "opened with every setting on")
    _presenter(page, False, "presenter off after the link")
    _presenter(page, True, "presenter on again")
    for key, _value, off, on in SETTINGS:
        _click(page, off, f"{key} off after the link")
        assert f"{key}=" not in page.url, (key, page.url)
        _click(page, on, f"{key} on again")
        assert _sidebar(page).get_by_role("radio", name=on).is_checked(), key


def _sliders(page):
    """(label, kind) of each slider in the page's main area, in page order."""
    out = []
    for box in page.locator('[data-testid="stMain"] [data-testid="stSlider"]').all():
        group = box.locator('[role="group"]').first
        out.append(group.get_attribute("aria-label") or "")
    return out


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p or "home")
def test_every_slider_reaches_both_ends_with_the_keyboard_and_comes_back(page, app_server, path):
    cheap = urlencode(CHEAP.get(path, {}))  # the page's shortest training, as in the AppTest sweep
    open_page(page, f"{app_server}/{path}{'?' + cheap if cheap else ''}")
    _drawn(page, "opened")
    labels = _sliders(page)
    assert labels, "no slider on the opening view"
    for label in labels:
        thumb = page.locator('[data-testid="stMain"] [data-testid="stSlider"]').filter(
            has=page.locator(f'[role="group"][aria-label={json.dumps(label, ensure_ascii=False)}]')
        ).locator('input[type="range"]').first
        start = float(thumb.input_value())  # a select slider's value is its option's index
        for key in ("Home", "End"):
            set_slider(page, label, presses=1, key=key)
            _drawn(page, f"{label}: {key}")
            end = thumb.get_attribute("min" if key == "Home" else "max")
            assert float(thumb.input_value()) == float(end), (label, key)
        set_slider(page, label, value=start)  # back where it was
        _drawn(page, f"{label}: back")
        assert float(thumb.input_value()) == start, (label, "not back")

