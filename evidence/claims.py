"""The claims ledger of the five seed articles: counts, a verdict chart and a searchable table.

The book began from five popular web articles about gabapentin and baclofen. Each checkable
health claim in them was paraphrased into a row of ``data/claims.csv`` with a verdict and the
bibliography keys of the evidence it was judged against. This module turns that ledger into
what the claims-check page shows:

* :func:`load_claims` reads the ledger (through :func:`evidence.data.load`; the validator has
  checked that every seed and verdict is in the vocabulary before any notebook runs);
* :func:`verdict_counts` counts verdicts per article, in the book's verdict order;
* :func:`verdict_chart` draws those counts as stacked bars (Altair, offline renderer);
* :func:`counts_table` shows those counts as the book's table (:mod:`evidence.tables`);
* :func:`claims_table` shows every claim in a table that ``_static/evidence-tables.js``
  makes searchable and sortable (it is fully readable without).

The articles are never named: the book judges claims, not authors or sites. Each seed file
gets a neutral label (Article A to E) and a one-line description of its topic and the kind of
site it came from (:data:`ARTICLES`, from ``data/vocabulary/seed_articles.csv``). The verdicts
and what they mean are in ``data/vocabulary/verdicts.csv`` (:data:`VERDICTS`); their colours
are display code and stay here.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from . import DATA, reads, vocab
from . import data as _data
from .display import PALETTE
from .tables import Table, table

#: Verdicts from best to worst supported (the order of ``data/vocabulary/verdicts.csv``);
#: every count, chart and sort follows this order.
VERDICTS: Sequence[str] = vocab.LazyTuple(vocab.verdicts)

#: What each verdict means, as the claims-check page defines it.
VERDICT_MEANINGS: Mapping[str, str] = vocab.LazyMapping(vocab.verdict_meanings)

#: Okabe–Ito colours (as in :data:`evidence.display.PALETTE`), safe for the common
#: colour-vision deficiencies: blues for support, orange and vermilion for its lack, grey for
#: "not found". The bars also carry their counts as text, and the legend and the data table
#: name every verdict, so no reading depends on colour alone.
VERDICT_COLOURS: Mapping[str, str] = {
    "supported": PALETTE["treatment"],  # blue
    "partly supported": "#56B4E9",  # sky blue
    "unsupported": "#E69F00",  # orange
    "not found": "#BBBBBB",  # grey
    "contradicted": PALETTE["control"],  # vermilion
}
#: Text colour drawn on each verdict's bar (at least 4.5:1 contrast with the bar).
VERDICT_TEXT_COLOURS: Mapping[str, str] = {
    "supported": "#ffffff",
    "partly supported": "#000000",
    "unsupported": "#000000",
    "not found": "#000000",
    "contradicted": "#000000",
}


@dataclass(frozen=True)
class Article:
    """A seed article under its neutral label."""

    seed: str  # file name in the seed folder
    letter: str  # A to E
    topic: str
    site: str

    @property
    def label(self) -> str:
        return f"Article {self.letter}"

    @property
    def description(self) -> str:
        return f"{self.topic}; {self.site}"


def _articles() -> list[Article]:
    return [Article(r["seed"], r["letter"], r["topic"], r["site"]) for r in vocab.seed_articles()]


#: The five seed articles, in the order of their files (``data/vocabulary/seed_articles.csv``).
#: Topic and kind of site only.
ARTICLES: Sequence[Article] = vocab.LazyTuple(_articles)
ARTICLE_BY_SEED: Mapping[str, Article] = vocab.LazyMapping(
    lambda: {a.seed: a for a in _articles()})

#: Ledger keys that name the seed article itself rather than evidence about the claim (the
#: article's only "source" was itself). The table shows them as "the article itself" so the
#: site is not named; the bibliography still lists them, marked as not evidence.
SELF_KEYS: Mapping[str, str] = vocab.LazyMapping(  # data/vocabulary/seed_articles.csv
    lambda: {r["bibliography_key"]: r["seed"] for r in vocab.seed_articles()
             if r["bibliography_key"]})

COLUMNS = ("claim_id", "seed", "claim", "verdict", "evidence", "note")


def split_keys(cell: object) -> list[str]:
    """The bibliography keys of one ``evidence`` cell (``"a;b"`` → ``["a", "b"]``)."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [k.strip() for k in str(cell).split(";") if k.strip()]


