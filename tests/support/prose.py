"""Reading a chapter's MyST source as prose: everything that is not prose blanked out, and
the numbers a reader would see typed in it (the chapter standard's no-typed-numbers rule;
the allow-list is documented in ``tests/chapters/test_chapter_standard.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from support import ROOT

# ---- stripping the non-prose parts ----------------------------------------------------

FENCE_OPEN = re.compile(
    r"^\s*(?P<fence>`{3,}|~{3,}|:{3,})\s*(?:\{(?P<name>[^}\s]+)\})?(?P<arg>.*)$"
)
FENCE_CLOSE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,}|:{3,})\s*$")
OPTION_LINE = re.compile(r"^\s*:[\w-]+:")
CODE_LIKE = {
    "code-cell", "code-block", "code", "sourcecode", "literalinclude", "math", "raw", "glue",
    "glue:any", "glue:figure", "glue:math", "glue:md", "bibliography", "toctree", "mermaid",
    "csv-table",
}
INLINE = [  # (pattern, flags): removed, keeping line breaks so line numbers stay right
    (r"<!--.*?-->", re.S),
    (r"\{[^{}\s`]+\}(`+).*?\1", re.S),  # roles, with their whole content
    (r"(`+).+?\1", re.S),  # inline code
    (r"\$\$.*?\$\$", re.S),
    (r"(?<![\\\w])\$[^$\n]+\$", 0),
    (r"\]\([^)]*\)", 0),  # link targets (the link text stays)
    (r"<https?://[^>]+>|https?://\S+", 0),
    (r"<[^>\n]+>", 0),  # HTML tags
    (r"\{\{.*?\}\}", re.S),  # substitutions
    (r"\[\^[^\]]+\]", 0),  # footnote references
    (r"(?m)^\s*\([^)\s]+\)=\s*$", 0),  # target labels
    (r"(?m)^\s*\d+[.)]\s", 0),  # ordered-list markers
]
ALLOWED = [
    r"(?i)(?:\bsections?|\bchapters?|§)\s*\d+(?:\.\d+)*(?:\s*(?:,|and|to|–|-)\s*\d+(?:\.\d+)*)*",
    r"\b0\s?[–-]\s?\d+\b",  # scale names: 0–10, 0–3
    r"(?<![\d.,])(?:30|50|95)\s?(?:%|per\s?cent)",  # responder thresholds, 95 % intervals
]
NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*")


def _blank(match: re.Match) -> str:
    return "\n" * match.group(0).count("\n")


def prose(text: str) -> str:
    """The text with everything that is not prose blanked out (line count unchanged)."""
    lines = text.split("\n")
    out: list[str] = []
    stack: list[tuple[str, int, bool]] = []  # (fence char, length, is code)
    options = False
    front_matter = bool(lines) and lines[0].strip() == "---"
    for i, line in enumerate(lines):
        if front_matter:
            out.append("")
            if i > 0 and line.strip() == "---":
                front_matter = False
            continue
        close = FENCE_CLOSE.match(line)
        if stack and close and close["fence"][0] == stack[-1][0] and \
                len(close["fence"]) >= stack[-1][1]:
            stack.pop()
            options = False
            out.append("")
            continue
        if stack and stack[-1][2]:
            out.append("")
            continue
        opened = FENCE_OPEN.match(line)
        if opened and (opened["fence"][0] != ":" or opened["name"]):
            name = opened["name"]
            is_code = name is None or name in CODE_LIKE
            stack.append((opened["fence"][0], len(opened["fence"]), is_code))
            options = not is_code
            out.append("")
            continue
        if options and OPTION_LINE.match(line):
            out.append("")
            continue
        options = False
        out.append(line)
    body = "\n".join(out)
    for pattern, flags in INLINE:
        body = re.sub(pattern, _blank, body, flags=flags)
    return body


@dataclass(frozen=True)
class TypedNumber:
    path: Path
    line: int
    number: str

    def __str__(self) -> str:
        try:
            where = self.path.relative_to(ROOT)
        except ValueError:
            where = self.path
        return (f"{where}:{self.line}: typed number {self.number!r} "
                "(paste it with glue, or see the allow-list in this test)")


def typed_numbers(path: Path) -> list[TypedNumber]:
    """Numbers in the prose of ``path`` that are neither glued nor on the allow-list."""
    found = []
    for lineno, line in enumerate(prose(path.read_text(encoding="utf-8")).split("\n"), 1):
        for pattern in ALLOWED:
            line = re.sub(pattern, " ", line)
        for m in NUMBER.finditer(line):
            token = m.group(0)
            if re.fullmatch(r"(?:19|20)\d\d", token):
                continue  # a year
            found.append(TypedNumber(path, lineno, token))
    return found
