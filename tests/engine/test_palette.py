"""Chart colours: every mark colour keeps 3:1 contrast with the chart background (WCAG
2.1 success criterion 1.4.11, non-text contrast; relative luminance and contrast ratio
as defined in WCAG 2.1). Charts sit on white in both light and dark mode."""

from __future__ import annotations

import re

import pytest
from support import ROOT

from evidence.display import PALETTE


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_the_standard_end_points():
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("role", sorted(PALETTE))
def test_every_mark_colour_stands_out_from_the_white_chart_card(role):
    ratio = _contrast(PALETTE[role], "#ffffff")
    assert ratio >= 3.0, f"{role} {PALETTE[role]} has {ratio:.2f}:1 on white (needs 3:1)"


def test_dark_mode_keeps_charts_on_a_white_card():
    css = (ROOT / "_static" / "evidence.css").read_text(encoding="utf-8")
    rule = re.search(r'html\[data-theme="dark"\] \.evidence-chart__view \{([^}]*)\}', css)
    assert rule and "background: #fff" in rule[1]
