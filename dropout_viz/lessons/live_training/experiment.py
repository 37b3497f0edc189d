"""The live-training playground: copies of one network trained side by side, with and without dropout.

A ``Live`` run holds every model as one stacked TrainState (same initial weights, same minibatch order,
same uniforms behind the masks), so one jitted, vmapped chunk advances them all. ``Setup`` fixes shapes
and data: changing it starts a new run. Keep, learning rate and penalty are traced values (a ``Hyper``
stack): changing them between chunks never resets the weights and never recompiles.

Sweeps train many models as one vmapped computation: keep values x seeds (the U shape of test error
against keep), and training-set size x keep x seeds. Training sets of different sizes are made the same
shape by repetition: a set of n points is tiled to the largest size N (n must divide N), so a minibatch
drawn uniformly from the tiled set is drawn uniformly from the n points, and the training loss over the
tiled set equals the loss over the n points. The smaller sets are prefixes of the largest one.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import struct
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from dropout_viz.core import datasets, masks, model_io, rng, train
from dropout_viz.core.checks import quote
from dropout_viz.core.network import ACTIVATIONS, check_activation, forward, head_logits

MAX_HIDDEN_LAYERS = 4  # deeper nets add nothing to this demonstration and train visibly slower
MAX_WIDTH = 64
TRAIN_POINTS = (10, 1000)  # fewer cannot be split into minibatches sensibly; more stops being "few data"
TEST_SHARE = (0.1, 0.9)
MAX_MODELS = 3  # no dropout, dropout, and one more keep value
BATCH_SIZES = (8, 16, 32, 64, 128)
CHUNK = 50  # steps per chunk of the sweeps, and per frame at the live page's default speed
EVAL_EVERY = 10  # a train/test evaluation every 10 steps: five curve points per frame
MAX_HISTORY = 1500  # curve points kept per series; older points are thinned two to one beyond this
SURFACE_RESOLUTION = 50  # 2500 grid points: a smooth surface that still ships quickly every frame
CSV = datasets.POINTS_NAME  # the data set made of uploaded points (Setup.points)



@dataclass(frozen=True)
class Setup:
    """Everything that fixes the data or the compiled shapes; changing any field starts a new run."""

    dataset: str = "moons"
    noise: float = 0.3  # moons overlap at 0.3: a network that fits every point must bend around noise
    n_train: int = 100
    test_share: float = 0.5  # as many test points as training points: enough for smooth test curves
    data_seed: int = 0
    layers: int = 2
    width: int = 32
    activation: str = "relu"
    optimizer: str = "adam"
    batch_size: int = 32
    seed: int = 0
    n_models: int = 2
    points: datasets.Points | None = None  # the pool of uploaded points when dataset is CSV, else None

    def __post_init__(self):
        if self.dataset == CSV:
            if not isinstance(self.points, datasets.Points):
                raise ValueError("the data set 'Your CSV' needs uploaded points: upload a CSV with columns x1, x2, label")
            if self.points.n_classes != 2:
                raise ValueError(f"this page trains on two classes; the uploaded points have {self.points.n_classes}")
        elif self.dataset not in datasets.DATASETS:
            raise ValueError(f"dataset must be one of {', '.join(datasets.DATASETS)}, got {quote(self.dataset)}")
        elif self.points is not None:
            raise ValueError(f"points belong to the data set {CSV!r} only, not {quote(self.dataset)}")
        if not 1 <= self.layers <= MAX_HIDDEN_LAYERS:
            raise ValueError(f"layers (hidden layers) must lie in [1, {MAX_HIDDEN_LAYERS}], got {self.layers}")
        if not 1 <= self.width <= MAX_WIDTH:
            raise ValueError(f"width (units per hidden layer) must lie in [1, {MAX_WIDTH}], got {self.width}")
        lo, hi = TRAIN_POINTS
        if not lo <= self.n_train <= hi:
            raise ValueError(f"n_train (training points) must lie in [{lo}, {hi}], got {self.n_train}")
        if not TEST_SHARE[0] <= self.test_share <= TEST_SHARE[1]:
            raise ValueError(f"test_share must lie in [{TEST_SHARE[0]}, {TEST_SHARE[1]}], got {self.test_share}")
        spec = self.spec
        if self.n_total > spec.max_n:
            raise ValueError(f"n_train = {self.n_train} with test share {self.test_share:.0%} needs "
                             f"{self.n_total} points, but {spec.label} has at most {spec.max_n}: use fewer "
                             f"training points or a smaller test share")
        if not 0.0 <= self.noise <= spec.max_noise:
            raise ValueError(f"noise must lie in [0, {spec.max_noise}] for {spec.label}, got {self.noise}")
        check_activation(self.activation)
        if self.optimizer not in train.OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {train.OPTIMIZERS}, got {quote(self.optimizer)}")
        if self.batch_size not in BATCH_SIZES:
            raise ValueError(f"batch_size must be one of {BATCH_SIZES}, got {self.batch_size}")
        if not 2 <= self.n_models <= MAX_MODELS:
            raise ValueError(f"n_models must lie in [2, {MAX_MODELS}], got {self.n_models}")
        if self.seed < 0 or self.data_seed < 0:
            raise ValueError(f"seed and data_seed must be integers >= 0, got {self.seed} and {self.data_seed}")

    @property
    def spec(self) -> datasets.DatasetSpec:
        return datasets.points_spec(self.points) if self.dataset == CSV else datasets.DATASETS[self.dataset]

    @property
    def n_test(self) -> int:
        return test_points(self.n_train, self.test_share)

    @property
    def n_total(self) -> int:
        return self.n_train + self.n_test

    @property
    def regression(self) -> bool:
        return self.spec.task == "regression"

    @property
    def sizes(self) -> tuple[int, ...]:
        out = 1 if self.regression else self.spec.n_classes
        return (self.spec.n_features,) + (self.width,) * self.layers + (out,)

    def config(self, chunk: int = CHUNK, eval_every: int = EVAL_EVERY) -> train.TrainConfig:
        """The engine's static config for this setup."""
        return train.TrainConfig(sizes=self.sizes, activation=self.activation,
                                 head="identity" if self.regression else "softmax", optimizer=self.optimizer,
                                 batch_size=self.batch_size, chunk=chunk, eval_every=eval_every)


# Settings under which each data set shows the lesson within a minute or two of playing. Tuned by running
# them over seeds (the moons defaults are checked in tests/lessons/live_training/test_experiment.py). The 2-D sets share the
# moons recipe: 100 noisy points overfit by a 2 x 32 ReLU net; the spiral needs more data and capacity
# to be learnable at all, the digits input dropout too. The sine is the weak case: with 20 points the
# no-dropout fit bends through the noise, but dropout's own noise in the output costs squared error too,
# and it wins on test loss in only 5 of 6 seeds at hidden keep 0.8 (fewer at 0.5).
PRESETS = {
    "moons": dict(noise=0.3, n_train=100, test_share=0.5, layers=2, width=32, keep_in=1.0, keep_hidden=0.5, lr=0.003),
    "circles": dict(noise=0.25, n_train=100, test_share=0.5, layers=2, width=32, keep_in=1.0, keep_hidden=0.5,
                    lr=0.003),
    "xor": dict(noise=0.3, n_train=100, test_share=0.5, layers=2, width=32, keep_in=1.0, keep_hidden=0.5, lr=0.003),
    "spiral": dict(noise=0.1, n_train=200, test_share=0.5, layers=3, width=64, keep_in=1.0, keep_hidden=0.8,
                   lr=0.003),
    "gaussians": dict(noise=0.3, n_train=100, test_share=0.5, layers=2, width=32, keep_in=1.0, keep_hidden=0.5,
                      lr=0.003),
    "sine": dict(noise=0.4, n_train=20, test_share=0.8, layers=2, width=64, keep_in=1.0, keep_hidden=0.8,
                 lr=0.003),
    "digits": dict(noise=0.0, n_train=100, test_share=0.5, layers=2, width=64, keep_in=0.8, keep_hidden=0.5,
                   lr=0.003),
    # Uploaded points: the moons recipe without added noise; the number of training points is set from the
    # file when it is uploaded (csv_train_points), so it is not part of the preset.
    CSV: dict(noise=0.0, test_share=0.5, layers=2, width=32, keep_in=1.0, keep_hidden=0.5, lr=0.003),
}


