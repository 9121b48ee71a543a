"""A run that dies keeps what it committed, and the rerun does only the rest.

Faults are injected (the store raises after N commits) rather than timed
kills, so the tests say exactly what was kept."""
import json

import pytest
from click.testing import CliRunner

from archive.embedded import EmbeddedStore
from archive.embedding import HashEmbedder
from newsarchive.cli import cli
from indexer.evaluate import NoEntities
from indexer.pipeline import Indexer, Summary


class Crash(Exception):
    pass


class CrashAfterCommits:
    """The store, until its `n`-th commit has happened; then the next write dies,
    as a kill -9 would stop the run between two commits."""

    def __init__(self, store, n):
        self.store, self.n, self.commits = store, n, 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    def commit(self):
        self.store.commit()
        self.commits += 1

    def write(self, docs):
        if self.commits >= self.n:
            raise Crash(f"killed after {self.commits} commits")
        return self.store.write(docs)


def _corpus(tmp_path, n):
    f = tmp_path / "many.jsonl"
    f.write_text("".join(json.dumps({"id": f"a{i:04d}", "title": f"Story {i}",
                                     "body": f"Report number {i} about the harbour."}) + "\n"
                         for i in range(n)))
    return f


def _indexer(path, **kw):
    emb = HashEmbedder()
    store = EmbeddedStore(path, embedder=lambda: emb, writable=True)
    return Indexer(store, emb, NoEntities(), batch_size=10, **kw)


def test_a_run_killed_mid_way_keeps_its_commits_and_the_rerun_does_the_rest(tmp_path):
    corpus = _corpus(tmp_path, 95)
    ix = _indexer(tmp_path / "store", commit_every=20, commit_seconds=3600)
    ix.store = CrashAfterCommits(ix.store, 2)
    with pytest.raises(Crash):
        ix.index_paths([corpus])
    ix.store.store.close()

    kept = EmbeddedStore(tmp_path / "store").stats()["articles"]
    assert kept == 40, "two commits of 20 articles each survive the crash"

    ix = _indexer(tmp_path / "store", commit_every=20, commit_seconds=3600)
    summary = ix.index_paths([corpus])
    ix.store.close()
    assert (summary.unchanged, summary.new, summary.failed) == (40, 55, [])
    assert EmbeddedStore(tmp_path / "store").stats()["articles"] == 95


def test_commits_also_happen_by_time(tmp_path, monkeypatch):
    corpus = _corpus(tmp_path, 50)
    ix = _indexer(tmp_path / "store", commit_every=10_000, commit_seconds=30)
    now = [1000.0]

    def clock():
        now[0] += 11.0  # each batch of 10 "takes" 11 s: a commit every third batch
        return now[0]

    ix.clock = clock
    ix.store = CrashAfterCommits(ix.store, 1)
    with pytest.raises(Crash):
        ix.index_paths([corpus])
    ix.store.store.close()
    assert EmbeddedStore(tmp_path / "store").stats()["articles"] == 30


def test_a_whole_run_commits_everything_at_the_end(tmp_path):
    corpus = _corpus(tmp_path, 25)
    ix = _indexer(tmp_path / "store", commit_every=500, commit_seconds=30)
    counting = CrashAfterCommits(ix.store, 10**9)
    ix.store = counting
    summary = ix.index_paths([corpus])
    counting.store.close()
    assert summary.new == 25 and counting.commits == 1
    assert EmbeddedStore(tmp_path / "store").stats()["articles"] == 25


def test_the_defaults_commit_every_500_articles_or_30_seconds(tmp_path):
    ix = _indexer(tmp_path / "store")
    ix.store.close()
    assert (ix.commit_every, ix.commit_seconds) == (500, 30.0)


def test_cli_commit_settings_reach_the_indexer(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSARCHIVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    seen = {}
    real = Indexer.__init__

    def spy(self, *a, **kw):
        real(self, *a, **kw)
        seen.update(every=self.commit_every, seconds=self.commit_seconds)

    monkeypatch.setattr(Indexer, "__init__", spy)
    monkeypatch.setattr(Indexer, "index_paths", lambda self, paths, progress=None: Summary())
    r = CliRunner().invoke(cli, ["index", str(tmp_path), "--commit-every", "7",
                                 "--commit-seconds", "2.5"])
    assert r.exit_code == 0, r.output
    assert seen == {"every": 7, "seconds": 2.5}
    monkeypatch.setenv("NEWSARCHIVE_COMMIT_EVERY", "9")
    CliRunner().invoke(cli, ["index", str(tmp_path)])
    assert seen["every"] == 9


def test_a_reindex_streams_the_stored_articles_a_batch_at_a_time(tmp_path, monkeypatch):
    ix = _indexer(tmp_path / "store")
    ix.index_paths([_corpus(tmp_path, 95)])
    read, at_first_write = [], []
    stored = ix.store.iter_articles

    def counted():
        for s in stored():
            read.append(s.article.id)
            yield s

    real_write = EmbeddedStore.write

    def write(self, docs):
        at_first_write.append(len(read))
        return real_write(self, docs)

    monkeypatch.setattr(ix.store, "iter_articles", counted)
    monkeypatch.setattr(EmbeddedStore, "write", write)
    seen = []
    summary = ix.rebuild(progress=lambda done, total: seen.append((done, total)))
    # A first pass reads the names' dates (one entry per person is kept), the
    # second streams the articles through the pipeline.
    assert summary.new == 95 and len(read) == 2 * 95
    assert at_first_write[0] == 95 + 10, "the first batch is written before the rest is read"
    assert seen[-1] == (95, 95) and seen[0] == (10, 95)
