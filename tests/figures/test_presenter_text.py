"""Presenter mode's text sizes (style.presenter_text) and the figures' alt text (figures.alt.describe)."""
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from dropout_viz.figures import alt, network_diagram, style
from tests.figures.text_sizes import too_small


def _busy_figure() -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=["left panel", "right panel"])
    fig.add_heatmap(z=[[0, 1], [1, 0]], colorbar=dict(title="P(class 1)"), row=1, col=1)
    fig.add_scatter(x=[0, 1], y=[1, 0], text=["a", "b"], mode="markers+text", name="points", row=1, col=2)
    fig.add_bar(x=["u", "v"], y=[1, 2], text=["1", "2"], name="bars", row=1, col=2)
    fig.add_annotation(text="note", x=0.5, y=0.5, showarrow=True)
    style.base_layout(fig, "A figure", presenter=False)
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="y", tickfont=dict(size=40))  # already larger: stays
    return fig


def test_presenter_text_raises_every_text_to_the_minimums():
    fig = _busy_figure()
    spec = json.loads(fig.to_json())
    assert too_small(spec), "the laptop-size figure has small text, so the check below can fail"
    style.presenter_text(fig)
    spec = json.loads(fig.to_json())
    assert too_small(spec) == []
    assert fig.layout.yaxis.tickfont.size == 40  # larger sizes stay
    assert fig.layout.xaxis.tickfont.size == style.PRESENTER_MIN_AXIS
    assert fig.layout.annotations[0].font.size >= style.PRESENTER_MIN_TEXT
    assert fig.data[0].colorbar.tickfont.size == style.PRESENTER_MIN_AXIS


def test_presenter_text_leaves_hidden_colour_bars_hidden():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="markers", marker=dict(color=[0, 1])))
    style.presenter_text(fig)
    assert "colorbar" not in json.loads(fig.to_json())["data"][0].get("marker", {})


def test_size_check_sees_an_inherited_small_font():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], name="a"))
    fig.update_layout(font=dict(size=30), xaxis=dict(title=dict(text="x")))
    assert not [w for w in too_small(json.loads(fig.to_json())) if "xaxis" in w]  # 30 px inherited
    fig.update_layout(font=dict(size=10))
    assert [w for w in too_small(json.loads(fig.to_json())) if w.startswith("xaxis ticks")]


def test_alt_text_names_title_panels_axes_and_traces():
    text = alt.describe(_busy_figure())
    assert text.startswith("Figure: A figure.")
    assert "Panels: left panel; right panel." in text
    assert "Horizontal axis: x; vertical axis: y." in text
    assert "Shows: points, bars." in text


def test_alt_text_in_chinese_uses_translated_words():
    fig = _busy_figure()
    en, zh = alt.describe(fig, "en"), alt.describe(fig, "zh")
    assert "A figure" in zh and "points" in zh  # the figure's own words stay
    assert "Horizontal axis" in en and "horizontal axis" not in zh.lower() and "Shows" not in zh


def test_alt_text_strips_markup_and_is_never_empty():
    fig = go.Figure(go.Scatter(y=[1, 2], name="<b>bold</b> &amp; co"))
    fig.update_layout(title=dict(text="Two<br>lines <sup>2</sup>"))
    text = alt.describe(fig)
    assert text == "Figure: Two lines 2. Shows: bold & co."
    assert alt.describe(go.Figure()) == "Figure."


def test_alt_text_counts_what_it_does_not_list():
    fig = go.Figure([go.Scatter(y=[i], name=f"model {i}") for i in range(12)])
    assert alt.describe(fig).endswith("model 7 and 4 more.")


def test_alt_text_of_a_real_figure():
    masks = [np.ones(2), np.array([1.0, 0.0, 1.0]), np.ones(1)]
    fig = network_diagram([2, 3, 1], masks, keep=[1.0, 0.5], title="One thinned network")
    text = alt.describe(fig)
    assert text.startswith("Figure: One thinned network.") and "dropped unit" in text


@pytest.mark.parametrize("presenter", [False, True])
def test_base_layout_sizes(presenter):
    fig = style.base_layout(go.Figure(go.Scatter(y=[1])), "t", presenter=presenter)
    assert fig.layout.font.size == style.font_size(presenter)
