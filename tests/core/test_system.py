"""dropout_viz.core.system: backend description, compile counting, the persistent compilation cache."""
import jax
import jax.numpy as jnp
import numpy as np

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
