"""Test-time predictions of a dropout network: weight scaling, Monte Carlo and exact ensembles.

Every function returns class probabilities (n, classes) as NumPy. Conventions (docs/ARCHITECTURE.md):
- keep is the per-layer keep probability q (keep[i] for the inputs of weight layer i); q = 1 never drops.
- params were trained with inverted dropout unless ``inverted=False``; then the weight-scaled network
  multiplies each layer's outgoing weights by q.
- arithmetic mean: sum_m p(m) p(y | x, m).
- geometric mean: exp(sum_m p(m) log p(y | x, m)), renormalised over classes. For keep = 0.5 this is the
  textbook's 2^d-th root of the product.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import system as _system  # noqa: F401  (first: its threefry lowering, see system.py)
from . import checks
from . import masks as masks_mod
from .network import ACTIVATIONS, HEADS, check_activation, forward, head_logits, scale_weights, sizes_of

# The engine's programs compile faster with the same numbers (see core.system.engine_compile_options).
_COMPILE = _system.engine_compile_options()

MEANS = ("arithmetic", "geometric")
MAX_MC_SAMPLES = 100_000
# Monte Carlo masks are drawn in fixed chunks: sample i comes from fold_in(key, i // MC_CHUNK), row
# i % MC_CHUNK. k is then a traced loop bound (moving the k slider compiles nothing) and the first k
# samples are the same whatever k is, so a class watches one sequence of subnetworks converge.
MC_CHUNK = 32
# Elements of the largest intermediate of one exact-ensemble chunk (float32): 2^22 is 16 MiB, which keeps
# the working set in cache-friendly pieces and memory bounded whatever d is.
EXACT_BUDGET = 2**22


class Ensemble(NamedTuple):
    """Both ensemble means at once, (n, classes) each, plus how many subnetworks were averaged."""

    arithmetic: np.ndarray
    geometric: np.ndarray
    n_masks: int


def _check(params, x, keep, activation, head):
    sizes = sizes_of(params)
    x_np = np.asarray(x)
    if x_np.ndim != 2 or x_np.shape[1] != sizes[0]:
        raise ValueError(f"x must have shape (n, {sizes[0]}) for this network, got {tuple(x_np.shape)}")
    checks.check_array("x", x_np, dtype=np.float32)
    x = jnp.asarray(x_np, jnp.float32)
    check_activation(activation)
    if head not in HEADS:
        raise ValueError(f"head must be one of {HEADS}, got {head!r}")
    keep = masks_mod.keep_tuple(keep, len(params))
    return sizes, x, keep


def _check_mean(mean):
    if mean not in MEANS:
        raise ValueError(f"mean must be one of {MEANS}, got {mean!r}")


@partial(jax.jit, static_argnames=("activation", "head", "inverted"), compiler_options=_COMPILE)
def _weight_scaled(params, x, keep, *, activation, head, inverted):
    if not inverted:
        params = scale_weights(params, keep)
    return jax.nn.softmax(head_logits(forward(params, x, activation=activation), head), axis=-1)


def predict_weight_scaled(params, x, keep, *, activation="relu", head="softmax", inverted=True) -> np.ndarray:
    """One forward pass of the full network with the weight scaling rule applied.

    With inverted dropout the trained weights already are the weight-scaled ones; with standard dropout
    (inverted=False) each layer's outgoing weights are multiplied by its keep q.
    """
    _, x, keep = _check(params, x, keep, activation, head)
    return np.asarray(_weight_scaled(params, x, jnp.asarray(keep), activation=activation, head=head,
                                     inverted=inverted))


def subnetwork_log_probs(params, x, layer_masks, keep, *, activation="relu", head="softmax") -> np.ndarray:
    """log p(y | x, m) for k explicit subnetworks.

    Args:
      layer_masks: one (k, sizes[i]) 0/1 array per weight layer (all ones where keep is 1).
    Returns:
      (k, n, classes) log class probabilities; inverted scaling 1/q on kept units.
    """
    _, x, keep = _check(params, x, keep, activation, head)
    if len(layer_masks) != len(params):
        raise ValueError(f"layer_masks needs one array per weight layer ({len(params)}), got {len(layer_masks)}")
    return np.asarray(_subnet_log_probs(params, x, [jnp.asarray(m, jnp.float32) for m in layer_masks],
                                        jnp.asarray(keep), activation=activation, head=head))


@partial(jax.jit, static_argnames=("activation", "head"), compiler_options=_COMPILE)
def _subnet_log_probs(params, x, layer_masks, keep, *, activation, head):
    ms = [m[:, None, :] for m in layer_masks]
    out = forward(params, x[None], ms, keep, activation=activation)
    return jax.nn.log_softmax(head_logits(out, head), axis=-1)


def sample_subnetwork_masks(key, sizes, keep, k) -> list[np.ndarray]:
    """The first k subnetwork masks that predict_mc(key, ...) averages: one (k, sizes[i]) array per layer."""
    keep = masks_mod.keep_tuple(keep, len(sizes) - 1)
    n_chunks = -(-int(k) // MC_CHUNK)
    chunks = [_mc_chunk_masks(jax.random.fold_in(key, c), tuple(sizes), jnp.asarray(keep)) for c in range(n_chunks)]
    return [np.concatenate([np.asarray(ch[i]) for ch in chunks])[:k] for i in range(len(sizes) - 1)]


@partial(jax.jit, static_argnames=("sizes",), compiler_options=_COMPILE)
def _mc_chunk_masks(key, sizes, keep):
    return masks_mod.sample_layer_masks(key, sizes, keep, batch=MC_CHUNK)


@partial(jax.jit, static_argnames=("activation", "head"), compiler_options=_COMPILE)
def _mc_sums(key, params, x, keep, k, *, activation, head):
    sizes = sizes_of(params)
    n_classes = head_logits(forward(params, x[:1], activation=activation), head).shape[-1]
    zero = jnp.zeros((x.shape[0], n_classes), jnp.float32)

    def body(c, carry):
        arith, geo = carry
        ms = masks_mod.sample_layer_masks(jax.random.fold_in(key, c), sizes, keep, batch=MC_CHUNK)
        out = forward(params, x[None], [m[:, None, :] for m in ms], keep, activation=activation)
        lsm = jax.nn.log_softmax(head_logits(out, head), axis=-1)  # (C, n, classes)
        w = ((c * MC_CHUNK + jnp.arange(MC_CHUNK)) < k).astype(jnp.float32)  # samples past k weigh 0
        return arith + jnp.einsum("m,mnc->nc", w, jnp.exp(lsm)), geo + jnp.einsum("m,mnc->nc", w, lsm)

    n_chunks = (k + MC_CHUNK - 1) // MC_CHUNK
    arith, geo = jax.lax.fori_loop(0, n_chunks, body, (zero, zero))
    return arith / k, geo / k


def _renormalise_log(geo_log):
    """Geometric mean from the p(mask)-weighted sum of log-probabilities: exp, then renormalise over classes."""
    return jax.nn.softmax(geo_log, axis=-1)


def mc_ensemble(key, params, x, keep, k, *, activation="relu", head="softmax") -> Ensemble:
    """Monte Carlo ensemble over k sampled subnetworks (each mask shared by all inputs), both means."""
    _, x, keep = _check(params, x, keep, activation, head)
    if int(k) != k or k < 1 or k > MAX_MC_SAMPLES:
        raise ValueError(f"k must be an integer in [1, {MAX_MC_SAMPLES}], got {k}")
    arith, geo = _mc_sums(key, params, x, jnp.asarray(keep), jnp.int32(k), activation=activation, head=head)
    return Ensemble(np.asarray(arith), np.asarray(_renormalise_log(geo)), int(k))


def predict_mc(key, params, x, keep, k, *, mean="arithmetic", activation="relu", head="softmax") -> np.ndarray:
    """Class probabilities averaged over k sampled subnetworks: (1/k) sum p(y|x,m) or its geometric form."""
    _check_mean(mean)
    ens = mc_ensemble(key, params, x, keep, k, activation=activation, head=head)
    return ens.arithmetic if mean == "arithmetic" else ens.geometric


def _pow2_floor(v: int) -> int:
    return 1 << max(0, int(v).bit_length() - 1)


class _Plan(NamedTuple):
    """Static shape of an exact enumeration (see _exact_block)."""

    droppable: tuple[bool, ...]  # per weight layer
    outer_layers: tuple[int, ...]  # droppable layers before the last droppable one
    last: int  # the last droppable layer (its units are enumerated innermost)
    d_outer: int
    d_inner: int
    chunk_outer: int
    chunk_inner: int
    chunks_per_block: int
    n_blocks: int


def _plan(sizes, keep, n, n_classes) -> _Plan:
    drop = tuple(q < 1.0 for q in keep)
    layers = [i for i, dr in enumerate(drop) if dr]
    last = layers[-1]
    outer = tuple(layers[:-1])
    d_outer = sum(sizes[i] for i in outer)
    d_inner = sizes[last]
    # The inner layer feeds a linear map when it is the last weight layer: logits = b + m @ G, a single
    # matrix product per chunk. Otherwise the rest of the network runs per inner mask.
    w_inner = n_classes if last == len(keep) - 1 else max(sizes[last:])
    chunk_inner = min(2**d_inner, _pow2_floor(max(1, EXACT_BUDGET // (n * w_inner))))
    w_outer = max(sizes[: last + 1])
    chunk_outer = min(2**d_outer, _pow2_floor(max(1, EXACT_BUDGET // (chunk_inner * n * w_inner))),
                      _pow2_floor(max(1, EXACT_BUDGET // (n * w_outer))))
    total = (2**d_outer // chunk_outer) * (2**d_inner // chunk_inner)
    n_blocks = min(total, 16)  # blocks give progress callbacks; a power of two divides total evenly
    return _Plan(drop, outer, last, d_outer, d_inner, chunk_outer, chunk_inner, total // n_blocks, n_blocks)


def _bits(ids, d):
    return ((ids[:, None] >> jnp.arange(d)) & 1).astype(jnp.float32)


@partial(jax.jit, static_argnames=("plan", "activation", "head", "n_classes"), compiler_options=_COMPILE)
def _exact_block(params, x, keep, block, *, plan: _Plan, activation, head, n_classes):
    """Sums over one block of mask chunks: (sum_m p(m) p(y|x,m), sum_m p(m) logits(x,m)), each (n, classes)."""
    act = ACTIVATIONS[activation]
    sizes = sizes_of(params)
    n_layers = len(params)
    first = plan.outer_layers[0] if plan.outer_layers else plan.last
    # Layers before the first droppable one do not depend on any mask: compute them once.
    h0 = x
    for i in range(first):
        h0 = act(h0 @ params[i][0] + params[i][1])
    q_inner = keep[plan.last]
    q_outer = jnp.concatenate([jnp.full((sizes[i],), keep[i]) for i in plan.outer_layers]) if plan.outer_layers \
        else jnp.zeros((0,))
    n_inner_chunks = 2**plan.d_inner // plan.chunk_inner
    w_last, b_last = params[plan.last]
    linear_inner = plan.last == n_layers - 1

    def outer_h(o_chunk):
        """Input of the last droppable layer for a chunk of outer masks: (Co, n, sizes[last])."""
        ids = o_chunk * plan.chunk_outer + jnp.arange(plan.chunk_outer)
        bits = _bits(ids, plan.d_outer)
        logp = masks_mod.mask_log_prob(bits, q_outer) if plan.d_outer else jnp.zeros((plan.chunk_outer,))
        h = jnp.broadcast_to(h0, (plan.chunk_outer,) + h0.shape)
        offset = 0
        for i in range(first, plan.last):
            if plan.droppable[i]:
                m = bits[:, offset:offset + sizes[i]]
                offset += sizes[i]
                h = h * (m[:, None, :] / keep[i])
            h = act(h @ params[i][0] + params[i][1])
        return h, logp

    def chunk_sums(t):
        o_chunk, i_chunk = t // n_inner_chunks, t % n_inner_chunks
        h, logp_o = outer_h(o_chunk)
        ids = i_chunk * plan.chunk_inner + jnp.arange(plan.chunk_inner)
        m = _bits(ids, plan.d_inner)  # (Ci, H)
        logp_i = masks_mod.mask_log_prob(m, jnp.full((plan.d_inner,), q_inner))
        w = jnp.exp(logp_o[:, None] + logp_i[None, :])  # p(mask), (Co, Ci)
        if linear_inner and n_classes == 2:
            # Two classes: only the logit difference matters. d[o,i,n] = db + sum_j (m_ij / q) h_onj dW_j is
            # one batched matrix product, and p(class 1) = sigmoid(d).
            w_diff = head_logits(w_last, head) if head == "sigmoid" else w_last
            b_diff = head_logits(b_last, head)
            g = (h * (w_diff[:, 1] - w_diff[:, 0])).transpose(0, 2, 1)  # (Co, H, n)
            dlogit = jnp.einsum("ij,ojn->oin", m / q_inner, g) + (b_diff[1] - b_diff[0])
            p1 = jnp.einsum("oi,oin->n", w, jax.nn.sigmoid(dlogit))
            arith = jnp.stack([jnp.sum(w) - p1, p1], axis=-1)
            geo = jnp.stack([jnp.zeros_like(p1), jnp.einsum("oi,oin->n", w, dlogit)], axis=-1)
            return arith, geo
        if linear_inner:
            # logits[o, i, n, c] = b_c + sum_j (m_ij / q) h_onj W_jc: one batched matrix product.
            g = (h[..., :, None] * w_last[None, None]).transpose(0, 2, 1, 3).reshape(h.shape[0], sizes[plan.last], -1)
            out = jnp.einsum("ij,ojk->oik", m / q_inner, g).reshape(h.shape[0], plan.chunk_inner, h.shape[1], -1)
            out = out + b_last
        else:
            hm = h[:, None] * (m / q_inner)[None, :, None, :]
            out = hm @ w_last + b_last
            for i in range(plan.last + 1, n_layers):
                out = act(out) @ params[i][0] + params[i][1]
        logits = head_logits(out, head)  # (Co, Ci, n, classes)
        # Geometric mean: sum_m p(m) log softmax(l_m) = sum_m p(m) l_m - (a term equal for every class), and
        # renormalising over classes removes that term, so the p(m)-weighted mean of the logits suffices.
        return jnp.einsum("oi,oinc->nc", w, jax.nn.softmax(logits, axis=-1)), jnp.einsum("oi,oinc->nc", w, logits)

    def body(j, carry):
        a, g = chunk_sums(block * plan.chunks_per_block + j)
        return carry[0] + a, carry[1] + g

    zero = jnp.zeros((x.shape[0], n_classes), jnp.float32)
    return jax.lax.fori_loop(0, plan.chunks_per_block, body, (zero, zero))


def exact_ensemble(params, x, keep, *, activation="relu", head="softmax",
                   progress: Callable[[float], None] | None = None,
                   on_progress: Callable[[int, int], None] | None = None) -> Ensemble:
    """Exact ensemble over all 2^d subnetworks of the droppable units (keep < 1), both means.

    Streams over chunks of masks: memory stays bounded whatever d is. Raises ValueError when d exceeds
    masks.MAX_EXACT_UNITS (use Monte Carlo instead). ``progress`` is called with the fraction done,
    ``on_progress`` with (blocks done, blocks in all) after each block of masks: a place to stop between blocks.
    """
    sizes, x, keep = _check(params, x, keep, activation, head)
    if head == "identity":
        raise ValueError("head must be 'softmax' or 'sigmoid' for an ensemble of class probabilities")
    d = masks_mod.n_subnetworks_log2(sizes, keep)
    if d > masks_mod.MAX_EXACT_UNITS:
        raise ValueError(
            f"an exact ensemble over d = {d} droppable units means 2^{d} = {2**d:,} subnetworks; d must be at "
            f"most {masks_mod.MAX_EXACT_UNITS}. Use Monte Carlo (predict_mc) instead."
        )
    if d == 0:  # nothing is dropped: the one subnetwork is the full network
        p = predict_weight_scaled(params, x, keep, activation=activation, head=head)
        return Ensemble(p, p, 1)
    n_classes = int(head_logits(jnp.zeros((1, sizes[-1])), head).shape[-1])
    plan = _plan(sizes, keep, x.shape[0], n_classes)
    keep_arr = jnp.asarray(keep, jnp.float32)
    arith = np.zeros((x.shape[0], n_classes), np.float64)
    geo = np.zeros_like(arith)
    for b in range(plan.n_blocks):
        a, g = _exact_block(params, x, keep_arr, jnp.int32(b), plan=plan, activation=activation, head=head,
                            n_classes=n_classes)
        arith += np.asarray(a, np.float64)
        geo += np.asarray(g, np.float64)
        if progress is not None:
            progress((b + 1) / plan.n_blocks)
        if on_progress is not None:
            on_progress(b + 1, plan.n_blocks)
    geo_p = np.exp(geo - geo.max(axis=-1, keepdims=True))
    return Ensemble(arith.astype(np.float32), (geo_p / geo_p.sum(-1, keepdims=True)).astype(np.float32), 2**d)


def predict_exact(params, x, keep, *, mean="arithmetic", activation="relu", head="softmax", progress=None) -> np.ndarray:
    """Exact ensemble over every mask of the droppable units, arithmetic or renormalised geometric mean."""
    _check_mean(mean)
    ens = exact_ensemble(params, x, keep, activation=activation, head=head, progress=progress)
    return ens.arithmetic if mean == "arithmetic" else ens.geometric


@partial(jax.jit, static_argnames=("activation",), compiler_options=_COMPILE)
def _mc_regression(key, params, x, keep, k, *, activation):
    sizes = sizes_of(params)
    zero = jnp.zeros((x.shape[0],), jnp.float32)

    # Variance by merging centred chunk moments (Chan, Golub & LeVeque 1979) instead of E[y^2] - E[y]^2:
    # in float32 the latter cancels catastrophically when the outputs sit far from 0 (a std of 0.03 on
    # outputs near 30 came out 0.026). Each chunk is centred on its own mean, so nothing large is squared.
    def body(c, carry):
        n_a, mean_a, m2_a = carry
        ms = masks_mod.sample_layer_masks(jax.random.fold_in(key, c), sizes, keep, batch=MC_CHUNK)
        y = forward(params, x[None], [m[:, None, :] for m in ms], keep, activation=activation)[..., 0]
        w = ((c * MC_CHUNK + jnp.arange(MC_CHUNK)) < k).astype(jnp.float32)
        n_c = jnp.sum(w)
        mean_c = (w @ y) / n_c
        m2_c = w @ ((y - mean_c) ** 2)
        n = n_a + n_c
        delta = mean_c - mean_a
        return n, mean_a + delta * (n_c / n), m2_a + m2_c + delta * delta * (n_a * n_c / n)

    _, mean, m2 = jax.lax.fori_loop(0, (k + MC_CHUNK - 1) // MC_CHUNK, body, (jnp.float32(0.0), zero, zero))
    return mean, m2 / k


def mc_regression(key, params, x, keep, k, *, activation="relu") -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo dropout for a 1-output regression net: predictive mean and variance over k masks, (n,) each."""
    sizes, x, keep = _check(params, x, keep, activation, "identity")
    if sizes[-1] != 1:
        raise ValueError(f"mc_regression needs a network with 1 output, got {sizes[-1]}")
    k = checks.check_int("k", k, 2, MAX_MC_SAMPLES)
    mean, var = _mc_regression(key, params, x, jnp.asarray(keep), jnp.int32(k), activation=activation)
    return np.asarray(mean), np.asarray(var)


def exact_cost(sizes, keep) -> tuple[int, float]:
    """(d, log10 of the number of subnetworks) for display: 2^d subnetworks."""
    d = masks_mod.n_subnetworks_log2(sizes, masks_mod.keep_tuple(keep, len(sizes) - 1))
    return d, d * math.log10(2)
