"""The masks lesson in Streamlit: the thinned network, one minibatch, inverted vs standard dropout, all subnetworks of
2-2-1 and one training step.

The lesson's controls are in one table (WIDGETS, plus the per-layer keep sliders and the layer choice, whose number
and options follow the sizes box); the two text boxes (m_sizes, m_vec) and the masks count (m_draws, a select
slider) are drawn here. Every control is bound to its URL key (m_*), so old links open the same pictures. Cached
functions take plain scalars and tuples; keys come from the integer seed through experiment.key.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dropout_viz.figures import band_chart
from dropout_viz.ui import figure_cache, layout, widgets
from dropout_viz.ui.controls import Control, draw_one
from dropout_viz.ui.i18n import N_, _, current_language, keep_words

from . import experiment as sn
from .experiment import Config
from .figures import gallery as gallery_figure
from .figures import (gradient_grid, labelled_diagram, layer_label, mask_heatmap, refill_band_chart,
                      refill_mask_heatmap, vector_bars)

DEFAULT = Config()
DEFAULT_SIZES = DEFAULT.sizes
DEFAULT_VECTOR = ", ".join(f"{v:g}" for v in DEFAULT.vector)  # the classic NumPy example's x
DRAW_OPTIONS = (10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
SPEEDS = (0.5, 1.0, 2.0, 3.0)  # seconds per mask while playing; 1 s is slow enough to count the dropped units
STEP_LR = DEFAULT.step_lr  # plain SGD in the one-step demo
MESSAGE_LIMIT = 300  # an error quotes at most about 60 characters of the box (checks.quote); this only bounds the rest
LAST_STEP = sn.MAX_STEPS  # the stepper's last training step (each step replays all those before it)
# The stepper's phases; the labels are the radio's options (and its URL values), so they stay as they are.
PHASES = ("1 · mask", "2 · forward + backward", "3 · update", "4 · restore")
# The tab titles are also the link's values (m_tab=One+minibatch), so they stay English in every language; in
# another language a line above the tabs says what each one holds.
TABS = (N_("The thinned network"), N_("One minibatch"), N_("Inverted vs standard"), N_("All subnetworks"),
        N_("One training step"))

WIDGETS = {
    "seed": Control("m_seed", "number", N_("Seed"), DEFAULT.seed, lo=0, hi=10_000,
                    help=N_("Same seed, same sequence of masks, on every machine.")),
    "speed": Control("m_speed", "select", N_("Seconds per mask"), 1.0, options=SPEEDS),
    "batch": Control("m_batch", "slider", N_("Examples in the minibatch"), DEFAULT.batch, lo=4, hi=64, step=4),
    "vec_keep": Control("m_vec_keep", "keep", N_("Keep q for the vector"), DEFAULT.vector_keep),
    "phase": Control("m_phase", "radio", N_("Phase"), PHASES[0], options=PHASES, horizontal=True),
}


def keep_control(i: int) -> Control:
    """The keep slider of layer i (m_keep_i); the literature's defaults: 0.8 for the inputs, 0.5 for hidden units."""
    default = DEFAULT.keep[0] if i == 0 else DEFAULT.keep[1]
    return Control(f"m_keep_{i}", "keep", N_("Keep q, {name}"), default)


def layer_control(sizes: tuple[int, ...]) -> Control:
    """Which layer of units the minibatch shows, by English name in every language: the URL holds the option as
    shown (m_layer=hidden 1), so links open the same layer whatever the reader's language."""
    names = tuple(layer_label(i, len(sizes)) for i in range(len(sizes) - 1))
    return Control("m_layer", "select", N_("Layer"), names[1], options=names)


@dataclass(frozen=True)
class MasksControls:
    """The controls every tab uses: the network, its keep per layer, the seed."""

    sizes: tuple[int, ...]
    keep: tuple[float, ...]
    seed: int


def _layer_words(i: int, n_layers: int) -> str:
    return layer_label(i, n_layers, current_language())


# --- words from the experiment's numbers -------------------------------------------------------------------

DURATIONS = {"universe": N_("about {n} times the age of the universe"), "years": N_("about {n} years"),
             "days": N_("about {n} days"), "hours": N_("about {n} hours"), "minutes": N_("about {n} minutes"),
             "seconds": N_("about {n} seconds"), "under_second": N_("under a second")}


def duration_words(seconds: float, _=_) -> str:
    amount, unit = sn.duration(seconds)
    return _(DURATIONS[unit]).format(n=sn.sci(amount))


