"""Ensemble vs weight scaling: the average of many subnetworks against one scaled network, and when they agree."""
import streamlit as st

from dropout_viz.ensembles import droppable_units, first_k_below
from dropout_viz.masks import MAX_EXACT_UNITS
from dropout_viz.ui import common as ui
from dropout_viz.ui import ensemble_page as ens

presenter = ui.page_setup("Ensemble vs weight scaling", icon="⚖️")
st.title("The ensemble against the weight-scaled network")
st.markdown(
    "Training with dropout trains a whole family of networks at once: every way of switching off some of the "
    "d droppable units is a *subnetwork*, there are 2ᵈ of them, and they all share one set of weights. At "
    "test time we would like their **average** prediction. The **weight scaling rule** says one forward pass "
    "of the full network comes close: with standard dropout you multiply each layer's outgoing weights by its "
    "keep probability q; with **inverted dropout** (used throughout this app: kept units are scaled by 1/q "
    "while training) the trained network already *is* the weight-scaled one. How close is close, and when is "
    "it exact?")
c1, c2 = st.columns(2)
c1.latex(r"P_{\text{arith}}(y\mid x)=\sum_{m} p(m)\,P(y\mid x,m)")
c2.latex(r"P_{\text{geo}}(y\mid x)=\frac{\prod_m P(y\mid x,m)^{p(m)}}{\sum_{y'}\prod_m P(y'\mid x,m)^{p(m)}}")
st.latex(r"p(m)=\prod_j q_j^{m_j}(1-q_j)^{1-m_j}\quad\text{(unit } j \text{ kept with probability } q_j\text{)}")
st.caption("Sums and products run over all 2ᵈ masks m of the droppable units (exact ensembles) or over k sampled "
           "masks with weight 1/k each (Monte Carlo). With every q = 0.5, p(m) = 2⁻ᵈ and the geometric mean is the "
           "textbook's 2ᵈ-th root of the product.")


def model_ui():
    """The classifier's settings; returns (spec, d, whether to show exact ensembles)."""
    st.subheader("The trained model")
    c1, c2, c3, c4 = st.columns(4)
    dataset = ui.select("Data set", "e_data", ens.DATASETS, "moons", container=c1)
    arch = ui.select("Network (ReLU)", "e_arch", list(ens.ARCHITECTURES), "2-8-8-2", container=c1)
    keep_h = ui.keep_slider("Keep q of the hidden units", "e_keep_h", 0.8, lo=0.1, container=c2)
    keep_in = ui.keep_slider("Keep q of the inputs", "e_keep_in", 1.0, lo=0.1, container=c2)
    steps = ui.select("Training steps (Adam, batch 32)", "e_steps", ens.STEPS, 2000, container=c3)
    seed = ui.number("Seed", "e_seed", 0, 10_000, 0, container=c3,
                     help="Data, initial weights, training masks and test-time masks all follow from it.")
    spec = ens.classifier_spec(dataset, seed, arch, keep_in, keep_h, steps)
    d = droppable_units(spec)
    c4.metric("Subnetworks", f"2{ui.superscript(d)} = {2 ** d:,}",
              help="d = droppable units (keep < 1). Every subset of them that is switched off is one subnetwork.")
    big = False
    if ens.AUTO_EXACT_UNITS < d <= MAX_EXACT_UNITS:
        big = ui.toggle(f"Enumerate all 2{ui.superscript(d)} anyway", "e_exact_big", False, container=c4,
                        help="Above 2¹⁶ subnetworks an exact ensemble takes a while; a progress bar shows how far.")
    return spec, d, d <= ens.AUTO_EXACT_UNITS or big


def predictions_tab(spec, k, with_exact):
    st.markdown("The same trained network predicts five ways. Equal colours mean equal P(class 1) in every panel.")
    ui.chart(ens.surfaces_figure(spec, k, with_exact, presenter), key="e_surfaces")
    view = ens.panels(spec, k, with_exact)
    left, right = st.columns([1, 2], gap="large")
    a = ui.select("Difference: first", "e_diff_a", ens.PREDICTORS, "MC arithmetic", container=left)
    b = ui.select("minus second", "e_diff_b", ens.PREDICTORS, "exact arithmetic" if with_exact else "weight-scaled",
                  container=left)
    missing = [n for n in (a, b) if n not in view.surfaces]
    if missing:
        left.warning(f"{missing[0]} is not available for this network (see the note on exact ensembles above).")
    else:
        _, tv_grid, tv_test = ens.difference(view, a, b)
        left.metric("Mean total variation, grid", f"{tv_grid:.4f}")
        left.metric("Mean total variation, test points", f"{tv_test:.4f}")
        left.caption("Total variation between two predictions at a point: ½ Σ_c |P₁(c) − P₂(c)|, with two classes "
                     "|ΔP(class 1)|. 0: identical; 1: certain of opposite classes. Averaged over the 60 × 60 grid "
                     "or over the test points.")
        with right:
            ui.chart(ens.difference_figure(spec, k, with_exact, a, b, presenter), key="e_difference")
    ui.chart(ens.strip_figure(spec, presenter), key="e_strip")
    st.caption("Each panel is one thinned network; its title counts the units it keeps in each dropped layer. Single "
               "members disagree a lot, and a member with an empty layer (\"no path\") predicts the same everywhere.")


