"""The embedded store's segments: commits that write only their own rows,
deletions, merges, and commits that survive a crash at any step."""
import datetime as dt
import json
import threading
import traceback

import numpy as np
import pytest

import archive.embedded as embedded
from archive.embedded import EmbeddedStore
from archive.embedding import HashEmbedder
from archive.model import Article, Entity, IndexedArticle, Passage, SearchRequest

EMB = HashEmbedder()


def doc(i: int, body: str | None = None, person: str = "Ada Lovelace",
        country: str = "FR") -> IndexedArticle:
    body = body or f"Story number {i} about harbour cranes and shipping."
    title = f"Headline {i}"
    a = Article(f"a{i}", title, body, dt.date(2025, 1 + i % 12, 1 + i % 28), f"src{i % 3}")
    vecs = EMB.encode([body])
    return IndexedArticle(a, f"hash-{i}-{hash(body)}", [Entity("person", person, person),
                                                       Entity("country", country, country)],
                          [Passage(0, len(body))], vecs, EMB.name)


def store(path, **kw) -> EmbeddedStore:
    return EmbeddedStore(path, embedder=lambda: EMB, **kw)


def everything(s: EmbeddedStore) -> dict:
    """What a reader sees, through every read path."""
    r = s.search(SearchRequest(size=50))
    return {"total": r.total, "ids": sorted(h.id for h in r.hits),
            "articles": s.stats()["articles"],
            "iter": sorted(a.article.id for a in s.iter_articles()),
            "people": {v.value: v.count for v in r.facets["people"]},
            "bodies": {h.id: s.get(h.id).article.body for h in r.hits}}


def seg_files(path):
    return {p.parent.name: p.stat().st_ino for p in path.glob("builds/*/seg-*/vectors.npy")}


def test_a_commit_writes_only_its_own_rows_and_an_edit_replaces_the_old(tmp_path):
    w = store(tmp_path, writable=True)
    w.write([doc(i) for i in range(20)])
    w.commit()
    before = seg_files(tmp_path)
    w.write([doc(3, body="A rewritten story about glaciers.")])
    w.commit()
    after = seg_files(tmp_path)
    assert set(before) < set(after), "the first segment is kept as it was"
    assert all(after[name] == ino for name, ino in before.items())
    r = w.search(SearchRequest("glaciers", mode="keyword"))
    assert [h.id for h in r.hits] == ["a3"]
    assert w.search(SearchRequest()).total == 20
    assert "a3" not in [h.id for h in w.search(SearchRequest("harbour", mode="keyword",
                                                             size=50)).hits]
    assert w.stats()["articles"] == 20 and w.content_hashes()["a3"] == doc(
        3, body="A rewritten story about glaciers.").content_hash


def test_a_deleted_article_disappears_everywhere_at_the_next_commit(tmp_path):
    w = store(tmp_path, writable=True)
    w.write([doc(i) for i in range(10)] + [doc(99, person="Grace Hopper", country="JP")])
    w.commit()
    reader = store(tmp_path)
    assert reader.search(SearchRequest(people=["Grace Hopper"])).total == 1
    assert w.delete(["a99", "never-stored"]) == 1
    assert reader.get("a99") is not None, "nothing changes before the commit"
    w.commit()
    assert reader.get("a99") is None
    r = reader.search(SearchRequest(size=50))
    assert r.total == 10 and "a99" not in [h.id for h in r.hits]
    assert "Grace Hopper" not in {v.value for v in r.facets["people"]}
    assert "JP" not in {v.value for v in r.facets["countries"]}
    assert reader.search(SearchRequest("Story number 99", mode="semantic")).total <= 10
    assert "a99" not in [h.id for h in reader.search(SearchRequest(
        "Story number 99", mode="hybrid", size=50)).hits]
    assert all(i != "a99" for i, _ in reader.similar("a1", k=20))
    assert "a99" not in reader.content_hashes()
    assert "Grace Hopper" not in w.known_people()
    assert reader.stats()["articles"] == 10


