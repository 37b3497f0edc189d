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


def keep_words(q: float) -> str:
    """'keep q = 0.8 (drop rate p = 0.2)' in the session's language."""
    return keep_text(q, current_language())


def spinner(text: str):
    """st.spinner with its text (already through ``_``): cached functions show none of their own, since their text
    would be cached in the language of whoever computed them first."""
    return st.spinner(text)
