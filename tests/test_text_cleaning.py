"""What reaches the passages is the words of the item: no page code, no mojibake, the right language."""

from __future__ import annotations

import json

import pytest

from pipeline.ingest import read_documents
from pipeline.ingest.html import fragment_text
from pipeline.ingest.language import guess_language
from pipeline.segment import split_passages

from .conftest import DATA, ROOT, write_files

# A feed item as a CMS exports it: tracking code, an inline style block, a consent fallback, an
# embedded video, an editor's comment and inline formatting around three paragraphs.
CONTENT_HTML = """<script async src="https://www.googletagmanager.com/gtag/js?id=G-X1"></script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());</script>
<style>.news-body p{margin:0 0 1em;font-family:Georgia,serif}</style>
<noscript><img src="https://px.example.net/track?id=42" alt="">Please enable JavaScript to view this page.</noscript>
<!-- migrated from the old newsroom, do not edit -->
<p>The <strong>Øresund Life Science Cluster</strong> has opened a shared clean-room line in Lund, giving
its <em>43 member firms</em> access to GMP production without building their own.</p>
<iframe src="https://video.example.com/embed/abc" width="560">Your browser does not support iframes.</iframe>
<p>The line was financed by Region Sk&aring;ne and the Interreg &Ouml;resund-Kattegat-Skagerrak
programme, with <a href="/members">member fees</a> covering running costs from 2025.</p>
<h3>What members said</h3>
<p>&ldquo;Small biotech firms can now scale up batches in weeks instead of months,&rdquo; said the
cluster manager.</p>"""

CODE = ("dataLayer", "gtag", "googletagmanager", "margin", "font-family", "enable JavaScript", "px.example",
        "migrated", "does not support iframes", "<", ">", "{", "}")


def _feed_item(tmp_path, item: dict):
    write_files(tmp_path, {"news.jsonl": json.dumps(item) + "\n"})
    [(_, doc)] = read_documents(tmp_path / "news.jsonl", "news.jsonl")
    assert not isinstance(doc, Exception), doc
    return doc


def test_feed_html_loses_scripts_styles_and_embeds_but_keeps_paragraphs_and_headings(tmp_path):
    doc = _feed_item(tmp_path, {"title": "Shared clean room opens in Lund", "content_html": CONTENT_HTML})
    for code in CODE:
        assert code not in doc.text, code
    passages = split_passages(doc)
    assert [p.text for p in passages] == [
        "The Øresund Life Science Cluster has opened a shared clean-room line in Lund, giving its 43 member firms "
        "access to GMP production without building their own.",
        "The line was financed by Region Skåne and the Interreg Öresund-Kattegat-Skagerrak programme, with member "
        "fees covering running costs from 2025.",
        "“Small biotech firms can now scale up batches in weeks instead of months,” said the cluster manager.",
    ]
    assert passages[-1].section == "What members said"
    assert all(doc.text[p.start:p.end] == p.text for p in passages)


@pytest.mark.parametrize("body, expected", [
    # A bare "<" is text, with or without tags around it.
    ("Exports grew by 4% while imports fell by < 5% in the cluster's first year.",
     "Exports grew by 4% while imports fell by < 5% in the cluster's first year."),
    ("<p>Firms with <50 staff grew fastest; growth < 5% elsewhere.</p>",
     "Firms with <50 staff grew fastest; growth < 5% elsewhere."),
    # Broken markup: unclosed and stray closing tags still give the paragraphs.
    ("<div><p>The cluster met in Turku.<p>Twelve firms joined the pilot.</div></div></span>",
     "The cluster met in Turku.\n\nTwelve firms joined the pilot."),
    # Entities in plain text (RSS escapes its descriptions), and a lone ampersand left alone.
    ("R&amp;D spending at AT&T Labs &#8211; and at the cluster &ndash; rose.",
     "R&D spending at AT&T Labs – and at the cluster – rose."),
    # A table row stays one line; list items stay apart.
    ("<table><tr><td>Members</td><td>96</td></tr></table><ul><li>Lund</li><li>Malmö</li></ul>",
     "Members 96\n\n- Lund\n\n- Malmö"),
])
def test_feed_bodies_become_plain_paragraphs(tmp_path, body, expected):
    assert _feed_item(tmp_path, {"title": "News", "body": body}).text == expected + "\n"


