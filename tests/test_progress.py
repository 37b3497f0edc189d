"""ui.progress's estimate of the time left (the bar and the Stop button are tested on the pages, under AppTest)."""
from dropout_viz.ui import progress


def test_time_left_follows_the_rate_so_far():
    assert progress.eta_text(1, 4, 2.0) == "about 6 s left"
    assert progress.eta_text(3, 4, 30.0) == "about 10 s left"
    assert progress.eta_text(1, 10, 20.0) == "about 3 min left"
    assert progress.eta_text(99, 100, 0.01) == "about 1 s left"  # never "0 s"


def test_no_estimate_before_any_work_or_after_the_last_piece():
    assert progress.eta_text(0, 5, 3.0) == ""
    assert progress.eta_text(5, 5, 3.0) == ""


def test_stop_keys_are_per_task():
    assert progress.stop_key("t_sw_keep_run") == "t_sw_keep_run_stop"
    assert progress.stop_key("a") != progress.stop_key("b")
