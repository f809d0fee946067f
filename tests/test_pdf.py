"""The PDF reader on reports the tests lay out line by line, so the true paragraphs are known."""

from __future__ import annotations

import resource
import time

import pytest

from pipeline.errors import IngestError
from pipeline.ingest.furniture import is_page_furniture
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


def place(pdf, x: float, y: float, lines: list[str], width: float) -> float:
    """Write lines one under the other from (x, y); a blank line is a paragraph gap. Returns the next y."""
    for ln in lines:
        if ln:
            pdf.set_xy(x, y)
            pdf.cell(width, LINE_H, ln)
            y += LINE_H
        else:
            y += 3
    return y


ABOVE = ["The findings are organised around the three questions set by the steering committee: how the",
         "partnership was governed, how it was financed, and how it worked with smaller firms."]
BAND_LEFT = ["The partnership was governed by a steering", "committee of eleven members, chaired in turn",
             "by the two port authorities.", "",
             "A small secretariat of four staff handled", "coordination and reporting. Members said that",
             "it was the single most important ingredient", "of success, because it kept projects moving",
             "between meetings."]
BAND_RIGHT = ["However, the consensus rule made it hard to", "stop projects that were under-performing, and",
              "two of them ran on for a year.", "",
              "From 2021 the committee introduced a review", "of every project each six months, a change",
              "widely welcomed by the member organi-", "sations."]
BELOW = ["Between 2019 and 2022 the partnership attracted 214 million euros of public and private investment",
         "from its members and the regional development agency."]


def band_report(below: bool) -> bytes:
    """A page with full-width text above a two-column band and, if asked, a heading and text below it."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    y = place(pdf, 15, 20, ABOVE, 180) + 3
    bottom = max(place(pdf, 15, y, BAND_LEFT, 85), place(pdf, 110, y, BAND_RIGHT, 85))
    if below:
        pdf.set_font("Helvetica", "B", 12)
        pdf.set_xy(15, bottom + 5)
        pdf.cell(180, 7, "2.2 Funding")
        pdf.set_font("Helvetica", size=10)
        place(pdf, 15, bottom + 14, BELOW, 180)
    return bytes(pdf.output())


def joined(lines: list[str]) -> list[str]:
    text = " ".join(lines).replace("organi- sations", "organisations")
    return [p.strip() for p in text.split("  ")]


@pytest.mark.parametrize("below", [True, False])
def test_a_column_band_between_full_width_text_is_read_column_by_column(below):
    ps = paragraphs(band_report(below))
    expected = [" ".join(ABOVE)] + joined(BAND_LEFT) + joined(BAND_RIGHT)
    if below:
        expected += ["# 2.2 Funding", " ".join(BELOW)]
    assert ps == expected


def test_words_split_by_wrapping_are_joined_and_compounds_keep_their_hyphen():
    lines = ["The Upper Rhine network was designed as a cross-border platform for firms, universities and imple-",
             "mentation agencies in Alsace and Basel, to link large chemical compa-",
             "nies with young firms; it became a meeting place for stake-",
             "holders, although the long-",
             "term budget and the COVID-",
             "19 crisis limited its cross-",
             "border and self-",
             "financed projects."]
    ps = paragraphs(make_report([[[("para", lines)]]] + other_pages(2)))
    assert ps[0] == ("The Upper Rhine network was designed as a cross-border platform for firms, universities and "
                     "implementation agencies in Alsace and Basel, to link large chemical companies with young firms; "
                     "it became a meeting place for stakeholders, although the long-term budget and the COVID-19 "
                     "crisis limited its cross-border and self-financed projects.")


def small_print_report() -> bytes:
    """A report page with a contents list, a caption, a footnote marker and footnote, and a list."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 22)
    pdf.set_xy(15, 20)
    pdf.multi_cell(180, 10, "Evaluation of the North Sea Hydrogen Valley Partnership", align="C")
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_xy(15, 50)
    pdf.cell(180, 7, "Contents")
    pdf.set_font("Helvetica", size=10)
    for i, (title, page) in enumerate([("1 Introduction", 2), ("1.1 Purpose of the evaluation", 2), ("2 Findings", 3)]):
        pdf.set_xy(15, 60 + 6 * i)
        pdf.cell(180, 6, f"{title} {'.' * 60} {page}")
    pdf.set_font("Helvetica", "B", 12)
    pdf.set_xy(15, 90)
    pdf.cell(180, 7, "2.3 Collaboration with SMEs")
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(15, 100)
    pdf.write(LINE_H, "Small firms were the least satisfied group in the survey. Only 31 percent said the partnership helped")
    pdf.set_xy(15, 105)
    pdf.write(LINE_H, "them find new customers")
    pdf.set_font("Helvetica", size=6)
    pdf.set_xy(pdf.get_x(), 104)
    pdf.write(LINE_H, "1")
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(pdf.get_x(), 105)
    pdf.write(LINE_H, ", compared with 64 percent of large members.")
    pdf.set_font("Helvetica", "I", 9)
    pdf.set_xy(15, 115)
    pdf.cell(180, 5, "Table 1: Key indicators, 2019-2022")
    pdf.set_font("Helvetica", size=10)
    y = place(pdf, 15, 125, ["The main barriers reported by small firms were:"], 180)
    for item in ["the cost of preparing joint funding applications;", "a lack of information about tenders."]:
        pdf.set_xy(20, y)
        pdf.cell(5, LINE_H, chr(149))
        y = place(pdf, 25, y, [item], 160)
    pdf.set_font("Helvetica", size=7)
    pdf.set_xy(15, 270)
    pdf.cell(180, 4, "1 Survey of 118 firms conducted in November 2022; response rate 38 percent.")
    return bytes(pdf.output())


