#!/usr/bin/env python3
"""Lecture-hall load test: N students on one Dropout Lab server, in real browsers.

Starts the app (``streamlit run app.py`` on a free loopback port, headless, as the browser tests do) or uses
one that is already running (--url), warms it up with one visit of the pages used, then opens N concurrent
sessions in headless Chromium (Debian's /usr/bin/chromium driven by Playwright; one browser process, one
context per session). For --duration seconds each session repeats what a student does:

  home page:        move the "Keep q for the hidden units" slider a step (3 times)
  Masks page:       move the "Keep q, hidden 1" slider a step (3 times)
  Live training:    press Play, let it train for --play seconds, press Pause

with a pause between actions (--think, 1-3 s by default), and changes page with the app's own sidebar links
(one Streamlit session per browser tab, as a student's). A slider move is timed in the page, from the key
press to the moment the chart's Plotly figure (traces and layout) differs from the one shown before. The
server's memory (RSS of the server process and its children) and the CPU time of the server, of the client
(Chromium, Playwright, this script) and of the whole machine are sampled every second. Slider times are also
reported split by whether some session was playing at the key press (its play loop loads the server most).

Output: a readable summary on stderr and one JSON object on stdout (and in --json-out). The exit status is 1
when a target is missed: any error (an exception on a page or in the server log, a timeout), p95 of the
slider-to-figure time >= 2 s, or peak server memory >= 3 GB. Not part of `make test`; run it with `make load`.

    .venv/bin/python scripts/load_test.py --sessions 5 --duration 30
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:8501 --json-out artifacts/load.json
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.browser.* (the browser tests' helpers and server settings)

from loadtest.priority import lower_self, niceness, renice  # noqa: E402  (the load generators' priority, --client-nice)
from loadtest.report import percentile  # noqa: E402  (one percentile for both load tests)

TARGETS = {"max_errors": 0, "p95_s": 2.0, "rss_mb": 3000.0}  # 3 GB = 3,000 MB (decimal megabytes)
ACTION_TIMEOUT_S = 60.0  # one slider move, one page change, one press of Play or Pause
OPEN_TIMEOUT_S = 120.0  # the first visit of a page (the warm-up compiles the JAX functions on this machine)
GRACE_S = 150.0  # after --duration, in-flight actions get this long before they count as unfinished
MAX_ERRORS_PER_SESSION = 5  # a session that keeps failing stops instead of flooding the report
JOIN_AT_ONCE = 3  # sessions opening the home page at the same time while they join

HOME_SLIDER = "Keep q for the hidden units"
MASKS_SLIDER = "Keep q, hidden 1"
MOVES_PER_PAGE = 3

# The step the Live training page's live view shows (its data-step attribute; the view sits in a shadow root).
STEP_JS = """() => {
  for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
    const root = host.shadowRoot && host.shadowRoot.querySelector('.lv-root');
    if (root) return Number(root.dataset.step);
  }
  return null;
}"""

# Remembers when the last key went down (capture phase: before the slider's own handler).
KEY_TIME_JS = """
window.addEventListener('keydown', () => { window.__dlabKeyAt = performance.now(); }, true);
"""

# The figure of chart `index` as a string: traces and layout (a keep slider changes the layout's labels);
# numeric arrays flattened; 'uid' left out (Plotly makes one up for traces that have none).
_FIGURE_SIG = """
const __dlabSig = (plot) => JSON.stringify({data: plot.data, layout: plot.layout}, (key, v) => {
  if (key === 'uid' || key === '_inputArray') return undefined;
  if (ArrayBuffer.isView(v)) return Array.from(v);
  return v;
});
const __dlabPlot = (index) =>
  document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')[index] || null;
