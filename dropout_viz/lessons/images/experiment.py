"""Dropout for images: element-wise, spatial (channel) and DropBlock masks on a small CNN's feature maps.

Conventions: q is the keep probability (drop rate p = 1 − q). The masks sit on the feature maps after each
convolution's ReLU (both conv layers), and dropout is inverted:

    element-wise   m ~ Bernoulli(q) per activation (example, row, column, channel); kept values × 1/q
    spatial        m ~ Bernoulli(q) per (example, channel), the same at every position (Tompson et al. 2015);
                   kept channels × 1/q
    DropBlock      per (example, channel), block seeds ~ Bernoulli(γ) at the positions where a b × b block fits
                   inside the map; every position under a seed's block is dropped (Ghiasi et al. 2018). Kept
                   values are divided by the realised kept fraction of that example's feature map (all
                   channels), as in Ghiasi et al.'s code, since γ only approximates q.

Ghiasi's γ for an H × W map:  γ = (1 − q)/b² · H W / ((H − b + 1)(W − b + 1)).
Exactly, position p is covered by n_p possible seeds, so P(p kept) = (1 − γ)^{n_p} and

    E[kept fraction] = (1 / H W) Σ_p (1 − γ)^{n_p}          (≥ q: overlapping blocks drop some positions twice)

The per-example kept fraction has variance q(1 − q)/(H W C) for element-wise masks and q(1 − q)/C for spatial
ones: a channel mask is the same coin for all H W positions.

All three kinds are one traced computation (the kind is a number: 0 none, 1 element-wise, 2 spatial,
3 DropBlock), and so are the block size and keep: moving a slider compiles nothing. Keys come from
core.rng.fast_key (the rbg generator: it compiles in a fraction of a second on a CPU, where threefry takes
seconds for these shapes).

Run ``python -m dropout_viz.lessons.images.experiment`` for a summary of the default views.
"""
from __future__ import annotations

import dataclasses
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from dropout_viz.core import rng
from dropout_viz.core.checks import check_float, check_int, check_keep
from dropout_viz.core.datasets import _digits_arrays

KINDS = ("none", "element", "spatial", "dropblock")  # the kind's number is its index here
SIDE = 8  # the digits are 8 × 8; 'SAME' convolutions keep every feature map 8 × 8
DN = ("NHWC", "HWIO", "NHWC")  # lax.conv_general_dilated's names for the layouts used here
# Programs whose run is short next to their compilation (the default view's one network, its evaluation, the
# sampled masks) compile with XLA's backend optimisation off and its older fusion emitters (the CPU option; other
# backends ignore it): on the 2-core VM the default view's training compiles and runs in 2.2 s instead of 2.7 s at
# level 1, and the mask sampler in 0.2 s instead of 1.1 s. The four-kind training runs long and keeps the full
# optimisation.
QUICK = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}


@dataclasses.dataclass(frozen=True)
class Config:
    n_train: int = 200  # few digits: the CNN learns them by heart, so a regulariser has something to do
    n_test: int = 1000  # one image is 0.1 points of test error
    channels: tuple = (8, 16)  # conv 3×3 ×8 → ReLU → mask → conv 3×3 ×16 → ReLU → mask → 2×2 mean pool → dense
    steps: int = 600  # Adam steps of the compared networks: masked training needs about twice the plain steps
    view_steps: int = 200  # the default view's plain network: its feature maps have settled by then
    batch: int = 32
    lr: float = 3e-3
    n_probe: int = 300  # test digits whose feature maps are shown and correlated
    n_masks: int = 2000  # sampled masks per kind for the realised rates (standard error of a rate < 0.002)


CONFIG = Config()


def seed_key(seed: int, *folds: int) -> jax.Array:
    """The lesson's keys: core.rng.fast_key (rbg), seed in [0, 2^31 − 1]."""
    return rng.fast_key(check_int("seed", seed, 0, 2**31 - 1), *folds)


def check_block(block, side: int = SIDE) -> int:
    return check_int("block", block, 1, side - 1)


# --- masks --------------------------------------------------------------------------------------------------

def ghiasi_gamma(keep, block, side: int = SIDE):
    """Ghiasi et al.'s seed rate γ = (1 − q)/b² · S² / (S − b + 1)² for an S × S map (NumPy or traced)."""
    return (1 - keep) / block**2 * side**2 / (side - block + 1) ** 2


