"""Country normalisation, table-driven: names, demonyms, capitals, seats of
government, cities, abbreviations and organisations that are not countries."""
import datetime as dt

import pytest

from indexer.entities import resolve
from indexer.places import country_code
from tests.conftest import located

CASES = [
    # official and short names
    ("Hungary", "GPE", "HU"), ("Russia", "GPE", "RU"), ("Ukraine", "GPE", "UA"),
    ("the United States", "GPE", "US"), ("United States of America", "GPE", "US"),
    ("France", "GPE", "FR"), ("Germany", "GPE", "DE"), ("China", "GPE", "CN"),
    ("Japan", "GPE", "JP"), ("India", "GPE", "IN"), ("Brazil", "GPE", "BR"),
    ("South Africa", "GPE", "ZA"), ("New Zealand", "GPE", "NZ"), ("Saudi Arabia", "GPE", "SA"),
    ("the Netherlands", "GPE", "NL"), ("the Philippines", "GPE", "PH"), ("Mexico", "GPE", "MX"),
    ("Argentina", "GPE", "AR"), ("Egypt", "GPE", "EG"), ("Nigeria", "GPE", "NG"),
    ("Kenya", "GPE", "KE"), ("Iran", "GPE", "IR"), ("Iraq", "GPE", "IQ"), ("Israel", "GPE", "IL"),
    ("Turkey", "GPE", "TR"), ("Poland", "GPE", "PL"), ("Canada", "GPE", "CA"),
    ("Australia", "GPE", "AU"), ("South Korea", "GPE", "KR"), ("North Korea", "GPE", "KP"),
    ("Czech Republic", "GPE", "CZ"), ("Ivory Coast", "GPE", "CI"), ("Kazakhstan", "GPE", "KZ"),
    ("Vietnam", "GPE", "VN"), ("Taiwan", "GPE", "TW"), ("Hong Kong", "GPE", "HK"),
    # abbreviations and informal names
    ("U.S.", "GPE", "US"), ("US", "GPE", "US"), ("USA", "GPE", "US"), ("America", "GPE", "US"),
    ("UK", "GPE", "GB"), ("U.K.", "GPE", "GB"), ("Britain", "GPE", "GB"),
    ("Great Britain", "GPE", "GB"), ("England", "GPE", "GB"), ("Scotland", "GPE", "GB"),
    ("UAE", "GPE", "AE"), ("Holland", "GPE", "NL"), ("Soviet Union", "GPE", "SU"),
    ("USSR", "GPE", "SU"), ("DRC", "GPE", "CD"), ("Burma", "GPE", "MM"),
    ("West Germany", "GPE", "DE"),
    # demonyms
    ("Russian", "NORP", "RU"), ("Ukrainian", "NORP", "UA"), ("Hungarian", "NORP", "HU"),
    ("American", "NORP", "US"), ("Americans", "NORP", "US"), ("British", "NORP", "GB"),
    ("French", "NORP", "FR"), ("German", "NORP", "DE"), ("Chinese", "NORP", "CN"),
    ("Japanese", "NORP", "JP"), ("Indian", "NORP", "IN"), ("Pakistani", "NORP", "PK"),
    ("Israeli", "NORP", "IL"), ("Palestinian", "NORP", "PS"), ("Iranian", "NORP", "IR"),
    ("Saudi", "NORP", "SA"), ("Egyptian", "NORP", "EG"), ("Nigerian", "NORP", "NG"),
    ("Brazilian", "NORP", "BR"), ("Mexican", "NORP", "MX"), ("Canadian", "NORP", "CA"),
    ("Australian", "NORP", "AU"), ("Dutch", "NORP", "NL"), ("Swiss", "NORP", "CH"),
    ("Greek", "NORP", "GR"), ("Turkish", "NORP", "TR"), ("Polish", "NORP", "PL"),
    ("Kazakh", "NORP", "KZ"), ("Soviet", "NORP", "SU"), ("Filipino", "NORP", "PH"),
    # capitals and seats of government
    ("Kremlin", "ORG", "RU"), ("the Kremlin", "FAC", "RU"), ("White House", "ORG", "US"),
    ("The White House’s", "ORG", "US"), ("the Pentagon", "ORG", "US"),
    ("Downing Street", "FAC", "GB"), ("Elysee Palace", "FAC", "FR"),
    ("Washington", "GPE", "US"), ("Moscow", "GPE", "RU"), ("Kyiv", "GPE", "UA"),
    ("Kiev", "GPE", "UA"), ("Budapest", "GPE", "HU"), ("London", "GPE", "GB"),
    ("Paris", "GPE", "FR"), ("Berlin", "GPE", "DE"), ("Beijing", "GPE", "CN"),
    ("Tokyo", "GPE", "JP"), ("New Delhi", "GPE", "IN"), ("Brussels", "GPE", "BE"),
    ("Tehran", "GPE", "IR"), ("Ankara", "GPE", "TR"), ("Ottawa", "GPE", "CA"),
    ("Canberra", "GPE", "AU"), ("Astana", "GPE", "KZ"), ("Nairobi", "GPE", "KE"),
    # well-known cities and states
    ("New York", "GPE", "US"), ("Los Angeles", "GPE", "US"), ("Anchorage", "GPE", "US"),
    ("Alaska", "GPE", "US"), ("Texas", "GPE", "US"), ("California", "GPE", "US"),
    ("St Petersburg", "GPE", "RU"), ("Kharkiv", "GPE", "UA"), ("Shanghai", "GPE", "CN"),
    ("Mumbai", "GPE", "IN"), ("Frankfurt", "GPE", "DE"), ("Istanbul", "GPE", "TR"),
    ("Geneva", "GPE", "CH"), ("Sydney", "GPE", "AU"), ("Toronto", "GPE", "CA"),
    ("Rio de Janeiro", "GPE", "BR"), ("Gaza", "GPE", "PS"), ("Crimea", "GPE", "UA"),
    # regions
    ("Yorkshire", "GPE", "GB"), ("Ontario", "GPE", "CA"), ("Bavaria", "GPE", "DE"),
    ("Queensland", "GPE", "AU"), ("Kashmir", "GPE", "IN"),
    # not countries
    ("NATO", "ORG", None), ("the European Union", "ORG", None), ("EU", "ORG", None),
    ("Europe", "LOC", None), ("Asia", "LOC", None), ("the Middle East", "LOC", None),
    ("Africa", "LOC", None), ("the United Nations", "ORG", None), ("OPEC", "ORG", None),
    ("Cabinet", "ORG", None), ("Reuters", "ORG", None), ("the West", "LOC", None),
    ("European", "NORP", None), ("Muslims", "NORP", None), ("Republicans", "NORP", None),
]


