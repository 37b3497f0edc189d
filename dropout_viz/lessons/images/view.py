"""The images lesson's page: three kinds of mask on a trained CNN's feature maps, why single pixels are a weak
target (neighbours are correlated), and the test error of each kind over seeds.

Widgets (every one bound to the URL):

| key       | widget                                     | range                        | default |
|-----------|--------------------------------------------|------------------------------|---------|
| im_tab    | tabs                                       | Masks, Correlation, Test error | Masks |
| im_keep   | keep q of the drawn masks                  | 0.3 – 1.0, step 0.05         | 0.75    |
| im_block  | DropBlock block size b (drawn masks)       | 1 – 7                        | 3       |
| im_image  | test digit whose feature map is drawn      | 0 – 299                      | 0       |
| im_seed   | seed of the drawn masks                    | 0 – 999                      | 2       |
| im_ckeep  | keep q of the compared networks            | 0.5 – 1.0, step 0.05         | 0.8     |
| im_cblock | DropBlock block size b (compared networks) | 1 – 7                        | 3       |
| im_seeds  | seeds per kind                             | 1 – 5                        | 3       |
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from dropout_viz.ui import controls, figure_cache, layout, progress, widgets
from dropout_viz.ui.controls import Control
from dropout_viz.ui.i18n import N_, _, current_language

from . import experiment as ex
from . import figures as fig

CONFIG = ex.CONFIG
TABS = ["Masks", "Correlation", "Test error"]  # English in the link (im_tab=Correlation)
TAB_NAMES = [N_("Three kinds of mask"), N_("Neighbours are correlated"), N_("Test error over seeds")]
KIND_NAMES = [N_("no dropout"), N_("element-wise"), N_("spatial (channels)"), N_("DropBlock")]

WIDGETS = {
    "keep": Control("im_keep", "keep", N_("Keep q of the drawn masks"), 0.75, lo=0.3,
                    help=N_("Keep probability q: an activation (element-wise), a whole channel (spatial) survives "
                            "with probability q; DropBlock aims at a kept fraction q. Drop rate p = 1 − q.")),
    "block": Control("im_block", "slider", N_("DropBlock block size b"), 3, lo=1, hi=ex.SIDE - 1,
                     help=N_("Each DropBlock seed drops a b × b square of the 8 × 8 map; b = 1 is element-wise "
                             "dropout.")),
    "image": Control("im_image", "number", N_("Test digit"), 0, lo=0, hi=CONFIG.n_probe - 1,
                     help=N_("Which held-out digit's feature maps are drawn.")),
    # Seed 2 by default: its spatial mask drops 2 of the 8 channels (a quarter, as q = 0.75 expects); seed 0 drops
    # none, and the first picture of the page would hide what spatial dropout does.
    "seed": Control("im_seed", "number", N_("Seed of the masks"), 2, lo=0, hi=999,
                    help=N_("Same seed, same masks (and the same sampled rates).")),
    "ckeep": Control("im_ckeep", "keep", N_("Keep q of the compared networks"), 0.8, lo=0.5,
                     help=N_("The same q for all three kinds of mask, on both feature maps.")),
    "cblock": Control("im_cblock", "slider", N_("DropBlock block size b"), 3, lo=1, hi=ex.SIDE - 1),
    "seeds": Control("im_seeds", "slider", N_("Seeds per kind"), 3, lo=1, hi=5,
                     help=N_("Each kind is trained from this many seeds (initial weights, minibatches and masks); "
                             "seed s is the same for every kind.")),
}


def keep_words(q: float) -> str:
    return _("keep q = {q} (drop rate p = {p})").format(q=f"{q:.3g}", p=f"{1 - q:.3g}")


# --- cached experiments (plain scalars in, NumPy out) ---------------------------------------------------------

@st.cache_data(max_entries=1, show_spinner=False)
def trained() -> ex.Trained:
    return ex.train_plain(0, CONFIG)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def sampled(seed: int, keep: float, block: int) -> ex.MaskSample:
    """The masks' statistics over all CONFIG.n_masks maps, and the first mask of each kind (the page shows that
    one): the cache keeps 0.1 MB a setting, not the 1.5 MB of every mask."""
    ms = ex.sample_masks(seed, keep, block, CONFIG.channels[0], CONFIG.n_masks)
    return ms._replace(masks=ms.masks[:, :1].copy())


@st.cache_data(max_entries=1, show_spinner=False)
def correlations() -> ex.LayerCorrelations:
    return ex.layer_correlations(trained())


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def comparison(seeds: int, keep: float, block: int) -> ex.Comparison:
    report, clear = progress.bar(_("Training the four kinds together, one seed at a time"), _("seeds"))
    out = ex.compare(seeds, keep, block, CONFIG, on_progress=report)
    clear()
    return out


# --- the tabs -----------------------------------------------------------------------------------------------

def _explanation(presenter: bool):
    """A tab's explanation: in place, or folded in presenter mode together with the page's introduction (the
    hall sees the figure first)."""
    return layout.explanation(presenter, _(INTRO))


def _controls(names, presenter: bool, box) -> dict:
    """The tab's key controls: stacked beside the figure in presenter mode, side by side above it otherwise."""
    cells = [box] * len(names) if presenter else box.columns(len(names))
    return {name: controls.draw_one(WIDGETS[name], cell) for name, cell in zip(names, cells)}


