"""A Plotly figure on the page without encoding it again on every run that shows it.

``st.plotly_chart`` converts the figure on every call: a deep copy of every array (``Figure.to_dict``), NumPy arrays
to base64, then JSON, which Plotly's encoder writes, parses and writes again. For the ensemble page's five
decision surfaces (0.3 MB) that is 7 ms of server CPU, for every run that shows them, although the figure is a
shared cached object that never changes (ui/figure_cache.py). Here the JSON spec, the chart's resolved size and
its alt text are made once per figure object and kept (SPECS, most recently used first); a run then only hashes
the spec for the element's id and sends it.

The element is made as ``st.plotly_chart`` makes it (same proto, same element id, same layout): that takes four
of Streamlit's internal functions, for the version pinned in requirements.txt. tests/ui/test_plotly_element.py
compares the two, field by field; without the internals (another Streamlit) ``show`` calls ``st.plotly_chart``.

A figure must not change after it has been shown (the views' figures never do: they are shared between sessions);
one that is built anew is a new object, with its own entry.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
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

# Figures kept: more than any page shows at once, in both modes and languages, for the few settings a class is on.
# A spec is about 1.3 times the figure's arrays (base64); the largest are some 0.3 MB.
SPECS = 256


@dataclass(frozen=True)
class Prepared:
    """What st.plotly_chart computes from the figure, computed once."""

    spec: str  # the figure as plotly.js JSON (PlotlyChart.spec); "" without the internals
    width: object  # width and height as st.plotly_chart resolves "content"
    height: object
    alt: str | None  # the shown figure's description, if asked for
    figure: object = None  # the shown figure, only without the internals (st.plotly_chart takes it)


class _Specs:
    """Prepared specs by figure object, least recently used dropped first; the figure itself is kept in the entry,
    so that its id is not reused while the entry lives."""

    def __init__(self, size: int):
        self.size = size
        self._d: OrderedDict[tuple, tuple[object, Prepared]] = OrderedDict()
        self._lock = threading.Lock()  # one script thread per session, several sessions at once
        self.built = 0  # specs made (tests: a figure shown twice is encoded once)

    def get(self, fig, extra: tuple, make: Callable[[], Prepared]) -> Prepared:
        key = (id(fig), *extra)
        with self._lock:
            hit = self._d.get(key)
            if hit is not None and hit[0] is fig:
                self._d.move_to_end(key)
                return hit[1]
        prepared = make()  # outside the lock: other sessions go on
        with self._lock:
            self._d[key] = (fig, prepared)
            self._d.move_to_end(key)
            self.built += 1
            while len(self._d) > self.size:
                self._d.popitem(last=False)
        return prepared

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


specs = _Specs(SPECS)


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
