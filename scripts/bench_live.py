"""Measure the Live training page's live view in headless Chromium (a measurement, not a test).

Starts the app and, for each speed (by default the page's default, 10 steps per frame, then the fastest, 200),
opens Live training in a fresh page, presses Play, warms up, and for --seconds (10) measures: frames painted per
second (the view's data-frames), training steps per second per model (its data-step), the server's CPU seconds
per second of play, Chromium's CPU (all its processes) per second, and the bytes per second the server sends the
session over its WebSocket. Prints one JSON object per speed.

    make bench-live                      # or: .venv/bin/python scripts/bench_live.py --speed 50 --seconds 30
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
VIEW_JS = "r => ({...r.dataset})"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu(procs) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _kind(p) -> str:
    """A Chromium process's role (its --type=..., or "browser" for the main process)."""
    try:
        for arg in p.cmdline():
            if arg.startswith("--type="):
                return arg[len("--type="):]
    except psutil.Error:
        return "gone"
    return "browser"


def _cpu_by_kind(procs) -> dict:
    out: dict[str, float] = {}
    for p in procs:
        out[_kind(p)] = out.get(_kind(p), 0.0) + _cpu([p])
    return out


def _tree(pid: int) -> list:
    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except psutil.Error:
        return []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--speed", type=int, action="append", choices=(1, 10, 50, 200),
                    help="steps per frame; repeat for several (default: 10, the page's default, and 200)")
    ap.add_argument("--width", type=int, default=1400, help="the browser window's width in CSS pixels (900 high)")
    ap.add_argument("--chromium", default=os.environ.get("DROPOUT_LAB_CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()
    speeds = args.speed or [10, 200]
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, "JAX_PLATFORMS": "cpu"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the app did not start")
            time.sleep(0.5)
        received = [0]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            for speed in speeds:
                print(json.dumps(_measure(browser, url, speed, args, server, received), indent=1), flush=True)
            browser.close()
        return 0
    finally:
        try:
            os.killpg(server.pid, 15)
            server.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, 9)


def _measure(browser, url: str, speed: int, args, server, received: list) -> dict:
    """One speed: a fresh page of Live training at that speed, Play, warm-up, then --seconds of measurement."""
    page = browser.new_page(viewport={"width": args.width, "height": 900})
    page.on("websocket", lambda ws: ws.on(
        "framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload))))
    page.goto(f"{url}/Live_training?t_speed={speed:,}")
    view = page.locator(".lv-root")
    view.wait_for(timeout=120_000)
    page.wait_for_function("() => true")
    time.sleep(2)
    view.scroll_into_view_if_needed()
    page.locator(".lv-play").click()
    # The first batch compiles this speed's chunk (seconds); then warm up.
    start = int(view.evaluate(VIEW_JS)["frames"])
    deadline = time.monotonic() + 180
    while int(view.evaluate(VIEW_JS)["frames"]) < start + 30 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    page.wait_for_timeout(int(args.warmup * 1000))
    # This script's own Chromium (under Playwright's driver), not other browsers on the machine.
    browser_procs = [p for p in _tree(os.getpid()) if "chrom" in p.name().lower()]
    server_procs = _tree(server.pid)
    k0 = _cpu_by_kind(browser_procs)
    d0, b0, s0, c0, t0 = view.evaluate(VIEW_JS), received[0], _cpu(server_procs), _cpu(browser_procs), \
        time.monotonic()
    page.wait_for_timeout(int(args.seconds * 1000))
    d1, b1, s1, c1, t1 = view.evaluate(VIEW_JS), received[0], _cpu(server_procs), _cpu(browser_procs), \
        time.monotonic()
    dt = t1 - t0
    k1 = _cpu_by_kind(browser_procs)
    out = {
        "speed_steps_per_frame": speed, "seconds": round(dt, 2),
        "frames_per_s": round((int(d1["frames"]) - int(d0["frames"])) / dt, 1),
        "steps_per_s_per_model": round((int(d1["step"]) - int(d0["step"])) / dt),
        "server_cpu_s_per_s": round((s1 - s0) / dt, 3),
        "browser_cpu_cores": round((c1 - c0) / dt, 3),
        # Which of Chromium's processes the cores went to (renderer: the page's JavaScript, layout and
        # painting; gpu-process: compositing, in software here; browser: the main process).
        "browser_cores_by_process": {k: round((k1.get(k, 0.0) - v) / dt, 3) for k, v in k0.items()},
        "bytes_per_s": round((b1 - b0) / dt),
        "playing": d1["playing"] == "true",
        "machine": f"{os.cpu_count()} CPUs, {os.uname().sysname} {os.uname().machine}",
    }
    page.close()
    return out


if __name__ == "__main__":
    sys.exit(main())
