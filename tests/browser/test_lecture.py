"""The guided lecture in real Chromium: → and PageDown step forward, ← and PageUp step back, and the URL follows
(the step, the page, the step's parameters); a lecture file loaded in the sidebar replays its steps."""
import re
from urllib.parse import parse_qs, urlparse

from tests.browser.helpers import TIMEOUT_MS, assert_no_exception, open_page, screenshot, wait_idle

MINE = """id = "mine"
title_en = "My own lecture"
title_zh = "我的讲授"

[[step]]
page = "app.py"
params = { keep_hidden = 0.3 }
say_en = "First my point about thirty percent"
say_zh = "一"
point_en = "the diagram"
point_zh = "图"

[[step]]
page = "app.py"
params = { keep_hidden = 0.7, draw = 2 }
say_en = "Second my point about seventy percent"
say_zh = "二"
point_en = "the caption"
point_zh = "说明"

[[step]]
page = "pages/1_Masks_and_subnetworks.py"
params = { m_tab = "One minibatch" }
say_en = "Third my point on the masks page"
say_zh = "三"
point_en = "the minibatch"
point_zh = "小批量"
"""


def _query(page) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def _bar(page) -> str:
    """The bar's text from "Step n of N" on (the ← and → buttons around it left out)."""
    text = page.locator(".st-key-lecture_bar").inner_text().replace("\u2060", "")
    found = re.search(r"Step \d+ of .*", text, re.S)
    assert found, text
    return found.group(0)


def _key(page, key: str, step: int) -> None:
    """Press a key on the page (not in a control) and wait for the link to reach the step."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # the page, not a control
    page.keyboard.press(key)
    page.wait_for_url(re.compile(rf"[?&]step={step}(&|$)"), timeout=TIMEOUT_MS)
    wait_idle(page)
    assert_no_exception(page)
    assert _bar(page).startswith(f"Step {step} of "), (key, _bar(page))


def test_keys_and_clicker_move_between_steps_and_the_url_follows(page, app_server):
    open_page(page, f"{app_server}/?lecture=intro&step=1")
    assert _bar(page).startswith("Step 1 of 13")
    _key(page, "ArrowRight", 2)
    assert _query(page)["draw"] == "3" and urlparse(page.url).path.rstrip("/") == ""
    assert "Mask #3" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    _key(page, "PageDown", 3)
    assert urlparse(page.url).path.endswith("/Masks_and_subnetworks")
    assert _query(page)["m_tab"] == "All subnetworks" and _query(page)["lecture"] == "intro"
    screenshot(page, "lecture-step-3")
    _key(page, "ArrowLeft", 2)
    assert urlparse(page.url).path.rstrip("/") == "" and _query(page)["draw"] == "3"
    _key(page, "PageUp", 1)
    assert "draw" not in _query(page)


def test_a_loaded_lecture_file_replays_its_steps(page, app_server, tmp_path):
    open_page(page, app_server)
    page.get_by_text("Guided lecture", exact=True).click()
    path = tmp_path / "mine.toml"
    path.write_text(MINE, encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text(re.compile(r"Loaded mine.\.toml: 3 steps")).wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)
    page.get_by_role("button", name="Start: My own lecture").click()
    page.wait_for_url(re.compile(r"[?&]lecture=mine"), timeout=TIMEOUT_MS)
    wait_idle(page)
    assert "First my point" in _bar(page) and _query(page)["step"] == "1"
    assert "keep q = 0.3" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    _key(page, "ArrowRight", 2)
    assert "Second my point" in _bar(page)
    assert "keep q = 0.7" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    assert _query(page)["draw"] == "2"
    _key(page, "PageDown", 3)
    assert "Third my point" in _bar(page) and urlparse(page.url).path.endswith("/Masks_and_subnetworks")
    assert _query(page)["m_tab"] == "One minibatch"
    screenshot(page, "lecture-loaded-step-3")


def test_arrow_keys_on_a_focused_slider_move_the_slider_not_the_step(page, app_server):
    open_page(page, f"{app_server}/?lecture=intro&step=2")
    page.locator('[data-testid="stSlider"] input[type="range"]').nth(1).focus()  # keep q for the hidden units
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"[?&]keep_hidden=0\.55(&|$)"), timeout=TIMEOUT_MS)
    wait_idle(page)
    assert _query(page)["step"] == "2" and _bar(page).startswith("Step 2 of 13")
