"""The README and docs/architecture.md say what the code does.

The numbers a reader acts on are read here from the modules that decide them,
so changing a constant without the docs (or the docs without the code) fails.
"""
import re

import pytest

from archive import fusion, query
from tests.conftest import ROOT

README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PACKAGES = ("archive", "archive/web", "indexer", "newsarchive")


def _flat(text: str) -> str:
    """Markdown with its line wrapping undone."""
    return " ".join(text.split())


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:] if end < 0 else text[start:end]


def test_readme_quotes_the_fusion_in_force():
    readme = _flat(README.read_text())
    assert f'in `fusion.describe()`\'s words: "{fusion.describe()}"' in readme
    assert f"the relevance floor ({fusion.MIN_SIMILARITY:g} for all-MiniLM-L6-v2)" in readme
    assert (f"the best {fusion.CANDIDATES} keyword matches and the meaning matches "
            f"(at most {fusion.SEMANTIC_K})") in readme
    assert f"Keyword matches past the {fusion.CANDIDATES} follow by BM25" in readme


@pytest.mark.parametrize("path", [README, ROOT / "templates" / "search.html"],
                         ids=["README", "search page help"])
def test_every_word_and_relaxed_rules_match_the_code(path):
    text = _flat(path.read_text())
    counts = re.findall(r"up to (\w+) words", text)
    assert counts and set(counts) == {str(query.LONG_WORDS)}, counts
    relaxed = re.findall(r"[Ff]ewer than (\w+) articles", text)
    assert relaxed and set(relaxed) == {str(fusion.RELAX_BELOW)}, relaxed


def test_readme_states_the_long_query_and_meaning_limits():
    readme = _flat(README.read_text())
    assert f"at least {query.LONG_MATCH:.0%} of its distinct words" in readme
    assert f"(1 to {query.PHRASE_WORDS} words" in readme
    assert f"at most the {fusion.SEMANTIC_K} nearest" in readme


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            if path.name != "__init__.py":
                yield path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("module", list(_modules()))
def test_every_module_is_in_a_map(module):
    """A newcomer finds every module in the README's "How it works" or in
    docs/architecture.md's module map, by its path or its file name."""
    maps = _section(README.read_text(), "## How it works") + ARCHITECTURE.read_text()
    name = module.rsplit("/", 1)[1]
    assert re.search(rf"`(?:[\w/]+/)?{re.escape(name)}`", maps), \
        f"{module} is named neither in README.md's How it works nor in docs/architecture.md"