def test_feed_title_markup_and_entities_are_removed(tmp_path):
    doc = _feed_item(tmp_path, {"title": "<b>Ports</b> &amp; logistics cluster signs alliance",
                                "body": "The cluster signed an alliance with the port of Gdańsk."})
    assert doc.title == "Ports & logistics cluster signs alliance"


def test_a_huge_feed_item_is_read_whole():
    paragraph = "<p>The Basque energy cluster and its <b>members</b> tested grid storage in Bilbao.</p>"
    script = "<script>" + "var x = '<p>not text</p>';" * 20 + "</script>"
    text = fragment_text((paragraph + script) * 20_000)  # 12 MB
    assert text.count("tested grid storage in Bilbao.") == 20_000 and "not text" not in text
    # One paragraph over libxml2's 10 MB text limit is kept, not silently emptied.
    long_paragraph = "Members of the cluster shared test data. " * 300_000
    assert fragment_text(f"<p>{long_paragraph}</p><p>The end.</p>") == long_paragraph.strip() + "\n\nThe end."


# UTF-8 read as Windows-1252 somewhere upstream: what a mis-set CMS export looks like.
MOJIBAKE = ("Researchers at MalmÃ¶ University and firms in SkÃ¥ne will test the hydrogen buses in MalmÃ¶ and "
            "Helsingborg from March, the cluster said. â€œWe want the whole Ã–resund region on boardâ€�, said its "
            "manager, who also chairs the KÃ¸benhavn working group.")
REPAIRED = ("Researchers at Malmö University and firms in Skåne will test the hydrogen buses in Malmö and "
            "Helsingborg from March, the cluster said. “We want the whole Öresund region on board”, said its "
            "manager, who also chairs the København working group.")
# Correct text that a careless repair would break: Portuguese "Ã" and "ÃO", curly quotes, symbols.
CORRECT = ("The cluster signed a research agreement with the Universidade de São Paulo and the SÃO PAULO state "
           "agency; its two programmes, GESTÃO and INOVAÇÃO, fund “living labs” on 5 000 m² in Curitiba™.")


def _docx(paragraphs: list[str]) -> bytes:
    import io

    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return ("<html><head><title>Hydrogen buses</title></head><body><article><h1>Hydrogen buses</h1>"
            f"{body}</article></body></html>")


FORMATS = {
    "news.txt": lambda ps: "\n\n".join(ps),
    "news.md": lambda ps: "# Hydrogen buses\n\n" + "\n\n".join(ps),
    "news.html": _page,
    "news.jsonl": lambda ps: json.dumps({"title": "Hydrogen buses", "content_html": _page(ps)}) + "\n",
    "news.json": lambda ps: json.dumps([{"title": "Hydrogen buses", "text": "\n\n".join(ps)}]),
    "news.docx": _docx,
}


@pytest.mark.parametrize("name", FORMATS)
def test_mojibake_is_repaired_in_every_format_and_correct_text_is_untouched(tmp_path, name):
    write_files(tmp_path, {name: FORMATS[name]([MOJIBAKE, CORRECT])})
    [(_, doc)] = read_documents(tmp_path / name, name)
    texts = [p.text for p in split_passages(doc)]
    assert texts == [REPAIRED, CORRECT]


def test_mojibake_is_repaired_in_pdf_text(tmp_path):
    from .badfiles import make_pdf

    latin1_only = MOJIBAKE.split(" â€œ")[0]  # the PDF's core font has no "€"
    (tmp_path / "r.pdf").write_bytes(make_pdf([("1. Hydrogen buses", [latin1_only])]))
    [(_, doc)] = read_documents(tmp_path / "r.pdf", "r.pdf")
    assert REPAIRED.split(" “")[0] in doc.text


