"""A tiny Streamlit app for tests/test_loop_batches.py: a slider for how many text elements to draw, then one more
text with the session's event counters (ui/loop_batches.EventBatches: events handed to the event loop, and the
wake-ups they took) as they stood when the script reached it, and
whether the session wakes Streamlit's sender through ui/loop_batches."""
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
# 1 when this session (the server's first: it installed the batches in its first run) wakes the sender the new way
woken = int(getattr(session._message_enqueued_callback, "__func__", None) is loop_batches.enqueued_some_message)
st.text(f"counters {batches.events if batches else 0} {batches.wakeups if batches else 0} {woken}")
