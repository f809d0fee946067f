"""Plain-text and Markdown readers."""

from __future__ import annotations

import re

from .metadata import first_heading, parse_date, published_near_top
from .normalize import Extracted, clean_characters, decode, unwrap_blocks

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?!\w)")
_CODE = re.compile(r"`([^`\n]+)`")
_TAG = re.compile(r"</?[A-Za-z][^>\n]{0,200}>")
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.M)
_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$", re.M)


def strip_markdown_inline(text: str) -> str:
    """Remove Markdown markup that is not words (emphasis, links, images, quotes) but keep headings and lists.

    A backslash-escaped character is the character itself ("\\[1\\]", "first\\_last"): trafilatura escapes
    what would read as markup in a page's text, and Markdown authors do the same. The escapes are set
    aside while the markup goes, so that an escaped bracket or star is never taken for markup.
    """
    text = _ESCAPED.sub(lambda m: chr(_SET_ASIDE + ord(m.group(1))), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _QUOTE.sub("", text)
    text = _RULE.sub("", text)
    return _SET_ASIDE_CHAR.sub(lambda m: chr(ord(m.group()) - _SET_ASIDE), text)


# CommonMark's escapable characters (ASCII punctuation), set aside meanwhile as characters of a
# private-use plane that news and reports do not hold.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_SET_ASIDE = 0xF0000
_SET_ASIDE_CHAR = re.compile("[\U000F0021-\U000F007E]")


def _front_matter(text: str) -> tuple[str, dict[str, str]]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return text, {}
    fields = {}
    for line in m.group(1).split("\n"):
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return text[m.end():], fields


def read_markdown(data: bytes, doc_id: str) -> Extracted:
    """Markdown: front matter gives title and date; markup is removed, headings kept."""
    text = clean_characters(decode(data, doc_id))
    text, meta = _front_matter(text)
    text = unwrap_blocks(strip_markdown_inline(text))
    published = parse_date(meta.get("date", "")) if meta.get("date") else None
    if published is None and re.fullmatch(r"\d{4}-\d\d-\d\d", meta.get("date", "")[:10] or "x"):
        published = meta["date"][:10]
    return Extracted(
        text=text,
        title=meta.get("title") or first_heading(text),
        published=published or published_near_top(text),
    )


def read_plain(data: bytes, doc_id: str) -> Extracted:
    """Plain text: paragraphs are separated by blank lines; hard-wrapped lines are joined."""
    text = unwrap_blocks(clean_characters(decode(data, doc_id)))
    return Extracted(text=text, title=first_heading(text), published=published_near_top(text))
