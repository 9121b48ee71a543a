"""The `newsarchive` command: a thin click layer over the indexer and the archive."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import time
from contextlib import contextmanager

import click

from archive.model import SORTS
from archive.store import StoreError, open_store
from newsarchive import settings

STORE_HELP = ("Where the archive lives: a directory (embedded store) or an Elasticsearch URL. "
              f"Default: ${settings.STORE.name}, else {settings.STORE.shown()}.")


class Command(click.Command):
    """A command whose --help ends with the environment settings it uses."""

    def format_epilog(self, ctx, formatter):
        super().format_epilog(ctx, formatter)
        _settings_section(formatter, settings.for_command(self.name))


class Group(click.Group):
    """Library errors that no command caught become short messages too."""

    command_class = Command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (settings.SettingError, StoreError) as e:
            _fail(e)

    def format_epilog(self, ctx, formatter):
        super().format_epilog(ctx, formatter)
        _settings_section(formatter, settings.for_command(None))


def _settings_section(formatter, found) -> None:
    if found:
        with formatter.section("Settings (environment variables)"):
            formatter.write_dl([(s.name, f"{s.help} Default: {s.shown()}.") for s in found])


def _store_option(f):
    # No envvar here: open_store falls back to the setting, so every way in reads it once.
    return click.option("--store", "store_url", default=None, help=STORE_HELP,
                        metavar="PATH|URL")(f)


def _embedder():
    from archive.embedding import load_embedder

    return load_embedder()


class Progress:
    """A one-line progress display with rate and ETA, only on a terminal."""

    def __init__(self, label: str, enabled: bool):
        self.label, self.enabled, self.start = label, enabled, time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        rate = done / elapsed if elapsed else 0.0
        eta = (total - done) / rate if rate else 0.0
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r{self.label} [{bar}] {done}/{total}  {rate:.1f} articles/s  "
                   f"ETA {dt.timedelta(seconds=int(eta))}", nl=False, err=True)
        if done >= total:
            click.echo("", err=True)


# Exit statuses besides 0: 1 the command could not do what was asked (or some
# articles failed), 2 a usage or setting error, 75 (EX_TEMPFAIL) the store
# cannot answer now, so a script or a timer can tell "run it again later".
FAILED, USAGE, UNAVAILABLE = 1, 2, 75


class Failure(click.ClickException):
    def __init__(self, message: str, exit_code: int = FAILED):
        super().__init__(message)
        self.exit_code = exit_code


def _fail(e: Exception, hint: str | None = None):
    msg = str(e)
    if hint:
        msg += f"\nHint: {hint}"
    if isinstance(e, StoreError) and e.status >= 500:
        code = UNAVAILABLE
    elif isinstance(e, settings.SettingError):
        code = USAGE
    else:
        code = FAILED
    raise Failure(msg, code) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def cli():
    """A searchable news archive: keyword and semantic search, people and countries.

    Example:

    \b
        newsarchive index samples/
        newsarchive search "peace talks" --country UA
        newsarchive serve
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _close(store) -> None:
    """Close the store, saying why when it waits: the last commits' segments
    are merged in the background, and on a large archive that takes minutes."""
    if store.merging():
        _say_waiting()
    store.close()


def _say_waiting() -> None:
    click.echo("waiting for a background merge of segments to finish…", err=True)


