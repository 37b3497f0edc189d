"""Cached library calls behind the home page."""
from __future__ import annotations

import numpy as np
import streamlit as st

from ..core import masks, rng


@st.cache_data(max_entries=512, show_spinner=False)
def sample_masks(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, draw: int) -> list[np.ndarray]:
    """Unit masks for draw number ``draw`` of a seed: one 0/1 array per layer of units (output all ones).

    The uniforms behind a draw do not depend on keep, so raising keep only ever adds units back.
    """
    key = rng.key(seed, draw)
    per_layer = masks.sample_layer_masks(key, sizes, keep)
    return [np.asarray(m) for m in per_layer] + [np.ones(sizes[-1], np.float32)]
