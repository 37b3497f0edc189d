"""The uncertainty page in real Chromium: the k slider moves the calibration figures, the decomposition tab opens
in Chinese, and in presenter mode at 1920x1080 and at 1280x720 each tab's main figure is on the first screen."""
import tests.browser.helpers as H
from tests.browser.helpers import (assert_no_exception, open_page, plotly_count, plotly_json, screenshot, set_slider,
                                   wait_idle)

URL = "/Uncertainty"


def _marker_x(traces, meta):
    return [t["x"][0] for t in traces if t.get("meta") == meta]


def test_k_slider_moves_the_calibration_figures(page, app_server):
    open_page(page, f"{app_server}{URL}")
    assert plotly_count(page) == 2
    screenshot(page, "uncertainty-calibration")
    reliability, scores = plotly_json(page, 0), plotly_json(page, 1)
    assert set(_marker_x(scores, "k")) == {16}
    assert set_slider(page, "Monte Carlo: masks k", presses=8) == 24
    assert "u_k=24" in page.url
    after = plotly_json(page, 1)
    assert set(_marker_x(after, "k")) == {24}  # the chosen k is marked on every panel
    assert _marker_x(after, "m") == _marker_x(scores, "m")  # the ensemble's marker stays at M
    assert plotly_json(page, 0) != reliability  # the MC dropout panel now averages 24 masks
    screenshot(page, "uncertainty-calibration-k24")


def test_decomposition_tab_in_chinese(page, app_server):
    open_page(page, f"{app_server}{URL}?lang=%E4%B8%AD%E6%96%87&u_tab=What+the+uncertainty+is+made+of")
    assert plotly_count(page) == 2
    assert page.get_by_text("互信息", exact=False).count() >= 1
    before = plotly_json(page, 0)
    runs = page.evaluate("() => window.__dlabRuns")
    page.locator('[data-testid="stRadio"]').get_by_text("deep ensemble", exact=True).click()
    wait_idle(page, runs_before=runs)
    assert_no_exception(page)
    assert "u_split=deep+ensemble" in page.url  # option values stay English: the same link in both languages
    assert plotly_json(page, 0) != before
    screenshot(page, "uncertainty-decomposition-chinese")


def test_presenter_mode_puts_the_figure_on_the_first_screen(page, app_server):
    for tab in ("Calibration", "Where+the+band+is+wrong", "What+the+uncertainty+is+made+of"):
        H.main_figure_on_first_screen(page, f"{app_server}{URL}?presenter=true&u_tab={tab}", f"uncertainty-{tab}")
        # the shared controls sit beside the figure, not above the tabs
        keep = page.locator(".st-key-u_keep").bounding_box()
        assert keep is not None and keep["y"] + keep["height"] <= 720, keep


def test_band_tab(page, app_server):
    open_page(page, f"{app_server}{URL}?u_tab=Where+the+band+is+wrong")
    assert plotly_count(page) == 3
    band = plotly_json(page, 0)
    assert set_slider(page, "Deep ensemble: networks M", presses=2) == 7
    assert plotly_json(page, 0) != band
    screenshot(page, "uncertainty-band")
