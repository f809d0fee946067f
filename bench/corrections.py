"""What corrections buy: k reviewer corrections on a genre the model never saw, retrained at each step
and scored on the real dev set.

    python bench/corrections.py [--genre blog] [--steps 25,50,100,200] [--seeds 0,1,2] [--quick]
                                [--dev ../shared/realdev/passages.jsonl] [--out bench/_work/corrections.json]

* **Baseline (k = 0)**: trained as ``lessons train`` trains the default model (``corpus/labels`` +
  ``corpus/grounded/train``, default features and seed), but without the real-grounded passages of
  one genre (``--genre``, default ``blog``: 339 training passages from 147 pages, and 70 of the 300
  real dev passages), so every correction teaches it something it has not seen.
* **Reviewer**: the held-out passages' own labels (``corpus/LABELLING.md``). Each decision is
  written as a review tool writes it: the baseline's passage record (its themes, lesson flag and
  scores as ``before``) through ``correction_for`` and ``append_correction``.
* **Steps**: the first k decisions of an order, k = 25, 50, 100, 200, retrained through the path
  of ``lessons train --corrections``: ``read_corrections`` → ``merge_corrections`` → ``train_model``.
  Thresholds are fitted on the real-grounded passages' out-of-fold scores, never on corrections.
* **Orders**: ``uncertain`` (closest to a threshold first, spread across documents; see
  :func:`uncertain_order`) and ``random`` (one run per seed; mean ± half the range).
* **Scores**: macro-F1, micro-F1 and lesson F1 on the real dev set (``--dev``, never trained on),
  and macro-F1 and lesson F1 on its passages of the held-out genre. ``default`` is the default
  model (the genre's passages in training as ordinary labels), for reference.

``corpus/grounded/test.jsonl`` is never read. Each step runs the full trainer (5-fold
cross-validation for the thresholds, then the final fit): 150-250 s per retrain on two shared
cores (the first, which embeds every passage, about 10 minutes), 65 minutes for the full bench (18
trainings); ``--quick`` runs one random seed and no reference (9 trainings, about 30 minutes).
``--table`` reprints a saved run, also one cut short: every step is saved as it finishes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.classify import ThemeModel  # noqa: E402
from pipeline.codebook import Codebook, load_codebook  # noqa: E402
from pipeline.corrections import append_correction, correction_for, merge_corrections, read_corrections  # noqa: E402
from pipeline.labels import (DEFAULT_LABELS, GROUNDED_TRAIN_DIR, REAL_GROUNDED, LabelledPassage,  # noqa: E402
                             read_labels, text_sha256)
from pipeline.train import evaluate_model, train_model  # noqa: E402

WORK = Path(__file__).resolve().parent / "_work"
REALDEV = ROOT.parent / "shared" / "realdev" / "passages.jsonl"
REVIEWER = "gold labels (LABELLING.md)"


def uncertain_order(scores: np.ndarray, thresholds: np.ndarray, docs: Sequence[str]) -> list[int]:
    """Passage indices, the one whose closest score sits nearest its threshold first.

    A passage's distance is the smallest ``|score - threshold|`` over its theme scores and its lesson
    score (``scores`` is n × (themes + 1), as ``ThemeModel.predict_proba``). Documents take turns:
    every document's nearest passage comes before any document's second, so a long document cannot
    fill the first decisions with near copies of one question.

    Stands in for the ordering of ``lessons annotate --order uncertain``; swap it for that one when
    it can be imported, so this bench measures the order reviewers get."""
    margin = np.abs(np.asarray(scores) - np.asarray(thresholds)).min(axis=1)
    nearest = sorted(range(len(docs)), key=lambda i: margin[i])
    turn, taken = {}, Counter()
    for i in nearest:
        turn[i] = taken[docs[i]]
        taken[docs[i]] += 1
    return sorted(nearest, key=lambda i: turn[i])  # stable: by distance within a turn


def genre_records(paths: Sequence[Path], genre: str) -> list[dict]:
    """The raw records (id, page, text, gold labels) of one genre, one per text."""
    found: dict[str, dict] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line) if line.strip() else {}
            if rec.get("genre") == genre:
                found[text_sha256(rec["text"])] = rec
    return list(found.values())


def baseline_records(model, pool: list[dict]) -> tuple[list[dict], np.ndarray]:
    """The baseline's passage records for the pool (what a reviewer is shown) and its score matrix."""
    found = model.classify([rec["text"] for rec in pool])
    records = [{"passage_id": rec["id"], "doc_id": rec["doc"], "text": rec["text"],
                "themes": [t.to_json() for t in c.themes], "is_lesson": c.is_lesson, "scores": c.scores,
                "lesson_score": c.lesson_score, "model": model.model_id}
               for rec, c in zip(pool, found)]
    scores = np.array([[c.scores[t] for t in model.theme_ids] + [c.lesson_score] for c in found])
    return records, scores


