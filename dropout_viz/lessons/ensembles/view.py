"""The ensemble lesson on a page: the average of many subnetworks against one weight-scaled network, and when
they agree.

Every cached function takes plain values (a ModelSpec is a tuple of scalars and tuples). Results are st.cache_data
(NumPy, copied per caller), so a class opening the same link shares one training run and one enumeration. Figures
are st.cache_resource (shared, never mutated; one per language): building a Plotly figure costs more than most of
the computations behind it, so a slider rebuilds only the figures that depend on it.

Only trained() (and the exact ensemble and the convergence run, which show their own bars) look a model up: the
functions after it take it as ``_model`` (not hashed; the spec in the key names it). A cached function replays
the elements made while it ran, so one that called trained() inside would resend its progress bar, every update
of it, on every run that hits the cache.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import streamlit as st

from ...core import ensembles
from ...core.ensembles import ModelSpec, droppable_units, first_k_below
from ...core.masks import MAX_EXACT_UNITS
from ...ui import figure_cache, layout, progress, widgets
from ...ui.controls import Control, draw, draw_one
from ...ui.i18n import N_, _, current_language, keep_words
from . import experiment as ex
from . import figures as fig

# --- the lesson's controls: one table of URL keys, kinds, ranges and defaults (the keys are the links' own) -------

WIDGETS = {
    "dataset": Control("e_data", "select", N_("Data set"), "moons", options=ex.DATASETS),
    "arch": Control("e_arch", "select", N_("Network (ReLU)"), "2-8-8-2", options=tuple(ex.ARCHITECTURES)),
    "keep_h": Control("e_keep_h", "keep", N_("Keep q of the hidden units"), 0.8, lo=0.1),
    "keep_in": Control("e_keep_in", "keep", N_("Keep q of the inputs"), 1.0, lo=0.1),
    "steps": Control("e_steps", "select", N_("Training steps (Adam, batch 32)"), 2000, options=ex.STEPS),
    "seed": Control("e_seed", "number", N_("Seed"), 0, lo=0, hi=10_000,
                    help=N_("Data, initial weights, training masks and test-time masks all follow from it.")),
    "exact_big": Control("e_exact_big", "toggle", N_("Enumerate all 2{sup} anyway"), False,
                         help=N_("Above 2¹⁶ subnetworks an exact ensemble takes a while; a progress bar shows how "
                                 "far.")),
    "k": Control("e_k", "slider", N_("Monte Carlo: number of sampled masks k"), 20, lo=1, hi=ex.K_MAX,
                 help=N_("The first k masks of one fixed sequence: moving k adds or removes masks at the end, it "
                         "never redraws the others.")),
    # The difference's second default depends on whether the exact ensembles are shown (see predictions_tab).
    "diff_a": Control("e_diff_a", "select", N_("Difference: first"), "MC arithmetic", options=ex.PREDICTORS),
    "diff_b": Control("e_diff_b", "select", N_("minus second"), "exact arithmetic", options=ex.PREDICTORS),
    "where": Control("e_where", "radio", N_("Measure the distance over the"), "grid", options=("grid", "test points"),
                     horizontal=True,
                     help=N_("grid: the 60 × 60 points of the pictures; test points: held-out data")),
    "case": Control("e_case", "radio", N_("Model"), "softmax regression", options=tuple(ex.CASES)),
    "act": Control("e_act", "select", N_("Hidden activation of the networks"), "relu", options=("relu", "tanh")),
    "norm": Control("e_norm", "toggle", N_("Normalise each row to sum 1"), False),
    "reg_keep": Control("e_reg_keep", "keep", N_("Keep q of the regression net's hidden units"), 0.8, lo=0.1),
    "passes": Control("e_passes", "slider", N_("Passes T with dropout on"), 100, lo=2, hi=1000),
}
TAB_KEY = "e_tab"
VOTES_KEY = "e_votes"  # the voting table, in the link as "0.49,0.51;0.49,0.51;0.99,0.01"
# The tab titles are also the link's values (e_tab=Voting+vs+averaging), so they stay English in every language;
# in another language a line above the tabs says what each one holds.
TABS = (N_("Five predictions"), N_("How many masks?"), N_("When is it exact?"), N_("Voting vs averaging"),
        N_("Uncertainty (MC dropout)"))


@dataclass(frozen=True)
class EnsembleControls:
    """The main classifier's controls and the Monte Carlo k, as plain values."""

    dataset: str
    arch: str
    keep_h: float
    keep_in: float
    steps: int
    seed: int
    k: int

    def spec(self) -> ModelSpec:
        return ex.classifier_spec(self.dataset, self.seed, self.arch, self.keep_in, self.keep_h, self.steps)


# --- cached calls on plain values -------------------------------------------------------------------------------


