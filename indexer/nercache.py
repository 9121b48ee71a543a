"""The model's entity spans by text, so a reindex runs spaCy only on text it
has not read before.

What is cached is the model's raw output (span offsets and labels), not the
people and countries made from it: the rules that turn spans into entities
are cheap (a few ms an article) and are what changes most often, so a
reindex after a rules change re-runs only the rules, and one after an
embedding-model change re-runs neither the model nor anything but the
rules. The key is the model's name and version and the exact text the model
read (after soft line ends became spaces), so a different model or a
change in how text is prepared misses the cache instead of reusing stale
spans.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Iterable

from newsarchive import settings

Span = tuple[int, int, str, str]  # start, end, text, label


def default_path() -> Path:
    return Path(settings.CACHE.get()) / "entities.sqlite"


def model_id(nlp) -> str:
    meta = getattr(nlp, "meta", {}) or {}
    return f"{meta.get('lang', '?')}_{meta.get('name', '?')}-{meta.get('version', '?')}"


class NerCache:
    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Helper processes write to the same file: wait for one another.
        self.db = sqlite3.connect(self.path, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS spans (key TEXT PRIMARY KEY, spans TEXT)")

    @staticmethod
    def key(model: str, text: str) -> str:
        return hashlib.sha1(f"{model}\0{text}".encode()).hexdigest()

    def get(self, model: str, texts: Iterable[str]) -> dict[str, list[Span]]:
        by_key = {self.key(model, t): t for t in texts}
        keys = list(by_key)
        found: dict[str, list[Span]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key, spans FROM spans WHERE key IN ({','.join('?' * len(chunk))})"
            for k, v in self.db.execute(q, chunk):
                found[by_key[k]] = [tuple(s) for s in json.loads(v)]
        return found

    def put(self, model: str, spans: dict[str, list[Span]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO spans VALUES (?, ?)",
                            [(self.key(model, t), json.dumps(s)) for t, s in spans.items()])
        self.db.commit()

    def close(self) -> None:
        self.db.close()
