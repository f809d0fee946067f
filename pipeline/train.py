"""Train a theme model from labelled passages and measure it on documents and voices it has not seen.

Two held-out protocols are run on every training:

* **cv**: 5-fold cross-validation grouped by document (no document on both sides);
* **lovo**: leave-one-voice-out, training on every genre but one and testing on the unseen one,
  which predicts behaviour on reports written by others far better than cv does.

Scores are calibrated (Platt scaling on held-out predictions) and each theme gets its own threshold
tuned on out-of-voice predictions. In the reported figures the calibration and thresholds applied to
a held-out group are fitted on the *other* groups' predictions only, so no figure is tuned on the
passages it is measured on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from . import __version__
from .classify import ThemeModel, logit
from .codebook import Codebook
from .evaluate import best_threshold, theme_report
from .labels import LabelledPassage, labels_fingerprint, text_keys

log = logging.getLogger(__name__)
CV_FOLDS = 5


@dataclass
class TrainResult:
    model: ThemeModel
    card: dict
    reports: dict  # protocol name -> report

    @property
    def cv_report(self) -> dict:
        return self.reports["cv"]


def label_matrix(items: Sequence[LabelledPassage], theme_ids: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    texts = [it.text for it in items]
    y = np.array([[t in it.themes for t in theme_ids] for it in items], dtype=int).reshape(len(items), len(theme_ids))
    lessons = np.array([it.is_lesson for it in items], dtype=int)
    return texts, y, lessons


def cv_folds(items: Sequence[LabelledPassage], n_splits: int = CV_FOLDS) -> np.ndarray:
    """Fold number of every passage, grouped by document (deterministic)."""
    from sklearn.model_selection import GroupKFold

    groups = [it.doc for it in items]
    folds = np.zeros(len(items), dtype=int)
    n = min(n_splits, len(set(groups)))
    if n < 2:
        raise ValueError("held-out figures need passages from at least two documents")
    for k, (_, test) in enumerate(GroupKFold(n_splits=n).split(np.zeros(len(items)), groups=groups)):
        folds[test] = k
    return folds


def voice_folds(items: Sequence[LabelledPassage]) -> tuple[np.ndarray, list[str]]:
    voices = sorted({it.voice for it in items})
    index = {v: i for i, v in enumerate(voices)}
    return np.array([index[it.voice] for it in items], dtype=int), voices


ModelFactory = Callable[[], object]


def out_of_fold_scores(factory: ModelFactory, texts: list[str], y: np.ndarray, lessons: np.ndarray,
                       folds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Raw theme and lesson probabilities for every passage from a model that never saw its fold."""
    theme_p = np.zeros(y.shape, dtype=float)
    lesson_p = np.zeros(len(texts), dtype=float)
    for k in np.unique(folds):
        train, test = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        model = factory()
        model.fit([texts[i] for i in train], y[train], lessons[train], strict=False)
        tp, lp = model.raw_scores([texts[i] for i in test])
        theme_p[test], lesson_p[test] = tp, lp
    return theme_p, lesson_p


