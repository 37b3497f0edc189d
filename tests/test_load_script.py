"""scripts/load_test.py, its pure parts: statistics, targets, the report, the server log, the options.

The load test itself (a server and 30 browsers) is not part of the test run: `make load` runs it.
"""
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("load_test", ROOT / "scripts" / "load_test.py")
lt = importlib.util.module_from_spec(SPEC)
sys.modules[SPEC.name] = lt  # dataclasses look their module up there
SPEC.loader.exec_module(lt)

# Any executable file stands in for Chromium: parse_args only checks that the binary can be run.
FAKE_CHROMIUM = ["--chromium", sys.executable]


# --- percentile, describe ----------------------------------------------------------------------------------

def test_percentile_interpolates_between_order_statistics():
    xs = [4.0, 1.0, 3.0, 2.0, 5.0]  # order does not matter
    assert lt.percentile(xs, 0) == 1.0 and lt.percentile(xs, 100) == 5.0
    assert lt.percentile(xs, 50) == 3.0
    assert lt.percentile(xs, 95) == pytest.approx(4.8)  # rank 3.8: 4 + 0.8 * (5 - 4)
    assert lt.percentile([1, 2], 50) == pytest.approx(1.5)


def test_percentile_of_one_value_and_of_none():
    assert lt.percentile([7], 95) == 7.0
    assert lt.percentile([], 50) is None


def test_percentile_matches_numpy_linear():
    np = pytest.importorskip("numpy")
    xs = list(np.random.default_rng(0).exponential(size=101))
    for q in (5, 50, 90, 95, 99):
        assert lt.percentile(xs, q) == pytest.approx(float(np.percentile(xs, q)))


@pytest.mark.parametrize("q", [-1, 100.5])
def test_percentile_rejects_a_rank_outside_0_100(q):
    with pytest.raises(ValueError):
        lt.percentile([1, 2, 3], q)


def test_describe_rounds_and_counts():
    d = lt.describe([0.1, 0.2, 0.3, 0.4, 1.23456])
    assert d == {"count": 5, "p50": 0.3, "p95": pytest.approx(1.0679, abs=1e-3), "max": 1.235,
                 "mean": pytest.approx(0.447, abs=1e-3)}


def test_describe_of_nothing_has_no_statistics():
    assert lt.describe([]) == {"count": 0, "p50": None, "p95": None, "max": None, "mean": None}


# --- check_targets -----------------------------------------------------------------------------------------

def test_targets_met():
    checks = lt.check_targets(0, 1.5, 2500.0)
    assert all(c["ok"] for c in checks.values())
    assert checks["p95_slider_to_figure_s"]["value"] == 1.5 and checks["peak_server_rss_mb"]["value"] == 2500.0


@pytest.mark.parametrize("errors, p95, rss, missed", [
    (1, 0.5, 1000.0, "errors"),
    (0, 2.0, 1000.0, "p95_slider_to_figure_s"),  # "p95 under 2 s": 2.0 itself misses
    (0, 0.5, 3000.0, "peak_server_rss_mb"),  # "under 3 GB"
    (0, None, 1000.0, "p95_slider_to_figure_s"),  # no slider move measured
    (0, 0.5, None, "peak_server_rss_mb"),  # the server's memory could not be read
])
def test_each_target_can_be_missed(errors, p95, rss, missed):
    checks = lt.check_targets(errors, p95, rss)
    assert [name for name, c in checks.items() if not c["ok"]] == [missed]


def test_targets_can_be_given():
    targets = {"max_errors": 2, "p95_s": 0.5, "rss_mb": 100.0}
    checks = lt.check_targets(2, 0.6, 50.0, targets)
    assert checks["errors"]["ok"] and not checks["p95_slider_to_figure_s"]["ok"] and checks["peak_server_rss_mb"]["ok"]
    assert checks["p95_slider_to_figure_s"]["limit"] == "< 0.5"


# --- summarize, format_summary -----------------------------------------------------------------------------

def _report(**over):
    kw = dict(sessions=4, opened=4, latencies_s=[0.2, 0.3, 0.4, 0.5], page_changes_s=[1.0, 2.0],
              joins_s=[3.0, 4.0], plays=[{"steps_per_s": 100.0}, {"steps_per_s": 200.0}, {}],
              errors=[], actions={"slider": 4, "page_change": 2, "play": 2},
              rss_peak_mb=1200.0, rss_baseline_mb=800.0)
    kw.update(over)
    return lt.summarize(**kw)


