"""Session state, the play loop and the cached sweeps behind the live-training page.

The live run (stacked weights, curve history, the last mask) belongs to one browser session, so it lives
in st.session_state, never in a shared cache. The figures of the live area are built once per layout
and then updated in place each frame (see dropout_viz/figures/training_page.py); they live in the session
too. The play loop is an st.fragment with run_every: while playing, only the live area reruns, one chunk
of training per frame. Sweeps are st.cache_data functions of plain scalars, shared by every session.
"""
from __future__ import annotations

import dataclasses
import gc

import numpy as np
import streamlit as st

from .. import datasets, playground
from ..figures import band_chart
from ..figures import training_page as tfig
from ..figures.style import CLASS_COLORS, keep_text, model_colors
from . import common as ui

# Streamlit runs a full gc.collect(2) after every script run, so after every frame of the play loop. With
# JAX and Plotly imported that walk over all live objects cost about 100 ms of CPU per frame (measured with
# py-spy on the 2-core box), more than the training chunk and the figures together. The objects alive once
# this module is imported (libraries, modules) live as long as the server: freezing them removes them from
# every later collection. (The server option runner.postScriptGC = false would save the rest.)
gc.freeze()

FRAME_S = 0.1  # at most 10 frames (500 steps) a second; requests made while a frame computes merge into one
LIVE = "t_live"
PLAYING = "t_playing"
FIGS = "t_figs"
PENDING = "t_pending"  # "step" or "reset", set by a button callback, done once the hyperparameters are known
STEP_TOKEN = "t_step_token"
SWEEPS = "t_sweeps"  # the settings of the last sweep of each kind that was asked for


# --- settings and data -----------------------------------------------------------------------------

def setup_from(fields: dict) -> playground.Setup:
    """A checked Setup from widget values (ValueError names the offending one)."""
    return playground.Setup(**fields)


@st.cache_data(max_entries=64, show_spinner=False)
def dataset(name: str, noise: float, n_train: int, test_share: float, data_seed: int) -> datasets.Dataset:
    """The page's data split (shared by every session with the same settings)."""
    return playground.make_split(playground.Setup(dataset=name, noise=noise, n_train=n_train,
                                                  test_share=test_share, data_seed=data_seed))


def data_of(setup: playground.Setup) -> datasets.Dataset:
    return dataset(setup.dataset, setup.noise, setup.n_train, setup.test_share, setup.data_seed)


def load_preset_on_change(name: str, keys: dict) -> None:
    """When the user picks another data set, load the settings tuned for it into the widgets ``keys``.

    Args:
      keys: preset field -> widget key, for widgets drawn after this call (their values can still be set).
    The first run keeps whatever the link asked for.
    """
    last = st.session_state.get("t_last_data")
    st.session_state["t_last_data"] = name
    if last is None or last == name:
        return
    for field, key in keys.items():
        st.session_state[key] = playground.PRESETS[name][field]
    st.toast(f"Loaded the settings tuned for {datasets.DATASETS[name].label}.", icon="🎛️")


# --- the live run ----------------------------------------------------------------------------------

def is_playing() -> bool:
    return bool(st.session_state.get(PLAYING, False))


def step_token() -> int:
    """How many step requests this session has made: the Step button carries it, so a repeat is ignored."""
    return int(st.session_state.get(STEP_TOKEN, 0))


def live_run(setup: playground.Setup) -> playground.Live:
    """This session's run for these settings; new settings start a new run (same weights for every model)."""
    live = st.session_state.get(LIVE)
    if live is None or live.setup != setup:
        live = playground.start(setup, data_of(setup))
        st.session_state[LIVE] = live
    return live


# Button callbacks set values instead of toggling or counting: a click that lands while the play loop's
# timer fires can reach the server twice (once with the frame's request, once with its own), and a toggle
# would then undo itself.

def set_playing(value: bool) -> None:
    """Button callback: play (True) or pause (False)."""
    st.session_state[PLAYING] = bool(value)


def request(action: str, token: int | None = None) -> None:
    """Button callback: a "reset", or a "step" (once per step_token the button was drawn with)."""
    if action == "step":
        if token != step_token():
            return
        st.session_state[STEP_TOKEN] = token + 1
    st.session_state[PENDING] = action
    if action == "reset":
        st.session_state[PLAYING] = False


def new_seed(key: str, drawn_with: int) -> None:
    """Button callback: the seed after the one the button was drawn with (a new run from new weights)."""
    st.session_state[key] = int(drawn_with) + 1


