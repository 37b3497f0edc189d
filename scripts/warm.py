"""Open every page of a running Dropout Lab once, then move every control, so that a class finds it computed.

The app's shared results (st.cache_data on plain scalars), its cached figures (st.cache_resource) and compiled
programs (the on-disk compilation cache) live in the server; the first visitor of a page, or of a setting, pays
for them. This script is that first visitor, speaking Streamlit's own websocket protocol (loadtest/protocol.py):
it opens the home page, then every page of the navigation in turn, and waits for each run to finish. With
--walk it then walks every page (loadtest/controls.py): each tab, and each slider, select, radio and number
input there set to every value it takes (the --max-values nearest the default, the --numbers nearest for a seed),
one control at a time from the page's defaults. A class's first moves (one control away from the page as it
opens) then find their networks trained and their figures built. `make run` and `make serve` start it in the
background once the server answers; a lecturer can also run it by hand before the lecture:

    .venv/bin/python scripts/warm.py --url http://127.0.0.1:8501 --walk
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

from loadtest import app_map, controls, warmup  # noqa: E402
from loadtest import protocol as sp  # noqa: E402
from loadtest.warmup import _run  # noqa: E402

MAX_VALUES = 64  # values per control at most, nearest the default (a slider of 1,000 values: Monte Carlo k)
NUMBERS = 10  # values per number input (a seed, a test digit), nearest the default
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


def walk(url: str, *, pages: list[str], max_values: int, numbers: int, budget_s: float,
         kinds: tuple = controls.KINDS) -> list[controls.Walked]:
    """Every page (or those whose name or URL path contains one of `pages`; 'home' for the home page) walked
    through its controls; stops after budget_s, leaving what it did."""
    deadline = time.monotonic() + budget_s
    client = controls.Client(url, timeout_s=PAGE_S)
    rows: list[controls.Walked] = []
    try:
        client.open_app()
        # the app's pages as its navigation lists them (an app of one page sends none: that page)
        for name, path, digest in list(client.nav) or [("", "", client.page.page_script_hash)]:
            shown = "home" if path == "" else name
            if not controls.wanted(pages, name, path):
                continue
            if time.monotonic() > deadline:
                break
            t0 = time.monotonic()
            try:
                walked = controls.walk_page(client, shown, digest, kinds=kinds, max_values=max_values,
                                            numbers=numbers, deadline=deadline)
            except (controls.ActionFailed, sp.ProtocolError) as exc:
                walked = [controls.Walked(shown, "", "", errors=[str(exc)])]
            rows.extend(walked)
            moves = sum(r.values for r in walked)
            errors = [e for r in walked for e in r.errors]
            print(f"warm-up: walked {shown}: {moves} moves in {time.monotonic() - t0:.0f} s"
                  + (f"; {len(errors)} problems, first: {errors[0]}" if errors else ""), file=sys.stderr, flush=True)
    finally:
        client.close()
    return rows


def release(url: str, path: Path) -> None:
    """Ask the server to drop the programs its walk compiled (it watches ``path``: core.system.ReleaseSignal),
    then open every page once: the first run releases, and the pages compile their default programs again
    (from the on-disk compilation cache), as at start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    t0 = time.monotonic()
    times = warm(url)
    # The release dropped the live view's programs too, and opening the pages does not play: without this a
    # class's first Play would trace them and read them from the compilation cache while others play.
    try:
        warmup.play(url, training_page=app_map.TRAINING, view_key=app_map.VIEW_KEY)
        played = ", Live training played"
    except (RuntimeError, TimeoutError, KeyError, sp.ProtocolError) as exc:  # an app without the page: no Play
        played = f"; Live training not played: {exc}"
    print(f"warm-up: the walk's programs released, {len(times)} pages opened again{played} in "
          f"{time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the server to answer first")
    parser.add_argument("--walk", action="store_true", help="then move every control of every page through its values")
    parser.add_argument("--pages", default="", help="walk only these pages (comma-separated parts of their names)")
    parser.add_argument("--max-values", type=int, default=MAX_VALUES,
                        help=f"values per control at most, nearest the default ({MAX_VALUES})")
    parser.add_argument("--numbers", type=int, default=NUMBERS,
                        help=f"values per number input (seeds), nearest first ({NUMBERS})")
    parser.add_argument("--kinds", default=",".join(controls.KINDS),
                        help=f"the kinds of control walked ({','.join(controls.KINDS)})")
    parser.add_argument("--budget", type=float, default=3600.0, help="seconds the walk may take at most")
    parser.add_argument("--release", default="", help="after the walk, touch this file (the server's "
                        "$DROPOUT_LAB_RELEASE_FILE) and open every page again: the server drops the programs the "
                        "walk compiled (about 1.5 GB) and keeps its results and figures")
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
          f"({', '.join(f'{n} {s:.1f} s' for n, s in times.items())})", file=sys.stderr, flush=True)
    if args.walk:
        t0 = time.monotonic()
        pages = [p.strip().lower() for p in args.pages.split(",") if p.strip()]
        rows = walk(url, pages=pages, max_values=max(1, args.max_values), numbers=max(0, args.numbers),
                    budget_s=max(1.0, min(args.budget, 4 * 3600.0)),
                    kinds=tuple(k.strip() for k in args.kinds.split(",") if k.strip()))
        problems = [r for r in rows if r.errors]
        print(f"warm-up: walk done, {sum(r.values for r in rows)} moves of {len(rows)} controls in "
              f"{time.monotonic() - t0:.0f} s" + (f"; {len(problems)} controls had problems" if problems else ""),
              file=sys.stderr, flush=True)
        failed += [r.control for r in problems]
        if args.release:
            release(url, Path(args.release))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
