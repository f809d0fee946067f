"""The HTML report of a real run, opened from disk in headless Chromium: charts drawn, links resolve, nothing fetched."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from typer.testing import CliRunner

from pipeline.cli import EXIT_FAILED, app
from pipeline.config import Settings
from pipeline.report import period_of, periods, render_report, write_report
from pipeline.run import run_batch

from .conftest import write_files
from .test_digest import write_run

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = '<script>alert(1)</script> "Cluster" news & <b>views</b>'
CHARTS = ("chart-themes", "chart-heatmap", "chart-time")

DOCS = {
    "reports/upper-rhine-health-alliance-review.md": (
        "---\ntitle: \"Upper Rhine Health Technology Alliance: review of the first three years\"\n"
        "date: 2023-11-02\n---\n"
        "# Upper Rhine Health Technology Alliance: review of the first three years\n\n"
        "The alliance links 140 firms and eleven hospitals in Alsace, Baden-Württemberg and north-west "
        "Switzerland. It was founded in 2020 by the BioValley cluster, the Freiburg medical technology network "
        "and the Basel life sciences association.\n\n"
        "## Lessons for other border regions\n\n"
        "Our experience shows that a cross-border alliance works only when each partner brings something the "
        "others lack; agree on shared goals before applying for funding together.\n\n"
        "\"We spent the first year translating rules rather than running projects,\" said Claire Muller, the "
        "alliance's managing director in Strasbourg. \"Other regions should settle the legal form before "
        "they sign the first contract.\"\n\n"
        "Membership fees now cover a third of the budget, so the alliance relies far less on Interreg grants "
        "than in 2021; we recommend that new clusters set a fee before the first call for projects.\n"),
    "news/vigo-offshore-wind-alliance.md": (
        "---\ntitle: \"Galician and Scottish clusters launch an alliance for floating offshore wind\"\n"
        "date: 2024-03-14\n---\n"
        "Three maritime clusters from Galicia, Scotland and Brittany signed an agreement in Vigo to bid "
        "together for floating offshore wind supply contracts.\n\n"
        "\"The biggest lesson from our earlier project was that we had built the partnership around a single "
        "customer,\" said Alasdair MacLeod, chief executive of the Scottish cluster. \"Our advice to any "
        "cluster entering a new market is to spread your bets and be honest with members about timescales.\"\n\n"
        "The Port of Vigo will host a shared test quay from 2025, paid for by the three clusters and the "
        "Xunta de Galicia.\n"),
    "notes/lyon-forum-notes.txt": (
        "Notes from the climate innovation ecosystems forum\n\n"
        "Several clusters represented in Lyon had lost a large share of their income when regional programmes "
        "ended. A cluster from Saxony cut its staff from nine to four and refocused on paid testing services.\n\n"
        "The speakers agreed that the clusters that came through best had discussed funding scenarios with "
        "their boards before the cuts were announced; the lesson is to plan for the end of a grant on the day "
        "it starts.\n"),
    "feeds/cluster-news.jsonl": "\n".join(json.dumps(item, ensure_ascii=False) for item in [
        {"title": "What two health clusters learned from working across the Rhine", "date": "2024-02-07",
         "url": "https://news.example.org/2024/02/cross-border-health-clusters",
         "content": "<p>Experience shows that a cross-border alliance only works when every partner brings "
                    "something the others lack: agree on shared goals before you apply for funding "
                    "together.</p><p>The Freiburg network and BioValley now run a joint office in Basel.</p>"},
        {"title": "Porto accelerator picks twelve ocean start-ups for its second cohort", "date": "2024-05-07",
         "url": "javascript:alert(2)",
         "content": "<p>The BlueWave accelerator in Matosinhos chose twelve ocean start-ups from 140 applicants "
                    "for its second cohort.</p><p>Its manager said the lesson of the first cohort was to pair "
                    "every start-up with a port or a fishing company as its first customer before demo day.</p>"},
    ]) + "\n",
    # Markdown front matter keeps a title's characters as they are; a feed's title loses its tags.
    "news/nakuru-second-hub.md": (
        f"---\ntitle: '{HOSTILE}'\ndate: 2025-01-10\n---\n"
        "The Kenyan agri-tech cluster in Nakuru opened a second hub in Kisumu with support from the county "
        "government.\n\n"
        "Its manager said the lesson of the first hub was to let farmers' cooperatives choose the services the "
        "hub offers before any equipment is bought.\n"),
}


@pytest.fixture(scope="module")
def run_out(tmp_path_factory, model_dir):
    docs = write_files(tmp_path_factory.mktemp("docs"), DOCS)
    out = tmp_path_factory.mktemp("out") / "run"
    assert run_batch(docs, out, Settings(model=model_dir)).ok
    return out


@pytest.fixture(scope="module")
def report_file(run_out, tmp_path_factory):
    # Beside, not inside, the output folder: links to sources must be relative to the page itself.
    return write_report(run_out, tmp_path_factory.mktemp("shared") / "report.html")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("chromium is not installed (Debian package `chromium`; `make browser` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def opened(browser, report_file):
    """The report open in a fresh page, with every request the page made and every dialog it tried."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests, dialogs, errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # e.g. a CSP refusal
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(report_file.as_uri())
    page.wait_for_load_state("networkidle")
    yield page, requests, dialogs, errors
    page.close()


def test_report_loads_nothing_but_itself(opened, report_file):
    page, requests, _, errors = opened
    assert requests == [report_file.as_uri()] and errors == []
    assert page.locator("img, script, link, iframe, object, embed").count() == 0


