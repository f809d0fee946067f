"""Re-runs reuse unchanged files, drop deleted ones, and a killed run resumes with nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.errors import SetupError
from pipeline.outputs import OutputLock
from pipeline.config import Settings
from pipeline.run import run_batch

from .conftest import write_files

BODY = ("The {n} cluster signed a partnership agreement with two research institutes in {place} to run joint "
        "pilots on hydrogen buses. Membership fees now cover a third of its budget.\n\n"
        "## Lessons\n\nOur experience in {place} shows that small pilots with a clear decision at the end build "
        "trust between partners faster than large strategies.\n")
PLACES = ["Tallinn", "Bilbao", "Tampere", "Nakuru", "Porto", "Vigo", "Prato", "Katowice", "Lyon", "Ghent"]


def corpus(root: Path, n: int) -> Path:
    return write_files(root, {f"d{i:03d}.md": f"# Report {i}\n\n" + BODY.format(n=f"No. {i}", place=PLACES[i % 10])
                              for i in range(n)})


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def outputs(out: Path) -> tuple[list, list, list]:
    return lines(out / "documents.jsonl"), lines(out / "passages.jsonl"), lines(out / "errors.jsonl")


def start_and_wait_for_journal(cmd: list[str], journal: Path, lines_wanted: int = 10) -> subprocess.Popen:
    """Start a run in its own process group and return once it has journaled some finished files."""
    # Started as from a terminal: Ctrl-C is live even when the suite itself runs in the background
    # (a shell starts background jobs with SIGINT ignored, and children inherit that).
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= lines_wanted:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be stopped; make the corpus bigger"
    return proc


def test_rerun_reuses_unchanged_files_processes_changed_ones_and_drops_deleted(tmp_path, model_dir):
    docs = corpus(tmp_path / "docs", 6)
    out = tmp_path / "out"
    first = run_batch(docs, out, Settings(model=model_dir))
    assert first.processed == 6 and first.reused == 0

    same = run_batch(docs, out, Settings(model=model_dir))
    assert (same.processed, same.reused) == (0, 6)

    (docs / "d001.md").write_text("# Changed\n\nThe cluster now runs a living lab for port logistics in Antwerp with six members.\n")
    (docs / "d002.md").unlink()
    (docs / "new.md").write_text("# New\n\nA new accelerator for ocean start-ups opened in Matosinhos with twelve founders.\n")
    again = run_batch(docs, out, Settings(model=model_dir))
    assert (again.processed, again.reused, again.dropped) == (2, 4, 1)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["files_reused"] == 4 and manifest["counts"]["files_dropped"] == 1

    fresh = tmp_path / "fresh"
    run_batch(docs, fresh, Settings(model=model_dir))
    assert outputs(out) == outputs(fresh)
    assert [d["doc_id"] for d in lines(out / "documents.jsonl")] == ["d000.md", "d001.md", "d003.md", "d004.md",
                                                                      "d005.md", "new.md"]


def test_a_run_killed_midway_resumes_with_every_document_exactly_once(tmp_path, model_dir):
    docs = corpus(tmp_path / "docs", 120)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "run", str(docs), "--out", str(out), "--model", str(model_dir), "-q"]
    journal = out / ".work" / "journal.jsonl"
    proc = start_and_wait_for_journal(cmd, journal)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "passages.jsonl").exists()  # nothing half-written in place

    resumed = run_batch(docs, out, Settings(model=model_dir))
    assert resumed.resumed >= 9 and resumed.resumed + resumed.processed == 120
    reference = tmp_path / "reference"
    run_batch(docs, reference, Settings(model=model_dir))
    assert outputs(out) == outputs(reference)
    ids = [d["doc_id"] for d in lines(out / "documents.jsonl")]
    assert len(ids) == len(set(ids)) == 120
    assert not journal.exists()


def lessons_processes(out: Path) -> list[int]:
    """Pids of processes (a run or its workers) writing to ``out``, from /proc."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"pipeline" in args and str(out).encode() in args:
            pids.append(int(cmdline.parent.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads the process table from /proc (Linux)")
def test_a_parent_killed_twenty_times_leaves_no_lock_no_worker_and_whole_outputs(tmp_path, model_dir):
    """SIGKILL the parent only, as the OOM killer does, at any moment; the next run starts at once."""
    import random

    docs = corpus(tmp_path / "docs", 160)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "run", str(docs), "--out", str(out), "--model", str(model_dir),
           "--workers", "2", "-q"]
    journal = out / ".work" / "journal.jsonl"
    rng = random.Random(9)
    finished_on_its_own = 0
    for i in range(20):
        before = journal.read_bytes().count(b"\n") if journal.exists() else 0
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Half the kills land at a random moment (loading, reading, writing); half once work is journaled.
        deadline = time.monotonic() + (rng.uniform(0.2, 6.0) if i % 2 else 120)
        while time.monotonic() < deadline and proc.poll() is None:
            if i % 2 == 0 and journal.exists() and journal.read_bytes().count(b"\n") > before:
                break
            time.sleep(0.01)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        else:
            finished_on_its_own += 1
        _, stderr = proc.communicate()
        assert b"another `lessons run`" not in stderr, f"kill {i}: the folder was still locked"
        assert proc.returncode in (0, -signal.SIGKILL), stderr.decode()[-2000:]
        gone_by = time.monotonic() + 5
        while lessons_processes(out) and time.monotonic() < gone_by:
            time.sleep(0.05)
        assert lessons_processes(out) == [], f"kill {i}: workers outlived their parent"

    final = subprocess.run(cmd, capture_output=True, timeout=600)
    assert final.returncode == 0, final.stderr.decode()[-2000:]
    reference = tmp_path / "reference"
    run_batch(docs, reference, Settings(model=model_dir))
    assert outputs(out) == outputs(reference)
    assert len({d["doc_id"] for d in lines(out / "documents.jsonl")}) == 160
    assert finished_on_its_own < 20 and not journal.exists()


def test_a_second_run_on_the_same_output_folder_is_refused(tmp_path, model_dir):
    docs = corpus(tmp_path / "docs", 2)
    out = tmp_path / "out"
    out.mkdir()
    with OutputLock(out):
        with pytest.raises(SetupError, match="another `lessons run` is writing") as err:
            run_batch(docs, out, Settings(model=model_dir))
    assert err.value.kind == "locked"


def test_fifo_and_unreadable_files_are_reported_without_hanging(tmp_path, model_dir):
    docs = corpus(tmp_path / "docs", 1)
    os.mkfifo(docs / "pipe.txt")
    summary = run_batch(docs, tmp_path / "out", Settings(model=model_dir))
    errors = {e["doc_id"]: e["error"] for e in lines(tmp_path / "out" / "errors.jsonl")}
    assert errors == {"pipe.txt": "not_a_file"}
    assert summary.documents_ok == 1


def test_odd_file_names_are_handled(tmp_path, model_dir):
    names = ["-leading-dash.md", "with space.md", "näive ünïcode.md", "new\nline.md"]
    docs = write_files(tmp_path / "docs", {n: BODY.format(n="X", place="Riga") for n in names})
    summary = run_batch(docs, tmp_path / "out", Settings(model=model_dir))
    assert summary.documents_ok == 4
    assert sorted(d["doc_id"] for d in lines(tmp_path / "out" / "documents.jsonl")) == sorted(names)


def test_ctrl_c_stops_cleanly_and_the_next_run_finishes_the_work(tmp_path, model_dir):
    docs = corpus(tmp_path / "docs", 120)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline", "run", str(docs), "--out", str(out), "--model", str(model_dir),
           "--workers", "2"]
    journal = out / ".work" / "journal.jsonl"
    proc = start_and_wait_for_journal(cmd, journal)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to the whole process group on Ctrl-C
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"interrupted" in stderr and b"Traceback" not in stderr
    assert journal.exists() and not (out / "passages.jsonl").exists()

    resumed = run_batch(docs, out, Settings(model=model_dir))
    assert resumed.resumed >= 9 and resumed.resumed + resumed.processed == 120
    ids = [d["doc_id"] for d in lines(out / "documents.jsonl")]
    assert len(ids) == len(set(ids)) == 120


