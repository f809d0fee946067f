"""Review a run in a spreadsheet: export its passages to .xlsx or .csv, import the rows a person marked.

The sheet is for people: one row per passage, its labels as 0/1 cells to edit and an empty
``reviewed`` cell to fill in. Only rows whose ``reviewed`` cell is filled come back, as
corrections (``corrections.py``); an unmarked row never becomes a label, whatever its cells say,
so a sheet a person half went through teaches the model only what the person decided.

What a correction records about the model (its themes, lesson flag and scores at export, the
model id, the text's hash, the document) is kept where editing the sheet cannot change it: in
xlsx, on a very hidden, protected second sheet keyed by ``passage_id``, so sorting, filtering or
deleting rows of the visible sheet leaves it intact; a CSV has one table, so there it is the last
column, ``model_view``, JSON a person has no reason to touch. The visible score columns are for
reading only. Looking the model's view up in the output folder at import time was rejected: by
then the folder may hold a run of another model, or not be on the machine that imports.

Formulas: a text starting with ``=``, ``+``, ``-`` or ``@`` must never run. In xlsx every string
is written as a string cell, never a formula. In CSV the ``spreadsheet_safe`` convention of
``lessons review --format csv`` prefixes a quote, and a text that itself starts with a quote is
quoted too, so import takes exactly one leading quote off and every text comes back unchanged.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .corrections import Correction, ModelView, append_correction, read_corrections
from .errors import LabelsError, SetupError
from .labels import text_sha256
from .review import document_meta, iter_records, spreadsheet_safe, theme_order

FIXED = ("passage_id", "doc_id", "title", "section", "text", "reviewed", "is_lesson")
REQUIRED = ("passage_id", "text", "reviewed", "is_lesson")
LESSON_SCORE, EVIDENCE, MODEL_VIEW = "lesson_score", "evidence", "model_view"
SUFFIXES = (".xlsx", ".csv")
VIEW_SHEET = "model_view"  # the hidden sheet of an xlsx export
# A reviewed cell holding one of these is a plain mark; anything else that looks like a name is the reviewer.
MARKS = frozenset({"x", "✓", "✔", "yes", "y", "1", "true", "ok", "done", "reviewed"})
NOT_REVIEWED = frozenset({"0", "no", "n", "false"})
_NAME = re.compile(r"(?=.*[^\W\d_])[\w.'@-]+(?: [\w.'@-]+){0,3}")  # up to four words, a letter in them
_YES, _NO = frozenset({"1", "true", "yes", "x"}), frozenset({"0", "false", "no", ""})
_WIDTHS = {"passage_id": 26, "doc_id": 26, "title": 30, "section": 18, "text": 90, "reviewed": 10, "is_lesson": 9,
           EVIDENCE: 50}


def header(theme_ids: Sequence[str]) -> list[str]:
    """The visible columns, in order: themes in codebook order."""
    return [*FIXED, *theme_ids, LESSON_SCORE, *(f"score_{t}" for t in theme_ids), EVIDENCE]


# ---- export -------------------------------------------------------------------------------------
def export_sheet(out_dir: str | Path, path: str | Path, *, overwrite: bool = False) -> int:
    """Write every passage of a run to ``path`` (.xlsx or .csv by its suffix); returns the rows written.

    An existing file is kept unless ``overwrite``: it may hold a day of someone's review."""
    out_dir, path = Path(out_dir), Path(path)
    suffix = _suffix(path)
    if path.exists() and not overwrite:
        raise SetupError(f"{path} exists (it may hold someone's review); choose another name, or add --force to "
                         "replace it", kind="exists")
    theme_ids = theme_order(out_dir) or list(next(iter_records(out_dir), {}).get("scores", {}))
    docs = document_meta(out_dir, {r["doc_id"] for r in iter_records(out_dir)})
    rows = (_row(r, theme_ids, docs.get(r["doc_id"])) for r in iter_records(out_dir))
    tmp = path.with_name(f".{path.name}.partial")
    try:
        n = (_write_xlsx if suffix == ".xlsx" else _write_csv)(tmp, header(theme_ids), rows)
        os.replace(tmp, path)
    except OSError as exc:
        raise SetupError(f"cannot write {path}: {exc.strerror or exc}", kind="write") from None
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SetupError(f"{path}: a review sheet is .xlsx or .csv", kind="usage")
    return suffix


