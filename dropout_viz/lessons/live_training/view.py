"""Session state, the play loop and the cached sweeps behind the live-training page.

The live run (stacked weights, curve history, the last mask) belongs to one browser session, so it lives
in st.session_state, never in a shared cache. The live area is a fragment holding the live view, a custom
component that plays in the browser (ui/components/live_view): each fragment run trains a batch of
snapshots (experiment.play_batch, one jitted program, shared by sessions that play the same run) and sends
them as bytes; the browser shows one per frame and asks for the next batch while it shows this one. Sweeps
are st.cache_data functions of plain scalars, shared by every session.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dropout_viz.core import datasets
from dropout_viz.core.checks import quote
from dropout_viz.figures import band_chart
from dropout_viz.figures.style import CLASS_COLORS, model_colors
from dropout_viz.ui import figure_cache, layout, widgets
from dropout_viz.ui.controls import Control, draw_one
from dropout_viz.ui import progress
from dropout_viz.ui.i18n import N_, _, current_language, keep_words
from dropout_viz.ui.components import live_view

from . import experiment
from . import figures as tfig

LIVE = "t_live"
PLAYING = "t_playing"
FIGS = "t_figs"
PENDING = "t_pending"  # "step" or "reset", set by a button callback, done once the hyperparameters are known
STEP_TOKEN = "t_step_token"
SWEEPS = "t_sweeps"  # the settings of the last sweep of each kind that was asked for
CSV_POINTS = "t_csv_points"  # the last good upload (datasets.Points): a bad one leaves it in place
CSV_FILE = "t_csv_file"
CSV_NOTE = "t_csv_note"  # (kind, text) about the last CSV upload
MODEL_FILE = "t_model_file"
MODEL_NOTE = "t_model_note"  # (kind, text) about the last model upload
EXPORT = "t_export"  # what the save button's deferred download reads when clicked (see save_and_load)

# The page's choices. A loaded model file must use values these widgets can show.
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PENALTIES = (0.0, 0.00001, 0.0001, 0.001, 0.01, 0.1)
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
OPTIMIZERS = {"sgd": "SGD", "momentum": N_("SGD with momentum 0.9"), "adam": "Adam"}  # shown through _()
DATA_CHOICES = (*datasets.DATASETS, experiment.CSV)
SEEDS = (0, 10_000)
NOISE = (0.0, 0.5, 0.05)  # slider range and step
SHARE = (0.1, 0.9, 0.05)
KEEP = (0.05, 1.0, 0.05)
# A data set's tuned settings (experiment.PRESETS field -> the widget table's name) are loaded into those
# widgets when the data set changes; their URL keys come from the table (WIDGETS).
PRESET_FIELDS = {"noise": "noise", "n_train": "n_train", "test_share": "share", "layers": "layers",
                 "width": "width", "keep_in": "keep_in", "keep_hidden": "keep_h", "lr": "lr"}


def model_label(name: str) -> str:
    """A model's name (experiment.model_names: 'no dropout', 'dropout q=0.5', a prime for a repeat) as the reader
    sees it. The English name stays the model's key (its colour, the saved file)."""
    base = name.rstrip("′")
    primes = name[len(base):]
    if base == "no dropout":
        return _("no dropout") + primes
    return _("dropout q={q}").format(q=base.split("=", 1)[1]) + primes


def metric_title(code: str) -> str:
    """The sweeps' metric (experiment's code "error" or "mse") in words."""
    return _("test mean squared error") if code == "mse" else _("test error (share misclassified)")


def data_label(name: str) -> str:
    """The data set's name in the select box (and the URL): the registry's label, or "Your CSV"."""
    return datasets.POINTS_LABEL if name == experiment.CSV else datasets.DATASETS[name].label



# --- settings and data -----------------------------------------------------------------------------

def setup_from(fields: dict) -> experiment.Setup:
    """A checked Setup from widget values (ValueError names the offending one)."""
    return experiment.Setup(**fields)


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def dataset(name: str, noise: float, n_train: int, test_share: float, data_seed: int, points_digest: str | None,
            _points: datasets.Points | None) -> datasets.Dataset:
    """The page's data split (shared by every session with the same settings; uploaded points by digest)."""
    return experiment.make_split(experiment.Setup(dataset=name, noise=noise, n_train=n_train,
                                                  test_share=test_share, data_seed=data_seed, points=_points))


def data_of(setup: experiment.Setup) -> datasets.Dataset:
    points = setup.points
    return dataset(setup.dataset, setup.noise, setup.n_train, setup.test_share, setup.data_seed,
                   None if points is None else points.digest, points)


def load_preset_on_change(name: str, keys: dict | None = None) -> None:
    """When the user picks another data set, load the settings tuned for it into the widgets ``keys``.

    Args:
      keys: preset field -> widget key, for widgets drawn after this call (their values can still be set).
    The first run keeps whatever the link asked for. Uploaded points set the number of training points
    to what the file allows. ``keys`` defaults to the widget table's keys for the preset's fields.
    """
    last = st.session_state.get("t_last_data")
    st.session_state["t_last_data"] = name
    if last is None or last == name:
        return
    preset = experiment.PRESETS[name]
    if keys is None:
        keys = {field: WIDGETS[table_name].key for field, table_name in PRESET_FIELDS.items()}
    for field, key in keys.items():
        if field in preset:
            st.session_state[key] = preset[field]
    points = st.session_state.get(CSV_POINTS)
    if name == experiment.CSV and points is not None:
        st.session_state["t_ntrain"] = experiment.csv_train_points(points, preset["test_share"])
    st.toast(_("Loaded the settings tuned for {data_label}.").format(data_label=data_label(name)), icon="🎛️")


# --- your own points (CSV upload) ------------------------------------------------------------------

CSV_MAX_BYTES = 1_000_000
CSV_MIN_POINTS = 20  # 10 training points (experiment.TRAIN_POINTS) and as many test points at share 0.5


def message(exc: Exception) -> str:
    """A library ValueError ready for Markdown: the app's own words, with any quoted input kept as plain text."""
    return widgets.plain(exc, limit=MESSAGE_LIMIT)


MESSAGE_LIMIT = 400  # library messages quote at most about 60 characters of the input; the rest is the app's words


def _note(kind: str, message: str, **fields) -> tuple:
    """A message for a later run: its msgid (marked with N_) and fields, translated when shown (the reader may
    switch language in between)."""
    return (kind, message, fields)


def show_note(key: str) -> None:
    note = st.session_state.get(key)
    if note is not None:
        kind, msg, fields = note
        (st.error if kind == "error" else st.success)(_(msg).format(**fields),
                                                      icon="⚠️" if kind == "error" else "✅")


