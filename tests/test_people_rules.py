"""People, not strings: one table row per class of error seen on real wire
copy, with text written for these tests."""
from pathlib import Path

import pytest

UNWRAP = Path(__file__).parent / "fixtures" / "entities" / "unwrap"

CASES = {
    # A name cut by a hard line break is one person, not "Richard" and "Lyng".
    "line break": (
        "Grain subsidy review", (UNWRAP / "wire.in.txt").read_text(),
        {"Richard Lyng"}, {"Richard", "Lyng"}),
    # Table words are not people: "Avg shrs", "Year", crude grades in a price table.
    "earnings table": (
        "Northfield results", (UNWRAP / "earnings.in.txt").read_text(),
        {"Margaret Olsen"}, {"Avg", "Revs", "Shr", "Year"}),
    "price table": (
        "Crude prices",
        "West African crude prices were steady on Tuesday, traders said.\n"
        "    Bonny Light      18.50     18.35\n"
        "    Brass River      18.40     18.30\n"
        "    Forcados         18.20     18.15\n",
        set(), {"Bonny Light", "Brass River", "Forcados"}),
    # Companies by their company form, even where the form is left off later.
    "company": (
        "Brokers merge",
        "Shearson Lehman Brothers said it would buy E.F. Hutton Group Inc for 1 billion dlrs. "
        "J.C. Penney Co Inc shares rose. Analyst Tom Kelly said E.F. Hutton had been struggling.",
        {"Tom Kelly"}, {"E.F. Hutton", "J.C. Penney", "Hutton", "Penney"}),
    "company sharing a surname": (
        "Dollar steady",
        "Treasury Secretary James Baker met bankers in Washington. Baker International Corp "
        "said its profit rose. Baker said the dollar was stable.",
        {"James Baker"}, {"Baker", "Baker International"}),
    "currency": (
        "Currencies",
        "The N.Z. Dlrs rose against the H.K. Dlrs in thin trade, dealer Peter Marsh said in "
        "Wellington.",
        {"Peter Marsh"}, {"N.Z. Dlrs", "H.K. Dlrs", "Dlrs"}),
    "places and clubs": (
        "Weekend sport",
        "In St. Louis, Ozzie Smith hit a home run. Manchester United beat Arsenal 2-1 in "
        "London, with Eric Cantona scoring twice.",
        {"Ozzie Smith", "Eric Cantona"}, {"Louis", "Manchester United", "St. Louis"}),
    # Titles and roles are not part of the name.
    "title": (
        "Fed holds rates",
        "Chair Jerome Powell said the Federal Reserve would keep rates unchanged. Powell added "
        "that inflation was easing.",
        {"Jerome Powell"}, {"Chair Jerome Powell", "Powell"}),
    # A nickname and the formal name are one person.
    "nickname": (
        "Wright keeps post",
        "House Speaker Jim Wright said on Tuesday he would not resign. James Wright told "
        "reporters the charges were false, and Wright said he would fight them.",
        {"Jim Wright"}, {"James Wright", "Wright"}),
    # Teams by the row they stand in: a league table row (six figures or more
    # after the name) or a results row (a name and a score, twice).
    "league table and results": (
        "Northern league",
        "Results of Northern league matches played on Saturday :\n"
        "Dorvik Harbour 2 Kestrel Vale 1\n"
        "Amberly Rovers 0 Saltmarsh Town 0\n"
        "Standings :\n"
        "Dorvik Harbour 5 4 1 0 11 3 13\n"
        "Kestrel Vale 5 3 0 2 8 7 9\n"
        "Coach Anton Reyes said the title was still open.\n",
        {"Anton Reyes"}, {"Dorvik Harbour", "Kestrel Vale"}),
    # A player's averages row has as many figures, but opens with a given name.
    "player averages": (
        "Tour averages",
        "Batting averages on the tour so far :\n"
        "Peter Dalloway 4 7 1 301 88 50.16\n"
        "Henry Walcott 4 6 0 212 71 35.33\n"
        "Dalloway said he was pleased with his form.\n",
        {"Peter Dalloway"}, set()),
    # Parties, clubs and regions by their word classes: a party word is no
    # word of a name, "Utd" ends a club's name like "United", and a compass
    # point after a common word names a region.
    "party": (
        "Party conference",
        "The Lib Dems gained two seats. Lib Dem leader Ailsa Brennock said the Blair Labour "
        "government had lost its way.",
        {"Ailsa Brennock"}, {"Lib Dems", "Lib Dem", "Blair Labour", "Lib", "Dems"}),
    "club short form": (
        "Cup tie",
        "Kestrel Utd beat Dorvik Utd 2-1 on Saturday. Manager Tobias Wrenfield was pleased.",
        {"Tobias Wrenfield"}, {"Kestrel Utd", "Dorvik Utd"}),
    "award": (
        "Music awards",
        "Singer Marla Quint won two Brit Awards and the Mercury Prize on Tuesday.",
        {"Marla Quint"}, {"Brit Awards", "Mercury Prize"}),
    # An abbreviation opens an organisation's name, not a person's.
    "broadcaster": (
        "Cup report",
        "BBC Sport understands the striker will stay, coach Ivo Marden told ITV News.",
        {"Ivo Marden"}, {"BBC Sport", "ITV News"}),
    # A ministry before a minister's one name is a title, not a given name.
    "ministry": (
        "Oil output",
        "Energy Minister Subarno said output would rise. Subarno told reporters in Jakarta.",
        set(), {"Energy Subarno", "Energy"}),
    "region": (
        "Shipping rates",
        "Freight rates to the Far East rose, while cargoes to the Middle East fell, broker "
        "Harold North said.",
        {"Harold North"}, {"Far East", "Middle East"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_people(extractor, case):
    title, body, present, absent = CASES[case]
    found = {e.key for e in extractor.extract(title, body) if e.kind == "person"}
    assert present <= found, found
    assert not (absent & found), found


def test_the_archive_knows_a_nickname_by_its_usual_spelling():
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    book = NameBook({"James Wright": 5, "Jim Wright": 1})
    out = book.resolve([Entity("person", "Jim Wright", "Jim Wright", [Mention("body", 0, 10)])])
    assert [e.key for e in out] == ["James Wright"]
    # Order never decides: with equal counts the alphabetically first spelling wins.
    tie = NameBook({"Jim Wright": 2, "James Wright": 2})
    assert tie.spelling("Jim Wright") == tie.spelling("James Wright") == "James Wright"


# A one-word name that no full name in the article or the archive ends with
# stays a person only with evidence from how it is written.
ALONE = {
    "form of address": ("A spokeswoman for Prince Alvaric said the palace would not comment.",
                        "Alvaric", True),
    "scorer with the minute": ("Dorvik 2 ( Brannoch 12th , Tulliver 80th ) Kestrel 1",
                               "Tulliver", True),
    "no evidence": ("The deal gives Alvaric time to sell assets.", "Alvaric", False),
    "a number, not a minute": ("Dorvik 2 ( Brannoch 12 ) Kestrel 1", "Brannoch", False),
}


@pytest.mark.parametrize("case", sorted(ALONE))
def test_a_lone_name_is_kept_only_with_evidence(case):
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    body, name, kept = ALONE[case]
    start = body.index(name)
    ent = Entity("person", name, name, [Mention("body", start, start + len(name))])
    out = NameBook().resolve([ent], "", body)
    assert ([e.key for e in out] == [name]) is kept


# Names the archive writes with a company form after them, counted across
# articles by the names book: (articles with the company form, articles
# naming the "person", whether it is a company everywhere).
COMPANIES = {
    "a broker written as a firm in most articles": (30, 40, True),
    "a firm written so in a quarter of its articles": (3, 12, True),
    "a person who once gave a fund his name": (1, 6, False),
    "a person whose fund is named in a few of many articles": (2, 20, False),
}


@pytest.mark.parametrize("case", sorted(COMPANIES))
def test_a_name_the_archive_writes_as_a_company_is_no_person(case):
    from archive.model import Entity, Mention
    from indexer.entities import NameBook

    as_company, as_person, dropped = COMPANIES[case]
    book = NameBook({"Q.R. Tallow": as_person})
    book.add([], [("", "Q.R. Tallow Group Inc said profit rose.")] * as_company)
    ent = Entity("person", "Q.R. Tallow", "Q.R. Tallow", [Mention("body", 0, 11)])
    assert (book.resolve([ent], "", "Q.R. Tallow said.") == []) is dropped


# Where a company's name is read from: the capitalised words before its
# legal form, a listing code or "& Co", never across punctuation or a
# possessive, and never in all-capital text.
COMPANY_NAMES = {
    "legal form": ("Shares of Harlow Vance Corp rose.", {"Harlow Vance"}),
    "two forms": ("Q.R. Tallow Group Inc said.", {"Q.R. Tallow"}),
    "and Co": ("Dealers at T.W. Mossop and Co said.", {"T.W. Mossop"}),
    "given name written short": ("Shares were placed by Wm. Tallow and Sons Inc.", {"Wm. Tallow"}),
    "and inside the name": ("Goodwin Tyre and Rubber Co said.", {"Goodwin Tyre"}),
    "and between two names": ("Rita Moss and Ada Hollis said.", set()),
    "a person and a company": ("Rita Moss and Dorvik Textiles Inc agreed.", {"Dorvik Textiles"}),
    "form in brackets": ("Cheng Wah (Holdings) Ltd said.", {"Cheng Wah"}),
    "listing code": ("Brindle Tooling <BRT> said.", {"Brindle Tooling"}),
    "possessive": ("Ada Hollis's Group Inc", set()),
    "one word": ("Shares of Hollis Inc. rose.", set()),
    "capitals": ("HARLOW VANCE CORP SEES LOSS", set()),
}


@pytest.mark.parametrize("case", sorted(COMPANY_NAMES))
def test_company_names_are_read_before_a_company_form(case):
    from indexer.people import company_names

    text, names = COMPANY_NAMES[case]
    assert company_names(text) == names


# A surname joined by "and" to a word the model calls an organisation is
# half a firm's name; joined to a person, it is a second person. The model's
# labels are given, so the rule is tested apart from the model's moods.
FIRMS = {
    "firm of two surnames": (
        "Duffield and Pharris lowered the rating. The cut reflects debt, Duffield and Pharris said.",
        {"Duffield": "ORG", "Pharris": "PERSON"}, False),
    "two people": (
        "Talks between Halvorsen and Pharris ended. Halvorsen and Pharris will meet again.",
        {"Halvorsen": "PERSON", "Pharris": "PERSON"}, True),
    "the model calls the first a person once": (
        "Duffield and Pharris lowered the rating. The cut reflects debt, Duffield and Pharris said.",
        {"Duffield": ["ORG", "PERSON"], "Pharris": "PERSON"}, False),
    "also named alone": (
        "Duffield and Pharris lowered the rating. Pharris said debt had risen.",
        {"Duffield": "ORG", "Pharris": "PERSON"}, True),
}


@pytest.mark.parametrize("case", sorted(FIRMS))
def test_a_surname_joined_to_a_firm_word_is_half_a_firm(case):
    import re

    from indexer.people import people

    body, labels, kept = FIRMS[case]
    seen: dict[str, int] = {}
    ents = []
    for m in re.finditer("|".join(labels), body):
        label = labels[m.group()]
        if isinstance(label, list):  # a label per occurrence
            label = label[seen.setdefault(m.group(), 0)]
            seen[m.group()] += 1
        ents.append(("body", m.start(), m.end(), m.group(), label))
    found = {e.key for e in people({"title": "", "body": body}, ents)}
    assert ("Pharris" in found) is kept, found


# Wire copy puts a company's name in angle brackets ("<Pantry Inc>"): a
# "person" written so is the company, wherever else the article names it.
BRACKETS = {
    "company in brackets": ("The state bank <Caisse Vallon du Credit Rural> bought bonds.",
                            "Caisse Vallon", False),
    "a person beside a company in brackets": ("Rita Moss, chairman of <Dorvik Textiles Inc>, "
                                              "said.", "Rita Moss", True),
    "brackets across a line": ("Notes < 5 pct were sold to\nRita Moss and others > 3.",
                               "Rita Moss", True),
    "a comparison": ("Notes < 5 pct were sold to Rita Moss and others > 3.", "Rita Moss", True),
    "an address": ("Write to <Rita Moss rita@example.org> today.", "Rita Moss", True),
    "a tag": ('A photo <img alt="Rita Moss" src=x> ran.', "Rita Moss", True),
    "quote marks": ("He said <<Rita Moss>> was right.", "Rita Moss", True),
}


@pytest.mark.parametrize("case", sorted(BRACKETS))
def test_a_name_in_angle_brackets_is_a_company(case):
    from indexer.people import people

    body, name, kept = BRACKETS[case]
    start = body.index(name)
    ents = [("body", start, start + len(name), name, "PERSON")]
    found = {e.key for e in people({"title": "", "body": body}, ents)}
    assert (name in found) is kept, found
