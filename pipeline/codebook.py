"""Load the theme codebook (TOML) and fingerprint it so models can check they match."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import SetupError

DEFAULT_CODEBOOK = Path(__file__).resolve().parent.parent / "corpus" / "codebook.toml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    name: str
    description: str
    examples: tuple[str, ...] = ()
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Codebook:
    """The themes in their fixed order, plus what counts as a lesson."""

    themes: tuple[Theme, ...]
    lesson_description: str
    lesson_examples: tuple[str, ...]
    source: str

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def fingerprint(self) -> str:
        """Hash of the theme ids and definitions; names the codebook a model was built for."""
        body = json.dumps(
            [[t.id, t.name, t.description, list(t.examples)] for t in self.themes], ensure_ascii=False
        )
        return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(theme_id)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook; the default is ``corpus/codebook.toml``."""
    path = Path(path) if path else DEFAULT_CODEBOOK
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SetupError(f"codebook not found: {path}", kind="codebook", path=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SetupError(f"codebook {path} is not valid TOML: {exc}", kind="codebook", path=str(path)) from None
    raw = data.get("themes")
    if not isinstance(raw, list) or not raw:
        raise SetupError(f"codebook {path} has no [[themes]] entries", kind="codebook", path=str(path))
    themes, seen = [], set()
    for i, entry in enumerate(raw, 1):
        tid = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(tid, str) or not _ID.match(tid):
            raise SetupError(
                f"codebook {path}: theme {i} needs an id of lowercase letters, digits and _", kind="codebook"
            )
        if tid in seen:
            raise SetupError(f"codebook {path}: theme id {tid!r} appears twice", kind="codebook")
        seen.add(tid)
        threshold = entry.get("threshold")
        themes.append(
            Theme(
                id=tid,
                name=str(entry.get("name", tid)),
                description=" ".join(str(entry.get("description", "")).split()),
                examples=tuple(str(x) for x in entry.get("examples", [])),
                threshold=float(threshold) if threshold is not None else None,
            )
        )
    lesson = data.get("lesson", {}) if isinstance(data.get("lesson"), dict) else {}
    return Codebook(
        themes=tuple(themes),
        lesson_description=" ".join(str(lesson.get("description", "")).split()),
        lesson_examples=tuple(str(x) for x in lesson.get("examples", [])),
        source=str(path),
    )
