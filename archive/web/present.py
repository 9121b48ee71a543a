"""Search results as plain data for templates and the JSON API.

Templates stay dumb: they loop over what is built here and escape every
piece of text; no markup is ever stored or trusted.
"""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from archive.countries import PREDECESSORS, country_name
from archive.fusion import RELAX_BELOW, SEMANTIC_K
from archive.highlight import render
from archive.model import Entity, SearchRequest, SearchResult, Span
from archive.query import LONG_MATCH, parse
from archive.web import params

FACET_TITLES = {"people": "People", "countries": "Countries", "sources": "Sources",
                "months": "Published"}
SCOPE_TITLES = {"about": "About", "mentioned": "Mentioned"}
SCOPE_HINTS = {
    "about": "Articles about each one: named in the headline or dateline, early in the "
             "story or several times.",
    "mentioned": "Every article that names each one, even once in passing.",
}
ENTITY_KIND = {"people": "person", "countries": "country"}


def segments(text: str, spans: list[Span], req: SearchRequest | None = None) -> list[dict]:
    """Text cut into pieces; a marked piece knows its kind and, for entities,
    the search URL that filters by it."""
    out = []
    for piece, sp in render(text, spans):
        seg = {"text": piece, "kind": sp.kind if sp else None, "key": sp.key if sp else None,
               "match": bool(sp and sp.match)}
        if sp and sp.kind in ("person", "country"):
            seg["href"] = entity_url(sp.kind, sp.key, req)
            seg["page_url"] = page_url(sp.kind, sp.key)
            seg["title"] = f"{'Person' if sp.kind == 'person' else 'Country'}: " + \
                (sp.key if sp.kind == "person" else f"{country_name(sp.key)} ({sp.key})")
        out.append(seg)
    return out


def entity_url(kind: str, key: str, req: SearchRequest | None = None) -> str:
    base = req or SearchRequest()
    facet = "people" if kind == "person" else "countries"
    current = getattr(base, facet)
    if key in current:
        return params.url("/", base, page=None)
    return params.url("/", base, **{params.PARAM[facet]: current + [key], "page": None})


def page_url(kind: str, key: str) -> str:
    """The entity's own page; entity_url is the search filtered by it."""
    return ("/people/" if kind == "person" else "/countries/") + quote(key, safe="")


def safe_url(value: str | None) -> str | None:
    """A stored URL worth linking to: http(s) only, never javascript: or data:."""
    if not value:
        return None
    v = value.strip()
    return v if v.lower().startswith(("http://", "https://")) and len(v) < 2048 else None


def _id(*parts: str) -> str:
    """A stable element id for a facet value, so focus stays on it after a swap."""
    return "f-" + hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:10]


def facets(result: SearchResult, more: str | None = None, base: str = "/") -> list[dict]:
    """Datasette-style facets; `more` is the one facet shown in full. `base`
    is the path the toggle links point to: the page, or the JSON API."""
    req = result.request
    out = []
    for name in ("people", "countries", "sources"):
        values = result.facets.get(name, [])
        expanded = name == more
        shown = values if expanded else _top(values, params.FACET_SIZE)
        out.append({
            "name": name, "title": FACET_TITLES[name],
            # What the people and countries counts mean, and the links that switch it.
            **(scope(req, base) if name in ENTITY_KIND else {}),
            "results": [{
                "value": v.value, "label": v.label, "count": v.count, "selected": v.selected,
                "toggle_url": base + "?" + _qs(params.toggle(req, name, v.value)),
                "id": _id(name, v.value),
                # The page carries the search it was opened from, to lead back to it.
                "page_url": params.url(page_url(ENTITY_KIND[name], v.value), req)
                if name in ENTITY_KIND else None,
            } for v in shown],
            "more_url": params.url(base, req, more=name)
            if not expanded and len(shown) < len(values) else None,
            "less_url": params.url(base, req) if expanded else None,
        })
    months = result.facets.get("months", [])
    peak = max((v.count for v in months), default=0)
    bars = [{
        "value": v.value, "label": month_label(v.value), "count": v.count,
        "selected": v.selected, "id": _id("months", v.value),
        "height": round(100 * v.count / peak) if peak else 0,
        "toggle_url": params.url(base, req, page=None, **params.month_click(req, v.value)),
    } for v in months]
    out.append({"name": "months", "title": FACET_TITLES["months"], "peak": peak,
                "results": bars, "timeline": timeline(bars, key="value")})
    return out


