"""widgets.table: rows sent to Streamlit as an Arrow table built from them (no pandas on a run), showing the same
table as st.table / st.dataframe of the rows, without an index column; every table of the app goes through it."""
import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]

# What the pages' tables hold: words in two languages, numbers formatted as text, dashes, whole numbers.
ROWS = [
    {"model": "no dropout", "test error": "12.5%", "predictors": "2⁶⁴", "parameters": 1_234, "(T−1)/(2T) · D": "—"},
    {"model": "丢弃法", "test error": "9.0%", "predictors": "1", "parameters": 99, "(T−1)/(2T) · D": "0.00123"},
    {"model": "bagging, k = 8", "test error": "10.1%", "predictors": "8", "parameters": 9_872, "(T−1)/(2T) · D": "-1e-07"},
]
MIXED = [{"point": "A", "1": 1}, {"point": "B", "1": "x"}]  # one column of a number and a word: no Arrow type


def _app():
    import streamlit as st

    from dropout_viz.ui import widgets
    from tests.ui.capture import keep_sent

    sent, stop = keep_sent()
    rows, how = st.session_state["rows"], st.session_state["how"]
    if how == "st.table":
        st.table(rows)
    elif how == "st.dataframe":
        st.dataframe(rows, hide_index=True)
    else:
        _left, right = st.columns(2)
        widgets.table(rows, interactive=how == "interactive", container=right)
    stop()
    st.session_state["sent"] = sent


def _run(rows, how):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    at = AppTest.from_function(_app)
    at.session_state["rows"], at.session_state["how"] = rows, how
    at.run(timeout=60)
    assert not at.exception
    msgs = [ForwardMsg.FromString(b) for b in at.session_state["sent"]]
    elements = [m.delta.new_element for m in msgs
                if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"]
    return at, elements


def _arrow(element) -> pa.Table:
    proto = getattr(element, element.WhichOneof("type"))
    return pa.ipc.open_stream(proto.arrow_data.data).read_all()


@pytest.mark.parametrize("how, kind, streamlit", [("static", "table", "st.table"),
                                                  ("interactive", "dataframe", "st.dataframe")])
def test_the_same_table_as_streamlit_shows_of_the_rows_without_pandas(how, kind, streamlit):
    at, elements = _run(ROWS, how)
    (element,) = [e for e in elements if e.WhichOneof("type") == kind]
    shown = (at.table if kind == "table" else at.dataframe)[0].value
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), pd.DataFrame(ROWS))
    sent = _arrow(element)
    assert sent.column_names == list(ROWS[0])
    assert sent.to_pylist() == ROWS
    # Built from the rows by Arrow: no pandas metadata (a DataFrame's conversion always writes it).
    assert b"pandas" not in (sent.schema.metadata or {})
    if kind == "table":
        assert element.table.hide_index
    else:
        assert json.loads(element.dataframe.columns)["_index"] == {"hidden": True}

    # Streamlit's own element for the rows shows the same values.
    at_st, elements_st = _run(ROWS, streamlit)
    (element_st,) = [e for e in elements_st if e.WhichOneof("type") == kind]
    assert _arrow(element_st).select(list(ROWS[0])).to_pylist() == ROWS
    pd.testing.assert_frame_equal((at_st.table if kind == "table" else at_st.dataframe)[0].value.reset_index(drop=True),
                                  shown.reset_index(drop=True))


@pytest.mark.parametrize("rows", [MIXED, [{"a": "1"}, {"a": "2", "b": "3"}]], ids=["mixed types", "other columns"])
def test_rows_arrow_cannot_type_go_the_pandas_way(rows):
    at, elements = _run(rows, "static")
    (element,) = [e for e in elements if e.WhichOneof("type") == "table"]
    assert b"pandas" in (_arrow(element).schema.metadata or {})
    assert element.table.hide_index
    assert len(at.table[0].value) == len(rows)


def test_every_table_of_the_app_goes_through_widgets_table():
    """A table drawn with st.table or st.dataframe directly would convert its rows through pandas on every run."""
    direct = re.compile(r"\b(st|box|left|right|col\w*)\.(table|dataframe)\(")
    found = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "dropout_viz").rglob("*.py"))]:
        if path.name == "widgets.py" and path.parent.name == "ui":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if direct.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "\n".join(found)
