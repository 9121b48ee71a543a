"""One suite, both stores: the same corpus must give the same behaviour."""
import datetime as dt

import pytest

from archive.model import SearchRequest
from indexer.pipeline import Indexer
from tests.conftest import SAMPLES, open_test_store

STORES = ["embedded", "elasticsearch"]


@pytest.fixture(params=STORES)
def kind(request):
    return request.param


@pytest.fixture
def store_factory(kind, tmp_path, request):
    def make(embedder):
        if kind == "embedded":
            return open_test_store(kind, tmp_path, embedder)
        url = request.getfixturevalue("es_url")
        alias = request.getfixturevalue("es_alias")
        return open_test_store(kind, tmp_path, embedder, alias, url)
    return make


@pytest.fixture(scope="module")
def samples_by_kind(tmp_path_factory, extractor):
    """Both stores loaded once per module with the samples (hash embedder)."""
    from archive.embedding import HashEmbedder

    emb = HashEmbedder()
    stores = {}
    yield stores, emb, extractor, tmp_path_factory
    for s in stores.values():
        cleanup = getattr(s, "_cleanup", None)
        if cleanup:
            cleanup()


def _load(kind, samples_by_kind, request):
    stores, emb, extractor, factory = samples_by_kind
    if kind not in stores:
        if kind == "embedded":
            store = open_test_store(kind, factory.mktemp("contract"), emb)
        else:
            import uuid

            from tests.conftest import delete_indices

            url = request.getfixturevalue("es_url")
            alias = f"test-contract-{uuid.uuid4().hex[:8]}"
            store = open_test_store(kind, None, emb, alias, url)
            store._cleanup = lambda: delete_indices(url, alias)
        summary = Indexer(store, emb, extractor).index_paths([SAMPLES])
        assert not summary.failed and summary.new == 36
        stores[kind] = store
    return stores[kind]


@pytest.fixture
def loaded(kind, samples_by_kind, request):
    return _load(kind, samples_by_kind, request)


def ids(r):
    return [h.id for h in r.hits]


def test_ids_found_per_mode(loaded):
    assert ids(loaded.search(SearchRequest("Messi", mode="keyword"))) == ["s-009"]
    assert ids(loaded.search(SearchRequest("Messi scores twice", mode="semantic")))[0] == "s-009"
    assert ids(loaded.search(SearchRequest("Messi scores twice", mode="hybrid")))[0] == "s-009"


def test_filters(loaded):
    r = loaded.search(SearchRequest(countries=["HU"], size=50))
    assert r.total >= 2 and all("HU" in h.countries for h in r.hits)
    r = loaded.search(SearchRequest(people=["Narendra Modi"], size=50))
    assert {h.id for h in r.hits} == {"s-007", "s-017"}
    r = loaded.search(SearchRequest(sources=["Sports Tonight"], size=50))
    assert {h.id for h in r.hits} == {"s-009", "s-010", "s-018"}
    r = loaded.search(SearchRequest(date_from=dt.date(2025, 11, 1), size=50))
    assert r.hits and all(h.published >= "2025-11-01" for h in r.hits)
    r = loaded.search(SearchRequest("rates", mode="keyword", sources=["Daily Ledger"]))
    assert r.hits and all(h.source == "Daily Ledger" for h in r.hits)


def test_empty_query_newest_first_and_paging(loaded):
    r = loaded.search(SearchRequest(size=5))
    assert r.total == 36 and len(r.hits) == 5
    dates = [h.published for h in r.hits]
    assert dates == sorted(dates, reverse=True)
    r2 = loaded.search(SearchRequest(size=5, page=2))
    assert not set(ids(r)) & set(ids(r2))


def test_facet_counts_and_multi_select(loaded):
    plain = loaded.search(SearchRequest(facet_size=100))
    countries = {v.value: v.count for v in plain.facets["countries"]}
    assert countries["US"] >= 5 and countries["HU"] >= 2
    chosen = loaded.search(SearchRequest(countries=["HU"], facet_size=100))
    assert {v.value: v.count for v in chosen.facets["countries"]} == countries
    with_source = loaded.search(SearchRequest(countries=["HU"], size=50)).hits
    assert sum(v.count for v in chosen.facets["sources"]) == \
        len([h for h in with_source if h.source])
    months = {v.value: v.count for v in plain.facets["months"]}
    assert sum(months.values()) == 36 and "2025-10" in months


def test_facets_are_the_same_in_both_stores(samples_by_kind, request):
    stores = {k: _load(k, samples_by_kind, request) for k in STORES}
    reqs = [SearchRequest(facet_size=100), SearchRequest(countries=["RU"], facet_size=100),
            SearchRequest(people=["Vladimir Putin"], sources=["World Desk"], facet_size=100),
            SearchRequest(date_from=dt.date(2025, 6, 1), date_to=dt.date(2025, 9, 30))]
    for req in reqs:
        a, b = (stores[k].search(req) for k in STORES)
        assert a.total == b.total
        for name in ("people", "countries", "sources", "months"):
            assert sorted((v.value, v.count) for v in a.facets[name]) == \
                sorted((v.value, v.count) for v in b.facets[name]), (req, name)


def test_highlights_and_entity_spans(loaded):
    hit = loaded.search(SearchRequest("Messi", mode="keyword")).hits[0]
    marked = [hit.passage[s.start:s.end] for s in hit.spans]
    assert "Messi" in marked or "Lionel Messi" in marked
    assert any(s.kind == "person" and s.key == "Lionel Messi" for s in hit.spans)
    assert any(s.kind == "country" and s.key == "AR" for s in hit.spans)


def test_get_and_similar(loaded):
    s = loaded.get("s-017")
    assert {e.key for e in s.entities if e.kind == "person"} >= {"Narendra Modi", "Vladimir Putin"}
    assert loaded.get("nope") is None
    assert len(loaded.similar("s-017", k=3)) == 3


def test_idempotent_reingest_and_update(store_factory, extractor, hash_embedder, tmp_path):
    import json

    store = store_factory(hash_embedder)
    ix = Indexer(store, hash_embedder, extractor)
    f = tmp_path / "a.jsonl"
    rows = [{"id": f"x{i}", "title": f"T{i}", "body": f"Body {i} about Rome."} for i in range(5)]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    assert ix.index_paths([f]).new == 5
    again = ix.index_paths([f])
    assert (again.new, again.updated, again.unchanged) == (0, 0, 5)
    rows[0]["body"] = "Rewritten about Madrid."
    f.write_text("\n".join(json.dumps(r) for r in rows))
    s = ix.index_paths([f])
    assert (s.new, s.updated, s.unchanged) == (0, 1, 4)
    assert store.search(SearchRequest()).total == 5
    assert ids(store.search(SearchRequest("Madrid", mode="keyword"))) == ["x0"]


def test_reindex_swaps_to_a_new_index(store_factory, extractor, hash_embedder):
    store = store_factory(hash_embedder)
    ix = Indexer(store, hash_embedder, extractor)
    ix.index_paths([SAMPLES / "articles.jsonl"])
    before = store.stats()
    result = ix.rebuild()
    after = store.stats()
    assert result.new == 22 and after["articles"] == 22
    assert after["build"] != before["build"]
    assert ids(store.search(SearchRequest("Messi", mode="keyword"))) == ["s-009"]
