"""The "Bagging and boosting" lesson on the page: its widget table, cached calls on plain scalars, layout and text."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from ...core import datasets
from ...core import ensemble_training as et
from ...ui import controls, figure_cache, layout, nav, progress, widgets  # noqa: F401  (nav: the frame every view sits in)
from ...ui.controls import Control
from ...ui.i18n import N_, _, current_language, keep_words
from . import experiment as ex
from . import figures

CONFIG = ex.CONFIG
DATASET_LABELS = ex.DATASET_LABELS
N_BAGS = CONFIG.n_bags
GRID = CONFIG.grid

# The lesson's controls: URL key, kind, label, default, range. The URL keys are those of every link ever made.
# The data-set options are their own labels and go into the link (bb_data=Two moons), so they stay English.
WIDGETS = {
    "dataset": Control("bb_data", "select", N_("Data set"), "Two moons", options=tuple(DATASET_LABELS)),
    "noise": Control("bb_noise", "slider", N_("Data noise (jitter std)"), CONFIG.noise, lo=0.0, hi=0.5, step=0.05,
                     help=N_("Standard deviation of the Gaussian jitter added to every point.")),
    "keep": Control("bb_keep", "keep", N_("Keep q of the hidden units (dropout and boosting)"), CONFIG.keep),
    "k": Control("bb_k", "slider", N_("Bagged networks averaged, k"), CONFIG.k, lo=1, hi=N_BAGS,
                 help=N_("{N_BAGS} bagged networks are trained once; moving k only changes how many are averaged.")),
    "width": Control("bb_width", "select", N_("Hidden units per layer (2 hidden layers)"), CONFIG.width,
                     options=(16, 32, 64)),
    "steps": Control("bb_steps", "select", N_("Training steps (Adam, batch 32)"), CONFIG.steps,
                     options=(500, 1000, 2000, 4000)),
    "seed": Control("bb_seed", "number", N_("Seed"), CONFIG.seed, lo=0, hi=10_000,
                    help=N_("Same seed: same data, initial weights, bootstrap samples, minibatches and masks.")),
}


@dataclass(frozen=True)
class BaggingControls:
    """The lesson's settings as plain values (the data set by its registry name)."""

    dataset: str
    noise: float
    keep: float
    k: int
    width: int
    steps: int
    seed: int

    @property
    def training(self) -> tuple:
        """What the training depends on (k only re-averages)."""
        return (self.dataset, self.noise, self.width, self.keep, self.steps, self.seed)


def draw_controls() -> BaggingControls:
    values = {}
    for name, c in WIDGETS.items():
        if name == "k":  # its help names the number of bagged networks
            values[name] = widgets.slider(_(c.label), c.key, c.lo, c.hi, c.default, c.step,
                                          help=_(c.help).format(N_BAGS=N_BAGS))
        else:
            values[name] = controls.draw_one(c)
    values["dataset"] = DATASET_LABELS[values["dataset"]]
    return BaggingControls(**values)


# --- cached calls (plain scalars in) ------------------------------------------------------------------------

TASK = "bb_train"  # the training's progress task (its Stop button: "bb_train_stop")
Stopped = progress.Stopped
TRAINING = N_("Training 13 networks without masks, and dropout and boosting with them")


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _ensemble_run(name: str, noise: float, width: int, keep: float, steps: int, seed: int) -> et.EnsembleRun:
    """All models for one setting; the number k of bagged networks averaged is not part of it."""
    what, unit = _(TRAINING), _("steps")
    report, clear = progress.bar(what, unit, scale=ex.ensemble_config(width).chunk)
    run = ex.run(ex.experiment_key(seed), name, noise, width, keep, steps, seed=seed, on_progress=report)
    clear()
    return run


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _results(name: str, noise: float, width: int, keep: float, steps: int, seed: int, k: int) -> ex.Result:
    """The numbers the page shows for k averaged bagged networks."""
    run = _ensemble_run(name, noise, width, keep, steps, seed)
    return ex.summarise(run, k, n_train=len(run.y_train))