def csv_input() -> datasets.Points | None:
    """The CSV uploader of "Your CSV", its messages, and the points in use (the last good upload), or None."""
    st.file_uploader(
        _("Your CSV (columns x1, x2, label)"), type=["csv"], key=CSV_FILE,
        on_change=_csv_changed, max_upload_size=1,
        help=_("A header row naming x1, x2 and label, then one point per row; two classes (any two label values), "
                     "{CSV_MIN_POINTS} to {MAX_POINTS:,} points, at most 1 MB. The points are scaled into the plotting "
                     "box. The file is read as text: nothing in it is executed. The points stay in this browser session "
                     "(a link does not carry them).").format(CSV_MIN_POINTS=CSV_MIN_POINTS, MAX_POINTS=datasets.MAX_POINTS))
    show_note(CSV_NOTE)
    points = st.session_state.get(CSV_POINTS)
    if points is not None:
        counts = np.bincount(points.y)
        src = widgets.plain(points.source)
        st.caption(_("In use: **{src}**, {n:,} points ({n0:,} of class 0, {n1:,} of class 1).").format(
            src=src, n=len(points), n0=counts[0], n1=counts[1]))
    return points


def _csv_changed() -> None:
    """Uploader callback: parse the new file; keep the previous points (and say why) when it is refused."""
    file = st.session_state.get(CSV_FILE)
    if file is None:
        st.session_state.pop(CSV_NOTE, None)  # the file was removed from the box: its points stay in use
        return
    name = widgets.plain(file.name)
    try:
        points = read_csv(file.getvalue(), file.name)
    except ValueError as exc:
        kept = CSV_POINTS in st.session_state
        why = message(exc)
        st.session_state[CSV_NOTE] = _note(
            "error", N_("**{name}** cannot be used: {why}. The previous points stay in use.") if kept
            else N_("**{name}** cannot be used: {why}."), name=name, why=why)
        return
    st.session_state[CSV_POINTS] = points
    share = st.session_state.get("t_share", experiment.PRESETS[experiment.CSV]["test_share"])
    st.session_state["t_ntrain"] = experiment.csv_train_points(points, share)
    st.session_state["t_noise"] = experiment.PRESETS[experiment.CSV]["noise"]  # your points as they are
    st.session_state[CSV_NOTE] = _note(
        "success", N_("Read {n:,} points from **{name}**; training points set to use all of them, with no added noise."),
        n=len(points), name=name)


def read_csv(data: bytes, source: str) -> datasets.Points:
    """Checked points from an uploaded CSV: two classes, the page's size limits (ValueError otherwise)."""
    x, y = datasets.parse_points_csv(data, max_bytes=CSV_MAX_BYTES, max_points=datasets.MAX_POINTS, max_classes=2)
    if len(y) < CSV_MIN_POINTS:
        raise ValueError(f"too few points: got {len(y)}, this page needs at least {CSV_MIN_POINTS} "
                         f"({experiment.TRAIN_POINTS[0]} to train on and some to test on)")
    return datasets.Points(x, y, source=source)


# --- saving and loading the models (JSON) ----------------------------------------------------------

RESTORE = "t_restore"  # a checked model file (experiment.Saved) waiting for the run its settings make
MODEL_MAX_MB = 2


def _export_json(box: dict) -> str:
    """The deferred download: the run as it is when the button is clicked (the live area keeps box current)."""
    return experiment.export_models(experiment.settled(box["live"]), box["names"], box["keeps"], lr=box["lr"],
                                    l2=box["l2"])


def save_and_load(setup: experiment.Setup) -> None:
    """The download button (every model of the run, as JSON) and the uploader that loads such a file back."""
    box = st.session_state.setdefault(EXPORT, {})
    left, right = st.columns([1, 2], gap="medium")
    with left:
        st.download_button(
            _("Download models (JSON)"), data=functools.partial(_export_json, box),
            file_name=f"dropout-lab-{setup.dataset}-models.json", mime="application/json", key="t_download",
            on_click="ignore", icon=":material/download:",
            help=_("Every model of this run as it is at the moment you click (also while playing): weights, layer "
                         "sizes, keep values, seed, step count and the settings that rebuild its data; uploaded points are "
                         "included."))
        st.caption(_("The optimizer's running averages are not saved: after loading, Adam and momentum start them afresh."))
    with right:
        st.file_uploader(
            _("Load models (a JSON file downloaded here)"), type=["json"],
            key=MODEL_FILE, on_change=_model_changed, max_upload_size=MODEL_MAX_MB,
            help=_("Restores the weights, the settings and the step count; training goes on from there. The file is "
                         "read as JSON and checked field by field: nothing in it is executed or unpickled. A file that does "
                         "not fit changes nothing."))
        show_note(MODEL_NOTE)


def _on_grid(value: float, lo: float, hi: float, step: float, what: str) -> float:
    k = round((value - lo) / step)
    if not lo - 1e-9 <= value <= hi + 1e-9 or abs(lo + k * step - value) > 1e-6:
        raise ValueError(f"{what} = {value:g} is not one of this page's values ({lo:g} to {hi:g} in steps of {step:g})")
    return value


def _choice(value, options, what: str):
    for option in options:
        if isinstance(option, float) and abs(option - value) <= 1e-12 * max(1.0, abs(option)) or option == value:
            return option
    shown = ", ".join(f"{o:g}" if isinstance(o, float) else str(o) for o in options)
    raise ValueError(f"{what} = {quote(value)} is not one of this page's choices ({shown})")


def widget_values(saved: experiment.Saved) -> dict:
    """The page's widget values (key -> value) that show a loaded file's settings; ValueError if a widget
    cannot show one of them (the file came from another version of the page, or was edited)."""
    s = saved.setup
    for what, seed in (("the data seed", s.data_seed), ("the weight seed", s.seed)):
        if not SEEDS[0] <= seed <= SEEDS[1]:
            raise ValueError(f"{what} {seed} is outside this page's range [{SEEDS[0]}, {SEEDS[1]:,}]")
    values = {
        "t_data": s.dataset, "t_last_data": s.dataset, "t_noise": _on_grid(s.noise, *NOISE, "noise"),
        "t_ntrain": s.n_train, "t_share": _on_grid(s.test_share, *SHARE, "test share"), "t_dseed": s.data_seed,
        "t_layers": s.layers, "t_width": s.width, "t_act": _choice(s.activation, ACTIVATIONS, "activation"),
        "t_opt": _choice(s.optimizer, list(OPTIMIZERS), "optimizer"), "t_batch": s.batch_size, "t_seed": s.seed,
        "t_keep_in": _on_grid(saved.keeps[1][0], *KEEP, "input keep"),
        "t_keep_h": _on_grid(saved.keeps[1][-1], *KEEP, "hidden keep"),
        "t_third": s.n_models == 3, "t_lr": _choice(saved.lr, LEARNING_RATES, "learning rate"),
        "t_l2": _choice(saved.l2, PENALTIES, "L2 penalty"),
    }
    if s.n_models == 3:
        values["t_keep3"] = _on_grid(saved.keeps[2][-1], *KEEP, "third model's keep")
    return values


