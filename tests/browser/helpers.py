"""Drive the running Streamlit app in a real browser; every wait here is bounded.

Import as ``from tests.browser.helpers import open_page, set_slider, ...``.

Streamlit marks its run state on the root element: ``[data-testid="stApp"]`` carries
``data-test-script-state`` ("initial" -> "running" -> "notRunning") and
``data-test-connection-state``. An init script counts every switch to "running", so a helper that
acts on a widget can wait for *its* rerun to start and then to finish, instead of guessing with
sleeps (a rerun begins only after the widget's debounce, so "idle right after the key press" would
otherwise be read too early).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "artifacts" / "screenshots"

# The first run of a page jit-compiles its JAX functions on two shared cores: allow minutes.
TIMEOUT_MS = 120_000
# A widget sends its value after a short debounce; a rerun that has not started by then never will.
RERUN_START_MS = 3_000
# Idle must be seen on consecutive polls this far apart to count (covers a brief flicker).
SETTLE_MS = 300
POLL_MS = 100

_COUNT_RUNS_JS = """
(() => {
  if (window.__dlabRuns !== undefined) return;
  window.__dlabRuns = 0;
  const watch = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    if (app.getAttribute('data-test-script-state') === 'running') window.__dlabRuns += 1;
    // One callback may carry several changes (a fast run flips to "running" and back within one
    // batch): replay them from the old values instead of reading only the current state.
    new MutationObserver((records) => {
      const seq = records.map((r) => r.oldValue);
      seq.push(app.getAttribute('data-test-script-state'));
      for (let i = 1; i < seq.length; i++) {
        if (seq[i] === 'running' && seq[i - 1] !== 'running') window.__dlabRuns += 1;
      }
    }).observe(app, {attributes: true, attributeOldValue: true,
                     attributeFilter: ['data-test-script-state']});
    return true;
  };
  // React renders stApp after the page loads: watch the document until it appears.
  if (!watch()) {
    const mo = new MutationObserver(() => { if (watch()) mo.disconnect(); });
    mo.observe(document, {childList: true, subtree: true});
  }
})();
"""

_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]')) return false;
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  if (status && /running/i.test(status.innerText)) return false;
  // Plotly is loaded lazily: a visible chart counts once plotly.js has laid it out.
  for (const box of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (box.offsetParent === null) continue;
    const plot = box.querySelector('.js-plotly-plot');
    if (!plot || !plot._fullLayout) return false;
  }
  return true;
}"""

_PLOTLY_JS = """(index) => {
  const plots = document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot');
  if (index >= plots.length) return {count: plots.length, data: null, title: null};
  const TYPES = {f8: Float64Array, f4: Float32Array, i1: Int8Array, u1: Uint8Array,
                 i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array};
  // plotly.py ships NumPy arrays base64-encoded ({dtype, bdata, shape}); turn them into lists.
  const decode = (v) => {
    const bytes = Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0));
    const flat = Array.from(new TYPES[v.dtype](bytes.buffer));
    const shape = v.shape ? String(v.shape).split(',').map(Number) : [flat.length];
    if (shape.length === 1) return flat;
    const out = [];
    for (let r = 0; r < shape[0]; r++) out.push(flat.slice(r * shape[1], (r + 1) * shape[1]));
    return out;
  };
  const plain = (key, v) => {
    if (key === '_inputArray') return undefined;
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (v && typeof v === 'object' && typeof v.bdata === 'string' && v.dtype in TYPES) return decode(v);
    return v;
  };
  const plot = plots[index];
  const title = plot.layout && plot.layout.title;
  return {
    count: plots.length,
    data: JSON.parse(JSON.stringify(plot.data, plain)),
    title: title ? (typeof title === 'string' ? title : title.text || null) : null,
  };
}"""


def _runs(page: Page) -> int | None:
    """How many script runs the page has seen (None if open_page did not install the counter)."""
    return page.evaluate("() => window.__dlabRuns")


def _is_idle(page: Page) -> bool:
    return bool(page.evaluate(_IDLE_JS))


