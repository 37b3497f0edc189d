"""The batch-norm lesson's page: the variance shift, orders and fixes, width, and where to put dropout.

Widgets (every one bound to the URL):

| key        | widget                                   | range                                     | default      |
|------------|------------------------------------------|-------------------------------------------|--------------|
| bn_tab     | tabs                                     | The shift, Orders and fixes, Width, Where and how much | The shift |
| bn_keep    | keep q of the dropout masks (part 1)     | 0.1 – 1.0, step 0.05                      | 0.5          |
| bn_order   | where the masks sit                      | dropout_bn, bn_dropout, after_last, none  | dropout_bn   |
| bn_seed    | seed of the trained network              | 0 – 999                                   | 0            |
| bn_layer   | BN layer of the histogram                | 1 – 3                                     | 2            |
| bn_unit    | unit of the histogram                    | 1 – 64                                    | 1            |
| bn_seeds   | seeds per variant (orders, width)        | 2 – 8                                     | 4            |
| bn_task    | task of part 2                           | digits, moons                             | digits       |
| bn_pseeds  | seeds per cell (part 2)                  | 1 – 5                                     | 3            |
"""
from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import streamlit as st

from dropout_viz.ui import figure_cache, layout, progress
from dropout_viz.ui import widgets as ui
from dropout_viz.ui.i18n import N_, _, current_language

from . import experiment as ex
from . import figures as fig

CONFIG = ex.Config()
TABS = ["The shift", "Orders and fixes", "Width", "Where and how much"]
TAB_NAMES = [N_("The shift"), N_("Orders and fixes"), N_("Width"), N_("Where and how much")]
ORDER_NAMES = {
    "dropout_bn": N_("dropout → BN (mask between each weight layer and its BN)"),
    "bn_dropout": N_("BN → dropout (mask after each BN and ReLU)"),
    "after_last": N_("dropout only after the last BN"),
    "none": N_("no dropout"),
}
VARIANT_NAMES = {
    "none": N_("no dropout"),
    "dropout_bn": N_("dropout → BN"),
    "bn_dropout": N_("BN → dropout"),
    "after_last": N_("after the last BN"),
    "gaussian_dropout_bn": N_("Gaussian, dropout → BN"),
    "gaussian_bn_dropout": N_("Gaussian, BN → dropout"),
}
TASK_NAMES = {"digits": N_("8×8 digits, 150 training images"), "moons": N_("two moons, 50 noisy training points")}
WIDTHS = (16, 32, 64, 128, 256)
HEAT_KEEPS = (0.2, 0.35, 0.5, 0.65, 0.8, 1.0)
LAYER_KEEP_VALUES = (0.2, 0.35, 0.5, 0.65, 0.8, 1.0)
LAYER_NAMES = {"inputs": N_("only the inputs"), "hidden 1": N_("only hidden layer 1"),
               "hidden 2": N_("only hidden layer 2"), "all": N_("all three")}


def _keep_words(q: float) -> str:
    return _("keep q = {q} (drop rate p = {p})").format(q=f"{q:.3g}", p=f"{1 - q:.3g}")


def _progress():
    """A progress bar drawn inside a cached function (a cache hit replays it finished, then removed); its updates are
    where a click on Stop interrupts the training (see _stoppable)."""
    report, clear = progress.bar(_("Training all models together"), _("parts"))

    class _Slot:
        empty = staticmethod(clear)
    return _Slot, report


def _stoppable(task: str, settings: tuple, compute, box=st):
    """compute() (a cached sweep) with a Stop button; None after a Stop (a notice and a Train again button say so)."""
    what, shown, again = _("the training"), _("Nothing is shown for these settings yet."), _("Train again")
    with box if box is not st else nullcontext():
        try:
            return progress.stoppable(task, settings, compute, what=what, shown=shown, again=again)
        except progress.Stopped:
            return None


# --- cached experiments (plain scalars in, NumPy out) ---------------------------------------------------------

