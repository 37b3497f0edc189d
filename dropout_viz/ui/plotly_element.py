"""A Plotly figure on the page without encoding it again on every run that shows it.

``st.plotly_chart`` converts the figure on every call: a deep copy of every array (``Figure.to_dict``), NumPy arrays
to base64, then JSON, which Plotly's encoder writes, parses and writes again. For the ensemble page's five
decision surfaces (0.3 MB) that is 7 ms of server CPU, for every run that shows them, although the figure is a
shared cached object that never changes (ui/figure_cache.py). Here the JSON spec, the chart's resolved size and
its alt text are made once per figure object and kept as long as the figure lives; a run then only hashes the
spec for the element's id and sends it.

The element is made as ``st.plotly_chart`` makes it (same proto, same element id, same layout): that takes
Streamlit's own internal pieces (its element-id, form, layout and agent helpers and the DeltaGenerator's _enqueue),
for the version pinned in requirements.txt. tests/ui/test_plotly_element.py
compares the two messages, byte for byte; without the internals (another Streamlit) ``show`` calls ``st.plotly_chart``.

A figure must not change after it has been shown (the views' figures never do: they are shared between sessions);
one that is built anew is a new object, with its own entry.
"""
from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass
from typing import Callable

import plotly.io
import plotly.tools
import streamlit as st

try:  # Streamlit's own pieces of st.plotly_chart (streamlit==1.67.0)
    from streamlit.elements import plotly_chart as _st_plotly
    from streamlit.elements.lib import agent_spec
    from streamlit.elements.lib.form_utils import current_form_id
    from streamlit.elements.lib.layout_utils import LayoutConfig
    from streamlit.elements.lib.utils import compute_and_register_element_id
    from streamlit.proto.PlotlyChart_pb2 import PlotlyChart as PlotlyChartProto

    INTERNALS = all(hasattr(_st_plotly, n) for n in ("_resolve_content_width", "_resolve_content_height",
                                                      "_plotly_data"))
except ImportError:  # another Streamlit: st.plotly_chart does it all, every run
    INTERNALS = False

@dataclass(frozen=True)
class Prepared:
    """What st.plotly_chart computes from the figure, computed once."""

    spec: str  # the figure as plotly.js JSON (PlotlyChart.spec); "" without the internals
    width: object  # width and height as st.plotly_chart resolves "content"
    height: object
    alt: str | None  # the shown figure's description, if asked for
    figure: object = None  # the shown figure, only without the internals (st.plotly_chart takes it)


class _Specs:
    """Prepared specs by figure object, each kept as long as its figure lives (a weak reference to the figure
    drops the entry when the figure goes: out of the view's cache, or at the end of the run that built it).

    So a figure the start-up walk built and showed is sent without encoding it again, however many others were
    built after it, and no spec outlives its figure: the specs take about 0.7 times the memory of the figures
    they belong to (a spec is the figure's JSON; the figure object holds the same arrays and Plotly's objects).
    """

    def __init__(self):
        self._d: dict[tuple, tuple[weakref.ref, Prepared]] = {}
        # Re-entrant: a figure collected while this thread holds the lock drops its entry from inside it.
        self._lock = threading.RLock()
        self.built = 0  # specs made (tests: a figure shown twice is encoded once)

    def __len__(self) -> int:
        return len(self._d)

    def get(self, fig, extra: tuple, make: Callable[[], Prepared]) -> Prepared:
        key = (id(fig), *extra)
        with self._lock:
            hit = self._d.get(key)
            if hit is not None and hit[0]() is fig:
                return hit[1]
        prepared = make()  # outside the lock: other sessions go on
        with self._lock:
            ref = weakref.ref(fig, lambda r, key=key: self._drop(key, r))
            self._d[key] = (ref, prepared)
            self.built += 1
        return prepared

    def _drop(self, key: tuple, ref: weakref.ref) -> None:
        with self._lock:
            hit = self._d.get(key)
            if hit is not None and hit[0] is ref:  # not an entry made since for a new figure at the same address
                del self._d[key]

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


specs = _Specs()


def _prepare(shown, width, height, alt) -> Prepared:
    """The spec as st.plotly_chart makes it (validated, uids removed, NumPy arrays as base64), and the sizes it
    resolves."""
    text = alt(shown) if alt is not None else None
    if not INTERNALS:
        return Prepared("", width, height, text, shown)
    figure = plotly.tools.return_figure_from_figure_or_data(shown, validate_figure=True)
    return Prepared(plotly.io.to_json(figure, validate=False), _st_plotly._resolve_content_width(width, figure),
                    _st_plotly._resolve_content_height(height, figure), text)


def prepared(fig, *, width="stretch", height="content", cache_key: tuple = (), transform: Callable | None = None,
             alt: Callable[[object], str] | None = None) -> Prepared:
    """The figure's spec, sizes and description (``alt(shown figure)``), made once per figure object.

    transform: applied to the figure before it is shown (presenter mode's larger text); cache_key: whatever else
    the shown figure and its description depend on (presenter mode, the language).
    """
    def make() -> Prepared:
        return _prepare(transform(fig) if transform is not None else fig, width, height, alt)

    if not INTERNALS:
        return make()
    return specs.get(fig, (width, height, *cache_key), make)


def show(p: Prepared, *, key: str | None, config: dict, width="stretch", height="content") -> None:
    """Put a prepared figure on the page as ``st.plotly_chart(fig, width=, height=, theme=None, config=, key=)``
    would: st.plotly_chart's own steps (streamlit/elements/plotly_chart.py, on_select="ignore", theme=None) with
    the spec and sizes already made."""
    if not INTERNALS:
        st.plotly_chart(p.figure, width=width, height=height, theme=None, config=config, key=key)
        return
    dg = st.plotly_chart.__self__  # the main DeltaGenerator; _enqueue writes to the active container
    proto = PlotlyChartProto()
    proto.theme = ""
    proto.form_id = current_form_id(dg)
    proto.spec = p.spec
    proto.config = json.dumps(config)
    proto.id = compute_and_register_element_id(
        "plotly_chart", user_key=key, key_as_main_identity=False, dg=dg, plotly_spec=proto.spec,
        plotly_config=proto.config, selection_mode=("points", "box", "lasso"), is_selection_activated=False,
        theme=None, width=width, height=height, alt=None)
    dg._enqueue("plotly_chart", proto, layout_config=LayoutConfig(width=p.width, height=p.height),
                agent_props=agent_spec.element("plotly_chart", key=key,
                                               data_builder=lambda: _st_plotly._plotly_data(proto.spec), alt=None))
