"""PDF reports: pypdf text with positions, page furniture removed, lines rebuilt into paragraphs.

pypdf is chosen over pdfminer.six because it stops decompression bombs itself (pdfminer inflates a
2.5 kB file to 1 GiB). Its plain text has no vertical gaps, so a paragraph whose last line is nearly
full width ran into the next one; we take each line's position from pypdf's ``visitor_text`` instead
(bench/pdf_extractors.py measures the difference). With positions, a gap wider than the usual line
spacing ends a paragraph, a larger font makes a heading, two-column pages are read column by
column, and small print at the foot of a page (footnotes) does not cut the paragraph that runs on
to the next page. Headers and footers repeated on the pages, and on any page count the page
numbers, print stamps and addresses a browser prints around each page, are dropped; at the top of
a page or column, where no gap shows, the text decides whether the paragraph runs on. Words
hyphenated across lines are rejoined.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass
from statistics import median
from typing import Any, TypeVar

from ..config import Settings
from ..errors import IngestError
from .furniture import is_page_furniture
from .metadata import parse_date, published_near_top
from .normalize import Extracted, clean_characters, ends_in_word_hyphen, join_hyphenated, word_forms

DEFAULT_MAX_PAGES = Settings.max_pdf_pages

_SENTENCE_END = re.compile(r"[.!?:;\"”’)]\s*$")
_BULLET = re.compile(r"^\s*(?:[•▪◦‣●■□–-]|\d{1,2}[.)])\s+")
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.)\s+\S")
# Captions and notes under tables and figures are short and often bold, but never titles.
_CAPTION = re.compile(r"^(?:(?:Table|Figure|Fig\.|Chart|Box|Exhibit|Graph|Map)\s*[\dIVXA-Z][\d.]*\b|(?:Sources?|Notes?)\s*[:\d])")
# A table of contents line: a title, leader dots (or an ellipsis) and a page number.
_TOC_LINE = re.compile(r"(?:\.\s*){4,}\s*\d{1,4}\s*$|…\s*\d{1,4}\s*$")
_CONTENTS = re.compile(r"^(?:table of )?contents$", re.I)
# Footnote markers set small and raised: digits or reference symbols only.
_MARKER = re.compile(r"^\s*[\d*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰,]{1,4}\s*$")

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
    """Drop print furniture and lines repeated at the top or bottom of the pages.

    Each page lists its lines from the top of the page to the bottom; ``text_of`` gives a line's text.
    Page numbers, print stamps and addresses go on any page count (``is_page_furniture``); a line
    repeated at the edge of every page of a two-page item, or of half the pages of a longer one
    (three at least), is a running header or footer.
    """
    edge_counts: Counter[str] = Counter()
    for lines in pages:
        # Running headers and footers are short; body text at a page edge never repeats.
        texts = [text_of(ln) for ln in lines[:2] + lines[-2:]]
        edges = {_furniture_key(t) for t in texts if t.strip() and len(t.split()) <= 15}
        edge_counts.update(edges)
    needed = min(len(pages), max(3, len(pages) // 2))
    repeated = {k for k, n in edge_counts.items() if len(pages) >= 2 and n >= needed}
    cleaned = []
    for lines in pages:
        keep = []
        for i, ln in enumerate(lines):
            at_edge = i < 2 or i >= len(lines) - 2
            if at_edge and (is_page_furniture(text_of(ln)) or _furniture_key(text_of(ln)) in repeated):
                continue
            keep.append(ln)
        cleaned.append(keep)
    return cleaned


def _looks_like_heading(line: str, width: int) -> bool:
    s = line.strip()
    words = s.split()
    if not s or len(words) > 12 or len(s) > 0.8 * width or _SENTENCE_END.search(s) or _CAPTION.match(s):
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


def build_paragraphs(items: list[_Item], *, laid_out: bool = False) -> str:
    """Paragraphs and ``# `` headings from lines, using layout hints where the items carry them.

    Args:
        laid_out: the items come with positions, so a heading stands alone: a short line that
            runs on into the next one without a gap is the start of a paragraph, not a title.
    """
    items = [_Item(re.sub(r"\s+", " ", it.text).strip(), it.width, it.breaks, it.heading, it.aside) for it in items]
    toc = [bool(_TOC_LINE.search(it.text)) for it in items]
    for i, it in enumerate(items):  # a contents page lists titles the text repeats: it is no passage
        if toc[i] or _CONTENTS.match(it.text) and i + 1 < len(items) and toc[i + 1]:
            it.text = ""
    for i, it in enumerate(items):  # a hint on a line that turns out empty passes to the next one
        if not it.text and i + 1 < len(items):
            items[i + 1].breaks |= it.breaks
    items = [it for it in items if it.text]
    if not items:
        return ""
    lengths = sorted(len(it.text) for it in items)
    default_width = lengths[int(len(lengths) * 0.9)]
    counts = word_forms([it.text for it in items])  # words seen whole decide how hyphens are rejoined
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
        heading = prev_ended and not _CAPTION.match(ln) and (
            it.heading and len(ln.split()) <= 15 or alone and _looks_like_heading(ln, width))
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
        elif ends_in_word_hyphen(current) and ln[:1].isalnum():
            current = join_hyphenated(current, ln, counts)
        else:
            current = current + " " + ln
    close()
    # A list stays with its lead-in, one item a line, as the DOCX and Markdown readers give it.
    out = blocks[:1]
    for prev_block, block in zip(blocks, blocks[1:]):
        in_list = block.startswith("- ") and (prev_block.startswith("- ") or not prev_block.startswith("# ")
                                               and prev_block.endswith(":"))
        out.append(("\n" if in_list else "\n\n") + block)
    return "".join(out) + "\n"


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
    return sorted(_drop_markers(pieces), key=lambda p: (-p.y, p.x))


def _drop_markers(pieces: list[_Line]) -> list[_Line]:
    """Drop footnote markers: small digits or symbols raised on a body line would cut its sentence."""
    def raised(p: _Line) -> bool:
        return bool(_MARKER.match(p.text)) and any(
            q.size > 1.25 * p.size and 0 < p.y - q.y <= 0.6 * q.size for q in pieces)
    return [p for p in pieces if not raised(p)]


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
    at_x0 = [i for i, row in enumerate(rows) if any(abs(p.x - x0) <= 1.5 for p in row)]
    # Table cells also line up mid-page; only text lines of some length show a column.
    long_rows = [i for i in at_x0 if len("".join(p.text for p in rows[i] if p.x >= col_x)) >= 15]
    if len(long_rows) < max(4, 0.2 * len(rows)):
        return [[_join(r) for r in rows]]
    # Every row from the first to the last line starting the second column is inside the band,
    # including short ones ("sations.") and rows with a left line only.
    in_band = [i for i in at_x0 if long_rows[0] - 3 <= i <= long_rows[-1] + 3]
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


def _runs_on(last: _Item, line: str, *, full: float) -> bool:
    """Whether the paragraph of ``last`` goes on in ``line`` at the top of the next page or column.

    No gap shows there, so only the text tells. A lowercase start goes on. After a sentence end, a
    capital starts a new paragraph unless ``last`` fills its line to the fraction ``full``: a
    paragraph's last line is rarely full, while a wrapped line often ends a sentence. Without a
    sentence end the paragraph goes on, unless ``last`` looks like a title: a heading at the foot of
    a page heads what follows it.
    """
    if line[:1].islower():
        return True
    width = last.width or len(last.text) + 1
    if _SENTENCE_END.search(last.text):
        return not line[:1].isupper() or len(last.text) >= full * width
    return not _looks_like_heading(last.text, width)


def _layout_items(pages: list[list[list[_Line]]]) -> list[_Item]:
    """Items for the whole document from each page's segments (furniture already removed)."""
    all_lines = [ln for page in pages for seg in page for ln in seg]
    if not all_lines:
        return []
    chars: Counter[float] = Counter()
    for ln in all_lines:
        chars[round(ln.size, 1)] += len(ln.text)
    body = chars.most_common(1)[0][0]
    # A segment that starts lower than the one before continues below it (full width after a band,
    # a band after full width): its gap from the lines above shows whether a paragraph ends there.
    # One that starts higher is the next column, where a paragraph may run on from the last one.
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
            above = [ln.y for earlier in page[:s_i] for ln in earlier if ln.y > seg[0].y]
            starts_lower = s_i > 0 and seg[0].y < page[s_i - 1][-1].y
            for i, ln in enumerate(seg):
                gap = seg[i - 1].y - ln.y if i else (min(above) - ln.y if starts_lower and above else 0.0)
                size_change = before is not None and abs(ln.size - before.size) > 0.1 * max(ln.size, before.size)
                aside = s_i == len(page) - 1 and i > last_body and ln.size < 0.9 * body
                heading = ln.size >= 1.15 * body
                breaks = gap > 1.4 * max(spacing, ln.size * 1.05) or size_change
                last = next((it for it in reversed(items) if not it.aside), None)
                if i == 0 and not starts_lower and last is not None:  # top of the next page or column
                    # How full a line must be to run on: as build_paragraphs judges any line, and
                    # stricter at a column top (both measured with bench/pdf_extractors.py).
                    breaks |= not _runs_on(last, ln.text, full=0.95 if s_i else 0.85)
                # A title wrapped over lines is one heading: same size, about a line apart, and the
                # next line does not start a numbered section of its own.
                if (heading and items and items[-1].heading and before is not None and i and gap <= 1.65 * ln.size
                        and abs(before.size - ln.size) < 0.05 * ln.size and not _NUMBERED.match(ln.text)):
                    items[-1].text += " " + ln.text  # a title wrapped over two lines is one heading
                    before = ln
                    continue
                items.append(_Item(ln.text, width, heading=heading, aside=aside, breaks=breaks))
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
    if title is None or _PLACEHOLDER_TITLE.search(title):
        # No usable /Title ("Microsoft Word - draft3.docx"): the cover's heading names the report.
        heading = re.search(r"^# (.+)$", text[:3000], re.M)
        title = heading.group(1).strip() if heading else None
    return Extracted(text=text, title=title, published=published_near_top(text) or published)


_PLACEHOLDER_TITLE = re.compile(r"^(?:Microsoft (?:Word|PowerPoint) - |untitled\b|document\d*$|slide \d)|"
                                r"\.(?:docx?|pptx?|indd|pdf|odt)$", re.I)


def _strip_edges(pages: list[list[list[_Line]]]) -> list[list[list[_Line]]]:
    """Remove page furniture, judged on each page's lines from top to bottom, from its segments."""
    by_height = [sorted((ln for seg in page for ln in seg), key=lambda ln: -ln.y) for page in pages]
    kept = _strip_furniture(by_height, text_of=lambda ln: ln.text)
    out = []
    for page, keep in zip(pages, kept):
        ids = {id(ln) for ln in keep}
        out.append([s for s in ([ln for ln in seg if id(ln) in ids] for seg in page) if s])
    return out
