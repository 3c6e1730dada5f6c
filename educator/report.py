"""Re-run an analysis notebook with other parameters into a standalone HTML report.

    python educator/report.py notebooks/03_pooled_fibromyalgia.ipynb \\
        -p threshold 50 -p model fixed -o reports/x.html
    python educator/report.py notebooks/03_pooled_fibromyalgia.ipynb -p leave_out '["ohta2012"]'

Why: educators and readers can ask "what if?" (another responder threshold, another
pooling model, a trial left out, one dose only) without editing the book. The notebook
is executed by papermill into a temporary folder (``tools.execute.execute`` with an
``output``), so the committed notebook and the book are never touched; the report goes
to ``reports/`` (git-ignored) unless ``-o`` says otherwise.

The report is one HTML file that works offline: no script or style is loaded from
elsewhere, and every chart is shown as the static SVG its output already carries. Its
header lists the parameters and says which differ from the book's.

Parameter values are read as JSON when they parse (``50``, ``0.1``, ``["ohta2012"]``,
``true``) and as text otherwise (``fixed``). Each notebook declares what its parameters
allow in the metadata of its ``parameters`` cell (``allowed``): a range (``minimum``,
``maximum``, ``above``, ``below``, ``integer``), ``choices``, text a value must
``contain``, or values read from a table of ``data/`` (``in``, ``each_in`` for a list or
the letters of a text, ``each_dose_in`` for doses), so that a study key or a dose the
analyses do not have is refused instead of silently changing nothing. Everything is
checked before the notebook runs, the output path too.

Exit status 2 for an unknown parameter, a value of the wrong type or outside what the
notebook allows (the message lists what it allows), or an output path that cannot be
written; 1 when the notebook raises (the message names the cell).
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat
import pandas as pd

try:
    from tools.execute import NotebookError, execute
except ModuleNotFoundError:  # run from a checkout without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tools.execute import NotebookError, execute
from evidence.tables import table

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
EXIT_BAD_INPUT = 2

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;
       max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem; color: #222; line-height: 1.5; }
header.report { border: 2px solid #D55E00; border-radius: 6px; padding: 0.8rem 1.2rem;
                margin-bottom: 1.5rem; background: #fff8f3; }
header.report h1 { font-size: 1.3rem; margin: 0 0 0.4rem; }
header.report mark { font-weight: bold; background: #ffe9d6; color: inherit; }
.jp-InputArea pre, .input_area pre, pre { background: #f6f6f6; padding: 0.5rem;
                                           overflow-x: auto; font-size: 0.85rem; }
.evidence-chart__fallback { max-width: 100%; height: auto; }
"""
#: The tables are the book's (evidence/tables.py), styled by the book's table CSS; the report
#: has no theme, so it gives the theme colours that CSS uses.
TABLE_CSS = ROOT / "_static" / "evidence-tables.css"
THEME_COLOURS = """
:root { --pst-color-border: #c8c8c8; --pst-color-surface: #f3f4f5; --pst-color-text-base: #222;
        --pst-color-text-muted: #555; --pst-color-link: #0a58ca; --pst-color-accent: #0a58ca;
        --pst-color-background: #fff; }
"""


def parse_value(text: str) -> object:
    """A parameter value: JSON when it parses (numbers, lists, true/false), else text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def notebook_parameters(nb: nbformat.NotebookNode) -> dict[str, object]:
    """The defaults in the cell tagged ``parameters`` (literal assignments only)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            out = {}
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name):
                        out[target.id] = ast.literal_eval(node.value)
            return out
    return {}


