"""Span repair for names the small spaCy model cuts short, runs together or misses.

spaCy's tokenizer splits "Vitoria-Gasteiz", "TU/e" and "Port of Antwerp-Bruges" into pieces, and
en_core_web_sm often stops a long official name at its first "and" or "of" ("Ministry of Economic
Affairs" for "Ministry of Economic Affairs and Climate Policy"). These rules work on one passage's
text and its entities, keep offsets exact, and only ever widen a span to words that belong to it,
split a span at a possessive, or add spans for shapes that are names in any report:

- ``X-Y`` and ``X/Y`` joins ("Auvergne-Rhône-Alpes", "UPV/EHU");
- official names continued by "of"/"for" after a head noun ("Agency of Latvia") or by "and" after a
  modifier ("... Economic Affairs and Climate Action");
- "Maharashtra's Department of Agriculture": the place and the department are two entities;
- Commission departments ("DG GROW"), port and city authorities ("Port of Koper", "City of Cape
  Town"), and geographic features ("Bay of Biscay", "Ohio River", "Cromarty Firth");
- well-known places the model did not tag at all (see :mod:`pipeline.places`);
- dates written out in full that the model cut short or missed: the weekday and the day before a
  month ("Monday 10 June 2024", "the 3rd February 2020"), day ranges ("25 and 26 April", "April 25
  and 26"), year ranges with an en dash ("2019–2022") and relative dates ("this autumn", "two years ago").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import replace

from spacy.util import filter_spans

from .ingest.metadata import MONTHS
from .places import is_place, place_label
from .records import Entity
from .vocabulary import (BODY_HEADS, COMMON_ABBREVIATIONS, FIRM_WORDS, NAME_ENDINGS, OFFICES, OFFICIAL_HEADS,
                         ORGAN_MODIFIERS, ORGANS, OTHER_TITLES, PLACE_HEADS, PORTFOLIO_OFFICES, PUBLIC_BODY_HEADS,
                         alternation)

NAME_LABELS = ("ORG", "GPE", "LOC", "PERSON")
# Named like a person: two or three capitalised words of letters ("Toivo Annus", "Inmaculada Periañez-Forte").
PERSON_SHAPE = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[- ][A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+){1,2}")
_CAP_WORD = r"[A-ZÀ-ÖØ-ÞĀ-Ž][\w’'-]*"
# Nouns that head an official name and may be followed by "of"/"for" + the rest of it.
_HEADS = re.compile(alternation(BODY_HEADS | OFFICIAL_HEADS | PLACE_HEADS) + "$")
_ITEM = rf"(?:the\s+)?{_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{0,3}}"
_CONTINUATION = re.compile(
    rf"^(?P<link>\s+(?:of|for|on|and|&)\s+(?:the\s+)?)"
    rf"(?P<words>{_CAP_WORD}(?:\s+(?:and\s+)?{_CAP_WORD}){{0,4}}(?:(?:,\s+{_ITEM})*,?\s+and\s+{_ITEM})?)")
# "Department of Climate Change" + ", Energy, the Environment and Water": the rest of a listed name.
_LIST_REST = re.compile(rf"^(?:,\s+{_ITEM})+,?\s+and\s+{_ITEM}")
_LIST_END = re.compile(rf"^,?\s+and\s+{_ITEM}")  # "Ministry of Trade, Industry" + ", and Energy"
_ORG_HEAD_ANYWHERE = re.compile(rf"\b{alternation(BODY_HEADS)}\b")
_ADJECTIVE = re.compile(r"[a-z](?:al|ic|ical|ive|ous|ary)$")
_INTERNAL_POSSESSIVE = re.compile(r"(?:'s|’s)\s+")
_DG = re.compile(r"(?<![\w-])DG\s+[A-Z]{3,8}(?![\w-])")
_AUTHORITY = re.compile(rf"(?<![\w-])(?:Port|City|Municipality)\s+of\s+{_CAP_WORD}(?:[ -]{_CAP_WORD}){{0,2}}")
# Universities, institutes, councils and ministries named in Spanish, Portuguese, French, Italian or German, by
# their heads (which the pattern needs written in full, see _NEEDS).
_FOREIGN_HEADS = ("Universidad", "Universidade", "Université", "Universität", "Università", "Universitat",
                  "Universiti", "Instituto", "Institut", "Tecnológico", "Politecnico", "Politécnico", "Escuela",
                  "Escola", "École", "Hochschule", "Fundación", "Fundação", "Fondazione", "Centro", "Consejo",
                  "Conselho", "Conseil", "Ministerio", "Ministério", "Ministère", "Secretaría", "Agencia", "Agência",
                  "Corporación", "Comisión", "Cámara", "Câmara", "Asociación", "Associação", "Federación")
# A ministry's fields may be listed with commas before the last "y"/"e"/"et" ("Ministerio de Economía, Fomento y
# Turismo").
_FOREIGN_FIELDS_COMMA = rf"(?:,(?=\s+{_CAP_WORD}(?:\s+{_CAP_WORD})*\s+(?:y|e|et)\s+{_CAP_WORD}))?"
_FOREIGN_INSTITUTION = re.compile(
    rf"(?<![\w-])(?:{'|'.join(_FOREIGN_HEADS)})"
    rf"(?:{_FOREIGN_FIELDS_COMMA}\s+(?:(?:de|del|da|do|dos|das|des|di|du|de la|für|der|per|e|y|et|à|en|para|para la|"
    rf"para el|pour|pour la|pour le)\s+)?(?![\w-]*['’]s\b){_CAP_WORD})+")
# A run of capitalised words ending in a noun only organisations end in: "Croatian Maritime Cluster".
_NAMED_BY_HEAD = re.compile(
    rf"(?<![\w’'-])(?:{_CAP_WORD}[ \t]+(?:(?:and|&)[ \t]+)?){{1,5}}{alternation(NAME_ENDINGS)}(?![\w-])")
# Regional agencies named after their region: "Enterprise Estonia", "Invest in Skåne", "IDA Ireland".
_AGENCY_OF_PLACE = re.compile(rf"(?<![\w-])(?:Enterprise|Innovation|Innovate|Invest in|Invest|Business|Visit|Energy|Industry|"
                              rf"Wind Energy|Hydrogen|Guidance|[A-Z]{{2,5}})"
                              rf"[ \t]+({_CAP_WORD}(?:[ \t]{_CAP_WORD})?)(?![\w-])")
_ADMIN_AREA = re.compile(rf"(?<![\w-])(?:{_CAP_WORD}[ \t]+){{0,2}}{_CAP_WORD}[ \t]+(?:Region|Voivodeship|Province|"
                         r"County|Oblast|Prefecture|Governorate|Canton|Department)(?![\w-])")
# "Thailand 4.0", "Clusterix 2.0", "RDA Europe 4.0": a name with a version is a programme's or a strategy's.
VERSION_AFTER = re.compile(r"[ \t]+\d{1,2}\.\d(?![\d%,])(?!\s*(?:million|billion|bn|per|percent)\b)")
# "the Europe 2020 strategy", "Taranaki 2050 Roadmap", "the Africa 2063 agenda": a name with a year and a word
# for a plan after it is the plan's; the place or body in it is not tagged on its own.
YEAR_PLAN_AFTER = re.compile(r"[ \t]+(?:19|20)\d\d(?:[-–/](?:19|20)?\d\d)?[ \t]+(?i:strateg(?:y|ies)|agendas?|plans?|"
                             r"visions?|programmes?|programs?|roadmaps?|frameworks?|initiatives?|polic(?:y|ies))\b")
_NOT_AGENCY = COMMON_ABBREVIATIONS | {"EU"}  # "EU Estonia" is no agency of Estonia
# "Arena 2036 e.V.": a registered association, named with its legal form.
_REGISTERED_ASSOCIATION = re.compile(rf"(?<![\w-]){_CAP_WORD}(?:[ \t]+(?:{_CAP_WORD}|\d+)){{0,4}}[ \t]+e\.[ \t]?V\.")
_TITLES = re.compile(alternation(OFFICES) + "$")
# Spanish and Portuguese features too: "Salar de Atacama", "Cerro Dominador", "Bahía de Mejillones" (a river
# only with its particle: "Rio Tinto" is a company).
_FEATURE_BEFORE = re.compile(
    rf"(?<![\w-])(?:(?:Bay|Gulf|Sea|Strait|Isle|Lake)\s+of\s+(?:the\s+)?|(?:River|Lake|Mount|Mt\.?)\s+"
    rf"|(?:Salar|Cerro|Laguna|Lago|Bahía|Isla|Islas|Ilha|Serra)\s+(?:(?:de|del|da|do|de la|de los)\s+)?"
    rf"|(?:Río|Rio)\s+(?:de|del|da|do|de la)\s+){_CAP_WORD}")
_FEATURE_AFTER = re.compile(
    rf"(?<![\w-])(?:{_CAP_WORD}\s+){{0,2}}{_CAP_WORD}\s+(?:River|Bay|Gulf|Firth|Fjord|Estuary|Island|Islands|"
    r"Peninsula|Pass|Alps|Mountains|Strait|Lagoon|Harbour|Harbor|Delta|Basin)(?![\w-])")
# The kind of site written after its name in lower case ("... offshore windfarm"); the rules use it too.
SITE_KIND_AFTER = (r"[ \t]+(?:(?:offshore|onshore|floating)[ \t]+)?"
                   r"(?:wind[ \t]*farms?|wind[ \t]+parks?|solar[ \t]+farms?|solar[ \t]+parks?)\b")
# "the 1,075MW Seagreen wind farm", "Hornsea One offshore windfarm": a site named before its kind in lower case.
_SITE_BEFORE = re.compile(rf"(?<![\w-]){_CAP_WORD}(?:[ \t]+{_CAP_WORD})*(?:[ \t]+\d+)?(?={SITE_KIND_AFTER})")
_FIRM_WORD_IN = re.compile(rf"\b{alternation(FIRM_WORDS | BODY_HEADS)}\b")
_NOT_SITE_LEAD = re.compile(r"(?:The|A|An|Its|Our|Their|This|That|These|New|Offshore|Onshore|Floating|"
                            r"[A-Z][a-z]*(?:ian|ean|ese|ish|ch)|\S+['’]s|[kMGT]W[hp]?)[ \t]+")  # "588 MW Kincardine"
_FOLLOWED_BY_NAME = re.compile(rf"^\s+{_CAP_WORD}")
SENTENCE_LEAD = re.compile(r"(?:In|At|From|Across|Near|Around|Outside|Throughout|The|Both|Unlike|Like|For|With|"
                            r"To|And|But|While|When|Since|By|Of|On)\s+")
# Month and weekday names are capitalised in running text; "may 5" and "sat 3" are not dates.
_MONTH = "(?:" + "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True)) + r")(?:\.(?=\s+\d))?"
_MONTH_NAMED = re.compile(_MONTH)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = rf"(?:{'|'.join(WEEKDAYS)}|Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?,?\s+"
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")
_DAY_OR_MONTH = re.compile(rf"(?:{'|'.join(WEEKDAYS + _MONTH_NAMES)})\b")  # a date, not the rest of a name
_MONTH_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_DAYS = rf"{_MONTH_DAY}(?:\s*(?:-|–|&|and|to)\s*{_MONTH_DAY})?"
_YEAR_AFTER = r"(?:,?\s+(?:in\s+)?(?:19|20)\d\d)"  # "June 9 to 13 in 2025" too
# The day first is a date wherever it stands; the month first only with a year or where the model saw a
# date ("In March 12 companies joined").
_DAY_FIRST = re.compile(rf"(?<![\w.,/-])(?:{_WEEKDAY})?(?:{_DAYS}(?:\s+of)?\s+{_MONTH}{_YEAR_AFTER}?"
                        # the ordinal's full stop of Danish, German or Norwegian writing: "5. October 2020"
                        rf"|{_MONTH_DAY}\.\s+{_MONTH}{_YEAR_AFTER})(?![\w-])")
# "28-Oct-2019", "04-Aug-2014": the day, the month's short name and the year joined by hyphens, as the World
# Bank's project reports write them.
_DASHED_DATE = re.compile(r"(?<![\w-])(?:[12]\d|3[01]|0?[1-9])-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)-"
                          r"(?:19|20)\d\d(?![\w-])")
# "14.12.2011": day, month and year with full stops, as EU and continental documents date things.
_DOTTED_DATE = re.compile(r"(?<![\w.])(?:[12]\d|3[01]|0?[1-9])\.(?:1[0-2]|0?[1-9])\.(?:19|20)\d\d(?![\w]|\.\d)")
_VERSION_BEFORE = re.compile(r"(?:[Vv]ersion|[Rr]elease|\bv)\.?\s*$")  # "version 2.1.2020" is no date
_MONTH_FIRST = re.compile(rf"(?<![\w-])(?:{_WEEKDAY})?{_MONTH}\s+{_DAYS}(?P<year>{_YEAR_AFTER})?(?![\w%-]|[.,]\d)")
_SEASON_YEAR = re.compile(r"(?<![\w-])(?:[Ss]pring|[Ss]ummer|[Aa]utumn|[Ff]all|[Ww]inter)\s+(?:of\s+)?(?:19|20)\d\d(?![\w-])")
# "this autumn", "last week": a date wherever it stands, but "the last year" is a duration.
_RELATIVE = re.compile(r"(?<![\w-])(?<!the )(?:[Tt]his|[Ll]ast|[Nn]ext)\s+(?:year|month|week|quarter|spring|summer|autumn|"
                       r"winter)(?![\w-])")
# "today", "yesterday": the day of writing or the one before (our annotators tag them as dates, 126 "today" of 142).
# Capitalised only at a sentence's start: "USA Today" and "Europe Today" are names.
_THIS_DAY = re.compile(r"(?:(?<![\w-])(?:today|yesterday)|(?:^|(?<=[.!?:]\s)|(?<=\n))(?:Today|Yesterday))(?![\w-])")
# "two years ago", "just over a decade ago": a date, counted back from the day of writing.
_AGO = re.compile(r"(?<![\w-])(?:(?:[Jj]ust\s+)?(?:[Oo]ver|[Uu]nder|[Aa]bout|[Aa]lmost|[Nn]early|[Mm]ore\s+than|[Ss]ome)\s+)?"
                  r"(?:[Aa]n?|[Aa]\s+few|[Ss]everal|[Mm]any|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix|[Ss]even|[Ee]ight|"
                  r"[Nn]ine|[Tt]en|[Tt]welve|[Tt]wenty|[Tt]hirty|\d{1,3})\s+(?:years?|months?|weeks?|days?|decades?)\s+ago(?![\w-])")
# "by the end of the year", "at the turn of the century", "the start of next year": a relative date.
_PART_OF_PERIOD = re.compile(r"(?<![\w-])(?:[Ee]nd|[Bb]eginning|[Ss]tart|[Mm]iddle|[Tt]urn)\s+of\s+(?:the|this|next|last)\s+"
                             r"(?:year|decade|century)(?![\w-])")
# "H1 2024", "H2 2023": a half-year.
_HALF_YEAR = re.compile(r"(?<![\w-])H[12]\s+(?:19|20)\d\d(?![\w-])")
_YEAR_RANGE = re.compile(r"(?<![\w.,/-])(?:19|20)\d\d\s?[–-]\s?(?:(?:19|20)\d\d|\d\d)(?![\w/%-]|[.,]\d)")
# "FY2023/24", "FY 2006", "fiscal year 2019-20", "financial year 2021-22": a budget year is a date.
_FISCAL_YEAR = re.compile(r"(?<![\w-])(?:FY\s?|[Ff](?:iscal|inancial)\s+[Yy]ear\s+)(?:19|20)?\d\d(?:\s?[/–-]\s?(?:19|20)?\d\d)?"
                          r"(?![\w/%-]|[.,]\d)")
_WORD = re.compile(r"(?<![\w’'-])[A-ZÀ-ÖØ-ÞĀ-Ž][\w’'-]*(?:[ \t]+[A-ZÀ-ÖØ-ÞĀ-Ž][\w’'-]*)*")


class SpanIndex:
    """A passage's entities by start, asked which overlap a range: a bisection over the starts instead
    of a scan of every entity, which made a passage of hundreds of names (a glossary, a member list)
    quadratic. Entities added and removed keep their order of arrival for :meth:`live`."""

    def __init__(self, ents: Iterable[Entity] = ()):
        self._order = list(ents)  # arrival order, removed ones included
        self._dead: set[int] = set()  # ids of removed entities (alive in _order, so ids stay unique)
        self._by_start = sorted(self._order, key=lambda e: e.start)
        self._starts = [e.start for e in self._by_start]
        self._longest = max((e.end - e.start for e in self._order), default=0)

    def _near(self, start: int, end: int) -> list[Entity]:
        """The entities that may overlap ``[start, end)``: those starting before ``end`` and after
        ``start`` less the longest entity's length."""
        return self._by_start[bisect_right(self._starts, start - self._longest):bisect_left(self._starts, end)]

    def overlapping(self, start: int, end: int) -> list[Entity]:
        """The entities overlapping ``[start, end)``, by start."""
        return [e for e in self._near(start, end) if e.end > start]

    def any(self, start: int, end: int) -> bool:
        """Whether some entity overlaps ``[start, end)``."""
        return any(e.end > start for e in self._near(start, end))

    def add(self, ent: Entity) -> None:
        i = bisect_right(self._starts, ent.start)
        self._starts.insert(i, ent.start)
        self._by_start.insert(i, ent)
        self._order.append(ent)
        self._longest = max(self._longest, ent.end - ent.start)

    def remove(self, ents: Iterable[Entity]) -> None:
        """Remove these entities (the very objects, as :meth:`overlapping` gave them)."""
        for ent in ents:
            i = bisect_left(self._starts, ent.start)
            while self._by_start[i] is not ent:
                i += 1
            del self._starts[i], self._by_start[i]
            self._dead.add(id(ent))

    def live(self) -> list[Entity]:
        """The entities still in, in order of arrival."""
        return [e for e in self._order if id(e) not in self._dead] if self._dead else list(self._order)


