"""Language detection: which detector, how much text it needs, and how to read a mixed document.

Reads the non-English news paragraphs in ``tests/data/languages.jsonl`` (with their true codes) and
the project's English passages (``corpus/grounded/train/*.jsonl`` and, when present,
``/work/shared/realdev/passages.jsonl``), and prints three tables:

1. detector × {non-English paragraphs named right, English passages taken for another language,
   ms per text};
2. py3langid on the first N letters of every text, for several weights of English: the minimum
   length and the English weight of ``guess_language`` come from here;
3. mixed documents (an English report with a foreign title, summary or quotation, and the reverse)
   read whole or by a paragraph vote.

Run from the repository root: ``python bench/language.py``.
"""

from __future__ import annotations

import glob
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.ingest import language  # noqa: E402

REALDEV = Path("/work/shared/realdev/passages.jsonl")


def load() -> tuple[list[dict], list[dict]]:
    foreign = [json.loads(line) for line in (ROOT / "tests/data/languages.jsonl").open(encoding="utf-8")]
    files = sorted(glob.glob(str(ROOT / "corpus/grounded/train/*.jsonl")))
    files += [str(REALDEV)] if REALDEV.exists() else []
    english = [json.loads(line) for name in files for line in open(name, encoding="utf-8") if line.strip()]
    return foreign, english


# The detector before py3langid: counts of each language's commonest words (kept here as the baseline).
_STOP = {
    "en": "the of and to in is that for on with as are by this be from at was which have it an not or has were",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus",
    "fr": "le la les de des et en un une du est que pour dans qui par sur au avec ne pas plus ce sont aux",
    "es": "el la de que y en los del se las por un para con no una su al es lo como más pero sus",
    "it": "il di che la e in un per non una del della con sono gli le si da al dei nel alla anche",
    "nl": "de het een en van in is dat op te zijn met voor niet aan er ook als door bij naar om",
    "pt": "de que o a e do da em um para com não uma os no se na por mais as dos como mas",
    "pl": "i w na z się do nie że to jest o jak ale po co tak za od są przez dla oraz przy",
    "sv": "och i att det som en på är av för med till den har de inte om ett han men var",
}
_SETS = {lang: set(words.split()) for lang, words in _STOP.items()}


def stop_words(text: str) -> str:
    words = re.findall(r"[^\W\d_]+", text[:20_000].lower())
    if len(words) < 15:
        return "und"
    hits = {lang: sum(w in s for w in words) for lang, s in _SETS.items()}
    best = max(hits, key=hits.get)
    if len(words) < 25:
        runner_up = max(v for lang, v in hits.items() if lang != best)
        return best if hits[best] >= 3 and hits[best] >= 2 * runner_up else "und"
    if hits[best] < 0.08 * len(words):
        return "und"
    return "en" if hits["en"] >= 0.7 * hits[best] else best


def py3langid_all_labels() -> Callable[[str], str]:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda text: identifier.classify(text)[0]


def weighted(prior: float) -> Callable[[str], str]:
    """py3langid over the shipped language set with English weighed ``prior`` times, no length gate."""
    def detect(text: str) -> str:
        scores = dict(language._identifier().rank(text))
        scores["en"] *= prior
        return max(scores, key=scores.get)
    return detect


def prefix(text: str, letters: int) -> str:
    """The shortest opening of ``text`` with ``letters`` letters (as guess_language counts them),
    finished at the end of a word."""
    seen = 0
    for i, ch in enumerate(text):
        seen += language.letter_count(ch)
        if seen >= letters:
            end = re.match(r"\S*", text[i:]).end()
            return text[:i + end]
    return text