def _height(presenter: bool):
    return layout.PRESENTER_FIGURE_HEIGHT if presenter else None


def masks_tab(presenter: bool, lang: str) -> None:
    with _explanation(presenter):
        st.markdown(_(
            "A convolution's feature map is a picture: each channel is an 8 × 8 grid of activations. Three ways to "
            "drop parts of it while training, all with keep q and inverted scaling: **element-wise** dropout drops "
            "single activations; **spatial dropout** (Tompson et al. 2015) drops whole channels; **DropBlock** "
            "(Ghiasi et al. 2018) drops b × b squares. The masks sit on the feature maps after each convolution's "
            "ReLU."))
    left, right = layout.stage(presenter)
    v = _controls(("keep", "block", "image", "seed"), presenter, left)
    keep, block = v["keep"], v["block"]
    with st.spinner(_("Training the CNN…")):
        net = trained()
    ms = sampled(v["seed"], keep, block)
    image = v["image"]
    shown, dropped, scales = ex.applied(net.maps1[image], ms.masks[:, 0], keep)
    titles = (_("feature map (no mask)"), _("element-wise"), _("spatial (channels)"),
              _("DropBlock, b = {b}").format(b=block))
    title = _("Test digit {i} (a {label}): the {c} channels of feature map 1").format(
        i=image, label=int(net.probe_labels[image]), c=CONFIG.channels[0])
    # Built once per language and mode (Plotly's validation: ~100 ms); other masks and digits are filled into it.
    frame = figure_cache.figure("im_masks_frame", (lang, presenter), lambda: fig.mask_panels(
        shown, dropped, list(titles), lang=lang, presenter=presenter, height=_height(presenter), title=title))
    with right:
        widgets.chart(figure_cache.figure(
            "im_masks", (v["seed"], keep, block, image, lang, presenter, titles, title),
            lambda: fig.refill_mask_panels(frame, shown, dropped, titles, title=title)), key=layout.MAIN_FIGURE_KEY)
        st.caption(_(
            "{keep}. Colour: what the next layer receives, kept activations × their scale (1/q = {s1} for "
            "element-wise and spatial; 1 / this map's kept fraction = {s3} for DropBlock), one colour scale for "
            "all four panels; vermillion cells are dropped.").format(
            keep=keep_words(keep), s1=f"{scales[0]:.2f}", s3=f"{scales[2]:.2f}"))
    st.markdown(_(
        "**Ghiasi's seed rate.** A DropBlock seed may only sit where its b × b block fits inside the S × S map "
        "(S = 8); every activation under a seed's block is dropped. To drop a fraction 1 − q, Ghiasi et al. "
        "seed at the rate γ below. Blocks overlap, so the kept fraction is in fact the exact expectation on the "
        "right, where n_p is the number of possible seeds whose block covers position p:"))
    st.latex(r"\gamma=\frac{1-q}{b^2}\cdot\frac{S^2}{(S-b+1)^2},\qquad "
             r"\mathbb{E}[\text{kept fraction}]=\frac{1}{S^2}\sum_{p}(1-\gamma)^{n_p}")
    st.latex(r"\operatorname{sd}(\text{kept fraction of one map}) = \sqrt{\frac{q(1-q)}{S^2 C}}\ \text{(element-wise)},"
             r"\qquad \sqrt{\frac{q(1-q)}{C}}\ \text{(spatial)}")
    names = [_(k) for k in KIND_NAMES[1:]]
    rows = []
    for i, name in enumerate(names):
        rows.append({_("mask"): name,
                     _("kept fraction, closed form"): f"{ms.kept_closed[i]:.4f}",
                     _("sampled"): f"{ms.kept[i]:.4f} ± {2 * ms.kept_se[i]:.4f}",
                     _("sd of one map's kept fraction, closed form"):
                         "—" if np.isnan(ms.sd_closed[i]) else f"{ms.sd_closed[i]:.4f}",
                     _("sd, sampled"): f"{ms.sd_per_map[i]:.4f}"})
    widgets.table(rows)
    st.caption(_(
        "Sampled: {n} masks of each kind for an 8 × 8 × {c} map (seed {seed}), ± two standard errors. With "
        "b = {b}: γ = {gamma}, and Ghiasi's target q = {q} against the exact {exact}: overlapping blocks keep a "
        "little more than q. The sd column shows why spatial dropout is the noisiest: one coin per channel instead "
        "of one per activation.").format(
        n=f"{CONFIG.n_masks:,}", c=CONFIG.channels[0], seed=v["seed"], b=block, gamma=f"{ms.gamma:.4f}",
        q=f"{keep:.3g}", exact=f"{ms.kept_closed[2]:.4f}"))
    st.caption(_(
        "The network: conv 3×3 ×{c1} → ReLU → mask → conv 3×3 ×{c2} → ReLU → mask → 2×2 mean pool → dense → 10, "
        "trained without dropout for {steps} Adam steps (batch {batch}) on {n} 8×8 digits; test error {err} on "
        "{m} other digits. The masks drawn here are not the ones it trained with: it trained with none.").format(
        c1=CONFIG.channels[0], c2=CONFIG.channels[1], steps=CONFIG.view_steps, batch=CONFIG.batch, n=CONFIG.n_train,
        err=f"{net.test_error:.1%}", m=CONFIG.n_test))


