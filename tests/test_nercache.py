"""A reindex does not read text with spaCy's model again: its spans come
from the cache, and only the rules run. Proved with a model that refuses
to run: whatever it would have had to read fails the article."""
import pytest

from archive.embedded import EmbeddedStore
from archive.embedding import HashEmbedder
from indexer.entities import EntityExtractor
from indexer.nercache import NerCache
from indexer.pipeline import Indexer
from indexer.readers import read_paths
from tests.conftest import SAMPLES


class RefusingModel:
    """The real model's name and version, but it reads nothing."""

    def __init__(self, nlp):
        self.meta = nlp.meta

    def pipe(self, texts, batch_size=32):
        texts = list(texts)
        if texts:
            raise RuntimeError(f"the model was asked to read {len(texts)} texts")
        return iter(())


class OtherEmbedder(HashEmbedder):
    name = "test/another-embedder"


def _articles():
    return [x.article for x in read_paths([SAMPLES]) if hasattr(x, "article")]


def _keys(results):
    return [sorted((e.kind, e.key, len(e.mentions), e.about) for e in ents) for ents in results]


@pytest.fixture
def cache(tmp_path):
    c = NerCache(tmp_path / "entities.sqlite")
    yield c
    c.close()


def test_cached_spans_give_the_same_entities_without_the_model(extractor, cache):
    items = _articles()[:12]
    first = EntityExtractor(nlp=extractor.nlp, cache=cache).extract_many(items)
    assert _keys(first) == _keys(extractor.extract_many(items))
    again = EntityExtractor(nlp=RefusingModel(extractor.nlp), cache=cache).extract_many(items)
    assert _keys(again) == _keys(first)


def test_helper_processes_fill_the_same_cache(extractor, cache):
    items = _articles()
    assert len(items) >= EntityExtractor.MIN_SPLIT
    split = EntityExtractor(workers=2, cache=cache)
    try:
        found = split.extract_many(items)
        assert split._pool is not None, "the batch was split across processes"
    finally:
        split.close()
    again = EntityExtractor(nlp=RefusingModel(extractor.nlp), cache=cache).extract_many(items)
    assert _keys(again) == _keys(found)


def test_reindex_for_a_new_embedding_model_does_not_run_the_model_again(
        tmp_path, extractor, cache):
    store = EmbeddedStore(tmp_path / "store", embedder=HashEmbedder, writable=True)
    first = Indexer(store, HashEmbedder(), EntityExtractor(nlp=extractor.nlp, cache=cache))
    assert not first.index_paths([SAMPLES]).failed
    people = store.known_people()

    refusing = EntityExtractor(nlp=RefusingModel(extractor.nlp), cache=cache)
    summary = Indexer(store, OtherEmbedder(), refusing).rebuild()
    assert not summary.failed and summary.indexed == len(_articles())
    assert store.known_people() == people


def test_an_edited_article_is_read_by_the_model_again(tmp_path, extractor, cache):
    items = _articles()[:4]
    EntityExtractor(nlp=extractor.nlp, cache=cache).extract_many(items)
    edited = [(a.title, a.body + "\n\nAngela Merkel visited Paris.") for a in items[:1]]
    with pytest.raises(RuntimeError, match="asked to read 1 texts"):
        EntityExtractor(nlp=RefusingModel(extractor.nlp), cache=cache).extract_many(edited)
