"""Pool two-arm trials from a CSV file: the educator's command-line meta-analysis.

    python educator/meta.py INPUT.csv --measure RR|OR|RD|MD|SMD [--model REML] [--hksj]
                           [--json] [--alpha 0.05] [--undesirable] [--multiarm combine|split]
                           [--leave-one-out] [--influence] [--cumulative [COLUMN]]
                           [--subgroup COLUMN] [--egger] [--funnel FILE.svg]

Binary input columns: study, events_treatment, n_treatment, events_control, n_control.
Continuous: study, mean_treatment, sd_treatment, n_treatment, mean_control, sd_control,
n_control. Extra columns are ignored (a subgroup or ordering column may be one of them);
rows with the same ``shared_control_id`` share one placebo arm, which is counted once
(``--multiarm``). A file with one trial gets that trial's own estimate.

Why a script as well as the package: readers can re-run any pooled number of the book
on their own CSV without opening a notebook. All statistics come from
``evidence.meta`` and ``evidence.meta_diag``; this file only reads, checks and prints.

Exit status 0 on success, 2 on bad input, with one line per problem on stderr naming
the file, the CSV line (header = line 1) and column number, the column and the rule
broken (``trials.csv:3:5: column 'n_control': ...``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

import pandas as pd

try:
    from evidence import meta, meta_diag
except ModuleNotFoundError:  # run from a checkout without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from evidence import meta, meta_diag

EXIT_BAD_INPUT = 2
DEFAULT_MODEL = "REML"


class Table:
    """A CSV read as text: the cells, each row's physical line, and reading problems."""

    def __init__(self, path: Path) -> None:
        self.header: list[str] = []
        self.lines: list[int] = []
        self.problems: list[tuple[int, int, str, str]] = []  # line, col, cell, rule
        rows = []
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            while header is not None and not any(h.strip() for h in header):
                header = next(reader, None)  # blank lines before the header
            if header is None:
                self.frame = pd.DataFrame()
                return
            self.header_line = reader.line_num
            self.header = [h.strip() for h in header]
            width = len(self.header)
            start = reader.line_num + 1
            for raw in reader:
                cells = [cell.strip() for cell in raw]
                if any(cells):
                    for col in range(width, len(cells)):
                        if cells[col]:
                            self.problems.append((start, col + 1, f"cell {col + 1}", (
                                f"extra cell {cells[col]!r}: the header names only {width} "
                                "columns (a comma inside a study name needs quotes)")))
                    rows.append(cells[:width] + [""] * (width - len(cells)))
                    self.lines.append(start)
                start = reader.line_num + 1
        self.frame = pd.DataFrame(rows, columns=self.header, dtype=object)

    def where(self, problem: meta.Problem) -> str:
        """``line:col`` of a problem (``1`` alone for the header or a command-line flag)."""
        if problem.row is None:
            return "1"
        line = self.lines[problem.row]
        if problem.column in self.header:
            return f"{line}:{self.header.index(problem.column) + 1}"
        return str(line)


