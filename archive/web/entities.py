"""A page for each person and country, with its JSON twin under /api/.

A name that is not the canonical one but fits exactly one known person
(`/people/putin`), or a country given by name (`/countries/Ukraine`),
redirects to the canonical URL, so each entity has one address.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, jsonify, make_response, redirect, render_template, request

from archive.countries import country_name
from archive.web import get_store, htmx, names, params, present, profile

bp = Blueprint("entities", __name__)


def _person(name: str):
    store = get_store()
    # The exact name first: the list of known people may be capped (Elasticsearch
    # lists at most 65,000), and a person linked from a page must open.
    data = profile.person(store, name)
    if data is not None:
        return data, None
    found = [p for p in names.person_candidates(name, names.known_people(store)) if p != name]
    if len(found) == 1:
        return None, found[0]
    if found:
        shown = ", ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10
                                         else "")
        abort(404, description=f"{name!r} could be several people: {shown}. "
                               "Search for one of them.")
    abort(404, description=f"No person called {name!r} in the archive.")


def _country(value: str):
    code = names.country_code(value)
    if code is None:
        abort(404, description=f"No country called {value!r}: use a name like Ukraine "
                               "or a code like UA.")
    if code != value:
        return None, code
    data = profile.country(get_store(), code)
    if data is None:
        abort(404, description=f"No article in the archive mentions "
                               f"{country_name(code)} ({code}).")
    return data, None


def _page(data: dict):
    """The full page, or for an htmx request just its content."""
    partial = htmx and not htmx.history_restore_request
    resp = make_response(render_template("_entity.html" if partial else "entity.html", e=data,
                                         **params.back_link(request.args)))
    resp.headers["Vary"] = "HX-Request"
    return resp


def _in_search(kind: str, key: str) -> dict | None:
    """Opened from a search: how many of that search's articles are about the
    entity, with the link that narrows the search to them. None otherwise."""
    req, _ = params.parse(request.args)
    if not params.to_args(req):
        return None
    facet = profile.FACET[kind]
    chosen = getattr(req, facet)
    # Beside a person already chosen, the narrowed search needs both, and
    # `together` binds every chosen person and country: a search whose other
    # choices are alternatives ("US or UK") cannot be narrowed so.
    both = bool(chosen) and key not in chosen and not req.together
    if both and any(len(getattr(req, f)) > 1 for f in ("people", "countries")):
        return None
    # Chosen already, as one of alternatives ("Merkel or Draghi"): the search's
    # articles about it are those the other choices do not widen to.
    values = [key] if key in chosen and not req.together else list(dict.fromkeys(chosen + [key]))
    narrowed = replace(req, **{facet: values}, page=1, together=req.together or both)
    total = get_store().search(replace(narrowed, size=1, facets=False)).total
    return {"total": total, "url": params.url("/", narrowed, page=None), "scope": req.scope}


FIND = {"people": ("person", _person),
        "countries": ("country", _country)}


@bp.get("/<any(people, countries):facet>/<path:key>", defaults={"api": False})
@bp.get("/api/<any(people, countries):facet>/<path:key>", defaults={"api": True})
def entity(facet: str, key: str, api: bool):
    """The page (or its JSON twin), or a redirect to the entity's one address."""
    kind, find = FIND[facet]
    data, canonical = find(key)
    if canonical:
        return redirect(("/api" if api else "") + present.page_url(kind, canonical)
                        + ("?" + request.query_string.decode() if request.query_string else ""))
    data["in_search"] = _in_search(kind, data["key"])
    return jsonify(data) if api else _page(data)
