"""Approximate vector search for the embedded store's large segments.

Exact search scans every float32 vector for every semantic or hybrid query:
at 1M articles (1.53M passages) that is 2.35 GB read per query, 431 ms p50 on
the 2-core test machine (BENCHMARKS.md, "Scale"). A segment of at least
INDEX_MIN passages therefore gets, when it is written (a commit's segment or
a merge), an HNSW graph (usearch) over int8 copies of its vectors, saved as
`vectors.usearch` beside the columns and memory-mapped by readers
(`Index.restore(view=True)`), and its `vectors.npy` is int8 with a float32
scale a row (`scales.npy`), not float32. A query asks each index for its
nearest passages, then scores those from the stored vectors (int8 to
float32, one product, times the scales), so the graph only chooses
candidates and never ranks. Rows the ANN did not return have no score: the
search asks for more passages the fewer rows its filters leave
(`fetch_size`), and scores a filter's rows exactly, without the graph, when
they are few (EXACT_MAX passages), where the scan is cheaper than a wide
graph search and exact. Small segments (a commit's worth, the newest rows)
stay float32 and are scanned exactly, as are whole small archives.

Measured on this machine while other work shared its 2 cores (usearch 2.26,
connectivity 16, expansion_add 64, 384 dims):
- recall@10 after exact rescoring, 100k vectors drawn from the 31,658 real
  MiniLM vectors of the embedding cache plus noise: 0.98 asking for 32
  passages, 0.99 for 64, 0.996 for 128 (1.6-4.2 ms a query);
- on i.i.d. Gaussian vectors (the old synthetic bench data) HNSW recall@10
  is 0.07-0.36 at any usable cost: such vectors have no neighbourhood
  structure (every cosine is about 0.2), no sublinear index finds their
  nearest ones, so bench/scale.py now draws its vectors from real ones;
- building: about 1,000 vectors a second (2 threads), so a merge into a
  segment of 1M passages spends about 17 minutes on its graph; the graph
  takes 533 bytes a passage (384 of them the int8 copy);
- float16 to float32 in numpy (no F16C path) costs 2.5 us a vector, against
  0.45 us for the float32 product: exact scans of float16 are 6x slower,
  which is why small segments keep float32 and graph segments int8: scoring
  10,000 gathered passages took 30.4 ms from float16, 15.9 ms from float32
  and 5.3 ms from int8 with a scale a row (one run, 200k unit vectors);
- int8 with a scale a row moves a cosine by at most 0.002 (200k Gaussian unit
  vectors) and takes half a float16 column's bytes, a quarter of float32's;
- the crossover for filtered rows (60k-passage graph, heavy load from other
  jobs): scoring 1,000 of a segment's passages exactly (gather from the
  float16 map, convert, product) took 14 ms and 10,000 130 ms; asking the
  graph for 1,000 passages and rescoring them 14 ms, for 5,000 (ANN_K_MAX)
  129 ms. A filter leaving 10,000 passages of a 1M-passage segment would need
  a fetch of 400k to find 400 of them, so up to EXACT_MAX the exact scan is
  both cheaper than the widest fetch and exact.
In the store (bench/scale.py, 100k articles, 151k passages, two graph segments
and two float32 ones): recall@10 against a brute-force scan 1.000 unfiltered
and under a country filter; 218 MB of disk per 100k passages with float16
vectors (float16 77 and graph 53 of it), against 236 all float32, and
nDCG@10 on reuters_topics unchanged (BENCHMARKS.md). int8 vectors take 38
of 77 away. Keeping the vectors only inside the graph would spare the column
altogether, but usearch's `get` returns a Python tuple of arrays, 7 us a
vector: too slow for the filtered scans.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

INDEX_FILE = "vectors.usearch"
INDEX_MIN = 20_000  # passages: a segment this large gets a graph and float16 vectors
EXACT_MAX = 10_000  # passages of a segment's filtered rows scored exactly, without the graph
ANN_K = 400  # passages asked of each graph when no filter narrows the rows
ANN_K_MAX = 5_000  # the most asked of one graph, however narrow the filters
EXPANSION_SEARCH = 128  # usearch widens it to the count asked for when that is larger
CONNECTIVITY = 16
EXPANSION_ADD = 64
BUILD_THREADS = 0  # all cores; with 1 the same vectors always give the same graph


def indexed(passages: int) -> bool:
    return passages >= INDEX_MIN


def vector_dtype(passages: int):
    return np.int8 if indexed(passages) else np.float32


def quantize(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and each row's scale (row = int8 * scale, to half a step):
    a scale per row gives every vector the whole int8 range, however its
    largest component compares with other vectors'."""
    chunk = np.asarray(chunk, dtype=np.float32)
    scale = np.abs(chunk).max(axis=1, initial=0.0) / 127
    scale[scale == 0] = 1.0
    return np.rint(chunk / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def as_float(rows: np.ndarray, scales: np.ndarray | None) -> np.ndarray:
    """Stored rows as float32: int8 ones times their scales."""
    out = np.asarray(rows, dtype=np.float32)
    return out if scales is None else out * np.asarray(scales, dtype=np.float32)[:, None]


def build(path: Path, vectors: np.ndarray, scales: np.ndarray | None = None) -> None:
    """Write the HNSW graph of `vectors` (passage i has key i; int8 ones with
    their `scales`) to `path`."""
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="ip", dtype="i8", connectivity=CONNECTIVITY,
                  expansion_add=EXPANSION_ADD)
    for lo in range(0, len(vectors), 65536):
        chunk = as_float(vectors[lo:lo + 65536],
                         None if scales is None else scales[lo:lo + 65536])
        keys = np.arange(lo, lo + len(chunk), dtype=np.uint64)
        index.add(keys, chunk, threads=BUILD_THREADS)
    index.save(str(path))
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def open_index(path: Path):
    from usearch.index import Index

    index = Index.restore(str(path), view=True)
    index.expansion_search = EXPANSION_SEARCH
    return index


def fetch_size(passages: int, allowed: int) -> int:
    """Passages to ask of a graph over `passages` when `allowed` of them pass
    the filters: enough that about ANN_K allowed ones come back."""
    if allowed <= 0:
        return 0
    return int(min(ANN_K_MAX, passages, ANN_K * passages / allowed))


def nearest(index, q: np.ndarray, k: int) -> np.ndarray:
    """Passage numbers of (about) the k nearest, nearest first."""
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    found = index.search(q, k)
    return np.asarray(found.keys, dtype=np.int64)


def scores(vectors: np.ndarray, q: np.ndarray, passages: np.ndarray,
           scales: np.ndarray | None = None) -> np.ndarray:
    """Cosines of the given passages from the stored vectors (int8 ones times
    their `scales`); sorted reads keep the map sequential."""
    if not len(passages):
        return np.zeros(0, dtype=np.float32)
    order = np.argsort(passages, kind="stable")
    wanted = passages[order]
    sims = np.asarray(vectors[wanted], dtype=np.float32) @ q
    if scales is not None:
        sims *= np.asarray(scales[wanted], dtype=np.float32)
    out = np.empty(len(passages), dtype=np.float32)
    out[order] = sims
    return out
