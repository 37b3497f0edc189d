"""The client side of Streamlit's websocket protocol, built with Streamlit's own protobuf classes.

A browser tab talks to a Streamlit server over one websocket, ``/_stcore/stream``: it sends ``BackMsg``s (a
rerun request carries a ``ClientState``: the page, the query string and the ``WidgetStates``) and receives
``ForwardMsg``s (``new_session`` when a run starts, ``delta``s that add elements and blocks at a
``metadata.delta_path``, ``auto_rerun`` for a fragment with ``run_every``, ``page_info_changed`` with the new
query string, ``script_finished``). This module builds the messages as the front end does and keeps a model of
the page (no rendering): the widgets and their ids (from the deltas of the first run), the Plotly figures
(to tell when a run has delivered a changed one), the data of the custom components (components v2: a
component answers with trigger values, see component_trigger_state), the fragment timers, and the tree of
blocks, so that a delta whose path does not exist is caught as the front end's "Bad delta path index" error.

Nothing here opens a socket: ``Connection`` below is the thin transport (websocket-client, which gevent and
therefore Locust can drive), and everything else is tested without a server (tests/test_load_protocol.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

STREAM_PATH = "/_stcore/stream"
HEALTH_PATH = "/_stcore/health"

FINISHED = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY  # a full run
FINISHED_FRAGMENT = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
FINISHED_COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR

# Root containers of a page (streamlit/proto/RootContainer.proto): main, sidebar, event, bottom.
ROOT_CONTAINERS = 4


class ProtocolError(Exception):
    """What a browser's front end would reject: a bad delta path, an exception element, a compile error."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# ---------------------------------------------------------------------------------------------------------
# BackMsg: what the front end sends
# ---------------------------------------------------------------------------------------------------------

def slider_state(widget_id: str, value) -> WidgetState:
    """A slider's state: the front end sends every st.slider value, one number or a range, as a double array."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    state = WidgetState(id=widget_id)
    state.double_array_value.data.extend(float(v) for v in values)
    return state


def trigger_state(widget_id: str) -> WidgetState:
    """A button click: trigger_value true, sent in one rerun request only."""
    return WidgetState(id=widget_id, trigger_value=True)


# A components-v2 component's events (its setTriggerValue(name, value)) travel as one "trigger aggregator"
# widget: id "$$STREAMLIT_INTERNAL_KEY_<component id>__events" (streamlit's bidi_component._make_trigger_id),
# value json_trigger_value, a JSON list of {"event", "value"} (the front end's WidgetStateManager.setTriggerValue
# appends to it until the flush), sent in one rerun request whose fragment_id is the component's fragment.
INTERNAL_KEY_PREFIX = "$$STREAMLIT_INTERNAL_KEY"
EVENT_DELIM = "__"
TRIGGER_AGGREGATOR = "events"


def component_trigger_id(component_id: str) -> str:
    """The widget id under which a components-v2 component's trigger values are sent."""
    if not component_id:
        raise ValueError("component_id must be a component's element id, got an empty string")
    return f"{INTERNAL_KEY_PREFIX}_{component_id}{EVENT_DELIM}{TRIGGER_AGGREGATOR}"


def component_trigger_state(component_id: str, *events: tuple[str, object]) -> WidgetState:
    """The trigger values ``(event name, JSON value)`` a component sets before one flush, in order."""
    if not events:
        raise ValueError("events must name at least one (event, value) pair")
    payloads = [{"event": name, "value": value} for name, value in events]
    return WidgetState(id=component_trigger_id(component_id), json_trigger_value=json.dumps(payloads))


def rerun_request(*, page_script_hash: str, query_string: str = "", widget_states=(), fragment_id: str = "",
                  is_auto_rerun: bool = False) -> BackMsg:
    """The BackMsg of a rerun: a widget change, a page change (another page_script_hash), or a fragment's timer
    (fragment_id and is_auto_rerun). No cached_message_hashes: the server then sends every element in full."""
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query_string
    state.page_script_hash = page_script_hash
    state.widget_states.SetInParent()  # present even when empty, as the front end sends it
    state.widget_states.widgets.extend(widget_states)
    if fragment_id:
        state.fragment_id = fragment_id
    state.is_auto_rerun = bool(is_auto_rerun)
    return msg


# ---------------------------------------------------------------------------------------------------------
# ForwardMsg: a model of the page
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Node:
    """An element or a block of the page tree, stamped with the run that last wrote it."""
    run: int
    fragment_id: str = ""
    kind: str = ""
    children: list | None = None  # a block's children; None for an element

    @property
    def is_block(self) -> bool:
        return self.children is not None