def test_small_print_and_contents_do_not_become_headings_or_passages():
    text = read_pdf(small_print_report(), "r.pdf").text
    ps = text.strip().split("\n\n")
    assert ps[0] == "# Evaluation of the North Sea Hydrogen Valley Partnership"  # one title over two lines
    assert "....." not in text and "Contents" not in text and "# 1" not in ps
    assert ps[1] == "# 2.3 Collaboration with SMEs"
    assert ps[2] == ("Small firms were the least satisfied group in the survey. Only 31 percent said the partnership "
                     "helped them find new customers, compared with 64 percent of large members.")
    assert ps[3] == "Table 1: Key indicators, 2019-2022"
    assert ps[4] == ("The main barriers reported by small firms were:\n- the cost of preparing joint funding "
                     "applications;\n- a lack of information about tenders.")
    assert ps[5].startswith("1 Survey of 118 firms")


def test_without_a_usable_title_in_the_metadata_the_cover_heading_is_the_title():
    from fpdf import FPDF

    def report(meta_title: str | None) -> bytes:
        pdf = FPDF()
        if meta_title:
            pdf.set_title(meta_title)
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 20)
        pdf.multi_cell(0, 10, "Mid-term Review of the Tees Valley Hydrogen Hub")
        pdf.ln(6)
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, "The hub brought together twelve industrial partners, two universities and the "
                             "combined authority to test hydrogen supply for heavy industry between 2021 and 2024.")
        return bytes(pdf.output())

    for meta in (None, "Microsoft Word - TVHH_review_v7.docx"):
        assert read_pdf(report(meta), "r.pdf").title == "Mid-term Review of the Tees Valley Hydrogen Hub"
    assert read_pdf(report("Tees Valley Hydrogen Hub: mid-term review"), "r.pdf").title == \
        "Tees Valley Hydrogen Hub: mid-term review"


