"""Session state, the play loop and the cached sweeps behind the live-training page.

The live run (stacked weights, curve history, the last mask) belongs to one browser session, so it lives
in st.session_state, never in a shared cache. The live area is a fragment holding the live view, a custom
component that plays in the browser (ui/components/live_view): each fragment run trains a batch of
snapshots (experiment.play) and sends them as bytes; the browser shows one per frame and asks for the
next batch while it shows this one. Sweeps are st.cache_data functions of plain scalars, shared by every
session.
"""
from __future__ import annotations

import dataclasses
import functools
import gc

import numpy as np
import streamlit as st

from dropout_viz.core import datasets
from dropout_viz.core.checks import quote
from dropout_viz.figures import band_chart
from dropout_viz.figures.style import CLASS_COLORS, keep_text, model_colors
from dropout_viz.ui import common as ui
from dropout_viz.ui import progress
from dropout_viz.ui.components import live_view

from . import experiment
from . import figures as tfig

# Streamlit runs a full gc.collect(2) after every script run, so after every frame of the play loop. With
# JAX and Plotly imported that walk over all live objects cost about 100 ms of CPU per frame (measured with
# py-spy on the 2-core box), more than the training chunk and the figures together. The objects alive once
# this module is imported (libraries, modules) live as long as the server: freezing them removes them from
# every later collection. (The server option runner.postScriptGC = false would save the rest.)
gc.freeze()

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
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD with momentum 0.9", "adam": "Adam"}
DATA_CHOICES = (*datasets.DATASETS, experiment.CSV)
SEEDS = (0, 10_000)
NOISE = (0.0, 0.5, 0.05)  # slider range and step
SHARE = (0.1, 0.9, 0.05)
KEEP = (0.05, 1.0, 0.05)
# Widgets a data set's tuned settings (experiment.PRESETS) are loaded into when the data set changes.
PRESET_KEYS = {"noise": "t_noise", "n_train": "t_ntrain", "test_share": "t_share", "layers": "t_layers",
               "width": "t_width", "keep_in": "t_keep_in", "keep_hidden": "t_keep_h", "lr": "t_lr"}


def data_label(name: str) -> str:
    """The data set's name in the select box (and the URL): the registry's label, or "Your CSV"."""
    return datasets.POINTS_LABEL if name == experiment.CSV else datasets.DATASETS[name].label



# --- settings and data -----------------------------------------------------------------------------

def setup_from(fields: dict) -> experiment.Setup:
    """A checked Setup from widget values (ValueError names the offending one)."""
    return experiment.Setup(**fields)


@st.cache_data(max_entries=64, show_spinner=False)
def dataset(name: str, noise: float, n_train: int, test_share: float, data_seed: int, points_digest: str | None,
            _points: datasets.Points | None) -> datasets.Dataset:
    """The page's data split (shared by every session with the same settings; uploaded points by digest)."""
    return experiment.make_split(experiment.Setup(dataset=name, noise=noise, n_train=n_train,
                                                  test_share=test_share, data_seed=data_seed, points=_points))


def data_of(setup: experiment.Setup) -> datasets.Dataset:
    points = setup.points
    return dataset(setup.dataset, setup.noise, setup.n_train, setup.test_share, setup.data_seed,
                   None if points is None else points.digest, points)


def load_preset_on_change(name: str, keys: dict = PRESET_KEYS) -> None:
    """When the user picks another data set, load the settings tuned for it into the widgets ``keys``.

    Args:
      keys: preset field -> widget key, for widgets drawn after this call (their values can still be set).
    The first run keeps whatever the link asked for. Uploaded points set the number of training points
    to what the file allows.
    """
    last = st.session_state.get("t_last_data")
    st.session_state["t_last_data"] = name
    if last is None or last == name:
        return
    preset = experiment.PRESETS[name]
    for field, key in keys.items():
        if field in preset:
            st.session_state[key] = preset[field]
    points = st.session_state.get(CSV_POINTS)
    if name == experiment.CSV and points is not None:
        st.session_state["t_ntrain"] = experiment.csv_train_points(points, preset["test_share"])
    st.toast(ui.tr(f"Loaded the settings tuned for {data_label(name)}.",
                   f"已载入为「{data_label(name)}」调好的设置。"), icon="🎛️")


# --- your own points (CSV upload) ------------------------------------------------------------------

CSV_MAX_BYTES = 1_000_000
CSV_MIN_POINTS = 20  # 10 training points (experiment.TRAIN_POINTS) and as many test points at share 0.5


def message(exc: Exception) -> str:
    """A library ValueError ready for Markdown: the app's own words, with any quoted input kept as plain text."""
    return ui.plain(exc, limit=MESSAGE_LIMIT)


MESSAGE_LIMIT = 400  # library messages quote at most about 60 characters of the input; the rest is the app's words


def _note(kind: str, en: str, zh: str) -> tuple:
    """A message for a later run, kept in both languages (the reader may switch language in between)."""
    return (kind, en, zh)


def show_note(key: str) -> None:
    note = st.session_state.get(key)
    if note is not None:
        kind, en, zh = note
        (st.error if kind == "error" else st.success)(ui.tr(en, zh), icon="⚠️" if kind == "error" else "✅")


