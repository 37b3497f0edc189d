"""A bounded smoke test of the simulated students' plumbing: the Locust module imports with the pinned Locust
and gevent, and one Tab (its websocket, its reader greenlet, its rerun-and-wait) opens a small Streamlit app on
loopback and moves its slider; and one Tab plays the app's Live training view as a student does (Play, batches
while it plays, Pause; leaving the page while it plays and coming back). Runs in a subprocess (Locust patches
the standard library with gevent when it is imported). The load runs themselves are measurements
(`make load`), not tests."""
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


PLAYER = """
import json, sys, time
sys.path.insert(0, {root!r})
import gevent
from loadtest import locustfile as lf  # imports locust, which patches the standard library with gevent
from loadtest.app_map import HOME, TRAINING

tab = lf.Tab({url!r}, 1)
out = {{}}
try:
    tab.open()
    tab.go(TRAINING)
    play = lf.LiveViewPlay()
    view = tab.view
    out["paused_on_arrival"] = not view.playing
    out["play_s"] = play.start(tab)
    gevent.sleep(4.0)
    out["first"] = view.stop_record(time.monotonic())
    out["pause_s"] = play.stop(tab)
    out["paused"] = not view.playing
    view.start_record(time.monotonic())
    play.start(tab)  # again, then away while it plays
    gevent.sleep(2.0)
    view.stop_record(time.monotonic())
    tab.go(HOME)
    out["left"] = tab.view is None
    tab.go(TRAINING)  # back: the server's session still plays, and so does the new view
    out["playing_on_return"] = tab.view is not None and tab.view.playing
    try:
        play.start(tab)  # a view that plays already cannot be pressed Play
        out["pressed_while_playing"] = True
    except lf.ActionFailed:
        out["pressed_while_playing"] = False
    play.resume(tab)  # the play goes on: its frames are recorded from here
    gevent.sleep(2.0)
    out["second"] = tab.view.stop_record(time.monotonic())
    out["pause2_s"] = play.stop(tab)
    out["errors"] = lf.ERRORS
    print(json.dumps(out))
finally:
    tab.close()
"""


def _steps_follow(log):
    """Every played batch's first step follows the previous batch's last one (same steps per frame)."""
    played = [b for b in log if b[5] in ("reset", "appended")]
    speed = (played[0][4] - played[0][3]) // max(played[0][2] - 1, 1)
    return all(b[3] == a[4] + speed for a, b in zip(played, played[1:])) and speed > 0


def test_a_tab_plays_the_live_view_of_the_app(tmp_path):
    replica = serve.start_replica("r0", serve.free_port(), app=ROOT / "app.py", log=tmp_path / "replica.log",
                                  cache_dir=ROOT / ".cache" / "jax")  # the compiled programs of `make load`
    try:
        serve.wait_healthy(replica.url, replica.proc, replica.log)
        done = subprocess.run([sys.executable, "-c", PLAYER.format(root=str(ROOT), url=replica.url)],
                              capture_output=True, text=True, timeout=280, cwd=ROOT)
    finally:
        serve.stop(replica.proc)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["errors"] == []  # no bad delta path, no exception, no unreadable batch
    assert out["paused_on_arrival"] and out["paused"] and out["left"] and out["playing_on_return"]
    first = out["first"]
    # 4 s of play at 30 frames a second, one batch a second: several batches whose steps follow each other.
    assert first["batches"] >= 2 and first["frames"] >= 30 and first["dropped"] == 0
    assert _steps_follow(first["batch_log"])
    assert out["second"]["batches"] >= 1 and out["second"]["frames"] > 0
    assert out["pressed_while_playing"] is False
    for key in ("play_s", "pause_s", "pause2_s"):
        assert 0 < out[key] < 60, key  # answered (60 s is the load test's own timeout)
