"""PDF reports: pypdf text per page, page furniture removed, lines rebuilt into paragraphs.

pypdf is chosen over pdfminer.six because it stops decompression bombs itself (pdfminer inflates a
2.5 kB file to 1 GiB) and keeps the reading order of single- and two-column reports produced by
word processors. What it does not do is done here: repeated page headers and footers and page
numbers are dropped, words hyphenated across lines are rejoined, and lines become paragraphs.
"""

from __future__ import annotations

import io
import re
from collections import Counter

from ..errors import IngestError
from .metadata import parse_date, published_near_top
from .normalize import Extracted, clean_characters

DEFAULT_MAX_PAGES = 500

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
_SENTENCE_END = re.compile(r"[.!?:;\"”’)]\s*$")
_BULLET = re.compile(r"^\s*(?:[•▪◦‣●■□–-]|\d{1,2}[.)])\s+")
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.)\s+\S")


def _furniture_key(line: str) -> str:
    """Lines equal but for their numbers ('Annual report 2023 | 7') are the same header."""
    return re.sub(r"\d+", "#", line.strip().lower())


def _strip_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and lines repeated at the top or bottom of many pages."""
    edge_counts: Counter[str] = Counter()
    for lines in pages:
        # Running headers and footers are short; body text at a page edge never repeats.
        edges = {_furniture_key(ln) for ln in lines[:2] + lines[-2:] if ln.strip() and len(ln.split()) <= 15}
        edge_counts.update(edges)
    repeated = {k for k, n in edge_counts.items() if len(pages) >= 3 and n >= max(3, len(pages) // 2)}
    cleaned = []
    for lines in pages:
        keep = []
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if _PAGE_NUMBER.match(ln) and at_edge:
                continue
            if at_edge and _furniture_key(ln) in repeated:
                continue
            keep.append(ln)
        cleaned.append(keep)
    return cleaned


def _looks_like_heading(line: str, width: int) -> bool:
    s = line.strip()
    words = s.split()
    if not s or len(words) > 12 or len(s) > 0.8 * width or _SENTENCE_END.search(s):
        return False
    if _BULLET.match(s) and not _NUMBERED.match(s):
        return False
    if not (s[0].isupper() or s[0].isdigit()):
        return False
    long_words = [w for w in words if len(w) > 3]
    return bool(s.isupper() or _NUMBERED.match(s)
                or (long_words and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.6)
                or len(words) <= 5)


def lines_to_paragraphs(lines: list[str]) -> str:
    """Rebuild paragraphs: a short line that ends a sentence closes a paragraph; hyphens are rejoined."""
    lines = [re.sub(r"\s+", " ", ln).strip() for ln in lines]
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    lengths = sorted(len(ln) for ln in lines)
    width = lengths[int(len(lengths) * 0.9)]
    vocabulary = set(re.findall(r"[a-z]{4,}", " ".join(lines).lower()))
    blocks: list[str] = []
    current = ""
    for i, ln in enumerate(lines):
        prev_ended = not current or (_SENTENCE_END.search(current) and len(lines[i - 1]) < 0.85 * width)
        heading = prev_ended and _looks_like_heading(ln, width)
        if heading or _BULLET.match(ln):
            if current:
                blocks.append(current)
            if heading:  # a short numbered title ("2. Findings") is a heading, not a list item
                blocks.append("# " + ln)
                current = ""
            else:
                current = "- " + _BULLET.sub("", ln)
            continue
        if not current:
            current = ln
        elif prev_ended:
            blocks.append(current)
            current = ln
        elif current.endswith("-") and len(current) > 1 and current[-2].isalpha() and ln[:1].islower():
            # "inno-" + "vation": drop the hyphen when the whole word occurs elsewhere in the text
            head = re.search(r"([A-Za-z]+)-$", current)
            tail = re.match(r"[a-z]+", ln)
            whole = (head.group(1) + tail.group(0)).lower() if head and tail else ""
            current = current[:-1] + ln if whole in vocabulary or not head else current + ln
        else:
            current = current + " " + ln
    if current:
        blocks.append(current)
    return "\n\n".join(blocks) + "\n"


def read_pdf(data: bytes, doc_id: str, *, max_pages: int = DEFAULT_MAX_PAGES) -> Extracted:
    """Text of a PDF report as paragraphs and ``#`` headings, with title and date from its metadata."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

    if b"%PDF-" not in data[:1024]:
        raise IngestError(f"{doc_id}: not a PDF file (no %PDF header)", kind="not_a_pdf")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise FileNotDecryptedError("password required")
            except (FileNotDecryptedError, DependencyError, NotImplementedError):
                raise IngestError(f"{doc_id}: the PDF is encrypted and needs a password", kind="encrypted") from None
        n_pages = len(reader.pages)
        if n_pages > max_pages:
            raise IngestError(f"{doc_id}: {n_pages} pages is over the {max_pages}-page limit", kind="too_large")
        pages = []
        for page in reader.pages:
            text = clean_characters(page.extract_text() or "")
            pages.append(text.split("\n"))
        meta = reader.metadata or {}
        title = str(meta.get("/Title") or "").strip() or None
        created = str(meta.get("/CreationDate") or "")
    except IngestError:
        raise
    except LimitReachedError:
        raise IngestError(f"{doc_id}: a compressed stream in the PDF expands beyond the safety limit", kind="too_large") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise IngestError(f"{doc_id}: the PDF is damaged or truncated ({exc.__class__.__name__})", kind="damaged_pdf") from None
    text = "\n\n".join(p for p in (lines_to_paragraphs(lines) for lines in _strip_furniture(pages)) if p)
    text = _join_across_pages(text)
    if not text.strip():
        raise IngestError(f"{doc_id}: the PDF has no extractable text (a scan needs OCR first)", kind="empty")
    published = None
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})", created)
    if m:
        published = parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
    return Extracted(text=text, title=title, published=published_near_top(text) or published)


def _join_across_pages(text: str) -> str:
    """A paragraph cut by a page break continues on the next page: rejoin it."""
    return re.sub(r"([a-z,;])\n\n(?!#|- )([a-z])", r"\1 \2", text)
