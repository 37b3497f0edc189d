"""ui.plotly_element: a figure's spec made once, and the element it sends the same as st.plotly_chart's."""
import gc

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from dropout_viz.ui import plotly_element

def _figure(height=None):
    z = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    fig = go.Figure(go.Heatmap(z=z, x=np.arange(4.0), y=np.arange(3), meta="surface"))
    fig.add_trace(go.Scatter(x=np.array([0.5, 1.5, np.nan]), y=[1, 2, 3], name="points"))
    fig.update_layout(title="A figure", height=height)
    return fig


def _app():
    """Shows the figure in session state "fig" the way session state "how" says, inside a column, and keeps the
    ForwardMsgs this run sent (serialised) in session state "sent"."""
    import streamlit as st

    from dropout_viz.ui import plotly_element
    from tests.ui.capture import keep_sent

    config = {"displaylogo": False, "toImageButtonOptions": {"format": "svg", "scale": 2}}
    sent, stop = keep_sent()
    fig, height, how = st.session_state["fig"], st.session_state["height"], st.session_state["how"]
    st.title("Charts")
    _left, right = st.columns(2)
    with right:
        if how == "streamlit":
            st.plotly_chart(fig, width="stretch", height=height, theme=None, config=config, key="fig")
        else:
            plotly_element.show(plotly_element.prepared(fig, height=height), key="fig", config=config, height=height)
    stop()
    st.session_state["sent"] = sent


def _chart_msg(fig, height, how):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    at = AppTest.from_function(_app)
    at.session_state["fig"], at.session_state["height"], at.session_state["how"] = fig, height, how
    at.run(timeout=60)
    assert not at.exception
    msgs = [ForwardMsg.FromString(b) for b in at.session_state["sent"]]
    charts = [m for m in msgs if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"
              and m.delta.new_element.WhichOneof("type") == "plotly_chart"]
    assert len(charts) == 1
    return charts[0]


@pytest.mark.parametrize("height", ["content", "stretch", 300])
@pytest.mark.parametrize("layout_height", [None, 520])
def test_the_element_is_the_one_st_plotly_chart_sends(height, layout_height):
    """Spec, config, theme, id (from the same arguments), width and height configs and where it goes: the whole
    message, byte for byte."""
    fig = _figure(layout_height)
    ours = _chart_msg(fig, height, "ours")
    theirs = _chart_msg(fig, height, "streamlit")
    assert plotly_element.INTERNALS
    assert ours.delta.new_element.plotly_chart.spec  # a real spec, with the heatmap's arrays
    assert '"type":"heatmap"' in ours.delta.new_element.plotly_chart.spec
    assert ours.SerializeToString() == theirs.SerializeToString()


def test_a_figure_is_encoded_once_and_a_new_one_again():
    plotly_element.specs.clear()
    built = plotly_element.specs.built
    fig = _figure()
    a = plotly_element.prepared(fig)
    b = plotly_element.prepared(fig)
    assert b is a and plotly_element.specs.built == built + 1
    other = _figure()  # the same content, another object: its own entry
    c = plotly_element.prepared(other)
    assert c is not a and c.spec == a.spec and plotly_element.specs.built == built + 2
    d = plotly_element.prepared(fig, height="stretch")  # another size: another entry
    assert d is not a and plotly_element.specs.built == built + 3


def test_transform_and_alt_are_applied_once_to_the_shown_figure():
    plotly_element.specs.clear()
    fig, calls = _figure(), []

    def bigger(f):
        calls.append("transform")
        return go.Figure(f).update_layout(title_font_size=40)

    def alt(shown):
        calls.append("alt")
        return f"title size {shown.layout.title.font.size}"

    p = plotly_element.prepared(fig, cache_key=(True,), transform=bigger, alt=alt)
    q = plotly_element.prepared(fig, cache_key=(True,), transform=bigger, alt=alt)
    assert q is p and calls == ["transform", "alt"]
    assert p.alt == "title size 40" and '"size":40' in p.spec
    assert fig.layout.title.font.size is None  # the shared figure is not changed
    plain = plotly_element.prepared(fig, cache_key=(False,))
    assert plain is not p and '"size":40' not in plain.spec and plain.alt is None


def test_an_entry_lives_as_long_as_its_figure():
    """Kept however many figures come after it (the start-up walk's figures stay encoded), dropped when the figure
    goes (out of a view's cache, or at the end of the run that built it)."""
    plotly_element.specs.clear()
    kept = _figure()
    first = plotly_element.prepared(kept)
    passing = [_figure() for _ in range(300)]
    for f in passing:
        plotly_element.prepared(f)
    assert len(plotly_element.specs) == 301
    built = plotly_element.specs.built
    assert plotly_element.prepared(kept) is first and plotly_element.specs.built == built
    del passing, f
    gc.collect()
    assert len(plotly_element.specs) == 1
    del kept, first
    gc.collect()
    assert len(plotly_element.specs) == 0


def test_without_streamlits_internals_st_plotly_chart_shows_it(monkeypatch):
    fig = _figure()
    theirs = _chart_msg(fig, "content", "streamlit")
    monkeypatch.setattr(plotly_element, "INTERNALS", False)
    p = plotly_element.prepared(fig, alt=lambda shown: "described")
    assert p.figure is fig and p.spec == "" and p.alt == "described"
    ours = _chart_msg(fig, "content", "ours")
    assert ours.SerializeToString() == theirs.SerializeToString()
