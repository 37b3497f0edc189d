"""A tiny Streamlit app for tests/test_loop_batches.py: a slider for how many text elements to draw, then one more
text with the session's event counters (ui/loop_batches.EventBatches: events handed to the event loop, and the
wake-ups they took) as they stood when the script reached it."""
import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dropout_viz.ui import loop_batches

loop_batches.install()

n = st.slider("n", 100, 400, 200, key="n")
for i in range(n):
    st.text(f"item {i}")
session = Runtime.instance()._session_mgr.get_session_info(get_script_run_ctx().session_id).session
batches = session.__dict__.get("_dropout_lab_batches")
st.text(f"counters {batches.events if batches else 0} {batches.wakeups if batches else 0}")
