"""Closed forms that the pages check live against simulation.

Conventions (docs/ARCHITECTURE.md): ``keep`` is the keep probability q, the drop rate is p = 1 - q. *Inverted*
dropout multiplies a kept unit by 1/q while training (so E[m/q] = 1); *standard* dropout leaves kept
units unscaled (E[m] = q) and scales the weights by q at test time. Each function says which it uses.

Sections: the ambiguity decomposition of an averaged ensemble (and where it stops holding), the dropout
penalty of linear regression and its ridge twin, the bias and variance of a masked linear predictor, and
the noise-to-signal ratio of additive against multiplicative noise.
"""
from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import system as _system  # noqa: F401  (first: its threefry lowering, see system.py)
from . import checks
from . import masks as masks_mod

# Enumerating 2^d masks of a d-feature linear model is a brute-force check, not a tool: 2^12 masks times
# a few hundred examples is already millions of terms.
MAX_ENUMERATE_FEATURES = 12
MAX_MEMBERS = 1000
MAX_SAMPLES = 1_000_000
MC_CHUNK = 256  # masks drawn per loop step; the number of samples is a traced bound (no recompiles)


def _keep(keep) -> float:
    """A scalar keep probability in (0, 1], else ValueError."""
    if np.ndim(keep) != 0:
        raise ValueError(f"keep must be one keep probability q in (0, 1], got shape {np.shape(keep)}")
    masks_mod.check_keep(keep)
    return float(keep)


def _samples(n_samples) -> int:
    return checks.check_int("n_samples", n_samples, 1, MAX_SAMPLES)


# --- the ambiguity decomposition -----------------------------------------------------------------------


class Ambiguity(NamedTuple):
    """Squared-error decomposition of a uniform average of T members (all means over the points).

    individual: mean over members of each member's error, mean_t |f_t - y|^2.
    ensemble:   error of the average prediction f̄ = (1/T) sum_t f_t, |f̄ - y|^2.
    ambiguity:  spread of the members around f̄, mean_t |f_t - f̄|^2.
    pairwise:   mean over the T(T-1) ordered pairs s != t of |f_s - f_t|^2, computed pair by pair.
    """

    individual: float
    ensemble: float
    ambiguity: float
    pairwise: float
    n_members: int

    @property
    def gain(self) -> float:
        """What averaging bought: individual error minus ensemble error (measured)."""
        return self.individual - self.ensemble

    @property
    def predicted_gain(self) -> float:
        """(T - 1) / (2T) times the mean pairwise squared difference (the closed form)."""
        t = self.n_members
        return (t - 1) / (2 * t) * self.pairwise


def _pairwise_mean_sq(f: np.ndarray) -> float:
    """Mean over ordered pairs s != t of the per-point squared distance |f_s - f_t|^2, pair by pair."""
    t = f.shape[0]
    total = 0.0
    for s in range(t):  # O(T^2 n) on purpose: an independent route to the same number as the ambiguity
        diff = f - f[s]
        total += float(np.sum(diff * diff))
    return total / (t * (t - 1) * f.shape[1])


def ambiguity_decomposition(preds, y) -> Ambiguity:
    """Individual error, ensemble error, ambiguity and pairwise disagreement of an averaged ensemble.

    The identity (Krogh & Vedelsby, 1995) holds exactly for squared error and a uniform arithmetic mean:
      mean_t (f_t - y)^2 - (f̄ - y)^2 = mean_t (f_t - f̄)^2 = (T - 1) / (2T) * mean_{s != t} (f_s - f_t)^2,
    point by point, whatever the members are. For class probabilities pass one-hot targets: the squared
    error is then summed over the classes (the Brier score) and the identity holds class by class.

    Args:
      preds: (T, n) or (T, n, C) predictions of T >= 2 members.
      y: (n,) or (n, C) targets.
    """
    f = np.asarray(preds, np.float64)
    y = np.asarray(y, np.float64)
    if f.ndim not in (2, 3) or not 2 <= f.shape[0] <= MAX_MEMBERS:
        raise ValueError(f"preds must have shape (T, n) or (T, n, C) with T in [2, {MAX_MEMBERS}], got {f.shape}")
    if y.shape != f.shape[1:]:
        raise ValueError(f"y must have shape {f.shape[1:]} to match preds, got {y.shape}")
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(y))):
        raise ValueError("preds and y must be finite")
    t, n = f.shape[:2]
    f = f.reshape(t, n, -1)
    y = y.reshape(n, -1)
    fbar = f.mean(axis=0)
    individual = float(np.mean(np.sum((f - y) ** 2, axis=-1)))
    ensemble = float(np.mean(np.sum((fbar - y) ** 2, axis=-1)))
    ambiguity = float(np.mean(np.sum((f - fbar) ** 2, axis=-1)))
    # Pairwise over the flattened (point, class) axis, then rescaled to a per-point sum over classes.
    pairwise = _pairwise_mean_sq(f.reshape(t, -1)) * f.shape[2]
    return Ambiguity(individual, ensemble, ambiguity, pairwise, t)


