"""The uncertainty lesson's numbers against brute force: ECE, NLL, Brier, the entropy split, AUROC, ensembles' mean
and spread; the trainer and the Monte Carlo passes; identical seeds give identical results."""
import itertools
import math

import jax
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from dropout_viz.core import rng
from dropout_viz.lessons.uncertainty import experiment as ex
from dropout_viz.core.network import forward, init_mlp

SMALL = ex.Config(n_runs=2, max_members=2, max_masks=4, class_steps=250, moons_points=200, reg_steps=250,
                  size_sweep=(10, 20), reg_points=20, keep_sweep=(0.5, 0.9), ood_points=50, surface_resolution=5)


# --- scores -----------------------------------------------------------------------------------------------------


def test_ece_on_a_hand_made_table():
    # Top-class confidences 0.95 (right), 0.92 (wrong), 0.65 (right), 0.55 (wrong), 0.55 (right); ten bins:
    # [0.9, 1): 2 points, accuracy 0.5, confidence 0.935; [0.6, 0.7): 1 point, 1.0 vs 0.65; [0.5, 0.6): 2, 0.5 vs 0.55.
    probs = np.array([[0.95, 0.05], [0.08, 0.92], [0.35, 0.65], [0.45, 0.55], [0.55, 0.45]])
    y = np.array([0, 0, 1, 0, 0])
    r = ex.reliability(probs, y, 10)
    assert r.count.tolist() == [0, 0, 0, 0, 0, 2, 1, 0, 0, 2]
    assert r.accuracy[9] == 0.5 and r.confidence[9] == pytest.approx(0.935)
    assert r.accuracy[6] == 1.0 and r.confidence[6] == pytest.approx(0.65)
    assert np.isnan(r.accuracy[0])  # an empty bin has no accuracy, and adds nothing
    expected = 2 / 5 * abs(0.5 - 0.935) + 1 / 5 * abs(1.0 - 0.65) + 2 / 5 * abs(0.5 - 0.55)
    assert r.ece == pytest.approx(expected) and expected == pytest.approx(0.264)
    assert ex.expected_calibration_error(probs, y, 10) == pytest.approx(expected)


def _ece_brute(probs, y, n_bins):
    """Point by point: put each point in its bin by comparing with the edges, then sum the bins' gaps."""
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        members = [i for i in range(len(y)) if lo <= probs[i].max() < hi or (b == n_bins - 1 and probs[i].max() == 1.0)]
        if members:
            acc = sum(int(np.argmax(probs[i]) == y[i]) for i in members) / len(members)
            conf = sum(probs[i].max() for i in members) / len(members)
            total += len(members) / len(y) * abs(acc - conf)
    return total


@pytest.mark.parametrize("n_bins", [1, 5, 10, 15])
def test_ece_nll_brier_against_loops(n_bins):
    rng = np.random.default_rng(n_bins)
    logits = rng.normal(size=(300, 4)) * 3
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    probs[0] = [1.0, 0.0, 0.0, 0.0]  # a confidence of exactly 1 lands in the last bin
    y = rng.integers(0, 4, 300)
    assert ex.expected_calibration_error(probs, y, n_bins) == pytest.approx(_ece_brute(probs, y, n_bins), abs=1e-12)
    nll = -sum(math.log(max(probs[i, y[i]], 1e-12)) for i in range(300)) / 300
    brier = sum(sum((probs[i, c] - (c == y[i])) ** 2 for c in range(4)) for i in range(300)) / 300
    assert ex.nll(probs, y) == pytest.approx(nll)
    assert ex.brier(probs, y) == pytest.approx(brier)
    assert ex.error_rate(probs, y) == pytest.approx(np.mean([np.argmax(p) != t for p, t in zip(probs, y)]))


def test_scores_reject_bad_arguments():
    with pytest.raises(ValueError, match="n_bins"):
        ex.reliability(np.full((3, 2), 0.5), np.zeros(3, int), 0)
    with pytest.raises(ValueError, match="y must hold"):
        ex.nll(np.full((3, 2), 0.5), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="probs"):
        ex.brier(np.ones(3), np.zeros(3, int))
    with pytest.raises(ValueError, match="score"):
        ex.score_curves(None, None, "accuracy")


