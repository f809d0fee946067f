"""Read labelled passages from the corpus files (and a user's own label files in the same form).

Output records of a run (passages.jsonl, ``lessons review --format jsonl``) are refused: their
themes are the model's guesses, and training on them teaches the model its own mistakes. A
person's decisions go to a corrections file (``corrections.py``) and reach training through
``lessons train --corrections``.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
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
CORRECTION = "correction"  # origin of a passage that only a reviewer's correction labelled


@dataclass(frozen=True, slots=True)
class LabelledPassage:
    text: str
    themes: frozenset[str]
    is_lesson: bool
    doc: str
    voice: str = "unknown"
    origin: str = "unknown"  # "real-grounded" for passages written from a real page, else who wrote it


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).lower()


def text_sha256(text: str) -> str:
    """Identity of a passage's text for labels and corrections: SHA-256 of its UTF-8 after NFC
    normalisation, whitespace runs collapsed to one space and lower-casing.

    So the feed copy of a story (other line breaks, a decomposed "ö") is the same text as the web
    page it came from, and a correction made on one applies to both."""
    return hashlib.sha256(_key(text).encode("utf-8")).hexdigest()


def _parse(obj: dict, where: str, known: set[str]) -> LabelledPassage:
    if "scores" in obj:
        raise LabelsError(f"{where}: this is a passage record of a run (passages.jsonl or a `lessons review` export), "
                          "not a label: its themes are the model's guesses. Record decisions in a corrections file "
                          "and pass it with --corrections")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LabelsError(f"{where}: needs a non-empty 'text'")
    themes = parse_themes(obj.get("themes", []), where, known)
    lesson = parse_flag(obj.get("is_lesson", False), where, "is_lesson")
    doc = obj.get("doc") or obj.get("doc_id") or where
    return LabelledPassage(text=text, themes=themes, is_lesson=lesson, doc=str(doc),
                           voice=str(obj.get("voice") or "unknown"), origin=str(obj.get("origin") or "unknown"))


def parse_themes(raw: object, where: str, known: set[str]) -> frozenset[str]:
    """A list of theme ids, checked against the codebook's."""
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise LabelsError(f"{where}: 'themes' must be a list of theme ids")
    unknown = set(raw) - known
    if unknown:
        raise LabelsError(f"{where}: unknown theme id(s) {sorted(unknown)}; the codebook has {sorted(known)}")
    return frozenset(raw)


def parse_flag(value: object, where: str, name: str) -> bool:
    if not isinstance(value, bool):
        raise LabelsError(f"{where}: '{name}' must be true or false")
    return value


def read_labels(paths: Iterable[str | Path], theme_ids: Iterable[str]) -> list[LabelledPassage]:
    """Read JSONL label files (or folders of them); a later file's label for the same text wins."""
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
    return sorted({text_sha256(it.text)[:12] for it in items})


def labels_fingerprint(items: list[LabelledPassage]) -> str:
    """Hash of the training data, recorded in the model card."""
    h = hashlib.sha256()
    for it in items:
        h.update(json.dumps([it.text, sorted(it.themes), it.is_lesson, it.doc], ensure_ascii=False).encode())
    return "sha256:" + h.hexdigest()[:16]
