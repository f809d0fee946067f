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
import weakref
from bisect import bisect_right
from collections.abc import Callable
from typing import NamedTuple

import numpy
from spacy.attrs import ENT_ID, ENT_IOB, ENT_KB_ID, ENT_TYPE, IDX, LENGTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .annotate import KEPT_LABELS
from .entities import clean_passage, document_context, harmonise, link_acronyms, programme
from .entity_spans import date_spans, merge_places, missed_places, repair_spans
from .records import Entity

PASSAGES = "passages"
PLACE_NAMES = "place_names"  # doc.spans key of the place ruler's matches
PLACE_RULER = "cluster_lessons_place_names"
PASSAGE_BREAK = "\n\n"
_LAYOUT = "cluster_lessons_layout"  # doc.user_data keys, dropped by the last component
_READ = "cluster_lessons_read"
_TOKENS = "cluster_lessons_tokens"
TEXT = "cluster_lessons_text"  # doc.user_data: the document's text, when the caller has it
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*")

if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)  # ISO date that relative dates resolve against
# Span._.norm and Span._.iso of the entities, kept in one dict per document ({start_char: (end_char,
# norm, iso)}; entities do not overlap) rather than one doc.user_data entry per span and name: a document
# sets thousands at once. Plain keys and values, so that Doc.to_bytes and DocBin keep them.
NAMES = "cluster_lessons_names"


def _name_value(names: dict, span, field: int):
    """The canonical name (field 1) or ISO date (field 2) stored for ``span`` in a document's dict of names."""
    got = names.get(span.start_char)
    return got[field] if got is not None and got[0] == span.end_char else None


def _span_value(field: int):
    def get(span: Span):
        return _name_value(span.doc.user_data.get(NAMES, {}), span, field)

    def put(span: Span, value) -> None:
        values = span.doc.user_data.setdefault(NAMES, {})
        got = values.get(span.start_char)
        both = [span.end_char, None, None] if got is None or got[0] != span.end_char else list(got)
        both[field] = value
        values[span.start_char] = tuple(both)

    return get, put


for _field, _name in enumerate(("norm", "iso"), start=1):
    if not Span.has_extension(_name):
        _get, _put = _span_value(_field)
        Span.set_extension(_name, getter=_get, setter=_put)


def passages(doc: Doc) -> list[Span]:
    """The document's passages, or the whole text when no component has marked them."""
    return list(doc.spans[PASSAGES]) if PASSAGES in doc.spans else [doc[:]]


def _layout(doc: Doc) -> tuple[str, list[tuple[int, int]]]:
    """The document's text and its passages' character ranges, read once per document: ``doc.text``
    and ``Span.text`` build a Token for every token each time they are read."""
    if _LAYOUT not in doc.user_data:
        doc.user_data[_LAYOUT] = (doc.text, [(p.start_char, p.end_char) for p in passages(doc)])
    return doc.user_data[_LAYOUT]


def _forget_stages(doc: Doc) -> None:
    """Drop the state the stages pass on in ``doc.user_data`` (before the first, after the last)."""
    for key in (_LAYOUT, _READ, _TOKENS):
        doc.user_data.pop(key, None)


def _ents_signature(doc: Doc) -> bytes:
    """doc.ents as the bytes of token-level arrays: comparing two is cheap, unlike reading doc.ents again."""
    return doc.to_array([ENT_IOB, ENT_TYPE, ENT_ID]).tobytes()


def by_passage(spans, parts: list[tuple[int, int]], text: str, entity) -> list[list[Entity]]:
    """``entity(span, passage_start, text)`` for the kept-label spans, grouped by the passage holding them."""
    starts = [a for a, _ in parts]
    out: list[list[Entity]] = [[] for _ in parts]
    for span in spans:
        if span.label_ not in KEPT_LABELS:
            continue
        a, b = span.start_char, span.end_char
        i = bisect_right(starts, a) - 1
        if i < 0 or b > parts[i][1]:
            continue  # over a passage break: no passage owns it
        out[i].append(entity(span, starts[i], text))
    return out


def _entities_by_passage(doc: Doc, parts: list[tuple[int, int]]) -> tuple[list[list[Entity]], list[Span]]:
    """The kept entities of each passage, offsets into the passage's text (ents and passages are in order),
    and the spans of other labels.

    The stage that set doc.ents leaves what it set in ``doc.user_data``, with the entities of other labels;
    they are read from doc.ents again only if another component changed them since.
    """
    cached = _still_set(doc)
    if cached is not None:
        return [list(x) for x in cached[1]], cached[2]
    text = _layout(doc)[0]
    names = doc.user_data.get(NAMES, {})  # what Span._.iso reads, without a lookup per span
    ents = doc.ents
    out = by_passage(ents, parts, text, lambda span, base, text: Entity(
        text[span.start_char:span.end_char], span.label_, span.start_char - base, span.end_char - base,
        norm=span.ent_id_ or None, iso=_name_value(names, span, 2)))
    others = [s for s in ents if s.label_ not in KEPT_LABELS]
    doc.user_data[_READ] = (_ents_signature(doc), [list(x) for x in out], others)
    return out, others


