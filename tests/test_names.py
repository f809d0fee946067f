"""File names are data: every name the OS can give reaches the records losslessly and stops nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.names import escape_name, unescape_name
from pipeline.records import printable
from pipeline.review import spreadsheet_safe

BODY = ("The {place} energy cluster signed a partnership with the regional development agency to test heat "
        "pumps in forty social housing blocks. Members said the shared test site cut their costs by a third.\n")


def test_the_escaped_form_is_utf8_and_gives_back_every_name_exactly():
    rng = random.Random(3)
    alphabet = [0x5C, 0x78, 0x41, 0x66, 0xFF, 0xC3, 0xA9, 0x80, 0x20, 0x0A, 0x1B, 0xE2, 0x82, 0xAC, 0x2D]
    seen: dict[str, bytes] = {}
    for _ in range(20_000):
        raw = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        name = os.fsdecode(raw)
        shown = escape_name(name)
        shown.encode("utf-8")  # never a lone surrogate
        assert os.fsencode(unescape_name(shown)) == raw
        assert seen.setdefault(shown, raw) == raw  # one-to-one: no two names share a form
    assert escape_name("Malmö report.md") == "Malmö report.md"  # ordinary names are untouched
    assert escape_name(os.fsdecode(b"caf\xe9.md")) == "caf\\xe9.md"
    assert escape_name("a\\xe9.md") == "a\\\\xe9.md"  # a literal backslash cannot pass for an escape


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_a_folder_of_hostile_names_is_processed_and_every_name_recorded(tmp_path, model_dir):
    docs = Path(os.fsdecode(bytes(tmp_path) + b"/docs \xff"))  # the input folder's own name is not UTF-8
    names = {
        b"caf\xe9 annual report.md": "caf\\xe9 annual report.md",  # Latin-1, as a Windows zip leaves it
        b"\xff\xfebroken start.md": "\\xff\\xfebroken start.md",
        b"back\\slash.md": "back\\\\slash.md",
        b"tab\there.md": "tab\there.md",
        b"new\nline.md": "new\nline.md",
        b"-leading-dash.md": "-leading-dash.md",
        b"--force.md": "--force.md",
        b"red\x1b[31m.md": "red\x1b[31m.md",
        b"report \xe2\x80\xaecod.md": "report \u202ecod.md",  # a terminal obeying it shows "report dm.doc"
        b"sub \xe8/inner.md": "sub \\xe8/inner.md",  # a folder whose name is not UTF-8
    }
    places = iter(["Tartu", "Lahti", "Kaunas", "Ghent", "Aalborg", "Graz", "Vigo", "Brno", "Turku", "Ulm"])
    for raw in names:
        path = Path(os.fsdecode(bytes(docs) + b"/" + raw))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Heat pump pilot\n\n" + BODY.format(place=next(places)), encoding="utf-8")
    broken = Path(os.fsdecode(bytes(docs) + b"/scan \xfe.pdf"))
    broken.write_bytes(b"%PDF-1.4 this is not a readable PDF")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "run", str(docs), "--out", str(out), "--model", str(model_dir)]
    env = os.environ | {"COLUMNS": "200"}
    first = subprocess.run(cmd, capture_output=True, env=env, timeout=600)
    assert first.returncode == 1, first.stderr.decode(errors="replace")[-2000:]  # 1: finished, one file failed
    assert b"Traceback" not in first.stderr and b"\x1b[31m" not in first.stdout + first.stderr

    documents = [json.loads(line) for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(d["doc_id"] for d in documents) == sorted(names.values())
    for d in documents:  # the escaped names lead back to the very files
        assert os.path.isfile(unescape_name(d["path"]))
        assert os.path.isfile(os.path.join(docs, unescape_name(d["doc_id"])))
    [error] = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert error["doc_id"] == "scan \\xfe.pdf" and unescape_name(error["path"]) == str(broken)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert unescape_name(manifest["docs_dir"]) == str(docs.resolve())
    assert not (out / ".work" / "journal.jsonl").exists()

    again = subprocess.run(cmd + ["-q"], capture_output=True, env=env, timeout=600)
    assert again.returncode == 1
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["files_reused"] == len(names) + 1  # the same keys: nothing read twice

    review = subprocess.run([sys.executable, "-m", "pipeline", "review", str(out), "--format", "csv"],
                            capture_output=True, timeout=120)
    assert review.returncode == 0, review.stderr.decode(errors="replace")
    rows = list(csv.DictReader(io.StringIO(review.stdout.decode("utf-8-sig"))))
    # In a spreadsheet a leading "-" is quoted and an escape sequence shown, never obeyed.
    assert {r["doc_id"] for r in rows} == {spreadsheet_safe(printable(n, keep_lines=True)) for n in names.values()}
    assert "report \\u202ecod.md" in {r["doc_id"] for r in rows} and b"\xe2\x80\xae" not in review.stdout
