"""Retrieval quality on the shared eval sets, per mode, and fusion variants.

    .venv/bin/python bench/eval_retrieval.py [--max-queries 3000]
    .venv/bin/python bench/eval_retrieval.py --store http://127.0.0.1:9200/eval --max-queries 1000

known_item_titles: all articles indexed without titles, headline queries.
reuters_topics: all articles indexed with titles, topic-name queries.
Both go through `newsarchive eval`'s code (indexer/evaluate.py). Then hybrid
is rerun with other fusion settings on the same indexes, to show what each
setting does. With --store (an Elasticsearch URL) the same sets run on that
store instead, modes only, into their own section.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import ARTICLES, SHARED, git_rev, machine, require_data, write_section  # noqa: E402

VARIANTS = [
    ("current default", {}),
    ("RRF k=60, equal weights", {"WEIGHTS": (1.0, 1.0)}),
    ("RRF k=10", {"RRF_K": 10}),
    ("RRF k=60, 50 candidates", {"CANDIDATES": 50}),
    ("RRF k=60, keyword weight 2", {"WEIGHTS": (2.0, 1.0)}),
    ("RRF k=60, semantic weight 2", {"WEIGHTS": (1.0, 2.0)}),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-queries", type=int, default=3000)
    ap.add_argument("--store", help="an Elasticsearch URL to evaluate instead of the embedded store")
    args = ap.parse_args()
    require_data()

    import archive.embedded as emb_store
    from archive.embedding import load_embedder
    from indexer import evaluate as ev

    embedder = load_embedder()
    sets = [("known_item_titles", True), ("reuters_topics", False)]
    results, variants = {}, {}
    for name, no_titles in sets:
        url = f"{args.store.rstrip('/')}-{name.replace('_', '-')}" if args.store else None
        store, summary, work = ev.build_index(ARTICLES, embedder, ev.NoEntities(), no_titles,
                                              store_url=url)
        qdir = SHARED / "data" / "eval" / name
        evalset = ev.load_beir(qdir / "queries.jsonl", qdir / "qrels" / "test.tsv",
                               set(store.content_hashes()))
        results[name] = ev.run(store, evalset, max_queries=args.max_queries)
        results[name]["indexed"] = summary.indexed
        variants[name] = []
        for label, change in VARIANTS if not args.store else ():
            saved = {k: getattr(emb_store, k) for k in change}
            for k, v in change.items():
                setattr(emb_store, k, v)
            r = ev.run(store, evalset, ("hybrid",), max_queries=args.max_queries)["hybrid"]
            variants[name].append((label, r))
            for k, v in saved.items():
                setattr(emb_store, k, v)
        if args.store:
            store.drop()
        store.close()
        shutil.rmtree(work, ignore_errors=True)

    lines = []
    for name, _ in sets:
        r = results[name]
        lines.append(f"\n**{name}** ({r['indexed']} articles indexed, "
                     f"{r['keyword']['queries']} queries)\n")
        lines.append("| mode | nDCG@10 | MRR@10 | Recall@100 | ms/query |")
        lines.append("|---|---|---|---|---|")
        for mode in ("keyword", "semantic", "hybrid"):
            m = r[mode]
            lines.append(f"| {mode} | {m['ndcg@10']:.4f} | {m['mrr@10']:.4f} | "
                         f"{m['recall@100']:.4f} | {m['ms_per_query']} |")
        if not variants[name]:
            continue
        lines.append("\nHybrid fusion variants on the same index:\n")
        lines.append("| variant | nDCG@10 | MRR@10 | Recall@100 |")
        lines.append("|---|---|---|---|")
        for label, m in variants[name]:
            lines.append(f"| {label} | {m['ndcg@10']:.4f} | {m['mrr@10']:.4f} | "
                         f"{m['recall@100']:.4f} |")
    body = f"""
Command: `.venv/bin/python bench/eval_retrieval.py --max-queries {args.max_queries}` (commit {git_rev()})
Machine: {machine()}; embedder: {embedder.name} ({getattr(embedder, 'variant', '')}).
Corpus: all of `shared/data/articles.jsonl` (articles with an empty body cannot be indexed and are
left out, with their judgements); an evenly spread sample of at most {args.max_queries} queries a set.
{chr(10).join(lines)}
"""
    if args.store:
        body = body.replace("eval_retrieval.py --max-queries",
                            f"eval_retrieval.py --store {args.store} --max-queries")
        body += "\nElasticsearch 9.5.4 (integ-test zip: `standard` analyzer, no `rrf` retriever, so fused in the client).\n"
    print(body)
    write_section("Retrieval quality on Elasticsearch (eval sets)" if args.store
                  else "Retrieval quality (eval sets)", body)


if __name__ == "__main__":
    main()