def _still_set(doc: Doc) -> tuple | None:
    """What the last stage set (signature, kept entities by passage, spans of other labels), if doc.ents
    is still that."""
    cached = doc.user_data.get(_READ)
    return cached if cached is not None and cached[0] == _ents_signature(doc) else None


_MANY_TOKENS = 5000  # from this length on, a document's entities are set from token arrays


class _Placed(NamedTuple):
    """An entity on whole tokens, what set_entities reads of a Span: token and character offsets, label
    (as text and as the StringStore's id) and the span id carried until the last stage."""
    start: int
    end: int
    start_char: int
    end_char: int
    label_: str
    label: int
    id: int


class _TokenBounds:
    """Where each token of a document starts and ends, to place entities on tokens as
    ``doc.char_span(..., alignment_mode="expand")`` does, for all of them at once."""

    def __init__(self, doc: Doc):
        rows = doc.to_array([IDX, LENGTH, SPACY]).reshape(len(doc), 3).astype(numpy.int64)
        self.strings = doc.vocab.strings
        self.starts = rows[:, 0]
        self.ends = rows[:, 0] + rows[:, 1]
        self.reach = self.ends + rows[:, 2]  # with the token's trailing space

    def _token_at(self, chars: numpy.ndarray) -> numpy.ndarray:
        """The token holding each character (its trailing space included), or -1 (spaCy's token_by_char)."""
        i = numpy.searchsorted(self.starts, chars, side="right") - 1
        return numpy.where((i >= 0) & (chars < self.reach[i.clip(0)]), i, -1)

    def aligned(self, flat: list[tuple[Entity, int]], text: str) -> numpy.ndarray | None:
        """The token range (n × 2: first, past the last) of each ``(entity, passage start)`` when every one
        starts and ends exactly on token boundaries, is its text, has some non-space and overlaps no other:
        what a stage mostly hands on, which then needs no widening, filtering or Span."""
        if not flat:
            return None
        a = numpy.fromiter((e.start + base for e, base in flat), dtype=numpy.int64, count=len(flat))
        b = numpy.fromiter((e.end + base for e, base in flat), dtype=numpy.int64, count=len(flat))
        first = numpy.searchsorted(self.starts, a)
        last = numpy.searchsorted(self.ends, b)
        n = len(self.starts)
        if ((first >= n) | (last >= n)).any():
            return None
        if not ((self.starts[first] == a) & (self.ends[last] == b) & (first <= last)).all():
            return None
        order = numpy.argsort(first, kind="stable")
        if (first[order][1:] <= last[order][:-1]).any():
            return None  # two entities on one token
        if not all(e.text and text[e.start + base:e.end + base] == e.text and not e.text.isspace()
                   and (e.norm or None) == e.norm for e, base in flat):
            return None
        return numpy.stack([first, last + 1], axis=1)

    def place(self, flat: list[tuple[Entity, int]], final: bool) -> list[_Placed | None]:
        """Each ``(entity, passage start)`` on the tokens char_span's "expand" aligns it to (None where there
        are none; an empty span where the entity is only a token's trailing space)."""
        if not flat:
            return []
        a = numpy.array([e.start + base for e, base in flat], dtype=numpy.int64)
        b = numpy.array([e.end + base for e, base in flat], dtype=numpy.int64)
        first, last = self._token_at(a), self._token_at(b - 1)
        first = first + ((first >= 0) & (a == self.ends[first.clip(0)]))  # in a token's trailing space: after it
        n = len(self.starts)
        start_char = self.starts[first.clip(0, n - 1)].tolist()
        end_char = self.ends[last.clip(0)].tolist()
        ids = {label: self.strings.add(label) for label in {e.label for e, _ in flat}}
        return [None if s < 0 or t < 0 else _Placed(s, t + 1, c if s <= t else d, d, e.label, ids[e.label],
                                                     self.strings.add(e.norm) if e.norm and not final else 0)
                for (e, _), s, t, c, d in zip(flat, first.tolist(), last.tolist(), start_char, end_char)]


