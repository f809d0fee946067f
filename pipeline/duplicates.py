"""Duplicate documents in a run: the same story read twice (a feed item and a file, a reposted press release).

Exact copies share a hash of their normalised words. Near copies (a new headline, a date line, a
press-release footer, a sentence added or cut) are found by MinHash over word shingles, with an
LSH index (datasketch) proposing candidates, so each document is compared with a few others, not
with all of them. Only documents of at least ``MIN_WORDS`` words take part: short items such as
"Registration for the forum is now open." share most of their words with each other without being
the same story.

Of each group one document is kept, the first by :func:`preference`; the others point to it in
``duplicate_of``. The choice depends on the documents' content and metadata only, never on the
order in which files were read or reused, so an incremental run marks what a fresh run marks.
"""

from __future__ import annotations

import hashlib
import re
import zlib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import LeanMinHash

MIN_WORDS = 50  # below this a few shared phrases make unrelated notices look alike
SHINGLE_WORDS = 5
NUM_PERM = 128  # Jaccard estimated within about ±0.04 at 0.8
SEED = 1  # fixed: the same text gives the same signature in every run
FEED_FORMATS = frozenset({"json", "jsonl"})
# Candidates are checked against the estimated Jaccard anyway, so the index may propose too many
# pairs but should miss few: weight its false negatives above its false positives.
LSH_WEIGHTS = (0.1, 0.9)

_WORD = re.compile(r"\w+")


def is_duplicate(record: dict) -> bool:
    """Whether a ``documents.jsonl`` or ``passages.jsonl`` record repeats a story kept under another doc_id."""
    return record.get("duplicate_of") is not None


def unique(records: Iterable[dict]) -> Iterator[dict]:
    """The records that count: those of duplicate documents left out, so each story counts once."""
    return (r for r in records if not is_duplicate(r))


def words(text: str) -> list[str]:
    """The text's words, case and compatibility forms folded, punctuation (straight or curly quotes, dashes) dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def preference(doc: dict) -> tuple:
    """Sort key of a ``documents.jsonl`` record: of a group of duplicates the smallest is kept.

    The earliest published comes first, undated ones last, since a repost dates from after the
    original; then a file before a feed item, since a file holds the whole item as published while
    feed copies are often cut or carry syndication footers; then the longest text; the doc_id last,
    so no two documents tie.
    """
    published = doc.get("published")
    return (published is None, published or "", doc.get("format") in FEED_FORMATS, -len(doc.get("text") or ""),
            doc["doc_id"])


@dataclass(frozen=True, slots=True)
class _Sketch:
    doc_id: str
    digest: str  # of the normalised words: equal for exact copies
    minhash: LeanMinHash


def _sketches(docs: Iterable[dict]) -> Iterator[tuple[tuple, _Sketch]]:
    """(preference, sketch) of each document long enough to compare, one at a time so only sketches are held."""
    from datasketch import LeanMinHash, MinHash  # 1 s to import: only runs pay it, not `lessons review`

    # crc32 is a C call, a third of the cost of datasketch's default sha1, and its 32 bits are all
    # the default (affine32) permutations use. The permutations are drawn once and copied.
    empty = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)
    for doc in docs:
        ws = words(doc.get("text") or "")
        if doc.get("status", "ok") != "ok" or len(ws) < MIN_WORDS:
            continue
        m = empty.copy()
        m.update_batch([" ".join(ws[i:i + SHINGLE_WORDS]).encode() for i in range(len(ws) - SHINGLE_WORDS + 1)])
        yield preference(doc), _Sketch(doc["doc_id"], hashlib.sha256(" ".join(ws).encode()).hexdigest(), LeanMinHash(m))


def find_duplicates(docs: Iterable[dict], threshold: float) -> dict[str, str]:
    """``{doc_id: doc_id kept}`` for every duplicate among ``docs`` (``documents.jsonl`` records).

    Documents are taken in :func:`preference` order. One whose word shingles have an estimated
    Jaccard similarity of at least ``threshold`` with an earlier one is a duplicate of the document
    that earlier one counts as (itself, if it was kept): a repost of a repost points to the story
    kept, even when it is closer to the repost. ``threshold`` 1 finds exact copies only (the same
    words once case and punctuation are folded); 0 finds none.
    """
    from datasketch import MinHashLSH

    if threshold <= 0:
        return {}
    sketches = sorted(_sketches(docs), key=lambda ks: ks[0])
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, weights=LSH_WEIGHTS) if threshold < 1 else None
    seen: dict[str, tuple[int, _Sketch]] = {}  # doc_id -> (rank, sketch) of the documents indexed so far
    by_digest: dict[str, str] = {}
    kept_as: dict[str, str] = {}  # doc_id -> the doc_id it counts as
    for rank, (_, s) in enumerate(sketches):
        match = by_digest.get(s.digest)
        if match is None and lsh is not None:
            # The most similar earlier document; ties go to the preferred one, never to set order.
            scored = [(s.minhash.jaccard(seen[k][1].minhash), -seen[k][0], k) for k in lsh.query(s.minhash)]
            best = max((c for c in scored if c[0] >= threshold), default=None)
            match = best[2] if best else None
        kept_as[s.doc_id] = s.doc_id if match is None else kept_as[match]
        by_digest.setdefault(s.digest, s.doc_id)
        if lsh is not None:
            seen[s.doc_id] = (rank, s)
            lsh.insert(s.doc_id, s.minhash)
    return {doc_id: kept for doc_id, kept in kept_as.items() if kept != doc_id}
