"""What makes runs incremental and resumable: a journal of finished files and the previous outputs.

Every file's records (its documents, passages and errors) are appended to ``.work/journal.jsonl``
as one line and fsynced per batch, so a run killed at any moment keeps what it finished. The
final files are assembled at the end, in input order, from the journal and from the previous
run's records of files whose content, classifier and codebook are unchanged; then they replace
the old ones by rename. Only byte offsets are kept in memory, never the records themselves.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import IngestError, LessonsError
from .outputs import DOCUMENTS, ERRORS, MANIFEST, PASSAGES, dumps, fsync_dir, same_folder

WORK = ".work"
JOURNAL = "journal.jsonl"


log = logging.getLogger(__name__)


class DiskFullError(LessonsError):
    kind = "disk_full"


def disk_full(exc: OSError, where: Path) -> LessonsError:
    if exc.errno == errno.ENOSPC:
        return DiskFullError(f"the disk is full while writing {where}; free some space and run again "
                             "(finished files are kept and will not be processed twice)")
    return LessonsError(f"cannot write {where}: {exc.strerror or exc}", kind="write_error")


def file_sha256(path: Path, doc_id: str) -> str:
    """Hash of a regular file's bytes; FIFOs, devices and unreadable files raise IngestError at once."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise IngestError(f"{doc_id}: cannot be read ({exc.strerror or exc})", kind="unreadable") from None
    if not stat.S_ISREG(st.st_mode):
        raise IngestError(f"{doc_id}: not a regular file (a pipe, socket or device); skipped", kind="not_a_file")
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise IngestError(f"{doc_id}: cannot be read ({exc.strerror or exc})", kind="unreadable") from None
    return h.hexdigest()


_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=4)
def code_fingerprint(package: Path = _PACKAGE) -> str:
    """A hash of the code and data that turn a file into records (the package's modules outside the
    CLI, and the place list): a new version of a rule must not leave earlier records reused as if
    nothing had changed. Model weights are covered by the classifier and NER ids."""
    h = hashlib.sha256()
    files = sorted(p for p in package.rglob("*.py") if "cli" not in p.relative_to(package).parts)
    for path in [*files, package / "data" / "places.tsv"]:
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


@dataclass(frozen=True)
class Key:
    """What must be unchanged for a file's records to be reused."""

    classifier: str
    codebook: str
    tool: str = ""


