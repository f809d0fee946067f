"""Metrics shared by ``train``, ``evaluate`` and the benchmarks (thin layer over sklearn.metrics)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, precision_recall_fscore_support

THRESHOLD_GRID = np.round(np.arange(0.05, 0.91, 0.01), 3)


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (entity spans are counted, not labelled per row)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def theme_report(y_true: np.ndarray, y_pred: np.ndarray, theme_ids: list[str],
                 lesson_true: np.ndarray | None = None, lesson_pred: np.ndarray | None = None,
                 scores: np.ndarray | None = None, lesson_scores: np.ndarray | None = None) -> dict:
    """Per-theme precision/recall/F1, micro and macro F1, lesson F1, mean AP and confused pairs.

    ``scores`` (n × themes) and ``lesson_scores`` add average precision, which judges the ranking
    independently of any threshold.
    """
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    per_theme = {tid: {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]), "support": int(support[j])}
                 for j, tid in enumerate(theme_ids)}
    report = {
        "n": int(len(y_true)),
        "macro_f1": float(np.mean(f)) if len(f) else 0.0,
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "per_theme": per_theme,
        "confused_pairs": confused_pairs(y_true, y_pred, theme_ids),
    }
    if scores is not None:
        aps = [average_precision_score(y_true[:, j], scores[:, j]) for j in range(len(theme_ids)) if y_true[:, j].any()]
        report["mean_ap"] = float(np.mean(aps)) if aps else 0.0
    if lesson_true is not None and lesson_pred is not None:
        lt, lp = np.asarray(lesson_true, bool), np.asarray(lesson_pred, bool)
        lp_, lr_, lf_, _ = precision_recall_fscore_support(lt, lp, average="binary", zero_division=0)
        report["lesson"] = {"precision": float(lp_), "recall": float(lr_), "f1": float(lf_), "support": int(lt.sum())}
        report["lesson_f1"] = float(lf_)
        if lesson_scores is not None and lt.any():
            report["lesson_ap"] = float(average_precision_score(lt, lesson_scores))
    return report


def confused_pairs(y_true: np.ndarray, y_pred: np.ndarray, theme_ids: list[str], top: int = 5) -> list[dict]:
    """Pairs (gold theme A, predicted B) where B was predicted without being gold while A was missed."""
    counts: Counter[tuple[str, str]] = Counter()
    for t, p in zip(y_true, y_pred):
        missed = [theme_ids[j] for j in np.flatnonzero(t & ~p)]
        extra = [theme_ids[j] for j in np.flatnonzero(p & ~t)]
        for a in missed:
            for b in extra:
                counts[(a, b)] += 1
    return [{"gold": a, "predicted": b, "count": c} for (a, b), c in counts.most_common(top)]


def best_threshold(y: np.ndarray, scores: np.ndarray, grid: np.ndarray | None = None) -> float:
    """The score cut-off that maximises F1 (ties go to the later, in the ascending grid the more
    precise, cut-off).

    All cut-offs are counted in one array operation, with sklearn's own formula for binary F1
    (2·tp / (positives + predicted), in float64), so each value is bit-identical to
    ``f1_score(y, scores >= th)``: calling ``f1_score`` once per grid point spent a third of a
    training run in its input checks."""
    grid = THRESHOLD_GRID if grid is None else np.asarray(grid)
    y = np.asarray(y, bool)
    if not y.any():
        return 0.5
    predicted = np.asarray(scores)[None, :] >= grid[:, None]
    tp = (predicted & y[None, :]).sum(axis=1)
    f = (2.0 * tp) / (float(y.sum()) + predicted.sum(axis=1))
    return float(grid[np.flatnonzero(f == f.max())[-1]])