@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def shift_result(seed: int, keep: float, order: str) -> ex.ShiftView:
    return ex.default_shift(seed, keep, order, CONFIG)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def orders_result(seeds: int, keep: float) -> ex.OrdersResult:
    slot, report = _progress()
    out = ex.orders_experiment(seeds, keep, CONFIG, on_chunk=report)
    slot.empty()
    return out


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def width_result(seeds: int, keep: float) -> ex.WidthResult:
    slot, report = _progress()
    out = ex.width_experiment(WIDTHS, seeds, keep, "bn_dropout", CONFIG, on_chunk=report)
    slot.empty()
    return out


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def heatmap_result(task: str, seeds: int) -> ex.HeatmapResult:
    slot, report = _progress()
    out = ex.heatmap_experiment(HEAT_KEEPS, HEAT_KEEPS, seeds, ex.PLACEMENT_TASKS[task], on_chunk=report)
    slot.empty()
    return out


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def layer_result(task: str, seeds: int) -> ex.LayerResult:
    slot, report = _progress()
    out = ex.layer_experiment(LAYER_KEEP_VALUES, seeds, ex.PLACEMENT_TASKS[task], on_chunk=report)
    slot.empty()
    return out


def _run_button(label: str, key: str, settings: tuple, box=st) -> bool:
    """True when this sweep was asked for with these settings in this session (a button press remembers it)."""
    done = st.session_state.setdefault("_bn_runs", set())
    if (key, settings) in done:
        return True
    if box.button(label, key=key, type="primary"):
        done.add((key, settings))
        return True
    return False


# --- the tabs -----------------------------------------------------------------------------------------------

def _explanation(presenter: bool):
    """Where a tab's explanation goes: inline, or folded in presenter mode together with the page's introduction
    (one fold above the stage: the figure first for the hall; the lecturer opens it when needed)."""
    box = layout.explanation(presenter, _(INTRO))
    if presenter:
        if current_language() != "en":
            box.caption(_tab_names())
    return box


def _stage(presenter: bool):
    """(controls, figure): side by side in presenter mode; in reading order (both the page itself) otherwise."""
    return layout.stage(presenter) if presenter else (st, st)


def _tab_names() -> str:
    return " · ".join(f"**{en}**: {_(name)}" for en, name in zip(TABS, TAB_NAMES))


