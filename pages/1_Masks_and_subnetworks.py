"""Masks and subnetworks: what one dropout mask does to a network, a minibatch, a vector and one training step."""
import streamlit as st

from dropout_viz import figures
from dropout_viz.figures.masks_page import gradient_grid, labelled_diagram
from dropout_viz.ui import common as ui
from dropout_viz.ui import masks_page as mp

presenter = ui.page_setup("Masks and subnetworks")
st.title("Masks and subnetworks")
st.markdown("A dropout **mask** is one coin flip per unit: heads (probability **q**, the *keep probability*) the "
            "unit works, tails (probability **p = 1 − q**, the *drop rate*) it is silenced together with every "
            "connection into and out of it. What remains is a **subnetwork**. Output units are never dropped. "
            "Dropout is **inverted** here unless a section says otherwise: kept units are multiplied by 1/q while "
            "training, so nothing needs rescaling at test time.")

top = st.columns([2, 1, 3], gap="medium")
with top[0]:
    sizes = mp.network_sizes()
seed = ui.number("Seed", "m_seed", 0, 10_000, 0, container=top[1],
                 help="Same seed, same sequence of masks, on every machine.")
top[2].caption("Keep q = 0 is not offered: inverted dropout divides by q, and a layer that is always dropped "
               "would cut every input off from the output. Keep q = 1 switches dropout off for that layer.")
keep = mp.keep_sliders(sizes)

TABS = ["The thinned network", "One minibatch", "Inverted vs standard", "All subnetworks", "One training step"]
# Bound to the URL so a link opens the same section; only the open tab computes anything.
tabs = st.tabs(TABS, key="m_tab", bind="query-params")


def resample_button(box=st):
    box.button("🎲 Sample a new mask", key="m_resample", type="primary", shortcut="N", on_click=ui.bump,
               args=("m_draw",), help="Draw the mask the next minibatch would get (keyboard: N).")


if tabs[0].open:
    with tabs[0]:
        playing = mp.is_playing()
        row = st.columns([2, 1.1, 1.3, 1.6], vertical_alignment="bottom")
        resample_button(row[0])
        row[1].button("⏸ Pause" if playing else "▶ Play", key="m_play", shortcut="P", on_click=mp.toggle_play,
                      help="Draw a new mask every few seconds, as consecutive minibatches would (keyboard: P).")
        speed = ui.select("Seconds per mask", "m_speed", mp.SPEEDS, 1.0, container=row[2])

        @st.fragment(run_every=speed if playing else None)
        def thinned_network():
            if playing:
                ui.bump("m_draw")
            draw = ui.counter("m_draw")
            res = mp.thinned(sizes, keep, seed, draw)
            box, side_a, side_b = mp.diagram_layout(sizes, 1.7)
            with box:
                fig = labelled_diagram(list(sizes), res["masks"], keep=list(keep), presenter=presenter)
                ui.chart(fig, key="m_diagram")
                st.caption(f"Mask #{draw} of seed {seed}" + (" — playing" if playing else "") + ". Dashed grey "
                           "circles with a cross are dropped units; none of their connections remain.")
            with side_a:
                count = res["count"]
                st.metric("Subnetworks", count.exact,
                          help="d = number of droppable units (in layers with keep q < 1); each subset of them "
                               "that is kept is one subnetwork, so there are 2^d.")
                st.caption(count.scale)
            with side_b:
                st.table(mp.layer_table(sizes, res["stats"]), hide_index=True)
                st.caption("Kept units per layer follow a binomial law: expected q·n, give or take the "
                           "standard deviation √(n q (1 − q)).")
        thinned_network()

if tabs[1].open:
    with tabs[1]:
        st.markdown("In training, **every example of a minibatch gets its own mask**: a batch of 32 trains up to "
                    "32 different subnetworks at once, all sharing the same weights.")
        left, right = st.columns([1.3, 2.6], gap="large")
        with left:
            resample_button()
            batch = ui.slider("Examples in the minibatch", "m_batch", 4, 64, 32, 4)
            layer = mp.layer_choice(sizes)
            st.caption(f"{ui.keep_text(keep[layer])} on this layer. The bars below the masks are the fraction "
                       "of examples that kept each unit; they scatter around the dashed line q and tighten as "
                       "the batch grows.")
        with right:
            bm = mp.batch_masks(sizes, keep, seed, ui.counter("m_draw"), batch)
            fig = figures.mask_heatmap(bm[layer], keep=keep[layer], presenter=presenter,
                                       title=f"One minibatch, {mp.layer_name(layer, len(sizes))} layer: a row per example")
            ui.chart(fig, key="m_batch_heatmap")

