"""Entities analysts can count: clean spans, one label per name in a document, acronyms, ISO dates.

spaCy's small English model tags a name as PERSON in one sentence and ORG in the next, keeps a
leading "the" or a trailing "'s", misses bare acronyms and calls "three years" a date. The rules
here work on plain :class:`Entity` lists with the whole document in view (``DocumentContext``);
:mod:`pipeline.entity_pipes` runs them as spaCy components after ``ner``:

1. spans lose a leading "the" and a trailing possessive;
2. durations, ages, frequencies and award titles are dropped from DATE;
3. "Long Name (ACR)" links the acronym to its long form, and bare uses of the acronym the model
   missed are added as ORG;
4. every mention of one name (case, "the", hyphen and space variants folded) gets the label most
   of its mentions had, and ``norm``, the canonical name;
5. dates are widened to the whole date the text writes ("Monday 10 June 2024", "25 and 26 April")
   and get ``iso`` when they denote a day, ISO week, month, quarter, year or range; a missing year
   and relative dates ("today", "last month") are resolved against the document's publication date.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property, lru_cache

from .entity_spans import (MEMBER_FOR_BEFORE, NAME_LABELS, ORGAN, ORGAN_OF, PERSON_OF_BODY, PERSON_SHAPE,
                           POSSESSIVE_END, SENTENCE_LEAD, SITE_KIND_AFTER, VERSION_AFTER, WEEKDAYS, YEAR_PLAN_AFTER,
                           SpanIndex, in_portfolio)
from .ingest.metadata import MONTHS
from .places import KNOWN_PLACES, WORLD_REGIONS, is_place, place_label
from .records import Entity
from .vocabulary import (BODY_HEADS, COMMON_ABBREVIATIONS, COUNTRY_CODES, DOCUMENT_PARTS, FIRM_NOUNS, FIRM_PLURALS,
                         FIRM_WORDS, FOUNDING_VERBS, HONORIFICS, LOWER_CASE_OFFICES, NATIONALITIES, NUMBER_WORDS, OFFICES,
                         OFFICIAL_HEADS, NAME_ENDINGS, ORG_MARKERS, OTHER_TITLES, PLACE_HEADS, PORTFOLIO_OFFICES,
                         PUBLIC_BODY_HEADS, PUBLIC_BODY_NAMES, REGION_CODES, ROLES, SITE_ENDINGS, TITLE_FIRST_WORDS,
                         TITLE_MODIFIERS, TITLE_SECOND_WORDS, UNITS, alternation)

_PLACE_KEYS = frozenset(re.sub(r"^the ", "", p.casefold()) for p in KNOWN_PLACES)
_REGION_KEYS = frozenset(p.casefold() for p in WORLD_REGIONS)

_LEADING_THE = re.compile(r"^(?:the|The|THE)\s+")
# Between the capitalised words of a long form, English and other European languages' small words ("Agence
# Française pour le Développement", "Banco Nacional de Desenvolvimento Econômico e Social", "Verein für ...").
_ACRONYM_DEF = re.compile(r"([A-Z][\w&.’'-]*(?:,?\s+(?:of|for|and|the|on|in|at|to|de|du|des|la|le|&|pour|sur|e|y|et|"
                          r"da|do|dos|das|del|della|delle|di|per|für|und|zur|zum|der|van|voor|en|og|och|för|"
                          r"[A-Z][\w&.’'-]*)){0,9})"
                          r"[\"”]?\s+\(([A-Z][A-Za-z0-9&-]{1,9})\)")  # '"Strategic ... Program" (SICP)' too
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_COUNT = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|many|\d+(?:[.,]\d+)?)"
_NOT_A_DATE = re.compile(
    rf"^(?:(?:(?:(?:the|its|their|our)\s+)?(?:first|last|next|past|previous|coming)\s+)?{_COUNT}(?:\s*(?:-|–|to|or)\s*{_COUNT})?"
    r"[\s-]+(?:more\s+)?(?:full\s+)?(?:years?|months?|weeks?|days?|hours?|decades?|quarters?)(?:\s+(?!ago\b)\w+)?"
    r"|(?:every|each|per)\s+\w+.*|(?:the\s+)?year|(?:of\s+)?the\s+year|years?|decades?|annual(?:ly)?|daily|weekly|monthly"
    r"|(?:the\s+)?(?:same|following|next|previous)\s+day|\d+\s*(?:h|hrs?)|(?:a|the)\s+decade"
    # an age, a project month ("month 30")
    r"|[\w-]+[\s-]years?[\s-]old|aged\s+\d+|months?\s+\d+)$",
    re.I,
)
_YEAR = r"(?:19|20)\d\d"
# Funding programmes, laws and strategies are topics, not organisations or places.
_PROGRAMME = re.compile(
    r"^(?:Horizon(?: Europe| 2020)?|Interreg(?:\s.*)?|COSME|Erasmus\+?|LIFE|Digital Europe|NextGenerationEU|"
    r"ERDF|ESF\+?|EAFRD|EMFF|EMFAF|ESIF|JTF|RRF|CEF|EFSI|"  # the EU's funds by their acronyms
    r"Single Market Programme|Creative Europe)$|\b(?:Funds?|Programmes?|Program|Project|Act|Plan|Strategy|Facility|Deal|"
    r"Strategies|Grant Opportunity|"
    r"Scheme|Yojana|Regulation|Directive|Agenda|Agreement|Declaration|Protocol|Treaty|Accord|Charter|"
    r"Memorandum of Understanding|Letter of Intent|Platform)$"
    r"|\b(?:Research|Innovation|Education)\s+Area$"  # "European Research Area": a policy's space
    r"|^(?:Investing|Building|Growing|Accelerating|Connecting|Supporting|Developing)\s+(?:in|for)\s"  # "Investing in ..."
    r"|\b(?:Vision|Agenda)\s+20\d\d$"  # "Qatar National Vision 2030", "Agenda 2063": a country's plan
    r"|^(?:Plan|Strategy|Programme|Program|Roadmap|Agenda|Act|Law)\s+(?:for|on|of)\s"  # "(Basic) Plan for ..."
    r"|^(?:Project|Operation)\s+[A-Z]")  # "Project Beethoven", "Operation Beethoven"
_STUDY_OF = re.compile(r"(?:Evaluation|Review|Study|Survey|Assessment|Analysis|Mapping|Census)\s+of\s")
_UN_BODY = re.compile(r"(?:United Nations|UN|World)\s")
_PLACE_HEAD_START = re.compile(rf"{alternation(PLACE_HEADS)}\s+of\s")
_ORG_WORDS = re.compile(rf"\b{alternation(BODY_HEADS | ORG_MARKERS | {'Port of'})}\b")
# Publications named after their publisher: "SSTI Digest", "BNV Newsletter", "ISGAN Casebook on ...".
_PUBLICATION = re.compile(r"\s+(?:Digest|Newsletter|Newsletters|Bulletin|Casebook|Magazine|Handbook|Yearbook|Scoreboard|"
                          r"Toolkit|Toolbox|Factsheet|Policy Brief|Assessment)\b")
_BARE_HEADS = BODY_HEADS | OFFICIAL_HEADS | {"Cabinet", "Legislature"}  # "the Dutch Cabinet", "the State Legislature"
_SITE = re.compile(rf"\b{alternation(SITE_ENDINGS)}$")
_EVENT = re.compile(r"\b(?:Conference|Summit|Awards?|Prizes?|Competition|Contest|Forum|Days?|Week|Fair|Expo|Festival|"
                    r"Congress|Symposium|Hackathon|Workshop|Event|Challenge|"
                    r"of the Year)$"
                    r"|\b(?:Conference|Summit|Symposium)\s+[Oo]n\s")  # "African Conference On Agricultural Technologies"
_DATE_WORDS = {"year", "years", "month", "months", "week", "weeks", "quarter", "half", "decade", "century", "ago",
               "morning", "afternoon", "evening", "night", "spring", "summer", "autumn", "fall", "winter", "day",
               "days", "weekend", "today", "yesterday", "tomorrow", "period"}
_DATE_LEAD = re.compile(r"^(?:(?:no\s+(?:earlier|later)\s+than|not\s+(?:before|after|later\s+than)|"
                        r"(?:the\s+)?(?:financial\s+|fiscal\s+)?year\s+(?:ended|ending)|as\s+(?:of|at)|up\s+to|"
                        r"between|from|since|until|till|by|during|in|on|at|before|after|around|about|"
                        r"the|period(?:\s+of)?|years?(?=\s+(?:19|20)\d\d))\s+)+", re.I)
_DATE_PAIR = re.compile(r"^(.+?)\s+(?:and|to|until|till)\s+(.+)$", re.I)
# "in Rubavu": not "to", which as often leads to a body ("sent to Siemens").
_PLACE_PREPOSITION = re.compile(r"(?:\b(?:in|near|across|around|outside|throughout)\s+)$")
# Offices are also written in lower case before a name ("by minister Brouns", "vice-chancellor Olive Mugenda").
_TITLE_BEFORE = re.compile(rf"\b(?:{alternation(HONORIFICS | OFFICES)}\.?|{alternation(LOWER_CASE_OFFICES)})\s+$")
_SPEECH_AFTER = re.compile(r"^(?:\s+(?:and|&)\s+[A-Z]\w+)?(?:\s*\(\d{4}\))?\s+(?:said|says|told|argued|argues|noted|"
                           r"notes|added|adds|explained|explains|recalled|recalls|wrote|writes|believes|thinks|"
                           r"found|finds|concluded|concludes|et al)\b")
# "said Nicolai Rottbøll, the cluster's head of innovation", "Mhairidh Evans, principal analyst": a
# first and last name next to a verb of speaking or followed by a role is a person, whatever the NER said.
_SAID_BEFORE = re.compile(r"\b(?:said|says|according to|explained|added|told)\s+$")
# "..., principal analyst", "..., Minister of Economy", "..., Vice-President of CORFO", "(president of INNOVACC)";
# not over "and".
_ROLE_AFTER = re.compile(r"^(?:,\s+|\s*\(\s*)(?:(?:the|a|an|its|our|their|[A-Z][\w'’-]+(?:'s|’s))\s+)?(?:(?!and\s|or\s)(?:[\w-]+|[A-Z][\w-]*['’]s)\s+){0,3}?"
                         rf"(?:[A-Za-z]+-)?(?i:{alternation(ROLES)})\b")
_CAPITALS_WORD = re.compile(r"\b[A-Z]{2,}\b")  # "Northwest Alabama EDA" is no person's name
# "the Dutch economy minister, Dirk Beljaarts": roles only people hold ("the partner, Siemens Energy" is a firm).
# Not a list of attendees ("Dr Alison Hiley, Director, Confluence Scotland"), where the body follows the title.
_PEOPLES_ROLES = ROLES - {"head", "chief", "chair", "lead", "leader", "partner", "senior", "principal"}
_ROLE_BEFORE = re.compile(rf"\b(?:the|our|its|their|his|her)\s+(?:[\w-]+\s+){{0,3}}?{alternation(_PEOPLES_ROLES)},\s+$")
_APPOINTED_AFTER = re.compile(r"\s+(?:has\s+been|had\s+been|was|is|will\s+be)\s+(?:named|appointed|elected|promoted)\s+"
                              r"(?:as\s+)?(?:(?:the|a|an|its|their|our|new|interim|acting)\s+)*(?:[\w-]+\s+){0,2}?"
                              rf"(?i:{alternation(ROLES)})\b")
_PERSON_NAME = re.compile(r"[A-Z][\w'’-]+(?:\s+(?:van|von|de|der|da|di|du|la|le)?\s*[A-Z][\w'’-]+){1,2}")
# "the Barrow and Furness MP": the places a member of parliament stands for.
_FIRM_VERB_AFTER = re.compile(r"^(?:'s|’s)?\s+(?:has\s+|have\s+|will\s+)?(?:opened|acquired|hired|employs|employed|announced|"
                              r"signed|invested|won|sells|sold|supplies|supplied|manufactures|appointed|reported)\b")
_FIRM_NOUN_BEFORE = re.compile(rf"\b{alternation(FIRM_NOUNS | FOUNDING_VERBS | {'bank'})}\s+$")
_FIRM_AFTER = re.compile(
    r"^(?:(?:'s|’s)\s+(?:(?:Executive\s+)?Vice[- ]President|CEO|chief\s+executive|board\s+of\s+directors|shareholders|"
    r"subsidiary|subsidiaries|headquarters|factory|factories|plant|plants|products|customers|employees|workforce|"
    r"share\s+price|shares|revenues?|turnover)\b"
    r"|\s+(?:news|information|press)\s+agency\b"  # "a report by the Jahon information agency"
    r"|,\s+(?:a|an)\s+(?:[\w-]+\s+){0,3}?"
    rf"{alternation(FIRM_NOUNS - {'insurer'} | {'unit', 'subsidiary', 'provider', 'producer', 'conglomerate', 'corporation'})}\b"
    # "Obatala is the first life sciences firm": not a developer or an operator, which a person may be.
    r"|\s+(?:is|was|became|has\s+become)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}?"
    rf"{alternation(FIRM_NOUNS - {'developer', 'operator', 'supplier', 'insurer'})}\b(?!['’]s))")
_CODES = COUNTRY_CODES | REGION_CODES
_BEFORE_CODE = re.compile(r"\b([A-Z][\w.'’-]+)(?:,\s+|\s+\()$")
_CLOCK_BEFORE = re.compile(r"\b\d{1,2}(?:[:.h]\d\d|\s?[ap]\.?m\.?)\s+$", re.I)
# A ruler's title before a name with a patronymic ("Sultan Haitham bin Tarik"); without one it may be a given
# name ("Sultan Hafeez Rahman", "Sultan bin Ahmed Al Jaber").
_RULER_BEFORE_PATRONYMIC = r"(?:Sultan|Emir)(?=\s+[A-Z][\w'’-]+\s+(?:bin|ibn|bint)\s)"
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’-]+|[A-Z]\.(?:\s?[A-Z]\.)*)"  # a word or initials ("T.K.")
_TITLE_LEAD = re.compile(rf"(?:(?:{alternation(HONORIFICS | OFFICES | OTHER_TITLES)}|{_RULER_BEFORE_PATRONYMIC})\.?\s+)+"
                         rf"(?={_NAME_WORD}(?:\s+(?:(?:van|von|de|der|den|da|di|du|la|le|bin|bint|ibn|al|el)\s+)*"
                         rf"{_NAME_WORD}){{0,4}}$)")  # "Alderman John de Jonge", "Dato’ Wira Ku Abd Rahman Ku Ismail"
# (Small words of other languages may stand inside the firm's name: "Kompetensspridning i Umeå AB of Sweden".)
_OF_PLACE = re.compile(r"([A-Z][\w&'’.-]*(?:\s+(?:(?:i|de|del|da|di|du|des|la|von|van|der|für|och|og|und|y|et)\s+)?"
                       r"[A-Z][\w&'’.-]*)+)\s+of\s+(?:the\s+)?([A-Z][\w.'’ -]*)")
# Heads that take "of <place>" into a name ("Bank of Canada", "Port of Antwerp", "Republic of Korea").
_NAMING_HEADS = (BODY_HEADS | OFFICIAL_HEADS | PLACE_HEADS | {"Club", "Consulate", "Embassy", "General", "Chapter"}) - {
    "Group", "Company", "Corporation"}
_PLACE_ABBREVIATION = re.compile(r"[A-Z](?:\.[A-Z]){1,2}\.?")  # "B.C.", "D.C."
_GOVERNMENT_AFTER = re.compile(r"^(?:'s|’s)?\s+(?:administration|government|cabinet)\b")
_FIRM_WORDS = re.compile(rf"\b{alternation(BODY_HEADS | FIRM_WORDS | ORG_MARKERS - {'Park'})}\b")  # Park Geun-hye
_THE_BEFORE = re.compile(r"\bthe\s+$")
_BRACKET_OPEN_BEFORE = re.compile(r"\((?:the\s+)?$")
_ACRONYM_WORD = re.compile(r"[A-Z][A-Z0-9&-]+")
_MP_AFTER = re.compile(r"^(?:\s+and\s+[A-Z][\w-]+)?\s+MP\b")
# A citation names a person: "Porter (1990)", "Porter and Ketels, 2003", "(Etzkowitz et al. 2000)".
_SURNAME = r"(?:(?:van|von|de|den|der|da|di|Van|Von|De|Den|Der)\s+)*[A-Z][\w'’-]+"
_MORE_AUTHORS = rf"(?:,\s+{_SURNAME})*,?\s+(?:and|&)\s+{_SURNAME}"  # ", Sullivan and Deville"
_ET_AL = r"\s+et\s+al\.?"
_CITED_YEAR = r",?\s*\(?(?:19|20)\d\d[a-z]?\b"
_CITED_AFTER = re.compile(rf"^(?:{_MORE_AUTHORS})?(?:{_ET_AL})?{_CITED_YEAR}")
# Only people write together: "Hodge and Greve 2007", "Etzkowitz et al. 2007" (an organisation is cited alone: "OECD 2019").
_CO_AUTHORED_AFTER = re.compile(rf"^(?:{_MORE_AUTHORS}|{_ET_AL}){_CITED_YEAR}")
# The second author: "(Hodge and Greve 2007)".
_CO_AUTHOR_BEFORE = re.compile(rf"{_SURNAME},?\s+(?:and|&)\s+$")
_YEAR_AFTER = re.compile(rf"^{_CITED_YEAR}")
_JOB_TITLE = re.compile(rf"^(?:Deputy\s+|Vice[- ]|Prime\s+)?{alternation(OFFICES)}\s+(?:of|for)\s")
# "the Minister of ICT and Innovation": the portfolio of a job title is not an organisation.
_IN_JOB_TITLE = re.compile(rf"\b{alternation(PORTFOLIO_OFFICES)}\s+(?:of|for)\s+(?:the\s+)?(?:[A-Z][\w&-]*,?\s+(?:and\s+|&\s+)?)*$")
_TITLE_AFTER = re.compile(rf"\s+{alternation(TITLE_SECOND_WORDS)}\b")  # "Cabinet Secretary"
_STRONG_DATE = re.compile(r"Q[1-4]\s+(?:19|20)\d\d|(?:19|20)\d\d(?:\s*[-–/]\s*(?:19|20)?\d\d)?|FY\s?(?:19|20)?\d\d")  # "FY18"
_MONTH_NAME = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"


def _names_nothing(text: str, e: Entity) -> bool:
    """Words the model takes for names that name nothing: report parts ("Foreword"), units ("kW"),
    job titles ("Minister of Industry and Trade"), a minister's portfolio ("... of ICT and
    Innovation") and the first word of a title ("Cabinet" Secretary)."""
    return (e.text in DOCUMENT_PARTS or e.text in UNITS or e.text in TITLE_MODIFIERS or bool(_JOB_TITLE.match(e.text))
            or _portfolio(e) and _in_job_title(text[max(0, e.start - 200):e.start])
            or " " not in e.text and e.label == "ORG" and bool(_TITLE_AFTER.match(text[e.end:e.end + 20])))