def _token_bounds(doc: Doc) -> _TokenBounds:
    """The document's :class:`_TokenBounds`, made once for all stages (its tokens do not change)."""
    if _TOKENS not in doc.user_data:
        doc.user_data[_TOKENS] = _TokenBounds(doc)
    return doc.user_data[_TOKENS]


def _write_ents(doc: Doc, spans: list[_Placed], others: list[Span]) -> bytes:
    """What ``doc.set_ents(spans + others)`` does (none overlapping), with one ``from_array``; returns the
    :func:`_ents_signature` of the result. As in set_ents, a token outside every entity keeps its ids,
    and a span without an id keeps its tokens' id."""
    rows = [(s.start, s.end, s.label, 0, s.id) for s in spans] + [(s.start, s.end, s.label, s.kb_id, s.id) for s in others]
    return _write_columns(doc, [numpy.array(col, dtype=numpy.uint64) for col in zip(*rows)] if rows else None)


def _write_columns(doc: Doc, columns: list[numpy.ndarray] | None) -> bytes:
    """:func:`_write_ents` from the spans' columns (token start, end, label, kb id, id), or None for no span."""
    if not len(doc):
        return _ents_signature(doc)
    array = numpy.zeros((len(doc), 4), dtype=numpy.uint64)
    array[:, 0] = 2  # outside
    array[:, 2:] = doc.to_array([ENT_ID, ENT_KB_ID]).reshape(len(doc), 2)
    if columns is not None:
        starts, ends, labels, kb_ids, ids = columns
        lengths = (ends - starts).astype(numpy.int64)
        tokens = (numpy.repeat(starts.astype(numpy.int64), lengths) + numpy.arange(lengths.sum())
                  - numpy.repeat(numpy.cumsum(lengths) - lengths, lengths))  # every token of every span
        array[tokens, 0] = 1  # inside
        array[starts.astype(numpy.int64), 0] = 3  # begin
        array[tokens, 1] = numpy.repeat(labels, lengths)
        array[tokens, 3] = numpy.repeat(kb_ids, lengths)
        with_id = numpy.repeat(ids, lengths)
        array[tokens[with_id != 0], 2] = with_id[with_id != 0]
    doc.from_array([ENT_IOB, ENT_TYPE, ENT_ID, ENT_KB_ID], array)
    return array[:, :3].tobytes()


def set_entities(doc: Doc, per_passage: list[list[Entity]], *, others: list[Span],
                 final: bool = False) -> list[list[Entity]]:
    """Make ``per_passage`` (offsets into each passage) the kept-label entities of ``doc``; returns them as
    set, passage by passage in text order, which is what reading ``doc.ents`` back would give.

    Spans widen to whole tokens ("U.S" → "U.S."). Until ``final``, ``norm`` is a gazetteer id carried
    as the span's ``id``; at the end it becomes ``Span._.norm``. ``others``: the spans of other labels in
    doc.ents, as :func:`_entities_by_passage` read them; those the new entities overlap are dropped.
    """
    text, parts = _layout(doc)
    flat = [(e, base) for (base, _), ents in zip(parts, per_passage) for e in ents]
    given = len(flat)
    # A long document's entities are placed and written from token arrays: building a Span for each of
    # thousands and set_ents' own loops over the tokens were a third of the refinement on a long report.
    # A short one's go through char_span and set_ents, which cost less than the arrays' set-up there.
    long_doc = len(doc) >= _MANY_TOKENS
    if long_doc:
        bounds = _token_bounds(doc).aligned(flat, text)
        if bounds is not None:
            return _set_aligned(doc, per_passage, flat, bounds, others, final)
    spans, extra = [], {}
    for e, span in zip((e for e, _ in flat), _token_bounds(doc).place(flat, final) if long_doc else (
            doc.char_span(e.start + base, e.end + base, label=e.label, alignment_mode="expand",
                          span_id=e.norm if e.norm and not final else 0) for e, base in flat)):
        if span is None or not text[span.start_char:span.end_char].strip():
            continue
        spans.append(span)
        extra[(span.start_char, span.end_char)] = e
    spans = sorted(spans, key=lambda s: s.start)
    if any(b.start < a.end for a, b in zip(spans, spans[1:])):
        spans = filter_spans(spans)  # two entities in one token, or a span widened over the next
    if others:
        taken = {i for s in spans for i in range(s.start, s.end)}
        others = [s for s in others if not taken.intersection(range(s.start, s.end))]
    if long_doc:
        signature = _write_ents(doc, spans, others)
    else:  # set_ents itself: the doc.ents setter would first copy every span into a new Span
        doc.set_ents(sorted(spans + others, key=lambda s: s.start) if others else spans)
        signature = None
    _keep_names(doc, ((s.start_char, s.end_char, extra[(s.start_char, s.end_char)]) for s in spans), final)
    if len(spans) == given and all(_as_given(extra[(s.start_char, s.end_char)], s, text) for s in spans):
        as_set = [sorted(ents, key=lambda e: e.start) for ents in per_passage]  # nothing widened or dropped
    else:
        as_set = by_passage(spans, parts, text, lambda span, base, text: _relative(
            extra[(span.start_char, span.end_char)], span, base, text))
    return _hand_on(doc, as_set, others, signature, final)


