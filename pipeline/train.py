"""Train a theme model from labelled passages and measure it on documents it has not seen."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from . import __version__
from .classify import ThemeModel
from .codebook import Codebook
from .evaluate import best_threshold, theme_report
from .labels import LabelledPassage, labels_fingerprint

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    model: ThemeModel
    card: dict
    cv_report: dict


def label_matrix(items: list[LabelledPassage], theme_ids: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    texts = [it.text for it in items]
    y = np.array([[t in it.themes for t in theme_ids] for it in items], dtype=int)
    lessons = np.array([it.is_lesson for it in items], dtype=int)
    return texts, y, lessons


def out_of_fold_scores(items: list[LabelledPassage], theme_ids: list[str], *, seed: int, folds: int = 5):
    """Theme and lesson probabilities for every passage from a model that never saw its document."""
    from sklearn.model_selection import GroupKFold

    texts, y, lessons = label_matrix(items, theme_ids)
    groups = [it.doc for it in items]
    n_groups = len(set(groups))
    if n_groups < 2:
        raise ValueError("cross-validation needs passages from at least two documents")
    theme_p = np.zeros(y.shape, dtype=float)
    lesson_p = np.zeros(len(items), dtype=float)
    for train_idx, test_idx in GroupKFold(n_splits=min(folds, n_groups)).split(texts, y, groups):
        model = ThemeModel(theme_ids, seed=seed)
        model.fit([texts[i] for i in train_idx], y[train_idx], lessons[train_idx], strict=False)
        tp, lp, _ = model.scores([texts[i] for i in test_idx])
        theme_p[test_idx], lesson_p[test_idx] = tp, lp
    return y, lessons, theme_p, lesson_p


def train_model(items: list[LabelledPassage], codebook: Codebook, *, seed: int = 0, folds: int = 5) -> TrainResult:
    """Tune thresholds on document-grouped out-of-fold scores, report them, then fit on everything."""
    theme_ids = codebook.ids
    started = time.perf_counter()
    y, lessons, theme_p, lesson_p = out_of_fold_scores(items, theme_ids, seed=seed, folds=folds)
    thresholds = {t: best_threshold(y[:, j], theme_p[:, j]) for j, t in enumerate(theme_ids)}
    lesson_threshold = best_threshold(lessons, lesson_p)
    pred = np.column_stack([theme_p[:, j] >= thresholds[t] for j, t in enumerate(theme_ids)])
    report = theme_report(y, pred, theme_ids, lessons, lesson_p >= lesson_threshold)
    report["protocol"] = f"{folds}-fold cross-validation grouped by document; thresholds tuned on the same predictions"

    texts = [it.text for it in items]
    model = ThemeModel(theme_ids, seed=seed).fit(texts, y, lessons)
    model.thresholds_ = thresholds
    model.lesson_threshold_ = lesson_threshold
    data_hash = labels_fingerprint(items)
    model.model_id = f"tfidf-lr-{data_hash.split(':')[1][:10]}-s{seed}"
    card = {
        "id": model.model_id,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "kind": "tfidf-word+char / one-vs-rest logistic regression",
        "training_data": {"fingerprint": data_hash, "passages": len(items),
                          "documents": len({it.doc for it in items}), "voices": sorted({it.voice for it in items})},
        "codebook": {"fingerprint": codebook.fingerprint, "source": codebook.source},
        "evaluation": {"cv": _summary(report)},
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    return TrainResult(model=model, card=card, cv_report=report)


def _summary(report: dict) -> dict:
    return {
        "macro_f1": round(report["macro_f1"], 4),
        "micro_f1": round(report["micro_f1"], 4),
        "lesson_f1": round(report.get("lesson_f1", 0.0), 4),
        "per_theme_f1": {k: round(v["f1"], 4) for k, v in report["per_theme"].items()},
        "protocol": report.get("protocol", ""),
    }


def evaluate_model(model: ThemeModel, items: list[LabelledPassage]) -> dict:
    """The model's figures on labelled passages, with its own stored thresholds."""
    texts, y, lessons = label_matrix(items, model.theme_ids)
    theme_p, lesson_p, _ = model.scores(texts)
    pred = np.column_stack([theme_p[:, j] >= model.thresholds_[t] for j, t in enumerate(model.theme_ids)])
    return theme_report(y, pred, model.theme_ids, lessons, lesson_p >= model.lesson_threshold_)
