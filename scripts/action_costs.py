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
                 the caches do not hide the cost), then --seen moves back to values it had (the cached case)

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
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from loadtest import protocol as sp  # noqa: E402

KINDS = ("slider", "selectbox", "radio", "number_input")  # the controls moved (--kinds adds checkbox: toggles)
SIDEBAR = 1  # root container index of the sidebar (main is 0)


class ActionFailed(Exception):
    pass


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


def start_server(app_root: Path, log_path: Path, runs_path: Path, start_s: float) -> tuple[subprocess.Popen, str]:
    """`streamlit run <app_root>/app.py` on a free loopback port under load_test.serve_with_probe (one JSON line
    per script run with the script thread's CPU); its own process group, so that stop_server ends all of it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ["run", str(app_root / "app.py"), "--server.headless", "true", "--server.port", str(port),
            "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--client.showErrorDetails", "full"]
    probe = (f"import sys; sys.path.insert(0, {str(ROOT / 'scripts')!r}); import load_test; "
             f"load_test.serve_with_probe({str(runs_path)!r}, {args!r})")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
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


def server_cpu_s(proc: psutil.Process) -> float:
    """The server process's CPU seconds, user + system, every thread (also those that have ended: Streamlit starts
    a script thread per run). Linux: the process's CPU-time clock (nanoseconds; clock id of pid is
    (~pid << 3) | CPUCLOCK_SCHED, as glibc's clock_getcpuclockid makes it), else psutil (10 ms ticks)."""
    try:
        return time.clock_gettime(((~proc.pid) << 3) | 2)
    except (OSError, AttributeError, OverflowError):
        t = proc.cpu_times()
        return t.user + t.system


class ProbeRuns:
    """The probe's JSON lines (one per script run), read incrementally."""

    def __init__(self, path: Path):
        self.path, self.offset = path, 0

    def new(self) -> list[dict]:
        try:
            with open(self.path) as f:
                f.seek(self.offset)
                text = f.read()
        except OSError:
            return []
        end = text.rfind("\n") + 1  # only complete lines
        self.offset += len(text[:end].encode())
        runs = []
        for line in text[:end].splitlines():
            try:
                runs.append(json.loads(line))
            except ValueError:
                pass
        return runs


# ---------------------------------------------------------------------------------------------------------
# The client: one tab, synchronous
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Tabs:
    """A tab selector seen in the page: its block path, widget id, URL key and tab labels (in order)."""
    path: tuple
    id: str
    key: str
    labels: dict = field(default_factory=dict)  # index -> label

    def ordered(self) -> list[str]:
        return [self.labels[i] for i in sorted(self.labels)]


@dataclass
class Action:
    cpu_s: float
    thread_cpu_s: float | None
    wall_s: float
    bytes: int
    kind: str  # full | fragment
    figures: int
    changed: int
    query: str
    errors: list


