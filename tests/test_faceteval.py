"""The country facet scored against hand-judged articles."""
from pathlib import Path

from indexer import faceteval

HERE = Path(__file__).parent / "fixtures" / "entities" / "facets"


def test_about_and_mentioned_are_scored_with_and_without_datelines(extractor):
    gold = faceteval.load_gold(HERE / "gold.jsonl")
    plain = faceteval.evaluate(gold, HERE / "corpus.jsonl", extractor, datelines=False)
    wire = faceteval.evaluate(gold, HERE / "corpus.jsonl", extractor, datelines=True)
    assert plain["articles"] == 3 and plain["missing"] == 1
    # France is mentioned in passing: found, but not what f1 is about.
    assert plain["mentioned"]["predicted"] > plain["about"]["predicted"]
    assert plain["about"]["precision"] == 1.0
    # "SAN JOSE, Calif., April 1 - ..." puts f3 in the US.
    assert wire["about"]["recall"] > plain["about"]["recall"]
    assert set(wire["about_by_threshold"]) == {str(t) for t in faceteval.THRESHOLDS}


def test_a_dateline_is_set_as_the_wire_sends_it():
    art = faceteval.load_articles(HERE / "corpus.jsonl", {"f1"})["f1"]
    assert faceteval.with_dateline(art, "TOKYO").body.startswith("TOKYO, March 3 - The trade")
