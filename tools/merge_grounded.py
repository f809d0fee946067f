"""Assemble the real-grounded corpus from the writers' and labellers' working files.

Writers keep, outside the project, one JSONL per writer with their passage, the real paragraph it
was written from (``source_par``, third-party text: never copied into the project) and the page
address; labellers keep one JSONL of labels per labeller. This tool joins them by id, re-runs the
8-word copy check on every passage (a failing passage is left out), leaves out any passage that
shares a page or an 8-word run with the development set (``--exclude``: the same document reached
through another address, or a reprint, must stay out of training), drops ``source_par``, and
writes ``corpus/grounded/train/<area>.jsonl`` plus the frozen test split ``corpus/grounded/test.jsonl``.

The test split is chosen by page, not by passage: a page whose address hashes into the lowest
15% goes to test with all its passages, so no page sits on both sides, and the choice never
depends on labels or on any model.

    python tools/merge_grounded.py /work/grounding corpus/grounded --exclude ../shared/realdev/passages.jsonl
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from copycheck import RUN, longest_shared_run, page_key, runs  # noqa: E402

TEST_SHARE = 15  # percent of pages
THEMES = ["partnerships", "impact_multiplication", "financial_sustainability", "entrepreneurship",
          "diversification", "policy_engagement", "shared_governance", "ecosystem_building",
          "experimentation", "resilience"]
GENRES = {"news", "press release", "report", "evaluation", "policy brief", "blog", "interview",
          "project page", "abstract", "other"}


def in_test(url: str) -> bool:
    return int(hashlib.sha256(page_key(url).encode()).hexdigest(), 16) % 100 < TEST_SHARE


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("work", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--areas", default="", help="writer=area pairs, comma-separated (w1=europe,...)")
    ap.add_argument("--exclude", type=Path, action="append", default=[],
                    help="JSONL of passages (the dev set) whose pages and wording must not reach the corpus")
    args = ap.parse_args()
    held_pages: set[str] = set()
    held_runs: set[str] = set()
    for path in args.exclude:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                held_pages.add(page_key(row["source"]))
                held_runs |= runs(row["text"])
    areas = dict(pair.split("=") for pair in args.areas.split(",") if pair)
    labels: dict[str, dict] = {}
    for path in sorted(glob.glob(str(args.work / "labels_*.jsonl"))):
        for line in open(path, encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                labels[row["id"]] = row  # a later pass (consistency files sort after) wins
    kept: dict[str, list[dict]] = {}
    test: list[dict] = []
    dropped = Counter()
    per_page = Counter()
    for path in sorted(glob.glob(str(args.work / "w[0-9]*.jsonl"))):
        writer = Path(path).stem
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                dropped["bad json"] += 1
                continue
            lab = labels.get(row.get("id"))
            if lab is None:
                dropped["not labelled"] += 1
                continue
            if longest_shared_run(row["text"], row["source_par"])[0] >= RUN:
                dropped["copy check"] += 1
                continue
            key = page_key(row["source"])
            if key in held_pages or runs(row["text"]) & held_runs:
                dropped["shares a page or 8 words with the dev set"] += 1
                continue
            per_page[key] += 1
            if per_page[key] > 3:
                dropped["over 3 per page"] += 1
                continue
            themes = [t for t in lab.get("themes", []) if t in THEMES]
            genre = row.get("genre", "other") if row.get("genre") in GENRES else "other"
            rec = {"id": row["id"], "text": " ".join(row["text"].split()), "themes": themes,
                   "is_lesson": bool(lab.get("is_lesson")), "doc": key, "voice": genre,
                   "source": row["source"], "title": row.get("title", ""), "genre": genre,
                   "region": row.get("region", ""), "origin": "real-grounded"}
            if lab.get("note"):
                rec["label_note"] = lab["note"]
            if in_test(row["source"]):
                test.append(rec)
            else:
                kept.setdefault(areas.get(writer, writer), []).append(rec)
    (args.out / "train").mkdir(parents=True, exist_ok=True)
    for area, rows in kept.items():
        with open(args.out / "train" / f"{area}.jsonl", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    with open(args.out / "test.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in test)
    n_train = sum(map(len, kept.values()))
    pages = {r["doc"] for rows in kept.values() for r in rows} | {r["doc"] for r in test}
    print(f"train {n_train}, test {len(test)} passages from {len(pages)} pages; left out: {dict(dropped)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
