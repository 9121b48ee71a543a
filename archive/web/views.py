"""Routes. Each HTML page has a JSON twin under /api/; every search also has
an Atom feed (/feed) and an export (/export.csv, /export.jsonl).

One URL serves the full page or, for an htmx request, just the partial the
request targets; `Vary: HX-Request` keeps caches from mixing the two.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from dataclasses import asdict, replace
from urllib.parse import urlsplit

from flask import (Blueprint, Response, abort, current_app, jsonify, render_template, request,
                   stream_with_context, url_for)
from flask_htmx import make_response

from archive.model import MAX_SIZE, SearchRequest
from archive.web import get_store, htmx, names, params, present

bp = Blueprint("archive", __name__)

FEED_SIZE = 50
WARMUP_WAIT = 120  # seconds a meaning-only search waits for the model at start-up


def _request(max_size: int = params.PAGE_MAX_SIZE):
    """The search the URL asks for, with names resolved and warnings kept."""
    req, warnings = params.parse(request.args, max_size=max_size)
    notes: list[dict] = []
    req.countries = names.resolve_countries(params._values(request.args, "country"), warnings)
    store = get_store()
    req.people = names.resolve_people(req.people, store, warnings, notes)
    return store, req, warnings, notes


def _search(max_size: int = params.PAGE_MAX_SIZE):
    store, req, warnings, notes = _request(max_size)
    warmup = current_app.extensions["warmup"]
    warming = False
    run = req
    if req.q and req.mode != "keyword" and not warmup.ready:
        if req.mode == "hybrid":
            # Keyword matches now rather than a page that hangs for the model.
            run, warming = replace(req, mode="keyword"), True
            warnings.append("The search model is still warming up, so these are keyword "
                            "matches only; matches by meaning follow in a few seconds.")
        else:
            warmup.done.wait(WARMUP_WAIT)
    result = store.search(run)
    result.request = req
    result.warnings = warnings + result.warnings
    return req, result, notes, warming


def _context(req, result, notes, warming) -> dict:
    for n in notes:
        for c in n["candidates"]:
            people = [c["name"] if p == n["value"] else p for p in req.people]
            c["url"] = params.url("/", req, person=people, page=None)
    return {
        "req": req, "result": result, "hits": present.hits(result),
        "facets": present.facets(result, params.more(request.args)),
        "chips": present.chips(req), "notes": notes, "warming": warming,
        "max_query": params.MAX_QUERY,
        "counts": present.counts(result),
        "pages": present.pages(result),
        "self_url": params.url("/", req, more=params.more(request.args)),
        "sort_urls": {s: params.url("/", req, sort=s if s != "relevance" else None, page=None)
                      for s in ("relevance", "newest")},
        "size_urls": {n: params.url("/", req, size=n if n != params.PAGE_SIZE else None, page=None)
                      for n in (10, 20, 50)},
        "export_urls": {f: params.url(f"/export.{f}", req, page=None, size=None)
                        for f in ("csv", "jsonl")},
        "feed_url": params.url("/feed", req, page=None, size=None, sort=None),
        "json_url": params.url("/api/search", req),
        "semantic_url": params.url("/", req, mode="semantic", page=None),
        "keyword_url": params.url("/", req, mode="keyword", page=None),
        "state_args": params.to_args(req, q=None, mode=None, page=None),
        "date_form_args": params.to_args(req, **{"from": None, "to": None, "page": None}),
    }


def _history(canonical: str) -> dict:
    """Typing replaces the URL; every other action (facet, chip, mode, sort,
    page, Enter) pushes it. The URL is the server's canonical form of the
    state, and nothing is pushed when it is already the current one."""
    if htmx.current_url:
        parts = urlsplit(htmx.current_url)
        if parts.path + ("?" + parts.query if parts.query else "") == canonical:
            return {"push_url": False}
    if htmx.trigger == "q":
        return {"replace_url": canonical}
    return {"push_url": canonical}


@bp.get("/")
def search():
    req, result, notes, warming = _search()
    ctx = _context(req, result, notes, warming)
    if htmx and not htmx.history_restore_request:
        resp = make_response(render_template("_results.html", oob=True, **ctx),
                             **_history(ctx["self_url"]))
    else:
        resp = make_response(render_template("search.html", oob=False, **ctx))
    resp.headers["Vary"] = "HX-Request"
    return resp


@bp.get("/api/search")
def api_search():
    req, result, notes, _ = _search(max_size=MAX_SIZE)
    data = result.to_dict()
    data["facets"] = present.facets(result, params.more(request.args), base="/api/search")
    # "about" or "mentioned": what the people and countries facets counted.
    data["scope"] = req.scope
    if notes:
        data["candidates"] = notes
    return jsonify(data)


@bp.get("/api/status")
def api_status():
    w = current_app.extensions["warmup"]
    return jsonify({"model": "warming up" if w.state == "warming" else w.state,
                    "warmup_seconds": w.seconds})


# -- the whole result set: export and feed ----------------------------------
def _wait_for_model(req: SearchRequest) -> None:
    """Exports and feeds are whole answers: they wait for the warm-up."""
    warmup = current_app.extensions["warmup"]
    if req.q and req.mode != "keyword" and not warmup.ready:
        warmup.done.wait(WARMUP_WAIT)


def _rows(store, req: SearchRequest, limit: int | None = None):
    it = store.iter_results(replace(req, page=1, facets=False))
    return itertools.islice(it, limit) if limit else it


def _row(stored, score: float) -> dict:
    a = stored.article
    people = list(dict.fromkeys(e.key for e in stored.entities if e.kind == "person"))
    countries = list(dict.fromkeys(e.key for e in stored.entities if e.kind == "country"))
    return {"id": a.id, "headline": a.title,
            "date": a.published.isoformat() if a.published else None,
            "source": a.source, "url": a.url, "people": people, "countries": countries,
            "score": round(float(score), 6)}


def _filename(req: SearchRequest, ext: str) -> str:
    import re

    stem = re.sub(r"[^A-Za-z0-9]+", "-", req.q).strip("-")[:40] or "all"
    return f"newsarchive-{stem}.{ext}"


@bp.get("/export.<fmt>")
def export(fmt):
    if fmt not in ("csv", "jsonl"):
        abort(404, description="Export as .csv or .jsonl.")
    store, req, _, _ = _request()
    _wait_for_model(req)
    fields = ["id", "headline", "date", "source", "url", "people", "countries", "score"]

    def generate():
        # Rows go out in chunks of about 32 KB (the first row at once, so a
        # download starts without waiting): memory stays flat however many
        # rows match.
        buf = io.StringIO()
        w = csv.writer(buf) if fmt == "csv" else None
        if w:
            w.writerow(fields)
        first = True
        for stored, score in _rows(store, req):
            r = _row(stored, score)
            if w:
                r["people"] = "; ".join(r["people"])
                r["countries"] = "; ".join(r["countries"])
                w.writerow(["" if r[f] is None else r[f] for f in fields])
            else:
                buf.write(json.dumps(r, ensure_ascii=False) + "\n")
            if first or buf.tell() > 32 * 1024:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
                first = False
        yield buf.getvalue()

    mime = "text/csv" if fmt == "csv" else "application/x-ndjson"
    resp = Response(stream_with_context(generate()), mimetype=mime)
    resp.headers["Content-Disposition"] = f'attachment; filename="{_filename(req, fmt)}"'
    return resp


@bp.get("/feed")
def feed():
    store, req, warnings, _ = _request()
    req = replace(req, sort="newest", page=1, size=FEED_SIZE)
    _wait_for_model(req)
    entries = []
    for stored, score in _rows(store, req, FEED_SIZE):
        a = stored.article
        passage = a.body[:400].rsplit(" ", 1)[0] + "…" if len(a.body) > 400 else a.body
        entries.append({
            "id": a.id, "title": a.title, "summary": passage, "source": a.source,
            "published": a.published,
            "href": url_for("archive.article", article_id=a.id, _external=True),
            "original": present.safe_url(a.url),
            "people": [e.label for e in stored.entities if e.kind == "person"],
        })
    # The store sorts newest first; undated articles go last either way.
    entries.sort(key=lambda e: e["published"] or dt.date.min, reverse=True)
    newest = next((e["published"] for e in entries if e["published"]), None)
    updated = _atom_time(newest) if newest else "1970-01-01T00:00:00Z"
    for e in entries:
        e["updated"] = _atom_time(e["published"]) if e["published"] else updated
    html_url = request.host_url.rstrip("/") + params.url("/", req, page=None, size=None,
                                                         sort="newest")
    xml = render_template("feed.xml", entries=entries, req=req, updated=updated,
                          title=_feed_title(req), html_url=html_url,
                          self_url=request.url, warnings=warnings)
    return Response(xml, mimetype="application/atom+xml")


def _atom_time(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _feed_title(req: SearchRequest) -> str:
    from archive.countries import country_name

    parts = [f"“{req.q}”"] if req.q else []
    parts += req.people + [country_name(c) for c in req.countries] + req.sources
    if req.date_from or req.date_to:
        parts.append(f"{req.date_from or '…'} to {req.date_to or '…'}")
    return "News archive: " + (", ".join(parts) if parts else "newest articles")


# -- articles ---------------------------------------------------------------
def _article(article_id: str):
    store = get_store()
    stored = store.get(article_id)
    if stored is None:
        abort(404, description=f"No article with id {article_id!r}.")
    return store, stored


@bp.get("/articles/<path:article_id>")
def article(article_id):
    store, s = _article(article_id)
    a = s.article
    similar = []
    for sid, score in store.similar(a.id, k=5):
        other = store.get(sid)
        if other:
            similar.append({"id": sid, "title": other.article.title, "score": round(score, 3),
                            "published": other.article.published})
    ctx = {
        "a": a, "entities": present.entity_lists(s.entities),
        "original_url": present.safe_url(a.url),
        **params.back_link(request.args),
        "title_segments": present.segments(a.title, present.mention_spans(s.entities, "title")),
        "body_segments": present.segments(a.body, present.mention_spans(s.entities, "body")),
        "similar": similar, "related": _related(store, s),
    }
    return render_template("article.html", **ctx)


def _related(store, s) -> dict:
    """People and countries that appear with this article's people elsewhere,
    counted over the 50 newest such articles."""
    from collections import Counter

    from archive.countries import country_name

    people = [e.key for e in s.entities if e.kind == "person"]
    own = {e.key for e in s.entities}
    if not people:
        return {"people": [], "countries": []}
    result = store.search(SearchRequest(people=people, size=50, scope="mentioned"))
    counts = {"people": Counter(), "countries": Counter()}
    for h in result.hits:
        if h.id == s.article.id:
            continue
        counts["people"].update(p for p in h.people if p not in own)
        counts["countries"].update(c for c in h.countries if c not in own)
    return {
        "people": [{"key": k, "label": k, "count": n, "href": present.entity_url("person", k),
                    "page_url": present.page_url("person", k)}
                   for k, n in counts["people"].most_common(8)],
        "countries": [{"key": k, "label": f"{country_name(k)} ({k})", "count": n,
                       "href": present.entity_url("country", k),
                       "page_url": present.page_url("country", k)}
                      for k, n in counts["countries"].most_common(8)],
    }


@bp.get("/api/articles/<path:article_id>")
def api_article(article_id):
    store, s = _article(article_id)
    return jsonify({
        "article": s.article.to_dict(),
        "entities": [e.to_dict() for e in s.entities],
        "passages": [asdict(p) for p in s.passages],
        "model": s.model,
        "similar": [{"id": i, "score": round(x, 4)} for i, x in store.similar(s.article.id, 5)],
    })
