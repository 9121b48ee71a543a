"""Elasticsearch request bodies, built as plain dicts so they can be tested as data.

Filters and facets follow the embedded store: values of one facet are OR'd
(people's and countries' AND'd when the request asks for them `together`),
facets are AND'd, and each facet is counted under every filter but its own
(multi-select), so a selection never hides its siblings.
"""
from __future__ import annotations

from archive.model import SearchRequest
from archive.query import Query, Term, clauses

FACET_FIELDS = {"people": "people", "countries": "countries", "sources": "source"}
# People and countries are kept twice: every one an article mentions
# (`people`), and those it is about (`people_about`), which facets and
# filters use unless the request's scope is "mentioned".
ABOUT_FIELDS = {"people": "people_about", "countries": "countries_about"}


def facet_field(facet: str, scope: str = "about") -> str:
    """The field a facet counts and filters on."""
    if scope == "about" and facet in ABOUT_FIELDS:
        return ABOUT_FIELDS[facet]
    return FACET_FIELDS[facet]
TEXT_FIELDS = ["title^2", "body"]
# The passage vectors' HNSW graph holds them as int8 (a quarter of float32's
# memory, which is what must fit in the page cache at scale: 1.5M passages
# take about 0.6 GB instead of 2.3 GB), and the candidates it finds are
# rescored with the float vectors, OVERSAMPLE times as many as asked for.
# This is what the embedded store does (archive/vectors.py: int8, cosine
# error at most 0.002, exact rescoring). Named here because Elasticsearch
# 9.1+ would otherwise pick bbq_hnsw for 384 dimensions: one bit a
# dimension, which needs heavier oversampling to keep recall, and ranks
# differently from the embedded store.
VECTOR_INDEX = {"type": "int8_hnsw", "rescore_vector": {"oversample": 2.0}}


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
            "people_about": {"type": "keyword"},
            "countries_about": {"type": "keyword"},
            "content_hash": {"type": "keyword"},
            "model": {"type": "keyword"},
            "entities": {"type": "object", "enabled": False},
            "passages": {
                "type": "nested",
                "properties": {
                    "start": {"type": "integer", "index": False},
                    "end": {"type": "integer", "index": False},
                    "vector": {"type": "dense_vector", "dims": dims, "index": True,
                               "similarity": "cosine", "index_options": VECTOR_INDEX},
                },
            },
        },
    }


def filters(req: SearchRequest, skip: str | None = None) -> list[dict]:
    out = []
    for facet in FACET_FIELDS:
        values = getattr(req, facet)
        if values and facet != skip:
            name = facet_field(facet, req.scope)
            if req.together and facet in ABOUT_FIELDS:
                out += [{"term": {name: v}} for v in values]
            else:
                out.append({"terms": {name: values}})
    if skip != "months" and (req.date_from or req.date_to):
        rng = {}
        if req.date_from:
            rng["gte"] = req.date_from.isoformat()
        if req.date_to:
            rng["lte"] = req.date_to.isoformat()
        out.append({"range": {"published": rng}})
    return out


def _term(t: Term, required: bool = False, forms: bool = True) -> dict:
    """A word in the title (boosted) or the body, as the embedded store scores
    it; a phrase as a phrase. The typed text goes in, since the cluster
    analyses it with the index's own analyzer. A word that analyzer drops
    (a stop word of the `english` analyzer) matches every article when it is
    `required`, so it never empties the query; elsewhere (ranking, excluded,
    counted towards a long query's share) it matches none. With `forms`, a
    word also matches its other spellings (`_spellings`), scored as the best
    of them so a cluster whose analyzer folds them counts the word once."""
    zero = "all" if required else "none"
    kind = {"type": "phrase"} if t.phrase else {"type": "most_fields", "operator": "and"}
    variants = [{"multi_match": {"query": text, "fields": TEXT_FIELDS, **kind,
                                 "zero_terms_query": zero}}
                for text in _spellings(t, possessive=forms)]
    if len(variants) == 1:
        return variants[0]
    return {"dis_max": {"queries": variants}}


def _spellings(t: Term, possessive: bool) -> list[str]:
    """The word as typed, with the other apostrophe, and (`possessive`) with
    "'s": the standard tokenizer keeps an apostrophe inside a token, so
    "o'driscoll", "o\u2019driscoll" and "o'driscoll's" are three tokens, and
    archives mix the two apostrophes. The query layer drops a typed "'s", so
    "Blair's" looks for "Blair", which must find "Blair's" as the embedded
    store's tokenizer (it splits at both apostrophes) does; a phrase's last
    word too ("Tony Blair" finds "Tony Blair's government"). A long paste's
    words keep their own "'s" and get no possessive, which keeps its clause
    count within the cluster's limit."""
    bases = list(dict.fromkeys([t.text, t.text.translate(_SWAP)]))
    ends = ("", "'s", "\u2019s") if possessive and t.text[-1:].isalpha() else ("",)
    return [base + end for base in bases for end in ends]


_SWAP = str.maketrans({"'": "\u2019", "\u2019": "'"})


def _any(group, forms: bool = True, required: bool = True) -> dict:
    if len(group) == 1:
        return _term(group[0], required, forms)
    return {"bool": {"should": [_term(t, required, forms) for t in group],
                     "minimum_should_match": 1}}


def text_query(q: Query, relaxed: bool = False) -> dict | None:
    """The keyword query (archive/query.py's `clauses`), as
    archive/tantivyquery.py builds it for the embedded store, or None."""
    c = clauses(q, relaxed)
    if c is None:
        return None
    forms = not q.long
    must = [_any(g, forms) for g in c.required]
    if c.share:
        must.append({"bool": {"should": [_any(g, forms, required=False) for g in c.share],
                              "minimum_should_match": c.share_needs}})
    if c.everything:
        must.append({"match_all": {}})
    body: dict = {"must": must}
    if c.ranking:
        body["should"] = [_term(t, forms=False) for t in c.ranking]
    if c.excluded:
        body["must_not"] = [_term(t) for t in c.excluded]
    return {"bool": body}


