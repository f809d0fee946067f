from __future__ import annotations

import hashlib

import pytest

from pipeline.ingest.normalize import clean_characters, unwrap_blocks
from pipeline.records import Document
from pipeline.segment import MAX_PASSAGE_CHARS, is_chrome, split_passages


def doc(text: str, fmt: str = "md") -> Document:
    text = unwrap_blocks(clean_characters(text))
    return Document("d.md", "d.md", fmt, text, hashlib.sha256(text.encode()).hexdigest())


PARA1 = "The Basque battery cluster signed a cooperation agreement with two rail clusters in Bilbao last spring."
PARA2 = "Membership fees now cover almost half of the cluster's budget, up from a fifth in 2020, the director said."


def test_heading_becomes_section_of_following_passages():
    d = doc(f"# Annual review\n\n{PARA1}\n\n## Finances\n\n{PARA2}\n")
    ps = split_passages(d)
    assert [p.section for p in ps] == ["Annual review", "Finances"]
    assert [p.text for p in ps] == [PARA1, PARA2]


def test_every_passage_is_an_exact_slice_of_the_document_text():
    d = doc(f"Title Line\n\n{PARA1}\n\n- first point about the pilot line in Tallinn\n- second point about training\n\n{PARA2}", "txt")
    ps = split_passages(d)
    assert ps, "expected passages"
    for i, p in enumerate(ps):
        assert d.text[p.start:p.end] == p.text
        assert p.index == i
        assert p.passage_id == f"d.md#{i}"


@pytest.mark.parametrize("line", [
    "Share on Facebook", "Tweet", "Return to news listing", "« Return to news listing", "Back to top",
    "Share: Facebook | Twitter | LinkedIn", "© 2024 NordCluster. All rights reserved.",
    "We use cookies to improve your experience on our website. Accept all", "Home > News > Hydrogen",
    "Accept all cookies", "Privacy policy", "Published | Updated 25.9.2024", "By Wanjiru Kamau ·",
    "PRESS RELEASE", "Subject: Cluster Pulse April", "Tags: hydrogen, ports", "Share this: Facebook Twitter LinkedIn",
    "Skip to content Home About News Events Members Contact logo social_instagram social_linkedin carrotdown Search",
    "Home About us Membership Projects Events News Contact", "HOME ABOUT MEMBERS PROJECTS NEWS CONTACT",
    "Menu Who we are What we do Our members Funding calls Insights Contact chevron-down",
])
def test_page_chrome_lines_are_recognised(line):
    assert is_chrome(line)


@pytest.mark.parametrize("line", [
    PARA1,
    "Cookies and biscuits were the first products the Lancashire food cluster exported to Japan in 2019.",
    "By 2027 the partners aim to run a shared testbed for electrolysers in three ports.",
    "Published in March, the evaluation found that members valued the matchmaking most.",
    "Skills Academy Opens New Training Centre In Inverness", "Home Energy Retrofit Cluster Launches In Fife",
    "News and events from the Members of the Network",
])
def test_content_is_not_mistaken_for_chrome(line):
    assert not is_chrome(line)


def test_chrome_is_dropped_between_paragraphs():
    d = doc(f"{PARA1}\n\nShare on Facebook\nTweet\nLinkedIn\n\n{PARA2}\n\nReturn to news listing\n")
    assert [p.text for p in split_passages(d)] == [PARA1, PARA2]


def test_hard_wrapped_plain_text_is_joined_into_paragraphs():
    raw = ("REVIEW OF THE PROGRAMME\n\n"
           "The cluster was established in Prato in 2017 by thirty-eight wool and\n"
           "textile firms together with the chamber of commerce and the local\n"
           "university, in order to coordinate investment in cross-\n"
           "border recycling.\n")
    d = doc(raw, "txt")
    ps = split_passages(d)
    assert len(ps) == 1
    assert ps[0].section == "REVIEW OF THE PROGRAMME"
    assert "\n" not in ps[0].text
    assert "wool and textile firms" in ps[0].text
    assert "cross-border recycling" in ps[0].text


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_do_not_change_passages(newline):
    raw = newline.join(["2. Findings", "", PARA1, "", PARA2, ""])
    ps = split_passages(doc(raw, "txt"))
    assert [(p.section, p.text) for p in ps] == [("2. Findings", PARA1), ("2. Findings", PARA2)]


