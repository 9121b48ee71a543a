"""Column helpers shared by the embedded store's tables, and the previous
version's whole-table format.

`Multi` is a multi-valued facet column (people, countries, sources, months)
whose counts under a row mask take milliseconds. `Table` is how the store kept
its rows before segments (archive/segments.py): one `table.json` and one
`vectors.npy` written whole at every commit; it is only read now, to convert
such a store the first time a writer opens it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

EPOCH = dt.date(1970, 1, 1)
NO_DAY = np.iinfo(np.int32).min


def article_key(article_id: str) -> int:
    """A stable 63-bit integer for an id: the join between tantivy and the table."""
    return int.from_bytes(hashlib.sha1(article_id.encode()).digest()[:8], "big") >> 1


def to_day(d: dt.date | None) -> int:
    return NO_DAY if d is None else (d - EPOCH).days


def from_day(n: int) -> dt.date | None:
    return None if n == NO_DAY else EPOCH + dt.timedelta(days=int(n))


@dataclass
class Row:
    id: str
    hash: str
    day: int
    source: str | None
    people: list[str]
    countries: list[str]
    starts: list[int]
    ends: list[int]
    vectors: np.ndarray
    # The people and countries the article is about; None (a row from a store
    # written before they were kept) stands for all of those it mentions.
    people_about: list[str] | None = None
    countries_about: list[str] | None = None


SPARSE = 16  # a row mask with fewer than 1 row in SPARSE set is counted row by row


def entries_of(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The positions of `rows`' entries, in row order, in a column where row i
    holds entries indptr[i]:indptr[i+1] (facet values, a segment's passages)."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    starts, lens = indptr[rows], indptr[rows + 1] - indptr[rows]
    return np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))


class Multi:
    """A multi-valued column: row i has values[indptr[i]:indptr[i+1]] (vocab indexes)."""

    def __init__(self, lists: list[list[str]]):
        self.vocab = sorted({v for vals in lists for v in vals})
        index = {v: i for i, v in enumerate(self.vocab)}
        self.indptr = np.zeros(len(lists) + 1, dtype=np.int64)
        np.cumsum([len(v) for v in lists], out=self.indptr[1:])
        self.values = np.array([index[v] for vals in lists for v in vals], dtype=np.int32)
        self.rows = np.repeat(np.arange(len(lists), dtype=np.int32), np.diff(self.indptr))
        self.index = index

    @classmethod
    def from_arrays(cls, vocab: list[str], counts: np.ndarray, values: np.ndarray) -> "Multi":
        """Row i has the next counts[i] entries of `values` (indexes into `vocab`)."""
        m = cls.__new__(cls)
        m.vocab = vocab
        m.index = {v: i for i, v in enumerate(vocab)}
        m.indptr = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=m.indptr[1:])
        m.values = np.ascontiguousarray(values, dtype=np.int32)
        m.rows = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        return m

    def row(self, i: int) -> list[str]:
        return [self.vocab[j] for j in self.values[self.indptr[i]:self.indptr[i + 1]]]

    def mask(self, selected: list[str], n: int) -> np.ndarray:
        """Rows that have any of the selected values."""
        want = [self.index[v] for v in selected if v in self.index]
        m = np.zeros(n, dtype=bool)
        if want:
            m[self.rows[np.isin(self.values, want)]] = True
        return m

    def counts(self, rows_mask: np.ndarray) -> list[tuple[str, int]]:
        c = self._bincount(rows_mask)
        return [(self.vocab[i], int(c[i])) for i in np.nonzero(c)[0]]

    def top_counts(self, rows_mask: np.ndarray, size: int,
                   also: Iterable[str] = ()) -> list[tuple[str, int]]:
        """The `size` most frequent values (ties by name) and the `also` values:
        the part of `counts` a facet shows, without listing thousands of names."""
        c = self._bincount(rows_mask)
        nonzero = np.nonzero(c)[0]
        if len(nonzero) > size:
            kth = np.partition(c[nonzero], len(nonzero) - size)[len(nonzero) - size]
            above = nonzero[c[nonzero] > kth]
            ties = nonzero[c[nonzero] == kth][:size - len(above)]  # vocab is sorted by name
            nonzero = np.concatenate([above, ties])
        pick = set(nonzero.tolist()) | {self.index[v] for v in also if v in self.index}
        return [(self.vocab[i], int(c[i])) for i in sorted(pick)]

    def day_spans(self, rows_mask: np.ndarray, days: np.ndarray) -> dict[str, tuple[int, int]]:
        """Each value's first and last day over the rows in the mask that have one."""
        keep = rows_mask[self.rows] & (days[self.rows] != NO_DAY)
        values, d = self.values[keep], days[self.rows[keep]].astype(np.int64)
        lo = np.full(len(self.vocab), np.iinfo(np.int64).max)
        hi = np.full(len(self.vocab), np.iinfo(np.int64).min)
        np.minimum.at(lo, values, d)
        np.maximum.at(hi, values, d)
        return {self.vocab[i]: (int(lo[i]), int(hi[i])) for i in np.nonzero(hi >= lo)[0]}

    def _bincount(self, rows_mask: np.ndarray) -> np.ndarray:
        if not len(self.values):
            return np.zeros(len(self.vocab), dtype=np.int64)
        if np.count_nonzero(rows_mask) * SPARSE > len(rows_mask):
            return np.bincount(self.values[rows_mask[self.rows]], minlength=len(self.vocab))
        # A query matches a few thousand of a million rows: gather their values
        # instead of testing every value's row (4 facets took 9 ms at 1M).
        return np.bincount(self.values[entries_of(self.indptr, np.flatnonzero(rows_mask))],
                           minlength=len(self.vocab))


