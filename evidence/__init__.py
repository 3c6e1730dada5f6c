"""The analysis engine of the textbook: it reads ``data/`` and returns numbers, tables
and charts; it writes nothing and knows nothing of the build.

Chapters never compute and notebooks never hold data: the notebooks import this
package, which reads ``data/`` and returns what they ``glue``. Build, site and test
plumbing lives in ``tools/`` and ``tests/``, which import this package, never the reverse.
"""

from pathlib import Path

from . import reads

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
BOOK = ROOT / "book"

reads.watch_imports()
