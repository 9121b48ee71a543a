"""Index the 2,225 BBC articles end to end and report where the time goes.

    .venv/bin/python bench/index_bbc.py

Uses a fresh store and an empty embedding cache, so every passage is embedded.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import git_rev, machine, subset, write_section  # noqa: E402


def main() -> None:
    from archive.embedded import EmbeddedStore
    from archive.embedding import load_embedder
    from indexer.embedcache import EmbedCache
    from indexer.entities import EntityExtractor
    from indexer.pipeline import Indexer

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "bbc.jsonl"
        n = subset(corpus, "bbc")
        t = time.perf_counter()
        embedder = load_embedder("minilm")
        extractor = EntityExtractor()
        load = time.perf_counter() - t
        store = EmbeddedStore(Path(tmp) / "store", writable=True)
        ix = Indexer(store, embedder, extractor, EmbedCache(Path(tmp) / "cache.sqlite"))
        s = ix.index_paths([corpus])
        store.close()
        d = s.to_dict()
        stats = EmbeddedStore(Path(tmp) / "store").stats()
    stages = d["stages"]
    total = d["seconds"]
    rows = "\n".join(f"| {k} | {v:.1f} | {100 * v / total:.0f}% |" for k, v in stages.items())
    body = f"""
Command: `.venv/bin/python bench/index_bbc.py` (commit {git_rev()})
Machine: {machine()}
Corpus: the {n} BBC articles of `shared/data/articles.jsonl`; fresh store, empty embedding cache.

Result: {d['new']} articles, {d['passages']} passages in {total:.1f} s = **{d['articles_per_second']} articles/s**
(model and NER loading, {load:.1f} s, not included). Failed: {d['failed']}. Index on disk: {stats['disk_bytes'] / 1e6:.1f} MB.

| stage | seconds | share |
|---|---|---|
{rows}
"""
    print(body)
    write_section("Indexing the BBC articles (embedded store)", body)


if __name__ == "__main__":
    main()
