"""The classifier: a scikit-learn estimator, on passages it was not trained on, with evidence."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.validation import NotFittedError

from pipeline.classify import ThemeModel
from pipeline.encoder import SentenceEncoder, split_sentences
from pipeline.labels import DEFAULT_LABELS, GROUNDED_TEST, REAL_GROUNDED, LabelledPassage, read_labels
from pipeline.train import MIN_THRESHOLD_PASSAGES, evaluate_model, fit_thresholds, label_matrix, train_model

from .conftest import DATA


def test_training_is_deterministic(small_labels, codebook):
    subset = small_labels[::6]
    a = train_model(subset, codebook, seed=1, params={"features": "tfidf"})
    b = train_model(subset, codebook, seed=1, params={"features": "tfidf"})
    assert a.card["id"] == b.card["id"]
    assert a.cv_report["macro_f1"] == b.cv_report["macro_f1"]
    texts = [it.text for it in subset[:20]]
    np.testing.assert_array_equal(a.model.predict_proba(texts), b.model.predict_proba(texts))


def test_theme_model_is_a_scikit_learn_estimator(small_labels, codebook):
    model = ThemeModel(codebook.ids, features="tfidf", C=2.0)
    assert clone(model).get_params()["C"] == 2.0
    with pytest.raises(NotFittedError):
        model.predict_proba(["a passage"])
    texts, y = label_matrix(small_labels[:300], codebook.ids)
    model.fit(texts, y, groups=[it.doc for it in small_labels[:300]])
    proba = model.predict_proba(texts[:5])
    assert proba.shape == (5, len(codebook.ids) + 1)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert list(model.classes_) == [*codebook.ids, "lesson"]
    np.testing.assert_array_equal(model.predict(texts[:5]), (proba >= model.thresholds_).astype(int))


def test_held_out_figures_are_reported_per_theme_and_for_real_grounded_passages(trained, codebook):
    result = trained[0]
    report = result.cv_report
    assert set(report["per_theme"]) == set(codebook.ids)
    assert 0.0 < report["macro_f1"] <= 1.0 and report["lesson_f1"] > 0.5 and 0 < report["mean_ap"] <= 1
    assert result.card["evaluation"]["cv"]["macro_f1"] == round(report["macro_f1"], 4)
    assert "cv_grounded" in result.reports
    assert result.reports["cv_grounded"]["n"] == result.card["training_data"]["real_grounded_passages"]
    assert "real-grounded" in result.card["threshold_source"]


def test_thresholds_come_from_real_grounded_passages_not_from_a_few_corrections(small_labels, codebook):
    """25 corrections that contradict the corpus change the model, never where the cut-offs are fitted."""
    grounded = [it for it in small_labels if it.origin == REAL_GROUNDED][:400]
    assert len(grounded) >= MIN_THRESHOLD_PASSAGES
    corrections = [LabelledPassage(text=it.text + " (reviewed)", themes=frozenset(), is_lesson=not it.is_lesson,
                                   doc=f"review-{i}", origin="correction") for i, it in enumerate(grounded[:25])]
    base = train_model(grounded, codebook, params={"features": "tfidf"})
    corrected = train_model(grounded + corrections, codebook, params={"features": "tfidf"})
    assert "real-grounded" in corrected.card["threshold_source"]
    proba, _, tune = corrected.oof
    assert tune[:len(grounded)].all() and not tune[len(grounded):].any()
    _, y = label_matrix(grounded, codebook.ids)
    np.testing.assert_array_equal(corrected.model.thresholds_, fit_thresholds(proba[:len(grounded)], y))
    assert corrected.reports["cv_grounded"]["macro_f1"] >= base.cv_report["macro_f1"] - 0.1
    only = train_model(corrections + grounded[:40], codebook, params={"features": "tfidf"})
    assert "fewer than" in only.card["threshold_source"]


def test_clear_held_out_cases_get_their_theme(trained, codebook):
    """Passages written apart from the training corpus, one unambiguous main theme each."""
    model = trained[0].model
    cases = [json.loads(line) for line in (DATA / "clear_cases.jsonl").read_text().splitlines() if line.strip()]
    training_texts = {it.text for it in read_labels(list(DEFAULT_LABELS), codebook.ids)}
    assert not training_texts & {c["text"] for c in cases}, "clear cases must be held out"
    themed = [c for c in cases if c["themes"]]
    results = model.classify([c["text"] for c in themed])
    hits = sum(c["themes"][0] in {t.id for t in r.themes} for c, r in zip(themed, results))
    assert hits / len(themed) >= 0.7, f"only {hits} of {len(themed)} clear cases tagged with their theme"


def test_plain_logistics_get_no_theme_and_no_lesson(trained):
    model = trained[0].model
    [c] = model.classify(["Registration for the matchmaking day closes on Friday. Coffee will be served "
                          "from 8:30 in the foyer, and the shuttle bus leaves the station every twenty minutes."])
    assert c.themes == ()
    assert not c.is_lesson


def test_evidence_names_words_and_the_sentence_of_the_passage(trained):
    model = trained[0].model
    text = ("The weather in Tallinn was cold and grey all week. The three clusters signed a cross-border "
            "partnership agreement and will run joint projects with partners in Estonia and Finland.")
    [c] = model.classify([text])
    assert c.themes and c.themes[0].id == "partnerships"
    assert c.themes[0].evidence
    for term in c.themes[0].evidence:
        assert term in text.lower()
    assert c.themes[0].sentence.startswith("The three clusters signed")


def test_a_lesson_names_the_sentence_that_states_it(trained):
    model = trained[0].model
    text = ("The network was launched in Porto in 2019 with eleven member firms. Our experience shows that "
            "regions should secure paying members before the start-up grant ends, or the network will not "
            "outlive its funding.")
    [c] = model.classify([text])
    assert c.is_lesson
    assert c.lesson_sentence.startswith("Our experience shows")


def test_frozen_test_split_shares_no_page_with_training(codebook):
    train = read_labels([DEFAULT_LABELS[1]], codebook.ids)
    test = read_labels([GROUNDED_TEST], codebook.ids)
    assert len(test) >= 300 and len(train) >= 2000
    assert not {it.doc for it in train} & {it.doc for it in test}
    assert all(it.origin == REAL_GROUNDED for it in train + test)


REALDEV = Path(__file__).resolve().parents[2] / "shared" / "realdev" / "passages.jsonl"


@pytest.mark.skipif(not REALDEV.exists(), reason="the development set lives beside the project, not in it")
def test_no_corpus_passage_shares_a_page_or_eight_words_with_the_development_set():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from copycheck import page_key, runs

    dev = [json.loads(line) for line in REALDEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    dev_pages = {page_key(r["source"]) for r in dev}
    dev_runs = set().union(*(runs(r["text"]) for r in dev))
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    for path in sorted(corpus.rglob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            row = json.loads(line) if line.strip() else {}
            assert not (row.get("source") and page_key(row["source"]) in dev_pages), f"{path}:{n} is a dev-set page"
            assert not runs(row.get("text", "")) & dev_runs, f"{path}:{n} shares 8 words with the dev set"


def test_evaluate_reports_figures_on_labelled_passages(trained, corpus_labels):
    report = evaluate_model(trained[0].model, corpus_labels[:200])
    assert report["n"] == 200
    assert set(report) >= {"macro_f1", "micro_f1", "lesson_f1", "mean_ap", "per_theme", "confused_pairs"}


@pytest.mark.parametrize("text, expected", [
    ("One sentence only.", ["One sentence only."]),
    ("The cluster grew. It now has 40 members in Bilbao. “We learned a lot,” she said.",
     ["The cluster grew. It now has 40 members in Bilbao.", "“We learned a lot,” she said."]),
    ("Funding rose by 3.5% in 2023. The U.S. partners agreed.", ["Funding rose by 3.5% in 2023.", "The U.S. partners agreed."]),
])
def test_sentences_split_at_full_stops_and_keep_short_fragments_joined(text, expected):
    assert split_sentences(text) == expected


def test_encoder_gives_unit_vectors_and_similar_texts_sit_close():
    enc = SentenceEncoder()
    v = enc.encode(["The cluster signed a partnership with a Finnish network.",
                    "A Finnish network and the cluster agreed to cooperate.",
                    "Coffee is served at 8:30 in the foyer."])
    assert v.shape == (3, enc.dimensions)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    np.testing.assert_array_equal(enc.encode(["Coffee is served at 8:30 in the foyer."])[0], v[2])


def test_best_threshold_is_the_cut_off_sklearns_f1_score_would_choose():
    """The one-pass sweep must pick exactly what a loop over f1_score picks, ties included."""
    from sklearn.metrics import f1_score

    from pipeline.evaluate import THRESHOLD_GRID, best_threshold

    def by_loop(y, scores):
        best, best_f = 0.5, -1.0
        for th in THRESHOLD_GRID:
            f = f1_score(y, scores >= th, zero_division=0)
            if f >= best_f:
                best, best_f = float(th), f
        return best

    rng = np.random.default_rng(0)
    for case in range(30):
        n = int(rng.integers(3, 400))
        y = rng.random(n) < rng.uniform(0.02, 0.6)
        if not y.any():
            y[0] = True
        if case % 3 == 0:  # scores on the grid itself, and many equal: ties and >= at the boundary
            scores = rng.choice(THRESHOLD_GRID, n)
        else:
            scores = np.clip(y * rng.uniform(0, 0.5) + rng.random(n) * 0.7, 0, 1)
        assert best_threshold(y, scores) == by_loop(y, scores), case
    assert best_threshold(np.zeros(5, bool), np.linspace(0, 1, 5)) == 0.5
    assert best_threshold(np.array([1, 0, 1, 0]), np.array([0.9, 0.1, 0.8, 0.2])) == 0.8
