"""Word documents: paragraphs in body order, heading styles become ``#`` sections, lists stay lists.

The archive is inspected before python-docx touches it, because python-docx reads a member
whole (a 1 GiB member of a 10 kB file is a bomb) and raises a bare KeyError when the main part
is missing. XML with a DOCTYPE is refused, so no entity can be expanded or fetched.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections import Counter
from datetime import datetime

from ..errors import IngestError
from .metadata import published_near_top
from .normalize import Extracted, clean_characters

log = logging.getLogger(__name__)

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
    """Text of a .docx with headings from styles or bold/large type, and the core title and created date."""
    check_archive(data, doc_id)
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx surfaces many kinds of error on a damaged package
        return _salvage(data, doc_id, exc)
    body = document.element.body
    accept_changes(body)
    looks = _HeadingLooks(document)
    blocks: list[str] = []

    def add_paragraph(element) -> None:
        para = docx.text.paragraph.Paragraph(element, document)
        text = " ".join(clean_characters(para.text).split())
        if text:
            style = (para.style.name if para.style is not None else "") or ""
            if style.startswith(("Heading", "Title")) or style == "Subtitle":
                blocks.append("# " + text)
            elif style.startswith("List") or element.find(qn("w:pPr") + "/" + qn("w:numPr")) is not None:
                blocks.append("- " + text)
            elif looks.is_heading(para, text):
                blocks.append("# " + text)
            else:
                blocks.append(text)
        for inner in text_box_paragraphs(element):
            add_paragraph(inner)

    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            add_paragraph(child)
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
    return Extracted(text=text, title=title, published=published_near_top(text) or _created(document))


def _salvage(data: bytes, doc_id: str, exc: Exception) -> Extracted:
    """The paragraphs of word/document.xml read directly, when python-docx cannot open the package
    (its relationships or content types are missing or broken, as some converters leave them).
    No styles, so no sections; an archive whose main part holds no text is ``damaged_docx``."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph
    from lxml import etree

    damaged = IngestError(f"{doc_id}: the Word document is damaged ({exc.__class__.__name__}) and its main part "
                          "holds no readable text", kind="damaged_docx")
    try:  # python-docx's own parser: no entities resolved (check_archive refused any DOCTYPE)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = parse_xml(archive.read(MAIN_PART)).find(qn("w:body"))
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError):
        raise damaged from None
    if body is None:
        raise damaged
    accept_changes(body)
    blocks = [line for p in body.iter(qn("w:p"))
              if (line := " ".join(clean_characters(Paragraph(p, None).text).split()))]
    if not blocks:
        raise damaged
    log.info("%s: python-docx could not open it (%s); its text was read from %s without styles",
             doc_id, exc.__class__.__name__, MAIN_PART)
    text = "\n\n".join(blocks) + "\n"
    return Extracted(text=text, title=None, published=published_near_top(text))


# Wrappers whose content is the document's text, which python-docx's paragraphs and body walk skip:
# tracked insertions and moves (shown by Word, kept when changes are accepted), content controls
# (the title and abstract boxes of report templates), smart tags, custom XML and simple fields.
_UNWRAP = ("w:ins", "w:moveTo", "w:sdt", "w:smartTag", "w:customXml", "w:fldSimple")
# Tracked deletions and the old place of moved text: not the document's text.
_DROP = ("w:del", "w:moveFrom")


def accept_changes(body) -> None:
    """Edit the body's XML as Word's "accept all changes" and "remove content controls" would, so
    that the text read is the text a reader of the document sees."""
    from docx.oxml.ns import qn

    for el in list(body.iter(*(qn(t) for t in _DROP))):
        if el.getparent() is not None and not _is_marker(el):
            el.getparent().remove(el)
    sdt, sdt_content = qn("w:sdt"), qn("w:sdtContent")
    for el in list(body.iter(*(qn(t) for t in _UNWRAP))):
        parent = el.getparent()
        if parent is None or _is_marker(el):
            continue
        holders = [c for c in el if c.tag == sdt_content] if el.tag == sdt else [el]
        inner = [c for h in holders for c in h if not (isinstance(c.tag, str) and c.tag.endswith("Pr"))]
        at = parent.index(el)
        parent.remove(el)
        for offset, child in enumerate(inner):
            parent.insert(at + offset, child)


