"""Charts: one Altair theme for the book, and an offline renderer.

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

import altair as alt
import pandas as pd
import vl_convert

# Okabe–Ito colours, safe for the common colour-vision deficiencies; each of the
# first three has at least 3:1 contrast on white (WCAG 1.4.11 non-text contrast).
PALETTE = {
    "treatment": "#0072B2",  # blue
    "control": "#D55E00",  # vermillion
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


def _data_table(spec: dict) -> str:
    """Render the chart's inline data as an HTML table (first dataset only)."""
    datasets = spec.get("datasets") or {}
    if not datasets:
        return ""
    rows = next(iter(datasets.values()))
    if not rows:
        return ""
    columns = list(rows[0].keys())
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in columns) + "</tr>"
        for r in rows
    )
    return (
        "<details class='evidence-chart__data'><summary>Data behind this chart</summary>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def render_chart_html(spec: dict) -> str:
    """Return the self-contained, offline HTML for a Vega-Lite ``spec``."""
    description = spec.get("description")
    if not description:
        raise ValueError("every chart needs a `description` (read aloud by screen readers)")
    spec_json = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    chart_id = "chart-" + hashlib.sha256(spec_json.encode()).hexdigest()[:12]
    svg = vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION)
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


def responder_bars(
    arms: list[dict], *, title: str, outcome_label: str, description: str
) -> alt.Chart:
    """Bar chart of the share of responders per arm, with 95 % Wilson intervals.

    ``arms`` holds one dict per arm: ``arm`` (label), ``events``, ``n``.
    """
    from statsmodels.stats.proportion import proportion_confint

    rows = []
    for arm in arms:
        low, high = proportion_confint(arm["events"], arm["n"], alpha=0.05, method="wilson")
        pct = 100 * arm["events"] / arm["n"]
        rows.append(
            {
                "arm": arm["arm"],
                "responders": int(arm["events"]),
                "participants": int(arm["n"]),
                "percent": round(pct, 1),
                "ci_low": round(100 * low, 1),
                "ci_high": round(100 * high, 1),
                "label": f"{arm['events']}/{arm['n']} ({pct:.0f}%)",
            }
        )
    data = pd.DataFrame(rows)
    colour = alt.Color(
        "arm:N",
        scale=alt.Scale(range=[PALETTE["treatment"], PALETTE["control"]]),
        legend=None,
    )
    y = alt.Y("arm:N", title=None, sort=None, axis=alt.Axis(labelLimit=260))
    tooltip = [
        alt.Tooltip("arm:N", title="Arm"),
        alt.Tooltip("label:N", title="Responders"),
        alt.Tooltip("ci_low:Q", title="95% CI low (%)"),
        alt.Tooltip("ci_high:Q", title="95% CI high (%)"),
    ]
    x = alt.X("percent:Q", title=outcome_label, scale=alt.Scale(domain=[0, 100]))
    bars = alt.Chart(data).mark_bar(height=28).encode(x=x, y=y, color=colour, tooltip=tooltip)
    rules = alt.Chart(data).mark_rule(color="#222222", strokeWidth=1.5).encode(
        x="ci_low:Q", x2="ci_high:Q", y=y
    )
    labels = alt.Chart(data).mark_text(align="left", dx=6, dy=-14, fontSize=13).encode(
        x="ci_high:Q", y=y, text="label:N", color=alt.value("#222222")
    )
    return (bars + rules + labels).properties(
        title=title, width=420, height=140, description=description
    )
