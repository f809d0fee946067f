"""Turn decoded text into extracted text: one line per paragraph, blank lines between blocks."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import IngestError


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    title: str | None = None
    published: str | None = None
    url: str | None = None


_NUL_RUN = re.compile(rb"\x00+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\ufeff\u2028\u2029]")
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.")
LIST_ITEM = re.compile(r"^\s{0,6}(?:[-*+•▪◦‣–]|\d{1,3}[.)]|[a-z][.)])\s+\S")
HEADING = re.compile(r"^#{1,6}\s+\S")
_SETEXT = re.compile(r"^(?:=+|-{3,})\s*$")


def decode(data: bytes, doc_id: str) -> str:
    """Decode bytes: a BOM wins, then UTF-8, then the best guess of charset-normalizer."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError(f"{doc_id}: has a UTF-16 mark but is not valid UTF-16", kind="decode_error") from None
    head = data[:8192]
    if b"\x00" in head:
        # UTF-16 without a mark puts a NUL in every other byte of Latin text, and few in the others.
        for encoding, zeros, chars in (("utf-16-le", head[1::2], head[0::2]), ("utf-16-be", head[0::2], head[1::2])):
            if zeros.count(0) > 0.6 * len(zeros) and chars.count(0) < 0.3 * len(chars):
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    break
    # Binary files are dense in control bytes. A run of NULs counts once: a crash while saving
    # leaves a block of zeros in a text file, which stays text (clean_characters drops them).
    if sum(b < 9 or 13 < b < 32 for b in head.replace(b"\x00", b"")) + len(_NUL_RUN.findall(head)) > len(head) // 20:
        raise IngestError(f"{doc_id}: looks like a binary file, not text", kind="binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few broken bytes (a bad copy-paste, a cut multi-byte character) is still
    # UTF-8: guessing a legacy encoding for it would garble every accent in the file.
    lenient = data.decode("utf-8-sig", errors="replace")
    utf8_chars = sum(1 for ch in lenient if ord(ch) > 127 and ch != "\ufffd")
    if lenient.count("\ufffd") <= max(3, len(data) // 500) and utf8_chars >= lenient.count("\ufffd"):
        return lenient.replace("\ufffd", " ")
    western = _windows_1252(data)
    if western is not None:
        return western
    from charset_normalizer import from_bytes

    best = from_bytes(data[:2_000_000]).best()
    if best is None:
        raise IngestError(f"{doc_id}: the text encoding could not be recognised", kind="decode_error")
    text = data.decode(best.encoding, errors="replace")
    sample = [c for c in text[:20_000] if not c.isspace()]
    if sample and sum(c.isalpha() or c in ".,;:!?'\"()-–’“”%€$" or c.isdigit() for c in sample) < 0.7 * len(sample):
        raise IngestError(f"{doc_id}: decodes only to symbols, not words; probably not a text file", kind="binary")
    return text


@functools.cache
def _ftfy_config():
    from ftfy import TextFixerConfig

    # uncurl_quotes off: curly quotes are the text, and spaCy reads them. unescape_html off: each
    # reader decodes its own markup, so a literal "&amp;" in a text file stays as written.
    # NFC, not NFKC: NFKC would turn "m²" into "m2" and "™" into "TM". fix_character_width on:
    # fullwidth Latin ("ＡＢＣ") becomes the ASCII spaCy's English model knows.
    return TextFixerConfig(uncurl_quotes=False, unescape_html=False, fix_character_width=True,
                           normalization="NFC", explain=False)


def _windows_1252(data: bytes) -> str | None:
    """``data`` as Windows-1252 when that reads as Western text: every byte defined, and accented
    letters at most a fifth of the letters (quotes and dashes do not count). Old Word and Windows
    exports of English are this, and on short files charset-normalizer guesses a Mac or Central
    European code page for them ("clusterís ìtest benchî"). Cyrillic or Greek bytes read this way
    are nearly all non-ASCII letters, so they go on to charset-normalizer."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are not Windows-1252
        return None
    letters = [c for c in text if c.isalpha()]
    return text if letters and sum(ord(c) > 127 for c in letters) <= 0.2 * len(letters) else None


def clean_characters(text: str) -> str:
    """Unify newlines, drop encoded data and terminal escape sequences, repair mojibake ("MalmÃ¶" is
    "Malmö"), drop control characters, cut long runs of symbols, compose Unicode."""
    import ftfy

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ENCODED_LINES.sub("\n", _ENCODED_RUN.sub(_encoded_or_rule, text))
    text = _ESCAPE.sub("", text)
    # Before the control characters go: mojibake read as Latin-1 holds C1 bytes ("â€\x9d" is "”").
    # "â€" then U+FFFD is "”" whose last byte was lost: ftfy will not guess it, but in news it is
    # almost always the closing quote.
    text = ftfy.fix_text(text.replace("â€\ufffd", "â€\x9d"), _ftfy_config())
    text = text.replace("\t", " ").replace("\xa0", " ")
    text = _CONTROL.sub("", text)
    text = _SYMBOL_RUN.sub(lambda m: m.group()[:SYMBOL_RUN_MAX], text)
    return unicodedata.normalize("NFC", text)


# Encoded data pasted into text (an e-mail's base64 attachment, an image's data: URI, a key): no word of
# any language is 400 letters long, and lines of 60 or more such characters with no space, three in a
# row, are an attachment wrapped at 76 as e-mail wraps it. Dropped before anything reads the text: the
# language guess took a two-sentence note with a 4 MB attachment for Shona.
_ENCODED_RUN = re.compile(r"[A-Za-z0-9+/=_-]{400,}")
_ENCODED_LINES = re.compile(r"(?m)^(?:[A-Za-z0-9+/=]{60,}[ \t]*(?:\n|\Z)){3,}")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def _encoded_or_rule(m: re.Match) -> str:
    """A run that is mostly letters and digits is encoded data (gone); a rule of "=" or "-" is left for
    :data:`_SYMBOL_RUN` to shorten."""
    run = m.group()
    return " " if len(_NOT_ALNUM.sub("", run)) * 2 > len(run) else run

# Rules drawn with "=" or "#", form lines, rows of stars: a run of symbols with no letter, digit or space
# says nothing, and spaCy's tokenizer splits such a run one character at a time, in time that grows with
# the square of its length (a line of 15,000 "=" took a minute). Longer runs are cut to this many characters.
SYMBOL_RUN_MAX = 20
_SYMBOL_RUN = re.compile(rf"(?:[^\w\s]|_){{{SYMBOL_RUN_MAX + 1},}}")


# First parts that make compounds ("cross-border", "long-term"): a line break after them keeps the hyphen.
COMPOUND_PREFIXES = frozenset(
    "cross co non self well long short multi inter intra pre post anti pro semi sub low high mid full part small "
    "medium large year state world first second third decision data ex re un over under out off on top end "
    "old new open fast slow two three four five ten half quasi mega micro macro bio eco euro public private "
    "policy market risk cost time user science knowledge evidence".split())
# Tails that are word endings, not words: "part-ners", "state-ment", "inter-est" were split by wrapping.
_SUFFIX_TAIL = re.compile(r"(?:ment|ship|ness|ners?|nership|ity|ities|ly|ed|ing|ers?|est|t?ions?|al|ure|"
                          r"ance|ence|ant|ent|ies|ial|ive|ise|ize|ised|ized)s?")
_WORD_FORM = re.compile(r"[a-z]+(?:-[a-z]+)*")


def word_forms(lines: list[str]) -> Counter[str]:
    """How often each word, plain or hyphenated, appears whole inside a line (not cut at its end)."""
    counts: Counter[str] = Counter()
    for i, line in enumerate(lines):
        words = _WORD_FORM.findall(line.lower())
        if line.rstrip().endswith("-") and words:
            words = words[:-1]
        if i and lines[i - 1].rstrip().endswith("-") and words:
            words = words[1:]
        counts.update(words)
    return counts


def ends_in_word_hyphen(text: str) -> bool:
    """A line ending "word-" (not a dash after a space) may carry a word on to the next line."""
    return len(text) > 1 and text.endswith("-") and text[-2].isalpha()


def join_hyphenated(before: str, after: str, counts: Mapping[str, int]) -> str:
    """Join a line ending in "word-" to the next line: drop the hyphen of a split word, keep a compound's.

    The hyphen stays when the hyphenated form is the usual one in the text, when the first part is a
    compound prefix ("cross-border") or when the second part is a name or a number ("COVID-19");
    otherwise wrapping split one word ("imple-mentation" is "implementation").
    """
    head = re.search(r"([A-Za-z]+)-$", before)
    tail = re.match(r"[^\W_]+", after)
    if not head or not tail:
        return before + after
    first, second = head.group(1), tail.group(0)
    whole, hyphenated = (first + second).lower(), f"{first}-{second}".lower()
    if counts.get(hyphenated, 0) > counts.get(whole, 0):
        return before + after
    if counts.get(whole, 0) or second.isalpha() and second.islower() and not (
            first.lower() in COMPOUND_PREFIXES and not _SUFFIX_TAIL.fullmatch(second)):
        return before[:-1] + after
    return before + after


def unwrap_blocks(text: str) -> str:
    """Join hard-wrapped lines into one line per paragraph or list item.

    Headings, list items and setext underlines keep their own lines; blocks stay separated by one
    blank line, and spaces are collapsed so that passages are clean slices of the result.
    """
    lengths = sorted(len(ln.strip()) for ln in text.split("\n") if ln.strip())
    # The wrap width: most lines of a hard-wrapped text end near it. A line well short of it
    # ended on purpose (a title, an address line), so the next line is not its continuation.
    width = lengths[int(len(lengths) * 0.9)] if lengths else 0
    min_wrapped = max(30, int(width * 0.6))
    counts = word_forms([ln.strip() for ln in text.split("\n")])
    out_blocks: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [re.sub(r" {2,}", " ", ln.strip()) for ln in block.split("\n")]
        lines = [ln for ln in lines if ln]
        if not lines:
            continue
        merged: list[str] = []
        last_len = 0  # length of the previous source line, not of the paragraph joined so far
        for ln in lines:
            starts_new = (
                not merged
                or HEADING.match(ln)
                or LIST_ITEM.match(ln)
                or _SETEXT.match(ln)
                or HEADING.match(merged[-1])
                or _SETEXT.match(merged[-1])
                or last_len < min_wrapped and not LIST_ITEM.match(merged[-1])
            )
            last_len = len(ln)
            if starts_new:
                merged.append(ln)
            elif ends_in_word_hyphen(merged[-1]) and ln[:1].isalnum():
                merged[-1] = join_hyphenated(merged[-1], ln, counts)
            else:
                merged[-1] = merged[-1] + " " + ln
        out_blocks.append("\n".join(merged))
    return "\n\n".join(out_blocks) + "\n"
