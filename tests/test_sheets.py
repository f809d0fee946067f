"""The spreadsheet round trip: export a run, a person edits the sheet, only the rows marked reviewed come back."""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from datetime import timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from pipeline.cli import EXIT_FAILED, EXIT_USAGE, app
from pipeline.config import Settings
from pipeline.corrections import merge_corrections, read_corrections
from pipeline.errors import LabelsError, SetupError
from pipeline.labels import text_sha256
from pipeline.run import run_batch
from pipeline.sheets import MODEL_VIEW, VIEW_SHEET, export_sheet, header, import_corrections

from .conftest import write_files

runner = CliRunner()

WIND = "news/basque-wind.md"
ANNUAL = "reports/annual-2022.md"
DOCS = {
    WIND: "# Basque and Navarre centres share an offshore wind test rig\n\n"
          "The Basque energy cluster and two Navarre research centres agreed in Bilbao to test offshore wind "
          "components together, sharing one salt-spray test rig instead of each building its own.\n\n"
          "+18 per cent: that is how much the members' orders for floating-platform parts grew in the first year "
          "of the shared rig, according to the cluster's own survey of 46 firms.\n\n"
          "\"Our advice to other clusters is to pool expensive test equipment early, before each member has sunk "
          "money into a rig of its own,\" said the cluster's technology director.\n\n"
          "=> Next step: the partners will open the rig to firms from Cantabria and Asturias in 2025, priced per "
          "test day rather than by annual subscription.\n\n"
          "Firms that tested on the shared rig reached certification about five months sooner than those that "
          "waited for a slot abroad, and the smaller ones gained most.\n",
    ANNUAL: "# Annual report 2022\n\n## Funding\n\n"
            "Membership fees now cover 40 per cent of the cluster's budget, and paid testing services bring in "
            "another quarter, so the organisation relies far less on regional grants than it did in 2019.\n\n"
            "When the regional ministry cut its grant in 2021, the cluster kept its staff by selling test-bed time "
            "to firms outside the region, which we recommend to any cluster that depends on one funder.\n\n"
            "-12 per cent in public funding since 2019 has not reduced the number of joint projects, which rose "
            "from 14 to 19 over the same period.\n\n"
            "## Governance\n\n"
            "The cluster's board now includes two representatives of small firms elected by the members, after "
            "complaints that large manufacturers set the agenda.\n\n"
            "@ClusterNews readers asked how the board is chosen: members vote every two years, one vote per member "
            "firm regardless of size.\n\n"
            "Looking back, the board would have saved two years had it asked members which services they would pay "
            "for before designing any of them.\n",
}
PASSAGES = 11  # in the run of DOCS
# What the reviewers decided, row by row: (reviewed cell, themes, is_lesson). Rows not listed stay unmarked.
DECISIONS = {
    f"{WIND}#1": ("ana", ["experimentation", "partnerships"], False),  # a name: ana is the reviewer
    f"{WIND}#2": ("x", ["experimentation", "partnerships"], True),  # a plain mark: --reviewer's name
    f"{WIND}#3": ("yes", ["impact_multiplication", "financial_sustainability"], False),  # "=> Next step ..."
    f"{WIND}#4": ("x", ["experimentation"], False),  # a finding, not a lesson
    f"{ANNUAL}#0": ("ana", ["financial_sustainability"], False),  # ana agrees with the model here
    f"{ANNUAL}#1": ("x", ["financial_sustainability", "resilience"], True),
    f"{ANNUAL}#2": ("x", ["financial_sustainability", "resilience"], False),  # "-12 per cent ..."
}
# Cells a person changed on rows they did not mark reviewed (half-way through, or by mistake).
UNMARKED_EDITS = {f"{WIND}#0": {"resilience": 1, "is_lesson": 1}, f"{ANNUAL}#3": {"shared_governance": 0}}


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def run_out(tmp_path_factory, model_dir) -> Path:
    docs = write_files(tmp_path_factory.mktemp("docs"), DOCS)
    out = tmp_path_factory.mktemp("out") / "o"
    assert run_batch(docs, out, Settings(model=model_dir)).ok
    return out


