"""Turn files into articles.

Every reader yields `Article`s and `Problem`s. A problem names the file and,
where there is one, the line; it never stops the run, and it costs only its
own record: every JSONL line and feed item is read in its own guard. A problem
with `fatal=False` is a warning: the article was still read (a date that did
not parse, bytes that were not UTF-8). A `skipped` problem is a file that is
not an article file (a README.md, a FIFO in an input folder): listed, not a
failure.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from archive.model import Article

TXT = {".txt"}
JSONL = {".jsonl", ".ndjson"}
HTML = {".html", ".htm"}
FEED = {".rss", ".atom", ".xml"}
SUPPORTED = TXT | JSONL | HTML | FEED

# spaCy's NER refuses a text longer than its `max_length` (1,000,000 characters
# by default): an article longer than that is refused here, with its size.
MAX_CHARS = 1_000_000

# Text where more than this share of characters (and more than a handful) are
# control characters or undecodable bytes is a binary file (or a wrong
# encoding), not an article.
MAX_GARBAGE = 0.05
MIN_GARBAGE_CHARS = 16


@dataclass
class Problem:
    path: str
    line: int | None
    reason: str
    fatal: bool = True  # False: the article was kept, with this warning
    skipped: bool = False  # not an article file; listed, not counted as a failure

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
    # JSON true/false are ints to Python; a date of 1970-01-01 made from them is a lie.
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not a date")
    if isinstance(value, (dict, list)):
        kind = "object" if isinstance(value, dict) else "list"
        raise ValueError(f"a JSON {kind} is not a date")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a date")
        try:
            return dt.datetime.fromtimestamp(value, dt.timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{value:g} seconds since 1970 is not a representable date") from None
    if not isinstance(value, str):
        raise ValueError(f"a {type(value).__name__} is not a date")
    from dateutil import parser

    try:
        return parser.parse(str(value), default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError, TypeError) as e:
        raise ValueError(f"date {str(value)[:40]!r} does not parse") from e


def decode(raw: bytes, path: str, line: int | None, problems: list[Problem]) -> str:
    """UTF-8 (or UTF-16 with a byte order mark), else Windows-1252 (the usual
    culprit in old news files), with a warning."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problems.append(
            Problem(path, line, f"not UTF-8 (byte {e.start}); read as Windows-1252", fatal=False)
        )
        return raw.decode("cp1252", errors="replace")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def _not_regular(path: Path, mode: int, named: bool) -> Problem:
    # Reading a FIFO or a device can block for ever or never end.
    return Problem(str(path), None, f"not a regular file ({_kind(mode)}); only regular files "
                   "are read", fatal=named, skipped=not named)


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path | Problem]:
    """Regular files under the given paths, recursively, in a stable order.

    Inside a folder, files of other types (a README.md) and things that are
    not regular files (a FIFO) are skipped and listed; a path named on the
    command line that cannot be read is a failure, since it was asked for.
    """
    for p in paths:
        path = Path(p)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            yield Problem(str(path), None, "no such file or directory")
            continue
        except OSError as e:
            yield Problem(str(path), None, f"cannot read: {e.strerror or e}")
            continue
        if stat.S_ISDIR(mode):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    f = Path(root) / name
                    if f.suffix.lower() not in SUPPORTED:
                        yield Problem(str(f), None, f"unsupported file type {f.suffix or '(none)'}",
                                      fatal=False, skipped=True)
                        continue
                    try:
                        fmode = f.stat().st_mode
                    except OSError as e:  # a dangling symlink, a file gone since the listing
                        yield Problem(str(f), None, f"cannot read: {e.strerror or e}")
                        continue
                    yield f if stat.S_ISREG(fmode) else _not_regular(f, fmode, named=False)
        elif not stat.S_ISREG(mode):
            yield _not_regular(path, mode, named=True)
        elif path.suffix.lower() in SUPPORTED:
            yield path
        else:
            yield Problem(str(path), None, f"unsupported file type {path.suffix or '(none)'}")