def _entropy_brute(p):
    return -sum(x * math.log(x) for x in p if x > 0)


def test_entropy_decomposition_against_brute_force():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(7, 20, 3)) * 2  # 7 members, 20 points, 3 classes
    p = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype(np.float32)
    d = ex.decompose(p)
    for i in range(20):
        mean = [sum(float(p[t, i, c]) for t in range(7)) / 7 for c in range(3)]
        total = _entropy_brute(mean)
        aleatoric = sum(_entropy_brute(p[t, i].astype(float)) for t in range(7)) / 7
        kl = sum(sum(float(p[t, i, c]) * math.log(float(p[t, i, c]) / mean[c]) for c in range(3)) for t in range(7)) / 7
        assert d.total[i] == pytest.approx(total, abs=1e-5)
        assert d.aleatoric[i] == pytest.approx(aleatoric, abs=1e-5)
        assert d.epistemic[i] == pytest.approx(kl, abs=1e-5)
        assert kl == pytest.approx(total - aleatoric, abs=1e-12)  # the identity, in float64
    assert d.identity_gap < 1e-5  # the identity in float32, computed on the same members
    assert np.all(d.epistemic >= -1e-6)


def test_decomposition_extremes():
    same = np.tile(np.array([[0.3, 0.7]], np.float32), (5, 1, 1))  # members agree: nothing epistemic
    d = ex.decompose(same)
    assert d.epistemic[0] == pytest.approx(0.0, abs=1e-6) and d.total[0] == pytest.approx(d.aleatoric[0])
    opposite = np.array([[[1.0, 0.0]], [[0.0, 1.0]]], np.float32)  # each certain, of different classes
    d = ex.decompose(opposite)
    assert d.aleatoric[0] == 0.0
    assert d.total[0] == pytest.approx(math.log(2)) and d.epistemic[0] == pytest.approx(math.log(2))


def _auroc_pairs(pos, neg):
    return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg) / (len(pos) * len(neg))


@pytest.mark.parametrize("seed", range(4))
def test_auroc_is_the_share_of_pairs_ranked_right(seed):
    rng = np.random.default_rng(seed)
    pos, neg = rng.integers(0, 6, 37), rng.integers(2, 9, 23)  # integers: many ties
    assert ex.auroc(pos, neg) == pytest.approx(_auroc_pairs(pos, neg), abs=1e-12)
    fpr, tpr = ex.roc_curve(pos, neg)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert np.trapezoid(tpr, fpr) == pytest.approx(ex.auroc(pos, neg))  # the area under the curve drawn
    cont_pos, cont_neg = rng.normal(1, 1, 50), rng.normal(0, 1, 40)
    assert ex.auroc(cont_pos, cont_neg) == pytest.approx(_auroc_pairs(cont_pos, cont_neg))


@pytest.mark.parametrize("seed", range(4))
def test_roc_curve_counts_every_score_at_every_threshold(seed):
    rng = np.random.default_rng(seed)
    for pos, neg in ((rng.integers(0, 6, 37), rng.integers(2, 9, 23)), (rng.normal(1, 1, 50), rng.normal(0, 1, 40))):
        fpr, tpr = ex.roc_curve(pos, neg)
        thresholds = sorted(set(pos.tolist()) | set(neg.tolist()), reverse=True)
        # brute force: the share of each group at or above each distinct score, highest first
        assert fpr.tolist() == [0.0] + [sum(b >= t for b in neg) / len(neg) for t in thresholds]
        assert tpr.tolist() == [0.0] + [sum(a >= t for a in pos) / len(pos) for t in thresholds]
    with pytest.raises(ValueError, match="non-empty"):
        ex.roc_curve([1.0], [])