"""

SNAPSHOT_JS = "(index) => {" + _FIGURE_SIG + """
  const plot = __dlabPlot(index);
  if (!plot || !plot._fullLayout) return false;
  window.__dlabFigData = plot.data;
  window.__dlabFigSig = __dlabSig(plot);
  return true;
}"""

# Polled in the page: false until the chart's figure differs from the snapshot, then the milliseconds since
# the last key press. Plotly replaces plot.data on every new figure, so the string is built only then.
CHANGED_JS = "(index) => {" + _FIGURE_SIG + """
  const plot = __dlabPlot(index);
  if (!plot || !plot._fullLayout || plot.data === window.__dlabFigData) return false;
  window.__dlabFigData = plot.data;
  if (__dlabSig(plot) === window.__dlabFigSig) return false;
  return Math.max(performance.now() - window.__dlabKeyAt, 0.001);
}"""


# ---------------------------------------------------------------------------------------------------------
# Pure parts: statistics, targets, the report (unit-tested in tests/test_load_script.py)
# ---------------------------------------------------------------------------------------------------------

def describe(values) -> dict:
    """count, p50, p95, max and mean of a list of seconds (None where there are none)."""
    xs = [float(v) for v in values]
    rnd = lambda v: None if v is None else round(v, 3)  # noqa: E731
    return {"count": len(xs), "p50": rnd(percentile(xs, 50)), "p95": rnd(percentile(xs, 95)),
            "max": rnd(max(xs) if xs else None), "mean": rnd(sum(xs) / len(xs) if xs else None)}


def check_targets(n_errors: int, p95_s: float | None, rss_mb: float | None, targets: dict = TARGETS) -> dict:
    """Each target with its value and whether it is met; a value that was not measured fails its target."""
    return {
        "errors": {"value": n_errors, "limit": f"<= {targets['max_errors']}",
                   "ok": n_errors <= targets["max_errors"]},
        "p95_slider_to_figure_s": {"value": p95_s, "limit": f"< {targets['p95_s']:g}",
                                   "ok": p95_s is not None and p95_s < targets["p95_s"]},
        "peak_server_rss_mb": {"value": rss_mb, "limit": f"< {targets['rss_mb']:g}",
                               "ok": rss_mb is not None and rss_mb < targets["rss_mb"]},
    }


def summarize(*, sessions: int, opened: int, latencies_s, page_changes_s, plays: list[dict], errors: list[dict],
              actions: dict, joins_s=(), rss_peak_mb: float | None, rss_baseline_mb: float | None,
              extra: dict | None = None, targets: dict = TARGETS) -> dict:
    """The report: counts, latency statistics, memory, and each target met or missed."""
    by_kind: dict[str, int] = {}
    for e in errors:
        by_kind[e["kind"]] = by_kind.get(e["kind"], 0) + 1
    slider = describe(latencies_s)
    per_session = None
    if rss_peak_mb is not None and rss_baseline_mb is not None and sessions:
        per_session = round(max(rss_peak_mb - rss_baseline_mb, 0.0) / sessions, 1)
    rates = [p["steps_per_s"] for p in plays if p.get("steps_per_s") is not None]
    checks = check_targets(len(errors), slider["p95"], rss_peak_mb, targets)
    report = {
        "sessions": sessions,
        "sessions_opened": opened,
        "actions": {"total": sum(actions.values()), **actions},
        "errors": {"total": len(errors), "by_kind": by_kind, "first": errors[:10]},
        "slider_to_figure_s": slider,
        "page_change_s": describe(page_changes_s),
        "join_s": describe(joins_s),
        "play": {"cycles": len(plays),
                 "training_steps_per_s_per_session": round(sum(rates) / len(rates), 1) if rates else None},
        "server_rss_mb": {"peak": rss_peak_mb, "after_warmup": rss_baseline_mb, "per_session": per_session},
        "targets": checks,
        "passed": all(c["ok"] for c in checks.values()),
    }
    report.update(extra or {})
    return report


def format_summary(report: dict) -> str:
    """A few readable lines for the terminal."""
    def num(v, unit=""):
        return "n/a" if v is None else f"{v:g}{unit}"

    s, t = report["slider_to_figure_s"], report["targets"]
    lines = [
        f"Load test: {report['sessions']} sessions ({report['sessions_opened']} opened), "
        f"{report['actions']['total']} actions ({', '.join(f'{k} {v}' for k, v in report['actions'].items() if k != 'total')})",
        f"  slider -> figure: p50 {num(s['p50'], ' s')}, p95 {num(s['p95'], ' s')}, max {num(s['max'], ' s')} "
        f"over {s['count']} moves",
        f"  joining (first page load): p50 {num(report['join_s']['p50'], ' s')}, max {num(report['join_s']['max'], ' s')};"
        f" page change: p50 {num(report['page_change_s']['p50'], ' s')}, p95 {num(report['page_change_s']['p95'], ' s')}",
        f"  training while playing: {num(report['play']['training_steps_per_s_per_session'])} steps/s per session "
        f"({report['play']['cycles']} plays)",
        f"  server RSS: peak {num(report['server_rss_mb']['peak'], ' MB')}, after warm-up "
        f"{num(report['server_rss_mb']['after_warmup'], ' MB')}, ~{num(report['server_rss_mb']['per_session'], ' MB')} "
        f"per session",
    ]
    split = report.get("slider_to_figure_s_while")
    if split:
        lines.insert(2, "    " + "; ".join(f"while {who.replace('_', ' ')}: p50 {num(d['p50'], ' s')}, p95 "
                                        f"{num(d['p95'], ' s')} ({d['count']})" for who, d in split.items()))
    runs = report.get("server_script_run_s")
    if runs:
        lines.append("  server script runs: " + "; ".join(
            f"{kind} p50 {num(d['p50'], ' s')}, p95 {num(d['p95'], ' s')} ({d['count']})" for kind, d in runs.items()))
    cpu = report.get("cpu_cores_used")
    if cpu:
        lines.append(f"  CPU cores used on average: server {num(cpu.get('server'))}, client {num(cpu.get('client'))}"
                     f", other processes {num(cpu.get('other'))}"
                     f" (machine: {report.get('machine', {}).get('cores', '?')} cores)")
    errs = report["errors"]
    lines.append(f"  errors: {errs['total']}" + (f" {errs['by_kind']}" if errs["total"] else ""))
    for e in errs["first"][:5]:
        lines.append(f"    session {e['session']} {e['kind']}: {e['message'][:200]}")
    for name, c in t.items():
        lines.append(f"  {'PASS' if c['ok'] else 'FAIL'}  {name} = {num(c['value'])} (target {c['limit']})")
    lines.append("PASSED" if report["passed"] else "FAILED: a target was missed")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# Processes: memory and CPU from /proc
# ---------------------------------------------------------------------------------------------------------

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used) for every process we can read."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state, ppid, ..., utime (14th field overall), stime (15th).
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return table


def _tree(root: int, table: dict[int, tuple[int, float]]) -> set[int]:
    """root and all its descendants that are alive in table."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in out:
            out.add(pid)
            todo.extend(children.get(pid, []))
    return out


