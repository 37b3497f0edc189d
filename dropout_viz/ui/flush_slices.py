"""Streamlit's sender yields to the event loop once per time slice, not after every message.

Streamlit 1.67 sends each session's messages from one coroutine (``Runtime._loop_coroutine``): for every
session with queued messages, for every message (one per element of a run), it sends the message and then
``await asyncio.sleep(0)``. Each such yield runs a turn of the event loop, which polls its sockets and so lets go
of Python's interpreter lock; on a busy server (30 sessions training, 30 more moving sliders) getting the lock
back takes a switch interval or more, so a page run's forty-odd messages, and those of every session flushed
before it, took up to a second to leave. The load test measured it (``scripts/load_test.py``'s probe, from a
run's end in its thread to its "script finished" leaving for the browser): 0.04 s at the median, 0.94 s at p95,
the larger part of a slider move's time at p95.

``install()`` gives that module an ``asyncio`` whose ``sleep(0)`` yields only when ``SLICE_S`` has passed since
the sender last yielded (and at once otherwise, without a turn of the loop); every other name is asyncio's own.
Messages still leave in the same order, each session's as before; the loop's other work (incoming requests,
the health check) waits at most about one slice plus one message's send. Installed once per process
(``dropout_viz.ui.nav`` does).
"""
from __future__ import annotations

import asyncio
import time

SLICE_S = 0.005  # longest the sender keeps the event loop before it yields

_installed = False


async def _no_yield(result=None):
    return result


class SlicedAsyncio:
    """asyncio, except that ``sleep(0)`` yields only once per slice of ``slice_s`` seconds."""

    def __init__(self, real=asyncio, slice_s: float = SLICE_S, clock=time.monotonic):
        if not slice_s >= 0:
            raise ValueError(f"slice_s must be >= 0 seconds, got {slice_s!r}")
        self._real, self._slice_s, self._clock = real, slice_s, clock
        self._resumed = clock()  # when the sender last came back from a yield
        self.yields = self.skipped = 0

    def __getattr__(self, name):
        return getattr(self._real, name)

    def sleep(self, delay, result=None):
        if delay == 0 and self._clock() - self._resumed < self._slice_s:
            self.skipped += 1
            return _no_yield(result)
        return self._yield(delay, result)

    async def _yield(self, delay, result):
        try:
            return await self._real.sleep(delay, result)
        finally:
            self.yields += 1
            self._resumed = self._clock()


def install(slice_s: float = SLICE_S) -> bool:
    """Give streamlit.runtime.runtime a SlicedAsyncio (once). False if this Streamlit has no such module."""
    global _installed
    if _installed:
        return True
    try:
        from streamlit.runtime import runtime
    except ImportError:  # pragma: no cover - another Streamlit
        return False
    if getattr(runtime, "asyncio", None) is not asyncio:  # pragma: no cover - another Streamlit
        return False
    runtime.asyncio = SlicedAsyncio(asyncio, slice_s)
    _installed = True
    return True