def apply_pending(hps) -> None:
    """Do the step or reset a button asked for."""
    action = st.session_state.pop(PENDING, None)
    live = st.session_state[LIVE]
    if action == "step":
        st.session_state[LIVE] = playground.advance(live, hps)
    elif action == "reset":
        st.session_state[LIVE] = playground.reset(live)


# --- the live area ---------------------------------------------------------------------------------

def _figure(name: str, signature, build):
    """A session's live figure: built when its signature (layout, names, presenter) changes, else reused."""
    figs = st.session_state.setdefault(FIGS, {})
    hit = figs.get(name)
    if hit is None or hit[0] != signature:
        figs[name] = (signature, build())
    return figs[name][1]


def live_area(names, keeps, hps, lr: float, presenter: bool) -> None:
    """The fragment: while playing it reruns every FRAME_S seconds and trains one chunk per run."""
    run_every = FRAME_S if is_playing() else None
    st.fragment(run_every=run_every)(_live_body)(tuple(names), tuple(keeps), hps, lr, presenter)


def _live_body(names, keeps, hps, lr, presenter) -> None:
    apply_pending(hps)  # here, not in the page: the reset button below reruns only this fragment
    live = st.session_state[LIVE]
    if is_playing():
        live = playground.advance(live, hps)
        st.session_state[LIVE] = live
        if live.diverged is not None:
            st.session_state[PLAYING] = False
            st.rerun()  # the whole page: the Play button and the frame timer must see the pause
    setup = live.setup
    if live.diverged is not None:
        d = live.diverged
        st.error(f"**Training diverged.** The {names[d.model]} model's loss became "
                 f"{'NaN' if np.isnan(d.value) else 'infinite'} at step {d.step:,} with learning rate {lr:g}. "
                 "Training is paused and the weights are those of the last finite step. Lower the learning rate "
                 "and press Play to go on, or reset to the initial weights.", icon="💥")
        st.button("Reset to the initial weights", key="t_reset_diverged", icon=":material/replay:", on_click=request,
                  args=("reset",))
    _metrics_row(live, names)
    _main_figure(live, names, keeps, presenter)
    curves = _figure("curves", (names, setup.regression, presenter),
                     lambda: tfig.live_curves(names, classification=not setup.regression, presenter=presenter,
                                              loss_name="squared error" if setup.regression else "cross-entropy"))
    ui.chart(tfig.update_live_curves(curves, live.history), key="t_curves")


def _metrics_row(live, names) -> None:
    st.caption("Full networks on the test set: " + ("mean squared error" if live.setup.regression else
               "cross-entropy loss · share classified right") + "; the gap is test minus training loss.")
    cols = st.columns(1 + len(names))
    step = playground.step_of(live)
    cols[0].metric("Training step", f"{step:,}", help=f"{playground.CHUNK} steps per frame, one minibatch of "
                   f"{live.setup.batch_size} each; every model sees the same minibatches.")
    last = playground.final_metrics(live)
    for col, m, name in zip(cols[1:], range(len(names)), names):
        if last is None:
            col.metric(name, "–")
            continue
        gap = last["test_loss"][m] - last["train_loss"][m]
        value = f"{last['test_loss'][m]:.3f}"
        if not live.setup.regression:
            value += f" · {last['test_acc'][m]:.0%} right"
        col.metric(name, value, f"gap to train {gap:+.3f}", delta_color="inverse",
                   help="Test loss of the full network (inverted dropout: the weight-scaled network). The gap is "
                        "test loss minus training loss: how much the model fits the training points and not the "
                        "pattern.")


def _kept(live) -> list:
    """The mask to draw: the last step's, or every unit before the first step (and after a reset)."""
    return live.mask if live.mask is not None else [np.ones(n, np.float32) for n in live.config.sizes]


