"""The book's release metadata, read from CITATION.cff (the one place a version is written).

* :func:`citation` — CITATION.cff as a dict;
* :func:`version_line` — "Version 0.1.0, released 2026-11-21", for the site's footer and the
  PDF's title page;
* :func:`zenodo_metadata` — what ``.zenodo.json`` holds, so that a tagged release archived by
  Zenodo gets a DOI with the same title, authors, version, licence and keywords.

    python -m tools.release zenodo          # write .zenodo.json from CITATION.cff
    python -m tools.release zenodo --check  # exit 1 if .zenodo.json disagrees with it
    python -m tools.release check-tag v0.2.0  # may this tag be released? (the workflow asks)
    python -m tools.release notes 0.2.0     # the changelog's section for a version

Making a release: set ``version`` and ``date-released`` in CITATION.cff, rename the
changelog's "Unreleased" heading to "## <version> - <date>", run ``python -m tools.release
zenodo`` and commit; run ``make book`` and ``python -m tools.ledger snapshot`` (it writes
``ledger/v<version>.json``) and commit; then tag the commit ``v<version>`` and push the tag.
The release workflow checks the tag with ``check-tag``, runs ``make test`` and publishes the
GitHub release with the PDF and ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CFF = ROOT / "CITATION.cff"
ZENODO = ROOT / ".zenodo.json"
CHANGELOG = ROOT / "CHANGELOG.md"
LEDGER = ROOT / "ledger"
LICENCES = {"CC-BY-4.0": ("cc-by-4.0", "CC BY 4.0")}  # CFF/SPDX id: (Zenodo id, in words)


def citation(path: Path | None = None) -> dict:
    """CITATION.cff (this checkout's, or the one at ``path``) as a dict."""
    return yaml.safe_load((CFF if path is None else path).read_text(encoding="utf-8"))


def author_names(cff: dict | None = None) -> list[str]:
    cff = citation() if cff is None else cff
    return [a.get("name") or f"{a['family-names']}, {a.get('given-names', '')}".strip(", ")
            for a in cff["authors"]]


def licence_words(cff: dict | None = None) -> str:
    cff = citation() if cff is None else cff
    return LICENCES.get(cff["license"], (None, cff["license"]))[1]


def version_line(cff: dict | None = None) -> str:
    cff = citation() if cff is None else cff
    return f"Version {cff['version']}, released {cff['date-released']}"


def zenodo_metadata(cff: dict | None = None) -> dict:
    cff = citation() if cff is None else cff
    licence = LICENCES.get(cff["license"])
    if licence is None:
        raise ValueError(f"CITATION.cff: licence {cff['license']!r} has no Zenodo id here; "
                         "add it to tools/release.py LICENCES")
    return {
        "title": cff["title"],
        "upload_type": "publication",
        "publication_type": "book",
        "description": cff.get("abstract") or cff["message"],
        "creators": [{"name": n} for n in author_names(cff)],
        "version": str(cff["version"]),
        "publication_date": str(cff["date-released"]),
        "license": licence[0],
        "keywords": list(cff.get("keywords", [])),
        "related_identifiers": [
            {"identifier": cff["repository-code"], "relation": "isSupplementedBy",
             "scheme": "url"},
            {"identifier": cff["url"], "relation": "isIdenticalTo", "scheme": "url"},
        ],
    }


def zenodo_text(cff: dict | None = None) -> str:
    return json.dumps(zenodo_metadata(cff), indent=2, ensure_ascii=False) + "\n"


def version_heading(version: str) -> re.Pattern:
    """A changelog's heading for ``version``: ``## 0.2.0 - date``, ``## [0.2.0]``,
    ``## Version 0.2.0`` (not ``## 0.2.0.1``), to the end of its line."""
    return re.compile(r"^##\s+\[?(?:version\s+)?v?" + re.escape(version) + r"(?![\w.]).*$",
                      re.IGNORECASE | re.MULTILINE)


def changelog_section(version: str, changelog: str | None = None) -> str | None:
    """The changelog's section for ``version`` (its heading ``## <version>...``), or None."""
    text = CHANGELOG.read_text(encoding="utf-8") if changelog is None else changelog
    m = version_heading(version).search(text)
    if m is None:
        return None
    rest = text[m.end():]
    end = re.search(r"^##\s", rest, re.MULTILINE)
    return rest[:end.start() if end else len(rest)].strip()


def tag_problems(tag: str, cff: dict | None = None, changelog: str | None = None,
                 ledger_dir: Path | None = None) -> list[str]:
    """Why ``tag`` may not be released: each thing a release needs that is missing."""
    cff = citation() if cff is None else cff
    version = str(cff["version"])
    ledger_dir = LEDGER if ledger_dir is None else ledger_dir
    problems = []
    if tag != f"v{version}":
        problems.append(f"the tag {tag!r} does not name CITATION.cff's version (v{version})")
    if not changelog_section(version, changelog):
        problems.append(f"CHANGELOG.md has no section '## {version} - <date>'")
    if not (ledger_dir / f"v{version}.json").is_file():
        problems.append(f"ledger/v{version}.json is missing: run `python -m tools.ledger "
                        "snapshot` and commit it")
    if ZENODO.is_file() and json.loads(ZENODO.read_text(encoding="utf-8")) != \
            zenodo_metadata(cff):
        problems.append(".zenodo.json disagrees with CITATION.cff: run `python -m "
                        "tools.release zenodo`")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["zenodo", "check-tag", "notes"])
    parser.add_argument("arg", nargs="?", help="the tag (check-tag) or version (notes)")
    parser.add_argument("--check", action="store_true",
                        help="only check that .zenodo.json agrees with CITATION.cff")
    args = parser.parse_args(argv)
    if args.what == "check-tag":
        problems = tag_problems(args.arg or "")
        for p in problems:
            print(f"check-tag: {p}", file=sys.stderr)
        if not problems:
            print(f"{args.arg}: CITATION.cff, CHANGELOG.md, the ledger and .zenodo.json agree")
        return 1 if problems else 0
    if args.what == "notes":
        section = changelog_section(args.arg or str(citation()["version"]))
        if section is None:
            print(f"CHANGELOG.md has no section for {args.arg}", file=sys.stderr)
            return 1
        print(section)
        return 0
    text = zenodo_text()
    if args.check:
        if not ZENODO.is_file() or ZENODO.read_text(encoding="utf-8") != text:
            print(".zenodo.json disagrees with CITATION.cff: run `python -m tools.release "
                  "zenodo` and commit it", file=sys.stderr)
            return 1
        print(".zenodo.json agrees with CITATION.cff")
        return 0
    ZENODO.write_text(text, encoding="utf-8")
    print(f"Wrote {ZENODO.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
