#!/usr/bin/env python3
"""Did a change make slider moves cheaper? Two checkouts' servers measured side by side, move for move (`make costs-ab`).

`make costs` measures one server; on the shared 2-core VM its speed drifts by a third between runs minutes apart,
more than most changes save. Here two servers run at once, this checkout's (B) and the one of git revision
--base (A, checked out with `git worktree` under artifacts/), both walked as `make serve WALK=1` walks them
(scripts/warm.py; then their programs released). One client each, over Streamlit's websocket protocol
(loadtest/protocol.py), moves each control of the page's opened tab on both servers to the same values, in
ABBA order (A then B, B then A, ...), so the drift falls on both alike; the first move of a control is not
measured. For each control it prints the median server CPU of A and of B (the server process's CPU-time clock,
all threads, from the request until its script_finished and --settle s more, as make costs measures) and the
median of the paired ratios B/A; at the end the median ratio over the controls.

    scripts/ab_costs.py --base HEAD~1 --pages home,bagging          # this checkout against its parent
    scripts/ab_costs.py --base-root /path/to/checkout --pages live  # against another checkout as it is

Bounded: every action has a timeout, the run a deadline; both servers are stopped at the end and the worktree
removed. Loopback only. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

import action_costs as ac  # noqa: E402
import warm  # noqa: E402
from loadtest.controls import (KINDS, ActionFailed, Client, ProbeRuns, candidates, current_value,  # noqa: E402
                               finder, main_tabs, tab_controls, wanted, widget_name)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    base = p.add_mutually_exclusive_group(required=True)
    base.add_argument("--base", help="git revision of this repository to measure against (A)")
    base.add_argument("--base-root", type=Path, help="another checkout to measure against (A), as it is")
    p.add_argument("--pages", default="home", help="comma-separated page filters ('home' for the home page)")
    p.add_argument("--moves", type=int, default=6, help="measured moves per control on each server (6)")
    p.add_argument("--settle", type=float, default=0.2, help="seconds read after script_finished (0.2)")
    p.add_argument("--no-walk", action="store_true", help="do not walk the servers first")
    p.add_argument("--action-timeout", type=float, default=180.0, help="seconds a run may take (180)")
    p.add_argument("--deadline", type=float, default=3600.0, help="wall seconds for everything (3600)")
    p.add_argument("--json-out", type=Path, help="write the rows as JSON here")
    args = p.parse_args(argv)
    args.pages = [x.strip() for x in args.pages.split(",") if x.strip()]
    if args.moves < 1:
        p.error(f"--moves must be >= 1, got {args.moves}")
    return args


def worktree(rev: str) -> Path:
    """A checkout of rev under artifacts/ with its translations compiled."""
    path = ROOT / "artifacts" / f"ab-{rev.replace('/', '_').replace('~', '-').replace('^', '-')}"
    subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True)
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(path), rev], cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "scripts/catalogs.py", "compile"], cwd=path, check=True, capture_output=True)
    return path


def page_hash(client: Client, page: str) -> str | None:
    for name, path, h in client.nav:
        if wanted([page], name, path):
            return h
    return None


def measure_pair(clients, finders, values, first) -> tuple[list, list]:
    """Move both servers' control through values, ABBA; the CPU (ms) of each move after the first."""
    cpu = ([], [])
    for j, v in enumerate(values):
        for k in ((0, 1) if j % 2 == 0 else (1, 0)):
            action = clients[k].set_widget(finders[k](), v)
            if action.errors:
                raise ActionFailed(f"errors on server {'AB'[k]}: {action.errors[:2]}")
            if j > 0:
                cpu[k].append(1000 * action.cpu_s)
    for k in (0, 1):  # back to where it started: the next control is moved from the defaults
        clients[k].set_widget(finders[k](), first)
    return cpu


def main(argv=None) -> int:
    args = parse_args(argv)
    out_dir = ROOT / "artifacts"
    out_dir.mkdir(exist_ok=True)
    base_root = (args.base_root or worktree(args.base)).resolve()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    servers, clients, rows = [], [], []

    def on_alarm(*_a):
        raise ActionFailed(f"the deadline of {args.deadline:.0f} s has passed")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.deadline))
    try:
        for name, root in (("a", base_root), ("b", ROOT)):
            runs = out_dir / f"ab-runs-{name}-{stamp}.jsonl"
            release = out_dir / f".release-ab-{name}-{stamp}"
            proc, url = ac.start_server(root, out_dir / f"ab-server-{name}-{stamp}.log", runs, 120,
                                        release_file=release)
            servers.append((proc, url, runs, release))
        if not args.no_walk:
            for proc, url, runs, release in servers:
                warm.walk(url, pages=args.pages, max_values=warm.MAX_VALUES, numbers=warm.NUMBERS,
                          budget_s=args.deadline / 4, kinds=KINDS)
                warm.release(url, release)
        clients = [Client(url, psutil.Process(proc.pid), ProbeRuns(runs), args.settle, args.action_timeout)
                   for proc, url, runs, release in servers]
        for c in clients:
            c.open_app()
        print("| page | control | paired moves | A: server CPU p50, ms | B: server CPU p50, ms | B/A (median of pairs) |\n"
              "|---|---|---|---|---|---|", flush=True)
        for page in args.pages:
            hashes = [page_hash(c, page) for c in clients]
            if None in hashes:
                print(f"{page}: no such page on both servers", file=sys.stderr)
                continue
            for c, h in zip(clients, hashes):
                c.go(h)
            widgets = [tab_controls(c, main_tabs(c), 0, KINDS) for c in clients]
            for wa, wb in zip(*widgets):
                first = current_value(wa, clients[0].sent)
                values = [v for v in candidates(wa, first) if v != first][:args.moves + 1]
                if len(values) < 2 or widget_name(wa) != widget_name(wb):
                    continue
                try:
                    cpu = measure_pair(clients, [finder(clients[0], wa), finder(clients[1], wb)], values, first)
                except ActionFailed as exc:
                    print(f"{page} | {widget_name(wa)}: {exc}", file=sys.stderr)
                    continue
                row = {"page": page, "control": widget_name(wa), "n": len(cpu[0]),
                       "a_ms": round(statistics.median(cpu[0]), 1), "b_ms": round(statistics.median(cpu[1]), 1),
                       "ratio": round(statistics.median(b / a for a, b in zip(*cpu)), 3)}
                rows.append(row)
                print(f"| {page} | {row['control']} | {row['n']} | {row['a_ms']} | {row['b_ms']} | {row['ratio']} |",
                      flush=True)
    except ActionFailed as exc:
        print(f"stopped: {exc}", file=sys.stderr)
    finally:
        signal.alarm(0)
        for c in clients:
            c.close()
        for proc, *_ in servers:
            ac.stop_server(proc)
        if args.base:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_root)], cwd=ROOT, capture_output=True)
    if rows:
        print(f"\nmedian B/A over {len(rows)} controls: {statistics.median(r['ratio'] for r in rows):.3f} "
              f"(A: {args.base or base_root}, B: this checkout)")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps({"base": str(args.base or base_root), "rows": rows}, indent=1))
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