def scope(req: SearchRequest, base: str = "/") -> dict:
    """The scope the entity facets and filters count in, and a link to each
    scope (the same search, filters kept, back on page 1)."""
    return {"scope": req.scope, "scope_hint": SCOPE_HINTS[req.scope],
            "scopes": [{"value": s, "title": SCOPE_TITLES[s], "selected": s == req.scope,
                        "url": params.url(base, req, scope=s if s != "about" else None,
                                          page=None)}
                       for s in SCOPE_TITLES]}


def month_label(month: str) -> str:
    import calendar

    try:
        y, m = month.split("-")
        return f"{calendar.month_abbr[int(m)]} {y}"
    except (ValueError, IndexError):
        return month


GAP_MONTHS = 12  # a longer run of months without articles is drawn as one break


def timeline(bars: list[dict], key: str = "month") -> list[dict]:
    """Month bars (each with its "YYYY-MM" under `key`) in order, with the
    months between them that have no articles: as empty bars, or, for a run
    longer than GAP_MONTHS, as one break saying how long it is. Left out, an
    empty year looked like the next month and a quiet spell could not be seen."""
    out: list[dict] = []
    for bar in bars:
        if out and key in out[-1]:
            y, m = map(int, out[-1][key].split("-"))
            ny, nm = map(int, bar[key].split("-"))
            missing = (ny * 12 + nm) - (y * 12 + m) - 1
            if missing > GAP_MONTHS:
                out.append({"gap": missing, "count": 0, "height": 0,
                            "label": f"{_span(missing)} without articles"})
            else:
                for k in range(1, missing + 1):
                    yy, mm = divmod(y * 12 + m - 1 + k, 12)
                    month = f"{yy:04d}-{mm + 1:02d}"
                    out.append({key: month, "label": month_label(month), "count": 0,
                                "height": 0, "empty": True})
        out.append(bar)
    return out


def _span(months: int) -> str:
    years, rest = divmod(months, 12)
    parts = ([f"{years} year{'s' if years != 1 else ''}"] if years else []) + \
        ([f"{rest} month{'s' if rest != 1 else ''}"] if rest else [])
    return " ".join(parts)


def _top(values, n):
    """The first n values, plus any selected value past them."""
    return [v for i, v in enumerate(values) if i < n or v.selected]


def _qs(args) -> str:
    from urllib.parse import urlencode

    return urlencode(args)


def chips(req: SearchRequest) -> list[dict]:
    """Selected filters, each with the URL that removes it."""
    out = []
    for facet, kind in (("people", "person"), ("countries", "country"), ("sources", "source")):
        for v in getattr(req, facet):
            label = f"{country_name(v)} ({v})" if facet == "countries" else v
            out.append({"kind": kind, "label": label,
                        "remove_url": "/?" + _qs(params.toggle(req, facet, v)),
                        "also": _former(req, v) if facet == "countries" else []})
    if req.together and (len(req.people) > 1 or len(req.countries) > 1):
        out.append({"kind": "together", "label": "naming them all together",
                    "remove_url": params.url("/", req, together=None, page=None)})
    if req.date_from or req.date_to:
        label = f"{req.date_from or '…'} – {req.date_to or '…'}"
        out.append({"kind": "date", "label": label,
                    "remove_url": params.url("/", req, **{"from": None, "to": None, "page": None})})
    return out


def _former(req: SearchRequest, code: str) -> list[dict]:
    """The former states a chosen country was part of, each with the URL that
    adds it ("Russia" in 1987 stories is the Soviet Union): either will do,
    so not offered when every choice must be named together."""
    if req.together:
        return []
    return [{"label": country_name(p), "url": "/?" + _qs(params.toggle(req, "countries", p))}
            for p in PREDECESSORS.get(code, ()) if p not in req.countries]


def _articles(n: int) -> str:
    return f"{n:,} article{'s' if n != 1 else ''}"


