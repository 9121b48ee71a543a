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
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_people(extractor, case):
    title, body, present, absent = CASES[case]
    found = {e.key for e in extractor.extract(title, body) if e.kind == "person"}
    assert present <= found, found
    assert not (absent & found), found
