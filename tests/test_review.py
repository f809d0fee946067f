"""`lessons review` on a real run: the spreadsheet export, the lesson-score filter, sorting, shell completion."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

from .conftest import write_files

runner = CliRunner()

DOCS = {
    "news/skane-hydrogen.md": (
        "---\n"
        "title: \"=Skåne and Malmö open a shared hydrogen test bed\"\n"
        "date: 2024-03-14\n"
        "---\n"
        "# Skåne and Malmö open a shared hydrogen test bed\n\n"
        "Region Skåne, Malmö University and the Øresund cleantech cluster opened a shared hydrogen test bed "
        "in the port of Malmö on 14 March 2024, where member firms can trial electrolysers before they buy.\n\n"
        "## Lessons\n\n"
        "Our experience shows that small suppliers join a test bed only when the cluster pays for the first "
        "trial; regions should budget for that first step before they promote the facility.\n"),
    "reports/annual.txt": (
        "Annual report 2023\n\n"
        "Membership fees now cover 40 per cent of the cluster budget and paid testing services a further "
        "quarter, so the association relies far less on regional grants than it did in 2020.\n\n"
        "Looking back, the board learned that a cluster which asks members to co-fund projects from the start "
        "keeps them engaged for longer; we recommend that new clusters set a fee before the first call.\n\n"
        "Katarzyna Nowak, who chairs the cluster, said the fee debate took two general assemblies to settle.\n"),
    "feeds/news.json": json.dumps({"items": [
        {"title": "Île-de-France deep-tech cluster reviews its first five years",
         "date": "2024-05-02",
         "url": "https://news.example.org/idf-deeptech-review",
         "content": "<p>The Île-de-France deep-tech cluster, backed by the Paris Region and Bpifrance, has "
                    "helped 60 start-ups move from laboratory to first customer since 2019.</p>"
                    "<p>A lesson from the review is that joint calls with universities work best when a "
                    "single contact person handles every partner's paperwork.</p>"},
    ]}, ensure_ascii=False),
}
FEED_ITEM = "feeds/news.json:1"


@pytest.fixture(scope="module")
def out(tmp_path_factory, model_dir):
    root = write_files(tmp_path_factory.mktemp("docs"), DOCS)
    out = tmp_path_factory.mktemp("out") / "o"
    result = runner.invoke(app, ["run", str(root), "--out", str(out), "--model", str(model_dir)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def passages(out):
    return [json.loads(line) for line in (out / "passages.jsonl").read_text(encoding="utf-8").splitlines()]


def review_ids(out, *args: str) -> list[str]:
    result = runner.invoke(app, ["review", str(out), "--format", "jsonl", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line)["passage_id"] for line in result.stdout.splitlines() if line.strip()]


def csv_rows(out, *args: str) -> list[dict]:
    result = runner.invoke(app, ["review", str(out), "--format", "csv", *args])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel the file is UTF-8
    return list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"), newline="")))


def test_csv_columns_keep_their_places_and_add_document_metadata(out, codebook):
    result = runner.invoke(app, ["review", str(out), "--format", "csv"])
    header = next(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert header == ["passage_id", "doc_id", "section", "is_lesson", "lesson_score", "themes",
                      *[f"score_{t}" for t in codebook.ids], "organisations", "places", "dates",
                      "title", "published", "url", "text"]


def test_csv_rows_carry_accents_titles_dates_and_urls_of_their_documents(out, passages):
    rows = csv_rows(out)
    assert [r["passage_id"] for r in rows] == [p["passage_id"] for p in passages]
    md = [r for r in rows if r["doc_id"] == "news/skane-hydrogen.md"]
    assert md and all(r["title"] == "'=Skåne and Malmö open a shared hydrogen test bed" for r in md)
    assert all(r["published"] == "2024-03-14" and r["url"] == "" for r in md)
    assert "Malmö University" in md[0]["text"] and "Øresund" in md[0]["text"]
    assert "14 March 2024 (2024-03-14)" in md[0]["dates"].split("; ")
    feed = [r for r in rows if r["doc_id"] == FEED_ITEM]
    assert feed and all(r["title"] == "Île-de-France deep-tech cluster reviews its first five years" for r in feed)
    assert all(r["published"] == "2024-05-02" and r["url"] == "https://news.example.org/idf-deeptech-review"
               for r in feed)
    assert "Île-de-France" in feed[0]["text"]
    text = "".join(r["text"] + r["title"] + r["places"] + r["organisations"] for r in rows)
    assert "Ã" not in text and "\ufffd" not in text


def test_csv_dates_column_pairs_each_date_text_with_its_iso_form(out, passages):
    rows = {r["passage_id"]: r for r in csv_rows(out)}
    for p in passages:
        dates = [e for e in p["entities"] if e["label"] == "DATE"]
        expected = list(dict.fromkeys(f"{e['norm']} ({e['iso']})" if e["iso"] else e["norm"] for e in dates))
        assert rows[p["passage_id"]]["dates"] == "; ".join(expected)
    assert any("(" in r["dates"] for r in rows.values())


def test_every_text_cell_of_the_csv_is_formula_safe(out):
    for row in csv_rows(out):
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@")), (column, cell)


def test_min_lesson_score_keeps_exactly_the_passages_at_or_above_it(out, passages):
    scores = sorted(p["lesson_score"] for p in passages)
    cut = scores[len(scores) // 2]
    expected = [p["passage_id"] for p in passages if p["lesson_score"] >= cut]
    assert 0 < len(expected) < len(passages)  # the cut splits this run, so the filter is really tested
    assert review_ids(out, "--min-lesson-score", str(cut)) == expected
    assert [r["passage_id"] for r in csv_rows(out, "--min-lesson-score", str(cut))] == expected


def test_sort_by_lesson_score_puts_the_highest_first_and_limit_keeps_the_top(out, passages):
    by_lesson = [p["passage_id"] for p in sorted(passages, key=lambda p: p["lesson_score"], reverse=True)]
    assert by_lesson != [p["passage_id"] for p in passages]  # file order differs, so the sort is visible
    assert review_ids(out, "--sort", "lesson_score") == by_lesson
    assert review_ids(out, "--sort", "lesson_score", "--limit", "2") == by_lesson[:2]


def test_sort_by_score_uses_the_theme_given_else_each_passages_best_theme(out, passages):
    best = sorted(passages, key=lambda p: max(p["scores"].values()), reverse=True)
    assert review_ids(out, "--sort", "score") == [p["passage_id"] for p in best]
    tagged = [p for p in passages if any(t["id"] == "partnerships" for t in p["themes"])]
    by_theme = [p["passage_id"] for p in sorted(tagged, key=lambda p: p["scores"]["partnerships"], reverse=True)]
    assert review_ids(out, "--theme", "partnerships", "--sort", "score") == by_theme
    assert review_ids(out, "--theme", "partnerships") == by_theme  # a theme still sorts by its score by default
    in_file_order = [p["passage_id"] for p in tagged]
    assert review_ids(out, "--theme", "partnerships", "--sort", "doc") == in_file_order


def test_a_limited_sorted_review_still_counts_every_match(out, passages):
    result = runner.invoke(app, ["review", str(out), "--format", "jsonl", "--sort", "lesson_score", "--limit", "1"])
    assert len(result.stdout.splitlines()) == 1
    assert f"{len(passages)} passages" in result.stderr and f"{len(passages)} match the filters" in result.stderr


def test_show_completion_prints_a_bash_script_for_lessons():
    """``lessons --show-completion`` detects the shell it is run from (Typer takes no shell name there), so
    it is run from bash as a user would: run in-process, it would print the script of whatever shell
    started the tests (zsh, fish) or fail where none did (a detached CI job)."""
    import subprocess
    import sys
    from pathlib import Path

    lessons = Path(sys.executable).with_name("lessons")
    # Two commands, so that bash stays the parent instead of exec-ing the only one.
    done = subprocess.run(["bash", "-c", f"'{lessons}' --show-completion; true"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "complete -o default -F _lessons_completion lessons" in done.stdout, done.stdout + done.stderr


def test_completion_script_for_a_named_shell_needs_no_shell_detection():
    result = runner.invoke(app, [], prog_name="lessons", env={"_LESSONS_COMPLETE": "source_zsh"})
    assert result.exit_code == 0, result.output
    assert "#compdef lessons" in result.stdout and "_LESSONS_COMPLETE=complete_zsh" in result.stdout


def complete(words: str) -> list[str]:
    """What bash would offer after ``words``, asked of the app exactly as the installed script asks."""
    result = runner.invoke(app, [], prog_name="lessons", env={
        "_LESSONS_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)})
    assert result.exit_code == 0, result.output
    return result.stdout.split()


def test_theme_option_completes_the_runs_theme_ids(out):
    assert complete(f"lessons review {out} --theme fin") == ["financial_sustainability"]
    assert complete(f"lessons review {out} --theme e") == ["entrepreneurship", "ecosystem_building", "experimentation"]


def test_theme_completion_falls_back_to_the_codebook_without_a_run(tmp_path, codebook):
    assert complete(f"lessons review {tmp_path} --theme r") == ["resilience"]
    assert complete(f"lessons review {tmp_path} --theme ''") == codebook.ids


def test_sort_option_completes_its_choices(out):
    assert complete(f"lessons review {out} --sort l") == ["lesson_score"]


def test_summary_lists_people_beside_organisations_and_places(out):
    result = runner.invoke(app, ["review", str(out), "--limit", "0"])
    assert result.exit_code == 0, result.output
    people = next(line for line in result.stdout.splitlines() if line.startswith("most frequent people:"))
    assert "Katarzyna Nowak (1)" in people


def test_markdown_format_quotes_each_match_with_its_citation(out, passages):
    from html import escape

    from markdown_it import MarkdownIt

    result = runner.invoke(app, ["review", str(out), "--format", "md", "--lessons-only"])
    assert result.exit_code == 0, result.output
    html = MarkdownIt("commonmark").render(result.stdout)
    lessons = [p for p in passages if p["is_lesson"]]
    assert html.count("<blockquote>") == len(lessons) > 0
    titles = {d["doc_id"]: d["title"] for d in map(json.loads, (out / "documents.jsonl").open(encoding="utf-8"))}
    for p in lessons:
        assert f"<li><em>{escape(titles[p['doc_id']], quote=False)}</em>" in html
    assert "lesson passages" in result.stderr  # the summary goes to stderr, the Markdown alone to stdout
