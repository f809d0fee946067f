"""What reaches the passages is the words of the item: no page code, no mojibake, the right language."""

from __future__ import annotations

import json

import pytest

from pipeline.ingest import read_documents
from pipeline.ingest.html import fragment_text
from pipeline.segment import split_passages

from .conftest import write_files

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