def _in_job_title(before: str) -> bool:
    """``before`` ends inside a job title ("the Minister of ICT and "); a plain search for the office first."""
    return any(w in before for w in _PORTFOLIO_WORDS) and bool(_IN_JOB_TITLE.search(before))


# The offices holding no other ("Secretary", not "Cabinet Secretary"): each office holds one of them.
_PORTFOLIO_WORDS = tuple(o for o in PORTFOLIO_OFFICES if not any(p != o and p in o for p in PORTFOLIO_OFFICES))


def _portfolio(e: Entity) -> bool:
    """What may be a portfolio after "Secretary of": not a person ("Minister of Natural Resources, Joe
    Oliver"), an acronym ("Executive Secretary of ECLAC") or a body or place ("the Province of Drenthe")."""
    return (e.label != "PERSON" and not e.text.isupper() and not _ORG_WORDS.search(e.text)
            and not is_place(e.text) and not _PLACE_HEAD_START.match(e.text))


@lru_cache(maxsize=8192)
def fold(name: str) -> str:
    """The key under which spelling variants of one name meet (cached: asked for every mention)."""
    name = _LEADING_THE.sub("", name.strip())
    name = POSSESSIVE_END.sub("", name)
    return re.sub(r"[\s\-‐–]+", " ", name).casefold().strip(" .,")


def _loose(key: str) -> str:
    """A folded name without spaces and a plural ending, for names of two words or more."""
    return re.sub(r"s$", "", key.replace(" ", "")) if len(key) > 8 else key


# One line of a list: what a name may not carry across a line break (a bullet, spaces).
_LINE_PIECE = re.compile(r"[^\S\n]*(?:[-–—•*·▪][^\S\n]+)?([^\n]*?)[^\S\n]*(?:\n|$)")


def split_lines(ent: Entity) -> list[Entity]:
    """No name runs across a line break: the model joins the lines of a list ("Northern Territory\n-
    Gladstone"), each line's words are a name of their own, with the list's bullet left out."""
    if "\n" not in ent.text:
        return [ent]
    out = []
    for m in _LINE_PIECE.finditer(ent.text):
        piece = m.group(1)
        if any(c.isalnum() for c in piece):
            start = ent.start + m.start(1)
            out.append(Entity(piece, ent.label, start, start + len(piece)))
        if m.end() == len(ent.text):
            break
    return out


def trim(ent: Entity) -> Entity | None:
    """Drop a leading 'the', a trailing possessive and a glued "(ACR" from the span, keeping offsets exact."""
    cut = _trim_cut(ent.text, ent.label)
    if cut is None:
        return None
    lead, text = cut
    if lead == 0 and text == ent.text:
        return ent
    start = ent.start + lead
    return Entity(text, ent.label, start, start + len(text), ent.norm, ent.iso)


@lru_cache(maxsize=4096)
def _trim_cut(text: str, label: str) -> tuple[int, str] | None:
    """(characters cut at the front, the name that remains) for ``trim``; cached, as names recur."""
    lead = 0
    cut = text.find(" (")
    # "Chilean Solar Industry Chamber (CASOL": the acronym is found later; a date loses only a bracket it ends
    # on ("Tuesday (" April 4, 2023).
    if cut > 0 and (label != "DATE" or cut == len(text) - 2):
        text = text[:cut]
    m = _LEADING_THE.match(text)
    if m and label != "DATE" and len(text) > m.end():
        text, lead = text[m.end():], m.end()
    m = POSSESSIVE_END.search(text)
    if m and label != "DATE" and m.start() > 0:
        text = text[:m.start()]
    # No name ends in a preposition: "... National Research Council in" (Saskatoon) stops before it.
    # Nor in a dash after a space: "Tsai Ming-kai - for their work".
    stripped = (re.sub(r"(?:\s+(?:of|and|for|the|de|&|in|at|on|to|with|by|from|[-–—]+))+$", "", text.rstrip(" .,;:"))
                if label != "DATE" else text)
    if label in ("GPE", "LOC"):  # "Izmir province", "Ghana region": the name is the capitalised part
        stripped = re.sub(r"(?<=\w)(?:\s+(?:province|region|district|county|state|city|municipality|area))+$", "",
                          stripped)
    # "Tecnalia \ufffd": a byte the file's reader could not decode is no part of a name.
    stripped = stripped.rstrip(" .,;:/\ufffd")
    if stripped.startswith(("/", "\ufffd")):  # "ON, Oct. 27, 2023 /CNW/": a newswire's name between slashes
        lead += len(stripped) - len(stripped.lstrip("/\ufffd "))
        stripped = stripped.lstrip("/\ufffd ")
    if re.search(r"\b(?:Ltd|Co|Inc|Corp|Bros|S\.A|N\.V|B\.V)$", stripped) and text[len(stripped):].startswith("."):
        stripped += "."  # "Japan CCS Co., Ltd." keeps its full stop
    if not stripped.strip():
        return None
    return lead, stripped


_DATE_ANCHOR = re.compile(
    r"\d|\b(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b|\b(?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|spring|summer|autumn|fall|winter|today|yesterday|tomorrow)\b|\b(?:last|next|this|previous|coming|"
    r"current|past)\s+(?:year|month|week|quarter|decade|spring|summer|autumn|winter)\b", re.I)


_YEARS_LISTED = re.compile(r"(?:19|20)\d\d[a-z]?(?:,\s*(?:19|20)\d\d[a-z]?)+(?:,?\s+and\s+(?:19|20)\d\d[a-z]?)?")
_CITED_YEAR_RX = re.compile(r"(?:19|20)\d\d[a-z]?")


def _date_pieces(ent: Entity) -> list[Entity]:
    """A span running across a layout separator ("12 | 14 June 2024") is several, or none."""
    if _YEARS_LISTED.fullmatch(ent.text):  # "Porter (1990, 1998)": two years cited, two dates
        return [replace(ent, text=m.group(), start=ent.start + m.start(), end=ent.start + m.end())
                for m in _CITED_YEAR_RX.finditer(ent.text)]
    out, pos = [], 0
    for part in re.split(r"(\s*[|\n•·]\s*)", ent.text):
        if part and not re.fullmatch(r"\s*[|\n•·]\s*", part) and _DATE_ANCHOR.search(part) \
                and not re.fullmatch(r"\d{1,2}", part.strip()):  # "12 |": a day or page number alone
            out.append(replace(ent, text=part, start=ent.start + pos, end=ent.start + pos + len(part)))
        pos += len(part)
    return out


_CLOCK_TIME_AFTER = re.compile(r"(?<=\d)(?:\s*[-–—|,]\s*|\s+)(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:[ap]\.?m\.?|[AP]M|hrs?))?"
                               r"(?:\s*\(?(?:GMT|UTC|CET|CEST|EST|EDT|PST|PDT|BST|IST|JST|KST)\)?)?$")


def _date_tail_trimmed(ent: Entity) -> Entity:
    """Drop words after the date: "8 April 2025, days" → "8 April 2025", "2022–2023 season" → "2022–2023",
    "November after seven years" → "November"."""
    text = _CLOCK_TIME_AFTER.sub("", ent.text)  # a byline's "Aug. 25, 2021 - 16:33": the time is no part of the date
    text = re.sub(r",\s*[^,]*$", lambda m: "" if not _DATE_ANCHOR.search(m.group(0)) else m.group(0), text)
    text = re.sub(r"\s+(?:after|for|over|within)\s+(.+)$", lambda m: "" if _NOT_A_DATE.match(m.group(1)) else m.group(0),
                  text)
    words = text.split(" ")
    while len(words) > 1 and words[-1][:1].islower() and not _DATE_ANCHOR.search(words[-1]) \
            and words[-1].lower() not in _DATE_WORDS:
        words.pop()
    text = " ".join(words).rstrip(" ,;:")
    return ent if text == ent.text else replace(ent, text=text, end=ent.start + len(text))


def split_date(ent: Entity) -> list[Entity]:
    """'between September and November 2023' → 'September', 'November 2023'; leading words dropped."""
    if ent.label != "DATE":
        return [ent]
    pieces = _date_pieces(ent)
    if len(pieces) != 1:
        return [d for p in pieces for d in split_date(p)]
    ent = _date_tail_trimmed(pieces[0])
    m = _DATE_LEAD.match(ent.text)
    if m and m.end() < len(ent.text):
        ent = replace(ent, text=ent.text[m.end():], start=ent.start + m.end())
    pair = _DATE_PAIR.match(ent.text)
    if pair and _DATE_ANCHOR.search(pair.group(1)) and _DATE_ANCHOR.search(pair.group(2)) \
            and not any(re.fullmatch(_DAY, side) for side in pair.groups()) \
            and not _DAYS_OF_ONE_MONTH.fullmatch(ent.text):  # "25 and 26 April", "June 9 to 13 in 2025": one range
        a, b = pair.group(1), pair.group(2)
        year = re.search(r"\b(?:19|20)\d\d\b", b)
        # "between January and March 2024": January is January 2024, not of the publication year.
        iso_a = iso_date(f"{a} {year.group(0)}", None) if year and not re.search(r"\b(?:19|20)\d\d\b", a) else None
        return [replace(ent, text=a, end=ent.start + len(a), iso=iso_a),
                replace(ent, text=b, start=ent.start + pair.start(2), end=ent.start + pair.end(2))]
    return [ent]


_DAYS_OF_ONE_MONTH = re.compile(rf"{_MONTH_NAME}\s+{_DAY}\s+(?:to|and|until|till)\s+{_DAY},?\s+(?:in\s+)?(?:19|20)\d\d",
                                re.I)


def is_calendar_date(text: str) -> bool:
    """A date needs an anchor in the calendar: a year, a month, a weekday, a season or 'last year'.

    Small numbers ("12", "from 12 to 49", "Blocks 73 and 79") are days beside a month, and points in
    time only as centuries or with "ago" ("the 21st century", "30 years ago").
    """
    t = text.strip()
    if _DIGIT_THEN_CAPITAL.search(t):  # "Nr. 10V-83": a contract's or a model's code
        return False
    if _NUMBERS_ONLY.fullmatch(t):  # "3010 business meetings", "P.O. Box 101764, 44017 Dortmund": no year
        numbers = re.findall(r"\d+", t)
        if any(len(n) >= 4 for n in numbers) and not any(len(n) == 4 and 1000 <= int(n) < 2200 for n in numbers):
            return False
    anchored = _DATE_ANCHOR.search(re.sub(rf"\b{_DAY}\b", "", t)) or \
        re.search(r"\d", t) and re.search(r"\b(?:century|centuries|ago)\b", t, re.I)
    return bool(anchored) and not _NOT_A_DATE.match(t)


_NUMBERS_ONLY = re.compile(r"\d[\d\s,./-]*")
_DIGIT_THEN_CAPITAL = re.compile(r"\d[A-Z]")
_PREFIX = re.compile(r"^(?:the\s+)?(?:(?:very\s+)?(?:end|beginning|start|middle|close)\s+of\s+|(?:first|second|third|fourth|last)\s+"
                     r"(?:half|quarter)\s+of\s+|early\s+|earlier\s+|mid-?\s*|late\s+|later\s+|(?:the\s+)?year\s+)", re.I)
_QUARTER = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": 4,
            "final": 4}
_RELATIVE = {"this": 0, "current": 0, "last": -1, "previous": -1, "past": -1, "next": 1, "coming": 1}
_DAY_SHIFT = {"yesterday": -1, "today": 0, "tomorrow": 1}
_SEASON = r"(?:spring|summer|autumn|fall|winter)"
_WEEKDAY_LEAD = re.compile(r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tues?|Wed|Thu(?:rs?)?|"
                           r"Fri|Sat|Sun)\.?,?\s+(?=\S)", re.I)
_RANGE_SEPARATOR = re.compile(r"(.+?)\s*(?:-|–|&|\band\b|\bto\b|\buntil\b)\s*(.+)", re.I)


def _reference(published: str | None) -> tuple[int | None, date | None]:
    """The year and, when the publication date is complete, the day that relative dates count from."""
    if not published or not published[:4].isdigit():
        return None, None
    try:
        return int(published[:4]), date.fromisoformat(published[:10])
    except ValueError:
        return int(published[:4]), None


