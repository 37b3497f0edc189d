"""A run's events reach the event loop in batches, not with a wake-up each.

Streamlit 1.67 hands every event of a script run (each element's delta, "script started", "script finished") from
the script thread to the event loop with its own ``loop.call_soon_threadsafe`` (``AppSession._call_soon_on_event_loop``),
and the loop, handling it, asks the sender to wake with another (``Runtime._enqueued_some_message``, although it
already runs on the loop). Each of those writes a byte to the loop's wake-up socket and makes the loop poll again:
a Bagging and boosting slider move sends about 80 messages, and py-spy on a server answering such moves found a
quarter of the server's CPU in those wake-ups (``call_soon_threadsafe``, the loop's ``select``) rather than in
the page (``scripts/action_costs.py``; measured in December 2026 on the 2-core VM).

``install()`` gives each AppSession one queue for its events: the script thread appends an event and wakes the loop
only when no wake-up is pending; the loop then handles every queued event, in order, in one callback. Events
that arrive while it does so are handled in the loop's next turn, so the sender and incoming requests still get
their turns. And the sender is woken without the wake-up socket when the request comes from the loop itself.
Every event is handled as before and in the same order, on the loop; only the wake-ups are fewer. Installed once
per process (``dropout_viz.ui.nav`` does), for the Streamlit pinned in requirements.txt; another one keeps its own.
"""
from __future__ import annotations

import asyncio
import collections
import logging
import threading
import types

_LOGGER = logging.getLogger(__name__)

# How long the loop lets a run's events gather after handling some, before it handles them: a run's messages,
# one every 0.1-0.5 ms while its page is drawn, then go in one batch per slice; the sender (ui/flush_slices.py)
# sends in slices of the same length. A run's first event is handled at once.
SLICE_S = 0.005

_installed = False


class EventBatches:
    """One session's events on their way to the event loop: a FIFO and whether a wake-up is pending.

    ``put(callback)`` may be called from any thread; every callback runs on ``loop``, in the order put, each
    once, in batches: the loop is woken (``call_soon_threadsafe``) once for all the events put until it
    drains them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, slice_s: float = SLICE_S):
        if not slice_s >= 0:
            raise ValueError(f"slice_s must be >= 0 seconds, got {slice_s!r}")
        self.loop, self.slice_s = loop, slice_s
        self._queue: collections.deque = collections.deque()
        self._lock = threading.Lock()
        self._pending = False  # a drain is scheduled on the loop and has not yet found the queue empty
        self.wakeups = self.events = 0  # counters for the tests and measurements

    def put(self, callback) -> None:
        with self._lock:
            self._queue.append(callback)
            self.events += 1
            if self._pending:
                return
            self._pending = True
            self.wakeups += 1
        try:
            self.loop.call_soon_threadsafe(self._drain)
        except RuntimeError:  # the loop is closed (process shutdown, a test's teardown): drop, as Streamlit does
            with self._lock:
                self._queue.clear()
                self._pending = False
            if not self.loop.is_closed():
                raise
            _LOGGER.debug("Dropped event-loop callbacks", exc_info=True)

    def _drain(self) -> None:
        """On the loop: run the events queued so far, then look again after ``slice_s``: a run's events that
        came meanwhile are handled together, without a wake-up each. The queue found empty ends the batch."""
        with self._lock:
            batch, self._queue = self._queue, collections.deque()
            if not batch:
                self._pending = False
                return
        for callback in batch:
            try:
                callback()
            except Exception as exc:  # noqa: BLE001 - reported as the loop reports a failed callback
                self.loop.call_exception_handler({"message": f"Exception in callback {callback!r}",
                                                  "exception": exc})
        self.loop.call_later(self.slice_s, self._drain)  # a timer on the loop: no wake-up socket


def batches_of(session) -> EventBatches:
    """The session's EventBatches, made on first use (dict.setdefault is atomic: one only, whichever thread asks
    first; a session's event loop never changes)."""
    found = session.__dict__.get("_dropout_lab_batches")
    if found is None:
        found = session.__dict__.setdefault("_dropout_lab_batches", EventBatches(session._event_loop))
    return found


def call_soon_on_event_loop(self, callback) -> None:
    """AppSession._call_soon_on_event_loop, batched."""
    batches_of(self).put(callback)


def enqueued_some_message(self) -> None:
    """Runtime._enqueued_some_message: wake the sender; on the loop itself, without the wake-up socket."""
    objs = self._get_async_objs()
    if asyncio._get_running_loop() is objs.eventloop:
        objs.need_send_data.set()
    else:
        objs.eventloop.call_soon_threadsafe(objs.need_send_data.set)


def install() -> bool:
    """Patch AppSession._call_soon_on_event_loop and Runtime._enqueued_some_message (once), and re-point the
    sessions that already hold the old sender's wake-up. False if this Streamlit has not both."""
    global _installed
    if _installed:
        return True
    try:
        from streamlit.runtime.app_session import AppSession
        from streamlit.runtime.runtime import Runtime
    except ImportError:  # pragma: no cover - another Streamlit
        return False
    if not (hasattr(AppSession, "_call_soon_on_event_loop") and hasattr(Runtime, "_enqueued_some_message")
            and hasattr(Runtime, "_get_async_objs")):  # pragma: no cover - another Streamlit
        return False
    old = Runtime._enqueued_some_message
    AppSession._call_soon_on_event_loop = call_soon_on_event_loop
    Runtime._enqueued_some_message = enqueued_some_message
    # A session made before this (the first one: this runs in its first script run) holds the old method bound.
    runtime = Runtime.instance() if Runtime.exists() else None
    manager = getattr(runtime, "_session_mgr", None) if isinstance(runtime, Runtime) else None  # not AppTest's mock
    if manager is not None:
        for info in manager.list_sessions():
            bound = getattr(info.session, "_message_enqueued_callback", None)
            if getattr(bound, "__func__", None) is old:
                info.session._message_enqueued_callback = types.MethodType(enqueued_some_message, runtime)
    _installed = True
    return True
