"""News-feed exports: ``.json`` (a list of items, or an object holding one) and ``.jsonl`` (an item a line).

Each item becomes its own document, ``FILE:N`` (N counts items from 1, or lines for ``.jsonl``).
A broken item costs that item only. Field names are matched against the lists below; a run's
settings put the user's own names first (:func:`feed_fields`), passed down explicitly.
"""

from __future__ import annotations

import json
import re
from html import unescape

from ..errors import IngestError
from .html import fragment_text
from .metadata import parse_date
from .normalize import Extracted, clean_characters, decode, unwrap_blocks

DEFAULT_FEED_FIELDS = {
    # JSON Feed (jsonfeed.org) and RSS names are included; the full text comes before any summary.
    "text": ["text", "body", "content", "content_html", "content_text", "article", "full_text", "description",
             "summary"],
    "title": ["title", "headline", "name"],
    "date": ["date", "published", "published_at", "publishedAt", "date_published", "pubDate", "datePublished",
             "time", "created_at"],
    "url": ["url", "link", "href", "source_url", "permalink", "external_url"],
}


def feed_fields(extra: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The default names with ``extra`` (a user's ``[feeds]`` settings) tried first.

    Raises ValueError naming an unknown field kind."""
    unknown = set(extra or {}) - set(DEFAULT_FEED_FIELDS)
    if unknown:
        raise ValueError(f"unknown feed field(s) {sorted(unknown)}; known: {sorted(DEFAULT_FEED_FIELDS)}")
    return {name: list(dict.fromkeys([*(extra or {}).get(name, []), *defaults]))
            for name, defaults in DEFAULT_FEED_FIELDS.items()}


_LIST_KEYS = ("items", "articles", "entries", "data", "results", "news", "posts", "nodes")
_WRAPPER_DEPTH = 4
_TAGS = re.compile(r"<[A-Za-z/!][^>]{0,500}>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});", re.I)
MAX_DEPTH = 50


def _first(item: dict, names: list[str]):
    for name in names:
        value = item.get(name)
        if isinstance(value, dict):  # {"content": {"rendered": "..."}} as WordPress exports have it
            value = value.get("rendered") or value.get("value")
        if isinstance(value, str) and value.strip():
            return value
    return None


def _loads(raw: str, where: str):
    # Refuse absurd nesting before json.loads recurses into it.
    if raw.count("[") + raw.count("{") > 0 and re.search(r"[\[{]\s*(?:[\[{]\s*){%d}" % MAX_DEPTH, raw):
        raise IngestError(f"{where}: JSON nested more than {MAX_DEPTH} levels deep", kind="too_deep")
    try:
        return json.loads(raw)
    except RecursionError:
        raise IngestError(f"{where}: JSON nested too deeply to read", kind="too_deep") from None
    except json.JSONDecodeError as exc:
        raise IngestError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
                          kind="bad_json") from None


def _markup_text(value: str) -> str:
    """A field that may hold HTML or entity-escaped text, as plain text."""
    if _TAGS.search(value):
        return fragment_text(value)
    # RSS often escapes plain text ("R&amp;D"); a lone "&" ("AT&T") is left alone.
    return unescape(value) if _ENTITY.search(value) else value


def _holds(value) -> str:
    """What a JSON value that is no text holds, in a person's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object without text"
    return "only blanks"


def item_text(item: dict, where: str, fields: dict[str, list[str]] = DEFAULT_FEED_FIELDS) -> Extracted:
    """One feed item as extracted text (HTML bodies are reduced to paragraphs)."""
    body = _first(item, fields["text"])
    if body is None:
        present = [name for name in fields["text"] if name in item]
        if present:  # {"text": 1e400}, {"body": null}: say what the field holds, not that it is missing
            raise IngestError(f"{where}: the item's {present[0]!r} field holds {_holds(item[present[0]])}, not text",
                              kind="empty")
        raise IngestError(f"{where}: the item has no text field (looked for {', '.join(fields['text'])})",
                          kind="empty")
    body = _markup_text(body)
    title = _first(item, fields["title"])
    title = " ".join(clean_characters(_markup_text(title)).split()) if title else None
    date = _first(item, fields["date"]) or ""
    published = date[:10] if re.fullmatch(r"\d{4}-\d\d-\d\d", date[:10]) else parse_date(date)
    return Extracted(text=unwrap_blocks(clean_characters(body)), title=title or None, published=published,
                     url=_first(item, fields["url"]))


def _item_list(obj):
    """The list of items in a feed export: the file itself, or the list under a wrapper key, also
    inside wrapper objects an API adds ({"data": {"items": [...]}}, {"data": {"posts": {"nodes":
    [...]}}}); an object holding no such list is one item."""
    found = obj
    for _ in range(_WRAPPER_DEPTH):
        if not isinstance(found, dict):
            break
        lists = [found[k] for k in _LIST_KEYS if isinstance(found.get(k), list)]
        if lists:
            return lists[0]
        found = next((found[k] for k in _LIST_KEYS if isinstance(found.get(k), dict)), None)
    return [obj] if isinstance(obj, dict) else obj


def read_feed(data: bytes, doc_id: str, suffix: str,
              fields: dict[str, list[str]] = DEFAULT_FEED_FIELDS) -> list[tuple[str, Extracted | IngestError]]:
    """``(item_id, extracted text or the error for that item)`` for every item of a feed file."""
    raw = decode(data, doc_id)
    out: list[tuple[str, Extracted | IngestError]] = []
    if suffix == ".jsonl":
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            item_id = f"{doc_id}:{n}"
            try:
                item = _loads(line, f"{doc_id} line {n}")
                if not isinstance(item, dict):
                    raise IngestError(f"{doc_id} line {n}: expected a JSON object per line", kind="bad_json")
                out.append((item_id, item_text(item, f"{doc_id} line {n}", fields)))
            except IngestError as exc:
                out.append((item_id, exc))
        return out
    obj = _item_list(_loads(raw, doc_id))
    if not isinstance(obj, list):
        raise IngestError(f"{doc_id}: expected a list of news items", kind="bad_json")
    for n, item in enumerate(obj, 1):
        item_id = f"{doc_id}:{n}"
        if not isinstance(item, dict):
            out.append((item_id, IngestError(f"{doc_id} item {n}: not a JSON object", kind="bad_json")))
            continue
        try:
            out.append((item_id, item_text(item, f"{doc_id} item {n}", fields)))
        except IngestError as exc:
            out.append((item_id, exc))
    return out
