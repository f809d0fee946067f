"""Worker processes whose time and memory limits are enforced by the parent, not by signals.

A file is read in a worker process so that a parser that crashes, runs out of memory or hangs
costs one error record, never the batch. The parent keeps the clock: each worker says which file
of its task it is on, and a worker that is past its deadline is killed and replaced. That works
even when the reader is stuck inside C code with signals masked, which an alarm in the worker
cannot interrupt, and it needs no signal handler in the worker, so the same work function can run
in a thread (a distributed engine's task).

Workers are forked after the parent has loaded spaCy and the model, so they share those pages
copy-on-write. They die with the parent: a SIGKILLed or OOM-killed parent leaves no worker behind.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger(__name__)

# work(items, at) -> result; it calls at(i) before item i and at(None, words) before the batch stage.
Work = Callable[[list, Callable[..., None]], Any]

BATCH_WORDS_PER_S = 1_000  # ten times slower than spaCy's small model here: only a stuck batch hits it
STARTUP_GRACE_S = 60.0  # a worker's first message may wait on a busy machine; files are timed from it
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Limits:
    """What one file may cost: seconds to read and segment, memory a worker may add (0: no cap)."""

    file_timeout: float = 120.0
    memory_mb: int = 6144


@dataclass(frozen=True)
class Done:
    """A task finished; ``result`` is what the work function returned for ``items``."""

    items: list
    result: Any


@dataclass(frozen=True)
class Failed:
    """One item that cost its worker: ``kind`` is ``timeout``, ``worker_crashed`` or ``internal_error``."""

    item: Any
    kind: str
    stage: str  # "read" (reading or segmenting this file) or "batch" (annotating the task it was in)
    detail: str = ""


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: list | None = None  # the items it is working on
    at: int | None = None  # index of the item being read, None once in the batch stage
    deadline: float = float("inf")


def die_with_parent(parent_pid: int) -> None:
    """End this process when the parent dies, even by SIGKILL: on Linux the kernel sends SIGKILL
    (prctl PR_SET_PDEATHSIG); elsewhere a thread watches for the parent to change."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            log.debug("prctl unavailable; watching the parent instead", exc_info=True)
        else:
            if os.getppid() != parent_pid:  # the parent died before prctl took effect
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def cap_memory(memory_mb: int) -> None:
    """Let this process add at most ``memory_mb`` of address space to what it inherited."""
    if memory_mb <= 0:
        return
    try:
        with open("/proc/self/statm") as fh:
            inherited = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        inherited = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    try:
        limit = inherited + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (OSError, ValueError):
        log.debug("could not cap worker memory", exc_info=True)


def _worker_main(conn: Connection, work: Work, memory_mb: int, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    cap_memory(memory_mb)
    while True:
        try:
            items = conn.recv()
        except (EOFError, OSError):
            return
        if items is None:
            return

        def at(index: int | None, words: int = 0) -> None:
            conn.send(("at", index, words))

        try:
            result = work(items, at)
        except MemoryError:
            conn.send(("raised", "MemoryError: out of memory in the batch stage"))
            continue
        except Exception as exc:  # a bug must cost this task's files, not the batch
            conn.send(("raised", f"{exc.__class__.__name__}: {exc}"[:400]))
            continue
        conn.send(("done", result))


class WorkerPool:
    """Run ``work`` over tasks in ``workers`` processes; results stream back as they finish."""

    def __init__(self, work: Work, workers: int, limits: Limits = Limits()):
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.work, self.n, self.limits = work, workers, limits
        self._ctx = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []

    def run(self, tasks: Iterable[list]) -> Iterator[Done | Failed]:
        """Yield a :class:`Done` per task, or a :class:`Failed` per item that cost a worker.

        When a worker is killed or dies, the other items of its task are run again: those before
        the failing item in a new task, and, if it failed after reading (in the batch stage),
        each item alone, so that the one to blame is found. Order of results is not kept."""
        queue: deque[list] = deque(list(t) for t in tasks)
        try:
            while queue or any(w.task for w in self._workers):
                while queue and (idle := self._idle_worker()) is not None:
                    self._assign(idle, queue.popleft())
                yield from self._collect(queue)
        finally:
            self.close()

    # ---- parent side ------------------------------------------------------------------------------
    def _idle_worker(self) -> _Worker | None:
        for w in self._workers:
            if w.task is None:
                return w
        if len(self._workers) < self.n:
            return self._start()
        return None

    def _start(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe()
        proc = self._ctx.Process(target=_worker_main, args=(child_end, self.work, self.limits.memory_mb, os.getpid()),
                                 daemon=True, name="lessons-worker")
        proc.start()
        child_end.close()
        worker = _Worker(proc, parent_end)
        self._workers.append(worker)
        return worker

    def _assign(self, worker: _Worker, task: list) -> None:
        worker.task, worker.at = task, None
        worker.deadline = time.monotonic() + self.limits.file_timeout + STARTUP_GRACE_S
        try:
            worker.conn.send(task)
        except OSError:
            pass  # the worker died already: _collect sees it

    def _collect(self, queue: deque[list]) -> Iterator[Done | Failed]:
        busy = [w for w in self._workers if w.task is not None]
        timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=timeout))
        now = time.monotonic()
        for w in busy:
            if w.conn in ready or w.process.sentinel in ready:
                yield from self._receive(w, queue)
            elif now >= w.deadline:
                yield from self._requeue(w, queue, "timeout", "", kill=True)

    def _receive(self, w: _Worker, queue: deque[list]) -> Iterator[Done | Failed]:
        try:
            while w.task is not None and w.conn.poll():
                kind, *body = w.conn.recv()
                if kind == "at":
                    index, words = body
                    w.at = index
                    budget = self.limits.file_timeout + (words / BATCH_WORDS_PER_S if index is None else 0)
                    w.deadline = time.monotonic() + budget
                elif kind == "done":
                    task, w.task = w.task, None
                    yield Done(task, body[0])
                else:  # "raised": the work function failed outside a file's own error handling
                    yield from self._requeue(w, queue, "internal_error", body[0], kill=False)
        except (EOFError, OSError):
            pass
        if w.task is not None and not w.process.is_alive():
            yield from self._requeue(w, queue, "worker_crashed", "", kill=True)

    def _requeue(self, w: _Worker, queue: deque[list], kind: str, detail: str, *, kill: bool) -> Iterator[Failed]:
        """Blame the item being read, or the whole batch; give the rest to other workers."""
        items, index = w.task, w.at
        w.task = None
        if kill:
            self._stop(w)
        if index is not None or len(items) == 1:
            at = index or 0
            yield Failed(items[at], kind, "read" if index is not None else "batch", detail)
            rest = items[:at] + items[at + 1:]
            if rest:
                queue.appendleft(rest)
        else:
            queue.extendleft([x] for x in reversed(items))

    def _stop(self, w: _Worker) -> None:
        if w.process.is_alive():
            w.process.kill()
        w.process.join(timeout=10)
        w.conn.close()
        self._workers.remove(w)

    def close(self) -> None:
        """Stop every worker now (a task in flight is abandoned; the journal keeps what finished)."""
        for w in list(self._workers):
            if w.task is None:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        deadline = time.monotonic() + 2
        for w in list(self._workers):
            if w.task is None:
                w.process.join(timeout=max(0.0, deadline - time.monotonic()))
            self._stop(w)
