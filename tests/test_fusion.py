"""Hybrid ranking as data: what a reader sees first."""
import pytest

from archive import fusion
from archive.query import parse


def test_a_strong_keyword_match_leads_a_weak_meaning_match():
    kw = [("barley-exports", 12.0), ("grain-report", 3.0)]
    sem = [("wheat-prices", 0.35), ("barley-exports", 0.30)]
    ranked = [i for i, _ in fusion.combine(kw, sem, 0.5)]
    assert ranked[0] == "barley-exports", "found by both, best keyword score"
    assert ranked.index("wheat-prices") < ranked.index("grain-report"), \
        "a fair cosine (0.35) outranks a keyword match at a quarter of the best score"


def test_a_close_paraphrase_beats_a_weak_keyword_match():
    kw = [("mentions-moon-once", 9.0), ("passing-mention", 1.0)]
    sem = [("lunar-lander", 0.82)]
    ranked = [i for i, _ in fusion.combine(kw, sem, 0.5)]
    assert ranked.index("lunar-lander") < ranked.index("passing-mention")


def test_no_keyword_matches_leaves_the_meaning_order():
    sem = [("a", 0.7), ("b", 0.5), ("c", 0.2)]
    assert [i for i, _ in fusion.combine([], sem, 0.5)] == ["a", "b", "c"]


def test_equal_scores_break_ties_by_id_so_pages_are_stable():
    kw = [("b", 5.0), ("a", 5.0)]
    assert [i for i, _ in fusion.combine(kw, [], 0.5)] == ["a", "b"]


def test_only_the_candidate_window_is_fused(monkeypatch):
    monkeypatch.setattr(fusion, "CANDIDATES", 2)
    kw = [("k1", 3.0), ("k2", 2.0), ("k3", 1.0)]
    sem = [("s1", 0.9), ("s2", 0.8), ("s3", 0.75)]
    assert {i for i, _ in fusion.fuse(fusion.Candidates(kw, sem), parse("x"))} == {"k1", "k2", "s1", "s2"}


@pytest.mark.parametrize("method", ["convex", "score", "rrf"])
def test_an_item_both_sides_rank_first_is_first(monkeypatch, method):
    monkeypatch.setattr(fusion, "METHOD", method)
    kw = [("both", 4.0), ("kw-only", 3.9)]
    sem = [("both", 0.6), ("sem-only", 0.59)]
    c = fusion.Candidates(kw, sem, strict=2, cosine={"both": 0.6, "kw-only": 0.2})
    assert fusion.fuse(c, parse("grain exports to china"))[0][0] == "both"


def test_a_close_paraphrase_is_not_buried_by_partial_word_matches():
    """No article has every word ("relaxed"): articles that merely say "Earth"
    are far in meaning and must not outrank the Moon lander."""
    kw = [(f"says-earth-{i}", 3.0 - i / 100) for i in range(50)]
    cosine = {i: 0.15 for i, _ in kw}
    sem = [("moon-lander", 0.55)] + [(f"related-{i}", 0.36) for i in range(10)]
    q = parse("Unmanned spacecraft reaches Earth's satellite")
    ranked = [i for i, _ in fusion.fuse(fusion.Candidates(kw, sem, strict=0, cosine=cosine), q)]
    assert ranked[0] == "moon-lander"


def test_articles_with_every_word_lead_a_short_query():
    kw = [(f"barley-{i:02d}", 9.0 - i / 10) for i in range(80)]
    cosine = {i: 0.45 - n / 400 for n, (i, _) in enumerate(kw)}
    sem = [("wheat", 0.45), ("maize", 0.44)]
    for q in ("barley", "balance of payments"):
        c = fusion.Candidates(kw, sem, strict=len(kw), cosine=cosine)
        ranked = [i for i, _ in fusion.fuse(c, parse(q))]
        assert ranked[:20] == [f"barley-{i:02d}" for i in range(20)], q


