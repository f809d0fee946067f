"""Small documents and hostile files for the tests, built on the fly: nothing binary is committed.

``build(folder)`` writes every file and returns what each should become; run it by hand to get a
folder to try ``lessons run`` on::

    python -m tests.badfiles /tmp/hostile && lessons run /tmp/hostile --out /tmp/hostile-out
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
import zlib
from pathlib import Path

PAGES = [
    ("1. Cooperation across the border", [
        "The Nordic Forest Bioeconomy Cluster was set up in February 2020 by regional authorities in Sweden and "
        "Norway together with forty member companies, two universities and a research institute. Its purpose is to "
        "develop new value chains for wood-based materials and to strengthen cross-border cooperation.",
        "Before 2020 joint projects between Swedish and Norwegian sawmills were almost unknown. By 2023 the cluster "
        "had brokered eleven such projects, four of them with a university partner on each side of the border."]),
    ("2. Funding", [
        "Membership fees now cover a third of the budget. The evaluators recommend a financing plan for the period "
        "after the Interreg grant ends, with paid services for members and a modest increase in fees for larger "
        "companies, because otherwise the secretariat would have to shrink by half in 2026."]),
    ("3. Recommendations", [
        "The evaluators recommend that the board agree on a few shared priorities, publish its minutes within a week "
        "and rotate the chair between the two countries every second year."]),
]


def make_pdf(pages=PAGES, password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for n, (heading, paragraphs) in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 8, "Mid-term evaluation of the NFBC 2020-2023", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        for p in paragraphs:
            pdf.multi_cell(0, 6, p, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        pdf.set_y(-20)
        pdf.set_font("Helvetica", size=8)
        pdf.cell(0, 8, f"Page {n} of {len(pages)}", align="C")
    if password:
        pdf.set_encryption(owner_password=password, user_password=password)
    return bytes(pdf.output())


def make_docx() -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = "Andes Water Innovation Hub annual report"
    d.add_heading("Letter from the director", level=1)
    d.add_paragraph("The year 2023 was the fourteenth year of drought in central Chile. The hub answered by opening its "
                    "test platform to mining companies, water utilities and farmers' cooperatives.")
    d.add_heading("How the hub is financed", level=2)
    d.add_paragraph("Reducing dependence on public grants has been a priority since 2021. Paid testing services now "
                    "bring in a quarter of income:")
    d.add_paragraph("membership fees from 46 companies", style="List Bullet")
    d.add_paragraph("paid pilots on the La Negra platform", style="List Bullet")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def zip_with(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


def zip_bomb_docx(member_bytes: int = 1 << 30) -> bytes:
    """A .docx of about 1 MB holding a member that inflates to ``member_bytes``, written in chunks."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("word/document.xml", b"<w:document/>")
        chunk = b"\0" * (1 << 20)
        with z.open("word/media/big.bin", "w", force_zip64=True) as member:
            for _ in range(member_bytes // len(chunk)):
                member.write(chunk)
    return buf.getvalue()


def flate_bomb_pdf(inflated: int = 1 << 30) -> bytes:
    """A small PDF whose page content inflates to ``inflated`` bytes (flate applied twice)."""
    inner = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    once = b"".join(inner.compress(chunk) for _ in range(inflated // len(chunk))) + inner.flush()
    twice = zlib.compress(once, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(twice) + twice + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


BAD_FILES = {
    "not-a-pdf.pdf": (b"This is a plain text file pretending to be a PDF report. " * 20, "not_a_pdf"),
    "truncated.pdf": (None, "damaged_pdf"),
    "encrypted.pdf": (None, "encrypted"),
    "not-a-zip.docx": (b"PK but not really a zip file" * 10, "not_a_docx"),
    "no-main-part.docx": (zip_with({"[Content_Types].xml": b"<Types/>"}), "not_a_docx"),
    "xxe.docx": (zip_with({"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                                 b"<w:document>&x;</w:document>"}), "unsafe_archive"),
    "bomb.docx": (None, "unsafe_archive"),  # a 1 GiB member, built by zip_bomb_docx()
    "bomb.pdf": (None, "too_large"),  # a 1 GiB flate stream in 10 kB, built by flate_bomb_pdf()
    "\x1b]0;owned\x07name.pdf": (b"<html>a web page saved under a hostile name</html>" * 5, "not_a_pdf"),
    "empty.txt": (b"", "empty"),
    "whitespace.md": (b"  \n\t\n   \n", "empty"),
    "binary.txt": (bytes(range(256)) * 64, "binary"),
    "nul-only.txt": (b"\x00\x01\x02", "binary"),
    "deep.html": (b"<html><body>" + b"<div>" * 3000 + b"<p>lost text about the cluster</p>" + b"</div>" * 3000
                  + b"</body></html>", "too_deep"),
    "deep.json": (b"[" * 100_000 + b"]" * 100_000, "too_deep"),
}
GOOD_ODD_FILES = {
    # These are odd but readable: each must come out as a document.
    "invalid-utf8.txt": ("The cluster’s partners from Málaga, Cádiz, Córdoba and Jaén met in Sevilla to agree a joint "
                         "pilot on water reuse with farmers’ cooperatives.").encode()
                        + b" \xff\xfe broken bytes \xc3 in the middle of a sentence about port partners in Cadiz.",
    "cp1252.txt": "Les partenaires du cluster ont signé un accord à Saint-Étienne. The cluster’s members agreed a joint "
                  "pilot for recycled textiles with partners in Lille and Roubaix in 2024.".encode("cp1252"),
    "utf16.txt": ("\ufeffThe Basque battery cluster signed a cooperation agreement with two rail clusters in Bilbao "
                  "and will run joint working groups on battery trains.").encode("utf-16-le"),
    "one-long-line.txt": ("The partners agreed to share test data and run joint missions to developers. " * 26_000).encode(),
    "truncated.html": b"<html><head><title>Ports cluster</title></head><body><article><h1>Ports cluster</h1><p>The port "
                      b"cluster and the chemical cluster signed a partnership agreement to share shore-power test data "
                      b"and run joint missions to Asian ports.</p><p>The two clusters will set up a jo",
    "escape\x1b[31m-in-name.txt": ("The cluster\x1b[2J\x1b[31m partners met in Riga\x9b to agree a joint pilot "
                                    "on\x07 district heating with the city utility.").encode(),
    "feed.jsonl": (json.dumps({"title": "ok", "text": "The cluster opened an incubator for ocean start-ups in Matosinhos "
                                                      "with twelve founders from four countries."}) + "\n{broken\n").encode(),
}
# One good file of every other format, so that a batch over the folder covers them all.
GOOD_FILES = {
    "reports/brief.md": ("# Lessons from the valley\n\n**Summary.** The Northern Netherlands hydrogen valley shows that "
                         "shared pipelines need shared governance: the partners agreed on one operator in 2022.\n").encode(),
    "news/page.htm": b"<html><head><title>Cluster news</title></head><body><nav>Home | News</nav><article><h1>Twin "
                     b"clusters</h1><p>The maritime clusters of Galicia and Brittany agreed in March 2024 to run joint "
                     b"training for shipyard welders, sharing trainers and a mobile workshop.</p></article></body></html>",
    "news/items.json": json.dumps([{"headline": "Alliance grows", "content": "Four more clusters joined the Atlantic "
                                    "alliance this spring, bringing its members to eleven regions.",
                                    "date": "2024-05-02"}]).encode(),
}
GOOD_DOCUMENTS = {"good.pdf", "good.docx", "reports/brief.md", "news/page.htm", "news/items.json:1", "feed.jsonl:1",
                  *(name for name in GOOD_ODD_FILES if name != "feed.jsonl")}
IGNORED = {"~$good.docx", ".DS_Store"}


def build(root: Path) -> dict[str, str]:
    """Write every file into ``root``; return document id -> expected error kind, or "ok"."""
    root.mkdir(parents=True, exist_ok=True)
    pdf = make_pdf()
    built = {"truncated.pdf": lambda: pdf[: len(pdf) // 3], "encrypted.pdf": lambda: make_pdf(password="secret"),
             "bomb.docx": zip_bomb_docx, "bomb.pdf": flate_bomb_pdf}
    for name, (content, _) in BAD_FILES.items():
        (root / name).write_bytes(built[name]() if content is None else content)
    (root / "good.pdf").write_bytes(pdf)
    (root / "good.docx").write_bytes(make_docx())
    for name, content in (GOOD_ODD_FILES | GOOD_FILES).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    (root / "~$good.docx").write_bytes(b"lock")
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    return {name: kind for name, (_, kind) in BAD_FILES.items()} | {"feed.jsonl:2": "bad_json"} | dict.fromkeys(
        GOOD_DOCUMENTS, "ok")


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-files")
    for name, outcome in sorted(build(target).items()):
        print(f"{outcome:15} {name!r}")
