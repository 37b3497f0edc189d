"""ui/flush_slices: Streamlit's sender yields to the event loop once per time slice, not after every message."""
from __future__ import annotations

import asyncio
import threading

import pytest

from dropout_viz.ui import flush_slices, nav  # noqa: F401 (nav installs it)


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def run_loop(main):
    """Run main() on an event loop of its own thread (the test suite may already run one on this thread)."""
    out = {}

    def target():
        out["value"] = asyncio.run(main())
    thread = threading.Thread(target=target)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return out["value"]


def test_nav_installs_it_on_streamlits_runtime_module():
    from streamlit.runtime import runtime
    assert isinstance(runtime.asyncio, flush_slices.SlicedAsyncio)
    assert flush_slices.install()  # once: a second call changes nothing
    assert runtime.asyncio.Event is asyncio.Event and runtime.asyncio.wait is asyncio.wait  # the rest is asyncio's


def test_sleep_zero_yields_once_per_slice_and_other_work_runs_between():
    clock = Clock()
    sliced = flush_slices.SlicedAsyncio(asyncio, 0.005, clock)

    async def main():
        order = []

        async def other():
            for i in range(3):
                order.append(("other", i))
                await asyncio.sleep(0)

        async def sender():
            for i in range(10):
                order.append(("send", i))
                clock.t += 0.002  # each message takes 2 ms to send
                await sliced.sleep(0)

        await asyncio.gather(sender(), other())
        return order

    order = run_loop(main)
    sends = [i for kind, i in order if kind == "send"]
    assert sends == list(range(10))  # in order
    # 2 ms a message, 5 ms a slice: the sender yields after its 3rd, 6th and 9th message (6 ms each), not after every one
    assert sliced.yields == 3 and sliced.skipped == 7
    firsts = [order.index(("other", i)) for i in range(3)]
    assert firsts[1] > order.index(("send", 2)) and firsts[2] > order.index(("send", 5))  # the loop ran between


def test_a_real_delay_always_sleeps_and_starts_a_new_slice():
    clock = Clock()
    sliced = flush_slices.SlicedAsyncio(asyncio, 0.005, clock)

    async def main():
        assert await sliced.sleep(0, "kept") == "kept"  # within the slice: no yield, the result returned
        await sliced.sleep(0.001)
        return sliced.yields, sliced.skipped

    assert run_loop(main) == (1, 1)


def test_slice_zero_yields_every_time_as_streamlit_does():
    sliced = flush_slices.SlicedAsyncio(asyncio, 0.0)

    async def main():
        for _ in range(4):
            await sliced.sleep(0)
        return sliced.yields

    assert run_loop(main) == 4


def test_a_bad_slice_is_refused():
    with pytest.raises(ValueError, match="slice_s"):
        flush_slices.SlicedAsyncio(asyncio, -1.0)
    with pytest.raises(ValueError, match="slice_s"):
        flush_slices.SlicedAsyncio(asyncio, float("nan"))
