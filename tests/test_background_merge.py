"""Merges of the embedded store run in a thread of the writer: commits go on
meanwhile, what they delete or edit stays so once the merge publishes,
readers see whole generations, a merge's error is reported and a writer
killed mid-merge loses nothing."""
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import archive.embedded as embedded
import archive.segments as segments
from archive.model import SearchRequest
from archive.store import StoreError
from tests.test_store_segments import doc, everything, store

ROOT = Path(__file__).resolve().parent.parent
EDITED = "Edited story about glaciers."


class Gate:
    """Holds the background merge inside its segment write (its temporary
    directory exists) until the test opens the gate."""

    def __init__(self):
        self.entered = threading.Event()
        self.release = threading.Event()


@pytest.fixture
def gate(monkeypatch):
    g = Gate()
    real = segments._write_vectors

    def held(*args, **kw):
        if threading.current_thread() is not threading.main_thread():
            g.entered.set()
            g.release.wait(60)  # only so that a failing test cannot hang the suite
        return real(*args, **kw)

    monkeypatch.setattr(segments, "_write_vectors", held)
    yield g
    g.release.set()


def commits(w, ids) -> None:
    """One commit per group of ids."""
    for group in ids:
        w.write([doc(i) for i in group])
        w.commit()


def build_files(path: Path) -> set[str]:
    return {p.name for p in next((path / "builds").iterdir()).iterdir()}


def garbage(path: Path) -> set[str]:
    """Files of the build that no generation on disk names (a writer keeps
    the one before the live one, for readers still loading it)."""
    build = next((path / "builds").iterdir())
    gens = [n for n in build_files(path) if n.startswith("gen-")]
    assert len(gens) <= 2
    named = set(gens).union(*(segments.Manifest.read(build / g).files() for g in gens))
    return {n for n in build_files(path) - named if n not in ("tantivy", "HEAD")}


def test_commits_publish_while_a_merge_runs(tmp_path, gate):
    w = store(tmp_path, writable=True)
    commits(w, [[0], [1], [2], [3]])  # the fourth one-row segment makes a merge due
    assert gate.entered.wait(30)
    merging = [n for n in build_files(tmp_path) if n.startswith(".seg-")]
    assert len(merging) == 1
    commits(w, [[i] for i in range(4, 9)])  # each returns with the merge still held
    assert [n for n in build_files(tmp_path) if n.startswith(".seg-")] == merging, \
        "the commits' clean-ups leave the merge's directory alone"
    during = everything(w)
    assert during["ids"] == sorted(f"a{i}" for i in range(9))
    assert w.stats()["segments"] == 9
    assert everything(store(tmp_path)) == during
    gate.release.set()
    w.wait_for_merges()
    assert w.stats()["segments"] < 9
    assert everything(w) == during == everything(store(tmp_path))
    assert not garbage(tmp_path)


def test_deletes_and_edits_made_during_a_merge_survive_it(tmp_path, gate):
    w = store(tmp_path, writable=True)
    commits(w, [[0, 1], [2, 3], [4, 5]])
    w.delete(["a2"])  # dead before the merge starts: not in the merged segment
    commits(w, [[6, 7]])
    assert gate.entered.wait(30)
    reader = store(tmp_path)
    # a3 follows a dead row in its segment, so its merged row number is not its old one.
    w.delete(["a3", "a7"])
    w.write([doc(5, body=EDITED)])
    w.commit()
    expected = ["a0", "a1", "a4", "a5", "a6"]
    assert everything(reader)["ids"] == expected
    gate.release.set()
    w.wait_for_merges()
    assert w.stats()["segments"] == 2, "the merged run and the edit's segment"
    for s in (w, reader, store(tmp_path)):
        seen = everything(s)
        assert seen["ids"] == sorted(seen["iter"]) == expected
        assert seen["total"] == seen["articles"] == 5
        assert seen["bodies"]["a5"] == EDITED
        assert s.get("a3") is None and s.get("a7") is None
        assert [h.id for h in s.search(SearchRequest("glaciers", mode="keyword")).hits] == ["a5"]
        harbour = s.search(SearchRequest("harbour", mode="hybrid", size=50))
        assert {h.id for h in harbour.hits} <= {"a0", "a1", "a4", "a6", "a5"}
        assert "a5" not in [h.id for h in s.search(SearchRequest(
            "harbour", mode="keyword", size=50)).hits], "the old text of a5 is gone"
        assert s.hashes_for(["a5"]) == {"a5": doc(5, body=EDITED).content_hash}


