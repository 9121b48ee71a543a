"""The embedded store's table as append-only segments of memory-mapped columns.

A commit used to write the whole table again (`table.json` with a dict per
article, plus every vector) and every reader parsed all of it into Python
objects. Measured with `bench/scale.py` on the 2-core test machine (see
BENCHMARKS.md, "Scale"): at 100k articles a commit of 1,000 new articles took
12.5 s, opening the store 5.9 s and a reader 591 MB, all growing linearly with
the archive, so a bulk load was quadratic.

Now a commit writes only its own rows, as a new segment directory of `.npy`
columns (written once, never changed):

    seg-<uuid>/meta.json        rows, passages, the segment's people/countries/sources
    seg-<uuid>/keys.npy         int64 article keys (the join with tantivy)
    seg-<uuid>/ids.npy, hashes.npy   fixed-width UTF-8 bytes, read only when asked
    seg-<uuid>/days.npy         int32 days since 1970 (NO_DAY when undated)
    seg-<uuid>/counts.npy       int32 passages per row
    seg-<uuid>/starts.npy, ends.npy  int32 passage offsets
    seg-<uuid>/vectors.npy      float32, one row per passage (int8 with a graph)
    seg-<uuid>/scales.npy       float32, each int8 row's scale (only with a graph)
    seg-<uuid>/vectors.usearch  the HNSW graph of a large segment (archive/vectors.py)
    seg-<uuid>/<facet>_counts.npy, <facet>_values.npy   multi-valued columns

and a generation manifest (`gen-<ns>.json`: model, dims, the segments in row
order and each one's deletion list `dead-<uuid>.npy`) that `HEAD` names. An
edited article is a new row in the new segment plus its old row in a deletion
list; a deleted article is only the deletion list. Small segments are merged
as they accumulate (four of one size tier make one of the next, up to
MAX_ROWS), so a commit
costs its own rows plus, now and then, a merge whose cost is shared by the
rows it merged; merging drops deleted rows, and `compact()` packs the segments
into as few as MAX_ROWS allows.

With segments (same bench, same machine): at 300k articles a commit of 1,000
takes 0.36 s, opening the store and answering the first hybrid query with
all four facets 0.53 s, and a reader holds 99 MB of its own (940 MB resident
counting the vector pages the queries touched, which the page cache can take
back); the 10k-1M rows are in BENCHMARKS.md. Merges run in a background
thread of the writer (archive/embedded.py): a merge into a segment with a
graph takes minutes at a million passages, and a commit that triggered one
used to pay for it. A merge reads its segments through their maps and writes
the new one under a name the writer chose (`merge_segments(name=...)`), so
that the writer's garbage collection spares it until it is published.

A reader maps the segments' files (`np.load(mmap_mode="r")`): vectors and
passage offsets stay in the page cache, not in the process, and only the
small per-article columns are joined at open (keys, days, passage counts and
the facet columns with one sorted vocabulary per facet, about 30 bytes per
article plus 8 per facet value).

Vectors: a segment of fewer than vectors.INDEX_MIN passages keeps float32
and is scanned exactly (BLAS sgemv); numpy has no float16 BLAS, converting
per query was 8x slower than the float32 product (150k x 384: 562 ms vs 68 ms).
A larger segment stores int8 with a scale a row and an HNSW graph beside it,
built when the segment is written, so searches through it are approximate
and rescored from the stored vectors: see archive/vectors.py for the design
and its numbers. Segments written with float16 (before int8) are read as
they are and rewritten as int8 by the next merge.
"""
from __future__ import annotations

import json
import math
import os
import uuid
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator

import numpy as np

from archive import vectors
from archive.table import NO_DAY, Multi, Row, _one_blas_thread, article_key, entries_of

FACETS = ("people", "countries", "sources", "people_about", "countries_about")
# The "about" columns of an entity facet, and the mentions column a segment
# written before they existed reads in their place (such a segment counts
# every mention as "about" until a merge rewrites it with both).
ABOUT = {"people_about": "people", "countries_about": "countries"}
MERGE_WIDTH = 4  # segments of one size tier merged into one
TIER_BASE = 1000  # rows in a tier-0 segment (about one commit's worth)
# Rows a merge may write. A merge builds its segment's HNSW graph in memory
# (about 530 bytes a passage) and takes minutes per 100k passages, so without
# a cap the writer's peak memory and its longest merge grew with the archive:
# at 1M articles the last merge would build one graph of 1.5M passages
# (about 800 MB). Segments past half the cap are left as they are; searching
# a few graphs of this size instead of one costs little (archive/vectors.py).
MAX_ROWS = 256_000


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _save(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, array)
        f.flush()
        os.fsync(f.fileno())


