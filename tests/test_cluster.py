"""`lessons run --scheduler`: a real Dask scheduler and workers on 127.0.0.1 give a local run's records."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the Dask extra is not installed (make dask)")

from distributed import Client  # noqa: E402

from pipeline.config import Settings  # noqa: E402
from pipeline.run import run_batch  # noqa: E402

from .badfiles import make_docx, make_pdf  # noqa: E402
from .conftest import ROOT, SAMPLE_DOCS, write_files  # noqa: E402
from .test_incremental import start_and_wait_for_journal  # noqa: E402

OUTPUTS = ("documents.jsonl", "passages.jsonl", "errors.jsonl", "entities.jsonl")
DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"], [sys.executable, "-m", "distributed.cli.dask_worker"]
NOTES = {
    "notes/tallinn-mobility-board.txt": (
        "Tallinn, 12 March 2024. The Estonian Smart Mobility Cluster told its board that the two pilots on "
        "demand-responsive buses in Harju County will end in June. The lesson the members drew is that a pilot needs "
        "an owner at the municipality from the first day, or its results stay in a drawer."),
    "notes/ghent-biobased-newsletter.md": (
        "# Newsletter, spring 2024\n\nThe Flanders biobased cluster opened a shared pilot plant in Ghent with "
        "Bio Base Europe and six member companies. Shared equipment lowered the cost of a first trial for small "
        "firms by two thirds, which the evaluators call the main reason the number of SME projects doubled.\n"),
    "news/porto-ocean-week.html": (
        "<html><head><title>Ocean week in Porto</title></head><body><article><h1>Ocean week in Porto</h1><p>The "
        "Portuguese blue economy cluster gathered forty start-ups in Matosinhos in May 2024. Partners from Vigo and "
        "Brest joined a session on shared test sites at sea, and agreed to publish one calendar for all three "
        "ports.</p></article></body></html>"),
}


def records(out: Path) -> dict[str, list[str]]:
    """Each output file as a sorted list of records: order may differ between runs, records may not."""
    return {name: sorted(json.dumps(json.loads(line), sort_keys=True)
                         for line in (out / name).read_text(encoding="utf-8").splitlines() if line.strip())
            for name in OUTPUTS}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    """News, notes and reports in every format, a broken PDF and a broken .docx, in ~10 tasks."""
    root = tmp_path_factory.mktemp("cluster") / "docs"
    shutil.copytree(SAMPLE_DOCS, root)
    pdf = make_pdf()
    return write_files(root, NOTES | {"reports/nfbc-evaluation.pdf": pdf, "reports/andes-hub-2023.docx": make_docx(),
                                      "reports/truncated.pdf": pdf[: len(pdf) // 3],
                                      "reports/not-a-zip.docx": b"PK but not really a zip file" * 10})


@pytest.fixture(scope="module")
def local_records(docs, model_dir, tmp_path_factory) -> dict[str, list[str]]:
    out = tmp_path_factory.mktemp("local") / "out"
    summary = run_batch(docs, out, Settings(model=model_dir))
    assert summary.error_kinds == {"damaged_pdf": 1, "not_a_docx": 1}, "the folder should hold two broken files"
    return records(out)


def start(cmd: list[str], **env: str) -> subprocess.Popen:
    """A Dask process in its own session (so its whole group can be killed), importing `pipeline` from the repo."""
    environ = os.environ | {"PYTHONPATH": str(ROOT)} | env
    return subprocess.Popen(cmd, cwd=ROOT, env=environ, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """`dask scheduler` and two single-threaded `dask worker`s, as one would start them on a cluster."""
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler_cmd, worker_cmd = DASK
    procs = [start([*scheduler_cmd, "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
                   DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1")]
    try:
        for i in range(2):
            procs.append(start([*worker_cmd, address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                                "--preload", "tests.dask_faults",
                                "--host", "127.0.0.1", "--local-directory", str(tmp_path_factory.mktemp(f"w{i}"))],
                               DASK_DISTRIBUTED__WORKER__DAEMON="False"))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def lessons_run(docs: Path, out: Path, model_dir: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", str(docs), "--out", str(out), "--model", str(model_dir),
            "--quiet", *options]


def test_a_run_on_a_dask_cluster_writes_the_records_of_a_local_run(scheduler, docs, model_dir, local_records,
                                                                   tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(lessons_run(docs, out, model_dir, "--scheduler", scheduler), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # 1: finished, with the two broken files as error records
    assert records(out) == local_records
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["scheduler"] == scheduler
    assert manifest["versions"]["pipeline"].startswith("en_core_web_sm")  # reported by the workers
    assert not (out / ".work" / "journal.jsonl").exists(), "a finished run leaves no journal"


def test_a_worker_killed_mid_run_is_replaced_and_the_run_still_writes_every_record(scheduler, docs, model_dir,
                                                                                   local_records, tmp_path):
    with Client(scheduler) as client:
        out = tmp_path / "out"
        proc = start_and_wait_for_journal(lessons_run(docs, out, model_dir, "--scheduler", scheduler),
                                          out / ".work" / "journal.jsonl", lines_wanted=2)
        busy = [address for address, keys in client.processing().items() if keys]
        assert busy, "no worker holds a task; make the folder bigger"
        victim = client.run(os.getpid)[busy[0]]
        os.kill(victim, signal.SIGKILL)  # as the OOM killer would, in the middle of a task
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 1, stderr.decode(errors="replace")
        assert records(out) == local_records  # the lost task ran again elsewhere; nothing blamed, nothing twice
        deadline = time.monotonic() + 60
        while len(pids := client.run(os.getpid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(pids) == 2 and victim not in pids.values(), "the nanny should have started a new worker"


def test_a_file_that_kills_its_worker_twice_is_worker_crashed_and_the_rest_of_its_task_is_written(
        scheduler, model_dir, tmp_path):
    docs = write_files(tmp_path / "docs", NOTES | {"notes/kills-its-worker.txt": NOTES["notes/tallinn-mobility-board.txt"]})
    out = tmp_path / "out"
    done = subprocess.run(lessons_run(docs, out, model_dir, "--scheduler", scheduler), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert [(e["doc_id"], e["error"]) for e in errors] == [("notes/kills-its-worker.txt", "worker_crashed")]
    documents = [json.loads(line)["doc_id"] for line in (out / "documents.jsonl").read_text().splitlines()]
    assert sorted(documents) == sorted(NOTES)  # its task's other files, retried one by one


def test_a_local_cluster_with_shipped_files_writes_the_records_of_a_local_run(docs, model_dir, local_records,
                                                                              tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(lessons_run(docs, out, model_dir, "--scheduler", "local:2", "--ship-files"), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert records(out) == local_records  # paths too: the workers' copies are named as the client's files
