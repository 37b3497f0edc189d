"""The ensemble page's cached calls replay only their own progress bars.

A cached function replays, on every cache hit, the elements made while it ran: one that looked the model up with
trained() inside would resend the training bar (each of its updates) whenever it is hit. Here a second run of the
page with the same settings (everything from the caches) replays the training bar once (the page's own look-up)
and nothing from the figures.
"""
from __future__ import annotations

import collections
from pathlib import Path

import pytest
from streamlit.runtime.caching import cache_utils
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "3_Ensemble_vs_weight_scaling.py")


@pytest.fixture
def replays(monkeypatch):
    """(cached function's name, elements it replayed) of every cache hit."""
    seen: list = []
    original = cache_utils.replay_cached_messages

    def record(result, cache_type, cached_func):
        seen.append((getattr(cached_func, "__name__", str(cached_func)), len(result.messages)))
        return original(result, cache_type, cached_func)

    monkeypatch.setattr(cache_utils, "replay_cached_messages", record)
    return seen


@pytest.mark.parametrize("tab", [None, "Uncertainty (MC dropout)"])
def test_a_rerun_from_the_caches_replays_the_training_bar_once(replays, tab):
    at = AppTest.from_file(PAGE, default_timeout=600)
    if tab:
        at.query_params["e_tab"] = tab
    at.run()
    assert not at.exception
    replays.clear()
    at.run()
    assert not at.exception
    replayed = collections.Counter()
    for name, n in replays:
        replayed[name] += n
    assert replays, "the rerun hit no cache"
    assert sum(1 for name, n in replays if name == "trained" and n) <= 1 + (tab is not None), replays
    figures = {name: n for name, n in replayed.items() if name.endswith(("_figure", "_figures"))}
    assert figures and not any(figures.values()), figures
