"""The "Inside the network" page in real Chromium: tabs, keep slider and per-experiment controls change the figures;
in presenter mode each tab's main figure is on the first screen at 1920x1080 and at 1280x720."""
import tests.browser.helpers as H
from tests.browser.helpers import MAIN_FIGURE  # noqa: F401
from tests.browser.helpers import (assert_no_exception, open_page, plotly_count, plotly_json, screenshot, set_slider,
                                   wait_idle)

URL = "/Inside_the_network"


def _open_tab(page, name):
    """Click a tab with the mouse and wait for the rerun it starts (tabs run lazily)."""
    runs = page.evaluate("() => window.__dlabRuns")
    page.get_by_role("tab", name=name).click()
    wait_idle(page, runs_before=runs)
    assert_no_exception(page)


def _keep_value(page):
    return page.locator('[data-testid="stSlider"]').filter(has_text="Keep q of the hidden units") \
        .locator('input[type="range"]').first.input_value()


def test_keep_slider_retrains_and_tabs_share_it(page, app_server):
    open_page(page, f"{app_server}{URL}")
    screenshot(page, "inside-coadaptation")
    first = plotly_json(page, 0)
    assert set_slider(page, "Keep q of the hidden units", presses=6) == 0.8  # 0.5 -> 0.8: retrains the pair
    after = plotly_json(page, 0)
    assert after != first
    assert any("keep q = 0.8" in trace.get("name", "") for trace in after)
    screenshot(page, "inside-coadaptation-keep-0.8")

    _open_tab(page, "Paths")
    assert "in_tab=Paths" in page.url
    assert float(_keep_value(page)) == 0.8  # one keep for the whole page
    paths = plotly_json(page, 0)
    set_slider(page, "Units per layer n", value=8)
    assert plotly_json(page, 0) != paths
    screenshot(page, "inside-paths")


def test_jensen_tab_from_a_link_and_its_controls(page, app_server):
    open_page(page, f"{app_server}{URL}?in_tab=Jensen%27s+gap")
    assert plotly_count(page) == 3
    picture = plotly_json(page, 0)
    set_slider(page, "Inputs d of the unit", value=3)
    assert plotly_json(page, 0) != picture
    subnetworks = [t for t in plotly_json(page, 0) if t.get("meta") == "subnetworks"]
    assert len(subnetworks[0]["x"]) == 8  # 2^3 subnetworks
    runs = page.evaluate("() => window.__dlabRuns")
    page.get_by_text("standard", exact=True).click()
    wait_idle(page, runs_before=runs)
    assert_no_exception(page)
    assert "in_kind=standard" in page.url
    assert page.get_by_text("is not allowed here").count() == 0  # the link holds a value the radio accepts
    screenshot(page, "inside-jensen-standard")


def test_flat_minima_in_presenter_mode(page, app_server):
    open_page(page, f"{app_server}{URL}?in_tab=Flat+minima&presenter=true")
    assert page.get_by_role("switch", name="Presenter mode").is_checked()
    assert plotly_count(page) == 1
    before = plotly_json(page, 0)
    set_slider(page, "Walk up to t =", presses=2, key="ArrowLeft")  # 1.0 -> 0.5
    assert plotly_json(page, 0) != before
    box = page.locator(MAIN_FIGURE).bounding_box()  # the loss landscape, first: on the first screen
    assert box is not None and box["y"] + box["height"] <= 900, box
    assert_no_exception(page)
    screenshot(page, "inside-flat-minima-presenter")



def test_presenter_mode_puts_the_figure_on_the_first_screen(page, app_server):
    for tab in ("Co-adaptation", "Paths", "Jensen%27s+gap"):
        H.main_figure_on_first_screen(page, f"{app_server}{URL}?in_tab={tab}&presenter=true", f"inside-{tab}")
        keep = page.locator(".st-key-in_keep").bounding_box()  # the key control beside the figure
        assert keep is not None and keep["y"] + keep["height"] <= 720, keep


def test_tabs_in_chinese(page, app_server):
    open_page(page, f"{app_server}{URL}?lang=%E4%B8%AD%E6%96%87&in_tab=Paths")
    assert page.get_by_text("路径。", exact=False).count() >= 1
    paths = plotly_json(page, 0)
    assert set_slider(page, "每层单元数 n", presses=4) == 8
    assert plotly_json(page, 0) != paths
    _open_tab(page, "Jensen's gap")  # the tab titles stay English: they are the link's in_tab
    assert "in_tab=Jensen" in page.url and "lang=" in page.url
    assert plotly_count(page) == 3
    assert page.get_by_text("Jensen 差距。", exact=False).count() >= 1
    screenshot(page, "inside-jensen-chinese")
