"""Precision, recall and F1 of entities against hand-annotated gold passages, raw spaCy or ours."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from .errors import LabelsError
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
    """Entities for every gold passage, the passages of one ``doc`` read as one document (as a run
    reads them); without ``refine``, what the NER alone found."""
    from .annotate import document_entities
    from .entity_pipes import COMPONENTS

    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(gold):
        by_doc[g.get("doc") or f"#{i}"].append(i)
    groups = list(by_doc.values())
    out: list[list[Entity]] = [[] for _ in gold]
    with nlp.select_pipes(disable=[] if refine else [p for p in COMPONENTS if p in nlp.pipe_names]):
        for idx, ents in zip(groups, document_entities(nlp, (([gold[i]["text"] for i in idx], None) for idx in groups))):
            for i, passage_ents in zip(idx, ents):
                out[i] = passage_ents
    return out


def compare_pipelines(gold: list[dict], spacy_model: str = "auto", gazetteer=None, loose: bool = False) -> dict:
    """Reports for the base pipeline as shipped (``raw_spacy``), the tuned NER alone (``tuned_ner``,
    when ``spacy_model`` loads it) and what a run produces (``cluster_lessons``: NER plus rules)."""
    from .annotate import load_spacy, resolve_spacy_model, uses_tuned_ner

    nlp = load_spacy(spacy_model, gazetteer)
    base = nlp if not uses_tuned_ner(nlp) else load_spacy(resolve_spacy_model(spacy_model), gazetteer)
    reports = {"raw_spacy": entity_report(gold, predict(base, gold, refine=False), loose)}
    if uses_tuned_ner(nlp):
        reports["tuned_ner"] = entity_report(gold, predict(nlp, gold, refine=False), loose)
    reports["cluster_lessons"] = entity_report(gold, predict(nlp, gold, refine=True), loose)
    return reports


_LEADING_THE = re.compile(r"(?i)the\s+")
_TRAILING_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


def loosened(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without a leading "the" and a trailing possessive, for matching that forgives them."""
    m = _LEADING_THE.match(text, start, end)
    if m and m.end() < end:
        start = m.end()
    m = _TRAILING_POSSESSIVE.search(text, start, end)
    if m and m.start() > start:
        end = m.start()
    return start, end


def _doc_cut_at(vocab, text: str, cuts: set[int]):
    """A Doc of ``text`` whose tokens end at every cut: each entity, gold or predicted, is whole tokens."""
    from spacy.tokens import Doc

    words: list[str] = []
    spaces: list[bool] = []
    for m in re.finditer(r"\S+|\s", text):
        if m.group() == " " and words and not spaces[-1] and not words[-1].isspace():
            spaces[-1] = True  # one space after a word is the word's trailing whitespace
            continue
        points = [m.start(), *sorted(c for c in cuts if m.start() < c < m.end()), m.end()]
        for a, b in zip(points, points[1:]):
            words.append(text[a:b])
            spaces.append(False)
    return Doc(vocab, words=words, spaces=spaces)


def entity_report(gold: list[dict], predicted: list[list[Entity]], loose: bool = False) -> dict:
    """Exact-span P/R/F1 per label group (ORG, places = GPE+LOC, DATE, PERSON) and micro over all,
    by spaCy's ``Scorer.score_spans`` on Examples tokenised so that every span is whole tokens.
    ``loose`` forgives a leading "the" and a trailing possessive on either side (:func:`loosened`)."""
    from spacy.scorer import Scorer
    from spacy.training import Example
    from spacy.vocab import Vocab

    vocab = Vocab()
    examples = []
    support = dict.fromkeys(GROUP_ORDER, 0)
    for g, pred in zip(gold, predicted):
        gold_spans = {(e["start"], e["end"], GROUPS[e["label"]]) for e in g["entities"] if e["label"] in GROUPS}
        pred_spans = {(e.start, e.end, GROUPS[e.label]) for e in pred if e.label in GROUPS}
        if loose:
            gold_spans = {(*loosened(g["text"], a, b), grp) for a, b, grp in gold_spans}
            pred_spans = {(*loosened(g["text"], a, b), grp) for a, b, grp in pred_spans}
        for _, _, grp in gold_spans:
            support[grp] += 1
        cuts = {x for s in gold_spans | pred_spans for x in s[:2]}
        docs = [_doc_cut_at(vocab, g["text"], cuts) for _ in range(2)]
        for doc, spans in zip(docs, (pred_spans, gold_spans)):
            doc.spans["entities"] = [doc.char_span(a, b, label=grp) for a, b, grp in sorted(spans)]
        examples.append(Example(*docs))
    scores = Scorer.score_spans(examples, "entities", getter=lambda doc, key: doc.spans[key], allow_overlap=True)
    per_type = scores["entities_per_type"]
    report = {}
    for grp in GROUP_ORDER:
        s = per_type.get(grp, {"p": 0.0, "r": 0.0, "f": 0.0})
        report[grp] = {"precision": s["p"], "recall": s["r"], "f1": s["f"], "support": support[grp]}
    report["all"] = {"precision": scores["entities_p"] or 0.0, "recall": scores["entities_r"] or 0.0,
                     "f1": scores["entities_f"] or 0.0, "support": sum(support.values())}
    return report
