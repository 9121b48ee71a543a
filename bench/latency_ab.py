"""Query latency of two versions of the code on the same articles, alternated in one run.

    .venv/bin/python bench/latency_ab.py OLD_CHECKOUT OLD_STORE NEW_STORE [--queries 200] [--rounds 2]

OLD_CHECKOUT is a worktree of the earlier commit (`git worktree add ../old <commit>`),
OLD_STORE a store it built, NEW_STORE the same articles in this checkout's format
(open a copy of OLD_STORE writable once to convert it). Each round runs the old code, then
the new, in fresh processes: p50/p95 per mode over headline queries, four facets and
the query embedding included, after 20 warm-up queries.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, SHARED, git_rev, machine, write_section  # noqa: E402

CHILD = r"""
import json, os, sys, time
root, store_dir, n, queries = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, root)
os.environ["HF_HUB_OFFLINE"] = "1"
from archive.embedding import load_embedder
from archive.embedded import EmbeddedStore
from archive.model import SearchRequest
emb = load_embedder()
s = EmbeddedStore(store_dir, embedder=lambda: emb)
qs = [json.loads(l)["text"] for l in open(queries)]
qs = qs[::max(1, len(qs) // n)][:n]
for q in qs[:20]:
    s.search(SearchRequest(q))
out = {}
for mode in ("keyword", "semantic", "hybrid"):
    t = []
    for q in qs:
        a = time.perf_counter(); s.search(SearchRequest(q, mode=mode)); t.append(time.perf_counter() - a)
    t.sort()
    out[mode] = [round(1000 * t[len(t) // 2], 2), round(1000 * t[int(len(t) * 0.95)], 2)]
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("old_checkout")
    ap.add_argument("old_store")
    ap.add_argument("new_store")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    queries = SHARED / "data" / "eval" / "known_item_titles" / "queries.jsonl"
    rows = []
    for r in range(args.rounds):
        for label, root, store in (("old", args.old_checkout, args.old_store),
                                   ("new", str(ROOT), args.new_store)):
            out = subprocess.run([sys.executable, "-c", CHILD, root, store, str(args.queries),
                                  str(queries)], capture_output=True, text=True, check=True)
            rows.append((r + 1, label, json.loads(out.stdout.strip().splitlines()[-1])))
    old_rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.old_checkout,
                             capture_output=True, text=True).stdout.strip()
    lines = ["| round | code | keyword p50 / p95 ms | semantic | hybrid |", "|---|---|---|---|---|"]
    for r, label, m in rows:
        lines.append(f"| {r} | {label} | " + " | ".join(f"{m[k][0]} / {m[k][1]}" for k in
                                                       ("keyword", "semantic", "hybrid")) + " |")
    body = f"""
Command: `.venv/bin/python bench/latency_ab.py OLD_CHECKOUT OLD_STORE NEW_STORE --queries {args.queries}`
(old commit {old_rev}, new commit {git_rev()})
Machine: {machine()}.
Stores: `{args.old_store}` / `{args.new_store}` (the same articles in each version's format).

{chr(10).join(lines)}
"""
    print(body)
    write_section("Query latency before and after the query layer (same articles, one run)", body)


if __name__ == "__main__":
    main()
