import json
import os
import signal

import pytest
from click.testing import CliRunner

from archive.elastic import ElasticStore
from archive.embedded import EmbeddedStore
from archive.embedding import HashEmbedder
from indexer import evaluate
from indexer.embedcache import EmbedCache
from indexer.evaluate import NoEntities, load_beir, mrr_at, ndcg_at, recall_at
from indexer.pipeline import Indexer
from newsarchive.cli import cli
from tests.conftest import ROOT, SAMPLES

FIX = ROOT / "tests" / "fixtures" / "eval"


def test_metrics_by_hand():
    rels = {"a": 1, "b": 1}
    assert ndcg_at(["a", "b", "c"], rels) == 1.0
    assert round(ndcg_at(["c", "a"], {"a": 1}), 4) == round(1 / 1.5849625, 4)
    assert mrr_at(["x", "y", "a"], rels) == 1 / 3 and mrr_at(["x"] * 20 + ["a"], rels) == 0
    assert recall_at(["a", "x"], rels) == 0.5


def test_qrels_about_missing_documents_are_dropped():
    s = load_beir(FIX / "queries.jsonl", FIX / "qrels" / "test.tsv", {"s-001", "s-009"})
    assert set(s.queries) == {"q1", "q2", "q4"} and s.qrels["q4"] == {"s-001": 1}


def test_eval_command_reports_each_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    monkeypatch.setenv("NEWSARCHIVE_CACHE", str(tmp_path))
    r = CliRunner().invoke(cli, ["eval", "--corpus", str(SAMPLES / "articles.jsonl"),
                                 "--queries", str(FIX / "queries.jsonl"),
                                 "--qrels", str(FIX / "qrels" / "test.tsv"), "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["queries"] == 5 and report["indexed"] == 22
    for mode in ("keyword", "semantic", "hybrid"):
        m = report["results"][mode]
        assert 0 <= m["ndcg@10"] <= 1 and m["queries"] == 5
    # Headline queries find their article first by keyword.
    assert report["results"]["keyword"]["mrr@10"] >= 0.8
    table = CliRunner().invoke(cli, ["eval", "--corpus", str(SAMPLES / "articles.jsonl"),
                                     "--queries", str(FIX / "queries.jsonl"),
                                     "--qrels", str(FIX / "qrels" / "test.tsv"),
                                     "--no-titles", "--mode", "keyword"])
    assert "nDCG@10" in table.output and "keyword" in table.output


def _eval(*extra):
    return CliRunner().invoke(cli, ["eval", "--corpus", str(SAMPLES / "articles.jsonl"),
                                    "--queries", str(FIX / "queries.jsonl"),
                                    "--qrels", str(FIX / "qrels" / "test.tsv"),
                                    "--mode", "keyword", "--json", *extra])


@pytest.fixture
def hash_model(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    monkeypatch.setenv("NEWSARCHIVE_CACHE", str(tmp_path / "cache"))


def test_eval_refuses_a_path_that_holds_a_store_and_leaves_it_alone(tmp_path, hash_model):
    archive = tmp_path / "archive"
    assert CliRunner().invoke(cli, ["index", str(SAMPLES / "articles.jsonl"),
                                    "--store", str(archive)]).exit_code == 0
    before = sorted(p.relative_to(archive) for p in archive.rglob("*"))
    r = _eval("--store", str(archive))
    assert r.exit_code == 1 and "already holds files" in r.output
    assert sorted(p.relative_to(archive) for p in archive.rglob("*")) == before
    assert EmbeddedStore(archive).stats()["articles"] == 22


def test_eval_into_a_new_path_deletes_it_afterwards(tmp_path, hash_model):
    r = _eval("--store", str(tmp_path / "scratch"))
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["indexed"] == 22 and not (tmp_path / "scratch").exists()


def _indices(url, pattern):
    from elasticsearch import Elasticsearch

    return set(Elasticsearch(url).indices.get(index=pattern, allow_no_indices=True,
                                              ignore_unavailable=True))


def test_eval_refuses_a_live_elasticsearch_alias(es_url, es_alias, hash_model):
    live = ElasticStore(f"{es_url}/{es_alias}", embedder=lambda: HashEmbedder())
    Indexer(live, HashEmbedder(), NoEntities(), EmbedCache()).index_paths(
        [SAMPLES / "articles.jsonl"])
    r = _eval("--store", f"{es_url}/{es_alias}")
    assert r.exit_code == 1 and f"'{es_alias}' is already in use" in r.output
    assert live.stats()["articles"] == 22
    assert len(_indices(es_url, f"{es_alias}*")) == 1


def test_eval_on_elasticsearch_deletes_its_index(es_url, es_alias, hash_model):
    r = _eval("--store", f"{es_url}/{es_alias}")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["results"]["keyword"]["mrr@10"] >= 0.8
    assert not _indices(es_url, f"{es_alias}*")


def test_eval_without_an_alias_never_touches_the_default_one(es_url, hash_model):
    before = _indices(es_url, "*")
    r = _eval("--store", es_url)
    assert r.exit_code == 0, r.output
    assert _indices(es_url, "*") == before


@pytest.mark.parametrize("how", ["error", "kill"])
def test_eval_interrupted_deletes_its_index(es_url, es_alias, hash_model, monkeypatch, how):
    def stop(store, *args, **kwargs):
        assert store.stats()["articles"] == 22  # the index was built
        if how == "kill":
            os.kill(os.getpid(), signal.SIGTERM)
        raise RuntimeError("the model fell over")

    monkeypatch.setattr(evaluate, "run", stop)
    r = _eval("--store", f"{es_url}/{es_alias}")
    assert r.exit_code != 0
    assert not _indices(es_url, f"{es_alias}*")