_PARTICLES = r"(?:van|von|der|den|de|la|le|da|di|du|del|dos|das|ter|ten|bin|ibn|al|el)"
_PATRONYMIC_BEFORE = re.compile(r"(?<![\w-])([A-Z][a-z]+[ \t]+(?:bint|bin|ibn)[ \t]+)$")


def _with_particles(text: str, ent: Entity) -> Entity:
    """"Maria van" + "den Berg": a person's name runs on over lower-case particles to the surname; so does a
    town's over the particles that name its river or its parts ("Alphen" + "aan den Rijn", "Bergen op Zoom",
    "Frankfurt am Main", "Kingston upon Hull"); and one word after an Arabic patronymic ends a person's name,
    whatever the model called it ("Sheikha Moza bint" + "Nasser")."""
    before = max(0, ent.start - 40)
    if (ent.label in NAME_LABELS and ent.norm is None and " " not in ent.text
            and ("bin" in text[before:ent.start] or "ibn" in text[before:ent.start])):  # a plain search first
        b = _PATRONYMIC_BEFORE.search(text, before, ent.start)
        if b:
            return Entity(text[b.start(1):ent.end], "PERSON", b.start(1), ent.end)
    if ent.label == "GPE":
        m = _PLACE_PARTICLE_AFTER.match(text, ent.end)
        return replace(ent, text=text[ent.start:m.end()], end=m.end()) if m else ent
    if ent.label != "PERSON":
        return ent
    m = re.match(rf"(?:\s+{_PARTICLES})+\s+{_CAP_WORD}", text[ent.end:]) if not re.search(
        rf"\s{_PARTICLES}$", ent.text) else re.match(rf"(?:\s+{_PARTICLES})*\s+{_CAP_WORD}", text[ent.end:])
    if not m:
        return ent
    end = ent.end + m.end()
    return replace(ent, text=text[ent.start:end], end=end)


