"""REFI-QDA exchange from the command line: a run as a ``.qdpx`` project, a team's coding back.

``export_qdpx_cli`` and ``import_qdpx_cli`` are what ``lessons export OUT_DIR --qdpx FILE`` and
``lessons import-corrections FILE.qdpx`` call.
"""

from __future__ import annotations

from pathlib import Path
from ..errors import LessonsError
from ..records import printable
from . import _console, _fail


def _codebook(path: Path | None):
    from ..codebook import load_codebook

    return load_codebook(path) if path else None


def export_qdpx_cli(out_dir: Path, file: Path, codebook: Path | None = None) -> None:
    """Write the run in ``out_dir`` as a REFI-QDA project and say what it holds."""
    from ..refiqda import export_project

    try:
        summary = export_project(out_dir, file, _codebook(codebook))
    except LessonsError as exc:
        raise _fail(exc) from None
    _console().print(f"wrote {printable(str(file))}: {summary.documents} documents, {summary.selections} passages "
                     f"as coded selections, {summary.codings} codings by {', '.join(summary.users) or 'nobody'}",
                     markup=False, highlight=False, soft_wrap=True)


def import_qdpx_cli(file: Path, out: Path, reviewer: str = "unknown", codebook: Path | None = None,
                    model_users: tuple[str, ...] = ()) -> None:
    """Append the people's coding in a ``.qdpx`` to a corrections file and report what did not fit."""
    from ..refiqda import import_qdpx_corrections

    try:
        report = import_qdpx_corrections(file, out, _codebook(codebook), reviewer=reviewer, model_users=model_users)
    except LessonsError as exc:
        raise _fail(exc) from None
    console = _console()
    say = lambda text: console.print(printable(text), markup=False, highlight=False, soft_wrap=True)  # noqa: E731
    by_reviewer: dict[str, int] = {}
    for c in report.written:
        by_reviewer[c.reviewer] = by_reviewer.get(c.reviewer, 0) + 1
    who = ", ".join(f"{name} {n}" for name, n in sorted(by_reviewer.items()))
    say(f"{len(report.written)} decisions appended to {out}" + (f" ({who})" if who else "")
        + (f"; {report.already} already there" if report.already else "")
        + f"; the model's user: {', '.join(report.model_users) or 'none found'}")
    for u in report.unmatched:
        say(f"not a passage: {u.user} coded {', '.join(u.codes)} on {u.source} [{u.start}:{u.end}]")
    for name, n in sorted(report.unknown_codes.items()):
        say(f"not in the codebook: code {name!r} ({n} codings) ignored")