def _main_figure(live, names, keeps, presenter) -> None:
    """Surfaces, fitted curves or misclassified digits, and the dropout model's current mask."""
    setup = live.setup
    ds = data_of(setup)
    step = playground.step_of(live)
    sizes = live.config.sizes
    mask_title = f"Its mask at step {step:,}"
    if setup.regression or setup.dataset == "digits":
        left, right = st.columns([2.4, 1], gap="medium")
        with left:
            if setup.regression:
                xs, ys = playground.curves(live)
                fig = _figure("fits", (names, setup, presenter),
                              lambda: tfig.live_fits(xs, ys, names, x_train=ds.x_train, y_train=ds.y_train,
                                                     x_test=ds.x_test, y_test=ds.y_test, presenter=presenter))
                ui.chart(tfig.update_live_fits(fig, ys), key="t_fits")
            else:
                probs = playground.predict(live, ds.x_test)
                wrong = playground.mistakes(probs, ds.y_test, k=8)
                images = [ds.x_test[idx] for idx, _ in wrong]
                captions = [[f"{ds.y_test[i]}→{p}" for i, p in zip(idx, pred)] for idx, pred in wrong]
                n_wrong = (probs.argmax(-1) != ds.y_test).sum(-1)
                titles = [f"{name}<br>{n:,}/{ds.y_test.size} wrong" for name, n in zip(names, n_wrong)]
                fig = _figure("digits", (len(names), presenter),
                              lambda: tfig.digit_mistakes(images, captions, titles, presenter=presenter))
                st.markdown(f"**Test digits each model gets wrong at step {step:,}** (true→predicted)")
                ui.chart(tfig.update_digit_mistakes(fig, images, captions, titles), key="t_digits")
        with right:
            fig = _figure("mask", (sizes, keeps[1], presenter),
                          lambda: tfig.mask_network(sizes, live.mask, keeps[1], presenter=presenter,
                                                    title="a sampled mask"))
            tfig.update_mask_network(fig, sizes, _kept(live))
            ui.chart(fig, key="t_mask")
    else:
        xs, ys, probs = playground.surfaces(live)
        titles = list(names)
        mask = dict(sizes=sizes, kept=live.mask, keep=keeps[1], title="a sampled mask")
        fig = _figure("surfaces", (names, setup, presenter),
                      lambda: tfig.live_surfaces(xs, ys, probs, titles, x_train=ds.x_train, y_train=ds.y_train,
                                                 x_test=ds.x_test, y_test=ds.y_test, mask=mask, presenter=presenter))
        tfig.update_live_surfaces(fig, probs, titles)
        tfig.update_mask_network(fig, sizes, _kept(live))
        ui.chart(fig, key="t_surfaces")
    shown = "" if max(sizes) <= tfig.SHOWN_UNITS else f" (the first {tfig.SHOWN_UNITS} units of each layer are drawn)"
    st.caption(f"Right: the mask {names[1]} used for one example of its minibatch at step {step:,}{shown}; in = "
               f"inputs, h1, h2, … = hidden layers, out = outputs. Crossed units are dropped, with all their "
               f"connections; a fresh mask is drawn for every example at every step. "
               f"{keep_text(keeps[1][0])} for inputs, {keep_text(keeps[1][-1])} for hidden units, inverted "
               "dropout (kept units are scaled by 1/q while training, so the test-time network is the full one).")


# --- sweeps ----------------------------------------------------------------------------------------