def _shifted(unit: str, shift: int, year: int | None, day: date | None) -> str | None:
    """ISO form of the ``unit`` (day, week, month, quarter, year) ``shift`` units from the publication date."""
    if unit == "year":
        return str(year + shift) if year else None
    if day is None:
        return None
    if unit == "month":
        y, m = divmod(day.year * 12 + day.month - 1 + shift, 12)
        return f"{y}-{m + 1:02d}"
    if unit == "quarter":
        y, q = divmod(day.year * 4 + (day.month - 1) // 3 + shift, 4)
        return f"{y}-Q{q + 1}"
    if unit == "week":
        y, w, _ = (day + timedelta(weeks=shift)).isocalendar()
        return f"{y}-W{w:02d}"
    return (day + timedelta(days=shift)).isoformat()


def _day_range_iso(t: str, published: str | None) -> str | None:
    """"25-26 April", "April 25 and 26", "30 April to 2 May 2024": days sharing the month or year written once."""
    m = _RANGE_SEPARATOR.fullmatch(t)
    if not m:
        return None
    a, b = m.groups()
    if re.fullmatch(_DAY, a):
        last = iso_date(b, published)
        first = last and f"{last[:8]}{int(re.sub(r'[a-z]', '', a)):02d}"
    elif re.fullmatch(rf"{_DAY}(?:,?\s+{_YEAR})?", b):  # "September 14 and 18, 2020"
        day, _, year = b.partition(" ")
        first = iso_date(f"{a} {year}".strip(), published)
        last = first and f"{first[:8]}{int(re.sub(r'[a-z,]', '', day)):02d}"
    else:
        last = iso_date(b, published)
        first = iso_date(a if re.search(_YEAR, a) or not last else f"{a} {last[:4]}", published)
    if not (first and last and len(first) == len(last) == 10):
        return None
    try:
        if date.fromisoformat(first) < date.fromisoformat(last):
            return f"{first}/{last}"
    except ValueError:
        pass
    return None


@lru_cache(maxsize=4096)  # a pure function of its arguments; a document repeats its dates, a corpus its years
def iso_date(text: str, published: str | None) -> str | None:
    """ISO form of a calendar expression, or None: a day ``2018-12-13``, a month ``2024-03``, a quarter
    ``2025-Q3``, an ISO week ``2024-W23``, a year ``2024``, a range ``2016/2018``. A missing year, and
    relative dates ("today", "last month", "this week"), are taken from ``published``."""
    t = re.sub(r"(?:'s|’s)$", "", text.strip().rstrip("."))
    if re.fullmatch(r"\d{1,2}-[A-Z][a-z]{2,3}-\d{4}", t):  # "28-Oct-2019"
        t = t.replace("-", " ")
    dotted = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)", t)  # "14.12.2011"
    if dotted and 1 <= int(dotted.group(1)) <= 31 and 1 <= int(dotted.group(2)) <= 12:
        return f"{dotted.group(3)}-{int(dotted.group(2)):02d}-{int(dotted.group(1)):02d}"
    ref_year, ref_day = _reference(published)
    if t.lower() in _DAY_SHIFT:
        return _shifted("day", _DAY_SHIFT[t.lower()], ref_year, ref_day)
    m = re.fullmatch(rf"(this|current|last|previous|past|next|coming)\s+(year|month|week|quarter|{_SEASON})", t, re.I)
    if m:
        shift, unit = _RELATIVE[m.group(1).lower()], m.group(2).lower()
        if re.fullmatch(_SEASON, unit):  # "this autumn" is in the year of publication; "last winter" may not be
            return str(ref_year) if shift == 0 and ref_year else None
        return _shifted(unit, shift, ref_year, ref_day)
    weekday = _WEEKDAY_LEAD.match(t)
    if weekday:  # "Monday 10 June 2024": the day of the month says which day
        return iso_date(t[weekday.end():], published)
    days = _day_range_iso(t, published)
    if days:
        return days
    m = re.fullmatch(rf"(?:the\s+)?(first|second|third|fourth|last|final|1st|2nd|3rd|4th)\s+quarter\s+(?:of\s+)?({_YEAR})",
                     t, re.I)
    if m:
        return f"{m.group(2)}-Q{_QUARTER[m.group(1).lower()]}"
    stripped = _PREFIX.sub("", t)
    if stripped != t:
        return iso_date(stripped, published)
    m = re.fullmatch(rf"({_YEAR})-(0[1-9]|1[0-2])", t)
    if m and int(m.group(2)) <= int(m.group(1)[2:]):  # "2024-06" is June: a range cannot end before it starts
        return t
    m = re.fullmatch(rf"(?:the\s+|between\s+|from\s+)?({_YEAR})\s*(?:-|–|/|to|and|until)\s*((?:19|20)?\d\d)", t, re.I)
    if m:
        end = m.group(2)
        end = m.group(1)[:2] + end if len(end) == 2 else end
        return f"{m.group(1)}/{end}" if end > m.group(1) else None
    m = re.fullmatch(rf"(?:in\s+)?({_YEAR})", t)
    if m:
        return m.group(1)
    m = re.fullmatch(rf"(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th|\.)?(?:\s+of)?\s+({_MONTH_NAME})(?:,?\s+({_YEAR}))?", t, re.I) or \
        re.fullmatch(rf"({_MONTH_NAME})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+({_YEAR}))?", t, re.I)
    if m:
        a, b, year = m.groups()
        day, month = (a, b) if a[0].isdigit() else (b, a)
        month_n = MONTHS[month.lower().rstrip(".")]
        y = int(year) if year else ref_year
        if y is None:
            return None
        try:
            return date(y, month_n, int(day)).isoformat()
        except ValueError:
            return None
    m = re.fullmatch(rf"(?:early\s+|mid-?\s*|late\s+)?({_MONTH_NAME})(?:\s+({_YEAR}))?", t, re.I)
    if m:
        y = m.group(2) or (str(ref_year) if ref_year else None)
        return f"{y}-{MONTHS[m.group(1).lower().rstrip('.')]:02d}" if y else None
    m = re.fullmatch(rf"({_YEAR})-(\d\d)-(\d\d)", t)
    if m:
        return t
    m = re.fullmatch(rf"Q([1-4])\s+({_YEAR})", t, re.I)
    if m:
        return f"{m.group(2)}-Q{m.group(1)}"
    m = re.fullmatch(rf"{_SEASON}\s+(?:of\s+)?({_YEAR})", t, re.I)
    if m:  # a season is no calendar unit: its year is as precise as ISO gets
        return m.group(1)
    return None


_ACRONYM_BRACKET = re.compile(r"\s+\(([A-Z][A-Za-z0-9&-]{1,9})\)")  # where _ACRONYM_DEF ends


def _words_back(text: str, end: int, n: int) -> int:
    """Where the n-th run of non-space characters before ``end`` starts."""
    pos = end
    for _ in range(n):
        while pos > 0 and text[pos - 1].isspace():
            pos -= 1
        while pos > 0 and not text[pos - 1].isspace():
            pos -= 1
    return pos


def _acronym_definitions(text: str):
    """The matches of ``_ACRONYM_DEF.finditer(text)``, found from the brackets: the pattern is tried only
    in the ten words before a bracket that may hold an acronym (it has at most ten words, none holding a
    space), not from every capital of the document."""
    done = 0
    for bracket in _ACRONYM_BRACKET.finditer(text):
        m = _ACRONYM_DEF.search(text, max(done, _words_back(text, bracket.start(), 10)), bracket.end())
        if m:
            yield m
            done = m.end()


_PLACE_AFTER_COMMA = re.compile(r",[ \t]+([A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,2})$")


def acronyms_of(text: str) -> dict[str, str]:
    """ACR -> long form for every "Long Name (ACR)" whose initials fit the acronym (or, for one word, its
    capitals: "CliftonLarsonAllen (CLA)").

    "ACR (Long Name)" is left alone: in our training passages it defines programmes and facilities
    ("NIDHI (National Initiative for ...)", "IT (Information Technology)") more often than bodies."""
    found = {}
    for m in _acronym_definitions(text):
        long_form, acr = m.group(1), m.group(2)
        # Only the last sentence, and not a possessor: "Spain's Ministry for ..." names the ministry.
        long_form = re.split(r"(?<=[a-z\d])\.\s+", long_form)[-1]
        long_form = re.sub(r"^.*(?:'s|’s)\s+(?=[A-Z])", "", long_form)
        long_form = re.sub(r"(?:'s|’s)$", "", long_form)  # "UK Research and Innovation’s (UKRI) announcement"
        # "Technology & Business Hubs Network, Ghana (TBHN)": the country after the comma says where the body is.
        where = _PLACE_AFTER_COMMA.search(long_form)
        if where and is_place(where.group(1)) and not acr.endswith(where.group(1)[0]):
            long_form = long_form[:where.start()]
        # Words with their offsets, so the long form keeps its own hyphens and commas.
        spans = [(w.start(), w.group()) for w in re.finditer(r"[^\s-]+", long_form)]
        words = [w for _, w in spans]
        # Walk back from the bracket to the shortest run of words whose capitals spell the acronym.
        letters = [c for c in acr if c.isalpha()]
        best = None
        capitals = [c for c in words[-1] if c.isupper()] if words else []
        if len(words[-1]) > len(acr) and len(capitals) >= 2 and capitals == [c for c in acr if c.isupper()]:
            best = words[-1]  # "CliftonLarsonAllen (CLA)": one word, its capitals spell the acronym
        for i in range(len(words) - 1 if best is None else -1, -1, -1):
            initials = [w[0] for w in words[i:] if w[0].isupper()]
            if [c.upper() for c in initials] == [c.upper() for c in letters] or \
                    "".join(initials).upper().startswith("".join(letters).upper()) and len(initials) == len(letters):
                best = long_form[spans[i][0]:]
                break
        if best is None and words:
            # Capitals that spell the acronym with a word skipped ("European Institute of Innovation &
            # Technology (EIT)"): the shortest run from a word starting with its first letter.
            wanted = [c.upper() for c in letters]
            for i in range(len(words) - 1, -1, -1):
                initials = [w[0] for w in words[i:] if w[0].isupper()]
                remaining = iter(initials)
                if (words[i][0] == wanted[0] and len(initials) <= len(wanted) + 2
                        and all(c in remaining for c in wanted)):
                    best = long_form[spans[i][0]:]
                    break
        if best is None and len(letters) >= 4:
            # A syllable, then initials: "Danish International Development Agency (DANIDA)" is DAN-I-D-A.
            for i in range(len(words) - 2, -1, -1):
                initials = "".join(w[0] for w in words[i + 1:] if w[0].isupper())
                if any(words[i][:k].upper() == "".join(letters[:k]).upper() and initials == "".join(letters[k:]).upper()
                       for k in (2, 3, 4) if len(words[i]) > k):
                    best = long_form[spans[i][0]:]
                    break
        if best is None and len(acr) >= 5 and acr[1:].islower():  # a word, not "CleanTAP"
            best = _syllable_short_form(acr, long_form, spans)  # "Hydrogen Oman (Hydrom)"
        if best is None and len(words) >= len(letters) and len(acr) >= 3:  # "Tartu (EE)": too loose for two
            # No exact fit ("Foreign, Commonwealth & Development Office"): the shortest run of words
            # from a capital to the bracket holding nearly as many capitals as the acronym has letters.
            for i in range(len(words) - 1, -1, -1):
                if words[i].endswith(",") and not re.search(r"\s(?:and|&)\s", long_form[spans[i][0]:]):
                    break  # "Idemitsu Kosan, Hokkaido Electric Power": a list of names, not one name
                caps = sum(w[0].isupper() for w in words[i:])
                # From a word with the acronym's first letter: not "Senator Ron Wyden (D-OR)".
                if words[i][0].isupper() and caps >= len(letters) - 1 and words[i][0] == letters[0].upper():
                    best = long_form[spans[i][0]:]
                    break
        if best:
            # "the 'Industrial Cluster Development Scheme' (ICDS)": the quotes are not the name's; nor is
            # "According to the" ("According to the Spanish Hydrogen Association (AEH2)", a loose fit).
            found[acr] = _LEADING_THE.sub("", _PHRASE_LEAD.sub("", best)).strip("'\"‘’“”")
    return found


def _syllable_short_form(short: str, long_form: str, spans: list[tuple[int, str]]) -> str | None:
    """The long form of a short name made of its words' first syllables ("Hydrogen Oman (Hydrom)"): the
    shortest run of two words or more, to the bracket, whose first word
    opens with the short name's first three letters and which holds the rest of its letters in order, the
    last of them in the run's last word."""
    head, rest = short[:3].lower(), short[3:].lower()
    for i in range(len(spans) - 2, -1, -1):
        first = spans[i][1]
        if not first[:1].isupper() or first[:3].lower() != head:
            continue
        run = long_form[spans[i][0]:]
        tail = run[3:].lower()
        pos = 0
        for c in rest:
            pos = tail.find(c, pos) + 1
            if pos == 0:
                break
        else:
            if pos > len(tail) - len(spans[-1][1]):  # the short name's last letter is in the last word
                return run
        return None
    return None


_PHRASE_LEAD = re.compile(r"^(?:According|Thanks|Due|Owing|Next|Prior|Compared|Close|Subject)[ \t]+to[ \t]+")


_ACRONYM_BEFORE_PROGRAMME = re.compile(r"\(([A-Z][A-Za-z0-9&-]{1,9})\)[ \t]+(?:Plan|Programme|Program|Fund|Strategy|"
                                       r"Scheme|Facility|Act|Directive|Regulation|"
                                       # "the Kigali Innovation City (KIC) project": the project's own acronym
                                       r"project|projects|programme|program|initiative|scheme)\b")
_ACRONYM_OF_PROGRAMME = re.compile(r"\b(?:fund|programme|program|scheme|loan|grant|projects?|initiative|strategy)"
                                   r"\s+\(([A-Z][A-Za-z0-9&-]{1,9})\)")
# A short name the document defines: (or “the Network”), (the "Partnership").
_QUOTED = re.compile(r"[“\"](?:the\s+)?([A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3})[”\"]")
_CONCEPT_AFTER = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")
_LOWER_BRACKET = re.compile(r"\s\([a-z]")  # without which _CONCEPT_BEFORE cannot match
_CONCEPT_BEFORE = re.compile(r"(?<![\w-])([A-Z][A-Za-z]{1,7})\s+\(([a-z][a-z -]*)\)")
_MINOR_WORDS = frozenset({"of", "and", "for", "the", "in", "on", "to", "a", "an"})


def _spells(words: list[str], acr: str) -> bool:
    """Whether the last words, minor ones skipped or not, have the acronym's capitals as initials."""
    letters = [c.lower() for c in acr if c.isupper()]
    for tail in (words[-len(letters):], [w for w in words if w not in _MINOR_WORDS][-len(letters):]):
        if len(tail) == len(letters) and [w[0] for w in tail] == letters:
            return True
    return False


def concepts_of(text: str) -> set[str]:
    """Acronyms the text spells out in lower-case words: "compound annual growth rate (CAGR)", "CLLD
    (community led local development)". A thing, not an organisation, which would be capitalised.
    Found from each bracket, not by a pattern over every word: this runs on every document."""
    found = set()
    for m in _CONCEPT_AFTER.finditer(text):
        before = re.split(r"[\s,-]+", text[max(0, m.start() - 120):m.start()].strip())  # "capture, usage and storage"
        words = []
        for w in reversed(before):
            if not re.fullmatch(r"[a-z][a-z]*", w):
                break
            words.insert(0, w)
        if len(words) >= 2 and _spells(words, m.group(1)):
            found.add(m.group(1))
    for m in _CONCEPT_BEFORE.finditer(text) if _LOWER_BRACKET.search(text) else ():  # a cheap search first
        words = [w for w in re.split(r"[\s-]+", m.group(2)) if w]
        if len(words) >= 2 and _spells(words, m.group(1)):
            found.add(m.group(1))
    return found


_PROJECT_AFTER = (r"(?:\s+(?:project|projects|programme|programmes|program|programs|initiative|consortium|platform|partnership|scheme)"
                  r"|,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?(?:scheme|programme|program|project|initiative|fund|call|competition|prize))\b")