def csv_input() -> datasets.Points | None:
    """The CSV uploader of "Your CSV", its messages, and the points in use (the last good upload), or None."""
    st.file_uploader(
        ui.tr("Your CSV (columns x1, x2, label)", "你的 CSV（列：x1、x2、label）"), type=["csv"], key=CSV_FILE,
        on_change=_csv_changed, max_upload_size=1,
        help=ui.tr(f"A header row naming x1, x2 and label, then one point per row; two classes (any two label "
                   f"values), {CSV_MIN_POINTS} to {datasets.MAX_POINTS:,} points, at most 1 MB. The points are "
                   "scaled into the plotting box. The file is read as text: nothing in it is executed. The "
                   "points stay in this browser session (a link does not carry them).",
                   f"第一行是列名 x1、x2、label，之后每行一个点；两个类别（label 取任意两个值），"
                   f"{CSV_MIN_POINTS} 到 {datasets.MAX_POINTS:,} 个点，文件不超过 1 MB。点的坐标会缩放到作图范围内。"
                   "文件只按文本读取，其中的内容不会被执行。这些点只保存在本次浏览器会话中（链接不会带上它们）。"))
    show_note(CSV_NOTE)
    points = st.session_state.get(CSV_POINTS)
    if points is not None:
        counts = np.bincount(points.y)
        src = ui.plain(points.source)
        st.caption(ui.tr(f"In use: **{src}**, {len(points):,} points ({counts[0]:,} of class 0, "
                         f"{counts[1]:,} of class 1).",
                         f"正在使用：**{src}**，共 {len(points):,} 个点（类别 0 有 {counts[0]:,} 个，"
                         f"类别 1 有 {counts[1]:,} 个）。"))
    return points


def _csv_changed() -> None:
    """Uploader callback: parse the new file; keep the previous points (and say why) when it is refused."""
    file = st.session_state.get(CSV_FILE)
    if file is None:
        st.session_state.pop(CSV_NOTE, None)  # the file was removed from the box: its points stay in use
        return
    name = ui.plain(file.name)
    try:
        points = read_csv(file.getvalue(), file.name)
    except ValueError as exc:
        kept = CSV_POINTS in st.session_state
        why = message(exc)
        st.session_state[CSV_NOTE] = _note(
            "error", f"**{name}** cannot be used: {why}." + (" The previous points stay in use." if kept else ""),
            f"无法使用 **{name}**：{why}。" + ("仍在使用之前的数据。" if kept else ""))
        return
    st.session_state[CSV_POINTS] = points
    share = st.session_state.get("t_share", experiment.PRESETS[experiment.CSV]["test_share"])
    st.session_state["t_ntrain"] = experiment.csv_train_points(points, share)
    st.session_state["t_noise"] = experiment.PRESETS[experiment.CSV]["noise"]  # your points as they are
    st.session_state[CSV_NOTE] = _note(
        "success", f"Read {len(points):,} points from **{name}**; training points set to use all of them, "
                   "with no added noise.",
        f"已从 **{name}** 读入 {len(points):,} 个点；训练点数已设为用上全部数据，不另加噪声。")


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
    return experiment.export_models(box["live"], box["names"], box["keeps"], lr=box["lr"], l2=box["l2"])


def save_and_load(setup: experiment.Setup) -> None:
    """The download button (every model of the run, as JSON) and the uploader that loads such a file back."""
    box = st.session_state.setdefault(EXPORT, {})
    left, right = st.columns([1, 2], gap="medium")
    with left:
        st.download_button(
            ui.tr("Download models (JSON)", "下载模型（JSON）"), data=functools.partial(_export_json, box),
            file_name=f"dropout-lab-{setup.dataset}-models.json", mime="application/json", key="t_download",
            on_click="ignore", icon=":material/download:",
            help=ui.tr("Every model of this run as it is at the moment you click (also while playing): weights, "
                       "layer sizes, keep values, seed, step count and the settings that rebuild its data; "
                       "uploaded points are included.",
                       "下载本次运行的全部模型（点击时的状态，播放中也可以）：权重、各层大小、保留概率、随机种子、"
                       "训练步数，以及重建数据所需的设置；上传的点也一并保存。"))
        st.caption(ui.tr("The optimizer's running averages are not saved: after loading, Adam and momentum start "
                         "them afresh.", "优化器的滑动平均不保存：载入后 Adam 与动量法会从零重新累计。"))
    with right:
        st.file_uploader(
            ui.tr("Load models (a JSON file downloaded here)", "载入模型（此处下载的 JSON 文件）"), type=["json"],
            key=MODEL_FILE, on_change=_model_changed, max_upload_size=MODEL_MAX_MB,
            help=ui.tr("Restores the weights, the settings and the step count; training goes on from there. "
                       "The file is read as JSON and checked field by field: nothing in it is executed or "
                       "unpickled. A file that does not fit changes nothing.",
                       "恢复权重、设置与训练步数，之后可以接着训练。文件只按 JSON 读取并逐项检查，"
                       "其中的内容不会被执行或反序列化（unpickle）。不合格的文件不会改变任何东西。"))
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
    name = ui.plain(file.name)
    try:
        saved, values = load_file(file.getvalue())
    except ValueError as exc:
        why = message(exc)
        st.session_state[MODEL_NOTE] = _note(
            "error", f"**{name}** cannot be loaded: {why}. Nothing was changed.",
            f"无法载入 **{name}**：{why}。没有做任何改动。")
        return
    st.session_state.update(values)
    points = saved.setup.points
    if points is not None:
        st.session_state[CSV_POINTS] = points
        st.session_state[CSV_NOTE] = _note(
            "success", f"{len(points):,} points taken from the model file **{name}**.",
            f"已从模型文件 **{name}** 取得 {len(points):,} 个点。")
    st.session_state[RESTORE] = saved
    st.session_state[PLAYING] = False
    st.session_state.pop(PENDING, None)
    st.session_state[MODEL_NOTE] = _note(
        "success", f"Loaded {len(saved.params)} models from **{name}** at step {saved.steps:,}; press Play to "
                   "train on.",
        f"已从 **{name}** 载入 {len(saved.params)} 个模型（第 {saved.steps:,} 步）；按“播放”继续训练。")


