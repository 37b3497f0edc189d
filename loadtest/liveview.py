"""The Live training page's view as a simulated student's browser plays it, without drawing anything.

The page's live view is a components-v2 component (dropout_viz/ui/components/live_view): the server sends it
snapshot batches as bytes (lessons/live_training/experiment.encode_batch), and its JS module
(live_view.mjs) shows one snapshot per frame with a Scheduler and asks for the next batch with a trigger value.
This module reads what a batch says about itself (``read_batch``: the header and the step of every snapshot,
the same layout as experiment.decode_batch, without importing the app and JAX) and keeps the Scheduler's
bookkeeping in real time (``ViewModel``): when each frame would be shown, when to send "need", what Play and
Pause send, and what a playing student saw: batches, frames, the longest wait for a new frame.

Pure Python, no sockets and no gevent: loadtest/locustfile.py drives it, tests/test_load_liveview.py tests it.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

MAGIC = b"DVLB"
FORMAT_VERSION = 1
FLAG_PLAYING, FLAG_RESET, FLAG_DIVERGED = 1, 2, 4
# experiment._HEAD: magic, version, flags, kind, models, seq, speed, snapshots, width, height, layers, metrics,
# padding, domain (4 floats), value range (2 floats), meta length.
HEAD = struct.Struct("<4sBBBBIHHHHBBH4f2fI")
# The Scheduler's settings in live_view.mjs (LiveView's constructor and update(), without reduced motion).
FPS = 30.0
FPS_ONE_STEP = 6.0  # at 1 step per frame the view shows its frames slowly
LOW_WATER = 30  # ask for the next batch once this many frames (a second of play) or fewer are left
RETRY_S = 3.0  # ask again when a request has not been answered for this long


@dataclass(frozen=True)
class Batch:
    """What a simulated browser needs from a batch: its header and its snapshots' steps."""
    seq: int
    flags: int
    speed: int
    steps: tuple  # the step of every snapshot, in order
    size: int  # bytes

    @property
    def playing(self) -> bool:
        return bool(self.flags & FLAG_PLAYING)

    @property
    def reset(self) -> bool:
        return bool(self.flags & FLAG_RESET)

    @property
    def diverged(self) -> bool:
        return bool(self.flags & FLAG_DIVERGED)


