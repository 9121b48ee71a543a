"""The storage interface both stores implement, and how to open one.

No Flask here: the indexer writes through this interface and the web page
reads through it. A store URL picks the implementation:

- a path, or `embedded:PATH` — the embedded store (tantivy + numpy), default;
- `http://host:9200` or `elasticsearch:http://...` — Elasticsearch.
"""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from archive.model import Article, Entity, IndexedArticle, Passage, SearchRequest, SearchResult


class StoreError(Exception):
    """A store problem a user can act on; the message says what to do.
    `status` is the HTTP status it means: 400 for the request, 503 for a store
    that cannot answer now (retry later)."""

    status = 400

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class StoreUnavailable(StoreError):
    """The store cannot be reached or is overloaded: try again later."""

    status = 503


@dataclass
class StoredArticle:
    article: Article
    entities: list[Entity]
    passages: list[Passage]
    content_hash: str
    model: str


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
    def content_hashes(self) -> dict[str, str]:
        """id -> content hash of every stored article, to skip unchanged input."""

    @abstractmethod
    def known_people(self) -> dict[str, int]:
        """Every person in the archive with the number of articles naming them."""

    @abstractmethod
    def get(self, article_id: str) -> StoredArticle | None: ...

    @abstractmethod
    def iter_articles(self) -> Iterator[StoredArticle]: ...

    @abstractmethod
    def search(self, req: SearchRequest) -> SearchResult: ...

    @abstractmethod
    def iter_results(self, req: SearchRequest, batch: int = 500) -> Iterator[tuple[StoredArticle, float]]:
        """Every match of `req` (all pages, filters and sort applied) in result
        order, with its score, fetched `batch` articles at a time so an export
        of 50,000 rows never holds 50,000 articles."""

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

    def close(self) -> None:
        pass


def default_location() -> str:
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("newsarchive"), "store")


def open_store(url: str | None = None, *, embedder: Callable | None = None,
               writable: bool = False) -> Store:
    """`embedder` is a zero-argument callable returning the query embedder, so
    the model loads only when a semantic query needs it."""
    url = url or os.environ.get("NEWSARCHIVE_STORE") or default_location()
    if url.startswith("elasticsearch:"):
        url = url[len("elasticsearch:"):]
    if url.startswith(("http://", "https://")):
        from archive.elastic import ElasticStore

        return ElasticStore(url, embedder=embedder)
    if url.startswith("embedded:"):
        url = url[len("embedded:"):]
    from archive.embedded import EmbeddedStore

    return EmbeddedStore(url, embedder=embedder, writable=writable)
