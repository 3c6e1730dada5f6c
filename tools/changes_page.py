"""Render the "What changed" page (``book/changes.md``) and each chapter's version note.

The page lists, for the changes not yet released and then release by release, every number
a chapter shows that moved (the chapter's sentence, old -> new, the data rows behind it and
the commit that moved it), every pooled estimate and claim verdict that changed, the other
values of the analyses that moved, and, apart, the texts whose wording changed but whose
numbers did not. Everything is read from the release ledgers (``ledger/``), the committed
notebooks and git; nothing is typed.

Each chapter (``book/0*.md``) gets a note (``_build/changes/notes.json``, which
``tools/sphinx_ext.py`` adds to the page): the version it last changed in, with its own
changes. ``tools/build_html.py`` runs this before every build; a file is rewritten only when
its contents change, so an unchanged page is not rebuilt.

    python -m tools.changes_page
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from evidence import vocab
from tools import history, ledger

ROOT = Path(__file__).resolve().parent.parent
PAGE = "book/changes.md"
NOTES = "_build/changes/notes.json"
GENERATED_BY = "python -m tools.changes_page"
CHAPTER = re.compile(r"book/0\d_[^/]+\.md$")

# Markup that becomes plain words when a chapter's sentence is quoted.
_ROLE = re.compile(r"\{([a-z:-]+)\}`([^`]*)`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")
# A moved value in a quoted sentence: \x00key\x01new\x02old\x03, made HTML at the end;
# a unit right after it goes with both numbers ("22 % (was 23 %)").
MARK = "\x00"
_MOVED = re.compile("\x00([^\x01]*)\x01([^\x02]*)\x02([^\x03]*)\x03"
                    "((?: |\u00a0)(?:%|‰|per 1000\\b|mg\\b|weeks?\\b|days?\\b|months?\\b|"
                    "years?\\b)|%)?")


# ----------------------------------------------------------------------------- reading the book

def _titles(root: Path) -> dict[str, str]:
    """Every book page's and notebook's title (its first heading)."""
    out = {}
    for path in [*(root / "book").glob("*.md"), *(root / "notebooks").glob("*.ipynb")]:
        rel = path.relative_to(root).as_posix()
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            text = "".join(cells[0]["source"]) if cells else ""
        else:
            text = path.read_text(encoding="utf-8")
        m = re.search(r"^# (.+)$", text, re.MULTILINE)
        out[rel] = m.group(1).strip() if m else path.stem
    return out


def _plain(text: str, values: dict[str, dict], marks: dict[str, tuple[str, str]]) -> str:
    """A stretch of MyST as a reader reads it: pasted values printed, roles as their words,
    a pasted value of ``marks`` (``{key: (new, old)}``) marked (see :data:`_MOVED`)."""
    def paste(m: re.Match) -> str:
        key, spec = m.group(2), m.group(3) or ""
        if key in marks:
            new, old = marks[key]
            return f"{MARK}{key}\x01{new}\x02{old}\x03"
        return ledger.printed(values.get(key, {}).get("value"), spec)

    text = ledger.PASTE.sub(paste, text)

    def role(m: re.Match) -> str:
        name, inner = m.groups()
        if name.startswith("cite"):
            return ""
        return re.sub(r"\s*<[^>]*>$", "", inner)

    text = _ROLE.sub(role, text)
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"\*{1,2}(\S[^*]*?)\*{1,2}", r"\1", text)
    text = re.sub(r"\s*\(\s*\)", "", text)
    text = re.sub(r"\s+([:;,.])", r"\1", text)  # where a citation was
    return re.sub(r"\s+", " ", text).strip()


def block_of(page_text: str, line: int) -> tuple[int, str]:
    """The paragraph, list item or table row of a page around ``line``: (its first line,
    its MyST)."""
    lines = page_text.splitlines()
    i = line - 1
    if lines[i].lstrip().startswith("|"):
        cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
        return i, " · ".join(c for c in cells if c)
    start = i
    while start > 0 and lines[start - 1].strip() and not lines[start].lstrip().startswith(
            ("- ", "* ", ":::", "```")) and not lines[start - 1].lstrip().startswith(
            (":::", "```", "#")):
        start -= 1
    end = i
    while end + 1 < len(lines) and lines[end + 1].strip() and not lines[
            end + 1].lstrip().startswith(("- ", "* ", ":::", "```", "#")):
        end += 1
    return start, " ".join(x.strip().removeprefix("- ") for x in lines[start:end + 1])


def sentence(page_text: str, line: int, marks: dict[str, tuple[str, str]],
             values: dict[str, dict]) -> str:
    """The sentences of the block around ``line`` (:func:`block_of`) that hold a value of
    ``marks`` (``{key: (new, old)}``), as HTML-safe MyST: each such value is written
    ``new (was old)``, the new value in ``<span class="evidence-new" data-key="key">`` and
    the old in ``evidence-old``; sentences left out between two are written "…"."""
    _start, block = block_of(page_text, line)
    parts = _SENTENCE_END.split(_plain(block, values, marks))
    keep = [i for i, p in enumerate(parts) if MARK in p] or list(range(len(parts)))
    out = []
    for n, i in enumerate(keep):
        if n and i != keep[n - 1] + 1:
            out.append("…")
        out.append(parts[i])
    text = html.escape(" ".join(out), quote=False)

    def moved(m: re.Match) -> str:
        key, new, old, unit = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        return (f'<span class="evidence-new" data-key="{key}">{new}{unit}</span> (was '
                f'<span class="evidence-old">{old}{unit}</span>)')

    return _MOVED.sub(moved, text)


# ----------------------------------------------------------------------------- one section

@dataclass
class Item:
    text: str                     # markdown of one bullet
    pages: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    anchor: str
    version: str | None           # the release, None for the changes not yet released
    since: str | None
    changes: ledger.Changes | None
    shown: dict[str, list[Item]] = field(default_factory=dict)   # page -> items
    pooled: list[Item] = field(default_factory=list)
    verdicts: list[Item] = field(default_factory=list)
    other: list[Item] = field(default_factory=list)
    wording: list[Item] = field(default_factory=list)
    revised_pages: list[str] = field(default_factory=list)
    reconstructed: bool = False   # the release's ledger was written after the release

    def counts(self) -> str:
        c = self.changes
        if c is None:
            return ""
        parts = [f"{len(c.moved)} {'value' if len(c.moved) == 1 else 'values'} moved",
                 f"{len(c.text)} changed wording only", f"{len(c.added)} added",
                 f"{len(c.removed)} removed"]
        return ", ".join(parts)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return ledger.printed(value)


def _pooled_text(value: dict | None, other: dict | None = None) -> str:
    """A pooled estimate as the chapters write one, ``RR 1.70 (1.13 to 2.54)``, with its
    trials and participants when they differ from ``other``'s and its I² when it has one."""
    if not value:
        return "none"
    from evidence.formatting import ESTIMATE_NAMES

    def num(x: object) -> str:
        return f"{x:.2f}" if isinstance(x, float) else str(x)

    name = ESTIMATE_NAMES.get(value.get("measure"), value.get("measure"))
    est = value.get("estimate")
    text = f"{name} {num(est)}" if est is not None else str(name)
    if value.get("ci_low") is not None and value.get("ci_high") is not None:
        text += f" ({num(value['ci_low'])} to {num(value['ci_high'])})"
    k, n = value.get("n_studies"), value.get("n_participants")
    if other is None or (k, n) != (other.get("n_studies"), other.get("n_participants")):
        if k is not None:
            text += f", {k} {'trial' if k == 1 else 'trials'}"
        if n is not None:
            text += f", {n} participants"
    if value.get("i2") is not None:
        text += f", I² {value['i2']:.0f} %"
    return text