def convergence_tab(spec, k, with_exact):
    if not with_exact:
        st.info("The convergence charts measure the distance to the exact ensemble, so they need it (see above).")
        return
    where = ui.select("Measure the distance over the", "e_where", ("grid", "test points"), "grid", radio=True,
                      horizontal=True, help="grid: the 60 × 60 points of the pictures; test points: held-out data")
    conv = ens.convergence(spec)
    fig_tv, fig_acc = ens.convergence_figures(spec, where, k, presenter)
    c1, c2 = st.columns(2)
    with c1:
        ui.chart(fig_tv, key="e_conv_tv")
    with c2:
        ui.chart(fig_acc, key="e_conv_acc")
    ws_tv = conv.tv_refs[where]["weight-scaled"]
    beat = first_k_below(conv.tv[where]["MC arithmetic"], ws_tv)
    acc_mc, acc_ws = conv.acc["MC arithmetic"].mean[-1], conv.acc_refs["weight-scaled"]
    st.markdown(
        f"Lines: the mean over {ens.N_SEQUENCES} independent sequences of {ens.K_MAX:,} masks; shaded: their range. "
        f"Distance: mean total variation ½ Σ_c |P(c) − P_exact arith(c)| over the {where}"
        f"{' points' if where == 'grid' else ''}. The Monte Carlo geometric mean converges to the exact *geometric* "
        "ensemble, so its distance levels off at the dotted *exact geometric* line.")
    st.markdown(
        "**What the literature found.** The Deep Learning book (§7.12) notes that 10–20 masks are often enough for "
        "good accuracy. Warde-Farley et al. (2014) found the weight-scaled network more accurate than Monte Carlo "
        "averages of up to 1,000 subnetworks; Gal and Ghahramani (2015) found convolutional networks where about 20 "
        "samples beat weight scaling. It depends on the problem: read the answer for this one off the charts.")
    closer = (f"the Monte Carlo arithmetic mean gets closer than that from about k = {beat} on. " if beat else
              f"the Monte Carlo arithmetic mean does not get closer within {ens.K_MAX:,} masks. ")
    st.markdown(f"**Here:** the weight-scaled network is {ws_tv:.3f} from the exact arithmetic ensemble; {closer}"
                f"At k = {ens.K_MAX:,} its test accuracy is {acc_mc:.1%}, against {acc_ws:.1%} for weight scaling.")


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
        r"\quad\text{(as for softmax regression: the log-normaliser is common to all classes)}",
        r"z(m)=W_3^\top\!\big(\tfrac{m}{q}\odot h_2(x)\big)+b_3\;\Rightarrow\;\mathbb{E}_m[z(m)]=W_3^\top h_2(x)+b_3",
    ],
    "all": [
        r"P_{\text{geo}}(y\mid x)=\operatorname{softmax}\big(\mathbb{E}_m[z(m)]\big)_y"
        r"\quad\text{(as for softmax regression: the log-normaliser is common to all classes)}",
        r"a(m_1)=W_2^\top\!\big(\tfrac{m_1}{q}\odot h_1\big)+b_2,\qquad \mathbb{E}[a]=W_2^\top h_1+b_2,"
        r"\qquad \mathbb{E}\big[\phi(a)\big]\;\ne\;\phi\big(\mathbb{E}[a]\big)",
    ],
}
EXPLANATIONS = {
    "softmax": "With standard dropout (no 1/q while training) the same steps give softmax(Wᵀ(q v) + b): multiply "
               "the weights by q. The textbook's case q = ½ has p(m) = 2⁻ⁿ, so the product of powers is the 2ⁿ-th "
               "root of the product, and the rule halves the weights. The arithmetic mean gets no such identity: "
               "the average of softmaxes is not the softmax of the average.",
    "sigmoid": "Expectations are over masks, weighted by p(m). The normalised geometric mean is the sigmoid of the "
               "expected input; the arithmetic mean E[σ(z)] is not σ(E[z]), because σ is not linear.",
    "last": "Only the last hidden layer is dropped, and the logits are linear in its mask: the geometric ensemble "
            "of this nonlinear network is the weight-scaled network **exactly**, whatever the activation. The "
            "arithmetic ensemble still differs.",
    "all": "Now the first hidden layer is dropped too, and a nonlinearity φ follows it. The pre-activation a of the "
           "second layer is still affine in the mask, so its average is the weight-scaled pre-activation, but the "
           "average of φ(a) is not φ of the average. For a convex φ such as ReLU, **Jensen's inequality** says "
           "E[φ(a)] ≥ φ(E[a]): averaged over masks, the second layer's activations are larger than those of the "
           "weight-scaled network. That gap travels to the logits, and the rule becomes an approximation. (tanh is "
           "neither convex nor concave: its gap has either sign.)",
}


