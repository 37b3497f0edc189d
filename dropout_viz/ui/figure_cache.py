"""Built figures shared by every session, so that a control which leaves a figure's inputs as they were does not
build it again.

Building a Plotly figure validates every property it sets, which costs tens of milliseconds of server CPU per
figure: more than the rest of a slider move. A view asks for a figure by a name and a key of the plain values
the figure depends on (the experiment's settings, the language, presenter mode, the translated titles), with a
function that builds it::

    shown = figure_cache.figure("in_jensen", (d, keep, inverted, bias, seed, k, lang, presenter, title),
                                lambda: jensen_picture(...))

The figure is built once per key and the same object is returned afterwards (st.cache_resource: no copy, no
second validation). It is shared, so nothing may change it in place; ``widgets.chart`` copies a figure before it
raises its text for presenter mode.
"""
from __future__ import annotations

from typing import Callable

import plotly.graph_objects as go
import streamlit as st

# Settings each lesson's cached result or figure function keeps (st.cache_data, st.cache_resource): every setting
# one control away from a page's defaults, which the start-up walk (scripts/warm.py --walk) computes, fits.
SETTINGS = 128

# Over every lesson: the start-up walk (scripts/warm.py --walk) builds about 3,000; a figure is at most a few
# hundred kB, most far less.
MAX_FIGURES = 4096


@st.cache_resource(max_entries=MAX_FIGURES, show_spinner=False)
def _built(name: str, key: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    """_build is not hashed (leading underscore): (name, key) names the figure."""
    return _build()


def figure(name: str, key: tuple, build: Callable[[], go.Figure]) -> go.Figure:
    """build() once for (name, key), then the same figure. ``key`` holds every plain value (numbers, strings,
    tuples of them) the figure depends on; ``name`` tells the figures of a page apart."""
    return _built(name, key, build)
