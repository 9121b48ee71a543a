"""One error type with its status (archive/store.py StoreError), mapped once
for the web (page, htmx partial, JSON) and once for the CLI (exit status):
whose fault it is shows in the status, and a store that is down says
"try again" instead of blaming the request."""
import socket

import pytest
from click.testing import CliRunner

from archive.store import StoreError, StoreUnavailable
from archive.web import create_app
from newsarchive.cli import UNAVAILABLE, cli


@pytest.fixture
def dead_es():
    """An Elasticsearch URL where nothing listens: connections are refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/archive"


class RefusingStore:
    """A store that fails every search with the given error."""

    def __init__(self, error):
        self.error = error

    def known_people(self):
        return {}

    def search(self, req):
        raise self.error


def _client(monkeypatch, store, name):
    monkeypatch.setattr("archive.web.open_store", lambda url, **kw: store)
    return create_app({"STORE": name, "EMBEDDER": "hash", "WARMUP": False,
                       "TESTING": True}).test_client()


def _three_ways(client, path):
    """The page, its htmx partial and its JSON twin."""
    return (client.get(path), client.get(path, headers={"HX-Request": "true"}),
            client.get("/api" + ("/search" + path[1:] if path.startswith("/?") else path)))


def test_an_unreachable_store_is_503_with_retry_after_not_the_readers_fault(dead_es):
    client = create_app({"STORE": dead_es, "EMBEDDER": "hash", "WARMUP": False,
                         "TESTING": True}).test_client()
    page, partial, api = _three_ways(client, "/?q=peace")
    for r in (page, partial, api):
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "5"
    assert "cannot answer right now" in page.get_data(as_text=True)
    assert "cannot reach Elasticsearch" in partial.get_data(as_text=True)
    assert api.get_json()["error"]["status"] == 503
    article = client.get("/articles/a-1")
    assert article.status_code == 503  # not "no article with this id"


def test_a_refused_request_is_400(monkeypatch):
    refused = StoreError("Elasticsearch refused the keyword search: 400 bad query")
    page, partial, api = _three_ways(_client(monkeypatch, RefusingStore(refused), "refusing"),
                                     "/?q=peace")
    for r in (page, partial, api):
        assert r.status_code == 400 and "Retry-After" not in r.headers
    assert "That request did not work" in page.get_data(as_text=True)
    assert "400 bad query" in partial.get_data(as_text=True)
    assert api.get_json() == {"error": {"status": 400, "message": str(refused)}}


def test_an_overloaded_store_is_503(monkeypatch):
    busy = StoreUnavailable("Elasticsearch is overloaded or restarting; try again shortly")
    _, _, api = _three_ways(_client(monkeypatch, RefusingStore(busy), "busy"), "/?q=peace")
    assert api.status_code == 503 and api.headers["Retry-After"] == "5"
    assert api.get_json()["error"]["message"] == str(busy)


def test_a_missing_article_is_404(sample_store):
    client = create_app({"STORE": str(sample_store.root), "EMBEDDER": "hash", "WARMUP": False,
                         "TESTING": True}).test_client()
    page, partial, api = _three_ways(client, "/articles/no-such-id")
    for r in (page, partial, api):
        assert r.status_code == 404
    assert "Not found" in page.get_data(as_text=True)
    assert api.get_json()["error"]["message"] == "No article with id 'no-such-id'."


def test_cli_exits_75_when_the_store_is_unavailable(dead_es, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    for args in (["search", "peace", "--mode", "keyword"], ["stats"]):
        r = CliRunner().invoke(cli, args + ["--store", dead_es])
        assert r.exit_code == UNAVAILABLE == 75, r.output
        assert "cannot reach Elasticsearch" in r.output and "Traceback" not in r.output


def test_cli_exits_1_when_the_store_refuses(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "CURRENT").write_text("gone")
    r = CliRunner().invoke(cli, ["stats", "--store", str(tmp_path / "store")])
    assert r.exit_code == 1
    assert r.output.startswith("Error: ") and "missing its index" in r.output
