#!/usr/bin/env python3
"""What one action costs the server (`make costs`): server CPU per page run and per control move, page by page.

Starts the app (one Streamlit server on a free loopback port, under scripts/load_test.py's probe, which writes
the script thread's CPU time of every run), connects ONE client over Streamlit's websocket protocol
(loadtest/protocol.py: Streamlit's own protobuf classes; no browser), and for every page:

  open (first)   the page's first full run in the process (compiles, fills the caches)
  open           the page opened again (caches warm)
  tab            each tab of the page's URL-bound tab selector opened (as a click on the tab does)
  control        every slider / select / number input (main area, not the sidebar) of the open tab: --warm moves
                 first (compile, caches), then --moves moves to values the control has not had on this page (so
                 the caches do not hide the cost), then --seen moves back to values it had (the cached case), then
                 back to its first value, unmeasured: every control is moved from the page's defaults
  --walk         first walks the measured pages as `make serve WALK=1` does before a lecture (scripts/warm.py):
                 the moves then cost what a class's first moves cost after the walk

For each action it measures the SERVER PROCESS's CPU (its CPU-time clock, user + system, all its threads: the
script thread, the event loop that serialises and sends, JAX's pool) from just before the request is sent until
the run's script_finished has arrived and --settle seconds more have passed (the event loop finishes sending);
the script thread's own CPU for the run (the probe's time.thread_time); the bytes the client received; and
whether the run was a full run or a fragment run. One client only, so the CPU is attributable to it; the
server's idle CPU over --settle is measured at the start and printed (not subtracted).

    scripts/action_costs.py                              # every page, 7 moves per control
    scripts/action_costs.py --pages masks,home --moves 5 --json-out artifacts/costs.json
    scripts/action_costs.py --app-root /work/wt/other    # the app of another checkout (this script's probe)

Prints a markdown table: page, tab, control, run kind, moves, p50 and max server CPU (ms), the script thread's
p50 (ms), p50 bytes sent, and the p50 CPU of a move back to a seen value. Bounded: every wait has a timeout
(--action-timeout), the whole run has a deadline (--deadline), and the server is killed at the end.
A measurement, not a test: the CPU of a shared machine is still CPU, but say the load (printed at the end).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

import warm  # noqa: E402  (scripts/warm.py: the start-up walk)
from loadtest import protocol as sp  # noqa: E402
from loadtest.controls import (KINDS, ActionFailed, Client, ProbeRuns, candidates,  # noqa: E402
                               current_value, finder, main_tabs, server_cpu_s, tab_controls, wanted,
                               widget_name)


# ---------------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + sp.HEALTH_PATH, timeout=2) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


def start_server(app_root: Path, log_path: Path, runs_path: Path, start_s: float,
                 release_file: Path | None = None) -> tuple[subprocess.Popen, str]:
    """`streamlit run <app_root>/app.py` on a free loopback port under load_test.serve_with_probe (one JSON line
    per script run with the script thread's CPU); its own process group, so that stop_server ends all of it.
    ``release_file``: the file the server watches to drop its compiled programs (core.system.ReleaseSignal)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ["run", str(app_root / "app.py"), "--server.headless", "true", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--client.showErrorDetails", "full"]
    probe = (f"import sys; sys.path.insert(0, {str(ROOT / 'scripts')!r}); import load_test; "
             f"load_test.serve_with_probe({str(runs_path)!r}, {args!r})")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if release_file is not None:
        env["DROPOUT_LAB_RELEASE_FILE"] = str(release_file)
    env.setdefault("JAX_PLATFORMS", "cpu")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", probe], cwd=app_root, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + start_s
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise SystemExit(f"the server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)
    return proc, url


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, then SIGKILL."""
    for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait_s)
        except subprocess.TimeoutExpired:
            continue


# ---------------------------------------------------------------------------------------------------------
# The measurement
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Row:
    page: str
    tab: str
    control: str
    action: str  # open (first) | open | tab | move
    key: str = ""  # the control's URL key
    samples: list = field(default_factory=list)  # Actions of the measured moves (to new values)
    seen: list = field(default_factory=list)  # Actions of moves back to seen values
    errors: list = field(default_factory=list)

    def summary(self) -> dict:
        def ms(values):
            return round(1000 * statistics.median(values), 1) if values else None

        s = self.samples
        kinds = sorted({a.kind for a in s})
        return {
            "page": self.page, "tab": self.tab, "control": self.control, "action": self.action, "key": self.key,
            "run": "/".join(kinds) or "-", "n": len(s),
            "cpu_p50_ms": ms([a.cpu_s for a in s]),
            "cpu_max_ms": round(1000 * max(a.cpu_s for a in s), 1) if s else None,
            "thread_p50_ms": ms([a.thread_cpu_s for a in s if a.thread_cpu_s is not None]),
            "wall_p50_ms": ms([a.wall_s for a in s]),
            "bytes_p50": int(statistics.median([a.bytes for a in s])) if s else None,
            "figures_p50": statistics.median([a.figures for a in s]) if s else None,
            "seen_n": len(self.seen), "seen_cpu_p50_ms": ms([a.cpu_s for a in self.seen]),
            "errors": self.errors[:3],
        }


def move_control(client: Client, row: Row, find, *, warm: int, moves: int, seen: int, budget_s: float) -> None:
    """warm moves, then `moves` moves to values not had before, then `seen` moves back to values had; stops early
    when the control has no new value left or after budget_s of wall time. Then the control goes back to its
    first value, unmeasured: every control is measured from the page's defaults, the others untouched."""
    had = []
    widget = find()
    cur = current_value(widget, client.sent)
    had.append(cur)
    t_end = time.monotonic() + budget_s
    warm = min(warm, len(candidates(widget, cur)) // 2)  # a control with few values: most of them measured
    for i in range(warm + moves):
        if time.monotonic() > t_end:
            row.errors.append(f"stopped after {budget_s:.0f} s")
            break
        widget = find()
        if widget is None:
            row.errors.append("the control went away")
            return
        new = next((v for v in candidates(widget, current_value(widget, client.sent)) if v not in had), None)
        if new is None:
            break
        had.append(new)
        action = client.set_widget(widget, new)
        if action.errors:
            row.errors.extend(action.errors)
        if i >= warm:
            row.samples.append(action)
    for value in had[-2::-1][:seen]:  # back through the values had, most recent first
        if time.monotonic() > t_end:
            break
        widget = find()
        if widget is None:
            return
        row.seen.append(client.set_widget(widget, value))
    widget = find()  # back to where it started (not measured): the next control is moved from the defaults
    if widget is not None and current_value(widget, client.sent) != had[0]:
        client.set_widget(widget, had[0])


def measure_page(client: Client, name: str, page_hash: str, args, log) -> list[Row]:
    rows = []
    for action in ("open (first)", "open"):
        row = Row(name, "", "", action)
        try:
            a = client.go(page_hash)
            row.samples.append(a)
            row.errors.extend(a.errors)
        except ActionFailed as exc:
            row.errors.append(str(exc))
            rows.append(row)
            return rows
        rows.append(row)
        log(row)
    tabs = main_tabs(client)
    labels = tabs.ordered() if tabs else [""]
    for t_index, label in enumerate(labels):
        if tabs is not None and t_index > 0:
            row = Row(name, label, "", "tab", key=tabs.key)
            try:
                a = client.open_tab(tabs, label)
                row.samples.append(a)
                row.errors.extend(a.errors)
            except ActionFailed as exc:
                row.errors.append(str(exc))
                rows.append(row)
                continue
            rows.append(row)
            log(row)
        ws = tab_controls(client, tabs, t_index, args.kinds)
        for w in ws:
            key = sp.user_key(w.id) or ""
            row = Row(name, label, widget_name(w), "move", key=key)
            try:
                move_control(client, row, finder(client, w), warm=args.warm, moves=args.moves, seen=args.seen,
                             budget_s=args.control_budget)
            except ActionFailed as exc:
                row.errors.append(str(exc))
            except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:  # a control this script
                row.errors.append(f"{type(exc).__name__}: {exc}")  # cannot move: say so, go on
            rows.append(row)
            log(row)
    return rows


def fmt(v, unit=""):
    return "-" if v is None else f"{v:g}{unit}"


def markdown_table(rows: list[dict]) -> str:
    lines = ["| page | tab | control | action | run | n | CPU p50 ms | CPU max ms | script thread p50 ms | "
             "bytes p50 | seen value: CPU p50 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        err = f" ({'; '.join(e[:80] for e in r['errors'])})" if r["errors"] else ""
        lines.append(f"| {r['page']} | {r['tab'] or '-'} | {r['control'] or '-'}{err} | {r['action']} | {r['run']} | "
                     f"{r['n']} | {fmt(r['cpu_p50_ms'])} | {fmt(r['cpu_max_ms'])} | {fmt(r['thread_p50_ms'])} | "
                     f"{fmt(r['bytes_p50'])} | {fmt(r['seen_cpu_p50_ms'])} |")
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", default="", help="comma-separated page filters (a part of the page's name or URL "
                                                "path; 'home' for the home page); default: every page")
    ap.add_argument("--moves", type=int, default=7, help="measured moves per control, to values not had (7)")
    ap.add_argument("--warm", type=int, default=2, help="moves first, not measured (2)")
    ap.add_argument("--seen", type=int, default=3, help="moves back to values had, reported apart (3)")
    ap.add_argument("--settle", type=float, default=0.2, help="seconds read after script_finished (0.2)")
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"control kinds moved ({','.join(KINDS)}; "
                                                             "add checkbox for toggles)")
    ap.add_argument("--action-timeout", type=float, default=180.0, help="seconds a run may take (180)")
    ap.add_argument("--control-budget", type=float, default=240.0, help="wall seconds per control at most (240)")
    ap.add_argument("--deadline", type=float, default=3600.0, help="wall seconds for everything (3600)")
    ap.add_argument("--app-root", type=Path, default=ROOT, help="the checkout whose app.py is served (this one)")
    ap.add_argument("--keep-programs", action="store_true", help="with --walk: keep the programs the walk compiled "
                    "(make serve WALK=1 has the server drop them: scripts/warm.py --release)")
    ap.add_argument("--walk", action="store_true", help="first walk the measured pages' controls as `make serve "
                    "WALK=1` does before a lecture (scripts/warm.py --walk), then measure: the class's first moves")
    ap.add_argument("--json-out", type=Path, help="write the rows and the machine as JSON here")
    ap.add_argument("--quiet", action="store_true", help="no line per row while measuring")
    args = ap.parse_args(argv)
    args.kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    args.pages = [p.strip().lower() for p in args.pages.split(",") if p.strip()]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out_dir = args.app_root.resolve() / "artifacts"
    out_dir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log_path, runs_path = out_dir / f"costs-server-{stamp}.log", out_dir / f"costs-runs-{stamp}.jsonl"
    load_before = os.getloadavg()
    # The file the server watches (core.system.ReleaseSignal): touched after the walk, as make serve WALK=1 does.
    release_file = out_dir / f".release-costs-{stamp}"
    proc, url = start_server(args.app_root.resolve(), log_path, runs_path, start_s=120, release_file=release_file)
    started = time.monotonic()
    rows: list[Row] = []

    def log(row: Row) -> None:
        if not args.quiet:
            s = row.summary()
            print(f"  {s['page']} | {s['tab'] or '-'} | {s['control'] or '-'} | {s['action']} | {s['run']} | "
                  f"n={s['n']} cpu p50 {fmt(s['cpu_p50_ms'])} ms max {fmt(s['cpu_max_ms'])} ms thread "
                  f"{fmt(s['thread_p50_ms'])} ms bytes {fmt(s['bytes_p50'])} seen {fmt(s['seen_cpu_p50_ms'])} ms"
                  + (f" ERR {s['errors']}" if s["errors"] else ""), file=sys.stderr, flush=True)

    def on_alarm(*_a):
        raise ActionFailed(f"the deadline of {args.deadline:.0f} s has passed")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.deadline))
    client = None
    idle_ms = walk_s = rss_walked_mb = rss_released_mb = None
    try:
        server = psutil.Process(proc.pid)
        if args.walk:  # its own client, as the start-up walk is; the measuring client
            # connects after it (an idle websocket is closed by the server after some minutes)
            t0 = time.monotonic()
            walked = warm.walk(url, pages=args.pages, max_values=warm.MAX_VALUES, numbers=warm.NUMBERS,
                               budget_s=args.deadline / 2, kinds=args.kinds)
            walk_s = time.monotonic() - t0
            print(f"walked {sum(r.values for r in walked)} moves of {len(walked)} controls in {walk_s:.0f} s",
                  file=sys.stderr, flush=True)
            rss_walked_mb = round(server.memory_info().rss / 2**20)
            if not args.keep_programs:  # as make serve WALK=1 does: the walk's programs dropped, its results kept
                warm.release(url, release_file)
            rss_released_mb = round(server.memory_info().rss / 2**20)
        client = Client(url, server, ProbeRuns(runs_path), args.settle, args.action_timeout)
        client.open_app()  # the home page's first run: the app's navigation
        c0 = server_cpu_s(server)
        time.sleep(2.0)
        idle_ms = round(1000 * (server_cpu_s(server) - c0) / 2.0 * args.settle, 2)
        for name, path, page_hash in list(client.nav):
            shown = "home" if path == "" else name
            if not wanted(args.pages, name, path):
                continue
            print(f"{shown}:", file=sys.stderr, flush=True)
            rows.extend(measure_page(client, shown, page_hash, args, log))
    except ActionFailed as exc:
        print(f"stopped: {exc}", file=sys.stderr)
    finally:
        signal.alarm(0)
        if client is not None:
            client.close()
        try:
            rss_mb = round(psutil.Process(proc.pid).memory_info().rss / 2**20)
        except psutil.Error:
            rss_mb = None
        stop_server(proc)
    summaries = [r.summary() for r in rows]
    machine = {"host": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
               "loadavg_before": [round(x, 2) for x in load_before],
               "loadavg_after": [round(x, 2) for x in os.getloadavg()],
               "server_idle_cpu_ms_per_settle": idle_ms, "settle_s": args.settle,
               "minutes": round((time.monotonic() - started) / 60, 1), "moves": args.moves, "warm": args.warm,
               "walk_s": None if walk_s is None else round(walk_s), "rss_mb": rss_mb,
               "rss_after_walk_mb": rss_walked_mb, "rss_after_release_mb": rss_released_mb}
    print(markdown_table(summaries))
    print(f"\nmachine: {machine['cpus']} CPUs, load average before {machine['loadavg_before']}, after "
          f"{machine['loadavg_after']}; server idle CPU over {args.settle} s: {fmt(idle_ms)} ms; "
          f"{machine['minutes']} min; server RSS at the end {fmt(machine['rss_mb'])} MB"
          + (f"; walked first in {machine['walk_s']} s (RSS {fmt(rss_walked_mb)} MB after the walk, "
             f"{fmt(rss_released_mb)} MB after its programs were released)" if walk_s is not None else "")
          + f"; server log {log_path}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps({"machine": machine, "rows": summaries}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
