"""The Elasticsearch client as an operator configures it: several nodes in
one URL, a node that is down among them, and indices that take a replica
when a second node is there and stay green on one."""
import json
import socket
import urllib.request

import pytest

from archive.elastic import ElasticStore, parse_url
from archive.model import SearchRequest
from archive.store import StoreError
from indexer.pipeline import Indexer
from tests.conftest import SAMPLES


def test_several_nodes_and_the_alias_in_one_url():
    assert parse_url("http://es1:9200,https://es2:9201/myarchive") == (
        ["http://es1:9200", "https://es2:9201"], "myarchive")
    assert parse_url("http://es1:9200") == (["http://es1:9200"], None)
    with pytest.raises(StoreError, match="not an Elasticsearch node URL"):
        parse_url("http://es1:9200,es2:9200/myarchive")


def _refused_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def _index_settings(url: str, index: str) -> dict:
    with urllib.request.urlopen(f"{url}/{index}/_settings", timeout=5) as r:
        return next(iter(json.load(r).values()))["settings"]["index"]


def test_a_node_down_among_several_costs_no_search(es_url, es_alias, extractor, hash_embedder):
    store = ElasticStore(f"{es_url}/{es_alias}", embedder=lambda: hash_embedder)
    Indexer(store, hash_embedder, extractor).index_paths([SAMPLES / "articles.jsonl"])
    both = ElasticStore(f"{_refused_url()},{es_url}/{es_alias}", embedder=lambda: hash_embedder)
    for _ in range(4):  # whichever node the client picks first
        assert both.search(SearchRequest("Messi", mode="keyword")).total == 1


def test_indices_expand_replicas_and_a_rebuild_keeps_that(es_url, es_alias, extractor,
                                                          hash_embedder):
    store = ElasticStore(f"{es_url}/{es_alias}", embedder=lambda: hash_embedder)
    ix = Indexer(store, hash_embedder, extractor)
    ix.index_paths([SAMPLES / "articles.jsonl"])
    _assert_serving(store, es_url, store.stats()["build"])
    ix.rebuild()  # bulk-loaded without replicas or refreshes, then given both
    _assert_serving(store, es_url, store.stats()["build"])


def _assert_serving(store, url, build):
    settings = _index_settings(url, build)
    assert settings["auto_expand_replicas"] == "0-1"
    assert settings["refresh_interval"] == "1s"
    assert store.es.cluster.health(index=build)["status"] == "green"  # one node: no replica owed
