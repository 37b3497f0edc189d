"""Times each page's default view, cold (a fresh process per page: empty caches, nothing compiled yet).

Usage: python scripts/time_pages.py [page-file ...]   (default: every page). Prints seconds per page, wall and CPU.
Truly cold (nothing compiled on disk either): DROPOUT_LAB_CACHE_DIR=$(mktemp -d) python scripts/time_pages.py
A measurement, not a test: run it by hand on the machine the app will serve from.
"""
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONE = """
import sys, time
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
t, c = time.perf_counter(), time.process_time()
at = AppTest.from_file({page!r}, default_timeout=600)
at.run()
dt, dc = time.perf_counter() - t, time.process_time() - c
print(f"{{dt:.1f}} s (CPU {{dc:.1f}} s, all threads) {{'EXCEPTION' if at.exception else 'ok'}}")
"""


def main(pages):
    pages = pages or [str(ROOT / "app.py")] + sorted(str(p) for p in (ROOT / "pages").glob("*.py"))
    for page in pages:
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", ONE.format(root=str(ROOT), page=page)], capture_output=True,
                             text=True, cwd=ROOT)
        total = time.perf_counter() - t
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "failed: " + out.stderr[-300:]
        print(f"{Path(page).name:40s} script run {line} (process with imports {total:.1f} s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
