"""The gold store: what annotators decided, durable the moment a key returns.

On disk a store is two files side by side:

- `gold.json`, a plain TinyDB JSON file (`tinydb.TinyDB(path)` reads it)
  holding the compacted state in four tables: `_meta` (the schema record),
  `articles`, `suggestions` (the model suggestion cache) and `annotations`
  (one document per article and annotator, items keyed by item id);
- `gold.json.journal`, an append-only journal: one JSON object a line, each
  line one atomic step (an article recorded, suggestions cached, a set of
  item changes, a done flag).

Every change is one journal line, appended with a single `write()` and
fsynced before the call returns, then applied to in-memory tables and
indices: the cost of a save does not grow with the store. On open the
journal is replayed over the TinyDB file (a torn last line, left by a crash
in the middle of an append, is dropped) and compacted: the whole state is
written to a temporary file, fsynced and renamed over `gold.json`, then the
journal is emptied. The same happens on `close()` and whenever the journal
grows past `GoldStore.COMPACT_BYTES`. Journal steps set absolute values, so
replaying a journal whose steps are already in `gold.json` (a crash between
the rename and the truncation) gives the same state.

One writer per store: a writer holds an exclusive `flock` on `gold.json.lock`
(with its PID inside, for the message a second writer gets). Readers
(`read_only=True`) take no lock and never write. A store that cannot be
read (zero bytes, bad JSON, missing tables, a newer schema, a damaged
journal line before the last) raises `StoreError` and is never modified.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from tui.core.layers import LayerItem, QuoteSuggestion, layer_item_from_json
from tui.core.model import AnnotationRecord, Article, EntityItem, Status, Suggestions
from tui.store.storage import (
    AtomicJSONStorage,
    StorageFormatError,
    fsync_dir,
    read_json_object,
    temp_files,
)

__all__ = ["SCHEMA", "AnnotationSummary", "GoldStore", "StoreError", "StoreLockedError"]

log = logging.getLogger(__name__)

#: The schema version this code writes and the newest it can read.
SCHEMA: Final = 1
APP: Final = "byline"
META: Final = "_meta"
ARTICLES: Final = "articles"
SUGGESTIONS: Final = "suggestions"
ANNOTATIONS: Final = "annotations"
TABLES: Final = (ARTICLES, SUGGESTIONS, ANNOTATIONS)

_STATUSES: Final = frozenset(status.value for status in Status)
_DECIDED: Final = frozenset(status.value for status in Status if status.is_decided)
_ENTITIES: Final = "entities"
_LAYERS: Final = frozenset({_ENTITIES, "quotes", "meetings"})

Doc = dict[str, Any]
Table = dict[str, Doc]


class StoreError(Exception):
    """A gold store that cannot be read or written; the message is one line naming the file."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


class _Invalid(Exception):
    """A document or journal entry without the expected shape (turned into StoreError)."""


@dataclass(frozen=True, slots=True)
class AnnotationSummary:
    """One annotator's progress on one article, for the library screen.

    `decided` and `added` count entities; `quotes` and `meetings` the decided
    items of those layers.
    """

    text_hash: str
    decided: int
    added: int
    done: bool
    updated: str | None
    quotes: int = 0
    meetings: int = 0


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------- validation


