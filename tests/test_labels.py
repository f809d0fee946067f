import json

import numpy as np
import pytest

from pipeline.errors import LabelsError
from pipeline.labels import read_labels

IDS = ["partnerships", "policy_engagement"]
TEXT = "The two port clusters signed a memorandum of understanding in Rotterdam to share shore-power test data."


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_later_file_relabels_the_same_text_whatever_its_spacing_and_case(tmp_path):
    corpus = write(tmp_path / "corpus.jsonl", [
        {"text": TEXT, "themes": [], "is_lesson": False, "doc": "news-1", "voice": "news_wire"},
        {"text": "Another passage about ministries and regulation of ports.", "themes": ["policy_engagement"],
         "is_lesson": False, "doc": "news-1", "voice": "news_wire"}])
    mine = write(tmp_path / "mine.jsonl", [
        {"doc": "news/ports.html", "text": "  " + TEXT.replace(" ", "  ").upper(), "themes": ["partnerships"],
         "is_lesson": True}])
    items = read_labels([corpus, mine], IDS)
    assert len(items) == 2
    corrected = [it for it in items if "ROTTERDAM" in it.text][0]
    assert corrected.themes == {"partnerships"} and corrected.is_lesson
    assert corrected.doc == "news/ports.html"


def test_passage_records_of_a_run_are_not_labels(tmp_path):
    """An unedited `lessons review --format jsonl` export holds the model's guesses: training on it
    would teach the model its own mistakes."""
    export = write(tmp_path / "export.jsonl", [
        {"doc_id": "news/ports.html", "passage_id": "news/ports.html#3", "text": TEXT,
         "themes": [{"id": "partnerships", "score": 0.41, "evidence": []}], "is_lesson": True,
         "scores": {"partnerships": 0.41}}])
    with pytest.raises(LabelsError, match="export.jsonl:1: this is a passage record") as err:
        read_labels([export], IDS)
    assert "--corrections" in str(err.value)


@pytest.mark.parametrize("row,message", [
    ({"text": TEXT, "themes": ["nonsense"]}, "unknown theme"),
    ({"text": "", "themes": []}, "non-empty 'text'"),
    ({"text": TEXT, "themes": [], "is_lesson": "yes"}, "true or false"),
])
def test_bad_label_lines_name_file_and_line(tmp_path, row, message):
    path = write(tmp_path / "bad.jsonl", [{"text": "Fine passage about the cluster.", "themes": []}, row])
    with pytest.raises(LabelsError, match="bad.jsonl:2") as err:
        read_labels([path], IDS)
    assert message in str(err.value)


def test_invalid_json_line_is_reported(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "ok", "themes": []}\n{"text": \n')
    with pytest.raises(LabelsError, match="broken.jsonl:2: not valid JSON"):
        read_labels([path], IDS)


def test_origin_marks_real_grounded_passages(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text(json.dumps({"text": "a", "themes": [], "is_lesson": False, "doc": "d", "origin": "real-grounded"}) + "\n"
                    + json.dumps({"text": "b", "themes": [], "is_lesson": False, "doc": "d"}) + "\n")
    a, b = read_labels([path], IDS)
    assert a.origin == "real-grounded" and b.origin == "unknown"