_NAME_BEFORE = re.compile(rf"(?<![\w-])([A-Z][\w-]*(?:\s+[A-Z][\w-]*){{0,3}})(?={_PROJECT_AFTER})")
_PROJECT_AFTER_RX = re.compile(_PROJECT_AFTER)
_GOVERNING_HEAD = re.compile(r"\b(?:Commission|Ministry|Department|Agency|Council|Government|Authority|Bank)$")


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c in "_-"


def whole_words(text: str, phrase: str) -> list[tuple[int, int]]:
    """Where ``phrase`` stands in ``text`` as whole words (not inside a longer word or hyphenated name).

    A plain search, not a regular expression: names are looked up by the hundred per document, and
    compiling a pattern for each would cost more than the search.
    """
    found, i = [], text.find(phrase)
    while i >= 0 and phrase:
        end = i + len(phrase)
        if (i == 0 or not _is_word_char(text[i - 1])) and (end == len(text) or not _is_word_char(text[end])):
            found.append((i, end))
        i = text.find(phrase, i + 1)
    return found


_WORD_RUN = re.compile(r"[\w-]+")  # a run of the characters _is_word_char accepts


def whole_words_of(text: str, phrases: Iterable[str]) -> dict[str, list[tuple[int, int]]]:
    """``whole_words(text, p)`` for every phrase ``p`` found in ``text`` (read once)."""
    return WholeWords(phrases).find(text)


