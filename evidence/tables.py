"""The one renderer of the book's HTML tables.

Every table a reader sees — the chapters' glued tables, the analysis notebooks' outputs, the
claims ledger and the data under each chart — is a DataFrame passed to :func:`table`, which
returns a :class:`Table`: plain, accessible HTML for the site (``_repr_html_``) and plain text
for every other reader (``__repr__``; myst-nb and Jupyter use it as ``text/plain``).

The markup carries no inline style: every rule is in ``_static/evidence-tables.css`` (which
Jupyter Book links into every page), so a table reads the same in light and dark mode and in
print. The HTML is:

* a ``div.evidence-table-wrap``, a labelled, keyboard-focusable region that scrolls a wide
  table sideways on a narrow screen (``tall=True``: also downwards, with a sticky header);
* ``table.evidence-table`` with a ``<caption>`` (visible, or visually hidden when the chapter
  prints its own caption above the table), ``<th scope="col">`` headings and no index column;
* optionally, blocks of rows headed by a ``<th scope="rowgroup">`` row spanning the table
  (``group``), one ``<tbody>`` a block; row headings ``<th scope="row">`` (``row_header``);
  totals in ``<tfoot>`` (``foot``);
* numeric columns (numeric dtypes, and any named in ``numeric``) with class ``num``: right
  aligned in tabular figures;
* every cell escaped, a line break (``"\\n"``) in a cell shown as one, except the columns named
  in ``html``, whose cells are trusted, already escaped HTML (links, ``<details>``) put in as
  they are;
* for ``sortable=True``, the contract of ``_static/evidence-tables.js``: class
  ``evidence-sortable``, ``data-row-noun``, and a ``data-sort-value`` on the cells of the
  columns given in ``sort_keys``.

Cells are written as pandas displays them (a float column with pandas' decimals for that
column, so a table shows the numbers ``DataFrame.to_html`` showed); missing values are blank.
Nothing in the output depends on the run: the same frame gives the same bytes, as nbval needs.

Why not pandas' ``Styler``: it can hide the index and, with a fixed ``uuid`` and
``cell_ids=False``, be deterministic, but it cannot put ``scope`` on headings, write row-group
or row-heading cells, a ``<tfoot>``, row ids or ``data-*`` attributes on cells, and it emits a
``<style>`` block and ids on every heading. Each of those would need a custom Jinja template,
which is a hand-written renderer with more moving parts; this one is short and its markup is
the one the CSS and the script expect.
"""

from __future__ import annotations

import html as _html
import math
import numbers
import re
from collections.abc import Iterable, Mapping

import pandas as pd
from pandas.api import types as ptypes

from .formatting import keep_with_number

#: Minimum widths a column may ask for (``widths={"Outcome": "medium"}``); the sizes are in
#: ``_static/evidence-tables.css`` as ``.evidence-w-<name>``.
WIDTHS = ("narrow", "medium", "wide", "widest")

WRAP_CLASS = "evidence-table-wrap"
TABLE_CLASS = "evidence-table"
SORTABLE_CLASS = "evidence-sortable"
HIDDEN_CLASS = "evidence-vh"


