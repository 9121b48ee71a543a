"""Query latency, memory and disk on the whole shared corpus (about 24k articles).

    scripts/elasticsearch start          # optional: adds the Elasticsearch rows
    .venv/bin/python bench/latency.py [--queries 300] [--no-es]

The embedded store is built once with `newsarchive index` (people, countries,
passages, vectors: the real pipeline) under $NEWSARCHIVE_BENCH_STORE, default
~/.cache/newsarchive-bench/full-store, and reused on later runs (the index
command skips unchanged articles). Elasticsearch gets the same prepared
articles, read back from the embedded store. Queries: headlines from
`eval/known_item_titles` spread over all sources, each run in every mode with
the four facets and the query embedding included, after 20 warm-up queries.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import ARTICLES, ROOT, SHARED, git_rev, machine, pct, require_data, write_section  # noqa: E402
from newsarchive import settings  # noqa: E402

ES_URL = settings.ES_URL.get()
STORE = Path(os.environ.get("NEWSARCHIVE_BENCH_STORE",
                            Path.home() / ".cache" / "newsarchive-bench" / "full-store"))
MODES = ("keyword", "semantic", "hybrid")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build() -> dict:
    """The embedded store of the whole corpus, through the CLI (idempotent)."""
    out = subprocess.run([sys.executable, "-m", "newsarchive.cli", "index", "--store", str(STORE),
                          "--json", str(ARTICLES)], cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):  # 1: some articles have no body, reported and skipped
        raise SystemExit(f"bench: indexing failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def queries(n: int) -> list[str]:
    path = SHARED / "data" / "eval" / "known_item_titles" / "queries.jsonl"
    with open(path) as f:
        texts = [json.loads(line)["text"] for line in f]
    step = max(1, len(texts) // n)
    return texts[::step][:n]


def latency(store, qs) -> dict[str, tuple[float, float]]:
    from archive.model import SearchRequest

    for q in qs[:20]:
        store.search(SearchRequest(q, mode="hybrid"))
    out = {}
    for mode in MODES:
        times = []
        for q in qs:
            t = time.perf_counter()
            store.search(SearchRequest(q, mode=mode))
            times.append((time.perf_counter() - t) * 1000)
        out[mode] = (statistics.median(times), pct(times, 95))
    return out


def prepared(store):
    """IndexedArticles from the embedded store: stored text and entities, table vectors."""
    from archive.model import IndexedArticle

    t = store.table
    for s in store.iter_articles():
        row = t.row_of[s.article.id]
        vecs = t.vectors[t.p_indptr[row]:t.p_indptr[row + 1]]
        yield IndexedArticle(s.article, s.content_hash, s.entities, s.passages, vecs, s.model)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--no-es", action="store_true")
    args = ap.parse_args()
    require_data()

    from archive.embedded import EmbeddedStore
    from archive.embedding import load_embedder

    summary = build()
    emb = load_embedder()
    emb.encode(["warm up"])
    qs = queries(args.queries)

    before = rss_mb()
    store = EmbeddedStore(STORE, embedder=lambda: emb)
    stats = store.stats()
    results = {"embedded": latency(store, qs)}
    resident = rss_mb() - before
    passages = stats["passages"]
    per100k = 100_000 / passages
    sizes = {"embedded": (stats["disk_bytes"], resident)}

    if not args.no_es:
        from archive.elastic import ElasticStore

        es = ElasticStore(f"{ES_URL}/bench-latency-{int(time.time())}", embedder=lambda: emb)
        try:
            batch = []
            for doc in prepared(store):
                batch.append(doc)
                if len(batch) == 200:
                    assert not es.write(batch)
                    batch = []
            assert not es.write(batch)
            es.commit()
            es.es.indices.forcemerge(index=es._alias_index(), max_num_segments=1)
            results["elasticsearch"] = latency(es, qs)
            sizes["elasticsearch"] = (es.stats()["disk_bytes"], None)
        finally:
            es.drop()

    rows = "\n".join(f"| {name} | {mode} | {p50:.1f} | {p95:.1f} |"
                     for name, r in results.items() for mode, (p50, p95) in r.items())
    size_rows = "\n".join(
        f"| {name} | {disk / 1e6:.0f} MB | {disk * per100k / 1e6:.0f} MB | "
        + (f"{mem:.0f} MB | {mem * per100k:.0f} MB |" if mem is not None else "(JVM heap, fixed 512 MB) | |")
        for name, (disk, mem) in sizes.items())
    body = f"""
Command: `.venv/bin/python bench/latency.py --queries {args.queries}` (commit {git_rev()})
Machine: {machine()}; embedder backend: {emb.variant}.
Corpus: all of `shared/data/articles.jsonl`: {stats['articles']} articles indexed ({summary['failed']}
have no body and are reported and skipped), {passages} passages, {stats['people']} people,
{stats['countries']} countries. Queries: {len(qs)} headlines from `eval/known_item_titles`
spread over all sources; every search counts the people, countries, sources and months facets
and includes embedding the query.

| store | mode | p50 ms | p95 ms |
|---|---|---|---|
{rows}

Memory and disk (embedded: the table and tantivy's readers, measured as the process's resident
memory after opening the store and running the queries, model excluded; scaled linearly to
100k passages, which the table's layout — one float32 vector of 384 per passage plus a few
integers per article — makes a fair estimate):

| store | disk | disk per 100k passages | memory | memory per 100k passages |
|---|---|---|---|---|
{size_rows}
"""
    print(body)
    write_section("Query latency, memory and disk (whole corpus)", body)


if __name__ == "__main__":
    main()
