"""Read a run's outputs back: filter passages, summarise them, export them for people and machines."""

from __future__ import annotations

import csv
import fnmatch
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SetupError
from .outputs import DOCUMENTS, ERRORS, MANIFEST, PASSAGES
from .records import printable

PLACE_LABELS = {"GPE", "LOC"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReviewFilter:
    """Which passages to show; every condition given must hold."""

    theme: str | None = None
    min_score: float | None = None
    lessons_only: bool = False
    entity: str | None = None
    doc_glob: str | None = None

    def matches(self, rec: dict) -> bool:
        if self.lessons_only and not rec.get("is_lesson"):
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


@dataclass
class ReviewSummary:
    documents: int = 0
    errors: int = 0
    passages: int = 0
    matching: int = 0
    lessons: int = 0
    lessons_by_theme: Counter = field(default_factory=Counter)
    passages_by_theme: Counter = field(default_factory=Counter)
    organisations: Counter = field(default_factory=Counter)
    places: Counter = field(default_factory=Counter)
    theme_ids: list[str] = field(default_factory=list)


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def iter_records(out_dir: str | Path) -> Iterator[dict]:
    """Passage records of a run, streamed; a damaged line is reported with its line number."""
    path = Path(out_dir) / PASSAGES
    if not Path(out_dir).exists():
        raise SetupError(f"output folder not found: {out_dir} (give the --out folder of `lessons run`)", kind="out_dir")
    if not path.is_file():
        raise SetupError(f"no {PASSAGES} in {out_dir}; is it the --out folder of `lessons run`?", kind="out_dir")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                raise SetupError(f"{path}:{n} is not valid JSON; was the file edited by hand?", kind="out_dir") from None


def theme_order(out_dir: str | Path) -> list[str]:
    """Theme ids in codebook order, as recorded in the manifest."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
        return list(manifest.get("themes", {}))
    except (OSError, json.JSONDecodeError, AttributeError):
        return []


def review(out_dir: str | Path, flt: ReviewFilter, limit: int | None = None) -> tuple[ReviewSummary, list[dict]]:
    """Summarise all passages of a run and return the matching ones (up to ``limit``).

    With a theme filter the matches are ordered by that theme's score, otherwise in document order.
    """
    out_dir = Path(out_dir)
    s = ReviewSummary(documents=_count_lines(out_dir / DOCUMENTS), errors=_count_lines(out_dir / ERRORS),
                      theme_ids=theme_order(out_dir))
    matches: list[dict] = []
    for rec in iter_records(out_dir):
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
        if not s.theme_ids:
            s.theme_ids = list(rec.get("scores", {}))
        if flt.matches(rec):
            s.matching += 1
            matches.append(rec)
    if flt.theme:
        matches.sort(key=lambda r: -r.get("scores", {}).get(flt.theme, 0.0))
    return s, matches[:limit] if limit is not None else matches


def spreadsheet_safe(value: object) -> object:
    """Prefix a quote to cells a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(records: list[dict], theme_ids: list[str]) -> str:
    """One row per passage, one score column per theme in codebook order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["passage_id", "doc_id", "section", "is_lesson", "lesson_score", "themes",
                *[f"score_{t}" for t in theme_ids], "organisations", "places", "dates", "text"])
    for r in records:
        ents = r.get("entities", [])
        pick = lambda labels: "; ".join(dict.fromkeys(e.get("norm") or e["text"] for e in ents if e["label"] in labels))  # noqa: E731
        row = [r["passage_id"], r["doc_id"], r.get("section") or "", r.get("is_lesson"), r.get("lesson_score"),
               "; ".join(t["id"] for t in r.get("themes", [])),
               *[r.get("scores", {}).get(t, "") for t in theme_ids],
               pick({"ORG"}), pick(PLACE_LABELS), pick({"DATE"}), r.get("text", "")]
        w.writerow([spreadsheet_safe(printable(c, keep_lines=True) if isinstance(c, str) else c) for c in row])
    return buf.getvalue()
