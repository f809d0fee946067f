"""Train a theme model from labelled passages and measure it on sources it has not seen.

Held-out figures come from ``cross_val_predict`` over ``GroupKFold`` folds grouped by document
(for real-grounded passages: by source page), so no page sits on both sides. The model calibrates
itself inside each fold (nested), so the out-of-fold scores are what a user would see.

Thresholds are fitted on out-of-fold predictions of **real-grounded** passages only: text
written from real pages is what the model meets on users' reports, and imagined passages (or a
handful of corrections) would pull the cut-offs where they do not hold. When fewer than
``MIN_THRESHOLD_PASSAGES`` real-grounded passages are in the training data, every row is used and
the card says so; even then passages that only a reviewer's correction labelled
(``origin="correction"``) are left out, so corrections change the model, never the cut-offs. In
the reported figures, each fold is decided by thresholds fitted on the other folds only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from . import __version__
from .classify import ThemeModel
from .codebook import Codebook
from .evaluate import best_threshold, theme_report
from .labels import CORRECTION, REAL_GROUNDED, LabelledPassage, labels_fingerprint, text_keys

log = logging.getLogger(__name__)
CV_FOLDS = 5
MIN_THRESHOLD_PASSAGES = 300
DEFAULT_PARAMS = {"features": "tfidf|encoder", "C": 4.0, "class_weight": None, "lesson_sentences": False}


@dataclass
class TrainResult:
    model: ThemeModel
    card: dict
    reports: dict  # protocol name -> report
    oof: tuple | None = None  # (out-of-fold probabilities, folds, threshold rows), for benchmarks

    @property
    def cv_report(self) -> dict:
        return self.reports["cv"]


def label_matrix(items: Sequence[LabelledPassage], theme_ids: list[str]) -> tuple[list[str], np.ndarray]:
    """Texts and the (n, themes + 1) 0/1 matrix: themes in codebook order, then is_lesson."""
    texts = [it.text for it in items]
    y = np.array([[t in it.themes for t in theme_ids] + [it.is_lesson] for it in items], dtype=int)
    return texts, y.reshape(len(items), len(theme_ids) + 1)


def out_of_fold(model: ThemeModel, texts: list[str], y: np.ndarray, groups: list[str],
                n_splits: int = CV_FOLDS) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated probabilities for every passage from a model that never saw its group, and the folds."""
    from sklearn.model_selection import GroupKFold, cross_val_predict

    n = min(n_splits, len(set(groups)))
    if n < 2:
        raise ValueError("held-out figures need passages from at least two documents")
    splits = list(GroupKFold(n_splits=n).split(texts, y, groups))
    folds = np.zeros(len(texts), dtype=int)
    for k, (_, test) in enumerate(splits):
        folds[test] = k
    proba = cross_val_predict(model, texts, y, cv=splits, method="predict_proba",
                              params={"groups": np.asarray(groups)})
    return proba, folds


