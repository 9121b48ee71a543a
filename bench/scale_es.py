"""Elasticsearch beside the embedded store at one size, in one run (issue 10).

The same synthetic articles as bench/scale.py (the shared corpus's real texts
cycled under new ids, real MiniLM vectors plus noise, Zipf people and
countries; NER and embedding excluded) go into both stores, then each is
measured the same way:

- load: the whole build, in batches of `--batch` articles. Elasticsearch
  loads through `rebuild()` (a new index with refreshes off and no replicas,
  then the serving settings and an atomic alias swap, as `reindex` does); the
  embedded store commits each batch (its background merges and graphs are
  waited for, so both rates include making the archive searchable);
- commit of 1,000: write + commit (Elasticsearch: a refresh) of 1,000 new
  articles into the built archive, median of 3;
- hybrid+facets p50/p95: `--queries` three-word headline queries with all four
  facets, query vectors synthetic (model time excluded), after one warm-up
  query; the embedded store is read in a new process (bench/scale.py's
  reader), Elasticsearch through this process's client;
- memory: Elasticsearch's JVM heap in use (garbage not yet collected
  included, and any other index on the node: use a node of its own) and its
  process's RSS after the queries (the JVM reserves its whole heap, so RSS
  follows ES_HEAP more than the archive); the embedded reader's RSS (and
  its anonymous part);
- disk: Elasticsearch's primary store size; the embedded store's directory.

    ES_HEAP=2g scripts/elasticsearch start
    flock /tmp/bench.lock .venv/bin/python bench/scale_es.py --size 200000 --write

Elasticsearch must be running (its heap is ES_HEAP when it starts, 512m by
default; the bench reports the heap the node has); the run uses the alias
`scale-bench` and deletes its index at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import git_rev, machine, pct, write_section  # noqa: E402
from bench.scale import articles, build, commit_times, corpus, disk, queries, reader, synthetic  # noqa: E402

SECTION = "Scale: Elasticsearch beside the embedded store"
ALIAS = "scale-bench"


def es_url() -> str:
    return os.environ.get("NEWSARCHIVE_ES_URL") or subprocess.run(
        ["scripts/elasticsearch", "url"], capture_output=True, text=True,
        cwd=Path(__file__).resolve().parent.parent).stdout.strip()


def es_pid() -> int | None:
    out = subprocess.run(["pgrep", "-f", "org.elasticsearch.bootstrap.Elasticsearch"],
                         capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def es_side(url: str, texts: list[dict], size: int, batch: int, qs: list[str]) -> dict:
    from archive.elastic import ElasticStore

    store = ElasticStore(url, alias=ALIAS)
    store.drop()
    try:
        return _measure(store, texts, size, batch, qs)
    finally:
        store.drop()


def _timed(store, qs: list[str]) -> tuple[list[float], list[float]]:
    """ms per hybrid+facets search as the store runs it, and with one request
    per facet (how it ran before esquery.facet_groups), alternating which goes
    first from query to query."""
    from archive import esquery
    from archive.model import SearchRequest

    grouped = esquery.facet_groups
    ways = {"grouped": grouped, "apart": lambda req: [(f,) for f in esquery.FACETS]}
    out: dict[str, list[float]] = {"grouped": [], "apart": []}
    try:
        for i, q in enumerate(qs):
            for way in (("grouped", "apart") if i % 2 == 0 else ("apart", "grouped")):
                esquery.facet_groups = ways[way]
                t = time.perf_counter()
                store.search(SearchRequest(q, mode="hybrid"))
                out[way].append((time.perf_counter() - t) * 1000)
    finally:
        esquery.facet_groups = grouped
    return out["grouped"], out["apart"]


def _merges_done(store) -> int:
    """Waits until the node runs no merge, like the embedded store's
    wait_for_merges; returns the index's segment count then."""
    while True:
        stats = store.es.indices.stats(index=ALIAS, metric="merge,segments")
        if not stats["_all"]["primaries"]["merges"]["current"]:
            return stats["_all"]["primaries"]["segments"]["count"]
        time.sleep(1)


