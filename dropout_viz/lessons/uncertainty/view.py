"""The uncertainty lesson's page: calibration, the band, and what the uncertainty is made of.

Every control is bound to the link (keys start with ``u_``); results come from st.cache_data wrappers on plain
scalars, so a class opening the same link shares one training run. k and M only pick how many of the masks and
networks already computed are averaged: moving them trains and compiles nothing.
"""
from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import streamlit as st

from dropout_viz.figures.style import keep_text
from dropout_viz.ui import figure_cache, layout
from dropout_viz.ui import widgets as ui
from dropout_viz.ui.i18n import N_, _, current_language

from . import experiment as ex
from . import figures as fg

CFG = ex.Config()
TABS = (N_("Calibration"), N_("Where the band is wrong"), N_("What the uncertainty is made of"))
# Option labels are what the link stores (?u_task=two+moons), so they stay English in both languages, like the tab
# titles; in Chinese a caption gives their Chinese names.
TASK_LABELS = {"moons": N_("two moons"), "digits": N_("8x8 digits")}
SCORE_NAMES = {"error": N_("test error"), "ECE": "ECE", "NLL": "NLL", "Brier": "Brier"}
SPLIT_LABELS = {"mc": N_("MC dropout"), "ensemble": N_("deep ensemble")}

# The lesson's widgets: URL key -> (range or options, default). Every one is in the link.
WIDGETS = {
    "u_keep": ((0.1, 1.0, 0.05), 0.8),  # keep q of the hidden units of the dropout networks
    "u_k": ((1, CFG.max_masks), 16),  # Monte Carlo masks averaged
    "u_m": ((1, CFG.max_members), 5),  # networks in the deep ensemble (Lakshminarayanan et al. used 5)
    "u_seed": ((0, 10_000), 0),  # data, initialisations, minibatches and masks
    "u_tab": (TABS, TABS[0]),
    "u_task": (tuple(TASK_LABELS), "moons"),  # the held-out task of the calibration tab
    "u_bins": ((5, 20), CFG.n_bins),  # equal-width confidence bins
    "u_n": (CFG.size_sweep, CFG.reg_points),  # training points of the band picture
    "u_split": (tuple(SPLIT_LABELS), "mc"),  # whose predictions the entropy is split for
}


def _lang() -> str:
    return current_language()


def _pm(values, fmt: str = "{:.3f}") -> str:
    v = np.asarray(values, np.float64)
    return (fmt + " ± " + fmt).format(v.mean(), v.std())


def _option_names(labels: dict, container=st) -> None:
    """Outside English, the options' names in the reader's language (the options themselves stay English)."""
    if _lang() != "en":
        container.caption("; ".join(f"**{en}**: {_(en)}" for en in labels.values()))


def _progress(message: str):
    """A progress bar drawn inside a cached function (a cache hit replays it finished, and it is then removed)."""
    slot = st.empty()
    bar = slot.progress(0.0, text=message)

    def report(fraction: float) -> None:
        bar.progress(min(1.0, fraction), text=_("{what}: {percent:.0%} done").format(what=message, percent=fraction))

    return slot, report


