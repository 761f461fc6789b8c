"""The gold store: what annotators decided, durable the moment a key returns.

On disk a store `gold.json` is (see docs/store.md for the whole picture):

- `gold.json`, the index: a TinyDB JSON file whose `index` table has one
  document per shard, listing the articles, suggestion runs and annotations
  (with their counts) the shard holds, and the shard file's checksum, size
  and `seq`;
- `gold.json.shards/NNN.json`, the shards: TinyDB JSON files with the tables
  `articles`, `suggestions` (the model suggestion cache) and `annotations`
  (one document per article and annotator, items keyed by item id) of the
  article ids that hash to shard NNN (16,384 shards);
- `gold.json.journal`, an append-only journal: one checksummed, numbered JSON
  step a line (an article recorded, suggestions cached, a set of item changes,
  a done flag, the `begin`/`commit` of a batch), see `tui.store.journal`;
- `gold.json.lock`, the writer's PID and the number of the last step it
  acknowledged (`tui.store.lock`); `gold.json.backups/`, the files the last
  few compactions replaced.

Every file's `_meta` table records the schema version and a SHA-256 of the
rest of the file, and every item is checked when it is read
(`tui.store.validate`): damage is found, never read as data.

Every change is one journal line, checked, appended with a single `write()`
and fsynced before the call returns, then applied to the shard in memory: the
cost of a save does not grow with the store. Opening reads the index (not
the shards: they load when an article is asked for) and replays the journal
over the shards it touches; step numbers must follow on from the index's
`seq`, and the journal must reach the lock's mark, or steps are missing. A
compaction writes the changed shards and then the index, each to a temporary
file that is fsynced and renamed into place, each recording the `seq` it takes
in, and empties the journal; it runs at open and close, whenever the journal
passes `GoldStore.COMPACT_BYTES` and whenever more than `DIRTY_SHARDS` shards
have changed. Journal steps set absolute values, so replaying steps over a
shard that a compaction already wrote gives the same state; steps the index
already took in are skipped.

One writer per store: a writer holds an exclusive `flock` on `gold.json.lock`
and on the shards folder (`tui.store.lock`), so deleting the lock file lets no
second writer in. Readers (`read_only=True`) take no lock, never write, and
read the store as of the index they read even while a writer compacts
(`read_shard_as_of`). A store that cannot be read (zero bytes, bad JSON, a
failed checksum, a malformed item, missing tables, shards or steps, a newer
schema, a damaged journal line that ends in a newline) raises `StoreError` and
is never modified; `byline doctor` says what is wrong and repairs it. The
path given is resolved once (`tui.store.files.resolve_store`). Schema 1 stores
(everything in `gold.json`) are upgraded when a writer opens them, the old
file kept in the backups.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, NamedTuple, Self, TypeVar

from tui.atomic import atomic_write_bytes
from tui.core.layers import LayerItem, QuoteSuggestion, layer_item_from_json
from tui.core.model import AnnotationRecord, Article, EntityItem, Suggestions
from tui.store.files import resolve_store
from tui.store.journal import Journal, JournalError, ParsedJournal, encode_step, parse_journal
from tui.store.layout import (
    INDEX_HEAD,
    NotRegularFile,
    backups_dir,
    journal_path,
    linked_parts,
    lock_path,
    open_regular,
    read_regular,
    shards_dir,
)
from tui.store.lock import LockBusy, WriterLock, lock_holder, read_mark
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
    parse_json_object,
    temp_files,
)

__all__ = ["SCHEMA", "AnnotationSummary", "GoldStore", "StoreError", "StoreLockedError",
           "backups_dir", "journal_path", "lock_holder", "lock_path", "shards_dir"]

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: The schema version this code writes and the newest it can read.
SCHEMA: Final = 2
APP: Final = "byline"
INDEX: Final = "index"
#: Shards of a new store.
SHARDS: Final = 16384
#: Compactions whose replaced files are kept in the backups folder.
KEEP_BACKUPS: Final = 3
#: Reads a reader starts again when compactions keep replacing the index under it.
STEADY_TRIES: Final = 50


class StoreError(Exception):
    """A gold store that cannot be read or written; the message is one line naming the file."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------ files on disk


