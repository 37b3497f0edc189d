"""The architectures lesson's page: dropout for sequences (recurrent masks) and dropping whole residual blocks
(stochastic depth).

Widgets (every one bound to the URL):

| key           | widget                                        | range                   | default   |
|---------------|-----------------------------------------------|-------------------------|-----------|
| ar_tab        | tabs                                          | Sequences, Depth        | Sequences |
| ar_seq_keep   | keep q on the recurrent connection            | 0.3 – 1.0, step 0.05    | 0.75      |
| ar_seq_seed   | seed of the masks in the diagram              | 0 – 999                 | 0         |
| ar_seq_seeds  | seeds per variant (test loss curves)          | 1 – 5                   | 3         |
| ar_schedule   | survival schedule                             | linear, constant        | linear    |
| ar_pl         | survival p_L of the last block                | 0.1 – 1.0, step 0.05    | 0.5       |
| ar_blocks     | residual blocks L (closed forms, sampling)    | 1 – 16                  | 8         |
| ar_depth_seed | seed of the sampled block masks               | 0 – 999                 | 0         |
| ar_res_seeds  | seeds per schedule (test error sweep)         | 1 – 5                   | 2         |
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
TABS = ["Sequences", "Depth"]  # English in the link (ar_tab=Depth)
TAB_NAMES = [N_("Dropout for sequences"), N_("Stochastic depth")]
SCHEDULE_NAMES = {"linear": N_("linear: p_l falls from 1 to p_L"), "constant": N_("constant: every p_l = p_L")}
SCHEDULE_SHORT = {"linear": N_("linear"), "constant": N_("constant")}
SWEEP_P = (0.25, 0.5, 0.75, 1.0)  # survival of the last block in the test error sweep

WIDGETS = {
    "seq_keep": Control("ar_seq_keep", "keep", N_("Keep q on the recurrent connection"), 0.75, lo=0.3,
                        help=N_("Keep probability q of each unit of h₍ₜ₋₁₎ on its way into step t; drop rate "
                                "p = 1 − q. Inverted: kept units are multiplied by 1/q while training.")),
    "seq_seed": Control("ar_seq_seed", "number", N_("Seed of the masks"), 0, lo=0, hi=999,
                        help=N_("Same seed, same masks in the diagram.")),
    "seq_seeds": Control("ar_seq_seeds", "slider", N_("Seeds per variant"), 3, lo=1, hi=5,
                         help=N_("Every variant is trained from this many initialisations (seeds 0, 1, …); the "
                                 "band shows the spread.")),
    "schedule": Control("ar_schedule", "radio", N_("Survival schedule"), "linear", options=("linear", "constant"),
                        horizontal=True),
    "p_last": Control("ar_pl", "slider", N_("Survival p_L of the last block"), 0.5, lo=0.1, hi=1.0, step=0.05,
                      fmt="%.2f", help=N_("The probability that block L is kept in a forward pass while training "
                                          "(its drop rate is 1 − p_L).")),
    "blocks": Control("ar_blocks", "slider", N_("Residual blocks L"), 8, lo=1, hi=16),
    "depth_seed": Control("ar_depth_seed", "number", N_("Seed of the sampled masks"), 0, lo=0, hi=999),
    "res_seeds": Control("ar_res_seeds", "slider", N_("Seeds per setting"), 2, lo=1, hi=5),
}
N_SAMPLES = 20_000  # sampled block masks: the standard error of a probability is then below 0.004


def keep_words(q: float) -> str:
    return _("keep q = {q} (drop rate p = {p})").format(q=f"{q:.3g}", p=f"{1 - q:.3g}")


# --- cached experiments (plain scalars in, NumPy out) ---------------------------------------------------------

def _bar(what: str):
    text = _(what)
    return progress.bar(text, _("chunks"))


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def diagram(seed: int, keep: float) -> np.ndarray:
    return ex.diagram_masks(seed, keep)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def sequences(seeds: int, keep: float) -> ex.SequenceResult:
    report, clear = _bar(N_("Training the RNNs (all variants and seeds together)"))
    out = ex.sequence_experiment(seeds, keep, CONFIG, on_progress=report)
    clear()
    return out


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def sampling(seed: int, blocks: int, p_last: float, schedule: str) -> ex.DepthSampling:
    return ex.depth_sampling(seed, blocks, p_last, schedule, N_SAMPLES)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def schedules(seeds: int) -> ex.ScheduleResult:
    report, clear = _bar(N_("Training the residual networks (all settings and seeds together)"))
    out = ex.schedule_experiment(SWEEP_P, seeds, CONFIG, on_progress=report)
    clear()
    return out


def _run(task: str, settings: tuple, label: str, compute):
    """compute() once its button was pressed for these settings in this session (with a progress bar and Stop);
    None before that, or after a Stop."""
    done = st.session_state.setdefault("_ar_runs", set())
    if (task, settings) not in done:
        if not st.button(label, key=task, type="primary"):
            return None
        done.add((task, settings))
    what, shown, again = _("the training"), _("Nothing is shown for these settings yet."), _("Train again")
    try:
        return progress.stoppable(task, settings, compute, what=what, shown=shown,
                                  again=again)
    except progress.Stopped:
        return None


# --- the tabs -----------------------------------------------------------------------------------------------

def _explanation(presenter: bool):
    """Where explanations go: inline, or folded in presenter mode (the hall sees the figure first), together with
    the page's introduction and its conventions."""
    return layout.explanation(presenter, _(INTRO))


