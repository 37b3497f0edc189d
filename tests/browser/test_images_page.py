"""The images page in real Chromium: it opens, a real slider move changes the masks drawn, and in presenter mode
at 1920x1080 the main figure is on the first screen beside its controls."""
from tests.browser.helpers import open_page, plotly_count, plotly_json, screenshot, set_slider

PAGE = "/Dropout_for_images"
MAIN = ".st-key-main_figure"


def _dropped_cells(page):
    """Dropped cells per panel of the mask figure (element-wise, spatial, DropBlock)."""
    cells = []
    for t in plotly_json(page, 0):
        if t.get("meta") == "dropped":
            cells.append(sum(v == 1 for row in t["z"] for v in row if v is not None))
    return cells


def test_keep_and_block_sliders_change_the_masks(page, app_server):
    open_page(page, f"{app_server}{PAGE}")
    assert plotly_count(page) == 1
    screenshot(page, "images-masks-1400x900")
    before = _dropped_cells(page)
    assert before[0] == 0 and sum(before[1:]) > 0  # the first panel is the map itself
    assert set_slider(page, "Keep q of the drawn masks", value=0.4) == 0.4
    after = _dropped_cells(page)
    assert sum(after) > sum(before)  # a lower keep drops more cells
    assert "im_keep=0.4" in page.url
    assert page.get_by_text("keep q = 0.4 (drop rate p = 0.6)").count() >= 1
    set_slider(page, "DropBlock block size b", value=5)
    assert page.get_by_text("DropBlock, b = 5").count() >= 1
    assert "im_block=5" in page.url


def test_correlation_tab_shows_the_curves(page, app_server):
    open_page(page, f"{app_server}{PAGE}?im_tab=Correlation")
    traces = plotly_json(page, 0)
    assert len([t for t in traces if t.get("meta") == "corr"]) == 3
    assert len([t for t in traces if t.get("meta") == "shuffled"]) == 3
    screenshot(page, "images-correlation")


def test_presenter_mode_puts_the_figure_on_the_first_screen(page, app_server):
    page.set_viewport_size({"width": 1920, "height": 1080})
    for tab in ("Masks", "Correlation"):
        open_page(page, f"{app_server}{PAGE}?presenter=true&im_tab={tab}")
        box = page.locator(MAIN).first.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 1080, (tab, box)
        screenshot(page, f"images-presenter-{tab}-1920x1080")


def test_chinese_page_opens(page, app_server):
    open_page(page, f"{app_server}{PAGE}?lang=中文")
    assert page.get_by_text("图像上的 dropout").count() >= 1
    assert plotly_count(page) == 1
    screenshot(page, "images-chinese")
