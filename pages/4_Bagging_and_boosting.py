"""Bagging, dropout and dropout boosting: many independent networks against one network with shared weights."""
import streamlit as st

from dropout_viz import figures
from dropout_viz.ui import bagging_page as bag
from dropout_viz.ui import common as ui

presenter = ui.page_setup("Bagging and boosting")
st.title("Bagging, dropout and dropout boosting")
st.markdown(
    "Three ways to average many networks, trained on the same 2-D task:\n"
    "- **Bagging**: k networks with their own weights, each trained (without dropout) on its own *bootstrap "
    "sample* — as many points as the training set, drawn from it with replacement. Predictions are averaged.\n"
    "- **Dropout**: one network. Every step trains a few randomly thinned subnetworks, and they all *share* the "
    "same weights, so the one network stands for 2ᵈ subnetworks (d droppable units).\n"
    "- **Dropout boosting** (the control experiment of Warde-Farley et al., 2014): the *same* masks and the same "
    "shared weights as dropout, but the loss rewards the subnetworks' **average** prediction instead of each "
    "subnetwork's own. Only the objective differs; in Warde-Farley et al.'s experiments almost none of the "
    "regularisation was left. Compare the numbers below.")

controls, top = st.columns([1, 2.6], gap="large")
with controls:
    label = ui.select("Data set", "bb_data", list(bag.DATASET_LABELS), "Two moons")
    name = bag.DATASET_LABELS[label]
    noise = ui.slider("Data noise (jitter std)", "bb_noise", 0.0, 0.5, 0.3, 0.05,
                      help="Standard deviation of the Gaussian jitter added to every point.")
    keep = ui.keep_slider("Keep q of the hidden units (dropout and boosting)", "bb_keep", 0.5)
    k = ui.slider("Bagged networks averaged, k", "bb_k", 1, bag.N_BAGS, 8,
                  help=f"{bag.N_BAGS} bagged networks are trained once; moving k only changes how many are averaged.")
    width = ui.select("Hidden units per layer (2 hidden layers)", "bb_width", (16, 32, 64), 32)
    steps = ui.select("Training steps (Adam, batch 32)", "bb_steps", (500, 1000, 2000, 4000), 2000)
    seed = ui.number("Seed", "bb_seed", 0, 10_000, 0,
                     help="Same seed: same data, initial weights, bootstrap samples, minibatches and masks.")
ui.show_url_notices()

try:
    res = bag.results(name, noise, width, keep, steps, seed, k)
except ValueError as exc:
    ui.error(exc)
    st.stop()

with top:
    ui.chart(figures.bar_compare(res["labels"], res["test_error"], y_title="test error", fmt=".1%",
                                 presenter=presenter,
                                 title=f"Test error on {res['n_test']} held-out points"),
             key="bb_errors")
    st.caption(f"Trained on {res['n_train']} points for {steps:,} steps. Dropout and dropout boosting: "
               f"{res['keep_text']} on the hidden units (inputs kept), inverted dropout, {res['n_masks']} masks per "
               f"example per step; they predict with the arithmetic mean of {res['eval_masks']} sampled subnetworks. "
               "Bagging predicts with the arithmetic mean of its k networks' class probabilities.")

st.dataframe(res["table"], hide_index=True, width="stretch")
if keep == 1.0:
    st.info("With keep q = 1 nothing is dropped: dropout and dropout boosting are the no-dropout network (same start, "
            "same minibatches). Any difference late in a long run is floating-point rounding — the batch sums run in "
            "another order — amplified by training.", icon="ℹ️")
st.caption(f"Loss = mean cross-entropy. Full net test error: the one deterministic network with the weight scaling "
           f"rule (inverted dropout: the trained weights as they are) instead of sampled subnetworks. One network has "
           f"{res['n_params']:,} weights and biases; bagging stores k copies, dropout one, from which "
           f"{res['subnetworks']} subnetworks (d = {res['d']} droppable hidden units) can be sampled. Memory counts "
           "the stored parameters only (float32).")