def _open_error(path: Path, error: OSError) -> StoreError:
    """The one-line error for a store file that cannot be opened or read."""
    if isinstance(error, NotRegularFile):
        return StoreError(f"{path}: not a gold store file ({error.kind}); see byline doctor")
    return StoreError(f"{path}: cannot read ({error.strerror or error})")


def _resolve(path: Path | str) -> Path:
    """The store's index, symlinks followed once (StoreError for a path that names another
    file of a store, or no file at all)."""
    try:
        return resolve_store(path)
    except ValueError as error:
        raise StoreError(str(error)) from None


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


def index_version(path: Path) -> tuple[int, int, int, bytes] | None:
    """What tells one version of the index from the next (None: no file): its inode,
    time and size, which an inode reused within a clock tick can repeat, and its first
    bytes, which hold the checksum of all the others."""
    try:
        fd = open_regular(path)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        return st.st_ino, st.st_mtime_ns, st.st_size, os.pread(fd, 512, 0)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_steadily(path: Path, read: Callable[[], _T]) -> _T:
    """`read()` again until no compaction replaced the index while it ran, backing off
    a little more each time, and its result.

    An error `read` raises is real (raised) when the index did not move under it,
    else it was the compaction's doing and the read starts again. Raises
    `StoreError` when the store never held still for `STEADY_TRIES` reads.
    """
    for attempt in range(STEADY_TRIES):
        before = index_version(path)
        try:
            result = read()
        except (StoreError, OSError):
            if index_version(path) == before:  # nothing moved: the error is real
                raise
        else:
            if index_version(path) == before:
                return result  # no compaction replaced the index while we read
        time.sleep(min(0.001 * 2 ** attempt, 0.05))
    raise StoreError(f"{path}: the store kept changing while it was read; try again")


def writer_alive(path: Path) -> bool:
    """True while a writer holds the store's lock (it may be appending to the journal
    right now); the lock tells, not the PID written in the lock file."""
    return lock_holder(path) is not None


class Replay(NamedTuple):
    """What to replay of a journal: its steps (with line numbers), the number of its last
    step kept, how many bytes of it to keep (a torn tail and an unfinished batch go),
    and how many steps of an unfinished batch were left out."""

    steps: list[tuple[int, Doc]]
    last: int
    keep: int
    unfinished: int


def plan_replay(parsed: ParsedJournal, index_seq: int, name: str,
                mark: int | None = None) -> Replay:
    """Check a parsed journal's step numbers against the index and the lock's mark.

    Steps the index already takes in (`n` <= `index_seq`, left by a compaction
    that could not empty the journal) are skipped, never replayed over newer
    files. The others must follow on from the index without a gap; steps
    between a `begin` and its `commit` count only once the commit is there (an
    unfinished batch at the end is left out). A journal that ends before the
    lock's high-water mark has lost acknowledged steps. Each problem raises
    `JournalError` naming the line.
    """
    steps: list[tuple[int, Doc]] = []
    pending: list[tuple[int, Doc]] | None = None
    batch_at = 0
    last = index_seq
    numbered = False
    seen = 0  # the last number in the file, an unfinished batch included
    for line in parsed.lines:
        step = line.step
        n = step.get("n")
        if n is None:
            if numbered:
                raise JournalError(f"{name}: line {line.number} has no step number after "
                                   f"numbered steps")
        elif not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise JournalError(f"{name}: line {line.number} has a bad step number")
        else:
            if n <= index_seq and not numbered:
                continue  # already in the files (an emptying that failed after a compaction)
            expected = max(seen, index_seq) + 1
            if n != expected:
                what = (f"steps {expected}-{n - 1} are missing" if n > expected
                        else f"step {n} comes again or out of order")
                raise JournalError(f"{name}: line {line.number}: {what}")
            numbered = True
            seen = n
        op = step.get("op")
        if op == "begin":
            if pending is not None:
                raise JournalError(f"{name}: line {line.number}: a batch begins inside another")
            pending, batch_at = [], line.offset
        elif op == "commit":
            if pending is None:
                raise JournalError(f"{name}: line {line.number}: a commit without its begin")
            steps.extend(pending)
            pending = None
            last = max(last, seen)
        elif pending is not None:
            pending.append((line.number, step))
        else:
            steps.append((line.number, step))
            last = max(last, seen)
    if mark is not None and mark > max(seen, index_seq):
        raise JournalError(f"{name}: ends at step {max(seen, index_seq)} but step {mark} was "
                           f"saved: {mark - max(seen, index_seq)} acknowledged step(s) are "
                           f"missing (the journal was cut short or replaced by an older copy)")
    if pending is not None:
        return Replay(steps, last, batch_at, len(pending))
    return Replay(steps, last, parsed.good, 0)


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
    shards), the number of the last journal step the index takes in (`seq`), and the
    journal's bytes."""

    def __init__(self, shards: int, indices: dict[int, ShardIndex],
                 loaded: dict[int, ShardState], raw_journal: bytes, legacy: bool,
                 seq: int = 0) -> None:
        self.shards = shards
        self.indices = indices
        self.loaded = loaded
        self.raw_journal = raw_journal
        self.legacy = legacy
        self.seq = seq