def _rss_mb(pids) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE_BYTES
        except OSError:
            continue
    return total / 1e6


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (all cores, everything but idle and iowait) since boot."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICKS  # user nice system idle iowait irq softirq steal


def pid_listening_on(port: int) -> int | None:
    """The process that listens on a local TCP port (for --url: the server to measure), if this user can see it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(f"socket:[{cols[9]}]")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or not inodes:
            continue
        try:
            for fd in os.scandir(f"/proc/{entry.name}/fd"):
                if os.readlink(fd.path) in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


@dataclass
class Sampler:
    """Samples the server tree's RSS and the CPU time of the server and of the client (this script, Playwright
    and Chromium: everything it started except the server).

    CPU time is summed over every process seen so far, with its last reading: a browser tab's process that
    has exited still counts what it used.
    """
    server_pid: int | None
    client_nice: int = 0
    peak_mb: float | None = None
    last_mb: float | None = None
    seen: dict = field(default_factory=lambda: {"server": {}, "client": {}})
    cpu: dict = field(default_factory=dict)
    reniced: set = field(default_factory=set)

    def sample(self) -> None:
        table = _proc_table()
        server = _tree(self.server_pid, table) if self.server_pid else set()
        mine = _tree(os.getpid(), table) - server
        if self.client_nice:
            self.reniced |= renice(mine, self.client_nice)
        if server:
            self.last_mb = round(_rss_mb(server), 1)
            self.peak_mb = max(self.peak_mb or 0.0, self.last_mb)
        for group, pids in (("server", server), ("client", mine)):
            self.seen[group].update({p: table[p][1] for p in pids})
        self.cpu = {group: sum(times.values()) for group, times in self.seen.items()}
        self.cpu["machine"] = _machine_busy_s()
        self.cpu["at"] = time.monotonic()

    async def run(self, every_s: float = 1.0) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(every_s)


# ---------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------

def serve_with_probe(runs_path: str, argv: list[str]) -> None:
    """Run `streamlit <argv>` in this process and write one JSON line per script run to runs_path.

    Each line: {"kind": "full" | "fragment" | "interrupted" | "error", "s": seconds, "t": monotonic end, "cpu":
    the script thread's CPU seconds}, timed from Streamlit's SCRIPT_STARTED event to the run's end event in the
    script thread. This is the server's part
    of a slider move's latency, apart from what the browsers add. Lines of the other kinds say where a request's
    time goes around its run: "queued" (its arrival to its run's start), "flushed" (the run's end to its "script
    finished" leaving for the browser), "answered" (arrival to that) and "loop_lag" (every 0.05 s, how late a
    callback runs on Streamlit's event loop). It hooks private methods of Streamlit's AppSession and Runtime; if
    they are gone (another Streamlit), the server runs without the probe.
    """
    import threading

    try:
        from streamlit.runtime.app_session import AppSession
        from streamlit.runtime.scriptrunner import ScriptRunnerEvent as Event
        ends = {Event.SCRIPT_STOPPED_WITH_SUCCESS: "full", Event.FRAGMENT_STOPPED_WITH_SUCCESS: "fragment",
                Event.SCRIPT_STOPPED_FOR_RERUN: "interrupted", Event.SCRIPT_STOPPED_WITH_COMPILE_ERROR: "error"}
        original = AppSession._on_scriptrunner_event
    except (ImportError, AttributeError):
        original = None
    if original is not None:
        out, lock, started = open(runs_path, "w", buffering=1), threading.Lock(), {}

        asked: dict = {}  # session -> monotonic arrival of its oldest rerun request not yet started
        arrived: dict = {}  # session -> the same, kept until a run's "script finished" leaves for the browser
        probing = threading.Event()  # the event loop's probe has started (with the first request)

        def write(run: dict) -> None:
            line = json.dumps(run)
            with lock:
                out.write(line + "\n")

        def probe_loop(loop) -> None:
            """Every 0.05 s: how long a callback waits for Streamlit's event loop (it sends every message)."""
            def ran(t0: float) -> None:
                now = time.monotonic()
                write({"kind": "loop_lag", "s": round(now - t0, 4), "t": now})
            while not loop.is_closed():
                try:
                    loop.call_soon_threadsafe(ran, time.monotonic())
                except RuntimeError:
                    return
                time.sleep(0.05)

        original_backmsg = AppSession.handle_backmsg

        def handle_backmsg(self, msg, *args, **kwargs):
            if msg.WhichOneof("type") == "rerun_script":
                asked.setdefault(id(self), time.monotonic())
                arrived.setdefault(id(self), time.monotonic())
            if not probing.is_set():
                probing.set()
                threading.Thread(target=probe_loop, args=(self._event_loop,), daemon=True).start()
            return original_backmsg(self, msg, *args, **kwargs)

        AppSession.handle_backmsg = handle_backmsg
        ended: dict = {}  # session id -> monotonic end of its last run in the script thread

        from streamlit.runtime.runtime import Runtime
        original_send = Runtime._send_message

        def send_message(self, session_info, msg, *args, **kwargs):
            if msg.WhichOneof("type") == "script_finished":
                t_end = ended.pop(id(session_info.session), None)
                now = time.monotonic()
                if t_end is not None:  # from the run's end to its last message leaving for the browser
                    write({"kind": "flushed", "s": round(now - t_end, 4), "t": now})
                t_arrived = arrived.pop(id(session_info.session), None)
                if t_arrived is not None:  # from the request's arrival to its run's last message leaving
                    write({"kind": "answered", "s": round(now - t_arrived, 4), "t": now})
            return original_send(self, session_info, msg, *args, **kwargs)

        Runtime._send_message = send_message

        def timed(self, sender, event, *args, **kwargs):
            now = time.monotonic()
            if event == Event.SCRIPT_STARTED:
                started[id(self)] = (now, threading.get_ident(), time.thread_time())
                t_asked = asked.pop(id(self), None)
                if t_asked is not None:  # from the request's arrival to its run's start
                    write({"kind": "queued", "s": round(now - t_asked, 4), "t": now})
            elif event in ends and id(self) in started:
                t0, thread, cpu0 = started.pop(id(self))
                ended[id(self)] = now
                run = {"kind": ends[event], "s": round(now - t0, 4), "t": now}
                if thread == threading.get_ident():  # the script thread's CPU time for the run
                    run["cpu"] = round(time.thread_time() - cpu0, 4)
                write(run)
            return original(self, sender, event, *args, **kwargs)

        AppSession._on_scriptrunner_event = timed
    from streamlit.web.cli import main as streamlit_main

    sys.argv = ["streamlit", *argv]
    streamlit_main(prog_name="streamlit")


def read_server_runs(path: Path, start: float, end: float) -> dict:
    """Statistics of the server's script runs that ended within [start, end], by kind (see serve_with_probe)."""
    by_kind: dict[str, list[float]] = {}
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    for line in lines:
        try:
            run = json.loads(line)
        except ValueError:
            continue
        if start <= run["t"] <= end:
            by_kind.setdefault(run["kind"], []).append(run["s"])
    return {kind: describe(values) for kind, values in sorted(by_kind.items())}


def start_server(log_path: Path, runs_path: Path) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free loopback port, with the browser tests' settings; returns (process, URL).

    The server runs under serve_with_probe, which times every script run into runs_path.
    """
    from tests.browser.conftest import SERVER_START_S, _free_port, _healthy

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    streamlit_args = [
        "run", str(ROOT / "app.py"),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--client.showErrorDetails", "full",  # an error in the report carries the app's traceback
    ]
    probe = (f"import sys; sys.path.insert(0, {str(ROOT / 'scripts')!r}); import load_test; "
             f"load_test.serve_with_probe({str(runs_path)!r}, {streamlit_args!r})")
    cmd = [sys.executable, "-c", probe]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("JAX_PLATFORMS", "cpu")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + SERVER_START_S
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            tail = log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"the Streamlit server did not start: streamlit {' '.join(streamlit_args)}\n"
                             f"--- {log_path} ---\n{tail}")
        time.sleep(0.5)
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    from tests.browser.conftest import _stop

    _stop(proc)


def server_log_errors(text: str) -> list[str]:
    """Tracebacks in the server log, one string each (its last line, which names the exception)."""
    out = []
    for block in text.split("Traceback (most recent call last):")[1:]:
        lines = [ln for ln in block.splitlines() if ln.strip()]
        last = next((ln for ln in lines if re.match(r"^\w[\w.]*(Error|Exception|Exit|Interrupt)\b", ln)),
                    lines[-1] if lines else "")
        out.append(last.strip())
    return out


# ---------------------------------------------------------------------------------------------------------
# One student: async Playwright, with the browser tests' page-state scripts
# ---------------------------------------------------------------------------------------------------------

def _idle_wait_js() -> str:
    """Polled in the page: true once the app has been idle SETTLE_MS (after a newer run started, if asked)."""
    from tests.browser.helpers import _IDLE_JS

    return """(a) => {
  const w = window, now = performance.now();
  if (w.__dlabWait !== a.token) { w.__dlabWait = a.token; w.__dlabWaitT0 = now; w.__dlabIdleSince = null; }
  const waited = now - w.__dlabWaitT0;
  if (a.runsBefore === null ? waited < 2 * a.settleMs
      : (w.__dlabRuns || 0) <= a.runsBefore && waited < a.startMs) return false;
  if (!(""" + _IDLE_JS + """)()) { w.__dlabIdleSince = null; return false; }
  if (w.__dlabIdleSince === null) w.__dlabIdleSince = now;
  return now - w.__dlabIdleSince >= a.settleMs;
}"""


class ActionError(Exception):
    """An action did not complete: kind is 'timeout', 'exception' (on the page) or 'check'."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Results:
    latencies_s: list = field(default_factory=list)
    page_changes_s: list = field(default_factory=list)
    joins_s: list = field(default_factory=list)
    plays: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    actions: dict = field(default_factory=lambda: {"slider": 0, "page_change": 0, "play": 0})
    playing: int = 0  # sessions between their press of Play and the end of their Pause, now
    # Slider moves keyed while no session was playing, and while at least one was (its play loop loads the server).
    latencies_quiet_s: list = field(default_factory=list)
    latencies_busy_s: list = field(default_factory=list)
    start: float | None = None  # when the load began (monotonic): errors carry their time from it

    def error(self, session: int, kind: str, message: str) -> None:
        at = None if self.start is None else round(time.monotonic() - self.start, 1)
        self.errors.append({"session": session, "kind": kind, "at_s": at,
                            "message": " ".join(str(message).split())[:1000]})


class Student:
    def __init__(self, index: int, page, base_url: str, results: Results, play_s: float,
                 think_s: tuple[float, float] = (1.0, 3.0), record: bool = True):
        self.i, self.page, self.url, self.res = index, page, base_url, results
        self.play_s, self.think_s = play_s, think_s
        self.record = record  # the warm-up visit is not measured
        self.rng = random.Random(index)
        self.token = 0
        self.idle_js = _idle_wait_js()

    async def runs(self) -> int:
        return await self.page.evaluate("() => window.__dlabRuns || 0")

    async def wait_idle(self, runs_before: int | None, timeout_s: float = ACTION_TIMEOUT_S) -> None:
        from playwright.async_api import TimeoutError as PwTimeout
        from tests.browser.helpers import POLL_MS, RERUN_START_MS, SETTLE_MS

        self.token += 1
        arg = {"token": self.token, "runsBefore": runs_before, "settleMs": SETTLE_MS, "startMs": RERUN_START_MS}
        try:
            await self.page.wait_for_function(self.idle_js, arg=arg, polling=POLL_MS, timeout=timeout_s * 1000)
        except PwTimeout:
            raise ActionError("timeout", f"the app was still running after {timeout_s:.0f} s ({self.page.url})")

    async def check_page(self) -> None:
        boxes = self.page.locator('[data-testid="stException"]')
        if await boxes.count():
            text = " | ".join(t.strip() for t in await boxes.all_inner_texts())
            raise ActionError("exception", f"{self.page.url}: {text}")

    async def open(self) -> float:
        """Load the home page in this tab and wait for its first run; returns the seconds it took."""
        t0 = time.monotonic()
        try:
            await self.page.goto(self.url, wait_until="domcontentloaded", timeout=OPEN_TIMEOUT_S * 1000)
        except Exception as exc:  # noqa: BLE001 (a refused or timed-out connection)
            raise ActionError("timeout", f"opening {self.url}: {exc}")
        await self.wait_idle(0, OPEN_TIMEOUT_S)
        await self.check_page()
        return time.monotonic() - t0

    async def go(self, name: str) -> None:
        """Change page with the sidebar's link (the same Streamlit session, as a student does)."""
        link = self.page.locator('[data-testid="stSidebar"]').get_by_role("link", name=name, exact=True).first
        runs = await self.runs()
        t0 = time.monotonic()
        await link.click(timeout=ACTION_TIMEOUT_S * 1000)
        await self.wait_idle(runs, OPEN_TIMEOUT_S if not self.record else ACTION_TIMEOUT_S)
        await self.check_page()
        if self.record:
            self.res.page_changes_s.append(time.monotonic() - t0)
            self.res.actions["page_change"] += 1

    async def move_slider(self, label: str, chart: int = 0) -> float:
        """One arrow key on a slider (towards the middle of its range); seconds until the chart's figure changed."""
        from playwright.async_api import TimeoutError as PwTimeout

        group = self.page.locator('[data-testid="stSlider"]').filter(
            has=self.page.locator(f'[role="group"][aria-label={json.dumps(label)}]'))
        thumb = group.locator('input[type="range"]').first
        await thumb.focus(timeout=ACTION_TIMEOUT_S * 1000)
        value, lo, hi = (float(await thumb.input_value()), float(await thumb.get_attribute("min")),
                         float(await thumb.get_attribute("max")))
        if not await self.page.evaluate(SNAPSHOT_JS, chart):
            raise ActionError("check", f"no chart {chart} on {self.page.url}")
        runs = await self.runs()
        players = self.res.playing
        await self.page.keyboard.press("ArrowLeft" if value > (lo + hi) / 2 else "ArrowRight")
        try:
            handle = await self.page.wait_for_function(CHANGED_JS, arg=chart, polling=50,
                                                       timeout=ACTION_TIMEOUT_S * 1000)
        except PwTimeout:
            raise ActionError("timeout", f"moving {label!r}: the figure did not change in {ACTION_TIMEOUT_S:.0f} s")
        latency = await handle.json_value() / 1000
        await self.wait_idle(runs)
        await self.check_page()
        if self.record:
            self.res.latencies_s.append(latency)
            (self.res.latencies_busy_s if players else self.res.latencies_quiet_s).append(latency)
            self.res.actions["slider"] += 1
        return latency

    async def play(self) -> None:
        """Play on the Live training page for play_s seconds, check that it trained, and pause."""
        self.res.playing += 1
        try:
            await self._play()
        finally:
            self.res.playing -= 1

    async def _play(self) -> None:
        from playwright.async_api import TimeoutError as PwTimeout

        buttons = self.page.locator(".lv-play")  # the live view's Play/Pause button
        timeout = ACTION_TIMEOUT_S * 1000
        await buttons.filter(has_text="Play").first.click(timeout=timeout)
        await buttons.filter(has_text="Pause").first.wait_for(timeout=timeout)
        start = await self.page.evaluate(STEP_JS)
        if start is None:
            raise ActionError("check", f"no live view on {self.page.url}")
        try:  # the first frame (the first one after the warm-up compiles nothing)
            await self.page.wait_for_function(f"() => ({STEP_JS})() > {start}", polling=100, timeout=timeout)
        except PwTimeout:
            raise ActionError("timeout", f"Play: no training step in {ACTION_TIMEOUT_S:.0f} s")
        step0, t0 = await self.page.evaluate(STEP_JS), time.monotonic()
        await asyncio.sleep(self.play_s)
        step1, t1 = await self.page.evaluate(STEP_JS), time.monotonic()
        await buttons.filter(has_text="Pause").first.click(timeout=timeout)
        await buttons.filter(has_text="Play").first.wait_for(timeout=timeout)
        await self.wait_idle(None)
        await self.check_page()
        if step0 is None or step1 is None or step1 <= step0:
            raise ActionError("check", f"training stopped while playing (step {step0} -> {step1} in {t1 - t0:.0f} s)")
        if self.record:
            self.res.plays.append({"steps_per_s": (step1 - step0) / (t1 - t0)})
            self.res.actions["play"] += 1

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.think_s))

    async def lecture(self, deadline: float) -> None:
        """Repeat the round (home sliders, Masks sliders, Live training play) until the deadline.

        The tab has joined (opened the home page) before; after a failed action it reloads the home page, as a
        student would, and goes on (at most MAX_ERRORS_PER_SESSION times).
        """
        plan = ([("slider", HOME_SLIDER)] * MOVES_PER_PAGE + [("go", "Masks and subnetworks")]
                + [("slider", MASKS_SLIDER)] * MOVES_PER_PAGE + [("go", "Live training"), ("play", None),
                                                                 ("go", "Home")])
        failures = 0
        await asyncio.sleep(self.rng.uniform(0, self.think_s[1]))  # students do not act in step
        while time.monotonic() < deadline and failures < MAX_ERRORS_PER_SESSION:
            try:
                if failures:
                    await self.open()
                while True:
                    for what, arg in plan:
                        if time.monotonic() >= deadline:
                            return
                        if what == "slider":
                            await self.move_slider(arg)
                        elif what == "go":
                            await self.go(arg)
                        else:
                            await self.play()
                        await self.think()
            except ActionError as exc:
                failures += 1
                self.res.error(self.i, exc.kind, str(exc))
            except Exception as exc:  # noqa: BLE001 (Playwright: a detached element, a closed page, ...)
                failures += 1
                kind = "timeout" if type(exc).__name__ == "TimeoutError" else "error"
                self.res.error(self.i, kind, f"{type(exc).__name__}: {exc}")