def scale_words(count: sn.SubnetCount, _=_) -> str:
    """How large 2^d is, against what a training run can visit, in ``_``'s language (the session's by default)."""
    if count.kind == "none":
        return _("Nothing is dropped (keep q = 1 everywhere): the one subnetwork is the full network.")
    if count.kind == "small":
        return _("Small: a training run of {steps} steps × {batch} examples samples {visits} masks, so each subnetwork "
                 "is drawn about {times} times on average.").format(
            steps=f"{count.steps:,}", batch=count.batch, visits=f"{count.visits:,}", times=sn.sci(count.fraction))
    frac = count.fraction
    frac_text = f"{frac:.2%}" if frac >= 1e-4 else f"10{sn.sup(int(np.floor(np.log10(frac))))}"
    return _("Checking one per microsecond would take {duration}. A run of {steps} steps × {batch} examples samples at "
             "most {visits} masks — a fraction {fraction} of them; the rest are trained only through the weights they "
             "share.").format(duration=duration_words(count.check_seconds, _), steps=f"{count.steps:,}",
                              batch=count.batch, visits=f"{count.visits:,}", fraction=frac_text)


def input_error_words(exc: sn.InputError) -> str:
    """A text box's error in the reader's language. The values quote the box (or the link's m_sizes / m_vec), so
    each is shown as plain text, never as Markdown; the message itself is the app's own words."""
    return _(exc.template).format(**{k: widgets.plain(v, limit=MESSAGE_LIMIT) for k, v in exc.values.items()})


# --- widgets ---------------------------------------------------------------------------------------------


def _text(label: str, key: str, default: str, help: str, container=st) -> str:
    """A text input bound to the URL parameter ``key``."""
    return container.text_input(label, value=default, key=widgets.url_key(key), help=help, bind="query-params")


def network_sizes(container=st) -> tuple[int, ...]:
    """The layer-sizes box; a size outside the limits shows an error and falls back to the default."""
    text = _text(_("Layer sizes (input-hidden-…-output)"), "m_sizes", "-".join(map(str, DEFAULT_SIZES)),
                 _("{lo} to {hi} layers of 1 to {width} units, e.g. 2-6-6-2 or 4-16-16-16-3.").format(
                     lo=sn.MIN_LAYERS, hi=sn.MAX_LAYERS, width=sn.MAX_WIDTH), container)
    try:
        return sn.parse_sizes(text)
    except sn.InputError as exc:
        container.error(_("{why}. Showing 2-6-6-2 instead.").format(why=input_error_words(exc)), icon="⚠️")
        return DEFAULT_SIZES


def keep_sliders(sizes: tuple[int, ...], container=None) -> tuple[float, ...]:
    """One keep slider per layer of units before the output, side by side (stacked in ``container`` when given),
    each with its drop rate."""
    n = len(sizes) - 1
    cols = st.columns(max(n, 4)) if container is None else [container] * n
    keep = []
    for i in range(n):
        c = keep_control(i)
        q = draw_one(c, cols[i], label=_(c.label).format(name=_layer_words(i, len(sizes))))
        cols[i].caption(_("{units} units · drop rate p = {p}").format(units=sizes[i], p=f"{1 - q:.2g}"))
        keep.append(q)
    return tuple(keep)


def vector_text(container=st) -> np.ndarray | None:
    """The editable vector (None, with an error shown, if it does not parse)."""
    text = _text(_("Vector x (comma-separated)"), "m_vec", DEFAULT_VECTOR,
                 _("1 to {n} numbers. The default is the classic NumPy dropout example.").format(n=sn.MAX_VECTOR),
                 container)
    try:
        return sn.parse_vector(text)
    except sn.InputError as exc:
        container.error(input_error_words(exc), icon="⚠️")
        return None


def n_draws_slider(container=st) -> int:
    """Number of masks N drawn for the vector (log-spaced choices up to 100,000)."""
    value = container.select_slider(_("Number of masks N"), options=DRAW_OPTIONS, value=DEFAULT.n_draws,
                                    key="m_draws", format_func=lambda v: f"{v:,}", bind="query-params",
                                    help=_("Each mask is a fresh Bernoulli(q) draw for every element; raising N "
                                           "extends the same sequence of draws."))
    widgets._note_rejected("m_draws", f"{value:,}")  # the URL holds the formatted option, e.g. 10,000
    return int(value)


def layer_choice(sizes: tuple[int, ...], container=st) -> int:
    """Which layer of units to show; returns its index."""
    c = layer_control(sizes)
    return c.options.index(draw_one(c, container))


def phase_choice(container=st) -> int:
    """The stepper's phase radio; returns 1..4."""
    return PHASES.index(draw_one(WIDGETS["phase"], container)) + 1


def is_playing() -> bool:
    return bool(st.session_state.get("m_playing", False))


