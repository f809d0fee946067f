"""The theme and lesson model: TF-IDF features, one-vs-rest logistic regression, evidence terms.

Themes are multi-label: each theme gets its own probability and its own threshold (tuned on
held-out predictions), so a passage can carry several themes or none. ``is_lesson`` is a
separate binary classifier on the same features.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .records import Classification, ThemeScore

EVIDENCE_TERMS = 5


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def calibrate(raw: np.ndarray, ab: tuple[float, float]) -> np.ndarray:
    """Platt scaling of a raw probability: the map is fitted on held-out predictions by the trainer."""
    a, b = ab
    return 1.0 / (1.0 + np.exp(-(a * logit(raw) + b)))


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def build_features(seed: int = 0):
    """Word 1-2 grams (readable evidence) and character 3-5 grams (robust to inflection and typos)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True,
                                 strip_accents="unicode", lowercase=True, token_pattern=r"(?u)\b[^\W\d_][\w-]+\b")),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3, sublinear_tf=True,
                                 strip_accents="unicode", lowercase=True, max_features=150_000)),
    ])


def build_classifier(seed: int = 0, C: float = 4.0):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=3000, solver="liblinear", random_state=seed)


class ThemeModel:
    """Multi-label theme scores plus a lesson score for passages of text.

    Parameters
    ----------
    theme_ids : list of str
        The codebook's theme ids, in codebook order.
    seed : int
        Seed for every random choice, so training is repeatable.
    C : float
        Inverse regularisation strength of the logistic regressions.
    """

    kind = "tfidf-lr"
    description = "TF-IDF word 1-2 grams + char_wb 3-5 grams; one-vs-rest logistic regression; Platt-calibrated"

    def __init__(self, theme_ids: Sequence[str], seed: int = 0, C: float = 4.0):
        self.theme_ids = list(theme_ids)
        self.seed = seed
        self.C = C

    def fit(self, texts: Sequence[str], themes: np.ndarray, lessons: np.ndarray, *, strict: bool = True) -> ThemeModel:
        """Fit features, the one-vs-rest theme classifier and the lesson classifier; returns self.

        ``strict=False`` tolerates a theme with no positive passage (a cross-validation fold may
        lack one); it then always scores 0.
        """
        import warnings

        from sklearn.multiclass import OneVsRestClassifier

        themes = np.asarray(themes, dtype=int)
        missing = [t for t, n in zip(self.theme_ids, themes.sum(axis=0)) if n == 0]
        if missing and strict:
            raise ValueError(f"no training passage carries theme(s) {missing}; add examples before training")
        self.features_ = build_features(self.seed)
        X = self.features_.fit_transform(list(texts))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Label not .* is present in all training examples")
            self.themes_ = OneVsRestClassifier(build_classifier(self.seed, self.C)).fit(X, themes)
        self.lesson_ = build_classifier(self.seed, self.C).fit(X, np.asarray(lessons, dtype=int))
        self.set_decision({t: (1.0, 0.0) for t in self.theme_ids}, {t: 0.5 for t in self.theme_ids}, (1.0, 0.0), 0.5)
        return self

    def set_decision(self, calibration: dict, thresholds: dict, lesson_calibration, lesson_threshold: float) -> None:
        """Install the calibration maps and thresholds the trainer fitted on held-out predictions."""
        self.calibration_ = {t: tuple(calibration[t]) for t in self.theme_ids}
        self.thresholds_ = {t: float(thresholds[t]) for t in self.theme_ids}
        self.lesson_calibration_ = tuple(lesson_calibration)
        self.lesson_threshold_ = float(lesson_threshold)

    # -- prediction -----------------------------------------------------------------------------
    def _raw(self, texts: Sequence[str]):
        X = self.features_.transform(list(texts))
        return self.themes_.predict_proba(X), self.lesson_.predict_proba(X)[:, 1], X

    def raw_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Uncalibrated theme (n × themes) and lesson (n) probabilities, for the trainer."""
        theme_p, lesson_p, _ = self._raw(texts)
        return theme_p, lesson_p

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, object]:
        """Calibrated theme probabilities (n × themes), lesson probabilities (n) and the feature matrix."""
        theme_p, lesson_p, X = self._raw(texts)
        theme_p = np.column_stack([calibrate(theme_p[:, j], self.calibration_[t]) for j, t in enumerate(self.theme_ids)])
        return theme_p, calibrate(lesson_p, self.lesson_calibration_), X

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Scores, themes at or above their threshold (best first, with evidence) and the lesson flag."""
        if not texts:
            return []
        theme_p, lesson_p, X = self.scores(texts)
        X = X.tocsr()
        out = []
        for i in range(len(texts)):
            scores = {t: float(theme_p[i, j]) for j, t in enumerate(self.theme_ids)}
            chosen = sorted((j for j, t in enumerate(self.theme_ids) if scores[t] >= self.thresholds_[t]),
                            key=lambda j: -theme_p[i, j])
            themes = tuple(ThemeScore(self.theme_ids[j], float(theme_p[i, j]), self.evidence(X, i, j)) for j in chosen)
            out.append(Classification(scores=scores, themes=themes,
                                      is_lesson=bool(lesson_p[i] >= self.lesson_threshold_),
                                      lesson_score=float(lesson_p[i])))
        return out

    def evidence(self, X, row: int, theme_index: int, top: int = EVIDENCE_TERMS) -> tuple[str, ...]:
        """The word n-grams of this passage that pushed this theme's score up the most."""
        stop = _stop_words()
        names, n_word = self._word_names()
        coef = self.themes_.estimators_[theme_index].coef_.ravel()
        lo, hi = X.indptr[row], X.indptr[row + 1]
        idx, vals = X.indices[lo:hi], X.data[lo:hi]
        keep = idx < n_word
        idx, contrib = idx[keep], vals[keep] * coef[idx[keep]]
        order = np.argsort(-contrib)
        terms: list[str] = []
        for k in order:
            if contrib[k] <= 0 or len(terms) == top:
                break
            term = names[idx[k]]
            if all(w in stop for w in term.split()):
                continue  # "with" or "of the" explain nothing to a reader
            if not any(term in t or t in term for t in terms):  # "joint" adds nothing next to "joint venture"
                terms.append(term)
        return tuple(terms)

    def _word_names(self):
        cached = getattr(self, "_names_cache", None)
        if cached is None:
            word = dict(self.features_.transformer_list)["word"]
            names = word.get_feature_names_out()
            cached = self._names_cache = (names, len(names))
        return cached
