"""Hard-wrapped text as the archive gets it: paragraphs joined, tables kept."""
from pathlib import Path

import pytest

from indexer.unwrap import is_table_line, soft_breaks, table_lines, unwrap

CASES = Path(__file__).parent / "fixtures" / "entities" / "unwrap"
NAMES = sorted(p.name[:-len(".in.txt")] for p in CASES.glob("*.in.txt"))


def _case(name):
    return (CASES / f"{name}.in.txt").read_text(), (CASES / f"{name}.out.txt").read_text()


@pytest.mark.parametrize("name", NAMES)
def test_unwrap(name):
    given, expected = _case(name)
    assert unwrap(given) == expected


@pytest.mark.parametrize("name", NAMES)
def test_unwrapping_twice_changes_nothing_more(name):
    once = unwrap(_case(name)[0])
    assert unwrap(once) == once


def test_a_name_cut_at_a_line_end_is_whole_again():
    given, _ = _case("wire")
    assert "Richard\nLyng" in given
    assert "Secretary Richard Lyng told" in unwrap(given)


def test_soft_breaks_are_exactly_the_newlines_unwrap_joins():
    given, _ = _case("wire")
    breaks = soft_breaks(given)
    assert breaks and all(given[i] == "\n" for i in breaks)
    assert given.index("Richard\n") + len("Richard") in breaks
    # Paragraph starts (indented lines) are hard breaks.
    assert given.index("\n    Lyng said") not in breaks


@pytest.mark.parametrize("line,table", [
    ("Shr 1.20 dlrs vs 1.10 dlrs", True),
    ("    Avg shrs 9,810,000 vs 9,790,000", True),
    ("Net loss 3,035,000 vs loss 2,516,000", True),
    (" Gold reserves................41.2 vs......40.9", True),
    ("Revs 61.3 mln 58.8 mln", True),
    ("Wheat       1,204     1,310     +8.8", True),
    ("2. Oliver Brandt (Germany) 45.20", False),
    ("Agriculture Secretary Richard Lyng said sales rose 20 pct.", False),
    ("The company said it earned 1.20 dlrs a share in 1986.", False),
    ("", False),
])
def test_table_lines(line, table):
    assert is_table_line(line) is table


def test_a_caption_inside_a_table_belongs_to_it():
    given, _ = _case("earnings")
    rows = [given[s:e].strip() for s, e in table_lines(given)]
    assert "Year" in rows and "Avg shrs 9,810,000 vs 9,790,000" in rows
    assert not any("Margaret Olsen" in r for r in rows)
