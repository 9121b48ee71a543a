"""Hybrid ranking: one list from the keyword side and the meaning side.

Both stores fuse in Python with these settings, so they rank alike.

The default (METHOD = "convex") scores each candidate by
(1 - SEMANTIC_WEIGHT) * BM25 / the query's best BM25 + SEMANTIC_WEIGHT * cosine.
Every keyword candidate carries its own cosine (the stores compute it even when
it is below the floor), so meaning reorders the articles that contain the
words; an article that only meaning finds joins when its cosine clears
MIN_SIMILARITY. A partial keyword match (a relaxed query: not every word) that
is also far in meaning counts PARTIAL_WEIGHT of its keyword score, so a weak
word match cannot bury a close paraphrase ("Unmanned spacecraft reaches
Earth's satellite" must find the Moon lander, not articles that say "Earth").

Measured on the 10k subset (BENCHMARKS.md, bench/eval_retrieval.py): weights
moved per query by query length, by how sharply each side's scores drop, by
the two lists' agreement or by whether every word was found did not move the
best weight on any of the three eval sets (0.7 was best in every bucket), so
the evidence used per query is the cosine of each candidate, the floor and
the partial-match rule, not a moving weight. The floor: precision of
meaning-only hits on the Reuters topics is 44-49% at cosine 0.40-0.50, 17% at
0.35-0.40, about 5% at 0.25-0.35 and 0-1.3% below 0.25, where nonsense
("zzzzqqq": best 0.25) lives; a true headline paraphrase (the Moon lander
above) scores 0.31, so the floor is 0.30, and the count of meaning matches
stays honest. RRF (the previous default, METHOD = "rrf") is kept as a
measured alternative.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Mapping, Sequence

import numpy as np

from archive.query import Query

METHOD = "convex"  # or "rrf", or "score" (convex without candidates' own cosines)
RRF_K = 60
SHORT_QUERY_WORDS = 2  # up to this many words, the keyword list votes SHORT_KEYWORD_WEIGHT times
SHORT_KEYWORD_WEIGHT = 2.0
SEMANTIC_WEIGHT = 0.7
PARTIAL_WEIGHT = 0.5
SEMANTIC_K = 100  # articles the vector side contributes to a semantic or hybrid match set
CANDIDATES = 200  # ranked candidates each side gives to fusion
# Below this cosine an article does not match by meaning (see the docstring).
MIN_SIMILARITY = 0.30
RELAX_BELOW = 10  # fewer articles than this with every word: also show those with some

Ranked = Sequence[tuple[Hashable, float]]


@dataclass
class Candidates:
    """What each side found, as both stores hand it to fusion.

    `keyword`: (id, BM25) best first, the `strict` ones that have every word
    first; `semantic`: (id, cosine) above the relevance floor, best first;
    `cosine`: the cosine of keyword candidates too (below the floor or not),
    so meaning can reorder articles that contain the words."""

    keyword: Ranked = ()
    semantic: Ranked = ()
    strict: int = 0
    cosine: Mapping[Hashable, float] = field(default_factory=dict)
    floor: float = MIN_SIMILARITY


def similarity_floor(embedder) -> float:
    """The cosine below which an article does not match by meaning: a property
    of the model's cosine scale, so an embedder may declare its own
    (`min_similarity`; the tests' hash embedder does)."""
    return float(getattr(embedder, "min_similarity", MIN_SIMILARITY))


def fuse(c: Candidates, query: Query) -> list[tuple[Hashable, float]]:
    """The hybrid ranking of the candidates, best first."""
    return every_word_first(_fused(c, query), c, query)


def every_word_first(ranked: list[tuple[Hashable, float]], c: Candidates,
                     query: Query) -> list[tuple[Hashable, float]]:
    """A relaxed query shows the articles with every word first, as the
    page promises ("2 articles contain all your words; 850 more contain
    some"), then the rest in fused order. Left to the scores, a partial match
    close in meaning came first: the README's own example put its one source
    at rank 23. Measured on Elasticsearch's candidates for the 10k subset
    (1,000 known-item headlines, 162 of them relaxed with some full
    matches), this costs 0.006 nDCG@10 and keeps hybrid 0.054 above keyword.
    A pasted paragraph is the same case sharper: its source has every word,
    while an article on the same story that meaning prefers lacks some (the
    one long paste where hybrid fell below keyword on Elasticsearch). Among
    the articles that hold every word of a paste, the words decide (BM25's
    order): they are the source and its near-copies, and a passage's vector
    summarises more than the pasted lines (the embedded store's one loss on
    the long set was a twin that meaning put first by 0.003 of cosine)."""
    if c.strict <= 0 or (c.strict >= len(c.keyword) and not query.long):
        return ranked
    every = [i for i, _ in c.keyword[:c.strict]]
    if query.long:
        fused = dict(ranked)
        head = [(i, fused[i]) for i in every if i in fused]
    else:
        chosen = set(every)
        head = [r for r in ranked if r[0] in chosen]
    taken = {i for i, _ in head}
    return head + [r for r in ranked if r[0] not in taken]


def _fused(c: Candidates, query: Query) -> list[tuple[Hashable, float]]:
    keyword, semantic = c.keyword[:CANDIDATES], c.semantic[:CANDIDATES]
    if METHOD == "score":
        return combine(keyword, semantic, SEMANTIC_WEIGHT)
    if METHOD == "rrf":
        short = query.content_words <= SHORT_QUERY_WORDS
        return rrf([[i for i, _ in keyword], [i for i, _ in semantic]], k=RRF_K,
                   weights=[SHORT_KEYWORD_WEIGHT if short else 1.0, 1.0])
    best = max((s for _, s in keyword), default=0.0)
    scores: dict[Hashable, float] = {}
    for n, (item, s) in enumerate(keyword):
        cos = c.cosine.get(item, 0.0)
        k = s / best if best > 0 else 0.0
        # Measured on short queries; a paste's partial matches are its share set.
        if n >= c.strict and cos < c.floor and not query.long:
            k *= PARTIAL_WEIGHT
        scores[item] = (1 - SEMANTIC_WEIGHT) * k + SEMANTIC_WEIGHT * cos
    for item, cos in semantic:
        if item not in scores and cos >= c.floor:
            scores[item] = SEMANTIC_WEIGHT * cos
    return _ordered(scores)


def relax(every_word: int, query: Query) -> bool:
    """Whether to add the articles that have only some of the words: fewer
    than RELAX_BELOW in the whole archive have every word, or the query is a
    paste (its source may be the only article with every word).

    The archive, not the filters: a facet says how many articles a click on
    it gives ("Ronald Reagan 5" for "oil prices"), and a filter that left
    fewer than RELAX_BELOW of them relaxed the query, so the click gave 57
    and every other count on the page changed with it."""
    return query.long or every_word < RELAX_BELOW


def add_relaxed(ids: np.ndarray, scores: np.ndarray, more_ids: np.ndarray,
                more_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The keyword order once relaxed: the articles with every word, then those
    only the relaxed query finds, each part by BM25."""
    new = ~np.isin(more_ids, ids)
    return np.concatenate([ids, more_ids[new]]), np.concatenate([scores, more_scores[new]])


def hybrid(c: Candidates, query: Query, later: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hybrid result order, as (ids, scores): the fused candidates, then
    `later`, the keyword matches past the fusion window (by BM25), less any
    fusion placed, with score 0: they still match, so they count and follow.
    `later` is an array (object dtype for string ids) because a common word
    matches tens of thousands of articles; only the window becomes Python."""
    fused = fuse(c, query)
    ids = np.array([i for i, _ in fused], dtype=later.dtype)
    scores = np.array([s for _, s in fused], dtype=np.float64)
    later = later[~np.isin(later, ids)] if len(ids) else later
    return np.concatenate([ids, later]), np.concatenate([scores, np.zeros(len(later))])


def totals(mode: str, keyword: int, every_word: int, semantic: int,
           meaning_only: int) -> tuple[int, int, int]:
    """(total, keyword_total, semantic_total) of a query's result: `keyword`
    articles match by words (`every_word` of them have every word), `semantic`
    by meaning, `meaning_only` of those without the words. A hybrid result
    holds both sides, each article once."""
    total = {"keyword": keyword, "semantic": semantic}.get(mode, keyword + meaning_only)
    return (total, every_word if mode != "semantic" else 0,
            meaning_only if mode != "keyword" else 0)


def combine(keyword: Ranked, semantic: Ranked, weight: float) -> list[tuple[Hashable, float]]:
    """(1 - weight) * score / best keyword score + weight * cosine; an item on
    one side only gets that side's part."""
    best = max((s for _, s in keyword), default=0.0)
    scores: dict[Hashable, float] = {}
    for item, s in keyword:
        scores[item] = (1 - weight) * (s / best if best > 0 else 0.0)
    for item, cos in semantic:
        scores[item] = scores.get(item, 0.0) + weight * cos
    return _ordered(scores)


def rrf(lists: Sequence[Sequence[Hashable]], k: int = RRF_K,
        weights: Sequence[float] | None = None) -> list[tuple[Hashable, float]]:
    """Items ranked by sum of weight / (k + rank) over the lists (rank from 1)."""
    weights = weights or [1.0] * len(lists)
    scores: dict[Hashable, float] = {}
    for items, w in zip(lists, weights):
        for rank, item in enumerate(items, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return _ordered(scores)


def _ordered(scores: dict) -> list[tuple[Hashable, float]]:
    return sorted(scores.items(), key=lambda kv: (-kv[1], str(kv[0])))


def describe() -> str:
    """The fusion in force, in words (benchmarks and the README quote it)."""
    if METHOD == "rrf":
        return (f"RRF (k={RRF_K}), keyword list counted {SHORT_KEYWORD_WEIGHT:g} times for "
                f"queries of up to {SHORT_QUERY_WORDS} content words")
    if METHOD == "score":
        return f"score fusion, semantic weight {SEMANTIC_WEIGHT}"
    return (f"convex: {1 - SEMANTIC_WEIGHT:.1f} x BM25 / best BM25 + {SEMANTIC_WEIGHT:.1f} x "
            f"cosine, each keyword candidate with its own cosine; meaning-only matches from "
            f"cosine {MIN_SIMILARITY}; partial word matches far in meaning count "
            f"{PARTIAL_WEIGHT:g} of their keyword score")
