"""Figures built from plain dicts without Plotly's validation (style.fast_figure) are the figures Plotly would have
validated: the same JSON, property for property, and the same look as base_layout gives."""
import json

import numpy as np
import plotly.graph_objects as go
import pytest

from dropout_viz.figures import network_diagram, style


def _json(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), sort_keys=True, default=str)


def _validated(fig: go.Figure) -> go.Figure:
    """A copy through Plotly's validators: raises on an unknown property or a bad value."""
    return go.Figure(fig.to_dict())


CASES = {
    "full": ([2, 8, 8, 2], {}),
    "thinned": ([2, 8, 8, 2], {"masks": "random", "keep": 0.7}),
    "per weight layer, presenter": ([2, 3, 1], {"masks": "random-short", "keep": [0.5, 0.5], "presenter": True,
                                               "title": "One thinned network"}),
    "deep": ([2, 6, 6, 6, 6, 6, 2], {"masks": "random", "keep": 0.8}),
    "weights": ([4, 16, 16, 3], {"weights": "random", "masks": "random", "height": 500}),
    "no title": ([2, 3, 2], {"title": ""}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_network_diagram_is_what_plotly_validates(name):
    sizes, kw = CASES[name]
    rng = np.random.default_rng(3)
    kw = dict(kw)
    if kw.get("masks") == "random":
        kw["masks"] = [(rng.random(n) < 0.6).astype(float) for n in sizes[:-1]] + [np.ones(sizes[-1])]
    elif kw.get("masks") == "random-short":
        kw["masks"] = [np.array([1.0, 0.0]), np.array([0.0, 1.0, 1.0])]
    if kw.get("weights") == "random":
        kw["weights"] = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    fig = network_diagram(sizes, **kw)
    assert _json(fig) == _json(_validated(fig))


def test_layout_dict_is_base_layout():
    """The same look as base_layout on a one-panel figure, with and without a title, in both modes."""
    for title in ("A title", None):
        for presenter in (False, True):
            slow = style.base_layout(go.Figure(), title, presenter, height=420)
            fast = style.fast_figure([], style.layout_dict(title, presenter, height=420))
            assert _json(fast) == _json(slow)


def test_fast_figures_do_not_share_their_template():
    """Each figure gets its own template: changing one (presenter mode raises fonts in place) leaves the next."""
    a = style.fast_figure([], style.layout_dict("a"))
    a.layout.template.layout.font.size = 99
    b = style.fast_figure([], style.layout_dict("b"))
    assert b.layout.template.layout.font.size != 99


def test_set_template_is_the_named_template():
    """set_template gives the JSON that template="plotly_white" gives, and a copy of it: changing one figure's
    template changes neither Plotly's registered template nor the next figure's."""
    slow = go.Figure().update_layout(template="plotly_white")
    fast = style.set_template(go.Figure())
    assert _json(fast) == _json(slow)
    fast.layout.template.layout.font.size = 99
    assert style.set_template(go.Figure()).layout.template.layout.font.size != 99
    assert _json(go.Figure().update_layout(template="plotly_white")) == _json(slow)
