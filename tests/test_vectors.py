"""Vector search through the segments' graphs (archive/vectors.py): what a
user notices is that the right article is found, that a deleted one never
comes back, and that a filtered search ranks its rows exactly. The graph
threshold is lowered so that a few hundred articles get one."""
import datetime as dt

import numpy as np
import pytest

import archive.vectors as vectors
from archive.fusion import MIN_SIMILARITY
from archive.embedded import EmbeddedStore
from archive.model import Article, Entity, IndexedArticle, Passage, SearchRequest

DIM = 384
N = 400
RARE = "Rare Person"
HALF = "Half Person"


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def make_vectors(seed: int = 0) -> list[np.ndarray]:
    """1-3 passage vectors an article, around 16 topics, as real embeddings cluster."""
    rng = np.random.default_rng(seed)
    centres = unit(rng.standard_normal((16, DIM)))
    out = []
    for i in range(N):
        n = 1 + i % 3
        out.append(unit(centres[i % 16] + 0.9 * unit(rng.standard_normal((n, DIM)))))
    return out


VECS = make_vectors()


def person(i: int) -> str:
    if i % 80 == 7:
        return RARE
    return HALF if i % 2 else "Someone Else"


def doc(i: int) -> IndexedArticle:
    n = len(VECS[i])
    body = " ".join(f"Paragraph {k} of story {i} about ports." for k in range(n))
    cut = [round(len(body) * k / n) for k in range(n + 1)]
    a = Article(f"a{i}", f"Headline {i}", body, dt.date(2025, 1, 1 + i % 28), f"src{i % 3}")
    p = person(i)
    return IndexedArticle(a, f"h{i}", [Entity("person", p, p), Entity("country", "FR", "FR")],
                          [Passage(cut[k], cut[k + 1]) for k in range(n)], VECS[i],
                          "synthetic/unit")


@pytest.fixture
def small_graphs(monkeypatch):
    """Graphs for segments of 100 passages; few passages asked of each. One
    build thread, so each run gets the same graph and the same answers."""
    monkeypatch.setattr(vectors, "BUILD_THREADS", 1)
    monkeypatch.setattr(vectors, "INDEX_MIN", 100)
    monkeypatch.setattr(vectors, "ANN_K", 20)
    monkeypatch.setattr(vectors, "EXACT_MAX", 10)


def build(path, batches=(200, 200)) -> EmbeddedStore:
    s = EmbeddedStore(path, writable=True)
    lo = 0
    for size in batches:
        s.write([doc(i) for i in range(lo, lo + size)])
        s.commit()
        lo += size
    return s


def semantic(s: EmbeddedStore, q: np.ndarray, **filters) -> list[str]:
    s.embed_query = lambda _: q
    return [h.id for h in s.search(SearchRequest("q", mode="semantic", size=10, **filters)).hits]


def stored(i: int) -> np.ndarray:
    """Article i's vectors as a segment with a graph stores them (int8 and a
    scale a row): every test segment here has one, and rescoring uses them."""
    return vectors.as_float(*vectors.quantize(VECS[i]))


def exact_top(q: np.ndarray, allowed=lambda i: True, k: int = 10) -> list[str]:
    """The k nearest articles above the relevance floor, by brute force."""
    best = {f"a{i}": float((stored(i) @ q).max()) for i in range(N) if allowed(i)}
    best = {i: b for i, b in best.items() if b >= MIN_SIMILARITY}
    return sorted(best, key=best.get, reverse=True)[:k]


def queries(n: int = 30, allowed=lambda i: True) -> list[np.ndarray]:
    """Queries near articles `allowed` lets through."""
    rng = np.random.default_rng(1)
    near = [i for i in range(N) if allowed(i)]
    return [unit(VECS[i][0] + 0.3 * unit(rng.standard_normal(DIM)))
            for i in rng.choice(near, n)]


def test_the_segments_get_graphs_and_the_nearest_articles_are_found(tmp_path, small_graphs):
    s = build(tmp_path)
    assert all(seg.ann is not None for seg in s.table.segments)
    found = [len(set(semantic(s, q)) & set(exact_top(q))) / 10 for q in queries()]
    assert np.mean(found) >= 0.95
    reader = EmbeddedStore(tmp_path)  # a new reader maps the saved graphs
    q = queries(1)[0]
    assert semantic(reader, q)[:3] == exact_top(q)[:3]


def test_a_deleted_or_replaced_article_never_comes_back_through_the_graph(tmp_path,
                                                                            small_graphs):
    s = build(tmp_path)
    q = VECS[5][0]
    assert semantic(s, q)[0] == "a5"
    s.delete(["a5"])
    s.commit()
    edited = doc(6)
    edited.vectors = -VECS[6]  # the new version points away from the query
    s.write([edited])
    s.commit()
    for reader in (s, EmbeddedStore(tmp_path)):
        ids = semantic(reader, q)
        assert "a5" not in ids
        assert ids == [i for i in exact_top(q, lambda i: i not in (5, 6)) if i != "a6"][:10]