def results(c: BaggingControls) -> ex.Result:
    """The page's numbers, the networks trained first where they are not yet (under a progress bar with a Stop
    button); raises Stopped after a Stop (with a notice and a button to train after all on the page).

    One cached call a run: the trained networks (every model's predictions at every evaluation, hundreds of kB)
    are copied out of their cache only when a k not seen before is summarised, not on every run."""
    settings = c.training
    what = _("training the networks")
    shown = _("Nothing is shown until they are trained. The controls keep their values; change one, or press "
              "the button, to train again.")
    again = _("Train them after all")
    return progress.stoppable(TASK, settings, lambda: _results(*settings, c.k), what=what, shown=shown, again=again)


@st.cache_resource(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _figures(training: tuple, k: int, lang: str, presenter: bool) -> dict:
    """The page's three figures for one setting, built once and shared: a value seen before (k back to 8, the
    class on the same settings) costs no Plotly work, which is most of a run's server time once the networks
    are trained (scripts/action_costs.py). The figures are never changed after: widgets.chart copies one before
    it changes anything (presenter mode)."""
    res = _results(*training, k)
    s = res.summary
    labels = model_labels(k)
    name, noise, _width, _keep, _steps, seed = training
    curves = {label: {"train": s.train_loss[i], "test": s.test_loss[i]} for i, label in enumerate(labels)}
    ds = ex.data(name, noise, seed)
    xs, ys, _grid = datasets.surface_grid(GRID)
    panels = [{"probs": s.grid_probs[i].reshape(GRID, GRID, -1), "title": label, "x_train": ds.x_train,
               "y_train": ds.y_train} for i, label in enumerate(labels)]
    return {"errors": figures.errors(labels, s.test_error, res.n_test, lang, presenter),
            "curves": figures.curves(s.eval_steps, curves, lang, presenter),
            "surfaces": figures.surfaces(panels, xs, ys, lang, presenter)}


# --- tables (the words in the reader's language; the numbers formatted here) --------------------------------

def model_labels(k: int) -> list[str]:
    """Names of the four models, in ex.MODELS order (they are also the legend's and the colours' keys)."""
    return ["no dropout", f"bagging, k = {k}", "dropout", "dropout boosting"]


def power_of_two(d: int) -> str:
    """'2' with d as a superscript, e.g. 2⁶⁴."""
    return "2" + widgets.superscript(int(d))


def model_table(res: ex.Result) -> list[dict]:
    s = res.summary
    averaged = ["1", str(res.k), power_of_two(res.d), power_of_two(res.d)]
    return [{
        _("model"): label,
        _("test error"): f"{s.test_error[i]:.1%}",
        _("test loss"): f"{s.test_loss[i, -1]:.3f}",
        _("train loss"): f"{s.train_loss[i, -1]:.3f}",
        _("full net test error"): "—" if np.isnan(s.ws_test_error[i]) else f"{s.ws_test_error[i]:.1%}",
        _("predictors"): averaged[i],
        _("parameters"): f"{s.n_params[i]:,}",
        _("memory"): f"{s.memory_bytes[i] / 1024:.1f} KiB",
    } for i, label in enumerate(model_labels(res.k))]


def member_names(k: int) -> tuple[str, str]:
    return _("{k} bagged networks").format(k=k), _("{k} dropout subnetworks").format(k=k)


def ambiguity_row(label: str, a) -> dict:
    return {_("members"): label, _("individual error"): f"{a.individual:.5f}",
            _("ensemble error"): f"{a.ensemble:.5f}", _("gain (measured)"): f"{a.gain:.5f}",
            "(T−1)/(2T) · D": f"{a.predicted_gain:.5f}", _("difference"): f"{a.gain - a.predicted_gain:+.1e}"}


def vote_row(label: str, v) -> dict:
    return {_("members"): label, _("mean member error"): f"{v.individual:.4f}",
            _("majority-vote error"): f"{v.ensemble:.4f}", _("gain (measured)"): f"{v.gain:+.4f}",
            _("(T−1)/(2T) · disagreement"): f"{v.predicted_gain:.4f}",
            _("difference"): f"{v.gain - v.predicted_gain:+.4f}"}


def counterexample_tables() -> tuple[list[dict], dict]:
    """The three-voter counterexample as a table of votes, and its check."""
    labels, vote, y, check = ex.vote_counterexample()

    def row(name, values):
        return {_("point"): name, **{str(j + 1): int(v) for j, v in enumerate(values)}}

    rows = [row(_("voter {name}").format(name=chr(65 + i)), labels[i]) for i in range(len(labels))]
    rows += [row(_("majority vote"), vote), row(_("true label"), y)]
    return rows, vote_row(_("the three voters"), check)


# --- the page -----------------------------------------------------------------------------------------------

def render(presenter: bool) -> None:
    lang = current_language()
    # Presenter mode: a short title, the controls beside the main figure, the explanation folded below them.
    st.title(_("Bagging and boosting") if presenter else _("Bagging, dropout and dropout boosting"))
    stage, about = layout.figure_first(presenter)
    about.markdown(_("Three ways to average many networks, trained on the same 2-D task:\n- **Bagging**: k networks with "
                  "their own weights, each trained (without dropout) on its own *bootstrap sample* — as many points as "
                  "the training set, drawn from it with replacement. Predictions are averaged.\n- **Dropout**: one "
                  "network. Every step trains a few randomly thinned subnetworks, and they all *share* the same "
                  "weights, so the one network stands for 2ᵈ subnetworks (d droppable units).\n- **Dropout boosting** "
                  "(the control experiment of Warde-Farley et al., 2014): the *same* masks and the same shared weights "
                  "as dropout, but the loss rewards the subnetworks' **average** prediction instead of each "
                  "subnetwork's own. Only the objective differs; in Warde-Farley et al.'s experiments almost none of "
                  "the regularisation was left. Compare the numbers below."))

    left_col, top = stage.columns([1, 2.6], gap="large")
    with left_col:
        c = draw_controls()
    widgets.show_url_notices()

    try:
        res = results(c)
    except ValueError as exc:
        with stage:
            widgets.error(exc)
        st.stop()
    except Stopped:  # its notice and a button to train after all are on the page
        st.stop()
    s = res.summary
    figs = _figures(c.training, c.k, lang, presenter)

    with top:
        widgets.chart(figs["errors"], key=layout.MAIN_FIGURE_KEY)
        st.caption(_("Trained on {n_train} points for {steps:,} steps. Dropout and dropout boosting: {keep_text} on "
                     "the hidden units (inputs kept), inverted dropout, {n_masks} masks per example per step; they "
                     "predict with the arithmetic mean of {eval_masks} sampled subnetworks. Bagging predicts with the "
                     "arithmetic mean of its k networks' class probabilities.").format(
            n_train=res.n_train, steps=c.steps, keep_text=keep_words(c.keep), n_masks=res.n_masks,
            eval_masks=res.eval_masks))

    widgets.table(model_table(res), interactive=True, width="stretch")
    if c.keep == 1.0:
        st.info(_("With keep q = 1 nothing is dropped: dropout and dropout boosting are the no-dropout network (same "
                  "start, same minibatches). Any difference late in a long run is floating-point rounding — the batch "
                  "sums run in another order — amplified by training."), icon="ℹ️")
    st.caption(_("Loss = mean cross-entropy. Full net test error: the one deterministic network with the weight "
                 "scaling rule (inverted dropout: the trained weights as they are) instead of sampled subnetworks. "
                 "One network has {n_params:,} weights and biases; bagging stores k copies, dropout one, from which "
                 "{subnetworks} subnetworks (d = {d} droppable hidden units) can be sampled. Memory counts the stored "
                 "parameters only (float32).").format(n_params=int(s.n_params[0]), subnetworks=power_of_two(res.d),
                                                      d=res.d))

    widgets.chart(figs["curves"], key="bb_curves")
    st.caption(_("A widening gap between a model's two lines is overfitting. Bagging's curve is the loss of the "
                 "average of its k networks at each step."))

    widgets.chart(figs["surfaces"], key="bb_surfaces")

    st.subheader(_("Why boosting loses the regularisation"))
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(_("**Dropout**: every sampled subnetwork must fit the example *by itself*."))
        st.latex(r"L_{\text{dropout}} = -\frac{1}{BM}\sum_{i=1}^{B}\sum_{m=1}^{M} "
                 r"\log p\left(y_i \mid x_i, \mu_{im}\right)")
    with right:
        st.markdown(_("**Dropout boosting**: only the *average* of the subnetworks must fit it."))
        st.latex(r"L_{\text{boost}} = -\frac{1}{B}\sum_{i=1}^{B} \log\Bigl(\frac{1}{M}\sum_{m=1}^{M} "
                 r"p\left(y_i \mid x_i, \mu_{im}\right)\Bigr)")
    st.markdown(_("B = 32 examples per step, M = {n_masks} masks μ per example, the same masks for both. Boosting "
                  "lets subnetworks specialise and cover for one another, like the members of a boosted ensemble, so "
                  "the shared weights may fit the training set as tightly as they can. Compare the training and test "
                  "losses of the two in the table: the randomness is the same, so what regularises dropout is asking "
                  "each subnetwork to be good on its own, as each bagged network must be.").format(
        n_masks=res.n_masks))

    st.subheader(_("The ambiguity decomposition"))
    st.markdown(_("Averaging T predictors f₁ … f_T into f̄ = (1/T) Σₜ fₜ and measuring squared error, for every "
                  "input:"))
    st.latex(r"\underbrace{\frac{1}{T}\sum_t (f_t - y)^2}_{\text{individual error}} - "
             r"\underbrace{(\bar f - y)^2}_{\text{ensemble error}} = \frac{1}{T}\sum_t (f_t-\bar f)^2 "
             r"= \frac{T-1}{2T}\,\underbrace{\frac{1}{T(T-1)}\sum_{s\neq t}(f_s-f_t)^2}_{D\text{: mean pairwise "
             r"disagreement}}")
    st.markdown(_("It is an identity — no independence or accuracy assumption — but it needs **squared error**, a "
                  "**uniform arithmetic mean** of the members' outputs, and one target y for all of them. The "
                  "ensemble is never worse than its average member, and the more the members disagree the more it "
                  "gains. Here fₜ are class probabilities, y the one-hot label, squared error summed over the classes "
                  "(the Brier score), averaged over the test points."))
    if res.ambiguity is not None:
        bagged, subnets = member_names(c.k)
        widgets.table([ambiguity_row(bagged, res.ambiguity[0]), ambiguity_row(subnets, res.ambiguity[1])],
                     interactive=True, width="stretch")
        st.caption(_("Gain measured as individual minus ensemble error; (T−1)/(2T)·D computed pair by pair. The "
                     "difference is floating-point rounding. Dropout subnetworks: k masks sampled from the trained "
                     "dropout network (inverted scaling), each predicting on its own."))
        st.markdown(_("**It fails for a majority vote with 0–1 error.** The same members, voting on class labels:"))
        widgets.table([vote_row(bagged, res.votes[0]), vote_row(subnets, res.votes[1])], interactive=True,
                     width="stretch")
        st.caption(_("Disagreement = fraction of test points where two members' labels differ, averaged over pairs. "
                     "Ties go to the smaller class label."))
    else:
        st.info(_("The decomposition needs at least two members: set k ≥ 2."), icon="ℹ️")
    rows, check = counterexample_tables()
    st.markdown(_("A vote can even be **worse** than every voter: each voter below errs on two of five points (error "
                  "0.4), but two of them err together on three points, so the vote's error is 0.6."))
    left, right = st.columns([1, 2.2], gap="large")
    widgets.table(rows, interactive=True, container=left, width="stretch")
    widgets.table([check], interactive=True, container=right, width="stretch")
    right.caption(_("Votes on five points whose true label is 1. The squared-error identity would promise a gain of "
                    "(T−1)/(2T)·disagreement > 0; the vote loses 0.2 instead."))
