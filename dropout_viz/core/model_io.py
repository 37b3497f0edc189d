"""Trained models as JSON (weights, sizes, keep values, seed, activation) and back, checked strictly.

Loading parses JSON only: nothing is executed or unpickled. Every field is checked; a bad file raises
ValueError saying what is wrong.
"""
from __future__ import annotations

import json
import math
import re

import numpy as np

from .checks import quote
from .masks import keep_tuple
from .network import ACTIVATIONS, HEADS, MAX_LAYERS, MAX_WIDTH

FORMAT = "dropout-lab-model"
VERSION = 1
MAX_DEPTH = 20  # a model file nests 5 deep (doc, layers, layer, W, row); Python's parser gives up near 1,000
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


def _parse(data: bytes | str):
    """JSON only, size-limited; NaN and Infinity literals become NaN (refused later where numbers are read)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BYTES:
        raise ValueError(f"the model file is {len(data):,} bytes; at most {MAX_BYTES:,} are accepted")
    try:
        text = data.decode("utf-8-sig")  # -sig: a byte-order mark (as some editors write) is accepted, as in a CSV
    except UnicodeDecodeError as exc:
        raise ValueError(f"the model file is not UTF-8 text (byte {exc.start:,} is not UTF-8); save it as UTF-8 "
                         "JSON") from None
    depth = _nesting(text)
    if depth > MAX_DEPTH:
        raise ValueError(f"the model file nests arrays or objects {depth:,} deep; a model file needs at most "
                         f"{MAX_DEPTH}")
    try:
        return json.loads(text, parse_constant=lambda c: math.nan)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the model file is not valid JSON (line {exc.lineno:,}, column {exc.colno:,}, near "
                         f"{quote(exc.doc[max(0, exc.pos - 20):exc.pos + 20])}); load the file the app saved, "
                         "unchanged") from None
    except RecursionError:  # not reached after the depth check; kept so Python's words never reach the reader
        raise ValueError(f"the model file nests arrays or objects more than {MAX_DEPTH} deep") from None


def _nesting(text: str) -> int:
    """The deepest nesting of [ and { outside JSON strings (an upper bound where the JSON is broken)."""
    outside = _JSON_STRING.sub('""', text).encode("utf-8", "surrogatepass")
    byte = np.frombuffer(outside, np.uint8)
    step = np.isin(byte, (ord("["), ord("{"))).astype(np.int64) - np.isin(byte, (ord("]"), ord("}")))
    return int(np.cumsum(step).max(initial=0))


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _header(doc, fmt: str) -> dict:
    """The fields every model file has: format, version, sizes, activation, head, seed, steps."""
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise ValueError(f"not a Dropout Lab model file of this kind: the field 'format' must be {fmt!r}")
    if doc.get("version") != VERSION:
        raise ValueError(f"unsupported model version {quote(doc.get('version'))}; this app reads version {VERSION}")
    sizes = doc.get("sizes")
    if (not isinstance(sizes, list) or not 2 <= len(sizes) <= MAX_LAYERS + 1
            or not all(_is_int(s) and 1 <= s <= MAX_WIDTH for s in sizes)):
        raise ValueError(f"'sizes' must list 2 to {MAX_LAYERS + 1} layer widths, each in [1, {MAX_WIDTH}]")
    activation, head = doc.get("activation"), doc.get("head")
    if activation not in ACTIVATIONS:
        raise ValueError(f"'activation' must be one of {sorted(ACTIVATIONS)}, got {quote(activation)}")
    if head not in HEADS:
        raise ValueError(f"'head' must be one of {list(HEADS)}, got {quote(head)}")
    seed = doc.get("seed")
    if not _is_int(seed) or not 0 <= seed < 2**31:
        raise ValueError(f"'seed' must be an integer in [0, 2^31), got {quote(seed)}")
    return {"sizes": tuple(sizes), "activation": activation, "head": head, "seed": seed}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _keep(value, n_layers: int, where: str) -> tuple:
    if not isinstance(value, list) or not all(isinstance(k, (int, float)) and not isinstance(k, bool) for k in value):
        raise ValueError(f"{where} must be a list of numbers")
    try:
        return keep_tuple(value, n_layers)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _layers(layers, sizes, where: str = "layers") -> list:
    if not isinstance(layers, list) or len(layers) != len(sizes) - 1:
        raise ValueError(f"'{where}' must hold {len(sizes) - 1} weight layers")
    params = []
    for i, (layer, n_in, n_out) in enumerate(zip(layers, sizes[:-1], sizes[1:])):
        if not isinstance(layer, dict):
            raise ValueError(f"{where}[{i}] must be an object with 'W' and 'b'")
        params.append((_matrix(layer.get("W"), (n_in, n_out), f"{where}[{i}].W"),
                       _matrix(layer.get("b"), (n_out,), f"{where}[{i}].b")))
    return params


def loads(data: bytes | str) -> dict:
    """Parse and check a model file. Returns {"params", "sizes", "keep", "seed", "activation", "head", ...}."""
    doc = _parse(data)
    out = _header(doc, FORMAT)
    keep = _keep(doc.get("keep"), len(out["sizes"]) - 1, "'keep'")
    params = _layers(doc.get("layers"), out["sizes"])
    steps = doc.get("steps")
    return {**out, "params": params, "keep": keep,
            "dataset": doc.get("dataset") if isinstance(doc.get("dataset"), str) else None,
            "steps": steps if _is_int(steps) else None}


# --- several models of one architecture in one file (the live-training page's models) ---------------

MODELS_FORMAT = "dropout-lab-models"
MAX_MODELS = 8
MAX_STEPS = 10**9  # the step counter is an int32 in the engine
MAX_POINTS = 5000  # as datasets.MAX_POINTS: a file cannot carry more data than an upload could
MAX_SETTINGS = 40


def dumps_models(models, *, seed: int, steps: int, activation: str = "relu", head: str = "softmax",
                 settings: dict | None = None, points=None) -> str:
    """Serialise models that share sizes and activation: weights as float32 values (exact round trip).

    Args:
      models: a list of (name, params, keep): params a list of (W (fan_in, fan_out), b (fan_out,)).
      settings: flat {str: str | int | float | bool | None}, e.g. the page's data set and optimizer settings.
      points: optional (x (n, 2), y (n,)) training data that cannot be regenerated from settings (an upload).
    """
    if not 1 <= len(models) <= MAX_MODELS:
        raise ValueError(f"models must hold 1 to {MAX_MODELS} models, got {len(models)}")
    entries, sizes = [], None
    for name, params, keep in models:
        params = [(np.asarray(w, np.float32), np.asarray(b, np.float32)) for w, b in params]
        these = [int(params[0][0].shape[0])] + [int(w.shape[1]) for w, _ in params]
        if sizes is not None and these != sizes:
            raise ValueError(f"every model must have the sizes {sizes}, got {these} for {name!r}")
        sizes = these
        entries.append({"name": str(name), "keep": list(keep_tuple(keep, len(params))),
                        "layers": [{"W": w.tolist(), "b": b.tolist()} for w, b in params]})
    doc = {
        "format": MODELS_FORMAT, "version": VERSION, "sizes": sizes, "activation": activation, "head": head,
        "keep_convention": "keep probability q per weight layer's inputs",
        "dropout": "inverted (the stored weights are the weight-scaled network)",
        "seed": int(seed), "steps": int(steps), "settings": _settings(settings or {}),
        "points": None if points is None else {"x": np.asarray(points[0], np.float32).tolist(),
                                               "y": np.asarray(points[1]).astype(int).tolist()},
        "models": entries,
    }
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)


def _settings(settings) -> dict:
    if not isinstance(settings, dict) or len(settings) > MAX_SETTINGS:
        raise ValueError(f"'settings' must be an object of at most {MAX_SETTINGS} fields")
    for k, v in settings.items():
        if not isinstance(k, str) or len(k) > 40:
            raise ValueError("'settings' names must be strings of at most 40 characters")
        if isinstance(v, str):
            if len(v) > 200:
                raise ValueError(f"settings.{k} is longer than 200 characters")
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise ValueError(f"settings.{k} is NaN or infinity")
        elif v is not None and not isinstance(v, (int, bool)):
            raise ValueError(f"settings.{k} must be a string, number, true/false or null")
    return dict(settings)


def _points(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("'points' must be null or an object with 'x' and 'y'")
    y = value.get("y")
    if not isinstance(y, list) or not 1 <= len(y) <= MAX_POINTS or not all(_is_int(v) for v in y):
        raise ValueError(f"points.y must list 1 to {MAX_POINTS:,} integer labels")
    x = _matrix(value.get("x"), (len(y), 2), "points.x")
    return x, np.asarray(y, np.int64)


def loads_models(data: bytes | str) -> dict:
    """Parse and check a file of dumps_models.

    Returns:
      {"models": [{"name", "keep", "params"}], "sizes", "activation", "head", "seed", "steps",
       "settings": dict, "points": (x float32 (n, 2), y int64 (n,)) or None}.
    Raises:
      ValueError naming the first field that is missing, of the wrong type or shape, or not finite.
    """
    doc = _parse(data)
    out = _header(doc, MODELS_FORMAT)
    steps = doc.get("steps")
    if not _is_int(steps) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"'steps' must be an integer in [0, {MAX_STEPS:,}], got {quote(steps)}")
    entries = doc.get("models")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_MODELS:
        raise ValueError(f"'models' must list 1 to {MAX_MODELS} models")
    models = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f"models[{i}] must be an object with 'name', 'keep' and 'layers'")
        name = entry.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 60:
            raise ValueError(f"models[{i}].name must be a string of 1 to 60 characters")
        models.append({"name": name, "keep": _keep(entry.get("keep"), len(out["sizes"]) - 1, f"models[{i}].keep"),
                       "params": _layers(entry.get("layers"), out["sizes"], f"models[{i}].layers")})
    return {**out, "steps": steps, "models": models, "settings": _settings(doc.get("settings", {})),
            "points": _points(doc.get("points"))}
