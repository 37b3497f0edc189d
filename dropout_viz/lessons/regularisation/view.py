"""The "Dropout as regularisation" lesson on the page: its widget table, cached calls on plain scalars, the four
tabs and their text."""
from __future__ import annotations

from contextlib import nullcontext

from dataclasses import dataclass

import numpy as np
import streamlit as st

from ...core import datasets
from ...figures import style
from ...figures.charts import bar_compare
from ...figures.surfaces import decision_surfaces
from ...ui import controls, figure_cache, layout, nav, progress, widgets  # noqa: F401  (nav: the frame every view sits in)
from ...ui.controls import Control
from ...ui.i18n import N_, _, current_language, keep_words
from . import experiment as ex
from .figures import checked_curves, grouped_bars, histogram_panels, line_chart

CONFIG = ex.CONFIG
DATASET_LABELS = ex.DATASET_LABELS
GRID = CONFIG.grid
FORMS = {"inverted": True, "standard": False}

# The lesson's controls: URL key, kind, label, default, range. The URL keys are those of every link ever made.
# Options that are their own labels (data sets, dropout forms) go into the link as they are, so they stay English.
WIDGETS = {
    "keep": Control("rg_keep", "keep", N_("Keep probability q"), CONFIG.keep, lo=0.1),
    "form": Control("rg_form", "radio", N_("Dropout form"), "inverted", options=tuple(FORMS), horizontal=True,
                    help=N_("Inverted: kept inputs are multiplied by 1/q while training. Standard: kept inputs are "
                            "left as they are.")),
    "seed": Control("rg_seed", "number", N_("Seed"), CONFIG.seed, lo=0, hi=10_000,
                    help=N_("Same seed: same data, masks, initial weights and minibatches.")),
    # Linear regression
    "n_samples": Control("rg_samples", "select", N_("Monte Carlo samples"), 10_000, options=(1_000, 10_000, 100_000)),
    # Bias and variance
    "noise": Control("rg_noise", "slider", N_("Target noise σ"), 0.5, lo=0.0, hi=2.0, step=0.1),
    # Rival regularisers (and the data set, shared with the noise variants)
    "dataset": Control("rg_data", "select", N_("Data set"), "Two moons", options=tuple(DATASET_LABELS)),
    "l2": Control("rg_l2", "select", N_("L2 strength λ"), 0.01, options=(0.001, 0.003, 0.01, 0.03, 0.1),
                  help=N_("Adds (λ/2) Σ W² over the weight matrices (not the biases).")),
    "l1": Control("rg_l1", "select", N_("L1 strength λ"), 0.001, options=(0.0003, 0.001, 0.003, 0.01),
                  help=N_("Adds λ Σ |W| over the weight matrices (not the biases).")),
    "input_noise": Control("rg_input_noise", "slider", N_("Input noise σ"), 0.15, lo=0.0, hi=0.5, step=0.05,
                           help=N_("Gaussian noise N(0, σ²) added to each input coordinate at every step.")),
    "smoothing": Control("rg_smoothing", "slider", N_("Label smoothing s"), 0.1, lo=0.0, hi=0.3, step=0.05,
                         help=N_("Targets (1 − s)·one-hot + s/2.")),
    "steps": Control("rg_steps", "select", N_("Training steps (SGD with momentum 0.9)"), 4000,
                     options=(1000, 2000, 4000, 8000)),
    # Noise variants
    "noise_steps": Control("rg_noise_steps", "select", N_("Training steps (Adam, batch 32)"), 3000,
                           options=(1000, 2000, 3000, 6000)),
}
# Each tab's controls, in the order drawn (the tab's URL key is rg_tab; only the open tab draws and computes).
TAB_CONTROLS = {
    "Linear regression": ("keep", "form", "n_samples", "seed"),
    "Bias and variance": ("keep", "form", "noise", "seed"),
    "Rival regularisers": ("dataset", "keep", "l2", "l1", "input_noise", "smoothing", "steps", "seed"),
    "Noise variants": ("dataset", "keep", "noise_steps", "seed"),
}
# The tab titles go into the link (rg_tab=Bias and variance), so they stay English in both languages; in Chinese
# each tab opens with its Chinese name in bold.
TABS = list(TAB_CONTROLS)
COLUMNS = [1, 3]  # controls | results