class WholeWords:
    """Phrases to find as whole words in many texts, each text read once.

    A whole-word occurrence of a phrase starting with a word character starts where a run of word
    characters does, and that run is the phrase's first run. The phrases are kept in a trie of their
    pieces (runs of word characters, and every other character alone), so each run of a text is
    followed only as far as some phrase goes on. Searching every text once per phrase costs phrases x
    texts; following every phrase that shares a first word ("University of ...") costs their number at
    each of its occurrences, which a glossary of thousands of names sharing one word made quadratic.
    """

    def __init__(self, phrases: Iterable[str]):
        self.trie: dict = {}  # piece -> child; the key None holds the phrase ending there
        self.plain = []  # opening with a symbol (or empty), or too long to follow: the plain search
        for phrase in dict.fromkeys(phrases):
            pieces = _PIECE.findall(phrase) if _WORD_RUN.match(phrase) else ()
            # A run of a text is followed only as far as some phrase goes on: a "name" of hundreds of words
            # (a hostile file's one long entity) followed at each of its first word's occurrences was
            # quadratic in the text's length; a plain search finds it in one pass.
            if not pieces or len(pieces) > _MAX_PIECES:
                self.plain.append(phrase)
                continue
            node = self.trie
            for piece in pieces:
                node = node.setdefault(piece, {})
            node[None] = phrase

    def find(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """The places of the phrases found in ``text`` (a phrase not found is not a key)."""
        out: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for phrase in self.plain:
            found = whole_words(text, phrase)
            if found:
                out[phrase] = found
        if not self.trie:
            return out
        size, trie = len(text), self.trie
        # The runs that open some phrase, each then looked for with a plain search: following every run of
        # a long text in Python cost more than all the rest. A few phrases' first runs are looked for
        # directly; thousands (a glossary) by the set of the text's runs.
        firsts = [w for w in trie if w in text] if len(trie) <= _FEW_FIRSTS else trie.keys() & set(_WORD_RUN.findall(text))
        for first in firsts:
            start = text.find(first)
            while start >= 0:
                end = start + len(first)
                if (start == 0 or not _is_word_char(text[start - 1])) and (end == size or not _is_word_char(text[end])):
                    node = trie[first]  # a whole run: follow the phrases it opens
                    while node is not None:
                        phrase = node.get(None)
                        if phrase is not None and (end == size or not _is_word_char(text[end])):
                            out[phrase].append((start, end))
                        if end == size:
                            break
                        piece = _PIECE.match(text, end)
                        node = node.get(piece.group())
                        end = piece.end()
                start = text.find(first, start + 1)
        return out


_MAX_PIECES = 48  # about 24 words; the longest name annotated in our passages has 25 pieces
_FEW_FIRSTS = 64  # up to this many first runs, a substring test each is cheaper than listing the text's runs
_PIECE = re.compile(rf"{_WORD_RUN.pattern}|[^\w-]")  # the trie's pieces: a run of word characters, or one other character


def _project_names(doc_text: str) -> set[str]:
    """Names the document only ever writes before "project", "programme", "consortium" and the like
    ("ClusterXchange, a scheme that ..." too): projects and schemes, not organisations. A name also written alone ("APEC ... the APEC project")
    may still be an organisation."""
    found = set()
    if not _PROJECT_AFTER_RX.search(doc_text):
        return found  # no word for a project: the name pattern, tried from every capital, would find nothing
    names = [_LEADING_THE.sub("", m.group(1)) for m in _NAME_BEFORE.finditer(doc_text)]  # "The Korean ... programme"
    names = [n for n in dict.fromkeys(names) if n and not _GOVERNING_HEAD.search(n)]  # not "European Commission programmes"
    spots = whole_words_of(doc_text, names)
    for name in names:
        if all(_PROJECT_AFTER_RX.match(doc_text, end) for _, end in spots.get(name, ())):
            found.add(name)
    return found


@lru_cache(maxsize=8192)  # asked for every mention of an organisation
def _spellings(name: str) -> frozenset[str]:
    """"ConnectedClusters" → "Connected Clusters", "Connected Cluster", "ConnectedCluster" and back."""
    words = _SPELLING_PARTS.findall(name)
    if len(words) < 2 or len(name) <= 8 or not all(w[:1].isupper() for w in words):
        return frozenset()
    stems = {" ".join(words), "".join(words)}
    return frozenset({s[:-1] if s.endswith("s") else s + "s" for s in stems} | stems)


_SPELLING_PARTS = re.compile(r"[A-Z][a-z]+|[^\sA-Z]+|[A-Z]+(?![a-z])")


def _other_spellings(passage_texts: list[str], cleaned: list[list[Entity]], ctx: DocumentContext) -> list[list[Entity]]:
    """A name the document writes as an organisation is one wherever it is written, spaced or not,
    singular or plural: the model often tags a brand in one sentence and misses it, or another
    spelling of it, in the next. Not a spelling the document only writes as a project's or programme's
    name ("a Regional Clean Hydrogen Hub" in a title, then "the Regional Clean Hydrogen Hubs program")."""
    forms = {s for ents in cleaned for e in ents if e.label == "ORG" and e.norm is None for s in _spellings(e.text)}
    # And the name itself, as written: "Olio" tagged in one sentence is Olio in the next, which the model missed.
    forms |= {e.text for ents in cleaned for e in ents if e.label == "ORG" and e.norm is None and len(e.text) >= 3
              and any(c.isupper() for c in e.text)}
    if not forms:
        return cleaned
    finder = WholeWords(sorted(forms))
    out = []
    for text, ents in zip(passage_texts, cleaned):
        # Leftmost first, the longest spelling where two start together, none inside another.
        spots = sorted((at for found in finder.find(text).values() for at in found), key=lambda at: (at[0], -at[1]))
        matches: list[tuple[int, int]] = []
        for a, b in spots:
            if not matches or a >= matches[-1][1]:
                matches.append((a, b))
        taken = SpanIndex(ents)
        added = [e for e in (Entity(text[a:b], "ORG", a, b) for a, b in matches if not taken.any(a, b))
                 if e.text not in ctx.projects]
        out.append(sorted(ents + added, key=lambda e: e.start) if added else ents)
    return out


@dataclass(frozen=True)
class DocumentContext:
    """What the whole document says about its names, read before any passage is refined."""

    acronyms: dict[str, str]  # ACR -> long form, programmes left out
    programmes: frozenset[str]  # acronyms of programmes, events and organs ("NISP", "SC")
    projects: frozenset[str]  # names only ever written before "project", "scheme", ...
    lower_words: frozenset[str]  # words the document writes in lower case
    concepts: frozenset[str] = frozenset()  # acronyms spelled out in lower case ("compound annual growth rate (CAGR)")
    quoted: frozenset[str] = frozenset()  # names written in quotes, as defined short names are ("the Network")
    kinds: frozenset[str] = frozenset()  # long forms defined after "a"/"an": kinds of thing ("a Special Economic Zone (SEZ)")

    @property
    def long_to_acr(self) -> dict[str, str]:
        return {fold(v): k for k, v in self.acronyms.items()}

    @cached_property
    def acronym_finder(self) -> WholeWords:
        """The long forms and acronyms, indexed once to be found in each passage."""
        return WholeWords([*self.acronyms.values(), *self.acronyms])


# "a Public-Private-Partnership (PPP)", "a Special Economic Zone (SEZ)": a name defined after "a" is a kind of
# thing, not one body; not "a Chinese Nationalist Party (KMT) legislator", where "a" goes with the person.
_KIND_DEFINED = re.compile(r"(?<![\w-])[Aa]n?[ \t]+((?:[A-Z][\w-]*[ \t]+){0,4}[A-Z][\w-]*)[ \t]+\([A-Z][A-Za-z]{1,8}\)"
                           r"(?![ \t]+(?:legislator|lawmaker|member|official|politician|MP|leader|candidate|"
                           r"spokes\w+|representative|delegate|senator|deputy)\b)")


@lru_cache(maxsize=8)
def document_context(doc_text: str) -> DocumentContext:
    """The context of one document's text (cached: every component of one document asks for it)."""
    acronyms = acronyms_of(doc_text)
    # "National Industrial Symbiosis Programme (NISP)": a programme's (or a competition's) acronym names no
    # organisation. A forum with an acronym is a standing body ("Startup Consultative Forum (SCF)"), and so
    # are the UN's programmes ("United Nations Development Programme (UNDP)", "World Food Programme").
    programmes = frozenset(acr for acr, long_form in acronyms.items()
                           if (_PROGRAMME.search(long_form) or _EVENT.search(long_form) and not long_form.endswith("Forum"))
                           and not _UN_BODY.match(long_form))
    # "Steering Committee (SC)", "Regional Development Agencies (RDA)": an organ's acronym, or a kind of
    # body's, names no organisation either.
    programmes |= frozenset(acr for acr, long_form in acronyms.items()
                            if ORGAN.fullmatch(long_form) or _KIND_OF_BODY.fullmatch(long_form)
                            # "Strategic Investment Assessment (SIA)": a report's
                            or any(m.end() == len(long_form) for m in _PUBLICATION.finditer(long_form)))
    kinds = frozenset(m.group(1) for m in _KIND_DEFINED.finditer(doc_text)) if "(" in doc_text else frozenset()
    programmes |= frozenset(acr for acr, long_form in acronyms.items() if long_form in kinds)
    if "(" in doc_text:
        # "Strategic Energy Technology (SET) Plan": the acronym of a programme's name.
        programmes |= frozenset(_ACRONYM_BEFORE_PROGRAMME.findall(doc_text))
        # "the dedicated fund (FUI)", "a loan for cluster projects (PIPC)": named after a word for a programme.
        programmes |= frozenset(_ACRONYM_OF_PROGRAMME.findall(doc_text)) - acronyms.keys()
    return DocumentContext(
        acronyms={acr: long_form for acr, long_form in acronyms.items() if acr not in programmes},
        programmes=programmes,
        projects=frozenset(_project_names(doc_text)),
        lower_words=frozenset(re.findall(r"(?<![\w-])[a-z][a-z-]+", doc_text)),
        concepts=frozenset(concepts_of(doc_text)) - acronyms.keys(),
        quoted=frozenset(_QUOTED.findall(doc_text)),
        kinds=kinds,
    )


# ---- one rule per mistake: each takes a span and returns it, relabelled, or None to drop it ----------
Rule = Callable[[Entity, str, DocumentContext], "Entity | None"]


def acts_on(*labels: str):
    """The labels a rule may change: :func:`clean_passage` skips it for the others (each rule checks
    them too), as most rules leave most entities alone and the call is the larger part of their cost."""
    def mark(rule: Rule) -> Rule:
        rule.labels = frozenset(labels)
        return rule
    return mark


def _unnamed(e: Entity) -> bool:
    """Not named by the gazetteer, whose entries the rules leave alone."""
    return e.norm is None


def _after_title(text: str, e: Entity) -> bool:
    """A title stands right before the name ("Governor Lamont", "Dr Okafor")."""
    return bool(_TITLE_BEFORE.search(text[max(0, e.start - 25):e.start]))


@acts_on("DATE")
def not_a_date(e, text, ctx):
    """Durations, ages and numbers are no calendar dates ("three years", "12")."""
    return None if e.label == "DATE" and not is_calendar_date(e.text) else e


@acts_on("DATE")
def named_like_a_day(e, text, ctx):
    """"In 2016 I founded Tomorrow": "today", "tomorrow" and "yesterday" are capitalised only at the start
    of a sentence; inside one, the word is a name."""
    if e.label == "DATE" and e.text in ("Today", "Tomorrow", "Yesterday") and e.start > 0 \
            and not re.search(r"(?:^|[.!?:;–—-]|\n)\s*[“\"‘']?$", text[max(0, e.start - 4):e.start]):
        return None
    return e


@acts_on("DATE")
def frequency(e, text, ctx):
    """"every Thursday": a frequency, not a date."""
    return None if e.label == "DATE" and re.search(r"\b(?:every|each)\s+$", text[max(0, e.start - 8):e.start]) else e


@acts_on("ORG")
def event(e, text, ctx):
    """Conferences, awards, prizes, competitions and fairs are events, not organisations."""
    return None if (e.label == "ORG" and _unnamed(e) and _EVENT.search(e.text) and not _UN_CONFERENCE.match(e.text)
                    and not _STANDING_CONGRESS.fullmatch(e.text)) else e


_UN_CONFERENCE = re.compile(r"(?:United Nations|UN)\s+Conference\s+on\s")  # UNCTAD is a body
# Legislatures, parties and federations, not meetings: "passed by Congress", "National People's Congress",
# "Trades Union Congress".
_STANDING_CONGRESS = re.compile(r"Congress|.*\b(?:People['’]s|National|Union)\s+Congress")


@acts_on("ORG")
def kind_of_body(e, text, ctx):
    """"Regional Development Agencies", "Cooperative Research Centres", "Innovation Hubs": a kind of body, in
    the plural, names none ("European Association of Development Agencies" does)."""
    return None if e.label == "ORG" and _unnamed(e) and _KIND_OF_BODY.fullmatch(e.text) else e


_KIND_OF_BODY = re.compile(r"(?:[A-Z][\w&-]*\s+)+(?:Agencies|Authorities|Initiatives|Ministries|Councils|Universities|"
                           r"Institutes|Organisations|Organizations|Centres|Centers|Partnerships|Hubs|Parks|Departments)")


@acts_on("ORG")
def concept(e, text, ctx):
    """"CAGR", "CLLD": the document spells the acronym out in lower case, so it names a thing."""
    return None if e.label == "ORG" and _unnamed(e) and e.text in ctx.concepts else e


@acts_on("ORG")
def publication(e, text, ctx):
    """"SSTI Digest": the publisher is the organisation; "Summer Newsletter" names none, and nor does a study's
    title ("Evaluation of Intervention with Clusters and Industries")."""
    if e.label != "ORG" or not _unnamed(e):
        return e
    if _STUDY_OF.match(e.text):
        return None
    m = _PUBLICATION.search(e.text)
    if not m:
        return e
    before = e.text[:m.start()]
    words = before.split()
    if words and _ACRONYM_WORD.fullmatch(words[-1]) or _ORG_WORDS.search(before):
        return replace(e, text=before, end=e.start + len(before))
    return None


def _co_authored(text: str, e: Entity) -> bool:
    """"Turpin, Sullivan and Deville 1993", "(Hodge and Greve 2007)", "Etzkowitz et al. 2007": only people write together."""
    return bool(_CO_AUTHORED_AFTER.match(text[e.end:e.end + 80])
                or _YEAR_AFTER.match(text[e.end:e.end + 12]) and _CO_AUTHOR_BEFORE.search(text[max(0, e.start - 40):e.start]))


def _is_cited(text: str, e: Entity) -> bool:
    """"Porter (1990)", "Porter and Ketels, 2003", "(Hodge and Greve 2007)": the name is cited as an author."""
    return bool(_CITED_AFTER.match(text[e.end:e.end + 80])) or _co_authored(text, e)


@acts_on("ORG", "GPE", "LOC")
def cited_author(e, text, ctx):
    """"(Hodge and Greve 2007)", "Turpin, Sullivan and Deville 1993", "Etzkowitz et al. 2007": co-authors
    are people, even when a town has their name."""
    if (e.label in ("ORG", "GPE", "LOC") and _unnamed(e) and not e.text.isupper() and not _ORG_WORDS.search(e.text)
            and e.text not in ctx.acronyms
            and _co_authored(text, e)):
        return replace(e, label="PERSON")
    return e


@acts_on("ORG", "GPE", "LOC")
def bare_head(e, text, ctx):
    """"the University", "the Ministry", "Departments": a head noun alone refers back to a body, it names
    none. Not "the Commission", which in these reports is the European Commission, nor a short name the
    document defines in quotes ("... Network for Offshore Wind (or “the Network”)")."""
    if e.label == "ORG" and _unnamed(e) and e.text != "Commission" and e.text not in ctx.quoted and (
            e.text in _BARE_HEADS or e.text.endswith("s") and e.text[:-1] in _BARE_HEADS
            or e.text.endswith("ies") and e.text[:-3] + "y" in _BARE_HEADS):
        return None
    if _unnamed(e) and (e.label in ("GPE", "LOC") and e.text in _PLACE_KINDS or e.text == "Kingdom"):
        return None  # "the State and the Regions", "Member States": kinds of place; "the Kingdom" (Saudi Arabia's reports)
    return e


_PLACE_KINDS = frozenset({"Regions", "States", "Member States", "Provinces", "Counties", "Municipalities", "Cantons",
                          "Länder", "Territories", "Districts", "Countries", "Nations"})


@acts_on("ORG")
def organ(e, text, ctx):
    """"the Management Board", "the Board of Directors": a part of an organisation, not one; "the Board of
    Directors of Greentown Labs" names Greentown Labs."""
    if e.label != "ORG" or not _unnamed(e):
        return e
    if ORGAN.fullmatch(e.text):
        return None
    m = ORGAN_OF.match(e.text)
    if m:
        return replace(e, text=e.text[m.end():], start=e.start + m.end())
    # "CNZFE Board of Directors": the organ's owner (not "Scottish Manufacturing Advisory Board", a body's name).
    m = _MEMBERS_AT_END.search(e.text)
    return replace(e, text=e.text[:m.start()], end=e.start + m.start()) if m and m.start() > 0 else e


_MEMBERS_AT_END = re.compile(r"\s+Board\s+of\s+(?:Directors|Trustees|Governors)$")


@acts_on("ORG")
def title_word(e, text, ctx):
    """"State Department for Industry Principal Secretary Juma Mukhwana", "Callaghan Innovation Chief
    Executive, Vic Crone": a title, or its first word, is no part of the body's name before it."""
    if e.label == "ORG" and _unnamed(e):
        head, _, last = e.text.rpartition(" ")
        if last in _OFFICE_PLURALS and (not head or (m := _NATIONALITY_LEAD.match(e.text)) and m.end() == len(head) + 1):
            # "Ethiopian Ambassadors toured ...", "the Ambassadors": office holders, no body
            return None
        if _TITLE_AFTER.match(text, e.end):
            if head and last in TITLE_FIRST_WORDS:
                return replace(e, text=head, end=e.start + len(head))
        m = _TITLE_AT_END.search(e.text)
        # Also "Henry Bwisa, the AAIN Board Chairperson": the role described, not a body's name ("the Office
        # of the President" is one).
        if m and m.start() > 0 and (_NAME_NEXT.match(text, e.end) or text[max(0, e.start - 4):e.start] == "the "
                                    and not _OF_AT_END.search(e.text, 0, m.start())):
            return replace(e, text=e.text[:m.start()], end=e.start + m.start())
    return e


_OF_AT_END = re.compile(r"\b(?:of|for)(?:\s+the)?$")


_HEAD_TITLE = (r"\s+(?:Chief\s+Executive(?:\s+Officer)?|CEO|Chair(?:man|woman|person)?|President|"
               r"(?:Managing\s+|Executive\s+|Country\s+)?Director(?:\s+General)?|General\s+Manager|"
               r"Spokes(?:person|man|woman))")
_TITLE_AT_END = re.compile(_HEAD_TITLE + "$")
_TITLE_NEXT = re.compile(_HEAD_TITLE + r"\b")  # "says Callaghan Innovation" + " Chief Executive": not a person
_NAME_NEXT = re.compile(r",?\s+[A-Z][\w'’-]+\s+[A-Z]")  # "..., Vic Crone"


@acts_on("ORG", "GPE", "PERSON")
def site(e, text, ctx):
    """"Dogger Bank Wind Farm": a site, a place without a government (LOC), not the company running it."""
    if e.label in ("ORG", "GPE", "PERSON") and _unnamed(e) and (
            _SITE.search(e.text)
            # "the 1,075MW Seagreen wind farm", "Hornsea One offshore windfarm"; not its operator's name,
            # which holds a firm's word ("the 588MW SSE Renewables wind farm")
            or _SITE_AFTER.match(text, e.end) and not _FIRM_WORDS.search(e.text) and not is_place(e.text)
            # "Hawassa Industrial park" taken for a person: an industrial park is a site (a science park taken
            # for a person is a body, see firm_word; "Jisoo Park" does not end in a park's kind).
            or e.label == "PERSON" and _PARK_END.search(e.text)):
        return replace(e, label="LOC")
    return e


_SITE_AFTER = re.compile(SITE_KIND_AFTER, re.I)
_OFFICE_PLURALS = frozenset(f"{o}s" for o in OFFICES if " " not in o and not o.isupper() and not o.endswith(("y", "man"))) | {
    "Ambassadors", "Envoys", "Deputies", "Secretaries", "Chairmen", "Chairwomen"}
_PARK_END = re.compile(r"(?:\bIndustrial\s+[Pp]ark|[ \t]park)$")


@acts_on(*NAME_LABELS)
def common_noun(e, text, ctx):
    """"cooperatives", "the region": a common noun is not a name; nor is one after a nationality ("a
    Hungarian ministry"), nor a direction alone ("Eastern" partner countries)."""
    if e.label in NAME_LABELS and _unnamed(e) and (not any(c.isupper() for c in e.text) or _LOWER_HEAD.search(e.text)
                                                   or e.text in _DIRECTIONS):
        return None
    return e


_LOWER_HEAD = re.compile(rf"^[A-Z][a-z]+(?:an|ish|ese|ch|i)\s+{alternation(h.lower() for h in BODY_HEADS if h.istitle())}$")
_DIRECTIONS = frozenset({"Eastern", "Western", "Northern", "Southern", "Central"})


@acts_on("ORG", "PERSON")
def office_of_body(e, text, ctx):
    """"Chairperson of the Association of Countrywide Innovation Hubs": an office of a named body is no name, the
    body after it is (a minister's portfolio, "Minister of Industry and Trade", names no body and goes as a
    job title); a title alone tagged as a person ("Chairperson" of the ...) names no one."""
    if e.label not in ("ORG", "PERSON") or not _unnamed(e):
        return e
    if e.label == "PERSON":
        return None if e.text in _OFFICES_ALONE and _OF_AFTER.match(text, e.end) else e
    m = _JOB_TITLE.match(e.text)
    if m:
        rest = _LEADING_THE.sub("", e.text[m.end():])
        if rest[:1].isupper() and _ORG_WORDS.search(rest):
            start = e.end - len(rest)
            return Entity(rest, "ORG", start, e.end, e.norm, e.iso)
    return e


# Offices that are no one's surname ("King said", "Marshal" and "Head" may be).
_OFFICES_ALONE = OFFICES - {"King", "Queen", "Marshal", "Head", "Chancellor", "Prime Minister"}


@acts_on(*NAME_LABELS)
def names_nothing(e, text, ctx):
    """Report parts, units and job titles."""
    return None if e.label in NAME_LABELS and _unnamed(e) and _names_nothing(text, e) else e


@acts_on(*NAME_LABELS)
def strong_date(e, text, ctx):
    """"Q3 2025" tagged as a person, "FY18" as a place, is a date."""
    return replace(e, label="DATE") if e.label in NAME_LABELS and _unnamed(e) and _STRONG_DATE.fullmatch(e.text) else e


@acts_on("ORG", "PERSON")
def lower_case_word(e, text, ctx):
    """"Lesson 3", "Stakeholder views": the document also writes the word in lower case."""
    if (e.label in ("ORG", "PERSON") and _unnamed(e) and " " not in e.text and not e.text.isupper()
            and e.text.lower() in ctx.lower_words and e.text not in ctx.acronyms and not is_place(e.text)):
        return None
    return e


@acts_on(*NAME_LABELS)
def programme(e, text, ctx):
    """Funds, programmes and laws, and programmes' acronyms, are topics, not names."""
    if (e.label in NAME_LABELS and _unnamed(e)
            and (_PROGRAMME.search(_PHASE.sub("", e.text)) and (not _BODY_FOR.match(e.text) or _PROGRAMME_END.search(e.text))
                 or e.text in ctx.programmes
                 or e.text in ctx.kinds
                 or _PROGRAMME_WORD_AFTER.match(text, e.end) or VERSION_AFTER.match(text, e.end)
                 or YEAR_PLAN_AFTER.match(text, e.end)
                 # "the Basque Cluster Policy"; not "Ministry of Economic Affairs and Climate Policy"
                 or _POLICY_END.search(e.text) and not _BODY_OF.search(e.text))
            and not _UN_BODY.match(e.text)):
        return None
    return e


_POLICY_END = re.compile(r"\s(?:Policy|Policies)$")
_PROGRAMME_END = re.compile(r"\s(?:Programmes?|Program)$")  # "Joint Centre of Excellence Programme": no body's name
# "Department for Business, Energy and Industrial Strategy", "Ministry of Planning and Development Fund"...:
# a government body named for what it is for, whatever its last word.
_BODY_FOR = re.compile(rf"^(?:[A-Z][\w'’-]*\s+){{0,2}}"
                       rf"{alternation(PUBLIC_BODY_HEADS | {'Board', 'Secretariat', 'Centre', 'Center'})}\s+(?:of|for)\s")
_BODY_OF = re.compile(r"\s(?:of|for|on|in)\s")  # "Institute for Industrial Policy", "School of Public Policy"


_PHASE = re.compile(r"\s+Phase\s+(?:[IVX]+|\d+)$")  # "... Development Cooperation Program Phase II"
# "South East Queensland City" + "Deal": the model stopped before the word that makes the name a programme's.
_PROGRAMME_WORD_AFTER = re.compile(r"(?:[ \t]+\([A-Z][A-Za-z0-9&-]{1,9}\))?"  # "Strategic Energy Technology (SET) Plan"
                                   r"[ \t]+(?:Fund|Programme|Program|Project|Scheme|Facility|Deal|Strategy|Plan|Act|"
                                   r"Yojana|Pilot(?![ \t]+(?:Plant|Line|Facility|Site)))\b(?![-’'])")  # "... Cluster Pilot"


@acts_on("ORG")
def project(e, text, ctx):
    """"the HOPE project": the name of a project, not of its partners."""
    return None if e.label == "ORG" and _unnamed(e) and e.text in ctx.projects else e


@acts_on("ORG")
def abbreviation(e, text, ctx):
    """"AI", "CEO", "SME", currency codes: abbreviations, not organisations."""
    return None if e.label == "ORG" and _unnamed(e) and e.text.upper() in COMMON_ABBREVIATIONS else e


@acts_on(*NAME_LABELS)
def market_code(e, text, ctx):
    """"ACWA Power (TADAWUL:2082)", "Voltalia SA (EPA:VLTSA)", "Senator Ron Wyden (D-OR)": a share's
    listing or a senator's party and state, in brackets, names nothing."""
    if e.label in NAME_LABELS and _unnamed(e):
        left = text.rfind("(", max(0, e.start - 12), e.start + 1)
        right = text.find(")", e.end, e.end + 12)
        if left >= 0 and right >= 0 and _MARKET_CODE.fullmatch(text, left + 1, right):
            return None
    return e


_MARKET_CODE = re.compile(r"[A-Z]{2,12}:\s?[A-Z0-9.]{1,10}|[DRI]-[A-Z]{2}")


@acts_on("ORG")
def product(e, text, ctx):
    """"Boeing 787 Dreamliner", "the Airbus A380 programme", "Airbus A380s": a maker's name before a model's
    number names the product."""
    if e.label == "ORG" and _unnamed(e) and (_MODEL_AFTER.match(text, e.end) or _MODEL_AT_END.search(e.text)):
        return None
    return e


_MODEL = r"(?:[A-Z]{1,2}-?\d{2,4}[a-z]{0,3}|\d{3}\s+[A-Z][a-z]+)"  # "A380", "S-70i", "F-16", "787 Dreamliner"
_MODEL_AFTER = re.compile(rf"[ \t]+{_MODEL}(?![\w-])")
_MODEL_AT_END = re.compile(r"\s[A-Z]{1,2}-?\d{2,4}[a-z]{0,3}$")


@acts_on(*NAME_LABELS)
def number_word(e, text, ctx):
    """"EIGHTEEN staff", "during phase IV", "Pillar II": a number, not a name."""
    return None if e.label in NAME_LABELS and _unnamed(e) and (
        e.text.lower() in NUMBER_WORDS
        or _ROMAN.fullmatch(e.text) and _NUMBERED_BEFORE.search(text, max(0, e.start - 12), e.start)) else e


_ROMAN = re.compile(r"[IVX]{1,5}")
_NUMBERED_BEFORE = re.compile(r"\b(?:[Pp]hase|[Pp]illar|[Tt]itle|[Pp]art|[Cc]hapter|[Tt]ier|[Aa]nnex|[Ss]tage|[Aa]rticle|"
                              r"[Ll]evel|[Ww]ave|[Rr]ound)\s+$")


_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")


@acts_on("PERSON", "ORG")
def place_after_preposition(e, text, ctx):
    """"in Rubavu", "across Nuevo León": a place, whatever the model said."""
    if (e.label in ("PERSON", "ORG") and _unnamed(e) and _PLACE_PREPOSITION.search(text[max(0, e.start - 12):e.start])
            and not _ORG_WORDS.search(e.text) and not e.text.isupper() and len(e.text.split()) <= 3
            and not _INNER_CAPITAL.search(e.text)  # "Diversity in ClimateTech": a brand's spelling, no town's
            and not _STAKE_BEFORE.search(text, max(0, e.start - 60), e.start)):
        return replace(e, label="GPE")
    return e


# "a minority holding in Elcogen", "invested EUR 24 million in Elcogen": one holds shares in a firm, not a town.
_STAKE_BEFORE = re.compile(r"\b(?:stakes?|holdings?|shares?|shareholdings?|equity|investments?|invest(?:s|ed|ing)?)"
                           r"(?:\s+[\w$€£.,%-]+){0,5}\s+in\s+$")


@acts_on("GPE", "LOC", "PERSON")
def acronym(e, text, ctx):
    """An acronym the document defines names an organisation, or a place if it stands for one ("NRW")."""
    if e.label == "DATE" or e.text not in ctx.acronyms:
        return e
    label = _label_of_long_form(ctx.acronyms[e.text])
    return e if e.label == label or label != "ORG" and e.label in ("GPE", "LOC") else replace(e, label=label)


def _label_of_long_form(long_form: str) -> str:
    """What an acronym and its long form name: a place ("North Rhine-Westphalia (NRW)"), a site ("Coega Special
    Economic Zone (SEZ)"), places listed under one acronym ("Batam, Bintan and Karimun (BBK)") or a body."""
    if is_place(long_form):
        return place_label(long_form)
    return "LOC" if _SITE.search(long_form) or _places_listed(long_form) else "ORG"


@lru_cache(maxsize=1024)  # asked at every spot of a long form, in every passage, and again for the document
def _places_listed(long_form: str) -> bool:
    """"Batam, Bintan and Karimun": a list of short names, one of them a known place and none a body's, which
    an acronym groups as one area; each item stays a place of its own."""
    items = _LIST_ITEMS.split(long_form)
    return (len(items) >= 2 and all(_SHORT_NAME.fullmatch(i) for i in items) and any(is_place(i) for i in items)
            and not _ORG_WORDS.search(long_form))


_LIST_ITEMS = re.compile(r",\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+")
_SHORT_NAME = re.compile(r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2}")  # one to three capitalised words


@acts_on("PERSON", "GPE")
def firm_by_apposition(e, text, ctx):
    """"Clarios EMEA’s Vice President", "Alstom Grid, a unit of the French maker": no person has a vice
    president or is a subsidiary (but "..., the company said" follows a spokesperson too)."""
    if (e.label in ("PERSON", "GPE") and _unnamed(e) and not is_place(e.text)
            and _FIRM_AFTER.match(text[e.end:e.end + 60])):
        return replace(e, label="ORG")
    return e


@acts_on("PERSON", "GPE", "LOC")
def body_before_role(e, text, ctx):
    """"Humber Freeport chair Simon Bird", "Powerchip Technology chairman Frank Huang": what has a chair or a
    chief executive, named before the role and the person, is a body. A known place keeps its office holders
    ("Lagos State Governor Babajide Sanwo-Olu"), and only a firm's roles make an unknown place a body."""
    if e.label not in ("PERSON", "GPE", "LOC") or not _unnamed(e) or is_place(e.text):
        return e
    m = _ROLE_THEN_NAME.match(text, e.end)
    if m and (e.label == "PERSON" or m.group("role").lower() in _FIRMS_ROLES):
        return replace(e, label="ORG")
    return e


_FIRMS_ROLES = frozenset({"chair", "chairman", "chairwoman", "chairperson", "ceo", "chief executive", "managing director",
                          "founder", "co-founder", "spokesperson", "spokesman", "spokeswoman"})
_ROLE_THEN_NAME = re.compile(rf"[ \t]+(?P<role>(?i:chief[ \t]+executive|managing[ \t]+director|executive[ \t]+director|"
                             rf"{alternation(ROLES)}))(?:[ \t]+officer)?[ \t]+[A-Z][\w'’-]+[ \t]+[A-Z][\w'’-]+")


@acts_on("PERSON")
def firm_word(e, text, ctx):
    """"Hamburg Airport", "Lufthansa Technik", "Vineyard Wind": no person's name holds a firm's word."""
    if e.label == "PERSON" and _unnamed(e) and " " in e.text and _FIRM_WORDS.search(e.text):
        return replace(e, label="ORG")
    return e


@acts_on(*NAME_LABELS)
def post_nominal(e, text, ctx):
    """"Stirling Hinchliffe MP", "Joanne Leng MBE": letters after a person's name are no part of it, nor of
    the body after them ("Jennifer Auer, PhD Optimal Solutions Group")."""
    if e.label == "ORG" and _unnamed(e):
        lead = _POST_NOMINAL_LEAD.match(e.text)
        if lead and lead.end() < len(e.text) and _NAME_AND_COMMA_BEFORE.search(text, max(0, e.start - 40), e.start):
            e = replace(e, text=e.text[lead.end():], start=e.start + lead.end())  # "Jennifer Auer, PhD" + "Optimal ..."
    if e.label in NAME_LABELS and _unnamed(e):
        m = _POST_NOMINAL.search(e.text)
        if m and _PERSON_NAME.fullmatch(e.text[:m.start()]) and not _ORG_WORDS.search(e.text[:m.start()]):
            return replace(e, text=e.text[:m.start()], end=e.start + m.start(), label="PERSON")
        if _POST_NOMINAL.fullmatch(" " + e.text) and _NAME_AND_COMMA_BEFORE.search(text, max(0, e.start - 40), e.start):
            return None  # "Heather Humphreys, TD, today": the letters alone, after the name
    return e


_POST_NOMINAL = re.compile(r",?\s+(?:MP|MEP|MSP|MLA|MPP|TD|OBE|MBE|CBE|KBE|DBE|FRS|FREng|FRSE|PhD|QC|KC)$")
_NAME_AND_COMMA_BEFORE = re.compile(r"[A-Z][\w'’-]+,\s*$")
_POST_NOMINAL_LEAD = re.compile(r"(?:PhD|Ph\.D\.|OBE|MBE|CBE|FRS|FREng)\.?,?\s+(?=[A-Z])")


@acts_on(*NAME_LABELS)
def titled_person(e, text, ctx):
    """"VP Šefčovič", "Consul General Cassie Doyle": a title and a name are a person, the title left out."""
    if e.label not in NAME_LABELS or not _unnamed(e):
        return e
    m = _TITLE_LEAD.match(e.text)
    if not m or _ORG_WORDS.search(e.text[m.end():]) or is_place(e.text[m.end():]):
        return e
    return replace(e, text=e.text[m.end():], start=e.start + m.end(), label="PERSON")


@acts_on("PERSON", "ORG")
def job_title(e, text, ctx):
    """"Project Adviser", "Policy Officer", "National Technical Specialist", "Consul General": a job title the
    model took for a name names no one and no body."""
    if e.label in ("PERSON", "ORG") and _unnamed(e) and (_JOB_TITLE_NAME.fullmatch(e.text)
                                                           or e.label == "ORG" and (e.text in _TITLES_ALONE
                                                                                    or _PORTFOLIO_TITLE.match(e.text)
                                                                                    or in_portfolio(text, e.start))):
        return None
    return e


_TITLES_ALONE = OFFICES | OTHER_TITLES
# "Union Minister of Commerce and Industry", "Cabinet Secretary for Trade": an office named for its portfolio.
_PORTFOLIO_TITLE = re.compile(rf"(?:[A-Z][a-z]+\s+){{0,2}}{alternation(PORTFOLIO_OFFICES)}\s+(?:of|for)\s")


_WHO_LEADS_AFTER = re.compile(r",?\s+who\s+(?:heads|headed|leads|led|runs|ran|chairs|chaired|founded|co-founded|"
                              r"manages|managed|directs|directed)\b")
# Capitalised one- or two-word title ending in a role ("Project Adviser", "Policy Officer", "Technical Specialist").
_JOB_TITLE_NAME = re.compile(rf"(?:[A-Z][a-z]+\s+){{1,2}}"
                             rf"{alternation(w.capitalize() for w in ROLES | {'specialist', 'expert'} if w.isalpha() and w.islower())}")


# "Japanese Nidec", "Italo-American Datalogic", "U.S. Intel": a nationality (or a country's code) before a name.
_NATIONALITY = rf"(?:(?:[A-Z][a-z]+o-)?{alternation(NATIONALITIES)}|U\.S\.|UK)"
_NATIONALITY_LEAD = re.compile(rf"{_NATIONALITY}\s+(?=[A-Z])")
_NAME_GOES_ON = re.compile(r"[ \t]+(?:of|for|on|in)[ \t]+(?:the[ \t]+)?[A-Z]")
_NATIONALITY_WORD = re.compile(_NATIONALITY)
_WORD_BEFORE = re.compile(r"(\S+)\s+$")


def _after_nationality(text: str, e: Entity) -> bool:
    """Whether the word right before ``e`` is a nationality ("French" + "Air Liquide")."""
    m = _WORD_BEFORE.search(text, max(0, e.start - 25), e.start)
    return m is not None and _NATIONALITY_WORD.fullmatch(m.group(1)) is not None


@acts_on("ORG", "PERSON")
def nationality_before_name(e, text, ctx):
    """"Japanese Nidec, maker of motors", "Danish Sonion": a firm's nationality is no part of its one-word
    brand, and a brand after a nationality is a firm's (people have titles there). A body's official name keeps
    it ("Swedish Energy Agency", "Scottish Parliament", "Kazakh Invest"), and so does an acronym ("U.S. EPA")
    or a firm named by a word of its trade ("Scottish Power")."""
    m = _NATIONALITY_LEAD.match(e.text) if e.label in ("ORG", "PERSON") and _unnamed(e) else None
    if m:
        rest = e.text[m.end():]
        if rest in _BARE_HEADS and rest not in PUBLIC_BODY_NAMES and not _NAME_GOES_ON.match(text, e.end):
            # "the Dutch Cabinet": a nationality and a head noun name no body ("Scottish Parliament" does, and so
            # does "Danish Agency" + "for Science", which the span repair carries on)
            return None
        if (len(rest) >= 3 and " " not in rest and not rest.isupper() and not _FIRM_WORDS.search(rest)
                and rest not in PUBLIC_BODY_NAMES and rest.lower() not in ctx.lower_words and not is_place(rest)):
            return Entity(rest, "ORG", e.start + m.end(), e.end, e.norm, e.iso)
    return e


@acts_on("ORG", "GPE", "LOC")
def person_by_role(e, text, ctx):
    """"said Nicolai Rottbøll", "Mhairidh Evans, principal analyst", "Indro Mukerjee has been named the new
    CEO", "Wojciech Florczuk, who heads the Institute's ...": a person."""
    if (e.label in ("ORG", "GPE", "LOC") and _unnamed(e) and _PERSON_NAME.fullmatch(e.text)
            and not _ORG_WORDS.search(e.text) and not is_place(e.text)
            and not _after_nationality(text, e) and not _NATIONALITY_LEAD.match(e.text)
            and e.text.rsplit(" ", 1)[-1] not in _NO_SURNAMES
            and not _ROLE_THEN_NAME.match(text, e.end)  # "according to Powerchip Technology chairman Frank Huang"
            and (_SAID_BEFORE.search(text[max(0, e.start - 16):e.start]) and not _TITLE_NEXT.match(text, e.end)
                 or _ROLE_AFTER.match(text[e.end:e.end + 80]) or _APPOINTED_AFTER.match(text, e.end)
                 or _WHO_LEADS_AFTER.match(text, e.end)
                 or _ROLE_BEFORE.search(text[max(0, e.start - 30):e.start]) and not _CAPITALS_WORD.search(e.text)
                 and not _FIRM_WORDS.search(e.text))):
        return replace(e, label="PERSON")
    return e


@acts_on("ORG", "GPE", "LOC")
def person_by_title(e, text, ctx):
    """"Phoenix Mayor Kate Gallego", "Governor Lamont": a name right after a title is a person's, unless it is
    a place's or holds a body's word ("King Abdullah University")."""
    if (e.label in ("ORG", "GPE", "LOC") and _unnamed(e) and _SHORT_NAME.fullmatch(e.text)
            and _after_title(text, e)
            and not _ORG_WORDS.search(e.text) and not is_place(e.text) and not e.text.isupper()):
        return replace(e, label="PERSON")
    return e


# Last words no person's name ends in: a public body's ("National Assembly, Madam Governor of ..."), a place's
# ("in Ilorin, Kwara State, Governor AbdulRahman ...") and a firm's ("the government told Hyphen Hydrogen
# Energy"; but "Power" and "Steel" are surnames).
_NO_SURNAMES = PUBLIC_BODY_NAMES | PLACE_HEADS | (FIRM_WORDS - {"Power", "Steel"}) | frozenset((
    "County", "Territory", "District", "Island", "Oblast", "Krai", "Prefecture", "Governorate", "Canton", "Municipality",
    "Valley", "Peninsula"))


@acts_on("ORG", "GPE")
def leader_of_government(e, text, ctx):
    """"the Biden administration", "the Trudeau government": the name is a person's, not a body's."""
    if (e.label in ("ORG", "GPE", "NORP") and _unnamed(e) and " " not in e.text and not is_place(e.text)
            and not e.text.isupper()
            and _GOVERNMENT_AFTER.match(text[e.end:e.end + 16]) and _THE_BEFORE.search(text[max(0, e.start - 5):e.start])):
        return replace(e, label="PERSON")
    return e


@acts_on("ORG")
def firm_of_place(e, text, ctx):
    """"Twiga Foods of Kenya", "Optel Group of Quebec City": a firm and where it is from, two names. Not
    "Bank of Canada" or "University of Chicago", whose head takes the place into the name."""
    if e.label != "ORG" or not _unnamed(e):
        return e
    m = _OF_PLACE.match(e.text)
    if not m or m.group(1).split()[-1] in _NAMING_HEADS or not (is_place(m.group(2)) or _PLACE_ABBREVIATION.fullmatch(m.group(2))):
        return e
    return replace(e, text=m.group(1), end=e.start + len(m.group(1)))


@acts_on("ORG", "PERSON")
def town_shape(e, text, ctx):
    """"Ratcliffe-on-Soar", "Stratford-upon-Avon", "Southend-on-Sea", "Seoul Metropolitan Area": a place's
    name by its shape; "the Tenth of Ramadan city", "Borg El-Arab town": a name the text calls a town."""
    if _unnamed(e) and (_TOWN_SHAPE.fullmatch(e.text) or _AREA_SHAPE.search(e.text)
                        or _TOWN_AFTER.match(text, e.end) and not _NATIONALITY_END.search(e.text)  # "a Medieval Italian city"
                        or " of " in text[max(0, e.start - 80):e.start] and _TOWNS_OF.search(text, max(0, e.start - 80), e.start)):
        return replace(e, label="GPE")
    return e


# "the towns of Kaspi and Gurjaani", "the municipalities of Vejle, Kolding and Fredericia": the names the text
# calls towns, each of a list (in lower case: "City of Cape Town" is the council's name).
_TOWNS_OF = re.compile(r"\b(?:towns?|cit(?:y|ies)|villages?|municipalit(?:y|ies)|townships?|districts?|provinces?|"
                       r"counties|county)[ \t]+of[ \t]+(?:[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,3}"
                       r"(?:,[ \t]+|,?[ \t]+and[ \t]+))*$")


@acts_on("ORG", "PERSON")
def part_of_a_place(e, text, ctx):
    """"Atlantic Canada", "Greater Baltimore", "Northern Netherlands": a known place with a word for a part
    of it is a place (a region without a government of its own, unless known as one)."""
    m = _PART_OF.match(e.text) or _NATIONALITY_OF_PLACE.match(e.text)  # "Chilean Antarctica", "Swiss Alps"
    if m and _unnamed(e) and is_place(m.group(1)) and not _ORG_WORDS.search(e.text):
        return replace(e, label="GPE" if is_place(e.text) else "LOC")
    return e


_NATIONALITY_OF_PLACE = re.compile(rf"{_NATIONALITY}\s+(.+)")
_PART_OF = re.compile(r"(?:Atlantic|Pacific|Greater|Northern|Southern|Eastern|Western|Central|Upper|Lower|North|South|"
                      r"East|West|Northeast|Northwest|Southeast|Southwest|North-East|North-West|South-East|"
                      r"South-West|Coastal|Inner|Outer|Peninsular|Mainland|Rural)\s+(.+)")


@acts_on("ORG", "PERSON", "LOC")
def dateline(e, text, ctx):
    """"MUSCAT: Hydrogen Oman ...", "NAIROBI, Kenya, 3 May": the town a story is filed from, in capitals at
    the start of the text, is a place; so is a town we do not know when a known country or region follows it
    ("PANGYO, SOUTH KOREA —")."""
    if (_unnamed(e) and e.text.isupper() and len(e.text) > 2 and not text[:e.start].strip()
            and _DATELINE_AFTER.match(text, e.end) and (is_place(e.text.title()) or _in_known_place(text, e.end))):
        return replace(e, label=place_label(e.text.title()))
    return e


def _in_known_place(text: str, end: int) -> bool:
    """A known country or region follows the dateline's town: "PANGYO, SOUTH KOREA —", "GEEL, Belgium,"."""
    m = _DATELINE_PLACE.match(text, end)
    return m is not None and is_place(m.group(1) if not m.group(1).isupper() else m.group(1).title())


_DATELINE_PLACE = re.compile(r",[ \t]+([A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,2}?)[ \t]*(?:[,:(–—]|-[ \t]|\d)")


_DATELINE_AFTER = re.compile(r"\s*(?::|[–—]|-\s|\(|,\s*(?:[A-Z]|\d))")  # not "CESAR, rated Brazil's ..."


_TOWN_AFTER = re.compile(r"[ \t]+(?:city|town|village|municipality|township)\b(?![-’'])")
_NATIONALITY_END = re.compile(r"(?:ian|ean|ese|ish)$")
_TOWN_SHAPE = re.compile(r"[A-Z][a-z]+-(?:on|upon|under|le|sur|super|by)-(?:the-)?[A-Z][a-z]+")
# "Seoul Metropolitan Area"; Nigeria's "Alimosho Local Government Area" is a district with its own council.
_AREA_SHAPE = re.compile(r"^[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*\s+(?:(?:Metropolitan|Metro|Capital)\s+(?:Area|Region)|"
                         r"Local\s+Government\s+Area|(?:Federal\s+)?Capital\s+Territory)$"
                         # Spanish and Portuguese administrative units: "Región Metropolitana", "Provincia de Buenos Aires"
                         r"|^(?:Región|Provincia|Departamento|Municipio|Comuna|Região|Província|Município)\s+"
                         r"(?:(?:de|del|de la|do|da|dos|das)\s+)?[A-ZÁÉÍÓÚÑ][\w-]*(?:\s+[A-ZÁÉÍÓÚÑ][\w-]*)*$")


@acts_on("ORG", "PERSON")
def place_before_country_code(e, text, ctx):
    """"(Severozapad, CZ)", "(Zapadne Slovensko, SK)": in brackets, a name followed by a country's code is
    where a partner is, a region written in its own language."""
    if (e.label in ("ORG", "PERSON") and _unnamed(e) and text[max(0, e.start - 1):e.start] == "("
            and not _ORG_WORDS.search(e.text)):
        m = _COUNTRY_CODE_CLOSE.match(text, e.end)
        if m and m.group(1) in COUNTRY_CODES:
            return replace(e, label="GPE")
    return e


_COUNTRY_CODE_CLOSE = re.compile(r",[ \t]*([A-Z]{2})\)")


@acts_on("ORG", "PERSON", "GPE")
def place_code(e, text, ctx):
    """"Greenville, SC", "Eindhoven (NL)": the code of a state or country after a place names a place;
    "Ralf Gust, MD of Hamburg Aviation" is a title, not Maryland."""
    if e.label == "GPE" and _unnamed(e) and e.text in _CODES and _OF_AFTER.match(text, e.end) \
            and text[max(0, e.start - 2):e.start] == ", ":
        return None
    if (e.label in ("ORG", "PERSON") and _unnamed(e) and e.text in _CODES
            and e.text not in ctx.acronyms):
        m = _BEFORE_CODE.search(text[max(0, e.start - 40):e.start])
        if m and m.group(1) not in _BARE_HEADS and not text[e.end:e.end + 1].isalnum() \
                and not _OF_AFTER.match(text, e.end):  # "Ralf Gust, MD of Hamburg Aviation": a title
            return replace(e, label="GPE")
    return e


_OF_AFTER = re.compile(r"\s+of\s")


@acts_on("ORG")
def time_zone(e, text, ctx):
    """"9h00 CEST", "3pm BST": after a clock time, capitals are a time zone."""
    return None if e.label == "ORG" and _unnamed(e) and _CLOCK_BEFORE.search(text[max(0, e.start - 12):e.start]) else e


@acts_on("ORG", "PERSON")
def mp_seat(e, text, ctx):
    """"the Barrow and Furness MP", "the MP for Preseli Pembrokeshire": the seat is a place; "Stirling Hinchliffe
    MP" is the member."""
    if e.label not in ("ORG", "PERSON") or not _unnamed(e):
        return e
    the_member = (e.label == "PERSON" and _PERSON_NAME.fullmatch(e.text) and not is_place(e.text)
                  and not text[max(0, e.start - 4):e.start].lower().endswith("the "))
    seat_before_mp = _MP_AFTER.match(text[e.end:e.end + 30]) and not the_member
    seat_after_for = MEMBER_FOR_BEFORE.search(text, max(0, e.start - 40), e.start)
    return replace(e, label="GPE") if seat_before_mp or seat_after_for else e


@acts_on("PERSON", "GPE", "LOC")
def firm_by_noun(e, text, ctx):
    """"carbon capture firm Svante", "the portfolio company Agentis", "EV drivetrain developer Exro": the
    noun before the name says what it is."""
    if (e.label in ("PERSON", "GPE", "LOC") and _unnamed(e) and not is_place(e.text)
            and (_FIRM_NOUN_BEFORE.search(text[max(0, e.start - 20):e.start])
                 or _BASED_BEFORE.search(text, max(0, e.start - 40), e.start))):  # "the Singapore-based Ascendas"
        return replace(e, label="ORG")
    return e


_BASED_BEFORE = re.compile(r"[A-Z][\w.’'-]*-based\s+$")


@acts_on("PERSON", "GPE", "LOC")
def firm_in_list(e, text, ctx):
    """"supply chain firms like Kent, Asco and Bilfinger", "Three companies, Metronet, Data Soft and ...": the
    names listed after firms' plural noun are firms', unless they are known places."""
    if e.label in ("PERSON", "GPE", "LOC") and _unnamed(e) and not is_place(e.text):
        before = text[max(0, e.start - 150):e.start]
        # A plain search first: the pattern, anchored at the end, is tried from every position of the window.
        if any(w in before for w in (" such as ", " like ", " including ", ", ", ": ")) and _FIRMS_LISTED_BEFORE.search(before):
            return replace(e, label="ORG")
    return e


_LIST_ITEM = r"[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,3}(?:\s*\([^()]{2,30}\))?"
_FIRMS_LISTED_BEFORE = re.compile(
    rf"\b{alternation(FIRM_PLURALS)}(?:\s+(?:such\s+as|like|including)\s+|[,:]\s+)(?:{_LIST_ITEM}(?:,\s+(?:and\s+)?|\s+and\s+))*$")


@acts_on("GPE", "LOC")
def body_of_a_place(e, text, ctx):
    """"Ho Chi Minh City Department of Science and Technology", "Aberdeen City Council": a place's name
    with a public body's head after it (a department, a council, a university) names the body; so does a
    name ending in a firm's or an association's head."""
    if (e.label in ("GPE", "LOC") and _unnamed(e) and (_BODY_OF_PLACE.search(e.text) or _BODY_HEAD_END.search(e.text))
            and not is_place(e.text)):
        return replace(e, label="ORG")
    return e


# A firm's or an association's head ends no place's name ("Saudi Dar Al-Arkan Real Estate Development Company").
_BODY_HEAD_END = re.compile(r"\s(?:Company|Corporation|Group|Association|Foundation|Bank|Federation|Society|Consortium|"
                            r"Cooperative)$")


_BODY_OF_PLACE = re.compile(rf"\s{alternation(PUBLIC_BODY_HEADS | {'University', 'Chamber'})}(?:\s+(?:of|for)\s+[A-Z]|$)")


@acts_on("GPE")
def firm_by_verb(e, text, ctx):
    """"Halliburton opened a training centre": no unknown town does business."""
    if (e.label == "GPE" and _unnamed(e) and " " not in e.text and not is_place(e.text)
            and _FIRM_VERB_AFTER.match(text[e.end:e.end + 30])):
        return replace(e, label="ORG")
    return e


RULES: tuple[Rule, ...] = (
    not_a_date, named_like_a_day, frequency, event, kind_of_body, concept, publication, cited_author, bare_head,
    organ, title_word, site, common_noun, office_of_body, names_nothing, strong_date, lower_case_word, programme,
    project, abbreviation, market_code, product, number_word, place_after_preposition, acronym, firm_by_apposition,
    body_before_role, firm_word,
    post_nominal, nationality_before_name, titled_person, person_by_role, person_by_title, job_title,
    leader_of_government, firm_of_place,
    town_shape, part_of_a_place, dateline, place_before_country_code, place_code, time_zone, mp_seat, firm_by_noun,
    firm_in_list, firm_by_verb, body_of_a_place,
)


def clean_passage(text: str, ents: list[Entity], ctx: DocumentContext, rules: tuple[Rule, ...] = RULES) -> list[Entity]:
    """One passage's entities with dates split, spans trimmed and every rule applied in order."""
    out = []
    for e in (d for e0 in ents for line in split_lines(e0) for d in split_date(line)):
        e = trim(e)
        if e is None:
            continue
        e = _apply_rules(e, text, ctx, rules)
        if e is not None:
            out.append(e)
    return _affiliations(text, _lists_agree(text, _range_years(text, out), ctx.lower_words))


def _range_years(text: str, ents: list[Entity]) -> list[Entity]:
    """"January and March 2024" read as two dates: the month before the range's end takes its year (the
    range read as one date is split with that year already, see :func:`split_date`)."""
    out = list(ents)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if (a.label == "DATE" == b.label and a.iso is None and _MONTH_ONLY.fullmatch(a.text)
                and _RANGE_GAP.fullmatch(text, a.end, b.start) and (year := re.search(rf"\b{_YEAR}\b", b.text))):
            out[i] = replace(a, iso=iso_date(f"{a.text} {year.group(0)}", None))
    return out


_MONTH_ONLY = re.compile(_MONTH_NAME, re.I)
_RANGE_GAP = re.compile(r"\s+(?:and|to|until|till|through)\s+|\s*[-–—]\s*")


def _affiliations(text: str, ents: list[Entity]) -> list[Entity]:
    """People's organisations, whatever the model called them: what a person is "of", unless a known place
    ("Iztok Seljak of the industrial group Hidria"; also a name the model missed there, "Jan Desmaretz of
    PwC"), the name after a person's role in a list of attendees or after their role "of" ("Joseba
    Jauregizar, Manager of Tecnalia") or in brackets after their name, and a "person" one works at."""
    ents = _people_of_bodies(text, ents)
    out = list(ents)
    for i in range(1, len(ents)):  # "Iztok Seljak of the industrial group Hidria", "..., Executive Director, Ruta N"
        prev, e = ents[i - 1], ents[i]
        if (prev.label == "PERSON" and e.label in ("PERSON", "GPE", "LOC") and _unnamed(e) and not is_place(e.text)
                and (_OF_GAP.fullmatch(text, prev.end, e.start) or _ROLE_GAP.fullmatch(text, prev.end, e.start)
                     # "Karen Devereux (Bord Bia)": the body in brackets after a person's name
                     or text[prev.end:e.start] == " (" and text[e.end:e.end + 1] in (")", ","))):
            out[i] = replace(e, label="ORG")
    # "Jan Desmaretz of PwC", "George Varma of Pinsent Masons": a name the model missed after a person's "of".
    added, taken = [], SpanIndex(ents)
    for p in ents:
        m = _NAME_AFTER_OF.match(text, p.end) if p.label == "PERSON" else None
        if m:
            a, b = m.span("name")
            name = m.group("name")
            if (not taken.any(a, b) and not is_place(name) and not _PROGRAMME.search(name)
                    and not _EVENT.search(name) and name.upper() not in COMMON_ABBREVIATIONS):
                added.append(Entity(name, "ORG", a, b))
    if added:
        out = sorted(out + added, key=lambda e: e.start)
    # "she left the team at Booz Allen": one works at a firm, not at a person (but "at Ann Lee's home").
    for i, e in enumerate(out):
        if (e.label == "PERSON" and _unnamed(e) and " " in e.text and _AT_BEFORE.search(text, max(0, e.start - 4), e.start)
                and not _POSSESSIVE_AFTER.match(text, e.end)):
            out[i] = replace(e, label="ORG")
    return out


def _people_of_bodies(text: str, ents: list[Entity]) -> list[Entity]:
    """"Kai Johansen of Glencore Nikkelverk, Svein Are Folgerø of Agder Energi, Torstein Thorsen Ekern of
    Greenstat": in a list of people and their bodies the model may tag a person with their body as one
    organisation, or a person alone as one. A person named with a body after "of" elsewhere in the passage
    says how to read them."""
    if not any(p.label == "PERSON" and _OF_BODY_AFTER.match(text, p.end) for p in ents):
        return ents
    out = []
    for e in ents:
        if (e.label == "ORG" and _unnamed(e) and _OF_BODY_AFTER.match(text, e.end) and _PERSON_NAME.fullmatch(e.text)
                and _could_be_a_person(e.text)):
            out.append(replace(e, label="PERSON"))
        else:
            out.extend(_person_of_body(e))
    return out


def _could_be_a_person(name: str) -> bool:
    """No word of ``name`` is a place or a word of a body's or an office's name."""
    return not any(w in _NOT_PERSON_WORDS or is_place(w) for w in name.split())


def _person_of_body(e: Entity) -> list[Entity]:
    """``e`` as a person and a body if it is one organisation named "Given Family of Body"."""
    m = PERSON_OF_BODY.fullmatch(e.text) if e.label == "ORG" and _unnamed(e) else None
    if m is None or not _could_be_a_person(m.group("person")):
        return [e]
    (a, b), (c, d) = m.span("person"), m.span("body")
    body = m.group("body")
    return [Entity(m.group("person"), "PERSON", e.start + a, e.start + b),
            Entity(body, "GPE" if is_place(body) else "ORG", e.start + c, e.start + d)]


_OF_BODY_AFTER = re.compile(r"[ \t]+of[ \t]+(?:the[ \t]+)?[A-Z]")
# Words of a body's or an office's name, never of a person's: "Cluj-Napoca Branch of the Romanian Academy".
_NOT_PERSON_WORDS = (BODY_HEADS | ORG_MARKERS | NAME_ENDINGS | FIRM_WORDS | PUBLIC_BODY_HEADS | OFFICIAL_HEADS
                     | PLACE_HEADS | OFFICES | {"Branch", "Division", "Unit", "Section", "Friends", "Duke", "Duchess",
                                                "Earl", "Prince", "Princess"})
_AT_BEFORE = re.compile(r"\bat\s+$")
_POSSESSIVE_AFTER = re.compile(r"['’]s?\b")
_OF_GAP = re.compile(r",?\s+of\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,3}")
_NAME_AFTER_OF = re.compile(r"[ \t]+of[ \t]+(?P<name>[A-Z][\w&'’.-]*[\w&](?:[ \t]+(?:&[ \t]+)?[A-Z][\w&'’.-]*[\w&]){0,4})(?![\w-])")
# "Juan Camilo Quintero, Executive Director, Ruta N": in a list of attendees the body follows the role;
# "Joseba Jauregizar, Manager of Tecnalia": the person's role at a body.
_ROLE_GAP = re.compile(rf",\s+(?:[A-Z][\w-]*\s+){{0,3}}(?i:{alternation(ROLES)})(?:,\s+|\s+(?:of|at)\s+(?:the\s+)?)")


def _apply_rules(e: Entity, text: str, ctx: DocumentContext, rules: tuple[Rule, ...]) -> Entity | None:
    """``e`` through every rule in order that acts on its label (which a rule may change on the way)."""
    start = 0
    while True:
        label = e.label
        for i in _rules_for(rules, label, start):
            e = rules[i](e, text, ctx)
            if e is None:
                return None
            if e.label != label:  # the rules after this one are those acting on the new label
                start = i + 1
                break
        else:
            return e


@lru_cache(maxsize=256)
def _rules_for(rules: tuple[Rule, ...], label: str, start: int) -> tuple[int, ...]:
    """The positions from ``start`` on of the rules that act on ``label``."""
    return tuple(i for i in range(start, len(rules)) if getattr(rules[i], "labels", None) is None or label in rules[i].labels)


# What may stand between two items of a list of names: a comma or "and", and a country in brackets.
_BRACKET = r"(?:\s*\([^()]{2,30}\))?"
_COUNTRY_CODE = re.compile(r"[A-Z]\.?[A-Z]\.?(?:[A-Z]\.?)?")  # "the UK's ministry", "U.S.": a country in any list
_UNTAGGED_ITEM = r"[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,3}"  # a list item the model may have missed
_LIST_GAP = re.compile(rf"{_BRACKET}(?:,\s*{_UNTAGGED_ITEM}{_BRACKET})*"  # an item the model missed
                       r"\s*(?:,\s*(?:and\s+)?|\s+(?:and|&)\s+)(?:the\s+)?$")  # "..., the Port of Tallinn"




def _lists_agree(text: str, ents: list[Entity], lower_words: frozenset[str] = frozenset()) -> list[Entity]:
    """"Hamburg Airport, Airbus and Lufthansa Technik", "CEA (France), ERM (France) and Alfa Laval
    (Denmark)": in a list of three names or more that are mostly organisations, the model's "people" and
    unknown "places" are organisations too. ``lower_words``: words the document writes in lower case."""
    runs, run = [], []
    for e in ents:
        if run and _BRACKET_OPEN_BEFORE.search(text[run[-1].end:e.start]) and text[e.end:e.end + 1] == ")":
            continue  # "CEA (France)": the country in brackets belongs to the item
        if run and e.label in NAME_LABELS and _LIST_GAP.fullmatch(text[run[-1].end:e.start]):
            run.append(e)
        else:
            if len(run) >= 2:
                runs.append(run)
            run = [e] if e.label in NAME_LABELS else []
    if len(run) >= 2:
        runs.append(run)
    changed, missed = {}, []
    taken = SpanIndex(ents)
    for run in runs:
        first = _missed_first_item(text, run, lower_words, taken)
        if first is not None:
            missed.append(first)
        # "Enel Green Power, HIF Global and the Universidad de Magallanes": a name the model missed between
        # two organisations of a list is one too (not a known place, nor a programme).
        for a, b in zip(run, run[1:]):
            if a.label == b.label == "ORG":
                for m in _MISSED_ITEM.finditer(text, a.end, b.start):
                    name = m.group(1)
                    if not is_place(name) and not _PROGRAMME.search(name) and name.upper() not in COMMON_ABBREVIATIONS:
                        missed.append(Entity(name, "ORG", m.start(1), m.end(1)))
        if len(run) == 2:
            # "(Koenraad Debackere, Petra Andries)", "Inmaculada Periañez-Forte and Mario Cervantes": a pair
            # inside brackets, one a person, the other named like one, is two people.
            a, b = run
            if (_BRACKET_OPEN_BEFORE.search(text[max(0, a.start - 2):a.start]) and text[b.end:b.end + 1] == ")"
                    and {a.label, b.label} == {"PERSON", "ORG"}):
                firm = a if a.label == "ORG" else b
                if _unnamed(firm) and PERSON_SHAPE.fullmatch(firm.text) and not _ORG_WORDS.search(firm.text):
                    changed[id(firm)] = replace(firm, label="PERSON")
            continue
        if sum(e.label == "ORG" for e in run) * 2 > len(run):
            for e in run:
                # Not a person a role follows: "Benoit Esmanne, Policy Officer, DG GROW, European Commission".
                if _unnamed(e) and (e.label == "PERSON" and not _after_title(text, e)
                                    and not _ROLE_AFTER.match(text[e.end:e.end + 80])
                                    or e.label == "GPE" and not is_place(e.text) and not _COUNTRY_CODE.fullmatch(e.text)):
                    changed[id(e)] = replace(e, label="ORG")
        else:
            # "Jaan Tallinn, Toivo Annus, Ahti Heinla and Priit Kasesalu": in a list with two people or more
            # whose other names are all named like people (two or three capitalised words, no word of a
            # body, no place), the model's "firms" are people too, and so are its unknown "places" ("Carlos
            # Nupia, Lisbeth Fog, Rafael Vesga and Monica Salazar").
            firms = [e for e in run if e.label in ("ORG", "GPE", "LOC")]
            if sum(e.label == "PERSON" for e in run) >= 2 and firms and all(
                    _unnamed(e) and _LISTED_PERSON.fullmatch(e.text) and not _ORG_WORDS.search(e.text)
                    and not is_place(e.text) for e in firms):
                for e in firms:
                    changed[id(e)] = replace(e, label="PERSON")
    out = [changed.get(id(e), e) for e in ents] if changed else ents
    return sorted(out + missed, key=lambda e: e.start) if missed else out


# Named like a person in a list of people: also with an initial ("G. Alexakis") or an Irish or Scottish surname
# ("Cathal O’Donoghue", "Ewan McGregor").
_LISTED_PERSON = re.compile(r"(?:[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+|[A-Z]\.)(?:[- ](?:O['’]|Mc|Mac)?[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+){1,2}")
_MISSED_ITEM = re.compile(rf",\s*({_UNTAGGED_ITEM})(?=\s*(?:,|\(|and\s|&\s))")
_ITEM_BEFORE = re.compile(rf"({_UNTAGGED_ITEM}),[ \t]*$")
_SENTENCE_END_BEFORE = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)$")
# Words that open a sentence and a comma but name nothing ("However, Engie and Enel ...").
# (Adverbs in -ly are left out by their ending.)
_OPENING_WORDS = frozenset("""However Meanwhile Today Yesterday Tomorrow Also Moreover Furthermore Instead Nevertheless
Nonetheless Thus Therefore Hence First Second Third Overall Together Earlier Later Now Still Yet Indeed Already Again
Elsewhere Here There Then Next Likewise Otherwise Besides Above Below Regardless Abroad Since Before After Once Though
Although While Whereas Because""".split())
_LAST_GAP_JOINS = re.compile(r"\s(?:and|&)\s")


