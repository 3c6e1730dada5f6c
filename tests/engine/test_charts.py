"""The offline chart renderer: self-contained, described, deterministic."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest

from evidence.charts import responder_bars
from evidence.display import render_chart_html

ARMS = [{"arm": "Drug", "events": 38, "n": 75}, {"arm": "Placebo", "events": 23, "n": 75}]


def _chart():
    return responder_bars(ARMS, title="t", outcome_label="x", description="Two bars.")


def test_html_needs_no_network_and_carries_a_fallback():
    html = _chart()._repr_mimebundle_()["text/html"]
    assert not re.search(r"(src|href)=['\"]https?://", html), "chart HTML points off-site"
    assert "cdn" not in html.lower()
    assert "<img class='evidence-chart__fallback' src='data:image/svg+xml;base64," in html
    assert "alt='Two bars.'" in html
    assert "class='evidence-chart__spec'" in html


def test_the_data_table_shows_the_counts():
    html = _chart()._repr_mimebundle_()["text/html"]
    table = html[html.index("<details"):]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert {"38", "23", "75"} <= set(cells)
    # counts are numbers: right-aligned like every numeric column of the book's tables
    assert re.search(r'<td class="num">38</td>', table)


def test_rendering_is_byte_identical_across_runs():
    assert _chart()._repr_mimebundle_() == _chart()._repr_mimebundle_()


def test_a_chart_without_description_is_refused():
    chart = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q")
    with pytest.raises(ValueError, match="description"):
        render_chart_html(chart.to_dict())


def test_wilson_intervals_bracket_the_observed_share():
    spec = _chart().to_dict()
    rows = next(iter(spec["datasets"].values()))
    for row in rows:
        assert row["ci_low"] < row["percent"] < row["ci_high"]
    assert [r["percent"] for r in rows] == [round(100 * 38 / 75, 1), round(100 * 23 / 75, 1)]


def test_a_chart_can_show_a_coarser_table_with_a_caption():
    points = pd.DataFrame({"hour": range(0, 48), "level": [h * 0.5 for h in range(48)]})
    chart = (
        alt.Chart(points)
        .mark_line()
        .encode(x="hour:Q", y="level:Q")
        .properties(
            description="A rising line.",
            usermeta={
                "table": points.iloc[::12].to_dict("records"),
                "table_note": "Every 12 hours & no more.",
            },
        )
    )
    table = chart._repr_mimebundle_()["text/html"].split("<details", 1)[1]
    assert table.count("<tr>") == 1 + 4  # heading + hours 0, 12, 24, 36
    assert "<caption>Every 12 hours &amp; no more.</caption>" in table
    assert "47" not in re.findall(r"<td[^>]*>([^<]*)</td>", table)
