"""How the entity stage grows on hostile text: what a broken or generated file may hold.

    python bench/hostile.py [--chars 20000] [--repeat 2]

Each kind of text is made at --chars and at four times that, cut into passages of about 600 characters
(as a document's paragraphs) or left as one passage of up to 20,000 characters (a file with no blank
lines; segmenting cuts longer ones), and tagged as a run tags a document (``document_entities``). Prints
the seconds at both sizes, how much longer the larger took (4 is linear growth; 16 would be the square
of the length) and the refinement's share of the time, beside well-formed passages of the gold file.
Timings are best of --repeat; the growth and the shares are measured within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["Alpha", "Beta", "Gamma", "Delta", "Innovation", "Agency", "Cluster", "Regional", "Park", "Hub", "Fund"]


def hostile(kind: str, n: int, rng: random.Random) -> str:
    """About ``n`` characters of one kind of hostile text."""
    w = lambda: rng.choice(WORDS)  # noqa: E731
    makers = {
        "separator line (=)": lambda: "=" * n,
        "nested brackets": lambda: "(" * (n // 2) + "Agency" + ")" * (n // 2),
        "words joined by slashes": lambda: "/".join(w() for _ in range(n // 7)),
        "one long word": lambda: "A" * n,
        "digits": lambda: " ".join(str(rng.randint(0, 10 ** 6)) for _ in range(n // 7)),
        "capitalised words": lambda: " ".join(w() for _ in range(n // 7)) + ".",
        "a list of names": lambda: ", ".join(f"{w()} {w()}" for _ in range(n // 12)) + " and Omega Agency.",
        "chained 'of the'": lambda: "The " + " of the ".join(f"{w()} Agency" for _ in range(n // 20)) + ".",
        "acronyms defined": lambda: " ".join(f"{w()} {w()} Agency ({''.join(rng.choice('ABCDEFGH') for _ in range(4))})"
                                             for _ in range(n // 30)),
        "people and roles": lambda: " ".join(f"said {w()} {w()}, head of {w()} Agency;" for _ in range(n // 40)),
        "date ranges": lambda: " ".join(f"{rng.randint(1, 28)} May {rng.randint(1990, 2030)} to" for _ in range(n // 16))
        + " June 2024.",
        "quoted names": lambda: " ".join(f"“{w()} {w()}”" for _ in range(n // 16)),
    }
    return makers[kind]()


def as_passages(text: str, size: int) -> list[str]:
    """``text`` cut at spaces into passages of about ``size`` characters (whole, if it has no space)."""
    out, i = [], 0
    while i < len(text):
        j = text.find(" ", i + size)
        j = len(text) if j < 0 else j
        out.append(text[i:j].strip())
        i = j
    return [p for p in out if p]


def timed(nlp, passages: list[str], repeat: int) -> tuple[float, float, int]:
    """Best seconds of tagging ``passages`` as one document, the refinement's seconds in that run, entities."""
    from pipeline.annotate import document_entities

    best = (float("inf"), 0.0, 0)
    for _ in range(repeat):
        spent: dict = {}
        t0 = time.perf_counter()
        out = next(document_entities(nlp, [(passages, None)], timings=spent))
        total = time.perf_counter() - t0
        if total < best[0]:
            best = (total, spent.get("entities", 0.0), sum(len(p) for p in out))
    return best


def main() -> None:
    from pipeline.annotate import load_spacy
    from pipeline.segment import MAX_PASSAGE_CHARS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chars", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    nlp = load_spacy()
    rng = random.Random(0)
    gold = [json.loads(line)["text"] for line in (ROOT / "corpus" / "entities_gold.jsonl").read_text(encoding="utf-8").splitlines()]
    small, large = args.chars, 4 * args.chars
    print(f"| text | layout | entities ({large:,} chars) | s at {small:,} | s at {large:,} | growth (x4 text) | "
          "refinement share |")
    print("|---|---|---:|---:|---:|---:|---:|")

    def row(name: str, layout: str, make) -> None:
        (a, _, _), (b, rb, n) = timed(nlp, make(small), args.repeat), timed(nlp, make(large), args.repeat)
        print(f"| {name} | {layout} | {n} | {a:.2f} | {b:.2f} | {b / a:.1f} | {rb / b:.2f} |", flush=True)

    def prose(n: int) -> list[str]:
        out, size = [], 0
        for text in gold:
            if size >= n:
                break
            out.append(text)
            size += len(text)
        return out

    row("well-formed passages (gold file)", "passages", prose)
    for kind in ("separator line (=)", "nested brackets", "words joined by slashes", "one long word", "digits",
                 "capitalised words", "a list of names", "chained 'of the'", "acronyms defined", "people and roles",
                 "date ranges", "quoted names"):
        row(kind, "passages", lambda n, kind=kind: as_passages(hostile(kind, n, rng), 600))
    for kind in ("a list of names", "acronyms defined", "people and roles"):
        row(kind, f"passages of {MAX_PASSAGE_CHARS:,}",
            lambda n, kind=kind: as_passages(hostile(kind, n, rng), MAX_PASSAGE_CHARS - 100))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
