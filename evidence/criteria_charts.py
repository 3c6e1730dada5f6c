"""Chapter 1's charts: the made-up cases under each version of the criteria, and prevalence.

The criteria themselves and the classification are :mod:`evidence.criteria`; these functions
only draw what the notebook computed with it, themed by :mod:`evidence.display`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .display import PALETTE

ILLUSTRATIVE = "ILLUSTRATIVE (made-up) cases"


def classified_counts(counts: pd.Series, n_cases: int) -> alt.LayerChart:
    """A bar per version of the criteria: how many of ``n_cases`` made-up cases it
    classifies as fibromyalgia (``counts``, indexed by the version's name)."""
    count_data = pd.DataFrame(
        {
            "version": counts.index,
            "cases": counts.values,
            "label": [f"{c} of {n_cases}" for c in counts.values],
        }
    )
    bars = (
        alt.Chart(count_data)
        .mark_bar(height=26, color=PALETTE["treatment"])
        .encode(
            x=alt.X(
                "cases:Q",
                title=f"Illustrative cases classified as fibromyalgia (of {n_cases})",
                scale=alt.Scale(domain=[0, n_cases]),
                axis=alt.Axis(tickMinStep=1),
            ),
            y=alt.Y("version:N", title=None, sort=None),
            tooltip=[
                alt.Tooltip("version:N", title="Criteria"),
                alt.Tooltip("label:N", title="Cases"),
            ],
        )
    )
    text = bars.mark_text(align="left", dx=6, fontSize=13, color="#222222").encode(
        text="label:N"
    )
    return (bars + text).properties(
        title=f"{ILLUSTRATIVE}: how many each version classifies",
        width=420,
        height=120,
        description=(
            f"Bar chart of {n_cases} invented cases. "
            + "; ".join(f"{v}: {c} of {n_cases} meet the criteria" for v, c in counts.items())
            + ". The cases are made up to show disagreements, not real patients."
        ),
    )


def case_grid(grid: pd.DataFrame) -> alt.LayerChart:
    """A cell per made-up case (row) and version (column), filled where the case meets it.

    ``grid`` has one row per case and version: ``case``, ``version``, ``meets`` (bool),
    ``WPI``, ``SS`` and ``fails`` (why it does not meet, in words)."""
    grid = grid.assign(
        result=grid["meets"].map({True: "meets", False: "does not meet"}),
        scores="WPI " + grid["WPI"].astype(str) + ", SS " + grid["SS"].astype(str),
    )
    base = alt.Chart(grid).encode(
        x=alt.X("version:N", title=None, sort=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("case:N", title=None, sort=None, axis=alt.Axis(labelLimit=340)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "result:N",
            title="Classification",
            scale=alt.Scale(
                domain=["meets", "does not meet"], range=[PALETTE["treatment"], "#e0e0e0"]
            ),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=["case:N", "version:N", "scores:N", "result:N", "fails:N"],
    )
    labels = base.mark_text(fontSize=12).encode(
        text="scores:N",
        color=alt.condition(alt.datum.result == "meets", alt.value("white"), alt.value("#222222")),
    )
    met = " ".join(
        f"{c}: {', '.join(g.loc[g.meets, 'version']) or 'none'}."
        for c, g in grid.groupby("case", sort=False)
    )
    return (cells + labels).properties(
        title=f"{ILLUSTRATIVE} under each version",
        width=390,
        height=alt.Step(30),
        description=(
            "Grid of invented cases (rows) against ACR 2010, 2011 and 2016 (columns); a filled "
            f"cell means the case meets that version. {met}"
        ),
    )


def prevalence(prev: pd.DataFrame, *, title: str) -> alt.LayerChart:
    """Pooled prevalence by group, a dot and its 95% CI per group; a group whose published
    figure is flagged as implausible gets its own colour and marker.

    ``prev``: ``group``, ``estimate``, ``ci_low``, ``ci_high`` (percent) and ``flag`` ("as
    printed" or "flagged as implausible")."""
    flags = ["as printed", "flagged as implausible"]
    y = alt.Y("group:N", title=None, sort=None, axis=alt.Axis(labelLimit=320))
    colour = alt.Color(
        "flag:N",
        title=None,
        scale=alt.Scale(domain=flags, range=[PALETTE["treatment"], PALETTE["control"]]),
        legend=alt.Legend(orient="bottom"),
    )
    tooltip = [alt.Tooltip(f, title=t) for f, t in (
        ("group:N", "Group"), ("estimate:Q", "Prevalence (%)"), ("ci_low:Q", "95% CI low"),
        ("ci_high:Q", "95% CI high"), ("flag:N", "Note"))]
    rules = alt.Chart(prev).mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title="Pooled prevalence of fibromyalgia (%), with 95% CI"),
        x2="ci_high:Q",
        y=y,
        color=colour,
    )
    points = alt.Chart(prev).mark_point(filled=True, size=90).encode(
        x="estimate:Q",
        y=y,
        color=colour,
        shape=alt.Shape("flag:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=flags, range=["circle", "triangle-up"])),
        tooltip=tooltip,
    )
    groups = "; ".join(
        f"{r.group} {r.estimate:g}% (95% CI {r.ci_low:g} to {r.ci_high:g})"
        + (" - flagged as implausible" if r.flag != "as printed" else "")
        for r in prev.itertuples()
    )
    return (rules + points).properties(
        title=title,
        width=420,
        height=alt.Step(30),
        description=f"Dot-and-interval plot of pooled prevalence by group: {groups}.",
    )