@dataclass
class Widget:
    id: str
    kind: str  # the element's type: slider, button, checkbox, ...
    label: str
    path: tuple
    proto: object = None  # the element's own message (Slider, Button, ...)
    fragment_id: str = ""  # the fragment that drew it (a rerun it causes names this fragment)


@dataclass
class RunResult:
    """One run as the client saw it, from its new_session (or the first delta) to its script_finished."""
    status: int
    fragment: bool  # a fragment run (FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
    changed_figures: set  # ids of Plotly charts whose figure differs from the one shown before
    figures: int  # Plotly charts drawn in the run
    auto_reruns: dict  # fragment_id -> interval (s) in force after the run
    finished_at: float
    components: dict = field(default_factory=dict)  # component element id -> its data (bytes) drawn in the run


@dataclass
class Page:
    """What the front end knows about the page, fed with every ForwardMsg (apply)."""
    session_id: str = ""
    page_script_hash: str = ""
    main_script_hash: str = ""
    query_string: str = ""
    pages: dict = field(default_factory=dict)  # page name and url path -> page_script_hash
    widgets: dict = field(default_factory=dict)  # id -> Widget (the current page's, by the latest run)
    figures: dict = field(default_factory=dict)  # Plotly chart id (or path) -> spec (JSON text)
    components: dict = field(default_factory=dict)  # custom component's element id -> its latest data (bytes)
    auto_reruns: dict = field(default_factory=dict)  # fragment_id -> interval in s
    exceptions: list = field(default_factory=list)  # exception elements of the current run (texts)
    markdown: list = field(default_factory=list)  # markdown texts drawn by the current run
    run: int = 0  # counts runs: a new_session starts one
    run_fragments: tuple = ()  # fragment ids of the current run (empty: a full run)
    tree: list = field(default_factory=lambda: [Node(0, children=[]) for _ in range(ROOT_CONTAINERS)])
    _changed: set = field(default_factory=set)
    _figures_in_run: int = 0
    _components_in_run: dict = field(default_factory=dict)

    def widget(self, label: str, kind: str | None = None) -> Widget:
        """The widget with this label (and kind) on the page; KeyError naming what exists if none."""
        for w in self.widgets.values():
            if w.label == label and (kind is None or w.kind == kind):
                return w
        raise KeyError(f"no {kind or 'widget'} labelled {label!r}; the page has "
                       f"{sorted((w.kind, w.label) for w in self.widgets.values())}")

    def widget_by_key(self, key: str) -> Widget:
        """The widget whose user key (the end of its id, '$$ID-<hash>-<key>') is key."""
        for w in self.widgets.values():
            if user_key(w.id) == key:
                return w
        raise KeyError(f"no widget with key {key!r}")

    def page_hash(self, name: str) -> str:
        """page_script_hash of a page by its name ('Live training') or url path ('Live_training')."""
        try:
            return self.pages[name]
        except KeyError:
            raise KeyError(f"no page {name!r}; the app has {sorted(self.pages)}") from None

    def apply(self, msg: ForwardMsg, now: float | None = None) -> RunResult | None:
        """Update the model with one message; returns the RunResult when the message ends a run.

        Raises ProtocolError for what a browser would show as an error: a delta path that does not exist in
        the page (the front end's "Bad delta path index"), or a run that ended with a compile error.
        """
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._new_run(msg)
        elif kind == "navigation":
            for p in msg.navigation.app_pages:
                self.pages[p.page_name] = p.page_script_hash
                self.pages[p.url_pathname] = p.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_reruns[msg.auto_rerun.fragment_id] = float(msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fid, None)
        elif kind == "delta":
            self._delta(msg)
        elif kind == "script_finished":
            return self._finished(msg.script_finished, time.monotonic() if now is None else now)
        return None

    # -- runs ---------------------------------------------------------------------------------------------

    def _new_run(self, msg: ForwardMsg) -> None:
        ns = msg.new_session
        fragments = tuple(msg.metadata.run.fragment_ids) if msg.metadata.HasField("run") else ()
        if not fragments and hasattr(ns, "fragment_ids_this_run"):  # older Streamlit: on the NewSession
            fragments = tuple(getattr(ns, "fragment_ids_this_run"))
        self.run += 1
        self.run_fragments = fragments
        self.exceptions = []
        self.markdown = []
        self._changed, self._figures_in_run, self._components_in_run = set(), 0, {}
        if ns.HasField("initialize") and ns.initialize.session_id:
            self.session_id = ns.initialize.session_id
        self.main_script_hash = ns.main_script_hash or self.main_script_hash
        if not fragments:
            self.auto_reruns.clear()  # a full run: the front end clears every fragment timer
            if ns.page_script_hash != self.page_script_hash:  # another page: its elements start afresh
                self.tree = [Node(self.run, children=[]) for _ in range(ROOT_CONTAINERS)]
                self.widgets.clear()
                self.figures.clear()
                self.components.clear()
            self.page_script_hash = ns.page_script_hash

    def _finished(self, status: int, now: float) -> RunResult:
        if status == FINISHED_COMPILE_ERROR:
            raise ProtocolError("compile_error", "the script did not compile")
        fragment = status == FINISHED_FRAGMENT
        if status in (FINISHED, FINISHED_FRAGMENT):
            self._prune(fragment_ids=set(self.run_fragments) if fragment else None)
        result = RunResult(status=status, fragment=fragment, changed_figures=set(self._changed),
                           figures=self._figures_in_run, auto_reruns=dict(self.auto_reruns), finished_at=now,
                           components=dict(self._components_in_run))
        self._changed, self._figures_in_run, self._components_in_run = set(), 0, {}
        return result

    def _prune(self, fragment_ids: set | None) -> None:
        """Remove what the finished run did not write, as the front end's clearStaleNodes does: after a full run
        every stale node; after a fragment run only stale nodes inside a block of this run's fragments that
        the run wrote to."""
        run = self.run

        def clear(node: Node, in_fragment: bool) -> bool:  # True: keep the node
            if node.is_block:
                if not fragment_ids:
                    if node.run != run:
                        return False
                else:
                    if in_fragment and node.run != run:
                        return False
                    if node.fragment_id in fragment_ids and node.run == run:
                        in_fragment = True
                node.children[:] = [c for c in node.children if clear(c, in_fragment)]
                node.run = run
                return True
            if fragment_ids and (not node.fragment_id or not in_fragment or node.run == run):
                return True
            return node.run == run

        for container in self.tree:
            container.run = run
            container.children[:] = [c for c in container.children if clear(c, False)]
        for w_id in [w_id for w_id, w in self.widgets.items() if not self._exists(w.path)]:
            del self.widgets[w_id]
            self.components.pop(w_id, None)

    def _exists(self, path: tuple) -> bool:
        try:
            node = self.tree[path[0]]
            for i in path[1:]:
                node = node.children[i]
            return True
        except (IndexError, TypeError):
            return False

    # -- deltas -------------------------------------------------------------------------------------------

    def _delta(self, msg: ForwardMsg) -> None:
        path = tuple(msg.metadata.delta_path)
        delta = msg.delta
        what = delta.WhichOneof("type")
        if what == "new_transient":  # spinners and toasts: not part of the tree
            return
        if not path or not 0 <= path[0] < ROOT_CONTAINERS:
            raise ProtocolError("bad_delta_path", f"bad delta path {list(path)}")
        node = Node(self.run, delta.fragment_id)
        if what == "add_block":
            old = self._get(path)
            node.kind = delta.add_block.WhichOneof("type") or "block"
            node.children = old.children if old is not None and old.is_block else []
        elif what == "new_element":
            element = delta.new_element
            node.kind = element.WhichOneof("type") or ""
            self._element(path, node.kind, getattr(element, node.kind) if node.kind else None, element,
                          delta.fragment_id)
        self._set(path, node)

    def _get(self, path: tuple) -> Node | None:
        node = self.tree[path[0]]
        for i in path[1:]:
            if not node.is_block or i >= len(node.children):
                return None
            node = node.children[i]
        return node

    def _set(self, path: tuple, node: Node) -> None:
        """Put node at path, as the front end's BlockNode.setIn does: every block on the way must exist, and the
        last index may be at most one past the end of its block."""
        block = self.tree[path[0]]
        on_path = [block]
        for depth, i in enumerate(path[1:-1], start=1):
            if not block.is_block or i >= len(block.children) or not block.children[i].is_block:
                raise ProtocolError("bad_delta_path", f"Bad delta path index {i} at depth {depth} of "
                                                      f"{list(path)} (run {self.run})")
            block = block.children[i]
            on_path.append(block)
        if len(path) == 1:
            raise ProtocolError("bad_delta_path", f"delta path {list(path)} names a root container")
        i = path[-1]
        if not block.is_block or i > len(block.children):
            raise ProtocolError("bad_delta_path", f"Bad delta path index {i} (should be between [0, "
                                                  f"{len(block.children or [])}]) in {list(path)}")
        if i == len(block.children):
            block.children.append(node)
        else:
            block.children[i] = node
        for b in on_path:  # setIn stamps every block on the way with the current run
            b.run = self.run

    def _element(self, path: tuple, kind: str, proto, element, fragment_id: str = "") -> None:
        if kind == "exception":
            self.exceptions.append(f"{proto.type}: {proto.message}")
            return
        if kind == "markdown":
            self.markdown.append(proto.body)
            return
        widget_id = getattr(proto, "id", "") if proto is not None else ""
        if kind == "plotly_chart":
            self._figures_in_run += 1
            # A chart's element id hashes its figure too ('$$ID-<hash>-<user key>'): the user key names the chart.
            key = user_key(widget_id) or "path:" + ",".join(map(str, path))
            spec = proto.spec
            if self.figures.get(key) != spec:
                self._changed.add(key)
            self.figures[key] = spec
            return
        if kind == "bidi_component" and widget_id:
            data = component_data(proto)
            self.components[widget_id] = data
            self._components_in_run[widget_id] = data
        if widget_id:
            self.widgets[widget_id] = Widget(widget_id, kind, getattr(proto, "label", ""), path, proto, fragment_id)


