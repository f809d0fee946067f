"""`lessons report`: a run as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import LessonsError
from . import _console, _fail, app


@app.command()
def report(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="The --out folder of a run (default outputs/latest).")] = Path("outputs/latest"),
    html: Annotated[Path, typer.Option("--html", help="The HTML file to write (replaced if it exists).")] = ...,
) -> None:
    """Write a run's report: summary, charts of themes by document and over time, names, digest, documents.

    The page loads nothing from anywhere (styles and charts are inline, there is no script), so it
    opens from disk, travels as one file and prints to PDF."""
    from ..report import write_report

    try:
        write_report(out_dir, html)
    except LessonsError as exc:
        raise _fail(exc) from None
    _console().print(f"wrote {html}", markup=False, soft_wrap=True)
