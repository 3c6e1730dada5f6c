"""The charts of the patient-perspectives chapter: survey answers, responder bands, why
people stopped, and how long they kept taking a drug, each a stacked bar or line in the
house style (:mod:`evidence.display`), from the tables :mod:`evidence.patients` prepares.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from . import vocab
from .display import PALETTE
from .patients import ANSWERS, BAND_ORDER, REASONS, check_one_denominator, denominator

ANSWER_COLOURS = {
    "helps a lot": PALETTE["treatment"],
    "helps somewhat": PALETTE["accent"],
    "no effect": PALETTE["neutral"],
    "side effects prevented use": PALETTE["control"],
}
BAND_COLOURS = {
    "at least 50 %": PALETTE["treatment"],
    "30 to 49 %": PALETTE["accent"],
    "at least 30 % (50 % not reported)": PALETTE["treatment"],
    "under 30 % or withdrew": PALETTE["neutral"],
}
REASON_COLOURS = {
    "adverse event": PALETTE["control"],
    "lack of efficacy": PALETTE["treatment"],
    "other reasons": PALETTE["neutral"],
}


def _segment_colour(field: str, labels: list[str], colours: list[str], *, title: str | None,
                    columns: int = 1, label_limit: int = 400) -> alt.Color:
    """The colour of a stacked bar's segments, in ``labels`` order, with its legend below."""
    return alt.Color(
        f"{field}:N",
        scale=alt.Scale(domain=labels, range=colours),
        legend=alt.Legend(title=title, orient="bottom", columns=columns, labelLimit=label_limit),
        sort=labels,
    )


def _segment_labels(base: alt.Chart, y: alt.Y, *, group: str, min_pct: float) -> alt.Chart:
    """White labels centred in each segment of a stacked bar (stacked by ``order`` within
    ``group``), left out of segments narrower than ``min_pct`` where they would not fit."""
    return base.mark_text(color="white", fontSize=12, fontWeight="bold").transform_stack(
        stack="pct", as_=["start", "end"], groupby=[group],
        sort=[alt.SortField("order", "ascending")],
    ).transform_calculate(mid="(datum.start + datum.end) / 2").transform_filter(
        f"datum.pct >= {min_pct}"
    ).encode(x=alt.X("mid:Q"), y=y, text="label:N")


def survey_chart(tidy: pd.DataFrame, *, title: str, description: str) -> alt.Chart:
    """Stacked bars of one denominator's answers per treatment (answers not printed: blank)."""
    key = check_one_denominator(tidy)
    d = denominator(key)
    data = tidy.copy()
    if key == "tried":
        data["row"] = [f"{t} (n = {int(n):,})"
                       for t, n in zip(data["treatment"], data["n_tried"], strict=True)]
    else:
        data["row"] = data["treatment"]
    data["label"] = [f"{q}{p:g}" if q in (">", "<") else f"{p:g}"
                     for q, p in zip(data["qualifier"], data["pct"], strict=True)]
    data["order"] = data["answer"].map({a: i for i, a in enumerate(ANSWERS)})
    rows = list(dict.fromkeys(data["row"]))
    present = [a for a in ANSWERS if a in set(data["answer"])]
    y = alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(labelLimit=320))
    # Rounded shares can add up to a little over 100: widen the axis rather than clip.
    top = max(100.0, float(data.groupby("row")["pct"].sum().max()))
    x = alt.X("pct:Q", stack="zero", title=f"Answer ({d.label})",
              scale=alt.Scale(domain=[0, top], nice=False),
              axis=alt.Axis(values=[0, 20, 40, 60, 80, 100]))
    colour = _segment_colour("answer", present, [ANSWER_COLOURS[a] for a in present],
                             title=None, columns=2, label_limit=300)
    tooltip = [alt.Tooltip("treatment:N", title="Treatment"),
               alt.Tooltip("answer:N", title="Answer"),
               alt.Tooltip("as_printed:N", title=d.label)]
    base = alt.Chart(data[["row", "treatment", "answer", "pct", "as_printed", "label", "order"]])
    bars = base.mark_bar(stroke="white", strokeWidth=1).encode(
        x=x, y=y, color=colour, order=alt.Order("order:Q"), tooltip=tooltip
    )
    text = _segment_labels(base, y, group="row", min_pct=6)
    return (bars + text).properties(
        title=title, width=430, height=34 * len(rows), description=description,
        usermeta={"table": data[["treatment", "answer", "as_printed"]]
                  .rename(columns={"as_printed": d.label}).to_dict("records")},
    )


