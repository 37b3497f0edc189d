"""Presenter mode, figure first, in Chromium: on every page file (app.py and pages/*.py, whichever exist), at
1920 × 1080 and at 1280 × 720, the page's main figure (the element with class st-key-main_figure: a Plotly chart
drawn with widgets.chart(fig, key=layout.MAIN_FIGURE_KEY), or a page's own component in a container with that key)
lies inside the first screen without scrolling; the page's text there is at least 22 px (1/50 of 1080 px); every
Plotly chart has its alt text; and the page raised no exception.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from dropout_viz.ui import layout, nav
from tests.browser import helpers as H

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["app.py"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
SCREENS = [(1920, 1080), (1280, 720)]
MAIN = f".st-key-{layout.MAIN_FIGURE_KEY}"
MIN_TEXT_PX = 22

# Text the reader reads on the first screen: paragraphs, labels, captions, buttons, tabs, metrics, inputs.
_SMALL_TEXT_JS = """(min) => {
  const sel = ['[data-testid="stMarkdownContainer"] p', '[data-testid="stMarkdownContainer"] li',
    '[data-testid="stWidgetLabel"] p', '[data-testid="stCaptionContainer"]', '[data-testid="stMain"] button p',
    '[data-baseweb="tab"] p', '[data-testid="stMetricValue"]', '[data-testid="stMetricLabel"] p',
    '[data-testid="stMain"] input', '[data-testid="stSliderThumbValue"]', 'summary p', 'h1', 'h2', 'h3'];
  const out = [];
  for (const el of document.querySelectorAll(sel.join(','))) {
    if (el.closest('.dlab-alt, [data-testid="stSidebar"]')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || r.bottom <= 0 || r.top >= innerHeight || !(el.innerText || el.value || '').trim()) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < min - 0.5) out.push(`${el.tagName} ${size}px ${(el.innerText || el.value).trim().slice(0, 40)}`);
  }
  return out;
}"""

# Each Plotly chart's alt text: the visually hidden element that widgets.chart puts just before it.
_ALT_JS = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'), (chart) => {
  const box = chart.closest('[data-testid="stElementContainer"]');
  const alt = box && box.previousElementSibling && box.previousElementSibling.querySelector('.dlab-alt');
  return alt ? alt.textContent.trim() : '';
})"""


def main_figure_box(page) -> dict:
    """The main figure's box, once it is drawn (the live view sizes itself after its first batch)."""
    figure = page.locator(MAIN).first
    figure.wait_for(state="visible", timeout=H.TIMEOUT_MS)
    # A Plotly chart laid out, or the live view (in its shadow root, which Playwright's CSS pierces) with a batch.
    page.locator(f"{MAIN} .js-plotly-plot .main-svg, {MAIN} .lv-root[data-seq]").first.wait_for(
        state="attached", timeout=H.TIMEOUT_MS)
    page.wait_for_timeout(300)
    return figure.bounding_box()


def alt_texts(page) -> list[str]:
    return page.evaluate(_ALT_JS)


@pytest.mark.parametrize("size", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
@pytest.mark.parametrize("page_file", PAGES)
def test_main_figure_on_the_first_screen(app_server, page, page_file, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    H.open_page(page, f"{app_server}/{nav.page_url(page_file)}?presenter=true")
    box = main_figure_box(page)
    scrolled = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop")
    shot = H.screenshot(page, f"presenter_{Path(page_file).stem}_{width}x{height}")
    assert scrolled == 0
    assert box is not None, f"{page_file}: no element {MAIN}"
    assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width + 0.5 \
        and box["y"] + box["height"] <= height + 0.5, (page_file, size, box, str(shot))
    assert box["height"] >= 0.4 * height, (page_file, size, box)  # a figure, not a thumbnail
    assert page.evaluate(_SMALL_TEXT_JS, MIN_TEXT_PX) == []
    alts = alt_texts(page)
    assert all(alts), (page_file, alts)
    if not alts:  # no Plotly chart: the main figure is the page's own component, an image with its own alt text
        assert page.locator(f'{MAIN} [role="img"][aria-label]').first.get_attribute("aria-label")
    H.assert_no_exception(page)
