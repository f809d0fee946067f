"""The words the entity rules share: heads of names, titles of office, abbreviations and other non-names.

One list per idea, so that a word added for one rule counts for all of them: the span repair
(:mod:`pipeline.entity_spans`) and the label rules (:mod:`pipeline.entities`) build their patterns
from these sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Nouns that make a capitalised name a body wherever they stand in it ("Croatian Maritime Cluster",
# "Ministry of Economy", "Bank of Lithuania").
BODY_HEADS = frozenset("""Academy Agency Alliance Association Authority Bank Board Bureau Center Centre Chamber Cluster
College Commission Company Consortium Cooperative Corporation Council Department Federation Forum Foundation Government
Group Hospital Hub Institute Institutes Ministry Network Observatory Office Organisation Organization Platform School
Secretariat Society Union University""".split()) | {
    # The same heads in the languages of the names reports keep untranslated ("Provadis Hochschule").
    "Hochschule", "Fachhochschule", "Universität", "Universiteit", "Universitet", "Université", "Universidad",
    "Università", "Instituut", "Stiftung", "Verband", "Kammer"}
# Heads of public bodies named for what they do or where they are ("Department for Business, Energy and
# Industrial Strategy", "Ho Chi Minh City Department of Science and Technology").
PUBLIC_BODY_HEADS = frozenset("Agency Authority Bureau Commission Council Department Directorate Institute Ministry "
                              "Office".split())
# One-word names of public bodies, which keep a nationality before them ("Scottish Parliament", "Estonian
# Railway") and are no person's name ("National Assembly, Madam Governor ...").
PUBLIC_BODY_NAMES = frozenset("""Parliament Embassy Government Railway Railways Post Invest Council Assembly Senate
Congress Army Navy Police Television Radio Broadcasting Mint Treasury Academy Institute Library Museum Enterprise
Enterprises Development Trade Tourism Water Rail Forestry Health Executive Office""".split())
# Heads of official names that go on with "of"/"for" but say less about what the name is.
OFFICIAL_HEADS = frozenset("""Administration Commissioner Confederation Court Directorate Directorate-General Fund
Institution Representation Service Services""".split())
# Heads of place names continued by "of" ("Bay of Biscay", "Port of Koper", "Republic of Korea").
PLACE_HEADS = frozenset("Bay Cape City Gulf Isle Islands Kingdom Lake Mount Port Province Region Republic Sea State "
                        "Strait".split())
# Last words that alone make a run of capitalised words a body ("Vineland Science Park"): the
# body heads least often used for anything else, and a few two-word endings.
NAME_ENDINGS = frozenset({"Agency", "Alliance", "Association", "Center", "Centre", "Chamber", "Cluster", "Consortium",
                          "Cooperative", "Corporation", "Council", "Enterprise", "Enterprise Forum", "Federation",
                          "Foundation", "Government", "Hub", "Institute", "Network", "Observatory",
                          "Partnership", "Science Park", "Secretariat", "Technology Park", "University",
                          # Scandinavian: "Kongsberg Klyngen" (the cluster), "Jæren Teknologisenter"
                          "Klyngen", "Teknologisenter", "Næringshage", "Incubator",
                          # legal forms
                          "Limited", "Ltd", "Inc", "GmbH", "LLC", "PLC", "plc"})
# Words inside a name that say "organisation", beyond the heads: legal forms, labs, foreign heads.
ORG_MARKERS = frozenset({"AG", "GmbH", "Inc", "Initiative", "Institut", "Lab", "Laboratory", "Ltd", "Park", "Partners",
                         "S.A", "SA", "Universidad", "Université", "Universität"})

# Words of firms' names that no person's name holds ("Hamburg Airport", "Lufthansa Technik", "Vineyard Wind"),
# beyond the body heads and organisation markers, which the rules add to them.
FIRM_WORDS = frozenset("""Airport Airports Airline Airlines Seaport Seaports Energy Energi Energia Energie Power Wind Solar
Hydrogen Renewables
Technik Technologies Technology Systems Solutions Consulting Capital Ventures Holding Holdings Labs Express Motors Foods Pharma
Pharmaceuticals Biosciences Therapeutics Logistics Shipping Engineering Electric Industries Insurance
Media Software Networks Robotics Materials Chemicals Steel Mining Resources Subsea Offshore Packaging Automation
Aerospace Automotive Electronics Semiconductors Biotech Analytics Technopole Technopark TechPark Techpark Technopolis Oil Gas Petroleum
Cement Telecom""".split())
# Common nouns that say a name is a firm's ("carbon capture firm Svante", "Alstom Grid, a unit of ...").
FIRM_NOUNS = frozenset("""company firm start-up startup manufacturer maker developer supplier operator utility insurer
retailer consultancy spin-off spinoff spin-out spinout brewer carmaker automaker shipbuilder steelmaker chipmaker
drugmaker airline lender shipowner miner exporter""".split())
# What a person founds is an organisation ("In 2016 I founded Tomorrow").
FOUNDING_VERBS = frozenset({"founded", "co-founded", "cofounded"})
# Their plurals, which may introduce a list of firms ("developers such as Orsted, RWE and Equinor").
FIRM_PLURALS = frozenset("""companies firms start-ups startups manufacturers makers developers suppliers operators utilities
insurers retailers consultancies spin-offs spinoffs spin-outs spinouts""".split())
# An organisation's own organs ("the Management Board", "the General Assembly") are parts of it, not
# organisations: an organ word after nothing but generic modifiers. A named one ("Rwanda Development
# Board") is a body.
ORGANS = frozenset({"Board", "Assembly", "Committee", "Secretariat"})
ORGAN_MODIFIERS = frozenset("""Advisory Annual Audit Coordinating Coordination Editorial Evaluation Executive Extraordinary
Founding General Governing Interim Management Monitoring Ordinary Organising Organizing Plenary Programme Project
Scientific Selection Steering Supervisory Technical""".split())

# Last words of the names of sites ("Dogger Bank Wind Farm"): places without a government, LOC.
SITE_ENDINGS = frozenset({"Wind Farm", "Wind Farms", "Windfarm", "Windfarms", "Wind Park", "Solar Farm", "Solar Park", "Hydro Plant",
                          "Power Station", "Nuclear Power Plant", "Industrial Park", "Industrial Parks", "Industrial Estate",
                          "Industrial Zone", "Power Plant", "Assembly Plant", "Megasite", "Mega Site", "LNG Terminal",
                          "Energy Terminal", "Container Terminal", "Economic Zone", "Free Zone", "Free Trade Zone",
                          "Export Processing Zone", "Economic Corridor", "Industrial Corridor", "Manufacturing Park",
                          # planned districts named as places: "Kigali Innovation City", "Pangyo Techno Valley"
                          "Innovation City", "Innovation District", "Techno Valley", "Tech City", "Eco-city", "Eco-City",
                          "Eco City"})

# Courtesy titles and titles of office, written before a name ("Dr Okafor", "Mayor Ruiz").
# "Ato" (Amharic), "Shri" and "Smt" (Hindi) are courtesy titles too.
HONORIFICS = frozenset("Mr Mrs Ms Mx Dr Prof Professor Sir Dame Judge Father Sister Ato Shri Smt".split()) | {
    # Malaysian honours, alone and in the pairs they are given in ("Dato’ Wira", "Tan Sri").
    "Datin", "Tun", "Tan Sri", "Puan Sri", "Datuk", "Datuk Wira", "Datuk Seri"} | {
    f"Dato{apostrophe}{second}" for apostrophe in "’'" for second in ("", " Wira", " Seri", " Sri")}
# The offices that, written in lower case right before a capitalised word, still title a person ("by minister
# Brouns"); not "head", "director" or "chair", which stand before bodies' names too ("chair Energy Cluster").
LOWER_CASE_OFFICES = frozenset("minister governor mayor president senator chancellor chairman chairwoman "
                               "commissioner".split())
OFFICES = frozenset("""Minister Mayor President Commissioner Senator Governor Director Chair Chairman Chairwoman Chairperson CEO
Secretary Head Marshal King Queen Chancellor""".split()) | {"Prime Minister"}
# Further titles that stand before a name but are not left out of it elsewhere ("VP Šefčovič",
# "Consul General Cassie Doyle", "Sen. Evan Bayh", "World Bank Representative Sameer Goyal", "Industry PS
# Juma Mukhwana": a Principal Secretary).
OTHER_TITLES = frozenset({"VP", "Vice President", "Consul General", "Ambassador", "Sen", "Rep", "Deputy",
                          "State Secretary", "Honourable", "Honorable", "Hon", "Alderman", "Alderwoman",
                          "Councillor", "Councilor", "Cllr", "Premier", "First Lady", "Congressman", "Congresswoman",
                          "Sheikh", "Sheikha", "Representative", "PS", "Crown Prince", "Treasurer"})
# Not "Prince", "Sultan" or "Emir": given names too ("Prince Osei", "Sultan Hafeez Rahman").
# Offices whose "of/for ..." names a portfolio, not an organisation ("Minister of ICT and Innovation").
PORTFOLIO_OFFICES = frozenset({"Minister", "Secretary", "Commissioner", "Cabinet Secretary", "Secretary of State"})
# Second words of a two-word title ("Cabinet Secretary"): the first word is no organisation.
TITLE_SECOND_WORDS = frozenset({"Secretary", "Minister", "Secretary-General"})
# Words that only qualify a title and alone name nothing ("Interim CEO", "Acting Chief Executive").
TITLE_MODIFIERS = frozenset({"Interim", "Acting", "Deputy", "Former", "Vice"})
# First words of such titles, which a model may take for the end of a body's name ("... Principal" Secretary).
TITLE_FIRST_WORDS = frozenset({"Cabinet", "Principal", "Permanent", "General", "Chief", "Deputy", "Assistant",
                               "Executive", "Parliamentary", "Under"})
# Roles after a name and a comma ("Mhairidh Evans, principal analyst"): the name is a person's.
ROLES = frozenset("""head director chief CEO manager chair chairman chairwoman chairperson president professor researcher
analyst founder co-founder coordinator officer minister mayor lead leader secretary adviser advisor consultant engineer
economist partner spokesperson spokesman spokeswoman senior principal governor commissioner ambassador rector dean
premier senator councillor treasurer representative""".split())

# ISO 4217 currency codes: "GEL 2 million" is an amount, not an organisation.
CURRENCY_CODES = frozenset("""AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG""".split())
# Codes written after a place ("Greenville, SC", "Eindhoven (NL)"): ISO 3166-1 alpha-2 country codes
# (with UK and EL, the EU's own codes for the United Kingdom and Greece), US states and Canadian provinces.
COUNTRY_CODES = frozenset("""AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS
RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA
UG UK UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split())
REGION_CODES = frozenset("""AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM
NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AB BC MB NB NL NS NT NU ON PE QC SK YT""".split())
# Capitalised abbreviations that are not organisations (compared in upper case).
COMMON_ABBREVIATIONS = frozenset("""AI API NR FDI CEO CTO CFO COO SME SMES MSME MSMES MSE MSES EPZ EPZS GDP ICT KPI KPIS TRL EV EVS IOT PHD MOU CO2 GW MW KW
GWH MWH KWH IT PDF HQ NGO NGOS VAT ESG PV LNG LPG R&D RDI B2B B2C SDG SDGS FAQ URL GPS DNA COVID II III IV VI VII
VIII IX XI XII OK TV PR HR UK US USA UAE Q1 Q2 Q3 Q4 AM PM CET GMT UTC NB PS CV ID ROI CAPEX OPEX S3 RIS3 TRLS
FTE FTES HVAC LED GHG NOX ICU MBA MSC BSC ISO PRESS RELEASE NEWS UPDATE NOTE NOTES ANNEX TBC TBD ASAP FYI END CONTACT
FOR IMMEDIATE ENDS EMBARGO EMBARGOED EDITORS MEDIA ABOUT SOURCE Q&A FAQS""".split()) | CURRENCY_CODES
# Words heading a part of a report; the model sometimes takes them for names.
DOCUMENT_PARTS = frozenset("""Foreword Excerpt Abstract Summary Introduction Conclusion Conclusions Annex Appendix
Contents Preface Acknowledgements Acknowledgments Glossary References Bibliography Background Methodology Findings
Recommendations Overview Outlook Disclaimer Editorial""".split()) | {
    "Media Release", "Press Release", "News Release", "Executive Summary", "Table of Contents", "Case Study"}