def test_short_header_lines_in_plain_text_are_not_glued_together():
    raw = ("TUSCAN CIRCULAR TEXTILES CLUSTER\nReview of the Regenerated Fibres Programme\n\n"
           f"{PARA1} {PARA1} {PARA1}\n")
    ps = split_passages(doc(raw, "txt"))
    assert ps[0].section == "Review of the Regenerated Fibres Programme"
    assert ps[0].text.startswith("The Basque battery cluster")


def test_list_with_its_introduction_is_one_passage():
    raw = ("The partners committed to three joint work packages:\n\n"
           "- a shared hydrogen refuelling testbed in the port\n- joint training for technicians\n- one voice towards ministries\n")
    ps = split_passages(doc(raw))
    assert len(ps) == 1
    assert ps[0].text.startswith("The partners committed")
    assert ps[0].text.endswith("one voice towards ministries")


def test_markdown_question_line_stays_a_passage_not_a_heading():
    raw = f"## Interview\n\nHow would you describe the cluster when you arrived in 2019?\n\n{PARA1}\n"
    ps = split_passages(doc(raw))
    assert ps[0].text == "How would you describe the cluster when you arrived in 2019?"
    assert ps[0].section == "Interview"


def test_setext_heading_is_recognised():
    ps = split_passages(doc(f"Key findings\n============\n\n{PARA1}\n"))
    assert ps[0].section == "Key findings"
    assert ps[0].text == PARA1


def test_fragments_under_four_words_are_not_passages():
    ps = split_passages(doc(f"{PARA1}\n\nPhoto gallery.\n\n{PARA2}"))
    assert len(ps) == 2


def test_overlong_paragraph_is_split_at_sentence_ends():
    sentence = "The cluster measured the results of every pilot against a baseline agreed in advance. "
    raw = sentence * (MAX_PASSAGE_CHARS // len(sentence) * 3)
    d = doc(raw)
    ps = split_passages(d)
    assert len(ps) >= 3
    for p in ps:
        assert len(p.text) <= MAX_PASSAGE_CHARS
        assert d.text[p.start:p.end] == p.text
        assert p.text.endswith(".")


def test_a_table_flattened_into_a_paragraph_is_not_a_passage_but_a_paragraph_with_figures_is():
    from pipeline.segment import looks_like_table

    assert looks_like_table("Indicator 2019 2022 Target Electrolyser capacity (MW) 4 46 100 Hydrogen filling "
                            "stations 2 9 12 Member companies 31 58 60")
    assert not looks_like_table("Results against indicators: 1,140 SMEs reached through cluster newsletters "
                                "(target 900); 318 SMEs attending at least one project event (target 250); "
                                "46 SMEs receiving individual circularity assessments (target 60).")


@pytest.mark.parametrize("date_line", ["Thursday, 14 March 2024", "14 March 2024 – News", "Posted 14/03/2024"])
def test_a_date_line_above_the_text_heads_nothing_but_one_further_down_is_kept(date_line):
    raw = (f"Annual meeting in Ljubljana\n\n{date_line}\n\n{PARA1}\n\n"
           f"14 May 2024: annual meeting of members\n\n{PARA2}\n")
    ps = split_passages(doc(raw, "txt"))
    assert [(p.section, p.text) for p in ps] == [("Annual meeting in Ljubljana", PARA1),
                                                 ("14 May 2024: annual meeting of members", PARA2)]


def test_the_title_line_heads_the_text_even_in_sentence_case():
    title = "Seaweed growers on Islay and Jura share a drying kiln for the summer harvest"
    d = doc(f"{title}\n\n{PARA1}\n", "txt")
    assert [p.section for p in split_passages(d)] == [None, None]  # without a known title, a sentence-like line
    titled = Document(d.doc_id, d.path, d.format, d.text, d.sha256, title=title)
    assert [(p.section, p.text) for p in split_passages(titled)] == [(title, PARA1)]