def _after_possessive_name(text: str, ent: Entity) -> Entity:
    """"Queen’s" + "University Belfast", "Children's" + "Hospital": a body's name that opens with a possessive
    ("Queen's University", "People's Bank") runs back over it, and over a name or two before it ("Nationwide
    Children’s Hospital"), when the model tagged only what follows."""
    if ent.label != "ORG" or ent.start < 4 or text[ent.start - 1] not in " \t":
        return ent
    m = _POSSESSIVE_NAME_BEFORE.search(text, max(0, ent.start - 60), ent.start)
    if m is None:
        return ent
    named = m.group("name") and not _NOT_NAME_LEAD.fullmatch(m.group("name").split()[0])
    start = m.start("name" if named else "owner")
    return replace(ent, text=text[start:ent.end], start=start)


# Owners whose possessive opens or sits inside a body's name ("People's Government", "Queen's University").
_POSSESSIVE_NAMES = frozenset({"People", "Women", "Children", "Men", "Queen", "King", "Farmer", "Worker"})
_POSSESSIVE_NAME_BEFORE = re.compile(rf"(?<![\w-])(?P<name>(?:{_CAP_WORD}[ \t]+){{0,2}})"
                                     rf"(?P<owner>{alternation(_POSSESSIVE_NAMES)})['’]s[ \t]+$")
_NOT_NAME_LEAD = re.compile(r"The|A|An|This|Its|Our|Their|His|Her")
_PLACE_PARTICLE_AFTER = re.compile(rf"[ \t]+(?:aan[ \t]+de[nr]?|aan[ \t]+het|op|am|an[ \t]+der|upon|sur|im)[ \t]+{_CAP_WORD}")
_AND = re.compile(r"\s+and\s+")
_GIVEN_NAME_REST = re.compile(r"-[a-z]{2,5}(?![\w-])")
_JOINED_BEFORE = re.compile(r"([A-ZÀ-ÖØ-ÞĀ-Ž][\w’']*)[-/‐]$")