def sequences_tab(presenter: bool, lang: str) -> None:
    _explanation(presenter).markdown(_(
        "A recurrent network applies the same weights at every time step, so a mask on its **recurrent "
        "connection** (the state h₍ₜ₋₁₎ entering step t) can be drawn in two ways. A **fresh mask at every step** "
        "hits the memory with new noise twenty-four times per sequence, and what survives many steps is a long "
        "product of masks. **One mask per sequence** (variational dropout, Gal & Ghahramani 2016) drops the same "
        "units all along the sequence: each sequence sees one thinned network, exactly as a feed-forward network "
        "does."))
    if presenter:  # the key controls beside the figure, on the first screen
        left, figure_box = layout.stage(True)
        c1 = c2 = c3 = left
    else:  # the figure above its controls
        figure_box = st.container()
        c1, c2, c3 = st.columns([2, 1, 1])
    v = {"seq_keep": controls.draw_one(WIDGETS["seq_keep"], c1),
         "seq_seed": controls.draw_one(WIDGETS["seq_seed"], c2),
         "seq_seeds": controls.draw_one(WIDGETS["seq_seeds"], c3)}
    keep = v["seq_keep"]
    masks = diagram(v["seq_seed"], keep)
    # Built once per language and mode (Plotly's validation: ~100 ms); other masks are filled into it.
    frame = figure_cache.figure("ar_unrolled_frame", (lang, presenter),
                                lambda: fig.unrolled(masks, lang=lang, presenter=presenter))
    with figure_box:
        widgets.main_chart(figure_cache.figure("ar_unrolled", (v["seq_seed"], keep, lang, presenter),
                                               lambda: fig.refill_unrolled(frame, masks, presenter=presenter)))
    st.caption(_(
        "The model: h_t = tanh(W x_t + U (m_t ⊙ h₍ₜ₋₁₎)/q + b), prediction y_t = V h_t + c, {keep}, inverted "
        "dropout; the mask sits on the recurrent connection only (inputs and outputs are not dropped). Shown: 6 of "
        "the {h} hidden units over the first 8 of {T} steps of one sequence.").format(
        keep=keep_words(keep), h=CONFIG.hidden, T=CONFIG.seq_len))
    st.markdown(_(
        "**The task:** continue a noisy sine one step ahead. {n} training sequences of {T} steps (noise sd "
        "{noise} on inputs and targets), random frequency and phase; the test loss is measured on {m} new "
        "sequences against the clean next value.").format(
        n=CONFIG.seq_train, T=CONFIG.seq_len, noise=CONFIG.seq_noise, m=CONFIG.seq_test))
    seeds = v["seq_seeds"]
    res = _run("ar_seq_run", (seeds, keep), _("Train the three RNNs over {s} seeds").format(s=seeds),
               lambda: sequences(seeds, keep))
    if res is None:
        st.caption(_("The button trains no dropout, a fresh mask every step and one mask per sequence, {s} seeds "
                     "each, {steps} Adam steps: all {n} networks in one computation.").format(
            s=seeds, steps=CONFIG.rnn_steps, n=3 * seeds))
        return
    widgets.chart(figure_cache.figure("ar_seq_curves", (seeds, keep, lang, presenter),
                                      lambda: fig.loss_curves(res.steps, res.test_loss, lang=lang, presenter=presenter)),
                  key="ar_seq_curves")
    final = res.test_loss[:, :, -1]
    cols = st.columns(3)
    names = (_("no dropout"), _("fresh mask every step"), _("one mask per sequence"))
    for col, name, row, tr_loss in zip(cols, names, final, res.train_loss):
        col.metric(_("Test MSE: {name}").format(name=name), f"{row.mean():.4f}",
                   help=_("Mean over the seeds of the final test loss; the spread is the band in the figure."))
        col.caption(_("seeds: {values}; training MSE {train} (noise variance {floor})").format(
            values=", ".join(f"{x:.4f}" for x in row), train=f"{tr_loss.mean():.4f}", floor=f"{res.noise_floor:.2f}"))
    st.markdown(_(
        "A training MSE far below the noise variance means the network learned the training sequences' noise by "
        "heart; the test loss then measures how much of that hurts on new sequences."))


