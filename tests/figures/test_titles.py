"""Titles broken in two for a narrow presenter-mode figure."""
import plotly.graph_objects as go

from dropout_viz.figures.titles import LONG_TITLE, two_lines, wrap_title


def test_two_lines_breaks_at_the_mark_nearest_the_middle():
    assert two_lines("weight-scaled network") == "weight-scaled<br>network"
    assert two_lines("MC dropout, k = 16") == "MC dropout,<br>k = 16"
    assert two_lines("total: H[mean p]") == "total:<br>H[mean p]"
    assert two_lines("a (b c)") == "a<br>(b c)"
    assert two_lines("MC dropout, k = 16 masks, keep q = 0.8 (drop rate p = 0.2)") == \
        "MC dropout, k = 16 masks,<br>keep q = 0.8 (drop rate p = 0.2)"
    assert two_lines("总计：H[平均 p]") == "总计：<br>H[平均 p]"
    assert two_lines("单行标题") == "单行标题" and two_lines("single") == "single"


def test_wrap_title_breaks_only_long_one_line_titles_and_makes_room():
    long = "All 64 subnetworks, keep q = 0.5 (drop rate p = 0.5)"
    assert len(long) > LONG_TITLE
    fig = go.Figure(layout=dict(title=dict(text=long, font=dict(size=20)), margin=dict(t=100)))
    wrap_title(fig)
    assert (fig.layout.title.text, fig.layout.title.subtitle.text) == ("All 64 subnetworks, keep q = 0.5",
                                                                       "(drop rate p = 0.5)")
    assert fig.layout.title.subtitle.font.size == 20 and fig.layout.margin.t == 126  # one more line of 20 px
    wrap_title(fig)  # already two lines: left alone
    assert fig.layout.title.text == "All 64 subnetworks, keep q = 0.5" and fig.layout.margin.t == 126
    short = go.Figure(layout=dict(title=dict(text="Surviving paths"), margin=dict(t=100)))
    assert wrap_title(short).layout.title.text == "Surviving paths" and short.layout.margin.t == 100
    assert wrap_title(go.Figure()).layout.title.text is None