def _bytes_column(values: list[str]) -> np.ndarray:
    encoded = [v.encode() for v in values]
    width = max((len(v) for v in encoded), default=1) or 1
    return np.array(encoded, dtype=f"S{width}")


COLUMNS = ("keys", "ids", "hashes", "days", "counts", "starts", "ends", "vectors",
           *(f"{f}_{k}" for f in FACETS for k in ("counts", "values")))


def write_segment(directory: Path, rows: list[Row], dim: int) -> str:
    """Write rows as a new segment under `directory`; returns its name."""
    part = {
        "keys": np.array([article_key(r.id) for r in rows], dtype=np.int64),
        "ids": _bytes_column([r.id for r in rows]),
        "hashes": _bytes_column([r.hash for r in rows]),
        "days": np.array([r.day for r in rows], dtype=np.int32),
        "counts": np.array([len(r.starts) for r in rows], dtype=np.int32),
        "starts": np.array([s for r in rows for s in r.starts], dtype=np.int32),
        "ends": np.array([e for r in rows for e in r.ends], dtype=np.int32),
    }
    vecs = [np.asarray(r.vectors, dtype=np.float32).reshape(len(r.starts), dim)
            for r in rows if len(r.starts)]
    part["vectors"] = np.vstack(vecs) if vecs else np.zeros((0, dim), dtype=np.float32)
    vocab = {}
    for facet in FACETS:
        lists = [_facet_values(r, facet) for r in rows]
        vocab[facet] = sorted({v for vals in lists for v in vals})
        index = {v: i for i, v in enumerate(vocab[facet])}
        part[f"{facet}_counts"] = np.array([len(v) for v in lists], dtype=np.int32)
        part[f"{facet}_values"] = np.array([index[v] for vals in lists for v in vals],
                                           dtype=np.int32)
    return _write(directory, [part], vocab, dim)


def new_segment_name() -> str:
    return f"seg-{uuid.uuid4().hex}"


def temporary(name: str) -> str:
    """The directory a segment is written in before it is renamed to `name`."""
    return f".{name}.tmp"


def merge_segments(directory: Path, parts: list[tuple["Segment", np.ndarray]], dim: int,
                   name: str | None = None) -> str:
    """The rows of each part's segment that its mask keeps (parts in order)
    as one new segment, column by column: no Python object per row, and
    vectors are copied straight from the old maps into the new file, so a
    merge of a million rows holds no more than one segment's small columns
    in memory. `name` is given by a background merge, which must tell the
    writer's garbage collection which directory is its own before it exists."""
    segs = [seg for seg, _ in parts]
    vocab = {f: sorted(set().union(*(s.vocab(f) for s in segs))) for f in FACETS}
    index = {f: {v: i for i, v in enumerate(vocab[f])} for f in FACETS}
    out = []
    for seg, live in parts:
        counts = np.asarray(seg["counts"])
        pmask = np.repeat(live, counts)
        part = {c: np.asarray(seg[c])[live] for c in ("keys", "ids", "hashes", "days",
                                                        "counts")}
        part["starts"] = np.asarray(seg["starts"])[pmask]
        part["ends"] = np.asarray(seg["ends"])[pmask]
        part["vectors"] = (seg["vectors"], seg.scales, pmask)
        for f in FACETS:
            fcounts = np.asarray(seg[f"{f}_counts"])
            remap = np.array([index[f][v] for v in seg.vocab(f)], dtype=np.int32)
            local = np.asarray(seg[f"{f}_values"])[np.repeat(live, fcounts)]
            part[f"{f}_counts"] = fcounts[live]
            part[f"{f}_values"] = remap[local] if len(local) else local
        out.append(part)
    # Values only deleted rows had (a taken-down article's people and source)
    # leave the vocabulary too: after compaction they are nowhere on disk.
    for f in FACETS:
        used = np.unique(np.concatenate([p[f"{f}_values"] for p in out] +
                                        [np.zeros(0, dtype=np.int32)]))
        vocab[f] = [vocab[f][i] for i in used]
        for p in out:
            p[f"{f}_values"] = np.searchsorted(used, p[f"{f}_values"]).astype(np.int32)
    return _write(directory, out, vocab, dim, name)