# --- the live run ----------------------------------------------------------------------------------

def is_playing() -> bool:
    return bool(st.session_state.get(PLAYING, False))


def step_token() -> int:
    """How many step requests this session has made: the Step button carries it, so a repeat is ignored."""
    return int(st.session_state.get(STEP_TOKEN, 0))


def live_run(setup: experiment.Setup) -> experiment.Live:
    """This session's run for these settings; new settings start a new run (same weights for every model).

    A model file loaded just before (RESTORE) replaces the run with its weights and step count, if these
    settings are the file's (its callback put them into the widgets).
    """
    live = st.session_state.get(LIVE)
    saved = st.session_state.pop(RESTORE, None)
    if saved is not None:
        if saved.setup == setup:
            live = experiment.restore(setup, data_of(setup), saved.params, saved.steps)
            st.session_state[LIVE] = live
            return live
        st.session_state[MODEL_NOTE] = _note(
            "error", "The model file's settings could not all be applied (a link parameter may have overridden "
                     "one); its weights were not loaded.",
            "模型文件中的设置未能全部生效（可能被链接中的参数覆盖）；其权重没有载入。")
    if live is None or live.setup != setup:
        live = experiment.start(setup, data_of(setup))
        st.session_state[LIVE] = live
    return live


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
    live = st.session_state[LIVE]
    if action == "step":
        st.session_state[LIVE] = experiment.advance(live, hps, speed)
    elif action == "reset":
        st.session_state[LIVE] = experiment.reset(live)


# --- the live area: the live view and the batches it plays ---------------------------------------------

VIEW = "t_view"  # the live view component's key (its trigger values: need, play, pause)
SPEED = "t_speed"  # steps per shown frame (experiment.SPEEDS)
ASKED = "t_asked"  # (event, {seq, step}) from the live view, for the fragment run it caused
SENT = "t_sent"  # (signature, playing, seq, bytes) of the last batch sent
SEQ = "t_seq"  # batches sent in this session
KEPT = "t_kept"  # step -> the run at that step, for the snapshots the browser may still show
KEPT_MAX = 64
SPEED_DEFAULT = experiment.CHUNK


def _on_view_event(name: str) -> None:
    """Live view callback: Play and Pause act at once; a request for the next batch is kept for the run."""
    value = live_view.event_value(VIEW, name)
    if not isinstance(value, dict):
        return
    step = value.get("step")
    step = step if isinstance(step, int) and not isinstance(step, bool) else None
    st.session_state[ASKED] = (name, step)
    if name in ("play", "pause"):
        set_playing(name == "play")
        _go_to(step)


def _go_to(step) -> None:
    """Make the run the one the browser shows at ``step`` (it may be behind the batches already trained)."""
    live = st.session_state.get(LIVE)
    kept = st.session_state.get(KEPT, {}).get(step)
    if live is not None and kept is not None and kept.setup == live.setup and experiment.step_of(live) != step:
        st.session_state[LIVE] = kept


def _keep(lives) -> None:
    kept = st.session_state.setdefault(KEPT, {})
    for lv in lives:
        kept[experiment.step_of(lv)] = lv
    for step in sorted(kept)[:-KEPT_MAX]:
        del kept[step]


def _meta(names, keeps, presenter: bool, speed: int, regression: bool, dataset: str) -> dict:
    """The view's strings (no numbers but flags: the numbers travel as bytes)."""
    tr = ui.tr
    colors = model_colors(names)
    legend = [tr("● training point   ○ test point", "● 训练点   ○ 测试点"),
              tr("solid: training loss, dashed: test loss, shaded: the gap",
                 "实线：训练损失，虚线：测试损失，阴影：差距")] if regression else []
    return {
        "names": list(names), "colors": [colors[n] for n in names], "presenter": int(bool(presenter)),
        "regression": int(bool(regression)), "img": st.session_state.get(ui.IMAGE_KEY, "png"),
        "file": f"dropout-lab-{dataset}-live",
        "status": tr("{n} steps per frame", "每帧 {n} 步").format(n=f"{speed:,}"),
        "labels": {
            "play": tr("Play", "播放"), "pause": tr("Pause", "暂停"), "step": tr("Step", "第"),
            "download": tr("Download frame", "下载画面"),
            "downloadPaused": tr("Pause to download the frame", "暂停后才能下载画面"),
            "test": tr("test", "测试"), "train": tr("train", "训练"), "gap": tr("gap", "差距"),
            "class1": tr("class 1", "类别 1"), "trainStep": tr("training step", "训练步数"),
            "loss": tr("Loss (" + ("squared error" if regression else "cross-entropy")
                       + "): solid train, dashed test, shaded gap",
                       "损失（" + ("平方误差" if regression else "交叉熵") + "）：实线训练，虚线测试，阴影为差距"),
            "accuracy": tr("Accuracy: solid train, dashed test", "准确率：实线训练，虚线测试"),
            "mask": tr("{name}: the mask of one example", "{name}：一个样本的掩码").format(name=names[1]),
            "maskShort": tr("Its mask", "它的掩码"),
            "fits": tr("Fitted curves", "拟合曲线"), "legend": legend,
        },
    }


def live_area(names, keeps, hps, lr: float, presenter: bool, l2: float = 0.0, speed: int = SPEED_DEFAULT) -> None:
    """The fragment: the live view. A run of it (a request of the view, or the whole page) trains one batch
    of snapshots while playing; paused, it sends the run as it is."""
    st.fragment(_live_body)(tuple(names), tuple(keeps), hps, lr, presenter, l2, speed)


