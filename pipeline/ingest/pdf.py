"""PDF reports: pypdf text with positions, page furniture removed, lines rebuilt into paragraphs.

pypdf is chosen over pdfminer.six because it stops decompression bombs itself (pdfminer inflates a
2.5 kB file to 1 GiB). Its plain text has no vertical gaps, so a paragraph whose last line is nearly
full width ran into the next one; we take each line's position from pypdf's ``visitor_text`` instead
(bench/pdf_extractors.py measures the difference). With positions, a gap wider than the usual line
spacing ends a paragraph, a larger font makes a heading, two-column pages are read column by
column, and small print at the foot of a page (footnotes) does not cut the paragraph that runs on
to the next page. Repeated headers, footers and page numbers are dropped and words hyphenated
across lines are rejoined.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass
from statistics import median
from typing import Any, TypeVar

from ..errors import IngestError
from .metadata import parse_date, published_near_top
from .normalize import Extracted, clean_characters

DEFAULT_MAX_PAGES = 500

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
_SENTENCE_END = re.compile(r"[.!?:;\"”’)]\s*$")
_BULLET = re.compile(r"^\s*(?:[•▪◦‣●■□–-]|\d{1,2}[.)])\s+")
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.)\s+\S")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")

T = TypeVar("T")


@dataclass(slots=True)
class _Line:
    """One line of text as placed on the page (PDF units, y grows upwards)."""

    text: str
    x: float
    y: float
    size: float


@dataclass(slots=True)
class _Item:
    """A line ready for paragraph building, with what its position told us."""

    text: str
    width: int = 0  # usual length in characters of a full line in its column; 0 = measure here
    breaks: bool = False  # a vertical gap or a change of font size before it
    heading: bool = False  # set in a larger font than the body text
    aside: bool = False  # small print at the foot of a page: a block of its own, after the open paragraph


def _furniture_key(line: str) -> str:
    """Lines equal but for their numbers ('Annual report 2023 | 7') are the same header."""
    return re.sub(r"\d+", "#", line.strip().lower())


def _strip_furniture(pages: list[list[T]], text_of: Any = str) -> list[list[T]]:
    """Drop page numbers and lines repeated at the top or bottom of many pages.

    Each page lists its lines from the top of the page to the bottom; ``text_of`` gives a line's text.
    """
    edge_counts: Counter[str] = Counter()
    for lines in pages:
        # Running headers and footers are short; body text at a page edge never repeats.
        texts = [text_of(ln) for ln in lines[:2] + lines[-2:]]
        edges = {_furniture_key(t) for t in texts if t.strip() and len(t.split()) <= 15}
        edge_counts.update(edges)
    repeated = {k for k, n in edge_counts.items() if len(pages) >= 3 and n >= max(3, len(pages) // 2)}
    cleaned = []
    for lines in pages:
        keep = []
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (_PAGE_NUMBER.match(text_of(ln)) or _furniture_key(text_of(ln)) in repeated):
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
    return build_paragraphs([_Item(ln) for ln in lines])


def _rejoin_hyphen(current: str, ln: str, counts: Counter[str]) -> str:
    """"inno-" + "vation": drop the hyphen when the whole word is the more usual form in the text."""
    head = re.search(r"([A-Za-z]+)-$", current)
    tail = re.match(r"[a-z]+", ln)
    if not head or not tail:
        return current[:-1] + ln
    whole = (head.group(1) + tail.group(0)).lower()
    hyphenated = f"{head.group(1)}-{tail.group(0)}".lower()
    # Unknown words keep the hyphen: "cross-border" spoiled is worse than "stren-gthened" kept.
    return current[:-1] + ln if counts[whole] > counts[hyphenated] else current + ln


def build_paragraphs(items: list[_Item], *, laid_out: bool = False) -> str:
    """Paragraphs and ``# `` headings from lines, using layout hints where the items carry them.

    Args:
        laid_out: the items come with positions, so a heading stands alone: a short line that
            runs on into the next one without a gap is the start of a paragraph, not a title.
    """
    items = [_Item(re.sub(r"\s+", " ", it.text).strip(), it.width, it.breaks, it.heading, it.aside) for it in items]
    for i, it in enumerate(items):  # a hint on a line that turns out empty passes to the next one
        if not it.text and i + 1 < len(items):
            items[i + 1].breaks |= it.breaks
    items = [it for it in items if it.text]
    if not items:
        return ""
    lengths = sorted(len(it.text) for it in items)
    default_width = lengths[int(len(lengths) * 0.9)]
    # Words seen whole inside lines (not at a line-end break) decide how hyphens are rejoined.
    counts: Counter[str] = Counter()
    for i, it in enumerate(items):
        words = _WORD.findall(it.text.lower())
        if it.text.endswith("-") and words:
            words = words[:-1]
        if i and items[i - 1].text.endswith("-") and words:
            words = words[1:]
        counts.update(words)
    blocks: list[str] = []
    asides: list[str] = []
    current = ""

    def close() -> None:
        nonlocal current
        if current:
            blocks.append(current)
        current = ""
        blocks.extend(asides)
        asides.clear()

    prev: _Item | None = None
    for k, it in enumerate(items):
        if it.aside:
            asides.append(it.text)
            continue
        ln, width = it.text, it.width or default_width
        prev_ended = not current or it.breaks or it.heading or bool(
            prev and _SENTENCE_END.search(current) and len(prev.text) < 0.85 * (prev.width or default_width))
        alone = not laid_out or k + 1 == len(items) or items[k + 1].breaks or items[k + 1].aside
        heading = prev_ended and (it.heading and len(ln.split()) <= 15 or alone and _looks_like_heading(ln, width))
        prev = it
        if heading or _BULLET.match(ln):
            close()
            if heading:  # a short numbered title ("2. Findings") is a heading, not a list item
                blocks.append("# " + ln)
            else:
                current = "- " + _BULLET.sub("", ln)
            continue
        if not current:
            current = ln
        elif prev_ended:
            close()
            current = ln
        elif current.endswith("-") and len(current) > 1 and current[-2].isalpha() and ln[:1].islower():
            current = _rejoin_hyphen(current, ln, counts)
        else:
            current = current + " " + ln
    close()
    return "\n\n".join(blocks) + "\n"


def _page_lines(page: Any) -> list[_Line]:
    """The page's text pieces with their positions, from pypdf's text visitor, top to bottom."""
    pieces: list[_Line] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, font_size: float) -> None:
        if not text.strip():
            return
        a, b, c, d, e, f = (float(v) for v in cm)
        tx, ty = float(tm[4]), float(tm[5])
        # Size is the text matrix's vertical scale carried through the page's current matrix.
        size = abs(float(font_size or 0)) * math.hypot(float(tm[2]) * a + float(tm[3]) * c,
                                                       float(tm[2]) * b + float(tm[3]) * d)
        pieces.append(_Line(clean_characters(text.replace("\n", " ")), tx * a + ty * c + e, tx * b + ty * d + f,
                            size or 10.0))

    page.extract_text(visitor_text=visit)
    return sorted(pieces, key=lambda p: (-p.y, p.x))


def _join(pieces: list[_Line]) -> _Line:
    """One line from the pieces of a row (pypdf puts the spaces between pieces into the text)."""
    pieces = sorted(pieces, key=lambda p: p.x)
    text = re.sub(r"\s+", " ", "".join(p.text for p in pieces)).strip()
    return _Line(text, pieces[0].x, max(p.y for p in pieces), max(p.size for p in pieces))


def _rows(pieces: list[_Line]) -> list[list[_Line]]:
    """Pieces at the same height, within a fraction of the font size, make a row."""
    rows: list[list[_Line]] = []
    for p in pieces:
        if rows and abs(rows[-1][0].y - p.y) <= 0.4 * max(p.size, rows[-1][0].size):
            rows[-1].append(p)
        else:
            rows.append([p])
    return rows


def _columns(pieces: list[_Line], left: float, right: float) -> list[list[_Line]]:
    """Split a page into segments read in order: full width above, left column, right column, below.

    A second column shows as many rows that have a piece starting at the same x in the middle of
    the page; the rows beside it are the two-column band. Without glyph widths we estimate a
    line's length from its characters, only to tell a left-column line from a full-width one.
    """
    rows = _rows(pieces)
    span = right - left
    if len(rows) < 6 or span <= 0:
        return [[_join(r) for r in rows]]
    starts: Counter[int] = Counter()
    for row in rows:
        for p in row:
            if left + 0.3 * span < p.x < left + 0.7 * span:
                starts[round(p.x)] += 1
    if not starts:
        return [[_join(r) for r in rows]]
    x0 = max(starts.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    col_x = x0 - 1.5
    in_band = [i for i, row in enumerate(rows) if any(abs(p.x - x0) <= 1.5 for p in row)
               and len("".join(p.text for p in row if p.x >= col_x)) >= 15]
    if len(in_band) < max(4, 0.2 * len(rows)):
        return [[_join(r) for r in rows]]
    left_width = col_x - min(p.x for p in pieces)

    def fits_left(row: list[_Line]) -> bool:
        est = max(p.x - left + 0.5 * p.size * len(p.text) for p in row)
        return all(p.x < col_x for p in row) and est <= 1.1 * left_width

    top, bottom = in_band[0], in_band[-1]
    while top > 0 and fits_left(rows[top - 1]) and rows[top - 1][0].y - rows[top][0].y < 3 * rows[top][0].size:
        top -= 1
    while (bottom + 1 < len(rows) and fits_left(rows[bottom + 1])
           and rows[bottom][0].y - rows[bottom + 1][0].y < 3 * rows[bottom][0].size):
        bottom += 1
    band = rows[top:bottom + 1]
    lefts = [_join(ps) for ps in ([p for p in row if p.x < col_x] for row in band) if ps]
    rights = [_join(ps) for ps in ([p for p in row if p.x >= col_x] for row in band) if ps]
    segments = [[_join(r) for r in rows[:top]], lefts, rights, [_join(r) for r in rows[bottom + 1:]]]
    return [seg for seg in segments if seg]


def _layout_items(pages: list[list[list[_Line]]]) -> list[_Item]:
    """Items for the whole document from each page's segments (furniture already removed)."""
    all_lines = [ln for page in pages for seg in page for ln in seg]
    if not all_lines:
        return []
    chars: Counter[float] = Counter()
    for ln in all_lines:
        chars[round(ln.size, 1)] += len(ln.text)
    body = chars.most_common(1)[0][0]
    gaps = [a.y - b.y for page in pages for seg in page for a, b in zip(seg, seg[1:])
            if abs(a.size - body) < 0.1 * body and abs(b.size - body) < 0.1 * body and a.y > b.y]
    spacing = median(gaps) if gaps else 1.2 * body
    items: list[_Item] = []
    before: _Line | None = None  # the previous line, across segments and pages
    for page in pages:
        for s_i, seg in enumerate(page):
            body_lengths = sorted(len(ln.text) for ln in seg if abs(ln.size - body) < 0.1 * body)
            width = body_lengths[int(len(body_lengths) * 0.9)] if len(body_lengths) >= 3 else 0
            # Small print after the last body-size line of the page: footnotes.
            last_body = max((i for i, ln in enumerate(seg) if ln.size >= 0.9 * body), default=-1)
            for i, ln in enumerate(seg):
                gap = seg[i - 1].y - ln.y if i else 0.0
                size_change = before is not None and abs(ln.size - before.size) > 0.1 * max(ln.size, before.size)
                aside = s_i == len(page) - 1 and i > last_body and ln.size < 0.9 * body
                items.append(_Item(ln.text, width, heading=ln.size >= 1.15 * body, aside=aside,
                                   breaks=gap > 1.4 * max(spacing, ln.size * 1.05) or size_change))
                if not aside:
                    before = ln
    return items


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
            raise IngestError(f"{doc_id}: {n_pages} pages is over the {max_pages}-page limit "
                              "(raise max_pdf_pages in lessons.toml to read it)", kind="too_large")
        pages = []
        for page in reader.pages:
            # pypdf's text extraction logs and swallows LimitReachedError (a bomb became "no text"):
            # decoding the content first lets the limit reach us and name the file as too large.
            page.get_contents()
            box = page.mediabox
            pages.append(_columns(_page_lines(page), float(box.left), float(box.right)))
        meta = reader.metadata or {}
        title = str(meta.get("/Title") or "").strip() or None
        created = str(meta.get("/CreationDate") or "")
    except IngestError:
        raise
    except LimitReachedError:
        raise IngestError(f"{doc_id}: a compressed stream in the PDF expands beyond the safety limit", kind="too_large") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise IngestError(f"{doc_id}: the PDF is damaged or truncated ({exc.__class__.__name__})", kind="damaged_pdf") from None
    text = build_paragraphs(_layout_items(_strip_edges(pages)), laid_out=True)
    if not text.strip():
        raise IngestError(f"{doc_id}: the PDF has no extractable text (a scan needs OCR first)", kind="empty")
    published = None
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})", created)
    if m:
        published = parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
    return Extracted(text=text, title=title, published=published_near_top(text) or published)


def _strip_edges(pages: list[list[list[_Line]]]) -> list[list[list[_Line]]]:
    """Remove page furniture, judged on each page's lines from top to bottom, from its segments."""
    by_height = [sorted((ln for seg in page for ln in seg), key=lambda ln: -ln.y) for page in pages]
    kept = _strip_furniture(by_height, text_of=lambda ln: ln.text)
    out = []
    for page, keep in zip(pages, kept):
        ids = {id(ln) for ln in keep}
        out.append([s for s in ([ln for ln in seg if id(ln) in ids] for seg in page) if s])
    return out
