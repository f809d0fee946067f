"""The entity refinement as spaCy pipeline components, so a saved pipeline runs it in plain spaCy.

A ``Doc`` is one document (``lessons run`` joins a document's passages with a blank line); blank
lines mark its passages in ``doc.spans["passages"]``. After ``ner``, each component rewrites
``doc.ents`` from the rules in :mod:`pipeline.entities` and :mod:`pipeline.entity_spans`, passage by
passage with what the whole document says (acronyms, projects, words written in lower case); the
last settles one label and one canonical name per name across the document and sets ``Span._.norm``
and ``Span._.iso``. Entities of other labels (MONEY, NORP, ...) are kept where they do not overlap.

The factories are registered when this module is imported, and through the ``spacy_factories``
entry point, so ``spacy.load`` finds them without importing anything by hand.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .entities import clean_passage, document_context, harmonise, link_acronyms
from .entity_spans import date_spans, missed_places, repair_spans
from .records import Entity

KEPT_LABELS = frozenset({"ORG", "GPE", "LOC", "DATE", "PERSON"})
PASSAGES = "passages"
PLACE_NAMES = "place_names"  # doc.spans key of the place ruler's matches
PLACE_RULER = "cluster_lessons_place_names"
PASSAGE_BREAK = "\n\n"
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")

if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)  # ISO date that relative dates resolve against
for _name in ("norm", "iso"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


def passages(doc: Doc) -> list[Span]:
    """The document's passages, or the whole text when no component has marked them."""
    return list(doc.spans[PASSAGES]) if PASSAGES in doc.spans else [doc[:]]


def _entities_by_passage(doc: Doc, parts: list[Span]) -> list[list[Entity]]:
    """The kept entities of each passage, offsets into the passage's text (ents and passages are in order)."""
    starts = [p.start_char for p in parts]
    out: list[list[Entity]] = [[] for _ in parts]
    for ent in doc.ents:
        if ent.label_ not in KEPT_LABELS:
            continue
        i = bisect_right(starts, ent.start_char) - 1
        if i < 0 or ent.end_char > parts[i].end_char:
            continue  # over a passage break: no passage owns it
        base = starts[i]
        out[i].append(Entity(ent.text, ent.label_, ent.start_char - base, ent.end_char - base,
                             norm=ent.ent_id_ or None, iso=ent._.iso))
    return out


def set_entities(doc: Doc, found: list[Entity], final: bool = False) -> None:
    """Make ``found`` (document offsets) the kept-label entities of ``doc``.

    Spans widen to whole tokens ("U.S" → "U.S."). Until ``final``, ``norm`` is a gazetteer id carried
    as the span's ``id``; at the end it becomes ``Span._.norm``.
    """
    spans, extra = [], {}
    for e in found:
        span = doc.char_span(e.start, e.end, label=e.label, alignment_mode="expand",
                             span_id=e.norm if e.norm and not final else 0)
        if span is None or not span.text.strip():
            continue
        spans.append(span)
        extra[(span.start_char, span.end_char)] = e
    spans = filter_spans(spans)
    others = [s for s in doc.ents if s.label_ not in KEPT_LABELS]
    taken = {i for s in spans for i in range(s.start, s.end)}
    doc.ents = sorted(spans + [s for s in others if not taken.intersection(range(s.start, s.end))],
                      key=lambda s: s.start)
    for ent in doc.ents:
        e = extra.get((ent.start_char, ent.end_char))
        if e is not None:
            ent._.iso = e.iso
            if final:
                ent._.norm = e.norm


class PassageStage:
    """Apply ``fn(passage_text, entities, context[, passage_start]) -> entities`` to every passage."""

    def __init__(self, fn: Callable[..., list[Entity]], with_offset: bool = False):
        self.fn = fn
        self.with_offset = with_offset

    def __call__(self, doc: Doc) -> Doc:
        ctx = document_context(doc.text)
        parts = passages(doc)
        found = []
        for part, ents in zip(parts, _entities_by_passage(doc, parts)):
            extra = (part.start_char,) if self.with_offset else ()
            found += [_shifted(e, part.start_char) for e in self.fn(part.text, ents, ctx, *extra)]
        set_entities(doc, found)
        return doc


