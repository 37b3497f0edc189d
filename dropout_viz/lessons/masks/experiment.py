"""The masks lesson's computations: thinned networks, path survival, a vector through dropout, one SGD step, and
standard vs inverted dropout on a trained net. Pure NumPy/JAX (no Streamlit); numbers and records, never sentences.

Conventions (docs/ARCHITECTURE.md): ``keep`` is the keep probability q per weight layer's inputs (the drop rate is
p = 1 - q); keep = 1 never drops. Every random function takes a ``jax.random`` key first; the lesson's keys come
from an integer seed through ``key`` only.

    python -m dropout_viz.lessons.masks.experiment     # a summary of the lesson's default view
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from dropout_viz.core import checks, datasets, rng
from dropout_viz.core import masks as masks_mod
from dropout_viz.core import train
from dropout_viz.core.checks import quote
from dropout_viz.core.i18n import N_
from dropout_viz.core.network import forward, head_logits, init_mlp, scale_weights

# A diagram stays readable on a projector up to 8 layers of 16 units (figures.network's limits); one
# hidden layer at least, since this page is about dropping hidden units.
MIN_LAYERS, MAX_LAYERS, MAX_WIDTH = 3, 8, 16
MAX_VECTOR = 20  # elements of the demo vector: more bars than this cannot be told apart
MAX_DRAWS = 100_000  # draws of the vector demo; its uniforms are drawn once at this size (one compile)
N_CHECKPOINTS = 64  # points on the running-mean curve (log-spaced), a fixed shape
MAX_STEPS = 10_000  # training steps the one-step demo replays before the step it shows
GALLERY_SIZES = (2, 2, 1)  # the textbook's figure: 2 inputs, 2 hidden units, 1 output -> 2^4 subnetworks
# Each part of the lesson draws from its own stream of keys, so moving one part's controls leaves the others' masks.
STREAMS = {"network": 0, "batch": 1, "vector": 2, "vector_stats": 3, "step": 4}


@dataclass(frozen=True)
class Config:
    """The lesson's default view (every control's default) and the constants behind its numbers."""

    # Two inputs (a point in the plane), two hidden layers of 6 and two classes: small enough to count the dropped
    # units by eye, deep enough that a path has to cross several layers.
    sizes: tuple[int, ...] = (2, 6, 6, 2)
    # The literature's defaults: keep most inputs (0.8), half of the hidden units (0.5).
    keep: tuple[float, ...] = (0.8, 0.5, 0.5)
    # Same seed, same masks on every machine.
    seed: int = 0
    # A usual minibatch: 32 examples, so up to 32 subnetworks trained at once.
    batch: int = 32
    # The classic NumPy dropout example: x = (1, ..., 10) with drop level 0.4, i.e. keep q = 0.6.
    vector: tuple[float, ...] = tuple(float(i) for i in range(1, 11))
    vector_keep: float = 0.6
    # Enough masks that the sample variance of x m / q is within a few percent of x^2 (1 - q) / q.
    n_draws: int = 10_000
    # Plain SGD in the one-step demo: large enough that a step visibly moves the kept weights.
    step_lr: float = 0.1
    # "How large is 2^d": compared with what a typical run can visit, steps x examples per step masks.
    visit_steps: int = 10_000
    visit_batch: int = 32


def key(seed: int, stream: str, draw: int = 0):
    """The key of draw ``draw`` of one part of the lesson (see STREAMS), from the integer seed (via core.rng)."""
    if stream not in STREAMS:
        raise ValueError(f"stream must be one of {sorted(STREAMS)}, got {quote(stream)}")
    return rng.key(seed, STREAMS[stream], draw)


# --- parsing ------------------------------------------------------------------------------------------


class InputError(ValueError):
    """A text box's value the lesson cannot use. ``str()`` is the English message; ``template`` (one of
    INPUT_ERRORS, marked for translation) and ``values`` let a view say the same in the reader's language."""

    def __init__(self, template: str, **values):
        super().__init__(template.format(**values))
        self.template, self.values = template, values


