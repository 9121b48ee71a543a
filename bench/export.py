"""Export of the whole result set through the web app: time and peak memory.

    .venv/bin/python bench/export.py [--store PATH] [--rows 10000]

The store holds the first ROWS articles (with a body) of the shared corpus,
indexed by the real pipeline except for the two models, which an export never
touches: a regular-expression stand-in finds people (pairs of capitalised
words) and countries (country names), so rows carry people and countries as
real ones do, and the hash embedder makes the vectors. It is built once under
--store and reused.

Each export is one GET of `/export.csv` or `/export.jsonl` with no query
(every article, newest first) and with a keyword query, read to the end
through werkzeug's threaded server over HTTP. Peak memory is Python's
allocation peak during the export (tracemalloc, a separate run so its
overhead stays out of the timing), beside the same for a query with fewer
rows: streamed, the peak does not grow with the number of rows.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import ARTICLES, git_rev, machine, require_data, write_section  # noqa: E402

STORE = Path(os.environ.get("NEWSARCHIVE_BENCH_EXPORT_STORE",
                            Path.home() / ".cache" / "newsarchive-bench" / "export-store"))


class RegexExtractor:
    """People and countries by pattern: cheap, and enough to fill the columns."""

    PERSON = re.compile(r"\b([A-Z][a-z]+ [A-Z][a-z]+)\b")

    def __init__(self):
        from archive.countries import country_names

        names = sorted(country_names().items(), key=lambda kv: -len(kv[1]))
        self.country = re.compile(r"\b(" + "|".join(re.escape(n) for _, n in names) + r")\b")
        self.code = {n: c for c, n in names}

    def extract(self, title: str, body: str, published=None):
        from archive.model import Entity, Mention

        found: dict[tuple[str, str], Entity] = {}
        for field, text in (("title", title), ("body", body)):
            for m in self.PERSON.finditer(text):
                e = found.setdefault(("person", m.group(1)), Entity("person", m.group(1), m.group(1)))
                e.mentions.append(Mention(field, m.start(), m.end()))
            for m in self.country.finditer(text):
                code = self.code[m.group(1)]
                e = found.setdefault(("country", code), Entity("country", code, m.group(1)))
                e.mentions.append(Mention(field, m.start(), m.end()))
        people = [e for e in found.values() if e.kind == "person"][:8]
        return people + [e for e in found.values() if e.kind == "country"]

    def extract_many(self, items, batch_size: int = 32):
        return [self.extract(a.title, a.body) for a in items]


def build(store: Path, rows: int) -> None:
    from archive.embedded import EmbeddedStore
    from archive.embedding import HashEmbedder
    from indexer.pipeline import Indexer

    require_data()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "articles.jsonl"
        n = 0
        with open(ARTICLES) as f, open(src, "w") as w:
            for line in f:
                if json.loads(line).get("body", "").strip():
                    w.write(line)
                    n += 1
                    if n == rows:
                        break
        s = EmbeddedStore(store, embedder=HashEmbedder, writable=True)
        Indexer(s, HashEmbedder(), RegexExtractor()).index_paths([src])
        s.close()


def fetch(url: str) -> tuple[float, int, int]:
    t = time.perf_counter()
    size = lines = 0
    with urllib.request.urlopen(url) as r:
        while chunk := r.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return time.perf_counter() - t, size, lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=STORE)
    ap.add_argument("--rows", type=int, default=10_000)
    args = ap.parse_args()
    if not (args.store / "CURRENT").exists():
        build(args.store, args.rows)

    from werkzeug.serving import make_server

    from archive.web import create_app

    app = create_app({"STORE": str(args.store), "EMBEDDER": "hash", "WARMUP": False})
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_port}"
    with app.app_context():
        from archive.web import get_store

        articles = get_store().stats()["articles"]
    fetch(base + "/export.csv?q=zzzz&mode=keyword")  # open the store, load the table

    def api_total(qs: str) -> int:
        with urllib.request.urlopen(f"{base}/api/search?{qs}&size=1") as r:
            return json.load(r)["total"]

    cases = [("every article", ""), ("keyword `said`", "q=said&mode=keyword"),
             ("keyword `oil`", "q=oil&mode=keyword")]
    rows = []
    for label, qs in cases:
        n = api_total(qs)
        for fmt in ("csv", "jsonl"):
            url = f"{base}/export.{fmt}?{qs}"
            best = min(fetch(url)[0] for _ in range(3))
            _, size, lines = fetch(url)
            tracemalloc.start()
            fetch(url)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            count = lines - (1 if fmt == "csv" else 0)
            assert count == n, (label, fmt, count, n)
            rows.append(f"| {label} | {fmt} | {count:,} | {best:.2f} | {count / best:,.0f} | "
                        f"{size / 1e6:.1f} | {peak / 1e6:.1f} |")
    srv.shutdown()

    body = f"""
Command: `.venv/bin/python bench/export.py --store {args.store} --rows {args.rows}` (commit {git_rev()})
Machine: {machine()}.
Store: the first {articles:,} articles with a body of `shared/data/articles.jsonl`, people and
countries found by a regular-expression stand-in for NER (up to 8 people an article), hash-embedder
vectors (an export reads neither model). Each export is one HTTP GET through werkzeug's threaded
server, read to the end; time is the best of three; peak memory is Python's allocation peak
during one export (tracemalloc; a separate run).

| export | format | rows | seconds | rows/s | MB sent | peak MB |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

The peak does not grow with the rows: about the same for the fewest rows as for all of them,
because rows are read from the store 500 at a time and sent in chunks of about 32 KB.
"""
    write_section("Export (CSV and JSONL, streamed)", body)
    print(body)


if __name__ == "__main__":
    main()
