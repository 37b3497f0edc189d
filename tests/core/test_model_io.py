"""Model JSON round-trips exactly and every malformed file is refused with a message naming the problem."""
import json

import jax
import numpy as np
import pytest

from dropout_viz.core import inference, model_io, network


@pytest.fixture(scope="module")
def params():
    return network.to_numpy(network.init_mlp(jax.random.PRNGKey(3), (2, 5, 3)))


def test_round_trip_is_exact_and_predicts_the_same(params):
    text = model_io.dumps(params, keep=(1.0, 0.5), seed=7, activation="tanh", dataset="moons", steps=500)
    doc = model_io.loads(text)
    assert doc["sizes"] == (2, 5, 3) and doc["keep"] == (1.0, 0.5) and doc["seed"] == 7
    assert doc["activation"] == "tanh" and doc["dataset"] == "moons" and doc["steps"] == 500
    for (w, b), (w2, b2) in zip(params, doc["params"]):
        np.testing.assert_array_equal(w, w2)
        np.testing.assert_array_equal(b, b2)
    x = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)
    np.testing.assert_array_equal(inference.predict_weight_scaled(params, x, (1.0, 0.5), activation="tanh"),
                                  inference.predict_weight_scaled(doc["params"], x, (1.0, 0.5), activation="tanh"))


def _doc(params):
    return json.loads(model_io.dumps(params, keep=0.5, seed=1))


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(format="pickle"), "format"),
    (lambda d: d.update(version=9), "version"),
    (lambda d: d.update(sizes=[2, 0, 3]), "sizes"),
    (lambda d: d.update(activation="os.system"), "activation"),
    (lambda d: d.update(head="x"), "head"),
    (lambda d: d.update(keep=[0.0, 0.5]), "keep"),
    (lambda d: d.update(keep=[0.5]), "keep"),
    (lambda d: d.update(seed=-1), "seed"),
    (lambda d: d["layers"].pop(), "layers"),
    (lambda d: d["layers"][0].update(W=[[1.0]]), r"layers\[0\].W"),
    (lambda d: d["layers"][1].update(b="abc"), r"layers\[1\].b"),
])
def test_malformed_models_are_refused(params, mutate, message):
    d = _doc(params)
    mutate(d)
    with pytest.raises(ValueError, match=message):
        model_io.loads(json.dumps(d))


def test_non_finite_weights_not_json_and_too_large_are_refused(params):
    d = _doc(params)
    d["layers"][0]["W"][0][0] = float("inf")
    with pytest.raises(ValueError, match="NaN or infinity"):
        model_io.loads(json.dumps(d))
    with pytest.raises(ValueError, match="not valid JSON"):
        model_io.loads(b"{not json")
    with pytest.raises(ValueError, match="not UTF-8 text"):
        model_io.loads(b"\xff\xfe")
    with pytest.raises(ValueError, match="bytes"):
        model_io.loads(b" " * (model_io.MAX_BYTES + 1))


# --- several models in one file (dumps_models / loads_models) -----------------------------------------


@pytest.fixture(scope="module")
def three():
    """Three models of sizes (2, 5, 3): different weights, keep values and names."""
    return [(f"m{i}", network.to_numpy(network.init_mlp(jax.random.PRNGKey(i), (2, 5, 3))), keep)
            for i, keep in enumerate([(1.0, 1.0), (0.8, 0.5), (0.8, 0.3)])]


POINTS = (np.array([[0.1, -0.2], [1.5, 0.25], [-1.0, 1e-7], [0.0, 0.0]], np.float32), np.array([0, 1, 1, 0]))


def _models_doc(three, **kw):
    return json.loads(model_io.dumps_models(three, seed=5, steps=150, **kw))


def test_models_round_trip_exactly_with_settings_and_points(three):
    settings = {"page": "live-training", "lr": 0.003, "n_train": 100, "dataset": "csv", "third": True, "x": None}
    text = model_io.dumps_models(three, seed=5, steps=150, activation="tanh", settings=settings, points=POINTS)
    doc = model_io.loads_models(text.encode())
    assert doc["sizes"] == (2, 5, 3) and doc["seed"] == 5 and doc["steps"] == 150
    assert doc["activation"] == "tanh" and doc["head"] == "softmax" and doc["settings"] == settings
    assert [m["name"] for m in doc["models"]] == ["m0", "m1", "m2"]
    assert [m["keep"] for m in doc["models"]] == [(1.0, 1.0), (0.8, 0.5), (0.8, 0.3)]
    for (_, params, _), loaded in zip(three, doc["models"]):
        for (w, b), (w2, b2) in zip(params, loaded["params"]):
            assert w2.dtype == np.float32
            np.testing.assert_array_equal(w, w2)  # every bit: float32 -> JSON -> float32 is exact
            np.testing.assert_array_equal(b, b2)
    np.testing.assert_array_equal(doc["points"][0], POINTS[0])
    np.testing.assert_array_equal(doc["points"][1], POINTS[1])
    assert model_io.loads_models(model_io.dumps_models(three, seed=5, steps=0))["points"] is None


