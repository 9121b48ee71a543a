"""Takedowns: remove articles by id, by source or by a file of ids, then
compact so their text leaves the disk. The `delete` and `compact` commands
are a thin layer over these; each works on either store.

A deletion is committed before it returns: the articles are gone from
search, facets, similar-article lists and the API at once, and from disk at
the next `compact`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

from archive.store import Store, StoreError


@dataclass
class Removed:
    asked: int  # distinct ids asked for
    found: int  # of those, the ones the archive held (now deleted)

    @property
    def missing(self) -> int:
        return self.asked - self.found


def delete_ids(store: Store, ids: Iterable[str]) -> Removed:
    ids = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    found = store.delete(ids) if ids else 0
    store.commit()
    return Removed(len(ids), found)


def delete_source(store: Store, source: str) -> Removed:
    """Every article whose source is exactly `source`."""
    return delete_ids(store, list(store.ids_from_source(source)))


def read_ids(path: str | os.PathLike) -> list[str]:
    """Ids one a line; blank lines and lines starting with # are skipped, so a
    takedown request can be kept as the file with its notes."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f]
    except (OSError, UnicodeDecodeError) as e:
        raise StoreError(f"cannot read ids from {path}: {e}") from e
    return [line for line in lines if line and not line.startswith("#")]


def delete_file(store: Store, path: str | os.PathLike) -> Removed:
    return delete_ids(store, read_ids(path))


def compact(store: Store) -> tuple[int | None, int | None]:
    """Compact the store; returns its size on disk in bytes before and after."""
    before = store.stats().get("disk_bytes")
    store.compact()
    return before, store.stats().get("disk_bytes")
