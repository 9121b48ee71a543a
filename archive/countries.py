"""Display names for ISO 3166-1 alpha-2 codes, and the former states of
ISO 3166-3 (SU, DD, YU, CS) that stories of their time are filed under."""
from __future__ import annotations

import functools
import logging
import re


@functools.lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    data = coco.CountryConverter().data
    names = {}
    for iso2, short in zip(data["ISO2"], data["name_short"]):
        # A few ISO2 cells are regexes, e.g. "^GB$|^UK$".
        for code in re.findall(r"[A-Z]{2}", iso2):
            names.setdefault(code, short)
    names["GB"] = "United Kingdom"
    names.pop("UK", None)
    names.update(FORMER)
    return names


# States that no longer exist, by their ISO 3166-3 former alpha-2 codes.
FORMER = {"SU": "Soviet Union", "DD": "East Germany", "YU": "Yugoslavia", "CS": "Czechoslovakia"}

# Today's states and the former ones they were part of, so a filter on
# Russia can take in the Soviet Union's stories too.
PREDECESSORS = {
    **{c: ("SU",) for c in ("RU", "UA", "BY", "KZ", "UZ", "GE", "AM", "AZ", "LT", "LV", "EE",
                            "MD", "KG", "TJ", "TM")},
    **{c: ("YU",) for c in ("RS", "HR", "SI", "BA", "MK", "ME", "XK")},
    "CZ": ("CS",), "SK": ("CS",), "DE": ("DD",),
}


def with_predecessors(codes: list[str]) -> list[str]:
    """`codes` and the former states each was part of, in order, once each."""
    out: list[str] = []
    for c in codes:
        for x in (c.upper(), *PREDECESSORS.get(c.upper(), ())):
            if x not in out:
                out.append(x)
    return out


def country_name(code: str) -> str:
    return country_names().get(code.upper(), code.upper())


@functools.lru_cache(maxsize=1)
def name_patterns() -> list[tuple[re.Pattern, str]]:
    """country_converter's name patterns with their ISO alpha-2 code (as it
    spells them: UK for Britain), compiled once: its own convert() costs tens
    of milliseconds a name, which dominated indexing time."""
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    data = coco.CountryConverter().data
    out = []
    for pattern, iso2 in zip(data["regex"], data["ISO2"]):
        codes = re.findall(r"[A-Z]{2}", str(iso2))
        if codes and isinstance(pattern, str):
            out.append((re.compile(pattern, re.IGNORECASE), codes[0]))
    return out