def read_index(path: Path) -> OpenedIndex:
    """Read the index file (or a schema 1 store, distributed into loaded shards)."""
    try:
        raw = read_regular(path)
    except OSError as error:
        raise _open_error(path, error) from None
    try:
        with gc_paused():
            if raw.startswith(INDEX_HEAD):
                meta, tables, _ = decode_checked(path, raw)
                _check_schema(path, meta, "index")
                return _index_from(path, meta, tables)
            if not raw:
                raise StorageFormatError(path, "empty file (zero bytes)")
            data = parse_json_object(path, raw)
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


def _int_or(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


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
    return OpenedIndex(shards, indices, {}, b"", legacy=False, seq=_int_or(meta.get("seq"), 0))


class ShardFile(NamedTuple):
    """A shard file read and checked: its state, its checksum and the `seq` it was
    written at (0 for a file written before byline numbered its steps)."""

    state: ShardState
    sha256: str
    seq: int


def read_shard(path: Path, number: int, *, deep: bool = False) -> ShardFile:
    """Read and check one shard file, every item of it, and with `deep` every cached
    suggestion run too (StoreError if it is damaged; FileNotFoundError if there is
    none)."""
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise _open_error(path, error) from None
    try:
        with gc_paused():
            meta, tables, digest = decode_checked(path, raw)
            _check_schema(path, meta, "shard")
            if meta.get("shard") != number:
                raise StoreError(f"{path}: holds shard {meta.get('shard')!r}, not {number}")
            state = ShardState(tables, deep=deep)
    except StorageFormatError as error:
        raise StoreError(f"{path}: damaged shard ({error.reason}); see byline doctor") from None
    except Invalid as error:
        raise StoreError(f"{path}: damaged shard ({error}); see byline doctor") from None
    return ShardFile(state, digest, _int_or(meta.get("seq"), 0))


def read_shard_as_of(store: Path, number: int, sha256: str | None, index_seq: int, *,
                     from_backups: bool = True) -> ShardFile:
    """Shard `number` as the index a reader read describes it (the checksum `sha256` it
    records, None for a shard it does not list; the index took in step `index_seq`),
    even while a writer compacts.

    The file itself where it is the one the entry records; else the copy the
    compaction that replaced it kept in the backups (the same checksum); else,
    where the file was written after that index (a compaction finished since),
    the newer file: never older data, and never a healthy store reported as
    damaged. A file older than the entry, or of the entry's step but not its
    checksum, is damage (StoreError). A writer (`from_backups=False`) never takes
    a backup copy: for it a file that is not the entry's is damage to repair.
    """
    path = shards_dir(store) / shard_name(number)
    try:
        found = read_shard(path, number)
    except FileNotFoundError:
        if sha256 is not None:
            raise StoreError(f"{path}: missing (the index lists it); see byline doctor") from None
        return ShardFile(ShardState.empty(), "", 0)
    if sha256 is None or found.sha256 == sha256:
        return found
    kept = backup_copy(store, number, sha256) if from_backups else None
    if kept is not None:
        return kept
    if found.seq > index_seq:
        return found  # written by a compaction that finished after the index was read
    raise StoreError(f"{path}: not the shard the index records (restored from elsewhere?); "
                     f"see byline doctor")


def backup_copy(store: Path, number: int, sha256: str) -> ShardFile | None:
    """The copy of shard `number` with checksum `sha256` the backups keep, if any."""
    name = shard_name(number)
    for folder in backups(store):
        candidate = folder / name
        try:
            found = read_shard(candidate, number)
        except (OSError, StoreError):
            continue
        if found.sha256 == sha256:
            return found
    return None


def read_shard_tables(store: Path, number: int, sha256: str | None,
                      index_seq: int) -> dict[str, Any]:
    """A shard file's tables, checked, as of the index a reader read (see
    `read_shard_as_of`)."""
    return read_shard_as_of(store, number, sha256, index_seq).state.tables


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
                 lock: WriterLock | None) -> None:
        """Use `GoldStore.open`."""
        self._path = path
        self._shards = opened.shards
        self._indices = opened.indices
        self._loaded: OrderedDict[int, ShardState] = OrderedDict(opened.loaded)
        self._dirty: set[int] = set(opened.loaded) if opened.legacy else set()
        self._touched: set[int] = set()  # shards the journal holds steps for
        self._journal = journal
        self._lock = lock
        self._mutex = threading.RLock()
        self._closed = False
        self._read_only = journal is None
        #: A reader (no lock): reads as of its index, never checks what a writer may change.
        self._reader = lock is None
        self._compact_at = self.COMPACT_BYTES
        self._dirty_at = self.DIRTY_SHARDS
        self._seq = max((seq for index in self._indices.values()
                         for by_spec in index.suggestions.values()
                         for seq, _ in by_spec.values()), default=0)
        self._legacy = opened.legacy
        #: The step the index takes in, and the last step of the journal (numbers).
        self._index_seq = opened.seq
        self._n = opened.seq
        #: The journal size where the batch under way began (None: no batch).
        self._batch: int | None = None

    # ------------------------------------------------------------ open, close

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> GoldStore:
        """Open the store at `path`, creating an empty one (and its folder) if there is none.

        `path` names the index; it is resolved once (symlinks followed) and
        every other file is found from it. A writer takes the store's locks
        (`StoreLockedError` if another process has them), replays and compacts
        the journal and removes temporary files an interrupted compaction left.
        `read_only=True` takes no lock, changes nothing on disk, refuses every
        write and reads a consistent state even while a writer compacts; the
        store must exist.
        """
        path = _resolve(path)
        if read_only:
            return cls._open_read_only(path)
        if path.exists() and not (journal_path(path).exists() or shards_dir(path).exists()):
            read_index(path)  # not a store at all: say so before anything is made beside it
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{path}: cannot create its folder ({error.strerror})") from error
        try:
            lock = WriterLock(path)
        except LockBusy as busy:
            pid = busy.holder if busy.holder.isdigit() else "unknown"
            raise StoreLockedError(
                f"{path} is in use by another byline (process {pid}); close it first "
                f"(byline export, stats and doctor read it meanwhile)") from None
        except OSError as error:
            raise StoreError(f"{lock_path(path)}: cannot lock the store "
                             f"({error.strerror or error})") from error
        try:
            store = cls._open_locked(path, lock)
        except OSError as error:  # creating the store or the journal, removing temp files
            lock.release()
            raise StoreError(f"{path}: cannot open the store ({error.strerror})") from error
        except BaseException:
            lock.release()
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
    def _open_locked(cls, path: Path, lock: WriterLock) -> GoldStore:
        journal = journal_path(path)
        if not path.exists() and not journal.exists():
            data, _ = encode_checked(index_meta(SHARDS), {INDEX: {}})
            atomic_write_bytes(path, data)
        opened = cls._read(path)
        folder = shards_dir(path)
        for tmp in [*temp_files(path), *folder.glob(".*.tmp")]:
            tmp.unlink(missing_ok=True)  # left by an interrupted compaction
        replay = cls._plan(path, opened, lock.mark)
        store = cls(path, opened, None, lock)
        store._replay(replay.steps)
        store._n = max(opened.seq, replay.last)
        store._journal = Journal(journal, replay.keep)
        store._read_only = False
        if replay.keep < len(opened.raw_journal):
            store._journal.truncate(replay.keep)  # a torn tail, an unfinished batch
        lock.reset_mark(store._n)
        if replay.steps:
            store._dirty |= store._touched
        return store

    @classmethod
    def _plan(cls, path: Path, opened: OpenedIndex, mark: int | None) -> Replay:
        """Parse the journal read with the index and check its step numbers."""
        journal = journal_path(path)
        try:
            parsed = parse_journal(opened.raw_journal, str(journal))
            return plan_replay(parsed, opened.seq, str(journal), mark)
        except JournalError as error:
            raise StoreError(f"{error}; see byline doctor") from None

    @classmethod
    def _read(cls, path: Path) -> OpenedIndex:
        """The index (or schema 1 store) and the journal's bytes."""
        for part in linked_parts(path, lock=False):  # (a writer's lock: tui.store.lock)
            raise StoreError(f"{part}: a symlink; a store's journal and folders must be its "
                             f"own (remove the link); see byline doctor")
        journal = journal_path(path)
        if not path.exists() and journal.exists():
            raise StoreError(f"{path}: missing, but its journal {journal.name} exists; "
                             f"see byline doctor")
        opened = read_index(path)
        try:
            opened.raw_journal = read_regular(journal)
        except FileNotFoundError:
            opened.raw_journal = b""
        except OSError as error:
            raise _open_error(journal, error) from None
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
        if not self._legacy and not self._reader:
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
        """Every shard the index lists is there with its size; no unlisted shard file
        (a writer's check at open; files the journal touches may be newer: see `_shard`)."""
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

        def read() -> GoldStore:
            # The mark first: a writer writes it after the step, so the journal read next
            # holds at least that step unless a compaction (a new index) took it in.
            mark = None if writer_alive(path) else read_mark(lock_path(path))
            opened = cls._read(path)
            replay = cls._plan(path, opened, mark)
            store = cls(path, opened, None, None)
            store._replay(replay.steps)  # loads (and so pins) every shard the journal touched
            store._n = max(opened.seq, replay.last)
            return store

        try:
            return read_steadily(path, read)
        except OSError as error:
            raise _open_error(path, error) from None

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
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
            return
        # An error is on its way out: it is the one to report, not a compaction after it.
        try:
            self.close()
        except StoreError:
            log.exception("%s: could not compact while closing after an error", self._path)
            self.close_quietly()

    @property
    def path(self) -> Path:
        """The index file (its real path)."""
        return self._path

    @property
    def read_only(self) -> bool:
        """True for a store opened with `read_only=True`: every write raises `StoreError`."""
        return self._read_only

    # ------------------------------------------------------------ shards

    def _shard(self, number: int) -> ShardState:
        """Shard `number`, loaded if it is not (caller holds the mutex).

        A writer takes the file if it is the one the index records, or one
        written after the index by a compaction that did not finish (the
        journal brings it up to date); a reader also takes the copy the backups
        keep (see `read_shard_as_of`). Anything else is damage.
        """
        state = self._loaded.get(number)
        if state is not None:
            self._loaded.move_to_end(number)
            return state
        index = self._indices.get(number)
        try:
            found = read_shard_as_of(self._path, number, None if index is None else index.sha256,
                                     self._index_seq, from_backups=self._reader)
        except OSError as error:
            raise _open_error(shards_dir(self._path) / shard_name(number), error) from None
        state = found.state
        if index is None or found.sha256 != index.sha256:  # (else the index describes it)
            fresh = state.index()
            if index is not None:
                fresh.sha256, fresh.size, fresh.seq = index.sha256, index.size, index.seq
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
            try:
                data = self._shard(number).suggestion_data((article_id, text_hash), spec)
            except Invalid as error:
                raise StoreError(f"{shards_dir(self._path) / shard_name(number)}: damaged "
                                 f"shard ({error}); see byline doctor") from None
            return Suggestions.from_json(data)

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

    def shard_expected(self, number: int) -> tuple[str | None, int]:
        """(the checksum the index read records for shard `number`, the step that index
        takes in): what `read_shard_tables` needs to read the shard as this store sees it."""
        with self._mutex:
            index = self._indices.get(number)
            return (None if index is None else index.sha256), self._index_seq

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

    def undone_records(self, annotator: str | None = None) -> int:
        """How many records (of one annotator, or everyone's) hold decisions but are not
        marked done: what an export without --all leaves out. From the index."""
        with self._mutex:
            return sum(1 for index in self._indices.values()
                       for (name, _), summary in index.annotations.items()
                       if (annotator is None or name == annotator) and not summary.done
                       and (summary.decided or summary.added or summary.quotes
                            or summary.meetings))

    def summaries(self, annotator: str) -> dict[str, AnnotationSummary]:
        """Article id -> progress summary for one annotator, from the index."""
        with self._mutex:
            return {article_id: summary for index in self._indices.values()
                    for (name, article_id), summary in index.annotations.items()
                    if name == annotator}

    # ------------------------------------------------------------ writing

    def _write(self, number: int, step: Doc) -> None:
        """Check `step`, append it to the journal durably, then apply it (caller holds the
        mutex)."""
        if self._closed:
            raise StoreError(f"{self._path}: the store is closed")
        if self._journal is None:
            raise StoreError(f"{self._path}: opened read-only")
        state = self._shard(number)  # a damaged shard fails here, before anything is written
        line = encode_step({**step, "n": self._n + 1})
        decoded = json.loads(line[9:])  # the step as replay will read it back
        try:
            state.check(decoded)
        except Invalid as error:
            raise StoreError(f"{self._path}: refused to save a malformed change ({error})"
                             ) from None
        self._append(line)
        self._touched.add(number)
        self._dirty.add(number)
        # Apply the step as replay will read it back: memory holds exactly what disk does.
        index = self._indices.setdefault(number, ShardIndex())
        index.changed()
        state.apply_checked(decoded, index)
        if step["op"] == "suggestions":
            self._seq = max(self._seq, int(step["seq"]))
        if self._batch is None:
            self._maybe_compact()

    def _append(self, line: bytes) -> None:
        """Append one numbered line durably; outside a batch it is acknowledged at once."""
        assert self._journal is not None
        try:
            self._journal.append(line)
        except JournalError as error:
            raise StoreError(str(error)) from error.__cause__
        self._n += 1
        if self._batch is None and self._lock is not None:
            self._lock.acknowledge(self._n)

    def _maybe_compact(self) -> None:
        assert self._journal is not None
        if self._journal.size > self._compact_at or len(self._dirty) > self._dirty_at:
            try:
                self._compact()
            except (OSError, StoreError):
                # The change itself is safe in the journal; try again after it grows more.
                log.exception("%s: compaction failed", self._path)
                self._compact_at = self._journal.size + self.COMPACT_BYTES
                self._dirty_at = len(self._dirty) + self.DIRTY_SHARDS

    @contextmanager
    def batch(self) -> Iterator[None]:
        """All the writes made in the block are kept, or none of them.

        The journal gets a `begin` step, the writes, then a `commit` step; a
        batch without its commit (an error, a full disk, a crash) is left out
        when the journal is read, and is cut from the journal at once where
        that can be done. No compaction runs inside the batch. If the block
        fails, the store is closed (what it holds in memory is not on disk):
        the error goes on to the caller. For `byline import`.
        """
        with self._mutex:
            if self._batch is not None:
                raise StoreError(f"{self._path}: a batch is already under way")
            if self._closed or self._journal is None:
                raise StoreError(f"{self._path}: the store is closed or read-only")
            start_size, start_n = self._journal.size, self._n
            self._batch = start_size
            try:
                self._append(encode_step({"op": "begin", "n": self._n + 1}))
                yield
                self._append(encode_step({"op": "commit", "n": self._n + 1}))
            except BaseException:
                self._abort_batch(start_size, start_n)
                raise
            finally:
                self._batch = None
            if self._lock is not None:
                self._lock.acknowledge(self._n)
            self._maybe_compact()

    def _abort_batch(self, size: int, n: int) -> None:
        """Take back an unfinished batch: cut it from the journal where that can be done
        (replay leaves it out anyway), and close the store without compacting."""
        self._n = n
        if self._journal is not None:
            self._journal.truncate(size)
        self.close_quietly()

    def compact(self) -> None:
        """Write the changed shards and the index atomically and empty the journal."""
        with self._mutex:
            if self._journal is None:
                raise StoreError(f"{self._path}: opened read-only")
            if self._batch is not None:
                raise StoreError(f"{self._path}: cannot compact in the middle of a batch")
            try:
                self._compact()
            except OSError as error:
                raise StoreError(f"{self._path}: could not compact the store "
                                 f"({error.strerror})") from error

    def _compact(self) -> None:
        """Shards first, then the index, then the journal: a crash anywhere leaves files
        that the journal brings up to date (caller holds the mutex).

        Each file written records the step it takes in (`seq`): a shard newer
        than the index is one an interrupted compaction wrote, one older than
        its index entry a stale copy (see `read_shard_as_of`, `byline doctor`).
        The files replaced are kept in a new backup folder, which is marked
        complete when the compaction is.
        """
        assert self._journal is not None
        seq = self._n
        backup = _new_backup(self._path, seq)
        folder = shards_dir(self._path)
        folder.mkdir(exist_ok=True)
        for number in sorted(self._dirty):
            path = folder / shard_name(number)
            if path.exists():
                _link_or_copy(path, backup / path.name)
            data, digest = encode_checked({**shard_meta(number), "seq": seq},
                                          self._loaded[number].tables)
            atomic_write_bytes(path, data)
            index = self._indices.setdefault(number, ShardIndex())
            index.sha256, index.size, index.seq = digest, len(data), seq
            index.changed()
        if self._path.exists():
            _link_or_copy(self._path, backup / self._path.name)
        docs = {str(i): index.to_doc(number) for i, (number, index)
                in enumerate(sorted(self._indices.items()), 1) if index or index.sha256}
        data, _ = encode_checked({**index_meta(self._shards), "seq": seq}, {INDEX: docs})
        atomic_write_bytes(self._path, data)
        self._index_seq = seq
        self._journal.empty()
        self._dirty.clear()
        if self._journal.size == 0:
            self._touched.clear()  # (else its steps still count as touching their shards)
        self._legacy = False
        self._compact_at = self.COMPACT_BYTES
        self._dirty_at = self.DIRTY_SHARDS
        _finish_backup(backup)
        _prune_backups(self._path)
        self._evict()