def count_articles(paths: Iterable[str | os.PathLike]) -> int:
    """About how many articles `read_paths` will yield, for a progress bar's
    ETA: a JSONL file's lines (counted in blocks, not parsed) and one for
    every other file (a feed holds more, so the bar can run past it)."""
    total = 0
    for f in iter_files(paths):
        if isinstance(f, Problem):
            continue
        if f.suffix.lower() not in JSONL:
            total += 1
            continue
        try:
            with _open_regular(f) as fh:
                last = b"\n"
                while block := fh.read(1 << 20):
                    total += block.count(b"\n")
                    last = block[-1:]
                total += last != b"\n"
        except (OSError, _NotRegular):
            continue
    return total


def read_paths(paths: Iterable[str | os.PathLike]) -> Iterator[Located | Problem]:
    for f in iter_files(paths):
        if isinstance(f, Problem):
            yield f
            continue
        yield from read_file(f)


def _open_regular(path: Path):
    """The file opened for reading bytes; raises _NotRegular if it became a
    FIFO or device since it was listed.

    Opened without blocking, so a FIFO with no writer cannot hang the open."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegular(mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _NotRegular(Exception):
    def __init__(self, mode: int):
        self.mode = mode


def read_file(path: Path) -> Iterator[Located | Problem]:
    try:
        f = _open_regular(path)
    except _NotRegular as e:
        yield _not_regular(path, e.mode, named=True)
        return
    except OSError as e:
        yield Problem(str(path), None, f"cannot read: {e.strerror or e}")
        return
    suffix = path.suffix.lower()
    reader = {**{s: read_txt for s in TXT}, **{s: read_jsonl for s in JSONL},
              **{s: read_html for s in HTML}, **{s: read_feed for s in FEED}}[suffix]
    with f:
        try:
            # A JSONL file is read a line at a time (a million articles need
            # not fit in memory); the other formats are one document each.
            yield from reader(f if suffix in JSONL else f.read(), str(path))
        except OSError as e:
            yield Problem(str(path), None, f"cannot read: {e.strerror or e}")
        except Exception as e:  # a reader bug or a parser crash must not stop the run
            yield Problem(str(path), None,
                          f"could not parse {suffix} file: {type(e).__name__}: {e}")


# Control characters other than whitespace, and U+FFFD, the mark of bytes that did not decode.
_GARBAGE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def _garbage(text: str) -> int:
    return sum(1 for _ in _GARBAGE.finditer(text))


def _finish(article: Article, path: str, line: int | None) -> Iterator[Located | Problem]:
    if not article.body.strip():
        yield Problem(path, line, f"article {article.id!r} has no body")
        return
    longest = max(len(article.title), len(article.body))
    if longest > MAX_CHARS:
        yield Problem(path, line, f"article {article.id!r} has {longest:,} characters; the limit "
                      f"is {MAX_CHARS:,} (the entity recogniser's); split it into several articles")
        return
    text = article.title + "\n" + article.body
    bad = _garbage(text)
    share = bad / len(text)
    if bad > MIN_GARBAGE_CHARS and share > MAX_GARBAGE:
        yield Problem(path, line, f"article {article.id!r} looks binary: {share:.0%} of its "
                      "characters are control characters or bytes that do not decode; not read")
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


def read_jsonl(lines: Iterable[bytes], path: str) -> Iterator[Located | Problem]:
    """`lines`: an open binary file, or any iterable of byte lines."""
    for n, line in enumerate(lines, start=1):
        line = line.rstrip(b"\n")
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
        try:
            # Collected before yielding, so a record that breaks half-way yields nothing of itself.
            out = list(from_record(rec, path, n))
        except Exception as e:  # whatever one record does, the rest of the file is read
            yield Problem(path, n, f"could not read this record: {type(e).__name__}: {e}")
            continue
        yield from out


def _text(rec: dict, name: str) -> str | None:
    v = rec.get(name)
    if v is None:
        return None
    if isinstance(v, (dict, list)):
        raise ValueError(f"field {name!r} must be text, got {type(v).__name__}")
    return str(v)


_SURROGATE = re.compile("[\ud800-\udfff]")


def from_record(rec: dict, path: str, line: int | None) -> Iterator[Located | Problem]:
    try:
        fields = {name: _text(rec, name) for name in ("title", "body", "url", "id", "source", "topic")}
    except ValueError as e:
        yield Problem(path, line, str(e))
        return
    # A lone surrogate (JSON allows "\udc80") cannot be encoded, stored or hashed.
    for name, v in fields.items():
        m = _SURROGATE.search(v) if v else None
        if m is None:
            continue
        if name in ("id", "url"):
            # The article's identity: a repaired one would be a different article.
            yield Problem(path, line, f"field {name!r} holds a lone surrogate "
                          f"(\\u{ord(m.group()):04x}) at character {m.start()}; not valid Unicode")
            return
        fields[name] = _SURROGATE.sub("\ufffd", v)
        yield Problem(path, line, f"field {name!r}: lone surrogate (\\u{ord(m.group()):04x}) at "
                      f"character {m.start()} replaced with U+FFFD", fatal=False)
    title = (fields["title"] or "").strip()
    body = (fields["body"] or "").strip()
    published = None
    if rec.get("published") not in (None, ""):
        try:
            published = parse_date(rec["published"])
        except ValueError as e:
            yield Problem(path, line, f"field 'published': {e}; kept without a date", fatal=False)
    article = Article(stable_id(fields["id"], fields["url"], title, body), title, body, published,
                      fields["source"], fields["url"], fields["topic"])
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


# Elements whose content a reader never sees as text.
_HIDDEN = {"script", "style", "noscript", "template", "head", "title"}
# Elements that stand apart from their neighbours: a blank line around each.
_BLOCKS = {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
           "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol",
           "p", "pre", "section", "table", "td", "th", "tr", "ul"}


def html_to_text(fragment: str) -> str:
    """Feed titles and summaries are HTML fragments: their visible text, with
    a blank line between paragraphs (and other blocks), a line end for `<br>`,
    and the source's own line wrapping made spaces, as a browser shows it."""
    import html as htmllib

    if "<" not in fragment:
        return htmllib.unescape(fragment).strip()
    from lxml import html as lxml_html

    pieces: list[str] = []
    _visible_text(lxml_html.fragment_fromstring(fragment, create_parent="div"), pieces)
    text = re.sub(r" *\n *", "\n", "".join(pieces))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _visible_text(el, pieces: list[str]) -> None:
    """Appends `el`'s text, then its tail (the text after it, which belongs to
    its parent): whitespace runs become one space, breaks are line ends."""
    tag = el.tag.lower() if isinstance(el.tag, str) else None  # comments have no tag name
    if tag is not None and tag not in _HIDDEN:
        block = "\n\n" if tag in _BLOCKS else ""
        pieces.append(block)
        if el.text:
            pieces.append(_spaced(el.text))
        for child in el:
            _visible_text(child, pieces)
        pieces.append("\n" if tag == "br" else block)
    if el.tail:
        pieces.append(_spaced(el.tail))


def _spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def read_feed(raw: bytes, path: str) -> Iterator[Located | Problem]:
    import feedparser

    feed = feedparser.parse(raw)
    if not feed.entries:
        reason = f"not a readable RSS/Atom feed ({feed.get('bozo_exception', 'no items')})"
        yield Problem(path, None, reason)
        return
    source = feed.feed.get("title") or None
    for n, entry in enumerate(feed.entries, start=1):
        try:
            out = list(_from_entry(entry, n, source, path))
        except Exception as e:  # one broken item must not cost the feed's other items
            yield Problem(path, n, f"item {n}: could not read it: {type(e).__name__}: {e}")
            continue
        yield from out


def _from_entry(entry, n: int, source: str | None, path: str) -> Iterator[Located | Problem]:
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