# What can be wrong with the two text boxes (layer sizes, the vector): templates over numbers and the quoted text.
INPUT_ERRORS = {
    "sizes_format": N_("sizes must be whole numbers from 1 to {width} separated by '-', e.g. 2-6-6-2; got {text}"),
    "sizes_layers": N_("sizes must have {lo} to {hi} layers (input, hidden..., output), got {n} in {text}"),
    "sizes_width": N_("every layer must have 1 to {width} units (wider layers are unreadable in the diagram), "
                      "got {sizes}"),
    "vector_format": N_("the vector must be numbers separated by commas, e.g. 1, 2, 3; got {text}"),
    "vector_length": N_("the vector must have 1 to {hi} numbers, got {n}"),
    "vector_range": N_("the vector's entries must be finite numbers in [-1e6, 1e6], got {x}"),
}


def parse_sizes(text: str) -> tuple[int, ...]:
    """'2-6-6-2' (or '2, 6, 6, 2', '2 6 6 2') -> (2, 6, 6, 2), checked against the diagram's limits."""
    parts = [p for p in re.split(r"[\s,;x×\-]+", str(text).strip()) if p]
    # ASCII digits only: str.isdigit() also accepts '²' and other digits int() refuses.
    if not parts or not all(re.fullmatch(r"[0-9]{1,4}", p) for p in parts):
        raise InputError(INPUT_ERRORS["sizes_format"], width=MAX_WIDTH, text=quote(text))
    sizes = tuple(int(p) for p in parts)
    if not MIN_LAYERS <= len(sizes) <= MAX_LAYERS:
        raise InputError(INPUT_ERRORS["sizes_layers"], lo=MIN_LAYERS, hi=MAX_LAYERS, n=len(sizes), text=quote(text))
    if any(not 1 <= s <= MAX_WIDTH for s in sizes):
        raise InputError(INPUT_ERRORS["sizes_width"], width=MAX_WIDTH, sizes=list(sizes))
    return sizes


def parse_vector(text: str) -> np.ndarray:
    """'1, 2, 3' (commas or spaces) -> float64 array of 1 to MAX_VECTOR finite numbers."""
    parts = [p for p in re.split(r"[\s,;]+", str(text).strip()) if p]
    try:
        x = np.array([float(p) for p in parts], np.float64)
    except ValueError:
        raise InputError(INPUT_ERRORS["vector_format"], text=quote(text)) from None
    if not 1 <= x.size <= MAX_VECTOR:
        raise InputError(INPUT_ERRORS["vector_length"], hi=MAX_VECTOR, n=x.size)
    if not np.all(np.isfinite(x)) or np.any(np.abs(x) > 1e6):
        raise InputError(INPUT_ERRORS["vector_range"], x=x.tolist())
    return x


def check_sizes_keep(sizes: Sequence[int], keep) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Checked (sizes, keep): keep has one q in (0, 1] per weight layer's inputs."""
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValueError(f"sizes must list at least 2 positive layer widths, got {list(sizes)}")
    return sizes, masks_mod.keep_tuple(keep, len(sizes) - 1)


# --- counting subnetworks and paths -------------------------------------------------------------------


def path_survival(sizes: Sequence[int], keep) -> float:
    """P(some input still reaches the output) under independent unit dropout, for a fully connected MLP.

    Every kept unit of a layer connects to every kept unit of the next, so a path survives iff each layer
    keeps at least one unit: prod_i (1 - (1 - q_i)^{n_i}) over the dropped layers (outputs never drop).
    """
    sizes, keep = check_sizes_keep(sizes, keep)
    return float(np.prod([1.0 - (1.0 - q) ** n for n, q in zip(sizes[:-1], keep)]))


def single_path_survival(keep) -> float:
    """P(one given input-to-output path survives) = prod_i q_i: one unit per dropped layer must be kept."""
    keep = np.asarray(keep, np.float64).reshape(-1)
    masks_mod.check_keep(keep)
    return float(np.prod(keep))


def has_path(layer_masks: Sequence[np.ndarray]) -> bool:
    """Whether some input reaches the output through kept units, by propagating reachability layer by layer.

    Args:
      layer_masks: one 0/1 array per layer of units before the output (the output is always kept).
    """
    if len(layer_masks) == 0:
        raise ValueError("layer_masks must hold at least one 0/1 array (one per layer before the output), got none")
    reach = np.asarray(layer_masks[0]) > 0
    for m in layer_masks[1:]:
        # Fully connected: a kept unit is reached iff any unit of the previous layer is reached.
        reach = (np.asarray(m) > 0) & bool(reach.any())
    return bool(reach.any())


