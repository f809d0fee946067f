"""The lessons digest: per theme, a run's lessons best first, each stated once with every document that states it.

Ranking: a passage's place in a theme is ``lesson_score × the theme's score``, so a passage that is
surely a lesson *and* surely about the theme comes first; a sure lesson that only touches the theme
sinks below a slightly less sure one that is about it.

Merging: the same lesson often reaches a run twice, reworded a little (a press release and the
report it summarises, two partners' newsletters). Passages whose word sets overlap by at least
``similarity`` (Jaccard, after Unicode normalisation and case folding) become one entry, worded as
its best-ranked passage, that cites every document. Word sets rather than an edit distance: word
order changes in a rewording, and comparing sets is cheap enough for thousands of lessons.

Duplicate documents (``duplicate_of`` set on the document or the passage) are skipped: a story
counts once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .duplicates import is_duplicate
from .review import DocumentMeta, document_meta, iter_records, read_manifest, theme_names, theme_order

DEFAULT_SIMILARITY = 0.6
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a lesson is stated: a passage and the document it belongs to."""

    passage_id: str
    doc_id: str
    section: str | None
    title: str | None
    published: str | None
    url: str | None
    path: str | None


@dataclass(slots=True)
class Lesson:
    """One lesson of a theme: the words of its best-ranked passage and every passage stating it."""

    text: str
    rank: float
    lesson_score: float
    citations: list[Citation]
    words: frozenset[str] = field(repr=False, default=frozenset())


@dataclass(frozen=True, slots=True)
class ThemeLessons:
    theme_id: str
    name: str
    lessons: list[Lesson]


@dataclass(frozen=True, slots=True)
class Digest:
    """The digest of a run; ``duplicates`` counts the documents left out because they repeat another."""

    themes: list[ThemeLessons]
    duplicates: int = 0
    min_score: float | None = None

    @property
    def passages(self) -> int:
        """Lesson passages in the digest, each once however many themes it is under."""
        return len({c.passage_id for t in self.themes for lesson in t.lessons for c in lesson.citations})


def words(text: str) -> frozenset[str]:
    """The set of words a lesson is compared by: case, accents' encodings and punctuation ignored."""
    return frozenset(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def merge_lessons(ranked: Iterable[tuple[float, dict, Citation]], similarity: float = DEFAULT_SIMILARITY) -> list[Lesson]:
    """Group ``(rank, passage record, citation)``, given best first, into lessons best first.

    A passage joins the first lesson whose wording (its best passage's) shares ``similarity`` of its words."""
    lessons: list[Lesson] = []
    for rank, rec, cite in ranked:
        ws = words(rec.get("text", ""))
        same = next((lesson for lesson in lessons if jaccard(lesson.words, ws) >= similarity), None)
        if same is None:
            lessons.append(Lesson(rec.get("text", ""), rank, rec.get("lesson_score", 0.0), [cite], ws))
        else:
            same.citations.append(cite)
    return lessons


def in_duplicate(rec: dict, docs: Mapping[str, DocumentMeta]) -> bool:
    """Whether a passage belongs to a document that repeats another one's story: marked on the
    passage (``duplicates.is_duplicate``) or only on its document's record."""
    meta = docs.get(rec.get("doc_id", ""))
    return is_duplicate(rec) or (meta is not None and meta.duplicate_of is not None)


def duplicate_documents(docs: Mapping[str, DocumentMeta]) -> int:
    """How many documents repeat a story kept under another doc_id (not counted anywhere else)."""
    return sum(1 for d in docs.values() if d.duplicate_of is not None)


def citation(rec: dict, docs: Mapping[str, DocumentMeta]) -> Citation:
    meta = docs.get(rec["doc_id"], DocumentMeta())
    return Citation(rec["passage_id"], rec["doc_id"], rec.get("section"), meta.title, meta.published, meta.url,
                    meta.path)


def build_digest(records: Iterable[dict], docs: Mapping[str, DocumentMeta], theme_ids: list[str],
                 names: Mapping[str, str] | None = None, *, min_score: float | None = None,
                 similarity: float = DEFAULT_SIMILARITY) -> Digest:
    """The digest of ``records`` (passage records) for ``theme_ids``, in that order.

    Args:
        min_score: leave out passages whose ``lesson_score`` is below it.
        similarity: the share of words two passages must have in common to be one lesson.
    """
    names = names or {}
    found: dict[str, list[tuple[float, dict, Citation]]] = {t: [] for t in theme_ids}
    for rec in records:
        if not rec.get("is_lesson") or in_duplicate(rec, docs):
            continue
        if min_score is not None and rec.get("lesson_score", 0.0) < min_score:
            continue
        cite = citation(rec, docs)
        for t in rec.get("themes", []):
            if t["id"] in found:
                found[t["id"]].append((rec.get("lesson_score", 0.0) * t["score"], rec, cite))
    themes = []
    for tid, ranked in found.items():
        ranked.sort(key=lambda item: item[0], reverse=True)  # stable: ties keep file order
        themes.append(ThemeLessons(tid, names.get(tid, tid), merge_lessons(ranked, similarity)))
    return Digest(themes, duplicate_documents(docs), min_score)


def digest_run(out_dir: str | Path, *, theme: str | None = None, min_score: float | None = None,
               similarity: float = DEFAULT_SIMILARITY) -> Digest:
    """The digest of a run's output folder, for every theme of its codebook or only ``theme``."""
    docs = document_meta(out_dir)
    theme_ids = [theme] if theme else run_theme_ids(out_dir)
    return build_digest(iter_records(out_dir), docs, theme_ids, theme_names(out_dir), min_score=min_score,
                        similarity=similarity)


def run_theme_ids(out_dir: str | Path) -> list[str]:
    """The run's theme ids in codebook order; from the first passage's scores when the manifest is gone."""
    return theme_order(out_dir) or list(next(iter_records(out_dir), {}).get("scores", {}))


def duplicates_note(n: int) -> str:
    """"2 duplicate documents are not counted": said wherever counts leave duplicates out."""
    return f"{n} duplicate document is not counted" if n == 1 else f"{n} duplicate documents are not counted"


# ---- Markdown ------------------------------------------------------------------------------------
# Characters that make Markdown of plain text: escaped wherever they occur, so a title such as
# "R&D *pilot* [draft]" reads the same in the digest. "&" only before an entity name, so "R&D" stays;
# "|" stays too, since a table needs a |---| row that no sentence is.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>~]|&(?=#?\w+;))")
_MD_LINE_START = re.compile(r"^([ \t]*(?:\d+)?)([#+=>.)-])", re.M)
_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.I)