def load_claims() -> pd.DataFrame:
    """The ledger with the article's label and description added.

    No check here: ``tools.validate`` refuses a seed or verdict outside the vocabulary, a
    missing column or a repeated ``claim_id`` (naming file, line and column) before any
    notebook runs.
    """
    claims = _data.load("claims", as_printed=True)
    by_seed = dict(ARTICLE_BY_SEED)
    claims["article"] = claims["seed"].map(lambda s: by_seed[s].label)
    claims["article_description"] = claims["seed"].map(lambda s: by_seed[s].description)
    order = list(VERDICTS)
    claims["verdict_rank"] = claims["verdict"].map(order.index)
    return claims


def load_search_log() -> pd.DataFrame:
    """The searches run while judging the claims (``data/claims_search_log.tsv``), one a row.

    Read like every table (and recorded in the executor's read log, so editing the log
    re-runs the notebook): columns ``n``, ``corpus``, ``query``, ``purpose``, ``outcome``.
    """
    path = DATA / "claims_search_log.tsv"
    reads.record(path)
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def tracing_searches(log: pd.DataFrame) -> pd.DataFrame:
    """The searches whose purpose was to trace or identify a citation an article gave."""
    return log[log["purpose"].str.match(r"(?i)\s*(trace|identify)\b")]


def evidence_keys(claims: pd.DataFrame, *, include_self: bool = False) -> list[str]:
    """Every distinct bibliography key the given claims rest on, sorted.

    Keys naming a seed article itself (:data:`SELF_KEYS`) are left out unless
    ``include_self``: the article is what was checked, not evidence about it.
    """
    keys = {k for cell in claims["evidence"] for k in split_keys(cell)}
    return sorted(keys if include_self else keys - set(SELF_KEYS))


def verdict_counts(claims: pd.DataFrame) -> pd.DataFrame:
    """Claims per article (rows, A–E) and verdict (columns, in :data:`VERDICTS` order).

    Articles with no claims in ``claims`` are left out; every verdict column is kept (zero
    when absent). A ``total`` column closes each row.
    """
    letters = [a.label for a in ARTICLES if a.label in set(claims["article"])]
    counts = (
        pd.crosstab(claims["article"], claims["verdict"])
        .reindex(index=letters, columns=list(VERDICTS), fill_value=0)
        .astype(int)
    )
    counts.index.name = "article"
    counts.columns.name = None
    counts["total"] = counts.sum(axis=1)
    return counts


def counts_table(claims: pd.DataFrame) -> Table:
    """The per-article verdict counts as the book's table, each article with its description.

    One row per article (its label over its topic and kind of site, as the row's heading), one
    column per verdict and the article's total; a footer row adds up the articles.
    """
    counts = verdict_counts(claims)
    by_label = {a.label: a for a in ARTICLES}
    article = "Article: topic; kind of site"
    rows = pd.DataFrame({
        article: [f"<strong>{html.escape(label)}</strong><br>"
                  f"{html.escape(by_label[label].description)}" for label in counts.index],
        **{v: counts[v].to_numpy() for v in VERDICTS},
        "All": counts["total"].to_numpy(),
    })
    foot = pd.DataFrame([{article: "All articles",
                          **{c: int(rows[c].sum()) for c in rows.columns if c != article}}])
    return table(rows, "Claims checked in each article, by verdict", html=[article],
                 caption_visible=True, row_header=article, foot=foot, widths={article: "medium"})


