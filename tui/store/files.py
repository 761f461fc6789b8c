"""Which files belong to a gold store, found from any path: by what a file is and where it lies.

A store `X` is made of `X` (the index; a schema 1 store keeps everything in
it), `X.journal`, `X.lock`, `X.shards/*`, `X.backups/**`, the
`X.damaged-STAMP/**` folders `byline doctor --repair` leaves and the
temporary files `.X.RANDOM.tmp` of an interrupted compaction. `store_part`
recognises a file of ANY store, not only of the store a command was given:

- by what it is: a file that starts like a byline index or shard (their
  `_meta` record comes first), a schema 1 store (a JSON object whose `_meta`
  table has a record of app byline), or a checksummed journal line;
- by where it lies: a path named like one of the files above beside an `X`
  that is a store (or whose shards or journal are there when `X` itself is
  missing or damaged), or anywhere under such a folder.

Symlinks are followed (`os.path.realpath`). A hard link to an index, shard or
journal is recognised by its content; `store_identities` lists the
(st_dev, st_ino) of every file of a known store, for the rest (its lock).
Nothing here writes, opens a FIFO or device, or reads more than a file's first
bytes (a schema 1 store is parsed only when its bytes say it may be one).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import re
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from tui.store.layout import backups_dir, journal_path, kind_of, lock_path, shards_dir

__all__ = ["StorePart", "resolve_store", "store_files", "store_identities", "store_part"]

_INDEX_PREFIX = b'{"_meta": {"1": {"app": "byline", "kind": "index"'
_SHARD_PREFIX = b'{"_meta": {"1": {"app": "byline", "kind": "shard"'
_JOURNAL_LINE = re.compile(rb"[0-9a-f]{8} \{")
#: How much of a journal's first line is read to check its CRC.
_JOURNAL_LINE_MAX = 1 << 20
#: Shard folder entries looked at to decide whether the folder holds byline shards.
_SHARD_PROBES = 16

_TEMP = re.compile(r"\.(.+)\.[0-9a-f]{12}\.tmp")
_DAMAGED = re.compile(r"(.+)\.damaged-[^/]*")


@dataclass(frozen=True)
class StorePart:
    """A file (or folder) of a gold store: the store's index path (None for a copy of a
    store file found on its own) and what the file is to it."""

    store: Path | None
    role: str

    def describe(self) -> str:
        """"part of the gold store X (its journal)", for one-line messages."""
        if self.store is None:
            return f"part of a gold store ({self.role})"
        return f"part of the gold store {self.store} ({self.role})"


def store_part(path: Path | str) -> StorePart | None:
    """What `path` (followed through symlinks; it need not exist) is to a gold store, or
    None where it is no part of one."""
    real = Path(os.path.realpath(path))
    located = _by_location(real)
    if located is not None:
        return located
    kind = _content_kind(real)
    if kind == "index":
        return StorePart(real, "its index")
    if kind == "shard":
        return StorePart(None, "a shard")
    if kind == "journal":
        return StorePart(None, "a journal")
    return None


def resolve_store(path: Path | str) -> Path:
    """The store's index named by `path`: its real path (symlinks followed, once), or
    `path` itself where no symlink is on the way (the same files, and messages then name
    them as the user did).

    Raises `ValueError` with a one-line reason where `path` names another file of a
    store (its journal, lock, a shard, a backup, a copy of one) or something that is not
    a regular file (a FIFO, a device, a folder): nothing is created beside such a path.
    """
    given = Path(path)
    real = Path(os.path.realpath(given))
    if real == Path(os.path.abspath(given)):
        real = given
    part = store_part(real)
    if part is not None and not (part.role == "its index" and part.store is not None
                                 and os.path.samefile(part.store, real)):
        index = f" ({part.store})" if part.store else ""
        raise ValueError(f"{given}: is {part.describe()}, not a gold store: give the store "
                         f"itself{index}")
    try:
        mode = os.stat(real).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return real  # a new store (a folder that cannot be made is said when it is made)
    except OSError as error:
        raise ValueError(f"{given}: cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{given}: not a gold store ({kind_of(mode)}, not a file)")
    return real


def store_files(db: Path | str) -> list[Path]:
    """Every file of the store `db` that exists now (index, journal, lock, shards, backups,
    damaged copies)."""
    db = Path(os.path.realpath(db))
    found = [p for p in (db, journal_path(db), lock_path(db)) if p.is_file()]
    folders = [shards_dir(db), backups_dir(db)]
    with contextlib.suppress(OSError):
        folders += [p for p in db.parent.iterdir() if p.name.startswith(db.name + ".damaged-")]
    for folder in folders:
        if folder.is_dir() and not folder.is_symlink():
            found.extend(p for p in folder.rglob("*") if p.is_file())
    return found


def store_identities(db: Path | str) -> set[tuple[int, int]]:
    """(st_dev, st_ino) of every file of the store `db`: a hard link to any of them has one."""
    ids: set[tuple[int, int]] = set()
    for file in store_files(db):
        try:
            st = os.stat(file)
        except OSError:
            continue
        ids.add((st.st_dev, st.st_ino))
    return ids


# ------------------------------------------------------------------ by location


def _by_location(real: Path) -> StorePart | None:
    """The store whose companion file or folder `real` is, or lies in (the outermost
    store's, for a copy of a store kept in another's backups)."""
    for folder in reversed(real.parents):
        owner, kind = _folder_base(folder)
        if owner is not None and _is_store(owner):
            return StorePart(owner, _inside(kind))
    name = real.name
    for suffix, role in ((".journal", "its journal"), (".lock", "its lock")):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = real.with_name(name[: -len(suffix)])
            if _is_store(base):
                return StorePart(base, role)
    temp = _TEMP.fullmatch(name)
    if temp is not None:
        base = real.with_name(temp.group(1))
        if _is_store(base):
            return StorePart(base, "a temporary file of it")
    owner, kind = _folder_base(real)
    if owner is not None and _is_store(owner):
        return StorePart(owner, f"its {kind} folder")
    return None


def _folder_base(folder: Path) -> tuple[Path | None, str]:
    """For `X.shards`, `X.backups` or `X.damaged-STAMP`: X and what the folder is."""
    name = folder.name
    if name.endswith(".shards") and len(name) > 7:
        return folder.with_name(name[:-7]), "shards"
    if name.endswith(".backups") and len(name) > 8:
        return folder.with_name(name[:-8]), "backups"
    damaged = _DAMAGED.fullmatch(name)
    if damaged is not None:
        return folder.with_name(damaged.group(1)), "damaged copies"
    return None, ""


def _inside(role: str) -> str:
    return {"shards": "a shard", "backups": "a backup",
            "damaged copies": "a copy byline doctor --repair kept"}[role]


def _is_store(base: Path) -> bool:
    """Whether `base` is a gold store: its index says so, or (index missing or damaged)
    its shards folder holds byline shards or its journal holds byline journal lines."""
    if _content_kind(base) == "index":
        return True
    if _holds_shards(shards_dir(base)):
        return True
    return _content_kind(journal_path(base)) == "journal"


def _holds_shards(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            for n, entry in enumerate(entries):
                if n >= _SHARD_PROBES:
                    break
                if _content_kind(Path(entry.path)) == "shard":
                    return True
    except OSError:
        return False
    return False


# ------------------------------------------------------------------ by content


def _content_kind(path: Path) -> str | None:
    """"index", "shard" or "journal" where the regular file `path` is one, else None."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # a FIFO or device is never opened here
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            head = handle.read(64)
            if head.startswith(_INDEX_PREFIX):
                return "index"
            if head.startswith(_SHARD_PREFIX):
                return "shard"
            if _JOURNAL_LINE.match(head):
                handle.seek(0)
                line = handle.readline(_JOURNAL_LINE_MAX)
                if not line.endswith(b"\n"):
                    return "journal"  # a long first line: its start is enough to tell
                return "journal" if zlib.crc32(line[9:-1]) == int(line[:8], 16) else None
            if head.lstrip()[:1] == b"{" and _is_schema1(handle):
                return "index"
    except OSError:
        return None
    return None


def _is_schema1(handle: BinaryIO) -> bool:
    """Whether the open JSON file is a whole store of schema 1 (a `_meta` table holding a
    record of app byline); parsed only when the bytes `"_meta"` are in it."""
    try:
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data.find(b'"_meta"') < 0 or data.find(b'"byline"') < 0:
                return False
            with memoryview(data) as view:
                parsed = orjson.loads(view)
    except (OSError, ValueError):
        return False
    meta = parsed.get("_meta") if isinstance(parsed, dict) else None
    return isinstance(meta, dict) and any(
        isinstance(record, dict) and record.get("app") == "byline" for record in meta.values())