def test_spacy_finds_the_repaired_place_names(tmp_path, nlp):
    from pipeline.annotate import document_entities

    doc = _feed_item(tmp_path, {"title": "Hydrogen buses for MalmÃ¶", "summary": MOJIBAKE})
    assert doc.title == "Hydrogen buses for Malmö"
    passages = next(document_entities(nlp, [([p.text for p in split_passages(doc)], doc.published)]))
    found = {(e.text, e.label) for entities in passages for e in entities}
    assert ("Malmö", "GPE") in found and ("Skåne", "GPE") in found


def test_encoded_attachments_in_a_saved_note_are_dropped_and_its_words_kept(tmp_path):
    """A press release saved from an e-mail with its base64 attachment (wrapped at 76 as mail wraps it),
    and a note holding an image's data: URI: the encoded data is no text and must not decide its language
    (a short English note with a large attachment was taken for Shona and skipped)."""
    import base64
    import random
    import textwrap

    data = base64.b64encode(random.Random(3).randbytes(600_000)).decode()
    note = ["The Basque battery cluster and the Port of Bilbao agreed in March 2024 to share test data on shore "
            "power for ferries.", "Members will meet in Donostia in June to choose the first two berths."]
    write_files(tmp_path, {
        "mail.txt": "\n\n".join([note[0], "\n".join(textwrap.wrap(data, 76)), note[1]]) + "\n",
        "uri.txt": f"{note[0]}\n\n![chart](data:image/png;base64,{data})\n\n{note[1]}\n",
    })
    for name in ("mail.txt", "uri.txt"):
        [(_, doc)] = read_documents(tmp_path / name, name)
        assert doc.language == "en", name
        texts = [p.text for p in split_passages(doc)]
        assert texts[0] == note[0] and texts[-1] == note[1], name
        assert max(len(w) for t in texts for w in t.split()) < 60, name
        assert len(doc.text) < 1000, name


def test_a_file_of_encoded_data_alone_is_refused_with_a_reason(tmp_path):
    """A file holding only a 2 MB run of letters with no space (an attachment saved on its own) has no text;
    the error says why rather than only that nothing was found."""
    from pipeline.errors import IngestError

    write_files(tmp_path, {"attachment.txt": "QUJD" * 500_000 + "\n"})
    [(_, err)] = read_documents(tmp_path / "attachment.txt", "attachment.txt")
    assert isinstance(err, IngestError) and err.kind == "empty" and "encoded data" in str(err)


@pytest.mark.parametrize("name", ["news.txt", "news.html", "news.docx"])  # Markdown reads "__" as markup
def test_long_runs_of_symbols_are_cut_and_the_words_around_them_kept(tmp_path, name):
    """A hostile or badly exported file: a rule of 15,000 "=", a form line of underscores, a row of stars.
    spaCy's tokenizer takes time growing with the square of such a run's length (a minute for this one)."""
    import re

    from pipeline.ingest.normalize import SYMBOL_RUN_MAX

    paragraphs = ["Nordic Energy Cluster plans " + "=" * 15_000 + " a shared test site in Aalborg for 2025.",
                  "Members sign here " + "_" * 5_000 + " and the board reviews every request " + "★" * 300 + " soon.",
                  "Short marks stay as written: (see p. 3) ... !? — “quoted” ==== fine."]
    write_files(tmp_path, {name: FORMATS[name](paragraphs)})
    [(_, doc)] = read_documents(tmp_path / name, name)
    texts = [p.text for p in split_passages(doc)]
    runs = re.compile(r"(?:[^\w\s]|_){10,}")
    assert [runs.sub("~", t) for t in texts] == [runs.sub("~", p) for p in paragraphs]  # the words, in order
    assert [len(runs.findall(t)) for t in texts] == [1, 2, 0]  # each long run is still marked
    assert max(len(r) for t in texts for r in runs.findall(t)) <= SYMBOL_RUN_MAX
    assert texts[2] == paragraphs[2]