def _escape(text: str) -> str:
    return _html.escape(keep_with_number(text), quote=True)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _float_text(x: float) -> str:
    """One float as pandas shows it in an object column: six decimals, zeros trimmed."""
    text = f"{x:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _value_text(value: object, missing: str) -> str:
    if _is_missing(value):
        return missing
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _float_text(float(value))
    if isinstance(value, list | tuple):  # as pandas shows them: [a, b], (a, b)
        inner = ", ".join(_value_text(v, "None") for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return str(value)


def _column_texts(column: pd.Series, missing: str) -> list[str]:
    """The text of each cell of ``column``, as pandas would display it."""
    dtype = column.dtype
    if (ptypes.is_float_dtype(dtype) or ptypes.is_datetime64_any_dtype(dtype)
            or ptypes.is_timedelta64_dtype(dtype)):
        # pandas' own formatting of the column (its decimals, its date format)
        shown = column.dropna()
        lines = shown.to_string(index=False).split("\n") if len(shown) else []
        texts = dict(zip(shown.index, (line.strip() for line in lines), strict=True))
        return [texts.get(i, missing) for i in column.index]
    return [_value_text(v, missing) for v in column.tolist()]


def _plain(markup: str) -> str:
    """The text of a trusted-HTML cell, for the plain-text view."""
    return _html.unescape(re.sub(r"<[^>]*>", "", re.sub(r"<br\s*/?>", " ", markup)))


class Table:
    """A DataFrame as one of the book's tables. Build it with :func:`table`."""

    def __init__(
        self,
        frame: pd.DataFrame,
        caption: str,
        *,
        caption_visible: bool = False,
        group: str | None = None,
        widths: Mapping[str, str] | None = None,
        numeric: Iterable[str] = (),
        html: Iterable[str] = (),
        nowrap: Iterable[str] = (),
        row_header: str | None = None,
        foot: pd.DataFrame | None = None,
        sort_keys: Mapping[str, str] | None = None,
        row_id: str | None = None,
        sortable: bool = False,
        table_id: str | None = None,
        row_noun: str | None = None,
        tall: bool = False,
        label: str | None = None,
        missing: str = "",
    ) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"table() needs a DataFrame, got {type(frame).__name__}")
        if not caption or not str(caption).strip():
            raise ValueError("every table needs a caption (read by screen readers)")
        index = frame.index
        if (isinstance(index, pd.MultiIndex) or any(n is not None for n in index.names)
                or not (len(index) == 0 or ptypes.is_integer_dtype(index.dtype))):
            raise ValueError(
                "the table would drop an index that carries information "
                f"({index.names}): call reset_index() to make it a column first"
            )
        if frame.columns.duplicated().any():
            raise ValueError(f"duplicate column names: {list(frame.columns)}")
        self.frame = frame.reset_index(drop=True)
        self.caption = str(caption)
        self.caption_visible = caption_visible
        self.group = group
        self.widths = dict(widths or {})
        self.html = set(html)
        self.nowrap = set(nowrap)
        self.row_header = row_header
        self.sort_keys = dict(sort_keys or {})
        self.row_id = row_id
        self.sortable = sortable
        self.table_id = table_id
        self.row_noun = row_noun
        self.tall = tall
        self.label = label or self.caption
        self.missing = missing
        hidden = set(self.sort_keys.values()) | ({row_id} if row_id else set())
        if group is not None:
            hidden.add(group)
        self.columns = [c for c in self.frame.columns if c not in hidden]
        self.foot = None if foot is None else foot.reset_index(drop=True)

        known = set(self.frame.columns)
        named = {
            "group": {group} - {None}, "widths": set(self.widths), "numeric": set(numeric),
            "html": self.html, "nowrap": self.nowrap, "row_header": {row_header} - {None},
            "sort_keys": set(self.sort_keys) | set(self.sort_keys.values()),
            "row_id": {row_id} - {None},
        }
        for option, columns in named.items():
            unknown = columns - known
            if unknown:
                raise ValueError(f"{option}: no column {sorted(map(str, unknown))} in the table")
        bad = {c: w for c, w in self.widths.items() if w not in WIDTHS}
        if bad:
            raise ValueError(f"widths {bad}: use one of {', '.join(WIDTHS)}")
        if self.foot is not None and list(self.foot.columns) != self.columns:
            raise ValueError("foot needs the table's shown columns, in order")
        if sortable and group is not None:
            raise ValueError("a sortable table cannot have row groups (sorting would mix them)")
        self.numeric = set(numeric) | {
            c for c in self.columns
            if ptypes.is_numeric_dtype(self.frame[c].dtype)
            and not ptypes.is_bool_dtype(self.frame[c].dtype)
        }

    # ---------------------------------------------------------------- cells

    def _texts(self, frame: pd.DataFrame) -> dict[str, list[str]]:
        return {c: _column_texts(frame[c], self.missing) for c in frame.columns}

    def _cell_html(self, column: str, text: str) -> str:
        if column in self.html:
            return text
        return "<br>".join(_escape(line) for line in text.split("\n"))

    def _classes(self, column: str, *, heading: bool = False) -> list[str]:
        classes = []
        if column in self.numeric:
            classes.append("num")
        if column in self.nowrap:
            classes.append("evidence-nowrap")
        if heading and column in self.widths:
            classes.append(f"evidence-w-{self.widths[column]}")
        return classes

    @staticmethod
    def _attrs(classes: list[str], **attrs: str | None) -> str:
        out = f' class="{" ".join(classes)}"' if classes else ""
        for name, value in attrs.items():
            if value is not None:
                out += f' {name.replace("_", "-")}="{_escape(value)}"'
        return out

    def _row_html(self, texts: Mapping[str, list[str]], i: int, sort: Mapping[str, list[str]],
                  row_id: str | None) -> str:
        cells = []
        for c in self.columns:
            tag = "th" if c == self.row_header else "td"
            scope = "row" if tag == "th" else None
            value = sort[c][i] if c in sort else None
            attrs = self._attrs(self._classes(c), scope=scope, data_sort_value=value)
            cells.append(f"<{tag}{attrs}>{self._cell_html(c, texts[c][i])}</{tag}>")
        rid = f' id="{_escape(row_id)}"' if row_id else ""
        return f"<tr{rid}>{''.join(cells)}</tr>"

    # ---------------------------------------------------------------- output

    def _repr_html_(self) -> str:
        frame = self.frame
        texts = self._texts(frame[self.columns])
        sort = {c: _column_texts(frame[k], "") for c, k in self.sort_keys.items()}
        ids = _column_texts(frame[self.row_id], "") if self.row_id else None
        head = "".join(
            f'<th scope="col"{self._attrs(self._classes(c, heading=True))}>'
            f"{_escape(str(c))}</th>"
            for c in self.columns
        )
        rows = [self._row_html(texts, i, sort, ids[i] if ids else None)
                for i in range(len(frame))]
        if not rows:
            rows = [f'<tr><td colspan="{max(1, len(self.columns))}">No rows.</td></tr>']
        if self.group is None or not len(frame):
            body = f"<tbody>{''.join(rows)}</tbody>"
        else:
            groups = _column_texts(frame[self.group], "")
            body, start = "", 0
            for i in range(1, len(frame) + 1):
                if i == len(frame) or groups[i] != groups[start]:
                    body += (
                        f'<tbody><tr class="evidence-group"><th scope="rowgroup" '
                        f'colspan="{len(self.columns)}">{_escape(groups[start])}</th></tr>'
                        f"{''.join(rows[start:i])}</tbody>"
                    )
                    start = i
        foot = ""
        if self.foot is not None:
            foot_texts = self._texts(self.foot)
            foot = "<tfoot>" + "".join(
                self._row_html(foot_texts, i, {}, None) for i in range(len(self.foot))
            ) + "</tfoot>"
        table_classes = [TABLE_CLASS] + ([SORTABLE_CLASS] if self.sortable else [])
        caption_class = [] if self.caption_visible else [HIDDEN_CLASS]
        wrap_classes = [WRAP_CLASS] + ([f"{WRAP_CLASS}--tall"] if self.tall else [])
        return (
            f'<div{self._attrs(wrap_classes, role="region", tabindex="0", aria_label=self.label)}>'
            f"<table{self._attrs(table_classes, id=self.table_id, data_row_noun=self.row_noun)}>"
            f"<caption{self._attrs(caption_class)}>{_escape(self.caption)}</caption>"
            f"<thead><tr>{head}</tr></thead>{body}{foot}</table></div>"
        )

    def text_frame(self) -> pd.DataFrame:
        """The shown cells as text (tags of trusted-HTML cells removed), group column first."""
        columns = ([self.group] if self.group else []) + self.columns
        parts = [self.frame[columns]] + ([self.foot] if self.foot is not None else [])
        out = []
        for part in parts:
            texts = self._texts(part)
            out.append(pd.DataFrame({
                c: [(_plain(t) if c in self.html else t).replace("\n", " ") for t in texts[c]]
                for c in part.columns
            }))
        return pd.concat(out, ignore_index=True).fillna("")

    def __repr__(self) -> str:
        return f"{self.caption}\n{self.text_frame().to_string(index=False)}"


