"""Read a run's outputs back: filter passages, summarise them, export them for people and machines."""

from __future__ import annotations

import csv
import fnmatch
import heapq
import io
import json
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from pathlib import Path

from .duplicates import is_duplicate
from .errors import LessonsError, SetupError
from .outputs import DOCUMENTS, ERRORS, MANIFEST, PASSAGES
from .records import printable

PLACE_LABELS = {"GPE", "LOC"}
PERSON = "PERSON"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReviewFilter:
    """Which passages to show; every condition given must hold."""

    theme: str | None = None
    min_score: float | None = None
    lessons_only: bool = False
    entity: str | None = None
    doc_glob: str | None = None
    min_lesson_score: float | None = None

    def matches(self, rec: dict) -> bool:
        if self.lessons_only and not rec.get("is_lesson"):
            return False
        if self.min_lesson_score is not None and rec.get("lesson_score", 0.0) < self.min_lesson_score:
            return False
        if self.doc_glob and not fnmatch.fnmatchcase(rec.get("doc_id", ""), self.doc_glob):
            return False
        if self.theme:
            chosen = {t["id"]: t["score"] for t in rec.get("themes", [])}
            if self.min_score is None:
                if self.theme not in chosen:
                    return False
            elif rec.get("scores", {}).get(self.theme, 0.0) < self.min_score:
                return False
        elif self.min_score is not None and not any(t["score"] >= self.min_score for t in rec.get("themes", [])):
            return False
        if self.entity:
            needle = self.entity.casefold()
            if not any(needle in (e.get("norm") or e["text"]).casefold() or needle in e["text"].casefold()
                       for e in rec.get("entities", [])):
                return False
        return True


class SortKey(str, Enum):
    """How matching passages are ordered: file order, or a score, highest first."""

    doc = "doc"
    lesson_score = "lesson_score"
    score = "score"


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """A ``documents.jsonl`` line without its text: what a spreadsheet row, a citation or a report shows.

    ``duplicate_of`` names the document kept when this one repeats its story (absent in older runs)."""

    title: str | None = None
    published: str | None = None
    url: str | None = None
    path: str | None = None
    format: str | None = None
    duplicate_of: str | None = None


@dataclass
class ReviewSummary:
    """A run's counts, each story once: passages of duplicate documents are counted apart, not in the rest."""

    documents: int = 0
    errors: int = 0
    passages: int = 0
    matching: int = 0
    lessons: int = 0
    lessons_by_theme: Counter = field(default_factory=Counter)
    passages_by_theme: Counter = field(default_factory=Counter)
    organisations: Counter = field(default_factory=Counter)
    places: Counter = field(default_factory=Counter)
    people: Counter = field(default_factory=Counter)
    theme_ids: list[str] = field(default_factory=list)
    duplicates: int = 0  # documents repeating a story counted under another doc_id
    duplicate_passages: int = 0


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def _count_documents(path: Path) -> tuple[int, int]:
    """Documents that count, and duplicates of them, in ``documents.jsonl``."""
    if not path.exists():
        return 0, 0
    counts = Counter(is_duplicate(d) for d in _iter_jsonl(path))
    return counts[False], counts[True]


def passages_file(out_dir: str | Path) -> Path:
    """``passages.jsonl`` of a run, or a SetupError saying why the folder is not a run's output."""
    path = Path(out_dir) / PASSAGES
    if not Path(out_dir).exists():
        raise SetupError(f"output folder not found: {out_dir} (give the --out folder of `lessons run`)", kind="out_dir")
    if not path.is_file():
        raise SetupError(f"no {PASSAGES} in {out_dir}; is it the --out folder of `lessons run`?", kind="out_dir")
    return path


def iter_records(out_dir: str | Path) -> Iterator[dict]:
    """Passage records of a run, streamed; a damaged line is reported with its line number."""
    return _iter_jsonl(passages_file(out_dir))


def document_meta(out_dir: str | Path, doc_ids: Collection[str] | None = None) -> dict[str, DocumentMeta]:
    """What ``documents.jsonl`` says about the given documents (all of them when ``doc_ids`` is None), in file order.

    Each line carries the document's whole text, so lines are parsed one at a time and only
    the short fields are kept.
    """
    path = Path(out_dir) / DOCUMENTS
    if doc_ids is not None and not doc_ids or not path.is_file():
        return {}
    return {d["doc_id"]: DocumentMeta(d.get("title"), d.get("published"), d.get("url"), d.get("path"),
                                      d.get("format"), d.get("duplicate_of"))
            for d in _iter_jsonl(path) if doc_ids is None or d.get("doc_id") in doc_ids}


def _iter_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                raise SetupError(f"{path}:{n} is not valid JSON; was the file edited by hand?", kind="out_dir") from None


def read_manifest(out_dir: str | Path) -> dict:
    """The run's ``manifest.json``, or ``{}`` when it is missing or damaged (a report can do without it)."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def theme_order(out_dir: str | Path) -> list[str]:
    """Theme ids in codebook order, as recorded in the manifest."""
    themes = read_manifest(out_dir).get("themes")
    return list(themes) if isinstance(themes, dict) else []


def theme_names(out_dir: str | Path) -> dict[str, str]:
    """Theme id to the codebook's name for it, from the codebook the run used (ids alone when it is gone)."""
    from .codebook import load_codebook

    path = read_manifest(out_dir).get("codebook_path")
    try:
        return {t.id: t.name for t in load_codebook(path).themes} if isinstance(path, str) else {}
    except LessonsError:
        return {}