def training_spinner():
    """The spinner around calls that may train a model (trained() itself shows none: its text has a language)."""
    return st.spinner(_("Training the network (the first visitor with these settings waits a few seconds; everyone "
                        "after gets it from the cache)…"))


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def trained(spec: ModelSpec) -> ensembles.TrainedModel:
    """The trained model of a spec, with a progress bar (replayed on a cache hit)."""
    report, clear = progress.bar((_("Training the network")), (_("steps")), scale=100)
    model = ex.train(ex.key(spec.seed, ex.TRAIN), spec, on_progress=report)
    clear()
    return model


def trained_or_stopped(spec: ModelSpec) -> ensembles.TrainedModel:
    """The page's model under a progress bar with a Stop button; raises Stopped after a Stop (its notice and a
    button to train after all are then on the page)."""
    return progress.stoppable(
        "e_train", spec, lambda: trained(spec), what=(_("training the network")),
        shown=(_("Nothing is shown until it is trained. The controls keep their values; change one, or press "
                      "the button, to train again.")),
        again=(_("Train it after all")))


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def weight_scaled(spec: ModelSpec, _model: ensembles.TrainedModel) -> np.ndarray:
    return ex.weight_scaled(_model)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def exact(spec: ModelSpec, _model: ensembles.TrainedModel):
    """Exact arithmetic and geometric ensembles, with a progress bar if big.

    The bar is made inside the cached function, so a cache hit replays it (created, then emptied) instead of
    referring to an element of another run; its text is in the language of whoever computed it first.
    """
    model = _model
    d = droppable_units(spec)
    report, clear = None, None
    if 2**d > ex.PROGRESS_ABOVE:
        report, clear = progress.bar(
            (_("Enumerating all 2{sup} = {n} subnetworks, block by block").format(sup=widgets.superscript(d),
                                                                                        n=f"{2**d:,}")),
            (_("blocks")))
    ens = ex.exact(model, on_progress=report)
    if clear is not None:
        clear()
    return ens


Stopped = progress.Stopped
EXACT_TASK = "e_exact_run"  # the exact ensemble's progress task (its Stop button: "e_exact_run_stop")
EXACT_STOPPED = "_e_exact_stopped"  # session state: the spec whose exact ensemble was stopped


def _exact_stopped(spec: ModelSpec) -> None:
    """Stop callback: this spec's exact ensemble is off until asked for again (or the settings change)."""
    st.session_state[EXACT_STOPPED] = spec


def _exact_again() -> None:
    st.session_state.pop(EXACT_STOPPED, None)
    progress.forget(EXACT_TASK)


def exact_if_wanted(spec: ModelSpec, with_exact: bool, model: ensembles.TrainedModel) -> bool:
    """Computes the exact ensemble now, under a progress bar and a Stop button when it is big, so that the tabs get
    it from the cache; returns whether the page shows exact ensembles (not after a Stop).

    After a Stop the page shows a notice and the Monte Carlo and weight-scaled panels; a button, or any change of
    the network's settings, starts the enumeration again.
    """
    if not with_exact:
        return False
    if st.session_state.get(EXACT_STOPPED) == spec:
        d = droppable_units(spec)
        progress.stopped_notice(
            EXACT_TASK, (_("the exact ensemble over 2{sup} subnetworks").format(sup=widgets.superscript(d))),
            (_("The panels show the weight-scaled network and Monte Carlo only; the controls keep their "
                     "values.")))
        st.button(_("Enumerate them after all"), key="e_exact_again", on_click=_exact_again)
        return False
    st.session_state.pop(EXACT_STOPPED, None)
    if 2 ** droppable_units(spec) > ex.PROGRESS_ABOVE:
        progress.guarded(EXACT_TASK, lambda: exact(spec, model), on_stop=_exact_stopped, args=(spec,))
    return True


@st.cache_data(max_entries=256, show_spinner=False)
def monte_carlo(spec: ModelSpec, k: int, _model: ensembles.TrainedModel):
    return ex.monte_carlo(ex.key(spec.seed, ex.MASKS, 0), _model, k)


def panels(spec: ModelSpec, k: int, model: ensembles.TrainedModel, ens) -> ex.Panels:
    """Weight-scaled, Monte Carlo (k masks) and, if given, exact predictions (each from a cached call)."""
    return ex.panels(model, weight_scaled(spec, model), monte_carlo(spec, k, model), ens)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def strip(spec: ModelSpec, _model: ensembles.TrainedModel) -> ex.Strip:
    return ex.strip(ex.key(spec.seed, ex.MASKS, 0), _model)