ui.chart(figures.training_curves(res["steps"], res["curves"], metric="loss (cross-entropy)", presenter=presenter,
                                 shade_gap=False, title="Loss during training: solid = training set, dashed = test set"),
         key="bb_curves")
st.caption("A widening gap between a model's two lines is overfitting. Bagging's curve is the loss of the average "
           "of its k networks at each step.")

ui.chart(figures.decision_surfaces(res["panels"], xs=res["xs"], ys=res["ys"], cols=4, presenter=presenter,
                                   title="Predicted P(class 1) after training; dots: training points"),
         key="bb_surfaces")

st.subheader("Why boosting loses the regularisation")
left, right = st.columns(2, gap="large")
with left:
    st.markdown("**Dropout**: every sampled subnetwork must fit the example *by itself*.")
    st.latex(r"L_{\text{dropout}} = -\frac{1}{BM}\sum_{i=1}^{B}\sum_{m=1}^{M} \log p\left(y_i \mid x_i, \mu_{im}\right)")
with right:
    st.markdown("**Dropout boosting**: only the *average* of the subnetworks must fit it.")
    st.latex(r"L_{\text{boost}} = -\frac{1}{B}\sum_{i=1}^{B} \log\Bigl(\frac{1}{M}\sum_{m=1}^{M} "
             r"p\left(y_i \mid x_i, \mu_{im}\right)\Bigr)")
st.markdown(
    f"B = 32 examples per step, M = {res['n_masks']} masks μ per example, the same masks for both. Boosting lets "
    "subnetworks specialise and cover for one another, like the members of a boosted ensemble, so the shared "
    "weights may fit the training set as tightly as they can. Compare the training and test losses of the two "
    "in the table: the randomness is the same, so what regularises dropout is asking each subnetwork to be good "
    "on its own, as each bagged network must be.")

st.subheader("The ambiguity decomposition")
st.markdown("Averaging T predictors f₁ … f_T into f̄ = (1/T) Σₜ fₜ and measuring squared error, for every input:")
st.latex(r"\underbrace{\frac{1}{T}\sum_t (f_t - y)^2}_{\text{individual error}} - "
         r"\underbrace{(\bar f - y)^2}_{\text{ensemble error}} = \frac{1}{T}\sum_t (f_t-\bar f)^2 "
         r"= \frac{T-1}{2T}\,\underbrace{\frac{1}{T(T-1)}\sum_{s\neq t}(f_s-f_t)^2}_{D\text{: mean pairwise disagreement}}")
st.markdown(
    "It is an identity — no independence or accuracy assumption — but it needs **squared error**, a **uniform "
    "arithmetic mean** of the members' outputs, and one target y for all of them. The ensemble is never worse than "
    "its average member, and the more the members disagree the more it gains. Here fₜ are class probabilities, "
    "y the one-hot label, squared error summed over the classes (the Brier score), averaged over the test points.")
if "ambiguity" in res:
    st.dataframe(res["ambiguity"], hide_index=True, width="stretch")
    st.caption("Gain measured as individual minus ensemble error; (T−1)/(2T)·D computed pair by pair. "
               "The difference is floating-point rounding. Dropout subnetworks: k masks sampled from the trained "
               "dropout network (inverted scaling), each predicting on its own.")
    st.markdown("**It fails for a majority vote with 0–1 error.** The same members, voting on class labels:")
    st.dataframe(res["votes"], hide_index=True, width="stretch")
    st.caption("Disagreement = fraction of test points where two members' labels differ, averaged over pairs. Ties go "
               "to the smaller class label.")
else:
    st.info("The decomposition needs at least two members: set k ≥ 2.", icon="ℹ️")
rows, check = bag.vote_counterexample_rows()
st.markdown("A vote can even be **worse** than every voter: each voter below errs on two of five points "
            "(error 0.4), but two of them err together on three points, so the vote's error is 0.6.")
left, right = st.columns([1, 2.2], gap="large")
left.dataframe(rows, hide_index=True, width="stretch")
right.dataframe([check], hide_index=True, width="stretch")
right.caption("Votes on five points whose true label is 1. The squared-error identity would promise a gain of "
              "(T−1)/(2T)·disagreement > 0; the vote loses 0.2 instead.")
