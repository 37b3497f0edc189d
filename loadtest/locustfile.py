"""Locust users for Dropout Lab: students that speak Streamlit's protocol over its websocket and render nothing.

    locust -f loadtest/locustfile.py --headless --host http://127.0.0.1:8501 -u 60 -r 10 -t 120s

Normally started by scripts/load.py (`make load`), which also starts the server, the real browsers and the
report. Two kinds of student, thinking 1-3 s between actions:

  Student  home page: three steps of "Keep q for the hidden units"; the Masks page: three steps of
           "Keep q, hidden 1"; the Live training page; back home; round and round.
  Player   the Live training page: Play, and while it trains a step of "Keep q for the hidden units" every
           few seconds; Pause after --play seconds (or, one time in four, go home while it trains); again. How Play
           works is pluggable (PLAY_ACTIONS); LiveViewPlay plays the page's live view (a components-v2 component)
           as its JS module does: Play and Pause are trigger values of the component, and a Scheduler
           (loadtest/liveview.ViewModel) shows 30 snapshots a second and sends "need" for the next batch while
           one batch is still queued; every batch (a fragment run) is recorded: arrival, snapshots, steps.

Every action is timed from the moment its rerun request is sent to the script_finished message of the run
that delivered the changed figure (Play: to the arrival of its first batch; Pause: to the end of the run that
sent the paused view). Environment (set by scripts/load.py):
  DLAB_LOAD_OUT      write every sample and error as JSON to this file when the test stops
  DLAB_PLAYERS       how many of the users are Players (default: half)
  DLAB_BURST_AT      a time.time() at which every user goes home and, within DLAB_BURST_WINDOW s (default 5),
                     moves the same slider to DLAB_BURST_VALUE (default 0.2), as when a lecturer says so
  DLAB_PLAY_S        seconds each Play lasts (default 20)
  DLAB_THINK         "MIN MAX" seconds between actions (default "1 3")
  DLAB_LEAVE         the share of plays that end by going home while training instead of Pause (default 0.25)
  DLAB_PLAY_ACTION   how Play is simulated, a key of PLAY_ACTIONS (default "live-view")
  DLAB_NICE          run Locust at this niceness, 0..19 (default 0; load.py --client-nice: loadtest/priority.py)
"""
from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

import gevent
from gevent.event import Event
from gevent.queue import Empty, Queue
from locust import User, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: `import loadtest`

from loadtest import liveview, priority  # noqa: E402
from loadtest import protocol as sp  # noqa: E402
from loadtest.app_map import (HOME, HOME_SLIDER, MASKS, MASKS_SLIDER, TRAINING, TRAINING_SLIDER,  # noqa: E402
                              VIEW_KEY)
ACTION_TIMEOUT_S = 60.0
priority.lower_self(int(os.environ.get("DLAB_NICE", "0")))  # before Locust starts its greenlets' work
LEAVE_WHILE_PLAYING = float(os.environ.get("DLAB_LEAVE", "0.25"))  # share of plays ended by a page change, not Pause

THINK = tuple(float(v) for v in os.environ.get("DLAB_THINK", "1 3").split())
PLAY_S = float(os.environ.get("DLAB_PLAY_S", "20"))
BURST_AT = float(os.environ["DLAB_BURST_AT"]) if os.environ.get("DLAB_BURST_AT") else None
BURST_WINDOW_S = float(os.environ.get("DLAB_BURST_WINDOW", "5"))
BURST_VALUE = float(os.environ.get("DLAB_BURST_VALUE", "0.2"))

SAMPLES: list[dict] = []  # {"user", "action", "s", "t", "ok", "error"?}
PLAYS: list[dict] = []  # {"user", "frames", "batches", "max_gap_s", "max_between_s", ...} (PlayRecord.summary)
ERRORS: list[dict] = []
TABS: list = []  # every Tab opened: a play still running when the test stops is recorded too


