"""Web pages: trafilatura finds the article and drops page chrome (menus, footers, sidebars)."""

from __future__ import annotations

import functools
import re

from ..errors import IngestError
from .normalize import Extracted, clean_characters, decode, unwrap_blocks
from .text import strip_markdown_inline
from .metadata import published_near_top


MAX_DEPTH = 250
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "article")
# Elements that end a paragraph in a fragment (<br> too: feed bodies use it as a paragraph break);
# a table row is one paragraph, its cells separated by spaces.
_FRAGMENT_BLOCKS = frozenset(
    "address article aside blockquote br center dd details div dl dt figcaption figure footer form h1 h2 h3 h4 "
    "h5 h6 header hr li main nav ol p pre section summary table tbody tfoot thead tr ul".split())
_CELLS = frozenset({"td", "th"})


def unwrap_layout_tables(tree) -> None:
    """Turn tables used for page layout into plain divisions.

    Older CMS templates put the whole article in a table cell; read as a data table it would
    come out as one run-on row. A table whose cells hold paragraphs or headings is layout.
    """
    for table in list(tree.iter("table")):
        if table.getparent() is None:
            continue
        if not any(el.tag in _BLOCK_TAGS for el in table.iter() if isinstance(el.tag, str)):
            continue
        table.tag = "div"
        for el in table.iter():
            if el.tag in ("tbody", "thead", "tfoot", "tr", "td", "th"):
                el.tag = "div"
                el.attrib.clear()


def parse_page(markup: str, doc_id: str):
    """Parse HTML with lxml, refusing what it cannot make a tree of."""
    import lxml.html
    from lxml import etree

    try:
        # huge_tree: without it libxml2 silently drops everything after a text node or attribute
        # over 10 MB: the article of a page saved whole, behind an inline script bundle or a
        # data: image, came out as "no article text". Nesting stays bounded by the check below.
        tree = lxml.html.document_fromstring(markup, parser=_page_parser())
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(f"{doc_id}: the HTML could not be parsed ({exc})", kind="parse_error") from None
    # libxml2 stops descending at a fixed depth (256 levels, 2048 with huge_tree) and silently drops
    # the rest: say so instead.
    depth = deepest = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    if deepest >= MAX_DEPTH:
        raise IngestError(f"{doc_id}: the HTML is nested {deepest}+ levels deep; refused rather than read "
                          "partly", kind="too_deep")
    unwrap_layout_tables(tree)
    mark_main_content(tree)
    return tree


@functools.cache
def _page_parser():
    import lxml.html

    return lxml.html.HTMLParser(huge_tree=True)


@functools.cache
def _fragment_cleaner():
    from lxml_html_clean import Cleaner

    # Code and its fallbacks go with their content: <noscript> holds tracking pixels and "enable
    # JavaScript" notices, <iframe> "your browser does not support iframes".
    return Cleaner(scripts=True, javascript=True, comments=True, style=True, processing_instructions=True,
                   embedded=True, frames=True, forms=True, meta=True, links=True, page_structure=False,
                   kill_tags=("noscript", "iframe", "template", "svg", "math", "object", "canvas", "audio",
                              "video", "head", "title"))


def fragment_text(markup: str) -> str:
    """An HTML fragment (a feed item's body) as text: block elements become blank-line-separated
    paragraphs, ``<h2>`` a ``##`` line, ``<li>`` a ``- `` item; scripts, styles and embeds are dropped
    with their content, entities are decoded.

    Unlike :func:`read_html` there is no page chrome to find, and trafilatura would drop the short
    paragraphs a news item is made of. A bare "<" in the text ("growth < 5%") stays text.
    """
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div", parser=_page_parser())  # huge_tree
    except (etree.ParserError, ValueError):  # nothing an HTML parser can make a tree of
        return ""
    _fragment_cleaner()(root)
    paragraphs: list[str] = []
    line: list[str] = []

    def end_paragraph() -> None:
        text = " ".join("".join(line).split())
        if text.strip("#- "):
            paragraphs.append(text)
        line.clear()

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _FRAGMENT_BLOCKS:
                end_paragraph()
            if tag[:1] == "h" and tag[1:].isdigit():
                line.append("#" * int(tag[1:]) + " ")
            elif tag == "li":
                line.append("- ")
            elif tag in _CELLS:
                line.append(" ")
            line.append(el.text or "")
        else:
            if tag in _FRAGMENT_BLOCKS:
                end_paragraph()
            if el is not root:
                line.append(el.tail or "")
    end_paragraph()
    return "\n\n".join(paragraphs)


