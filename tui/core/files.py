"""Opening input files: only regular files are read, and opening one never blocks.

A FIFO, a device (`/dev/zero`, a terminal), a socket or a folder given where
byline reads a file would hang it (a FIFO blocks in `open`, a terminal in
`read`) or fill its memory (`/dev/zero` never ends). `open_regular` checks
the path with `os.stat` before opening it (so a device is never even opened:
some act on open), opens it with `O_NONBLOCK` (so a FIFO swapped in between
cannot block) and checks the descriptor again with `os.fstat`: anything but
a regular file raises `NotRegularFile`, an `OSError` whose `strerror` says
what it is. `read_problem` words any `OSError` of opening or reading as the
reason of a one-line error.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

#: What a file that is not a regular one is, by its `stat` type.
_KINDS: tuple[tuple[int, str], ...] = (
    (stat.S_IFIFO, "a FIFO"),
    (stat.S_IFCHR, "a character device"),
    (stat.S_IFBLK, "a block device"),
    (stat.S_IFSOCK, "a socket"),
    (stat.S_IFDIR, "a folder"),
    (stat.S_IFLNK, "a symlink"),
)


class NotRegularFile(OSError):
    """A path that names something other than a regular file (a FIFO, a device, a folder)."""

    def __init__(self, path: Path | str, mode: int) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({kind_of(mode)})", str(path))
        self.kind = kind_of(mode)


def kind_of(mode: int) -> str:
    """What a file of `stat` mode `mode` is, in words ("a FIFO", "a folder", ...)."""
    file_type = stat.S_IFMT(mode)
    for value, name in _KINDS:
        if file_type == value:
            return name
    return "not a file"


def open_regular(path: Path | str) -> BinaryIO:
    """`path` opened for binary reading, if it is a regular file (symlinks followed).

    Raises `NotRegularFile` for anything else, and the `OSError` of `stat` or
    `open` (no such file, permission denied, a symlink loop ...).
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # replaced between the stat and the open
            raise NotRegularFile(path, mode)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def real_path(path: Path | str) -> Path:
    """`path` with every symlink followed, as far as they go: never raises (a symlink loop
    or a missing file is left for the open to report), unlike `Path.resolve` on Python 3.11,
    which raises RuntimeError on a loop."""
    return Path(os.path.realpath(path))


def read_regular(path: Path | str) -> bytes:
    """The bytes of the regular file `path`; raises as `open_regular` does, or on a read."""
    with open_regular(path) as handle:
        return handle.read()


def read_problem(error: OSError, path: Path | str | None = None) -> str:
    """Why a file could not be read, in a few words, from the `OSError` raised (and the
    `path`, to tell a dangling symlink from a missing file)."""
    if isinstance(error, NotRegularFile):
        return str(error.strerror)
    if error.errno == errno.ELOOP:
        return "a symlink loop"
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        if path is not None and os.path.islink(path):
            return "a symlink to nothing (dangling)"
        return "no such file"
    return f"cannot read ({error.strerror or error})"
