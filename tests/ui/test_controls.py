"""ui.controls: a lesson's widget table drives the widgets, their links and presets."""
import pytest
from streamlit.testing.v1 import AppTest

from dropout_viz.ui.controls import Control, defaults


def test_a_control_refuses_a_default_outside_its_range():
    with pytest.raises(ValueError, match="default"):
        Control("x_k", "slider", "k", 20, lo=1, hi=16)
    with pytest.raises(ValueError, match="default"):
        Control("x_w", "select", "w", 8, options=(16, 32))
    with pytest.raises(ValueError, match="kind"):
        Control("x_w", "dial", "w", 8)


def test_valid_follows_the_kind():
    keep = Control("x_q", "keep", "q", 0.5)
    assert keep.valid(1.0) and keep.valid(0.05) and not keep.valid(0.0) and not keep.valid(1.5)
    assert not keep.valid("0.5")
    assert Control("x_t", "toggle", "t", False).valid(True)
    assert not Control("x_t", "toggle", "t", False).valid(1)


def _app():
    from dropout_viz.ui import nav, widgets
    from dropout_viz.ui.controls import Control, apply_preset, draw

    table = {
        "keep": Control("x_keep", "keep", "Keep q", 0.5),
        "k": Control("x_k", "slider", "k", 8, lo=1, hi=16),
        "width": Control("x_width", "select", "Width", 32, options=(16, 32, 64)),
        "seed": Control("x_seed", "number", "Seed", 0, lo=0, hi=10_000),
        "on": Control("x_on", "toggle", "On", False),
    }
    import streamlit as st
    nav.page_setup("Controls")
    if st.session_state.get("preset"):
        st.session_state["refused"] = apply_preset(table, {"k": 3, "width": 16, "keep": 7.0, "nope": 1})
        st.session_state["preset"] = False
    values = draw(table)
    st.write(repr(sorted(values.items())))
    widgets.show_url_notices()


def test_drawn_table_gives_values_and_reads_the_link():
    at = AppTest.from_function(_app)
    at.query_params["x_k"] = "12"
    at.query_params["x_width"] = "48"  # not an option: a notice, the default is used
    at.run()
    assert not at.exception
    shown = at.markdown[0].value
    assert "('k', 12)" in shown and "('width', 32)" in shown and "('keep', 0.5)" in shown
    assert any("x_width" in w.value for w in at.warning)
    at.session_state["preset"] = True
    at.run()
    assert at.session_state["refused"] == ["keep", "nope"]
    assert "('k', 3)" in at.markdown[0].value and "('width', 16)" in at.markdown[0].value


def test_defaults():
    assert defaults({"a": Control("x_a", "slider", "a", 3, lo=1, hi=5)}) == {"a": 3}
