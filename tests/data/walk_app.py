"""A tiny Streamlit app for the start-up walk's test (tests/test_warm.py): two page controls, a URL-bound tab
selector with a control in each tab, and one JSON line per run, appended to $DROPOUT_LAB_WALK_LOG, with the
values that run saw (the walk must set one control at a time, the others at their defaults), and "released" in the
run that answered the release file's touch (core.system.ReleaseSignal, as ui/nav.py does for the app)."""
import json
import os

import streamlit as st

from dropout_viz.core import system

signal = st.cache_resource(system.ReleaseSignal.from_env)()
released = signal.check()

keep = st.slider("Keep q", 0.1, 0.5, 0.3, 0.1, key="keep")
mode = st.selectbox("Mode", ["a", "b", "c"], key="mode")
one, two = st.tabs(["One", "Two"], key="tab", bind="query-params")
seen = {"keep": round(keep, 2), "mode": mode}
if one.open:
    with one:
        seen["seed"] = st.number_input("Seed", 0, 1000, 0, key="seed")
if two.open:
    with two:
        seen["k"] = st.radio("k", [1, 2, 3], key="k")
if released:
    seen["released"] = True
with open(os.environ["DROPOUT_LAB_WALK_LOG"], "a") as log:
    log.write(json.dumps(seen) + "\n")