# A short news item as a regional network's website prints it: a title, two sub-headings, six
# paragraphs. The tests lay it out on one to three pages with the furniture printers and browsers add.
NEWS_TITLE = "Shared hydrogen test bay opens to small firms in Aberdeen"
NEWS_URL = "https://examplenetwork.org/news/shared-hydrogen-test-bay-opens"
NEWS = [
    ("heading", NEWS_TITLE),
    ("para", "Twelve small engineering firms from the north east of Scotland will be the first to use a shared "
             "hydrogen test bay at the Energy Transition Zone in Aberdeen, after the network and its partners "
             "agreed how time on the rig will be shared between members. The bay, built with support from the "
             "regional Just Transition Fund, lets a firm run a fuel cell or a small electrolyser for up to two "
             "weeks under supervision, something most of them could not afford to set up alone."),
    ("para", "Until now, members told us that the hardest step was not designing a component but proving that it "
             "worked safely with hydrogen. A valve maker in Inverurie and a software firm in Dundee both said they "
             "had lost contracts because they had no test data to show a buyer, and several others had been "
             "quoted six-figure sums for a single week at a commercial test centre abroad."),
    ("heading", "How the booking works"),
    ("para", "Firms apply through the network with a short test plan, and a panel of two engineers from the "
             "university and one from industry checks that the plan is safe and that the firm has the staff to "
             "run it. Members pay a day rate that covers gas, consumables and the safety officer; the first three "
             "days are free for any firm with fewer than fifty employees, which the board hopes will bring in "
             "companies that have never worked with hydrogen before."),
    ("para", "The network will publish a short anonymised summary of each test, so that what one firm learns about "
             "seals, sensors or control software is not lost when its booking ends. Firms can ask for commercially "
             "sensitive results to be held back for a year."),
    ("heading", "What comes next"),
    ("para", "The partners plan a second bay for larger electrolysers in 2026 if bookings reach eighty days a year, "
             "and they are talking to the port authority about a site where test equipment can be loaded straight "
             "onto vessels. Members who want to take part in the first round should send a test plan to the "
             "innovation team by the end of May."),
    ("para", "Our chair said that the bay was the clearest answer yet to the question members ask most often, "
             "which is what the network does for a firm of ten people. She thanked the university, the council "
             "and the fourteen firms who gave their time to the design workshops last autumn."),
]
SITE_HEADER = [("Example Energy Network | " + NEWS_TITLE, "R")]
PRINTED = "05/12/2026, 10:14"


def news_pdf(pages: list[list[tuple]], header=(), footer=(), heading_size: float = 13) -> bytes:
    """Lay out NEWS blocks page by page, each ``(kind, text)`` or ``(kind, text, first, last)``: only
    lines ``first:last`` of the wrapped paragraph, so a paragraph can run over the page break.

    ``header`` and ``footer`` list ``(text, align)`` pieces set in small print on one line at the top
    and foot of every page, where ``{n}`` and ``{m}`` become the page number and count.
    """
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_title(NEWS_TITLE)
    pdf.set_auto_page_break(False)
    for n, blocks in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        for pieces, y in ((header, 8), (footer, 286)):
            for text, align in pieces:
                pdf.set_xy(15, y)
                pdf.cell(180, 4, text.format(n=n, m=len(pages)), align=align)
        y = 22.0
        for kind, text, *cut in blocks:
            size, style = (heading_size, "B") if kind == "heading" else (10.5, "")
            pdf.set_font("Helvetica", style, size)
            lines = pdf.multi_cell(170, LINE_H, text, dry_run=True, output="LINES")
            for ln in lines[slice(*cut)] if cut else lines:
                pdf.set_xy(20, y)
                pdf.cell(170, LINE_H, ln)
                y += LINE_H + (2 if kind == "heading" else 0)
            y += 4
    return bytes(pdf.output())


def news_text(blocks=NEWS) -> list[str]:
    """The paragraphs a reader sees: headings marked ``# ``."""
    return [("# " if kind == "heading" else "") + text for kind, text in blocks]


TWO_PAGES = [NEWS[:5], NEWS[5:]]


@pytest.mark.parametrize("footer", [
    "examplenetwork.org Page {n} of {m}", "Page {n} of {m}", "page {n}/{m}", "{n} / {m}", "- {n} -",
    "examplenetwork.org/news | {n}", NEWS_URL + " {n}",
])
def test_the_running_header_and_footer_of_a_two_page_item_are_dropped(footer):
    text = read_pdf(news_pdf(TWO_PAGES, SITE_HEADER, [(footer, "C")]), "n.pdf").text
    assert text.strip().split("\n\n") == news_text()


@pytest.mark.parametrize("footer", ["examplenetwork.org Page {n} of {m}", "Page {n} of {m}", "- {n} -",
                                    NEWS_URL + "  {n}/{m}"])
def test_the_page_footer_of_a_one_page_item_is_dropped(footer):
    text = read_pdf(news_pdf([NEWS], footer=[(footer, "C")]), "n.pdf").text
    assert text.strip().split("\n\n") == news_text()