class SubnetCount(NamedTuple):
    """How many subnetworks there are (2^d), and how that compares with what training can visit."""

    d: int  # droppable units (those in layers with keep < 1)
    exact: str  # "2¹² = 4,096" (digits while they fit on a slide, else "2¹¹² ≈ 5.19 × 10³³"): notation, no words
    log10: float  # log10(2^d)
    kind: str  # "none" (d = 0: only the full network), "small" (2^d <= visits), "huge" (more than a run can visit)
    steps: int  # the training run compared with: steps x batch examples
    batch: int
    visits: int  # steps * batch: the most masks such a run samples
    fraction: float  # visits / 2^d: draws per subnetwork ("small"), or the share of them ever drawn ("huge")
    check_seconds: float  # 2^d microseconds: the time to look at every subnetwork, one per microsecond


def sup(n: int) -> str:
    """n in Unicode superscript digits: 2 + sup(14) reads as 2¹⁴ in text that cannot show LaTeX."""
    return str(n).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def sci(v: float) -> str:
    """1234 -> '1,234'; 1.2e10 -> '1.2 × 10¹⁰' (slides read exponents better than 'e+10')."""
    if v < 1e6:
        return f"{v:,.3g}" if v < 1000 else f"{v:,.0f}"
    exp = int(math.floor(math.log10(v)))
    return f"{v / 10 ** exp:.2g} × 10{sup(exp)}"


AGE_OF_UNIVERSE_S = 13.8e9 * 3.156e7
# (unit, seconds) from the largest; "universe" counts ages of the universe.
DURATION_UNITS = (("universe", AGE_OF_UNIVERSE_S), ("years", 3.156e7), ("days", 86400.0), ("hours", 3600.0),
                  ("minutes", 60.0), ("seconds", 1.0))


def duration(seconds: float) -> tuple[float, str]:
    """Seconds as (amount, unit) in the largest sensible unit, up to multiples of the age of the universe;
    (seconds, "under_second") below one second."""
    seconds = checks.check_float("seconds", seconds, 0.0)
    for unit, size in DURATION_UNITS:
        if seconds >= size:
            return seconds / size, unit
    return seconds, "under_second"


def count_subnetworks(sizes: Sequence[int], keep, *, steps: int = Config.visit_steps,
                      batch: int = Config.visit_batch) -> SubnetCount:
    """2^d subnetworks for the droppable units, with what makes that number large or small.

    The count is compared with what training can visit: a run of ``steps`` steps with ``batch`` examples
    samples at most steps * batch masks.
    """
    sizes, keep = check_sizes_keep(sizes, keep)
    steps = checks.check_int("steps", steps, 1, 10 ** 9)
    batch = checks.check_int("batch", batch, 1, 10 ** 6)
    d = masks_mod.n_subnetworks_log2(sizes, keep)
    log10 = d * math.log10(2.0)
    if d <= 40:
        exact = f"2{sup(d)} = {2 ** d:,}"
    else:
        mant, exp = 10 ** (log10 % 1), int(log10)
        exact = f"2{sup(d)} ≈ {mant:.3g} × 10{sup(exp)}"
    visits = steps * batch
    kind = "none" if d == 0 else "small" if 2 ** d <= visits else "huge"
    return SubnetCount(d, exact, log10, kind, steps, batch, visits, visits / 2 ** d, 2 ** d * 1e-6)


class LayerStats(NamedTuple):
    """Kept units per layer of one mask against the binomial expectation (one entry per dropped layer)."""

    n: np.ndarray  # (L,) units
    keep: np.ndarray  # (L,) q
    kept: np.ndarray  # (L,) kept in this mask
    expected: np.ndarray  # (L,) q n
    std: np.ndarray  # (L,) sqrt(n q (1 - q)), the binomial spread