def convergence(spec: ModelSpec, model: ensembles.TrainedModel) -> ex.ConvergenceView:
    """_convergence under a progress bar with a Stop button; raises Stopped after a Stop (its notice and a button
    to start again are then on the page)."""
    return progress.stoppable(
        "e_conv", spec, lambda: _convergence(spec, model, exact(spec, model), weight_scaled(spec, model)), what=(_("following the Monte Carlo sequences")),
        shown=(_("The convergence charts need all of them, so none is shown. The controls keep their values; "
                      "change one, or press the button, to start again.")),
        again=(_("Follow them after all")))


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _convergence(spec: ModelSpec, _model: ensembles.TrainedModel, _ens, _ws) -> ex.ConvergenceView:
    model, ens, ws = _model, _ens, _ws
    report, clear = progress.bar(
        (_("Following {n} sequences of {k} sampled masks").format(n=ex.N_SEQUENCES, k=f"{ex.K_MAX:,}")),
        (_("sequences")))
    conv = ex.convergence(ex.sequence_keys(spec.seed), model, ens, ws, on_progress=report)
    clear()
    return conv


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def case_view(spec: ModelSpec, _model: ensembles.TrainedModel, _ens) -> ex.CaseView:
    return ex.case_view(_model, weight_scaled(spec, _model), _ens)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def regression(seed: int, keep: float, passes: int, _model: ensembles.TrainedModel) -> ex.RegressionView:
    """_model: trained(ex.regression_spec(seed, keep))."""
    return ex.regression(ex.key(seed, ex.MASKS, 0), _model, passes)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def uncertainty(spec: ModelSpec, passes: int, _model: ensembles.TrainedModel) -> dict:
    return ex.uncertainty(ex.key(spec.seed, ex.MASKS, 0), _model, weight_scaled(spec, _model), passes)


# --- figures: shared read-only objects, one per language ------------------------------------------------------


@st.cache_resource(max_entries=256, show_spinner=False)
def surfaces_figure(spec: ModelSpec, k: int, with_exact: bool, presenter: bool, lang: str, _model, _ens):
    model = _model
    return fig.surfaces(panels(spec, k, model, _ens), droppable_units(spec), k, x_train=model.x_train,
                        y_train=model.y_train, presenter=presenter, lang=lang)


@st.cache_resource(max_entries=256, show_spinner=False)
def difference_figure(spec: ModelSpec, k: int, with_exact: bool, a: str, b: str, presenter: bool, lang: str,
                      _view: ex.Panels):
    diff, _tv_grid, _tv_test = ex.difference(_view, a, b)
    xs, ys, _pts = ex.grid()
    return fig.difference(xs, ys, diff, a, b, presenter=presenter, lang=lang)


@st.cache_resource(max_entries=figure_cache.SETTINGS, show_spinner=False)
def strip_figure(spec: ModelSpec, presenter: bool, lang: str, _model):
    xs, ys, _pts = ex.grid()
    return fig.strip(xs, ys, strip(spec, _model), presenter=presenter, lang=lang)


@st.cache_resource(max_entries=256, show_spinner=False)
def convergence_figures(spec: ModelSpec, where: str, k: int, presenter: bool, lang: str, _conv):
    """(distance chart, accuracy chart) of convergence()'s result."""
    return fig.convergence(_conv, where, k, presenter=presenter, lang=lang)


@st.cache_resource(max_entries=figure_cache.SETTINGS, show_spinner=False)
def case_figures(spec: ModelSpec, description: str, presenter: bool, lang: str, _cv):
    xs, ys, _pts = ex.grid()
    return fig.case(xs, ys, _cv, description, presenter=presenter, lang=lang)


@st.cache_resource(max_entries=256, show_spinner=False)
def vote_figure(rows: tuple, normalise: bool, presenter: bool, lang: str):
    return fig.votes(ex.votes(rows, normalise), presenter=presenter, lang=lang)


@st.cache_resource(max_entries=figure_cache.SETTINGS, show_spinner=False)
def regression_figure(seed: int, keep: float, passes: int, presenter: bool, lang: str, _model):
    return fig.regression(regression(seed, keep, passes, _model), keep, passes, presenter=presenter, lang=lang)


@st.cache_resource(max_entries=figure_cache.SETTINGS, show_spinner=False)
def uncertainty_figure(spec: ModelSpec, passes: int, presenter: bool, lang: str, _model):
    model = _model
    xs, ys, _pts = ex.grid()
    return fig.uncertainty(xs, ys, uncertainty(spec, passes, model), passes, x_train=model.x_train, y_train=model.y_train,
                           presenter=presenter, lang=lang)


# --- text ---------------------------------------------------------------------------------------------------