def fit_thresholds(proba: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One F1-maximising cut-off per column."""
    return np.array([best_threshold(y[:, j], proba[:, j]) for j in range(y.shape[1])])


def held_out_report(proba: np.ndarray, y: np.ndarray, folds: np.ndarray, tune: np.ndarray, measure: np.ndarray,
                    theme_ids: list[str], protocol: str) -> dict:
    """Figures on the ``measure`` rows, each fold cut by thresholds fitted on the ``tune`` rows of other folds."""
    pred = np.zeros(y.shape, dtype=bool)
    for k in np.unique(folds):
        rest = (folds != k) & tune
        pred[folds == k] = proba[folds == k] >= fit_thresholds(proba[rest], y[rest])
    m = measure
    T = len(theme_ids)
    report = theme_report(y[m, :T], pred[m, :T], theme_ids, y[m, T], pred[m, T], proba[m, :T], proba[m, T])
    report["protocol"] = protocol
    return report


def train_model(items: list[LabelledPassage], codebook: Codebook, *, seed: int = 0,
                params: dict | None = None, evaluate: bool = True,
                estimator: type[ThemeModel] = ThemeModel) -> TrainResult:
    """Measure out of fold, fit thresholds on real-grounded out-of-fold scores, then fit on everything.

    ``estimator`` is the ThemeModel class to train (the benchmark passes a subclass with other
    embeddings)."""
    theme_ids = codebook.ids
    params = {**DEFAULT_PARAMS, **(params or {})}
    model = estimator(theme_ids, seed=seed, **params)
    texts, y = label_matrix(items, theme_ids)
    groups = [it.doc for it in items]
    grounded = np.array([it.origin == REAL_GROUNDED for it in items])
    base = np.array([it.origin != CORRECTION for it in items])
    if not base.any():
        base = np.ones(len(items), dtype=bool)
    tune = grounded if grounded.sum() >= MIN_THRESHOLD_PASSAGES else base
    threshold_source = (f"out-of-fold scores of {int(tune.sum())} real-grounded passages" if tune is grounded
                        else f"out-of-fold scores of all {int(base.sum())} passages (fewer than "
                             f"{MIN_THRESHOLD_PASSAGES} real-grounded ones)"
                             + ("" if base.all() else "; corrections' new passages left out"))
    started = time.perf_counter()
    reports: dict[str, dict] = {}
    thresholds = np.full(len(theme_ids) + 1, 0.5)
    oof = None
    if evaluate:
        proba, folds = out_of_fold(model, texts, y, groups)
        thresholds = fit_thresholds(proba[tune], y[tune])
        oof = (proba, folds, tune)
        reports["cv"] = held_out_report(proba, y, folds, tune, np.ones(len(items), dtype=bool), theme_ids,
                                        f"{folds.max() + 1}-fold cross-validation grouped by source, all passages")
        if grounded.any() and not grounded.all():
            reports["cv_grounded"] = held_out_report(
                proba, y, folds, tune, grounded, theme_ids,
                f"the same folds, scored on the {int(grounded.sum())} real-grounded passages only")
    model.fit(texts, y, groups=groups)
    model.set_thresholds(thresholds)
    train_seconds = time.perf_counter() - started
    t0 = time.perf_counter()
    model.classify(texts[:500])
    per_second = min(500, len(texts)) / max(time.perf_counter() - t0, 1e-9)

    data_hash = labels_fingerprint(items)
    model.model_id = f"{params['features'].replace('+', '-').replace('|', '-avg-')}-{data_hash.split(':')[1][:10]}-s{seed}"
    card = {
        "id": model.model_id,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "kind": describe(params),
        "training_data": {"fingerprint": data_hash, "passages": len(items),
                          "real_grounded_passages": int(grounded.sum()),
                          "documents": len(set(groups)), "text_keys": text_keys(items)},
        "codebook": {"fingerprint": codebook.fingerprint, "source": codebook.source},
        "threshold_source": threshold_source if evaluate else "none fitted (0.5): trained without evaluation",
        "evaluation": {name: summarise(r) for name, r in reports.items()},
        "train_seconds": round(train_seconds, 1),
        "passages_per_second": round(per_second),
    }
    return TrainResult(model=model, card=card, reports=reports, oof=oof)


def describe(params: dict) -> str:
    feats = {"tfidf": "TF-IDF word 1-2 + char 3-5 grams", "encoder": "all-MiniLM-L6-v2 embeddings (ONNX int8)"}
    feats["tfidf+encoder"] = f"{feats['tfidf']} and {feats['encoder']} in one regression"
    kinds = params["features"].split("|")
    text = " averaged with ".join(feats[k] for k in kinds) + \
        f"; logistic regression per theme and lesson (C={params['C']}), sigmoid-calibrated out of fold " \
        "(CalibratedClassifierCV)"
    return text + ("; lesson also scored per sentence" if params.get("lesson_sentences") else "")


def summarise(report: dict) -> dict:
    out = {
        "protocol": report.get("protocol", ""),
        "passages": report["n"],
        "macro_f1": round(report["macro_f1"], 4),
        "micro_f1": round(report["micro_f1"], 4),
        "lesson_f1": round(report.get("lesson_f1", 0.0), 4),
        "per_theme_f1": {k: round(v["f1"], 4) for k, v in report["per_theme"].items()},
    }
    for key in ("mean_ap", "lesson_ap"):
        if key in report:
            out[key] = round(report[key], 4)
    return out


def evaluate_model(model: ThemeModel, items: list[LabelledPassage], card: dict | None = None) -> dict:
    """The model's figures on labelled passages, with its own stored thresholds.

    ``seen_in_training`` counts the passages the model was trained on (from its card): figures
    on those are optimistic, and a user should know before quoting them.
    """
    texts, y = label_matrix(items, list(model.theme_ids))
    proba = model.predict_proba(texts)
    pred = proba >= model.thresholds_
    T = len(model.theme_ids)
    report = theme_report(y[:, :T], pred[:, :T], list(model.theme_ids), y[:, T], pred[:, T], proba[:, :T], proba[:, T])
    trained_on = set((card or {}).get("training_data", {}).get("text_keys", []))
    report["seen_in_training"] = sum(key in trained_on for key in text_keys(items)) if trained_on else None
    return report
