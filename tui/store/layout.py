"""Where a gold store's files are, and how they are read.

A store is named by its index file, `gold.json`; every other file is found
from that name: `gold.json.journal`, `gold.json.lock`, `gold.json.shards/`,
`gold.json.backups/` and the `gold.json.damaged-STAMP/` folders `byline doctor
--repair` leaves (`tui.store.files` recognises any of them, of any store).

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