def _private_tmpfs_works() -> bool:
    """A small filesystem of our own needs a mount namespace: root, or a kernel allowing user namespaces."""
    probe = ["unshare", "--map-root-user", "--mount", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _private_tmpfs_works(), reason="cannot mount a private tmpfs here (no user namespaces)")
def test_a_full_disk_ends_the_run_clearly_and_the_next_run_keeps_what_was_committed(tmp_path, model_dir):
    docs = corpus(tmp_path / "docs", 60)
    disk, kept = tmp_path / "disk", tmp_path / "kept"
    disk.mkdir()
    kept.mkdir()
    run = f"{sys.executable} -m pipeline run {docs} --out {disk}/out --model {model_dir} -q"
    # An 80 kB disk holds part of the journal; the run must stop on the full disk, not crash or
    # corrupt what it committed. Then the disk grows and the same command finishes the work.
    script = f"""
        mount -t tmpfs -o size=80k tmpfs {disk} || exit 99
        {run} 2> {kept}/stderr; echo $? > {kept}/first_rc
        cp {disk}/out/.work/journal.jsonl {kept}/journal_at_full 2>/dev/null
        ls -a {disk}/out > {kept}/listing
        mount -o remount,size=20m {disk} || exit 98
        {run}; echo $? > {kept}/second_rc
        cp {disk}/out/*.jsonl {kept}/
    """
    subprocess.run(["unshare", "--map-root-user", "--mount", "sh", "-c", script], check=True, timeout=400,
                   cwd=Path(__file__).resolve().parent.parent)
    assert (kept / "first_rc").read_text().strip() == "3"
    assert "disk is full" in (kept / "stderr").read_text()
    assert "Traceback" not in (kept / "stderr").read_text()
    assert "passages.jsonl" not in (kept / "listing").read_text().split()  # nothing half-written in place
    committed = [json.loads(line) for line in (kept / "journal_at_full").read_text().splitlines()[:-1]]
    assert len(committed) >= 5  # whole lines up to the one that did not fit

    assert (kept / "second_rc").read_text().strip() == "0"
    reference = tmp_path / "reference"
    run_batch(docs, reference, Settings(model=model_dir))
    assert outputs(kept) == outputs(reference)
    ids = [d["doc_id"] for d in lines(kept / "documents.jsonl")]
    assert len(ids) == len(set(ids)) == 60


