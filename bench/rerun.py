"""Second run over an unchanged folder: how much of the first run's time it costs.

    python bench/rerun.py [--docs 200] [--words 200000]

Times `lessons run` as whole processes: a first run into an empty output folder, then a second
run over the same, unchanged folder (which must do no spaCy or classifier work), then a third
after one file changed. Prints the times and their ratios from one invocation.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import build_corpus  # noqa: E402
from throughput import BIN, WORK, timed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--words", type=int, default=200_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default=str(HERE.parent / "models" / "default"))
    args = ap.parse_args()
    corpus, out = WORK / "rerun-corpus", WORK / "rerun-out"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    build_corpus(corpus, args.docs, args.words)
    cmd = [str(BIN / "lessons"), "run", str(corpus), "--out", str(out), "--model", args.model,
           "--workers", str(args.workers), "--quiet"]
    rows = []
    first, _ = timed(cmd)
    rows.append(("first run", first, json.loads((out / "manifest.json").read_text())["counts"]))
    second, _ = timed(cmd)
    rows.append(("unchanged", second, json.loads((out / "manifest.json").read_text())["counts"]))
    victim = sorted(corpus.iterdir())[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n\nOne more paragraph about the cluster's partners.\n",
                      encoding="utf-8")
    third, _ = timed(cmd)
    rows.append(("one file changed", third, json.loads((out / "manifest.json").read_text())["counts"]))
    print("| run | seconds | ratio to first | processed | reused |")
    print("|---|---:|---:|---:|---:|")
    for name, secs, counts in rows:
        print(f"| {name} | {secs:.2f} | {secs / first:.3f} | {counts['files_processed']} | {counts['files_reused']} |")


if __name__ == "__main__":
    main()
