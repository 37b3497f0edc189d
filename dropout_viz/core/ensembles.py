"""The ensemble of subnetworks against the weight-scaled network: the library behind the ensemble page.

Conventions (docs/ARCHITECTURE.md): ``keep`` is the keep probability q per weight layer's inputs (drop rate p = 1 - q);
inverted dropout, so the full network at test time *is* the weight-scaled one. Every random function takes
a ``jax.random`` key first. Everything returns NumPy; nothing here imports streamlit.

- Models: ``ModelSpec`` (plain scalars and tuples, so a page can cache on it) and ``train_model``.
- Convergence: ``convergence`` follows the running Monte Carlo means over one sequence of masks per key
  (the very masks ``inference.predict_mc`` uses), measuring the distance to the exact ensemble and the
  accuracy at every k in one pass.
- When weight scaling is exact: the renormalised geometric mean is softmax(E_m[logits(m)]), so it equals the
  weight-scaled network exactly whenever the logits are affine in the mask (softmax regression with dropped
  inputs, one sigmoid unit, or a deep net whose only dropped layer is the last hidden one). ``jensen_gap``
  measures why it fails when a nonlinearity follows a dropped layer.
- ``combine_votes``: majority vote, arithmetic mean and renormalised geometric mean of a few models.
- Monte Carlo dropout: ``mc_uncertainty`` (predictive entropy and mutual information of a classifier) and
  ``regression_band`` (predictive mean and standard deviation of a regression net).
"""
from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import system as _system  # noqa: F401  (first: its threefry lowering, see system.py)
from . import checks, datasets, inference
from . import masks as masks_mod
from . import train as train_mod
from .inference import MC_CHUNK
from .network import ACTIVATIONS, check_activation, forward, head_logits, sizes_of

# The engine's programs compile faster with the same numbers (see core.system.engine_compile_options).
_COMPILE = _system.engine_compile_options()

FEATURES = ("raw", "cubic")
MAX_STEPS = 20_000
MAX_CONVERGENCE_K = 5_000
MAX_SEQUENCES = 32
# Enumerating one layer's masks for Jensen's gap holds 2^d pre-activations per point: 2^12 keeps a
# 60x60 grid within a few hundred MB in chunks.
MAX_JENSEN_UNITS = 12
MAX_VOTERS = 20
VOTE_SUM_TOL = 1e-3  # rows typed by hand (0.33, 0.33, 0.34) should pass; 0.4 + 0.5 should not


# --- models -----------------------------------------------------------------------------------------------


def cubic_features(x) -> np.ndarray:
    """All monomials of (x1, x2) of degree 1 to 3: (n, 2) -> (n, 9), columns x1, x2, x1^2, x1x2, x2^2, x1^3, ..."""
    x = np.asarray(x, np.float32)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2) for cubic features, got {x.shape}")
    a, b = x[:, 0], x[:, 1]
    cols = [a, b, a * a, a * b, b * b, a**3, a * a * b, a * b * b, b**3]
    return np.stack(cols, axis=1).astype(np.float32)


CUBIC_NAMES = ("x₁", "x₂", "x₁²", "x₁x₂", "x₂²", "x₁³", "x₁²x₂", "x₁x₂²", "x₂³")


def input_features(x, features: str) -> np.ndarray:
    """The model's inputs for raw points x: x itself ("raw") or its cubic monomials ("cubic")."""
    if features not in FEATURES:
        raise ValueError(f"features must be one of {FEATURES}, got {features!r}")
    return np.asarray(x, np.float32) if features == "raw" else cubic_features(x)


class ModelSpec(NamedTuple):
    """Everything that defines a trained model, as plain values (hashable: pages cache on it).

    keep has one entry per weight layer's inputs (keep[0] for the inputs); units with keep 1 never drop.
    """

    dataset: str
    seed: int  # data draw; the training key comes separately (see train_model)
    sizes: tuple[int, ...]  # (inputs, hidden..., outputs): outputs 2 (softmax), 1 (sigmoid or regression)
    keep: tuple[float, ...]
    activation: str = "relu"
    head: str = "softmax"  # "softmax", "sigmoid" (one unit) or "identity" (regression)
    features: str = "raw"
    steps: int = 2000
    lr: float = 0.01
    n: int = 400  # points drawn; half train, half test
    noise: float | None = None  # None: the data set's default noise


