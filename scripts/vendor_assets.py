"""Copy the pinned chart libraries from node_modules/ into _vendor/vega/ (served as <site>/vega/).

The site serves Vega, Vega-Lite and vega-embed itself, so charts draw offline and
no page requests a CDN. Versions are pinned in package-lock.json (`npm ci`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "_vendor" / "vega"
FILES = {
    "vega": "build/vega.min.js",
    "vega-lite": "build/vega-lite.min.js",
    "vega-embed": "build/vega-embed.min.js",
}


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    for package, rel in FILES.items():
        src = ROOT / "node_modules" / package / rel
        if not src.is_file():
            print(f"error: {src.relative_to(ROOT)} is missing; run `npm ci`", file=sys.stderr)
            return 1
        # Drop the source-map comment: the maps are not shipped, and a browser with
        # developer tools open would otherwise request a file the site does not have.
        text = src.read_text(encoding="utf-8")
        lines = [ln for ln in text.splitlines() if not ln.startswith("//# sourceMappingURL=")]
        (VENDOR / src.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        version = json.loads((ROOT / "node_modules" / package / "package.json").read_text())
        print(f"  vendored {package} {version['version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
