"""The Streamlit part of "Inside the network": the widget table, cached experiment calls on plain scalars, and the
four tabs (co-adaptation, paths, Jensen's gap, flat minima)."""
from __future__ import annotations

from dataclasses import astuple, dataclass

import streamlit as st

from dropout_viz.core import datasets
from dropout_viz.ui import figure_cache, layout, progress, widgets
from dropout_viz.ui.controls import Control, draw_one
from dropout_viz.ui.i18n import N_, _, current_language, keep_words, spinner

from . import experiment as ex
from .figures import (closed_vs_sampled, compare_bands, jensen_picture, refill_closed_vs_sampled,
                      refill_jensen_picture)

# The data-set select shows the registry's labels, which are also what the link stores (in_data=...).
DATASET_LABELS = {datasets.DATASETS[n].label: n for n in ex.DATASET_NAMES}  # what the select shows -> name

# The tab titles go into the link (in_tab=Paths), so they stay English in every language; a translation opens
# each tab's text with the tab's name in bold.
TABS = ["Co-adaptation", "Paths", "Jensen's gap", "Flat minima"]
TAB_KEY = "in_tab"
COLUMNS = [1, 3]  # controls | figure

# The lesson's widgets: URL key, kind, label, default and range (the keys are those of old links).
WIDGETS = {
    # every tab
    "keep": Control("in_keep", "keep", N_("Keep q of the hidden units"), 0.5),
    "seed": Control("in_seed", "number", N_("Seed"), 0, lo=0, hi=10_000,
                    help=N_("Same seed, same data split, initial weights, masks and directions.")),
    # the trained pair (co-adaptation and flat minima)
    "data": Control("in_data", "select", N_("Data set"), datasets.DATASETS["digits"].label,
                    options=tuple(DATASET_LABELS)),
    "width": Control("in_width", "select", N_("Hidden units per layer (2 hidden layers)"), 64,
                     options=(16, 32, 64, 128)),
    "steps": Control("in_steps", "select", N_("Training steps (Adam, batch 32)"), 2000,
                     options=(500, 1000, 2000, 4000)),
    # co-adaptation
    "n_orders": Control("in_orders", "select", N_("Random removal orders"), 20, options=(5, 10, 20, 50)),
    # paths
    "keep_in": Control("in_keep_in", "keep", N_("Keep q_in of the input units"), 1.0,
                       help=N_("1.0: inputs are never dropped. Input drop rates are usually small (p_in ≈ 0.2).")),
    "path_width": Control("in_path_width", "slider", N_("Units per layer n"), 4, lo=1, hi=32),
    "depth": Control("in_depth", "slider", N_("Deepest net (hidden layers)"), 12, lo=2, hi=24),
    "n_samples": Control("in_samples", "select", N_("Sampled masks"), 10_000, options=(1_000, 10_000, 50_000)),
    # Jensen's gap; the options of in_kind go into the link (in_kind=standard), so they stay English.
    "d": Control("in_d", "slider", N_("Inputs d of the unit"), 6, lo=1, hi=12),
    "kind": Control("in_kind", "radio", N_("Dropout on the inputs"), "inverted", options=("inverted", "standard"),
                    help=N_("Inverted: kept inputs are multiplied by 1/q. Standard: kept inputs are left as they "
                            "are (the weight-scaled unit multiplies w by q instead).")),
    "bias": Control("in_bias", "slider", N_("Bias b"), 0.0, lo=-2.0, hi=2.0, step=0.1, fmt="%.1f"),
    "k": Control("in_k", "select", N_("Sampled masks k"), 10_000, options=(100, 1_000, 10_000, 100_000)),
    # flat minima; the options of in_split go into the link (in_split=test), so they stay English.
    "n_dirs": Control("in_dirs", "select", N_("Random directions"), 8, options=(4, 8, 16)),
    "t_max": Control("in_tmax", "slider", N_("Walk up to t ="), 1.0, lo=0.25, hi=2.0, step=0.25, fmt="%.2f"),
    "split": Control("in_split", "radio", N_("Loss on the"), "train", options=("train", "test"), horizontal=True,
                     help=N_("The data the loss is averaged over: the training or the test split.")),
}


@dataclass(frozen=True)
class PairControls:
    """The trained pair's settings (co-adaptation and flat minima share them, and its cache entry)."""

    name: str
    keep: float
    width: int
    steps: int
    seed: int


