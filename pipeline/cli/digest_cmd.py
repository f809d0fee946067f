"""`lessons digest`: the lessons of a run per theme, to paste into a report."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LessonsError
from . import _console, _fail, app, closed_pipe
from .review_cmd import _complete_theme, check_theme


class DigestFormat(str, Enum):
    md = "md"
    html = "html"


@app.command()
def digest(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="The --out folder of a run (default outputs/latest).")] = Path("outputs/latest"),
    theme: Annotated[Optional[str], typer.Option("--theme", "-t", autocompletion=_complete_theme,
                                                 help="Only this theme's lessons (default: every theme, in codebook order).")] = None,
    fmt: Annotated[DigestFormat, typer.Option("--format", "-f", help="md: Markdown that pastes into a word processor; html: a page to open or print.")] = DigestFormat.md,
    min_score: Annotated[Optional[float], typer.Option("--min-score", min=0.0, max=1.0, help="Only passages whose lesson_score is at least this.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the lessons of a run per theme, best first, each quoted once with every document that states it."""
    from ..digest import digest_markdown, digest_run
    from ..report import render_report, write_page

    check_theme(out_dir, theme)
    try:
        if fmt is DigestFormat.html:
            text = render_report(out_dir, out.parent if out else Path.cwd(), theme=theme, min_score=min_score,
                                 digest_only=True)
        else:
            text = digest_markdown(digest_run(out_dir, theme=theme, min_score=min_score), out_dir)
        if out is not None:
            write_page(out, text)
            _console().print(f"wrote {out}", markup=False, soft_wrap=True)
            return
    except LessonsError as exc:
        raise _fail(exc) from None
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise closed_pipe() from None
