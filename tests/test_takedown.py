"""Takedowns through the library the `delete` and `compact` commands call."""
import pytest

from archive.embedded import EmbeddedStore
from archive.model import SearchRequest
from archive.store import StoreError
from indexer import takedown
from indexer.pipeline import Indexer
from tests.conftest import SAMPLES


@pytest.fixture
def store(tmp_path, hash_embedder, extractor):
    s = EmbeddedStore(tmp_path / "store", embedder=lambda: hash_embedder, writable=True)
    Indexer(s, hash_embedder, extractor).index_paths([SAMPLES / "articles.jsonl"])
    yield s
    s.close()


def ids(store, **kw):
    return {h.id for h in store.search(SearchRequest(size=50, **kw)).hits}


def test_a_file_of_ids_with_notes_deletes_those_it_names(store, tmp_path):
    request = tmp_path / "takedown.txt"
    request.write_text("# request 2025-11-02 from the rights holder\n"
                       "s-009\n\n  s-010  \nno-such-article\ns-009\n")
    removed = takedown.delete_file(store, request)
    assert (removed.asked, removed.found, removed.missing) == (3, 2, 1)
    assert not {"s-009", "s-010"} & ids(store), "gone without a separate commit"
    assert len(ids(store)) == 20


def test_a_source_is_taken_down_whole_and_compaction_shrinks_the_disk(store):
    sports = ids(store, sources=["Sports Tonight"])
    assert takedown.delete_source(store, "Sports Tonight").found == len(sports) > 0
    assert not sports & ids(store)
    before, after = takedown.compact(store)
    assert after < before
    assert store.get(sorted(sports)[0]) is None and len(ids(store)) == 22 - len(sports)


def test_an_unreadable_ids_file_is_a_short_error(store, tmp_path):
    bad = tmp_path / "ids.bin"
    bad.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(StoreError, match="cannot read ids"):
        takedown.delete_file(store, bad)


def test_a_running_web_server_stops_showing_a_deleted_article(store):
    from archive.web import create_app

    client = create_app({"STORE": str(store.root), "EMBEDDER": "hash",
                         "TESTING": True}).test_client()
    assert client.get("/api/articles/s-009").status_code == 200
    assert "s-009" in {i["id"] for i in client.get("/api/articles/s-010").get_json()["similar"]}
    takedown.delete_ids(store, ["s-009"])
    assert client.get("/api/articles/s-009").status_code == 404
    assert client.get("/articles/s-009").status_code == 404
    assert client.get("/api/search?q=Messi&mode=keyword").get_json()["total"] == 0
    similar = client.get("/api/articles/s-010").get_json()["similar"]
    assert "s-009" not in {i["id"] for i in similar}