def _print_summary(summary, as_json: bool) -> None:
    d = summary.to_dict()
    if as_json:
        click.echo(json.dumps(d, indent=2))
        return
    click.echo(f"new: {d['new']}  updated: {d['updated']}  unchanged: {d['unchanged']}  "
               f"failed: {d['failed']}  warnings: {d['warnings']}  skipped: {d['skipped']}")
    if d["seconds"]:
        rate = f"{d['articles_per_second']} articles/s" if d["articles_per_second"] else ""
        stages = ", ".join(f"{k} {v}s" for k, v in d["stages"].items())
        click.echo(f"{d['passages']} passages ({d['embedded']} embedded, the rest cached) in "
                   f"{d['seconds']}s {rate}  [{stages}]")
    for p in summary.failed[:50]:
        click.echo(f"  failed: {p}", err=True)
    if len(summary.failed) > 50:
        click.echo(f"  ... and {len(summary.failed) - 50} more failures (use --json for all)",
                   err=True)
    for p in summary.warnings[:20]:
        click.echo(f"  warning: {p}", err=True)
    if len(summary.warnings) > 20:
        click.echo(f"  ... and {len(summary.warnings) - 20} more warnings", err=True)
    for p in summary.skipped[:20]:
        click.echo(f"  skipped: {p}", err=True)
    if len(summary.skipped) > 20:
        click.echo(f"  ... and {len(summary.skipped) - 20} more skipped files (use --json for all)",
                   err=True)


def _indexer(store, commit_every=None, commit_seconds=None):
    from indexer.embedcache import EmbedCache
    from indexer.entities import EntityExtractor
    from indexer.nercache import NerCache
    from indexer.pipeline import Indexer

    settings = {k: v for k, v in (("commit_every", commit_every),
                                  ("commit_seconds", commit_seconds)) if v is not None}
    return Indexer(store, _embedder(), EntityExtractor(cache=NerCache()), EmbedCache(),
                   **settings)


def _commit_options(f):
    every, seconds = settings.COMMIT_EVERY, settings.COMMIT_SECONDS
    f = click.option("--commit-seconds", type=click.FloatRange(min=0), default=seconds.default,
                     envvar=seconds.name, show_default=True,
                     help="Commit at least this often, in seconds.")(f)
    return click.option("--commit-every", type=click.IntRange(min=1), default=every.default,
                        envvar=every.name, show_default=True,
                        help="Commit after this many articles (or --commit-seconds, whichever "
                             "comes first).")(f)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_store_option
@_commit_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def index(paths, store_url, commit_every, commit_seconds, as_json):
    """Ingest files and directories (.txt, .jsonl, .html, .rss/.atom/.xml).

    Directories are read recursively. Articles that have not changed since the
    last run are skipped; changed ones are updated in place. Exits 1 if any
    article failed (the rest are indexed all the same); files of other types
    inside a folder are listed as skipped. Work is committed every
    --commit-every articles or --commit-seconds, so an interrupted run keeps
    what it committed and running it again does only the rest.

    Example:

    \b
        newsarchive index samples/ ~/news/feed.xml
    """
    try:
        store = open_store(store_url, writable=True)
        summary = _indexer(store, commit_every, commit_seconds).index_paths(
            paths, Progress("indexing", sys.stderr.isatty() and not as_json))
        _close(store)
    except StoreError as e:
        _fail(e, "check --store or NEWSARCHIVE_STORE")
    _print_summary(summary, as_json)
    sys.exit(1 if summary.failed else 0)


@cli.command()
@_store_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def reindex(store_url, as_json):
    """Rebuild the whole index from the stored articles and switch to it atomically.

    Use it after a model or mapping change. Until the new index is complete,
    searches use the old one; if the rebuild stops, the old one stays.

    Example:

    \b
        newsarchive reindex --store ~/archive
    """
    try:
        store = open_store(store_url, writable=True)
        summary = _indexer(store).rebuild(Progress("reindexing", sys.stderr.isatty() and not as_json),
                                          waiting=_say_waiting)
        _close(store)
    except StoreError as e:
        _fail(e)
    _print_summary(summary, as_json)
    sys.exit(1 if summary.failed else 0)


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-10-17")


@cli.command()
@click.argument("query", required=False, default="")
@_store_option
@click.option("--mode", type=click.Choice(["hybrid", "keyword", "semantic"]), default="hybrid",
              show_default=True)
@click.option("--person", "people", multiple=True, help="Only articles about this person.")
@click.option("--country", "countries", multiple=True, help="Only articles about this country "
              "(ISO code, e.g. UA).")