def test_split_is_its_pieces_for_either_source():
    rng = np.random.default_rng(3)

    def preds(points):  # 2 runs, 6 masks, 4 members, two classes
        p = rng.uniform(0.05, 0.95, (2, 6, points, 1))
        q = rng.uniform(0.05, 0.95, (2, 4, points, 1))
        return ex.Predictions(np.zeros((2, points, 2), np.float32), np.concatenate([p, 1 - p], -1).astype(np.float32),
                              np.concatenate([q, 1 - q], -1).astype(np.float32))

    pred_in, pred_out, grid = preds(9), preds(7), preds(5)
    for who, t, members, mi in (("mc", 3, grid.mc[0, :3], "mi"), ("ensemble", 2, grid.members[0, :2], "ens_mi")):
        s = ex.split(pred_in, pred_out, grid, 3, 2, who)
        scores = ex.ood_scores(pred_in, pred_out, 3, 2)
        mi_in, mi_out = getattr(scores, mi + "_in"), getattr(scores, mi + "_out")
        assert s.t == t and np.array_equal(s.decomposition.total, ex.decompose(members).total)
        assert np.array_equal(s.mi_in, mi_in) and np.array_equal(s.mi_out, mi_out)
        assert s.auroc == ex.auroc(mi_out, mi_in)
        assert all(np.array_equal(a, b) for a, b in zip((s.fpr, s.tpr), ex.roc_curve(mi_out, mi_in)))
    with pytest.raises(ValueError, match="who"):
        ex.split(pred_in, pred_out, grid, 3, 2, "both")


def test_auroc_extremes_and_errors():
    assert ex.auroc([3, 4], [1, 2]) == 1.0 and ex.auroc([1, 2], [3, 4]) == 0.0 and ex.auroc([1], [1]) == 0.5
    with pytest.raises(ValueError, match="non-empty"):
        ex.auroc([], [1.0])
    with pytest.raises(ValueError, match="finite"):
        ex.auroc([np.nan], [1.0])


def test_ensemble_mean_and_spread_against_loops():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(6, 11))  # 6 members' predictions at 11 points
    mean, sd = ex.mean_spread(v)
    for j in range(11):
        m = sum(v[i, j] for i in range(6)) / 6
        assert mean[j] == pytest.approx(m)
        assert sd[j] == pytest.approx(math.sqrt(sum((v[i, j] - m) ** 2 for i in range(6)) / 6))
    run = ex.running_mean(v, 0)
    for k in range(1, 7):
        assert np.allclose(run[k - 1], v[:k].mean(0))
    centre, sigma = ex.spread(v[None], 4)  # the first 4 of 6 predictions (axis -2)
    assert np.allclose(centre[0], v[:4].mean(0)) and np.allclose(sigma[0], v[:4].std(0))


def test_score_curves_average_the_first_k_masks_and_m_members():
    rng = np.random.default_rng(2)

    def probs(*shape):
        a = rng.random(shape + (3,))
        return a / a.sum(-1, keepdims=True)

    pred = ex.Predictions(probs(2, 30), probs(2, 5, 30), probs(2, 4, 30))
    y = rng.integers(0, 3, 30)
    c = ex.score_curves(pred, y, "NLL")
    assert c.mc.shape == (2, 5) and c.ensemble.shape == (2, 4)
    assert c.mc[1, 2] == pytest.approx(ex.nll(pred.mc[1, :3].mean(0), y))
    assert c.ensemble[0, 3] == pytest.approx(ex.nll(pred.members[0].mean(0), y))
    assert c.weight_scaled[1] == pytest.approx(ex.nll(pred.weight_scaled[1], y))


# --- training and prediction ------------------------------------------------------------------------------------


def test_unflatten_matches_ravel_pytree():
    params = init_mlp(jax.random.PRNGKey(3), (3, 5, 2))
    flat, unravel = ravel_pytree(params)
    for (w, b), (w2, b2) in zip(unravel(flat), ex.unflatten(np.asarray(flat), (3, 5, 2))):
        assert np.array_equal(w, w2) and np.array_equal(b, b2)
    assert ex.n_params((3, 5, 2)) == flat.size
    with pytest.raises(ValueError, match="flat"):
        ex.unflatten(np.zeros(7), (3, 5, 2))


