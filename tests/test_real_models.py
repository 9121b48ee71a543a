"""End to end with the real all-MiniLM-L6-v2 model and the real spaCy NER."""
import pytest

from archive.highlight import tokens
from archive.model import SearchRequest
from tests.conftest import SAMPLES, SEED, make_indexer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_store(tmp_path_factory, real_embedder, extractor):
    path = tmp_path_factory.mktemp("real")
    ix = make_indexer(path / "store", real_embedder, extractor, cache_dir=path)
    summary = ix.index_paths([SAMPLES])
    assert not summary.failed and summary.new == 36
    return ix


def test_the_seed_article_comes_out_with_its_people_and_countries(real_store):
    r = real_store.store.search(SearchRequest("Trump Putin Hungary", mode="keyword",
                                              facet_size=100))
    seed = next(h for h in r.hits if h.title.startswith("Trump and Putin agree"))
    assert {"Donald Trump", "Vladimir Putin", "Volodymyr Zelensky", "Marco Rubio",
            "Pete Hegseth"} <= set(seed.people)
    assert {"US", "RU", "UA", "HU"} <= set(seed.countries)
    assert not {"NATO", "Trump", "Kremlin"} & set(seed.people)


def test_a_query_with_no_shared_words_finds_the_article_by_meaning(real_store):
    store = real_store.store
    q = "Unmanned spacecraft reaches Earth's satellite"
    moon = store.get("s-006").article
    article_terms = {t for t, _, _ in tokens(moon.title + " " + moon.body)}
    assert not {t for t, _, _ in tokens(q)} & article_terms - {"s"}, "no shared words"
    assert store.search(SearchRequest(q, mode="semantic")).hits[0].id == "s-006"
    assert "s-006" in [h.id for h in store.search(SearchRequest(q, mode="hybrid")).hits[:3]]
    assert "s-006" not in [h.id for h in store.search(SearchRequest(q, mode="keyword")).hits]


def test_nonsense_and_absent_topics_match_nothing_by_meaning(real_store):
    """Meaning search used to return 100 hits for anything; below the
    relevance floor nothing matches, so the count is honest."""
    store = real_store.store
    for q in ("zzzzqqq", "qwxz vbnm plokij"):
        for mode in ("semantic", "hybrid"):
            r = store.search(SearchRequest(q, mode=mode))
            assert r.total == 0 and not r.hits, (q, mode, [h.id for h in r.hits])
    r = store.search(SearchRequest("Unmanned spacecraft reaches Earth's satellite",
                                   mode="semantic"))
    assert 0 < r.total < 10, "a real paraphrase still finds its few neighbours, not 100"


def test_semantic_search_by_paraphrase(real_store):
    r = real_store.store.search(SearchRequest("football match between South American rivals",
                                              mode="semantic"))
    assert r.hits[0].id == "s-009"


def test_vectors_are_cached_across_runs(real_store, tmp_path):
    # A second store fed the same text embeds nothing new: the cache file the
    # first run filled (beside its store) answers, opened afresh.
    ix2 = make_indexer(tmp_path / "store2", real_store.embedder, real_store.extractor,
                       cache_dir=real_store.store.root.parent)
    s = ix2.index_paths([SEED])
    assert s.new == 1 and s.embedded == 0 and s.passages > 0


def test_passages_fit_the_model_window(real_store):
    emb = real_store.embedder
    for sid in ("s-001", "s-017"):
        s = real_store.store.get(sid)
        lens = emb.count_tokens([s.article.body[p.start:p.end] for p in s.passages])
        assert max(lens) <= emb.max_tokens


@pytest.mark.parametrize("backend", ["torch-bf16", "torch-amp", "onnx", "onnx-int8"])
def test_every_backend_gives_the_models_vectors(backend):
    import numpy as np

    from archive.embedding import load_embedder

    texts = ["The central bank raised interest rates to fight inflation.",
             "An unmanned spacecraft landed on the Moon.",
             "The striker scored twice in the cup final."]
    queries = ["monetary policy tightening", "lunar probe touches down", "football match goals"]
    fp32, other = load_embedder("minilm-torch"), load_embedder(f"minilm-{backend}")
    ref, got = fp32.encode(texts), other.encode(texts)
    assert got.dtype == np.float32 and np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    assert (ref * got).sum(axis=1).min() > 0.98
    # Searching passages of one backend with queries of another still finds the right one.
    assert list((fp32.encode(queries) @ got.T).argmax(axis=1)) == [0, 1, 2]


def test_an_unknown_backend_is_named_in_the_error():
    from archive.embedding import load_embedder

    with pytest.raises(ValueError, match="torch-bf16"):
        load_embedder("minilm-cuda")
