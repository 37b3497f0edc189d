"""scripts/warm.py: the first visitor of every page, on loopback only."""
import contextlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import warm  # noqa: E402


@pytest.mark.parametrize("url", ["http://10.0.0.5:8501", "http://example.org", "https://192.168.1.2:8501"])
def test_warm_refuses_addresses_off_this_machine(url):
    with pytest.raises(SystemExit, match="loopback"):
        warm.check_loopback(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8501", "http://localhost:9", "http://[::1]:8501"])
def test_warm_accepts_loopback(url):
    warm.check_loopback(url)


def test_warm_gives_up_when_nothing_answers():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "warm.py"), "--url", "http://127.0.0.1:9",
                          "--wait", "1"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "does not answer" in out.stderr


@contextlib.contextmanager
def _walk_app(tmp_path, log):
    """A replica (serve.start_replica, as make serve starts one) of tests/data/walk_app.py logging its runs to log."""
    import serve

    replica = serve.start_replica("r0", serve.free_port(), app=ROOT / "tests" / "data" / "walk_app.py",
                                  log=tmp_path / "replica.log", cache_dir=tmp_path / "cache",
                                  extra_env={"DROPOUT_LAB_WALK_LOG": str(log)})
    try:
        serve.wait_healthy(replica.url, replica.proc, replica.log)
        yield replica
    finally:
        serve.stop(replica.proc)


def test_the_walk_sets_every_control_to_each_of_its_values_one_at_a_time(tmp_path):
    """scripts/warm.py --walk against a small app: every control of the page and of each tab goes through its
    walk values (at most max_values, a number input its `numbers` nearest) with every other control at its
    default, then back to its default; nothing else is asked of the server."""
    import json

    log = tmp_path / "runs.jsonl"
    with _walk_app(tmp_path, log) as replica:
        rows = warm.walk(replica.url, pages=[], max_values=3, numbers=4, budget_s=120)
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    defaults = {"keep": 0.3, "mode": "a", "seed": 0, "k": 1}
    moved = set()
    for run in runs:
        changed = {name: v for name, v in run.items() if v != defaults[name]}
        assert len(changed) <= 1, f"two controls away from their defaults at once: {run}"
        moved |= set(changed.items())
    # the three slider values nearest 0.3, both other modes, seeds 1-4 (not 0 - 1: below the minimum), k 2 and 3
    assert moved == {("keep", 0.4), ("keep", 0.2), ("keep", 0.5), ("mode", "b"), ("mode", "c"),
                     ("seed", 1), ("seed", 2), ("seed", 3), ("seed", 4), ("k", 2), ("k", 3)}
    assert "k" in runs[-1] and runs[-1] == {"keep": 0.3, "mode": "a", "k": 1}  # the last tab, all back at defaults
    by_control = {r.control: r for r in rows}
    assert {name: r.values for name, r in by_control.items()} == {"Keep q": 4, "Mode": 3, "Seed": 5, "k": 3}
    assert not [r.errors for r in rows if r.errors]


def test_after_the_walk_the_server_releases_its_programs_once(tmp_path, capsys):
    """make serve WALK=1: each replica watches its release file ($DROPOUT_LAB_RELEASE_FILE, set by
    serve.start_replica), and scripts/warm.py --release touches it after the walk and opens the pages again:
    the first run after the touch releases, no other."""
    import json

    import serve

    log = tmp_path / "runs.jsonl"
    with _walk_app(tmp_path, log) as replica:
        assert replica.release is not None and not replica.release.exists()
        warm.walk(replica.url, pages=[], max_values=2, numbers=1, budget_s=120)
        walked = len(log.read_text().splitlines())
        warm.release(replica.url, replica.release)
        warm.warm(replica.url)
    assert "Live training not played" in capsys.readouterr().err  # this app has no live view: said, and it goes on
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert not any("released" in r for r in runs[:walked])
    assert [i for i, r in enumerate(runs) if r.get("released")] == [walked]
    assert len(runs) > walked + 1
    cmd = serve.warm_command(replica.url, True, replica.release)
    assert cmd[cmd.index("--release") + 1] == str(replica.release)
    assert "--release" not in serve.warm_command(replica.url, False, replica.release)


@pytest.mark.parametrize("walk", [False, True])
def test_make_run_and_make_serve_walk_only_when_asked(walk):
    """WALK=1 adds --walk to the warm-up of make run and to make serve (which gives it to every replica's
    warm-up); without it neither walks."""
    import serve

    extra = ["WALK=1"] if walk else []
    for target in ("run", "serve"):
        out = subprocess.run(["make", "-n", target, *extra], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        lines = [line for line in out.stdout.replace("\\\n", " ").splitlines()
                 if ("warm.py" in line or "serve.py" in line or "streamlit run" in line)]
        assert lines, out.stdout
        assert ("--walk" in " ".join(lines)) == walk, lines
        if target == "run":  # the server watches the file the warm-up touches after its walk
            assert ("--release" in " ".join(lines)) == walk, lines
            release = next(w for w in " ".join(lines).split() if w.startswith("DROPOUT_LAB_RELEASE_FILE="))
            assert not walk or f"--release {release.split('=', 1)[1]}" in " ".join(lines)
    assert ("--walk" in serve.warm_command("http://127.0.0.1:1", walk)) == walk


def test_the_page_filter_matches_a_name_or_path_and_home():
    from loadtest.controls import wanted

    assert wanted([], "Masks and subnetworks", "Masks_and_subnetworks")
    assert wanted(["masks"], "Masks and subnetworks", "Masks_and_subnetworks")
    assert wanted(["ensemble_vs"], "Ensemble vs weight scaling", "Ensemble_vs_weight_scaling")  # by URL path
    assert wanted(["home"], "app", "") and not wanted(["home"], "Masks and subnetworks", "Masks_and_subnetworks")
    assert not wanted(["bagging", "inside"], "Uncertainty", "Uncertainty")


def test_the_release_plays_the_live_view_after_dropping_the_programs(tmp_path, capsys):
    """The release drops every compiled program, the live view's too: warm.release opens the pages again and plays
    Live training once (Play, its batches, Pause), so that a class's first Play after a walked start does not trace
    them while thirty others play. An app without the view says so and goes on (the test above)."""
    import serve

    replica = serve.start_replica("r0", serve.free_port(), app=ROOT / "app.py", log=tmp_path / "replica.log",
                                  cache_dir=ROOT / ".cache" / "jax")  # the compiled programs of `make load`
    try:
        serve.wait_healthy(replica.url, replica.proc, replica.log)
        warm.release(replica.url, replica.release)
    finally:
        serve.stop(replica.proc)
    err = capsys.readouterr().err
    assert "the walk's programs released" in err and "Live training played" in err, err
