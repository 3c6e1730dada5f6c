"""The book's release metadata, read from CITATION.cff (the one place a version is written).

* :func:`citation` — CITATION.cff as a dict;
* :func:`version_line` — "Version 0.1.0, released 2026-11-21", for the site's footer and the
  PDF's title page;
* :func:`zenodo_metadata` — what ``.zenodo.json`` holds, so that a tagged release archived by
  Zenodo gets a DOI with the same title, authors, version, licence and keywords.

    python -m tools.release zenodo          # write .zenodo.json from CITATION.cff
    python -m tools.release zenodo --check  # exit 1 if .zenodo.json disagrees with it
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CFF = ROOT / "CITATION.cff"
ZENODO = ROOT / ".zenodo.json"
LICENCES = {"CC-BY-4.0": ("cc-by-4.0", "CC BY 4.0")}  # CFF/SPDX id: (Zenodo id, in words)


def citation() -> dict:
    return yaml.safe_load(CFF.read_text(encoding="utf-8"))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["zenodo"])
    parser.add_argument("--check", action="store_true",
                        help="only check that .zenodo.json agrees with CITATION.cff")
    args = parser.parse_args(argv)
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
