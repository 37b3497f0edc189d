"""Bagging, dropout and dropout boosting on one 2-D task: many independent networks against one network with
shared weights, and the ambiguity decomposition of their averages.

Pure NumPy/JAX (no Streamlit): ``run`` trains every model once, ``summarise`` averages the first k bagged networks
and measures the decompositions. Results are numbers; the view writes the words.

    python -m dropout_viz.lessons.bagging.experiment    # the default view's numbers
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core import checks, datasets, rng, theory
from ...core import ensemble_training as et

# The 2-D classification sets: their decision surfaces can be drawn.
DATASET_NAMES = tuple(n for n, s in datasets.DATASETS.items() if s.task == "classification" and s.n_features == 2)
DATASET_LABELS = {datasets.DATASETS[n].label: n for n in DATASET_NAMES}  # what the select shows -> registry name
MODELS = et.ENSEMBLE_MODELS  # no dropout, bagging, dropout, dropout boosting: the order of every result row


@dataclass(frozen=True)
class Config:
    """The experiment's constants (the controls of the page are the arguments of ``run``)."""

    # 500 points, 80 % held out: 100 training points are few enough that a plain network overfits them within a
    # couple of thousand steps, and 400 test points make a test error of ±2 % meaningful.
    n_points: int = 500
    test_fraction: float = 0.8
    # Bagged networks always trained; k averages the first k of them without retraining.
    n_bags: int = 12
    grid: int = 50  # decision-surface resolution per axis
    lr: float = 0.01  # Adam, as on the other training pages
    # The default view: two moons with visible jitter, half the hidden units dropped, 2,000 steps.
    dataset: str = "moons"
    noise: float = 0.3
    width: int = 32
    keep: float = 0.5
    steps: int = 2000
    seed: int = 0
    k: int = 8


CONFIG = Config()


def data(name: str, noise: float, seed: int, config: Config = CONFIG) -> datasets.Dataset:
    """The task: ``config.n_points`` points of data set ``name``, ``config.test_fraction`` of them held out."""
    return datasets.make_dataset(name, seed, config.n_points, noise, test_fraction=config.test_fraction)


def ensemble_config(width: int, config: Config = CONFIG) -> et.EnsembleConfig:
    """Two hidden layers of ``width`` ReLU units, 2 inputs, 2 classes; the library's defaults otherwise."""
    width = checks.check_int("width", width, 1, 4096)
    return et.EnsembleConfig(sizes=(2, width, width, 2), n_bags=config.n_bags)


def run(key, name: str, noise: float, width: int, keep: float, steps: int, *, seed: int,
        config: Config = CONFIG, on_progress=None) -> et.EnsembleRun:
    """Train all models for one setting (the number k of bagged networks averaged is not part of it).

    ``seed`` builds the data set; ``key`` drives initial weights, bootstrap samples, minibatches and masks.
    """
    ds = data(name, noise, seed, config)
    grid = datasets.surface_grid(config.grid)[2]
    return et.compare_ensembles(key, ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid,
                                ensemble_config(width, config), keep=keep, lr=config.lr, steps=steps,
                                on_progress=on_progress)


def experiment_key(seed: int):
    """The lesson's training key for a seed (stream 0)."""
    return rng.key(seed, 0)


@dataclass(frozen=True)
class Result:
    """What the page shows for k averaged bagged networks; every per-model array is in ``MODELS`` order."""

    k: int
    summary: et.EnsembleSummary  # curves, errors, parameters, memory, surfaces of the four models
    d: int  # droppable hidden units: the dropout network stands for 2^d subnetworks
    n_train: int
    n_test: int
    n_masks: int
    eval_masks: int
    ambiguity: tuple | None  # (bagged, dropout subnetworks) theory.Ambiguity, None for k = 1
    votes: tuple | None  # (bagged, dropout subnetworks) theory.VoteCheck, None for k = 1


def droppable(r: et.EnsembleRun) -> int:
    """d: the units with keep < 1 (the dropout network's subnetworks number 2^d)."""
    return sum(int(w) for w, q in zip(r.sizes[:-1], r.keep) if q < 1.0)


def summarise(r: et.EnsembleRun, k: int, n_train: int) -> Result:
    """The four models with the first k bagged networks averaged, and (k ≥ 2) the decompositions of k members."""
    s = et.summarise_ensembles(r, k)
    amb = votes = None
    if k >= 2:
        onehot = np.eye(r.sizes[-1])[r.y_test]
        bag = et.member_predictions(r, k, "bagging")
        sub = et.member_predictions(r, k, "dropout")
        amb = (theory.ambiguity_decomposition(bag, onehot), theory.ambiguity_decomposition(sub, onehot))
        votes = (theory.majority_vote_check(bag.argmax(-1), r.y_test),
                 theory.majority_vote_check(sub.argmax(-1), r.y_test))
    return Result(k=k, summary=s, d=droppable(r), n_train=n_train, n_test=len(r.y_test), n_masks=r.n_masks,
                  eval_masks=r.eval_masks, ambiguity=amb, votes=votes)


def vote_counterexample():
    """Three voters, each wrong on 2 of 5 points, whose majority vote is wrong on 3: (labels, vote, y, check)."""
    labels, y = theory.vote_counterexample()
    return labels, theory.majority_vote(labels), y, theory.majority_vote_check(labels, y)


def main(config: Config = CONFIG) -> None:
    r = run(experiment_key(config.seed), config.dataset, config.noise, config.width, config.keep, config.steps,
            seed=config.seed, config=config)
    n_train = len(r.y_train)
    res = summarise(r, config.k, n_train)
    print(f"bagging lesson, {config.dataset}, keep q = {config.keep:g}, {config.steps} steps, k = {config.k}, "
          f"{n_train} training / {res.n_test} test points, d = {res.d}")
    for name, err, loss in zip(MODELS, res.summary.test_error, res.summary.test_loss[:, -1]):
        print(f"  {name:18s} test error {err:6.1%}  test loss {loss:.3f}")
    for name, a in zip(("bagged", "dropout subnetworks"), res.ambiguity or ()):
        print(f"  ambiguity, {name}: gain {a.gain:.5f} = (T-1)/(2T)·D {a.predicted_gain:.5f}")


if __name__ == "__main__":
    main()