def bands_chart(bands: pd.DataFrame, *, title: str, description: str) -> alt.Chart:
    """Stacked bars of each arm's responder bands; derived bands get a dashed outline."""
    data = bands.copy()
    data["band"] = data["band"].astype(str)
    data["band_label"] = [f"{b} ({vocab.status_label('derived')})" if d else b
                          for b, d in zip(data["band"], data["derived"], strict=True)]
    data["order"] = data["band"].map({b: i for i, b in enumerate(BAND_ORDER)})
    data["label"] = [f"{p:.0f}" for p in data["pct"]]
    data["kind"] = ["derived by subtraction: " + h if d else "printed"
                    for d, h in zip(data["derived"], data["how"], strict=True)]
    arms = list(dict.fromkeys(data["arm"]))
    present = [b for b in BAND_ORDER if b in set(data["band"])]
    labels = []
    for b in present:
        derived = bool(data.loc[data["band"] == b, "derived"].any())
        labels.append(f"{b} ({vocab.status_label('derived')})" if derived else b)
    y = alt.Y("arm:N", sort=arms, title=None, axis=alt.Axis(labelLimit=320))
    x = alt.X("pct:Q", stack="zero", title="Participants (%), by how much their pain fell",
              scale=alt.Scale(domain=[0, 100]))
    colour = _segment_colour("band_label", labels, [BAND_COLOURS[b] for b in present],
                             title="Pain relief")
    tooltip = [alt.Tooltip("arm:N", title="Arm"), alt.Tooltip("band:N", title="Band"),
               alt.Tooltip("pct:Q", title="%", format=".1f"),
               alt.Tooltip("kind:N", title="Source of band")]
    cols = ["arm", "band", "band_label", "pct", "derived", "kind", "label", "order"]
    base = alt.Chart(data[cols])
    bars = base.mark_bar(stroke="#111111").encode(
        x=x, y=y, color=colour, order=alt.Order("order:Q"), tooltip=tooltip,
        strokeDash=alt.condition("datum.derived", alt.value([4, 3]), alt.value([1, 0])),
        strokeWidth=alt.condition("datum.derived", alt.value(1.5), alt.value(0)),
    )
    text = _segment_labels(base, y, group="arm", min_pct=6)
    table = [{"Arm": r["arm"], "Band": r["band"], "%": round(float(r["pct"]), 1),
              "Printed or derived": r["kind"]} for _, r in data.iterrows()]
    return (bars + text).properties(
        title=title, width=430, height=30 * len(arms), description=description,
        usermeta={"table": table},
    )


def reasons_chart(reasons: pd.DataFrame, *, title: str, description: str) -> alt.Chart:
    """Stacked bars: the share of each arm that stopped early, split by reason."""
    long = reasons.melt(id_vars=["arm", "started"], value_vars=[f"pct_{r}" for r in REASONS],
                        var_name="reason", value_name="pct")
    long["reason"] = long["reason"].str.removeprefix("pct_")
    counts = reasons.melt(id_vars=["arm"], value_vars=list(REASONS), var_name="reason",
                          value_name="count")
    long = long.merge(counts, on=["arm", "reason"])
    long["reason_label"] = long["reason"].map(
        lambda r: "other reasons (derived by subtraction)" if r == "other reasons" else r)
    long["order"] = long["reason"].map({r: i for i, r in enumerate(REASONS)})
    long["label"] = [f"{c}" for c in long["count"]]
    long["row"] = [f"{a} (n = {n})" for a, n in zip(long["arm"], long["started"], strict=True)]
    labels = [r if r != "other reasons" else "other reasons (derived by subtraction)"
              for r in REASONS]
    y = alt.Y("row:N", title=None, sort=list(dict.fromkeys(long["row"])),
              axis=alt.Axis(labelLimit=320))
    x = alt.X("pct:Q", stack="zero", title="Stopped early (% of those who started)")
    colour = _segment_colour("reason_label", labels, [REASON_COLOURS[r] for r in REASONS],
                             title="Reason")
    tooltip = [alt.Tooltip("arm:N", title="Arm"), alt.Tooltip("reason_label:N", title="Reason"),
               alt.Tooltip("count:Q", title="People"),
               alt.Tooltip("pct:Q", title="% of those who started", format=".1f")]
    base = alt.Chart(long[["row", "arm", "reason_label", "pct", "count", "label", "order"]])
    bars = base.mark_bar(stroke="white", strokeWidth=1).encode(
        x=x, y=y, color=colour, order=alt.Order("order:Q"), tooltip=tooltip
    )
    text = _segment_labels(base, y, group="row", min_pct=2)
    table = [{"Arm": r["arm"], "Reason": r["reason_label"], "People": int(r["count"]),
              "% of those who started": round(float(r["pct"]), 1)} for _, r in long.iterrows()]
    return (bars + text).properties(
        title=title, width=430, height=60 * reasons["arm"].nunique(), description=description,
        usermeta={"table": table},
    )


def persistence_chart(points: pd.DataFrame, *, title: str, description: str) -> alt.LayerChart:
    """A step-free line of the share still on the drug, printed points filled."""
    data = points[["day", "pct", "kind"]].copy()
    data["label"] = [f"{p:g} %" for p in data["pct"]]
    x = alt.X("day:Q", title="Days since the first prescription was filled",
              scale=alt.Scale(domain=[0, 380]), axis=alt.Axis(values=list(data["day"])))
    y = alt.Y("pct:Q", title="Still taking the drug (%)", scale=alt.Scale(domain=[0, 100]))
    line = alt.Chart(data).mark_line(color=PALETTE["treatment"], strokeWidth=2).encode(x=x, y=y)
    kinds = ["printed", "by definition"]
    legend = alt.Legend(title=None, orient="top-right")
    dots = alt.Chart(data).mark_point(size=90, strokeWidth=2, color=PALETTE["treatment"],
                                      opacity=1).encode(
        x=x, y=y,
        fill=alt.Fill("kind:N", scale=alt.Scale(domain=kinds,
                                                range=[PALETTE["treatment"], "white"]),
                      legend=legend),
        shape=alt.Shape("kind:N", scale=alt.Scale(domain=kinds, range=["circle", "square"]),
                        legend=legend),
        tooltip=[alt.Tooltip("day:Q", title="Day"), alt.Tooltip("pct:Q", title="% still on it"),
                 alt.Tooltip("kind:N", title="Point")],
    )
    text = alt.Chart(data).mark_text(align="left", dx=8, dy=-10, fontSize=12,
                                     color="#222222").encode(x=x, y=y, text="label:N")
    table = [{"Day": int(r["day"]), "% still taking it": r["pct"], "Point": r["kind"]}
             for _, r in data.iterrows()]
    return alt.layer(line, dots, text).properties(
        title=title, width=430, height=240, description=description, usermeta={"table": table}
    )
