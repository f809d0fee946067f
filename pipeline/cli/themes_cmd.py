"""`lessons themes`: print the codebook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LessonsError
from . import _console, _fail, app


@app.command()
def themes(
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the codebook as JSON.")] = False,
    qdc: Annotated[Optional[Path], typer.Option("--qdc", metavar="FILE", help=(
        "Write the codebook as a REFI-QDA codebook (.qdc: themes and is_lesson as codes) instead of printing it."))] = None,
) -> None:
    """Print the codebook: theme ids, names, what belongs, example phrases."""
    from ..codebook import load_codebook

    try:
        cb = load_codebook(codebook)
    except LessonsError as exc:
        raise _fail(exc) from None
    if qdc:
        from ..refiqda import write_codebook

        from ..records import printable

        try:
            write_codebook(cb, qdc)
        except LessonsError as exc:
            raise _fail(exc) from None
        _console().print(f"wrote {printable(str(qdc))}: {len(cb.themes)} themes and the lesson flag as codes",
                         markup=False, highlight=False)
        return
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
