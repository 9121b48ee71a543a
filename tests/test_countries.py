"""Country normalisation, table-driven: names, demonyms, capitals, seats of
government, cities, abbreviations and organisations that are not countries."""
import pytest

from indexer.entities import resolve
from indexer.places import country_code

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
    ("UAE", "GPE", "AE"), ("Holland", "GPE", "NL"), ("Soviet Union", "GPE", "RU"),
    ("USSR", "GPE", "RU"), ("DRC", "GPE", "CD"), ("Burma", "GPE", "MM"),
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
    ("Kazakh", "NORP", "KZ"), ("Soviet", "NORP", "RU"), ("Filipino", "NORP", "PH"),
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