# --- cached experiment calls (plain scalars in, NumPy and floats out) ----------------------------------------

@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _trained_pair(name: str, width: int, keep: float, steps: int, seed: int) -> dict:
    """Train without / with dropout on a data set; the split and the networks both come from seed."""
    what, unit = _("Training the two networks"), _("steps")
    report, clear = progress.bar(what, unit, scale=100)
    pair = ex.trained_pair(ex.key(seed, "train"), ex.data(name, seed), ex.sizes_for(name, width), keep, steps,
                           on_progress=report)
    clear()
    return pair


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _ablation(name: str, width: int, keep: float, steps: int, seed: int, n_orders: int) -> dict:
    pair = _trained_pair(name, width, keep, steps, seed)
    return ex.ablation(ex.key(seed, "ablation"), pair, ex.data(name, seed), datasets.DATASETS[name].n_classes,
                       n_orders)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _landscape(name: str, width: int, keep: float, steps: int, seed: int, n_dirs: int, t_max: float,
               split: str) -> dict:
    pair = _trained_pair(name, width, keep, steps, seed)
    return ex.landscape(ex.key(seed, "landscape"), pair, ex.data(name, seed), n_dirs, t_max, split)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _paths(keep: float, keep_input: float, width: int, max_depth: int, n_samples: int, seed: int) -> dict:
    return ex.paths(ex.key(seed, "paths"), keep, keep_input, width, max_depth, n_samples)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _jensen(d: int, keep: float, inverted: bool, bias: float, seed: int, k: int) -> dict:
    return ex.jensen(ex.key(seed, "jensen_unit"), ex.key(seed, "jensen_mc"), d, keep, inverted, bias, k)


TRAIN_TASK = "in_train"  # the training's progress task (its Stop button: "in_train_stop")
Stopped = progress.Stopped


def trained_pair(name: str, width: int, keep: float, steps: int, seed: int) -> dict:
    """_trained_pair, cached, under a progress bar with a Stop button; raises Stopped after a Stop (its notice
    and a button to train after all are then on the page)."""
    settings = (name, width, keep, steps, seed)
    what = _("training the two networks")
    shown = _("Nothing is shown until they are trained. The controls keep their values; change one, or press "
              "the button, to train again.")
    again = _("Train them after all")
    # progress takes each text as an (English, Chinese) pair; the text here is already in the reader's language.
    return progress.stoppable(TRAIN_TASK, settings, lambda: _trained_pair(*settings), what=what,
                              shown=shown, again=again)


def ablation(pair: PairControls, n_orders: int) -> dict:
    """_ablation, cached; the training under its progress bar, the switching off behind a spinner."""
    trained_pair(pair.name, pair.width, pair.keep, pair.steps, pair.seed)
    with spinner(_("Switching hidden units off…")):
        return _ablation(pair.name, pair.width, pair.keep, pair.steps, pair.seed, n_orders)


def landscape(pair: PairControls, n_dirs: int, t_max: float, split: str) -> dict:
    """_landscape, cached; the training under its progress bar, the walk behind a spinner."""
    trained_pair(pair.name, pair.width, pair.keep, pair.steps, pair.seed)
    with spinner(_("Walking away from the trained weights…")):
        return _landscape(pair.name, pair.width, pair.keep, pair.steps, pair.seed, n_dirs, t_max, split)


def paths(keep: float, keep_input: float, width: int, max_depth: int, n_samples: int, seed: int) -> dict:
    with spinner(_("Sampling masks…")):
        return _paths(keep, keep_input, width, max_depth, n_samples, seed)


def jensen(d: int, keep: float, inverted: bool, bias: float, seed: int, k: int) -> dict:
    with spinner(_("Enumerating every mask…")):
        return _jensen(d, keep, inverted, bias, seed, k)


# --- words of the tables and legends -------------------------------------------------------------------------

def series(quantity: str, how: str) -> str:
    """A legend entry "quantity: how"; the figure gives entries with the same quantity the same colour."""
    return f"{quantity}: {how}"


def path_rows(depth, closed, sampled) -> list[dict]:
    """The paths table: closed form, sampled share and their difference for each depth."""
    return [{"L": int(L), _("closed form"): f"{c:.4f}", _("sampled"): f"{e:.4f}",
             _("sampled − closed"): f"{e - c:+.4f}"} for L, c, e in zip(depth, closed, sampled)]