def test_a_takedown_by_source_removes_every_article_of_that_source(tmp_path):
    w = store(tmp_path, writable=True)
    w.write([doc(i) for i in range(12)])
    w.commit()
    assert w.delete(list(w.ids_from_source("src1"))) == 4
    w.commit()
    r = store(tmp_path).search(SearchRequest(size=50))
    assert r.total == 8 and {h.source for h in r.hits} == {"src0", "src2"}
    assert "src1" not in {v.value for v in r.facets["sources"]}
    assert list(w.ids_from_source("src1")) == []


def test_compaction_removes_deleted_articles_from_the_table_and_text_files(tmp_path):
    w = store(tmp_path, writable=True)
    for lo in range(0, 30, 10):
        w.write([doc(i) for i in range(lo, lo + 10)])
        w.commit()
    w.delete([f"a{i}" for i in range(0, 30, 2)])
    w.commit()
    before = everything(w)
    w.compact()
    assert w.stats()["segments"] == 1
    assert everything(w) == before
    stored = {i.decode() for p in tmp_path.glob("builds/*/seg-*/ids.npy")
              for i in np.load(p)}
    assert stored == {f"a{i}" for i in range(1, 30, 2)}
    # The keyword index keeps the live articles' text only, in files it names.
    meta = json.loads(next(tmp_path.glob("builds/*/tantivy/meta.json")).read_text())
    assert sum(seg["max_doc"] for seg in meta["segments"]) == 15
    assert not any(seg["deletes"] for seg in meta["segments"])
    named = {seg["segment_id"].replace("-", "") for seg in meta["segments"]}
    files = {f.name.split(".")[0] for f in tmp_path.glob("builds/*/tantivy/*")
             if not f.name.startswith(".") and f.name != "meta.json"}
    assert files == named
    assert everything(w) == before, "and a reader sees the same archive"


def test_many_small_commits_merge_and_search_like_one_big_commit(tmp_path):
    small = store(tmp_path / "small", writable=True)
    for i in range(40):
        small.write([doc(i)])
        small.commit()
    small.write([doc(5, body="Edited: cranes idle in the harbour strike.")])
    small.delete(["a7"])
    small.commit()
    big = store(tmp_path / "big", writable=True)
    big.write([doc(i) for i in range(40) if i not in (5, 7)] +
              [doc(5, body="Edited: cranes idle in the harbour strike.")])
    big.commit()
    small.wait_for_merges()
    assert small.stats()["segments"] < 10, "small segments are merged as they accumulate"
    # Browsing gives the same order; BM25 scores differ a little (tantivy's
    # statistics count deleted documents) and the hash embedder ties many
    # cosines, so query results are compared as sets.
    for req in (SearchRequest(size=50), SearchRequest(countries=["FR"], sources=["src1"])):
        a, b = small.search(req), big.search(req)
        assert (a.total, [h.id for h in a.hits]) == (b.total, [h.id for h in b.hits]), req
        assert a.facets == b.facets
    for req in (SearchRequest("harbour cranes", mode="hybrid", size=50),
                SearchRequest("strike", mode="keyword"),
                SearchRequest("cranes", mode="semantic", sort="newest", size=50)):
        a, b = small.search(req), big.search(req)
        assert (a.total, {h.id for h in a.hits}) == (b.total, {h.id for h in b.hits}), req
        assert a.facets == b.facets
    assert [s for _, s in small.similar("a1", k=5)] == [s for _, s in big.similar("a1", k=5)]


def test_iter_articles_streams_every_live_article_once(tmp_path):
    w = store(tmp_path, writable=True)
    for lo in range(0, 25, 5):
        w.write([doc(i) for i in range(lo, lo + 5)])
        w.commit()
    w.write([doc(2, body="New text.")])
    w.delete(["a4"])
    w.commit()
    got = [a.article.id for a in w.iter_articles(batch=3)]
    assert sorted(got) == sorted(f"a{i}" for i in range(25) if i != 4)
    assert len(got) == len(set(got))
    assert w.hashes_for(["a2", "a4", "zz"]) == {"a2": doc(2, body="New text.").content_hash}


