"""Titles, dates, addresses and languages: what each reader finds besides the text."""

from __future__ import annotations

import datetime
import json

import pytest

from pipeline.ingest import read_document, read_documents
from pipeline.segment import split_passages

from .conftest import write_files

BODY = ("The Alpine Medtech Network links 96 medical technology firms in Tyrol, Vorarlberg and South Tyrol "
        "with hospitals in Innsbruck and Bolzano.")
RESULT = "Six workshops led to joint development projects, and two of these received regional innovation vouchers."


def _bold_heading_docx(path, *, created: datetime.datetime | None = None, dateline: str | None = None):
    import docx
    from docx.shared import Pt

    document = docx.Document()
    if created is not None:
        document.core_properties.created = created
    run = document.add_paragraph().add_run("Alpine Medtech Network: Annual Activity Report 2022")
    run.bold, run.font.size = True, Pt(18)
    if dateline:
        document.add_paragraph(dateline)
    document.add_paragraph().add_run("Overview").bold = True
    document.add_paragraph(BODY)
    document.add_paragraph().add_run("Results").bold = True
    document.add_paragraph(RESULT)
    note = document.add_paragraph()
    note.add_run("Note: ").bold = True
    note.add_run("figures for South Tyrol are provisional")
    document.save(path)


def test_docx_bold_and_large_normal_paragraphs_are_headings_and_the_first_is_the_title(tmp_path):
    _bold_heading_docx(tmp_path / "a.docx")
    d = read_document(tmp_path / "a.docx", "a.docx")
    assert d.title == "Alpine Medtech Network: Annual Activity Report 2022"
    ps = split_passages(d)
    assert [(p.section, p.text) for p in ps] == [
        ("Overview", BODY), ("Results", RESULT), ("Results", "Note: figures for South Tyrol are provisional")]


def test_docx_enlarged_line_is_a_heading_but_a_bold_sentence_is_not(tmp_path):
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.add_paragraph(BODY)
    document.add_paragraph().add_run("What the members said").font.size = Pt(16)
    document.add_paragraph().add_run("Membership grew by a third.").bold = True
    document.add_paragraph(RESULT)
    document.save(tmp_path / "b.docx")
    ps = split_passages(read_document(tmp_path / "b.docx", "b.docx"))
    assert [p.section for p in ps if p.text == RESULT] == ["What the members said"]
    assert "Membership grew by a third." in [p.text for p in ps]


def test_docx_created_date_is_used_when_the_text_has_none(tmp_path):
    _bold_heading_docx(tmp_path / "c.docx", created=datetime.datetime(2020, 9, 21, 10, 0))
    assert read_document(tmp_path / "c.docx", "c.docx").published == "2020-09-21"


def test_docx_dateline_wins_over_created_date_and_template_date_is_ignored(tmp_path):
    _bold_heading_docx(tmp_path / "d.docx", created=datetime.datetime(2020, 9, 21), dateline="Innsbruck, 3 May 2023")
    _bold_heading_docx(tmp_path / "e.docx")  # python-docx's template carries a 2013 date of its own
    assert read_document(tmp_path / "d.docx", "d.docx").published == "2023-05-03"
    assert read_document(tmp_path / "e.docx", "e.docx").published is None


ARTICLE = ("<p>An independent evaluation of the Wallonia agri-food cluster finds that its research projects generated "
           "47 new products and 210 jobs between 2012 and 2018.</p><p>The evaluators highlight the cluster's role in "
           "connecting food manufacturers with packaging and logistics firms, but warn that few projects involve "
           "farmers directly.</p><p>They recommend creating a working group on short supply chains.</p>")


def test_html_title_of_a_table_layout_page_is_its_heading_not_the_site_section(tmp_path):
    page = ("<html><head><title>Cluster News - Wallonia Agri-Food Cluster</title></head><body><table>"
            "<tr><td colspan='2'><b>Wagralim Cluster News</b> | <a href='/'>Home</a></td></tr>"
            "<tr><td><b>Menu</b><br><a href='news.html'>News</a></td><td>"
            f"<h2>Agri-food cluster evaluation published</h2><p><i>Published 14 March 2019</i></p>{ARTICLE}"
            "</td></tr></table></body></html>")
    write_files(tmp_path, {"t.html": page})
    d = read_document(tmp_path / "t.html", "t.html")
    assert (d.title, d.published, d.url) == ("Agri-food cluster evaluation published", "2019-03-14", None)


