"""`lessons import-corrections`: the rows a person marked reviewed in an exported file, appended as corrections."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LessonsError
from . import EXIT_FAILED, EXIT_USAGE, _console, _fail, app


@app.command("import-corrections")
def import_corrections(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by `lessons export` and reviewed (.xlsx or .csv), or a REFI-QDA project a team coded (.qdpx).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Corrections JSONL to append to (OUT_DIR/corrections.jsonl makes the next run show them).")],
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Reviewer of rows marked x/yes/1; a name written in the reviewed cell wins.")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    model_user: Annotated[Optional[list[str]], typer.Option(
        "--model-user", help=".qdpx: a user that is the model (when a tool renewed its GUID); repeatable.")] = None,
) -> None:
    """Append a correction for every row whose 'reviewed' cell is filled; other rows are never read as labels.

    Every cell of a reviewed row is checked first; if any is wrong, all problems are listed and
    nothing is appended."""
    from rich.markup import escape

    from ..codebook import load_codebook
    from ..records import printable
    from ..sheets import SheetError, import_corrections as import_sheet

    if file.suffix.lower() == ".qdpx":  # a team's coding in NVivo, ATLAS.ti, MAXQDA or QualCoder
        from .qda_cmd import import_qdpx_cli

        import_qdpx_cli(file, out, reviewer or "unknown", codebook, tuple(model_user or ()))
        return
    # By suffix: the library function that reads that kind of file.
    importers = {".xlsx": import_sheet, ".csv": import_sheet}
    read = importers.get(file.suffix.lower())
    if read is None:
        _console().print(f"error (usage): {file}: give a {' or '.join(importers)} file written by `lessons export`",
                         markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        report = read(file, out, reviewer, load_codebook(codebook).ids)
    except SheetError as exc:
        console = _console()
        console.print(f"[red]error[/red] ({exc.kind}): {escape(printable(exc.summary))}:", markup=True, soft_wrap=True)
        for problem in exc.problems:
            console.print("  " + printable(problem), markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from None
    except LessonsError as exc:
        raise _fail(exc) from None
    split = (f" ({report.changed} changing the model's labels, {report.confirmed} confirming them)"
             if report.appended else "")
    already = f"; {report.already} already in the file" if report.already else ""
    hint = "; fill the 'reviewed' cell of the rows you decided on" if not report.reviewed else ""
    _console().print(f"{report.rows} rows read, {report.reviewed} marked reviewed; {report.appended} corrections "
                     f"appended to {out}{split}{already}{hint}", markup=False, soft_wrap=True)
