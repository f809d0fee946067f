from __future__ import annotations

import os

import pytest

from pipeline.errors import IngestError
from pipeline.ingest import is_hidden_or_lock, iter_input_files, read_document
from pipeline.segment import split_passages

from .conftest import DATA, SAMPLE_DOCS, write_files

ARTICLE = """<!DOCTYPE html><html><head><title>Baltic partners sign hydrogen pact | NordCluster</title>
<meta property="article:published_time" content="2024-03-14T09:00:00Z"></head><body>
<div class="cookie">We use cookies to improve your experience. <a>Accept all</a> <a>Manage preferences</a></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/events">Events</a></li></ul></nav>
<main><article><h1>Baltic partners sign hydrogen pact</h1>
<p>Three clusters from Estonia, Latvia and Finland agreed on Tuesday to pool their hydrogen test facilities.</p>
<h2>A shared testbed</h2>
<p>The agreement, signed in Tallinn, commits the Estonian Hydrogen Cluster (EHC) and its partners to a joint pilot line
running until 2027, funded by Interreg Central Baltic with 2.4 million euros.</p>
<div class="share">Share on Facebook | Tweet | LinkedIn</div><p><a href="/news">Return to news listing</a></p>
</article></main><aside><h3>Related news</h3><ul><li><a href="/a">Cluster wins award</a></li></ul></aside>
<footer>© 2024 NordCluster. All rights reserved. <a href="/p">Privacy policy</a></footer></body></html>"""

TEXT = "The Lancashire food cluster opened an export office in Osaka in 2019 with twelve founding members."


def test_html_article_keeps_text_and_headings_and_drops_chrome(tmp_path):
    write_files(tmp_path, {"a.html": ARTICLE})
    d = read_document(tmp_path / "a.html", "a.html")
    assert d.format == "html"
    assert d.title == "Baltic partners sign hydrogen pact"
    assert d.published == "2024-03-14"
    ps = split_passages(d)
    texts = " ".join(p.text for p in ps)
    assert "pool their hydrogen test facilities" in texts
    for chrome in ("cookies", "Return to news listing", "Share on Facebook", "Privacy policy", "Related news", "©"):
        assert chrome not in texts
    assert ps[-1].section == "A shared testbed"
    assert "\n" not in ps[-1].text  # the wrapped <p> became one line


@pytest.mark.parametrize("name", ["saved-page.txt", "download.md"])
def test_a_web_page_saved_under_a_text_name_is_read_as_a_web_page(tmp_path, name):
    write_files(tmp_path, {name: "\ufeff\n  <!-- saved from url=(0042)https://example.org/news -->\n" + ARTICLE})
    d = read_document(tmp_path / name, name)
    texts = " ".join(p.text for p in split_passages(d))
    assert d.format == "html" and d.title == "Baltic partners sign hydrogen pact"
    assert "pool their hydrogen test facilities" in texts
    assert "<" not in texts and "cookies" not in texts
    # Text that only mentions markup stays text.
    write_files(tmp_path, {"notes.txt": f"<html> tags are not what this note is about. {TEXT}\n"})
    assert read_document(tmp_path / "notes.txt", "notes.txt").format == "txt"


def test_html_layout_table_is_read_as_paragraphs_not_one_row(tmp_path):
    page = ("<html><body><div id='nav'><a href='/'>Home</a> <a href='/news'>News</a></div>"
            "<table width='100%'><tr><td><div id='item'><h1>Mobility lab closes</h1>"
            f"<p>{TEXT}</p><h2>What the trials showed</h2><p>{TEXT.replace('Osaka', 'Kobe')}</p>"
            f"<p>{TEXT.replace('Osaka', 'Nagoya')}</p></div></td><td><p>Related news</p></td></tr></table></body></html>")
    write_files(tmp_path, {"t.htm": page})
    ps = split_passages(read_document(tmp_path / "t.htm", "t.htm"))
    assert [p.text for p in ps][:3] == [TEXT, TEXT.replace("Osaka", "Kobe"), TEXT.replace("Osaka", "Nagoya")]
    assert [p.section for p in ps][:3] == ["Mobility lab closes", "What the trials showed", "What the trials showed"]


@pytest.mark.parametrize("bulk", ["script", "image"])
def test_a_page_saved_whole_keeps_its_article_behind_a_huge_inline_script_or_image(tmp_path, bulk):
    """Browsers' "save page, complete" and SingleFile inline bundles and data: images of many MB;
    libxml2's 10 MB limit on one node used to drop the whole article after it, without a word."""
    filler = ("<script>window.__STATE__=" + '{"k":1},' * 1_600_000 + "</script>" if bulk == "script"
              else "<img alt='map' src='data:image/png;base64," + "iVBORw0KGgo" * 1_100_000 + "'>")
    page = ARTICLE.replace("<main>", filler + "<main>")
    assert len(page) > 12_000_000
    write_files(tmp_path, {"saved.html": page})
    d = read_document(tmp_path / "saved.html", "saved.html")
    texts = " ".join(p.text for p in split_passages(d))
    assert "pool their hydrogen test facilities" in texts and "funded by Interreg Central Baltic" in texts
    assert d.title == "Baltic partners sign hydrogen pact" and "__STATE__" not in texts