class _Context:
    def __init__(self, root: Path, repo_url: str | None):
        self.root = root
        self.repo_url = repo_url
        self.titles = _titles(root)
        self.pastes = ledger.pastes(root)
        self.texts = {p: (root / p).read_text(encoding="utf-8")
                      for p in {x.page for x in self.pastes}}
        self.package = json.loads((root / "data" / "datapackage.json").read_text(
            encoding="utf-8"))
        self.table_titles = {"data/" + r["path"]: r.get("title", r["name"])
                             for r in self.package["resources"]}

    def page_link(self, page: str) -> str:
        return f"[{self.titles.get(page, page)}]({Path(page).name})"

    def notebook_link(self, notebook: str) -> str:
        if not notebook:
            return "the analyses"
        return f"[{self.titles.get(notebook, notebook)}](../{notebook})"

    def commit_text(self, commit: history.Commit | None, committed: bool) -> str:
        if commit is None:
            return "not committed yet" if not committed else "in a commit git cannot name"
        short = commit.sha[:7]
        link = f"[{short}]({self.repo_url}/commit/{commit.sha})" if self.repo_url else short
        return f"in commit {link} of {commit.date}"

    def rows_text(self, rows: list[history.RowChange]) -> str:
        if not rows:
            return ""
        by_table: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            how = (f"its {', '.join(c.replace('_', ' ') for c in r.columns)}"
                   if r.columns else r.how)
            by_table[r.path].append(f"`{r.row}` ({how})")
        parts = [", ".join(v[:6]) + (f" and {len(v) - 6} more" if len(v) > 6 else "")
                 + f" in the table “{self.table_titles.get(p, p)}”"
                 for p, v in by_table.items()]
        return "moved by " + ("row " if len(rows) == 1 else "rows ") + "; ".join(parts)