def _live_body(names, keeps, hps, lr, presenter, l2=0.0, speed=SPEED_DEFAULT) -> None:
    apply_pending(hps, speed)
    asked = st.session_state.pop(ASKED, None)
    live = st.session_state[LIVE]
    setup = live.setup
    view = experiment.view_of(setup, data_of(setup))
    meta = _meta(names, keeps, presenter, speed, setup.regression, setup.dataset)
    signature = (setup, id(live.init))  # a new run: the view starts over (points, history)
    wording = repr(meta)
    sent = st.session_state.get(SENT)
    playing = is_playing()
    seq = st.session_state.get(SEQ, 0) + 1
    if playing and live.diverged is None and (asked is not None or sent is None or not sent[1] or sent[0] != signature):
        step = asked[1] if asked is not None else None
        if step is not None and step != experiment.step_of(live):
            _go_to(step)  # the browser asks for what follows its last snapshot: continue from there
            live = st.session_state[LIVE]
        reset = sent is None or sent[0] != signature or (step is not None and step != experiment.step_of(live))
        lives, records = experiment.play(live, hps, view, experiment.batch_frames(speed), speed)
        _keep([live] + [lv for lv in lives if lv.diverged is None])
        end = lives[-1]
        if end.diverged is not None:
            st.session_state[PLAYING] = False
            playing = False
            records = records[-1:] if records else [experiment.snapshot_record(live, experiment.grid_codes(live, view))]
            start = lives[-2] if len(lives) > 1 else live
            reset = True
            data = experiment.encode_batch(view, start, records, seq=seq, speed=speed, playing=False, reset=True,
                                           meta=meta, diverged=True)
        else:
            data = experiment.encode_batch(view, live, records, seq=seq, speed=speed, playing=True, reset=reset,
                                           meta=meta)
        st.session_state[LIVE] = live = end
    elif not playing and (sent is None or sent[1] or sent[0] != signature or sent[2] != experiment.step_of(live)
                          or sent[5] != wording or asked is not None):
        _keep([live])
        record = experiment.snapshot_record(live, experiment.grid_codes(live, view))
        data = experiment.encode_batch(view, live, [record], seq=seq, speed=speed, playing=False, reset=True,
                                       meta=meta, diverged=live.diverged is not None)
    else:  # nothing new to show (a page run while playing): the same bytes, the browser keeps its queue
        seq, data = sent[3], sent[4]
    st.session_state[SEQ] = seq
    st.session_state[SENT] = (signature, playing, experiment.step_of(live), seq, data, wording)
    # What the download button saves when clicked (it is drawn outside this fragment, once per page run).
    st.session_state.setdefault(EXPORT, {}).update(live=live, names=list(names), keeps=list(keeps), lr=lr, l2=l2)
    if live.diverged is not None:
        d = live.diverged
        bad = "NaN" if np.isnan(d.value) else "infinite"
        st.error(ui.tr(f"**Training diverged.** The {names[d.model]} model's loss became "
                       f"{bad} at step {d.step:,} with learning rate {lr:g}. "
                       "Training is paused and the weights are those of the last finite step. Lower the learning "
                       "rate and press Play to go on, or reset to the initial weights.",
                       f"**训练发散了。**模型 {names[d.model]} 的损失在第 {d.step:,} 步（学习率 {lr:g}）变成了 "
                       f"{'NaN' if bad == 'NaN' else '无穷大'}。训练已暂停，权重停在最后一个有限的步。"
                       "调低学习率后按“播放”继续，或重置到初始权重。"), icon="💥")
        st.button(ui.tr("Reset to the initial weights", "重置到初始权重"), key="t_reset_diverged",
                  icon=":material/replay:", on_click=request, args=("reset",))
    live_view.mount(data, key=VIEW, on_event=_on_view_event)
    _captions(live, names, keeps, playing)


def _captions(live, names, keeps, playing: bool) -> None:
    """What the view shows, in words; the digits' mistakes (today's figure) while paused."""
    setup = live.setup
    regression = setup.regression
    sizes = live.config.sizes
    big = max(sizes) > experiment.SHOWN_UNITS
    st.caption(ui.tr(
        "Above the view: the full networks on the test set (" + ("mean squared error" if regression else
        "cross-entropy loss · share classified right") + "; the gap is test minus training loss). "
        f"Right: the mask {names[1]} used for one example of its minibatch at the step shown"
        + (f" (the first {experiment.SHOWN_UNITS} units of each layer are drawn)" if big else "")
        + "; in = inputs, h1, h2, … = hidden layers, out = outputs. Crossed units are dropped, with all their "
        "connections; a fresh mask is drawn for every example at every step. "
        f"{keep_text(keeps[1][0])} for inputs, {keep_text(keeps[1][-1])} for hidden units, inverted "
        "dropout (kept units are scaled by 1/q while training, so the test-time network is the full one). "
        "Hover over a surface for P(class 1), over the curves for their values at a step.",
        "视图上方：完整网络在测试集上的表现（" + ("均方误差" if regression else "交叉熵损失 · 分类正确的比例")
        + "；差距 = 测试损失 − 训练损失）。"
        f"右侧：{names[1]} 在所示步数为其小批量中的一个样本使用的掩码"
        + (f"（每层只画出前 {experiment.SHOWN_UNITS} 个单元）" if big else "")
        + "；in = 输入，h1、h2、… = 隐藏层，out = 输出。打叉的单元连同它的所有连接一起被丢弃；每一步都为每个样本"
        f"重新抽取掩码。输入{ui.keep_words(keeps[1][0])}，隐藏单元{ui.keep_words(keeps[1][-1])}，反向（inverted）dropout"
        "（训练时保留的单元乘以 1/q，因此测试时用的就是完整网络）。把鼠标移到决策面上可看 P(类别 1)，移到曲线上可看某一步的数值。"))
    if setup.dataset == "digits" and not playing:
        ds = data_of(setup)
        probs = experiment.predict(live, ds.x_test)
        wrong = experiment.mistakes(probs, ds.y_test, k=8)
        images = [ds.x_test[idx] for idx, _ in wrong]
        captions = [[f"{ds.y_test[i]}→{p}" for i, p in zip(idx, pred)] for idx, pred in wrong]
        n_wrong = (probs.argmax(-1) != ds.y_test).sum(-1)
        titles = [ui.tr(f"{name}<br>{n:,}/{ds.y_test.size} wrong", f"{name}<br>错 {n:,}/{ds.y_test.size}")
                  for name, n in zip(names, n_wrong)]
        step = experiment.step_of(live)
        st.markdown(ui.tr(f"**Test digits each model gets wrong at step {step:,}** (true→predicted)",
                          f"**第 {step:,} 步时各模型分错的测试数字**（真实→预测）"))
        ui.chart(tfig.digit_mistakes(images, captions, titles), key="t_digits")


