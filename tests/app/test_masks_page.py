"""The masks-and-subnetworks page under AppTest: every control runs and changes what the page shows."""
import html
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.i18n_check import shown_texts, untranslated

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "1_Masks_and_subnetworks.py")
TABS = ["The thinned network", "One minibatch", "Inverted vs standard", "All subnetworks", "One training step"]


def _run(tab: str | None = None, **params):
    at = AppTest.from_file(PAGE, default_timeout=240)
    if tab is not None:
        at.query_params["m_tab"] = tab
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _chart(at, key: str):
    """Trace data of the chart with this widget key (charts are found by key, not position)."""
    for c in at.get("plotly_chart"):
        if c.proto.id and key in c.proto.id:
            return json.loads(c.proto.spec)["data"]
    raise LookupError(f"no chart {key}; ids: {[c.proto.id for c in at.get('plotly_chart')]}")


def _shape(arr) -> tuple[int, ...]:
    """Shape of a trace array, whether plotly shipped it as a list or base64 ({'bdata', 'shape'})."""
    if isinstance(arr, dict):
        return tuple(int(n) for n in str(arr["shape"]).split(","))
    return (len(arr), len(arr[0]))


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_thinned_network_defaults():
    at = _run()
    assert _metric(at, "Subnetworks") == "2¹⁴ = 16,384"  # 2 inputs + 6 + 6 hidden units, all droppable
    assert "Mask #0 of seed 0" in _captions(at)
    assert [s.key for s in at.slider] == ["m_keep_0", "m_keep_1", "m_keep_2"]
    assert [s.value for s in at.slider] == [0.8, 0.5, 0.5]  # the literature's defaults
    assert "drop rate p = 0.2" in _captions(at)
    assert _chart(at, "main_figure")


def test_keep_sliders_seed_and_resample_change_the_diagram():
    at = _run()
    first = _chart(at, "main_figure")
    at.slider(key="m_keep_1").set_value(0.2).run()
    assert _chart(at, "main_figure") != first
    at.slider(key="m_keep_0").set_value(1.0).run()  # keep 1: the inputs are no longer droppable
    assert _metric(at, "Subnetworks") == "2¹² = 4,096"
    after_keep = _chart(at, "main_figure")
    at.button(key="m_resample").click().run()
    assert "Mask #1 of seed 0" in _captions(at)
    assert _chart(at, "main_figure") != after_keep
    after_resample = _chart(at, "main_figure")
    at.number_input(key="m_seed").set_value(5).run()
    assert _chart(at, "main_figure") != after_resample
    assert not at.exception


def test_play_advances_and_pause_stops():
    at = _run()
    assert at.button(key="m_play").label == "▶ Play"
    at.button(key="m_play").click().run()
    assert at.button(key="m_play").label == "⏸ Pause"
    assert "Mask #1 of seed 0 — playing" in _captions(at)  # each run while playing draws the next mask
    at.selectbox(key="m_speed").set_value(2.0).run()
    assert "Mask #2 of seed 0 — playing" in _captions(at)
    at.button(key="m_play").click().run()
    assert at.button(key="m_play").label == "▶ Play"
    paused = _captions(at)
    at.run()
    assert "playing" not in _captions(at) and _captions(at) == paused  # paused: reruns draw nothing


def test_sizes_box_and_its_limits():
    at = _run()
    at.text_input(key="m_sizes").input("4-16-16-16-3").run()
    assert [s.key for s in at.slider] == ["m_keep_0", "m_keep_1", "m_keep_2", "m_keep_3"]
    assert _metric(at, "Subnetworks") == "2⁵² ≈ 4.5 × 10¹⁵"
    big = _chart(at, "main_figure")
    for bad in ("2-40-2", "2-2", "-".join(["3"] * 9), "two-six"):
        at.text_input(key="m_sizes").input(bad).run()
        assert not at.exception
        assert at.error and "Showing 2-6-6-2 instead" in at.error[0].value
        assert _metric(at, "Subnetworks") == "2¹⁴ = 16,384"
    assert _chart(at, "main_figure") != big


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_runs_with_keep_one_everywhere(tab):
    at = _run(tab, m_keep_0="1.0", m_keep_1="1.0", m_keep_2="1.0", m_vec_keep="1.0")
    assert not at.error
    if tab == TABS[0]:
        assert _metric(at, "Subnetworks") == "2⁰ = 1"
    if tab == TABS[3]:
        assert _metric(at, "P(some path survives)") == "1"
        assert _metric(at, "Their total probability") == "0.0000"


def test_minibatch_controls_change_the_heatmap():
    at = _run(TABS[1])
    first = _chart(at, "main_figure")
    assert _shape(first[0]["z"]) == (32, 6)  # one row per example, hidden layer 1
    at.slider(key="m_batch").set_value(8).run()
    small = _chart(at, "main_figure")
    assert _shape(small[0]["z"]) == (8, 6)
    at.selectbox(key="m_layer").set_value("input").run()
    inputs = _chart(at, "main_figure")
    assert _shape(inputs[0]["z"]) == (8, 2)
    at.button(key="m_resample").click().run()
    assert _chart(at, "main_figure") != inputs


