"""The embedded store: tantivy for BM25 and stored articles, numpy for the rest.

Layout under the store directory:

    CURRENT                   name of the live build (replaced atomically)
    builds/<build>/tantivy    the keyword index with the stored articles
    builds/<build>/HEAD       name of the live generation manifest (replaced atomically)
    builds/<build>/gen-N.json a generation: its segments and their deletion lists
    builds/<build>/seg-*/     a segment's memory-mapped columns (archive/segments.py)
    builds/<build>/dead-*.npy a segment's deleted rows, as of some generation
    builds/<build>/PENDING    a commit between its tantivy commit and HEAD
    .write.lock               held by the one writer

A commit writes its rows as one new segment, deletion lists for the rows it
replaces or deletes, and a manifest naming them all; then it writes PENDING
(the manifest and tantivy's last opstamp), commits tantivy, points HEAD at
the manifest and removes PENDING. The text and the table are published
together: once tantivy's opstamp has passed the one in PENDING, readers take
PENDING's manifest as the live one, and the next writer to open finishes the
switch; if tantivy never committed, PENDING is dropped and so are the
commit's files. Files no generation names (an interrupted commit's or
merge's, or those two generations old) are removed by the writer, except
the running merge's; a reader that finds a file gone re-reads HEAD and
loads the newer generation.

Merges run in one background thread of the writer, not inside commit():
a merge that builds a segment's HNSW graph takes minutes at a million
passages (archive/vectors.py), and issue 10 wants a commit of 1,000 articles
in under a second at any size. When a commit's generation makes a merge due
(segments.plan_merge) and none is running, the commit snapshots the run of
segments to merge and their deletion lists and starts the thread; commits go
on meanwhile. The merge writes its segment under a name it registers first,
so that the commits' collect() spares its `.seg-*.tmp` directory and the
finished segment, then, holding the lock commit() holds, publishes a new
generation from the live one: the merged run replaced in place, later
segments unchanged, and the rows of the run deleted or replaced since the
snapshot carried over as the merged segment's deletion list (renumbered:
a merged row is its rank among the snapshot's live rows). The text is not
touched (articles join the table by key), so the merge's publish writes only
a manifest, PENDING with tantivy's unchanged opstamp, and HEAD: readers see
the old generation or the new one. Then the thread plans again, and stops
when no merge is due. An error is logged and raised by the next commit()
(before it commits anything), close() or wait_for_merges(); compact(),
close() and rebuild() wait for the running merge, so `newsarchive index`
ends with its merges done. A writer killed mid-merge loses nothing: the
unpublished segment is garbage that the next writer's collect removes.
`background_merges=False` (or BACKGROUND_MERGES) runs the same merges inside
commit(), after its own generation is published.

A reader follows CURRENT and HEAD on every search and reloads when they
move, so a reindex or an incremental run never shows it a half-written
index: it sees the old state or the new one.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from archive import tantivyquery
from archive.facets import country_label, facet_values, month_values
from archive import fusion
from archive.hits import make_hit, match_kind
from archive.query import parse
from archive.model import (Article, Entity, Hit, IndexedArticle, Passage, SearchRequest,
                           SearchResult)
from archive.store import QueryVector, Store, StoredArticle, StoreError, WriteFailure
from archive.segments import (Manifest, Segment, SegmentedTable, compaction_groups,
                               merge_segments, new_segment_name, plan_merge, temporary,
                               write_segment)
from archive.table import Row, Table, article_key, from_day, to_day

KEYWORD_CAP = 50_000  # keyword matches considered for fusion and facets
# Merges run in a thread of the writer, not inside commit(); a store opened
# with background_merges=False (or this set to False) merges inside commit().
BACKGROUND_MERGES = True

log = logging.getLogger(__name__)


def _schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_unsigned_field("key", stored=True, indexed=True, fast=True)
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("published", stored=True, tokenizer_name="raw")
    for name in ("source", "url", "topic", "content_hash", "model"):
        sb.add_text_field(name, stored=True, tokenizer_name="raw")
    sb.add_bytes_field("extra", stored=True, indexed=False)  # entities and passages, JSON
    return sb.build()


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _step(name: str) -> None:
    """A named point in a commit; the fault-injection tests raise here."""


class _Build:
    """One tantivy index and its table generations."""

    def __init__(self, path: Path, create: bool, writable: bool = False):
        import tantivy

        self.path = path
        if create:
            (path / "tantivy").mkdir(parents=True, exist_ok=True)
        elif not (path / "tantivy").is_dir():
            raise StoreError(f"{path} is missing its index; run `newsarchive reindex` or "
                             "index into a new store")
        self.index = tantivy.Index(_schema(), path=str(path / "tantivy"), reuse=True)
        # A running merge's segment, written but not yet named by a generation.
        self.in_flight: set[str] = set()
        if writable:
            self.recover()
        self.head: str | None = None
        self.table = SegmentedTable(None, None)
        self.refresh(reload_index=False)

    # -- which generation is live ------------------------------------------
    def opstamp(self) -> int:
        try:
            with open(self.path / "tantivy" / "meta.json") as f:
                return int(json.load(f).get("opstamp", 0))
        except FileNotFoundError:
            return 0

    def _pending(self) -> dict | None:
        try:
            return json.loads((self.path / "PENDING").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _live_name(self) -> str | None:
        """HEAD's manifest, or PENDING's once tantivy has committed its text."""
        pending = self._pending()
        if pending is not None and self.opstamp() > pending["opstamp"]:
            return pending["manifest"]
        try:
            return (self.path / "HEAD").read_text().strip() or None
        except FileNotFoundError:
            return None

    def refresh(self, reload_index: bool = True) -> None:
        for attempt in range(20):
            name = self._live_name()
            if name == self.head:
                break
            try:
                table = self._load(name)
            except FileNotFoundError:
                # The writer removed a generation two commits old while this
                # reader was loading it: a newer one is named now.
                time.sleep(0.005 * (attempt + 1))
                continue
            self.head, self.table = name, table
            break
        if reload_index:
            self.index.reload()

    def _load(self, name: str | None) -> SegmentedTable:
        if name is None:
            return SegmentedTable(None, None)
        if not name.endswith(".json"):
            raise StoreError(f"{self.path} holds a table from an older version; open it for "
                             "writing once (e.g. `newsarchive index` with no new files) to "
                             "convert it")
        return SegmentedTable(self.path, Manifest.read(self.path / name))

    # -- the writer's side ---------------------------------------------------
    def recover(self) -> None:
        """Finish or drop a commit a crash interrupted, convert an old table,
        and remove files no generation names."""
        pending = self._pending()
        if pending is not None:
            if self.opstamp() > pending["opstamp"]:
                _atomic_write(self.path / "HEAD", pending["manifest"])
            (self.path / "PENDING").unlink()
        try:
            head = (self.path / "HEAD").read_text().strip() or None
        except FileNotFoundError:
            head = None
        if head and not head.endswith(".json") and (self.path / head / "table.json").exists():
            old = Table.load(self.path / head)
            segs = [{"name": write_segment(self.path, list(old.iter_rows()), old.dim),
                     "dead": None}] if old.n else []
            _atomic_write(self.path / "HEAD", Manifest(old.model, old.dim, segs).write(self.path))
        self.collect(keep=set())

    def collect(self, keep: set[str]) -> None:
        """Remove segments, deletion lists and manifests that neither HEAD's
        generation, `keep` nor a running merge names."""
        try:
            head = (self.path / "HEAD").read_text().strip() or None
        except FileNotFoundError:
            head = None
        names = set(keep) | self.in_flight
        if head and head.endswith(".json"):
            names |= {head} | Manifest.read(self.path / head).files()
        for p in self.path.iterdir():
            if p.name in names or p.name in ("tantivy", "HEAD", "PENDING"):
                continue
            if p.name.startswith(("seg-", "dead-", "gen-", ".seg-", ".gen-", ".HEAD")):
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)

    def text_deleted(self) -> int:
        """Deleted documents whose text tantivy still holds in its segments."""
        try:
            with open(self.path / "tantivy" / "meta.json") as f:
                segments = json.load(f).get("segments", [])
        except FileNotFoundError:
            return 0
        return sum((s.get("deletes") or {}).get("num_deleted_docs", 0) for s in segments)

    def publish(self, manifest: Manifest, writer) -> None:
        """Commit tantivy's text and the table together (see the module docstring).
        Without a writer (a merge) only the table moves: PENDING's opstamp is
        tantivy's current one, so readers keep HEAD's generation until HEAD
        moves, and a crash before then drops PENDING at the next open."""
        try:
            name = manifest.write(self.path)
            _step("manifest")
            _atomic_write(self.path / "PENDING", json.dumps({"manifest": name,
                                                             "opstamp": self.opstamp()}))
            _step("pending")
        except BaseException:
            # Nothing is published: the text goes too (the caller's batch is
            # lost as a whole; a rerun finds it missing by content hash).
            if writer is not None:
                writer.rollback()
            raise
        if writer is not None:
            writer.commit()
            writer.wait_merging_threads()
        _step("tantivy")
        _atomic_write(self.path / "HEAD", name)
        _step("head")
        (self.path / "PENDING").unlink()
        previous = self.head
        self.head, self.table = name, self._load(name)
        # The generation before stays for readers still loading it.
        keep = {previous} | Manifest.read(self.path / previous).files() \
            if previous and previous.endswith(".json") and (self.path / previous).exists() \
            else set()
        self.collect(keep)
        if writer is not None:
            self.index.reload()


def give_back_memory() -> None:
    """Return freed heap to the system after a commit or a merge. glibc keeps
    the large temporary arrays of a batch (vectors, columns, tantivy's
    buffers) in its arenas, so a long `index` run held more each commit:
    with this, peak anonymous memory at 100k articles fell from 348-430 MB
    to 306-323 MB (bench/index_memory.py). A no-op off glibc."""
    global _trim
    if _trim is None:
        import ctypes
        import ctypes.util

        try:
            _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _trim = False
    if _trim:
        _trim(0)


_trim = None


class EmbeddedStore(Store):
    def __init__(self, root: str | os.PathLike, embedder: Callable | None = None,
                 writable: bool = False, _build: str | None = None,
                 background_merges: bool | None = None):
        self.root = Path(root).expanduser()
        self._embedder = embedder
        self.writable = writable
        self._lock_file = None
        self._writer = None
        self._pending: dict[str, Row] = {}  # by id: a later write of an id wins
        self._deleted: set[str] = set()
        self._model: str | None = None
        if writable:
            self.root.mkdir(parents=True, exist_ok=True)
            if _build is None:
                self._lock()
        self._fixed_build = _build
        # The web server shares one store between threads; moving to a new
        # build or generation must happen once, not in every thread at once.
        self._refresh_lock = threading.Lock()
        # Held while a generation is staged and published, by commit() and by
        # the merge thread: each builds on the generation the other published.
        self._publish_lock = threading.Lock()
        self.background_merges = (BACKGROUND_MERGES if background_merges is None
                                  else background_merges)
        self._merging = False  # a merge is planned or running (under _publish_lock)
        self._merge_thread: threading.Thread | None = None
        self._merge_error: BaseException | None = None
        self._current: str | None = None
        self._build: _Build | None = None
        self._open()

    # -- opening and following the live build ------------------------------
    def _lock(self) -> None:
        self._lock_file = open(self.root / ".write.lock", "w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"another indexer is writing to {self.root}; wait for it to finish")

    def _read_current(self) -> str | None:
        if self._fixed_build:
            return self._fixed_build
        try:
            return (self.root / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _open(self) -> None:
        current = self._read_current()
        if current is None and self.writable:
            current = f"build-{time.time_ns():020d}"
            _Build(self.root / "builds" / current, create=True)
            _atomic_write(self.root / "CURRENT", current)
        if current is None:
            self._current, self._build = None, None
            return
        if self.writable and self._fixed_build is None:
            self._remove_other_builds(current)
        self._build = _Build(self.root / "builds" / current,
                             create=self._fixed_build is not None, writable=self.writable)
        self._current = current

    def _remove_other_builds(self, current: str) -> None:
        """An interrupted reindex leaves its half-built build behind; the one
        writer (this one holds the lock) removes every build but the live one."""
        builds = self.root / "builds"
        if builds.is_dir():
            for p in builds.iterdir():
                if p.name != current:
                    shutil.rmtree(p, ignore_errors=True)

    def _live(self) -> _Build | None:
        with self._refresh_lock:
            current = self._read_current()
            if current != self._current:
                self._open()
            elif self._build is not None and not self.writable:
                self._build.refresh()
            return self._build

    @property
    def table(self) -> SegmentedTable:
        b = self._live()
        return b.table if b else SegmentedTable(None, None)

    # -- writing -----------------------------------------------------------
    def write(self, docs: list[IndexedArticle]) -> list[WriteFailure]:
        import tantivy

        if not self.writable:
            raise StoreError("store opened read-only")
        if self._writer is None:
            self._writer = self._build.index.writer(heap_size=128_000_000, num_threads=1)
        failures = []
        for d in docs:
            a = d.article
            try:
                extra = json.dumps({"entities": [e.to_dict() for e in d.entities],
                                    "passages": [[p.start, p.end] for p in d.passages]})
                doc = tantivy.Document(
                    id=a.id, title=a.title, body=a.body,
                    published=a.published.isoformat() if a.published else "",
                    source=a.source or "", url=a.url or "", topic=a.topic or "",
                    content_hash=d.content_hash, model=d.model)
                doc.add_unsigned("key", article_key(a.id))
                doc.add_bytes("extra", extra.encode())
                self._writer.delete_documents_by_term("id", a.id)
                self._writer.add_document(doc)
            except Exception as e:  # one article must not stop the batch
                failures.append(WriteFailure(a.id, f"{type(e).__name__}: {e}"))
                continue
            self._model = d.model
            self._deleted.discard(a.id)
            self._pending[a.id] = Row(
                a.id, d.content_hash, to_day(a.published), a.source,
                [p.key for p in d.people], [c.key for c in d.countries],
                [p.start for p in d.passages], [p.end for p in d.passages],
                np.asarray(d.vectors, dtype=np.float32).reshape(len(d.passages), -1),
                d.keys("people", "about"), d.keys("countries", "about"))
        return failures

    def delete(self, ids) -> int:
        """Remove articles by id at the next commit (from search, facets,
        similar lists and `get`); their rows leave the disk when their segment
        is merged or at `compact()`. Returns how many of the ids are stored."""
        if not self.writable:
            raise StoreError("store opened read-only")
        if self._writer is None:
            self._writer = self._build.index.writer(heap_size=128_000_000, num_threads=1)
        ids = list(dict.fromkeys(ids))
        for i in ids:
            self._writer.delete_documents_by_term("id", i)
            self._pending.pop(i, None)
            self._deleted.add(i)
        found = self._build.table.rows_for_keys(np.array([article_key(i) for i in ids],
                                                         dtype=np.int64))
        return int((found >= 0).sum())

    def ids_from_source(self, source: str) -> Iterator[str]:
        """Ids of the stored articles from `source` (exact name), for a takedown
        by source: `store.delete(store.ids_from_source(name))`."""
        t = self.table
        for row in np.nonzero(t.sources.mask([source], t.n) & t.live)[0].tolist():
            yield t.id(row)

    def commit(self) -> None:
        """Publish the writes and deletions since the last commit as a new
        generation, then start the merge it makes due, if any, in the
        background (see `_merge_loop`). Raises a background merge's error
        first, before committing anything, and keeps the batch buffered."""
        self._raise_merge_error()
        if not self._pending and not self._deleted and self._writer is None:
            return
        job = None
        with self._publish_lock:
            self._commit()
            if not self._merging:
                job = self._plan_merge()
                self._merging = job is not None
        give_back_memory()
        if job is None:
            return
        if not self.background_merges:
            self._merge_loop(job, background=False)
            return
        self._merge_thread = threading.Thread(target=self._merge_loop, args=(job,),
                                              name="newsarchive-merge")
        self._merge_thread.start()

    def _commit(self) -> None:
        build = self._build
        old = build.table
        rows = list(self._pending.values())
        model = self._model or old.model
        dim = next((r.vectors.shape[1] for r in rows if r.vectors.size), old.dim)
        if rows and old.live_count and old.model and (model != old.model or dim != old.dim):
            raise StoreError(f"this index holds {old.model} vectors ({old.dim} dims), not "
                             f"{model} ({dim}); run `newsarchive reindex`")
        writer, self._writer = self._writer, None
        changed = [*self._pending, *self._deleted]
        self._pending, self._deleted = {}, set()
        try:
            segments = self._stage(old, changed, rows, dim)
        except BaseException:
            # Nothing is published: the batch's text goes too, and a rerun
            # finds its articles missing by content hash.
            if writer is not None:
                writer.rollback()
            raise
        build.publish(Manifest(model if rows else old.model, dim if rows else old.dim,
                               segments), writer)

    def _stage(self, old: SegmentedTable, changed: list[str], rows: list[Row],
               dim: int) -> list[dict]:
        """The next generation's segments: deletion lists for the rows that
        `changed` replaces or deletes, and a segment for `rows`."""
        path = self._build.path
        segments = [dict(s) for s in old.manifest.segments]
        deads = list(old.deads)
        gone = old.rows_for_keys(np.array([article_key(i) for i in changed], dtype=np.int64))
        gone = np.sort(gone[gone >= 0])
        for k in np.unique(np.searchsorted(old.offsets, gone, side="right") - 1).tolist():
            lo, hi = old.offsets[k], old.offsets[k + 1]
            deads[k] = np.union1d(deads[k], gone[(gone >= lo) & (gone < hi)] - lo)
            segments[k]["dead"] = _save_dead(path, deads[k])
        if rows:
            segments.append({"name": write_segment(path, rows, dim), "dead": None})
        return segments

    # -- merging -----------------------------------------------------------
    def _plan_merge(self) -> "_Merge | None":
        """The merge the live generation makes due, with a snapshot of its
        segments and their deletion lists (caller holds _publish_lock)."""
        build = self._build
        t = build.table
        due = plan_merge([seg.rows - len(dead) for seg, dead in zip(t.segments, t.deads)])
        if due is None:
            return None
        start, end = due
        out = new_segment_name()
        build.in_flight |= {out, temporary(out)}
        return _Merge(build, [s.name for s in t.segments[start:end]], t.segments[start:end],
                      [np.array(d, dtype=np.int64) for d in t.deads[start:end]], t.dim, out)

    def _merge_loop(self, job: "_Merge | None", background: bool = True) -> None:
        """Run merges until none is due: one at a time, so that commits made
        during a merge are looked at again when it is published."""
        try:
            while job is not None:
                try:
                    self._merge(job)
                    give_back_memory()
                finally:
                    # Published, or garbage for the next commit's collect.
                    with self._publish_lock:
                        job.build.in_flight -= {job.out, temporary(job.out)}
                with self._publish_lock:
                    job = self._plan_merge()
                    self._merging = job is not None
        except BaseException as e:
            with self._publish_lock:
                self._merging = False
            if not background:
                raise
            # Raised again by the next commit(), close() or wait_for_merges().
            log.exception("background merge of %s failed", job.names if job else "?")
            self._merge_error = e

    def _merge(self, job: "_Merge") -> None:
        """Write the snapshot's live rows as one segment, then publish a
        generation with it in place of the merged run: a table move only
        (tantivy keeps its text; articles join the table by key)."""
        parts = []
        for seg, dead in zip(job.segments, job.deads):
            live = np.ones(seg.rows, dtype=bool)
            live[dead] = False
            parts.append((seg, live))
        merge_segments(job.build.path, parts, job.dim, name=job.out)
        _step("merged")
        with self._publish_lock:
            build = job.build
            if build is not self._build:
                return  # the store moved to another build meanwhile; collect removes it
            cur = build.table
            names = [s["name"] for s in cur.manifest.segments]
            run = len(job.names)
            at = next((i for i in range(len(names) - run + 1)
                       if names[i:i + run] == job.names), None)
            if at is None:
                log.warning("merged segments %s are no longer live; merge dropped", job.names)
                return
            dead = _carried_over(parts, job.deads, cur.deads[at:at + run])
            segments = [dict(s) for s in cur.manifest.segments]
            segments[at:at + run] = [{"name": job.out,
                                      "dead": _save_dead(build.path, dead) if len(dead)
                                      else None}]
            build.publish(Manifest(cur.model, cur.dim, segments), None)

    def merging(self) -> bool:
        thread = self._merge_thread
        return thread is not None and thread.is_alive()

    def wait_for_merges(self) -> None:
        """Return once no merge runs (nor is due); raise a merge's error."""
        thread = self._merge_thread
        if thread is not None:
            thread.join()
        self._raise_merge_error()

    def _raise_merge_error(self) -> None:
        error, self._merge_error = self._merge_error, None
        if error is not None:
            raise StoreError(f"a background merge of segments failed: "
                             f"{type(error).__name__}: {error}") from error

    def compact(self) -> None:
        """Merge the segments into as few as segments.MAX_ROWS allows, without
        the deleted and replaced rows, and rewrite the text index with the
        live articles only, so that they are gone from disk: tantivy keeps a
        deleted document's text in its segment until it merges that segment,
        and cannot be told to. The rewrite takes time in proportion to the
        archive."""
        if not self.writable:
            raise StoreError("store opened read-only")
        self.commit()
        # compact merges what it needs itself; a running merge finishes first so
        # that no merge publishes after it.
        self.wait_for_merges()
        with self._publish_lock:
            self._compact()

    def _compact(self) -> None:
        build = self._build
        old = build.table
        groups = compaction_groups([seg.rows - len(dead) for seg, dead in
                                    zip(old.segments, old.deads)],
                                   [len(dead) for dead in old.deads])
        rewrite_text = build.text_deleted() > 0
        if not groups and not rewrite_text:
            return
        segments = [dict(s) for s in old.manifest.segments]
        deads = list(old.deads)
        # From the last run back, so that the earlier runs' places hold.
        for start, end in reversed(groups):
            segments, deads = _merged(build.path, segments, deads, old.dim, start, end)
        writer = _rewritten_text(build) if rewrite_text else None
        build.publish(Manifest(old.model, old.dim, segments), writer)
        # A takedown must leave the disk now, not a commit later: a reader still
        # loading the generation before finds it gone and loads this one.
        build.collect(keep=set())

    def content_hashes(self) -> dict[str, str]:
        return dict(self.iter_content_hashes())

    def iter_content_hashes(self) -> Iterator[tuple[str, str]]:
        """(id, content hash) of every stored article, a segment at a time."""
        for _, i, h in self.table.iter_live():
            yield i, h

    def hashes_for(self, ids: list[str]) -> dict[str, str]:
        """The content hash of each of `ids` that is stored: what an indexer
        streaming its input asks per batch instead of holding every hash."""
        t = self.table
        rows = t.rows_for_keys(np.array([article_key(i) for i in ids], dtype=np.int64))
        out = {}
        for i, row in zip(ids, rows.tolist()):
            if row >= 0:
                seg, j = t.locate(row)
                out[i] = seg["hashes"][j].decode()
        return out

    def known_people(self) -> dict[str, int]:
        t = self.table
        return dict(t.people.counts(t.live))

    def people_dates(self) -> dict[str, tuple[dt.date, dt.date]]:
        t = self.table
        return {name: (from_day(lo), from_day(hi))
                for name, (lo, hi) in t.people.day_spans(t.live, t.days).items()}

    def close(self) -> None:
        """Wait for the running merge to publish (an `index` run ends with its
        merges done), drop uncommitted writes, release the write lock, then
        raise a merge's error if one failed."""
        thread = self._merge_thread
        if thread is not None:
            thread.join()
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None
        if self._lock_file:
            self._lock_file.close()
            self._lock_file = None
        self._raise_merge_error()

    @contextmanager
    def rebuild(self) -> Iterator["EmbeddedStore"]:
        if not self.writable:
            raise StoreError("store opened read-only")
        # No merge of the old build may still write into it when it is removed.
        self.wait_for_merges()
        name = f"build-{time.time_ns():020d}"
        path = self.root / "builds" / name
        fresh = EmbeddedStore(self.root, self._embedder, writable=True, _build=name,
                              background_merges=self.background_merges)
        try:
            yield fresh
            fresh.commit()
        except BaseException:
            try:
                fresh.close()
            except StoreError:
                log.exception("closing the abandoned build %s", name)
            shutil.rmtree(path, ignore_errors=True)
            raise
        fresh.close()  # its merges are published before it goes live
        old = self._current
        _atomic_write(self.root / "CURRENT", name)
        self._open()
        # Readers that have the old index open keep its files until they move on.
        if old and old != name:
            shutil.rmtree(self.root / "builds" / old, ignore_errors=True)

    # -- reading -----------------------------------------------------------
    def _searcher(self):
        b = self._live()
        return b.index.searcher() if b else None

    def _doc_for_key(self, searcher, key: int):
        import tantivy

        q = tantivy.Query.term_query(self._build.index.schema, "key", key)
        hits = searcher.search(q, limit=1).hits
        return searcher.doc(hits[0][1]) if hits else None

    def get(self, article_id: str) -> StoredArticle | None:
        searcher = self._searcher()
        if searcher is None:
            return None
        doc = self._doc_for_key(searcher, article_key(article_id))
        return _stored(doc) if doc is not None else None

    def iter_articles(self, batch: int = 500) -> Iterator[StoredArticle]:
        """Every stored article, in table order, `batch` at a time: memory stays
        flat however large the archive (reindex streams through this)."""
        b = self._live()
        if b is None:
            return
        searcher = b.index.searcher()
        for keys in _live_keys(b.table, batch):
            docs = _docs(b, searcher, keys)
            yield from (_stored(docs[key]) for key in keys if key in docs)

    def stats(self) -> dict:
        t = self.table
        days = t.days[(t.days != np.iinfo(np.int32).min) & t.live]
        size = _disk_size(self.root)
        return {
            "store": f"embedded:{self.root}", "build": self._current,
            "articles": t.live_count, "passages": t.passage_count(),
            "people": len(t.people.counts(t.live)),
            "countries": len(t.countries.counts(t.live)),
            "sources": len(t.sources.counts(t.live)), "model": t.model or None,
            "dims": t.dim or None, "segments": len(t.segments),
            "oldest": str(from_day(int(days.min()))) if len(days) else None,
            "newest": str(from_day(int(days.max()))) if len(days) else None,
            "disk_bytes": size,
        }

    def similar(self, article_id: str, k: int = 5) -> list[tuple[str, float]]:
        t = self.table
        row = t.row_for_id(article_id)
        if row is None or t.p_indptr[row] == t.p_indptr[row + 1]:
            return []
        v = t.row_vectors(row).mean(axis=0)
        v /= np.linalg.norm(v) or 1.0
        best = t.best_similarity(v)
        best[row] = -np.inf
        k = min(k, len(best))
        top = np.argpartition(-best, k - 1)[:k] if k else np.zeros(0, dtype=np.int64)
        top = top[np.argsort(-best[top], kind="stable")]
        return [(t.id(i), float(best[i])) for i in top if np.isfinite(best[i])]

    def _reader(self) -> _Build | None:
        b = self._live()
        return None if b is None or b.table.live_count == 0 else b

    def _search(self, build: _Build, req: SearchRequest, meaning) -> SearchResult:
        return _Plan(build, req, meaning).run()

    def _iter_results(self, build: _Build, req: SearchRequest, meaning, batch: int):
        plan = _Plan(build, req, meaning)
        plan.prepare()
        rows, scores = plan.ranked(plan.mask())
        for lo in range(0, len(rows), batch):
            page = list(zip(rows[lo:lo + batch].tolist(), scores[lo:lo + batch].tolist()))
            for row, score, stored in plan.fetch(page):
                yield stored, score