def shift_tab(presenter: bool, lang: str) -> None:
    with _explanation(presenter):
        st.markdown(_(
            "Inverted dropout keeps a unit's **mean** (kept units are multiplied by 1/q), but not its **variance**. "
            "Batch normalisation learns a running variance while training, with the masks on, and divides by it "
            "at test time, when the masks are off. Take a linear unit u = b + Σₖ wₖ (mₖ/q) xₖ with masks "
            "mₖ ~ Bernoulli(q), independent of each other and of the inputs x (the only assumptions):"))
        st.latex(r"\operatorname{Var}_{\text{train}}(u)=\operatorname{Var}_{\text{test}}(u)"
                 r"+\frac{1-q}{q}\sum_k w_k^2\,\mathbb{E}[x_k^2]")
        st.latex(r"w=1:\quad \operatorname{Var}_{\text{train}}(x)=\frac{\mathbb{E}[x^2]}{q}-\mathbb{E}[x]^2")
        st.caption(_(
            "Only the squares change: E[(mₖ/q)²] = 1/q, while E[mₖmₗ]/q² = 1 leaves every cross term alone. "
            "Gaussian dropout, multiplicative noise N(1, (1 − q)/q), has the same second moment and so exactly the "
            "same shift. At test time BN divides by the training variance and its outputs come out narrower by "
            "√(Var_test / Var_train) (Li et al., CVPR 2019)."))
    # Presenter mode: the key controls beside the histogram (the hall sees the picture on the first screen).
    if presenter:
        left, hist_box = layout.stage(True)
        c1 = c2 = c3 = c4 = c5 = left
    else:
        c1, c2, c3 = st.columns([1.2, 2, 0.8])
        c4, c5 = st.columns(2)
    keep = ui.keep_slider(_("Keep q of the dropout masks"), "bn_keep", 0.5, lo=0.1, container=c1,
                          help=_("Keep probability q: each unit survives with probability q; the drop rate is "
                                 "p = 1 − q. Inverted dropout: kept units are multiplied by 1/q while training."))
    order = ui.select(_("Where the masks sit"), "bn_order", list(ORDER_NAMES), "dropout_bn",
                      format_func=lambda o: o, container=c2, radio=True, horizontal=True,
                      help=_("dropout_bn: Dense → mask → BN → ReLU. bn_dropout: Dense → BN → ReLU → mask. "
                             "after_last: masks only after the last hidden layer. none: no masks."))
    c2.caption(_(ORDER_NAMES[order]))
    depth = CONFIG.depth
    layer = ui.slider(_("BN layer of the histogram"), "bn_layer", 1, depth, 2, container=c4)
    unit = ui.slider(_("Unit"), "bn_unit", 1, CONFIG.width, 1, container=c5)
    seed = ui.number(_("Seed"), "bn_seed", 0, 999, 0, container=c3,
                     help=_("The network's initial weights, minibatches and masks; same seed, same picture."))
    with st.spinner(_("Training the network…")):
        view = shift_result(seed, keep, order)
    names = [_("BN layer {i}").format(i=i + 1) for i in range(depth)]
    ratio = view.var_test / view.running_var
    charts_box = st.container()
    metrics_box = st.container()
    m1, m2, m3, m4 = metrics_box.columns(4)
    m1.metric(_("Var_test / running var, BN layer 1"), f"{ratio[0].mean():.3f}",
              help=_("Mean over the layer's units of the BN input's variance over the test set (no masks) divided "
                     "by the running variance BN learned while training. 1 means the statistics are right."))
    m2.metric(_("… BN layer {i}").format(i=depth), f"{ratio[-1].mean():.3f}")
    m3.metric(_("Test error, running statistics"), f"{view.test_error:.1%}")
    change = 100 * (view.test_error_fresh - view.test_error)
    m4.metric(_("… re-estimated without dropout"), f"{view.test_error_fresh:.1%}",
              delta=f"{change:+.1f} pp" if abs(change) >= 0.05 else None, delta_color="inverse")
    metrics_box.caption(_(
        "A {arch} ReLU network with a BN layer after every hidden weight layer, {steps} steps of Adam (batch "
        "{batch}) on {n} 8×8 digits, {keep}, inverted dropout; evaluated on {n_test} held-out digits.").format(
        arch="64-" + "-".join([str(CONFIG.width)] * depth) + "-10", steps=CONFIG.steps, batch=CONFIG.batch_size,
        n=CONFIG.n_points // 2, keep=_keep_words(keep), n_test=CONFIG.n_points - CONFIG.n_points // 2))
    metrics_box.markdown(_(
        "Re-estimating BN's statistics with the masks off (one pass over the training set) changes this network's "
        "test error by {d} points. One seed can be luck: the *Orders and fixes* tab measures it over seeds.").format(
        d=f"{change:+.1f}"))
    left, right = charts_box.columns(2, gap="large")
    if not presenter:
        hist_box, ratio_box = left, right
    else:  # the histogram is on the stage; the two checks side by side under it
        ratio_box = left
    trained = (seed, keep, order, lang, presenter)  # what every figure of the tab depends on
    with hist_box:
        title = _("BN layer {layer}, unit {unit}: training mode against test mode").format(layer=layer, unit=unit)
        train, test = view.out_train[layer - 1, :, unit - 1], view.out_test[layer - 1, :, unit - 1]
        # Built once per language and mode (Plotly's validation); other units are filled into it.
        frame = figure_cache.figure("bn_histogram_frame", (lang, presenter), lambda: fig.histogram(
            train, test, lang=lang, presenter=presenter, title=title))
        ui.main_chart(figure_cache.figure("bn_histogram", (trained, layer, unit, title),
                                          lambda: fig.refill_histogram(frame, train, test, title=title)))
        r = ratio[layer - 1, unit - 1]
        st.caption(_(
            "Both histograms go through the same running statistics, as at test time. With the masks on (as "
            "in training) the unit's outputs have sd {sd_train}; without them (test) sd {sd_test}. This unit's "
            "variance at test time is {r} of the running variance BN divides by.").format(
            sd_train=f"{view.out_train[layer - 1, :, unit - 1].std():.2f}",
            sd_test=f"{view.out_test[layer - 1, :, unit - 1].std():.2f}", r=f"{r:.2f}"))
        if order == "dropout_bn":
            st.caption(_("The spike in training mode: a dropped input of BN is exactly 0, and BN maps 0 to one "
                         "value, −γ·mean/√var + β: a share p = 1 − q of the training-mode outputs sits there."))
    with ratio_box:
        title = _("Every BN unit: test variance / running variance")
        ui.chart(figure_cache.figure("bn_ratio", (trained, tuple(names), title), lambda: fig.ratio_strip(
            ratio, names, keep, lang=lang, presenter=presenter, title=title)), key="bn_ratio")
    with right:
        title = _("Var_train: closed form against {k} sampled masks").format(k=view.n_masks)
        ui.chart(figure_cache.figure("bn_closed", (trained, tuple(names), title), lambda: fig.closed_vs_sampled(
            view.var_train_closed, view.var_train_sampled, names, lang=lang, presenter=presenter, title=title)),
                 key="bn_closed")
        rel = np.abs(view.var_train_closed[0] / view.var_train_sampled[0] - 1)
        st.caption(_(
            "Each dot is one BN unit's input: the closed form (from the test-time inputs of its layer) against the "
            "variance measured over the test set × {k} sampled masks of the whole network. On BN layer 1 they "
            "agree to {rel} on average (sampling noise); deeper layers also inherit the extra variance of the masks "
            "below them, which the one-layer formula leaves out.").format(k=view.n_masks, rel=f"{rel.mean():.1%}"))


def orders_tab(presenter: bool, lang: str) -> None:
    _explanation(presenter).markdown(_(
        "The same network trained with the masks in different places, over several seeds (every run is reproducible "
        "from its seed, but runs are not paired: each variant draws its own minibatches and masks, so compare "
        "the spreads, not single seeds). Two fixes need no retraining of the order: "
        "**re-estimating the BN statistics** after training with the masks off (one pass over the training set), "
        "shown next to every variant; and **Gaussian dropout**, which keeps the order but swaps the noise "
        "(same mean and variance as the Bernoulli mask)."))
    left, right = _stage(presenter)
    c1, c2 = (left, left) if presenter else st.columns(2)
    keep = ui.keep_slider(_("Keep q of the dropout masks"), "bn_keep", 0.5, lo=0.1, container=c1)
    seeds = ui.slider(_("Seeds per variant"), "bn_seeds", 2, 8, 4, container=c2)
    n_models = seeds * len(ex.VARIANTS)
    if not _run_button(_("Train {n} networks ({steps} steps each)").format(n=n_models, steps=CONFIG.steps),
                       "bn_run_orders", (seeds, keep), left):
        left.info(_("About a minute on a 2-core machine; the results are shared by everyone who opens the page."))
        return
    res = _stoppable("bn_orders", (seeds, keep), lambda: orders_result(seeds, keep), right if presenter else st)
    if res is None:
        return
    names = [_(VARIANT_NAMES[v]) for v in res.variants]
    title = _("Test error by placement, {keep}, {s} seeds").format(keep=_keep_words(keep), s=seeds)
    ui.main_chart(figure_cache.figure("bn_orders", (seeds, keep, lang, presenter, tuple(names), title),
                                      lambda: fig.error_dots(names, res.errors, res.errors_fresh, lang=lang,
                                                             presenter=presenter, title=title)), right)
    mean, sd = res.errors.mean(1), res.errors.std(1)
    fresh = res.errors_fresh.mean(1)
    i = {v: k for k, v in enumerate(res.variants)}
    rows = [{_("variant"): names[k], _("test error, mean"): f"{100 * mean[k]:.2f}%",
             _("sd over seeds"): f"{100 * sd[k]:.2f}", _("re-estimated BN statistics"): f"{100 * fresh[k]:.2f}%"}
            for k in range(len(names))]
    ui.table(rows)
    worst = max(("dropout_bn", "bn_dropout"), key=lambda v: mean[i[v]])
    gap = mean[i[worst]] - mean[i["after_last"]]
    spread = max(sd[i[worst]], sd[i["after_last"]])
    parts = []
    if gap > spread:
        parts.append(_("Here **{worst}** is the worst order: {gap} points more test error than dropout only after "
                       "the last BN, more than the spread over seeds ({sd}).").format(
            worst=names[i[worst]], gap=f"{100 * gap:.1f}", sd=f"{100 * spread:.1f}"))
    else:
        parts.append(_("Here the orders differ by less than the spread over seeds: {worst} is {gap} points above "
                       "dropout only after the last BN, with a spread of {sd}.").format(
            worst=names[i[worst]], gap=f"{100 * gap:+.1f}", sd=f"{100 * spread:.1f}"))
    fix = mean[i[worst]] - fresh[i[worst]]
    parts.append(_("Re-estimating its BN statistics changes its error by {d} points.").format(d=f"{-100 * fix:+.1f}"))
    g = "gaussian_" + worst
    parts.append(_("Gaussian noise in the same places gives {g} against {b} with Bernoulli masks: the variance "
                   "shift is the same by the closed form, so any difference is in how the noise trains.").format(
        g=f"{100 * mean[i[g]]:.1f}%", b=f"{100 * mean[i[worst]]:.1f}%"))
    st.markdown(" ".join(parts))


def width_tab(presenter: bool, lang: str) -> None:
    _explanation(presenter).markdown(_(
        "Li et al. argue that the shift shrinks as layers get wider: a BN unit after a weight layer sums many "
        "units, the cross terms Σ wₖwₗ Cov(xₖ, xₗ) that dropout leaves alone grow with the number of pairs, while "
        "the dropout term grows only with the number of units. Measured here on trained networks with the masks "
        "after each BN and ReLU (BN → dropout), at the second BN layer."))
    left, right = _stage(presenter)
    c1, c2 = (left, left) if presenter else st.columns(2)
    keep = ui.keep_slider(_("Keep q of the dropout masks"), "bn_keep", 0.5, lo=0.1, container=c1)
    seeds = ui.slider(_("Seeds per variant"), "bn_seeds", 2, 8, 4, container=c2)
    if not _run_button(_("Train {n} networks of widths {w}").format(n=seeds * len(WIDTHS),
                                                                   w=", ".join(map(str, WIDTHS))),
                       "bn_run_width", (seeds, keep), left):
        left.info(_("About a minute on a 2-core machine; the results are shared by everyone who opens the page."))
        return
    res = _stoppable("bn_width", (seeds, keep), lambda: width_result(seeds, keep), right if presenter else st)
    if res is None:
        return
    title = _("The shift against width, {keep}").format(keep=_keep_words(keep))
    ui.main_chart(figure_cache.figure("bn_width", (seeds, keep, lang, presenter, title), lambda: fig.width_figure(
        res.widths, res.ratio, res.ratio_closed, res.errors, res.errors_fresh, keep, lang=lang, presenter=presenter,
        title=title)), right)
    r = res.ratio.mean(1)
    st.markdown(_(
        "Measured: Var_test / running variance goes from {a} at width {wa} to {b} at width {wb} (mean over units "
        "and seeds; the band spans the seeds). The closed form, from each network's own weights and test-time "
        "inputs, gives {ca} and {cb}.").format(a=f"{r[0]:.3f}", wa=res.widths[0], b=f"{r[-1]:.3f}", wb=res.widths[-1],
                                              ca=f"{res.ratio_closed.mean(1)[0]:.3f}",
                                              cb=f"{res.ratio_closed.mean(1)[-1]:.3f}"))


def placement_tab(presenter: bool, lang: str) -> None:
    _explanation(presenter).markdown(_(
        "The textbook's rule of thumb: keep an input unit with q = 0.8 and a hidden unit with q = 0.5; a layer "
        "with more weights can take a lower keep, and inputs are often not dropped at all. Here on plain ReLU "
        "networks (no BN), with two hidden layers of {w} units and few training points, so that they overfit "
        "without dropout.").format(w=ex.PlacementConfig().width))
    left, right = _stage(presenter)
    c1, c2 = (left, left) if presenter else st.columns(2)
    task = ui.select(_("Task"), "bn_task", list(ex.PLACEMENT_TASKS), "digits", container=c1,
                     format_func=lambda t: t)
    c1.caption(_(TASK_NAMES[task]))
    seeds = ui.slider(_("Seeds per cell"), "bn_pseeds", 1, 5, 3, container=c2)
    pc = ex.PLACEMENT_TASKS[task]
    n = len(HEAT_KEEPS) ** 2 * seeds
    if not _run_button(_("Train {n} networks for the heatmap").format(n=n), "bn_run_heat", (task, seeds), left):
        left.info(_("One to three minutes on a 2-core machine; the results are shared by everyone who opens the "
                    "page."))
        return
    res = _stoppable("bn_heat", (task, seeds), lambda: heatmap_result(task, seeds), right if presenter else st)
    if res is None:
        return
    mean = res.errors.mean(-1)
    title = _("Test error (%), mean of {s} seeds").format(s=seeds)
    ui.main_chart(figure_cache.figure("bn_heatmap", (task, seeds, lang, presenter, title), lambda: fig.heatmap(
        res.keep_in, res.keep_hidden, mean, lang=lang, presenter=presenter, title=title)), right)
    ki, kh = list(res.keep_in), list(res.keep_hidden)
    best = np.unravel_index(np.argmin(mean), mean.shape)
    textbook = mean[ki.index(0.8), kh.index(0.5)]
    none = mean[ki.index(1.0), kh.index(1.0)]
    sd = res.errors.std(-1).mean()
    text = [_("Lowest mean error {e} at input keep {a}, hidden keep {b}; the textbook's 0.8 / 0.5 gives {t}, no "
              "dropout {n} (a cell's spread over seeds is about {sd} points).").format(
        e=f"{100 * mean[best]:.1f}%", a=f"{ki[best[0]]:.2g}", b=f"{kh[best[1]]:.2g}", t=f"{100 * textbook:.1f}%",
        n=f"{100 * none:.1f}%", sd=f"{100 * sd:.1f}")]
    row_best = mean.min(axis=1)
    if row_best[ki.index(1.0)] <= row_best.min() + sd:
        text.append(_("Not dropping the inputs is as good as the best input keep here (within the spread): the "
                      "rule holds on this task."))
    else:
        text.append(_("Dropping inputs helps here: the best row with input keep < 1 beats every cell with input "
                      "keep 1 by {d} points, more than the spread. The rule does not hold on this task.").format(
            d=f"{100 * (row_best[ki.index(1.0)] - row_best.min()):.1f}"))
    st.markdown(" ".join(text))

    st.subheader(_("Drop one place at a time"))
    n2 = (len(LAYER_KEEP_VALUES) - 1) * len(ex.LAYER_SETTINGS) * seeds + seeds
    if not _run_button(_("Train {n} networks for the per-layer sweep").format(n=n2), "bn_run_layers", (task, seeds)):
        return
    lr = _stoppable("bn_layers", (task, seeds), lambda: layer_result(task, seeds))
    if lr is None:
        return
    names = [_(LAYER_NAMES[s]) for s in ex.LAYER_SETTINGS]
    sizes = (pc_inputs(task), pc.width, pc.width, pc_outputs(task))
    weights = [sizes[i] * sizes[i + 1] for i in range(3)]
    title = _("Test error against keep, one place dropped at a time")
    ui.chart(figure_cache.figure("bn_layers", (task, seeds, lang, presenter, tuple(names), title),
                                 lambda: fig.keep_curves(lr.keeps, lr.errors, names, lang=lang, presenter=presenter,
                                                         title=title)), key="bn_layers")
    best_keep = [lr.keeps[np.argmin(lr.errors[j].mean(-1))] for j in range(len(names))]
    st.markdown(_(
        "Weights behind each mask: the inputs feed {w0:,}, hidden layer 1 feeds {w1:,}, hidden layer 2 feeds "
        "{w2:,}. Best keep when only that place is dropped: inputs {k0}, hidden 1 {k1}, hidden 2 {k2}.").format(
        w0=weights[0], w1=weights[1], w2=weights[2], k0=f"{best_keep[0]:.2g}", k1=f"{best_keep[1]:.2g}",
        k2=f"{best_keep[2]:.2g}"))
    if best_keep[1] < best_keep[2]:
        st.markdown(_("The mask in front of more weights (hidden layer 1) takes the lower keep: the rule holds."))
    elif best_keep[1] > best_keep[2]:
        st.markdown(_("The mask in front of fewer weights (hidden layer 2) takes the lower keep: the rule does not "
                      "hold here."))
    else:
        st.markdown(_("Both hidden layers do best at the same keep: the sweep cannot tell them apart."))


def pc_inputs(task: str) -> int:
    return 64 if ex.PLACEMENT_TASKS[task].dataset == "digits" else 2


def pc_outputs(task: str) -> int:
    return 10 if ex.PLACEMENT_TASKS[task].dataset == "digits" else 2


def render(presenter: bool) -> None:
    lang = current_language()
    st.title(_("Dropout and batch normalisation"))
    if not presenter:  # in presenter mode it opens the open tab's folded explanation
        st.markdown(_(INTRO))
        if lang != "en":
            st.caption(_tab_names())
    tabs = ui.tabs(TABS, "bn_tab")  # in the link; a bad title gets a notice
    for tab, draw in zip(tabs, (shift_tab, orders_tab, width_tab, placement_tab)):
        if tab.open:
            with tab:
                ui.tab_fragment(draw, presenter, lang)
    ui.show_url_notices()


INTRO = N_(
    "Two networks that train well with dropout, and with batch normalisation (BN), can train worse with both. "
    "This page measures why (the variance shift), which orders of the two are safe, what fixes it, and then "
    "where in a network dropout pays off and how much of it. Conventions: keep probability q, drop rate "
    "p = 1 − q, inverted dropout (kept units × 1/q while training); where the masks sit is named on every "
    "figure.")