_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def text_box_paragraphs(paragraph) -> list:
    """Paragraphs of the text boxes anchored in ``paragraph`` (a report's "Box 1: lessons learned"),
    read after it. Word writes each box twice, as a drawing and as a VML fallback: the fallback is
    skipped. Boxes inside a box are reached when their own paragraph is read."""
    from docx.oxml.ns import qn

    box, p = qn("w:txbxContent"), qn("w:p")
    found = []
    for content in paragraph.iter(box):
        between = []
        for ancestor in content.iterancestors():
            if ancestor is paragraph:
                break
            between.append(ancestor.tag)
        if _FALLBACK not in between and box not in between:
            found += [c for c in content if c.tag == p]
    return found


def _is_marker(el) -> bool:
    """<w:ins/> and <w:del/> inside run, paragraph or row properties only mark a change there."""
    parent = el.getparent()
    return parent is not None and isinstance(parent.tag, str) and parent.tag.endswith("Pr")


# python-docx stamps this on every file made from its own template: it says nothing about the document.
_TEMPLATE_CREATED = datetime(2013, 12, 23, 23, 15)


def _created(document) -> str | None:
    """The date part of the core ``created`` property, a fallback for documents without a dateline.

    The text wins, as in the PDF reader: ``created`` is when the file was made, which for a copied
    or re-saved report can be years from when it was published.
    """
    try:
        created = document.core_properties.created
    except (ValueError, TypeError):  # a malformed W3CDTF value
        return None
    if not isinstance(created, datetime) or created.replace(tzinfo=None) == _TEMPLATE_CREATED:
        return None
    return created.date().isoformat()


class _HeadingLooks:
    """Recognise headings typed as bold or enlarged Normal paragraphs, as many authors make them.

    A short line without sentence punctuation is a heading when all of it is bold (unless the body
    itself is bold) or its type is clearly larger than the body's.
    """

    MAX_WORDS = 12
    LARGER = 1.2

    def __init__(self, document) -> None:
        self.default_size = _default_size(document)
        sizes: Counter[float] = Counter()
        bold = plain = 0
        for para in document.paragraphs:
            for run in para.runs:
                n = len(run.text.strip())
                if n:
                    sizes[self._size(run, para)] += n
                    if self._bold(run, para):
                        bold += n
                    else:
                        plain += n
        self.body_size = sizes.most_common(1)[0][0] if sizes else self.default_size
        self.body_bold = bold > plain

    def is_heading(self, para, text: str) -> bool:
        if len(text.split()) > self.MAX_WORDS or text.endswith((".", "!", "?", ",", ";")):
            return False
        runs = [r for r in para.runs if r.text.strip()]
        if not runs:
            return False
        if not self.body_bold and all(self._bold(r, para) for r in runs):
            return True
        return all(self._size(r, para) >= self.LARGER * self.body_size for r in runs)

    @staticmethod
    def _bold(run, para) -> bool:
        if run.bold is not None:
            return bool(run.bold)
        style = para.style
        while style is not None:
            if style.font.bold is not None:
                return bool(style.font.bold)
            style = style.base_style
        return False

    def _size(self, run, para) -> float:
        if run.font.size is not None:
            return run.font.size.pt
        style = para.style
        while style is not None:
            if style.font.size is not None:
                return style.font.size.pt
            style = style.base_style
        return self.default_size


def _default_size(document) -> float:
    """The document-wide default type size in points (OOXML's own default is 10 pt)."""
    from docx.oxml.ns import qn

    sz = document.styles.element.find(
        "/".join(qn(t) for t in ("w:docDefaults", "w:rPrDefault", "w:rPr", "w:sz")))
    try:
        return int(sz.get(qn("w:val"))) / 2 if sz is not None else 10.0
    except (TypeError, ValueError):
        return 10.0


def _join_lists(blocks: list[str]) -> str:
    """Consecutive list items form one block; everything else is separated by a blank line."""
    out: list[str] = []
    for b in blocks:
        if out and b.startswith("- ") and out[-1].split("\n")[-1].startswith("- "):
            out[-1] += "\n" + b
        else:
            out.append(b)
    return "\n\n".join(out) + "\n"
