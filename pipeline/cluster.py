"""The batch's tasks on a Dask cluster, with the same results as this machine's worker pool.

:class:`DaskPool` has the interface of :class:`~pipeline.pool.WorkerPool` (``run`` yields ``Done``
and ``Failed``), so ``run.py`` only chooses which one to use and stays the only writer of the journal
and the outputs. Each Dask worker loads spaCy and the model once, in a worker plugin. Dask runs
tasks in threads, where no signal can stop a stuck reader, so a task runs its files in a
one-process ``WorkerPool`` forked from the worker: the per-file deadline and memory cap hold
exactly as in a local run, and a file that crashes its reader costs one error record, not the worker.

A worker that dies anyway (the node fails, the OOM killer picks the worker) is Dask's to replace:
the scheduler runs its task again, and gives up on a task that has killed ``allowed-failures`` + 1
workers (``local:N`` sets 1). Such a batch is retried file by file, and a file that still kills
its worker when it runs alone on the cluster is recorded as ``worker_crashed``.

Dask is imported only here, and this module only when a run is given a scheduler.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import signal
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import SetupError
from .names import escape_name
from .pool import Done, Failed, Limits, WorkerPool

try:
    import dask
    from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
    from distributed.scheduler import KilledWorker
except ImportError:  # the optional extra; the pool says how to install it
    dask = None
    WorkerPlugin = object

log = logging.getLogger(__name__)

ALLOWED_FAILURES = 1  # a task that kills two workers is given up, then retried file by file
TASKS_PER_THREAD = 2  # tasks in flight per worker thread: enough to hide the round trip, and it bounds
# what the client holds (shipped bytes) and what Ctrl-C has to cancel
WORKERS_REFRESH_S = 1.0  # how often the client asks the scheduler how many threads it has
DAEMON_HINT = ("start Dask workers with DASK_DISTRIBUTED__WORKER__DAEMON=False (`dask worker` runs its worker "
               "as a daemonic process, which may not fork the child process that enforces per-file limits)")
INSTALL_HINT = "install the Dask extra with `make dask` (or pip install -e '.[dask]')"
# Read once by each worker after loading, so that what spaCy, the readers and the classifier set up on
# first use (a second per file otherwise) is inherited by every task's child, not redone in each.
WARM_UP = {
    "warm-up.txt": "The Baltic hydrogen cluster met its partners in Tallinn on 4 March 2024. The evaluators found "
                   "that shared test sites helped small firms join their first European project.",
    "warm-up.html": "<html><head><title>Cluster news</title></head><body><article><h1>Twin clusters</h1><p>The ports "
                    "of Vigo and Porto agreed to run one calendar of joint missions for their start-ups in 2025."
                    "</p></article></body></html>",
}


@dataclass(frozen=True)
class Shipped:
    """A file's bytes, for workers without the shared disk. A file over the size limit is not sent:
    ``data`` is None and the worker refuses a stand-in of the same ``size``, as it would the file.
    A file the client could not read (``size`` None) is left out, and the worker reports it missing."""

    size: int | None
    data: bytes | None = None

    @classmethod
    def of(cls, path: Path, max_bytes: int) -> Shipped:
        try:
            size = path.stat().st_size
            return cls(size, None if size > max_bytes else path.read_bytes())
        except OSError:
            return cls(None)


@dataclass(frozen=True)
class Model:
    """Where a worker finds the fitted model and the gazetteer: paths it shares with the client, or
    their bytes when the files are shipped (``files`` maps a model file's name to its bytes)."""

    codebook: Any
    model_dir: str
    gazetteer: str | None
    files: dict[str, bytes] | None = None
    gazetteer_bytes: bytes | None = None

    @classmethod
    def of(cls, codebook: Any, model_dir: Path, gazetteer: Path | None, *, ship: bool) -> Model:
        if not ship:  # absolute: a worker's working folder is not the client's
            return cls(codebook, str(model_dir.resolve()), str(gazetteer.resolve()) if gazetteer else None)
        files = {p.name: p.read_bytes() for p in sorted(model_dir.iterdir()) if p.is_file()}
        return cls(codebook, model_dir.name, gazetteer and gazetteer.name, files,
                   gazetteer.read_bytes() if gazetteer else None)

    def on_disk(self, folder: Path) -> tuple[Path, Path | None]:
        """The model directory and gazetteer as paths, written under ``folder`` when shipped."""
        if self.files is None:
            return Path(self.model_dir), Path(self.gazetteer) if self.gazetteer else None
        model_dir = folder / self.model_dir
        model_dir.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (model_dir / name).write_bytes(data)
        gazetteer = None
        if self.gazetteer_bytes is not None:
            gazetteer = folder / self.gazetteer
            gazetteer.write_bytes(self.gazetteer_bytes)
        return model_dir, gazetteer


class LessonsPlugin(WorkerPlugin):
    """Loads spaCy, the model and the reference data once per worker; tasks borrow ``work``."""

    def __init__(self, settings: Settings, model: Model):
        self.settings, self.model = settings, model
        self.work: Any = None
        self.limits = Limits(settings.file_timeout, settings.worker_memory_mb)
        self.spacy_info: dict = {}
        self.folder: Path | None = None

    async def setup(self, worker) -> None:
        if multiprocessing.current_process().daemon:
            raise SetupError(DAEMON_HINT, kind="scheduler")
        self.folder = Path(tempfile.mkdtemp(prefix="lessons-", dir=worker.local_directory))
        await asyncio.to_thread(self._load)  # seconds of loading must not stall the worker's heartbeat

    def _load(self) -> None:
        from .annotate import load_spacy, spacy_model_info
        from .ingest.language import load_language_model
        from .modelstore import load_model
        from .places import gazetteer_places
        from .run import DocumentWork

        model_dir, gazetteer = self.model.on_disk(self.folder / "model")
        fitted, _ = load_model(model_dir, self.model.codebook)
        nlp = load_spacy(self.settings.spacy_model, gazetteer)
        gazetteer_places()
        load_language_model()
        self.spacy_info = spacy_model_info(nlp)
        work = DocumentWork(nlp, fitted, self.settings)
        for name, text in WARM_UP.items():
            (self.folder / name).write_text(text, encoding="utf-8")
        work([(str(self.folder / name), name) for name in WARM_UP])
        gc.freeze()  # as in a local run: the collector must not copy the pages each task's child shares
        self.work = work

    def teardown(self, worker) -> None:
        import shutil

        self.work = None  # an unregistered run frees a shared cluster's memory
        gc.unfreeze()  # or the model's reference cycles, frozen at setup, would never be collected
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def dask_setup(worker) -> None:
    """Preload of ``local:N`` workers: Ctrl-C in the terminal reaches them too, but stopping them is
    the client's job (a traceback from each worker would bury the run's own message)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_files(plugin_name: str, items: list[tuple[str, str]], shipped: list[Shipped] | None) -> tuple[list, dict]:
    """The Dask task: run ``items`` in a child process of this worker; return the pool's outcomes
    (with the client's paths in them) and the spaCy pipeline that made them."""
    worker = get_worker()
    plugin = worker.plugins.get(plugin_name)
    if plugin is None or plugin.work is None:
        raise RuntimeError(f"worker {worker.address} has not loaded the model (see its log); {DAEMON_HINT}")
    pool = WorkerPool(plugin.work, 1, plugin.limits)
    if shipped is None:
        return list(pool.run([items])), plugin.spacy_info
    with tempfile.TemporaryDirectory(dir=plugin.folder, ignore_cleanup_errors=True) as tmp:  # teardown may win
        local = [_unpack(Path(tmp) / str(i), path, doc_id, s) for i, ((path, doc_id), s) in
                 enumerate(zip(items, shipped))]
        outcomes = list(pool.run([local]))
    return [_with_paths(o, dict(zip(local, items))) for o in outcomes], plugin.spacy_info


def _unpack(folder: Path, path: str, doc_id: str, shipped: Shipped) -> tuple[str, str]:
    folder.mkdir()
    target = folder / Path(path).name  # same name, same suffix: the reader is chosen by it
    if shipped.size is None:
        return str(target), doc_id
    with target.open("wb") as fh:
        if shipped.data is None:
            fh.truncate(shipped.size)  # sparse: the size check refuses it before any byte is read
        else:
            fh.write(shipped.data)
    return str(target), doc_id


def _with_paths(outcome: Done | Failed, original: dict[tuple[str, str], tuple[str, str]]) -> Done | Failed:
    """The outcome as if the worker had read the client's files: records name the client's paths."""
    if isinstance(outcome, Failed):
        return Failed(original[outcome.item], outcome.kind, outcome.stage, outcome.detail)
    back = {escape_name(tmp[0]): escape_name(orig[0]) for tmp, orig in original.items()}
    entries, times = outcome.result
    for entry in entries:
        for rec in entry["documents"] + entry["errors"]:
            rec["path"] = back.get(rec["path"], rec["path"])
    return Done([original[item] for item in outcome.items], (entries, times))


class DaskPool:
    """Run the batch's tasks on a Dask cluster; results stream back to this process as they finish.

    ``settings.scheduler`` is a scheduler's address or ``local:N`` (a cluster of N single-threaded
    worker processes on this machine, closed with the pool)."""

    def __init__(self, settings: Settings, model: Model):
        if dask is None:
            raise SetupError(f"--scheduler needs Dask: {INSTALL_HINT}", kind="setup")
        self.settings, self.spacy_info = settings, {}
        self.plugin_name = f"cluster-lessons-{uuid.uuid4().hex[:8]}"  # runs sharing a cluster keep their own model
        self._stack = ExitStack()
        self._threads, self._asked = 1, 0.0
        try:
            self.client = self._connect()
            self.client.register_plugin(LessonsPlugin(settings, model), name=self.plugin_name)
        except SetupError:
            self.close()
            raise
        except Exception as exc:  # connection refused, a worker that could not load the model, …
            self.close()
            raise SetupError(f"Dask cluster {settings.scheduler}: {exc}", kind="scheduler") from None

    def _connect(self) -> Client:
        # distributed sets its loggers to INFO when imported; the run's own level (-v) decides instead.
        logging.getLogger("distributed").setLevel(logging.NOTSET)
        n = self.settings.local_workers
        if n is None:
            return self._stack.enter_context(Client(self.settings.scheduler))
        # Set for the pool's lifetime: the nanny reads these again when it replaces a dead worker.
        self._stack.enter_context(dask.config.set({"distributed.worker.daemon": False,
                                                   "distributed.worker.preload": [__name__],
                                                   "distributed.scheduler.allowed-failures": ALLOWED_FAILURES}))
        cluster = self._stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                         dashboard_address=":0"))
        return self._stack.enter_context(Client(cluster))

    def run(self, tasks: Iterable[list]) -> Iterator[Done | Failed]:
        """Yield a :class:`Done` per task, or a :class:`Failed` per file that cost a worker.

        Tasks are submitted a few per worker thread at a time. A task whose workers died is split
        into one task per file. Dask blames every task a dying worker held, so a file whose task
        dies again is run once more with nothing beside it, and only a file that kills its worker
        alone is ``worker_crashed``."""
        fresh = iter(tasks)
        retry: deque[list] = deque()  # the files of a task whose workers died, one task each
        suspects: deque[list] = deque()  # single files whose worker died while other tasks ran
        running: dict[Any, list] = {}
        alone: set = set()  # the suspect running with nothing beside it
        done = as_completed()

        def submit(items: list) -> Any:
            future = self.client.submit(run_files, self.plugin_name, items, self._shipped(items), pure=False)
            running[future] = items
            done.add(future)
            return future

        def top_up() -> None:
            while not alone:
                if suspects:
                    if not running:  # the cluster has drained: the suspect runs by itself
                        alone.add(submit(suspects.popleft()))
                    return
                if len(running) >= TASKS_PER_THREAD * self._thread_count():
                    return
                items = retry.popleft() if retry else next(fresh, None)
                if items is None:
                    return
                submit(items)

        try:
            top_up()
            for future in done:
                items = running.pop(future)
                if future.status == "finished":
                    outcomes, self.spacy_info = future.result()
                    yield from outcomes
                elif future.status == "error" and isinstance(exc := future.exception(), KilledWorker):
                    if len(items) > 1:
                        retry.extend([item] for item in items)
                    elif future in alone:
                        yield Failed(items[0], "worker_crashed", "batch", str(exc))
                    else:
                        suspects.append(items)
                else:  # not a file's fault: the run cannot go on (files finished so far stay journaled)
                    why = future.exception() if future.status == "error" else future.status
                    raise SetupError(f"a task failed on the Dask cluster: {why}", kind="scheduler")
                alone.discard(future)
                future.release()
                top_up()
        finally:
            with suppress(Exception):  # Ctrl-C: nothing keeps running for a run that is over
                self.client.cancel(list(running))
            self.close()

    def _thread_count(self) -> int:
        """Worker threads on the cluster now (at least 1); workers come and go, so it is asked again."""
        if time.monotonic() - self._asked > WORKERS_REFRESH_S:
            self._threads = max(1, sum(self.client.nthreads().values()))
            self._asked = time.monotonic()
        return self._threads

    def _shipped(self, items: list[tuple[str, str]]) -> list[Shipped] | None:
        if not self.settings.ship_files:
            return None
        return [Shipped.of(Path(path), self.settings.max_bytes) for path, _ in items]

    def close(self) -> None:
        """Unload the model from the workers, disconnect, and stop a ``local:N`` cluster."""
        client = getattr(self, "client", None)
        if client is not None and client.status == "running":
            with suppress(Exception):  # a cluster that is going away needs no tidying
                client.unregister_worker_plugin(self.plugin_name)
        with suppress(Exception):
            self._stack.close()