def load_file(data: bytes) -> tuple[experiment.Saved, dict]:
    """A checked model file and the widget values that show it (ValueError says what does not fit)."""
    saved = experiment.load_models(data)
    return saved, widget_values(saved)


def _model_changed() -> None:
    """Uploader callback: check the file; if it fits, stage its settings in the widgets and its weights for
    live_run. A file that does not fit leaves everything as it was and says why."""
    file = st.session_state.get(MODEL_FILE)
    if file is None:
        st.session_state.pop(MODEL_NOTE, None)
        return
    name = widgets.plain(file.name)
    try:
        saved, values = load_file(file.getvalue())
    except ValueError as exc:
        why = message(exc)
        st.session_state[MODEL_NOTE] = _note(
            "error", N_("**{name}** cannot be loaded: {why}. Nothing was changed."), name=name, why=why)
        return
    st.session_state.update(values)
    points = saved.setup.points
    if points is not None:
        st.session_state[CSV_POINTS] = points
        st.session_state[CSV_NOTE] = _note(
            "success", N_("{n:,} points taken from the model file **{name}**."), n=len(points), name=name)
    st.session_state[RESTORE] = saved
    st.session_state[PLAYING] = False
    st.session_state.pop(PENDING, None)
    st.session_state[MODEL_NOTE] = _note(
        "success", N_("Loaded {n} models from **{name}** at step {steps:,}; press Play to train on."),
        n=len(saved.params), name=name, steps=saved.steps)


# --- the live run ----------------------------------------------------------------------------------

def is_playing() -> bool:
    return bool(st.session_state.get(PLAYING, False))


def step_token() -> int:
    """How many step requests this session has made: the Step button carries it, so a repeat is ignored."""
    return int(st.session_state.get(STEP_TOKEN, 0))


def live_run(setup: experiment.Setup) -> None:
    """Make the session's run the one for these settings; new settings start a new run (same weights for every
    model). A Pause's pending run (PAUSED) is of the same run and stays pending: a page run needs its weights only
    to train, which the live area settles.

    A model file loaded just before (RESTORE) replaces the run with its weights and step count, if these
    settings are the file's (its callback put them into the widgets).
    """
    live = st.session_state.get(LIVE)
    saved = st.session_state.pop(RESTORE, None)
    if saved is not None:
        if saved.setup == setup:
            st.session_state[LIVE] = experiment.restore(setup, data_of(setup), saved.params, saved.steps)
            st.session_state.pop(PAUSED, None)
            return
        st.session_state[MODEL_NOTE] = _note(
            "error", N_("The model file's settings could not all be applied (a link parameter may have overridden one); its "
                       "weights were not loaded."))
    if live is None or live.setup != setup:
        st.session_state[LIVE] = experiment.start(setup, data_of(setup))
        st.session_state.pop(PAUSED, None)


# Button callbacks set values instead of toggling or counting: a click can reach the server twice (once with
# a batch request of the live view, once with its own), and a toggle would then undo itself.

def set_playing(value: bool) -> None:
    """Play (True) or pause (False)."""
    st.session_state[PLAYING] = bool(value)


def request(action: str, token: int | None = None) -> None:
    """Button callback: a "reset", or a "step" (once per step_token the button was drawn with); both pause."""
    if action == "step":
        if token != step_token():
            return
        st.session_state[STEP_TOKEN] = token + 1
    st.session_state[PENDING] = action
    st.session_state[PLAYING] = False


def new_seed(key: str, drawn_with: int) -> None:
    """Button callback: the seed after the one the button was drawn with (a new run from new weights).

    After the last seed comes the first again, so the widget and the link always hold a seed the page offers.
    """
    lo, hi = SEEDS
    st.session_state[key] = lo + (int(drawn_with) + 1 - lo) % (hi - lo + 1)


def apply_pending(hps, speed: int = experiment.CHUNK) -> None:
    """Do the step (one shown frame: ``speed`` steps) or reset a button asked for."""
    action = st.session_state.pop(PENDING, None)
    if action is None:
        return
    if action == "step":
        st.session_state[LIVE] = experiment.advance(_settle(), hps, speed)
    elif action == "reset":  # back to the initial weights: a pending run's weights are not needed
        st.session_state[LIVE] = experiment.reset(st.session_state[LIVE])
        st.session_state.pop(PAUSED, None)
        st.session_state.pop(KEPT, None)  # the steps start again from 0: no kept batch belongs to them


# --- the live area: the live view and the batches it plays ---------------------------------------------

VIEW = "t_view"  # the live view component's key (its trigger values: need, play, pause)
SPEED = "t_speed"  # steps per shown frame (experiment.SPEEDS)
ASKED = "t_asked"  # (event, {seq, step}) from the live view, for the fragment run it caused
SENT = "t_sent"  # (signature, playing, step, seq, bytes, wording, start step) of the last batch sent
SEQ = "t_seq"  # batches sent in this session
KEPT = "t_kept"  # the last batches played (experiment.Batch), for the snapshots the browser may still show
KEPT_MAX = 3  # batches: the one shown, the one queued behind it, and one more
# experiment.PendingRun: the run at the step a Pause stopped on, rebuilt in the background (its picture, history
# and mask are in a kept batch already, so Pause's run sends them without training); _settle() makes it the run.
PAUSED = "t_paused"
GEOMETRY = "t_geometry"  # (setup, experiment.View) of the last run shown: the same every batch of a run
# (start step, snapshots, speed, hyperparameters, meta) of the batch this session last began to train. A run that
# trained it may have been stopped before sending it (a value moved meanwhile: Streamlit stops a run at its next
# session-state access when another rerun waits); the page run that follows sends that batch instead of
# training another from the same step, and the new values start with the next batch.
BEGUN = "t_begun"
# 10 steps a frame, 300 a second: a curve point every frame, the masks visibly new at each change, and the moons'
# gap between training and test loss opening within about ten seconds (3,000 steps), slow enough to talk over.
# 50 and 200 race ahead; 1 shows the masks step by step. It is also what a class can afford: a second of play
# at 10 costs the server about 0.04 s of CPU, at 50 about 0.08 s (README, "The live view").
SPEED_DEFAULT = 10


def _on_view_event(name: str) -> None:
    """Live view callback: Play and Pause act at once; a request for the next batch is kept for the run."""
    value = live_view.event_value(VIEW, name)
    if not isinstance(value, dict):
        return
    step = value.get("step")
    step = step if isinstance(step, int) and not isinstance(step, bool) else None
    st.session_state[ASKED] = (name, step)
    if name == "pause":
        set_playing(False)
        _pause_at(step)
    elif name == "play":
        set_playing(True)
        _go_to(step)