def component_data(proto) -> bytes | str | None:
    """A components-v2 element's data as its JS module gets it: bytes as sent, JSON text, or None."""
    which = proto.WhichOneof("data")
    if which == "bytes":
        return proto.bytes
    if which == "json":
        return proto.json
    return None


def component_payload(msg: ForwardMsg) -> tuple[str, str, bytes | str | None] | None:
    """(element id, fragment id, data) when msg draws a components-v2 component, else None."""
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return None
    element = msg.delta.new_element
    if element.WhichOneof("type") != "bidi_component":
        return None
    return element.bidi_component.id, msg.delta.fragment_id, component_data(element.bidi_component)


def user_key(element_id: str) -> str | None:
    """The user key at the end of an element id '$$ID-<hash>-<key>' (None when the element has no key)."""
    if not element_id.startswith("$$ID-"):
        return None
    parts = element_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[2] not in ("", "None") else None


# ---------------------------------------------------------------------------------------------------------
# Widget values as the page shows them
# ---------------------------------------------------------------------------------------------------------

def slider_value(widget: Widget, sent: dict | None = None) -> float:
    """The value a slider shows: the one the server set, else the last one sent, else its default."""
    p = widget.proto
    if p.set_value and len(p.value):
        return float(p.value[0])
    if sent and widget.id in sent:
        return float(sent[widget.id])
    return float(p.default[0])


