"""The batch: a folder of documents → passage, document and error records → output files.

Each worker process (``pool.py``) does the whole per-document job (read, segment, spaCy,
classify) and returns small JSON-ready dicts; the parent only writes, to a journal first, so a run
killed at any moment resumes. spaCy and the model are loaded once in the parent, before the
workers are forked, so workers share them copy-on-write.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .config import Settings
from .corrections import Correction, apply_correction, run_corrections
from .duplicates import find_duplicates
from .names import escape_name
from .errors import IngestError, SetupError
from .ingest import SUPPORTED_SUFFIXES, is_hidden_or_lock, iter_input_files, read_documents
from .outputs import (DOCUMENTS, ENTITIES, ERRORS, MANIFEST, PASSAGES, AtomicJsonl, OutputLock, fsync_dir,
                      prepare_out_dir, write_json_atomic)
from .records import Document, PassageRecord, document_json, error_json
from .ingest.language import load_language_model
from .places import gazetteer_places
from .pool import Done, Failed, Limits, WorkerPool
from .segment import split_passages
from .store import Journal, Key, PreviousRun, code_fingerprint, disk_full, file_sha256

log = logging.getLogger(__name__)

DOCS_PER_TASK = 8
DEFAULT_GAZETTEER = Path(__file__).resolve().parent.parent / "corpus" / "gazetteer.toml"
BYTES_PER_TASK = 32 * 1024  # small tasks keep both cores busy to the end of the batch
MAX_DOCUMENT_WORDS = 1_000_000  # ten long reports; beyond it a "document" is a dump and would stall the batch
STAGES = ("read", "segment", "annotate", "entities", "classify")
ENGLISH = ("en", "und")  # "und": under 40 letters, too little to tell, so it is read


@dataclass
class RunSummary:
    """What a run did: counts, timings and where the outputs are."""

    out_dir: Path
    files_seen: int = 0
    documents_ok: int = 0
    documents_failed: int = 0
    skipped_hidden: int = 0
    skipped_links: int = 0
    skipped_output_folders: int = 0
    skipped_language: int = 0
    processed: int = 0
    reused: int = 0
    resumed: int = 0
    dropped: int = 0
    reviewed: int = 0  # passages showing a reviewer's labels (corrections.py)
    duplicates: int = 0  # documents repeating a story kept under another doc_id (duplicates.py)
    duplicate_passages: int = 0
    skipped_unsupported: Counter = field(default_factory=Counter)
    passages: int = 0  # all written, duplicates' too
    words: int = 0
    lessons: int = 0  # lessons and themes count each story once: duplicates' passages are left out
    theme_counts: Counter = field(default_factory=Counter)
    error_kinds: Counter = field(default_factory=Counter)
    seconds: dict = field(default_factory=lambda: {s: 0.0 for s in (*STAGES, "write")})
    wall_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.documents_failed == 0

    def counts(self) -> dict:
        return {
            "files_seen": self.files_seen,
            "documents_ok": self.documents_ok,
            "documents_failed": self.documents_failed,
            "skipped_hidden": self.skipped_hidden,
            "skipped_links": self.skipped_links,
            "skipped_output_folders": self.skipped_output_folders,
            "skipped_language": self.skipped_language,
            "files_processed": self.processed,
            "files_reused": self.reused,
            "files_resumed": self.resumed,
            "files_dropped": self.dropped,
            "skipped_unsupported": sum(self.skipped_unsupported.values()),
            "passages": self.passages,
            "words": self.words,
            "lesson_passages": self.lessons,
            "reviewed_passages": self.reviewed,
            "duplicates": self.duplicates,
            "unique_documents": self.documents_ok - self.duplicates,
            "duplicate_passages": self.duplicate_passages,
        }


# ---- worker side ------------------------------------------------------------------------------
def _nowhere(index: int | None, words: int = 0) -> None:
    """Progress reports go nowhere when the work runs outside a pool."""


@dataclass
class DocumentWork:
    """The whole per-file job (read, segment, annotate, classify), as a worker runs it.

    Called with a few ``(path, doc_id)`` files and ``at``, which it calls before reading each file
    and before the batch stage, so that the parent can time each file. It returns one entry of
    JSON-ready records per file; an unreadable file is an error record in its entry, not an exception.
    """

    nlp: Any
    model: Any
    settings: Settings

    def __call__(self, tasks: list[tuple[str, str]], at: Callable[..., None] = _nowhere) -> tuple[list[dict], dict]:
        from .annotate import document_entities

        times = dict.fromkeys(STAGES, 0.0)
        entries: list[dict] = []
        pending: list[tuple[dict, Document, list]] = []  # (entry, document, passages)
        for i, (path, doc_id) in enumerate(tasks):
            at(i)
            entry: dict = {"source": doc_id, "documents": [], "passages": [], "errors": []}
            entries.append(entry)
            for item in self._read(path, doc_id, times):
                if isinstance(item, tuple):
                    pending.append((entry, *item))
                    entry["documents"].append(None)  # filled in below, keeping item order
                elif "error" in item:
                    entry["errors"].append(item)
                else:
                    entry["documents"].append(item)

        all_passages = [p for _, _, ps in pending for p in ps]
        at(None, sum(len(p.text.split()) for p in all_passages))
        t0 = time.perf_counter()
        entities: list = []
        spent: dict = {}
        for ents in document_entities(self.nlp, (([p.text for p in passages], doc.published)
                                                 for _, doc, passages in pending), timings=spent):
            entities += ents  # names, acronyms and labels are settled per document
        times["entities"] += spent.get("entities", 0.0)
        times["annotate"] += time.perf_counter() - t0 - spent.get("entities", 0.0)
        t0 = time.perf_counter()
        classes = self.model.classify([p.text for p in all_passages])
        times["classify"] += time.perf_counter() - t0

        k = 0
        for entry, doc, passages in pending:
            for p in passages:
                entry["passages"].append(PassageRecord(p, entities[k], classes[k], self.model.model_id).to_json())
                k += 1
            slot = entry["documents"].index(None)
            entry["documents"][slot] = document_json(doc, len(passages)) | {"source": entry["source"]}
        return entries, times

    def _read(self, path: str, doc_id: str, times: dict) -> list:
        """Records of one file: error and skipped-document dicts, and (document, passages) to annotate."""
        s = self.settings
        t0, segmenting = time.perf_counter(), times["segment"]
        found: list = []
        try:
            for item_id, item in read_documents(path, doc_id, max_bytes=s.max_bytes, max_pdf_pages=s.max_pdf_pages,
                                            feed_fields=s.feeds):
                if isinstance(item, IngestError):
                    found.append(_error(path, item_id, doc_id, item.kind, str(item)))
                elif item.language not in ENGLISH:
                    found.append(document_json(item, 0, status="skipped_language") | {"source": doc_id})
                else:
                    t1 = time.perf_counter()
                    passages = split_passages(item)
                    times["segment"] += time.perf_counter() - t1
                    n_words = sum(len(p.text.split()) for p in passages)
                    if n_words > MAX_DOCUMENT_WORDS:
                        found.append(_error(path, item_id, doc_id, "too_large",
                                            f"{item_id}: {n_words:,} words is over the {MAX_DOCUMENT_WORDS:,}-word limit "
                                            "for one document; split the file into smaller documents"))
                        continue
                    found.append((item, passages))
        except MemoryError:
            found = [_error(path, doc_id, doc_id, "too_large",
                            f"{doc_id}: reading needed more than the {s.worker_memory_mb} MB "
                            "a worker may add (worker_memory_mb in lessons.toml)")]
        except Exception as exc:  # a reader bug must cost one file, not the batch
            log.debug("unexpected failure on %s", doc_id, exc_info=True)
            found = [_error(path, doc_id, doc_id, "internal_error",
                            f"{doc_id}: could not be processed ({exc.__class__.__name__}: {exc})"[:500])]
        times["read"] += time.perf_counter() - t0 - (times["segment"] - segmenting)
        return found


def _error(path: str, doc_id: str, source: str, kind: str, message: str) -> dict:
    return error_json(path, kind, message) | {"doc_id": doc_id, "source": source}


# ---- parent side ------------------------------------------------------------------------------
def _chunks(items: list[tuple[str, str]], size: int) -> Iterable[list[tuple[str, str]]]:
    """Group files into tasks of at most ``size`` files and about BYTES_PER_TASK bytes."""
    chunk: list[tuple[str, str]] = []
    total = 0
    for item in items:
        try:
            total += os.stat(item[0]).st_size
        except OSError:
            pass  # the worker reports the unreadable file
        chunk.append(item)
        if len(chunk) >= size or total >= BYTES_PER_TASK:
            yield chunk
            chunk, total = [], 0
    if chunk:
        yield chunk


def discover(docs_dir: Path, summary: RunSummary, out_dir: Path | None = None) -> list[tuple[str, str]]:
    """The files to process, with hidden/lock files, unsupported types and bad links counted, not
    processed. The run's own output folder is never read as input, even when it lies inside it."""

    def skipped_link(doc_id: str, reason: str) -> None:
        if reason.startswith("an earlier lessons output"):
            summary.skipped_output_folders += 1
        else:
            summary.skipped_links += 1

    tasks = []
    for path, doc_id in iter_input_files(docs_dir, exclude=out_dir, skipped=skipped_link):
        summary.files_seen += 1
        if any(is_hidden_or_lock(part) for part in doc_id.split("/")):
            summary.skipped_hidden += 1
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            summary.skipped_unsupported[path.suffix.lower() or "(none)"] += 1
        else:
            tasks.append((str(path), doc_id))
    return tasks


