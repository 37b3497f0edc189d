"""Moving a page's controls over Streamlit's websocket protocol, one synchronous client (no browser).

What `make costs` (scripts/action_costs.py, which measures each move's server CPU) and the start-up walk of
scripts/warm.py (which moves every control once, so that the class finds each setting computed) share: the client
that sends a rerun with every widget state and reads until the run has finished, the page's tab selectors, and
every value a slider, select, radio or number input can take, nearest to its value first.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.WidgetStates_pb2 import WidgetState

from . import protocol as sp

KINDS = ("slider", "selectbox", "radio", "number_input")  # the controls moved (checkbox too on request: toggles)
SIDEBAR = 1  # root container index of the sidebar (main is 0)


class ActionFailed(Exception):
    pass


def server_cpu_s(proc) -> float:
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
    """One browser tab's protocol, synchronous. With a server process (psutil.Process) each action measures its
    CPU, and with a probe the script thread's; without them (the start-up walk) an action's CPU reads 0."""

    def __init__(self, url: str, server=None, probe: ProbeRuns | None = None, settle_s: float = 0.0,
                 timeout_s: float = 600.0):
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
        if self.probe is not None:
            self.probe.new()
        cpu0, t0 = self._cpu(), time.monotonic()
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
        cpu = self._cpu() - cpu0
        runs = self.probe.new() if self.probe is not None else []
        thread = [r["cpu"] for r in runs if "cpu" in r]
        return Action(cpu_s=cpu, thread_cpu_s=sum(thread) if thread else None, wall_s=wall, bytes=nbytes,
                      kind="fragment" if result.fragment else "full", figures=result.figures,
                      changed=len(result.changed_figures), query=self.page.query_string,
                      errors=list(self.page.exceptions))

    def _cpu(self) -> float:
        return server_cpu_s(self.server) if self.server is not None else 0.0

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


def wanted(filters: list[str], name: str, path: str) -> bool:
    """Whether a page is asked for: no filters, or one of them (lower case) is part of its name or URL path
    ('home' for the home page, whose path is empty)."""
    if not filters:
        return True
    names = (name.lower(), path.lower() or "home")
    return any(f in n for f in filters for n in names)


def main_tabs(client: Client) -> Tabs | None:
    """The page's URL-bound tab selector in the main area, if it has one."""
    selectors = [t for t in client.tabs.values() if t.path[0] != SIDEBAR]
    return selectors[0] if selectors else None


def tab_controls(client: Client, tabs: Tabs | None, t_index: int, kinds=KINDS) -> list[sp.Widget]:
    """The controls a student moves with tab t_index open: the open tab's, and with the first tab also those
    outside the tabs (the page's own controls, moved once per page)."""
    if tabs is None:
        return page_controls(client, kinds, None, None)
    ws = page_controls(client, kinds, tabs.path, None)
    if t_index == 0:
        ws = page_controls(client, kinds, None, tabs.path) + ws
    return ws


# ---------------------------------------------------------------------------------------------------------
# The walk: every control through its values, one at a time, from the page's defaults
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Walked:
    """One control walked: how many values it was set to, the seconds it took, what went wrong."""
    page: str
    tab: str
    control: str
    values: int = 0
    seconds: float = 0.0
    errors: list = field(default_factory=list)


def walk_values(widget: sp.Widget, current, *, max_values: int, numbers: int) -> list:
    """The values the walk sets a control to: every value it can take, nearest to `current` first, at most
    max_values (a slider of 1,000 values: those nearest the default), and for a number input (a seed, a test
    digit: no end) the `numbers` nearest."""
    values = candidates(widget, current)
    return values[:numbers if widget.kind == "number_input" else max_values]


def walk_page(client: Client, name: str, page_hash: str, *, kinds=KINDS, max_values: int = 64,
              numbers: int = 10, deadline: float | None = None, log=None) -> list[Walked]:
    """Open the page, then each tab of its tab selector, and set every control there to each of its walk_values
    in turn, the other controls at their defaults, then back to its default. What the class will ask for first
    (one control moved from the page as it opens, as when a lecturer says "now set keep to 0.2") is then
    computed in the server's shared caches. Stops at `deadline` (time.monotonic()), leaving what it did."""
    out: list[Walked] = []

    def late() -> bool:
        return deadline is not None and time.monotonic() > deadline

    client.go(page_hash)
    tabs = main_tabs(client)
    labels = tabs.ordered() if tabs else [""]
    for t_index, label in enumerate(labels):
        if late():
            break
        if tabs is not None and t_index > 0:
            client.open_tab(tabs, label)
        for w in tab_controls(client, tabs, t_index, kinds):
            row, find, t0 = Walked(name, label, widget_name(w)), finder(client, w), time.monotonic()
            start = current_value(w, client.sent)
            for value in walk_values(w, start, max_values=max_values, numbers=numbers) + [start]:
                widget = find()
                if widget is None or late():
                    row.errors.append("the control went away" if widget is None else "stopped at the deadline")
                    break
                action = client.set_widget(widget, value)
                row.values += 1
                row.errors.extend(action.errors[:1])
            row.seconds = time.monotonic() - t0
            out.append(row)
            if log is not None:
                log(row)
    return out