@pytest.mark.parametrize("text,label,code", CASES)
def test_country_code(text, label, code):
    assert country_code(text, label) == code


def test_the_table_is_big_enough():
    assert len(CASES) >= 100


def _codes(body, ents):
    return {e.key for e in resolve("", body, ents) if e.kind == "country"}


def test_georgia_the_state_in_a_us_story():
    body = "Voters in Georgia lined up in Atlanta on Tuesday."
    assert _codes(body, [("body", 10, 17, "Georgia", "GPE"),
                         ("body", 33, 40, "Atlanta", "GPE")]) == {"US"}


def test_georgia_the_country_in_a_caucasus_story():
    body = "Georgia and Armenia signed a deal in Tbilisi."
    assert _codes(body, [("body", 0, 7, "Georgia", "GPE"), ("body", 12, 19, "Armenia", "GPE"),
                         ("body", 37, 44, "Tbilisi", "GPE")]) == {"GE", "AM"}


def test_jordan_the_country_and_jordan_the_player():
    body = "King Abdullah of Jordan met officials in Amman."
    assert _codes(body, [("body", 17, 23, "Jordan", "GPE"),
                         ("body", 41, 46, "Amman", "GPE")]) == {"JO"}
    body = "Michael Jordan said Jordan would retire."
    assert _codes(body, [("body", 0, 14, "Michael Jordan", "PERSON"),
                         ("body", 20, 26, "Jordan", "GPE")]) == set()


# ---- countries of their time, ambiguous places, datelines, about vs mentioned

D1987, D1996, D2005 = dt.date(1987, 3, 3), dt.date(1996, 8, 30), dt.date(2005, 3, 3)

OF_THEIR_TIME = [
    # (body, model mentions, article date, expected codes)
    ("Moscow bought wheat, the Kremlin said.", [("Moscow", "GPE"), ("Kremlin", "ORG")],
     D1987, {"SU"}),
    ("Moscow bought wheat, the Kremlin said.", [("Moscow", "GPE"), ("Kremlin", "ORG")],
     D1996, {"RU"}),
    ("Russia still pays for Soviet debts.", [("Russia", "GPE"), ("Soviet", "NORP")],
     D2005, {"RU", "SU"}),
    ("Bonn and East Germany agreed a border crossing in East Berlin.",
     [("Bonn", "GPE"), ("East Germany", "GPE"), ("East Berlin", "GPE")], D1987, {"DE", "DD"}),
    ("Belgrade and Prague signed a trade protocol.", [("Belgrade", "GPE"), ("Prague", "GPE")],
     D1987, {"YU", "CS"}),
    ("Belgrade and Prague signed a trade protocol.", [("Belgrade", "GPE"), ("Prague", "GPE")],
     D2005, {"RS", "CZ"}),
    ("Yugoslavia's debt talks resumed.", [("Yugoslavia", "GPE")], None, {"YU"}),
]