def _joined(text: str, ent: Entity) -> Entity:
    """Widen a name over "-Word" and "/Word" joins on either side ("Vitoria" → "Vitoria-Gasteiz"), and a
    person's given name over a lower-case second syllable ("Ahn Deok-geun")."""
    start, end = ent.start, ent.end
    while True:
        m = re.match(r"[-/‐]([A-ZÀ-ÖØ-ÞĀ-Ž][\w’']*|[a-z]{1,2}\b)", text[end:])
        if not m or (m.group(1)[0].islower() and text[end] != "/"):
            break
        end += m.end()
    if ent.label == "PERSON" and end == ent.end:
        m = _GIVEN_NAME_REST.match(text, end)  # "Ahn Deok" + "-geun": a given name of two syllables
        if m:
            end = m.end()
    while start > 0 and text[start - 1] in "-/‐":
        window = max(0, start - 80)
        m = _JOINED_BEFORE.search(text, window, start)
        if not m:
            break
        start = m.start()
    if (start, end) == (ent.start, ent.end):
        return ent
    joined = text[start:end]
    if ent.label in ("GPE", "LOC") and is_place(ent.text) and not is_place(joined):
        return ent  # "Texas-Mexico" is two places, not one
    return replace(ent, text=joined, start=start, end=end)


def _continued(text: str, ent: Entity, others: SpanIndex) -> Entity:
    """Carry an official name over "of/for/and + Capitalised words" when those words are part of it."""
    if ent.label not in ("ORG", "GPE", "LOC"):
        return ent
    m = _CONTINUATION.match(text[ent.end:])
    if not m:
        return ent
    link = m.group("link").strip().split()[0]
    last = ent.text.split()[-1]
    words_start = ent.end + m.start("words")
    words_end = ent.end + m.end("words")
    inside = [o for o in others.overlapping(words_start, words_end) if o is not ent]
    if any(o.end > words_end for o in inside):
        return ent  # "HIF Global and the Universidad de Magallanes": the words begin another name
    # "Kenya Agricultural" cannot end a name: an adjective before "and" always continues it (not before
    # "and the", which starts another: "HIF Global and the ...").
    adjective_before = (link in ("and", "&") and " the" not in m.group("link") and bool(_ADJECTIVE.search(last))
                        and not is_place(last))
    if not adjective_before and any(o.label != ent.label and (link in ("and", "&") or o.label not in ("GPE", "LOC"))
           or link in ("and", "&") and _ORG_HEAD_ANYWHERE.search(o.text) for o in inside):
        return ent  # the words are another name ("Lund University and Chalmers"); "Agency of Latvia" is one
    words = m.group("words")
    if _DAY_OR_MONTH.match(words):
        return ent  # "the Hamburg Hydrogen Network on Friday": a date, not the rest of the name
    if _INTERNAL_POSSESSIVE.search(words):
        return ent  # "... Precinct and Toowoomba’s Logistics Hub": a possessor starts another name
    if adjective_before:
        return replace(ent, text=text[ent.start:words_end], end=words_end)
    if link in ("and", "&"):
        # One name: "Economic Affairs and Climate Action", "Vineland Research and Innovation Centre".
        # Two: "Lund University and Chalmers University", "Cadence and Synopsys", "... and TU Dresden".
        head_before, head_after = bool(_ORG_HEAD_ANYWHERE.search(ent.text)), bool(_ORG_HEAD_ANYWHERE.search(words))
        if (_HEADS.search(last) or head_before == head_after or re.search(r"\b[A-Z]{2,}\b", words)
                or _LEGAL_FORM_END.search(ent.text)):  # "Bharat Petroleum Corporation Limited and Indian Oil"
            return ent
        if is_place(last) or any(is_place(w) for w in words.split()) or \
                re.match(r"\s+(?:de|del|da|do|of)\s", text[ent.end + m.end():]):
            return ent  # "University of Nuevo León and Tecnológico de Monterrey": two institutions
    elif not _HEADS.search(last) or link == "of" and last == "Group" and is_place(words):
        # "MOL Group" + "of Japan": the firm and where it is from (but "Ford Motor Company of South Africa" and
        # "Industrial Development Corporation of Norway" are official names)
        return ent
    return replace(ent, text=text[ent.start:words_end], end=words_end)


# "Cummins, Inc.", "Constellation Energy Generation, LLC", "DT&C Co., Ltd.": a legal form after a comma.
# Companies' legal forms, as written after their names ("Ltd", "GmbH", "A/S" ...).
_LEGAL_FORMS = (r"(?:Inc|INC|LLC|L\.L\.C|Ltd|LTD|Limited|LIMITED|Corp|CORP|PLC|plc|GmbH|AG|S\.A|A/S|I/S|ApS|ASA|Oyj?|"
                r"S\.p\.A|SpA|N\.V|B\.V|Pty)")
# ", Co., Ltd." or " (Pty) Ltd" after the name, or ".," + " LTD" after a name the model ended with "CO" ("Beijing
# Sinohy Energy CO., LTD").
_LEGAL_FORM_AFTER = re.compile(rf"(?:,?[ \t]+(?:C[oO]\.,[ \t]+|\(Pty\)[ \t]+)?|(?<=[ \t]C[oO])\.,?[ \t]+)"
                               rf"{_LEGAL_FORMS}(?![\w/])\.?")
_LEGAL_FORM_END = re.compile(rf"\s{_LEGAL_FORMS}\.?$")


def _legal_form(text: str, ent: Entity) -> Entity:
    """A name followed by its legal form is a firm's, the form part of it ("Ecolectro, Inc."); not a place's
    ("Consolidated Edison Company of New York, Inc.": the model's "New York" stays a place)."""
    if ent.label == "DATE":
        return ent
    m = _LEGAL_FORM_AFTER.match(text, ent.end)
    if not m or ent.label != "ORG" and (is_place(ent.text) or text[max(0, ent.start - 3):ent.start] == "of "):
        return ent
    return replace(ent, text=text[ent.start:m.end()], end=m.end(), label="ORG")


def _acronym_continued(text: str, ent: Entity, names: SpanIndex) -> Entity:
    """"EIT Climate" + " KIC", "Eastern Cluster" + " ICT": a body's name the model stopped before the
    capitals that end it (not an abbreviation, "Hydrogen Europe CEO", nor a name of its own)."""
    if ent.label != "ORG" or ent.text.split()[-1].isupper():  # "ARCHES DOE": two acronyms, two names
        return ent
    m = _CAPITALS_AFTER.match(text, ent.end)
    if (not m or m.group(1) in COMMON_ABBREVIATIONS
            or names.any(m.start(1), m.end())):
        return ent
    return replace(ent, text=text[ent.start:m.end()], end=m.end())


_CAPITALS_AFTER = re.compile(r"[ \t]([A-Z]{2,5})(?![\w’'&-])(?![ \t]+[A-Z0-9])")


def _list_continued(text: str, ent: Entity) -> Entity:
    """"Department of Climate Change" followed by ", Energy, the Environment and Water" is one name."""
    if ent.label != "ORG" or not re.search(r"\s(?:of|for)\s", ent.text):
        return ent
    m = _LIST_REST.match(text[ent.end:]) or ("," in ent.text and _LIST_END.match(text[ent.end:]))
    if not m or any(is_place(w) for w in re.findall(r"[\w’'-]+", m.group(0))) or _ORG_HEAD_ANYWHERE.search(m.group(0)):
        return ent  # "Luleå University of Technology, Umeå Energi, Lhyfe Sweden, Region Norrbotten and ...": names
    return replace(ent, text=text[ent.start:ent.end + m.end()], end=ent.end + m.end())


