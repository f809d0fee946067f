"""The corrections file, training on corrections, decisions that stick in later runs, and agreement."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from pipeline.cli import EXIT_FAILED, EXIT_USAGE, app
from pipeline.config import Settings
from pipeline.corrections import (Correction, ModelView, append_correction, correction_for, merge_corrections,
                                  read_corrections)
from pipeline.errors import LabelsError
from pipeline.labels import CORRECTION, GROUNDED_TRAIN_DIR, REAL_GROUNDED, LabelledPassage, read_labels, text_sha256
from pipeline.run import run_batch

from .conftest import write_files

runner = CliRunner()
T0 = datetime(2024, 5, 2, 9, 30, tzinfo=timezone.utc)

PASSAGES = [
    "The Basque energy cluster and two Navarre research centres agreed in Bilbao to test offshore wind "
    "components together, sharing one salt-spray test rig instead of each building its own.",
    "Membership fees now cover 40 per cent of the cluster's budget, and paid testing services bring in another "
    "quarter, so the organisation relies far less on regional grants than it did in 2019.",
    "Our experience shows that a cross-border alliance works only when each partner brings something the others "
    "lack; agree on shared goals before applying for funding together.",
    "The cluster's board now includes two representatives of small firms elected by the members, after "
    "complaints that large manufacturers set the agenda.",
    "When the regional ministry cut its grant in 2021, the cluster kept its staff by selling test-bed time to "
    "firms outside the region, which we recommend to any cluster that depends on one funder.",
    "Forty start-ups joined the accelerator in its first year; twelve of them have since raised seed funding "
    "from investors in Lisbon and Madrid.",
    "Two textile firms from Prato moved into medical fabrics after a cluster workshop paired them with a "
    "hospital procurement team.",
    "The lesson from three years of pilots is that a small budget with a firm decision date builds more trust "
    "between firms and universities than a large strategy.",
]


def decision(text: str, themes=(), is_lesson=False, *, reviewer="ana", at=T0, before=((), False),
             doc_id="news/basque-wind.md", index=0) -> Correction:
    return Correction(f"{doc_id}#{index}", doc_id, text_sha256(text), text, tuple(themes), is_lesson,
                      ModelView(tuple(before[0]), before[1], {}, 0.0), "tfidf-test", reviewer, at)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- the file -----------------------------------------------------------------------------------
def test_a_decision_survives_the_round_trip_through_the_file(tmp_path, codebook):
    path = tmp_path / "corrections.jsonl"
    c = decision(PASSAGES[0], ["partnerships", "experimentation"], True, before=(["partnerships"], False))
    append_correction(path, c)
    [line] = lines(path)
    assert set(line) == {"passage_id", "doc_id", "text_sha256", "text", "themes", "is_lesson", "before", "model",
                         "reviewer", "reviewed_at"}
    assert line["before"]["themes"] == ["partnerships"] and line["reviewed_at"] == "2024-05-02T09:30:00+00:00"
    found = read_corrections([path], codebook.ids)
    assert found.corrections == [c] and found.lines == 1 and found.conflicts == []


def test_a_line_torn_by_a_crash_is_ignored_and_cut_before_the_next_decision(tmp_path, caplog):
    path = tmp_path / "corrections.jsonl"
    append_correction(path, decision(PASSAGES[0], ["partnerships"]))
    append_correction(path, decision(PASSAGES[1], ["financial_sustainability"]))
    with path.open("ab") as fh:  # the process died half-way through writing a third decision
        fh.write(json.dumps(decision(PASSAGES[2]).to_json()).encode()[:70])
    assert [c.text for c in read_corrections([path]).corrections] == PASSAGES[:2]
    assert "unfinished last line" in caplog.text
    append_correction(path, decision(PASSAGES[3], ["shared_governance"]))
    assert [r["text"] for r in lines(path)] == [PASSAGES[0], PASSAGES[1], PASSAGES[3]]


def test_a_last_line_that_only_lacks_its_newline_is_kept(tmp_path):
    path = tmp_path / "corrections.jsonl"
    path.write_text(json.dumps(decision(PASSAGES[0], ["partnerships"]).to_json()), encoding="utf-8")  # hand-edited
    append_correction(path, decision(PASSAGES[1]))
    assert [c.text for c in read_corrections([path]).corrections] == PASSAGES[:2]


def test_latest_reviewed_at_wins_within_and_across_files_and_reviewer_conflicts_are_listed(tmp_path):
    first, second = tmp_path / "ana.jsonl", tmp_path / "shared.jsonl"
    append_correction(first, decision(PASSAGES[0], ["partnerships"], reviewer="ana", at=T0 + timedelta(hours=1)))
    append_correction(first, decision(PASSAGES[0], ["experimentation"], reviewer="ben", at=T0 + timedelta(hours=2)))
    append_correction(first, decision(PASSAGES[1], ["resilience"], reviewer="ana", at=T0))
    append_correction(first, decision(PASSAGES[1], ["financial_sustainability"], reviewer="ana", at=T0 + timedelta(days=1)))
    # Later in file order but earlier in time: it must not win.
    append_correction(second, decision(PASSAGES[0], ["ecosystem_building"], reviewer="ana", at=T0))
    # A feed copy of the same story, other line breaks: the same text.
    append_correction(second, decision(PASSAGES[2].replace(" ", "\n", 3), [], True, reviewer="cem", at=T0))

    found = read_corrections([first, second])
    assert found.lines == 6
    latest = {c.text_sha256: c for c in found.corrections}
    assert latest[text_sha256(PASSAGES[0])].themes == ("experimentation",)
    assert latest[text_sha256(PASSAGES[1])].themes == ("financial_sustainability",)  # ana changed her mind: no conflict
    assert text_sha256(PASSAGES[2]) in latest
    [conflict] = found.conflicts
    assert (conflict.kept.reviewer, conflict.overruled.reviewer) == ("ben", "ana")
    assert conflict.overruled.themes == ("partnerships",)  # ana's latest decision on that text, not her earliest


def test_a_review_export_is_not_a_corrections_file(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"doc_id": "news/a.md", "passage_id": "news/a.md#0", "text": PASSAGES[0],
                                  "themes": [{"id": "partnerships", "score": 0.61, "evidence": []}],
                                  "scores": {"partnerships": 0.61}, "is_lesson": False, "model": "m"}) + "\n")
    with pytest.raises(LabelsError, match="export.jsonl:1: a passage record") as err:
        read_corrections([export])
    assert "no reviewer, reviewed_at or before" in str(err.value)
    with pytest.raises(LabelsError, match="not a label"):  # nor are its guesses labels
        read_labels([export], ["partnerships"])


@pytest.mark.parametrize("change,message", [
    ({"themes": ["no_such_theme"]}, "unknown theme"),
    ({"reviewed_at": "yesterday"}, "ISO 8601"),
    ({"text": PASSAGES[1]}, "does not match"),
    ({"is_lesson": "yes"}, "true or false"),
    ({"reviewer": ""}, "'reviewer'"),
])
def test_a_bad_correction_names_file_line_and_field(tmp_path, codebook, change, message):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(decision(PASSAGES[0]).to_json()) + "\n"
                    + json.dumps(decision(PASSAGES[0]).to_json() | change) + "\n", encoding="utf-8")
    with pytest.raises(LabelsError, match="c.jsonl:2") as err:
        read_corrections([path], codebook.ids)
    assert message in str(err.value)


# ---- training -----------------------------------------------------------------------------------
def test_corrections_relabel_base_passages_in_place_and_add_new_ones(tmp_path):
    base = [LabelledPassage(PASSAGES[0], frozenset({"partnerships"}), False, "page-1", origin=REAL_GROUNDED),
            LabelledPassage(PASSAGES[1], frozenset(), False, "page-2", origin=REAL_GROUNDED),
            LabelledPassage(PASSAGES[3], frozenset({"shared_governance"}), False, "page-3")]
    path = tmp_path / "c.jsonl"
    append_correction(path, decision(PASSAGES[0].upper(), ["partnerships", "experimentation"], True))  # case ignored
    append_correction(path, decision(PASSAGES[3], ["shared_governance"], False))  # agrees with the base
    append_correction(path, decision(PASSAGES[4], ["resilience"], True, doc_id="reports/annual-2022.pdf"))
    merged, report = merge_corrections(base, read_corrections([path]))
    assert [m.text for m in merged] == [PASSAGES[0], PASSAGES[1], PASSAGES[3], PASSAGES[4]]
    assert merged[0].themes == {"partnerships", "experimentation"} and merged[0].is_lesson
    assert (merged[0].doc, merged[0].origin) == ("page-1", REAL_GROUNDED)  # same fold group, same threshold row
    assert (merged[3].doc, merged[3].origin) == ("reports/annual-2022.pdf", CORRECTION)
    assert (report.overrides, report.confirmed, report.new) == (1, 1, 1)
    assert report.gained == {"experimentation": 1, "is_lesson": 2, "resilience": 1} and report.lost == {}


@pytest.fixture(scope="module")
def run_out(tmp_path_factory, model_dir):
    docs = write_files(tmp_path_factory.mktemp("docs"), {
        "news/basque-wind.md": "# Basque and Navarre centres share a test rig\n\n" + "\n\n".join(PASSAGES[:3]) + "\n",
        "reports/annual-2022.md": "# Annual report 2022\n\n## Funding\n\n" + "\n\n".join(PASSAGES[3:6]) + "\n",
        # The same story again, as a regional digest carried it (hard-wrapped lines).
        "feeds/regional-news.txt": "Regional news digest, May 2024\n\n" + textwrap.fill(PASSAGES[0], 64) + "\n",
    })
    out = tmp_path_factory.mktemp("out") / "o"
    assert run_batch(docs, out, Settings(model=model_dir)).ok
    return docs, out


def test_train_with_corrections_reports_what_changed_and_never_learns_unedited_exports(tmp_path, run_out, codebook):
    _, out = run_out
    export = runner.invoke(app, ["review", str(out), "--format", "jsonl"])
    records = [json.loads(line) for line in export.stdout.splitlines() if line.strip()]
    assert len(records) == 7
    # The user passes the raw export as corrections: refused, nothing is trained.
    (tmp_path / "export.jsonl").write_text(export.stdout, encoding="utf-8")
    refused = runner.invoke(app, ["train", "--labels", str(tmp_path / "export.jsonl"), "--corrections",
                                  str(tmp_path / "export.jsonl"), "--out", str(tmp_path / "never")])
    assert refused.exit_code == EXIT_FAILED and "not a label" in refused.output and not (tmp_path / "never").exists()
    refused = runner.invoke(app, ["train", "--corrections", str(tmp_path / "export.jsonl"), "--out", str(tmp_path / "never")])
    assert refused.exit_code == EXIT_FAILED and "a passage record" in refused.output

    # Two reviewers decide on two texts (three passages: one story is also in the digest); the
    # other four texts are never labels.
    corrections = tmp_path / "corrections.jsonl"
    by_id = {r["passage_id"]: r for r in records}
    wind, fees = by_id["news/basque-wind.md#0"], by_id["news/basque-wind.md#1"]
    append_correction(corrections, correction_for(wind, ["partnerships"], False, "ana", T0))
    append_correction(corrections, correction_for(wind, ["partnerships", "experimentation"], True, "ben", T0 + timedelta(minutes=5)))
    append_correction(corrections, correction_for(fees, ["financial_sustainability"], False, "ana", T0))
    base_rows = (sorted(GROUNDED_TRAIN_DIR.glob("*.jsonl"))[0]).read_text(encoding="utf-8").splitlines()[:150]
    base = tmp_path / "base.jsonl"
    base.write_text("\n".join(base_rows) + "\n", encoding="utf-8")
    model = tmp_path / "m"
    result = runner.invoke(app, ["train", "--labels", str(base), "--corrections", str(corrections), "--out", str(model),
                                 "--features", "tfidf"])
    assert result.exit_code == 0, result.output
    assert "3 lines read, 2 passages decided; 0 override the labels, 0 agree with them, 2 new passages" in result.stderr
    assert "conflicts between reviewers: 1" in result.stderr
    assert "ben [partnerships, experimentation, lesson]" in result.stderr and "over ana [partnerships]" in result.stderr
    assert "partnerships +1 -0" in result.stderr and "is_lesson +1 -0" in result.stderr
    card = json.loads((model / "model.json").read_text())
    assert card["training_data"]["passages"] == 152
    assert card["training_data"]["corrections"]["new_passages"] == 2
    trained = set(card["training_data"]["text_keys"])
    assert {text_sha256(r["text"])[:12] for r in (wind, fees)} <= trained
    untouched = {text_sha256(r["text"])[:12] for r in records} - {text_sha256(r["text"])[:12] for r in (wind, fees)}
    assert len(untouched) == 4 and not untouched & trained
    # Fewer than 300 real-grounded rows: thresholds come from the base rows, corrections left out.
    assert "all 150 passages" in card["threshold_source"] and "left out" in card["threshold_source"]


# ---- runs ---------------------------------------------------------------------------------------
def test_reviewers_decisions_stick_in_later_runs_and_go_when_withdrawn(tmp_path, run_out, model_dir):
    docs, out = run_out
    work = tmp_path / "out"
    run_batch(docs, work, Settings(model=model_dir))
    before = {r["passage_id"]: r for r in lines(work / "passages.jsonl")}
    assert not any(r["reviewed"] for r in before.values())
    wind = before["news/basque-wind.md#0"]
    chosen = ["resilience"] if "resilience" not in {t["id"] for t in wind["themes"]} else ["diversification"]
    append_correction(work / "corrections.jsonl", correction_for(wind, chosen, not wind["is_lesson"], "ana", T0))

    summary = run_batch(docs, work, Settings(model=model_dir))
    assert summary.reused == 3 and summary.processed == 0 and summary.reviewed == 2
    after = {r["passage_id"]: r for r in lines(work / "passages.jsonl")}
    for pid in ("news/basque-wind.md#0", "feeds/regional-news.txt#0"):  # the feed copy too
        rec = after[pid]
        assert [t["id"] for t in rec["themes"]] == chosen and rec["is_lesson"] is (not wind["is_lesson"])
        assert rec["reviewed"] is True and rec["reviewer"] == "ana" and rec["reviewed_at"] == T0.isoformat()
        assert rec["scores"] == before[pid]["scores"] and rec["lesson_score"] == before[pid]["lesson_score"]
        assert rec["model_themes"] == before[pid]["themes"]
        assert rec["themes"][0]["score"] == before[pid]["scores"][chosen[0]]
    assert all(after[p] == before[p] for p in after if p not in ("news/basque-wind.md#0", "feeds/regional-news.txt#0"))
    manifest = json.loads((work / "manifest.json").read_text())
    assert manifest["counts"]["reviewed_passages"] == 2 and manifest["corrections"][0].endswith("corrections.jsonl")

    # Withdrawn: the model's own labels come back from the reused records.
    (work / "corrections.jsonl").rename(tmp_path / "elsewhere.jsonl")
    run_batch(docs, work, Settings(model=model_dir))
    assert {r["passage_id"]: r for r in lines(work / "passages.jsonl")} == before
    # Given with --corrections instead: applied the same way.
    result = runner.invoke(app, ["run", str(docs), "--out", str(work), "--model", str(model_dir),
                                 "--corrections", str(tmp_path / "elsewhere.jsonl")])
    assert result.exit_code == 0, result.output
    assert "passages showing a reviewer's labels" in result.output
    assert sum(r["reviewed"] for r in lines(work / "passages.jsonl")) == 2


def test_a_new_output_folder_may_hold_the_corrections_before_the_first_run(tmp_path, run_out, model_dir):
    docs, out = run_out
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    wind = lines(out / "passages.jsonl")[0]
    append_correction(fresh / "corrections.jsonl", correction_for(wind, [], False, "ana", T0))
    run_batch(docs, fresh, Settings(model=model_dir))
    rec = lines(fresh / "passages.jsonl")[0]
    assert rec["reviewed"] and rec["themes"] == [] and rec["is_lesson"] is False


def test_a_broken_corrections_file_stops_the_run_before_any_work(tmp_path, run_out, model_dir):
    docs, _ = run_out
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"text": "half a line"\n{}\n')
    result = runner.invoke(app, ["run", str(docs), "--out", str(tmp_path / "o"), "--model", str(model_dir),
                                 "--corrections", str(bad)])
    assert result.exit_code == EXIT_FAILED and "c.jsonl:1: not valid JSON" in result.output
    assert not (tmp_path / "o" / "passages.jsonl").exists()


# ---- agreement ----------------------------------------------------------------------------------
# (reviewer themes, reviewer lesson, model themes, model lesson) for each passage
CODED = [
    (["partnerships"], False, ["partnerships"], False),
    (["financial_sustainability"], False, ["financial_sustainability", "resilience"], False),
    ([], True, [], True),
    (["shared_governance"], False, [], False),
    (["resilience", "financial_sustainability"], True, ["financial_sustainability"], False),
    (["entrepreneurship"], False, ["entrepreneurship"], False),
    (["diversification", "partnerships"], False, ["partnerships"], False),
    (["experimentation"], True, ["experimentation", "partnerships"], True),
]


@pytest.fixture
def coded(tmp_path) -> Path:
    path = tmp_path / "corrections.jsonl"
    for i, (themes, lesson, model, model_lesson) in enumerate(CODED):
        append_correction(path, decision(PASSAGES[i], themes, lesson, before=(model, model_lesson), index=i))
    return path


def test_agreement_matches_cohen_kappa_score_per_theme_and_pooled(coded, codebook):
    result = runner.invoke(app, ["agreement", str(coded), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passages"] == 8
    reviewer = np.array([[t in r for t in codebook.ids] for r, _, _, _ in CODED])
    model = np.array([[t in m for t in codebook.ids] for _, _, m, _ in CODED])
    for j, tid in enumerate(codebook.ids):
        got = report["per_theme"][tid]["kappa"]
        if not reviewer[:, j].any() and not model[:, j].any():
            assert got is None  # undefined, not a perfect 1.0
        else:
            assert got == pytest.approx(cohen_kappa_score(reviewer[:, j], model[:, j]))
    assert report["kappa_pooled"] == pytest.approx(cohen_kappa_score(reviewer.ravel(), model.ravel()))
    # partnerships by hand: reviewer 1,0,0,0,0,0,1,0; model 1,0,0,0,0,0,1,1 -> po 7/8, pe (2*3 + 6*5)/64
    assert report["per_theme"]["partnerships"]["kappa"] == pytest.approx((7 / 8 - 36 / 64) / (1 - 36 / 64))
    assert report["per_theme"]["partnerships"]["precision"] == pytest.approx(2 / 3)
    assert report["per_theme"]["partnerships"]["recall"] == 1.0
    lesson = report["lesson"]
    assert lesson["kappa"] == pytest.approx(cohen_kappa_score([c[1] for c in CODED], [c[3] for c in CODED]))
    assert (lesson["precision"], lesson["recall"]) == (1.0, pytest.approx(2 / 3))
    assert report["passages_in_full_agreement"] == 3


def test_two_reviewers_are_compared_on_the_passages_both_reviewed_and_disagreements_written(tmp_path, coded, codebook):
    other = tmp_path / "ben.jsonl"
    for i in (0, 3, 4):  # ben agrees on 0, not on 3 and 4; he never saw the others
        themes, lesson = (CODED[0][0], False) if i == 0 else (["partnerships"], i == 4)
        append_correction(other, decision(PASSAGES[i], themes, lesson, reviewer="ben", index=i))
    diffs = tmp_path / "diff.jsonl"
    result = runner.invoke(app, ["agreement", str(coded), "--with", str(other), "--disagreements", str(diffs)])
    assert result.exit_code == 0, result.output
    assert "ben against ana on 3 passages" in result.stdout and "1 of 3 passages in full agreement" in result.stdout
    rows = lines(diffs)
    assert [r["passage_id"] for r in rows] == ["news/basque-wind.md#3", "news/basque-wind.md#4"]
    assert rows[0]["differ_on"] == ["partnerships", "shared_governance"] and rows[0]["text"] == PASSAGES[3]
    assert rows[1]["differ_on"] == ["financial_sustainability", "partnerships", "resilience"]
    assert (rows[1]["first"], rows[1]["second"]) == ("ana", "ben")
    both = runner.invoke(app, ["agreement", str(coded), "--with", str(other), "--model", "x"])
    assert both.exit_code == EXIT_USAGE


def test_agreement_with_a_model_scores_its_predictions_now(coded, model_dir, codebook):
    from pipeline.modelstore import load_model

    result = runner.invoke(app, ["agreement", str(coded), "--model", str(model_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    predicted = load_model(model_dir, codebook)[0].classify(PASSAGES)
    flags = [p.is_lesson for p in predicted]
    assert report["second"].startswith("model ") and report["lesson"]["positives_second"] == sum(flags)
    assert report["lesson"]["kappa"] == (
        None if len(set(flags) | {c[1] for c in CODED}) == 1
        else pytest.approx(cohen_kappa_score([c[1] for c in CODED], flags)))
