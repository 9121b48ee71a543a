"""Turn files into articles.

Every reader yields `Article`s and `Problem`s. A problem names the file and,
where there is one, the line; it never stops the run. A problem with
`fatal=False` is a warning: the article was still read (a date that did not
parse, bytes that were not UTF-8).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from archive.model import Article

TXT = {".txt"}
JSONL = {".jsonl", ".ndjson"}
HTML = {".html", ".htm"}
FEED = {".rss", ".atom", ".xml"}
SUPPORTED = TXT | JSONL | HTML | FEED


@dataclass
class Problem:
    path: str
    line: int | None
    reason: str
    fatal: bool = True  # False: the article was kept, with this warning

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass
class Located:
    """An article and where it came from, for error messages."""

    article: Article
    path: str
    line: int | None = None


def stable_id(given: str | None, url: str | None, title: str, body: str) -> str:
    if given:
        return str(given)
    if url:
        return "url-" + hashlib.sha1(url.strip().encode()).hexdigest()[:16]
    return "txt-" + hashlib.sha1(f"{title}\n{body}".encode()).hexdigest()[:16]


def parse_date(value) -> dt.date:
    """Dates come as ISO strings, RFC 822 strings or epoch numbers; ValueError otherwise."""
    if value is None or value == "":
        raise ValueError("empty date")
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).date()
    from dateutil import parser

    try:
        return parser.parse(str(value), default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError, TypeError) as e:
        raise ValueError(f"date {str(value)[:40]!r} does not parse") from e


def decode(raw: bytes, path: str, line: int | None, problems: list[Problem]) -> str:
    """UTF-8, else Windows-1252 (the usual culprit in old news files), with a warning."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problems.append(
            Problem(path, line, f"not UTF-8 (byte {e.start}); read as Windows-1252", fatal=False)
        )
        return raw.decode("cp1252", errors="replace")


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path | Problem]:
    """Files under the given paths, recursively, in a stable order."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    f = Path(root) / name
                    if f.suffix.lower() in SUPPORTED:
                        yield f
                    else:
                        yield Problem(str(f), None, f"unsupported file type {f.suffix or '(none)'}")
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED:
                yield path
            else:
                yield Problem(str(path), None, f"unsupported file type {path.suffix or '(none)'}")
        else:
            yield Problem(str(path), None, "no such file or directory")


def read_paths(paths: Iterable[str | os.PathLike]) -> Iterator[Located | Problem]:
    for f in iter_files(paths):
        if isinstance(f, Problem):
            yield f
            continue
        yield from read_file(f)


def read_file(path: Path) -> Iterator[Located | Problem]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        yield Problem(str(path), None, f"cannot read: {e.strerror or e}")
        return
    suffix = path.suffix.lower()
    reader = {**{s: read_txt for s in TXT}, **{s: read_jsonl for s in JSONL},
              **{s: read_html for s in HTML}, **{s: read_feed for s in FEED}}[suffix]
    try:
        yield from reader(raw, str(path))
    except Exception as e:  # a reader bug or a parser crash must not stop the run
        yield Problem(str(path), None, f"could not parse {suffix} file: {type(e).__name__}: {e}")


def _finish(article: Article, path: str, line: int | None) -> Iterator[Located | Problem]:
    if not article.body.strip():
        yield Problem(path, line, f"article {article.id!r} has no body")
        return
    yield Located(article, path, line)


def read_txt(raw: bytes, path: str) -> Iterator[Located | Problem]:
    problems: list[Problem] = []
    text = decode(raw, path, None, problems).replace("\r\n", "\n")
    yield from problems
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        yield Problem(path, None, "empty file")
        return
    title = lines[0].strip()
    body = "\n".join(lines[1:]).strip()
    # A .txt has no metadata; a file name that starts with a date (2025-10-17-...) dates it.
    published = None
    m = re.match(r"(\d{4}-\d{2}-\d{2})", Path(path).name)
    if m:
        try:
            published = dt.date.fromisoformat(m.group(1))
        except ValueError:
            yield Problem(path, None, f"file name date {m.group(1)!r} is not a date", fatal=False)
    # The id comes from the file's content, so renaming a file does not duplicate it.
    article = Article(stable_id(None, None, title, body), title, body, published, source=None)
    yield from _finish(article, path, None)


def read_jsonl(raw: bytes, path: str) -> Iterator[Located | Problem]:
    for n, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        problems: list[Problem] = []
        text = decode(line, path, n, problems)
        try:
            rec = json.loads(text)
        except json.JSONDecodeError as e:
            yield Problem(path, n, f"not valid JSON: {e.msg} at column {e.colno}")
            continue
        if not isinstance(rec, dict):
            yield Problem(path, n, f"expected a JSON object, got {type(rec).__name__}")
            continue
        yield from problems
        yield from from_record(rec, path, n)


def _text(rec: dict, name: str) -> str | None:
    v = rec.get(name)
    if v is None:
        return None
    if isinstance(v, (dict, list)):
        raise ValueError(f"field {name!r} must be text, got {type(v).__name__}")
    return str(v)


def from_record(rec: dict, path: str, line: int | None) -> Iterator[Located | Problem]:
    try:
        title = (_text(rec, "title") or "").strip()
        body = (_text(rec, "body") or "").strip()
        url = _text(rec, "url")
        given = _text(rec, "id")
        source = _text(rec, "source")
        topic = _text(rec, "topic")
    except ValueError as e:
        yield Problem(path, line, str(e))
        return
    published = None
    if rec.get("published") not in (None, ""):
        try:
            published = parse_date(rec["published"])
        except ValueError as e:
            yield Problem(path, line, f"field 'published': {e}; kept without a date", fatal=False)
    article = Article(stable_id(given, url, title, body), title, body, published, source, url, topic)
    yield from _finish(article, path, line)


def read_html(raw: bytes, path: str) -> Iterator[Located | Problem]:
    import trafilatura

    problems: list[Problem] = []
    html = decode(raw, path, None, problems)
    yield from problems
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                      include_tables=False)
    if doc is None:
        yield Problem(path, None, "no article text found in the HTML")
        return
    title = (doc.title or "").strip()
    body = (doc.text or "").strip()
    if title and body.startswith(title):
        body = body[len(title):].lstrip()
    published = None
    if doc.date:
        try:
            published = parse_date(doc.date)
        except ValueError as e:
            yield Problem(path, None, f"{e}; kept without a date", fatal=False)
    url = doc.url or None
    source = doc.sitename or doc.hostname or None
    article = Article(stable_id(None, url, title, body), title, body, published, source, url)
    yield from _finish(article, path, None)


_TAGS = re.compile(r"<[^>]+>")


def html_to_text(fragment: str) -> str:
    """Feed summaries are HTML fragments; keep paragraphs as blank-line breaks."""
    import html as htmllib

    if "<" not in fragment:
        return htmllib.unescape(fragment).strip()
    fragment = re.sub(r"(?i)</p\s*>|<br\s*/?>", "\n\n", fragment)
    text = htmllib.unescape(_TAGS.sub("", fragment))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def read_feed(raw: bytes, path: str) -> Iterator[Located | Problem]:
    import feedparser

    feed = feedparser.parse(raw)
    if not feed.entries:
        reason = f"not a readable RSS/Atom feed ({feed.get('bozo_exception', 'no items')})"
        yield Problem(path, None, reason)
        return
    source = feed.feed.get("title") or None
    for n, entry in enumerate(feed.entries, start=1):
        where = f"item {n}"
        title = html_to_text(entry.get("title", ""))
        content = entry.get("content") or []
        body_html = content[0].get("value", "") if content else entry.get("summary", "")
        body = html_to_text(body_html)
        url = entry.get("link")
        published = None
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if stamp:
            published = dt.date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday)
        elif entry.get("published") or entry.get("updated"):
            yield Problem(path, n, f"{where}: date {entry.get('published') or entry.get('updated')!r} "
                          "does not parse; kept without a date", fatal=False)
        article = Article(stable_id(entry.get("id"), url, title, body), title, body, published,
                          source, url)
        yield from _finish(article, path, n)