def jensen_rows(res: dict) -> list[dict]:
    """The Jensen table: each quantity in closed form, by exact enumeration and by sampling, with differences."""
    names = {"mean": "E z", "var": "Var z", "gap_sq": _("gap for z²"), "gap_relu": _("gap for ReLU")}

    def fmt(v):
        return "—" if v is None else f"{v:.5f}"

    closed, exact, mc = res["closed"], res["exact"], res["mc"]
    exact_col = _("exact (all {n})").format(n=f"{res['n_masks']:,}")
    sampled_col = _("sampled ({k})").format(k=f"{res['k']:,}")
    return [{_("quantity"): names[q], _("closed form"): fmt(closed[q]), exact_col: fmt(exact[q]),
             sampled_col: fmt(mc[q]),
             _("exact − closed"): "—" if closed[q] is None else f"{exact[q] - closed[q]:+.1e}",
             _("sampled − exact"): f"{mc[q] - exact[q]:+.1e}"} for q in ex.JENSEN_QUANTITIES]


def dropout_label(keep: float) -> str:
    return _("dropout, keep q = {q}").format(q=f"{keep:.3g}")


# --- the frame: explanation, stage, main figure -------------------------------------------------------------

def _explanation(presenter: bool):
    """A tab's explanatory text: in place, or folded in presenter mode together with the page's introduction
    (one fold, so the figure keeps the first screen)."""
    return layout.explanation(presenter, _(INTRO))


def _stage(presenter: bool):
    """(controls, figure) side by side: the lesson's own columns, or the presenter frame's stage."""
    return layout.stage(presenter) if presenter else st.columns(COLUMNS, gap="large")


INTRO = N_(
    "Four ways of looking inside a dropout network, each an experiment to run. Where a formula exists it "
    "is checked live against simulation, showing both numbers and their difference. Throughout, **q is "
    "the keep probability** (drop rate p = 1 − q) and dropout is **inverted** (kept units are scaled by "
    "1/q while training) unless a section says otherwise.")


# --- the page ----------------------------------------------------------------------------------------------

def keep_and_seed(box) -> tuple[float, int]:
    """The keep probability and seed that every experiment shares (the same keys in every tab)."""
    return draw_one(WIDGETS["keep"], box), draw_one(WIDGETS["seed"], box)


def pair_controls(box) -> PairControls:
    """Settings of the trained pair, shared by the co-adaptation and flat-minima experiments."""
    label = draw_one(WIDGETS["data"], box)
    keep, seed = keep_and_seed(box)
    width = draw_one(WIDGETS["width"], box)
    steps = draw_one(WIDGETS["steps"], box)
    return PairControls(name=DATASET_LABELS[label], keep=keep, width=int(width), steps=int(steps), seed=seed)


def render(presenter: bool) -> None:
    """Draw the lesson: title, introduction, and the open tab's experiment (only the open tab computes)."""
    st.title(_("Inside the network"))
    if not presenter:  # in presenter mode it opens the open tab's folded explanation
        st.markdown(_(INTRO))
    # Bound to the URL, so a link opens the same experiment.
    tabs = widgets.tabs(TABS, TAB_KEY)
    for tab, draw in zip(tabs, (co_adaptation, path_survival, jensen_gap, flat_minima)):
        if tab.open:
            with tab:
                draw(presenter)
    widgets.show_url_notices()


