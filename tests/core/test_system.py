"""dropout_viz.core.system: backend description, compile counting, the persistent compilation cache."""
import gc
import os
import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.core import system


def test_backend_info_names_the_backend_in_use():
    info = system.backend_info()
    assert info["backend"] == jax.default_backend()
    assert info["backend"].upper() in info["label"] and info["jax"] == jax.__version__


def test_compile_counter_counts_new_shapes_not_new_values():
    f = jax.jit(lambda x, a: jnp.tanh(x * a).sum())
    f(np.ones(3), 1.0)
    with system.CompileCounter() as c:
        f(np.ones(3), 2.0)  # a new value: nothing to compile
    assert c.count == 0
    with system.CompileCounter() as c:
        f(np.ones(7), 2.0)  # a new shape
    assert c.count == 1


def test_fast_compile_options_are_accepted_and_change_no_result():
    opts = system.fast_compile_options()
    assert opts == (system.FAST_CPU_COMPILE if jax.default_backend() == "cpu" else None)

    def f(x, w):
        return jax.nn.softmax(jnp.tanh(x @ w) * 3.0).sum(0)

    x = np.random.default_rng(0).normal(size=(16, 5)).astype(np.float32)
    w = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(jax.jit(f, compiler_options=opts)(x, w), jax.jit(f)(x, w), rtol=1e-5)


def test_a_program_from_the_persistent_cache_still_counts(tmp_path):
    from jax._src import compilation_cache  # the cache binds its folder on first use: rebind for this test

    before = (jax.config.jax_compilation_cache_dir, jax.config.jax_persistent_cache_min_compile_time_secs)
    compilation_cache.reset_cache()
    try:
        assert system.enable_compilation_cache(tmp_path) == str(tmp_path)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        g = lambda x: jnp.cos(x) @ x.T  # noqa: E731
        with system.CompileCounter() as c:
            jax.jit(g)(np.ones((5, 5)))
        assert c.count == 1 and any(tmp_path.iterdir())  # compiled and written to disk
        jax.clear_caches()
        with system.CompileCounter() as c:
            jax.jit(g)(np.ones((5, 5)))
        assert c.count == 1  # loaded from disk: still a new program as far as the slider rule goes
    finally:
        compilation_cache.reset_cache()
        jax.config.update("jax_compilation_cache_dir", before[0])
        jax.config.update("jax_persistent_cache_min_compile_time_secs", before[1])


def _threefry2x32_numpy(k1, k2, x1, x2):
    """The Threefry-2x32 hash (20 rounds, Salmon et al. 2011) in NumPy uint32 arithmetic."""
    rot = ((13, 15, 26, 6), (17, 29, 16, 24))
    ks = [np.uint32(k1), np.uint32(k2), np.uint32(k1) ^ np.uint32(k2) ^ np.uint32(0x1BD11BDA)]
    x = [x1.astype(np.uint32) + ks[0], x2.astype(np.uint32) + ks[1]]
    for i in range(5):
        for r in rot[i % 2]:
            x[0] = x[0] + x[1]
            x[1] = (x[1] << np.uint32(r)) | (x[1] >> np.uint32(32 - r))
            x[1] = x[0] ^ x[1]
        x[0] = x[0] + ks[(i + 1) % 3]
        x[1] = x[1] + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x


def test_random_bits_compiled_on_the_cpu_are_threefry_bits():
    # core/__init__ swaps JAX's CPU lowering of the hash for straight-line code: the bits must not change.
    assert system.unroll_threefry_on_cpu()
    key = jax.random.key(3)
    k1, k2 = (int(v) for v in jax.random.key_data(key))
    n = 1000
    bits = np.asarray(jax.jit(lambda k: jax.random.bits(k, (n,)))(key))
    counts = np.arange(n, dtype=np.uint64)  # partitionable threefry: the 64-bit index, high and low words
    hi, lo = _threefry2x32_numpy(k1, k2, (counts >> np.uint64(32)).astype(np.uint32), counts.astype(np.uint32))
    np.testing.assert_array_equal(bits, hi ^ lo)
    # A draw the pages make (a fold_in, then uniforms) is the same compiled and op by op.
    draw = lambda k: jax.random.uniform(jax.random.fold_in(k, 7), (4, 8))  # noqa: E731
    np.testing.assert_array_equal(np.asarray(jax.jit(draw)(key)), np.asarray(draw(key)))
    text = jax.jit(lambda k: jax.random.bits(k, (8,))).lower(key).compile().as_text()
    assert "while" not in text  # no loop left to compile


