"""`lessons annotate`: the review queue, undo in an append-only file, and a scripted terminal session."""

from __future__ import annotations

import asyncio
import json
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, app
from pipeline.config import Settings
from pipeline.corrections import Correction, ModelView, append_correction, read_corrections, withdrawal
from pipeline.errors import ModelError
from pipeline.labels import text_sha256
from pipeline.review_app import ReviewApp
from pipeline.review_queue import Order, ReviewQueue, Thresholds, open_session, parse_order
from pipeline.run import run_batch

from .conftest import write_files

runner = CliRunner()
T0 = datetime(2024, 6, 3, 10, 0, tzinfo=timezone.utc)

HYDROGEN = [
    "Twelve suppliers from Graz and Leoben signed an agreement with the Styrian automotive cluster to share one "
    "hydrogen test bench on the university campus instead of each commissioning its own.",
    "The regional development agency covers half of the running costs until 2026; after that the bench has to pay "
    "for itself through booking fees charged to member firms.",
    "Looking back, the partners say the decisive step was agreeing on booking rules before the equipment arrived: "
    "disputes over test slots had sunk an earlier attempt in 2019.",
]
REVIEW = [
    "Since the review, the cluster's steering group includes three managers of small suppliers, elected by the "
    "membership, alongside the two largest carmakers.",
    "Our advice to other clusters is to let the members, not the funders, choose the topics of the working groups; "
    "attendance doubled once we did.",
    "Two members from the machine-tool sector now build charging hardware for electric buses, a market none of "
    "them served before 2021.",
]
GERMAN = ("Der steirische Automobilcluster hat gemeinsam mit zwölf Zulieferern aus Graz und Leoben einen Prüfstand "
          "für Wasserstoffantriebe in Betrieb genommen. Die Betriebskosten trägt bis 2026 zur Hälfte die regionale "
          "Wirtschaftsförderung, danach sollen Buchungsgebühren der Mitglieder den Prüfstand finanzieren. Die "
          "Partner betonen, dass klare Regeln für die Vergabe der Prüfzeiten entscheidend gewesen seien.\n")

THEMES = {"partnerships": 0.40, "financial_sustainability": 0.30, "shared_governance": 0.20, "resilience": 0.35}
TH = Thresholds("tfidf-unit", THEMES, 0.50)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def record(doc_id: str, index: int, text: str, scores: dict, lesson: float, model: str = "tfidf-unit") -> dict:
    """A passage record as `lessons run` writes it, with scores chosen by the test."""
    chosen = [{"id": t, "score": s, "evidence": [], "sentence": ""} for t, s in scores.items() if s >= THEMES[t]]
    return {"doc_id": doc_id, "passage_id": f"{doc_id}#{index}", "index": index, "section": None, "text": text,
            "start": 0, "end": len(text), "entities": [], "themes": chosen,
            "scores": {t: scores.get(t, 0.0) for t in THEMES}, "is_lesson": lesson >= 0.5, "lesson_score": lesson,
            "lesson_sentence": "", "model": model}


def run_folder(root: Path, records: list[dict]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "passages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return root


def queued(out: Path, order: str, decided=(), limit=None) -> list[str]:
    q = ReviewQueue(out, parse_order(order), TH, decided, limit)
    try:
        return [it.passage_id for it in q.items]
    finally:
        q.close()


# ---- the queue ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("uncertain", Order("uncertain")), ("doc", Order("doc")), ("theme:resilience", Order("theme", "resilience")),
])
def test_orders_are_parsed(text, expected):
    assert parse_order(text) == expected


@pytest.mark.parametrize("text", ["theme", "theme:", "doc:x", "score", ""])
def test_an_unknown_order_names_the_choices(text):
    with pytest.raises(ValueError, match="uncertain, doc, theme:ID"):
        parse_order(text)