def markdown_text(text: str, *, line_start: bool = False) -> str:
    """Document text as Markdown that shows exactly that text: no emphasis, links or HTML.

    ``line_start``: the text begins a line, where "#", "-", ">" or "1." would make a heading,
    a list or a quote, so those are escaped too."""
    text = _MD_INLINE.sub(r"\\\1", text)
    return _MD_LINE_START.sub(r"\1\\\2", text) if line_start else text


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) address that can be linked; ``javascript:`` and the like are not."""
    return url if url and _SAFE_URL.match(url) else None


def markdown_quote(text: str) -> str:
    """A block quote of ``text``, one quoted paragraph per line of it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n>\n".join("> " + markdown_text(line, line_start=True) for line in lines)


def markdown_citation(c: Citation) -> str:
    """"*Title*, section "…", 2024-03-19, <https://…>" (a path when there is no URL)."""
    parts = [f"*{markdown_text(c.title.strip())}*" if c.title and c.title.strip()
             else markdown_text(c.doc_id, line_start=True)]
    if c.section:
        parts.append(f"section “{markdown_text(c.section)}”")
    parts.append(markdown_text(c.published) if c.published else "no date")
    url = safe_url(c.url)
    parts.append(f"<{url}>" if url else markdown_text(c.url or c.path or c.doc_id))
    return ", ".join(parts)


def digest_markdown(digest: Digest, out_dir: str | Path | None = None) -> str:
    """The digest as Markdown: a heading per theme, each lesson a block quote followed by its citations."""
    out = ["# Lessons digest", ""]
    run = read_manifest(out_dir) if out_dir is not None else {}
    lede = f"{digest.passages} lesson passage{'' if digest.passages == 1 else 's'}"
    if run.get("docs_dir"):
        lede += f" of the run over {markdown_text(str(run['docs_dir']))}"
    if digest.min_score is not None:
        lede += f" with a lesson score of at least {digest.min_score:g}"
    lede += ", best first; a lesson stated in several passages is quoted once and cites each."
    if digest.duplicates:
        lede += f" {duplicates_note(digest.duplicates)}."
    out += [lede, ""]
    for t in digest.themes:
        out += [f"## {markdown_text(t.name)}", ""]
        if not t.lessons:
            out += ["No lesson passages.", ""]
        for lesson in t.lessons:
            out += [markdown_quote(lesson.text), ""]
            out += [f"- {markdown_citation(c)}" for c in lesson.citations] + [""]
    return "\n".join(out)


def passages_markdown(records: Iterable[dict], docs: Mapping[str, DocumentMeta]) -> str:
    """Passages (a review's matches) as Markdown: each quoted, with its themes, lesson score and citation."""
    out = []
    for rec in records:
        themes = ", ".join(f"{markdown_text(t['id'])} {t['score']:.2f}" for t in rec.get("themes", [])) or "no theme"
        lesson = f"; lesson {rec.get('lesson_score', 0.0):.2f}" if rec.get("is_lesson") else ""
        out += [markdown_quote(rec.get("text", "")), "", f"- {markdown_citation(citation(rec, docs))}",
                f"- {themes}{lesson}", ""]
    return "\n".join(out)
