"""Pool two-arm trials from a CSV file: the educator's command-line meta-analysis.

    python educator/meta.py INPUT.csv --measure RR|OR|RD|MD|SMD --model fixed|MH|DL|PM
                           [--json] [--alpha 0.05] [--undesirable] [--multiarm combine|split]

Binary input columns: study, events_treatment, n_treatment, events_control, n_control.
Continuous: study, mean_treatment, sd_treatment, n_treatment, mean_control, sd_control,
n_control. Extra columns are ignored; rows with the same ``shared_control_id`` share
one placebo arm, which is counted once (``--multiarm``).

Why a script as well as the package: readers can re-run any pooled number of the book
on their own CSV without opening a notebook. All statistics come from
``evidence.meta``; this file only reads, checks and prints.

Exit status 0 on success, 2 on bad input, with one line per problem on stderr naming
the file, the CSV line (header = line 1), the column and the rule broken.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import pandas as pd

try:
    from evidence import meta
except ModuleNotFoundError:  # run from a checkout without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from evidence import meta

EXIT_BAD_INPUT = 2


def read_csv_with_lines(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """Read every cell as text, remembering each row's physical line in the file.

    The line numbers let error messages point where an editor will show the problem,
    even with blank lines or quoted line breaks (which pandas would silently shift).
    """
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            return pd.DataFrame(), []
        header = [h.strip() for h in header]
        rows, lines = [], []
        start = reader.line_num + 1
        for raw in reader:
            if any(cell.strip() for cell in raw):
                rows.append([cell.strip() for cell in raw] + [""] * (len(header) - len(raw)))
                lines.append(start)
            start = reader.line_num + 1
    width = len(header)
    return pd.DataFrame([r[:width] for r in rows], columns=header, dtype=object), lines


def _line(problem: meta.Problem, lines: list[int]) -> int:
    return 1 if problem.row is None else lines[problem.row]


def _fmt(measure: str, x: float | None) -> str:
    if x is None:
        return "–"
    if measure == "RD":
        return f"{x:.3f}"
    return f"{x:.2f}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def render_text(path: Path, res: meta.PoolResult, nnt: dict | None, level: int) -> str:
    """A forest-plot table in plain text: studies, weights, pooled line, heterogeneity."""
    m = res.measure
    out = [
        f"{path.name}: {meta.MEASURE_NAMES[m]} ({m}), {meta.MODEL_NAMES[res.model]}",
        "",
        f"{'Study':<30} {m:>8}  {f'{level}% CI':<20} {'Weight':>7}",
    ]
    for s in res.studies.itertuples():
        ci = f"{_fmt(m, s.ci_low)} to {_fmt(m, s.ci_high)}"
        out.append(f"{s.study[:30]:<30} {_fmt(m, s.estimate):>8}  {ci:<20} {s.weight:6.1f}%")
    n_part = f"{res.n_participants:,.0f}"
    ci = f"{_fmt(m, res.ci_low)} to {_fmt(m, res.ci_high)}"
    out += [
        "",
        f"{'Pooled':<30} {_fmt(m, res.estimate):>8}  {ci:<20} {100:6.1f}%",
        f"{res.n_studies} studies, {n_part} participants; z = {res.z:.2f}, {_p(res.p)}",
        f"Heterogeneity: Q = {res.q:.2f} on {res.q_df} df ({_p(res.q_p)}); "
        f"I² = {res.i2:.1f}%" + ("" if res.tau2 is None else f"; τ² = {res.tau2:.4g}"),
    ]
    if res.pi_low is not None:
        out.append(f"{level}% prediction interval: {_fmt(m, res.pi_low)} to {_fmt(m, res.pi_high)}")
    if nnt is not None:
        events = "desirable (e.g. responders)" if nnt["desirable"] else "undesirable (harms)"
        source = (
            ""
            if m == "RD"
            else f" (from the RD pooled with the same model: "
            f"{nnt['rd']:.3f}, {nnt['rd_ci_low']:.3f} to {nnt['rd_ci_high']:.3f})"
        )
        out.append(f"NNT, events {events}: {nnt['label']}{source}")
    if res.excluded:
        out.append("Excluded (no events in either arm): " + ", ".join(res.excluded))
    out += [f"Note: {n}" for n in res.notes]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path, help="CSV file, one row per trial comparison")
    parser.add_argument(
        "--measure", required=True, type=str.upper, choices=meta.BINARY + meta.CONTINUOUS
    )
    parser.add_argument(
        "--model",
        required=True,
        type=lambda s: s if s.lower() == "fixed" else s.upper(),
        choices=meta.MODELS,
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object instead")
    parser.add_argument("--alpha", type=float, default=0.05, help="1 - confidence level")
    parser.add_argument(
        "--undesirable",
        action="store_true",
        help="events are harms (adverse events, relapse): fewer is better; "
        "default: events are wanted (responders)",
    )
    parser.add_argument(
        "--multiarm",
        choices=("combine", "split"),
        default="combine",
        help="how to treat rows sharing a control arm (shared_control_id)",
    )
    args = parser.parse_args(argv)
    name = str(args.input)

    def fail(messages: list[str]) -> int:
        for msg in messages:
            print(f"{name}: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT

    if not 0 < args.alpha < 1:
        return fail([f"--alpha must be between 0 and 1, got {args.alpha}"])
    try:
        df, lines = read_csv_with_lines(args.input)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return fail([f"cannot read the file: {exc}"])

    problems = meta.validate(df, args.measure, args.model)
    if problems:
        return fail([f"line {_line(p, lines)}: column {p.column!r}: {p.rule}" for p in problems])
    df = meta.prepare_multiarm(meta.as_numeric_table(df, args.measure), args.multiarm)
    try:
        res = meta.pool(df, args.measure, args.model, alpha=args.alpha)
        nnt = None
        if args.measure in meta.BINARY:
            nnt = meta.pooled_nnt(df, args.model, desirable=not args.undesirable, alpha=args.alpha)
    except ValueError as exc:
        return fail([str(exc)])

    if args.json:
        out = res.to_dict()
        out["input"] = name
        out["nnt"] = None if nnt is None else meta.jsonable(nnt)
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(render_text(args.input, res, nnt, round(100 * (1 - args.alpha))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