# --- cached computations (plain scalars in, NumPy out) --------------------------------------------------------


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def classifiers(task: str, seed: int, keep: float) -> ex.Classifiers:
    slot, report = _progress(_("Training the dropout networks and the ensembles' networks together"))
    out = ex.train_classifiers(ex.seed_key(seed), task, seed, keep, CFG, progress=report)
    slot.empty()
    return out


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def test_predictions(task: str, seed: int, keep: float) -> ex.Predictions:
    clf = classifiers(task, seed, keep)
    return ex.classify(ex.seed_key(seed), clf, clf.data.x_test, CFG.max_masks)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def curves(task: str, seed: int, keep: float, n_bins: int) -> dict:
    pred = test_predictions(task, seed, keep)
    y = classifiers(task, seed, keep).data.y_test
    return {s: tuple(ex.score_curves(pred, y, s, n_bins)) for s in ("ECE", "NLL", "Brier", "error")}


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def band(seed: int, kind: str, keep: float) -> ex.BandRun:
    what = {"dropout": _("Training the dropout networks for every training-set size"),
            "members": _("Training the ensembles' networks for every training-set size"),
            "keeps": _("Training a dropout network for every keep")}[kind]
    slot, report = _progress(what)
    out = ex.band_models(ex.seed_key(seed), seed, kind, keep=keep, cfg=CFG, progress=report)
    slot.empty()
    return out


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def surface_predictions(seed: int, keep: float) -> tuple[ex.Predictions, ex.Predictions, ex.Predictions]:
    """Predictions of the moons' networks on the test points, the far ring and the grid (one call)."""
    clf = classifiers("moons", seed, keep)
    xs, grid = ex.surface_points(CFG)
    far = ex.ood_points(seed, CFG)
    x = np.concatenate([clf.data.x_test, far, grid])
    pred = ex.classify(ex.seed_key(seed), clf, x, CFG.max_masks)
    cut = np.cumsum([len(clf.data.x_test), len(far)])

    def part(lo, hi):
        return ex.Predictions(pred.weight_scaled[:, lo:hi], pred.mc[:, :, lo:hi], pred.members[:, :, lo:hi])

    return part(0, cut[0]), part(cut[0], cut[1]), part(cut[1], None)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def split(seed: int, keep: float, k: int, m: int, who: str) -> ex.Split:
    """The decomposition tab's numbers for one setting (about 8 ms of NumPy), cached with what they come from."""
    return ex.split(*surface_predictions(seed, keep), k, m, who)


# --- the page --------------------------------------------------------------------------------------------------


def controls(box=None):
    """The four controls every tab shares: in a row, or one under another in box (the presenter stage)."""
    c1, c2, c3, c4 = st.columns([1.3, 1.3, 1.3, 0.8]) if box is None else (box,) * 4
    (lo, hi, step), default = WIDGETS["u_keep"]
    keep = ui.keep_slider(_("Keep q of the hidden units (dropout networks)"), "u_keep", default, lo=lo, container=c1,
                          help=_("Keep probability q: each hidden unit survives with probability q; the drop rate "
                                 "is p = 1 − q. The inputs are never dropped. Changing q retrains the dropout "
                                 "networks."))
    (lo, hi), default = WIDGETS["u_k"]
    k = ui.slider(_("Monte Carlo: masks k"), "u_k", lo, hi, default, container=c2,
                  help=_("Passes of the one dropout network with dropout left on; mask i is the same whatever k."))
    (lo, hi), default = WIDGETS["u_m"]
    m = ui.slider(_("Deep ensemble: networks M"), "u_m", lo, hi, default, container=c3,
                  help=_("Networks trained independently (own initialisation and minibatch order, no dropout); "
                         "the first M of them are averaged."))
    (lo, hi), default = WIDGETS["u_seed"]
    seed = ui.number(_("Seed"), "u_seed", lo, hi, default, container=c4,
                     help=_("Data, initialisations, minibatches and masks all follow from it."))
    return keep, k, m, seed


def conventions(keep: float, box=st) -> None:
    box.caption(_("Dropout networks: {keep} on the hidden units, inputs never dropped, inverted dropout (kept units "
                 "scaled by 1/q while training, so the trained network is the weight-scaled one). Monte Carlo: each "
                 "mask is shared by every point it predicts. Ensemble members: no dropout. Every network is trained "
                 "{runs} times from fresh initialisations on the same data (runs 1 to {runs}); tables give "
                 "mean ± sd over the runs.").format(keep=keep_text(keep, _lang()), runs=CFG.n_runs))


