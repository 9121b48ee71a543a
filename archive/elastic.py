"""The Elasticsearch store: same interface and results as the embedded one.

An alias (default `newsarchive`, or the URL path: http://host:9200/myarchive)
points at one versioned index per build. Several nodes of one cluster are
comma-separated (http://es1:9200,http://es2:9200/myarchive); the client
spreads requests over them and retries on another when one fails. Writes go
through the alias; `rebuild()` fills a new index and swaps the alias in one
atomic call.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable, Iterable, Iterator
from urllib.parse import urlparse

import numpy as np

from archive import esquery
from archive.facets import country_label, facet_values, month_values
from archive import fusion
from archive.hits import make_hit, match_kind
from archive.model import (Article, Entity, Hit, IndexedArticle, Passage, SearchRequest,
                           SearchResult)
from archive.query import parse
from archive.store import (QueryVector, Store, StoredArticle, StoreError, StoreUnavailable,
                           WriteFailure)

log = logging.getLogger(__name__)
MAX_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
# Writes are patient: a bulk load waits out a busy or restarting node. The
# client retries a failed request 5 times, pausing 0.5-1 s, then 1-2, 2-4,
# 4-8 and 8-16 s (exponential backoff with jitter): 15 to 30 s in all.
WRITE_RETRIES = 5
WRITE_TIMEOUT = 60
WRITE_BACKOFF = 2.0
WRITE_BACKOFF_CAP = 30.0
# Reads are not: a reader waits for a page, so a search against a node that
# is down fails within a second or two (one retry, for a node that just
# dropped a connection) and the page says to try again.
READ_RETRIES = 1
READ_TIMEOUT = 10
# A replica on a second node when there is one, so a node can leave without
# taking searches down; a single node stays green with none.
SERVING_SETTINGS = {"auto_expand_replicas": "0-1", "refresh_interval": "1s"}
# When a node leaves, searches routed to its shard copies fail ("all shards
# failed", status 503) until the replica is promoted, which takes about a
# second on the two-node test pair. A search waits out that much, no more.
SHARD_PAUSES = (0.5, 1.0)


def _client(hosts: list[str], write: bool):
    """All retrying is the client's: `_call` only translates what is left."""
    from elasticsearch import Elasticsearch

    if write:
        # 429 is not retried here: streaming_bulk backs off on it per batch.
        return Elasticsearch(hosts, request_timeout=WRITE_TIMEOUT, retry_on_timeout=True,
                             max_retries=WRITE_RETRIES, retry_on_status=(502, 503, 504),
                             retry_backoff_base=WRITE_BACKOFF,
                             retry_backoff_cap=WRITE_BACKOFF_CAP)
    return Elasticsearch(hosts, request_timeout=READ_TIMEOUT, retry_on_timeout=False,
                         max_retries=READ_RETRIES)