@st.fragment
def co_adaptation(presenter: bool) -> None:
    explain = _explanation(presenter)
    explain.markdown(_(
        "Without dropout a hidden unit can come to rely on particular partners, each fixing "
        "the others' mistakes; such **co-adapted** units only work together. Dropout makes every partner "
        "unreliable, so each unit must be useful in whatever company it gets. The test: train one network "
        "twice (same initial weights, same minibatches), without and with dropout, then switch hidden units "
        "off and watch the test accuracy."))
    left, right = _stage(presenter)
    pair = pair_controls(left)
    n_orders = draw_one(WIDGETS["n_orders"], left)
    with right:
        try:
            res = ablation(pair, n_orders)
        except ValueError as exc:
            widgets.error(exc)
            return
        except Stopped:  # its notice and a button to train after all are shown
            return
        names = (_("no dropout"), dropout_label(pair.keep), _("guessing (1 / classes)"))
        titles = (_("hidden units switched off (%)"), _("test accuracy"),
                  _("Test accuracy as hidden units are switched off"))
        widgets.main_chart(figure_cache.figure("in_ablation", (astuple(pair), n_orders, presenter, names, titles),
                                               lambda: compare_bands(
            res["percent"], {names[0]: res["plain"], names[1]: res["dropout"]},
            hline={names[2]: res["chance"]}, x_title=titles[0],
            y_title=titles[1], presenter=presenter, title=titles[2])))
        half = _("Mean test accuracy with 50 % of every hidden layer switched off.")
        accuracy = _("Test accuracy.")
        plain, drop = st.columns(2)
        plain.metric(_("No dropout, all units"), f"{res['full_acc'][0]:.1%}", help=accuracy)
        plain.metric(_("No dropout, half off"), f"{res['plain_half']:.1%}", help=half)
        drop.metric(_("Dropout, all units"), f"{res['full_acc'][1]:.1%}", help=accuracy)
        drop.metric(_("Dropout, half off"), f"{res['dropout_half']:.1%}", help=half)
        st.caption(_(
            "Each of {n_orders} random orders switches off the same growing fraction of every hidden layer in "
            "both networks. Switched-off units are set to zero and the survivors are **not** rescaled: this is "
            "damage, not dropout. Lines: mean over the orders; shaded: ± 1 standard deviation. Accuracy on the "
            "{n_test} held-out points; both networks were trained on {n_train}, the dropout one with {keep} on "
            "its hidden units (inputs not dropped).").format(
                n_orders=n_orders, n_test=res["n_test"], n_train=res["n_train"], keep=keep_words(pair.keep)))


@st.fragment
def path_survival(presenter: bool) -> None:
    explain = _explanation(presenter)
    explain.markdown(_(
        "A path runs from one input unit through one unit of every hidden layer to an output unit. "
        "It carries signal only if every unit on it is kept, so a long path is rarely intact: the network "
        "cannot lean on any single chain and has to spread what it knows over many."))
    explain.latex(r"P(\text{a given path survives}) = q_{\mathrm{in}}\, q^{L} = (1-p_{\mathrm{in}})\,(1-p)^{L}")
    explain.latex(r"P(\text{some path survives}) = \bigl(1-(1-q_{\mathrm{in}})^{n}\bigr)\,\bigl(1-(1-q)^{n}\bigr)^{L}")
    explain.caption(_(
        "L hidden layers of n units (and n inputs); each hidden unit is kept with probability q, each input "
        "unit with q_in (q_in = 1: inputs are not dropped and their factor is 1); output units are never "
        "dropped. In a fully connected net some input reaches the output exactly when every dropped "
        "layer keeps at least one unit."))
    left, right = _stage(presenter)
    keep, seed = keep_and_seed(left)
    keep_in = draw_one(WIDGETS["keep_in"], left)
    width = draw_one(WIDGETS["path_width"], left)
    depth = draw_one(WIDGETS["depth"], left)
    n_samples = draw_one(WIDGETS["n_samples"], left)
    try:
        res = paths(keep, keep_in, width, depth, n_samples, seed)
    except ValueError as exc:
        widgets.error(exc)
        return
    one, some = _("one given path"), _("some path")
    names = (series(one, _("closed form")), series(some, _("closed form")), series(one, _("sampled")),
             series(some, _("sampled")), _("hidden layers L"), _("probability of surviving"),
             _("Surviving paths, {keep}").format(keep=keep_words(keep)))
    lines = {names[0]: res["one_closed"], names[1]: res["any_closed"]}
    points = {names[2]: (res["one_mc"], res["one_se"]), names[3]: (res["any_mc"], res["any_se"])}
    # Built once per language and mode (Plotly's validation); other settings are filled into it.
    frame = figure_cache.figure("in_paths_frame", (presenter, names[:6]), lambda: closed_vs_sampled(
        res["depth"], lines, points, x_title=names[4], y_title=names[5], presenter=presenter, title=names[6]))
    with right:
        widgets.main_chart(figure_cache.figure(
            "in_paths", (keep, keep_in, width, depth, n_samples, seed, presenter, names),
            lambda: refill_closed_vs_sampled(frame, res["depth"], lines, points, title=names[6])))
        st.caption(_(
            "n = {width} units per layer, inputs: {keep_in}. Lines: closed forms. Markers: share of {n_samples} "
            "sampled masks in which the path survives (one deep net, cut at each depth); bars: ± 2 standard "
            "errors.").format(width=width, keep_in=keep_words(keep_in), n_samples=f"{n_samples:,}"))
    labels = (_("**One given path** (L = hidden layers)"), _("**Some path** (L = hidden layers)"))
    tables = (path_rows(res["depth"], res["one_closed"], res["one_mc"]),
              path_rows(res["depth"], res["any_closed"], res["any_mc"]))
    for box, label, rows in zip(st.columns(2), labels, tables):
        box.markdown(label)
        widgets.table(rows, interactive=True, container=box, width="stretch", height="content")


