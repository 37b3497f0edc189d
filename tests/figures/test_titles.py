"""Titles broken in two for a narrow presenter-mode figure."""
import plotly.graph_objects as go

from dropout_viz.figures.titles import LONG_LINE, LONG_TITLE, TITLE_MIN, two_lines, wrap_title


def test_two_lines_breaks_at_the_mark_nearest_the_middle():
    assert two_lines("weight-scaled network") == "weight-scaled<br>network"
    assert two_lines("MC dropout, k = 16") == "MC dropout,<br>k = 16"
    assert two_lines("total: H[mean p]") == "total:<br>H[mean p]"
    assert two_lines("a (b c)") == "a<br>(b c)"
    assert two_lines("MC dropout, k = 16 masks, keep q = 0.8 (drop rate p = 0.2)") == \
        "MC dropout, k = 16 masks,<br>keep q = 0.8 (drop rate p = 0.2)"
    assert two_lines("总计：H[平均 p]") == "总计：<br>H[平均 p]"
    assert two_lines("单行标题") == "单行标题" and two_lines("single") == "single"


def test_wrap_title_shrinks_long_titles_and_breaks_very_long_ones():
    long = "All 64 subnetworks, keep q = 0.5 (drop rate p = 0.5)"
    assert LONG_TITLE < len(long) <= LONG_LINE
    fig = go.Figure(layout=dict(title=dict(text=long, font=dict(size=30)), margin=dict(t=100)))
    wrap_title(fig)
    assert fig.layout.title.text == long and fig.layout.title.subtitle.text is None  # one line, smaller
    assert fig.layout.title.font.size == TITLE_MIN and fig.layout.margin.t == 100
    longer = "Predictive entropy = aleatoric + epistemic (the ring between the orange circles: far from the data)"
    assert len(longer) > LONG_LINE
    fig = go.Figure(layout=dict(title=dict(text=longer, font=dict(size=30)), margin=dict(t=100)))
    wrap_title(fig)
    assert (fig.layout.title.text, fig.layout.title.subtitle.text) == (
        "Predictive entropy = aleatoric + epistemic", "(the ring between the orange circles: far from the data)")
    assert fig.layout.title.subtitle.font.size == TITLE_MIN and fig.layout.margin.t == 100 + int(1.3 * TITLE_MIN)
    wrap_title(fig)  # already two lines: left alone
    assert fig.layout.title.text == "Predictive entropy = aleatoric + epistemic" and fig.layout.margin.t == 128
    short = go.Figure(layout=dict(title=dict(text="Surviving paths", font=dict(size=30)), margin=dict(t=100)))
    assert wrap_title(short).layout.title.font.size == 30 and short.layout.margin.t == 100
    assert wrap_title(go.Figure()).layout.title.text is None
    cjk = go.Figure(layout=dict(title=dict(text="所有子网络的平均输出与加权缩放网络的输出之间的差距"), margin=dict(t=100)))
    assert wrap_title(cjk).layout.title.font.size == TITLE_MIN  # 25 CJK characters: as wide as 50 Latin ones