def _write(directory: Path, parts: list[dict], vocab: dict[str, list[str]], dim: int,
           name: str | None = None) -> str:
    name = name or new_segment_name()
    tmp = directory / temporary(name)
    tmp.mkdir(parents=True)
    rows = sum(len(p["keys"]) for p in parts)
    passages = sum(len(p["starts"]) for p in parts)
    for column in COLUMNS:
        arrays = [p[column] for p in parts]
        if column == "vectors":
            _write_vectors(tmp, arrays, passages, dim)
            continue
        shape = (sum(len(a) for a in arrays),)
        dtype = (f"S{max([a.dtype.itemsize for a in arrays] + [1])}"
                 if column in ("ids", "hashes") else arrays[0].dtype)
        if not shape[0]:
            _save(tmp / f"{column}.npy", np.zeros(shape, dtype=dtype))
            continue
        out = np.lib.format.open_memmap(tmp / f"{column}.npy", mode="w+", dtype=dtype,
                                        shape=shape)
        at = 0
        for a in arrays:
            out[at:at + len(a)] = a
            at += len(a)
        _close(tmp / f"{column}.npy", out)
    ann = vectors.indexed(passages)
    if ann:
        vectors.build(tmp / vectors.INDEX_FILE, np.load(tmp / "vectors.npy", mmap_mode="r"),
                      np.load(tmp / "scales.npy", mmap_mode="r"))
    layout = {}
    for column in (*COLUMNS, "scales"):
        if not (tmp / f"{column}.npy").exists():
            continue
        with open(tmp / f"{column}.npy", "rb") as f:
            read = (np.lib.format.read_array_header_1_0
                    if np.lib.format.read_magic(f) == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read(f)
            layout[column] = [dtype.str, list(shape), f.tell()]
    with open(tmp / "meta.json", "w") as f:
        json.dump({"rows": rows, "passages": passages, "dim": dim, "vocab": vocab,
                   "layout": layout, "ann": ann}, f)
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(tmp)
    os.rename(tmp, directory / name)
    _fsync_dir(directory)
    return name


def _close(path: Path, out: np.memmap) -> None:
    out.flush()
    del out
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _write_vectors(tmp: Path, arrays: list, passages: int, dim: int) -> None:
    """vectors.npy from float32 arrays or (map, scales, passage mask) of old
    segments, copied in slices; int8 with scales.npy beside it when the
    segment gets a graph (vectors.vector_dtype)."""
    dtype = vectors.vector_dtype(passages)
    if not passages:
        _save(tmp / "vectors.npy", np.zeros((0, dim), dtype=dtype))
        return
    out = np.lib.format.open_memmap(tmp / "vectors.npy", mode="w+", dtype=dtype,
                                    shape=(passages, dim))
    scales = (np.lib.format.open_memmap(tmp / "scales.npy", mode="w+", dtype=np.float32,
                                        shape=(passages,)) if dtype == np.int8 else None)
    at = 0
    for chunk in _vector_chunks(arrays):
        if scales is None:
            out[at:at + len(chunk)] = chunk
        else:
            out[at:at + len(chunk)], scales[at:at + len(chunk)] = vectors.quantize(chunk)
        at += len(chunk)
    _close(tmp / "vectors.npy", out)
    if scales is not None:
        _close(tmp / "scales.npy", scales)


def _vector_chunks(arrays: list) -> Iterator[np.ndarray]:
    """float32 slices of the new segment's vectors, in order."""
    for a in arrays:
        if not isinstance(a, tuple):
            yield np.asarray(a, dtype=np.float32)
            continue
        src, scales, mask = a
        for lo in range(0, len(src), 65536):
            keep = mask[lo:lo + 65536]
            yield vectors.as_float(np.asarray(src[lo:lo + 65536])[keep],
                                   None if scales is None
                                   else np.asarray(scales[lo:lo + 65536])[keep])


def _facet_values(row: Row, facet: str) -> list[str]:
    if facet == "sources":
        return [row.source] if row.source else []
    if facet in ABOUT:
        about = getattr(row, facet)
        return about if about is not None else getattr(row, ABOUT[facet])
    return row.people if facet == "people" else row.countries


class Segment:
    """One segment's columns, memory-mapped."""

    def __init__(self, path: Path):
        """`path` must exist: readers retry on a newer generation when a
        merge removed it between reading HEAD and getting here."""
        self.path = path
        self.name = path.name
        with open(path / "meta.json") as f:
            self.meta = json.load(f)
        self.rows = self.meta["rows"]
        self.passages = self.meta["passages"]
        self._cols: dict[str, np.ndarray] = {}
        # Opened now, not when first asked for: a reader that got this far has
        # every file it needs even if a compaction removes the directory later.
        for column in COLUMNS:
            self._cols[column] = self._map(column)
        # int8 vectors (a segment with a graph) have a scale a row.
        self.scales = self._map("scales") if "scales" in self.meta["layout"] else None
        self.ann = (vectors.open_index(path / vectors.INDEX_FILE) if self.meta.get("ann")
                    else None)

    def _map(self, column: str) -> np.ndarray:
        # The layout in meta.json spares parsing each file's .npy header: with
        # 18 columns a segment, header parsing was a third of a commit.
        column = self._stored(column)
        dtype, shape, offset = self.meta["layout"][column]
        if not math.prod(shape):
            return np.zeros(shape, dtype=dtype)
        return np.memmap(self.path / f"{column}.npy", dtype=dtype, mode="r", offset=offset,
                         shape=tuple(shape))

    def _stored(self, column: str) -> str:
        """The column's own file, or for a segment without "about" columns the
        mentions column that stands in for it."""
        if column in self.meta["layout"]:
            return column
        facet, _, part = column.rpartition("_")
        return f"{ABOUT[facet]}_{part}" if facet in ABOUT else column

    def __getitem__(self, column: str) -> np.ndarray:
        return self._cols[column]

    def vocab(self, facet: str) -> list[str]:
        vocab = self.meta["vocab"]
        return vocab[facet] if facet in vocab else vocab[ABOUT[facet]]


@dataclass
class Manifest:
    model: str
    dim: int
    segments: list[dict]  # {"name": seg, "dead": file or None}

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        with open(path) as f:
            m = json.load(f)
        return cls(m["model"], m["dim"], m["segments"])

    def write(self, directory: Path) -> str:
        import time

        name = f"gen-{time.time_ns():020d}.json"
        tmp = directory / f".{name}.tmp"
        with open(tmp, "w") as f:
            json.dump({"model": self.model, "dim": self.dim, "segments": self.segments}, f)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, directory / name)
        return name

    def files(self) -> set[str]:
        out = set()
        for s in self.segments:
            out.add(s["name"])
            if s.get("dead"):
                out.add(s["dead"])
        return out