def calibration_tab(keep: float, k: int, m: int, seed: int, presenter: bool, stage=None) -> None:
    """stage: the presenter frame's (controls, figure) columns, or None (the tab reads top to bottom)."""
    lang = _lang()
    if stage is not None:  # the tab's own controls under the shared ones, the figure beside them
        c1 = c2 = stage[0]
        figure_slot = stage[1]
    else:
        c1, c2 = st.columns([2, 1])
    options, default = WIDGETS["u_task"]
    task = ui.select(_("Held-out data"), "u_task", options, default, format_func=TASK_LABELS.get, radio=True,
                     horizontal=True, container=c1)
    _option_names(TASK_LABELS, c1)
    (lo, hi), default = WIDGETS["u_bins"]
    n_bins = ui.slider(_("Confidence bins B"), "u_bins", lo, hi, default, container=c2,
                       help=_("Equal-width bins of the top-class probability: [0, 1/B), [1/B, 2/B), …, "
                              "[(B−1)/B, 1]."))
    clf = classifiers(task, seed, keep)
    pred = test_predictions(task, seed, keep)
    y = clf.data.y_test
    names = (_("weight-scaled network"), _("MC dropout, k = {k}").format(k=k), _("deep ensemble, M = {m}").format(m=m))

    def panels():
        mc_k = pred.mc[0, :k].mean(0)
        ens_m = pred.members[0, :m].mean(0)
        return [(names[0], ex.reliability(pred.weight_scaled[0], y, n_bins), fg.WEIGHT_SCALED),
                (names[1], ex.reliability(mc_k, y, n_bins), fg.MC),
                (names[2], ex.reliability(ens_m, y, n_bins), fg.ENSEMBLE)]

    # Built once per language and mode (Plotly's validation: ~80 ms); other k, M and bins are filled into it.
    frame = figure_cache.figure("u_reliability_frame", (lang, presenter),
                                lambda: fg.reliability_figure(panels(), presenter, lang))

    def reliability():
        return fg.refill_reliability(frame, panels(), presenter, lang)

    with figure_slot if stage is not None else st.container():
        ui.main_chart(figure_cache.figure("u_reliability", (task, seed, keep, k, m, n_bins, lang, presenter, names),
                                          reliability))
    st.caption(_("Reliability diagrams of run 1 on its {n} held-out points, {arch} ReLU networks. Binning: B = {b} equal-width bins of the confidence "
                 "(the top-class probability); bar = accuracy of the points in the bin, hatched = the gap to their "
                 "mean confidence. A bar below the diagonal is overconfidence.").format(
        n=len(y), arch="-".join(map(str, clf.sizes)), b=n_bins))
    for col, formula in zip(st.columns(3), (
            r"\mathrm{ECE}=\sum_{b=1}^{B}\frac{n_b}{N}\,\bigl|\mathrm{acc}_b-\mathrm{conf}_b\bigr|",
            r"\mathrm{NLL}=-\frac{1}{N}\sum_{i}\log p(y_i\mid x_i)",
            r"\mathrm{Brier}=\frac{1}{N}\sum_{i}\sum_{c}\bigl(p_c(x_i)-[y_i=c]\bigr)^2")):
        col.latex(formula)
    st.caption(_("n_b: points in bin b; acc_b: the share of them classified correctly; conf_b: their mean top-class "
                 "probability. NLL in nats (0 is perfect, probabilities clipped at 10⁻¹²); Brier from 0 (certain and "
                 "right) to 2 (certain and wrong); error: the share of held-out points whose most probable class is "
                 "not their label. MC dropout: p = mean of the k masked passes' softmax outputs; "
                 "ensemble: mean of the M networks' softmax outputs."))
    data = curves(task, seed, keep, n_bins)
    rows = []
    for label, passes, trained, pick in (
            (names[0], 1, 1, lambda c: c[0]),
            (_("MC dropout, k = M = {m}").format(m=m), m, 1, lambda c: c[1][:, m - 1]),
            (names[1], k, 1, lambda c: c[1][:, k - 1]),
            (names[2], m, m, lambda c: c[2][:, m - 1])):
        rows.append({_("predictor"): label, _("forward passes per point"): passes, _("networks trained"): trained,
                     **{_(SCORE_NAMES[s]): _pm(pick(data[s])) for s in SCORE_NAMES}})
    ui.table(rows)
    scores = {s: data[s] for s in ("ECE", "NLL", "Brier")}
    # Built once per set of curves (Plotly's validation: ~90 ms); the marks of other k and M are filled into it.
    frame = figure_cache.figure("u_scores_frame", (task, seed, keep, n_bins, lang, presenter),
                                lambda: fg.scores_figure(scores, k, m, presenter, lang))
    ui.chart(figure_cache.figure("u_scores", (task, seed, keep, k, m, n_bins, lang, presenter),
                                 lambda: fg.refill_scores(frame, scores, k, m)), key="u_scores")
    st.caption(_("The x axis counts forward passes per test point: k for Monte Carlo dropout, M for the ensemble (1 for "
                 "the weight-scaled network). The dotted line and the open circle mark k = M, where both cost the same "
                 "at test time; training the ensemble costs M times as much. Shaded: ± one standard deviation over "
                 "the {runs} runs: differences inside it could be luck.").format(runs=CFG.n_runs))


