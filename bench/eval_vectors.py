"""nDCG@10 with exact float32 vector search against the graphs with int8
vectors (archive/vectors.py), on the eval sets and the 10k subset of
bench/eval_retrieval.py, with the real model. The subset's ~15k passages are
below the graph threshold, so the graph store lowers it to 1,000 passages:
every segment of the indexer's commits then gets a graph, as a large archive's
would. Quality only (no timing):

    .venv/bin/python bench/eval_vectors.py --max-queries 300 [--sets known_item_titles ...]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import git_rev, machine, require_data, write_section  # noqa: E402
from bench.eval_retrieval import SETS, subset_corpus  # noqa: E402

KINDS = (("exact, float32", None), ("graphs, int8 vectors (a scale a row) + rescoring", 1000))
MODES = ("semantic", "hybrid")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-queries", type=int, default=300)
    ap.add_argument("--sets", nargs="+", default=[name for name, _, _ in SETS],
                    help="some of the eval sets only (a run takes a while on 2 shared cores)")
    args = ap.parse_args()
    sets = [s for s in SETS if s[0] in args.sets]
    require_data()

    from archive import vectors
    from archive.embedding import load_embedder
    from indexer import evaluate as ev

    embedder = load_embedder()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-bench-"))
    corpus = subset_corpus(work / "subset.jsonl")
    results: dict[tuple[str, str], dict] = {}
    default = vectors.INDEX_MIN
    try:
        for kind, index_min in KINDS:
            vectors.INDEX_MIN = index_min or default
            for name, qdir, no_titles in sets:
                store, _, tmp = ev.build_index(corpus, embedder, ev.NoEntities(), no_titles)
                try:
                    graphs = sum(s.ann is not None for s in store.table.segments)
                    full = ev.load_beir(qdir / "queries.jsonl", qdir / "qrels" / "test.tsv",
                                        set(store.content_hashes()))
                    r = ev.run(store, full, MODES, max_queries=args.max_queries)
                    r["graphs"] = f"{graphs}/{len(store.table.segments)}"
                    results[(name, kind)] = r
                    print(name, kind, r, flush=True)
                finally:
                    ev.discard(store, tmp)
    finally:
        vectors.INDEX_MIN = default
        shutil.rmtree(work, ignore_errors=True)

    lines = ["| set | vector search | segments with a graph | semantic nDCG@10 | "
             "hybrid nDCG@10 | hybrid change |", "|---|---|---|---|---|---|"]
    for name, _, _ in sets:
        base = results[(name, KINDS[0][0])]["hybrid"]["ndcg@10"]
        for kind, _ in KINDS:
            r = results[(name, kind)]
            change = (r["hybrid"]["ndcg@10"] - base) / base * 100 if base else 0.0
            lines.append(f"| {name} | {kind} | {r['graphs']} | {r['semantic']['ndcg@10']:.4f} | "
                         f"{r['hybrid']['ndcg@10']:.4f} | {change:+.2f}% |")
    body = f"""
Command: `.venv/bin/python bench/eval_vectors.py --max-queries {args.max_queries} --sets
{' '.join(args.sets)}` (commit
{git_rev()}). Machine: {machine()}; embedder: {embedder.name}. Corpus: the 10k subset of
bench/eval_retrieval.py (BBC + the first 8,000 Reuters stories), built once per kind, no NER;
at most {args.max_queries} evenly spread queries a set. The graph rows lower the graph
threshold to 1,000 passages so that every segment has one (issue 10: at most 0.5% lower).

{chr(10).join(lines)}
"""
    print(body)
    write_section("Vector index quality (10k subset)", body)


if __name__ == "__main__":
    main()