def _missed_first_item(text: str, run: list[Entity], lower_words: frozenset[str], taken: SpanIndex) -> Entity | None:
    """"Engie, TotalEnergies and Air Liquide will invest": a list of organisations whose first item opens the
    sentence and was missed by the model (which misses names at a passage's start more often than
    anywhere): a run of capitalised words, not a word that opens sentences, a place or a programme."""
    if len(run) < 2 or any(e.label != "ORG" for e in run) or not _LAST_GAP_JOINS.search(text, run[-2].end, run[-1].start):
        return None
    m = _ITEM_BEFORE.search(text, max(0, run[0].start - 80), run[0].start)
    if m is None or not _SENTENCE_END_BEFORE.search(text, max(0, m.start(1) - 4), m.start(1)):
        return None
    name = m.group(1)
    words = name.split()
    if (taken.any(m.start(1), m.end(1)) or words[0] in _OPENING_WORDS or SENTENCE_LEAD.match(name + " ")
            or words[0].endswith("ly") or name.lower() in lower_words or is_place(name)
            or _PROGRAMME.search(name) or _EVENT.search(name) or name.upper() in COMMON_ABBREVIATIONS
            or words[0].lower() in MONTHS or words[0] in WEEKDAYS):
        return None
    return Entity(name, "ORG", m.start(1), m.end(1))