def build_section(ctx: _Context, title: str, anchor: str, version: str | None,
                  old: dict | None, new: dict, old_ref: str | None,
                  new_ref: str | None) -> Section:
    since = old["version"] if old else None
    section = Section(title, anchor, version, since, None,
                      reconstructed=bool(new.get("note")) and version is not None)
    if old is None:
        return section
    changes = ledger.compare(old, new)
    section.changes = changes
    rows = history.changed_rows(old_ref, ctx.root, new_ref) if old_ref else []
    values = ledger.values(new)

    def provenance(change: ledger.Change) -> str:
        bits = [] if change.kind == "verdict" else [
            f"Computed in {ctx.notebook_link(change.notebook.split(', ')[-1])}"]
        behind = history.rows_behind(change, rows, ctx.root)
        if behind:
            text = ctx.rows_text(behind)
            bits.append(text.replace("moved by row", "changed in row", 1)
                        if change.kind == "verdict" else text)
        if not bits:
            bits.append("Changed")
        if old_ref:
            # The commit that changed the data behind the number, else the one that moved
            # the number in its notebook.
            commit = (history.row_commit(behind[0], old_ref, ctx.root, to=new_ref) if behind
                      else None) or history.moving_commit(change, old_ref, ctx.root, to=new_ref)
            bits[-1] += " " + ctx.commit_text(commit, committed=new_ref is not None or commit
                                              is not None)
        text = "; ".join(bits)
        return text[:1].upper() + text[1:]

    moves: dict[tuple[str, int], list[tuple[ledger.Paste, ledger.Change]]] = {}
    for change in changes.moved:
        if change.kind == "pooled":
            section.pooled.append(Item(
                f"{html.escape(vocab.capital(change.label or change.key), quote=False)}: "
                f'<span class="evidence-new" data-key="{change.key}">'
                f"{_pooled_text(change.new, change.old)}</span> (was "
                f'<span class="evidence-old">{_pooled_text(change.old, change.new)}</span>). '
                f"{provenance(change)}."))
            continue
        if change.kind == "verdict":
            pages = sorted({p.page for p in ledger.shown(change, ctx.pastes)})
            section.verdicts.append(Item(
                f"The claim “{html.escape(change.label, quote=False)}” is now judged "
                f'<span class="evidence-new" data-key="{change.key}">{change.new}</span> (was '
                f'<span class="evidence-old">{change.old}</span>). {provenance(change)}.',
                pages))
            continue
        where = ledger.shown(change, ctx.pastes)
        if not where:
            section.other.append(Item(
                f"`{change.key}`: {_fmt(change.old)} → {_fmt(change.new)}. "
                f"{provenance(change)}."))
            continue
        for paste in where:  # one item per paragraph, however many of its numbers moved
            start, _block = block_of(ctx.texts[paste.page], paste.line)
            moves.setdefault((paste.page, start), []).append((paste, change))
    for (page, _start), group in moves.items():
        marks = {change.key: (ledger.printed(change.new, paste.spec),
                              ledger.printed(change.old, paste.spec))
                 for paste, change in group}
        paste = group[0][0]
        quote = sentence(ctx.texts[page], paste.line, marks, values)
        why = list(dict.fromkeys(provenance(change) for _, change in group))
        section.shown.setdefault(page, []).append(Item(
            f"“{quote}” {'; '.join(why)}.", [page]))
    wording: dict[tuple[str, str, str], tuple[set[str], list[str]]] = {}
    for change in changes.text:  # one item per old and new wording and place, counted
        where = sorted({p.page for p in ctx.pastes if p.key == change.key})
        at = ", ".join(ctx.page_link(p) for p in where) if where else \
            ctx.notebook_link(change.notebook)
        pages, keys = wording.setdefault((str(change.old), str(change.new), at), (set(), []))
        pages.update(where)
        keys.append(change.key)
    for (old_text, new_text, at), (pages, keys) in wording.items():
        times = f", {len(keys)} times" if len(keys) > 1 else ""
        section.wording.append(Item(
            f'<q class="evidence-was">{html.escape(old_text)}</q> → '
            f"<q>{html.escape(new_text)}</q> (in {at}{times})", sorted(pages)))
    if old_ref:
        names = history.git("diff", "--name-only", old_ref, *([new_ref] if new_ref else []),
                           "--", "book", root=ctx.root) or ""
        section.revised_pages = sorted(n for n in names.splitlines() if CHAPTER.search(n))
    return section


