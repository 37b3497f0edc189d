"""Dropout as regularisation: an L2 penalty in linear regression, bias and variance, its rivals, its noise variants."""
import streamlit as st

from dropout_viz import figures
from dropout_viz.figures.regularisation_page import checked_curves, grouped_bars, histogram_panels, line_chart
from dropout_viz.ui import common as ui
from dropout_viz.ui import regularisation_page as reg

presenter = ui.page_setup("Dropout as regularisation")
st.title("Dropout as regularisation")
st.markdown("Dropout's noise keeps a network from fitting its training set too well. Four experiments: what the "
            "noise adds to the loss of a linear model, what it does to one prediction, how it fares against the "
            "other regularisers, and which kinds of noise do the same job. **q is the keep probability** (drop rate "
            "p = 1 − q) throughout; every formula says whether it is for inverted or standard dropout.")

TABS = ["Linear regression", "Bias and variance", "Rival regularisers", "Noise variants"]
tabs = st.tabs(TABS, key="rg_tab", bind="query-params")  # bound to the URL; only the open tab computes
COLUMNS = [1, 3]  # controls | results
FORMS = {"inverted": True, "standard": False}


def seed_input(box):
    return ui.number("Seed", "rg_seed", 0, 10_000, 0, container=box,
                     help="Same seed: same data, masks, initial weights and minibatches.")


def form_input(box):
    # The options are their own labels: a bound widget writes the displayed text into the link (rg_form=standard).
    return FORMS[ui.select("Dropout form", "rg_form", list(FORMS), "inverted", container=box, radio=True,
                           horizontal=True, help="Inverted: kept inputs are multiplied by 1/q while training. "
                                                 "Standard: kept inputs are left as they are.")]


