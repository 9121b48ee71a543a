"""Request arguments to a SearchRequest, and back to URLs.

The URL is the state: every facet click, mode change and page is a link
built here, so a pasted URL renders the same page.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from archive.model import MODES, SearchRequest

MAX_QUERY = 500
MAX_PAGE = 1000
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


def parse(args: MultiDict) -> tuple[SearchRequest, list[str]]:
    """Never raises on user input: what cannot be used is dropped with a warning."""
    warnings: list[str] = []
    q = args.get("q", "")[:MAX_QUERY * 4]
    if len(q) > MAX_QUERY:
        warnings.append(f"The query was cut to its first {MAX_QUERY} characters.")
        q = q[:MAX_QUERY]
    mode = args.get("mode", "hybrid")
    if mode not in MODES:
        warnings.append(f"Unknown mode {mode[:20]!r}; used hybrid.")
        mode = "hybrid"
    page = _int(args.get("page"), 1, 1, MAX_PAGE)
    size = _int(args.get("size"), 10, 1, 50)
    date_from = _date(args.get("from"), "from", warnings)
    date_to = _date(args.get("to"), "to", warnings)
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    more = args.get("more")
    req = SearchRequest(
        q=q, mode=mode,
        people=_values(args, "person"), countries=_values(args, "country"),
        sources=_values(args, "source"), date_from=date_from, date_to=date_to,
        page=page, size=size,
        # One more than shown tells the page whether a "more" link is needed.
        facet_size=FACET_MORE if more in PARAM else FACET_SIZE + 1)
    return req, warnings


def more(args: MultiDict) -> str | None:
    """The facet the reader expanded with its "more" link, if any."""
    value = args.get("more")
    return value if value in PARAM else None


def _values(args: MultiDict, name: str) -> list[str]:
    return list(dict.fromkeys(v[:200] for v in args.getlist(name) if v.strip()))[:20]


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


def toggle(req: SearchRequest, facet: str, value: str) -> list[tuple[str, str]]:
    """Args with `value` of `facet` switched on or off, back on page 1."""
    current = {"people": req.people, "countries": req.countries, "sources": req.sources}[facet]
    new = [v for v in current if v != value] if value in current else current + [value]
    return to_args(req, **{PARAM[facet]: new, "page": None})