def _fmt(measure: str, x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if measure == "RD":
        return f"{x:.3f}"
    return f"{x:.2f}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _nnt_line(m: str, nnt: dict) -> str:
    events = "desirable (e.g. responders)" if nnt["desirable"] else "undesirable (harms)"
    source = (
        ""
        if m == "RD"
        else f" (from the RD pooled with the same model: "
        f"{nnt['rd']:.3f}, {nnt['rd_ci_low']:.3f} to {nnt['rd_ci_high']:.3f})"
    )
    return f"NNT, events {events}: {nnt['label']}{source}"


def render_text(path: Path, res: meta.PoolResult, nnt: dict | None, level: int) -> str:
    """A forest-plot table in plain text: studies, weights, pooled line, heterogeneity."""
    m = res.measure
    interval = ", Hartung–Knapp–Sidik–Jonkman interval" if res.hksj else ""
    out = [
        f"{path.name}: {meta.MEASURE_NAMES[m]} ({m}), {meta.MODEL_NAMES[res.model]}{interval}",
        "",
        f"{'Study':<30} {m:>8}  {f'{level}% CI':<20} {'Weight':>7}",
    ]
    for s in res.studies.itertuples():
        ci = f"{_fmt(m, s.ci_low)} to {_fmt(m, s.ci_high)}"
        out.append(f"{s.study[:30]:<30} {_fmt(m, s.estimate):>8}  {ci:<20} {s.weight:6.1f}%")
    n_part = f"{res.n_participants:,.0f}"
    ci = f"{_fmt(m, res.ci_low)} to {_fmt(m, res.ci_high)}"
    stat = "t" if res.hksj else "z"
    out += [
        "",
        f"{'Pooled':<30} {_fmt(m, res.estimate):>8}  {ci:<20} {100:6.1f}%",
        f"{res.n_studies} studies, {n_part} participants; {stat} = {res.z:.2f}, {_p(res.p)}",
        f"Heterogeneity: Q = {res.q:.2f} on {res.q_df} df ({_p(res.q_p)}); "
        f"I² = {res.i2:.1f}%" + ("" if res.tau2 is None else f"; τ² = {res.tau2:.4g}"),
    ]
    if res.tau2_ci_low is not None:
        out.append(f"{level}% CI: τ² {res.tau2_ci_low:.4g} to {res.tau2_ci_high:.4g} "
                   f"(Q-profile); I² {res.i2_ci_low:.1f}% to {res.i2_ci_high:.1f}%")
    if res.pi_low is not None:
        out.append(f"{level}% prediction interval: {_fmt(m, res.pi_low)} to {_fmt(m, res.pi_high)}")
    if nnt is not None:
        out.append(_nnt_line(m, nnt))
    if res.excluded:
        out.append("Excluded (no events in either arm): " + ", ".join(res.excluded))
    out += [f"Note: {n}" for n in res.notes]
    return "\n".join(out)


def render_single(path: Path, single: dict, nnt: dict | None, level: int) -> str:
    m = single["measure"]
    lines = [
        f"{path.name}: one trial, nothing pooled: {meta.MEASURE_NAMES[m]} ({m})",
        "",
        f"{single['study']}: {m} {_fmt(m, single['estimate'])} "
        f"({level}% CI {_fmt(m, single['ci_low'])} to {_fmt(m, single['ci_high'])}), "
        f"{single['n']:,.0f} participants; Wald interval, no heterogeneity to estimate",
    ]
    if single.get("note"):
        lines.append(f"Note: {single['note']}")
    if single.get("corrected"):
        lines.append("Note: 0.5 added to every cell because one was empty")
    if nnt is not None:
        lines.append(_nnt_line(m, nnt) if m == "RD" else
                     f"NNT from this trial's risk difference: {nnt['label']}")
    return "\n".join(lines)


def single_trial(df: pd.DataFrame, measure: str, alpha: float) -> dict:
    """The one trial's own effect with a Wald interval (RevMan's single-study result)."""
    r = df.iloc[0]
    if measure in meta.BINARY:
        out = meta.binary_effect(*(float(r[c]) for c in meta.BINARY_COLUMNS[1:]),
                                 measure=measure, alpha=alpha)
    else:
        y, v = meta.effect_sizes(df, measure)
        half = meta._crit(alpha) * math.sqrt(float(v[0]))
        out = {"measure": measure, "estimate": float(y[0]), "ci_low": float(y[0]) - half,
               "ci_high": float(y[0]) + half, "se": math.sqrt(float(v[0]))}
    return {**out, "study": str(r["study"]), "n": float(r["n_treatment"] + r["n_control"])}


def _diagnostics_text(m: str, diag: dict, level: int) -> list[str]:
    out: list[str] = []
    if "leave_one_out" in diag:
        out += ["", "Leave one out (the analysis without each trial):"]
        for r in diag["leave_one_out"].itertuples():
            out.append(f"  without {r.omitted[:28]:<28} {_fmt(m, r.estimate):>8}  "
                       f"{_fmt(m, r.ci_low)} to {_fmt(m, r.ci_high)}"
                       + ("" if r.tau2 is None or math.isnan(r.tau2) else f"  τ² {r.tau2:.4g}"))
    if "influence" in diag:
        out += ["", "Influence (Viechtbauer & Cheung 2010):",
                f"  {'Study':<28} {'rstudent':>9} {'DFFITS':>8} {'Cook D':>8} {'hat':>6}"]
        for r in diag["influence"].itertuples():
            out.append(f"  {r.study[:28]:<28} {r.rstudent:9.2f} {r.dffits:8.3f} "
                       f"{r.cook_d:8.3f} {r.hat:6.3f}")
    if "cumulative" in diag:
        out += ["", "Cumulative (trials added in turn):"]
        for r in diag["cumulative"].itertuples():
            out.append(f"  + {r.added[:28]:<28} {r.n_studies:>3} trials {_fmt(m, r.estimate):>8}  "
                       f"{_fmt(m, r.ci_low)} to {_fmt(m, r.ci_high)}")
    if "subgroups" in diag:
        sub = diag["subgroups"]
        out += ["", f"Subgroups ({sub.df + 1}):"]
        for label, g in sub.groups.items():
            get = (lambda k, g=g: getattr(g, k)) if isinstance(g, meta.PoolResult) else g.get
            est = _fmt(m, get("estimate"))
            out.append(f"  {label[:28]:<28} {get('n_studies'):>3} trials {est:>8}"
                       f"  {_fmt(m, get('ci_low'))} to {_fmt(m, get('ci_high'))}")
        out.append(f"Test for subgroup differences: Q = {sub.q_between:.2f} on {sub.df} df "
                   f"({_p(sub.p)})")
    if "egger" in diag:
        e = diag["egger"]
        out += ["", f"Egger's test: intercept {e.intercept:.2f} ({level}% CI {e.ci_low:.2f} to "
                f"{e.ci_high:.2f}), t = {e.t:.2f} on {e.df} df, {_p(e.p)}"]
        if e.df + 2 < 10:
            out.append("Note: fewer than 10 trials; the Cochrane Handbook (13.3.5.4) advises "
                       "against testing funnel-plot asymmetry")
    return out


def _diagnostics_json(diag: dict) -> dict:
    out: dict = {}
    for key in ("leave_one_out", "influence", "cumulative"):
        if key in diag:
            out[key] = meta.jsonable(diag[key].to_dict(orient="records"))
    if "subgroups" in diag:
        sub = diag["subgroups"]
        out["subgroups"] = {
            "groups": {k: (g.to_dict() if isinstance(g, meta.PoolResult) else meta.jsonable(g))
                       for k, g in sub.groups.items()},
            "q_between": sub.q_between, "df": sub.df, "p": sub.p}
    if "egger" in diag:
        out["egger"] = meta.jsonable(vars(diag["egger"]))
    return out


def _model(text: str) -> str:
    try:
        return meta._check_measure_model("RR", text)[1]
    except ValueError:
        return text  # argparse names the allowed choices


def build_parser() -> argparse.ArgumentParser:
    models = "; ".join(f"{k}: {v}" for k, v in meta.MODEL_NAMES.items())
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Methods and conventions are those of the book's methods chapter. Each method "
        "is tested against published values (R metafor, Viechtbauer 2005, Lipsey and Wilson "
        "2001, the metamisc vignette); the random-effects subgroup test, with its own tau² "
        "in each subgroup, is checked against the Cochrane Handbook formula instead.")
    parser.add_argument("input", type=Path, help="CSV file, one row per trial comparison")
    parser.add_argument(
        "--measure", required=True, type=str.upper, choices=meta.BINARY + meta.CONTINUOUS,
        help="; ".join(f"{k}: {v}" for k, v in meta.MEASURE_NAMES.items()))
    parser.add_argument("--model", default=DEFAULT_MODEL, type=_model, choices=meta.MODELS,
                        help=f"pooling model (default {DEFAULT_MODEL}). {models}")
    parser.add_argument("--hksj", action="store_true",
                        help="Hartung–Knapp–Sidik–Jonkman interval (t on k - 1 df) for a "
                        "random-effects model")
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
    group = parser.add_argument_group("diagnostics")
    group.add_argument("--leave-one-out", action="store_true",
                       help="the analysis repeated without each trial")
    group.add_argument("--influence", action="store_true",
                       help="studentised residuals, DFFITS, Cook's distance, hat values "
                       "(inverse-variance models)")
    group.add_argument("--cumulative", nargs="?", const="", metavar="COLUMN",
                       help="cumulative meta-analysis, in file order or ordered by COLUMN")
    group.add_argument("--subgroup", metavar="COLUMN",
                       help="pool each value of COLUMN separately (random-effects models: a "
                       "tau² of its own in each subgroup) and test for differences (Q between)")
    group.add_argument("--egger", action="store_true",
                       help="Egger's regression test for funnel-plot asymmetry")
    group.add_argument("--funnel", type=Path, metavar="FILE.svg",
                       help="write a funnel plot (SVG) of the pooled trials")
    return parser


