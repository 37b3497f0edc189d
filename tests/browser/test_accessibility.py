"""Readable by everyone, in Chromium: every control of a page is reached with the Tab key (the tab bar's other
tabs with the arrow keys, as in any tab list), and the live view honours prefers-reduced-motion (a slower frame
rate); in either case each dropout mask stays on screen at least MASK_HOLD_MS (300 ms) while playing, so the units
never flash.
"""
from __future__ import annotations

import time

import pytest

from tests.browser import helpers as H

# Every control in the page's main area (the sidebar is folded in presenter mode), the live view's own buttons
# included (Playwright's CSS pierces the component's shadow root). Number inputs' − / + buttons are left out:
# Streamlit takes them out of the tab order on purpose, the input itself steps with the arrow keys; so is a
# select box's "Open" chevron (its input opens the list with the arrow keys).
CONTROLS = ('[data-testid="stMain"] :is(input:not([type="file"]), textarea, button, select, summary, '
            '[role="slider"], [role="combobox"]):not([disabled]):not([data-testid^="stNumberInputStep"])'
            ':not([data-testid="stSelectbox"] button)')

_MARK_JS = """(sel) => {
  const els = Array.from(document.querySelectorAll(sel)).concat(
    Array.from(document.querySelectorAll('*')).filter((e) => e.shadowRoot).flatMap(
      (host) => Array.from(host.shadowRoot.querySelectorAll('button:not([disabled])'))));
  const out = [];
  els.forEach((el, i) => {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') return;
    el.dataset.kbd = String(i);
    out.push({id: String(i), what: `${el.tagName.toLowerCase()} ${(el.getAttribute('aria-label') || el.innerText
      || el.value || el.className || '').toString().trim().slice(0, 40)}`});
  });
  return out;
}"""

# The focused element, looking into shadow roots.
_FOCUSED_JS = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el) return null;
  const role = el.getAttribute('role');
  return {kbd: el.dataset ? el.dataset.kbd || null : null, role, text: (el.innerText || '').trim().slice(0, 40)};
}"""


def tab_through(page, max_presses: int) -> tuple[set[str], list[dict]]:
    """Press Tab from the top of the page; the marked controls that received focus, and every focus seen."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # from the top, nothing focused
    seen, trail = set(), []
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        got = page.evaluate(_FOCUSED_JS)
        trail.append(got)
        if got and got["kbd"] is not None:
            seen.add(got["kbd"])
    return seen, trail


def _check_keyboard(page, url: str):
    H.open_page(page, url)
    if "Live_training" in url:
        page.locator(".lv-root[data-seq]").wait_for(state="attached", timeout=H.TIMEOUT_MS)
    controls = page.evaluate(_MARK_JS, CONTROLS)
    assert len(controls) >= 5, controls
    seen, trail = tab_through(page, 3 * len(controls) + 20)
    missed = [c["what"] for c in controls if c["id"] not in seen]
    assert not missed, f"not reached with Tab: {missed}"
    # The tab bar: Tab reaches the open tab, the arrow keys the others.
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    if tabs.count() > 1:
        assert any(t and t["role"] == "tab" for t in trail), "the tab bar is not reached with Tab"
        tabs.nth(0).focus()
        page.keyboard.press("ArrowRight")
        assert page.evaluate(_FOCUSED_JS)["text"] == tabs.nth(1).inner_text().strip()
    H.assert_no_exception(page)
    return controls


def test_keyboard_reaches_every_control_on_the_masks_page(app_server, page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    controls = _check_keyboard(page, f"{app_server}/Masks_and_subnetworks?presenter=true")
    kinds = " ".join(c["what"] for c in controls)
    assert "input" in kinds and "button" in kinds  # sliders (range inputs), text boxes and buttons were checked


def test_keyboard_reaches_every_control_of_live_training(app_server, page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    controls = _check_keyboard(page, f"{app_server}/Live_training?presenter=true")
    kinds = " ".join(c["what"] for c in controls)
    assert "lv-play" in kinds or "Play" in kinds  # the live view's own buttons were among them
    # The live view's canvas is an image with alt text for screen readers.
    assert "predictions" in page.locator(".lv-canvas").get_attribute("aria-label")


def _view(page) -> dict:
    return page.locator(".lv-root").evaluate("r => ({...r.dataset})")


def _wait(page, what, condition, timeout_s: float = 120.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_live_view_honours_reduced_motion(app_server, browser, motion):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, reduced_motion=motion)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        # One training step per frame: the setting where every frame shows a new mask.
        H.open_page(page, f"{app_server}/Live_training?t_speed=1")
        _wait(page, "the live view", lambda: page.locator(".lv-root").count() and _view(page).get("seq"))
        view = _view(page)
        reduced = motion == "reduce"
        assert view["reducedMotion"] == str(reduced).lower()
        page.locator(".lv-play").click()
        _wait(page, "the view to play", lambda: _view(page)["playing"] == "true")
        _wait(page, "five changes of the mask", lambda: int(_view(page).get("maskChanges", 0)) >= 5)
        view = _view(page)
        assert int(view["fps"]) == (3 if reduced else 6)  # 1 step a frame: 3 frames a second, or 6
        assert int(view["maskHoldMs"]) == 300
        assert float(view["maskMinHeldMs"]) >= 300  # never a mask shorter than the hold: no flashing
        page.locator(".lv-play").click()
        _wait(page, "the pause", lambda: _view(page)["playing"] == "false")
        H.assert_no_exception(page)
    finally:
        context.close()


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_live_view_text_is_projector_sized_in_presenter_mode(app_server, browser, width, height):
    # The canvas's own text (not DOM text): ticks and the smallest label at least 1/50 of the screen height, and
    # at 1920 x 1080 ticks of 28 px and labels of 22 px, as the Plotly figures have.
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        H.open_page(page, f"{app_server}/Live_training?presenter=true")
        _wait(page, "the live view's first paint", lambda: page.locator(".lv-root").count()
              and _view(page).get("tickPx"))
        view = _view(page)
        tick, smallest = float(view["tickPx"]), float(view["minTextPx"])
        assert smallest >= height / 50, view
        if height >= 1080:
            assert tick >= 28 and smallest >= 22, view
        H.assert_no_exception(page)
    finally:
        context.close()
