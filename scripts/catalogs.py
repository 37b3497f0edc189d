"""Gettext catalogs: `update` extracts the app's messages into locales/<locale>/LC_MESSAGES/<domain>.po, `compile`
turns every .po into .mo. One domain per lesson (dropout_viz/lessons/<name>/ -> <name>.po); every other file's
messages (app.py, pages/, dropout_viz/ui/) are in app.po.

    python scripts/catalogs.py update    # after changing text in the code; then translate the new entries
    python scripts/catalogs.py compile   # the README's commands run this (make run / make test)
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TARGETS = ("zh_CN",)
SOURCES = ("app.py", "pages", "dropout_viz")
KEYWORDS = {"_": None, "N_": None}


def domain_of(path: str) -> str:
    """The catalog a source file's messages belong to."""
    parts = Path(path).parts
    if len(parts) > 2 and parts[:2] == ("dropout_viz", "lessons"):
        return parts[2]
    return "app"


def extract() -> dict[str, dict[str, list[tuple[str, int]]]]:
    """domain -> message -> [(file, line), ...] for every ``_("…")`` / ``N_("…")`` in the code."""
    found: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for source in SOURCES:
        path = ROOT / source
        if path.is_file():
            from babel.messages.extract import extract_from_file
            items = ((source, *item) for item in extract_from_file("python", path, keywords=KEYWORDS))
            items = ((f, ln, msg) for f, ln, msg, *_ in items)
        else:
            items = ((str(Path(source) / f), ln, msg)
                     for f, ln, msg, *_ in extract_from_dir(path, method_map=[("**.py", "python")], keywords=KEYWORDS))
        for file, line, msg in items:
            if isinstance(msg, str) and msg:
                found[domain_of(file)][msg].append((file, line))
    return found


def update() -> None:
    for locale in TARGETS:
        folder = LOCALES / locale / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        for domain, messages in sorted(extract().items()):
            po = folder / f"{domain}.po"
            old = read_po(po.open("rb")) if po.exists() else Catalog(locale=locale)
            # The old header's dates stay: an update that changes no message changes no byte.
            new = Catalog(locale=locale, project="Dropout Lab", domain=domain, fuzzy=False,
                          creation_date=old.creation_date if po.exists() else None,
                          revision_date=old.revision_date if po.exists() else None)
            for msg, where in messages.items():
                prev = old.get(msg)
                new.add(msg, prev.string if prev is not None else "", locations=where)
            with po.open("wb") as fh:
                write_po(fh, new, width=120, sort_output=False, omit_header=False, include_lineno=False)
            missing = sum(1 for m in new if m.id and not m.string)
            print(f"{po.relative_to(ROOT)}: {len(new)} messages, {missing} untranslated")


def compile_all() -> None:
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    else:
        sys.exit(__doc__)
