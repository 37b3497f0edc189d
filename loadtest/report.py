"""The lecture-hall report: statistics per action, frame gaps, the burst, the browsers, memory and CPU, targets.

Pure functions of what the runs recorded (tested in tests/test_load_protocol.py); scripts/load.py prints them.
"""
from __future__ import annotations

TARGETS = {
    "max_errors": 0,
    "p95_server_s": 1.0,  # every action type of the simulated students, from the request to its figure
    "max_frame_gap_s": 2.0,  # a playing student never waits longer for a new frame
    "p95_browser_s": 2.0,  # the real browsers' slider -> figure
    "rss_mb": 3000.0,  # the server processes together (3 GB in decimal megabytes)
    "p95_burst_s": 3.0,  # every student moves the same slider within a few seconds
}
# Actions held to p95_server_s. "join" (opening the app: a new session's first run) and "burst" have their own.
TIMED_ACTIONS = ("slider", "slider_playing", "page_change", "page_change_playing", "play", "pause")


def percentile(values, q: float) -> float | None:
    """The q-th percentile (0..100), linear between order statistics; None for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    xs = sorted(float(v) for v in values)
    if not xs:
        return None
    rank = (len(xs) - 1) * q / 100
    lo = int(rank)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo)


def describe(values) -> dict:
    xs = [float(v) for v in values]
    r = lambda v: None if v is None else round(v, 3)  # noqa: E731
    return {"count": len(xs), "p50": r(percentile(xs, 50)), "p95": r(percentile(xs, 95)),
            "max": r(max(xs) if xs else None)}


def by_action(samples) -> dict:
    """action -> count, p50, p95, max of the successful samples' seconds, and its number of errors."""
    out: dict = {}
    for s in samples:
        out.setdefault(s["action"], {"ok": [], "errors": 0})
        if s["ok"]:
            out[s["action"]]["ok"].append(s["s"])
        else:
            out[s["action"]]["errors"] += 1
    return {a: {**describe(v["ok"]), "errors": v["errors"]} for a, v in sorted(out.items())}


def frame_gaps(plays) -> dict:
    """The longest wait for a new frame over all plays, how many plays waited longer than the target, and the
    batches: how many, the longest time between two of them against the time one takes to show, the stalls
    (the queue ran dry while playing), the batches the view dropped (they did not follow its queue), the
    requests repeated after the view's retry time (lost: the first was met only by a resend of the batch the
    view had), and the longest wait from a request to the next batch."""
    gaps = [p["max_gap_s"] for p in plays if p.get("max_gap_s") is not None]
    between = [p["max_between_s"] for p in plays if p.get("max_between_s") is not None]
    shows = [p["batch_show_s"] for p in plays if p.get("batch_show_s") is not None]
    return {"plays": len(plays), "frames": sum(p.get("frames", 0) for p in plays),
            "max_gap_s": round(max(gaps), 3) if gaps else None,
            "p95_of_max_gap_s": None if not gaps else round(percentile(gaps, 95), 3),
            "plays_over_target": sum(g > TARGETS["max_frame_gap_s"] for g in gaps),
            "batches": sum(p.get("batches", 0) for p in plays),
            "max_between_s": round(max(between), 3) if between else None,
            "batch_show_s": round(max(shows), 3) if shows else None,
            "stalls": sum(p.get("stalls", 0) for p in plays),
            "dropped": sum(p.get("dropped", 0) for p in plays),
            "retries": sum(p.get("retries", 0) for p in plays),
            "again": sum(p.get("again", 0) for p in plays),
            "lost": sum(p.get("lost", 0) for p in plays),
            "max_answer_s": max((p["max_answer_s"] for p in plays if p.get("max_answer_s") is not None),
                                default=None)}


