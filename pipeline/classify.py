"""The theme and lesson model: a scikit-learn estimator over TF-IDF and sentence-encoder features.

Themes are multi-label and ``is_lesson`` is one more binary column: each of the 11 columns gets a
logistic regression on the same features, calibrated with ``CalibratedClassifierCV`` (sigmoid,
out-of-fold over source-grouped splits), and its own threshold, which the trainer fits on
out-of-fold predictions of real-grounded passages (see ``train.py``).

Features (``features=``):

* ``tfidf``: word 1-2 grams (readable evidence) and character 3-5 grams (inflection, typos);
* ``encoder``: all-MiniLM-L6-v2 sentence embeddings (``encoder.py``), which carry meaning across
  wording: a report that says "foster" and "vital" lands near training text that says "help" and
  "key", which TF-IDF cannot see;
* ``tfidf+encoder``: both blocks side by side in one ``FeatureUnion`` and one regression;
* ``tfidf|encoder`` (default): one regression per block, their calibrated probabilities averaged
  (chosen on the real development set, see ``bench/classifier.py``).

Because a lesson is often one sentence of a paragraph, the lesson score can also be taken per
sentence (``lesson_sentences=True``: the mean of the passage's score and its best sentence's).
Evidence names both the words and the sentence that raised a score most.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold
from sklearn.utils.validation import check_is_fitted

from .encoder import EncoderFeatures, split_sentences
from .records import Classification, ThemeScore

EVIDENCE_TERMS = 5
LESSON = "lesson"
FEATURE_KINDS = ("tfidf", "encoder", "tfidf+encoder")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def build_features(kind: str = "tfidf+encoder"):
    """The feature union for a feature kind (see the module docstring)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    if kind not in FEATURE_KINDS:
        raise ValueError(f"unknown feature kind {kind!r}; choose one of {FEATURE_KINDS}")
    blocks = []
    if "tfidf" in kind:
        blocks += [
            ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True,
                                     strip_accents="unicode", lowercase=True,
                                     token_pattern=r"(?u)\b[^\W\d_][\w-]+\b")),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3, sublinear_tf=True,
                                     strip_accents="unicode", lowercase=True, max_features=150_000)),
        ]
    if "encoder" in kind:
        blocks.append(("encoder", EncoderFeatures()))
    return FeatureUnion(blocks)


def feature_blocks(spec: str) -> list[str]:
    """The blocks of a ``features`` spec ("tfidf|encoder" → ["tfidf", "encoder"]), or ValueError."""
    kinds = spec.split("|")
    if not all(k in FEATURE_KINDS for k in kinds):
        raise ValueError(f"unknown features {spec!r}; use one of {FEATURE_KINDS} or two joined by '|'")
    return kinds