if tabs[0].open:
    with tabs[0]:
        st.markdown("Drop the **inputs** of a linear model y ≈ Xw, mask mᵢⱼ ~ Bernoulli(q) for feature j of example "
                    "i. Averaged over the masks, the squared error is the ordinary one plus an L2 penalty with its "
                    "own coefficient cⱼ for each feature — larger for features with a larger spread.")
        st.latex(r"\text{inverted: } \mathbb{E}_m\bigl\|y - X\bigl(\tfrac{m}{q}\odot w\bigr)\bigr\|^2 = \|y - Xw\|^2 "
                   r"+ \sum_j \underbrace{\tfrac{1-q}{q}\textstyle\sum_i x_{ij}^2}_{c_j} w_j^2")
        st.latex(r"\text{standard: } \mathbb{E}_m\bigl\|y - X(m\odot w)\bigr\|^2 = \|y - qXw\|^2 "
                    r"+ \sum_j \underbrace{q(1-q)\textstyle\sum_i x_{ij}^2}_{c_j} w_j^2")
        st.caption("Sum of squared errors over the n examples, no intercept (x and y centred), masks independent with "
                   "keep probability q. Fresh masks per example or one mask for all give the same expectation. The "
                   "minimiser of the expected loss is ridge regression with coefficients cⱼ; the standard form's "
                   "weights are the inverted ones divided by q, and equal after test-time scaling by q.")
        controls, results = st.columns(COLUMNS, gap="large")
        with controls:
            keep = ui.keep_slider("Keep probability q", "rg_keep", 0.5, lo=0.1)
            inverted = form_input(controls)
            n_samples = ui.select("Monte Carlo samples", "rg_samples", (1_000, 10_000, 100_000), 10_000)
            seed = seed_input(controls)
        ui.show_url_notices()
        try:
            lin = reg.linear(keep, inverted, n_samples, seed)
        except ValueError as exc:
            ui.error(exc)
        else:
            with results:
                st.markdown(f"**Expected dropout loss at the least-squares weights**, {ui.keep_text(keep)}, "
                            f"{reg.form_text(inverted)}, n = {lin['n']} examples, 5 features:")
                a, b, c = st.columns(3)
                a.metric("Closed form", f"{lin['closed']:.3f}",
                         help=f"Plain loss {lin['plain']:.3f} + penalty Σ cⱼ wⱼ² = {lin['penalty']:.3f}.")
                b.metric("All 2⁵ masks enumerated", f"{lin['enumerated']:.3f}",
                         delta=f"{lin['enumerated'] - lin['closed']:+.1e}", delta_color="off",
                         help="Σ over the 32 input masks of p(mask) × loss. Delta: enumerated − closed form.")
                c.metric("Monte Carlo", f"{lin['mc']:.3f}",
                         delta=f"{lin['mc'] - lin['closed']:+.3f} (2 SE = {2 * lin['se']:.3f})", delta_color="off",
                         help=f"Mean over {lin['n_samples']:,} samples, each with a fresh mask for every example, as "
                              "training draws them. Delta: sampled − closed form, and two standard errors.")
                ui.chart(grouped_bars(lin["features"], {"penalty coefficient cⱼ": lin["coef"]}, presenter=presenter,
                                      y_title="cⱼ", title="Dropout's penalty coefficient per feature", fmt=".4g",
                                      log_y=True,
                                      colors={"penalty coefficient cⱼ": figures.style.BLUE}), key="rg_coef")
            ui.chart(grouped_bars(lin["features"], lin["shrink"], presenter=presenter, fmt=".2f",
                                  y_title="weight ÷ least-squares weight",
                                  title="How much each weight is shrunk (1 = not at all)"), key="rg_shrink")
            st.markdown(f"The penalty grows with a feature's spread exactly as fast as the weight that feature needs "
                        f"shrinks, so dropout shrinks **every** weight by about the same factor (for uncorrelated "
                        f"features, exactly q = {keep:.2g}): it is ridge regression on standardised features. One λ "
                        "for all features instead (ordinary L2, here λ = the mean cⱼ) shrinks the weights of narrow "
                        "features most.")
            st.dataframe(lin["table"], hide_index=True, width="stretch")
            st.caption(f"Trained with dropout: 20,000 stochastic gradient steps on the sampled loss (fresh masks each "
                       f"step, diagonal preconditioning), weights averaged over the second half. Largest |trained − "
                       f"ridge| = {lin['max_diff']:.1e}, against weights up to {lin['max_w']:.2f}: sampling error of the "
                       f"training, shrinking as 1/√steps. "
                       + ("Shrinkage shown for test-time weights (standard dropout: trained weights × q)."
                          if not inverted else ""))

if tabs[1].open:
    with tabs[1]:
        st.markdown("Take the true weights w and predict with one thinned copy of them, ŷ = s Σⱼ wⱼ mⱼ xⱼ, as a "
                    "training step does. How far is ŷ from a fresh noisy target y = w·x + ε?")
        st.latex(r"\text{inverted } (s = 1/q):\ \ \mathbb{E}\,\hat y = w\cdot x,\quad "
                   r"\operatorname{Var}\hat y = \tfrac{p}{1-p}\textstyle\sum_j w_j^2 x_j^2")
        st.latex(r"\text{standard } (s = 1):\ \ \mathbb{E}\,\hat y - w\cdot x = -p\, w\cdot x,\quad "
                    r"\operatorname{Var}\hat y = p(1-p)\textstyle\sum_j w_j^2 x_j^2")
        st.latex(r"\mathbb{E}(y - \hat y)^2 = \text{bias}^2 + \text{variance} + \sigma^2")
        st.caption("Drop rate p = 1 − q. Expectations over the masks (and the target noise), averaged over 200 inputs "
                   "x. Standard dropout without its test-time rescaling is biased towards zero, bias² growing as p²; "
                   "inverted dropout is unbiased but its variance explodes as p → 1.")
        controls, results = st.columns(COLUMNS, gap="large")
        with controls:
            keep = ui.keep_slider("Keep probability q", "rg_keep", 0.5, lo=0.1)
            inverted = form_input(controls)
            noise = ui.slider("Target noise σ", "rg_noise", 0.0, 2.0, 0.5, 0.1)
            seed = seed_input(controls)
        ui.show_url_notices()
        try:
            bv = reg.bias_variance(inverted, noise, keep, seed)
        except ValueError as exc:
            ui.error(exc)
        else:
            with results:
                ui.chart(checked_curves(bv["p_line"], bv["lines"], bv["p_points"], bv["points"],
                                        x_title="drop rate p = 1 − q", y_title="mean squared error and its parts",
                                        presenter=presenter, vline=1.0 - keep, vline_label=ui.keep_text(keep),
                                        title=f"A masked linear predictor, {reg.form_text(inverted)}"), key="rg_bv")
                st.caption("Lines: closed forms. Circles: 2,000 sampled masks (and noisy targets) per input.")
                st.dataframe(bv["rows"], hide_index=True, width="stretch")