def test_dumps_models_refuses_what_it_cannot_store(three):
    with pytest.raises(ValueError, match="1 to 8 models"):
        model_io.dumps_models([], seed=0, steps=0)
    other = ("odd", network.to_numpy(network.init_mlp(jax.random.PRNGKey(9), (2, 4, 3))), (1.0, 1.0))
    with pytest.raises(ValueError, match="sizes"):
        model_io.dumps_models(three + [other], seed=0, steps=0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        model_io.dumps_models(three, seed=0, steps=0, settings={"lr": float("nan")})
    with pytest.raises(ValueError, match="must be a string, number"):
        model_io.dumps_models(three, seed=0, steps=0, settings={"lr": [1, 2]})


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(format="dropout-lab-model"), "format"),
    (lambda d: d.update(version=2), "version"),
    (lambda d: d.update(sizes=[2, 5]), r"'layers' must hold 1|models\[0\]"),
    (lambda d: d.update(sizes="2-5-3"), "sizes"),
    (lambda d: d.update(activation="eval"), "activation"),
    (lambda d: d.update(seed=2**31), "seed"),
    (lambda d: d.update(seed=True), "seed"),
    (lambda d: d.update(steps=-1), "steps"),
    (lambda d: d.update(steps=1.5), "steps"),
    (lambda d: d.pop("steps"), "steps"),
    (lambda d: d.update(models=[]), "'models' must list 1 to 8"),
    (lambda d: d.update(models=d["models"] * 3), "'models' must list 1 to 8"),
    (lambda d: d["models"].__setitem__(1, "weights"), r"models\[1\] must be an object"),
    (lambda d: d["models"][0].update(name=""), r"models\[0\].name"),
    (lambda d: d["models"][0].update(name=7), r"models\[0\].name"),
    (lambda d: d["models"][1].update(keep=[0.5]), r"models\[1\].keep"),
    (lambda d: d["models"][1].update(keep=[0.0, 0.5]), r"models\[1\].keep"),
    (lambda d: d["models"][1].update(keep=[True, 0.5]), r"models\[1\].keep must be a list of numbers"),
    (lambda d: d["models"][2]["layers"].pop(), r"'models\[2\].layers' must hold 2"),
    (lambda d: d["models"][2]["layers"][1].update(W=[[0.0] * 3] * 4), r"models\[2\].layers\[1\].W must have shape"),
    (lambda d: d["models"][0]["layers"][0].update(b=["x"] * 5), r"models\[0\].layers\[0\].b must be an array"),
    (lambda d: d.update(settings=[1]), "'settings' must be an object"),
    (lambda d: d.update(settings={"lr": {"nested": 1}}), r"settings.lr must be a string, number"),
    (lambda d: d.update(settings={"s": "x" * 201}), r"settings.s is longer"),
    (lambda d: d.update(settings={str(i): i for i in range(41)}), "at most 40 fields"),
    (lambda d: d.update(points=[1, 2]), "'points' must be null or an object"),
    (lambda d: d.update(points={"x": [[0, 0]], "y": [0.5]}), "points.y must list"),
    (lambda d: d.update(points={"x": [[0, 0]], "y": [0, 1]}), r"points.x must have shape \(2, 2\)"),
])
def test_malformed_model_files_are_refused(three, mutate, message):
    d = _models_doc(three)
    mutate(d)
    with pytest.raises(ValueError, match=message):
        model_io.loads_models(json.dumps(d))


def test_non_finite_values_other_files_and_oversized_files_are_refused(three):
    d = _models_doc(three)
    d["models"][1]["layers"][0]["W"][1][2] = float("nan")
    with pytest.raises(ValueError, match=r"models\[1\].layers\[0\].W contains NaN or infinity"):
        model_io.loads_models(json.dumps(d))  # Python writes the literal NaN; JSON parsers vary
    d = _models_doc(three, points=POINTS)
    d["points"]["x"][0][0] = float("inf")
    with pytest.raises(ValueError, match=r"points.x contains NaN or infinity"):
        model_io.loads_models(json.dumps(d))
    single = model_io.dumps(three[0][1], keep=(1.0, 1.0), seed=0)
    with pytest.raises(ValueError, match="'format' must be 'dropout-lab-models'"):
        model_io.loads_models(single)  # a single-model file is not a models file, and the other way round
    with pytest.raises(ValueError, match="'format' must be 'dropout-lab-model'"):
        model_io.loads(model_io.dumps_models(three, seed=0, steps=0))
    with pytest.raises(ValueError, match="nests arrays or objects 100,000 deep"):
        model_io.loads_models("[" * 100_000)  # deep nesting: a message, not a RecursionError
    with pytest.raises(ValueError, match="at most 2,000,000 are accepted"):
        model_io.loads_models(b" " * (model_io.MAX_BYTES + 1))
    with pytest.raises(ValueError, match="not UTF-8 text"):
        model_io.loads_models(b"\x80\x04\x95pickle")  # a pickle is bytes, not JSON: never unpickled
