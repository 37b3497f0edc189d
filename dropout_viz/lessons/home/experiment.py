"""The home page's live network: one dropout mask per draw, and the count of subnetworks.

Pure NumPy/JAX (no Streamlit). ``key(seed, draw)`` is the only place the home page turns its seed and draw
counter into a ``jax.random`` key.

    python -m dropout_viz.lessons.home.experiment   # the default view: kept units and 2^d
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dropout_viz.core import masks, rng


@dataclass(frozen=True)
class Config:
    """The home network and its default keep probabilities."""

    # Small enough to see every connection, big enough that thinning is obvious.
    sizes: tuple[int, ...] = (2, 8, 8, 2)
    # Inputs are usually dropped lightly (p_in ≈ 0.2), hidden units at the textbook keep = 0.5.
    keep_in: float = 0.8
    keep_hidden: float = 0.5

    def keep(self, keep_in: float | None = None, keep_hidden: float | None = None) -> tuple[float, ...]:
        """Per-layer keep (input, then every hidden layer) for the given or default keep probabilities."""
        q_in = self.keep_in if keep_in is None else keep_in
        q_h = self.keep_hidden if keep_hidden is None else keep_hidden
        return (q_in,) + (q_h,) * (len(self.sizes) - 2)


CONFIG = Config()


def key(seed: int, draw: int):
    """The key of draw number ``draw`` of a seed (draw 0: the mask the page opens with)."""
    return rng.key(seed, draw)


def sample_masks(key, sizes, keep) -> list[np.ndarray]:
    """One 0/1 unit mask per layer (the output layer all ones: it is never dropped).

    The uniforms behind a key do not depend on keep, so raising keep only ever adds units back.
    """
    per_layer = masks.sample_layer_masks(key, sizes, keep)
    return [np.asarray(m) for m in per_layer] + [np.ones(sizes[-1], np.float32)]


def n_subnetworks_log2(sizes, keep) -> int:
    """d, the number of droppable units (keep < 1): the network has 2^d subnetworks."""
    return masks.n_subnetworks_log2(sizes, keep)


def main() -> None:
    c = CONFIG
    keep = c.keep()
    unit_masks = sample_masks(key(0, 0), c.sizes, keep)
    d = n_subnetworks_log2(c.sizes, keep)
    kept = [int(m.sum()) for m in unit_masks[:-1]]
    print(f"network {'-'.join(map(str, c.sizes))}, keep {keep}: 2^{d} = {2 ** d:,} subnetworks; "
          f"mask #0 of seed 0 keeps " + ", ".join(f"{k}/{n}" for k, n in zip(kept, c.sizes)) + " units per layer")


if __name__ == "__main__":
    main()
