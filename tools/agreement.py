"""How far two annotations of the same passages agree, scored as ``lessons evaluate-entities`` scores the
pipeline (exact spans, per label group; the first file is taken as the reference).

    python tools/agreement.py corpus/entities_round23.jsonl corpus/entities_second_reader.jsonl

Passages are matched by ``id``; only those in both files count. corpus/entities_second_reader.jsonl holds
rounds 23 and 24 annotated a second time by readers who worked alone, by the same rule and rulings
(README, "How far two readers agree"): the ceiling a model of these labels could reach.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.entity_eval import GROUP_ORDER, entity_report, read_gold  # noqa: E402
from pipeline.records import Entity  # noqa: E402


def agreement(reference: list[dict], other: list[dict], loose: bool = False) -> dict:
    """``entity_report`` of ``other``'s entities against ``reference``'s, on the passages both hold
    (the same text, matched by id)."""
    second = {r["id"]: r for r in other}
    shared = [g for g in reference if g["id"] in second and second[g["id"]]["text"] == g["text"]]
    predicted = [[Entity(e["text"], e["label"], e["start"], e["end"]) for e in second[g["id"]]["entities"]]
                 for g in shared]
    return entity_report(shared, predicted, loose=loose) | {"passages": len(shared)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference", type=Path)
    ap.add_argument("other", type=Path)
    ap.add_argument("--loose", action="store_true", help="forgive a leading 'the' and a trailing possessive")
    args = ap.parse_args()
    report = agreement(read_gold(args.reference), read_gold(args.other), args.loose)
    print(f"{report['passages']} passages in both files")
    print("| label | support | P | R | F1 |\n|---|---:|---:|---:|---:|")
    for group in [*GROUP_ORDER, "all"]:
        r = report[group]
        print(f"| {group} | {r['support']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} |")


if __name__ == "__main__":
    main()