BROWSERS = {  # where each browser puts the date, title, address and page number when printing to PDF
    "chrome": ([(PRINTED, "L"), (NEWS_TITLE, "C")], [(NEWS_URL, "L"), ("{n}/{m}", "R")]),
    "firefox": ([(NEWS_TITLE, "L"), (NEWS_URL, "R")], [("Page {n} of {m}", "C"), (PRINTED, "R")]),
    "safari": ([(NEWS_TITLE, "L"), ("5/12/26, 10:14 AM", "R")], [(NEWS_URL, "L"), ("Page {n} of {m}", "R")]),
}


@pytest.mark.parametrize("pages", [[NEWS], TWO_PAGES], ids=["one page", "two pages"])
@pytest.mark.parametrize("browser", sorted(BROWSERS))
def test_what_a_browser_prints_around_each_page_is_dropped(browser, pages):
    header, footer = BROWSERS[browser]
    text = read_pdf(news_pdf(pages, header, footer), "n.pdf").text
    assert text.strip().split("\n\n") == news_text()


@pytest.mark.parametrize("block, lines_on_first_page", [
    (1, 1),  # "... to use a shared" / "hydrogen test bay ...": the next page starts in lowercase
    (1, 3),  # "... built with support from the" / "regional Just Transition Fund ..."
    (4, 2),  # "... the staff to run it." fills its line / "Members pay ...": the sentence ended, the paragraph did not
    (8, 1),  # "... members ask most often," / "which is what ..."
])
def test_a_paragraph_running_over_the_page_break_is_one_paragraph(block, lines_on_first_page):
    kind, text = NEWS[block]
    pages = [NEWS[:block] + [(kind, text, 0, lines_on_first_page)], [(kind, text, lines_on_first_page, None)]
             + NEWS[block + 1:]]
    got = read_pdf(news_pdf(pages, SITE_HEADER, [("examplenetwork.org Page {n} of {m}", "C")]), "n.pdf").text
    assert got.strip().split("\n\n") == news_text()


def test_a_sentence_cut_before_a_name_at_the_page_break_runs_on():
    text = ("The panel that checks each test plan includes an engineer seconded by the port authority and one from "
            "Scottish Enterprise, which also pays for the safety officer in the first year.")
    pages = [NEWS[:2] + [("para", text.split(" Scottish")[0])], [("para", "Scottish" + text.split(" Scottish")[1])]]
    got = read_pdf(news_pdf(pages, SITE_HEADER, [("Page {n} of {m}", "C")]), "n.pdf").text
    assert got.strip().split("\n\n") == news_text(NEWS[:2]) + [text]


@pytest.mark.parametrize("heading_size", [13, 10.5], ids=["larger", "body size"])
def test_paragraphs_and_headings_at_the_page_break_stay_apart(heading_size):
    """A paragraph that ends at the foot of a page and a new one at the top stay two; a heading at the
    foot of a page heads the text on the next (three pages, so running headers are seen as such too)."""
    pages = [NEWS[:5], NEWS[5:7], NEWS[7:]]
    got = read_pdf(news_pdf(pages, SITE_HEADER, [("examplenetwork.org Page {n} of {m}", "C")], heading_size),
                   "n.pdf").text.strip().split("\n\n")
    expected = news_text()
    if heading_size == 10.5:  # a title in body size is told by its shape alone; a sentence-case one is body text
        expected[0] = NEWS_TITLE
    assert got == expected


@pytest.mark.parametrize("line", [
    "examplenetwork.org Page 1 of 2", "page 3/12", "3 / 12", "- 3 -", "p. 4", "https://examplenetwork.org/news/x 1/2",
    "05/12/2026, 10:14 Shared hydrogen test bay opens | Example Energy Network", "Page 2 of 2 05/12/2026, 10:14",
    "Shared hydrogen test bay opens 5/12/26, 10:14 AM", "Example Energy Network | Annual review 2024 | Page 7",
])
def test_print_furniture_is_recognised_by_its_shape(line):
    assert is_page_furniture(line)


@pytest.mark.parametrize("line", [
    "Applications for the first round are open until 30 April at www.examplenetwork.org",
    "The network's helpline for members is open 24/7", "The results are on page 12 of the report.", "see page 12",
    "Members met on 05/12/2026 at the port.", "Node.js developers joined the cluster", "and 3 of 12 firms said so.",
])
def test_body_lines_with_numbers_dates_and_addresses_are_not_print_furniture(line):
    assert not is_page_furniture(line)
