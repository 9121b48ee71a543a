"""What the archive says about one person or one country, as plain data.

Everything comes from ordinary searches filtered by the entity, so both
stores answer it through the Store interface: the months facet is the
histogram, facet counts and the newest matches say who is mentioned with
them (see _profile), a newest-first page is the newest articles and a
keyword search for the name ranks the most relevant ones.

The stores keep each person under one canonical name; the spellings
merged into it are read back from the marked mentions of the newest
articles (`_variants`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from urllib.parse import quote

from archive.countries import country_name, with_predecessors
from archive.facets import country_label
from archive.model import MAX_SIZE, Hit, SearchRequest, SearchResult
from archive.web import params, present

ARTICLES = 5  # newest and most relevant, each
RELATED = 10
VARIANTS_OVER = 40  # newest articles whose marked mentions give the name variants
VARIANTS = 12
FACET = {"person": "people", "country": "countries"}


def person(store, name: str) -> dict | None:
    return _profile(store, "person", name, name, q=name)


def country(store, code: str) -> dict | None:
    return _profile(store, "country", code, country_label(code), q=country_name(code))


def _profile(store, kind: str, key: str, label: str, q: str) -> dict | None:
    """None when no article mentions the entity."""
    facet = FACET[kind]
    # The page is about every article that names the entity (the search's
    # "mentioned" scope); how many of them are about it is a link beside.
    only = SearchRequest(**{facet: [key]}, scope="mentioned")
    newest = store.search(replace(only, sort="newest", size=MAX_SIZE, facet_size=RELATED + 1))
    if not newest.total:
        return None
    relevant = store.search(replace(only, q=q, mode="keyword", size=ARTICLES, facets=False))
    about = replace(only, scope="about")
    about_total = store.search(replace(about, size=1, facets=False)).total
    # A facet's counts leave out its own filter (so a reader can widen a
    # choice), so the people facet of a search for one person counts the
    # whole archive. The other kind comes from its facet, over every match;
    # the entity's own kind is chosen from the newest matches, then counted
    # over every article (_exact).
    other = "countries" if kind == "person" else "people"
    together = {other: _from_facet(newest, other, only),
                facet: _exact(store, _from_hits(newest, facet, key, only), facet, only)}
    return {
        "kind": kind, "key": key, "label": label, "total": newest.total,
        "search_url": params.url("/", only),
        "about_total": about_total, "about_url": params.url("/", about),
        "page_url": present.page_url(kind, key),
        "months": _months(newest, only),
        "with": together,
        "counted_over": len(newest.hits),
        "variants": _variants(store, newest.hits[:VARIANTS_OVER], kind, key, label),
        "newest": _articles(newest.hits[:ARTICLES]),
        "relevant": _articles(relevant.hits),
    }


def _months(result: SearchResult, only: SearchRequest) -> dict:
    """Articles per month; each bar opens the search for the entity in that
    month. `undated`: the result's articles in no month."""
    months = result.facets.get("months", [])
    peak = max((v.count for v in months), default=0)
    bars = [{
        "month": v.value, "label": present.month_label(v.value), "count": v.count,
        "height": round(10 * v.count / peak) if peak else 0,
        "url": params.url("/", only, **params.month_click(SearchRequest(), v.value)),
    } for v in months]
    return {"peak": peak, "bars": present.timeline(bars),
            "undated": result.total - sum(v.count for v in months)}


def _from_facet(result: SearchResult, facet: str, only: SearchRequest) -> list[dict]:
    return [_together(facet, v.value, v.count, only)
            for v in result.facets.get(facet, [])[:RELATED]]


def _from_hits(result: SearchResult, facet: str, key: str, only: SearchRequest) -> list[dict]:
    # A country's former state is the same place in other years (an article
    # naming both is dated across the break): the Soviet Union is not listed
    # as "mentioned with" Russia.
    own = set(with_predecessors([key])) if facet == "countries" else {key}
    counts = Counter(v for h in result.hits for v in getattr(h, facet) if v not in own)
    ranked = sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))[:RELATED]
    return [_together(facet, v, n, only) for v, n in ranked]


def _exact(store, found: list[dict], facet: str, only: SearchRequest) -> list[dict]:
    """The same kind's "N together", counted over every article (the newest
    ones only chose who is listed), so N is what the link opens."""
    for r in found:
        both = replace(only, **{facet: getattr(only, facet) + [r["key"]]}, together=True,
                       size=1, facets=False)
        r["count"] = store.search(both).total
    return sorted(found, key=lambda r: (-r["count"], r["key"]))


def _together(facet: str, value: str, count: int, only: SearchRequest) -> dict:
    """A value mentioned with the entity: its own page, and the articles naming
    both (two people or two countries only together: one facet's values are
    otherwise alternatives)."""
    kind = present.ENTITY_KIND[facet]
    return {"key": value, "label": country_label(value) if kind == "country" else value,
            "count": count, "page_url": present.page_url(kind, value),
            "both_url": present.entity_url(kind, value, replace(only, together=True))}


def _variants(store, hits: list[Hit], kind: str, key: str, label: str) -> dict:
    """How the articles write the entity: the text of each marked mention,
    counted once per article ("Reagan", "Ronald Reagan", "Ron Reagan" under
    Ronald Reagan; "Soviet", "Moscow" under the Soviet Union). Read from the
    stored mentions, so it shows what the indexer merged, whatever rule did."""
    counts: Counter = Counter()
    forms: dict[str, Counter] = {}  # "REAGAN" in headlines is the "Reagan" of the text
    for stored in store.get_many([h.id for h in hits]):
        if stored is None:  # deleted since the search
            continue
        a = stored.article
        seen = set()
        for e in stored.entities:
            if e.kind != kind or e.key != key:
                continue
            for m in e.mentions:
                text = (a.title if m.field == "title" else a.body)[m.start:m.end]
                text = " ".join(text.split())  # a name across a line break
                if text:
                    seen.add(text.casefold())
                    forms.setdefault(text.casefold(), Counter())[text] += 1
        counts.update(seen)
    shown = {k: max(f, key=lambda t: (not t.isupper(), f[t], t)) for k, f in forms.items()}
    ranked = sorted(((shown[k], n) for k, n in counts.items()), key=lambda tc: (-tc[1], tc[0]))
    return {"over": len(hits),
            "names": [{"text": t, "count": n} for t, n in ranked[:VARIANTS]],
            "more": max(0, len(ranked) - VARIANTS),
            "only_label": [t for t, _ in ranked] in ([], [label])}


def _articles(hits: list[Hit]) -> list[dict]:
    return [{"id": h.id, "title": h.title, "published": h.published, "source": h.source,
             "href": f"/articles/{quote(h.id, safe='')}"} for h in hits]
