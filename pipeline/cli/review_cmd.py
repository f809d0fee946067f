"""`lessons review`: summarise a run and show matching passages."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..codebook import load_codebook
from ..digest import passages_markdown
from ..errors import LessonsError
from ..outputs import dumps
from ..records import printable
from ..review import ReviewFilter, SortKey, document_meta, review as review_run, theme_order, to_csv
from . import EXIT_USAGE, Format, _console, _fail, app, closed_pipe


def _complete_theme(ctx: typer.Context, incomplete: str) -> list[str]:
    """Theme ids for the shell: the run's own (from its manifest), else the default codebook's."""
    ids = theme_order(ctx.params.get("out_dir") or Path("outputs/latest"))
    if not ids:
        try:
            ids = load_codebook().ids
        except LessonsError:
            return []
    return [t for t in ids if t.startswith(incomplete)]


def check_theme(out_dir: Path, theme: str | None) -> None:
    """Stop with a usage error when ``theme`` is not one of the run's themes (when the run names them)."""
    if theme is not None:
        known = theme_order(out_dir)
        if known and theme not in known:
            _console().print(f"error (usage): unknown theme {theme!r}; themes: {', '.join(known)}", markup=False)
            raise typer.Exit(EXIT_USAGE)


@app.command()
def review(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="The --out folder of a run (default outputs/latest).")] = Path("outputs/latest"),
    theme: Annotated[Optional[str], typer.Option("--theme", "-t", autocompletion=_complete_theme,
                                                 help="Only passages tagged with this theme id.")] = None,
    min_score: Annotated[Optional[float], typer.Option("--min-score", min=0.0, max=1.0, help="Minimum score (of --theme, else of any theme).")] = None,
    min_lesson_score: Annotated[Optional[float], typer.Option("--min-lesson-score", min=0.0, max=1.0,
                                                              help="Only passages whose lesson_score is at least this.")] = None,
    sort: Annotated[Optional[SortKey], typer.Option(
        "--sort", help="doc: file order; lesson_score, or score (of --theme, else the best theme): highest first. "
                       "Default: score with --theme, else doc.")] = None,
    lessons_only: Annotated[bool, typer.Option("--lessons-only", help="Only passages that state a lesson.")] = False,
    entity: Annotated[Optional[str], typer.Option("--entity", "-e", help="Only passages naming this entity (case-insensitive, part of a name matches).")] = None,
    doc: Annotated[Optional[str], typer.Option("--doc", help="Only documents whose id matches this glob, e.g. 'news/*'.")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table for people; md, a Markdown digest of the passages to paste into a report; jsonl or csv for tools.")] = Format.table,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=0, help="At most N passages (table default 20).")] = None,
) -> None:
    """Summarise a run and show the passages that match the filters."""
    check_theme(out_dir, theme)
    if fmt is Format.table and limit is None:
        limit = 20
    try:
        summary, records = review_run(out_dir, ReviewFilter(theme, min_score, lessons_only, entity, doc, min_lesson_score),
                                      limit, sort)
        docs = document_meta(out_dir, {r["doc_id"] for r in records}) if fmt in (Format.csv, Format.md) else {}
    except LessonsError as exc:
        raise _fail(exc) from None
    try:
        if fmt is Format.jsonl:
            for r in records:
                sys.stdout.write(dumps(r) + "\n")
            sys.stdout.flush()
            _print_review_summary(_console(), summary, brief=True)
        elif fmt is Format.md:
            text = passages_markdown(records, docs)
            sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
            sys.stdout.flush()
            _print_review_summary(_console(), summary, brief=True)
        elif fmt is Format.csv:
            # A byte-order mark first: without it Excel reads UTF-8 as the local code page and
            # garbles "Malmö" or "Skåne"; csv readers that know UTF-8 ("utf-8-sig") skip it.
            sys.stdout.write("\ufeff" + to_csv(records, summary.theme_ids, docs))
            sys.stdout.flush()
            _print_review_summary(_console(), summary, brief=True)
        else:
            console = _console(stderr=False)
            _print_review_summary(console, summary, brief=False)
            _print_passages(console, records, summary.matching, theme)
            sys.stdout.flush()
    except BrokenPipeError:
        raise closed_pipe() from None


def _print_review_summary(console, s, *, brief: bool) -> None:
    duplicates = f" ({s.duplicates} duplicates left out)" if s.duplicates else ""
    console.print(f"{s.documents} documents{duplicates}, {s.errors} errors, {s.passages} passages, "
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
    for label, counter in (("organisations", s.organisations), ("places", s.places), ("people", s.people)):
        top = ", ".join(f"{printable(k)} ({v})" for k, v in counter.most_common(10))
        console.print(f"most frequent {label}: {top or '-'}", soft_wrap=True)
    console.print()


def _print_passages(console, records: list[dict], matching: int, theme: str | None) -> None:
    from rich.markup import escape

    width = min(console.width, 100)
    for r in records:
        tags = ", ".join(f"{t['id']} {t['score']:.2f}" for t in r.get("themes", [])) or "no theme"
        lesson = f" | LESSON {r.get('lesson_score', 0):.2f}" if r.get("is_lesson") else ""
        section = f" | {r['section']}" if r.get("section") else ""
        console.print(escape(printable(f"── {r['passage_id']}{section}")), style="bold", soft_wrap=True)
        console.print(escape(f"   [{tags}]{lesson}"), soft_wrap=True)
        console.print(escape(textwrap.fill(printable(r["text"]), width=width, initial_indent="   ",
                                           subsequent_indent="   ")), soft_wrap=True)
        ents = "; ".join(f"{printable(e['text'])} ({e['label']})" for e in r.get("entities", []))
        if ents:
            console.print(escape(textwrap.fill("entities: " + ents, width=width, initial_indent="   ",
                                               subsequent_indent="   ")), style="dim", soft_wrap=True)
        evidence = [f"{t['id']}: {', '.join(t['evidence'])}" for t in r.get("themes", []) if t.get("evidence")]
        if evidence:
            console.print(escape("   evidence: " + " | ".join(evidence)), style="dim", soft_wrap=True)
    if matching > len(records):
        console.print(f"… {matching - len(records)} more; use --limit or --format jsonl", style="dim")


# ---- train / evaluate -------------------------------------------------------------------------