def test_outputs_inside_the_input_folder_are_never_read_as_input(tmp_path, model_dir):
    docs = corpus(tmp_path / "docs", 3)
    out = docs / "outputs" / "latest"
    first = run_batch(docs, out, Settings(model=model_dir))
    second = run_batch(docs, out, Settings(model=model_dir))
    assert first.files_seen == second.files_seen == 3
    assert second.reused == 3 and second.documents_ok == 3
    with pytest.raises(SetupError, match="is the input folder itself"):
        run_batch(docs, docs, Settings(model=model_dir), force=True)
    # An earlier run's folder is not this run's --out, and its JSONL files are still results, not feeds.
    third = run_batch(docs, docs / "outputs" / "another", Settings(model=model_dir))
    assert third.files_seen == 3 and third.skipped_output_folders == 1 and third.ok


def test_files_that_failed_for_a_limit_are_read_again_and_reading_settings_are_part_of_the_reuse_key(
        tmp_path, model_dir):
    docs = corpus(tmp_path / "docs", 2)
    (docs / "big.md").write_text(BODY.format(n="big", place="Oslo") * 400)  # about 150 kB
    out = tmp_path / "out"
    first = run_batch(docs, out, Settings(model=model_dir, max_file_mb=0.1))
    assert first.error_kinds == {"too_large": 1}
    second = run_batch(docs, out, Settings(model=model_dir))  # the limit raised: big.md is read this time
    assert second.processed == 1 and second.reused == 2 and second.ok
    third = run_batch(docs, out, Settings(model=model_dir, feeds={"text": ["story"]}))
    assert third.processed == 3  # another way of reading files: nothing stale is reused


def test_new_rule_code_is_part_of_the_reuse_key_but_the_command_line_is_not(tmp_path):
    """An upgrade that changes how entities are refined must re-read files, not reuse stale records."""
    import shutil

    from pipeline.store import code_fingerprint

    package = Path(__file__).resolve().parent.parent / "pipeline"
    copy = tmp_path / "pipeline"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "encoder", "ner"))
    before = code_fingerprint(copy)
    (copy / "cli" / "review_cmd.py").write_text((copy / "cli" / "review_cmd.py").read_text() + "\n# help text\n")
    assert code_fingerprint.__wrapped__(copy) == before
    (copy / "entities.py").write_text((copy / "entities.py").read_text() + "\n# a new rule\n")
    assert code_fingerprint.__wrapped__(copy) != before
    assert code_fingerprint() == code_fingerprint.__wrapped__(package)