def check(report: dict, targets: dict = TARGETS) -> dict:
    """Each target: its value, the limit, ok. A value that was not measured fails its target, except the
    browsers' and the burst's when that part was not run (then it is absent)."""
    checks = {}
    errors = report["errors"]["total"]
    checks["errors"] = {"value": errors, "limit": f"<= {targets['max_errors']}", "ok": errors <= targets["max_errors"]}
    actions = report["actions"]
    worst = max((actions[a]["p95"] for a in TIMED_ACTIONS if a in actions and actions[a]["p95"] is not None),
                default=None)
    checks["p95_server_s"] = {"value": worst, "limit": f"< {targets['p95_server_s']:g}",
                              "ok": worst is not None and worst < targets["p95_server_s"]}
    if report["frames"]["plays"]:
        gap = report["frames"]["max_gap_s"]
        checks["max_frame_gap_s"] = {"value": gap, "limit": f"<= {targets['max_frame_gap_s']:g}",
                                     "ok": gap is not None and gap <= targets["max_frame_gap_s"]}
    if report.get("browsers") is not None:
        p95 = report["browsers"].get("p95_s")
        checks["p95_browser_s"] = {"value": p95, "limit": f"< {targets['p95_browser_s']:g}",
                                   "ok": p95 is not None and p95 < targets["p95_browser_s"]}
    rss = report["server"].get("rss_peak_mb")
    checks["rss_mb"] = {"value": rss, "limit": f"< {targets['rss_mb']:g}", "ok": rss is not None and rss < targets["rss_mb"]}
    if report.get("burst") is not None:
        p95 = report["burst"]["p95"]
        users = report["burst"]["count"] + report["burst"]["errors"]
        checks["p95_burst_s"] = {"value": p95, "limit": f"< {targets['p95_burst_s']:g} ({users} users)",
                                 "ok": p95 is not None and p95 < targets["p95_burst_s"]}
    return checks


def build(*, samples, plays, errors, users: int, players: int, browsers: dict | None, server: dict,
          extra: dict | None = None, targets: dict = TARGETS) -> dict:
    """The whole report from the simulated students' samples, plays and errors, the browsers' own report
    (scripts/load_test.py's JSON, or None) and the server's measurements."""
    actions = by_action(samples)
    burst = actions.pop("burst", None)
    kinds: dict = {}
    for e in errors:
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    browser_errors = 0
    browser_summary = None
    if browsers is not None:
        browser_errors = browsers.get("errors", {}).get("total", 0)
        s = browsers.get("slider_to_figure_s", {})
        browser_summary = {"sessions": browsers.get("sessions"), "moves": s.get("count"), "p50_s": s.get("p50"),
                           "p95_s": s.get("p95"), "max_s": s.get("max"), "errors": browser_errors,
                           "page_change_p95_s": browsers.get("page_change_s", {}).get("p95"),
                           "first_errors": browsers.get("errors", {}).get("first", [])[:3]}
        if browser_errors:
            kinds["browser"] = browser_errors
    report = {
        "users": users, "players": players,
        "actions": actions,
        "burst": burst,
        "frames": frame_gaps(plays),
        "browsers": browser_summary,
        "server": server,
        "errors": {"total": len(errors) + browser_errors, "by_kind": kinds, "first": errors[:10]},
    }
    report.update(extra or {})
    report["targets"] = check(report, targets)
    report["passed"] = all(c["ok"] for c in report["targets"].values())
    return report