def _table_rows(at, index: int) -> list[dict]:
    return at.table[index].value.to_dict("records")


def test_vector_tab_controls_and_equivalence():
    at = _run(TABS[2])
    assert "p = 0.4, keep q = 0.6" in at.markdown[1].value
    rows = _table_rows(at, 0)
    assert [r["x"] for r in rows] == [str(i) for i in range(1, 11)]
    assert rows[0]["x²(1−q)/q"] == "0.6667"  # 1 * 0.4 / 0.6
    eq = {r["run"]: r for r in _table_rows(at, 1)}
    assert float(eq["standard, matched"]["largest |Δ probability| vs inverted"]) < 1e-5
    assert float(eq["standard, same W₀ and η"]["largest |Δ probability| vs inverted"]) > 1e-3
    bars = _chart(at, "main_figure")
    at.select_slider(key="m_draws").set_value(100_000).run()
    assert _table_rows(at, 0) != rows
    at.slider(key="m_vec_keep").set_value(0.8).run()
    assert _table_rows(at, 0)[1]["q·x"] == "1.6"
    at.text_input(key="m_vec").input("3, -1, 0").run()
    assert [r["x"] for r in _table_rows(at, 0)] == ["3", "-1", "0"]
    at.button(key="m_resample").click().run()
    assert _chart(at, "main_figure") != bars
    at.text_input(key="m_vec").input("1, two").run()
    assert not at.exception and "vector" in at.error[0].value


def test_all_subnetworks_follow_the_keep_sliders():
    at = _run(TABS[3])
    assert _metric(at, "Subnetworks without a path") == "7 of 16"
    assert _metric(at, "Their total probability") == "0.2800"  # 1 - (1 - 0.2²)(1 - 0.5²)
    assert _metric(at, "P(a given path survives)") == "0.2"
    gallery = _chart(at, "main_figure")
    at.slider(key="m_keep_1").set_value(0.9).run()
    assert _metric(at, "Their total probability") == "0.0496"  # 1 - 0.96 * 0.99
    assert _chart(at, "main_figure") == gallery  # the pictures stay; their probabilities are in the titles
    assert not at.exception


def test_training_stepper():
    at = _run(TABS[4])
    assert _metric(at, "Training step") == "0" and len(at.get("plotly_chart")) == 1
    at.button(key="m_next").click().run()
    assert at.radio(key="m_phase").value.startswith("2")
    assert len(at.get("plotly_chart")) == 2  # the gradient heatmaps appear
    assert any("exactly 0" in m.value for m in at.markdown)
    at.button(key="m_next").click().run()
    at.button(key="m_next").click().run()
    assert at.radio(key="m_phase").value.startswith("4")
    restored = _chart(at, "main_figure")
    at.button(key="m_next").click().run()  # after restoring: the next training step, a new mask
    assert at.radio(key="m_phase").value.startswith("1") and _metric(at, "Training step") == "1"
    assert _chart(at, "main_figure") != restored
    at.radio(key="m_phase").set_value(at.radio(key="m_phase").options[2]).run()
    assert len(at.get("plotly_chart")) == 2
    at.button(key="m_restart").click().run()
    assert _metric(at, "Training step") == "0" and at.radio(key="m_phase").value.startswith("1")


def test_bad_link_values_give_messages_not_crashes():
    at = _run(m_draw="banana", m_keep_1="5")
    warnings = " ".join(w.value for w in at.warning)
    assert "m_draw=banana" in warnings and "m_keep_1=5" in warnings
    at = _run(TABS[4], m_step="999999")
    assert not at.error and "m_step=999999" in " ".join(w.value for w in at.warning)
    assert _metric(at, "Training step") == "10000" and _chart(at, "main_figure")


def test_sizes_in_other_digits_or_markdown_get_the_apps_words_as_plain_text():
    at = _run(m_sizes="2-²-2")
    (error,) = at.error
    assert "sizes must be whole numbers from 1 to 16" in html.unescape(error.value)
    assert "invalid literal" not in error.value and "Showing 2-6-6-2 instead" in error.value
    assert _chart(at, "main_figure")
    at = _run(m_sizes="2-[Log in](https://evil.example)-" + "9" * 500)
    (error,) = at.error
    assert "](" not in error.value and "https://" not in error.value and len(html.unescape(error.value)) < 200


def test_stepper_stops_at_the_last_step():
    at = _run(TABS[4], m_step="10001")
    warnings = " ".join(w.value for w in at.warning)
    assert "m_step=10001" in warnings and "step 10,000 is shown" in warnings and len(warnings) < 200
    assert not at.error and _metric(at, "Training step") == "10000" and _chart(at, "main_figure")
    assert at.query_params["m_step"] == "10000"  # the link now says what the page shows
    for _ in range(3):
        at.button(key="m_next").click().run()
    assert at.radio(key="m_phase").value.startswith("4") and at.button(key="m_next").disabled
    at.run()  # Next cannot be pressed at the last phase of the last step: nothing goes past it
    assert not at.exception and not at.error
    assert _metric(at, "Training step") == "10000" and at.radio(key="m_phase").value.startswith("4")
    assert _chart(at, "main_figure")
    at.button(key="m_restart").click().run()
    assert _metric(at, "Training step") == "0" and not at.button(key="m_next").disabled


