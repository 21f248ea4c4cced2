"""The embedded catalog store: mongomock, made safe for a threaded development server.

mongomock is an in-process stand-in for MongoDB, not a database: its find-and-modify is a find
followed by an update, and an update matches and then writes field by field. Under threads
(runserver, the test suite's race tests) that oversells. Here every operation on a mongomock
collection that reads or writes documents runs under one process-wide lock, which makes each
single operation atomic and each read see whole documents, as on MongoDB. It does nothing for
several processes: each has its own memory (see README).

With a snapshot directory (`CATALOG_EMBEDDED_DIR`, `var/catalog` in local settings) the store
is loaded from it at start, and each write rewrites the written collection's file before the
write returns (a temporary file renamed into place: a crash leaves the old or the new file, never
half of one). Good for a developer's `make run` with a demo-sized catalog; not a database.
"""

import functools
import os
import tempfile
import threading
from pathlib import Path

from bson import json_util

_LOCK = threading.RLock()  # re-entrant: mongomock's find_one_and_update calls find_one and _update
_PATCHED = False
_SNAPSHOT_DIR: Path | None = None

# mongomock 4.3 internals every public read or write goes through.
_COLLECTION_METHODS = (
    "_insert",
    "_update",
    "_delete",
    "_find_and_modify",
    "count_documents",  # reads from here on
    "distinct",
    "aggregate",
    "drop",
    "create_index",
    "create_indexes",
    "bulk_write",
)


_WRITES = {"_insert", "_update", "_delete", "_find_and_modify", "drop", "bulk_write"}


def _serialised(method, *, writes: bool = False):
    @functools.wraps(method)
    def locked(collection, *args, **kwargs):
        with _LOCK:
            result = method(collection, *args, **kwargs)
            if writes and _SNAPSHOT_DIR is not None:
                _snapshot(collection)
            return result

    return locked


def serialise_mongomock() -> None:
    """Patch mongomock's Collection and Cursor once per process (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    from mongomock.collection import Collection, Cursor

    for name in _COLLECTION_METHODS:
        setattr(Collection, name, _serialised(getattr(Collection, name), writes=name in _WRITES))
    # A cursor materialises its whole result at once: under the lock it never sees half an update.
    Cursor._compute_results = _serialised(Cursor._compute_results)
    _accept_update_sort()
    _PATCHED = True


def _accept_update_sort() -> None:
    """pymongo 4.11 gave UpdateOne a `sort` (None unless asked for), which it hands to the bulk
    builder; mongomock 4.3 predates it and refuses the argument, so bulk_write fails there."""
    from mongomock.collection import BulkOperationBuilder

    add_update = BulkOperationBuilder.add_update

    def accepting_sort(self, *args, sort=None, **kwargs):
        if sort is not None:
            raise NotImplementedError("mongomock cannot sort an update")
        return add_update(self, *args, **kwargs)

    BulkOperationBuilder.add_update = accepting_sort


def persist_to(directory: Path, database) -> None:
    """Load `database` (a mongomock Database) from the snapshots in `directory`, then keep them
    current on every write."""
    global _SNAPSHOT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        _SNAPSHOT_DIR = None  # loading is not a write to snapshot
        for path in sorted(directory.glob("*.json")):
            documents = json_util.loads(path.read_text())
            collection = database[path.stem]
            collection.delete_many({})
            if documents:
                collection.insert_many(documents)
        _SNAPSHOT_DIR = directory


def stop_persisting() -> None:
    global _SNAPSHOT_DIR
    with _LOCK:
        _SNAPSHOT_DIR = None


def _snapshot(collection) -> None:
    documents = list(collection.find({}))
    target = _SNAPSHOT_DIR / f"{collection.name}.json"
    fd, temporary = tempfile.mkstemp(dir=_SNAPSHOT_DIR, prefix=f".{collection.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as file:
        file.write(json_util.dumps(documents, json_options=json_util.RELAXED_JSON_OPTIONS))
    os.replace(temporary, target)
