"""PDF and Word documents made by the tests themselves, and the hostile files a batch must survive."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import IngestError
from pipeline.ingest import read_document, read_documents
from pipeline.config import Settings
from pipeline.run import run_batch
from pipeline.segment import split_passages

from .conftest import write_files
from .badfiles import BAD_FILES, PAGES, build, make_docx, make_pdf


def test_pdf_keeps_order_and_headings_and_drops_running_headers_and_page_numbers(tmp_path):
    (tmp_path / "r.pdf").write_bytes(make_pdf())
    d = read_document(tmp_path / "r.pdf", "r.pdf")
    ps = split_passages(d)
    assert list(dict.fromkeys(p.section for p in ps)) == ["1. Cooperation across the border", "2. Funding",
                                                         "3. Recommendations"]
    assert ps[0].text.startswith("The Nordic Forest Bioeconomy Cluster was set up")
    funding = [p for p in ps if p.section == "2. Funding"]
    assert len(funding) == 1 and funding[0].text.endswith("shrink by half in 2026.")
    text = d.text
    assert "Mid-term evaluation of the NFBC" not in text and "Page 2 of 3" not in text
    assert "\n" not in funding[0].text  # wrapped lines became one paragraph


def test_pdf_words_hyphenated_across_lines_are_rejoined():
    from pipeline.ingest.pdf import lines_to_paragraphs

    lines = ["The cluster supports innovation in forestry and its members test new inno-",
             "vation services with partners in a cross-",
             "border network; innovation is the word used in every report."]
    text = lines_to_paragraphs(lines)
    assert "innovation services" in text and "cross-border network" in text


def test_docx_heading_styles_become_sections_and_lists_stay_together(tmp_path):
    (tmp_path / "a.docx").write_bytes(make_docx())
    d = read_document(tmp_path / "a.docx", "a.docx")
    assert d.format == "docx" and d.title == "Andes Water Innovation Hub annual report"
    ps = split_passages(d)
    assert [p.section for p in ps] == ["Letter from the director", "How the hub is financed"]
    assert ps[1].text.endswith("- paid pilots on the La Negra platform")


def test_docx_reads_the_text_word_shows_tracked_changes_accepted_and_content_controls_opened(tmp_path):
    """A draft report circulated with its changes tracked, on a template with content controls."""
    import io

    import docx
    from docx.oxml import parse_xml

    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    w = ns + ' w:author="Reviewer" w:id'  # a tracked change, its id to follow
    document = docx.Document()
    document.add_heading("Mid-term review of the Basque battery cluster", level=1)
    abstract = parse_xml(f'<w:sdt {ns}><w:sdtPr><w:alias w:val="Abstract"/></w:sdtPr><w:sdtContent><w:p><w:r>'
                         '<w:t>The cluster pooled a test bench for its small members in Bilbao.</w:t></w:r></w:p>'
                         '</w:sdtContent></w:sdt>')
    document.element.body.insert(1, abstract)
    para = document.add_paragraph("Members agreed with ")
    para._p.append(parse_xml(f'<w:ins {w}="1"><w:r><w:t xml:space="preserve">the Port of Bilbao </w:t></w:r></w:ins>'))
    para._p.append(parse_xml(f'<w:del {w}="2"><w:r><w:delText xml:space="preserve">the city council </w:delText>'
                             '</w:r></w:del>'))
    para.add_run("to share the costs until 2027.")
    para._p.append(parse_xml(f'<w:moveFrom {w}="3"><w:r><w:t xml:space="preserve"> Old place.</w:t></w:r></w:moveFrom>'))
    buf = io.BytesIO()
    document.save(buf)
    (tmp_path / "draft.docx").write_bytes(buf.getvalue())
    text = read_document(tmp_path / "draft.docx", "draft.docx").text
    assert "The cluster pooled a test bench for its small members in Bilbao." in text
    assert "Members agreed with the Port of Bilbao to share the costs until 2027." in text
    assert "city council" not in text and "Old place" not in text


def test_docx_text_boxes_are_read_once_after_their_paragraph(tmp_path):
    """Reports put case studies in boxes; Word saves each box as a drawing and again as VML."""
    import io

    import docx
    from docx.oxml import parse_xml

    box = ("<w:txbxContent><w:p><w:r><w:t>Box 1: lessons learned</w:t></w:r></w:p><w:p><w:r><w:t>Sharing one "
           "test bench cut the members' costs by a third.</w:t></w:r></w:p></w:txbxContent>")
    run = parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>'
        '</mc:AlternateContent></w:r>')
    document = docx.Document()
    para = document.add_paragraph("The cluster's members bought their equipment together.")
    para._p.append(run)
    document.add_paragraph("The next section turns to funding.")
    buf = io.BytesIO()
    document.save(buf)
    (tmp_path / "boxed.docx").write_bytes(buf.getvalue())
    text = read_document(tmp_path / "boxed.docx", "boxed.docx").text
    blocks = [b.strip() for b in text.split("\n\n") if b.strip()]
    assert [b.lstrip("# ") for b in blocks] == [
        "The cluster's members bought their equipment together.", "Box 1: lessons learned",
        "Sharing one test bench cut the members' costs by a third.", "The next section turns to funding."]


def test_a_docx_python_docx_cannot_open_is_read_from_its_main_part_or_reported_damaged(tmp_path):
    """Some converters write document.xml and little else; its text is still the document."""
    from .badfiles import zip_with

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = (f'<w:document {w}><w:body><w:p><w:r><w:t>Cluster review 2024</w:t></w:r></w:p><w:p><w:r><w:t>The '
            'members shared a test bench in Bilbao</w:t></w:r><w:ins w:id="1"><w:r><w:t> from March 2023</w:t>'
            '</w:r></w:ins><w:r><w:t>.</w:t></w:r></w:p></w:body></w:document>').encode()
    (tmp_path / "converted.docx").write_bytes(zip_with({"word/document.xml": body, "[Content_Types].xml": b"<Types/>"}))
    d = read_document(tmp_path / "converted.docx", "converted.docx")
    assert d.text == "Cluster review 2024\n\nThe members shared a test bench in Bilbao from March 2023.\n"
    (tmp_path / "cut.docx").write_bytes(zip_with({"word/document.xml": body[:60], "[Content_Types].xml": b"<Types/>"}))
    with pytest.raises(IngestError) as err:
        read_document(tmp_path / "cut.docx", "cut.docx")
    assert err.value.kind == "damaged_docx" and "cut.docx: the Word document is damaged" in str(err.value)


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    return root, build(root)


@pytest.fixture(scope="module")
def bad_folder(bad_build):
    return bad_build[0]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_raises_a_clear_error_of_its_kind(bad_folder, name):
    [(doc_id, outcome)] = read_documents(bad_folder / name, name)
    assert isinstance(outcome, IngestError) and doc_id == name
    assert outcome.kind == BAD_FILES[name][1]
    assert name in str(outcome)


def test_batch_over_bad_files_writes_the_good_ones_and_records_each_bad_one(bad_build, tmp_path, model_dir):
    from typer.testing import CliRunner

    from pipeline.cli import EXIT_PARTIAL, app

    bad_folder, expected = bad_build
    result = CliRunner().invoke(app, ["run", str(bad_folder), "--out", str(tmp_path / "out"), "--model", str(model_dir),
                                      "--workers", "2"])
    assert result.exit_code == EXIT_PARTIAL, result.output
    errors = {e["doc_id"]: e["error"] for e in map(json.loads, (tmp_path / "out" / "errors.jsonl").read_text().splitlines())}
    assert errors == {name: kind for name, kind in expected.items() if kind != "ok"}
    docs = [json.loads(line)["doc_id"] for line in (tmp_path / "out" / "documents.jsonl").read_text().splitlines()]
    assert sorted(docs) == sorted(name for name, kind in expected.items() if kind == "ok")
    assert {d.rsplit(".", 1)[-1].split(":")[0] for d in docs} >= {"pdf", "docx", "md", "htm", "html", "txt", "json",
                                                                  "jsonl"}
    passages = [json.loads(line) for line in (tmp_path / "out" / "passages.jsonl").read_text().splitlines()]
    texts = " ".join(p["text"] for p in passages)
    assert "Málaga" in texts and "Saint-Étienne" in texts and "Bilbao" in texts and "set up a jo" in texts
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["counts"]["skipped_hidden"] == 2
    # Escape sequences in names and content never reach the terminal or the records raw.
    assert "\x1b" not in result.output and "\x9b" not in result.output
    assert "district heating" in texts and not any(c in texts for c in "\x1b\x07\x9b")
    hostile = [e for e in map(json.loads, (tmp_path / "out" / "errors.jsonl").read_text().splitlines())
               if e["doc_id"].endswith("name.pdf")]
    assert hostile[0]["path"].endswith("\x1b]0;owned\x07name.pdf")  # the real name, for finding the file
    assert "\\x1b]0;owned\\x07name.pdf" in hostile[0]["message"]  # shown, not obeyed
    raw = (tmp_path / "out" / "errors.jsonl").read_bytes()
    assert b"\x1b" not in raw and b"\x07" not in raw


def test_a_reader_blocked_in_c_with_signals_masked_is_stopped_by_the_parents_deadline(tmp_path, model_dir,
                                                                                      monkeypatch):
    """What a stuck lxml or zlib call looks like: no signal reaches the reader; only the parent can end it."""
    import multiprocessing
    import os
    import signal
    import time

    from pipeline import ingest

    fmt, read_plain = ingest.READERS[".txt"]
    never_written, keep_open = os.pipe()

    def stuck_in_c(data: bytes, doc_id: str):
        if b"STALLS" in data:
            signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
            os.read(never_written, 1)  # blocks in the kernel for ever: nobody writes to this pipe
        return read_plain(data, doc_id)

    monkeypatch.setitem(ingest.READERS, ".txt", (fmt, stuck_in_c))
    para = "The maritime cluster in {} opened a test bed for shore power with the port authority and two yards.\n"
    root = write_files(tmp_path / "docs", {"a.txt": para.format("Vigo"), "b.txt": "STALLS\n\n" + para.format("Gdansk"),
                                           "c.txt": para.format("Aarhus")})
    started = time.monotonic()
    summary = run_batch(root, tmp_path / "out", Settings(model=model_dir, file_timeout=3))
    assert time.monotonic() - started < 90
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert [(e["doc_id"], e["error"]) for e in errors] == [("b.txt", "timeout")]
    assert "reading took longer than 3 s" in errors[0]["message"]
    docs = [json.loads(line)["doc_id"] for line in (tmp_path / "out" / "documents.jsonl").read_text().splitlines()]
    assert docs == ["a.txt", "c.txt"] and summary.documents_ok == 2
    assert multiprocessing.active_children() == []  # the stuck worker was killed, not left behind
    os.close(never_written), os.close(keep_open)


FEED_LINES = [
    json.dumps({"title": "Ports cluster signs alliance", "date": "2024-05-03T10:00:00Z", "url": "https://example.org/a",
                "body": "<p>The Rotterdam port cluster and the Antwerp chemical cluster signed a partnership agreement "
                        "to share shore-power test data.</p><p>The two clusters will also set up a joint working group "
                        "on hydrogen bunkering.</p>"}),
    '{"title": "cut off", "text": ',
    json.dumps({"headline": "Fees now cover half the budget", "pubDate": "Tue, 14 May 2024",
                "content": "Membership fees now cover half of the cluster's budget, so it depends far less on grants."}),
    "[1, 2]",
]


def test_news_feed_items_become_documents_and_a_broken_line_costs_only_itself(tmp_path, model_dir):

    root = write_files(tmp_path / "docs", {
        "feeds/news.jsonl": "\n".join(FEED_LINES) + "\n",
        "feeds/deep.json": "[" * 5000 + "]" * 5000,
        "feeds/wp.json": json.dumps({"items": [{"title": {"rendered": "x"}, "content": {"rendered":
            "<p>The cluster opened an incubator for ocean start-ups in Matosinhos with twelve founders.</p>"}}]}),
    })
    summary = run_batch(root, tmp_path / "out", Settings(model=model_dir))
    docs = {d["doc_id"]: d for d in map(json.loads, (tmp_path / "out" / "documents.jsonl").read_text().splitlines())}
    assert list(docs) == ["feeds/news.jsonl:1", "feeds/news.jsonl:3", "feeds/wp.json:1"]
    first = docs["feeds/news.jsonl:1"]
    assert (first["title"], first["published"], first["url"]) == ("Ports cluster signs alliance", "2024-05-03",
                                                                  "https://example.org/a")
    assert docs["feeds/news.jsonl:3"]["published"] == "2024-05-14"
    assert first["n_passages"] == 2 and "<p>" not in first["text"]
    errors = {e["doc_id"]: e["error"] for e in map(json.loads, (tmp_path / "out" / "errors.jsonl").read_text().splitlines())}
    assert errors == {"feeds/deep.json": "too_deep", "feeds/news.jsonl:2": "bad_json", "feeds/news.jsonl:4": "bad_json"}
    assert summary.documents_ok == 3 and summary.documents_failed == 3


def test_documents_in_other_languages_are_recorded_and_skipped(tmp_path, model_dir):

    german = ("Die Partner des Clusters haben sich im März in Stuttgart getroffen, um die gemeinsame Strategie für die "
              "Wasserstoffwirtschaft zu besprechen. Dabei wurde auch über die Finanzierung der Geschäftsstelle und die "
              "Rolle der Hochschulen gesprochen, die seit der Gründung eng mit den Unternehmen zusammenarbeiten.")
    root = write_files(tmp_path / "docs", {"de.txt": german, "en.txt": PAGES[1][1][0]})
    summary = run_batch(root, tmp_path / "out", Settings(model=model_dir))
    docs = {d["doc_id"]: d for d in map(json.loads, (tmp_path / "out" / "documents.jsonl").read_text().splitlines())}
    assert docs["de.txt"]["status"] == "skipped_language" and docs["de.txt"]["language"] == "de"
    assert docs["en.txt"]["status"] == "ok" and docs["en.txt"]["language"] == "en"
    passages = (tmp_path / "out" / "passages.jsonl").read_text()
    assert "Stuttgart" not in passages
    assert summary.skipped_language == 1 and summary.ok


def test_a_document_of_over_a_million_words_is_refused_before_any_nlp(tmp_path, model_dir):
    from pipeline.run import MAX_DOCUMENT_WORDS

    para = "The partners agreed to share test data and to run joint missions to developers in the region. "
    n = MAX_DOCUMENT_WORDS // len(para.split()) + 200
    root = tmp_path / "docs"
    root.mkdir()
    (root / "dump.txt").write_text((para * 20 + "\n\n") * (n // 20 + 1))
    (root / "ok.txt").write_text(para * 3)
    summary = run_batch(root, tmp_path / "out", Settings(model=model_dir))
    [err] = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert (err["doc_id"], err["error"]) == ("dump.txt", "too_large") and "word limit" in err["message"]
    assert summary.documents_ok == 1


def test_a_file_that_needs_more_memory_than_a_worker_may_use_costs_one_error_record(tmp_path, model_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("The hydrogen valley partnership between Groningen and Drenthe brought together "
                                   "thirty companies, two universities and the provincial governments.\n")
    # 40 MB of text: decoding and cleaning it needs several copies, far beyond a 64 MB cap.
    (docs / "huge.txt").write_text(("The port cluster and the chemical cluster agreed to share test data. " * 12
                                    + "\n\n") * 48_000)
    summary = run_batch(docs, tmp_path / "out", Settings(model=model_dir, max_file_mb=200, worker_memory_mb=64))
    errors = [json.loads(x) for x in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert [(e["doc_id"], e["error"]) for e in errors] == [("huge.txt", "too_large")]
    assert "64 MB" in errors[0]["message"] and "worker_memory_mb" in errors[0]["message"]
    assert summary.documents_ok == 1