DERIVATIONS = {
    "softmax": [
        r"z(m)=W^\top\!\big(\tfrac{m}{q}\odot v\big)+b"
        r"\quad\text{(logits of subnetwork } m\text{; inverted dropout, } m_j\sim\text{Bernoulli}(q))",
        r"\sum_m p(m)\log\operatorname{softmax}(z(m))_y=\sum_m p(m)\,z_y(m)"
        r"\;-\;\underbrace{\sum_m p(m)\log\sum_{y'}e^{z_{y'}(m)}}_{\text{the same for every class }y}",
        r"P_{\text{geo}}(y\mid v)=\operatorname{softmax}\Big(\sum_m p(m)\,z(m)\Big)_y"
        r"\quad\text{(renormalising over } y \text{ removes the common term)}",
        r"\sum_m p(m)\,z(m)=W^\top\!\big(\tfrac{\mathbb{E}[m]}{q}\odot v\big)+b=W^\top v+b"
        r"\quad\text{since }\mathbb{E}[m_j]=q",
        r"\Rightarrow\;P_{\text{geo}}(y\mid v)=\operatorname{softmax}(W^\top v+b)_y"
        r"\quad\text{: the full network, i.e. the weight-scaled one}",
    ],
    "sigmoid": [
        r"P(y=1\mid v,m)=\sigma(z(m)),\qquad z(m)=w^\top\!\big(\tfrac{m}{q}\odot v\big)+b",
        r"P_{\text{geo}}(1\mid v)=\frac{e^{\mathbb{E}\log\sigma(z)}}{e^{\mathbb{E}\log\sigma(z)}"
        r"+e^{\mathbb{E}\log\sigma(-z)}}=\sigma\big(\mathbb{E}[\log\sigma(z)-\log\sigma(-z)]\big)"
        r"=\sigma\big(\mathbb{E}[z]\big)",
        r"\text{because }\log\sigma(z)-\log\sigma(-z)=z,\qquad \mathbb{E}_m[z(m)]=w^\top v+b"
        r"\;\Rightarrow\;P_{\text{geo}}(1\mid v)=\sigma(w^\top v+b)",
    ],
    "last": [
        r"P_{\text{geo}}(y\mid x)=\operatorname{softmax}\big(\mathbb{E}_m[z(m)]\big)_y"
        r"\quad\text{(as for softmax regression)}",
        r"z(m)=W_3^\top\!\big(\tfrac{m}{q}\odot h_2(x)\big)+b_3\;\Rightarrow\;\mathbb{E}_m[z(m)]=W_3^\top h_2(x)+b_3",
    ],
    "all": [
        r"P_{\text{geo}}(y\mid x)=\operatorname{softmax}\big(\mathbb{E}_m[z(m)]\big)_y"
        r"\quad\text{(as for softmax regression)}",
        r"a(m_1)=W_2^\top\!\big(\tfrac{m_1}{q}\odot h_1\big)+b_2,\qquad \mathbb{E}[a]=W_2^\top h_1+b_2,"
        r"\qquad \mathbb{E}\big[\phi(a)\big]\;\ne\;\phi\big(\mathbb{E}[a]\big)",
    ],
}
EXPLANATIONS = {
    "softmax": N_("With standard dropout (no 1/q while training) the same steps give softmax(Wᵀ(q v) + b): multiply "
                  "the weights by q. The textbook's case q = ½ has p(m) = 2⁻ⁿ, so the product of powers is the 2ⁿ-th "
                  "root of the product, and the rule halves the weights. The arithmetic mean gets no such identity: "
                  "the average of softmaxes is not the softmax of the average."),
    "sigmoid": N_("Expectations are over masks, weighted by p(m). The normalised geometric mean is the sigmoid of the "
                  "expected input; the arithmetic mean E[σ(z)] is not σ(E[z]), because σ is not linear."),
    "last": N_("Only the last hidden layer is dropped, and the logits are linear in its mask: the geometric ensemble "
               "of this nonlinear network is the weight-scaled network **exactly**, whatever the activation. The "
               "arithmetic ensemble still differs."),
    "all": N_("Now the first hidden layer is dropped too, and a nonlinearity φ follows it. The pre-activation a of the "
              "second layer is still affine in the mask, so its average is the weight-scaled pre-activation, but the "
              "average of φ(a) is not φ of the average. For a convex φ such as ReLU, **Jensen's inequality** says "
              "E[φ(a)] ≥ φ(E[a]): averaged over masks, the second layer's activations are larger than those of the "
              "weight-scaled network. That gap travels to the logits, and the rule becomes an approximation. (tanh is "
              "neither convex nor concave: its gap has either sign.)"),
}
DESCRIPTIONS = {
    "softmax": N_("Softmax regression, dropout on its inputs"),
    "sigmoid": N_("One sigmoid unit, dropout on its inputs"),
    "last": N_("Network, dropout on the last hidden layer only"),
    "all": N_("Network, dropout on both hidden layers"),
}


# --- the page -------------------------------------------------------------------------------------------------