@st.fragment
def jensen_gap(presenter: bool) -> None:
    explain = _explanation(presenter)
    explain.markdown(_(
        "The weight-scaled network feeds each unit its **average** input; the ensemble "
        "averages the unit's **outputs** over all subnetworks. For a non-linear f the two differ, and for a "
        "convex f (z², ReLU) Jensen's inequality fixes the sign: E[f(z)] ≥ f(E z). One unit with d inputs "
        "shows the whole story: every dot below is one of its 2^d subnetworks."))
    left, right = _stage(presenter)
    keep, seed = keep_and_seed(left)
    d = draw_one(WIDGETS["d"], left)
    kind = draw_one(WIDGETS["kind"], left)
    bias = draw_one(WIDGETS["bias"], left)
    k = draw_one(WIDGETS["k"], left)
    inverted = kind == "inverted"
    kind_name = _("inverted") if inverted else _("standard")
    try:
        res = jensen(d, keep, inverted, bias, seed, k)
    except ValueError as exc:
        widgets.error(exc)
        return
    lang = current_language()
    # What each figure depends on (k changes only the table; the sweeps run over q themselves).
    unit, shown = (d, inverted, bias, seed, presenter, lang), (keep,)
    with right:
        title = _("All {n} subnetworks, {keep}").format(n=f"{res['n_masks']:,}", keep=keep_words(keep))
        # Built once per language and mode (Plotly's validation: ~60 ms); other units are filled into it.
        frame = figure_cache.figure("in_jensen_frame", (presenter, lang), lambda: jensen_picture(
            res["z"], res["prob"], presenter=presenter, lang=lang, title=title))
        widgets.main_chart(figure_cache.figure("in_jensen", (unit, shown, title), lambda: refill_jensen_picture(
            frame, res["z"], res["prob"], presenter=presenter, title=title)))
        how = (_("Inverted dropout on the unit's {d} inputs.") if inverted
               else _("Standard dropout on the unit's {d} inputs.")).format(d=d)
        st.caption(_(
            "{how} Dot area ∝ probability of the subnetwork. E z is what the weight-scaled unit computes "
            "(inverted: the trained weights as they are; standard: weights multiplied by q).").format(how=how))
    if inverted:
        st.latex(r"z = b + \sum_j w_j x_j \frac{m_j}{q},\ m_j \sim \mathrm{Bernoulli}(q):\quad "
                 r"\mathbb{E}z = b + w\cdot x,\quad \operatorname{Var} z = \frac{1-q}{q}\sum_j w_j^2 x_j^2")
    else:
        st.latex(r"z = b + \sum_j w_j x_j m_j,\ m_j \sim \mathrm{Bernoulli}(q):\quad "
                 r"\mathbb{E}z = b + q\, w\cdot x,\quad \operatorname{Var} z = q(1-q)\sum_j w_j^2 x_j^2")
    st.latex(r"\text{gap for } z^2:\ \mathbb{E}[z^2] - (\mathbb{E}z)^2 = \operatorname{Var} z"
             r"\qquad \text{gap for ReLU: } \mathbb{E}[\max(z,0)] - \max(\mathbb{E}z, 0) \ge 0")
    widgets.table(jensen_rows(res), interactive=True, width="stretch", height="content")
    st.caption(_("The z² gap does not depend on b. The ReLU gap has no short closed form, so it is computed "
                 "exactly by enumerating every mask. w ~ N(0, 1/d) and x ~ N(0, 1) are drawn from the seed."))
    sweep = res["sweep"]
    sq, relu = st.columns(2)
    keep_axis = _("keep q (drop rate p = 1 − q)")
    exact = _("exact enumeration")
    closed_sq = series("z²", _("closed form Var z"))
    sq_title = _("Gap for z² against q ({kind})").format(kind=kind_name)
    relu_title = _("Gap for ReLU against q ({kind})").format(kind=kind_name)
    sq_lines, sq_points = {closed_sq: sweep["closed_sq"]}, {series("z²", exact): (sweep["exact_sq"], None)}
    relu_points = {series("ReLU", exact): (sweep["exact_relu"], None)}
    # Each built once per language and mode (Plotly's validation); other units are filled into it.
    words = (presenter, lang, keep_axis, exact, closed_sq)
    sq_frame = figure_cache.figure("in_sweep_sq_frame", words, lambda: closed_vs_sampled(
        sweep["keep"], sq_lines, sq_points, x_title=keep_axis, y_title="E[z²] − (E z)²", presenter=presenter,
        lang=lang, title=sq_title))
    relu_frame = figure_cache.figure("in_sweep_relu_frame", words, lambda: closed_vs_sampled(
        sweep["keep"], {}, relu_points, x_title=keep_axis, y_title="E[ReLU z] − ReLU(E z)", presenter=presenter,
        lang=lang, title=relu_title))
    with sq:
        widgets.chart(figure_cache.figure("in_sweep_sq", (unit, keep_axis, exact, closed_sq, sq_title),
                                          lambda: refill_closed_vs_sampled(sq_frame, sweep["keep"], sq_lines,
                                                                           sq_points, title=sq_title)),
                      key="in_sweep_sq")
    with relu:
        widgets.chart(figure_cache.figure("in_sweep_relu", (unit, keep_axis, exact, relu_title),
                                          lambda: refill_closed_vs_sampled(relu_frame, sweep["keep"], {},
                                                                           relu_points, title=relu_title)),
                      key="in_sweep_relu")


