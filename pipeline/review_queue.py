"""Which passages a reviewer sees and in what order, and a reviewer's walk through them.

``uncertain`` puts first the passages whose scores lie closest to a threshold (the model's
own cut-offs, read from its card): a decision there is the one the model was least sure of, so
it teaches the most. Taken strictly by closeness, the first fifty can all come from one long
report and one theme; so a passage counts as :data:`SPREAD_STEP` farther for every closer
passage of its document, and again for every closer passage whose nearest label is its own.
Passages a reviewer already decided (by ``text_sha256``, as corrections match) are left out, so a later
session starts where the last one stopped; a text met twice (a story in a feed and on its web
page) is queued once, since one decision covers both.

Nothing here draws on a screen: the Textual app (``review_app``) only shows a
:class:`ReviewSession` and turns keys into its methods.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .corrections import LESSON, Correction, append_correction, correction_for, read_corrections, withdrawal
from .errors import ModelError, SetupError
from .labels import text_sha256
from .modelstore import read_card
from .review import DocumentMeta, document_meta, passages_file

ORDERS = ("uncertain", "doc", "theme:ID")
# A passage's distance to the threshold grows by this much for every closer passage of its
# document (and of its nearest label). Small beside the spread of scores, so a passage far from
# every threshold is never pulled ahead; large beside the gaps between near-threshold passages of
# a big run (thousandths), so there the first decisions range over many documents and themes.
SPREAD_STEP = 0.02


@dataclass(frozen=True, slots=True)
class Order:
    """``uncertain``, ``doc`` or ``theme`` (with the theme id)."""

    kind: str
    theme: str | None = None


def parse_order(text: str) -> Order:
    """``uncertain``, ``doc`` or ``theme:ID``; a ValueError names the choices."""
    kind, _, theme = text.partition(":")
    if (kind in ("uncertain", "doc") and not _) or (kind == "theme" and theme):
        return Order(kind, theme or None)
    raise ValueError(f"unknown order {text!r}; choose {', '.join(ORDERS)}")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A model's cut-offs: a theme is chosen at or above its threshold, and so is the lesson flag."""

    model: str
    themes: Mapping[str, float]  # in codebook order
    lesson: float

    def of(self, label: str) -> float:
        return self.lesson if label == LESSON else self.themes[label]


def model_thresholds(model_dir: str | Path) -> Thresholds:
    """The thresholds on a model's card (no fitted parts are loaded)."""
    card = read_card(model_dir)
    return Thresholds(card["id"], dict(card["thresholds"]), float(card["lesson_threshold"]))