def parameter_rules(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """What each parameter allows, as declared in the ``parameters`` cell's metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return dict(cell.metadata.get("allowed", {}))
    return {}


def _from_data(spec: dict) -> list:
    """The distinct values of ``spec["column"]`` in the rows of ``spec["table"]`` that match
    ``spec["where"]`` (a value or a list of values per column), in the table's order."""
    from evidence import data

    rows = data.load(spec["table"], as_printed=True)
    for column, wanted in spec.get("where", {}).items():
        rows = rows[rows[column].isin(wanted if isinstance(wanted, list) else [wanted])]
    return list(dict.fromkeys(v for v in rows[spec["column"]] if v))


def _where(spec: dict) -> str:
    """Words for values read from data: ``one of this analysis's study values (...)``."""
    return f"one of this analysis's {spec['column']} values (data/{spec['table']}.csv)"


def _shown(values: list) -> str:
    return ", ".join(json.dumps(v) if not isinstance(v, float) or not v.is_integer()
                     else str(int(v)) for v in values)


def value_problem(name: str, value: object, rule: dict) -> str | None:
    """Why ``value`` is not allowed for parameter ``name`` under ``rule``, or None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if rule.get("integer") and value != int(value):
            return f"{name} must be a whole number (got {value!r})"
        bounds = [("minimum", lambda v, b: v >= b, "at least"),
                  ("maximum", lambda v, b: v <= b, "at most"),
                  ("above", lambda v, b: v > b, "greater than"),
                  ("below", lambda v, b: v < b, "less than")]
        limits = [(word, rule[key]) for key, _, word in bounds if key in rule]
        if any(key in rule and not ok(value, rule[key]) for key, ok, _ in bounds):
            allowed = " and ".join(f"{word} {limit}" for word, limit in limits)
            return f"{name} must be {allowed} (got {value!r})"
    if "choices" in rule and value not in rule["choices"]:
        return f"{name} {value!r} is not allowed; allowed: {_shown(rule['choices'])}"
    if "contains" in rule and rule["contains"] not in str(value):
        return f"{name} must contain {rule['contains']!r} (got {value!r})"
    if "in" in rule:
        allowed = _from_data(rule["in"])
        if value not in allowed:
            return (f"{name} {value!r} is not {_where(rule['in'])}; allowed: "
                    f"{_shown(allowed)}")
    for key in ("each_in", "each_dose_in"):
        if key in rule:
            allowed = _from_data(rule[key])
            items = list(value) if isinstance(value, list | str) else [value]
            if isinstance(value, str) and rule.get("separator"):  # "a;b": codes in one string
                items = [v.strip() for v in value.split(rule["separator"]) if v.strip()]
            if key == "each_in":
                unknown = [v for v in items if v not in allowed]
            else:  # a dose is allowed when a row was given it (a range covers its doses)
                from evidence.analyses import dose_matches

                unknown = [v for v in items if not isinstance(v, int | float)
                           or not any(dose_matches(text, [v]) for text in allowed)]
            if unknown:
                return (f"{name}: {_shown(unknown)} is not {_where(rule[key])}; allowed: "
                        f"{_shown(allowed)}")
    return None


def output_problem(out: Path) -> str | None:
    """Why the report could not be written to ``out``, or None (checked before the run, so
    a long run does not end in a failed write)."""
    if out.is_dir():
        return f"{out} is a folder; give a file name, e.g. {out / 'report.html'}"
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot write {out}: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        return f"cannot write {out}: permission denied"
    return None


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _plain_myst(source: str) -> str:
    """MyST roles that plain Markdown cannot render, as readable text."""
    source = re.sub(r"\{cite:[pt]\}`([^`]+)`", lambda m: "(" + m.group(1).replace(",", "; ") + ")",
                    source)
    return re.sub(r"\{(?:doc|ref|term)\}`([^`<]*?)(?:\s*<[^>]+>)?`", r"\1", source)


def _strip_for_report(nb: nbformat.NotebookNode) -> None:
    """Drop the hidden glue outputs and turn MyST roles into text."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _plain_myst(cell.source)
        elif cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if "scrapbook" not in o.get("metadata", {})]


