"""Split a document's extracted text into passages: paragraphs with offsets and their section.

A heading is not a passage: it becomes the ``section`` of the passages under it. Page chrome
(menus, share buttons, cookie notices, "Return to news listing", copyright lines, see
``ingest.furniture``) and a date line above the text are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .ingest.furniture import is_chrome
from .ingest.metadata import is_dateline
from .ingest.normalize import HEADING, LIST_ITEM
from .records import Document, Passage

MIN_WORDS = 4
MAX_PASSAGE_CHARS = 20_000  # far below spaCy's max_length; a longer "paragraph" is split

_NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.|[A-H]\.)\s+[A-Z]")


def heading_text(line: str, *, alone: bool, plain: bool = True) -> str | None:
    """The heading a line stands for, or None when it is body text.

    ``#`` lines are always headings. In plain text (``plain``), where headings carry no mark-up,
    a line counts when it stands alone in its block and looks like a title: short, no closing
    punctuation, starting with a capital or a section number. Markdown and HTML mark their headings,
    so there a lone short line (an interview question, a caption) stays body text.
    """
    s = line.strip()
    if HEADING.match(s):
        return s.lstrip("#").strip().rstrip("#").strip() or None
    if not plain or not alone or LIST_ITEM.match(s) and not _NUMBERED_HEADING.match(s):
        return None
    words = s.split()
    if not (1 <= len(words) <= 14) or len(s) > 110:
        return None
    if s.endswith((".", ",", ";", ":", "!", "?", "\"", "”", "’", "'")) and not s.isupper():
        return None
    if not (s[0].isupper() or s[0].isdigit()):
        return None
    if s.isupper() or _NUMBERED_HEADING.match(s):
        return s
    # Title-like: most longer words capitalised, or a short question/phrase without a verb-ish tail.
    long_words = [w for w in words if len(w) > 3]
    capitalised = sum(w[0].isupper() for w in long_words)
    return s if len(words) <= 8 or (long_words and capitalised / len(long_words) >= 0.6) else None


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of non-blank lines."""
    for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        if m.group().strip():
            yield m.start(), m.end()


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    for line in text[start:end].split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


def _split_long(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut an over-long span at sentence ends (or spaces) so no piece exceeds MAX_PASSAGE_CHARS."""
    while end - start > MAX_PASSAGE_CHARS:
        window = text[start:start + MAX_PASSAGE_CHARS]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
        cut = cut + 1 if cut > MAX_PASSAGE_CHARS // 2 else window.rfind(" ")
        if cut <= 0:
            cut = MAX_PASSAGE_CHARS
        yield start, start + cut
        start += cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


def split_passages(doc: Document, *, min_words: int = MIN_WORDS) -> list[Passage]:
    """Passages of ``doc`` in reading order, each a slice ``doc.text[start:end]``."""
    text = doc.text
    plain = doc.format == "txt"
    section: str | None = None
    spans: list[tuple[int, int, str | None]] = []
    for b_start, b_end in _blocks(text):
        lines = list(_lines(text, b_start, b_end))
        # Extracted text has one line per paragraph; in plain text, lines that stayed separate
        # were short on purpose (titles, headers, addresses), so each is judged on its own.
        alone = len(lines) == 1 or plain
        run: list[tuple[int, int]] = []

        def flush() -> None:
            if run:
                spans.append((run[0][0], run[-1][1], section))
                run.clear()

        for i, (l_start, l_end) in enumerate(lines):
            line = text[l_start:l_end]
            if i + 1 < len(lines) and re.fullmatch(r"\s*(?:=+|-{3,})\s*", text[lines[i + 1][0]:lines[i + 1][1]]):
                flush()
                section = line.strip() or section  # setext heading: title line over === or ---
                continue
            if re.fullmatch(r"\s*(?:=+|-{3,})\s*", line):
                continue
            if is_chrome(line) or not spans and not run and is_dateline(line):
                # A date line above the text dates it (the reader took ``published`` from it); further
                # down, a line like "14 May 2024 | Ljubljana" is content, as in a list of events.
                flush()
                continue
            heading = heading_text(line, alone=alone, plain=plain)
            if heading is None and doc.title and line.strip() == doc.title.strip():
                heading = doc.title.strip()  # the title line, however it is cased, heads what follows
            if heading is not None:
                flush()
                section = heading
                continue
            run.append((l_start, l_end))
        flush()

    merged = _join_list_intros(text, spans)
    passages: list[Passage] = []
    for start, end, sec in merged:
        for s, e in _split_long(text, start, end):
            if len(text[s:e].split()) < min_words or looks_like_table(text[s:e]):
                continue
            passages.append(Passage(doc.doc_id, len(passages), sec, text[s:e], s, e))
    return passages


_NUMBER = re.compile(r"^[(\[]?[-+−–]?[$€£¥]?\d[\d.,:/%–-]*[%)\]]?$")


def looks_like_table(passage: str) -> bool:
    """A table flattened into a paragraph ("Indicator 2019 2022 Target Capacity (MW) 4 46 100 ...") is
    mostly numbers; as a passage it would only add noise to themes and entities."""
    tokens = passage.split()
    numbers = sum(bool(_NUMBER.match(t)) for t in tokens)
    return numbers >= 6 and numbers >= 0.4 * len(tokens)


def _join_list_intros(text: str, spans: list[tuple[int, int, str | None]]) -> list[tuple[int, int, str | None]]:
    """A paragraph ending in ':' and the list right after it are one passage, as a reader sees them."""
    out: list[tuple[int, int, str | None]] = []
    for start, end, sec in spans:
        if out:
            p_start, p_end, p_sec = out[-1]
            between = text[p_end:start]
            if (
                p_sec == sec
                and text[p_start:p_end].rstrip().endswith(":")
                and LIST_ITEM.match(text[start:end])
                and between.strip() == ""
                and end - p_start <= MAX_PASSAGE_CHARS
            ):
                out[-1] = (p_start, end, sec)
                continue
        out.append((start, end, sec))
    return out
