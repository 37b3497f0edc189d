"""`python -m dropout_viz.bench`: the performance figures of the engine, printed as one JSON object.

Speed is measured here, never asserted in a timed test. Each timing is the median of several runs after
a warm-up call (compile time is reported separately).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time

import jax
import numpy as np

from .core import datasets, inference, network, reference, train
from .core.system import CompileCounter, backend_info


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), **backend_info()}


def bench_training(chunks: int) -> dict:
    """2-16-16-2 ReLU, batch 32, Adam; model A keep 1.0 (no dropout), model B keep 0.5 on hidden units."""
    ds = datasets.make_dataset("moons", 0, 400, 0.2)
    cfg = train.TrainConfig(sizes=(2, 16, 16, 2), batch_size=32, chunk=50, eval_every=10)
    data = train.make_data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, cfg)
    states = train.init_states(jax.random.PRNGKey(0), cfg, 2)
    hps = train.stack([train.hyper(1.0, 0.01, n_layers=3), train.hyper((1.0, 0.5, 0.5), 0.01, n_layers=3)])
    t = time.perf_counter()
    states, _ = train.train_chunk_many(states, data, hps, cfg)
    jax.block_until_ready(states)
    compile_s = time.perf_counter() - t

    def run():
        nonlocal states
        for _ in range(chunks):
            states, m = train.train_chunk_many(states, data, hps, cfg)
        return states

    per_call = _median_time(run, 5)
    jax_rate = 2 * cfg.chunk * chunks / per_call

    # The same two models with the per-call cost amortised: chunks of 500 steps, one evaluation per chunk. A
    # live frame needs only 50 steps (1.2 ms of a 100 ms frame); this is what the engine sustains when it trains
    # for longer at a time. Same draws, same arithmetic per step.
    long_cfg = train.TrainConfig(sizes=(2, 16, 16, 2), batch_size=32, chunk=500, eval_every=500)
    long_data = train.make_data(ds.x_train, ds.y_train, ds.x_test, ds.y_test, long_cfg)
    long_states = train.init_states(jax.random.PRNGKey(0), long_cfg, 2)
    long_states, _ = train.train_chunk_many(long_states, long_data, hps, long_cfg)
    long_chunks = max(2, chunks // 2)

    def run_long():
        nonlocal long_states
        for _ in range(long_chunks):
            long_states, _ = train.train_chunk_many(long_states, long_data, hps, long_cfg)
        return long_states

    long_rate = 2 * long_cfg.chunk * long_chunks / _median_time(run_long, 7)

    # The same work in plain NumPy: two models, same sizes, batch, keep and optimizer.
    rng = np.random.default_rng(0)
    params = network.to_numpy(network.init_mlp(jax.random.PRNGKey(0), cfg.sizes))
    x, y = np.asarray(ds.x_train), np.asarray(ds.y_train)
    n_steps = 400
    t = time.perf_counter()
    for keep in ((1.0, 1.0, 1.0), (1.0, 0.5, 0.5)):
        reference.train_steps(params, x, y, keep, 0.01, n_steps, cfg.batch_size, rng)
    np_rate = 2 * n_steps / (time.perf_counter() - t)

    # Moving value sliders (keep, learning rate, penalty) must compile nothing.
    with CompileCounter() as counter:
        for q, lr, l2 in ((0.8, 0.02, 0.0), (0.3, 0.001, 0.01), (0.95, 0.1, 0.001)):
            hp2 = train.stack([train.hyper(1.0, lr, n_layers=3, l2=l2), train.hyper((1.0, q, q), lr, n_layers=3, l2=l2)])
            states, _ = train.train_chunk_many(states, data, hp2, cfg)
        jax.block_until_ready(states)
    return {
        "network": "2-16-16-2 relu, batch 32, adam, chunk 50 steps (eval every 10), 2 models vmapped "
                   "(keep 1.0 and keep 0.5 on hidden units)",
        "compile_s": round(compile_s, 3),
        "jax_model_steps_per_s": round(jax_rate),
        "ms_per_chunk": round(1000 * per_call / chunks, 3),
        "jax_model_steps_per_s_chunks_of_500": round(long_rate),
        "numpy_model_steps_per_s": round(np_rate),
        "speedup_vs_numpy": round(jax_rate / np_rate, 1),
        "compilations_when_values_change": counter.count,
    }


def bench_inference(repeats: int) -> dict:
    """Exact ensembles of 2-H-2 nets (hidden keep 0.5, inputs kept) on a 60x60 grid; MC and weight scaling."""
    _, _, grid = datasets.surface_grid(60)
    out = {"grid_points": int(len(grid))}
    key = jax.random.PRNGKey(0)
    for h in (12, 16):
        params = network.init_mlp(key, (2, h, 2))
        keep = (1.0, 0.5)
        t = time.perf_counter()
        inference.exact_ensemble(params, grid, keep)
        first = time.perf_counter() - t
        rss0 = _rss_mb()
        # A different keep value per call: proves value changes reuse the compiled code.
        with CompileCounter() as counter:
            vals = iter(np.linspace(0.3, 0.7, repeats))
            steady = _median_time(lambda: inference.exact_ensemble(params, grid, (1.0, float(next(vals)))).arithmetic,
                                  repeats)
        plan = inference._plan((2, h, 2), keep, len(grid), 2)
        out[f"exact_2_{h}_2"] = {
            "subnetworks": 2**h, "first_call_s": round(first, 3), "steady_s": round(steady, 4),
            "compilations_when_keep_changes": counter.count,
            "largest_chunk_mb": round(plan.chunk_outer * plan.chunk_inner * len(grid) * 4 / 2**20, 1),
            "peak_rss_growth_mb": round(_rss_mb() - rss0, 1),
        }
    params = network.init_mlp(key, (2, 16, 16, 2))
    keep3 = (1.0, 0.5, 0.5)
    inference.mc_ensemble(key, params, grid, keep3, 1000)
    with CompileCounter() as counter:
        ks = iter([1000, 999, 1000, 998, 1000, 997, 1000])
        mc = _median_time(lambda: inference.mc_ensemble(key, params, grid, keep3, next(ks)).arithmetic, 5)
    out["mc_1000_masks_2_16_16_2"] = {"steady_s": round(mc, 4), "compilations_when_k_changes": counter.count}
    inference.predict_weight_scaled(params, grid, keep3)
    out["weight_scaled_2_16_16_2_s"] = round(_median_time(lambda: inference.predict_weight_scaled(params, grid, keep3),
                                                          repeats), 5)
    # The ensemble page's default question: exact over d = 12 on a 2-12-12-2? Its own net is 2-16-2 etc.;
    # report a deeper case too, where masks of two layers are enumerated (outer x inner).
    params = network.init_mlp(key, (2, 6, 6, 2))
    inference.exact_ensemble(params, grid, (1.0, 0.5, 0.5))
    out["exact_2_6_6_2_both_hidden_dropped_s"] = round(
        _median_time(lambda: inference.exact_ensemble(params, grid, (1.0, 0.5, 0.5)).arithmetic, repeats), 4)
    return out


def bench_masks_lesson(repeats: int) -> dict:
    """The masks lesson's default view, cold (compile included) and warm: the thinned network's first mask with
    its counts (first tab), and every tab's default numbers at once (experiment.summary; the training-step tab
    included, the three trained networks of the vector tab not)."""
    from .lessons.masks import experiment as masks

    c = masks.Config()

    def first_tab():
        layer_masks = masks.sample_masks(masks.key(c.seed, "network", 0), c.sizes, c.keep)
        return masks.layer_stats(c.sizes, c.keep, layer_masks), masks.count_subnetworks(c.sizes, c.keep)

    t0 = time.perf_counter()
    first_tab()
    first_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    masks.summary(c)
    all_cold = time.perf_counter() - t0
    with CompileCounter() as counter:
        masks.summary(masks.Config(keep=(0.7, 0.4, 0.6), vector_keep=0.45))
    return {"first_tab_cold_s": round(first_cold, 3), "all_tabs_cold_s": round(all_cold, 3),
            "all_tabs_steady_s": round(_median_time(lambda: masks.summary(c), repeats), 3),
            "compilations_when_keep_changes": counter.count}


def bench_uncertainty_view() -> dict:
    """The uncertainty lesson's default view, cold (its programs not yet compiled in this process): train the moons'
    dropout networks and ensembles (3 runs x (1 + 8) networks, one vmapped computation), predict the held-out points
    with 64 masks, and every score the calibration tab shows. Run first, so nothing of it is compiled before."""
    from .lessons.uncertainty import experiment as ux

    cfg = ux.Config()
    with CompileCounter() as cold_programs:
        t = time.perf_counter()
        cpu = time.process_time()
        key = ux.seed_key(0)
        clf = ux.train_classifiers(key, "moons", 0, 0.8, cfg)
        trained = time.perf_counter() - t
        pred = ux.classify(key, clf, clf.data.x_test, cfg.max_masks)
        predicted = time.perf_counter() - t
        for score in ("ECE", "NLL", "Brier", "error"):
            ux.score_curves(pred, clf.data.y_test, score, cfg.n_bins)
        for probs in (pred.weight_scaled[0], pred.mc[0, :16].mean(0), pred.members[0, :5].mean(0)):
            ux.reliability(probs, clf.data.y_test, cfg.n_bins)
        total, total_cpu = time.perf_counter() - t, time.process_time() - cpu
    # Another keep retrains (the keep is a traced value) and compiles nothing; k and M only slice NumPy arrays.
    with CompileCounter() as counter:
        t = time.perf_counter()
        clf2 = ux.train_classifiers(key, "moons", 0, 0.6, cfg)
        ux.classify(key, clf2, clf2.data.x_test, cfg.max_masks)
        warm = time.perf_counter() - t
    return {
        "what": "default view of pages/9_Uncertainty.py: 27 networks 2-32-32-2 trained together "
                f"({cfg.class_steps} steps), 64 masks, ECE/NLL/Brier/error curves, 3 reliability diagrams",
        "cold_s": round(total, 3), "cold_cpu_s": round(total_cpu, 3), "cold_training_s": round(trained, 3),
        "cold_prediction_s": round(predicted - trained, 3), "cold_compilations": cold_programs.count,
        "another_keep_s": round(warm, 3), "compilations_when_keep_changes": counter.count,
    }


def bench_live_training_view() -> dict:
    """The live-training lesson's first page run, cold: the default data and the two stacked models, then the first
    batch of snapshots the live view plays (one second of play at the default speed); then another keep and
    learning rate (traced values: nothing compiles)."""
    from .lessons.live_training import experiment as lx

    cfg = lx.CONFIG
    t = time.perf_counter()
    cpu = time.process_time()
    data = lx.make_split(cfg.setup)
    live = lx.start(cfg.setup, data)
    view = lx.view_of(cfg.setup, data)
    hps = lx.hypers(lx.model_keeps(cfg.keep_in, cfg.keep_hidden, cfg.setup.layers), cfg.lr, cfg.l2)
    n = lx.batch_frames(lx.CHUNK)
    batch = lx.play_batch(live, hps, view, n, lx.CHUNK)
    total, total_cpu = time.perf_counter() - t, time.process_time() - cpu
    with CompileCounter() as counter:
        t = time.perf_counter()
        other = lx.hypers(lx.model_keeps(cfg.keep_in, 0.8, cfg.setup.layers), 0.01, cfg.l2)
        cpu = time.process_time()
        lx.play_batch(batch.end, other, view, n, lx.CHUNK)
        warm, warm_cpu = time.perf_counter() - t, time.process_time() - cpu
    return {
        "what": f"first run of pages/2_Live_training.py: 2 stacked networks, {n} snapshots of {lx.CHUNK} steps",
        "cold_s": round(total, 3), "cold_cpu_s": round(total_cpu, 3), "another_keep_and_lr_s": round(warm, 3),
        "another_keep_and_lr_cpu_s": round(warm_cpu, 3), "compilations_when_values_change": counter.count,
    }


# The batch-norm lesson's default view, cold: a fresh interpreter with no compilation cache, so every program
# compiles. Times the page's own call, default_shift (data, the seed's keys, then one program that initialises,
# trains, evaluates and measures the shift); imports are reported apart.
_BN_COLD = r"""
import json, time
t0 = time.perf_counter(); c0 = time.process_time()
import jax
from dropout_viz.lessons.batch_norm import experiment as ex
from dropout_viz.core.system import CompileCounter
imports = time.perf_counter() - t0
with CompileCounter() as programs:
    t = time.perf_counter(); c = time.process_time()
    view = ex.default_shift()
    cold, cold_cpu = time.perf_counter() - t, time.process_time() - c