def test_points(n_train: int, test_share: float) -> int:
    """Test points that go with n_train training points: the test share of all points, at least one."""
    return max(1, round(n_train * test_share / (1.0 - test_share)))


def csv_train_points(points: datasets.Points, test_share: float) -> int:
    """The most training points a pool of uploaded points allows at this test share, within TRAIN_POINTS."""
    n = min(int(len(points) * (1.0 - test_share)) + 1, TRAIN_POINTS[1])
    while n > TRAIN_POINTS[0] and n + test_points(n, test_share) > len(points):
        n -= 1
    return n


def make_split(setup: Setup) -> datasets.Dataset:
    """The setup's data: exactly n_train training points and n_test test points."""
    return datasets.draw_dataset(setup.spec, setup.data_seed, setup.n_total, setup.noise,
                                 setup.n_test / setup.n_total)


def model_keeps(keep_in: float, keep_hidden: float, layers: int, third: float | None = None):
    """Per-layer keep tuples: no dropout, dropout, and optionally dropout at hidden keep ``third``.

    Returns a list of (layers + 1)-tuples: keep[0] for the inputs, keep[i] for hidden layer i.
    """
    keeps = [(1.0,) * (layers + 1), (keep_in,) + (keep_hidden,) * layers]
    if third is not None:
        keeps.append((keep_in,) + (third,) * layers)
    for k in keeps:
        masks.check_keep(k)
    return keeps


def model_names(keeps) -> list[str]:
    """Legend names: 'no dropout' for all-ones keep, else 'dropout q=<hidden keep>' (made unique)."""
    names = []
    for k in keeps:
        name = "no dropout" if all(q == 1.0 for q in k) else f"dropout q={k[-1]:g}"
        while name in names:
            name += "′"  # a prime keeps two models with equal keep apart without a longer label
        names.append(name)
    return names


def hypers(keeps, lr: float, l2: float = 0.0) -> train.Hyper:
    """One stacked Hyper for the models (traced values: changing them recompiles nothing)."""
    return train.stack([train.hyper(k, lr, n_layers=len(k), l2=l2) for k in keeps])


class Divergence(NamedTuple):
    """Where a chunk first produced a non-finite loss."""

    model: int
    step: int  # the training step (1-based count of updates) whose loss was NaN or inf
    value: float


class Live(NamedTuple):
    """A live run: stacked models, their history, and the last sampled mask. Replaced, never mutated."""

    setup: Setup
    config: train.TrainConfig
    data: train.Data
    init: train.TrainState  # the initial stacked state, for "reset to the same weights"
    state: train.TrainState
    history: dict  # "step" (T,) and "train_loss", "test_loss", "train_acc", "test_acc" (models, T)
    mask: list | None  # per layer of units, 0/1 (n,) of the dropout model's first example, last step
    diverged: Divergence | None


HISTORY_KEYS = ("train_loss", "test_loss", "train_acc", "test_acc")


def _empty_history(n_models: int) -> dict:
    out = {"step": np.zeros(0, np.int64)}
    out.update({k: np.zeros((n_models, 0), np.float32) for k in HISTORY_KEYS})
    return out


def start(setup: Setup, data: datasets.Dataset) -> Live:
    """A fresh run: every model starts from the weights of PRNGKey(setup.seed)."""
    config = setup.config()
    d = train.make_data(data.x_train, data.y_train, data.x_test, data.y_test, config)
    init = train.init_states(rng.key(setup.seed), config, setup.n_models)
    return Live(setup, config, d, init, init, _empty_history(setup.n_models), None, None)


def reset(live: Live) -> Live:
    """Back to step 0 with the same initial weights (and so the same minibatches and masks as before)."""
    return live._replace(state=live.init, history=_empty_history(live.setup.n_models), mask=None, diverged=None)


def step_of(live: Live) -> int:
    """Training steps taken so far (shared by all models)."""
    return int(live.state.step[0])


def thin(history: dict, max_points: int = MAX_HISTORY) -> dict:
    """Drop every other curve point while there are more than max_points; the newest point is always kept."""
    n = history["step"].size
    if n <= max_points:
        return history
    idx = np.arange(n - 1, -1, -2)[::-1]
    return {k: v[..., idx] for k, v in history.items()}


def first_divergence(metrics: dict, start_step: int) -> Divergence | None:
    """The first model and step whose minibatch or evaluation loss is not finite, or None.

    Args:
      metrics: a chunk's metrics as NumPy: "batch_loss" (models, chunk), "train_loss", "test_loss" (models, blocks).
      start_step: the step count before the chunk.
    """
    batch = np.asarray(metrics["batch_loss"])
    bad = ~np.isfinite(batch)
    for name in ("train_loss", "test_loss"):
        ev = ~np.isfinite(np.asarray(metrics[name]))
        # An evaluation after step s covers the weights of step s: mark the block's last step.
        per = batch.shape[1] // ev.shape[1]
        bad[:, per - 1::per] |= ev
    if not bad.any():
        return None
    hits = [(int(np.argmax(row)), m) for m, row in enumerate(bad) if row.any()]
    t, m = min(hits)
    value = batch[m, t] if not np.isfinite(batch[m, t]) else np.inf
    return Divergence(m, start_step + t + 1, float(value))


def advance(live: Live, hps: train.Hyper, speed: int | None = None) -> Live:
    """One chunk of every model (CHUNK steps, or ``speed`` steps: one shown frame), as one jitted vmapped call.

    A chunk whose losses are not all finite is thrown away: the run keeps its last finite weights and
    reports the divergence (the caller pauses and offers a reset).
    """
    config = live.config if speed is None else play_config(live.config, speed)
    state, metrics = train.train_chunk_many(live.state, live.data, hps, config)
    # The dropout model's multipliers (0 or 1/q) at the chunk's last step, first example of the batch.
    last = [mult[1, 0] > 0 for mult in metrics["last_mults"]]
    m, last = jax.device_get(({k: v for k, v in metrics.items() if k != "last_mults"}, last))
    return _advanced(live, state, m, last)


def _advanced(live: Live, state, m: dict, last: list) -> Live:
    """The run after a chunk whose metrics (NumPy) are m and whose last step's mask is ``last``."""
    bad = first_divergence(m, step_of(live))
    if bad is not None:
        return live._replace(diverged=bad)
    history = {"step": np.concatenate([live.history["step"], m["eval_step"][0].astype(np.int64)])}
    for k in HISTORY_KEYS:
        history[k] = np.concatenate([live.history[k], m[k]], axis=1)
    mask = [np.asarray(k, np.float32) for k in last]
    mask.append(np.ones(live.config.sizes[-1], np.float32))
    return live._replace(state=state, history=thin(history), mask=mask, diverged=None)


@partial(jax.jit, static_argnames=("activation", "head"))
def _predict_stacked(params, x, *, activation, head):
    out = jax.vmap(lambda p: forward(p, x, activation=activation))(params)
    return out if head == "identity" else jax.nn.softmax(head_logits(out, head), axis=-1)


def predict(live: Live, x) -> np.ndarray:
    """Test-time outputs of every model: class probabilities (models, n, classes), or (models, n) for regression.

    Inverted dropout: the trained weights already are the weight-scaled network, so this is one plain
    forward pass per model (the same as inference.predict_weight_scaled).
    """
    x = jnp.asarray(x, jnp.float32)
    if x.ndim != 2 or x.shape[1] != live.config.sizes[0]:
        raise ValueError(f"x must have shape (n, {live.config.sizes[0]}), got {tuple(x.shape)}")
    out = np.asarray(_predict_stacked(live.state.params, x, activation=live.config.activation,
                                      head=live.config.head))
    return out[..., 0] if live.config.head == "identity" else out