# --- the page in Chinese (?lang=中文): the same numbers, the explanations translated --------------------------

ZH = {"lang": "中文"}


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _texts(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def _numbers(at) -> dict:
    """What must not depend on the language: metric values, table cells, chart data (trace names aside)."""
    charts = []
    for c in at.get("plotly_chart"):
        data = json.loads(c.proto.spec)["data"]
        charts.append([{k: v for k, v in t.items() if k in ("x", "y", "z")} for t in data])
    tables = [[_digits(" ".join(map(str, r.values()))) for r in at.table[i].value.to_dict("records")]
              for i in range(len(at.table))]
    return {"metrics": [_digits(m.value) for m in at.metric], "tables": tables, "charts": charts,
            "sliders": [(s.key, s.value) for s in at.slider]}


def _digits(text: str) -> list[str]:
    """The numbers in a text ("7 of 16" and "7 / 16" both give ["7", "16"]; "2¹⁴ = 16,384" keeps ¹⁴)."""
    return re.findall(r"[-+−]?\d[\d,.]*(?:e[-+]\d+)?%?|[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", text)


def test_chinese_page_has_chinese_text_and_the_same_numbers():
    en, zh = _run(), _run(**ZH)
    assert not zh.exception and not zh.error
    assert zh.title[0].value == "掩码与子网络" and en.title[0].value == "Masks and subnetworks"
    assert "子网络" in zh.markdown[0].value and not _has_chinese(_texts(en))
    assert "种子 0 的第 0 号掩码" in _captions(zh)
    assert _metric(zh, "子网络个数") == _metric(en, "Subnetworks") == "2¹⁴ = 16,384"
    assert _numbers(zh) == _numbers(en)
    assert [s.label for s in zh.slider] == ["保留概率 q，输入层", "保留概率 q，隐藏层 1", "保留概率 q，隐藏层 2"]
    assert zh.button(key="m_resample").label == "🎲 重新抽取掩码"
    # The tab titles are the link's values (m_tab=...), so they stay English; a caption translates them.
    assert [t.label for t in zh.tabs] == TABS and "一个小批量" in _captions(zh)
    zh.button(key="m_resample").click().run()
    assert "种子 0 的第 1 号掩码" in _captions(zh) and zh.query_params["m_draw"] == "1"


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_runs_in_chinese_with_the_same_numbers(tab):
    en, zh = _run(tab), _run(tab, **ZH)
    assert not zh.error
    assert _has_chinese(_texts(zh)) and not _has_chinese(_texts(en))
    assert _numbers(zh) == _numbers(en)
    assert zh.get("plotly_chart") and zh.query_params.get("m_tab", TABS[0]) == tab and zh.query_params["lang"] == "中文"
    # No sentence of the lesson's catalog is left in English (the check finds them on the English page).
    assert not untranslated(zh, "masks")
    assert untranslated(en, "masks")


def test_chinese_stepper_and_bad_sizes():
    at = _run(TABS[4], **ZH)
    assert _metric(at, "训练步") == "0" and at.button(key="m_next").label == "下一步 ▶"
    at.button(key="m_next").click().run()
    assert not at.exception and len(at.get("plotly_chart")) == 2
    assert any("恰好为 0" in m.value for m in at.markdown)
    title = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
    assert title.startswith("第 0 步 · 2/4")
    assert not untranslated(at, "masks") and "权重梯度" not in " ".join(shown_texts(at))  # a title was given
    gradients = json.loads(at.get("plotly_chart")[1].proto.spec)["layout"]
    assert "恰好为 0" in gradients["title"]["text"] and "为 0" in gradients["annotations"][0]["text"]
    at.text_input(key="m_sizes").input("2-40-2").run()
    assert not at.exception and "改为显示 2-6-6-2" in at.error[0].value
    # The reason too is in Chinese, with the numbers of the English message.
    assert "每层必须有 1 到 16 个单元" in at.error[0].value and "every layer" not in at.error[0].value
    assert "2, 40, 2" in html.unescape(at.error[0].value)


def test_chinese_vector_error_quotes_the_box_plainly():
    at = _run(TABS[2], m_vec="1, [two](https://evil.example)", **ZH)
    (error,) = at.error
    assert "向量必须是用逗号分隔的数" in error.value and "the vector" not in error.value
    assert "](" not in error.value and "https://" not in error.value
    assert "[two]" in html.unescape(error.value).replace("\u2060", "")


def test_a_layer_link_opens_the_same_layer_in_chinese():
    """The layer's option is its English name in every language: m_layer=input is the input layer for all."""
    at = _run(TABS[1], m_layer="input", **ZH)
    assert not at.warning and at.selectbox(key="m_layer").value == "input"
    assert _shape(_chart(at, "main_figure")[0]["z"]) == (32, 2)
    assert "输入层" in json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]