class ActionFailed(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def record(user: int, action: str, seconds: float, error: ActionFailed | None = None) -> None:
    SAMPLES.append({"user": user, "action": action, "s": round(seconds, 4), "t": time.time(), "ok": error is None})
    events.request.fire(request_type="ST", name=action, response_time=seconds * 1000, response_length=0,
                        exception=error, context={})
    if error is not None:
        ERRORS.append({"user": user, "action": action, "kind": error.kind, "message": str(error)[:500],
                       "t": time.time()})


LOOP_LAG: list[float] = []  # how late a 20 ms sleep of this process's gevent loop woke (its own load)


def _probe_lag() -> None:
    while True:
        t0 = time.monotonic()
        gevent.sleep(0.02)
        LOOP_LAG.append(time.monotonic() - t0 - 0.02)


@events.test_start.add_listener
def _start_probe(environment, **_kw):
    gevent.spawn(_probe_lag)


@events.test_stop.add_listener
def _dump(environment, **_kw):
    for tab in TABS:  # plays cut short by the end of the test: their frames up to then
        if tab.view is not None and tab.view.record is not None:
            summary = tab.view.stop_record(tab.closed_at or time.monotonic())
            PLAYS.append({"user": tab.index, **summary, "unfinished": True, "t": time.time()})
    out = os.environ.get("DLAB_LOAD_OUT")
    if out:
        Path(out).write_text(json.dumps({"samples": SAMPLES, "plays": PLAYS, "errors": ERRORS,
                                         "loop_lag": [round(v, 4) for v in LOOP_LAG]}))


class Tab:
    """One browser tab's worth of protocol: a websocket, the page model, and the live view when the page has one
    (its scheduler model and the greenlet that asks for batches, as the component's animation loop does)."""

    def __init__(self, base_url: str, index: int):
        self.index = index
        self.conn = sp.Connection(base_url)
        self.page = sp.Page()
        self.runs: Queue = Queue()  # RunResults of finished runs, in order
        self.sent: dict = {}  # widget id -> value this tab has set (resent with every rerun, as the front end does)
        self.view: liveview.ViewModel | None = None  # the live view mounted on the page
        self.view_id = ""  # its element id (its trigger values are sent under component_trigger_id)
        self.view_fragment = ""  # the fragment it is drawn in (a trigger reruns that fragment)
        self.batches: Queue = Queue()  # (arrival, Batch, push result) of every batch the view got
        self.wake = Event()  # a batch came: the view's loop looks again
        self.loop = None  # the greenlet that asks for batches while the view plays
        self.closed = False
        self.closed_at: float | None = None
        # The page last asked for: a live-view batch of another page (one that the old page's run had on its way
        # when the tab changed page) does not mount a view here; the front end clears such stale elements too.
        self.page_asked: str | None = None
        self.reader = gevent.spawn(self._read)
        TABS.append(self)

    # -- receiving ----------------------------------------------------------------------------------------

    def _read(self) -> None:
        while not self.closed:
            try:
                msg = self.conn.recv()
            except Exception as exc:  # noqa: BLE001 (closed socket, timeout)
                if not self.closed:
                    self.runs.put(ActionFailed("disconnected", f"{type(exc).__name__}: {exc}"))
                return
            now = time.monotonic()
            try:
                result = self.page.apply(msg)
            except sp.ProtocolError as exc:
                ERRORS.append({"user": self.index, "action": "receive", "kind": exc.kind, "message": str(exc),
                               "t": time.time()})
                continue
            payload = sp.component_payload(msg)
            if (payload is not None and sp.user_key(payload[0]) == VIEW_KEY
                    and msg.metadata.active_script_hash in ("", self.page_asked or msg.metadata.active_script_hash)):
                self._batch(*payload, now)
            if result is not None:
                if self.page.exceptions:
                    ERRORS.append({"user": self.index, "action": "receive", "kind": "exception",
                                   "message": " | ".join(self.page.exceptions)[:500], "t": time.time()})
                self.runs.put(result)

    # -- the live view (live_view.mjs's update() and animation loop) --------------------------------------

    def _batch(self, element_id: str, fragment_id: str, data, now: float) -> None:
        try:
            batch = liveview.read_batch(data)
        except ValueError as exc:
            ERRORS.append({"user": self.index, "action": "receive", "kind": "bad_batch", "message": str(exc),
                           "t": time.time()})
            return
        if self.view is None:  # the component mounts
            self.view = liveview.ViewModel()
        self.view_id, self.view_fragment = element_id, fragment_id
        result = self.view.push(batch, now)
        self.batches.put((now, batch, result))
        if self.view.playing and self.loop is None:
            self.loop = gevent.spawn(self._play_loop, self.view)
        self.wake.set()

    def _play_loop(self, view: liveview.ViewModel) -> None:
        """While the view plays: show frames as they fall due, send "need" when the queue runs low."""
        try:
            while not self.closed and self.view is view and view.playing:
                now = time.monotonic()
                view.advance(now)
                if view.wants_more(now):
                    self.trigger("need", view.need())
                    continue
                t = view.next_event(now)
                if t is None:
                    break
                self.wake.wait(timeout=min(max(t - now, 0.0), 1.0))
                self.wake.clear()
        except Exception as exc:  # noqa: BLE001 (the socket closed under it: the action that waits reports it)
            if not self.closed:
                self.runs.put(ActionFailed("disconnected", f"{type(exc).__name__}: {exc}"))
        finally:
            if self.loop is gevent.getcurrent():
                self.loop = None

    def unmount_view(self) -> None:
        """The page changes: the component and its loop go (a request already sent is still answered)."""
        self.view = None
        self.view_id = self.view_fragment = ""
        loop, self.loop = self.loop, None
        if loop is not None and loop is not gevent.getcurrent():
            loop.kill(block=False)
        self.wake.set()

    def trigger(self, event: str, value) -> None:
        """The component's setTriggerValue(event, value): a rerun of its fragment with the trigger."""
        if not self.view_id:
            raise ActionFailed("check", f"no live view on the page to send {event!r}")
        self.send(states=[sp.component_trigger_state(self.view_id, (event, value))], fragment_id=self.view_fragment)

    def wait_batch(self, accept, timeout_s: float = ACTION_TIMEOUT_S):
        """The next batch (arrival, Batch, push result) for which accept(batch, result) is true."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ActionFailed("timeout", f"no batch within {timeout_s:.0f} s")
            try:
                item = self.batches.get(timeout=min(left, 1.0))
            except Empty:
                if self.closed:
                    raise ActionFailed("disconnected", "the tab closed") from None
                continue
            if accept(item[1], item[2]):
                return item

    # -- sending ------------------------------------------------------------------------------------------

    def send(self, *, states=(), page_hash: str | None = None, fragment_id: str = "") -> None:
        widget_states = [sp.slider_state(w, v) for w, v in self.sent.items()] + list(states)
        self.conn.send(sp.rerun_request(page_script_hash=self.page.page_script_hash if page_hash is None else page_hash,
                                        query_string=self.page.query_string, widget_states=widget_states,
                                        fragment_id=fragment_id))

    def _drain(self, queue: Queue | None = None) -> None:
        queue = self.runs if queue is None else queue
        while True:
            try:
                queue.get_nowait()
            except Empty:
                return

    def wait_full_run(self, timeout_s: float = ACTION_TIMEOUT_S) -> sp.RunResult:
        """The next full run to finish (fragment runs and interrupted runs in between are skipped)."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ActionFailed("timeout", f"no full run finished within {timeout_s:.0f} s")
            try:
                result = self.runs.get(timeout=left)
            except Empty:
                continue
            if isinstance(result, ActionFailed):
                raise result
            if not result.fragment and result.status == sp.FINISHED:
                return result

    def wait_run(self, accept, timeout_s: float = ACTION_TIMEOUT_S) -> sp.RunResult:
        """The next finished run for which accept(run) is true."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ActionFailed("timeout", f"no run answered within {timeout_s:.0f} s")
            try:
                result = self.runs.get(timeout=left)
            except Empty:
                continue
            if isinstance(result, ActionFailed):
                raise result
            if accept(result):
                return result

    def rerun(self, *, states=(), page_hash: str | None = None, need_figure: bool = False) -> tuple[float, sp.RunResult]:
        """Send a rerun and wait for its full run; (seconds from send to script_finished, the run)."""
        self._drain()
        t0 = time.monotonic()
        self.send(states=states, page_hash=page_hash)
        result = self.wait_full_run()
        if need_figure and not result.changed_figures:
            raise ActionFailed("no_figure_change", f"the run finished without a changed figure "
                                                   f"({result.figures} charts drawn)")
        return result.finished_at - t0, result

    # -- actions ------------------------------------------------------------------------------------------

    def open(self) -> float:
        """The first run of the home page (a new session)."""
        t0 = time.monotonic()
        self.send(page_hash="")
        result = self.wait_full_run(120.0)
        return result.finished_at - t0

    def go(self, page_name: str) -> float:
        self.unmount_view()  # another page: the live view leaves with the old page's elements
        self.sent.clear()
        self.page.query_string = ""  # a page change keeps only the embed parameters of the query string
        self.page_asked = self.page.page_hash(page_name)
        seconds, _ = self.rerun(page_hash=self.page_asked)
        return seconds

    def move_slider(self, label: str, to: float | None = None, need_figure: bool = True) -> float:
        widget = self.page.widget(label, "slider")
        current = sp.slider_value(widget, self.sent)
        value = to if to is not None and to != current else sp.slider_step(widget, current)
        self.sent[widget.id] = value
        seconds, _ = self.rerun(need_figure=need_figure)
        # The server may set the value itself (a widget bound to the link); from then on it is the server's.
        fresh = self.page.widgets.get(widget.id)
        if fresh is not None and fresh.proto.set_value:
            self.sent.pop(widget.id, None)
        return seconds

    def click(self, user_key: str) -> tuple[float, sp.RunResult]:
        widget = self.page.widget_by_key(user_key)
        return self.rerun(states=[sp.trigger_state(widget.id)])

    def close(self) -> None:
        self.closed = True
        self.closed_at = self.closed_at or time.monotonic()
        if self.loop is not None:
            self.loop.kill(block=False)
        self.conn.close()
        self.reader.kill(block=False)


class LiveViewPlay:
    """Play on the Live training page: the live view's Play and Pause are trigger values of the component
    (events "play" and "pause" with the step shown); while it plays, the tab's view loop asks for each next
    batch ("need"), and every batch is recorded by the view's PlayRecord."""

    name = "live-view"

    def start(self, tab: Tab) -> float:
        """Press Play; seconds until its first batch has come."""
        view = tab.view
        if view is None:
            raise ActionFailed("check", "Play: the page has no live view")
        if view.playing:
            raise ActionFailed("check", "Play: the view plays already (resume() records such a play)")
        t0 = time.monotonic()
        tab._drain(tab.batches)
        view.start_record(t0)
        seq0 = view.last_seq
        tab.trigger("play", view.play(t0))
        if tab.loop is None:
            tab.loop = gevent.spawn(tab._play_loop, view)
        arrival, batch, result = tab.wait_batch(lambda b, r: b.seq > seq0 and r != "old")
        if not batch.playing or result not in ("reset", "appended"):
            raise ActionFailed("check", f"Play: the view got a batch it does not play ({result}, "
                                        f"playing={batch.playing}, diverged={batch.diverged})")
        return arrival - t0

    def resume(self, tab: Tab) -> None:
        """A session that left the page while it trained comes back to a view still playing (the page run sent
        it the session's last batch): nothing is pressed, so no Play is timed; its frames are recorded from here
        on, and their gaps count as any play's. (Timing the next batch instead would time the view's own
        schedule: it asks for that batch only when its queue runs low.)"""
        view = tab.view
        if view is None or not view.playing:
            raise ActionFailed("check", "the view is not playing on return")
        tab._drain(tab.batches)
        view.start_record(time.monotonic())
        if tab.loop is None:
            tab.loop = gevent.spawn(tab._play_loop, view)

    def stop(self, tab: Tab) -> float:
        """Press Pause; seconds until the run that sends the paused view has finished."""
        view = tab.view
        if view is None:
            raise ActionFailed("check", "Pause: the page has no live view")
        t0 = time.monotonic()
        value = view.pause(t0)
        seq0 = view.last_seq
        tab._drain()
        tab.trigger("pause", value)

        def paused(run: sp.RunResult) -> bool:
            data = run.components.get(tab.view_id)
            if data is None:
                return False
            batch = liveview.read_batch(data)
            return batch.seq > seq0 and not batch.playing

        run = tab.wait_run(paused)
        if tab.view is view and view.playing:
            raise ActionFailed("check", "Pause: the view plays on")
        return run.finished_at - t0


PLAY_ACTIONS = {LiveViewPlay.name: LiveViewPlay}
PLAY_ACTION = PLAY_ACTIONS[os.environ.get("DLAB_PLAY_ACTION", LiveViewPlay.name)]()


class _Base(User):
    abstract = True
    wait_time = between(*THINK)
    _count = 0

    def on_start(self) -> None:
        _Base._count += 1
        self.index = _Base._count
        self.rng = random.Random(self.index)
        self.burst_done = False
        self.tab = None
        self._join()

    def _join(self) -> None:
        if self.tab is not None:
            self.tab.close()
        self.tab = Tab(self.host, self.index)
        self.act("join", self.tab.open)

    def on_stop(self) -> None:
        if self.tab is not None:
            self.tab.close()

    def act(self, action: str, fn, *args, **kwargs):
        """Run one action, record its time or its error; after an error the tab reconnects, as a reload would."""
        t0 = time.monotonic()
        try:
            seconds = fn(*args, **kwargs)
        except ActionFailed as exc:
            record(self.index, action, time.monotonic() - t0, exc)
            self._recover()
            return None
        except (KeyError, OSError) as exc:
            record(self.index, action, time.monotonic() - t0, ActionFailed("error", f"{type(exc).__name__}: {exc}"))
            self._recover()
            return None
        record(self.index, action, seconds)
        return seconds

    def _recover(self) -> None:
        try:
            self._join()
        except Exception:  # noqa: BLE001 (the next task tries again)
            pass

    def think(self) -> None:
        gevent.sleep(self.rng.uniform(*THINK))

    def end_play(self, tab: Tab, leave: bool = False) -> None:
        """Press Pause (or, with leave, go home without pausing, as a student who clicks away while it trains)
        and record the play: its batches and frames, how long the student waited at most for a new frame."""
        summary = tab.view.stop_record(time.monotonic()) if tab.view is not None else None
        if leave:
            self.act("page_change_playing", tab.go, HOME)
        else:
            self.act("pause", PLAY_ACTION.stop, tab)
        if summary is not None:
            PLAYS.append({"user": self.index, **summary, "left": leave, "t": time.time()})

    def burst_due(self) -> bool:
        return BURST_AT is not None and not self.burst_done and time.time() >= BURST_AT - 20

    def burst(self) -> None:
        """All users at once: go home, then within the burst window set the same slider to the same value."""
        self.burst_done = True
        tab = self.tab
        if tab.page.page_script_hash != tab.page.page_hash(HOME):
            if tab.view is not None and tab.view.record is not None:
                self.end_play(tab)
            self.act("page_change", tab.go, HOME)
        gevent.sleep(max(BURST_AT - time.time(), 0) + self.rng.uniform(0, BURST_WINDOW_S))
        self.act("burst", tab.move_slider, HOME_SLIDER, BURST_VALUE)
        gevent.sleep(3600)  # done: idle until the test stops


class Student(_Base):
    """Sliders on two pages and page changes."""
    weight = 1

    @task
    def lecture_round(self) -> None:
        tab = self.tab
        plan = ([("slider", HOME_SLIDER)] * 3 + [("go", MASKS)] + [("slider", MASKS_SLIDER)] * 3
                + [("go", TRAINING), ("go", HOME)])
        for what, arg in plan:
            if self.burst_due():
                return self.burst()
            done = (self.act("slider", tab.move_slider, arg) if what == "slider"
                    else self.act("page_change", tab.go, arg))
            if done is None:  # failed: the tab has reloaded the home page, the round starts again
                return
            self.think()


class Player(_Base):
    """The Live training page: Play, keep moves while it trains, Pause."""
    weight = 1
    fixed_count = int(os.environ.get("DLAB_PLAYERS", "0")) or 0

    def on_start(self) -> None:
        super().on_start()
        self.act("page_change", self.tab.go, TRAINING)

    @task
    def play_round(self) -> None:
        tab = self.tab
        if self.burst_due():
            return self.burst()
        if tab.page.page_script_hash != tab.page.pages.get(TRAINING):
            self.act("page_change", tab.go, TRAINING)
            tab = self.tab
        if tab.view is not None and tab.view.playing:  # back on a page still playing: no Play to press
            PLAY_ACTION.resume(tab)
        elif self.act("play", PLAY_ACTION.start, tab) is None:
            return
        end = time.monotonic() + PLAY_S
        while time.monotonic() < end and not self.burst_due():
            gevent.sleep(min(self.rng.uniform(*THINK) * 2, max(end - time.monotonic(), 0)))
            if time.monotonic() < end:
                self.act("slider_playing", tab.move_slider, TRAINING_SLIDER, None, False)
                if self.tab is not tab:  # reconnected after an error: this play is over
                    return
        if self.burst_due():
            return self.burst()
        # One play in four ends by leaving the page while it trains: a "need" still in flight then meets a page
        # without that fragment (where a browser once showed "Bad delta path index"); coming back, the view
        # plays on from the server's last batch.
        self.end_play(tab, leave=self.rng.random() < LEAVE_WHILE_PLAYING)
        self.think()