# "Edison International SVP Caroline Choi": a body, a title and a person's name taken for one name.
_INNER_TITLE = (rf"(?:{alternation(OFFICES | OTHER_TITLES | {'SVP', 'EVP', 'CFO', 'CTO', 'COO', 'Founder', 'Co-founder'})}"
                r"\.?\s+)+")
_BODY_TITLE_PERSON = re.compile(rf"(?P<body>[A-Z][\w&'’.-]*(?:\s+(?:(?:of|for|and|the|&)\s+)*[A-Z][\w&'’.-]*)*?)\s+{_INNER_TITLE}"
                                r"(?P<person>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2})")


def _split_title(ent: Entity) -> list[Entity]:
    """The body and the person of "Edison International SVP Caroline Choi", and of "Heidrun Hochreiter of
    Food Cluster Business Upper Austria" (not "Technical University of Munich": a body's word in the first part)."""
    m = _BODY_TITLE_PERSON.fullmatch(ent.text) if ent.label in ("ORG", "PERSON") else None
    if m and not _ORG_HEAD_ANYWHERE.search(m.group("person")) and not is_place(m.group("person")):
        a, b = m.span("person")
        return [Entity(m.group("body"), "ORG", ent.start, ent.start + m.end("body")),
                Entity(m.group("person"), "PERSON", ent.start + a, ent.start + b)]
    m = PERSON_OF_BODY.fullmatch(ent.text) if ent.label == "ORG" else None
    if (m and not _ORG_HEAD_ANYWHERE.search(m.group("person")) and not is_place(m.group("person"))
            and _ORG_HEAD_ANYWHERE.search(m.group("body"))):
        a, b = m.span("body")
        return [Entity(m.group("person"), "PERSON", ent.start, ent.start + m.end("person")),
                Entity(m.group("body"), "ORG", ent.start + a, ent.start + b)]
    return [ent]


# "Heidrun Hochreiter of Food Cluster Business Upper Austria": a person and the body they are of, as one name.
PERSON_OF_BODY = re.compile(rf"(?P<person>{PERSON_SHAPE.pattern})\s+of\s+(?:the\s+)?(?P<body>[A-Z].+)")


def _split_possessive(ent: Entity) -> list[Entity]:
    """"Maharashtra's Department of Agriculture" → the place and the department."""
    m = _INTERNAL_POSSESSIVE.search(ent.text)
    if not m or ent.label not in NAME_LABELS or _possessive_in_name(ent.text, m.start()):
        return [ent]  # "Nationwide Children’s Hospital", "Queen's University Belfast" are one name each
    head, tail = ent.text[:m.start()], ent.text[m.end():]
    if _TITLES.match(head):
        return [ent]  # "Marshal's Office of the Silesian Voivodeship" is one body
    out = []
    if head and head[0].isupper():
        out.append(Entity(head, "GPE" if is_place(head) else ent.label, ent.start, ent.start + len(head)))
    tail = re.sub(r"\s+(?:of|for|and|the|in)$", "", tail)
    if tail and tail[0].isupper() and _ORG_HEAD_ANYWHERE.search(tail):
        out.append(Entity(tail, "ORG", ent.start + m.end(), ent.start + m.end() + len(tail)))
    return out


_WITH = re.compile(r"(?<=[\w.)])\s+with\s+(?:the\s+)?(?=[A-Z])")


def _split_list(ent: Entity, text: str) -> list[Entity]:
    """"Aberdeen, Inverness" → two places; "Ministry of X and the Lake Region Forum" → two bodies. ``text``: the
    passage's."""
    if ent.label == "ORG" and " with " in ent.text:
        m = _WITH.search(ent.text)
        if m:  # "created by the Ministry of Economy with Corfo": no official name holds "with" a name
            a, b = ent.text[:m.start()], ent.text[m.end():]
            return [Entity(a, "ORG", ent.start, ent.start + len(a)), Entity(b, "ORG", ent.start + m.end(), ent.end)]
    if ent.label == "ORG" and " called " in ent.text:
        # "Polish Agency for Enterprise Development called Cluster Benchmarking": the body, then what it named
        # (its initiative, here): no name holds "called".
        a = ent.text[:ent.text.index(" called ")]
        return [Entity(a, "ORG", ent.start, ent.start + len(a))]
    if "," not in ent.text and not _AND.search(ent.text):
        return [ent]  # most names: nothing to split
    parts = [(m.start(), m.group(0)) for m in re.finditer(r"[^,]+?(?=\s*,\s*|\s+and\s+|$)", ent.text)
             if m.group(0).strip() and m.group(0).strip() != "and"]
    parts = [(i + len(p) - len(p.lstrip()), re.sub(r"^(?:and|,)\s+", "", p.strip())) for i, p in parts]
    if len(parts) > 1 and is_place(ent.text) is False and all(is_place(p) for _, p in parts):
        out = []
        for i, p in parts:
            start = ent.start + ent.text.index(p, i)
            out.append(Entity(p, "GPE", start, start + len(p)))
        return out  # "Guanajuato and Querétaro", "Aberdeen, Inverness": a list of places
    if ent.label == "ORG" and ent.text.count(", ") == 1 and " and " not in ent.text and (
            " of " not in ent.text
            # "Department of Science & Technology, Government of India": two bodies' full names
            or all(_ORG_HEAD_ANYWHERE.search(part) for part in ent.text.split(", "))):
        a, b = ent.text.split(", ")
        # "Foreign, Commonwealth & Development Office": one body's fields, the last joined by "&"
        fields = " " not in a and " & " in b and _HEADS.search(b)
        if (a[:1].isupper() and b[:1].isupper() and not fields
                and not _LEGAL_FORM_ONLY.fullmatch(b) and not re.fullmatch(r"(?:SA|Co)\.?", b)):
            return [Entity(a, "ORG", ent.start, ent.start + len(a)),  # "Twiga Foods, Safaricom"
                    Entity(b, "ORG", ent.end - len(b), ent.end)]
    if ent.label == "ORG":
        # At the first "and"; at the last one too when the first does not part two names ("Ministry of Science,
        # Technology and Innovation and FINEP").
        ands = list(re.finditer(r"\s+and\s+(?:the\s+)?", ent.text))
        for m in ands[:1] + ands[1:][-1:]:
            a, b = ent.text[:m.start()], ent.text[m.end():]
            two_full_names = _ORG_HEAD_ANYWHERE.search(a) and (_ORG_HEAD_ANYWHERE.search(b) or re.match(r"[A-Z]{2,}\b", b))
            # Not a ministry's portfolio: "Ministry of Local Government and Regional Development" is one body.
            first_ends_in_head = (_HEADS.search(a.split()[-1]) and b[:1].isupper()
                                  and not (_PORTFOLIO_OPENING.match(a) and not _ORG_HEAD_ANYWHERE.search(b)))
            # "GD and Marchesini Group", "TotalEnergies and Simply Blue Group": a brand, then a named body
            brand_then_body = " " not in a and (re.search(r"[a-z][A-Z]", a) or a.isupper()) \
                and _ORG_HEAD_ANYWHERE.search(b)
            # "Covenant of Mayors and C40 Cities": a name opening with a coded word starts a second body
            coded_second = re.match(r"[A-Z][A-Za-z]*\d\w*\s+[A-Z]", b) and a[:1].isupper()
            # "Arena Eyde and Arena Arctic Winter Adventures", "NCE Raufoss and NCE Maritime": two names of a kind
            same_first = " " in a and " " in b and a.split()[0] == b.split()[0] and a[:1].isupper()
            # "Welspun New Energy Ltd and Reliance ...", "Kara/Noveren I/S and RGS 90 A/S": a firm's legal form ends it
            first_is_a_firm = _LEGAL_FORM_END.search(a) and b[:1].isupper()
            if two_full_names or first_ends_in_head or brand_then_body or coded_second or same_first or first_is_a_firm:
                return [Entity(a, "ORG", ent.start, ent.start + len(a)), Entity(b, "ORG", ent.start + m.end(), ent.end)]
            # "..., Nigeria and Technology & Business Hubs Network": after a comma, the place ends the list's last item
            if text[max(0, ent.start - 2):ent.start] == ", " and _place_then_body(a, b):
                return [Entity(a, place_label(a), ent.start, ent.start + len(a)),
                        Entity(b, "ORG", ent.start + m.end(), ent.end)]
    return [ent]