def _keep_names(doc: Doc, placed, final: bool) -> None:
    """Span._.norm and Span._.iso of the ``(start_char, end_char, entity)`` set, all at once (what their setters
    do one by one). Until ``final`` only the dates' ISO forms are carried; at the end every entity has its
    canonical name."""
    if final:
        doc.user_data[NAMES] = {a: (b, e.norm, e.iso) for a, b, e in placed}
    else:
        doc.user_data.setdefault(NAMES, {}).update({a: (b, None, e.iso) for a, b, e in placed if e.iso is not None})


def _hand_on(doc: Doc, as_set: list[list[Entity]], others: list[Span], signature: bytes | None,
             final: bool) -> list[list[Entity]]:
    """Leave what a stage set for the next (:func:`_entities_by_passage`), until the last; return it."""
    if not final:
        doc.user_data[_READ] = (signature or _ents_signature(doc), as_set, others)
    return as_set


def _set_aligned(doc: Doc, per_passage: list[list[Entity]], flat: list[tuple[Entity, int]], bounds: numpy.ndarray,
                 others: list[Span], final: bool) -> list[list[Entity]]:
    """:func:`set_entities` for entities that are whole tokens already (:meth:`_TokenBounds.aligned`): written
    from columns, with no Span or placed record built for each."""
    strings = doc.vocab.strings
    labels = {label: strings.add(label) for label in {e.label for e, _ in flat}}
    # The spans of other labels stay where no new entity covers a token of theirs.
    covered = numpy.zeros(len(doc) + 1, dtype=numpy.int64)
    numpy.add.at(covered, bounds[:, 0], 1)
    numpy.add.at(covered, bounds[:, 1], -1)
    covered = numpy.cumsum(covered)[:-1] > 0
    others = [s for s in others if not covered[s.start:s.end].any()]
    n = len(flat)
    columns = [bounds[:, 0].astype(numpy.uint64), bounds[:, 1].astype(numpy.uint64),
               numpy.fromiter((labels[e.label] for e, _ in flat), dtype=numpy.uint64, count=n),
               numpy.zeros(n, dtype=numpy.uint64),
               numpy.fromiter((strings.add(e.norm) if e.norm and not final else 0 for e, _ in flat),
                              dtype=numpy.uint64, count=n)]
    if others:
        rest = numpy.array([(s.start, s.end, s.label, s.kb_id, s.id) for s in others], dtype=numpy.uint64)
        columns = [numpy.concatenate([col, rest[:, i]]) for i, col in enumerate(columns)]
    signature = _write_columns(doc, columns)
    _keep_names(doc, ((e.start + base, e.end + base, e) for e, base in flat), final)
    return _hand_on(doc, [sorted(ents, key=lambda e: e.start) for ents in per_passage], others, signature, final)


def _as_given(e: Entity, span, text: str) -> bool:
    """Whether ``span`` is ``e`` exactly: same words, and a ``norm`` that is a name or None."""
    return span.end_char - span.start_char == e.end - e.start and text[span.start_char:span.end_char] == e.text \
        and (e.norm or None) == e.norm


def _relative(e: Entity, span, base: int, text: str) -> Entity:
    """``e`` as set on ``span`` (whole tokens), with offsets into its passage."""
    return Entity(text[span.start_char:span.end_char], e.label, span.start_char - base, span.end_char - base,
                  norm=e.norm or None, iso=e.iso)


class PassageStage:
    """Apply ``fn(passage_text, entities, context[, passage_start]) -> entities`` to every passage."""

    def __init__(self, fn: Callable[..., list[Entity]], with_offset: bool = False):
        self.fn = fn
        self.with_offset = with_offset

    def __call__(self, doc: Doc) -> Doc:
        text, parts = _layout(doc)
        ctx = document_context(text)
        outs, changed = [], False
        per_passage, others = _entities_by_passage(doc, parts)
        for (a, b), ents in zip(parts, per_passage):
            extra = (a,) if self.with_offset else ()
            out = self.fn(text[a:b], ents, ctx, *extra)
            changed = changed or out != ents
            outs.append(out)
        if changed:  # most documents give most stages nothing to do: doc.ents is then left as it is
            set_entities(doc, outs, others=others)
        return doc