def layer_stats(sizes: Sequence[int], keep, layer_masks: Sequence[np.ndarray]) -> LayerStats:
    """Kept counts of a mask (one 0/1 array per layer before the output) against q n and its spread."""
    sizes, keep = check_sizes_keep(sizes, keep)
    if len(layer_masks) < len(keep):
        raise ValueError(f"layer_masks needs one array per weight layer ({len(keep)}), got {len(layer_masks)}")
    for i, (m, width) in enumerate(zip(layer_masks, sizes[:-1])):
        checks.check_width(f"layer_masks[{i}]", m, width)
    n = np.array(sizes[:-1], np.float64)
    q = np.array(keep, np.float64)
    kept = np.array([float(np.sum(np.asarray(m) > 0)) for m in layer_masks[:len(keep)]])
    return LayerStats(n.astype(int), q, kept.astype(int), q * n, np.sqrt(n * q * (1.0 - q)))


def sample_masks(key, sizes: Sequence[int], keep, batch: int | None = None) -> list[np.ndarray]:
    """One 0/1 float32 mask per layer before the output: (sizes[i],), or (batch, sizes[i]) per example."""
    sizes, keep = check_sizes_keep(sizes, keep)
    if batch is not None:
        batch = checks.check_int("batch", batch, 1, 4096)
    return [np.asarray(m) for m in _sample(key, sizes, jnp.asarray(keep, jnp.float32),
                                           None if batch is None else int(batch))]


@partial(jax.jit, static_argnames=("sizes", "batch"))
def _sample(key, sizes, keep, batch):
    # keep is traced: moving a keep slider draws from the same uniforms without compiling.
    return masks_mod.sample_layer_masks(key, sizes, [keep[i] for i in range(len(sizes) - 1)], batch=batch)


class Gallery(NamedTuple):
    """Every mask of the 2-2-1 network: per-layer masks, probabilities and path flags, full network first."""

    layer_masks: list[np.ndarray]  # [(16, 2) inputs, (16, 2) hidden]
    probs: np.ndarray  # (16,) p(mask) under the keep values
    has_path: np.ndarray  # (16,) bool
    n_no_path: int  # masks without an input-output path (7: both inputs or both hidden units dropped)
    p_no_path: float  # their total probability


def small_network_gallery(keep_in: float, keep_hidden: float) -> Gallery:
    """All 2^4 subnetworks of the 2-2-1 network (inputs kept with keep_in, hidden units with keep_hidden).

    A layer with keep 1 is never dropped, so masks that drop one of its units get probability 0; they are
    still listed, as in the textbook's figure.
    """
    keep = masks_mod.keep_tuple((keep_in, keep_hidden), 2)
    all_masks = masks_mod.enumerate_masks(4)
    # Full network first, then by how many units are left (stable: ties keep enumeration order).
    order = np.argsort(-all_masks.sum(axis=1), kind="stable")
    all_masks = all_masks[order]
    q_unit = np.array([keep[0], keep[0], keep[1], keep[1]])
    probs = masks_mod.mask_prob(all_masks, q_unit)
    layer_masks = [all_masks[:, :2], all_masks[:, 2:]]
    paths = np.array([has_path([m[:2], m[2:]]) for m in all_masks])
    return Gallery(layer_masks, probs, paths, int((~paths).sum()), float(probs[~paths].sum()))


# --- one vector through dropout -------------------------------------------------------------------------


class VectorDraw(NamedTuple):
    mask: np.ndarray  # (n,) 0/1
    standard: np.ndarray  # x * m: standard dropout, E = q x
    inverted: np.ndarray  # x * m / q: inverted dropout, E = x


def vector_draw(key, x, keep: float) -> VectorDraw:
    """One mask for the vector x and the two training-time outputs it gives."""
    x = checks.check_array("x", x)
    masks_mod.check_keep(keep)
    m = np.asarray(masks_mod.bernoulli_mask(key, keep, x.shape), np.float64)
    return VectorDraw(m, x * m, x * m / keep)


class VectorStats(NamedTuple):
    """Statistics of N independent masks on one vector x (draw i uses row i of one fixed table of uniforms)."""

    draws: np.ndarray  # (c,) checkpoints 1..N, log-spaced
    kept_fraction: np.ndarray  # (c, n) running fraction of draws keeping each element
    mean_standard: np.ndarray  # (n,) mean of x*m over N draws  -> q x
    mean_inverted: np.ndarray  # (n,) mean of x*m/q             -> x
    var_inverted: np.ndarray  # (n,) sample variance (ddof 1) of x*m/q
    var_inverted_exact: np.ndarray  # (n,) x^2 (1 - q) / q
    var_standard: np.ndarray  # (n,) sample variance of x*m
    var_standard_exact: np.ndarray  # (n,) x^2 q (1 - q)