with CompileCounter() as counter:
    t = time.perf_counter()
    ex.default_shift(seed=1, keep=0.7, order="bn_dropout")
    warm = time.perf_counter() - t
print(json.dumps({"imports_s": round(imports, 3), "default_view_cold_s": round(cold, 3),
                  "default_view_cold_cpu_s": round(cold_cpu, 3), "default_view_compilations": programs.count,
                  "other_values_s": round(warm, 3),
                  "compilations_when_values_change": counter.count,
                  "ratio_bn1": round(float((view.var_test / view.running_var)[0].mean()), 3)}))
"""


def bench_batch_norm(with_cache: bool = True) -> dict:
    """The batch-norm lesson's default view from a cold start (own process, no compilation cache), then again in a
    fresh process that finds the programs in an on-disk compilation cache (the app keeps one: a restarted server)."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    def run(extra_env: dict) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("JAX_COMPILATION_CACHE_DIR", "DROPOUT_LAB_CACHE_DIR")}
        env.setdefault("JAX_PLATFORMS", "cpu")
        out = subprocess.run([sys.executable, "-c", _BN_COLD], cwd=Path(__file__).resolve().parent.parent,
                             env={**env, **extra_env}, capture_output=True, text=True, check=True, timeout=900).stdout
        return json.loads(out.strip().splitlines()[-1])

    cold = run({})
    out = {"network": "64-64-64-64-10 ReLU with BN, batch 64, 600 steps, masks before BN at keep 0.5", **cold}
    if not with_cache:
        return out
    with tempfile.TemporaryDirectory() as cache:
        disk = {"JAX_COMPILATION_CACHE_DIR": cache, "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}
        run(disk)
        cached = run(disk)
    return {**out, "default_view_compilation_cache_s": cached["default_view_cold_s"]}


# The architectures lesson's default views (the unrolled RNN's masks; stochastic depth's closed forms against
# 20,000 sampled block masks), cold: a fresh interpreter with no compilation cache. Imports are reported apart.
_ARCH_COLD = r"""
import json, time
t0 = time.perf_counter()
from dropout_viz.lessons.architectures import experiment as ex
from dropout_viz.core.system import CompileCounter
imports = time.perf_counter() - t0
t = time.perf_counter(); c = time.process_time()
ex.diagram_masks(0, 0.75)
seq, seq_cpu = time.perf_counter() - t, time.process_time() - c
t = time.perf_counter(); c = time.process_time()
s = ex.depth_sampling(0, 8, 0.5, "linear", 20_000)
depth, depth_cpu = time.perf_counter() - t, time.process_time() - c
with CompileCounter() as counter:
    ex.diagram_masks(1, 0.5)
    ex.depth_sampling(1, 8, 0.8, "constant", 20_000)
print(json.dumps({"imports_s": round(imports, 3), "sequences_default_cold_s": round(seq, 3),
                  "sequences_default_cold_cpu_s": round(seq_cpu, 3), "depth_default_cold_s": round(depth, 3),
                  "depth_default_cold_cpu_s": round(depth_cpu, 3),
                  "compilations_when_values_change": counter.count,
                  "expected_depth": s.expected_depth, "sampled_depth": round(s.sampled_depth, 3)}))
"""


def bench_architectures() -> dict:
    """The architectures lesson's default views from a cold start (own process, no compilation cache)."""
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("JAX_COMPILATION_CACHE_DIR", "DROPOUT_LAB_CACHE_DIR")}
    env.setdefault("JAX_PLATFORMS", "cpu")
    out = subprocess.run([sys.executable, "-c", _ARCH_COLD], cwd=Path(__file__).resolve().parent.parent, env=env,
                         capture_output=True, text=True, check=True, timeout=900).stdout
    return json.loads(out.strip().splitlines()[-1])