def intro(title: bool = True) -> None:
    if title:
        st.title(_("The ensemble against the weight-scaled network"))
    st.markdown(_("Training with dropout trains a whole family of networks at once: every way of switching off some "
                  "of the d droppable units is a *subnetwork*, there are 2ᵈ of them, and they all share one set of "
                  "weights. At test time we would like their **average** prediction. The **weight scaling rule** "
                  "says one forward pass of the full network comes close: with standard dropout you multiply each "
                  "layer's outgoing weights by its keep probability q; with **inverted dropout** (used throughout "
                  "this app: kept units are scaled by 1/q while training) the trained network already *is* the "
                  "weight-scaled one. How close is close, and when is it exact?"))
    c1, c2 = st.columns(2)
    c1.latex(r"P_{\text{arith}}(y\mid x)=\sum_{m} p(m)\,P(y\mid x,m)")
    c2.latex(r"P_{\text{geo}}(y\mid x)=\frac{\prod_m P(y\mid x,m)^{p(m)}}{\sum_{y'}\prod_m P(y'\mid x,m)^{p(m)}}")
    st.latex(r"p(m)=\prod_j q_j^{m_j}(1-q_j)^{1-m_j}\quad\text{(unit } j \text{ kept with probability } q_j\text{)}")
    st.caption(_("Sums and products run over all 2ᵈ masks m of the droppable units (exact ensembles) or over k "
                 "sampled masks with weight 1/k each (Monte Carlo). With every q = 0.5, p(m) = 2⁻ᵈ and the geometric "
                 "mean is the textbook's 2ᵈ-th root of the product."))


def model_controls(presenter: bool = False) -> tuple[EnsembleControls, bool]:
    """The classifier's settings; returns (its controls without k, whether to show exact ensembles). In presenter
    mode they are stacked (in the page's side column)."""
    st.subheader(_("The trained model"))
    c1, c2, c3, c4 = [st.container()] * 4 if presenter else st.columns(4)
    values = {**draw(WIDGETS, c1, ("dataset", "arch")), **draw(WIDGETS, c2, ("keep_h", "keep_in")),
              **draw(WIDGETS, c3, ("steps", "seed"))}
    controls = EnsembleControls(**values, k=WIDGETS["k"].default)
    d = droppable_units(controls.spec())
    c4.metric(_("Subnetworks"), f"2{widgets.superscript(d)} = {2 ** d:,}",
              help=_("d = droppable units (keep < 1). Every subset of them that is switched off is one subnetwork."))
    big = False
    if ex.AUTO_EXACT_UNITS < d <= MAX_EXACT_UNITS:
        c = WIDGETS["exact_big"]
        big = draw_one(c, c4, label=_(c.label).format(sup=widgets.superscript(d)))
    return controls, d <= ex.AUTO_EXACT_UNITS or big


def predictions_tab(spec: ModelSpec, k: int, with_exact: bool, presenter: bool, lang: str,
                    model: ensembles.TrainedModel) -> None:
    stage, about = layout.figure_first(presenter)
    about.markdown(_("The same trained network predicts five ways. Equal colours mean equal P(class 1) in every panel."))
    with stage:
        ens = exact(spec, model) if with_exact else None
        widgets.chart(surfaces_figure(spec, k, with_exact, presenter, lang, model, ens), key=layout.MAIN_FIGURE_KEY)
    view = panels(spec, k, model, ens)
    left, right = st.columns([1, 2], gap="large")
    a = draw_one(WIDGETS["diff_a"], left)
    b = draw_one(dataclasses.replace(WIDGETS["diff_b"], default="exact arithmetic" if with_exact else "weight-scaled"),
                 left)
    missing = [n for n in (a, b) if n not in view.surfaces]
    if missing:
        left.warning(_("{name} is not available for this network (see the note on exact ensembles above).").format(
            name=missing[0]))
    else:
        _diff, tv_grid, tv_test = ex.difference(view, a, b)
        left.metric(_("Mean total variation, grid"), f"{tv_grid:.4f}")
        left.metric(_("Mean total variation, test points"), f"{tv_test:.4f}")
        left.caption(_("Total variation between two predictions at a point: ½ Σ_c |P₁(c) − P₂(c)|, with two classes "
                       "|ΔP(class 1)|. 0: identical; 1: certain of opposite classes. Averaged over the 60 × 60 grid "
                       "or over the test points."))
        with right:
            widgets.chart(difference_figure(spec, k, with_exact, a, b, presenter, lang, view), key="e_difference")
    widgets.chart(strip_figure(spec, presenter, lang, model), key="e_strip")
    st.caption(_("Each panel is one thinned network; its title counts the units it keeps in each dropped layer. "
                 "Single members disagree a lot, and a member with an empty layer (\"no path\") predicts the same "
                 "everywhere."))