# ----------------------------------------------------------------------------- the page

def sections(root: Path = ROOT) -> list[Section]:
    """The changes not yet released (when there are any), then each release, newest first."""
    from tools import release

    cff = release.citation(root / "CITATION.cff")
    ctx = _Context(root, str(cff.get("repository-code", "")).rstrip("/") or None)
    rels = ledger.releases(root / "ledger")
    out = []
    now = ledger.current(root)
    if rels:
        last = rels[-1]
        version = str(cff["version"])
        if version != last["version"]:
            title = f"Version {version}, in preparation"
        else:
            title = f"Since version {last['version']}, not yet released"
        out.append(build_section(ctx, title, "unreleased", None, last, now,
                                 history.release_ref(last, root), None))
    for i in range(len(rels) - 1, -1, -1):
        rel, prev = rels[i], rels[i - 1] if i else None
        out.append(build_section(
            ctx, f"Version {rel['version']}, released {rel['released']}",
            "version-" + rel["version"].replace(".", "-"), rel["version"], prev, rel,
            history.release_ref(prev, root) if prev else None, history.release_ref(rel, root)))
    return out


def _bullets(items: list[Item]) -> list[str]:
    return [f"- {it.text}" for it in items]


def render_section(ctx_titles: dict[str, str], s: Section, level: str = "##") -> list[str]:
    out = [f"({'changes-' + s.anchor})=", f"{level} {s.title}", ""]
    if s.changes is None:
        out += ["The first version with a ledger: every number it printed is recorded, and "
                "the next release is compared with it."
                + (" Its ledger was put together afterwards, from the analyses as they were "
                   "committed on its release date." if s.reconstructed else ""), ""]
        return out
    if s.changes.empty() and not s.revised_pages:
        out += [f"No number, estimate or verdict has changed since version {s.since}.", ""]
        return out
    out += [f"Compared with version {s.since}: {s.counts()}.", ""]
    sub = level + "#"
    if s.shown:
        out += [f"{sub} Numbers the chapters show", ""]
        for page in sorted(s.shown):
            out += [f"In [{ctx_titles.get(page, page)}]({Path(page).name}):", ""]
            out += _bullets(s.shown[page]) + [""]
    if s.pooled:
        out += [f"{sub} Pooled estimates", ""] + _bullets(s.pooled) + [""]
    if s.verdicts:
        out += [f"{sub} Verdicts on the articles' claims", ""] + _bullets(s.verdicts) + [""]
    if s.other:
        out += [f"{sub} Other values of the analyses", "",
                "Values the analyses compute that no chapter prints as such (each by its "
                "name in the analysis):", ""] + _bullets(s.other) + [""]
    if s.wording:
        out += [f"{sub} Wording only", "",
                "Texts the analyses write whose numbers did not change:", ""]
        out += _bullets(s.wording) + [""]
    if s.changes.added or s.changes.removed:
        out += [f"{sub} Added and removed", ""]
        for title, group in (("added", s.changes.added), ("removed", s.changes.removed)):
            if not group:
                continue
            by_nb: dict[str, int] = defaultdict(int)
            for c in group:
                by_nb[c.notebook.split(", ")[0]] += 1
            listed = ", ".join(f"{n} in [{ctx_titles.get(nb, nb)}](../{nb})"
                               for nb, n in sorted(by_nb.items()))
            out += [f"- {len(group)} {'value' if len(group) == 1 else 'values'} {title}: "
                    f"{listed}."]
        out.append("")
    if s.revised_pages:
        out += [f"{sub} Chapters whose text was revised", "",
                ", ".join(f"[{ctx_titles.get(p, p)}]({Path(p).name})"
                          for p in s.revised_pages) + ".", ""]
    return out


