import os
from pathlib import Path

import pytest

from newsarchive import settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "txt" / "2025-10-16-trump-putin-hungary.txt"


def located(body, spans):
    """Model output for `body`: (field, start, end, text, label) for each
    (text, label) pair, found in `body` in order."""
    out, pos = [], 0
    for text, label in spans:
        i = body.index(text, pos)
        out.append(("body", i, i + len(text), text, label))
        pos = i + len(text)
    return out


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


ES_URL = settings.ES_URL.get()


def unavailable(why: str):
    """A service or tool a test needs is missing: a skip on a developer's
    machine, a failure in CI (CI=true), where every part is required."""
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


def es_available() -> str | None:
    """None if Elasticsearch answers, else why not."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"{ES_URL.split(',')[0]}/_cluster/health", timeout=3) as r:
            r.read()
        return None
    except Exception as e:
        return f"no Elasticsearch at {ES_URL} ({type(e).__name__}); start it with scripts/elasticsearch start"


@pytest.fixture(scope="session")
def es_url():
    why = es_available()
    if why:
        unavailable(why)
    return ES_URL


@pytest.fixture
def es_alias(es_url):
    """A fresh alias per test; its indices are deleted afterwards."""
    import uuid

    alias = f"test-{uuid.uuid4().hex[:10]}"
    yield alias
    delete_indices(es_url, alias)


def delete_indices(url: str, alias: str) -> None:
    from archive.elastic import ElasticStore

    ElasticStore(f"{url}/{alias}").drop()


def open_test_store(kind: str, tmp_path, embedder, alias: str | None = None, url: str | None = None):
    from archive.embedded import EmbeddedStore
    from archive.elastic import ElasticStore

    if kind == "embedded":
        return EmbeddedStore(tmp_path / "store", embedder=lambda: embedder, writable=True)
    return ElasticStore(f"{url}/{alias}", embedder=lambda: embedder)
