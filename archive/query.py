"""What a user typed, read once into a small model both stores build from.

People paste sentences and paragraphs into a news archive, so text is words
unless it is clearly syntax. The syntax, all of it:

- `"a phrase"`: straight or curly double quotes around 1 to 8 words, opened
  and closed within one sentence; the words must appear together, in order.
  Quoted text that is not a phrase (longer, or across sentences) is words.
- `-word` or `-"a phrase"`: a dash attached to the front excludes articles
  with it. A dash between spaces ("revenues - £160m - will") is punctuation.
- `OR` in capitals right after a word or phrase and before another: either
  will do. Elsewhere (first, last, after a stop word or an excluded word, or
  in a headline written all in capitals) it is the word "or".

Nothing else is syntax: colons, plus signs, brackets, AND/NOT and stray or
unbalanced quotes are text. In a long query (pasted text of more than
LONG_WORDS content words) quotes, dashes and OR are text too.

Every word counts in a short query: an article must contain each content
word (or one of an OR group) to match by words, so adding a word never
grows the count. Stop words rank but are never required. Long text is a
known-item search: articles are ranked by the weight of the words they
share with it, and those with at least LONG_MATCH of its distinct content
words match; the articles that have every one of its words (the source of a
pasted paragraph, and its near-copies) come first, as for a short query.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field, replace

from archive import highlight

LONG_WORDS = 12  # more content words than this and the query is read as pasted text
LONG_MATCH = 0.3  # share of a long query's distinct content words a matching article has
PHRASE_WORDS = 8  # a longer quoted stretch is prose quoting someone, not a phrase search
MAX_TERMS = 400  # distinct terms kept from a very long paste

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                         "\u2033": '"', "\uff02": '"'})
_POSSESSIVE = re.compile(r"['\u2019]s$", re.IGNORECASE)
# A quote spans sentences when a full stop inside it follows two or more
# words and precedes a capital: "U.S. dollar", "Mr. Smith" stay phrases.
_SENTENCE_END = re.compile(r"\S+\s+\S+[.!?]\s+[A-Z]")
_EXCLUDE = re.compile(r"^-([^\W\d_].*)$")  # "-word", not "-5%" and not "- "
# Inside a chunk these separate words ("oil/gas", "title:foo"); hyphens,
# apostrophes and dots join them ("D-Mark", "U.S.", "0.1%") into a phrase.
# A comma between digits ("3,000") joins them, as Elasticsearch's tokenizer does.
_SEPARATORS = re.compile(r"(?:[/:;()\[\]{}<>|+=!?\u2026]|(?<!\d),|,(?!\d))+")
_EDGES = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class Term:
    """A word or a phrase: `tokens` as the index analyses them (stems),
    `text` as typed, for Elasticsearch (which analyses text itself) and messages.
    A joined word ("anti-piracy", "U.S.") is a phrase of its parts but counts as
    one word; only a `quoted` phrase binds every match."""

    text: str = field(compare=False)
    tokens: tuple[str, ...] = ()
    quoted: bool = False

    @property
    def phrase(self) -> bool:
        return len(self.tokens) > 1


@dataclass(frozen=True)
class Query:
    """`groups` are required in a short query: each is one term or the
    alternatives of an OR. `optional` terms only rank (stop words, or every
    term of a long query). `excluded` terms must not appear."""

    text: str
    groups: tuple[tuple[Term, ...], ...] = ()
    optional: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()
    long: bool = False
    # The text to embed: what is looked for, without the excluded words and
    # the syntax (embedding "Putin -Budapest" whole would rank articles by
    # closeness to Budapest).
    meaning: str = field(default="", compare=False)

    @property
    def phrases(self) -> tuple[Term, ...]:
        """Quoted phrases: they must match, meaning matches included."""
        return tuple(g[0] for g in self.groups if len(g) == 1 and g[0].quoted)

    @property
    def content_words(self) -> int:
        return len(self.groups) if not self.long else len(self.optional)

    def min_match(self) -> int:
        """Optional terms an article needs to match a long query (relaxed)."""
        return max(1, math.ceil(LONG_MATCH * len(self.optional))) if self.long else 0

    def terms(self) -> set[str]:
        """Stems to highlight: every positive term's tokens, stop words left
        out, and the one-letter pieces of a joined word ("O'Driscoll",
        "U.S."), which would mark every "O" and every "'s" of the text."""
        terms = [term for g in self.groups for term in g]
        terms += [term for term in self.optional if not _stop(term)]
        return {t for term in terms for t in term.tokens if len(t) > 1 or not term.phrase}


Group = tuple[Term, ...]  # alternatives: an article needs one of them


@dataclass(frozen=True)
class Clauses:
    """A keyword query as plain data, which archive/tantivyquery.py and
    archive/esquery.py each spell in their engine's terms: every `required`
    group; at least `share_needs` of the `share` groups; `ranking` terms only
    rank; no `excluded` term. `everything` when only exclusions are left."""

    required: tuple[Group, ...] = ()
    share: tuple[Group, ...] = ()
    share_needs: int = 0
    ranking: tuple[Term, ...] = ()
    excluded: tuple[Term, ...] = ()
    everything: bool = False


def clauses(q: Query, relaxed: bool = False) -> Clauses | None:
    """The keyword query of `q`: a short query needs every group (relaxed:
    any one word, while quoted phrases still bind); a long one needs every
    term (relaxed: LONG_MATCH of them). None when there is nothing to look
    for, or, relaxed, nothing to relax."""
    phrases = tuple(g for g in q.groups if len(g) == 1 and g[0].quoted)
    words = tuple(g for g in q.groups if not (len(g) == 1 and g[0].quoted))
    out = Clauses(required=phrases, excluded=q.excluded)
    if q.long:
        terms = tuple((t,) for t in q.optional)
        out = replace(out, share=terms, share_needs=q.min_match()) if relaxed \
            else replace(out, required=phrases + terms)
    elif relaxed:
        if len(words) < 2:
            return None
        out = replace(out, share=words, share_needs=1, ranking=q.optional)
    else:
        out = replace(out, required=phrases + words, ranking=q.optional)
    if not (out.required or out.share or out.ranking):
        if not q.excluded:
            return None
        out = replace(out, everything=True)
    return out


def _stop(term: Term) -> bool:
    return not term.phrase and re.sub(r"\W", "", term.text.lower()) in highlight.STOPWORDS


def _term(text: str, quoted: bool = False) -> Term | None:
    text = _POSSESSIVE.sub("", text)
    tokens = tuple(stem for stem, _, _ in highlight.tokens(text))
    return Term(text, tokens, quoted and len(tokens) > 1) if tokens else None


def _content_count(text: str) -> int:
    return sum(1 for w in re.findall(r"\w+", text.lower()) if w not in highlight.STOPWORDS)


@functools.lru_cache(maxsize=256)
def parse(text: str) -> Query:
    """Never fails: whatever is not clearly syntax is words."""
    text = (text or "").replace("\x00", " ").strip()
    if not text:
        return Query("")
    if _content_count(text) > LONG_WORDS:
        return _parse_long(text)
    chunks = _chunks(text.translate(_QUOTES))
    # An all-caps headline ("OIL PRICES RISE OR FALL"): OR is a word there.
    caps_only = not re.search(r"[a-z]", text) and len(text.split()) > 4
    groups: list[list[Term]] = []
    optional: list[Term] = []
    excluded: list[Term] = []
    meaning: list[str] = []
    pending_or = after_group = False
    for kind, chunk in chunks:
        if kind == "word" and chunk == "OR" and not caps_only and after_group and \
                not pending_or:
            pending_or = True
            continue
        if kind == "excluded":
            t = _term(chunk, quoted=True)
            excluded.extend([t] if t else [])
            pending_or = after_group = False
            continue
        if kind == "word":
            m = _EXCLUDE.match(chunk)
            if m:
                excluded.extend(t for t in map(_term, _SEPARATORS.split(m.group(1))) if t)
                pending_or = after_group = False
                continue
        meaning.append(chunk)
        pieces = [chunk] if kind == "phrase" else _SEPARATORS.split(chunk)
        for t in (t for t in (_term(p, kind == "phrase") for p in pieces) if t):
            if kind == "word" and not pending_or and _stop(t):
                optional.append(t)
                after_group = False
            elif pending_or:
                groups[-1].append(t)
                pending_or, after_group = False, True
            else:
                groups.append([t])
                after_group = True
    if pending_or:  # "oil OR" at the end: the OR was the word "or" after all
        optional.append(_term("OR"))
    if not groups and optional:
        # A query of stop words only ("the who") needs them all.
        groups, optional = [[t] for t in optional], []
    return Query(text, tuple(tuple(_dedupe(g)) for g in _unique_groups(groups)),
                 tuple(_dedupe(optional)), tuple(_dedupe(excluded)),
                 meaning=" ".join(meaning))


def _chunks(text: str) -> list[tuple[str, str]]:
    """("phrase", inner text) for quotes that qualify, ("excluded", inner
    text) for such a quote with a dash attached in front, ("word", chunk)
    for whitespace-separated chunks. The words of a quote that does not
    qualify are words; a quote without its pair is dropped."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        q = text.find('"', pos)
        if q < 0:
            out.extend(("word", w) for w in text[pos:].split())
            break
        before = text[pos:q].split()
        negated = bool(before) and before[-1] == "-" and (q == 0 or text[q - 1] == "-")
        close = text.find('"', q + 1)
        inner = text[q + 1:close] if close > 0 else ""
        words = inner.split()
        if close > 0 and 0 < len(words) <= PHRASE_WORDS and not _SENTENCE_END.search(inner):
            out.extend(("word", w) for w in before[:-1 if negated else None])
            out.append(("excluded" if negated else "phrase", inner.strip()))
            pos = close + 1
        elif close > 0:  # a quote spanning sentences, as pasted prose has: its words
            out.extend(("word", w) for w in before + words)
            pos = close + 1
        else:
            out.extend(("word", w) for w in before)
            pos = q + 1  # a stray quote is punctuation
    return out


def _parse_long(text: str) -> Query:
    """Every distinct content word an optional term (the first MAX_TERMS of
    them); BM25's weights make the rare ones count most. Words are cut as a
    short query cuts them, so a joined word ("U.S.", "3,000", "1.5",
    "O'Driscoll's") stays one term, as Elasticsearch's tokenizer keeps it;
    each keeps its "'s", which is how the pasted source spells it."""
    seen: dict[tuple[str, ...], Term] = {}
    for chunk in text.translate(_QUOTES).split():
        for piece in _SEPARATORS.split(chunk):
            piece = _EDGES.sub("", piece)
            t = _term(piece)
            if t is None or _stop(t) or t.tokens in seen:
                continue
            seen[t.tokens] = Term(piece, t.tokens)
    terms = list(seen.values())[:MAX_TERMS]
    return Query(text, optional=tuple(terms), long=True, meaning=text)


def _dedupe(terms: list[Term]) -> list[Term]:
    return list(dict.fromkeys(terms))


def _unique_groups(groups: list[list[Term]]) -> list[list[Term]]:
    seen, out = set(), []
    for g in groups:
        key = tuple(g)
        if key not in seen:
            seen.add(key)
            out.append(g)
    return out