class Table:
    def __init__(self, rows: list[Row], model: str, dim: int):
        self.model = model
        self.dim = dim
        self.ids = [r.id for r in rows]
        self.hashes = [r.hash for r in rows]
        self.n = len(rows)
        self.keys = np.array([article_key(i) for i in self.ids], dtype=np.int64)
        self._key_order = np.argsort(self.keys)
        self.days = np.array([r.day for r in rows], dtype=np.int32)
        self.sources = Multi([[r.source] if r.source else [] for r in rows])
        self.people = Multi([r.people for r in rows])
        self.countries = Multi([r.countries for r in rows])
        months = [_month(r.day) for r in rows]
        self.months = Multi([[m] if m else [] for m in months])
        counts = [len(r.starts) for r in rows]
        self.p_indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.p_indptr[1:])
        self.p_start = np.array([s for r in rows for s in r.starts], dtype=np.int32)
        self.p_end = np.array([e for r in rows for e in r.ends], dtype=np.int32)
        self.p_row = np.repeat(np.arange(self.n, dtype=np.int32), counts)
        vecs = [r.vectors for r in rows if len(r.starts)]
        self.vectors = (np.ascontiguousarray(np.vstack(vecs), dtype=np.float32) if vecs
                        else np.zeros((0, dim), dtype=np.float32))
        self.row_of = {i: n for n, i in enumerate(self.ids)}

    # -- lookups ---------------------------------------------------------
    def rows_for_keys(self, keys: np.ndarray) -> np.ndarray:
        """Row index for each key, -1 where the table does not have it."""
        keys = np.asarray(keys, dtype=np.int64)
        if not self.n or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        sorted_keys = self.keys[self._key_order]
        pos = np.clip(np.searchsorted(sorted_keys, keys), 0, self.n - 1)
        found = sorted_keys[pos] == keys
        return np.where(found, self._key_order[pos], -1)

    def row(self, i: int) -> Row:
        a, b = self.p_indptr[i], self.p_indptr[i + 1]
        src = self.sources.row(i)
        return Row(self.ids[i], self.hashes[i], int(self.days[i]), src[0] if src else None,
                   self.people.row(i), self.countries.row(i), self.p_start[a:b].tolist(),
                   self.p_end[a:b].tolist(), self.vectors[a:b])

    def iter_rows(self) -> Iterator[Row]:
        for i in range(self.n):
            yield self.row(i)

    # -- search ----------------------------------------------------------
    def filter_mask(self, filters: dict[str, list[str]], day_from: int | None,
                    day_to: int | None, skip: str | None = None) -> np.ndarray:
        """Rows passing every filter but `skip` (a facet's own filter is left
        out when counting that facet: multi-select)."""
        mask = np.ones(self.n, dtype=bool)
        for name, column in (("people", self.people), ("countries", self.countries),
                             ("sources", self.sources)):
            if filters.get(name) and name != skip:
                mask &= column.mask(filters[name], self.n)
        if skip != "months" and (day_from is not None or day_to is not None):
            has = self.days != NO_DAY
            if day_from is not None:
                has &= self.days >= day_from
            if day_to is not None:
                has &= self.days <= day_to
            mask &= has
        return mask

    def best_similarity(self, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(per-passage cosine, per-article best cosine; -inf for no passages)."""
        with _one_blas_thread():
            sims = self.vectors @ qvec.astype(np.float32)
        best = np.full(self.n, -np.inf, dtype=np.float32)
        has = np.diff(self.p_indptr) > 0
        if has.any():
            starts = self.p_indptr[:-1][has]
            best[has] = np.maximum.reduceat(sims, starts)
        return sims, best

    def newest(self, mask: np.ndarray) -> np.ndarray:
        """Rows in the mask, newest first; undated last."""
        rows = np.nonzero(mask)[0]
        order = np.lexsort((rows, -self.days[rows].astype(np.int64)))
        return rows[order]

    # -- persistence -----------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        np.save(directory / "vectors.npy", self.vectors)
        meta = {"model": self.model, "dim": self.dim, "rows": [
            {"id": i, "hash": h, "day": int(self.days[n]),
             "source": (self.sources.row(n) or [None])[0], "people": self.people.row(n),
             "countries": self.countries.row(n), "starts": self.p_start[
                 self.p_indptr[n]:self.p_indptr[n + 1]].tolist(),
             "ends": self.p_end[self.p_indptr[n]:self.p_indptr[n + 1]].tolist()}
            for n, (i, h) in enumerate(zip(self.ids, self.hashes))]}
        with open(directory / "table.json", "w") as f:
            json.dump(meta, f)
            f.flush()
            os.fsync(f.fileno())

    @classmethod
    def load(cls, directory: Path) -> "Table":
        with open(directory / "table.json") as f:
            meta = json.load(f)
        vectors = np.load(directory / "vectors.npy")
        rows, p = [], 0
        for r in meta["rows"]:
            k = len(r["starts"])
            rows.append(Row(r["id"], r["hash"], r["day"], r["source"], r["people"],
                            r["countries"], r["starts"], r["ends"], vectors[p:p + k]))
            p += k
        return cls(rows, meta["model"], meta["dim"])

    @classmethod
    def empty(cls, model: str = "", dim: int = 0) -> "Table":
        return cls([], model, dim)


_blas = None


def _one_blas_thread():
    """A matrix-vector product gains nothing from more threads, and BLAS threads
    left spinning afterwards slow the next query's embedding (torch threads
    compete with them): measured 49 ms vs 15 ms per hybrid query on 2 cores."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    return _blas.limit(limits=1, user_api="blas")


def _month(day: int) -> str | None:
    d = from_day(day)
    return d.strftime("%Y-%m") if d else None