if tabs[2].open:
    with tabs[2]:
        st.markdown("One task, one seed, one initialisation and the same minibatches; only the regulariser changes. "
                    "All seven networks train together in one vectorised run.")
        controls, results = st.columns(COLUMNS, gap="large")
        with controls:
            label = ui.select("Data set", "rg_data", list(reg.DATASET_LABELS), "Two moons")
            keep = ui.keep_slider("Keep probability q", "rg_keep", 0.5, lo=0.1)
            l2 = ui.select("L2 strength λ", "rg_l2", (0.001, 0.003, 0.01, 0.03, 0.1), 0.01,
                           help="Adds (λ/2) Σ W² over the weight matrices (not the biases).")
            l1 = ui.select("L1 strength λ", "rg_l1", (0.0003, 0.001, 0.003, 0.01), 0.001,
                           help="Adds λ Σ |W| over the weight matrices (not the biases).")
            input_noise = ui.slider("Input noise σ", "rg_input_noise", 0.0, 0.5, 0.15, 0.05,
                                    help="Gaussian noise N(0, σ²) added to each input coordinate at every step.")
            smoothing = ui.slider("Label smoothing s", "rg_smoothing", 0.0, 0.3, 0.1, 0.05,
                                  help="Targets (1 − s)·one-hot + s/2.")
            steps = ui.select("Training steps (SGD with momentum 0.9)", "rg_steps", (1000, 2000, 4000, 8000), 4000)
            seed = seed_input(controls)
        ui.show_url_notices()
        try:
            rv = reg.rivals(reg.DATASET_LABELS[label], keep, l2, l1, input_noise, smoothing, steps, seed)
        except ValueError as exc:
            ui.error(exc)
        else:
            colors = figures.model_colors(rv["labels"])  # the bar chart's colours, for every chart of the tab
            with results:
                ui.chart(figures.bar_compare(rv["labels"], rv["test_error"], y_title="test error", fmt=".1%",
                                             presenter=presenter,
                                             title=f"Test error on {rv['n_test']} held-out points"), key="rg_errors")
                ui.chart(line_chart(rv["steps"], rv["curves"], x_title="training step", colors=colors,
                                    y_title="validation loss (cross-entropy)", presenter=presenter,
                                    vline=rv["stop_step"], vline_label="early stopping keeps this step",
                                    title="Loss on the validation split during training"), key="rg_val")
                st.caption(f"{rv['n_fit']} training points, {rv['n_val']} validation points for early stopping (it "
                           "keeps the parameters of the evaluation, every 50 steps, with the lowest validation loss of "
                           f"the unregularised run) and {rv['n_test']} test points used only for the table. Dropout: "
                           f"{ui.keep_text(keep)} on the hidden units, inverted.")
            st.dataframe(rv["table"], hide_index=True, width="stretch")
            ui.chart(figures.decision_surfaces(rv["panels"], xs=rv["xs"], ys=rv["ys"], cols=4, presenter=presenter,
                                               title="Predicted P(class 1); dots: training points"), key="rg_surfaces")
            ui.chart(histogram_panels(rv["weights"], bins=60, x_title="weight value", presenter=presenter,
                                      colors=colors, title="Every weight of the final networks"), key="rg_hist")
            st.caption("L1's penalty pulls each weight towards zero by a constant step, so weights that do little "
                       "land exactly at zero (a spike); L2's pull is proportional to the weight, so every weight "
                       "shrinks and the idle ones decay away. Outliers beyond the axis are counted in the end bins.")
            st.caption("Two hidden layers of 32 ReLU units, momentum SGD (Adam would rescale the penalties' gradients "
                       "and blur the L1/L2 contrast). Biases are never penalised.")

