"""Display names for ISO 3166-1 alpha-2 codes."""
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
    return names


def country_name(code: str) -> str:
    return country_names().get(code.upper(), code.upper())
