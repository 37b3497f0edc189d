"""`python -m dropout_viz.bench --quick`: one JSON object with every figure, and no recompilation when values move.

Timings are printed, never asserted; what is asserted is the structure and the compilation counts.
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_prints_one_json_object_and_values_recompile_nothing():
    out = subprocess.run([sys.executable, "-m", "dropout_viz.bench", "--quick"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600, check=True).stdout
    report = json.loads(out)  # the whole of stdout is one JSON object
    assert report["machine"]["backend"] in ("cpu", "gpu", "cuda", "rocm", "tpu")
    training, inference = report["training"], report["inference"]
    for key in ("jax_model_steps_per_s", "jax_model_steps_per_s_chunks_of_500", "numpy_model_steps_per_s"):
        assert training[key] > 0
    assert training["compilations_when_values_change"] == 0
    assert inference["exact_2_12_2"]["subnetworks"] == 2 ** 12
    assert inference["exact_2_16_2"]["subnetworks"] == 2 ** 16
    assert inference["exact_2_12_2"]["compilations_when_keep_changes"] == 0
    assert inference["exact_2_16_2"]["compilations_when_keep_changes"] == 0
    assert inference["mc_1000_masks_2_16_16_2"]["compilations_when_k_changes"] == 0
    # The exact ensemble streams: no chunk of masks' predictions is anywhere near all 2^16 of them
    # (65,536 masks x 3,600 grid points x 2 classes x 4 bytes = 1.9 GB).
    assert inference["exact_2_16_2"]["largest_chunk_mb"] < 64
    assert report["peak_rss_mb"] > 0
    masks = report["masks_lesson"]
    assert masks["first_tab_cold_s"] > 0 and masks["all_tabs_cold_s"] > 0
    assert masks["compilations_when_keep_changes"] == 0  # keep values are traced: moving a slider compiles nothing
    view = report["uncertainty_view"]
    assert view["cold_s"] >= view["cold_training_s"] > 0
    assert view["compilations_when_keep_changes"] == 0
    lesson = report["batch_norm_lesson"]
    assert lesson["default_view_cold_s"] > 0  # --quick leaves out the run from the compilation cache
    assert lesson["compilations_when_values_change"] == 0  # keep, order and seed are traced values
    arch = report["architectures_lesson"]
    assert arch["sequences_default_cold_s"] > 0 and arch["depth_default_cold_s"] > 0
    assert arch["compilations_when_values_change"] == 0  # keep, survival and seeds are values, not shapes
    assert arch["expected_depth"] == 5.75
    images = report["images_lesson"]
    assert images["default_view_cold_s"] > 0 and images["default_view_cold_cpu_s"] > 0
    assert images["compilations_when_values_change"] == 0  # keep, block and seed are values, not shapes
    assert abs(images["dropblock_kept"] - images["dropblock_kept_closed"]) < 0.01
    live = report["live_training_view"]
    assert live["cold_s"] > 0 and live["compilations_when_values_change"] == 0  # keep and rate are traced values