async def run_load(args, url: str, server_pid: int | None) -> dict:
    from playwright.async_api import async_playwright
    from tests.browser.conftest import CHROMIUM_ARGS, VIEWPORT

    results, warm = Results(), Results()
    sampler = Sampler(server_pid, args.client_nice)
    machine = {"cores": os.cpu_count(), "platform": platform.platform(), "loadavg_start": os.getloadavg()}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        sampling = asyncio.create_task(sampler.run())  # from now on: memory, CPU, the client's niceness

        async def new_page(index: int, res: Results):
            context = await browser.new_context(viewport=VIEWPORT)
            page = await context.new_page()
            page.set_default_timeout(ACTION_TIMEOUT_S * 1000)
            await page.add_init_script(_count_runs_js() + KEY_TIME_JS)
            page.on("pageerror", lambda exc: res.error(index, "pageerror", getattr(exc, "stack", None) or str(exc)))
            return context, page

        # Warm-up: one visit of every page and action used, so that the JAX compilations (or loads from the
        # persistent compilation cache) happen before the clock starts, as before a lecture.
        t0 = time.monotonic()
        context, page = await new_page(-1, warm)
        student = Student(-1, page, url, warm, play_s=2.0, record=False)
        try:
            await student.open()
            await student.move_slider(HOME_SLIDER)
            await student.go("Masks and subnetworks")
            await student.move_slider(MASKS_SLIDER)
            await student.go("Live training")
            await student.play()
        except Exception as exc:  # noqa: BLE001
            warm.error(-1, "warmup", f"{type(exc).__name__}: {exc}")
        await context.close()
        warmup_s = time.monotonic() - t0
        if warm.errors:
            sampling.cancel()
            await browser.close()
            raise SystemExit(f"the warm-up visit failed: {warm.errors}")
        await asyncio.to_thread(sampler.sample)
        baseline_mb = sampler.last_mb

        # Join: every session opens the home page (a few at a time, so that Chromium's own start-up work on
        # this small machine does not time them out); the clock starts once all have joined.
        gate = asyncio.Semaphore(JOIN_AT_ONCE)
        students, contexts = [], []

        async def join(index: int):
            context, page = await new_page(index, results)
            contexts.append(context)
            student = Student(index, page, url, results, args.play, tuple(args.think))
            async with gate:
                try:
                    results.joins_s.append(await student.open())
                except Exception as exc:  # noqa: BLE001
                    results.error(index, "join", f"{type(exc).__name__}: {exc}")
                    return
            students.append(student)

        t0 = time.monotonic()
        await asyncio.gather(*(join(i) for i in range(args.sessions)))
        join_s = time.monotonic() - t0
        if args.ready_file is not None:
            args.ready_file.write_text(f"{len(students)} joined\n")

        await asyncio.to_thread(sampler.sample)
        cpu0 = dict(sampler.cpu)
        start = results.start = time.monotonic()
        deadline = start + args.duration
        tasks = [asyncio.create_task(s.lecture(deadline)) for s in students]
        done, pending = await asyncio.wait(tasks, timeout=args.duration + GRACE_S) if tasks else (set(), set())
        for task in pending:
            task.cancel()
            results.error(-1, "timeout", f"a session was still busy {GRACE_S:.0f} s after the end; stopped")
        for task in done:
            if task.exception() is not None:
                results.error(-1, "error", f"{type(task.exception()).__name__}: {task.exception()}")
        await asyncio.gather(*pending, return_exceptions=True)
        elapsed = time.monotonic() - start
        sampling.cancel()
        await asyncio.to_thread(sampler.sample)
        cpu1 = dict(sampler.cpu)
        for context in contexts:
            await context.close()
        await browser.close()

    wall = cpu1["at"] - cpu0["at"]
    cpu = {k: round((cpu1[k] - cpu0[k]) / wall, 2) for k in ("server", "client", "machine")} if wall > 0 else {}
    if cpu:  # what else ran meanwhile (other users of a shared machine)
        cpu["other"] = round(max(cpu["machine"] - cpu["server"] - cpu["client"], 0.0), 2)
    if not server_pid and cpu:  # the server's time is then in "other"
        cpu["server"] = cpu["other"] = None
    machine["loadavg_end"] = os.getloadavg()
    return {"results": results, "opened": len(students), "baseline_mb": baseline_mb, "peak_mb": sampler.peak_mb,
            "warmup_s": warmup_s, "join_s": join_s, "elapsed_s": elapsed, "cpu": cpu, "machine": machine,
            "window": (start, start + elapsed), "reniced": len(sampler.reniced)}