# --- sweeps ----------------------------------------------------------------------------------------

def _progress():
    """A progress bar drawn inside the cached function (so a cache hit replays it, finished and removed)."""
    report, clear = progress.bar("Training all the sweep's models together", "所有扫描模型一起训练",
                                 "steps", "步", scale=experiment.CHUNK)
    return clear, report


@st.cache_data(max_entries=32, show_spinner=False)
def keep_sweep(setup_fields: tuple, n_seeds: int, steps: int, lr: float, l2: float, keep_in: float,
               _points: datasets.Points | None = None) -> dict:
    """Test error against hidden keep over seeds (one vmapped computation), with a progress bar."""
    setup = sweep_setup(setup_fields, _points)  # the points' digest is in setup_fields: the cache key
    clear, report = _progress()
    out = experiment.keep_sweep(setup, n_seeds=n_seeds, steps=steps, lr=lr, l2=l2, keep_in=keep_in,
                                on_chunk=report)
    clear()
    return out


@st.cache_data(max_entries=32, show_spinner=False)
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
    what = {"keep": ("the keep sweep", "保留概率扫描"), "size": ("the size × keep sweep", "大小 × 保留概率扫描")}[kind]
    return progress.stopped_notice(
        SWEEP_TASKS[kind], *what,
        "No result is shown, since models stopped part way would mislead. The controls keep their values; "
        "press the button to start again.",
        "不显示结果，因为训练到一半的模型会误导人。各控件保持原值；按按钮重新开始。")


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
    items = [swatch.format(dash="solid", c=colors[n]) + f"<b>{n}</b>" for n in names]
    items.append(swatch.format(dash="solid", c="#444") + ui.tr("train", "训练"))
    items.append(swatch.format(dash="dashed", c="#444") + ui.tr("test (shaded: the gap)", "测试（阴影：差距）"))
    html = " ".join(items)
    if not setup.regression and setup.spec.n_features == 2:
        html += ("<br><span style='margin-left:.9em'>" + ui.tr("● training point &nbsp; ◇ test point",
                                                                "● 训练点 &nbsp; ◇ 测试点") + " &nbsp; "
                 f"<span style='color:{CLASS_COLORS[0]}'>■</span> {ui.tr('class 0', '类别 0')} &nbsp; "
                 f"<span style='color:{CLASS_COLORS[1]}'>■</span> {ui.tr('class 1', '类别 1')} &nbsp; "
                 + ui.tr("(pale = unsure, white = 50/50, black line: P(class 1) = 0.5)",
                         "（浅色 = 不确定，白色 = 各半，黑线：P(类别 1) = 0.5）") + "</span>")
    elif setup.regression:
        html += ("<br><span style='margin-left:.9em'>"
                 + ui.tr("● training point &nbsp; ○ test point", "● 训练点 &nbsp; ○ 测试点") + "</span>")
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
        ui.error(e)
        return
    mean, spread = experiment.sweep_summary(res["error"])
    fig = band_chart(res["keeps"], {ui.tr(f"mean of {asked[1]} seeds", f"{asked[1]} 个种子的平均"): (mean, spread)},
                     x_title=ui.tr("keep q for hidden units (drop rate p = 1 − q)",
                                   "隐藏单元的保留概率 q（丢弃率 p = 1 − q）"),
                     y_title=res["metric"], presenter=presenter,
                     title=ui.tr(f"After {asked[2]:,} steps: mean over seeds, band from best to worst seed",
                                 f"训练 {asked[2]:,} 步后：各种子的平均，色带从最好到最差的种子"))
    fig.update_layout(showlegend=False)
    ui.chart(fig, key="t_sw_keep_fig")
    best = experiment.best_keep(res["error"][None], res["keeps"])[0]
    old = asked != settings
    st.caption(ui.tr(
        "Left end: so little is kept that the thinned networks cannot learn the pattern (underfitting). "
        "Right end, keep q = 1: no dropout, and the network overfits the training points. The lowest mean "
        f"error here is at {keep_text(best)}."
        + (" *These results are for earlier settings; press the button to redo them.*" if old else ""),
        "左端：保留的单元太少，稀疏后的子网络学不到规律（欠拟合）。右端，保留概率 q = 1：没有 dropout，网络过拟合"
        f"训练点。这里平均误差最低处在{ui.keep_words(best)}。"
        + (" *这些结果来自之前的设置；按按钮重新计算。*" if old else "")))