def band_tab(keep: float, k: int, m: int, seed: int, presenter: bool, stage=None) -> None:
    lang = _lang()
    options, default = WIDGETS["u_n"]
    n = ui.select(_("Training points n (band picture)"), "u_n", options, default, horizontal=True, radio=True,
                  container=st if stage is None else stage[0])
    drop = band(seed, "dropout", keep)
    members = band(seed, "members", 1.0)
    i = list(drop.sizes).index(n)
    x = drop.x
    c_mc, s_mc = ex.spread(drop.values[i], k)  # (runs, G)
    c_e, s_e = ex.spread(members.values[i], m)
    x_tr, y_tr = ex.gap_data(seed, n, CFG)
    bands = [(_("MC dropout, k = {k} masks, {keep}").format(k=k, keep=keep_text(keep, lang)), c_mc[0], s_mc[0], fg.MC),
             (_("deep ensemble, M = {m} networks").format(m=m), c_e[0], s_e[0], fg.ENSEMBLE)]
    shown = (seed, keep, k, m, lang, presenter)  # what the figures depend on, with n for the first two
    with nullcontext() if stage is None else stage[1]:
        ui.main_chart(figure_cache.figure("u_band", (shown, n), lambda: fg.band_figure(
            x, ex.truth(x), x_tr, y_tr, bands, CFG.gap, CFG.x_range, presenter, lang)))
    st.caption(_("{n} training points with x in [{lo}, {hi}] except the gap ({g0}, {g1}); y = sin(πx) + noise of "
                 "standard deviation {noise}. Networks {arch}, ReLU, squared error, {steps} Adam steps. σ(x): standard "
                 "deviation of the k (or M) predictions at x; the band is mean ± 2σ (run 1). The observation noise is "
                 "added to neither band.").format(n=n, lo=CFG.x_range[0], hi=CFG.x_range[1], g0=CFG.gap[0],
                                                     g1=CFG.gap[1], noise=CFG.reg_noise,
                                                     arch="-".join(map(str, CFG.reg_sizes)), steps=CFG.reg_steps))
    r_mc, r_e = ex.region_means(s_mc, x, CFG), ex.region_means(s_e, x, CFG)
    cov_mc, cov_e = ex.coverage(c_mc, s_mc, x, CFG), ex.coverage(c_e, s_e, x, CFG)
    region_names = {"data": _("data region"), "gap": _("gap"), "extrapolation": _("beyond the data")}
    rows = []
    for label, r, cov in ((_("MC dropout, k = {k}").format(k=k), r_mc, cov_mc),
                          (_("deep ensemble, M = {m}").format(m=m), r_e, cov_e)):
        row = {_("predictor"): label}
        for reg in ex.REGIONS:
            row[_("mean σ, {region}").format(region=region_names[reg])] = _pm(r[reg])
        for reg in ("gap", "extrapolation"):
            row[_("truth inside the band, {region}").format(region=region_names[reg])] = _pm(cov[reg], "{:.0%}")
        rows.append(row)
    ui.table(rows)
    st.caption(_("Mean σ: σ(x) averaged over the x of each region. Truth inside the band: the share of those x where "
                 "|sin(πx) − mean| ≤ 2σ. Mean ± sd over {runs} runs.").format(runs=CFG.n_runs))
    ui.chart(figure_cache.figure("u_sigma", (shown, n), lambda: fg.sigma_figure(
        x, [(_("MC dropout, k = {k}").format(k=k), s_mc, fg.MC), (_("deep ensemble, M = {m}").format(m=m), s_e, fg.ENSEMBLE)],
        CFG.gap, CFG.x_range, presenter, lang)), key="u_sigma")
    st.subheader(_("More data, a narrower band?"))

    def sweeps():
        keeps = band(seed, "keeps", 1.0)
        data_region = ex.regions(x, CFG)
        by_size = [(_("MC dropout, {keep}").format(keep=keep_text(keep, lang)),
                    ex.spread(drop.values, k)[1][..., data_region["data"]].mean(-1).T, fg.MC),
                   (_("deep ensemble, M = {m}").format(m=m),
                    ex.spread(members.values, m)[1][..., data_region["data"]].mean(-1).T, fg.ENSEMBLE)]
        s_keep = ex.spread(keeps.values, k)[1]  # (keeps, runs, G)
        by_keep = [(_("MC dropout, data region"), s_keep[..., data_region["data"]].mean(-1).T, fg.MC, None),
                   (_("MC dropout, gap"), s_keep[..., data_region["gap"]].mean(-1).T, fg.MC, "dash")]
        at_n = ex.region_means(ex.spread(members.values[list(members.sizes).index(CFG.reg_points)], m)[1], x, CFG)
        ens_levels = [(_("ensemble, data region"), float(at_n["data"].mean()), fg.ENSEMBLE, None),
                      (_("ensemble, gap"), float(at_n["gap"].mean()), fg.ENSEMBLE, "dash")]
        return fg.sweeps_figure(drop.sizes, by_size, CFG.keep_sweep, by_keep, ens_levels, presenter, lang)

    ui.chart(figure_cache.figure("u_sweeps", shown, sweeps), key="u_sweeps")
    st.caption(_("Left: mean σ over the data region for n = {sizes} training points (nested draws, the same seed), "
                 "{steps} steps each. A posterior's spread shrinks like 1/√n (dotted); dropout's spread is set by q and "
                 "does not have to shrink (Osband 2016). Right: n = {n}, every keep in {keeps}; the ensemble has no "
                 "keep, so it is a level line.").format(sizes=", ".join(map(str, drop.sizes)), steps=CFG.reg_steps,
                                                       n=CFG.reg_points, keeps=", ".join(map(str, CFG.keep_sweep))))


