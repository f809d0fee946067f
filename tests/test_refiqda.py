"""REFI-QDA exchange: the codebook as .qdc, a run as .qdpx, validated against the standard's schema,
a round trip that keeps every coded selection, a team's coding back as corrections, hostile files."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from pipeline.cli import EXIT_FAILED, app
from pipeline.config import Settings
from pipeline.corrections import append_correction, correction_for, read_corrections
from pipeline.refiqda import (CODEBOOK_NS, LESSON, PROJECT_NS, QdpxError, codebook_xml, export_project, guid,
                              import_qdpx_corrections, read_project)
from pipeline.run import run_batch

from .conftest import DATA, write_files

runner = CliRunner()
SCHEMAS = DATA / "refi-qda"
P = f"{{{PROJECT_NS}}}"
REVIEWED_AT = datetime(2024, 6, 3, 14, 5, tzinfo=timezone.utc)

DOCS = {
    "news/malaga-aerospace.txt": (
        "Málaga TechPark and Hélice, the Andalusian aerospace cluster, signed an agreement in Sevilla on "
        "12 March 2024 to share a composites test laboratory with partners from Île-de-France and Łódź.\n\n"
        "Membership fees and paid testing services now cover most of Hélice's running costs, so the cluster "
        "depends far less on regional grants than it did five years ago.\n\n"
        "The lesson from the first year is that a shared laboratory works only when every partner commits "
        "staff time before the equipment is bought; we recommend agreeing on that in writing.\n"),
    "news/cluster-week-post.md": (
        "# 🚀 Cluster week in Aarhus 🌍\n\n"
        "Forty start-ups 🚀 joined the Danish water-technology accelerator in its first year, and twelve of them "
        "raised seed funding from investors in Copenhagen and Hamburg.\n\n"
        "The cluster's board now includes two representatives of small firms elected by the members, after "
        "complaints that large manufacturers set the agenda.\n\n"
        "Our experience shows that a cross-border alliance works only when each partner brings something the "
        "others lack; agree on shared goals before applying for funding together.\n"),
    "reports/prato-textiles.txt": (
        "Two textile firms from Prato moved into medical fabrics after a cluster workshop paired them with a "
        "hospital procurement team in Florence.\n\n"
        "When the regional ministry cut its grant in 2021, the cluster kept its staff by selling test-bed time "
        "to firms outside the region, which we recommend to any cluster that depends on one funder.\n"),
}


# `lessons export OUT_DIR --qdpx FILE` and `lessons import-corrections FILE.qdpx`.
def export_args(out_dir: Path, file: Path) -> list[str]:
    return ["export", str(out_dir), "--qdpx", str(file)]


def import_args(file: Path, out: Path, *extra: str) -> list[str]:
    return ["import-corrections", str(file), "--out", str(out), *extra]


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def run(tmp_path_factory, model_dir):
    """A real run over news with accents and emoji, one passage decided by a reviewer."""
    root = tmp_path_factory.mktemp("refiqda")
    docs, out = write_files(root / "docs", DOCS), root / "out"
    assert run_batch(docs, out, Settings(model=model_dir)).ok
    [decided] = [r for r in lines(out / "passages.jsonl") if r["text"].startswith("Membership fees")]
    append_correction(out / "corrections.jsonl",
                      correction_for(decided, ["financial_sustainability"], True, "Marta Ortiz", REVIEWED_AT))
    assert run_batch(docs, out, Settings(model=model_dir)).ok  # the decision now shows in passages.jsonl
    return out


@pytest.fixture(scope="module")
def qdpx(run, tmp_path_factory):
    path = tmp_path_factory.mktemp("qdpx") / "lessons.qdpx"
    export_project(run, path)
    return path


def qde_of(path: Path) -> etree._ElementTree:
    with zipfile.ZipFile(path) as zf:
        return etree.ElementTree(etree.fromstring(zf.read("project.qde")))


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def labels_of(rec: dict) -> set[str]:
    return {t["id"] for t in rec["themes"]} | ({LESSON} if rec["is_lesson"] else set())


# ---- validation -----------------------------------------------------------------------------------
def test_project_validates_against_the_refi_qda_project_schema(qdpx):
    schema("Project.xsd").assertValid(qde_of(qdpx))


def test_codebook_validates_against_the_refi_qda_codebook_schema(codebook):
    if not (SCHEMAS / "Codebook.xsd").exists():
        pytest.skip("the genuine Codebook.xsd is not vendored yet (see tests/data/refi-qda/README.md)")
    schema("Codebook.xsd").assertValid(etree.ElementTree(etree.fromstring(codebook_xml(codebook))))


def test_qdc_holds_every_theme_and_the_lesson_flag_with_the_projects_code_guids(codebook, qdpx, tmp_path):
    result = runner.invoke(app, ["themes", "--qdc", str(tmp_path / "codes.qdc")])
    assert result.exit_code == 0, result.output
    root = etree.parse(str(tmp_path / "codes.qdc")).getroot()
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    qdc = {c.get("name"): (c.get("guid"), c.findtext(f"{{{CODEBOOK_NS}}}Description"), c.get("isCodable"))
           for c in root.iter(f"{{{CODEBOOK_NS}}}Code")}
    assert qdc == {**{t.name: (guid("code", t.id), t.description, "true") for t in codebook.themes},
                   "Lesson": (guid("code", LESSON), codebook.lesson_description, "true")}
    in_project = {c.get("name"): (c.get("guid"), c.findtext(f"{P}Description"), c.get("isCodable"))
                  for c in qde_of(qdpx).iter(f"{P}Code")}
    assert in_project == qdc  # import the codebook first, then the project: the codes are the same codes


# ---- the round trip ---------------------------------------------------------------------------------
def test_round_trip_keeps_every_coded_selections_offsets_codes_and_text(run, qdpx, codebook):
    records = lines(run / "passages.jsonl")
    texts = {d["doc_id"]: d["text"] for d in lines(run / "documents.jsonl")}
    project = read_project(qdpx)
    users = {g: u.name for g, u in project.users.items()}
    codes = {g: c.name for g, c in project.codes.items()}
    names = {t.id: t.name for t in codebook.themes} | {LESSON: "Lesson"}
    by_pid = {s.name: (source, s) for source in project.sources for s in source.selections}
    assert len(by_pid) == len(records) == sum(len(s.selections) for s in project.sources)
    for rec in records:
        source, sel = by_pid[rec["passage_id"]]
        assert source.text == texts[rec["doc_id"]] and source.doc_id == rec["doc_id"]
        assert (sel.start, sel.end) == (rec["start"], rec["end"])
        assert source.text[sel.start:sel.end] == rec["text"]
        assert {codes[c.code] for c in sel.codings} == {names[label] for label in labels_of(rec)}
        coder = rec["reviewer"] if rec["reviewed"] else rec["model"]
        assert {users[c.user] for c in sel.codings} <= {coder} and users[sel.user] == coder
    # Offsets count characters: in the emoji post and the accented news, UTF-8 bytes would not match.
    shifted = [r for r in records if len(texts[r["doc_id"]][:r["start"]].encode("utf-8")) != r["start"]]
    assert {r["doc_id"] for r in shifted} == {"news/malaga-aerospace.txt", "news/cluster-week-post.md"}
    assert any("🚀" in r["text"] for r in records)


def test_a_reviewed_passage_is_coded_by_its_reviewer_not_the_model(run, qdpx):
    [rec] = [r for r in lines(run / "passages.jsonl") if r["reviewed"]]
    project = read_project(qdpx)
    [sel] = [s for source in project.sources for s in source.selections if s.name == rec["passage_id"]]
    assert {project.users[c.user].name for c in sel.codings} == {"Marta Ortiz"}
    assert {c.created for c in sel.codings} == {REVIEWED_AT}
    assert not project.users[sel.user].is_model
    assert {u.name for u in project.users.values() if u.is_model} == {rec["model"]}


def test_exporting_a_run_twice_gives_the_same_bytes(run, qdpx, tmp_path):
    export_project(run, tmp_path / "again.qdpx")
    assert (tmp_path / "again.qdpx").read_bytes() == qdpx.read_bytes()


def test_document_metadata_are_case_variables_and_a_duplicates_passages_stay(run, tmp_path):
    copy = shutil.copytree(run, tmp_path / "run")
    docs = lines(copy / "documents.jsonl")
    for d in docs:  # what duplicate detection adds: the story kept, the repeat still read and coded
        if d["doc_id"] == "reports/prato-textiles.txt":
            d["duplicate_of"] = "news/malaga-aerospace.txt"
    (copy / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    export_project(copy, tmp_path / "dup.qdpx")
    schema("Project.xsd").assertValid(qde_of(tmp_path / "dup.qdpx"))
    sources = {s.doc_id: s for s in read_project(tmp_path / "dup.qdpx").sources}
    prato = sources["reports/prato-textiles.txt"]
    assert prato.variables["duplicate_of"] == "news/malaga-aerospace.txt"
    assert len(prato.selections) == sum(r["doc_id"] == prato.doc_id for r in lines(copy / "passages.jsonl")) > 0
    malaga = next(d for d in docs if d["doc_id"] == "news/malaga-aerospace.txt")
    assert {k: v for k, v in sources[malaga["doc_id"]].variables.items()} == {
        k: str(malaga[k]) for k in ("doc_id", "title", "published", "url", "format", "language") if malaga.get(k)}
    assert "duplicate_of" not in sources[malaga["doc_id"]].variables


# ---- a team's coding back ---------------------------------------------------------------------------
def human_coded(qdpx: Path, dest: Path, run: Path) -> dict[str, dict]:
    """Edit project.qde as a QDA tool would after two people coded in it; returns the passages they decided."""
    records = lines(run / "passages.jsonl")
    wind, board, prato = (next(r for r in records if r["text"].startswith(opening))
                          for opening in ("Forty start-ups", "The cluster's board", "When the regional ministry"))
    tree = qde_of(qdpx)
    root = tree.getroot()
    users = root.find(f"{P}Users")
    ana, ben = "6f1c2a9e-3d4b-4c5a-9e8f-0a1b2c3d4e5f", "{7A2B3C4D-5E6F-4A1B-8C9D-0E1F2A3B4C5D}"  # tools' own GUIDs
    etree.SubElement(users, f"{P}User", guid=ana, name="Ana Ruiz", id="AR")
    etree.SubElement(users, f"{P}User", guid=ben, name="Ben Okafor", id="BO")
    codebook_el = root.find(f"{P}CodeBook/{P}Codes")
    quote = "0d5e3c1a-8b7f-4e2d-9c6b-5a4f3e2d1c0b"
    etree.SubElement(codebook_el, f"{P}Code", guid=quote, name="Striking quote", isCodable="true")
    sels = {s.get("name"): s for s in root.iter(f"{P}PlainTextSelection")}

    def code(sel, code_guid, user, when):
        c = etree.SubElement(sel, f"{P}Coding", guid=guid("t", f"{sel.get('guid')}{code_guid}{user}"),
                             creatingUser=user, creationDateTime=when)
        etree.SubElement(c, f"{P}CodeRef", targetGUID=code_guid)

    # Ana codes the model's own selection of the accelerator passage: entrepreneurship and a lesson.
    sel = sels[wind["passage_id"]]
    code(sel, guid("code", "entrepreneurship"), ana, "2024-07-01T10:00:00Z")
    code(sel, guid("code", LESSON), ana, "2024-07-01T10:02:00Z")
    code(sel, quote, ana, "2024-07-01T10:03:00Z")  # not a codebook code: reported, not a decision
    # Ben codes the same passage differently, in his own selection (one selection per coding, as
    # QualCoder writes them), his selection taking in the blank line after the passage.
    source = sel.getparent()
    own = etree.SubElement(source, f"{P}PlainTextSelection", guid="1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
                           startPosition=str(wind["start"]), endPosition=str(wind["end"] + 2), creatingUser=ben)
    code(own, guid("code", "partnerships"), ben, "2024-07-02T09:00:00Z")
    # Ana changes a code on the board passage: the model's theme removed, hers added.
    sel = sels[board["passage_id"]]
    for c in sel.findall(f"{P}Coding"):
        sel.remove(c)
    code(sel, guid("code", "shared_governance"), ana, "2024-07-01T11:00:00Z")
    # Ana codes half of the Prato passage: not a passage, so reported.
    half = etree.SubElement(sels[prato["passage_id"]].getparent(), f"{P}PlainTextSelection",
                            guid="2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", startPosition=str(prato["start"]),
                            endPosition=str(prato["start"] + 60), creatingUser=ana)
    code(half, guid("code", "financial_sustainability"), ana, "2024-07-01T12:00:00Z")
    schema("Project.xsd").assertValid(tree)  # still a valid project, as a tool would write it
    with zipfile.ZipFile(qdpx) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8") if item.filename == "project.qde" \
                else src.read(item)
            out.writestr(item.filename, data)
    return {"wind": wind, "board": board, "prato": prato}


def test_a_teams_coding_becomes_corrections_for_their_decisions_only(run, qdpx, tmp_path, codebook):
    coded = human_coded(qdpx, tmp_path / "coded.qdpx", run)
    out = tmp_path / "corrections.jsonl"
    shutil.copy(run / "corrections.jsonl", out)  # Marta's decision, exported as her coding, is already there
    report = import_qdpx_corrections(tmp_path / "coded.qdpx", out, codebook)
    got = {(c.passage_id, c.reviewer): c for c in report.written}
    wind, board = coded["wind"], coded["board"]
    assert set(got) == {(wind["passage_id"], "Ana Ruiz"), (wind["passage_id"], "Ben Okafor"),
                        (board["passage_id"], "Ana Ruiz")}
    ana = got[(wind["passage_id"], "Ana Ruiz")]
    assert (ana.themes, ana.is_lesson, ana.text, ana.doc_id) == (("entrepreneurship",), True, wind["text"],
                                                                  "news/cluster-week-post.md")
    assert ana.reviewed_at == datetime(2024, 7, 1, 10, 2, tzinfo=timezone.utc)  # her latest codebook coding
    assert (ana.before.themes, ana.before.is_lesson) == (tuple(sorted(t["id"] for t in wind["themes"])),
                                                         wind["is_lesson"])
    assert ana.model == wind["model"]
    ben = got[(wind["passage_id"], "Ben Okafor")]
    assert (ben.themes, ben.is_lesson) == (("partnerships",), False)
    changed = got[(board["passage_id"], "Ana Ruiz")]
    assert changed.themes == ("shared_governance",) and changed.before.themes == ()  # she removed the model's
    assert report.already == 1  # Marta's
    [half] = report.unmatched
    assert (half.user, half.codes, half.start) == ("Ana Ruiz", ("financial_sustainability",), coded["prato"]["start"])
    assert report.unknown_codes == {"Striking quote": 1}
    found = read_corrections([out], codebook.ids)
    assert len(found.corrections) == 3 and len(found.conflicts) == 1  # Ana and Ben disagree: reported, kept
    assert import_qdpx_corrections(tmp_path / "coded.qdpx", out, codebook).written == []  # twice = once


def test_import_cli_reports_what_is_not_a_passage_and_unknown_codes(run, qdpx, tmp_path):
    human_coded(qdpx, tmp_path / "coded.qdpx", run)
    result = runner.invoke(app, import_args(tmp_path / "coded.qdpx", tmp_path / "c.jsonl"))
    assert result.exit_code == 0, result.output
    assert "4 decisions appended" in result.stderr  # with Marta's, which this new file did not hold
    assert "(Ana Ruiz 2, Ben Okafor 1, Marta Ortiz 1)" in result.stderr
    assert "not a passage: Ana Ruiz coded financial_sustainability on reports/prato-textiles.txt" in result.stderr
    assert "not in the codebook: code 'Striking quote'" in result.stderr
    assert len(lines(tmp_path / "c.jsonl")) == 4


def test_export_cli_writes_a_valid_project(run, tmp_path):
    result = runner.invoke(app, export_args(run, tmp_path / "cli.qdpx"))
    assert result.exit_code == 0, result.output
    assert "3 documents" in result.stderr and "Marta Ortiz" in result.stderr
    schema("Project.xsd").assertValid(qde_of(tmp_path / "cli.qdpx"))


# ---- hostile projects ---------------------------------------------------------------------------------
def zipped(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_a_zip_bomb_member_is_refused_before_it_is_inflated(tmp_path):
    bomb = zipped(tmp_path / "bomb.qdpx", {"project.qde": b"<Project/>" + b" " * (40 * 1024 * 1024)})
    assert bomb.stat().st_size < 200_000
    with pytest.raises(QdpxError, match="zip bomb"):
        read_project(bomb)
    result = runner.invoke(app, import_args(bomb, tmp_path / "c.jsonl"))
    assert result.exit_code == EXIT_FAILED and "error (qdpx)" in result.stderr and "zip bomb" in result.stderr
    assert not (tmp_path / "c.jsonl").exists()


ENTITIES = ('<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
            f'<Project xmlns="{PROJECT_NS}" name="x"><Description>&d;</Description></Project>')


@pytest.mark.parametrize("payload", [
    # an external entity that would read a local file
    ('<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
     f'<Project xmlns="{PROJECT_NS}" name="x"><Description>&secret;</Description></Project>').encode(),
    # entities that would expand to gigabytes (billion laughs)
    ENTITIES.encode(),
    # the same in UTF-16, which a scan of the bytes for "<!DOCTYPE" does not see: the parser's check does
    ('<?xml version="1.0" encoding="UTF-16"?>' + ENTITIES).encode("utf-16"),
], ids=["external-entity", "billion-laughs", "utf-16"])
def test_a_project_declaring_a_dtd_is_refused(tmp_path, payload):
    path = zipped(tmp_path / "dtd.qdpx", {"project.qde": payload})
    with pytest.raises(QdpxError, match="declares a DTD"):
        read_project(path)


def test_a_file_that_is_not_a_project_says_so(tmp_path):
    (tmp_path / "notes.qdpx").write_text("not a zip", encoding="utf-8")
    with pytest.raises(QdpxError, match="not a .qdpx"):
        read_project(tmp_path / "notes.qdpx")
    other = zipped(tmp_path / "other.qdpx", {"project.qde": b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'})
    with pytest.raises(QdpxError, match="not a REFI-QDA project"):
        read_project(other)