def surfaces(live: Live, resolution: int = SURFACE_RESOLUTION):
    """P(class 1) of every model over the plotting grid: xs (R,), ys (R,), probs (models, R, R)."""
    if live.setup.spec.n_features != 2 or live.setup.regression:
        raise ValueError(f"surfaces need 2-D classification data, not {live.setup.spec.label}")
    xs, ys, points = datasets.surface_grid(resolution)
    probs = predict(live, points)
    return xs, ys, probs[..., 1].reshape(-1, ys.size, xs.size)


def curves(live: Live, resolution: int = 200):
    """Fitted regression curves: xs (R,), ys (models, R)."""
    if not live.setup.regression:
        raise ValueError(f"curves need regression data, not {live.setup.spec.label}")
    xs, points = datasets.curve_grid(resolution)
    return xs, predict(live, points)


def mistakes(probs, y, k: int = 8):
    """Per model, the first k test examples it gets wrong: list of (indices, predicted labels).

    Args:
      probs: (models, n, classes) class probabilities; y: (n,) true labels.
    """
    probs = np.asarray(probs)
    y = np.asarray(y)
    if probs.ndim != 3 or probs.shape[1] != y.shape[0]:
        raise ValueError(f"probs must have shape (models, {y.shape[0]}, classes), got {probs.shape}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    pred = probs.argmax(-1)
    out = []
    for p in pred:
        idx = np.flatnonzero(p != y)[:k]
        out.append((idx, p[idx]))
    return out


def final_metrics(live: Live) -> dict | None:
    """The latest evaluation of every model: {"train_loss": (models,), ...}, or None before the first chunk."""
    if live.history["step"].size == 0:
        return None
    return {k: live.history[k][:, -1] for k in HISTORY_KEYS}


# --- playing in the browser: batches of snapshots --------------------------------------------------------
#
# The live page's view plays in the browser. The server trains a batch of chunks and sends the view the
# snapshot after each chunk as bytes; the view shows one snapshot per frame. The format (little-endian):
#
#   header   "DVLB", version u8, flags u8 (1 playing, 2 reset: points and history follow, 4 diverged),
#            kind u8 (0 decision surfaces, 1 fitted curves, 2 no grid: digits), models M u8, seq u32,
#            speed u16 (steps per snapshot), snapshots S u16, grid width W u16, grid height H u16,
#            layers L u8, metrics per model (4) u8, reserved u16, domain x0 x1 y0 y1 f32, value range lo hi f32,
#            meta length u32 + meta (UTF-8 JSON of strings and integers: names, colours, labels),
#            shown units per layer u16 x L,
#            points P u32 + P x (x f32, y f32, label u8, test u8)        (P = 0 unless flag 2)
#            history T u32 + steps u32 x T + values f32 x (T x M x 4)    (T = 0 unless flag 2)
#   records  S x (step u32, metrics f32 x (M x 4: train loss, test loss, train acc, test acc),
#                 mask u8 x (shown units, 1 kept), grid u8 x (M x H x W, rows from y0 up))
#
# A record depends only on the run's state at its step (snapshot_record): the same seed gives the same
# bytes at step N whether the run was played, stepped or sent in batches of another size.

SPEEDS = (1, 10, 50, 200)  # training steps per shown frame: watch masks change step by step, or race ahead
PLAY_FPS = 30  # snapshots the view shows per second while playing
BATCH_S = 2.0  # seconds of play per batch: one server run every two seconds
SHOWN_UNITS = 16  # units per layer whose mask is sent (the diagram draws the first 16 of each layer)
CURVE_RESOLUTION = 200
MAGIC = b"DVLB"
FORMAT_VERSION = 1
FLAG_PLAYING, FLAG_RESET, FLAG_DIVERGED = 1, 2, 4
KIND_SURFACE, KIND_CURVE, KIND_NONE = 0, 1, 2
N_METRICS = 4  # train loss, test loss, train accuracy, test accuracy (HISTORY_KEYS order below)
RECORD_KEYS = ("train_loss", "test_loss", "train_acc", "test_acc")
_HEAD = struct.Struct("<4sBBBBIHHHHBBH4f2fI")


def play_config(config: train.TrainConfig, speed: int) -> train.TrainConfig:
    """The engine config whose chunk is one shown frame of ``speed`` steps (evaluations every 10 steps or
    every step)."""
    if speed not in SPEEDS:
        raise ValueError(f"speed must be one of {SPEEDS} (steps per frame), got {speed!r}")
    return dataclasses.replace(config, chunk=speed, eval_every=min(EVAL_EVERY, speed))


def batch_frames(speed: int) -> int:
    """Snapshots per batch: BATCH_S of play at PLAY_FPS; 8 at 1 step per frame (the view shows those slowly)."""
    if speed not in SPEEDS:
        raise ValueError(f"speed must be one of {SPEEDS} (steps per frame), got {speed!r}")
    return max(4, round(BATCH_S * PLAY_FPS)) if speed >= 10 else 8


def first_batch_frames(speed: int) -> int:
    """Snapshots of the first batch after Play (or after the view starts over): half a batch (one second of
    play), so that its first frame comes sooner; the view asks for the next batch as it arrives."""
    n = batch_frames(speed)
    return n // 2 if n >= 2 * PLAY_FPS else n


class View(NamedTuple):
    """What the browser view needs besides the snapshots: the grid it is sent on and the data points."""

    kind: int
    grid: np.ndarray | None  # (W*H, features) float32 inputs of the grid, or None
    width: int
    height: int
    domain: tuple  # x0, x1, y0, y1 of the plot
    value_range: tuple  # lo, hi: a grid byte b stands for lo + (hi - lo) * b / 255
    points: np.ndarray  # (P, 4) float32: x, y, label, test (1 for test points)


def view_of(setup: Setup, data: datasets.Dataset, resolution: int = SURFACE_RESOLUTION) -> View:
    """The view geometry of a setup: decision surfaces (2-D classification), fitted curves (regression) or
    no grid (digits)."""
    def pts(x, y, test):
        return np.column_stack([x, y, np.zeros(len(x)), np.full(len(x), test)])
    if setup.regression:
        xs, grid = datasets.curve_grid(CURVE_RESOLUTION)
        y = np.concatenate([data.y_train, data.y_test]).astype(np.float64)
        lo, hi = float(np.floor((y.min() - 0.3) * 2) / 2), float(np.ceil((y.max() + 0.3) * 2) / 2)
        points = np.vstack([pts(data.x_train[:, 0], data.y_train, 0), pts(data.x_test[:, 0], data.y_test, 1)])
        return View(KIND_CURVE, grid, xs.size, 1, (float(xs[0]), float(xs[-1]), lo, hi), (lo, hi),
                    points.astype(np.float32))
    if setup.spec.n_features == 2:
        xs, ys, grid = datasets.surface_grid(resolution)
        points = np.vstack([np.column_stack([data.x_train, data.y_train, np.zeros(len(data.y_train))]),
                            np.column_stack([data.x_test, data.y_test, np.ones(len(data.y_test))])])
        return View(KIND_SURFACE, grid, xs.size, ys.size, (float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])),
                    (0.0, 1.0), points.astype(np.float32))
    return View(KIND_NONE, None, 0, 0, (0.0, 1.0, 0.0, 1.0), (0.0, 1.0), np.zeros((0, 4), np.float32))


@partial(jax.jit, static_argnames=("activation", "head"))
def _grid_codes(params, x, lo, hi, *, activation, head):
    out = jax.vmap(lambda p: forward(p, x, activation=activation))(params)
    if head == "identity":
        v = (out[..., 0] - lo) / (hi - lo)
    else:
        v = jax.nn.softmax(head_logits(out, head), axis=-1)[..., 1]
    return jnp.round(jnp.clip(v, 0.0, 1.0) * 255.0).astype(jnp.uint8)


