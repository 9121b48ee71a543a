"""Elasticsearch requests are plain dicts: checked here as data."""
import datetime as dt
import uuid

import pytest

from archive import esquery
from archive.model import SearchRequest
from archive.query import parse

REQ = SearchRequest("peace talks", mode="hybrid", people=["Donald Trump"],
                    countries=["UA", "RU"], date_from=dt.date(2025, 1, 1))


# scope -> (people field, countries field): "about" by default.
SCOPE_FIELDS = [("about", "people_about", "countries_about"),
                ("mentioned", "people", "countries")]


@pytest.mark.parametrize("scope,people,countries", SCOPE_FIELDS)
def test_filters_or_within_a_facet_and_across_facets(scope, people, countries):
    req = SearchRequest(REQ.q, people=REQ.people, countries=REQ.countries,
                        date_from=REQ.date_from, sources=["Reuters"], scope=scope)
    assert esquery.filters(req) == [
        {"terms": {people: ["Donald Trump"]}},
        {"terms": {countries: ["UA", "RU"]}},
        {"terms": {"source": ["Reuters"]}},
        {"range": {"published": {"gte": "2025-01-01"}}},
    ]


@pytest.mark.parametrize("scope,people,countries", SCOPE_FIELDS)
def test_a_facet_is_counted_without_its_own_filter(scope, people, countries):
    req = SearchRequest(REQ.q, people=REQ.people, countries=REQ.countries,
                        date_from=REQ.date_from, scope=scope)
    kw = esquery.text_query(parse(req.q))
    body = esquery.facet_request(req, parse(req.q), [0.1, 0.2], 100, "countries", kw, 0.1)
    flt = body["query"]["bool"]["filter"]
    assert {"terms": {countries: ["UA", "RU"]}} not in flt
    assert {"terms": {people: ["Donald Trump"]}} in flt
    assert body["knn"]["filter"]["bool"]["filter"] == flt, "kNN pre-filtered the same way"
    assert body["aggs"]["countries"]["terms"]["field"] == countries
    assert body["size"] == 0
    months = esquery.facet_request(req, parse(req.q), [0.1], 100, "months", kw, None)
    assert not any("range" in f for f in months["query"]["bool"]["filter"])
    assert months["aggs"]["months"]["date_histogram"]["calendar_interval"] == "month"


def test_facets_without_a_choice_share_one_request():
    # One kNN search counts every facet the filters leave alone; a facet with
    # a choice is counted without it, on its own.
    assert esquery.facet_groups(SearchRequest("oil")) == [
        ("people", "countries", "sources", "months")]
    req = SearchRequest("oil", people=["Donald Trump"], date_from=dt.date(2025, 1, 1))
    groups = esquery.facet_groups(req)
    assert groups == [("countries", "sources"), ("people",), ("months",)]
    kw = esquery.text_query(parse(req.q))
    shared = esquery.facet_request(req, parse(req.q), [0.1], 100, *groups[0][:1], kw, None,
                                   groups[0][1:])
    assert set(shared["aggs"]) == {"countries", "sources"}
    assert shared["query"] == esquery.matching(req, parse(req.q), [0.1], 100, kw)["query"], \
        "the shared request keeps every filter: none of its facets has one"
    alone = esquery.facet_request(req, parse(req.q), [0.1], 100, "people", kw)
    assert set(alone["aggs"]) == {"people"}
    assert all("people" not in str(f) for f in alone["query"]["bool"]["filter"])


def test_the_default_scope_is_about():
    assert SearchRequest().scope == "about"
    with pytest.raises(ValueError):
        SearchRequest(scope="everything")


def test_modes_select_query_knn_or_both():
    x = parse("x")
    kw = esquery.matching(SearchRequest("x", mode="keyword"), x, None, 100, esquery.text_query(x))
    sem = esquery.matching(SearchRequest("x", mode="semantic"), x, [0.0] * 3, 100, None)
    hyb = esquery.matching(SearchRequest("x", mode="hybrid"), x, [0.0] * 3, 100,
                           esquery.text_query(x))
    assert set(kw) == {"query"} and set(sem) == {"knn"} and set(hyb) == {"query", "knn"}
    assert sem["knn"]["field"] == "passages.vector" and sem["knn"]["k"] == 100
    empty = esquery.matching(SearchRequest(""), parse(""), None, 100, None)
    assert empty == {"query": {"bool": {"filter": []}}}


