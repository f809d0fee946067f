"""Metrics shared by ``train``, ``evaluate`` and the benchmarks."""

from __future__ import annotations

from collections import Counter

import numpy as np


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def theme_report(y_true: np.ndarray, y_pred: np.ndarray, theme_ids: list[str],
                 lesson_true: np.ndarray | None = None, lesson_pred: np.ndarray | None = None) -> dict:
    """Per-theme precision/recall/F1, micro and macro F1, lesson F1 and the most confused pairs."""
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    per_theme = {}
    tps = fps = fns = 0
    for j, tid in enumerate(theme_ids):
        t, p = y_true[:, j], y_pred[:, j]
        tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
        tps, fps, fns = tps + tp, fps + fp, fns + fn
        prec, rec, f = f1(tp, fp, fn)
        per_theme[tid] = {"precision": prec, "recall": rec, "f1": f, "support": int(t.sum())}
    report = {
        "n": int(len(y_true)),
        "macro_f1": float(np.mean([v["f1"] for v in per_theme.values()])),
        "micro_f1": f1(tps, fps, fns)[2],
        "per_theme": per_theme,
        "confused_pairs": confused_pairs(y_true, y_pred, theme_ids),
    }
    if lesson_true is not None and lesson_pred is not None:
        lt, lp = np.asarray(lesson_true, bool), np.asarray(lesson_pred, bool)
        prec, rec, f = f1(int((lt & lp).sum()), int((~lt & lp).sum()), int((lt & ~lp).sum()))
        report["lesson"] = {"precision": prec, "recall": rec, "f1": f, "support": int(lt.sum())}
        report["lesson_f1"] = f
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
    """The score cut-off that maximises F1 (ties go to the higher, more precise cut-off)."""
    grid = np.round(np.arange(0.10, 0.91, 0.025), 3) if grid is None else grid
    y = np.asarray(y, bool)
    best, best_f = 0.5, -1.0
    for th in grid:
        p = scores >= th
        f = f1(int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum()))[2]
        if f >= best_f:
            best, best_f = float(th), f
    return best