def parse_url(url: str) -> tuple[list[str], str | None]:
    """`http://es1:9200,http://es2:9200/alias` -> the node URLs and the alias
    (the path, written once, after the last node)."""
    hosts, alias = [], None
    for part in url.split(","):
        parsed = urlparse(part.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise StoreError(f"{part.strip()!r} is not an Elasticsearch node URL like "
                             "http://127.0.0.1:9200")
        hosts.append(f"{parsed.scheme}://{parsed.netloc}")
        alias = parsed.path.strip("/") or alias
    return hosts, alias


class ElasticStore(Store):
    def __init__(self, url: str, embedder: Callable | None = None, alias: str | None = None,
                 _index: str | None = None):
        hosts, path = parse_url(url)
        self.url = ",".join(hosts)
        self.alias = alias or path or "newsarchive"
        self.es = _client(hosts, write=False)
        self.writer = _client(hosts, write=True)
        self._embedder = embedder
        self._target = _index or self.alias  # where writes go
        self._analyzer: str | None = None
        self._created = False  # a build's own index (rebuild), made on first write
        self._written = 0  # articles this object wrote, for the rebuild's count check
        self._has_alias = False  # once the alias exists it always does: ask only until then
        self._about_seen = False  # the alias's index has the about fields (see _has_about)

    # -- cluster and index management ----------------------------------------
    def _call(self, what: str, fn, *args, **kwargs):
        """Runs one client call (whose client does the retrying) and turns its
        errors into StoreErrors a user can read: the cluster's refusal as
        it gave it, an unreachable or overloaded cluster as StoreUnavailable."""
        from elasticsearch import ApiError, TransportError

        try:
            return fn(*args, **kwargs)
        except ApiError as e:
            if e.meta.status == 429 or e.meta.status >= 500:
                # The cluster's trouble, not the request's: its own reason goes
                # to the log, the reader gets a 503 and a time to come back.
                log.warning("Elasticsearch %s failed: %s %s", what, e.meta.status, _reason(e))
                raise StoreUnavailable(f"Elasticsearch is overloaded or failing ({what}: "
                                       f"{e.meta.status}); try again shortly") from e
            raise StoreError(f"Elasticsearch refused {what}: {e.meta.status} {_reason(e)}") from e
        except TransportError as e:
            raise StoreUnavailable(_unreachable(what, e)) from e

    def _analyzer_name(self) -> str:
        """`english` where the cluster has the analysis-common module, else `standard`."""
        if self._analyzer is None:
            from elasticsearch import ApiError

            try:
                self.es.indices.analyze(analyzer="english", text="tests")
                self._analyzer = "english"
            except ApiError:
                self._analyzer = "standard"
        return self._analyzer

    def _create_index(self, name: str, dims: int, bulk_load: bool = False) -> None:
        """A rebuild's index is loaded without replicas or refreshes, the
        fastest way in; `_serving_settings` gives it both before the swap."""
        settings = ({"number_of_replicas": 0, "refresh_interval": "-1"} if bulk_load
                    else SERVING_SETTINGS)
        body = {"settings": {"number_of_shards": 1, **settings},
                "mappings": esquery.mapping(dims, self._analyzer_name())}
        self._call("creating an index", self.writer.indices.create, index=name, **body)

    def _serving_settings(self, name: str) -> None:
        self._call("setting replicas", self.writer.indices.put_settings, index=name,
                   settings=SERVING_SETTINGS)

    def _alias_index(self) -> str | None:
        from elasticsearch import NotFoundError

        def lookup():
            try:
                return list(self.es.indices.get_alias(name=self.alias).keys())
            except NotFoundError:
                return []

        names = self._call("looking up the alias", lookup)
        return names[0] if names else None

    def _live(self) -> bool:
        """Whether the alias exists yet (an archive nobody has written to has none)."""
        if not self._has_alias:
            self._has_alias = self._alias_index() is not None
        return self._has_alias

    def _ensure_index(self, dims: int) -> None:
        if self._target != self.alias:
            if not self._created:
                self._create_index(self._target, dims, bulk_load=True)
                self._created = True
            return
        if self._live():
            return
        name = f"{self.alias}-{time.time_ns()}"
        self._create_index(name, dims)
        self._call("creating the alias", self.writer.indices.put_alias, index=name,
                   name=self.alias)
        self._has_alias = True

    # -- writing -------------------------------------------------------------
    def write(self, docs: list[IndexedArticle]) -> list[WriteFailure]:
        from elasticsearch import helpers

        if not docs:
            return []
        dims = int(np.asarray(docs[0].vectors).shape[-1])
        self._ensure_index(dims)
        # An index made before the about fields existed refuses them (its
        # mapping is strict); it gets them when compact() copies it.
        about = self._target != self.alias or self._has_about()
        actions = [{"_op_type": "index", "_index": self._target, "_id": d.article.id,
                    "_source": _source(d, about)} for d in docs]
        failures: list[WriteFailure] = []

        def run():
            failures.clear()
            for ok, item in helpers.streaming_bulk(
                    self.writer, actions, chunk_size=200, max_chunk_bytes=20_000_000,
                    raise_on_error=False, raise_on_exception=True, max_retries=WRITE_RETRIES,
                    initial_backoff=1, max_backoff=30):
                if not ok:
                    info = item.get("index", item)
                    failures.append(WriteFailure(str(info.get("_id")), _item_reason(info)))

        # Indexing by id makes a retried batch idempotent: nothing is duplicated.
        self._call("a bulk write", run)
        self._written += len(docs) - len(failures)
        return failures

    def commit(self) -> None:
        if not (self._created if self._target != self.alias else self._live()):
            return
        self._call("a refresh", self.writer.indices.refresh, index=self._target)

    def delete(self, ids: Iterable[str]) -> int:
        from elasticsearch import helpers

        ids = list(dict.fromkeys(ids))
        if not ids or not (self._created if self._target != self.alias else self._live()):
            return 0
        actions = [{"_op_type": "delete", "_index": self._target, "_id": i} for i in ids]

        def run():
            found, failed = 0, []
            for ok, item in helpers.streaming_bulk(
                    self.writer, actions, chunk_size=500, raise_on_error=False,
                    raise_on_exception=True, max_retries=WRITE_RETRIES, initial_backoff=1,
                    max_backoff=30):
                info = item.get("delete", item)
                if ok:
                    found += 1
                elif info.get("status") != 404:  # 404: that id is not stored
                    failed.append(f"{info.get('_id')}: {_item_reason(info)}")
            if failed:
                raise StoreError(f"Elasticsearch did not delete {len(failed)} articles "
                                 f"({failed[0]}); run the delete again")
            return found

        return self._call("a bulk delete", run)

    def ids_from_source(self, source: str) -> Iterator[str]:
        from elasticsearch import helpers

        if not self._live():
            return
        hits = helpers.scan(self.es, index=self.alias, _source=False, size=1000,
                            query={"query": {"term": {"source": source}}})
        for h in self._call("listing a source", list, hits):
            yield h["_id"]

    def compact(self) -> None:
        """Copy the live articles into a fresh index and switch the alias to
        it. A force merge is not enough: Lucene keeps deleted documents (soft
        deletes, for replica recovery) until their retention lease lapses, so
        only a new index is sure not to hold them. Searches use the old index
        until the switch; an indexer writing meanwhile would write to the old
        one: the old index is blocked for writes during the copy, so such a
        writer fails loudly instead of writing into an index about to go."""
        from elasticsearch import helpers

        old = self._alias_index()
        if old is None:
            return
        self.commit()
        mapping = self._call("reading the mapping", self.writer.indices.get_mapping, index=old)
        dims = mapping[old]["mappings"]["properties"]["passages"]["properties"]["vector"]["dims"]
        self._block_writes(old, True)
        new = f"{self.alias}-{time.time_ns()}"
        try:
            self._create_index(new, dims, bulk_load=True)
        except BaseException:
            self._block_writes(old, False)
            raise
        live = self._call("a count", self.writer.count, index=old)["count"]
        # Through this client, not the _reindex API: that is a module a
        # cluster may lack (the test distribution does). Elasticsearch 9 leaves
        # dense vectors out of _source unless asked: without them the copy
        # would answer keyword searches and nothing by meaning.
        actions = ({"_op_type": "index", "_index": new, "_id": h["_id"],
                    "_source": _with_about(h["_source"])}
                   for h in helpers.scan(self.writer, index=old, size=500,
                                         query={"query": {"match_all": {}},
                                                "_source": {"exclude_vectors": False}}))

        def copy():
            for _ in helpers.streaming_bulk(self.writer, actions, chunk_size=200,
                                            max_chunk_bytes=20_000_000, raise_on_error=False,
                                            max_retries=WRITE_RETRIES, initial_backoff=1,
                                            max_backoff=30):
                pass  # an article that failed to copy fails the count check

        try:
            self._call("copying the live articles", copy)
            self._switch(old, new, live)
        except BaseException:
            self._discard(new)
            self._block_writes(old, False)
            raise
        self._call("deleting the old index", self.writer.indices.delete, index=old,
                   ignore_unavailable=True)

    def _block_writes(self, index: str, blocked: bool) -> None:
        self._call("blocking writes" if blocked else "unblocking writes",
                   self.writer.indices.put_settings, index=index,
                   settings={"index.blocks.write": blocked})

    def content_hashes(self) -> dict[str, str]:
        from elasticsearch import helpers

        if not self._live():
            return {}
        return self._call("reading content hashes", lambda: {
            h["_id"]: h["_source"].get("content_hash", "")
            for h in helpers.scan(self.es, index=self.alias, _source=["content_hash"],
                                  query={"query": {"match_all": {}}}, size=1000)})

    def hashes_for(self, ids: list[str]) -> dict[str, str]:
        if not ids or not self._live():
            return {}
        r = self._call("reading content hashes", self.es.mget, index=self.alias, ids=ids,
                       _source=["content_hash"])
        return {d["_id"]: d["_source"].get("content_hash", "") for d in r["docs"] if d.get("found")}

    def known_people(self) -> dict[str, int]:
        if not self._live():
            return {}
        r = self._call("listing people", self.es.search, index=self.alias, size=0,
                       aggs={"people": {"terms": {"field": "people", "size": 65000}}})
        return {b["key"]: b["doc_count"] for b in r["aggregations"]["people"]["buckets"]}

    def people_dates(self) -> dict[str, tuple[dt.date, dt.date]]:
        if not self._live():
            return {}
        span = {"first": {"min": {"field": "published", "format": "strict_date"}},
                "last": {"max": {"field": "published", "format": "strict_date"}}}
        r = self._call("listing people's dates", self.es.search, index=self.alias, size=0,
                       aggs={"people": {"terms": {"field": "people", "size": 65000},
                                        "aggs": span}})
        return {b["key"]: (dt.date.fromisoformat(b["first"]["value_as_string"]),
                           dt.date.fromisoformat(b["last"]["value_as_string"]))
                for b in r["aggregations"]["people"]["buckets"]
                if b["first"].get("value_as_string")}

    @contextmanager
    def rebuild(self) -> Iterator["ElasticStore"]:
        old = self._alias_index()
        self.removed_leftovers = self._remove_leftovers(old)
        new = f"{self.alias}-{time.time_ns()}"
        fresh = ElasticStore(self.url, self._embedder, self.alias, _index=new)
        try:
            yield fresh
            if not fresh._created:
                raise StoreError("nothing to rebuild: the archive is empty")
            self._switch(old, new, fresh._written)
        except BaseException:
            if fresh._created:
                self._discard(new)
            raise
        if old:
            self._call("deleting the old index", self.writer.indices.delete, index=old,
                       ignore_unavailable=True)

    def _switch(self, old: str | None, new: str, expected: int) -> None:
        """Give `new` its serving settings and point the alias at it once it
        holds `expected` articles."""
        self._serving_settings(new)
        self._call("a refresh", self.writer.indices.refresh, index=new)
        count = self._call("a count", self.writer.count, index=new)["count"]
        if count != expected:
            raise StoreError(f"the new index has {count} articles, expected {expected}; "
                             "the old index stays live")
        actions = [{"add": {"index": new, "alias": self.alias}}]
        if old:
            actions.insert(0, {"remove": {"index": old, "alias": self.alias}})
        self._call("swapping the alias", self.writer.indices.update_aliases, actions=actions)

    def _discard(self, index: str) -> None:
        try:
            self.es.indices.delete(index=index, ignore_unavailable=True)
        except Exception:
            pass  # the node may be the reason we failed; a stray index is harmless

    def _remove_leftovers(self, live: str | None) -> list[str]:
        """A reindex killed before its swap leaves its half-built index behind
        (a reindex that fails cleanly deletes its own): every build index of
        this alias that the alias does not point at goes before a new one is
        built."""
        names = self._call("a listing", self.writer.indices.get, index=f"{self.alias}-*",
                           allow_no_indices=True, ignore_unavailable=True).keys()
        stale = sorted(n for n in names if n != live)
        if stale:
            self._call("removing an interrupted reindex", self.writer.indices.delete,
                       index=",".join(stale), ignore_unavailable=True)
        return stale

    # -- reading -------------------------------------------------------------
    def get(self, article_id: str) -> StoredArticle | None:
        from elasticsearch import NotFoundError

        def fetch():
            # Only a 404 (no such article, or no index yet) means "missing";
            # every other failure is _call's to translate.
            try:
                return self.es.get(index=self.alias, id=article_id,
                                   source_excludes=["passages.vector"])
            except NotFoundError:
                return None

        r = self._call("reading an article", fetch)
        return _stored(r["_source"]) if r else None

    def get_many(self, article_ids: list[str]) -> list[StoredArticle | None]:
        if not article_ids or not self._live():
            return [None] * len(article_ids)
        r = self._call("reading articles", self.es.mget, index=self.alias,
                       ids=list(article_ids), source_excludes=["passages.vector"])
        return [_stored(d["_source"]) if d.get("found") else None for d in r["docs"]]

    def iter_articles(self) -> Iterator[StoredArticle]:
        from elasticsearch import helpers

        if not self._live():
            return
        # A reindex reads through this as it goes, and a page of 500 through
        # entity extraction and the model can take longer than scan's default
        # five minutes between pages.
        for h in helpers.scan(self.es, index=self.alias, source_excludes=["passages.vector"],
                              query={"query": {"match_all": {}}}, size=500, scroll="30m"):
            yield _stored(h["_source"])

    def in_use(self) -> bool:
        """Whether the alias, an index by its name or a build index of it
        (what `drop` would delete) exists: `eval` builds only where none does."""
        names = self._call("a listing", self.es.indices.get,
                           index=f"{self.alias},{self.alias}-*", allow_no_indices=True,
                           ignore_unavailable=True)
        return bool(names)

    def drop(self) -> None:
        """Delete every build index of this alias (and so the alias)."""
        names = list(self._call("a listing", self.es.indices.get, index=f"{self.alias}-*",
                                allow_no_indices=True, ignore_unavailable=True).keys())
        if names:
            self._call("a delete", self.es.indices.delete, index=",".join(names))
        self._has_alias = False

    def stats(self) -> dict:
        index = self._alias_index()
        if not index:
            return {"store": f"elasticsearch:{self.url}/{self.alias}", "articles": 0}
        count = self._call("a count", self.es.count, index=self.alias)["count"]
        aggs = self._call("stats", self.es.search, index=self.alias, size=0, aggs={
            "people": {"cardinality": {"field": "people"}},
            "countries": {"cardinality": {"field": "countries"}},
            "sources": {"cardinality": {"field": "source"}},
            "oldest": {"min": {"field": "published", "format": "strict_date"}},
            "newest": {"max": {"field": "published", "format": "strict_date"}},
            "passages": {"nested": {"path": "passages"}},
            "model": {"terms": {"field": "model", "size": 1}}})["aggregations"]
        size = self._call("stats", self.es.indices.stats, index=index, metric="store")
        return {
            "store": f"elasticsearch:{self.url}/{self.alias}", "build": index,
            "articles": count, "passages": aggs["passages"]["doc_count"],
            "people": aggs["people"]["value"], "countries": aggs["countries"]["value"],
            "sources": aggs["sources"]["value"],
            "model": (aggs["model"]["buckets"] or [{"key": None}])[0]["key"],
            "oldest": aggs["oldest"].get("value_as_string"),
            "newest": aggs["newest"].get("value_as_string"),
            "disk_bytes": size["_all"]["primaries"]["store"]["size_in_bytes"],
        }

    def similar(self, article_id: str, k: int = 5) -> list[tuple[str, float]]:
        from elasticsearch import NotFoundError

        try:
            doc = self.es.get(index=self.alias, id=article_id, source_includes=["passages"])
        except NotFoundError:
            return []
        vecs = [p["vector"] for p in doc["_source"].get("passages", []) if "vector" in p]
        if not vecs:
            return []
        v = np.mean(np.asarray(vecs, dtype=np.float32), axis=0)
        v /= np.linalg.norm(v) or 1.0
        r = self._call("a similarity search", self.es.search, index=self.alias, size=k,
                       _source=False, knn={
                           "field": "passages.vector", "query_vector": v.tolist(), "k": k + 1,
                           "num_candidates": 100,
                           "filter": {"bool": {"must_not": [{"ids": {"values": [article_id]}}]}}})
        return [(h["_id"], 2 * h["_score"] - 1) for h in r["hits"]["hits"]][:k]

    def _reader(self) -> str | None:
        return self.alias if self._live() else None

    def _has_about(self, index: str | None = None) -> bool:
        """Whether the index has the about fields: one made before they
        existed has only the mentions until `compact()` copies it."""
        if self._about_seen:
            return True
        mapping = self._call("reading the mapping", self.es.indices.get_mapping,
                             index=index or self.alias)
        has = all("people_about" in m["mappings"].get("properties", {})
                  for m in mapping.values())
        self._about_seen = has and index is None  # a new index never loses them
        return has

    def _in_scope(self, req: SearchRequest) -> SearchRequest:
        """In an index without about fields, every mention counts as about."""
        if req.scope == "about" and not self._has_about():
            return replace(req, scope="mentioned")
        return req

    def _search(self, alias: str, req: SearchRequest, meaning) -> SearchResult:
        result = _Search(self, self._in_scope(req), meaning).run()
        result.request = req
        return result

    def _iter_results(self, alias: str, req: SearchRequest, meaning, batch: int):
        ranked = _Search(self, self._in_scope(req), meaning).ranked_all()
        for lo in range(0, len(ranked), batch):
            page = ranked[lo:lo + batch]
            docs = self._call("fetching articles", self.es.mget, index=alias,
                              ids=[i for i, _ in page], source_excludes=["passages.vector"])
            found = {d["_id"]: d["_source"] for d in docs["docs"] if d.get("found")}
            for i, score in page:
                if i in found:
                    yield _stored(found[i]), score


def _transient(response: dict) -> bool:
    """A shard that is moving or a node that left, not a bad query: a 503 or
    5xx status, or partial shard failures in an answer that has no error."""
    if "error" not in response:
        return True
    return int(response.get("status") or 0) >= 500


def _error_reason(response: dict) -> str:
    error = response["error"]
    return error.get("reason") or str(error) if isinstance(error, dict) else str(error)


class _Search:
    """One search in one or two round trips: the ranked lists first (both
    keyword queries, strict and relaxed, and the meaning side), then, with the
    relevance floor and the keyword query in force known, the facets."""

    def __init__(self, store: ElasticStore, req: SearchRequest, meaning: QueryVector | None):
        self.store, self.req = store, req
        self.qvec = meaning.vector if meaning is not None else None
        self.floor = meaning.floor if meaning is not None else fusion.MIN_SIMILARITY
        self.query = parse(req.q)
        self.terms = self.query.terms()
        self.keyword_query: dict | None = None
        self.relaxed = False
        self.words: set[str] = set()  # ids known to have every word (of those seen)
        self.some_words: set[str] = set()  # ids known to match by words
        self.meaning: set[str] = set()
        self.best: dict[str, int] = {}  # id -> best passage by meaning
        self.totals = (0, 0, 0)  # total, keyword_total, semantic_total
        self.facet_values: dict = {}

    def msearch(self, searches: list[tuple[str, dict]]) -> dict:
        if not searches:
            return {}
        body = []
        for _, s in searches:
            body.extend([{"index": self.store.alias}, s])
        for pause in SHARD_PAUSES + (None,):
            resp = self.store._call("a search", self.store.es.msearch, searches=body)
            answers, failed = {}, None
            for (name, _), r in zip(searches, resp["responses"]):
                if "error" in r:
                    failed = (name, r)
                    break
                if r.get("_shards", {}).get("failed"):
                    failed = (name, r)
                answers[name] = r
            if failed is None:
                return answers
            if pause is None or not _transient(failed[1]):
                break
            time.sleep(pause)
        name, r = failed
        if "error" not in r:
            raise StoreUnavailable(f"Elasticsearch answered the {name} search from only some of "
                                   f"its shards ({r['_shards']['failed']} failed); try again "
                                   "shortly")
        if _transient(r):
            raise StoreUnavailable(f"Elasticsearch could not run the {name} search: "
                                   f"{_error_reason(r)}; a node may be restarting, try again "
                                   "shortly")
        raise StoreError(f"Elasticsearch could not run the {name} search: {_error_reason(r)}")

    def run(self) -> SearchResult:
        req = self.req
        window = min(MAX_WINDOW, req.offset + req.size)
        facets = {}
        if not req.q:
            searches = [("newest", esquery.newest_request(req))] + \
                (self.facet_searches() if req.facets else [])
            answers = self.msearch(searches)
            r = answers["newest"]
            page = [(h["_id"], 0.0) for h in r["hits"]["hits"]]
            total = r["hits"]["total"]["value"]
            facets = self.facets(answers) if req.facets else {}
        else:
            ranked = self.rank(window, req.facets)
            page = ranked[req.offset:req.offset + req.size]
            total = self.totals[0]
            facets = self.facet_values
        result = SearchResult(total, self.hits(page), facets, req, relaxed=self.relaxed)
        if req.q:
            result.keyword_total, result.semantic_total = self.totals[1], self.totals[2]
        return result

    def ranked_all(self) -> list[tuple[str, float]]:
        """Every match in result order, up to Elasticsearch's result window."""
        if not self.req.q:
            r = self.msearch([("newest", esquery.newest_request(self.req, 0, MAX_WINDOW))])
            return [(h["_id"], 0.0) for h in r["newest"]["hits"]["hits"]]
        return self.rank(MAX_WINDOW, False)

    def rank(self, window: int, with_facets: bool) -> list[tuple[str, float]]:
        """Round one: both keyword queries and the meaning side. Round two,
        once the keyword query in force and the floor are known: which meaning
        matches have the words, the cosine of the keyword candidates, facets."""
        req, q = self.req, self.query
        newest = req.sort == "newest"
        strict = esquery.text_query(q) if req.mode != "semantic" else None
        relaxed = esquery.text_query(q, relaxed=True) if strict is not None else None
        size = window if req.mode == "keyword" or newest else max(fusion.CANDIDATES, window)
        searches = []
        if strict is not None:
            searches.append(("strict", esquery.keyword_request(req, strict, size, newest)))
        if relaxed is not None:
            searches.append(("relaxed", esquery.keyword_request(req, relaxed, size, newest)))
            if esquery.filters(req) and not q.long:  # a paste always relaxes
                searches.append(("archive", esquery.count_request(strict, fusion.RELAX_BELOW)))
        if req.mode != "keyword" and self.qvec is not None:
            searches.append(("semantic", esquery.semantic_request(
                req, q, self.qvec, fusion.SEMANTIC_K, self.floor)))
        answers = self.msearch(searches)
        dates: dict[str, str] = {}

        def listed(name):
            out = []
            for h in answers[name]["hits"]["hits"]:
                dates[h["_id"]] = (h.get("_source") or {}).get("published") or ""
                out.append((h["_id"], float(h["_score"] or 0.0)))
            return out, answers[name]["hits"]["total"]["value"]

        kw: list[tuple[str, float]] = []
        kw_total = strict_total = n_strict = 0
        if strict is not None:
            self.keyword_query = strict
            kw, strict_total = listed("strict")
            kw_total, n_strict = strict_total, len(kw)
            every_word = answers["archive"]["hits"]["total"]["value"] \
                if "archive" in answers else strict_total
            if relaxed is not None and fusion.relax(every_word, q):
                more, relaxed_total = listed("relaxed")
                # The facets count what a click on them gives: the relaxed
                # query, though under these filters it may add nothing.
                self.keyword_query = relaxed
                if relaxed_total > strict_total:
                    ids, scores = fusion.add_relaxed(*_arrays(kw), *_arrays(more))
                    kw = list(zip(ids.tolist(), scores.tolist()))
                    kw_total, self.relaxed = relaxed_total, True
        self.some_words = {i for i, _ in kw}
        sem: list[tuple[str, float]] = []
        if "semantic" in answers:
            hits = answers["semantic"]["hits"]["hits"]
            cos = np.array([_cosine(h) for h in hits], dtype=np.float32)
            for h, c in zip(hits, cos.tolist()):
                if c < self.floor:
                    continue
                dates[h["_id"]] = (h.get("_source") or {}).get("published") or ""
                sem.append((h["_id"], c))
                inner = h.get("inner_hits", {}).get("passages", {}).get("hits", {}).get("hits")
                if inner:
                    self.best[h["_id"]] = inner[0]["_nested"]["offset"]
        self.meaning = {i for i, _ in sem}

        second = self.facet_searches() if with_facets else []
        unknown = [i for i in self.meaning if i not in self.some_words]
        if unknown and self.keyword_query is not None and kw_total > len(kw):
            second.append(("members", esquery.membership_request(req, self.keyword_query,
                                                                 unknown)))
        top = [i for i, _ in kw[:fusion.CANDIDATES]]
        if req.mode == "hybrid" and top and self.qvec is not None:
            second.append(("cosines", esquery.cosine_request(req, self.qvec, top)))
        more = self.msearch(second)
        if "members" in more:
            self.some_words |= {h["_id"] for h in more["members"]["hits"]["hits"]}
        cosine = {h["_id"]: _cosine(h) for h in more["cosines"]["hits"]["hits"]} \
            if "cosines" in more else {}
        self.facet_values = self.facets(more) if with_facets else {}

        if req.mode == "keyword":
            ranked = kw
        elif req.mode == "semantic":
            ranked = sem
        else:
            n = fusion.CANDIDATES
            ids, scores = fusion.hybrid(
                fusion.Candidates(kw[:n], sem[:n], strict=min(n_strict, n), cosine=cosine,
                                  floor=self.floor),
                q, _arrays(kw[n:])[0])
            ranked = list(zip(ids.tolist(), scores.tolist()))
        if newest:
            ranked = sorted(ranked, key=lambda p: dates.get(p[0]) or "", reverse=True)
        self.totals = fusion.totals(req.mode, kw_total, strict_total, len(sem),
                                    len(self.meaning - self.some_words))
        return ranked

    def facet_searches(self) -> list[tuple[str, dict]]:
        return [("facets:" + ",".join(group),
                 esquery.facet_request(self.req, self.query, self.qvec, fusion.SEMANTIC_K,
                                       group[0], self.keyword_query, self.floor, group[1:]))
                for group in esquery.facet_groups(self.req)]

    def facets(self, answers) -> dict:
        req = self.req
        aggs = {}
        for name, answer in answers.items():
            if name.startswith("facets:"):
                aggs.update(answer["aggregations"])
        out = {}
        for name, label in (("people", str), ("countries", country_label), ("sources", str)):
            buckets = aggs[name]["buckets"]
            out[name] = facet_values([(b["key"], b["doc_count"]) for b in buckets],
                                     getattr(req, name), req.facet_size, label)
        buckets = aggs["months"]["buckets"]
        out["months"] = month_values([(b["key_as_string"], b["doc_count"]) for b in buckets],
                                     req.date_from, req.date_to)
        return out

    def hits(self, page) -> list[Hit]:
        if not page:
            return []
        ids = [i for i, _ in page]
        r = self.store._call("fetching articles", self.store.es.mget, index=self.store.alias,
                             ids=ids, source_excludes=["passages.vector"])
        docs = {d["_id"]: d["_source"] for d in r["docs"] if d.get("found")}
        out = []
        for i, score in page:
            if i in docs:
                out.append(self.hit(i, _stored(docs[i]), score))
        return out

    def hit(self, i: str, s: StoredArticle, score: float) -> Hit:
        sims = None
        knn_passage = self.best.get(i)
        if knn_passage is not None and knn_passage < len(s.passages):
            # Elasticsearch names only the best passage by meaning; favour it.
            sims = np.zeros(len(s.passages))
            sims[knn_passage] = 0.5
        hit = make_hit(s, score, self.terms, sims)
        if self.req.q:
            hit.matched = match_kind(i in self.some_words, i in self.meaning)
        return hit


def _arrays(ranked: list[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) of a ranked list, as fusion takes them."""
    return (np.array([i for i, _ in ranked], dtype=object),
            np.array([s for _, s in ranked], dtype=np.float64))


def _cosine(hit: dict) -> float:
    # Cosine fields score (1 + cos) / 2; the stores report the cosine.
    return 2 * float(hit["_score"] or 0.0) - 1


def _source(d: IndexedArticle, about: bool = True) -> dict:
    a = d.article
    vecs = np.asarray(d.vectors, dtype=np.float32).reshape(len(d.passages), -1)
    scoped = {"people_about": d.keys("people", "about"),
              "countries_about": d.keys("countries", "about")} if about else {}
    return {
        "id": a.id, "title": a.title, "body": a.body,
        "published": a.published.isoformat() if a.published else None,
        "source": a.source, "url": a.url, "topic": a.topic,
        "people": [e.key for e in d.people], "countries": [e.key for e in d.countries],
        **scoped,
        "content_hash": d.content_hash, "model": d.model,
        "entities": {"list": [e.to_dict() for e in d.entities]},
        "passages": [{"start": p.start, "end": p.end, "vector": v.tolist()}
                     for p, v in zip(d.passages, vecs)],
    }


def _with_about(src: dict) -> dict:
    """A document copied from an index made before the about fields, with
    them, from the entities it keeps (each knows whether it is about)."""
    if "people_about" not in src:
        ents = [Entity.from_dict(e) for e in (src.get("entities") or {}).get("list", [])]
        for field, kind in (("people_about", "person"), ("countries_about", "country")):
            src[field] = [e.key for e in ents if e.kind == kind and e.about]
    return src


def _stored(src: dict) -> StoredArticle:
    pub = src.get("published")
    article = Article(src["id"], src.get("title") or "", src.get("body") or "",
                      dt.date.fromisoformat(pub) if pub else None, src.get("source"),
                      src.get("url"), src.get("topic"))
    ents = [Entity.from_dict(e) for e in (src.get("entities") or {}).get("list", [])]
    return StoredArticle(article, ents,
                         [Passage(p["start"], p["end"]) for p in src.get("passages", [])],
                         src.get("content_hash", ""), src.get("model", ""))


def _unreachable(what: str, e: Exception) -> str:
    # No address: this message reaches readers of the web page.
    return f"cannot reach Elasticsearch ({what}: {type(e).__name__}); is it running?"


def _reason(e) -> str:
    try:
        body = e.body if isinstance(e.body, dict) else json.loads(e.body)
        return body["error"]["root_cause"][0]["reason"]
    except Exception:
        return str(e)[:300]


def _item_reason(info: dict) -> str:
    err = info.get("error")
    if isinstance(err, dict):
        return f"{err.get('type')}: {err.get('reason')}"
    return str(err or info.get("status"))