def toggle_play() -> None:
    st.session_state["m_playing"] = not is_playing()


def step_number() -> int:
    """The stepper's training step, in [0, LAST_STEP]: a link asking for more shows the last step, with a notice."""
    step = widgets.counter("m_step")
    if step > LAST_STEP:
        widgets.notice(_("The link's value m_step={asked} is past the last training step this page replays "
                         "({last}), so step {last} is shown.").format(asked=step, last=f"{LAST_STEP:,}"))
        widgets.bump("m_step", LAST_STEP - step)
        step = LAST_STEP
    return step


def at_last_step() -> bool:
    """Whether the stepper shows the last phase of the last training step (Next has nowhere to go)."""
    return (st.session_state.get("m_phase", PHASES[0]) == PHASES[-1]
            and min(widgets.counter("m_step"), LAST_STEP) == LAST_STEP)


def next_phase() -> None:
    """Stepper: advance to the next of the four phases; after 'restore' the next training step begins.

    The last training step (LAST_STEP) ends at 'restore': there is no step after it.
    """
    if at_last_step():
        return
    i = PHASES.index(st.session_state.get("m_phase", PHASES[0]))
    st.session_state["m_phase"] = PHASES[(i + 1) % len(PHASES)]
    if i == len(PHASES) - 1:
        widgets.bump("m_step")


def restart_steps() -> None:
    """Back to training step 0, phase 1."""
    st.session_state["m_phase"] = PHASES[0]
    widgets.bump("m_step", -widgets.counter("m_step"))


# --- tables ------------------------------------------------------------------------------------------------


def layer_table(sizes, stats: sn.LayerStats) -> list[dict]:
    """Rows 'layer | keep q | drop p | kept now | expected q·n ± sd' for st.table."""
    cols = (_("layer"), _("keep q"), _("drop p"), _("kept now"), _("expected"))
    return [dict(zip(cols, (_layer_words(i, len(sizes)), f"{q:g}", f"{1 - q:.2g}",
                            _("{kept} of {total}").format(kept=k, total=n), f"{e:.2g} ± {s:.2g}")))
            for i, (n, q, k, e, s) in enumerate(zip(stats.n, stats.keep, stats.kept, stats.expected, stats.std))]


def vector_table(x, stats: sn.VectorStats, keep: float) -> list[dict]:
    """Per element: x, the two sample means against their limits, the inverted variance against its closed form."""
    def fmt(v):
        return f"{v + 0.0:.4g}"  # + 0.0 turns -0.0 (x = -20 never kept) into 0

    mean_s, mean_i, var_i = _("mean x·m"), _("mean x·m/q"), _("var x·m/q")
    return [{"x": f"{xi:g}", mean_s: fmt(ms), "q·x": fmt(keep * xi), mean_i: fmt(mi),
             var_i: fmt(v), "x²(1−q)/q": fmt(ve)}
            for xi, ms, mi, v, ve in zip(x, stats.mean_standard, stats.mean_inverted, stats.var_inverted,
                                         stats.var_inverted_exact)]


# Each run of the equivalence: (name, how it was trained, how it is tested).
EQUIVALENCE_RUNS = (
    (N_("inverted"), N_("inverted dropout; start W₀, step η"), N_("weights as trained")),
    (N_("standard, matched"), N_("standard dropout; start W₀/q, step η/q² on W"), N_("weights × q")),
    (N_("standard, same W₀ and η"), N_("standard dropout; start W₀, step η"), N_("weights × q")),
)


def equivalence_table(eq: sn.Equivalence) -> list[dict]:
    """One row per run: how it was trained and tested, and how far its test predictions are from inverted."""
    cols = (_("run"), _("trained with"), _("tested with"), _("test accuracy"),
            _("largest |Δ probability| vs inverted"), _("same predicted class as inverted"))
    rows = []
    for key, (name, how, test) in zip(("inverted", "matched", "naive"), EQUIVALENCE_RUNS):
        gap = _("0 (reference)") if key == "inverted" else f"{eq.max_prob_gap[key]:.1e}"
        agree = _("100% (reference)") if key == "inverted" else f"{eq.agree[key]:.1%}"
        rows.append(dict(zip(cols, (_(name), _(how), _(test), f"{eq.test_acc[key]:.1%}", gap, agree))))
    return rows


# --- cached library calls -----------------------------------------------------------------------------------


@st.cache_data(max_entries=512, show_spinner=False)
def thinned(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, draw: int) -> dict:
    """Mask number ``draw`` of the network (per layer, output included) with its statistics."""
    layer_masks = sn.sample_masks(sn.key(seed, "network", draw), sizes, keep)
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
    return sn.sample_masks(sn.key(seed, "batch", draw), sizes, keep, batch=batch)


