"""Tell English from other languages, so foreign text is skipped rather than misread by English models.

py3langid's naive Bayes model over byte n-grams (bundled with the package, loaded once per process)
does the work. ``bench/language.py`` measured the choices below.
"""

from __future__ import annotations

import functools

MIN_LETTERS = 40
"""Text with fewer letters (see :func:`letter_count`) gives ``und``. On openings of 40 letters,
98% of the non-English news paragraphs were named right and 0.1% of English passages taken for
another language; at 30 letters 95% and 0.4%, at 20 letters 91% and 0.7%."""
ENGLISH_PRIOR = 10.0
"""English is what this tool reads and other languages the exception, so English's probability is
weighed ten times. On 40-letter openings that took English passages flagged from 1.0% to 0.1% and
cost no non-English paragraph; a whole foreign paragraph still wins easily."""
# Labels that are no language of news (Latin, Esperanto, Volapük) but catch English phrases;
# labels without an ISO 639-1 code (Nigerian Pidgin "pcm", which takes plain English) are left out too.
_NOT_NEWS = frozenset({"la", "eo", "vo"})
_PARAGRAPHS = 64  # enough to find the main language; spread over the text, not its first pages
_PARAGRAPH_CHARS = 3000  # a PDF without paragraph breaks is one "paragraph": its opening tells enough


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([code for code in identifier.labels if len(code) == 2 and code not in _NOT_NEWS])
    return identifier


def load_language_model() -> None:
    """Load the identifier now: a batch does it before forking its workers, so they share it."""
    _identifier()


def letter_count(text: str) -> int:
    """How much evidence ``text`` holds: its letters, a Chinese, Japanese or Korean character counting
    three (it stands for a syllable or a word); digits, punctuation and spaces count nothing."""
    return sum(3 if ch >= "\u2e80" else 1 for ch in text if ch.isalpha())


def language_scores(text: str) -> dict[str, float]:
    """Probability of each language for ``text``, English weighted by :data:`ENGLISH_PRIOR`, best first."""
    scores = dict(_identifier().rank(text))
    scores["en"] *= ENGLISH_PRIOR
    total = sum(scores.values())
    return dict(sorted(((code, p / total) for code, p in scores.items()), key=lambda kv: kv[1], reverse=True))


def guess_language(text: str) -> str:
    """An ISO 639-1 code for the main language of ``text``, or ``und`` when it has fewer than
    :data:`MIN_LETTERS` letters.

    Each paragraph long enough to tell votes with its number of letters, so a foreign title or a
    quoted sentence does not outvote an English report; a long text is sampled at paragraphs spread
    over its whole length. Text whose paragraphs are all short (a list, a table) is judged whole.
    """
    total = letter_count(text)
    if total < MIN_LETTERS:
        return "und"
    paragraphs = [(p, n) for p in text.split("\n\n") if (n := letter_count(p)) >= MIN_LETTERS]
    if len(paragraphs) > _PARAGRAPHS:
        step = len(paragraphs) / _PARAGRAPHS
        paragraphs = [paragraphs[int(i * step)] for i in range(_PARAGRAPHS)]
    votes: dict[str, int] = {}
    for paragraph, n in paragraphs or [(text, total)]:
        best = next(iter(language_scores(paragraph[:_PARAGRAPH_CHARS])))
        votes[best] = votes.get(best, 0) + n
    return max(votes, key=votes.get)
