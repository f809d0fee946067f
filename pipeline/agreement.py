"""Agreement between two coders of the same passages: a reviewer and the model, or two reviewers.

Reported as qualitative researchers already do: Cohen's kappa per theme and for the lesson flag
(``sklearn.metrics.cohen_kappa_score``), with raw agreement beside it, and precision, recall and
F1 of the second coder against the first (the first is taken as the reference). Overall kappa is
computed once over every (passage, theme) decision pooled, and as the mean of the per-theme kappas.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .corrections import Correction, CorrectionSet
from .errors import LabelsError

Labels = tuple[frozenset[str], bool]  # themes, is_lesson


@dataclass(frozen=True, slots=True)
class CodedPair:
    """One passage as both coders labelled it."""

    passage: Correction  # the first coder's decision: it names the passage and carries its text
    a: Labels
    b: Labels


def model_pairs(found: CorrectionSet) -> list[CodedPair]:
    """Reviewer (first) against what the model said when the passage was reviewed (``before``)."""
    return [CodedPair(c, c.labels(), (frozenset(c.before.themes), c.before.is_lesson)) for c in found.corrections]


def predicted_pairs(found: CorrectionSet, model) -> list[CodedPair]:
    """Reviewer (first) against a model's predictions on the reviewed texts now."""
    predicted = model.classify([c.text for c in found.corrections])
    return [CodedPair(c, c.labels(), (frozenset(t.id for t in p.themes), p.is_lesson))
            for c, p in zip(found.corrections, predicted)]


def reviewer_pairs(first: CorrectionSet, second: CorrectionSet) -> list[CodedPair]:
    """Two reviewers on the passages both reviewed, matched by text."""
    other = second.by_text()
    return [CodedPair(c, c.labels(), other[c.text_sha256].labels()) for c in first.corrections
            if c.text_sha256 in other]


def kappa(a: np.ndarray, b: np.ndarray) -> float | None:
    """Cohen's kappa, or None where it is undefined (both coders gave one same answer throughout)."""
    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # the undefined case is reported as None
        k = cohen_kappa_score(a, b, labels=[False, True], replace_undefined_by=np.nan)
    return None if np.isnan(k) else float(k)


def agreement_report(pairs: Sequence[CodedPair], theme_ids: list[str]) -> dict:
    """Per theme and for the lesson flag: kappa, raw agreement, P/R/F1 of the second coder against the first."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    if not pairs:
        raise LabelsError("no passage was coded by both; nothing to compare", kind="agreement")
    ya = np.array([[t in p.a[0] for t in theme_ids] for p in pairs], dtype=bool).reshape(len(pairs), len(theme_ids))
    yb = np.array([[t in p.b[0] for t in theme_ids] for p in pairs], dtype=bool).reshape(len(pairs), len(theme_ids))
    la, lb = np.array([p.a[1] for p in pairs], dtype=bool), np.array([p.b[1] for p in pairs], dtype=bool)

    def row(a: np.ndarray, b: np.ndarray) -> dict:
        prec, rec, f1, _ = precision_recall_fscore_support(a, b, average="binary", zero_division=0)
        return {"kappa": kappa(a, b), "agreement": float(np.mean(a == b)),
                "precision": float(prec), "recall": float(rec), "f1": float(f1),
                "positives_first": int(a.sum()), "positives_second": int(b.sum())}

    per_theme = {t: row(ya[:, j], yb[:, j]) for j, t in enumerate(theme_ids)}
    defined = [v["kappa"] for v in per_theme.values() if v["kappa"] is not None]
    return {
        "passages": len(pairs),
        "per_theme": per_theme,
        "lesson": row(la, lb),
        "kappa_pooled": kappa(ya.ravel(), yb.ravel()),
        "kappa_mean": float(np.mean(defined)) if defined else None,
        "micro_f1": float(f1_score(ya, yb, average="micro", zero_division=0)),
        "macro_f1": float(np.mean([v["f1"] for v in per_theme.values()])),
        "passages_in_full_agreement": sum(p.a == p.b for p in pairs),
    }


def disagreements(pairs: Sequence[CodedPair], names: tuple[str, str]) -> list[dict]:
    """The passages the coders labelled differently, with both labellings and what differs."""
    out = []
    for p in pairs:
        if p.a == p.b:
            continue
        c = p.passage
        out.append({"passage_id": c.passage_id, "doc_id": c.doc_id, "text_sha256": c.text_sha256,
                    "first": names[0], "second": names[1],
                    "themes_first": sorted(p.a[0]), "themes_second": sorted(p.b[0]),
                    "is_lesson_first": p.a[1], "is_lesson_second": p.b[1],
                    "differ_on": sorted(p.a[0] ^ p.b[0]) + (["is_lesson"] if p.a[1] != p.b[1] else []),
                    "text": c.text})
    return out
