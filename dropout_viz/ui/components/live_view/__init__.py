"""The live-training view: a components-v2 custom component mounted in the page (no iframe).

The browser side is live_view.mjs (a plain ES module: decoder, frame scheduler, canvas and SVG drawing) and
live_view.css, both read from this folder once and registered inline. Python sends it snapshot batches as
bytes (lessons.live_training.experiment.encode_batch); it answers with trigger values:
  need  {seq, step}: the queue runs low, send the batch that follows ``step``;
  play  {seq, step}: the user pressed Play while ``step`` was shown;
  pause {seq, step}: the user paused on ``step`` (the browser already stopped there).
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent
NAME = "dropout_viz.live_view"
EVENTS = ("need", "play", "pause")


def _source(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


_render = st.components.v2.component(NAME, js=_source("live_view.mjs"), css=_source("live_view.css"))


def mount(data: bytes, *, key: str, on_event) -> None:
    """Show a batch; ``on_event(name)`` is the callback of each trigger (it reads the value from
    st.session_state[key][name])."""
    callbacks = {f"on_{name}_change": (lambda n=name: on_event(n)) for name in EVENTS}
    _render(key=key, data=data, height="content", **callbacks)


def event_value(key: str, name: str):
    """The value of trigger ``name`` in the rerun it caused, else None."""
    state = st.session_state.get(key)
    if state is None:
        return None
    try:
        return state[name]
    except (KeyError, TypeError):
        return getattr(state, name, None)