STEPS = ["manifest", "pending", "tantivy", "head"]  # a merge's crash: test_background_merge


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_of_a_commit_shows_old_or_new_never_a_mix(tmp_path, monkeypatch,
                                                                       step):
    w = store(tmp_path, writable=True)
    for lo in range(0, 9, 3):  # three segments: the next commit's fourth makes a merge due
        w.write([doc(i) for i in range(lo, lo + 3)])
        w.commit()
    old = everything(w)
    reader = store(tmp_path)
    assert everything(reader) == old

    class Crash(Exception):
        pass

    def crash(name):
        if name == step:
            raise Crash(name)

    monkeypatch.setattr(embedded, "_step", crash)
    w.write([doc(20), doc(4, body="Edited story about glaciers.", person="Mary Shelley")])
    w.delete(["a1"])
    with pytest.raises(Crash):
        w.commit()
    w.close()  # the process dies: tantivy's uncommitted changes go with it
    monkeypatch.setattr(embedded, "_step", lambda name: None)

    seen = everything(reader)
    committed = STEPS.index(step) >= STEPS.index("tantivy")
    new_ids = sorted(set(old["ids"]) - {"a1"} | {"a20"})
    if committed:
        assert seen["ids"] == new_ids and seen["bodies"]["a4"].startswith("Edited")
        assert seen["people"].get("Mary Shelley") == 1
    else:
        assert seen == old
    assert seen["total"] == seen["articles"] == len(seen["iter"])

    again = store(tmp_path, writable=True)  # recovery at open
    assert everything(again) == seen
    assert everything(store(tmp_path)) == seen
    if not committed:  # the rerun redoes what the crash lost
        hashes = again.content_hashes()
        todo = [d for d in (doc(20), doc(4, body="Edited story about glaciers.",
                                          person="Mary Shelley"))
                if hashes.get(d.article.id) != d.content_hash]
        again.write(todo)
        again.delete(["a1"])
        again.commit()
        again.wait_for_merges()
        assert again.stats()["segments"] < 4, "the merge the commit made due was published"
    final = everything(again)
    assert final["ids"] == new_ids and final["bodies"]["a4"].startswith("Edited")
    names = {p.name for p in next((tmp_path / "builds").iterdir()).iterdir()}
    assert "PENDING" not in names and not any(n.startswith(".") for n in names)


def test_a_reader_never_fails_when_a_generation_is_removed_under_it(tmp_path, monkeypatch):
    w = store(tmp_path, writable=True)
    w.write([doc(0)])
    w.commit()
    reader = store(tmp_path)
    assert reader.search(SearchRequest()).total == 1
    w.write([doc(1)])
    w.commit()
    # The reader reads HEAD, and before it opens that generation's files the
    # writer commits twice more, removing them.
    real = embedded.SegmentedTable
    raced = []

    def slow_table(directory, manifest):
        if not raced and directory is not None:
            raced.append(1)
            for i in (2, 3):
                w.write([doc(i)])
                w.commit()
            for i in range(4, 8):  # four one-row segments merge: the old ones go
                w.write([doc(i)])
                w.commit()
                w.wait_for_merges()
        return real(directory, manifest)

    monkeypatch.setattr(embedded, "SegmentedTable", slow_table)
    r = reader.search(SearchRequest(size=20))
    assert raced and r.total == 8


def test_concurrent_readers_see_whole_commits_and_no_errors(tmp_path):
    w = store(tmp_path, writable=True)
    w.write([doc(i) for i in range(5)])
    w.commit()
    errors, totals = [], []
    stop = threading.Event()

    def read():
        r = store(tmp_path)
        while not stop.is_set():
            try:
                res = r.search(SearchRequest("harbour cranes", mode="hybrid", size=50))
                totals.append((res.total, r.stats()["articles"] >= res.total))
            except Exception:  # any error is a failure of the guarantee
                errors.append(traceback.format_exc())

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for k in range(5, 45, 2):  # every commit adds two articles
        w.write([doc(k), doc(k + 1)])
        w.commit()
    w.compact()
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert totals and all(total % 2 == 1 for total, _ in totals), "always whole commits"


