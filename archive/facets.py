"""Facet values as plain data, the same from either store."""
from __future__ import annotations

from typing import Callable, Iterable

from archive.model import FacetValue


def facet_values(counts: Iterable[tuple[str, int]], selected: Iterable[str], size: int,
                 label: Callable[[str], str] = str) -> list[FacetValue]:
    """Top `size` values by count; a selected value always shows, even at zero,
    so the reader can see and undo it."""
    selected = list(selected)
    ranked = sorted(((v, c) for v, c in counts if c > 0), key=lambda vc: (-vc[1], vc[0]))
    top = ranked[:size]
    shown = {v for v, _ in top}
    all_counts = dict(ranked)
    for v in selected:
        if v not in shown:
            top.append((v, all_counts.get(v, 0)))
    return [FacetValue(v, label(v), c, v in selected) for v, c in top]


def country_label(code: str) -> str:
    from archive.countries import country_name

    return f"{country_name(code)} ({code})"


def month_values(counts: Iterable[tuple[str, int]], date_from, date_to) -> list[FacetValue]:
    """Every month with articles, in time order: a histogram, not a top list."""
    out = []
    for month, c in sorted(counts):
        if c <= 0:
            continue
        selected = bool(date_from or date_to) and _inside(month, date_from, date_to)
        out.append(FacetValue(month, month, c, selected))
    return out


def _inside(month: str, date_from, date_to) -> bool:
    if date_from and month < date_from.strftime("%Y-%m"):
        return False
    if date_to and month > date_to.strftime("%Y-%m"):
        return False
    return True
