"""The batch-norm lesson's figures build from small arrays, in both languages, without JAX or Streamlit."""
import ast
import json
from pathlib import Path

import numpy as np
import plotly.io as pio
import pytest

from dropout_viz.lessons.batch_norm import figures as fig

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("presenter", [False, True])
def test_every_figure_builds(lang, presenter):
    kw = dict(lang=lang, presenter=presenter)
    h = fig.histogram(RNG.normal(size=50), RNG.normal(size=50) * 0.5, **kw)
    assert [t.meta for t in h.data] == ["hist", "hist"]
    c = fig.closed_vs_sampled(RNG.uniform(1, 2, (3, 4)), RNG.uniform(1, 2, (3, 4)), ["a", "b", "c"], **kw)
    assert sum(t.meta == "units" for t in c.data) == 3
    r = fig.ratio_strip(RNG.uniform(0.3, 1, (3, 4)), ["a", "b", "c"], 0.5, **kw)
    assert sum(t.meta == "mean" for t in r.data) == 3
    e = fig.error_dots(["x", "y"], RNG.uniform(0, 0.1, (2, 3)), RNG.uniform(0, 0.1, (2, 3)), **kw)
    assert sum(t.meta == "mean" for t in e.data) == 2
    w = fig.width_figure([16, 32], RNG.uniform(size=(2, 3)), RNG.uniform(size=(2, 3)), RNG.uniform(size=(2, 3)),
                         RNG.uniform(size=(2, 3)), 0.5, **kw)
    assert sum(t.meta == "mean" for t in w.data) == 4
    m = fig.heatmap([0.5, 0.8, 1.0], [0.5, 1.0], RNG.uniform(size=(3, 2)), **kw)
    assert any(t.meta == "textbook" for t in m.data) and any(t.meta == "best" for t in m.data)
    k = fig.keep_curves([0.5, 1.0], RNG.uniform(size=(2, 2, 3)), ["a", "b"], **kw)
    assert sum(t.meta == "mean" for t in k.data) == 2


def test_chinese_titles_differ_from_english():
    en = fig.heatmap([0.8, 1.0], [0.5, 1.0], np.ones((2, 2)) * 0.1, lang="en")
    zh = fig.heatmap([0.8, 1.0], [0.5, 1.0], np.ones((2, 2)) * 0.1, lang="zh")
    assert en.layout.xaxis.title.text != zh.layout.xaxis.title.text
    assert en.data[0].z.tolist() == zh.data[0].z.tolist()


def test_shape_mismatches_raise_value_errors():
    with pytest.raises(ValueError, match="errors"):
        fig.heatmap([0.8, 1.0], [0.5], np.ones((2, 2)))
    with pytest.raises(ValueError, match="names"):
        fig.error_dots(["x"], np.ones((2, 3)))


def test_figures_module_imports_neither_jax_nor_streamlit():
    tree = ast.parse(Path(fig.__file__).read_text())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not names & {"jax", "streamlit"}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("presenter", [False, True])
def test_refilled_histogram_is_the_figure_built_from_scratch(lang, presenter):
    frame = fig.histogram(RNG.normal(size=500), RNG.normal(size=500), lang=lang, presenter=presenter, title="t")
    train, test = RNG.normal(1.0, 2.0, size=500).astype(np.float32), RNG.normal(size=500).astype(np.float32)
    want = fig.histogram(train, test, lang=lang, presenter=presenter, title="another title")
    got = fig.refill_histogram(frame, train, test, title="another title")
    assert json.loads(pio.to_json(got, validate=False)) == json.loads(pio.to_json(want, validate=False))
    assert json.loads(pio.to_json(frame, validate=False)) != json.loads(pio.to_json(want, validate=False))
    with pytest.raises(ValueError, match="frame"):
        fig.refill_histogram(frame, train, test, title=None)
