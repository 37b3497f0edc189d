"""The home page: what dropout is, one live network with keep sliders and a resample button, and the page list."""
from __future__ import annotations

import numpy as np
import streamlit as st

from dropout_viz import figures
from dropout_viz.core import system
from dropout_viz.ui import layout, nav, widgets
from dropout_viz.ui.controls import Control, draw_one
from dropout_viz.ui.i18n import N_, _, keep_words

from . import experiment as ex

DRAW_KEY = "draw"  # the resample counter, kept in the link (draw=3)

# The page's widgets (the keys are those of old links).
WIDGETS = {
    "keep_in": Control("keep_in", "keep", N_("Keep q for the input units"), ex.CONFIG.keep_in),
    "keep_hidden": Control("keep_hidden", "keep", N_("Keep q for the hidden units"), ex.CONFIG.keep_hidden),
    "seed": Control("seed", "number", N_("Seed"), 0, lo=0, hi=10_000,
                    help=N_("Same seed, same sequence of masks, on every machine.")),
}


@st.cache_data(max_entries=512, show_spinner=False)
def sample_masks(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, draw: int) -> list[np.ndarray]:
    """Unit masks for draw number ``draw`` of a seed: one 0/1 array per layer of units (output all ones)."""
    return ex.sample_masks(ex.key(seed, draw), sizes, keep)


def render(presenter: bool) -> None:
    sizes = ex.CONFIG.sizes
    st.title("Dropout Lab")
    # Presenter mode: the network and its sliders first, the explanation folded below them.
    stage, about = layout.figure_first(presenter)
    about.markdown(_(
        "**Dropout** trains a network while randomly switching units off. At every training step each unit is "
        "kept with probability **q** (the *keep probability*) and silenced otherwise, together with all its "
        "connections; the next minibatch gets a fresh random choice. Each choice is a *subnetwork*, and all "
        "of them share the same weights — so training with dropout trains an enormous ensemble at the cost "
        "of one network. At test time nothing is dropped: with **inverted dropout** (kept units are scaled by "
        "1/q while training) the full network approximates the average of the whole ensemble."))
    about.info(_(
        "**Convention used everywhere in this app:** keep probability q, drop rate p = 1 − q, and inverted "
        "dropout unless a page says otherwise. Papers differ: Srivastava et al. call the keep probability p, "
        "while most frameworks' `rate` is the drop rate."), icon="📐")

    with stage:
        # A fragment: a slider move reruns the controls and the network only, not the page list below (which
        # is most of a full run's server time; scripts/action_costs.py). The link still follows the sliders.
        st.fragment(_thinned_network)(presenter)
    widgets.show_url_notices()

    info = system.backend_info()
    st.caption(_("Computing with JAX {version} on **{device}**.").format(version=info["jax"], device=info["label"]))

    st.header(_("The lab"))
    for page, title, blurb in nav.page_map():
        nav.page_link(page, label=f"**{title}** — {blurb}")


@st.cache_resource(max_entries=256, show_spinner=False)
def network_figure(sizes: tuple[int, ...], kept: tuple[tuple[int, ...], ...], keep: tuple[float, ...],
                   presenter: bool, title: str):
    """The thinned network's figure, cached on the plain values it is drawn from (a value seen before, or
    another session at the same settings, costs no Plotly work). One shared object, never changed:
    widgets.chart copies a figure before it changes anything (presenter mode)."""
    masks = [np.asarray(k, dtype=np.float32) for k in kept]
    return figures.network_diagram(list(sizes), masks, keep=list(keep), presenter=presenter, title=title)


def _thinned_network(presenter: bool) -> None:
    sizes = ex.CONFIG.sizes
    controls, picture = st.columns([1, 2.2] if not presenter else [1, 2.4], gap="large")
    with controls:
        st.subheader(_("Drop some units"))
        keep_in = draw_one(WIDGETS["keep_in"])
        keep_hidden = draw_one(WIDGETS["keep_hidden"])
        seed = draw_one(WIDGETS["seed"])
        draw = widgets.counter(DRAW_KEY)
        if st.button("🎲 " + _("Sample a new mask"), type="primary", shortcut="N",
                     help=_("Draw the mask the next minibatch would get (keyboard: N).")):
            widgets.bump(DRAW_KEY)
            draw = widgets.counter(DRAW_KEY)
        keep = ex.CONFIG.keep(keep_in, keep_hidden)
        unit_masks = sample_masks(sizes, keep, seed, draw)
        d = ex.n_subnetworks_log2(sizes, keep)
        st.metric(_("Subnetworks"), f"2{widgets.superscript(d)} = {2 ** d:,}",
                  help=_("2^d, where d = the number of droppable units (those with keep < 1): every choice of "
                         "which of them to keep is one subnetwork, and all share the same weights."))
        kept = [int(m.sum()) for m in unit_masks[:-1]]
        st.caption(_("Mask #{draw} of seed {seed}: kept {kept_in}/{n_in} inputs ({keep_in}), {kept_1}/{n_1} and "
                     "{kept_2}/{n_2} hidden units ({keep_hidden}).").format(
            draw=draw, seed=seed, kept_in=kept[0], n_in=sizes[0], keep_in=keep_words(keep_in), kept_1=kept[1],
            n_1=sizes[1], kept_2=kept[2], n_2=sizes[2], keep_hidden=keep_words(keep_hidden)))

    with picture:
        fig = network_figure(tuple(sizes), tuple(tuple(int(v) for v in np.asarray(m) > 0) for m in unit_masks),
                             tuple(keep), presenter, _("One thinned network: mask #{draw}").format(draw=draw))
        widgets.chart(fig, key=layout.MAIN_FIGURE_KEY)
