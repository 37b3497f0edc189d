"""The session's language: ``_("English text")`` in the language chosen in the sidebar (``?lang=`` and the language's own name).

Module-level constants are marked with ``N_`` (extracted, not translated) and passed through ``_`` where shown.
"""
from __future__ import annotations

import streamlit as st

from ..core import i18n
from ..core.i18n import N_, language_name  # noqa: F401  (re-exported for views)
from ..figures.style import keep_text

LANG_STATE = "_lang"  # page_setup stores the sidebar's choice here, before the page draws anything


def current_language() -> str:
    """The session's language code ("en" or "zh"): English until the sidebar says otherwise."""
    lang = st.session_state.get(LANG_STATE, i18n.DEFAULT)
    return lang if lang in i18n.LOCALES else i18n.DEFAULT


def _(message: str) -> str:
    """``message`` (English) in the session's language."""
    return i18n.translator(current_language())(message)


def is_chinese() -> bool:
    """Whether the session reads the pages in Chinese (for layout choices only: text goes through ``_``)."""
    return current_language() == "zh"


def tr(en: str, zh: str) -> str:
    """The explanatory text in the language chosen in the sidebar (transitional: pages still passing both texts)."""
    return zh if is_chinese() else en

def keep_words(q: float) -> str:
    """'keep q = 0.8 (drop rate p = 0.2)' in the session's language."""
    return keep_text(q, current_language())

def spinner(text: str, zh: str | None = None):
    """st.spinner with its text in the session's language (cached functions show none of their own: their text
    would be cached in the language of whoever computed them first). ``text`` is already through ``_``; the
    two-language form ``spinner(en, zh)`` serves the pages not yet moved to the catalogs."""
    return st.spinner(text if zh is None else tr(text, zh))

def translated_rows(rows, translate):
    """A table (a dict per row, or one dict) as the page shows it: in Chinese, column names and text cells passed
    through ``translate`` (numbers never); in English, unchanged."""
    if not is_chinese():
        return rows

    def one(row):
        return {translate(k): translate(v) if isinstance(v, str) else v for k, v in row.items()}
    return [one(r) for r in rows] if isinstance(rows, list) else one(rows)

def translated_names(series: dict, translate) -> dict:
    """A figure's series (name -> values) with the names passed through ``translate`` in Chinese."""
    return {translate(k): v for k, v in series.items()} if is_chinese() else series