def show_size_sweep(settings: tuple, presenter: bool) -> None:
    """The size x keep sweep asked for in this session, as a heatmap of the change against no dropout."""
    asked = asked_sweep("size")
    if asked is None:
        _stopped_sweep("size")
        return
    try:
        res = _run_sweep("size", size_keep_sweep, asked)
    except ValueError as e:
        ui.error(e)
        return
    regression = sweep_setup(asked[0], asked[6]).regression
    gain = experiment.dropout_gain(res["error"], res["keeps"])
    mean, _ = experiment.sweep_summary(res["error"])
    unit = ui.tr("percentage points" if not regression else "MSE", "百分点" if not regression else "均方误差")
    fig = tfig.dropout_gain_heatmap(res["sizes"], res["keeps"], gain, mean, metric=res["metric"],
                                    percent=not regression, presenter=presenter,
                                    title=ui.tr(f"Test error with dropout minus without, after {asked[2]:,} steps "
                                                f"({unit})",
                                                f"有 dropout 减去无 dropout 的测试误差，训练 {asked[2]:,} 步后（{unit}）"))
    ui.chart(fig, key="t_sw_size_fig")
    best = experiment.best_keep(res["error"], res["keeps"])
    per_size = ", ".join(f"{n} → q = {q:g}" for n, q in zip(res["sizes"], best))
    old = asked != settings
    st.caption(ui.tr(
        "Blue cells: dropout at that keep beats no dropout trained on the same points; vermillion: it does "
        "worse. With very few points dropout mostly costs, since there is too little signal to spare; with "
        f"many points there is little overfitting left to cure. Best keep per size: {per_size}. Smaller training "
        "sets are the first rows of the largest one, repeated to its length so every model has the same shape "
        "(minibatches stay uniform over the small set)."
        + (" *These results are for earlier settings; press the button to redo them.*" if old else ""),
        "蓝色格子：在该保留概率下，dropout 胜过用相同训练点训练的无 dropout 网络；朱红色：dropout 更差。训练点很少时"
        "dropout 多半得不偿失，因为信号本就不多；训练点很多时，已没有多少过拟合需要纠正。各训练集大小的最佳保留概率："
        f"{per_size}。较小的训练集取自最大训练集的前若干行，并重复到同样长度，使每个模型形状相同"
        "（小批量仍在小训练集上均匀抽取）。"
        + (" *这些结果来自之前的设置；按按钮重新计算。*" if old else "")))


# --- the page ------------------------------------------------------------------------------------------

