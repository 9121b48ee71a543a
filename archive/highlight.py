"""Highlight spans from offsets.

Query words are matched with the same analysis the keyword index uses
(tantivy's simple tokenizer, lower case, English Snowball stemmer), so
"talks" in a query lights up "talk" and "talking" in a passage. Both stores
use this module, so their highlights agree.
"""
from __future__ import annotations

import functools

from archive.model import Entity, Span

# Words too common to be worth marking; they still count for ranking.
STOPWORDS = {
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have",
    "he", "her", "his", "i", "in", "is", "it", "its", "not", "of", "on", "or", "she",
    "that", "the", "their", "them", "they", "this", "to", "was", "were", "will", "with",
    "we", "you", "who", "what", "which", "would", "said", "says", "s",
    # The rest of Lucene's English stop set, which Elasticsearch's `english`
    # analyzer drops: a required word it drops would match nothing there.
    "if", "into", "no", "such", "then", "there", "these",
    # Question words: "why did the dollar fall" asks about the dollar's fall.
    "why", "how", "when", "where", "whom", "whose", "do", "does", "did",
}


@functools.lru_cache(maxsize=1)
def analyzer():
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) with character offsets."""
    if not text:
        return []
    return [(t.text, t.char_offset_from, t.char_offset_to)
            for t in analyzer().pre_tokenize(text).tokens]


def term_spans(text: str, terms: set[str], offset: int = 0) -> list[Span]:
    if not terms:
        return []
    return [Span(s - offset, e - offset, "term") for stem, s, e in tokens(text) if stem in terms]


def entity_spans(entities: list[Entity], field: str, start: int, end: int) -> list[Span]:
    """Mentions inside [start, end) of a field, shifted to the passage."""
    out = []
    for ent in entities:
        for m in ent.mentions:
            if m.field == field and m.start >= start and m.end <= end:
                out.append(Span(m.start - start, m.end - start, ent.kind, ent.key))
    return out


def count_matches(text: str, terms: set[str]) -> int:
    """Distinct query terms in the text: a passage with every word beats one word repeated."""
    if not terms:
        return 0
    return len({stem for stem, _, _ in tokens(text) if stem in terms})


def best_passage(body: str, passages: list[tuple[int, int]], terms: set[str],
                 similarities=None) -> int:
    """Index of the passage to show: most query words, then closest in meaning."""
    best, best_score = 0, float("-inf")
    for i, (s, e) in enumerate(passages):
        score = count_matches(body[s:e], terms) / max(1, len(terms))
        if similarities is not None:
            score += float(similarities[i])
        if score > best_score:
            best, best_score = i, score
    return best


def merge(spans: list[Span]) -> list[Span]:
    """Sorted, non-overlapping spans. Where a query word falls on an entity the
    entity is kept (it carries a link and a kind) and flagged as a match."""
    spans = sorted(spans, key=lambda s: (s.start, s.kind == "term", -(s.end - s.start)))
    out: list[Span] = []
    for sp in spans:
        if out and sp.start < out[-1].end:
            if sp.kind == "term" and out[-1].kind != "term":
                out[-1] = Span(out[-1].start, out[-1].end, out[-1].kind, out[-1].key, True)
            continue
        out.append(sp)
    return out


def render(text: str, spans: list[Span]) -> list[tuple[str, Span | None]]:
    """Text cut into (piece, span-or-None) for a template to escape and wrap."""
    out, pos = [], 0
    for sp in merge(spans):
        if sp.start > pos:
            out.append((text[pos:sp.start], None))
        out.append((text[sp.start:sp.end], sp))
        pos = sp.end
    if pos < len(text):
        out.append((text[pos:], None))
    return out