def _row(rec: dict, theme_ids: Sequence[str], doc) -> tuple[list, str]:
    """The visible cells of a passage and the JSON of what the model said about it."""
    shown = {t["id"] for t in rec.get("themes", [])}
    scores = rec.get("scores", {})
    evidence = [f"{t['id']}: {', '.join(t['evidence'])}" for t in rec.get("themes", []) if t.get("evidence")]
    if rec.get("lesson_sentence"):
        evidence.append(f"lesson: {rec['lesson_sentence']}")
    cells = [rec["passage_id"], rec["doc_id"], doc.title if doc else None, rec.get("section"), rec["text"], None,
             int(bool(rec.get("is_lesson"))), *(int(t in shown) for t in theme_ids), rec.get("lesson_score", 0.0),
             *(scores.get(t) for t in theme_ids), "; ".join(evidence)]
    # A record that shows an earlier review keeps the model's own labels beside it.
    before = ModelView(tuple(t["id"] for t in rec.get("model_themes", rec.get("themes", []))),
                       bool(rec.get("model_is_lesson", rec.get("is_lesson"))), dict(scores),
                       rec.get("lesson_score", 0.0))
    view = {"passage_id": rec["passage_id"], "doc_id": rec["doc_id"], "text_sha256": text_sha256(rec["text"]),
            "model": rec.get("model"),
            "before": before.to_json()}
    return cells, json.dumps(view, ensure_ascii=False)


