"""Entity refinement on small documents, with the real spaCy pipeline underneath."""

from __future__ import annotations

import json

import pytest

from pipeline.annotate import document_entities, load_spacy
from pipeline.entities import acronyms_of, fold, iso_date, is_calendar_date


def refined(nlp, paragraphs, published=None):
    """The entities of each paragraph, the paragraphs read as one document, as a run reads them."""
    return next(document_entities(nlp, [(paragraphs, published)]))


def by_text(ents):
    return {(e.text, e.label) for para in ents for e in para}


def test_acronym_is_linked_to_its_long_form_and_bare_uses_count_as_the_same_organisation(nlp):
    paras = ["The Baltic Sea Innovation Network (BSIN) opened a call for cluster partnerships in Brussels.",
             "Applications go through BSIN, which will publish the results in June 2024."]
    ents = refined(nlp, paras)
    found = [e for p in ents for e in p if e.text == "BSIN"]
    assert len(found) == 2 and all(e.label == "ORG" for e in found)
    assert all(e.norm == "Baltic Sea Innovation Network" for e in found)
    long_form = [e for e in ents[0] if e.text == "Baltic Sea Innovation Network"]
    assert long_form and long_form[0].label == "ORG"


def test_a_long_form_in_another_european_language_keeps_its_small_words():
    text = ("The Agence Française pour le Développement (AFD), the Banco Nacional de Desenvolvimento Econômico e "
            "Social (BNDES) and the Verein für Innovation und Technologie (VIT) co-finance the hub.")
    assert acronyms_of(text) == {"AFD": "Agence Française pour le Développement",
                                 "BNDES": "Banco Nacional de Desenvolvimento Econômico e Social",
                                 "VIT": "Verein für Innovation und Technologie"}


def test_a_long_form_in_quotes_defines_its_acronym_and_a_programmes_acronym_is_no_body(nlp):
    text = ('The two agencies signed an MOU to run the "Joint Materials Research Program" (JMRP). '
            "The JMRP funds workshops in Osaka and Singapore.")
    assert acronyms_of(text) == {"JMRP": "Joint Materials Research Program"}
    found = by_text(refined(nlp, [text]))
    assert not any(t == "JMRP" for t, _ in found)


def test_a_short_name_made_of_its_words_first_syllables_is_defined_by_its_long_form():
    text = ("The MoU was signed between Maritime Norway (Marnor), the Clean Technology Accelerator Program "
            "(CleanTAP) and two firms, Centre Francilien (France) and Siemens Energy (Germany).")
    found = acronyms_of(text)
    assert found.get("Marnor") == "Maritime Norway"
    assert not {"CleanTAP", "France", "Germany"} & found.keys()


def test_acronyms_of_finds_the_long_form_whose_initials_fit():
    text = "Members of the Estonian Hydrogen Cluster (EHC) met in Tallinn with the Port of Muuga (PoM)."
    assert acronyms_of(text)["EHC"] == "Estonian Hydrogen Cluster"


def test_one_name_gets_one_label_and_one_canonical_name_across_a_document(nlp):
    paras = ["Silicon Saxony signed an agreement with the Dresden University of Technology last year.",
             "Silicon Saxony's members voted for the plan; Silicon Saxony will present it in Leipzig.",
             "According to Silicon Saxony, the network now has 500 members."]
    ents = refined(nlp, paras, "2024-05-01")
    labels = {e.label for p in ents for e in p if fold(e.text) == "silicon saxony"}
    assert len(labels) == 1
    norms = {e.norm for p in ents for e in p if fold(e.text) == "silicon saxony"}
    assert norms == {"Silicon Saxony"}


def test_leading_the_and_possessives_are_not_part_of_the_name(nlp):
    [ents] = refined(nlp, ["The European Commission's new cluster strategy was presented by the European Commission in Brussels."])
    names = [e.text for e in ents if e.label == "ORG"]
    assert names and all(n == "European Commission" for n in names)


@pytest.mark.parametrize("text,published,iso", [
    ("13 December", "2018-11-01", "2018-12-13"),
    ("1 November 2018", None, "2018-11-01"),
    ("March 2024", None, "2024-03"),
    ("2016-2018", None, "2016/2018"),
    ("between 2024 and 2030", None, "2024/2030"),
    ("last year", "2024-02-10", "2023"),
    ("Q3 2025", None, "2025-Q3"),
    ("the third quarter of 2025", None, "2025-Q3"),
    ("the second half of 2019", None, "2019"),
    ("7-8 October 2025", None, "2025-10-07/2025-10-08"),
    ("13 December", None, None),
    ("5. October 2020", None, "2020-10-05"),
])
def test_dates_get_iso_forms(text, published, iso):
    assert iso_date(text, published) == iso


@pytest.mark.parametrize("text", ["three years", "3 years", "every quarter", "the Year", "a decade", "another year",
                                  "the first two years", "six months", "3010", "12000",
                                  "101764, 44017"])
def test_durations_and_award_titles_are_not_dates(text):
    assert not is_calendar_date(text)


def test_a_day_written_with_the_ordinals_full_stop_is_part_of_the_date(nlp):
    [ents] = refined(nlp, ["5. October 2020: the ministry appointed the cluster, which will run from 2021 to 2024."])
    dates = {e.text: e.iso for e in ents if e.label == "DATE"}
    assert dates.get("5. October 2020") == "2020-10-05"


def test_a_firm_whose_name_ends_in_its_legal_form_is_not_run_into_the_next_and_a_fiscal_year_is_a_date(nlp):
    paras = ["Diesel is sourced from Coastal Refining Corporation Limited, Western Petroleum Corporation Limited "
             "and Indian Oil.",
             "The scheme developed 17 clusters in FY19, up from 13 in FY18, and 160 MSMEs joined."]
    found = by_text(refined(nlp, paras))
    assert {("Western Petroleum Corporation Limited", "ORG"), ("Indian Oil", "ORG"), ("FY18", "DATE"),
            ("FY19", "DATE")} <= found
    assert not any(t == "MSMEs" for t, _ in found)


def test_a_count_of_four_digits_that_is_no_year_is_no_date(nlp):
    paras = ["In two years the partnerships held 370 cluster meetings and 3010 business meetings, and signed 39 "
             "agreements by March 2019."]
    found = by_text(refined(nlp, paras))
    assert ("March 2019", "DATE") in found
    assert not any(t.startswith("3010") for t, _ in found)


def test_non_dates_are_dropped_and_dates_resolved_against_publication(nlp):
    paras = ["Anna Berg was named Cluster Manager of the Year after three years in the job.",
             "The partners meet again on 13 December to sign the agreement."]
    ents = refined(nlp, paras, "2018-11-01")
    dates = [(e.text, e.iso) for p in ents for e in p if e.label == "DATE"]
    assert ("13 December", "2018-12-13") in dates
    assert not any("Year" in t or "years" in t for t, _ in dates)


def test_programmes_are_not_organisations_and_common_abbreviations_are_not_recovered(nlp):
    [ents] = refined(nlp, ["The CEO said the Horizon Europe grant and the Just Transition Fund pay for the AI pilots "
                           "run by VIETAQUA in Can Tho."])
    names = by_text([ents])
    assert ("VIETAQUA", "ORG") in names
    assert not any(t in {"Horizon Europe", "Just Transition Fund", "CEO", "AI"} for t, _ in names)


def test_a_programme_named_after_a_region_is_no_place_the_span_repair_finds_by_its_shape(nlp):
    """"Interreg North Sea Region" has a region's shape ("... Region"), which the span repair adds as a place
    after the rules ran; it is a programme, and goes as the programme rule drops the model's programmes. A
    region of that shape that is no programme's stays."""
    [ents] = refined(nlp, ["Membership fees now cover 38% of the secretariat's budget; the rest still comes from the "
                           "Interreg North Sea Region programme, which ends in 2027. Most members are based in the "
                           "Central Denmark Region."])
    names = by_text([ents])
    assert not any("Interreg" in t or "North Sea" in t for t, _ in names)
    assert ("Central Denmark Region", "GPE") in names and ("2027", "DATE") in names


def test_a_government_body_keeps_its_whole_name_whatever_its_fields_and_last_word(nlp):
    """A ministry named for its fields is one body: its last word may be a programme's ("... Industrial
    Strategy"), its fields may be joined by a comma and "&" ("Foreign, Commonwealth & Development Office"); an
    acronym defined for its name without the country before it is the same body ("UK Department for
    International Development (DFID)")."""
    paras = ["The Department for Business, Energy and Industrial Strategy funded the pilot, and the Department for "
             "Environment, Food and Rural Affairs reviewed it, as did the UK Department for International Development "
             "(DFID).",
             "DFID later handed the programme to the Foreign, Commonwealth & Development Office in 2020, while the "
             "National Hydrogen Strategy set the targets."]
    out = refined(nlp, paras)
    orgs = {(e.text, e.norm) for para in out for e in para if e.label == "ORG"}
    assert {"Department for Business, Energy and Industrial Strategy", "Foreign, Commonwealth & Development Office",
            "Department for Environment, Food and Rural Affairs"} <= {t for t, _ in orgs}
    assert not any(t in ("Foreign", "National Hydrogen Strategy") for t, _ in orgs)
    assert {n for t, n in orgs if "International Development" in t or t == "DFID"} == {
        "Department for International Development"}


def test_a_name_missed_between_two_organisations_of_a_list_is_one_and_is_not_run_into_the_next(nlp):
    """"Enel Green Power, HIF Global and the Universidad de Magallanes": the model missed the middle name, which
    the list makes an organisation; "Global" is an adjective, yet "and the" starts the next name. A known place
    in such a list stays a place."""
    [ents] = refined(nlp, ["The ministry launched a green hydrogen consortium on 3 April 2023, with Enel Green Power, "
                           "HIF Global and the Universidad de Magallanes among its founding members, and with Enel "
                           "Green Power, Chile and the Universidad de Magallanes as hosts."])
    names = by_text([ents])
    assert {("Enel Green Power", "ORG"), ("HIF Global", "ORG"), ("Universidad de Magallanes", "ORG")} <= names
    assert ("Chile", "GPE") in names and not any(" and " in t for t, _ in names)


def test_a_place_named_with_a_government_bodys_head_after_it_is_the_body(nlp):
    """The model tags "Ho Chi Minh City Department of Science and Technology" as a place: it is a department."""
    [ents] = refined(nlp, ["In Vietnam, the Saigon Hi-Tech Park and the Ho Chi Minh City Department of Science and "
                           "Technology opened an incubator for climate start-ups last year."])
    names = by_text([ents])
    assert ("Ho Chi Minh City Department of Science and Technology", "ORG") in names and ("Vietnam", "GPE") in names


def test_a_name_is_not_carried_over_on_and_a_weekday_or_a_month(nlp):
    """"Ministry of Economic Affairs" goes on over "of"; "Hamburg Hydrogen Network on Friday" does not."""
    [ents] = refined(nlp, ["Minister Robert Habeck visited the Hamburg Hydrogen Network on Friday, and the Scottish "
                           "Enterprise board on Monday approved a new round of cluster grants."])
    names = by_text([ents])
    assert {("Hamburg Hydrogen Network", "ORG"), ("Friday", "DATE"), ("Monday", "DATE")} <= names
    assert not any(" on " in t for t, _ in names)


def test_a_name_known_by_its_shape_leaves_its_possessive_out(nlp):
    [ents] = refined(nlp, ["Researchers from the University of Cape Town joined the Port of Tyne's clean-energy hub "
                           "and the City of Cape Town’s climate office."])
    names = by_text([ents])
    assert {("Port of Tyne", "ORG"), ("City of Cape Town", "ORG")} <= names
    assert not any(t.endswith(("'s", "’s")) for t, _ in names)


def test_a_crown_prince_is_a_person_without_the_title_and_arabic_particles_stay_in_the_name(nlp):
    [ents] = refined(nlp, ["Saudi Arabia's hydrogen venture, backed by Crown Prince Mohammed bin Salman, signed a deal "
                           "with Air Products and ACWA Power."])
    names = by_text([ents])
    assert ("Mohammed bin Salman", "PERSON") in names and not any("Prince" in t for t, _ in names)


def test_a_place_found_by_its_shape_does_not_cut_a_longer_place_the_model_found(nlp):
    """"River Delta" has a feature's shape; the model's "Yangtze River Delta" and "Salt Lake City" stay whole. A
    model span joining two places by "and" is not one place."""
    [ents] = refined(nlp, ["Firms in the Greater Bay Area and the Yangtze River Delta met investors from Salt Lake "
                           "City, as did the North Region of Portugal and South Yorkshire."])
    names = by_text([ents])
    assert {("Yangtze River Delta", "LOC"), ("Salt Lake City", "GPE")} <= names
    assert not any(t in ("River Delta", "Lake City") or " and " in t for t, _ in names)


def test_gazetteer_teaches_names_and_their_canonical_form(tmp_path):
    gaz = tmp_path / "g.toml"
    gaz.write_text('[[entity]]\nname = "Climate-KIC"\nlabel = "ORG"\naliases = ["Climate KIC"]\n\n'
                   '[[entity]]\nname = "Rubavu"\nlabel = "GPE"\n')
    nlp = load_spacy(gazetteer=gaz)
    paras = ["Founders from Rubavu joined the climate kic accelerator, and Climate-KIC paid for their travel."]
    [ents] = refined(nlp, paras)
    got = {(e.text, e.label, e.norm) for e in ents}
    assert ("Rubavu", "GPE", "Rubavu") in got
    assert ("climate kic", "ORG", "Climate-KIC") in got and ("Climate-KIC", "ORG", "Climate-KIC") in got


