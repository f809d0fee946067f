"""Word documents: paragraphs in body order, heading styles become ``#`` sections, lists stay lists.

The archive is inspected before python-docx touches it, because python-docx reads a member
whole (a 1 GiB member of a 10 kB file is a bomb) and raises a bare KeyError when the main part
is missing. XML with a DOCTYPE is refused, so no entity can be expanded or fetched.
"""

from __future__ import annotations

import io
import zipfile

from ..errors import IngestError
from .metadata import published_near_top
from .normalize import Extracted, clean_characters

MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200
MAIN_PART = "word/document.xml"


def check_archive(data: bytes, doc_id: str) -> None:
    """Refuse what is not a Word archive, or would unpack to far more than it weighs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise IngestError(f"{doc_id}: not a Word document (the file is not a .docx zip archive)", kind="not_a_docx") from None
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if MAIN_PART not in names:
            raise IngestError(f"{doc_id}: not a Word document ({MAIN_PART} is missing)", kind="not_a_docx")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED or any(i.file_size > 20 * 1024 * 1024 and i.file_size > MAX_RATIO * max(i.compress_size, 1)
                                       for i in infos):
            raise IngestError(f"{doc_id}: the archive would unpack to {total / 1e6:.0f} MB; refused as a possible zip bomb",
                              kind="unsafe_archive")
        for name in names:
            if name.endswith(".xml") or name.endswith(".rels"):
                with archive.open(name) as fh:
                    head = fh.read(4096)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise IngestError(f"{doc_id}: {name} declares XML entities; refused as unsafe", kind="unsafe_archive")


def read_docx(data: bytes, doc_id: str) -> Extracted:
    """Text of a .docx with headings from the Title/Heading styles and the core title property."""
    check_archive(data, doc_id)
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx surfaces many kinds of error on a damaged package
        raise IngestError(f"{doc_id}: the Word document is damaged ({exc.__class__.__name__})", kind="damaged_docx") from None
    blocks: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            para = docx.text.paragraph.Paragraph(child, document)
            text = " ".join(clean_characters(para.text).split())
            if not text:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            if style.startswith(("Heading", "Title")) or style == "Subtitle":
                blocks.append("# " + text)
            elif style.startswith("List") or child.find(qn("w:pPr") + "/" + qn("w:numPr")) is not None:
                blocks.append("- " + text)
            else:
                blocks.append(text)
        elif child.tag == qn("w:tbl"):
            table = docx.table.Table(child, document)
            for row in table.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                line = " | ".join(dict.fromkeys(c for c in cells if c))
                if line:
                    blocks.append(clean_characters(line))
    text = _join_lists(blocks)
    title = (document.core_properties.title or "").strip() or next(
        (b[2:] for b in blocks if b.startswith("# ")), None)
    return Extracted(text=text, title=title, published=published_near_top(text))


def _join_lists(blocks: list[str]) -> str:
    """Consecutive list items form one block; everything else is separated by a blank line."""
    out: list[str] = []
    for b in blocks:
        if out and b.startswith("- ") and out[-1].split("\n")[-1].startswith("- "):
            out[-1] += "\n" + b
        else:
            out.append(b)
    return "\n\n".join(out) + "\n"
