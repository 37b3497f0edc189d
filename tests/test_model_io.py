"""Model JSON round-trips exactly and every malformed file is refused with a message naming the problem."""
import json

import jax
import numpy as np
import pytest

from dropout_viz import inference, model_io, network


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
    with pytest.raises(ValueError, match="not valid JSON"):
        model_io.loads(b"\xff\xfe")
    with pytest.raises(ValueError, match="bytes"):
        model_io.loads(b" " * (model_io.MAX_BYTES + 1))
