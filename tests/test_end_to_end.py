"""A real run (spaCy, scikit-learn, the file system) over the sample documents, checked against the contract."""

from __future__ import annotations

import json

import pytest

from pipeline.config import Settings
from pipeline.run import run_batch

from .conftest import SAMPLE_DOCS

LABELS = {"ORG", "GPE", "LOC", "DATE", "PERSON"}
PASSAGE_KEYS = {"doc_id": str, "passage_id": str, "index": int, "text": str, "start": int, "end": int,
                "entities": list, "themes": list, "scores": dict, "is_lesson": bool, "lesson_score": float,
                "model": str}
DOCUMENT_KEYS = {"doc_id": str, "path": str, "sha256": str, "format": str, "n_passages": int, "status": str,
                 "text": str}


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, model_dir):
    out = tmp_path_factory.mktemp("run") / "out"
    summary = run_batch(SAMPLE_DOCS, out, Settings(model=model_dir, workers=2))
    return summary, out


def test_outputs_are_the_four_files(sample_run):
    summary, out = sample_run
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "documents.jsonl", "entities.jsonl", "errors.jsonl", "manifest.json", "passages.jsonl"]
    assert summary.ok and summary.documents_ok >= 12 and summary.passages > 100


def test_every_record_follows_the_contract(sample_run, codebook):
    _, out = sample_run
    docs = {d["doc_id"]: d for d in read_jsonl(out / "documents.jsonl")}
    passages = read_jsonl(out / "passages.jsonl")
    per_doc: dict[str, int] = {}
    for d in docs.values():
        for key, typ in DOCUMENT_KEYS.items():
            assert isinstance(d[key], typ), (key, d["doc_id"])
        assert d["title"] is None or isinstance(d["title"], str)
        assert d["published"] is None or len(d["published"]) == 10
        assert d["status"] == "ok"
        assert (SAMPLE_DOCS / d["doc_id"]).is_file()
    for p in passages:
        for key, typ in PASSAGE_KEYS.items():
            assert isinstance(p[key], typ), (key, p["passage_id"])
        assert p["section"] is None or isinstance(p["section"], str)
        assert p["passage_id"] == f"{p['doc_id']}#{p['index']}"
        assert p["index"] == per_doc.get(p["doc_id"], 0)
        per_doc[p["doc_id"]] = p["index"] + 1
        assert docs[p["doc_id"]]["text"][p["start"]:p["end"]] == p["text"]
        for e in p["entities"]:
            assert e["label"] in LABELS
            assert p["text"][e["start"]:e["end"]] == e["text"]
        assert list(p["scores"]) == codebook.ids
        scores = [t["score"] for t in p["themes"]]
        assert scores == sorted(scores, reverse=True)
        for t in p["themes"]:
            assert t["id"] in codebook.ids and t["score"] == p["scores"][t["id"]]
            assert isinstance(t["evidence"], list)
            assert t["sentence"] == "" or t["sentence"] in p["text"]
        assert p["lesson_sentence"] == "" or (p["is_lesson"] and p["lesson_sentence"] in p["text"])
        assert 0.0 <= p["lesson_score"] <= 1.0
    assert {d: docs[d]["n_passages"] for d in docs} == per_doc


def test_manifest_records_versions_counts_and_stage_times(sample_run, codebook, model_dir):
    summary, out = sample_run
    m = json.loads((out / "manifest.json").read_text())
    assert m["versions"]["codebook"] == codebook.fingerprint
    assert m["versions"]["spacy"].startswith("3.8")
    assert m["versions"]["pipeline"].startswith("en_core_web_sm")
    assert m["versions"]["classifier"] == json.loads((model_dir / "model.json").read_text())["id"]
    assert m["counts"]["passages"] == summary.passages
    assert set(m["seconds"]) >= {"read", "segment", "annotate", "classify", "write", "total"}
    assert m["started"] <= m["finished"]


def test_sample_documents_yield_entities_a_reader_expects(sample_run):
    _, out = sample_run
    ents = {(e["text"], e["label"]) for p in read_jsonl(out / "passages.jsonl") for e in p["entities"]}
    labels = {label for _, label in ents}
    assert {"ORG", "GPE", "DATE"} <= labels
    assert any(text == "Tallinn" for text, _ in ents)


def test_one_worker_and_two_workers_write_identical_passages(sample_run, tmp_path, model_dir):
    _, out2 = sample_run
    run_batch(SAMPLE_DOCS, tmp_path / "one", Settings(model=model_dir, workers=1))
    assert (tmp_path / "one" / "passages.jsonl").read_text() == (out2 / "passages.jsonl").read_text()


EXPECTED_MAIN_THEMES = {
    "news/baltic-hydrogen-valley-partnership.html": "partnerships",
    "news/basque-battery-cluster-diversifies-into-rail.html": "diversification",
    "news/kenya-agritech-cluster-scales-to-three-counties.html": "impact_multiplication",
    "news/porto-blue-economy-accelerator-second-cohort.html": "entrepreneurship",
    "news/tampere-smart-mobility-living-lab-results.htm": "experimentation",
    "notes/vigo-offshore-wind-alliance-press-release.txt": "partnerships",
    "notes/prato-circular-textiles-cluster-review-excerpt.txt": "diversification",
    "reports/chapter-4-governance-of-cross-border-clusters.md": "shared_governance",
    "reports/interview-cluster-manager-silesia-energy-transition.md": "resilience",
    "reports/policy-brief-public-procurement-for-climate-innovation.md": "policy_engagement",
}