def test_markdown_front_matter_gives_title_and_date_and_markup_is_removed(tmp_path):
    md = ("---\ntitle: Annual report 2023\ndate: 2024-02-01\n---\n\n# Letter from the director\n\n"
          "Our **test platform** in [La Negra](https://example.org) ran *fourteen* pilots with members in 2023.\n")
    write_files(tmp_path, {"r.md": md})
    d = read_document(tmp_path / "r.md", "r.md")
    assert (d.title, d.published) == ("Annual report 2023", "2024-02-01")
    [p] = split_passages(d)
    assert p.text == "Our test platform in La Negra ran fourteen pilots with members in 2023."
    assert p.section == "Letter from the director"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_text_encodings_are_detected(tmp_path, encoding):
    text = "Café owners in Málaga joined the cluster’s “green kitchens” pilot in 2023 with twenty restaurants."
    if encoding == "cp1252":
        text = text.replace("’", "'").replace("“", '"').replace("”", '"')
        text = text + " Les entreprises de la région ont également participé à l'événement à Saint-Étienne."
    (tmp_path / "e.txt").write_bytes(text.encode(encoding))
    d = read_document(tmp_path / "e.txt", "e.txt")
    assert "Málaga" in d.text and "Café" in d.text


def test_dateline_gives_the_published_date(tmp_path):
    write_files(tmp_path, {"p.txt": f"VIGO, Spain, 14 March 2024 - {TEXT}\n"})
    assert read_document(tmp_path / "p.txt", "p.txt").published == "2024-03-14"


@pytest.mark.parametrize("name,content,kind", [
    ("empty.txt", b"", "empty"),
    ("blank.md", b"   \n\n  \t\n", "empty"),
    ("binary.txt", bytes(range(256)) * 40, "binary"),
    ("image.gif", b"GIF89a....", "unsupported"),
])
def test_unreadable_files_raise_ingest_error_with_kind(tmp_path, name, content, kind):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(IngestError) as err:
        read_document(tmp_path / name, name)
    assert err.value.kind == kind
    assert name in str(err.value)


@pytest.mark.parametrize("damage", ["stray", "zeroed tail", "utf-16 zeroed tail"])
def test_a_text_file_with_nul_bytes_from_a_damaged_save_is_still_read(tmp_path, damage):
    """A crash while saving leaves a block of zeros; a bad copy a few NULs. The text is still text."""
    para = f"{TEXT} The office now advises members on Japanese certification rules.\n\n"
    if damage == "stray":
        data = (para * 3).encode().replace(b"Osaka", b"Os\x00\x00aka", 1)
    elif damage == "zeroed tail":
        data = (para * 3).encode() + bytes(4096)
    else:
        data = (para * 3).encode("utf-16-le") + bytes(300)
    (tmp_path / "notes.txt").write_bytes(data)
    d = read_document(tmp_path / "notes.txt", "notes.txt")
    assert d.text.count(TEXT) == 3 and "\x00" not in d.text


def test_a_short_windows_1252_export_keeps_its_quotes_accents_and_euro_sign(tmp_path):
    """Word and Windows exports of English; on a short file charset-normalizer guessed a Mac code page."""
    text = "The cluster’s “test bench” in Málaga cost €2 million – a lesson for others."
    (tmp_path / "note.txt").write_bytes(f"{text}\n\n{text}\n".encode("cp1252"))
    assert read_document(tmp_path / "note.txt", "note.txt").text.split("\n\n")[0] == text
    greek = "Το σύμπλεγμα υπέγραψε. " * 3
    (tmp_path / "greek.txt").write_bytes(greek.encode("cp1253"))  # not Western: still guessed
    assert read_document(tmp_path / "greek.txt", "greek.txt").text.startswith("Το")


def test_file_over_size_limit_is_refused(tmp_path):
    (tmp_path / "big.txt").write_text(TEXT * 100)
    with pytest.raises(IngestError) as err:
        read_document(tmp_path / "big.txt", "big.txt", max_bytes=1000)
    assert err.value.kind == "too_large"


def test_terminal_escape_sequences_never_reach_the_text(tmp_path):
    (tmp_path / "esc.txt").write_bytes(f"\x1b[31m{TEXT}\x1b]0;title\x07 More text about the cluster here.\x1b[0m".encode())
    d = read_document(tmp_path / "esc.txt", "esc.txt")
    assert "\x1b" not in d.text and "\x07" not in d.text
    assert TEXT in d.text


