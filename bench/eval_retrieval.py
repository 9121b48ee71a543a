"""Retrieval quality on three eval sets, per mode, and fusion variants.

    .venv/bin/python bench/eval_retrieval.py [--max-queries 3000] [--subset]
    .venv/bin/python bench/eval_retrieval.py --store http://127.0.0.1:9200/eval --max-queries 1000

- known_item_titles (shared): headline -> its article, articles indexed without titles;
- reuters_topics (shared): topic name -> the Reuters stories of that topic, titles indexed;
- long_queries (bench/data, made by bench/long_queries.py): a pasted paragraph or
  excerpt -> the article it was cut from, titles indexed.

Queries are split by position into two halves: the fusion rules were tuned on the
even half of the known-item queries (and on the topic and long sets), so the odd
half is reported separately as figures nobody tuned on. Everything goes through
`newsarchive eval`'s code (indexer/evaluate.py). With --store (an Elasticsearch
URL) the same sets run on that store, modes only, into their own section.
--subset indexes all BBC articles and the first 8,000 Reuters stories (10,225
articles), the corpus of the txtai comparison (bench/peer_txtai.py).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import ARTICLES, ROOT, SHARED, git_rev, machine, require_data, write_section  # noqa: E402

SETS = [("known_item_titles", SHARED / "data" / "eval" / "known_item_titles", True),
        ("reuters_topics", SHARED / "data" / "eval" / "reuters_topics", False),
        ("long_queries", ROOT / "bench" / "data" / "long_queries", False)]
SUBSET_REUTERS = 8000

# Fusion settings tried on the same indexes (fusion runs in Python for both stores).
VARIANTS: list[tuple[str, dict]] = [
    ("RRF k=60, keyword list x2 for queries of up to 2 words (the previous default)",
     {"METHOD": "rrf"}),
]


def subset_corpus(out: Path) -> Path:
    """All BBC articles and the first SUBSET_REUTERS Reuters stories."""
    reuters = 0
    with open(ARTICLES) as f, open(out, "w") as w:
        for line in f:
            rec = json.loads(line)
            if rec["id"].startswith("reuters"):
                reuters += 1
                if reuters > SUBSET_REUTERS:
                    continue
            elif not rec["id"].startswith("bbc"):
                continue
            w.write(line)
    return out


def halves(evalset, which: str):
    """The even or odd positions of the sorted query ids (or all)."""
    from indexer.evaluate import EvalSet

    if which == "all":
        return evalset
    qids = sorted(evalset.queries)[0 if which == "even" else 1::2]
    return EvalSet({q: evalset.queries[q] for q in qids}, {q: evalset.qrels[q] for q in qids})


def table(r: dict) -> list[str]:
    lines = ["| mode | nDCG@10 | MRR@10 | Recall@100 | ms/query |", "|---|---|---|---|---|"]
    for mode in ("keyword", "semantic", "hybrid"):
        m = r[mode]
        lines.append(f"| {mode} | {m['ndcg@10']:.4f} | {m['mrr@10']:.4f} | "
                     f"{m['recall@100']:.4f} | {m['ms_per_query']} |")
    return lines


def verdict(name: str, r: dict) -> str:
    h, k, s = (r[m]["ndcg@10"] for m in ("hybrid", "keyword", "semantic"))
    better = max(k, s)
    word = "beats" if h > better else "equals" if h == better else "does NOT reach"
    return f"{name}: hybrid {word} its better side ({h - better:+.4f}; keyword {h - k:+.4f}, " \
           f"semantic {h - s:+.4f})."


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-queries", type=int, default=3000)
    ap.add_argument("--store", help="an Elasticsearch URL to evaluate instead of the embedded store")
    ap.add_argument("--subset", action="store_true",
                    help="BBC + the first 8,000 Reuters stories instead of the whole corpus")
    ap.add_argument("--sets", nargs="+", choices=[name for name, _, _ in SETS],
                    help="some of the sets only (their own section in BENCHMARKS.md)")
    args = ap.parse_args()
    require_data()
    sets = [s for s in SETS if not args.sets or s[0] in args.sets]

    from archive import fusion
    from archive.embedding import load_embedder
    from indexer import evaluate as ev

    embedder = load_embedder()
    work = Path(tempfile.mkdtemp(prefix="newsarchive-bench-"))
    corpus = subset_corpus(work / "subset.jsonl") if args.subset else ARTICLES
    stores = {}
    results, variants, indexed = {}, {}, {}
    try:
        for name, qdir, no_titles in sets:
            if no_titles not in stores:
                url = f"{args.store.rstrip('/')}-{'notitles' if no_titles else 'titles'}" \
                    if args.store else None
                stores[no_titles] = ev.build_index(corpus, embedder, ev.NoEntities(), no_titles,
                                                   store_url=url)
            store, summary, _ = stores[no_titles]
            indexed[name] = summary.indexed
            full = ev.load_beir(qdir / "queries.jsonl", qdir / "qrels" / "test.tsv",
                                set(store.content_hashes()))
            for half in ("even", "odd"):
                key = f"{name} ({half} half)"
                evalset = halves(full, half)
                results[key] = ev.run(store, evalset, max_queries=args.max_queries // 2)
                variants[key] = []
                for label, change in VARIANTS:
                    saved = {k: getattr(fusion, k) for k in change}
                    for k, v in change.items():
                        setattr(fusion, k, v)
                    try:
                        r = ev.run(store, evalset, ("hybrid",),
                                   max_queries=args.max_queries // 2)["hybrid"]
                    finally:
                        for k, v in saved.items():
                            setattr(fusion, k, v)
                    variants[key].append((label, r))
    finally:
        for store, _, tmp in stores.values():
            if args.store:
                store.drop()
            store.close()
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)

    lines = []
    for key, r in results.items():
        name = key.split(" ")[0]
        lines.append(f"\n**{key}** ({indexed[name]} articles indexed, "
                     f"{r['keyword']['queries']} queries)\n")
        lines += table(r)
        if variants[key]:
            lines.append("\nHybrid with other fusion settings, same index and queries:\n")
            lines.append("| variant | nDCG@10 | MRR@10 | Recall@100 |")
            lines.append("|---|---|---|---|")
            for label, m in variants[key]:
                lines.append(f"| {label} | {m['ndcg@10']:.4f} | {m['mrr@10']:.4f} | "
                             f"{m['recall@100']:.4f} |")
    cmd = "bench/eval_retrieval.py" + (f" --store {args.store}" if args.store else "") + \
        (" --subset" if args.subset else "") + f" --max-queries {args.max_queries}" + \
        (f" --sets {' '.join(args.sets)}" if args.sets else "")
    corpus_text = ("BBC + the first 8,000 Reuters stories of `shared/data/articles.jsonl`"
                   if args.subset else "all of `shared/data/articles.jsonl`")
    body = f"""
Command: `.venv/bin/python {cmd}` (commit {git_rev()})
Machine: {machine()}; embedder: {embedder.name} ({getattr(embedder, 'variant', '')}).
Corpus: {corpus_text} (articles with an empty body cannot be indexed and are left out, with
their judgements); each set's queries split into even and odd positions, at most
{args.max_queries // 2} evenly spread queries from each half. Fusion: {fusion.describe()}.
{chr(10).join(lines)}

{chr(10).join(verdict(k, r) for k, r in results.items())}
"""
    if args.store:
        body += "\nElasticsearch 9.5.4 (integ-test zip: `standard` analyzer, no stemming).\n"
    print(body)
    title = "Retrieval quality" + (" on Elasticsearch" if args.store else "") + \
        (" (10k subset)" if args.subset else "") + \
        (f" ({', '.join(args.sets)})" if args.sets else " (eval sets)")
    write_section(title, body)


if __name__ == "__main__":
    main()
