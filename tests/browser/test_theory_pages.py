"""The bagging and regularisation pages in real Chromium: their main sliders change the figures; in presenter mode
the regularisation page's main figure is on the first screen at 1920x1080 and at 1280x720."""
import tests.browser.helpers as H
from tests.browser.helpers import MAIN_FIGURE  # noqa: F401
from tests.browser.helpers import (assert_no_exception, open_page, plotly_count, plotly_json, screenshot, set_slider,
                                   wait_idle)

BAGGING = "/Bagging_and_boosting"
REGULARISATION = "/Dropout_as_regularisation"


def _traces(page, meta):
    """Traces of every chart whose meta is `meta` (bars, surfaces, ...)."""
    return [t for i in range(plotly_count(page)) for t in plotly_json(page, i) if t.get("meta") == meta]


def _open_tab(page, name):
    """Click a tab with the mouse and wait for the rerun it starts (tabs run lazily)."""
    runs = page.evaluate("() => window.__dlabRuns")
    page.get_by_role("tab", name=name).click()
    wait_idle(page, runs_before=runs)
    assert_no_exception(page)


def test_bagging_k_and_keep_change_the_ensemble(page, app_server):
    open_page(page, f"{app_server}{BAGGING}")
    screenshot(page, "bagging-default")
    bars = plotly_json(page, 0)
    assert bars[0]["x"][1] == "bagging, k = 8"
    surfaces = _traces(page, "surface")
    # k only changes how many trained networks are averaged: the bagging bar, label and surface move.
    assert set_slider(page, "Bagged networks averaged, k", value=3) == 3
    after_k = plotly_json(page, 0)
    assert after_k[0]["x"][1] == "bagging, k = 3"
    assert _traces(page, "surface")[1] != surfaces[1]
    assert _traces(page, "surface")[2] == surfaces[2]  # the dropout network is untouched
    # keep retrains dropout and boosting.
    assert set_slider(page, "Keep q of the hidden units (dropout and boosting)", value=0.7) == 0.7
    assert _traces(page, "surface")[2] != surfaces[2]
    assert page.get_by_text("keep q = 0.7 (drop rate p = 0.3)").count() >= 1
    assert "bb_keep=0.7" in page.url and "bb_k=3" in page.url
    screenshot(page, "bagging-k3-keep07")


def test_bagging_presenter_mode(page, app_server):
    open_page(page, f"{app_server}{BAGGING}?presenter=true&bb_k=12")
    assert page.get_by_role("switch", name="Presenter mode").is_checked()
    assert plotly_json(page, 0)[0]["x"][1] == "bagging, k = 12"
    screenshot(page, "bagging-presenter")


def test_regularisation_keep_slider_and_tabs(page, app_server):
    open_page(page, f"{app_server}{REGULARISATION}")
    screenshot(page, "regularisation-linear")
    coef = plotly_json(page, 0)
    assert set_slider(page, "Keep probability q", value=0.8) == 0.8
    assert plotly_json(page, 0) != coef  # the penalty coefficients follow (1 - q) / q
    assert "rg_keep=0.8" in page.url

    _open_tab(page, "Bias and variance")
    curves = plotly_json(page, 0)
    assert set_slider(page, "Target noise", value=1.0) == 1.0
    assert plotly_json(page, 0) != curves
    screenshot(page, "regularisation-bias-variance")

    _open_tab(page, "Rival regularisers")
    assert plotly_count(page) == 4
    bars = plotly_json(page, 0)
    assert set_slider(page, "Input noise", value=0.3) == 0.3
    assert plotly_json(page, 0) != bars
    screenshot(page, "regularisation-rivals")


def test_regularisation_presenter_mode_puts_the_figure_on_the_first_screen(page, app_server):
    for tab in ("Linear+regression", "Bias+and+variance"):
        H.main_figure_on_first_screen(page, f"{app_server}{REGULARISATION}?rg_tab={tab}&presenter=true",
                                     f"regularisation-{tab}")
        keep = page.locator(".st-key-rg_keep").bounding_box()  # the key control beside the figure
        assert keep is not None and keep["y"] + keep["height"] <= 720, keep
    assert page.get_by_text("About this figure").count() == 1  # the formulas are folded, not gone


def test_regularisation_noise_tab_in_presenter_mode(page, app_server):
    open_page(page, f"{app_server}{REGULARISATION}?rg_tab=Noise+variants&presenter=true")
    assert plotly_count(page) == 4
    box = page.locator(MAIN_FIGURE).bounding_box()  # the activations' growth, first: on the first screen
    assert box is not None and box["y"] + box["height"] <= 900, box
    ratio = plotly_json(page, 1)
    assert set_slider(page, "Keep probability q", value=0.7) == 0.7
    assert plotly_json(page, 1) != ratio
    screenshot(page, "regularisation-noise-presenter")



ZH = "lang=%E4%B8%AD%E6%96%87"  # ?lang=中文


def test_bagging_page_in_chinese(page, app_server):
    open_page(page, f"{app_server}{BAGGING}?{ZH}")
    assert page.get_by_role("heading", name="装袋（Bagging）、dropout 与 dropout boosting").count() == 1
    assert plotly_json(page, 0)[0]["x"][1] == "bagging, k = 8"
    assert set_slider(page, "参与平均的 Bagging 网络数 k", presses=3) == 11  # the Chinese label drives the same widget
    assert plotly_json(page, 0)[0]["x"][1] == "bagging, k = 11"
    assert "bb_k=11" in page.url and ZH in page.url
    assert page.get_by_text("保留概率 q = 0.5（丢弃率 p = 0.5）", exact=False).count() >= 1
    screenshot(page, "bagging-chinese")


def test_regularisation_tabs_in_chinese(page, app_server):
    open_page(page, f"{app_server}{REGULARISATION}?{ZH}")
    assert page.get_by_text("线性回归。", exact=False).count() >= 1
    _open_tab(page, "Bias and variance")  # the tab titles stay English: they are the link's rg_tab
    assert "rg_tab=Bias" in page.url and ZH in page.url
    assert page.get_by_text("偏差与方差。", exact=False).count() >= 1
    curves = plotly_json(page, 0)
    assert set_slider(page, "目标噪声 σ", presses=5) == 1.0
    assert plotly_json(page, 0) != curves
    screenshot(page, "regularisation-bias-variance-chinese")