def test_evaluate_entities_reports_raw_and_refined_figures(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    text = "The Baltic Hydrogen Cluster (BHC) met in Tallinn on 18 March 2024. BHC will meet again in Riga."
    spans = [("Baltic Hydrogen Cluster", "ORG"), ("BHC", "ORG"), ("Tallinn", "GPE"), ("18 March 2024", "DATE"),
             ("Riga", "GPE")]
    ents, pos = [], 0
    for s, label in spans:
        start = text.index(s, pos)
        ents.append({"text": s, "label": label, "start": start, "end": start + len(s)})
        pos = start + len(s)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"text": text, "entities": ents, "doc": "d"}) + "\n")
    result = CliRunner().invoke(app, ["evaluate-entities", "--gold", str(gold), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cluster_lessons"]["ORG"]["f1"] >= report["raw_spacy"]["ORG"]["f1"]
    assert report["cluster_lessons"]["ORG"]["recall"] == 1.0


def test_loose_scoring_forgives_a_leading_the_and_a_possessive_on_either_side():
    from pipeline.entity_eval import entity_report, loosened
    from pipeline.records import Entity

    text = "The Baltic Hydrogen Cluster's members met the Tallinn city government in May 2024."
    gold = [{"text": text, "entities": [{"text": "The Baltic Hydrogen Cluster", "label": "ORG", "start": 0, "end": 27},
                                         {"text": "Tallinn", "label": "GPE", "start": 46, "end": 53}]}]
    predicted = [[Entity("Baltic Hydrogen Cluster's", "ORG", 4, 29), Entity("the Tallinn", "GPE", 42, 53)]]
    assert entity_report(gold, predicted)["all"]["f1"] == 0.0
    loose = entity_report(gold, predicted, loose=True)
    assert loose["ORG"]["f1"] == 1.0 and loose["places"]["f1"] == 1.0
    assert loosened("the", 0, 3) == (0, 3)  # nothing left to match: the span stays as it is


@pytest.mark.parametrize("pipeline", ["nlp", "base_nlp"])
def test_names_split_by_the_tokenizer_are_put_back_together(pipeline, request):
    # The base model tags pieces of "TU/e" that the rules rejoin; the tuned NER misses it whole,
    # so it is asserted for the base model only (a known gap of the tuned NER).
    nlp = request.getfixturevalue(pipeline)
    paras = ["The battery consortium brings together UPV/EHU, TU/e and the Port of Antwerp-Bruges, with a pilot line "
             "in Vitoria-Gasteiz and a second site in Auvergne-Rhône-Alpes.",
             "Officials from DG GROW and DG REGIO visited the Kaunas-based start-ups in March 2024."]
    found = by_text(refined(nlp, paras))
    for name in ["UPV/EHU", *(["TU/e"] if pipeline == "base_nlp" else []), "Port of Antwerp-Bruges", "DG GROW",
                 "DG REGIO"]:
        assert (name, "ORG") in found, name
    places = {t for t, lab in found if lab in ("GPE", "LOC")}
    assert {"Vitoria-Gasteiz", "Auvergne-Rhône-Alpes", "Kaunas"} <= places
    assert not {"GROW", "REGIO", "TU", "Gasteiz"} & {t for t, _ in found}


def test_official_names_are_not_cut_at_and_or_of_and_two_bodies_are_not_run_together(nlp):
    paras = ["The Federal Ministry for Economic Affairs and Climate Action co-funds the Investment and Development "
             "Agency of Latvia pilot, together with Lund University and Chalmers University of Technology.",
             "Maharashtra's Department of Agriculture has joined the programme.",
             "Funded by: Ministry of Local Government and Rural Development, Ghana",
             "The Brazilian Ministry of Science, Technology and Innovation and FINEP have revealed a funding line."]
    found = by_text(refined(nlp, paras))
    assert ("Ministry of Local Government and Rural Development", "ORG") in found  # not cut after "Government"
    assert {("Brazilian Ministry of Science, Technology and Innovation", "ORG"), ("FINEP", "ORG")} <= found
    assert ("Federal Ministry for Economic Affairs and Climate Action", "ORG") in found
    assert ("Investment and Development Agency of Latvia", "ORG") in found
    assert ("Lund University", "ORG") in found
    assert not any("Lund University and" in t for t, _ in found)
    assert ("Maharashtra", "GPE") in found and ("Department of Agriculture", "ORG") in found


def test_places_the_model_misses_or_calls_organisations_are_found(nlp):
    paras = ["Pilots run in Pune and Accra, and a third one near Grenoble, where the cluster rents space from the "
             "Lyon Biotech Cluster.",
             "Water is drawn from the Ohio River; the ferry crosses the Bay of Biscay and the Cromarty Firth.",
             "Bosnia and Herzegovina joined the network in 2023, as did partners in Ouarzazate."]
    found = by_text(refined(nlp, paras))
    places = {t for t, lab in found if lab in ("GPE", "LOC")}
    assert {"Pune", "Accra", "Grenoble", "Ohio River", "Bay of Biscay", "Cromarty Firth", "Bosnia and Herzegovina",
            "Ouarzazate"} <= places
    assert "Lyon" not in places  # part of the cluster's name, not a mention of the city
    assert ("Lyon Biotech Cluster", "ORG") in found


def test_a_country_written_by_its_official_name_is_a_place(nlp):
    # ISO 3166 writes it "Korea, Republic of"; reports write "the Republic of Korea".
    paras = ["Exports went mainly to Japan (12 firms), Brazil (4 firms) and the Republic of Korea (3 firms)."]
    found = by_text(refined(nlp, paras))
    assert ("Republic of Korea", "GPE") in found
    assert ("Republic of Korea", "ORG") not in found


def test_organisations_known_by_their_last_word_or_as_a_regions_agency_are_recovered(nlp):
    paras = ["The Croatian Maritime Cluster and the Polish Electromobility Chamber signed the letter, as did "
             "Enterprise Estonia and Invest in Skåne.",
             "Researchers from RWTH Aachen University and the Universidad Católica del Norte will evaluate it."]
    found = by_text(refined(nlp, paras))
    for name in ["Croatian Maritime Cluster", "Polish Electromobility Chamber", "Enterprise Estonia",
                 "Invest in Skåne", "RWTH Aachen University", "Universidad Católica del Norte"]:
        assert (name, "ORG") in found, name
    assert ("Estonia", "GPE") not in found and ("Skåne", "GPE") not in found


def test_two_named_bodies_joined_by_and_stay_two(nlp):
    paras = ["The pilot is run by Siemens Energy and Fraunhofer Institute for Solar Energy Systems in Freiburg, with "
             "the Ministry of Economic Affairs and Climate Policy as observer."]
    found = by_text(refined(nlp, paras))
    assert not any(" and Fraunhofer" in t for t, _ in found)
    assert ("Ministry of Economic Affairs and Climate Policy", "ORG") in found


def test_a_one_word_person_without_first_name_or_title_is_an_organisation(nlp):
    paras = ["The utility Tauron has promised to buy the output of the first electrolyser.",
             "Ignitis and Ukrenergo signed a memorandum on balancing services in 2024.",
             "Professor Virtanen argued that the gains were concentrated in a few large firms.",
             "Lesson learned: a shared lesson plan for apprentices kept the partners together."]
    found = by_text(refined(nlp, paras))
    assert ("Tauron", "ORG") in found and ("Ukrenergo", "ORG") in found
    assert ("Virtanen", "PERSON") in found  # a title says person


def test_a_cited_author_stays_a_person(nlp):
    paras = ["Following Porter (1990), the study treats clusters as a source of rivalry as much as cooperation.",
             "Later work (Delgado, Porter and Stern, 2014) found that strong clusters raise employment growth.",
             "As Etzkowitz et al. 2000 put it, universities become a third actor beside firms and government."]
    found = by_text(refined(nlp, paras))
    assert ("Porter", "PERSON") in found and ("Etzkowitz", "PERSON") in found
    assert ("Porter", "ORG") not in found
    assert not any(t == "Lesson" for t, _ in found)  # the document writes "lesson" too: a word, not a name


def test_date_spans_lose_layout_separators_lead_phrases_and_trailing_words(nlp):
    from pipeline.entities import split_date
    from pipeline.records import Entity

    def pieces(text):
        return [e.text for e in split_date(Entity(text, "DATE", 0, len(text)))]

    assert pieces("12 | 14 June 2024") == ["14 June 2024"]
    assert pieces("no earlier than January 2026") == ["January 2026"]
    assert pieces("year ended 31 December 2024") == ["31 December 2024"]
    assert pieces("2022–2023 season") == ["2022–2023"]
    assert pieces("last year") == ["last year"]


def test_currencies_press_release_words_and_parts_of_the_world(nlp):
    paras = ["FOR IMMEDIATE RELEASE. The fund lends GEL 12 million to start-ups in Tbilisi, said the Minister of "
             "Economy and Sustainable Development.",
             "Exporters in the Caucasus and Central Asia ship through the Black Sea ports.",
             'Media release: "Industry precincts to create jobs", Media Release, Minister for Industry, 17 Feb 2013']
    found = by_text(refined(nlp, paras))
    names = {t for t, _ in found}
    assert not {"GEL", "FOR", "IMMEDIATE", "Media Release"} & names
    assert {("Caucasus", "LOC"), ("Central Asia", "LOC")} <= found


def test_names_with_adjectives_commas_and_job_titles_found_by_a_newcomer(nlp):
    paras = ["The Kenya Agricultural and Livestock Research Organization (KALRO) and the Socio-Economic and "
             "Environmental Research Institute signed with Twiga Foods, Safaricom and the Minister of ICT and "
             "Innovation. The Foreign, Commonwealth and Development Office (FCDO) co-funds it.",
             "Between January and March 2024 the pilot ran; the 2019–2022 strategy ended. FCDO will review it."]
    ents = refined(nlp, paras, published="2025-02-01")
    found = by_text(ents)
    for name in ["Kenya Agricultural and Livestock Research Organization",
                 "Socio-Economic and Environmental Research Institute", "Twiga Foods", "Safaricom"]:
        assert (name, "ORG") in found, name
    assert not {"Innovation", "ICT", "Twiga Foods, Safaricom", "Kenya Agricultural"} & {t for t, _ in found}
    fcdo = [e for p in ents for e in p if e.text == "FCDO"]
    assert fcdo and all(e.norm == "Foreign, Commonwealth and Development Office" for e in fcdo)
    iso = {e.text: e.iso for p in ents for e in p if e.label == "DATE"}
    assert iso["January"] == "2024-01" and iso["2019–2022"] == "2019/2022"


def test_person_names_run_on_over_particles(nlp):
    paras = ["Dr. Maria van den Berg, who chairs the board, spoke first. Commission President Ursula von der "
             "Leyen opened the summit."]
    found = by_text(refined(nlp, paras))
    assert ("Maria van den Berg", "PERSON") in found and ("Ursula von der Leyen", "PERSON") in found
    assert not {"Berg", "Leyen", "Maria van", "Ursula von"} & {t for t, _ in found}


def test_the_first_word_of_a_job_title_is_not_an_organisation(nlp):
    found = by_text(refined(nlp, ["Cabinet Secretary for Agriculture Mithika Linturi opened the hub with "
                                  "Safaricom in Nakuru."]))
    assert ("Safaricom", "ORG") in found and ("Nakuru", "GPE") in found
    assert not any(t == "Cabinet" or t.startswith("Agriculture") for t, _ in found)


def test_the_default_pipeline_runs_the_ner_tuned_on_cluster_news(nlp):
    from pipeline.annotate import spacy_model_info, tuned_ner_id

    assert spacy_model_info(nlp)["ner"] == tuned_ner_id() and tuned_ner_id().startswith("ner-tuned-")
    paras = ["Energy Cluster Denmark has signed a memorandum with EIT Urban Mobility to test flexible heat grids in "
             "Aalborg, where recovery funds after COVID-19 paid for the first pilots in 2022."]
    found = by_text(refined(nlp, paras))
    assert {("Energy Cluster Denmark", "ORG"), ("EIT Urban Mobility", "ORG"), ("Aalborg", "GPE")} <= found
    assert not any(t == "COVID-19" for t, _ in found) and ("EIT", "ORG") not in found


def test_the_frozen_entity_test_part_is_unchanged():
    """Part E of the gold file is the entity test nobody tunes on: any edit to it must be deliberate."""
    import hashlib

    from pipeline.entity_eval import DEFAULT_GOLD, read_gold

    lines = [line for line in DEFAULT_GOLD.read_bytes().splitlines(keepends=True) if b'"part": "E"' in line]
    assert len(lines) == len(read_gold(DEFAULT_GOLD, ["E"])) == 240
    assert hashlib.sha256(b"".join(lines)).hexdigest() == "14ca69a986afde531b8299a2a0db83201a8272b79d5609a2aa3a64577de3cddb"


def test_the_annotated_passage_files_read_and_hold_no_source_text():
    """Every annotated file's offsets match its text, and none carries the real paragraph a passage was written
    from (third-party text stays out of the project; the copy check ran beside it)."""
    import json

    from pipeline.entity_eval import DEFAULT_GOLD, read_gold

    corpus = DEFAULT_GOLD.parent
    for name in ("entities_gold.jsonl", "entities_train.jsonl", "entities_train_more.jsonl", "entities_train_rest.jsonl",
                 "entities_second_reader.jsonl", "entities_round13.jsonl",
                 "entities_round14.jsonl", "entities_round15.jsonl", "entities_round16.jsonl",
                 "entities_round17.jsonl", "entities_round18.jsonl", "entities_round19.jsonl",
                 "entities_round20.jsonl", "entities_round21.jsonl", "entities_round22.jsonl", "entities_round23.jsonl",
                 "entities_round24.jsonl", "entities_round25.jsonl",
                 "entities_round26.jsonl"):
        rows = read_gold(corpus / name)
        assert len(rows) >= 50
        raw = [json.loads(line) for line in (corpus / name).read_text(encoding="utf-8").splitlines() if line.strip()]
        assert not any("source_par" in r for r in raw)


def test_people_named_with_a_role_or_after_said_are_people_and_an_mps_seat_is_a_place(nlp):
    paras = ["Energy Cluster Denmark will test flexible heat grids in Aalborg, said Nicolai Rottbøll, the cluster's "
             "head of innovation.",
             "Mhairidh Evans, principal analyst at the consultancy, expects the offshore supply chain to double by "
             "2030.",
             "Furness Enterprise and the Barrow and Furness MP welcomed the plan for the shipyard."]
    found = by_text(refined(nlp, paras))
    assert ("Nicolai Rottbøll", "PERSON") in found and ("Mhairidh Evans", "PERSON") in found
    assert ("Barrow", "GPE") in found
    assert not {("Nicolai Rottbøll", "ORG"), ("Mhairidh Evans", "ORG"), ("Barrow", "ORG")} & found


def test_an_acronym_skipping_a_word_links_to_the_whole_name_and_a_number_in_capitals_is_no_organisation(nlp):
    paras = ["The European Institute of Innovation & Technology (EIT) opened a hub in Budapest in May 2024.",
             "EIT funds the hub for three years; EIGHTEEN staff now work there."]
    out = refined(nlp, paras)
    eit = [e for para in out for e in para if e.text == "EIT"]
    assert eit and all(e.norm == "European Institute of Innovation & Technology" and e.label == "ORG" for e in eit)
    assert not any(e.text == "EIGHTEEN" for para in out for e in para)


def test_projects_and_schemes_are_not_organisations_but_a_body_named_alone_still_is(nlp):
    paras = ["Clusters in Navarre applied through ClusterXchange, a scheme that pays for short staff exchanges "
             "between regions, and the National Industrial Symbiosis Programme (NISP) matched their waste streams.",
             "Under the OYSTER project, a 1 MW electrolyser will sit offshore; the partners expect NISP data to "
             "guide the next call.",
             "APEC published the review in 2023, and the APEC project on cluster mapping continues."]
    found = by_text(refined(nlp, paras))
    assert not {t for t, lab in found if lab == "ORG"} & {"ClusterXchange", "NISP", "OYSTER",
                                                          "National Industrial Symbiosis Programme"}
    assert ("APEC", "ORG") in found


def test_two_bodies_joined_by_and_split_and_a_firm_doing_business_is_no_town(nlp):
    paras = ["The port city joined the Covenant of Mayors and C40 Cities in 2018 to pool its climate targets.",
             "Halliburton opened a training centre in Aberdeen with the local college last spring."]
    found = by_text(refined(nlp, paras))
    assert {("Covenant of Mayors", "ORG"), ("C40 Cities", "ORG"), ("Halliburton", "ORG"), ("Aberdeen", "GPE")} <= found
    assert not any(t == "Covenant of Mayors and C40 Cities" for t, _ in found)


def test_spelling_variants_of_one_name_share_one_canonical_name(nlp):
    paras = ["Connected Clusters members met in Leeds in March to compare export plans.",
             "Since then ConnectedClusters has added two food clusters, and Connected Clusters staff run the calls."]
    out = refined(nlp, paras)
    norms = {e.norm for para in out for e in para if e.label == "ORG" and "onnected" in e.text}
    assert norms == {"Connected Clusters"}


def test_another_spelling_is_not_made_an_organisation_where_the_document_writes_it_only_as_a_programme(nlp):
    # A headline in title case tags the singular; the plural is only ever a federal programme's name.
    paras = ["Governors Partner on Creating a Regional Clean Hydrogen Hub",
             "The governors will bid for funds under the federal Regional Clean Hydrogen Hubs program, "
             "which the Department of Energy expects to open in the autumn."]
    found = by_text(refined(nlp, paras))
    assert ("Department of Energy", "ORG") in found
    assert not any(t == "Regional Clean Hydrogen Hubs" for t, _ in found)


def test_a_span_that_closes_a_bracket_it_did_not_open_is_mended(nlp):
    # The NER shipped before round 20 tagged "Lake Champlain Gas) Corp." and "fiscal year) 2009": no name holds
    # half a bracket.
    from pipeline.entity_spans import repair_spans

    paras = ["New members include Greenline Hydrogen LLC, Summit Utilities (Lake Champlain Gas) Corp., "
             "Hudson Valley Power Authority and Ecolectro, Inc.",
             "Spending fell in FY (fiscal year) 2009 before it recovered in 2012."]
    text, dated = paras
    given = [_entity(text, "Greenline Hydrogen LLC", "ORG"), _entity(text, "Lake Champlain Gas) Corp.", "ORG"),
             _entity(text, "Hudson Valley Power Authority", "ORG")]
    assert ("Summit Utilities (Lake Champlain Gas) Corp.", "ORG") in {(e.text, e.label) for e in repair_spans(text, given)}
    given = [_entity(dated, "fiscal year) 2009", "DATE"), _entity(dated, "2012", "DATE")]
    assert [(e.text, e.label) for e in repair_spans(dated, given)] == [("2009", "DATE"), ("2012", "DATE")]
    out = refined(nlp, paras)
    assert ("2009", "DATE") in by_text(out)
    assert all(e.text.count("(") == e.text.count(")") for para in out for e in para)


def test_a_body_named_by_its_last_word_is_found_as_a_sentence_subject_and_a_county_after_coast_of_is_a_place(nlp):
    paras = ["Furness Enterprise said the shipyard in Barrow will hire 200 welders over the next two years.",
             "Construction of the wind farm off the east coast of Yorkshire began in 2020."]
    found = by_text(refined(nlp, paras))
    assert {("Furness Enterprise", "ORG"), ("Barrow", "GPE"), ("Yorkshire", "GPE")} <= found
    assert ("Yorkshire", "ORG") not in found


def test_a_hyphenated_name_and_its_spaced_spelling_are_one_organisation_and_a_dateline_in_capitals_keeps_the_usual_spelling(nlp):
    paras = ["Climate KIC backed the accelerator in Valencia in 2019, and Climate-KIC staff mentored the teams.",
             "BUDAPEST, 4 May 2023. The cluster office in Budapest opened with ten members."]
    out = refined(nlp, paras)
    kic = [e for para in out for e in para if "KIC" in e.text]
    assert {e.text for e in kic} == {"Climate KIC", "Climate-KIC"} and all(e.label == "ORG" for e in kic)
    assert len({e.norm for e in kic}) == 1
    assert {e.norm for para in out for e in para if e.text.casefold() == "budapest"} == {"Budapest"}


def test_a_dateline_in_capitals_written_nowhere_else_is_named_as_the_place_is_spelt(nlp):
    """entities.jsonl lists one canonical name per place: a town known only from the dateline is "Rotterdam",
    not "ROTTERDAM"; an acronym in capitals stays as written."""
    [ents] = refined(nlp, ["ROTTERDAM, 14 May 2024 – The port authority and the hydrogen valley signed a memorandum "
                           "of understanding, the two organisations announced, with partners in the UK."])
    norms = {e.text: e.norm for e in ents if e.label in ("GPE", "LOC")}
    assert norms["ROTTERDAM"] == "Rotterdam" and norms["UK"] == "UK"


def test_a_dateline_town_we_do_not_know_is_a_place_when_a_known_country_follows_it(nlp):
    paras = ["SINES, PORTUGAL — The port authority and three energy firms signed a hydrogen pact on Monday.",
             "The electrolyser plant will be built in Sines by 2027."]
    found = by_text(refined(nlp, paras))
    assert {("SINES", "GPE"), ("Sines", "GPE")} <= found
    assert not any(lab == "ORG" and t.lower() == "sines" for t, lab in found)


def test_an_organisations_own_organs_are_not_organisations_but_a_named_board_is():
    """"the Management Board", "the General Assembly" are parts of the cluster (the annotation rule, as in
    the training data); "Rwanda Development Board" is a body. Given the model's spans, so the rule is tested."""
    from pipeline.entities import clean_passage, document_context
    from pipeline.records import Entity

    text = ("Decisions rest with the Management Board, which answers to the General Assembly of all 48 members; "
            "the Interim Steering Committee was dissolved, and the Rwanda Development Board joined as an observer.")
    names = ["Management Board", "General Assembly", "Interim Steering Committee", "Rwanda Development Board"]
    given = [Entity(n, "ORG", text.index(n), text.index(n) + len(n)) for n in names]
    kept = {e.text for e in clean_passage(text, given, document_context(text))}
    assert kept == {"Rwanda Development Board"}


def test_a_wind_farm_is_a_site_not_the_company_that_runs_it(nlp):
    """"Dogger Bank Wind Farm" (an error class of issue #11): a place without a government, LOC, whole."""
    paras = ["Equinor and SSE Renewables expect first power from Dogger Bank Wind Farm, some 130 km off the "
             "Yorkshire coast, in 2023.",
             "Once its three phases are built, the Dogger Bank Wind Farm will be the largest offshore wind farm anywhere."]
    found = [{(e.text, e.label) for e in p} for p in refined(nlp, paras)]
    assert ("Dogger Bank Wind Farm", "LOC") in found[0] and ("Dogger Bank Wind Farm", "LOC") in found[1]
    assert {("Equinor", "ORG"), ("SSE Renewables", "ORG")} <= found[0]


def test_a_windfarm_written_as_one_word_is_a_site_and_a_sector_word_makes_a_firm_no_person():
    text = ("Pre-assembly for the Kelpie Offshore Windfarm went to Tarn Subsea, while Loch Automation and "
            "Brodie Packaging made the cable trays.")
    given = ["Kelpie Offshore Windfarm", "Tarn Subsea", "Loch Automation", "Brodie Packaging"]
    assert _kept(text, given[:1]) == {("Kelpie Offshore Windfarm", "LOC")}
    assert _kept(text, given[1:], label="PERSON") == {(n, "ORG") for n in given[1:]}
    assert _kept("Ailsa Brodie chairs the board.", ["Ailsa Brodie"], label="PERSON") == {("Ailsa Brodie", "PERSON")}


def test_a_name_tagged_as_an_organisation_once_is_one_wherever_the_document_writes_it():
    """One name, one label across the document: the mentions the model missed are added (given the
    model's spans, so the test is about the consistency rule)."""
    from pipeline.entities import document_context, harmonise
    from pipeline.records import Entity

    texts = ["Olio, the food-sharing app, signed a deal with Tesco in 2020.",
             "Within a year Olio volunteers were collecting surplus food from 2,700 stores."]
    given = [[Entity("Olio", "ORG", 0, 4), Entity("Tesco", "ORG", 47, 52)], []]
    settled = harmonise(texts, given, document_context("\n\n".join(texts)), None)
    assert [(e.text, e.label) for e in settled[1]] == [("Olio", "ORG")]
    assert texts[1][settled[1][0].start:settled[1][0].end] == "Olio"


def _kept(text, names, label="ORG"):
    """The rules' verdict on spans the model might have given (so the test is about the rules)."""
    from pipeline.entities import clean_passage, document_context

    given = [_entity(text, n, label) for n in names]
    return {(e.text, e.label) for e in clean_passage(text, given, document_context(text))}


def _cleaned(text, given):
    """The rules' verdict, in order, on the entities given for one passage."""
    from pipeline.entities import clean_passage, document_context

    return [(e.text, e.label) for e in clean_passage(text, given, document_context(text))]


def _settled(text, given):
    """The rules' and then the document's verdict on one passage's entities (a one-passage document)."""
    from pipeline.entities import clean_passage, document_context, harmonise

    ctx = document_context(text)
    return harmonise([text], [clean_passage(text, given, ctx)], ctx, None)[0]


def _entity(text, name, label, nth=0):
    """``name`` as an entity where ``text`` writes it (its ``nth`` occurrence)."""
    from pipeline.records import Entity

    at = [i for i in range(len(text)) if text.startswith(name, i)][nth]
    return Entity(name, label, at, at + len(name))


def test_an_acronym_spelled_out_in_lower_case_names_a_thing_not_a_body():
    from pipeline.entities import concepts_of

    text = ("Exports grew at a CAGR (compound annual growth rate) of 4.1% after the valley adopted CLLD "
            "(community-led local development), run with Invest Northern Ireland (INI) and the key performance "
            "indicators (KPIs) it set.")
    assert concepts_of(text) == {"CAGR", "CLLD", "KPIs"}
    assert _kept(text, ["CAGR", "CLLD", "INI"]) == {("INI", "ORG")}


def test_a_publication_is_not_an_organisation_but_its_publisher_is():
    text = ("The latest EURADA Bulletin and the Nordic Innovation Handbook both cite the scheme, and our Spring "
            "Newsletter ran a piece on it.")
    assert _kept(text, ["EURADA Bulletin", "Nordic Innovation Handbook", "Spring Newsletter"]) == {("EURADA", "ORG")}


def test_co_authors_cited_together_are_people_but_a_body_cited_alone_is_not():
    text = ("Regional systems differ (Asheim and Coenen 2005; Cooke et al. 1997), a point the OECD 2019 review "
            "repeats.")
    assert _kept(text, ["Asheim", "Cooke", "OECD"]) == {("Asheim", "PERSON"), ("Cooke", "PERSON"), ("OECD", "ORG")}


def test_a_head_noun_alone_names_no_body_unless_the_document_defines_it_as_a_short_name():
    text = ('The Baltic Sea Hydrogen Council (the "Council") met the Ministry and the University; Departments '
            'sent observers, the Council agreed a work plan and the Commission approved it.')
    kept = _kept(text, ["Baltic Sea Hydrogen Council", "Ministry", "University", "Departments", "Commission"])
    assert kept == {("Baltic Sea Hydrogen Council", "ORG"), ("Commission", "ORG")}
    from pipeline.entities import clean_passage, document_context
    from pipeline.records import Entity

    def council_kept(t):
        at = t.rindex("Council agreed")
        return [e.text for e in clean_passage(t, [Entity("Council", "ORG", at, at + 7)], document_context(t))]

    assert council_kept(text) == ["Council"]  # the short name the document defined
    assert council_kept("Observers came, the Council agreed a work plan.") == []


def test_no_name_ends_in_a_preposition():
    from pipeline.entities import trim
    from pipeline.records import Entity

    name = "Food Research Institute of the National Science Council in"
    assert trim(Entity(name, "ORG", 0, len(name))).text == "Food Research Institute of the National Science Council"


def test_a_hospital_and_the_university_are_two_bodies(nlp):
    paras = ["The trial pairs the Western General Hospital and the University on a shared cohort of 400 patients."]
    found = by_text(refined(nlp, paras))
    assert not any("Hospital and" in t for t, _ in found)
    assert ("Western General Hospital", "ORG") in found


def test_acronyms_with_on_in_the_long_form_or_spelled_by_one_words_capitals():
    text = ("Figures from the Business Network on Floating Wind (BNFW) and from PricewaterhouseCoopers (PwC) agree; "
            "the Council for Science and Technology (CST) does not.")
    assert acronyms_of(text) == {"BNFW": "Business Network on Floating Wind", "PwC": "PricewaterhouseCoopers",
                                 "CST": "Council for Science and Technology"}


def test_an_acronym_made_of_a_syllable_and_initials_links_to_its_long_form():
    """Development agencies name themselves so: DAN-I-D-A. A syllable that is not the name's start links nothing."""
    text = ("The Danish International Development Agency (DANIDA) and the Bavarian Research Alliance (BayFOR) "
            "funded the Metropolitan Area Network (MANet).")
    assert acronyms_of(text) == {"DANIDA": "Danish International Development Agency"}


def test_a_name_with_a_vice_president_or_that_is_a_unit_of_a_maker_is_a_firm():
    text = ("Anna Berg, Nordvolt Grid’s Vice President for Policy, spoke first. Tessaro Power, a unit of the Italian "
            "cable maker, signed too. According to CEO Maria Lind, the company will hire 40 engineers.")
    assert _kept(text, ["Nordvolt Grid", "Tessaro Power", "Maria Lind"], label="PERSON") == {
        ("Nordvolt Grid", "ORG"), ("Tessaro Power", "ORG"), ("Maria Lind", "PERSON")}


def test_a_state_or_country_code_after_a_place_is_a_place_but_a_defined_acronym_is_not():
    from pipeline.entities import clean_passage, document_context
    from pipeline.records import Entity

    text = ("Pilots ran in Dayton, OH, Halifax, NS, and Tartu (EE); the Energy Centre (SI) hosted the visit, and "
            "Carbon Alliance (CA), founded in Edmonton, AB, paid.")
    codes = [("OH", text.index("OH")), ("NS", text.index("NS")), ("EE", text.index("EE")), ("SI", text.index("SI")),
             ("CA", text.index("(CA)") + 1), ("AB", text.index("AB,"))]
    given = [Entity(c, "ORG", a, a + 2) for c, a in codes]
    found = {e.text: e.label for e in clean_passage(text, given, document_context(text))}
    assert found == {"OH": "GPE", "NS": "GPE", "EE": "GPE", "AB": "GPE",
                     "SI": "ORG",  # after a body's name, not a place: left as the model said
                     "CA": "ORG"}  # the acronym the document defines


def test_time_zones_competitions_and_prizes_are_not_organisations():
    text = ("Entries close at 17:00 CEST. The Clean Shipping Demonstration Competition (CSDC) and the Nordic Climate "
            "Prize are both run by Business Finland.")
    kept = _kept(text, ["CEST", "Clean Shipping Demonstration Competition", "CSDC", "Nordic Climate Prize",
                        "Business Finland"])
    assert kept == {("Business Finland", "ORG")}


def test_an_organ_of_a_named_body_gives_the_body_and_a_title_is_no_part_of_a_persons_name():
    text = ("The Board of Directors of Harbour Labs met Consul General Anna Berg and VP Šimůnek; the Board of "
            "Directors then voted, and the Committee of the Regions took note.")
    second = text.rindex("Board of Directors")
    from pipeline.entities import clean_passage, document_context
    from pipeline.records import Entity

    given = [Entity("Board of Directors of Harbour Labs", "ORG", 4, 38),
             Entity("Consul General Anna Berg", "ORG", text.index("Consul"), text.index("Consul") + 24),
             Entity("VP Šimůnek", "ORG", text.index("VP"), text.index("VP") + 10),
             Entity("Board of Directors", "ORG", second, second + 18),
             Entity("Committee of the Regions", "ORG", text.index("Committee"), text.index("Committee") + 24)]
    found = [(e.text, e.label) for e in clean_passage(text, given, document_context(text))]
    assert found == [("Harbour Labs", "ORG"), ("Anna Berg", "PERSON"), ("Šimůnek", "PERSON"),
                     ("Committee of the Regions", "ORG")]
    assert all(text[e.start:e.end] == e.text for e in clean_passage(text, given, document_context(text)))


def test_a_firm_of_a_place_is_two_names_but_a_bank_of_a_country_is_one():
    text = ("Orders came from Tidewave Foods of Kenya, the Bank of Canada and the Rotary Club of Manila, and from "
            "Northgate Engineering of B.C.")
    names = ["Tidewave Foods of Kenya", "Bank of Canada", "Rotary Club of Manila", "Northgate Engineering of B.C."]
    assert _kept(text, names) == {("Tidewave Foods", "ORG"), ("Bank of Canada", "ORG"),
                                  ("Rotary Club of Manila", "ORG"), ("Northgate Engineering", "ORG")}


def test_the_place_a_firm_is_from_is_found_as_a_place(nlp):
    found = by_text(refined(nlp, ["Last year Tidewave Foods of Kenya raised $50 million to expand its network."]))
    assert ("Kenya", "GPE") in found and not any(" of Kenya" in t for t, _ in found)


def test_a_time_counted_back_from_the_day_of_writing_is_a_date_but_a_duration_is_not(nlp):
    paras = ["Two years ago the cluster had 40 members; just over a decade ago it had none.",
             "The programme ran for three years and cost €4 million."]
    found = [{(e.text, e.label) for e in p} for p in refined(nlp, paras)]
    assert {("Two years ago", "DATE"), ("just over a decade ago", "DATE")} <= found[0]
    assert not any(label == "DATE" for _, label in found[1])


def test_co_authors_are_people_even_when_a_town_has_their_name():
    text = ("Spillovers rise with proximity (Hodge and Greve 2007; Turpin, Sullivan and Deville 1993), and parks "
            "opened in Rabat (2012) and Agadir (2021).")
    given = [_entity(text, "Hodge", "ORG"), _entity(text, "Greve", "GPE"), _entity(text, "Turpin", "GPE"),
             _entity(text, "Agadir", "PERSON")]
    settled = _settled(text, given)
    assert {(e.text, e.label) for e in settled} == {("Hodge", "PERSON"), ("Greve", "PERSON"), ("Turpin", "PERSON"),
                                                   ("Agadir", "GPE")}


def test_in_a_list_of_mostly_organisations_the_models_people_are_organisations():
    from pipeline.entities import clean_passage, document_context

    text = ("Partners are Nordwerk (Germany), Vasta (Finland), Celtan Power (Ireland), Kessler Bauer (Austria) and "
            "Ostra Marine (Sweden). The project was presented by Anna Lind, Jonas Berg and Nordwerk.")
    given = [_entity(text, "Nordwerk", "ORG"), _entity(text, "Germany", "GPE"), _entity(text, "Vasta", "ORG"),
             _entity(text, "Finland", "GPE"), _entity(text, "Celtan Power", "ORG"), _entity(text, "Ireland", "GPE"),
             _entity(text, "Kessler Bauer", "ORG"), _entity(text, "Ostra Marine", "PERSON"),
             _entity(text, "Anna Lind", "PERSON"), _entity(text, "Jonas Berg", "PERSON")]
    found = {(e.text, e.label) for e in clean_passage(text, given, document_context(text))}
    assert {("Ostra Marine", "ORG"), ("Germany", "GPE")} <= found  # four organisations of five
    assert {("Anna Lind", "PERSON"), ("Jonas Berg", "PERSON")} <= found  # a list of people stays one


def test_a_leaders_government_names_a_person_and_a_capitalised_tomorrow_inside_a_sentence_is_a_name():
    text = ("Forecasts rose after the Albanese government set its target. In 2019 she founded Tomorrow, and "
            "Tomorrow now employs 40 people. Today the firm opened an office in the UK.")
    given = [_entity(text, "Albanese", "ORG"), _entity(text, "Tomorrow", "DATE"),
             _entity(text, "Tomorrow", "DATE", nth=1),
             _entity(text, "Today", "DATE")]
    settled = _settled(text, given)
    assert {(e.text, e.label) for e in settled} == {("Albanese", "PERSON"), ("Today", "DATE")}


def test_a_person_whose_name_holds_a_firms_word_is_a_firm_but_park_is_also_a_surname():
    text = "Hamburg Airport and Nordsee Technik signed. Charlie Park spoke; Park Geun-hye attended."
    kept = _kept(text, ["Hamburg Airport", "Nordsee Technik", "Charlie Park", "Park Geun-hye"], label="PERSON")
    assert kept == {("Hamburg Airport", "ORG"), ("Nordsee Technik", "ORG"), ("Charlie Park", "PERSON"),
                    ("Park Geun-hye", "PERSON")}


def test_a_noun_saying_firm_before_a_name_makes_it_a_firm():
    from pipeline.entities import link_acronyms

    text = "Carbon capture firm Nordvik is to supply EV drivetrain developer Exrona Technologies from March."
    assert ("Nordvik", "ORG") in _kept(text, ["Nordvik"], label="GPE")
    from pipeline.entities import document_context
    added = link_acronyms(text, [], document_context(text))
    assert [(e.text, e.label) for e in added] == [("Nordvik", "ORG"), ("Exrona Technologies", "ORG")]


def test_un_programmes_are_bodies_and_a_legal_form_ends_a_firms_name(nlp):
    paras = ["The United Nations Development Programme (UNDP) and the Provincial Growth Fund (PGF) back it; "
             "UNDP will run the hubs, and Three firms, Kestrel Data Limited, Orbis Cards Ltd and Tana Holdings Inc, "
             "supply them."]
    found = by_text(refined(nlp, paras))
    assert {("United Nations Development Programme", "ORG"), ("UNDP", "ORG"), ("Kestrel Data Limited", "ORG"),
            ("Orbis Cards Ltd", "ORG")} <= found
    assert not any(t in ("Provincial Growth Fund", "PGF") for t, _ in found)  # a fund is money


def test_after_secretary_of_a_body_or_a_person_is_no_portfolio():
    text = ("Alicia Bárcena, Executive Secretary of ECLAC, met the Regional Minister for the Province of Drenthe, "
            "the Minister of Natural Resources, Joe Oliver, and the Minister of ICT and Innovation.")
    kept = _kept(text, ["ECLAC", "Province of Drenthe", "ICT and Innovation"])
    kept |= _kept(text, ["Joe Oliver"], label="PERSON")
    assert kept == {("ECLAC", "ORG"), ("Province of Drenthe", "ORG"), ("Joe Oliver", "PERSON")}


def test_a_person_after_a_title_stays_a_person_when_a_town_has_the_name():
    text = ("Governor Lamont of Connecticut and President Obama backed the hub; the Obama administration later "
            "funded it, and Lamont signed the compact in Hartford.")
    given = [_entity(text, "Lamont", "PERSON"), _entity(text, "Connecticut", "GPE"), _entity(text, "Obama", "PERSON"),
             _entity(text, "Lamont", "GPE", nth=1), _entity(text, "Hartford", "GPE")]
    settled = _settled(text, given)
    assert [(e.text, e.label) for e in settled] == [("Lamont", "PERSON"), ("Connecticut", "GPE"),
                                                    ("Obama", "PERSON"), ("Lamont", "PERSON"), ("Hartford", "GPE")]


def test_a_legal_form_after_a_comma_is_part_of_a_firms_name_but_not_of_a_place():
    from pipeline.entity_spans import repair_spans

    text = ("Partners include Cummins, Inc., Ecolectro, Inc., Constellation Energy Generation, LLC and "
            "Consolidated Edison Company of New York, Inc.")
    given = [_entity(text, "Cummins", "ORG"), _entity(text, "Ecolectro", "GPE"), _entity(text, "Inc.", "GPE", nth=1),
             _entity(text, "Constellation Energy Generation", "ORG"), _entity(text, "LLC", "ORG"),
             _entity(text, "Consolidated Edison Company of", "ORG"), _entity(text, "New York", "GPE")]
    found = [(e.text, e.label) for e in repair_spans(text, given)]
    assert found == [("Cummins, Inc.", "ORG"), ("Ecolectro, Inc.", "ORG"),
                     ("Constellation Energy Generation, LLC", "ORG"),
                     ("Consolidated Edison Company of", "ORG"), ("New York", "GPE")]


def test_a_project_is_no_organisation_and_nor_is_a_titles_first_word():
    text = ("The Kenya Industry and Entrepreneurship Project (KIEP) is run by the State Department for Industry, whose "
            "State Department for Industry Principal Secretary Juma Mukhwana opened it.")
    kept = _kept(text, ["Kenya Industry and Entrepreneurship Project", "KIEP", "State Department for Industry"])
    kept |= _kept(text[text.index("whose"):], ["State Department for Industry Principal"])
    assert kept == {("State Department for Industry", "ORG")}


def test_names_listed_after_firms_plural_noun_are_firms_but_known_places_stay_places():
    text = ("It has nearly 200 members, including developers such as Orsted, Nordvang and Vattenfall, and supply "
            "chain firms like Kent, Asco and Bilfinger. Delegates came from Brenholt and Kent.")
    kept = _kept(text, ["Nordvang", "Bilfinger", "Kent"], label="GPE")
    kept |= _kept(text[text.index("Delegates"):], ["Brenholt"], label="GPE")
    assert kept == {("Nordvang", "ORG"), ("Bilfinger", "ORG"), ("Kent", "GPE"), ("Brenholt", "GPE")}


def test_a_name_before_a_capitalised_role_or_after_honourable_is_a_persons():
    text = ("Speakers were Luis Ferrán Olmedo, Minister of Economy of Chile, Eduardo Brastow, Vice-President of "
            "CORFO, and Bardish Chagall, Government House Leader. Later the Honourable Maren Tollefsen spoke.")
    kept = _kept(text, ["Luis Ferrán Olmedo", "Eduardo Brastow", "Bardish Chagall", "Honourable Maren Tollefsen"])
    assert kept == {("Luis Ferrán Olmedo", "PERSON"), ("Eduardo Brastow", "PERSON"), ("Bardish Chagall", "PERSON"),
                    ("Maren Tollefsen", "PERSON")}


def test_the_eus_funds_named_by_acronym_are_money_but_its_bank_is_a_body():
    text = "The peer review covered ERDF and ESF+ support for innovation, co-financed by the EIB."
    assert _kept(text, ["ERDF", "ESF+", "EIB"]) == {("EIB", "ORG")}


def test_letters_after_a_persons_name_are_left_out_and_the_member_is_no_seat():
    text = ("Joanne Lessing MBE, deputy chair of the cluster, met Stirling Hinchcombe MP and the Barrow and Furness "
            "MP at the observatory on Mt Stromlo.")
    kept = _kept(text, ["Joanne Lessing MBE", "Stirling Hinchcombe"], label="PERSON")
    kept |= _kept(text, ["Furness"])
    assert kept == {("Joanne Lessing", "PERSON"), ("Stirling Hinchcombe", "PERSON"), ("Furness", "GPE")}
    from pipeline.entity_spans import repair_spans
    assert [(e.text, e.label) for e in repair_spans(text, [_entity(text, "Mt Stromlo", "ORG")])] == [
        ("Mt Stromlo", "LOC")]


def test_letters_after_a_persons_name_are_no_part_of_the_body_named_after_them(nlp):
    found = by_text(refined(nlp, ["Presented by: Maria Kovacs, PhD Northbridge Consulting Group, LLC, June 5, 2013"]))
    assert ("Maria Kovacs", "PERSON") in found
    assert ("Northbridge Consulting Group, LLC", "ORG") in found


def test_what_has_a_chair_named_before_the_role_and_the_person_is_a_body(nlp):
    paras = ["A year ago, Tees Freeport chair Maria Lindqvist welcomed investors to the old pump house in Middlesbrough.",
             "According to Vantage Semiconductor chairman Daniel Okoye, suppliers are moving closer to the fabs.",
             "Lagos State Governor Babajide Sanwo-Olu opened the hub."]
    found = by_text(refined(nlp, paras))
    assert {("Tees Freeport", "ORG"), ("Maria Lindqvist", "PERSON"), ("Vantage Semiconductor", "ORG"),
            ("Daniel Okoye", "PERSON"), ("Babajide Sanwo-Olu", "PERSON")} <= found
    assert ("Lagos State", "ORG") not in found


def test_the_body_a_persons_role_is_of_is_a_body_whatever_the_model_called_it(nlp):
    found = by_text(refined(nlp, ["Joseba Etxeberria, Manager of Tecnalia, related the story of the Basque "
                                  "clusters, and Ana Ruiz, Director at Ikerlan, agreed."]))
    assert {("Joseba Etxeberria", "PERSON"), ("Tecnalia", "ORG"), ("Ana Ruiz", "PERSON"), ("Ikerlan", "ORG")} <= found


def test_an_office_of_a_named_body_leaves_the_body_and_a_title_alone_names_no_one(nlp):
    paras = ["Magdaline Chepkemoi, Chairperson of Association of Countrywide Innovation Hubs and Nekesa Were, AfriLabs "
             "Director of Strategy officially sign the MOU.",
             "Chepkoech Kiprono, Chairperson of the Nakuru Growers Cooperative, opened the meeting.",
             "The Minister of Industry and Trade opened the fair."]
    out = refined(nlp, paras)
    found = by_text(out)
    assert ("Chepkoech Kiprono", "PERSON") in found
    assert any(t.startswith("Association of Countrywide Innovation Hubs") and lab == "ORG" for t, lab in found)
    assert not any(t.startswith("Chairperson") or t.startswith("Minister") for t, _ in found)


def test_a_name_in_brackets_before_a_country_code_is_a_place(nlp):
    paras = ["Partners: Regional Development Agency of Pilsen (Jihozapad, CZ), Mid-Pannon Regional Development "
             "Company (Kozep-Dunantul, HU) and Regional Development Agency of Zilina (Stredne Slovensko, SK)."]
    found = by_text(refined(nlp, paras))
    for region in ("Jihozapad", "Kozep-Dunantul", "Stredne Slovensko"):
        assert (region, "GPE") in found or (region, "LOC") in found, region


def test_a_name_the_model_took_for_a_place_that_ends_in_a_firms_head_is_a_body(nlp):
    found = by_text(refined(nlp, ["Omran Group signed a memorandum with the Saudi Dar Al-Arkan Real Estate "
                                  "Development Company for the development of the Yetti Beach in Oman."]))
    assert ("Saudi Dar Al-Arkan Real Estate Development Company", "ORG") in found
    assert ("Oman", "GPE") in found


def test_a_name_cut_short_before_its_programme_word_is_a_programmes():
    text = "The South East Queensland City Deal set up a fund; Brisbane City Council runs it."
    assert _kept(text, ["South East Queensland City", "Brisbane City Council"]) == {("Brisbane City Council", "ORG")}


def test_a_name_does_not_run_on_into_the_next_owners_possessive():
    from pipeline.entity_spans import repair_spans

    text = "They include the Gold Coast Knowledge Precinct and Toowoomba’s Ag-tech and Logistics Hub."
    given = [_entity(text, "Gold Coast Knowledge Precinct", "ORG"), _entity(text, "Toowoomba", "ORG")]
    found = {e.text for e in repair_spans(text, given)}
    assert {"Gold Coast Knowledge Precinct", "Toowoomba"} <= found  # the model's label is left to other rules


def test_a_body_a_title_and_a_person_taken_for_one_name_are_split_and_a_titled_name_is_a_person():
    from pipeline.entity_spans import repair_spans

    text = ("The panel joined Tessaro Energy SVP Carolyn Chao, Mesa Mayor Kate Galvano, Halden Motors, "
            "Brightwater Labs and Ortega Foods. Obrista is the first life sciences firm in the parish.")
    found = [(e.text, e.label) for e in repair_spans(text, [_entity(text, "Tessaro Energy SVP Carolyn Chao", "ORG")])]
    assert found == [("Tessaro Energy", "ORG"), ("Carolyn Chao", "PERSON")]
    from pipeline.entities import clean_passage, document_context
    given = [_entity(text, "Tessaro Energy", "ORG"), _entity(text, "Carolyn Chao", "PERSON"),
             _entity(text, "Kate Galvano", "ORG"), _entity(text, "Halden Motors", "ORG"),
             _entity(text, "Brightwater Labs", "ORG"), _entity(text, "Ortega Foods", "ORG"),
             _entity(text, "Obrista", "GPE")]
    kept = {(e.text, e.label) for e in clean_passage(text, given, document_context(text))}
    assert {("Kate Galvano", "PERSON"), ("Obrista", "ORG")} <= kept  # a list of firms leaves the mayor a person


def test_an_acronyms_long_form_leaves_out_the_possessive_before_the_bracket():
    text = "This follows UK Research and Innovation’s (UKRI) announcement of £186 million for seven projects."
    assert acronyms_of(text) == {"UKRI": "UK Research and Innovation"}


def test_a_conference_on_a_topic_is_an_event_but_the_un_conference_on_trade_is_a_body():
    text = ("Preparations for the African Conference On Agricultural Technologies began, with the United Nations "
            "Conference on Trade and Development as a partner.")
    kept = _kept(text, ["African Conference On Agricultural Technologies",
                        "United Nations Conference on Trade and Development"])
    assert kept == {("United Nations Conference on Trade and Development", "ORG")}


def test_each_rule_leaves_alone_the_labels_it_does_not_declare():
    """clean_passage skips a rule for labels outside ``rule.labels``: that must change nothing."""
    from pipeline.annotate import KEPT_LABELS
    from pipeline.entities import RULES, document_context

    text = ("Governor Lamont and Sara Lind (Hodge and Greve 2007) met the Board of Directors of Nordvik Energy, "
            "a battery maker, the Biden administration, the University and Halden, SC at 9 am EST on Tuesday; "
            "the National Industrial Symbiosis Programme (NISP) and carbon capture firm Svante AB, Inc. signed "
            "in Rubavu, two years ago, with every Thursday's EURADA Bulletin, the Barrow MP and Jane Roe MBE.")
    ctx = document_context(text)
    words = [(m.start(), m.end()) for m in __import__("re").finditer(r"[A-Z][\w.,&'-]*(?:\s+[A-Z][\w.&'-]*)*", text)]
    for rule in RULES:
        assert rule.labels <= KEPT_LABELS, rule.__name__
        for label in KEPT_LABELS - rule.labels:
            for a, b in words:
                from pipeline.records import Entity
                e = Entity(text[a:b], label, a, b)
                assert rule(e, text, ctx) == e, (rule.__name__, label, e.text)


def test_rules_chosen_by_label_give_what_every_rule_in_order_gives():
    """clean_passage runs only the rules acting on an entity's label, and picks them again when a rule
    relabels it ("Halden" GPE → ORG): the same result as calling every rule in order."""
    import re

    from pipeline.entities import RULES, _apply_rules, document_context
    from pipeline.records import Entity

    text = ("Governor Lamont and Sara Lind (Hodge and Greve 2007) met the Board of Directors of Nordvik Energy, "
            "a battery maker, the Biden administration, the University and Halden, SC at 9 am EST on Tuesday; "
            "supply chain firms such as Halden, Asco and Obrista opened offices; carbon capture firm Svante AB "
            "signed in Rubavu with the Barrow MP, Jane Roe MBE and Q3 2025 Partners.")
    ctx = document_context(text)
    relabelled = 0
    for m in re.finditer(r"[A-Z][\w.&'-]*(?:\s+[A-Z][\w.&'-]*)*", text):
        for label in ("ORG", "GPE", "LOC", "PERSON", "DATE"):
            e = every = Entity(m.group(), label, m.start(), m.end())
            for rule in RULES:
                every = rule(every, text, ctx)
                if every is None:
                    break
            got = _apply_rules(e, text, ctx, RULES)
            assert got == every, (e, got, every)
            relabelled += every is not None and every.label != label
    assert relabelled >= 5  # the passage makes rules relabel, so the test covers the switch

    # A rule for the new label only, after the one that relabels, is run too.
    from dataclasses import replace

    from pipeline.entities import acts_on

    to_org = acts_on("GPE")(lambda e, text, ctx: replace(e, label="ORG") if e.label == "GPE" else e)
    drop_org = acts_on("ORG")(lambda e, text, ctx: None if e.label == "ORG" else e)
    place = Entity("Halden", "GPE", 0, 6)
    assert _apply_rules(place, "Halden", ctx, (to_org, drop_org)) is None
    assert _apply_rules(place, "Halden", ctx, (drop_org, to_org)) == replace(place, label="ORG")


def test_acronym_definitions_found_from_brackets_are_those_of_the_whole_pattern():
    """The long-form pattern is tried only in the ten words before each bracket: the same matches as
    trying it from every capital, also with brackets close together, long names and commas."""
    from pipeline.entities import _ACRONYM_DEF, _acronym_definitions

    texts = [
        "The European Institute of Innovation & Technology (EIT) and its Climate KIC (CK) (see annex) met.",
        "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda (AB) and Mu (M) (QQ) (RR).",
        "Foreign, Commonwealth & Development Office (FCDO), the Department for Business and Trade (DBT), "
        "and Innovate UK (IUK). Spain's Ministry for Science (MS)\n\nThe Centre for Process Innovation (CPI)",
        "(AB) (CD) Ef Gh (EG); CliftonLarsonAllen (CLA) of the Netherlands Enterprise Agency (RVO).",
        "no brackets at all here",
    ]
    for text in texts:
        assert [(m.span(), m.groups()) for m in _acronym_definitions(text)] == \
            [(m.span(), m.groups()) for m in _ACRONYM_DEF.finditer(text)], text


def test_a_governing_bodys_name_before_programmes_is_the_body_but_a_project_name_is_not():
    text = "Several European Commission programmes and a World Bank project fund the port's hydrogen trials."
    assert _kept(text, ["European Commission", "World Bank"]) == {("European Commission", "ORG"), ("World Bank", "ORG")}
    only_before = "The HyTrail project and the HyTrail consortium met."
    assert _kept(only_before, ["HyTrail"]) == set()


def test_what_a_person_founded_is_an_organisation():
    from pipeline.entities import document_context, link_acronyms

    text = "In 2016 I founded Tomorrow, and she co-founded Brightline Analytics after a spell in Oslo."
    added = link_acronyms(text, [], document_context(text))
    assert [(e.text, e.label) for e in added] == [("Tomorrow", "ORG"), ("Brightline Analytics", "ORG")]
    assert _kept(text, ["Brightline Analytics"], label="PERSON") == {("Brightline Analytics", "ORG")}


def test_a_name_with_a_version_number_is_a_programme_not_a_body():
    from pipeline.entity_spans import repair_spans

    text = "Until RDA Europe 4.0 ends in May 2020, Thailand 4.0 and Clusterix 2.0 run; Siemens 2.5 million was paid."
    assert _kept(text, ["Thailand", "Clusterix", "Siemens"]) == {("Siemens", "ORG")}
    assert not [e for e in repair_spans(text, []) if e.text == "RDA Europe"]


def test_a_name_appointed_to_a_role_is_a_persons_but_a_body_named_a_hub_is_not():
    text = ("Indira Mukherjee has been named the new CEO of the cluster, and Heartland BioWorks was named a Tech Hub; "
            "Tomas Brekke was appointed as interim managing director.")
    kept = _kept(text, ["Indira Mukherjee", "Heartland BioWorks", "Tomas Brekke"])
    assert kept == {("Indira Mukherjee", "PERSON"), ("Heartland BioWorks", "ORG"), ("Tomas Brekke", "PERSON")}


def test_a_concept_spelled_out_with_commas_and_a_town_by_its_shape():
    from pipeline.entities import concepts_of

    text = ("The bid to the Cluster sequencing for carbon capture, usage and storage (CCUS) process came days after "
            "the power station at Ratcliffe-on-Soar closed.")
    assert concepts_of(text) == {"CCUS"}
    assert _kept(text, ["CCUS"]) == set()
    assert _kept(text, ["Ratcliffe-on-Soar"], label="PERSON") == {("Ratcliffe-on-Soar", "GPE")}


def test_an_acronym_in_brackets_after_a_word_for_a_programme_names_the_programme():
    text = ("The French State granted €1.45 billion through the dedicated fund (FUI), and a loan for cluster "
            "projects (PIPC) followed; the National Research Agency (ANR) took part.")
    assert _kept(text, ["FUI", "PIPC", "ANR"]) == {("ANR", "ORG")}


def test_a_first_name_alone_stays_a_person_once_the_full_name_was_marked_as_one():
    text = ("Peter Sandvik, cluster manager at the port, met us. Peter identified a need for a shared depot, "
            "and Vasta, a supplier, agreed.")
    given = [_entity(text, "Peter Sandvik", "PERSON"), _entity(text, "Peter", "PERSON", nth=1),
             _entity(text, "Vasta", "PERSON")]
    settled = _settled(text, given)
    assert [(e.text, e.label) for e in settled] == [("Peter Sandvik", "PERSON"), ("Peter", "PERSON"), ("Vasta", "ORG")]


def test_an_industry_agency_named_after_its_country_and_a_title_after_a_bodys_name():
    from pipeline.entity_spans import repair_spans

    text = "Applications went to the Industry New Zealand selection panel in Wellington."
    found = {(e.text, e.label) for e in repair_spans(text, [_entity(text, "New Zealand", "GPE")])}
    assert ("Industry New Zealand", "ORG") in found
    text = "“It shows commitment,” says Kahu Innovation Chief Executive, Vic Crone, of the budget."
    assert _kept(text, ["Kahu Innovation Chief Executive"]) == {("Kahu Innovation", "ORG")}


def test_a_programme_with_its_phase_is_still_a_programme():
    text = "It was supported through the ASEAN-Australia Development Cooperation Program Phase II from Jakarta."
    assert _kept(text, ["ASEAN-Australia Development Cooperation Program Phase II"]) == set()


def test_a_registered_association_is_named_with_its_legal_form():
    from pipeline.entity_spans import repair_spans

    text = "The research campus is run by Arena 2036 e.V. in Stuttgart with Luftfahrtcluster Hamburg e. V. as a partner."
    found = {(e.text, e.label) for e in repair_spans(text, [])}
    assert {("Arena 2036 e.V.", "ORG"), ("Luftfahrtcluster Hamburg e. V.", "ORG")} <= found


def test_agreements_and_letters_of_intent_are_documents_and_a_code_before_of_is_a_title():
    text = ("Dr Peter Thiele signed the Letter of Intent (LOI) and a Joint Development Agreement, said Ralf Gustavson, "
            "MD of Hamburg Aviation, in Greenville, SC.")
    assert _kept(text, ["Letter of Intent", "LOI", "Joint Development Agreement"]) == set()
    assert _kept(text, ["MD", "SC"], label="GPE") == {("SC", "GPE")}


def test_councillors_and_aldermen_are_titles_also_before_a_name_with_a_particle():
    text = ("Councillor Patrick Harlow, Premier Dominic Perrin and Alderman John de Jonge (Vlissingen) attended; "
            "the Sheikh Kamal IT Incubation Centre hosted them.")
    kept = _kept(text, ["Councillor Patrick Harlow", "Premier Dominic Perrin", "Alderman John de Jonge"],
                 label="PERSON")
    kept |= _kept(text, ["Sheikh Kamal IT Incubation Centre"])
    assert kept == {("Patrick Harlow", "PERSON"), ("Dominic Perrin", "PERSON"), ("John de Jonge", "PERSON"),
                    ("Sheikh Kamal IT Incubation Centre", "ORG")}


def test_a_name_after_a_role_and_a_comma_is_a_persons_but_not_an_agencys_acronym():
    text = ("According to the Dutch economy minister, Dirk Beljaerts, photonics matters, and the project's "
            "partner, Northwest Alabama EDA, agreed.")
    kept = _kept(text, ["Dirk Beljaerts", "Northwest Alabama EDA"])
    assert kept == {("Dirk Beljaerts", "PERSON"), ("Northwest Alabama EDA", "ORG")}
    assert _kept("The lead partner, Siemens Energy, agreed.", ["Siemens Energy"]) == {("Siemens Energy", "ORG")}


def test_in_a_list_of_attendees_the_body_after_a_title_stays_a_body():
    text = ("The Committee will hear Dr Alison Hiley, Director, Confluence Scotland; and David Smith, Interim CEO, "
            "Scottish Development International.")
    kept = _kept(text, ["Confluence Scotland", "Interim", "Scottish Development International"])
    assert kept == {("Confluence Scotland", "ORG"), ("Scottish Development International", "ORG")}


def test_a_role_in_brackets_after_a_name_makes_a_person():
    text = "The agreement was signed in the presence of Esteve Espinosa (president of INNOVACC) in Vic."
    assert _kept(text, ["Esteve Espinosa"]) == {("Esteve Espinosa", "PERSON")}


def test_a_share_listing_and_a_senators_party_in_brackets_name_nothing():
    text = ("Bidders include Gulf Hydrogen (TADAWUL:4410), Solvane SA (EPA:SLVN) and Orsted, while Senator "
            "Mara Quinlan (D-OR) asked for a federal loan guarantee.")
    kept = _kept(text, ["Gulf Hydrogen", "TADAWUL:4410", "Solvane SA", "EPA", "SLVN", "Orsted", "D-OR"])
    assert kept == {("Gulf Hydrogen", "ORG"), ("Solvane SA", "ORG"), ("Orsted", "ORG")}


def test_a_name_before_brackets_is_no_long_form_of_an_acronym_it_does_not_start_like(nlp):
    # The loose fit (nearly as many capitals as letters) once read "Ron Wyden (D-OR)" as a definition:
    # the senator became an organisation, and so did his party and state.
    text = "In the release, U.S. Senator Ron Wyden (D-OR) argued that federal money for small firms must grow."
    assert acronyms_of(text) == {}
    ents = by_text(refined(nlp, [text]))
    assert ("Ron Wyden", "PERSON") in ents and not {e for e in ents if e[1] == "ORG"}
    # A long form that starts as its acronym does still fits loosely ("and" for "&").
    assert acronyms_of("The Foreign, Commonwealth and Development Office (FCDO) funds it.") == {
        "FCDO": "Foreign, Commonwealth and Development Office"}


def test_a_makers_name_before_a_models_number_is_the_product():
    text = ("The valley's firms build parts for the Airbus A350 and the Boeing 777 Freighter, while Leonardo "
            "and Safran run repair shops near the airport.")
    kept = _kept(text, ["Airbus", "Boeing", "Leonardo", "Safran"])
    assert kept == {("Leonardo", "ORG"), ("Safran", "ORG")}
    assert _kept("Orders for Embraer E195s rose.", ["Embraer E195s"]) == set()
    # A number of units or a year after a firm's name is no model.
    assert _kept("Siemens 100 MW of turbines went to Vestas 2024 sites.", ["Siemens", "Vestas"]) == \
        {("Siemens", "ORG"), ("Vestas", "ORG")}


def test_platforms_workshops_matchmaking_events_and_challenges_are_not_organisations():
    text = ("Members signed up to the Baltic Cluster Collaboration Platform, met buyers at the Nordic-Japan "
            "Matchmaking Event, joined the Hydrogen Skills Workshop and entered the Urban Heat Challenge, all "
            "run by the Baltic Sea Cluster Network.")
    kept = _kept(text, ["Baltic Cluster Collaboration Platform", "Nordic-Japan Matchmaking Event",
                        "Hydrogen Skills Workshop", "Urban Heat Challenge", "Baltic Sea Cluster Network"])
    assert kept == {("Baltic Sea Cluster Network", "ORG")}


def test_what_a_person_is_of_or_works_at_is_an_organisation():
    text = ("Tomaz Kranjc of the parts maker Vodnik Avtodeli said the plant would grow, and Lena Ortmann of "
            "Hamburg agreed. Having left the hydrogen team at Booz Allen, Rui Costa met Ana Silva at Ana Silva's "
            "office.")
    given = [_entity(text, "Tomaz Kranjc", "PERSON"), _entity(text, "Vodnik Avtodeli", "PERSON"),
             _entity(text, "Lena Ortmann", "PERSON"), _entity(text, "Hamburg", "GPE"),
             _entity(text, "Booz Allen", "PERSON"), _entity(text, "Rui Costa", "PERSON")]
    given += [_entity(text, "Ana Silva", "PERSON"), _entity(text, "Ana Silva", "PERSON", nth=1)]
    kept = _cleaned(text, given)
    assert kept == [("Tomaz Kranjc", "PERSON"), ("Vodnik Avtodeli", "ORG"), ("Lena Ortmann", "PERSON"),
                    ("Hamburg", "GPE"), ("Booz Allen", "ORG"), ("Rui Costa", "PERSON"), ("Ana Silva", "PERSON"),
                    ("Ana Silva", "PERSON")]


def test_a_ministrys_list_of_portfolios_continues_its_name_but_a_list_of_bodies_does_not():
    from pipeline.entity_spans import repair_spans

    text = ("Funding came from the Department for Environment, Food and Rural Affairs, while partners at Tampere "
            "University of Technology, Pirkka Energia, Norvento Finland and the Regional Council of Pirkanmaa run "
            "the trials.")
    given = [_entity(text, "Department for Environment", "ORG"), _entity(text, "Tampere University of Technology", "ORG")]
    got = {(e.text, e.label) for e in repair_spans(text, given)}
    assert ("Department for Environment, Food and Rural Affairs", "ORG") in got
    assert ("Tampere University of Technology", "ORG") in got
    assert not any(t.startswith("Tampere University of Technology,") for t, _ in got)


def test_in_a_list_of_people_the_models_firms_named_like_people_are_people():
    text = ("The start-up was founded by Marta Kuusk, Indrek Sepp, Kaarel Tamm and Liis Org, with seed money "
            "from Nordic Ventures, Baltic Angels and Tera Capital.")
    given = [_entity(text, "Marta Kuusk", "PERSON"), _entity(text, "Indrek Sepp", "ORG"),
             _entity(text, "Kaarel Tamm", "ORG"), _entity(text, "Liis Org", "PERSON"),
             _entity(text, "Nordic Ventures", "ORG"), _entity(text, "Baltic Angels", "PERSON"),
             _entity(text, "Tera Capital", "ORG")]
    kept = _cleaned(text, given)
    assert kept[:4] == [("Marta Kuusk", "PERSON"), ("Indrek Sepp", "PERSON"), ("Kaarel Tamm", "PERSON"),
                        ("Liis Org", "PERSON")]
    assert kept[4:] == [("Nordic Ventures", "ORG"), ("Baltic Angels", "ORG"), ("Tera Capital", "ORG")]


def test_representatives_principal_secretaries_and_chairpersons_are_titles_not_part_of_a_body():
    from pipeline.entity_spans import repair_spans

    text = ("Ministry of Trade PS Amina Wekesa and African Development Bank Representative Tomas Arndt opened the hub; "
            "Grace Mutua, the Savannah Growers Network Chairperson, closed it.")
    given = [_entity(text, "Ministry of Trade PS Amina Wekesa", "ORG"),
             _entity(text, "African Development Bank Representative Tomas Arndt", "ORG"),
             _entity(text, "Grace Mutua", "PERSON"), _entity(text, "Savannah Growers Network Chairperson", "ORG")]
    from pipeline.entities import clean_passage, document_context

    kept = [(e.text, e.label) for e in clean_passage(text, repair_spans(text, given), document_context(text))]
    assert kept == [("Ministry of Trade", "ORG"), ("Amina Wekesa", "PERSON"), ("African Development Bank", "ORG"),
                    ("Tomas Arndt", "PERSON"), ("Grace Mutua", "PERSON"), ("Savannah Growers Network", "ORG")]


def test_organs_kinds_of_bodies_and_job_titles_are_not_names_and_a_role_keeps_an_attendee_a_person(nlp):
    paras = ["A Steering Committee (SC) and a Technical and Scientific Committee (TSC) oversee the project, which "
             "links Regional Development Agencies (RDA) with Cooperative Research Centres in four regions.",
             "Speakers: Ilse Vandermeer, Policy Officer, DG GROW, European Commission; Tomas Reyes, Project "
             "Adviser, EISMEA, European Commission."]
    ents = refined(nlp, paras)
    found = by_text(ents)
    assert not {t for t, _ in found} & {"Steering Committee", "SC", "Technical and Scientific Committee", "TSC",
                                        "Regional Development Agencies", "RDA", "Cooperative Research Centres",
                                        "Project Adviser", "Policy Officer"}
    assert {("Ilse Vandermeer", "PERSON"), ("Tomas Reyes", "PERSON"), ("European Commission", "ORG")} <= found


def test_a_name_runs_on_over_the_capitals_that_end_it_but_not_over_an_abbreviation_or_a_second_acronym():
    from pipeline.entity_spans import repair_spans

    text = ("The accelerator runs with EIT Climate KIC. Its sponsor, the Tees Valley LEP, met the Hydrogen "
            "Europe CEO, and ARCHES DOE funding arrived.")
    given = [_entity(text, "EIT Climate", "ORG"), _entity(text, "Tees Valley", "GPE"),
             _entity(text, "Hydrogen Europe", "ORG"), _entity(text, "ARCHES", "ORG")]
    got = [(e.text, e.label) for e in repair_spans(text, given)]
    assert ("EIT Climate KIC", "ORG") in got and ("Hydrogen Europe", "ORG") in got and ("ARCHES", "ORG") in got
    assert ("Tees Valley", "GPE") in got  # a place before capitals stays a place


def test_a_name_spelled_with_an_inner_capital_after_in_is_no_town():
    assert _kept("Cornell has launched Diversity in ClimateTech for founders.", ["ClimateTech"]) == {("ClimateTech", "ORG")}
    assert _kept("The plant opened in Rubavu last year.", ["Rubavu"]) == {("Rubavu", "GPE")}


def test_a_firm_one_holds_shares_in_is_no_town_after_in():
    text = "The fund invested EUR 18 million in Solvenergi and now holds a minority stake in Kalvo, near Tartu."
    assert _kept(text, ["Solvenergi", "Kalvo"]) == {("Solvenergi", "ORG"), ("Kalvo", "ORG")}
    # Money spent in a town still leaves the town a place.
    assert _kept("The firm spent EUR 3 million on a plant in Rubavu.", ["Rubavu"]) == {("Rubavu", "GPE")}


def test_a_phase_number_and_kinds_of_place_are_not_names_and_a_region_may_be_written_without_hyphens():
    from pipeline.places import is_place

    text = "During phase IV the State and the Regions backed Materalia in Grand Est and Derbi in Occitanie."
    kept = _kept(text, ["IV", "Regions", "Grand Est", "Occitanie"], label="GPE")
    assert kept == {("Grand Est", "GPE"), ("Occitanie", "GPE")}
    assert is_place("Grand Est") and is_place("Grand-Est") and not is_place("Grand Estate")


def test_the_uks_regions_and_subregions_are_places(nlp):
    paras = ["The clusters span North Wales, the East of England, Teesside and the Humber, where the "
             "Humber Offshore Wind Cluster signed up 40 firms from Mid Wales to Tyneside."]
    found = by_text(refined(nlp, paras))
    for name in ("North Wales", "East of England", "Teesside", "Humber", "Mid Wales", "Tyneside"):
        assert (name, "LOC") in found, name
    assert ("Humber Offshore Wind Cluster", "ORG") in found


def test_korean_ministry_names_given_names_areas_and_plans_from_a_cluster_policy_page():
    from pipeline.entities import document_context
    from pipeline.entity_spans import repair_spans

    text = ("In May 2019 the Ministry of Oceans, Fisheries, and Shipping (Minister Park Jun-seok) named firms from "
            "the Busan Metropolitan Area to the 3rd Plan for Coastal Cluster Growth. The Busan Marine "
            "Cluster programme opened.")
    given = [_entity(text, "Ministry of Oceans, Fisheries", "ORG"), _entity(text, "Shipping", "ORG"),
             _entity(text, "Park Jun", "PERSON")]
    got = [(e.text, e.label) for e in repair_spans(text, given)]
    assert ("Ministry of Oceans, Fisheries, and Shipping", "ORG") in got and ("Park Jun-seok", "PERSON") in got
    assert _kept(text, ["Busan Metropolitan Area", "Plan for Coastal Cluster Growth", "Busan Marine Cluster"]) == \
        {("Busan Metropolitan Area", "GPE")}
    assert "Busan Marine Cluster" in document_context(text).projects  # "The ... programme": the article left out


def test_in_a_list_of_attendees_the_body_after_a_persons_role_is_an_organisation():
    text = "Speakers: Marta Ruiz Ortega, Executive Director, Ruta Verde; Tomás Ibarra, Cluster Manager, Nodo Sur."
    given = [_entity(text, "Marta Ruiz Ortega", "PERSON"), _entity(text, "Ruta Verde", "PERSON"),
             _entity(text, "Tomás Ibarra", "PERSON"), _entity(text, "Nodo Sur", "GPE")]
    kept = _cleaned(text, given)
    assert kept == [("Marta Ruiz Ortega", "PERSON"), ("Ruta Verde", "ORG"), ("Tomás Ibarra", "PERSON"),
                    ("Nodo Sur", "ORG")]


def test_a_name_the_model_missed_after_a_persons_of_is_their_organisation():
    text = ("Energy expert Ruth Okafor of Whitlow Partners said the cluster of Lagos firms, backed by Femi "
            "Adeyemi of Horizon Europe, would grow.")
    given = [_entity(text, "Ruth Okafor", "PERSON"), _entity(text, "Femi Adeyemi", "PERSON")]
    kept = _cleaned(text, given)
    assert kept == [("Ruth Okafor", "PERSON"), ("Whitlow Partners", "ORG"), ("Femi Adeyemi", "PERSON")]


def test_two_names_of_a_kind_joined_by_and_are_two():
    from pipeline.entity_spans import repair_spans

    text = "Projects went to Arena Eyde and Arena Arctic Winter Adventures, and to NCE Raufoss and NCE Maritime."
    given = [_entity(text, "Arena Eyde and Arena Arctic Winter Adventures", "ORG"),
             _entity(text, "NCE Raufoss and NCE Maritime", "ORG")]
    got = [(e.text, e.label) for e in repair_spans(text, given)]
    assert got == [("Arena Eyde", "ORG"), ("Arena Arctic Winter Adventures", "ORG"), ("NCE Raufoss", "ORG"),
                   ("NCE Maritime", "ORG")]


def test_a_reference_mark_after_a_year_is_no_part_of_the_date(nlp):
    found = by_text(refined(nlp, ["Such policies often fail to deliver (Dutz et al., 2014[1]; Morgan, 2018[2])."]))
    assert ("2014", "DATE") in found and ("2018", "DATE") in found
    assert not any("[" in t for t, _ in found)


def test_names_listed_right_after_a_plural_noun_for_firms_are_firms():
    text = "Three companies, Lumora, Data Vantage and Kestrel Systems, won contracts in Lahore."
    kept = _kept(text, ["Lumora", "Data Vantage", "Lahore"], label="PERSON")
    assert {("Lumora", "ORG"), ("Data Vantage", "ORG")} <= kept


def test_operations_projects_and_a_plan_named_with_its_acronym_are_programmes_and_who_leads_is_a_person():
    text = ("Under the Strategic Battery Technology (SBT) Plan and Operation Lighthouse, the ministry funds "
            "Project Meridian; Anneli Korpela, who heads the cluster, welcomed it, as did SBT partners.")
    kept = _kept(text, ["Strategic Battery Technology", "SBT", "Operation Lighthouse", "Project Meridian",
                        "Anneli Korpela"])
    assert kept == {("Anneli Korpela", "PERSON")}


def test_a_common_noun_after_a_nationality_and_a_direction_alone_are_not_names():
    text = ("A Hungarian ministry leads the project with Eastern partner countries, while the MSME ministry "
            "and the Western Cape government fund the Danish Agency for Digitisation.")
    kept = _kept(text, ["Hungarian ministry", "Eastern", "MSME ministry", "Western Cape",
                        "Danish Agency for Digitisation"])
    assert {name for name, _ in kept} == {"MSME ministry", "Western Cape", "Danish Agency for Digitisation"}


def test_a_person_of_a_body_taken_for_one_name_is_split_but_a_university_of_a_city_is_not():
    from pipeline.entity_spans import repair_spans

    text = "Ingrid Moser of Biotech Cluster Styria met the Technical University of Munich and the Free University of Bozen."
    given = [_entity(text, "Ingrid Moser of Biotech Cluster Styria", "ORG"),
             _entity(text, "Technical University of Munich", "ORG"), _entity(text, "Free University of Bozen", "ORG")]
    got = [(e.text, e.label) for e in repair_spans(text, given)]
    assert ("Ingrid Moser", "PERSON") in got and ("Biotech Cluster Styria", "ORG") in got
    assert ("Technical University of Munich", "ORG") in got and ("Free University of Bozen", "ORG") in got


def test_a_region_named_inside_a_bodys_name_does_not_cut_the_name():
    from pipeline.entity_spans import repair_spans

    text = "Led by the Regional Development Agency of Usti Region, PLC, the partners met in Karlovy Vary Region."
    given = [_entity(text, "Regional Development Agency of Usti Region", "ORG"), _entity(text, "PLC", "ORG")]
    got = [(e.text, e.label) for e in repair_spans(text, given)]
    assert ("Regional Development Agency of Usti Region, PLC", "ORG") in got
    assert ("Karlovy Vary Region", "GPE") in got  # a region standing alone is still found by its shape


def test_a_name_the_text_calls_a_city_or_town_is_a_place():
    text = "A third park will open in the Sixth of October city, near a Medieval Italian town and Nordvik village."
    kept = _kept(text, ["Sixth of October", "Medieval Italian", "Nordvik"])
    assert ("Sixth of October", "GPE") in kept and ("Nordvik", "GPE") in kept
    assert ("Medieval Italian", "ORG") in kept  # an adjective before "town" names no town: left as the model said


def test_a_head_noun_in_the_language_of_the_name_makes_a_body():
    text = "Contributors came from Provadis Hochschule, the Fraunhofer Stiftung and Saxon Wirtschaftskammer."
    kept = _kept(text, ["Provadis Hochschule", "Fraunhofer Stiftung"], label="PERSON")
    assert kept == {("Provadis Hochschule", "ORG"), ("Fraunhofer Stiftung", "ORG")}


def test_funds_and_programmes_in_the_plural_are_programmes():
    text = "Money came from the European Structural and Investment Funds (ESIF) and the Nordic Programmes, via Vinnova."
    kept = _kept(text, ["European Structural and Investment Funds", "ESIF", "Nordic Programmes", "Vinnova"])
    assert kept == {("Vinnova", "ORG")}


def test_a_platform_dropped_by_the_rules_is_not_found_again_by_its_last_word(nlp):
    paras = ["Members signed up to the Baltic Cluster Collaboration Platform, which the Baltic Sea Cluster "
             "Network runs from Riga with the Advanced Manufacturing Institutes."]
    found = by_text(refined(nlp, paras))
    assert not any("Platform" in name or "Institutes" in name for name, _ in found)
    assert ("Baltic Sea Cluster Network", "ORG") in found


def test_errors_read_on_real_pages_of_three_continents():
    """Each from a class seen running new real pages (paraphrased here): a dash after a person's name,
    a scheme's name in quotes, a dateline in capitals, a surname the model took for a town, letters after
    a name standing alone, a science park taken for a person, two bodies joined by "with"."""
    from pipeline.entity_spans import repair_spans

    text = "The prize went to chip pioneer Lin Mei-hua - for her work on sensors."
    assert _kept(text, ["Lin Mei-hua - for"], label="PERSON") == {("Lin Mei-hua", "PERSON")}

    text = "The ministry named it the 'Coastal Cluster Upgrade Scheme' (CCUS); the CCUS starts in May."
    assert acronyms_of(text) == {"CCUS": "Coastal Cluster Upgrade Scheme"}
    assert _kept(text, ["CCUS"]) == set()  # a scheme's acronym names no body

    assert _kept("MUSCAT: Hydrogen Oman signed three deals.", ["MUSCAT"]) == {("MUSCAT", "GPE")}
    assert _kept("LAGOS, Nigeria, 3 May - The hub opened.", ["LAGOS"]) == {("LAGOS", "GPE")}
    assert _kept("CESAR, rated the most innovative institute, moved.", ["CESAR"]) == {("CESAR", "ORG")}

    text = "Pauline Verdier, head of hydrogen at Solvane, signed the deal. Verdier said more would follow in Lyon."
    given = [_entity(text, "Pauline Verdier", "PERSON"), _entity(text, "Solvane", "ORG"),
             _entity(text, "Verdier", "GPE", nth=1), _entity(text, "Lyon", "GPE")]
    assert {(e.text, e.label) for e in _settled(text, given)} == {
        ("Pauline Verdier", "PERSON"), ("Solvane", "ORG"), ("Verdier", "PERSON"), ("Lyon", "GPE")}

    text = "Minister for Enterprise Mary Doyle, TD, today opened the centre."
    assert _kept(text, ["TD"], label="GPE") == set()

    text = "Tenants of Lothian Technopole praised the site."
    assert _kept(text, ["Lothian Technopole"], label="PERSON") == {("Lothian Technopole", "ORG")}

    text = "The scheme was created by the Ministry of Economy with Corfo, which funds it."
    got = [(e.text, e.label) for e in repair_spans(text, [_entity(text, "Ministry of Economy with Corfo", "ORG")])]
    assert got == [("Ministry of Economy", "ORG"), ("Corfo", "ORG")]
    # "with" between a name and a common noun joins nothing
    text = "Ports with Nordic Energy Cluster members grew."
    assert [e.text for e in repair_spans(text, [_entity(text, "Nordic Energy Cluster", "ORG")])] == ["Nordic Energy Cluster"]


def test_a_site_named_before_wind_farm_in_lower_case_is_a_place_but_not_its_operator(nlp):
    paras = ["Suppliers queue for Nordvik Energi's 1.4GW Skarvhavet One offshore windfarm, and the 588 MW Kelpie "
             "wind farm and the East Anglia 3 offshore wind farm need cables too.",
             "Siemens will make the Skarvhavet One turbines, while the 300MW Loch Renewables wind farm waits."]
    found = by_text(refined(nlp, paras))
    assert {("Skarvhavet One", "LOC"), ("Kelpie", "LOC"), ("East Anglia 3", "LOC")} <= found
    assert ("Skarvhavet One", "ORG") not in found  # the second mention follows the first
    assert not {e for e in found if e[0] in ("Nordvik Energi's 1.4GW Skarvhavet One", "Loch Renewables") and e[1] == "LOC"}


def test_a_known_place_with_a_word_for_a_part_of_it_is_a_place():
    text = "The supercluster links Atlantic Canada and Greater Baltimore with Central Finland Cluster members."
    assert _kept(text, ["Atlantic Canada", "Greater Baltimore"]) == {("Atlantic Canada", "LOC"), ("Greater Baltimore", "LOC")}
    assert _kept(text, ["Central Finland Cluster"]) == {("Central Finland Cluster", "ORG")}  # a body's name


def test_an_acronym_in_brackets_before_project_or_programme_names_that_project(nlp):
    paras = ["Ten clusters finished the Coastal Innovation Routes (CIR) project in 2023, and the Nordic Growth "
             "Hubs (NGH) programme follows.",
             "The CIR partners will meet again, with the Midlands Mobility (MM) consortium."]
    found = by_text(refined(nlp, paras))
    assert not {e for e in found if e[0] in ("CIR", "NGH") and e[1] == "ORG"}
    assert ("MM", "ORG") in found or ("Midlands Mobility", "ORG") in found  # a consortium is a body


def test_a_firm_marked_by_its_noun_or_by_where_it_is_based_is_a_firm_even_if_a_place_has_its_name():
    text = "Startups won contracts from CORFO and the company Albemarle, while the Singapore-based Ascendas invested."
    given = [_entity(text, "CORFO", "ORG"), _entity(text, "Albemarle", "ORG"), _entity(text, "Singapore", "GPE"),
             _entity(text, "Ascendas", "GPE")]
    assert {(e.text, e.label) for e in _settled(text, given)} == {
        ("CORFO", "ORG"), ("Albemarle", "ORG"), ("Singapore", "GPE"), ("Ascendas", "ORG")}


def test_a_spokesperson_after_a_bodys_name_and_courtesy_titles_of_other_languages_are_no_part_of_names():
    text = "Chinese Foreign Ministry Spokesperson, Zhao Lijian welcomed it."
    assert _kept(text, ["Chinese Foreign Ministry Spokesperson"]) == {("Chinese Foreign Ministry", "ORG")}
    text = "The region's president, Ato Dessie Dalkie, and Shri Piyush Goyal spoke."
    assert _kept(text, ["Ato Dessie Dalkie", "Shri Piyush Goyal"], label="PERSON") == {
        ("Dessie Dalkie", "PERSON"), ("Piyush Goyal", "PERSON")}


def test_phrases_found_in_one_pass_are_those_each_plain_search_finds():
    """WholeWords reads a text once for all its phrases (names of a long report): the same places as
    searching the text once per phrase, at word edges, hyphens, digits, repeats and symbols."""
    import random

    from pipeline.entities import WholeWords, whole_words

    phrases = ["Olio", "Connected Clusters", "ConnectedClusters", "EIT", "EIT Climate-KIC", "Climate-KIC", "KIC",
               "C40 Cities", "(CPI", "'s Hub", "R&D", "Ålesund Cluster", "Olio Olio", "", "e-mobil BW",
               # names sharing their first words, each a prefix of the next (a glossary's "University of ...")
               "Climate-KIC Hub", "Climate-KIC Hub Cities", "EIT Climate", "Olio Olio Olio", "R&D Hub", "KIC ("]
    texts = ["Olio and Olio-based firms, OlioX, Olio Olio Olio; ConnectedClusters met Connected Clusters.",
             "EIT Climate-KIC (EIT) and KIC-2 with C40 Cities, C40 Citiesx, (CPI and Partner's Hub, R&D.",
             "Ålesund Cluster, e-mobil BW and xe-mobil BW, _Olio, Olio_, 2Olio, Olio2, -Olio and Olio-"]
    rng = random.Random(7)
    words = ["Olio", "EIT", "Climate-KIC", "KIC", "C40", "Cities", "Connected", "Clusters", "R&D", "-", "_", "(CPI",
             "'s", "Hub", "Ålesund", "Cluster", "e-mobil", "BW", ",", ".", "x", "Climate", "("]
    texts += [" ".join(rng.choice(words) for _ in range(60)).replace(" ,", ",") for _ in range(200)]
    # A few phrases' first words are looked for one by one; many (a glossary) through the text's words.
    many = phrases + [f"Hub{i} Cluster" for i in range(80)]
    texts.append(" ".join(f"Hub{i} Cluster and Hub{i}" for i in range(0, 90, 3)))
    for wanted in (phrases, many):
        finder = WholeWords(wanted)
        for text in texts:
            found = finder.find(text)
            assert {p: found.get(p, []) for p in wanted} == {p: whole_words(text, p) for p in wanted}, text


def test_a_name_of_hundreds_of_words_is_found_by_one_plain_search():
    """A hostile file's one "name" of hundreds of words ("Ministry of Agency of Office of ...", which the model
    tags whole) is looked for with a plain search: following it through the trie at each of its first
    word's occurrences took time growing with the square of the text's length (1.3 s of refinement for
    20,000 characters, 3.9 s for 40,000). Its places are still those a plain search finds."""
    from pipeline.entities import WholeWords, whole_words

    chain = "Ministry of Agency of Office of " * 400
    wanted = ["Ministry of Agency", "Office", chain.strip(), chain[:200].strip()]
    finder = WholeWords(wanted)
    assert chain.strip() in finder.plain and "Ministry of Agency" not in finder.plain
    for text in (chain, chain + chain, "The " + chain + "Board"):
        found = finder.find(text)
        assert {p: found.get(p, []) for p in wanted} == {p: whole_words(text, p) for p in wanted}


def test_span_index_answers_as_a_scan_of_every_entity_does():
    """SpanIndex (a passage's entities by start, asked which overlap a range) gives what comparing every
    entity gives, as entities come and go: overlapping and nested spans, equal spans, zero-width ranges."""
    import random

    from pipeline.entity_spans import SpanIndex
    from pipeline.records import Entity

    rng = random.Random(11)
    for _ in range(300):
        ents = []
        for _ in range(rng.randint(0, 25)):
            a = rng.randint(0, 120)
            ents.append(Entity("x", rng.choice(["ORG", "GPE", "DATE"]), a, a + rng.randint(1, 30)))
        index, alive = SpanIndex(ents), list(ents)
        for _ in range(20):
            a = rng.randint(0, 150)
            b = a + rng.randint(0, 40)
            scan = [e for e in alive if e.start < b and a < e.end]
            assert sorted(map(id, index.overlapping(a, b))) == sorted(map(id, scan))
            assert index.any(a, b) == bool(scan)
            if scan and rng.random() < 0.5:  # a wider name replaces what it holds, as the repairs do
                index.remove(scan)
                alive = [e for e in alive if all(e is not s for s in scan)]
                new = Entity("y", "ORG", min(e.start for e in scan), max(e.end for e in scan))
                index.add(new)
                alive.append(new)
        assert [id(e) for e in index.live()] == [id(e) for e in alive]


def test_errors_read_on_real_pages_of_the_second_round():
    """A firm's word of another language, an extraordinary assembly, a list whose items open with "the",
    a country's code in such a list, and years cited together."""
    assert _kept("Members Tartu Energia and Loode Energie signed.", ["Tartu Energia", "Loode Energie"],
                 label="PERSON") == {("Tartu Energia", "ORG"), ("Loode Energie", "ORG")}
    assert _kept("At an Extraordinary Assembly, the partners renamed it.", ["Extraordinary Assembly"]) == set()
    text = "Signatories: Alexela, Eesti Energia, the Port of Tallinn and the University of Tartu."
    given = [_entity(text, "Alexela", "GPE"), _entity(text, "Eesti Energia", "ORG"),
             _entity(text, "Port of Tallinn", "ORG"), _entity(text, "University of Tartu", "ORG")]
    assert ("Alexela", "ORG") in _cleaned(text, given)
    text = "Donors include GIZ, the Mastercard Foundation and the UK's development office."
    given = [_entity(text, "GIZ", "ORG"), _entity(text, "Mastercard Foundation", "ORG"), _entity(text, "UK", "GPE")]
    assert ("UK", "GPE") in _cleaned(text, given)
    text = "Cluster policy grew ever since Porter (1990, 1998), and 2019, 2020 and 2021 were good years."
    assert [e for e in _cleaned(text, [_entity(text, "1990, 1998", "DATE"), _entity(text, "2019, 2020 and 2021", "DATE")])] \
        == [("1990", "DATE"), ("1998", "DATE"), ("2019", "DATE"), ("2020", "DATE"), ("2021", "DATE")]


def test_a_policy_named_like_a_body_is_a_policy_but_a_body_for_a_policy_is_a_body():
    text = ("The Basque Cluster Policy began in the 1990s; the Ministry of Economic Affairs and Climate Policy "
            "and the Dhaka Institute for Industrial Policy studied it.")
    names = ["Basque Cluster Policy", "Ministry of Economic Affairs and Climate Policy", "Dhaka Institute for Industrial Policy"]
    assert _kept(text, names) == {(n, "ORG") for n in names[1:]}


def test_a_place_or_body_named_with_a_year_before_a_word_for_a_plan_is_the_plans_name(nlp):
    """"the Europe 2020 strategy", "Taranaki 2050 Roadmap": the place in a plan's name is not tagged, whether
    the model tagged it or the place list found it; a place before a year used otherwise still is."""
    text = "The Maroc Digital 2030 strategy names the agency; Casablanca hosts its offices."
    assert {name for name, _ in _kept(text, ["Maroc Digital", "Casablanca"])} == {"Casablanca"}
    paras = ["The clusters were designated to carry out the Europe 2020 strategy, and the region's partners signed "
             "the Taranaki 2050 Roadmap in New Plymouth.",
             "Exports to Europe in 2020 fell by a tenth, the Ministry said."]
    found = refined(nlp, paras)
    assert not any(e.text in ("Europe", "Taranaki") for e in found[0])
    assert ("New Plymouth", "GPE") in by_text(found[:1])
    assert ("Europe", "LOC") in by_text(found[1:]) or ("Europe", "GPE") in by_text(found[1:])


def test_the_end_of_the_year_and_a_half_year_are_dates(nlp):
    """Relative dates written as a part of a period, and half-years, as the annotation rule has them; a
    duration beside them is still no date."""
    paras = ["The hub expects 40 members by the end of the year, up from 25 in H1 2024; since the turn of the "
             "century the region has rebuilt its yards over two decades of work."]
    dates = {e.text for e in refined(nlp, paras, "2024-06-01")[0] if e.label == "DATE"}
    assert {"end of the year", "H1 2024", "turn of the century"} <= dates
    assert not any("two decades" in d for d in dates)


def test_a_harbour_is_a_place_without_a_government(nlp):
    """"Cork Harbour", "Halifax Harbour": a harbour is a site, LOC, whatever the model made of it (a town,
    a firm, a person)."""
    paras = ["Ferries crossing Poole Harbour and Halifax Harbour will switch to battery power, and the trial "
             "in Cork Harbour starts in May."]
    found = by_text(refined(nlp, paras))
    assert {("Poole Harbour", "LOC"), ("Halifax Harbour", "LOC"), ("Cork Harbour", "LOC")} <= found


def test_the_first_item_of_a_list_of_organisations_opening_a_sentence_is_one_too(nlp):
    """"Engie, TotalEnergies and Air Liquide will invest": the model often misses a name opening a passage;
    a list of organisations says what it is. Not a word that opens sentences, nor a date or a place."""
    found = by_text(refined(nlp, ["Engie, TotalEnergies and Air Liquide will jointly invest in the hub."]))
    assert {("Engie", "ORG"), ("TotalEnergies", "ORG"), ("Air Liquide", "ORG")} <= found
    for para in ["However, TotalEnergies and Air Liquide will jointly invest in the hub.",
                 "In October, TotalEnergies and Air Liquide agreed to invest in the hub."]:
        assert not any(name.startswith(("However", "In")) for name, _ in by_text(refined(nlp, [para])))


def test_errors_read_on_real_pages_of_the_thirteenth_round(nlp):
    """Each from a class seen on passages written from new real pages (paraphrased here)."""
    # A name found by its shape stops at a possessive inside it ("People's Government" is a name).
    found = by_text(refined(nlp, ["Emile Hoogsteden, the Port of Rotterdam Authority's Commercial Director, "
                                  "says two projects explain it."]))
    assert not any("Commercial" in name for name, _ in found)
    # A month the model took for a name, with its day, is a date.
    found = by_text(refined(nlp, ["Koh Poh Koon announced the district's plan on Tuesday (Mar 3)."]))
    assert ("Mar 3", "DATE") in found and not any(name == "Mar" for name, _ in found)
    # Two firms joined by "and", the first ending in its legal form, are two.
    found = by_text(refined(nlp, ["Land was allotted to Welspun New Energy Ltd and Reliance Green Hydrogen and "
                                  "Green Chemicals Ltd. at Kandla, and the waste handler Kara/Noveren I/S and "
                                  "RGS 90 A/S joined the network."]))
    assert {("Welspun New Energy Ltd", "ORG"), ("Kara/Noveren I/S", "ORG"), ("RGS 90 A/S", "ORG")} <= found
    # A firm's nationality is no part of its one-word brand; a body's official name keeps it.
    text = ("Investors include Japanese Nidec, maker of motors, and Danish Sonion, a maker of hearing parts, advised "
            "by the Swedish Energy Agency.")
    assert {("Nidec", "ORG"), ("Swedish Energy Agency", "ORG")} <= by_text(refined(nlp, [text]))
    # The NER shipped before round 20 took "Danish Sonion" for a person; the one after misses it.
    assert _cleaned(text, [_entity(text, "Danish Sonion", "PERSON")]) == [("Sonion", "ORG")]


def test_an_industrial_park_is_a_site_and_rulers_and_malaysian_honours_are_titles(nlp):
    """"Tien Hai Industrial Park" is a place without a government (the model made such parks people);
    "Sultan" before a name with a patronymic, Malaysian honours and "Shri" before initials are titles,
    while "Sultan" as a given name stays."""
    found = by_text(refined(nlp, ["Investors chose the Tien Hai Industrial Park and the Phong Dien Industrial Park "
                                  "in Vietnam's north."]))
    assert {("Tien Hai Industrial Park", "LOC"), ("Phong Dien Industrial Park", "LOC")} <= found
    found = by_text(refined(nlp, ["The hub was opened by Sultan Haitham bin Tarik in Duqm, with Sultan bin Ahmed "
                                  "Al Jaber. Dato’ Wira Ku Abd Rahman Ku Ismail asked the minister, and the "
                                  "secretary, Shri T.K. Ramachandran, replied."]))
    assert {("Haitham bin Tarik", "PERSON"), ("Ku Abd Rahman Ku Ismail", "PERSON"),
            ("T.K. Ramachandran", "PERSON")} <= found
    assert ("Sultan bin Ahmed Al Jaber", "PERSON") in found


def test_a_name_followed_by_a_governors_or_ambassadors_title_is_a_person_but_an_assembly_is_not(nlp):
    found = by_text(refined(nlp, ["The board met a working table led by Jorge Flies, Regional Governor of "
                                  "Magallanes, on February 22.",
                                  "Honourable Members of the National Assembly, Madam Governor of the Dakar Region, "
                                  "welcome."]))
    assert ("Jorge Flies", "PERSON") in found and ("National Assembly", "ORG") in found


def test_the_seat_after_mp_for_is_a_place(nlp):
    found = by_text(refined(nlp, ["Stephen Crabb, MP for Preseli Pembrokeshire, welcomed the freeport bid."]))
    assert ("Preseli Pembrokeshire", "GPE") in found and ("Stephen Crabb", "PERSON") in found


def test_a_brewer_is_a_firm_and_a_town_runs_on_over_its_rivers_particles(nlp):
    found = by_text(refined(nlp, ["The barge shuttles for the brewer Heineken between Alphen aan den Rijn and "
                                  "Moerdijk, and from Bergen op Zoom to Frankfurt am Main."]))
    assert ("Heineken", "ORG") in found
    assert {("Alphen aan den Rijn", "GPE"), ("Bergen op Zoom", "GPE"), ("Frankfurt am Main", "GPE")} <= found
    assert not any(name in ("Zoom", "Main", "Alphen") for name, _ in found)


def test_peninsular_and_mainland_parts_of_a_country_are_places(nlp):
    found = by_text(refined(nlp, ["The plan covers the northern region of Peninsular Malaysia, including Penang, "
                                  "and suppliers in Mainland China."]))
    assert {("Peninsular Malaysia", "LOC"), ("Penang", "GPE")} <= found
    assert {label for name, label in found if name == "Mainland China"} <= {"GPE", "LOC"}


def test_a_nationality_before_a_known_place_names_a_part_of_it(nlp):
    text = ("The table was led by the Regional Governor of Magallanes and Chilean Antarctica, while resorts in the "
            "Swiss Alps joined.")
    assert ("Swiss Alps", "LOC") in by_text(refined(nlp, [text]))
    # The NER of rounds 6 to 20 (and en_core_web_sm's) took "Chilean Antarctica" for a body.
    assert _kept(text, ["Chilean Antarctica"]) == {("Chilean Antarctica", "LOC")}


def test_a_list_of_people_and_their_bodies_is_read_as_one(nlp):
    """"Kai Johansen of Glencore Nikkelverk, Svein Are Folgerø of Agder Energi, ...": the model may tag one
    person with their body as one organisation, or a person alone as one; another person named with a body
    in the passage says how to read them. Not a body's branch, nor anything without such a list."""
    text = ("The board members are Kai Johansen of Glencore Nikkelverk, Svein Are Folgerø of Agder Energi, "
            "Torstein Thorsen Ekern of Greenstat and Doru Pamfil of the Cluj-Napoca Branch of the Romanian Academy.")
    given = [_entity(text, "Kai Johansen", "PERSON"), _entity(text, "Glencore Nikkelverk", "ORG"),
             _entity(text, "Svein Are Folgerø of Agder Energi", "ORG"), _entity(text, "Torstein Thorsen Ekern", "ORG"),
             _entity(text, "Greenstat", "GPE"), _entity(text, "Doru Pamfil", "PERSON"),
             _entity(text, "Cluj-Napoca Branch of the Romanian Academy", "ORG")]
    assert _cleaned(text, given) == [
        ("Kai Johansen", "PERSON"), ("Glencore Nikkelverk", "ORG"), ("Svein Are Folgerø", "PERSON"),
        ("Agder Energi", "ORG"), ("Torstein Thorsen Ekern", "PERSON"), ("Greenstat", "ORG"),
        ("Doru Pamfil", "PERSON"), ("Cluj-Napoca Branch of the Romanian Academy", "ORG")]
    alone = "The prize went to Svein Are Folgerø of Agder Energi."
    assert _cleaned(alone, [_entity(alone, "Svein Are Folgerø of Agder Energi", "ORG")]) == [
        ("Svein Are Folgerø of Agder Energi", "ORG")]


def test_a_possessive_that_belongs_to_a_name_does_not_cut_it():
    """"Nationwide Children’s Hospital", "Cincinnati Children's Hospital Medical Center", "Suzhou People's
    Government": the possessive is the name's, so the name is neither cut there nor found in pieces.
    "Maharashtra's Department of Agriculture" is still the place and the department."""
    from pipeline.entity_spans import repair_spans

    text = ("Nationwide Children’s Hospital joined Cincinnati Children's Hospital Medical Center, the Suzhou People's "
            "Government and Maharashtra's Department of Agriculture.")
    given = [_entity(text, "Nationwide Children’s Hospital", "ORG"), _entity(text, "Cincinnati Children", "ORG"),
             _entity(text, "Hospital Medical Center", "ORG", nth=0), _entity(text, "Suzhou People's Government", "ORG"),
             _entity(text, "Maharashtra's Department of Agriculture", "ORG")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Nationwide Children’s Hospital", "ORG"), ("Cincinnati Children's Hospital Medical Center", "ORG"),
        ("Suzhou People's Government", "ORG"), ("Maharashtra", "GPE"), ("Department of Agriculture", "ORG")]
    # The model tagged only what follows the possessive: the name runs back over it.
    text = "Partners include Queen’s University Belfast and The Women's Bank, not the Queen's speech."
    given = [_entity(text, "University Belfast", "ORG"), _entity(text, "Bank", "ORG")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Queen’s University Belfast", "ORG"), ("Women's Bank", "ORG")]


def test_errors_read_on_real_pages_of_the_fourteenth_round():
    """Each from a class seen on passages written from new real pages (paraphrased here)."""
    # A plant, a megasite or a terminal is a site, LOC, whatever the model made of it.
    text = ("Batteries from the Chattanooga Assembly Plant and the Memphis Regional Megasite will be shipped from the "
            "Victorian Renewable Energy Terminal and the Sines LNG Terminal.")
    assert _kept(text, ["Chattanooga Assembly Plant", "Memphis Regional Megasite", "Victorian Renewable Energy Terminal",
                        "Sines LNG Terminal"]) == {
        ("Chattanooga Assembly Plant", "LOC"), ("Memphis Regional Megasite", "LOC"),
        ("Victorian Renewable Energy Terminal", "LOC"), ("Sines LNG Terminal", "LOC")}
    # A member's seat named like a body ("... Centre") stays the place the MP rule made it.
    from pipeline.entity_spans import repair_spans

    text = "Also present was Stephen Woodworth, MP for Kitchener Centre, with the Ottawa Innovation Centre."
    given = [_entity(text, "Stephen Woodworth", "PERSON"), _entity(text, "Kitchener Centre", "GPE")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Stephen Woodworth", "PERSON"), ("Kitchener Centre", "GPE"), ("Ottawa Innovation Centre", "ORG")]
    # A job title or a title of office the model took for a body names none.
    text = "Ms Tran Mai Linh, UNIDO's National Technical Specialist, met Park Ji-ho, Korea's Consul General in Hanoi."
    assert _kept(text, ["National Technical Specialist", "Consul General"]) == set()


def test_an_acronym_of_a_place_names_the_place(nlp):
    """"North Rhine-Westphalia (NRW)", "Democratic Republic of the Congo (DRC)": a defined acronym names a
    body unless its long form is a place; then both are the place, wherever the document writes them.
    Regions known by their English names count ("North Rhine-Westphalia", "Lower Saxony", "Sichuan")."""
    paras = ["South Holland wants to work with the state of North Rhine-Westphalia (NRW) on a hydrogen network "
             "linked to the port.",
             "When NRW presented its hydrogen roadmap in 2020, South Holland was the only foreign partner invited, "
             "alongside delegations from Lower Saxony and Sichuan."]
    found = by_text(refined(nlp, paras))
    assert {("North Rhine-Westphalia", "GPE"), ("NRW", "GPE")} <= found
    assert not any(label == "ORG" and name in ("NRW", "Lower Saxony", "Sichuan") for name, label in found)
    # A site's acronym names the site: economic and free zones, corridors, industrial parks.
    found = by_text(refined(nlp, ["Investors were shown the Nqura Special Economic Zone (NSEZ) near the port; the NSEZ "
                                  "already hosts two battery makers."]))
    assert ("Nqura Special Economic Zone", "LOC") in found and ("NSEZ", "LOC") in found


def test_errors_read_on_real_pages_of_the_fifteenth_round():
    """Each from a class seen on passages written from new real pages (paraphrased here)."""
    from pipeline.entities import acronyms_of
    from pipeline.entity_spans import repair_spans

    # An acronym's loosely fitted long form does not take in "According to the".
    text = "According to the Spanish Hydrogen Association (AEH2), the valleys could draw 21.9 billion euros."
    assert acronyms_of(text) == {"AEH2": "Spanish Hydrogen Association"}
    # A nationality before a public body's one-word name is the name's ("Scottish Enterprise").
    text = "Funding came from Scottish Enterprise and from the Danish firm Sonion."
    assert _kept(text, ["Scottish Enterprise", "Danish firm Sonion"]) >= {("Scottish Enterprise", "ORG")}
    # Two bodies found by their last word: the second starts after the "and" that ends the model's first.
    text = "The public bodies Scottish Enterprise and Highlands and Islands Enterprise joined the group."
    given = [_entity(text, "Scottish Enterprise", "ORG")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Scottish Enterprise", "ORG"), ("Highlands and Islands Enterprise", "ORG")]
    # A group and the country it is from are two names; a company's official name takes the country in.
    text = "MOL Group of Japan joined Ford Motor Company of South Africa in the consortium."
    given = [_entity(text, "MOL Group", "ORG"), _entity(text, "Japan", "GPE"), _entity(text, "Ford Motor Company", "ORG"),
             _entity(text, "South Africa", "GPE")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("MOL Group", "ORG"), ("Japan", "GPE"), ("Ford Motor Company of South Africa", "ORG")]
    # An island is a place, whatever the model made of it.
    text = "Hydrogen valleys are planned from Huelva to Soria and as far as Mallorca, Crete and Cape Breton."
    given = [_entity(text, "Huelva", "GPE"), _entity(text, "Soria", "GPE"), _entity(text, "Mallorca", "ORG"),
             _entity(text, "Crete", "PERSON"), _entity(text, "Cape Breton", "ORG")]
    assert [(e.text, e.label in ("GPE", "LOC")) for e in _settled(text, given)] == [
        ("Huelva", True), ("Soria", True), ("Mallorca", True), ("Crete", True), ("Cape Breton", True)]


def test_errors_read_on_real_pages_of_the_sixteenth_round():
    """Each from a class seen on real pages read this round or on passages written from them (paraphrased here)."""
    from pipeline.entity_spans import date_spans, repair_spans

    # After a comma, a known place before "and" ends the list's last item; a region named "X and Y" is not cut.
    text = ("Signing were the Kenyan association, Innovation Support Network Hubs, Nigeria and Technology & Business "
            "Hubs Network, Ghana (TBHN). Members of the Castile and Leon Hydrogen Association watched.")
    given = [_entity(text, "Innovation Support Network Hubs", "ORG"),
             _entity(text, "Nigeria and Technology & Business Hubs Network", "ORG"), _entity(text, "Ghana", "GPE"),
             _entity(text, "Castile and Leon Hydrogen Association", "ORG")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Innovation Support Network Hubs", "ORG"), ("Nigeria", "GPE"), ("Technology & Business Hubs Network", "ORG"),
        ("Ghana", "GPE"), ("Castile and Leon Hydrogen Association", "ORG")]
    # The country after a comma says where the body is; it is not part of the acronym's long form.
    assert acronyms_of(text) == {"TBHN": "Technology & Business Hubs Network"}
    # A name ending in a Scandinavian head ("Klyngen", the cluster; "Teknologisenter") is an organisation's.
    text = "Nodes went to Kongsberg Klyngen (in Viken) and to Stiftelsen Jæren Teknologisenter (in Rogaland)."
    given = [_entity(text, "Viken", "GPE"), _entity(text, "Rogaland", "GPE")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Kongsberg Klyngen", "ORG"), ("Viken", "GPE"), ("Stiftelsen Jæren Teknologisenter", "ORG"), ("Rogaland", "GPE")]
    # No name holds "called": the body, then the initiative it named.
    text = "The survey was an initiative of the Polish Agency for Enterprise Development called Cluster Benchmarking."
    given = [_entity(text, "Polish Agency for Enterprise Development called Cluster Benchmarking", "ORG")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [("Polish Agency for Enterprise Development", "ORG")]
    # A day, a month's short name and a year joined by hyphens is a date.
    text = "Board approval came on 13-May-2014 and the closing date moved to 07-Jul-2021; 12-Nov is no date."
    assert [e.text for e in date_spans(text, [])] == ["13-May-2014", "07-Jul-2021"]
    assert iso_date("07-Jul-2021", None) == "2021-07-07"
    # An office named for its portfolio, a treasurer, a country's "vision" and "the Kingdom" name no body.
    text = ("Piyush Goyal, the Union Minister of Commerce and Industry, met the Ministry of Commerce; Jeremy Riro, "
            "Treasurer, ASSEK. The park serves the Qatar National Vision 2030 and the Vision 2030 Secretariat "
            "and will strengthen the Kingdom.")
    assert _kept(text, ["Union Minister of Commerce and Industry", "Ministry of Commerce", "Treasurer",
                        "Qatar National Vision 2030", "Vision 2030 Secretariat"]) == {
        ("Ministry of Commerce", "ORG"), ("Vision 2030 Secretariat", "ORG")}
    assert _kept(text, ["Kingdom"], "GPE") == set()
    # An industrial corridor is a site; a pilot is a programme, not the cluster named in it.
    text = "Firms in the Vizag-Chennai Industrial Corridor won the Energy Regional Innovation Cluster Pilot – a project."
    assert _kept(text, ["Vizag-Chennai Industrial Corridor", "Regional Innovation Cluster"]) == {
        ("Vizag-Chennai Industrial Corridor", "LOC")}
    # A name defined after "a" is a kind of thing, not one body; "a ... (KMT) legislator" is a person's.
    text = ("The state works with firms in a Public-Private-Partnership (PPP); the PPP runs the park. Chiang, "
            "a Chinese Nationalist Party (KMT) legislator, asked why.")
    assert _kept(text, ["Public-Private-Partnership", "PPP", "Chinese Nationalist Party", "KMT"]) == {
        ("Chinese Nationalist Party", "ORG"), ("KMT", "ORG")}
    # A programme named after a centre is no body, and no body is found in it by its head; an incubator is a body
    # unless its acronym names a programme; an export processing zone is a kind of place.
    text = ("KAUST funds its Joint Centre of Excellence Programme and the Ministry of Planning and Development Fund; "
            "the Technology Business Incubator (TBI) programme funds the Vietnam-Korea Technology Incubator. "
            "Garments lead the EPZ's exports.")
    assert _kept(text, ["Joint Centre of Excellence Programme", "Ministry of Planning and Development Fund", "EPZ"]) == {
        ("Ministry of Planning and Development Fund", "ORG")}
    assert [(e.text, e.label) for e in repair_spans(text, [])] == [("Vietnam-Korea Technology Incubator", "ORG")]


def test_people_are_found_by_a_bodys_role_and_in_lists_of_people_whatever_the_model_called_them():
    # A role after a body's possessive ("the World Bank's representative"); not "with the company's chairman".
    text = ("Emanuele Giaufret and Dusan Vasiljevic, the World Bank's representative in the country, signed it, as "
            "did Zayed Albaddad, chief executive of ALBADDAD Saudi Holding, with the company’s chairman looking on.")
    assert _kept(text, ["Dusan Vasiljevic", "ALBADDAD Saudi Holding"]) == {
        ("Dusan Vasiljevic", "PERSON"), ("ALBADDAD Saudi Holding", "ORG")}
    # In a list of people, an unknown "place" named like a person is one too.
    text = "The report was commissioned from Carlos Nupia, Lisbeth Fog, Rafael Vesga and Monica Salazar."
    given = [_entity(text, "Carlos Nupia", "PERSON"), _entity(text, "Lisbeth Fog", "PERSON"),
             _entity(text, "Rafael Vesga", "GPE"), _entity(text, "Monica Salazar", "PERSON")]
    assert [label for _, label in _cleaned(text, given)] == ["PERSON"] * 4
    # One word after an Arabic patronymic ends a person's name, whatever the model made of it.
    from pipeline.entity_spans import repair_spans

    text = "The park was the initiative of Her Highness Sheikha Moza bint Nasser, who chairs Qatar Foundation."
    given = [_entity(text, "Nasser", "GPE"), _entity(text, "Qatar Foundation", "ORG")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Moza bint Nasser", "PERSON"), ("Qatar Foundation", "ORG")]


def test_errors_read_on_passages_of_the_seventeenth_round():
    """Each from a class seen on passages written from new real pages (paraphrased here)."""
    from pipeline.entity_spans import date_spans, merge_places, repair_spans

    # Spanish, Portuguese and French bodies keep their small words and a ministry's listed fields.
    text = ("Parada of the Consejo Nacional de Ciencia y Tecnología met the Consejo Nacional de Innovacion para la "
            "Competitividad and the Ministerio de Economía, Fomento y Turismo; the Universidad de Chile, Santiago, too.")
    assert [(e.text, e.label) for e in repair_spans(text, [])] == [
        ("Consejo Nacional de Ciencia y Tecnología", "ORG"), ("Consejo Nacional de Innovacion para la Competitividad", "ORG"),
        ("Ministerio de Economía, Fomento y Turismo", "ORG"), ("Universidad de Chile", "ORG")]
    # In a list of people, names with an initial or an Irish surname are people's; the body in brackets after a
    # person is a body.
    text = ("Thanks go to Regis Kalaydjian (IFREMER), Michael Cuddy (NUI Galway), Cathal O’Donoghue (Teagasc), "
            "Edel O’Connor and Karen Devereux (Bord Bia).")
    given = [_entity(text, "Regis Kalaydjian", "ORG"), _entity(text, "IFREMER", "ORG"),
             _entity(text, "Michael Cuddy", "PERSON"), _entity(text, "NUI Galway", "ORG"),
             _entity(text, "Cathal O’Donoghue", "ORG"), _entity(text, "Teagasc", "ORG"),
             _entity(text, "Edel O’Connor", "PERSON"), _entity(text, "Karen Devereux", "PERSON"),
             _entity(text, "Bord Bia", "PERSON")]
    assert [label for _, label in _cleaned(text, given)] == [
        "PERSON", "ORG", "PERSON", "ORG", "PERSON", "ORG", "PERSON", "PERSON", "ORG"]
    # A nationality and a head noun alone name no body ("the Dutch Cabinet"), unless the name goes on; a firm
    # named with its nationality keeps it ("American Express"); "the Legislature" names none.
    text = ("The Dutch Cabinet met the Danish Agency for Science, American Express and the Scottish Parliament; the "
            "State Legislature thanked them.")
    assert _kept(text, ["Dutch Cabinet", "Danish Agency", "American Express", "Scottish Parliament", "Legislature"]) == {
        ("Danish Agency", "ORG"), ("American Express", "ORG"), ("Scottish Parliament", "ORG")}
    # Dates with full stops ("14.12.2011"), not a version's number; a date span loses a bracket it did not close.
    text = "It was published in OJ L 330 of 14.12.2011; version 2.1.2020 followed on Tuesday (April 4, 2023)."
    assert [e.text for e in date_spans(text, [])] == ["14.12.2011", "April 4, 2023"]
    assert iso_date("14.12.2011", None) == "2011-12-14"
    assert _cleaned(text, [_entity(text, "Tuesday (", "DATE")]) == [("Tuesday", "DATE")]
    # Two places joined by "y" or "&" are one when the whole is a known place.
    text = "Hubs in Castilla y León and in Redcar & Cleveland grew."
    given = [_entity(text, "Castilla", "GPE"), _entity(text, "León", "GPE"), _entity(text, "Redcar", "GPE"),
             _entity(text, "Cleveland", "GPE")]
    assert [e.text for e in merge_places(text, given)] == ["Castilla y León", "Redcar & Cleveland"]


def test_errors_read_on_passages_of_the_eighteenth_round(nlp):
    """Each from a class seen on passages written from new real pages (paraphrased here)."""
    from pipeline.entity_spans import repair_spans

    # An office written in lower case still titles the name after it.
    text = "The council gave its advice to minister Brouns; vice-chancellor Olive Mugenda opened the centre."
    assert _cleaned(text, [_entity(text, "Brouns", "ORG"), _entity(text, "Olive Mugenda", "ORG")]) == [
        ("Brouns", "PERSON"), ("Olive Mugenda", "PERSON")]
    # In a list mostly of firms, the model's "place" and "person" are firms too.
    text = "Among the manufacturers already there are Fanuc, Konica Minolta, Makino, Siemens and Bosch Rexroth."
    given = [_entity(text, "Fanuc", "ORG"), _entity(text, "Konica Minolta", "ORG"), _entity(text, "Makino", "GPE"),
             _entity(text, "Siemens", "ORG"), _entity(text, "Bosch Rexroth", "PERSON")]
    assert {label for _, label in _cleaned(text, given)} == {"ORG"}
    # A legal form in capitals after a name the model ended with "CO."; small words of another language inside a
    # firm's name before "of <country>".
    text = "The Chinese firm Beijing Sinohy Energy CO., LTD joined Kompetensspridning i Umeå AB of Sweden."
    given = [_entity(text, "Beijing Sinohy Energy CO.", "ORG"), _entity(text, "LTD", "ORG")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [("Beijing Sinohy Energy CO., LTD", "ORG")]
    assert ("Kompetensspridning i Umeå AB", "ORG") in _kept(text, ["Kompetensspridning i Umeå AB of Sweden"])
    # A byline's clock time is no part of the date; a contract's code is no date and "Nr." no body.
    text = "Published: Aug. 25, 2021 - 16:33. A contract, Nr. 10V-83, was signed."
    assert _cleaned(text, [_entity(text, "Aug. 25, 2021 - 16:33", "DATE"), _entity(text, "Nr", "ORG"),
                           _entity(text, "10V-83", "DATE")]) == [("Aug. 25, 2021", "DATE")]
    # Nigeria's local government areas and Spanish regions are places with a government; "the Nordics" a region;
    # a manufacturing park a site.
    text = ("The hub is in Alimosho Local Government Area; the plant in the Región Metropolitana; valleys in the "
            "Nordics; suppliers at the International Advanced Manufacturing Park.")
    given = [_entity(text, n, "ORG") for n in ("Alimosho Local Government Area", "Región Metropolitana", "Nordics",
                                               "International Advanced Manufacturing Park")]
    assert {(e.text, e.label) for e in _settled(text, given)} == {
        ("Alimosho Local Government Area", "GPE"), ("Región Metropolitana", "GPE"), ("Nordics", "LOC"),
        ("International Advanced Manufacturing Park", "LOC")}
    # Strategies, grant calls, assessments, an organ and the rest of a minister's portfolio name no body, however
    # they were found (the model, a name's last word, an acronym's long form).
    paras = ["The brief argues for Smart Specialization Strategies (S3); money flows through the Townsville Region "
             "Grant Opportunity.",
             "The Scottish Government commissioned the Strategic Investment Assessment (SIA) in 2021; the SIA found "
             "gaps, and the agency serves as Technical Secretariat.",
             "The Minister for Business, Trade, Tourism and Enterprise welcomed it."]
    orgs = {t for t, label in by_text(refined(nlp, paras)) if label == "ORG"}
    assert orgs == {"Scottish Government"}


def test_errors_read_on_real_pages_in_the_eighteenth_session():
    """Seen on real pages read as a new user would (a US hydrogen-hub article, a Scottish evaluation);
    paraphrased here."""
    # "Congress" alone is the legislature, not a meeting, and so are a people's and a union's congress; a world
    # congress is an event.
    text = ("The law, passed by Congress in 2021, was praised by the National People's Congress and the Trades "
            "Union Congress at the World Hydrogen Congress.")
    assert _kept(text, ["Congress", "National People's Congress", "Trades Union Congress", "World Hydrogen Congress"]) \
        == {("Congress", "ORG"), ("National People's Congress", "ORG"), ("Trades Union Congress", "ORG")}
    # A nationality and "Executive" or "Office" make a government's name; a study's title names no body.
    text = ("The Evaluation of Intervention with Clusters and Industries found that the Scottish Executive and the "
            "Welsh Office were critical stakeholders.")
    assert _kept(text, ["Evaluation of Intervention with Clusters and Industries", "Scottish Executive",
                        "Welsh Office"]) == {("Scottish Executive", "ORG"), ("Welsh Office", "ORG")}


def test_errors_read_on_passages_of_the_nineteenth_round():
    """Each from a class seen on passages written from new real pages (paraphrased here)."""
    from pipeline.entity_spans import repair_spans

    # Programmes named by a gerund ("Investing in ...") and policy areas are no bodies, nor are their acronyms;
    # a board of directors belongs to the body named before it.
    text = ("The agency runs Investing in Regional Diversification (IRD); lessons from the European Research Area "
            "(ERA) apply, and the CNZFE Board of Directors agreed.")
    assert _kept(text, ["Investing in Regional Diversification", "IRD", "European Research Area", "ERA",
                        "CNZFE Board of Directors"]) == {("CNZFE", "ORG")}
    # A federal capital territory is a place with a government.
    text = "Seven Nigerian states plus the Federal Capital Territory take part."
    assert _cleaned(text, [_entity(text, "Federal Capital Territory", "ORG")]) == [("Federal Capital Territory", "GPE")]
    # "(Pty) Ltd" ends a South African firm's name; a body's full name, a comma, then a government's are two bodies.
    text = ("An update from Hyphen Hydrogen Energy (Pty) Ltd follows; the Department of Science & Technology, "
            "Government of India designs it.")
    given = [_entity(text, "Hyphen Hydrogen Energy", "ORG"),
             _entity(text, "Department of Science & Technology, Government of India", "ORG")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Hyphen Hydrogen Energy (Pty) Ltd", "ORG"), ("Department of Science & Technology", "ORG"),
        ("Government of India", "ORG")]


def test_errors_read_on_passages_of_the_twenty_first_round():
    """Each from a class seen on passages written from new real pages (paraphrased here)."""
    from pipeline.entity_spans import repair_spans

    # No name runs across a line break: the model joins a list's lines, and each line names a place.
    text = "Candidate sites:\n- Darwin, in the Northern Territory\n- Gladstone, in Queensland"
    assert _cleaned(text, [_entity(text, "Northern Territory\n- Gladstone", "LOC")]) == [
        ("Northern Territory", "LOC"), ("Gladstone", "LOC")]
    # The names a text calls towns are places, every one of its list.
    text = "Batumi and the towns of Kaspi and Gurjaani each opened a technopark."
    assert _kept(text, ["Gurjaani"]) == {("Gurjaani", "GPE")}
    # A name ending in a place's head is no person, even before a governor's title.
    text = "The signing took place in Ilorin, Kwara State, Governor AbdulRahman AbdulRazaq said."
    assert _kept(text, ["Kwara State"], "GPE") == {("Kwara State", "GPE")}
    # A news or information agency is a body.
    text = "The parks will open next year, according to a report by the Jahon information agency."
    assert _kept(text, ["Jahon"], "GPE") == {("Jahon", "ORG")}
    # A salt flat or a hill named in Spanish is a place; a known city keeps its label.
    text = "SQM holds assets in the Salar de Atacama, and the Cerro Dominador plant supplies Rio de Janeiro."
    given = [_entity(text, "Salar de Atacama", "ORG"), _entity(text, "Cerro Dominador", "PERSON"),
             _entity(text, "Rio de Janeiro", "GPE")]
    assert [(e.text, e.label) for e in repair_spans(text, given)] == [
        ("Salar de Atacama", "LOC"), ("Cerro Dominador", "LOC"), ("Rio de Janeiro", "GPE")]


def test_errors_read_on_passages_of_the_twenty_third_round():
    """Each from a class seen on passages written from new real pages (paraphrased here), read with the NER
    trained on rounds 13 to 20."""
    # A firm's name is no person's, even after "told"; but "Samantha Power" is a person's.
    text = "The ministry told Hyphen Hydrogen Energy it had won, as officials told Samantha Power."
    assert _kept(text, ["Hyphen Hydrogen Energy", "Samantha Power"]) == {
        ("Hyphen Hydrogen Energy", "ORG"), ("Samantha Power", "PERSON")}
    # A park taken for a person is a site; office holders in the plural are no body.
    text = "On Sunday, Ethiopian Ambassadors toured Hawassa Industrial park, and the Ambassadors praised it."
    given = [_entity(text, "Ethiopian Ambassadors", "ORG"), _entity(text, "Hawassa Industrial park", "PERSON"),
             _entity(text, "Ambassadors", "ORG", nth=1)]
    assert _cleaned(text, given) == [("Hawassa Industrial park", "LOC")]
    text = "The bank's governors met the Council of Ministers."
    assert _kept(text, ["Council of Ministers"]) == {("Council of Ministers", "ORG")}
    # Foreign direct investment is no body.
    text = "Costa Rica drew more FDI than its neighbours, ECLAC says."
    assert _kept(text, ["FDI", "ECLAC"]) == {("ECLAC", "ORG")}


def test_errors_read_on_passages_of_the_twenty_fourth_round(nlp):
    """Each from a class seen on passages written from new real pages (paraphrased here)."""
    # Islands listed under one acronym stay places, and so does the acronym; a planned innovation city is a site.
    paras = ["Special economic zones on Batam, Bintan and Karimun (BBK) drew Singapore firms in the 1990s.",
             "Exports from BBK rose again in 2019, while Rwanda paid for roads at Kigali Innovation City (KIC).",
             "Investors in KIC will share its campus."]
    found = by_text(refined(nlp, paras))
    assert ("Batam", "GPE") in found and not any(t.startswith("Batam,") for t, _ in found)
    assert {("BBK", "LOC"), ("Kigali Innovation City", "LOC"), ("KIC", "LOC")} <= found
    assert not {label for text, label in found if text in ("BBK", "KIC")} - {"LOC"}
    # A newswire between slashes is named without them.
    text = "TORONTO, Oct. 27, 2023 /CNW/ - The supercluster named three partners."
    assert _kept(text, ["/CNW/"]) == {("CNW", "ORG")}


def test_two_readers_agreement_counts_what_they_share_and_where_they_differ():
    """tools/agreement.py scores a second reading against the first as the evaluation scores the pipeline."""
    import sys
    from pathlib import Path

    from pipeline.entity_eval import DEFAULT_GOLD, read_gold

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from agreement import agreement

    first = read_gold(DEFAULT_GOLD.parent / "entities_round24.jsonl")
    assert agreement(first, first)["all"]["f1"] == 1.0
    # A second reading that drops every organisation and keeps the rest: ORG recall 0, places untouched.
    second = [g | {"entities": [e for e in g["entities"] if e["label"] != "ORG"]} for g in first[:20]]
    report = agreement(first, second)
    assert report["passages"] == 20
    assert report["ORG"]["recall"] == 0.0 and report["places"]["f1"] == 1.0
    assert 0.0 < report["all"]["f1"] < 1.0


def test_an_acronym_before_a_hyphen_and_an_undecodable_byte_are_no_part_of_a_name(nlp):
    """"International Finance Corporation (IFC)-supported": the tokenizer kept "IFC)-supported" one token,
    so one organisation; a byte a file's reader could not decode (U+FFFD) stuck to "Tecnalia"."""
    paras = ["Most of the zones grew out of International Finance Corporation (IFC)-supported work in Lagos, "
             "and the World Bank (WB)-funded pilots came later.",
             "Tecnalia \ufffd and the \ufffdBasque Energy Cluster signed the agreement in Bilbao in 2023."]
    found = by_text(refined(nlp, paras))
    assert {("IFC", "ORG"), ("WB", "ORG"), ("Tecnalia", "ORG"), ("Basque Energy Cluster", "ORG")} <= found
    assert not any(")" in text or "\ufffd" in text for text, _ in found)
