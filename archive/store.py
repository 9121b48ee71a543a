"""The storage interface both stores implement, and how to open one.

No Flask here: the indexer writes through this interface and the web page
reads through it. A store URL picks the implementation:

- a path, or `embedded:PATH` — the embedded store (tantivy + numpy), default;
- `http://host:9200` or `elasticsearch:http://...` — Elasticsearch.
"""
from __future__ import annotations

import datetime as dt

import time
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from archive.model import Article, Entity, IndexedArticle, Passage, SearchRequest, SearchResult
from newsarchive import settings

if TYPE_CHECKING:
    import numpy as np

EMPTY_ARCHIVE = "The archive is empty: run `newsarchive index PATH` first."


class StoreError(Exception):
    """The one error type a user can act on; the message says what to do.

    `status` is what it means, as an HTTP status: 400 the request (or the
    command) cannot be done as asked, 404 what it names does not exist, 503
    the store cannot answer now and `retry_after` seconds is worth waiting.
    The web app (archive/web/__init__.py) and the CLI (newsarchive/cli.py)
    each map it in one place."""

    status = 400
    retry_after: int | None = None

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class StoreUnavailable(StoreError):
    """The store cannot be reached or is overloaded: try again later."""

    status = 503
    # About what a restarting node or a replica's promotion takes.
    retry_after = 5


@dataclass
class StoredArticle:
    article: Article
    entities: list[Entity]
    passages: list[Passage]
    content_hash: str
    model: str


@dataclass
class QueryVector:
    """A query's meaning: its vector, and the cosine below which an article
    does not match by meaning (see fusion.similarity_floor)."""
    vector: "np.ndarray"
    floor: float


@dataclass
class WriteFailure:
    id: str
    reason: str


class Store(ABC):
    """One archive. Writes are buffered until `commit()`; readers see the last commit."""

    @abstractmethod
    def write(self, docs: list[IndexedArticle]) -> list[WriteFailure]:
        """Insert or replace articles by id; returns the ones that failed."""

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> int:
        """Remove articles by id (a takedown) at the next `commit()`: from
        search, facets, similar-article lists and `get`. Returns how many of
        the ids are stored."""

    @abstractmethod
    def ids_from_source(self, source: str) -> Iterator[str]:
        """Ids of the stored articles from `source` (its exact name)."""

    @abstractmethod
    def compact(self) -> None:
        """Commit, then rewrite the files so that deleted and replaced articles
        are gone from disk now, not at some later merge."""

    @abstractmethod
    def content_hashes(self) -> dict[str, str]:
        """id -> content hash of every stored article, to skip unchanged input."""

    @abstractmethod
    def hashes_for(self, ids: list[str]) -> dict[str, str]:
        """The content hash of each of `ids` that is stored: what an indexer
        streaming its input asks a window at a time."""

    @abstractmethod
    def known_people(self) -> dict[str, int]:
        """Every person in the archive with the number of articles naming them."""

    def people_dates(self) -> dict[str, tuple[dt.date, dt.date]]:
        """Each person's first and last dated article: the names book resolves
        a bare surname only to people in the news around the article's date."""
        return {}

    @abstractmethod
    def get(self, article_id: str) -> StoredArticle | None: ...

    def get_many(self, article_ids: list[str]) -> list[StoredArticle | None]:
        """`get` for each id, in order (a store may fetch them in one request)."""
        return [self.get(i) for i in article_ids]

    @abstractmethod
    def iter_articles(self) -> Iterator[StoredArticle]: ...

    # -- searching: the flow both stores share --------------------------------
    # A store supplies `_reader` (what one search reads), `_search` and
    # `_iter_results`; the rest is here so both stores behave alike.
    _embedder: Callable | None = None

    def search(self, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        reader = self._reader()
        if reader is None:
            return SearchResult(0, [], {}, req, warnings=[EMPTY_ARCHIVE])
        result = self._search(reader, req, self._meaning(req))
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def iter_results(self, req: SearchRequest, batch: int = 500) -> Iterator[tuple[StoredArticle, float]]:
        """Every match of `req` (all pages, filters and sort applied) in result
        order, with its score, fetched `batch` articles at a time so an export
        of 50,000 rows never holds 50,000 articles."""
        reader = self._reader()
        if reader is None:
            return
        yield from self._iter_results(reader, req, self._meaning(req), batch)

    def embed_query(self, q: str):
        if self._embedder is None:
            raise StoreError("semantic search needs an embedder; none was given to the store")
        from archive.embedding import embed_query

        return embed_query(self._embedder(), q)

    def _meaning(self, req: SearchRequest) -> "QueryVector | None":
        """The query's vector and relevance floor, when its mode asks for meaning."""
        if not req.q or req.mode == "keyword":
            return None
        from archive.fusion import similarity_floor
        from archive.query import parse

        # The store's search parses the same text; parse() caches it.
        text = parse(req.q).meaning
        if not any(c.isalnum() for c in text):
            return None  # '""', "£", "- - -": nothing to look for by meaning
        vector = self.embed_query(text)
        # A caller may set `embed_query` alone (bench/scale.py): the default floor then.
        embedder = self._embedder() if self._embedder is not None else None
        return QueryVector(vector, similarity_floor(embedder))

    @abstractmethod
    def _reader(self):
        """What one search reads (it must not move under the search), or None
        when the archive is empty."""

    @abstractmethod
    def _search(self, reader, req: SearchRequest, meaning: "QueryVector | None") -> SearchResult:
        """One page of results with facets and totals; `search` times it."""

    @abstractmethod
    def _iter_results(self, reader, req: SearchRequest, meaning: "QueryVector | None",
                      batch: int) -> Iterator[tuple[StoredArticle, float]]: ...

    @abstractmethod
    def similar(self, article_id: str, k: int = 5) -> list[tuple[str, float]]:
        """Nearest articles by meaning: (id, cosine similarity)."""

    @abstractmethod
    def stats(self) -> dict: ...

    @abstractmethod
    @contextmanager
    def rebuild(self) -> Iterator["Store"]:
        """A fresh, empty index to fill; switched to atomically when the block
        ends without an error, thrown away otherwise."""

    def merging(self) -> bool:
        """Whether a background merge runs, which close() waits for."""
        return False

    def close(self) -> None:
        pass


def open_store(url: str | None = None, *, embedder: Callable | None = None,
               writable: bool = False) -> Store:
    """`embedder` is a zero-argument callable returning the query embedder, so
    the model loads only when a semantic query needs it."""
    url = url or settings.STORE.get()
    if url.startswith("elasticsearch:"):
        url = url[len("elasticsearch:"):]
    if url.startswith(("http://", "https://")):
        from archive.elastic import ElasticStore

        return ElasticStore(url, embedder=embedder)
    if url.startswith("embedded:"):
        url = url[len("embedded:"):]
    from archive.embedded import EmbeddedStore

    return EmbeddedStore(url, embedder=embedder, writable=writable)