# --------------------------------------------------------------------------- the chart

def verdict_chart_data(claims: pd.DataFrame) -> pd.DataFrame:
    """One row per article and verdict with the bar's start and end (explicitly stacked)."""
    counts = verdict_counts(claims)
    by_label = {a.label: a for a in ARTICLES}
    rows = []
    for article, row in counts.iterrows():
        start = 0
        for rank, verdict in enumerate(VERDICTS):
            n = int(row[verdict])
            rows.append(
                {
                    "article": article,
                    "article_label": f"{article}|{by_label[article].topic}",
                    "article_description": f"{article}: {by_label[article].description}",
                    "verdict": verdict,
                    "rank": rank,
                    "claims": n,
                    "start": start,
                    "end": start + n,
                    "mid": start + n / 2,
                    "share": round(100 * n / int(row["total"]), 1) if row["total"] else 0.0,
                    "text": str(n) if n else "",
                    "text_colour": VERDICT_TEXT_COLOURS[verdict],
                }
            )
            start += n
    return pd.DataFrame(rows)


def verdict_chart(claims: pd.DataFrame, *, title: str, description: str) -> alt.LayerChart:
    """Stacked horizontal bars: the verdicts of each article's claims, best to worst."""
    data = verdict_chart_data(claims)
    y = alt.Y(
        "article_label:N",
        title=None,
        sort=list(dict.fromkeys(data["article_label"])),
        axis=alt.Axis(labelLimit=240, labelFontSize=13, labelExpr="split(datum.label, '|')",
                      labelPadding=6),
    )
    colour = alt.Color(
        "verdict:N",
        scale=alt.Scale(domain=list(VERDICTS), range=[VERDICT_COLOURS[v] for v in VERDICTS]),
        legend=alt.Legend(title="Verdict", orient="bottom", direction="horizontal",
                          columns=len(VERDICTS)),
        sort=list(VERDICTS),
    )
    tooltip = [
        alt.Tooltip("article_description:N", title="Article"),
        alt.Tooltip("verdict:N", title="Verdict"),
        alt.Tooltip("claims:Q", title="Claims"),
        alt.Tooltip("share:Q", title="Share of the article's claims (%)"),
    ]
    top = 5 * math.ceil(int(data["end"].max()) / 5)
    base = alt.Chart(data).transform_filter("datum.claims > 0")
    bars = base.mark_bar(height=30, stroke="#ffffff", strokeWidth=1.5).encode(
        x=alt.X("start:Q", title="Number of claims checked",
                scale=alt.Scale(domain=[0, top]),
                axis=alt.Axis(values=list(range(0, top + 1, 5)))),
        x2="end:Q",
        y=y,
        color=colour,
        tooltip=tooltip,
    )
    labels = base.mark_text(fontSize=13, fontWeight="bold", baseline="middle").encode(
        x="mid:Q", y=y, text="text:N", color=alt.Color("text_colour:N", scale=None)
    )
    table = [
        {"Article": article, **{v: int(c[v]) for v in VERDICTS}, "Total": int(c["total"])}
        for article, c in verdict_counts(claims).iterrows()
    ]
    return (bars + labels).properties(
        title=title,
        description=description,
        width=360,
        height=alt.Step(52),
        usermeta={"table": table},
    )


def describe_counts(claims: pd.DataFrame) -> str:
    """A sentence for screen readers listing every article's counts by verdict."""
    parts = []
    for article, row in verdict_counts(claims).iterrows():
        shown = [f"{int(row[v])} {v}" for v in VERDICTS if row[v]]
        parts.append(f"{article}, {int(row['total'])} claims: {', '.join(shown)}")
    return "; ".join(parts) + "."


# --------------------------------------------------------------------------- the table

