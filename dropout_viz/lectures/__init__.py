"""Guided lectures: a sequence of steps across the lab's pages, read from a small TOML file.

A lecture file looks like this (every text in both languages; ``params`` are the page's own link parameters)::

    id = "intro"
    title_en = "Dropout in one hour"
    title_zh = "..."

    [[step]]
    page = "pages/2_Live_training.py"
    params = { t_keep_h = 0.5 }
    say_en = "One sentence the lecturer says."
    say_zh = "..."
    point_en = "What to point at on the screen."
    point_zh = "..."

``parse`` turns the text into a ``Lecture`` or raises ``LectureError`` (a ValueError) naming the line of a TOML
syntax error, or the step number and field of a schema error. No Streamlit here: the frame draws the bar.
"""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Collection

HERE = Path(__file__).resolve().parent
BUILT_IN = ("intro",)  # the lectures shipped with the lab: <id>.toml in this folder
MIN_STEPS, MAX_STEPS = 1, 50
MAX_TEXT = 300  # characters of a talking point or pointer
MAX_BYTES = 50_000  # a lecture file is small
_ID = re.compile(r"[A-Za-z0-9_-]{1,30}")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,29}")
TEXT_FIELDS = ("say_en", "say_zh", "point_en", "point_zh")
STEP_FIELDS = ("page", "params", *TEXT_FIELDS)
# Link keys that belong to the frame or the lecture itself, never to a step's page.
RESERVED = frozenset({"lecture", "step", "presenter", "lang", "img"})


class LectureError(ValueError):
    """A lecture file that cannot be used; the message names the line, or the step and field."""


@dataclass(frozen=True)
class Step:
    page: str  # page file: "app.py" or "pages/N_Name.py"
    params: tuple[tuple[str, str], ...]  # the page's link parameters, as the link writes them
    say: dict  # language code -> the talking point
    point: dict  # language code -> what to point at


@dataclass(frozen=True)
class Lecture:
    id: str
    title: dict  # language code -> title
    steps: tuple[Step, ...]

    def keys(self) -> set[str]:
        """Every link parameter some step sets."""
        return {k for s in self.steps for k, _v in s.params}


def _link_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text(table: dict, field: str, where: str, required: bool = True) -> str:
    value = table.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise LectureError(f"{where}: field {field} must be non-empty text")
    if len(value) > MAX_TEXT:
        raise LectureError(f"{where}: field {field} is longer than {MAX_TEXT} characters")
    return value.strip()


def parse(text: str | bytes, pages: Collection[str]) -> Lecture:
    """The lecture in ``text`` (TOML), whose steps may open only the page files in ``pages``."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise LectureError(f"the file is larger than {MAX_BYTES:,} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LectureError(f"the file is not UTF-8 text (byte {exc.start + 1})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python's message ends with "(at line L, column C)"; keep it, it names the line.
        raise LectureError(f"not valid TOML: {exc}") from None
    lecture_id = data.get("id")
    if not isinstance(lecture_id, str) or not _ID.fullmatch(lecture_id):
        raise LectureError("field id must be 1 to 30 letters, digits, _ or -")
    title = {"en": _text(data, "title_en", "the lecture"), "zh": _text(data, "title_zh", "the lecture")}
    unknown = set(data) - {"id", "title_en", "title_zh", "step"}
    if unknown:
        raise LectureError(f"the lecture: unknown field {sorted(unknown)[0]}")
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        raise LectureError("the lecture needs its steps as [[step]] tables")
    if not MIN_STEPS <= len(raw_steps) <= MAX_STEPS:
        raise LectureError(f"the lecture needs {MIN_STEPS} to {MAX_STEPS} steps, got {len(raw_steps)}")
    steps = []
    for n, raw in enumerate(raw_steps, start=1):
        where = f"step {n}"
        extra = set(raw) - set(STEP_FIELDS)
        if extra:
            raise LectureError(f"{where}: unknown field {sorted(extra)[0]}")
        page = raw.get("page")
        if not isinstance(page, str):
            raise LectureError(f"{where}: field page is missing")
        if page not in pages:
            raise LectureError(f"{where}: field page names no page of the lab: {page[:60]}")
        params = raw.get("params", {})
        if not isinstance(params, dict):
            raise LectureError(f"{where}: field params must be a table (params = {{ key = value }})")
        for k, v in params.items():
            if not _KEY.fullmatch(k) or k in RESERVED:
                raise LectureError(f"{where}: field params has a key that cannot be a page's: {k[:30]}")
            if not isinstance(v, (str, int, float, bool)):
                raise LectureError(f"{where}: field params.{k} must be text, a number or true/false")
        steps.append(Step(page=page, params=tuple((k, _link_value(v)) for k, v in params.items()),
                          say={"en": _text(raw, "say_en", where), "zh": _text(raw, "say_zh", where)},
                          point={"en": _text(raw, "point_en", where), "zh": _text(raw, "point_zh", where)}))
    return Lecture(id=lecture_id, title=title, steps=tuple(steps))


def built_in_text(lecture_id: str) -> str:
    """The TOML text of a lecture shipped with the lab."""
    if lecture_id not in BUILT_IN:
        raise ValueError(f"lecture_id must be one of {BUILT_IN}, got {str(lecture_id)[:60]!r}")
    return _read_built_in(lecture_id)


@functools.cache
def _read_built_in(lecture_id: str) -> str:
    """The file's text, read once per process: the sidebar offers it for download on every run of every page."""
    return (HERE / f"{lecture_id}.toml").read_text(encoding="utf-8")