@st.cache_data(max_entries=256, show_spinner=False)
def vector_demo(x: tuple[float, ...], keep: float, seed: int, draw: int, n_draws: int):
    """(one draw on x, statistics of n_draws draws) for the vector demo."""
    xa = np.asarray(x, np.float64)
    return (sn.vector_draw(sn.key(seed, "vector", draw), xa, keep),
            sn.vector_statistics(sn.key(seed, "vector_stats"), xa, keep, n_draws))


def equivalence(seed: int, keep: float) -> sn.Equivalence:
    """Inverted vs standard dropout on a trained 2-8-8-2 net (same keep on every layer)."""
    with st.spinner(_("Training three tiny networks (compiles once per server)…")):
        return _equivalence(seed, keep)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def _equivalence(seed: int, keep: float) -> sn.Equivalence:
    return sn.standard_vs_inverted(seed, keep)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def gallery(keep_in: float, keep_hidden: float) -> sn.Gallery:
    """The 16 subnetworks of the 2-2-1 network."""
    return sn.small_network_gallery(keep_in, keep_hidden)


def training_step(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, step: int) -> sn.StepDemo:
    """Step ``step`` of SGD with inverted dropout on the user's network."""
    with st.spinner(_("Replaying the training steps…")):
        return _training_step(sizes, keep, seed, step)


@st.cache_data(max_entries=256, show_spinner=False)
def _training_step(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, step: int) -> sn.StepDemo:
    return sn.training_step(sn.key(seed, "step"), sizes, keep, step, lr=STEP_LR)


def running_mean_bands(stats: sn.VectorStats, keep: float) -> dict:
    """experiment.running_mean_bands with the series named in the page's language."""
    names = {"inverted": _("inverted x·m/q"), "standard": _("standard x·m")}
    return {names[k]: v for k, v in sn.running_mean_bands(stats, keep).items()}


# --- the stepper's words -------------------------------------------------------------------------------------


def _dropped_text(demo: sn.StepDemo) -> str:
    dropped = sum(int((m == 0).sum()) for m in demo.masks[:-1])
    total = sum(len(m) for m in demo.masks[:-1])
    return _("{dropped} of {total} units dropped").format(dropped=dropped, total=total)


def step_title(demo: sn.StepDemo, phase: int) -> str:
    """Title of the stepper's diagram for a phase."""
    if phase == 1:
        return _("Step {step} · 1/4: a new mask — {dropped}").format(step=demo.step, dropped=_dropped_text(demo))
    return {2: _("Step {step} · 2/4: forward + backward, thinned"),
            3: _("Step {step} · 3/4: weights updated"),
            4: _("Step {step} · 4/4: all units restored")}[phase].format(step=demo.step)


def gradient_title(demo: sn.StepDemo, phase: int) -> str:
    if phase == 2:
        return _("∂L/∂W of this step: grey cells are exactly 0")
    return _("The update is −η·∂L/∂W (η = {lr}): the grey weights did not move at all").format(lr=f"{STEP_LR:g}")


def step_text(demo: sn.StepDemo, phase: int) -> None:
    """The explanation beside the stepper's diagram (numbers from the engine)."""
    full_loss = _("Full network's loss on this batch")
    st.metric(_("Training step"), f"{demo.step}", help=_("Steps already taken before this one (plain SGD)."))
    if phase == 1:
        st.markdown(_("Training step **{step}** draws its mask: **{dropped}**. Every connection into or out of a "
                      "dropped unit is gone for this step. Kept units are multiplied by 1/q (inverted "
                      "dropout).").format(step=demo.step, dropped=_dropped_text(demo)))
        st.metric(full_loss, f"{demo.loss_full_before:.4f}")
    elif phase == 2:
        st.metric(_("Subnetwork's loss on this batch"), f"{demo.loss_thinned:.4f}")
        st.markdown(_("**{touching} of {weights}** weights enter or leave a dropped unit, and **{zero}** of them "
                      "have a gradient of **exactly 0**: a dropped unit's output is multiplied by 0, so nothing "
                      "flows back through it.").format(touching=demo.n_touching, weights=demo.n_weights,
                                                       zero=demo.n_touching_zero))
        if demo.n_other_zero:
            st.caption(_("{n} further weights also have zero gradient: they feed ReLU units that were inactive for "
                         "every example of this minibatch — that is ReLU, not dropout.").format(n=demo.n_other_zero))
    elif phase == 3:
        st.markdown(_("SGD moves every weight by −η ∂L/∂W. The **{touching}** weights of dropped units do **not "
                      "move**: this step trained only the subnetwork. (Momentum or Adam would still move them, from "
                      "earlier steps' gradients.)").format(touching=demo.n_touching))
        st.metric(full_loss, f"{demo.loss_full_after:.4f}",
                  delta=f"{demo.loss_full_after - demo.loss_full_before:+.4f}", delta_color="inverse")
    else:
        st.markdown(_("Every unit comes back with its weights: the dropped ones exactly as before the step. The full "
                      "network now starts step **{next}**, which draws a new mask — press **Next ▶**.").format(
            next=demo.step + 1))
        st.metric(full_loss, f"{demo.loss_full_after:.4f}", delta_color="inverse",
                  delta=_("{change} in this step").format(
                      change=f"{demo.loss_full_after - demo.loss_full_before:+.4f}"))