def counts(result: SearchResult) -> dict:
    """What the count line says: how many articles have every word, how many
    more have some of them (a relaxed query), how many more match by meaning."""
    req = result.request
    total = result.total
    every, meaning = result.keyword_total, result.semantic_total
    some = max(0, total - every - meaning) if result.relaxed else 0
    long = bool(req.q) and parse(req.q).long
    parts = []
    if req.q and req.mode != "semantic" and (every or some or meaning):
        verb = "contains" if every == 1 else "contain"
        if long:
            # A paste matches with a share of its words, not all of them.
            share = f"at least {round(LONG_MATCH * 100)}% of"
            if every:
                parts.append(f"{_articles(every)} {verb} all your words")
            if some:
                parts.append(f"{some:,} more contain {share} them" if every
                             else f"{_articles(some)} contain{'s' if some == 1 else ''} "
                                  f"{share} your words")
            some = 0
        else:
            parts.append(f"{_articles(every)} {verb} all your words" if some
                         else f"{_articles(every)} {verb} your words")
        if some:
            parts.append(f"{some:,} more contain some of them")
        if meaning:
            parts.append(f"{meaning:,} more match by meaning" if parts
                         else f"{_articles(meaning)} match by meaning")
    elif req.q and req.mode == "semantic" and total >= SEMANTIC_K:
        # The meaning side lists its SEMANTIC_K nearest: a cut, not a count.
        parts.append(f"the {total:,} articles closest in meaning")
    elif req.q and req.mode == "semantic" and total:
        parts.append(f"{_articles(total)} match by meaning")
    return {
        "total": total, "summary": "; ".join(parts) or None,
        "relaxed": f"Fewer than {RELAX_BELOW} articles have all your words, so articles "
                   "with some of them follow." if result.relaxed and not long else None,
        "announce": _articles(total) if total else "No articles",
    }


def hits(result: SearchResult) -> list[dict]:
    req = result.request
    out = []
    for h in result.hits:
        out.append({
            "id": h.id, "title": h.title, "title_segments": segments(h.title, h.title_spans, req),
            "href": params.url(f"/articles/{quote(h.id, safe='')}", req),
            "published": h.published, "source": h.source, "url": safe_url(h.url),
            "score": h.score, "matched": h.matched,
            "segments": segments(h.passage, h.spans, req),
            "clipped_start": h.passage_start > 0,
            "clipped_end": not h.passage.rstrip().endswith((".", "!", "?", "\"", "”", "’", ")")),
            "people": h.people, "countries": [(c, country_name(c)) for c in h.countries],
        })
    return out


def pages(result: SearchResult) -> dict:
    req = result.request
    last = max(1, -(-min(result.total, params.PAGEABLE) // req.size))
    past_end = req.page > last and result.total > 0
    return {
        "page": req.page, "last": last, "past_end": past_end,
        "capped": params.PAGEABLE if result.total > params.PAGEABLE else None,
        "last_url": params.url("/", req, page=last if last > 1 else None),
        "prev_url": params.url("/", req, page=min(req.page - 1, last) if min(req.page - 1, last) > 1
                               else None) if req.page > 1 else None,
        "next_url": params.url("/", req, page=req.page + 1) if req.page < last else None,
        "first": req.offset + 1 if result.hits else 0,
        "last_shown": req.offset + len(result.hits),
    }


def entity_lists(entities: list[Entity]) -> dict:
    people = sorted((e for e in entities if e.kind == "person"), key=lambda e: -len(e.mentions))
    countries = sorted((e for e in entities if e.kind == "country"),
                       key=lambda e: -len(e.mentions))
    return {
        "people": [{"key": e.key, "label": e.label, "count": len(e.mentions),
                    "href": entity_url("person", e.key), "page_url": page_url("person", e.key)}
                   for e in people],
        "countries": [{"key": e.key, "label": e.label, "count": len(e.mentions),
                       "href": entity_url("country", e.key),
                       "page_url": page_url("country", e.key)} for e in countries],
    }


def mention_spans(entities: list[Entity], field: str) -> list[Span]:
    return [Span(m.start, m.end, e.kind, e.key) for e in entities for m in e.mentions
            if m.field == field]
