"""The lessons digest: ranking, merging a lesson stated in two documents, citations, filters, safe Markdown."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from pipeline.cli import EXIT_USAGE, app
from pipeline.codebook import DEFAULT_CODEBOOK
from pipeline.digest import digest_markdown, digest_run, markdown_quote, markdown_text

runner = CliRunner()

REVIEW = "reports/upper-rhine-health-alliance-review-2023.md"
FEED = "feeds/cluster-news.jsonl:2"
REPOST = "news/upper-rhine-review-repost.txt"
DOCS = [
    {"doc_id": REVIEW, "path": f"corpus/{REVIEW}", "format": "md", "published": "2023-11-02", "url": None,
     "title": "Upper Rhine Health Technology Alliance: review of the first three years"},
    {"doc_id": FEED, "path": "corpus/feeds/cluster-news.jsonl", "format": "jsonl", "published": "2024-02-07",
     "url": "https://news.example.org/2024/02/cross-border-health-clusters",
     "title": "What two health clusters learned from working across the Rhine"},
    {"doc_id": REPOST, "path": f"corpus/{REPOST}", "format": "txt", "published": "2023-11-03", "url": None,
     "title": "Review: Upper Rhine Health Technology Alliance", "duplicate_of": REVIEW},
]
ALLIANCE = ("Our experience shows that a cross-border alliance works only when each partner brings something "
            "the others lack; agree on shared goals before applying for funding together.")
REWORDED = ("Experience shows that a cross-border alliance only works when every partner brings something the "
            "others lack: agree on shared goals before you apply for funding together.")
OFFICE = ("A cross-border alliance needs a joint project office and a shared budget line from its first year, "
          "or the partners drift apart once the funding ends.")
FEES = ("The lesson for younger clusters is to set a membership fee before the first call for projects: members "
        "who pay from the start stay engaged when grants run out.")
NEWS = "The alliance now links 140 firms and eleven hospitals in Alsace, Baden-Württemberg and north-west Switzerland."


def passage(doc_id: str, index: int, text: str, themes: dict[str, float], lesson: float, section: str | None = None,
            **extra) -> dict:
    scores = {"partnerships": 0.02, "financial_sustainability": 0.01, "shared_governance": 0.01} | themes
    return {"doc_id": doc_id, "passage_id": f"{doc_id}#{index}", "index": index, "section": section, "text": text,
            "start": 0, "end": len(text), "entities": [],
            "themes": [{"id": t, "score": s, "evidence": [], "sentence": ""} for t, s in themes.items()],
            "scores": scores, "is_lesson": lesson >= 0.5, "lesson_score": lesson, "lesson_sentence": "",
            "model": "tfidf-test"} | extra


PASSAGES = [
    passage(REVIEW, 0, NEWS, {"partnerships": 0.7}, 0.1),
    passage(REVIEW, 4, ALLIANCE, {"partnerships": 0.92}, 0.81, "Lessons for other border regions"),
    passage(REVIEW, 5, FEES, {"financial_sustainability": 0.9, "partnerships": 0.55}, 0.9, "Lessons for other border regions"),
    passage(FEED, 1, REWORDED, {"partnerships": 0.88}, 0.7),
    passage(FEED, 2, OFFICE, {"partnerships": 0.8, "shared_governance": 0.6}, 0.6),
    passage(REPOST, 3, ALLIANCE, {"partnerships": 0.92}, 0.81, duplicate_of=REVIEW),
]


def write_run(out: Path, docs: list[dict] = DOCS, passages: list[dict] = PASSAGES) -> Path:
    """An output folder as `lessons run` leaves it (the digest reads only these files)."""
    out.mkdir(parents=True, exist_ok=True)
    lines = lambda recs: "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)  # noqa: E731
    (out / "documents.jsonl").write_text(lines(d | {"text": "…", "n_passages": 6, "status": "ok"} for d in docs),
                                         encoding="utf-8")
    (out / "passages.jsonl").write_text(lines(passages), encoding="utf-8")
    (out / "errors.jsonl").write_text("", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({
        "docs_dir": "/data/cluster-news", "codebook_path": str(DEFAULT_CODEBOOK),
        "themes": {"partnerships": 4, "financial_sustainability": 1, "shared_governance": 1}}), encoding="utf-8")
    return out


@pytest.fixture
def run(tmp_path):
    return write_run(tmp_path / "out")


def lessons_of(digest, theme: str):
    return next(t for t in digest.themes if t.theme_id == theme).lessons


def test_a_lesson_reworded_in_two_documents_is_one_entry_citing_both(run):
    lessons = lessons_of(digest_run(run), "partnerships")
    first = lessons[0]
    assert first.text == ALLIANCE  # the better-ranked wording: 0.81 × 0.92 over 0.70 × 0.88
    assert [c.passage_id for c in first.citations] == [f"{REVIEW}#4", f"{FEED}#1"]


def test_lessons_sharing_a_topic_but_not_the_lesson_stay_apart(run):
    texts = [lesson.text for lesson in lessons_of(digest_run(run), "partnerships")]
    assert texts == [ALLIANCE, FEES, OFFICE]  # ranked 0.745, 0.495, 0.48; OFFICE also speaks of an alliance


def test_duplicate_documents_are_skipped_and_counted(run):
    digest = digest_run(run)
    cited = {c.doc_id for t in digest.themes for lesson in t.lessons for c in lesson.citations}
    assert REPOST not in cited and digest.duplicates == 1
    assert "1 duplicate document is not counted" in digest_markdown(digest, run)


def test_min_score_keeps_only_surer_lessons(run):
    lessons = lessons_of(digest_run(run, min_score=0.75), "partnerships")
    assert [[c.passage_id for c in lesson.citations] for lesson in lessons] == [[f"{REVIEW}#4"], [f"{REVIEW}#5"]]


def test_theme_option_gives_that_theme_only(run):
    digest = digest_run(run, theme="financial_sustainability")
    assert [t.theme_id for t in digest.themes] == ["financial_sustainability"]
    assert [lesson.text for lesson in digest.themes[0].lessons] == [FEES]


def test_markdown_cites_title_section_date_and_url_or_path(run):
    md = digest_markdown(digest_run(run, theme="partnerships"), run)
    assert "## Partnerships" in md  # the codebook's name for the theme
    assert ("- *Upper Rhine Health Technology Alliance: review of the first three years*, section “Lessons for "
            "other border regions”, 2023-11-02, corpus/reports/upper-rhine-health-alliance-review-2023.md") in md
    assert ("- *What two health clusters learned from working across the Rhine*, 2024-02-07, "
            "<https://news.example.org/2024/02/cross-border-health-clusters>") in md
    assert "<" not in md.replace("<https://news.example.org/2024/02/cross-border-health-clusters>", "")


def rendered(md: str) -> str:
    return MarkdownIt("commonmark").render(md)


@pytest.mark.parametrize("text", [
    "R&D *pilot* for [members] <script>alert(1)</script> under_score `code` a|b",
    "# 2024 was the year the cluster grew",
    "- not a list\n1. not a numbered list\n> not a quote",
    "Fees rose by 10 % &amp; grants fell",
])
def test_markdown_shows_document_text_exactly(text):
    html = rendered(markdown_quote(text))
    parser = _Text()
    parser.feed(html)
    assert parser.tags <= {"blockquote", "p"}  # no emphasis, heading, list, link, code or raw HTML
    assert [line.strip() for line in text.splitlines()] == parser.paragraphs


def test_markdown_escapes_a_hostile_title(tmp_path):
    docs = [DOCS[0] | {"title": "<img src=x onerror=alert(1)> *Cluster* [news](javascript:alert(1))"}]
    run = write_run(tmp_path / "out", docs, PASSAGES[1:2])
    html = rendered(digest_markdown(digest_run(run), run))
    assert "<img" not in html and "<a " not in html
    # the title is the citation's one emphasis, shown literally
    assert html.count("<em>") == 1
    assert "<em>&lt;img src=x onerror=alert(1)&gt; *Cluster* [news](javascript:alert(1))</em>" in html
    assert markdown_text("<b>") == r"\<b\>"


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.paragraphs = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "p":
            self.paragraphs.append("")

    def handle_data(self, data):
        if self.paragraphs and data.strip():
            self.paragraphs[-1] += data


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a":
            self.hrefs.append(a["href"])


def test_cli_writes_markdown_to_a_file_and_html_whose_citations_resolve(run, tmp_path):
    md_file, html_file = tmp_path / "digest.md", tmp_path / "digest.html"
    result = runner.invoke(app, ["digest", str(run), "--theme", "partnerships", "--out", str(md_file)])
    assert result.exit_code == 0, result.output
    assert md_file.read_text(encoding="utf-8").startswith("# Lessons digest")
    result = runner.invoke(app, ["digest", str(run), "--format", "html", "--min-score", "0.5", "--out", str(html_file)])
    assert result.exit_code == 0, result.output
    links = _Links()
    links.feed(html_file.read_text(encoding="utf-8"))
    anchors = [h for h in links.hrefs if h.startswith("#")]
    # 6 citations (5 lessons under 3 themes, the reworded one cites 2) and the repost's "duplicate of" link
    assert len(anchors) == 7 and all(h[1:] in links.ids for h in anchors)
    assert "https://news.example.org/2024/02/cross-border-health-clusters" in links.hrefs


def test_cli_prints_to_stdout_and_refuses_an_unknown_theme(run):
    result = runner.invoke(app, ["digest", str(run), "--min-score", "0.85"])
    assert result.exit_code == 0 and f"> {markdown_text(FEES)}" in result.stdout
    result = runner.invoke(app, ["digest", str(run), "--theme", "networking"])
    assert result.exit_code == EXIT_USAGE and "unknown theme 'networking'" in result.output
