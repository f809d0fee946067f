"""Build a benchmark corpus of our own writing: documents assembled from the labelled passages.

Deterministic for a given seed. Documents mix the three formats the tool reads, with headings
and (for HTML) page chrome around the article, so every stage of `lessons run` does real work.
"""

from __future__ import annotations

import html
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "corpus" / "labels"
HEADINGS = ["Background", "What happened", "Results so far", "Partners", "Funding", "Next steps",
            "Lessons learned", "Context", "Findings", "Outlook", "Governance", "The pilots"]


def _passages() -> list[str]:
    texts = []
    for f in sorted(LABELS.glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def _html(title: str, sections: list[tuple[str, list[str]]]) -> str:
    body = "".join(f"<h2>{html.escape(h)}</h2>" + "".join(f"<p>{html.escape(p)}</p>" for p in ps) for h, ps in sections)
    return (f"<!DOCTYPE html><html><head><title>{html.escape(title)}</title></head><body>"
            "<div class='cookies'>We use cookies to improve your experience. <a>Accept all</a></div>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/events'>Events</a></nav>"
            f"<main><article><h1>{html.escape(title)}</h1>{body}"
            "<div class='share'>Share on Facebook | Tweet | LinkedIn</div></article></main>"
            "<footer>© 2024 Example Cluster. All rights reserved.</footer></body></html>")


def build_corpus(out: Path, n_docs: int = 200, target_words: int = 200_000, seed: int = 7) -> dict:
    """Write ``n_docs`` documents totalling about ``target_words`` words; returns what was written."""
    rng = random.Random(seed)
    pool = _passages()
    out.mkdir(parents=True, exist_ok=True)
    per_doc = target_words // n_docs
    words = 0
    for i in range(n_docs):
        fmt = ("md", "txt", "html")[i % 3]
        title = f"Cluster report {i:03d}"
        sections, n = [], 0
        while n < per_doc:
            paras = rng.sample(pool, rng.randint(2, 4))
            n += sum(len(p.split()) for p in paras)
            sections.append((rng.choice(HEADINGS), paras))
        words += n
        if fmt == "html":
            text = _html(title, sections)
        elif fmt == "md":
            text = f"# {title}\n\n" + "\n\n".join(f"## {h}\n\n" + "\n\n".join(ps) for h, ps in sections) + "\n"
        else:
            text = f"{title.upper()}\n\n" + "\n\n".join(f"{k}. {h}\n\n" + "\n\n".join(ps)
                                                         for k, (h, ps) in enumerate(sections, 1)) + "\n"
        (out / f"doc-{i:03d}.{fmt}").write_text(text, encoding="utf-8")
    return {"documents": n_docs, "words": words}
