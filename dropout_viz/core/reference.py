"""Plain-NumPy reference: an MLP trained with inverted dropout and Adam, written out by hand.

It is the yardstick of the benchmark (how much the jitted engine gains) and an independent check of the
engine's gradients in the tests. ReLU hidden layers, softmax cross-entropy, no penalties.
"""
from __future__ import annotations

import numpy as np

from . import checks


def forward_backward(params, x, y, mults):
    """Loss and gradients of the mean softmax cross-entropy of a ReLU MLP with unit multipliers.

    Args:
      params: list of (W (fan_in, fan_out), b) NumPy arrays.
      x: (batch, fan_in); y: (batch,) integer labels.
      mults: one (batch, fan_in) multiplier per weight layer (m / q for inverted dropout; ones for none).
    Returns:
      (loss, grads) with grads shaped like params.
    """
    acts, pre = [], []
    h = x
    for i, (w, b) in enumerate(params):
        hin = h * mults[i]
        acts.append(hin)
        z = hin @ w + b
        pre.append(z)
        h = np.maximum(z, 0.0) if i < len(params) - 1 else z
    z = h - h.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -logp[np.arange(n), y].mean()
    dz = np.exp(logp)
    dz[np.arange(n), y] -= 1.0
    dz /= n
    grads = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        w, _ = params[i]
        grads[i] = (acts[i].T @ dz, dz.sum(axis=0))
        if i > 0:
            dz = (dz @ w.T) * mults[i] * (pre[i - 1] > 0)
    return loss, grads


def adam_init(params):
    """Zero first and second moments."""
    return [(np.zeros_like(w), np.zeros_like(b)) for w, b in params], [(np.zeros_like(w), np.zeros_like(b))
                                                                      for w, b in params], 0


def adam_step(params, grads, state, lr, b1=0.9, b2=0.999, eps=1e-8):
    """One Adam update (optax.adam's defaults). Returns (params, state)."""
    m, v, t = state
    t += 1
    new_p, new_m, new_v = [], [], []
    for (w, b), (gw, gb), (mw, mb), (vw, vb) in zip(params, grads, m, v):
        out = []
        for p, g, mm, vv in ((w, gw, mw, vw), (b, gb, mb, vb)):
            mm = b1 * mm + (1 - b1) * g
            vv = b2 * vv + (1 - b2) * g * g
            p = p - lr * (mm / (1 - b1**t)) / (np.sqrt(vv / (1 - b2**t)) + eps)
            out.append((p, mm, vv))
        new_p.append((out[0][0], out[1][0]))
        new_m.append((out[0][1], out[1][1]))
        new_v.append((out[0][2], out[1][2]))
    return new_p, (new_m, new_v, t)


def train_steps(params, x, y, keep, lr, n_steps, batch, rng: np.random.Generator):
    """n_steps of minibatch Adam with inverted dropout (keep per weight layer). Returns (params, losses)."""
    keep = checks.check_keep("keep", keep)
    if not isinstance(keep, tuple) or len(keep) != len(params):
        raise ValueError(f"keep needs one value per weight layer ({len(params)}), got {keep}")
    lr = checks.check_float("lr", lr, 0.0, open_lo=True)
    n_steps = checks.check_count("n_steps", n_steps)
    batch = checks.check_count("batch", batch, 1)
    checks.check_array("x", x, ndim=2)
    state = adam_init(params)
    losses = np.empty(n_steps)
    for t in range(n_steps):
        idx = rng.integers(0, len(x), batch)
        mults = [(rng.random((batch, w.shape[0])) < q) / q for (w, _), q in zip(params, keep)]
        losses[t], grads = forward_backward(params, x[idx], y[idx], mults)
        params, state = adam_step(params, grads, state, lr)
    return params, losses
