"""Embedded store vs Elasticsearch on the BBC articles, in one run:
index (write) time, then search latency per mode with facets, and the web
page's server time per search request.

    scripts/elasticsearch start
    .venv/bin/python bench/stores.py [--queries 200] [--no-es]

Articles are prepared once (NER, passages, embeddings: the same work for both
stores), then written to each store, so the index times compare the stores.
Queries are BBC headlines from shared/data/eval/known_item_titles.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import SHARED, git_rev, machine, pct, subset, write_section  # noqa: E402
from newsarchive import settings  # noqa: E402

ES_URL = settings.ES_URL.get()


def prepare(corpus: Path, cache_dir: Path):
    """IndexedArticles for the corpus, through the real pipeline, without a store."""
    from archive.embedding import load_embedder
    from indexer.embedcache import EmbedCache
    from indexer.entities import EntityExtractor
    from indexer.pipeline import Indexer

    class Collect:
        def __init__(self):
            self.docs = []

        def write(self, docs):
            self.docs.extend(docs)
            return []

        def commit(self):
            pass

        def known_people(self):
            return {}

        def content_hashes(self):
            return {}

    sink = Collect()
    emb = load_embedder("minilm")
    ix = Indexer(sink, emb, EntityExtractor(), EmbedCache(cache_dir / "cache.sqlite"))
    ix.index_paths([corpus])
    return sink.docs, emb


def write_all(store, docs, batch=64):
    t = time.perf_counter()
    for i in range(0, len(docs), batch):
        failed = store.write(docs[i:i + batch])
        assert not failed, failed[:3]
    store.commit()
    return time.perf_counter() - t


def queries(n: int) -> list[str]:
    path = SHARED / "data" / "eval" / "known_item_titles" / "queries.jsonl"
    out = []
    with open(path) as f:
        for line in f:
            q = json.loads(line)
            if q["_id"].startswith("ki-bbc"):
                out.append(q["text"])
    step = max(1, len(out) // n)
    return out[::step][:n]


def latency(store, qs, mode):
    from archive.model import SearchRequest

    times = []
    for q in qs:
        t = time.perf_counter()
        store.search(SearchRequest(q, mode=mode))
        times.append((time.perf_counter() - t) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--no-es", action="store_true")
    args = ap.parse_args()

    from archive.embedded import EmbeddedStore
    from archive.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "bbc.jsonl"
        n = subset(corpus, "bbc")
        cache_dir = Path(os.environ.get("NEWSARCHIVE_BENCH_CACHE", Path.home() / ".cache" / "newsarchive-bench"))
        cache_dir.mkdir(parents=True, exist_ok=True)
        docs, emb = prepare(corpus, cache_dir)
        qs = queries(args.queries)
        emb.encode(["warm up"])

        stores = {}
        index_s = {}
        emb_store = EmbeddedStore(tmp / "store", writable=True, embedder=lambda: emb)
        index_s["embedded"] = write_all(emb_store, docs)
        emb_store.close()
        stores["embedded"] = EmbeddedStore(tmp / "store", embedder=lambda: emb)
        if not args.no_es:
            from archive.elastic import ElasticStore

            alias = f"bench-{int(time.time())}"
            es_store = ElasticStore(f"{ES_URL}/{alias}", embedder=lambda: emb)
            index_s["elasticsearch"] = write_all(es_store, docs)
            stores["elasticsearch"] = es_store

        rows = []
        for name, store in stores.items():
            latency(store, qs[:10], "hybrid")  # warm caches
            for mode in ("keyword", "semantic", "hybrid"):
                t = latency(store, qs, mode)
                rows.append((name, mode, statistics.median(t), pct(t, 95)))

        app = create_app({"STORE": str(tmp / "store")})
        client = app.test_client()
        web = []
        for q in qs:
            t = time.perf_counter()
            r = client.get("/", query_string={"q": q})
            web.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        web_partial = []
        for q in qs:
            t = time.perf_counter()
            client.get("/", query_string={"q": q}, headers={"HX-Request": "true"})
            web_partial.append((time.perf_counter() - t) * 1000)

        if "elasticsearch" in stores:
            stores["elasticsearch"].drop()

    table = "\n".join(f"| {s} | {m} | {p50:.1f} | {p95:.1f} |" for s, m, p50, p95 in rows)
    idx = ", ".join(f"{k}: {v:.1f} s ({n / v:.0f} articles/s)" for k, v in index_s.items())
    ratio = ""
    if len(index_s) == 2:
        ratio = f" Elasticsearch / embedded write time: {index_s['elasticsearch'] / index_s['embedded']:.1f}×."
    body = f"""
Command: `.venv/bin/python bench/stores.py --queries {args.queries}` (commit {git_rev()}), with
`scripts/elasticsearch start` (Elasticsearch 9.5.4 integ-test zip, 512 MB heap, same machine).
Machine: {machine()}
Corpus: the {n} BBC articles ({sum(len(d.passages) for d in docs)} passages), prepared once;
queries: {len(qs)} BBC headlines from `eval/known_item_titles`, each run in every mode with facets.

Write time (bulk write + commit/refresh, same prepared articles): {idx}.{ratio}

Search latency in the store (ms; query embedding included; people, countries, sources and month facets):

| store | mode | p50 | p95 |
|---|---|---|---|
{table}

Web server time per search request (embedded store, hybrid, Flask test client, rendering included):
full page p50 {statistics.median(web):.1f} ms, p95 {pct(web, 95):.1f} ms;
htmx partial p50 {statistics.median(web_partial):.1f} ms, p95 {pct(web_partial, 95):.1f} ms.
"""
    print(body)
    write_section("Stores and search latency (BBC articles)", body)


if __name__ == "__main__":
    main()