# The images lesson's default view (its first tab), cold: a fresh interpreter with no compilation cache. The plain
# CNN trained and its feature maps of the probe digits, 2,000 sampled masks of each kind with their rates, the masks
# applied to the drawn map. Imports are reported apart; the load average says how busy the machine was.
_IMAGES_COLD = r"""
import json, os, time
t0 = time.perf_counter()
from dropout_viz.lessons.images import experiment as ex
from dropout_viz.core.system import CompileCounter
imports = time.perf_counter() - t0
load = os.getloadavg()[0]
t = time.perf_counter(); c = time.process_time()
net = ex.train_plain(0)
ms = ex.sample_masks(2, 0.75, 3)
ex.applied(net.maps1[0], ms.masks[:, 0], 0.75)
cold, cold_cpu = time.perf_counter() - t, time.process_time() - c
t = time.perf_counter(); c = time.process_time()
ex.layer_correlations(net)
corr, corr_cpu = time.perf_counter() - t, time.process_time() - c
with CompileCounter() as counter:
    other = ex.sample_masks(5, 0.4, 6)
print(json.dumps({"imports_s": round(imports, 3), "default_view_cold_s": round(cold, 3),
                  "default_view_cold_cpu_s": round(cold_cpu, 3), "correlation_tab_s": round(corr, 3),
                  "correlation_tab_cpu_s": round(corr_cpu, 3), "load_average_1min": round(load, 2),
                  "compilations_when_values_change": counter.count,
                  "dropblock_kept": round(float(ms.kept[2]), 4),
                  "dropblock_kept_closed": round(float(ms.kept_closed[2]), 4),
                  "test_error": round(net.test_error, 4)}))
"""


