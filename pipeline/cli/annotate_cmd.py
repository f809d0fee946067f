"""`lessons annotate`: review a run's passages in the terminal, each decision appended to a corrections file."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LessonsError
from ..outputs import CORRECTIONS
from ..review_queue import Order, parse_order
from . import EXIT_FAILED, EXIT_USAGE, _console, _fail, app


@app.command()
def annotate(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="The --out folder of a run (default outputs/latest).")] = Path("outputs/latest"),
    order: Annotated[Order, typer.Option("--order", metavar="uncertain|doc|theme:ID", parser=parse_order,
                                       help="uncertain: scores nearest a threshold first, spread over documents and "
                                            "themes; doc: document order; theme:ID: nearest that theme's threshold first.")] = "uncertain",  # type: ignore[assignment]  # parsed by parse_order
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Review at most N passages.")] = None,
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Your name in the corrections file (default: your login name).")] = None,
    corrections: Annotated[Optional[Path], typer.Option("--corrections", help=f"Corrections file to append to (default OUT_DIR/{CORRECTIONS}, the one `lessons run` applies).")] = None,
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help="The model that wrote the outputs, for its thresholds "
                                                  "(default: as `lessons run`, ./lessons.toml's model, else models/default).")] = None,
) -> None:
    """Review passages one at a time: toggle themes (1..9, 0) and the lesson flag (l), accept (a, enter),
    skip (s), go back (b), undo (u), quit (q).

    Every decision is appended to the corrections file and forced to disk at once, so quitting or a
    crash loses nothing, and the next session skips the passages already decided."""
    from ..config import load_settings
    from ..modelstore import DEFAULT_MODEL_DIR
    from ..review_queue import open_session

    name = reviewer or _login_name()
    path = corrections or out_dir / CORRECTIONS
    try:
        model_dir = model or load_settings().model or DEFAULT_MODEL_DIR
        session = open_session(out_dir, order, model_dir, path, name, limit)
    except ValueError as exc:
        _console().print(f"error (usage): {exc}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    except LessonsError as exc:
        raise _fail(exc) from None
    console, queue = _console(), session.queue
    try:
        if not queue.items:
            console.print(f"all {queue.passages} passages in {out_dir} are decided in {path}; nothing to review",
                          markup=False, soft_wrap=True)
            return
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            console.print("error (usage): lessons annotate needs a terminal (stdin and stdout)", markup=False)
            raise typer.Exit(EXIT_USAGE)
        from ..review_app import ReviewApp

        review_app = ReviewApp(session)
        review_app.run()
    finally:
        queue.close()
    console.print(f"decided in this session: {session.decided} of {len(queue)} queued passages, written to {path}",
                  markup=False, soft_wrap=True)
    if review_app.return_code:
        raise typer.Exit(EXIT_FAILED)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        _console().print("error (usage): cannot tell your login name; give --reviewer NAME", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
