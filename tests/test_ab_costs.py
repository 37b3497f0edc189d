"""scripts/ab_costs.py: the paired measurement's order and its arguments (the servers themselves: make costs-ab)."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import ab_costs  # noqa: E402
from loadtest.controls import ActionFailed  # noqa: E402


@dataclass
class Done:
    cpu_s: float
    errors: list


class FakeClient:
    def __init__(self, name, log, cpu_ms, errors=()):
        self.name, self.log, self.cpu_ms, self.errors = name, log, cpu_ms, list(errors)

    def set_widget(self, widget, value):
        self.log.append((self.name, value))
        return Done(self.cpu_ms / 1000, self.errors)


def test_moves_alternate_abba_the_first_is_not_measured_and_both_go_back():
    log = []
    a, b = FakeClient("a", log, 20.0), FakeClient("b", log, 15.0)
    cpu = ab_costs.measure_pair([a, b], [lambda: "w", lambda: "w"], [1, 2, 3, 4], first=0)
    assert log == [("a", 1), ("b", 1), ("b", 2), ("a", 2), ("a", 3), ("b", 3), ("b", 4), ("a", 4), ("a", 0), ("b", 0)]
    assert cpu == ([20.0] * 3, [15.0] * 3)


def test_a_server_that_shows_an_error_stops_the_control():
    log = []
    with pytest.raises(ActionFailed, match="server B"):
        ab_costs.measure_pair([FakeClient("a", log, 1.0), FakeClient("b", log, 1.0, ["boom"])],
                              [lambda: "w", lambda: "w"], [1, 2], first=0)


def test_arguments():
    args = ab_costs.parse_args(["--base", "HEAD~1", "--pages", "home, bagging", "--moves", "3"])
    assert args.base == "HEAD~1" and args.pages == ["home", "bagging"] and args.moves == 3
    for bad in ([], ["--base", "x", "--base-root", "y"], ["--base", "x", "--moves", "0"]):
        with pytest.raises(SystemExit):
            ab_costs.parse_args(bad)


def test_make_costs_ab_runs_the_script_with_its_arguments():
    out = subprocess.run(["make", "-n", "costs-ab", "AB_ARGS=--base HEAD~2 --pages home"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "scripts/ab_costs.py --base HEAD~2 --pages home" in out