if tabs[2].open:
    with tabs[2]:
        st.markdown("The classic NumPy example drops entries of x = (1, …, 10) with **drop level 0.4**, which is "
                    "the drop rate: **p = 0.4, keep q = 0.6**. A mask m has independent entries, 1 with "
                    "probability q. *Standard* dropout trains on x·m, *inverted* dropout on x·m/q.")
        left, right = st.columns([1.3, 2.6], gap="large")
        with left:
            x = mp.vector_text()
            q_vec = ui.keep_slider("Keep q for the vector", "m_vec_keep", 0.6)
            st.caption(ui.keep_text(q_vec))
            n_draws = mp.n_draws_slider()
            resample_button()
        if x is not None:
            one, stats = mp.vector_demo(tuple(x), q_vec, seed, ui.counter("m_draw"), n_draws)
            with right:
                fig = figures.vector_bars(x, {"x": x, "mask m": one.mask, "standard: x·m": one.standard,
                                              "inverted: x·m/q": one.inverted}, presenter=presenter,
                                          title=f"One mask on x, {ui.keep_text(q_vec)}")
                ui.chart(fig, key="m_vector_bars")
            st.latex(r"\mathbb{E}[x\,m] = q\,x,\qquad \mathbb{E}\!\left[\tfrac{x\,m}{q}\right] = x,\qquad "
                     r"\operatorname{Var}\!\left[\tfrac{x\,m}{q}\right] = x^2\,\frac{1-q}{q}"
                     r"\qquad\text{for } m \sim \text{Bernoulli}(q)")
            left, right = st.columns([1.4, 1], gap="large")
            with left:
                fig = figures.band_chart(
                    stats.draws, mp.running_mean_bands(stats, q_vec),
                    hline={"1: inverted tends to x": 1.0, f"q = {q_vec:g}: standard tends to q·x": q_vec},
                    log_x=True, x_title="number of masks drawn", y_title="running mean ÷ x", presenter=presenter,
                    title="Running mean ÷ x")
                ui.chart(fig, key="m_running_mean")
            with right:
                st.table(mp.vector_table(x, stats, q_vec), hide_index=True)
                st.caption(f"Left: the running mean of each element's output divided by that element (x ≠ 0); "
                           f"line = average over the elements, band = lowest to highest. Table: over all N = "
                           f"{n_draws:,} masks, sample variance with N − 1.")

        st.subheader("The same statement for a whole network")
        st.markdown("Standard dropout trains on m·h and multiplies each layer's outgoing weights by q at test "
                    "time; inverted dropout trains on m·h/q and tests as is. They are **the same model in "
                    "different units** — but only when the two runs are matched, as the algebra shows:")
        st.latex(r"(m \odot h / q)\,W_{\text{inv}} = (m \odot h)\,W_{\text{std}} \iff W_{\text{inv}} = q\,W_{\text{std}}"
                 r",\qquad \frac{\partial L}{\partial W_{\text{std}}} = q\,\frac{\partial L}{\partial W_{\text{inv}}}")
        st.markdown("So with plain SGD the standard run must start from W₀/q and take steps of size η/q² on each "
                    "weight matrix (biases: η); then q·W_std = W_inv after every step. With the same start W₀ and "
                    "the same η, the standard run is — in the inverted run's units — started at q·W₀ and moved by "
                    "q²·η·∂L/∂W_inv: a different start and smaller steps, so it ends at a different network.")
        try:
            eq = mp.equivalence(seed, q_vec)
        except ValueError as exc:
            ui.error(exc)
        else:
            st.table(mp.equivalence_table(eq), hide_index=True)
            if eq.test_acc["inverted"] < 0.6:
                st.warning(f"With {ui.keep_text(q_vec)} on every layer, inputs included, this small network does "
                           "not learn (test accuracy near chance), so the comparison says little here. Try "
                           "keep q ≥ 0.4.", icon="⚠️")
            st.caption(f"Three runs of the training engine on two moons: a 2-8-8-2 ReLU network, "
                       f"{ui.keep_text(q_vec)} on every layer, plain SGD (η = {eq.lr:g}), {eq.steps} steps, the "
                       f"same minibatches and the same masks. After training, the largest |q·W_std − W_inv| is "
                       f"{eq.weight_gap:.1e} of the largest weight (float32 rounding). With momentum the same η/q² "
                       f"matches; Adam divides by the gradient's scale, so there the matching step is η/q (equal up "
                       f"to Adam's ε).")