def diagram_layout(sizes, ratio: float, presenter: bool = False):
    """(diagram box, side box, second side box): beside the diagram for up to 5 layers, else below it.

    Deep networks need the full width for their column labels; their side text then goes underneath in
    two columns. For small networks both side boxes are the same column. In presenter mode the diagram has the
    width (its controls are in the page's side column) and the side text goes below.
    """
    if len(sizes) > 5 or presenter:
        box = st.container()
        a, b = st.columns([1, 1.4], gap="large")
        return box, a, b
    box, side = st.columns([ratio, 1], gap="large")
    return box, side, side


def resample_button(box=st) -> None:
    box.button(_("🎲 Sample a new mask"), key="m_resample", type="primary", shortcut="N",
               on_click=widgets.bump, args=("m_draw",),
               help=_("Draw the mask the next minibatch would get (keyboard: N)."))


# --- the page ------------------------------------------------------------------------------------------------


def render(presenter: bool) -> None:
    """Draw the lesson (below the frame that nav.page_setup drew)."""
    lang = current_language()  # for the figures' own labels
    st.title(_("Masks and subnetworks"))
    # Presenter mode: the key controls in a narrow column (the open tab's own on top), the tabs and their main
    # figure beside it, the explanation folded at the bottom.
    if presenter:
        side, main = layout.stage(True, controls_width=0.24)
        tab_side, net_side = side.container(), side.container()
        about = layout.explanation(True)
    else:
        main = st.container()
        tab_side = net_side = about = None
    (about or st).markdown(_("A dropout **mask** is one coin flip per unit: heads (probability **q**, the *keep probability*) the "
                  "unit works, tails (probability **p = 1 − q**, the *drop rate*) it is silenced together with every "
                  "connection into and out of it. What remains is a **subnetwork**. Output units are never dropped. "
                  "Dropout is **inverted** here unless a section says otherwise: kept units are multiplied by 1/q "
                  "while training, so nothing needs rescaling at test time."))

    top = st.columns([2, 1, 3], gap="medium") if not presenter else [net_side, net_side, about]
    with top[0]:
        sizes = network_sizes()
    seed = draw_one(WIDGETS["seed"], top[1])
    top[2].caption(_("Keep q = 0 is not offered: inverted dropout divides by q, and a layer that is always dropped "
                     "would cut every input off from the output. Keep q = 1 switches dropout off for that layer."))
    controls = MasksControls(sizes=sizes, keep=keep_sliders(sizes, net_side), seed=seed)

    with main:
        _tabs(controls, presenter, lang, tab_side)
    widgets.show_url_notices()


def _tabs(controls: MasksControls, presenter: bool, lang: str, side) -> None:
    if lang != "en" and not presenter:
        st.caption(_("Tabs: {tabs}").format(tabs=_("; ").join(
            _("**{title}** ({translated})").format(title=t, translated=_(t)) for t in TABS)))
    # Bound to the URL so a link opens the same section; only the open tab computes anything.
    tabs = widgets.tabs(list(TABS), "m_tab")
    if tabs[0].open:
        with tabs[0]:
            _thinned_tab(controls, presenter, lang, side)
    for tab, draw in zip(tabs[1:], (_minibatch_tab, _vector_tab, _gallery_tab, _step_tab)):
        if tab.open:
            with tab:
                if presenter:  # its controls sit in the side column, outside the tab: a fragment cannot write there
                    draw(controls, presenter, lang, side)
                else:
                    # The network, keep and seed above the tabs rerun the page, and the tab with them.
                    widgets.tab_fragment(draw, controls, presenter, lang, None)