@pytest.mark.parametrize("head,url", [
    ('<link rel="canonical" href="https://blog.example/basque-battery"><meta property="og:url" '
     'content="https://blog.example/other">', "https://blog.example/basque-battery"),
    ('<link rel="canonical" href="/basque-battery"><meta property="og:url" content="https://blog.example/b">',
     "https://blog.example/b"),
    ('<meta property="og:url" content="javascript:alert(1)">', None),
])
def test_html_url_comes_from_canonical_link_else_og_url_and_must_be_absolute(tmp_path, head, url):
    page = (f"<html><head><title>Home | Cluster Observatory Blog</title>{head}"
            '<meta property="og:title" content="Basque Country battery cluster launches recycling pilot">'
            f"</head><body><article><h1>Basque battery cluster launches pilot</h1>{ARTICLE}</article></body></html>")
    write_files(tmp_path, {"o.html": page})
    d = read_document(tmp_path / "o.html", "o.html")
    assert (d.title, d.url) == ("Basque Country battery cluster launches recycling pilot", url)


def test_json_feed_and_rss_field_names_are_read(tmp_path):
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Cluster News Digest", "items": [
        {"id": "1", "title": "Irish medtech cluster expands", "date_published": "2022-08-09T12:00:00+01:00",
         "content_html": "<p>The Galway medtech cluster has added 15 new members.</p><p>Most are start-ups.</p>",
         "url": "https://news.example/galway"},
        {"id": "2", "title": "Tartu cluster", "content_text": "The Tartu ICT cluster opened an office in Riga.",
         "date_published": "2021-06-18"},
        {"title": "Catalan food cluster wins award", "description": "The Catalan food cluster won an award.",
         "pubDate": "Mon, 30 Jan 2023 10:00:00 GMT", "date_modified": "2023-02-01", "link": "https://news.example/cat"},
    ]}
    write_files(tmp_path, {"feed.json": json.dumps(feed)})
    docs = dict(read_documents(tmp_path / "feed.json", "feed.json"))
    first, second, third = docs["feed.json:1"], docs["feed.json:2"], docs["feed.json:3"]
    assert (first.published, first.url) == ("2022-08-09", "https://news.example/galway")
    assert first.text == "The Galway medtech cluster has added 15 new members.\n\nMost are start-ups.\n"
    assert (second.text.strip(), second.published) == ("The Tartu ICT cluster opened an office in Riga.", "2021-06-18")
    assert (third.text.strip(), third.published, third.url) == (
        "The Catalan food cluster won an award.", "2023-01-30", "https://news.example/cat")


@pytest.mark.parametrize("wrapped", [
    lambda items: {"status": "ok", "data": {"total": 2, "items": items}},  # a REST API's envelope
    lambda items: {"data": {"posts": {"nodes": items}}},  # a GraphQL export
    lambda items: {"meta": {"page": 1}, "data": {"articles": items}, "links": {"next": None}},
])
def test_feed_items_inside_an_apis_wrapper_objects_are_found(tmp_path, wrapped):
    items = [{"title": "Tartu cluster opens Riga office", "body": "The Tartu ICT cluster opened an office in Riga."},
             {"title": "Galway medtech grows", "body": "The Galway medtech cluster has added 15 new members."}]
    write_files(tmp_path, {"export.json": json.dumps(wrapped(items))})
    docs = dict(read_documents(tmp_path / "export.json", "export.json"))
    assert sorted(docs) == ["export.json:1", "export.json:2"]
    assert docs["export.json:2"].text.strip() == "The Galway medtech cluster has added 15 new members."
    assert docs["export.json:1"].title == "Tartu cluster opens Riga office"


@pytest.mark.parametrize("text,languages", [
    ("A review of the Estonian ICT cluster found that shared export services were valued most by its 60 members, "
     "while joint research attracted little interest.", ("en",)),
    ("Das Cluster in Stuttgart hat mit den Partnern ein neues Projekt für die Batterieforschung gestartet und will "
     "es in diesem Jahr ausbauen.", ("de",)),
    ("In Wien wurde ein neues Zentrum eröffnet, an dem Firmen aus der Region gemeinsam an Wasserstoff arbeiten "
     "sollen.", ("de",)),
    ("Le pôle de compétitivité de Lyon a signé un accord avec une université canadienne pour des projets communs "
     "en santé.", ("fr",)),
    ("El clúster de Valencia ha firmado un acuerdo con la universidad para crear un laboratorio de baterías en "
     "la región.", ("es", "und")),  # French shares its articles: undecided is fine, English is not
    ("The cluster grew in 2023.", ("und",)),
])
def test_short_feed_items_get_a_language_only_when_it_clearly_leads(tmp_path, text, languages):
    write_files(tmp_path, {"n.jsonl": json.dumps({"title": "News", "summary": text}) + "\n"})
    [(_, d)] = read_documents(tmp_path / "n.jsonl", "n.jsonl")
    assert d.language in languages