@Language.component("cluster_lessons_passages")
def mark_passages(doc: Doc) -> Doc:
    """Passages are the text between blank lines (kept if the caller marked them already)."""
    text = doc.user_data.pop(TEXT, None)  # the caller's copy saves rebuilding it token by token
    _forget_stages(doc)
    doc.user_data.pop(NAMES, None)  # names of an earlier run over this Doc
    if PASSAGES not in doc.spans:
        text = doc.text if text is None else text
        bounds, pos = [], 0
        for m in _BLANK_LINE.finditer(text):
            bounds.append((pos, m.start()))
            pos = m.end()
        bounds.append((pos, len(text)))
        spans = [doc.char_span(a, b, alignment_mode="expand") for a, b in bounds if text[a:b].strip()]
        doc.spans[PASSAGES] = [s for s in spans if s is not None]
        doc.user_data[_LAYOUT] = (text, [(s.start_char, s.end_char) for s in doc.spans[PASSAGES]])
    return doc


@Language.factory("cluster_lessons_entity_rules")
def make_entity_rules(nlp: Language, name: str) -> PassageStage:
    """Dates split, spans trimmed, then the named rules of :data:`pipeline.entities.RULES`."""
    return PassageStage(clean_passage)


def _repaired(text: str, ents: list[Entity], ctx) -> list[Entity]:
    """:func:`repair_spans`; a place it made that is a programme's name ("Interreg North Sea Region", found
    by its shape as a region; "The Paper Province 2.0") goes, as the programme rule drops the model's.
    Not an organisation it made: "Fathom Fund" named by its last word is a firm."""
    given = set(ents)
    return [e for e in repair_spans(text, ents)
            if e in given or e.label not in ("GPE", "LOC") or programme(e, text, ctx) is not None]


@Language.factory("cluster_lessons_span_repair")
def make_span_repair(nlp: Language, name: str) -> PassageStage:
    """Names rejoined, continued and split; names known by their shape (:mod:`pipeline.entity_spans`)."""
    return PassageStage(_repaired)


@Language.factory("cluster_lessons_acronyms")
def make_acronyms(nlp: Language, name: str) -> PassageStage:
    """"Long Name (ACR)": long forms whole and bare acronyms as organisations."""
    return PassageStage(link_acronyms)


class AddPlaces:
    """Well-known places standing alone that the model did not tag, from the place ruler's matches."""

    def __call__(self, doc: Doc) -> Doc:
        text, parts = _layout(doc)
        matched = by_passage(doc.spans.get(PLACE_NAMES, []), parts, text,
                              lambda span, base, text: (span.start_char - base, span.end_char - base))
        by_start = {a: found for (a, _), found in zip(parts, matched)}

        def add(text, ents, ctx, base):
            added = missed_places(text, ents, by_start[base])
            # "Castilla" (the model's) y "León" (the ruler's): one known place
            return merge_places(text, ents + added) if added else ents

        return PassageStage(add, with_offset=True)(doc)


@Language.factory("cluster_lessons_places")
def make_places(nlp: Language, name: str) -> AddPlaces:
    return AddPlaces()


@Language.factory("cluster_lessons_dates")
def make_dates(nlp: Language, name: str) -> PassageStage:
    """Dates widened to the whole date the text writes."""
    return PassageStage(lambda text, ents, ctx: date_spans(text, ents))


class Consistency:
    """One label and one canonical name per name across the document (acronyms and variants pooled).

    The entities it set are kept for the caller that ran it (:meth:`settled`), who would otherwise read
    them back from ``doc.ents``; they are not left in ``doc.user_data``, which must stay serialisable.
    """

    def __init__(self):
        self._last: tuple | None = None

    def __call__(self, doc: Doc) -> Doc:
        text, parts = _layout(doc)
        per_passage, others = _entities_by_passage(doc, parts)
        settled = harmonise([text[a:b] for a, b in parts], per_passage, document_context(text), doc._.published)
        as_set = set_entities(doc, settled, final=True, others=others)
        self._last = (weakref.ref(doc), parts, as_set)
        _forget_stages(doc)
        return doc

    def settled(self, doc: Doc, parts: list[tuple[int, int]]) -> list[list[Entity]] | None:
        """The entities of each passage this component just set on ``doc``, if its passages are ``parts``."""
        if self._last is None or self._last[0]() is not doc or self._last[1] != parts:
            return None
        return self._last[2]


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