def exactness_tab(spec):
    st.markdown(
        "The renormalised geometric mean depends on the subnetworks only through the p(m)-weighted **mean of their "
        "logits**. So it equals the weight-scaled network exactly whenever the logits are an affine function of the "
        "mask: when no nonlinearity sits between a dropped unit and the output. Four models, all trained on the data "
        f"above with {ui.keep_text(spec.keep[-1])} on their dropped units; the networks have the classifier's "
        "architecture (2-8-8-2 if it has one hidden layer).")
    if spec.keep[-1] == 1.0:
        st.info("With keep q = 1 nothing is dropped: every model below is its own single subnetwork, and all the "
                "differences are zero. Lower the hidden keep q above to see the identities at work.")
    c1, c2 = st.columns([2, 1])
    case = ens.CASES[ui.select("Model", "e_case", list(ens.CASES), "softmax regression", radio=True, container=c1)]
    act = ui.select("Hidden activation of the networks", "e_act", ("relu", "tanh"), "relu", container=c2)
    if case in ("softmax", "sigmoid"):
        st.markdown("The linear models see nine fixed features of the point, x₁, x₂, x₁², x₁x₂, x₂², x₁³, x₁²x₂, "
                    "x₁x₂², x₂³ (so the boundary can bend), and dropout removes features: d = 9, 512 subnetworks.")
    for step, formula in enumerate(DERIVATIONS[case], 1):
        # Numbered on the left (a KaTeX \tag sits at the right edge and collides with wide formulas).
        st.latex(rf"\text{{({step})}}\qquad " + formula)
    if case in ("softmax", "sigmoid"):
        st.caption(EXPLANATIONS[case])
    else:
        st.markdown(EXPLANATIONS[case])
    try:
        cv = ens.case_view(ens.case_spec(case, spec, act))
    except ValueError as exc:
        ui.error(exc)
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("Largest |P_geo − P_ws|", f"{cv.max_geo_ws:.2g}",
              help="Over the grid and the test points, in P(class 1). Float32 rounding is about 1e-7.")
    m2.metric("Largest |P_arith − P_ws|", f"{cv.max_arith_ws:.2g}")
    m3.metric("Subnetworks enumerated", f"2{ui.superscript(cv.d)} = {2 ** cv.d:,}")
    if cv.jensen is not None:
        g, layer = cv.jensen.gap, cv.jensen.layer
        st.markdown(
            f"Measured on the grid, over all 2{ui.superscript(cv.spec.sizes[layer - 1])} masks of the first dropped "
            f"layer: E[φ(a)] − φ(E[a]) for the {g.shape[1]} units of hidden layer {layer} ranges from {g.min():.3g} "
            f"to {g.max():.3g} (mean {g.mean():.3g}); E[a] matches the weight-scaled pre-activation to "
            f"{cv.jensen.mean_preact_error:.1g}.")
    fig_surf, fig_diff = ens.case_figures(cv.spec, ens.DESCRIPTIONS[case], presenter)
    ui.chart(fig_surf, key="e_case_surfaces")
    ui.chart(fig_diff, key="e_case_diff")
    st.caption("Each map has its own colour range, set by its largest difference: a map of pure float rounding "
               "(about 1e-7) looks as busy as a real gap, so read the number in its title.")


