"""REFI-QDA exchange: the codebook as a ``.qdc``, a run as a ``.qdpx`` project, a team's coding back.

REFI-QDA (QDA-XML 1.0, www.qdasoftware.org) is the format NVivo, ATLAS.ti, MAXQDA and QualCoder
share. A ``.qdpx`` is a zip of ``project.qde`` (XML in ``urn:QDA-XML:project:1.0``) and a
``sources/`` folder; a ``.qdc`` is a bare codebook (``urn:QDA-XML:codebook:1.0``).

Mapping: each document is a plain-text source holding exactly the ``text`` of its
``documents.jsonl`` record, so a passage's ``start``/``end`` are its selection's
``startPosition``/``endPosition`` unchanged. Positions count characters (Unicode code points,
Python's string indices), the unit our offsets already use; a tool that counts UTF-16 units
would see an emoji as two. Each passage is one ``PlainTextSelection`` named by its
``passage_id``, with one ``Coding`` per theme and one for the lesson flag, created by the model
(a ``User`` named by the model id) or, for a passage a reviewer decided, by that reviewer.
Document metadata are ``Variables`` on one ``Case`` per document, which holds its source.

GUIDs are UUID5s of stable ids (theme id, doc_id, passage_id, model id), so exporting the same
run twice gives the same bytes, and the ``.qdc`` and the project's codebook share code GUIDs.

Reading a ``.qdpx`` from elsewhere: member sizes and compression ratios are checked before any
byte is inflated, and reads stop at the limit whatever the zip header claims; the XML parser
loads no DTD, resolves no entity and touches no network, and a project declaring a DTD is
refused. Members are read into memory by name and never extracted, so a member name such as
``../../etc/passwd`` can do no harm.
"""

from __future__ import annotations

import json
import os
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import jsonlines
from lxml import etree

from . import __version__
from .codebook import Codebook, load_codebook
from .corrections import Correction, ModelView, append_correction, read_corrections
from .errors import LessonsError
from .labels import text_sha256
from .outputs import DOCUMENTS, MANIFEST
from .review import iter_records

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
QDE = "project.qde"
SOURCES = "sources"
ORIGIN = f"Cluster Lessons {__version__}"
LESSON = "is_lesson"  # the lesson flag's code, beside the theme codes
_GUIDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cluster-lessons:refi-qda")
# A tool-neutral palette (matplotlib's tab10, then a dark grey for the lesson code).
_COLOURS = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F",
            "#BCBD22", "#17BECF")
_LESSON_COLOUR = "#333333"
# Limits for a .qdpx from elsewhere: text projects are small; a member that inflates past this,
# or a large one that compresses better than any XML or prose does, is a zip bomb.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
_RATIO_FROM = 1024 * 1024  # small members may compress well (a run of spaces) without harm
_PROLOG = 64 * 1024
_DOC_VARIABLES = (("doc_id", "Text"), ("title", "Text"), ("published", "Date"), ("url", "Text"),
                  ("format", "Text"), ("language", "Text"), ("duplicate_of", "Text"))


class QdpxError(LessonsError):
    """A ``.qdpx`` that cannot or must not be read (not a zip, hostile, or not a REFI-QDA project)."""

    kind = "qdpx"


def guid(kind: str, key: str) -> str:
    """A GUID that is the same every time for the same thing (``kind`` keeps namespaces apart)."""
    return str(uuid.uuid5(_GUIDS, f"{kind}:{key}"))


def model_user_guid(name: str) -> str:
    """The GUID of the model's user: derived from its name, so an import recognises the model."""
    return guid("model-user", name)


def _q(tag: str, ns: str = PROJECT_NS) -> str:
    return f"{{{ns}}}{tag}"


# ---- writing ------------------------------------------------------------------------------------
def _codes(parent: etree._Element, codebook: Codebook, ns: str) -> None:
    codes = etree.SubElement(parent, _q("Codes", ns))
    entries = [(t.id, t.name, t.description, _COLOURS[i % len(_COLOURS)]) for i, t in enumerate(codebook.themes)]
    entries.append((LESSON, "Lesson", codebook.lesson_description, _LESSON_COLOUR))
    for code_id, name, description, colour in entries:
        code = etree.SubElement(codes, _q("Code", ns), guid=guid("code", code_id), name=name, isCodable="true",
                                color=colour)
        if description:
            etree.SubElement(code, _q("Description", ns)).text = description


