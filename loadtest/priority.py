"""The load generators' CPU priority: lower than the server's, when asked, on the machine they share with it.

In a lecture the server has its machine to itself and each student's laptop does its own work; in `make load`
Locust and the real browsers run on the server's cores. `--client-nice N` lowers them, so that they take what the
server leaves instead of an equal share (what separate machines give; the times they measure then include
their own wait for a core, never the server's less).

On Linux a niceness belongs to each thread, and with the kernel's autogroups (on by default) it only weighs the
threads of one session against each other: sessions are weighed by their autogroup's niceness. So a generator
started in a session of its own lowers both (``lower_self``), and a program that sets its threads' niceness
itself (Chromium) is lowered from outside (``renice``).
"""
from __future__ import annotations

import argparse
import os

MAX_NICE = 19  # Linux's lowest priority; 0 is everyone's default, and a load generator never runs above it


def _check(nice: int) -> int:
    if not 0 <= nice <= MAX_NICE:
        raise ValueError(f"nice must be in 0..{MAX_NICE}, got {nice!r}")
    return nice


def niceness(text: str) -> int:
    """argparse type of the scripts' --client-nice: an integer in 0..19."""
    try:
        return _check(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer in 0..{MAX_NICE} (the load generators never run "
                                         f"above the server), got {text!r}") from None


def lower_self(nice: int) -> None:
    """Run this process, and everything it starts from now on, at niceness ``nice`` at least, and its
    session's autogroup too when it leads that session (started in a session of its own: a command typed in a
    shell never lowers the shell's session). Never raises a priority."""
    if not _check(nice):  # 0: nothing to lower
        return
    here = os.getpriority(os.PRIO_PROCESS, 0)
    if here < nice:
        os.nice(nice - here)
    if os.getsid(0) != os.getpid():
        return
    try:
        _lower_autogroup("self", nice)
    except (OSError, ValueError):  # no autogroups here: the niceness alone does it
        pass


def renice(pids, nice: int) -> set[int]:
    """Lower the priority of every thread of pids to `nice` where it runs at a higher one; the threads changed.

    A child inherits its parent's niceness, but Chromium sets its own: its renderers go back to 0 and, run as
    root, its browser and GPU threads up to -8. A process in a session other than the caller's (Playwright
    starts Chromium in one) also gets the same niceness for its session's autogroup.
    """
    changed, own_session = set(), os.getsid(0)
    for pid in pids:
        try:
            if os.getsid(pid) != own_session:
                _lower_autogroup(pid, nice)
            for tid in map(int, os.listdir(f"/proc/{pid}/task")):
                if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                    os.setpriority(os.PRIO_PROCESS, tid, nice)
                    changed.add(tid)
        except (OSError, ValueError):  # gone meanwhile, no autogroups, or not ours to change
            continue
    return changed


def autogroup_nice(text: str) -> int | None:
    """The niceness in a /proc/PID/autogroup file's text ("/autogroup-123 nice 0"); None for an empty one,
    which the kernel shows for a session in no autogroup of its own (one that never called setsid, as a
    container's first process and what it starts)."""
    fields = text.split()
    if not fields:
        return None
    if len(fields) != 3 or fields[1] != "nice":
        raise ValueError(f"text is not an autogroup line: {text!r}")
    return int(fields[2])


def _lower_autogroup(pid, nice: int) -> None:
    """Set the autogroup of pid's session ("self": this process's) to niceness ``nice`` unless it is there or
    lower already, or the session has no autogroup of its own. OSError where there are no autogroups or the
    process is gone."""
    with open(f"/proc/{pid}/autogroup", "r+") as f:
        group = autogroup_nice(f.read())
        if group is not None and group < nice:
            f.write(str(nice))