def convergence_tab(spec: ModelSpec, k: int, with_exact: bool, presenter: bool, lang: str, side,
                    model: ensembles.TrainedModel) -> None:
    if not with_exact:
        st.info(_("The convergence charts measure the distance to the exact ensemble, so they need it (see above)."))
        return
    where = draw_one(WIDGETS["where"], side if presenter else st)
    try:
        conv = convergence(spec, model)
    except Stopped:  # its notice and a button to start again are shown
        return
    fig_tv, fig_acc = convergence_figures(spec, where, k, presenter, lang, conv)
    c1, c2 = st.columns(2)
    with c1:
        widgets.chart(fig_tv, key=layout.MAIN_FIGURE_KEY)
    with c2:
        widgets.chart(fig_acc, key="e_conv_acc")
    ws_tv = conv.tv_refs[where]["weight-scaled"]
    beat = first_k_below(conv.tv[where]["MC arithmetic"], ws_tv)
    acc_mc, acc_ws = conv.acc["MC arithmetic"].mean[-1], conv.acc_refs["weight-scaled"]
    st.markdown(_("Lines: the mean over {n} independent sequences of {k_max} masks; shaded: their range. Distance: "
                  "mean total variation ½ Σ_c |P(c) − P_exact arith(c)| over the {place}. The Monte Carlo geometric "
                  "mean converges to the exact *geometric* ensemble, so its distance levels off at the dotted *exact "
                  "geometric* line.").format(
        n=ex.N_SEQUENCES, k_max=f"{ex.K_MAX:,}", place=_("grid points") if where == "grid" else _("test points")))
    st.markdown(_("**What the literature found.** The Deep Learning book (§7.12) notes that 10–20 masks are often "
                  "enough for good accuracy. Warde-Farley et al. (2014) found the weight-scaled network more accurate "
                  "than Monte Carlo averages of up to 1,000 subnetworks; Gal and Ghahramani (2015) found "
                  "convolutional networks where about 20 samples beat weight scaling. It depends on the problem: read "
                  "the answer for this one off the charts."))
    closer = (_("the Monte Carlo arithmetic mean gets closer than that from about k = {k} on.").format(k=beat) if beat
              else _("the Monte Carlo arithmetic mean does not get closer within {k_max} masks.").format(
                  k_max=f"{ex.K_MAX:,}"))
    st.markdown(_("**Here:** the weight-scaled network is {tv} from the exact arithmetic ensemble; {closer} At k = "
                  "{k_max} its test accuracy is {acc_mc}, against {acc_ws} for weight scaling.").format(
        tv=f"{ws_tv:.3f}", closer=closer, k_max=f"{ex.K_MAX:,}", acc_mc=f"{acc_mc:.1%}", acc_ws=f"{acc_ws:.1%}"))


def exactness_tab(spec: ModelSpec, presenter: bool, lang: str, side=None) -> None:
    stage, about = layout.figure_first(presenter)
    about.markdown(_("The renormalised geometric mean depends on the subnetworks only through the p(m)-weighted **mean "
                  "of their logits**. So it equals the weight-scaled network exactly whenever the logits are an "
                  "affine function of the mask: when no nonlinearity sits between a dropped unit and the output. Four "
                  "models, all trained on the data above with {keep} on their dropped units; the networks have the "
                  "classifier's architecture (2-8-8-2 if it has one hidden layer).").format(
        keep=keep_words(spec.keep[-1])))
    if spec.keep[-1] == 1.0:
        (stage if presenter else about).info(_("With keep q = 1 nothing is dropped: every model below is its own single subnetwork, and all the "
                  "differences are zero. Lower the hidden keep q above to see the identities at work."))
    c1, c2 = (side, side) if presenter else about.columns([2, 1])
    case = ex.CASES[draw_one(WIDGETS["case"], c1)]
    act = draw_one(WIDGETS["act"], c2)
    with about:  # the derivation: above the maps, or folded below them in presenter mode
        if case in ("softmax", "sigmoid"):
            st.markdown(_("The linear models see nine fixed features of the point, x₁, x₂, x₁², x₁x₂, x₂², x₁³, x₁²x₂, "
                          "x₁x₂², x₂³ (so the boundary can bend), and dropout removes features: d = 9, 512 subnetworks."))
        for step, formula in enumerate(DERIVATIONS[case], 1):
            # Numbered on the left (a KaTeX \tag sits at the right edge and collides with wide formulas).
            st.latex(rf"\text{{({step})}}\qquad " + formula)
        explanation = _(EXPLANATIONS[case])
        if case in ("softmax", "sigmoid"):
            st.caption(explanation)
        else:
            st.markdown(explanation)
    try:
        with training_spinner():
            case_spec = ex.case_spec(case, spec, act)
            case_model = trained(case_spec)
            cv = case_view(case_spec, case_model, exact(case_spec, case_model))
    except ValueError as exc:
        widgets.error(exc)
        return
    with about:
        m1, m2, m3 = st.columns(3)
        m1.metric(_("Largest |P_geo − P_ws|"), f"{cv.max_geo_ws:.2g}",
                  help=_("Over the grid and the test points, in P(class 1). Float32 rounding is about 1e-7."))
        m2.metric(_("Largest |P_arith − P_ws|"), f"{cv.max_arith_ws:.2g}")
        m3.metric(_("Subnetworks enumerated"), f"2{widgets.superscript(cv.d)} = {2 ** cv.d:,}")
        if cv.jensen is not None:
            g, layer = cv.jensen.gap, cv.jensen.layer
            st.markdown(_("Measured on the grid, over all 2{sup} masks of the first dropped layer: E[φ(a)] − φ(E[a]) for "
                          "the {units} units of hidden layer {layer} ranges from {lo} to {hi} (mean {mean}); E[a] matches "
                          "the weight-scaled pre-activation to {error}.").format(
                sup=widgets.superscript(cv.spec.sizes[layer - 1]), units=g.shape[1], layer=layer, lo=f"{g.min():.3g}",
                hi=f"{g.max():.3g}", mean=f"{g.mean():.3g}", error=f"{cv.jensen.mean_preact_error:.1g}"))
    fig_surf, fig_diff = case_figures(cv.spec, _(DESCRIPTIONS[case]), presenter, lang, cv)
    with stage:
        widgets.chart(fig_surf, key=layout.MAIN_FIGURE_KEY)
        widgets.chart(fig_diff, key="e_case_diff")
        st.caption(_("Each map has its own colour range, set by its largest difference: a map of pure float "
                     "rounding (about 1e-7) looks as busy as a real gap, so read the number in its title."))