def kept_run(kept, live: experiment.Live, step) -> experiment.Live | None:
    """The run at ``step`` rebuilt from a kept batch of ``live``'s run (replayed from the batch's start), or None."""
    found = _kept_at(kept, live, step)
    return experiment.replay(*found) if found is not None else None


def _kept_at(kept, live: experiment.Live, step) -> tuple | None:
    """(batch, k): the kept batch of ``live``'s run with a snapshot at ``step``, after its first k chunks."""
    if not isinstance(step, int):
        return None
    for batch in reversed(kept or ()):
        if batch.start.setup != live.setup or batch.start.init is not live.init:
            continue
        k, rest = divmod(step - experiment.step_of(batch.start), batch.speed)
        if not rest and 0 <= k <= len(batch.records):
            return batch, k
    return None


def _settle() -> experiment.Live | None:
    """The session's run, with a Pause's pending run rebuilt first (waits for the worker if it has begun)."""
    pending = st.session_state.get(PAUSED)
    if pending is not None:
        # Set before it is forgotten: a run stopped in between leaves the same pending run, rebuilt once.
        st.session_state[LIVE] = pending.result()
        st.session_state.pop(PAUSED, None)
    return st.session_state.get(LIVE)


def _go_to(step) -> None:
    """Make the run the one the browser shows at ``step`` (it may be behind the batches already trained)."""
    live = _settle()
    if live is None or experiment.step_of(live) == step:
        return
    run = kept_run(st.session_state.get(KEPT), live, step)
    if run is not None:
        st.session_state[LIVE] = run


def _pause_at(step) -> None:
    """Pause: the run becomes the one at the step the browser stopped on, as _go_to, but without training in this
    run: a kept batch has that step's picture, history and mask, and its weights are rebuilt in the background
    (experiment.PendingRun), before anything needs them (Play, Step, a download, the digits' mistakes)."""
    live = _settle()
    if live is None or experiment.step_of(live) == step or live.diverged is not None:
        return _go_to(step)
    found = _kept_at(st.session_state.get(KEPT), live, step)
    if found is None:
        return None
    batch, k = found
    if k == 0:
        st.session_state[LIVE] = batch.start._replace(diverged=None)
    else:
        st.session_state[PAUSED] = experiment.PendingRun(batch, k)
    return None


def _session_id() -> str:
    """This browser session's id (one batch trained ahead per session at most)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _keep(batch: experiment.Batch) -> None:
    kept = st.session_state.setdefault(KEPT, [])
    kept.append(batch)
    del kept[:-KEPT_MAX]


def geometry(setup: experiment.Setup) -> experiment.View:
    """The view geometry of a setup, made once per run (the grid and the points do not change while it plays)."""
    cached = st.session_state.get(GEOMETRY)
    if cached is not None and cached[0] == setup:
        return cached[1]
    view = experiment.view_of(setup, data_of(setup))
    st.session_state[GEOMETRY] = (setup, view)
    return view


def _meta(names, keeps, presenter: bool, speed: int, regression: bool, dataset: str) -> dict:
    """The view's strings (no numbers but flags: the numbers travel as bytes)."""
    colors = model_colors(names)
    legend = [_("● training point   ○ test point"),
              _("solid: training loss, dashed: test loss, shaded: the gap")] if regression else []
    return {
        "names": [model_label(n) for n in names], "colors": [colors[n] for n in names], "presenter": int(bool(presenter)),
        "regression": int(bool(regression)), "img": st.session_state.get(widgets.IMAGE_KEY, "png"),
        "file": f"dropout-lab-{dataset}-live",
        "status": _("{n} steps per frame").format(n=f"{speed:,}"),
        "labels": {
            "play": _("Play"), "pause": _("Pause"), "step": _("Step"),
            "download": _("Download frame"),
            "downloadPaused": _("Pause to download the frame"),
            "test": _("test"), "train": _("train"), "gap": _("loss gap"),
            "class1": _("class 1"), "trainStep": _("training step"),
            "loss": (_("Loss (squared error): solid train, dashed test, shaded gap") if regression
                     else _("Loss (cross-entropy): solid train, dashed test, shaded gap")),
            "accuracy": _("Accuracy: solid train, dashed test"),
            "mask": _("{name}: the mask of one example").format(name=model_label(names[1])),
            "maskShort": _("Its mask"),
            "fits": _("Fitted curves"), "legend": legend,
            # The canvas's alt text for screen readers.
            "alt": _("Live view of the training: for each model ({models}) its predictions on the data, the mask "
                     "of one training example, and the training and test loss over the steps.").format(
                models=", ".join(model_label(n) for n in names)),
        },
    }


@st.cache_resource(show_spinner=False)
def shared_batches() -> experiment.SharedBatches:
    """The server's batches, shared by its sessions: a class playing the same run trains it once."""
    return experiment.SharedBatches()


def live_area(names, keeps, hps, lr: float, presenter: bool, l2: float = 0.0, speed: int = SPEED_DEFAULT) -> None:
    """The fragment: the live view. A run of it (a request of the view, or the whole page) trains one batch
    of snapshots while playing; paused, it sends the run as it is."""
    st.fragment(_live_body)(tuple(names), tuple(keeps), hps, lr, presenter, l2, speed)