def link_acronyms(text: str, ents: list[Entity], ctx: DocumentContext) -> list[Entity]:
    """Long forms and bare acronyms the model missed: ORG wherever they stand as words; so is a name the
    model missed right after a noun that says it is a firm, or after "founded"."""
    out = SpanIndex(ents)
    spots = ctx.acronym_finder.find(text)
    for long_form in ctx.acronyms.values():
        for a, b in spots.get(long_form, ()):
            overlapping = out.overlapping(a, b)
            # The author spelled the name out: pieces the model made of it give way to it whole (not the
            # places of a list the acronym groups).
            if all(a <= e.start and e.end <= b and e.norm is None for e in overlapping) and not _places_listed(long_form):
                out.remove(overlapping)
                out.add(Entity(long_form, _label_of_long_form(long_form), a, b))
    for acr, long_form in ctx.acronyms.items():
        for a, b in spots.get(acr, ()):
            if not out.any(a, b):
                out.add(Entity(acr, _label_of_long_form(long_form), a, b))
    # "EV drivetrain developer Exro Technologies": a name the model missed after a noun saying it is a firm.
    for m in _NAME_AFTER_FIRM_NOUN.finditer(text):
        a, b = m.span("name")
        name = m.group("name")
        if (not out.any(a, b) and not is_place(name) and not _PROGRAMME.search(name)
                and not _EVENT.search(name) and name not in ctx.projects and not re.search(r"\bProgram\b", name)):
            out.add(Entity(name, "ORG", a, b))
    return sorted(out.live(), key=lambda e: e.start)