def bench_images() -> dict:
    """The images lesson's default view from a cold start (own process, no compilation cache)."""
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("JAX_COMPILATION_CACHE_DIR", "DROPOUT_LAB_CACHE_DIR")}
    env.setdefault("JAX_PLATFORMS", "cpu")
    out = subprocess.run([sys.executable, "-c", _IMAGES_COLD], cwd=Path(__file__).resolve().parent.parent, env=env,
                         capture_output=True, text=True, check=True, timeout=900).stdout
    return {"network": "conv 3x3x8 -> conv 3x3x16 -> pool -> dense, 200 Adam steps on 200 digits; 3 x 2,000 masks",
            **json.loads(out.strip().splitlines()[-1])}


# The default views of three lessons whose first run is mostly compilation (issue #10: nothing reachable from a
# page's defaults may take over 5 s), each cold in a fresh interpreter with no compilation cache: what the view's
# cached calls compute on a first visit, then the same with other values of its sliders (nothing compiles).
_VIEW_COLD = r"""
import json, sys, time
t0 = time.perf_counter()
import jax
from dropout_viz.core.system import CompileCounter
{imports}
imports = time.perf_counter() - t0

def view(seed, keep, k):
{body}

t = time.perf_counter(); c = time.process_time()
out = view(0, {keep}, {k})
cold, cold_cpu = time.perf_counter() - t, time.process_time() - c
with CompileCounter() as counter:
    t = time.perf_counter()
    view(1, {other_keep}, {other_k})
    warm = time.perf_counter() - t
print(json.dumps({{"imports_s": round(imports, 3), "default_view_cold_s": round(cold, 3),
                  "default_view_cold_cpu_s": round(cold_cpu, 3), "other_values_s": round(warm, 3),
                  "compilations_when_values_change": counter.count, **out}}))
"""