@partial(jax.jit, static_argnames=("config", "n", "with_grid", "shared"))
def _play_batch(states, data, hps, grid, lo, hi, limit, *, config, n, with_grid, shared):
    """Up to n chunks as one program (a scan over the frames): per frame the chunk's metrics, its last step's
    mask of the dropout model, the grid bytes after it, and whether it ran and ended finite.

    A frame runs while every frame before it ran with finite losses and fewer than ``limit`` frames have
    run; a frame that does not run costs nothing (lax.cond runs one branch), and a frame whose losses are not
    all finite leaves the state as it was (the run keeps its last finite weights).
    """
    n_models = states.step.shape[0]

    def chunk(s):
        s, metrics = train.train_chunk_many(s, data, hps, config, shared=shared)
        last = [mult[1, 0] > 0 for mult in metrics.pop("last_mults")]
        codes = (_grid_codes(s.params, grid, lo, hi, activation=config.activation, head=config.head)
                 if with_grid else jnp.zeros((n_models, 0), jnp.uint8))
        finite = (jnp.all(jnp.isfinite(metrics["batch_loss"])) & jnp.all(jnp.isfinite(metrics["train_loss"]))
                  & jnp.all(jnp.isfinite(metrics["test_loss"])))
        return s, metrics, last, codes, finite

    shapes = jax.eval_shape(chunk, states)

    def skip(s):
        return (s,) + jax.tree.map(lambda a: jnp.zeros(a.shape, a.dtype), shapes[1:])

    def frame(carry, i):
        s, running = carry
        run = running & (i < limit)
        new, metrics, last, codes, finite = jax.lax.cond(run, chunk, skip, s)
        ok = run & finite
        s = jax.tree.map(lambda x, y: jnp.where(ok, x, y), new, s)
        return (s, ok), (metrics, last, codes, ok, run)

    (states, _), out = jax.lax.scan(frame, (states, jnp.bool_(True)), jnp.arange(n))
    return states, out


def grid_codes(live: Live, view: View) -> np.ndarray:
    """Every model's output on the view's grid, one byte per cell: (models, W*H) uint8.

    P(class 1) for classification, (y - lo) / (hi - lo) clipped to [0, 1] for regression; byte = round(255 v),
    so the byte is within 0.5/255 of the value. Empty (models, 0) when the view has no grid.
    """
    if view.grid is None:
        return np.zeros((live.setup.n_models, 0), np.uint8)
    lo, hi = view.value_range
    return np.asarray(_grid_codes(live.state.params, jnp.asarray(view.grid), jnp.float32(lo), jnp.float32(hi),
                                  activation=live.config.activation, head=live.config.head))


def shown_mask(live: Live) -> np.ndarray:
    """The dropout model's mask at the last step, the first SHOWN_UNITS units of each layer: uint8 0/1."""
    kept = live.mask if live.mask is not None else [np.ones(n, np.float32) for n in live.config.sizes]
    return np.concatenate([np.asarray(k[:SHOWN_UNITS] > 0, np.uint8) for k in kept])


def snapshot_record(live: Live, codes: np.ndarray) -> bytes:
    """One snapshot's bytes: step, each model's metrics at that step (NaN before the first evaluation), the
    mask and the grid bytes."""
    step = step_of(live)
    h = live.history
    if h["step"].size and int(h["step"][-1]) == step:
        metrics = np.stack([h[k][:, -1] for k in RECORD_KEYS], axis=1)
    else:
        metrics = np.full((live.setup.n_models, N_METRICS), np.nan)
    return (struct.pack("<I", step) + metrics.astype("<f4").tobytes() + shown_mask(live).tobytes()
            + np.ascontiguousarray(codes, np.uint8).tobytes())


class Batch(NamedTuple):
    """A played batch: the run at its start and after it, and the records of the snapshots in between."""

    start: Live  # the run before the batch (replay(batch, k) rebuilds the run after k of its snapshots)
    end: Live  # the run after the last finite chunk; ``diverged`` is set when a chunk of the batch diverged
    records: list  # one snapshot record (bytes) per finite chunk
    hps: train.Hyper
    speed: int
    view: View
    n: int  # chunks asked for (the compiled program's length)
    metrics: dict | None = None  # the chunks' metrics as NumPy (n, models, blocks): the history after k of them
    masks: list | None = None  # per layer of units, the chunks' masks (n, units): the mask after k of them

    @property
    def steps(self) -> list:
        """The step of each record."""
        s0 = step_of(self.start)
        return [s0 + self.speed * (k + 1) for k in range(len(self.records))]


def _run_batch(live: Live, hps: train.Hyper, view: View, n: int, speed: int, limit: int):
    config = play_config(live.config, speed)
    # NumPy arguments: the call copies them in (no separate device_put per argument).
    grid = view.grid if view.grid is not None else np.zeros((1, live.config.sizes[0]), np.float32)
    lo, hi = (np.float32(v) for v in view.value_range)
    state, out = _play_batch(live.state, live.data, hps, grid, lo, hi, np.int32(limit), config=config, n=n,
                             with_grid=view.grid is not None, shared=train.shares_draws(live.state))
    return state, jax.device_get(out)


def _history_after(history: dict, m: dict, k: int) -> dict:
    """The history after the first k chunks of stacked metrics m (n, models, blocks): the same arrays as k
    calls of _advanced (one concatenation while no thinning is needed)."""
    n_models = history["train_loss"].shape[0]
    if k == 0:
        return history
    if history["step"].size + k * m["eval_step"].shape[-1] <= MAX_HISTORY:
        out = {"step": np.concatenate([history["step"], m["eval_step"][:k, 0].reshape(-1).astype(np.int64)])}
        for key in HISTORY_KEYS:
            new = np.moveaxis(m[key][:k], 0, 1).reshape(n_models, -1)
            out[key] = np.concatenate([history[key], new], axis=1)
        return out
    for i in range(k):  # thinning happens after every chunk: do it the same way
        out = {"step": np.concatenate([history["step"], m["eval_step"][i, 0].astype(np.int64)])}
        for key in HISTORY_KEYS:
            out[key] = np.concatenate([history[key], m[key][i]], axis=1)
        history = thin(out)
    return history


def _mask_after(live: Live, last: list, k: int) -> list | None:
    """The run's mask after chunk k - 1 of the batch (the start's mask when k = 0)."""
    if k == 0:
        return live.mask
    mask = [np.asarray(layer[k - 1], np.float32) for layer in last]
    mask.append(np.ones(live.config.sizes[-1], np.float32))
    return mask


def _records(live: Live, m: dict, last: list, codes: np.ndarray, k: int, speed: int) -> list:
    """The snapshot records of the first k chunks, built at once (the bytes of snapshot_record)."""
    if k == 0:
        return []
    steps = (step_of(live) + speed * (1 + np.arange(k))).astype("<u4")
    metrics = np.stack([m[key][:k, :, -1] for key in RECORD_KEYS], axis=-1).astype("<f4")  # (k, models, 4)
    shown = [np.asarray(layer[:k, :SHOWN_UNITS], np.uint8) for layer in last]
    shown.append(np.ones((k, min(live.config.sizes[-1], SHOWN_UNITS)), np.uint8))
    rows = np.concatenate([steps[:, None].view(np.uint8), metrics.reshape(k, -1).view(np.uint8),
                           *shown, np.ascontiguousarray(codes[:k], np.uint8).reshape(k, -1)], axis=1)
    return [row.tobytes() for row in rows]


def play_batch(live: Live, hps: train.Hyper, view: View, n: int, speed: int) -> Batch:
    """Train n chunks of ``speed`` steps as one jitted program and build their snapshot records.

    Stops at a divergence as advance does: the batch's end is then the run after the last finite chunk,
    with ``diverged`` set, and the diverged chunk has no record.
    """
    if n < 1:
        raise ValueError(f"n (snapshots) must be at least 1, got {n}")
    state, (m, last, codes, ok, ran) = _run_batch(live, hps, view, n, speed, n)
    k = int(np.argmin(ok)) if not ok.all() else n  # chunks that ran and stayed finite
    diverged = None
    if k < n and ran[k]:
        diverged = first_divergence({key: v[k] for key, v in m.items()}, step_of(live) + k * speed)
    end = live._replace(state=state, history=_history_after(live.history, m, k), mask=_mask_after(live, last, k),
                        diverged=diverged) if k else live._replace(diverged=diverged)
    return Batch(live, end, _records(live, m, last, codes, k, speed), hps, speed, view, n, m, last)