def voting_tab():
    st.markdown("Three models, two classes: edit the table (add or delete rows for more models). A **majority vote** "
                "only counts which class each model ranks first; the **averages** also weigh how sure each model is.")
    c1, c2 = st.columns([1, 2], gap="large")
    columns = ("P(class 0)", "P(class 1)")
    # The link holds the table (e_votes=0.49,0.51;...). It is read once per session, as the editor's starting
    # table: the editor keeps its edits on top of that, and every edit is written back to the link.
    if "_e_votes_base" not in st.session_state:
        base = ens.DEFAULT_VOTES
        if "e_votes" in st.query_params:
            try:
                base = ens.rows_from_param(st.query_params["e_votes"])
            except ValueError as exc:
                ui.notice(f"{exc}; the default table is shown instead.")
        st.session_state["_e_votes_base"] = base
    base = st.session_state["_e_votes_base"]
    with c1:
        table = st.data_editor(
            {c: [row[i] for row in base] for i, c in enumerate(columns)}, num_rows="dynamic",
            key="e_votes", width="stretch",
            column_config={c: st.column_config.NumberColumn(c, min_value=0.0, max_value=1.0, step=0.01, format="%.2f")
                           for c in columns})
        normalise = ui.toggle("Normalise each row to sum 1", "e_norm", False)
    with c2:
        rows = ens.table_rows(table)
        param = ens.rows_to_param(rows)
        if param is None:
            st.query_params.pop("e_votes", None)
        elif st.query_params.get("e_votes") != param:
            st.query_params["e_votes"] = param
        try:
            ens.votes(rows, normalise)
        except ValueError as exc:
            ui.error(exc)
        else:
            ui.chart(ens.vote_figure(rows, normalise, presenter), key="e_votes_chart")
    st.caption("Geometric mean of M models: (Π_i P_i(c))^(1/M), then divided by its sum over the classes. The "
               "dropout ensembles on this page never vote: Monte Carlo averages arithmetically, and the weight "
               "scaling rule approximates the geometric mean.")


def uncertainty_tab(spec):
    st.info("A different use of the same samples. In the other tabs the sampled subnetworks served to **approximate "
            "one prediction** (and the weight-scaled network does that in one pass). Here dropout stays switched on "
            "at test time and we keep the **spread** of the T predictions as a measure of uncertainty (Gal and "
            "Ghahramani, 2016). The weight-scaled network has no spread to offer.")
    c1, c2 = st.columns(2)
    keep_r = ui.keep_slider("Keep q of the regression net's hidden units", "e_reg_keep", 0.8, lo=0.1, container=c1)
    passes = ui.slider("Passes T with dropout on", "e_passes", 2, 1000, 100, container=c2)
    ui.chart(ens.regression_figure(spec.seed, keep_r, passes, presenter), key="e_regression")
    st.caption("The training points cover only −1.5 ≤ x ≤ 1.5. Outside, the thinned networks extrapolate in "
               "different directions and the band widens: the model says it does not know.")
    ui.chart(ens.uncertainty_figure(spec, passes, presenter), key="e_entropy")
    st.caption("Predictive entropy H[mean of the T predictions] is high near the boundary. The mutual information, "
               "H[mean] − mean of the T entropies, is the part that comes from the subnetworks disagreeing with each "
               "other rather than from each of them being unsure.")


spec, d, with_exact = model_ui()
k = ui.slider("Monte Carlo: number of sampled masks k", "e_k", 1, ens.K_MAX, 20,
              help="The first k masks of one fixed sequence: moving k adds or removes masks at the end, "
                   "it never redraws the others.")
try:
    model = ens.trained(spec)
except ValueError as exc:
    ui.error(exc)
    ui.show_url_notices()
    st.stop()
st.caption(f"{spec.sizes[0]}-{'-'.join(map(str, spec.sizes[1:]))} ReLU network on {spec.dataset}, "
           f"{ui.keep_text(spec.keep[0])} for the inputs and {ui.keep_text(spec.keep[-1])} for the hidden units, "
           f"inverted dropout, {spec.steps:,} steps. Test accuracy of the weight-scaled network: {model.test_acc:.1%} "
           f"({len(model.y_test)} test points).")
if d > MAX_EXACT_UNITS:
    st.info(f"The exact ensembles would need all 2{ui.superscript(d)} = {2 ** d:,} subnetworks; above "
            f"2{ui.superscript(MAX_EXACT_UNITS)} that is too slow for a lecture. Use the Monte Carlo panels: they "
            "approximate the same averages with k masks.")
elif not with_exact:
    st.info(f"Exact ensembles over 2{ui.superscript(d)} subnetworks are computed on request (switch above).")

TABS = ["Five predictions", "How many masks?", "When is it exact?", "Voting vs averaging", "Uncertainty (MC dropout)"]
# Bound to the URL, so a link opens the same section; only the open tab runs its computation.
tabs = st.tabs(TABS, key="e_tab", bind="query-params")
if tabs[0].open:
    with tabs[0]:
        predictions_tab(spec, k, with_exact)
if tabs[1].open:
    with tabs[1]:
        convergence_tab(spec, k, with_exact)
if tabs[2].open:
    with tabs[2]:
        exactness_tab(spec)
if tabs[3].open:
    with tabs[3]:
        voting_tab()
if tabs[4].open:
    with tabs[4]:
        uncertainty_tab(spec)
ui.show_url_notices()  # last: the notices box sits at the top, and widgets in the tabs add to it