if tabs[3].open:
    with tabs[3]:
        g = mp.gallery(keep[0], keep[1])
        left, right = st.columns([2, 1], gap="large")
        with left:
            fig = figures.subnetwork_gallery([2, 2, 1], g.layer_masks, g.probs, has_path=g.has_path, cols=4,
                                             presenter=presenter, title="All 16 subnetworks of 2-2-1, with P(mask)")
            ui.chart(fig, key="m_gallery")
        with right:
            st.markdown(f"The network of the textbook figure — 2 inputs, 2 hidden units, 1 output — has 4 droppable "
                        f"units, hence 2⁴ = 16 subnetworks. Each is drawn with its probability under this page's "
                        f"keep values: inputs {ui.keep_text(keep[0])}, hidden units {ui.keep_text(keep[1])}.")
            st.metric("Subnetworks without a path", f"{g.n_no_path} of 16",
                      help="No path from an input to the output: both inputs or both hidden units are dropped, "
                           "and the subnetwork outputs a constant.")
            st.metric("Their total probability", f"{g.p_no_path:.4f}")
            res = mp.thinned(sizes, keep, seed, 0)
            st.subheader(f"Your network, {'-'.join(map(str, sizes))}")
            st.metric("P(some path survives)", f"{res['path']:.6g}",
                      help="Probability that at least one input still reaches the output through kept units.")
            st.metric("P(a given path survives)", f"{res['single_path']:.4g}",
                      help="Probability that one particular input-to-output path keeps all its units.")
        st.latex(r"P(\text{some path}) = \prod_{i} \bigl(1 - (1 - q_i)^{n_i}\bigr),\qquad "
                 r"P(\text{a given path}) = \prod_i q_i")
        st.caption("Products over the layers before the output, layer i having n_i units with keep q_i, every unit "
                   "dropped independently. In a fully connected network some path survives exactly when every "
                   "layer keeps at least one unit. A given path needs one particular unit in every layer, so with "
                   "the same q everywhere it survives with probability q^L for L dropped layers: deep paths are "
                   "fragile, and the network must spread what it learns over many of them.")

if tabs[4].open:
    with tabs[4]:
        st.markdown("One training step with dropout: **(1)** sample a mask, **(2)** run the minibatch forward and "
                    "backward through the thinned network, **(3)** update the weights, **(4)** restore all units; "
                    "the next step samples a new mask. Here one mask is shared by the whole minibatch, so the step "
                    "trains exactly one subnetwork (the engine normally gives each example its own, as in *One "
                    "minibatch*). Plain SGD, η = 0.1, on a random labelled minibatch of 32.")
        row = st.columns([1.0, 1.1, 5.9], vertical_alignment="bottom")
        row[0].button("Next ▶", key="m_next", type="primary", shortcut="S", on_click=mp.next_phase,
                      help="The next phase; after phase 4 the next training step (keyboard: S).")
        row[1].button("⟲ Step 0", key="m_restart", on_click=mp.restart_steps, help="Back to the first training step.")
        phase = mp.phase_choice(container=row[2])
        try:
            demo = mp.training_step(sizes, keep, seed, ui.counter("m_step"))
        except ValueError as exc:
            ui.error(exc)
        else:
            box, side, _ = mp.diagram_layout(sizes, 1.4)
            with box:
                fig = labelled_diagram(list(sizes), None if phase == 4 else demo.masks,
                                       weights=demo.params_before if phase <= 2 else demo.params_after,
                                       keep=list(keep), presenter=presenter, title=mp.step_title(demo, phase))
                ui.chart(fig, key="m_step_diagram")
            with side:
                mp.step_text(demo, phase)
            if phase in (2, 3):
                fig = gradient_grid(demo.grads, demo.masks, presenter=presenter, title=mp.gradient_title(demo, phase))
                ui.chart(fig, key="m_gradients")

ui.show_url_notices()