def _place_then_body(a: str, b: str) -> bool:
    """A known place, then "and" and a body's name: the place ends one item of a list ("Innovation Support
    Network Hubs, Nigeria and Technology & Business Hubs Network, Ghana"), unless the place's name goes on
    over the "and" ("Trinidad and Tobago Chamber of Commerce", "Bosnia and Herzegovina ...")."""
    words = b.split()
    return bool(is_place(a) and b[:1].isupper() and _ORG_HEAD_ANYWHERE.search(b)
                and not any(is_place(" ".join([a, "and", *words[:k]])) for k in (1, 2, 3)))


# A public body named for its fields: "Ministry of ...", "Norwegian Ministry of ...", "Department for ...".
_PORTFOLIO_OPENING = re.compile(rf"(?:[A-Z][\w'’-]*\s+){{0,2}}{alternation(PUBLIC_BODY_HEADS)}\s+(?:of|for)\s")


def merge_places(text: str, ents: list[Entity]) -> list[Entity]:
    """"Bosnia and" + "Herzegovina", "Castilla y" + "León", "Redcar &" + "Cleveland" → one place when the whole is a
    known place."""
    out: list[Entity] = []
    for e in sorted(ents, key=lambda e: e.start):
        if out and e.label in NAME_LABELS and out[-1].label in NAME_LABELS and e.norm is None and out[-1].norm is None:
            prev = out[-1]
            gap = text[prev.end:e.start]
            whole = text[prev.start:e.end]
            if re.fullmatch(r"\s*(?:(?:and|&|y)\s+)?", gap) and (is_place(whole) or "&" in gap
                                                                and is_place(whole.replace(" & ", " and "))):
                out[-1] = Entity(whole, "GPE", prev.start, e.end)
                continue
        out.append(e)
    return out


def _brackets_closed(text: str, ents: list[Entity]) -> list[Entity]:
    """A span that closes a bracket it did not open. "Liberty Utilities" + "St. Lawrence Gas) Corp." is one
    name with its brackets when the name before the bracket ends there, or when the model missed it and
    a legal form ends the span ("Summit Utilities (Lake Champlain Gas) Corp."); otherwise the span loses the
    bracket and what it closed ("fiscal year) 2001" → 2001), or keeps only that if nothing else but a legal
    form follows ("St. Lawrence Gas)" → St. Lawrence Gas)."""
    if not any(")" in e.text for e in ents):
        return ents
    out: list[Entity] = []
    for e in sorted(ents, key=lambda e: e.start):
        close = _UNOPENED_CLOSE.match(e.text)
        if close is None or e.norm is not None:
            out.append(e)
            continue
        prev = out[-1] if out else None
        if (prev is not None and prev.label == e.label and prev.norm is None and ")" not in prev.text
                and _OPEN_BETWEEN.fullmatch(text, prev.end, e.start)):
            out[-1] = Entity(text[prev.start:e.end], e.label, prev.start, e.end)
            continue
        after = e.text[close.end():].lstrip()
        before = close.group(1).rstrip()
        named = _NAME_BEFORE_BRACKET.search(text, max(0, e.start - 80), e.start) if _LEGAL_FORM_ONLY.fullmatch(after) else None
        if named and (prev is None or prev.end <= named.start(1)):  # "Summit Utilities (Lake Champlain Gas) Corp."
            out.append(Entity(text[named.start(1):e.end], e.label, named.start(1), e.end))
        elif after.strip(" .,;:") and not _LEGAL_FORM_ONLY.fullmatch(after):
            out.append(Entity(after, e.label, e.end - len(after), e.end))
        elif before.strip(" .,;:"):
            out.append(Entity(before, e.label, e.start, e.start + len(before)))
    return out


_LEGAL_FORM_ONLY = re.compile(rf",?\s*{_LEGAL_FORMS}\.?")
_UNOPENED_CLOSE = re.compile(r"([^()]*)\)")  # a ")" before any "(": the span starts inside brackets
_OPEN_BETWEEN = re.compile(r"\s*\(\s*")
_NAME_BEFORE_BRACKET = re.compile(r"(?<![\w&.'’-])([A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4})\s*\(\s*$")


# "MP for Preseli Pembrokeshire", "the Member of Parliament for Barrow": a member's seat follows "for".
MEMBER_FOR_BEFORE = re.compile(r"\b(?:MP|MPs|MSP|MS|AM|TD|MLA|MPP|Member\s+of\s+(?:the\s+)?(?:Parliament|Senedd|"
                                r"Congress|the\s+Legislative\s+Assembly)|Congress(?:man|woman)|[Ss]enator)\s+for\s+$")


# "Joint Centre" of Excellence Programme, "Technology Business Incubator (TBI) programme": a programme's name.
_OF_PROGRAMME_AFTER = re.compile(r"[ \t]+(?:of|for)[ \t]+(?:[A-Z][\w-]*[ \t]+){1,4}(?:Programmes?|Program|Project|Fund|Scheme)\b"
                                 r"|[ \t]+\([A-Z][A-Za-z]{1,9}\)[ \t]+(?:programmes?|programs?|schemes?|funds?)\b")


# An organisation's organ: "the Management Board", "Technical Secretariat", "Board of Directors" (no body of its own).
_ORGAN_MODIFIER = rf"{alternation(ORGAN_MODIFIERS)}\s+(?:and\s+)?"  # "Technical and Scientific Committee"
_ORGAN_WORD = alternation(ORGANS)
_OF_MEMBERS = r"\s+of\s+(?:Directors|Trustees|Governors)"
ORGAN = re.compile(rf"(?:{_ORGAN_MODIFIER})*{_ORGAN_WORD}(?:{_OF_MEMBERS})?")
# "the Board of Directors of Greentown Labs": the organ's owner is the organisation.
# Not "Committee of the Regions": without a modifier, "Committee of ..." is the body's own name.
ORGAN_OF = re.compile(rf"(?:(?:{_ORGAN_MODIFIER})+{_ORGAN_WORD}|{_ORGAN_WORD}{_OF_MEMBERS})\s+of\s+(?:the\s+)?(?=[A-Z])")


