"""The read side's web page: a Flask app factory in the flaskr style."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request
from flask_htmx import HTMX

from archive.store import StoreError, open_store
from newsarchive import settings

log = logging.getLogger(__name__)


def _template_dir() -> str:
    # An installed wheel carries templates/ inside the newsarchive package; a
    # checkout has it beside.
    package = Path(settings.__file__).resolve().parent
    inside = package / "templates"
    return str(inside if inside.is_dir() else package.parent / "templates")


class Warmup:
    """Loading the query model takes seconds; it happens once, at start-up,
    in a background thread, so the first search is as fast as the rest.
    Until it is done the page says so and hybrid searches use keywords only."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.state = "cold"  # cold -> warming -> ready | failed
        self.seconds: float | None = None

    @property
    def ready(self) -> bool:
        # Without a warm-up (turned off) the model loads on first use, as before.
        return self.state in ("cold", "ready", "failed")

    def start(self, app: Flask) -> None:
        self.state = "warming"
        threading.Thread(target=self._run, args=(app,), name="warmup", daemon=True).start()

    def _run(self, app: Flask) -> None:
        from archive.model import SearchRequest

        started = time.perf_counter()
        try:
            with app.app_context():
                store = get_store()
                store.search(SearchRequest(q="warm up", mode="hybrid", size=1))
            self.state = "ready"
        except Exception:  # a broken store is reported by the searches themselves
            log.exception("warm-up failed")
            self.state = "failed"
        finally:
            self.seconds = round(time.perf_counter() - started, 2)
            self.done.set()


# What an htmx request says about itself (HX-Request, HX-Trigger, ...), read
# from the current request wherever it is used.
htmx = HTMX()


def create_app(config: dict | None = None) -> Flask:
    """`WARMUP` (default True) loads the store and the query model in the
    background at start-up; tests and scripts may turn it off."""
    app = Flask(__name__, template_folder=_template_dir())
    app.config.update(STORE=settings.STORE.get(), EMBEDDER=None, WARMUP=True)
    app.config.update({k: v for k, v in (config or {}).items() if v is not None})

    from archive.web import entities, views

    app.register_blueprint(views.bp)
    app.register_blueprint(entities.bp)
    app.teardown_appcontext(_close)
    htmx.init_app(app)
    app.extensions["warmup"] = Warmup()
    # Wire tables and some feeds come without a headline: the link to the
    # article still needs words to click on.
    app.add_template_filter(lambda title: title or "(no headline)", "headline")

    @app.errorhandler(Exception)
    def handle_error(e):
        from werkzeug.exceptions import HTTPException

        headers = {}
        if isinstance(e, HTTPException):
            status, message = e.code, e.description
            if status == 405 and getattr(e, "valid_methods", None):
                headers["Allow"] = ", ".join(e.valid_methods)
        elif isinstance(e, StoreError):
            # Written for readers ("run newsarchive index first"); the status
            # says whose move it is: the reader's (4xx) or the store's (503).
            status, message = e.status, str(e)
            if e.retry_after:
                headers["Retry-After"] = str(e.retry_after)
            if status >= 500:
                app.logger.warning("store unavailable on %s: %s", request.full_path, e)
        else:
            # Anything else (a tantivy "Schema error", a ValueError deep in a
            # library) is logged with its details and never shown.
            app.logger.exception("unhandled error on %s", request.full_path)
            status, message = 500, "Something went wrong on our side. Please try again."
        if request.path.startswith("/api/"):
            resp = jsonify({"error": {"status": status, "message": message}})
        elif htmx:
            resp = app.make_response(render_template("_error.html", status=status,
                                                     message=message))
        else:
            resp = app.make_response(render_template("error.html", status=status,
                                                     message=message))
        resp.status_code = status
        resp.headers.update(headers)
        return resp

    @app.after_request
    def headers(resp):
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    if app.config.get("WARMUP"):
        app.extensions["warmup"].start(app)
    return app


_stores: dict = {}
_stores_lock = threading.Lock()


def get_store():
    """One store object per process and location: it caches the loaded index."""
    from flask import current_app

    if "store" not in g:
        url = current_app.config.get("STORE")
        key = (url, current_app.config.get("EMBEDDER"))
        with _stores_lock:
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