class VoteCheck(NamedTuple):
    """0-1 errors of a majority vote next to the (here wrong) ambiguity formula.

    individual: mean over members of each member's error rate.
    ensemble:   error rate of the majority vote.
    disagreement: mean over ordered pairs s != t of the fraction of points where the two labels differ.
    """

    individual: float
    ensemble: float
    disagreement: float
    n_members: int

    @property
    def gain(self) -> float:
        return self.individual - self.ensemble

    @property
    def predicted_gain(self) -> float:
        """What the squared-error formula would claim: (T - 1) / (2T) times the disagreement."""
        t = self.n_members
        return (t - 1) / (2 * t) * self.disagreement


def majority_vote(labels) -> np.ndarray:
    """The most frequent label of each column of (T, n) integer labels; ties go to the smallest label."""
    lab = np.asarray(labels)
    n_cls = int(lab.max()) + 1
    counts = np.stack([(lab == c).sum(axis=0) for c in range(n_cls)])
    return counts.argmax(axis=0)


def majority_vote_check(labels, y) -> VoteCheck:
    """Error of a majority vote against the members' errors and their pairwise disagreement rate.

    Args:
      labels: (T, n) integer class labels of T >= 2 members.
      y: (n,) true labels.
    """
    lab = np.asarray(labels)
    y = np.asarray(y)
    if lab.ndim != 2 or not 2 <= lab.shape[0] <= MAX_MEMBERS:
        raise ValueError(f"labels must have shape (T, n) with T in [2, {MAX_MEMBERS}], got {lab.shape}")
    if y.shape != lab.shape[1:]:
        raise ValueError(f"y must have shape ({lab.shape[1]},) to match labels, got {y.shape}")
    if not (np.issubdtype(lab.dtype, np.integer) and np.issubdtype(y.dtype, np.integer)) or lab.min() < 0:
        raise ValueError("labels and y must hold integer class labels >= 0")
    t = lab.shape[0]
    individual = float(np.mean(lab != y))
    ensemble = float(np.mean(majority_vote(lab) != y))
    differ = sum(float(np.mean(lab[s] != lab[u])) for s in range(t) for u in range(t) if s != u)
    return VoteCheck(individual, ensemble, differ / (t * (t - 1)), t)


def vote_counterexample() -> tuple[np.ndarray, np.ndarray]:
    """Three voters, five points, each voter wrong on two points, but the vote wrong on three.

    Returns (labels (3, 5), y (5,)): every member's error is 0.4, the majority vote's is 0.6.
    """
    y = np.ones(5, np.int64)
    labels = np.ones((3, 5), np.int64)
    for member, wrong in enumerate(((0, 1), (1, 2), (0, 2))):  # each pair of voters errs together once
        labels[member, list(wrong)] = 0
    return labels, y


# --- dropout in linear regression: an L2 penalty -------------------------------------------------------


def _linear_inputs(x, y, w=None):
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"x must have shape (n, d) with n, d >= 1, got {x.shape}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {y.shape}")
    if w is None:
        return x, y
    w = np.asarray(w, np.float64)
    if w.shape != (x.shape[1],):
        raise ValueError(f"w must have shape ({x.shape[1]},) to match x, got {w.shape}")
    return x, y, w


