"""Each entity rule switched off in turn: what it is worth on the real dev set and on the training passages.

    python bench/entity_rules.py [--gold ../shared/realdev/passages.jsonl] [--second corpus/entities_train.jsonl]

Prints one row per named rule (``pipeline.entities.RULES``), per refinement component and per part
of the span repair: ORG and overall F1 with that piece off, on the dev set (where rules are chosen)
and on a second set (by default the NER's own training passages: in-sample for the NER, so it
favours no rules at all, but a rule that costs on both is a rule to drop). About 10 minutes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    from pipeline import entities, entity_spans
    from pipeline.annotate import load_spacy
    from pipeline.entity_eval import entity_report, predict, read_gold
    from pipeline.entity_pipes import COMPONENTS

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", default=str(ROOT.parent / "shared" / "realdev" / "passages.jsonl"))
    ap.add_argument("--second", default=str(ROOT / "corpus" / "entities_train.jsonl"))
    args = ap.parse_args()
    sets = {"dev": read_gold(args.gold), "second": read_gold(args.second)}
    nlp = load_spacy()

    def row(name: str) -> None:
        entities.document_context.cache_clear()
        cells = []
        for gold in sets.values():
            r = entity_report(gold, predict(nlp, gold))
            cells += [f"{r['ORG']['f1']:.3f}", f"{r['all']['f1']:.3f}"]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)

    print("| switched off | dev ORG F1 | dev all F1 | second ORG F1 | second all F1 |")
    print("|---|---:|---:|---:|---:|")
    row("nothing (as shipped)")
    rules = entities.RULES
    for rule in rules:
        entities.clean_passage.__defaults__ = (tuple(r for r in rules if r is not rule),)
        row(f"rule `{rule.__name__}`")
    entities.clean_passage.__defaults__ = (rules,)
    for name in COMPONENTS:
        if name.endswith(("_passages", "_consistency")):
            continue  # the others need them
        with nlp.select_pipes(disable=[name]):
            row(f"component `{name}`")
    for fn in ("_named_organisations", "_pattern_entities"):
        original = getattr(entity_spans, fn)
        setattr(entity_spans, fn, lambda text: [])
        row(f"span repair `{fn}`")
        setattr(entity_spans, fn, original)
    original = entities._other_spellings
    entities._other_spellings = lambda texts, cleaned: cleaned
    row("consistency `_other_spellings`")
    entities._other_spellings = original


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
