import json

from click.testing import CliRunner

from newsarchive.cli import cli
from indexer.evaluate import load_beir, mrr_at, ndcg_at, recall_at
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