def test_every_chart_is_inline_svg_with_marks_drawn(opened):
    page, *_ = opened
    for chart in CHARTS:
        svg = page.locator(f"svg:has(g#{chart}-figure_1)")
        assert svg.count() == 1, chart
        box = svg.bounding_box()
        assert box["width"] > 300 and box["height"] > 100, chart
        assert svg.locator("path").count() > 20, chart  # bars or cells, not only axes
        assert svg.locator("text").count() > 5, chart  # labels stay text: searchable, selectable
    assert page.get_by_text("Partnerships").count() > 2  # the codebook's theme names label the charts


def test_digest_citations_lead_to_their_documents(opened, report_file):
    page, *_ = opened
    assert page.locator("#digest ol.lessons > li").count() >= 3
    cites = page.locator("#digest ul.cites a[href^='#']")
    hrefs = cites.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all(page.locator(f"tr[id='{h[1:]}']").count() == 1 for h in hrefs)
    # the reworded lesson of the review and the news item is one entry citing both documents
    # (worded as whichever of the two the classifier ranks first)
    both = page.locator("#digest ol.lessons > li",
                        has_text=re.compile(r"cross-border alliance (?:works only|only works) when (?:each|every) partner"))
    assert both.first.locator("ul.cites li").count() == 2
    assert "https://news.example.org/2024/02/cross-border-health-clusters" in both.first.inner_text()
    # each document row links to its source file, relative to the report
    sources = page.locator("#documents a:not([href^='http'])").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert len(sources) == 6
    for href in sources:
        assert Path(unquote(urlparse(urljoin(report_file.as_uri(), href)).path)).is_file(), href


def test_hostile_title_is_shown_as_text_and_runs_nothing(opened):
    page, _, dialogs, _ = opened
    assert page.locator("script").count() == 0 and dialogs == []
    assert page.locator("#documents td", has_text=HOSTILE).count() == 1
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("b", has_text="views").count() == 0


def test_report_screenshots_and_prints_to_pdf_that_fits_the_page(opened, tmp_path):
    page, *_ = opened
    page.screenshot(path=tmp_path / "report.png", full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 50_000
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 960})  # about an A4 page between 15 mm margins
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1]  # no chart or table runs off the page
    pdf = page.pdf(format="A4")
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000


def test_people_places_and_organisations_per_theme(report_file):
    html = report_file.read_text(encoding="utf-8")
    names = html[html.index('<section id="names">'):html.index('<section id="digest">')]
    assert "Claire Muller" in names and "Alasdair MacLeod" in names and "Vigo" in names


def test_duplicate_documents_are_left_out_and_said_so(run_out, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(run_out, out)
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    repost = next(d for d in docs if d["doc_id"] == "feeds/cluster-news.jsonl:1")
    repost["duplicate_of"] = "reports/upper-rhine-health-alliance-review.md"  # as the duplicates step marks it
    (out / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    before, after = render_report(run_out, tmp_path), render_report(out, tmp_path)
    assert "1 duplicate document is not counted" in after and "duplicate document" not in before
    assert "<dd>5 counted" in after and "<dd>6 counted" in before
    assert "duplicate of <a href=" in after
    assert "https://news.example.org/2024/02/cross-border-health-clusters" not in after.split('<section id="documents">')[0]


def test_same_run_gives_the_same_page(run_out, tmp_path):
    assert render_report(run_out, tmp_path) == render_report(run_out, tmp_path)


def test_an_empty_run_says_what_is_missing_instead_of_drawing_empty_charts(tmp_path):
    doc = {"doc_id": "notes/minutes.txt", "path": "notes/minutes.txt", "format": "txt", "title": "Board minutes",
           "published": None, "url": None}
    html = render_report(write_run(tmp_path / "out", [doc], []), tmp_path)
    for said in ("No passages in this run.", "No passage is tagged with a theme.",
                 "No document has a published date, so there is no timeline. 1 of 1 documents have no published date",
                 "No lesson passages in this run.", "No organisations, places or people were found"):
        assert said in html
    assert "<svg" not in html


@pytest.mark.parametrize(("dates", "unit", "labels"), [
    (["2024-03-19", "2024-05-07", "2024-05"], "month", ["2024-03", "2024-04", "2024-05"]),
    (["2021-01-02", "2024-06-01"], "year", ["2021", "2022", "2023", "2024"]),  # over three years: by year
    (["2023", "2024-02-01"], "year", ["2023", "2024"]),  # a date without a month cannot go in a month
])
def test_timeline_is_by_month_or_by_year_without_gaps(dates, unit, labels):
    assert periods([period_of(d) for d in dates])[:2] == (unit, labels)


def test_cli_writes_the_report_and_fails_clearly_without_a_run(run_out, tmp_path):
    result = runner.invoke(app, ["report", str(run_out), "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    result = runner.invoke(app, ["report", str(tmp_path / "nothing"), "--html", str(tmp_path / "r2.html")])
    assert result.exit_code == EXIT_FAILED and "output folder not found" in result.output


def test_chart_labels_are_shown_literally_even_with_dollar_signs_and_markup():
    from pipeline.charts import heatmap

    svg = heatmap(["Seed fund grows from $5m to $10m", HOSTILE], ["Partnerships"], [[2], [1]], chart_id="t")
    assert "Seed fund grows from $5m to $10m" in svg  # not typeset as mathematics between the dollars
    assert "<script>" not in svg and "&lt;script&gt;alert(1)" in svg


def test_the_same_run_gives_the_same_page_whatever_the_string_hash_seed(run_out, tmp_path):
    """Ties among the names per theme must not follow Python's per-process string hashing."""
    import os
    import subprocess
    import sys

    out = run_out
    pages = []
    for seed in ("1", "2"):
        page = tmp_path / f"report-{seed}.html"
        subprocess.run([sys.executable, "-m", "pipeline", "report", str(out), "--html", str(page)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
        pages.append(page.read_bytes())
    assert pages[0] == pages[1]