# "Minister for Business, Trade, " + "Tourism and Enterprise": the rest of an office's portfolio, no body.
_IN_PORTFOLIO = re.compile(rf"\b{alternation(PORTFOLIO_OFFICES)}\s+(?:of|for)\s+(?:[A-Z][\w-]*,\s+)+(?:and\s+)?$")


def in_portfolio(text: str, start: int) -> bool:
    """The name at ``start`` goes on an office's list of fields (tried only after a comma or "and")."""
    return ((text.endswith(", ", 0, start) or text.endswith(" and ", 0, start))
            and bool(_IN_PORTFOLIO.search(text, max(0, start - 100), start)))


def _named_organisations(text: str) -> list[Entity]:
    """Organisations recognisable by their last word ("... Cluster") or as a region's agency ("Enterprise Estonia")."""
    found = [Entity(m.group(0), "ORG", m.start(), m.end()) for m in _AGENCY_OF_PLACE.finditer(text)
             if is_place(m.group(1)) and not _FOLLOWED_BY_NAME.match(text[m.end():])
             and not VERSION_AFTER.match(text, m.end())
             and m.group(0).split()[0].upper() not in _NOT_AGENCY]
    if "e.V" in text or "e. V" in text:  # "Arena 2036 e.V.": a registered association
        found += [Entity(m.group(0), "ORG", m.start(), m.end()) for m in _REGISTERED_ASSOCIATION.finditer(text)]
    for m in _NAMED_BY_HEAD.finditer(text):
        start = m.start()
        if _FOLLOWED_BY_NAME.match(text[m.end():]) or _OF_PROGRAMME_AFTER.match(text, m.end()):
            continue  # "European Cluster Awards": the start of a longer name, or of a programme's
        if MEMBER_FOR_BEFORE.search(text, max(0, start - 40), start):
            continue  # "MP for Kitchener Centre": a member's seat, a place
        lead = re.match(rf"(?:(?:The|A|An|Our|Its|This|Each|Every|Both)\s+|{SENTENCE_LEAD.pattern}|\S+-based\s+)+",
                        m.group(0))
        if lead:
            start += lead.end()
        poss = [p for p in _INTERNAL_POSSESSIVE.finditer(text, start, m.end()) if not _possessive_in_name(text, p.start())]
        if poss:
            start = poss[-1].end()
        if (len(text[start:m.end()].split()) >= 2 and not ORGAN.fullmatch(text, start, m.end())
                and not in_portfolio(text, start)):
            found.append(Entity(text[start:m.end()], "ORG", start, m.end()))
    return filter_spans(found)  # the longest of overlapping names (filter_spans needs only start and end)


# Words without which a pattern cannot match: looked for first, as a plain search is far cheaper than
# trying a pattern that starts at every capitalised word.
_NEEDS = {
    _DG: ("DG",),
    _AUTHORITY: ("Port", "City", "Municipality"),
    _FOREIGN_INSTITUTION: _FOREIGN_HEADS,
    _ADMIN_AREA: ("Region", "Voivodeship", "Province", "County", "Oblast", "Prefecture", "Governorate", "Canton",
                  "Department"),
    _FEATURE_BEFORE: ("Bay", "Gulf", "Sea", "Strait", "Isle", "Lake", "River", "Mount", "Mt", "Salar", "Cerro",
                      "Lag", "Bahía", "Isla", "Ilha", "Serra", "Río", "Rio"),
    _SITE_BEFORE: (" wind", " windfarm", " solar"),
    _FEATURE_AFTER: ("River", "Bay", "Gulf", "Firth", "Fjord", "Estuary", "Island", "Peninsula", "Pass", "Alps",
                     "Mountains", "Strait", "Lagoon", "Harbo", "Delta", "Basin"),
}


def _matches(rx: re.Pattern, text: str):
    """``rx.finditer(text)``, skipped when a word the pattern needs is not in the text."""
    return rx.finditer(text) if any(w in text for w in _NEEDS[rx]) else ()


def _pattern_entities(text: str) -> list[Entity]:
    """Names whose shape alone says what they are; they replace what the model made of the same words."""
    found = [Entity(m.group(0), "ORG", m.start(), m.end()) for m in _matches(_DG, text)]
    found += [Entity(m.group(0), "ORG", m.start(), m.end()) for m in _matches(_AUTHORITY, text)]
    found += [Entity(m.group(0), "ORG", m.start(), m.end()) for m in _matches(_FOREIGN_INSTITUTION, text)]
    for m in _matches(_ADMIN_AREA, text):
        if not _FOLLOWED_BY_NAME.match(text[m.end():]) and not _ORG_HEAD_ANYWHERE.search(m.group(0)):
            lead = SENTENCE_LEAD.match(m.group(0))
            start = m.start() + (lead.end() if lead else 0)
            found.append(Entity(text[start:m.end()], "GPE", start, m.end()))
    for m in _matches(_SITE_BEFORE, text):
        start = m.start()
        while lead := _NOT_SITE_LEAD.match(text, start, m.end()):  # "The", "Scottish", "DONG Energy's"
            start = lead.end()
        name = text[start:m.end()]
        if name and not _NOT_SITE_LEAD.match(name + " ") and not _FIRM_WORD_IN.search(name) and not is_place(name):
            found.append(Entity(name, "LOC", start, m.end()))  # not an operator's name, nor a town's
    for rx in (_FEATURE_BEFORE, _FEATURE_AFTER):
        for m in _matches(rx, text):
            if _FOLLOWED_BY_NAME.match(text[m.end():]):
                continue  # "Dokai Bay Restoration Project": part of a longer name
            name = m.group(0)
            lead = re.match(r"(?:The|In|At|On|From|Across|Along|Near)\s+", name)
            start = m.start() + (lead.end() if lead else 0)
            name = text[start:m.end()]
            found.append(Entity(name, place_label(name) if is_place(name) else "LOC", start, m.end()))
    found = [_without_possessive(e) for e in found]
    return filter_spans(found)  # the longest of overlapping names (filter_spans needs only start and end)


POSSESSIVE_END = re.compile(r"(?:'s|’s|'|’)$")


def _without_possessive(e: Entity) -> Entity:
    """"the Port of Tyne's hub", "the Port of Rotterdam Authority's Commercial Director": the possessive and what
    follows it are not the name's (but "People's Government", "Queen's University" are names)."""
    m = POSSESSIVE_END.search(e.text)
    cut = m.start() if m else None
    for p in () if m else _INTERNAL_POSSESSIVE.finditer(e.text):
        if not _possessive_in_name(e.text, p.start()):
            cut = p.start()
            break
    return e if cut is None else Entity(e.text[:cut], e.label, e.start, e.start + cut)


def _possessive_in_name(text: str, at: int) -> bool:
    """Whether the possessive at ``at`` belongs to a name ("People's Government", "Queen's University",
    "Children's Hospital") instead of ending an owner's ("Maharashtra's Department")."""
    owner = _WORD_END.search(text, max(0, at - 20), at)  # a short window: searching from 0 reads the whole text
    return owner is not None and owner.group() in _POSSESSIVE_NAMES


_WORD_END = re.compile(r"\b\w+$")