def dropout_penalty_coefficients(x, keep, *, inverted: bool = True) -> np.ndarray:
    """Per-feature coefficients c_j of the penalty sum_j c_j w_j^2 that input dropout adds (sum-of-squares loss).

    Inverted dropout (kept inputs scaled by 1/q): c_j = ((1 - q) / q) * sum_i x_ij^2.
    Standard dropout (no scaling):                c_j = q (1 - q) * sum_i x_ij^2.
    A feature with a larger spread (larger sum of squares) is penalised harder.
    """
    q = _keep(keep)
    x = checks.check_array("x", x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, d), got {x.shape}")
    scale = (1.0 - q) / q if inverted else q * (1.0 - q)
    return scale * np.sum(x * x, axis=0)


def expected_dropout_loss(x, y, w, keep, *, inverted: bool = True) -> float:
    """Closed form of E_m sum_i (y_i - sum_j x_ij m_ij s w_j)^2 with m_ij ~ Bernoulli(q).

    Inverted (s = 1/q): ||y - X w||^2 + ((1 - q) / q) sum_j w_j^2 ||X_j||^2.
    Standard (s = 1):   ||y - q X w||^2 + q (1 - q) sum_j w_j^2 ||X_j||^2.
    The masks may be shared by all examples or drawn per example: the expectation is the same.
    """
    x, y, w = _linear_inputs(x, y, w)
    q = _keep(keep)
    mean_pred = x @ w if inverted else q * (x @ w)
    resid = y - mean_pred
    return float(resid @ resid + dropout_penalty_coefficients(x, q, inverted=inverted) @ (w * w))


def enumerated_dropout_loss(x, y, w, keep, *, inverted: bool = True) -> float:
    """E_m ||y - X (s m ⊙ w)||^2 by summing p(m) times the loss over all 2^d input masks (brute force)."""
    x, y, w = _linear_inputs(x, y, w)
    q = _keep(keep)
    d = x.shape[1]
    if d > MAX_ENUMERATE_FEATURES:
        raise ValueError(f"x must have at most {MAX_ENUMERATE_FEATURES} features to enumerate 2^d masks, got {d}")
    m = masks_mod.enumerate_masks(d).astype(np.float64)  # (2^d, d)
    prob = masks_mod.mask_prob(m, np.full(d, q))
    s = 1.0 / q if inverted else 1.0
    resid = y[:, None] - x @ (s * m * w).T  # (n, 2^d)
    return float(np.sum(resid * resid, axis=0) @ prob)


@partial(jax.jit, static_argnames=("inverted",))
def _mc_loss_sums(key, x, y, w, keep, n_samples, *, inverted):
    s = jnp.where(inverted, 1.0 / keep, 1.0)

    def body(c, carry):
        m = masks_mod.bernoulli_mask(jax.random.fold_in(key, c), keep, (MC_CHUNK,) + x.shape)
        resid = y - jnp.einsum("knd,d->kn", x * m * s, w)
        loss = jnp.sum(resid * resid, axis=1)  # (MC_CHUNK,) one total loss per sampled set of masks
        live = (c * MC_CHUNK + jnp.arange(MC_CHUNK)) < n_samples
        return carry[0] + jnp.sum(jnp.where(live, loss, 0.0)), carry[1] + jnp.sum(jnp.where(live, loss * loss, 0.0))

    n_chunks = (n_samples + MC_CHUNK - 1) // MC_CHUNK
    return jax.lax.fori_loop(0, n_chunks, body, (jnp.float32(0), jnp.float32(0)))


def mc_dropout_loss(key, x, y, w, keep, n_samples: int, *, inverted: bool = True) -> tuple[float, float]:
    """Monte Carlo estimate of E_m ||y - X (s m ⊙ w)||^2 with fresh per-example masks, as in training.

    Returns (mean over n_samples draws, its standard error). Sums run in float32 on the device.
    """
    x, y, w = _linear_inputs(x, y, w)
    q = _keep(keep)
    k = _samples(n_samples)
    f = partial(jnp.asarray, dtype=jnp.float32)
    s1, s2 = _mc_loss_sums(key, f(x), f(y), f(w), f(q), jnp.int32(k), inverted=inverted)
    mean = float(s1) / k
    var = max(float(s2) / k - mean * mean, 0.0)
    return mean, (var / max(k - 1, 1)) ** 0.5 if k > 1 else float("nan")