def detectors_table(foreign: list[dict], english: list[dict]) -> None:
    start = time.perf_counter()
    language._identifier()
    print(f"py3langid model load: {time.perf_counter() - start:.2f} s (once per process)\n")
    rows = [("stop words (before)", stop_words), ("py3langid, all 140 labels", py3langid_all_labels()),
            ("py3langid, ISO 639-1 set", weighted(1.0)),
            (f"py3langid, ISO set, English x{language.ENGLISH_PRIOR:g}", weighted(language.ENGLISH_PRIOR)),
            ("guess_language (shipped)", language.guess_language)]
    print(f"| detector | non-English right (of {len(foreign)}) | English flagged (of {len(english)}) | ms per text |")
    print("|---|---|---|---|")
    for name, detect in rows:
        start = time.perf_counter()
        right = sum(detect(row["text"]) == row["language"] for row in foreign)
        flagged = [row["text"] for row in english if detect(row["text"]) not in ("en", "und")]
        ms = (time.perf_counter() - start) * 1000 / (len(foreign) + len(english))
        print(f"| {name} | {right} ({right / len(foreign):.0%}) | {len(flagged)} | {ms:.2f} |")
    print()


def length_table(foreign: list[dict], english: list[dict]) -> None:
    lengths = (20, 30, 40, 50, 60, 80)
    print("First N letters of each text: non-English right / English flagged")
    print("| English weight | " + " | ".join(f"N={n}" for n in lengths) + " |")
    print("|---|" + "---|" * len(lengths))
    for prior in (1.0, 3.0, 10.0, 30.0):
        detect = weighted(prior)
        cells = []
        for n in lengths:
            right = sum(detect(prefix(row["text"], n)) == row["language"] for row in foreign)
            flagged = sum(detect(prefix(row["text"], n)) != "en" for row in english)
            cells.append(f"{right / len(foreign):.0%} / {flagged / len(english):.1%}")
        print(f"| x{prior:g} | " + " | ".join(cells) + " |")
    print()


def mixed_documents(foreign: list[dict], english: list[dict]) -> list[tuple[str, str, str]]:
    """(case, text, expected language): English reports with foreign parts, foreign ones with English."""
    by_doc: dict[str, list[str]] = {}
    for row in english:
        by_doc.setdefault(row.get("doc") or row.get("source") or row["id"], []).append(row["text"])
    reports = [texts for texts in by_doc.values() if len(texts) >= 3]
    by_lang: dict[str, list[str]] = {}
    for row in foreign:
        by_lang.setdefault(row["language"], []).append(row["text"])
    cases = []
    for i, (lang, paragraphs) in enumerate(sorted(by_lang.items())):
        body = reports[i * 7 % len(reports)]
        first_sentence = re.split(r"(?<=[.。])\s*", paragraphs[0])[0]
        cases.append(("foreign title, English body", "\n\n".join([first_sentence, *body]), "en"))
        cases.append(("English body, foreign quotation", "\n\n".join([body[0], paragraphs[1], *body[1:]]), "en"))
        cases.append(("foreign summary, English body", "\n\n".join([*paragraphs, *body]), "en"))
        cases.append(("foreign text, English sentence", "\n\n".join(
            [paragraphs[0], "The project is funded by Interreg Europe.", paragraphs[1]]), lang))
        # A translated report: 25,000 characters of foreign pages, then three times as many letters of English.
        pages = paragraphs * (25_000 // len("".join(paragraphs)) + 1)
        copies = 3 * language.letter_count("".join(pages)) // language.letter_count("".join(body)) + 1
        cases.append(("foreign pages, then a longer English text", "\n\n".join(pages + body * copies), "en"))
    return cases


def mixed_table(foreign: list[dict], english: list[dict]) -> None:
    cases = mixed_documents(foreign, english)
    # Joined into one paragraph, the text is judged at once, as before (its first 20,000 characters).
    strategies = [("whole text at once", lambda t: language.guess_language(t[:20_000].replace("\n\n", " "))),
                  ("paragraph vote (shipped)", language.guess_language)]
    names = list(dict.fromkeys(case for case, _, _ in cases))
    print("Mixed documents: right of each kind")
    print("| strategy | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, detect in strategies:
        cells = []
        for name in names:
            mine = [(text, want) for case, text, want in cases if case == name]
            cells.append(f"{sum(detect(text) == want for text, want in mine)}/{len(mine)}")
        print(f"| {label} | " + " | ".join(cells) + " |")


def main() -> None:
    foreign, english = load()
    print(f"{len(foreign)} non-English paragraphs in {len({r['language'] for r in foreign})} languages; "
          f"{len(english)} English passages\n")
    detectors_table(foreign, english)
    length_table(foreign, english)
    mixed_table(foreign, english)


if __name__ == "__main__":
    main()