def decomposition_tab(keep: float, k: int, m: int, seed: int, presenter: bool, stage=None) -> None:
    lang = _lang()
    options, default = WIDGETS["u_split"]
    box = st if stage is None else stage[0]
    who = ui.select(_("Split the entropy of"), "u_split", options, default, format_func=SPLIT_LABELS.get, radio=True,
                    horizontal=True, container=box)
    _option_names(SPLIT_LABELS, box)
    numbers = split(seed, keep, k, m, who)
    dec, scores, t = numbers.decomposition, numbers.scores, numbers.t
    clf = classifiers("moons", seed, keep)
    xs, _grid = ex.surface_points(CFG)
    shown = (seed, keep, who, t, lang, presenter)  # what both figures depend on
    with nullcontext() if stage is None else stage[1]:
        ui.main_chart(figure_cache.figure("u_decomposition", shown, lambda: fg.decomposition_figure(
            xs, dec.total, dec.aleatoric, dec.epistemic, clf.data.x_train, clf.data.y_train, CFG.ood_radii,
            presenter, lang)))
    st.latex(r"\underbrace{H\Bigl[\tfrac1T\sum_t p_t\Bigr]}_{\text{total}}"
             r"=\underbrace{\tfrac1T\sum_t H[p_t]}_{\text{aleatoric}}"
             r"+\underbrace{\tfrac1T\sum_t \mathrm{KL}\bigl(p_t\,\big\|\,\tfrac1T\textstyle\sum_s p_s\bigr)}"
             r"_{\text{epistemic = mutual information}}")
    c1, c2 = st.columns([1, 2])
    c1.metric(_("max |total − (aleatoric + epistemic)|"), f"{dec.identity_gap:.1e}",
              help=_("Over the {points} grid points, float32, the same {t} predictions on both sides.").format(
                  points=len(dec.total), t=t))
    c2.caption(_("p_t: the class probabilities of pass t, T = k masks of the dropout network (or the M networks); "
                 "H[p] = −Σ_c p_c ln p_c in nats (at most ln 2 = 0.693 for two classes). The mutual information is "
                 "computed as the mean KL divergence of each prediction from their mean, not as the difference of the "
                 "other two, so the identity is a check: it holds exactly, and the largest difference is float32 "
                 "rounding."))
    st.subheader(_("Points far from the data: does the mutual information notice them?"))
    ui.chart(figure_cache.figure("u_ood", shown, lambda: fg.ood_figure(
        numbers.mi_in, numbers.mi_out, numbers.fpr, numbers.tpr, numbers.auroc, presenter, lang)), key="u_ood")
    rows = [{_("score"): _("mutual information, MC dropout (k = {k})").format(k=k), "AUROC": _pm(scores.mc_mutual_information)},
            {_("score"): _("total entropy, MC dropout (k = {k})").format(k=k), "AUROC": _pm(scores.mc_total_entropy)},
            {_("score"): _("mutual information, ensemble (M = {m})").format(m=m),
             "AUROC": _pm(scores.ensemble_mutual_information)},
            {_("score"): _("total entropy, ensemble (M = {m})").format(m=m), "AUROC": _pm(scores.ensemble_total_entropy)},
            {_("score"): _("entropy of the weight-scaled network"), "AUROC": _pm(scores.weight_scaled_entropy)}]
    ui.table(rows)
    st.caption(_("{n_in} test points of the moons (in the data) against {n_out} points uniform in the ring "
                 "{r0} ≤ ‖x‖ ≤ {r1} (far from it). AUROC = P(score of a far point > score of a test point) + ½ P(tie), "
                 "computed with the Mann–Whitney rank formula: 1 = the score separates them perfectly, 0.5 = chance, "
                 "below 0.5 = the far points look more familiar than the data. Mean ± sd over {runs} runs; the "
                 "histogram and the ROC curve show run 1.").format(
        n_in=len(numbers.mi_in), n_out=len(numbers.mi_out), r0=CFG.ood_radii[0], r1=CFG.ood_radii[1], runs=CFG.n_runs))
    st.info(_("When the AUROC is below 0.5: far from the data a ReLU network is linear along each ray, so its logits grow and every "
              "mask (and every member) becomes confident of the same class, except along the extended decision "
              "boundary (Hein et al. 2019). Disagreement measures how much the fitted functions differ, and in this "
              "ring they differ less than near the boundary, where the data are."))