def header_html(rel: str, title: str, defaults: dict, given: dict) -> str:
    rows = []
    for name, default in defaults.items():
        value = given.get(name, default)
        changed = name in given and given[name] != default
        book = "" if not changed else f" (book: {default!r})"
        shown = f"<code>{html.escape(repr(value))}</code>{html.escape(book)}"
        rows.append({
            "parameter": f"<code>{html.escape(name)}</code>",
            "value in this report": f"<mark>{shown}</mark>" if changed else shown,
        })
    parameters = table(pd.DataFrame(rows, columns=["parameter", "value in this report"]),
                       "The notebook's parameters in this report (changed ones highlighted)",
                       caption_visible=False, html=["parameter", "value in this report"])
    differ = [n for n in defaults if n in given and given[n] != defaults[n]]
    summary = (
        "These parameters differ from the book's: "
        + ", ".join(f"{n} = {given[n]!r} (book: {defaults[n]!r})" for n in differ)
        + "."
        if differ
        else "Every parameter equals the book's: the numbers are the book's."
    )
    return (
        "<header class='report'>"
        f"<h1>Educator's report: {html.escape(title)}</h1>"
        f"<p>Re-run of <code>{html.escape(rel)}</code> with the parameters below. This is "
        "not the book: the book's numbers come from the committed notebook, which was not "
        "changed. Educational material, not medical advice.</p>"
        f"<p><strong>{html.escape(summary)}</strong></p>"
        f"{parameters._repr_html_()}</header>"
    )


def render(executed: Path, source_rel: str, title: str, defaults: dict, given: dict) -> str:
    """The standalone HTML of an executed notebook, with the parameter header."""
    from nbconvert import HTMLExporter
    from pygments.formatters import HtmlFormatter

    nb = nbformat.read(executed, as_version=4)
    _strip_for_report(nb)
    exporter = HTMLExporter(template_name="basic")
    body, _ = exporter.from_notebook_node(nb)
    pygments_css = HtmlFormatter().get_style_defs(".highlight")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)} (educator's report)</title>"
        f"<style>{STYLE}{THEME_COLOURS}{TABLE_CSS.read_text(encoding='utf-8')}\n"
        f"{pygments_css}</style></head><body>"
        f"{header_html(source_rel, title, defaults, given)}<main>{body}</main></body></html>\n"
    )


def _default_output(path: Path, given: dict) -> Path:
    tag = "-".join(
        f"{k}-{re.sub(r'[^A-Za-z0-9.]+', '_', json.dumps(v)).strip('_')}"
        for k, v in given.items()
    )
    return REPORTS / f"{path.stem}{'-' + tag if tag else ''}.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument(
        "-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="a parameter and its value (repeatable)",
    )
    parser.add_argument("-o", "--output", type=Path, help="HTML file (default: reports/...)")
    parser.add_argument(
        "--keep-notebook", type=Path, help="also keep the executed notebook at this path"
    )
    args = parser.parse_args(argv)
    path = args.notebook.resolve()
    if not path.is_file():
        print(f"report: no notebook at {args.notebook}", file=sys.stderr)
        return EXIT_BAD_INPUT
    source = nbformat.read(path, as_version=4)
    defaults = notebook_parameters(source)
    given = {name: parse_value(value) for name, value in args.parameter}
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        print(
            f"report: {args.notebook} has no parameter(s) {', '.join(unknown)}; "
            f"its parameters: {', '.join(defaults) or 'none'}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    for name, value in given.items():
        if type(value) is not type(defaults[name]) and not (
            isinstance(value, int | float) and isinstance(defaults[name], int | float)
        ):
            print(
                f"report: parameter {name} should be like {defaults[name]!r}, got {value!r}",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    rules = parameter_rules(source)
    for name, value in given.items():
        problem = value_problem(name, value, rules.get(name, {}))
        if problem:
            print(f"report: parameter {problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
    out = (args.output or _default_output(path, given)).resolve()
    for target in (out, args.keep_notebook and args.keep_notebook.resolve()):
        problem = target and output_problem(target)
        if problem:
            print(f"report: {problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        executed = Path(tmp) / path.name
        try:
            execute(path, output=executed, parameters=given)
        except NotebookError as err:
            print(f"report: {err}", file=sys.stderr)
            return 1
        page = render(executed, rel, _title(source, path.stem), defaults, given)
        if args.keep_notebook:
            args.keep_notebook.parent.mkdir(parents=True, exist_ok=True)
            args.keep_notebook.write_bytes(executed.read_bytes())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"Wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
