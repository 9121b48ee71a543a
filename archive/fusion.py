"""Reciprocal rank fusion: merge ranked lists by rank, not by incomparable scores."""
from __future__ import annotations

from typing import Hashable, Sequence

RRF_K = 60
# Settings both stores use, so they return the same results.
SEMANTIC_K = 100  # articles the vector side contributes to a semantic or hybrid match set
CANDIDATES = 200  # ranked candidates each side gives to rank fusion
# Below this cosine an article is not a semantic match at all: all-MiniLM puts
# unrelated news at about 0 to 0.1 and paraphrases well above 0.3.
MIN_SIMILARITY = 0.1
# Keyword, semantic. Weighting BM25 twice scored higher on Reuters topics (BENCHMARKS.md,
# "Retrieval quality") but puts an article found only by meaning below every keyword
# match up to rank ~60, which defeats hybrid search; equal weights it is.
HYBRID_WEIGHTS = (1.0, 1.0)


def rrf(lists: Sequence[Sequence[Hashable]], k: int = RRF_K,
        weights: Sequence[float] | None = None) -> list[tuple[Hashable, float]]:
    """Items ranked by sum of weight / (k + rank) over the lists (rank from 1)."""
    weights = weights or [1.0] * len(lists)
    scores: dict[Hashable, float] = {}
    for items, w in zip(lists, weights):
        for rank, item in enumerate(items, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], str(kv[0])))