@st.fragment
def flat_minima(presenter: bool) -> None:
    explain = _explanation(presenter)
    explain.markdown(_(
        "Dropout's noise keeps shaking the weights during training, which makes it hard to "
        "settle in a narrow valley of the loss. Walk away from the trained weights along random directions and "
        "see how fast the loss climbs. Directions are **filter-normalised** (Li et al., 2018): each unit's "
        "incoming weights move in proportion to their own length, so networks whose weights have different "
        "scales can be compared."))
    left, right = _stage(presenter)
    pair = pair_controls(left)
    n_dirs = draw_one(WIDGETS["n_dirs"], left)
    t_max = draw_one(WIDGETS["t_max"], left)
    split = draw_one(WIDGETS["split"], left)
    with right:
        try:
            res = landscape(pair, n_dirs, t_max, split)
        except ValueError as exc:
            widgets.error(exc)
            res = None
        except Stopped:  # its notice and a button to train after all are shown
            res = None
        if res is not None:
            names = (_("no dropout"), dropout_label(pair.keep), _("step t along a direction (t = 0: trained weights)"),
                     _("cross-entropy, train set") if split == "train" else _("cross-entropy, test set"),
                     _("Loss along random directions"))
            widgets.main_chart(figure_cache.figure(
                "in_landscape", (astuple(pair), n_dirs, t_max, split, presenter, names), lambda: compare_bands(
                    res["ts"], {names[0]: res["plain"], names[1]: res["dropout"]}, x_title=names[2],
                    y_title=names[3], presenter=presenter, title=names[4])))
            plain, drop = st.columns(2)
            climb = _("Mean loss at t = ±{t} minus the loss at t = 0.").format(t=f"{t_max:g}")
            plain.metric(_("No dropout: loss climbs by"), f"{res['plain_rise']:.3g}", help=climb)
            drop.metric(_("Dropout: loss climbs by"), f"{res['dropout_rise']:.3g}", help=climb)
            st.caption(_(
                "θ(t) = θ + t·d for {n_dirs} Gaussian directions d, each unit's part rescaled to the norm of that "
                "unit's weights (t = 1 moves every unit's weights by their own length); biases do not move. Both "
                "networks use the same Gaussian draws. Lines: mean over the directions; shaded: ± 1 standard "
                "deviation. \"Climbs by\": mean loss at t = ±{t} minus the loss at t = 0. Both networks are "
                "evaluated whole, without dropout.").format(n_dirs=n_dirs, t=f"{t_max:g}"))
    st.info(_("Flatness is a picture, not a proof: Dinh et al. (2017) showed that a sharp minimum can be "
              "reparametrised into a flat one computing the same function. Filter normalisation removes the "
              "simplest such rescaling, which is why it is used here."), icon=":material/explore:")