def seed_counts(block: int, side: int = SIDE) -> np.ndarray:
    """n_p: for each position of an S × S map, how many valid block seeds (top-left corners of a b × b block
    inside the map) cover it; shape (S, S)."""
    block = check_block(block, side)
    i = np.arange(side)
    per_axis = np.minimum(i, side - block) - np.maximum(0, i - block + 1) + 1
    return np.outer(per_axis, per_axis)


def dropblock_keep(keep: float, block: int, side: int = SIDE) -> float:
    """The exact expected kept fraction of a DropBlock mask: mean over positions of (1 − γ)^{n_p}."""
    keep = check_keep("keep", keep)
    counts = seed_counts(block, side)
    return float(np.mean((1 - ghiasi_gamma(keep, block, side)) ** counts))


def _cover(block, side: int = SIDE):
    """(S², S²) matrix: entry [p, s] is 1 when the b × b block with top-left corner s covers position p and s is
    a valid seed (the block lies inside the map). b is traced: every block size is the same program."""
    pos = jnp.arange(side * side)
    r, c = pos // side, pos % side
    dr, dc = r[:, None] - r[None, :], c[:, None] - c[None, :]
    valid = (r <= side - block) & (c <= side - block)
    return ((dr >= 0) & (dr < block) & (dc >= 0) & (dc < block) & valid[None, :]).astype(jnp.float32)


def _element(u, keep):
    return (u < keep) / keep


def _spatial(u, keep):
    return jnp.broadcast_to((u[:, :1, :1, :] < keep) / keep, u.shape)


def _dropblock(u, keep, block):
    n, h, w, c = u.shape
    seeds = (u < ghiasi_gamma(keep, block, h)).astype(jnp.float32).transpose(0, 3, 1, 2).reshape(n, c, h * w)
    kept = (seeds @ _cover(block, h).T == 0).astype(jnp.float32)  # (n, c, h·w)
    frac = kept.mean((1, 2), keepdims=True)  # the realised kept fraction of each example's map
    return (kept / jnp.maximum(frac, 1.0 / (c * h * w))).reshape(n, c, h, w).transpose(0, 2, 3, 1)


def scaled_masks(key, shape, keep, block, kind):
    """The mask of kind ``kind`` times its inverted-dropout scale, for NHWC feature maps of ``shape``.

    One uniform draw u per activation serves every kind (only one is used): element-wise keeps u < q, spatial
    keeps a channel when u at its top-left position is < q, DropBlock seeds a block where u < γ.
    keep, block and kind are traced values.
    """
    u = jax.random.uniform(key, shape)
    return jnp.select([kind == 0, kind == 1, kind == 2],
                      [jnp.ones(shape), _element(u, keep), _spatial(u, keep)], _dropblock(u, keep, block))


@partial(jax.jit, static_argnames=("n", "channels"), compiler_options=QUICK)
def _sample_masks(key, keep, block, *, n, channels):
    """(3, n, S, S, C) 0/1 masks of the three kinds (element-wise, spatial, DropBlock) from independent keys,
    drawn as in training (the same functions of a uniform draw)."""
    keys = jax.random.split(key, 3)
    shape = (n, SIDE, SIDE, channels)
    return jnp.stack([_element(jax.random.uniform(keys[0], shape), keep) > 0,
                      _spatial(jax.random.uniform(keys[1], shape), keep) > 0,
                      _dropblock(jax.random.uniform(keys[2], shape), keep, block) > 0])


class MaskSample(NamedTuple):
    masks: np.ndarray  # (3, n, S, S, C) bool: element-wise, spatial, DropBlock
    kept: np.ndarray  # (3,) realised kept fraction over all n maps
    kept_se: np.ndarray  # (3,) its standard error over the n maps
    kept_closed: np.ndarray  # (3,) closed form: q, q, the exact DropBlock expectation
    sd_per_map: np.ndarray  # (3,) sd over the n maps of each map's kept fraction
    sd_closed: np.ndarray  # (3,) closed form: √(q(1−q)/(S²C)), √(q(1−q)/C), NaN (no closed form)
    gamma: float  # Ghiasi's seed rate


