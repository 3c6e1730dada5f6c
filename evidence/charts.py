"""The book's kinds of chart: responder bars, forest plots and benefit-harm charts.

How every chart is themed and rendered (the palette, the offline renderer with its static
SVG and data table) is :mod:`evidence.display`, which importing this module registers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import altair as alt
import pandas as pd

from . import formatting
from .display import PALETTE


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


# --------------------------------------------------------------------------- forest plots

RATIO_MEASURES = ("RR", "OR", "HR")
MEASURE_LABELS = {
    "RR": "Risk ratio",
    "OR": "Odds ratio",
    "RD": "Risk difference",
    "MD": "Mean difference",
    "SMD": "Standardised mean difference",
}
_ROW_HEIGHT = 26
_DIAMOND_HALF = 0.32


def _fmt_effect(x: float | None, measure: str) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.3f}" if measure == "RD" else f"{x:.2f}"


def _effect_text(est, low, high, measure: str) -> str:
    return (
        f"{_fmt_effect(est, measure)} "
        f"({_fmt_effect(low, measure)} to {_fmt_effect(high, measure)})"
    )


def _sections(data, pooled) -> list[tuple[str | None, pd.DataFrame, dict | None]]:
    """Normalise forest_plot's input to [(heading, studies, pooled row or None)]."""
    from .meta import PoolResult

    def one(item, pooled_row):
        if isinstance(item, PoolResult):
            studies = item.studies.copy()
            row = pooled_row or {
                "estimate": item.estimate,
                "ci_low": item.ci_low,
                "ci_high": item.ci_high,
            }
            return studies, row
        if isinstance(item, tuple):
            return one(item[0], item[1] if len(item) > 1 else pooled_row)
        if isinstance(item, pd.DataFrame):
            return item.copy(), pooled_row
        raise TypeError(f"forest_plot: cannot draw {type(item).__name__}")

    if isinstance(data, Mapping):
        return [(heading, *one(item, None)) for heading, item in data.items()]
    return [(None, *one(data, pooled))]


FOREST_PANEL = "forest_plot_panel"


def _counts(row: Mapping) -> dict:
    """A row's events/total in each arm (``"38/75"``), empty where it has none."""
    out = {}
    for key in ("drug_counts", "control_counts"):
        value = row.get(key)
        out[key] = "" if value is None or (isinstance(value, float) and pd.isna(value)) \
            else str(value)
    return out


def forest_rows(data, pooled=None, *, measure: str, pooled_label: str = "Pooled") -> tuple:
    """The rows a forest plot draws (exposed for tests): (rows, diamonds)."""
    rows, diamonds = [], []
    pos = 0
    for heading, studies, prow in _sections(data, pooled):
        if heading is not None:
            rows.append(
                {"pos": pos, "kind": "heading", "label": heading, "effect": "", "weight_text": "",
                 "drug_counts": "", "control_counts": ""}
            )
            pos += 1
        for s in studies.to_dict(orient="records"):
            weight = s.get("weight")
            weight = None if weight is None or pd.isna(weight) else float(weight)
            rows.append(
                {
                    "pos": pos,
                    "kind": "study",
                    "label": str(s.get("label") or s["study"]),
                    "estimate": float(s["estimate"]),
                    "ci_low": float(s["ci_low"]),
                    "ci_high": float(s["ci_high"]),
                    "weight": weight,
                    "n": None if pd.isna(s.get("n", float("nan"))) else int(s["n"]),
                    "effect": _effect_text(s["estimate"], s["ci_low"], s["ci_high"], measure),
                    "weight_text": "" if weight is None else f"{weight:.0f}%",
                    "detail": str(s.get("detail") or ""),
                    **_counts(s),
                }
            )
            pos += 1
        if prow is not None:
            est, lo, hi = (float(prow[k]) for k in ("estimate", "ci_low", "ci_high"))
            rows.append(
                {
                    "pos": pos,
                    "kind": "pooled",
                    "label": str(prow.get("label") or pooled_label),
                    "estimate": est,
                    "ci_low": lo,
                    "ci_high": hi,
                    "weight": 100.0,
                    "n": None,
                    "effect": _effect_text(est, lo, hi, measure),
                    "weight_text": "100%",
                    "detail": str(prow.get("detail") or ""),
                    **_counts(prow),
                }
            )
            # Three vertices per diamond; a vertical area between y_low and y_high,
            # interpolated linearly along x, closes it (left tip, centre, right tip).
            group = len(diamonds) // 3
            for x, y_low, y_high in [
                (lo, pos, pos),
                (est, pos - _DIAMOND_HALF, pos + _DIAMOND_HALF),
                (hi, pos, pos),
            ]:
                diamonds.append(
                    {"group": group, "x": x, "y_low": y_low, "y_high": y_high,
                     "label": rows[-1]["label"], "effect": rows[-1]["effect"],
                     "detail": rows[-1]["detail"]}
                )
            pos += 1
        pos += 0.5 if heading is not None else 0
    return rows, diamonds