class TrainedModel(NamedTuple):
    """A trained network with its data (NumPy). x_* are raw points; the network sees input_features(x)."""

    spec: ModelSpec
    params: list  # [(W (fan_in, fan_out), b (fan_out,))]
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_acc: float  # of the weight-scaled network (0 for regression)
    test_acc: float


def check_spec(spec: ModelSpec) -> ModelSpec:
    """Raise ValueError for a spec no model can be trained from; return it with canonical types."""
    if spec.dataset not in datasets.DATASETS:
        raise ValueError(f"dataset must be one of {sorted(datasets.DATASETS)}, got {spec.dataset!r}")
    ds = datasets.DATASETS[spec.dataset]
    sizes = tuple(int(s) for s in spec.sizes)
    keep = masks_mod.keep_tuple(spec.keep, len(sizes) - 1)
    if spec.features not in FEATURES:
        raise ValueError(f"features must be one of {FEATURES}, got {spec.features!r}")
    n_in = ds.n_features if spec.features == "raw" else 9
    if spec.features == "cubic" and ds.n_features != 2:
        raise ValueError(f"features 'cubic' needs a 2-D data set, {spec.dataset!r} has {ds.n_features} features")
    if sizes[0] != n_in:
        raise ValueError(f"sizes[0] must be {n_in} (the model's inputs), got {sizes[0]}")
    want_out = {"softmax": ds.n_classes, "sigmoid": 1, "identity": 1}.get(spec.head)
    if want_out is None:
        raise ValueError(f"head must be 'softmax', 'sigmoid' or 'identity', got {spec.head!r}")
    if (ds.task == "regression") != (spec.head == "identity"):
        raise ValueError(f"head {spec.head!r} does not fit the {ds.task} data set {spec.dataset!r}")
    if spec.head == "sigmoid" and ds.n_classes != 2:
        raise ValueError("head 'sigmoid' needs a two-class data set")
    if sizes[-1] != want_out:
        raise ValueError(f"sizes[-1] must be {want_out} for head {spec.head!r}, got {sizes[-1]}")
    check_activation(spec.activation)
    steps = checks.check_int("steps", spec.steps, 100, MAX_STEPS)
    if steps % 100:
        raise ValueError(f"steps must be a multiple of 100 in [100, {MAX_STEPS}], got {spec.steps}")
    noise = ds.default_noise if spec.noise is None else checks.check_float("noise", spec.noise, 0.0, ds.max_noise)
    return spec._replace(sizes=sizes, keep=keep, steps=steps, seed=checks.check_int("seed", spec.seed, 0),
                         noise=noise, n=checks.check_int("n", spec.n, 4, ds.max_n),
                         lr=checks.check_float("lr", spec.lr, 0.0, open_lo=True))


def train_model(key, spec: ModelSpec, on_progress=None) -> TrainedModel:
    """Draw the spec's data (seed spec.seed) and train its network with inverted dropout (Adam, batch 32).

    Args:
      key: the training key (initial weights, minibatches and masks).
    Returns:
      TrainedModel with NumPy params; accuracies are those of the weight-scaled (full) network.
    """
    spec = check_spec(spec)
    ds = datasets.make_dataset(spec.dataset, spec.seed, spec.n, spec.noise)
    # 100 steps per jitted chunk, evaluated once per chunk: the page needs only the final accuracy.
    config = train_mod.TrainConfig(sizes=spec.sizes, activation=spec.activation, head=spec.head, optimizer="adam",
                                   batch_size=32, chunk=100, eval_every=100)
    data = train_mod.make_data(input_features(ds.x_train, spec.features), ds.y_train,
                               input_features(ds.x_test, spec.features), ds.y_test, config)
    hps = train_mod.stack([train_mod.hyper(spec.keep, spec.lr, n_layers=config.n_layers)])
    states = train_mod.init_states(key, config, 1, data, hps)  # the training program compiles alongside
    states, hist = train_mod.train(states, data, hps, config, spec.steps // config.chunk,
                                   on_progress=on_progress)  # (chunks of 100 steps done, chunks in all)
    params = [(np.asarray(w[0]), np.asarray(b[0])) for w, b in states.params]
    classify = spec.head != "identity"
    return TrainedModel(spec, params, ds.x_train, ds.y_train, ds.x_test, ds.y_test,
                        float(hist["train_acc"][0, -1]) if classify else 0.0,
                        float(hist["test_acc"][0, -1]) if classify else 0.0)