def _holds(body: Entity, part: Entity) -> bool:
    """A body's name holds a shape-named place as part of it ("Regional Development Agency of Usti Region,
    PLC"), and so does a longer place's ("Yangtze River Delta" holds "River Delta"): the part does not
    replace it."""
    if not (body.start <= part.start and part.end <= body.end and body != part and part.label != "ORG"):
        return False
    if body.label in ("GPE", "LOC"):  # one run of capitalised words, longer than the part: not "X and Y"
        return (part.label in ("GPE", "LOC") and body.end - body.start > part.end - part.start
                and bool(_CAPITALISED_RUN.fullmatch(body.text)))
    return body.label == "ORG" and bool(_ORG_HEAD_ANYWHERE.search(body.text))


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’.-]*(?:[ -][A-Z][\w'’.-]*)*")


def repair_spans(text: str, ents: list[Entity]) -> list[Entity]:
    """The passage's entities with joins, continuations, possessives and shape-named spans put right."""
    ents = _brackets_closed(text, ents)
    named = SpanIndex(e for e in ents if e.label in NAME_LABELS and e.norm is None)
    fixed: list[Entity] = []
    for e in ents:
        if e.label not in NAME_LABELS or e.norm is not None:
            fixed.append(e)
            continue
        e = _continued(text, _joined(text, _with_particles(text, _after_possessive_name(text, e))), named)
        e = _legal_form(text, _list_continued(text, _acronym_continued(text, e, named)))
        fixed.extend(d for part in _split_possessive(e) for piece in _split_list(part, text) for d in _split_title(piece))
    fixed = merge_places(text, fixed)
    patterns = SpanIndex(_pattern_entities(text))
    out = [e for e in fixed if e.norm is not None or all(_holds(e, p) for p in patterns.overlapping(e.start, e.end))]
    kept = SpanIndex(out)
    out = SpanIndex(out + [p for p in patterns.live() if not kept.any(p.start, p.end)])
    # Names known by their last word fill gaps, or replace model spans they wholly contain
    # ("Aachen University" inside "RWTH Aachen University"), never cut a longer model span.
    for p in _named_organisations(text):
        conj = list(re.finditer(r"\s+(?:and|&)\s+", p.text))
        if conj and any(e.start >= p.start for e in out.overlapping(p.start, p.start + conj[-1].start())
                        if e.end <= p.start + conj[-1].start()):
            # "Novo Nordisk and Lund University": the model already named the first one. The second starts
            # after the "and" that ends a name of the model's ("Scottish Enterprise and Highlands and Islands
            # Enterprise"), else after the last one.
            ends = {e.end for e in out.overlapping(p.start, p.end) if e.start >= p.start}
            after_a_name = [c for c in conj if p.start + c.start() in ends]
            cut = (after_a_name or conj)[-1].end()
            p = Entity(p.text[cut:], "ORG", p.start + cut, p.end)
            if len(p.text.split()) < 2:
                continue
        inside = out.overlapping(p.start, p.end)
        if all(p.start <= e.start and e.end <= p.end and e.norm is None for e in inside):
            p = _continued(text, p, out)
            out.remove(inside)
            out.add(p)
    return filter_spans(out.live())  # two model spans that the widening made overlap: the longer stays


def missed_places(text: str, ents: list[Entity], found: list[tuple[int, int]]) -> list[Entity]:
    """Well-known places standing alone in the text that no entity covers ("in Pune", "Accra's port").

    ``found`` are the places the place ruler matched (offsets into ``text``); one is kept only when it
    is a whole run of capitalised words, less a sentence's first word and a "-based" or "'s" ending:
    the "Lyon" of "Lyon Biotech Cluster" is part of a longer name.
    """
    if not found:
        return []
    wanted = set(found)
    starts = {a for a, _ in found}
    taken = SpanIndex(ents)
    added = []
    for m in _WORD.finditer(text):
        run = m.group(0)
        lead = SENTENCE_LEAD.match(run)
        start = m.start() + (lead.end() if lead else 0)
        if start not in starts:
            continue
        name = re.sub(r"(?:-[a-z][\w-]*|'s|’s|'|’)$", "", text[start:m.end()])
        if not name or (start, start + len(name)) not in wanted:
            continue
        cand = Entity(name, place_label(name), start, start + len(name))
        if not taken.any(cand.start, cand.end) and not YEAR_PLAN_AFTER.match(text, cand.end):
            added.append(cand)
            taken.add(cand)
    return added


def date_spans(text: str, ents: list[Entity]) -> list[Entity]:
    """The passage's entities with DATE spans widened to the whole date the text writes, and full dates added.

    A written-out date replaces the DATE spans it wholly contains ("Tuesday" and "March 2025" in
    "Tuesday, 4 March 2025"); one that would cut into a name or a wider date is left alone.
    """
    # What the model must already have seen inside the shape: None, nothing (a day first or a year
    # says date), any date ("autumn of" + "2025") or a day ("April 25" + " and 26", not "March" + " 12").
    # Cheap tests first (a month's name, a season's): the patterns try many words at every position.
    lower = text.lower()
    month = _MONTH_NAMED.search(text)
    shapes = [(m, None) for m in _DAY_FIRST.finditer(text)] if month else []
    if month and "-" in text:
        shapes += [(m, None) for m in _DASHED_DATE.finditer(text)]
    if "." in text:  # not a version's number ("version 2.1.2020")
        shapes += [(m, None) for m in _DOTTED_DATE.finditer(text)
                   if not _VERSION_BEFORE.search(text[max(0, m.start() - 9):m.start()])]
    shapes += [(m, None) for m in _YEAR_RANGE.finditer(text)]
    if any(w in lower for w in ("this", "last", "next")):
        shapes += [(m, None) for m in _RELATIVE.finditer(text)]
    if "FY" in text or "fiscal" in lower or "financial" in lower:
        shapes += [(m, None) for m in _FISCAL_YEAR.finditer(text)]
    if " ago" in text:
        shapes += [(m, None) for m in _AGO.finditer(text)]
    if "oday" in lower or "esterday" in lower:
        shapes += [(m, None) for m in _THIS_DAY.finditer(text)]
    if month:
        shapes += [(m, None if m.group("year") else r"\d") for m in _MONTH_FIRST.finditer(text)]
    if any(w in lower for w in ("spring", "summer", "autumn", "fall", "winter")):
        shapes += [(m, "") for m in _SEASON_YEAR.finditer(text)]
    if " of " in text and any(w in lower for w in ("year", "decade", "century")):
        shapes += [(m, None) for m in _PART_OF_PERIOD.finditer(text)]
    if "H1" in text or "H2" in text:
        shapes += [(m, None) for m in _HALF_YEAR.finditer(text)]
    if not shapes:
        return sorted(ents, key=lambda e: e.start)
    out = SpanIndex(ents)
    for m, need in sorted(shapes, key=lambda s: (s[0].start(), -s[0].end())):
        found = Entity(m.group(0), "DATE", m.start(), m.end())
        inside = out.overlapping(found.start, found.end)
        # "(Mar 3)": a month the model took for a name is the date's too.
        months = [e for e in inside if e.label != "DATE" and e.norm is None and _MONTH_NAMED.fullmatch(e.text)]
        if any(e.label != "DATE" and e not in months or e.start < found.start or e.end > found.end
               or e.end - e.start == len(found.text) for e in inside):
            continue
        if need is not None and not months and not any(re.search(need, e.text) for e in inside):
            continue
        out.remove(inside)
        out.add(found)
    return sorted(out.live(), key=lambda e: e.start)