def test_characters_escaped_in_a_pages_text_are_the_characters(tmp_path):
    """trafilatura escapes what would read as Markdown in a page's text: the passages hold the text."""
    write_files(tmp_path, {"news.html": _page(["Reports [1] by VDI/VDE Innovation+Technik GmbH list C++ tools, "
                                               "the file data_set_v2, 5*3 units and a literal [link](x) in text."])})
    [(_, doc)] = read_documents(tmp_path / "news.html", "news.html")
    assert [p.text for p in split_passages(doc)] == [
        "Reports [1] by VDI/VDE Innovation+Technik GmbH list C++ tools, the file data_set_v2, 5*3 units and a "
        "literal [link](x) in text."]


LANGUAGES = [json.loads(line) for line in (DATA / "languages.jsonl").open(encoding="utf-8")]


def test_non_english_news_paragraphs_get_their_language():
    wrong = [(row["language"], guess_language(row["text"])) for row in LANGUAGES
             if guess_language(row["text"]) != row["language"]]
    assert len({row["language"] for row in LANGUAGES}) >= 15
    assert len(wrong) <= 0.1 * len(LANGUAGES), wrong


def test_english_corpus_passages_are_never_taken_for_another_language():
    rows = [json.loads(line) for path in sorted((ROOT / "corpus" / "grounded" / "train").glob("*.jsonl"))
            for line in path.open(encoding="utf-8") if line.strip()]
    sample = rows[::10]
    assert len(sample) > 200
    assert [row["text"] for row in sample if guess_language(row["text"]) != "en"] == []


@pytest.mark.parametrize("text", [
    "", "The cluster grew in 2023.", "Klyngen vokser hurtigt.", "Tampereen klusteri kasvaa.", "集群扩大了。",
    "Ports cluster signs alliance with Gdańsk",
])
def test_text_too_short_to_tell_is_undetermined(text):
    assert guess_language(text) == "und"


@pytest.mark.parametrize("text", [
    "Financed by GIZ, the Deutsche Gesellschaft für Internationale Zusammenarbeit, the cluster trained forty "
    "engineers in Nairobi.",
    "Vestas, Ørsted and Siemens Gamesa joined the Esbjerg offshore wind cluster in 2022.",
    "Researchers from Politechnika Rzeszowska and the Université de Toulouse presented the composite wing.",
    "The Agência Nacional de Inovação funds the Porto cluster's work with hospitals on new heart monitors.",
    "Klaus Müller of the Förderverein Wasserstoff spoke in Göttingen about the cluster.",
])
def test_english_with_foreign_names_stays_english(text):
    assert guess_language(text) == "en"


def _paragraphs(language: str) -> list[str]:
    return [row["text"] for row in LANGUAGES if row["language"] == language]


REPORT = [
    "The evaluation covered the cluster's first five years, from its launch in 2018 to the end of the regional "
    "grant in 2023, and drew on interviews with thirty member firms and the two universities.",
    "Members valued the shared testing facilities most. Smaller firms said that without them they could not "
    "have certified their products for export, because a single test campaign costs more than their yearly profit.",
    "The evaluators recommend that the board publish its decisions within a week and agree on three priorities "
    "for the next funding period rather than the eleven it lists now.",
]


@pytest.mark.parametrize("text, expected", [
    # A foreign title over an English report, and a French quotation inside one.
    ("\n\n".join(["Bilan du pôle de compétitivité 2018–2023", *REPORT]), "en"),
    ("\n\n".join([REPORT[0], _paragraphs("fr")[0], *REPORT[1:]]), "en"),
    # A German summary of two paragraphs before the English report.
    ("\n\n".join([*_paragraphs("de"), *REPORT]), "en"),
    # A Danish item quoting one English sentence is Danish.
    ("\n\n".join([_paragraphs("da")[0], "The project is funded by Interreg Europe.", _paragraphs("da")[1]]), "da"),
    # Twenty pages of Finnish before a longer English report: the vote samples the whole text.
    ("\n\n".join(_paragraphs("fi") * 80 + REPORT * 90), "en"),
])
def test_mixed_documents_take_the_language_of_most_of_their_text(text, expected):
    assert guess_language(text) == expected


def test_a_danish_feed_item_is_recorded_as_danish(tmp_path):
    doc = _feed_item(tmp_path, {"title": "Vindklyngen", "description": " ".join(_paragraphs("da"))})
    assert doc.language == "da"