def _live_body(names, keeps, hps, lr, presenter, l2=0.0, speed=SPEED_DEFAULT) -> None:
    apply_pending(hps, speed)
    # Read, not popped: Streamlit stops a run at its next session-state access when another rerun is waiting
    # (a slider moved while this batch trains); the request must survive for that run. Forgotten once sent.
    asked = st.session_state.get(ASKED)
    playing = is_playing()
    # Paused at a step whose run is still being rebuilt (the Pause just pressed): this run sends that step's view
    # from the kept batch and leaves the rebuilding to the worker; any other run takes the rebuilt run.
    pending = st.session_state.get(PAUSED) if not playing else None
    live = st.session_state[LIVE] if pending is not None else _settle()
    setup = live.setup
    view = geometry(setup)
    meta = _meta(names, keeps, presenter, speed, setup.regression, setup.dataset)
    signature = (setup, id(live.init))  # a new run: the view starts over (points, history)
    wording = repr(meta)
    sent = st.session_state.get(SENT)
    seq = st.session_state.get(SEQ, 0) + 1
    shown = pending.step if pending is not None else experiment.step_of(live)  # the step the view is to show
    step = asked[1] if asked is not None else None
    if (playing and asked is not None and asked[0] == "need" and sent is not None and sent[1]
            and sent[0] == signature and sent[6] == step and sent[5] == wording):
        # The view asks again for the batch already sent (it came late, or was lost): the same bytes, not a
        # second training of the same batch.
        seq, data, start = sent[3], sent[4], sent[6]
    elif playing and live.diverged is None and (asked is not None or sent is None or not sent[1] or sent[0] != signature):
        if step is not None and step != experiment.step_of(live):
            _go_to(step)  # the browser asks for what follows its last snapshot: continue from there
            live = st.session_state[LIVE]
        reset = sent is None or sent[0] != signature or (step is not None and step != experiment.step_of(live))
        start = experiment.step_of(live)
        # The first batch after Play, or when the view starts over, is half a batch: its first frame comes sooner.
        first = reset or (asked is not None and asked[0] == "play")
        n = experiment.first_batch_frames(speed) if first else experiment.batch_frames(speed)
        begun = st.session_state.get(BEGUN)
        batch = None
        if begun is not None and begun[:3] == (start, n, speed):
            batch = shared_batches().done(live, begun[3], view, n, speed)
            if batch is not None:
                meta = begun[4]  # the names of the values it was trained with
        if batch is None:
            st.session_state[BEGUN] = (start, n, speed, hps, meta)
            batch = shared_batches().play_batch(live, hps, view, n, speed)
        _keep(batch)
        end = batch.end
        if end.diverged is not None:
            st.session_state[PLAYING] = False
            playing = False
            if batch.records:  # the last finite snapshot, with the history up to it
                records, start = batch.records[-1:], end._replace(diverged=None)
            else:
                records, start = [experiment.snapshot_record(live, experiment.grid_codes(live, view))], live
            data = experiment.encode_batch(view, start, records, seq=seq, speed=speed, playing=False, reset=True,
                                           meta=meta, diverged=True)
        else:
            data = experiment.encode_batch(view, live, batch.records, seq=seq, speed=speed, playing=True,
                                           reset=reset, meta=meta)
        st.session_state[LIVE] = live = end
    elif not playing and (sent is None or sent[1] or sent[0] != signature or sent[2] != shown
                          or sent[5] != wording or asked is not None):
        if pending is not None:
            data = pending.view_bytes(view, seq=seq, meta=meta)
        else:
            record = experiment.snapshot_record(live, experiment.grid_codes(live, view))
            data = experiment.encode_batch(view, live, [record], seq=seq, speed=speed, playing=False, reset=True,
                                           meta=meta, diverged=live.diverged is not None)
        start = None
    else:  # nothing new to show (a page run while playing): the same bytes, the browser keeps its queue
        seq, data, start = sent[3], sent[4], sent[6]
    st.session_state[SEQ] = seq
    st.session_state[SENT] = (signature, playing, shown if pending is not None else experiment.step_of(live), seq,
                              data, wording, start)
    st.session_state.pop(ASKED, None)
    # What the download button saves when clicked (it is drawn outside this fragment, once per page run).
    st.session_state.setdefault(EXPORT, {}).update(live=pending if pending is not None else live, names=list(names),
                                                   keeps=list(keeps), lr=lr, l2=l2)
    if live.diverged is not None:
        d = live.diverged
        bad = "NaN" if np.isnan(d.value) else _("infinite")
        st.error(_("**Training diverged.** The {model} model's loss became {bad} at step {step:,} with learning rate "
                   "{lr:g}. Training is paused and the weights are those of the last finite step. Lower the learning "
                   "rate and press Play to go on, or reset to the initial weights.").format(
                       model=model_label(names[d.model]), bad=bad, step=d.step, lr=lr), icon="💥")
        st.button(_("Reset to the initial weights"), key="t_reset_diverged",
                  icon=":material/replay:", on_click=request, args=("reset",))
    # The page's main figure (a browser test finds its box by the class st-key-main_figure).
    with st.container(key=layout.MAIN_FIGURE_KEY):
        live_view.mount(data, key=VIEW, on_event=_on_view_event)
    if not playing and asked is not None and asked[0] == "pause" and live.diverged is None:
        # The student pressed Pause and will likely press Play again: rebuild the run at the step shown and train
        # the first two batches of that Play now (the view asks for the second as the first arrives), in the
        # server's worker, while they look and talk, instead of on Play's requests (a class tends to press Pause
        # and Play together).
        shared_batches().prefetch(_session_id(), pending if pending is not None else live, hps, view,
                                  experiment.first_batch_frames(speed), speed, then=experiment.batch_frames(speed))
    if setup.dataset == "digits" and not playing:
        _digit_mistakes(_settle(), names)


def view_caption(setup, names, keeps) -> None:
    """What the view shows, in words. Outside the live fragment: the view's batches do not send it again."""
    regression = setup.regression
    sizes = setup.sizes
    big = max(sizes) > experiment.SHOWN_UNITS
    measure = (_("mean squared error") if regression else _("cross-entropy loss · share classified right"))
    drawn = (_(" (the first {n} units of each layer are drawn)").format(n=experiment.SHOWN_UNITS) if big else "")
    st.caption(_(
        "Above the view: the full networks on the test set ({measure}; the gap is test minus training loss). "
        "Right: the mask {name} used for one example of its minibatch at the step shown{drawn}; in = inputs, "
        "h1, h2, … = hidden layers, out = outputs. Crossed units are dropped, with all their connections; a fresh "
        "mask is drawn for every example at every step. {keep_in} for inputs, {keep_h} for hidden units, inverted "
        "dropout (kept units are scaled by 1/q while training, so the test-time network is the full one). Hover "
        "over a surface for P(class 1), over the curves for their values at a step.").format(
            measure=measure, name=model_label(names[1]), drawn=drawn, keep_in=keep_words(keeps[1][0]),
            keep_h=keep_words(keeps[1][-1])))


def _digit_mistakes(live, names) -> None:
    """The test digits each model gets wrong at the step shown (today's figure), while paused."""
    setup = live.setup
    ds = data_of(setup)
    probs = experiment.predict(live, ds.x_test)
    wrong = experiment.mistakes(probs, ds.y_test, k=8)
    images = [ds.x_test[idx] for idx, _pred in wrong]
    captions = [[f"{ds.y_test[i]}→{p}" for i, p in zip(idx, pred)] for idx, pred in wrong]
    n_wrong = (probs.argmax(-1) != ds.y_test).sum(-1)
    titles = [_("{name}<br>{n:,}/{size} wrong").format(name=model_label(name), n=n, size=ds.y_test.size)
              for name, n in zip(names, n_wrong)]
    step = experiment.step_of(live)
    st.markdown(_("**Test digits each model gets wrong at step {step:,}** (true→predicted)").format(step=step))
    widgets.chart(tfig.digit_mistakes(images, captions, titles), key="t_digits")


# --- sweeps ----------------------------------------------------------------------------------------

