"""One student's visit of every page and action the load test uses, before the clock starts (plain blocking
calls, no gevent): the JAX programs are compiled, or loaded from the compilation cache, and the shared
st.cache_data results computed, as a lecturer would by opening the pages before the lecture."""
from __future__ import annotations

import time

from . import liveview
from . import protocol as sp

TIMEOUT_S = 300.0  # a cold replica compiles the training step on a busy 2-core machine


def _run(conn: sp.Connection, page: sp.Page, msg, *, fragment: bool = False, timeout_s: float = TIMEOUT_S):
    conn.send(msg)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = page.apply(conn.recv())
        if result is not None and result.status == (sp.FINISHED_FRAGMENT if fragment else sp.FINISHED):
            if page.exceptions:
                raise RuntimeError(f"the warm-up run showed an exception: {page.exceptions}")
            return result
    raise TimeoutError(f"warm-up: no run finished within {timeout_s:.0f} s")


def visit(base_url: str, *, home_slider: str, masks_page: str, masks_slider: str, training_page: str,
          view_key: str, batches: int = 3) -> float:
    """Open home, move its slider, the Masks page and its slider, the training page, Play the live view for a
    few batches, Pause. Returns the seconds it took."""
    def steps(rerun, page: sp.Page) -> None:
        slider = page.widget(home_slider, "slider")
        rerun([sp.slider_state(slider.id, sp.slider_step(slider, sp.slider_value(slider)))])
        rerun(page_hash=page.page_hash(masks_page))
        slider = page.widget(masks_slider, "slider")
        rerun([sp.slider_state(slider.id, sp.slider_step(slider, sp.slider_value(slider)))])
        _play(rerun, page, training_page, view_key, batches)

    return _from_home(base_url, steps)


def play(base_url: str, *, training_page: str, view_key: str, batches: int = 3) -> float:
    """Open the training page, Play its live view for a few batches (the first, short one and full ones), Pause:
    the programs a class's first Play runs are compiled, or loaded from the compilation cache. The start-up
    walk's release (scripts/warm.py) drops every compiled program, these too, so it plays once after. Returns
    the seconds it took."""
    return _from_home(base_url, lambda rerun, page: _play(rerun, page, training_page, view_key, batches))


def _from_home(base_url: str, steps) -> float:
    """One session: the home page, then steps(rerun, page); the seconds it took."""
    t0 = time.monotonic()
    conn = sp.Connection(base_url, timeout_s=TIMEOUT_S)
    page = sp.Page()
    try:
        rerun = _rerun(conn, page)
        rerun(page_hash="")
        steps(rerun, page)
    finally:
        conn.close()
    return time.monotonic() - t0


def _rerun(conn: sp.Connection, page: sp.Page):
    def rerun(states=(), page_hash=None, fragment_id=""):
        return _run(conn, page, sp.rerun_request(
            page_script_hash=page.page_script_hash if page_hash is None else page_hash,
            query_string=page.query_string, widget_states=states, fragment_id=fragment_id),
            fragment=bool(fragment_id))
    return rerun


def _play(rerun, page: sp.Page, training_page: str, view_key: str, batches: int) -> None:
    rerun(page_hash=page.page_hash(training_page))
    view = page.widget_by_key(view_key)
    batch = liveview.read_batch(page.components[view.id])

    def trigger(event, value):
        result = rerun([sp.component_trigger_state(view.id, (event, value))], fragment_id=view.fragment_id)
        data = result.components.get(view.id)
        if data is None:
            raise RuntimeError(f"warm-up: the live view sent no batch for {event!r}")
        return liveview.read_batch(data)

    batch = trigger("play", {"step": batch.steps[0] if batch.steps else 0, "seq": batch.seq})
    for _ in range(batches - 1):
        if not batch.playing:
            raise RuntimeError("warm-up: the live view stopped playing")
        batch = trigger("need", {"step": batch.steps[-1], "seq": batch.seq})
    trigger("pause", {"step": batch.steps[-1], "seq": batch.seq})