COLD_VIEWS = {
    # pages/3: the classifier trained, weight-scaled, Monte Carlo (k masks) and exact (2^16 masks) panels, the
    # strip of single subnetworks; the other values: another seed, hidden keep and k.
    "ensembles": dict(
        imports="from dropout_viz.lessons.ensembles import experiment as ex",
        body="""    spec = ex.classifier_spec("moons", seed, "2-8-8-2", 1.0, keep, 2000)
    model = ex.train(ex.key(seed, ex.TRAIN), spec)
    ws = ex.weight_scaled(model)
    view = ex.panels(model, ws, ex.monte_carlo(ex.key(seed, ex.MASKS, 0), model, k), ex.exact(model))
    ex.strip(ex.key(seed, ex.MASKS, 0), model)
    return {"subnetworks": 2 ** 16, "test_acc_weight_scaled": view.test_acc["weight-scaled"]}""",
        keep=0.8, k=20, other_keep=0.6, other_k=200),
    # pages/4: no dropout, 12 bagged networks, dropout and dropout boosting trained (2,000 steps), k of them
    # averaged with the decompositions; the other values: another seed, keep and k.
    "bagging": dict(
        imports="from dropout_viz.lessons.bagging import experiment as ex",
        body="""    c = ex.CONFIG
    r = ex.run(ex.experiment_key(seed), c.dataset, c.noise, c.width, keep, c.steps, seed=seed)
    res = ex.summarise(r, k, len(r.y_train))
    return {"networks": 3 + c.n_bags, "test_error": [round(float(e), 4) for e in res.summary.test_error]}""",
        keep=0.5, k=8, other_keep=0.7, other_k=4),
    # pages/6, first tab: the digits network trained without and with dropout (2,000 steps), then hidden units
    # switched off along 20 random orders; the other values: another seed and keep.
    "inside": dict(
        imports="from dropout_viz.lessons.inside import experiment as ex",
        body="""    ds = ex.data("digits", seed)
    pair = ex.trained_pair(ex.key(seed, "train"), ds, ex.sizes_for("digits", 64), keep, 2000)
    abl = ex.ablation(ex.key(seed, "ablation"), pair, ds, 10, k)
    return {"half_off_acc": [round(abl["plain_half"], 4), round(abl["dropout_half"], 4)]}""",
        keep=0.5, k=20, other_keep=0.7, other_k=20),
}


