"""Request arguments to a SearchRequest, and back to URLs.

The URL is the state: every facet click, mode change, sort and page is a
link built here, so a pasted URL renders the same page, and every request
carries the whole state (query, mode, filters, sort, page size).
"""
from __future__ import annotations

import calendar
import datetime as dt
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from archive.model import MAX_SIZE, MODES, SCOPES, SORTS, SearchRequest

MAX_QUERY = 5000  # a pasted article; the query layer reads long text as a known-item search
# The most matches a search pages through, on both stores (Elasticsearch's
# result window); the export streams every match.
PAGEABLE = 10_000
PAGE_SIZE = 10
PAGE_MAX_SIZE = 50  # the HTML page; the JSON API allows model.MAX_SIZE
FACET_SIZE = 10
FACET_MORE = 100
# URL parameter for each filterable facet.
PARAM = {"people": "person", "countries": "country", "sources": "source"}


def _date(value: str | None, name: str, warnings: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10] if len(value) > 7 else value + "-01")
    except ValueError:
        warnings.append(f"Ignored {name}={value[:30]!r}: not a date like 2025-10-17.")
        return None


def parse(args: MultiDict, max_size: int = PAGE_MAX_SIZE) -> tuple[SearchRequest, list[str]]:
    """Never raises on user input: what cannot be used is dropped or clamped
    with a warning saying so."""
    warnings: list[str] = []
    # Line breaks become spaces: the search box cannot hold them and would
    # join the words on either side ("fourth\ncircuit" -> "fourthcircuit").
    q = " ".join(args.get("q", "")[:MAX_QUERY * 4].split())
    if len(q) > MAX_QUERY:
        warnings.append(f"The query was cut to its first {MAX_QUERY} characters.")
        q = q[:MAX_QUERY]
    mode = args.get("mode", "hybrid") or "hybrid"
    if mode not in MODES:
        warnings.append(f"Unknown mode {mode[:20]!r}; used hybrid.")
        mode = "hybrid"
    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        warnings.append(f"Unknown sort {sort[:20]!r}; sorted by relevance.")
        sort = "relevance"
    scope = args.get("scope", "about") or "about"
    if scope not in SCOPES:
        warnings.append(f"Unknown scope {scope[:20]!r}; counted the articles about each "
                        "person and country.")
        scope = "about"
    page = _int(args.get("page"), 1, 1, 10 ** 9)
    size = _int(args.get("size"), PAGE_SIZE, 1, 10 ** 9)
    if size > max_size:
        warnings.append(f"size={size} is more than the maximum of {max_size}; "
                        f"showing {max_size} a page.")
        size = max_size
    last_page = -(-PAGEABLE // size)
    if page > last_page:
        warnings.append(f"Only the first {PAGEABLE:,} matches can be paged through; showing "
                        f"page {last_page:,}. Export gets them all.")
        page = last_page
    date_from = _date(args.get("from"), "from", warnings)
    date_to = _date(args.get("to"), "to", warnings)
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    more = args.get("more")
    req = SearchRequest(
        q=q, mode=mode, sort=sort, scope=scope, together=args.get("together") == "1",
        people=_values(args, "person"), countries=_values(args, "country"),
        sources=_values(args, "source"), date_from=date_from, date_to=date_to,
        page=page, size=min(size, MAX_SIZE),
        # One more than shown tells the page whether a "more" link is needed.
        facet_size=FACET_MORE if more in PARAM else FACET_SIZE + 1)
    return req, warnings


def more(args: MultiDict) -> str | None:
    """The facet the reader expanded with its "more" link, if any."""
    value = args.get("more")
    return value if value in PARAM else None


def _values(args: MultiDict, name: str) -> list[str]:
    return list(dict.fromkeys(v.strip()[:200] for v in args.getlist(name) if v.strip()))[:20]


def _int(value, default: int, lo: int, hi: int) -> int:
    try:
        return min(max(int(value), lo), hi)
    except (TypeError, ValueError):
        return default


def to_args(req: SearchRequest, **changes) -> list[tuple[str, str]]:
    """The request as URL arguments, with changes (None removes a key)."""
    state = {
        "q": req.q, "mode": req.mode if req.mode != "hybrid" else None,
        "person": req.people, "country": req.countries, "source": req.sources,
        "from": req.date_from.isoformat() if req.date_from else None,
        "to": req.date_to.isoformat() if req.date_to else None,
        "sort": req.sort if req.sort != "relevance" else None,
        "scope": req.scope if req.scope != "about" else None,
        "together": "1" if req.together else None,
        "size": req.size if req.size != PAGE_SIZE else None,
        "page": req.page if req.page > 1 else None,
        "more": None,
    }
    state.update(changes)
    out = []
    for k, v in state.items():
        if v in (None, "", []):
            continue
        for item in (v if isinstance(v, list) else [v]):
            out.append((k, str(item)))
    return out


def url(path: str, req: SearchRequest, **changes) -> str:
    args = to_args(req, **changes)
    return path + ("?" + urlencode(args) if args else "")


def back_link(args: MultiDict) -> dict:
    """Where a page opened from a search (an article, a person) leads back:
    that search, which rides along in the page's URL, or the search page."""
    req, _ = parse(args)
    return {"back_url": url("/", req), "has_search": bool(to_args(req))}


def toggle(req: SearchRequest, facet: str, value: str) -> list[tuple[str, str]]:
    """Args with `value` of `facet` switched on or off, back on page 1."""
    current = {"people": req.people, "countries": req.countries, "sources": req.sources}[facet]
    new = [v for v in current if v != value] if value in current else current + [value]
    return to_args(req, **{PARAM[facet]: new, "page": None})


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    y, m = (int(x) for x in month.split("-"))
    return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])


def month_click(req: SearchRequest, month: str) -> dict:
    """The date range after clicking `month` on the histogram.

    No range: that month. The one selected month: cleared. One month
    selected and another clicked: the range between them (two clicks make a
    range). A longer range: start over with the clicked month."""
    first, last = month_bounds(month)
    frm, to = req.date_from, req.date_to
    none = {"from": None, "to": None}
    if not frm and not to:
        return {"from": first.isoformat(), "to": last.isoformat()}
    sel_first = month_bounds(frm.strftime("%Y-%m"))[0] if frm else None
    sel_last = month_bounds(to.strftime("%Y-%m"))[1] if to else None
    one_month = sel_first and sel_last and sel_first.strftime("%Y-%m") == sel_last.strftime("%Y-%m")
    if one_month and sel_first == first:
        return none
    if one_month:
        return {"from": min(first, sel_first).isoformat(), "to": max(last, sel_last).isoformat()}
    return {"from": first.isoformat(), "to": last.isoformat()}