class PendingRun:
    """The run after the first k snapshots of a kept batch, still to be rebuilt by ``replay`` (its weights need the
    training again; its history, mask and picture are in the batch already). Whoever asks first rebuilds it (a
    worker thread, or ``result`` itself); the other waits for that. Thread-safe."""

    def __init__(self, batch: Batch, k: int):
        if not 1 <= k <= len(batch.records):
            raise ValueError(f"k must lie in [1, {len(batch.records)}] (the batch's snapshots), got {k}")
        self.batch, self.k = batch, k
        self.step = step_of(batch.start) + k * batch.speed
        self._lock = threading.Lock()
        self._claimed = False
        self._done = threading.Event()
        self._live: Live | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """Rebuild the run here unless someone has begun already (then return at once)."""
        with self._lock:
            if self._claimed:
                return
            self._claimed = True
        try:
            self._live = replay(self.batch, self.k)
        except BaseException as exc:  # noqa: BLE001 - kept for result(), which raises it where it is asked
            self._error = exc
        finally:
            self._done.set()

    def result(self, timeout_s: float = 120.0) -> Live:
        """The rebuilt run (rebuilt here if nobody has begun; else waits for it)."""
        self.run()
        if not self._done.wait(timeout_s):
            raise TimeoutError(f"the run at step {self.step} was not rebuilt within {timeout_s:g} s")
        if self._error is not None:
            raise self._error
        return self._live

    def view_bytes(self, view: View, *, seq: int, meta: dict) -> bytes:
        """The paused view at this step, with no training: the snapshot the browser showed (the batch's record),
        the history and mask after k chunks, the points; the bytes a paused run sends (``encode_batch``)."""
        b = self.batch
        if b.metrics is None or b.masks is None:
            raise ValueError("batch: it has no metrics or masks to rebuild the history from")
        shown = b.start._replace(history=_history_after(b.start.history, b.metrics, self.k),
                                 mask=_mask_after(b.start, b.masks, self.k), diverged=None)
        return encode_batch(view, shown, [b.records[self.k - 1]], seq=seq, speed=b.speed, playing=False, reset=True,
                            meta=meta)


def settled(run: Live | PendingRun) -> Live:
    """A run, rebuilt first if it is pending."""
    return run.result() if isinstance(run, PendingRun) else run


def run_digest(live: Live, hps: train.Hyper, view: View, n: int, speed: int) -> bytes:
    """A digest of everything play_batch's result depends on: the run's setup, configuration, data, weights,
    optimizer state, history, mask and divergence, the hyperparameters, the view's grid and range, n and speed.
    Two runs with the same digest get the same batch, bit for bit (the program is deterministic)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(repr((live.setup, live.config, live.diverged, view.kind, view.width, view.height, view.domain,
                   view.value_range, int(n), int(speed))).encode())
    arrays = jax.tree.leaves((live.data, live.state, live.history, live.mask, hps))
    for a in arrays + ([view.grid] if view.grid is not None else []):
        a = np.asarray(a)
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.digest()


class SharedBatches:
    """play_batch shared by the sessions of one server: a class that opens the same link and presses Play trains
    the same runs, and the same run in the same state gives the same batch (``run_digest``). The first session to
    ask trains it; one asking for it meanwhile waits for that batch instead of training it again. Keeps the
    ``size`` batches used last. A batch taken from here is returned with the asking session's own run at its
    start and end (its initial weights for Reset), everything else as trained. ``prefetch`` trains a batch
    ahead, in a worker thread, while its session is paused: the Play that follows finds it done."""

    def __init__(self, size: int = 256, ahead: int = 64):
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        if ahead < 1:
            raise ValueError(f"ahead must be at least 1, got {ahead}")
        self.size = size
        self.ahead = ahead  # batches waiting to be trained ahead (prefetch), at most
        self._done: OrderedDict = OrderedDict()
        self._running: dict = {}
        self._lock = threading.Lock()
        self._ahead: OrderedDict = OrderedDict()  # owner -> (live, hps, view, n, speed, then), oldest first
        self._worker: threading.Thread | None = None
        self.trained = 0  # batches trained here (the rest were shared)
        self.shared = 0
        self.failed_ahead = 0  # prefetches that raised (the batch is then trained when asked for)

    def prefetch(self, owner, live: Live | PendingRun, hps: train.Hyper, view: View, n: int, speed: int,
                 then: int = 0) -> None:
        """Train play_batch(live, hps, view, n, speed) ahead, in this object's worker thread, so that the call
        that asks for it later (the next Play after a Pause) finds it done, or waits for it if it is training;
        with ``then`` > 0 also the batch of ``then`` snapshots that follows it (the view asks for that one as
        soon as the first has come), unless the owner has asked for another batch ahead meanwhile.

        One worker trains these one at a time, the oldest first, so a wave of Pauses does not crowd the
        batches of the sessions still playing; ``owner`` (a session) has one batch waiting at most: a newer one
        replaces it (a value moved since). At most ``ahead`` wait; beyond that the oldest are forgotten. A
        PendingRun is rebuilt first (by the worker, unless its session asked for it sooner). Returns at once."""
        if n < 1:
            raise ValueError(f"n (snapshots) must be at least 1, got {n}")
        if then < 0:
            raise ValueError(f"then (snapshots) must be at least 0, got {then}")
        with self._lock:
            self._ahead.pop(owner, None)
            self._ahead[owner] = (live, hps, view, n, speed, then)
            while len(self._ahead) > self.ahead:
                self._ahead.popitem(last=False)
            if self._worker is None:  # the worker ends when nothing waits: no thread idles for an idle server
                self._worker = threading.Thread(target=self._train_ahead, name="dlab-prefetch", daemon=True)
                self._worker.start()

    def waiting(self) -> int:
        """Batches waiting to be trained ahead."""
        with self._lock:
            return len(self._ahead)

    def idle(self, timeout_s: float = 60.0) -> bool:
        """Wait until no batch waits or trains ahead; True if that happened within timeout_s (for tests and
        measurements)."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.join(timeout_s)
            return not worker.is_alive()
        return True

    def _train_ahead(self) -> None:
        while True:
            with self._lock:
                if not self._ahead:
                    self._worker = None
                    return
                owner, (run, hps, view, n, speed, then) = self._ahead.popitem(last=False)
            try:
                batch = self.play_batch(settled(run), hps, view, n, speed)
                with self._lock:
                    follow = then and batch.end.diverged is None and owner not in self._ahead
                if follow:
                    self.play_batch(batch.end, hps, view, then, speed)
            except Exception:  # noqa: BLE001 - a failed prefetch costs only its time: the batch is trained when asked
                with self._lock:
                    self.failed_ahead += 1

    def play_batch(self, live: Live, hps: train.Hyper, view: View, n: int, speed: int,
                   wait_s: float = 60.0) -> Batch:
        key = run_digest(live, hps, view, n, speed)
        with self._lock:
            batch = self._take(key, live)
            if batch is not None:
                return batch
            event = self._running.get(key)
            mine = event is None
            if mine:
                event = self._running[key] = threading.Event()
        if not mine:  # another session is training this very batch
            event.wait(wait_s)
            with self._lock:
                batch = self._take(key, live)
            # None: it failed, or took longer than wait_s: train it here
            return batch if batch is not None else play_batch(live, hps, view, n, speed)
        try:
            batch = play_batch(live, hps, view, n, speed)
            with self._lock:
                self._done[key] = batch
                self.trained += 1
                while len(self._done) > self.size:
                    self._done.popitem(last=False)
            return batch
        finally:
            with self._lock:
                self._running.pop(key, None)
            event.set()

    def done(self, live: Live, hps: train.Hyper, view: View, n: int, speed: int) -> Batch | None:
        """The batch play_batch would return if it is kept here already, else None (nothing is trained)."""
        key = run_digest(live, hps, view, n, speed)
        with self._lock:
            return self._take(key, live)

    def _take(self, key: bytes, live: Live) -> Batch | None:
        """The kept batch for key (called under the lock), with the asking session's run objects at its start
        and end (the same values): its own initial weights for Reset. None if there is none."""
        batch = self._done.get(key)
        if batch is None:
            return None
        self._done.move_to_end(key)
        self.shared += 1
        end = batch.end._replace(setup=live.setup, config=live.config, data=live.data, init=live.init)
        return batch._replace(start=live, end=end)