def _progress():
    """A progress bar drawn inside the cached function (so a cache hit replays it, finished and removed)."""
    what, unit = _("Training all the sweep's models together"), _("steps")
    report, clear = progress.bar(what, unit, scale=experiment.CHUNK)
    return clear, report


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def keep_sweep(setup_fields: tuple, n_seeds: int, steps: int, lr: float, l2: float, keep_in: float,
               _points: datasets.Points | None = None) -> dict:
    """Test error against hidden keep over seeds (one vmapped computation), with a progress bar."""
    setup = sweep_setup(setup_fields, _points)  # the points' digest is in setup_fields: the cache key
    clear, report = _progress()
    out = experiment.keep_sweep(setup, n_seeds=n_seeds, steps=steps, lr=lr, l2=l2, keep_in=keep_in,
                                on_chunk=report)
    clear()
    return out


@st.cache_data(max_entries=figure_cache.SETTINGS, show_spinner=False)
def size_keep_sweep(setup_fields: tuple, n_seeds: int, steps: int, lr: float, l2: float, keep_in: float,
                    _points: datasets.Points | None = None) -> dict:
    """Test error over training-set size x hidden keep x seeds (one vmapped computation), with a progress bar."""
    setup = sweep_setup(setup_fields, _points)  # the points' digest is in setup_fields: the cache key
    clear, report = _progress()
    out = experiment.size_keep_sweep(setup, n_seeds=n_seeds, steps=steps, lr=lr, l2=l2, keep_in=keep_in,
                                     on_chunk=report)
    clear()
    return out


SWEEP_TASKS = {"keep": "t_sw_keep_run", "size": "t_sw_size_run"}  # progress task keys (Stop: "<task>_stop")


def forget_sweep(kind: str) -> None:
    """Stop callback: the sweep is no longer asked for, so the rerun does not start it again."""
    st.session_state.get(SWEEPS, {}).pop(kind, None)


def _run_sweep(kind: str, compute, asked: tuple):
    """A sweep under progress.guarded: its Stop button forgets the request."""
    return progress.guarded(SWEEP_TASKS[kind], lambda: compute(*asked), on_stop=forget_sweep, args=(kind,))


def _stopped_sweep(kind: str) -> bool:
    """The notice after Stop (nothing is shown: a partly trained sweep would mislead); True if there was one."""
    what = _("the keep sweep") if kind == "keep" else _("the size × keep sweep")
    shown = _("No result is shown, since models stopped part way would mislead. The controls keep their values; "
              "press the button to start again.")
    return progress.stopped_notice(SWEEP_TASKS[kind], what, shown)


def sweep_fields(setup: experiment.Setup) -> tuple:
    """The setup as a plain tuple for a cache key; the sweep uses n_models = 2 whatever the live run has.

    Uploaded points appear as their digest (the last field); sweep_setup puts the points back.
    """
    s = dataclasses.replace(setup, n_models=2)
    return tuple(getattr(s, f.name) for f in dataclasses.fields(s) if f.name != "points") + (
        None if s.points is None else s.points.digest,)


def sweep_setup(fields: tuple, points: datasets.Points | None) -> experiment.Setup:
    return experiment.Setup(*fields[:-1], points=points)


def sweep_settings(setup: experiment.Setup, n_seeds: int, steps: int, lr: float, l2: float, keep_in: float) -> tuple:
    """What a sweep button remembers: the cached sweep functions' arguments, uploaded points last."""
    return (sweep_fields(setup), n_seeds, steps, lr, l2, keep_in, setup.points)


def remember_sweep(kind: str, settings: tuple) -> None:
    """Button callback: show this sweep (computed on this run, cached afterwards); pauses the live run."""
    st.session_state[PLAYING] = False
    st.session_state.setdefault(SWEEPS, {})[kind] = settings
    progress.forget(SWEEP_TASKS[kind])


def asked_sweep(kind: str):
    """The settings of the last sweep of this kind asked for in this session, or None."""
    return st.session_state.get(SWEEPS, {}).get(kind)


def legend(names, setup: experiment.Setup) -> None:
    """The live figures' legend, drawn once here instead of inside every frame (legends are slow to lay out)."""
    colors = model_colors(names)
    swatch = ('<span style="display:inline-block;width:2.2em;border-top:4px {dash} {c};vertical-align:middle;'
              'margin:0 .35em 0 .9em"></span>')
    items = [swatch.format(dash="solid", c=colors[n]) + f"<b>{model_label(n)}</b>" for n in names]
    items.append(swatch.format(dash="solid", c="#444") + _("train"))
    items.append(swatch.format(dash="dashed", c="#444") + _("test (shaded: the gap)"))
    html = " ".join(items)
    if not setup.regression and setup.spec.n_features == 2:
        html += ("<br><span style='margin-left:.9em'>" + _("● training point &nbsp; ◇ test point") + " &nbsp; "
                 + f"<span style='color:{CLASS_COLORS[0]}'>■</span> " + _("class 0") + " &nbsp; "
                 + f"<span style='color:{CLASS_COLORS[1]}'>■</span> " + _("class 1") + " &nbsp; "
                 + _("(pale = unsure, white = 50/50, black line: P(class 1) = 0.5)") + "</span>")
    elif setup.regression:
        html += ("<br><span style='margin-left:.9em'>"
                 + _("● training point &nbsp; ○ test point") + "</span>")
    st.markdown(f"<div style='font-size:1.05rem;line-height:2'>{html}</div>", unsafe_allow_html=True)


def show_keep_sweep(settings: tuple, presenter: bool) -> None:
    """The keep sweep asked for in this session (computed now or taken from the cache), as a U-shaped band."""
    asked = asked_sweep("keep")
    if asked is None:
        _stopped_sweep("keep")
        return
    try:
        res = _run_sweep("keep", keep_sweep, asked)
    except ValueError as e:
        widgets.error(e)
        return
    mean, spread = experiment.sweep_summary(res["error"])
    fig = band_chart(res["keeps"], {_("mean of {n} seeds").format(n=asked[1]): (mean, spread)},
                     x_title=_("keep q for hidden units (drop rate p = 1 − q)"),
                     y_title=metric_title(res["metric"]), presenter=presenter,
                     title=_("After {steps:,} steps: mean over seeds, band from best to worst seed").format(steps=asked[2]))
    fig.update_layout(showlegend=False)
    widgets.chart(fig, key="t_sw_keep_fig")
    best = experiment.best_keep(res["error"][None], res["keeps"])[0]
    old = asked != settings
    earlier = _(" *These results are for earlier settings; press the button to redo them.*") if old else ""
    st.caption(_("Left end: so little is kept that the thinned networks cannot learn the pattern (underfitting). "
                 "Right end, keep q = 1: no dropout, and the network overfits the training points. The lowest mean "
                 "error here is at {keep}.").format(keep=keep_words(best)) + earlier)