class SegmentedTable:
    """The live rows of a generation's segments, as one table: row i of the
    table is row i - offset of its segment. Rows replaced or deleted since are
    still numbered but never live: every mask and lookup leaves them out."""

    def __init__(self, directory: Path | None, manifest: Manifest | None):
        self.manifest = manifest or Manifest("", 0, [])
        self.model = manifest.model if manifest else ""
        self.dim = manifest.dim if manifest else 0
        self.segments: list[Segment] = []
        self.dead_files: list[str | None] = []
        deads = []
        for s in (manifest.segments if manifest else []):
            seg = Segment(directory / s["name"])
            self.segments.append(seg)
            self.dead_files.append(s.get("dead"))
            deads.append(np.load(directory / s["dead"]) if s.get("dead")
                         else np.zeros(0, dtype=np.int64))
        sizes = [s.rows for s in self.segments]
        self.offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.offsets[1:])
        self.n = int(self.offsets[-1])
        self.keys = _concat([s["keys"] for s in self.segments], np.int64)
        self.days = _concat([s["days"] for s in self.segments], np.int32)
        counts = _concat([s["counts"] for s in self.segments], np.int64)
        self.p_indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.p_indptr[1:])
        self.p_offsets = self.p_indptr[self.offsets]
        self.deads = deads
        self.live = np.ones(self.n, dtype=bool)
        for k, dead in enumerate(deads):
            self.live[self.offsets[k] + dead] = False
        self.live_count = int(self.live.sum())
        live_rows = np.nonzero(self.live)[0]
        # Live keys are unique (one row per article), so the sort need not be
        # stable, and numpy's unstable one has a SIMD path: about 1.4x faster
        # at 1M keys, on the way of every store open.
        order = np.argsort(self.keys[live_rows])
        self._live_sorted_rows = live_rows[order]
        self._live_sorted_keys = self.keys[self._live_sorted_rows]

    # The facet columns are joined on first use: a writer never needs them.
    @cached_property
    def people(self) -> Multi:
        return _combined(self.segments, "people")

    @cached_property
    def countries(self) -> Multi:
        return _combined(self.segments, "countries")

    @cached_property
    def sources(self) -> Multi:
        return _combined(self.segments, "sources")

    @cached_property
    def people_about(self) -> Multi:
        return _combined(self.segments, "people_about")

    @cached_property
    def countries_about(self) -> Multi:
        return _combined(self.segments, "countries_about")

    def column(self, facet: str, scope: str = "about") -> Multi:
        """A filterable facet's column: people and countries in `scope`."""
        about = f"{facet}_about"
        return getattr(self, about if scope == "about" and about in ABOUT else facet)

    @cached_property
    def months(self) -> Multi:
        return _months(self.days)

    # -- lookups ---------------------------------------------------------
    def locate(self, row: int) -> tuple[Segment, int]:
        k = int(np.searchsorted(self.offsets, row, side="right")) - 1
        return self.segments[k], row - int(self.offsets[k])

    def rows_for_keys(self, keys: np.ndarray) -> np.ndarray:
        """Live row for each key, -1 where the table does not have it."""
        keys = np.asarray(keys, dtype=np.int64)
        if not len(self._live_sorted_keys) or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        # Sorted needles walk the keys in order: a third faster for 30k of 1M.
        order = np.argsort(keys)
        pos = np.empty(len(keys), dtype=np.int64)
        pos[order] = np.searchsorted(self._live_sorted_keys, keys[order])
        np.clip(pos, 0, len(self._live_sorted_keys) - 1, out=pos)
        found = self._live_sorted_keys[pos] == keys
        return np.where(found, self._live_sorted_rows[pos], -1)

    def row_for_id(self, article_id: str) -> int | None:
        row = int(self.rows_for_keys(np.array([article_key(article_id)]))[0])
        return None if row < 0 else row

    def id(self, row: int) -> str:
        seg, i = self.locate(row)
        return seg["ids"][i].decode()

    def row_vectors(self, row: int) -> np.ndarray:
        seg, _ = self.locate(row)
        base = int(self.p_offsets[self.segments.index(seg)])
        lo, hi = self.p_indptr[row] - base, self.p_indptr[row + 1] - base
        return vectors.as_float(seg["vectors"][lo:hi],
                                None if seg.scales is None else seg.scales[lo:hi])

    @property
    def row_of(self) -> "_RowOf":
        """id -> row, for tools (bench/latency.py) written against the old table."""
        return _RowOf(self)

    @property
    def vectors(self) -> np.ndarray:
        """Every passage vector in row order, copied into memory: for tools only."""
        return _concat([vectors.as_float(s["vectors"], s.scales) for s in self.segments],
                       np.float32).reshape(-1, self.dim)

    def passage_count(self) -> int:
        return int((self.passage_counts * self.live).sum())

    def iter_live(self) -> Iterator[tuple[int, str, str]]:
        """(row, id, hash) of every live row, in row order, a segment at a time."""
        for k, seg in enumerate(self.segments):
            base = int(self.offsets[k])
            live = self.live[base:base + seg.rows]
            ids, hashes = seg["ids"], seg["hashes"]
            for i in np.nonzero(live)[0].tolist():
                yield base + i, ids[i].decode(), hashes[i].decode()

    # -- search ----------------------------------------------------------
    def filter_mask(self, filters: dict[str, list[str]], day_from: int | None,
                    day_to: int | None, skip: str | None = None,
                    scope: str = "about", together: bool = False) -> np.ndarray:
        """Live rows passing every filter but `skip` (a facet's own filter is
        left out when counting that facet: multi-select); people and
        countries filters match in `scope`, any value of each, or every
        value when `together`."""
        mask = self.live.copy()
        for name in ("people", "countries", "sources"):
            if filters.get(name) and name != skip:
                column = self.column(name, scope)
                if together and name != "sources":
                    for value in filters[name]:
                        mask &= column.mask([value], self.n)
                else:
                    mask &= column.mask(filters[name], self.n)
        if skip != "months" and (day_from is not None or day_to is not None):
            has = self.days != NO_DAY
            if day_from is not None:
                has &= self.days >= day_from
            if day_to is not None:
                has &= self.days <= day_to
            mask &= has
        return mask

    def best_similarity(self, qvec: np.ndarray, within: np.ndarray | None = None,
                        rows: np.ndarray | None = None) -> np.ndarray:
        """Per-article best cosine, -inf for rows without one. Small segments
        are scanned exactly; a segment with a graph (archive/vectors.py) gives
        scores to its nearest passages among the rows `within` allows (all
        live rows by default), or to all those rows when they are few, and
        to `rows` (e.g. the keyword side's candidates) always."""
        q = np.ascontiguousarray(qvec, dtype=np.float32)
        best = np.full(self.n, -np.inf, dtype=np.float32)
        allowed = self.live if within is None else within & self.live
        counts = self.passage_counts
        with _one_blas_thread():
            for k, seg in enumerate(self.segments):
                lo, hi = int(self.offsets[k]), int(self.offsets[k + 1])
                if not seg.passages:
                    continue
                indptr = self.p_indptr[lo:hi + 1] - self.p_indptr[lo]
                if seg.ann is None:
                    sims = np.dot(seg["vectors"], q)
                    if seg.scales is not None:
                        sims = sims * seg.scales
                    has = np.diff(indptr) > 0
                    # Every row with passages: each start must end the previous run.
                    best[lo:hi][has] = np.maximum.reduceat(sims, indptr[:-1][has])
                    continue
                seg_allowed = allowed[lo:hi]
                npass = int(np.dot(counts[lo:hi], seg_allowed))
                if npass <= vectors.EXACT_MAX:
                    found = np.union1d(vectors.nearest(seg.ann, q,
                                                       vectors.fetch_size(seg.passages, npass)),
                                       entries_of(indptr, np.nonzero(seg_allowed)[0]))
                else:
                    found = _graph_search(seg, q, indptr, seg_allowed, npass)
                if rows is not None:
                    mine = rows[(rows >= lo) & (rows < hi)] - lo
                    found = np.union1d(found, entries_of(indptr, mine))
                sims = vectors.scores(seg["vectors"], q, found, seg.scales)
                owner = np.searchsorted(indptr, found, side="right") - 1
                np.maximum.at(best[lo:hi], owner, sims)
        best[~self.live] = -np.inf
        return best

    @cached_property
    def passage_counts(self) -> np.ndarray:
        return np.diff(self.p_indptr)

    def row_similarities(self, qvec: np.ndarray, row: int) -> np.ndarray:
        """Exact cosine of each of a row's passages."""
        return self.row_vectors(row) @ np.asarray(qvec, dtype=np.float32)

    def newest(self, mask: np.ndarray) -> np.ndarray:
        """Rows in the mask, newest first; undated last."""
        rows = np.nonzero(mask)[0]
        order = np.lexsort((rows, -self.days[rows].astype(np.int64)))
        return rows[order]


