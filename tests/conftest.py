import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "txt" / "2025-10-16-trump-putin-hungary.txt"


@pytest.fixture(scope="session")
def extractor():
    from indexer.entities import EntityExtractor

    return EntityExtractor()


@pytest.fixture(scope="session")
def real_embedder():
    from archive.embedding import load_embedder

    return load_embedder("minilm")


@pytest.fixture
def hash_embedder():
    from archive.embedding import HashEmbedder

    return HashEmbedder()


def make_indexer(store_dir, embedder, extractor, cache_dir=None):
    from archive.embedded import EmbeddedStore
    from indexer.embedcache import EmbedCache
    from indexer.pipeline import Indexer

    store = EmbeddedStore(store_dir, embedder=lambda: embedder, writable=True)
    cache = EmbedCache(Path(cache_dir) / "cache.sqlite") if cache_dir else None
    return Indexer(store, embedder, extractor, cache)


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, extractor):
    """The shipped samples indexed once with the hash embedder; read-only for tests."""
    from archive.embedded import EmbeddedStore
    from archive.embedding import HashEmbedder

    path = tmp_path_factory.mktemp("samples") / "store"
    emb = HashEmbedder()
    ix = make_indexer(path, emb, extractor)
    summary = ix.index_paths([SAMPLES])
    assert not summary.failed, summary.failed
    ix.store.close()
    return EmbeddedStore(path, embedder=lambda: emb)
