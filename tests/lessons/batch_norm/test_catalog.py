"""The lesson's Chinese catalog covers every message of the lesson, with the same placeholders."""
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "batch_norm.po"


def _placeholders(text):
    return sorted(re.findall(r"\{[^}]*\}", text))


def test_every_message_of_the_lesson_is_translated_with_its_placeholders():
    sys.path.insert(0, str(ROOT / "scripts"))
    import catalogs

    messages = catalogs.extract()["batch_norm"]
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id: m.string for m in catalog if m.id}
    missing = [m for m in messages if not translated.get(m)]
    assert not missing, missing
    for msg in messages:
        assert _placeholders(translated[msg]) == _placeholders(msg), msg
        assert re.search(r"[\u4e00-\u9fff]", translated[msg]) or msg.startswith(("q =", "dropout →", "BN →")), msg