def _measure(store, texts: list[dict], size: int, batch: int, qs: list[str]) -> dict:
    from archive.model import SearchRequest

    started = time.perf_counter()
    with store.rebuild() as fresh:
        for lo in range(0, size, batch):
            failed = fresh.write(articles(texts, lo, min(size, lo + batch)))
            if failed:
                raise SystemExit(f"elasticsearch refused {len(failed)}: {failed[0]}")
            print(f"  es: loaded {min(size, lo + batch)}/{size} "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
    segments = _merges_done(store)
    load_s = time.perf_counter() - started
    commits = []
    for k in range(3):
        docs = articles(texts, size + k * 1000, size + (k + 1) * 1000, prefix="c")
        t = time.perf_counter()
        store.write(docs)
        store.commit()
        commits.append(time.perf_counter() - t)
    vecs = iter(synthetic(np.random.default_rng(0), len(qs), "real"))
    seen: dict[str, np.ndarray] = {}

    def vector(text: str) -> np.ndarray:
        """One vector per query text, the same for both ways of running it."""
        if text not in seen:
            seen[text] = next(vecs)
        return seen[text]

    store.embed_query = vector
    store.search(SearchRequest(qs[0], mode="hybrid"))
    _merges_done(store)  # the commits' own merges, before the timed queries
    store.es.indices.clear_cache(index=ALIAS)  # no request cache from the warm-up
    times, apart = _timed(store, qs[1:])
    jvm = store.es.nodes.stats(metric="jvm")["nodes"]
    heap = sum(n["jvm"]["mem"]["heap_used_in_bytes"] for n in jvm.values()) / 1e6
    heap_max = sum(n["jvm"]["mem"]["heap_max_in_bytes"] for n in jvm.values()) / 1e6
    stats = store.stats()
    return {"store": "elasticsearch", "size": size, "load_s": load_s,
            "rate": size / load_s, "commit_s": statistics.median(commits), "commits": commits,
            "p50": statistics.median(times), "p95": pct(times, 95), "segments": segments,
            "p50_apart": statistics.median(apart), "p95_apart": pct(apart, 95),
            "heap_mb": heap, "heap_max_mb": heap_max, "rss_mb": rss_mb(es_pid()),
            "disk_mb": stats["disk_bytes"] / 1e6, "passages": stats["passages"]}


def embedded_side(path: Path, texts: list[dict], size: int, batch: int, qs: list[str]) -> dict:
    shutil.rmtree(path, ignore_errors=True)
    load_s = build(path, texts, size, batch, "real")
    commits, _ = commit_times(path, texts, size, "real")
    r = reader(path, qs, "real")
    row = {"store": "embedded", "size": size, "load_s": load_s, "rate": size / load_s,
           "commit_s": statistics.median(commits), "commits": commits,
           "p50": statistics.median(r["times"]), "p95": pct(r["times"], 95),
           "rss_mb": r["rss_mb"], "anon_mb": r["anon_mb"], "disk_mb": disk(path) / 1e6,
           "open_first_s": r["open_first_s"]}
    shutil.rmtree(path, ignore_errors=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--data", default="/work/scale-data")
    ap.add_argument("--write", action="store_true", help="write the section of BENCHMARKS.md")
    args = ap.parse_args()
    texts = corpus()
    qs = queries(texts, args.queries + 1)
    url = es_url()
    rows = [es_side(url, texts, args.size, args.batch, qs)]
    print(json.dumps(rows[-1]), flush=True)
    rows.append(embedded_side(Path(args.data) / f"scale-es-embedded-{args.size}", texts,
                              args.size, args.batch, qs))
    print(json.dumps(rows[-1]), flush=True)
    if args.write:
        write(rows, args)


def write(rows: list[dict], args) -> None:
    es, emb = rows
    lines = ["| store | articles | load (articles/s) | commit of 1,000 | hybrid+facets p50 / p95 | "
             "memory | disk |", "|---|---|---|---|---|---|---|",
             f"| Elasticsearch | {es['size']:,} | {es['load_s']:.0f} s ({es['rate']:.0f}/s) | "
             f"{es['commit_s']:.2f} s | {es['p50']:.1f} / {es['p95']:.1f} ms | heap "
             f"{es['heap_mb']:.0f} of {es['heap_max_mb']:.0f} MB, process RSS "
             f"{es['rss_mb'] or 0:.0f} MB | {es['disk_mb']:.0f} MB |",
             f"| embedded | {emb['size']:,} | {emb['load_s']:.0f} s ({emb['rate']:.0f}/s) | "
             f"{emb['commit_s']:.2f} s | {emb['p50']:.1f} / {emb['p95']:.1f} ms | reader RSS "
             f"{emb['rss_mb']:.0f} MB (anon {emb['anon_mb']:.0f} MB) | {emb['disk_mb']:.0f} MB |",
             f"| ratio ES / embedded | | {es['load_s'] / emb['load_s']:.2f}x the time | "
             f"{es['commit_s'] / emb['commit_s']:.2f}x | {es['p50'] / emb['p50']:.2f}x / "
             f"{es['p95'] / emb['p95']:.2f}x | | {es['disk_mb'] / emb['disk_mb']:.2f}x |"]
    apart = (f"The same searches with one request per facet (as before facets that have no "
             f"value chosen shared one request, archive/esquery.py `facet_groups`), alternated "
             f"with them query by query: p50 / p95 {es['p50_apart']:.1f} / "
             f"{es['p95_apart']:.1f} ms, so sharing gives {es['p50_apart'] / es['p50']:.2f}x "
             f"/ {es['p95_apart'] / es['p95']:.2f}x.")
    body = f"""Command: `ES_HEAP=... scripts/elasticsearch start; flock /tmp/bench.lock \
.venv/bin/python bench/scale_es.py --size {args.size} --write`
(commit {git_rev()}). Machine: {machine()}; Elasticsearch's integration-test distribution on
the same 2 cores, one shard, `int8_hnsw` vectors (archive/esquery.py). Corpus: bench/scale.py's
synthetic articles ({es['passages']:,} passages in Elasticsearch after the 3,000 of the commit
rounds), the same in both stores; the method is in bench/scale_es.py's docstring. Elasticsearch
had {es['segments']} segments when its load's merges ended.

{chr(10).join(lines)}

{apart}
"""
    write_section(SECTION, body)


if __name__ == "__main__":
    main()