@dataclass(frozen=True)
class RegularisationControls:
    """One tab's settings as plain values (None: not a control of that tab); the data set by registry name."""

    keep: float
    seed: int
    form: str | None = None
    n_samples: int | None = None
    noise: float | None = None
    dataset: str | None = None
    l2: float | None = None
    l1: float | None = None
    input_noise: float | None = None
    smoothing: float | None = None
    steps: int | None = None
    noise_steps: int | None = None

    @property
    def inverted(self) -> bool:
        return FORMS[self.form]


def draw_controls(tab: str, box) -> RegularisationControls:
    values = {name: controls.draw_one(WIDGETS[name], box) for name in TAB_CONTROLS[tab]}
    if "dataset" in values:
        values["dataset"] = DATASET_LABELS[values["dataset"]]
    return RegularisationControls(**values)


# --- cached calls (plain scalars in) ------------------------------------------------------------------------

Stopped = progress.Stopped


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _linear(keep: float, inverted: bool, n_samples: int, seed: int) -> ex.LinearResult:
    return ex.linear(ex.experiment_key(seed), keep, inverted, n_samples)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _bias_variance(inverted: bool, noise_std: float, keep: float, seed: int) -> ex.BiasVarianceResult:
    return ex.bias_variance(ex.experiment_key(seed), inverted, noise_std, keep)


def _bar(what: str, scale: int):
    text, unit = _(what), _("steps")
    return progress.bar(text, unit, scale=scale)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _rivals(name: str, keep: float, l2: float, l1: float, input_noise: float, smoothing: float, steps: int,
            seed: int) -> ex.RivalsResult:
    report, clear = _bar(N_("Training one network per regulariser"), CONFIG.rival_chunk)
    out = ex.rivals(ex.experiment_key(seed), name, keep, l2, l1, input_noise, smoothing, steps, seed=seed,
                    on_progress=report)
    clear()
    return out


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _noises(name: str, keep: float, steps: int, seed: int) -> ex.NoisesResult:
    report, clear = _bar(N_("Training under five kinds of noise"), CONFIG.noise_chunk)
    out = ex.noises(ex.experiment_key(seed), name, keep, steps, seed=seed, on_progress=report)
    clear()
    return out


STOPPED_WHAT = {"rivals": N_("training one network per regulariser"),
                "noises": N_("training under five kinds of noise")}


def _stoppable(task: str, which: str, settings: tuple, compute):
    """compute() under a progress bar with a Stop button; raises Stopped after a Stop (its notice and a button to
    train after all are on the page)."""
    what = _(STOPPED_WHAT[which])
    shown = _("Nothing is shown until they are trained. The controls keep their values; change one, or press "
              "the button, to train again.")
    again = _("Train them after all")
    return progress.stoppable(task, settings, compute, what=what, shown=shown, again=again)


def _rival_settings(c: RegularisationControls) -> tuple:
    return (c.dataset, c.keep, c.l2, c.l1, c.input_noise, c.smoothing, c.steps, c.seed)


def rivals(c: RegularisationControls) -> ex.RivalsResult:
    settings = _rival_settings(c)
    return _stoppable("rg_rivals", "rivals", settings, lambda: _rivals(*settings))


