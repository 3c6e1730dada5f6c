"""Hand results from a notebook to the book, with their sources attached.

:func:`glue` wraps myst-nb's glue: it stores the value's display data under a
key the chapters paste with ``{glue:text}`` / ``{glue:figure}``, and adds to the
output's metadata the bibliography keys the value rests on (and, for scalars,
the raw value). ``scripts/export_results.py`` reads that metadata back into
``_build/results.json``, the ledger of every number the book shows.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import IPython.core.formatters
from IPython.display import display as ipy_display
from myst_nb.ext.glue import GLUE_PREFIX

LEDGER_KEY = "evidence"


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