def _thinned_tab(c: MasksControls, presenter: bool, lang: str, side=None) -> None:
    playing = is_playing()
    row = [side] * 3 if presenter else st.columns([2, 1.1, 1.3, 1.6], vertical_alignment="bottom")
    resample_button(row[0])
    row[1].button(_("⏸ Pause") if playing else _("▶ Play"), key="m_play", shortcut="P", on_click=toggle_play,
                  help=_("Draw a new mask every few seconds, as consecutive minibatches would (keyboard: P)."))
    speed = draw_one(WIDGETS["speed"], row[2])

    @st.fragment(run_every=speed if playing else None)
    def thinned_network():
        if playing:
            widgets.bump("m_draw")
        draw = widgets.counter("m_draw")
        res = thinned(c.sizes, c.keep, c.seed, draw)
        box, side_a, side_b = diagram_layout(c.sizes, 1.7, presenter)
        with box:
            fig = labelled_diagram(list(c.sizes), res["masks"], keep=list(c.keep), presenter=presenter, lang=lang)
            widgets.chart(fig, key=layout.MAIN_FIGURE_KEY)
            caption = (_("Mask #{draw} of seed {seed} — playing. Dashed grey circles with a cross are dropped units; "
                         "none of their connections remain.") if playing else
                       _("Mask #{draw} of seed {seed}. Dashed grey circles with a cross are dropped units; none of "
                         "their connections remain."))
            st.caption(caption.format(draw=draw, seed=c.seed))
        with side_a:
            count = res["count"]
            st.metric(_("Subnetworks"), count.exact,
                      help=_("d = number of droppable units (in layers with keep q < 1); each subset of them that is "
                             "kept is one subnetwork, so there are 2^d."))
            st.caption(scale_words(count))
        with side_b:
            widgets.table(layer_table(c.sizes, res["stats"]))
            st.caption(_("Kept units per layer follow a binomial law: expected q·n, give or take the standard "
                         "deviation √(n q (1 − q))."))
    thinned_network()


def _minibatch_tab(c: MasksControls, presenter: bool, lang: str, side=None) -> None:
    stage, about = layout.figure_first(presenter)
    about.markdown(_("In training, **every example of a minibatch gets its own mask**: a batch of 32 trains up to 32 "
                  "different subnetworks at once, all sharing the same weights."))
    left, right = (side, stage) if presenter else stage.columns([1.3, 2.6], gap="large")
    with left:
        resample_button()
        batch = draw_one(WIDGETS["batch"])
        layer = layer_choice(c.sizes)
        st.caption(_("{keep} on this layer. The bars below the masks are the fraction of examples that kept each "
                     "unit; they scatter around the dashed line q and tighten as the batch grows.").format(
            keep=keep_words(c.keep[layer])))
    with right:
        draw = widgets.counter("m_draw")
        title = _("One minibatch, {layer} layer: a row per example").format(layer=_layer_words(layer, len(c.sizes)))
        masks = batch_masks(c.sizes, c.keep, c.seed, draw, batch)[layer]
        # Built once per language and mode (Plotly's validation); other masks are filled into it. Kept per what it
        # shows (the masks come from these settings through a cached call).
        frame = figure_cache.figure("m_minibatch_frame", (presenter, lang), lambda: mask_heatmap(
            masks, keep=c.keep[layer], presenter=presenter, lang=lang, title=title))
        fig = figure_cache.figure("m_minibatch", (c.sizes, c.keep, c.seed, draw, batch, layer, presenter, lang, title),
                                  lambda: refill_mask_heatmap(frame, masks, keep=c.keep[layer], presenter=presenter,
                                                              lang=lang, title=title))
        widgets.chart(fig, key=layout.MAIN_FIGURE_KEY)


