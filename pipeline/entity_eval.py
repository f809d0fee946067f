"""Precision, recall and F1 of entities against hand-annotated gold passages, raw spaCy or ours."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from .errors import LabelsError
from .evaluate import f1
from .records import Entity

DEFAULT_GOLD = Path(__file__).resolve().parent.parent / "corpus" / "entities_gold.jsonl"
GROUPS = {"ORG": "ORG", "GPE": "places", "LOC": "places", "DATE": "DATE", "PERSON": "PERSON"}
GROUP_ORDER = ["ORG", "places", "DATE", "PERSON"]


def read_gold(path: str | Path, parts: list[str] | None = None) -> list[dict]:
    """Gold passages ``{text, entities: [{text, label, start, end}], doc?, part?}``, offsets checked;
    only those of ``parts`` when given (``corpus/entities_gold.jsonl``: AB, C, D, E = frozen test)."""
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                text = obj["text"]
                for e in obj["entities"]:
                    if text[e["start"]:e["end"]] != e["text"]:
                        raise LabelsError(f"{path}:{n}: entity {e['text']!r} does not match text[{e['start']}:{e['end']}]")
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise LabelsError(f"{path}:{n}: not a gold record ({exc.__class__.__name__})") from None
            if parts is None or obj.get("part") in parts:
                items.append(obj)
    if parts is not None and not items:
        raise LabelsError(f"{path}: no passages of part {', '.join(parts)}")
    return items


def predict(nlp, gold: list[dict], refine: bool = True) -> list[list[Entity]]:
    """Entities for every gold passage; with ``refine`` the passages of one ``doc`` are refined together."""
    from .annotate import entities_of
    from .entities import refine_document

    raw = [entities_of(d) for d in nlp.pipe([g["text"] for g in gold], batch_size=64)]
    if not refine:
        return raw
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(gold):
        by_doc[g.get("doc") or f"#{i}"].append(i)
    out: list[list[Entity]] = [[] for _ in gold]
    for idx in by_doc.values():
        refined = refine_document([gold[i]["text"] for i in idx], [raw[i] for i in idx], None)
        for i, ents in zip(idx, refined):
            out[i] = ents
    return out


def compare_pipelines(gold: list[dict], spacy_model: str = "auto", gazetteer=None) -> dict:
    """Reports for the base pipeline as shipped (``raw_spacy``), the tuned NER alone (``tuned_ner``,
    when ``spacy_model`` loads it) and what a run produces (``cluster_lessons``: NER plus rules)."""
    from .annotate import load_spacy, resolve_spacy_model, uses_tuned_ner

    nlp = load_spacy(spacy_model, gazetteer)
    base = nlp if not uses_tuned_ner(nlp) else load_spacy(resolve_spacy_model(spacy_model), gazetteer)
    reports = {"raw_spacy": entity_report(gold, predict(base, gold, refine=False))}
    if uses_tuned_ner(nlp):
        reports["tuned_ner"] = entity_report(gold, predict(nlp, gold, refine=False))
    reports["cluster_lessons"] = entity_report(gold, predict(nlp, gold, refine=True))
    return reports


def entity_report(gold: list[dict], predicted: list[list[Entity]]) -> dict:
    """Exact-span P/R/F1 per label group (ORG, places = GPE+LOC, DATE, PERSON) and micro over all."""
    counts = {g: [0, 0, 0] for g in GROUP_ORDER}
    for g, pred in zip(gold, predicted):
        gold_set = {(e["start"], e["end"], GROUPS[e["label"]]) for e in g["entities"] if e["label"] in GROUPS}
        pred_set = {(e.start, e.end, GROUPS[e.label]) for e in pred if e.label in GROUPS}
        for grp in GROUP_ORDER:
            gs = {x for x in gold_set if x[2] == grp}
            ps = {x for x in pred_set if x[2] == grp}
            counts[grp][0] += len(gs & ps)
            counts[grp][1] += len(ps - gs)
            counts[grp][2] += len(gs - ps)
    report = {}
    for grp, (tp, fp, fn) in counts.items():
        p, r, f = f1(tp, fp, fn)
        report[grp] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    report["all"] = dict(zip(("precision", "recall", "f1"), f1(tp, fp, fn))) | {"support": tp + fn}
    return report