def test_programs_compiled_side_by_side_are_not_compiled_again():
    f = jax.jit(lambda x: jnp.sin(x) * 3.0)
    g = jax.jit(lambda x, n: jnp.cumsum(x) ** n, static_argnames="n")
    x = np.arange(11.0, dtype=np.float32)
    system.compile_in_parallel([lambda: f.lower(x), lambda: g.lower(jax.ShapeDtypeStruct((11,), jnp.float32), n=2)])
    with system.CompileCounter() as c:
        np.testing.assert_allclose(np.asarray(f(x)), np.sin(x) * 3.0, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(g(x, n=2)), np.cumsum(x) ** 2, rtol=1e-6)
    assert c.count == 0


@jax.jit
def _double_step(state):
    """A jitted step for run_side_by_side: (state + 1, 2 * state)."""
    return state + 1.0, 2.0 * state


@jax.jit
def _square_step(state):
    return state * 0.5, state ** 2


def test_loops_run_side_by_side_give_what_plain_loops_give():
    reports = []
    (a_state, a_outs), (b_state, b_outs) = system.run_side_by_side(
        [_double_step, _square_step], [jnp.arange(3.0), jnp.ones(2) * 8.0], 5, reports.append)
    want = []
    for step, start in ((_double_step, jnp.arange(3.0)), (_square_step, jnp.ones(2) * 8.0)):
        state, outs = start, []
        for _ in range(5):
            state, out = step(state)
            outs.append(np.asarray(out))
        want.append((np.asarray(state), outs))
    np.testing.assert_array_equal(np.asarray(a_state), want[0][0])
    np.testing.assert_array_equal(np.asarray(b_state), want[1][0])
    assert len(a_outs) == len(b_outs) == 5
    for got, ref in zip(a_outs + b_outs, want[0][1] + want[1][1]):
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, ref)
    assert reports == [1, 2, 3, 4, 5]  # once per call of the slowest loop, in order, on the calling thread


def test_an_error_in_the_report_stops_every_loop_and_is_raised():
    calls = []
    pressed = threading.Event()

    def step(state):
        calls.append(1)
        if state >= 2:  # from the third call on, each waits until the Stop was pressed
            pressed.wait(30)
        return state + 1, state

    def report(done):
        if done == 2:
            pressed.set()
            raise KeyboardInterrupt("stop pressed")

    with pytest.raises(KeyboardInterrupt, match="stop pressed"):
        system.run_side_by_side([step, step], [0, 0], 1000, report)
    assert len(calls) <= 6  # each loop finished the call it was in (at most its third) and stopped


def test_an_error_in_a_loop_on_another_thread_is_raised():
    def broken(state):
        if state >= 3:
            raise FloatingPointError("diverged at 3")
        return state + 1, state

    with pytest.raises(FloatingPointError, match="diverged at 3"):
        system.run_side_by_side([lambda s: (s + 1, s), broken], [0, 0], 10)
    with pytest.raises(ValueError, match="states"):
        system.run_side_by_side([_double_step, _square_step], [jnp.ones(1)], 3)


def _xla_threads_in_a_fresh_process(value: str | None, code: str = "") -> dict:
    """Import dropout_viz in a new interpreter with DROPOUT_LAB_XLA_THREADS = value; run a matmul; report the
    package's XLA_THREADS, XLA's pool threads (named tf_XLAEigen) and the CPUs every thread may run on."""
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != system.XLA_THREADS_ENV}
    env["JAX_PLATFORMS"] = "cpu"
    if value is not None:
        env[system.XLA_THREADS_ENV] = value
    script = (
        "import json, os\n" + code +
        "import dropout_viz, jax.numpy as jnp\n"
        "(jnp.ones((256, 256)) @ jnp.ones((256, 256))).block_until_ready()\n"
        "tasks = os.listdir('/proc/self/task')\n"
        "names = [open(f'/proc/self/task/{t}/comm').read().strip() for t in tasks]\n"
        "print(json.dumps({'threads': dropout_viz.XLA_THREADS, 'pool': names.count('tf_XLAEigen'),\n"
        "                  'cpus': sorted({len(os.sched_getaffinity(int(t))) for t in tasks}),\n"
        "                  'all': len(os.sched_getaffinity(0))}))\n")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs CPU affinity and at least two cores")
