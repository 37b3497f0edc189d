"""A bounded smoke test of the simulated students' plumbing: the Locust module imports with the pinned Locust
and gevent, and one Tab (its websocket, its reader greenlet, its rerun-and-wait) opens a small Streamlit app on
loopback and moves its slider. Runs in a subprocess (Locust patches the standard library with gevent when it is
imported). The load runs themselves are measurements (`make load`), not tests."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import serve  # noqa: E402

CLIENT = """
import json, sys
sys.path.insert(0, {root!r})
from loadtest.locustfile import Tab  # imports locust, which patches the standard library with gevent
tab = Tab({url!r}, 1)
try:
    opened = tab.open()
    widget = tab.page.widget("Keep q", "slider")
    moved = tab.move_slider("Keep q", to=0.2, need_figure=False)
    print(json.dumps({{"opened": opened, "moved": moved, "sent": tab.sent, "markdown": tab.page.markdown,
                      "query": tab.page.query_string, "slider": widget.id}}))
finally:
    tab.close()
"""


def test_a_tab_opens_the_app_and_moves_a_slider(tmp_path):
    app = ROOT / "tests" / "data" / "replica_app.py"
    replica = serve.start_replica("r0", serve.free_port(), app=app, log=tmp_path / "replica.log",
                                  cache_dir=tmp_path / "cache")
    try:
        serve.wait_healthy(replica.url, replica.proc, replica.log)
        done = subprocess.run([sys.executable, "-c", CLIENT.format(root=str(ROOT), url=replica.url)],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
    finally:
        serve.stop(replica.proc)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["opened"] > 0 and out["moved"] > 0
    assert out["sent"] == {out["slider"]: 0.2}  # the value is resent with every later rerun, as the front end does
    assert out["markdown"] == ["replica=r0", "keep=0.2"]  # the server ran the script with the new value