def mark_main_content(tree) -> None:
    """On pages without <article> or <main>, mark the block holding most paragraph text as the article.

    Without that hint trafilatura falls back to an extractor that keeps the text but drops the
    headings, and with them the sections of every passage.
    """
    if tree.find(".//article") is not None or tree.find(".//main") is not None:
        return
    best, best_len = None, 0
    for el in tree.iter("div", "section", "td"):
        paras = [c for c in el if c.tag == "p"]
        if len(paras) < 2:
            continue
        length = sum(len(p.text_content()) for p in paras)
        if length > best_len:
            best, best_len = el, length
    if best is not None and best_len >= 300:
        best.tag = "article"


def read_html(data: bytes, doc_id: str) -> Extracted:
    """Main text with headings as ``#`` lines, plus title and date from the page's metadata."""
    import trafilatura

    tree = parse_page(decode(data, doc_id), doc_id)
    # Read before trafilatura, which may prune the tree it is given.
    own_title, url = page_title(tree), page_url(tree)
    try:
        found = trafilatura.bare_extraction(
            tree,
            with_metadata=True,
            include_formatting=True,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            output_format="python",
        )
    except (ValueError, RecursionError) as exc:  # trafilatura raises these on pathological markup
        raise IngestError(f"{doc_id}: the HTML could not be parsed ({exc.__class__.__name__})", kind="parse_error") from None
    if found is None or not (found.text or "").strip():
        raise IngestError(f"{doc_id}: no article text found in the page", kind="empty")
    text = unwrap_blocks(strip_markdown_inline(clean_characters(found.text)))
    title = own_title or found.title
    title = " ".join(clean_characters(title).split()) if title else None
    published = found.date if found.date and len(found.date) == 10 else None
    return Extracted(text=text, title=title or None, published=published or published_near_top(text),
                     url=url)


def _meta(tree, *names: str) -> str | None:
    """The first non-empty ``<meta property|name=... content=...>`` among ``names``."""
    for name in names:
        for el in tree.iter("meta"):
            if name in (el.get("property"), el.get("name")) and (el.get("content") or "").strip():
                return el.get("content").strip()
    return None


def page_title(tree) -> str | None:
    """og:title, else the heading that opens the article, else None (trafilatura then reads <title>).

    <title> often carries the site's section ("Cluster News - ...") rather than the story, so the
    article's own h1, or an h2 standing before its first paragraph, is preferred to it.
    """
    title = _meta(tree, "og:title")
    if title:
        return title
    article = tree.find(".//article")
    if article is None:
        article = tree.find(".//main")
    if article is None:
        return None
    for el in article.iter("h1"):
        if el.text_content().strip():
            return el.text_content()
    for el in article.iter("h2", "p"):
        if el.tag == "p" and el.text_content().strip():
            return None
        if el.tag == "h2" and el.text_content().strip():
            return el.text_content()
    return None


def page_url(tree) -> str | None:
    """The page's own address: ``<link rel="canonical">``, else og:url, when absolute http(s)."""
    candidates = [el.get("href") for el in tree.iter("link")
                  if "canonical" in (el.get("rel") or "").lower().split()]
    candidates.append(_meta(tree, "og:url"))
    for url in candidates:
        url = (url or "").strip()
        if re.match(r"https?://[^\s/]+", url, re.I) and not re.search(r"\s", url):
            return url
    return None