def _spellings(clause: dict) -> list[dict]:
    """The multi_match of a word, one per spelling it is looked for in."""
    return [m["multi_match"] for m in clause["dis_max"]["queries"]] \
        if "dis_max" in clause else [clause["multi_match"]]


def test_every_word_of_a_short_query_is_required():
    q = esquery.text_query(parse("oil prices in Japan"))
    must = q["bool"]["must"]
    assert [_spellings(c)[0]["query"] for c in must] == ["oil", "prices", "Japan"]
    assert all(m["fields"] == ["title^2", "body"] for c in must for m in _spellings(c))
    assert [c["multi_match"]["query"] for c in q["bool"]["should"]] == ["in"], \
        "stop words rank but are not required"


def test_relaxed_query_needs_one_word_but_phrases_still_bind():
    q = esquery.text_query(parse('"debt moratorium" Brazil banks'), relaxed=True)
    must = q["bool"]["must"]
    assert _spellings(must[0])[0] == {"query": "debt moratorium", "fields": ["title^2", "body"],
                                      "type": "phrase", "zero_terms_query": "all"}
    assert [m["query"] for m in _spellings(must[0])][1:] == [
        "debt moratorium's", "debt moratorium\u2019s"], "a phrase's last word may be possessive"
    assert must[1]["bool"]["minimum_should_match"] == 1
    assert esquery.text_query(parse("barley"), relaxed=True) is None, "one word: nothing to relax"


def test_a_required_word_the_analyzer_drops_matches_all_and_an_excluded_one_nothing():
    """On a cluster with the `english` analyzer a stop word analyses to
    nothing: required, it must not empty the query ("no deal"); excluded or
    counted for ranking, it must not match every article."""
    q = esquery.text_query(parse('the "who" -the oil'))
    for clause in q["bool"]["must"]:
        assert all(m["zero_terms_query"] == "all" for m in _spellings(clause))
    for clause in q["bool"]["must_not"] + q["bool"].get("should", []):
        assert all(m["zero_terms_query"] == "none" for m in _spellings(clause))


def test_phrases_and_exclusions_bind_the_meaning_side():
    q = parse('"debt moratorium" -Brazil')
    flt = esquery.constraint(q)
    assert _spellings(flt[0])[0]["type"] == "phrase"
    assert _spellings(flt[1]["bool"]["must_not"][0])[0]["query"] == "Brazil"
    body = esquery.semantic_request(SearchRequest(q.text), q, [0.0] * 3, 100, 0.2)
    assert flt[0] in body["knn"]["filter"]["bool"]["filter"]


def test_prose_dashes_are_not_operators():
    q = esquery.text_query(parse("revenues - £160m - will rise"))
    assert "must_not" not in q["bool"]
    assert "simple_query_string" not in str(q), "no query-string syntax reaches the cluster"


def test_a_long_paste_lists_the_articles_with_every_word_then_those_with_a_share():
    text = ("The central bank raised its benchmark interest rate by half a point on Thursday, "
            "citing stubborn inflation in services and a tight labour market across the region")
    terms = len(parse(text).optional)
    every = esquery.text_query(parse(text))
    assert len(every["bool"]["must"]) == terms > 12
    inner = esquery.text_query(parse(text), relaxed=True)["bool"]["must"][0]["bool"]
    assert len(inner["should"]) == terms
    assert 1 < inner["minimum_should_match"] < terms


def test_mapping_nests_passages_with_a_cosine_vector():
    m = esquery.mapping(384, "standard")
    vec = m["properties"]["passages"]["properties"]["vector"]
    assert m["properties"]["passages"]["type"] == "nested"
    assert vec == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine",
                   "index_options": {"type": "int8_hnsw", "rescore_vector": {"oversample": 2.0}}}
    assert m["properties"]["people"]["type"] == "keyword"
    for field in ("people_about", "countries_about"):
        assert m["properties"][field]["type"] == "keyword"
    assert m["properties"]["title"]["analyzer"] == "standard"


