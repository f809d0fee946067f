"""What the entity refinement costs on hostile text, next to spaCy's NER on the same text, at two lengths.

    python bench/entities_hostile.py [--sizes 50000 200000] [--only "of chain,caps commas"]

A broken or hostile file (one phrase repeated for pages, a list with no end, thousands of brackets)
must not make the rules' time, nor spaCy's own, grow faster than the text: for each shape the table
prints NER and refinement seconds at both lengths, their ratio, and how much the NER's (tokenizer
included) and the refinement's time grew against the text's growth (1.0 is linear). The text is cut
into passages of 20,000 characters, as :mod:`pipeline.segment` cuts an over-long paragraph, and
tagged as one document, as a run tags it.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent


def shapes(size: int) -> dict[str, str]:
    """Text of ``size`` characters for each hostile shape."""
    def rep(s: str) -> str:
        return (s * (size // len(s) + 1))[:size]

    rng = random.Random(0)
    pieces = ["Alpha ", "Beta, ", "and ", "of ", "the ", "(RA) ", "2024 ", "May ", "Ltd ", "University ", "Cluster ",
              "said ", "CEO ", "\n", "in ", "Port "]
    return {
        "capitalised words": rep("Alpha Beta Gamma Delta "),
        "a list with no end": rep("Alpha, Beta, Gamma, Delta, "),
        "names joined by and": rep("Alpha Ltd and Beta Ltd and Gamma GmbH and "),
        "acronyms in brackets": rep("Regional Agency (RA) "),
        "unclosed brackets": rep("Regional Agency (RA "),
        "nested brackets": rep("(((Alpha (AB) Beta))) "),
        "one acronym defined per name": "".join(f"Regional Agency {i} (RA{i}) " for i in range(size // 20))[:size],
        "an 'of' chain": rep("Ministry of Agency of Office of "),
        "universities": rep("The University of Alpha and the University of Beta, "),
        "possessives": rep("Alpha's Beta's Cluster's Agency "),
        "titles and names": rep("Minister Alpha Beta Mayor Gamma Governor "),
        "quotes with 'said'": rep("said Alpha Beta, CEO of Gamma Ltd, "),
        "dates": rep("12 May 2024, 13 May 2024 and 14 May 2024; "),
        "months alone": rep("May June July March "),
        "a table": rep("| Alpha | 2024 | 12.5 | Beta Ltd |\n"),
        "addresses": rep("https://www.example.com/Alpha/Beta?x=1 alpha.beta@Example.org, "),
        "no spaces": rep("AlphaBetaGammaDelta"),
        "one letter": "A" * size,
        # Strings with no space whose characters spaCy's tokenizer strips one at a time as punctuation:
        # a separator line, a dump of brackets, a form's blanks, words joined by slashes.
        "a separator line": "=" * size,
        "brackets with no space": "(" * (size // 2) + "Agency" + ")" * (size // 2 - 6),
        "a form's blanks": rep("Name: " + "_" * 5000 + " Date: " + "_" * 3000 + "\n"),
        "words joined by slashes": rep("Alpha/Beta/"),
        "shuffled name parts": "".join(rng.choice(pieces) for _ in range(size // 5))[:size],
    }


def main() -> None:
    from pipeline.annotate import document_entities, load_spacy
    from pipeline.entity_pipes import COMPONENTS
    from pipeline.segment import MAX_PASSAGE_CHARS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs=2, default=[50_000, 200_000])
    ap.add_argument("--only", default="", help="comma-separated shape names")
    args = ap.parse_args()
    nlp = load_spacy()
    refiners = [n for n in nlp.pipe_names if n in COMPONENTS]
    small, large = args.sizes
    print(f"| shape | NER s ({small:,}) | refinement s | ratio | NER s ({large:,}) | refinement s | ratio "
          f"| NER growth ÷ text growth | refinement growth ÷ text growth |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    at = {size: shapes(size) for size in (small, large)}
    for name in at[small]:
        if args.only and name not in args.only.split(","):
            continue
        cells, spent_at, ner_at = [], {}, {}
        for size in (small, large):
            text = at[size][name]
            passages = [text[i:i + MAX_PASSAGE_CHARS] for i in range(0, len(text), MAX_PASSAGE_CHARS)]
            t0 = time.perf_counter()
            list(nlp.pipe(passages, disable=refiners))
            ner = ner_at[size] = time.perf_counter() - t0
            spent: dict = {}
            list(document_entities(nlp, [(passages, None)], timings=spent))
            spent_at[size] = spent["entities"]
            cells += [f"{ner:.2f}", f"{spent['entities']:.2f}", f"{spent['entities'] / ner:.2f}"]
        growth = (spent_at[large] / max(spent_at[small], 1e-9)) / (large / small)
        ner_growth = (ner_at[large] / max(ner_at[small], 1e-9)) / (large / small)
        print(f"| {name} | " + " | ".join(cells) + f" | {ner_growth:.2f} | {growth:.2f} |", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
