"""A real two-node Elasticsearch cluster loses a node during searches and a bulk load.

`scripts/elasticsearch pair-start` runs node-a (master and data) and node-b
(data only) as one cluster; with one replica every shard has a copy on each.
Stopping node-b while searches run against one index and a bulk load writes
another must cost neither an answer nor an article.

The store creates its indices with `auto_expand_replicas: 0-1` (archive/elastic.py),
so on the pair each has a replica; the test still sets one explicitly on both
indices before it stops the node, after moving each primary to node-b so that
the stop forces a replica's promotion.
"""
import json
import os
import subprocess
import threading
import time

import pytest

from archive.elastic import ElasticStore
from archive.embedding import HashEmbedder
from archive.model import SearchRequest
from indexer.evaluate import NoEntities
from indexer.pipeline import Indexer
from tests.conftest import ROOT, unavailable

pytestmark = pytest.mark.slow
SCRIPT = str(ROOT / "scripts" / "elasticsearch")
PORT_A, PORT_B = 9211, 9212
URL_A = f"http://127.0.0.1:{PORT_A}"


def _script(*args, port=None, timeout=600):
    env = dict(os.environ, ES_PAIR_PORT_A=str(PORT_A), ES_PAIR_PORT_B=str(PORT_B))
    if port:
        env["ES_PORT"] = str(port)
    return subprocess.run([SCRIPT, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def pair():
    r = _script("pair-start")
    if r.returncode == 3:
        unavailable(r.stderr.strip())
    assert r.returncode == 0, r.stderr
    yield URL_A
    _script("pair-stop")


def _corpus(path, prefix, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"{prefix}{i}", "title": f"Report {i} from the harbour",
                                "body": f"Officials met on day {i} to talk about ships. " * 4,
                                "published": "2025-01-01"}) + "\n")
    return path


def _primary_on_b_then_replicate(store: ElasticStore):
    """The primary moves to node-b (the node that will stop), then gets a replica on
    node-a: stopping node-b then forces a replica's promotion, the hard case."""
    es, index = store.es, store.alias
    es.indices.put_settings(index=index, settings={"index.routing.allocation.require._name": "node-b"})
    deadline = time.monotonic() + 180
    while not all(s["node"] == "node-b" for s in es.cat.shards(index=index, format="json")
                  if s["prirep"] == "p"):
        assert time.monotonic() < deadline, "the primary did not move to node-b"
        time.sleep(0.5)
    es.indices.put_settings(index=index, settings={"index.routing.allocation.require._name": None,
                                                   "number_of_replicas": 1})
    health = es.cluster.health(index=index, wait_for_status="green", timeout="180s")
    assert health["status"] == "green", health
    copies = {(s["prirep"], s["node"]) for s in es.cat.shards(index=index, format="json")}
    assert copies == {("p", "node-b"), ("r", "node-a")}, copies


class SlowWrites:
    """The store, with each bulk batch slowed so the load is still running when the node stops."""

    def __init__(self, store, seconds):
        self.store, self.seconds = store, seconds

    def __getattr__(self, name):
        return getattr(self.store, name)

    def write(self, docs):
        time.sleep(self.seconds)
        return self.store.write(docs)


def test_stopping_a_node_loses_no_answer_and_no_article(pair, tmp_path):
    emb = HashEmbedder()
    searched = ElasticStore(f"{pair}/pair-searched", embedder=lambda: emb)
    loaded = ElasticStore(f"{pair}/pair-loaded", embedder=lambda: emb)
    for s in (searched, loaded):
        s.drop()
    try:
        ix = Indexer(searched, emb, NoEntities(), batch_size=100)
        summary = ix.index_paths([_corpus(tmp_path / "s.jsonl", "s", 400)])
        assert summary.new == 400 and not summary.failed
        _primary_on_b_then_replicate(searched)

        n = 3000
        ix = Indexer(SlowWrites(loaded, 0.4), emb, NoEntities(), batch_size=50)
        load_result = {}
        loader = threading.Thread(target=lambda: load_result.update(
            summary=ix.index_paths([_corpus(tmp_path / "l.jsonl", "l", n)])))
        loader.start()
        deadline = time.monotonic() + 120
        while not loaded._live():
            assert time.monotonic() < deadline and loader.is_alive(), "the load never started"
            time.sleep(0.2)
        _primary_on_b_then_replicate(loaded)

        answers, errors, stop = [], [], threading.Event()

        def searches():
            reqs = [SearchRequest("harbour ships", mode) for mode in ("keyword", "hybrid")]
            while not stop.is_set():
                for req in reqs:
                    try:
                        answers.append(searched.search(req).total)
                    except Exception as e:
                        errors.append(f"{type(e).__name__}: {e}")

        searcher = threading.Thread(target=searches)
        searcher.start()
        time.sleep(2)
        assert loader.is_alive(), "the load ended before the node was stopped; slow it more"
        before = len(answers)
        r = _script("stop", port=PORT_B)
        assert r.returncode == 0, r.stderr
        assert loader.is_alive(), "the load ended while the node was stopping; slow it more"
        time.sleep(5)
        stop.set()
        searcher.join(60)
        loader.join(600)
        assert not loader.is_alive()

        assert errors == [], errors[:3]
        assert len(answers) > before, "searches went on after the node stopped"
        assert set(answers) == {400}, f"partial answers: {sorted(set(answers))}"
        summary = load_result["summary"]
        assert summary.failed == [] and summary.new == n
        loaded.es.indices.refresh(index=loaded.alias)
        assert loaded.es.count(index=loaded.alias)["count"] == n, "an article was lost"
        health = loaded.es.cluster.health()
        assert health["number_of_nodes"] == 1 and health["status"] in ("green", "yellow")
    finally:
        for s in (searched, loaded):
            s.drop()