def wait_idle(page: Page, timeout_ms: int = TIMEOUT_MS, runs_before: int | None = None) -> None:
    """Wait until the app is idle; given runs_before, first wait (briefly) for a newer run to start."""
    deadline = time.monotonic() + timeout_ms / 1000
    if runs_before is None:
        # No counter to watch: give a debounced widget time to send its value.
        page.wait_for_timeout(2 * SETTLE_MS)
    else:
        start_deadline = min(deadline, time.monotonic() + RERUN_START_MS / 1000)
        while time.monotonic() < start_deadline and (_runs(page) or 0) <= runs_before:
            page.wait_for_timeout(POLL_MS)
    idle_since = None
    while time.monotonic() < deadline:
        if _is_idle(page):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= SETTLE_MS / 1000:
                return
        else:
            idle_since = None
        page.wait_for_timeout(POLL_MS)
    raise TimeoutError(f"the app was still running after {timeout_ms / 1000:.0f} s")


def assert_no_exception(page: Page) -> None:
    """Fail with the app's own text if any st.exception box is on the page."""
    boxes = page.locator('[data-testid="stException"]')
    if boxes.count():
        text = "\n---\n".join(t.strip() for t in boxes.all_inner_texts())
        raise AssertionError(f"the app shows {boxes.count()} exception(s):\n{text[:4000]}")


