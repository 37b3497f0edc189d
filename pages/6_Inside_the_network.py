"""Inside the network: co-adaptation, path survival, Jensen's gap and flat minima, each as a live experiment."""
import streamlit as st

from dropout_viz.datasets import DATASETS
from dropout_viz.figures.inside_page import closed_vs_sampled, compare_bands, jensen_picture
from dropout_viz.ui import common as ui
from dropout_viz.ui import inside_page as inside

presenter = ui.page_setup("Inside the network")
st.title("Inside the network")
st.markdown("Four ways of looking inside a dropout network, each an experiment to run. Where a formula exists it "
            "is checked live against simulation, showing both numbers and their difference. Throughout, **q is "
            "the keep probability** (drop rate p = 1 − q) and dropout is **inverted** (kept units are scaled by "
            "1/q while training) unless a section says otherwise.")

TABS = ["Co-adaptation", "Paths", "Jensen's gap", "Flat minima"]
# Bound to the URL, so a link opens the same experiment; only the open tab runs its computation.
tabs = st.tabs(TABS, key="in_tab", bind="query-params")
COLUMNS = [1, 3]  # controls | figure


def keep_and_seed(box):
    """The keep probability and seed that every experiment shares (the same keys in every tab)."""
    keep = ui.keep_slider("Keep q of the hidden units", "in_keep", 0.5, container=box)
    seed = ui.number("Seed", "in_seed", 0, 10_000, 0, container=box,
                     help="Same seed, same data split, initial weights, masks and directions.")
    return keep, seed


def training_controls(box):
    """Settings of the trained pair, shared by the co-adaptation and flat-minima experiments."""
    # Options are the labels themselves: a bound widget writes its displayed text into the link.
    label = ui.select("Data set", "in_data", list(inside.DATASET_LABELS), DATASETS["digits"].label, container=box)
    name = inside.DATASET_LABELS[label]
    keep, seed = keep_and_seed(box)
    width = ui.select("Hidden units per layer (2 hidden layers)", "in_width", (16, 32, 64, 128), 64, container=box)
    steps = ui.select("Training steps (Adam, batch 32)", "in_steps", (500, 1000, 2000, 4000), 2000, container=box)
    return name, keep, width, steps, seed


def dropout_label(keep):
    return f"dropout, keep q = {keep:.3g}"


if tabs[0].open:
    with tabs[0]:
        st.markdown("Without dropout a hidden unit can come to rely on particular partners, each fixing the "
                    "others' mistakes; such **co-adapted** units only work together. Dropout makes every partner "
                    "unreliable, so each unit must be useful in whatever company it gets. The test: train one "
                    "network twice (same initial weights, same minibatches), without and with dropout, then "
                    "switch hidden units off and watch the test accuracy.")
        left, right = st.columns(COLUMNS, gap="large")
        name, keep, width, steps, seed = training_controls(left)
        n_orders = ui.select("Random removal orders", "in_orders", (5, 10, 20, 50), 20, container=left)
        with right:
            try:
                res = inside.ablation(name, width, keep, steps, seed, n_orders)
            except ValueError as exc:
                ui.error(exc)
            else:
                ui.chart(compare_bands(
                    res["percent"], {"no dropout": res["plain"], dropout_label(keep): res["dropout"]},
                    hline={"guessing (1 / classes)": res["chance"]}, x_title="hidden units switched off (%)",
                    y_title="test accuracy", presenter=presenter,
                    title="Test accuracy as hidden units are switched off"), key="in_ablation")
                half = "Mean test accuracy with 50 % of every hidden layer switched off."
                plain, drop = st.columns(2)
                plain.metric("No dropout, all units", f"{res['full_acc'][0]:.1%}", help="Test accuracy.")
                plain.metric("No dropout, half off", f"{res['plain_half']:.1%}", help=half)
                drop.metric("Dropout, all units", f"{res['full_acc'][1]:.1%}", help="Test accuracy.")
                drop.metric("Dropout, half off", f"{res['dropout_half']:.1%}", help=half)
                st.caption(f"Each of {n_orders} random orders switches off the same growing fraction of every hidden "
                           "layer in both networks. Switched-off units are set to zero and the survivors are **not** "
                           "rescaled: this is damage, not dropout. Lines: mean over the orders; shaded: ± 1 standard "
                           f"deviation. Accuracy on the {res['n_test']} held-out points; both networks were trained on "
                           f"{res['n_train']}, the dropout one with {ui.keep_text(keep)} on its hidden units "
                           "(inputs not dropped).")

