"""The entity refinement as spaCy components: what plain spaCy code sees, long documents, shared vocabulary."""

from __future__ import annotations

import pytest

from pipeline import annotate
from pipeline.annotate import document_entities, load_spacy
from pipeline.entity_pipes import COMPONENTS, PASSAGES

REPORT = [
    "The European Institute of Innovation & Technology (EIT) opened a hydrogen testbed in Rotterdam on "
    "Tuesday, 4 March 2025, with EUR 12 million from the Dutch government.",
    "EIT said the Port of Rotterdam Authority would host the first electrolyser, and that Hydrogen Valley "
    "Netherlands had signed up eleven firms.",
    "By next spring the EIT hopes to open a second site in Groningen.",
]


def test_the_refinement_runs_inside_spacy_and_doc_ents_is_the_result(nlp):
    """Plain spaCy code (nlp(text)) gets the refined entities in doc.ents, passages in doc.spans, the
    canonical name in ent._.norm and the ISO date in ent._.iso; labels spaCy has beyond ours stay."""
    assert nlp.pipe_names[nlp.pipe_names.index("ner") + 1:] == list(COMPONENTS)
    doc = nlp.make_doc("\n\n".join(REPORT))
    doc._.published = "2025-03-05"
    doc = nlp(doc)
    assert [s.text for s in doc.spans[PASSAGES]] == REPORT
    ents = {(e.text, e.label_): e for e in doc.ents}
    assert ents[("EIT", "ORG")]._.norm == "European Institute of Innovation & Technology"
    assert ("European Institute of Innovation & Technology", "ORG") in ents
    assert ents[("Tuesday, 4 March 2025", "DATE")]._.iso == "2025-03-04"
    assert ("Groningen", "GPE") in ents and ("Port of Rotterdam Authority", "ORG") in ents
    assert ("Dutch", "NORP") in ents  # labels beyond ours stay where no refined name overlaps them
    # The same entities as the library's own path, passage by passage.
    ours = next(document_entities(nlp, [(REPORT, "2025-03-05")]))
    starts = [s.start_char for s in doc.spans[PASSAGES]]
    plain = [(e.start_char, e.end_char, e.label_, e._.norm, e._.iso) for e in doc.ents
             if e.label_ in ("ORG", "GPE", "LOC", "DATE", "PERSON")]
    assert plain == [(e.start + base, e.end + base, e.label, e.norm, e.iso)
                     for base, ents in zip(starts, ours) for e in ents]


def test_canonical_names_and_iso_dates_survive_serialising_the_doc(nlp):
    """Span._.norm and Span._.iso live in doc.user_data, so Doc.to_bytes and a DocBin with user data keep
    them; a span that is not an entity has none, and a name set by hand is kept."""
    from spacy.tokens import Doc, DocBin

    doc = nlp.make_doc("\n\n".join(REPORT))
    doc._.published = "2025-03-05"
    doc = nlp(doc)
    seen = [(e.text, e.label_, e._.norm, e._.iso) for e in doc.ents]
    assert ("EIT", "ORG", "European Institute of Innovation & Technology", None) in seen
    assert ("Tuesday, 4 March 2025", "DATE", "Tuesday, 4 March 2025", "2025-03-04") in seen
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [(e.text, e.label_, e._.norm, e._.iso) for e in again.ents] == seen
    stored = DocBin(store_user_data=True)
    stored.add(doc)
    (loaded,) = DocBin().from_bytes(stored.to_bytes()).get_docs(nlp.vocab)
    assert [(e.text, e.label_, e._.norm, e._.iso) for e in loaded.ents] == seen
    first = doc.ents[0]
    assert doc[first.start:first.end + 1]._.norm is None  # same start, not the entity
    first._.norm = "EIT (hand-set)"
    assert doc.ents[0]._.norm == "EIT (hand-set)" and doc.ents[0]._.iso is None