def test_a_reader_sees_the_generation_before_the_merge_then_the_merged_one(tmp_path, gate):
    w = store(tmp_path, writable=True)
    commits(w, [[0, 1], [2], [3], [4]])
    before = everything(w)
    early = store(tmp_path)
    assert gate.entered.wait(30)
    during = store(tmp_path)  # opened while the merge runs
    assert everything(during) == everything(early) == before
    assert during.stats()["segments"] == 4
    gate.release.set()
    w.wait_for_merges()
    for s in (early, during):
        assert everything(s) == before
        assert s.stats()["segments"] == 1


@pytest.mark.parametrize("step", ["merged", "manifest", "pending", "tantivy", "head"])
def test_a_merge_that_fails_at_any_step_loses_nothing_and_says_so(tmp_path, monkeypatch,
                                                                   caplog, step):
    class Crash(Exception):
        pass

    def crash(name):
        if name == step and threading.current_thread() is not threading.main_thread():
            raise Crash(f"merge stopped at {name}")

    w = store(tmp_path, writable=True)
    commits(w, [[0, 1], [2], [3]])
    w.delete(["a1"])
    w.commit()
    before = everything(w)
    reader = store(tmp_path)
    monkeypatch.setattr(embedded, "_step", crash)
    with caplog.at_level(logging.ERROR, logger="archive.embedded"):
        commits(w, [[4]])  # makes the merge due; it fails in the background
        w._merge_thread.join()  # only so that the next commit surely finds the error
    assert "background merge" in caplog.text and "Crash" in caplog.text
    after = dict(before, ids=sorted(before["ids"] + ["a4"]))
    w.write([doc(5)])
    with pytest.raises(StoreError, match=f"merge stopped at {step}"):
        w.commit()
    seen = everything(reader)
    assert seen["ids"] == after["ids"] and seen["total"] == seen["articles"] == 4
    monkeypatch.setattr(embedded, "_step", lambda name: None)
    w.commit()  # the batch was kept; this commit starts the merge again
    w.wait_for_merges()
    final = everything(store(tmp_path))
    assert final["ids"] == sorted(after["ids"] + ["a5"])
    assert w.stats()["segments"] == 1 and not garbage(tmp_path)


def test_a_merge_error_is_raised_by_close(tmp_path, monkeypatch):
    def broken(*args, **kw):
        raise OSError("No space left on device")

    monkeypatch.setattr(embedded, "merge_segments", broken)
    w = store(tmp_path, writable=True)
    commits(w, [[0], [1], [2], [3]])
    with pytest.raises(StoreError, match="No space left"):
        w.close()
    monkeypatch.undo()
    again = store(tmp_path, writable=True)  # the lock was released
    assert everything(again)["ids"] == ["a0", "a1", "a2", "a3"]
    again.close()


def test_compact_waits_for_the_running_merge(tmp_path, gate):
    w = store(tmp_path, writable=True)
    commits(w, [[0, 1], [2], [3], [4]])
    assert gate.entered.wait(30)
    w.delete(["a2"])  # committed by compact, during the merge
    done = []
    compacting = threading.Thread(target=lambda: done.append(w.compact()))
    compacting.start()
    gate.release.set()
    compacting.join()
    w.wait_for_merges()
    assert done and w.stats()["segments"] == 1
    after = everything(w)
    assert after == everything(store(tmp_path))
    assert after["ids"] == after["iter"] == ["a0", "a1", "a3", "a4"] and not garbage(tmp_path)


def test_without_background_merges_the_commit_merges(tmp_path):
    w = store(tmp_path, writable=True, background_merges=False)
    commits(w, [[0], [1], [2], [3]])
    assert w.stats()["segments"] == 1 and w._merge_thread is None


KILLED_WRITER = """
import sys, threading
from pathlib import Path
import archive.embedded as embedded
from tests.test_store_segments import doc, store

path = Path(sys.argv[1])

def stuck(name):
    # The merged segment is written; the writer is killed before publishing it.
    if name == "merged" and threading.current_thread() is not threading.main_thread():
        (path / "MERGED").touch()
        threading.Event().wait()

embedded._step = stuck
w = store(path, writable=True)
for i in range(4):
    w.write([doc(i)])
    w.commit()
while not (path / "MERGED").exists():
    threading.Event().wait(0.05)
w.delete(["a1"])
w.write([doc(2, body=sys.argv[2])])
w.commit()
(path / "COMMITTED").touch()
threading.Event().wait()
"""


