"""A trained model as JSON (weights, sizes, keep values, seed, activation) and back, checked strictly.

Loading parses JSON only: nothing is executed or unpickled. Every field is checked; a bad file raises
ValueError saying what is wrong.
"""
from __future__ import annotations

import json
import math

import numpy as np

from .masks import keep_tuple
from .network import ACTIVATIONS, HEADS, MAX_LAYERS, MAX_WIDTH

FORMAT = "dropout-lab-model"
VERSION = 1
MAX_BYTES = 2_000_000  # a 2-64-64-64-64-10 net is about 250 kB of JSON; 2 MB leaves room and stops abuse


def dumps(params, *, keep, seed: int, activation: str = "relu", head: str = "softmax", dataset: str | None = None,
          steps: int | None = None) -> str:
    """Serialise a model: params as nested lists of float32 values (full precision round-trips)."""
    params = [(np.asarray(w, np.float32), np.asarray(b, np.float32)) for w, b in params]
    sizes = [int(params[0][0].shape[0])] + [int(w.shape[1]) for w, _ in params]
    doc = {
        "format": FORMAT, "version": VERSION, "sizes": sizes, "activation": activation, "head": head,
        "keep": list(keep_tuple(keep, len(params))), "keep_convention": "keep probability q per weight layer's inputs",
        "dropout": "inverted (the stored weights are the weight-scaled network)", "seed": int(seed),
        "dataset": dataset, "steps": steps,
        "layers": [{"W": w.tolist(), "b": b.tolist()} for w, b in params],
    }
    return json.dumps(doc, separators=(",", ":"))


def _matrix(value, shape, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where} must be an array of numbers") from None
    if arr.shape != shape:
        raise ValueError(f"{where} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where} contains NaN or infinity")
    return arr.astype(np.float32)


def loads(data: bytes | str) -> dict:
    """Parse and check a model file. Returns {"params", "sizes", "keep", "seed", "activation", "head", ...}."""
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_BYTES:
        raise ValueError(f"the model file is {len(data):,} bytes; at most {MAX_BYTES:,} are accepted")
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=lambda c: math.nan)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the model file is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"not a Dropout Lab model: the field 'format' must be {FORMAT!r}")
    if doc.get("version") != VERSION:
        raise ValueError(f"unsupported model version {doc.get('version')!r}; this app reads version {VERSION}")
    sizes = doc.get("sizes")
    if (not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS + 1
            or not all(isinstance(s, int) and 1 <= s <= MAX_WIDTH for s in sizes)):
        raise ValueError(f"'sizes' must list 2 to {MAX_LAYERS + 1} layer widths, each in [1, {MAX_WIDTH}]")
    activation, head = doc.get("activation"), doc.get("head")
    if activation not in ACTIVATIONS:
        raise ValueError(f"'activation' must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    if head not in HEADS:
        raise ValueError(f"'head' must be one of {list(HEADS)}, got {head!r}")
    keep = doc.get("keep")
    if not isinstance(keep, list) or not all(isinstance(k, (int, float)) for k in keep):
        raise ValueError("'keep' must be a list of numbers")
    keep = keep_tuple(keep, len(sizes) - 1)
    seed = doc.get("seed")
    if not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise ValueError(f"'seed' must be an integer in [0, 2^31), got {seed!r}")
    layers = doc.get("layers")
    if not isinstance(layers, list) or len(layers) != len(sizes) - 1:
        raise ValueError(f"'layers' must hold {len(sizes) - 1} weight layers")
    params = []
    for i, (layer, n_in, n_out) in enumerate(zip(layers, sizes[:-1], sizes[1:])):
        if not isinstance(layer, dict):
            raise ValueError(f"layers[{i}] must be an object with 'W' and 'b'")
        params.append((_matrix(layer.get("W"), (n_in, n_out), f"layers[{i}].W"),
                       _matrix(layer.get("b"), (n_out,), f"layers[{i}].b")))
    steps = doc.get("steps")
    return {"params": params, "sizes": tuple(sizes), "keep": keep, "seed": seed, "activation": activation,
            "head": head, "dataset": doc.get("dataset") if isinstance(doc.get("dataset"), str) else None,
            "steps": steps if isinstance(steps, int) else None}