@click.option("--source", "sources", multiple=True)
@click.option("--from", "date_from", callback=_date, help="Published on or after (YYYY-MM-DD).")
@click.option("--to", "date_to", callback=_date, help="Published on or before (YYYY-MM-DD).")
@click.option("--page", default=1, show_default=True)
@click.option("--size", default=10, show_default=True)
@click.option("--sort", type=click.Choice(SORTS), default="relevance",
              show_default=True, help="newest: the same matches, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def search(query, store_url, mode, people, countries, sources, date_from, date_to, page, size,
           sort, as_json):
    """Search the archive. An empty query lists the newest articles.

    Example:

    \b
        newsarchive search "peace talks" --country UA --person "Donald Trump"
    """
    from archive.model import SearchRequest

    try:
        req = SearchRequest(query, mode, list(people), list(countries), list(sources),
                            date_from, date_to, page, size, sort=sort)
        result = open_store(store_url, embedder=_embedder).search(req)
    except (StoreError, ValueError) as e:
        _fail(e)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    for w in result.warnings:
        click.echo(f"note: {w}", err=True)
    click.echo(f"{result.total} results ({result.took_ms} ms)")
    for n, h in enumerate(result.hits, start=req.offset + 1):
        click.echo(f"\n{n}. {h.title}  [{h.published or 'undated'} {h.source or ''}] id={h.id}")
        click.echo("   " + _marked(h.passage, h.spans).replace("\n", " ")[:400])
    for name, values in result.facets.items():
        if values and name != "months":
            click.echo(f"\n{name}: " + ", ".join(f"{v.label} ({v.count})" for v in values))


def _marked(text, spans):
    from archive.highlight import render

    return "".join(f"[{t}]" if sp and sp.kind == "term" else t for t, sp in render(text, spans))


@cli.command()
@_store_option
@click.option("--json", "as_json", is_flag=True)
def stats(store_url, as_json):
    """How many articles, passages, people and countries the archive holds.

    Example:

    \b
        newsarchive stats --json
    """
    try:
        s = open_store(store_url).stats()
    except StoreError as e:
        _fail(e)
    if as_json:
        click.echo(json.dumps(s, indent=2))
    else:
        for k, v in s.items():
            click.echo(f"{k}: {v}")


@cli.command()
@_store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address makes the archive "
                   "reachable from other machines, without a login.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1),
              help="Request threads per worker process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes (POSIX only); each loads its own copy of the model, "
                   "about 1 GB.")
@click.option("--idle-timeout", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="Close a connection after this many seconds without data, including one "
                   "that never finishes sending its request headers.")
@click.option("--connection-limit", default=1000, show_default=True,
              type=click.IntRange(min=1), help="Open connections per worker, at most.")
def serve(store_url, host, port, threads, workers, idle_timeout, connection_limit):
    """Serve the search page and the JSON API with a production WSGI server.

    Requests are served by waitress: incomplete requests never hold a thread,
    idle connections are closed after --idle-timeout, and the Werkzeug
    debugger is never on (FLASK_DEBUG is ignored).

    Example:

    \b
        newsarchive serve --port 8080 --threads 8
    """
    from archive.web import create_app
    from newsarchive import serving

    if not serving.is_loopback(host):
        click.echo(f"warning: listening on {host} makes the archive reachable from other "
                   "machines, and it has no login; put it behind a reverse proxy with "
                   "authentication and TLS, or use --host 127.0.0.1", err=True)
    server = serving.Settings(host, port, workers, threads, idle_timeout, connection_limit)
    where = store_url or settings.STORE.get()

    def announce(url):
        click.echo(f"Serving {where} on {url} ({workers} worker{'s' if workers > 1 else ''} x "
                   f"{threads} threads, waitress); Ctrl-C stops", err=True)

    try:
        status = serving.run(lambda: create_app({"STORE": store_url}), server, announce)
    except OSError as e:
        import errno

        _fail(e, f"another server is on port {port}; try another --port"
              if e.errno == errno.EADDRINUSE else f"is {host} an address of this machine?")
    sys.exit(status)