def open_page(page: Page, url: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Load url, wait for the first script run to finish, and fail if it raised."""
    page.add_init_script(_COUNT_RUNS_JS)
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    page.locator('[data-testid="stApp"]').wait_for(state="attached", timeout=timeout_ms)
    # runs_before=0: the first run must have started, not merely the empty "initial" page shown.
    wait_idle(page, timeout_ms=timeout_ms, runs_before=0)
    assert_no_exception(page)


def _slider_thumb(page: Page, label: str, thumb: int) -> Locator:
    """The thumb of the st.slider / st.select_slider whose label is (exactly, else contains) label."""
    sliders = page.locator('[data-testid="stSlider"]')
    quoted = json.dumps(label, ensure_ascii=False)  # a CSS string literal (CSS escapes are not JSON's)
    for op in ("=", "*="):
        # Streamlit puts the label, as written in the code, on the slider's group element.
        groups = sliders.filter(has=page.locator(f'[role="group"][aria-label{op}{quoted}]'))
        if groups.count():
            break
    else:
        names = [t.strip() for t in sliders.locator('[data-testid="stWidgetLabel"]').all_inner_texts()]
        raise LookupError(f"no slider labelled {label!r}; sliders on the page: {names}")
    if groups.count() > 1:
        raise LookupError(f"{groups.count()} sliders match {label!r}; use the full label")
    return groups.locator('input[type="range"]').nth(thumb)


def _slider_value(thumb: Locator) -> tuple[float, str]:
    """(numeric value, displayed text) of a slider thumb; select_slider values are option indices."""
    return float(thumb.input_value()), thumb.get_attribute("aria-valuetext") or ""


def set_slider(
    page: Page,
    label: str,
    value: float | str | None = None,
    presses: int | None = None,
    key: str = "ArrowRight",
    thumb: int = 0,
) -> float | str:
    """Move a slider with real key presses, wait for the rerun, and return the value it shows.

    Args:
      label: the slider's label (an exact match wins over a substring match).
      value: a number to step to (st.slider), or an option's text (st.select_slider).
      presses: instead of value, press key this many times ("ArrowLeft", "Home", "End", "PageUp", ...).
      thumb: 0 or 1 for the two ends of a range slider.
    Returns:
      the number the slider holds, or for a select_slider its displayed option text.
    """
    if (value is None) == (presses is None):
        raise ValueError("set_slider: give exactly one of value or presses")
    handle = _slider_thumb(page, label, thumb)
    handle.focus()
    runs = _runs(page)
    lo, hi = float(handle.get_attribute("min")), float(handle.get_attribute("max"))
    step = float(handle.get_attribute("step") or 1)
    if presses is not None:
        if presses < 0:
            raise ValueError(f"presses must be >= 0, got {presses}")
        for _ in range(presses):
            page.keyboard.press(key)
    elif isinstance(value, str):
        page.keyboard.press("Home")
        for _ in range(int(round((hi - lo) / step)) + 1):
            if _slider_value(handle)[1] == value:
                break
            page.keyboard.press("ArrowRight")
        else:
            raise ValueError(f"slider {label!r} has no option {value!r}")
    else:
        target = float(value)
        if not lo <= target <= hi:
            raise ValueError(f"value for slider {label!r} must be in [{lo}, {hi}], got {value}")
        now = _slider_value(handle)[0]
        moves = (target - now) / step
        if abs(moves - round(moves)) > 1e-6:
            raise ValueError(f"slider {label!r} moves in steps of {step} from {now}; {value} is off the grid")
        # Press in one burst so the debounced slider sends one value, not one per step; from the nearer end
        # (Home/End first) when that takes fewer presses: a long burst (k from 1,000 back to 20) can outlast the
        # debounce on a busy machine and send dozens of values, each a run of the page.
        presses = [(abs(round(moves)), None)]
        presses.append((abs(round((target - lo) / step)) + 1, "Home"))
        presses.append((abs(round((hi - target) / step)) + 1, "End"))
        _, first = min(presses, key=lambda p: p[0])
        if first is not None:
            page.keyboard.press(first)
            moves = (target - (lo if first == "Home" else hi)) / step
        for _ in range(abs(round(moves))):
            page.keyboard.press("ArrowRight" if moves > 0 else "ArrowLeft")
    wait_idle(page, runs_before=runs)
    assert_no_exception(page)
    number, text = _slider_value(handle)
    if isinstance(value, (int, float)) and abs(number - float(value)) > step * 1e-6:
        raise AssertionError(f"slider {label!r} shows {number} after stepping to {value}")
    return text if isinstance(value, str) else number


def click_button(page: Page, label: str) -> None:
    """Click the button labelled label (exactly, else containing it) and wait for the rerun it starts."""
    app = page.locator('[data-testid="stMain"], [data-testid="stSidebar"]')
    for exact in (True, False):
        # Not exact: a button's accessible name also holds its keyboard shortcut ("Sample N").
        buttons = app.get_by_role("button", name=label, exact=exact)
        if buttons.count():
            break
    else:
        raise LookupError(f"no button labelled {label!r}")
    if buttons.count() > 1:
        raise LookupError(f"{buttons.count()} buttons match {label!r}; use the full label")
    runs = _runs(page)
    buttons.click()
    wait_idle(page, runs_before=runs)
    assert_no_exception(page)


def plotly_count(page: Page) -> int:
    """How many Plotly charts the page shows."""
    return page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').count()


def plotly_json(page: Page, index: int = 0) -> list[dict]:
    """The traces of the index-th Plotly chart as plain JSON (arrays decoded into lists)."""
    got = page.evaluate(_PLOTLY_JS, index)
    if got["data"] is None:
        raise IndexError(f"chart {index} requested, the page shows {got['count']}")
    return got["data"]


def plotly_signature(page: Page) -> tuple[tuple[str, str | None], ...]:
    """A hashable summary of every chart: (digest of its traces, its title) per chart, in page order."""
    summary = []
    for index in range(plotly_count(page)):
        got = page.evaluate(_PLOTLY_JS, index)
        if got["data"] is None:  # a chart went away between the count and the read
            break
        blob = json.dumps(got["data"], sort_keys=True).encode()
        summary.append((hashlib.sha1(blob).hexdigest()[:16], got["title"]))
    return tuple(summary)


def screenshot(page: Page, name: str) -> Path:
    """Save the whole app as artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', name).strip('_') or 'page'}.png"
    # Streamlit scrolls inside its own container, so a "full page" shot is only the viewport:
    # grow the viewport to the content's height for the shot, then put it back.
    page.mouse.move(0, 0)  # no hover tooltip left over from the last click
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight, ...Array.from(
             document.querySelectorAll('[data-testid="stAppViewContainer"], [data-testid="stMain"]'),
             (e) => e.scrollHeight))"""
    )
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height), 12_000)})
        page.wait_for_timeout(300)  # let Plotly re-lay out its responsive charts
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if size:
            page.set_viewport_size(size)
    return path


# Presenter mode is for a lecture hall: at both screens the open tab's main figure (the chart with the key
# layout.MAIN_FIGURE_KEY, CSS class st-key-main_figure) lies wholly inside the first screen, at its full height.
PRESENTER_SCREENS = ((1920, 1080), (1280, 720))
MAIN_FIGURE = ".st-key-main_figure"


def main_figure_on_first_screen(page: Page, url: str, name: str) -> None:
    """Open url at each presenter screen size and assert the one main figure is a drawn Plotly chart, at least
    400 px tall, wholly inside the first screen; a screenshot per size."""
    for width, height in PRESENTER_SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        open_page(page, url)
        box = page.locator(MAIN_FIGURE).bounding_box()  # exactly one main figure (a second one fails here)
        assert page.locator(f"{MAIN_FIGURE} .js-plotly-plot").count() == 1  # a drawn Plotly chart
        assert box is not None and box["height"] >= 400, (name, width, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, \
            (name, width, height, box)
        screenshot(page, f"{name}-presenter-{width}x{height}")