def _failure_entry(failed: Failed, settings: Settings) -> dict:
    """The error record of a file that cost its worker: it hung, or the process died on it."""
    path, doc_id = failed.item
    doing = "reading" if failed.stage == "read" else "annotating"
    if failed.kind == "timeout":
        limit = f"{settings.file_timeout:g} s" + (" and its share of the batch time" if failed.stage == "batch" else "")
        message = f"{doc_id}: {doing} took longer than {limit}; skipped (file_timeout in lessons.toml)"
    elif failed.kind == "worker_crashed":
        message = f"{doc_id}: the worker process died while {doing} this file"
    else:
        message = f"{doc_id}: could not be processed ({failed.detail})"[:500]
    return {"source": doc_id, "documents": [], "passages": [], "errors": [_error(path, doc_id, doc_id, failed.kind, message)]}


def run_batch(
    docs_dir: str | Path,
    out_dir: str | Path,
    settings: Settings | None = None,
    *,
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Process every supported file under ``docs_dir`` and write the output files to ``out_dir``.

    ``settings`` holds every knob (defaults: ``Settings()``). Raises :class:`SetupError` or
    :class:`ModelError` when the run cannot start; a file that cannot be read becomes a record
    in ``errors.jsonl`` and the batch goes on. Reviewers' decisions in ``out_dir/corrections.jsonl``
    (and in ``settings.corrections``) are applied when the files are assembled, so they need no reprocessing.
    """
    from .codebook import load_codebook
    from .modelstore import DEFAULT_MODEL_DIR, load_card

    settings = settings or Settings()
    started_wall = time.perf_counter()
    started = datetime.now(timezone.utc)
    docs_dir, out_dir = Path(docs_dir), Path(out_dir)
    if not docs_dir.is_dir():
        what = "is a file, not a folder (give the folder that holds it)" if docs_dir.exists() else "not found"
        raise SetupError(f"input folder {docs_dir} {what}", kind="docs_dir")
    settings.check()
    codebook = load_codebook(settings.codebook)
    from .ingest import feeds

    try:
        feeds.feed_fields(settings.feeds)  # checked now: a worker would find out file by file
    except ValueError as exc:
        raise SetupError(str(exc), kind="config") from None
    model_dir = Path(settings.model or DEFAULT_MODEL_DIR)
    card = load_card(model_dir, codebook)  # the fitted model is loaded only if some file needs it
    prepare_out_dir(out_dir, docs_dir, force=force)
    correction_files, decisions = run_corrections(out_dir, settings.corrections, codebook.ids)  # a bad file fails now

    summary = RunSummary(out_dir=out_dir)
    tasks = discover(docs_dir, summary, out_dir)
    gazetteer = Path(settings.gazetteer) if settings.gazetteer else (
        DEFAULT_GAZETTEER if DEFAULT_GAZETTEER.is_file() else None)
    if gazetteer is not None and not gazetteer.is_file():
        raise SetupError(f"gazetteer not found: {gazetteer}", kind="gazetteer")
    gaz_hash = hashlib.sha256(gazetteer.read_bytes()).hexdigest()[:12] if gazetteer else "none"
    # What changes how a file is read into text must change the key, or stale records are reused.
    # Size and page limits only decide whether a file fails; failed files are read again anyway.
    reading = json.dumps(settings.feeds or {}, sort_keys=True)
    reading_hash = hashlib.sha256(reading.encode()).hexdigest()[:12]
    from .annotate import resolve_spacy_model, tuned_ner_id

    ner = f"{resolve_spacy_model(settings.spacy_model)}:{tuned_ner_id(settings.spacy_model) or 'as-shipped'}"
    key = Key(classifier=card["id"], codebook=codebook.fingerprint,
              tool=f"{__version__}+code:{code_fingerprint()}+gazetteer:{gaz_hash}+reading:{reading_hash}+ner:{ner}")
    with OutputLock(out_dir):
        journal = Journal(out_dir, key)
        try:
            previous = PreviousRun(out_dir, docs_dir, key)
            hashes: dict[str, str] = {}
            todo: list[tuple[str, str]] = []
            for path, rel in tasks:
                try:
                    hashes[rel] = file_sha256(Path(path), rel)
                except IngestError as exc:
                    hashes[rel] = ""
                    journal.append([{"source": rel, "sha256": "", "documents": [], "passages": [],
                                     "errors": [_error(path, rel, rel, exc.kind, str(exc))]}])
                    continue
                if journal.has(rel, hashes[rel]):
                    summary.resumed += 1
                elif previous.has(rel, hashes[rel]):
                    summary.reused += 1
                else:
                    todo.append((path, rel))
            summary.dropped = len(set(previous.files) - set(hashes))
            spacy_info = _process(todo, hashes, journal, summary, settings, (model_dir, codebook), gazetteer,
                                  on_progress)
            t0 = time.perf_counter()
            _assemble(out_dir, [rel for _, rel in tasks], hashes, journal, previous, summary, decisions,
                      settings.duplicate_threshold)
            summary.seconds["write"] += time.perf_counter() - t0
            summary.wall_seconds = time.perf_counter() - started_wall
            try:
                write_json_atomic(out_dir / MANIFEST, _manifest(summary, started, docs_dir, out_dir, codebook, card,
                                                                spacy_info, settings)
                                 | {"gazetteer": str(gazetteer) if gazetteer else None, "reuse_key": key.tool,
                                    "files": hashes, "corrections": [escape_name(str(p)) for p in correction_files]})
            except OSError as exc:
                raise disk_full(exc, out_dir / MANIFEST) from None
            journal.remove()
        finally:
            journal.close()
    return summary


def _process(todo: list[tuple[str, str]], hashes: dict[str, str], journal: Journal, summary: RunSummary,
             settings: Settings, model: tuple, gazetteer: Path | None,
             on_progress: Callable[[int, int], None] | None) -> dict:
    """Run the files that need it through the worker pool (or a Dask cluster), journaling each finished task."""
    from .annotate import load_spacy, resolve_spacy_model, spacy_model_info

    if not todo:  # nothing changed: no spaCy, no classifier
        return {"pipeline": resolve_spacy_model(settings.spacy_model), "loaded": False}
    if settings.scheduler:  # the cluster's workers load spaCy and the model; this process only writes
        from .cluster import DaskPool, Model

        pool = DaskPool(settings, Model.of(model[1], model[0], gazetteer, ship=settings.ship_files))
    else:
        from .modelstore import load_model

        fitted, _ = load_model(*model)
        nlp = load_spacy(settings.spacy_model, gazetteer)
        gazetteer_places()  # read once here, shared by the forked workers instead of read in each
        load_language_model()
        gc.freeze()  # keep the collector from touching (and so copying) pages the workers share with us
        pool = WorkerPool(DocumentWork(nlp, fitted, settings), settings.workers,
                          Limits(settings.file_timeout, settings.worker_memory_mb))
    done = 0
    if on_progress:
        on_progress(0, len(todo))
    for outcome in pool.run(_chunks(todo, DOCS_PER_TASK)):
        if isinstance(outcome, Done):
            entries, times = outcome.result
            for stage, secs in times.items():
                summary.seconds[stage] += secs
        else:
            entries = [_failure_entry(outcome, settings)]
        t0 = time.perf_counter()
        for entry in entries:
            entry["sha256"] = hashes[entry["source"]]
        journal.append(entries)
        summary.processed += len(entries)
        summary.seconds["write"] += time.perf_counter() - t0
        done += len(entries)
        if on_progress:
            on_progress(done, len(todo))
    return pool.spacy_info if settings.scheduler else spacy_model_info(nlp)


def _entries(sources: list[str], hashes: dict[str, str], journal: Journal, previous: PreviousRun) -> Iterable[dict]:
    """The records of every file, in input order: this run's from the journal, unchanged files' from the last run."""
    for rel in sources:
        if journal.has(rel, hashes[rel]):
            yield journal.read(rel)
        elif previous.has(rel, hashes[rel]):
            yield previous.read(rel)


def _assemble(out_dir: Path, sources: list[str], hashes: dict[str, str], journal: Journal, previous: PreviousRun,
              summary: RunSummary, decisions: dict[str, Correction], duplicate_threshold: float) -> None:
    """Write the final files in input order from the journal and the reused records, then swap them in.

    Reviewers' ``decisions`` are applied here, to new and reused records alike, so a changed
    corrections file takes effect without processing any document again. Duplicates are marked
    here too, over all documents of the run at once, so a re-run marks what a fresh run would;
    their records are written, but lessons, themes and entities count each story once."""
    kept = find_duplicates((doc for entry in _entries(sources, hashes, journal, previous) for doc in entry["documents"]),
                           duplicate_threshold)
    writers = {name: AtomicJsonl(out_dir / name) for name in (PASSAGES, DOCUMENTS, ERRORS, ENTITIES)}
    names = EntityIndex()
    try:
        for entry in _entries(sources, hashes, journal, previous):
            for err in entry["errors"]:
                writers[ERRORS].write(err)
                summary.documents_failed += 1
                summary.error_kinds[err["error"]] += 1
            for doc in entry["documents"]:
                doc["duplicate_of"] = kept.get(doc["doc_id"])
                writers[DOCUMENTS].write(doc)
                if doc["status"] == "skipped_language":
                    summary.skipped_language += 1
                else:
                    summary.documents_ok += 1
                    summary.duplicates += doc["duplicate_of"] is not None
            for rec in entry["passages"]:
                rec = apply_correction(rec, decisions) | {"duplicate_of": kept.get(rec["doc_id"])}
                summary.reviewed += rec["reviewed"]
                writers[PASSAGES].write(rec)
                summary.passages += 1
                summary.words += len(rec["text"].split())
                if rec["duplicate_of"] is not None:
                    summary.duplicate_passages += 1
                    continue
                names.add(rec)
                summary.lessons += rec["is_lesson"]
                summary.theme_counts.update(t["id"] for t in rec["themes"])
        for rec in names.records():
            writers[ENTITIES].write(rec)
        # The old manifest goes first: if we die between renames, the next run trusts no old record.
        (out_dir / MANIFEST).unlink(missing_ok=True)
        for w in writers.values():
            w.commit()
        fsync_dir(out_dir)
    except OSError as exc:
        for w in writers.values():
            w.discard()
        raise disk_full(exc, out_dir) from None
    except BaseException:
        for w in writers.values():
            w.discard()
        raise


class EntityIndex:
    """Canonical names across the run: label, spelling variants, how many documents and passages."""

    def __init__(self) -> None:
        self.variants: dict[tuple[str, str], Counter] = {}
        self.docs: dict[tuple[str, str], set] = {}
        self.passages: Counter = Counter()

    def add(self, rec: dict) -> None:
        seen = set()
        for e in rec["entities"]:
            if e["label"] == "DATE":
                continue
            k = (e.get("norm") or e["text"], e["label"])
            self.variants.setdefault(k, Counter())[e["text"]] += 1
            self.docs.setdefault(k, set()).add(rec["doc_id"])
            seen.add(k)
        self.passages.update(seen)

    def records(self) -> list[dict]:
        keys = sorted(self.variants, key=lambda k: (-self.passages[k], k))
        return [{"name": k[0], "label": k[1], "variants": [v for v, _ in self.variants[k].most_common()],
                 "documents": len(self.docs[k]), "passages": self.passages[k], "mentions": sum(self.variants[k].values())}
                for k in keys]


def _manifest(summary: RunSummary, started: datetime, docs_dir: Path, out_dir: Path, codebook, card: dict,
              spacy_info: dict, settings: Settings) -> dict:
    return {
        "tool": "cluster-lessons",
        "versions": {
            "tool": __version__,
            "python": platform.python_version(),
            **spacy_info,
            "classifier": card.get("id"),
            "codebook": codebook.fingerprint,
            **{k: v for k, v in card.get("libraries", {}).items()},
        },
        "docs_dir": escape_name(str(docs_dir.resolve())),
        "out_dir": escape_name(str(out_dir.resolve())),
        "codebook_path": codebook.source,
        "settings": settings.to_json() | {"docs_per_task": DOCS_PER_TASK, "pid": os.getpid()},
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "counts": summary.counts(),
        "skipped_unsupported": dict(summary.skipped_unsupported),
        "error_kinds": dict(summary.error_kinds),
        "themes": {t: summary.theme_counts.get(t, 0) for t in codebook.ids},
        "seconds": {**{k: round(v, 3) for k, v in summary.seconds.items()}, "total": round(summary.wall_seconds, 3)},
    }
