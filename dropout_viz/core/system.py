"""What JAX computes on: shown on the home page so a lecturer knows whether the GPU is in use."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import jax
import numpy as np

CACHE_ENV = "DROPOUT_LAB_CACHE_DIR"
XLA_THREADS_ENV = "DROPOUT_LAB_XLA_THREADS"


def limit_xla_cpu_threads(n: int | str | None = None) -> int | None:
    """Create JAX's backends with XLA's CPU thread pool at ``n`` threads (default: ``$DROPOUT_LAB_XLA_THREADS``).

    For replicas that share a machine (``make serve``): XLA sizes its CPU pool by the cores the process may run
    on when the client is made, one thread per core, and each program of a tiny network spreads over them. On the
    2-core VM a batch of the live view (60 frames of 10 steps) then costs 0.057-0.065 s of CPU for 0.043-0.049 s of
    wall time; with one thread 0.039-0.041 s of CPU for about the same wall time, and the same bits. A server
    with several sessions per replica and one replica per core keeps every core busy either way, so the
    threads' synchronisation is a third of the training's CPU spent for nothing (measured in December 2026, JAX
    0.10.2). The pool is made while this thread may run on ``n`` cores only; then every thread of the process
    may run on every core again (the pool keeps its size). Returns the pool's size, or None when nothing was
    changed: no setting, the backends already made, or no CPU affinity on this system.
    """
    if n is None:
        n = os.environ.get(XLA_THREADS_ENV, "").strip() or None
        if n is None:
            return None
    try:
        n = int(n)
    except (TypeError, ValueError):
        raise ValueError(f"n ({XLA_THREADS_ENV}) must be a whole number of threads >= 1, got {n!r}") from None
    if n < 1:
        raise ValueError(f"n ({XLA_THREADS_ENV}) must be a whole number of threads >= 1, got {n}")
    from jax._src import xla_bridge

    if xla_bridge.backends_are_initialized() or not hasattr(os, "sched_setaffinity"):
        return None
    cpus = os.sched_getaffinity(0)
    if n >= len(cpus):
        jax.devices()
        return len(cpus)
    os.sched_setaffinity(0, set(sorted(cpus)[:n]))
    try:
        jax.devices()
    finally:
        for tid in os.listdir("/proc/self/task"):
            try:
                os.sched_setaffinity(int(tid), cpus)
            except OSError:  # a thread that ended meanwhile
                pass
    return n

# compiler_options for programs of small networks whose compilation is most of a page's first view
# (jax.jit(..., compiler_options=FAST_CPU_COMPILE)). On the 2-core CPU VM, XLA's older fusion emitters and LLVM's
# optimisation level 1 (instead of 2) compile the batch-norm and uncertainty lessons' programs in 50-75 % of the
# time, and the programs run as fast or faster (measured in December 2026, JAX 0.10.2). Other backends ignore
# the xla_cpu_* option; the optimisation level is read by every backend, so fast_compile_options() gives these
# only on a CPU.
FAST_CPU_COMPILE = {"xla_cpu_use_fusion_emitters": False, "xla_backend_optimization_level": 1}


def fast_compile_options() -> dict | None:
    """FAST_CPU_COMPILE when JAX computes on the CPU, else None (XLA's defaults): a jax.jit's compiler_options."""
    return dict(FAST_CPU_COMPILE) if jax.default_backend() == "cpu" else None


# compiler_options of the shared engine's programs (training chunks, initial states, predictions, exact ensembles):
# the older fusion emitters alone. On the 2-core CPU VM they compile those programs in about 60 % of the time, and
# the programs compute the same bits as with XLA's defaults (the default views of the ensemble, bagging and inside
# lessons compared array by array, December 2026, JAX 0.10.2). LLVM's level 1 (FAST_CPU_COMPILE) is left out here:
# it changes the rounding of the bagging lesson's training, and so its numbers.
SAME_NUMBERS_CPU_COMPILE = {"xla_cpu_use_fusion_emitters": False}


def engine_compile_options() -> dict | None:
    """SAME_NUMBERS_CPU_COMPILE when JAX computes on the CPU, else None: the core engine's jax.jit compiler_options.

    A jitted function with compiler_options cannot be traced inside another jit: call its ``__wrapped__`` there."""
    return dict(SAME_NUMBERS_CPU_COMPILE) if jax.default_backend() == "cpu" else None


def unroll_threefry_on_cpu() -> bool:
    """Compile jax.random's threefry hash on the CPU as straight-line code instead of JAX's rolled loop.

    Same bits (the same 20 rounds, only not in a while loop), so every key, mask and picture stays as it was;
    a program with random draws compiles about twice as fast, because XLA fuses the rounds with the draw
    around them instead of compiling a loop per draw. On two cores compilation is most of a page's first
    run (the training chunk of the ensemble page: 4 s of CPU before, 2 s after). JAX picks the rolled loop on
    the CPU to keep very large programs small; ours are small. Returns False (and changes nothing) if this
    JAX has no such lowering to swap; tests/core/test_system.py checks the bits against a NumPy threefry.
    """
    try:
        from functools import partial

        from jax._src.interpreters import mlir
        from jax._src.random import threefry2x32 as tf

        rule = mlir.lower_fun(partial(tf._threefry2x32_lowering, use_rolled_loops=False), multiple_results=True)
        mlir.register_lowering(tf.threefry2x32_p, rule, platform="cpu")
    except (ImportError, AttributeError, TypeError):  # another JAX: keep its own lowering
        return False
    return True


def enable_compilation_cache(path: str | os.PathLike | None = None) -> str | None:
    """Keep compiled XLA programs on disk so a restarted app (or another replica) skips recompiling.

    The directory is, in order: ``path``; JAX's own ``JAX_COMPILATION_CACHE_DIR`` if set (left untouched);
    ``$DROPOUT_LAB_CACHE_DIR``; ``~/.cache/dropout-lab/jax``. Replicas may share it (a volume): entries are keyed
    by the program, the JAX version and the device. Returns the directory in use (None if it cannot be created).
    """
    if path is None and jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    folder = Path(path or os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dropout-lab" / "jax")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home: run without the cache rather than fail
        return None
    jax.config.update("jax_compilation_cache_dir", str(folder))
    # Our programs are small: cache anything that took more than a tenth of a second to compile.
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.1)
    return str(folder)


def compile_in_parallel(lowerings, workers: int | None = None) -> None:
    """Compile several jitted programs at once, one per core: ``lowerings`` are thunks returning
    ``jitted.lower(*args, **static)`` (arguments may be jax.ShapeDtypeStruct). A later call of the jitted
    function with arguments of those shapes finds its program compiled.

    XLA compiles one program on one core; a page's first run needs several independent ones (a training chunk
    per kind of model, the final predictions), so on two cores this halves the wait for them.
    """
    from concurrent.futures import ThreadPoolExecutor

    thunks = list(lowerings)
    if len(thunks) < 2 or jax.default_backend() != "cpu":  # an accelerator compiles differently: leave it be
        for thunk in thunks:
            thunk().compile()
        return
    with ThreadPoolExecutor(max_workers=workers or min(len(thunks), os.cpu_count() or 1)) as pool:
        for future in [pool.submit(lambda t=t: t().compile()) for t in thunks]:
            future.result()


def run_side_by_side(steps, states, n: int, report: Callable[[int], None] | None = None) -> list:
    """Run independent loops of jitted calls on their own threads: loop i calls ``state, out = steps[i](state)``
    ``n`` times from ``states[i]``. Returns, per loop, (final state, [out as a NumPy array, call by call]).

    XLA executes without Python's lock, so two loops of small programs that would each keep one core busy in
    turn run on two cores at once; the calls and their bits are the ones a plain loop makes. ``report(done)``
    runs on the calling thread whenever the slowest loop has finished another call (a Streamlit progress bar can
    be drawn from it); if it raises (a Stop), the loops stop after their current call and the error goes on.
    """
    import threading

    if len(states) != len(steps):
        raise ValueError(f"states must hold one start state per step function ({len(steps)}), got {len(states)}")
    results: list = [[s, []] for s in states]  # per loop: [state, outs]
    errors: list = []
    stop = threading.Event()
    changed = threading.Condition()

    def loop(i: int) -> None:
        try:
            for _ in range(n):
                if stop.is_set():
                    return
                results[i][0], out = steps[i](results[i][0])
                results[i][1].append(np.asarray(out))
                with changed:
                    changed.notify()
        except BaseException as exc:  # noqa: BLE001  (handed to the calling thread)
            errors.append(exc)
            with changed:
                changed.notify()

    def done() -> int:
        return min(len(outs) for _, outs in results)

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(len(steps))]
    for t in threads:
        t.start()
    try:
        reported = 0
        while reported < n:
            with changed:
                changed.wait_for(lambda: errors or done() > reported, timeout=1.0)
            if errors:
                raise errors[0]
            for reported in range(reported + 1, done() + 1):
                if report is not None:
                    report(reported)
    finally:
        stop.set()
        for t in threads:
            t.join()
    return [tuple(r) for r in results]


def backend_info() -> dict:
    """{'backend': 'cpu' | 'gpu' | ..., 'devices': ['TFRT_CPU_0', ...], 'jax': version, 'label': short text}."""
    devices = jax.devices()
    backend = jax.default_backend()
    kinds = sorted({getattr(d, "device_kind", str(d)) for d in devices})
    label = f"{backend.upper()} ({', '.join(kinds)}; {len(devices)} device{'s' if len(devices) != 1 else ''})"
    return {"backend": backend, "devices": [str(d) for d in devices], "jax": jax.__version__, "label": label}


class CompileCounter:
    """Counts XLA compilations while active: ``with CompileCounter() as c: ...; c.count``.

    Used by the benchmark and tests to prove that moving a value slider compiles nothing. An executable
    loaded from the persistent compilation cache counts too (JAX times the lookup as a backend compile):
    either way a new program was needed.
    """

    _EVENT = "/jax/core/compile/backend_compile_duration"
    _active: list["CompileCounter"] = []
    _registered = False

    def __init__(self):
        self.count = 0

    @classmethod
    def _listener(cls, event, _duration, **_kw):
        if event == cls._EVENT:
            for c in cls._active:
                c.count += 1

    def __enter__(self):
        if not CompileCounter._registered:
            jax.monitoring.register_event_duration_secs_listener(CompileCounter._listener)
            CompileCounter._registered = True
        CompileCounter._active.append(self)
        return self

    def __exit__(self, *exc):
        CompileCounter._active.remove(self)
        return False


# Before anything compiles: the random draws of every page compile about twice as fast (same bits). Every core
# module that uses JAX imports this module, so this runs before any of their programs is built.
unroll_threefry_on_cpu()


RELEASE_ENV = "DROPOUT_LAB_RELEASE_FILE"


def release_compiled() -> None:
    """Drop every compiled program this process keeps in memory (jax.clear_caches), collect, freeze what is left
    out of the collector's sight (gc.freeze), and hand the freed memory back to the system (glibc's malloc_trim,
    where there is one). Results, figures and the on-disk compilation cache stay; a program needed again is
    traced again and read from that cache (or compiled, if it took under a tenth of a second).

    For a server after its start-up walk (scripts/warm.py --walk): the walk trains every setting one control away
    from each page's defaults and keeps the results and figures, whose later use needs no program; the programs
    it compiled on the way, one per new shape (a width, a data set, a sample count, every array made from
    NumPy), were about 1.5 of the 2.7 GB the walked server held (measured in December 2026, JAX 0.10.2)."""
    import ctypes
    import ctypes.util
    import gc

    jax.clear_caches()
    gc.collect()
    # What is left is the server's lasting state (modules, the walk's results and figures): moved out of the
    # collector's sight, so that a full collection under a class's load walks only what came after, not the walk's
    # objects as well (a full collection stops every thread of the server; during the walk each took 0.3 s).
    gc.freeze()
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = getattr(libc, "malloc_trim", None)
        if trim is not None:
            trim(0)
    except OSError:  # no C library to ask: the memory stays with the process, to be reused
        pass


class ReleaseSignal:
    """``release_compiled`` once each time the file ``path`` appears or changes (its modification time): the
    launcher of a server (make serve, make run) names the file in ``$DROPOUT_LAB_RELEASE_FILE``, and the start-up
    walk, which runs in another process, touches it when it is done. Only who can write that file can ask; a
    server without the variable never releases anything. ``check()`` costs one stat of the file; thread-safe."""

    def __init__(self, path: str | os.PathLike | None):
        import threading

        self.path = Path(path) if path else None
        self._seen = self._stamp()  # a file left from before the server started asks for nothing
        self._lock = threading.Lock()
        self.released = 0

    def _stamp(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns if self.path is not None else None
        except OSError:
            return None

    @classmethod
    def from_env(cls) -> "ReleaseSignal":
        return cls(os.environ.get(RELEASE_ENV, "").strip() or None)

    def check(self) -> bool:
        """Release if the file is new or newer than at the last release; True if this call released."""
        stamp = self._stamp()
        if stamp is None:
            return False
        with self._lock:
            if stamp == self._seen:
                return False
            self._seen = stamp
            release_compiled()
            self.released += 1
            return True