@pytest.fixture(scope="module")
def records(run_out) -> dict[str, dict]:
    return {r["passage_id"]: r for r in lines(run_out / "passages.jsonl")}


def edit_xlsx(path: Path, edits: dict[str, dict[str, object]]) -> None:
    """Open the workbook, change cells of the rows with these passage ids, save: what a person does in Excel."""
    wb = load_workbook(path)
    ws = wb["passages"]
    cols = {c.value: c.column for c in ws[1]}
    for row in ws.iter_rows(min_row=2):
        for column, value in edits.get(row[0].value, {}).items():
            ws.cell(row=row[0].row, column=cols[column], value=value)
    wb.save(path)


def edit_csv(path: Path, edits: dict[str, dict[str, object]]) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for column, value in edits.get(row["passage_id"], {}).items():
            row[column] = value
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def person_edits(theme_ids: list[str]) -> dict[str, dict[str, object]]:
    """The decisions as cell edits: every theme cell of a reviewed row set to what the reviewer chose."""
    edits = {pid: {"reviewed": mark, "is_lesson": int(lesson), **{t: int(t in themes) for t in theme_ids}}
             for pid, (mark, themes, lesson) in DECISIONS.items()}
    return edits | UNMARKED_EDITS


@pytest.fixture(scope="module")
def reviewed_xlsx(tmp_path_factory, run_out, codebook):
    """An exported sheet a person went through, imported: (sheet, corrections file, import report)."""
    folder = tmp_path_factory.mktemp("sheet")
    sheet, corrections = folder / "review.xlsx", folder / "corrections.jsonl"
    assert export_sheet(run_out, sheet) == PASSAGES
    edit_xlsx(sheet, person_edits(codebook.ids))
    return sheet, corrections, import_corrections(sheet, corrections, reviewer="ben", theme_ids=codebook.ids)