def _shifted(e: Entity, by: int) -> Entity:
    return Entity(e.text, e.label, e.start + by, e.end + by, e.norm, e.iso)


@Language.component("cluster_lessons_passages")
def mark_passages(doc: Doc) -> Doc:
    """Passages are the text between blank lines (kept if the caller marked them already)."""
    if PASSAGES not in doc.spans:
        bounds, pos = [], 0
        for m in _BLANK_LINE.finditer(doc.text):
            bounds.append((pos, m.start()))
            pos = m.end()
        bounds.append((pos, len(doc.text)))
        spans = [doc.char_span(a, b, alignment_mode="expand") for a, b in bounds if doc.text[a:b].strip()]
        doc.spans[PASSAGES] = [s for s in spans if s is not None]
    return doc


@Language.factory("cluster_lessons_entity_rules")
def make_entity_rules(nlp: Language, name: str) -> PassageStage:
    """Dates split, spans trimmed, then the named rules of :data:`pipeline.entities.RULES`."""
    return PassageStage(clean_passage)


@Language.factory("cluster_lessons_span_repair")
def make_span_repair(nlp: Language, name: str) -> PassageStage:
    """Names rejoined, continued and split; names known by their shape (:mod:`pipeline.entity_spans`)."""
    return PassageStage(lambda text, ents, ctx: repair_spans(text, ents))


@Language.factory("cluster_lessons_acronyms")
def make_acronyms(nlp: Language, name: str) -> PassageStage:
    """"Long Name (ACR)": long forms whole and bare acronyms as organisations."""
    return PassageStage(link_acronyms)


class AddPlaces:
    """Well-known places standing alone that the model did not tag, from the place ruler's matches."""

    def __call__(self, doc: Doc) -> Doc:
        matched = [(s.start_char, s.end_char) for s in doc.spans.get(PLACE_NAMES, [])]

        def add(text, ents, ctx, base):
            found = [(a - base, b - base) for a, b in matched if base <= a and b <= base + len(text)]
            return ents + missed_places(text, ents, found)

        return PassageStage(add, with_offset=True)(doc)


@Language.factory("cluster_lessons_places")
def make_places(nlp: Language, name: str) -> AddPlaces:
    return AddPlaces()


@Language.factory("cluster_lessons_dates")
def make_dates(nlp: Language, name: str) -> PassageStage:
    """Dates widened to the whole date the text writes."""
    return PassageStage(lambda text, ents, ctx: date_spans(text, ents))


class Consistency:
    """One label and one canonical name per name across the document (acronyms and variants pooled)."""

    def __call__(self, doc: Doc) -> Doc:
        parts = passages(doc)
        texts = [p.text for p in parts]
        settled = harmonise(texts, _entities_by_passage(doc, parts), document_context(doc.text), doc._.published)
        set_entities(doc, [_shifted(e, p.start_char) for p, ents in zip(parts, settled) for e in ents], final=True)
        return doc


@Language.factory("cluster_lessons_consistency")
def make_consistency(nlp: Language, name: str) -> Consistency:
    return Consistency()


# In pipeline order, after "ner".
COMPONENTS = (PLACE_RULER, "cluster_lessons_passages", "cluster_lessons_entity_rules", "cluster_lessons_span_repair",
              "cluster_lessons_acronyms", "cluster_lessons_places", "cluster_lessons_dates",
              "cluster_lessons_consistency")


def add_refinement(nlp: Language) -> Language:
    """Append the refinement components after ``ner``, with the place ruler whose patterns are the
    well-known places (:func:`pipeline.places.addable_places`); a saved pipeline carries them."""
    from .places import addable_places, place_label

    if PLACE_RULER not in nlp.pipe_names:
        ruler = nlp.add_pipe("span_ruler", name=PLACE_RULER, last=True,
                             config={"spans_key": PLACE_NAMES, "overwrite": True, "validate": False})
        with nlp.select_pipes(enable=[]):
            ruler.add_patterns([{"label": place_label(n), "pattern": n} for n in addable_places()])
    for name in COMPONENTS:
        if name not in nlp.pipe_names:
            nlp.add_pipe(name, last=True)
    return nlp
