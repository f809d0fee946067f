"""The classifier on passages it was not trained on, evidence, thresholds and determinism."""

from __future__ import annotations

import json

import numpy as np

from pipeline.labels import read_labels
from pipeline.train import evaluate_model, train_model

from .conftest import DATA


def test_training_is_deterministic(corpus_labels, codebook, trained):
    subset = [it for i, it in enumerate(corpus_labels) if i % 3 == 0]
    a = train_model(subset, codebook, seed=1, protocols=("cv",))
    b = train_model(subset, codebook, seed=1, protocols=("cv",))
    assert a.card["id"] == b.card["id"]
    assert a.cv_report["macro_f1"] == b.cv_report["macro_f1"]
    texts = [it.text for it in corpus_labels[:20]]
    np.testing.assert_array_equal(a.model.scores(texts)[0], b.model.scores(texts)[0])


def test_cross_validated_figures_are_reported_per_theme(trained, codebook):
    report = trained[0].cv_report
    assert set(report["per_theme"]) == set(codebook.ids)
    assert 0.0 < report["macro_f1"] <= 1.0
    assert report["lesson_f1"] > 0.5
    assert trained[0].card["evaluation"]["cv"]["macro_f1"] == round(report["macro_f1"], 4)
    lovo = trained[0].reports["lovo"]
    assert len(lovo["per_voice_macro_f1"]) >= 10
    assert trained[0].card["decision_source"] == "lovo"


def test_clear_held_out_cases_get_their_theme(trained, codebook):
    """Passages written apart from the training corpus, one unambiguous main theme each."""
    model = trained[0].model
    cases = [json.loads(line) for line in (DATA / "clear_cases.jsonl").read_text().splitlines() if line.strip()]
    training_texts = {it.text for it in read_labels([DATA.parent.parent / "corpus" / "labels"], codebook.ids)}
    assert not training_texts & {c["text"] for c in cases}, "clear cases must be held out"
    themed = [c for c in cases if c["themes"]]
    results = model.classify([c["text"] for c in themed])
    hits = sum(c["themes"][0] in {t.id for t in r.themes} for c, r in zip(themed, results))
    assert hits / len(themed) >= 0.7, f"only {hits} of {len(themed)} clear cases tagged with their theme"
    per_theme_hits = {}
    for c, r in zip(themed, results):
        per_theme_hits.setdefault(c["themes"][0], []).append(c["themes"][0] in {t.id for t in r.themes})
    for theme, flags in per_theme_hits.items():
        assert sum(flags) >= 2, f"{theme}: {sum(flags)} of {len(flags)} clear cases found"


def test_plain_logistics_get_no_theme_and_no_lesson(trained):
    model = trained[0].model
    [c] = model.classify(["Registration for the matchmaking day closes on Friday. Coffee will be served "
                          "from 8:30 in the foyer, and the shuttle bus leaves the station every twenty minutes."])
    assert c.themes == ()
    assert not c.is_lesson


def test_evidence_terms_come_from_the_passage(trained):
    model = trained[0].model
    text = ("The three clusters signed a cross-border partnership agreement and will run joint projects "
            "with partners in Estonia and Finland.")
    [c] = model.classify([text])
    assert c.themes and c.themes[0].id == "partnerships"
    assert c.themes[0].evidence
    for term in c.themes[0].evidence:
        assert term in text.lower()
    assert c.scores["partnerships"] == max(c.scores.values())


def test_evaluate_reports_figures_on_labelled_passages(trained, corpus_labels):
    report = evaluate_model(trained[0].model, corpus_labels[:200])
    assert report["n"] == 200
    assert set(report) >= {"macro_f1", "micro_f1", "lesson_f1", "per_theme", "confused_pairs"}