def test_a_relaxed_query_shows_the_articles_with_every_word_first():
    """Two articles have every word; partial matches close in meaning follow
    them, however their scores compare, and keep their fused order."""
    kw = [("all-words-1", 9.0), ("all-words-2", 8.0), ("some-close", 8.5), ("some-far", 8.4)]
    cosine = {"all-words-1": 0.35, "all-words-2": 0.32, "some-close": 0.8, "some-far": 0.1}
    sem = [("some-close", 0.8), ("meaning-only", 0.7)]
    q = parse("revenues - £160m - will")
    ranked = [i for i, _ in fusion.fuse(fusion.Candidates(kw, sem, strict=2, cosine=cosine), q)]
    assert ranked[:2] == ["all-words-1", "all-words-2"]
    assert ranked[2:4] == ["some-close", "meaning-only"]


def test_meaning_reorders_the_articles_that_contain_the_words():
    kw = [("mentions-in-passing", 10.0), ("about-it", 9.5)]
    cosine = {"mentions-in-passing": 0.2, "about-it": 0.7}
    ranked = [i for i, _ in fusion.fuse(fusion.Candidates(kw, [], strict=2, cosine=cosine),
                                        parse("grain exports"))]
    assert ranked == ["about-it", "mentions-in-passing"]


def test_below_the_floor_meaning_alone_is_no_match():
    sem = [("close", fusion.MIN_SIMILARITY + 0.1), ("far", fusion.MIN_SIMILARITY - 0.05)]
    ranked = [i for i, _ in fusion.fuse(fusion.Candidates([], sem), parse("x y"))]
    assert ranked == ["close"]


def test_rrf_scores_are_reciprocal_ranks():
    scores = dict(fusion.rrf([["a", "b"], ["b"]], k=60))
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)


def test_keyword_matches_past_the_window_follow_the_fused_ones_once(monkeypatch):
    import numpy as np

    monkeypatch.setattr(fusion, "CANDIDATES", 2)
    kw = [("k1", 3.0), ("k2", 2.0)]
    sem = [("k4", 0.9), ("s1", 0.8)]
    later = np.array(["k3", "k4", "k5"], dtype=object)
    ids, scores = fusion.hybrid(fusion.Candidates(kw, sem, strict=2), parse("x"), later)
    assert set(ids[:4]) == {"k1", "k2", "k4", "s1"}
    assert list(ids[4:]) == ["k3", "k5"] and list(scores[4:]) == [0.0, 0.0]


def test_a_hybrid_total_counts_each_article_once():
    # 40 articles have the words (25 every word), 12 match by meaning, 5 of
    # them without the words: 45 results.
    assert fusion.totals("hybrid", 40, 25, 12, 5) == (45, 25, 5)
    assert fusion.totals("keyword", 40, 25, 0, 0) == (40, 25, 0)
    assert fusion.totals("semantic", 0, 0, 12, 12) == (12, 0, 12)


def test_a_paste_lists_the_articles_with_every_word_by_their_words_then_the_rest():
    """A pasted paragraph's source and its near-copies hold every word: BM25
    orders them, as in keyword mode, however meaning compares them; a partial
    match close in meaning and meaning-only matches follow."""
    paste = parse("The finance ministry said on Tuesday that grain exports through the "
                  "northern ports would resume next month once inspectors had cleared silos")
    assert paste.long
    kw = [("source", 12.0), ("twin", 11.9), ("partial", 11.95)]
    cosine = {"source": 0.80, "twin": 0.95, "partial": 0.99}
    sem = [("partial", 0.99), ("twin", 0.95), ("source", 0.80), ("meaning-only", 0.9)]
    c = fusion.Candidates(kw, sem, strict=2, cosine=cosine)
    ranked = [i for i, _ in fusion.fuse(c, paste)]
    assert ranked[:2] == ["source", "twin"]
    assert set(ranked[2:]) == {"partial", "meaning-only"}
    short = [i for i, _ in fusion.fuse(c, parse("grain exports"))]
    assert short[:2] == ["twin", "source"], "a short query's meaning orders its full matches"
