"""Routes. Each HTML page has a JSON twin under /api/.

One URL serves the full page or, for an htmx request, just the partial the
request targets; `Vary: HX-Request` keeps caches from mixing the two.
"""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, jsonify, make_response, render_template, request

from archive.model import SearchRequest
from archive.web import get_store, params, present

bp = Blueprint("archive", __name__)


def _search():
    req, warnings = params.parse(request.args)
    result = get_store().search(req)
    result.warnings = warnings + result.warnings
    return req, result


def _context(req, result) -> dict:
    return {
        "req": req, "result": result, "hits": present.hits(result),
        "facets": present.facets(result, params.more(request.args)),
        "chips": present.chips(req),
        "pages": present.pages(result),
        "mode_urls": {m: params.url("/", req, mode=m if m != "hybrid" else None, page=None)
                      for m in ("hybrid", "keyword", "semantic")},
        "semantic_url": params.url("/", req, mode="semantic", page=None),
        "date_form_args": params.to_args(req, **{"from": None, "to": None, "page": None}),
    }


@bp.get("/")
def search():
    req, result = _search()
    ctx = _context(req, result)
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        resp = make_response(render_template("_results.html", **ctx))
    else:
        resp = make_response(render_template("search.html", **ctx))
    resp.headers["Vary"] = "HX-Request"
    return resp


@bp.get("/api/search")
def api_search():
    req, result = _search()
    data = result.to_dict()
    data["facets"] = present.facets(result, params.more(request.args))
    return jsonify(data)


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
    result = store.search(SearchRequest(people=people, size=50))
    counts = {"people": Counter(), "countries": Counter()}
    for h in result.hits:
        if h.id == s.article.id:
            continue
        counts["people"].update(p for p in h.people if p not in own)
        counts["countries"].update(c for c in h.countries if c not in own)
    return {
        "people": [{"key": k, "label": k, "count": n, "href": present.entity_url("person", k)}
                   for k, n in counts["people"].most_common(8)],
        "countries": [{"key": k, "label": f"{country_name(k)} ({k})", "count": n,
                       "href": present.entity_url("country", k)}
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