def _vector_tab(c: MasksControls, presenter: bool, lang: str, side=None) -> None:
    stage, about = layout.figure_first(presenter)
    about.markdown(_("The classic NumPy example drops entries of x = (1, …, 10) with **drop level 0.4**, which is the "
                  "drop rate: **p = 0.4, keep q = 0.6**. A mask m has independent entries, 1 with probability q. "
                  "*Standard* dropout trains on x·m, *inverted* dropout on x·m/q."))
    left, right = (side, stage) if presenter else stage.columns([1.3, 2.6], gap="large")
    with left:
        x = vector_text()
        q_vec = draw_one(WIDGETS["vec_keep"])
        st.caption(keep_words(q_vec))
        n_draws = n_draws_slider()
        resample_button()
    if x is not None:
        draw = widgets.counter("m_draw")
        one, stats = vector_demo(tuple(x), q_vec, c.seed, draw, n_draws)
        with right:
            names = (_("mask m"), _("standard: x·m"), _("inverted: x·m/q"))
            title = _("One mask on x, {keep}").format(keep=keep_words(q_vec))
            # The one mask does not depend on N (the statistics' draws are their own sequence).
            fig = figure_cache.figure("m_vector", (tuple(x), q_vec, c.seed, draw, presenter, lang, names, title),
                                      lambda: vector_bars(x, {"x": x, names[0]: one.mask, names[1]: one.standard,
                                                              names[2]: one.inverted},
                                                          presenter=presenter, lang=lang, title=title))
            widgets.chart(fig, key=layout.MAIN_FIGURE_KEY)
        st.latex(r"\mathbb{E}[x\,m] = q\,x,\qquad \mathbb{E}\!\left[\tfrac{x\,m}{q}\right] = x,\qquad "
                 r"\operatorname{Var}\!\left[\tfrac{x\,m}{q}\right] = x^2\,\frac{1-q}{q}"
                 r"\qquad\text{for } m \sim \text{Bernoulli}(q)")
        left, right = st.columns([1.4, 1], gap="large")
        with left:
            bands = running_mean_bands(stats, q_vec)
            hline = {_("1: inverted tends to x"): 1.0,
                     _("q = {q}: standard tends to q·x").format(q=f"{q_vec:g}"): q_vec}
            # Built once per language and mode (Plotly's validation); other statistics are filled into it.
            frame = figure_cache.figure("m_running_mean_frame", (presenter, lang), lambda: band_chart(
                stats.draws, bands, hline=hline, log_x=True, x_title=_("number of masks drawn"),
                y_title=_("running mean ÷ x"), presenter=presenter, title=_("Running mean ÷ x")))
            # The statistics depend on x, q, the seed and N, not on the one mask's draw.
            fig = figure_cache.figure("m_running_mean", (tuple(x), q_vec, c.seed, n_draws, presenter, lang),
                                      lambda: refill_band_chart(frame, stats.draws, bands, hline,
                                                                title=_("Running mean ÷ x")))
            widgets.chart(fig, key="m_running_mean")
        with right:
            widgets.table(vector_table(x, stats, q_vec))
            st.caption(_("Left: the running mean of each element's output divided by that element (x ≠ 0); line = "
                         "average over the elements, band = lowest to highest. Table: over all N = {n} masks, sample "
                         "variance with N − 1.").format(n=f"{n_draws:,}"))

    st.subheader(_("The same statement for a whole network"))
    st.markdown(_("Standard dropout trains on m·h and multiplies each layer's outgoing weights by q at test time; "
                  "inverted dropout trains on m·h/q and tests as is. They are **the same model in different units** "
                  "— but only when the two runs are matched, as the algebra shows:"))
    st.latex(r"(m \odot h / q)\,W_{\text{inv}} = (m \odot h)\,W_{\text{std}} \iff W_{\text{inv}} = q\,W_{\text{std}}"
             r",\qquad \frac{\partial L}{\partial W_{\text{std}}} = q\,\frac{\partial L}{\partial W_{\text{inv}}}")
    st.markdown(_("So with plain SGD the standard run must start from W₀/q and take steps of size η/q² on each weight "
                  "matrix (biases: η); then q·W_std = W_inv after every step. With the same start W₀ and the same η, "
                  "the standard run is — in the inverted run's units — started at q·W₀ and moved by "
                  "q²·η·∂L/∂W_inv: a different start and smaller steps, so it ends at a different network."))
    try:
        eq = equivalence(c.seed, q_vec)
    except ValueError as exc:
        widgets.error(exc)
        return
    widgets.table(equivalence_table(eq))
    if eq.test_acc["inverted"] < 0.6:
        st.warning(_("With {keep} on every layer, inputs included, this small network does not learn (test accuracy "
                     "near chance), so the comparison says little here. Try keep q ≥ 0.4.").format(
            keep=keep_words(q_vec)), icon="⚠️")
    st.caption(_("Three runs of the training engine on two moons: a 2-8-8-2 ReLU network, {keep} on every layer, "
                 "plain SGD (η = {lr}), {steps} steps, the same minibatches and the same masks. After training, the "
                 "largest |q·W_std − W_inv| is {gap} of the largest weight (float32 rounding). With momentum the "
                 "same η/q² matches; Adam divides by the gradient's scale, so there the matching step is η/q (equal "
                 "up to Adam's ε).").format(keep=keep_words(q_vec), lr=f"{eq.lr:g}", steps=eq.steps,
                                             gap=f"{eq.weight_gap:.1e}"))