def grouped_splits(y: np.ndarray, groups: Sequence, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds that keep each group (source page or document) on one side and spread positives.

    Every fold's training part must hold both classes; with too few positives the number of
    folds drops, and below two folds there is no out-of-fold calibration (an empty list)."""
    y = np.asarray(y)
    for n in range(min(n_splits, len(set(groups)), int(y.sum()), int(len(y) - y.sum())), 1, -1):
        try:
            folds = list(StratifiedGroupKFold(n_splits=n, shuffle=True, random_state=seed).split(
                np.zeros(len(y)), y, groups))
        except ValueError:
            folds = list(GroupKFold(n_splits=n).split(np.zeros(len(y)), y, groups))
        if all(0 < y[tr].sum() < len(tr) for tr, _ in folds):
            return folds
    return []


class ThemeModel(ClassifierMixin, BaseEstimator):
    """Multi-label theme scores plus a lesson score for passages of text.

    ``y`` has one column per theme (codebook order) and a last column for ``is_lesson``.

    Parameters
    ----------
    theme_ids : sequence of str
        The codebook's theme ids, in codebook order.
    features : str
        ``tfidf``, ``encoder``, ``tfidf+encoder`` (both blocks in one regression per column) or
        ``tfidf|encoder`` (one regression per block, their calibrated probabilities averaged).
    C : float
        Inverse regularisation strength of the logistic regressions.
    class_weight : None or "balanced"
        Passed to the logistic regressions.
    lesson_sentences : bool
        Score lessons per sentence too (mean of passage score and best sentence score).
    cv : int
        Folds for the out-of-fold sigmoid calibration, grouped by ``groups``.
    seed : int
        Seed for every random choice, so training is repeatable.
    """

    def __init__(self, theme_ids: Sequence[str] = (), features: str = "tfidf|encoder", C: float = 4.0,
                 class_weight: str | None = None, lesson_sentences: bool = False, cv: int = 5, seed: int = 0):
        self.theme_ids = theme_ids
        self.features = features
        self.C = C
        self.class_weight = class_weight
        self.lesson_sentences = lesson_sentences
        self.cv = cv
        self.seed = seed

    # -- fitting --------------------------------------------------------------------------------
    def _base(self):
        return LogisticRegression(C=self.C, max_iter=3000, solver="liblinear", class_weight=self.class_weight,
                                  random_state=self.seed)

    def _make_features(self, kind: str):
        """The unfitted feature union of one block (a hook: the benchmark swaps in other embeddings)."""
        return build_features(kind)

    def fit(self, X: Sequence[str], y, groups: Sequence | None = None) -> ThemeModel:
        """Fit each feature block and one calibrated classifier per block and column; returns self.

        ``groups`` (source page or document per passage) keeps calibration folds honest; without
        it every passage is its own group. A column with no positive (or no negative) passage
        always scores its training rate.
        """
        texts = list(X)
        y = np.asarray(y, dtype=int)
        if y.ndim != 2 or y.shape[1] != len(self.theme_ids) + 1:
            raise ValueError(f"y needs {len(self.theme_ids) + 1} columns (themes then lesson), got shape {y.shape}")
        kinds = feature_blocks(self.features)
        groups = list(range(len(texts))) if groups is None else list(groups)
        self.classes_ = np.array([*self.theme_ids, LESSON])
        splits = [grouped_splits(y[:, j], groups, self.cv, self.seed) for j in range(y.shape[1])]
        self.blocks_ = []
        for kind in kinds:
            union = self._make_features(kind)
            Xf = union.fit_transform(texts)
            estimators = []
            for j in range(y.shape[1]):
                col = y[:, j]
                if col.min() == col.max():
                    est = DummyClassifier(strategy="prior").fit(Xf, col)
                elif splits[j]:
                    est = CalibratedClassifierCV(self._base(), method="sigmoid", cv=splits[j], ensemble=False).fit(Xf, col)
                else:  # too few positives to calibrate out of fold: the plain probabilities
                    est = clone(self._base()).fit(Xf, col)
                estimators.append(est)
            self.blocks_.append((kind, union, estimators))
        self.thresholds_ = np.full(y.shape[1], 0.5)
        return self

    def set_thresholds(self, thresholds: Sequence[float]) -> ThemeModel:
        """Install the cut-offs (themes then lesson) the trainer fitted on held-out predictions."""
        thresholds = np.asarray(thresholds, dtype=float)
        if thresholds.shape != (len(self.theme_ids) + 1,):
            raise ValueError(f"need {len(self.theme_ids) + 1} thresholds, got {thresholds.shape}")
        self.thresholds_ = thresholds
        return self

    # -- prediction -----------------------------------------------------------------------------
    @staticmethod
    def _positive(est, Xf) -> np.ndarray:
        if len(getattr(est, "classes_", [])) < 2:  # a constant column
            return np.full(Xf.shape[0], float(getattr(est, "classes_", [0])[0]))
        return est.predict_proba(Xf)[:, -1]

    def _block_proba(self, texts: list[str]) -> list[tuple[np.ndarray, object]]:
        """Per block: (probabilities n × columns, feature matrix)."""
        out = []
        for _, union, estimators in self.blocks_:
            Xf = union.transform(texts)
            out.append((np.column_stack([self._positive(est, Xf) for est in estimators]), Xf))
        return out

    def _sentence_proba(self, texts: list[str], rows) -> dict[int, tuple[list[str], np.ndarray]]:
        """For each passage index in ``rows``: its sentences and the model's probabilities on each
        sentence read alone (sentences × columns). One pass over all sentences of all rows."""
        sentences = {i: split_sentences(texts[i]) for i in rows}
        flat = [s for ss in sentences.values() for s in ss]
        if not flat:
            return {}
        flat_proba = np.mean([p for p, _ in self._block_proba(flat)], axis=0)
        out, k = {}, 0
        for i, ss in sentences.items():
            out[i] = (ss, flat_proba[k:k + len(ss)])
            k += len(ss)
        return out

    def _proba(self, texts: list[str]):
        """Passage probabilities, the per-block results, and the sentence table when lessons are
        scored per sentence (reused for evidence, so no sentence is scored twice)."""
        check_is_fitted(self, "blocks_")
        blocks = self._block_proba(texts)
        proba = np.mean([p for p, _ in blocks], axis=0)
        table = {}
        if self.lesson_sentences:
            table = self._sentence_proba(texts, range(len(texts)))
            best = np.array([table[i][1][:, -1].max() for i in range(len(texts))])
            proba[:, -1] = (proba[:, -1] + best) / 2
        return proba, blocks, table

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape (n, themes + 1): themes in codebook order, then lesson."""
        texts = list(X)
        if not texts:
            return np.zeros((0, len(self.theme_ids) + 1))
        return self._proba(texts)[0]

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """0/1 per column: probability at or above the column's threshold."""
        return (self.predict_proba(X) >= self.thresholds_).astype(int)

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        """Scores, themes at or above their threshold (best first, with evidence) and the lesson flag."""
        texts = list(texts)
        if not texts:
            return []
        proba, blocks, table = self._proba(texts)
        T = len(self.theme_ids)
        chosen_rows = [[j for j in range(T + 1) if proba[i, j] >= self.thresholds_[j]] for i in range(len(texts))]
        sentence_evidence = self._sentence_evidence(texts, chosen_rows, table)
        word_block = next((b for b, (kind, _, _) in enumerate(self.blocks_) if "tfidf" in kind), None)
        Xw = _csr(blocks[word_block][1]) if word_block is not None else None
        out = []
        for i, chosen in enumerate(chosen_rows):
            themes = tuple(ThemeScore(self.theme_ids[j], float(proba[i, j]),
                                      self.evidence(Xw, i, word_block, j) if Xw is not None else (),
                                      sentence_evidence.get((i, j), ""))
                           for j in sorted((j for j in chosen if j < T), key=lambda j: -proba[i, j]))
            out.append(Classification(
                scores={t: float(proba[i, j]) for j, t in enumerate(self.theme_ids)}, themes=themes,
                is_lesson=T in chosen, lesson_score=float(proba[i, T]),
                lesson_sentence=sentence_evidence.get((i, T), "")))
        return out

    # -- evidence -------------------------------------------------------------------------------
    @staticmethod
    def _linear(est):
        """The fitted logistic regression inside a column's estimator (the one fitted on all data)."""
        if isinstance(est, CalibratedClassifierCV):
            return est.calibrated_classifiers_[0].estimator
        return est if isinstance(est, LogisticRegression) else None

    def evidence(self, Xw, row: int, block: int, j: int, top: int = EVIDENCE_TERMS) -> tuple[str, ...]:
        """The word n-grams of this passage that pushed column j's score up the most."""
        _, union, estimators = self.blocks_[block]
        lr = self._linear(estimators[j])
        names = self._word_names(block)
        if lr is None or not len(names):
            return ()
        stop = _stop_words()
        coef = lr.coef_.ravel()
        lo, hi = Xw.indptr[row], Xw.indptr[row + 1]
        idx, vals = Xw.indices[lo:hi], Xw.data[lo:hi]
        keep = idx < len(names)
        idx, contrib = idx[keep], vals[keep] * coef[idx[keep]]
        terms: list[str] = []
        for k in np.argsort(-contrib):
            if contrib[k] <= 0 or len(terms) == top:
                break
            term = names[idx[k]]
            if all(w in stop for w in term.split()):
                continue  # "with" or "of the" explain nothing to a reader
            if not any(term in t or t in term for t in terms):  # "joint" adds nothing next to "joint venture"
                terms.append(term)
        return tuple(terms)

    def _sentence_evidence(self, texts: list[str], chosen_rows: list[list[int]],
                           table: dict | None = None) -> dict[tuple[int, int], str]:
        """For each attached column of a passage of several sentences, the sentence the whole model
        scores highest on that column when it reads the sentence alone."""
        table = table or self._sentence_proba(texts, [i for i, c in enumerate(chosen_rows) if c])
        out = {}
        for i, chosen in enumerate(chosen_rows):
            ss, part = table.get(i, ([], None))
            if len(ss) > 1:
                out.update({(i, j): ss[int(np.argmax(part[:, j]))] for j in chosen})
        return out

    def _word_names(self, block: int) -> np.ndarray:
        cache = self.__dict__.setdefault("_names_cache", {})
        if block not in cache:
            parts = dict(self.blocks_[block][1].transformer_list)
            cache[block] = parts["word"].get_feature_names_out() if "word" in parts else np.array([], dtype=object)
        return cache[block]


def _csr(X):
    import scipy.sparse as sp

    return X.tocsr() if sp.issparse(X) else sp.csr_matrix(X)

