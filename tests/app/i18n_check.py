"""Whether a page run in Chinese (AppTest) still shows an English sentence of a catalog.

    from tests.app.i18n_check import untranslated   # or `from i18n_check import untranslated` next to it
    assert not untranslated(at, "bagging")

Collects what the reader sees: titles, headers, markdown, captions, info/warning/error boxes, metrics, widget labels
and help texts, table column names and the figures' text (titles, axis titles, legends), and returns every msgid of
the catalog longer than ``min_len`` characters that appears there verbatim.
"""
from __future__ import annotations

import json
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "latex")
WIDGETS = ("slider", "select_slider", "selectbox", "multiselect", "number_input", "radio", "toggle", "checkbox",
           "button", "text_input", "text_area")


def msgids(domain: str, min_len: int = 20) -> list[str]:
    po = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / f"{domain}.po"
    with po.open("rb") as fh:
        return [m.id for m in read_po(fh) if m.id and len(m.id) > min_len]


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def shown_texts(at) -> list[str]:
    """Every text of the AppTest run a reader sees (one string per element, label or help)."""
    out = []
    for kind in TEXT_ELEMENTS:
        for el in at.get(kind):
            out.append(str(getattr(el, "value", "") or getattr(el, "body", "")))
    for el in at.get("metric"):
        out += [str(el.label), str(el.proto.help or "")]
    for kind in WIDGETS:
        for el in at.get(kind):
            out += [str(getattr(el, "label", "") or ""), str(getattr(el, "help", "") or "")]
    for el in at.get("tabs") if hasattr(at, "tabs") else []:
        out.append(str(getattr(el, "label", "")))
    for el in at.get("arrow_data_frame"):
        out += [str(c) for c in el.value.columns]
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        layout = spec.get("layout", {})
        out += list(_strings({k: v for k, v in layout.items() if k in ("title", "annotations")}))
        out += list(_strings({k: v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))}))
        out += [t.get("name", "") for t in spec.get("data", []) if isinstance(t.get("name"), str)]
    return [t for t in out if t]


def untranslated(at, domain: str, min_len: int = 20, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """The catalog's msgids (longer than ``min_len``) that the Chinese run shows verbatim (``allowed``: messages
    the page shows in English on purpose, such as tab titles that are also link values)."""
    texts = shown_texts(at)
    return [m for m in msgids(domain, min_len) if m not in allowed and any(m in t for t in texts)]