def _gallery_tab(c: MasksControls, presenter: bool, lang: str, side=None) -> None:
    g = gallery(c.keep[0], c.keep[1])
    left, right = (st.container(), st.container()) if presenter else st.columns([2, 1], gap="large")
    with left:
        fig = figure_cache.figure("m_gallery", (c.keep[0], c.keep[1], presenter, lang), lambda: gallery_figure(
            list(sn.GALLERY_SIZES), g.layer_masks, g.probs, has_path=g.has_path, cols=4, presenter=presenter,
            title=_("All 16 subnetworks of 2-2-1, with P(mask)"), lang=lang))
        widgets.chart(fig, key=layout.MAIN_FIGURE_KEY)
    with right:
        st.markdown(_("The network of the textbook figure — 2 inputs, 2 hidden units, 1 output — has 4 droppable "
                      "units, hence 2⁴ = 16 subnetworks. Each is drawn with its probability under this page's keep "
                      "values: inputs {keep_in}, hidden units {keep_hidden}.").format(
            keep_in=keep_words(c.keep[0]), keep_hidden=keep_words(c.keep[1])))
        st.metric(_("Subnetworks without a path"), _("{n} of {total}").format(n=g.n_no_path, total=16),
                  help=_("No path from an input to the output: both inputs or both hidden units are dropped, and "
                         "the subnetwork outputs a constant."))
        st.metric(_("Their total probability"), f"{g.p_no_path:.4f}")
        res = thinned(c.sizes, c.keep, c.seed, 0)
        st.subheader(_("Your network, {sizes}").format(sizes="-".join(map(str, c.sizes))))
        st.metric(_("P(some path survives)"), f"{res['path']:.6g}",
                  help=_("Probability that at least one input still reaches the output through kept units."))
        st.metric(_("P(a given path survives)"), f"{res['single_path']:.4g}",
                  help=_("Probability that one particular input-to-output path keeps all its units."))
    st.latex(r"P(\text{some path}) = \prod_{i} \bigl(1 - (1 - q_i)^{n_i}\bigr),\qquad "
             r"P(\text{a given path}) = \prod_i q_i")
    st.caption(_("Products over the layers before the output, layer i having n_i units with keep q_i, every unit "
                 "dropped independently. In a fully connected network some path survives exactly when every layer "
                 "keeps at least one unit. A given path needs one particular unit in every layer, so with the same q "
                 "everywhere it survives with probability q^L for L dropped layers: deep paths are fragile, and the "
                 "network must spread what it learns over many of them."))


def _step_tab(c: MasksControls, presenter: bool, lang: str, side=None) -> None:
    stage, about = layout.figure_first(presenter)
    about.markdown(_("One training step with dropout: **(1)** sample a mask, **(2)** run the minibatch forward and "
                  "backward through the thinned network, **(3)** update the weights, **(4)** restore all units; the "
                  "next step samples a new mask. Here one mask is shared by the whole minibatch, so the step trains "
                  "exactly one subnetwork (the engine normally gives each example its own, as in *One minibatch*). "
                  "Plain SGD, η = 0.1, on a random labelled minibatch of 32."))
    # Translated labels can be wider than "Next ▶" and "⟲ Step 0": wider columns keep them on the buttons.
    row = [side] * 3 if presenter else stage.columns([1.0, 1.1, 5.9] if lang == "en" else [1.4, 1.4, 5.2],
                                                     vertical_alignment="bottom")
    step = step_number()
    row[0].button(_("Next ▶"), key="m_next", type="primary", shortcut="S", on_click=next_phase,
                  disabled=at_last_step(),
                  help=_("The next phase; after phase 4 the next training step, up to step {last} (keyboard: "
                         "S).").format(last=f"{LAST_STEP:,}"))
    row[1].button(_("⟲ Step 0"), key="m_restart", on_click=restart_steps, help=_("Back to the first training step."))
    phase = phase_choice(container=row[2])
    try:
        demo = training_step(c.sizes, c.keep, c.seed, step)
    except ValueError as exc:
        widgets.error(exc)
        return
    with stage:
        box, text_box, _side_b = diagram_layout(c.sizes, 1.4, presenter)
    shown = (c.sizes, c.keep, c.seed, step, phase, presenter, lang)  # what the stepper's figures show
    with box:
        title = step_title(demo, phase)
        fig = figure_cache.figure("m_step", (shown, title), lambda: labelled_diagram(
            list(c.sizes), None if phase == 4 else demo.masks,
            weights=demo.params_before if phase <= 2 else demo.params_after, keep=list(c.keep), presenter=presenter,
            title=title, lang=lang))
        widgets.chart(fig, key=layout.MAIN_FIGURE_KEY)
    with text_box:
        step_text(demo, phase)
    if phase in (2, 3):
        title = gradient_title(demo, phase)
        fig = figure_cache.figure("m_gradients", (shown, title), lambda: gradient_grid(
            demo.grads, demo.masks, presenter=presenter, title=title, lang=lang))
        with stage:
            widgets.chart(fig, key="m_gradients")