class _RowOf:
    def __init__(self, table: SegmentedTable):
        self.table = table

    def __getitem__(self, article_id: str) -> int:
        row = self.table.row_for_id(article_id)
        if row is None:
            raise KeyError(article_id)
        return row

    def get(self, article_id: str, default=None):
        row = self.table.row_for_id(article_id)
        return default if row is None else row


def _graph_search(seg: Segment, q: np.ndarray, indptr: np.ndarray, allowed: np.ndarray,
                  npass: int) -> np.ndarray:
    """A graph's nearest passages, asked for enough that about ANN_K of them
    are allowed. The first ask assumes the filters keep the same share of
    every neighbourhood; a filter that goes with the query's topic (Reuters
    only, asked about British elections: the nearest are BBC's) keeps far
    fewer, so while fewer than half of ANN_K come back allowed the ask is
    widened, four times at a time, up to ANN_K_MAX."""
    k = vectors.fetch_size(seg.passages, npass)
    most = min(vectors.ANN_K_MAX, seg.passages)
    while True:
        found = vectors.nearest(seg.ann, q, k)
        kept = int(allowed[np.searchsorted(indptr, found, side="right") - 1].sum())
        if 2 * kept >= min(vectors.ANN_K, npass) or k >= most:
            return found
        k = min(most, k * 4)


