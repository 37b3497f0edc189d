"""Does a page in another language still show English? A check over an AppTest run, for every page's tests.

    from tests.app.i18n_check import untranslated
    assert not untranslated(at, "masks")

collects what the page shows as text (title, headers, markdown, captions, notices, metrics, tables, widget labels,
options and help) and returns the messages of the domain's catalog, longer than ``min_len`` characters, that appear
in it verbatim: English sentences that were not translated.
"""
from __future__ import annotations

import html
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _messages(domain: str) -> list[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import catalogs  # scripts/catalogs.py: the messages the code marks for translation
    finally:
        sys.path.pop(0)
    return list(catalogs.extract().get(domain, {}))


def shown_texts(at) -> list[str]:
    """Every text an AppTest run shows (values of text elements, labels, help, options, metric labels, tables)."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "latex", "text"):
        out += [str(e.value) for e in getattr(at, kind, [])]
    for m in at.metric:
        out += [str(m.label), str(m.value), str(getattr(m.proto, "help", "") or "")]
    for t in at.table:
        df = t.value
        out += [str(c) for c in df.columns] + [str(v) for v in df.to_numpy().ravel()]
    for kind in ("slider", "select_slider", "selectbox", "radio", "number_input", "text_input", "button", "toggle",
                 "checkbox", "tabs", "expander"):
        for w in getattr(at, kind, []):
            out.append(str(getattr(w, "label", "") or ""))
            out.append(str(getattr(w.proto, "help", "") or ""))
            if hasattr(w, "options") and kind != "tabs":
                out += [str(o) for o in w.options]
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        title = layout.get("title", {})
        out.append(str(title.get("text", "") if isinstance(title, dict) else title))
        out += [str(a.get("text", "")) for a in layout.get("annotations", [])]
    return [html.unescape(t) for t in out if t]


def untranslated(at, domain: str, *, min_len: int = 20, allow: tuple[str, ...] = ()) -> list[str]:
    """Messages of ``domain`` longer than ``min_len`` characters that the page shows as they are, in English.

    ``allow`` lists messages that stay English on purpose (for example tab titles, which are link values).
    Messages with placeholders are matched by their longest literal piece.
    """
    text = "\n".join(shown_texts(at))
    found = []
    for msg in _messages(domain):
        if msg in allow or len(msg) <= min_len:
            continue
        pieces = [p for p in _literal_pieces(msg) if len(p) > min_len]
        if any(p in text for p in pieces):
            found.append(msg)
    return found


def _literal_pieces(msg: str) -> list[str]:
    """The text between the {placeholders} of a str.format template (the whole message when it has none)."""
    import string

    try:
        return [lit.strip() for lit, *_ in string.Formatter().parse(msg) if lit.strip()]
    except ValueError:
        return [msg]