def scored(model, evals: dict[str, list[LabelledPassage]]) -> dict:
    out = {}
    for name, items in evals.items():
        r = evaluate_model(model, items)
        out[name] = {"macro_f1": r["macro_f1"], "micro_f1": r["micro_f1"], "lesson_f1": r["lesson_f1"],
                     "mean_ap": r["mean_ap"], "lesson_ap": r.get("lesson_ap"),
                     "per_theme_f1": {t: v["f1"] for t, v in r["per_theme"].items()}}
    return out


@dataclass
class Bench:
    """What every step shares: the codebook, the labels without the held-out genre, the pool and the
    baseline's records of it, the dev sets, the steps and the trainer's parameters."""

    cb: Codebook
    base: list[LabelledPassage]
    pool: list[dict]
    evals: dict[str, list[LabelledPassage]]
    steps: list[int]
    params: dict
    log_row: Callable[[dict], None]
    records: list[dict] = field(default_factory=list)

    def train(self, items: list[LabelledPassage]) -> tuple[ThemeModel, dict]:
        t0 = time.perf_counter()
        model = train_model(items, self.cb, params=self.params).model
        row = scored(model, self.evals)
        row["thresholds"] = dict(zip([*self.cb.ids, "is_lesson"], map(float, model.thresholds_)))
        row["train_seconds"] = time.perf_counter() - t0
        return model, row

    def run_order(self, name: str, order: list[int]) -> None:
        """Review the pool in ``order``, retraining with the corrections file after each step."""
        WORK.mkdir(exist_ok=True)
        path = WORK / f"corrections-{name}.jsonl"
        path.unlink(missing_ok=True)
        done = 0
        for k in self.steps:
            for i in order[done:k]:
                gold = self.pool[i]
                append_correction(path, correction_for(self.records[i], gold["themes"], gold["is_lesson"], REVIEWER))
            done = k
            items, merged = merge_corrections(self.base, read_corrections([path], self.cb.ids))
            _, row = self.train(items)
            self.log_row({"k": k, "order": name, **row, "overrides": merged.overrides, "new": merged.new,
                          "changed_from_baseline": sum(_differs(self.records[i], self.pool[i]) for i in order[:k])})


