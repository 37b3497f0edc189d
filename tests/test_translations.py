"""Every message the code marks for translation has a Chinese translation with the same placeholders."""
import re
import string
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import catalogs  # noqa: E402  (scripts/catalogs.py: the README's `make messages`)
from babel.messages.pofile import read_po  # noqa: E402

from dropout_viz.core import i18n  # noqa: E402

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def placeholders(text: str) -> set[str]:
    """The named/positional fields of a str.format template ({x}, {x:.2f} -> x); none for LaTeX-like braces."""
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return set()


def catalog(domain: str):
    po = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / f"{domain}.po"
    assert po.exists(), f"{po.relative_to(ROOT)} is missing: run `make messages` and translate it"
    with po.open("rb") as fh:
        return read_po(fh)


MESSAGES = catalogs.extract()


@pytest.mark.parametrize("domain", sorted(MESSAGES))
def test_every_message_is_translated_with_the_same_placeholders(domain):
    cat = catalog(domain)
    missing, wrong = [], []
    for msg, where in MESSAGES[domain].items():
        entry = cat.get(msg)
        if entry is None or not entry.string:
            missing.append(f"{where[0][0]}:{where[0][1]}: {msg[:70]!r}")
        elif placeholders(msg) != placeholders(entry.string):
            wrong.append(f"{msg[:50]!r}: {sorted(placeholders(msg))} vs {sorted(placeholders(entry.string))}")
        elif not CJK.search(entry.string) and len(re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", "", msg))) > 2:
            wrong.append(f"{msg[:50]!r}: the translation has no Chinese")
    assert not missing, f"untranslated in {domain}.po (run `make messages`, then translate):\n" + "\n".join(missing)
    assert not wrong, "\n".join(wrong)


def test_catalogs_hold_no_stale_entries():
    """An entry whose English is gone from the code is dead weight and hides renamed text."""
    for po in sorted((ROOT / "locales" / "zh_CN" / "LC_MESSAGES").glob("*.po")):
        live = MESSAGES.get(po.stem, {})
        stale = [m.id for m in read_po(po.open("rb")) if m.id and m.id not in live]
        assert not stale, f"{po.name}: not in the code any more (run `make messages`): {stale[:5]}"


def test_a_message_reads_the_same_in_every_catalog():
    """The catalogs are chained into one translator: a message two lessons share must have one translation."""
    seen: dict[str, set] = {}
    for po in sorted((ROOT / "locales" / "zh_CN" / "LC_MESSAGES").glob("*.po")):
        for m in read_po(po.open("rb")):
            if m.id:
                seen.setdefault(m.id, set()).add(m.string)
    clashes = {k: v for k, v in seen.items() if len(v) > 1}
    assert not clashes, clashes


def test_translator_uses_the_catalogs():
    zh = i18n.translator("zh")
    en = i18n.translator("en")
    for domain, messages in MESSAGES.items():
        for msg in list(messages)[:3]:
            assert en(msg) == msg
            assert zh(msg) == catalog(domain).get(msg).string
    with pytest.raises(ValueError, match="lang"):
        i18n.translator("xx")


def test_no_chinese_inline_in_python():
    """Chinese lives in the catalogs only."""
    offenders = [p.relative_to(ROOT).as_posix() for p in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"),
                                                         *(ROOT / "dropout_viz").rglob("*.py")]
                 if CJK.search(p.read_text())]
    assert not offenders, offenders