def fit_platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Sigmoid calibration ``p = 1 / (1 + exp(-(a * logit(raw) + b)))`` fitted on held-out scores."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=int)
    if y.min() == y.max():
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(logit(raw).reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def apply_platt(raw: np.ndarray, ab: tuple[float, float]) -> np.ndarray:
    a, b = ab
    return 1.0 / (1.0 + np.exp(-(a * logit(raw) + b)))


@dataclass
class Decision:
    """Calibration and thresholds: how raw probabilities become scores and tags."""

    calibration: dict[str, tuple[float, float]]
    thresholds: dict[str, float]
    lesson_calibration: tuple[float, float]
    lesson_threshold: float


def fit_decision(theme_raw: np.ndarray, lesson_raw: np.ndarray, y: np.ndarray, lessons: np.ndarray,
                 theme_ids: list[str]) -> Decision:
    calibration, thresholds = {}, {}
    for j, t in enumerate(theme_ids):
        calibration[t] = fit_platt(theme_raw[:, j], y[:, j])
        thresholds[t] = best_threshold(y[:, j], apply_platt(theme_raw[:, j], calibration[t]))
    lesson_cal = fit_platt(lesson_raw, lessons)
    return Decision(calibration, thresholds, lesson_cal, best_threshold(lessons, apply_platt(lesson_raw, lesson_cal)))


def held_out_report(theme_raw: np.ndarray, lesson_raw: np.ndarray, y: np.ndarray, lessons: np.ndarray,
                    folds: np.ndarray, theme_ids: list[str], protocol: str) -> dict:
    """Figures where each fold is decided by calibration and thresholds fitted on the other folds."""
    pred = np.zeros(y.shape, dtype=bool)
    lesson_pred = np.zeros(len(lessons), dtype=bool)
    for k in np.unique(folds):
        rest, this = folds != k, folds == k
        d = fit_decision(theme_raw[rest], lesson_raw[rest], y[rest], lessons[rest], theme_ids)
        for j, t in enumerate(theme_ids):
            pred[this, j] = apply_platt(theme_raw[this, j], d.calibration[t]) >= d.thresholds[t]
        lesson_pred[this] = apply_platt(lesson_raw[this], d.lesson_calibration) >= d.lesson_threshold
    report = theme_report(y, pred, theme_ids, lessons, lesson_pred)
    report["protocol"] = protocol
    per_group = {}
    for k in np.unique(folds):
        m = folds == k
        per_group[int(k)] = theme_report(y[m], pred[m], theme_ids, lessons[m], lesson_pred[m])["macro_f1"]
    report["per_fold_macro_f1"] = per_group
    return report


def train_model(items: list[LabelledPassage], codebook: Codebook, *, seed: int = 0,
                factory: ModelFactory | None = None, protocols: Sequence[str] = ("cv", "lovo")) -> TrainResult:
    """Measure under each protocol, fit calibration and thresholds out of voice, then fit on everything."""
    theme_ids = codebook.ids
    factory = factory or (lambda: ThemeModel(theme_ids, seed=seed))
    texts, y, lessons = label_matrix(items, theme_ids)
    started = time.perf_counter()
    reports: dict[str, dict] = {}
    oof: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    vfolds, voices = voice_folds(items)
    for name in protocols:
        if name == "lovo" and len(voices) < 2:
            continue
        folds = cv_folds(items) if name == "cv" else vfolds
        oof[name] = out_of_fold_scores(factory, texts, y, lessons, folds)
        label = (f"{CV_FOLDS}-fold cross-validation grouped by document" if name == "cv"
                 else f"leave-one-voice-out over {len(voices)} voices")
        reports[name] = held_out_report(*oof[name], y, lessons, folds, theme_ids, label)
        if name == "lovo":
            reports[name]["per_voice_macro_f1"] = {voices[k]: v for k, v in reports[name].pop("per_fold_macro_f1").items()}
    # Calibration and thresholds for the shipped model come from out-of-voice predictions when
    # there are several voices: that is the situation the model meets on other people's reports.
    source = "lovo" if "lovo" in oof else next(iter(oof), None)
    model = factory()
    model.fit(texts, y, lessons)
    if source is not None:
        decision = fit_decision(*oof[source], y, lessons, theme_ids)
        model.set_decision(decision.calibration, decision.thresholds, decision.lesson_calibration,
                           decision.lesson_threshold)
    train_seconds = time.perf_counter() - started
    t0 = time.perf_counter()
    model.classify(texts[:500])
    per_second = min(500, len(texts)) / max(time.perf_counter() - t0, 1e-9)

    data_hash = labels_fingerprint(items)
    model.model_id = f"{model.kind}-{data_hash.split(':')[1][:10]}-s{seed}"
    card = {
        "id": model.model_id,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tool_version": __version__,
        "kind": model.description,
        "training_data": {"fingerprint": data_hash, "passages": len(items),
                          "documents": len({it.doc for it in items}), "voices": voices,
                          "text_keys": text_keys(items)},
        "codebook": {"fingerprint": codebook.fingerprint, "source": codebook.source},
        "decision_source": source,
        "evaluation": {name: summarise(r) for name, r in reports.items()},
        "train_seconds": round(train_seconds, 1),
        "passages_per_second": round(per_second),
    }
    return TrainResult(model=model, card=card, reports=reports)


def summarise(report: dict) -> dict:
    out = {
        "protocol": report.get("protocol", ""),
        "macro_f1": round(report["macro_f1"], 4),
        "micro_f1": round(report["micro_f1"], 4),
        "lesson_f1": round(report.get("lesson_f1", 0.0), 4),
        "per_theme_f1": {k: round(v["f1"], 4) for k, v in report["per_theme"].items()},
    }
    if "per_voice_macro_f1" in report:
        out["per_voice_macro_f1"] = {k: round(v, 4) for k, v in report["per_voice_macro_f1"].items()}
    return out


def evaluate_model(model: ThemeModel, items: list[LabelledPassage], card: dict | None = None) -> dict:
    """The model's figures on labelled passages, with its own stored calibration and thresholds.

    ``seen_in_training`` counts the passages the model was trained on (from its card): figures
    on those are optimistic, and a user should know before quoting them.
    """
    texts, y, lessons = label_matrix(items, model.theme_ids)
    theme_p, lesson_p, _ = model.scores(texts)
    pred = np.column_stack([theme_p[:, j] >= model.thresholds_[t] for j, t in enumerate(model.theme_ids)])
    report = theme_report(y, pred, model.theme_ids, lessons, lesson_p >= model.lesson_threshold_)
    trained_on = set((card or {}).get("training_data", {}).get("text_keys", []))
    report["seen_in_training"] = sum(key in trained_on for key in text_keys(items)) if trained_on else None
    return report