def _differs(record: dict, gold: dict) -> bool:
    """Whether the reviewer changed anything the baseline said (a correction, not a confirmation)."""
    return ({t["id"] for t in record["themes"]}, record["is_lesson"]) != (set(gold["themes"]), gold["is_lesson"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--genre", default="blog", help="real-grounded genre held out of training and corrected")
    ap.add_argument("--steps", default="25,50,100,200")
    ap.add_argument("--seeds", default="0,1,2", help="seeds of the random orders")
    ap.add_argument("--quick", action="store_true", help="one random seed, no default-model reference")
    ap.add_argument("--dev", type=Path, default=REALDEV, help="the real dev set (default ../shared/realdev/passages.jsonl)")
    ap.add_argument("--features", default="tfidf|encoder", help="as `lessons train --features` (tfidf: a fast smoke run)")
    ap.add_argument("--out", type=Path, default=WORK / "corrections.json")
    ap.add_argument("--table", type=Path, help="only print the table of an earlier run's --out file (even a cut-short one)")
    args = ap.parse_args()
    if args.table:
        saved = json.loads(args.table.read_text())
        print_table(saved["rows"], list(saved["evals"]))
        return
    steps = sorted(int(k) for k in args.steps.split(","))
    seeds = [int(s) for s in args.seeds.split(",")][:1 if args.quick else None]
    started = time.perf_counter()

    cb = load_codebook()
    items = read_labels(list(DEFAULT_LABELS), cb.ids)
    pool = genre_records(sorted(GROUNDED_TRAIN_DIR.glob("*.jsonl")), args.genre)
    held = {text_sha256(rec["text"]) for rec in pool}
    base = [it for it in items if text_sha256(it.text) not in held]
    if len(pool) < steps[-1]:  # also when the genre has no passages at all
        raise SystemExit(f"{len(pool)} {args.genre} passages, fewer than the {steps[-1]} corrections asked for")
    dev = read_labels([args.dev], cb.ids)
    dev_genre = {text_sha256(rec["text"]) for rec in genre_records([args.dev], args.genre)}
    evals = {"real dev": dev, f"real dev {args.genre}": [it for it in dev if text_sha256(it.text) in dev_genre]}
    print(f"held out: {len(pool)} {args.genre} passages from {len({r['doc'] for r in pool})} pages; baseline trains "
          f"on {len(base)} passages ({sum(it.origin == REAL_GROUNDED for it in base)} real-grounded); "
          + ", ".join(f"{k}: {len(v)}" for k, v in evals.items()), file=sys.stderr)

    rows: list[dict] = []

    def log_row(row: dict) -> None:
        rows.append(row)
        dev_row = row["real dev"]
        print(f"  k={row['k']:<4} {row['order']:10s} macro {dev_row['macro_f1']:.3f} lesson {dev_row['lesson_f1']:.3f}"
              f"  ({row['train_seconds']:.0f} s)", file=sys.stderr)
        args.out.parent.mkdir(exist_ok=True)
        saved = {"genre": args.genre, "pool": len(pool), "evals": {k: len(v) for k, v in evals.items()}, "rows": rows}
        args.out.write_text(json.dumps(saved, indent=1))

    bench = Bench(cb, base, pool, evals, steps, {"features": args.features}, log_row)
    baseline, row = bench.train(base)
    log_row({"k": 0, "order": "baseline", **row})
    bench.records, scores = baseline_records(baseline, pool)
    bench.run_order("uncertain", uncertain_order(scores, baseline.thresholds_, [rec["doc"] for rec in pool]))
    for n, seed in enumerate(seeds):
        bench.run_order(f"random-s{seed}", [int(i) for i in np.random.default_rng(seed).permutation(len(pool))])
        if n == 0 and not args.quick:  # the reference before more seeds: a cut-short run still shows the gap
            _, row = bench.train(items)
            log_row({"k": len(pool), "order": "default", **row})
    print_table(rows, list(evals))
    print(f"\n{len(rows)} trainings in {(time.perf_counter() - started) / 60:.0f} min (details in {args.out})",
          file=sys.stderr)


def print_table(rows: list[dict], evals: list[str]) -> None:
    """One line per step and order, random seeds folded into mean ± half their range; ``changed``
    counts the corrections that differ from what the baseline said (the rest confirm it)."""
    groups: dict[tuple[int, str], list[dict]] = {}
    for row in rows:
        order = "random" if row["order"].startswith("random-") else row["order"]
        groups.setdefault((row["k"], order), []).append(row)
    rank = {"baseline": 0, "uncertain": 1, "random": 2, "default": 3}
    metrics = {e: ("macro_f1", "micro_f1", "lesson_f1") if e == evals[0] else ("macro_f1", "lesson_f1") for e in evals}
    cell = "| {:^13s} "
    print(f"{'k':>4s}  {'order':10s}" + "".join(f"| {e:^{16 * len(ms) - 3}s} " for e, ms in metrics.items())
          + "| changed")
    print(" " * 16 + "".join(cell.format(m.split("_")[0]) for ms in metrics.values() for m in ms) + "|")
    for (k, order), grp in sorted(groups.items(), key=lambda kv: (kv[0][0], rank[kv[0][1]])):
        cells = []
        for e, ms in metrics.items():
            for m in ms:
                v = np.array([r[e][m] for r in grp])
                cells.append(cell.format(f"{v.mean():.3f} ± {(v.max() - v.min()) / 2:.3f}" if len(v) > 1 else f"{v[0]:.3f}"))
        changed = [r["changed_from_baseline"] for r in grp if "changed_from_baseline" in r]
        name = order + (f" ×{len(grp)}" if len(grp) > 1 else "")
        print(f"{k:4d}  {name:10s}" + "".join(cells) + (f"| {np.mean(changed):.0f}" if changed else "|"))


if __name__ == "__main__":
    main()