def sample_masks(seed: int, keep: float, block: int, channels: int = CONFIG.channels[0],
                 n: int = CONFIG.n_masks) -> MaskSample:
    """n masks of each kind for S × S × C maps, and their realised kept fractions against the closed forms."""
    keep = check_keep("keep", keep)
    block = check_block(block)
    n = check_int("n", n, 2, 10**5)
    channels = check_int("channels", channels, 1, 256)
    m = np.asarray(_sample_masks(seed_key(seed, 3), jnp.float32(keep), jnp.int32(block), n=n, channels=channels))
    per_map = m.reshape(3, n, -1).mean(-1)
    var = keep * (1 - keep)
    return MaskSample(m, per_map.mean(1), per_map.std(1, ddof=1) / np.sqrt(n),
                      np.array([keep, keep, dropblock_keep(keep, block)]), per_map.std(1, ddof=1),
                      np.array([np.sqrt(var / (SIDE * SIDE * channels)), np.sqrt(var / channels), np.nan]),
                      float(ghiasi_gamma(keep, block)))


# --- the CNN ------------------------------------------------------------------------------------------------

def digits_images(config: Config = CONFIG):
    """(x_train, y_train, x_test, y_test): 8×8 digits as (n, 8, 8, 1) images in [0, 1]; one fixed split."""
    x, y = _digits_arrays()
    order = np.random.default_rng(0).permutation(len(y))
    tr, te = order[:config.n_train], order[config.n_train:config.n_train + config.n_test]
    img = x.reshape(-1, SIDE, SIDE, 1)
    return img[tr], y[tr], img[te], y[te]