def table(frame: pd.DataFrame, caption: str, **options) -> Table:
    """``frame`` as one of the book's tables, captioned ``caption``.

    Options (all keyword-only; columns are named as in ``frame``):

    ``caption_visible``
        ``True`` shows the caption above the table. By default it is hidden visually (screen
        readers still read it as the table's name), because a chapter introduces each table
        in its own words.
    ``group``
        a column whose value heads each run of rows, in a row spanning the table, instead of
        being a column.
    ``widths``
        ``{column: size}``, a minimum width for a column, ``size`` one of :data:`WIDTHS`.
    ``numeric``
        columns of text holding numbers, right-aligned like the numeric-dtype columns.
    ``html``
        columns whose cells are trusted, already escaped HTML; every other cell is escaped.
    ``nowrap``
        columns whose cells do not wrap.
    ``row_header``
        a column whose cells head their rows (``<th scope="row">``).
    ``foot``
        rows (a DataFrame with the shown columns) for a ``<tfoot>``, such as totals.
    ``sortable``, ``table_id``, ``row_noun``, ``sort_keys``, ``row_id``
        the table ``_static/evidence-tables.js`` makes searchable and sortable: its id, what
        its rows are called, ``{column: key column}`` whose values sort that column, and a
        column whose values are the rows' ids. Key and id columns are not shown.
    ``tall``
        a long table: the region scrolls down too, under a sticky header row.
    ``label``
        the name of the scrolling region (default: the caption).
    ``missing``
        the text of a missing value (default: blank).
    """
    return Table(frame, caption, **options)
