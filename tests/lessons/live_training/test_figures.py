"""The live-training lesson's figures: the digits each model gets wrong, the size x keep gain map."""
import numpy as np

from dropout_viz.lessons.live_training import figures as tf


def test_digit_mistakes_places_each_digit_and_caption():
    rows = [np.full((2, 64), 0.5), np.zeros((0, 64))]
    fig = tf.digit_mistakes(rows, [["3→8", "1→7"], []], ["a", "b"], k=4)
    z = np.asarray(fig.data[0].z, float)
    assert np.all(z[0:8, 0:8] == 0.5) and np.all(z[0:8, 9:17] == 0.5) and np.all(np.isnan(z[0:8, 18:26]))
    assert np.all(np.isnan(z[tf.ROW:tf.ROW + 8]))
    assert [a.text for a in fig.layout.annotations][:3] == ["3→8", "1→7", ""]
    tf.update_digit_mistakes(fig, [np.ones((1, 64)), np.ones((1, 64))], [["9→4"], ["2→3"]])
    assert fig.layout.annotations[0].text == "9→4" and fig.layout.annotations[4].text == "2→3"


def test_gain_heatmap_shows_the_change_in_points():
    fig = tf.dropout_gain_heatmap([25, 50], [0.5, 1.0], np.array([[0.02, 0.0], [-0.03, 0.0]]),
                                  np.array([[0.2, 0.18], [0.1, 0.13]]))
    hm = fig.data[0]
    assert [list(r) for r in hm.text] == [["+2.0", "0"], ["-3.0", "0"]]
    assert hm.zmin == -hm.zmax == -0.03


def test_gain_heatmap_labels_follow_the_language():
    args = ([25, 50], [0.5, 1.0], np.array([[0.02, 0.0], [-0.03, 0.0]]), np.array([[0.2, 0.18], [0.1, 0.13]]))
    en = tf.dropout_gain_heatmap(*args)
    zh = tf.dropout_gain_heatmap(*args, lang="zh")
    assert en.layout.yaxis.title.text == "training points"
    assert zh.layout.yaxis.title.text != en.layout.yaxis.title.text
    assert zh.layout.xaxis.title.text != en.layout.xaxis.title.text
    assert "%{x}" in zh.data[0].hovertemplate and "%{text}" in zh.data[0].hovertemplate
    assert [list(r) for r in zh.data[0].text] == [list(r) for r in en.data[0].text]  # the same numbers
