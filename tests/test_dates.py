"""Dates in cluster news: whole spans, one entity per range, relative dates resolved, durations left out.

Each case runs a passage through the real spaCy pipeline and its refinement components (``document_entities``)
with a publication date, as a batch run does.
"""

from __future__ import annotations

import pytest

from pipeline.annotate import document_entities
from pipeline.entities import is_calendar_date, iso_date

PUBLISHED = "2024-06-14"  # a Friday, in ISO week 24


def dates_of(nlp, paragraphs: list[str], published: str | None = PUBLISHED) -> list[tuple[str, str | None]]:
    passages = next(document_entities(nlp, [(paragraphs, published)]))
    return [(e.text, e.iso) for para in passages for e in para if e.label == "DATE"]


def test_a_dateline_keeps_its_day(nlp):
    found = dates_of(nlp, ["PRESS RELEASE – Tampere, 5 February 2024. The Finnish Battery Cluster and the city of "
                           "Tampere opened a shared pilot line for cell recycling.",
                           "The deliverable D2.1, version 1.1, was submitted 28 February 2025 to the Commission."])
    assert ("5 February 2024", "2024-02-05") in found
    assert ("28 February 2025", "2025-02-28") in found
    assert not any(t in {"February 2024", "February 2025"} for t, _ in found)


def test_year_months_are_months_and_year_ranges_stay_ranges(nlp):
    found = dates_of(nlp, ["The cluster adopted its smart specialisation roadmap in 2024-06 and signed the grant "
                           "agreement on 2024-06-14.",
                           "Members' exports grew by a third over 2019-2023, while the previous strategy ran "
                           "2019–23 and the first one 2012–2018."])
    assert ("2024-06", "2024-06") in found
    assert ("2024-06-14", "2024-06-14") in found
    assert ("2019-2023", "2019/2023") in found
    assert ("2019–23", "2019/2023") in found
    assert ("2012–2018", "2012/2018") in found


def test_a_weekday_before_the_date_is_part_of_it(nlp):
    found = dates_of(nlp, ["The steering group meets on Monday 10 June 2024 in Oulu to approve the work plan.",
                           "Registration for the matchmaking day closes on Tuesday, 4 March 2025, at noon.",
                           "The next site visit to the Eindhoven campus is on Fri 3 May, with a lunch for members."])
    assert ("Monday 10 June 2024", "2024-06-10") in found
    assert ("Tuesday, 4 March 2025", "2025-03-04") in found
    assert ("Fri 3 May", "2024-05-03") in found  # the year is the publication's
    assert not any(t in {"Tuesday", "March 2025"} for t, _ in found)


@pytest.mark.parametrize("sentence,span,iso", [
    ("The brokerage event takes place on 25 and 26 April in Bilbao.", "25 and 26 April", "2024-04-25/2024-04-26"),
    ("The brokerage event takes place on 25-26 April in Bilbao.", "25-26 April", "2024-04-25/2024-04-26"),
    ("Training workshops run from 25 to 26 April 2024 at the science park in Braga.", "25 to 26 April 2024",
     "2024-04-25/2024-04-26"),
    ("The delegation visits battery suppliers in Detroit on April 25 and 26 before flying to Toronto.",
     "April 25 and 26", "2024-04-25/2024-04-26"),
    ("The annual conference takes place in Albi on 2–3 October 2025, hosted by the engineering school.",
     "2–3 October 2025", "2025-10-02/2025-10-03"),
])
def test_a_range_of_days_is_one_entity(nlp, sentence, span, iso):
    found = dates_of(nlp, [sentence])
    assert (span, iso) in found
    assert len(found) == 1


def test_two_full_dates_joined_by_to_stay_two(nlp):
    found = dates_of(nlp, ["The BLUE-PORTS project ran from 1 April 2021 to 30 September 2022 in four ports."])
    assert ("1 April 2021", "2021-04-01") in found and ("30 September 2022", "2022-09-30") in found


@pytest.mark.parametrize("sentence,span", [
    ("The memorandum with the Lyon health cluster was signed on the 3rd February 2020.", "3rd February 2020"),
    ("The memorandum with the Lyon health cluster was signed on the 3rd of February 2020.", "3rd of February 2020"),
    ("The memorandum with the Lyon health cluster was signed on February 3rd, 2020, in Lyon.", "February 3rd, 2020"),
])
def test_ordinal_days_are_kept_without_the_article(nlp, sentence, span):
    assert (span, "2020-02-03") in dates_of(nlp, [sentence])


def test_relative_dates_are_kept_and_resolved_against_the_publication_date(nlp):
    paragraphs = ["The Basque energy cluster today announced twelve new members; a second office opened yesterday "
                  "in Bilbao.",
                  "Members' exports rose 12 per cent this year, after a weak result last year, and should grow "
                  "again next year.",
                  "The board approved the budget this month, after members were consulted last month; the general "
                  "assembly votes on it next month.",
                  "Partners met in Graz last week and meet again in Linz this week.",
                  "The association will present the findings this autumn."]
    found = dict(dates_of(nlp, paragraphs))
    assert found["today"] == "2024-06-14" and found["yesterday"] == "2024-06-13"
    assert (found["this year"], found["last year"], found["next year"]) == ("2024", "2023", "2025")
    assert (found["this month"], found["last month"], found["next month"]) == ("2024-06", "2024-05", "2024-07")
    assert (found["last week"], found["this week"]) == ("2024-W23", "2024-W24")
    assert found["this autumn"] == "2024"