def bench_cold_views() -> dict:
    """Each of COLD_VIEWS from a cold start: its own process, no compilation cache (imports reported apart)."""
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("JAX_COMPILATION_CACHE_DIR", "DROPOUT_LAB_CACHE_DIR")}
    env.setdefault("JAX_PLATFORMS", "cpu")
    out = {}
    for name, parts in COLD_VIEWS.items():
        script = _VIEW_COLD.format(**parts)
        run = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parent.parent, env=env,
                             capture_output=True, text=True, check=True, timeout=900).stdout
        out[name] = json.loads(run.strip().splitlines()[-1])
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run, not for reporting)")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 7
    uncertainty = bench_uncertainty_view()  # first: its cold start is the figure
    live_training = bench_live_training_view()  # next: nothing of its own is compiled yet
    result = {
        "machine": machine(),
        "training": bench_training(chunks=4 if args.quick else 20),
        "inference": bench_inference(repeats),
        "masks_lesson": bench_masks_lesson(repeats),
        "uncertainty_view": uncertainty,
        "batch_norm_lesson": bench_batch_norm(with_cache=not args.quick),
        "architectures_lesson": bench_architectures(),
        "images_lesson": bench_images(),
        "cold_views": bench_cold_views(),
        "live_training_view": live_training,
        "peak_rss_mb": round(_rss_mb(), 1),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
