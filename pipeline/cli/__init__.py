"""The ``lessons`` command: parse arguments, call the library, print. Nothing else lives here.

Exit codes: 0 everything processed; 1 some files failed (see errors.jsonl); 2 bad usage;
3 the command could not run (missing folder, model, spaCy pipeline, codebook, locked output).
"""

from __future__ import annotations

import logging
import os
import sys
from enum import Enum
from typing import Annotated

import typer

from .. import __version__
from ..errors import LessonsError

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

    from ..review import safe_text

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


def main() -> None:
    app()


# Commands register themselves on `app` when imported, in the order `--help` lists them.
from . import run_cmd  # noqa: E402,F401
from . import themes_cmd  # noqa: E402,F401
from . import review_cmd  # noqa: E402,F401
from . import train_cmd  # noqa: E402,F401