def constraint(q: Query) -> list[dict]:
    """Filter clauses every match obeys, meaning matches too: the phrases and
    the excluded words."""
    out = [_term(t, required=True) for t in q.phrases]
    if q.excluded:
        out.append({"bool": {"must_not": [_term(t) for t in q.excluded]}})
    return out


def knn(qvec, k: int, flt: list[dict], with_passage: bool = False) -> dict:
    clause = {"field": "passages.vector", "query_vector": [float(x) for x in qvec], "k": k,
              "num_candidates": max(100, 2 * k), "filter": {"bool": {"filter": flt}}}
    if with_passage:
        clause["inner_hits"] = {"size": 1, "_source": False, "fields": []}
    return clause


def matching(req: SearchRequest, query: Query, qvec, k: int, keyword: dict | None,
             skip: str | None = None, min_similarity: float | None = None) -> dict:
    """The body fragment that selects the match set of a mode under the filters
    (all but `skip`): query, knn, or both (Elasticsearch takes the union).
    `keyword` is the keyword query in force (strict or relaxed)."""
    flt = filters(req, skip) + constraint(query)
    body: dict = {}
    if not req.q:
        body["query"] = {"bool": {"filter": flt}}
        return body
    if req.mode in ("keyword", "hybrid") and keyword is not None:
        body["query"] = {"bool": {"must": [keyword], "filter": flt}}
    if req.mode in ("semantic", "hybrid") and qvec is not None:
        body["knn"] = knn(qvec, k, flt)
        if min_similarity is not None:
            # For cosine fields this is the raw cosine, not the (1 + s) / 2 score.
            body["knn"]["similarity"] = min_similarity
    if not body:
        body["query"] = {"match_none": {}}
    return body


def facet_aggs(facet: str, size: int, scope: str = "about") -> dict:
    if facet == "months":
        return {"months": {"date_histogram": {"field": "published", "calendar_interval": "month",
                                              "format": "yyyy-MM", "min_doc_count": 1}}}
    return {facet: {"terms": {"field": facet_field(facet, scope), "size": size}}}


FACETS = ("people", "countries", "sources", "months")


def facet_request(req: SearchRequest, query: Query, qvec, k: int, facet: str,
                  keyword: dict | None, min_similarity: float | None = None,
                  also: tuple[str, ...] = ()) -> dict:
    """The match set without `facet`'s own filter, counted by `facet` (and by
    the `also` facets, whose filters that leaves the same)."""
    body = matching(req, query, qvec, k, keyword, skip=facet, min_similarity=min_similarity)
    aggs: dict = {}
    for f in (facet, *also):
        aggs.update(facet_aggs(f, max(req.facet_size, len(getattr(req, f, [])) + 1), req.scope))
    body.update({"size": 0, "track_total_hits": False, "aggs": aggs})
    return body


def facet_groups(req: SearchRequest) -> list[tuple[str, ...]]:
    """The facets that can share one request: those without a value chosen
    leave the filters as they are, so their counts come from one match set
    (one kNN search instead of one per facet). A facet with a choice is
    counted without it, in a request of its own."""
    def chosen(f: str) -> bool:
        return bool(req.date_from or req.date_to) if f == "months" else bool(getattr(req, f))

    shared = tuple(f for f in FACETS if not chosen(f))
    return ([shared] if shared else []) + [(f,) for f in FACETS if chosen(f)]


NEWEST = [{"published": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]


def count_request(keyword: dict, up_to: int) -> dict:
    """How many articles of the whole archive match, counted up to `up_to`
    (fusion.relax asks the archive, not the filters)."""
    return {"query": keyword, "size": 0, "track_total_hits": up_to}


def keyword_request(req: SearchRequest, keyword: dict, size: int, newest: bool = False) -> dict:
    body = {"query": {"bool": {"must": [keyword], "filter": filters(req)}},
            "size": size, "_source": ["published"], "track_total_hits": True}
    if newest:
        body["sort"] = NEWEST
    return body


def semantic_request(req: SearchRequest, query: Query, qvec, k: int,
                     min_similarity: float | None) -> dict:
    clause = knn(qvec, k, filters(req) + constraint(query), with_passage=True)
    if min_similarity is not None:
        clause["similarity"] = min_similarity
    return {"knn": clause, "size": k, "_source": ["published"]}


def cosine_request(req: SearchRequest, qvec, ids: list[str]) -> dict:
    """The best passage cosine of each of these articles (the keyword
    candidates): kNN restricted to them, which the cluster answers exactly."""
    clause = knn(qvec, len(ids), filters(req) + [{"ids": {"values": ids}}])
    clause["num_candidates"] = max(clause["num_candidates"], len(ids))
    return {"knn": clause, "size": len(ids), "_source": False}


def membership_request(req: SearchRequest, keyword: dict, ids: list[str]) -> dict:
    """Which of these articles (the meaning matches) also match the words."""
    return {"query": {"bool": {"must": [keyword],
                               "filter": filters(req) + [{"ids": {"values": ids}}]}},
            "size": len(ids), "_source": False}


def newest_request(req: SearchRequest, start: int | None = None, size: int | None = None) -> dict:
    return {"query": {"bool": {"filter": filters(req)}}, "sort": NEWEST,
            "from": req.offset if start is None else start,
            "size": req.size if size is None else size,
            "_source": False, "track_total_hits": True}