def init_cnn(key, channels=CONFIG.channels):
    """He-normal conv weights (HWIO), zero biases, a dense layer from the 2×2-pooled 4×4×C₂ maps to 10 classes."""
    c1, c2 = channels
    k1, k2, k3 = jax.random.split(key, 3)
    flat = (SIDE // 2) ** 2 * c2
    return {"w1": jax.random.normal(k1, (3, 3, 1, c1)) * np.sqrt(2 / 9), "b1": jnp.zeros(c1),
            "w2": jax.random.normal(k2, (3, 3, c1, c2)) * np.sqrt(2 / (9 * c1)), "b2": jnp.zeros(c2),
            "w3": jax.random.normal(k3, (flat, 10)) * np.sqrt(1 / flat), "b3": jnp.zeros(10)}


def conv3x3(x, w, b):
    """A 3×3 'SAME' convolution, NHWC × HWIO, written as patches @ weights.

    The same numbers as lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=DN) + b (a unit test
    checks it), but XLA's CPU convolution inside a training loop (lax.scan) runs about ten times slower than this
    matrix product of the nine shifted copies.
    """
    s_h, s_w = x.shape[1], x.shape[2]
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    patches = jnp.concatenate([xp[:, i:i + s_h, j:j + s_w, :] for i in range(3) for j in range(3)], -1)
    return patches @ w.reshape(-1, w.shape[-1]) + b


def cnn_forward(params, x, key=None, hp=None):
    """(logits, maps 1, maps 2): the feature maps after each ReLU, before their mask. With a key, hp's kind,
    keep and block choose the masks (inverted scaling) on both maps."""
    h1 = jax.nn.relu(conv3x3(x, params["w1"], params["b1"]))
    a1 = h1
    if key is not None:
        k1, k2 = jax.random.split(key)
        a1 = h1 * scaled_masks(k1, h1.shape, hp["keep"], hp["block"], hp["kind"])
    h2 = jax.nn.relu(conv3x3(a1, params["w2"], params["b2"]))
    a2 = h2
    if key is not None:
        a2 = h2 * scaled_masks(k2, h2.shape, hp["keep"], hp["block"], hp["kind"])
    n, s, _, c = a2.shape
    pooled = a2.reshape(n, s // 2, 2, s // 2, 2, c).mean((2, 4)).reshape(n, -1)
    return pooled @ params["w3"] + params["b3"], h1, h2


_STATIC = ("steps", "batch", "lr", "masked", "channels")


def _fit_and_test(keys, hp, x, y, x_test, y_test, x_probe, *, steps, batch, lr, masked, channels):
    """Trains len(hp) CNNs together (vmapped), each with its hp (kind, keep, block: data, not code); returns each
    one's test error and its feature maps (before the masks) of the probe digits. ``keys`` is one key per CNN, or a
    single key that all of them share: then they draw the very same random numbers (initial weights, minibatches,
    uniforms). A stack of equal keys would not do that: under vmap the rbg generator draws a batch's numbers from
    its first key's stream, so row i gets other numbers than key i alone would give."""
    tx = optax.adam(lr)

    def one(key, h):
        p = init_cnn(jax.random.fold_in(key, 0), channels)

        def loss(p, k):
            kb, km = jax.random.split(k)
            idx = jax.random.randint(kb, (batch,), 0, x.shape[0])
            logits, _, _ = cnn_forward(p, x[idx], km if masked else None, h)
            return optax.softmax_cross_entropy_with_integer_labels(logits, y[idx]).mean()

        def body(carry, i):
            p, o = carry
            g = jax.grad(loss)(p, jax.random.fold_in(key, i + 1))
            upd, o = tx.update(g, o, p)
            return (optax.apply_updates(p, upd), o), None
        (p, _), _ = lax.scan(body, (p, tx.init(p)), jnp.arange(steps))
        logits, _, _ = cnn_forward(p, x_test)
        _, m1, m2 = cnn_forward(p, x_probe)
        return jnp.mean(jnp.argmax(logits, -1) != y_test), m1, m2
    return jax.vmap(one, in_axes=(0 if keys.ndim else None, 0))(keys, hp)


# The default view's one network compiles quickly (QUICK); the four kinds' training runs long and is optimised.
_fit_quick = jax.jit(_fit_and_test, static_argnames=_STATIC, compiler_options=QUICK)
_fit = jax.jit(_fit_and_test, static_argnames=_STATIC)


def _hp(kinds, keep, block):
    k = len(kinds)
    return {"kind": jnp.asarray(kinds, jnp.int32), "keep": jnp.full(k, keep, jnp.float32),
            "block": jnp.full(k, block, jnp.int32)}


class Trained(NamedTuple):
    test_error: float
    maps1: np.ndarray  # (n_probe, 8, 8, C₁) feature maps after the first ReLU, probe digits
    maps2: np.ndarray  # (n_probe, 8, 8, C₂)
    probe_images: np.ndarray  # (n_probe, 8, 8)
    probe_labels: np.ndarray  # (n_probe,)


def train_plain(seed: int = 0, config: Config = CONFIG) -> Trained:
    """The default view's network: the CNN trained without dropout, and its feature maps of the probe digits."""
    x_tr, y_tr, x_te, y_te = digits_images(config)
    probe = x_te[:config.n_probe]
    err, m1, m2 = _fit_quick(seed_key(seed, 1)[None], _hp([0], 1.0, 1), x_tr, y_tr, x_te, y_te, probe,
                             steps=config.view_steps, batch=config.batch, lr=config.lr, masked=False,
                             channels=config.channels)
    return Trained(float(err[0]), np.asarray(m1[0]), np.asarray(m2[0]), probe[..., 0], y_te[:config.n_probe])


# --- correlation of neighbouring activations ----------------------------------------------------------------

class Correlation(NamedTuple):
    distance: np.ndarray  # (D,) pixel offsets 1..D along rows and columns
    corr: np.ndarray  # (D,) correlation of a(p) and a(p + d), pooled over channels, rows and columns
    shuffled: float  # the same for a(p) and a(p') at random positions p' of the same map
    shuffled_other: float  # a(p) against a(p') at random positions of another channel: the floor


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else 0.0


def neighbour_correlation(maps: np.ndarray, seed: int = 0, max_distance: int = SIDE // 2) -> Correlation:
    """Correlation of activations d pixels apart in the same channel, per channel, averaged over the channels that
    are not dead; against pairs at shuffled positions of the same map (and of another channel).

    Args:
      maps: (n, S, S, C) feature maps (after ReLU).
    """
    maps = np.asarray(maps, np.float64)
    if maps.ndim != 4:
        raise ValueError(f"maps must have shape (n, rows, cols, channels), got {maps.shape}")
    max_distance = check_int("max_distance", max_distance, 1, maps.shape[1] - 1)
    n, s, _, c = maps.shape
    live = [k for k in range(c) if maps[..., k].std() > 0]
    if not live:
        raise ValueError("maps must have at least one channel that is not constant")
    dist = np.arange(1, max_distance + 1)
    corr = []
    for d in dist:
        per = []
        for k in live:
            m = maps[..., k]
            a = np.concatenate([m[:, :, :-d].ravel(), m[:, :-d, :].ravel()])
            b = np.concatenate([m[:, :, d:].ravel(), m[:, d:, :].ravel()])
            per.append(_pearson(a, b))
        corr.append(np.mean(per))
    g = np.random.default_rng(seed)
    flat = maps.reshape(n, s * s, c)
    p1 = g.integers(0, s * s, (n, 64))
    p2 = (p1 + g.integers(1, s * s, (n, 64))) % (s * s)  # another position of the same map, never p itself
    same, other = [], []
    for k in live:
        a = np.take_along_axis(flat[..., k], p1, 1).ravel()
        same.append(_pearson(a, np.take_along_axis(flat[..., k], p2, 1).ravel()))
        k2 = live[(live.index(k) + 1) % len(live)]
        other.append(_pearson(a, np.take_along_axis(flat[..., k2], p2, 1)[g.permutation(n)].ravel()))
    return Correlation(dist, np.array(corr), float(np.mean(same)), float(np.mean(other)))


def applied(feature: np.ndarray, masks: np.ndarray, keep: float):
    """What the next layer receives from one feature map under each kind of mask.

    Args:
      feature: (S, S, C) activations.
      masks: (3, S, S, C) 0/1 masks: element-wise, spatial, DropBlock.
    Returns:
      shown (4, S, S, C): the map, then map × mask × scale for each kind; dropped (4, S, S, C) bool; scales (3,):
      1/q, 1/q and 1 / (this map's realised DropBlock kept fraction).
    """
    keep = check_keep("keep", keep)
    f = np.asarray(feature, np.float64)
    m = np.asarray(masks, bool)
    if m.shape != (3,) + f.shape:
        raise ValueError(f"masks must have shape (3,) + feature.shape = {(3,) + f.shape}, got {m.shape}")
    kept_block = m[2].mean()
    scales = np.array([1 / keep, 1 / keep, 1 / max(kept_block, 1 / m[2].size)])
    shown = np.concatenate([f[None], m * f[None] * scales[:, None, None, None]])
    dropped = np.concatenate([np.zeros((1,) + f.shape, bool), ~m])
    return shown, dropped, scales


class LayerCorrelations(NamedTuple):
    distance: np.ndarray  # (D,)
    corr: np.ndarray  # (3, D): input pixels, feature maps 1, feature maps 2
    shuffled: np.ndarray  # (3,)


def layer_correlations(trained: Trained) -> LayerCorrelations:
    """neighbour_correlation of the probe digits' pixels and of both layers' feature maps."""
    cs = [neighbour_correlation(m) for m in (trained.probe_images[..., None], trained.maps1, trained.maps2)]
    return LayerCorrelations(cs[0].distance, np.stack([c.corr for c in cs]), np.array([c.shuffled for c in cs]))


# --- test error of each kind over seeds ---------------------------------------------------------------------

class Comparison(NamedTuple):
    errors: np.ndarray  # (4, seeds) test error: none, element-wise, spatial, DropBlock
    keep: float
    block: int


def compare(seeds: int = 3, keep: float = 0.8, block: int = 3, config: Config = CONFIG,
            on_progress: Callable | None = None) -> Comparison:
    """Test error of the CNN with no masks, element-wise, spatial and DropBlock masks, seeds 0..seeds−1.

    One compiled program trains the four kinds together (vmapped, the kind is data); it runs once per seed (the
    progress bar's steps). Seed s gives the four kinds the same initial weights, minibatches and uniforms.
    """
    seeds = check_int("seeds", seeds, 1, 10)
    keep = check_keep("keep", keep)
    block = check_block(block)
    x_tr, y_tr, x_te, y_te = digits_images(config)
    hp = _hp(range(4), keep, block)
    out = np.zeros((4, seeds))
    for s in range(seeds):
        err, _, _ = _fit(seed_key(s, 2), hp, x_tr, y_tr, x_te, y_te, x_te[:1], steps=config.steps, batch=config.batch,
                         lr=config.lr, masked=True, channels=config.channels)
        out[:, s] = np.asarray(err)
        if on_progress is not None:
            on_progress(s + 1, seeds)
    return Comparison(out, keep, block)


def main() -> None:
    import time
    t = time.perf_counter()
    tr = train_plain()
    print(f"plain CNN: test error {tr.test_error:.3f} ({time.perf_counter() - t:.1f} s)")
    ms = sample_masks(0, 0.8, 3)
    print(f"kept (element, spatial, DropBlock): sampled {np.round(ms.kept, 4)}, closed {np.round(ms.kept_closed, 4)}")
    c = neighbour_correlation(tr.maps1)
    print(f"layer-1 correlation by distance {np.round(c.corr, 3)}; shuffled {c.shuffled:.3f}")
    t = time.perf_counter()
    r = compare(2)
    print(f"test error (none, element, spatial, DropBlock): {np.round(r.errors.mean(1), 4)} "
          f"({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()
