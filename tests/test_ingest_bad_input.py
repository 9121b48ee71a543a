"""Bad input costs only itself: every other article of the file is read, and
the problem is reported with file, line and reason."""
import json
import os
import threading

import pytest
from click.testing import CliRunner

from indexer import readers
from newsarchive.cli import cli
from indexer.readers import Located, Problem, read_paths
from tests.conftest import unavailable
from tests.conftest import SEED


def _split(items):
    arts = [i for i in items if isinstance(i, Located)]
    probs = [i for i in items if isinstance(i, Problem)]
    return arts, probs


def _jsonl(path, *records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def _good(n):
    return {"id": f"good-{n}", "title": f"Good {n}", "body": f"A perfectly fine article {n}."}


@pytest.mark.parametrize("bad", [
    '{"id": "huge", "title": "T", "body": "B.", "published": 1e20}',
    '{"id": "inf", "title": "T", "body": "B.", "published": Infinity}',
    '{"id": "nan", "title": "T", "body": "B.", "published": NaN}',
    '{"id": "neg", "title": "T", "body": "B.", "published": -1e300}',
    '{"title": "T", "body": "B.", "url": "http://x.example/\\udc80"}',
    '{"id": "sur\\ud800", "title": "T", "body": "B."}',
    '{"id": "obj", "title": "T", "body": "B.", "published": {"y": 2025}}',
    '{"id": "list", "title": "T", "body": "B.", "published": [2025, 1, 2]}',
])
def test_one_bad_record_costs_only_itself(tmp_path, bad):
    f = _jsonl(tmp_path / "a.jsonl", _good(1), bad, _good(2), _good(3))
    arts, probs = _split(list(read_paths([f])))
    ids = [a.article.id for a in arts]
    assert {"good-1", "good-2", "good-3"} <= set(ids)
    assert all(p.line == 2 and str(f) in str(p) for p in probs), [str(p) for p in probs]
    # The bad record is either kept (with a warning) or counted as failed: never silent.
    assert len(arts) == 4 or any(p.fatal for p in probs)
    assert probs, "the bad value is reported"


@pytest.mark.parametrize("value, shown", [
    ("true", "true"), ("false", "false"), ("1e20", "1e+20"), ("Infinity", "inf"),
    ('{"y": 2025}', "object"), ("[1, 2]", "list"),
])
def test_non_dates_are_reported_not_coerced(tmp_path, value, shown):
    f = tmp_path / "d.jsonl"
    f.write_text('{"id": "x", "title": "T", "body": "B.", "published": %s}\n' % value)
    arts, probs = _split(list(read_paths([f])))
    assert [a.article.published for a in arts] == [None], "kept, without a made-up date"
    (p,) = probs
    assert not p.fatal and p.line == 1 and "'published'" in p.reason and shown in p.reason


def test_epoch_seconds_and_iso_dates_still_parse(tmp_path):
    f = _jsonl(tmp_path / "d.jsonl", {"id": "e", "title": "T", "body": "B.", "published": 1760572800},
               {"id": "i", "title": "T", "body": "B.", "published": "2025-10-16"})
    arts, probs = _split(list(read_paths([f])))
    assert probs == []
    assert [str(a.article.published) for a in arts] == ["2025-10-16", "2025-10-16"]


def test_lone_surrogate_in_text_fields_is_replaced_with_a_warning(tmp_path):
    f = tmp_path / "s.jsonl"
    f.write_text('{"id": "s", "title": "Caf\\udce9", "body": "Body \\ud800 here, and a longer sentence after it."}\n')
    arts, probs = _split(list(read_paths([f])))
    (a,) = arts
    assert a.article.title == "Caf\ufffd" and "\ufffd" in a.article.body
    a.article.body.encode("utf-8")  # storable
    assert probs and all(not p.fatal and p.line == 1 and "surrogate" in p.reason for p in probs)


def test_a_reader_crash_on_one_record_is_reported_with_its_line(tmp_path, monkeypatch):
    real = readers.stable_id

    def flaky(given, url, title, body):
        if given == "boom":
            raise RuntimeError("something unexpected")
        return real(given, url, title, body)

    monkeypatch.setattr(readers, "stable_id", flaky)
    f = _jsonl(tmp_path / "c.jsonl", _good(1), {"id": "boom", "title": "T", "body": "B."}, _good(2))
    arts, probs = _split(list(read_paths([f])))
    assert [a.article.id for a in arts] == ["good-1", "good-2"]
    (p,) = probs
    assert p.fatal and p.line == 2 and "RuntimeError: something unexpected" in p.reason


def test_a_feed_item_that_breaks_does_not_lose_the_others(tmp_path, monkeypatch):
    real = readers.html_to_text

    def flaky(fragment):
        if "poison" in fragment:
            raise RuntimeError("bad item")
        return real(fragment)

    monkeypatch.setattr(readers, "html_to_text", flaky)
    items = "".join(f"<item><title>{t}</title><link>http://x.example/{n}</link>"
                    f"<description>Body {n}.</description></item>"
                    for n, t in enumerate(["One", "poison", "Three"]))
    f = tmp_path / "f.rss"
    f.write_text(f"<rss><channel><title>Feed</title>{items}</channel></rss>")
    arts, probs = _split(list(read_paths([f])))
    assert [a.article.title for a in arts] == ["One", "Three"]
    (p,) = probs
    assert p.fatal and p.line == 2 and "bad item" in p.reason


def test_three_bad_lines_in_three_files_lose_nothing_else(tmp_path):
    """The issue's probe: 1e20, Infinity and a lone surrogate, each in a file of good lines."""
    bads = ['{"id": "b1", "title": "T", "body": "B.", "published": 1e20}',
            '{"id": "b2", "title": "T", "body": "B.", "published": Infinity}',
            '{"title": "T", "body": "B.", "url": "http://x.example/\\udc80"}']
    for n, bad in enumerate(bads):
        _jsonl(tmp_path / f"f{n}.jsonl", _good(f"{n}a"), bad, _good(f"{n}b"), _good(f"{n}c"))
    arts, probs = _split(list(read_paths([tmp_path])))
    good = {a.article.id for a in arts if a.article.id.startswith("good-")}
    assert len(good) == 9
    assert len(probs) == 3 and all(p.line == 2 for p in probs)


# -- files that are not articles ------------------------------------------

def _need_fifos():
    if not hasattr(os, "mkfifo"):
        unavailable("no FIFOs on this platform")


def test_a_fifo_named_txt_is_skipped_not_read(tmp_path):
    _need_fifos()
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "ok.txt").write_text("Headline\nBody text.\n")
    out = []
    t = threading.Thread(target=lambda: out.extend(read_paths([tmp_path])), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "reading a FIFO must not block"
    arts, probs = _split(out)
    assert [a.article.title for a in arts] == ["Headline"]
    (p,) = probs
    assert "pipe.txt" in p.path and "not a regular file" in p.reason and p.skipped


def test_a_fifo_named_on_the_command_line_fails_without_hanging(tmp_path):
    _need_fifos()
    os.mkfifo(tmp_path / "pipe.jsonl")
    out = []
    t = threading.Thread(target=lambda: out.extend(read_paths([tmp_path / "pipe.jsonl"])),
                         daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive()
    (p,) = out
    assert p.fatal and "not a regular file" in p.reason and "no such file" not in p.reason


def test_a_device_is_not_read(tmp_path):
    if not os.path.exists("/dev/zero"):
        unavailable("no /dev/zero")
    os.symlink("/dev/zero", tmp_path / "zero.txt")
    out = []
    t = threading.Thread(target=lambda: out.extend(read_paths([tmp_path])), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "reading /dev/zero would never end"
    (p,) = out
    assert "not a regular file" in p.reason


def test_binary_named_txt_is_refused_with_a_reason(tmp_path):
    f = tmp_path / "blob.txt"
    f.write_bytes(bytes(range(256)) * 80)  # 20 kB
    arts, probs = _split(list(read_paths([f])))
    assert arts == []
    assert any(p.fatal and "binary" in p.reason for p in probs), [str(p) for p in probs]


def test_control_bytes_in_a_jsonl_body_are_refused(tmp_path):
    f = _jsonl(tmp_path / "c.jsonl", {"id": "ctl", "title": "T", "body": "\x01\x02\x03\x04" * 50},
               _good(1))
    arts, probs = _split(list(read_paths([f])))
    assert [a.article.id for a in arts] == ["good-1"]
    (p,) = probs
    assert p.fatal and p.line == 1 and "control" in p.reason


def test_ordinary_text_with_a_few_odd_bytes_is_still_read(tmp_path):
    f = tmp_path / "odd.txt"
    f.write_bytes(b"Headline\n" + b"Plain words with a form feed \x0c and a stray \x00 byte. " * 20)
    arts, probs = _split(list(read_paths([f])))
    assert len(arts) == 1


def test_utf16_with_a_byte_order_mark_is_read(tmp_path):
    f = tmp_path / "wide.txt"
    f.write_bytes("Headline\nBody in UTF-16, caf\u00e9.\n".encode("utf-16"))
    arts, probs = _split(list(read_paths([f])))
    assert [a.article.title for a in arts] == ["Headline"] and "caf\u00e9" in arts[0].article.body


# -- spaCy's length limit --------------------------------------------------

def test_article_over_the_ner_limit_is_refused_naming_the_limit(tmp_path):
    limit = readers.MAX_CHARS
    f = _jsonl(tmp_path / "big.jsonl", {"id": "big", "title": "T", "body": "word " * (limit // 5 + 1)},
               {"id": "fits", "title": "T", "body": "w" * limit}, _good(1))
    arts, probs = _split(list(read_paths([f])))
    assert [a.article.id for a in arts] == ["fits", "good-1"]
    (p,) = probs
    assert p.fatal and p.line == 1 and "1,000,000" in p.reason and "'big'" in p.reason


def test_the_reader_limit_matches_spacy(extractor):
    assert readers.MAX_CHARS == extractor.nlp.max_length


# -- what the command says ----------------------------------------------------

@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NEWSARCHIVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    monkeypatch.setenv("NEWSARCHIVE_NER_WORKERS", "1")
    return tmp_path


def test_unsupported_files_in_a_folder_are_skipped_and_the_run_succeeds(env):
    d = env / "in"
    d.mkdir()
    (d / "README.md").write_text("# notes\n")
    (d / "story.txt").write_text("Headline\nBody text.\n")
    r = CliRunner().invoke(cli, ["index", str(d)])
    assert r.exit_code == 0, r.output
    assert "new: 1" in r.output and "failed: 0" in r.output and "skipped: 1" in r.output
    assert f"skipped: {d / 'README.md'}: unsupported file type .md" in r.output
    data = json.loads(CliRunner().invoke(cli, ["index", str(d), "--json"]).output)
    assert data["skipped"] == 1 and data["failed"] == 0
    assert data["skipped_list"] == [f"{d / 'README.md'}: unsupported file type .md"]


def test_a_bad_record_is_counted_as_failed_and_the_good_ones_indexed(env):
    f = env / "mixed.jsonl"
    _jsonl(f, _good(1), '{"title": "T", "body": "B.", "url": "http://x.example/\\udc80"}', _good(2),
           '{"id": "tru", "title": "Dated true", "body": "B.", "published": true}')
    r = CliRunner().invoke(cli, ["index", str(f), "--json"])
    data = json.loads(r.output)
    assert r.exit_code == 1
    assert data["new"] == 3 and data["failed"] == 1
    assert data["problems"][0].startswith(f"{f}:2: ")
    assert any(w.startswith(f"{f}:4: ") and "true" in w for w in data["warning_list"])


def test_seed_still_indexes_next_to_a_fifo(env):
    _need_fifos()
    d = env / "in"
    d.mkdir()
    os.mkfifo(d / "pipe.txt")
    (d / "seed.txt").write_bytes(SEED.read_bytes())
    r = CliRunner().invoke(cli, ["index", str(d)])
    assert r.exit_code == 0, r.output
    assert "new: 1" in r.output and "skipped: 1" in r.output
