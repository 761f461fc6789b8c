"""The gold store: what annotators decided, durable the moment a key returns.

On disk a store `gold.json` is:

- `gold.json`, the index: a TinyDB JSON file whose `index` table has one
  document per shard, listing the articles, suggestion runs and annotations
  (with their counts) the shard holds, and the shard file's checksum;
- `gold.json.shards/NNN.json`, the shards: TinyDB JSON files with the tables
  `articles`, `suggestions` (the model suggestion cache) and `annotations`
  (one document per article and annotator, items keyed by item id) of the
  article ids that hash to shard NNN (16,384 shards);
- `gold.json.journal`, an append-only journal: one checksummed JSON step a
  line (an article recorded, suggestions cached, a set of item changes, a done
  flag), see `tui.store.journal`;
- `gold.json.lock`, the writer's lock; `gold.json.backups/`, the files the
  last few compactions replaced.

Every file's `_meta` table records the schema version and a SHA-256 of the
rest of the file: a flipped byte is found, never read as data.

Every change is one journal line, appended with a single `write()` and
fsynced before the call returns, then applied to the shard in memory: the
cost of a save does not grow with the store. Opening reads the index (not
the shards: they load when an article is asked for) and replays the journal
over the shards it touches. A compaction writes the changed shards and then
the index, each to a temporary file that is fsynced and renamed into place,
and empties the journal; it runs at open and close, whenever the journal
passes `GoldStore.COMPACT_BYTES` and whenever more than `DIRTY_SHARDS` shards
have changed. Journal steps set absolute values, so replaying steps a
compaction already wrote gives the same state.

One writer per store: a writer holds an exclusive `flock` on `gold.json.lock`
(with its PID inside, for the message a second writer gets). Readers
(`read_only=True`) take no lock and never write. A store that cannot be
read (zero bytes, bad JSON, a failed checksum, missing tables or shards, a
newer schema, a damaged journal line before the last) raises `StoreError`
and is never modified; `byline doctor` says what is wrong and repairs it.
Schema 1 stores (everything in `gold.json`) are upgraded when a writer opens
them, the old file kept in the backups.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import json
import logging
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from tui.atomic import atomic_write_bytes
from tui.core.layers import LayerItem, QuoteSuggestion, layer_item_from_json
from tui.core.model import AnnotationRecord, Article, EntityItem, Suggestions
from tui.store.journal import Journal, JournalError, ParsedJournal, encode_step, parse_journal
from tui.store.shard import (
    AnnotationSummary,
    Doc,
    Invalid,
    ShardIndex,
    ShardState,
    distribute,
    get,
    shard_name,
    shard_of,
    step_article,
)
from tui.store.storage import (
    META_TABLE,
    StorageFormatError,
    decode_checked,
    encode_checked,
    read_json_object,
    temp_files,
)

__all__ = ["SCHEMA", "AnnotationSummary", "GoldStore", "StoreError", "StoreLockedError"]

log = logging.getLogger(__name__)

#: The schema version this code writes and the newest it can read.
SCHEMA: Final = 2
APP: Final = "byline"
INDEX: Final = "index"
#: Shards of a new store.
SHARDS: Final = 16384
#: Compactions whose replaced files are kept in the backups folder.
KEEP_BACKUPS: Final = 3


class StoreError(Exception):
    """A gold store that cannot be read or written; the message is one line naming the file."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------ files on disk


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def shards_dir(path: Path) -> Path:
    return path.with_name(path.name + ".shards")


def backups_dir(path: Path) -> Path:
    return path.with_name(path.name + ".backups")


def _lock(path: Path) -> int:
    """Take the store's write lock; return the lock file's descriptor."""
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise StoreError(f"{lock}: cannot create the lock file ({error.strerror})") from error
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
            raise StoreError(f"{lock}: cannot lock the store ({error.strerror})") from error
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