# Units and forms of address the model tags as names ("50 MW", "Madam Speaker").
UNITS = frozenset({"kW", "MW", "GW", "TW", "kWh", "MWh", "GWh", "TWh", "Madam", "Sir", "Chair"})
# Numbers written as words ("EIGHTEEN staff").
NUMBER_WORDS = frozenset("""one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million
billion first second third""".split())


# Nationality adjectives, as written before a firm's name ("Japanese Nidec", "Danish Sonion").
NATIONALITIES = frozenset("""Afghan Albanian Algerian American Angolan Argentine Argentinian Armenian Australian Austrian
Azerbaijani Bahraini Bangladeshi Belarusian Belgian Bolivian Bosnian Brazilian British Bulgarian Burmese Cambodian
Cameroonian Canadian Chilean Chinese Colombian Congolese Croatian Cuban Cypriot Czech Danish Dutch Ecuadorian Egyptian
Emirati English Estonian Ethiopian Filipino Finnish French German Ghanaian Greek Guatemalan Hungarian Icelandic Indian
Indonesian Iranian Iraqi Irish Israeli Italian Ivorian Jamaican Japanese Jordanian Kazakh Kenyan Korean Kuwaiti Latvian
Lebanese Libyan Lithuanian Luxembourgish Malaysian Maltese Mexican Moldovan Mongolian Moroccan Mozambican Namibian
Nepalese Nigerian Norwegian Omani Pakistani Palestinian Panamanian Peruvian Polish Portuguese Qatari Romanian Russian
Rwandan Saudi Scottish Senegalese Serbian Singaporean Slovak Slovenian Spanish Swedish Swiss Syrian Taiwanese Tanzanian
Thai Tunisian Turkish Ugandan Ukrainian Uruguayan Uzbek Venezuelan Vietnamese Welsh Zambian Zimbabwean""".split())


def alternation(words: Iterable[str]) -> str:
    """A regex group matching any of ``words`` (longest first, so "Science Park" wins over "Park")."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"
