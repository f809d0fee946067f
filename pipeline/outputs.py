"""Write output files atomically and guard an output folder against concurrent or mistaken runs."""

from __future__ import annotations

import fcntl
import json
import os
import re
from pathlib import Path
from typing import IO

import jsonlines

from .errors import SetupError
from .names import unescape_name

PASSAGES, DOCUMENTS, ERRORS, MANIFEST = "passages.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json"
ENTITIES = "entities.jsonl"
OUTPUT_FILES = (PASSAGES, DOCUMENTS, ERRORS, ENTITIES, MANIFEST)
CORRECTIONS = "corrections.jsonl"  # a reviewer's decisions; a run reads it and never writes it
LOCK = ".lessons.lock"
# json escapes C0 controls itself; C1 controls (U+0080-U+009F, e.g. CSI) and line separators it
# writes raw when ensure_ascii is off, and some terminals act on them when a user cats the file.
_RAW_IN_JSON = re.compile("[\u007f-\u009f\u2028\u2029]")


def dumps(record: object, indent: int | None = None) -> str:
    """JSON text that keeps non-ASCII letters readable but can never drive a terminal when printed."""
    text = json.dumps(record, ensure_ascii=False, indent=indent)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


class AtomicJsonl:
    """A JSONL file written under a temporary name and renamed into place only by ``commit``."""

    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(f".{path.name}.partial")
        self._fh: IO[str] = self.tmp.open("w", encoding="utf-8")
        self._writer = jsonlines.Writer(self._fh, compact=True, flush=False,
                                        dumps=dumps)
        self.count = 0

    def write(self, record: dict) -> None:
        self._writer.write(record)
        self.count += 1

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.tmp.unlink(missing_ok=True)


def write_json_atomic(path: Path, data: dict) -> None:
    write_text_atomic(path, dumps(data, indent=2) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` under a temporary name and rename it into place: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.partial")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def same_folder(recorded: object, folder: Path) -> bool:
    """Whether a manifest's (escaped) folder name is ``folder``."""
    return isinstance(recorded, str) and Path(unescape_name(recorded)).resolve() == folder.resolve()


def prepare_out_dir(out_dir: Path, docs_dir: Path, *, force: bool) -> None:
    """Create the folder, or check it holds an earlier run over the same input (or ``force``)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SetupError(f"output path {out_dir} exists and is not a folder", kind="out_dir")
    if out_dir.resolve() == docs_dir.resolve():
        raise SetupError(f"--out {out_dir} is the input folder itself; choose a separate output folder "
                         "(a folder inside the input is fine: it is never read as input)", kind="out_dir")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SetupError(f"cannot create the output folder {out_dir}: {exc.strerror or exc}", kind="out_dir") from None
    if force:
        return
    manifest = out_dir / MANIFEST
    if manifest.exists():
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8")).get("docs_dir")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            previous = None
        if previous and not same_folder(previous, docs_dir):
            raise SetupError(
                f"{out_dir} holds the results of a run over {previous}; choose another --out or add --force to replace them",
                kind="out_dir")
        return
    foreign = [p.name for p in out_dir.iterdir() if p.name not in (*OUTPUT_FILES, CORRECTIONS) and not p.name.startswith(".")]
    if foreign:
        raise SetupError(
            f"{out_dir} already contains other files ({', '.join(sorted(foreign)[:3])}); "
            "choose an empty or new --out folder, or add --force", kind="out_dir")


def fsync_dir(folder: Path) -> None:
    """Make renames and new files in ``folder`` durable: a rename is only on disk once its folder is."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (and macOS for folders) refuse; the data files themselves are synced
    finally:
        os.close(fd)


# Lock files this process holds. A forked child gets a copy of each descriptor, and an flock lives
# as long as any copy does: a worker that outlived a killed parent would keep the folder locked.
_HELD_LOCKS: set[int] = set()


def _release_locks_in_child() -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)
    for fd in _HELD_LOCKS:
        os.dup2(devnull, fd)  # the number stays valid but no longer refers to the locked file
    os.close(devnull)
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_release_locks_in_child)


class OutputLock:
    """An exclusive lock on the output folder: a second run on the same folder is refused.

    Held by the writing process only (never by its workers), so the lock ends the moment that
    process ends, however it ends."""

    def __init__(self, out_dir: Path):
        self.path = out_dir / LOCK
        self._fh: IO[str] | None = None

    def __enter__(self) -> OutputLock:
        self._fh = self.path.open("a+")
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.close()
            raise SetupError(f"another `lessons run` is writing to {self.path.parent}; wait for it or choose another --out",
                             kind="locked") from None
        _HELD_LOCKS.add(self._fh.fileno())
        return self

    def __exit__(self, *exc) -> None:
        if self._fh:
            _HELD_LOCKS.discard(self._fh.fileno())
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