def correlation_tab(presenter: bool, lang: str) -> None:
    with _explanation(presenter):
        st.markdown(_(
            "Why element-wise masks do little on images: an activation and its neighbours see almost the same "
            "pixels (their 3 × 3 windows overlap), so they are correlated. Drop one activation and the next "
            "convolution still reads its neighbours, which carry part of the same information; the mask removes "
            "little, and the network need not learn anything new to cope. Spatial dropout and DropBlock remove "
            "correlated regions together."))
        st.latex(r"r(d)=\operatorname{corr}\big(a(p),\,a(p+d)\big)")
        st.caption(_(
            "Pearson correlation over the probe digits, every position p and its neighbour d pixels along the row "
            "or the column, per channel, then averaged over the channels that are not dead. Baseline: the same "
            "activations paired with random positions of the same map (shuffled positions)."))
    with st.spinner(_("Training the CNN…")):
        corr = correlations()
    names = [_("input pixels"), _("feature map 1"), _("feature map 2")]
    title = _("Correlation of activations d pixels apart")
    widgets.chart(figure_cache.figure("im_correlation", (lang, presenter, tuple(names), title),
                                      lambda: fig.correlation_chart(corr.distance, corr.corr, corr.shuffled, names,
                                                                    lang=lang, presenter=presenter,
                                                                    height=_height(presenter), title=title)),
                  key=layout.MAIN_FIGURE_KEY)
    cols = st.columns(3)
    for col, name, row, base in zip(cols, names, corr.corr, corr.shuffled):
        col.metric(_("{name}: neighbours (d = 1)").format(name=name), f"{row[0]:.2f}",
                   help=_("Correlation of an activation and the next one along its row or column."))
        col.caption(_("shuffled positions: {b}; r² = {r2}: the share of an activation's variance its neighbour "
                      "predicts linearly").format(b=f"{base:.2f}", r2=f"{row[0] ** 2:.0%}"))
    st.markdown(_(
        "Neighbours 1 pixel apart correlate at {r1} in feature map 1 and {r2} in feature map 2, against {b1} and "
        "{b2} for shuffled positions. A dropped activation is partly recoverable from the ones beside it, and the "
        "next 3 × 3 convolution reads them: this is the redundancy that DropBlock's squares and spatial "
        "dropout's channels take away.").format(
        r1=f"{corr.corr[1, 0]:.2f}", r2=f"{corr.corr[2, 0]:.2f}", b1=f"{corr.shuffled[1]:.2f}",
        b2=f"{corr.shuffled[2]:.2f}"))


def _run(task: str, settings: tuple, label: str, compute):
    """compute() once its button was pressed for these settings in this session (progress bar and Stop); None
    before that, or after a Stop."""
    done = st.session_state.setdefault("_im_runs", set())
    if (task, settings) not in done:
        if not st.button(label, key=task, type="primary"):
            return None
        done.add((task, settings))
    try:
        return progress.stoppable(task, settings, compute, what=_("the training"),
                                  shown=_("Nothing is shown for these settings yet."), again=_("Train again"))
    except progress.Stopped:
        return None


