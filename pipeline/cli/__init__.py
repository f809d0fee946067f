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
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(str, Enum):
    table = "table"
    jsonl = "jsonl"
    csv = "csv"
    md = "md"


class ReportFormat(str, Enum):
    table = "table"
    json = "json"


def _console(stderr: bool = True):
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            raise closed_pipe()

    return _Console(stderr=stderr, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def closed_pipe() -> typer.Exit:
    """`lessons review | head`: the reader has what it wanted. Rich would exit 1, which we reserve
    for failed files; silence stdout and stop with success instead."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return typer.Exit(EXIT_OK)


def _fail(exc: LessonsError) -> typer.Exit:
    from rich.markup import escape

    from ..records import printable

    _console().print(f"[red]error[/red] ({exc.kind}): {escape(printable(str(exc)))}", markup=True, soft_wrap=True)
    return typer.Exit(EXIT_FAILED)


class _PrintableFormatter(logging.Formatter):
    """Log lines quote file names; a name with escape sequences must not drive the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        from ..records import printable

        return "\n".join(printable(line) for line in super().format(record).split("\n"))


QUIET_LIBRARIES = ("pypdf", "trafilatura", "htmldate", "courlan", "justext")


def _print_version(value: bool) -> None:
    if value:
        print(__version__)
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details to stderr.")] = False,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="Print the version and exit.")] = False,
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler], force=True)
    # pypdf warns about every slightly malformed PDF ("EOF marker not found") and trafilatura about
    # every page it finds no article in ("discarding data: None"); our own error records say what
    # matters, with the file's name, so their chatter is shown only with --verbose.
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.CRITICAL)


# ---- run --------------------------------------------------------------------------------------


def main() -> None:
    app()


# Commands register themselves on `app` when imported, in the order `--help` lists them.
from . import run_cmd  # noqa: E402,F401
from . import themes_cmd  # noqa: E402,F401
from . import review_cmd  # noqa: E402,F401
from . import train_cmd  # noqa: E402,F401
from . import annotate_cmd  # noqa: E402,F401
from . import digest_cmd  # noqa: E402,F401
from . import report_cmd  # noqa: E402,F401
from . import export_cmd  # noqa: E402,F401
from . import import_cmd  # noqa: E402,F401
from . import pipeline_cmd  # noqa: E402,F401
