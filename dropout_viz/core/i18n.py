"""Translations: gettext catalogs under locales/<locale>/LC_MESSAGES/*.po, one catalog (domain) per lesson.

Code writes English, ``_("Keep q for the hidden units")``; a catalog maps it to another language. Sentences with
numbers use named placeholders (``_("kept {kept} of {total}").format(kept=..., total=...)``) so a translator can
reorder them. This module knows nothing of Streamlit: ``translator(lang)`` gives the function for one language,
and ``dropout_viz.ui.i18n._`` picks the session's language. Figure builders take ``lang`` and call
``translator(lang)`` themselves (a cached figure is then cached per language).

The README's commands compile the catalogs (``.po`` -> ``.mo``, with Babel). A catalog without a compiled file, or
with one older than its ``.po``, is compiled in memory when first used, so a fresh checkout works as it is.
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path
from typing import Callable

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locales"
# The app's languages: code -> gettext locale (None: the source language, English, needs no catalog).
LOCALES = {"en": None, "zh": "zh_CN"}
DEFAULT = "en"


def language_name(lang: str) -> str:
    """A language's name in that language (CLDR's, via Babel): "English" for en, the Chinese word for Chinese for zh. Links store this name."""
    from babel import Locale  # only here: the rest of the module needs no Babel once catalogs are compiled

    return Locale.parse(lang).get_language_name(lang)


def _compiled(po: Path) -> gettext.GNUTranslations:
    """The catalog in ``po``, from its compiled .mo when that is up to date, else compiled in memory."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    """Every catalog of ``lang`` chained into one (English: no catalog, messages pass through)."""
    if lang not in LOCALES:
        raise ValueError(f"lang must be one of {sorted(LOCALES)}, got {str(lang)[:60]!r}")
    chain = gettext.NullTranslations()
    locale = LOCALES[lang]
    if locale is None:
        return chain
    for po in sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po")):
        catalog = _compiled(po)
        catalog.add_fallback(chain)
        chain = catalog
    return chain


def translator(lang: str) -> Callable[[str], str]:
    """``_`` for one language: English text in, the text in ``lang`` out (unchanged where no catalog has it)."""
    return translations(lang).gettext


def N_(message: str) -> str:
    """Marks a module-level constant for extraction; translate it where it is shown, with ``_``."""
    return message
