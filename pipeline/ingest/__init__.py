"""Read files into :class:`~pipeline.records.Document`: one reader per format behind one function.

Every reader returns the document's *extracted text*: plain text in which paragraphs are
separated by blank lines and headings start with ``#``. Passage offsets index into that text.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ..config import Settings
from ..errors import IngestError
from ..names import escape_name
from ..records import Document
from . import docx, feeds, html, pdf, text
from .language import guess_language

log = logging.getLogger(__name__)

READERS = {
    ".txt": ("txt", text.read_plain),
    ".md": ("md", text.read_markdown),
    ".markdown": ("md", text.read_markdown),
    ".html": ("html", html.read_html),
    ".htm": ("html", html.read_html),
    ".pdf": ("pdf", pdf.read_pdf),
    ".docx": ("docx", docx.read_docx),
}
FEED_SUFFIXES = (".json", ".jsonl")
_HTML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]",
                         re.IGNORECASE | re.DOTALL)
_HTML_PART = re.compile(rb"<(?:head|body)[\s>]|</html>", re.IGNORECASE)
SUPPORTED_SUFFIXES = tuple(READERS) + FEED_SUFFIXES
DEFAULT_MAX_BYTES = Settings().max_bytes
DEFAULT_MAX_PDF_PAGES = pdf.DEFAULT_MAX_PAGES


def is_hidden_or_lock(name: str) -> bool:
    """Hidden files, editor lock files and OS litter are never documents."""
    return name.startswith((".", "~$", "~")) or name.endswith(("~", ".tmp", ".swp")) or name in {
        "Thumbs.db", "desktop.ini"}


def iter_input_files(root: str | Path, *, exclude: Path | None = None,
                     skipped: Callable[[str, str], None] | None = None) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, doc_id)`` for every candidate file under ``root``, sorted, recursively.

    ``doc_id`` is the path relative to ``root`` with ``/`` separators. Hidden folders and
    ``exclude`` (the run's own output folder, when it lies inside the input) are not entered;
    linked folders are never entered (so no cycles), and a linked file is kept only when its
    target lies inside ``root``. Links left out are reported to ``skipped(doc_id, reason)``.
    """
    root = Path(root)
    real_root = root.resolve()
    real_exclude = exclude.resolve() if exclude is not None else None
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        kept = []
        for d in dirnames:
            sub = Path(dirpath) / d
            rel = escape_name(sub.relative_to(root).as_posix())
            reason = None
            if d.startswith(".") or (real_exclude is not None and sub.resolve() == real_exclude):
                continue
            if sub.is_symlink():
                reason = "linked folders are not entered"
            elif is_lessons_output(sub):
                reason = "an earlier lessons output folder"
            if reason:
                log.info("not entering folder %r: %s", rel, reason)
                if skipped:
                    skipped(rel + "/", reason)
                continue
            kept.append(d)
        dirnames[:] = kept
        for name in filenames:
            path = Path(dirpath) / name
            doc_id = escape_name(path.relative_to(root).as_posix())
            if path.is_symlink():
                reason = _link_problem(path, real_root)
                if reason:
                    log.info("not following link %r: %s", doc_id, reason)
                    if skipped:
                        skipped(doc_id, reason)
                    continue
            found.append((path, doc_id))
    found.sort(key=lambda item: item[1])
    yield from found


def is_lessons_output(folder: Path) -> bool:
    """A folder an earlier `lessons run` wrote: its JSONL files are results, not news feeds."""
    return (folder / "manifest.json").is_file() and any(
        (folder / name).exists() for name in ("passages.jsonl", ".lessons.lock", ".work"))


def _link_problem(path: Path, real_root: Path) -> str | None:
    """Why a linked file is not read, or None when its target is a file inside the input folder."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "the link points to itself in a loop"
    except OSError:
        return "the link points to nothing (its target is missing)"
    if not target.is_relative_to(real_root):
        return "the link points outside the input folder"
    if not target.is_file():
        return "the link points to a folder or special file"
    return None


def _read_bytes(path: Path, doc_id: str, max_bytes: int) -> bytes:
    if not path.is_file():
        raise IngestError(f"{doc_id}: not a regular file", kind="not_a_file", path=doc_id)
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(
            f"{doc_id}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit "
            "(raise max_file_mb in lessons.toml to read it)",
            kind="too_large", path=doc_id)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{doc_id}: cannot be read ({exc.strerror or exc})", kind="unreadable", path=doc_id) from None
    if not data.strip():
        raise IngestError(f"{doc_id}: the file is empty", kind="empty", path=doc_id)
    return data


def _document(doc_id: str, path: Path, fmt: str, extracted, sha256: str) -> Document:
    if not extracted.text.strip():
        raise IngestError(f"{doc_id}: no text could be extracted (nothing readable is left once markup, encoded data "
                          "such as base64 and runs of symbols are set aside)", kind="empty", path=doc_id)
    return Document(doc_id=doc_id, path=str(path), format=fmt, text=extracted.text, sha256=sha256,
                    title=extracted.title, published=extracted.published, url=extracted.url,
                    language=guess_language(extracted.text))


def read_document(path: str | Path, doc_id: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_pdf_pages: int = DEFAULT_MAX_PDF_PAGES) -> Document:
    """Read one file into a Document, or raise :class:`IngestError` saying why it cannot be read."""
    path = Path(path)
    doc_id = doc_id or path.name
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise IngestError(f"{doc_id}: unsupported file type {suffix or '(none)'!r}", kind="unsupported", path=doc_id)
    fmt, reader = READERS[suffix]
    data = _read_bytes(path, doc_id, max_bytes)
    if fmt in ("txt", "md") and _HTML_START.match(data[:1024]) and _HTML_PART.search(data[:65536]):
        fmt, reader = READERS[".html"]  # a web page saved under a text name: its markup is not text
    extracted = pdf.read_pdf(data, doc_id, max_pages=max_pdf_pages) if fmt == "pdf" else reader(data, doc_id)
    return _document(doc_id, path, fmt, extracted, hashlib.sha256(data).hexdigest())


def read_documents(path: str | Path, doc_id: str | None = None, *,
                   max_bytes: int = DEFAULT_MAX_BYTES,
                   max_pdf_pages: int = DEFAULT_MAX_PDF_PAGES,
                   feed_fields: dict[str, list[str]] | None = None) -> list[tuple[str, Document | IngestError]]:
    """Every document a file holds, as ``(doc_id, document or error)``: one for most formats, one per
    item for news feeds (``news.jsonl:7``), where a broken item costs that item only. ``feed_fields``
    are field names tried before the defaults in feed items (the ``[feeds]`` settings)."""
    path = Path(path)
    doc_id = doc_id or path.name
    suffix = path.suffix.lower()
    try:
        if suffix not in FEED_SUFFIXES:
            return [(doc_id, read_document(path, doc_id, max_bytes=max_bytes, max_pdf_pages=max_pdf_pages))]
        data = _read_bytes(path, doc_id, max_bytes)
        out: list[tuple[str, Document | IngestError]] = []
        for item_id, item in feeds.read_feed(data, doc_id, suffix, feeds.feed_fields(feed_fields)):
            if isinstance(item, IngestError):
                out.append((item_id, item))
                continue
            item_hash = hashlib.sha256(item.text.encode("utf-8")).hexdigest()
            try:
                out.append((item_id, _document(item_id, path, suffix[1:], item, item_hash)))
            except IngestError as exc:
                out.append((item_id, exc))
        if not out:
            raise IngestError(f"{doc_id}: the feed holds no items", kind="empty", path=doc_id)
        return out
    except IngestError as exc:
        return [(doc_id, exc)]
