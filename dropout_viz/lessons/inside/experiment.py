"""The experiments of "Inside the network": co-adaptation (switching units off), path survival, Jensen's gap and
flat minima, on the probes of ``probes.py`` beside this file.

Pure NumPy/JAX (no Streamlit): numbers and arrays in dicts, never sentences. Every experiment takes a
``jax.random`` key first; ``key(seed, stream)`` is the only place the lesson turns its integer seed into one (each
experiment its own stream, so one seed gives the same split, weights, masks and directions everywhere).

    python -m dropout_viz.lessons.inside.experiment   # a summary of the page's default view
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dropout_viz.core import datasets, rng

from . import probes


@dataclass(frozen=True)
class Config:
    """The lesson's constants."""

    # 600 digits (300 to train on) are few enough that the plain network overfits and dropout visibly helps;
    # 400 points suffice for the 2-D sets.
    digits_points: int = 600
    default_points: int = 400
    # Two hidden layers: deep enough for co-adaptation between layers, small enough to train in seconds.
    hidden_layers: int = 2
    # Switch off 0 %, 5 %, ..., 100 % of every hidden layer: 21 points show the whole decline.
    ablation_points: int = 21
    # Odd, so t = 0 (the trained weights) is on the grid of the walk.
    landscape_points: int = 25
    # The keep values of the Jensen sweep: 0.1, 0.15, ..., 1.0 (q = 1 closes the gap, q -> 0 blows it up).
    sweep_lo: float = 0.1
    sweep_points: int = 19

    def ablation_fractions(self) -> np.ndarray:
        return np.linspace(0.0, 1.0, self.ablation_points)

    def sweep_keeps(self) -> np.ndarray:
        return np.round(np.linspace(self.sweep_lo, 1.0, self.sweep_points), 2)


CONFIG = Config()

# One stream of random numbers per experiment (folded into the seed's key).
STREAMS = {"train": 0, "ablation": 1, "landscape": 2, "paths": 3, "jensen_unit": 4, "jensen_mc": 5}

# Classification sets of the registry (the page's data-set choice).
DATASET_NAMES = tuple(n for n, spec in datasets.DATASETS.items() if spec.task == "classification")


def key(seed: int, stream: str):
    """The lesson's key for one experiment: PRNGKey(seed) folded with the experiment's stream number."""
    return rng.key(seed, STREAMS[stream])


def data(name: str, seed: int, config: Config = CONFIG) -> datasets.Dataset:
    """The data set ``name`` (a classification set of the registry), split by ``seed``."""
    spec = datasets.DATASETS[name]
    n = config.digits_points if name == "digits" else config.default_points
    return datasets.make_dataset(name, seed, n, spec.default_noise)


def sizes_for(name: str, width: int, config: Config = CONFIG) -> tuple[int, ...]:
    """Layer widths of the lesson's network for a data set: inputs, the hidden layers of ``width``, classes."""
    spec = datasets.DATASETS[name]
    return (spec.n_features,) + (int(width),) * config.hidden_layers + (spec.n_classes,)


def trained_pair(key, ds: datasets.Dataset, sizes, keep: float, steps: int, *, on_progress=None) -> dict:
    """The same network trained without (index 0) and with dropout on its hidden units (index 1)."""
    res = probes.train_pair(key, ds.x_train, ds.y_train, ds.x_test, ds.y_test, sizes, keep, steps=steps,
                            on_progress=on_progress)
    return {"params": res.params, "test_acc": res.test_acc[:, -1].astype(float),
            "train_acc": res.train_acc[:, -1].astype(float), "train_loss": res.train_loss[:, -1].astype(float),
            "test_loss": res.test_loss[:, -1].astype(float), "n_train": len(ds.y_train), "n_test": len(ds.y_test)}


def ablation(key, pair: dict, ds: datasets.Dataset, n_classes: int, n_orders: int, config: Config = CONFIG) -> dict:
    """Test accuracy of both networks as a growing fraction of hidden units is zeroed (the same units in both)."""
    fractions = config.ablation_fractions()
    out = {"percent": 100 * fractions, "n_orders": n_orders, "chance": 1.0 / n_classes,
           "full_acc": pair["test_acc"], "train_acc": pair["train_acc"],
           "n_train": pair["n_train"], "n_test": pair["n_test"]}
    half = int(np.argmin(np.abs(fractions - 0.5)))
    for i, label in enumerate(("plain", "dropout")):
        acc = probes.unit_ablation(key, probes.model(pair["params"], i), ds.x_test, ds.y_test, fractions, n_orders)
        out[label] = probes.summarize(acc)
        out[f"{label}_half"] = float(out[label][0][half])
    return out


