"""Duplicate stories: pair precision and recall by threshold, and the cost on thousands of documents.

    python bench/duplicates.py [--thresholds 0.5,0.6,0.7,0.8,0.9,1] [--docs 5000]

Quality is measured on ``tests/data/duplicates/stories.jsonl``: news items about six clusters,
reposts of some of them with small edits (a new headline, a date line, a press-release footer,
curly quotes, a sentence added, cut or reworded), other stories about the same clusters and short
notices. Each item's title is its first line, as in a file. A pair counts as found when both
items end up in the same group (one kept, the other ``duplicate_of`` it, or both duplicates of
the same one). Speed is measured on synthetic documents built from the fixture's sentences, one
in ten a repost with a sentence changed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from itertools import combinations
from pathlib import Path

from pipeline import duplicates
from pipeline.config import Settings

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "data" / "duplicates" / "stories.jsonl"


def as_documents(items: list[dict]) -> list[dict]:
    return [{"doc_id": it["id"], "published": it["published"], "format": "md", "status": "ok",
             "text": f"{it['title']}\n\n{it['text']}" if it["title"] else it["text"]} for it in items]


def pair_scores(items: list[dict], marks: dict[str, str]) -> tuple[float, float, int, int]:
    """Precision, recall, pairs predicted, pairs true."""
    group = {it["id"]: marks.get(it["id"], it["id"]) for it in items}
    pairs = list(combinations([it["id"] for it in items], 2))
    story = {it["id"]: it["story"] for it in items}
    true = {p for p in pairs if story[p[0]] == story[p[1]]}
    found = {p for p in pairs if group[p[0]] == group[p[1]]}
    hit = len(true & found)
    return (hit / len(found) if found else 1.0), (hit / len(true) if true else 1.0), len(found), len(true)


def synthetic(n: int, items: list[dict], seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    sentences = [s for it in items for s in re.split(r"(?<=[.!?])\s+", it["text"]) if len(s.split()) > 5]
    docs: list[dict] = []
    for i in range(n):
        if i % 10 == 9:  # a repost of an earlier document with one sentence swapped
            base = rng.choice(docs)["text"].split(". ")
            base[rng.randrange(len(base))] = rng.choice(sentences).rstrip(".")
            text = ". ".join(base)
        else:
            text = " ".join(rng.sample(sentences, rng.randint(8, 30)))
        docs.append({"doc_id": f"d{i:05d}", "published": f"2024-{1 + i % 12:02d}-01", "format": "md", "status": "ok",
                     "text": text})
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--thresholds", default="0.5,0.6,0.7,0.8,0.9,1")
    ap.add_argument("--shingle", type=int, default=duplicates.SHINGLE_WORDS, help="words per shingle")
    ap.add_argument("--docs", type=int, default=5000, help="synthetic documents for the timing")
    args = ap.parse_args()
    duplicates.SHINGLE_WORDS = args.shingle
    items = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = as_documents(items)
    print(f"fixture: {len(items)} items, shingles of {args.shingle} words")
    print("threshold  precision  recall  pairs found  true pairs  missed")
    for t in (float(x) for x in args.thresholds.split(",")):
        marks = duplicates.find_duplicates(docs, t)
        p, r, nf, nt = pair_scores(items, marks)
        group = {it["id"]: marks.get(it["id"], it["id"]) for it in items}
        missed = sorted({it["id"] for it in items if it["edit"] != "original" and it["edit"] != "short item"
                         and group[it["id"]] != group[it["story"]]})
        print(f"{t:9.2f}  {p:9.3f}  {r:6.3f}  {nf:11d}  {nt:10d}  {', '.join(missed) or '-'}")
    many = synthetic(args.docs, items)
    t0, c0 = time.perf_counter(), time.process_time()
    threshold = Settings().duplicate_threshold
    marks = duplicates.find_duplicates(many, threshold)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    words = sum(len(d["text"].split()) for d in many)
    print(f"{len(many)} synthetic documents ({words:,} words, {len(many) // 10} reposts), threshold {threshold}: "
          f"{secs:.2f} s ({cpu:.2f} s CPU), {len(marks)} marked duplicate")


if __name__ == "__main__":
    main()