def replay(batch: Batch, k: int) -> Live:
    """The run after the first k snapshots of a batch: the same training from the same start, stopped after k
    chunks (same keys, so the same weights, history and mask as when it was played), without the grid."""
    if not 0 <= k <= len(batch.records):
        raise ValueError(f"k must lie in [0, {len(batch.records)}] (the batch's snapshots), got {k}")
    if k == 0:
        return batch.start._replace(diverged=None)
    live = batch.start
    # Without the grid's predictions (half of a batch's work): a replay needs the run, not the pictures, and the
    # training does not depend on them.
    state, (m, last, _codes, _ok, _ran) = _run_batch(live, batch.hps, batch.view._replace(grid=None), batch.n,
                                                     batch.speed, k)
    return live._replace(state=state, history=_history_after(live.history, m, k), mask=_mask_after(live, last, k),
                         diverged=None)


def play(live: Live, hps: train.Hyper, view: View, n: int, speed: int) -> tuple[list, list]:
    """Train n chunks of ``speed`` steps; returns the run after each chunk and each one's snapshot record.

    Stops early at a divergence: the last run returned then carries ``diverged`` (and the last finite
    weights) and has no record of its own. (The page plays with play_batch, which keeps only the batch's
    start and end; this builds every run in between by replaying.)
    """
    batch = play_batch(live, hps, view, n, speed)
    done = len(batch.records) if batch.end.diverged is not None else len(batch.records) - 1
    lives = [replay(batch, k) for k in range(1, done + 1)] + [batch.end]
    return lives, batch.records


def _history_block(live: Live, max_points: int) -> bytes:
    h = thin(live.history, max_points)
    t = h["step"].size
    values = np.stack([h[k] for k in RECORD_KEYS], axis=-1).transpose(1, 0, 2)  # (T, models, 4)
    return struct.pack("<I", t) + h["step"].astype("<u4").tobytes() + values.astype("<f4").tobytes()


def encode_batch(view: View, live: Live, records: list, *, seq: int, speed: int, playing: bool, reset: bool,
                 meta: dict, diverged: bool = False, history_points: int = 600) -> bytes:
    """A batch for the browser view: the header, the points and history of ``live`` (the run at the batch's
    start) when ``reset``, then the snapshot records."""
    meta_bytes = json.dumps(meta, ensure_ascii=False, sort_keys=True).encode()
    sizes = live.config.sizes
    flags = (FLAG_PLAYING if playing else 0) | (FLAG_RESET if reset else 0) | (FLAG_DIVERGED if diverged else 0)
    head = _HEAD.pack(MAGIC, FORMAT_VERSION, flags, view.kind, live.setup.n_models, seq, speed, len(records),
                      view.width, view.height, len(sizes), N_METRICS, 0, *view.domain, *view.value_range,
                      len(meta_bytes))
    out = [head, meta_bytes, np.array([min(n, SHOWN_UNITS) for n in sizes], "<u2").tobytes()]
    if reset:
        pts = view.points
        rec = np.zeros(len(pts), dtype=[("x", "<f4"), ("y", "<f4"), ("label", "u1"), ("test", "u1")])
        rec["x"], rec["y"], rec["label"], rec["test"] = pts[:, 0], pts[:, 1], pts[:, 2], pts[:, 3]
        out += [struct.pack("<I", len(pts)), rec.tobytes(), _history_block(live, history_points)]
    else:
        out.append(struct.pack("<II", 0, 0))
    out += records
    return b"".join(out)


def decode_batch(data: bytes) -> dict:
    """Read a batch of encode_batch back (the browser's decoder does the same; this one is for tests)."""
    fields = _HEAD.unpack_from(data, 0)
    magic, version, flags, kind, m, seq, speed, n_snap, w, h, n_layers, n_metrics = fields[:12]
    if magic != MAGIC or version != FORMAT_VERSION:
        raise ValueError(f"data is not a version-{FORMAT_VERSION} snapshot batch")
    domain, value_range, meta_len = fields[13:17], fields[17:19], fields[19]
    at = _HEAD.size
    meta = json.loads(data[at:at + meta_len].decode())
    at += meta_len
    units = np.frombuffer(data, "<u2", n_layers, at).astype(int)
    at += 2 * n_layers
    (n_pts,) = struct.unpack_from("<I", data, at)
    at += 4
    pts = np.frombuffer(data, [("x", "<f4"), ("y", "<f4"), ("label", "u1"), ("test", "u1")], n_pts, at)
    at += 10 * n_pts
    (t,) = struct.unpack_from("<I", data, at)
    at += 4
    hist_steps = np.frombuffer(data, "<u4", t, at)
    at += 4 * t
    hist = np.frombuffer(data, "<f4", t * m * n_metrics, at).reshape(t, m, n_metrics)
    at += 4 * t * m * n_metrics
    size = 4 + 4 * m * n_metrics + int(units.sum()) + m * w * h
    snaps = []
    for i in range(n_snap):
        r = data[at + i * size:at + (i + 1) * size]
        snaps.append({"record": bytes(r), "step": struct.unpack_from("<I", r)[0],
                      "metrics": np.frombuffer(r, "<f4", m * n_metrics, 4).reshape(m, n_metrics),
                      "mask": np.frombuffer(r, "u1", int(units.sum()), 4 + 4 * m * n_metrics),
                      "grid": np.frombuffer(r, "u1", m * w * h, size - m * w * h).reshape(m, h * w)})
    if at + n_snap * size != len(data):
        raise ValueError(f"data has {len(data)} bytes, the header describes {at + n_snap * size}")
    return {"flags": flags, "kind": kind, "models": m, "seq": seq, "speed": speed, "width": w, "height": h,
            "domain": domain, "value_range": value_range, "meta": meta, "units": units, "points": pts,
            "history_steps": hist_steps, "history": hist, "snapshots": snaps}


# --- saving and loading the models ---------------------------------------------------------------------

PAGE_TAG = "live-training"  # settings["page"] of a file saved here: other pages' files are refused
SETUP_FIELDS = {"dataset": str, "noise": float, "n_train": int, "test_share": float, "data_seed": int,
                "layers": int, "width": int, "activation": str, "optimizer": str, "batch_size": int,
                "n_models": int}


def export_models(live: Live, names, keeps, *, lr: float, l2: float) -> str:
    """Every model of the run as one JSON file (model_io.dumps_models): weights, sizes, keep values, seed,
    the settings that rebuild its data and optimizer, the step count, and uploaded points if any."""
    stacked = jax.device_get(live.state.params)
    models = [(name, [(w[m], b[m]) for w, b in stacked], keep) for m, (name, keep) in enumerate(zip(names, keeps))]
    settings = {"page": PAGE_TAG, "lr": float(lr), "l2": float(l2)}
    settings.update({f: getattr(live.setup, f) for f in SETUP_FIELDS})
    points = live.setup.points
    if points is not None:
        settings["points_source"] = points.source
    return model_io.dumps_models(models, seed=live.setup.seed, steps=step_of(live), activation=live.config.activation,
                                 head=live.config.head, settings=settings,
                                 points=None if points is None else (points.x, points.y))


class Saved(NamedTuple):
    """A checked model file of this page: what the page needs to show and go on training its models."""

    setup: Setup
    keeps: list  # per model, the keep tuple (the same structure as model_keeps gives)
    lr: float
    l2: float
    params: list  # per model, a list of (W, b) float32 arrays
    steps: int


def _setting(settings: dict, name: str, kind: type):
    value = settings.get(name)
    ok = (isinstance(value, str) if kind is str else
          isinstance(value, (int, float)) and not isinstance(value, bool) and (kind is float or isinstance(value, int)))
    if not ok:
        raise ValueError(f"settings.{name} must be {'a string' if kind is str else 'a number'}, got {quote(value)}")
    return kind(value)