def depth_tab(presenter: bool, lang: str) -> None:
    _explanation(presenter).markdown(_(
        "**Stochastic depth** (Huang et al. 2016), also called DropPath, drops whole residual blocks instead of "
        "units: block l computes h ← h + (b_l / p_l) · f_l(h) with b_l ~ Bernoulli(p_l), so a dropped block "
        "passes its input on unchanged. Here b_l is drawn per example and the scaling is inverted (Huang et al. "
        "draw one per minibatch and multiply f_l by p_l at test time instead: the same model). p_l is the "
        "**survival** (keep) probability of block l, its drop rate is 1 − p_l."))
    if presenter:
        left, figure_box = layout.stage(True)
        c1 = c2 = c3 = c4 = left
    else:
        figure_box = st.container()
        c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
    v = {"schedule": controls.draw_one(WIDGETS["schedule"], c1)}
    c1.caption(_(SCHEDULE_NAMES[v["schedule"]]))
    v |= {"p_last": controls.draw_one(WIDGETS["p_last"], c2),
          "blocks": controls.draw_one(WIDGETS["blocks"], c3),
          "depth_seed": controls.draw_one(WIDGETS["depth_seed"], c4)}
    L, p_last = v["blocks"], float(round(v["p_last"], 4))
    s = sampling(v["depth_seed"], L, p_last, v["schedule"])
    # Built once per language and mode (Plotly's validation); other settings are filled into it.
    frame = figure_cache.figure("ar_depth_frame", (lang, presenter), lambda: fig.depth_picture(
        s.p, s.dist, s.dist_sampled, lang=lang, presenter=presenter))
    with figure_box:
        widgets.main_chart(figure_cache.figure(
            "ar_depth", (v["depth_seed"], L, p_last, v["schedule"], lang, presenter),
            lambda: fig.refill_depth_picture(frame, s.p, s.dist, s.dist_sampled)))
    st.latex(r"p_l = 1 - \frac{l}{L}\,(1 - p_L)\ \text{(linear)}, \qquad \mathbb{E}[\text{depth}] = \sum_{l=1}^{L} p_l")
    st.latex(r"P(\text{all } L \text{ blocks kept}) = \prod_{l} p_l \overset{\text{const.}}{=} p^L")
    m1, m2, m3 = st.columns(3)
    m1.metric(_("Expected depth Σ p_l"), f"{s.expected_depth:.3f}",
              help=_("Blocks kept in one forward pass, on average (closed form)."))
    m1.caption(_("sampled: {v} ± {se} (of {L} blocks)").format(v=f"{s.sampled_depth:.3f}",
                                                             se=f"{2 * s.sampled_depth_se:.3f}", L=L))
    m2.metric(_("Path through all L blocks survives"), f"{s.full_path:.4f}",
              help=_("Π p_l: every block on the path must be kept (q^L for a constant keep q)."))
    m2.caption(_("sampled: {v}").format(v=f"{s.full_path_sampled:.4f}"))
    m3.metric(_("Paths alive, of 2^L = {n}").format(n=f"{2 ** L:,}"), f"{s.mean_paths:.1f}",
              help=_("On average Π (1 + p_l) of the 2^L paths survive (a path through the blocks S survives when "
                     "every block in S is kept)."))
    m3.caption(_("sampled: {v}").format(v=f"{s.mean_paths_sampled:.1f}"))
    st.caption(_(
        "Sampled: {n} forward passes' block masks (seed {seed}); ± two standard errors. Bars: the closed form, "
        "binomial(L, p) for a constant schedule and its Poisson-binomial generalisation for the linear one.").format(
        n=f"{N_SAMPLES:,}", seed=v["depth_seed"]))
    st.markdown(_(
        "**The ensemble of paths.** Each block is either taken or skipped, so the residual network holds 2^L paths "
        "of every length from 0 to L, C(L, k) of them with k blocks. Dropping blocks trains a different subset of "
        "paths at every step, like dropout trains thinned networks; the longest path is the rarest (its survival "
        "shrinks like q^L, as a path through L dropout layers does), and the network learns to rely on the short "
        "ones that are nearly always there."))
    seeds = controls.draw_one(WIDGETS["res_seeds"], st.columns(3)[0])
    res = _run("ar_res_run", (seeds,), _("Train the residual networks over {s} seeds").format(s=seeds),
               lambda: schedules(seeds))
    desc = _("A residual MLP on {n} 8×8 digits: 64 → {d}, then {L} blocks f_l(h) = W₂ ReLU(W₁ h + c₁) + c₂, then "
             "ReLU → 10; {steps} Adam steps, tested on {m} other digits. Both schedules for p_L in {ps}.").format(
        n=CONFIG.n_train, d=CONFIG.width, L=CONFIG.blocks, steps=CONFIG.res_steps, m=CONFIG.n_test,
        ps=", ".join(f"{x:g}" for x in SWEEP_P))
    st.caption(desc)
    if res is None:
        return
    widgets.chart(figure_cache.figure("ar_schedules", (seeds, lang, presenter),
                                      lambda: fig.schedule_errors(res.p_last, res.errors, lang=lang,
                                                                  presenter=presenter)), key="ar_schedules")
    best = np.unravel_index(np.argmin(res.errors.mean(-1)), res.errors.shape[:2])
    st.markdown(_(
        "Without stochastic depth (p_L = 1) the test error is {none}. The best setting here: schedule {schedule}, "
        "p_L = {p} (expected depth {depth} of {L}), test error {err}, mean over {s} seeds.").format(
        none=f"{res.errors[0, -1].mean():.1%}", schedule=_(SCHEDULE_SHORT[SCHEDULES[best[0]]]),
        p=f"{res.p_last[best[1]]:g}", depth=f"{res.expected_depth[best]:.2f}", L=CONFIG.blocks,
        err=f"{res.errors[best].mean():.1%}", s=seeds))


SCHEDULES = ex.SCHEDULES


def render(presenter: bool) -> None:
    lang = current_language()
    st.title(_("Sequences and depth"))
    if not presenter:  # in presenter mode it opens each tab's folded explanation
        st.markdown(_(INTRO))
    tabs = widgets.tabs(TABS, "ar_tab")
    for i, (tab, name) in enumerate(zip(tabs, TAB_NAMES)):
        if tab.open:
            with tab:
                if not presenter:  # the tab's title says it on the slide
                    st.subheader(_(name))
                widgets.tab_fragment((sequences_tab, depth_tab)[i], presenter, lang)
    widgets.show_url_notices()


INTRO = N_(
    "Dropout was made for fully connected layers. Recurrent and residual networks need it adapted: where the "
    "mask sits and what it drops. Throughout, **q is the keep probability** (drop rate p = 1 − q) and dropout "
    "is **inverted** (kept values are multiplied by 1/q while training; the full network is used at test "
    "time).")
