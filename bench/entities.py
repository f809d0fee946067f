"""Raw spaCy entities vs Cluster Lessons' refined entities on the hand-annotated gold set, and what
the refinement costs next to spaCy itself.

    python bench/entities.py [--gold corpus/entities_gold.jsonl]

Prints P/R/F1 per label group side by side, then the time of nlp.pipe with the base and the tuned
NER, and the refinement components' own time inside document_entities (joining chunks, the
components after ner, reading the entities out), on the gold passages, on the sample documents (each document's passages
joined as a run joins them), on all gold passages as one long document and on a glossary of 3,000 names sharing
their first words; measured in one run, as ratios; best of --repeat.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent


def text_sets(gold: list[dict]) -> dict[str, list[list[str]]]:
    """Documents (lists of passage texts) to time the refinement on: the gold passages grouped by
    document; all of them as one long report, where work done per name and passage (a name looked for
    in every passage) would grow with the square of the length; and a glossary, thousands of defined
    names sharing their first words, where following every name that shares a word at each of its
    occurrences would grow with the square of their number."""
    by_doc = defaultdict(list)
    for g in gold:
        by_doc[g.get("doc", "")].append(g["text"])
    glossary = [" ".join(f"The Regional Innovation Agency of District {i} (RIAD{i}) met the Regional Innovation "
                         f"Agency of District {i + 1} in Bilbao on {1 + i % 28} May 2024." for i in range(j, j + 100))
                for j in range(0, 3000, 100)]
    return {"gold passages": list(by_doc.values()), "one long document": [[g["text"] for g in gold]],
            "a glossary of 3,000 names": [glossary]}


def main() -> None:
    from pipeline import iter_input_files, read_document, split_passages
    from pipeline.annotate import document_entities, load_spacy, resolve_spacy_model
    from pipeline.entity_eval import GROUP_ORDER, entity_report, predict, read_gold

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", default=str(ROOT / "corpus" / "entities_gold.jsonl"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    nlp = load_spacy()
    import pipeline.entities
    import pipeline.entity_spans
    # The rules' caches of names and dates (not the gazetteer, loaded once per process).
    caches = [f for mod in (pipeline.entities, pipeline.entity_spans) for f in vars(mod).values()
              if callable(getattr(f, "cache_clear", None)) and getattr(f, "__module__", "") == mod.__name__]
    base = load_spacy(resolve_spacy_model(), refine=False)
    tuned_ner = load_spacy(refine=False)  # the same NER as nlp, without the refinement components
    gold = read_gold(args.gold)
    raw = entity_report(gold, predict(nlp, gold, refine=False))
    ours = entity_report(gold, predict(nlp, gold, refine=True))
    print(f"Entities on {len(gold)} gold passages (exact spans)\n")
    print("| label | support | raw P | raw R | raw F1 | ours P | ours R | ours F1 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for grp in [*GROUP_ORDER, "all"]:
        a, b = raw[grp], ours[grp]
        cells = [f"{x[k]:.3f}" for x in (a, b) for k in ("precision", "recall", "f1")]
        print(f"| {grp} | {b['support']} | " + " | ".join(cells) + " |")

    docs = []
    for path, doc_id in iter_input_files(ROOT / "corpus" / "documents"):
        d = read_document(path, doc_id)
        docs.append((d, [p.text for p in split_passages(d)]))
    sets = text_sets(gold)
    sets = {"gold passages": sets.pop("gold passages"), "sample documents": [t for _, t in docs], **sets}
    print("\n| passages | base spaCy s | tuned NER s | tuned / base | refinement s | refinement / tuned spaCy |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, groups in sets.items():
        best_base = best_spacy = best_refine = float("inf")
        joined = ["\n\n".join(texts) for texts in groups]
        for r in range(args.repeat):
            # The same text for all three: each document's passages joined by a blank line, as a run
            # tags them; the order alternates so that neither model profits from a warm cache.
            times, spent = {}, {}
            for cached in caches:  # each repeat starts cold, as a run over new documents does
                cached.cache_clear()
            for which in (("base", "tuned", "full") if r % 2 == 0 else ("full", "tuned", "base")):
                t0 = time.perf_counter()
                if which == "full":
                    list(document_entities(nlp, ((texts, None) for texts in groups), timings=spent))
                else:
                    list((base if which == "base" else tuned_ner).pipe(joined, batch_size=16))
                times[which] = time.perf_counter() - t0
            best_base = min(best_base, times["base"])
            best_spacy = min(best_spacy, times["tuned"])
            best_refine = min(best_refine, spent["entities"])  # the components after ner, timed inside the run
        print(f"| {name} | {best_base:.2f} | {best_spacy:.2f} | {best_spacy / best_base:.2f} | {best_refine:.3f} | "
              f"{best_refine / best_spacy:.3f} |")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
