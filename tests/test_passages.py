from archive.embedding import HashEmbedder
from indexer.passages import sentences, split
from tests.conftest import SEED


def test_passages_keep_offsets_fit_the_window_and_cover_the_body():
    body = SEED.read_text().split("\n", 1)[1].strip()
    emb = HashEmbedder()
    ps = split(body, max_tokens=60, count=emb.count_tokens)
    assert len(ps) > 3
    for p in ps:
        text = body[p.start:p.end]
        assert text == text.strip() and text
        assert emb.count_tokens([text])[0] <= 60
    covered = set()
    for p in ps:
        covered.update(range(p.start, p.end))
    words = [i for i, c in enumerate(body) if not c.isspace()]
    assert all(i in covered for i in words), "no text is lost between passages"


def test_consecutive_passages_overlap_by_a_sentence():
    body = " ".join(f"Sentence number {i} is here." for i in range(40))
    ps = split(body, max_tokens=20, count=HashEmbedder().count_tokens)
    assert all(b.start < a.end for a, b in zip(ps, ps[1:]))


def test_a_sentence_longer_than_the_window_is_cut_at_words():
    body = "word " * 500
    ps = split(body.strip(), max_tokens=100, count=HashEmbedder().count_tokens)
    assert len(ps) >= 5
    assert all(HashEmbedder().count_tokens([body[p.start:p.end]])[0] <= 100 for p in ps)


def test_sentences_split_on_punctuation_and_lines():
    text = "First one. Second “quoted.” Third?\nFourth"
    spans = [text[s:e] for s, e in sentences(text)]
    assert spans == ["First one.", "Second “quoted.”", "Third?", "Fourth"]