if tabs[3].open:
    with tabs[3]:
        st.markdown("Bernoulli masks are one way to inject **multiplicative** noise. Gaussian noise with the same mean "
                    "and variance works as well; DropConnect drops single weights instead of units. **Additive** "
                    "noise is different: a ReLU unit can grow its activations until the fixed noise is negligible, "
                    "while multiplicative noise grows with the activation and cannot be outgrown.")
        st.latex(r"\text{Bernoulli: } h\,\tfrac{m}{q} \qquad \text{Gaussian: } h\,(1 + \sqrt{\tfrac{1-q}{q}}\,"
                   r"\varepsilon) \qquad \text{DropConnect: } x\,(W \odot \tfrac{M}{q})")
        st.latex(r"\frac{\operatorname{std}(h\,m/q)}{|h|} = \sqrt{\tfrac{1-q}{q}} \qquad"
                    r"\frac{\operatorname{std}(h + \sigma\varepsilon)}{|h|} = \frac{\sigma}{|h|}")
        st.caption("m ~ Bernoulli(q), ε ~ N(0, 1); inverted scaling, so every variant keeps E[noisy h] = h. The "
                   "additive noise's σ is set per layer so that at initialisation it equals dropout's noise std, "
                   "√((1−q)/q) × rms(h). Noise on the hidden units only (inputs kept).")
        controls, results = st.columns(COLUMNS, gap="large")
        with controls:
            label = ui.select("Data set", "rg_data", list(reg.DATASET_LABELS), "Two moons")
            keep = ui.keep_slider("Keep probability q", "rg_keep", 0.5, lo=0.1)
            steps = ui.select("Training steps (Adam, batch 32)", "rg_noise_steps", (1000, 2000, 3000, 6000), 3000)
            seed = seed_input(controls)
        ui.show_url_notices()
        try:
            nz = reg.noises(reg.DATASET_LABELS[label], keep, steps, seed)
        except ValueError as exc:
            ui.error(exc)
        else:
            colors = figures.model_colors(nz["labels"])
            ratio_colors = {"additive Gaussian": colors["additive Gaussian"],
                            "Bernoulli or Gaussian (multiplicative)": colors["Bernoulli dropout"]}
            with results:
                ui.chart(line_chart(nz["steps"], nz["rms"], x_title="training step",
                                    y_title="rms of the hidden activations", presenter=presenter,
                                    title="How large the hidden activations grow"), key="rg_rms")
                ui.chart(line_chart(nz["steps"], nz["ratio"], x_title="training step", y_title="noise std / signal rms",
                                    presenter=presenter, colors=ratio_colors, title="Noise relative to the signal"),
                         key="rg_ratio")
                st.caption(f"Closed forms with the measured activations, {ui.keep_text(keep)}: √((1−q)/q) for "
                           "multiplicative noise, σ / rms(h) (pooled over the hidden units) for additive noise.")
            st.dataframe(nz["table"], hide_index=True, width="stretch")
            st.caption("Noise/signal of the final network on the training set: closed form (above) and measured with "
                       "one sampled noise draw for every hidden unit and training point. DropConnect's noise sits on "
                       "the weights, and 'no noise' has none, so they have no such ratio.")
            ui.chart(figures.bar_compare(nz["labels"], nz["test_error"], y_title="test error", fmt=".1%",
                                         presenter=presenter, title=f"Test error on {nz['n_test']} held-out points"),
                     key="rg_noise_errors")
            ui.chart(figures.decision_surfaces(nz["panels"], xs=nz["xs"], ys=nz["ys"], cols=3, presenter=presenter,
                                               title="Predicted P(class 1); dots: training points"),
                     key="rg_noise_surfaces")