def vector_statistics(key, x, keep: float, n_draws: int) -> VectorStats:
    """Means and variances of standard (x m) and inverted (x m / q) dropout over n_draws masks.

    Draw i's mask is row i of a (MAX_DRAWS, n) table of uniforms, so raising n_draws extends the same
    sequence and moving keep or n_draws compiles nothing. Every statistic is exact arithmetic on the kept
    counts K: mean of x m / q = x K / (N q), sample variance = (x / q)^2 K (N - K) / (N (N - 1)).
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 1 or not 1 <= x.size <= MAX_VECTOR:
        raise ValueError(f"x must be a vector of 1 to {MAX_VECTOR} numbers, got shape {x.shape}")
    masks_mod.check_keep(keep)
    n_draws = checks.check_int("n_draws", n_draws, 2, MAX_DRAWS)
    points = np.unique(np.round(np.logspace(0, math.log10(n_draws), N_CHECKPOINTS)).astype(np.int64))
    padded = np.full(N_CHECKPOINTS, n_draws, np.int32)  # fixed shape: repeats of N are dropped below
    padded[:points.size] = points
    counts = np.asarray(_kept_counts(key, jnp.float32(keep), jnp.asarray(padded), x.size), np.float64)
    counts = counts[:points.size]
    k, n, q = counts[-1], float(n_draws), float(keep)
    return VectorStats(
        draws=points.astype(np.float64),
        kept_fraction=counts / points[:, None],
        mean_standard=x * k / n,
        mean_inverted=x * k / (n * q),
        var_inverted=(x / q) ** 2 * k * (n - k) / (n * (n - 1.0)),
        var_inverted_exact=x ** 2 * (1.0 - q) / q,
        var_standard=x ** 2 * k * (n - k) / (n * (n - 1.0)),
        var_standard_exact=x ** 2 * q * (1.0 - q),
    )


@partial(jax.jit, static_argnames=("n",))
def _kept_counts(key, keep, checkpoints, n):
    """Kept counts of each element after the first c draws, for each checkpoint c: (checkpoints, n) int32."""
    kept = (jax.random.uniform(key, (MAX_DRAWS, n)) < keep).astype(jnp.int32)
    return jnp.cumsum(kept, axis=0)[checkpoints - 1]


def running_mean_bands(stats: VectorStats, keep: float) -> dict:
    """Running means divided by x, summarised over the elements: "inverted" (x m / q) and "standard" (x m), each
    (mean (c,), (min (c,), max (c,))).

    For x_j != 0 the running mean of x_j m / q divided by x_j is the kept fraction / q (tends to 1), and that
    of x_j m is the kept fraction (tends to q); the band spans the elements.
    """
    inv, std = stats.kept_fraction / keep, stats.kept_fraction
    return {"inverted": (inv.mean(1), (inv.min(1), inv.max(1))),
            "standard": (std.mean(1), (std.min(1), std.max(1)))}


def vector_draw_table(key, x, keep: float, n_draws: int) -> np.ndarray:
    """The (n_draws, n) masks behind vector_statistics (for tests and downloads)."""
    x = checks.check_array("x", x)
    masks_mod.check_keep(keep)
    n_draws = checks.check_int("n_draws", n_draws, 1, MAX_DRAWS)
    table = jax.random.uniform(key, (MAX_DRAWS, x.size)) < keep
    return np.asarray(table[:n_draws], np.float64)


# --- one training step on a subnetwork --------------------------------------------------------------


def _head(sizes) -> str:
    # One output unit is a logistic regression head (two classes); more are softmax classes.
    return "sigmoid" if sizes[-1] == 1 else "softmax"


def _batch(key, teacher, sizes, batch):
    """A minibatch x ~ N(0, I) labelled by a fixed random linear teacher (argmax of x @ teacher)."""
    x = jax.random.normal(key, (batch, sizes[0]))
    return x, jnp.argmax(x @ teacher, axis=-1)


def _loss(params, x, y, layer_masks, keep, head):
    """Mean cross-entropy of the thinned network (inverted dropout: kept units scaled by 1/q)."""
    logits = head_logits(forward(params, x, layer_masks, keep), head)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=-1))


def _step_draws(k_run, t, sizes, keep, teacher, batch):
    """Minibatch and mask of step t: one mask shared by the batch, so the step trains one subnetwork."""
    k_batch, k_mask = jax.random.split(jax.random.fold_in(k_run, t))
    x, y = _batch(k_batch, teacher, sizes, batch)
    layer_masks = masks_mod.sample_layer_masks(k_mask, sizes, [keep[i] for i in range(len(sizes) - 1)])
    return x, y, layer_masks


@partial(jax.jit, static_argnames=("sizes", "batch"))
def _step_demo(key, keep, lr, t, *, sizes, batch):
    head = _head(sizes)
    k_init, k_teacher, k_run = jax.random.split(key, 3)
    params = init_mlp(k_init, sizes)
    teacher = jax.random.normal(k_teacher, (sizes[0], max(2, sizes[-1])))

    def sgd(s, p):
        x, y, ms = _step_draws(k_run, s, sizes, keep, teacher, batch)
        g = jax.grad(_loss)(p, x, y, ms, keep, head)
        return jax.tree.map(lambda a, b: a - lr * b, p, g)

    before = jax.lax.fori_loop(0, t, sgd, params)  # t is traced: any step number, one compile
    x, y, ms = _step_draws(k_run, t, sizes, keep, teacher, batch)
    loss, grads = jax.value_and_grad(_loss)(before, x, y, ms, keep, head)
    after = jax.tree.map(lambda a, b: a - lr * b, before, grads)
    full = [None] * len(ms)
    return (before, after, grads, ms, loss, _loss(before, x, y, full, keep, head),
            _loss(after, x, y, full, keep, head), x, y)


class StepDemo(NamedTuple):
    """Training step t of inverted-dropout SGD on one subnetwork (see training_step)."""

    step: int
    masks: list[np.ndarray]  # one 0/1 (sizes[i],) per layer of units, output (all ones) included
    params_before: list[tuple[np.ndarray, np.ndarray]]
    params_after: list[tuple[np.ndarray, np.ndarray]]
    grads: list[np.ndarray]  # dL/dW_i, (fan_in, fan_out)
    touching_dropped: list[np.ndarray]  # bool (fan_in, fan_out): W_i[a, b] enters or leaves a dropped unit
    loss_thinned: float  # loss of this step's subnetwork on its minibatch
    loss_full_before: float  # full network (no dropout) on the same minibatch, before and after the step
    loss_full_after: float
    n_touching: int  # weights touching a dropped unit
    n_touching_zero: int  # of those, how many have gradient exactly 0 (all of them)
    n_other_zero: int  # weights with zero gradient that touch no dropped unit (ReLU units off for the batch)
    n_weights: int
    x: np.ndarray  # (batch, sizes[0]) this step's minibatch
    y: np.ndarray  # (batch,) its labels


def training_step(key, sizes: Sequence[int], keep, step: int, *, lr: float = 0.1, batch: int = 32) -> StepDemo:
    """Replay ``step`` SGD steps of inverted dropout, then take step number ``step`` and report it.

    Each step: (1) sample one mask (shared by the minibatch, so the step trains exactly one subnetwork),
    (2) forward and backward on the thinned network, (3) update the weights, (4) restore all units. The
    minibatch is x ~ N(0, I) labelled by a random linear teacher. Moving keep, lr or step compiles nothing.
    """
    sizes, keep = check_sizes_keep(sizes, keep)
    step = checks.check_int("step", step, 0, MAX_STEPS)
    lr = checks.check_float("lr", lr, 0.0, 10.0, open_lo=True)
    batch = checks.check_int("batch", batch, 1, 4096)
    before, after, grads, ms, loss, full_b, full_a, x, y = _step_demo(
        key, jnp.asarray(keep, jnp.float32), jnp.float32(lr), jnp.int32(step), sizes=sizes, batch=int(batch))
    unit_masks = [np.asarray(m) for m in ms] + [np.ones(sizes[-1], np.float32)]
    g = [np.asarray(w) for w, _ in grads]
    touching = [(unit_masks[i][:, None] == 0) | (unit_masks[i + 1][None, :] == 0) for i in range(len(g))]
    n_touch = int(sum(t.sum() for t in touching))
    return StepDemo(
        step=int(step), masks=unit_masks,
        params_before=[(np.asarray(w), np.asarray(b)) for w, b in before],
        params_after=[(np.asarray(w), np.asarray(b)) for w, b in after],
        grads=g, touching_dropped=touching,
        loss_thinned=float(loss), loss_full_before=float(full_b), loss_full_after=float(full_a),
        n_touching=n_touch,
        n_touching_zero=int(sum(((gi == 0) & t).sum() for gi, t in zip(g, touching))),
        n_other_zero=int(sum(((gi == 0) & ~t).sum() for gi, t in zip(g, touching))),
        n_weights=int(sum(gi.size for gi in g)),
        x=np.asarray(x), y=np.asarray(y),
    )


# --- standard vs inverted dropout on a trained net -------------------------------------------------------

EQUIV_SIZES = (2, 8, 8, 2)  # a tiny net on two moons: trains in a few hundred steps
EQUIV_STEPS = 500
EQUIV_LR = 0.2  # plain SGD: the equivalence below is exact for it (for Adam only up to its epsilon)
EQUIV_CHUNK = 50


class Equivalence(NamedTuple):
    """Three runs of the engine from one key (same minibatches, same masks), compared at test time.

    inverted: inverted dropout, init W_0, step lr; tested as is.
    matched: standard dropout, init W_0 / q, step lr / q^2 on each weight matrix (biases lr); tested with
      weights multiplied by q.
    naive: standard dropout, same init W_0 and same lr; tested with weights multiplied by q.
    """

    keep: tuple[float, ...]
    steps: int
    lr: float
    test_probs: dict  # name -> (n_test, classes)
    test_acc: dict  # name -> accuracy of the test-time network
    max_prob_gap: dict  # "matched" / "naive" -> max |p - p_inverted| over test points and classes
    weight_gap: float  # max |q W_matched - W_inverted| / max |W_inverted|: the two runs' weights, relative
    loss_gap: float  # max |batch loss matched - batch loss inverted| / max(1, |loss|) over the training steps
    agree: dict  # "matched" / "naive" -> fraction of test points with the same predicted class


def _lr_tree(params, lr, keep, matched):
    """Per-parameter learning rates in the engine's flat order: lr / q^2 on W_i when matched, else lr."""
    tree = [(jnp.full(w.shape, lr / q ** 2 if matched else lr), jnp.full(b.shape, lr))
            for (w, b), q in zip(params, keep)]
    return ravel_pytree(tree)[0]