def _write_xlsx(path: Path, columns: list[str], rows: Iterable[tuple[list, str]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    # Write-only: rows stream to disk, so a run of 100,000 passages does not sit in memory as cells.
    wb = Workbook(write_only=True)
    ws, hidden = wb.create_sheet("passages"), wb.create_sheet(VIEW_SHEET)
    top, wrapped = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
    first_flag, last_flag = columns.index("is_lesson") + 1, columns.index(LESSON_SCORE)
    for i, name in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(name, max(9, min(len(name) + 2, 16)))
    ws.freeze_panes = "A2"

    def cell(sheet, value, **style) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
        if isinstance(value, str):
            c.data_type = "s"  # a string, even one that starts with "=": never a formula
        for k, v in style.items():
            setattr(c, k, v)
        return c

    ws.append([cell(ws, name, font=Font(bold=True), alignment=wrapped) for name in columns])
    hidden.append(["passage_id", MODEL_VIEW])
    n = 0
    for cells, view in rows:
        ws.append([cell(ws, v, alignment=wrapped if name in ("text", "title", EVIDENCE) else top,
                        **({"number_format": "0.00"} if isinstance(v, float) else {}))
                   for name, v in zip(columns, cells)])
        hidden.append([cell(hidden, cells[0]), cell(hidden, view)])
        n += 1
    last_row = n + 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"
    # Excel and LibreOffice refuse anything but 0 or 1 in the label cells (import checks again).
    flags = DataValidation(type="list", formula1='"0,1"', allow_blank=True, showErrorMessage=True,
                           errorTitle="0 or 1", error="Type 1 (the label applies) or 0 (it does not).")
    flags.add(f"{get_column_letter(first_flag)}2:{get_column_letter(last_flag)}{max(last_row, 2)}")
    ws.data_validations.append(flags)
    hidden.sheet_state = "veryHidden"  # not offered by Excel's "Unhide"
    hidden.protection.sheet = True
    wb.save(path)
    return n


def _write_csv(path: Path, columns: list[str], rows: Iterable[tuple[list, str]]) -> int:
    n = 0
    # A byte-order mark first, as `lessons review --format csv` writes: Excel then reads UTF-8 as UTF-8.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*columns, MODEL_VIEW])
        for cells, view in rows:
            w.writerow([_csv_safe(v) for v in (*cells, view)])
            n += 1
    return n


def _csv_safe(value: object) -> object:
    """``spreadsheet_safe``, and a leading quote of the text itself quoted, so import can always drop one."""
    if value is None:
        return ""
    return "'" + value if isinstance(value, str) and value.startswith("'") else spreadsheet_safe(value)


# ---- import -------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    """What an import read and appended."""

    rows: int = 0  # passage rows in the sheet
    reviewed: int = 0  # rows marked reviewed
    appended: int = 0  # corrections written
    changed: int = 0  # appended decisions that differ from the model's labels
    confirmed: int = 0  # appended decisions that agree with them
    already: int = 0  # the same decision was in the corrections file already (a sheet imported twice)
    corrections: list[Correction] = field(default_factory=list)  # every reviewed row's decision


class SheetError(LabelsError):
    """A reviewed sheet that cannot be imported: every problem found, each naming its row and column."""

    kind = "sheet"

    def __init__(self, path: Path, problems: list[str]):
        self.summary = f"{path}: {len(problems)} problem(s), nothing imported"
        self.problems = problems
        super().__init__(self.summary + ":\n" + "\n".join(problems), path=str(path))


@dataclass(frozen=True, slots=True)
class _Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: Mapping[str, object]
    view: object  # the JSON of the model's view; None when an xlsx has none for this row's passage_id


@dataclass(frozen=True)
class _Sheet:
    columns: list[str]
    rows: list[_Row]
    saved: datetime  # when the sheet was last saved


def import_corrections(path: str | Path, out: str | Path, reviewer: str | None = None,
                       theme_ids: Sequence[str] | None = None) -> ImportReport:
    """Append a correction to ``out`` for every row of an exported sheet whose ``reviewed`` cell is filled.

    The ``reviewed`` cell holds a mark (x, yes, 1, TRUE, ✓) or the reviewer's name (up to four
    words: "ana", "Ben Okafor"); a name is that row's reviewer, and ``reviewer`` is the one for
    rows with a plain mark. Label cells take 1/0, TRUE/FALSE, yes/no, or x/empty. A text edited
    beyond spacing and case is an error: the decision would be on a text the model never saw.

    ``reviewed_at`` is when the sheet was last saved (an xlsx's own "modified" property, which
    survives copying and mailing; a CSV's file modification time), not the import time, so
    importing an old sheet again does not outrank decisions made since. That also makes a second
    import of the same sheet add nothing. ``theme_ids`` are the codebook's; without them the
    sheet's theme columns are taken as they are.

    All or nothing: every problem is collected and raised in one :class:`SheetError`, each naming
    its row and column, and then nothing is appended.
    """
    path, out = Path(path), Path(out)
    csv_file = _suffix(path) == ".csv"
    sheet = _read_csv(path) if csv_file else _read_xlsx(path)
    themes, problems = _theme_columns(sheet.columns, theme_ids, csv_file)
    if problems:
        raise SheetError(path, problems)
    report = ImportReport(rows=len(sheet.rows))
    decided: dict[str, tuple[int, tuple]] = {}  # text hash -> (row, labels): one sheet must not contradict itself
    for row in sheet.rows:
        mark = row.cells.get("reviewed")
        if _blank(mark):
            continue
        report.reviewed += 1
        where = f"row {row.number}"
        name, problem = _reviewer(mark, reviewer)
        if problem:
            problems.append(f'{where}, column "reviewed": {problem}')
        lesson = _flag(row.cells.get("is_lesson"), where, "is_lesson", problems)
        chosen = tuple(t for t in themes if _flag(row.cells.get(t), where, t, problems))
        view = _view(row, where, problems)
        if view is None:
            continue
        text = row.cells.get("text")
        if not isinstance(text, str) or text_sha256(text) != view["text_sha256"]:
            problems.append(f'{where}, column "text": the text was edited; a decision must be on the text the model '
                            "saw, so undo the edit (or clear the reviewed cell)")
            continue
        labels = (frozenset(chosen), lesson)
        earlier = decided.setdefault(view["text_sha256"], (row.number, labels))
        if earlier[1] != labels:
            problems.append(f"{where}: the same text as row {earlier[0]}, with other labels; decide once")
        if name and not problem:
            report.corrections.append(Correction(
                view["passage_id"], view["doc_id"], view["text_sha256"], text, chosen, lesson,
                view["before"], view["model"], name, sheet.saved))
    if problems:
        raise SheetError(path, problems)
    _append_new(out, report, theme_ids)
    return report


def _append_new(out: Path, report: ImportReport, theme_ids: Sequence[str] | None) -> None:
    known = read_corrections([out], theme_ids).by_text() if out.exists() else {}
    for c in report.corrections:
        last = known.get(c.text_sha256)
        if last and (last.reviewer, last.reviewed_at, last.labels()) == (c.reviewer, c.reviewed_at, c.labels()):
            report.already += 1
            continue
        try:
            append_correction(out, c)
        except OSError as exc:
            raise LabelsError(f"cannot write {out}: {exc.strerror or exc}", kind="corrections") from None
        report.appended += 1
        if c.labels() == (frozenset(c.before.themes), c.before.is_lesson):
            report.confirmed += 1
        else:
            report.changed += 1


def _theme_columns(columns: list[str], theme_ids: Sequence[str] | None, csv_file: bool) -> tuple[list[str], list[str]]:
    """The theme columns (those between ``is_lesson`` and the scores), and what is wrong with the header."""
    problems = [f'column "{c}" appears twice' for c in dict.fromkeys(c for c in columns if columns.count(c) > 1)]
    missing = [c for c in (*REQUIRED, *((MODEL_VIEW,) if csv_file else ())) if c not in columns]
    if missing:
        problems.append("missing column(s) " + ", ".join(f'"{c}"' for c in missing)
                        + "; keep the columns `lessons export` wrote")
        return [], problems
    themes = []
    for c in columns[columns.index("is_lesson") + 1:]:
        if c in (LESSON_SCORE, EVIDENCE, MODEL_VIEW) or c.startswith("score_"):
            break
        themes.append(c)
    if theme_ids is not None:
        known = ", ".join(theme_ids)
        problems += [f'column "{c}" sits among the theme columns but is not a theme of the codebook ({known})'
                     for c in themes if c not in theme_ids]
        problems += [f'no column for theme "{t}"' for t in theme_ids if t not in themes]
    return themes, problems


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _reviewer(mark: object, default: str | None) -> tuple[str | None, str | None]:
    """(reviewer, problem) for a filled ``reviewed`` cell."""
    text = str(mark).strip()
    number = isinstance(mark, (bool, int, float))
    if (mark == 0) if number else text.casefold() in NOT_REVIEWED:
        return None, f'"{text}" reads as "not reviewed"; leave the cell empty for rows you did not review'
    if (mark == 1) if number else text.casefold() in MARKS:
        if default:
            return default, None
        return None, f'"{text}" names no reviewer; pass --reviewer NAME, or write the reviewer\'s name in the cell'
    if not number and _NAME.fullmatch(text) and len(text) <= 40:
        return text, None
    return None, f'"{text}" is neither a mark (x, yes, 1) nor a reviewer\'s name; keep notes in a column of your own'


def _flag(value: object, where: str, column: str, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = "" if value is None else str(value).strip().casefold()
    if text in _YES or text in _NO:
        return text in _YES
    problems.append(f'{where}, column "{column}": "{value}" is not 0 or 1')
    return False


def _view(row: _Row, where: str, problems: list[str]) -> dict | None:
    """The model's view of the row's passage, as export stored it."""
    pid = row.cells.get("passage_id")
    if _blank(pid):
        problems.append(f'{where}, column "passage_id": empty')
        return None
    if row.view is None:
        problems.append(f'{where}, column "passage_id": "{pid}" is not a passage this sheet was exported with')
        return None
    try:
        v = json.loads(row.view)
        b = v["before"]
        if v["passage_id"] != pid:  # a CSV row keeps its view beside it, so an edited id shows here
            problems.append(f'{where}, column "passage_id": edited; it was "{v["passage_id"]}"')
            return None
        return {"passage_id": v["passage_id"], "doc_id": str(v["doc_id"]), "text_sha256": str(v["text_sha256"]),
                "model": v["model"] if isinstance(v["model"], str) else None,
                "before": ModelView(tuple(map(str, b["themes"])), bool(b["is_lesson"]),
                                    {str(k): float(s) for k, s in b["scores"].items()}, float(b["lesson_score"]))}
    except (TypeError, ValueError, KeyError, AttributeError):
        problems.append(f'{where}, column "{MODEL_VIEW}": damaged; it must stay as `lessons export` wrote it')
        return None


def _read_xlsx(path: Path) -> _Sheet:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        # data_only: a cell a person filled with a formula counts as the value it shows.
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise LabelsError(f"sheet not found: {path}", kind="sheet") from None
    except (OSError, BadZipFile, KeyError, ValueError) as exc:
        raise LabelsError(f"{path} is not a readable .xlsx file ({exc})", kind="sheet") from None
    try:
        if VIEW_SHEET not in wb.sheetnames:
            raise LabelsError(f"{path} has no hidden {VIEW_SHEET} sheet: not a sheet written by `lessons export` "
                              "(or its rows were copied into a new workbook)", kind="sheet")
        hidden = wb[VIEW_SHEET]
        main = wb["passages"] if "passages" in wb.sheetnames else next(wb[n] for n in wb.sheetnames if n != VIEW_SHEET)
        for ws in (hidden, main):
            ws.reset_dimensions()  # read every row, whatever size the program that saved it recorded
        views = {r[0]: r[1] for r in hidden.iter_rows(min_row=2, values_only=True) if len(r) > 1}
        values = main.iter_rows(values_only=True)
        columns = _names(next(values, ()))
        rows = [_Row(i, cells, views.get(cells.get("passage_id")))
                for i, cells in _numbered(columns, values) if not all(map(_blank, cells.values()))]
        saved = wb.properties.modified
    finally:
        wb.close()
    if saved is None:
        return _Sheet(columns, rows, _mtime(path))
    return _Sheet(columns, rows, saved if saved.tzinfo else saved.replace(tzinfo=timezone.utc))


def _read_csv(path: Path) -> _Sheet:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
            fh.seek(0)
            # Excel in many European locales saves with ";" between cells; the header tells which.
            delimiter = max(",;\t", key=first.count)
            values = ([_csv_value(v) for v in r] for r in csv.reader(fh, delimiter=delimiter))
            columns = _names(next(values, ()))
            rows = [_Row(i, cells, cells.get(MODEL_VIEW, ""))
                    for i, cells in _numbered(columns, values) if not all(map(_blank, cells.values()))]
    except FileNotFoundError:
        raise LabelsError(f"sheet not found: {path}", kind="sheet") from None
    except UnicodeDecodeError:
        raise LabelsError(f"{path} is not UTF-8; in Excel save it as \"CSV UTF-8\"", kind="sheet") from None
    except (OSError, csv.Error) as exc:
        raise LabelsError(f"cannot read {path}: {exc}", kind="sheet") from None
    return _Sheet(columns, rows, _mtime(path))


def _csv_value(value: str) -> str:
    return value[1:] if value.startswith("'") else value  # undo _csv_safe


def _names(cells: Iterable[object]) -> list[str]:
    return ["" if c is None else str(c).strip() for c in cells]


def _numbered(columns: list[str], values: Iterator[Sequence[object]]) -> Iterator[tuple[int, dict[str, object]]]:
    for i, cells in enumerate(values, 2):
        yield i, {name: value for name, value in zip(columns, cells) if name}


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