def test_shard_failures_while_a_node_leaves_are_retried_but_a_bad_query_is_not():
    from archive.elastic import _transient

    node_left = {"error": {"reason": "all shards failed"}, "status": 503}
    bad_query = {"error": {"reason": "all shards failed"}, "status": 400}
    partial = {"_shards": {"total": 2, "failed": 1}, "hits": {"hits": []}}
    assert _transient(node_left) and _transient(partial)
    assert not _transient(bad_query)


class _Answers:
    """Elasticsearch's msearch answers, one list per call, in order."""

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), 0

    def msearch(self, searches):
        self.calls += 1
        return {"responses": self.answers.pop(0)}


def _msearch(monkeypatch, *answers):
    from archive import elastic
    from archive.model import SearchRequest

    monkeypatch.setattr(elastic.time, "sleep", lambda s: None)
    store = elastic.ElasticStore("http://127.0.0.1:1/unused")
    store.es = _Answers(*answers)
    search = elastic._Search(store, SearchRequest("ships"), None)
    return store.es, lambda: search.msearch([("keyword", {"query": {"match_all": {}}})])


def test_a_search_rides_out_a_node_leaving_and_answers(monkeypatch):
    ok = {"hits": {"hits": [], "total": {"value": 0}}, "_shards": {"failed": 0}}
    left = {"error": {"reason": "all shards failed"}, "status": 503}
    es, run = _msearch(monkeypatch, [left], [left], [ok])
    assert run()["keyword"] is ok and es.calls == 3


def test_a_node_that_stays_away_is_a_503_and_a_bad_query_a_400_at_once(monkeypatch):
    from archive.store import StoreError, StoreUnavailable

    left = {"error": {"reason": "all shards failed"}, "status": 503}
    es, run = _msearch(monkeypatch, [left], [left], [left])
    with pytest.raises(StoreUnavailable):
        run()
    assert es.calls == 3
    bad = {"error": {"reason": "failed to parse query"}, "status": 400}
    es, run = _msearch(monkeypatch, [bad])
    with pytest.raises(StoreError) as e:
        run()
    assert es.calls == 1 and e.value.status == 400


@pytest.mark.parametrize("text", ["no deal", '"to be" feared', "Brexit OR zebra"])
def test_a_cluster_that_drops_stop_words_still_finds_the_article(es_url, text):
    """A cluster with the `english` analyzer (not the test node's integ-test
    build, which lacks it) drops stop words; the core `standard` analyzer
    with Lucene's English stop set does the same. A required clause that
    analyses to nothing must not empty the query."""
    from elasticsearch import Elasticsearch

    es = Elasticsearch(es_url)
    index = f"test-stop-{uuid.uuid4().hex[:10]}"
    analyzer = {"type": "standard", "stopwords": "_english_"}
    es.indices.create(index=index, settings={"analysis": {"analyzer": {"default": analyzer}}},
                      mappings={"properties": {"title": {"type": "text"},
                                               "body": {"type": "text"}}})
    try:
        es.index(index=index, id="1", document={"title": "", "body": "A no deal Brexit is "
                                                "to be feared"}, refresh=True)
        es.index(index=index, id="2", document={"title": "", "body": "Markets calm"},
                 refresh=True)
        q = esquery.text_query(parse(text))
        hits = es.search(index=index, query=q)["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["1"], (text, q)
    finally:
        es.indices.delete(index=index)


def test_a_word_matches_either_apostrophe_and_its_possessive_scored_once():
    q = esquery.text_query(parse("O’Driscoll injury"))
    either, injury = (_spellings(c) for c in q["bool"]["must"])
    assert sorted(m["query"] for m in either) == sorted(
        a.join(["O", "Driscoll"]) + s for a in ("'", "’") for s in ("", "'s", "’s"))
    assert [m["query"] for m in injury] == ["injury", "injury's", "injury’s"]


def test_a_pasted_paragraph_keeps_its_words_as_written():
    text = ("Mr Peston's book claimed that Mr Brown told Mr Blair there was nothing he could "
            "ever say to him now that he could believe, a claim denied on Wednesday")
    every = esquery.text_query(parse(text))["bool"]["must"]
    typed = [[m["query"] for m in _spellings(c)] for c in every]
    assert ["Peston's", "Peston’s"] in typed and ["book"] in typed, \
        "a paste's words keep their own \"'s\" and add no possessive"
