"""Find a document's title and publication date when the format does not state them."""

from __future__ import annotations

import re
from datetime import date

from .furniture import is_chrome

MONTHS = {
    m: i
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for m in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)\b"),
    re.compile(r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b" + _MONTH + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
]


def _find_date(text: str) -> tuple[re.Match[str], str] | None:
    """The first full calendar date in ``text``: where it stands and its ISO form."""
    best: tuple[re.Match[str], str] | None = None
    for pattern in _DATE_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        month = int(m["mnum"]) if "mnum" in m.groupdict() and m["mnum"] else MONTHS[m["month"].lower()]
        try:
            iso = date(int(m["year"]), month, int(m["day"])).isoformat()
        except ValueError:
            continue
        if best is None or m.start() < best[0].start():
            best = (m, iso)
    return best


def parse_date(text: str) -> str | None:
    """The first full calendar date in ``text`` as ISO ``YYYY-MM-DD``, or None."""
    found = _find_date(text)
    return found[1] if found else None


def is_dateline(line: str) -> bool:
    """True for a line that only dates the text: a full date and at most four label words around it.

    "Published 14 March 2024", "14 March 2024 | News", "Thursday, 14 March 2024 by Admin". Times,
    numbers and separators are not counted; a sentence with a date in it is content.
    """
    s = line.strip()
    found = _find_date(s) if len(s) <= 100 else None
    if found is None:
        return False
    rest = (s[:found[0].start()] + " " + s[found[0].end():]).strip()
    return len(re.findall(r"[^\W\d_]+", rest)) <= 4 and not rest.endswith((".", "!", "?"))


def published_near_top(text: str, window: int = 600) -> str | None:
    """A date in the first lines (dateline, 'Published 3 May 2024') is taken as the publication date."""
    return parse_date(text[:window])


_NOT_A_TITLE = re.compile(r"^(?:(?:press|news|media) release|for immediate release|(?:from|to|cc|date|sent):)", re.I)
_SUBJECT = re.compile(r"^subject:\s*(.+)$", re.I | re.M)


def first_heading(text: str) -> str | None:
    """An e-mail subject, else the first Markdown heading, else the first short line, as a title.

    Lines above the title on a saved web page (menu bar, breadcrumbs, date line) are skipped.
    """
    subject = _SUBJECT.search(text[:2000])
    if subject:
        return subject.group(1).strip() or None
    for line in text.split("\n"):
        line = line.strip()
        if not line or _NOT_A_TITLE.match(line) or is_chrome(line) or is_dateline(line):
            continue
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
        if len(line) <= 120 and not line.endswith((".", "!", "?", ":", ";", ",")):
            return line
        return None
    return None