def droppable_units(spec: ModelSpec) -> int:
    """d: the number of units with keep < 1; the model has 2^d subnetworks."""
    return masks_mod.n_subnetworks_log2(spec.sizes, masks_mod.keep_tuple(spec.keep, len(spec.sizes) - 1))


# --- distances and summaries ------------------------------------------------------------------------------


def total_variation(p, q) -> np.ndarray:
    """Per-point total variation distance 0.5 * sum_c |p_c - q_c| between (n, C) class distributions: (n,)."""
    p, q = checks.check_array("p", p), checks.check_array("q", q)
    if p.shape != q.shape or p.ndim != 2:
        raise ValueError(f"p and q must be (n, classes) arrays of the same shape, got {p.shape} and {q.shape}")
    return 0.5 * np.abs(p - q).sum(axis=1)


def accuracy(p, y) -> float:
    """Share of points whose most probable class is the label."""
    p, y = checks.check_array("p", p), np.asarray(y)
    if p.ndim != 2 or y.shape != (p.shape[0],):
        raise ValueError(f"p must be (n, classes) and y (n,), got {p.shape} and {y.shape}")
    return float(np.mean(np.argmax(p, axis=1) == y))


def class1_difference(a, b) -> np.ndarray:
    """P_a(class 1) - P_b(class 1) for (n, 2) class probabilities: (n,)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"a and b must both be (n, 2) class probabilities, got {a.shape} and {b.shape}")
    return a[:, 1] - b[:, 1]


def log_ks(k_max: int, n: int = 24) -> np.ndarray:
    """About n distinct integers from 1 to k_max, evenly spaced on a log axis (always including both ends)."""
    if int(k_max) != k_max or k_max < 1:
        raise ValueError(f"k_max must be an integer >= 1, got {k_max}")
    if not 2 <= n <= 1000:
        raise ValueError(f"n must lie in [2, 1000], got {n}")
    return np.unique(np.round(np.logspace(0, math.log10(k_max), n)).astype(int))


class Band(NamedTuple):
    """Mean and range over sequences (axis 0) of a curve, at selected ks."""

    ks: np.ndarray
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def band(curves, ks) -> Band:
    """Mean, min and max over axis 0 of (S, k_max) curves, read at ks (1-based)."""
    c = np.asarray(curves, np.float64)
    ks = np.asarray(ks, int)
    if c.ndim != 2 or ks.ndim != 1 or ks.min() < 1 or ks.max() > c.shape[1]:
        raise ValueError(f"curves must be (sequences, k_max) and ks in [1, k_max]; got {c.shape} and ks "
                         f"{ks.min()}..{ks.max()}")
    sel = c[:, ks - 1]
    return Band(ks, sel.mean(axis=0), sel.min(axis=0), sel.max(axis=0))


def first_k_below(b: Band, level: float) -> int | None:
    """The smallest shown k from which on the band's mean stays at or below level (None if it never does)."""
    below = np.asarray(b.mean) <= level
    if not below[-1]:
        return None
    above = np.flatnonzero(~below)
    return int(b.ks[0] if above.size == 0 else b.ks[above[-1] + 1])


# --- convergence of Monte Carlo means ---------------------------------------------------------------------


class Convergence(NamedTuple):
    """Running Monte Carlo means over S mask sequences, at every k = 1..k_max.

    tv_*: (S, k_max, G) mean total variation to the reference within each point group;
    acc_*: (S, k_max) accuracy on the labelled points.
    """

    ks: np.ndarray
    tv_arith: np.ndarray
    tv_geo: np.ndarray
    acc_arith: np.ndarray
    acc_geo: np.ndarray