def landscape(key, pair: dict, ds: datasets.Dataset, n_dirs: int, t_max: float, split: str,
              config: Config = CONFIG) -> dict:
    """Loss of both networks along the same filter-normalised random directions, on the train or test split."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {str(split)[:60]!r}")
    x, y = (ds.x_train, ds.y_train) if split == "train" else (ds.x_test, ds.y_test)
    ts = np.linspace(-t_max, t_max, config.landscape_points)
    out = {"ts": ts, "n_dirs": n_dirs}
    for i, label in enumerate(("plain", "dropout")):
        losses = probes.loss_along_directions(key, probes.model(pair["params"], i), x, y, ts, n_dirs)
        out[label] = probes.summarize(losses)
        out[f"{label}_rise"] = probes.loss_rise(losses, ts)
    return out


def paths(key, keep: float, keep_input: float, width: int, max_depth: int, n_samples: int) -> dict:
    """Path survival against depth 1..max_depth: closed forms and Monte Carlo estimates (with standard errors)."""
    depth = np.arange(1, max_depth + 1)
    sample = probes.sample_path_survival(key, max_depth, width, keep, n_samples, keep_input=keep_input,
                                         n_inputs=width)
    one = probes.path_survival(keep, depth, keep_input=keep_input)
    anyp = probes.any_path_survival(keep, depth, width, keep_input=keep_input, n_inputs=width)
    return {"depth": depth, "one_closed": one, "one_mc": sample.one_path, "one_se": sample.one_path_se,
            "any_closed": anyp, "any_mc": sample.any_path, "any_se": sample.any_path_se}


# The quantities of the Jensen table, in its order; the closed form of the ReLU gap does not exist (None).
JENSEN_QUANTITIES = ("mean", "var", "gap_sq", "gap_relu")


def jensen(unit_key, mc_key, d: int, keep: float, inverted: bool, bias: float, k: int,
           config: Config = CONFIG) -> dict:
    """One unit's Jensen gaps: closed form, exact enumeration of the 2^d masks, k sampled masks, and the exact
    gaps against q (the sweep)."""
    w, x = probes.jensen_unit(unit_key, d)
    mean, var = probes.preactivation_moments(w, x, keep, bias=bias, inverted=inverted)
    ex = probes.jensen_exact(w, x, keep, bias=bias, inverted=inverted)
    mc = probes.jensen_mc(mc_key, w, x, keep, k, bias=bias, inverted=inverted)
    closed = {"mean": mean, "var": var, "gap_sq": var, "gap_relu": None}
    sweep = probes.jensen_gap_sweep(w, x, config.sweep_keeps(), bias=bias, inverted=inverted)
    return {"w": w, "x": x, "z": ex["z"], "prob": ex["prob"], "exact": {q: ex[q] for q in JENSEN_QUANTITIES},
            "mc": {q: mc[q] for q in JENSEN_QUANTITIES}, "closed": closed, "sweep": sweep, "n_masks": 2**d, "k": k}


def main() -> None:
    """Print a summary of the page's default view (each tab's default settings)."""
    seed, keep = 0, 0.5
    ds = data("digits", seed)
    pair = trained_pair(key(seed, "train"), ds, sizes_for("digits", 64), keep, 2000)
    abl = ablation(key(seed, "ablation"), pair, ds, datasets.DATASETS["digits"].n_classes, 20)
    print(f"co-adaptation (digits, 2 x 64 hidden, keep q = {keep}, 2000 steps): test accuracy "
          f"{abl['full_acc'][0]:.3f} -> {abl['plain_half']:.3f} with half the units off (no dropout), "
          f"{abl['full_acc'][1]:.3f} -> {abl['dropout_half']:.3f} (dropout)")
    land = landscape(key(seed, "landscape"), pair, ds, 8, 1.0, "train")
    print(f"flat minima: train loss climbs by {land['plain_rise']:.3g} (no dropout), "
          f"{land['dropout_rise']:.3g} (dropout) at t = ±1")
    p = paths(key(seed, "paths"), keep, 1.0, 4, 12, 10_000)
    print("paths (n = 4, L = 1..12): one path closed/sampled "
          + ", ".join(f"{c:.3f}/{s:.3f}" for c, s in zip(p["one_closed"][:4], p["one_mc"][:4]))
          + f" ...; some path at L = 12: {p['any_closed'][-1]:.3f}/{p['any_mc'][-1]:.3f}")
    j = jensen(key(seed, "jensen_unit"), key(seed, "jensen_mc"), 6, keep, True, 0.0, 10_000)
    print(f"Jensen (d = 6, inverted): Var z = {j['closed']['var']:.5f}, exact z² gap {j['exact']['gap_sq']:.5f}, "
          f"exact ReLU gap {j['exact']['gap_relu']:.5f} over {j['n_masks']} subnetworks")


if __name__ == "__main__":
    main()
