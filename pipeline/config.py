"""Settings with defaults; a TOML file overrides only the keys it sets, command-line options override both.

``lessons run --config FILE`` reads it; without the option ``./lessons.toml`` is used when present::

    [run]
    spacy_model = "en_core_web_sm"     # or "auto"
    workers = 2
    model = "models/default"
    codebook = "corpus/codebook.toml"
    gazetteer = "corpus/gazetteer.toml"
    file_timeout = 120                  # seconds per file
    max_file_mb = 50
    max_pdf_pages = 500
    worker_memory_mb = 6144             # memory a worker may add while reading one file
    corrections = "review/corrections.jsonl"   # reviewers' decisions (OUT/corrections.jsonl is read anyway)
    duplicate_threshold = 0.5           # word-shingle Jaccard at which a document repeats another; 1: exact copies only, 0: off
    scheduler = "tcp://head-node:8786"  # run the files on a Dask cluster ("local:4": four local Dask workers)
    ship_files = false                  # true: send the files' bytes to workers that lack the shared disk

    [feeds]                             # field names tried, in order, for news-feed items
    text = ["body", "content"]
    date = ["published_at"]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import SetupError

DEFAULT_CONFIG = Path("lessons.toml")


@dataclass
class Settings:
    """Every knob of a run, with its default, in one place; ``run_batch`` takes one of these."""

    spacy_model: str = "auto"
    workers: int = 1
    model: str | Path | None = None  # model directory; None: models/default
    codebook: str | Path | None = None  # None: corpus/codebook.toml
    gazetteer: str | Path | None = None  # None: corpus/gazetteer.toml when present
    file_timeout: float = 120.0  # seconds to read and segment one file, enforced by the parent
    max_file_mb: float = 50.0
    max_pdf_pages: int = 500
    worker_memory_mb: int = 6144  # address space a worker may add to what it inherits; 0: no cap
    corrections: str | Path | None = None  # reviewers' decisions to show, besides OUT_DIR/corrections.jsonl
    # Measured on reposts with small edits (bench/duplicates.py): unrelated stories of one cluster
    # reach 0.37, a repost's closest version 0.68; 0.5 leaves room on both sides.
    duplicate_threshold: float = 0.5
    feeds: dict[str, list[str]] = field(default_factory=dict)  # extra field names tried first in news feeds
    scheduler: str | None = None  # a Dask scheduler's address, or "local:N"; None: this machine's worker pool
    ship_files: bool = False  # with a scheduler: send file (and model) bytes instead of paths the workers share
    source: str | None = None  # the TOML file these came from, if any

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def check(self) -> None:
        """Raise :class:`SetupError` for a value no run can use."""
        if self.workers < 1:
            raise SetupError("workers must be positive (1 or more)", kind="usage")
        if self.max_pdf_pages < 1 or self.file_timeout <= 0 or self.max_file_mb <= 0 or self.worker_memory_mb < 0:
            raise SetupError("max_pdf_pages, file_timeout and max_file_mb must be positive; "
                             "worker_memory_mb is 0 (no cap) or more", kind="config")
        if not 0 <= self.duplicate_threshold <= 1:
            raise SetupError("duplicate_threshold must be between 0 (no duplicate detection) and 1 (exact copies only)",
                             kind="config")
        if self.scheduler is not None and self.local_workers == 0:
            raise SetupError(f"scheduler {self.scheduler!r} is neither an address (tcp://host:8786) "
                             "nor local:N with N a positive whole number", kind="usage")
        if self.ship_files and self.scheduler is None:
            raise SetupError("ship_files needs a scheduler (--scheduler): a local run reads the files itself",
                             kind="usage")

    @property
    def local_workers(self) -> int | None:
        """N of a ``local:N`` scheduler (0 when N is not a positive number); None for an address or no scheduler."""
        if self.scheduler is None or not self.scheduler.startswith("local:"):
            return None
        n = self.scheduler.removeprefix("local:")
        return int(n) if n.isdigit() and int(n) > 0 else 0

    def to_json(self) -> dict:
        """The settings as the run manifest records them."""
        return {f.name: str(v) if isinstance(v := getattr(self, f.name), Path) else v for f in fields(self)}

    def override(self, **given) -> Settings:
        """A copy where every option given on the command line (not None) wins."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update({k: v for k, v in given.items() if v is not None})
        return Settings(**values)


def load_settings(path: str | Path | None = None) -> Settings:
    """Defaults, overridden by ``path`` (or ./lessons.toml when it exists)."""
    if path is None:
        if not DEFAULT_CONFIG.is_file():
            return Settings()
        path = DEFAULT_CONFIG
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SetupError(f"config file not found: {path}", kind="config") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SetupError(f"config file {path} is not valid TOML: {exc}", kind="config") from None
    unknown_sections = set(data) - {"run", "feeds"}
    if unknown_sections:
        raise SetupError(f"config file {path}: unknown section(s) {sorted(unknown_sections)}; known: [run], [feeds]",
                         kind="config")
    run = data.get("run", {})
    known = {f.name: f for f in fields(Settings)} .keys() - {"feeds", "source"}
    unknown = set(run) - known
    if unknown:
        raise SetupError(f"config file {path}: unknown [run] setting(s) {sorted(unknown)}; known: {sorted(known)}",
                         kind="config")
    feeds = data.get("feeds", {})
    if not isinstance(feeds, dict) or not all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                                              for v in feeds.values()):
        raise SetupError(f"config file {path}: [feeds] entries must be lists of field names", kind="config")
    try:
        settings = Settings(**run, feeds=feeds, source=str(path))
        settings.workers, settings.file_timeout, settings.max_file_mb = (
            int(settings.workers), float(settings.file_timeout), float(settings.max_file_mb))
        if not isinstance(settings.ship_files, bool) or not isinstance(settings.scheduler, (str, type(None))):
            raise ValueError("ship_files must be true or false and scheduler a string")
        for name in ("workers", "max_pdf_pages", "worker_memory_mb"):
            if isinstance(run.get(name), float) or isinstance(run.get(name), bool):
                raise ValueError(f"{name} must be a whole number, not {run[name]!r}")
        if isinstance(run.get("duplicate_threshold"), bool):
            raise ValueError(f"duplicate_threshold must be a number, not {run['duplicate_threshold']!r}")
        settings.duplicate_threshold = float(settings.duplicate_threshold)
        settings.max_pdf_pages, settings.worker_memory_mb = int(settings.max_pdf_pages), int(settings.worker_memory_mb)
        settings.check()
    except (TypeError, ValueError, SetupError) as exc:
        raise SetupError(f"config file {path}: {exc}", kind="config") from None
    return settings
