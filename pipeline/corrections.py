"""The corrections file: one JSON line per passage a person reviewed, and what those decisions change.

Only a reviewer's decisions are ever written here, never the model's unreviewed guesses, so every
line is a label a person stands behind. Each decision is appended and fsynced on its own: Ctrl-C
or a crash loses nothing, and a later session reads the file to resume where the last one stopped.

Passages are matched by ``text_sha256`` (see :func:`pipeline.labels.text_sha256`), not by
``passage_id``: the same story in a feed and on a web page is one text, and ids shift when a
document is re-segmented. For one text the decision with the latest ``reviewed_at`` wins, within
and across files (ties: the later line, the later file). A different reviewer's earlier,
different decision on that text is reported as a conflict, never silently dropped.

Undo keeps the file append-only: a *withdrawal* (the undone decision again, with
``"withdrawn": true`` and the time of the undo) cancels that reviewer's latest earlier decision on
the text. The text then stands as it did before that decision: undecided, or decided as another
line says.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from .errors import LabelsError
from .labels import CORRECTION, LabelledPassage, parse_flag, parse_themes, text_sha256
from .outputs import CORRECTIONS, dumps, fsync_dir

log = logging.getLogger(__name__)

FIELDS = ("passage_id", "doc_id", "text_sha256", "text", "themes", "is_lesson", "before", "model", "reviewer",
          "reviewed_at")
LESSON = "is_lesson"  # the lesson flag's row in per-label counts, beside the theme ids


@dataclass(frozen=True, slots=True)
class ModelView:
    """What the model said about a passage when it was reviewed (a correction's ``before``)."""

    themes: tuple[str, ...]
    is_lesson: bool
    scores: Mapping[str, float] = field(default_factory=dict)
    lesson_score: float = 0.0

    def to_json(self) -> dict:
        return {"themes": list(self.themes), "is_lesson": self.is_lesson, "scores": dict(self.scores),
                "lesson_score": self.lesson_score}


@dataclass(frozen=True, slots=True)
class Correction:
    """A reviewer's decision on one passage: one line of ``corrections.jsonl``."""

    passage_id: str
    doc_id: str
    text_sha256: str
    text: str
    themes: tuple[str, ...]  # the reviewer's
    is_lesson: bool  # the reviewer's
    before: ModelView
    model: str | None
    reviewer: str
    reviewed_at: datetime  # timezone-aware
    withdrawn: bool = False  # this line undoes the reviewer's latest earlier decision on the text

    def labels(self) -> tuple[frozenset[str], bool]:
        return frozenset(self.themes), self.is_lesson

    def to_json(self) -> dict:
        line = {"passage_id": self.passage_id, "doc_id": self.doc_id, "text_sha256": self.text_sha256,
                "text": self.text, "themes": list(self.themes), "is_lesson": self.is_lesson,
                "before": self.before.to_json(), "model": self.model, "reviewer": self.reviewer,
                "reviewed_at": self.reviewed_at.isoformat()}
        return (line | {"withdrawn": True}) if self.withdrawn else line


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two reviewers decided differently on one text; ``kept`` is the later decision, the one that counts."""

    kept: Correction
    overruled: Correction


@dataclass(frozen=True)
class CorrectionSet:
    """The decisions that count (latest per text, in file order of their text's first line), the
    conflicts between reviewers, and how many lines were read."""

    corrections: list[Correction]
    conflicts: list[Conflict]
    lines: int

    def by_text(self) -> dict[str, Correction]:
        return {c.text_sha256: c for c in self.corrections}


def correction_for(record: Mapping, themes: Iterable[str], is_lesson: bool, reviewer: str,
                   reviewed_at: datetime | None = None) -> Correction:
    """A reviewer's decision on a record of ``passages.jsonl`` (what an annotator or an import writes)."""
    model_themes = record.get("model_themes", record["themes"])  # a record that shows an earlier review
    model_lesson = record.get("model_is_lesson", record["is_lesson"])
    return Correction(
        passage_id=record["passage_id"], doc_id=record["doc_id"], text_sha256=text_sha256(record["text"]),
        text=record["text"], themes=tuple(dict.fromkeys(themes)), is_lesson=is_lesson,
        before=ModelView(tuple(t["id"] for t in model_themes), model_lesson, dict(record.get("scores", {})),
                         record.get("lesson_score", 0.0)),
        model=record.get("model"), reviewer=reviewer, reviewed_at=reviewed_at or datetime.now(timezone.utc))


def withdrawal(decision: Correction, at: datetime | None = None) -> Correction:
    """The line that undoes ``decision`` (see the module docstring); never earlier than the decision."""
    return replace(decision, withdrawn=True, reviewed_at=max(at or datetime.now(timezone.utc), decision.reviewed_at))


def append_correction(path: str | Path, correction: Correction) -> None:
    """Append one decision and force it to disk before returning; creates the file.

    A line torn by a crash (no newline at the end, not valid JSON) was never a finished decision:
    it is cut off first, so the new line starts on a line of its own. A complete last line that
    only lacks its newline (a file edited by hand) is kept. The file is locked while appending, so
    two sessions writing to one file do not interleave."""
    path = Path(path)
    new = not path.exists()
    line = (dumps(correction.to_json()) + "\n").encode("utf-8")
    with path.open("a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            _mend_tail(fh)
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    if new:
        fsync_dir(path.parent)


def _mend_tail(fh) -> None:
    size = fh.seek(0, os.SEEK_END)
    if size == 0:
        return
    fh.seek(max(0, size - 1))
    if fh.read(1) == b"\n":
        return
    # Read back to the last newline: lines are a few kB, so this is short.
    start = size
    while start > 0:
        step = min(start, 1 << 16)
        fh.seek(start - step)
        at = fh.read(step).rfind(b"\n")
        if at >= 0:
            start = start - step + at + 1
            break
        start -= step
    fh.seek(start)
    tail = fh.read()
    try:
        json.loads(tail)
        fh.write(b"\n")
    except (json.JSONDecodeError, UnicodeDecodeError):
        fh.truncate(start)
        fh.seek(start)


def read_corrections(paths: Iterable[str | Path], theme_ids: Iterable[str] | None = None) -> CorrectionSet:
    """Read corrections files: the latest decision per text, and the conflicts between reviewers.

    ``theme_ids`` (the codebook's) checks every theme named. A file that is a run's output or a
    ``lessons review`` export is refused: those lines hold the model's guesses, not decisions.
    """
    known = set(theme_ids) if theme_ids is not None else None
    history: dict[str, list[tuple[datetime, int, Correction]]] = {}
    n = 0
    for path in map(Path, paths):
        for where, obj in _read_lines(path):
            c = parse_correction(obj, where, known)
            history.setdefault(c.text_sha256, []).append((c.reviewed_at, n, c))
            n += 1
    corrections, conflicts = [], []
    for decisions in history.values():
        decisions.sort(key=lambda d: d[:2])
        standing = _standing(c for _, _, c in decisions)
        if not standing:
            continue
        kept = standing[-1]
        corrections.append(kept)
        latest_by_reviewer = {c.reviewer: c for c in standing}
        conflicts += [Conflict(kept, c) for reviewer, c in latest_by_reviewer.items()
                      if reviewer != kept.reviewer and c.labels() != kept.labels()]
    return CorrectionSet(corrections, conflicts, n)


def _standing(decisions: Iterable[Correction]) -> list[Correction]:
    """The decisions on one text (in time order) that no later withdrawal by their reviewer undid."""
    standing: list[Correction] = []
    for c in decisions:
        if not c.withdrawn:
            standing.append(c)
            continue
        mine = [i for i, s in enumerate(standing) if s.reviewer == c.reviewer]
        if mine:
            del standing[mine[-1]]
    return standing


def _read_lines(path: Path) -> Iterable[tuple[str, dict]]:
    if path.is_dir():
        raise LabelsError(f"{path} is a folder; give a corrections file (corrections.jsonl)", kind="corrections")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LabelsError(f"corrections file not found: {path}", kind="corrections") from None
    except OSError as exc:
        raise LabelsError(f"cannot read {path}: {exc.strerror or exc}", kind="corrections") from None
    lines = data.split(b"\n")
    for i, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            if i == len(lines):  # no newline after it: a decision torn by a crash, never finished
                log.warning("%s:%d: ignoring an unfinished last line (written when a session was cut off)", path, i)
                continue
            raise LabelsError(f"{path}:{i}: not valid JSON", kind="corrections") from None
        if not isinstance(obj, dict):
            raise LabelsError(f"{path}:{i}: each line must be a JSON object", kind="corrections")
        yield f"{path}:{i}", obj


def parse_correction(obj: Mapping, where: str, known: set[str] | None = None) -> Correction:
    """One line of a corrections file, checked; :class:`LabelsError` names the file, line and field."""
    missing = [f for f in FIELDS if f not in obj]
    if missing and "scores" in obj:
        raise LabelsError(f"{where}: a passage record of a run (passages.jsonl or a `lessons review` export), not a "
                          "correction: it has no reviewer, reviewed_at or before. Its themes are the model's guesses; "
                          "only decisions a reviewer recorded count", kind="corrections")
    if missing:
        raise LabelsError(f"{where}: not a correction, missing {', '.join(missing)}", kind="corrections")
    text = obj["text"]
    if not isinstance(text, str) or not text.strip():
        raise LabelsError(f"{where}: needs a non-empty 'text'", kind="corrections")
    if obj["text_sha256"] != text_sha256(text):
        raise LabelsError(f"{where}: 'text_sha256' does not match 'text' (was the text edited?)", kind="corrections")
    for name in ("passage_id", "doc_id", "reviewer"):
        if not isinstance(obj[name], str) or not obj[name].strip():
            raise LabelsError(f"{where}: '{name}' must be a non-empty string", kind="corrections")
    try:
        reviewed_at = datetime.fromisoformat(obj["reviewed_at"])
    except (TypeError, ValueError):
        raise LabelsError(f"{where}: 'reviewed_at' must be an ISO 8601 time such as 2024-05-02T14:03:00+00:00",
                          kind="corrections") from None
    if reviewed_at.tzinfo is None:
        reviewed_at = reviewed_at.replace(tzinfo=timezone.utc)  # a time without an offset is taken as UTC
    before = obj["before"]
    if not isinstance(before, dict):
        raise LabelsError(f"{where}: 'before' must be an object", kind="corrections")
    everything = known if known is not None else set(obj["themes"] or []) | set(before.get("themes") or [])
    try:
        parse_themes(obj["themes"], where, everything)  # checks them; the reviewer's order is kept below
        model = ModelView(tuple(sorted(parse_themes(before.get("themes", []), f"{where} (before)", everything))),
                          parse_flag(before.get("is_lesson", False), f"{where} (before)", "is_lesson"),
                          {k: float(v) for k, v in (before.get("scores") or {}).items()},
                          float(before.get("lesson_score") or 0.0))
        lesson = parse_flag(obj["is_lesson"], where, "is_lesson")
        withdrawn = parse_flag(obj.get("withdrawn", False), where, "withdrawn")
    except (TypeError, ValueError, AttributeError):
        raise LabelsError(f"{where}: 'before' holds themes, is_lesson, scores and lesson_score", kind="corrections") from None
    except LabelsError as exc:
        raise LabelsError(str(exc), kind="corrections") from None
    return Correction(obj["passage_id"], obj["doc_id"], obj["text_sha256"], text,
                      tuple(dict.fromkeys(obj["themes"])), lesson, model,
                      obj["model"] if isinstance(obj["model"], str) else None, obj["reviewer"], reviewed_at,
                      withdrawn)


# ---- training -----------------------------------------------------------------------------------
@dataclass
class MergeReport:
    """What corrections did to the training labels, for ``lessons train`` to print and the card to keep."""

    read: int = 0
    corrections: int = 0
    new: int = 0
    overrides: int = 0
    confirmed: int = 0  # the reviewer agreed with the base label
    conflicts: list[Conflict] = field(default_factory=list)
    gained: dict[str, int] = field(default_factory=dict)  # label -> positives added
    lost: dict[str, int] = field(default_factory=dict)  # label -> positives removed

    def to_json(self) -> dict:
        return {"lines_read": self.read, "corrections": self.corrections, "new_passages": self.new,
                "overrides": self.overrides, "confirmed": self.confirmed, "conflicts": len(self.conflicts),
                "positives_gained": self.gained, "positives_lost": self.lost}


def merge_corrections(base: Sequence[LabelledPassage], found: CorrectionSet) -> tuple[list[LabelledPassage], MergeReport]:
    """The base labels with each corrected text relabelled as the reviewer decided, and new texts added.

    An overridden passage keeps its base ``doc`` (its source group in cross-validation) and
    ``origin``, so the rows thresholds are fitted on stay the same rows; a text only a correction
    labels gets ``origin="correction"`` and is never a threshold row (see ``train.py``).
    """
    if not found.corrections:
        raise LabelsError("no corrections in the corrections file(s); nothing to add", kind="corrections")
    report = MergeReport(read=found.lines, corrections=len(found.corrections), conflicts=found.conflicts)
    by_text = found.by_text()
    merged: list[LabelledPassage] = []
    used: set[str] = set()

    def count(old: frozenset[str], new: frozenset[str]) -> None:
        for label in new - old:
            report.gained[label] = report.gained.get(label, 0) + 1
        for label in old - new:
            report.lost[label] = report.lost.get(label, 0) + 1

    for item in base:
        c = by_text.get(text_sha256(item.text))
        if c is None:
            merged.append(item)
            continue
        used.add(c.text_sha256)
        themes, lesson = c.labels()
        if (themes, lesson) == (item.themes, item.is_lesson):
            report.confirmed += 1
        else:
            report.overrides += 1
            count(_with_lesson(item.themes, item.is_lesson), _with_lesson(themes, lesson))
        merged.append(LabelledPassage(text=item.text, themes=themes, is_lesson=lesson, doc=item.doc,
                                      voice=item.voice, origin=item.origin))
    for c in found.corrections:
        if c.text_sha256 not in used:
            report.new += 1
            themes, lesson = c.labels()
            count(frozenset(), _with_lesson(themes, lesson))
            merged.append(LabelledPassage(text=c.text, themes=themes, is_lesson=lesson, doc=c.doc_id,
                                          origin=CORRECTION))
    return merged, report


def _with_lesson(themes: frozenset[str], is_lesson: bool) -> frozenset[str]:
    return themes | {LESSON} if is_lesson else themes


# ---- runs ---------------------------------------------------------------------------------------
def run_corrections(out_dir: Path, extra: str | Path | None, theme_ids: Iterable[str]) -> tuple[list[Path], dict[str, Correction]]:
    """The corrections a run applies: ``OUT_DIR/corrections.jsonl`` when present, then ``extra``."""
    files = [out_dir / CORRECTIONS] if (out_dir / CORRECTIONS).is_file() else []
    if extra:
        files.append(Path(extra))
    files = list(dict.fromkeys(p.resolve() for p in files))
    return files, read_corrections(files, theme_ids).by_text() if files else {}


def apply_correction(record: dict, corrections: Mapping[str, Correction]) -> dict:
    """A passage record showing the reviewer's themes and lesson flag if a correction covers its text.

    ``scores`` and ``lesson_score`` stay the model's. The model's own ``themes`` and ``is_lesson``
    are kept in ``model_themes`` and ``model_is_lesson``, so applying again (a later run reusing
    this record, with the same or other corrections) starts from the model's view: the result
    never depends on what was applied before.
    """
    rec = dict(record)
    if "model_themes" in rec:
        rec["themes"], rec["is_lesson"] = rec.pop("model_themes"), rec.pop("model_is_lesson")
    rec.pop("reviewer", None)
    rec.pop("reviewed_at", None)
    c = corrections.get(text_sha256(rec["text"])) if corrections else None
    if c is None:
        rec["reviewed"] = False
        return rec
    scores = rec.get("scores", {})
    shown = {t["id"]: t for t in rec["themes"]}
    themes = [shown.get(t) or {"id": t, "score": scores.get(t, 0.0), "evidence": [], "sentence": ""}
              for t in sorted(c.themes, key=lambda t: -scores.get(t, 0.0))]
    return rec | {"themes": themes, "is_lesson": c.is_lesson, "model_themes": rec["themes"],
                  "model_is_lesson": rec["is_lesson"], "reviewed": True, "reviewer": c.reviewer,
                  "reviewed_at": c.reviewed_at.isoformat()}