def show_size_sweep(settings: tuple, presenter: bool) -> None:
    """The size x keep sweep asked for in this session, as a heatmap of the change against no dropout."""
    asked = asked_sweep("size")
    if asked is None:
        _stopped_sweep("size")
        return
    try:
        res = _run_sweep("size", size_keep_sweep, asked)
    except ValueError as e:
        widgets.error(e)
        return
    regression = sweep_setup(asked[0], asked[6]).regression
    gain = experiment.dropout_gain(res["error"], res["keeps"])
    mean, _spread = experiment.sweep_summary(res["error"])
    unit = _("percentage points") if not regression else _("MSE")
    fig = tfig.dropout_gain_heatmap(res["sizes"], res["keeps"], gain, mean, metric=metric_title(res["metric"]),
                                    percent=not regression, presenter=presenter, lang=current_language(),
                                    title=_("Test error with dropout minus without, after {steps:,} steps ({unit})").format(
                                        steps=asked[2], unit=unit))
    widgets.chart(fig, key="t_sw_size_fig")
    best = experiment.best_keep(res["error"], res["keeps"])
    per_size = ", ".join(f"{n} → q = {q:g}" for n, q in zip(res["sizes"], best))
    old = asked != settings
    earlier = _(" *These results are for earlier settings; press the button to redo them.*") if old else ""
    st.caption(_("Blue cells: dropout at that keep beats no dropout trained on the same points; vermillion: it does "
                 "worse. With very few points dropout mostly costs, since there is too little signal to spare; with "
                 "many points there is little overfitting left to cure. Best keep per size: {per_size}. Smaller "
                 "training sets are the first rows of the largest one, repeated to its length so every model has the "
                 "same shape (minibatches stay uniform over the small set).").format(per_size=per_size) + earlier)


# --- the lesson's controls: one table (URL keys unchanged, so old links open the same pictures) ---------

def _g(v) -> str:
    return f"{v:g}"


def _thousands(v) -> str:
    return f"{v:,}"


WIDGETS = {
    # sidebar: data
    "data": Control("t_data", "select", N_("Data set"), "moons", options=DATA_CHOICES, format_func=data_label,
                    help=N_("2-D sets show decision surfaces; the noisy sine is regression; digits are real 8x8 "
                            "handwritten images (64 inputs, 10 classes); Your CSV trains on 2-D points you upload. "
                            "Picking a data set loads settings tuned to show the effect on it.")),
    "noise": Control("t_noise", "slider", N_("Noise"), 0.3, lo=NOISE[0], hi=NOISE[1], step=NOISE[2],
                     help=N_("Standard deviation of the jitter added to each coordinate (2-D, your CSV), to y "
                             "(sine) or to each pixel (digits).")),
    "n_train": Control("t_ntrain", "number", N_("Training points"), 100, lo=experiment.TRAIN_POINTS[0],
                       hi=experiment.TRAIN_POINTS[1], help=N_("Few points make overfitting easy to see.")),
    "share": Control("t_share", "slider", N_("Test share of all points"), 0.5, lo=SHARE[0], hi=SHARE[1],
                     step=SHARE[2], fmt="%.2f", help=N_("0.5: one test point for every training point.")),
    "data_seed": Control("t_dseed", "number", N_("Data seed"), 0, lo=SEEDS[0], hi=SEEDS[1],
                         help=N_("Regenerate the data with another seed.")),
    # sidebar: network
    "layers": Control("t_layers", "slider", N_("Hidden layers"), 2, lo=1, hi=experiment.MAX_HIDDEN_LAYERS),
    "width": Control("t_width", "slider", N_("Units per hidden layer"), 32, lo=1, hi=experiment.MAX_WIDTH),
    "activation": Control("t_act", "select", N_("Activation"), "relu", options=ACTIVATIONS),
    "optimizer": Control("t_opt", "select", N_("Optimizer"), "adam", options=tuple(OPTIMIZERS),
                         format_func=lambda k: _(OPTIMIZERS[k])),
    "batch": Control("t_batch", "select", N_("Batch size"), 32, options=experiment.BATCH_SIZES),
    # above the live view
    "seed": Control("t_seed", "number", N_("Weight seed"), 0, lo=SEEDS[0], hi=SEEDS[1],
                    help=N_("Seed of the initial weights, the minibatch order and the masks; every model shares "
                            "it.")),
    "keep_in": Control("t_keep_in", "keep", N_("Keep q for the inputs"), experiment.CONFIG.keep_in),
    "keep_h": Control("t_keep_h", "keep", N_("Keep q for the hidden units"), experiment.CONFIG.keep_hidden),
    "lr": Control("t_lr", "select", N_("Learning rate"), experiment.CONFIG.lr, options=LEARNING_RATES,
                  format_func=_g),
    "l2": Control("t_l2", "select", N_("L2 penalty (both models)"), experiment.CONFIG.l2, options=PENALTIES,
                  format_func=_g, help=N_("Adds (λ/2)·Σw² to both models' loss (biases not penalised).")),
    "third": Control("t_third", "toggle", N_("Third model"), False,
                     help=N_("A second dropout model at another hidden keep. Adding or removing it restarts every "
                             "model from the same initial weights.")),
    "keep3": Control("t_keep3", "keep", N_("Its keep q (hidden units)"), 0.8),
    "speed": Control(SPEED, "select", N_("Steps per frame"), SPEED_DEFAULT, options=experiment.SPEEDS,
                     format_func=_thousands,
                     help=N_("Training steps between two frames of the view: 1 shows every step's mask, 200 races "
                             "to step 5,000 in a second or two. Play shows 30 frames a second.")),
    # the sweeps
    "sw_seeds": Control("t_sw_seeds", "slider", N_("Seeds per setting"), 2, lo=1, hi=5),
    "sw_steps": Control("t_sw_steps", "select", N_("Training steps per model"), 2000,
                        options=(1000, 2000, 3000, 5000), format_func=_thousands),
}


# --- the page ------------------------------------------------------------------------------------------