def standard_vs_inverted(seed: int, keep, *, steps: int = EQUIV_STEPS, lr: float = EQUIV_LR) -> Equivalence:
    """Train EQUIV_SIZES on two moons with inverted and with standard dropout and compare the test networks.

    Why matched works: the inverted forward pass (m h / q) W_inv equals the standard one (m h) W_std exactly
    when W_inv = q W_std. Then dL/dW_std = q dL/dW_inv, so an SGD step of size lr / q^2 on W_std moves
    q W_std by lr dL/dW_inv, the inverted step: the runs stay the same network in different units, and the
    standard one tested with q W_std is the inverted one tested as is. With the same init and lr (naive)
    the two runs take different steps and end at different, similar networks.
    """
    keep = masks_mod.keep_tuple(keep, len(EQUIV_SIZES) - 1)
    if int(steps) != steps or steps < EQUIV_CHUNK or steps % EQUIV_CHUNK or steps > 5000:
        raise ValueError(f"steps must be a multiple of {EQUIV_CHUNK} in [{EQUIV_CHUNK}, 5000], got {steps}")
    if not 0 < lr <= 1:
        raise ValueError(f"lr must lie in (0, 1], got {lr}")
    ds = datasets.make_dataset("moons", seed, 400, 0.2)
    cfg = {inv: train.TrainConfig(sizes=EQUIV_SIZES, optimizer="sgd", inverted=inv, chunk=EQUIV_CHUNK,
                                  eval_every=EQUIV_CHUNK) for inv in (True, False)}
    data = train.make_data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, cfg[True])
    base = train.init_state(rng.key(seed), cfg[True])
    hp0 = train.hyper(keep, lr, n_layers=len(keep))

    def run(state, lr_flat, config):
        # One model per call (train_chunk): compiles faster than the vmapped form, and the two standard
        # runs share one compile.
        hp, losses = hp0._replace(lr=lr_flat), []
        for _ in range(steps // EQUIV_CHUNK):
            state, m = train.train_chunk(state, data, hp, config)
            losses.append(np.asarray(m["batch_loss"]))
        return state.params, np.concatenate(losses)

    # A per-parameter learning rate (same flat order as the engine's optimizer) is a traced value too.
    inv_params, inv_loss = run(base, _lr_tree(base.params, lr, keep, False), cfg[True])
    matched = base._replace(params=[(w / q, b) for (w, b), q in zip(base.params, keep)])
    matched_params, matched_loss = run(matched, _lr_tree(base.params, lr, keep, True), cfg[False])
    naive_params, _ = run(base, _lr_tree(base.params, lr, keep, False), cfg[False])

    x_test = data.x_test
    nets = {"inverted": inv_params, "matched": scale_weights(matched_params, keep),
            "naive": scale_weights(naive_params, keep)}
    probs = {k: np.asarray(jax.nn.softmax(forward(p, x_test), axis=-1), np.float64) for k, p in nets.items()}
    y = np.asarray(data.y_test)
    pred = {k: p.argmax(-1) for k, p in probs.items()}
    # Relative gaps: at small keep the runs can blow up, and float32 rounding grows with the numbers.
    w_scale = max(float(np.max(np.abs(np.asarray(w)))) for w, _ in nets["inverted"]) or 1.0
    w_gap = max(float(np.max(np.abs(np.asarray(a[0]) - np.asarray(b[0]))))
                for a, b in zip(nets["matched"], nets["inverted"])) / w_scale
    return Equivalence(
        keep=keep, steps=int(steps), lr=float(lr), test_probs=probs,
        test_acc={k: float(np.mean(p == y)) for k, p in pred.items()},
        max_prob_gap={k: float(np.max(np.abs(probs[k] - probs["inverted"]))) for k in ("matched", "naive")},
        weight_gap=w_gap,
        loss_gap=float(np.max(np.abs(matched_loss - inv_loss) / np.maximum(1.0, np.abs(inv_loss)))),
        agree={k: float(np.mean(pred[k] == pred["inverted"])) for k in ("matched", "naive")},
    )


# --- the lesson's default view from a script ----------------------------------------------------------------


def summary(config: Config = Config()) -> dict:
    """The numbers of the lesson's default view (first tab, the vector, the gallery and step 0), as plain data."""
    c = config
    masks0 = sample_masks(key(c.seed, "network", 0), c.sizes, c.keep)
    count = count_subnetworks(c.sizes, c.keep, steps=c.visit_steps, batch=c.visit_batch)
    stats = vector_statistics(key(c.seed, "vector_stats"), np.asarray(c.vector), c.vector_keep, c.n_draws)
    g = small_network_gallery(c.keep[0], c.keep[1])
    demo = training_step(key(c.seed, "step"), c.sizes, c.keep, 0, lr=c.step_lr, batch=c.batch)
    return {
        "sizes": c.sizes, "keep": c.keep, "d": count.d, "subnetworks": count.exact,
        "kept_in_mask_0": layer_stats(c.sizes, c.keep, masks0).kept.tolist(),
        "p_some_path": path_survival(c.sizes, c.keep), "p_given_path": single_path_survival(c.keep),
        "vector_var_inverted": stats.var_inverted.round(4).tolist(),
        "vector_var_exact": stats.var_inverted_exact.round(4).tolist(),
        "gallery_no_path": (g.n_no_path, round(g.p_no_path, 4)),
        "step0": {"loss_thinned": round(demo.loss_thinned, 4), "touching_dropped": demo.n_touching,
                  "of_them_zero_gradient": demo.n_touching_zero, "weights": demo.n_weights},
    }


if __name__ == "__main__":
    for name, value in summary().items():
        print(f"{name}: {value}")
