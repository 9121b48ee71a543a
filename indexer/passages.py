"""Split an article body into sentence-aligned passages that fit the model window.

Offsets are kept so that a search hit can show, and highlight, the exact
passage inside the stored body.
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

from archive.model import Passage

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets)
# before white space, or at a line break. Abbreviations such as "U.S." followed
# by a capitalised word are split too: a slightly short passage costs nothing,
# a passage over the window loses text.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n+")

TokenCounter = Callable[[Sequence[str]], list[int]]


def approx_tokens(texts: Sequence[str]) -> list[int]:
    """WordPiece makes about 1.3 tokens a word in news English; used without a model."""
    return [int(len(t.split()) * 1.3) + 1 for t in texts]


def sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group().rstrip())
        if text[start:end].strip():
            spans.append(_trim(text, start, end))
        start = m.end()
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int, n_tokens: int, max_tokens: int):
    """A sentence over the window is cut at word boundaries into near-equal parts."""
    parts = -(-n_tokens // max_tokens)
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    per = -(-len(words) // parts)
    for i in range(0, len(words), per):
        chunk = words[i:i + per]
        yield chunk[0][0], chunk[-1][1]


def split(body: str, max_tokens: int = 254, overlap: int = 1,
          count: TokenCounter = approx_tokens) -> list[Passage]:
    """Greedy packing of whole sentences; each passage repeats the last
    `overlap` sentences of the one before, so a fact that straddles a boundary
    is still found in one passage."""
    spans = sentences(body)
    if not spans:
        return []
    sizes = count([body[s:e] for s, e in spans])
    units: list[tuple[int, int, int]] = []
    for (s, e), n in zip(spans, sizes):
        if n > max_tokens:
            pieces = list(_split_long(body, s, e, n, max_tokens))
            sub = count([body[a:b] for a, b in pieces])
            units.extend((a, b, k) for (a, b), k in zip(pieces, sub))
        else:
            units.append((s, e, n))

    passages: list[Passage] = []
    i = 0
    while i < len(units):
        total = 0
        j = i
        while j < len(units) and (j == i or total + units[j][2] <= max_tokens):
            total += units[j][2]
            j += 1
        passages.append(Passage(units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        # Step back for the overlap, but always move forward.
        i = max(i + 1, j - overlap)
    return passages