def test_relative_dates_without_a_publication_date_are_kept_without_iso(nlp):
    found = dates_of(nlp, ["The cluster opened its hydrogen test centre last month and expects its first "
                           "industrial users next year."], published=None)
    assert ("last month", None) in found and ("next year", None) in found


def test_durations_ages_frequencies_and_project_months_are_not_dates(nlp):
    found = dates_of(nlp, ["The cluster has grown for three years, and the pilot will run for six months, or "
                           "18 months at most; permits take 12 to 18 months, and a decade ago none existed.",
                           "Founded by a 45-year-old engineer, the start-up employs 30 people; in its first 24 "
                           "months it incubated 41 ventures.",
                           "Questions are answered every Thursday, and deliverable D3.3 is due in month 30 of the "
                           "project.",
                           "Between 2012 and 2018 the country's technology parks went from 12 to 49, and the two new "
                           "incubator buildings, Blocks 73 and 79, opened."])
    texts = {t for t, _ in found}
    assert not texts & {"three years", "six months", "18 months", "12", "12 to 18 months", "45-year-old",
                        "its first 24 months", "Thursday", "month 30", "12 to 49", "49", "73 and 79", "79"}
    # A time counted back from the day of writing is a date, as the annotators' rulings have it.
    assert {t for t, _ in found} == {"a decade ago", "2012", "2018"}


def test_words_after_a_date_that_name_a_duration_are_dropped(nlp):
    found = dates_of(nlp, ["Chair Anna van der Merwe will step down in November after seven years in the post."])
    assert ("November", "2024-11") in found


@pytest.mark.parametrize("text,published,iso", [
    ("2024-06", None, "2024-06"),
    ("2010-11", None, "2010/2011"),  # a range wherever a range is possible
    ("2019–23", None, "2019/2023"),
    ("2024-2019", None, None),
    ("Sat 15 June", "2024-06-14", "2024-06-15"),
    ("25 and 26 April", None, None),
    ("30 April to 2 May 2024", None, "2024-04-30/2024-05-02"),
    ("September 14 and 18, 2020", None, "2020-09-14/2020-09-18"),
    ("26 and 25 April 2024", None, None),
    ("31-32 May 2024", None, None),
    ("last week", "2024-01-03", "2023-W52"),
    ("last month", "2024-01-20", "2023-12"),
    ("next quarter", "2024-11-02", "2025-Q1"),
    ("today", "2024", None),  # a publication year alone gives no day
    ("last year", "2024", "2023"),
    ("last winter", "2024-06-14", None),  # which winter depends on the hemisphere and the month
    ("summer 2022", None, "2022"),
    ("earlier this year", "2024-06-14", "2024"),
    ("fiscal 2025", None, None),  # fiscal years start in April, July or October: not the calendar year
    ("Tuesday", "2024-06-14", None),  # last Tuesday or next one: the tense decides
])
def test_iso_forms_of_written_dates(text, published, iso):
    assert iso_date(text, published) == iso


@pytest.mark.parametrize("text,is_date", [
    ("the 21st century", True), ("more than 30 years ago", True), ("25 and 26 April", True), ("2018-19", True),
    ("Phase 1", False), ("12 to 49", False), ("20-29", False), ("those 31", False), ("last 10", False),
    ("over the next 3 to 5 years", False),
])
def test_small_numbers_need_a_month_a_century_or_ago_to_be_a_date(text, is_date):
    assert is_calendar_date(text) is is_date


def test_a_budget_year_is_a_date_and_the_word_years_before_a_year_is_not_part_of_it(nlp):
    found = dates_of(nlp, ["In FY2023/24 the cluster grew its membership by 18%, and the financial year 2021-22 "
                           "closed with a surplus.",
                           "The evaluation covers the years 2014 to 2020 in the Midlands."])
    texts = [t for t, _ in found]
    assert "FY2023/24" in texts and "financial year 2021-22" in texts
    assert "2014" in texts and not any(t.startswith("years") for t in texts)


def test_days_of_one_month_before_the_year_stay_one_range(nlp):
    found = [t for t, _ in dates_of(nlp, ["The conference will be hosted in Kigali from June 9 to 13 in 2025, "
                                          "after a tour between March 14 and 20, 2021."])]
    assert "June 9 to 13 in 2025" in found and "March 14 and 20, 2021" in found
    assert not any(t.startswith(("13", "20")) for t in found)


def test_today_and_yesterday_are_dates_but_not_inside_a_name():
    """The NER trained on our rounds leaves some "today"s out (our annotators tagged 126 of 142); a capitalised
    "Today" after a name ("Europe Today") is a publication's name, not a date."""
    from pipeline.entity_spans import date_spans

    text = "The cluster today opened its office, as Europe Today reported yesterday. Today the park is full."
    assert [e.text for e in date_spans(text, [])] == ["today", "yesterday", "Today"]
    assert [e.start for e in date_spans(text, [])] == [12, 62, 73]
