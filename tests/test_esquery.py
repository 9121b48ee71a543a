"""Elasticsearch requests are plain dicts: checked here as data."""
import datetime as dt

from archive import esquery
from archive.model import SearchRequest

REQ = SearchRequest("peace talks", mode="hybrid", people=["Donald Trump"],
                    countries=["UA", "RU"], date_from=dt.date(2025, 1, 1))


def test_filters_or_within_a_facet_and_across_facets():
    assert esquery.filters(REQ) == [
        {"terms": {"people": ["Donald Trump"]}},
        {"terms": {"countries": ["UA", "RU"]}},
        {"range": {"published": {"gte": "2025-01-01"}}},
    ]


def test_a_facet_is_counted_without_its_own_filter():
    body = esquery.facet_request(REQ, [0.1, 0.2], 100, "countries", 0.1)
    flt = body["query"]["bool"]["filter"]
    assert {"terms": {"countries": ["UA", "RU"]}} not in flt
    assert {"terms": {"people": ["Donald Trump"]}} in flt
    assert body["knn"]["filter"]["bool"]["filter"] == flt, "kNN pre-filtered the same way"
    assert body["aggs"]["countries"]["terms"]["field"] == "countries"
    assert body["size"] == 0
    months = esquery.facet_request(REQ, [0.1], 100, "months", None)
    assert not any("range" in f for f in months["query"]["bool"]["filter"])
    assert months["aggs"]["months"]["date_histogram"]["calendar_interval"] == "month"


def test_modes_select_query_knn_or_both():
    kw = esquery.matching(SearchRequest("x", mode="keyword"), None, 100)
    sem = esquery.matching(SearchRequest("x", mode="semantic"), [0.0] * 3, 100)
    hyb = esquery.matching(SearchRequest("x", mode="hybrid"), [0.0] * 3, 100)
    assert set(kw) == {"query"} and set(sem) == {"knn"} and set(hyb) == {"query", "knn"}
    assert sem["knn"]["field"] == "passages.vector" and sem["knn"]["k"] == 100
    empty = esquery.matching(SearchRequest(""), None, 100)
    assert empty == {"query": {"bool": {"filter": []}}}


def test_odd_query_text_goes_to_a_lenient_parser():
    q = esquery.text_query('"unbalanced AND (')
    assert q["simple_query_string"]["lenient"] is True
    assert q["simple_query_string"]["fields"] == ["title^2", "body"]



def test_mapping_nests_passages_with_a_cosine_vector():
    m = esquery.mapping(384, "standard")
    vec = m["properties"]["passages"]["properties"]["vector"]
    assert m["properties"]["passages"]["type"] == "nested"
    assert vec == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine"}
    assert m["properties"]["people"]["type"] == "keyword"
    assert m["properties"]["title"]["analyzer"] == "standard"