@pytest.mark.parametrize("body,spans,date,codes", OF_THEIR_TIME)
def test_countries_of_their_time(body, spans, date, codes):
    assert {e.key for e in resolve("", body, located(body, spans), date)
            if e.kind == "country"} == codes


AMBIGUOUS = [
    # a Pennsylvania town, not Whitehall in London
    ("WHITEHALL, Pa., March 3 - Fidelity Bank said profits rose.", [], {"US"}),
    ("Fidelity Bank of Whitehall, Pa., said profits rose.", [("Whitehall", "GPE")], {"US"}),
    # the US state by its senator
    ("Sen. Sam Nunn, the Georgia Democrat, said the vote was close.",
     [("Georgia", "GPE")], {"US"}),
    ("Georgia's parliament met in Tbilisi.", [("Georgia", "GPE"), ("Tbilisi", "GPE")], {"GE"}),
    # names of a company, a creditors' club and a sea
    ("Shares of <South China Morning Post Ltd> rose.", [("South China", "GPE")], set()),
    ("The Paris Club agreed to reschedule the debt.", [("Paris", "GPE")], set()),
    ("Ships crossed the South China Sea.", [("the South China Sea", "LOC")], set()),
    # Brussels standing for the European Community
    ("Brussels said the EC would cut farm prices.", [("Brussels", "GPE"), ("EC", "ORG")], set()),
    ("Brussels police closed the Grand Place.", [("Brussels", "GPE")], {"BE"}),
    # a big city from the gazetteer, not a hand-typed table
    ("Factories in Porto Alegre and Guadalajara reopened.",
     [("Porto Alegre", "GPE"), ("Guadalajara", "GPE")], {"BR", "MX"}),
]


@pytest.mark.parametrize("body,spans,codes", AMBIGUOUS)
def test_ambiguous_places(body, spans, codes):
    assert {e.key for e in resolve("", body, located(body, spans))
            if e.kind == "country"} == codes


DATELINES = [
    ("LONDON, March 3 - Shares fell.", "LONDON", "GB"),
    ("WASHINGTON (Reuters) - The Treasury said.", "WASHINGTON", "US"),
    ("ROCHESTER, N.Y., Feb 26 - Eastman Kodak Co said.", "ROCHESTER", "US"),
    ("TOKYO, March 3 - The yen rose.", "TOKYO", "JP"),
    ("SAO PAULO, April 2 - Brazil's debt.", "SAO PAULO", "BR"),
    ("Adrian Warner\nBERLIN 1996-08-30\nGermany's team won.", "BERLIN", "DE"),
    ("The company said it would cut jobs.", None, None),
    ("U.S. SAYS IT WILL ACT - The ministry said.", None, None),
]


@pytest.mark.parametrize("body,city,code", DATELINES)
def test_datelines(body, city, code):
    from indexer.entities import dateline

    found = dateline(body)
    assert (found and found.city, found and found.code) == (city, code)


def test_the_dateline_country_is_what_the_story_is_about():
    body = ("TOKYO, March 3 - Japan's trade surplus with the United States widened in "
            "February, the ministry said.\n    Exports to France also rose.")
    ents = located(body, [("Japan", "GPE"), ("the United States", "GPE"), ("France", "GPE")])
    out = {e.key: e for e in resolve("Trade surplus widens", body, ents, D1987)}
    assert out["JP"].about and out["JP"].salience > out["US"].salience
    assert not out["FR"].about  # named once, in passing
    assert out["JP"].mentions[0].start == 0  # the dateline city is marked


def test_the_about_threshold_is_a_setting(monkeypatch):
    body = "Exports rose in March.\n\nShipments to France rose too."
    ents = located(body, [("France", "GPE")])
    assert not resolve("", body, ents)[0].about  # once, after the lead
    monkeypatch.setenv("NEWSARCHIVE_ABOUT_MIN", "0.5")
    assert resolve("", body, ents)[0].about


def test_former_states_have_names_and_lead_to_today():
    from archive.countries import country_name, with_predecessors

    assert country_name("SU") == "Soviet Union" and country_name("DD") == "East Germany"
    assert with_predecessors(["RU"]) == ["RU", "SU"]
    assert with_predecessors(["CZ", "SK"]) == ["CZ", "CS", "SK"]
