"""The embedded store on a real tantivy index, with the hash embedder."""
import datetime as dt
import json

import pytest

from archive.embedded import EmbeddedStore
from archive.model import SearchRequest
from tests.conftest import SAMPLES, SEED, make_indexer


def ids(result):
    return [h.id for h in result.hits]


def test_keyword_search_finds_and_highlights_the_words(sample_store):
    r = sample_store.search(SearchRequest("interest rates", mode="keyword"))
    assert ids(r)[0] == "s-001"
    hit = r.hits[0]
    marked = {hit.passage[s.start:s.end].lower() for s in hit.spans if s.kind == "term"}
    assert marked == {"rate"}  # "interest" is only in the headline
    assert {hit.title[s.start:s.end] for s in hit.title_spans} == {"interest", "rates"}


def test_stemming_matches_other_forms(sample_store):
    r = sample_store.search(SearchRequest("protesting", mode="keyword"))
    assert "s-008" in ids(r)  # "protest" / "protesters"


def test_entity_spans_in_the_passage_match_the_text(sample_store):
    r = sample_store.search(SearchRequest("Putin", mode="keyword", size=20))
    seed = next(h for h in r.hits if h.title.startswith("Trump and Putin"))
    for s in seed.spans:
        if s.kind == "person":
            assert seed.passage[s.start:s.end] in s.key
        if s.kind == "country":
            assert seed.passage[s.start:s.end]


def test_filters_by_person_country_source_and_date(sample_store):
    r = sample_store.search(SearchRequest(people=["Vladimir Putin"], size=50))
    assert r.total >= 2 and all("Vladimir Putin" in h.people for h in r.hits)
    r = sample_store.search(SearchRequest(countries=["ua"], size=50))
    assert r.total >= 3 and all("UA" in h.countries for h in r.hits)
    r = sample_store.search(SearchRequest(sources=["Sports Tonight"], size=50))
    assert {h.source for h in r.hits} == {"Sports Tonight"} and r.total == 3
    r = sample_store.search(SearchRequest(date_from=dt.date(2025, 6, 1),
                                          date_to=dt.date(2025, 6, 30), size=50))
    assert r.total >= 2 and all(h.published.startswith("2025-06") for h in r.hits)


def test_facets_follow_the_query(sample_store):
    everything = sample_store.search(SearchRequest())
    sport = sample_store.search(SearchRequest("goals football world cup", mode="keyword"))
    all_sources = {v.value: v.count for v in everything.facets["sources"]}
    sport_sources = {v.value: v.count for v in sport.facets["sources"]}
    assert sum(sport_sources.values()) < sum(all_sources.values())
    assert "Sports Tonight" in sport_sources


def test_multi_select_facets_keep_their_own_counts(sample_store):
    plain = sample_store.search(SearchRequest(facet_size=50))
    chosen = sample_store.search(SearchRequest(countries=["RU"], facet_size=50))
    before = {v.value: v.count for v in plain.facets["countries"]}
    after = {v.value: v.count for v in chosen.facets["countries"]}
    assert after == before, "a facet's own selection does not shrink its counts"
    assert next(v for v in chosen.facets["countries"] if v.value == "RU").selected
    # ...but the other facets do follow the selection.
    assert sum(v.count for v in chosen.facets["sources"]) < \
        sum(v.count for v in plain.facets["sources"])
    # Two values of one facet widen the results (OR); two facets narrow (AND).
    ru = sample_store.search(SearchRequest(countries=["RU"])).total
    ru_or_in = sample_store.search(SearchRequest(countries=["RU", "IN"])).total
    assert ru_or_in > ru
    both = sample_store.search(SearchRequest(countries=["RU"], people=["Narendra Modi"]))
    assert 0 < both.total < ru


def test_a_selected_value_stays_visible_at_zero(sample_store):
    r = sample_store.search(SearchRequest("Messi", mode="keyword", people=["Nobody Atall"]))
    assert r.total == 0
    assert [v.value for v in r.facets["people"] if v.selected] == ["Nobody Atall"]


def test_empty_query_lists_newest_first_with_month_histogram(sample_store):
    r = sample_store.search(SearchRequest(size=50))
    dates = [h.published for h in r.hits]
    assert dates == sorted(dates, reverse=True)
    assert r.total == len(r.hits) >= 30
    months = [v.value for v in r.facets["months"]]
    assert months == sorted(months) and months[0] == "2025-01"


def test_paging(sample_store):
    p1 = sample_store.search(SearchRequest(size=5, page=1))
    p2 = sample_store.search(SearchRequest(size=5, page=2))
    assert len(p1.hits) == len(p2.hits) == 5 and not set(ids(p1)) & set(ids(p2))
    far = sample_store.search(SearchRequest(size=5, page=10**9))
    assert far.hits == [] and far.total == p1.total


@pytest.mark.parametrize("q", ['"unbalanced quote', "title:", "AND OR NOT", "((", "a:b:c",
                               "*", "-", "[1 TO", "\x00", "x" * 2000, "Ukraine~2", "body:war^3"])
@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_odd_queries_never_crash(sample_store, q, mode):
    r = sample_store.search(SearchRequest(q, mode=mode))
    assert r.total >= 0