_NAME_AFTER_FIRM_NOUN = re.compile(
    rf"\b{alternation(FIRM_NOUNS | FOUNDING_VERBS)}\s+(?P<name>[A-Z][\w&'’.-]*[\w&](?:\s+[A-Z][\w&'’-]*){{0,3}})(?![\w-])")


def _qualified_long_form(key: str, long_to_acr: dict[str, str], acronyms: dict[str, str]) -> str | None:
    """The long form an acronym was defined for, when the name (folded) is that long form with words before
    it: "UK Department for International Development (DFID)" defines DFID for "Department for International
    Development", and the name and its acronym share that canonical name."""
    if not long_to_acr or " " not in key:
        return None
    words = key.split(" ")
    for i in range(1, len(words) - 1):
        acr = long_to_acr.get(" ".join(words[i:]))
        if acr is not None:
            return acronyms[acr]
    return None


def harmonise(passage_texts: list[str], cleaned: list[list[Entity]], ctx: DocumentContext,
              published: str | None) -> list[list[Entity]]:
    """One label and one canonical name per name across the document; ``iso`` for dates."""
    acronyms = ctx.acronyms
    long_to_acr = ctx.long_to_acr
    cleaned = _other_spellings(passage_texts, cleaned, ctx)

    # One label per name: the majority of its mentions, acronyms and long forms pooled.
    def key(e: Entity) -> str:
        if e.norm:  # the gazetteer named it
            return fold(e.norm)
        return fold(acronyms[e.text]) if e.text in acronyms else fold(e.text)

    votes: dict[str, Counter] = defaultdict(Counter)
    variants: dict[str, Counter] = defaultdict(Counter)
    for ents in cleaned:
        for e in ents:
            if e.label in NAME_LABELS:
                votes[key(e)][e.label] += 1
                if e.text not in acronyms:
                    variants[key(e)][e.text] += 1
    # "Connected Cluster", "Connected Clusters", "ConnectedClusters": one name, one canonical spelling.
    spellings: dict[str, Counter] = defaultdict(Counter)
    for k, c in variants.items():
        spellings[_loose(k)].update(c)
    label_of = {k: c.most_common(1)[0][0] for k, c in votes.items()}
    # Co-authors keep their label even when a town has their name ("Hodge and Greve 2007"); a place with
    # a year in brackets ("Agadir (2021)") may be a place. So do people after a title ("Governor Lamont").
    cited = {key(e) for text, ents in zip(passage_texts, cleaned) for e in ents if e.label == "PERSON"
             and (_co_authored(text, e) or _after_title(text, e))}
    # "the company Albemarle": a firm, though a county has its name.
    firms = {key(e) for text, ents in zip(passage_texts, cleaned) for e in ents if e.label == "ORG"
             and _FIRM_NOUN_BEFORE.search(text, max(0, e.start - 20), e.start)}
    for k in label_of:
        if k in cited and label_of[k] == "PERSON":
            continue
        if k in _PLACE_KEYS:  # "Poland" is never a person, whatever one sentence suggested
            label_of[k] = "LOC" if k in _REGION_KEYS else "GPE" if label_of[k] != "LOC" else "LOC"
        elif label_of[k] in ("ORG", "PERSON") and k not in long_to_acr and k not in firms and any(
                is_place(v) and not _ORG_WORDS.search(v) for v in variants[k]):
            label_of[k] = "GPE"  # "Ouarzazate", "Pará": the name of a town or region, written exactly
    for long_form in acronyms.values():
        label_of[fold(long_form)] = _label_of_long_form(long_form)
    # "Camila Araya" ... later "Araya": a surname on its own stays a person.
    surnames = {k.split()[-1] for k, lab in label_of.items() if lab == "PERSON" and len(k.split()) >= 2}
    for k in label_of:
        # Not a known place ("Mexillón de Galicia" ≠ Galicia); an unknown one is the surname ("Claux said").
        if len(k.split()) == 1 and k in surnames and (label_of[k] != "GPE" or not any(is_place(v) for v in variants[k])):
            label_of[k] = "PERSON"
    # A one-word "person" who is never given a first name or a title in the document is, in
    # reports about clusters, nearly always a company the model did not know ("Tauron", "Equinor").
    # Unless a title, a verb of speaking or a citation marks a person ("Dr Okafor", "Virtanen argued",
    # "Porter (1990)"), or a preposition marks a place ("in Rubavu").
    titled, placed = set(), set()
    for text, ents in zip(passage_texts, cleaned):
        for e in ents:
            if e.label == "PERSON" and (_after_title(text, e)
                                        or _SPEECH_AFTER.match(text[e.end:e.end + 40])
                                        or _ROLE_AFTER.match(text[e.end:e.end + 80])
                                        or _is_cited(text, e) or _GOVERNMENT_AFTER.match(text[e.end:e.end + 16])):
                titled.add(key(e))
            elif _PLACE_PREPOSITION.search(text[max(0, e.start - 12):e.start]):
                placed.add(key(e))
    # "Peter Sundberg, the cluster's manager, ..." then "Peter identified a need": a first name on its own
    # stays a person when the full name was marked as a person's.
    first_names = {k.split()[0] for k in titled if len(k.split()) >= 2 and label_of.get(k) == "PERSON"}
    for k in label_of:
        if label_of[k] == "PERSON" and len(k.split()) == 1 and k not in surnames | first_names and k not in titled:
            label_of[k] = "GPE" if k in placed else "ORG"

    result: list[list[Entity]] = []
    for ents in cleaned:
        out = []
        for e in ents:
            if e.label in NAME_LABELS:
                k = key(e)
                if e.norm:  # gazetteer entries keep their label and canonical name
                    out.append(e)
                    continue
                usual = spellings.get(_loose(k))
                # The most frequent spelling; between equals, not the capitals of a dateline ("BUDAPEST, 4 May").
                norm = acronyms.get(e.text) or _qualified_long_form(k, long_to_acr, acronyms) or (
                    max(usual.items(), key=lambda kv: (kv[1], not kv[0].isupper()))[0] if usual else e.text)
                label = label_of.get(k, e.label)
                if label in ("GPE", "LOC") and norm.isupper() and is_place(norm.title()):
                    norm = norm.title()  # a dateline's "ROTTERDAM" written nowhere else is Rotterdam
                out.append(e if label == e.label and norm == e.norm else Entity(e.text, label, e.start, e.end, norm, e.iso))
            elif e.label == "DATE":
                out.append(Entity(e.text, e.label, e.start, e.end, e.text, e.iso or iso_date(e.text, published)))
            else:
                out.append(e)
        result.append(out)
    return result
