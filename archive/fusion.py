"""Reciprocal rank fusion: merge ranked lists by rank, not by incomparable scores."""
from __future__ import annotations

from typing import Hashable, Sequence

RRF_K = 60
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
