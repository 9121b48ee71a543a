"""One indexing run: read, skip what is unchanged, extract, split, embed, write.

Nothing a single article does can stop the run: each failure is recorded
with where it came from, and the summary says what was skipped and why.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Iterator

import numpy as np

from archive.model import Article, Entity, IndexedArticle, Passage
from archive.store import Store, StoredArticle
from indexer import passages as passages_mod
from indexer.embedcache import EmbedCache
from indexer.readers import Located, Problem, count_articles, read_paths
from indexer.unwrap import unwrap
from newsarchive import settings

Progress = Callable[[int, int], None]


@dataclass
class Summary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)  # files that are not article files
    passages: int = 0
    embedded: int = 0  # passages that needed the model (not in the cache)
    seconds: float = 0.0
    stages: Counter = field(default_factory=Counter)

    @property
    def indexed(self) -> int:
        return self.new + self.updated

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Adds the block's wall time to `stage` (parse, ner, chunk, embed, write)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stages[stage] += time.perf_counter() - started

    def to_dict(self) -> dict:
        return {
            "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
            "failed": len(self.failed), "warnings": len(self.warnings),
            "skipped": len(self.skipped),
            "passages": self.passages, "embedded": self.embedded,
            "seconds": round(self.seconds, 2),
            "articles_per_second": round(self.indexed / self.seconds, 1) if self.seconds else None,
            "stages": {k: round(v, 2) for k, v in self.stages.items()},
            "problems": [str(p) for p in self.failed],
            "warning_list": [str(p) for p in self.warnings],
            "skipped_list": [str(p) for p in self.skipped],
        }


def prepare(a: Article) -> Article:
    """The article as the archive keeps it: a hard-wrapped body joined into
    paragraphs (see indexer.unwrap), so a name or a sentence never breaks at
    a line end, and every offset (entities, passages, highlights) is into
    this one text. The id stays the one the reader made from the raw text,
    so an archive indexed before keeps its ids. Unwrapping twice changes
    nothing, so a rebuild from stored articles gives the same hash."""
    body = unwrap(a.body)
    return a if body == a.body else replace(a, body=body)


@dataclass
class Job:
    """One article through the run: where it was read, its content hash and
    whether the store has it yet; `_prepare` adds its entities and passages."""
    loc: Located
    hash: str
    new: bool
    entities: list[Entity] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)


def content_hash(a: Article, model: str) -> str:
    payload = json.dumps([a.title, a.body, a.published.isoformat() if a.published else None,
                          a.source, a.url, a.topic, model])
    return hashlib.sha1(payload.encode()).hexdigest()


# The defaults of `newsarchive index --commit-every/--commit-seconds`, declared once.
COMMIT_EVERY = settings.COMMIT_EVERY.default
COMMIT_SECONDS = settings.COMMIT_SECONDS.default
# A rebuild is thrown away whole if it stops, so its commits only bound the
# memory of pending writes: by count, and rarely (each one rewrites the table).
REBUILD_COMMIT_EVERY = 2000
# Articles read ahead of the work: ids are de-duplicated and the store asked
# for their hashes a window at a time.
READ_AHEAD = 1000


class Indexer:
    """`commit_every` articles or `commit_seconds`, whichever comes first, make
    a commit: a run that is killed keeps what it committed, and the rerun
    finds those articles unchanged and does only the rest."""

    def __init__(self, store: Store, embedder, extractor, cache: EmbedCache | None = None,
                 batch_size: int = 64, commit_every: int = COMMIT_EVERY,
                 commit_seconds: float = COMMIT_SECONDS):
        self.store = store
        self.embedder = embedder
        self.extractor = extractor
        self.cache = cache
        self.batch_size = batch_size
        self.commit_every = commit_every
        self.commit_seconds = commit_seconds
        self.clock = time.monotonic

    def index_paths(self, paths: Iterable[str], progress: Progress | None = None) -> Summary:
        """The input streams through a window of READ_AHEAD articles at a
        time, so memory does not grow with the input or the archive: what
        the store already holds is asked per window (`hashes_for`), and
        only a digest of each id read is kept, to warn about repeats."""
        summary = Summary()
        t0 = time.perf_counter()
        paths = list(paths)
        total = count_articles(paths) if progress else 0
        self._process(self._jobs(read_paths(paths), summary), total, summary, progress)
        summary.seconds = time.perf_counter() - t0
        return summary

    def _jobs(self, stream: Iterator[Located | Problem], summary: Summary) -> Iterator[Job]:
        """Changed and new articles as work for `_process`; unchanged ones are counted."""
        seen = SeenIds()
        while True:
            with summary.timed("parse"):
                window = list(itertools.islice(stream, READ_AHEAD))
                items = self._read(window, summary, seen)
                known = self.store.hashes_for([loc.article.id for loc in items])
            if not window:
                return
            for loc in items:
                try:
                    h = content_hash(loc.article, self.embedder.name)
                except Exception as e:  # e.g. text that cannot be encoded: this article only
                    summary.failed.append(Problem(loc.path, loc.line, f"article "
                                                  f"{loc.article.id!r}: {type(e).__name__}: {e}"))
                    continue
                old = known.get(loc.article.id)
                if old == h:
                    summary.unchanged += 1
                else:
                    yield Job(loc, h, old is None)

    def rebuild(self, progress: Progress | None = None,
                waiting: Callable[[], None] | None = None) -> Summary:
        """Everything the store holds, through today's pipeline, into a fresh
        index. The stored articles stream through a batch at a time: a
        million of them never sit in memory together. `waiting` is called
        when the fresh index goes live only after a background merge ends."""
        summary = Summary()
        t0 = time.perf_counter()
        total = self.store.stats()["articles"]
        with summary.timed("parse"):
            dates = written_dates(self.store.iter_articles())
        with self.store.rebuild() as fresh:
            self._process(self._stored(summary), total, summary, progress, store=fresh,
                          commit_every=REBUILD_COMMIT_EVERY, commit_seconds=float("inf"),
                          dates=dates)
            if waiting and fresh.merging():
                waiting()
        summary.seconds = time.perf_counter() - t0
        return summary

    def _stored(self, summary: Summary) -> Iterator[Job]:
        """The stored articles as work for `_process`, reading timed as parsing."""
        articles = iter(self.store.iter_articles())
        while True:
            with summary.timed("parse"):
                s: StoredArticle | None = next(articles, None)
            if s is None:
                return
            a = prepare(s.article)
            yield Job(Located(a, "(stored)", None), content_hash(a, self.embedder.name), True)

    def _read(self, window: list[Located | Problem], summary: Summary,
              seen: "SeenIds") -> list[Located]:
        """A window's articles, each id once. An id met again, in this window
        or an earlier one, is a warning; the later article is the one kept
        (an earlier window's is already written, and is replaced)."""
        by_id: dict[str, Located] = {}
        for item in window:
            if isinstance(item, Problem):
                if item.skipped:
                    summary.skipped.append(item)
                else:
                    (summary.failed if item.fatal else summary.warnings).append(item)
                continue
            item.article = prepare(item.article)
            prev = by_id.get(item.article.id)
            if prev is not None:
                summary.warnings.append(Problem(
                    item.path, item.line, f"id {item.article.id!r} also at "
                    f"{prev.path}:{prev.line or ''}; the later one is kept", fatal=False))
            by_id[item.article.id] = item
        earlier = seen.add(list(by_id))
        for article_id in earlier:
            item = by_id[article_id]
            summary.warnings.append(Problem(
                item.path, item.line, f"id {article_id!r} was also read earlier in this run; "
                f"the later one is kept", fatal=False))
        return list(by_id.values())

    def _process(self, todo: Iterable, total: int, summary: Summary,
                 progress: Progress | None, store: Store | None = None,
                 commit_every: int | None = None, commit_seconds: float | None = None,
                 dates: dict | None = None) -> None:
        from indexer.entities import NameBook

        # Names come from the live archive (for a rebuild: the old index) and
        # grow with each batch of this run. Only a rebuild passes `dates`
        # (written_dates); its old index does not vouch for names the model
        # missed (NameBook.vouched): an `index` run adds to an archive made
        # by the same rules, a rebuild replaces one made by older rules.
        self.names = NameBook(self.store.known_people(),
                              self.store.people_dates() if dates is None else dates,
                              vouch=dates is None)
        store = store or self.store
        commit_every = commit_every or self.commit_every
        commit_seconds = self.commit_seconds if commit_seconds is None else commit_seconds
        since_commit, last_commit, done = 0, self.clock(), 0
        for batch in _batches(todo, self.batch_size):
            docs = self._prepare(batch, summary)
            with summary.timed("write"):
                failures = store.write([d for d, _ in docs])
            failed_ids = {f.id for f in failures}
            for f in failures:
                loc = next(job.loc for d, job in docs if d.article.id == f.id)
                summary.failed.append(Problem(loc.path, loc.line, f"store refused "
                                              f"{f.id!r}: {f.reason}"))
            for d, job in docs:
                if d.article.id in failed_ids:
                    continue
                if job.new:
                    summary.new += 1
                else:
                    summary.updated += 1
            since_commit += len(docs)
            if since_commit >= commit_every or self.clock() - last_commit >= commit_seconds:
                with summary.timed("write"):
                    store.commit()
                since_commit, last_commit = 0, self.clock()
            done += len(batch)
            if progress:
                # Unchanged articles the input held count as done too.
                seen = done + summary.unchanged
                progress(seen, max(total, seen))
        with summary.timed("write"):
            store.commit()

    def _named(self, found: list[Entity], a: Article) -> list[Entity]:
        """The article's entities after the names book (bare names joined to
        their owners, known names found again), scored again: the book
        rebuilds them without salience, and left alone every one of them
        counted as "about" in the facets."""
        from indexer.entities import score

        return score(self.names.resolve(found, a.title, a.body, a.published), a.title, a.body)

    def _prepare(self, batch: list[Job], summary: Summary) -> list[tuple[IndexedArticle, Job]]:
        with summary.timed("ner"):
            try:
                # Whole articles: their dates file places under the states of
                # their time (Moscow in 1987 is the Soviet Union).
                ents = self.extractor.extract_many([job.loc.article for job in batch])
            except Exception:
                ents = None  # find the article that broke the batch, one by one below

        if ents is not None:
            self.names.add(ents, [(job.loc.article.title or "", job.loc.article.body or "")
                                  for job in batch],
                           [job.loc.article.published for job in batch])
            ents = [self._named(e, job.loc.article) for e, job in zip(ents, batch)]
        ready: list[Job] = []
        texts: list[str] = []
        for j, job in enumerate(batch):
            a = job.loc.article
            try:
                with summary.timed("ner"):
                    job.entities = ents[j] if ents is not None else \
                        self._named(self.extractor.extract(a.title, a.body, a.published), a)
                with summary.timed("chunk"):
                    job.passages = passages_mod.split(a.body, self.embedder.max_tokens,
                                                      count=self.embedder.count_tokens)
            except Exception as e:
                summary.failed.append(Problem(job.loc.path, job.loc.line,
                                              f"article {a.id!r}: {type(e).__name__}: {e}"))
                continue
            ready.append(job)
            texts.extend(a.body[p.start:p.end] for p in job.passages)

        with summary.timed("embed"):
            if self.cache is not None:
                before = self.cache.misses
                vectors = self.cache.encode(self.embedder, texts)
                summary.embedded += self.cache.misses - before
            else:
                vectors = self.embedder.encode(texts)
                summary.embedded += len(texts)
        summary.passages += len(texts)

        out, first = [], 0
        for job in ready:
            n = len(job.passages)
            out.append((IndexedArticle(job.loc.article, job.hash, job.entities, job.passages,
                                       vectors[first:first + n], self.embedder.name), job))
            first += n
        return out


class SeenIds:
    """The ids read so far in a run, as 8-byte digests in sorted blocks that
    merge like a binary counter: 8 MB per million articles, and a window is
    checked with a binary search per block (at most log2 of the windows)."""

    def __init__(self):
        self.blocks: list[np.ndarray] = []

    def add(self, ids: list[str]) -> list[str]:
        """Adds `ids` (distinct); returns those that were added before."""
        if not ids:
            return []
        digests = np.array([_digest(i) for i in ids], dtype=np.uint64)
        before = np.zeros(len(ids), dtype=bool)
        for block in self.blocks:
            at = np.searchsorted(block, digests).clip(max=len(block) - 1)
            before |= block[at] == digests
        self.blocks.append(np.sort(digests))
        while len(self.blocks) > 1 and len(self.blocks[-1]) >= len(self.blocks[-2]):
            last = self.blocks.pop()
            self.blocks[-1] = np.sort(np.concatenate([self.blocks[-1], last]))
        return [i for i, b in zip(ids, before.tolist()) if b]


def _digest(article_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"),
                                          digest_size=8).digest(), "little")


def written_dates(stored: Iterable) -> dict[str, tuple]:
    """Each person's first and last dated article that writes the full name
    out, from the stored articles. A rebuild seeds the names book with these
    rather than with the old index's dates, which count the bare surnames the
    old rules joined to a name: a wrong merge would vouch for itself."""
    from indexer.entities import widen

    out: dict[str, tuple] = {}
    for s in stored:
        a = s.article
        if a.published is None:
            continue
        for e in s.entities:
            if e.kind != "person" or len(e.key.split()) < 2:
                continue
            texts = {"title": a.title or "", "body": a.body or ""}
            if any(len(texts[m.field][m.start:m.end].split()) > 1 for m in e.mentions):
                widen(out, e.key, a.published)
    return out


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
