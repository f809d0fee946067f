"""`lessons export`: a run's passages as files other tools open, to review them there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LessonsError, SetupError
from . import EXIT_USAGE, _console, _fail, app


@app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="The --out folder of a run (default outputs/latest).")] = Path("outputs/latest"),
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", metavar="FILE", help="Excel workbook to review in: a row per passage, 0/1 label cells, an empty 'reviewed' column.")] = None,
    csv: Annotated[Optional[Path], typer.Option("--csv", metavar="FILE", help="The same sheet as CSV (UTF-8 with a byte-order mark).")] = None,
    qdpx: Annotated[Optional[Path], typer.Option("--qdpx", metavar="FILE", help="A REFI-QDA project for NVivo, ATLAS.ti, MAXQDA or QualCoder (.qdpx).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a file that exists (it may hold someone's review).")] = False,
) -> None:
    """Write a run's passages for review in other tools; `lessons import-corrections` reads the decisions back."""
    from ..sheets import export_sheet
    from .qda_cmd import export_qdpx_cli

    # One line per kind of file: its option, the suffix its file needs, the library function writing it.
    targets = [(flag, path, suffix, write) for flag, path, suffix, write in (
        ("--xlsx", xlsx, ".xlsx", export_sheet),
        ("--csv", csv, ".csv", export_sheet),
        ("--qdpx", qdpx, ".qdpx", None),
    ) if path is not None]
    console = _console()
    if not targets:
        console.print("error (usage): give a file to write, e.g. --xlsx review.xlsx", markup=False)
        raise typer.Exit(EXIT_USAGE)
    for flag, path, suffix, _ in targets:
        if path.suffix.lower() != suffix:
            console.print(f"error (usage): {flag} needs a file name ending in {suffix}", markup=False)
            raise typer.Exit(EXIT_USAGE)
    for flag, path, _, write in targets:
        if write is None:  # the project: a team may have coded in it, so it is kept as sheets are
            if path.exists() and not force:
                raise _fail(SetupError(f"{path} exists (a team may have coded in it); choose another name, or add "
                                       "--force to replace it", kind="exists"))
            export_qdpx_cli(out_dir, path)
            continue
        try:
            n = write(out_dir, path, overwrite=force)
        except LessonsError as exc:
            raise _fail(exc) from None
        console.print(f"{n} passages written to {path}", markup=False, soft_wrap=True)