def test_a_killed_reindex_leaves_no_build_behind(tmp_path):
    w = store(tmp_path, writable=True)
    w.write([doc(0)])
    w.commit()
    w.close()
    half = tmp_path / "builds" / "build-00000000000000000001"
    (half / "tantivy").mkdir(parents=True)  # what a reindex killed mid-way leaves
    store(tmp_path, writable=True).close()
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [
        (tmp_path / "CURRENT").read_text().strip()]
    assert store(tmp_path).search(SearchRequest()).total == 1


def test_a_store_from_the_previous_version_is_converted_on_first_write_open(tmp_path):
    from archive.table import Row, Table

    w = store(tmp_path, writable=True)
    w.close()
    build = next((tmp_path / "builds").iterdir())
    d = doc(1)
    rows = [Row("a1", d.content_hash, (d.article.published - dt.date(1970, 1, 1)).days,
                "src1", ["Ada Lovelace"], ["FR"], [0, ], [len(d.article.body)], d.vectors)]
    Table(rows, EMB.name, EMB.dim).save(build / "gen-00000000000000000001")
    (build / "HEAD").write_text("gen-00000000000000000001")
    w = store(tmp_path, writable=True)
    w.write([doc(1)])
    w.commit()
    r = store(tmp_path).search(SearchRequest(people=["Ada Lovelace"]))
    assert r.total == 1 and not (build / "gen-00000000000000000001").exists()


@pytest.mark.parametrize("live, due", [
    ([1000] * 3, None),  # fewer than four of a tier
    ([1000] * 4, (0, 4)),
    ([16_000, 1000, 1000, 1000, 1000], (1, 5)),  # the larger one is of another tier
    ([70_000] * 4, (0, 3)),  # a whole run would pass 256k: its oldest that fit
    ([100_000] * 4, (0, 2)),
    ([200_000] * 5, None),  # past half the cap: left as they are
    ([130_000, 100_000, 100_000, 100_000], None),  # a full one ends the run
    ([130_000] + [100_000] * 4, (1, 3)),
])
def test_merges_are_planned_by_tier_and_never_write_more_than_the_cap(live, due):
    from archive import segments

    assert segments.plan_merge(live) == due


def test_a_capped_merge_leaves_no_small_segment_behind_a_full_one():
    """Commits of 100k: pairs merge oldest first, so a million articles end in
    four segments of 200k and the two newest of 100k (waiting for two more),
    not full ones with unmergeable 100k ones between them."""
    from archive import segments

    live = []
    for _ in range(10):
        live.append(100_000)
        while (due := segments.plan_merge(live)) is not None:
            start, end = due
            live[start:end] = [sum(live[start:end])]
    assert live == [200_000] * 4 + [100_000] * 2


def test_segments_shrunk_by_edits_behind_a_full_one_are_merged():
    """Commits of 5,000 that edit old articles shrink old segments that no new
    neighbour will join: they must still merge, or their number grows with
    every edit (1M live articles, 7M rows written: 33 segments without)."""
    from archive import segments

    rng = np.random.default_rng(3)
    live, most = [], 0
    for n in range(1400):
        if n >= 200:  # the archive holds 1M: every commit now edits old articles
            rows = np.array(live)
            edited = np.bincount(rng.choice(len(live), 5000, p=rows / rows.sum()),
                                 minlength=len(live))
            live = (rows - np.minimum(edited, rows)).tolist()
        live.append(5000)
        while (due := segments.plan_merge(live)) is not None:
            start, end = due
            live[start:end] = [sum(live[start:end])]
        most = max(most, len(live))
    assert max(live) <= segments.MAX_ROWS and len(live) <= 16 and most <= 30