def test_semantic_and_hybrid_modes(sample_store):
    # The hash embedder shares words, so this checks the plumbing, not meaning.
    sem = sample_store.search(SearchRequest("Messi scores twice", mode="semantic"))
    assert ids(sem)[0] == "s-009"
    hyb = sample_store.search(SearchRequest("Messi scores twice", mode="hybrid"))
    assert ids(hyb)[0] == "s-009"
    assert hyb.total >= sample_store.search(SearchRequest("Messi scores twice",
                                                          mode="keyword")).total


def test_get_and_similar(sample_store):
    s = sample_store.get("s-001")
    assert s.article.title.startswith("Central bank")
    assert s.passages and s.model == "test/hash-embedder"
    assert sample_store.get("missing") is None
    sims = sample_store.similar("s-001", k=3)
    assert len(sims) == 3 and "s-001" not in [i for i, _ in sims]


def test_reingest_changes_nothing_and_edits_update_in_place(tmp_path, extractor, hash_embedder):
    data = tmp_path / "in.jsonl"
    rows = [{"id": f"a{i}", "title": f"Story {i}", "body": f"Body of story {i} about Paris.",
             "published": "2025-01-0%d" % (i + 1)} for i in range(3)]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    ix = make_indexer(tmp_path / "store", hash_embedder, extractor)
    s1 = ix.index_paths([data])
    assert (s1.new, s1.updated, s1.unchanged) == (3, 0, 0)
    s2 = ix.index_paths([data])
    assert (s2.new, s2.updated, s2.unchanged) == (0, 0, 3)
    rows[1]["body"] = "A rewritten story about Berlin."
    data.write_text("\n".join(json.dumps(r) for r in rows))
    s3 = ix.index_paths([data])
    assert (s3.new, s3.updated, s3.unchanged) == (0, 1, 2)
    r = ix.store.search(SearchRequest(size=10))
    assert r.total == 3
    assert ix.store.search(SearchRequest("Berlin", mode="keyword")).hits[0].id == "a1"
    assert ix.store.search(SearchRequest("Paris", mode="keyword")).total == 2
    assert ix.store.stats()["articles"] == 3


def test_a_reader_sees_new_commits_and_never_a_broken_index(tmp_path, extractor, hash_embedder):
    ix = make_indexer(tmp_path / "store", hash_embedder, extractor)
    ix.index_paths([SEED])
    reader = EmbeddedStore(tmp_path / "store", embedder=lambda: hash_embedder)
    assert reader.search(SearchRequest()).total == 1
    ix.index_paths([SAMPLES / "articles.jsonl"])
    assert reader.search(SearchRequest()).total == 23
    before = reader.search(SearchRequest("Putin", mode="keyword")).total
    ix.rebuild()
    assert reader.search(SearchRequest("Putin", mode="keyword")).total == before
    builds = list((tmp_path / "store" / "builds").iterdir())
    assert len(builds) == 1, "the old build is removed after the switch"


def test_interrupted_rebuild_leaves_the_old_index_serving(tmp_path, extractor, hash_embedder):
    ix = make_indexer(tmp_path / "store", hash_embedder, extractor)
    ix.index_paths([SAMPLES / "articles.jsonl"])
    current = (tmp_path / "store" / "CURRENT").read_text()

    class Boom(Exception):
        pass

    def explode(done, total):
        if done >= 10:
            raise Boom()

    ix.batch_size = 5
    with pytest.raises(Boom):
        ix.rebuild(progress=explode)
    assert (tmp_path / "store" / "CURRENT").read_text() == current
    assert [p.name for p in (tmp_path / "store" / "builds").iterdir()] == [current]
    reader = EmbeddedStore(tmp_path / "store", embedder=lambda: hash_embedder)
    assert reader.search(SearchRequest()).total == 22


def test_only_one_writer_at_a_time(tmp_path, hash_embedder):
    from archive.store import StoreError

    first = EmbeddedStore(tmp_path / "s", writable=True)
    with pytest.raises(StoreError, match="another indexer"):
        EmbeddedStore(tmp_path / "s", writable=True)
    first.close()
    EmbeddedStore(tmp_path / "s", writable=True).close()


def test_empty_or_missing_store_says_what_to_do(tmp_path):
    r = EmbeddedStore(tmp_path / "nothing").search(SearchRequest("x"))
    assert r.total == 0 and "newsarchive index" in r.warnings[0]


def test_facet_top_values_match_a_full_count_with_ties_by_name():
    import random

    import numpy as np

    from archive.facets import facet_values
    from archive.table import Multi

    rng = random.Random(7)
    names = [f"name{i:03d}" for i in range(300)]
    col = Multi([rng.sample(names, rng.randint(0, 4)) for _ in range(2000)])
    for trial in range(20):
        mask = np.array([rng.random() < 0.3 for _ in range(2000)])
        selected = rng.sample(names, trial % 3)
        size = rng.choice([1, 5, 10, 50, 400])
        full = facet_values(col.counts(mask), selected, size)
        fast = facet_values(col.top_counts(mask, size, selected), selected, size)
        assert fast == full
