"""How the book shows a chart: one Altair theme and palette, and an offline renderer.

Altair's default HTML output loads Vega from a CDN, so a reader offline (or a
saved copy of the site) sees an empty box. The ``evidence`` renderer registered
here emits instead:

* a container that ``_static/evidence-charts.js`` fills with vega-embed, loaded
  from the site's own ``_static/vendor/`` (npm packages pinned in package-lock);
* inside it, a static SVG of the same chart (vl-convert) as fallback for print,
  PDF and readers without JavaScript, with the chart's description as alt text;
* the data behind the chart as a table in a ``<details>`` toggle;
* ``text/plain`` with the description, for screen readers and text builders.

Chart ids are a hash of the spec, so re-running a notebook yields byte-identical
output and nbval can compare charts exactly.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re

import altair as alt
import pandas as pd
import vl_convert

from . import vocab
from .tables import table

# Okabe–Ito colours, safe for the common colour-vision deficiencies; each of the
# first three has at least 3:1 contrast on white (WCAG 1.4.11 non-text contrast).
PALETTE = {
    "treatment": "#0072B2",  # blue
    "control": "#D55E00",  # vermilion
    "accent": "#009E73",  # bluish green
    "neutral": "#595959",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
VL_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


@alt.theme.register("evidence", enable=True)
def evidence_theme() -> alt.theme.ThemeConfig:
    """Readable defaults: larger text, no chart border, muted grid."""
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "axis": {
                "labelFontSize": 13,
                "titleFontSize": 13,
                "gridColor": "#dddddd",
                "labelColor": "#333333",
                "titleColor": "#333333",
            },
            "legend": {"labelFontSize": 13, "titleFontSize": 13},
            "title": {"fontSize": 15, "anchor": "start", "color": "#222222"},
            "range": {"category": list(PALETTE.values())},
        }
    }


def _title_text(spec: dict) -> str:
    """The chart's title as one line (Vega-Lite titles may be a string, a list or a dict)."""
    title = spec.get("title") or ""
    if isinstance(title, dict):
        title = title.get("text") or ""
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title)


# Bookkeeping columns a chart's dataset may carry that a reader of its data table does not
# need (the chapter cites the sources; the Data appendix has every row with its place).
_BOOKKEEPING = frozenset({"id", "fact_id", "source_location", "status", "note", "flag_note"})
_UNITS = [("_pct", " (%)"), ("_mg_day", " (mg/day)"), ("_mg", " (mg)"), ("_weeks", " (weeks)"),
          ("_h", " (h)")]
_WORDS = {"ci_low": "interval, lower limit", "ci_high": "interval, upper limit",
          "n": "participants", "pct": "%"}


def column_words(name: str) -> str:
    """A dataset column's name as a table heading: ``"oral_bioavailability_pct"`` ->
    ``"oral bioavailability (%)"``, ``"ci_low"`` -> ``"interval, lower limit"``."""
    name = str(name)
    if name in _WORDS:
        return _WORDS[name]
    unit = ""
    for suffix, words in _UNITS:
        if name.endswith(suffix) and name != suffix.lstrip("_"):
            name, unit = name[: -len(suffix)], words
            break
    return name.replace("_", " ") + unit


def _readable_row(row: dict) -> dict:
    """A dataset row for a reader: bookkeeping dropped, headings in words, bibliography
    keys as study names."""
    out = {}
    for key, value in row.items():
        if key in _BOOKKEEPING:
            continue
        if key == "source" and isinstance(value, str):
            value = vocab.study_names_text(value)
        out[column_words(key)] = value
    return out


def _data_table(spec: dict) -> str:
    """The data behind the chart, as the book's table (:mod:`evidence.tables`).

    A chart may say which rows a reader should see in ``usermeta.table`` (the forest plot
    and the benefit-harm chart do: their datasets hold drawing helpers; the simulation
    chart gives a coarser grid than it draws), and explain them in ``usermeta.table_note``
    (the table's caption); otherwise the first inline dataset is shown, under a caption only
    screen readers read (the toggle's summary already says what it is). Each value is shown as
    Python writes it (the spec's JSON values), numbers right-aligned.
    """
    meta = spec.get("usermeta") or {}
    rows = meta.get("table")
    if rows is None:
        datasets = spec.get("datasets") or {}
        if not datasets:
            return ""
        rows = next(iter(datasets.values()))
    if not rows:
        return ""
    rows = [_readable_row(r) for r in rows]
    columns = list(rows[0].keys())
    numeric = [c for c in columns if all(
        isinstance(r.get(c), int | float) and not isinstance(r.get(c), bool) for r in rows)]
    frame = pd.DataFrame([[str(r.get(c, "")) for c in columns] for r in rows],
                         columns=[str(c) for c in columns])
    note = meta.get("table_note")
    title = _title_text(spec)
    shown = table(frame, note or "Data behind the chart" + (f": {title}" if title else ""),
                  caption_visible=bool(note), numeric=[str(c) for c in numeric])
    return (
        "<details class='evidence-chart__data'><summary>Data behind this chart</summary>"
        f"{shown._repr_html_()}</details>"
    )


def _stable_ids(svg: str) -> str:
    """Renumber Vega's clip-path ids from 1 in each SVG.

    vl-convert numbers clip paths with a counter that runs across the whole session, so
    the same chart rendered twice (or after another chart) would give different bytes.
    Each SVG sits in its own ``<img>``, so ids only need to be unique within it.
    """
    mapping: dict[str, str] = {}

    def renumber(match: re.Match) -> str:
        old = match.group(0)
        if old not in mapping:
            mapping[old] = f"{match.group(1)}{len(mapping) + 1}"
        return mapping[old]

    return re.sub(r"\b(clip|gradient_?)(\d+)\b", renumber, svg)


def render_chart_html(spec: dict) -> str:
    """Return the self-contained, offline HTML for a Vega-Lite ``spec``."""
    description = spec.get("description")
    if not description:
        raise ValueError("every chart needs a `description` (read aloud by screen readers)")
    spec_json = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    chart_id = "chart-" + hashlib.sha256(spec_json.encode()).hexdigest()[:12]
    svg = _stable_ids(vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION))
    svg_uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    alt_text = html.escape(description, quote=True)
    safe_json = spec_json.replace("</", "<\\/")
    return (
        f"<div class='evidence-chart' id='{chart_id}'>"
        f"<div class='evidence-chart__view' role='img' aria-label='{alt_text}'>"
        f"<img class='evidence-chart__fallback' src='{svg_uri}' alt='{alt_text}'>"
        "</div>"
        f"<script type='application/json' class='evidence-chart__spec'>{safe_json}</script>"
        f"{_data_table(spec)}</div>"
    )


def offline_renderer(spec: dict, **_: object) -> dict:
    """Altair renderer: HTML for the site, plain-text description for everything else."""
    return {"text/html": render_chart_html(spec), "text/plain": spec.get("description", "")}


alt.renderers.register("evidence", offline_renderer)
alt.renderers.enable("evidence")
