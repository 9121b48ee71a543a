import json

import pytest
from click.testing import CliRunner

from newsarchive.cli import cli
from tests.conftest import SAMPLES, SEED


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSARCHIVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    return tmp_path


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_index_search_stats_roundtrip(env):
    r = run("index", str(SAMPLES))
    assert r.exit_code == 0, r.output
    assert "new: 36" in r.output and "failed: 0" in r.output
    r = run("index", str(SAMPLES))
    assert "new: 0" in r.output and "unchanged: 36" in r.output
    r = run("search", "Messi", "--mode", "keyword")
    assert "1 results" in r.output and "Argentina beat Brazil" in r.output
    r = run("search", "--country", "HU", "--json")
    data = json.loads(r.output)
    assert data["total"] >= 2 and all("HU" in h["countries"] for h in data["hits"])
    r = run("stats", "--json")
    assert json.loads(r.output)["articles"] == 36
    by_relevance = json.loads(run("search", "president", "--json").output)["hits"]
    r = run("search", "president", "--sort", "newest", "--json")
    newest = json.loads(r.output)["hits"]
    dates = [h["published"] or "" for h in newest]
    assert dates == sorted(dates, reverse=True) and newest != by_relevance


def test_bad_input_is_summarised_and_sets_the_exit_status(env):
    bad = env / "bad.jsonl"
    bad.write_text('{"id": "good", "title": "T", "body": "Fine text."}\nnot json\n'
                   '{"id": "nobody", "title": "T", "body": ""}\n')
    r = CliRunner().invoke(cli, ["index", str(bad), str(SEED)])
    assert r.exit_code == 1
    assert "new: 2" in r.output and "failed: 2" in r.output
    assert f"{bad}:2: not valid JSON" in r.output
    assert f"{bad}:3: article 'nobody' has no body" in r.output
    r = CliRunner().invoke(cli, ["index", str(bad), "--json"])
    data = json.loads(r.output)
    assert data["failed"] == 2 and data["unchanged"] == 1 and len(data["problems"]) == 2


def test_reindex_keeps_everything(env):
    run("index", str(SAMPLES / "articles.jsonl"))
    r = run("reindex")
    assert r.exit_code == 0 and "new: 22" in r.output
    assert json.loads(run("stats", "--json").output)["articles"] == 22


def test_user_errors_are_short_messages(env):
    r = CliRunner().invoke(cli, ["search", "x", "--from", "yesterday"])
    assert r.exit_code == 2 and "not a date" in r.output
    r = CliRunner().invoke(cli, ["index"])
    assert r.exit_code == 2 and "Missing argument" in r.output


def test_every_command_has_an_example_in_its_help():
    for name in ("index", "reindex", "search", "stats", "serve"):
        r = run(name, "--help")
        assert "Example:" in r.output and "newsarchive" in r.output


def test_delete_and_compact_take_articles_down(env):
    run("index", str(SAMPLES / "articles.jsonl"))
    request = env / "takedown.txt"
    request.write_text("# takedown\ns-010\n")
    r = run("delete", "s-009", "nope", "--ids-file", str(request))
    assert r.exit_code == 0 and "deleted 2 articles; 1 id not in the archive" in r.output
    assert "0 results" in run("search", "Messi", "--mode", "keyword").output
    r = run("delete", "--source", "Daily Ledger", "--compact")
    assert r.exit_code == 0 and "deleted" in r.output
    assert "Daily Ledger" not in run("search", "--json").output
    r = run("compact")
    assert r.exit_code == 0 and "MB on disk" in r.output
    assert json.loads(run("stats", "--json").output)["articles"] < 20
    assert run("delete").exit_code == 2
    for name in ("delete", "compact"):
        assert "Example:" in run(name, "--help").output


def test_a_mistyped_store_is_not_a_takedown_that_ran(env):
    typo = env / "typo"
    for args in (("delete", "s-009"), ("compact",)):
        r = CliRunner().invoke(cli, [*args, "--store", str(typo)])
        assert r.exit_code == 1 and "no archive with articles" in r.output, r.output
    assert not typo.exists()
