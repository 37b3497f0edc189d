"""The palette is readable by everyone: WCAG contrast (text at least 4.5:1, lines and markers at least 3:1 on the
white background) and colours that stay apart under the common colour-vision deficiencies.

Contrast: WCAG 2 relative luminance, L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels, and
ratio (L1 + 0.05) / (L2 + 0.05). Colour vision: Machado, Oliveira & Fernandes (2009) matrices at full severity on
linear RGB, then the CIE76 distance in CIELAB; the check is first shown to pass Paul Tol's bright, vibrant and
muted sets and to fail a red/green pair.
"""
import itertools

import numpy as np
import pytest

from dropout_viz.figures import style
from dropout_viz.figures import surfaces

WHITE = "#FFFFFF"
TEXT_MIN, CHART_MIN = 4.5, 3.0
CVD_MIN_DELTA_E = 12.0  # Tol's sets keep every pair at least 13 apart; a red/green pair falls to 9

TOL_BRIGHT = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB")
TOL_VIBRANT = ("#0077BB", "#33BBEE", "#009988", "#EE7733", "#CC3311", "#EE3377", "#BBBBBB")
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")

MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def linear_rgb(hex_color: str) -> np.ndarray:
    h = hex_color.lstrip("#")
    c = np.array([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def luminance(hex_color: str) -> float:
    return float(np.dot([0.2126, 0.7152, 0.0722], linear_rgb(hex_color)))


def contrast(a: str, b: str = WHITE) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab(lin: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(lin, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colors, vision: str) -> tuple[float, str, str]:
    m = MACHADO.get(vision, np.eye(3))
    return min((float(np.linalg.norm(lab(m @ linear_rgb(a)) - lab(m @ linear_rgb(b)))), a, b)
               for a, b in itertools.combinations(colors, 2))


def test_contrast_formula_against_known_values():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast(WHITE) == pytest.approx(1.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes 4.5:1 on white
    assert contrast("#777777") < 4.5
    assert contrast("#0000FF") == pytest.approx(8.59, abs=0.01)
    assert contrast("#FFFFFF", "#000000") == contrast("#000000", "#FFFFFF")


def test_text_colours_reach_4_5_to_1():
    for name in ("TEXT", "BLACK"):
        assert contrast(getattr(style, name)) >= TEXT_MIN, name


@pytest.mark.parametrize("name", ["PALETTE", "MODEL_CYCLE", "CLASS_COLORS"])
def test_chart_colours_reach_3_to_1(name):
    for color in getattr(style, name):
        assert contrast(color) >= CHART_MIN, (name, color, round(contrast(color), 2))


def test_single_chart_colours_reach_3_to_1():
    for name in ("BLUE", "VERMILLION", "GREEN", "PURPLE", "OLIVE", "INDIGO", "WINE", "ORANGE", "SKY_BLUE", "GHOST",
                 "NO_DROPOUT", "DROPOUT", "POSITIVE", "NEGATIVE"):
        assert contrast(getattr(style, name)) >= CHART_MIN, (name, round(contrast(getattr(style, name)), 2))


@pytest.mark.parametrize("vision", ["normal", *MACHADO])
def test_the_check_passes_tol_sets_and_fails_red_green(vision):
    for tol in (TOL_BRIGHT, TOL_VIBRANT, TOL_MUTED):
        assert closest_pair(tol, vision)[0] >= CVD_MIN_DELTA_E, (vision, closest_pair(tol, vision))
    assert closest_pair(("#FF0000", "#00AA00"), "deuteranopia")[0] < CVD_MIN_DELTA_E


@pytest.mark.parametrize("vision", ["normal", *MACHADO])
@pytest.mark.parametrize("name", ["PALETTE", "CLASS_COLORS"])
def test_palette_colours_stay_apart_under_colour_blindness(name, vision):
    dist, a, b = closest_pair(getattr(style, name), vision)
    assert dist >= CVD_MIN_DELTA_E, (name, vision, a, b, round(dist, 1))


def test_okabe_ito_orange_fails_what_the_palette_passes():
    # Why the palette left Okabe-Ito's orange and sky blue: too light on white.
    assert contrast("#E69F00") < CHART_MIN and contrast("#56B4E9") < CHART_MIN


def test_classes_differ_by_shape_and_the_half_line_is_always_drawn():
    xs = ys = np.linspace(-1, 1, 5)
    p = np.full((5, 5), 0.9)  # the surface never crosses 0.5: the boundary trace is still there
    x = np.array([[0.0, 0.0], [0.5, 0.5], [-0.5, 0.5]])
    y = np.array([0, 1, 2])
    fig = surfaces.decision_surface(xs, ys, p, x_train=x[:2], y_train=y[:2],
                                    x_test=x[:2], y_test=y[:2])
    assert [t for t in fig.data if t.meta == "boundary"], "P = 0.5 contour trace"
    train = [t for t in fig.data if t.meta == "train"]
    test = [t for t in fig.data if t.meta == "test"]
    assert len({t.marker.symbol for t in train}) == len(train) == 2
    assert len({t.marker.symbol for t in test}) == len(test) == 2
    assert len(set(style.TRAIN_SYMBOLS)) == len(style.TRAIN_SYMBOLS) >= len(style.CLASS_COLORS)
    assert len(set(style.TEST_SYMBOLS)) == len(style.TEST_SYMBOLS) >= len(style.CLASS_COLORS)
    assert set(style.TRAIN_SYMBOLS).isdisjoint(style.TEST_SYMBOLS)
    multi = surfaces.decision_surface(xs, ys, np.full((5, 5, 3), 1 / 3), x_train=x, y_train=y)
    assert len({t.marker.symbol for t in multi.data if t.meta == "train"}) == 3