INTRO = N_("Leave dropout on at test time and average k masked passes: Monte Carlo dropout (Gal and Ghahramani, "
           "2016) gives a prediction and a spread. Is the spread worth anything? Here it is measured against the "
           "weight-scaled network and against a deep ensemble of M independently trained networks (Lakshminarayanan "
           "et al., 2017), at the same number of forward passes: are the probabilities calibrated, does the band "
           "widen where it should, and what is the uncertainty made of?")


def render(presenter: bool) -> None:
    """The whole lesson. In presenter mode the figure comes first: the introduction, the conventions and the tab's
    explanation fold into one expander, and the shared controls sit beside the open tab's main figure."""
    st.title(_("Uncertainty from dropout, measured honestly"))
    body(presenter)
    ui.show_url_notices()


@st.fragment
def body(presenter: bool) -> None:
    """Everything under the title, a fragment: the controls are shared by the tabs, so moving one reruns the
    controls and the open tab, not the page around them."""
    tab_names = _("Tabs: ") + "; ".join(f"**{t}** ({_(t)})" for t in TABS) if _lang() != "en" else None
    if not presenter:
        st.markdown(_(INTRO))
        keep, k, m, seed = controls()
        conventions(keep)
        if tab_names:
            st.caption(tab_names)
    tabs = ui.tabs(list(TABS), key="u_tab")
    for tab, draw in zip(tabs, (calibration_tab, band_tab, decomposition_tab)):
        if tab.open:
            with tab:
                if not presenter:
                    draw(keep, k, m, seed, presenter)
                    continue
                explain = layout.explanation(True)
                explain.markdown(_(INTRO))
                if tab_names:
                    explain.caption(tab_names)
                stage = layout.stage(True)
                keep, k, m, seed = controls(stage[0])
                conventions(keep, explain)
                draw(keep, k, m, seed, presenter, stage)
