"""Keystroke-to-results time on the search page, in headless Chromium.

    .venv/bin/python bench/keystroke.py [--store PATH] [--articles N] [--queries 50]

For each query the page is opened fresh, the query is typed into the box at
about 12 keys a second, and the time runs from the last keystroke to the
moment htmx has settled the results of exactly that query (so the 300 ms the
page waits for a pause in typing is included: it is part of what a reader
feels). The server is the real app (`create_app`, real model, warmed up)
under werkzeug's threaded server on the same machine; queries are the first
four words of headlines from `eval/known_item_titles`, spread over the set.

The store is $NEWSARCHIVE_BENCH_STORE (the whole corpus, as `bench/latency.py`
builds it) unless `--store` names another; with `--articles N` a missing store
is built from the first N Reuters articles of the corpus with `newsarchive index`.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import ROOT, SHARED, git_rev, machine, pct, require_data, subset, write_section  # noqa: E402

FULL = Path(os.environ.get("NEWSARCHIVE_BENCH_STORE",
                           Path.home() / ".cache" / "newsarchive-bench" / "full-store"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
KEY_DELAY_MS = 80

PROBE = """() => {
  window.__last = 0; window.__done = 0; window.__server = null;
  document.addEventListener('keydown', () => { window.__last = performance.now(); }, true);
  document.addEventListener('htmx:afterSettle', (e) => {
    const path = e.detail.pathInfo && e.detail.pathInfo.finalRequestPath;
    if (!path) return;
    const q = new URL(path, location.href).searchParams.get('q') || '';
    if (q === document.getElementById('q').value.trim()) {
      window.__done = performance.now();
      const took = document.querySelector('.took');
      window.__server = took ? parseFloat(took.textContent) : null;
    }
  });
}"""


def build(store: Path, articles: int) -> None:
    require_data()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "articles.jsonl"
        subset(src, source="reuters", limit=articles)
        out = subprocess.run([sys.executable, "-m", "newsarchive.cli", "index", "--store", str(store),
                              "--json", str(src)], cwd=ROOT, capture_output=True, text=True)
        if out.returncode not in (0, 1):
            raise SystemExit(f"bench: indexing failed:\n{out.stderr[-2000:]}")


def queries(n: int) -> list[str]:
    path = SHARED / "data" / "eval" / "known_item_titles" / "queries.jsonl"
    with open(path) as f:
        texts = [json.loads(line)["text"] for line in f]
    step = max(1, len(texts) // n)
    out = []
    for t in texts[::step]:
        words = t.split()[:4]
        if len(words) >= 2:
            out.append(" ".join(words))
        if len(out) == n:
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, default=FULL)
    ap.add_argument("--articles", type=int, default=None,
                    help="build a missing store from the first N Reuters articles")
    ap.add_argument("--queries", type=int, default=50)
    args = ap.parse_args()

    if not (args.store / "CURRENT").exists():
        if not args.articles:
            raise SystemExit(f"bench: no store at {args.store}; build it with bench/latency.py "
                             "or pass --articles N")
        build(args.store, args.articles)

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from archive.web import create_app

    app = create_app({"STORE": str(args.store)})
    app.extensions["warmup"].done.wait(300)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_port}/"
    with app.app_context():
        from archive.web import get_store

        stats = get_store().stats()

    qs = queries(args.queries)
    totals, servers = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        for i, q in enumerate([qs[0], qs[1]] + qs):  # two warm-up rounds, not counted
            page.goto(base)
            page.evaluate(PROBE)
            page.click("#q")
            page.keyboard.type(q, delay=KEY_DELAY_MS)
            page.wait_for_function("() => window.__done > window.__last", timeout=30000)
            if i < 2:
                continue
            totals.append(page.evaluate("window.__done - window.__last"))
            s = page.evaluate("window.__server")
            if s is not None:
                servers.append(s)
        browser.close()
    srv.shutdown()

    body = f"""
Command: `.venv/bin/python bench/keystroke.py --store {args.store}{f' --articles {args.articles}' if args.articles else ''} --queries {args.queries}` (commit {git_rev()})
Machine: {machine()}.
Store: {stats['articles']:,} articles, {stats['passages']:,} passages ({stats['model']}).
Queries: {len(totals)} typed queries (the first four words of known-item headlines), typed at
{1000 // KEY_DELAY_MS} keys a second into the page in headless Chromium (Debian's), hybrid mode.
Time from the last keystroke to the settled results of that query; it includes the page's
300 ms pause-in-typing delay, the request, the search with facets, rendering and the swap.

| | p50 ms | p95 ms | mean ms |
|---|---|---|---|
| last keystroke to results | {statistics.median(totals):.0f} | {pct(totals, 95):.0f} | {statistics.mean(totals):.0f} |
| of which the search itself (server `took_ms`) | {statistics.median(servers):.0f} | {pct(servers, 95):.0f} | {statistics.mean(servers):.0f} |
"""
    write_section("Keystroke to results (search page, Chromium)", body)
    print(body)


if __name__ == "__main__":
    main()
