#!/usr/bin/env python3
"""Lecture-hall load test (`make load`): simulated students on the protocol, real browsers beside them.

1. Starts the app: one Streamlit server (--replicas 1, the default) or N replicas behind nginx (--replicas N,
   scripts/serve.py), each on loopback and each timing its script runs; or uses --url.
2. Warms every replica up with one visit of the pages and actions used (loadtest/warmup.py).
3. Starts the browsers, and once they have made their own warm-up visit and joined (Chromium's start-up is the
   test rig's work: in a lecture each student's laptop does it), runs at the same time, for --duration seconds
   after the ramp-up:
   - Locust (loadtest/locustfile.py) with --users simulated students that speak Streamlit's websocket protocol
     and render nothing, --players of them on the Live training page playing (frames are timed), the others
     moving keep sliders and changing page; 1-3 s of thinking between actions;
   - --browsers real headless Chromium sessions (scripts/load_test.py) doing the browser round, for the
     slider -> figure time that a person sees;
   then the burst (unless --no-burst): every simulated student goes home and, within 5 s, moves the same
   slider to 0.2, as when a lecturer says "now set keep to 0.2".
4. Prints the report (server time per action type, p50/p95; the longest wait for a frame while playing; the
   burst; the browsers' p95; server RSS and CPU) and writes it as JSON (--json-out). Exit status 1 when a
   target is missed (loadtest/report.py: TARGETS).

Only loopback: it starts its own servers (or takes --url, which must be a loopback address), and every
part stops by itself (Locust's --run-time, the browsers' --duration, a hard deadline for the whole run).

    scripts/load.py                                   # 60 students (30 playing), 3 browsers, 1 replica, 120 s
    scripts/load.py --replicas 2                      # the same against 2 replicas behind nginx
    scripts/load.py --users 20 --players 10 --browsers 0 --duration 30 --no-burst   # a short check
    scripts/load_test.py --sessions 30                # the older mode: 30 real browsers, no simulated students
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "scripts"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import load_test  # noqa: E402  (the browsers' runner: its /proc sampling and its server probe)
import serve  # noqa: E402
import warm  # noqa: E402  (the start-up walk of make serve, for --walk)

from loadtest import app_map as students  # noqa: E402  (page and widget names; not the locustfile: gevent)
from loadtest import priority  # noqa: E402  (--client-nice)
from loadtest import report as rep  # noqa: E402
from loadtest import warmup  # noqa: E402

ARTIFACTS = ROOT / "artifacts"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def probe_replica(runs_dir: Path):
    """A Deployment start function: each replica is `streamlit run` under load_test.serve_with_probe, which
    writes one line per script run (kind, seconds) to runs_dir/<name>.jsonl."""
    def start(name: str, port: int, log: Path, cache_dir: Path, threads: int | None = None) -> serve.Replica:
        code = (f"import sys; sys.path.insert(0, {str(ROOT / 'scripts')!r}); import load_test; "
                f"load_test.serve_with_probe({str(runs_dir / (name + '.jsonl'))!r}, sys.argv[1:])")
        return serve.start_replica(name, port, app=ROOT / "app.py", log=log, cache_dir=cache_dir,
                                   argv_prefix=[sys.executable, "-c", code],
                                   extra_env={"DROPOUT_LAB_CACHE_DIR": str(cache_dir)}, threads=threads)
    return start


class Servers:
    """The app under test: 1 replica alone (its own URL) or N behind nginx."""

    def __init__(self, replicas: int, runs_dir: Path):
        self.runs_dir = runs_dir
        cache = Path(os.environ.get("DROPOUT_LAB_CACHE_DIR") or ROOT / ".cache" / "jax")
        self.dep = serve.Deployment(replicas, cache_dir=cache, log_dir=ARTIFACTS, start_replica_fn=probe_replica(runs_dir))
        self.replicas = replicas

    def start(self) -> "Servers":
        if self.replicas == 1:  # no nginx in front of a single replica
            fn = self.dep.start_replica_fn
            self.dep.cache_dir.mkdir(parents=True, exist_ok=True)
            r = fn("r0", serve.free_port(), ARTIFACTS / "replica-r0.log", self.dep.cache_dir, serve.xla_threads(1))
            self.dep.replicas.append(r)
            try:
                serve.wait_healthy(r.url, r.proc, r.log)
            except BaseException:
                self.dep.stop()
                raise
        else:
            self.dep.start()
        return self

    @property
    def url(self) -> str:
        return self.dep.replicas[0].url if self.replicas == 1 else self.dep.url

    def replica_urls(self) -> list[str]:
        return [r.url for r in self.dep.replicas]

    def pids(self) -> list[int]:
        return self.dep.pids()

    def logs(self) -> list[Path]:
        return [r.log for r in self.dep.replicas]

    def stop(self) -> None:
        self.dep.stop()


class Sampler(threading.Thread):
    """Every second: RSS of the server processes (replicas and nginx, with their children) and CPU seconds of
    the servers, of everything else this script started (Locust, Playwright, Chromium) and of the machine."""

    def __init__(self, server_pids: list[int]):
        super().__init__(daemon=True)
        self.server_pids = server_pids
        self.peak_mb = None
        self.last_mb = None
        self.seen = {"server": {}, "client": {}}
        self.cpu = {}
        self.halt = threading.Event()

    def sample(self) -> None:
        table = load_test._proc_table()
        server = set()
        for pid in self.server_pids:
            server |= load_test._tree(pid, table)
        mine = load_test._tree(os.getpid(), table) - server
        if server:
            self.last_mb = round(load_test._rss_mb(server), 1)
            self.peak_mb = max(self.peak_mb or 0.0, self.last_mb)
        for group, pids in (("server", server), ("client", mine)):
            self.seen[group].update({p: table[p][1] for p in pids})
        cpu = {group: sum(times.values()) for group, times in self.seen.items()}
        cpu["machine"] = load_test._machine_busy_s()
        cpu["at"] = time.monotonic()
        self.cpu = cpu

    def run(self) -> None:
        while not self.halt.wait(1.0):
            self.sample()


BROWSERS_READY_S = 240.0  # the browsers' warm-up visit and joins, at most (then the students start regardless)


def wait_for_file(path: Path, proc: subprocess.Popen, timeout_s: float, poll_s: float = 0.2) -> bool:
    """Wait until ``path`` exists (True), or ``proc`` has ended or timeout_s has passed (False)."""
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if proc.poll() is not None or time.monotonic() >= deadline:
            return path.exists()
        time.sleep(poll_s)
    return True


def cores_used(cpu0: dict, cpu1: dict) -> dict:
    wall = cpu1["at"] - cpu0["at"]
    if wall <= 0:
        return {}
    out = {k: round((cpu1[k] - cpu0[k]) / wall, 2) for k in ("server", "client", "machine")}
    out["other"] = round(max(out["machine"] - out["server"] - out["client"], 0.0), 2)
    return out


def server_runs(runs_dir: Path, start: float, end: float) -> dict:
    """The replicas' script runs within [start, end] (monotonic), by kind, all replicas together."""
    merged: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for path in sorted(runs_dir.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                run = json.loads(line)
            except ValueError:
                continue
            if start <= run["t"] <= end:
                merged.setdefault(run["kind"], []).append(run["s"])
                if "cpu" in run:
                    cpu.setdefault(run["kind"], []).append(run["cpu"])
    out = {kind: rep.describe(v) for kind, v in sorted(merged.items())}
    for kind, values in cpu.items():  # CPU seconds of the script thread: what a run costs however busy the box
        out[kind]["cpu_p50"] = rep.describe(values)["p50"]
        out[kind]["cpu_total"] = round(sum(values), 2)
    return out


def walk_replica(url: str, release: Path | None) -> None:
    """One replica's start-up walk as make serve WALK=1 runs it (scripts/warm.py --walk --release)."""
    warm.walk(url, pages=[], max_values=warm.MAX_VALUES, numbers=warm.NUMBERS, budget_s=3 * 3600)
    if release is not None:
        warm.release(url, release)


# The load generators run below the server (loadtest/priority.py): on the server's two cores they stand for the
# students' laptops, which in a lecture take nothing from it. With equal weights their bursts (Chromium's page
# loads and playing views) delayed every student's answer at once (README, Load test: runs n1-p1, nw1-w1).
CLIENT_NICE = 10


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=60, help="simulated students (default 60)")
    p.add_argument("--players", type=int, default=None, help="of them playing training (default: half)")
    p.add_argument("--browsers", type=int, default=3, help="real Chromium sessions beside them (default 3; 0: none)")
    p.add_argument("--duration", type=float, default=120.0, help="seconds of load after the ramp-up (default 120)")
    p.add_argument("--spawn-rate", type=float, default=5.0, help="students joining per second (default 5)")
    p.add_argument("--replicas", type=int, default=1, help="app processes; 2 or more: behind nginx (default 1)")
    p.add_argument("--url", help="test an app already running at this loopback URL instead of starting one")
    p.add_argument("--walk", action="store_true", help="walk every replica first as make serve does (scripts/warm.py "
                   "--walk --release, all replicas at once: minutes), then load it")
    p.add_argument("--no-burst", dest="burst", action="store_false", help="skip the burst at the end")
    p.add_argument("--think", type=float, nargs=2, default=[1.0, 3.0], metavar=("MIN", "MAX"))
    p.add_argument("--play", type=float, default=20.0, help="seconds each Play of a player lasts (default 20)")
    p.add_argument("--json-out", type=Path, help="also write the JSON report here")
    p.add_argument("--chromium", default=os.environ.get("DROPOUT_LAB_CHROMIUM", "/usr/bin/chromium"))
    p.add_argument("--client-nice", type=priority.niceness, default=CLIENT_NICE, metavar="N",
                   help=f"run the load generators (Locust and the real browsers) at this niceness, 0..19 (default "
                        f"{CLIENT_NICE}): they take the cores the server leaves, as the students' own laptops would "
                        f"in a lecture; 0 weighs them as the server's equals (loadtest/priority.py)")
    args = p.parse_args(argv)
    if args.players is None:
        args.players = args.users // 2
    if not (1 <= args.users <= 500 and 0 <= args.players <= args.users and 0 <= args.browsers <= 30
            and 5 <= args.duration <= 1800 and args.replicas >= 1 and args.spawn_rate > 0):
        p.error("need 1 <= --users <= 500, 0 <= --players <= --users, 0 <= --browsers <= 30, "
                "5 <= --duration <= 1800, --replicas >= 1, --spawn-rate > 0")
    if args.url and args.walk:
        p.error("--walk walks the replicas this command starts, not an app at --url (walk that with scripts/warm.py)")
    if args.url and urllib.parse.urlsplit(args.url).hostname not in LOOPBACK:
        p.error("--url must be a loopback address (127.0.0.1, localhost, [::1]): the load test never targets "
                "another machine")
    if args.browsers and not os.access(args.chromium, os.X_OK):
        p.error(f"no Chromium at {args.chromium} (make test installs it), or use --browsers 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    loadavg_start = os.getloadavg()
    ARTIFACTS.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dlab-load-", dir=ARTIFACTS))
    runs_dir = work / "runs"
    runs_dir.mkdir()
    servers = None
    if args.url:
        url, replica_urls = args.url.rstrip("/"), [args.url.rstrip("/")]
        pid = load_test.pid_listening_on(urllib.parse.urlsplit(url).port or 80)
        server_pids = [pid] if pid else []
    else:
        print(f"load: starting {args.replicas} replica(s){' behind nginx' if args.replicas > 1 else ''} ...",
              file=sys.stderr, flush=True)
        servers = Servers(args.replicas, runs_dir).start()
        url, replica_urls, server_pids = servers.url, servers.replica_urls(), servers.pids()
    procs: list[subprocess.Popen] = []
    try:
        t0 = time.monotonic()
        for r_url in replica_urls:  # each replica compiles (or loads) and caches for itself
            warmup.visit(r_url, home_slider=students.HOME_SLIDER, masks_page=students.MASKS,
                         masks_slider=students.MASKS_SLIDER, training_page=students.TRAINING,
                         view_key=students.VIEW_KEY)
        warmup_s = time.monotonic() - t0
        walk_s = None
        if args.walk:  # as make serve WALK=1: every replica walked at once, then its programs released
            t0 = time.monotonic()
            walkers = [threading.Thread(target=walk_replica, args=(r.url, r.release), daemon=True)
                       for r in servers.dep.replicas]
            for t in walkers:
                t.start()
            for t in walkers:
                t.join(4 * 3600)
            walk_s = time.monotonic() - t0
            print(f"load: walked {len(walkers)} replica(s) in {walk_s:.0f} s", file=sys.stderr, flush=True)
        sampler = Sampler(server_pids)
        sampler.sample()
        baseline_mb = sampler.last_mb
        sampler.start()

        ramp_s = args.users / args.spawn_rate
        burst_tail_s = 40.0 if args.burst else 0.0
        run_s = ramp_s + args.duration + burst_tail_s
        out = work / "students.json"
        env = {**os.environ, "DLAB_LOAD_OUT": str(out), "DLAB_PLAYERS": str(args.players),
               "DLAB_PLAY_S": str(args.play), "DLAB_THINK": f"{args.think[0]} {args.think[1]}",
               "PYTHONUNBUFFERED": "1", "DLAB_NICE": str(args.client_nice)}
        if args.players == 0:
            env["DLAB_PLAYERS"] = "0"
        locust_cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
                      "--host", url, "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{int(run_s) + 1}s",
                      "--stop-timeout", "0", "--only-summary", "--loglevel", "WARNING"]
        if args.players == 0:
            locust_cmd.append("Student")
        elif args.players == args.users:
            locust_cmd.append("Player")
        browsers_json = work / "browsers.json"
        if args.browsers:
            # The browsers first: Chromium's start-up, its warm-up visit and first page loads take a core or two for
            # 10-30 s here, which in a lecture each student's own laptop spends. The students start once the
            # browsers have joined, and both then act at the same time.
            ready = work / "browsers.ready"
            browsers = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "load_test.py"), "--url", url, "--sessions", str(args.browsers),
                 "--duration", str(ramp_s + args.duration), "--json-out", str(browsers_json),
                 "--chromium", args.chromium, "--ready-file", str(ready), "--client-nice", str(args.client_nice)],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(work / "browsers.log", "w"), start_new_session=True)
            procs.append(browsers)
            wait_for_file(ready, browsers, BROWSERS_READY_S)
        if args.burst:  # from the students' start
            env["DLAB_BURST_AT"] = str(time.time() + 2 + ramp_s + args.duration)
        log = open(work / "locust.log", "w")
        procs.append(subprocess.Popen(locust_cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True))
        cpu0 = dict(sampler.cpu)
        start = time.monotonic()
        hard_deadline = start + run_s + 420  # the browsers' own grace and warm-up; then everything is stopped
        print(f"load: {args.users} students ({args.players} playing), {args.browsers} browsers against {url} for "
              f"{run_s:.0f} s (artifacts: {work})", file=sys.stderr, flush=True)
        for proc in procs:
            left = max(hard_deadline - time.monotonic(), 1)
            try:
                proc.wait(timeout=left)
            except subprocess.TimeoutExpired:
                serve.stop(proc)
        end = time.monotonic()
        sampler.halt.set()
        sampler.join(5)
        cpu = cores_used(cpu0, sampler.cpu) if cpu0 else {}
        server_cpu_s = round(sampler.cpu["server"] - cpu0["server"], 1) if cpu0 else None
        if not server_pids:
            cpu["server"] = None
    finally:
        for proc in procs:
            if proc.poll() is None:
                serve.stop(proc)
        if servers is not None:
            servers.stop()

    data = json.loads(out.read_text()) if out.exists() else {"samples": [], "plays": [], "errors": []}
    errors = list(data["errors"])
    if not out.exists():
        errors.append({"user": None, "action": "locust", "kind": "no_results",
                       "message": f"Locust wrote no results; see {work / 'locust.log'}"})
    if servers is not None:
        for path in servers.logs():
            for message in load_test.server_log_errors(path.read_text(errors="replace")):
                errors.append({"user": None, "action": "server", "kind": "server", "message": message})
    browsers = None
    if args.browsers:
        browsers = json.loads(browsers_json.read_text()) if browsers_json.exists() else {
            "sessions": args.browsers, "errors": {"total": 1, "first": [f"no browser report; see {work}/browsers.log"]},
            "slider_to_figure_s": {}}
    report = rep.build(
        samples=data["samples"], plays=data["plays"], errors=errors, users=args.users, players=args.players,
        browsers=browsers,
        server={"processes": len(server_pids), "replicas": args.replicas if not args.url else None,
                "rss_peak_mb": sampler.peak_mb, "rss_after_warmup_mb": baseline_mb, "cpu_cores": cpu,
                "machine_cores": os.cpu_count(), "script_runs_s": server_runs(runs_dir, start, end) or None,
                "cpu_s": server_cpu_s if server_pids else None, "seconds": round(end - start, 1)},
        extra={"url": url, "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
               "config": {"duration_s": args.duration, "ramp_s": round(ramp_s, 1), "burst": args.burst,
                          "think_s": args.think, "play_s": args.play, "replicas": args.replicas,
                          "client_nice": args.client_nice},
               "warmup_s": round(warmup_s, 1), "walk_s": None if walk_s is None else round(walk_s),
               "artifacts": str(work),
               "load_generator": {"loop_lag_s": rep.describe(data.get("loop_lag") or []) if data.get("loop_lag")
                                  else None},
               "machine": {"platform": platform.platform(), "loadavg_start": loadavg_start,
                           "loadavg_end": os.getloadavg()}})
    text = json.dumps(report, indent=2)
    (work / "report.json").write_text(text + "\n")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(text + "\n")
    print(rep.format_report(report), file=sys.stderr)
    print(text)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
