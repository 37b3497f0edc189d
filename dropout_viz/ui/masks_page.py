"""Widgets and cached library calls behind the masks-and-subnetworks page.

Cached functions take plain scalars and tuples and return NumPy or plain data; keys are made here from the
integer seed: each part of the page draws from its own stream, fold_in(fold_in(PRNGKey(seed), stream), draw).
"""
from __future__ import annotations

import jax
import numpy as np
import streamlit as st

from .. import subnetworks as sn
from ..figures.network import layer_name
from ..figures.style import keep_text
from . import common as ui

DEFAULT_SIZES = (2, 6, 6, 2)
DEFAULT_VECTOR = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10"  # the classic NumPy example's x
DRAW_OPTIONS = (10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
SPEEDS = (0.5, 1.0, 2.0, 3.0)  # seconds per mask while playing; 1 s is slow enough to count the dropped units
STEP_LR = 0.1  # plain SGD in the one-step demo
# The stepper's phases; the labels are the radio's options (and its URL values).
PHASES = ("1 · mask", "2 · forward + backward", "3 · update", "4 · restore")
STREAMS = {"network": 0, "batch": 1, "vector": 2, "vector_stats": 3, "step": 4}


def _key(seed: int, stream: str, draw: int = 0):
    return jax.random.fold_in(jax.random.fold_in(jax.random.PRNGKey(seed), STREAMS[stream]), draw)


# --- widgets ---------------------------------------------------------------------------------------------


def _text(label: str, key: str, default: str, help: str, container=st) -> str:
    """A text input bound to the URL parameter ``key``."""
    return container.text_input(label, value=default, key=key, help=help, bind="query-params")


def network_sizes(container=st) -> tuple[int, ...]:
    """The layer-sizes box; a size outside the limits shows an error and falls back to the default."""
    text = _text("Layer sizes (input-hidden-…-output)", "m_sizes", "-".join(map(str, DEFAULT_SIZES)),
                 f"{sn.MIN_LAYERS} to {sn.MAX_LAYERS} layers of 1 to {sn.MAX_WIDTH} units, e.g. 2-6-6-2 or "
                 "4-16-16-16-3.", container)
    try:
        return sn.parse_sizes(text)
    except ValueError as exc:
        container.error(f"{exc}. Showing 2-6-6-2 instead.", icon="⚠️")
        return DEFAULT_SIZES


def keep_sliders(sizes: tuple[int, ...]) -> tuple[float, ...]:
    """One keep slider per layer of units before the output, side by side, each with its drop rate."""
    n = len(sizes) - 1
    cols = st.columns(max(n, 4))
    keep = []
    for i in range(n):
        name = layer_name(i, len(sizes))
        # The literature's defaults: keep most inputs (0.8), half of the hidden units (0.5).
        q = ui.keep_slider(f"Keep q, {name}", f"m_keep_{i}", 0.8 if i == 0 else 0.5, container=cols[i])
        cols[i].caption(f"{sizes[i]} units · drop rate p = {1 - q:.2g}")
        keep.append(q)
    return tuple(keep)


def vector_text(container=st) -> np.ndarray | None:
    """The editable vector (None, with an error shown, if it does not parse)."""
    text = _text("Vector x (comma-separated)", "m_vec", DEFAULT_VECTOR,
                 f"1 to {sn.MAX_VECTOR} numbers. The default is the classic NumPy dropout example.", container)
    try:
        return sn.parse_vector(text)
    except ValueError as exc:
        container.error(str(exc), icon="⚠️")
        return None


def n_draws_slider(container=st) -> int:
    """Number of masks N drawn for the vector (log-spaced choices up to 100,000)."""
    value = container.select_slider("Number of masks N", options=DRAW_OPTIONS, value=10_000, key="m_draws",
                                    format_func=lambda v: f"{v:,}", bind="query-params",
                                    help="Each mask is a fresh Bernoulli(q) draw for every element; raising N "
                                         "extends the same sequence of draws.")
    ui._note_rejected("m_draws", f"{value:,}")  # the URL holds the formatted option, e.g. 10,000
    return int(value)


def layer_choice(sizes: tuple[int, ...], container=st) -> int:
    """Which layer of units to show (by name, so the URL reads m_layer=hidden 1); returns its index."""
    names = [layer_name(i, len(sizes)) for i in range(len(sizes) - 1)]
    name = ui.select("Layer", "m_layer", names, names[1], container=container)
    return names.index(name)


def phase_choice(container=st) -> int:
    """The stepper's phase radio; returns 1..4."""
    return PHASES.index(ui.select("Phase", "m_phase", PHASES, PHASES[0], radio=True, horizontal=True,
                                  container=container)) + 1


def is_playing() -> bool:
    return bool(st.session_state.get("m_playing", False))


def toggle_play() -> None:
    st.session_state["m_playing"] = not is_playing()


def next_phase() -> None:
    """Stepper: advance to the next of the four phases; after 'restore' the next training step begins."""
    i = PHASES.index(st.session_state.get("m_phase", PHASES[0]))
    st.session_state["m_phase"] = PHASES[(i + 1) % len(PHASES)]
    if i == len(PHASES) - 1:
        ui.bump("m_step")


def restart_steps() -> None:
    """Back to training step 0, phase 1."""
    st.session_state["m_phase"] = PHASES[0]
    ui.bump("m_step", -ui.counter("m_step"))


# --- formatting -------------------------------------------------------------------------------------------


def layer_table(sizes, stats: sn.LayerStats) -> list[dict]:
    """Rows 'layer | keep q | drop p | kept now | expected q·n ± sd' for st.table."""
    return [{"layer": layer_name(i, len(sizes)), "keep q": f"{q:g}", "drop p": f"{1 - q:.2g}",
             "kept now": f"{k} of {n}", "expected": f"{e:.2g} ± {s:.2g}"}
            for i, (n, q, k, e, s) in enumerate(zip(stats.n, stats.keep, stats.kept, stats.expected, stats.std))]


def vector_table(x, stats: sn.VectorStats, keep: float) -> list[dict]:
    """Per element: x, the two sample means against their limits, the inverted variance against its closed form."""
    def fmt(v):
        return f"{v + 0.0:.4g}"  # + 0.0 turns -0.0 (x = -20 never kept) into 0

    return [{"x": f"{xi:g}", "mean x·m": fmt(ms), "q·x": fmt(keep * xi), "mean x·m/q": fmt(mi),
             "var x·m/q": fmt(v), "x²(1−q)/q": fmt(ve)}
            for xi, ms, mi, v, ve in zip(x, stats.mean_standard, stats.mean_inverted, stats.var_inverted,
                                         stats.var_inverted_exact)]


# --- cached library calls -----------------------------------------------------------------------------------


@st.cache_data(max_entries=512, show_spinner=False)
def thinned(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, draw: int) -> dict:
    """Mask number ``draw`` of the network (per layer, output included) with its statistics."""
    layer_masks = sn.sample_masks(_key(seed, "network", draw), sizes, keep)
    return {
        "masks": layer_masks + [np.ones(sizes[-1], np.float32)],
        "stats": sn.layer_stats(sizes, keep, layer_masks),
        "count": sn.count_subnetworks(sizes, keep),
        "path": sn.path_survival(sizes, keep),
        "single_path": sn.single_path_survival(keep),
    }


@st.cache_data(max_entries=256, show_spinner=False)
def batch_masks(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, draw: int, batch: int) -> list:
    """Per-example masks of minibatch ``draw``: one (batch, sizes[i]) array per layer before the output."""
    return sn.sample_masks(_key(seed, "batch", draw), sizes, keep, batch=batch)


@st.cache_data(max_entries=256, show_spinner=False)
def vector_demo(x: tuple[float, ...], keep: float, seed: int, draw: int, n_draws: int):
    """(one draw on x, statistics of n_draws draws) for the vector demo."""
    xa = np.asarray(x, np.float64)
    return (sn.vector_draw(_key(seed, "vector", draw), xa, keep),
            sn.vector_statistics(_key(seed, "vector_stats"), xa, keep, n_draws))


@st.cache_data(max_entries=64, show_spinner="Training three tiny networks (compiles once per server)…")
def equivalence(seed: int, keep: float) -> sn.Equivalence:
    """Inverted vs standard dropout on a trained 2-8-8-2 net (same keep on every layer)."""
    return sn.standard_vs_inverted(seed, keep)


@st.cache_data(max_entries=64, show_spinner=False)
def gallery(keep_in: float, keep_hidden: float) -> sn.Gallery:
    """The 16 subnetworks of the 2-2-1 network."""
    return sn.small_network_gallery(keep_in, keep_hidden)


@st.cache_data(max_entries=256, show_spinner="Replaying the training steps…")
def training_step(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, step: int) -> sn.StepDemo:
    """Step ``step`` of SGD with inverted dropout on the user's network."""
    return sn.training_step(_key(seed, "step"), sizes, keep, step, lr=STEP_LR)


running_mean_bands = sn.running_mean_bands


def equivalence_table(eq: sn.Equivalence) -> list[dict]:
    """One row per run: how it was trained and tested, and how far its test predictions are from inverted."""
    rows = [("inverted", "inverted dropout; start W₀, step η", "weights as trained"),
            ("matched", "standard dropout; start W₀/q, step η/q² on W", "weights × q"),
            ("naive", "standard dropout; start W₀, step η", "weights × q")]
    names = {"inverted": "inverted", "matched": "standard, matched", "naive": "standard, same W₀ and η"}
    return [{"run": names[name], "trained with": how, "tested with": test, "test accuracy": f"{eq.test_acc[name]:.1%}",
             "largest |Δ probability| vs inverted": "0 (reference)" if name == "inverted"
             else f"{eq.max_prob_gap[name]:.1e}",
             "same predicted class as inverted": "100% (reference)" if name == "inverted"
             else f"{eq.agree[name]:.1%}"}
            for name, how, test in rows]


def _dropped_text(demo: sn.StepDemo) -> str:
    dropped = [int((m == 0).sum()) for m in demo.masks[:-1]]
    total = sum(len(m) for m in demo.masks[:-1])
    return f"{sum(dropped)} of {total} units dropped"


def step_title(demo: sn.StepDemo, phase: int) -> str:
    """Title of the stepper's diagram for a phase."""
    return {1: f"Step {demo.step} · 1/4: a new mask — {_dropped_text(demo)}",
            2: f"Step {demo.step} · 2/4: forward + backward, thinned",
            3: f"Step {demo.step} · 3/4: weights updated",
            4: f"Step {demo.step} · 4/4: all units restored"}[phase]


def gradient_title(demo: sn.StepDemo, phase: int) -> str:
    if phase == 2:
        return "∂L/∂W of this step: grey cells are exactly 0"
    return f"The update is −η·∂L/∂W (η = {STEP_LR:g}): the grey weights did not move at all"


def step_text(demo: sn.StepDemo, phase: int) -> None:
    """The explanation beside the stepper's diagram (numbers from the engine)."""
    st.metric("Training step", f"{demo.step}", help="Steps already taken before this one (plain SGD).")
    if phase == 1:
        st.markdown(f"Training step **{demo.step}** draws its mask: **{_dropped_text(demo)}**. Every connection "
                    "into or out of a dropped unit is gone for this step. Kept units are multiplied by 1/q "
                    "(inverted dropout).")
        st.metric("Full network's loss on this batch", f"{demo.loss_full_before:.4f}")
    elif phase == 2:
        st.metric("Subnetwork's loss on this batch", f"{demo.loss_thinned:.4f}")
        st.markdown(f"**{demo.n_touching} of {demo.n_weights}** weights enter or leave a dropped unit, and "
                    f"**{demo.n_touching_zero}** of them have a gradient of **exactly 0**: a dropped unit's output "
                    "is multiplied by 0, so nothing flows back through it.")
        if demo.n_other_zero:
            st.caption(f"{demo.n_other_zero} further weights also have zero gradient: they feed ReLU units that "
                       "were inactive for every example of this minibatch — that is ReLU, not dropout.")
    elif phase == 3:
        st.markdown(f"SGD moves every weight by −η ∂L/∂W. The **{demo.n_touching}** weights of dropped units do "
                    "**not move**: this step trained only the subnetwork. (Momentum or Adam would still move "
                    "them, from earlier steps' gradients.)")
        st.metric("Full network's loss on this batch", f"{demo.loss_full_after:.4f}",
                  delta=f"{demo.loss_full_after - demo.loss_full_before:+.4f}", delta_color="inverse")
    else:
        st.markdown("Every unit comes back with its weights: the dropped ones exactly as before the step. The full "
                    f"network now starts step **{demo.step + 1}**, which draws a new mask — press **Next ▶**.")
        st.metric("Full network's loss on this batch", f"{demo.loss_full_after:.4f}",
                  delta=f"{demo.loss_full_after - demo.loss_full_before:+.4f} in this step", delta_color="inverse")


def diagram_layout(sizes, ratio: float):
    """(diagram box, side box, second side box): beside the diagram for up to 5 layers, else below it.

    Deep networks need the full width for their column labels; their side text then goes underneath in
    two columns. For small networks both side boxes are the same column.
    """
    if len(sizes) > 5:
        box = st.container()
        a, b = st.columns([1, 1.4], gap="large")
        return box, a, b
    box, side = st.columns([ratio, 1], gap="large")
    return box, side, side
