"""The live view's snapshot batches (experiment.play, encode_batch): round trip, quantisation, determinism."""
import json

import jax

import numpy as np
import pytest

from dropout_viz.lessons.live_training import experiment as pg

SMALL = pg.Setup(n_train=40, test_share=0.5, width=8, layers=1)
SMALL_DATA = pg.make_split(SMALL)
SPEED = 10
META = {"names": ["no dropout", "dropout q=0.5"], "note": "plain strings only"}


def _hps(keep=0.5, lr=0.01):
    return pg.hypers(pg.model_keeps(1.0, keep, SMALL.layers), lr)


def _records(sizes, setup=SMALL, data=SMALL_DATA):
    """Records of one run delivered in batches of the given sizes, concatenated."""
    live = pg.start(setup, data)
    view = pg.view_of(setup, data)
    out = []
    for n in sizes:
        lives, records = pg.play(live, _hps(), view, n, SPEED)
        live = lives[-1]
        out += records
    return out, live


def test_round_trip_of_a_reset_batch():
    live = pg.start(SMALL, SMALL_DATA)
    view = pg.view_of(SMALL, SMALL_DATA)
    lives, records = pg.play(live, _hps(), view, 3, SPEED)
    data = pg.encode_batch(view, lives[0], records, seq=7, speed=SPEED, playing=True, reset=True, meta=META)
    out = pg.decode_batch(data)
    assert out["seq"] == 7 and out["speed"] == SPEED and out["kind"] == pg.KIND_SURFACE
    assert out["flags"] == pg.FLAG_PLAYING | pg.FLAG_RESET and out["meta"] == META
    assert (out["width"], out["height"]) == (pg.SURFACE_RESOLUTION,) * 2
    assert list(out["units"]) == [2, 8, 2]
    assert [s["step"] for s in out["snapshots"]] == [10, 20, 30]
    assert [s["record"] for s in out["snapshots"]] == records
    # Points: every training and test point with its label and its test flag.
    pts = out["points"]
    assert len(pts) == SMALL.n_total and pts["test"].sum() == SMALL.n_test
    np.testing.assert_array_equal(pts["x"][:SMALL.n_train], SMALL_DATA.x_train[:, 0])
    np.testing.assert_array_equal(pts["label"][SMALL.n_train:], SMALL_DATA.y_test)
    # History of the run at the batch's start (one chunk: one evaluation), then the metrics of each snapshot.
    np.testing.assert_array_equal(out["history_steps"], lives[0].history["step"])
    np.testing.assert_allclose(out["history"][:, 1, 1], lives[0].history["test_loss"][1])
    for snap, lv in zip(out["snapshots"], lives):
        np.testing.assert_allclose(snap["metrics"][:, 0], lv.history["train_loss"][:, -1])
        np.testing.assert_allclose(snap["metrics"][:, 3], lv.history["test_acc"][:, -1])
        np.testing.assert_array_equal(snap["mask"], np.concatenate([m[:16] for m in lv.mask]).astype(np.uint8))
    # A continuation batch carries no points and no history.
    cont = pg.decode_batch(pg.encode_batch(view, lives[-1], records[:1], seq=8, speed=SPEED, playing=True,
                                           reset=False, meta=META))
    assert len(cont["points"]) == 0 and cont["history_steps"].size == 0 and len(cont["snapshots"]) == 1
    with pytest.raises(ValueError, match="snapshot batch"):
        pg.decode_batch(b"XXXX" + data[4:])


def test_grid_bytes_are_within_half_a_step_of_the_probabilities():
    _, live = _records([2])
    view = pg.view_of(SMALL, SMALL_DATA)
    codes = pg.grid_codes(live, view)
    probs = pg.predict(live, view.grid)[..., 1]
    assert codes.dtype == np.uint8 and codes.shape == (2, pg.SURFACE_RESOLUTION ** 2)
    err = np.abs(codes / 255.0 - probs)
    assert err.max() <= 0.5 / 255 + 1e-6  # within the 1/255 the format promises, with room to spare
    # The grid is row by row from y0 up, like datasets.surface_grid: the bytes follow the probabilities.
    assert np.corrcoef(codes[1].astype(float), probs[1])[0, 1] > 0.999


def test_regression_bytes_cover_the_value_range_and_digits_have_no_grid():
    setup = pg.Setup(dataset="sine", noise=0.4, n_train=20, test_share=0.5, width=8, layers=1)
    data = pg.make_split(setup)
    view = pg.view_of(setup, data)
    assert view.kind == pg.KIND_CURVE and (view.width, view.height) == (pg.CURVE_RESOLUTION, 1)
    lo, hi = view.value_range
    assert lo <= min(data.y_train.min(), data.y_test.min()) and hi >= max(data.y_train.max(), data.y_test.max())
    live = pg.advance(pg.start(setup, data), pg.hypers(pg.model_keeps(1.0, 0.8, 1), 0.01), SPEED)
    codes = pg.grid_codes(live, view)
    y = pg.predict(live, view.grid)
    inside = (y > lo) & (y < hi)
    err = np.abs(lo + (hi - lo) * codes / 255.0 - y)[inside]
    assert err.max() <= (hi - lo) * (0.5 / 255) + 1e-5
    digits = pg.Setup(dataset="digits", noise=0.0, n_train=20, test_share=0.5, width=8, layers=1)
    dview = pg.view_of(digits, pg.make_split(digits))
    assert dview.kind == pg.KIND_NONE and dview.grid is None


def test_same_seed_same_bytes_whatever_the_batch_sizes():
    one, _ = _records([6])
    again, _ = _records([6])
    split, _ = _records([2, 1, 3])
    stepped, _ = _records([1] * 6)
    assert one == again == split == stepped
    assert len(set(one)) == 6  # and the snapshots do differ from step to step
    other, _ = _records([6], setup=pg.Setup(n_train=40, test_share=0.5, width=8, layers=1, seed=1))
    assert other[0] != one[0]


