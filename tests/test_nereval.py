from indexer import nereval
from tests.conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "conll_tiny.jsonl"


def test_documents_are_rebuilt_with_gold_offsets():
    docs = nereval.load_conll(TINY)
    assert len(docs) == 2
    d = docs[0]
    assert d.title == "PUTIN VISITS HUNGARY"
    assert d.body.startswith("Russian President Vladimir Putin arrived in Budapest")
    texts = {(f, (d.title if f == "title" else d.body)[s:e]) for f, s, e in d.gold["PER"]}
    assert texts == {("title", "PUTIN"), ("body", "Vladimir Putin"), ("body", "Putin"),
                     ("body", "Viktor Orban")}
    assert {(d.body[s:e]) for f, s, e in d.gold["LOC"] if f == "body"} == {"Budapest", "Hungary"}


def test_scores_with_the_real_extractor(extractor):
    report = nereval.evaluate(nereval.load_conll(TINY), extractor)
    people, places = report["people"], report["places"]
    assert people["gold"] == 4 and places["gold"] == 4
    assert people["precision"] == 1.0 and people["recall"] >= 0.75
    assert places["f1"] > 0.5


def test_score_arithmetic():
    s = nereval.score({1, 2, 3}, {2, 3, 4, 5})
    assert (s["precision"], s["recall"]) == (round(2 / 3, 4), 0.5)
