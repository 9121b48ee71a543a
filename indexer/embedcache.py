"""Vectors by content hash, so no passage text is embedded twice across runs."""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np

from newsarchive import settings


def default_path() -> Path:
    return Path(settings.CACHE.get()) / "embeddings.sqlite"


def _cache_name(embedder) -> str:
    """Model and backend: int8 vectors are close to fp32 ones, not equal."""
    variant = getattr(embedder, "variant", "torch")
    return embedder.name if variant in ("torch", "onnx") else f"{embedder.name}#{variant}"


class EmbedCache:
    def __init__(self, path: str | os.PathLike | None = None):
        path = Path(path) if path else default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
        self.misses = 0  # texts it had to embed: the run summary's "embedded"

    @staticmethod
    def key(model: str, text: str) -> str:
        return hashlib.sha1(f"{model}\0{text}".encode()).hexdigest()

    def encode(self, embedder, texts: Sequence[str]) -> np.ndarray:
        """Like embedder.encode, but only for texts not seen before with this model."""
        out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        model = _cache_name(embedder)
        keys = [self.key(model, t) for t in texts]
        found = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(chunk))})"
            found.update(self.db.execute(q, chunk).fetchall())
        todo = [i for i, k in enumerate(keys) if k not in found]
        for i, k in enumerate(keys):
            if k in found:
                out[i] = np.frombuffer(found[k], dtype=np.float32)
        if todo:
            # The same text twice in one batch is embedded once.
            unique = list(dict.fromkeys(texts[i] for i in todo))
            vecs = embedder.encode(unique)
            by_text = dict(zip(unique, vecs))
            for i in todo:
                out[i] = by_text[texts[i]]
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                [(self.key(model, t), by_text[t].astype(np.float32).tobytes())
                                 for t in unique])
            self.db.commit()
        self.misses += len(todo)
        return out

    def close(self) -> None:
        self.db.close()