def lock_holder(path: Path) -> str | None:
    """The PID written in a store's lock file while a writer holds it, else None."""
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        return holder if holder.isdigit() else "unknown"
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _unlock(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
    except OSError:
        pass
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a large file is parsed or a store exported (it would
    rescan the growing heap again and again; these structures hold no cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _identity(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns, st.st_size


def index_meta(shards: int) -> Doc:
    return {"app": APP, "schema": SCHEMA, "kind": "index", "shards": shards}


def shard_meta(number: int) -> Doc:
    return {"app": APP, "schema": SCHEMA, "kind": "shard", "shard": number}


def _check_schema(path: Path, meta: Mapping[str, Any], kind: str) -> None:
    if meta.get("app") != APP:
        raise StoreError(f"{path}: not a byline gold store (no _meta record of byline)")
    schema = meta.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise StoreError(f"{path}: not a byline gold store (bad schema version {schema!r})")
    if schema > SCHEMA:
        raise StoreError(f"{path}: not a byline gold store (written by a newer byline: "
                         f"schema {schema}; this byline reads up to {SCHEMA})")
    if meta.get("kind") != kind:
        raise StoreError(f"{path}: not a byline {kind} file")


def _legacy_schema(data: Mapping[str, Any]) -> int | None:
    """The schema of a whole-store file of schema 1 (None if it is not one)."""
    meta = data.get(META_TABLE)
    if not isinstance(meta, dict):
        return None
    for record in meta.values():
        if isinstance(record, dict) and record.get("app") == APP and "sha256" not in record:
            schema = record.get("schema")
            return schema if isinstance(schema, int) else None
    return None


class OpenedIndex:
    """What reading a store's files gave: its index (or, for schema 1, its loaded
    shards), the journal's bytes and parsed steps."""

    def __init__(self, shards: int, indices: dict[int, ShardIndex],
                 loaded: dict[int, ShardState], raw_journal: bytes, legacy: bool) -> None:
        self.shards = shards
        self.indices = indices
        self.loaded = loaded
        self.raw_journal = raw_journal
        self.legacy = legacy


def read_index(path: Path) -> OpenedIndex:
    """Read the index file (or a schema 1 store, distributed into loaded shards)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise StoreError(f"{path}: cannot read the store ({error.strerror})") from error
    try:
        with gc_paused():
            if raw.startswith(b'{"_meta": {"1": {"app": "byline", "kind": "index"'):
                meta, tables, _ = decode_checked(path, raw)
                _check_schema(path, meta, "index")
                return _index_from(path, meta, tables)
            data = read_json_object(path) if raw else {}
            if not raw:
                raise StorageFormatError(path, "empty file (zero bytes)")
    except StorageFormatError as error:
        raise StoreError(f"{path}: not a byline gold store ({error.reason}); "
                         f"see byline doctor") from None
    schema = _legacy_schema(data)
    if schema is not None and schema > SCHEMA:
        raise StoreError(f"{path}: not a byline gold store (written by a newer byline: "
                         f"schema {schema}; this byline reads up to {SCHEMA})")
    if schema != 1:
        meta_records = data.get(META_TABLE)
        if isinstance(meta_records, dict) and any(
                isinstance(r, dict) and r.get("app") == APP for r in meta_records.values()):
            raise StoreError(f"{path}: not a byline gold store (no checksum: was it rewritten "
                             f"by another program?); see byline doctor")
        raise StoreError(f"{path}: not a byline gold store (no _meta record of byline)")
    loaded: dict[int, ShardState] = {}
    try:
        with gc_paused():
            for number, tables in distribute(data, SHARDS).items():
                loaded[number] = ShardState(tables)
    except Invalid as error:
        raise StoreError(f"{path}: not a byline gold store ({error})") from None
    indices = {number: state.index() for number, state in loaded.items()}
    return OpenedIndex(SHARDS, indices, loaded, b"", legacy=True)


def _index_from(path: Path, meta: Mapping[str, Any], tables: Mapping[str, Any]) -> OpenedIndex:
    shards = meta.get("shards")
    if not isinstance(shards, int) or shards < 1:
        raise StoreError(f"{path}: not a byline gold store (bad shard count {shards!r})")
    indices: dict[int, ShardIndex] = {}
    try:
        for doc in get(tables, INDEX, dict).values():
            number, index = ShardIndex.from_doc(doc)
            if not 0 <= number < shards or number in indices:
                raise Invalid(f"bad or repeated shard number {number}")
            indices[number] = index
    except Invalid as error:
        raise StoreError(f"{path}: not a byline gold store ({error}); see byline doctor") from None
    return OpenedIndex(shards, indices, {}, b"", legacy=False)


def read_shard_tables(path: Path, number: int) -> dict[str, Any]:
    """A shard file's tables, its checksum and schema checked but no index built: for a
    reader that goes through them once (StoreError if it is damaged)."""
    raw = path.read_bytes()
    try:
        meta, tables, _ = decode_checked(path, raw)
    except StorageFormatError as error:
        raise StoreError(f"{path}: damaged shard ({error.reason}); see byline doctor") from None
    _check_schema(path, meta, "shard")
    if meta.get("shard") != number:
        raise StoreError(f"{path}: holds shard {meta.get('shard')!r}, not {number}")
    return tables


def read_shard(path: Path, number: int, deep: bool = False) -> tuple[ShardState, str]:
    """Read and check one shard file: its state and checksum (StoreError if it is damaged;
    FileNotFoundError if there is none). A file whose checksum holds was written by
    byline from a checked state: its items are checked again only when `deep`."""
    raw = path.read_bytes()
    try:
        meta, tables, digest = decode_checked(path, raw)
        _check_schema(path, meta, "shard")
        if meta.get("shard") != number:
            raise StoreError(f"{path}: holds shard {meta.get('shard')!r}, not {number}")
        state = ShardState(tables, trusted=not deep)
    except StorageFormatError as error:
        raise StoreError(f"{path}: damaged shard ({error.reason}); see byline doctor") from None
    except Invalid as error:
        raise StoreError(f"{path}: damaged shard ({error}); see byline doctor") from None
    return state, digest


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
    #: ... or when this many shards have changed since the last compaction (they stay in
    #: memory until then).
    DIRTY_SHARDS: int = 128
    #: Unchanged shards kept in memory after use.
    CACHED_SHARDS: int = 64

    def __init__(self, path: Path, opened: OpenedIndex, journal: Journal | None,
                 lock_fd: int | None) -> None:
        """Use `GoldStore.open`."""
        self._path = path
        self._shards = opened.shards
        self._indices = opened.indices
        self._loaded: OrderedDict[int, ShardState] = OrderedDict(opened.loaded)
        self._dirty: set[int] = set(opened.loaded) if opened.legacy else set()
        self._touched: set[int] = set()  # shards the journal holds steps for
        self._journal = journal
        self._lock_fd = lock_fd
        self._mutex = threading.RLock()
        self._closed = False
        self._read_only = journal is None
        self._compact_at = self.COMPACT_BYTES
        self._dirty_at = self.DIRTY_SHARDS
        self._seq = max((seq for index in self._indices.values()
                         for by_spec in index.suggestions.values()
                         for seq, _ in by_spec.values()), default=0)
        self._legacy = opened.legacy

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
        if read_only:
            return cls._open_read_only(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{path}: cannot create its folder ({error.strerror})") from error
        lock_fd = _lock(path)
        try:
            store = cls._open_locked(path, lock_fd)
        except OSError as error:  # creating the store or the journal, removing temp files
            _unlock(lock_fd)
            raise StoreError(f"{path}: cannot open the store ({error.strerror})") from error
        except BaseException:
            _unlock(lock_fd)
            raise
        try:
            if store._legacy:
                store._keep_legacy_backup()
            if store._dirty:
                store._compact()
        except (OSError, StoreError) as error:
            store.close_quietly()
            if isinstance(error, StoreError):
                raise
            raise StoreError(f"{path}: could not compact the store ({error.strerror})") from error
        return store

    @classmethod
    def _open_locked(cls, path: Path, lock_fd: int) -> GoldStore:
        journal = journal_path(path)
        if not path.exists() and not journal.exists():
            data, _ = encode_checked(index_meta(SHARDS), {INDEX: {}})
            atomic_write_bytes(path, data)
        opened = cls._read(path)
        folder = shards_dir(path)
        folder.mkdir(exist_ok=True)
        for tmp in [*temp_files(path), *folder.glob(".*.tmp")]:
            tmp.unlink(missing_ok=True)  # left by an interrupted compaction
        steps = cls._parse(journal, opened.raw_journal)
        store = cls(path, opened, None, lock_fd)
        store._replay(steps.steps)
        store._journal = Journal(journal, steps.good)
        store._read_only = False
        if steps.steps:
            store._dirty |= store._touched
        elif steps.good < len(opened.raw_journal):
            store._journal.truncate(steps.good)
        return store

    @staticmethod
    def _parse(journal: Path, raw: bytes) -> ParsedJournal:
        try:
            return parse_journal(raw, str(journal))
        except JournalError as error:
            raise StoreError(f"{error}; see byline doctor") from None

    @classmethod
    def _read(cls, path: Path) -> OpenedIndex:
        """The index (or schema 1 store) and the journal's bytes, checked against the shards."""
        journal = journal_path(path)
        if not path.exists() and journal.exists():
            raise StoreError(f"{path}: missing, but its journal {journal.name} exists; "
                             f"see byline doctor")
        opened = read_index(path)
        try:
            opened.raw_journal = journal.read_bytes()
        except FileNotFoundError:
            opened.raw_journal = b""
        except OSError as error:
            raise StoreError(f"{journal}: cannot read the journal ({error.strerror})") from error
        return opened

    def _replay(self, steps: list[tuple[int, Doc]]) -> None:
        """Apply journal steps; check the shards the journal does not touch against the index."""
        numbers: list[tuple[int, int, Doc]] = []
        for line, step in steps:
            try:
                numbers.append((line, shard_of(step_article(step), self._shards), step))
            except Invalid as error:
                raise StoreError(f"{journal_path(self._path)}: not a byline journal (line "
                                 f"{line}: {error}); see byline doctor") from None
        self._touched = {number for _, number, _ in numbers}
        if not self._legacy:
            self._check_shard_files()
        for line, number, step in numbers:
            state = self._shard(number)
            index = self._indices.setdefault(number, ShardIndex())
            index.changed()
            try:
                state.apply(step, index)
            except Invalid as error:
                raise StoreError(f"{journal_path(self._path)}: not a byline journal (line "
                                 f"{line}: {error}); see byline doctor") from None

    def _check_shard_files(self) -> None:
        """Every shard the index lists is there with its size; no unlisted shard file."""
        folder = shards_dir(self._path)
        try:
            present = {entry.name: entry.stat().st_size for entry in os.scandir(folder)
                       if entry.name.endswith(".json") and not entry.name.startswith(".")}
        except FileNotFoundError:
            present = {}
        for number, index in self._indices.items():
            if index.sha256 is None:
                continue
            name = shard_name(number)
            if name not in present:
                raise StoreError(f"{folder / name}: missing (the index lists it); "
                                 f"see byline doctor")
            if present[name] != index.size and number not in self._touched:
                raise StoreError(f"{folder / name}: not the size the index records; "
                                 f"see byline doctor")
        listed = {shard_name(n) for n, index in self._indices.items() if index.sha256}
        touched = {shard_name(n) for n in self._touched}
        for name in sorted(set(present) - listed - touched):
            raise StoreError(f"{folder / name}: a shard the index does not list; "
                             f"see byline doctor")

    @classmethod
    def _open_read_only(cls, path: Path) -> GoldStore:
        journal = journal_path(path)
        if not path.exists():
            if journal.exists():
                raise StoreError(f"{path}: missing, but its journal {journal.name} exists")
            raise StoreError(f"{path}: no gold store here")
        for _ in range(10):
            before = _identity(path)
            opened = cls._read(path)
            steps = cls._parse(journal, opened.raw_journal)
            store = cls(path, opened, None, None)
            store._replay(steps.steps)  # loads (and so pins) every shard the journal touched
            if _identity(path) == before:
                break  # no compaction replaced the files while we read them
        return store

    def _keep_legacy_backup(self) -> None:
        """Before a schema 1 store is rewritten: keep its file and journal in the backups."""
        folder = backups_dir(self._path) / f"schema1-{utc_now().replace(':', '')}"
        folder.mkdir(parents=True, exist_ok=True)
        _link_or_copy(self._path, folder / self._path.name)
        journal = journal_path(self._path)
        if journal.exists():
            shutil.copy2(journal, folder / journal.name)

    def close(self) -> None:
        """Compact the journal into the files (if it holds anything) and release the lock.

        Raises `StoreError` if the compaction fails; nothing is lost then (the
        journal still holds every change) and the lock is released anyway.
        """
        with self._mutex:
            if self._closed:
                return
            try:
                if self._journal is not None and (self._journal.size > 0 or self._dirty):
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
        """The index file."""
        return self._path

    @property
    def read_only(self) -> bool:
        """True for a store opened with `read_only=True`: every write raises `StoreError`."""
        return self._read_only

    # ------------------------------------------------------------ shards

    def _shard(self, number: int) -> ShardState:
        """Shard `number`, loaded if it is not (caller holds the mutex)."""
        state = self._loaded.get(number)
        if state is not None:
            self._loaded.move_to_end(number)
            return state
        index = self._indices.get(number)
        path = shards_dir(self._path) / shard_name(number)
        listed = index is not None and index.sha256 is not None
        try:
            state, digest = read_shard(path, number)
        except FileNotFoundError:
            if listed:
                raise StoreError(f"{path}: missing (the index lists it); "
                                 f"see byline doctor") from None
            state, digest = ShardState.empty(), None
        except OSError as error:
            raise StoreError(f"{path}: cannot read ({error.strerror})") from error
        checked = number in self._touched or self._read_only or self._legacy
        if digest is not None and not checked and (index is None or digest != index.sha256):
            raise StoreError(f"{path}: not the shard the index records (restored from "
                             f"elsewhere?); see byline doctor")
        if index is None or digest != index.sha256:  # (else the index describes it already)
            fresh = state.index()
            if index is not None:
                fresh.sha256, fresh.size = index.sha256, index.size
            self._indices[number] = fresh
        self._loaded[number] = state
        self._evict()
        return state

    def _evict(self) -> None:
        """Forget the least recently used unchanged shards beyond `CACHED_SHARDS`."""
        extra = len(self._loaded) - self.CACHED_SHARDS
        if extra <= 0:
            return
        pinned = self._dirty | self._touched
        extra -= len(pinned)
        gone = []
        for number in self._loaded:  # least recently used first
            if extra <= 0:
                break
            if number not in pinned:
                gone.append(number)
                extra -= 1
        for number in gone:
            del self._loaded[number]

    def _index_of(self, article_id: str) -> tuple[int, ShardIndex | None]:
        number = shard_of(article_id, self._shards)
        return number, self._indices.get(number)

    # ------------------------------------------------------------ articles

    def put_article(self, article: Article) -> None:
        """Record an article (id, text, meta, text hash); a no-op if it is already recorded."""
        with self._mutex:
            number, _ = self._index_of(article.id)
            old = self._shard(number).articles.get((article.id, article.text_hash))
            if old is not None and old["text"] == article.text and old["meta"] == article.meta:
                return
            self._write(number, {"op": "article", "id": article.id, "text": article.text,
                                 "meta": article.meta, "text_hash": article.text_hash})

    def article(self, article_id: str, text_hash: str) -> Article | None:
        """The recorded article with this id and text hash, if any."""
        with self._mutex:
            number, index = self._index_of(article_id)
            if index is None or (article_id, text_hash) not in index.articles:
                return None
            doc = self._shard(number).articles.get((article_id, text_hash))
            if doc is None:
                return None
            return Article(id=doc["id"], text=doc["text"], meta=dict(doc["meta"]))

    # ------------------------------------------------------------ suggestions

    def put_suggestions(self, article_id: str, suggestions: Suggestions) -> None:
        """Cache what a model suggested for an article's text (keyed by id, hash, model spec)."""
        with self._mutex:
            number, _ = self._index_of(article_id)
            key = (article_id, suggestions.text_hash)
            spec = suggestions.model.spec
            data = suggestions.to_json()
            by_spec = self._shard(number).suggestions.get(key, {})
            old = by_spec.get(spec)
            latest = max((doc["seq"] for doc in by_spec.values()), default=None)
            if old is not None and old["data"] == data and old["seq"] == latest:
                return
            self._write(number, {"op": "suggestions", "article_id": article_id,
                                 "text_hash": suggestions.text_hash, "model_spec": spec,
                                 "seq": self._seq + 1, "data": data})

    def _cached_spec(self, article_id: str, text_hash: str,
                     model_spec: str | None) -> tuple[int, str, int] | None:
        """(shard, spec, entity count) of the cache entry asked for (caller holds the mutex)."""
        number, index = self._index_of(article_id)
        by_spec = None if index is None else index.suggestions.get((article_id, text_hash))
        if not by_spec:
            return None
        if model_spec is None:
            spec = max(by_spec, key=lambda s: by_spec[s][0])
        elif model_spec in by_spec:
            spec = model_spec
        else:
            return None
        return number, spec, by_spec[spec][1]

    def suggestions(self, article_id: str, text_hash: str,
                    model_spec: str | None = None) -> Suggestions | None:
        """The cached suggestions for this text: of `model_spec`, else the latest stored."""
        with self._mutex:
            found = self._cached_spec(article_id, text_hash, model_spec)
            if found is None:
                return None
            number, spec, _ = found
            doc = self._shard(number).suggestions[(article_id, text_hash)][spec]
            return Suggestions.from_json(doc["data"])

    def suggestion_count(self, article_id: str, text_hash: str,
                         model_spec: str | None = None) -> int | None:
        """How many entities the cached suggestions hold (None: not cached), from the index."""
        with self._mutex:
            found = self._cached_spec(article_id, text_hash, model_spec)
            return None if found is None else found[2]

    # ------------------------------------------------------------ annotations

    def annotation(self, article_id: str, annotator: str) -> AnnotationRecord | None:
        """What `annotator` decided on this article, if anything."""
        with self._mutex:
            number, index = self._index_of(article_id)
            if index is None or (annotator, article_id) not in index.annotations:
                return None
            doc = self._shard(number).annotations.get(annotator, {}).get(article_id)
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
            number, _ = self._index_of(article_id)
            self._write(number, {"op": "items", "article_id": article_id,
                                 "annotator": annotator, "text_hash": text_hash,
                                 "updated": utc_now(), "changes": encoded})

    def set_done(self, article_id: str, annotator: str, text_hash: str, done: bool) -> None:
        """Mark the article done (or not done) for this annotator; durable when it returns."""
        with self._mutex:
            number, _ = self._index_of(article_id)
            self._write(number, {"op": "done", "article_id": article_id,
                                 "annotator": annotator, "text_hash": text_hash,
                                 "updated": utc_now(), "done": bool(done)})

    def annotations(self, annotator: str | None = None) -> Iterator[AnnotationRecord]:
        """Every annotation record (or one annotator's), shard by shard (a stable order),
        by article id then annotator within a shard. Shards load one at a time."""
        for number, _, keys in self.export_plan(annotator):
            with self._mutex:
                state = self._shard(number)
                records = [_record(state.annotations[name][article_id])
                           for article_id, name in keys]
            yield from records

    def stored_records(self, annotator: str | None = None) -> Iterator[tuple[Doc, Doc]]:
        """(article document, annotation document) of every record (or one annotator's),
        as stored, in the order of `annotations`: the fast path of export. The documents
        are the store's own: read them, never change them. A record whose article text
        is not in the store raises `StoreError`."""
        for number, _, keys in self.export_plan(annotator):
            yield from self.stored_records_of(number, keys)

    def export_plan(self, annotator: str | None = None
                    ) -> list[tuple[int, Path | None, list[tuple[str, str]]]]:
        """The shards holding records (or one annotator's), in the order of `annotations`:
        (shard number, its file where that file is all there is to it, else None, and the
        (article id, annotator) keys of its records). A shard whose state in memory differs
        from its file (journal steps replayed over it) has None: read it with
        `stored_records_of`. For exporters that read shard files in other processes."""
        plan: list[tuple[int, Path | None, list[tuple[str, str]]]] = []
        with self._mutex:
            for number in sorted(n for n, index in self._indices.items() if index.annotations):
                index = self._indices[number]
                keys = sorted((article_id, name) for name, article_id in index.annotations
                              if annotator is None or name == annotator)
                if not keys:
                    continue
                in_memory = number in self._touched or number in self._dirty or self._legacy
                file = None if in_memory else shards_dir(self._path) / shard_name(number)
                plan.append((number, file, keys))
        return plan

    def stored_records_of(self, number: int, keys: list[tuple[str, str]]
                          ) -> list[tuple[Doc, Doc]]:
        """(article document, annotation document) of `keys` in shard `number` (see
        `stored_records`)."""
        with self._mutex:
            return record_pairs(self._path, self._shard(number), keys)

    def annotators(self) -> list[str]:
        """The annotators with at least one record, sorted."""
        with self._mutex:
            return sorted({name for index in self._indices.values()
                           for name, _ in index.annotations})

    def summary(self, article_id: str, annotator: str) -> AnnotationSummary | None:
        """One annotator's progress on one article, from the index (no shard is read)."""
        with self._mutex:
            _, index = self._index_of(article_id)
            return None if index is None else index.annotations.get((annotator, article_id))

    def summaries(self, annotator: str) -> dict[str, AnnotationSummary]:
        """Article id -> progress summary for one annotator, from the index."""
        with self._mutex:
            return {article_id: summary for index in self._indices.values()
                    for (name, article_id), summary in index.annotations.items()
                    if name == annotator}

    # ------------------------------------------------------------ writing

    def _write(self, number: int, step: Doc) -> None:
        """Append `step` to the journal durably, then apply it (caller holds the mutex)."""
        if self._closed:
            raise StoreError(f"{self._path}: the store is closed")
        if self._journal is None:
            raise StoreError(f"{self._path}: opened read-only")
        state = self._shard(number)  # a damaged shard fails here, before anything is written
        line = encode_step(step)
        try:
            self._journal.append(line)
        except JournalError as error:
            raise StoreError(str(error)) from error.__cause__
        self._touched.add(number)
        self._dirty.add(number)
        # Apply the step as replay will read it back: memory holds exactly what disk does.
        index = self._indices.setdefault(number, ShardIndex())
        index.changed()
        state.apply(json.loads(line[9:]), index)
        if step["op"] == "suggestions":
            self._seq = max(self._seq, int(step["seq"]))
        if self._journal.size > self._compact_at or len(self._dirty) > self._dirty_at:
            try:
                self._compact()
            except (OSError, StoreError):
                # The change itself is safe in the journal; try again after it grows more.
                log.exception("%s: compaction failed", self._path)
                self._compact_at = self._journal.size + self.COMPACT_BYTES
                self._dirty_at = len(self._dirty) + self.DIRTY_SHARDS

    def compact(self) -> None:
        """Write the changed shards and the index atomically and empty the journal."""
        with self._mutex:
            if self._journal is None:
                raise StoreError(f"{self._path}: opened read-only")
            try:
                self._compact()
            except OSError as error:
                raise StoreError(f"{self._path}: could not compact the store "
                                 f"({error.strerror})") from error

    def _compact(self) -> None:
        """Shards first, then the index, then the journal: a crash anywhere leaves files
        that the journal brings up to date (caller holds the mutex)."""
        assert self._journal is not None
        backup = _new_backup(self._path)
        folder = shards_dir(self._path)
        folder.mkdir(exist_ok=True)
        for number in sorted(self._dirty):
            path = folder / shard_name(number)
            if path.exists():
                _link_or_copy(path, backup / path.name)
            data, digest = encode_checked(shard_meta(number), self._loaded[number].tables)
            atomic_write_bytes(path, data)
            index = self._indices.setdefault(number, ShardIndex())
            index.sha256, index.size = digest, len(data)
            index.changed()
        if self._path.exists():
            _link_or_copy(self._path, backup / self._path.name)
        docs = {str(i): index.to_doc(number) for i, (number, index)
                in enumerate(sorted(self._indices.items()), 1) if index or index.sha256}
        data, _ = encode_checked(index_meta(self._shards), {INDEX: docs})
        atomic_write_bytes(self._path, data)
        self._journal.empty()
        self._dirty.clear()
        if self._journal.size == 0:
            self._touched.clear()  # (else its steps still count as touching their shards)
        self._legacy = False
        self._compact_at = self.COMPACT_BYTES
        self._dirty_at = self.DIRTY_SHARDS
        _prune_backups(self._path)
        self._evict()


# ----------------------------------------------------------------------- helpers


def _new_backup(path: Path) -> Path:
    """A new folder for the files one compaction replaces."""
    root = backups_dir(path)
    root.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = root / stamp
    folder.mkdir(exist_ok=True)
    return folder


def _link_or_copy(source: Path, target: Path) -> None:
    """Keep `source` as it is now under `target` (a hard link; a copy where links fail)."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _prune_backups(path: Path) -> None:
    """Keep the backups of the last `KEEP_BACKUPS` compactions (and of schema upgrades)."""
    root = backups_dir(path)
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and p.name[:1].isdigit())
    except OSError:
        return
    for folder in folders[:-KEEP_BACKUPS]:
        shutil.rmtree(folder, ignore_errors=True)


def backups(path: Path) -> list[Path]:
    """The backup folders of a store, newest first."""
    root = backups_dir(path)
    try:
        return sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name,
                      reverse=True)
    except OSError:
        return []


def record_pairs(path: Path, state: ShardState,
                 keys: list[tuple[str, str]]) -> list[tuple[Doc, Doc]]:
    """(article document, annotation document) of each (article id, annotator) key."""
    pairs = []
    for article_id, name in keys:
        doc = state.annotations[name][article_id]
        article = state.articles.get((article_id, doc["text_hash"]))
        if article is None:
            raise StoreError(f"{path}: article '{article_id}' is annotated but its text is "
                             f"missing from the store")
        pairs.append((article, doc))
    return pairs


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
