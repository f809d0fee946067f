"""Which PDF text extractor rebuilds report paragraphs best? Scores on reports with a known answer.

    python bench/pdf_extractors.py [--docs 6] [--pages 6] [--real FILE.pdf ...]

The reports are written here with fpdf2, line by line, so the true paragraphs are known: single-
and two-column pages, running headers and page numbers, headings, paragraphs whose last line is
nearly full width (no short line to show where they end), words hyphenated at line ends next to
real compounds ("cross-border") broken at their own hyphen, a footnote and a small table.
Paragraphs flow across columns and pages, as in real reports.

Scores, per extractor, over all reports:
  para F1   paragraphs (and headings) recovered exactly, as whole blocks
  order     consecutive true paragraphs found in the same order in the output (words aligned
            with difflib; a paragraph not found counts as out of order)
  text      difflib ratio of the output words to the true words (furniture excluded)
  leak      headers, footers and page numbers left in the output, per page
  hyphen    line-end splits rejoined ("innovation") and compounds kept ("cross-border")
  ms/page   wall time per page (a rough figure; the machine is shared)

Extractors that are not installed are listed as "not installed": run it in a venv that has
pdfminer.six, pdfplumber and pypdfium2 to see them all.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import random
import re
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADER = "Baltic Maritime Cluster | Evaluation report 2024"
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 20.0
BODY_TOP, BODY_BOTTOM = 28.0, 268.0
LINE_H, PARA_GAP = 5.0, 3.0

SUBJECTS = ["The cluster secretariat", "Member companies", "The regional development agency", "Partner universities",
            "Small and medium-sized enterprises", "The steering committee", "Research institutes", "Local authorities",
            "The evaluation team", "Several founding members", "International partners", "Start-up companies"]
VERBS = ["have strengthened", "reported difficulties with", "invested heavily in", "called for better",
         "organised workshops on", "received funding for", "developed new approaches to", "were sceptical about",
         "benefited from", "set up working groups on", "shared infrastructure for", "published guidelines on"]
OBJECTS = ["cross-border cooperation", "long-term financing", "technology transfer", "public-private partnerships",
           "internationalisation of services", "knowledge exchange between members", "offshore wind maintenance",
           "digitalisation of port logistics", "shipbuilding supply chains", "environmental certification",
           "joint procurement of demonstration facilities", "co-operation with universities", "skills development",
           "state-of-the-art testing laboratories", "decarbonisation of maritime transport",
           "commercialisation of research results", "entrepreneurship training programmes"]
TAILS = ["during the programming period", "despite limited resources", "in close cooperation with the municipality",
         "according to the member survey", "since the beginning of the initiative", "in all three countries",
         "with support from the European Regional Development Fund", "although progress remained uneven",
         "as recommended in the previous evaluation", "in response to changing market conditions"]
HEADINGS = ["Governance and management", "Funding and sustainability", "Results for member companies",
            "Internationalisation", "Lessons learned", "Recommendations", "Methodology", "Collaboration with academia",
            "Impact on regional development", "Challenges and risks"]
TABLE = [("Indicator", "2021", "2022", "2023"), ("Member firms", "41", "48", "57"),
         ("Joint projects", "6", "9", "14"), ("Budget (kEUR)", "820", "910", "1 050")]
FOOTNOTE = "1 Figures from the annual member survey; response rate 64 per cent."


@dataclass
class Report:
    """A generated report: the PDF and the true blocks in reading order."""

    pdf: bytes
    pages: int
    blocks: list[tuple[str, str]]  # (kind, text), kind in heading, para, footnote
    splits: list[tuple[str, str]] = field(default_factory=list)  # words broken at a line end: (whole, head)
    compounds: list[str] = field(default_factory=list)  # compounds broken at their own hyphen
    table_words: set[str] = field(default_factory=set)


def _sentence(rng: random.Random) -> str:
    s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.6:
        s += f" {rng.choice(TAILS)}"
    return s + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


class _Writer:
    """Places text line by line, so line breaks, hyphens and the true paragraphs are all known."""

    def __init__(self, rng: random.Random, n_pages: int, footer_style: str):
        from fpdf import FPDF

        self.rng, self.n_pages, self.footer_style = rng, n_pages, footer_style
        self.pdf = FPDF(unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.page = 0
        self.columns = 1
        self.col = 0
        self.y = BODY_TOP
        self.bottom = BODY_BOTTOM
        self.report = Report(b"", 0, [])
        self.footnote_page = 0
        self.footnote_due = False
        self.table_done = False

    # -- page furniture ------------------------------------------------------------------------
    def new_page(self, columns: int) -> None:
        if self.footnote_page == self.page and self.page:
            self.footnote_due = True
        self.page += 1
        self.pdf.add_page()
        self.pdf.set_font("Helvetica", size=8)
        self.pdf.set_xy(MARGIN, 10)
        self.pdf.cell(PAGE_W - 2 * MARGIN, 5, HEADER, align="R")
        self.pdf.set_xy(MARGIN, PAGE_H - 18)
        footer = str(self.page) if self.footer_style == "plain" else f"Page {self.page} of {self.n_pages}"
        self.pdf.cell(PAGE_W - 2 * MARGIN, 5, footer, align="C")
        self.columns, self.col, self.y, self.bottom = columns, 0, BODY_TOP, BODY_BOTTOM

    def col_box(self) -> tuple[float, float]:
        if self.columns == 1:
            return MARGIN, PAGE_W - 2 * MARGIN
        w = (PAGE_W - 2 * MARGIN - 8) / 2
        return MARGIN + self.col * (w + 8), w

    def advance(self, h: float) -> bool:
        """Room for a line of height h? Moves to the next column or page when not."""
        if self.y + h <= self.bottom:
            return True
        if self.col + 1 < self.columns:
            self.col, self.y = self.col + 1, BODY_TOP
            return True
        if self.page >= self.n_pages:
            return False
        self.new_page(self.rng.choice([1, 2]))
        return True

    # -- content -------------------------------------------------------------------------------
    def heading(self, text: str) -> bool:
        if self.y > BODY_TOP:
            self.y += 3
        if self.y + 20 > self.bottom and not self.advance(100):  # keep with the next lines
            return False
        if self.y + 20 > self.bottom:
            self.y = self.bottom + 1
            self.advance(LINE_H)
        self.flush_footnote()
        x, _ = self.col_box()
        self.pdf.set_font("Helvetica", "B", 13)
        self.pdf.set_xy(x, self.y)
        self.pdf.cell(0, 7, text)
        self.y += 9
        self.report.blocks.append(("heading", text))
        return True

    def _break_lines(self, words: list[str], width: float) -> list[tuple[str, tuple[str, ...]]]:
        """Greedy line breaking; each line comes with how it was broken: () or a split or a compound."""
        lines: list[tuple[str, tuple[str, ...]]] = []
        cur = ""
        sw = self.pdf.get_string_width
        words = list(words)
        i = 0
        while i < len(words):
            w = words[i]
            trial = f"{cur} {w}" if cur else w
            if sw(trial) <= width:
                cur, i = trial, i + 1
                continue
            room = width - sw(cur + " ") if cur else width
            if "-" in w.strip(".,") and sw(w.split("-")[0] + "-") <= room:
                head, tail = w.split("-", 1)
                lines.append((f"{cur} {head}-".strip(), ("compound", w.strip(".,;"))))
                words[i], cur = tail, ""
                continue
            core = re.match(r"[a-z]+", w)
            # A deterministic choice (by word and room), so re-breaking the same words gives the same lines.
            if core and len(core.group(0)) >= 9 and zlib.crc32(w.encode()) % 5:
                letters = core.group(0)
                cut = next((c for c in range(len(letters) - 3, 3, -1) if sw(letters[:c] + "-") <= room), 0)
                if cut:
                    lines.append((f"{cur} {letters[:cut]}-".strip(), ("split", letters, letters[:cut])))
                    words[i], cur = w[cut:], ""
                    continue
            lines.append((cur, ()))
            cur = ""
        if cur:
            lines.append((cur, ()))
        return lines

    def paragraph(self, text: str, full_last_line: bool, size: float = 10.5, kind: str = "para") -> bool:
        self.pdf.set_font("Helvetica", size=size)
        _, width = self.col_box()
        words = text.split()
        if full_last_line:
            # Draw paragraphs until one ends in a nearly full line: no short line marks its end.
            for _ in range(500):
                if self.pdf.get_string_width(self._break_lines(words, width)[-1][0]) >= 0.93 * width:
                    break
                words = _paragraph(self.rng).split()
        true_text = " ".join(words)
        placed = 0
        remaining = words
        while remaining:
            if not self.advance(LINE_H):
                break
            if not placed:
                self.flush_footnote()  # the footnote ends the page before this paragraph starts
            self.pdf.set_font("Helvetica", size=size)  # a new page set the footer's font
            x, width = self.col_box()
            lines = self._break_lines(remaining, width)
            # Place as many lines as fit in this column, then re-wrap the rest for the next one.
            fit = max(1, int((self.bottom - self.y) // LINE_H))
            for ln, how in lines[:fit]:
                if how and how[0] == "split":
                    self.report.splits.append((how[1], how[2]))
                elif how:
                    self.report.compounds.append(how[1])
                self.pdf.set_xy(x, self.y)
                self.pdf.cell(width, LINE_H, ln)
                self.y += LINE_H
                placed += 1
            rest = " ".join(ln for ln, _ in lines[fit:])
            remaining = rest.split() if rest else []
            if remaining:
                self.y = self.bottom + 1
        self.y += PARA_GAP
        if placed:
            self.report.blocks.append((kind, true_text))
        self.flush_footnote()  # a paragraph that ran over the page break comes before the footnote
        return bool(placed)

    def table(self) -> None:
        if not self.advance(LINE_H * (len(TABLE) + 1)) or self.y + LINE_H * len(TABLE) > self.bottom:
            return
        self.flush_footnote()
        self.table_done = True
        x, width = self.col_box()
        for r, row in enumerate(TABLE):
            self.pdf.set_font("Helvetica", "B" if r == 0 else "", 9)
            for c, cell in enumerate(row):
                self.pdf.set_xy(x + (0 if c == 0 else width * 0.45 + (c - 1) * width * 0.18), self.y)
                self.pdf.cell(width * 0.18 if c else width * 0.45, LINE_H, cell, align="L" if c == 0 else "R")
                self.report.table_words.update(cell.lower().split())
            self.y += LINE_H
        self.y += PARA_GAP
        self.report.blocks.append(("table", " ".join(" ".join(row) for row in TABLE)))

    def flush_footnote(self) -> None:
        if self.footnote_due:
            self.report.blocks.append(("footnote", FOOTNOTE))
            self.footnote_due = False

    def footnote_here(self) -> None:
        """A footnote at the foot of this page; the body stops above it."""
        self.pdf.set_font("Helvetica", size=7.5)
        self.pdf.set_xy(MARGIN, BODY_BOTTOM - 6)
        self.pdf.cell(PAGE_W - 2 * MARGIN, 4, FOOTNOTE)
        self.bottom = BODY_BOTTOM - 10
        self.footnote_page = self.page


def make_report(seed: int, n_pages: int = 6) -> Report:
    """A report of n_pages with a known answer."""
    rng = random.Random(seed)
    w = _Writer(rng, n_pages, footer_style="plain" if seed % 2 else "of")
    w.new_page(1)
    section = 0
    while True:
        if w.page == min(2, n_pages) and w.footnote_page == 0:
            w.footnote_here()
        section += 1
        if not w.heading(f"{section}. {rng.choice(HEADINGS)}"):
            break
        for _ in range(rng.randint(2, 4)):
            if not w.paragraph(_paragraph(rng), full_last_line=rng.random() < 0.4):
                break
            if not w.table_done and section >= 2 and w.page >= 2:
                w.table()
        if w.page >= n_pages and w.y > w.bottom - 30:
            break
    w.flush_footnote()
    w.report.pdf = bytes(w.pdf.output())
    w.report.pages = w.page
    return w.report


# -- extractors: each returns the text of the whole PDF, blocks separated by blank lines ------------------


def _blocks_from_lines(text: str) -> str:
    """Raw extractor output as blocks: blank lines separate, lines inside a block are joined."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\x0c", "\n\n"))
    return "\n\n".join(" ".join(b.split()) for b in blocks if b.strip())