if tabs[1].open:
    with tabs[1]:
        st.markdown("A path runs from one input unit through one unit of every hidden layer to an output unit. It "
                    "carries signal only if every unit on it is kept, so a long path is rarely intact: the network "
                    "cannot lean on any single chain and has to spread what it knows over many.")
        st.latex(r"P(\text{a given path survives}) = q_{\mathrm{in}}\, q^{L} = (1-p_{\mathrm{in}})\,(1-p)^{L}")
        st.latex(r"P(\text{some path survives}) = \bigl(1-(1-q_{\mathrm{in}})^{n}\bigr)\,\bigl(1-(1-q)^{n}\bigr)^{L}")
        st.caption("L hidden layers of n units (and n inputs); each hidden unit is kept with probability q, each input "
                   "unit with q_in (q_in = 1: inputs are not dropped and their factor is 1); output units are never "
                   "dropped. In a fully connected net some input reaches the output exactly when every dropped "
                   "layer keeps at least one unit.")
        left, right = st.columns(COLUMNS, gap="large")
        keep, seed = keep_and_seed(left)
        keep_in = ui.keep_slider("Keep q_in of the input units", "in_keep_in", 1.0, container=left,
                                 help="1.0: inputs are never dropped. Input drop rates are usually small (p_in ≈ 0.2).")
        width = ui.slider("Units per layer n", "in_path_width", 1, 32, 4, container=left)
        depth = ui.slider("Deepest net (hidden layers)", "in_depth", 2, 24, 12, container=left)
        n_samples = ui.select("Sampled masks", "in_samples", (1_000, 10_000, 50_000), 10_000, container=left)
        try:
            res = inside.paths(keep, keep_in, width, depth, n_samples, seed)
        except ValueError as exc:
            ui.error(exc)
            res = None
        if res is not None:
            with right:
                ui.chart(closed_vs_sampled(
                    res["depth"], {"one given path: closed form": res["one_closed"],
                                   "some path: closed form": res["any_closed"]},
                    {"one given path: sampled": (res["one_mc"], res["one_se"]),
                     "some path: sampled": (res["any_mc"], res["any_se"])},
                    x_title="hidden layers L", y_title="probability of surviving", presenter=presenter,
                    title=f"Surviving paths, {ui.keep_text(keep)}"), key="in_paths")
                st.caption(f"n = {width} units per layer, inputs: {ui.keep_text(keep_in)}. Lines: closed forms. "
                           f"Markers: share of {n_samples:,} sampled masks in which the path survives (one deep net, "
                           "cut at each depth); bars: ± 2 standard errors.")
            for box, label, rows in zip(st.columns(2), ("One given path", "Some path"), ("one_rows", "any_rows")):
                box.markdown(f"**{label}** (L = hidden layers)")
                box.dataframe(res[rows], hide_index=True, width="stretch", height="content")