def render(presenter: bool) -> None:
    """The live-training lesson: two copies of one network trained side by side, then the sweeps."""
    # On a projector the first screen is for the controls and the live view: a short title, the text folded below.
    st.title(_("Live training") if presenter else _("Live training: the same network with and without dropout"))
    stage, about = layout.figure_first(presenter)
    with about:
        st.markdown(_("Two copies of one network start from **the same weights** and see **the same minibatches in the "
              "same order**; the only difference is that one of them drops units while it trains. Press **Play** "
              "(keyboard **P**) and watch them part ways. Keep, learning rate and penalty can be changed while "
              "playing: they apply within two or three seconds, without touching the weights."))

    with st.sidebar:
        st.header(_("Data"))
        name = draw_one(WIDGETS["data"])
        load_preset_on_change(name)
        points = csv_input() if name == experiment.CSV else None
        noise = draw_one(WIDGETS["noise"])
        n_train = draw_one(WIDGETS["n_train"])
        share = draw_one(WIDGETS["share"])
        data_seed = draw_one(WIDGETS["data_seed"])
        st.header(_("Network"))
        layers = draw_one(WIDGETS["layers"])
        width = draw_one(WIDGETS["width"])
        activation = draw_one(WIDGETS["activation"])
        optimizer = draw_one(WIDGETS["optimizer"])
        batch = draw_one(WIDGETS["batch"])

    if presenter:  # the controls in a narrow column beside the live view
        side, view_box = stage.columns([0.26, 0.74], gap="medium")
        transport = values = rates = extra = side
    else:
        transport, values, rates, extra = stage.columns([1.25, 1, 0.8, 1], gap="medium")
        view_box = stage
    with transport:
        buttons = st.container(horizontal=True)  # filled below, once the seed it offers to change is known
        seed = draw_one(WIDGETS["seed"])
        with buttons:
            st.button(_("Step"), key="t_step", shortcut="S", icon=":material/skip_next:", on_click=request,
                      args=("step", step_token()),
                      help=_("Pause and train one frame: as many steps as 'Steps per frame' (keyboard: S)."))
            st.button(_("Reset"), key="t_reset", shortcut="I", icon=":material/replay:", on_click=request,
                      args=("reset",), help=_("Back to step 0 with the same initial weights (keyboard: I)."))
            st.button(_("New seed"), key="t_newseed", shortcut="N", icon=":material/casino:",
                      on_click=new_seed, args=("t_seed", seed),
                      help=_("New initial weights, minibatch order and masks (keyboard: N)."))
    with values:
        keep_in = draw_one(WIDGETS["keep_in"])
        keep_h = draw_one(WIDGETS["keep_h"])
    with rates:
        lr = draw_one(WIDGETS["lr"])
        l2 = draw_one(WIDGETS["l2"])
    with extra:
        third = draw_one(WIDGETS["third"])
        keep3 = draw_one(WIDGETS["keep3"]) if third else None
        speed = draw_one(WIDGETS["speed"])
        if not presenter:
            third_text = _("; third: hidden units at {keep}").format(keep=keep_words(keep3)) if third else ""
            st.caption(_("Models: no dropout (keep q = 1 everywhere) and dropout with inputs at {keep_in}, hidden "
                         "units at {keep_h}{third}. Inverted dropout: the test-time network is the full one, weights "
                         "as trained.").format(keep_in=keep_words(keep_in), keep_h=keep_words(keep_h),
                                               third=third_text))
    for later in ("t_sw_seeds", "t_sw_steps"):  # the sweeps' controls, further down: a link holding them is fine
        widgets.url_key(later)
    widgets.show_url_notices()

    if name == experiment.CSV and points is None:
        stage.info(_("**Your CSV** is chosen but no points are loaded yet: upload a CSV file with the columns x1, x2 and "
                     "label in the sidebar (two classes, at least 20 points). Your points stay in this browser session; a "
                     "link to this page carries the choice, not the points."),
                icon="📄")
        st.stop()

    try:
        setup = setup_from(dict(dataset=name, noise=noise, n_train=n_train, test_share=share, data_seed=data_seed,
                                   layers=layers, width=width, activation=activation, optimizer=optimizer,
                                   batch_size=batch, seed=seed, n_models=3 if third else 2, points=points))
        keeps = experiment.model_keeps(keep_in, keep_h, layers, keep3)
        hps = experiment.hypers(keeps, lr, l2)
    except ValueError as e:
        with stage:
            widgets.error(e)
        st.stop()

    names = experiment.model_names(keeps)
    with st.spinner(_("Compiling the training step for this network (once per shape)…")):
        live_run(setup)
    with view_box:
        if not presenter:
            legend(names, setup)  # the live view's panels say the rest
        live_area(names, keeps, hps, lr, presenter, l2=l2, speed=speed)
        view_caption(setup, names, keeps)
    if setup.regression:
        st.caption(_("**What to look for:** the no-dropout curve bends to pass through individual noisy training points "
              "(filled) and its training loss sinks toward zero; the dropout curve stays flatter between them. The "
              "test loss gap is smaller here than for classification and can go either way with the seed: dropout "
              "also adds noise to the output, which squared error punishes. Keep q near 0.8 works best."))
    elif setup.dataset == "digits":
        st.caption(_("**What to look for:** both models reach zero training error quickly; the gap between solid (train) "
              "and dashed (test) loss grows faster without dropout, and its test accuracy stalls lower."))
    else:
        st.caption(_("**What to look for:** the no-dropout surface grows islands and bays around single noisy training "
              "points (dots) while its training loss falls to zero and its dashed test loss turns upward. The "
              "dropout surface stays smooth, fits the test points (diamonds) better, and its gap between solid "
              "(train) and dashed (test) curves stays narrow."))

    st.subheader(_("Save or load the models"))
    save_and_load(setup)

    st.header(_("Sweeps: how much dropout, and when does it help?"))
    st.markdown(_("Each button trains many copies of the network above (same data generator, optimizer, learning rate "
          "and penalty) as **one vmapped computation**, and caches the result on its settings. Input keep "
          "stays as set above; the sweep moves the keep q of the hidden units. Test error is measured on "
          "{SWEEP_TEST_POINTS:,} fresh test points (fewer for digits and your CSV), so small differences are "
          "real.").format(SWEEP_TEST_POINTS=experiment.SWEEP_TEST_POINTS))
    c1, c2 = st.columns(2)
    n_seeds = draw_one(WIDGETS["sw_seeds"], c1)
    steps = draw_one(WIDGETS["sw_steps"], c2)
    widgets.show_url_notices()  # a link value these two refused: its notice joins the others at the top of the page
    settings = sweep_settings(setup, n_seeds, steps, lr, l2, keep_in)

    st.subheader(_("Test error against keep: too little, too much, just right"))
    st.button(_("Run the keep sweep"), key="t_sw_keep", shortcut="K", on_click=remember_sweep,
              args=("keep", settings),
              help=_("{n_keeps} keep values × {n_seeds} seeds, one computation (keyboard: K).").format(
                  n_keeps=len(experiment.SWEEP_KEEPS), n_seeds=n_seeds))
    show_keep_sweep(settings, presenter)

    st.subheader(_("Where dropout helps: training-set size × keep"))
    st.button(_("Run the size × keep sweep"), key="t_sw_size", shortcut="H",
              on_click=remember_sweep, args=("size", settings),
              help=_("{n_sizes} sizes × {n_keeps} keep values × {n_seeds} seeds, one computation (keyboard: H).").format(
                  n_sizes=len(experiment.SWEEP_SIZES), n_keeps=len(experiment.SWEEP_SIZE_KEEPS), n_seeds=n_seeds))
    show_size_sweep(settings, presenter)
