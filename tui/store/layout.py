"""Where a gold store's files are, and how they are read.

A store is named by its index file, `gold.json`; every other file is found
from that name: `gold.json.journal`, `gold.json.lock`, `gold.json.shards/`,
`gold.json.backups/` and the `gold.json.damaged-STAMP/` folders `byline doctor
--repair` leaves. The name is resolved once (`resolve_store`: symlinks
followed), so a symlink to a store's index opens that store, never a new one
beside the link.

Only regular files are read (`read_regular`): a FIFO, a device or a folder
where a store file should be is an error, never a hang or an endless read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Final

#: How a byline index file starts (its `_meta` record is written first, keys sorted).
INDEX_HEAD: Final = b'{"_meta": {"1": {"app": "byline", "kind": "index"'
#: Suffixes of the files and folders beside an index.
JOURNAL: Final = ".journal"
LOCK: Final = ".lock"
SHARDS_DIR: Final = ".shards"
BACKUPS_DIR: Final = ".backups"
DAMAGED_DIR: Final = ".damaged-"


class NotRegularFileError(OSError):
    """A path that should be a regular file is a FIFO, a device, a socket or a folder."""

    def __init__(self, path: Path, mode: int) -> None:
        kind = describe_mode(mode)
        super().__init__(errno.EINVAL, f"not a regular file ({kind})", str(path))
        self.kind = kind


def describe_mode(mode: int) -> str:
    """What kind of file `mode` (an `st_mode`) is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + JOURNAL)


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + LOCK)


def shards_dir(path: Path) -> Path:
    return path.with_name(path.name + SHARDS_DIR)


def backups_dir(path: Path) -> Path:
    return path.with_name(path.name + BACKUPS_DIR)


def damaged_dirs(path: Path) -> list[Path]:
    """The folders `byline doctor --repair` set damaged files aside in."""
    try:
        return sorted(p for p in path.parent.iterdir()
                      if p.name.startswith(path.name + DAMAGED_DIR) and p.is_dir())
    except OSError:
        return []


def open_regular(path: Path, flags: int = os.O_RDONLY) -> int:
    """Open `path` without blocking on a FIFO and return the descriptor, refusing anything
    that is not a regular file (`NotRegularFileError`). A file `O_CREAT` makes gets mode
    0o666 less the umask."""
    fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(path, mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: Path) -> bytes:
    """The bytes of the regular file `path` (`NotRegularFileError` for anything else,
    `FileNotFoundError` if there is nothing)."""
    fd = open_regular(path)
    try:
        size = os.fstat(fd).st_size
        chunks = []
        while True:
            chunk = os.read(fd, max(size, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def is_index_file(path: Path) -> bool:
    """True where `path` is a regular file that starts as a byline index does."""
    try:
        fd = open_regular(path)
    except OSError:
        return False
    try:
        return os.read(fd, len(INDEX_HEAD)) == INDEX_HEAD
    except OSError:
        return False
    finally:
        os.close(fd)


def part_of(path: Path) -> tuple[Path, str] | None:
    """(index, what) where `path` (resolved) is a journal, lock, shard, backup or set-aside
    file of the byline store whose index is `index`; None otherwise."""
    for suffix, what in ((JOURNAL, "journal"), (LOCK, "lock file")):
        if path.name.endswith(suffix):
            index = path.with_name(path.name[: -len(suffix)])
            if is_index_file(index):
                return index, what
    for folder in (path, *path.parents):
        for suffix, what in ((SHARDS_DIR, "shards"), (BACKUPS_DIR, "backups")):
            if folder.name.endswith(suffix):
                index = folder.with_name(folder.name[: -len(suffix)])
                if is_index_file(index) or os.path.exists(journal_path(index)):
                    return index, what
        stem, found, _ = folder.name.partition(DAMAGED_DIR)
        if found and stem and is_index_file(folder.with_name(stem)):
            return folder.with_name(stem), "damaged files set aside by byline doctor"
    return None


def resolve_store(path: Path | str) -> Path:
    """The store's index named by `path`: its real path (symlinks followed, once), or
    `path` itself where no symlink is on the way (the same files, and messages then name
    them as the user did).

    Raises `StoreError`-worthy `ValueError`s with a one-line reason where `path`
    names another file of a store (its journal, lock, a shard, a backup), or
    something that is not a regular file.
    """
    given = Path(path)
    real = Path(os.path.realpath(given))
    if real == Path(os.path.abspath(given)):
        real = given
    owner = part_of(real)
    if owner is not None:
        index, what = owner
        raise ValueError(f"{given}: is part of the gold store {index} (its {what}); "
                         f"give the store's index file, {index.name}")
    try:
        mode = os.stat(real).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return real  # a new store (a folder that cannot be made is said when it is made)
    except OSError as error:
        raise ValueError(f"{given}: cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{given}: not a gold store ({describe_mode(mode)}, not a file)")
    return real