def _check_options(args, table: Table) -> list[str]:
    """Problems with the options themselves, before any data is read."""
    bad = []
    if not 0 < args.alpha < 1:
        bad.append(f"--alpha must be between 0 and 1, got {args.alpha}")
    if args.hksj and args.model not in meta.RANDOM:
        bad.append(f"--hksj needs a random-effects model ({', '.join(meta.RANDOM)}), "
                   f"not {args.model}")
    if args.influence and args.model in ("MH", "Peto"):
        bad.append("--influence needs an inverse-variance model (fixed or random effects)")
    for flag, column in (("--subgroup", args.subgroup), ("--cumulative", args.cumulative)):
        if column and table.header and column not in table.header:
            bad.append(f"{flag}: no column {column!r} in the header (columns: "
                       f"{', '.join(table.header)})")
    if args.funnel is not None and not args.funnel.parent.resolve().is_dir():
        bad.append(f"--funnel: no folder {args.funnel.parent} to write {args.funnel.name} in")
    return bad


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    name = str(args.input)

    def fail(messages: list[str]) -> int:
        for msg in messages:
            print(f"{name}:{msg}" if msg[:1].isdigit() else f"{name}: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT

    try:
        table = Table(args.input)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return fail([f"cannot read the file: {exc}"])
    bad = _check_options(args, table)
    if bad:
        return fail(bad)
    if not table.header:
        cols = ", ".join(meta.required_columns(args.measure))
        return fail([f"1: the file is empty; it needs a header line with the columns {cols} "
                     "and one line per trial"])

    df = table.frame
    problems = meta.validate(df, args.measure, args.model, min_studies=1)
    messages = [f"{line}:{col}: {rule}" for line, col, _, rule in table.problems]
    for p in problems:
        also = "" if p.other is None else f" (first on line {table.lines[p.other]})"
        messages.append(f"{table.where(p)}: column {p.column!r}: {p.rule}{also}")
    if messages:
        return fail(messages)

    level = round(100 * (1 - args.alpha))
    data = meta.as_numeric_table(df, args.measure)
    if len(meta.prepare_multiarm(data, "combine")) == 1:
        return report_single(args, data, level)
    try:
        res = meta.pool(data, args.measure, args.model, alpha=args.alpha, hksj=args.hksj,
                        multiarm=args.multiarm)
        nnt = None
        if args.measure in meta.BINARY:
            nnt = meta.pooled_nnt(data, args.model, desirable=not args.undesirable,
                                  alpha=args.alpha, hksj=args.hksj, multiarm=args.multiarm)
        diag = diagnostics(args, data, res)
    except ValueError as exc:
        return fail([str(exc)])

    if args.json:
        out = res.to_dict()
        out["input"] = name
        out["nnt"] = None if nnt is None else meta.jsonable(nnt)
        out.update(_diagnostics_json(diag))
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        text = render_text(args.input, res, nnt, level)
        print("\n".join([text, *_diagnostics_text(res.measure, diag, level)]))
    return 0


def diagnostics(args, data: pd.DataFrame, res: meta.PoolResult) -> dict:
    """The diagnostics the options ask for, each with the analysis' own method."""
    m, model, alpha = args.measure, args.model, args.alpha
    prepared = meta.prepare_multiarm(data, args.multiarm)
    out: dict = {}
    if args.leave_one_out:
        out["leave_one_out"] = meta_diag.leave_one_out(prepared, m, model, alpha, args.hksj)
    if args.influence:
        out["influence"] = meta_diag.influence(prepared, m, model, alpha)
    if args.cumulative is not None:
        out["cumulative"] = meta_diag.cumulative(prepared, m, model, alpha,
                                                 order=args.cumulative or None)
    if args.subgroup:
        out["subgroups"] = meta_diag.subgroups(prepared, args.subgroup, m, model, alpha)
    if args.egger:
        kept = prepared.loc[prepared["study"].isin(res.studies["study"])]
        out["egger"] = meta_diag.egger(*meta.effect_sizes(kept, m), alpha=alpha)
    if args.funnel is not None:
        import vl_convert

        from evidence.display import VL_VERSION

        chart = meta_diag.funnel_plot(res, prepared, title=f"Funnel plot: {args.input.name}",
                                      description=f"Funnel plot of {res.n_studies} trials, "
                                      f"{meta.MEASURE_NAMES[m]} against its standard error",
                                      alpha=alpha)
        args.funnel.write_text(vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=VL_VERSION),
                               encoding="utf-8")
    return out


def report_single(args, data: pd.DataFrame, level: int) -> int:
    """One trial in the file: its own estimate, as RevMan reports a single study."""
    combined = meta.prepare_multiarm(data, "combine")
    single = single_trial(combined, args.measure, args.alpha)
    nnt = None
    if args.measure in meta.BINARY:
        r = combined.iloc[0]
        nnt = meta.nnt(*(float(r[c]) for c in meta.BINARY_COLUMNS[1:]),
                       desirable=not args.undesirable, alpha=args.alpha)
    if args.json:
        out = {"input": str(args.input), "single_trial": True, **meta.jsonable(single),
               "nnt": None if nnt is None else meta.jsonable(nnt)}
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(render_single(args.input, single, nnt, level))
    return 0


if __name__ == "__main__":
    sys.exit(main())