def test_xla_threads_from_the_environment_size_the_pool_and_leave_every_core_usable():
    default = _xla_threads_in_a_fresh_process(None)
    assert default["threads"] is None and default["pool"] == default["all"]  # XLA's own: one per core
    one = _xla_threads_in_a_fresh_process("1")
    assert one["threads"] == 1 and one["pool"] == 1
    assert one["cpus"] == [one["all"]]  # afterwards every thread may run on every core again
    many = _xla_threads_in_a_fresh_process(str(default["all"] + 5))
    assert many["threads"] == default["all"] and many["pool"] == default["all"]
    # Too late once JAX's backends exist: nothing changes.
    late = _xla_threads_in_a_fresh_process("1", "import jax; jax.devices()\n")
    assert late["threads"] is None and late["pool"] == late["all"]


def test_the_package_reads_the_setting_under_the_same_name_and_imports_no_jax_without_it():
    import subprocess
    import sys

    source = (__import__("pathlib").Path(system.__file__).parents[1] / "__init__.py").read_text()
    assert f'"{system.XLA_THREADS_ENV}"' in source
    env = {k: v for k, v in os.environ.items() if k != system.XLA_THREADS_ENV}
    out = subprocess.run([sys.executable, "-c", "import sys, dropout_viz; print('jax' in sys.modules)"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr[-1000:]


def test_a_bad_xla_thread_count_is_refused_naming_the_setting():
    for bad in ("0", "-2", "two", "1.5"):
        with pytest.raises(ValueError, match="DROPOUT_LAB_XLA_THREADS"):
            system.limit_xla_cpu_threads(bad)
    jax.devices()
    assert system.limit_xla_cpu_threads(1) is None  # this process's backends exist already: nothing to do


def test_release_drops_the_compiled_programs_and_keeps_the_results():
    f = jax.jit(lambda x: x * 2.0 + 1.0)
    kept = np.asarray(f(jnp.arange(5.0)))
    for n in (6, 7, 8):
        f(jnp.zeros(n))
    assert f._cache_size() >= 4
    kept_object = [object()]  # tracked by the collector until the release freezes what is left
    try:
        system.release_compiled()
        assert gc.get_freeze_count() > 0
        # Out of the collector's sight: a full collection skips it (gc.get_objects lists the generations only).
        assert gc.is_tracked(kept_object) and not any(o is kept_object for o in gc.get_objects())
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
    assert f._cache_size() == 0
    np.testing.assert_array_equal(kept, np.arange(5.0) * 2.0 + 1.0)
    np.testing.assert_array_equal(np.asarray(f(jnp.arange(5.0))), kept)  # compiled again when asked, same bits
    assert f._cache_size() == 1


def test_the_release_signal_answers_its_file_once_per_touch(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(system, "release_compiled", lambda: calls.append(1))
    path = tmp_path / "release"
    assert not system.ReleaseSignal(None).check()  # no file named: never
    signal = system.ReleaseSignal(path)
    assert not signal.check() and calls == []  # nothing there yet
    path.touch()
    assert signal.check() and calls == [1]
    assert not signal.check() and calls == [1]  # the same touch asks once
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    assert signal.check() and calls == [1, 1] and signal.released == 2
    # A file left from before the server started asks for nothing.
    assert not system.ReleaseSignal(path).check() and calls == [1, 1]
    monkeypatch.setenv(system.RELEASE_ENV, str(tmp_path / "other"))
    late = system.ReleaseSignal.from_env()
    (tmp_path / "other").touch()
    assert late.check() and calls == [1, 1, 1]
    monkeypatch.delenv(system.RELEASE_ENV)
    assert system.ReleaseSignal.from_env().path is None
