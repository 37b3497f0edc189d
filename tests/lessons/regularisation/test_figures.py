"""The regularisation lesson's figure builders from small arrays, in both languages."""
import numpy as np
import pytest

from dropout_viz.lessons.regularisation import figures


@pytest.mark.parametrize("lang,log_word", [("en", "(log scale)"), ("zh", "对数坐标")])
def test_grouped_bars_and_lines_mark_a_log_axis_in_the_language(lang, log_word):
    fig = figures.grouped_bars(["a", "b"], {"s": [1.0, 10.0]}, y_title="cⱼ", log_y=True, lang=lang)
    assert fig.layout.yaxis.type == "log" and log_word in fig.layout.yaxis.title.text
    assert fig.layout.yaxis.title.text.startswith("cⱼ")
    lin = figures.grouped_bars(["a", "b"], {"s": [0.0, 0.0]}, y_title="cⱼ", lang=lang)
    assert lin.layout.yaxis.title.text == "cⱼ"
    lines = figures.line_chart([0, 1, 2], {"m": [1.0, 2.0, 3.0]}, x_title="x", y_title="y", log_y=True, lang=lang)
    assert log_word in lines.layout.yaxis.title.text
    with pytest.raises(ValueError, match="positive"):
        figures.grouped_bars(["a"], {"s": [0.0]}, log_y=True, lang=lang)


def test_checked_curves_and_histograms():
    fig = figures.checked_curves([0, 0.5], {"偏差²: 闭式解": [0, 1]}, [0.25], {"偏差²: 采样": ([0.5], None)},
                                 x_title="p", y_title="MSE", vline=0.5, vline_label="q")
    assert fig.data[0].line.color == fig.data[1].marker.line.color  # same quantity, same colour
    hist = figures.histogram_panels({"a": np.linspace(-1, 1, 50), "b": np.zeros(10)}, bins=10)
    assert len(hist.data) == 2 and sum(hist.data[1].y) == 10
