"""Every page under AppTest: the shared settings go on, off and on again; a page opened from a link with a setting
on can switch it off; hostile links give a short, plain notice. (Every control of every tab to its extremes and
back: test_extremes.py.)

After every step: no exception and at least one figure drawn.
"""
import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["app.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("[0-9]_*.py"))]
# (widget kind, key, on, off): the shared settings of the sidebar, and the link values that switch them on.
SETTINGS = [("toggle", "presenter", True, False), ("radio", "lang", "zh", "en"), ("radio", "img", "svg", "png")]
LINK_ON = {"presenter": "true", "lang": "中文", "img": "SVG"}
# Each page's tab parameter, by the page's address (the pages without tabs read none); test_extremes.py checks
# that every tab bar of every page is here.
TAB_KEYS = {"Masks_and_subnetworks": "m_tab", "Ensemble_vs_weight_scaling": "e_tab",
            "Dropout_as_regularisation": "rg_tab", "Inside_the_network": "in_tab",
            "Batch_norm_and_placement": "bn_tab", "Sequences_and_depth": "ar_tab", "Uncertainty": "u_tab",
            "Dropout_for_images": "im_tab"}
# Each page's counters (a negative one is a bad link value too), with the tab that reads it.
COUNTERS = {"app": [("draw", None)],
            "Masks_and_subnetworks": [("m_draw", None), ("m_step", "One training step")]}


def address(page: str) -> str:
    """pages/1_Masks_and_subnetworks.py -> Masks_and_subnetworks; app.py -> app."""
    stem = Path(page).stem
    head, _, rest = stem.partition("_")
    return rest if head.isdigit() and rest else stem


def _open(page, **params):
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    for k, v in params.items():
        at.query_params[k] = v
    return _check(at.run(), page, "opened with " + repr(params))


def _check(at, page, step):
    assert not at.exception, (page, step, [e.message for e in at.exception])
    # A Plotly figure, or the live view (Live training's components-v2 element, fed with snapshot bytes).
    drawn = at.get("plotly_chart") or [v for v in at.get("bidi_component") if v.proto.WhichOneof("data") == "bytes"]
    assert drawn, (page, step, "no figure drawn")
    return at


def _widget(at, kind, key):
    return getattr(at, kind)(key=key)


@pytest.mark.parametrize("page", PAGES)
def test_shared_settings_go_on_off_and_on_again(page):
    at = _open(page)
    for kind, key, on, off in SETTINGS:
        for value in (on, off, on):
            _widget(at, kind, key).set_value(value).run()
            _check(at, page, f"{key} -> {value}")
            assert _widget(at, kind, key).value == value
        _widget(at, kind, key).set_value(off).run()  # back to the default for the next setting
        _check(at, page, f"{key} -> {off}")


@pytest.mark.parametrize("page", PAGES)
def test_a_setting_from_the_link_can_be_switched_off(page):
    for kind, key, on, off in SETTINGS:
        at = _open(page, **{key: LINK_ON[key]})
        assert _widget(at, kind, key).value == on, (page, key)
        _widget(at, kind, key).set_value(off).run()
        _check(at, page, f"{key} switched off after the link")
        assert _widget(at, kind, key).value == off
        _widget(at, kind, key).set_value(on).run()
        _check(at, page, f"{key} switched on again")
    at = _open(page, **LINK_ON)
    for kind, key, on, off in SETTINGS:
        _widget(at, kind, key).set_value(off).run()
        _check(at, page, f"{key} switched off after the link with all three")
    assert [_widget(at, kind, key).value for kind, key, _, _ in SETTINGS] == [False, "en", "png"]


def test_settings_follow_the_user_to_another_page_and_can_be_switched_off_there():
    at = _open("app.py")
    for kind, key, on, _ in SETTINGS:
        _widget(at, kind, key).set_value(on).run()
    at.switch_page("pages/4_Bagging_and_boosting.py").run()
    _check(at, "pages/4_Bagging_and_boosting.py", "after the page change")
    assert [_widget(at, kind, key).value for kind, key, _, _ in SETTINGS] == [True, "zh", "svg"]
    for kind, key, _, off in SETTINGS:
        _widget(at, kind, key).set_value(off).run()
        _check(at, "pages/4_Bagging_and_boosting.py", f"{key} off after the page change")
        assert _widget(at, kind, key).value == off
    at.switch_page("app.py").run()
    _check(at, "app.py", "back home")
    assert [_widget(at, kind, key).value for kind, key, _, _ in SETTINGS] == [False, "en", "png"]


# --- hostile links ----------------------------------------------------------------------------------------------

EVIL = "x` [Log in](https://evil.example/login) `y"
HOSTILE = {
    "markdown link": {"lang": EVIL},
    "html": {"img": '<a href="https://evil.example">x</a>'},
    "unknown key": {"utm_evil](https://evil.example)": "1", "me@evil.example": "www.evil.example"},
    "repeated key": {"lang": ["中文", EVIL]},
    "5,000 characters": {"presenter": "y" * 2500 + "`](https://evil.example)" + "z" * 2476},
    "presenter=maybe": {"presenter": "maybe"},
}


def _cases(page):
    cases = dict(HOSTILE)
    name = address(page)
    if name in TAB_KEYS:
        cases["bad tab"] = {TAB_KEYS[name]: "No such tab](https://evil.example)"}
    for counter, tab in COUNTERS.get(name, []):
        cases[f"negative {counter}"] = {counter: "-3", **({TAB_KEYS[name]: tab} if tab else {})}
    return [(page, name, params) for name, params in cases.items()]


def _notices(at):
    return [w.value for w in at.warning if w.icon == "🔗"]


def _assert_plain(text):
    """The Markdown source of a notice holds nothing from the link that Markdown or HTML would act on, and what it
    shows is under 200 characters."""
    for bad in ("](", "<a", "`", "https://", "<"):
        assert bad not in text, (bad, text)
    shown = html.unescape(text)
    assert len(shown.replace("\u2060", "")) < 200, (len(shown), shown)  # plain()'s word joiners are invisible
    # Streamlit's Markdown turns addresses in the decoded text into links (GFM autolink literals): none is left.
    assert not re.search(r"https?://|www\.|[-.\w+]@", shown, re.IGNORECASE), shown
    return shown


@pytest.mark.parametrize("page,name,params", [c for p in PAGES for c in _cases(p)],
                         ids=lambda v: v if isinstance(v, str) else None)
def test_hostile_links_give_a_short_plain_notice_and_the_default_figure(page, name, params):
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    for k, v in params.items():
        at.query_params[k] = v
    _check(at.run(), page, name)
    notices = _notices(at)
    assert notices, (page, name, "no notice")
    for text in notices:
        _assert_plain(text)
    # The page fell back to its defaults (the setting, the first tab, mask #0).
    assert at.toggle(key="presenter").value is False
    if "lang" in params:
        assert at.radio(key="lang").value == "en"  # the last value counts, and it is not a language
    if name == "bad tab":
        assert TAB_KEYS[address(page)] in html.unescape(notices[0])



def test_a_hostile_text_box_value_is_quoted_as_plain_text():
    """The masks page's layer-sizes box is bound to the link (m_sizes=…); its error quotes the text plainly."""
    page = "pages/1_Masks_and_subnetworks.py"
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    at.query_params["m_sizes"] = EVIL + "-" * 3000
    _check(at.run(), page, "hostile m_sizes")
    assert at.error and "Showing 2-6-6-2 instead" in at.error[0].value
    _assert_plain(at.error[0].value)