VOTE_COLUMNS = (N_("P(class 0)"), N_("P(class 1)"))


def voting_tab(presenter: bool, lang: str) -> None:
    stage, about = layout.figure_first(presenter)
    about.markdown(_("Three models, two classes: edit the table (add or delete rows for more models). A **majority "
                  "vote** only counts which class each model ranks first; the **averages** also weigh how sure each "
                  "model is."))
    c1, c2 = stage.columns([1, 2], gap="large")
    # The link holds the table (e_votes=0.49,0.51;...). It is read once per session, as the editor's starting
    # table: the editor keeps its edits on top of that, and every edit is written back to the link.
    if "_e_votes_base" not in st.session_state:
        base = ex.DEFAULT_VOTES
        if widgets.url_key(VOTES_KEY) in st.query_params:
            try:
                base = ex.rows_from_param(st.query_params[VOTES_KEY])
            except ValueError as exc:
                widgets.notice(_("{exc}; the default table is shown instead.").format(exc=exc))
        st.session_state["_e_votes_base"] = base
    base = st.session_state["_e_votes_base"]
    with c1:
        table = st.data_editor(
            {c: [row[i] for row in base] for i, c in enumerate(VOTE_COLUMNS)}, num_rows="dynamic",
            key=VOTES_KEY, width="stretch",
            column_config={c: st.column_config.NumberColumn(_(c), min_value=0.0, max_value=1.0, step=0.01,
                                                            format="%.2f")
                           for c in VOTE_COLUMNS})
        normalise = draw_one(WIDGETS["norm"])
    with c2:
        rows = ex.table_rows(table)
        param = ex.rows_to_param(rows)
        if param is None:
            st.query_params.pop(VOTES_KEY, None)
        elif st.query_params.get(VOTES_KEY) != param:
            st.query_params[VOTES_KEY] = param
        try:
            ex.votes(rows, normalise)
        except ValueError as exc:
            widgets.error(exc)
        else:
            widgets.chart(vote_figure(rows, normalise, presenter, lang), key=layout.MAIN_FIGURE_KEY)
    st.caption(_("Geometric mean of M models: (Π_i P_i(c))^(1/M), then divided by its sum over the classes. The "
                 "dropout ensembles on this page never vote: Monte Carlo averages arithmetically, and the weight "
                 "scaling rule approximates the geometric mean."))


def uncertainty_tab(spec: ModelSpec, presenter: bool, lang: str, side, model: ensembles.TrainedModel) -> None:
    stage, about = layout.figure_first(presenter)
    about.info(_("A different use of the same samples. In the other tabs the sampled subnetworks served to "
              "**approximate one prediction** (and the weight-scaled network does that in one pass). Here dropout "
              "stays switched on at test time and we keep the **spread** of the T predictions as a measure of "
              "uncertainty (Gal and Ghahramani, 2016). The weight-scaled network has no spread to offer."))
    c1, c2 = (side, side) if presenter else stage.columns(2)
    keep_r = draw_one(WIDGETS["reg_keep"], c1)
    passes = draw_one(WIDGETS["passes"], c2)
    with training_spinner():
        figure = regression_figure(spec.seed, keep_r, passes, presenter, lang,
                                   trained(ex.regression_spec(spec.seed, keep_r)))
    with stage:
        widgets.chart(figure, key=layout.MAIN_FIGURE_KEY)
    st.caption(_("The training points cover only −1.5 ≤ x ≤ 1.5. Outside, the thinned networks extrapolate in "
                 "different directions and the band widens: the model says it does not know."))
    widgets.chart(uncertainty_figure(spec, passes, presenter, lang, model), key="e_entropy")
    st.caption(_("Predictive entropy H[mean of the T predictions] is high near the boundary. The mutual information, "
                 "H[mean] − mean of the T entropies, is the part that comes from the subnetworks disagreeing with "
                 "each other rather than from each of them being unsure."))


