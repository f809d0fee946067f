"""End-to-end words/second of `lessons run` next to bare spaCy on the same passages.

    python bench/throughput.py [--docs 200] [--words 200000] [--workers 1 2] [--repeat 1]

Both sides are timed as whole processes (start-up, imports and model loading included), one
after the other in the same invocation, so the ratio is meaningful on a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import build_corpus  # noqa: E402

WORK = HERE / "_work"
BIN = Path(sys.executable).parent


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--words", type=int, default=200_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--model", default=str(HERE.parent / "models" / "default"))
    ap.add_argument("--repeat", type=int, default=1, help="runs per setting; the fastest is kept")
    args = ap.parse_args()

    corpus = WORK / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    built = build_corpus(corpus, args.docs, args.words)
    print(f"corpus: {built['documents']} documents, ~{built['words']:,} words in {corpus}", file=sys.stderr)

    rows = []
    for w in args.workers:
        out = WORK / f"out-{w}"

        def fresh_run() -> float:
            shutil.rmtree(out, ignore_errors=True)  # an existing output folder would be reused, not recomputed
            return timed([str(BIN / "lessons"), "run", str(corpus), "--out", str(out), "--model", args.model,
                          "--workers", str(w), "--quiet"])[0]

        ours = min(fresh_run() for _ in range(args.repeat))
        manifest = json.loads((out / "manifest.json").read_text())
        words = manifest["counts"]["words"]
        passages = out / "passages.jsonl"
        bare = min(timed([sys.executable, str(HERE / "bare_spacy.py"), str(passages), "--workers", str(w)])[0]
                   for _ in range(args.repeat))
        rows.append((w, words, manifest["counts"]["passages"], words / ours, words / bare, bare / ours,
                     manifest["seconds"]))

    print("\n| workers | words | passages | lessons run words/s | bare spaCy words/s | ratio | classify / spaCy time |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for w, words, n, ours, bare, ratio, secs in rows:
        # the classifier's share, measured inside the same run: seconds in `classify` over seconds
        # in spaCy (`annotate`), summed over workers
        share = secs.get("classify", 0.0) / max(secs.get("annotate", 0.0), 1e-9)
        print(f"| {w} | {words:,} | {n:,} | {ours:,.0f} | {bare:,.0f} | {ratio:.2f} | {share:.2f} |")
    print("\nstage seconds from the run manifests (summed over workers):")
    for w, *_, secs in rows:
        print(f"  workers={w}: " + ", ".join(f"{k} {v:.1f}" for k, v in secs.items()))


if __name__ == "__main__":
    main()
