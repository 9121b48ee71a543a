"""Hybrid ranking: one list from the keyword side and the meaning side.

Both stores fuse in Python with these settings, so they rank alike.

The default is reciprocal rank fusion (RRF): each list votes by position,
1 / (60 + rank), so an article that only meaning finds (a paraphrase with no
shared word) still reaches the top when it is the best meaning match. Short
queries of one or two words besides stop words ("barley", "balance of
payments") are usually topic or name look-ups where the exact word is the evidence, so
there the keyword list votes twice. Score fusion (a convex combination of the
cosine and BM25 divided by the query's best BM25) scored higher on the eval
sets but let any keyword match, however weak, outrank a clear paraphrase in a
small archive, so it is kept as a measured alternative (METHOD = "score");
bench/eval_retrieval.py compares them (BENCHMARKS.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Mapping, Sequence

from archive.query import Query

METHOD = "rrf"  # or "score"
RRF_K = 60
SHORT_QUERY_WORDS = 2  # up to this many words, the keyword list votes SHORT_KEYWORD_WEIGHT times
SHORT_KEYWORD_WEIGHT = 2.0
SEMANTIC_WEIGHT = 0.5  # for METHOD = "score"
SEMANTIC_K = 100  # articles the vector side contributes to a semantic or hybrid match set
CANDIDATES = 200  # ranked candidates each side gives to fusion
# Below this cosine an article is not a semantic match at all: all-MiniLM puts
# unrelated news at about 0 to 0.1 and paraphrases well above 0.3.
MIN_SIMILARITY = 0.1
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


def similarity_floor(best) -> float:
    """The cosine below which an article does not match by meaning."""
    return MIN_SIMILARITY


def fuse(c: Candidates, query: Query) -> list[tuple[Hashable, float]]:
    """The hybrid ranking of the candidates, best first."""
    keyword, semantic = c.keyword[:CANDIDATES], c.semantic[:CANDIDATES]
    if METHOD == "score":
        return combine(keyword, semantic, SEMANTIC_WEIGHT)
    short = query.content_words <= SHORT_QUERY_WORDS
    return rrf([[i for i, _ in keyword], [i for i, _ in semantic]], k=RRF_K,
               weights=[SHORT_KEYWORD_WEIGHT if short else 1.0, 1.0])


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
    if METHOD == "score":
        return f"score fusion, semantic weight {SEMANTIC_WEIGHT}"
    return (f"RRF (k={RRF_K}), keyword list counted {SHORT_KEYWORD_WEIGHT:g} times for "
            f"queries of up to {SHORT_QUERY_WORDS} content words")