def render(presenter: bool) -> None:
    """The live-training lesson: two copies of one network trained side by side, then the sweeps."""
    tr = ui.tr
    st.title(tr("Live training: the same network with and without dropout", "实时训练：同一个网络，有无 dropout"))
    if not presenter:  # on a projector the first screen is for the controls and the live view
        st.markdown(tr(
            "Two copies of one network start from **the same weights** and see **the same minibatches in the same "
            "order**; the only difference is that one of them drops units while it trains. Press **Play** (keyboard "
            "**P**) and watch them part ways. Keep, learning rate and penalty can be changed while playing: they apply "
            "within a second or two, without touching the weights.",
            "同一个网络的两个副本从**相同的权重**出发，以**相同的顺序看到相同的小批量**；唯一的区别是其中一个在训练时"
            "随机丢弃单元。按**播放**（键盘 **P**），看它们如何分道扬镳。播放过程中可以调整保留概率、学习率和惩罚项："
            "它们在一两秒内生效，不会改动权重。"))

    with st.sidebar:
        st.header(tr("Data", "数据"))
        name = ui.select(tr("Data set", "数据集"), "t_data", DATA_CHOICES, "moons", format_func=data_label,
                         help=tr("2-D sets show decision surfaces; the noisy sine is regression; digits are real 8x8 "
                                 "handwritten images (64 inputs, 10 classes); Your CSV trains on 2-D points you upload. "
                                 "Picking a data set loads settings tuned to show the effect on it.",
                                 "二维数据集显示决策面；带噪正弦是回归任务；digits 是真实的 8×8 手写数字图像（64 个输入，"
                                 "10 个类别）；Your CSV 用你上传的二维点训练。选择数据集时会载入为它调好的设置。"))
        load_preset_on_change(name)
        points = csv_input() if name == experiment.CSV else None
        noise = ui.slider(tr("Noise", "噪声"), "t_noise", *NOISE[:2], 0.3, NOISE[2],
                          help=tr("Standard deviation of the jitter added to each coordinate (2-D, your CSV), to y "
                                  "(sine) or to each pixel (digits).",
                                  "加到每个坐标（二维数据、你的 CSV）、y（正弦）或每个像素（digits）上的抖动的标准差。"))
        n_train = ui.number(tr("Training points", "训练点数"), "t_ntrain", *experiment.TRAIN_POINTS, 100,
                            help=tr("Few points make overfitting easy to see.", "训练点越少，过拟合越容易看出来。"))
        share = ui.slider(tr("Test share of all points", "测试点占全部点的比例"), "t_share", *SHARE[:2], 0.5,
                          SHARE[2], fmt="%.2f",
                          help=tr("0.5: one test point for every training point.", "0.5：每个训练点对应一个测试点。"))
        data_seed = ui.number(tr("Data seed", "数据种子"), "t_dseed", *SEEDS, 0,
                              help=tr("Regenerate the data with another seed.", "换一个种子重新生成数据。"))
        st.header(tr("Network", "网络"))
        layers = ui.slider(tr("Hidden layers", "隐藏层数"), "t_layers", 1, experiment.MAX_HIDDEN_LAYERS, 2)
        width = ui.slider(tr("Units per hidden layer", "每个隐藏层的单元数"), "t_width", 1, experiment.MAX_WIDTH, 32)
        activation = ui.select(tr("Activation", "激活函数"), "t_act", ACTIVATIONS, "relu")
        optimizer = ui.select(tr("Optimizer", "优化器"), "t_opt", list(OPTIMIZERS), "adam",
                              format_func=OPTIMIZERS.get)
        batch = ui.select(tr("Batch size", "批大小"), "t_batch", experiment.BATCH_SIZES, 32)

    transport, values, rates, extra = st.columns([1.25, 1, 0.8, 1], gap="medium")
    with transport:
        buttons = st.container(horizontal=True)  # filled below, once the seed it offers to change is known
        seed = ui.number(tr("Weight seed", "权重种子"), "t_seed", *SEEDS, 0,
                         help=tr("Seed of the initial weights, the minibatch order and the masks; every model shares it.",
                                 "决定初始权重、小批量顺序和掩码的种子；所有模型共用。"))
        with buttons:
            st.button(tr("Step", "单步"), key="t_step", shortcut="S", icon=":material/skip_next:", on_click=request,
                      args=("step", step_token()),
                      help=tr("Pause and train one frame: as many steps as 'Steps per frame' (keyboard: S).",
                              "暂停并训练一帧：步数等于“每帧步数”（键盘：S）。"))
            st.button(tr("Reset", "重置"), key="t_reset", shortcut="I", icon=":material/replay:", on_click=request,
                      args=("reset",), help=tr("Back to step 0 with the same initial weights (keyboard: I).",
                                               "回到第 0 步，使用相同的初始权重（键盘：I）。"))
            st.button(tr("New seed", "新种子"), key="t_newseed", shortcut="N", icon=":material/casino:",
                      on_click=new_seed, args=("t_seed", seed),
                      help=tr("New initial weights, minibatch order and masks (keyboard: N).",
                              "新的初始权重、小批量顺序和掩码（键盘：N）。"))
    with values:
        keep_in = ui.keep_slider(tr("Keep q for the inputs", "输入的保留概率 q"), "t_keep_in", 1.0)
        keep_h = ui.keep_slider(tr("Keep q for the hidden units", "隐藏单元的保留概率 q"), "t_keep_h", 0.5)
    with rates:
        lr = ui.select(tr("Learning rate", "学习率"), "t_lr", LEARNING_RATES, 0.003, format_func=lambda v: f"{v:g}")
        l2 = ui.select(tr("L2 penalty (both models)", "L2 惩罚（两个模型）"), "t_l2", PENALTIES, 0.0,
                       format_func=lambda v: f"{v:g}",
                       help=tr("Adds (λ/2)·Σw² to both models' loss (biases not penalised).",
                               "在两个模型的损失上都加上 (λ/2)·Σw²（偏置不受惩罚）。"))
    with extra:
        third = ui.toggle(tr("Third model", "第三个模型"), "t_third",
                          help=tr("A second dropout model at another hidden keep. Adding or removing it restarts "
                                  "every model from the same initial weights.",
                                  "再加一个 dropout 模型，隐藏单元用另一个保留概率。添加或移除它会让所有模型从相同的"
                                  "初始权重重新开始。"))
        keep3 = ui.keep_slider(tr("Its keep q (hidden units)", "它的保留概率 q（隐藏单元）"), "t_keep3", 0.8) \
            if third else None
        speed = ui.select(tr("Steps per frame", "每帧步数"), SPEED, experiment.SPEEDS, SPEED_DEFAULT,
                          format_func=lambda v: f"{v:,}",
                          help=tr("Training steps between two frames of the view: 1 shows every step's mask, 200 races "
                                  "to step 5,000 in a second or two. Play shows 30 frames a second.",
                                  "视图相邻两帧之间的训练步数：1 可以看到每一步的掩码，200 则一两秒就跑到第 5,000 步。"
                                  "播放时每秒显示 30 帧。"))
        if not presenter:
            st.caption(tr(f"Models: no dropout (keep q = 1 everywhere) and dropout with inputs at "
                          f"{ui.keep_text(keep_in)}, hidden units at {ui.keep_text(keep_h)}"
                          + (f"; third: hidden units at {ui.keep_text(keep3)}" if third else "")
                          + ". Inverted dropout: the test-time network is the full one, weights as trained.",
                          f"模型：无 dropout（处处保留概率 q = 1），以及 dropout 模型，输入{ui.keep_words(keep_in)}，"
                          f"隐藏单元{ui.keep_words(keep_h)}"
                          + (f"；第三个模型：隐藏单元{ui.keep_words(keep3)}" if third else "")
                          + "。反向（inverted）dropout：测试时用完整网络，权重即训练所得。"))
    for later in ("t_sw_seeds", "t_sw_steps"):  # the sweeps' controls, further down: a link holding them is fine
        ui.url_key(later)
    ui.show_url_notices()

    if name == experiment.CSV and points is None:
        st.info(tr("**Your CSV** is chosen but no points are loaded yet: upload a CSV file with the columns x1, x2 and "
                   "label in the sidebar (two classes, at least 20 points). Your points stay in this browser session; "
                   "a link to this page carries the choice, not the points.",
                   "已选择 **Your CSV**，但还没有载入任何点：请在侧边栏上传一个含 x1、x2、label 三列的 CSV 文件（两个类别，"
                   "至少 20 个点）。这些点只保存在本次浏览器会话中；本页的链接只带上这个选择，不带上数据点。"),
                icon="📄")
        st.stop()

    try:
        setup = setup_from(dict(dataset=name, noise=noise, n_train=n_train, test_share=share, data_seed=data_seed,
                                   layers=layers, width=width, activation=activation, optimizer=optimizer,
                                   batch_size=batch, seed=seed, n_models=3 if third else 2, points=points))
        keeps = experiment.model_keeps(keep_in, keep_h, layers, keep3)
        hps = experiment.hypers(keeps, lr, l2)
    except ValueError as e:
        ui.error(e)
        st.stop()

    names = experiment.model_names(keeps)
    with st.spinner(tr("Compiling the training step for this network (once per shape)…",
                       "正在为这个网络编译训练步（每种形状只编译一次）…")):
        live_run(setup)
    if not presenter:
        legend(names, setup)  # the live view's panels say the rest
    live_area(names, keeps, hps, lr, presenter, l2=l2, speed=speed)
    if setup.regression:
        st.caption(tr(
            "**What to look for:** the no-dropout curve bends to pass through individual noisy training points "
            "(filled) and its training loss sinks toward zero; the dropout curve stays flatter between them. The "
            "test loss gap is smaller here than for classification and can go either way with the seed: "
            "dropout also adds noise to the output, which squared error punishes. Keep q near 0.8 works best.",
            "**看点：**无 dropout 的曲线会弯折去穿过个别带噪的训练点（实心点），训练损失降向零；dropout 的曲线在这些点"
            "之间保持平缓。这里测试损失的差距比分类任务小，而且随种子不同可能偏向任一方：dropout 也会给输出加噪声，"
            "而平方误差会惩罚这种噪声。保留概率 q 取 0.8 左右效果最好。"))
    elif setup.dataset == "digits":
        st.caption(tr(
            "**What to look for:** both models reach zero training error quickly; the gap between solid "
            "(train) and dashed (test) loss grows faster without dropout, and its test accuracy stalls lower.",
            "**看点：**两个模型都很快达到零训练误差；没有 dropout 时，实线（训练）与虚线（测试）损失之间的差距增长得"
            "更快，测试准确率也停在更低的位置。"))
    else:
        st.caption(tr(
            "**What to look for:** the no-dropout surface grows islands and bays around single noisy training "
            "points (dots) while its training loss falls to zero and its dashed test loss turns upward. The "
            "dropout surface stays smooth, fits the test points (diamonds) better, and its gap between solid "
            "(train) and dashed (test) curves stays narrow.",
            "**看点：**无 dropout 的决策面会围绕个别带噪的训练点（圆点）长出孤岛和海湾，同时训练损失降到零、"
            "虚线表示的测试损失转而上升（过拟合）。dropout 的决策面保持平滑，更好地拟合测试点（菱形），"
            "实线（训练）与虚线（测试）之间的差距也保持很窄。"))

    st.subheader(tr("Save or load the models", "保存或载入模型"))
    save_and_load(setup)

    st.header(tr("Sweeps: how much dropout, and when does it help?", "扫描：dropout 用多少，什么时候有用？"))
    st.markdown(tr(
        "Each button trains many copies of the network above (same data generator, optimizer, learning rate "
        "and penalty) as **one vmapped computation**, and caches the result on its settings. Input keep stays "
        "as set above; the sweep moves the keep q of the hidden units. Test error is measured on "
        f"{experiment.SWEEP_TEST_POINTS:,} fresh test points (fewer for digits and your CSV), so small differences "
        "are real.",
        "每个按钮都会把上面的网络（相同的数据生成器、优化器、学习率和惩罚项）复制许多份，作为**一次 vmap 计算**"
        "一起训练，并按设置缓存结果。输入的保留概率保持上面的设定；扫描改变的是隐藏单元的保留概率 q。测试误差在 "
        f"{experiment.SWEEP_TEST_POINTS:,} 个新抽取的测试点上测量（digits 和你的 CSV 更少），所以细小的差别也是真实的。"))
    c1, c2 = st.columns(2)
    n_seeds = ui.slider(tr("Seeds per setting", "每个设置的种子数"), "t_sw_seeds", 1, 5, 2, container=c1)
    steps = ui.select(tr("Training steps per model", "每个模型的训练步数"), "t_sw_steps", (1000, 2000, 3000, 5000), 2000,
                      container=c2, format_func=lambda v: f"{v:,}")
    settings = sweep_settings(setup, n_seeds, steps, lr, l2, keep_in)

    st.subheader(tr("Test error against keep: too little, too much, just right",
                    "测试误差与保留概率：太少、太多、刚刚好"))
    st.button(tr("Run the keep sweep", "运行保留概率扫描"), key="t_sw_keep", shortcut="K", on_click=remember_sweep,
              args=("keep", settings),
              help=tr(f"{len(experiment.SWEEP_KEEPS)} keep values × {n_seeds} seeds, one computation (keyboard: K).",
                      f"{len(experiment.SWEEP_KEEPS)} 个保留概率 × {n_seeds} 个种子，一次计算（键盘：K）。"))
    show_keep_sweep(settings, presenter)

    st.subheader(tr("Where dropout helps: training-set size × keep", "dropout 在哪里有用：训练集大小 × 保留概率"))
    st.button(tr("Run the size × keep sweep", "运行大小 × 保留概率扫描"), key="t_sw_size", shortcut="H",
              on_click=remember_sweep, args=("size", settings),
              help=tr(f"{len(experiment.SWEEP_SIZES)} sizes × {len(experiment.SWEEP_SIZE_KEEPS)} keep values × "
                      f"{n_seeds} seeds, one computation (keyboard: H).",
                      f"{len(experiment.SWEEP_SIZES)} 种大小 × {len(experiment.SWEEP_SIZE_KEEPS)} 个保留概率 × "
                      f"{n_seeds} 个种子，一次计算（键盘：H）。"))
    show_size_sweep(settings, presenter)
