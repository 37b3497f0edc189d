"""checks.quote: outside values in library messages, cut to about 60 characters."""
from dropout_viz.core.checks import quote


def test_quote_cuts_long_strings_and_marks_the_cut():
    assert quote("2-²-2") == "'2-²-2'"
    long = "https://evil.example/" + "x" * 5000
    assert quote(long) == repr(long[:60]) + "…" and len(quote(long)) <= 63
    assert quote("x" * 60) == repr("x" * 60)  # exactly at the limit: nothing cut
    assert quote("abc", limit=2) == "'ab'…"


def test_quote_writes_other_values_as_python_does_and_cuts_them_too():
    assert quote(2) == "2" and quote(None) == "None" and quote(1.5) == "1.5"
    nested = [[0] * 1000]
    assert quote(nested) == repr(nested)[:60] + "…"