def least_squares_weights(x, y) -> np.ndarray:
    """Ordinary least squares w minimising ||y - X w||^2 (minimum-norm when X is rank deficient)."""
    x, y = _linear_inputs(x, y)
    return np.linalg.lstsq(x, y, rcond=None)[0]


def ridge_weights(x, y, penalty) -> np.ndarray:
    """w minimising ||y - X w||^2 + sum_j penalty_j w_j^2 (one coefficient per feature, all >= 0)."""
    x, y = _linear_inputs(x, y)
    lam = np.broadcast_to(np.asarray(penalty, np.float64), (x.shape[1],))
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError(f"penalty must be finite and >= 0, got {lam.tolist()}")
    return np.linalg.solve(x.T @ x + np.diag(lam) + 1e-12 * np.eye(x.shape[1]), x.T @ y)


def dropout_ridge_weights(x, y, keep, *, inverted: bool = True) -> np.ndarray:
    """The w minimising the expected dropout loss: ridge regression with the dropout coefficients.

    Inverted: ridge with c_j = ((1 - q)/q) ||X_j||^2. Standard: the minimiser of ||y - qXw||^2 + q(1-q) sum
    w_j^2 ||X_j||^2, which is the inverted one divided by q (its test-time weights q w are the same).
    """
    q = _keep(keep)
    w = ridge_weights(x, y, dropout_penalty_coefficients(x, q, inverted=True))
    return w if inverted else w / q


class LinearTask(NamedTuple):
    """A linear regression task: x (n, d) with one spread per feature, y = x @ w_true + noise (n,)."""

    x: np.ndarray
    y: np.ndarray
    w_true: np.ndarray
    spreads: np.ndarray
    noise_std: float


def linear_task(key, n: int, spreads, noise_std: float, w_true=None) -> LinearTask:
    """Draw x_ij ~ N(0, spreads_j^2) (then centred) and y = x w_true + N(0, noise_std^2) (then centred).

    Centring means no intercept is needed, so the closed forms above apply as written.
    w_true defaults to 1 / spreads: every feature then contributes equally to y.
    """
    spreads = np.asarray(spreads, np.float64)
    if spreads.ndim != 1 or not 1 <= spreads.size <= 64 or np.any(~np.isfinite(spreads)) or np.any(spreads <= 0):
        raise ValueError(f"spreads must be 1 to 64 positive numbers, got {spreads.tolist()}")
    if int(n) != n or not 2 <= n <= 100_000:
        raise ValueError(f"n must be an integer in [2, 100000], got {n}")
    noise_std = checks.check_float("noise_std", noise_std, 0.0, 100.0)
    w = 1.0 / spreads if w_true is None else np.asarray(w_true, np.float64)
    if w.shape != spreads.shape:
        raise ValueError(f"w_true must have shape {spreads.shape}, got {w.shape}")
    kx, ke = jax.random.split(key)
    x = np.asarray(jax.random.normal(kx, (int(n), spreads.size)), np.float64) * spreads
    x = x - x.mean(axis=0)
    y = x @ w + noise_std * np.asarray(jax.random.normal(ke, (int(n),)), np.float64)
    return LinearTask(x, y - y.mean(), w, spreads, float(noise_std))


# --- bias and variance of a masked linear predictor -----------------------------------------------------


class BiasVariance(NamedTuple):
    """Mean squared error of a predictor split as bias^2 + variance + noise (each a mean over the points)."""

    bias2: float
    variance: float
    noise: float

    @property
    def mse(self) -> float:
        return self.bias2 + self.variance + self.noise


def _bv_inputs(x, w, w_true):
    x = checks.check_array("x", x)
    w = checks.check_array("w", w)
    if x.ndim != 2 or w.shape != (x.shape[1],):
        raise ValueError(f"x must be (n, d) and w (d,), got {x.shape} and {w.shape}")
    wt = w if w_true is None else checks.check_array("w_true", w_true)
    if wt.shape != w.shape:
        raise ValueError(f"w_true must have shape {w.shape}, got {wt.shape}")
    return x, w, wt


