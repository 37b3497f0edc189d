"""Does a page in another language still show English? A check over an AppTest run, for every lesson's tests.

    from tests.app.i18n_check import untranslated
    assert not untranslated(at, "ensembles")

collects what the reader sees as text (markdown, captions, info/warning/error boxes, titles and headers, and the
labels and help of widgets and metrics) and returns each message of the lesson's catalog longer than ``min_len``
characters that appears there word for word, in English.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TEXT_ELEMENTS = ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader")
WIDGETS = ("slider", "selectbox", "radio", "toggle", "checkbox", "number_input", "text_input", "button", "metric",
           "multiselect", "select_slider", "text_area")


def shown_texts(at) -> list[str]:
    """Every piece of text the page shows: element bodies, and widget and metric labels and help."""
    texts = []
    for kind in TEXT_ELEMENTS:
        texts += [str(el.value) for el in at.get(kind)]
    for kind in WIDGETS:
        for el in at.get(kind):
            texts += [str(getattr(el, "label", "") or ""), str(getattr(el, "help", "") or "")]
            if kind == "metric":
                texts.append(str(el.proto.help or ""))
    return [t for t in texts if t]


def messages(domain: str) -> list[str]:
    """The English messages of one catalog (the code's, as scripts/catalogs.py extracts them)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import catalogs  # noqa: E402

    return list(catalogs.extract().get(domain, {}))


def untranslated(at, domain: str, *, min_len: int = 20, allowed: tuple[str, ...] = ()) -> list[str]:
    """The catalog's messages longer than ``min_len`` found verbatim in the page's text (``allowed``: messages
    the page shows in English on purpose, such as tab titles that are also link values)."""
    text = "\n".join(shown_texts(at))
    return [m for m in messages(domain) if len(m) > min_len and m not in allowed and m in text]