if tabs[2].open:
    with tabs[2]:
        st.markdown("The weight-scaled network feeds each unit its **average** input; the ensemble averages the "
                    "unit's **outputs** over all subnetworks. For a non-linear f the two differ, and for a convex f "
                    "(z², ReLU) Jensen's inequality fixes the sign: E[f(z)] ≥ f(E z). One unit with d inputs shows "
                    "the whole story: every dot below is one of its 2^d subnetworks.")
        left, right = st.columns(COLUMNS, gap="large")
        keep, seed = keep_and_seed(left)
        d = ui.slider("Inputs d of the unit", "in_d", 1, 12, 6, container=left)
        kind = ui.select("Dropout on the inputs", "in_kind", ("inverted", "standard"), "inverted", container=left,
                         radio=True, help="Inverted: kept inputs are multiplied by 1/q. Standard: kept inputs are "
                                          "left as they are (the weight-scaled unit multiplies w by q instead).")
        bias = ui.slider("Bias b", "in_bias", -2.0, 2.0, 0.0, 0.1, container=left, fmt="%.1f")
        k = ui.select("Sampled masks k", "in_k", (100, 1_000, 10_000, 100_000), 10_000, container=left)
        inverted = kind == "inverted"
        try:
            res = inside.jensen(d, keep, inverted, bias, seed, k)
        except ValueError as exc:
            ui.error(exc)
            res = None
        if res is not None:
            with right:
                ui.chart(jensen_picture(res["z"], res["prob"], presenter=presenter,
                                        title=f"All {res['n_masks']:,} subnetworks, {ui.keep_text(keep)}"),
                         key="in_jensen")
                st.caption(f"{kind.capitalize()} dropout on the unit's {d} inputs. Dot area ∝ probability of the "
                           "subnetwork. E z is what the weight-scaled unit computes (inverted: the trained weights as "
                           "they are; standard: weights multiplied by q).")
            if inverted:
                st.latex(r"z = b + \sum_j w_j x_j \frac{m_j}{q},\ m_j \sim \mathrm{Bernoulli}(q):\quad "
                         r"\mathbb{E}z = b + w\cdot x,\quad \operatorname{Var} z = \frac{1-q}{q}\sum_j w_j^2 x_j^2")
            else:
                st.latex(r"z = b + \sum_j w_j x_j m_j,\ m_j \sim \mathrm{Bernoulli}(q):\quad "
                         r"\mathbb{E}z = b + q\, w\cdot x,\quad \operatorname{Var} z = q(1-q)\sum_j w_j^2 x_j^2")
            st.latex(r"\text{gap for } z^2:\ \mathbb{E}[z^2] - (\mathbb{E}z)^2 = \operatorname{Var} z"
                     r"\qquad \text{gap for ReLU: } \mathbb{E}[\max(z,0)] - \max(\mathbb{E}z, 0) \ge 0")
            st.dataframe(res["rows"], hide_index=True, width="stretch", height="content")
            st.caption("The z² gap does not depend on b. The ReLU gap has no short closed form, so it is computed "
                       "exactly by enumerating every mask. w ~ N(0, 1/d) and x ~ N(0, 1) are drawn from the seed.")
            sweep = res["sweep"]
            sq, relu = st.columns(2)
            with sq:
                ui.chart(closed_vs_sampled(
                    sweep["keep"], {"z²: closed form Var z": sweep["closed_sq"]},
                    {"z²: exact enumeration": (sweep["exact_sq"], None)},
                    x_title="keep q (drop rate p = 1 − q)", y_title="E[z²] − (E z)²", presenter=presenter,
                    title=f"Gap for z² against q ({kind})"), key="in_sweep_sq")
            with relu:
                ui.chart(closed_vs_sampled(
                    sweep["keep"], {}, {"ReLU: exact enumeration": (sweep["exact_relu"], None)},
                    x_title="keep q (drop rate p = 1 − q)", y_title="E[ReLU z] − ReLU(E z)", presenter=presenter,
                    title=f"Gap for ReLU against q ({kind})"), key="in_sweep_relu")

if tabs[3].open:
    with tabs[3]:
        st.markdown("Dropout's noise keeps shaking the weights during training, which makes it hard to settle in a "
                    "narrow valley of the loss. Walk away from the trained weights along random directions and "
                    "see how fast the loss climbs. Directions are **filter-normalised** (Li et al., 2018): each "
                    "unit's incoming weights move in proportion to their own length, so networks whose weights "
                    "have different scales can be compared.")
        left, right = st.columns(COLUMNS, gap="large")
        name, keep, width, steps, seed = training_controls(left)
        n_dirs = ui.select("Random directions", "in_dirs", (4, 8, 16), 8, container=left)
        t_max = ui.slider("Walk up to t =", "in_tmax", 0.25, 2.0, 1.0, 0.25, container=left, fmt="%.2f")
        split = ui.select("Loss on the", "in_split", ("train", "test"), "train", container=left, radio=True,
                          horizontal=True, help="The data the loss is averaged over: the training or the test split.")
        with right:
            try:
                res = inside.landscape(name, width, keep, steps, seed, n_dirs, t_max, split)
            except ValueError as exc:
                ui.error(exc)
            else:
                ui.chart(compare_bands(
                    res["ts"], {"no dropout": res["plain"], dropout_label(keep): res["dropout"]},
                    x_title="step t along a direction (t = 0: trained weights)",
                    y_title=f"cross-entropy, {split} set", presenter=presenter,
                    title="Loss along random directions"), key="in_landscape")
                plain, drop = st.columns(2)
                climb = f"Mean loss at t = ±{t_max:g} minus the loss at t = 0."
                plain.metric("No dropout: loss climbs by", f"{res['plain_rise']:.3g}", help=climb)
                drop.metric("Dropout: loss climbs by", f"{res['dropout_rise']:.3g}", help=climb)
                st.caption(f"θ(t) = θ + t·d for {n_dirs} Gaussian directions d, each unit's part rescaled to the norm "
                           "of that unit's weights (t = 1 moves every unit's weights by their own length); biases do "
                           "not move. Both networks use the same Gaussian draws. Lines: mean over the directions; "
                           f"shaded: ± 1 standard deviation. \"Climbs by\": mean loss at t = ±{t_max:g} minus the "
                           "loss at t = 0. Both networks are evaluated whole, without dropout.")
        st.info("Flatness is a picture, not a proof: Dinh et al. (2017) showed that a sharp minimum can be "
                "reparametrised into a flat one computing the same function. Filter normalisation removes the "
                "simplest such rescaling, which is why it is used here.", icon=":material/explore:")

ui.show_url_notices()