@st.cache_resource(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _rival_figures(settings: tuple, labels: tuple[str, ...], lang: str, presenter: bool):
    """The rival regularisers' decision surfaces and weight histograms (the tab's two largest figures: most of a
    run's server time once the networks are trained), built once per setting and shared. Never changed after:
    widgets.chart copies a figure before it changes anything (presenter mode)."""
    rv = _rivals(*settings)
    run = rv.run
    colors = style.model_colors(list(labels))
    xs, ys, _grid = datasets.surface_grid(GRID)
    surfaces = decision_surfaces(_panels(run.grid_probs, list(labels), rv.x_fit, rv.y_fit), xs=xs, ys=ys, cols=4,
                                 presenter=presenter, title=_(SURFACES_TITLE))
    hist = histogram_panels({labels[i]: run.weights[i] for i in (0, 2, 3)}, bins=60, x_title=_("weight value"),
                            y_title=_("count"), presenter=presenter, colors=colors,
                            title=_("Every weight of the final networks"))
    return surfaces, hist


def noises(c: RegularisationControls) -> ex.NoisesResult:
    settings = (c.dataset, c.keep, c.noise_steps, c.seed)
    return _stoppable("rg_noises", "noises", settings, lambda: _noises(*settings))


# --- words --------------------------------------------------------------------------------------------------

def form_text(inverted: bool) -> str:
    """The dropout form in the reader's language, e.g. "inverted (kept inputs × 1/q)"."""
    return _("inverted (kept inputs × 1/q)") if inverted else _("standard (kept inputs unscaled)")


PART_NAMES = {"bias²": N_("bias²"), "variance": N_("variance"), "noise": N_("noise"), "MSE": N_("MSE")}


def rival_labels(c: RegularisationControls) -> list[str]:
    """Names of the regularisers with their strengths, in et.REGULARISERS order (also the colours' keys)."""
    return ["baseline (none)", f"dropout q = {c.keep:.2g}", f"L2 λ = {c.l2:g}", f"L1 λ = {c.l1:g}", "early stopping",
            f"input noise σ = {c.input_noise:g}", f"label smoothing s = {c.smoothing:g}"]


def _panels(probs, labels, x, y) -> list[dict]:
    return [{"probs": probs[i].reshape(GRID, GRID, -1), "title": label, "x_train": x, "y_train": y}
            for i, label in enumerate(labels)]


def _errors_chart(labels, errors, n_test: int, presenter: bool, key: str | None, shown: tuple) -> None:
    """The test-error bars; key None: the tab's main figure. ``shown``: the settings the errors come from (the
    figure is kept per them, the labels, the language and the mode)."""
    # The main figure in presenter mode: one bar per row, so the long labels read across beside the controls.
    fig = figure_cache.figure("rg_errors", (key, shown, tuple(labels), presenter, current_language()),
                              lambda: bar_compare(labels, errors, y_title=_("test error"), fmt=".1%",
                                                  presenter=presenter,
                                                  title=_("Test error on {n_test} held-out points").format(
                                                      n_test=n_test),
                                                  horizontal=presenter and key is None))
    if key is None:
        widgets.main_chart(fig)
    else:
        widgets.chart(fig, key=key)


SURFACES_TITLE = N_("Predicted P(class 1); dots: training points")


# --- the frame: explanation, stage, main figure -------------------------------------------------------------

def _explanation(presenter: bool):
    """A tab's explanatory text: in place, or folded in presenter mode together with the page's introduction
    (one fold, so the figure keeps the first screen)."""
    return layout.explanation(presenter, _(INTRO))


def _stage(presenter: bool):
    """(controls, results) side by side: the lesson's own columns, or the presenter frame's stage."""
    return layout.stage(presenter) if presenter else st.columns(COLUMNS, gap="large")


# --- the tabs -----------------------------------------------------------------------------------------------

def linear_tab(presenter: bool) -> None:
    lang = current_language()
    explain = _explanation(presenter)
    explain.markdown(_("Drop the **inputs** of a linear model y ≈ Xw, mask mᵢⱼ ~ Bernoulli(q) for feature j of example i. "
                  "Averaged over the masks, the squared error is the ordinary one plus an L2 penalty with its own "
                  "coefficient cⱼ for each feature — larger for features with a larger spread."))
    explain.latex(r"\text{inverted: } \mathbb{E}_m\bigl\|y - X\bigl(\tfrac{m}{q}\odot w\bigr)\bigr\|^2 = \|y - Xw\|^2 "
             r"+ \sum_j \underbrace{\tfrac{1-q}{q}\textstyle\sum_i x_{ij}^2}_{c_j} w_j^2")
    explain.latex(r"\text{standard: } \mathbb{E}_m\bigl\|y - X(m\odot w)\bigr\|^2 = \|y - qXw\|^2 "
             r"+ \sum_j \underbrace{q(1-q)\textstyle\sum_i x_{ij}^2}_{c_j} w_j^2")
    explain.caption(_("Sum of squared errors over the n examples, no intercept (x and y centred), masks independent with "
                 "keep probability q. Fresh masks per example or one mask for all give the same expectation. The "
                 "minimiser of the expected loss is ridge regression with coefficients cⱼ; the standard form's "
                 "weights are the inverted ones divided by q, and equal after test-time scaling by q."))
    left, results = _stage(presenter)
    c = draw_controls("Linear regression", left)
    widgets.show_url_notices()
    try:
        with st.spinner(_("Sampling masks and training the linear model…")):
            lin = _linear(c.keep, c.inverted, c.n_samples, c.seed)
    except ValueError as exc:
        widgets.error(exc)
        return
    features = [f"x{j + 1} (σ = {s:g})" for j, s in enumerate(CONFIG.spreads)]
    with results:
        figure_box = st.container() if presenter else nullcontext()  # presenter: the figure before the numbers
        st.markdown(_("**Expected dropout loss at the least-squares weights**, {keep_text}, {form_text}, n = {n} "
                      "examples, 5 features:").format(keep_text=keep_words(c.keep), form_text=form_text(c.inverted),
                                                      n=CONFIG.n_linear))
        a, b, m = st.columns(3)
        a.metric(_("Closed form"), f"{lin.closed:.3f}",
                 help=_("Plain loss {plain:.3f} + penalty Σ cⱼ wⱼ² = {penalty:.3f}.").format(plain=lin.plain,
                                                                                           penalty=lin.penalty))
        b.metric(_("All 2⁵ masks enumerated"), f"{lin.enumerated:.3f}",
                 delta=f"{lin.enumerated - lin.closed:+.1e}", delta_color="off",
                 help=_("Σ over the 32 input masks of p(mask) × loss. Delta: enumerated − closed form."))
        m.metric(_("Monte Carlo"), f"{lin.mc:.3f}",
                 delta=f"{lin.mc - lin.closed:+.3f} (2 SE = {2 * lin.se:.3f})", delta_color="off",
                 help=_("Mean over {n_samples:,} samples, each with a fresh mask for every example, as training draws "
                        "them. Delta: sampled − closed form, and two standard errors.").format(n_samples=c.n_samples))
        # cⱼ carries the factor (1 − q): at q = 1 every coefficient is exactly 0, which a log axis cannot show.
        no_penalty = not (lin.coef > 0).all()
        if no_penalty:
            st.info(_("At keep q = 1 nothing is dropped: every penalty coefficient cⱼ is exactly 0, so the expected "
                      "loss is the plain loss and the weights are the least-squares ones."), icon="ℹ️")
        name = _("penalty coefficient cⱼ")
        # Figures kept per the settings they show (and the language and mode of their words).
        shown = (c.keep, c.inverted, c.n_samples, c.seed, presenter, lang)
        with figure_box:
            widgets.main_chart(figure_cache.figure("rg_coef", shown, lambda: grouped_bars(
                features, {name: lin.coef}, presenter=presenter, y_title="cⱼ",
                title=_("Dropout's penalty coefficient per feature"), fmt=".4g", log_y=not no_penalty,
                colors={name: style.BLUE}, lang=lang)))
    shrink = lin.shrink
    series = {_("ridge with dropout's cⱼ"): shrink["ridge"], _("trained with dropout"): shrink["trained"],
              _("ridge, one λ = mean cⱼ"): shrink["uniform"]}
    widgets.chart(figure_cache.figure("rg_shrink", shown, lambda: grouped_bars(
        features, series, presenter=presenter, fmt=".2f", y_title=_("weight ÷ least-squares weight"),
        title=_("How much each weight is shrunk (1 = not at all)"), lang=lang)), key="rg_shrink")
    st.markdown(_("The penalty grows with a feature's spread exactly as fast as the weight that feature needs "
                  "shrinks, so dropout shrinks **every** weight by about the same factor (for uncorrelated features, "
                  "exactly q = {keep:.2g}): it is ridge regression on standardised features. One λ for all features "
                  "instead (ordinary L2, here λ = the mean cⱼ) shrinks the weights of narrow features most.").format(
        keep=c.keep))
    widgets.table([{_("feature"): f, _("spread σⱼ"): f"{s:g}", "Σᵢ xᵢⱼ²": f"{lin.sum_sq[j]:.1f}",
                   "cⱼ": f"{lin.coef[j]:.3g}", _("least squares"): f"{lin.w_ols[j]:.4f}",
                   _("ridge with cⱼ"): f"{lin.w_ridge[j]:.4f}", _("trained with dropout"): f"{lin.w_sgd[j]:.4f}",
                   _("trained − ridge"): f"{lin.w_sgd[j] - lin.w_ridge[j]:+.1e}"}
                  for j, (f, s) in enumerate(zip(features, CONFIG.spreads))], interactive=True, width="stretch")
    caption = _("Trained with dropout: 20,000 stochastic gradient steps on the sampled loss (fresh masks each step, "
                "diagonal preconditioning), weights averaged over the second half. Largest |trained − ridge| = "
                "{max_diff:.1e}, against weights up to {max_w:.2f}: sampling error of the training, shrinking as "
                "1/√steps.").format(max_diff=lin.max_diff, max_w=lin.max_w)
    if not c.inverted:
        caption += " " + _("Shrinkage shown for test-time weights (standard dropout: trained weights × q).")
    st.caption(caption)


def bias_variance_tab(presenter: bool) -> None:
    lang = current_language()
    explain = _explanation(presenter)
    explain.markdown(_("Take the true weights w and predict with one thinned copy of them, ŷ = s Σⱼ wⱼ mⱼ xⱼ, as a training "
                  "step does. How far is ŷ from a fresh noisy target y = w·x + ε?"))
    explain.latex(r"\text{inverted } (s = 1/q):\ \ \mathbb{E}\,\hat y = w\cdot x,\quad "
             r"\operatorname{Var}\hat y = \tfrac{p}{1-p}\textstyle\sum_j w_j^2 x_j^2")
    explain.latex(r"\text{standard } (s = 1):\ \ \mathbb{E}\,\hat y - w\cdot x = -p\, w\cdot x,\quad "
             r"\operatorname{Var}\hat y = p(1-p)\textstyle\sum_j w_j^2 x_j^2")
    explain.latex(r"\mathbb{E}(y - \hat y)^2 = \text{bias}^2 + \text{variance} + \sigma^2")
    explain.caption(_("Drop rate p = 1 − q. Expectations over the masks (and the target noise), averaged over 200 inputs "
                 "x. Standard dropout without its test-time rescaling is biased towards zero, bias² growing as p²; "
                 "inverted dropout is unbiased but its variance explodes as p → 1."))
    left, results = _stage(presenter)
    c = draw_controls("Bias and variance", left)
    widgets.show_url_notices()
    try:
        with st.spinner(_("Sampling masks for every drop rate…")):
            bv = _bias_variance(c.inverted, c.noise, c.keep, c.seed)
    except ValueError as exc:
        widgets.error(exc)
        return
    parts = [_(PART_NAMES[p]) for p in ex.PARTS]
    closed, sampled = _("closed form"), _("sampled")
    lines = {f"{p}: {closed}": bv.lines[:, i] for i, p in enumerate(parts)}
    points = {f"{p}: {sampled}": (bv.points[:, i], None) for i, p in enumerate(parts)}
    with results:
        shown = (c.inverted, c.noise, c.keep, c.seed, presenter, lang)
        widgets.main_chart(figure_cache.figure("rg_bias_variance", shown, lambda: checked_curves(
            bv.p_line, lines, bv.p_points, points, x_title=_("drop rate p = 1 − q"),
            y_title=_("mean squared error and its parts"), presenter=presenter, vline=1.0 - c.keep,
            vline_label=keep_words(c.keep),
            title=_("A masked linear predictor, {form_text}").format(form_text=form_text(c.inverted)))))
        st.caption(_("Lines: closed forms. Circles: 2,000 sampled masks (and noisy targets) per input."))
        sampled_col = _("sampled ({n} masks per point)").format(n=f"{CONFIG.bv_samples:,}")
        widgets.table([{_("quantity"): p, closed: f"{c_:.4f}", sampled_col: f"{s:.4f}",
                       _("sampled − closed"): f"{s - c_:+.4f}"}
                      for p, c_, s in zip(parts, bv.here_closed, bv.here_sampled)], interactive=True, width="stretch")


def rivals_tab(presenter: bool) -> None:
    lang = current_language()
    _explanation(presenter).markdown(_("One task, one seed, one initialisation and the same minibatches; only the regulariser changes. All "
                  "seven networks train together in one vectorised run."))
    left, results = _stage(presenter)
    c = draw_controls("Rival regularisers", left)
    widgets.show_url_notices()
    try:
        rv = rivals(c)
    except ValueError as exc:
        widgets.error(exc)
        return
    except Stopped:  # its notice and a button to train after all are shown
        return
    run = rv.run
    labels = rival_labels(c)
    colors = style.model_colors(labels)  # the bar chart's colours, for every chart of the tab
    with results:
        shown = _rival_settings(c)
        _errors_chart(labels, run.test_error, rv.n_test, presenter, None, shown)
        curves = {label: run.val_loss[i] for i, label in enumerate(labels) if i != ex.EARLY_STOPPING}
        widgets.chart(figure_cache.figure("rg_val", (shown, tuple(labels), presenter, lang), lambda: line_chart(
            run.eval_steps, curves, x_title=_("training step"), colors=colors,
            y_title=_("validation loss (cross-entropy)"), presenter=presenter, vline=run.stop_step,
            vline_label=_("early stopping keeps this step"), title=_("Loss on the validation split during training"),
            lang=lang)), key="rg_val")
        st.caption(_("{n_fit} training points, {n_val} validation points for early stopping (it keeps the parameters "
                     "of the evaluation, every 50 steps, with the lowest validation loss of the unregularised run) and "
                     "{n_test} test points used only for the table. Dropout: {keep_text} on the hidden units, "
                     "inverted.").format(n_fit=len(rv.y_fit), n_val=rv.n_val, n_test=rv.n_test,
                                         keep_text=keep_words(c.keep)))
    near = f"|w| < {CONFIG.near_zero:g}"
    widgets.table([{_("regulariser"): label, _("test error"): f"{run.test_error[i]:.1%}",
                   _("test loss"): f"{run.test_loss[i]:.3f}", _("train loss"): f"{rv.train_loss(i):.3f}",
                   _("weight std"): f"{np.std(run.weights[i]):.3f}",
                   near: f"{np.mean(np.abs(run.weights[i]) < CONFIG.near_zero):.0%}"}
                  for i, label in enumerate(labels)], interactive=True, width="stretch")
    surfaces, hist = _rival_figures(_rival_settings(c), tuple(labels), lang, presenter)
    widgets.chart(surfaces, key="rg_surfaces")
    widgets.chart(hist, key="rg_hist")
    st.caption(_("L1's penalty pulls each weight towards zero by a constant step, so weights that do little land "
                 "exactly at zero (a spike); L2's pull is proportional to the weight, so every weight shrinks and the "
                 "idle ones decay away. Outliers beyond the axis are counted in the end bins."))
    st.caption(_("Two hidden layers of 32 ReLU units, momentum SGD (Adam would rescale the penalties' gradients and "
                 "blur the L1/L2 contrast). Biases are never penalised."))


def noises_tab(presenter: bool) -> None:
    lang = current_language()
    explain = _explanation(presenter)
    explain.markdown(_("Bernoulli masks are one way to inject **multiplicative** noise. Gaussian noise with the same mean "
                  "and variance works as well; DropConnect drops single weights instead of units. **Additive** noise "
                  "is different: a ReLU unit can grow its activations until the fixed noise is negligible, while "
                  "multiplicative noise grows with the activation and cannot be outgrown."))
    explain.latex(r"\text{Bernoulli: } h\,\tfrac{m}{q} \qquad \text{Gaussian: } h\,(1 + \sqrt{\tfrac{1-q}{q}}\,"
             r"\varepsilon) \qquad \text{DropConnect: } x\,(W \odot \tfrac{M}{q})")
    explain.latex(r"\frac{\operatorname{std}(h\,m/q)}{|h|} = \sqrt{\tfrac{1-q}{q}} \qquad"
             r"\frac{\operatorname{std}(h + \sigma\varepsilon)}{|h|} = \frac{\sigma}{|h|}")
    explain.caption(_("m ~ Bernoulli(q), ε ~ N(0, 1); inverted scaling, so every variant keeps E[noisy h] = h. The "
                 "additive noise's σ is set per layer so that at initialisation it equals dropout's noise std, "
                 "√((1−q)/q) × rms(h). Noise on the hidden units only (inputs kept)."))
    left, results = _stage(presenter)
    c = draw_controls("Noise variants", left)
    widgets.show_url_notices()
    try:
        nz = noises(c)
    except ValueError as exc:
        widgets.error(exc)
        return
    except Stopped:  # its notice and a button to train after all are shown
        return
    run = nz.run
    labels = list(run.names)
    colors = style.model_colors(labels)
    multiplicative = _("Bernoulli or Gaussian (multiplicative)")
    ratio = {"additive Gaussian": run.additive_ratio,
             multiplicative: np.full(run.additive_ratio.shape, nz.multiplicative_ratio)}
    ratio_colors = {"additive Gaussian": colors["additive Gaussian"], multiplicative: colors["Bernoulli dropout"]}
    # Figures kept per the settings they show (and the language and mode of their words).
    shown = (c.dataset, c.keep, c.noise_steps, c.seed, presenter, lang)
    with results:
        widgets.main_chart(figure_cache.figure("rg_rms", shown, lambda: line_chart(
            run.eval_steps, {label: run.hidden_rms[i] for i, label in enumerate(labels)},
            x_title=_("training step"), y_title=_("rms of the hidden activations"), presenter=presenter,
            title=_("How large the hidden activations grow"), lang=lang)))
        widgets.chart(figure_cache.figure("rg_ratio", shown, lambda: line_chart(
            run.eval_steps, ratio, x_title=_("training step"), y_title=_("noise std / signal rms"),
            presenter=presenter, colors=ratio_colors, title=_("Noise relative to the signal"), lang=lang)),
            key="rg_ratio")
        st.caption(_("Closed forms with the measured activations, {keep_text}: √((1−q)/q) for multiplicative noise, "
                     "σ / rms(h) (pooled over the hidden units) for additive noise.").format(
            keep_text=keep_words(c.keep)))

    def fmt(v, spec=".3f"):
        return "—" if np.isnan(v) else format(v, spec)

    widgets.table([{_("noise"): label, _("test error"): f"{run.test_error[i]:.1%}",
                   _("test loss"): f"{run.test_loss[i]:.3f}", _("rms h, start"): f"{run.hidden_rms[i, 0]:.2f}",
                   _("rms h, end"): f"{run.hidden_rms[i, -1]:.2f}", _("ratio, closed"): fmt(run.ratio_closed[i]),
                   _("ratio, sampled"): fmt(run.ratio_sampled[i]),
                   _("sampled − closed"): fmt(run.ratio_sampled[i] - run.ratio_closed[i], "+.3f")}
                  for i, label in enumerate(labels)], interactive=True, width="stretch")
    st.caption(_("Noise/signal of the final network on the training set: closed form (above) and measured with one "
                 "sampled noise draw for every hidden unit and training point. DropConnect's noise sits on the "
                 "weights, and 'no noise' has none, so they have no such ratio."))
    _errors_chart(labels, run.test_error, nz.n_test, presenter, "rg_noise_errors", shown)
    xs, ys, _grid = datasets.surface_grid(GRID)
    widgets.chart(figure_cache.figure("rg_noise_surfaces", shown, lambda: decision_surfaces(
        _panels(run.grid_probs, labels, nz.x_train, nz.y_train), xs=xs, ys=ys, cols=3, presenter=presenter,
        title=_(SURFACES_TITLE))), key="rg_noise_surfaces")


TAB_VIEWS = {"Linear regression": linear_tab, "Bias and variance": bias_variance_tab,
             "Rival regularisers": rivals_tab, "Noise variants": noises_tab}


def render(presenter: bool) -> None:
    st.title(_("Dropout as regularisation"))
    if not presenter:  # in presenter mode it opens the open tab's folded explanation
        st.markdown(_(INTRO))
    tabs = widgets.tabs(TABS, "rg_tab")  # bound to the URL; only the open tab computes
    for title, tab in zip(TABS, tabs):
        if tab.open:
            with tab:
                widgets.tab_fragment(TAB_VIEWS[title], presenter)


INTRO = N_("Dropout's noise keeps a network from fitting its training set too well. Four experiments: what the noise "
           "adds to the loss of a linear model, what it does to one prediction, how it fares against the other "
           "regularisers, and which kinds of noise do the same job. **q is the keep probability** (drop rate "
           "p = 1 − q) throughout; every formula says whether it is for inverted or standard dropout.")