def test_summary_of_a_clean_run_passes():
    r = _report(extra={"date": "2026-01-01"})
    assert r["passed"] is True
    assert r["actions"] == {"total": 8, "slider": 4, "page_change": 2, "play": 2}
    assert r["slider_to_figure_s"]["count"] == 4 and r["slider_to_figure_s"]["p50"] == 0.35
    assert r["page_change_s"]["max"] == 2.0 and r["join_s"]["count"] == 2
    assert r["play"] == {"cycles": 3, "training_steps_per_s_per_session": 150.0}  # a play without a rate: skipped
    assert r["server_rss_mb"] == {"peak": 1200.0, "after_warmup": 800.0, "per_session": 100.0}
    assert r["errors"] == {"total": 0, "by_kind": {}, "first": []}
    assert r["date"] == "2026-01-01"
    json.dumps(r)  # the report is plain JSON


def test_summary_counts_errors_by_kind_and_fails():
    errors = [{"session": i, "kind": k, "message": "m"} for i, k in enumerate(["timeout"] * 12 + ["server"])]
    r = _report(errors=errors)
    assert r["passed"] is False and not r["targets"]["errors"]["ok"]
    assert r["errors"]["total"] == 13 and r["errors"]["by_kind"] == {"timeout": 12, "server": 1}
    assert len(r["errors"]["first"]) == 10  # the report keeps the first ten


def test_summary_fails_a_slow_p95_and_a_large_server():
    slow = _report(latencies_s=[0.1] * 18 + [3.0, 4.0])
    assert slow["slider_to_figure_s"]["p95"] >= 2 and not slow["passed"]
    big = _report(rss_peak_mb=3100.0)
    assert not big["targets"]["peak_server_rss_mb"]["ok"] and not big["passed"]


def test_summary_without_slider_moves_or_memory_fails():
    r = _report(latencies_s=[], rss_peak_mb=None, rss_baseline_mb=None)
    assert r["slider_to_figure_s"]["p95"] is None and r["server_rss_mb"]["per_session"] is None
    assert not r["passed"]


def test_per_session_memory_is_never_negative():
    assert _report(rss_peak_mb=700.0)["server_rss_mb"]["per_session"] == 0.0


def test_format_summary_names_every_target_and_the_verdict():
    ok = lt.format_summary(_report())
    assert "p95 0.485 s" in ok and ok.splitlines()[-1] == "PASSED"
    for name in ("errors", "p95_slider_to_figure_s", "peak_server_rss_mb"):
        assert f"PASS  {name}" in ok
    bad = lt.format_summary(_report(errors=[{"session": 3, "kind": "timeout", "message": "slow"}]))
    assert "FAIL  errors = 1" in bad and "session 3 timeout: slow" in bad and bad.endswith("a target was missed")


# --- the server's log and its script runs ------------------------------------------------------------------

LOG = """\
  You can now view your Streamlit app in your browser.
  URL: http://127.0.0.1:8501
2026-01-01 10:00:00.000 Uncaught app execution
Traceback (most recent call last):
  File "/x/streamlit/runtime/scriptrunner/exec_code.py", line 128, in exec_func_with_error_handling
    result = func()
  File "/work/main/pages/1_Masks_and_subnetworks.py", line 24, in <module>
    keep = mp.keep_sliders(sizes)
ValueError: keep must be in (0, 1]
2026-01-01 10:00:01.000 Task exception was never retrieved
Traceback (most recent call last):
  File "/x/tornado/websocket.py", line 1090, in wrapper
    raise WebSocketClosedError()
tornado.websocket.WebSocketClosedError
"""


def test_server_log_errors_names_each_traceback_by_its_exception():
    assert lt.server_log_errors(LOG) == ["ValueError: keep must be in (0, 1]",
                                         "tornado.websocket.WebSocketClosedError"]


def test_a_clean_server_log_has_no_errors():
    assert lt.server_log_errors("  You can now view your Streamlit app in your browser.\n") == []
    assert lt.server_log_errors("") == []