def test_uncertain_puts_scores_nearest_a_threshold_first_spread_over_documents_and_labels(tmp_path):
    long = "reports/annual-review-2023.pdf"
    out = run_folder(tmp_path / "o", [
        # A long report whose every passage sits just below the partnerships threshold (0.40).
        *[record(long, i, f"{HYDROGEN[0]} Section {i}.", {"partnerships": 0.399 - i / 1000}, 0.1) for i in range(5)],
        record("news/graz-test-bench.html", 0, HYDROGEN[1], {"financial_sustainability": 0.32}, 0.2),  # 0.02 off
        record("news/leoben-suppliers.html", 0, REVIEW[0], {"partnerships": 0.397}, 0.1),  # 0.003 off, same label
        record("news/charging-hardware.html", 0, REVIEW[2], {"resilience": 0.10}, 0.46),  # lesson 0.04 off
        record("news/advice.html", 0, REVIEW[1], {"shared_governance": 0.95}, 0.99),  # far from every threshold
    ])
    order = queued(out, "uncertain")
    # Each closer passage of the same report, or nearest the same threshold, adds 0.02: the
    # report's second passage (0.002 + 0.04) comes after two other documents' (0.02, 0.04).
    assert order[:6] == [f"{long}#0", "news/graz-test-bench.html#0", "news/charging-hardware.html#0",
                         f"{long}#1", "news/leoben-suppliers.html#0", f"{long}#2"]
    assert order[-1] == "news/advice.html#0"  # far from every threshold: never pulled ahead
    assert queued(out, "uncertain", limit=4) == order[:4]


def test_theme_order_puts_that_themes_threshold_first_spread_over_documents(tmp_path):
    out = run_folder(tmp_path / "o", [
        record("reports/annual-review-2023.pdf", 0, HYDROGEN[0], {"resilience": 0.352, "partnerships": 0.40}, 0.5),
        record("reports/annual-review-2023.pdf", 1, HYDROGEN[1], {"resilience": 0.347}, 0.1),
        record("news/graz-test-bench.html", 0, HYDROGEN[2], {"resilience": 0.365}, 0.1),
        record("news/leoben-suppliers.html", 0, REVIEW[0], {"resilience": 0.80}, 0.5),
    ])
    assert queued(out, "theme:resilience") == ["reports/annual-review-2023.pdf#0", "news/graz-test-bench.html#0",
                                               "reports/annual-review-2023.pdf#1", "news/leoben-suppliers.html#0"]


def test_doc_order_skips_decided_texts_and_queues_a_repeated_story_once(tmp_path):
    out = run_folder(tmp_path / "o", [
        record("feeds/weekly-digest.txt", 0, textwrap.fill(HYDROGEN[0], 60), {"partnerships": 0.8}, 0.2),
        record("news/graz-test-bench.html", 0, HYDROGEN[0], {"partnerships": 0.8}, 0.2),  # the same story
        record("news/graz-test-bench.html", 1, HYDROGEN[1], {"financial_sustainability": 0.6}, 0.2),
        record("news/graz-test-bench.html", 2, HYDROGEN[2], {}, 0.7),
    ])
    assert queued(out, "doc") == ["feeds/weekly-digest.txt#0", "news/graz-test-bench.html#1",
                                  "news/graz-test-bench.html#2"]
    # A decision on the web page's text covers the digest's hard-wrapped copy too.
    q = ReviewQueue(out, Order("doc"), TH, {text_sha256(HYDROGEN[0].upper())})
    assert [it.passage_id for it in q.items] == ["news/graz-test-bench.html#1", "news/graz-test-bench.html#2"]
    assert (q.passages, q.decided) == (4, 2)
    assert q.record(1)["text"] == HYDROGEN[2]
    q.close()


def test_outputs_of_another_model_are_refused(tmp_path):
    out = run_folder(tmp_path / "o", [record("news/graz-test-bench.html", 0, HYDROGEN[0], {}, 0.1, model="tfidf-other")])
    with pytest.raises(ModelError, match="tagged by model tfidf-other.*tfidf-unit"):
        ReviewQueue(out, Order("uncertain"), TH)


