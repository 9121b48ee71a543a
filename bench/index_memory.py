"""Peak memory of `index` and `reindex` against the size of the input: it
should not grow with the corpus.

    flock /tmp/bench.lock .venv/bin/python bench/index_memory.py --sizes 20000 100000 [--before ../old]

For each size a JSONL file of that many articles is written (the shared
corpus's texts cycled under new ids), then a fresh process indexes it into
an empty embedded store and another rebuilds that store (`reindex`), each
reporting its peak resident memory (ru_maxrss) and articles per second.
NER is left out and the vectors are synthetic (a seeded 384-dimension unit
vector per passage), so what is measured is the pipeline and the store, not
the models, which take the same memory at any corpus size.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ARTICLES, ROOT, git_rev, machine, require_data, write_section  # noqa: E402

CHILD = r"""
import hashlib, json, resource, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from archive.embedded import EmbeddedStore
from indexer.evaluate import NoEntities
from indexer.pipeline import Indexer

class Synthetic:
    name, variant, dim, max_tokens, min_similarity = "bench/synthetic-384", "synthetic", 384, 254, 0.3
    def encode(self, texts):
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            v = np.random.default_rng(seed).standard_normal(self.dim)
            out[i] = v / np.linalg.norm(v)
        return out
    def count_tokens(self, texts):
        return [len(t.split()) for t in texts]

import threading
peak_anon = [0]
def sample_anon():
    # ru_maxrss counts the store's memory-mapped files too (page cache the
    # kernel can take back); the anonymous part is what the run holds itself.
    while True:
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                peak_anon[0] = max(peak_anon[0], int(line.split()[1]))
        time.sleep(0.05)
threading.Thread(target=sample_anon, daemon=True).start()

emb = Synthetic()
mode, store_dir, src = sys.argv[2], sys.argv[3], sys.argv[4]
store = EmbeddedStore(store_dir, embedder=lambda: emb, writable=True)
ix = Indexer(store, emb, NoEntities(), commit_every=5000)
t = time.perf_counter()
summary = ix.index_paths([src]) if mode == "index" else ix.rebuild()
store.close()
print(json.dumps({"articles": summary.indexed, "failed": len(summary.failed),
                  "seconds": time.perf_counter() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "peak_anon_mb": peak_anon[0] / 1024}))
"""


def write_input(path: Path, n: int) -> None:
    texts = [json.loads(line) for line in open(ARTICLES)]
    texts = [t for t in texts if t.get("body", "").strip()]
    with open(path, "w") as w:
        for i in range(n):
            t = texts[i % len(texts)]
            w.write(json.dumps({"id": f"m{i}", "title": t["title"], "body": t["body"],
                                "published": t.get("published"), "source": t.get("source")}) + "\n")


def run(code: Path, mode: str, store: Path, src: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(code), mode, str(store), str(src)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rev(path: Path) -> str:
    return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[20000, 100000])
    ap.add_argument("--modes", nargs="+", choices=("index", "reindex"),
                    default=["index", "reindex"])
    ap.add_argument("--before", type=Path,
                    help="a checkout of an earlier commit to measure too, in the same run")
    args = ap.parse_args()
    codes = [("this", ROOT)] + ([("before", args.before)] if args.before else [])
    require_data()
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsarchive-mem-") as tmp:
        for n in args.sizes:
            src, store = Path(tmp) / f"in-{n}.jsonl", Path(tmp) / f"store-{n}"
            write_input(src, n)
            for label, code in codes:
                for mode in args.modes:
                    r = run(code, mode, store, src)
                    print(n, label, mode, r, flush=True)
                    rows.append((n, label, mode, r, src.stat().st_size))
                shutil.rmtree(store)
            src.unlink()
    lines = ["| articles | input | code | run | peak RSS | peak anonymous RSS | articles/s | failed |",
             "|---|---|---|---|---|---|---|---|"]
    for n, label, mode, r, size in rows:
        code = git_rev() if label == "this" else f"before ({_rev(args.before)})"
        lines.append(f"| {n:,} | {size / 2**20:,.0f} MB | {code} | {mode} | "
                     f"{r['peak_mb']:,.0f} MB | {r['peak_anon_mb']:,.0f} MB | {r['articles'] / r['seconds']:,.0f} | {r['failed']} |")
    body = f"""
Command: `flock /tmp/bench.lock .venv/bin/python bench/index_memory.py --sizes {' '.join(map(str, args.sizes))}{' --before OLD' if args.before else ''}`
(commit {git_rev()}). Machine: {machine()}.
Input: the shared corpus's texts cycled under new ids, one JSONL file per size; NER left out,
synthetic 384-dimension vectors, so the models' fixed memory is not in these figures.
Peak RSS is the process's ru_maxrss, which counts the pages of the store's memory-mapped
files it touched (page cache, given back under memory pressure); peak anonymous RSS (RssAnon,
sampled every 50 ms) is what the process itself holds. `index` starts from an empty store,
`reindex` rebuilds it.

{chr(10).join(lines)}
"""
    print(body)
    write_section("Index and reindex memory against corpus size", body)


if __name__ == "__main__":
    main()
