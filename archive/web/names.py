"""Filters given by name in a URL: `country=Ukraine` and `person=Putin`.

Countries are stored as ISO codes and people by their full canonical name;
a reader (or a script) writes names. A country name or code becomes its
code; a person given by part of their name becomes the one known person it
fits, or a message listing the candidates when several do.
"""
from __future__ import annotations

import functools
import re
import threading
import time

from archive.countries import country_name, country_names, name_patterns


# Abbreviations of former states that country_converter does not know.
FORMER = {"USSR": "SU", "GDR": "DD", "DDR": "DD", "FRG": "DE"}


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    # The archive keys Britain as GB where country_converter says UK.
    return [(p, "GB" if code == "UK" else code) for p, code in name_patterns()]


@functools.lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """ISO alpha-2 code for a code or a country's name, or None."""
    v = value.strip()
    if not v:
        return None
    names = country_names()
    if v.upper() == "UK":
        return "GB"
    if v.upper().replace(".", "") in FORMER:
        return FORMER[v.upper().replace(".", "")]
    if len(v) == 2 and v.upper() in names:
        return v.upper()
    by_name = {n.lower(): c for c, n in names.items()}
    if v.lower() in by_name:
        return by_name[v.lower()]
    if len(v) < 3:
        return None
    found = {code for pattern, code in _patterns() if pattern.search(v)}
    return found.pop() if len(found) == 1 else None


def resolve_countries(values: list[str], warnings: list[str]) -> list[str]:
    out = []
    for v in values:
        code = country_code(v)
        if code is None:
            warnings.append(f"No country called {v!r}: use a name like Ukraine or a code like UA.")
            out.append(v)
        else:
            out.append(code)
    return list(dict.fromkeys(out))


# known_people() lists every person in the archive; it is read once per
# store generation (the embedded store's table object changes on every
# commit) or once a minute for stores without one.
_people_cache: dict = {}
_people_lock = threading.Lock()


def _generation(store) -> object:
    table = getattr(store, "table", None)
    return id(table) if table is not None else int(time.monotonic() // 60)


def known_people(store) -> dict[str, int]:
    key = (id(store), _generation(store))
    with _people_lock:
        hit = _people_cache.get(id(store))
        if hit and hit[0] == key:
            return hit[1]
    people = store.known_people()
    with _people_lock:
        _people_cache[id(store)] = (key, people)
    return people


def _fold(s: str) -> str:
    """A name as compared: case, spaces, the apostrophe's shape and the dots
    of initials do not count ("George W. Bush" is George W Bush)."""
    s = s.replace("\u2019", "'").replace(".", " ")
    return re.sub(r"\s+", " ", s.strip()).casefold()


def person_candidates(value: str, people: dict[str, int]) -> list[str]:
    """Known people `value` may mean, most often named first: the exact name,
    else everyone whose name contains it as whole words (a surname, a first
    name, "Vladimir Putin" for "putin")."""
    if value in people:
        return [value]
    v = _fold(value)
    exact = [p for p in people if _fold(p) == v]
    if exact:
        return exact
    return _containing(v, people)


def _containing(value: str, people: dict[str, int]) -> list[str]:
    """Known names that contain `value` as whole words, most often named first."""
    words = _fold(value).split()
    if not words:
        return []
    n = len(words)
    found = []
    for p in people:
        pw = _fold(p).split()
        if any(pw[i:i + n] == words for i in range(len(pw) - n + 1)):
            found.append(p)
    return sorted(found, key=lambda p: (-people[p], p))


def _fuller(name: str, people: dict[str, int], most: int = 5) -> list[str]:
    """Longer known names a one-word name is part of, most often named first."""
    if len(name.split()) != 1:
        return []
    return [p for p in _containing(name, people) if p != name][:most]


def resolve_people(values: list[str], store, warnings: list[str],
                   notes: list[dict]) -> list[str]:
    """Each value as the one known person it names. An ambiguous or unknown
    name stays as given (so it honestly matches nothing) and a note lists the
    candidates for the page to offer."""
    if not values:
        return values
    people = known_people(store)
    out = []
    for v in values:
        found = person_candidates(v, people)
        if len(found) == 1:
            out.append(found[0])
            fuller = _fuller(found[0], people)
            if fuller:
                # A bare surname kept as its own person ("Reagan" in 4 articles)
                # must not hide the full name it most likely means (511).
                warnings.append(f"Showing the articles that name just {found[0]!r}; you may "
                                "mean " + ", ".join(f"{p} ({people[p]})" for p in fuller)
                                + ".")
                notes.append({"value": v, "candidates": [{"name": p, "count": people[p]}
                                                         for p in fuller]})
            continue
        out.append(v)
        if not found:
            warnings.append(f"No person called {v!r} in the archive.")
        else:
            shown = found[:10]
            more = f" and {len(found) - 10} more" if len(found) > 10 else ""
            warnings.append(f"{v!r} could be several people: "
                            + ", ".join(f"{p} ({people[p]})" for p in shown) + more
                            + ". Pick one.")
            notes.append({"value": v, "candidates": [{"name": p, "count": people[p]}
                                                     for p in shown]})
    return list(dict.fromkeys(out))


def label_country(code: str) -> str:
    return f"{country_name(code)} ({code})"