def _log_ticks(low: float, high: float) -> list[float]:
    ticks = []
    for exp in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for m in (1, 2, 5):
            t = m * 10.0**exp
            if low * 0.999 <= t <= high * 1.001:
                ticks.append(round(t, 10))
    return ticks


def pain_difference(scale: str) -> dict:
    """:func:`forest_plot`'s measure, axis title and sides for mean differences in pain,
    drug minus control, on a ``scale`` such as ``"0-10"``: pass as ``**pain_difference(...)``."""
    return {"measure": "MD", "measure_label": f"Difference in pain, {scale} scale",
            "favours": ("less pain on the drug", "more pain on the drug")}


def forest_plot(
    data,
    pooled: Mapping | None = None,
    *,
    measure: str,
    title: str,
    description: str,
    measure_label: str | None = None,
    favours: tuple[str, str] | None = None,
    pooled_label: str = "Pooled",
    width: int = 260,
) -> alt.HConcatChart:
    """A forest plot: each study's estimate and CI, the pooled diamond, the line of no effect.

    ``data`` is a :class:`evidence.meta.PoolResult`; or a DataFrame of studies (columns
    ``study``, ``estimate``, ``ci_low``, ``ci_high``; optional ``label``, ``weight`` in
    percent, ``n``, ``detail`` for the tooltip) with ``pooled`` a mapping (``estimate``,
    ``ci_low``, ``ci_high``, optional ``label``, ``detail``) or None for no diamond; or a
    mapping ``{heading: PoolResult | DataFrame | (DataFrame, pooled)}`` for one plot of
    several analyses (Cochrane's subgroup layout). Ratios (RR, OR) use a log axis with the
    line of no effect at 1; differences a linear axis with the line at 0. Marker area is
    proportional to the study's weight. ``favours`` labels the two sides of the line
    (left, right).
    """
    measure = str(measure).upper()
    rows, diamonds = forest_rows(data, pooled, measure=measure, pooled_label=pooled_label)
    drawn = [r for r in rows if r["kind"] != "heading"]
    if not drawn:
        raise ValueError("forest_plot: nothing to draw")
    ratio = measure in RATIO_MEASURES
    null = 1.0 if ratio else 0.0
    lows = [r["ci_low"] for r in drawn] + [null]
    highs = [r["ci_high"] for r in drawn] + [null]
    if ratio:
        low, high = min(lows) / 1.25, max(highs) * 1.25
        ticks = _log_ticks(low, high)
        scale = alt.Scale(type="log", domain=[low, high], nice=False)
        axis = alt.Axis(values=ticks, format="~g", grid=False)
    else:
        span = max(highs) - min(lows) or 1.0
        low, high = min(lows) - 0.08 * span, max(highs) + 0.08 * span
        scale = alt.Scale(domain=[low, high], nice=True)
        axis = alt.Axis(grid=False, tickCount=6)
    label = measure_label or MEASURE_LABELS.get(measure, measure)
    x_title = f"{label} ({'log scale' if ratio else 'linear scale'})"
    if favours:
        x_title = [x_title, f"← {favours[0]}   |   {favours[1]} →"]
    last = max(r["pos"] for r in rows)
    y_scale = alt.Scale(domain=[-0.6, last + 0.6], reverse=True, nice=False, zero=False)
    height = int(_ROW_HEIGHT * (last + 1.2)) + 10
    y = alt.Y("pos:Q", scale=y_scale, axis=None)
    table = pd.DataFrame(rows)
    # Marker area proportional to weight, relative to the heaviest study; studies drawn
    # without a weight get a mid-sized marker.
    weights = [r["weight"] for r in rows if r["kind"] == "study" and r["weight"] is not None]
    top = max(weights) if weights else 100.0
    table["marker"] = [
        (r["weight"] if r.get("weight") is not None else top / 2) if r["kind"] == "study" else None
        for r in rows
    ]
    studies = alt.Chart(table).transform_filter(alt.datum.kind == "study")
    tooltip = [
        alt.Tooltip("label:N", title="Study"),
        alt.Tooltip("effect:N", title=f"{measure} (95% CI)"),
        alt.Tooltip("weight_text:N", title="Weight"),
        alt.Tooltip("detail:N", title="Counts"),
    ]
    x = alt.X("estimate:Q", scale=scale, axis=axis, title=x_title)
    cis = studies.mark_rule(color=PALETTE["neutral"], strokeWidth=1.6, clip=True).encode(
        x=alt.X("ci_low:Q", scale=scale), x2="ci_high:Q", y=y, tooltip=tooltip
    )
    squares = studies.mark_square(color=PALETTE["treatment"], opacity=1, clip=True).encode(
        x=x,
        y=y,
        size=alt.Size(
            "marker:Q", scale=alt.Scale(domain=[0, top], range=[20, 320]), legend=None
        ),
        tooltip=tooltip,
    )
    null_line = (
        alt.Chart(alt.Data(values=[{"null": null}]))
        .mark_rule(color="#222222", strokeDash=[4, 3])
        .encode(x=alt.X("null:Q", scale=scale))
    )
    layers = [null_line, cis, squares]
    if diamonds:
        layers.append(
            alt.Chart(alt.Data(values=diamonds))
            .mark_area(color=PALETTE["control"], opacity=0.9, orient="vertical", clip=True)
            .encode(
                x=alt.X("x:Q", scale=scale),
                y=alt.Y("y_low:Q", scale=y_scale, axis=None),
                y2="y_high:Q",
                detail="group:N",
                tooltip=[
                    alt.Tooltip("label:N", title="Pooled"),
                    alt.Tooltip("effect:N", title=f"{measure} (95% CI)"),
                    alt.Tooltip("detail:N", title="Details"),
                ],
            )
        )
    # Named, so that a narrow screen narrows the plot and never a column of text
    # (_static/evidence-charts.js looks for this name).
    plot = alt.layer(*layers).properties(width=width, height=height, name=FOREST_PANEL)

    def column(field: str, heading: str, width: int, align: str = "left") -> alt.LayerChart:
        """A text column aligned with the plot's rows; headings and pooled rows in bold."""
        base = alt.Chart(table).encode(
            x=alt.value(0 if align == "left" else width), y=y, text=f"{field}:N"
        )
        style = {"align": align, "baseline": "middle", "fontSize": 13, "color": "#222222"}
        return alt.layer(
            base.transform_filter("datum.kind == 'study'").mark_text(**style),
            base.transform_filter("datum.kind != 'study'").mark_text(fontWeight="bold", **style),
        ).properties(width=width, height=height, title=alt.Title(heading, fontSize=13))

    # Wide enough for the longest study or pooled label (about 7 px a character at 13 px,
    # bold wider); a heading sits on a row of its own, with no marks, and may run on
    # into the plot, which keeps the chart narrow enough for the book's text column.
    label_width = max(
        (7.8 if r["kind"] == "pooled" else 7.0) * len(str(r["label"]))
        for r in rows
        if r["kind"] != "heading"
    )
    left = column("label", "Study", int(min(max(label_width + 10, 120), 300)))
    effect = column("effect", f"{measure} (95% CI)", 125, align="right")
    weight = column("weight_text", "Weight", 50, align="right")
    # Events/total in each arm, as Cochrane's forest plots print them, where rows have them.
    counted = any(r.get("drug_counts") for r in drawn)
    arms = ([column("drug_counts", "Drug", 64, align="right"),
             column("control_counts", "Control", 64, align="right")] if counted else [])
    table_rows = [
        {
            "Row": r["label"],
            f"{measure}": _fmt_effect(r.get("estimate"), measure),
            "95% CI": f"{_fmt_effect(r.get('ci_low'), measure)} to "
            f"{_fmt_effect(r.get('ci_high'), measure)}",
            **({"Drug (events/total)": r.get("drug_counts", ""),
                "Control (events/total)": r.get("control_counts", "")} if counted else {}),
            "Weight": r.get("weight_text", ""),
            "Details": r.get("detail", ""),
        }
        for r in drawn
    ]
    return (
        # "flush" bounds: columns are placed by their widths alone, so a heading that
        # runs on into the (empty) plot row does not push the plot to the right.
        alt.hconcat(left, *arms, plot, effect, weight, spacing=8, bounds="flush")
        .resolve_scale(y="shared")
        .properties(title=title, description=description, usermeta={"table": table_rows})
    )