def masked_linear_bias_variance(x, w, keep, *, inverted: bool = True, noise_std: float = 0.0,
                                w_true=None) -> BiasVariance:
    """Bias and variance of ŷ = s w·(m ⊙ x), m_j ~ Bernoulli(q), against y = w_true·x + N(0, noise_std^2).

    With s = 1/q (inverted): E ŷ = w·x, Var ŷ = ((1 - q)/q) sum_j w_j^2 x_j^2.
    With s = 1 (standard, no test-time rescaling): E ŷ = q w·x, so for w = w_true the bias is -p w·x
    (bias^2 grows as p^2) and Var ŷ = q (1 - q) sum_j w_j^2 x_j^2 (grows as p(1 - p)).
    """
    x, w, wt = _bv_inputs(x, w, w_true)
    q = _keep(keep)
    noise_std = checks.check_float("noise_std", noise_std, 0.0)
    s = 1.0 / q if inverted else 1.0
    bias = s * q * (x @ w) - x @ wt
    var = s * s * q * (1.0 - q) * ((x * x) @ (w * w))
    return BiasVariance(float(np.mean(bias * bias)), float(np.mean(var)), float(noise_std) ** 2)


@partial(jax.jit, static_argnames=("n_samples", "inverted"))
def _mc_bias_variance(key, x, w, wt, keep, noise_std, *, n_samples, inverted):
    s = jnp.where(inverted, 1.0 / keep, 1.0)
    k_m, k_e = jax.random.split(key)
    m = masks_mod.bernoulli_mask(k_m, keep, (n_samples,) + x.shape)
    pred = s * jnp.einsum("knd,d->kn", x * m, w)  # (samples, n)
    target = x @ wt
    mean = pred.mean(axis=0)
    y = target + noise_std * jax.random.normal(k_e, pred.shape)  # a fresh noisy target per draw
    return (jnp.mean((mean - target) ** 2), jnp.mean(pred.var(axis=0, ddof=1)),
            jnp.mean((y - target) ** 2), jnp.mean((y - pred) ** 2))


def mc_masked_linear_bias_variance(key, x, w, keep, n_samples: int, *, inverted: bool = True,
                                   noise_std: float = 0.0, w_true=None) -> tuple[BiasVariance, float]:
    """The same split measured from n_samples sampled masks (and noisy targets) per point.

    Returns (BiasVariance with the sample bias^2, variance and noise, the directly measured mean of
    (y - ŷ)^2). The bias^2 estimate carries a small upward bias of about variance / n_samples.
    """
    x, w, wt = _bv_inputs(x, w, w_true)
    q = _keep(keep)
    noise_std = checks.check_float("noise_std", noise_std, 0.0)
    k = _samples(n_samples)
    if k < 2 or k * x.size > 20_000_000:
        raise ValueError(f"n_samples must be in [2, {20_000_000 // x.size}] for {x.shape[0]} points, got {k}")
    f = partial(jnp.asarray, dtype=jnp.float32)
    b2, var, noise, mse = _mc_bias_variance(key, f(x), f(w), f(wt), f(q), f(noise_std), n_samples=k,
                                            inverted=inverted)
    return BiasVariance(float(b2), float(var), float(noise)), float(mse)


# --- additive against multiplicative noise ---------------------------------------------------------------


def relative_noise_additive(activation_rms, sigma) -> np.ndarray:
    """Noise-to-signal ratio sigma / rms(h) of h + N(0, sigma^2): it falls as the unit's activations grow."""
    rms = checks.check_array("activation_rms", activation_rms, ndim=None)
    sigma = checks.check_float("sigma", sigma, 0.0)
    if np.any(rms <= 0):
        raise ValueError(f"activation_rms must be > 0, got {checks.short_repr(rms.tolist())}")
    return sigma / rms


def relative_noise_multiplicative(keep) -> float:
    """Noise-to-signal ratio of inverted dropout h m / q (or matched Gaussian h (1 + eps)): sqrt((1-q)/q).

    std(h m / q) / |h| = sqrt((1 - q) / q) whatever the size of h, so growing the weights cannot hide it.
    """
    q = _keep(keep)
    return float(np.sqrt((1.0 - q) / q))