def errors_tab(presenter: bool, lang: str) -> None:
    with _explanation(presenter):
        st.markdown(_(
            "The same CNN trained four ways: no dropout, element-wise, spatial and DropBlock masks on both feature "
            "maps, with the same keep q. Seed s gives the four the same initial weights, minibatches and random "
            "numbers, so a difference between them is the kind of mask, and the seeds show how much of it is "
            "luck."))
    left, right = layout.stage(presenter)
    v = _controls(("ckeep", "cblock", "seeds"), presenter, left)
    keep, block, seeds = v["ckeep"], v["cblock"], v["seeds"]
    with right:
        res = _run("im_run", (seeds, keep, block),
                   _("Train {n} networks ({s} seeds × 4 kinds)").format(n=4 * seeds, s=seeds),
                   lambda: comparison(seeds, keep, block))
        if res is None:
            st.caption(_("{steps} Adam steps each on {n} digits; all four kinds are one computation, run once per "
                         "seed. About ten seconds per seed on a 2-core machine; the results are shared by "
                         "everyone who opens the page.").format(steps=CONFIG.steps, n=CONFIG.n_train))
            return
        names = [_(k) for k in KIND_NAMES]
        names[3] = _("DropBlock, b = {b}").format(b=block)
        title = _("Test error, {keep}, {s} seeds").format(keep=keep_words(keep), s=seeds)
        widgets.chart(figure_cache.figure("im_errors", (seeds, keep, block, lang, presenter, tuple(names), title),
                                          lambda: fig.error_dots(res.errors, names, lang=lang, presenter=presenter,
                                                                 height=_height(presenter), title=title)),
                      key=layout.MAIN_FIGURE_KEY)
    mean = res.errors.mean(1)
    sd = res.errors.std(1, ddof=1) if seeds > 1 else np.zeros(4)
    widgets.table([{_("mask"): n, _("test error, mean"): f"{100 * m:.2f}%", _("sd over seeds"): f"{100 * s:.2f}",
               _("per seed"): ", ".join(f"{100 * e:.1f}" for e in row)}
              for n, m, s, row in zip(names, mean, sd, res.errors)])
    best = int(np.argmin(mean))
    gap = mean[0] - mean[best]
    if best == 0:
        st.markdown(_("Here no kind of mask beats no dropout on average ({e}).").format(e=f"{100 * mean[0]:.2f}%"))
    elif seeds > 1 and gap > max(sd[0], sd[best]):
        st.markdown(_("**{name}** has the lowest mean test error, {gap} points below no dropout: more than the "
                      "spread over seeds ({sd}).").format(name=names[best], gap=f"{100 * gap:.2f}",
                                                          sd=f"{100 * max(sd[0], sd[best]):.2f}"))
    else:
        st.markdown(_("**{name}** has the lowest mean test error, {gap} points below no dropout, but that is within "
                      "the spread over seeds ({sd}): it could be luck.").format(
            name=names[best], gap=f"{100 * gap:.2f}", sd=f"{100 * max(sd[0], sd[best]):.2f}"))
    st.caption(_("Masks after both ReLUs, {keep}, inverted dropout; {steps} Adam steps (batch {batch}) on {n} "
                 "digits, test error on {m} others; whiskers: ± one sd over the seeds.").format(
        keep=keep_words(keep), steps=CONFIG.steps, batch=CONFIG.batch, n=CONFIG.n_train, m=CONFIG.n_test))


def render(presenter: bool) -> None:
    lang = current_language()
    st.title(_("Dropout for images"))
    if not presenter:  # in presenter mode it opens each tab's folded explanation
        st.markdown(_(INTRO))
    tabs = widgets.tabs(TABS, "im_tab")
    for tab, name, draw in zip(tabs, TAB_NAMES, (masks_tab, correlation_tab, errors_tab)):
        if tab.open:
            with tab:
                if not presenter:
                    st.subheader(_(name))
                widgets.tab_fragment(draw, presenter, lang)
    widgets.show_url_notices()


INTRO = N_(
    "Dropout drops single units. On a convolution's feature maps that is a weak kind of noise, because "
    "neighbouring activations are correlated and carry part of the same information. This page draws three kinds "
    "of mask on a real trained CNN's feature maps, measures how correlated neighbours are, and compares the test "
    "error of each kind over seeds. Throughout, **q is the keep probability** (drop rate p = 1 − q) and dropout is "
    "**inverted**: kept activations are multiplied by 1/q while training (DropBlock: divided by the kept fraction "
    "of the map), and the full network is used at test time.")
