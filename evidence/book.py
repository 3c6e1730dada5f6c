"""Hand results from a notebook to the book, with their sources attached.

:func:`glue` wraps myst-nb's glue: it stores the value's display data under a
key the chapters paste with ``{glue:text}`` / ``{glue:figure}``, and adds to the
output's metadata the bibliography keys the value rests on (and, for scalars,
the raw value). ``tools/export_results.py`` reads that metadata back into
``_build/results.json``, the ledger of every number the book shows.

:func:`record_analysis` glues one meta-analysis (or single-trial analysis) the same way,
as a record with population, intervention, comparator, outcome, measure, model, counts,
estimate, heterogeneity and NNT; the export turns the records of every notebook into
``_build/results/pooled_estimates.csv``.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence

import IPython.core.formatters
from IPython.display import display as ipy_display

LEDGER_KEY = "evidence"
# The MIME prefix under which myst-nb's glue stores a value for the book to paste (the
# engine writes it without importing myst-nb, a Sphinx extension; a pipeline test holds it
# equal to myst-nb's own constant).
GLUE_PREFIX = "application/papermill.record/"


def _plain(value: object) -> object:
    """Return a JSON-friendly copy of a scalar (numpy numbers become Python ones)."""
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def glue(name: str, value: object, *, sources: Sequence[str], display: bool = False) -> None:
    """Glue ``value`` under ``name``, recording the bibliography keys in ``sources``.

    Every number the book shows must say where it comes from, so ``sources`` is
    required and may not be empty.
    """
    if isinstance(sources, str) or not sources:
        raise ValueError(f"glue({name!r}): give `sources` as a non-empty list of bibliography keys")
    bundle, metadata = IPython.core.formatters.format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    metadata[LEDGER_KEY] = {"sources": list(sources), "value": _plain(value)}
    ipy_display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)



def glue_many(prefix: str, values: Mapping[str, object], *, sources: Sequence[str]) -> None:
    """Glue each of ``values`` under ``<prefix>_<name>``, all resting on ``sources`` (the
    numbers of one row a chapter pastes one by one)."""
    for name, value in values.items():
        glue(f"{prefix}_{name}", value, sources=sources)

# --------------------------------------------------------------------------- analyses

ANALYSIS_KEY_PREFIX = "analysis_"
ANALYSIS_FIELDS = (
    "analysis_id",
    "population",
    "intervention",
    "comparator",
    "outcome",
    "measure",
    "model",
    "n_studies",
    "n_participants",
    "estimate",
    "ci_low",
    "ci_high",
    "i2",
    "tau2",
    "nnt",
    "nnt_ci_low",
    "nnt_ci_high",
    "studies",
)


def _number(value: object) -> float | None:
    """A finite float, or None (JSON has no NaN or infinity)."""
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def record_analysis(
    analysis_id: str,
    result: object,
    *,
    population: str,
    intervention: str,
    comparator: str,
    outcome: str,
    measure: str,
    model: str,
    sources: Sequence[str],
    nnt: Mapping | None = None,
    studies: Sequence[str] | None = None,
    n_participants: int | None = None,
    notes: Sequence[str] = (),
) -> dict:
    """Glue one analysis as a JSON-safe record, for ``_build/results/pooled_estimates.csv``.

    ``result`` is a :class:`evidence.meta.PoolResult` (two or more trials pooled) or the
    dict of :func:`evidence.meta.binary_effect` for a single trial; the latter needs
    ``studies`` and ``n_participants``, which a PoolResult carries itself. ``nnt`` is the
    dict of :func:`evidence.meta.nnt` / ``pooled_nnt`` (signed: positive = NNTB, negative =
    NNTH). The record is glued under ``analysis_<analysis_id>`` like :func:`glue` does
    (hidden, with the ledger metadata and its ``sources``); its text is a one-line summary
    a chapter may paste. ``tools/export_results.py`` reads the records back from the
    committed notebooks, so the CSV is written at build time without executing anything.
    Returns the record.
    """
    from .meta import PoolResult

    if not re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", analysis_id or ""):
        raise ValueError(
            f"analysis_id {analysis_id!r}: use lower-case words joined by underscores"
        )
    if isinstance(sources, str) or not sources:
        raise ValueError(
            f"record_analysis({analysis_id!r}): give `sources` as a non-empty list of "
            "bibliography keys"
        )
    if isinstance(result, PoolResult):
        if result.measure != str(measure).upper():
            raise ValueError(
                f"record_analysis({analysis_id!r}): measure {measure!r} but the result "
                f"is a {result.measure}"
            )
        keys = list(studies) if studies is not None else [str(s) for s in result.studies["study"]]
        n = result.n_participants if n_participants is None else n_participants
        record = {
            "n_studies": int(result.n_studies),
            "estimate": result.estimate,
            "ci_low": result.ci_low,
            "ci_high": result.ci_high,
            "i2": result.i2,
            "tau2": result.tau2,
        }
    elif isinstance(result, Mapping):
        if studies is None or n_participants is None:
            raise ValueError(
                f"record_analysis({analysis_id!r}): a single-trial result needs `studies` "
                "and `n_participants`"
            )
        keys, n = list(studies), n_participants
        record = {
            "n_studies": len(keys),
            "estimate": result.get("estimate"),
            "ci_low": result.get("ci_low"),
            "ci_high": result.get("ci_high"),
            "i2": None,
            "tau2": None,
        }
    else:
        raise TypeError(
            f"record_analysis({analysis_id!r}): expected a PoolResult or a binary_effect "
            f"dict, got {type(result).__name__}"
        )
    if not keys:
        raise ValueError(f"record_analysis({analysis_id!r}): no studies")
    record = {
        "analysis_id": analysis_id,
        "population": population,
        "intervention": intervention,
        "comparator": comparator,
        "outcome": outcome,
        "measure": str(measure).upper(),
        "model": model,
        "n_participants": int(n) if float(n).is_integer() else float(n),
        **record,
        "nnt": None if nnt is None else nnt.get("nnt"),
        "nnt_ci_low": None if nnt is None else nnt.get("nnt_ci_low"),
        "nnt_ci_high": None if nnt is None else nnt.get("nnt_ci_high"),
        "studies": keys,
    }
    for name in ("estimate", "ci_low", "ci_high", "i2", "tau2", "nnt", "nnt_ci_low",
                 "nnt_ci_high"):
        record[name] = _number(record[name])
    record = {name: record[name] for name in ANALYSIS_FIELDS}
    record["nnt_label"] = None if nnt is None else nnt.get("label")
    record["notes"] = list(notes)
    record["sources"] = list(sources)
    summary = (
        f"{analysis_id}: {record['measure']} {record['estimate']:.2f} "
        f"({record['ci_low']:.2f} to {record['ci_high']:.2f}); "
        f"{record['n_studies']} {'trial' if record['n_studies'] == 1 else 'trials'}, "
        f"{record['n_participants']} participants"
        if record["estimate"] is not None
        else f"{analysis_id}: not estimable"
    )
    bundle, metadata = IPython.core.formatters.format_display_data(summary)
    metadata["scrapbook"] = {"name": ANALYSIS_KEY_PREFIX + analysis_id, "mime_prefix": GLUE_PREFIX}
    metadata[LEDGER_KEY] = {"sources": list(sources), "value": None, "analysis": record}
    ipy_display({GLUE_PREFIX + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
    return record


def record(analysis, *, population: str, intervention: str, comparator: str = "placebo",
           analysis_id: str | None = None, sources: Sequence[str] | None = None,
           notes: Sequence[str] | None = None) -> dict:
    """:func:`record_analysis` for an :class:`evidence.analyses.Analysis`: the result,
    outcome, measure, model, NNT, studies and participants are the analysis's own, so a
    notebook says only what the analysis cannot know (population and intervention in words,
    and any sources or notes beyond the analysis's)."""
    return record_analysis(
        analysis_id or analysis.analysis_id,
        analysis.result,
        population=population,
        intervention=intervention,
        comparator=comparator,
        outcome=analysis.selection.outcome,
        measure=analysis.measure,
        model=analysis.model,
        sources=analysis.selection.sources if sources is None else sources,
        nnt=analysis.nnt,
        studies=analysis.studies,
        n_participants=analysis.n_participants,
        notes=analysis.notes if notes is None else notes,
    )