def _toy(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(np.int32)


def test_training_learns_and_a_model_depends_only_on_its_path():
    x, y = _toy()
    key = ex.seed_key(5)
    kw = dict(sizes=(2, 8, 2), head="softmax", steps=250, lr=0.01, batch_size=16)
    both = ex.train_models(key, [(0, 0), (0, 1)], np.stack([x, x]), np.stack([y, y]), [(1.0, 1.0), (1.0, 0.5)], **kw)
    alone = ex.train_models(key, [(0, 1)], x[None], y[None], [(1.0, 0.5)], **kw)
    assert np.allclose(both[1], alone[0], atol=1e-5)
    again = ex.train_models(key, [(0, 0), (0, 1)], np.stack([x, x]), np.stack([y, y]), [(1.0, 1.0), (1.0, 0.5)], **kw)
    assert np.array_equal(both, again)  # the same seed, the same networks
    acc = (ex.predict_plain(both, x, (2, 8, 2)).argmax(-1) == y).mean(-1)
    assert np.all(acc > 0.9)  # a linearly separable toy is learnt with and without dropout


def test_training_rejects_bad_arguments():
    x, y = _toy(8)
    kw = dict(sizes=(2, 4, 2), head="softmax", lr=0.01)
    with pytest.raises(ValueError, match="steps"):
        ex.train_models(ex.seed_key(0), [(0,)], x[None], y[None], [(1.0, 1.0)], steps=300, **kw)
    with pytest.raises(ValueError, match="keeps"):
        ex.train_models(ex.seed_key(0), [(0,)], x[None], y[None], [(1.0, 0.0)], steps=250, **kw)
    with pytest.raises(ValueError, match="x_train"):
        ex.train_models(ex.seed_key(0), [(0,), (1,)], x[None], y[None], [(1.0, 1.0)], steps=250, **kw)
    with pytest.raises(ValueError, match="seed"):
        ex.seed_key(-1)
    assert np.array_equal(ex.seed_key(7), rng.key(7))  # the house's one seed -> key helper
    with pytest.raises(ValueError, match="task"):
        ex.task_data("spiral", 0)


def test_monte_carlo_passes_are_masked_forwards_and_nest_in_k():
    params = init_mlp(jax.random.PRNGKey(0), (2, 6, 6, 2))
    flat = np.asarray(ravel_pytree(params)[0])[None]
    x = np.random.default_rng(0).normal(size=(9, 2)).astype(np.float32)
    keep = (1.0, 0.5, 0.5)
    key = ex.seed_key(1)
    five = ex.predict_mc(key, flat, x, keep, 5, (2, 6, 6, 2))
    three = ex.predict_mc(key, flat, x, keep, 3, (2, 6, 6, 2))
    assert five.shape == (1, 5, 9, 2)
    assert np.allclose(five[:, :3], three)  # mask i does not depend on k
    # Each pass is the network with one 0/1 mask per layer shared by all points, kept units scaled by 1/q.
    outs = []
    for masks in itertools.product([0.0, 1.0], repeat=12):
        ms = [None, np.array(masks[:6], np.float32), np.array(masks[6:], np.float32)]
        outs.append(np.asarray(jax.nn.softmax(forward(params, x, ms, keep), -1)))
    for t in range(5):
        assert min(np.abs(o - five[0, t]).max() for o in outs) < 1e-5
    # keep = 1: every pass is the plain network.
    plain = ex.predict_plain(flat, x, (2, 6, 6, 2))
    assert np.allclose(ex.predict_mc(key, flat, x, (1.0, 1.0, 1.0), 3, (2, 6, 6, 2)), plain[:, None], atol=1e-6)


def test_classifiers_same_seed_same_everything():
    a = ex.train_classifiers(ex.seed_key(0), "moons", 0, 0.8, SMALL)
    b = ex.train_classifiers(ex.seed_key(0), "moons", 0, 0.8, SMALL)
    assert a.dropout.shape == (2, ex.n_params(SMALL.sizes_moons)) and a.members.shape[:2] == (2, 2)
    assert np.array_equal(a.dropout, b.dropout) and np.array_equal(a.members, b.members)
    pa = ex.classify(ex.seed_key(0), a, a.data.x_test, 4)
    pb = ex.classify(ex.seed_key(0), b, b.data.x_test, 4)
    for u, v in zip(pa, pb):
        assert np.array_equal(u, v)
    assert pa.mc.shape == (2, 4, len(a.data.y_test), 2)
    assert np.allclose(pa.mc.sum(-1), 1, atol=1e-5) and np.allclose(pa.members.sum(-1), 1, atol=1e-5)
    # The members are different networks (own initialisation and minibatches): they disagree somewhere.
    assert np.abs(pa.members[0, 0] - pa.members[0, 1]).max() > 1e-3


# --- the band ---------------------------------------------------------------------------------------------------


def test_gap_data_avoids_the_gap_and_nests():
    x, y = ex.gap_data(3, 500)
    lo, hi = ex.Config().x_range
    g0, g1 = ex.Config().gap
    assert np.all((x >= lo) & (x <= hi)) and not np.any((x > g0) & (x < g1))
    assert np.all(np.abs(y - np.sin(np.pi * x[:, 0])) < 6 * ex.Config().reg_noise)
    x2, y2 = ex.gap_data(3, 50)
    assert np.array_equal(x2, x[:50]) and np.array_equal(y2, y[:50])
    grid = ex.curve_x()
    masks = ex.regions(grid)
    assert np.all(sum(m.astype(int) for m in masks.values()) == 1)  # each x in exactly one region


def test_band_models_shapes_and_keep_one_has_no_spread():
    run = ex.band_models(ex.seed_key(0), 0, "dropout", keep=0.8, cfg=SMALL)
    assert run.values.shape == (2, 2, SMALL.max_masks, SMALL.curve_points)
    _, sigma = ex.spread(run.values, 4)
    assert np.all(sigma > 0).any()
    members = ex.band_models(ex.seed_key(0), 0, "members", cfg=SMALL)
    assert members.values.shape == (2, 2, 2, SMALL.curve_points)
    keeps = ex.band_models(ex.seed_key(0), 0, "keeps", cfg=SMALL)
    assert keeps.sizes == (0.5, 0.9) and keeps.values.shape[:2] == (2, 2)
    one = ex.band_models(ex.seed_key(0), 0, "dropout", keep=1.0, cfg=SMALL)
    assert np.allclose(ex.spread(one.values, 4)[1], 0, atol=1e-6)  # keep 1: every mask keeps everything
    with pytest.raises(ValueError, match="kind"):
        ex.band_models(ex.seed_key(0), 0, "bags", cfg=SMALL)
    cov = ex.coverage(np.zeros(SMALL.curve_points), np.full(SMALL.curve_points, 0.6), run.x, SMALL)
    inside = np.abs(np.sin(np.pi * run.x)) <= 1.2
    assert cov["gap"] == pytest.approx(inside[ex.regions(run.x, SMALL)["gap"]].mean())


def test_ood_points_lie_in_the_ring_and_scores_are_aurocs():
    pts = ex.ood_points(0, SMALL)
    r = np.linalg.norm(pts, axis=1)
    assert pts.shape == (50, 2) and np.all((r >= 2.5 - 1e-5) & (r <= 3.5 + 1e-5))
    rng = np.random.default_rng(0)

    def probs(*shape):
        a = rng.random(shape + (2,)).astype(np.float32)
        return a / a.sum(-1, keepdims=True)

    p_in, p_out = ex.Predictions(probs(2, 8), probs(2, 4, 8), probs(2, 3, 8)), ex.Predictions(
        probs(2, 6), probs(2, 4, 6), probs(2, 3, 6))
    s = ex.ood_scores(p_in, p_out, 3, 2)
    assert s.mc_mutual_information[1] == pytest.approx(
        ex.auroc(ex.decompose(p_out.mc[1, :3]).epistemic, ex.decompose(p_in.mc[1, :3]).epistemic))
    assert s.ensemble_total_entropy.shape == (2,)
