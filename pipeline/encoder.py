"""Sentence embeddings from a small ONNX encoder, without torch.

The encoder is all-MiniLM-L6-v2 (Apache-2.0) exported to ONNX with int8 weights
(`tools/export_encoder.py`; provenance in ``pipeline/data/encoder/encoder.json``). It runs on
onnxruntime's CPU provider with one thread per process, because the batch already runs one
worker process per core. Embeddings are mean-pooled over tokens and L2-normalised, as
sentence-transformers does for this model, and memoised by text so that cross-validation and
per-sentence scoring never embed the same text twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .errors import ModelError

# The tokenizer's own thread pool must stay off: the batch forks one worker per core, and a pool
# started before a fork deadlocks after it.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_ENCODER_DIR = Path(__file__).resolve().parent / "data" / "encoder"
CACHE_SIZE = 50_000
# A sentence ends at . ! ? (or ; :) followed by a capital, digit or opening quote: enough to cut a
# report paragraph into its statements without loading a parser in the classifier.
_SENTENCE_END = re.compile(r"(?<=[.!?;:])[\"”’)]?\s+(?=[A-Z0-9“\"‘(])")
MIN_SENTENCE_WORDS = 4


def split_sentences(text: str) -> list[str]:
    """The passage's sentences (fragments under four words join their neighbour)."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    out: list[str] = []
    for p in parts:
        if out and min(len(p.split()), len(out[-1].split())) < MIN_SENTENCE_WORDS:
            out[-1] = f"{out[-1]} {p}"
        else:
            out.append(p)
    return out or [text]


class SentenceEncoder:
    """Embeds texts as unit vectors; loads the ONNX session on first use."""

    def __init__(self, path: str | Path = DEFAULT_ENCODER_DIR, threads: int = 1):
        self.path = Path(path)
        self.threads = threads
        self._session = None
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
        try:
            self.meta = json.loads((self.path / "encoder.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"sentence encoder not found or unreadable in {self.path} ({exc}); "
                             "reinstall Cluster Lessons") from None
        self.dimensions = int(self.meta["dimensions"])

    def _load(self):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self._session = ort.InferenceSession(str(self.path / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.enable_truncation(int(self.meta["max_length"]))
        tok.no_padding()
        self._tokenizer = tok

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, dimensions) float32 array of unit vectors, one per text."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        keys = [hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest() for t in texts]
        todo: dict[bytes, list[int]] = {}
        for i, k in enumerate(keys):
            hit = self._cache.get(k)
            if hit is not None:
                out[i] = hit
            else:
                todo.setdefault(k, []).append(i)
        if todo:
            if self._session is None:
                self._load()
            first = [rows[0] for rows in todo.values()]
            vectors = self._embed([texts[i] for i in first])
            for (k, rows), v in zip(todo.items(), vectors):
                out[rows] = v
                self._cache[k] = v
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out

    def _embed(self, texts: list[str]) -> np.ndarray:
        """One text per session run. With int8 weights the activations are quantised per tensor, so
        a text batched with others would get a slightly different vector depending on its
        neighbours; alone, the same text always gets the same vector (and without padding it is
        also faster on CPU: 164 passages/s against 125 in batches of 32, measured here)."""
        result = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for i, enc in enumerate(self._tokenizer.encode_batch(texts)):
            ids = np.asarray([enc.ids], dtype=np.int64)
            mask = np.ones_like(ids)
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0][0]
            pooled = hidden.mean(axis=0)
            result[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return result


def encoder_fingerprint(path: str | Path = DEFAULT_ENCODER_DIR) -> str:
    """sha256 of the ONNX file: a model trained on one encoder's embeddings is void with another."""
    h = hashlib.sha256()
    with open(Path(path) / "model.onnx", "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


@lru_cache(maxsize=4)
def get_encoder(path: str = str(DEFAULT_ENCODER_DIR)) -> SentenceEncoder:
    """One encoder per process and path: the ONNX session and the memo are shared."""
    return SentenceEncoder(path)


class EncoderFeatures(BaseEstimator, TransformerMixin):
    """scikit-learn transformer: texts → sentence-encoder embeddings (stateless, nothing to fit).

    To weigh the block against TF-IDF blocks, use ``FeatureUnion(transformer_weights=...)``.
    """

    def fit(self, X, y=None):
        self.n_features_out_ = get_encoder().dimensions
        return self

    def transform(self, X) -> np.ndarray:
        return get_encoder().encode(list(X))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"enc{i}" for i in range(get_encoder().dimensions)], dtype=object)
