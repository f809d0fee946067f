"""The same story read twice is found, marked ``duplicate_of`` the one kept, and counted once everywhere."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from pipeline.config import Settings, load_settings
from pipeline.duplicates import MIN_WORDS, find_duplicates, is_duplicate, unique
from pipeline.errors import SetupError
from pipeline.ingest import read_document
from pipeline.review import ReviewFilter, review
from pipeline.run import run_batch

from .conftest import DATA, SAMPLE_DOCS

STORIES = [json.loads(line) for line in (DATA / "duplicates" / "stories.jsonl").read_text(encoding="utf-8").splitlines()]
BALTIC = "news/baltic-hydrogen-valley-partnership.html"
VIGO = "notes/vigo-offshore-wind-alliance-press-release.txt"
FEED = "news/wire-reposts.json"
REPOSTS = {f"{FEED}:1": BALTIC, f"{FEED}:2": VIGO}


def as_document(item: dict, fmt: str = "md") -> dict:
    return {"doc_id": item["id"], "published": item["published"], "format": fmt, "status": "ok",
            "text": f"{item['title']}\n\n{item['text']}" if item["title"] else item["text"]}


def groups(docs: list[dict], marks: dict[str, str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for d in docs:
        found.setdefault(marks.get(d["doc_id"], d["doc_id"]), set()).add(d["doc_id"])
    return found


# ---- detection on the fixture of reposts -----------------------------------------------------
def test_reposts_with_small_edits_join_their_story_and_other_stories_of_the_same_cluster_stay_apart():
    docs = [as_document(it) for it in STORIES]
    marks = find_duplicates(docs, Settings().duplicate_threshold)
    expected: dict[str, set[str]] = {}
    for it in STORIES:
        expected.setdefault(it["story"], set()).add(it["id"])
    assert sorted(map(sorted, groups(docs, marks).values())) == sorted(map(sorted, expected.values()))
    assert all(kept not in marks for kept in marks.values())  # a duplicate points to the story kept


def test_the_document_kept_does_not_depend_on_the_order_documents_come_in():
    docs = [as_document(it) for it in STORIES]
    marks = find_duplicates(docs, Settings().duplicate_threshold)
    for seed in range(3):
        random.Random(seed).shuffle(docs)
        assert find_duplicates(docs, Settings().duplicate_threshold) == marks


def test_earliest_published_is_kept_then_a_file_over_a_feed_item_of_the_same_day():
    original = next(it for it in STORIES if it["id"] == "nairobi-sandbox")
    later = as_document(original) | {"doc_id": "files/sandbox.md", "published": "2024-06-01"}
    feed_same_day = as_document(original, "jsonl") | {"doc_id": "feeds/wire.jsonl:3", "published": "2024-05-15"}
    file_same_day = as_document(original, "txt") | {"doc_id": "z/sandbox.txt", "published": "2024-05-15"}
    undated = as_document(original) | {"doc_id": "a/sandbox.md", "published": None}
    assert find_duplicates([later, feed_same_day, file_same_day, undated], 0.5) == {
        "files/sandbox.md": "z/sandbox.txt", "feeds/wire.jsonl:3": "z/sandbox.txt", "a/sandbox.md": "z/sandbox.txt"}


def test_short_notices_are_never_marked_even_when_identical():
    notice = ("Registration for the Kvarken Energy Cluster spring assembly is now open. Members can book places "
              "for up to three staff on the cluster website until the end of April.")
    assert len(notice.split()) < MIN_WORDS
    docs = [{"doc_id": f"feed.jsonl:{n}", "published": "2024-04-02", "format": "jsonl", "status": "ok", "text": notice}
            for n in (1, 2)]
    assert find_duplicates(docs, 0.5) == {} and find_duplicates(docs, 1) == {}


def test_threshold_one_finds_only_exact_copies_and_zero_finds_none():
    original = next(it for it in STORIES if it["id"] == "catalonia-meters")
    copy = original | {"id": "copy", "text": original["text"].upper().replace('"', "\u201c")}  # case and quotes folded
    repost = next(it for it in STORIES if it["id"] == "catalonia-meters-r1")
    docs = [as_document(it) for it in (original, copy, repost)]
    assert find_duplicates(docs, 1) == {"copy": "catalonia-meters"}
    assert find_duplicates(docs, 0.5) == {"copy": "catalonia-meters", "catalonia-meters-r1": "catalonia-meters"}
    assert find_duplicates(docs, 0) == {}


def test_documents_that_were_not_read_in_english_take_no_part():
    original = next(it for it in STORIES if it["id"] == "bavaria-skills")
    docs = [as_document(original), as_document(original) | {"doc_id": "de.md", "status": "skipped_language"}]
    assert find_duplicates(docs, 0.5) == {}


# ---- the setting ------------------------------------------------------------------------------
def test_duplicate_threshold_is_read_from_lessons_toml(tmp_path):
    (tmp_path / "lessons.toml").write_text("[run]\nduplicate_threshold = 1\n")
    assert load_settings(tmp_path / "lessons.toml").duplicate_threshold == 1.0


@pytest.mark.parametrize("value", ["1.5", "-0.1", "true", '"high"'])
def test_a_duplicate_threshold_outside_zero_to_one_is_refused(tmp_path, value):
    (tmp_path / "lessons.toml").write_text(f"[run]\nduplicate_threshold = {value}\n")
    with pytest.raises(SetupError, match="duplicate_threshold"):
        load_settings(tmp_path / "lessons.toml")


# ---- a run over the corpus plus a feed repeating two of its stories ----------------------------
FOOTER = ("About the Baltic Hydrogen Cluster: the cluster is a membership organisation of companies and "
          "research groups working on renewable hydrogen around the Baltic Sea. Press contact: "
          "press@baltic-hydrogen.example")


def curly(text: str) -> str:
    out, opening = [], True
    for ch in text:
        if ch == '"':
            ch, opening = ("\u201c" if opening else "\u201d"), not opening
        out.append(ch)
    return "".join(out)


def wire_feed() -> str:
    """Two stories of the corpus as a news wire carries them: new headline, date line, a paragraph cut, footer, quotes."""
    baltic = [p for p in read_document(SAMPLE_DOCS / BALTIC).text.split("\n\n") if not p.startswith("#")]
    vigo = read_document(SAMPLE_DOCS / VIGO).text.split("\n\n")
    items = [
        {"title": "Estonia, Finland and Latvia to plan one hydrogen valley", "date": "2024-03-20",
         "url": "https://wire.example.org/baltic-hydrogen-valley",
         "content": "\n\n".join(["TALLINN, 19 March 2024 \u2013 " + baltic[0], *baltic[2:-1], FOOTER])},
        {"title": "Atlantic clusters team up on floating wind", "date": "2024-03-14",
         "url": "https://wire.example.org/atlantic-floating-wind",
         "content": curly("\n\n".join(vigo[1:])) + " The alliance will present its first work plan in Brest in June."},
    ]
    return json.dumps({"items": items}, ensure_ascii=False)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, model_dir):
    """The corpus alone; the same folder again after the feed arrives (files reused); a fresh run over both."""
    root = tmp_path_factory.mktemp("dups")
    docs = root / "docs"
    shutil.copytree(SAMPLE_DOCS, docs)
    settings = Settings(model=model_dir)
    run_batch(docs, root / "incremental", settings)
    corpus_only = root / "corpus-only"
    shutil.copytree(root / "incremental", corpus_only)
    (docs / FEED).write_text(wire_feed(), encoding="utf-8")
    second = run_batch(docs, root / "incremental", settings)
    assert second.reused == len(list(SAMPLE_DOCS.rglob("*.*"))) and second.processed == 1
    run_batch(docs, root / "fresh", settings)
    return {"docs": docs, "corpus_only": corpus_only, "incremental": root / "incremental", "fresh": root / "fresh"}


def test_feed_items_repeating_two_stories_are_marked_duplicate_of_the_files(runs):
    documents = lines(runs["fresh"] / "documents.jsonl")
    assert all("duplicate_of" in d for d in documents)
    assert {d["doc_id"]: d["duplicate_of"] for d in documents if is_duplicate(d)} == REPOSTS
    passages = lines(runs["fresh"] / "passages.jsonl")
    assert all("duplicate_of" in p for p in passages)
    marked = {p["doc_id"] for p in passages if is_duplicate(p)}
    assert marked == set(REPOSTS)
    assert all(p["duplicate_of"] == REPOSTS[p["doc_id"]] for p in passages if p["doc_id"] in REPOSTS)


def test_an_incremental_run_marks_what_a_fresh_run_marks(runs):
    for name in ("documents.jsonl", "passages.jsonl"):
        fresh = {r.get("passage_id", r["doc_id"]): r["duplicate_of"] for r in lines(runs["fresh"] / name)}
        assert {r.get("passage_id", r["doc_id"]): r["duplicate_of"]
                for r in lines(runs["incremental"] / name)} == fresh


@pytest.mark.parametrize("run", ["incremental", "fresh"])
def test_manifest_entities_and_review_count_each_story_once(runs, run):
    before = json.loads((runs["corpus_only"] / "manifest.json").read_text())
    after = json.loads((runs[run] / "manifest.json").read_text())
    passages = lines(runs[run] / "passages.jsonl")
    feed_passages = sum(p["doc_id"] in REPOSTS for p in passages)
    assert after["counts"]["duplicates"] == 2 and after["counts"]["duplicate_passages"] == feed_passages > 0
    assert after["counts"]["unique_documents"] == before["counts"]["documents_ok"] == after["counts"]["documents_ok"] - 2
    assert after["counts"]["passages"] == before["counts"]["passages"] + feed_passages  # every passage is written
    assert after["themes"] == before["themes"]
    assert after["counts"]["lesson_passages"] == before["counts"]["lesson_passages"]
    assert after["counts"]["lesson_passages"] == sum(p["is_lesson"] for p in unique(passages))
    assert lines(runs[run] / "entities.jsonl") == lines(runs["corpus_only"] / "entities.jsonl")

    once, _ = review(runs["corpus_only"], ReviewFilter())
    summary, shown = review(runs[run], ReviewFilter())
    assert (summary.duplicates, summary.duplicate_passages) == (2, feed_passages)
    assert not any(is_duplicate(r) for r in shown)
    for field in ("documents", "passages", "lessons", "matching", "passages_by_theme", "lessons_by_theme",
                  "organisations", "places"):
        assert getattr(summary, field) == getattr(once, field), field


def test_the_threshold_setting_decides_without_reading_any_file_again(runs, tmp_path, model_dir):
    out = tmp_path / "out"
    shutil.copytree(runs["incremental"], out)
    for threshold, expected in ((1.0, {}), (0.0, {}), (0.5, REPOSTS)):
        summary = run_batch(runs["docs"], out, Settings(model=model_dir, duplicate_threshold=threshold))
        assert summary.processed == 0 and summary.duplicates == len(expected)
        assert {d["doc_id"]: d["duplicate_of"] for d in lines(out / "documents.jsonl") if is_duplicate(d)} == expected
        assert json.loads((out / "manifest.json").read_text())["settings"]["duplicate_threshold"] == threshold
        assert summary.lessons == sum(p["is_lesson"] for p in unique(lines(out / "passages.jsonl")))


def test_review_says_how_many_duplicates_it_left_out(runs):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["review", str(runs["fresh"]), "--format", "jsonl"])
    assert result.exit_code == 0
    n_files = len(list(SAMPLE_DOCS.rglob("*.*")))
    assert f"{n_files} documents (2 duplicates left out)" in result.stderr
    assert not any(is_duplicate(json.loads(line)) for line in result.stdout.splitlines())