def load_models(data: bytes | str) -> Saved:
    """Read a file of export_models and check it against this page's rules (ValueError says what is wrong).

    Checked beyond the file format: the settings make a valid Setup; the stored sizes, activation and output
    head are the ones that Setup builds; the models are no dropout, dropout, and optionally a second dropout
    model with the same input keep (model_keeps); learning rate and penalty are in the engine's ranges.
    """
    doc = model_io.loads_models(data)
    settings = doc["settings"]
    if settings.get("page") != PAGE_TAG:
        raise ValueError(f"this file was not saved by the live-training page (settings.page must be {PAGE_TAG!r})")
    fields = {f: _setting(settings, f, kind) for f, kind in SETUP_FIELDS.items()}
    points = None
    if doc["points"] is not None:
        source = settings.get("points_source")
        try:
            points = datasets.Points(*doc["points"], source=source if isinstance(source, str) else "model file")
        except ValueError as exc:
            raise ValueError(f"the file's points: {exc}") from None
    setup = Setup(**fields, seed=doc["seed"], points=points)
    if doc["sizes"] != setup.sizes:
        raise ValueError(f"the file's network has layer sizes {list(doc['sizes'])}, but its settings build "
                         f"{list(setup.sizes)}")
    config = setup.config()
    if doc["activation"] != config.activation or doc["head"] != config.head:
        raise ValueError(f"the file's activation and output ({doc['activation']}, {doc['head']}) do not match its "
                         f"settings ({config.activation}, {config.head})")
    models = doc["models"]
    if len(models) != setup.n_models:
        raise ValueError(f"the file holds {len(models)} models, but its settings say {setup.n_models}")
    keeps = [m["keep"] for m in models]
    third = keeps[2][-1] if len(keeps) == 3 else None
    if keeps != model_keeps(keeps[1][0], keeps[1][-1], setup.layers, third):
        raise ValueError("the models' keep values are not this page's models: no dropout (keep 1 everywhere), then "
                         "dropout with one keep for the inputs and one for every hidden layer")
    lr, l2 = _setting(settings, "lr", float), _setting(settings, "l2", float)
    hypers(keeps, lr, l2)  # raises on a learning rate or penalty the engine refuses
    return Saved(setup, keeps, lr, l2, [m["params"] for m in models], doc["steps"])


@partial(jax.jit, static_argnames="config")
def _evaluate_stacked(params, data: train.Data, config: train.TrainConfig):
    keep = jnp.ones(len(config.sizes) - 1)  # inverted dropout: the full network, weights as they are

    def one(p):
        return jnp.stack([*train.evaluate(p, data.x_train, data.y_train, keep, config),
                          *train.evaluate(p, data.x_test, data.y_test, keep, config)])
    return jax.vmap(one)(params)


def restore(setup: Setup, data: datasets.Dataset, params, steps: int) -> Live:
    """A run whose models have the given weights at step ``steps``, ready to train on.

    Reset still returns to the initial weights of setup.seed (the run the file came from started there);
    the minibatches and masks go on from step ``steps``. The optimizer's running averages start from zero:
    they are not stored. The history starts with one evaluation of the loaded weights.
    """
    live = start(setup, data)
    if len(params) != setup.n_models:
        raise ValueError(f"params must hold {setup.n_models} models, got {len(params)}")
    treedef = jax.tree.structure(live.init.params)
    per_model = [jax.tree.leaves([tuple(layer) for layer in p]) for p in params]
    leaves = [jnp.stack([jnp.asarray(m[i], jnp.float32) for m in per_model]) for i in range(len(per_model[0]))]
    for leaf, ref in zip(leaves, jax.tree.leaves(live.init.params)):
        if leaf.shape != ref.shape:
            raise ValueError(f"params do not fit the network {setup.sizes}: a layer has shape {leaf.shape[1:]}, "
                             f"expected {ref.shape[1:]}")
    stacked = jax.tree.unflatten(treedef, leaves)
    state = live.init._replace(params=stacked, step=jnp.full_like(live.init.step, steps))
    ev = np.asarray(_evaluate_stacked(stacked, live.data, live.config))
    history = {"step": np.array([steps], np.int64)}
    columns = {"train_loss": 0, "train_acc": 1, "test_loss": 2, "test_acc": 3}  # _evaluate_stacked's order
    history.update({k: ev[:, columns[k], None].astype(np.float32) for k in HISTORY_KEYS})
    return live._replace(state=state, history=history)


# --- sweeps ---------------------------------------------------------------------------------------------

SWEEP_TEST_POINTS = 1000  # fresh test points per sweep: differences of a few percent must not be sampling noise
SWEEP_KEEPS = tuple(np.round(np.arange(0.1, 1.001, 0.1), 2).tolist())
SWEEP_SIZES = (25, 50, 100, 200, 400)  # each divides the largest: the tiling below is then exact
SWEEP_SIZE_KEEPS = (0.2, 0.35, 0.5, 0.65, 0.8, 1.0)
MAX_SWEEP_MODELS = 256


def _error(metrics: dict, regression: bool) -> np.ndarray:
    """Final test error per model: misclassified share, or mean squared error for regression."""
    return metrics["test_loss"][:, -1] if regression else 1.0 - metrics["test_acc"][:, -1]


def _check_sweep(keeps, n_seeds: int, steps: int, n_models: int):
    masks.check_keep(keeps, "keeps")
    if not 1 <= n_seeds <= 10:
        raise ValueError(f"n_seeds must lie in [1, 10], got {n_seeds}")
    if not CHUNK <= steps <= 20_000 or steps % CHUNK:
        raise ValueError(f"steps must be a multiple of {CHUNK} in [{CHUNK}, 20000], got {steps}")
    if n_models > MAX_SWEEP_MODELS:
        raise ValueError(f"a sweep may train at most {MAX_SWEEP_MODELS} models at once, asked for {n_models}")


def _seed_states(setup: Setup, config: train.TrainConfig, n_seeds: int, repeats: int) -> train.TrainState:
    """States for seed s = fold_in(PRNGKey(setup.seed), s), tiled ``repeats`` times: model r * n_seeds + s."""
    keys = [rng.key(setup.seed, s) for s in range(n_seeds)]
    states = train.init_states_seeds(keys, config)
    return jax.tree.map(lambda a: jnp.concatenate([a] * repeats), states)


def _run_chunks(step_fn, states, n_chunks: int, on_chunk):
    metrics = None
    for i in range(n_chunks):
        states, metrics = step_fn(states)
        if on_chunk is not None:
            jax.block_until_ready(states.step)  # progress should follow the work, not the dispatch
            on_chunk(i + 1, n_chunks)
    return jax.device_get({k: v for k, v in metrics.items() if k != "last_mults"})


