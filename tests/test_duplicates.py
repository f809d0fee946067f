"""The same story read twice is found, marked ``duplicate_of`` the one kept, and counted once everywhere."""

from __future__ import annotations

import json
import random

import pytest

from pipeline.config import Settings, load_settings
from pipeline.duplicates import MIN_WORDS, find_duplicates
from pipeline.errors import SetupError

from .conftest import DATA

STORIES = [json.loads(line) for line in (DATA / "duplicates" / "stories.jsonl").read_text(encoding="utf-8").splitlines()]


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