def closest_label(record: Mapping, thresholds: Thresholds, labels: Collection[str] | None = None) -> tuple[str, float]:
    """The label (a theme id or ``is_lesson``) whose score is nearest its threshold, and that distance."""
    scores = {**record.get("scores", {}), LESSON: record.get("lesson_score", 0.0)}
    wanted = [label for label in (labels or [*thresholds.themes, LESSON]) if label in scores]
    if not wanted:
        return LESSON, float("inf")
    return min(((label, abs(scores[label] - thresholds.of(label))) for label in wanted), key=lambda lm: lm[1])


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A queued passage: what ordering needs, and where its record starts in ``passages.jsonl``."""

    passage_id: str
    doc_id: str
    text_sha256: str
    label: str  # the label whose threshold its score is nearest
    margin: float  # that distance
    offset: int


def spread(items: Sequence[QueueItem], groups: Callable[[QueueItem], tuple]) -> list[QueueItem]:
    """``items`` (closest first) reordered by margin plus :data:`SPREAD_STEP` for each closer item of each of its groups."""
    seen: Counter = Counter()
    keyed = []
    for i, item in enumerate(items):
        keys = groups(item)
        keyed.append((item.margin + SPREAD_STEP * sum(seen[k] for k in keys), i))
        seen.update(keys)
    return [items[i] for _, i in sorted(keyed)]


def ordered(items: list[QueueItem], order: Order) -> list[QueueItem]:
    """Queue items (in file order) in the reviewing order."""
    if order.kind == "doc":
        return items
    closest = sorted(items, key=lambda it: it.margin)  # stable: ties stay in file order
    if order.kind == "theme":
        return spread(closest, lambda it: (("doc", it.doc_id),))
    return spread(closest, lambda it: (("doc", it.doc_id), ("label", it.label)))


class ReviewQueue:
    """The passages of a run to review, in order, read from ``passages.jsonl`` one at a time.

    The file stays open for the session: a ``lessons run`` into the same folder meanwhile renames a
    new file into place, and this handle goes on reading the one the queue was built from.
    """

    def __init__(self, out_dir: str | Path, order: Order, thresholds: Thresholds, decided: Collection[str] = (),
                 limit: int | None = None):
        self.out_dir = Path(out_dir)
        self.thresholds = thresholds
        if order.theme is not None and order.theme not in thresholds.themes:
            raise ValueError(f"unknown theme {order.theme!r}; themes: {', '.join(thresholds.themes)}")
        self._fh: BinaryIO = passages_file(out_dir).open("rb")
        try:
            found, self.passages, self.decided = self._scan(order, decided)
        except BaseException:
            self._fh.close()
            raise
        if not self.passages:
            self._fh.close()
            raise SetupError(f"no passages in {self.out_dir}; nothing to review (did every document fail or get "
                             "skipped? see errors.jsonl and documents.jsonl)", kind="out_dir")
        self.items = ordered(found, order)[:limit]

    def _scan(self, order: Order, decided: Collection[str]) -> tuple[list[QueueItem], int, int]:
        labels = [order.theme] if order.theme else None
        found: list[QueueItem] = []
        queued: set[str] = set()
        n = skipped = 0
        for offset, rec in self._records():
            n += 1
            if rec.get("model") not in (None, self.thresholds.model):
                raise ModelError(
                    f"the passages in {self.out_dir} were tagged by model {rec['model']}, but the thresholds given "
                    f"are model {self.thresholds.model}'s; give --model the model that wrote them, or re-run "
                    "`lessons run` with this one", kind="model_mismatch")
            key = text_sha256(rec["text"])
            if key in decided:
                skipped += 1
            elif key not in queued:
                queued.add(key)
                label, margin = closest_label(rec, self.thresholds, labels)
                found.append(QueueItem(rec["passage_id"], rec["doc_id"], key, label, margin, offset))
        return found, n, skipped

    def _records(self) -> Iterator[tuple[int, dict]]:
        offset = self._fh.seek(0)
        for n, line in enumerate(self._fh, 1):
            if line.strip():
                yield offset, self._parse(line, n)
            offset += len(line)

    def _parse(self, line: bytes, n: int | None = None) -> dict:
        try:
            return json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            where = f"{self._fh.name}:{n}" if n else self._fh.name
            raise SetupError(f"{where} is not valid JSON; was the file edited by hand?", kind="out_dir") from None

    def __len__(self) -> int:
        return len(self.items)

    def record(self, i: int) -> dict:
        """The whole passage record of the ``i``-th queued passage."""
        self._fh.seek(self.items[i].offset)
        return self._parse(self._fh.readline())

    def close(self) -> None:
        self._fh.close()


def open_session(out_dir: str | Path, order: Order, model_dir: str | Path, corrections: str | Path, reviewer: str,
                 limit: int | None = None) -> ReviewSession:
    """A review of a run's undecided passages; ``model_dir`` is the model that wrote them (for its thresholds).

    Raises ValueError for a theme the model does not know, LessonsError for what cannot be read."""
    thresholds = model_thresholds(model_dir)
    corrections = Path(corrections)
    decided = read_corrections([corrections], list(thresholds.themes)).by_text() if corrections.is_file() else {}
    queue = ReviewQueue(out_dir, order, thresholds, decided, limit)
    try:
        documents = document_meta(out_dir, {it.doc_id for it in queue.items})
    except BaseException:
        queue.close()
        raise
    return ReviewSession(queue, corrections, reviewer, documents)


class ReviewSession:
    """A reviewer's walk through a queue: the labels being edited, each decision appended as it is made.

    Leaving a passage without accepting it (skip, back) writes nothing and drops the edits.
    Undo appends a withdrawal of this session's last decision (see ``pipeline.corrections``) and
    returns to that passage; undone again and again, it walks the session's decisions backwards.
    """

    def __init__(self, queue: ReviewQueue, corrections: str | Path, reviewer: str,
                 documents: Mapping[str, DocumentMeta] | None = None):
        self.queue, self.path, self.reviewer = queue, Path(corrections), reviewer
        self.documents = documents or {}
        self.theme_ids = list(queue.thresholds.themes)
        self.pos = 0
        self.history: list[tuple[int, Correction]] = []  # (queue position, decision), oldest first
        self._record: tuple[int, dict] | None = None
        self._edit: tuple[tuple[str, ...], bool] | None = None

    @property
    def done(self) -> bool:
        return self.pos >= len(self.queue)

    @property
    def record(self) -> dict:
        if self._record is None or self._record[0] != self.pos:
            self._record = (self.pos, self.queue.record(self.pos))
        return self._record[1]

    def decision(self, pos: int | None = None) -> Correction | None:
        """This session's standing decision on a queued passage, if any."""
        pos = self.pos if pos is None else pos
        return next((c for i, c in reversed(self.history) if i == pos), None)

    @property
    def decided(self) -> int:
        """Passages this session decided (a passage decided twice counts once)."""
        return len({i for i, _ in self.history})

    def labels(self) -> tuple[tuple[str, ...], bool]:
        """The themes (codebook order) and lesson flag shown for the current passage."""
        if self._edit is not None:
            return self._edit
        c = self.decision()
        if c is not None:
            return c.themes, c.is_lesson
        rec = self.record
        return self._in_order(t["id"] for t in rec.get("themes", [])), bool(rec.get("is_lesson"))

    def toggle_theme(self, theme_id: str) -> None:
        themes, lesson = self.labels()
        self._edit = self._in_order(set(themes) ^ {theme_id}), lesson

    def toggle_lesson(self) -> None:
        themes, lesson = self.labels()
        self._edit = themes, not lesson

    def accept(self) -> Correction:
        """Write the labels shown as this reviewer's decision (unchanged model labels are a decision too)."""
        themes, lesson = self.labels()
        c = correction_for(self.record, themes, lesson, self.reviewer)
        append_correction(self.path, c)
        self.history.append((self.pos, c))
        self._move(self.pos + 1)
        return c

    def skip(self) -> None:
        self._move(self.pos + 1)

    def back(self) -> None:
        self._move(self.pos - 1)

    def undo(self) -> Correction | None:
        """Withdraw this session's last decision and show its passage again; None when there is none."""
        if not self.history:
            return None
        pos, c = self.history[-1]
        append_correction(self.path, withdrawal(c))
        self.history.pop()
        self._move(pos)
        return c

    def _move(self, pos: int) -> None:
        self.pos = min(max(pos, 0), len(self.queue))
        self._edit = None

    def _in_order(self, themes) -> tuple[str, ...]:
        chosen = set(themes)
        return tuple(t for t in self.theme_ids if t in chosen)