def format_report(report: dict) -> str:
    def num(v, unit=""):
        return "n/a" if v is None else f"{v:g}{unit}"

    lines = [f"Load test: {report['users']} simulated students ({report['players']} playing)"
             + (f", {report['browsers']['sessions']} real browsers" if report.get("browsers") else "")
             + (f" against {report['url']}" if report.get("url") else "")]
    lines.append("  server time per action, request -> script finished with the new figure (s):")
    for action, d in report["actions"].items():
        lines.append(f"    {action:<15} n={d['count']:<5} p50 {num(d['p50'])}  p95 {num(d['p95'])}  "
                     f"max {num(d['max'])}  errors {d['errors']}")
    b = report.get("burst")
    if b:
        lines.append(f"  burst (everyone moves the same slider): n={b['count']} p50 {num(b['p50'], ' s')}, "
                     f"p95 {num(b['p95'], ' s')}, max {num(b['max'], ' s')}, errors {b['errors']}")
    f = report["frames"]
    lines.append(f"  playing: {f['plays']} plays, {f['frames']} frames; longest wait for a frame "
                 f"{num(f['max_gap_s'], ' s')} (p95 over plays {num(f['p95_of_max_gap_s'], ' s')}; "
                 f"{f['plays_over_target']} plays over {TARGETS['max_frame_gap_s']:g} s)")
    if f.get("batches"):
        lines.append(f"  batches: {f['batches']}, longest time between two {num(f['max_between_s'], ' s')} "
                     f"(a batch shows for {num(f['batch_show_s'], ' s')}); {f['stalls']} stalls, "
                     f"{f['dropped']} dropped; request -> batch max {num(f.get('max_answer_s'), ' s')}, "
                     f"{f.get('retries', 0)} requests repeated after 3 s and {f.get('again', 0)} at once on a resend "
                     f"of the last batch ({f.get('lost', 0)} of all repeats followed such a resend)")
    br = report.get("browsers")
    if br:
        lines.append(f"  real browsers: slider -> figure p50 {num(br['p50_s'], ' s')}, p95 {num(br['p95_s'], ' s')}, "
                     f"max {num(br['max_s'], ' s')} over {br['moves']} moves; page change p95 "
                     f"{num(br['page_change_p95_s'], ' s')}; errors {br['errors']}")
    srv = report["server"]
    lines.append(f"  server: {srv.get('processes', 1)} process(es); RSS peak {num(srv.get('rss_peak_mb'), ' MB')} "
                 f"(after warm-up {num(srv.get('rss_after_warmup_mb'), ' MB')})")
    cpu = srv.get("cpu_cores") or {}
    if cpu:
        lines.append(f"  CPU cores used on average: server {num(cpu.get('server'))}, load generators "
                     f"{num(cpu.get('client'))}, other {num(cpu.get('other'))} (machine: {srv.get('machine_cores')} cores)")
    runs = srv.get("script_runs_s")
    if runs:
        lines.append("  server script runs (s): " + "; ".join(
            f"{k} p50 {num(d['p50'])}, p95 {num(d['p95'])}, CPU p50 {num(d.get('cpu_p50'))} ({d['count']})"
            for k, d in runs.items()))
    if srv.get("cpu_s") is not None:
        done = sum(d["count"] for d in report["actions"].values()) + (report.get("burst") or {}).get("count", 0)
        lines.append(f"  server CPU: {num(srv['cpu_s'], ' s')} in {num(srv.get('seconds'), ' s')} for {done} actions "
                     f"and {report['frames']['frames']} frames")
    lag = (report.get("load_generator") or {}).get("loop_lag_s")
    if lag:
        lines.append(f"  the simulated students' own loop (a 20 ms sleep woke late by): p50 {num(lag['p50'], ' s')}, "
                     f"p95 {num(lag['p95'], ' s')}, max {num(lag['max'], ' s')} (added to every time above)")
    load = report.get("machine", {})
    if load.get("loadavg_start"):
        lines.append(f"  machine load average: {load['loadavg_start'][0]:.1f} at the start, "
                     f"{load['loadavg_end'][0]:.1f} at the end")
    errs = report["errors"]
    lines.append(f"  errors: {errs['total']}" + (f" {errs['by_kind']}" if errs["total"] else ""))
    for e in errs["first"][:5]:
        lines.append(f"    user {e.get('user')} {e.get('action')} {e['kind']}: {str(e.get('message'))[:160]}")
    for name, c in report["targets"].items():
        lines.append(f"  {'PASS' if c['ok'] else 'FAIL'}  {name} = {num(c['value'])} (target {c['limit']})")
    lines.append("PASSED" if report["passed"] else "FAILED: a target was missed")
    return "\n".join(lines)
