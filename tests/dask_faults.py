"""Worker preload for test_cluster.py: reading a file whose name holds ``kills-its-worker`` kills the Dask
worker itself, as a node's OOM killer or a hardware fault would.

No file can do that for real: each task reads its files in a child process, so a crashing reader costs the
child only. This is how the tests reach the path for workers that die anyway.
"""

from __future__ import annotations

import os
import signal

import pipeline.run

_read_documents = pipeline.run.read_documents


def _read_or_kill_the_worker(path, doc_id, **options):
    if "kills-its-worker" in doc_id:
        os.kill(os.getppid(), signal.SIGKILL)  # the child's parent is the Dask worker that forked it
    return _read_documents(path, doc_id, **options)


def dask_setup(worker) -> None:
    pipeline.run.read_documents = _read_or_kill_the_worker