def review(out_dir: str | Path, flt: ReviewFilter, limit: int | None = None,
           sort: SortKey | None = None) -> tuple[ReviewSummary, list[dict]]:
    """Summarise all passages of a run and return the matching ones (up to ``limit``), in ``sort`` order.

    Passages of duplicate documents are neither counted nor returned: each story counts once.
    ``sort`` defaults to the theme's score when the filter names a theme, else to file order.
    Memory: with a ``limit`` only that many records are held, whatever the order (a heap keeps
    the best so far); without one, every matching record is returned, so they are all held
    (about 2 kB each).
    """
    out_dir = Path(out_dir)
    s = ReviewSummary(errors=_count_lines(out_dir / ERRORS), theme_ids=theme_order(out_dir))
    s.documents, s.duplicates = _count_documents(out_dir / DOCUMENTS)
    if sort is None:
        sort = SortKey.score if flt.theme else SortKey.doc
    return s, _pick(_summarised_matches(iter_records(out_dir), flt, s), _sort_key(sort, flt.theme), limit)


def _summarised_matches(records: Iterable[dict], flt: ReviewFilter, s: ReviewSummary) -> Iterator[dict]:
    """The records that pass ``flt``, counting every record into ``s`` on the way."""
    for rec in records:
        if is_duplicate(rec):
            s.duplicate_passages += 1
            continue
        s.passages += 1
        ids = [t["id"] for t in rec.get("themes", [])]
        s.passages_by_theme.update(ids)
        if rec.get("is_lesson"):
            s.lessons += 1
            s.lessons_by_theme.update(ids)
        for e in rec.get("entities", []):
            name = e.get("norm") or e["text"]
            if e["label"] == "ORG":
                s.organisations[name] += 1
            elif e["label"] in PLACE_LABELS:
                s.places[name] += 1
            elif e["label"] == PERSON:
                s.people[name] += 1
        if not s.theme_ids:
            s.theme_ids = list(rec.get("scores", {}))
        if flt.matches(rec):
            s.matching += 1
            yield rec


def _sort_key(sort: SortKey, theme: str | None) -> Callable[[dict], float] | None:
    if sort is SortKey.lesson_score:
        return lambda r: r.get("lesson_score", 0.0)
    if sort is SortKey.score and theme:
        return lambda r: r.get("scores", {}).get(theme, 0.0)
    if sort is SortKey.score:
        return lambda r: max(r.get("scores", {}).values(), default=0.0)
    return None


def _pick(matches: Iterator[dict], key: Callable[[dict], float] | None, limit: int | None) -> list[dict]:
    """The first ``limit`` matches by ``key`` descending (ties in file order), or in file order without a key."""
    if key is None:
        picked = list(islice(matches, limit))
    elif limit is None:
        picked = sorted(matches, key=key, reverse=True)
    else:
        picked = heapq.nlargest(limit, matches, key=key)
    deque(matches, maxlen=0)  # the summary counts every passage, also those after the last one picked
    return picked


def spreadsheet_safe(value: object) -> object:
    """Prefix a quote to cells a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_header(theme_ids: list[str]) -> list[str]:
    """The CSV's columns: new ones go before ``text``, so earlier columns keep their places."""
    return ["passage_id", "doc_id", "section", "is_lesson", "lesson_score", "themes",
            *[f"score_{t}" for t in theme_ids], "organisations", "places", "dates",
            "title", "published", "url", "text"]


def to_csv(records: list[dict], theme_ids: list[str], docs: Mapping[str, DocumentMeta] | None = None) -> str:
    """One row per passage, one score column per theme in codebook order, its document's metadata from ``docs``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(csv_header(theme_ids))
    docs = docs or {}
    for r in records:
        ents = r.get("entities", [])
        meta = docs.get(r["doc_id"], DocumentMeta())
        row = [r["passage_id"], r["doc_id"], r.get("section") or "", r.get("is_lesson"), r.get("lesson_score"),
               "; ".join(t["id"] for t in r.get("themes", [])),
               *[r.get("scores", {}).get(t, "") for t in theme_ids],
               _names(ents, {"ORG"}), _names(ents, PLACE_LABELS), _dates(ents),
               meta.title or "", meta.published or "", meta.url or "", r.get("text", "")]
        w.writerow([spreadsheet_safe(printable(c, keep_lines=True) if isinstance(c, str) else c) for c in row])
    return buf.getvalue()


def _names(entities: list[dict], labels: set[str]) -> str:
    return "; ".join(dict.fromkeys(e.get("norm") or e["text"] for e in entities if e["label"] in labels))


def _dates(entities: list[dict]) -> str:
    """Date texts with the ISO form they resolved to: "14 March 2024 (2024-03-14); this year (2024)"."""
    return "; ".join(dict.fromkeys(
        f"{e.get('norm') or e['text']} ({e['iso']})" if e.get("iso") else e.get("norm") or e["text"]
        for e in entities if e["label"] == "DATE"))
