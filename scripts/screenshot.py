"""Refresh docs/screenshot.png: the demo corpus, the real model, headless Chromium.

    .venv/bin/python scripts/screenshot.py
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from archive.embedded import EmbeddedStore
    from archive.embedding import load_embedder
    from archive.web import create_app
    from indexer.embedcache import EmbedCache
    from indexer.entities import EntityExtractor
    from indexer.pipeline import Indexer

    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp) / "store", writable=True)
        Indexer(store, load_embedder(), EntityExtractor(), EmbedCache()).index_paths(
            [ROOT / "samples"])
        store.close()
        app = create_app({"STORE": str(Path(tmp) / "store")})
        app.extensions["warmup"].done.wait(120)  # the model is loaded: no "warming up" note
        srv = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            pg = b.new_page(viewport={"width": 1280, "height": 900})
            pg.goto(f"http://127.0.0.1:{srv.server_port}/?q=talks+to+end+the+war&country=UA")
            out = ROOT / "docs" / "screenshot.png"
            out.parent.mkdir(exist_ok=True)
            pg.screenshot(path=str(out))
            b.close()
        srv.shutdown()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
