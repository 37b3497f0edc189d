"""The images page under AppTest: the default view (masks on a trained feature map, the closed forms against
sampling), its controls changing what it shows, the correlation tab, the comparison behind its button, and the
Chinese page showing the same numbers with no sentence of the catalog left in English."""
import base64
import json
from pathlib import Path

import numpy as np

from streamlit.testing.v1 import AppTest
from tests.app.i18n_check import untranslated

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "8_Dropout_for_images.py")


def _run(**params):
    at = AppTest.from_file(PAGE, default_timeout=900)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _array(v):
    """A trace's array as plotly.py ships it (NumPy arrays base64-encoded, {dtype, bdata}) or as a list."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v, float)


def _dropped(chart):
    """Dropped cells per panel of the mask figure."""
    return [int(np.nansum(_array(t["z"]) == 1)) for t in chart["data"] if t.get("meta") == "dropped"]


def _table(at, i=0):
    return at.table[i].value


def test_masks_tab_follows_keep_block_and_seed():
    at = _run()
    charts = _charts(at)
    assert len(charts) == 1
    text = " ".join(c.value for c in at.caption)
    assert "keep q = 0.75 (drop rate p = 0.25)" in text and "γ = 0.0494" in text  # 0.25/9 · 64/36
    base = _dropped(charts[0])
    assert base[0] == 0 and base[1] > 0 and base[3] > 0 and base[2] % 64 == 0  # spatial: whole channels
    table = _table(at)
    assert list(table.iloc[:, 1]) == ["0.7500", "0.7500", "0.7812"]  # closed forms; DropBlock's exact keep
    at.slider(key="im_keep").set_value(0.4).run()
    assert not at.exception
    assert sum(_dropped(_charts(at)[0])) > sum(base)
    assert list(_table(at).iloc[:2, 1]) == ["0.4000", "0.4000"]
    at.slider(key="im_block").set_value(1).run()
    # b = 1: DropBlock is element-wise dropout, its exact keep is q
    assert list(_table(at).iloc[:, 1]) == ["0.4000", "0.4000", "0.4000"]
    before = _charts(at)[0]
    at.number_input(key="im_seed").set_value(7).run()
    assert _dropped(_charts(at)[0]) != _dropped(before)
    at.number_input(key="im_image").set_value(3).run()
    assert not at.exception


def test_correlation_tab_shows_three_layers_and_their_baselines():
    at = _run(im_tab="Correlation")
    chart = _charts(at)[0]
    assert len([t for t in chart["data"] if t.get("meta") == "corr"]) == 3
    metrics = {m.label: float(m.value) for m in at.metric}
    assert len(metrics) == 3
    assert all(0.2 < v <= 1 for v in metrics.values())  # neighbours correlate
    assert any("shuffled positions" in m.value for m in at.markdown)


def test_comparison_runs_from_its_button():
    at = _run(im_tab="Test error", im_seeds="1")
    assert len(_charts(at)) == 0
    at.button(key="im_run").click().run()
    assert not at.exception, at.exception
    chart = _charts(at)[0]
    seeds = [t for t in chart["data"] if t.get("meta") == "seed"][0]
    assert len(_array(seeds["y"])) == 4  # one dot per kind for one seed
    assert len(_table(at)) == 4


def test_chinese_page_shows_the_same_numbers():
    en = _run()
    zh = _run(lang="中文")
    assert "图像上的 dropout" in zh.title[0].value
    assert _table(en).values[:, 1:].tolist() == _table(zh).values[:, 1:].tolist()
    text = " ".join(c.value for c in zh.caption)
    assert "保留概率 q = 0.75（丢弃率 p = 0.25）" in text
    corr = _run(im_tab="Correlation", lang="中文")
    tabs = [t.label for t in zh.tabs]
    for run in (zh, corr):  # no sentence of the catalog left in English (tab titles are link values)
        assert not [m for m in untranslated(run, "images") if m not in tabs]


def test_the_cached_masks_keep_the_statistics_of_all_and_the_one_mask_shown():
    """lessons.images.view.sampled: every statistic of the CONFIG.n_masks masks, and only the first mask of each
    kind (the one the page draws), so the cache keeps 0.1 MB a setting instead of 1.5 MB."""
    from dropout_viz.lessons.images import experiment as ex
    from dropout_viz.lessons.images import view

    kept = view.sampled(3, 0.7, 3)
    full = ex.sample_masks(3, 0.7, 3, view.CONFIG.channels[0], view.CONFIG.n_masks)
    assert kept.masks.shape == (3, 1) + full.masks.shape[2:] and kept.masks.base is None
    np.testing.assert_array_equal(kept.masks, full.masks[:, :1])
    for name in ("kept", "kept_se", "kept_closed", "sd_per_map", "sd_closed"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(full, name))
    assert kept.gamma == full.gamma
