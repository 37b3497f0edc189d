"""Dropout Lab home: what dropout is, one live network with keep sliders, and the map of the pages."""
from pathlib import Path

import streamlit as st

from dropout_viz import figures, masks, system
from dropout_viz.ui import common as ui
from dropout_viz.ui import home

SIZES = (2, 8, 8, 2)  # small enough to see every connection, big enough that thinning is obvious

presenter = ui.page_setup("Dropout Lab")
st.title("Dropout Lab")
st.markdown(
    "**Dropout** trains a network while randomly switching units off. At every training step each unit is "
    "kept with probability **q** (the *keep probability*) and silenced otherwise, together with all its "
    "connections; the next minibatch gets a fresh random choice. Each choice is a *subnetwork*, and all "
    "of them share the same weights — so training with dropout trains an enormous ensemble at the cost "
    "of one network. At test time nothing is dropped: with **inverted dropout** (kept units are scaled by "
    "1/q while training) the full network approximates the average of the whole ensemble."
)
st.info("**Convention used everywhere in this app:** keep probability q, drop rate p = 1 − q, and inverted "
        "dropout unless a page says otherwise. Papers differ: Srivastava et al. call the keep probability p, "
        "while most frameworks' `rate` is the drop rate.", icon="📐")

controls, picture = st.columns([1, 2.2] if not presenter else [1, 1.6], gap="large")
with controls:
    st.subheader("Drop some units")
    keep_in = ui.keep_slider("Keep q for the input units", "keep_in", 0.8)
    keep_hidden = ui.keep_slider("Keep q for the hidden units", "keep_hidden", 0.5)
    seed = ui.number("Seed", "seed", 0, 10_000, 0, help="Same seed, same sequence of masks, on every machine.")
    draw = ui.counter("draw")
    if st.button("🎲 Sample a new mask", type="primary", shortcut="N",
                 help="Draw the mask the next minibatch would get (keyboard: N)."):
        ui.bump("draw")
        draw = ui.counter("draw")
    keep = (keep_in, keep_hidden, keep_hidden)
    unit_masks = home.sample_masks(SIZES, keep, seed, draw)
    d = masks.n_subnetworks_log2(SIZES, keep)
    st.metric("Subnetworks", f"2{ui.superscript(d)} = {2 ** d:,}",
              help="2^d, where d = the number of droppable units (those with keep < 1): every choice of which of "
                   "them to keep is one subnetwork, and all share the same weights.")
    kept = [int(m.sum()) for m in unit_masks[:-1]]
    st.caption(f"Mask #{draw} of seed {seed}: kept {kept[0]}/{SIZES[0]} inputs "
               f"({ui.keep_text(keep_in)}), {kept[1]}/{SIZES[1]} and {kept[2]}/{SIZES[2]} hidden units "
               f"({ui.keep_text(keep_hidden)}).")

with picture:
    fig = figures.network_diagram(list(SIZES), unit_masks, keep=list(keep), presenter=presenter,
                                  title=f"One thinned network: mask #{draw}")
    ui.chart(fig, key="home_network")
ui.show_url_notices()

st.caption(f"Computing with JAX {system.backend_info()['jax']} on **{system.backend_info()['label']}**.")

st.header("The lab")
for page, title, blurb in ui.PAGES:
    if (Path(__file__).parent / page).exists():
        st.page_link(page, label=f"**{title}** — {blurb}")
