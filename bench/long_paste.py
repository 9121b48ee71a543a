"""A pasted text longer than the model's window: embed it in window-sized
pieces and average them (what `archive.embedding.embed_query` does) or let the
model read only its opening (what it would do by itself)?

    .venv/bin/python bench/long_paste.py [--store DIR]

Queries: those of `bench/data/long_queries` (paragraphs and excerpts cut from
articles, see bench/long_queries.py) that are over the window, measured with the
model's own tokenizer. Corpus: the 10k subset of bench/eval_retrieval.py (all
BBC + the first 8,000 Reuters stories, titles indexed), built from the
embedding cache unless --store names a store of it. Both ways run on the same
store in one process, semantic and hybrid, alternated query by query.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import ROOT, git_rev, machine, require_data, write_section  # noqa: E402
from bench.eval_retrieval import subset_corpus  # noqa: E402

SET = ROOT / "bench" / "data" / "long_queries"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", help="an embedded store of the 10k subset (titles indexed)")
    args = ap.parse_args()
    require_data()
    from archive.embedded import EmbeddedStore
    from archive.embedding import load_embedder
    from archive.model import SearchRequest
    from indexer import evaluate as ev

    embedder = load_embedder()
    if args.store:
        store = EmbeddedStore(args.store, embedder=lambda: embedder)
    else:
        work = Path(tempfile.mkdtemp(prefix="newsarchive-paste-"))
        store = ev.build_index(subset_corpus(work / "subset.jsonl"), embedder,
                               ev.NoEntities(), False)[0]
    evalset = ev.load_beir(SET / "queries.jsonl", SET / "qrels" / "test.tsv",
                           set(store.content_hashes()))
    qids = sorted(evalset.queries)
    tokens = embedder.count_tokens([evalset.queries[q] for q in qids])
    long_ones = [q for q, n in zip(qids, tokens) if n > embedder.max_tokens]
    if not long_ones:
        raise SystemExit("long_paste: no query in the set is over the window")

    chunked = store.embed_query
    opening = lambda text: embedder.encode([text])[0]  # noqa: E731 - the model truncates
    sums = {(way, mode): 0.0 for way in ("chunked", "opening") for mode in ("semantic", "hybrid")}
    secs = {way: 0.0 for way in ("chunked", "opening")}
    for qid in long_ones:
        text, rels = evalset.queries[qid], evalset.qrels[qid]
        for way, fn in (("chunked", chunked), ("opening", opening)):
            store.embed_query = fn
            t = time.perf_counter()
            fn(text)
            secs[way] += time.perf_counter() - t
            for mode in ("semantic", "hybrid"):
                hits = store.search(SearchRequest(text, mode, size=10)).hits
                sums[(way, mode)] += ev.ndcg_at([h.id for h in hits], rels)
    n = len(long_ones)
    lines = ["| query vector | semantic nDCG@10 | hybrid nDCG@10 | ms to embed a query |",
             "|---|---|---|---|"]
    for way in ("chunked", "opening"):
        lines.append(f"| {way} | {sums[(way, 'semantic')] / n:.4f} | "
                     f"{sums[(way, 'hybrid')] / n:.4f} | {1000 * secs[way] / n:.0f} |")
    body = f"""
Command: `.venv/bin/python bench/long_paste.py{' --store ' + args.store if args.store else ''}` (commit {git_rev()})
Machine: {machine()}; embedder: {embedder.name} ({getattr(embedder, 'variant', '')}).
Queries: the {n} of {len(qids)} long-query set queries over the model's {embedder.max_tokens}-token
window (median {sorted(t for t in tokens if t > embedder.max_tokens)[n // 2]} tokens), searched over the 10k subset
(titles indexed). "chunked": sentence-aligned pieces that fit the window, vectors averaged by
length; "opening": the model reads the first {embedder.max_tokens} tokens.

{chr(10).join(lines)}
"""
    print(body)
    write_section("Long pastes: chunked vs opening query vector", body)


if __name__ == "__main__":
    main()
