"""The session's language: ``_("English text")`` in the language chosen in the sidebar (``?lang=中文``).

Module-level constants are marked with ``N_`` (extracted, not translated) and passed through ``_`` where shown.
"""
from __future__ import annotations

import streamlit as st

from ..core import i18n
from ..core.i18n import N_, language_name  # noqa: F401  (re-exported for views)

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