def exact_score(q: np.ndarray, article_id: str) -> float:
    return float((stored(int(article_id[1:])) @ q).max())


def test_a_narrow_filter_is_scored_without_the_graph_and_finds_the_exact_top(tmp_path,
                                                                               small_graphs):
    s = build(tmp_path)
    allowed = lambda i: person(i) == RARE  # noqa: E731
    for q in queries(10, allowed):
        assert semantic(s, q, people=[RARE]) == exact_top(q, allowed)


def test_a_wide_filter_asks_the_graph_for_more_and_ranks_what_it_finds_exactly(tmp_path,
                                                                                small_graphs):
    """The graph is approximate (and built by several threads, so not the
    same twice): it must find nearly all of the exact top, and what it finds
    must be ranked by the cosine of the stored vectors, not by the graph's
    own distance."""
    s = build(tmp_path)
    allowed = lambda i: person(i) == HALF  # noqa: E731
    found = []
    for q in queries(10, allowed):
        want = exact_top(q, allowed)
        got = semantic(s, q, people=[HALF])
        assert all(allowed(int(i[1:])) for i in got)
        found.append(len(set(got) & set(want)) / len(want))
        ranked = [exact_score(q, i) for i in got]
        assert ranked == sorted(ranked, reverse=True)
    assert np.mean(found) >= 0.9


def test_a_keyword_match_far_from_the_query_keeps_its_exact_cosine(tmp_path, small_graphs):
    s = build(tmp_path)
    q = VECS[3][0]
    s.embed_query = lambda _: q
    t = s.table
    far = max(range(N), key=lambda i: -float((VECS[i] @ q).max()))
    best = t.best_similarity(q, rows=np.array([t.row_for_id(f"a{far}")]))
    assert best[t.row_for_id(f"a{far}")] == pytest.approx(float((VECS[far] @ q).max()),
                                                          abs=2e-3)


def test_merging_and_compacting_keep_the_graph_path_right(tmp_path, small_graphs):
    s = build(tmp_path, batches=(100,) * 4)
    s.delete(["a10", "a11"])
    s.compact()
    assert len(s.table.segments) == 1 and s.table.segments[0].ann is not None
    for q in queries(10):
        assert semantic(s, q)[:5] == [i for i in exact_top(q, lambda i: i not in (10, 11))][:5]


def test_int8_vectors_keep_cosines_and_survive_merges_unchanged(tmp_path, small_graphs):
    """Graph segments store int8 vectors with a scale a row: a cosine moves
    by well under the gaps that rank articles, and merging (which reads and
    writes them again) does not drift them."""
    q = queries(1)[0]
    for i in range(N):
        assert np.abs(stored(i) @ q - VECS[i] @ q).max() < 2e-3
    s = build(tmp_path, batches=(100,) * 4)
    before = [s.table.row_vectors(s.table.row_for_id(f"a{i}")) for i in range(0, N, 37)]
    s.compact()
    after = [s.table.row_vectors(s.table.row_for_id(f"a{i}")) for i in range(0, N, 37)]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    seg = s.table.segments[0]
    assert seg["vectors"].dtype == np.int8 and seg.scales is not None


def test_a_filter_that_goes_against_the_query_still_finds_its_nearest(tmp_path, small_graphs,
                                                                      monkeypatch):
    """The nearest 300 articles are all of a source the filter leaves out, as
    BBC's are for a question about British elections filtered to Reuters:
    the graph's first answers are nearly all filtered out, so it is asked for
    more until enough are allowed, and the filtered top ten is the one a
    full scan gives (without the wider asks: none of it)."""
    monkeypatch.setattr(vectors, "EXPANSION_SEARCH", 1)  # a graph gives what is asked, no more
    rng = np.random.default_rng(5)
    q = unit(rng.standard_normal(DIM))
    docs, vecs = [], {}
    for i in range(400):
        near = i < 300
        v = unit(q + (0.5 if near else 1.6) * unit(rng.standard_normal(DIM)))[None, :]
        vecs[f"f{i}"] = vectors.as_float(*vectors.quantize(v))
        a = Article(f"f{i}", f"Headline {i}", f"Story {i} about ports.", dt.date(2025, 1, 1),
                    "Near Wire" if near else "Far Wire")
        docs.append(IndexedArticle(a, f"hf{i}", [], [Passage(0, len(a.body))], v,
                                   "synthetic/unit"))
    s = EmbeddedStore(tmp_path, writable=True)
    s.write(docs)
    s.commit()
    assert s.table.segments[0].ann is not None
    far = sorted((i for i in vecs if int(i[1:]) >= 300), key=lambda i: -float(vecs[i][0] @ q))
    assert float(vecs[far[9]][0] @ q) >= MIN_SIMILARITY
    assert semantic(s, q, sources=["Far Wire"]) == far[:10]