def reference_href(key: str, *, page: str = "references.html", anchor: str | None = None) -> str:
    """Link target of bibliography ``key``.

    sphinxcontrib-bibtex numbers its entries' ids (``id11``) in build order, so they are not
    stable unless the book sets ``bibtex_cite_id``; without an ``anchor`` template the link
    goes to the references page, and the table shows the key to look up there. With one (for
    ``bibtex_cite_id: "cite-{key}"`` pass ``anchor="cite-{key}"``) it points at the entry,
    spelled as docutils spells ids (lower case, runs of other characters as one hyphen).
    """
    if not anchor:
        return page
    raw = anchor.format(key=key)
    return f"{page}#{re.sub(r'[^a-z0-9]+', '-', raw.lower()).strip('-')}"


def _evidence_cell(keys: Iterable[str], seed: str, *, page: str, anchor: str | None) -> str:
    links = []
    for key in keys:
        if SELF_KEYS.get(key) == seed:
            links.append("<span class='claims-self'>the article itself</span>")
            continue
        links.append(
            f"<a href='{html.escape(reference_href(key, page=page, anchor=anchor))}' "
            f"class='claims-key'>{html.escape(vocab.study_name(key))}</a>"
        )
    return "<br>".join(links) if links else "–"


def _dot(verdict: str) -> str:
    """The verdict's colour as a small square (its CSS class is in evidence-tables.css)."""
    slug = verdict.replace(" ", "-")
    return f"<span class='claims-dot claims-dot--{slug}' aria-hidden='true'></span>"


def claims_table(
    claims: pd.DataFrame,
    *,
    references_page: str = "references.html",
    anchor: str | None = None,
    table_id: str = "claims-ledger",
) -> Table:
    """Every claim in a searchable, sortable table (class ``evidence-sortable``).

    Columns: claim id, article (its letter), the claim (paraphrased) with the reasoning behind
    the verdict in a ``<details>`` toggle, the verdict and the evidence keys (links to the
    bibliography, breakable at underscores). The verdict cell carries ``data-sort-value`` (its
    rank in :data:`VERDICTS`) so sorting by verdict follows the verdict order, not the
    alphabet; each row has the id ``claim-<claim id>``. The table sits in a scrolling,
    keyboard-focusable region with a sticky header. ``references_page`` is relative to the
    page the table is pasted into. Readable without JavaScript.
    """
    rows = []
    for row in claims.itertuples(index=False):
        article = ARTICLE_BY_SEED[row.seed]
        verdict = row.verdict
        note = html.escape(row.note or "")
        why = (f"<details><summary>Why: {html.escape(verdict)}</summary>{note}</details>"
               if note else "")
        rows.append({
            "ID": row.claim_id,
            "Article": (f"<span class='evidence-vh'>Article </span>"
                        f"<abbr title='{html.escape(article.description, quote=True)}'>"
                        f"{html.escape(article.letter)}</abbr>"),
            "Claim (paraphrased) and why": f"{html.escape(row.claim)}{why}",
            "Verdict": f"{_dot(verdict)}{html.escape(verdict)}",
            "Evidence": _evidence_cell(split_keys(row.evidence), row.seed,
                                       page=references_page, anchor=anchor),
            "row_id": f"claim-{row.claim_id}",
            "article_key": article.letter,
            "verdict_key": VERDICTS.index(verdict),
        })
    caption = (
        f"All {len(claims)} claims checked: the claim in our words (open \u201cWhy\u201d for "
        "the reasoning), its verdict and the sources of the evidence, each linked to its entry "
        "on the References page."
    )
    return table(
        pd.DataFrame(rows), caption, caption_visible=True,
        html=["Article", "Claim (paraphrased) and why", "Verdict", "Evidence"],
        sort_keys={"Article": "article_key", "Verdict": "verdict_key"}, row_id="row_id",
        nowrap=["Verdict"], widths={"Claim (paraphrased) and why": "wide", "Evidence": "medium"},
        sortable=True, table_id=table_id, row_noun="claims", tall=True,
        label="Table of the claims checked (scrolls)",
    )