def test_a_writer_killed_mid_merge_loses_nothing_and_leaves_no_garbage(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(tmp_path), EDITED],
                             cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120  # a bound for a broken child, not a measurement
        while not (tmp_path / "COMMITTED").exists():
            assert child.poll() is None, "the writer died before the kill"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        unpublished = garbage(tmp_path)
        assert any(n.startswith("seg-") for n in unpublished), \
            "the finished merge's segment outlived the commit made meanwhile"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    expected = ["a0", "a2", "a3"]
    assert everything(store(tmp_path))["ids"] == expected
    w = store(tmp_path, writable=True)
    seen = everything(w)
    assert seen["ids"] == expected and seen["bodies"]["a2"] == EDITED
    w.write([doc(9)])
    w.commit()
    w.wait_for_merges()
    assert everything(store(tmp_path))["ids"] == sorted(expected + ["a9"])
    assert not garbage(tmp_path) and not any(n.startswith(".") for n in build_files(tmp_path))
    head = next((tmp_path / "builds").iterdir()) / "HEAD"
    assert json.loads((head.parent / head.read_text().strip()).read_text())["segments"]


def test_an_index_run_ends_with_its_merges_published(tmp_path, monkeypatch, gate):
    from click.testing import CliRunner

    from archive.embedded import EmbeddedStore
    from newsarchive.cli import cli
    from tests.conftest import SAMPLES

    monkeypatch.setenv("NEWSARCHIVE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSARCHIVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    merging_after_close = []
    real_close = EmbeddedStore.close

    def close(self):
        gate.release.set()  # a held merge goes on only once the run is closing
        real_close(self)
        thread = self._merge_thread
        merging_after_close.append(thread is not None and thread.is_alive())

    monkeypatch.setattr(EmbeddedStore, "close", close)
    # One segment a run: the fourth run's commit makes a merge due.
    for part in ("txt", "html", "feeds", "articles.jsonl"):
        gate.release.clear()
        r = CliRunner().invoke(cli, ["index", str(SAMPLES / part)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    assert gate.entered.is_set(), "the last run made a merge due"
    assert merging_after_close == [False] * 4
    t = store(tmp_path / "store").table
    assert segments.plan_merge([s.rows - len(d) for s, d in zip(t.segments, t.deads)]) is None
    assert t.live_count == 36 and not garbage(tmp_path / "store")


def cli_run(tmp_path, monkeypatch, gate) -> tuple:
    """The CLI on a fresh store under tmp_path and a feed of 320 stories (a
    commit per batch of 64 makes merges due); the held merge is let go when
    the run closes its store."""
    from click.testing import CliRunner

    from newsarchive.cli import cli

    monkeypatch.setenv("NEWSARCHIVE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSARCHIVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    feed = tmp_path / "a.jsonl"
    feed.write_text("\n".join(json.dumps({"id": f"n{i}", "title": f"Story {i}",
                                          "body": f"Harbour story number {i}."})
                              for i in range(64 * 5)))
    real_close = embedded.EmbeddedStore.close

    def close(self):
        gate.release.set()
        real_close(self)

    def run(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return feed, run, lambda: monkeypatch.setattr(embedded.EmbeddedStore, "close", close)


def test_the_cli_says_it_waits_for_a_merge_when_an_index_run_ends(tmp_path, gate, monkeypatch):
    feed, run, hold_until_close = cli_run(tmp_path, monkeypatch, gate)
    hold_until_close()
    r = run("index", str(feed), "--commit-every", "1")
    assert r.exit_code == 0, r.output
    assert gate.entered.is_set()
    assert "waiting for a background merge" in r.stderr
    assert "new: 320" in r.stdout


def test_merging_says_whether_a_merge_runs(tmp_path, gate):
    w = store(tmp_path, writable=True)
    assert not w.merging()
    commits(w, [[0], [1], [2], [3]])
    assert gate.entered.wait(30) and w.merging()
    gate.release.set()
    w.wait_for_merges()
    assert not w.merging()


def test_the_cli_says_it_waits_for_a_merge_when_a_reindex_ends(tmp_path, gate, monkeypatch):
    import indexer.pipeline as pipeline

    feed, run, hold_until_close = cli_run(tmp_path, monkeypatch, gate)
    gate.release.set()  # the first run's merges go through
    assert run("index", str(feed)).exit_code == 0
    gate.release.clear()
    gate.entered.clear()
    monkeypatch.setattr(pipeline, "REBUILD_COMMIT_EVERY", 64)  # a commit per batch
    hold_until_close()
    r = run("reindex")
    assert r.exit_code == 0, r.output
    assert gate.entered.is_set()
    assert "waiting for a background merge" in r.stderr