# ----------------------------------------------------------------------- helpers


#: The suffix of a backup folder whose compaction has not finished (or failed).
PARTIAL: Final = ".partial"


def _new_backup(path: Path, seq: int) -> Path:
    """A new folder for the files one compaction replaces: `SEQ-STAMP`, the step the
    compaction takes in and the time, so that backups sort in the order they were made
    whatever the clock did (named `SEQ-STAMP.partial` until the compaction is done: see
    `_finish_backup`)."""
    root = backups_dir(path)
    root.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = root / f"{seq:012d}-{stamp}{PARTIAL}"
    folder.mkdir(exist_ok=True)
    return folder


_NUMBERED: Final = re.compile(r"([0-9]{12})-(.*)")


def backup_order(name: str) -> tuple[int, int, str]:
    """Where a backup folder's name puts it among the others, oldest first: by the step
    its compaction took in, then by its time (folders of a byline that named them by time
    alone come first, by time)."""
    name = name.removesuffix(PARTIAL)
    numbered = _NUMBERED.fullmatch(name)
    if numbered is None:
        return 0, 0, name
    return 1, int(numbered.group(1)), numbered.group(2)


def _finish_backup(folder: Path) -> None:
    """Mark a compaction's backup folder complete (drop `.partial` from its name)."""
    try:
        os.rename(folder, folder.with_name(folder.name.removesuffix(PARTIAL)))
    except OSError:
        log.exception("%s: could not mark the backup complete", folder)