def _concat(arrays: list[np.ndarray], dtype) -> np.ndarray:
    if not arrays:
        return np.zeros(0, dtype=dtype)
    return np.concatenate([np.asarray(a, dtype=dtype) for a in arrays])


def _combined(segments: list[Segment], facet: str) -> Multi:
    """One facet column over all segments, with one sorted vocabulary."""
    vocab = sorted(set().union(*(s.vocab(facet) for s in segments))) if segments else []
    index = {v: i for i, v in enumerate(vocab)}
    values, counts = [], []
    for s in segments:
        remap = np.array([index[v] for v in s.vocab(facet)], dtype=np.int32)
        local = np.asarray(s[f"{facet}_values"])
        values.append(remap[local] if len(local) else np.zeros(0, dtype=np.int32))
        counts.append(np.asarray(s[f"{facet}_counts"]))
    return Multi.from_arrays(vocab, _concat(counts, np.int64), _concat(values, np.int32))


def _months(days: np.ndarray) -> Multi:
    """The month of every dated row. Through a table of the days the archive
    spans (a few thousand), not a sort of every row's month: at 1M rows the
    sort and its lookups took 0.14 s of the first search after an open."""
    dated = days != NO_DAY
    d = days[dated].astype(np.int64)
    if not len(d):
        return Multi.from_arrays([], dated.astype(np.int64), np.zeros(0, dtype=np.int32))
    lo, hi = int(d.min()), int(d.max())
    if hi - lo < 4 * len(d) + 40_000:
        month_of_day = (np.arange(lo, hi + 1).astype("datetime64[D]")
                        .astype("datetime64[M]").astype(np.int64))
        codes = month_of_day[d - lo]
    else:  # a stray date (year 1, year 9999) would make the table bigger than the rows
        codes = d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    first = int(codes.min())
    month = codes - first
    present = np.bincount(month) > 0
    vocab = [str(np.datetime64(first + int(c), "M")) for c in np.flatnonzero(present)]
    values = (np.cumsum(present) - 1)[month].astype(np.int32)
    return Multi.from_arrays(vocab, dated.astype(np.int64), values)