# ---- undo in an append-only file ----------------------------------------------------------------
def decision(text: str, themes=(), is_lesson=False, *, reviewer="ana", at=T0) -> Correction:
    return Correction("news/graz-test-bench.html#0", "news/graz-test-bench.html", text_sha256(text), text,
                      tuple(themes), is_lesson, ModelView((), False), "tfidf-unit", reviewer, at)


def test_a_withdrawal_undoes_the_reviewers_latest_decision_on_the_text(tmp_path):
    path = tmp_path / "corrections.jsonl"
    first = decision(HYDROGEN[0], ["partnerships"])
    append_correction(path, first)
    append_correction(path, withdrawal(first, T0 + timedelta(minutes=1)))
    assert lines(path)[1]["withdrawn"] is True and "withdrawn" not in lines(path)[0]
    found = read_corrections([path])
    assert found.corrections == [] and found.lines == 2  # undecided again

    # Decided twice, the second undone: the first decision stands again.
    second = decision(HYDROGEN[0], ["partnerships", "resilience"], True, at=T0 + timedelta(minutes=2))
    append_correction(path, first)
    append_correction(path, second)
    append_correction(path, withdrawal(second, T0 + timedelta(minutes=3)))
    assert read_corrections([path]).corrections == [first]

    # Ana's undo takes back only her own decision: Ben's earlier one counts again, no conflict.
    other = tmp_path / "other.jsonl"
    ben = decision(HYDROGEN[1], ["financial_sustainability"], reviewer="ben")
    ana = decision(HYDROGEN[1], [], reviewer="ana", at=T0 + timedelta(minutes=1))
    for c in (ben, ana, withdrawal(ana, T0 + timedelta(minutes=2))):
        append_correction(other, c)
    found = read_corrections([other])
    assert found.corrections == [ben] and found.conflicts == []


def test_a_withdrawal_is_never_earlier_than_the_decision_it_undoes():
    later = decision(HYDROGEN[0], at=T0 + timedelta(hours=1))
    assert withdrawal(later, T0).reviewed_at == later.reviewed_at


# ---- a scripted session on a real run -----------------------------------------------------------
@pytest.fixture(scope="module")
def run_out(tmp_path_factory, model_dir):
    docs = write_files(tmp_path_factory.mktemp("docs"), {
        "news/styria-hydrogen-bench.md": "# Styrian suppliers share a hydrogen test bench\n\n"
                                         + "\n\n".join(HYDROGEN) + "\n",
        "reports/mobility-cluster-review-2023.md": "# Mid-term review 2023\n\n## Governance\n\n"
                                                   + "\n\n".join(REVIEW) + "\n",
        # The same story again, as a weekly digest carried it.
        "feeds/weekly-digest.txt": "Weekly cluster digest, June 2024\n\n" + textwrap.fill(HYDROGEN[0], 64) + "\n",
    })
    out = tmp_path_factory.mktemp("out") / "o"
    assert run_batch(docs, out, Settings(model=model_dir)).ok
    return docs, out


