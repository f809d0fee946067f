"""Small typed records that flow through the pipeline, and their one JSON form each.

Dicts appear only at the JSONL boundary: ``to_json`` is where the output contract lives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .names import escape_name

# C0/C1 controls and line separators, and the bidirectional controls: "report \u202ecod.md" shows in a
# terminal or spreadsheet as "report dm.doc" ("Trojan Source" names), so they are shown escaped too.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes of a file name that are not UTF-8


@dataclass(frozen=True, slots=True)
class Document:
    """A file read into plain text: passages are slices of ``text``."""

    doc_id: str
    path: str
    format: str
    text: str
    sha256: str
    title: str | None = None
    published: str | None = None
    url: str | None = None
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Passage:
    """One paragraph of a document; ``text == document.text[start:end]``."""

    doc_id: str
    index: int
    section: str | None
    text: str
    start: int
    end: int

    @property
    def passage_id(self) -> str:
        return f"{self.doc_id}#{self.index}"


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity with offsets into its passage's text."""

    text: str
    label: str
    start: int
    end: int
    norm: str | None = None
    iso: str | None = None

    def to_json(self) -> dict:
        return {"text": self.text, "label": self.label, "start": self.start, "end": self.end,
                "norm": self.norm or self.text, "iso": self.iso}


@dataclass(frozen=True, slots=True)
class ThemeScore:
    """A theme's calibrated score on a passage, the terms and the sentence that drove it."""

    id: str
    score: float
    evidence: tuple[str, ...] = ()
    sentence: str = ""

    def to_json(self) -> dict:
        return {"id": self.id, "score": round(self.score, 4), "evidence": list(self.evidence),
                "sentence": self.sentence}


@dataclass(frozen=True, slots=True)
class Classification:
    """Everything the classifier says about one passage."""

    scores: dict[str, float]
    themes: tuple[ThemeScore, ...]
    is_lesson: bool
    lesson_score: float
    lesson_sentence: str = ""


@dataclass(slots=True)
class PassageRecord:
    """A passage with its entities and themes: one line of ``passages.jsonl``."""

    passage: Passage
    entities: list[Entity] = field(default_factory=list)
    classification: Classification | None = None
    model_id: str | None = None

    def to_json(self) -> dict:
        p, c = self.passage, self.classification
        return {
            "doc_id": p.doc_id,
            "passage_id": p.passage_id,
            "index": p.index,
            "section": p.section,
            "text": p.text,
            "start": p.start,
            "end": p.end,
            "entities": [e.to_json() for e in self.entities],
            "themes": [t.to_json() for t in c.themes] if c else [],
            "scores": {k: round(v, 4) for k, v in c.scores.items()} if c else {},
            "is_lesson": c.is_lesson if c else False,
            "lesson_score": round(c.lesson_score, 4) if c else 0.0,
            "lesson_sentence": c.lesson_sentence if c else "",
            "model": self.model_id,
            "duplicate_of": None,  # set over the whole run, when its outputs are assembled
        }


def document_json(doc: Document, n_passages: int, status: str = "ok") -> dict:
    """One line of ``documents.jsonl``."""
    return {
        "doc_id": doc.doc_id,
        "path": escape_name(doc.path),
        "sha256": doc.sha256,
        "format": doc.format,
        "title": doc.title,
        "published": doc.published,
        "url": doc.url,
        "language": doc.language,
        "n_passages": n_passages,
        "n_chars": len(doc.text),
        "status": status,
        "duplicate_of": None,  # set over the whole run, when its outputs are assembled
        "text": doc.text,
    }


def printable(text: str, *, keep_lines: bool = False) -> str:
    """Control characters shown as escapes ("evil\\x1b[31m.txt"), so a file name cannot drive a terminal
    or reorder what it shows.

    ``keep_lines`` leaves newlines and tabs alone, for text whose layout matters (a CSV cell)."""
    def shown(m: re.Match) -> str:
        c = m.group(0)
        return c if keep_lines and c in "\n\t" else repr(c)[1:-1]

    return _CONTROL_CHARS.sub(shown, escape_name(text) if _UNDECODED.search(text) else text)


def error_json(path: str, kind: str, message: str) -> dict:
    """One line of ``errors.jsonl``: ``path`` as on disk (escaped only where JSON cannot hold it), ``message`` safe to print."""
    return {"path": escape_name(path), "error": kind, "message": printable(message)}