def _get(doc: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(doc, dict):
        raise _Invalid(f"expected an object, found {type(doc).__name__}")
    if key not in doc:
        raise _Invalid(f"no {key!r}")
    value = doc[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Invalid(f"{key!r} has the wrong type ({type(value).__name__})")
    return value


def _item_status(item_id: Any, item: Any) -> tuple[str, str]:
    """The status and layer of a stored item (raises `_Invalid` if they are not right)."""
    if not isinstance(item_id, str):
        raise _Invalid("an item id is not a string")
    status = _get(item, "status", str)
    if status not in _STATUSES:
        raise _Invalid(f"item {item_id!r} has an unknown status {status!r}")
    layer = item.get("layer", _ENTITIES)
    if layer not in _LAYERS:
        raise _Invalid(f"item {item_id!r} has an unknown layer {layer!r}")
    if layer != _ENTITIES:
        _get(item, "value", dict)
    return str(status), str(layer)


# -------------------------------------------------------------------------- state


@dataclass
class _Tally:
    decided: int = 0
    added: int = 0
    quotes: int = 0
    meetings: int = 0

    def count(self, status_layer: tuple[str, str], sign: int) -> None:
        status, layer = status_layer
        if status not in _DECIDED:
            return
        if layer == "quotes":
            self.quotes += sign
        elif layer == "meetings":
            self.meetings += sign
        else:
            self.decided += sign
            if status == Status.ADDED.value:
                self.added += sign


class _State:
    """The store's tables, exactly as TinyDB lays them out, plus in-memory indices.

    `tables` is what compaction writes; the indices point at the same
    documents. `apply` is the one place a step changes the state, used both
    for a live change (after its journal line is durable) and for replay.
    """

    def __init__(self, tables: dict[str, Any]) -> None:
        self.tables: dict[str, Table] = tables
        self.articles: dict[tuple[str, str], Doc] = {}
        self.suggestions: dict[tuple[str, str], dict[str, Doc]] = {}
        self.annotations: dict[str, dict[str, Doc]] = {}
        self.tallies: dict[tuple[str, str], _Tally] = {}
        self.next_id: dict[str, int] = {}
        self.seq = 0
        self._index()

    @staticmethod
    def empty() -> _State:
        return _State({META: {"1": {"schema": SCHEMA, "app": APP}},
                       ARTICLES: {}, SUGGESTIONS: {}, ANNOTATIONS: {}})

    # ---- loading

    def _index(self) -> None:
        """Check the shape of every table and build the indices (raises `_Invalid`)."""
        meta = self.tables.get(META)
        if not isinstance(meta, dict):
            raise _Invalid("no _meta table")
        records = [doc for doc in meta.values() if isinstance(doc, dict) and doc.get("app") == APP]
        if not records:
            raise _Invalid("no byline schema record in _meta")
        schema = records[0].get("schema")
        if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
            raise _Invalid(f"bad schema version {schema!r}")
        if schema > SCHEMA:
            raise _Invalid(f"written by a newer byline (schema {schema}; this byline reads "
                           f"up to {SCHEMA})")
        for name in (META, *TABLES):
            table = self.tables.get(name)
            if not isinstance(table, dict):
                raise _Invalid(f"no {name} table")
            top = 0
            for doc_id, doc in table.items():
                if not doc_id.isdigit() or not isinstance(doc, dict):
                    raise _Invalid(f"table {name}: document {doc_id!r} is not a TinyDB document")
                top = max(top, int(doc_id))
            self.next_id[name] = top + 1
        for doc_id, doc in self.tables[ARTICLES].items():
            key = (_get(doc, "id", str), _get(doc, "text_hash", str))
            _get(doc, "text", str)
            _get(doc, "meta", dict)
            if key in self.articles:
                raise _Invalid(f"table articles: document {doc_id} repeats article {key[0]!r}")
            self.articles[key] = doc
        for doc_id, doc in self.tables[SUGGESTIONS].items():
            key = (_get(doc, "article_id", str), _get(doc, "text_hash", str))
            spec = _get(doc, "model_spec", str)
            self.seq = max(self.seq, _get(doc, "seq", int))
            _get(doc, "data", dict)
            by_spec = self.suggestions.setdefault(key, {})
            if spec in by_spec:
                raise _Invalid(f"table suggestions: document {doc_id} repeats a cache entry")
            by_spec[spec] = doc
        for doc_id, doc in self.tables[ANNOTATIONS].items():
            article_id = _get(doc, "article_id", str)
            annotator = _get(doc, "annotator", str)
            _get(doc, "text_hash", str)
            _get(doc, "done", bool)
            _get(doc, "updated", (str, type(None)))
            by_article = self.annotations.setdefault(annotator, {})
            if article_id in by_article:
                raise _Invalid(f"table annotations: document {doc_id} repeats "
                               f"({article_id!r}, {annotator!r})")
            by_article[article_id] = doc
            tally = self.tallies[(annotator, article_id)] = _Tally()
            for item_id, item in _get(doc, "items", dict).items():
                tally.count(_item_status(item_id, item), +1)

    def _insert(self, table: str, doc: Doc) -> None:
        doc_id = self.next_id[table]
        self.next_id[table] = doc_id + 1
        self.tables[table][str(doc_id)] = doc

    # ---- steps

    def apply(self, step: Doc) -> None:
        """Apply one journal step (raises `_Invalid`, possibly half-applied, if it is malformed)."""
        op = _get(step, "op", str)
        if op == "items":
            self._apply_items(step)
        elif op == "done":
            doc = self._annotation_doc(step)
            doc["done"] = _get(step, "done", bool)
        elif op == "article":
            self._apply_article(step)
        elif op == "suggestions":
            self._apply_suggestions(step)
        else:
            raise _Invalid(f"unknown step {op!r}")

    def _annotation_doc(self, step: Doc) -> Doc:
        article_id = _get(step, "article_id", str)
        annotator = _get(step, "annotator", str)
        text_hash = _get(step, "text_hash", str)
        updated = _get(step, "updated", str)
        by_article = self.annotations.setdefault(annotator, {})
        doc = by_article.get(article_id)
        if doc is None:
            doc = {"article_id": article_id, "annotator": annotator, "text_hash": text_hash,
                   "items": {}, "done": False, "updated": updated}
            self._insert(ANNOTATIONS, doc)
            by_article[article_id] = doc
            self.tallies[(annotator, article_id)] = _Tally()
        doc["text_hash"] = text_hash
        doc["updated"] = updated
        return doc

    def _apply_items(self, step: Doc) -> None:
        changes = _get(step, "changes", dict)
        for item_id, item in changes.items():
            if item is not None:
                _item_status(item_id, item)
        doc = self._annotation_doc(step)
        items: dict[str, Doc] = doc["items"]
        tally = self.tallies[(doc["annotator"], doc["article_id"])]
        for item_id, item in changes.items():
            old = items.pop(item_id, None)
            if old is not None:
                tally.count((old["status"], old.get("layer", _ENTITIES)), -1)
            if item is not None:
                items[item_id] = item
                tally.count(_item_status(item_id, item), +1)

    def _apply_article(self, step: Doc) -> None:
        doc = {"id": _get(step, "id", str), "text": _get(step, "text", str),
               "meta": _get(step, "meta", dict), "text_hash": _get(step, "text_hash", str)}
        key = (doc["id"], doc["text_hash"])
        old = self.articles.get(key)
        if old is None:
            self._insert(ARTICLES, doc)
            self.articles[key] = doc
        else:
            old.update(doc)

    def _apply_suggestions(self, step: Doc) -> None:
        key = (_get(step, "article_id", str), _get(step, "text_hash", str))
        spec = _get(step, "model_spec", str)
        seq = _get(step, "seq", int)
        doc = {"article_id": key[0], "text_hash": key[1], "model_spec": spec, "seq": seq,
               "data": _get(step, "data", dict)}
        by_spec = self.suggestions.setdefault(key, {})
        old = by_spec.get(spec)
        if old is None:
            self._insert(SUGGESTIONS, doc)
            by_spec[spec] = doc
        else:
            old.update(doc)
        self.seq = max(self.seq, seq)


# ------------------------------------------------------------------ files on disk


def _lock(path: Path, lock_path: Path) -> int:
    """Take the store's write lock; return the lock file's descriptor."""
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise StoreError(f"{lock_path}: cannot create the lock file ({error.strerror})") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        try:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        except OSError:
            holder = ""
        finally:
            os.close(fd)
        if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise StoreError(f"{lock_path}: cannot lock the store ({error.strerror})") from error
        pid = holder if holder.isdigit() else "unknown"
        raise StoreLockedError(
            f"{path} is in use by another byline (process {pid}); close it first, "
            f"or open the store read-only"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:
        pass  # the PID is only for the message another process shows
    return fd


def _unlock(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
    except OSError:
        pass
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _parse_journal(raw: bytes, name: str) -> tuple[list[tuple[int, Doc]], int]:
    """The journal's steps (with line numbers) and the length of its good part.

    The last line may be torn (no newline, or unparseable): it is left out of
    the good part. A damaged line before it raises `StoreError`.
    """
    lines = raw.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    steps: list[tuple[int, Doc]] = []
    good = 0
    for number, line in enumerate(complete, 1):
        try:
            step = json.loads(line.decode("utf-8"))
        except ValueError:  # JSONDecodeError and UnicodeDecodeError
            if number == len(complete) and not tail:
                break  # a torn last line
            raise StoreError(f"{name}: not a byline journal (line {number} of "
                             f"{len(complete) + bool(tail)} is damaged)") from None
        if not isinstance(step, dict):
            raise StoreError(f"{name}: not a byline journal (line {number} is not an object)")
        steps.append((number, step))
        good += len(line) + 1
    return steps, good


class _Journal:
    """The append-only journal file: durable appends, rolled back if one fails."""

    def __init__(self, path: Path, name: str, size: int) -> None:
        self.path = path
        self.name = name
        existed = path.exists()
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        if not existed:
            fsync_dir(path.parent)
        self.size = size
        self.broken = False

    def append(self, data: bytes) -> None:
        """Append `data` and fsync; on failure, truncate back and raise `StoreError`."""
        if self.broken:
            raise StoreError(f"{self.name}: an earlier failed write could not be undone; "
                             f"reopen the store")
        start = self.size
        try:
            written = os.write(self.fd, data)
            while written < len(data):  # a short write: normally the next one fails
                more = os.write(self.fd, data[written:])
                if more <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                written += more
            os.fsync(self.fd)
        except BaseException as error:  # also an interrupt between write and fsync
            self.truncate(start)
            if isinstance(error, OSError):
                reason = error.strerror or str(error)
                raise StoreError(f"{self.name}: could not save ({reason})") from error
            raise
        self.size = start + len(data)

    def truncate(self, size: int) -> None:
        """Cut the journal back to `size` bytes, durably (marks it broken if that fails)."""
        try:
            os.ftruncate(self.fd, size)
            os.fsync(self.fd)
        except OSError:
            log.exception("%s: could not truncate the journal", self.name)
            self.broken = True
            return
        self.size = size
        self.broken = False

    def close(self) -> None:
        os.close(self.fd)


def _dumps(step: Doc) -> bytes:
    return (json.dumps(step, separators=(",", ":")) + "\n").encode("ascii")


# -------------------------------------------------------------------------- store


class GoldStore:
    """A byline gold store: articles, cached suggestions and annotations.

    Open it with `GoldStore.open(path)`; use it as a context manager or call
    `close()`. Every write method returns only once its change is on disk
    (fsynced) and raises `StoreError`, leaving the store as it was, if it
    cannot be. Safe to call from several threads of one process.
    """

    #: Compact when the journal grows past this many bytes.
    COMPACT_BYTES: int = 8 * 1024 * 1024

    def __init__(self, path: Path, state: _State, journal: _Journal | None,
                 lock_fd: int | None) -> None:
        """Use `GoldStore.open`."""
        self._path = path
        self._state = state
        self._journal = journal
        self._lock_fd = lock_fd
        self._storage = AtomicJSONStorage(path)
        self._mutex = threading.RLock()
        self._closed = False
        self._read_only = journal is None
        self._compact_at = self.COMPACT_BYTES

    # ------------------------------------------------------------ open, close

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> GoldStore:
        """Open the store at `path`, creating an empty one (and its folder) if there is none.

        A writer takes the store's lock (`StoreLockedError` if another process
        has it), replays and compacts the journal and removes temporary files
        an interrupted compaction left. `read_only=True` takes no lock, changes
        nothing on disk and refuses every write; the store must exist.
        """
        path = Path(path)
        journal_path = _journal_path(path)
        if read_only:
            return cls._open_read_only(path, journal_path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{path}: cannot create its folder ({error.strerror})") from error
        lock_fd = _lock(path, path.with_name(path.name + ".lock"))
        try:
            if not path.exists() and not journal_path.exists():
                AtomicJSONStorage(path).write(_State.empty().tables)
            tables, raw = _read_files(path, journal_path)
            state, good, steps = _load(path, journal_path, tables, raw)
            for tmp in temp_files(path):
                tmp.unlink(missing_ok=True)
            journal = _Journal(journal_path, str(journal_path), len(raw))
            store = cls(path, state, journal, lock_fd)
        except OSError as error:  # creating the store or the journal, removing temp files
            _unlock(lock_fd)
            raise StoreError(f"{path}: cannot open the store ({error.strerror})") from error
        except BaseException:
            _unlock(lock_fd)
            raise
        try:
            if steps:
                store._compact()
            elif good < len(raw):
                journal.truncate(good)
        except (OSError, StoreError) as error:
            store.close_quietly()
            if isinstance(error, StoreError):
                raise
            raise StoreError(f"{path}: could not compact the store ({error.strerror})") from error
        return store

    @classmethod
    def _open_read_only(cls, path: Path, journal_path: Path) -> GoldStore:
        if not path.exists():
            if journal_path.exists():
                raise StoreError(f"{path}: missing, but its journal {journal_path.name} exists")
            raise StoreError(f"{path}: no gold store here")
        for _ in range(10):
            before = _identity(path)
            tables, raw = _read_files(path, journal_path)
            if _identity(path) == before:
                break  # no compaction replaced the file while we read the journal
        state, _, _ = _load(path, journal_path, tables, raw)
        return cls(path, state, None, None)

    def close(self) -> None:
        """Compact the journal into the TinyDB file (if it holds anything) and release the lock.

        Raises `StoreError` if the compaction fails; nothing is lost then (the
        journal still holds every change) and the lock is released anyway.
        """
        with self._mutex:
            if self._closed:
                return
            try:
                if self._journal is not None and self._journal.size > 0:
                    self._compact()
            except OSError as error:
                raise StoreError(f"{self._path}: could not compact the store "
                                 f"({error.strerror})") from error
            finally:
                self.close_quietly()

    def close_quietly(self) -> None:
        """Release the lock and the journal without compacting (the next open will)."""
        with self._mutex:
            self._closed = True
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            if self._lock_fd is not None:
                _unlock(self._lock_fd)
                self._lock_fd = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def path(self) -> Path:
        """The TinyDB file."""
        return self._path

    @property
    def read_only(self) -> bool:
        """True for a store opened with `read_only=True`: every write raises `StoreError`."""
        return self._read_only

    # ------------------------------------------------------------ articles

    def put_article(self, article: Article) -> None:
        """Record an article (id, text, meta, text hash); a no-op if it is already recorded."""
        with self._mutex:
            old = self._state.articles.get((article.id, article.text_hash))
            if old is not None and old["text"] == article.text and old["meta"] == article.meta:
                return
            self._write({"op": "article", "id": article.id, "text": article.text,
                         "meta": article.meta, "text_hash": article.text_hash})

    def article(self, article_id: str, text_hash: str) -> Article | None:
        """The recorded article with this id and text hash, if any."""
        with self._mutex:
            doc = self._state.articles.get((article_id, text_hash))
            if doc is None:
                return None
            return Article(id=doc["id"], text=doc["text"], meta=dict(doc["meta"]))

    # ------------------------------------------------------------ suggestions

    def put_suggestions(self, article_id: str, suggestions: Suggestions) -> None:
        """Cache what a model suggested for an article's text (keyed by id, hash, model spec)."""
        with self._mutex:
            key = (article_id, suggestions.text_hash)
            spec = suggestions.model.spec
            data = suggestions.to_json()
            by_spec = self._state.suggestions.get(key, {})
            old = by_spec.get(spec)
            latest = max((doc["seq"] for doc in by_spec.values()), default=None)
            if old is not None and old["data"] == data and old["seq"] == latest:
                return
            self._write({"op": "suggestions", "article_id": article_id,
                         "text_hash": suggestions.text_hash, "model_spec": spec,
                         "seq": self._state.seq + 1, "data": data})

    def _suggestion_doc(self, article_id: str, text_hash: str,
                        model_spec: str | None) -> Doc | None:
        """The raw cache entry: of `model_spec`, else the latest stored (caller holds the mutex)."""
        by_spec = self._state.suggestions.get((article_id, text_hash))
        if not by_spec:
            return None
        if model_spec is None:
            return max(by_spec.values(), key=lambda d: int(d["seq"]))
        return by_spec.get(model_spec)

    def suggestions(self, article_id: str, text_hash: str,
                    model_spec: str | None = None) -> Suggestions | None:
        """The cached suggestions for this text: of `model_spec`, else the latest stored."""
        with self._mutex:
            doc = self._suggestion_doc(article_id, text_hash, model_spec)
            return None if doc is None else Suggestions.from_json(doc["data"])

    def suggestion_count(self, article_id: str, text_hash: str,
                         model_spec: str | None = None) -> int | None:
        """How many entities the cached suggestions hold (None: not cached), without decoding."""
        with self._mutex:
            doc = self._suggestion_doc(article_id, text_hash, model_spec)
            return None if doc is None else len(doc["data"]["entities"])

    # ------------------------------------------------------------ annotations

    def annotation(self, article_id: str, annotator: str) -> AnnotationRecord | None:
        """What `annotator` decided on this article, if anything."""
        with self._mutex:
            doc = self._state.annotations.get(annotator, {}).get(article_id)
            return None if doc is None else _record(doc)

    def save_items(self, article_id: str, annotator: str, text_hash: str,
                   changes: Mapping[str, EntityItem | LayerItem[Any] | None]) -> None:
        """Save a set of item changes as one atomic step (None deletes that item id).

        Durable when it returns. The record's `text_hash` becomes `text_hash`
        and `updated` the current time. An empty mapping is a no-op.
        """
        if not changes:
            return
        encoded: dict[str, Doc | None] = {}
        for item_id, item in changes.items():
            if item is not None and item.id != item_id:
                raise ValueError(f"item {item.id!r} given under the id {item_id!r}")
            encoded[item_id] = None if item is None else item.to_json()
        with self._mutex:
            self._write({"op": "items", "article_id": article_id, "annotator": annotator,
                         "text_hash": text_hash, "updated": utc_now(), "changes": encoded})

    def set_done(self, article_id: str, annotator: str, text_hash: str, done: bool) -> None:
        """Mark the article done (or not done) for this annotator; durable when it returns."""
        with self._mutex:
            self._write({"op": "done", "article_id": article_id, "annotator": annotator,
                         "text_hash": text_hash, "updated": utc_now(), "done": bool(done)})

    def annotations(self, annotator: str | None = None) -> Iterator[AnnotationRecord]:
        """Every annotation record (or one annotator's), by article id then annotator."""
        with self._mutex:
            if annotator is None:
                keys = sorted((article_id, name) for name, by_article
                              in self._state.annotations.items() for article_id in by_article)
            else:
                by_article = self._state.annotations.get(annotator, {})
                keys = [(article_id, annotator) for article_id in sorted(by_article)]
        for article_id, name in keys:
            record = self.annotation(article_id, name)
            if record is not None:
                yield record

    def annotators(self) -> list[str]:
        """The annotators with at least one record, sorted."""
        with self._mutex:
            return sorted(name for name, by_article in self._state.annotations.items()
                          if by_article)

    def _summary(self, annotator: str, article_id: str, doc: Doc) -> AnnotationSummary:
        tally = self._state.tallies[(annotator, article_id)]
        return AnnotationSummary(text_hash=doc["text_hash"], decided=tally.decided,
                                 added=tally.added, done=doc["done"], updated=doc["updated"],
                                 quotes=tally.quotes, meetings=tally.meetings)

    def summary(self, article_id: str, annotator: str) -> AnnotationSummary | None:
        """One annotator's progress on one article, in O(1) (no item is decoded)."""
        with self._mutex:
            doc = self._state.annotations.get(annotator, {}).get(article_id)
            return None if doc is None else self._summary(annotator, article_id, doc)

    def summaries(self, annotator: str) -> dict[str, AnnotationSummary]:
        """Article id -> progress summary for one annotator (no item is decoded)."""
        with self._mutex:
            return {
                article_id: self._summary(annotator, article_id, doc)
                for article_id, doc in self._state.annotations.get(annotator, {}).items()
            }

    # ------------------------------------------------------------ writing

    def _write(self, step: Doc) -> None:
        """Append `step` to the journal durably, then apply it (caller holds the mutex)."""
        if self._closed:
            raise StoreError(f"{self._path}: the store is closed")
        if self._journal is None:
            raise StoreError(f"{self._path}: opened read-only")
        line = _dumps(step)
        self._journal.append(line)
        # Apply the step as replay will read it back: memory holds exactly what disk does.
        self._state.apply(json.loads(line))
        if self._journal.size > self._compact_at:
            try:
                self._compact()
            except (OSError, StoreError):
                # The change itself is safe in the journal; try again after it grows more.
                log.exception("%s: compaction failed", self._path)
                self._compact_at = self._journal.size + self.COMPACT_BYTES

    def compact(self) -> None:
        """Write the whole state to the TinyDB file atomically and empty the journal."""
        with self._mutex:
            if self._journal is None:
                raise StoreError(f"{self._path}: opened read-only")
            try:
                self._compact()
            except OSError as error:
                raise StoreError(f"{self._path}: could not compact the store "
                                 f"({error.strerror})") from error

    def _compact(self) -> None:
        assert self._journal is not None
        self._storage.write(self._state.tables)
        self._journal.truncate(0)
        if self._journal.broken:
            raise StoreError(f"{self._journal.name}: could not empty the journal")
        self._compact_at = self.COMPACT_BYTES


# ----------------------------------------------------------------------- helpers


def _journal_path(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def _identity(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns, st.st_size


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a large store is parsed (it would rescan it again and again)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_files(path: Path, journal_path: Path) -> tuple[dict[str, Any], bytes]:
    """The TinyDB file's tables and the journal's bytes (StoreError if the file is bad)."""
    if not path.exists() and journal_path.exists():
        raise StoreError(f"{path}: missing, but its journal {journal_path.name} exists")
    try:
        with _gc_paused():
            tables = read_json_object(path)
    except StorageFormatError as error:
        raise StoreError(f"{path}: not a byline gold store ({error.reason})") from None
    except OSError as error:
        raise StoreError(f"{path}: cannot read the store ({error.strerror})") from error
    try:
        raw = journal_path.read_bytes()
    except FileNotFoundError:
        raw = b""
    except OSError as error:
        raise StoreError(f"{journal_path}: cannot read the journal ({error.strerror})") from error
    return tables, raw


def _load(path: Path, journal_path: Path, tables: dict[str, Any],
          raw: bytes) -> tuple[_State, int, int]:
    """Build the state and replay the journal: (state, good journal length, steps applied)."""
    try:
        with _gc_paused():
            state = _State(tables)
    except _Invalid as error:
        raise StoreError(f"{path}: not a byline gold store ({error})") from None
    steps, good = _parse_journal(raw, str(journal_path))
    for number, step in steps:
        try:
            state.apply(step)
        except _Invalid as error:
            raise StoreError(f"{journal_path}: not a byline journal (line {number}: "
                             f"{error})") from None
    return state, good, len(steps)


def _record(doc: Doc) -> AnnotationRecord:
    """Decode an annotation document: entities, and the quote and meeting items by `layer`."""
    record = AnnotationRecord(article_id=doc["article_id"], annotator=doc["annotator"],
                              text_hash=doc["text_hash"], done=doc["done"],
                              updated=doc["updated"])
    for item_id, item in doc["items"].items():
        layer = item.get("layer")
        if layer is None:
            record.items[item_id] = EntityItem.from_json(item_id, item)
            continue
        decoded = layer_item_from_json(item_id, item)
        if isinstance(decoded.value, QuoteSuggestion):
            record.quotes[item_id] = decoded
        else:
            record.meetings[item_id] = decoded
    return record
