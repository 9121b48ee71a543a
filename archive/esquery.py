"""Elasticsearch request bodies, built as plain dicts so they can be tested as data.

Filters and facets follow the embedded store: values of one facet are OR'd,
facets are AND'd, and each facet is counted under every filter but its own
(multi-select), so a selection never hides its siblings.
"""
from __future__ import annotations

from archive.model import SearchRequest

FACET_FIELDS = {"people": "people", "countries": "countries", "sources": "source"}
TEXT_FIELDS = ["title^2", "body"]


def mapping(dims: int, analyzer: str) -> dict:
    """Passages are nested inside their article rather than separate documents:
    kNN over a nested vector scores each article by its best passage (and
    inner_hits names that passage), while filters, facets and totals count
    articles directly, with no collapsing or de-duplication of passage hits."""
    return {
        "dynamic": "strict",
        "properties": {
            "id": {"type": "keyword"},
            "title": {"type": "text", "analyzer": analyzer},
            "body": {"type": "text", "analyzer": analyzer},
            "published": {"type": "date", "format": "strict_date"},
            "source": {"type": "keyword"},
            "url": {"type": "keyword", "index": False},
            "topic": {"type": "keyword"},
            "people": {"type": "keyword"},
            "countries": {"type": "keyword"},
            "content_hash": {"type": "keyword"},
            "model": {"type": "keyword"},
            "entities": {"type": "object", "enabled": False},
            "passages": {
                "type": "nested",
                "properties": {
                    "start": {"type": "integer", "index": False},
                    "end": {"type": "integer", "index": False},
                    "vector": {"type": "dense_vector", "dims": dims, "index": True,
                               "similarity": "cosine"},
                },
            },
        },
    }


def filters(req: SearchRequest, skip: str | None = None) -> list[dict]:
    out = []
    for facet, field in FACET_FIELDS.items():
        values = getattr(req, facet)
        if values and facet != skip:
            out.append({"terms": {field: values}})
    if skip != "months" and (req.date_from or req.date_to):
        rng = {}
        if req.date_from:
            rng["gte"] = req.date_from.isoformat()
        if req.date_to:
            rng["lte"] = req.date_to.isoformat()
        out.append({"range": {"published": rng}})
    return out


def text_query(q: str) -> dict:
    # simple_query_string never fails on syntax: unbalanced quotes and stray
    # operators are read as words, as the embedded store's lenient parser does.
    return {"simple_query_string": {"query": q, "fields": TEXT_FIELDS,
                                    "default_operator": "or", "lenient": True}}


def knn(qvec, k: int, flt: list[dict], with_passage: bool = False) -> dict:
    clause = {"field": "passages.vector", "query_vector": [float(x) for x in qvec], "k": k,
              "num_candidates": max(100, 2 * k), "filter": {"bool": {"filter": flt}}}
    if with_passage:
        clause["inner_hits"] = {"size": 1, "_source": False, "fields": []}
    return clause


def matching(req: SearchRequest, qvec, k: int, skip: str | None = None,
             min_similarity: float | None = None) -> dict:
    """The body fragment that selects the match set of a mode under the filters
    (all but `skip`): query, knn, or both (Elasticsearch takes the union)."""
    flt = filters(req, skip)
    body: dict = {}
    if not req.q:
        body["query"] = {"bool": {"filter": flt}}
        return body
    if req.mode in ("keyword", "hybrid"):
        body["query"] = {"bool": {"must": [text_query(req.q)], "filter": flt}}
    if req.mode in ("semantic", "hybrid"):
        body["knn"] = knn(qvec, k, flt, with_passage=skip is None)
        if min_similarity is not None:
            # For cosine fields this is the raw cosine, not the (1 + s) / 2 score.
            body["knn"]["similarity"] = min_similarity
    return body


def facet_aggs(facet: str, size: int) -> dict:
    if facet == "months":
        return {"months": {"date_histogram": {"field": "published", "calendar_interval": "month",
                                              "format": "yyyy-MM", "min_doc_count": 1}}}
    return {facet: {"terms": {"field": FACET_FIELDS[facet], "size": size}}}


def facet_request(req: SearchRequest, qvec, k: int, facet: str,
                  min_similarity: float | None = None) -> dict:
    body = matching(req, qvec, k, skip=facet, min_similarity=min_similarity)
    body.update({"size": 0, "track_total_hits": False,
                 "aggs": facet_aggs(facet, max(req.facet_size, len(getattr(req, facet, [])) + 1))})
    return body


def keyword_request(req: SearchRequest, size: int) -> dict:
    return {"query": {"bool": {"must": [text_query(req.q)], "filter": filters(req)}},
            "size": size, "_source": False, "track_total_hits": True}


def semantic_request(req: SearchRequest, qvec, k: int, min_similarity: float | None) -> dict:
    clause = knn(qvec, k, filters(req), with_passage=True)
    if min_similarity is not None:
        clause["similarity"] = min_similarity
    return {"knn": clause, "size": k, "_source": False}


def newest_request(req: SearchRequest) -> dict:
    return {"query": {"bool": {"filter": filters(req)}},
            "sort": [{"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
            "from": req.offset, "size": req.size, "_source": False, "track_total_hits": True}
