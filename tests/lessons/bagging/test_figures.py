"""The bagging lesson's figures build from small arrays, in both languages."""
import json

import numpy as np
import pytest

from dropout_viz.lessons.bagging import figures

LABELS = ["no dropout", "bagging, k = 3", "dropout", "dropout boosting"]


@pytest.mark.parametrize("lang,word", [("en", "Test error"), ("zh", "测试误差")])
def test_errors(lang, word):
    fig = figures.errors(LABELS, np.array([0.2, 0.15, 0.12, 0.18]), 400, lang)
    assert word in fig.layout.title.text and "400" in fig.layout.title.text
    assert list(fig.data[0].x) == LABELS


@pytest.mark.parametrize("lang,word", [("en", "training step"), ("zh", "训练步数")])
def test_curves_and_surfaces(lang, word):
    steps = np.array([100, 200, 300])
    series = {name: {"train": np.array([0.7, 0.5, 0.4]), "test": np.array([0.7, 0.6, 0.6])} for name in LABELS}
    fig = figures.curves(steps, series, lang)
    assert fig.layout.xaxis.title.text == word
    xs = ys = np.linspace(-1, 1, 4)
    panels = [{"probs": np.full((4, 4, 2), 0.5), "title": name, "x_train": np.zeros((3, 2)),
               "y_train": np.array([0, 1, 0])} for name in LABELS]
    surf = figures.surfaces(panels, xs, ys, lang)
    text = json.dumps(surf.to_plotly_json()["layout"], ensure_ascii=False)
    assert ("P(class 1)" if lang == "en" else "P(类别 1)") in text