def render(presenter: bool) -> None:
    """Draw the lesson (after nav.page_setup)."""
    lang = current_language()  # the figures' language (part of their cache keys)
    if presenter:  # figure first: the controls in a side column, the tabs beside them, the explanation folded
        st.title(_("Ensemble vs weight scaling"))
        side, main = layout.stage(True, controls_width=0.24)
        tab_side, model_side = side.container(), side.container()
        about = layout.explanation(True)
        with about:
            intro(title=False)
    else:
        intro()
        main = about = st.container()
        tab_side = model_side = None
    # Not a fragment: k's moves (and the model's) rerun the page. With k in a fragment, stepping it by keyboard
    # across its range (each step a new Monte Carlo run and figure) kept the app busy for minutes (test_extremes).
    with model_side or st.container():
        controls, with_exact = model_controls(presenter)
        controls = dataclasses.replace(controls, k=draw_one(WIDGETS["k"]))
    with main:
        _body(controls, with_exact, presenter, lang, about, tab_side)


def _body(controls, with_exact: bool, presenter: bool, lang: str, about, side) -> None:
    spec = controls.spec()
    d = droppable_units(spec)
    try:
        model = trained_or_stopped(spec)  # a progress bar with a Stop button while it trains
    except ValueError as exc:
        widgets.error(exc)
        widgets.show_url_notices()
        st.stop()
    except Stopped:  # its notice and a button to train after all are shown
        widgets.show_url_notices()
        st.stop()
    arch_text = "-".join(map(str, spec.sizes))
    about.caption(_("{arch} ReLU network on {dataset}, {keep_in} for the inputs and {keep_hidden} for the hidden units, "
                 "inverted dropout, {steps} steps. Test accuracy of the weight-scaled network: {acc} ({n} test "
                 "points).").format(arch=arch_text, dataset=spec.dataset, keep_in=keep_words(spec.keep[0]),
                                     keep_hidden=keep_words(spec.keep[-1]), steps=f"{spec.steps:,}",
                                     acc=f"{model.test_acc:.1%}", n=len(model.y_test)))
    if d > MAX_EXACT_UNITS:
        about.info(_("The exact ensembles would need all 2{sup} = {n} subnetworks; above 2{sup_max} that is too slow "
                  "for a lecture. Use the Monte Carlo panels: they approximate the same averages with k masks.").format(
            sup=widgets.superscript(d), n=f"{2 ** d:,}", sup_max=widgets.superscript(MAX_EXACT_UNITS)))
    elif not with_exact:
        about.info(_("Exact ensembles over 2{sup} subnetworks are computed on request (switch above).").format(
            sup=widgets.superscript(d)))
    if any(_(t) != t for t in TABS) and not presenter:
        st.caption(_("The tabs: {tabs}").format(
            tabs=" · ".join(_("**{tab}** ({name})").format(tab=t, name=_(t)) for t in TABS)))
    # Bound to the URL, so a link opens the same section; only the open tab runs its computation. Each open tab is
    # a fragment (outside presenter mode, where its controls sit in the page's side column, outside the tab):
    # moving one of its own controls reruns the tab only, and its figures come from the caches above.
    tab = widgets.tab_body if presenter else widgets.tab_fragment
    tabs = widgets.tabs(list(TABS), TAB_KEY)
    if tabs[0].open:
        with tabs[0]:
            tab(_predictions_section, spec, controls.k, with_exact, presenter, lang, model)
    if tabs[1].open:
        with tabs[1]:
            tab(_convergence_section, spec, controls.k, with_exact, presenter, lang, side, tabs[0].open, model)
    if tabs[2].open:
        with tabs[2]:
            tab(exactness_tab, spec, presenter, lang, side)
    if tabs[3].open:
        with tabs[3]:
            tab(voting_tab, presenter, lang)
    if tabs[4].open:
        with tabs[4]:
            tab(uncertainty_tab, spec, presenter, lang, side, model)
    widgets.show_url_notices()  # last: the notices box sits at the top, and widgets in the tabs add to it



def _predictions_section(spec: ModelSpec, k: int, with_exact: bool, presenter: bool, lang: str, model) -> None:
    with_exact = exact_if_wanted(spec, with_exact, model)  # big ones: a progress bar and a Stop button
    predictions_tab(spec, k, with_exact, presenter, lang, model)


def _convergence_section(spec: ModelSpec, k: int, with_exact: bool, presenter: bool, lang: str, side,
                         predictions_open: bool, model) -> None:
    if predictions_open:  # that tab has drawn the exact ensemble's notice and buttons (they have keys) this run
        with_exact = with_exact and st.session_state.get(EXACT_STOPPED) != spec
    else:
        with_exact = exact_if_wanted(spec, with_exact, model)
    convergence_tab(spec, k, with_exact, presenter, lang, side, model)