def slider_step(widget: Widget, current: float, towards: float | None = None) -> float:
    """One step of the slider, towards `towards` (default: the middle of its range), kept inside the range."""
    p = widget.proto
    lo, hi, step = float(p.min), float(p.max), float(p.step) or 1.0
    target = (lo + hi) / 2 if towards is None else towards
    value = current + step if target > current or (target == current and current + step <= hi) else current - step
    value = min(max(value, lo), hi)
    return round(value, 10)


# ---------------------------------------------------------------------------------------------------------
# The transport
# ---------------------------------------------------------------------------------------------------------

def stream_url(base_url: str) -> str:
    """ws(s)://host:port/<base>/_stcore/stream for an http(s) base URL."""
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://"):] + STREAM_PATH
    if base.startswith("http://"):
        return "ws://" + base[len("http://"):] + STREAM_PATH
    raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")


class Connection:
    """One websocket to /_stcore/stream (websocket-client: plain sockets, so gevent can drive many)."""

    def __init__(self, base_url: str, timeout_s: float = 120.0, cookie: str | None = None):
        import websocket

        # The front end offers "streamlit" plus two tokens (XSRF, the session to reconnect); empty here.
        self.ws = websocket.create_connection(stream_url(base_url), subprotocols=["streamlit"], timeout=timeout_s,
                                              cookie=cookie, enable_multithread=True)

    def send(self, msg: BackMsg) -> None:
        self.ws.send_binary(msg.SerializeToString())

    def recv(self) -> ForwardMsg:
        data = self.ws.recv()
        msg = ForwardMsg()
        msg.ParseFromString(data if isinstance(data, bytes) else data.encode())
        return msg

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 (already closed)
            pass