def render(root: Path = ROOT) -> tuple[str, dict[str, dict]]:
    """The page's MyST and each chapter's note."""
    from tools import release

    secs = sections(root)
    titles = _titles(root)
    cff = release.citation(root / "CITATION.cff")
    lines = [
        f"<!-- Generated by `{GENERATED_BY}` from the release ledgers, the notebooks and "
        "git history; do not edit. -->", "",
        "# What changed", "",
        f"This is version {cff['version']} of the book. Each release keeps a ledger of every "
        "number it printed, every pooled estimate and every verdict on a claim, so that a "
        "reader who comes back can see what moved and why: the sentence of the chapter that "
        "prints the number, its old and new value, the analysis that computes it, the rows "
        "of the book's data behind the change and the commit that made it.", "",
        "A number counts as moved when it changed as the chapter prints it: a change in a "
        "digit the chapter rounds away is not listed under the chapters, only under the "
        "analyses' other values. Each chapter ends with its own changes.", "",
    ]
    if not secs:
        lines += ["No release has a ledger yet.", ""]
    for s in secs:
        if s.version is None and s.changes is not None and s.changes.empty() \
                and not s.revised_pages:
            lines += [f"No number, estimate or verdict has changed since version {s.since} "
                      "was released.", ""]
            continue
        lines += render_section(titles, s)
    return "\n".join(lines).rstrip() + "\n", notes(secs, root, titles)


def notes(secs: list[Section], root: Path, titles: dict[str, str]) -> dict[str, dict]:
    """Each chapter's version note: the version it last changed in and its own changes."""
    out = {}
    released = [s for s in secs if s.version is not None]
    pending = next((s for s in secs if s.version is None), None)
    for path in sorted((root / "book").glob("0*.md")):
        page = path.relative_to(root).as_posix()

        def touches(s: Section, page: str = page) -> bool:
            return bool(s.shown.get(page)) or page in s.revised_pages or any(
                page in it.pages for it in s.verdicts + s.wording)

        last = next((s for s in released if s.changes is None or touches(s)), None)
        note = {"last_version": last.version if last else None,
                "last_released": last.title if last else None,
                "anchor": last.anchor if last else None,
                "first": bool(last and last.changes is None),
                "items": _page_items(last, page) if last and last.changes else [],
                "wording": [_without_place(it.text) for it in last.wording if page in it.pages]
                if last and last.changes else [],
                "pending": _page_items(pending, page) if pending else [],
                "pending_revised": bool(pending and page in pending.revised_pages)}
        out[page] = note
    return out


def chapter_note(note: dict) -> tuple[str, str]:
    """A chapter's version note as MyST: (the line under its title, its closing section)."""
    version = note.get("last_version")
    if version is None:
        return "", ""
    top = f"Last changed in version {version}; its changes are listed at the end of the chapter."
    lines = ["", "", "## Changes to this chapter", ""]
    if note["first"]:
        lines.append(f"This chapter last changed in version {version}, the first version "
                     "whose numbers were recorded.")
    else:
        lines.append(f"This chapter last changed in version {version}. What it showed that "
                     "moved in that version:" if note["items"] else
                     f"This chapter last changed in version {version}, when its text was "
                     "revised; none of the numbers it shows moved.")
        lines += [""] + [f"- {x}" for x in note["items"]]
        if note.get("wording"):
            lines += ["", "Texts it pastes whose wording changed, their numbers the same:", ""]
            lines += [f"- {x}" for x in note["wording"]]
    if note["pending"] or note["pending_revised"]:
        top = (f"Last released in version {version}; it has changed since (listed at the end "
               "of the chapter).")
        lines += ["", "Since then, in changes not yet released:" if note["pending"] else
                  "Its text has been revised since, in changes not yet released."]
        lines += [""] + [f"- {x}" for x in note["pending"]]
    lines += ["", "Every change to the book's numbers, release by release, is on the page "
              "[What changed](changes.md).", ""]
    return top, "\n".join(lines)


def _without_place(text: str) -> str:
    """A wording item as its own chapter lists it: without "(in <the chapter>)"."""
    return re.sub(r" \(in \[[^\]]*\]\([^)]*\)(?:, (\d+) times)?\)$",
                  lambda m: f" ({m.group(1)} times)" if m.group(1) else "", text)


def _page_items(s: Section, page: str) -> list[str]:
    items = [it.text for it in s.shown.get(page, [])]
    items += [it.text for it in s.verdicts if page in it.pages]
    return items


def write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    page, chapter_notes = render(root)
    wrote = write_if_changed(root / PAGE, page)
    write_if_changed(root / NOTES, json.dumps(chapter_notes, indent=1, ensure_ascii=False))
    print(f"{'Wrote' if wrote else 'Unchanged:'} {PAGE}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