def _count_runs_js() -> str:
    from tests.browser.helpers import _COUNT_RUNS_JS

    return _COUNT_RUNS_JS


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=30, help="concurrent browser sessions (default 30)")
    p.add_argument("--duration", type=float, default=120.0, help="seconds of load after the warm-up (default 120)")
    p.add_argument("--url", help="use an app that is already running (e.g. http://127.0.0.1:8501) instead of "
                                 "starting one; its memory is measured if this user can see its process")
    p.add_argument("--json-out", type=Path, help="also write the JSON report to this file")
    p.add_argument("--think", type=float, nargs=2, default=[1.0, 3.0], metavar=("MIN", "MAX"),
                   help="seconds a student waits between two actions, uniform in [MIN, MAX] (default 1 3)")
    p.add_argument("--play", type=float, default=8.0, help="seconds each Play lasts before Pause (default 8)")
    p.add_argument("--client-nice", type=niceness, default=0, metavar="N",
                   help="run Playwright and Chromium at this niceness, 0..19 (default 0). The server and "
                        "Chromium each run in a session of their own, which the kernel's autogroups already "
                        "weigh as equals; N > 0 gives the server priority over the simulated students' "
                        "browsers (in a lecture, their own laptops render). Only on an otherwise idle machine: "
                        "next to other busy processes it starves the browsers, and their own rendering is part "
                        "of the slider-to-figure time")
    p.add_argument("--ready-file", type=Path, metavar="PATH",
                   help="write this file once the warm-up visit is over and every session has joined, just before "
                        "the clock starts (scripts/load.py starts its simulated students then: Chromium's start-up "
                        "and first page loads are the test rig's work, not a lecture's)")
    p.add_argument("--chromium", default=os.environ.get("DROPOUT_LAB_CHROMIUM", "/usr/bin/chromium"),
                   help="browser binary (default: $DROPOUT_LAB_CHROMIUM or /usr/bin/chromium)")
    args = p.parse_args(argv)
    if args.sessions < 1 or args.duration <= 0 or args.play <= 0 or not 0 <= args.think[0] <= args.think[1]:
        p.error("--sessions must be >= 1, --duration and --play > 0, 0 <= --think MIN <= MAX")
    if not os.access(args.chromium, os.X_OK):
        p.error(f"no Chromium at {args.chromium}: `apt-get install chromium` (make test installs it)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    log_path = ROOT / "artifacts" / "load-server.log"
    runs_path = ROOT / "artifacts" / "load-server-runs.jsonl"
    proc = None
    if args.url:
        url = args.url.rstrip("/")
        parts = urllib.parse.urlsplit(url)
        server_pid = pid_listening_on(parts.port or (443 if parts.scheme == "https" else 80))
    else:
        proc, url = start_server(log_path, runs_path)
        server_pid = proc.pid
    if args.client_nice:
        # Everything started from here on (Playwright, Chromium) inherits it; the server started above does not.
        lower_self(args.client_nice)
    print(f"load test: {args.sessions} sessions for {args.duration:g} s against {url}", file=sys.stderr)
    try:
        run = asyncio.run(run_load(args, url, server_pid))
    finally:
        if proc is not None:
            stop_server(proc)
    res: Results = run["results"]
    server_runs = None
    res.start = None  # the server log's tracebacks carry no time
    if proc is not None:
        for message in server_log_errors(log_path.read_text(errors="replace")):
            res.error(-1, "server", message)
        server_runs = read_server_runs(runs_path, *run["window"]) or None
    report = summarize(
        sessions=args.sessions, opened=run["opened"], latencies_s=res.latencies_s, page_changes_s=res.page_changes_s,
        joins_s=res.joins_s, plays=res.plays, errors=res.errors, actions=res.actions, rss_peak_mb=run["peak_mb"],
        rss_baseline_mb=run["baseline_mb"],
        extra={
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "url": url, "started_server": proc is not None,
            "config": {"duration_s": args.duration, "play_s": args.play, "think_s": args.think,
                       "moves_per_page": MOVES_PER_PAGE, "client_nice": args.client_nice,
                       "client_threads_reniced": run["reniced"]},
            "slider_to_figure_s_while": {"nobody_plays": describe(res.latencies_quiet_s),
                                         "someone_plays": describe(res.latencies_busy_s)},
            "server_script_run_s": server_runs,
            "warmup_s": round(run["warmup_s"], 1), "join_all_s": round(run["join_s"], 1),
            "elapsed_s": round(run["elapsed_s"], 1),
            "cpu_cores_used": run["cpu"], "machine": run["machine"],
        },
    )
    text = json.dumps(report, indent=2)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(text + "\n")
    print(format_summary(report), file=sys.stderr)
    print(text)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
