"""A cluster that cannot answer: searches give up after one retry with a 503-
type error naming no address; writes are patient. No node needed: a local
socket that accepts and drops connections stands in for a dying cluster."""
import socket
import threading

import pytest

from archive.elastic import WRITE_RETRIES, ElasticStore
from archive.model import SearchRequest
from archive.store import StoreUnavailable


@pytest.fixture
def dropping_server():
    """Accepts connections and closes them at once; counts them."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    seen = []

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            seen.append(1)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield srv.getsockname()[1], seen
    srv.close()


def test_a_search_tries_twice_at_most_and_names_no_address(dropping_server):
    port, seen = dropping_server
    store = ElasticStore(f"http://127.0.0.1:{port}/archive")
    with pytest.raises(StoreUnavailable) as err:
        store.search(SearchRequest("peace talks", mode="keyword"))
    assert len(seen) <= 2, f"{len(seen)} attempts for one search"
    assert err.value.status == 503
    assert "127.0.0.1" not in str(err.value) and str(port) not in str(err.value)
    assert "cannot reach Elasticsearch" in str(err.value)


def test_reading_an_article_is_unavailable_not_missing(dropping_server):
    port, _ = dropping_server
    with pytest.raises(StoreUnavailable):
        ElasticStore(f"http://127.0.0.1:{port}/archive").get("a-1")


def test_writes_retry_patiently(dropping_server, monkeypatch):
    monkeypatch.setattr("archive.elastic.WRITE_BACKOFF", 0.01)  # the count, not the wait
    port, seen = dropping_server
    store = ElasticStore(f"http://127.0.0.1:{port}/archive")
    with pytest.raises(StoreUnavailable):
        store.stats()
    reads = len(seen)
    seen.clear()
    with pytest.raises(StoreUnavailable):
        store._call("creating the alias", store.writer.indices.put_alias, index="x", name="y")
    assert len(seen) == WRITE_RETRIES + 1 > reads
