"""Check written passages against the real paragraphs they were written from.

Training and gold passages are written from real documents: facts carry over, wording does not.
This script enforces the rule mechanically: no run of 8 or more consecutive words (case, accents
and punctuation ignored) may be shared with the source paragraph. It also refuses passages whose
source page belongs to the real development set (``--exclude``), more than 3 passages per page,
and passages whose length strays far from their source.

Input: a JSONL file whose lines hold ``text`` (our passage), ``source_par`` (the real paragraph,
kept outside the project) and ``source`` (the page address). Prints one line per problem and exits
1 when there is any, 0 otherwise.

    python tools/copycheck.py WORK.jsonl --exclude ../shared/realdev/passages.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

RUN = 8


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.findall(r"[^\W_]+", text)


def longest_shared_run(a: str, b: str) -> tuple[int, str]:
    """Length of the longest run of consecutive words found in both texts, and that run."""
    wa, wb = words(a), words(b)
    best, where = 0, 0
    prev = [0] * (len(wb) + 1)
    for i in range(1, len(wa) + 1):
        cur = [0] * (len(wb) + 1)
        for j in range(1, len(wb) + 1):
            if wa[i - 1] == wb[j - 1]:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best, where = cur[j], i
        prev = cur
    return best, " ".join(wa[where - best:where])


def runs(text: str, n: int = RUN) -> set[str]:
    """Every run of ``n`` consecutive words of a text (normalised as in ``words``)."""
    w = words(text)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def page_key(url: str) -> str:
    """A page's address without scheme, 'www.', query, fragment or trailing slash."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.").rstrip(".")
    return host + parts.path.rstrip("/")


def check(rows: list[dict], excluded: set[str]) -> list[str]:
    problems = []
    per_page: Counter[str] = Counter()
    for n, row in enumerate(rows, 1):
        rid = row.get("id", f"line {n}")
        text, src, url = row.get("text", ""), row.get("source_par", ""), row.get("source", "")
        if not text or not src or not url:
            problems.append(f"{rid}: needs text, source_par and source")
            continue
        run, shared = longest_shared_run(text, src)
        if run >= RUN:
            problems.append(f"{rid}: {run} words copied in a row: '{shared}'")
        key = page_key(url)
        if key in excluded:
            problems.append(f"{rid}: {url} is a page of the development set; choose another page")
        per_page[key] += 1
        if per_page[key] == 4:
            problems.append(f"{rid}: more than 3 passages from {url}")
        ratio = len(words(text)) / max(1, len(words(src)))
        if not 0.7 <= ratio <= 1.4:
            problems.append(f"{rid}: length {len(words(text))} words vs source {len(words(src))}; keep within ±30%")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("work", type=Path, help="JSONL with text, source_par, source")
    ap.add_argument("--exclude", type=Path, action="append", default=[],
                    help="JSONL whose 'source' pages may not be written from (the dev set)")
    args = ap.parse_args(argv)
    excluded = set()
    for path in args.exclude:
        with path.open(encoding="utf-8") as fh:
            excluded |= {page_key(json.loads(l)["source"]) for l in fh if l.strip()}
    with args.work.open(encoding="utf-8") as fh:
        rows = [json.loads(l) for l in fh if l.strip()]
    problems = check(rows, excluded)
    for p in problems:
        print(p)
    print(f"{len(rows)} passages checked, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
