"""Retrieval quality on a BEIR-format set: nDCG@10, MRR@10 and Recall@100 per mode.

The corpus goes into a throwaway index through the normal pipeline, so what
is measured is what users get.
"""
from __future__ import annotations

import csv
import json
import math
import shutil
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from archive.model import MODES, SearchRequest


@dataclass
class EvalSet:
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir(queries_path: str | Path, qrels_path: str | Path,
              corpus_ids: set[str] | None = None) -> EvalSet:
    """Queries and judgements; with corpus_ids, only judgements about
    documents in the corpus, and only queries left with one."""
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(qrels_path, newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        header = next(rows, None)
        if header and header[0] != "query-id":
            rows = iter([header, *rows])
        for row in rows:
            if len(row) < 3:
                continue
            qid, did, score = row[0], row[1], int(row[2])
            if score > 0 and (corpus_ids is None or did in corpus_ids):
                qrels[qid][did] = score
    queries = {}
    with open(queries_path) as f:
        for line in f:
            q = json.loads(line)
            if q["_id"] in qrels:
                queries[q["_id"]] = q["text"]
    return EvalSet(queries, {q: qrels[q] for q in queries})


def ndcg_at(ranked: list[str], rels: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** rels.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rels.values(), reverse=True)[:k]
    idcg = sum((2 ** r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at(ranked: list[str], rels: dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if rels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: list[str], rels: dict[str, int], k: int = 100) -> float:
    found = sum(1 for d in ranked[:k] if rels.get(d, 0) > 0)
    return found / len(rels) if rels else 0.0


def run(store, evalset: EvalSet, modes=MODES, max_queries: int | None = None,
        progress=None) -> dict:
    qids = sorted(evalset.queries)
    if max_queries and len(qids) > max_queries:
        step = len(qids) / max_queries
        qids = [qids[int(i * step)] for i in range(max_queries)]
    out = {}
    for mode in modes:
        scores = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@100": 0.0}
        t = time.perf_counter()
        for n, qid in enumerate(qids, start=1):
            r = store.search(SearchRequest(evalset.queries[qid], mode=mode, size=100,
                                           facets=False))
            ranked = [h.id for h in r.hits]
            rels = evalset.qrels[qid]
            scores["ndcg@10"] += ndcg_at(ranked, rels)
            scores["mrr@10"] += mrr_at(ranked, rels)
            scores["recall@100"] += recall_at(ranked, rels)
            if progress:
                progress(mode, n, len(qids))
        out[mode] = {k: round(v / len(qids), 4) for k, v in scores.items()}
        out[mode]["queries"] = len(qids)
        out[mode]["ms_per_query"] = round(1000 * (time.perf_counter() - t) / len(qids), 1)
    return out


class NoEntities:
    """Entities do not change retrieval; skipping NER makes evaluation faster."""

    def extract_many(self, items, batch_size: int = 32):
        return [[] for _ in items]

    def extract(self, title, body, published=None):
        return []


def build_index(corpus: str | Path, embedder, extractor, no_titles: bool, store_url=None,
                progress=None):
    """(store, summary, work directory) for a throwaway index of the corpus.

    The caller removes it with `discard` when done; if building fails or is
    interrupted, it is removed here. `store_url` names where to build it: an
    Elasticsearch cluster (the URL's alias, or a name of its own when the URL
    has none) or an embedded store's path; either must not exist yet, so an
    evaluation never writes into an archive."""
    from indexer.embedcache import EmbedCache
    from indexer.pipeline import Indexer

    tmp = Path(tempfile.mkdtemp(prefix="newsarchive-eval-"))
    store = None
    try:
        src = _corpus(Path(corpus), no_titles, tmp)
        store = _scratch_store(store_url, embedder, tmp)
        summary = Indexer(store, embedder, extractor, EmbedCache()).index_paths([src], progress)
    except BaseException:
        discard(store, tmp)
        raise
    return store, summary, tmp


@contextmanager
def throwaway_index(corpus: str | Path, embedder, extractor, no_titles: bool, store_url=None,
                    progress=None) -> Iterator[tuple]:
    """`build_index` as a block: (store, summary), removed when the block
    ends, however it ends (an error, Ctrl-C)."""
    store, summary, tmp = build_index(corpus, embedder, extractor, no_titles, store_url,
                                      progress)
    try:
        yield store, summary
    finally:
        discard(store, tmp)


def discard(store, tmp: Path) -> None:
    """Delete a throwaway index (`build_index`) and its work directory."""
    from archive.elastic import ElasticStore

    try:
        if isinstance(store, ElasticStore):
            store.drop()
        elif store is not None and not store.root.is_relative_to(tmp):
            shutil.rmtree(store.root, ignore_errors=True)
    finally:
        if store is not None:
            store.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _corpus(src: Path, no_titles: bool, tmp: Path) -> Path:
    if not no_titles:
        return src
    stripped = tmp / "corpus.jsonl"
    with open(src) as f, open(stripped, "w") as w:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                rec["title"] = ""
                w.write(json.dumps(rec) + "\n")
    return stripped


def _scratch_store(store_url: str | None, embedder, tmp: Path):
    """A new, empty store for the corpus; an existing one is refused."""
    from archive.elastic import ElasticStore, parse_url
    from archive.embedded import EmbeddedStore
    from archive.store import StoreError

    url = (store_url or "").removeprefix("elasticsearch:")
    if url.startswith(("http://", "https://")):
        # A name of its own, not the default alias, which is the archive's.
        name = parse_url(url)[1] or f"eval-{time.time_ns()}"
        store = ElasticStore(url, embedder=lambda: embedder, alias=name)
        if store.in_use():
            raise StoreError(f"{name!r} is already in use on {store.url}: eval fills a "
                             "throwaway index and deletes it afterwards, so it will not write "
                             "into an existing alias or index; name a new one "
                             f"({store.url}/eval-scratch) or give the cluster alone "
                             f"({store.url})")
        return store
    path = Path(url.removeprefix("embedded:")).expanduser() if url else tmp / "store"
    if path.is_file() or (path.is_dir() and any(path.iterdir())):
        raise StoreError(f"{path} already holds files: eval fills a throwaway store and deletes "
                         "it afterwards, so it needs a new path (or no --store: a temporary "
                         "directory)")
    return EmbeddedStore(path, embedder=lambda: embedder, writable=True)