def _progress():
    """A progress bar drawn inside the cached function (so a cache hit replays it, finished and removed)."""
    slot = st.empty()
    bar = slot.progress(0.0, text="Training the sweep's models…")

    def report(i: int, n: int) -> None:
        if i == n or i % max(1, n // 25) == 0:
            bar.progress(i / n, text=f"Training all models together: step {i * playground.CHUNK:,} of "
                                     f"{n * playground.CHUNK:,}")
    return slot, report


@st.cache_data(max_entries=32, show_spinner=False)
def keep_sweep(setup_fields: tuple, n_seeds: int, steps: int, lr: float, l2: float, keep_in: float) -> dict:
    """Test error against hidden keep over seeds (one vmapped computation), with a progress bar."""
    setup = playground.Setup(*setup_fields)
    slot, report = _progress()
    out = playground.keep_sweep(setup, n_seeds=n_seeds, steps=steps, lr=lr, l2=l2, keep_in=keep_in,
                                on_chunk=report)
    slot.empty()
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def size_keep_sweep(setup_fields: tuple, n_seeds: int, steps: int, lr: float, l2: float, keep_in: float) -> dict:
    """Test error over training-set size x hidden keep x seeds (one vmapped computation), with a progress bar."""
    setup = playground.Setup(*setup_fields)
    slot, report = _progress()
    out = playground.size_keep_sweep(setup, n_seeds=n_seeds, steps=steps, lr=lr, l2=l2, keep_in=keep_in,
                                     on_chunk=report)
    slot.empty()
    return out


def sweep_fields(setup: playground.Setup) -> tuple:
    """The setup as a plain tuple for a cache key; the sweep uses n_models = 2 whatever the live run has."""
    return dataclasses.astuple(dataclasses.replace(setup, n_models=2))


def remember_sweep(kind: str, settings: tuple) -> None:
    """Button callback: show this sweep (computed on this run, cached afterwards); pauses the live run."""
    st.session_state[PLAYING] = False
    st.session_state.setdefault(SWEEPS, {})[kind] = settings


def asked_sweep(kind: str):
    """The settings of the last sweep of this kind asked for in this session, or None."""
    return st.session_state.get(SWEEPS, {}).get(kind)


def legend(names, setup: playground.Setup) -> None:
    """The live figures' legend, drawn once here instead of inside every frame (legends are slow to lay out)."""
    colors = model_colors(names)
    swatch = ('<span style="display:inline-block;width:2.2em;border-top:4px {dash} {c};vertical-align:middle;'
              'margin:0 .35em 0 .9em"></span>')
    items = [swatch.format(dash="solid", c=colors[n]) + f"<b>{n}</b>" for n in names]
    items.append(swatch.format(dash="solid", c="#444") + "train")
    items.append(swatch.format(dash="dashed", c="#444") + "test (shaded: the gap)")
    html = " ".join(items)
    if not setup.regression and setup.spec.n_features == 2:
        html += ("<br><span style='margin-left:.9em'>● training point &nbsp; ◇ test point &nbsp; "
                 f"<span style='color:{CLASS_COLORS[0]}'>■</span> class 0 &nbsp; "
                 f"<span style='color:{CLASS_COLORS[1]}'>■</span> class 1 &nbsp; (pale = unsure, "
                 "white = 50/50, black line: P(class 1) = 0.5)</span>")
    elif setup.regression:
        html += "<br><span style='margin-left:.9em'>● training point &nbsp; ○ test point</span>"
    st.markdown(f"<div style='font-size:1.05rem;line-height:2'>{html}</div>", unsafe_allow_html=True)


def show_keep_sweep(settings: tuple, presenter: bool) -> None:
    """The keep sweep asked for in this session (computed now or taken from the cache), as a U-shaped band."""
    asked = asked_sweep("keep")
    if asked is None:
        return
    try:
        res = keep_sweep(*asked)
    except ValueError as e:
        ui.error(e)
        return
    mean, spread = playground.sweep_summary(res["error"])
    fig = band_chart(res["keeps"], {f"mean of {asked[1]} seeds": (mean, spread)},
                     x_title="keep q for hidden units (drop rate p = 1 − q)", y_title=res["metric"], presenter=presenter,
                     title=f"After {asked[2]:,} steps: mean over seeds, band from best to worst seed")
    fig.update_layout(showlegend=False)
    ui.chart(fig, key="t_sw_keep_fig")
    best = playground.best_keep(res["error"][None], res["keeps"])[0]
    st.caption(f"Left end: so little is kept that the thinned networks cannot learn the pattern (underfitting). "
               f"Right end, keep q = 1: no dropout, and the network overfits the training points. The lowest mean "
               f"error here is at {keep_text(best)}."
               + (" *These results are for earlier settings; press the button to redo them.*"
                  if asked != settings else ""))


def show_size_sweep(settings: tuple, presenter: bool) -> None:
    """The size x keep sweep asked for in this session, as a heatmap of the change against no dropout."""
    asked = asked_sweep("size")
    if asked is None:
        return
    try:
        res = size_keep_sweep(*asked)
    except ValueError as e:
        ui.error(e)
        return
    regression = playground.Setup(*asked[0]).regression
    gain = playground.dropout_gain(res["error"], res["keeps"])
    mean, _ = playground.sweep_summary(res["error"])
    fig = tfig.dropout_gain_heatmap(res["sizes"], res["keeps"], gain, mean, metric=res["metric"],
                                    percent=not regression, presenter=presenter,
                                    title="Test error with dropout minus without, after "
                                          f"{asked[2]:,} steps ({'percentage points' if not regression else 'MSE'})")
    ui.chart(fig, key="t_sw_size_fig")
    best = playground.best_keep(res["error"], res["keeps"])
    st.caption("Blue cells: dropout at that keep beats no dropout trained on the same points; vermillion: it does "
               "worse. With very few points dropout mostly costs, since there is too little signal to spare; with "
               "many points there is little overfitting left to cure. Best keep per size: "
               + ", ".join(f"{n} → q = {q:g}" for n, q in zip(res["sizes"], best))
               + ". Smaller training sets are the first rows of the largest one, repeated to its length so every "
               "model has the same shape (minibatches stay uniform over the small set)."
               + (" *These results are for earlier settings; press the button to redo them.*"
                  if asked != settings else ""))