def test_play_stops_at_a_divergence():
    """A NaN loss (here from a NaN input; on the page from too high a learning rate) ends the batch there."""
    lives, _ = pg.play(pg.start(SMALL, SMALL_DATA), _hps(), pg.view_of(SMALL, SMALL_DATA), 2, SPEED)
    x = np.array(SMALL_DATA.x_train)
    x[3] = np.nan
    broken = lives[-1]._replace(data=lives[-1].data._replace(x_train=x))
    out, records = pg.play(broken, _hps(), pg.view_of(SMALL, SMALL_DATA), 5, SPEED)
    assert len(out) == 1 and records == [] and out[0].diverged is not None
    assert pg.step_of(out[0]) == 20  # the last finite weights


def test_speeds_and_arguments_are_checked():
    config = SMALL.config()
    assert pg.play_config(config, 1).eval_every == 1 and pg.play_config(config, 200).chunk == 200
    with pytest.raises(ValueError, match="speed"):
        pg.play_config(config, 3)
    with pytest.raises(ValueError, match="snapshots"):
        pg.play(pg.start(SMALL, SMALL_DATA), _hps(), pg.view_of(SMALL, SMALL_DATA), 0, SPEED)
    assert pg.batch_frames(200) == round(pg.BATCH_S * pg.PLAY_FPS) == 60 and pg.batch_frames(1) < pg.batch_frames(50)
    assert json.loads(json.dumps(META)) == META


def test_a_snapshot_made_on_its_own_is_the_one_play_sent():
    """The page's paused picture (after Step, Reset, Pause) encodes the run on its own: the same bytes as the
    snapshot play made for that step."""
    live = pg.start(SMALL, SMALL_DATA)
    view = pg.view_of(SMALL, SMALL_DATA)
    lives, records = pg.play(live, _hps(), view, 4, SPEED)
    assert [pg.snapshot_record(lv, pg.grid_codes(lv, view)) for lv in lives] == records
    stepped = live
    for _ in range(4):
        stepped = pg.advance(stepped, _hps(), SPEED)
    assert pg.snapshot_record(stepped, pg.grid_codes(stepped, view)) == records[-1]


def _stepped(live, hps, view, n, speed):
    """Runs and records of n chunks advanced one at a time (the Step button's path), up to a divergence."""
    lives, records = [], []
    for _ in range(n):
        live = pg.advance(live, hps, speed)
        lives.append(live)
        if live.diverged is not None:
            break
        records.append(pg.snapshot_record(live, pg.grid_codes(live, view)))
    return lives, records


def _same_run(a, b):
    assert pg.step_of(a) == pg.step_of(b) and a.diverged == b.diverged
    for x, y in zip(jax.tree.leaves((a.state, a.history, a.mask)), jax.tree.leaves((b.state, b.history, b.mask))):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_a_batch_in_one_program_is_the_run_stepped_chunk_by_chunk():
    """play_batch trains its chunks in one jitted scan: the same bytes, weights, history and mask as advancing
    chunk by chunk over 300 steps, and replay(batch, k) rebuilds the run after any k of its snapshots."""
    live = pg.start(SMALL, SMALL_DATA)
    view = pg.view_of(SMALL, SMALL_DATA)
    batch = pg.play_batch(live, _hps(), view, 20, SPEED)
    lives, records = _stepped(live, _hps(), view, 20, SPEED)
    assert batch.records == records and batch.steps == [SPEED * (k + 1) for k in range(20)]
    _same_run(batch.end, lives[-1])
    nxt = pg.play_batch(batch.end, _hps(0.3, 0.03), view, 10, SPEED)  # other values, on the trained weights
    more, more_records = _stepped(lives[-1], _hps(0.3, 0.03), view, 10, SPEED)
    assert nxt.records == more_records and pg.step_of(nxt.end) == 300
    _same_run(nxt.end, more[-1])
    for k in (0, 1, 7, 20):
        _same_run(pg.replay(batch, k), live if k == 0 else lives[k - 1])
    with pytest.raises(ValueError, match="k must"):
        pg.replay(batch, 21)


def test_a_divergence_in_the_middle_of_a_batch_ends_it_as_stepping_does():
    """SGD at learning rate 0.85 on the sine blows up at step 7: a one-step-per-frame batch keeps the six
    finite snapshots, the weights of step 6, and the divergence that stepping reports."""
    setup = pg.Setup(dataset="sine", noise=0.3, n_train=40, test_share=0.5, width=8, layers=1, optimizer="sgd")
    data = pg.make_split(setup)
    view = pg.view_of(setup, data)
    hps = pg.hypers(pg.model_keeps(1.0, 0.5, 1), 0.85)
    live = pg.start(setup, data)
    batch = pg.play_batch(live, hps, view, 12, 1)
    lives, records = _stepped(live, hps, view, 12, 1)
    assert lives[-1].diverged is not None and lives[-1].diverged.step == 7  # the case this test is about
    assert batch.records == records and len(records) == 6
    _same_run(batch.end, lives[-1])
    assert pg.step_of(batch.end) == 6 and batch.end.diverged == lives[-1].diverged
    _same_run(pg.replay(batch, 6), lives[-2])


def test_the_first_batch_after_play_is_one_second_of_play():
    assert pg.first_batch_frames(10) == pg.first_batch_frames(200) == pg.PLAY_FPS == pg.batch_frames(10) // 2
    assert pg.first_batch_frames(1) == pg.batch_frames(1) == 8  # one step per frame: already short
