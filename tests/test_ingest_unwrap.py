"""Hard-wrapped wire copy through ingest: the archive keeps it as paragraphs,
names that ran across a line end are whole, table rows stay rows and name
no one, and every offset (entities, passages, highlights) is into the text
the archive shows. Fixtures in tests/fixtures/wrapped."""
from pathlib import Path

import pytest

from archive.model import SearchRequest
from indexer.readers import read_paths
from tests.conftest import make_indexer

FIXTURES = Path(__file__).parent / "fixtures" / "wrapped"

# file stem -> (people found, text the stored body has, text it must not have)
CASES = {
    "1987-03-02-grain-review": (
        {"Richard Lyng"},
        ["Agriculture Secretary Richard Lyng told a farm group",
         "size of the program.\n\nLyng said"],
        ["Richard\nLyng", "subsidy\nprogram"]),
    "1987-04-08-northfield-earnings": (
        {"Margaret Olsen"},
        ["in Rochester, chief executive Margaret Olsen told",
         "call.\n    Shr 42 cts vs 31 cts\n    Net 4,120,000 vs 3,050,000\n",
         "\n    Avg shrs 9,810,000 vs 9,790,000\n    Year\n",
         "\n\nNOTE: Prior year restated for the sale of the valve business in October"],
        ["chief\nexecutive"]),
    "1987-05-11-tokyo-trade": (
        {"Yasuhiro Nakasone", "Kiichi Miyazawa"},
        ["Prime Minister Yasuhiro Nakasone told parliament"],
        ["Minister\nYasuhiro"]),
    "2025-06-01-plain-paragraphs": (
        {"Chris Bonett"},
        ["minister Chris Bonett said.\n\nFishing boats were the first to return.\n\nFerries"],
        []),
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, extractor):
    from archive.embedded import EmbeddedStore
    from archive.embedding import HashEmbedder

    emb = HashEmbedder()
    path = tmp_path_factory.mktemp("wrapped") / "store"
    ix = make_indexer(path, emb, extractor)
    summary = ix.index_paths([FIXTURES])
    assert not summary.failed and summary.new == len(CASES)
    ix.store.close()
    store = EmbeddedStore(path, embedder=lambda: emb)
    ids = {Path(loc.path).stem: loc.article.id for loc in read_paths([FIXTURES])}
    return store, ids, path, emb


@pytest.mark.parametrize("stem", sorted(CASES))
def test_stored_text_is_paragraphs_and_names_are_whole(indexed, stem):
    store, ids, _, _ = indexed
    people, has, has_not = CASES[stem]
    s = store.get(ids[stem])
    assert s is not None, "the id is the one the reader made from the raw file"
    for text in has:
        assert text in s.article.body
    for text in has_not:
        assert text not in s.article.body
    assert {e.key for e in s.entities if e.kind == "person"} == people


@pytest.mark.parametrize("stem", sorted(CASES))
def test_every_offset_is_into_the_stored_text(indexed, stem):
    store, ids, _, _ = indexed
    s = store.get(ids[stem])
    body = s.article.body
    for e in s.entities:
        for m in e.mentions:
            text = (body if m.field == "body" else s.article.title)[m.start:m.end]
            assert text.strip() == text and "\n" not in text, (e.key, text)
    assert s.passages and all(body[p.start:p.end].strip() for p in s.passages)
    assert s.passages[-1].end <= len(body)


def test_a_table_row_names_no_one(indexed):
    store, ids, _, _ = indexed
    s = store.get(ids["1987-04-08-northfield-earnings"])
    body = s.article.body
    rows = body.index("    Shr 42"), body.index("NOTE:")
    for e in s.entities:
        if e.kind == "person":
            assert all(not rows[0] <= m.start < rows[1] for m in e.mentions), e.key


def test_a_search_hit_marks_the_whole_name_in_its_passage(indexed):
    store, _, _, _ = indexed
    hit = store.search(SearchRequest(q="Lyng", mode="keyword")).hits[0]
    names = [hit.passage[sp.start:sp.end] for sp in hit.spans if sp.kind == "person"]
    assert "Richard Lyng" in names and "Lyng" in names
    # A query word inside a name is marked as both (the name, flagged as matching).
    assert all(sp.match for sp in hit.spans if sp.kind == "person")


def test_indexing_again_or_rebuilding_changes_nothing(indexed, extractor):
    from archive.embedded import EmbeddedStore

    store, ids, path, emb = indexed
    before = {i: store.get(i).article.body for i in ids.values()}
    ix = make_indexer(path, emb, extractor)
    again = ix.index_paths([FIXTURES])
    assert again.unchanged == len(CASES) and again.new == again.updated == 0
    hashes = ix.store.content_hashes()
    ix.rebuild()
    assert ix.store.content_hashes() == hashes
    ix.store.close()
    rebuilt = EmbeddedStore(path, embedder=lambda: emb)
    assert {i: rebuilt.get(i).article.body for i in ids.values()} == before