def test_a_long_document_is_tagged_in_pieces_but_refined_as_one(nlp, monkeypatch):
    """Past CHUNK_CHARS a document is tagged in pieces of whole passages joined again with Doc.from_docs, so an
    acronym defined in the first passage still names the organisation in the last one, and every passage
    gets what it gets when the document is tagged whole."""
    filler = [f"Members of the cluster met {n} suppliers in Gdańsk to compare heat pump designs." for n in range(2, 40)]
    passages = [REPORT[0], *filler, "In June the EIT will report on the testbed to its partners in Warsaw."]
    whole = next(document_entities(nlp, [(passages, None)]))
    monkeypatch.setattr(annotate, "CHUNK_CHARS", 400)
    assert len(annotate._chunks(passages)) > 5
    pieces = next(document_entities(nlp, [(passages, None)]))
    assert pieces == whole
    assert ("EIT", "ORG", "European Institute of Innovation & Technology") in {(e.text, e.label, e.norm) for e in pieces[-1]}


def test_a_long_string_without_spaces_is_one_token_and_the_passages_around_it_keep_their_entities(nlp):
    """A broken file's separator line of 20,000 "=", or a dump of brackets: spaCy's tokenizer strips such a
    string's punctuation one character at a time, rescanning the rest each time (minutes for one
    passage, see bench/entities_hostile.py). From LONG_STRING characters on it is one token; the
    passages before and after get the entities they get alone, and a shorter run is still split as
    spaCy splits it."""
    before = "The European Institute of Innovation & Technology (EIT) opened a hub in Budapest in May 2024."
    after = "EIT Urban Mobility and Energy Cluster Denmark will test heat grids in Aalborg from March 2025."
    junk = ["=" * 20000, "(" * 6000 + "Agency" + ")" * 6000, "/".join(["Hamburg", "Airbus"] * 1500)]
    assert [len(nlp.make_doc(j)) for j in junk] == [1, 1, 1]
    assert len(nlp.make_doc(")" * (annotate.LONG_STRING - 1))) == annotate.LONG_STRING - 1
    alone = next(document_entities(nlp, [([before, after], None)]))
    with_junk = next(document_entities(nlp, [([before, *junk, after], None)]))
    assert with_junk[0] == alone[0] and with_junk[-1] == alone[1]
    assert ("Budapest", "GPE") in {(e.text, e.label) for e in alone[0]}
    assert with_junk[1:-1] == [[], [], []]


def test_chunks_are_joined_as_doc_from_docs_joins_them(nlp, monkeypatch):
    """join_chunks builds the joined Doc from token arrays; it must be what Doc.from_docs gives, attribute
    for attribute, on chunks of real-grounded passages fresh from the NER (with a gazetteer id among the
    entities), and chunks with a parse go through from_docs itself."""
    import json
    from pathlib import Path

    import spacy
    from spacy.attrs import intify_attr
    from spacy.tokens import Doc

    gold = Path(__file__).resolve().parent.parent / "corpus" / "entities_gold.jsonl"
    passages = [json.loads(line)["text"] for line in gold.read_text(encoding="utf-8").splitlines()[:60]]
    monkeypatch.setattr(annotate, "CHUNK_CHARS", 3000)
    chunks = list(nlp.pipe(annotate._chunks(passages), disable=list(COMPONENTS)))
    assert len(chunks) > 3
    attrs = sorted({a for a in map(intify_attr, Doc._get_array_attrs()) if a})
    expected = Doc.from_docs(chunks, ensure_whitespace=False)
    joined = annotate.join_chunks(chunks)
    assert joined.text == expected.text == "\n\n".join(passages)
    assert (joined.to_array(attrs) == expected.to_array(attrs)).all()
    assert [(e.start, e.end, e.label_) for e in joined.ents] == [(e.start, e.end, e.label_) for e in expected.ents]
    assert [s.start for s in joined.sents] == [s.start for s in expected.sents]

    blank = spacy.blank("en")
    parsed = blank("The cluster met in Gdańsk. "), blank("It met again in Lyon.")
    parsed[0][1].dep_ = "nsubj"
    assert annotate.join_chunks(list(parsed))[1].dep_ == "nsubj"


