"""Read labelled passages: the corpus files and reviewed output records alike."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import LabelsError

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
DEFAULT_LABELS_DIR = CORPUS_DIR / "labels"
GROUNDED_TRAIN_DIR = CORPUS_DIR / "grounded" / "train"
GROUNDED_TEST = CORPUS_DIR / "grounded" / "test.jsonl"
# What `lessons train` reads when no --labels is given: the imagined passages and the training part
# of the real-grounded ones. The frozen test part (grounded/test.jsonl) is never trained on.
DEFAULT_LABELS = (DEFAULT_LABELS_DIR, GROUNDED_TRAIN_DIR)
REAL_GROUNDED = "real-grounded"


@dataclass(frozen=True, slots=True)
class LabelledPassage:
    text: str
    themes: frozenset[str]
    is_lesson: bool
    doc: str
    voice: str = "unknown"
    origin: str = "unknown"  # "real-grounded" for passages written from a real page, else who wrote it


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _parse(obj: dict, where: str, known: set[str]) -> LabelledPassage:
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LabelsError(f"{where}: needs a non-empty 'text'")
    raw = obj.get("themes", [])
    if not isinstance(raw, list):
        raise LabelsError(f"{where}: 'themes' must be a list")
    # Reviewed output records carry themes as {"id": ..., "score": ...}; corpus files as ids.
    themes = frozenset(t["id"] if isinstance(t, dict) else t for t in raw)
    unknown = themes - known
    if unknown:
        raise LabelsError(f"{where}: unknown theme id(s) {sorted(unknown)}; the codebook has {sorted(known)}")
    lesson = obj.get("is_lesson", False)
    if not isinstance(lesson, bool):
        raise LabelsError(f"{where}: 'is_lesson' must be true or false")
    doc = obj.get("doc") or obj.get("doc_id") or where
    return LabelledPassage(text=text, themes=themes, is_lesson=lesson, doc=str(doc),
                           voice=str(obj.get("voice") or "unknown"), origin=str(obj.get("origin") or "unknown"))


def read_labels(paths: Iterable[str | Path], theme_ids: Iterable[str]) -> list[LabelledPassage]:
    """Read JSONL label files (or folders of them); a later file's label for the same text wins.

    That is how corrections work: pass the corpus first and the reviewed records after it.
    """
    known = set(theme_ids)
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.glob("*.jsonl")))
        elif p.exists():
            files.append(p)
        else:
            raise LabelsError(f"labels file not found: {p}")
    by_text: dict[str, LabelledPassage] = {}
    for f in files:
        with f.open(encoding="utf-8") as handle:
            for n, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise LabelsError(f"{f}:{n}: not valid JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise LabelsError(f"{f}:{n}: each line must be a JSON object")
                item = _parse(obj, f"{f}:{n}", known)
                key = _key(item.text)
                by_text.pop(key, None)  # re-insert so order follows the latest source
                by_text[key] = item
    if not by_text:
        raise LabelsError("no labelled passages found in " + ", ".join(map(str, files or paths)))
    return list(by_text.values())


def text_keys(items: list[LabelledPassage]) -> list[str]:
    """Short hashes of the passages' texts (case and spacing ignored), kept in the model card so
    that ``lessons evaluate`` can tell when it is shown passages the model was trained on."""
    return sorted({hashlib.sha256(_key(it.text).encode()).hexdigest()[:12] for it in items})


def labels_fingerprint(items: list[LabelledPassage]) -> str:
    """Hash of the training data, recorded in the model card."""
    h = hashlib.sha256()
    for it in items:
        h.update(json.dumps([it.text, sorted(it.themes), it.is_lesson, it.doc], ensure_ascii=False).encode())
    return "sha256:" + h.hexdigest()[:16]
