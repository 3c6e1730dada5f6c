"""Analysis package of the textbook: load and validate ``data/``, analyse, chart, export.

Chapters never compute and notebooks never hold data: the notebooks import this
package, which reads ``data/`` and returns numbers, tables and charts for ``glue``.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BOOK = ROOT / "book"