def ours(data: bytes) -> str:
    from pipeline.ingest.pdf import read_pdf

    return read_pdf(data, "bench.pdf").text


def pypdf_plain_with_heuristics(data: bytes) -> str:
    """The reader before positions were used: plain text per page, then our line heuristics."""
    import io

    from pypdf import PdfReader

    from pipeline.ingest.pdf import _strip_furniture, lines_to_paragraphs

    pages = [(p.extract_text() or "").split("\n") for p in PdfReader(io.BytesIO(data)).pages]
    text = "\n\n".join(t for t in (lines_to_paragraphs(ls) for ls in _strip_furniture(pages)) if t)
    return re.sub(r"([a-z,;])\n\n(?!#|- )([a-z])", r"\1 \2", text)  # page breaks, as the old reader did


def pypdf_layout(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return _blocks_from_lines("\n\n".join(p.extract_text(extraction_mode="layout")
                                            for p in PdfReader(io.BytesIO(data)).pages))


def pdfminer(data: bytes) -> str:
    import io

    from pdfminer.high_level import extract_text

    return _blocks_from_lines(extract_text(io.BytesIO(data)))


def pdfplumber_text(data: bytes) -> str:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return _blocks_from_lines("\n\n".join(p.extract_text() or "" for p in pdf.pages))


def pypdfium2_text(data: bytes) -> str:
    import pypdfium2

    doc = pypdfium2.PdfDocument(data)
    try:
        return _blocks_from_lines("\n\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))))
    finally:
        doc.close()


EXTRACTORS: list[tuple[str, str, Callable[[bytes], str]]] = [
    ("ours: read_pdf (pypdf + positions)", "pypdf", ours),
    ("pypdf plain + our heuristics (previous)", "pypdf", pypdf_plain_with_heuristics),
    ("pypdf layout mode, raw", "pypdf", pypdf_layout),
    ("pdfminer.six extract_text, raw", "pdfminer", pdfminer),
    ("pdfplumber extract_text, raw", "pdfplumber", pdfplumber_text),
    ("pypdfium2 get_text_range, raw", "pypdfium2", pypdfium2_text),
]


# -- scoring -------------------------------------------------------------------------------------------


def _norm(block: str) -> str:
    return " ".join(re.sub(r"^(#+|-)\s+", "", block.strip()).split())


@dataclass
class Score:
    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0
    order_ok: int = 0
    order_n: int = 0
    ratio_sum: float = 0.0
    docs: int = 0
    leaks: int = 0
    pages: int = 0
    hyph_ok: int = 0
    hyph_n: int = 0
    seconds: float = 0.0


def score(report: Report, text: str, s: Score) -> None:
    """Add one report's scores to s."""
    gold = [(k, _norm(t)) for k, t in report.blocks if k != "table"]
    pred = [_norm(b) for b in text.split("\n\n") if b.strip()]
    pred = [b for b in pred if not set(b.lower().split()) <= report.table_words]  # a table kept as rows
    gold_set = Counter(t for _, t in gold)
    s.tp += sum((Counter(pred) & gold_set).values())
    s.n_pred += len(pred)
    s.n_gold += len(gold)
    flat = " ".join(pred)
    # Align output words with the true words; a paragraph sits where most of its words landed.
    gold_words, spans = [], []
    for kind, t in report.blocks:
        words = _norm(t).split()
        spans.append((kind, len(gold_words), len(gold_words) + len(words)))
        gold_words += words
    out_words = flat.replace(FOOTNOTE, "").split()
    matcher = difflib.SequenceMatcher(None, gold_words, out_words, autojunk=False)
    where: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        where.update((a + k, b + k) for k in range(size))
    positions = []
    for kind, lo, hi in spans:
        if kind == "para":
            found = sorted(where[i] for i in range(lo, hi) if i in where)
            positions.append(found[len(found) // 2] if len(found) > (hi - lo) // 2 else -1)
    pairs = [(a, b) for a, b in zip(positions, positions[1:]) if a >= 0 and b >= 0]
    s.order_ok += sum(a < b for a, b in pairs)
    s.order_n += len(positions) - 1
    s.ratio_sum += matcher.ratio()
    s.docs += 1
    s.leaks += flat.count(HEADER) + len(re.findall(r"\bPage \d+ of \d+\b", flat))
    s.leaks += sum(1 for b in text.split("\n\n") if re.fullmatch(r"\d{1,3}", b.strip()))  # lone page numbers
    s.leaks += len(re.findall(r"[a-z.] \d{1,2} [A-Z]", flat.replace(FOOTNOTE, "")))  # numbers inside text
    s.pages += report.pages
    gold_text = " ".join(t for _, t in report.blocks)
    for whole in {w for w, _ in report.splits}:
        n_split = sum(1 for w, _ in report.splits if w == whole)
        unsplit = len(re.findall(rf"\b{whole}\b", gold_text)) - n_split
        s.hyph_ok += max(0, min(n_split, len(re.findall(rf"\b{whole}\b", flat)) - unsplit))
        s.hyph_n += n_split
    for comp in set(report.compounds):
        n_split = report.compounds.count(comp)
        others = len(re.findall(rf"\b{re.escape(comp)}\b", gold_text)) - n_split
        s.hyph_ok += max(0, min(n_split, len(re.findall(rf"\b{re.escape(comp)}\b", flat)) - others))
        s.hyph_n += n_split


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=6)
    ap.add_argument("--pages", type=int, default=6)
    ap.add_argument("--real", nargs="*", default=[], help="real PDFs to print the start of, for a look by eye")
    args = ap.parse_args()
    reports = [make_report(seed, args.pages) for seed in range(args.docs)]
    n_pages = sum(r.pages for r in reports)
    n_split = sum(len(r.splits) for r in reports)
    n_comp = sum(len(r.compounds) for r in reports)
    print(f"{len(reports)} reports, {n_pages} pages, {sum(len(r.blocks) for r in reports)} true blocks, "
          f"{n_split} words split at line ends, {n_comp} compounds broken at their hyphen\n")
    print("| extractor | para P | para R | para F1 | order | text | leak/page | hyphen | ms/page |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, module, fn in EXTRACTORS:
        if importlib.util.find_spec(module) is None:
            print(f"| {name} | not installed | | | | | | | |")
            continue
        s = Score()
        for r in reports:
            t0 = time.perf_counter()
            text = fn(r.pdf)
            s.seconds += time.perf_counter() - t0
            score(r, text, s)
        p, rc = s.tp / max(1, s.n_pred), s.tp / max(1, s.n_gold)
        f1 = 2 * p * rc / max(1e-9, p + rc)
        print(f"| {name} | {p:.2f} | {rc:.2f} | {f1:.2f} | {s.order_ok / max(1, s.order_n):.2f} | "
              f"{s.ratio_sum / s.docs:.3f} | {s.leaks / s.pages:.2f} | {s.hyph_ok / max(1, s.hyph_n):.2f} | "
              f"{1000 * s.seconds / s.pages:.0f} |")
    for path in args.real:
        data = Path(path).read_bytes()
        print(f"\n## {path}\n")
        for name, module, fn in EXTRACTORS:
            if importlib.util.find_spec(module) is None:
                continue
            try:
                blocks = fn(data).split("\n\n")
            except Exception as exc:  # a qualitative look: show the failure and go on
                print(f"- {name}: {exc.__class__.__name__}: {exc}")
                continue
            print(f"- {name}: {len(blocks)} blocks; 3 from the middle:")
            for b in blocks[len(blocks) // 2:len(blocks) // 2 + 3]:
                print(f"    > {b[:160]}")


if __name__ == "__main__":
    main()