def test_read_server_runs_keeps_the_window(tmp_path):
    path = tmp_path / "runs.jsonl"
    rows = [{"kind": "full", "s": 0.5, "t": 5.0},  # before the window (the warm-up)
            {"kind": "full", "s": 0.1, "t": 10.0}, {"kind": "full", "s": 0.3, "t": 15.0},
            {"kind": "fragment", "s": 0.2, "t": 12.0}, {"kind": "full", "s": 9.0, "t": 30.0}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    got = lt.read_server_runs(path, 10.0, 20.0)
    assert list(got) == ["fragment", "full"]
    assert got["full"]["count"] == 2 and got["full"]["p50"] == pytest.approx(0.2)
    assert lt.read_server_runs(tmp_path / "missing.jsonl", 0, 1) == {}


# --- options -----------------------------------------------------------------------------------------------

def test_defaults_are_the_lecture_hall():
    args = lt.parse_args(FAKE_CHROMIUM)
    assert args.sessions == 30 and args.duration > 0 and args.url is None and args.json_out is None
    assert args.think[0] <= args.think[1] and args.play > 0 and args.client_nice >= 0


def test_options_are_read():
    args = lt.parse_args(FAKE_CHROMIUM + ["--sessions", "5", "--duration", "30", "--url", "http://127.0.0.1:8501",
                                          "--json-out", "artifacts/x.json", "--think", "0.5", "2",
                                          "--play", "4", "--client-nice", "0"])
    assert (args.sessions, args.duration, args.url) == (5, 30.0, "http://127.0.0.1:8501")
    assert args.json_out == Path("artifacts/x.json") and args.think == [0.5, 2.0]
    assert args.play == 4.0 and args.client_nice == 0


@pytest.mark.parametrize("bad", [["--sessions", "0"], ["--duration", "0"], ["--play", "-1"],
                                 ["--think", "3", "1"], ["--think", "-1", "1"], ["--client-nice", "-5"],
                                 ["--sessions", "many"]])
def test_bad_options_are_refused(bad, capsys):
    with pytest.raises(SystemExit) as exc:
        lt.parse_args(FAKE_CHROMIUM + bad)
    assert exc.value.code == 2 and "error" in capsys.readouterr().err


def test_a_missing_browser_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        lt.parse_args(["--chromium", str(tmp_path / "no-chromium")])
    assert "no Chromium" in capsys.readouterr().err


# --- the client's niceness ---------------------------------------------------------------------------------

def test_renice_lowers_every_thread_of_a_process_once():
    child = subprocess.Popen([sys.executable, "-c", "import threading, time; "
                              "threading.Thread(target=time.sleep, args=(30,)).start(); time.sleep(30)"])
    try:
        deadline = time.monotonic() + 10
        while len(os.listdir(f"/proc/{child.pid}/task")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        tids = {int(t) for t in os.listdir(f"/proc/{child.pid}/task")}
        assert len(tids) == 2
        target = os.getpriority(os.PRIO_PROCESS, 0) + 3
        assert lt.renice({child.pid}, target) == tids
        assert {os.getpriority(os.PRIO_PROCESS, t) for t in tids} == {target}
        assert lt.renice({child.pid}, target) == set()  # already there: nothing to do
        assert lt.renice({child.pid}, target - 1) == set()  # never raises a priority
        assert lt.renice({2 ** 22 + 1}, target) == set()  # a process that is gone is skipped
    finally:
        child.kill()
        child.wait()


def _niceness_and_autogroup(code: str, *, env=None, own_session=True) -> tuple[int, int | None]:
    """Run code in a fresh Python (a session of its own unless told), then report its niceness and its
    session's autogroup niceness."""
    out = subprocess.run([sys.executable, "-c", code + "\nimport os\nfrom loadtest.priority import autogroup_nice\n"
                          "print(os.getpriority(os.PRIO_PROCESS, 0), "
                          "autogroup_nice(open('/proc/self/autogroup').read()))"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**os.environ, **(env or {})}, start_new_session=own_session)
    assert out.returncode == 0, out.stderr
    nice, group = out.stdout.split()[-2:]
    return int(nice), None if group == "None" else int(group)


@pytest.mark.skipif(not os.path.exists("/proc/self/autogroup"), reason="the kernel has no autogroups")
def test_a_load_generator_lowers_itself_and_its_session():
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert base < 7, "the test runs at a niceness below 7"
    assert _niceness_and_autogroup("from loadtest.priority import lower_self; lower_self(7)") == (7, 7)
    assert _niceness_and_autogroup("from loadtest.priority import lower_self; lower_self(0)") == (base, 0)
    # Never raises a priority: a process at 9 stays at 9.
    assert _niceness_and_autogroup("import os; os.nice(9 - os.getpriority(os.PRIO_PROCESS, 0))\n"
                                   "from loadtest.priority import lower_self; lower_self(7)")[0] == 9
    # Locust's students lower themselves as load.py --client-nice asks (DLAB_NICE), before they start.
    assert _niceness_and_autogroup("import loadtest.locustfile", env={"DLAB_NICE": "6"}) == (6, 6)
    assert _niceness_and_autogroup("import loadtest.locustfile", env={"DLAB_NICE": "0"}) == (base, 0)


@pytest.mark.skipif(not os.path.exists("/proc/self/autogroup"), reason="the kernel has no autogroups")
def test_a_load_generator_run_from_a_shell_leaves_the_shell_session_alone():
    from loadtest.priority import autogroup_nice
    own = autogroup_nice(open("/proc/self/autogroup").read())  # None where the shell's session has none of its own
    nice, group = _niceness_and_autogroup("from loadtest.priority import lower_self; lower_self(5)",
                                          own_session=False)
    assert (nice, group) == (max(5, os.getpriority(os.PRIO_PROCESS, 0)), own)


def test_an_autogroup_line_is_read_and_an_empty_one_means_none():
    from loadtest.priority import autogroup_nice
    assert autogroup_nice("/autogroup-123 nice 0\n") == 0
    assert autogroup_nice("/autogroup-7 nice -5") == -5
    assert autogroup_nice("") is None and autogroup_nice("\n") is None
    with pytest.raises(ValueError, match="text"):
        autogroup_nice("something else")


def test_lower_self_and_the_scripts_refuse_a_niceness_outside_0_19(capsys):
    from loadtest.priority import lower_self
    for bad in (-1, 20):
        with pytest.raises(ValueError, match="nice"):
            lower_self(bad)
    # Both scripts take --client-nice through the same argparse type, which says what it wants.
    sys.path.insert(0, str(ROOT / "scripts"))
    import load
    for parse in (lt.parse_args, load.parse_args):
        for bad in ("-1", "20", "ten"):
            with pytest.raises(SystemExit):
                parse(["--browsers", "0", "--client-nice", bad] if parse is load.parse_args
                      else ["--client-nice", bad])
            assert "--client-nice: must be an integer in 0..19" in capsys.readouterr().err


def test_format_summary_shows_the_split_by_playing_sessions():
    r = _report(extra={"slider_to_figure_s_while": {"nobody_plays": lt.describe([0.2, 0.4]),
                                                     "someone_plays": lt.describe([])}})
    text = lt.format_summary(r)
    assert "while nobody plays: p50 0.3 s" in text and "while someone plays: p50 n/a, p95 n/a (0)" in text


def test_errors_carry_their_time_from_the_start():
    res = lt.Results()
    res.error(1, "timeout", "before   the\nstart")
    res.start = lt.time.monotonic() - 5
    res.error(2, "check", "later")
    assert res.errors[0] == {"session": 1, "kind": "timeout", "at_s": None, "message": "before the start"}
    assert res.errors[1]["at_s"] >= 5


def test_wait_for_file_returns_when_the_file_appears_the_process_ends_or_time_is_up(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import load
    ready = tmp_path / "ready"
    writer = subprocess.Popen([sys.executable, "-c", f"import time, pathlib; time.sleep(0.3); "
                                                     f"pathlib.Path({str(ready)!r}).write_text('3 joined')"])
    assert load.wait_for_file(ready, writer, 30, poll_s=0.05) and ready.exists()
    writer.wait(10)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(10)
    assert not load.wait_for_file(tmp_path / "never", gone, 30, poll_s=0.05)  # ended without writing it
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not load.wait_for_file(tmp_path / "never", sleeper, 0.3, poll_s=0.05)
    finally:
        sleeper.kill()
        sleeper.wait(10)


def test_the_browsers_take_a_ready_file():
    assert lt.parse_args(["--ready-file", "/tmp/x.ready", *FAKE_CHROMIUM]).ready_file == Path("/tmp/x.ready")
    assert lt.parse_args(FAKE_CHROMIUM).ready_file is None