def _link_or_copy(source: Path, target: Path) -> None:
    """Keep `source` as it is now under `target` (a hard link; a copy where links fail)."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _prune_backups(path: Path) -> None:
    """Keep the backups of the last `KEEP_BACKUPS` complete compactions (and of schema
    upgrades). The folders of compactions that failed are kept while they are newer
    than the oldest complete backup kept, then go with it. Newer means made later, by
    the step numbers in the names, not by a clock that may have run ahead."""
    root = backups_dir(path)
    try:
        folders = sorted((p.name for p in root.iterdir()
                          if p.is_dir() and p.name[:1].isdigit()), key=backup_order)
    except OSError:
        return
    complete = [name for name in folders if not name.endswith(PARTIAL)]
    if len(complete) <= KEEP_BACKUPS:
        return
    oldest_kept = backup_order(complete[-KEEP_BACKUPS])
    for name in folders:
        if backup_order(name) < oldest_kept:
            shutil.rmtree(root / name, ignore_errors=True)


def backups(path: Path) -> list[Path]:
    """The backup folders of a store, newest first (unfinished ones too; the folders of
    a schema upgrade last)."""
    root = backups_dir(path)
    try:
        return sorted((p for p in root.iterdir() if p.is_dir()),
                      key=lambda p: (p.name[:1].isdigit(), backup_order(p.name)),
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