@cli.command("eval")
@click.option("--corpus", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Articles as JSONL (id, title, body, ...).")
@click.option("--queries", "queries_path", required=True,
              type=click.Path(exists=True, dir_okay=False), help="BEIR queries.jsonl.")
@click.option("--qrels", required=True, type=click.Path(exists=True, dir_okay=False),
              help="BEIR qrels TSV (query-id, corpus-id, score).")
@click.option("--no-titles", is_flag=True, help="Index bodies only (for headline queries).")
@click.option("--store", "store_url", default=None, metavar="URL",
              help="Build the throwaway index in Elasticsearch instead of a temporary "
                   "embedded store: the cluster's URL, with an alias not in use if you want "
                   "to name it. It is deleted at the end; an existing alias is refused.")
@click.option("--mode", "modes", multiple=True,
              type=click.Choice(["keyword", "semantic", "hybrid"]),
              help="Modes to run (default: all three).")
@click.option("--max-queries", type=int, default=None,
              help="Run an evenly spread sample of this many queries.")
@click.option("--entities/--no-entities", default=False, show_default=True,
              help="Run NER while indexing (it does not change rankings).")
@click.option("--json", "as_json", is_flag=True)
def evaluate(corpus, queries_path, qrels, no_titles, store_url, modes, max_queries, entities,
             as_json):
    """Measure retrieval quality: nDCG@10, MRR@10 and Recall@100 per mode.

    Builds a throwaway index of the corpus, runs every query in each mode,
    prints a table and deletes the index (also on an error or Ctrl-C). Judgements about documents missing from the corpus (or
    that could not be indexed) are dropped, and so are queries left without any.

    Example:

    \b
        newsarchive eval --corpus articles.jsonl --no-titles \\
            --queries eval/known_item_titles/queries.jsonl \\
            --qrels eval/known_item_titles/qrels/test.tsv
    """
    from indexer import evaluate as ev

    if entities:
        from indexer.entities import EntityExtractor

        extractor = EntityExtractor()
    else:
        extractor = ev.NoEntities()
    tty = sys.stderr.isatty()
    with _killed_as_interrupted(), \
            ev.throwaway_index(corpus, _embedder(), extractor, no_titles, store_url,
                               Progress("indexing", tty)) as (store, summary):
        evalset = ev.load_beir(queries_path, qrels, set(store.content_hashes()))
        if not evalset.queries:
            _fail(ValueError("no query has a judged document in the corpus"),
                  "check that --corpus and --qrels belong together")

        def progress(mode, n, total):
            if tty and (n % 50 == 0 or n == total):
                click.echo(f"\r{mode}: {n}/{total} queries", nl=False, err=True)
                if n == total:
                    click.echo("", err=True)

        results = ev.run(store, evalset, modes or ("keyword", "semantic", "hybrid"),
                         max_queries, progress)
    report = {"corpus": str(corpus), "indexed": summary.indexed, "failed": len(summary.failed),
              "queries": len(evalset.queries), "results": results}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{summary.indexed} articles indexed ({len(summary.failed)} skipped), "
               f"{len(evalset.queries)} queries with judgements")
    click.echo(f"{'mode':<10}{'nDCG@10':>10}{'MRR@10':>10}{'R@100':>10}{'queries':>9}{'ms/q':>8}")
    for mode, r in results.items():
        click.echo(f"{mode:<10}{r['ndcg@10']:>10.4f}{r['mrr@10']:>10.4f}{r['recall@100']:>10.4f}"
                   f"{r['queries']:>9}{r['ms_per_query']:>8}")