def test_a_pilot_session_writes_every_decision_at_once_undoes_by_withdrawal_and_resumes(tmp_path, run_out, model_dir):
    docs, out = run_out
    path = tmp_path / "corrections.jsonl"
    session = open_session(out, Order("doc"), model_dir, path, "ana")
    records = [session.queue.record(i) for i in range(len(session.queue))]
    assert len(records) == 6  # seven passages, the digest's copy of the first story queued once
    ids = session.theme_ids
    model_themes = [[t["id"] for t in r["themes"]] for r in records]
    # The theme to switch on in the second passage: the first the model did not choose.
    n = next(j for j, t in enumerate(ids) if t not in model_themes[1])
    app_ = ReviewApp(session)

    async def review() -> None:
        async with app_.run_test(size=(120, 40)) as pilot:
            assert records[0]["text"] in str(app_.query_one("#text").content.renderables[1])
            await pilot.press("a")  # accept the model's labels as they are
            assert len(lines(path)) == 1  # on disk before the next key
            await pilot.press(str(n + 1), "l")
            assert f"[x] {ids[n]}" in str(app_.query_one("#labels").content)
            await pilot.press("enter")
            await pilot.press("a")  # the third passage, accepted ...
            await pilot.press("u")  # ... and undone: shown again
            assert session.pos == 2 and len(lines(path)) == 4
            await pilot.press("s")  # skipped: nothing written
            await pilot.press("b", "b")  # back to the second passage: it shows the decision made
            assert f"[x] {ids[n]}" in str(app_.query_one("#labels").content)
            assert "decided by you" in str(app_.query_one("#text").content.renderables[0])
            await pilot.press("q")

    asyncio.run(review())
    session.queue.close()
    assert app_.return_code == 0
    written = lines(path)
    assert len(written) == 4
    for line, rec in zip(written, [*records[:3], records[2]]):
        assert (line["passage_id"], line["reviewer"], line["model"]) == (rec["passage_id"], "ana", rec["model"])
        assert line["before"] == {"themes": [t["id"] for t in rec["themes"]], "is_lesson": rec["is_lesson"],
                                  "scores": rec["scores"], "lesson_score": rec["lesson_score"]}
    assert set(written[0]["themes"]) == set(model_themes[0]) and written[0]["is_lesson"] is records[0]["is_lesson"]
    assert written[1]["themes"] == [t for t in ids if t in {*model_themes[1], ids[n]}]  # codebook order
    assert written[1]["is_lesson"] is (not records[1]["is_lesson"])
    assert written[3] == written[2] | {"withdrawn": True, "reviewed_at": written[3]["reviewed_at"]}
    assert written[3]["reviewed_at"] >= written[2]["reviewed_at"]
    assert [c.passage_id for c in read_corrections([path]).corrections] == [records[0]["passage_id"],
                                                                              records[1]["passage_id"]]

    # The next session starts at the undone passage; the digest's copy of a decided story is decided too.
    again = open_session(out, Order("doc"), model_dir, path, "ben")
    assert [it.passage_id for it in again.queue.items] == [r["passage_id"] for r in records[2:]]
    assert again.queue.decided == 3
    again.queue.close()

    # A later run shows the two decisions and not the withdrawn one.
    rerun = tmp_path / "rerun"
    run_batch(docs, rerun, Settings(model=model_dir, corrections=path))
    reviewed = {r["passage_id"] for r in lines(rerun / "passages.jsonl") if r["reviewed"]}
    assert records[2]["passage_id"] not in reviewed and records[1]["passage_id"] in reviewed
    assert len(reviewed) == 3  # the digest's copy of the first story shows the decision too


# ---- the command --------------------------------------------------------------------------------
def test_annotate_on_a_missing_folder_fails_with_a_clear_error(tmp_path, model_dir):
    result = runner.invoke(app, ["annotate", str(tmp_path / "nowhere"), "--model", str(model_dir)])
    assert result.exit_code == EXIT_FAILED and "output folder not found" in result.stderr


def test_annotate_on_a_run_without_passages_fails_with_a_clear_error(tmp_path, model_dir):
    docs = write_files(tmp_path / "docs", {"news/steiermark-pruefstand.txt": GERMAN})
    run_batch(docs, tmp_path / "out", Settings(model=model_dir))
    result = runner.invoke(app, ["annotate", str(tmp_path / "out"), "--model", str(model_dir)])
    assert result.exit_code == EXIT_FAILED and "no passages in" in result.stderr


def test_annotate_says_when_everything_is_decided_and_refuses_an_unknown_theme(tmp_path, run_out, model_dir):
    _, out = run_out
    path = tmp_path / "corrections.jsonl"
    session = open_session(out, Order("doc"), model_dir, path, "ana")
    while not session.done:
        session.accept()
    session.queue.close()
    result = runner.invoke(app, ["annotate", str(out), "--model", str(model_dir), "--corrections", str(path)])
    assert result.exit_code == EXIT_OK and "all 7 passages" in result.stderr and "nothing to review" in result.stderr
    result = runner.invoke(app, ["annotate", str(out), "--model", str(model_dir), "--order", "theme:tourism"])
    assert result.exit_code == EXIT_USAGE and "unknown theme 'tourism'" in result.stderr