def read_batch(data: bytes) -> Batch:
    """The header and snapshot steps of a batch; ValueError when data is not a whole version-1 batch."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) < HEAD.size:
        raise ValueError(f"data has {len(data)} bytes, fewer than a batch header ({HEAD.size})")
    fields = HEAD.unpack_from(data, 0)
    magic, version, flags, _kind, models, seq, speed, n_snap, width, height, n_layers, n_metrics = fields[:12]
    if magic != MAGIC or version != FORMAT_VERSION:
        raise ValueError(f"data is not a version-{FORMAT_VERSION} snapshot batch")
    at = HEAD.size + fields[19]  # the meta JSON
    units = struct.unpack_from(f"<{n_layers}H", data, at) if n_layers else ()
    at += 2 * n_layers
    (n_points,) = struct.unpack_from("<I", data, at)
    at += 4 + 10 * n_points
    (n_history,) = struct.unpack_from("<I", data, at)
    at += 4 + 4 * n_history + 4 * n_history * models * n_metrics
    size = 4 + 4 * models * n_metrics + sum(units) + models * width * height
    if at + n_snap * size != len(data):
        raise ValueError(f"data has {len(data)} bytes, the header describes {at + n_snap * size}")
    steps = tuple(struct.unpack_from("<I", data, at + i * size)[0] for i in range(n_snap))
    return Batch(seq=seq, flags=flags, speed=speed, steps=steps, size=len(data))


@dataclass
class PlayRecord:
    """What one play showed a student, from Play (or the first playing batch) to Pause or leaving."""
    started: float
    # (arrival, seq, frames, first step, last step, push result) of every batch, played or not; in the summary
    # as batch_log, with the arrival in seconds from the start
    batches: list = field(default_factory=list)
    # (time, "play" | "need" | "retry" | "again") of every request for a batch: "retry" after RETRY_S without an
    # answer, "again" at once when a batch the view already had came back while the request was outstanding
    asks: list = field(default_factory=list)
    frames: int = 0  # frames shown
    last_frame: float | None = None  # when the latest frame was shown
    max_gap_s: float = 0.0  # the longest time without a new frame, from the first frame on
    stalls: int = 0  # times the queue ran dry while playing (a frame came later than its due time)

    def summary(self, stopped: float, interval: float) -> dict:
        """The play in numbers up to ``stopped``: the wait from the latest frame to the stop counts too."""
        gap = self.max_gap_s
        if self.last_frame is not None:
            gap = max(gap, stopped - self.last_frame)
        arrivals = [b[0] for b in self.batches if b[5] in ("reset", "appended")]
        between = [b - a for a, b in zip(arrivals, arrivals[1:])]
        shown = [b[2] * interval for b in self.batches if b[5] in ("reset", "appended")]
        log = [[round(b[0] - self.started, 3), *b[1:]] for b in self.batches]
        # The server's answer: from each request to the next batch that came (answered or not, the view took it).
        waits = []
        for t, _kind in self.asks:
            after = [b[0] for b in self.batches if b[0] > t and b[5] != "old"]
            waits.append((after[0] if after else stopped) - t)
        # Retries whose request was met only by a resend of the batch the view already had (a page run while
        # playing sends the last batch again): the request was lost on the server's side.
        lost = sum(1 for (tp, _k), (tr, kind) in zip(self.asks, self.asks[1:])
                   if kind in ("retry", "again") and any(tp <= b[0] <= tr and b[5] == "old" for b in self.batches))
        return {"frames": self.frames, "batches": len(arrivals),
                "max_gap_s": round(gap, 3) if self.last_frame is not None else None,
                "max_between_s": round(max(between), 3) if between else None,
                "batch_show_s": round(max(shown), 3) if shown else None,
                "stalls": self.stalls, "dropped": sum(b[5] == "dropped" for b in self.batches),
                "asks": len(self.asks), "retries": sum(k == "retry" for _t, k in self.asks),
                "again": sum(k == "again" for _t, k in self.asks), "lost": lost,
                "max_answer_s": round(max(waits), 3) if waits else None,
                "batch_log": log, "ask_log": [[round(t - self.started, 3), k] for t, k in self.asks]}


class ViewModel:
    """live_view.mjs's Scheduler in real time: one snapshot shown per interval while playing, no drawing.

    The caller passes the time (s, monotonic) to every method; ``advance(now)`` shows the frames that fell due
    up to ``now`` (the browser's requestAnimationFrame ticks), so it is called before anything else happens at
    ``now`` (every method that takes the time does so itself). ``wants_more(now)`` is the browser's "need":
    true once when the queue runs low while playing.
    """

    def __init__(self, *, fps: float = FPS, low_water: int = LOW_WATER, retry_s: float = RETRY_S):
        self.interval = 1.0 / fps
        self.low_water = low_water
        self.retry_s = retry_s
        self.queue: list = []  # steps still to show
        self.current: int | None = None  # the step shown
        self.playing = False
        self.holding = False
        self.last_seq = -1
        self.asked: float | None = None  # when the outstanding request was sent
        self.reasked = False  # it was sent again when a batch the view had came back meanwhile
        self.next = 0.0  # when the next frame is due
        self.clock = 0.0  # the time advance() last reached: no frame is shown before its batch came
        self.record: PlayRecord | None = None

    @property
    def tail(self) -> int | None:
        return self.queue[-1] if self.queue else self.current

    def _show(self, t: float) -> None:
        self.current = self.queue.pop(0)
        rec = self.record
        if rec is not None:
            if rec.last_frame is not None:
                rec.max_gap_s = max(rec.max_gap_s, t - rec.last_frame)
            rec.last_frame = t
            rec.frames += 1

    def advance(self, now: float) -> None:
        """Show every frame due by ``now`` (Scheduler.tick at each animation frame)."""
        while self.playing and self.queue:
            due = self.next
            t = max(due, self.clock)  # a frame due while the queue was empty is shown when its batch came
            if t > now:
                break
            if self.record is not None and self.record.last_frame is not None and t - due > self.interval:
                self.record.stalls += 1
            self._show(t)
            self.next = t + self.interval if t - due > 4 * self.interval else due + self.interval
        self.clock = max(self.clock, now)

    def push(self, batch: Batch, now: float) -> str:
        """A batch arrived (Scheduler.push): "old", "held", "reset", "appended" or "dropped"."""
        self.advance(now)
        result = self._push(batch, now)
        if self.record is not None:
            self.record.batches.append((now, batch.seq, len(batch.steps), batch.steps[0] if batch.steps else None,
                                        batch.steps[-1] if batch.steps else None, result))
        return result

    def _push(self, batch: Batch, now: float) -> str:
        if batch.seq <= self.last_seq:
            if self.asked is not None and self.playing and not self.reasked:  # ask again now, once
                self.asked, self.reasked = float("-inf"), True
            return "old"
        self.interval = 1.0 / (FPS_ONE_STEP if batch.speed == 1 else FPS)
        self.last_seq = batch.seq
        self.asked, self.reasked = None, False
        if self.holding and batch.playing:  # paused while it was on its way
            return "held"
        self.holding = False
        was_playing = self.playing
        self.playing = batch.playing
        if batch.reset:
            self.queue = list(batch.steps)
            if not self.playing or not was_playing or self.current is None:
                if self.queue:
                    self.current = self.queue.pop(0)
                if self.playing and not was_playing:
                    self.next = now
            return "reset"
        tail = self.tail
        if tail is not None and batch.steps and batch.steps[0] != tail + batch.speed and batch.steps[0] <= tail:
            return "dropped"
        if self.playing and not was_playing:
            self.next = now
        self.queue.extend(batch.steps)
        return "appended"

    def wants_more(self, now: float) -> bool:
        """Scheduler.wantMore: true (and the request counts as sent) when the queue is low while playing."""
        self.advance(now)
        if not self.playing or len(self.queue) > self.low_water:
            return False
        if self.asked is not None and now - self.asked < self.retry_s:
            return False
        if self.record is not None:
            self.record.asks.append((now, "need" if self.asked is None else
                                     "again" if self.asked == float("-inf") else "retry"))
        self.asked = now
        return True

    def next_event(self, now: float) -> float | None:
        """When wants_more can next turn true (None: not while paused)."""
        self.advance(now)
        if not self.playing:
            return None
        over = len(self.queue) - self.low_water
        t = now if over <= 0 else max(self.next, self.clock) + (over - 1) * self.interval
        if self.asked is not None:
            t = max(t, self.asked + self.retry_s)
        return max(t, now)

    def need(self) -> dict:
        """The value of the "need" trigger: the batch that follows the last queued step."""
        tail = self.tail
        return {"seq": self.last_seq, "step": tail if tail is not None else 0}

    def play(self, now: float) -> dict:
        """Press Play: the value of the "play" trigger (the step shown)."""
        self.advance(now)
        self.playing, self.holding, self.next = True, False, now
        self.asked = now
        if self.record is not None:
            self.record.asks.append((now, "play"))
        return {"step": self.current or 0, "seq": self.last_seq}

    def pause(self, now: float) -> dict:
        """Press Pause: the view stops on the step shown at once; the value of the "pause" trigger."""
        self.advance(now)
        self.playing, self.holding, self.queue, self.asked = False, True, [], None
        return {"step": self.current or 0, "seq": self.last_seq}

    def start_record(self, now: float) -> PlayRecord:
        self.advance(now)
        self.record = PlayRecord(started=now)
        return self.record

    def stop_record(self, now: float) -> dict | None:
        """The play's summary up to now (None when nothing was being recorded)."""
        self.advance(now)
        rec, self.record = self.record, None
        return None if rec is None else rec.summary(now, self.interval)