# --------------------------------------------------------------------------- benefit and harm

CERTAINTY_LEVELS = ["high", "moderate", "low", "very low", "not graded"]
CERTAINTY_COLOURS = ["#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#BBBBBB"]


def _number(value) -> float | None:
    """A cell as a float, or None when empty (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _option_numbers(o: dict, chart: str) -> dict:
    """One option of a benefit-harm chart: its certainty (checked), NNT and NNH with their
    bounds (None when not given) and both as interval text ("∞" for an open bound)."""
    certainty = str(o.get("certainty") or "not graded").lower()
    if certainty not in CERTAINTY_LEVELS:
        raise ValueError(f"{chart}: unknown certainty {certainty!r} for {o['option']}")
    n = {k: _number(o.get(k)) for k in ("nnt", "nnt_ci_low", "nnt_ci_high",
                                        "nnh", "nnh_ci_low", "nnh_ci_high")}
    for kind in ("nnt", "nnh"):
        high = n[f"{kind}_ci_high"]
        n[f"{kind}_text"] = formatting.interval(n[kind], n[f"{kind}_ci_low"], high,
                                           open_high=high is not None and math.isinf(high))
    return {"certainty": certainty, **n}


def _nnt_nnh_encodings(
    x_field: str,
    y_field: str,
    scale: alt.Scale,
    axis_max: float,
    benefit_label: str,
    harm_label: str,
    extra: list[tuple[str, str]],
) -> tuple[alt.X, alt.Y, list]:
    """Log NNT (x) and NNH (y) axes and the benefit-harm chart's tooltip, ending with the
    ``extra`` (field, title) pairs the options have."""
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500) if t <= axis_max]
    x = alt.X(f"{x_field}:Q", scale=scale, axis=alt.Axis(values=ticks, format="~g"),
              title=[benefit_label, "(lower is better)"])
    y = alt.Y(f"{y_field}:Q", scale=scale, axis=alt.Axis(values=ticks, format="~g"),
              title=[harm_label, "(higher is better)"])
    tooltip = [
        alt.Tooltip("option:N", title="Option"),
        alt.Tooltip("nnt_text:N", title="NNT (95% CI)"),
        alt.Tooltip("nnh_text:N", title="NNH (95% CI)"),
        alt.Tooltip("certainty:N", title="Certainty (GRADE)"),
        alt.Tooltip("basis:N", title="Basis"),
        *(alt.Tooltip(f"{field}:N", title=title) for field, title in extra),
    ]
    return x, y, tooltip


def _diagonal(scale: alt.Scale, axis_max: float, **label_marks) -> tuple[alt.Chart, alt.Chart]:
    """The dashed "as many helped as harmed" diagonal of a benefit-harm chart, labelled."""
    line = (
        alt.Chart(alt.Data(values=[{"a": 1, "b": 1}, {"a": axis_max, "b": axis_max}]))
        .mark_line(color="#888888", strokeDash=[4, 3])
        .encode(x=alt.X("a:Q", scale=scale), y=alt.Y("b:Q", scale=scale))
    )
    label = (
        alt.Chart(alt.Data(values=[{"a": axis_max / 1.25, "b": axis_max / 2.6,
                                     "t": "as many helped as harmed"}]))
        .mark_text(color="#666666", fontSize=11, **label_marks, align="right")
        .encode(x=alt.X("a:Q", scale=scale), y=alt.Y("b:Q", scale=scale), text="t:N")
    )
    return line, label


def _interval_marks(base: alt.Chart, x: alt.X, y: alt.Y, scale: alt.Scale, tooltip: list,
                    xf: str, yf: str) -> tuple[alt.Chart, ...]:
    """The NNT (``xf``) and NNH (``yf``) interval bars of each point, and the "∞" that ends
    an interval running off the chart (to infinity when not significant)."""
    h_bars = base.transform_filter(f"datum.{xf}_low != null").mark_rule(
        color="#444444", strokeWidth=1.4
    ).encode(x=alt.X(f"{xf}_low:Q", scale=scale), x2=f"{xf}_high:Q", y=y, tooltip=tooltip)
    v_bars = base.transform_filter(f"datum.{yf}_low != null").mark_rule(
        color="#444444", strokeWidth=1.4
    ).encode(x=x, y=alt.Y(f"{yf}_low:Q", scale=scale), y2=f"{yf}_high:Q", tooltip=tooltip)
    open_x = base.transform_filter(f"datum.{xf}_open").mark_text(
        text="∞", align="left", dx=4, fontSize=15, color="#444444"
    ).encode(x=alt.X(f"{xf}_high:Q", scale=scale), y=y)
    open_y = base.transform_filter(f"datum.{yf}_open").mark_text(
        text="∞", baseline="bottom", dy=-2, fontSize=15, color="#444444"
    ).encode(x=x, y=alt.Y(f"{yf}_high:Q", scale=scale))
    return h_bars, v_bars, open_x, open_y


# ------------------------------------------------------------------ benefit and harm

_GAP_LOW = 0.3  # the log axes start here: values below 1 are impossible for an NNT or NNH,
_GAP_HIGH = 0.75  # so the strip between these two holds the options without that number
_GAP_MID = math.sqrt(_GAP_LOW * _GAP_HIGH)
BASIS_SHAPES = {"published review": "diamond", "computed here": "circle", "mixed": "square"}


def _place_labels(points: list[dict], width: int, height: int, to_px,
                  obstacles: list[tuple[float, float, float, float]] = ()) -> list[dict]:
    """Put each point's label beside it where it covers the least of the other marks.

    Tries eight places around the point (right or left, just above or below, then further
    out) and keeps the first that overlaps no point, interval bar, earlier label or
    ``obstacles`` (pixel boxes), else the one that overlaps least. A box of 7.2 px a
    character at 13 px is a close enough estimate of the text for a handful of labels.
    """
    boxes = list(obstacles)
    for p in points:
        px, py = to_px(p)
        boxes.append((px - 8, py - 8, px + 8, py + 8))
        for lo, hi, axis in ((p.get("x_low"), p.get("x_high"), "x"),
                             (p.get("y_low"), p.get("y_high"), "y")):
            if lo is None or hi is None:
                continue
            a = to_px({**p, axis: lo})
            b = to_px({**p, axis: hi})
            boxes.append((min(a[0], b[0]) - 1.5, min(a[1], b[1]) - 1.5,
                          max(a[0], b[0]) + 1.5, max(a[1], b[1]) + 1.5))

    def overlap(a, b):
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return w * h if w > 0 and h > 0 else 0.0

    placed = []
    for p in points:
        px, py = to_px(p)
        w, h = 7.2 * len(p["option"]), 15
        best = None
        for dx, dy, align in ((10, -12, "left"), (10, 14, "left"), (-10, -12, "right"),
                              (-10, 14, "right"), (10, -26, "left"), (10, 28, "left"),
                              (-10, -26, "right"), (-10, 28, "right")):
            x0 = px + dx if align == "left" else px + dx - w
            box = (x0, py + dy - h / 2, x0 + w, py + dy + h / 2)
            outside = max(0.0, -box[0]) + max(0.0, box[2] - width - 36) + \
                max(0.0, -box[1]) + max(0.0, box[3] - height)
            cost = sum(overlap(box, b) for b in boxes) + 1000 * outside
            if best is None or cost < best[0]:
                best = (cost, dx, dy, align, box)
            if cost == 0:
                break
        _, dx, dy, align, box = best
        boxes.append(box)
        placed.append({**p, "label_dx": dx, "label_dy": dy, "label_align": align})
    return placed


def benefit_harm(
    options: pd.DataFrame, *, title: str, description: str,
    benefit_label: str = "NNT for one more responder",
    harm_label: str = "NNH for one more withdrawal (adverse events)",
    axis_max: float = 100.0,
    width: int = 440,
    height: int = 380,
) -> alt.LayerChart:
    """Number needed to treat against number needed to harm, one point per option.

    ``options`` columns: ``option`` (label), ``nnt``, ``nnt_ci_low``, ``nnt_ci_high``,
    ``nnh``, ``nnh_ci_low``, ``nnh_ci_high`` (positive numbers; a CI bound may be ``inf``
    when the interval is not significant and runs through infinity, or NaN when not
    printed), ``certainty`` (GRADE: high, moderate, low, very low, or "not graded") and
    ``basis`` ("published review", "computed here" or "mixed"); optional ``note`` (shown in
    the tooltip and the table) and ``missing`` (what is missing and why, in words). Both
    axes are logarithmic; a low NNT is better and a high NNH is better, so the better
    options sit top-left, and the diagonal marks "as many helped as harmed". Open-ended
    intervals are drawn to the edge of the chart and say "∞" in the tooltip and the table.

    Options lacking a number are shown, not dropped: one with only an NNT sits in a grey
    strip below the chart's floor (an NNH below 1 is impossible, so the strip cannot be
    mistaken for a value), labelled "no NNH in data"; one with only an NNH sits in the strip
    left of the NNT axis; options with neither are named under the title. The strips are
    drawn only when some option needs them. The data table behind the chart lists every
    option.
    """
    need = ["option", "nnt", "nnh", "certainty", "basis"]
    missing_cols = [c for c in need if c not in options.columns]
    if missing_cols:
        raise ValueError(f"benefit_harm: missing columns {missing_cols}")
    extra = [(c, c.capitalize()) for c in ("note", "missing") if c in options.columns]

    def cap(x):
        return None if x is None else min(max(x, 1.0), axis_max)

    points, neither, table_rows = [], [], []
    for o in options.to_dict(orient="records"):
        n = _option_numbers(o, "benefit_harm")
        certainty, nnt, nnh = n["certainty"], n["nnt"], n["nnh"]
        nlo, nhi, hlo, hhi = (n[k] for k in ("nnt_ci_low", "nnt_ci_high", "nnh_ci_low",
                                             "nnh_ci_high"))
        nnt_text, nnh_text = n["nnt_text"], n["nnh_text"]
        table_rows.append({
            "Option": str(o["option"]),
            "NNT (95% CI)": nnt_text,
            "NNH (95% CI)": nnh_text,
            "Certainty": certainty if nnt is not None or nnh is not None else "–",
            "Basis": str(o["basis"]),
            **{title: str(o.get(c) or "") for c, title in extra},
        })
        if nnt is None and nnh is None:
            neither.append(str(o["option"]))
            continue
        basis = str(o["basis"])
        if basis not in BASIS_SHAPES:
            raise ValueError(f"benefit_harm: unknown basis {basis!r} for {o['option']}")
        points.append({
            "option": str(o["option"]),
            "x": cap(nnt) if nnt is not None else _GAP_MID,
            "y": cap(nnh) if nnh is not None else _GAP_MID,
            "x_low": cap(nlo) if nnt is not None else None,
            "x_high": cap(nhi) if nnt is not None else None,
            "y_low": cap(hlo) if nnh is not None else None,
            "y_high": cap(hhi) if nnh is not None else None,
            "x_open": nnt is not None and nhi is not None and nhi >= axis_max,
            "y_open": nnh is not None and hhi is not None and hhi >= axis_max,
            "certainty": certainty,
            "basis": basis,
            "nnt_text": nnt_text,
            "nnh_text": nnh_text,
            **{c: str(o.get(c) or "none") for c, _ in extra},
        })
    gaps = bool((options["nnt"].isna() ^ options["nnh"].isna()).any())  # one number only
    low = _GAP_LOW if gaps else 1.0
    span = math.log10(axis_max) - math.log10(low)

    def to_px(p):
        fx = (math.log10(p["x"]) - math.log10(low)) / span
        fy = (math.log10(p["y"]) - math.log10(low)) / span
        return width * fx, height * (1 - fy)

    # The strip labels' boxes, so that no option's label is written over them.
    strip_boxes = [(to_px({"x": _GAP_MID, "y": 1})[0] - 8, to_px({"x": 1, "y": 3.6})[1],
                    to_px({"x": _GAP_MID, "y": 1})[0] + 8, to_px({"x": 1, "y": 0.8})[1]),
                   (to_px({"x": 28, "y": 1})[0], to_px({"x": 1, "y": _GAP_MID})[1] - 8,
                    width, to_px({"x": 1, "y": _GAP_MID})[1] + 8)]
    placed = _place_labels(points, width, height, to_px, strip_boxes if gaps else [])
    for p in placed:  # the label's anchor in data units, offset by pixels on the log axes
        p["label_x"] = p["x"] * 10 ** (p["label_dx"] * span / width)
        p["label_y"] = p["y"] * 10 ** (-p["label_dy"] * span / height)
    data = pd.DataFrame(placed, columns=[
        "option", "x", "y", "x_low", "x_high", "y_low", "y_high", "x_open", "y_open",
        "certainty", "basis", "nnt_text", "nnh_text", *(c for c, _ in extra), "label_dx",
        "label_dy", "label_align", "label_x", "label_y"])
    scale = alt.Scale(type="log", domain=[low, axis_max], nice=False)
    bases = [b for b in BASIS_SHAPES if b in {p["basis"] for p in points}]
    x, y, tooltip = _nnt_nnh_encodings("x", "y", scale, axis_max, benefit_label, harm_label,
                                       extra)
    strips = alt.Chart(alt.Data(values=[
        {"x0": _GAP_LOW, "x1": _GAP_HIGH, "y0": _GAP_LOW, "y1": axis_max},
        {"x0": _GAP_HIGH, "x1": axis_max, "y0": _GAP_LOW, "y1": _GAP_HIGH},
    ])).mark_rect(color="#EDEDED").encode(
        x=alt.X("x0:Q", scale=scale), x2="x1:Q", y=alt.Y("y0:Q", scale=scale), y2="y1:Q"
    )
    strip_text = alt.Chart(alt.Data(values=[
        {"x": _GAP_MID, "y": 0.85, "t": "no NNT in data", "angle": 270},
        {"x": axis_max / 1.15, "y": _GAP_MID, "t": "no NNH in data", "angle": 0},
    ]))
    strip_labels = alt.layer(
        strip_text.transform_filter("datum.angle == 270").mark_text(
            angle=270, align="left", baseline="middle", fontSize=12, color="#555555",
            fontStyle="italic"),
        strip_text.transform_filter("datum.angle == 0").mark_text(
            align="right", baseline="middle", fontSize=12, color="#555555", fontStyle="italic"),
    ).encode(x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), text="t:N")
    diagonal, diagonal_label = _diagonal(scale, axis_max)
    base = alt.Chart(data)
    h_bars, v_bars, open_x, open_y = _interval_marks(base, x, y, scale, tooltip, "x", "y")
    marks = base.mark_point(filled=True, size=170, stroke="#222222", strokeWidth=1,
                            opacity=1).encode(
        x=x,
        y=y,
        color=alt.Color(
            "certainty:N",
            scale=alt.Scale(domain=CERTAINTY_LEVELS, range=CERTAINTY_COLOURS),
            title="GRADE certainty",
            legend=alt.Legend(orient="bottom", direction="horizontal", columns=5),
        ),
        shape=alt.Shape(
            "basis:N",
            scale=alt.Scale(domain=bases, range=[BASIS_SHAPES[b] for b in bases]),
            title="Basis",
            legend=alt.Legend(orient="bottom", direction="horizontal"),
        ),
        tooltip=tooltip,
    )
    labels = [
        base.transform_filter(f"datum.label_align == '{align}'").mark_text(
            align=align, baseline="middle", fontSize=13, color="#222222"
        ).encode(x=alt.X("label_x:Q", scale=scale), y=alt.Y("label_y:Q", scale=scale),
                 text="option:N")
        for align in ("left", "right")
    ]
    subtitle = (
        ["Not on the chart (no NNT and no NNH in data): " + ", ".join(neither)]
        if neither else []
    )
    return alt.layer(
        *((strips, strip_labels) if gaps else ()), diagonal, diagonal_label, h_bars, v_bars,
        marks, *labels, open_x, open_y,
    ).properties(
        title=alt.Title(title, subtitle=subtitle, subtitleFontSize=13,
                        subtitleColor="#333333"),
        description=description,
        width=width,
        height=height,
        padding={"left": 8, "top": 8, "right": 40, "bottom": 8},
        usermeta={"table": table_rows},
    )
