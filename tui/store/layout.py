"""Where a gold store's files are, and how they are read.

A store is named by its index file, `gold.json`; every other file is found
from that name: `gold.json.journal`, `gold.json.lock`, `gold.json.shards/`,
`gold.json.backups/` and the `gold.json.damaged-STAMP/` folders `byline doctor
--repair` leaves (`tui.store.files` recognises any of them, of any store).

Only regular files are read (`read_regular`): a FIFO, a device or a folder
where a store file should be is an error, never a hang or an endless read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from tui.core.files import NotRegularFile, kind_of, read_regular

__all__ = ["BACKUPS_DIR", "DAMAGED_DIR", "INDEX_HEAD", "JOURNAL", "LOCK", "SHARDS_DIR",
           "NotRegularFile", "backups_dir", "damaged_dirs", "journal_path", "kind_of",
           "linked_parts", "lock_path", "open_regular", "read_regular", "shards_dir"]

#: How a byline index file starts (its `_meta` record is written first, keys sorted).
INDEX_HEAD: Final = b'{"_meta": {"1": {"app": "byline", "kind": "index"'
#: Suffixes of the files and folders beside an index.
JOURNAL: Final = ".journal"
LOCK: Final = ".lock"
SHARDS_DIR: Final = ".shards"
BACKUPS_DIR: Final = ".backups"
DAMAGED_DIR: Final = ".damaged-"


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
    """Open `path` with `flags` without blocking on a FIFO and return the descriptor,
    refusing anything that is not a regular file (`NotRegularFile`). A file `O_CREAT`
    makes gets mode 0o666 less the umask. (For reading a whole file:
    `tui.core.files.read_regular`.)"""
    fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY, 0o666)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def linked_parts(path: Path, *, lock: bool = True) -> list[Path]:
    """The journal, shards folder, backups folder and (with `lock`) lock file of the store
    at `path` that are symlinks. None may be: through one, a store would take another
    store's steps or shards as its own, or write its lock text into another file. (A
    reader only reads the lock's mark, never through a link: it passes `lock=False`.)"""
    parts = [journal_path(path), shards_dir(path), backups_dir(path)]
    return [part for part in (*parts, *([lock_path(path)] if lock else []))
            if part.is_symlink()]