class Journal:
    """Append-only record of files finished by this run (or by an interrupted one with the same key)."""

    def __init__(self, out_dir: Path, key: Key):
        self.dir = out_dir / WORK
        self.path = self.dir / JOURNAL
        self.key = key
        self.index: dict[str, tuple[str, int, int]] = {}  # source -> (sha256, offset, length)
        self.dir.mkdir(exist_ok=True)
        self._load()
        new = not self.path.exists()
        self._fh = self.path.open("ab")
        if new:
            fsync_dir(self.dir)

    def _load(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            header = fh.readline()
            try:
                head = json.loads(header)
            except (json.JSONDecodeError, UnicodeDecodeError):
                head = {}
            if (head.get("classifier"), head.get("codebook"), head.get("tool")) != (self.key.classifier, self.key.codebook,
                                                                                  self.key.tool):
                fh.close()
                self.path.unlink()  # made with another model or codebook: nothing in it is valid now
                return
            offset = good_end = len(header)
            for line in fh:
                try:
                    if not line.endswith(b"\n"):
                        raise ValueError("torn line")
                    entry = json.loads(line)
                    self.index[entry["source"]] = (entry["sha256"], offset, len(line))
                    good_end = offset + len(line)
                except (ValueError, UnicodeDecodeError, KeyError, TypeError):
                    pass  # a line torn by a kill: that file is simply processed again
                offset += len(line)
        # Cut a torn tail so new entries start on a line of their own.
        if good_end != offset:
            with self.path.open("r+b") as fh:
                fh.truncate(good_end)

    def has(self, source: str, sha256: str) -> bool:
        found = self.index.get(source)
        return found is not None and found[0] == sha256

    def append(self, entries: list[dict]) -> None:
        """Write finished files and force them to disk before they count as done."""
        try:
            if self._fh.tell() == 0:
                self._fh.write(json.dumps({"classifier": self.key.classifier, "codebook": self.key.codebook,
                                           "tool": self.key.tool}).encode() + b"\n")
            for entry in entries:
                line = dumps(entry).encode("utf-8") + b"\n"
                offset = self._fh.tell()
                self._fh.write(line)
                self.index[entry["source"]] = (entry["sha256"], offset, len(line))
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise disk_full(exc, self.path) from None

    def read(self, source: str) -> dict:
        _, offset, length = self.index[source]
        with self.path.open("rb") as fh:
            fh.seek(offset)
            return json.loads(fh.read(length))

    def close(self) -> None:
        if not self._fh.closed:
            try:
                self._fh.close()
            except OSError:
                # On a full disk the buffer still holds the entry that did not fit: it was never
                # committed, and the torn line it may leave is cut off when the journal is reopened.
                log.debug("journal closed with unwritten data", exc_info=True)

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


# Failures that may not happen again (a limit was raised, the machine was busy, a bug was fixed):
# such files are read again on the next run instead of reusing their error record.
RETRY_KINDS = frozenset({"timeout", "too_large", "worker_crashed", "internal_error", "unreadable", "not_a_file"})


class PreviousRun:
    """The records of the last completed run in this folder, indexed by source file."""

    def __init__(self, out_dir: Path, docs_dir: Path, key: Key):
        self.out_dir = out_dir
        self.files: dict[str, str] = {}
        self.retry: set[str] = set()
        self.lines: dict[str, dict[str, list[tuple[int, int]]]] = {}
        try:
            manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            return
        versions = manifest.get("versions", {})
        if (versions.get("classifier") != key.classifier or versions.get("codebook") != key.codebook
                or manifest.get("reuse_key") != key.tool or not same_folder(manifest.get("docs_dir"), docs_dir)):
            return
        files = manifest.get("files")
        if not isinstance(files, dict):
            return
        try:
            doc_to_source: dict[str, str | None] = {}

            def document_source(r: dict) -> str | None:
                doc_to_source[r["doc_id"]] = r.get("source")  # passages name only their document
                return r.get("source")

            self._index(DOCUMENTS, document_source)
            self._index(PASSAGES, lambda r: doc_to_source.get(r.get("doc_id")))
            def error_source(r: dict) -> str | None:
                if r.get("error") in RETRY_KINDS:
                    self.retry.add(r.get("source"))
                return r.get("source")

            self._index(ERRORS, error_source)
        except (OSError, json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
            self.lines.clear()  # damaged previous outputs: process everything again
            return
        self.files = {k: v for k, v in files.items() if isinstance(v, str)}

    def _index(self, name: str, source_of) -> None:
        path = self.out_dir / name
        if not path.exists():
            return
        offset = 0
        with path.open("rb") as fh:
            for line in fh:
                if line.strip():
                    source = source_of(json.loads(line))
                    if source is not None:
                        self.lines.setdefault(source, {}).setdefault(name, []).append((offset, len(line)))
                offset += len(line)

    def has(self, source: str, sha256: str) -> bool:
        return self.files.get(source) == sha256 and source not in self.retry

    def read(self, source: str) -> dict:
        entry: dict = {"source": source, "sha256": self.files[source], "documents": [], "passages": [], "errors": []}
        for name, key in ((DOCUMENTS, "documents"), (PASSAGES, "passages"), (ERRORS, "errors")):
            spans = self.lines.get(source, {}).get(name, [])
            if not spans:
                continue
            with (self.out_dir / name).open("rb") as fh:
                for offset, length in spans:
                    fh.seek(offset)
                    entry[key].append(json.loads(fh.read(length)))
        return entry