def test_compaction_packs_neighbours_up_to_the_cap_and_leaves_clean_full_segments():
    from archive.segments import compaction_groups

    assert compaction_groups([200_000, 40_000, 40_000, 300_000], [0, 0, 0, 0]) == [(0, 2)]
    assert compaction_groups([200_000, 100_000, 300_000], [0, 0, 5]) == [(2, 3)]
    assert compaction_groups([100_000, 100_000, 100_000], [0, 0, 0]) == [(0, 2)]
    assert compaction_groups([300_000], [0]) == []


def test_no_merge_or_compaction_writes_a_segment_past_the_cap(tmp_path, monkeypatch):
    """The writer's memory and its longest merge are bounded by the cap, not
    by the archive: a segment's graph is built in memory when it is written."""
    import archive.segments as segments

    monkeypatch.setattr(segments, "MAX_ROWS", 24)
    monkeypatch.setattr(segments, "TIER_BASE", 2)
    w = store(tmp_path, writable=True, background_merges=False)
    for lo in range(0, 120, 4):
        w.write([doc(i) for i in range(lo, lo + 4)])
        w.commit()
    rows = [seg.rows for seg in w.table.segments]
    assert max(rows) <= 24 and len(rows) >= 5 and any(r > 12 for r in rows)
    w.delete([f"a{i}" for i in range(0, 120, 3)])
    w.commit()
    before = everything(w)
    w.compact()
    rows = [seg.rows for seg in w.table.segments]
    assert max(rows) <= 24 and sum(rows) == 80 and len(rows) == 4
    assert not any(len(d) for d in w.table.deads)
    assert everything(w) == before == everything(store(tmp_path))


def test_facet_counts_are_the_same_for_a_few_matched_rows_and_for_many():
    """Facets of a query matching a few rows of a large archive are counted
    row by row; they must equal counting every value."""
    from archive.table import Multi

    rng = np.random.default_rng(7)
    lists = [[f"p{k}" for k in rng.choice(40, rng.integers(0, 4), replace=False)]
             for _ in range(5000)]
    column = Multi(lists)
    for share in (0.0, 0.001, 0.01, 0.5, 1.0):
        mask = rng.random(len(lists)) < share
        want = {}
        for row in np.flatnonzero(mask):
            for v in lists[row]:
                want[v] = want.get(v, 0) + 1
        assert dict(column.counts(mask)) == want


def test_compaction_leaves_no_name_or_source_of_a_deleted_article_on_disk(tmp_path):
    """A takedown: after compaction the person and source only the deleted
    article had are in no file of the table, and the rest still count."""
    w = store(tmp_path, writable=True)
    for lo in range(0, 30, 10):
        w.write([doc(i) for i in range(lo, lo + 10)])
        w.commit()
    secret = doc(30, person="Grace Hopper", country="NO")
    secret.article.source = "Secret Wire"
    w.write([secret])
    w.commit()
    w.delete(["a30"])
    w.compact()
    files = [p.read_bytes() for p in tmp_path.glob("builds/*/seg-*/*")]
    assert not any(b"Grace Hopper" in b or b"Secret Wire" in b for b in files)
    r = store(tmp_path).search(SearchRequest())
    assert {v.value: v.count for v in r.facets["people"]} == {"Ada Lovelace": 30}
    assert sorted(v.value for v in r.facets["sources"]) == ["src0", "src1", "src2"]
    assert [v.value for v in r.facets["countries"]] == ["FR"]


@pytest.mark.parametrize("dates", [
    ["1987-03-02", "1987-03-30", None, "2005-01-31", "1969-12-31"],
    ["0001-01-15", "1987-03-02", None, "9999-12-31"],  # stray dates: the sort path
    [None, None],
])
def test_the_months_facet_names_each_dated_row_s_month(dates):
    from archive.segments import _months
    from archive.table import to_day

    column = _months(np.array([to_day(dt.date.fromisoformat(d)) if d else to_day(None)
                               for d in dates], dtype=np.int32))
    assert [column.row(i) for i in range(len(dates))] == [[d[:7]] if d else [] for d in dates]