@contextmanager
def _killed_as_interrupted():
    """A kill (SIGTERM: `timeout`, `docker stop`) unwinds like Ctrl-C, so the
    blocks that clean up on the way out still run."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@cli.command("eval-entities")
@click.option("--data", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CoNLL-2003 as JSONL (tokens, ner in IOB2, doc).")
@click.option("--max-docs", type=int, default=None)
@click.option("--json", "as_json", is_flag=True)
def eval_entities(data, max_docs, as_json):
    """Precision, recall and F1 of people and places against CoNLL-2003.

    Uses the indexer's own extraction and normalisation, one document at a time.

    Example:

    \b
        newsarchive eval-entities --data ../shared/data/ner/conll2003_valid.jsonl
    """
    from indexer import nereval
    from indexer.entities import EntityExtractor

    docs = nereval.load_conll(data)[:max_docs]
    report = nereval.evaluate(docs, EntityExtractor())
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['documents']} documents")
    click.echo(f"{'':<8}{'precision':>10}{'recall':>10}{'F1':>8}{'predicted':>11}{'gold':>7}")
    for kind in ("people", "places"):
        r = report[kind]
        click.echo(f"{kind:<8}{r['precision']:>10.4f}{r['recall']:>10.4f}{r['f1']:>8.4f}"
                   f"{r['predicted']:>11}{r['gold']:>7}")


def _existing_store(store_url):
    """The archive to change, opened for writing only if it has articles: a
    mistyped --store must not look like a takedown that ran."""
    peek = open_store(store_url)
    where, articles = peek.stats()["store"], peek.stats()["articles"]
    peek.close()
    if not articles:
        raise StoreError(f"no archive with articles at {where}")
    return open_store(store_url, writable=True)


@cli.command("delete")
@click.argument("ids", nargs=-1)
@click.option("--source", "sources", multiple=True,
              help="Delete every article from this source (its exact name).")
@click.option("--ids-file", "ids_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Delete the ids in this file: one a line, # starts a comment line.")
@click.option("--compact", "then_compact", is_flag=True,
              help="Compact afterwards, so the text leaves the disk now.")
@_store_option
def delete_articles(ids, sources, ids_files, then_compact, store_url):
    """Delete articles, e.g. for a takedown request: by id, by source, or by a file of ids.

    They are gone from search, facets, similar-article lists and the API as
    soon as the command ends; their text stays on disk until `newsarchive
    compact` (or --compact).

    Example:

    \b
        newsarchive delete txt-91968c5eaf7c8442 --store ~/archive
        newsarchive delete --source "Daily Ledger" --ids-file takedown.txt --compact
    """
    from indexer import takedown

    if not (ids or sources or ids_files):
        raise click.UsageError("name ids, --source or --ids-file")
    try:
        store = _existing_store(store_url)
        done = [takedown.delete_ids(store, ids)] if ids else []
        done += [takedown.delete_source(store, s) for s in sources]
        done += [takedown.delete_file(store, f) for f in ids_files]
        if then_compact:
            takedown.compact(store)
        store.close()
    except StoreError as e:
        _fail(e, "check --store or NEWSARCHIVE_STORE")
    found, missing = sum(r.found for r in done), sum(r.missing for r in done)
    click.echo(f"deleted {found} article{'s' if found != 1 else ''}" +
               (f"; {missing} id{'s' if missing != 1 else ''} not in the archive" if missing
                else ""))
    if found and not then_compact:
        click.echo("their text leaves the disk at the next `newsarchive compact`", err=True)


@cli.command("compact")
@_store_option
def compact_store(store_url):
    """Rewrite the archive without its deleted and replaced articles.

    Deleted articles' text stays on disk until this runs. It rewrites the whole
    index, so it takes time in proportion to the archive; searches keep
    working meanwhile. Run it between indexing runs.

    Example:

    \b
        newsarchive compact --store ~/archive
    """
    from indexer import takedown

    try:
        store = _existing_store(store_url)
        before, after = takedown.compact(store)
        store.close()
    except StoreError as e:
        _fail(e, "check --store or NEWSARCHIVE_STORE")
    if before is not None and after is not None:
        click.echo(f"compacted: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB on disk")
    else:
        click.echo("compacted")


def main():
    cli(prog_name="newsarchive")


if __name__ == "__main__":
    main()
