"""The read side's web page: a Flask app factory in the flaskr style."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request

from archive.store import StoreError, open_store


def _template_dir() -> str:
    # A checkout has templates/ at the top; an installed wheel carries it as
    # the newsarchive_templates package.
    here = Path(__file__).resolve().parents[2] / "templates"
    if here.is_dir():
        return str(here)
    import newsarchive_templates

    return str(Path(newsarchive_templates.__file__).parent)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=_template_dir())
    app.config.update(STORE=os.environ.get("NEWSARCHIVE_STORE"), EMBEDDER=None)
    app.config.update({k: v for k, v in (config or {}).items() if v is not None})

    from archive.web import views

    app.register_blueprint(views.bp)
    app.teardown_appcontext(_close)

    @app.errorhandler(Exception)
    def handle_error(e):
        from werkzeug.exceptions import HTTPException

        if isinstance(e, HTTPException):
            status, message = e.code, e.description
        elif isinstance(e, (StoreError, ValueError)):
            status, message = 400, str(e)
        else:
            app.logger.exception("unhandled error")
            status, message = 500, "Something went wrong on our side. Please try again."
        if request.path.startswith("/api/"):
            return jsonify({"error": {"status": status, "message": message}}), status
        if request.headers.get("HX-Request"):
            return render_template("_error.html", status=status, message=message), status
        return render_template("error.html", status=status, message=message), status

    @app.after_request
    def headers(resp):
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        return resp

    return app


_stores: dict = {}


def get_store():
    """One store object per process and location: it caches the loaded index."""
    from flask import current_app

    if "store" not in g:
        url = current_app.config.get("STORE")
        key = (url, current_app.config.get("EMBEDDER"))
        if key not in _stores:
            _stores[key] = open_store(url, embedder=_embedder_loader(current_app.config))
        g.store = _stores[key]
    return g.store


def _embedder_loader(config):
    kind = config.get("EMBEDDER")

    def load():
        from archive.embedding import load_embedder

        return load_embedder(kind)

    return load


def _close(exc):
    g.pop("store", None)
