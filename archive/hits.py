"""A search hit from a stored article: the best passage, clipped, with its marks.

Both stores call this, so the same article gives the same hit whichever
store found it.
"""
from __future__ import annotations

import re

from archive import highlight
from archive.model import Hit

SNIPPET_CHARS = 420


def make_hit(stored, score: float, terms: set[str], sims=None) -> Hit:
    a = stored.article
    spans = [(p.start, p.end) for p in stored.passages] or [(0, len(a.body))]
    i = highlight.best_passage(a.body, spans, terms, sims)
    start, end = spans[i]
    start, end = clip(a.body, start, end, terms)
    text = a.body[start:end]
    marks = highlight.term_spans(text, terms) + \
        highlight.entity_spans(stored.entities, "body", start, end)
    title_marks = highlight.term_spans(a.title, terms) + \
        highlight.entity_spans(stored.entities, "title", 0, len(a.title))
    return Hit(a.id, a.title, a.published.isoformat() if a.published else None, a.source,
               a.url, round(float(score), 6), text, start, highlight.merge(marks),
               [e.key for e in stored.entities if e.kind == "person"],
               [e.key for e in stored.entities if e.kind == "country"],
               highlight.merge(title_marks))


def clip(body: str, start: int, end: int, terms: set[str], width: int = SNIPPET_CHARS):
    """A window of about `width` characters of the passage, placed to hold the
    most query words, cut at sentence or word boundaries."""
    if end - start <= width:
        return start, end
    text = body[start:end]
    matches = [s.start for s in highlight.term_spans(text, terms)]
    best_from = 0
    if matches:
        best_count = -1
        for m in matches:
            lo = max(0, m - width // 4)
            count = sum(lo <= x < lo + width for x in matches)
            if count > best_count:
                best_from, best_count = lo, count
    lo, hi = best_from, min(len(text), best_from + width)
    # Start at a sentence if one begins close by, else at a word.
    if lo > 0:
        sentence = re.search(r"[.!?]\s+", text[max(0, lo - 80):lo + 40])
        if sentence:
            lo = max(0, lo - 80) + sentence.end()
        else:
            space = text.find(" ", lo)
            lo = space + 1 if 0 <= space < lo + 30 else lo
    if hi < len(text):
        space = text.rfind(" ", lo, hi)
        hi = space if space > lo else hi
    return start + lo, start + hi


def match_kind(words: bool, meaning: bool) -> str:
    """How a hit matched the query, as the page labels it."""
    return "both" if words and meaning else "words" if words else "meaning" if meaning else ""
