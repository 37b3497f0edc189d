"""ui.widgets.plain: outside text (links, uploads, file names) shown exactly, never read as Markdown or HTML."""
import html
import re

import pytest

from dropout_viz.ui.widgets import plain

HOSTILE = [
    "x` [Log in again](https://evil.example/login) `y",
    "**bold** __under__ *it* _it_",
    "<script>alert(1)</script><a href='javascript:alert(1)'>x</a>",
    "javascript:alert(document.cookie)",
    "[click](javascript:alert(1))",
    "Shared by your lecturer: https://evil.example/login www.evil.example me@evil.example",
    ":red[colour] :material/home: :smile: $x^2$ # heading\n- item\n1. item",
    "a\\`b\\\\c | table | ~~strike~~ ![img](http://x/y.png)",
    "中文 keep=0.5 &amp; &#96;",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_plain_shows_the_exact_characters_and_no_markdown_syntax(value):
    out = plain(value, limit=10_000)
    # Only letters, digits, spaces and numeric character references remain: nothing Markdown or HTML can parse.
    assert re.fullmatch(r"(?:[^\W_]| |&#\d+;)*", out), out
    # A reader sees the original text (control characters as spaces; word joiners are invisible).
    shown = html.unescape(out)
    assert shown.replace(WJ, "") == re.sub(r"\s", " ", value)
    # Streamlit's Markdown links addresses in the decoded text (GFM autolink literals): none may be left.
    assert not re.search(r"https?://|www\.|[-.\w+]@", shown, re.IGNORECASE), shown


WJ = "\u2060"  # word joiner


def test_plain_cuts_long_values():
    out = plain("a" * 5000)
    assert html.unescape(out) == "a" * 60 + "…"
    assert len(plain("x" * 5000, limit=20)) < 40


def test_plain_keeps_short_plain_text_readable():
    assert plain("Masks 12") == "Masks 12"
    assert plain(0.5) == "0&#8288;&#46;5"
    assert plain("") == ""
