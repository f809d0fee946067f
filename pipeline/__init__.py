"""Cluster Lessons: turn folders of cluster news and reports into reviewable evidence.

The public API, usable from a notebook as well as from the ``lessons`` command::

    from pipeline import read_document, split_passages, run_batch, load_codebook

Heavy libraries (spaCy, scikit-learn) are imported only by the functions that need them, so
``lessons --help``, ``lessons themes`` and ``lessons review`` start instantly.
"""

import os as _os
import sys as _sys

# The batch forks workers that share spaCy copy-on-write, locks its output folder with fcntl and
# relies on POSIX process control; none of that exists on Windows. Say so, rather than fail on
# "No module named 'fcntl'" somewhere inside.
if _os.name != "posix" or _sys.platform.startswith(("win", "cygwin", "msys")):
    raise RuntimeError("Cluster Lessons runs on Linux and macOS (it needs fork, fcntl and POSIX signals); "
                       "on Windows, install and run it inside WSL (Windows Subsystem for Linux)")

# OpenBLAS starts a thread pool when numpy is imported unless told not to; any thread in the
# process slows spaCy's allocation-heavy work by ~15% (see shared/PERFORMANCE.md), and our
# matrices are small. Users who want BLAS threads can set the variable themselves.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"

from .errors import LessonsError, IngestError, ModelError, SetupError  # noqa: E402
from .codebook import Codebook, Theme, load_codebook  # noqa: E402
from .records import Document, Entity, Passage, ThemeScore  # noqa: E402
from .ingest import read_document, read_documents, iter_input_files  # noqa: E402
from .segment import split_passages  # noqa: E402
from .run import run_batch, RunSummary  # noqa: E402

__all__ = [
    "__version__",
    "LessonsError", "IngestError", "ModelError", "SetupError",
    "Codebook", "Theme", "load_codebook",
    "Document", "Entity", "Passage", "ThemeScore",
    "read_document", "read_documents", "iter_input_files", "split_passages",
    "run_batch", "RunSummary",
]
