"""Lines that are furniture of a page, not its content: the one place that judges a line by its shape.

Two kinds. Site chrome (menus, breadcrumbs, share buttons, cookie notices, copyright lines) comes
with web pages, pasted or saved as text; ``segment`` drops it wherever it stands. Print furniture
(page numbers, "Page 1 of 2", the date, time, title and address a browser prints around every page)
comes with PDFs; the PDF reader drops it at the top and bottom of each page, where it stands, because
the same shapes inside a paragraph are words.
"""

from __future__ import annotations

import re

_CHROME_LINE = re.compile(
    r"""^(?:
        home|news|events?|about(?:\ us)?|contact(?:\ us)?|menu|search|log\ ?in|sign\ (?:in|up)|register|
        subscribe(?:\ to\ our\ newsletter)?|newsletter|share(?:\ this)?(?:\ (?:article|page|post|story))?:?|
        tweet|facebook|twitter|x|linkedin|e-?mail|print(?:\ this\ page)?|whatsapp|instagram|youtube|
        back(?:\ to\ top)?|read\ more|more\ news|next(?:\ article)?|previous(?:\ article)?|
        skip\ to\ (?:main\ )?content|return\ to\ (?:the\ )?news(?:\ listing)?|back\ to\ (?:the\ )?news(?:\ listing)?|
        all\ news|related(?:\ news|\ articles|\ posts|\ stories)?|you\ may\ also\ like|
        accept(?:\ all)?(?:\ cookies)?|reject\ all|manage\ (?:preferences|cookies|settings)|cookie\ settings|
        privacy(?:\ policy|\ notice)?|terms(?:\ of\ use|\ and\ conditions)?|accessibility(?:\ statement)?|
        sitemap|legal\ notice|imprint|disclaimer|follow\ us(?:\ on)?.*|top
    )[\s.!:|]*$""",
    re.I | re.X,
)
_CHROME_START = re.compile(
    r"^(?:©|\(c\)\s|copyright\b|all\ rights\ reserved|tags?:|categor(?:y|ies):|posted\ (?:in|by)\b|"
    r"filed\ under|photo(?:\ credit)?:|image:|credit:|source:\s*https?://|https?://\S+$|"
    r"share\ (?:on|via)\b|follow\ us\b|sign\ up\ for\ our\b|subscribe\ to\ our\b|"
    r"(?:press|news|media)\ release\b[^.]{0,40}$|for\ immediate\ release\b[^.]{0,40}$|"
    r"(?:published|updated|posted|last\ (?:updated|modified))(?:\ on)?[\s:|]+(?:[^.]|\.(?=\d)){0,60}$|"
    r"(?:from|to|cc|bcc|subject|sent|reply-to):\ .{0,200}$|"
    r"(?:reading\ time|\d+\ min(?:ute)?s?\ read)\b.{0,30}$)",
    re.I | re.X,
)
_BYLINE = re.compile(r"^[Bb]y\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*(?:[·|,–—-].{0,60})?$")
_COOKIE = re.compile(r"\bcookies?\b", re.I)
_COOKIE_CONTEXT = re.compile(r"\b(accept|consent|browsing|experience|preferences|settings|website|site)\b", re.I)
_SOCIAL = {"facebook", "twitter", "x", "linkedin", "email", "e-mail", "whatsapp", "instagram", "youtube",
           "share", "this", "tweet", "print", "reddit", "mastodon", "bluesky", "on", "via", "copy", "link"}
_BREADCRUMB = re.compile(r"^[^.!?]{0,120}(?:\s[>»›/|]\s[^.!?]{1,60}){1,}$")
_SENTENCE_END = re.compile(r"[.!?…\"”’)]$")

# Words of a site's menu bar, header and icon labels. A menu line is mostly these; a headline set in
# Title Case ("Skills Academy Opens New Training Centre") has none or few of them.
_MENU_WORDS = frozenset(
    "home about us news events event contact members membership join projects services resources "
    "publications media press blog jobs careers vacancies search menu login log sign in register account skip "
    "to content main logo team partners our who we are what do shop cart faq help donate more close open "
    "toggle navigation language english en de fr es it nl subscribe newsletter follow share insights "
    "programmes programs sectors opportunities funding calls library gallery videos podcasts".split())
# Icon names a page template writes as words when the page is saved as text: social_instagram,
# carrotdown, chevron-right, icon-search.
_ICON_WORD = re.compile(r"^(?:[a-z]+_[a-z_]+|(?:carrot|caret|chevron|arrow|icon)[-_]?[a-z]*)$")


