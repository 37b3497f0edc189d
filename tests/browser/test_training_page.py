"""The live-training page in Chromium: the live view plays, pauses, takes a keep change while playing, downloads
its frame, and fits the first screen in presenter mode; the CSV and model files around it.

While the view plays, the app is rarely idle (it asks for a batch every half second), so these tests poll what
the view says about itself (its data-frames, data-step and data-playing attributes) with bounded waits.
"""
from __future__ import annotations

import html
import json
import shutil
import struct
import time

import pytest

from tests.browser import helpers as H

VIEW = ".lv-root"  # inside the component's shadow root: Playwright's locators pierce it


def _view(page) -> dict:
    return page.locator(VIEW).evaluate("r => ({...r.dataset})")


def _frames(page) -> int:
    return int(_view(page)["frames"])


def _step(page) -> int | None:
    if not page.locator(VIEW).count():
        return None
    return int(_view(page)["step"])


def _wait_for(page, what: str, condition, timeout_s: float = 90.0):
    """Poll condition() until it is truthy; fail with what was awaited."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def _open(page, url):
    H.open_page(page, url)
    _wait_for(page, "the live view", lambda: page.locator(VIEW).count() and _view(page).get("seq"))


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_play_change_keep_while_playing_and_pause(app_server, page):
    _open(page, f"{app_server}/Live_training")
    assert _step(page) == 0 and _view(page)["playing"] == "false"
    H.screenshot(page, "training_default")

    runs = H._runs(page)
    page.locator(".st-key-t_step button").first.click()  # Step: one frame, and the chunk compiles
    H.wait_idle(page, runs_before=runs)
    _wait_for(page, "step 10", lambda: _step(page) == 10)  # one frame at the default 10 steps per frame

    frames0 = _frames(page)
    page.keyboard.press("p")  # Play, by its keyboard shortcut
    _wait_for(page, "the view to play", lambda: _view(page)["playing"] == "true")
    _wait_for(page, "frames to be painted", lambda: _frames(page) > frames0 + 30)
    _wait_for(page, "600 training steps", lambda: (_step(page) or 0) >= 600)
    assert page.locator(".lv-play").inner_text().endswith("Pause")
    # Frames of playback redraw only what changes; the canvas must hold exactly the picture a full frame draws.
    for _ in range(3):
        assert page.locator(VIEW).evaluate("r => r.lvFullFrameDiff()") == 0
        page.wait_for_timeout(700)
    view = _view(page)
    assert int(view.get("fullFrames", 0)) < int(view["frames"]) / 2  # most frames were incremental

    # Keep for the hidden units, 0.5 -> 0.4 with the real keyboard, while playing: the next batch has it.
    before = _step(page)
    assert _view(page)["names"] == "no dropout|dropout q=0.5"
    thumb = page.locator('[data-testid="stSlider"]').filter(
        has=page.locator('[aria-label="Keep q for the hidden units"]')).locator('input[type="range"]')
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    _wait_for(page, "a batch at keep 0.4", lambda: _view(page)["names"] == "no dropout|dropout q=0.4")
    after = _wait_for(page, "training to go on", lambda: (_step(page) or 0) > before + 200 and _step(page))
    assert after > before and _view(page)["playing"] == "true"  # not reset: the steps went on
    H.assert_no_exception(page)
    page.locator(VIEW).scroll_into_view_if_needed()
    page.screenshot(path=str(H.SCREENSHOT_DIR / "training_playing.png"))

    # Pause: the browser stops at once. Frames counted 0.5 s after the click: at most the one in flight.
    page.locator(".lv-play").click()
    stopped = _frames(page)
    page.wait_for_timeout(500)
    assert _frames(page) <= stopped + 1
    paused_step = _step(page)
    page.wait_for_timeout(1500)
    assert _view(page)["playing"] == "false" and _step(page) == paused_step and _frames(page) <= stopped + 1
    H.wait_idle(page)
    assert _step(page) == paused_step  # the server's answer to the pause shows the same snapshot
    H.assert_no_exception(page)

    # Play again: the run goes on from the step shown (the server rebuilt it in the background and trained this
    # first batch while paused), frame after frame: every step shown is the one before plus 10.
    page.locator(VIEW).evaluate("""r => { window.__lvSteps = [];
        new MutationObserver(() => window.__lvSteps.push(Number(r.dataset.step)))
            .observe(r, {attributes: true, attributeFilter: ["data-step"]}); }""")
    page.keyboard.press("p")
    _wait_for(page, "training to go on after Pause", lambda: (_step(page) or 0) >= paused_step + 300)
    seen = [paused_step] + page.evaluate("window.__lvSteps")
    steps = [b for a, b in zip([None] + seen, seen) if b != a]  # a frame may set the same step again
    assert steps[1] == paused_step + 10 and all(b - a == 10 for a, b in zip(steps, steps[1:])), steps[:40]
    page.locator(".lv-play").click()
    H.wait_idle(page)
    H.assert_no_exception(page)


def test_download_frame_as_png_and_svg(app_server, page, tmp_path):
    _open(page, f"{app_server}/Live_training")
    runs = H._runs(page)
    page.locator(".st-key-t_step button").first.click()
    H.wait_idle(page, runs_before=runs)
    _wait_for(page, "step 10", lambda: _step(page) == 10)  # one frame at the default 10 steps per frame
    # Hover: P(class 1) on a surface, the curves' values at a step (the layout is the view's own, in CSS px).
    canvas = page.locator(".lv-canvas")
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    box = canvas.bounding_box()
    tip = page.locator(".lv-tip")
    page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.3)
    _wait_for(page, "the surface tooltip", lambda: tip.is_visible() and "P(class 1) = " in tip.inner_text())
    assert tip.inner_text().startswith("no dropout")
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.85)
    _wait_for(page, "the curves tooltip", lambda: tip.is_visible() and "Step 10" in tip.inner_text())
    assert "dropout q=0.5: train" in tip.inner_text()
    page.mouse.move(0, 0)
    button = page.locator(".lv-download")
    assert "PNG" in button.inner_text() and button.is_enabled()
    with page.expect_download() as info:
        button.click()
    png = tmp_path / info.value.suggested_filename
    info.value.save_as(png)
    assert info.value.suggested_filename == "dropout-lab-moons-live-step-10.png"
    assert _png_size(png.read_bytes()) == (3200, 1800)
    H.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, H.SCREENSHOT_DIR / "training_frame_download.png")

    runs = H._runs(page)
    page.locator('[data-testid="stSidebar"] label').filter(has_text="SVG").first.click()  # the app's format switch
    H.wait_idle(page, runs_before=runs)
    _wait_for(page, "the SVG button", lambda: "SVG" in button.inner_text())
    with page.expect_download() as info:
        button.click()
    svg = tmp_path / info.value.suggested_filename
    info.value.save_as(svg)
    text = svg.read_text()
    assert svg.suffix == ".svg" and '<svg xmlns="http://www.w3.org/2000/svg" width="3200" height="1800"' in text
    assert text.rstrip().endswith("</svg>") and text.count("<image") == 2 and "Step 10" in text
    import xml.dom.minidom
    xml.dom.minidom.parseString(text.encode())  # well-formed


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_presenter_mode_fits_the_first_screen_and_reset(app_server, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    _open(page, f"{app_server}/Live_training?presenter=true&t_speed=50")  # two Steps: step 100
    for _ in range(2):
        runs = H._runs(page)
        page.locator(".st-key-t_step button").first.click()
        H.wait_idle(page, runs_before=runs)
    _wait_for(page, "step 100", lambda: _step(page) == 100)
    page.wait_for_timeout(300)
    boxes = {name: page.locator(sel).first.bounding_box() for name, sel in {
        "view": VIEW, "play": ".lv-play", "step": ".st-key-t_step button", "reset": ".st-key-t_reset button",
        "keep_in": ".st-key-t_keep_in", "keep_h": ".st-key-t_keep_h"}.items()}
    for name, box in boxes.items():  # nothing to scroll to: all of it within the first screen
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, \
            (name, box)
    assert boxes["view"]["height"] >= 0.55 * height
    assert boxes["view"]["x"] > boxes["keep_h"]["x"] + boxes["keep_h"]["width"]  # the controls beside the view
    H.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(H.SCREENSHOT_DIR / f"training_presenter_{width}x{height}.png"))
    runs = H._runs(page)
    page.keyboard.press("i")  # Reset, by its keyboard shortcut
    H.wait_idle(page, runs_before=runs)
    _wait_for(page, "step 0", lambda: _step(page) == 0)
    H.assert_no_exception(page)




def _csv_text(n: int = 80) -> str:
    """Two interleaved half-circles of points (labels 'left'/'right'), well inside the plotting box."""
    import math
    rows = ["x1,x2,label"]
    for i in range(n):
        t = math.pi * (i // 2) / (n // 2)
        if i % 2:
            rows.append(f"{math.cos(t):.4f},{math.sin(t):.4f},left")
        else:
            rows.append(f"{1 - math.cos(t):.4f},{0.5 - math.sin(t):.4f},right")
    return "\n".join(rows) + "\n"


def _visible(text: str) -> str:
    """The text as the reader sees it: without the invisible word joiners (U+2060) that ui.widgets.plain puts
    before ':', '.' and '@' of outside text (the browser has already decoded the character references)."""
    return html.unescape(text).replace("\u2060", "")


def _seen(locator) -> str:
    return _visible(locator.inner_text())


def _upload(page, key: str, name: str, text: str, mime: str = "text/csv") -> None:
    runs = H._runs(page)
    page.locator(f'.st-key-{key} input[type="file"]').set_input_files(
        {"name": name, "mimeType": mime, "buffer": text.encode()})
    H.wait_idle(page, runs_before=runs)
    H.assert_no_exception(page)


def _click(page, key: str) -> None:
    runs = H._runs(page)
    page.locator(f".st-key-{key} button").first.click()
    H.wait_idle(page, runs_before=runs)


def test_your_csv_upload_download_and_load_back(app_server, page, tmp_path):
    H.open_page(page, f"{app_server}/Live_training?t_data=Your+CSV&t_speed=50")  # 50 steps per Step
    assert "no points are loaded yet" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert not page.locator(VIEW).count()

    _upload(page, "t_csv_file", "half_circles.csv", _csv_text(80))
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "Read 80 points from half_circles.csv" in _seen(sidebar)
    _wait_for(page, "the live view", lambda: _step(page) == 0)
    assert page.locator(".st-key-t_ntrain input").input_value() == "40"
    shot = H.screenshot(page, "training_csv")  # the whole app (Streamlit scrolls inside its own container)
    shutil.copyfile(shot, "/tmp/train_csv.png")

    _upload(page, "t_csv_file", "broken.csv", "x1,x2,label\n1,2,a\n1,two,b\n")
    text = _seen(sidebar)
    assert "broken.csv cannot be used" in text and "The previous points stay in use" in text
    assert _step(page) == 0  # the run on half_circles.csv goes on

    _click(page, "t_step")
    _click(page, "t_step")
    _wait_for(page, "step 100", lambda: _step(page) == 100)
    with page.expect_download() as info:
        page.locator(".st-key-t_download button").first.click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename == "dropout-lab-csv-models.json"
    doc = json.loads(path.read_text())
    assert doc["steps"] == 100 and doc["settings"]["dataset"] == "csv" and len(doc["points"]["y"]) == 80
    assert [m["name"] for m in doc["models"]] == ["no dropout", "dropout q=0.5"]

    _click(page, "t_newseed")  # another run: new weights, step 0
    _wait_for(page, "step 0", lambda: _step(page) == 0)
    _upload(page, "t_model_file", "edited.json", path.read_text().replace('"steps":100', '"steps":-5'),
            "application/json")
    alerts = _visible(" | ".join(page.locator('[data-testid="stAlert"]').all_inner_texts()))
    assert "edited.json cannot be loaded: 'steps' must be an integer" in alerts and "Nothing was changed" in alerts
    assert _step(page) == 0  # nothing changed
    _upload(page, "t_model_file", download.suggested_filename, path.read_text(), "application/json")
    _wait_for(page, "the loaded run at step 100", lambda: _step(page) == 100)
    assert page.locator(".st-key-t_seed input").input_value() == "0"
    _click(page, "t_step")
    _wait_for(page, "step 150", lambda: _step(page) == 150)
    H.assert_no_exception(page)
