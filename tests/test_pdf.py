"""The PDF reader on reports the tests lay out line by line, so the true paragraphs are known."""

from __future__ import annotations

import resource
import time

import pytest

from pipeline.errors import IngestError
from pipeline.ingest.pdf import read_pdf

from .badfiles import flate_bomb_pdf

HEADER = "Baltic Maritime Cluster | Evaluation report 2024"
LINE_H = 5.0


def make_report(pages: list[list[tuple[str, list[str]]]]) -> bytes:
    """One list of columns per page; each column lists (kind, lines) blocks, kind heading or para.

    Lines are placed as given, so a test decides where lines break and hyphens fall.
    """
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    for n, columns in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(20, 10)
        pdf.cell(170, 5, HEADER, align="R")
        pdf.set_xy(20, 279)
        pdf.cell(170, 5, f"Page {n} of {len(pages)}", align="C")
        width = 170 if len(columns) == 1 else 81
        for c, blocks in enumerate(columns):
            x, y = 20 + c * (width + 8), 28.0
            for kind, lines in blocks:
                pdf.set_font("Helvetica", "B" if kind == "heading" else "", 13 if kind == "heading" else 10.5)
                for ln in lines:
                    pdf.set_xy(x, y)
                    pdf.cell(width, LINE_H, ln)
                    y += LINE_H + (3 if kind == "heading" else 0)
                y += 3
    return bytes(pdf.output())


ANNEXES = [("Interviews", "The evaluators met the chairs of all working groups in spring."),
           ("Survey method", "A questionnaire went to every member firm in May and June."),
           ("Data sources", "Regional statistics came from the national statistics office."),
           ("Glossary", "A cluster here means firms and institutes that work together in one region.")]


def other_pages(n: int) -> list[list[list[tuple[str, list[str]]]]]:
    """Pages of other text after the one under test, so that running headers can be told apart."""
    return [[[("heading", [f"Annex: {title}"]), ("para", [text])]] for title, text in ANNEXES[:n]]


def paragraphs(data: bytes) -> list[str]:
    return read_pdf(data, "r.pdf").text.strip().split("\n\n")


FULL_LAST_LINE = [  # every line of the first paragraph is nearly full; only the gap shows its end
    "The cluster secretariat organised twelve workshops on port logistics during the year and",
    "brought together shipyards, software firms and the two universities of the region to plan",
    "joint projects; the members valued these meetings more than any other service they used.",
]
NEXT_PARAGRAPH = [
    "Funding remained the main worry of the board, because the regional grant ends in 2026 and",
    "membership fees cover less than a third of the budget.",
]


def test_a_gap_ends_a_paragraph_whose_last_line_is_nearly_full():
    data = make_report([[[("heading", ["1. Services for members"]), ("para", FULL_LAST_LINE),
                          ("para", NEXT_PARAGRAPH)]]] + other_pages(2))
    ps = paragraphs(data)
    assert ps[:3] == ["# 1. Services for members", " ".join(FULL_LAST_LINE), " ".join(NEXT_PARAGRAPH)]


LEFT = [("heading", ["2. Governance"]),
        ("para", ["The steering committee meets four times a", "year and includes two representatives of",
                  "the regional development agency."]),
        ("para", ["Members elect the chair for two years; the", "chair cannot serve more than two terms in",
                  "a row."])]
RIGHT = [("para", ["International partners joined in 2022 from", "Finland and Estonia, and three of them now",
                   "lead working groups on offshore wind."]),
         ("heading", ["3. Results"]),
         ("para", ["Forty-one firms took part in at least one", "joint project, twice as many as in 2020."])]


def test_two_columns_are_read_column_by_column():
    ps = paragraphs(make_report([[LEFT, RIGHT]] + other_pages(2)))
    expected = ["# 2. Governance", " ".join(LEFT[1][1]), " ".join(LEFT[2][1]), " ".join(RIGHT[0][1]),
                "# 3. Results", " ".join(RIGHT[2][1])]
    assert ps[:6] == expected


def test_running_headers_and_page_numbers_are_dropped():
    text = read_pdf(make_report([[LEFT, RIGHT]] + other_pages(3)), "r.pdf").text
    assert "Baltic Maritime Cluster" not in text and "Page 2 of 4" not in text and "Page" not in text
    assert text.startswith("# 2. Governance") and text.rstrip().endswith(ANNEXES[2][1])


def test_hyphenated_words_are_rejoined_and_compounds_keep_their_hyphen():
    lines = ["Cross-border cooperation and innovation were the themes of the year; the inno-",
             "vation office helped seven firms with long-term plans and four with cross-",
             "border contracts, and the office will keep its long-",
             "term contracts with the region."]
    ps = paragraphs(make_report([[[("para", lines)]]] + other_pages(2)))
    assert ps[0] == ("Cross-border cooperation and innovation were the themes of the year; the innovation office "
                     "helped seven firms with long-term plans and four with cross-border contracts, and the office "
                     "will keep its long-term contracts with the region.")


def test_a_paragraph_runs_on_across_a_page_break():
    first = [("para", ["The evaluators interviewed thirty members, the regional agency and", "both universities,"])]
    second = [("para", ["and they read the minutes of every board meeting since 2020."])]
    ps = paragraphs(make_report([[first], [second]] + other_pages(1)))
    assert ps[0] == ("The evaluators interviewed thirty members, the regional agency and both universities, and they "
                     "read the minutes of every board meeting since 2020.")


def test_a_flate_bomb_is_refused_quickly_without_inflating_it():
    data = flate_bomb_pdf()
    assert len(data) < 20_000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, the peak so far
    t0 = time.perf_counter()
    with pytest.raises(IngestError) as err:
        read_pdf(data, "bomb.pdf")
    assert err.value.kind == "too_large" and "bomb.pdf" in str(err.value)
    assert time.perf_counter() - t0 < 30  # a guard against inflating it all, not a benchmark
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 300 * 1024
