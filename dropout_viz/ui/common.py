"""Everything a page used to import from one module: the widgets, the frame (nav) and the language helpers.

New code imports ``dropout_viz.ui.widgets``, ``dropout_viz.ui.nav`` and ``dropout_viz.ui.i18n`` directly.
"""
from .i18n import *  # noqa: F401,F403
from .i18n import _, is_chinese, keep_text, keep_words, spinner, tr, translated_names, translated_rows  # noqa: F401
from .nav import *  # noqa: F401,F403
from .nav import (LANG_KEY, LANGUAGES, PAGES, PRESENTER_CSS, PRESENTER_KEY, SHARED_PARAMS,  # noqa: F401
                  _carry_shared_settings, _navigation, page_link, page_map, page_setup, page_url, shared_params)
from .widgets import *  # noqa: F401,F403
from .widgets import (CHART_CONFIG, COUNTER_MAX, IMAGE_FORMATS, IMAGE_KEY, _note_link_keys,  # noqa: F401
                      _note_once, _note_rejected, _remember_url_params, _same, _URL_KEYS, bump, chart, chart_config,
                      counter, error, keep_slider, notice, number, plain, select, show_url_notices, slider,
                      superscript, tabs, toggle, url_key)