def keep_sweep(setup: Setup, *, keeps=SWEEP_KEEPS, n_seeds: int = 3, steps: int = 3000, lr: float = 0.003,
               l2: float = 0.0, keep_in: float = 1.0,
               on_chunk: Callable[[int, int], None] | None = None) -> dict:
    """Test error against hidden keep q over seeds, all (keep, seed) models as one vmapped computation.

    The data are the sweep's own draw (sweep_split): setup.n_train training points, up to 1000 test points.
    Every keep value starts from the same initial weights for a given seed, so differences between keep
    values are paired. Input units keep ``keep_in`` except at keep 1 (no dropout at all).
    Returns:
      {"keeps": (K,), "error": (K, S) final test error (share misclassified, or MSE), "test_loss" and
      "train_loss": (K, S) final losses of the full networks, "metric": "error" | "mse"}.
    """
    keeps = tuple(float(k) for k in keeps)
    _check_sweep(keeps, n_seeds, steps, len(keeps) * n_seeds)
    config = setup.config(chunk=CHUNK, eval_every=CHUNK)
    ds = sweep_split(setup, setup.n_train)
    data = train.make_data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, config)
    per_keep = [(1.0 if k == 1.0 else keep_in,) + (k,) * setup.layers for k in keeps]
    hps = hypers([k for k in per_keep for _ in range(n_seeds)], lr, l2)
    states = _seed_states(setup, config, n_seeds, len(keeps))
    m = _run_chunks(lambda s: train.train_chunk_many(s, data, hps, config), states, steps // CHUNK, on_chunk)
    shape = (len(keeps), n_seeds)
    return {"keeps": np.asarray(keeps), "error": _error(m, setup.regression).reshape(shape),
            "test_loss": m["test_loss"][:, -1].reshape(shape), "train_loss": m["train_loss"][:, -1].reshape(shape),
            "metric": _metric_name(setup)}


def sweep_split(setup: Setup, n_train: int) -> datasets.Dataset:
    """A sweep's own draw from the setup's generator: n_train training points, SWEEP_TEST_POINTS test points.

    Fewer test points when the data set is finite (digits): all that n_train leaves, at most SWEEP_TEST_POINTS.
    """
    spec = setup.spec
    n_test = min(SWEEP_TEST_POINTS, spec.max_n - n_train)
    if n_test < 1:
        raise ValueError(f"n_train = {n_train} leaves no test points in {spec.label} ({spec.max_n} points)")
    n = n_train + n_test
    return datasets.draw_dataset(spec, setup.data_seed, n, setup.noise, n_test / n)


def _metric_name(setup: Setup) -> str:
    """The sweep's metric as a code (the view writes the words): "mse" for regression, "error" otherwise."""
    return "mse" if setup.regression else "error"


@lru_cache(maxsize=8)
def _chunk_per_data(config: train.TrainConfig):
    """A jitted chunk vmapped over states, data and hypers together (each model has its own training set)."""
    return jax.jit(jax.vmap(partial(train.train_chunk, config=config)))


def tile_rows(x: np.ndarray, n: int, total: int) -> np.ndarray:
    """The first n rows of x repeated to ``total`` rows (n must divide total): row i is x[i % n]."""
    if n < 1 or total % n:
        raise ValueError(f"n ({n}) must be a positive divisor of total ({total})")
    return np.asarray(x)[np.arange(total) % n]


def size_keep_sweep(setup: Setup, *, sizes=SWEEP_SIZES, keeps=SWEEP_SIZE_KEEPS, n_seeds: int = 2,
                    steps: int = 3000, lr: float = 0.003, l2: float = 0.0, keep_in: float = 1.0,
                    on_chunk: Callable[[int, int], None] | None = None) -> dict:
    """Test error over training-set size x hidden keep x seeds, as one vmapped computation.

    The training sets are prefixes of one draw of max(sizes) points, each tiled to max(sizes) rows (see
    the module docstring); every model sees the same test set (sweep_split: up to 1000 points).
    Returns:
      {"sizes": (N,), "keeps": (K,), "error": (N, K, S), "metric": "error" | "mse"}.
    """
    sizes = tuple(int(n) for n in sizes)
    keeps = tuple(float(k) for k in keeps)
    big = max(sizes)
    if min(sizes) < 2 or any(big % n for n in sizes):
        raise ValueError(f"sizes must be at least 2 and each must divide the largest ({big}), got {sizes}")
    _check_sweep(keeps, n_seeds, steps, len(sizes) * len(keeps) * n_seeds)
    ds = sweep_split(setup, big)
    config = setup.config(chunk=CHUNK, eval_every=CHUNK)
    one = train.make_data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, config)
    n_models = len(sizes) * len(keeps) * n_seeds
    x_tr = np.stack([tile_rows(ds.x_train, n, big) for n in sizes])
    y_tr = np.stack([tile_rows(ds.y_train, n, big) for n in sizes])
    # Model order: size outermost, then keep, then seed.
    rep = len(keeps) * n_seeds
    data = train.Data(jnp.repeat(jnp.asarray(x_tr), rep, 0), jnp.repeat(jnp.asarray(y_tr, one.y_train.dtype), rep, 0),
                      jnp.broadcast_to(one.x_test, (n_models,) + one.x_test.shape),
                      jnp.broadcast_to(one.y_test, (n_models,) + one.y_test.shape))
    per_keep = [(1.0 if k == 1.0 else keep_in,) + (k,) * setup.layers for k in keeps]
    hps = hypers([k for _ in sizes for k in per_keep for _ in range(n_seeds)], lr, l2)
    states = _seed_states(setup, config, n_seeds, len(sizes) * len(keeps))
    step_fn = _chunk_per_data(config)
    m = _run_chunks(lambda s: step_fn(s, data, hps), states, steps // CHUNK, on_chunk)
    err = _error(m, setup.regression).reshape(len(sizes), len(keeps), n_seeds)
    return {"sizes": np.asarray(sizes), "keeps": np.asarray(keeps), "error": err, "metric": _metric_name(setup)}


def sweep_summary(error: np.ndarray):
    """Mean and (min, max) over the last axis (seeds)."""
    error = np.asarray(error, np.float64)
    return error.mean(-1), (error.min(-1), error.max(-1))


def dropout_gain(error: np.ndarray, keeps) -> np.ndarray:
    """Mean error minus the no-dropout (keep 1) mean error at the same size: negative where dropout helps.

    Args:
      error: (sizes, keeps, seeds); keeps must contain 1.0.
    """
    keeps = list(np.asarray(keeps, np.float64))
    if 1.0 not in keeps:
        raise ValueError("keeps must contain 1.0 (the no-dropout baseline)")
    mean = np.asarray(error, np.float64).mean(-1)
    return mean - mean[:, [keeps.index(1.0)]]


def best_keep(error: np.ndarray, keeps) -> np.ndarray:
    """The keep with the lowest mean error for each row of error (rows, keeps, seeds)."""
    return np.asarray(keeps)[np.asarray(error).mean(-1).argmin(-1)]


# --- the default view, from a script -------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """The lesson's default view: what the page shows before anyone touches a control."""

    setup: Setup = Setup()  # moons, 100 noisy points, a 2 x 32 ReLU net: small enough to overfit visibly
    keep_in: float = 1.0  # inputs kept: on 2-D data dropping a coordinate hides half the input
    keep_hidden: float = 0.5  # the classic hidden keep; the moons preset shows the widest test-loss gap there
    lr: float = 0.003  # Adam's comfortable rate for this net: fast enough to overfit within a few thousand steps
    l2: float = 0.0  # no penalty by default: the comparison is dropout against nothing
    steps: int = 3000  # where the no-dropout test loss has clearly turned upward on the default data


CONFIG = Config()


def default_run(config: Config = CONFIG) -> Live:
    """The default view's two models trained for ``config.steps`` steps (a multiple of CHUNK)."""
    if config.steps < CHUNK or config.steps % CHUNK:
        raise ValueError(f"steps must be a positive multiple of {CHUNK}, got {config.steps}")
    live = start(config.setup, make_split(config.setup))
    hps = hypers(model_keeps(config.keep_in, config.keep_hidden, config.setup.layers), config.lr, config.l2)
    for _chunk in range(config.steps // CHUNK):
        live = advance(live, hps)
    return live


def main() -> None:
    """Print the default view's final train/test losses and accuracies, one line per model."""
    config = CONFIG
    live = default_run(config)
    keeps = model_keeps(config.keep_in, config.keep_hidden, config.setup.layers)
    m = final_metrics(live)
    print(f"{config.setup.dataset}, {config.setup.n_train} training points, {config.steps} steps:")
    for i, name in enumerate(model_names(keeps)):
        print(f"  {name:>15}: train loss {m['train_loss'][i]:.3f}, test loss {m['test_loss'][i]:.3f}, "
              f"train acc {m['train_acc'][i]:.3f}, test acc {m['test_acc'][i]:.3f}")


__all__ = ["Config", "CONFIG", "default_run",
           "PRESETS", "Setup", "Live", "Divergence", "make_split", "model_keeps", "model_names", "hypers", "start", "reset",
           "advance", "step_of", "thin", "first_divergence", "predict", "surfaces", "curves", "mistakes",
           "final_metrics", "keep_sweep", "size_keep_sweep", "tile_rows", "sweep_summary", "dropout_gain",
           "best_keep", "CSV", "csv_train_points", "test_points", "export_models", "load_models", "Saved",
           "restore",
           "SPEEDS", "play_config", "play", "play_batch", "replay", "Batch", "view_of", "encode_batch", "decode_batch", "snapshot_record", "grid_codes"]


if __name__ == "__main__":
    main()
