"""Long work on a page: a progress bar with the work done and an estimate of the time left, and a Stop button.

How it fits Streamlit:
- The work runs inside an st.cache_data function (so a class shares the finished result). Elements made inside
  a cached function are replayed on a cache hit, so the bar is made there, by ``bar()``, and emptied at the end.
  An exception (a stop) leaves nothing in the cache: only finished results are cached.
- The Stop button is a widget, and widgets do not belong inside cached functions, so ``guarded()`` draws it
  just before calling the cached function and removes it afterwards. Clicking a button while a script runs
  makes Streamlit interrupt the run at its next element update (the bar updates after every piece of work,
  so that is soon) and rerun the script; the button's callback runs first on that rerun. The callback marks
  the task stopped and calls the page's ``on_stop`` (which forgets the request, so the rerun does not start the
  work again). The page then shows ``stopped_notice()``, the controls keep their values, and pressing the
  page's Run button (or switching the work on again) starts it anew.
- The library never imports streamlit: it takes an ``on_progress(done, total)`` style callback, and ``bar()``
  returns one.
"""
from __future__ import annotations

import contextvars
import time
from typing import Callable

import streamlit as st

from .i18n import _

_CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("dropout_viz_long_task", default=None)
REACHED = "_progress_reached"  # session state: task key -> (done, total) of the latest update
STOPPED = "_progress_stopped"  # session state: task key -> (done, total) reached when Stop was pressed


def stop_key(task: str) -> str:
    """The Stop button's widget key for a task."""
    return f"{task}_stop"


def eta_text(done: int, total: int, elapsed: float) -> str:
    """'about N s left' in the session's language, from the rate so far; empty before any work is done."""
    if done <= 0 or done >= total:
        return ""
    left = elapsed / done * (total - done)
    if left < 60:
        return _("about {n} s left").format(n=max(1, round(left)))
    return _("about {m} min left").format(m=round(left / 60))


def bar(what: str, unit: str = "", scale: int = 1) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """Inside a cached function: a progress bar; returns (on_progress(done, total), clear()).

    The bar reads "<what>: <done> of <total> <unit>, about N s left"; ``scale`` multiplies done and total for the
    text only (e.g. chunks shown as training steps). Every update is also a point where a click on Stop
    interrupts the run. ``what`` and ``unit`` are already in the reader's language (through ``_``).
    """
    slot = st.empty()
    slot.progress(0.0, text=what + "…")
    first: list = []  # (done, time) of the first update: the rate is measured from there (the first piece
    task = _CURRENT.get()  # of work also compiles, which the later ones do not)

    def on_progress(done: int, total: int) -> None:
        if task is not None:
            st.session_state.setdefault(REACHED, {})[task] = (done * scale, total * scale)
        now = time.perf_counter()
        if not first:
            first.append((done, now))
        eta = eta_text(done - first[0][0], total - first[0][0], now - first[0][1])
        d, t = f"{done * scale:,}", f"{total * scale:,}"
        text = _("{what}: {done} of {total} {unit}, {eta}").format(
            what=what, done=d, total=t, unit=unit, eta=eta or _("estimating the time left"))
        slot.progress(min(1.0, done / total) if total else 1.0, text=text)

    return on_progress, slot.empty


def _stop(task: str, on_stop: Callable | None, args: tuple) -> None:
    """The Stop button's callback (runs first on the rerun the click caused)."""
    st.session_state.setdefault(STOPPED, {})[task] = st.session_state.get(REACHED, {}).get(task)
    if on_stop is not None:
        on_stop(*args)


def guarded(task: str, compute: Callable[[], object], *, on_stop: Callable | None = None, args: tuple = ()):
    """Runs compute() (a call of a cached function that draws a ``bar()``) with a Stop button above it.

    On a cache hit the button is drawn and removed within the same run. Returns compute()'s result.
    """
    st.session_state.get(STOPPED, {}).pop(task, None)
    st.session_state.get(REACHED, {}).pop(task, None)
    slot = st.empty()
    slot.button(_("Stop"), key=stop_key(task), icon=":material/stop:", on_click=_stop, args=(task, on_stop, args),
                help=_("Stop this computation; the page stays as it is."))
    token = _CURRENT.set(task)
    try:
        return compute()
    finally:
        _CURRENT.reset(token)
        slot.empty()


def was_stopped(task: str) -> bool:
    return task in st.session_state.get(STOPPED, {})


def forget(task: str) -> None:
    """Clears the stopped state (call when the work is asked for again)."""
    st.session_state.get(STOPPED, {}).pop(task, None)


def stopped_notice(task: str, what: str, shown: str) -> bool:
    """If the task was stopped: an info box saying so, how far it got and what is shown instead; returns True."""
    if not was_stopped(task):
        return False
    reached = st.session_state[STOPPED][task]
    if reached is not None:
        d, t = f"{reached[0]:,}", f"{reached[1]:,}"
        how = _(" after {done} of {total}").format(done=d, total=t)
    else:
        how = ""
    st.info(_("Stopped: {what}{how}. {shown}").format(what=what, how=how, shown=shown), icon=":material/stop_circle:")
    return True


class Stopped(Exception):
    """The work for these settings was stopped: its notice and a button to start again are on the page."""


def _remember_stop(task: str, settings) -> None:
    st.session_state[f"_{task}_stopped_settings"] = settings


def _again(task: str) -> None:
    st.session_state.pop(f"_{task}_stopped_settings", None)
    forget(task)


def stoppable(task: str, settings, compute: Callable[[], object], *, what: str, shown: str, again: str):
    """compute() under ``guarded`` for the given settings (any comparable value), Stop included.

    After a Stop of these same settings it does not start again by itself: it shows ``stopped_notice`` (what
    was stopped, how far it got, ``shown``: what the page shows instead), a button labelled ``again`` that
    starts the work anew, and raises Stopped. Any other settings (a control changed) start the work again.
    """
    key = f"_{task}_stopped_settings"
    if key in st.session_state and st.session_state[key] == settings:
        stopped_notice(task, what, shown)
        st.button(again, key=f"{task}_again", on_click=_again, args=(task,))
        raise Stopped(task)
    st.session_state.pop(key, None)
    return guarded(task, compute, on_stop=_remember_stop, args=(task, settings))