def tier(rows: int) -> int:
    return 0 if rows <= TIER_BASE else int(math.log(rows / TIER_BASE, MERGE_WIDTH))


def full(rows: int) -> bool:
    """A segment no merge takes any more (compaction aside)."""
    return rows > MAX_ROWS // 2


def plan_merge(live_rows: list[int]) -> tuple[int, int] | None:
    """The segments (start, end) to merge into one, or None.

    Mostly the run of MERGE_WIDTH or more at the end that share the last one's
    size tier, so a row is rewritten about once per tier (log4 of the archive
    in thousands), cut to its oldest segments that fit in MAX_ROWS (at least
    two), the newer ones staying in the run for the next merge. Failing that,
    segments behind a full one that deletions and edits have shrunk: no new
    neighbour ever joins them, so the oldest two or more side by side that
    fit in MAX_ROWS are merged (without this, an archive whose old articles
    keep being edited gathered such segments without end)."""
    run = 0
    if live_rows:
        last = tier(live_rows[-1])
        for rows in reversed(live_rows):
            if tier(rows) > last or full(rows):
                break
            run += 1
    if run >= MERGE_WIDTH:
        fits = _fitting(live_rows, len(live_rows) - run)
        if fits is not None:
            return fits
    behind = max((i for i, rows in enumerate(live_rows) if full(rows)), default=-1)
    for start in range(behind):
        if not full(live_rows[start]):
            fits = _fitting(live_rows[:behind], start)
            if fits is not None:
                return fits
    return None


def _fitting(live_rows: list[int], start: int) -> tuple[int, int] | None:
    """From `start`, the longest run of segments that are not full and fit in
    MAX_ROWS together, if it has two or more."""
    end, total = start, 0
    while (end < len(live_rows) and not full(live_rows[end])
           and total + live_rows[end] <= MAX_ROWS):
        total += live_rows[end]
        end += 1
    return (start, end) if end - start >= 2 else None


def compaction_groups(live_rows: list[int], dead_rows: list[int]) -> list[tuple[int, int]]:
    """Runs of segments (start, end) that compaction rewrites, each into one
    segment of at most MAX_ROWS rows (or one larger segment alone): neighbours
    are packed while they fit, and a run is listed only when rewriting it
    changes something (several segments, or deleted rows to drop)."""
    groups, start, total = [], 0, 0
    for i, rows in enumerate(live_rows):
        if i > start and total + rows > MAX_ROWS:
            groups.append((start, i))
            start, total = i, 0
        total += rows
    if live_rows:
        groups.append((start, len(live_rows)))
    return [(a, b) for a, b in groups if b - a > 1 or any(dead_rows[a:b])]