class _Plan:
    """One search: the match set per mode, filters, facets, the page of hits."""

    def __init__(self, build: _Build, req: SearchRequest, meaning: QueryVector | None):
        self.build, self.req, self.meaning, self.t = build, req, meaning, build.table
        self.searcher = build.index.searcher()
        self.warnings: list[str] = []
        self.day_from = to_day(req.date_from) if req.date_from else None
        self.day_to = to_day(req.date_to) if req.date_to else None
        self.query = parse(req.q)
        self.terms = self.query.terms()
        self.keyword_rows = np.zeros(0, dtype=np.int64)
        self.keyword_scores = np.zeros(0, dtype=np.float32)
        self.strict = 0  # how many of keyword_rows (the first ones) have every word
        self.relaxed = False
        self.allowed = None  # rows the query's phrases and exclusions allow, or None: all
        self.best = None
        self.qvec = None
        self.how = None

    def mask(self, skip: str | None = None) -> np.ndarray:
        m = self.t.filter_mask(self.req.filters(), self.day_from, self.day_to, skip,
                               self.req.scope, self.req.together)
        return m if self.allowed is None else m & self.allowed

    # -- the two sides -----------------------------------------------------
    def _rows(self, query, cap: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        limit = min(cap or KEYWORD_CAP, max(1, self.searcher.num_docs))
        res = self.searcher.search(query, limit=limit)
        if not res.hits:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, addresses = zip(*res.hits)
        scores = np.array(scores, dtype=np.float32)
        keys = self.searcher.fast_field_values("key", list(addresses))
        rows = self.t.rows_for_keys(np.array(keys, dtype=np.int64))
        ok = rows >= 0
        return rows[ok], scores[ok]

    def constrain(self) -> None:
        """Phrases and exclusions bind every match, meaning matches too."""
        required, excluded = tantivyquery.constraint(self.build.index.schema, self.query)
        if required is None and excluded is None:
            return
        # Every article either finds, however many: a cap here would drop
        # matches from every mode once the archive outgrew it.
        every = self.searcher.num_docs
        self.allowed = np.ones(self.t.n, dtype=bool)
        if required is not None:
            self.allowed[:] = False
            self.allowed[self._rows(required, every)[0]] = True
        if excluded is not None:
            self.allowed[self._rows(excluded, every)[0]] = False

    def keyword(self) -> None:
        schema = self.build.index.schema
        strict = tantivyquery.build(schema, self.query)
        if strict is None:
            return
        rows, scores = self._rows(strict)
        self.keyword_rows, self.keyword_scores, self.strict = rows, scores, len(rows)
        if not fusion.relax(len(rows), self.query):
            return
        relaxed = tantivyquery.build(schema, self.query, relaxed=True)
        if relaxed is None:
            return
        more_rows, more_scores = fusion.add_relaxed(rows, scores, *self._rows(relaxed))
        # The facets count what a click on them gives: the relaxed rows,
        # whatever the filters. The page says articles with some of the
        # words follow only where some do, under the filters.
        mask = self.mask()
        self.keyword_rows, self.keyword_scores = more_rows, more_scores
        self.relaxed = int(mask[more_rows].sum()) > int(mask[rows].sum())

    def semantic(self) -> None:
        qvec = self.meaning.vector
        if qvec.shape[0] != self.t.dim:
            raise StoreError(f"the query model gives {qvec.shape[0]} dims but the index has "
                             f"{self.t.dim} ({self.t.model}); run `newsarchive reindex`")
        # The keyword side's candidates need their cosine for fusion, and
        # filtered rows their exact scores when few (archive/vectors.py).
        self.qvec = qvec
        mask = self.mask()
        candidates = self.keyword_rows[mask[self.keyword_rows]][:fusion.CANDIDATES]
        self.best = self.t.best_similarity(qvec, within=mask, rows=candidates)
        self.floor = self.meaning.floor
        # Graphs score a few thousand of a million rows: the top-k of each mask
        # looks at those only (a partition of every row took 7 ms at 1M).
        self.scored = np.flatnonzero((self.best >= self.floor) & (self.best > -np.inf))

    def semantic_top(self, mask: np.ndarray) -> np.ndarray:
        """The SEMANTIC_K nearest articles above the relevance floor among those
        the mask allows."""
        rows = self.scored[mask[self.scored]]
        k = min(fusion.SEMANTIC_K, len(rows))
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        scores = self.best[rows]
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((rows[top], -scores[top]))]
        return rows[top]

    def matched(self, mask: np.ndarray) -> np.ndarray:
        """Boolean match set under a filter mask, for totals and facet counts."""
        m = np.zeros(self.t.n, dtype=bool)
        if not self.req.q:
            return mask.copy()
        if self.req.mode in ("keyword", "hybrid"):
            m[self.keyword_rows] = True
        if self.req.mode in ("semantic", "hybrid") and self.best is not None:
            m[self.semantic_top(mask)] = True
        return m & mask

    def ranked(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows in result order and their scores, as arrays: a common word
        matches thousands of articles and only one page becomes Python objects."""
        rows, scores = self._relevance(mask)
        if self.req.sort == "newest" and self.req.q:
            order = np.lexsort((np.arange(len(rows)), -self.t.days[rows].astype(np.int64)))
            rows, scores = rows[order], scores[order]
        return rows, scores

    def _relevance(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        req = self.req
        if not req.q:
            rows = np.asarray(self.t.newest(mask), dtype=np.int64)
            return rows, np.zeros(len(rows), dtype=np.float32)
        keep = mask[self.keyword_rows]
        kw_rows, kw_scores = self.keyword_rows[keep], self.keyword_scores[keep]
        if req.mode == "keyword" or self.best is None:  # nothing to look for by meaning
            return kw_rows, kw_scores
        sem_rows = self.semantic_top(mask)
        if req.mode == "semantic":
            return sem_rows, self.best[sem_rows]
        n = fusion.CANDIDATES
        top = kw_rows[:n].tolist()
        rows, scores = fusion.hybrid(fusion.Candidates(
            list(zip(top, kw_scores[:n].tolist())),
            list(zip(sem_rows[:n].tolist(), self.best[sem_rows[:n]].tolist())),
            strict=int(keep[:self.strict].sum()),
            cosine=dict(zip(top, self.best[top].tolist())), floor=self.floor),
            self.query, kw_rows[n:])
        return rows, scores.astype(np.float32)

    def match_kinds(self, full: np.ndarray):
        """(every word, some words, meaning) as row masks, or None when browsing."""
        if not self.req.q:
            return None
        words = np.zeros(self.t.n, dtype=bool)
        words[self.keyword_rows[:self.strict]] = True
        some_words = np.zeros(self.t.n, dtype=bool)
        some_words[self.keyword_rows] = True
        meaning = np.zeros(self.t.n, dtype=bool)
        if self.best is not None:
            meaning[self.semantic_top(full)] = True
        return words, some_words, meaning

    # -- the whole search --------------------------------------------------
    def prepare(self) -> None:
        req = self.req
        if req.q:
            self.constrain()
        if req.q and req.mode in ("keyword", "hybrid"):
            self.keyword()
        if req.q and req.mode in ("semantic", "hybrid") and self.meaning is not None:
            self.semantic()

    def run(self) -> SearchResult:
        req = self.req
        self.prepare()
        full = self.mask()
        rows, scores = self.ranked(full)
        self.how = self.match_kinds(full)
        end = req.offset + req.size
        page = list(zip(rows[req.offset:end].tolist(), scores[req.offset:end].tolist()))
        hits = self.hits(page)
        facets = self.facets() if req.facets else {}
        result = SearchResult(len(rows), hits, facets, req, warnings=self.warnings,
                              relaxed=self.relaxed)
        if self.how is not None:
            words, some_words, meaning = self.how
            result.total, result.keyword_total, result.semantic_total = fusion.totals(
                req.mode, int((some_words & full).sum()), int((words & full).sum()),
                int((meaning & full).sum()), int((meaning & full & ~some_words).sum()))
        return result

    def facets(self) -> dict:
        req, t = self.req, self.t
        active = {"people": bool(req.people), "countries": bool(req.countries),
                  "sources": bool(req.sources), "months": bool(req.date_from or req.date_to)}
        sets: dict[str | None, np.ndarray] = {}

        def match_set(skip: str) -> np.ndarray:
            # Leaving out a filter that is not set changes nothing: one set serves
            # every such facet instead of a mask and a vector top-k each.
            key = skip if active[skip] else None
            if key not in sets:
                sets[key] = self.matched(self.mask(skip=key))
            return sets[key]

        out = {}
        for name, column, selected, label in (
                ("people", t.column("people", req.scope), req.people, str),
                ("countries", t.column("countries", req.scope), req.countries, country_label),
                ("sources", t.sources, req.sources, str)):
            counts = column.top_counts(match_set(name), req.facet_size, selected)
            out[name] = facet_values(counts, selected, req.facet_size, label)
        out["months"] = month_values(t.months.counts(match_set("months")),
                                     req.date_from, req.date_to)
        return out

    def fetch(self, page: list[tuple[int, float]]) -> list[tuple[int, float, StoredArticle]]:
        """The stored articles of (row, score) pairs, in the same order."""
        if not page:
            return []
        keys = [int(self.t.keys[r]) for r, _ in page]
        docs = _docs(self.build, self.searcher, keys)
        return [(row, score, _stored(docs[key]))
                for (row, score), key in zip(page, keys) if key in docs]

    def hits(self, page: list[tuple[int, float]]) -> list[Hit]:
        return [self.hit(row, score, s) for row, score, s in self.fetch(page)]

    def hit(self, row: int, score: float, s: StoredArticle) -> Hit:
        sims = None
        if self.qvec is not None:
            lo, hi = self.t.p_indptr[row], self.t.p_indptr[row + 1]
            if hi - lo == len(s.passages):
                sims = self.t.row_similarities(self.qvec, row)
        hit = make_hit(s, score, self.terms, sims)
        if self.how is not None:
            _, some_words, meaning = self.how
            hit.matched = match_kind(bool(some_words[row]), bool(meaning[row]))
        return hit


def _stored(doc) -> StoredArticle:
    import datetime as dt

    f = doc.to_dict()
    first = lambda name: (f.get(name) or [""])[0]  # noqa: E731
    extra = json.loads(bytes(first("extra") or b"{}"))
    pub = first("published")
    article = Article(first("id"), first("title"), first("body"),
                      dt.date.fromisoformat(pub) if pub else None, first("source") or None,
                      first("url") or None, first("topic") or None)
    return StoredArticle(article, [Entity.from_dict(e) for e in extra.get("entities", [])],
                         [Passage(s, e) for s, e in extra.get("passages", [])],
                         first("content_hash"), first("model"))


def _docs(build: _Build, searcher, keys: list[int]) -> dict:
    """key -> tantivy document, for those of `keys` the searcher holds."""
    import tantivy

    q = tantivy.Query.term_set_query(build.index.schema, "key", keys)
    docs = {}
    for _, addr in searcher.search(q, limit=len(keys)).hits:
        d = searcher.doc(addr)
        docs[d["key"][0]] = d
    return docs


def _live_keys(table: SegmentedTable, batch: int) -> Iterator[list[int]]:
    """The keys of the live rows, in table order, `batch` at a time."""
    keys = []
    for row, _, _ in table.iter_live():
        keys.append(int(table.keys[row]))
        if len(keys) == batch:
            yield keys
            keys = []
    if keys:
        yield keys


def _rewritten_text(build: _Build):
    """A tantivy writer holding the live articles only, for `publish` to commit:
    the commit drops every old segment with the deleted documents' text."""
    writer = build.index.writer(heap_size=128_000_000, num_threads=1)
    searcher = build.index.searcher()
    try:
        writer.delete_all_documents()
        for keys in _live_keys(build.table, 500):
            for doc in _docs(build, searcher, keys).values():
                writer.add_document(doc)
    except BaseException:
        writer.rollback()
        raise
    return writer


def _save_dead(directory: Path, rows: np.ndarray) -> str:
    name = f"dead-{uuid.uuid4().hex}.npy"
    with open(directory / name, "wb") as f:
        np.save(f, np.asarray(rows, dtype=np.int64))
        f.flush()
        os.fsync(f.fileno())
    return name


@dataclass
class _Merge:
    """A background merge: the run of segments it merges as they were when it
    was planned, and the name of the segment it writes."""
    build: _Build
    names: list[str]
    segments: list[Segment]
    deads: list[np.ndarray]
    dim: int
    out: str


def _carried_over(parts: list[tuple[Segment, np.ndarray]], before: list[np.ndarray],
                  now: list[np.ndarray]) -> np.ndarray:
    """The merged segment's deletion list: rows of the merged run deleted or
    replaced after the snapshot (in `now`, not `before`), renumbered. The
    merged segment holds each part's snapshot-live rows in order, so a row's
    new number is its rank among those."""
    out, base = [], 0
    for (_, live), dead_before, dead_now in zip(parts, before, now):
        later = np.setdiff1d(dead_now, dead_before)
        out.append(base + np.cumsum(live)[later] - 1)
        base += int(live.sum())
    return np.concatenate(out).astype(np.int64) if out else np.zeros(0, dtype=np.int64)


def _merged(directory: Path, segments: list[dict], deads: list[np.ndarray], dim: int,
            start: int, end: int) -> tuple[list[dict], list[np.ndarray]]:
    """Segments start..end-1 merged into one, without their dead rows."""
    parts = []
    for s, dead in zip(segments[start:end], deads[start:end]):
        seg = Segment(directory / s["name"])
        live = np.ones(seg.rows, dtype=bool)
        live[dead] = False
        parts.append((seg, live))
    name = merge_segments(directory, parts, dim)
    _step("merged")
    return (segments[:start] + [{"name": name, "dead": None}] + segments[end:],
            deads[:start] + [np.zeros(0, dtype=np.int64)] + deads[end:])


def _disk_size(root: Path) -> int:
    """Bytes under root; files a commit renames or removes meanwhile are skipped."""
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                total += os.stat(os.path.join(folder, name)).st_size
            except FileNotFoundError:
                pass
    return total
