"""A tiny Streamlit app for the deployment tests: it says which replica runs it (scripts/serve.py sets
DROPOUT_LAB_REPLICA) and has one slider, so that a rerun through nginx can be checked."""
import os

import streamlit as st

st.markdown(f"replica={os.environ.get('DROPOUT_LAB_REPLICA', '?')}")
st.slider("Keep q", 0.05, 1.0, 0.5, 0.05, key="keep")