def _is_menu(s: str) -> bool:
    """A menu bar saved as one line: no sentence, only capitalised words, and many of them UI words.

    A line with an icon name in it (``social_instagram``, ``carrotdown``) is a menu outright: page
    text never has one. Otherwise at least four words, every one capitalised or a UI word, and at
    least 40% from the small UI vocabulary: a Title Case headline fails the last test.
    """
    if _SENTENCE_END.search(s) or re.search(r"[,;:]\s", s):
        return False
    words = s.split()
    if any(_ICON_WORD.match(w) for w in words) and len(words) >= 3:
        return True
    if len(words) < 4:
        return False
    ui = sum(w.lower() in _MENU_WORDS for w in words)
    return ui >= 0.4 * len(words) and all(w[0].isupper() or w.lower() in _MENU_WORDS for w in words)


def is_chrome(line: str) -> bool:
    """True for navigation, sharing, cookie and copyright lines that are page furniture, not content."""
    s = line.strip().strip("-–—•*|«»‹›←→<>").strip()
    if not s:
        return True
    if len(s) > 400:  # chrome is short; long lines are content (and never fed to the regexes below)
        return False
    if _CHROME_LINE.match(s) or _CHROME_START.match(s) or _BYLINE.match(s) or _is_menu(s):
        return True
    words = re.findall(r"[\w-]+", s.lower())
    if words and len(words) <= 12 and all(w in _SOCIAL for w in words):
        return True
    if _COOKIE.search(s) and _COOKIE_CONTEXT.search(s) and len(words) <= 60:
        return True
    return bool(_BREADCRUMB.match(s)) and len(words) <= 12 and not _SENTENCE_END.search(s)


PAGE_NUMBER = re.compile(r"^\s*(?:page\s+|p\.\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
# What printers and browsers put beside the page number: the date and time of printing
# ("05/12/2026, 10:14", "12/5/26, 10:14 AM", "2026-05-12 10:14"), the page's address and its number.
_STAMP = r"(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d\d-\d\d),?\s+\d{1,2}:\d\d(?::\d\d)?(?:\s*[ap]\.?m\.?)?"
_URL = r"(?:https?://|www\.)\S+|(?-i:(?:[a-z0-9-]+\.)+[a-z]{2,24})(?:/\S*)?"  # a bare domain is lowercase
_PAGE_MARK = r"(?:page|p\.)\s*(?P<n1>\d{1,4})(?:\s*(?:of|/)\s*(?P<m1>\d{1,4}))?|(?P<n2>\d{1,4})\s*(?:of|/)\s*(?P<m2>\d{1,4})"
_MARK = rf"(?:{_STAMP}|{_URL}|{_PAGE_MARK})"
_SEPARATOR = r"[\s|·•–—-]*"
_LEADING_MARK = re.compile(rf"^{_SEPARATOR}(?<!\S){_MARK}(?!\S){_SEPARATOR}", re.I)
_TRAILING_MARK = re.compile(rf"{_SEPARATOR}(?<!\S){_MARK}(?!\S){_SEPARATOR}$", re.I)
# A line ending like this runs on into the address after it ("Apply online at www.x.org"): a sentence.
_RUNS_ON = re.compile(r"(?:[:,]|\b(?:at|on|to|from|via|see|visit|and|or|the|of|in|for|by|with))$", re.I)


def _page_mark_ok(m: re.Match[str]) -> bool:
    """"3 of 12" and "3/12" number a page only when the page is within the count ("24/7" is not)."""
    n, total = m["n1"] or m["n2"], m["m1"] or m["m2"]
    return not (n and total) or 0 < int(n) <= int(total)


def is_page_furniture(line: str) -> bool:
    """True for a header or footer line that a printer or browser puts on every page.

    A page number alone ("3", "- 3 -", "Page 3 of 12", "3 / 12"), or a line that starts or ends
    with a page number, a print time stamp or a web address, where what is left is a short title
    ("examplenetwork.org Page 1 of 2", "05/12/2026, 10:14 Partners sign hydrogen pact",
    "https://examplenetwork.org/news/pact 1/2"). What is left must not be a sentence, nor lead into
    the address ("Apply online at www.example.org"). Judged on any page count, unlike repeated
    running headers, which need two pages or more to be seen.
    """
    s = line.strip()
    if PAGE_NUMBER.match(s):
        return True
    rest, found = s, False
    for pattern in (_LEADING_MARK, _TRAILING_MARK, _LEADING_MARK, _TRAILING_MARK):
        m = pattern.search(rest)
        if m and _page_mark_ok(m):
            rest, found = rest[:m.start()] + rest[m.end():], True
    rest = rest.strip()
    if not found:
        return False
    return not rest or (len(rest.split()) <= 15 and not _SENTENCE_END.search(rest) and not _RUNS_ON.search(rest))