@partial(jax.jit, static_argnames=("k_max", "n_groups", "activation", "head"), compiler_options=_COMPILE)
def _convergence(keys, params, x, keep, reference, labels, groups, *, k_max, n_groups, activation, head):
    sizes = sizes_of(params)
    n_chunks = -(-k_max // MC_CHUNK)
    onehot = jax.nn.one_hot(groups, n_groups)  # (n, G)
    group_w = onehot / jnp.maximum(onehot.sum(0), 1.0)  # column g averages group g
    labelled = (labels >= 0).astype(jnp.float32)
    lab_w = labelled / jnp.maximum(labelled.sum(), 1.0)
    n_classes = reference.shape[-1]
    zero = jnp.zeros((x.shape[0], n_classes), jnp.float32)

    def per_key(key):
        def body(carry, c):
            sum_p, sum_log = carry
            # The same draw as inference._mc_sums: chunk c of the sequence comes from fold_in(key, c).
            ms = masks_mod.sample_layer_masks(jax.random.fold_in(key, c), sizes, keep, batch=MC_CHUNK)
            out = forward(params, x[None], [m[:, None, :] for m in ms], keep, activation=activation)
            lsm = jax.nn.log_softmax(head_logits(out, head), axis=-1)  # (B, n, C)
            cum_p = sum_p + jnp.cumsum(jnp.exp(lsm), axis=0)
            cum_log = sum_log + jnp.cumsum(lsm, axis=0)
            k = (c * MC_CHUNK + jnp.arange(1, MC_CHUNK + 1)).astype(jnp.float32)[:, None, None]
            p_arith = cum_p / k
            p_geo = jax.nn.softmax(cum_log / k, axis=-1)
            tv_a = (0.5 * jnp.abs(p_arith - reference).sum(-1)) @ group_w  # (B, G)
            tv_g = (0.5 * jnp.abs(p_geo - reference).sum(-1)) @ group_w
            acc_a = (jnp.argmax(p_arith, -1) == labels).astype(jnp.float32) @ lab_w  # (B,)
            acc_g = (jnp.argmax(p_geo, -1) == labels).astype(jnp.float32) @ lab_w
            return (cum_p[-1], cum_log[-1]), (tv_a, tv_g, acc_a, acc_g)

        _, outs = jax.lax.scan(body, (zero, zero), jnp.arange(n_chunks))
        return tuple(o.reshape((n_chunks * MC_CHUNK,) + o.shape[2:])[:k_max] for o in outs)

    return jax.vmap(per_key)(keys)


def convergence(keys, params, x, keep, k_max: int, reference, labels, groups, *, activation="relu",
                head="softmax", on_progress=None) -> Convergence:
    """Distance to a reference ensemble and accuracy of the running Monte Carlo means, for k = 1..k_max.

    Sequence s uses exactly the masks of inference.mc_ensemble(keys[s], ...): its value at k equals that
    ensemble with k masks (the first k masks are shared by every k).

    Args:
      keys: (S, 2) stacked jax.random keys, one mask sequence each.
      x: (n, D) model inputs.
      reference: (n, C) class probabilities to measure the total variation against (the exact arithmetic
        ensemble on the page).
      labels: (n,) integer labels; -1 marks points without a label (grid points), left out of the accuracy.
      groups: (n,) integer group ids in [0, G); the total variation is averaged within each group.
      on_progress: if given, the sequences run one at a time and it is called with (sequences done, S)
        after each (the same values, computed in S pieces).
    Returns:
      Convergence with tv_* (S, k_max, G) and acc_* (S, k_max).
    """
    keys = jnp.asarray(keys)
    if keys.ndim != 2 or not 1 <= keys.shape[0] <= MAX_SEQUENCES:
        raise ValueError(f"keys must be a stack of 1 to {MAX_SEQUENCES} jax.random keys, got shape {keys.shape}")
    if int(k_max) != k_max or not 1 <= k_max <= MAX_CONVERGENCE_K:
        raise ValueError(f"k_max must be an integer in [1, {MAX_CONVERGENCE_K}], got {k_max}")
    sizes = sizes_of(params)
    keep = masks_mod.keep_tuple(keep, len(params))
    x = np.asarray(x, np.float32)
    if x.ndim != 2 or x.shape[1] != sizes[0]:
        raise ValueError(f"x must have shape (n, {sizes[0]}), got {x.shape}")
    n = x.shape[0]
    reference = np.asarray(reference, np.float32)
    if reference.ndim != 2 or reference.shape[0] != n:
        raise ValueError(f"reference must have shape ({n}, classes), got {reference.shape}")
    labels, groups = np.asarray(labels), np.asarray(groups)
    if labels.shape != (n,) or groups.shape != (n,):
        raise ValueError(f"labels and groups must have shape ({n},), got {labels.shape} and {groups.shape}")
    if groups.min() < 0:
        raise ValueError("groups must hold ids >= 0")
    check_activation(activation)
    args = ([(jnp.asarray(w), jnp.asarray(b)) for w, b in params], jnp.asarray(x), jnp.asarray(keep, jnp.float32),
            jnp.asarray(reference), jnp.asarray(labels, jnp.int32), jnp.asarray(groups, jnp.int32))
    static = dict(k_max=int(k_max), n_groups=int(groups.max()) + 1, activation=activation, head=head)
    if on_progress is None:
        tv_a, tv_g, acc_a, acc_g = _convergence(keys, *args, **static)
    else:  # one sequence per call (one compilation for all of them), reporting after each
        parts = []
        for s in range(keys.shape[0]):
            parts.append([np.asarray(a) for a in _convergence(keys[s:s + 1], *args, **static)])
            on_progress(s + 1, keys.shape[0])
        tv_a, tv_g, acc_a, acc_g = (np.concatenate(p) for p in zip(*parts))
    return Convergence(np.arange(1, int(k_max) + 1), np.asarray(tv_a), np.asarray(tv_g), np.asarray(acc_a),
                       np.asarray(acc_g))


# --- when weight scaling is exact -------------------------------------------------------------------------


class JensenGap(NamedTuple):
    """E_m[phi(a(m))] - phi(E_m a(m)) for the first hidden layer after a dropped one, per point and unit."""

    layer: int  # 1-based hidden layer whose activations phi(a) are compared
    gap: np.ndarray  # (n, width)
    mean_preact_error: float  # max |E_m a(m) - a_weight_scaled|: ~0, a is affine in the mask


def jensen_gap(params, x, keep, *, activation="relu") -> JensenGap | None:
    """Jensen's gap at the first nonlinearity after the first dropped layer, by enumerating that layer's masks.

    a(m) = b + W^T (m / q * h) is affine in the mask, so E_m a(m) is the weight-scaled pre-activation; for a
    convex phi (ReLU) Jensen's inequality gives E phi(a) >= phi(E a), and this gap is what later layers carry
    to the logits. Returns None when no nonlinearity follows a dropped layer (then the geometric ensemble is
    exact). Raises ValueError if the first dropped layer has more than MAX_JENSEN_UNITS units.
    """
    sizes = sizes_of(params)
    keep = masks_mod.keep_tuple(keep, len(params))
    check_activation(activation)
    x = checks.check_array("x", x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != sizes[0]:
        raise ValueError(f"x must have shape (n, {sizes[0]}) for this network, got {x.shape}")
    dropped = [i for i, q in enumerate(keep) if q < 1.0]
    if not dropped or dropped[0] == len(params) - 1:
        return None
    first = dropped[0]
    d = sizes[first]
    if d > MAX_JENSEN_UNITS:
        raise ValueError(f"the first dropped layer has {d} units; jensen_gap enumerates at most "
                         f"{MAX_JENSEN_UNITS} (2^{MAX_JENSEN_UNITS} masks)")
    act = ACTIVATIONS[activation]
    h = jnp.asarray(x, jnp.float32)
    for w, b in params[:first]:
        h = act(h @ w + b)
    w, b = (jnp.asarray(a) for a in params[first])
    m = jnp.asarray(masks_mod.enumerate_masks(d))
    prob = jnp.asarray(masks_mod.mask_prob(np.asarray(m), np.full(d, keep[first])), jnp.float32)
    a_ws = h @ w + b
    e_act = jnp.zeros_like(a_ws)
    e_a = jnp.zeros_like(a_ws)
    step = 256  # masks per chunk: bounded memory for any d <= MAX_JENSEN_UNITS
    for s in range(0, m.shape[0], step):
        a = (h[None] * (m[s:s + step, None, :] / keep[first])) @ w + b  # (chunk, n, width)
        e_act = e_act + jnp.einsum("k,knw->nw", prob[s:s + step], act(a))
        e_a = e_a + jnp.einsum("k,knw->nw", prob[s:s + step], a)
    return JensenGap(first + 1, np.asarray(e_act - act(a_ws)), float(jnp.max(jnp.abs(e_a - a_ws))))


# --- voting against averaging -----------------------------------------------------------------------------


class Votes(NamedTuple):
    """Three ways to combine M models' class probabilities; a decision of -1 means a tie."""

    probs: np.ndarray  # (M, C) the checked (and maybe normalised) table
    votes: np.ndarray  # (C,) how many models rank each class first (a model with a tied top abstains)
    vote_share: np.ndarray  # (C,) votes / M
    vote: int
    arithmetic: np.ndarray  # (C,) mean of the rows
    arithmetic_decision: int
    geometric: np.ndarray  # (C,) (prod_i p_i)^(1/M), renormalised over classes
    geometric_decision: int


def _decide(p, tol: float = 1e-9) -> int:
    """argmax of p, or -1 if the top value is shared."""
    top = np.max(p)
    winners = np.flatnonzero(p >= top - tol)
    return int(winners[0]) if winners.size == 1 else -1


def combine_votes(probs, *, normalise: bool = False) -> Votes:
    """Majority vote, arithmetic mean and renormalised geometric mean of M models (equal weights).

    Args:
      probs: (M, C) one row of class probabilities per model, entries in [0, 1].
      normalise: divide each row by its sum first; otherwise rows must sum to 1 within VOTE_SUM_TOL.
    """
    try:
        p = np.asarray(probs, np.float64)
    except (TypeError, ValueError):
        raise ValueError("probs must be a table of numbers") from None
    if p.ndim != 2 or not 1 <= p.shape[0] <= MAX_VOTERS or p.shape[1] < 2:
        raise ValueError(f"probs must have 1 to {MAX_VOTERS} rows (models) and at least 2 columns (classes), "
                         f"got shape {p.shape}")
    for r, row in enumerate(p):
        if not np.all(np.isfinite(row)):
            raise ValueError(f"model {r + 1} has an empty or non-numeric probability; fill in every cell")
        if row.min() < 0 or row.max() > 1:
            raise ValueError(f"model {r + 1}: probabilities must lie in [0, 1], got {row.tolist()}")
        s = row.sum()
        if normalise:
            if s <= 0:
                raise ValueError(f"model {r + 1}: a row of zeros cannot be normalised")
        elif abs(s - 1.0) > VOTE_SUM_TOL:
            raise ValueError(f"model {r + 1}: probabilities sum to {s:.4g}, but each row must sum to 1 "
                             f"(within {VOTE_SUM_TOL}); fix the row or switch on normalising")
    if normalise:
        p = p / p.sum(axis=1, keepdims=True)
    votes = np.zeros(p.shape[1], int)
    for row in p:
        c = _decide(row)
        if c >= 0:
            votes[c] += 1
    arith = p.mean(axis=0)
    with np.errstate(divide="ignore"):
        log_mean = np.log(p).mean(axis=0)
    if not np.any(np.isfinite(log_mean)):
        raise ValueError("the geometric mean is undefined: every class has probability 0 in some model")
    geo = np.exp(log_mean - log_mean[np.isfinite(log_mean)].max())
    geo = geo / geo.sum()
    return Votes(p, votes, votes / len(p), _decide(votes.astype(float), 0.5), arith, _decide(arith), geo, _decide(geo))


# --- Monte Carlo dropout: uncertainty ---------------------------------------------------------------------


def entropy_bits(p) -> np.ndarray:
    """Entropy in bits of each row of (n, C) class probabilities (0 log 0 = 0): (n,)."""
    p = np.asarray(p, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    return terms.sum(axis=-1)


class Uncertainty(NamedTuple):
    """Monte Carlo dropout on a classifier: k subnetworks' predictions of each point, summarised."""

    mean: np.ndarray  # (n, C) arithmetic mean of the k predictions
    predictive_entropy: np.ndarray  # (n,) H[mean], bits
    expected_entropy: np.ndarray  # (n,) mean of the k entropies, bits
    mutual_information: np.ndarray  # (n,) their difference: how much the subnetworks disagree


@partial(jax.jit, static_argnames=("activation", "head"), compiler_options=_COMPILE)
def _mc_entropy_sums(key, params, x, keep, k, *, activation, head):
    sizes = sizes_of(params)
    n_classes = head_logits(forward(params, x[:1], activation=activation), head).shape[-1]
    zero_p = jnp.zeros((x.shape[0], n_classes), jnp.float32)
    zero_h = jnp.zeros((x.shape[0],), jnp.float32)

    def body(c, carry):
        sum_p, sum_h = carry
        ms = masks_mod.sample_layer_masks(jax.random.fold_in(key, c), sizes, keep, batch=MC_CHUNK)
        out = forward(params, x[None], [m[:, None, :] for m in ms], keep, activation=activation)
        lsm = jax.nn.log_softmax(head_logits(out, head), axis=-1)
        w = ((c * MC_CHUNK + jnp.arange(MC_CHUNK)) < k).astype(jnp.float32)  # samples past k weigh 0
        h = -jnp.sum(jnp.exp(lsm) * lsm, axis=-1) / jnp.log(2.0)  # (B, n) bits
        return sum_p + jnp.einsum("m,mnc->nc", w, jnp.exp(lsm)), sum_h + w @ h

    sum_p, sum_h = jax.lax.fori_loop(0, (k + MC_CHUNK - 1) // MC_CHUNK, body, (zero_p, zero_h))
    return sum_p / k, sum_h / k


def mc_uncertainty(key, params, x, keep, k: int, *, activation="relu", head="softmax") -> Uncertainty:
    """Predictive entropy and mutual information from k sampled subnetworks (the masks of predict_mc(key, ...)).

    k is traced: a new k compiles nothing.
    """
    sizes = sizes_of(params)
    keep = masks_mod.keep_tuple(keep, len(params))
    if int(k) != k or not 1 <= k <= inference.MAX_MC_SAMPLES:
        raise ValueError(f"k must be an integer in [1, {inference.MAX_MC_SAMPLES}], got {k}")
    x = np.asarray(x, np.float32)
    if x.ndim != 2 or x.shape[1] != sizes[0]:
        raise ValueError(f"x must have shape (n, {sizes[0]}), got {x.shape}")
    mean, exp_h = _mc_entropy_sums(key, params, jnp.asarray(x), jnp.asarray(keep, jnp.float32), jnp.int32(k),
                                   activation=activation, head=head)
    mean, exp_h = np.asarray(mean, np.float64), np.asarray(exp_h, np.float64)
    pred_h = entropy_bits(mean)
    # Concavity of entropy makes H[mean] >= mean of H; clip the float rounding below zero.
    return Uncertainty(mean, pred_h, exp_h, np.maximum(pred_h - exp_h, 0.0))


class RegressionBand(NamedTuple):
    """Monte Carlo dropout on a regression net, on a set of inputs (n,) each."""

    mean: np.ndarray  # mean of k thinned networks' outputs
    std: np.ndarray  # their standard deviation
    weight_scaled: np.ndarray  # one pass of the full network (inverted dropout: the weight-scaled net)


def regression_band(key, params, x, keep, k: int, *, activation="relu") -> RegressionBand:
    """Predictive mean and standard deviation over k sampled masks, and the weight-scaled prediction."""
    mean, var = inference.mc_regression(key, params, x, keep, k, activation=activation)
    ws = forward([(jnp.asarray(w), jnp.asarray(b)) for w, b in params], jnp.asarray(x, jnp.float32),
                 activation=activation)[:, 0]
    return RegressionBand(mean, np.sqrt(var), np.asarray(ws))


# --- a few single subnetworks -----------------------------------------------------------------------------


class Subnetworks(NamedTuple):
    """The first few masks of a Monte Carlo sequence and each thinned network's predictions."""

    masks: list  # one (k, sizes[i]) 0/1 array per weight layer
    probs: np.ndarray  # (k, n, C)
    kept: np.ndarray  # (k, layers) kept units per weight layer's inputs
    has_path: np.ndarray  # (k,) False where some layer keeps no unit: that subnetwork outputs a constant


def subnetworks(key, params, x, keep, k: int, *, activation="relu", head="softmax") -> Subnetworks:
    """Predictions of the first k subnetworks that predict_mc(key, ...) averages."""
    sizes = sizes_of(params)
    if int(k) != k or not 1 <= k <= 64:
        raise ValueError(f"k must be an integer in [1, 64], got {k}")
    keep = masks_mod.keep_tuple(keep, len(params))
    ms = inference.sample_subnetwork_masks(key, sizes, keep, int(k))
    logp = inference.subnetwork_log_probs(params, x, ms, keep, activation=activation, head=head)
    kept = np.stack([m.sum(axis=1) for m in ms], axis=1).astype(int)
    return Subnetworks(ms, np.exp(logp), kept, np.all(kept > 0, axis=1))