def test_walk_is_sorted_recursive_and_does_not_follow_symlinks(tmp_path):
    outside = tmp_path / "outside"
    write_files(outside, {"secret.txt": TEXT})
    root = write_files(tmp_path / "docs", {"b.txt": TEXT, "a/c.md": TEXT, ".hidden/x.txt": TEXT})
    os.symlink(outside, root / "link-out")  # a linked folder: never entered
    os.symlink(root, root / "a" / "loop")
    os.symlink(outside / "secret.txt", root / "secret-link.txt")
    os.symlink("loop2.txt", root / "loop1.txt")  # a loop of file links
    os.symlink("loop1.txt", root / "loop2.txt")
    os.symlink("gone.txt", root / "dangling.txt")
    os.symlink("b.txt", root / "inside-link.txt")
    skipped: dict[str, str] = {}
    found = [doc_id for _, doc_id in iter_input_files(root, skipped=skipped.__setitem__)]
    assert found == ["a/c.md", "b.txt", "inside-link.txt"]
    assert skipped == {"secret-link.txt": "the link points outside the input folder",
                       "loop1.txt": "the link points to itself in a loop",
                       "loop2.txt": "the link points to itself in a loop",
                       "dangling.txt": "the link points to nothing (its target is missing)",
                       "link-out/": "linked folders are not entered", "a/loop/": "linked folders are not entered"}


@pytest.mark.parametrize("name,hidden", [("~$report.docx", True), (".DS_Store", True), ("notes.txt~", True),
                                         ("report.md", False), ("-dash.txt", False)])
def test_hidden_and_lock_files_are_recognised(name, hidden):
    assert is_hidden_or_lock(name) is hidden


def test_every_sample_document_reads_into_passages():
    files = list(iter_input_files(SAMPLE_DOCS))
    assert len(files) >= 12
    for path, doc_id in files:
        d = read_document(path, doc_id)
        assert d.title, doc_id
        assert len(split_passages(d)) >= 5, doc_id


@pytest.mark.parametrize("head, tail, expected", [
    ("suppli", "ers", "suppliers"), ("imple", "mentation", "implementation"), ("cross", "border", "cross-border"),
    ("long", "term", "long-term"), ("COVID", "19", "COVID-19"), ("Baden", "Württemberg", "Baden-Württemberg"),
])
def test_hard_wrapped_text_rejoins_split_words_and_keeps_compounds(head, tail, expected):
    from pipeline.ingest.normalize import unwrap_blocks

    start = "Members of the cluster met four times a year to plan joint projects with the"
    end = "firms of the region, and every meeting ended with a short list of agreed actions."
    assert unwrap_blocks(f"{start} {head}-\n{tail} {end}\n") == f"{start} {expected} {end}\n"


WEB_PAGE = (DATA / "webpage_news.txt").read_text(encoding="utf-8")
KILN = "Seaweed growers on Islay and Jura share a drying kiln"
KILN_MENU = WEB_PAGE.split("\n")[0]


@pytest.mark.parametrize("date_line", ["Published 14 March 2024", "14 March 2024 | News", "Thursday, 14 March 2024"])
@pytest.mark.parametrize("menu", [
    KILN_MENU,
    "Home About us Membership Projects Events News Contact",
    "Menu Who we are What we do Our members Funding calls Insights Contact chevron-down",
    "HOME ABOUT MEMBERS PROJECTS NEWS CONTACT",
])
def test_text_saved_from_a_web_page_keeps_the_article_its_title_and_date(tmp_path, menu, date_line):
    """Menu bar, breadcrumbs, share line, footer and cookie notice are neither passages nor the title;
    the date line dates the item and heads nothing."""
    raw = WEB_PAGE.replace(KILN_MENU, menu).replace("Published 14 March 2024", date_line)
    write_files(tmp_path, {"kiln.txt": raw})
    d = read_document(tmp_path / "kiln.txt", "kiln.txt")
    assert (d.title, d.published) == (KILN, "2024-03-14")
    ps = split_passages(d)
    assert [p.text for p in ps] == raw.split("\n\n")[2:8]  # the six paragraphs of the article
    assert {p.section for p in ps} == {KILN}


def test_plain_text_title_first_is_still_the_title(tmp_path):
    write_files(tmp_path, {"n.txt": f"Export office opens in Osaka\n\n{TEXT}\n"})
    d = read_document(tmp_path / "n.txt", "n.txt")
    assert d.title == "Export office opens in Osaka"
    assert [(p.section, p.text) for p in split_passages(d)] == [("Export office opens in Osaka", TEXT)]


@pytest.mark.parametrize("value, holds", [(1e400, "a number"), (None, "null"), (["a", "list"], "a list"),
                                          ("   ", "only blanks"), ({"rendered": ""}, "an object without text")])
def test_a_feed_item_whose_text_field_holds_no_text_says_what_it_holds(value, holds):
    from pipeline.ingest.feeds import item_text

    story = "The cluster opened an incubator for ocean start-ups in Matosinhos with twelve founders."
    with pytest.raises(IngestError) as err:
        item_text({"title": "Ports", "body": value}, "wire.jsonl item 3")
    assert str(err.value) == f"wire.jsonl item 3: the item's 'body' field holds {holds}, not text"
    assert err.value.kind == "empty"
    assert item_text({"title": "Ports", "body": value, "summary": story}, "wire.jsonl item 3").text.strip() == story
    with pytest.raises(IngestError, match="the item has no text field .looked for text, body"):
        item_text({"title": "Ports"}, "wire.jsonl item 4")
