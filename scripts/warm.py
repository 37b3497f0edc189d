"""Open every page of a running Dropout Lab once, so that a class finds each page's default view computed.

The app's shared results (st.cache_data on plain scalars) and compiled programs (the on-disk compilation cache)
live in the server; the first visitor of a page with its default settings pays for them. This script is that first
visitor, speaking Streamlit's own websocket protocol (loadtest/protocol.py): it opens the home page, then every
page of the navigation in turn, and waits for each run to finish. `make run` and `make serve` start it in the
background once the server answers; a lecturer can also run it by hand before the lecture:

    .venv/bin/python scripts/warm.py --url http://127.0.0.1:8501
"""
from __future__ import annotations

import argparse
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from loadtest import protocol as sp  # noqa: E402
from loadtest.warmup import _run  # noqa: E402

PAGE_S = 600.0  # one page's first run on a cold, busy 2-core machine, compilation included


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def check_loopback(url: str) -> None:
    """The warm-up only ever talks to a server on this machine."""
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    if host not in ("localhost", "::1") and not host.startswith("127."):
        raise SystemExit(f"--url must be a loopback address (127.x, localhost, [::1]), got {url!r}")


def warm(url: str) -> dict[str, float]:
    """Visit the home page and every other page once; page name -> seconds its first run took (NaN: it failed)."""
    conn = sp.Connection(url, timeout_s=PAGE_S)
    page = sp.Page()
    times: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        _run(conn, page, sp.rerun_request(page_script_hash=""), timeout_s=PAGE_S)
        times["home"] = time.monotonic() - t0
        home = page.page_script_hash
        by_hash: dict[str, str] = {}  # page.pages holds each page twice: by name and by url path
        for name, digest in page.pages.items():
            if digest not in (home, page.main_script_hash) and (digest not in by_hash or " " in name):
                by_hash[digest] = name
        for digest, name in by_hash.items():
            t0 = time.monotonic()
            try:
                _run(conn, page, sp.rerun_request(page_script_hash=digest), timeout_s=PAGE_S)
                times[name] = time.monotonic() - t0
            except (RuntimeError, TimeoutError, sp.ProtocolError) as exc:
                print(f"warm-up: {name}: {exc}", file=sys.stderr)
                times[name] = float("nan")
    finally:
        conn.close()
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the server to answer first")
    args = parser.parse_args(argv)
    url = args.url.rstrip("/")
    check_loopback(url)
    deadline = time.monotonic() + max(0.0, min(args.wait, 3600.0))
    while not healthy(url):
        if time.monotonic() > deadline:
            print(f"warm-up: {url} does not answer", file=sys.stderr)
            return 1
        time.sleep(1.0)
    t0 = time.monotonic()
    times = warm(url)
    failed = [n for n, s in times.items() if s != s]
    print(f"warm-up: {len(times)} pages opened in {time.monotonic() - t0:.0f} s "
          f"({', '.join(f'{n} {s:.1f} s' for n, s in times.items())})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
