"""`newsarchive index` streams its input a window at a time: repeats of an id
are still caught across windows, the later article is the one kept, and the
progress bar knows the total before it starts."""
import json

import pytest

from archive.embedded import EmbeddedStore
from archive.embedding import HashEmbedder
from indexer import pipeline
from indexer.evaluate import NoEntities
from indexer.pipeline import Indexer, SeenIds
from indexer.readers import count_articles


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _rec(i, body="Text of the article."):
    return {"id": f"a{i}", "title": f"Headline {i}", "body": body}


@pytest.mark.parametrize("window", [2, 3, 1000])
def test_a_repeated_id_keeps_the_later_article_across_windows(tmp_path, monkeypatch, window):
    monkeypatch.setattr(pipeline, "READ_AHEAD", window)
    src = _write(tmp_path / "in.jsonl", [_rec(1), _rec(2), _rec(3), _rec(4),
                                        _rec(1, body="The corrected text.")])
    store = EmbeddedStore(tmp_path / "store", embedder=HashEmbedder, writable=True)
    summary = Indexer(store, HashEmbedder(), NoEntities()).index_paths([src])
    assert not summary.failed
    assert store.stats()["articles"] == 4
    assert store.get("a1").article.body == "The corrected text."
    [warning] = summary.warnings
    assert warning.line == 5 and "'a1'" in str(warning) and "later one is kept" in str(warning)


def test_a_rerun_finds_everything_unchanged_window_by_window(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "READ_AHEAD", 7)
    src = _write(tmp_path / "in.jsonl", [_rec(i) for i in range(30)])
    store = EmbeddedStore(tmp_path / "store", embedder=HashEmbedder, writable=True)
    first = Indexer(store, HashEmbedder(), NoEntities()).index_paths([src])
    assert first.new == 30
    _write(src, [_rec(i, body="Changed." if i == 17 else "Text of the article.")
                 for i in range(30)])
    again = Indexer(store, HashEmbedder(), NoEntities()).index_paths([src])
    assert (again.new, again.updated, again.unchanged) == (0, 1, 29)


def test_progress_counts_unchanged_articles_against_the_whole_input(tmp_path):
    src = _write(tmp_path / "in.jsonl", [_rec(i) for i in range(12)])
    store = EmbeddedStore(tmp_path / "store", embedder=HashEmbedder, writable=True)
    Indexer(store, HashEmbedder(), NoEntities()).index_paths([src])
    _write(src, [_rec(i) for i in range(15)])
    calls = []
    Indexer(store, HashEmbedder(), NoEntities()).index_paths([src], lambda d, t: calls.append((d, t)))
    assert calls[-1] == (15, 15)


def test_the_total_is_counted_without_parsing(tmp_path):
    (tmp_path / "d").mkdir()
    _write(tmp_path / "d" / "a.jsonl", [_rec(i) for i in range(5)])
    (tmp_path / "d" / "b.jsonl").write_text('{"id": "x", "title": "t", "body": "b"}')  # no last newline
    (tmp_path / "d" / "c.txt").write_text("Headline\nBody.\n")
    assert count_articles([tmp_path / "d"]) == 7


def test_seen_ids_flags_exactly_the_repeats():
    seen = SeenIds()
    flagged = []
    for start in range(0, 5000, 250):
        window = [f"id-{i % 3000}" for i in range(start, start + 250)]
        flagged += seen.add(window)
    assert flagged == [f"id-{i}" for i in range(0, 2000)]
    assert len(seen.blocks) <= 6, "blocks merge as they grow"