class Client:
    def __init__(self, url: str, server: psutil.Process, probe: ProbeRuns, settle_s: float, timeout_s: float):
        self.conn = sp.Connection(url, timeout_s=timeout_s)
        self.page = sp.Page()
        self.server, self.probe, self.settle_s, self.timeout_s = server, probe, settle_s, timeout_s
        self.sent: dict[str, WidgetState] = {}  # widget id -> state (resent with every rerun, as the front end does)
        self.nav: list[tuple[str, str, str]] = []  # (page name, url path, page_script_hash), in the app's order
        self.tabs: dict[tuple, Tabs] = {}  # tab selectors of the current page, by block path

    # -- receiving ----------------------------------------------------------------------------------------

    def _recv(self, timeout_s: float):
        self.conn.ws.settimeout(timeout_s)
        data = self.conn.ws.recv()
        raw = data if isinstance(data, bytes) else data.encode()
        msg = sp.ForwardMsg()
        msg.ParseFromString(raw)
        return msg, len(raw)

    def _note(self, msg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            self.nav = [(p.page_name, p.url_pathname, p.page_script_hash) for p in msg.navigation.app_pages]
        elif kind == "new_session" and not (msg.metadata.HasField("run") and msg.metadata.run.fragment_ids):
            if msg.new_session.page_script_hash != self.page.page_script_hash:
                self.tabs = {}
        elif kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
            block, path = msg.delta.add_block, tuple(msg.metadata.delta_path)
            what = block.WhichOneof("type")
            if what == "tab_container" and block.tab_container.id:
                tc = block.tab_container
                self.tabs.setdefault(path, Tabs(path, tc.id, tc.query_param_key))
                self.tabs[path].id, self.tabs[path].key = tc.id, tc.query_param_key
            elif what == "tab" and path[:-1] in self.tabs:
                self.tabs[path[:-1]].labels[path[-1]] = block.tab.label

    def _run(self, request) -> Action:
        """Send one rerun request, read until its run has finished (a full or fragment run; interrupted runs are
        skipped) and --settle s more; the server's CPU over all of it."""
        self.probe.new()
        cpu0, t0 = server_cpu_s(self.server), time.monotonic()
        self.conn.send(request)
        deadline, nbytes, result = t0 + self.timeout_s, 0, None
        while result is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ActionFailed(f"no run finished within {self.timeout_s:.0f} s")
            try:
                msg, n = self._recv(left)
            except Exception as exc:  # noqa: BLE001 (websocket timeout or close)
                raise ActionFailed(f"{type(exc).__name__}: {exc}") from None
            nbytes += n
            self._note(msg)
            r = self.page.apply(msg)
            if r is not None and r.status in (sp.FINISHED, sp.FINISHED_FRAGMENT):
                result = r
        wall = time.monotonic() - t0
        settle_end = time.monotonic() + self.settle_s
        while (left := settle_end - time.monotonic()) > 0:  # what the event loop still sends
            try:
                msg, n = self._recv(left)
            except Exception:  # noqa: BLE001 (the timeout: nothing more)
                break
            nbytes += n
            self._note(msg)
            self.page.apply(msg)
        cpu = server_cpu_s(self.server) - cpu0
        runs = self.probe.new()
        thread = [r["cpu"] for r in runs if "cpu" in r]
        return Action(cpu_s=cpu, thread_cpu_s=sum(thread) if thread else None, wall_s=wall, bytes=nbytes,
                      kind="fragment" if result.fragment else "full", figures=result.figures,
                      changed=len(result.changed_figures), query=self.page.query_string,
                      errors=list(self.page.exceptions))

    def rerun(self, *, page_hash: str | None = None, fragment_id: str = "") -> Action:
        return self._run(sp.rerun_request(
            page_script_hash=self.page.page_script_hash if page_hash is None else page_hash,
            query_string=self.page.query_string, widget_states=list(self.sent.values()), fragment_id=fragment_id))

    # -- actions ------------------------------------------------------------------------------------------

    def open_app(self) -> Action:
        return self._run(sp.rerun_request(page_script_hash=""))

    def go(self, page_hash: str) -> Action:
        self.sent.clear()
        self.page.query_string = ""
        return self.rerun(page_hash=page_hash)

    def fragment_of(self, widget: sp.Widget) -> str:
        """The fragment the widget was drawn in ('' if none): its move reruns that fragment only."""
        node = self.page.tree[widget.path[0]]
        for i in widget.path[1:]:
            node = node.children[i]
        return node.fragment_id

    def set_widget(self, widget: sp.Widget, value) -> Action:
        self.sent[widget.id] = widget_state(widget, value)
        return self.rerun(fragment_id=self.fragment_of(widget))

    def open_tab(self, tabs: Tabs, label: str) -> Action:
        self.sent[tabs.id] = WidgetState(id=tabs.id, string_value=label)
        return self.rerun()

    def close(self) -> None:
        self.conn.close()


# ---------------------------------------------------------------------------------------------------------
# Widget values
# ---------------------------------------------------------------------------------------------------------

def _slider_options(p) -> list:
    """Every value a slider can take: its options (a select_slider's labels) or min..max by step."""
    if len(p.options):
        return list(p.options)
    lo, hi, step = float(p.min), float(p.max), float(p.step) or 1.0
    n = int(round((hi - lo) / step))
    if n > 10_000:
        step, n = (hi - lo) / 10_000, 10_000
    return [round(lo + i * step, 10) for i in range(n + 1)]


def current_value(widget: sp.Widget, sent: dict):
    """The value the control shows now (a slider: a tuple for a range), in the terms widget_state takes."""
    p, kind = widget.proto, widget.kind
    st = sent.get(widget.id)
    if kind == "slider":
        if st is not None:
            vals = list(st.string_array_value.data) if st.HasField("string_array_value") else list(st.double_array_value.data)
        elif p.set_value and len(p.value):
            vals = list(p.value)
        else:
            vals = list(p.default)
        if len(p.options) and not (st is not None and st.HasField("string_array_value")):
            vals = [p.options[int(v)] for v in vals]
        return tuple(vals) if len(vals) > 1 else vals[0]
    if kind in ("selectbox", "radio"):
        if st is not None:
            return st.string_value
        if getattr(p, "set_value", False) and p.HasField("raw_value"):
            return p.raw_value
        if p.HasField("default") and 0 <= p.default < len(p.options):
            return p.options[p.default]
        return p.options[0] if len(p.options) else ""
    if kind == "number_input":
        if st is not None:
            value = st.double_value
        else:
            value = p.value if p.set_value else p.default
        return int(value) if p.data_type == p.INT else value
    if kind == "checkbox":
        if st is not None:
            return st.bool_value
        return p.value if p.set_value else p.default
    raise ValueError(f"no value for a {kind}")


def candidates(widget: sp.Widget, current) -> list:
    """The values the control can take, nearest to `current` first (alternating sides): moves a student makes."""
    p, kind = widget.proto, widget.kind
    if kind == "slider":
        opts = _slider_options(p)
        width = (current[1] - current[0]) if isinstance(current, tuple) and not len(p.options) else None
        base = current[0] if isinstance(current, tuple) else current
        try:
            i0 = opts.index(base) if len(p.options) else min(range(len(opts)), key=lambda i: abs(opts[i] - base))
        except ValueError:
            i0 = 0
        order = sorted(range(len(opts)), key=lambda i: (abs(i - i0), i < i0))
        out = []
        for i in order:
            if i == i0:
                continue
            if isinstance(current, tuple):
                if len(p.options):
                    j = i + (opts.index(current[1]) - i0 if current[1] in opts else 0)
                    if not 0 <= j < len(opts):
                        continue
                    out.append((opts[i], opts[j]))
                elif opts[i] + width <= float(p.max) + 1e-9:
                    out.append((opts[i], round(opts[i] + width, 10)))
            else:
                out.append(opts[i])
        return out
    if kind in ("selectbox", "radio"):
        opts = list(p.options)
        i0 = opts.index(current) if current in opts else 0
        return [opts[i] for i in sorted(range(len(opts)), key=lambda i: (abs(i - i0), i < i0)) if i != i0]
    if kind == "number_input":
        is_int = p.data_type == p.INT
        step = (p.step or 1) if is_int else (p.step or 0.01)
        lo = p.min if p.has_min else -1e12
        hi = p.max if p.has_max else 1e12
        out = []
        for k in range(1, 60):
            for v in (current + k * step, current - k * step):
                if lo <= v <= hi:
                    out.append(int(v) if is_int else round(v, 10))
        return out
    if kind == "checkbox":
        return [not current]
    return []


def widget_state(widget: sp.Widget, value) -> WidgetState:
    p, kind = widget.proto, widget.kind
    state = WidgetState(id=widget.id)
    values = list(value) if isinstance(value, tuple) else [value]
    if kind == "slider":
        if len(p.options):
            state.string_array_value.data.extend(str(v) for v in values)
        else:
            state.double_array_value.data.extend(float(v) for v in values)
    elif kind in ("selectbox", "radio"):
        state.string_value = str(value)
    elif kind == "number_input":
        state.double_value = float(value)  # every number input sends a double
    elif kind == "checkbox":
        state.bool_value = bool(value)
    return state


def widget_name(widget: sp.Widget) -> str:
    return widget.label or sp.user_key(widget.id) or widget.id[-20:]


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
    when the control has no new value left or after budget_s of wall time."""
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


def page_controls(client: Client, kinds, inside: tuple | None, outside: tuple | None) -> list[sp.Widget]:
    """The controls in the main area (not the sidebar), in page order; inside: only those under that block
    path; outside: none under that block path."""
    out = []
    for w in client.page.widgets.values():
        if w.kind not in kinds or w.path[0] == SIDEBAR or getattr(w.proto, "disabled", False):
            continue
        if inside is not None and w.path[:len(inside)] != inside:
            continue
        if outside is not None and w.path[:len(outside)] == outside:
            continue
        out.append(w)
    return sorted(out, key=lambda w: w.path)


def finder(client: Client, widget: sp.Widget):
    key, label, kind = sp.user_key(widget.id), widget.label, widget.kind

    def find():
        for w in client.page.widgets.values():
            if w.kind == kind and ((key and sp.user_key(w.id) == key) or (not key and w.label == label)):
                return w
        return None
    return find


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
    selectors = [t for t in client.tabs.values() if t.path[0] != SIDEBAR]
    tabs = selectors[0] if selectors else None
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
        if tabs is None:
            ws = page_controls(client, args.kinds, None, None)
        else:  # the open tab's controls; those outside the tabs with the first tab only
            ws = page_controls(client, args.kinds, tabs.path, None)
            if t_index == 0:
                ws = page_controls(client, args.kinds, None, tabs.path) + ws
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


def wanted(filters: list[str], name: str, path: str) -> bool:
    if not filters:
        return True
    names = {name.lower(), path.lower(), "home" if path == "" else path.lower()}
    return any(f in n for f in filters for n in names)


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
    proc, url = start_server(args.app_root.resolve(), log_path, runs_path, start_s=120)
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
    idle_ms = None
    try:
        server = psutil.Process(proc.pid)
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
        stop_server(proc)
    summaries = [r.summary() for r in rows]
    machine = {"host": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
               "loadavg_before": [round(x, 2) for x in load_before],
               "loadavg_after": [round(x, 2) for x in os.getloadavg()],
               "server_idle_cpu_ms_per_settle": idle_ms, "settle_s": args.settle,
               "minutes": round((time.monotonic() - started) / 60, 1), "moves": args.moves, "warm": args.warm}
    print(markdown_table(summaries))
    print(f"\nmachine: {machine['cpus']} CPUs, load average before {machine['loadavg_before']}, after "
          f"{machine['loadavg_after']}; server idle CPU over {args.settle} s: {fmt(idle_ms)} ms; "
          f"{machine['minutes']} min; server log {log_path}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps({"machine": machine, "rows": summaries}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