def test_a_long_document_gets_the_same_entities_from_token_arrays(tmp_path, monkeypatch):
    """A long document's entities are set from token arrays rather than span by span with char_span and
    set_ents: doc.ents (token annotation, gazetteer ids, canonical names, ISO dates) and the passages'
    entities are the same either way, on a report of real-grounded passages with acronyms, money and dates."""
    import json
    from pathlib import Path

    from spacy.attrs import ENT_ID, ENT_IOB, ENT_KB_ID, ENT_TYPE

    from pipeline import entity_pipes

    gaz = tmp_path / "g.toml"
    gaz.write_text('[[entity]]\nname = "European Commission"\nlabel = "ORG"\naliases = ["the Commission"]\n\n'
                   '[[entity]]\nname = "Brussels"\nlabel = "GPE"\n')
    nlp = load_spacy(gazetteer=gaz)
    gold = Path(__file__).resolve().parent.parent / "corpus" / "entities_gold.jsonl"
    passages = [json.loads(line)["text"] for line in gold.read_text(encoding="utf-8").splitlines()[:120]]
    text = "\n\n".join(passages)

    def tagged():
        doc = nlp.make_doc(text)
        doc._.published = "2024-05-01"
        doc = nlp(doc)
        return (doc.to_array([ENT_IOB, ENT_TYPE, ENT_ID, ENT_KB_ID]).tolist(),
                [(e.start, e.end, e.label_, e.ent_id_, e._.norm, e._.iso) for e in doc.ents],
                next(document_entities(nlp, [(passages, "2024-05-01")])))

    assert len(nlp.make_doc(text)) >= entity_pipes._MANY_TOKENS
    arrays = tagged()
    monkeypatch.setattr(entity_pipes, "_MANY_TOKENS", 10 ** 9)
    spans = tagged()
    assert arrays == spans
    assert len(arrays[1]) > 1000 and any(iso for *_, iso in arrays[1])
    assert any(ent_id == "European Commission" for _, _, _, ent_id, _, _ in arrays[1])  # a gazetteer id, kept by set_ents


def test_a_document_without_passages_and_an_empty_passage_give_empty_lists(nlp):
    out = list(document_entities(nlp, [([], None), (["", "Tartu hosts the cluster."], None)]))
    assert out[0] == [] and out[1][0] == [] and ("Tartu", "GPE") in {(e.text, e.label) for e in out[1][1]}


def test_no_place_exclusion_is_overridden_by_the_hand_lists():
    """A name in NOT_PLACES that a hand list also names would be dead: the hand list wins in is_place."""
    from pipeline.places import KNOWN_PLACES, NOT_PLACES, is_place

    assert not NOT_PLACES & KNOWN_PLACES
    assert not any(is_place(name) for name in NOT_PLACES)


@pytest.mark.parametrize("title", ["Mayor", "Chancellor", "Prime Minister"])
def test_one_list_of_offices_serves_every_title_rule(title):
    """An office in the vocabulary marks a person before a one-word name, names no body before "of", and
    keeps a possessive body whole: the three rules read one list (given the model's spans, so the test
    is about the rules, not about what the NER happens to tag)."""
    from pipeline.entities import clean_passage, document_context, harmonise
    from pipeline.entity_spans import repair_spans
    from pipeline.records import Entity

    def ent(text, name, label):
        start = text.index(name)
        return Entity(name, label, start, start + len(name))

    text = (f"{title} Okafor visited the cluster. The {title} of Lagos State is not a body, and "
            f"the {title}'s Office of Lagos State signed the charter.")
    ctx = document_context(text)
    given = [ent(text, "Okafor", "PERSON"), ent(text, f"{title} of Lagos State", "ORG"),
             ent(text, f"{title}'s Office of Lagos State", "ORG")]
    cleaned = repair_spans(text, clean_passage(text, given, ctx))
    settled = {(e.text, e.label) for e in harmonise([text], [cleaned], ctx, None)[0]}
    assert ("Okafor", "PERSON") in settled  # titled: not a one-word company
    assert not any(t.startswith(f"{title} of") for t, _ in settled)  # a job title names nothing
    assert (f"{title}'s Office of Lagos State", "ORG") in settled  # not split at the possessive