# ---- export -------------------------------------------------------------------------------------
def test_the_xlsx_has_one_row_per_passage_with_its_labels_scores_and_a_frozen_wrapped_header(run_out, records,
                                                                                            codebook, tmp_path):
    path = tmp_path / "review.xlsx"
    export_sheet(run_out, path)
    wb = load_workbook(path)
    ws = wb["passages"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == header(codebook.ids)
    assert list(rows[0][:7]) == ["passage_id", "doc_id", "title", "section", "text", "reviewed", "is_lesson"]
    assert rows[0][-1] == "evidence" and rows[0][7 + len(codebook.ids)] == "lesson_score"
    assert [r[0] for r in rows[1:]] == list(records)
    col = {name: i for i, name in enumerate(rows[0])}
    for row in rows[1:]:
        rec = records[row[0]]
        shown = {t["id"] for t in rec["themes"]}
        assert row[col["reviewed"]] is None and row[col["is_lesson"]] == int(rec["is_lesson"])
        assert {t for t in codebook.ids if row[col[t]] == 1} == shown
        assert all(row[col[t]] in (0, 1) for t in codebook.ids)
        assert row[col["lesson_score"]] == rec["lesson_score"]
        assert row[col["score_resilience"]] == rec["scores"]["resilience"]
        assert row[col["text"]] == rec["text"]
    assert rows[1][col["title"]] == "Basque and Navarre centres share an offshore wind test rig"
    assert rows[6][col["section"]] == "Funding"
    assert ws.freeze_panes == "A2"
    text = ws.cell(row=2, column=col["text"] + 1)
    assert text.alignment.wrap_text and ws.column_dimensions["E"].width >= 80
    assert wb[VIEW_SHEET].sheet_state == "veryHidden" and wb[VIEW_SHEET].protection.sheet


def test_formula_looking_texts_are_strings_in_the_xlsx_and_quoted_in_the_csv(run_out, records, tmp_path):
    starts = {pid: r["text"] for pid, r in records.items() if r["text"][0] in "=+-@"}
    assert sorted(t[0] for t in starts.values()) == ["+", "-", "=", "@"]
    xlsx, sheet_csv = tmp_path / "review.xlsx", tmp_path / "review.csv"
    export_sheet(run_out, xlsx)
    export_sheet(run_out, sheet_csv)
    ws = load_workbook(xlsx)["passages"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in starts:
            assert row[4].data_type == "s" and row[4].value == starts[row[0].value]
    with zipfile.ZipFile(xlsx) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()  # no formula anywhere in the sheet
    with sheet_csv.open(encoding="utf-8-sig", newline="") as fh:
        texts = {r["passage_id"]: r["text"] for r in csv.DictReader(fh)}
    for pid, text in starts.items():
        assert texts[pid] == "'" + text


def test_an_existing_sheet_is_not_overwritten_unless_asked(run_out, tmp_path):
    path = tmp_path / "review.xlsx"
    path.write_bytes(b"a day of someone's review")
    with pytest.raises(SetupError, match="exists"):
        export_sheet(run_out, path)
    assert path.read_bytes() == b"a day of someone's review"
    assert export_sheet(run_out, path, overwrite=True) == PASSAGES
    with pytest.raises(SetupError, match=r"\.xlsx or \.csv"):
        export_sheet(run_out, tmp_path / "review.ods")


# ---- the round trip -----------------------------------------------------------------------------
def test_only_rows_marked_reviewed_become_corrections_with_the_models_labels_as_before(reviewed_xlsx, records,
                                                                                       codebook):
    sheet, corrections, report = reviewed_xlsx
    found = lines(corrections)
    assert [c["passage_id"] for c in found] == list(DECISIONS)
    assert (report.rows, report.reviewed, report.appended, report.already) == (PASSAGES, 7, 7, 0)
    saved = load_workbook(sheet).properties.modified.replace(tzinfo=timezone.utc)
    for c in found:
        mark, themes, lesson = DECISIONS[c["passage_id"]]
        rec = records[c["passage_id"]]
        assert sorted(c["themes"]) == sorted(themes) and c["is_lesson"] is lesson
        assert c["reviewer"] == ("ana" if mark == "ana" else "ben")
        assert c["text"] == rec["text"] and c["text_sha256"] == text_sha256(rec["text"])
        assert c["doc_id"] == rec["doc_id"]
        assert c["before"] == {"themes": [t["id"] for t in rec["themes"]], "is_lesson": rec["is_lesson"],
                               "scores": rec["scores"], "lesson_score": rec["lesson_score"]}
        assert c["model"] == rec["model"] and c["reviewed_at"] == saved.isoformat()
    changed = sum((set(t), lesson) != ({x["id"] for x in records[pid]["themes"]}, records[pid]["is_lesson"])
                  for pid, (_, t, lesson) in DECISIONS.items())
    assert (report.changed, report.confirmed) == (changed, 7 - changed)
    assert changed >= 5  # the reviewers mostly corrected the model
    # The corrections file is one the trainer and `lessons run` read.
    assert len(read_corrections([corrections], codebook.ids).corrections) == 7


def test_a_model_trained_with_the_corrections_predicts_the_corrected_labels(reviewed_xlsx, records, small_labels,
                                                                            codebook):
    from pipeline.train import train_model

    _, corrections, _ = reviewed_xlsx
    # What `lessons train --corrections` does, on the session's small training set.
    items, merged = merge_corrections(small_labels, read_corrections([corrections], codebook.ids))
    assert merged.new == 7
    model = train_model(items, codebook, seed=0, params={"features": "tfidf"}).model
    texts = [records[pid]["text"] for pid in DECISIONS]
    for pid, got in zip(DECISIONS, model.classify(texts)):
        _, themes, lesson = DECISIONS[pid]
        assert ({t.id for t in got.themes}, got.is_lesson) == (set(themes), lesson), pid


def test_importing_the_same_sheet_again_adds_nothing(reviewed_xlsx, codebook, tmp_path):
    sheet, corrections, _ = reviewed_xlsx
    copy = tmp_path / "corrections.jsonl"
    copy.write_bytes(corrections.read_bytes())
    again = import_corrections(sheet, copy, reviewer="ben", theme_ids=codebook.ids)
    assert (again.reviewed, again.appended, again.already) == (7, 0, 7)
    assert copy.read_bytes() == corrections.read_bytes()


def test_an_unedited_export_never_becomes_labels(run_out, codebook, tmp_path):
    for name in ("review.xlsx", "review.csv"):
        sheet = tmp_path / name
        export_sheet(run_out, sheet)
        report = import_corrections(sheet, tmp_path / "corrections.jsonl", reviewer="ben", theme_ids=codebook.ids)
        assert (report.rows, report.reviewed, report.appended) == (PASSAGES, 0, 0)
    assert not (tmp_path / "corrections.jsonl").exists()
    # Cells changed, but no row marked: still nothing.
    edit_xlsx(tmp_path / "review.xlsx", UNMARKED_EDITS)
    report = import_corrections(tmp_path / "review.xlsx", tmp_path / "corrections.jsonl", "ben", codebook.ids)
    assert (report.reviewed, report.appended) == (0, 0)
    assert not (tmp_path / "corrections.jsonl").exists()


def test_the_csv_round_trip_brings_formula_looking_texts_back_exactly(run_out, records, codebook, tmp_path):
    sheet, corrections = tmp_path / "review.csv", tmp_path / "corrections.jsonl"
    export_sheet(run_out, sheet)
    edit_csv(sheet, person_edits(codebook.ids))
    report = import_corrections(sheet, corrections, reviewer="ben", theme_ids=codebook.ids)
    assert (report.rows, report.reviewed, report.appended) == (PASSAGES, 7, 7)
    found = {c["passage_id"]: c for c in lines(corrections)}
    assert list(found) == list(DECISIONS)
    for pid, (_, themes, lesson) in DECISIONS.items():
        assert found[pid]["text"] == records[pid]["text"]  # "=> Next step", "-12 per cent": no quote left over
        assert sorted(found[pid]["themes"]) == sorted(themes) and found[pid]["is_lesson"] is lesson
        assert found[pid]["before"]["themes"] == [t["id"] for t in records[pid]["themes"]]


def test_a_csv_saved_by_excel_with_semicolons_and_true_false_cells_reads_the_same(run_out, codebook, tmp_path):
    sheet = tmp_path / "review.csv"
    export_sheet(run_out, sheet)
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[3][5], rows[3][6], rows[3][7] = "Ben Okafor", "TRUE", "FALSE"  # reviewed, is_lesson, partnerships
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    report = import_corrections(sheet, tmp_path / "c.jsonl", theme_ids=codebook.ids)
    [c] = report.corrections
    assert (c.passage_id, c.reviewer, c.is_lesson) == (rows[3][0], "Ben Okafor", True)
    assert "partnerships" not in c.themes


def test_a_passage_reviewed_before_shows_the_reviewers_labels_and_keeps_the_models_as_before(run_out, records,
                                                                                              codebook, tmp_path):
    from datetime import datetime

    from pipeline.corrections import apply_correction, correction_for

    out = tmp_path / "o"
    shutil.copytree(run_out, out)
    pid = f"{ANNUAL}#3"  # the board passage; an earlier review said it is a lesson about partnerships too
    earlier = correction_for(records[pid], ["partnerships", "shared_governance"], True, "cem",
                             datetime(2024, 5, 2, tzinfo=timezone.utc))
    shown = [apply_correction(r, {earlier.text_sha256: earlier}) for r in records.values()]
    (out / "passages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in shown), encoding="utf-8")
    sheet = tmp_path / "review.xlsx"
    export_sheet(out, sheet)
    wb = load_workbook(sheet)
    cols = {c.value: c.column for c in wb["passages"][1]}
    row = next(r for r in wb["passages"].iter_rows(min_row=2) if r[0].value == pid)
    assert row[cols["partnerships"] - 1].value == 1 and row[cols["is_lesson"] - 1].value == 1
    edit_xlsx(sheet, {pid: {"reviewed": "ana", "is_lesson": 0}})
    [c] = import_corrections(sheet, tmp_path / "c.jsonl", theme_ids=codebook.ids).corrections
    assert set(c.themes) == {"partnerships", "shared_governance"} and not c.is_lesson
    assert c.before.themes == tuple(t["id"] for t in records[pid]["themes"])  # the model's, not cem's
    assert c.before.is_lesson is records[pid]["is_lesson"]


# ---- what is refused ----------------------------------------------------------------------------
def test_invalid_cells_are_all_listed_by_row_and_column_and_nothing_is_appended(run_out, codebook, tmp_path):
    sheet, corrections = tmp_path / "review.xlsx", tmp_path / "corrections.jsonl"
    export_sheet(run_out, sheet)
    edit_xlsx(sheet, {f"{WIND}#1": {"reviewed": "x", "resilience": "maybe"},
                      f"{WIND}#2": {"reviewed": "x", "partnerships": 1},  # a good row: still not appended
                      f"{ANNUAL}#0": {"reviewed": "ana", "is_lesson": 2},
                      f"{ANNUAL}#1": {"resilience": "maybe"}})  # not reviewed: never read
    corrections.write_text("")
    with pytest.raises(LabelsError) as err:
        import_corrections(sheet, corrections, reviewer="ben", theme_ids=codebook.ids)
    assert err.value.problems == ['row 3, column "resilience": "maybe" is not 0 or 1',  # the header is row 1
                                  'row 7, column "is_lesson": "2" is not 0 or 1']
    assert "2 problem(s), nothing imported" in str(err.value)
    assert corrections.read_text() == ""


def test_an_edited_text_is_refused_naming_its_row(run_out, records, codebook, tmp_path):
    sheet = tmp_path / "review.xlsx"
    export_sheet(run_out, sheet)
    text = records[f"{ANNUAL}#1"]["text"].replace("2021", "2020")
    edit_xlsx(sheet, {f"{ANNUAL}#1": {"reviewed": "x", "text": text}})
    with pytest.raises(LabelsError, match=r'row 8, column "text": the text was edited'):
        import_corrections(sheet, tmp_path / "c.jsonl", reviewer="ben", theme_ids=codebook.ids)
    assert not (tmp_path / "c.jsonl").exists()


@pytest.mark.parametrize("mark,reviewer,message", [
    ("x", None, '"x" names no reviewer; pass --reviewer NAME'),
    ("no", "ben", '"no" reads as "not reviewed"'),
    ("checked, but the second theme is doubtful", "ben", "neither a mark (x, yes, 1) nor a reviewer's name"),
])
def test_the_reviewed_cell_is_a_mark_or_a_name(run_out, codebook, tmp_path, mark, reviewer, message):
    sheet = tmp_path / "review.xlsx"
    export_sheet(run_out, sheet)
    edit_xlsx(sheet, {f"{WIND}#0": {"reviewed": mark}})
    with pytest.raises(LabelsError, match='row 2, column "reviewed": ') as err:
        import_corrections(sheet, tmp_path / "c.jsonl", reviewer=reviewer, theme_ids=codebook.ids)
    assert message in str(err.value)


def test_one_text_decided_twice_differently_in_a_sheet_is_refused(run_out, codebook, tmp_path):
    sheet = tmp_path / "review.csv"
    export_sheet(run_out, sheet)
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows.append(list(rows[1]))  # the same passage pasted again further down
    rows[1][5], rows[-1][5], rows[-1][6] = "ana", "ana", "1"
    with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(LabelsError, match="row 13: the same text as row 2, with other labels"):
        import_corrections(sheet, tmp_path / "c.jsonl", theme_ids=codebook.ids)


def test_unknown_theme_columns_and_missing_columns_are_named(run_out, codebook, tmp_path):
    sheet = tmp_path / "review.xlsx"
    export_sheet(run_out, sheet)
    wb = load_workbook(sheet)
    ws = wb["passages"]
    ws.cell(row=1, column=8, value="partnership")  # a typo in a theme header
    ws.cell(row=1, column=6, value="checked")  # the reviewed column renamed
    wb.save(sheet)
    with pytest.raises(LabelsError) as err:
        import_corrections(sheet, tmp_path / "c.jsonl", "ben", codebook.ids)
    assert 'missing column(s) "reviewed"' in str(err.value)
    ws.cell(row=1, column=6, value="reviewed")
    wb.save(sheet)
    with pytest.raises(LabelsError) as err:
        import_corrections(sheet, tmp_path / "c.jsonl", "ben", codebook.ids)
    assert 'column "partnership" sits among the theme columns but is not a theme of the codebook' in str(err.value)
    assert 'no column for theme "partnerships"' in str(err.value)


def test_a_sheet_without_the_models_view_is_refused(run_out, codebook, tmp_path):
    from openpyxl import Workbook

    sheet = tmp_path / "review.xlsx"
    export_sheet(run_out, sheet)
    copy = Workbook()  # the rows pasted into a new workbook
    for row in load_workbook(sheet)["passages"].iter_rows(values_only=True):
        copy.active.append(row)
    copy.save(tmp_path / "pasted.xlsx")
    with pytest.raises(LabelsError, match=f"no hidden {VIEW_SHEET} sheet"):
        import_corrections(tmp_path / "pasted.xlsx", tmp_path / "c.jsonl", "ben", codebook.ids)
    csv_sheet = tmp_path / "review.csv"
    export_sheet(run_out, csv_sheet)
    edit_csv(csv_sheet, {f"{WIND}#0": {"reviewed": "x", MODEL_VIEW: "{}"}})
    with pytest.raises(LabelsError, match=f'row 2, column "{MODEL_VIEW}": damaged'):
        import_corrections(csv_sheet, tmp_path / "c.jsonl", "ben", codebook.ids)


# ---- the commands -------------------------------------------------------------------------------
def test_export_and_import_commands_print_what_they_did(run_out, codebook, tmp_path):
    xlsx, sheet_csv, corrections = tmp_path / "review.xlsx", tmp_path / "review.csv", tmp_path / "corrections.jsonl"
    result = runner.invoke(app, ["export", str(run_out), "--xlsx", str(xlsx), "--csv", str(sheet_csv)])
    assert result.exit_code == 0, result.output
    assert f"{PASSAGES} passages written to {xlsx}" in result.stderr and xlsx.exists() and sheet_csv.exists()
    again = runner.invoke(app, ["export", str(run_out), "--xlsx", str(xlsx)])
    assert again.exit_code == EXIT_FAILED and "exists" in again.stderr
    assert runner.invoke(app, ["export", str(run_out), "--xlsx", str(xlsx), "--force"]).exit_code == 0
    assert runner.invoke(app, ["export", str(run_out)]).exit_code == EXIT_USAGE
    assert runner.invoke(app, ["export", str(run_out), "--xlsx", str(tmp_path / "r.csv")]).exit_code == EXIT_USAGE

    edit_xlsx(xlsx, person_edits(codebook.ids))
    result = runner.invoke(app, ["import-corrections", str(xlsx), "--out", str(corrections), "--reviewer", "ben"])
    assert result.exit_code == 0, result.output
    assert "11 rows read, 7 marked reviewed; 7 corrections appended" in result.stderr
    assert re.search(r"\(\d changing the model's labels, \d confirming them\)", result.stderr)
    assert len(lines(corrections)) == 7

    edit_xlsx(xlsx, {f"{WIND}#0": {"reviewed": "x", "is_lesson": "maybe"}})
    result = runner.invoke(app, ["import-corrections", str(xlsx), "--out", str(corrections), "--reviewer", "ben"])
    assert result.exit_code == EXIT_FAILED and 'row 2, column "is_lesson": "maybe" is not 0 or 1' in result.stderr
    assert len(lines(corrections)) == 7
    odd = runner.invoke(app, ["import-corrections", str(tmp_path / "review.ods"), "--out", str(corrections)])
    assert odd.exit_code == EXIT_USAGE and ".xlsx" in odd.stderr


@pytest.mark.parametrize("command", ["export", "import-corrections"])
def test_the_commands_have_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