def test_sample_documents_carry_the_themes_a_reader_expects(sample_run):
    """The documents were written apart from the training passages; each has an obvious main theme."""
    from collections import Counter

    _, out = sample_run
    counts: dict[str, Counter] = {}
    for p in read_jsonl(out / "passages.jsonl"):
        counts.setdefault(p["doc_id"], Counter()).update(t["id"] for t in p["themes"])
    for doc_id, theme in EXPECTED_MAIN_THEMES.items():
        top = [t for t, _ in counts[doc_id].most_common(3)]
        assert theme in top, f"{doc_id}: expected {theme} among its top themes, got {counts[doc_id].most_common(4)}"


def test_plain_news_and_logistics_passages_are_not_lessons_and_advice_is(sample_run):
    _, out = sample_run
    by_start = {p["text"][:60]: p for p in read_jsonl(out / "passages.jsonl")}
    advice = [p for k, p in by_start.items() if k.startswith(('"What I would tell other clusters', "Do not wait for the crisis"))]
    assert advice and all(p["is_lesson"] for p in advice)
    logistics = [p for k, p in by_start.items() if k.startswith(("Applications for the third cohort", "The steering committee will next meet"))]
    assert logistics and not any(p["is_lesson"] for p in logistics)


PLAIN_SPACY = """
import json, sys
import spacy

nlp = spacy.load(sys.argv[1])
out = {}
for doc_id, item in json.load(open(sys.argv[2], encoding="utf-8")).items():
    doc = nlp.make_doc("\\n\\n".join(item["passages"]))
    doc._.published = item["published"]
    doc = nlp(doc)
    out[doc_id] = [[e.start_char, e.end_char, e.text, e.label_, e._.norm, e._.iso] for e in doc.ents
                   if e.label_ in ("ORG", "GPE", "LOC", "DATE", "PERSON")]
out["(tokens)"] = [t.text for t in nlp.make_doc("(Dutz et al., 2014[1])")]
out["(separator)"] = len(nlp.make_doc("=" * 5000))
out["(bracket)"] = [t.text for t in nlp.make_doc("(IFC)-supported")]
json.dump(out, sys.stdout)
"""


def test_the_saved_pipeline_gives_the_entities_of_a_run_in_plain_spacy(sample_run, tmp_path):
    """`lessons save-pipeline` writes NER and refinement with nlp.to_disk; a Python that only imports
    spaCy loads it (the components come through the spacy_factories entry point) and finds, in each
    document's text, exactly the entities the run wrote for its passages, canonical names and ISO dates included."""
    import subprocess
    import sys

    from typer.testing import CliRunner

    from pipeline.cli import app

    _, out = sample_run
    saved = tmp_path / "cluster-lessons-ner"
    result = CliRunner().invoke(app, ["save-pipeline", str(saved)])
    assert result.exit_code == 0, result.output
    assert json.loads((saved / "meta.json").read_text())["pipeline"][-1] == "cluster_lessons_consistency"

    passages = read_jsonl(out / "passages.jsonl")
    documents = {d["doc_id"]: d for d in read_jsonl(out / "documents.jsonl")}
    texts: dict[str, list[str]] = {}
    for p in sorted(passages, key=lambda p: (p["doc_id"], p["index"])):
        texts.setdefault(p["doc_id"], []).append(p["text"])
    job = {doc_id: {"passages": ts, "published": documents[doc_id].get("published")} for doc_id, ts in texts.items()}
    (tmp_path / "job.json").write_text(json.dumps(job), encoding="utf-8")
    (tmp_path / "plain.py").write_text(PLAIN_SPACY, encoding="utf-8")
    done = subprocess.run([sys.executable, "plain.py", str(saved), "job.json"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    plain = json.loads(done.stdout)
    # The saved tokenizer splits a reference mark off a year ("2014[1]"), as a run's does.
    assert plain.pop("(tokens)")[-5:] == ["2014", "[", "1", "]", ")"]
    # and keeps a long string with no space as one token, as a run's does (see tests/test_entity_pipeline.py).
    assert plain.pop("(separator)") == 1
    assert plain.pop("(bracket)")[:3] == ["(", "IFC", ")"]

    expected: dict[str, list] = {}
    for p in sorted(passages, key=lambda p: (p["doc_id"], p["index"])):
        offset = sum(len(t) + 2 for t in texts[p["doc_id"]][:p["index"]])
        expected.setdefault(p["doc_id"], []).extend(
            [e["start"] + offset, e["end"] + offset, e["text"], e["label"], e["norm"], e["iso"]] for e in p["entities"])
    assert sum(len(v) for v in expected.values()) > 150
    assert any(e[5] for v in expected.values() for e in v)  # some dates resolved to ISO
    assert plain == expected
