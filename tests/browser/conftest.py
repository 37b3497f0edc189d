"""Real-browser fixtures: one Streamlit server and one headless Chromium per session, a fresh page per test.

Environment (all optional):
  DROPOUT_LAB_APP       script to serve, relative to the repo root or absolute (default: app.py)
  DROPOUT_LAB_CHROMIUM  browser binary (default: Debian's /usr/bin/chromium; `make test` installs it)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.helpers import ROOT, screenshot

HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "artifacts"
SERVER_START_S = 90
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in CI containers, where the sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # small /dev/shm in containers crashes tabs
]
VIEWPORT = {"width": 1400, "height": 900}


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser as `browser` (deselect with -m "not browser")."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture can tell that its test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the server's whole process group; kill it if it lingers."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def app_server():
    """Start `streamlit run` on a free port from the repo root; yield its base URL."""
    script = Path(os.environ.get("DROPOUT_LAB_APP", "app.py"))
    script = script if script.is_absolute() else ROOT / script
    if not script.is_file():
        pytest.fail(f"no Streamlit script at {script} (set DROPOUT_LAB_APP to serve another)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",  # other work in the tree must not restart the app
        "--client.showErrorDetails", "full",  # a failing test shows the traceback in its screenshot
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "streamlit-server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("JAX_PLATFORMS", "cpu")
    with open(log_path, "w") as log:
        # Own process group, so teardown also ends anything the server spawned.
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {proc.returncode}" if proc.poll() is not None else \
                    f"not healthy after {SERVER_START_S} s"
                tail = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"Streamlit server {why}: {' '.join(cmd)}\n--- {log_path} ---\n{tail}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Debian's build, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("DROPOUT_LAB_CHROMIUM", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        pytest.fail(
            f"no Chromium at {executable}: run `make test` (installs Debian's chromium) or "
            "`apt-get install chromium`; or deselect these tests with -m 'not browser'"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh 1400x900 page per test; a failing test leaves a screenshot in artifacts/screenshots."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        path = screenshot(page, f"FAILED-{request.node.nodeid}")
        report.sections.append(("browser", f"screenshot: {path}\npage errors: {errors or 'none'}"))
    context.close()
