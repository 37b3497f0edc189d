"""A tiny Streamlit app for the deployment and load-client tests: it says which replica runs it
(scripts/serve.py sets DROPOUT_LAB_REPLICA) and has one slider whose value it shows, so that a rerun through
nginx or the load test's client can be checked."""
import os

import streamlit as st

st.markdown(f"replica={os.environ.get('DROPOUT_LAB_REPLICA', '?')}")
keep = st.slider("Keep q", 0.05, 1.0, 0.5, 0.05, key="keep")
st.markdown(f"keep={keep:g}")