def _xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _write_atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with tmp.open("wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise LessonsError(f"cannot write {path}: {exc.strerror or exc}", kind="output", path=str(path)) from None
    finally:
        tmp.unlink(missing_ok=True)


def codebook_xml(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document: every theme and the lesson flag as a code."""
    root = etree.Element(_q("CodeBook", CODEBOOK_NS), nsmap={None: CODEBOOK_NS}, origin=ORIGIN)
    _codes(root, codebook, CODEBOOK_NS)
    return _xml_bytes(root)


def write_codebook(codebook: Codebook, path: str | Path) -> None:
    """Write the codebook as a ``.qdc`` file (same code GUIDs as in an exported project)."""
    data = codebook_xml(codebook)
    _write_atomic(Path(path), lambda fh: fh.write(data))


@dataclass
class ProjectSummary:
    """What an export wrote, for the CLI to print."""

    documents: int = 0
    selections: int = 0
    codings: int = 0
    users: list[str] = field(default_factory=list)


def _read_run(out_dir: Path) -> tuple[list[dict], dict[str, list[dict]], dict]:
    passages: dict[str, list[dict]] = defaultdict(list)
    for rec in iter_records(out_dir):  # checks the folder is a run's and reports a damaged line
        passages[rec["doc_id"]].append(rec)
    with jsonlines.open(out_dir / DOCUMENTS) as reader:
        documents = list(reader)
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        manifest = {}
    return documents, passages, manifest


def _run_codebook(manifest: Mapping) -> Codebook:
    recorded = manifest.get("codebook_path")
    return load_codebook(recorded if recorded and Path(recorded).is_file() else None)


def _when(value: str | None, fallback: str) -> str:
    """An ``xsd:dateTime`` with an offset (a time without one is UTC, as in corrections)."""
    try:
        when = datetime.fromisoformat(value) if value else datetime.fromisoformat(fallback)
    except ValueError:
        when = datetime.fromisoformat(fallback)
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).isoformat()


def project_xml(documents: list[dict], passages: Mapping[str, list[dict]], codebook: Codebook, *, name: str,
                created: str) -> tuple[bytes, dict[str, bytes], ProjectSummary]:
    """``project.qde`` and the source files (``sources/<guid>.txt``) of a run's documents and passages."""
    summary = ProjectSummary()
    known = set(codebook.ids)
    users: dict[str, tuple[str, str]] = {}  # guid -> (name, id attribute)

    def user(name: str, model: bool) -> str:
        g = model_user_guid(name) if model else guid("reviewer", name)
        users.setdefault(g, (name, "model" if model else "reviewer"))
        return g

    sources_el = etree.Element(_q("Sources"))
    cases_el = etree.Element(_q("Cases"))
    files: dict[str, bytes] = {}
    for doc in documents:
        doc_id = doc["doc_id"]
        source_guid = guid("source", doc_id)
        files[f"{SOURCES}/{source_guid}.txt"] = doc.get("text", "").encode("utf-8")
        source = etree.SubElement(sources_el, _q("TextSource"), guid=source_guid, name=doc_id,
                                  plainTextPath=f"internal://{source_guid}.txt", creationDateTime=created)
        if doc.get("title"):
            etree.SubElement(source, _q("Description")).text = doc["title"]
        for rec in passages.get(doc_id, []):
            unknown = {t["id"] for t in rec["themes"]} - known
            if unknown:
                raise LessonsError(f"passage {rec['passage_id']} has themes {sorted(unknown)} that codebook "
                                   f"{codebook.source} lacks; give the codebook of the run", kind="codebook")
            reviewed = bool(rec.get("reviewed"))
            who = user(rec["reviewer"], False) if reviewed else user(rec.get("model") or "model", True)
            when = _when(rec.get("reviewed_at"), created) if reviewed else created
            sel = etree.SubElement(source, _q("PlainTextSelection"), guid=guid("selection", rec["passage_id"]),
                                   name=rec["passage_id"], startPosition=str(rec["start"]),
                                   endPosition=str(rec["end"]), creatingUser=who, creationDateTime=when)
            labels = [t["id"] for t in rec["themes"]] + ([LESSON] if rec["is_lesson"] else [])
            for label in labels:
                coding = etree.SubElement(sel, _q("Coding"), guid=guid("coding", f"{rec['passage_id']}:{label}"),
                                          creatingUser=who, creationDateTime=when)
                etree.SubElement(coding, _q("CodeRef"), targetGUID=guid("code", label))
            summary.selections += 1
            summary.codings += len(labels)
        case = etree.SubElement(cases_el, _q("Case"), guid=guid("case", doc_id), name=doc_id)
        for var, kind in _DOC_VARIABLES:
            value = doc.get(var)
            if value in (None, ""):
                continue
            vv = etree.SubElement(case, _q("VariableValue"))
            etree.SubElement(vv, _q("VariableRef"), targetGUID=guid("variable", var))
            etree.SubElement(vv, _q(f"{kind}Value")).text = str(value)
        etree.SubElement(case, _q("SourceRef"), targetGUID=source_guid)
        summary.documents += 1

    root = etree.Element(_q("Project"), nsmap={None: PROJECT_NS}, name=name, origin=ORIGIN, creationDateTime=created)
    if users:
        users_el = etree.SubElement(root, _q("Users"))
        for g, (user_name, role) in sorted(users.items(), key=lambda kv: (kv[1][1], kv[1][0])):
            etree.SubElement(users_el, _q("User"), guid=g, name=user_name, id=role)
            summary.users.append(user_name)
    _codes(etree.SubElement(root, _q("CodeBook")), codebook, PROJECT_NS)
    variables = etree.SubElement(root, _q("Variables"))
    for var, kind in _DOC_VARIABLES:
        etree.SubElement(variables, _q("Variable"), guid=guid("variable", var), name=var, typeOfVariable=kind)
    if len(cases_el):
        root.append(cases_el)
    if len(sources_el):
        root.append(sources_el)
    return _xml_bytes(root), files, summary


def export_project(out_dir: str | Path, path: str | Path, codebook: Codebook | None = None) -> ProjectSummary:
    """Write a run (``lessons run --out`` folder) as a REFI-QDA project ``.qdpx``.

    The codebook defaults to the one the run's manifest names (else ``corpus/codebook.toml``).
    The same run always gives the same bytes: GUIDs and zip timestamps derive from the run."""
    out_dir = Path(out_dir)
    documents, passages, manifest = _read_run(out_dir)
    codebook = codebook or _run_codebook(manifest)
    created = _when(manifest.get("finished"), "1980-01-01T00:00:00+00:00")
    qde, files, summary = project_xml(documents, passages, codebook, name=f"Cluster Lessons: {out_dir.resolve().name}",
                                      created=created)
    stamp = datetime.fromisoformat(created).astimezone(timezone.utc).timetuple()[:6]
    stamp = max(stamp, (1980, 1, 1, 0, 0, 0))  # the earliest time a zip can hold

    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for member, data in [(QDE, qde), *files.items()]:
                info = zipfile.ZipInfo(member, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)

    _write_atomic(Path(path), write)
    return summary


# ---- reading ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class User:
    guid: str
    name: str
    is_model: bool


@dataclass(frozen=True, slots=True)
class Code:
    guid: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Coding:
    code: str  # the code's GUID
    user: str | None  # the creating user's GUID (the selection's when the coding names none)
    created: datetime | None


@dataclass(frozen=True, slots=True)
class Selection:
    """A coded span of a text source; ``start``/``end`` are character offsets into its text."""

    guid: str
    name: str | None
    start: int
    end: int
    user: str | None
    created: datetime | None
    codings: tuple[Coding, ...]


@dataclass(frozen=True, slots=True)
class Source:
    guid: str
    name: str
    text: str
    selections: tuple[Selection, ...]
    variables: Mapping[str, str]

    @property
    def doc_id(self) -> str:
        return self.variables.get("doc_id") or self.name


@dataclass(frozen=True)
class Project:
    """The parts of a REFI-QDA project this tool reads: users, codes, text sources and their codings."""

    name: str
    users: Mapping[str, User]
    codes: Mapping[str, Code]
    sources: list[Source]


def _norm_guid(value: str | None) -> str | None:
    return value.strip().strip("{}").lower() if value else None


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: Path) -> bytes:
    if info.file_size > MAX_MEMBER_BYTES:
        raise QdpxError(f"{where}: member {info.filename!r} would inflate to {info.file_size:,} bytes, more than "
                        f"{MAX_MEMBER_BYTES:,}; refusing it (a zip bomb, or not a text project)", path=str(where))
    if info.file_size > _RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise QdpxError(f"{where}: member {info.filename!r} inflates {info.file_size // max(info.compress_size, 1):,} "
                        f"times; refusing it as a zip bomb", path=str(where))
    with zf.open(info) as fh:  # a header can lie about the size: never read past the limit
        data = fh.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise QdpxError(f"{where}: member {info.filename!r} inflates past {MAX_MEMBER_BYTES:,} bytes; refusing it",
                        path=str(where))
    return data


def parse_qde(data: bytes, where: str | Path) -> etree._ElementTree:
    """Parse ``project.qde`` safely: no DTD, no entities, no network; a DTD is refused outright."""
    refused = QdpxError(f"{where}: {QDE} declares a DTD; REFI-QDA projects never need one, and its entities "
                        "could expand without bound or read local files, so it is refused", path=str(where))
    if b"<!DOCTYPE" in data[:_PROLOG]:  # said before the parser can call it merely malformed
        raise refused
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise QdpxError(f"{where}: {QDE} is not well-formed XML: {exc}", path=str(where)) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # a DTD past the prolog we looked at
        raise refused
    if tree.getroot().tag != _q("Project"):
        raise QdpxError(f"{where}: {QDE} is not a REFI-QDA project (root {tree.getroot().tag!r}, expected Project in "
                        f"{PROJECT_NS})", path=str(where))
    return tree


def read_project(path: str | Path) -> Project:
    """Read a ``.qdpx``: users, codes, and every text source with its coded selections."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise QdpxError(f"project not found: {path}", path=str(path)) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise QdpxError(f"{path} is not a .qdpx (a zip of project.qde and sources): {exc}", path=str(path)) from None
    with zf:
        members = {info.filename: info for info in zf.infolist()}
        by_lower = {name.lower(): info for name, info in members.items()}
        if QDE not in by_lower:
            raise QdpxError(f"{path} holds no {QDE}; is it a REFI-QDA project?", path=str(path))
        root = parse_qde(_read_member(zf, by_lower[QDE], path), path).getroot()

        def source_text(el: etree._Element) -> str:
            inline = el.find(_q("PlainTextContent"))
            if inline is not None:
                return inline.text or ""
            ref = el.get("plainTextPath") or ""
            name = ref.removeprefix("internal://") if ref.startswith("internal://") else None
            info = by_lower.get(f"{SOURCES}/{name}".lower()) if name else None
            if info is None:
                raise QdpxError(f"{path}: source {el.get('name')!r} has no plain text in the project "
                                f"({ref or 'no plainTextPath'})", path=str(path))
            try:
                return _read_member(zf, info, path).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise QdpxError(f"{path}: {info.filename} is not UTF-8 text", path=str(path)) from None

        users = {_norm_guid(u.get("guid")): User(_norm_guid(u.get("guid")), u.get("name") or u.get("id") or "",
                                                 _norm_guid(u.get("guid")) == model_user_guid(u.get("name") or ""))
                 for u in root.iterfind(f"{_q('Users')}/{_q('User')}")}
        codes = {_norm_guid(c.get("guid")): Code(_norm_guid(c.get("guid")), c.get("name", ""),
                                                 c.findtext(_q("Description")) or "")
                 for c in root.iterfind(f".//{_q('CodeBook')}//{_q('Code')}")}
        variables = {_norm_guid(v.get("guid")): v.get("name", "") for v in root.iterfind(f".//{_q('Variable')}")}
        case_values: dict[str, dict[str, str]] = defaultdict(dict)
        for case in root.iterfind(f"{_q('Cases')}/{_q('Case')}"):
            values = {}
            for vv in case.iterfind(_q("VariableValue")):
                ref = vv.find(_q("VariableRef"))
                name = variables.get(_norm_guid(ref.get("targetGUID"))) if ref is not None else None
                value = next((child.text or "" for child in vv if child is not ref), None)
                if name and value is not None:
                    values[name] = value
            for ref in case.iterfind(_q("SourceRef")):
                case_values[_norm_guid(ref.get("targetGUID"))].update(values)
        sources = []
        for el in root.iterfind(f"{_q('Sources')}/{_q('TextSource')}"):
            source_guid = _norm_guid(el.get("guid"))
            selections = []
            for sel in el.iterfind(_q("PlainTextSelection")):
                sel_user = _norm_guid(sel.get("creatingUser"))
                try:
                    start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                except (TypeError, ValueError):
                    raise QdpxError(f"{path}: selection {sel.get('guid')} has no integer start/endPosition",
                                    path=str(path)) from None
                codings = tuple(Coding(_norm_guid(c.find(_q("CodeRef")).get("targetGUID")),
                                       _norm_guid(c.get("creatingUser")) or sel_user,
                                       _time(c.get("creationDateTime")) or _time(sel.get("creationDateTime")))
                                for c in sel.iterfind(_q("Coding")) if c.find(_q("CodeRef")) is not None)
                selections.append(Selection(_norm_guid(sel.get("guid")), sel.get("name"), start, end, sel_user,
                                            _time(sel.get("creationDateTime")), codings))
            sources.append(Source(source_guid, el.get("name") or "", source_text(el), tuple(selections),
                                  case_values.get(source_guid, {})))
    return Project(root.get("name", ""), users, codes, sources)


# ---- a team's coding back into corrections ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Unmatched:
    """A human's coded selection that is not exactly one passage (reported, never guessed at)."""

    source: str
    start: int
    end: int
    user: str
    codes: tuple[str, ...]


@dataclass
class QdpxImport:
    """What an import found and wrote."""

    written: list[Correction] = field(default_factory=list)
    already: int = 0  # decisions the corrections file already held (the same import run again)
    unmatched: list[Unmatched] = field(default_factory=list)
    unknown_codes: Counter = field(default_factory=Counter)  # code name -> codings not in the codebook
    model_users: list[str] = field(default_factory=list)


def code_labels(codes: Mapping[str, Code], codebook: Codebook) -> dict[str, str]:
    """Code GUID -> theme id or ``is_lesson``: by our GUIDs, else by name (a tool may renew GUIDs)."""
    by_guid = {guid("code", t): t for t in [*codebook.ids, LESSON]}
    by_name = {t.name.casefold(): t.id for t in codebook.themes} | {t.id: t.id for t in codebook.themes}
    by_name |= {"lesson": LESSON, LESSON: LESSON}
    out = {}
    for g, code in codes.items():
        label = by_guid.get(g) or by_name.get(code.name.strip().casefold())
        if label:
            out[g] = label
    return out


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the white space a tool's selection may include at either end."""
    segment = text[start:end]
    return start + len(segment) - len(segment.lstrip()), end - len(segment) + len(segment.rstrip())


def human_decisions(project: Project, codebook: Codebook, *, reviewer: str = "unknown",
                    model_users: Collection[str] = ()) -> tuple[list[Correction], QdpxImport]:
    """The decisions people (every user but the model) coded on the exported passages.

    A passage is decided by a person who coded a selection spanning exactly that passage (white
    space at either end aside) with codes of the codebook; the decision is every theme they coded
    there plus the lesson flag if they coded it, and its time is their latest coding's. A
    selection covering part of a passage, or several, is reported in ``unmatched``: which
    passage a code was meant for is not ours to guess. The model's view (``before``) is what the
    model coded on that passage in the same project; scores are not in a project.
    """
    report = QdpxImport()
    labels = code_labels(project.codes, codebook)
    is_model = {g for g, u in project.users.items() if u.is_model or u.name in model_users}
    report.model_users = sorted(project.users[g].name for g in is_model)
    order = {t: i for i, t in enumerate([*codebook.ids, LESSON])}
    found: list[Correction] = []
    for source in project.sources:
        doc_id = source.doc_id
        passages = {_trimmed(source.text, s.start, s.end): s.name for s in source.selections
                    if s.name and s.name.startswith(f"{doc_id}#")}
        model_view: dict[str, set[str]] = defaultdict(set)
        model_name: dict[str, str] = {}
        decided: dict[tuple[str, str], list[Coding]] = defaultdict(list)
        for sel in source.selections:
            span = _trimmed(source.text, sel.start, sel.end)
            pid = passages.get(span)
            human: dict[str, list[Coding]] = defaultdict(list)
            for c in sel.codings:
                if c.user in is_model:
                    if pid and c.code in labels:
                        model_view[pid].add(labels[c.code])
                        model_name[pid] = project.users[c.user].name
                    continue
                name = project.users[c.user].name if c.user in project.users else reviewer
                if c.code not in labels:
                    report.unknown_codes[project.codes[c.code].name if c.code in project.codes else c.code] += 1
                    continue
                human[name].append(c)
            for name, codings in human.items():
                if pid is None:
                    report.unmatched.append(Unmatched(source.name, sel.start, sel.end, name,
                                                      tuple(labels[c.code] for c in codings)))
                else:
                    decided[(pid, name)].extend(codings)
        spans = {pid: span for span, pid in passages.items()}
        for (pid, name), codings in sorted(decided.items(), key=lambda kv: (spans[kv[0][0]], kv[0][1])):
            chosen = sorted({labels[c.code] for c in codings}, key=order.__getitem__)
            before = sorted(model_view.get(pid, ()), key=order.__getitem__)
            text = source.text[slice(*spans[pid])]
            times = [c.created for c in codings if c.created]
            found.append(Correction(
                passage_id=pid, doc_id=doc_id, text_sha256=text_sha256(text), text=text,
                themes=tuple(t for t in chosen if t != LESSON), is_lesson=LESSON in chosen,
                before=ModelView(tuple(t for t in before if t != LESSON), LESSON in before),
                model=model_name.get(pid) or (report.model_users[0] if report.model_users else None),
                reviewer=name, reviewed_at=max(times) if times else datetime.now(timezone.utc)))
    return found, report


def import_qdpx_corrections(path: str | Path, out: str | Path, codebook: Codebook | None = None, *,
                            reviewer: str = "unknown", model_users: Collection[str] = ()) -> QdpxImport:
    """Append the people's decisions coded in a ``.qdpx`` to the corrections file ``out``.

    ``reviewer`` names a person whose codings carry no user; ``model_users`` names the model's
    user when a tool renewed its GUID (it is recognised by its GUID otherwise). A decision the
    file already holds (same text, reviewer, labels and time) is not written again, so importing
    the same project twice changes nothing."""
    codebook = codebook or load_codebook()
    found, report = human_decisions(read_project(path), codebook, reviewer=reviewer, model_users=model_users)
    out = Path(out)
    held = set()
    if out.exists():  # each text's standing decision, and each other reviewer's latest differing one
        standing = read_corrections([out], codebook.ids)
        held = {(c.text_sha256, c.reviewer, c.labels(), c.reviewed_at)
                for c in [*standing.corrections, *(k.overruled for k in standing.conflicts)]}
    for c in found:
        if (c.text_sha256, c.reviewer, c.labels(), c.reviewed_at) in held:
            report.already += 1
            continue
        append_correction(out, c)
        report.written.append(c)
    return report

