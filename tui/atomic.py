"""Replacing a file atomically and durably: write beside it, fsync, rename, fsync the folder.

A reader, or a crash at any moment, sees the old file or the new one, never
a mix. Used by the gold store for compaction and by every exporter.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO


def temp_name(path: Path) -> Path:
    """A fresh temporary name beside `path`, matched by `temp_files(path)`."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def temp_files(path: Path) -> list[Path]:
    """Temporary files an interrupted atomic write of `path` may have left."""
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new entry in `folder` durable (a no-op where folders can't be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES):
            raise  # EIO, ENOSPC...: the rename may not be durable, so the caller must know
        # some file systems refuse fsync on a folder; the rename is done either way
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: Path | str, *, encoding: str = "utf-8",
                  newline: str = "") -> Iterator[TextIO]:
    """A text handle whose contents replace `path` when the block ends without error.

    On error the temporary file is removed and `path` is untouched. The new file
    keeps the old one's permissions (new files get 0o666 less the umask).
    """
    with atomic_binary_writer(path) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline=newline)
        yield text
        text.flush()
        text.detach()  # the binary writer fsyncs and closes the file


@contextlib.contextmanager
def atomic_binary_writer(path: Path | str) -> Iterator[BinaryIO]:
    """A binary handle whose contents replace `path` when the block ends without error
    (see `atomic_writer`)."""
    path = Path(path)
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            with contextlib.suppress(FileNotFoundError):
                os.fchmod(fd, os.stat(path).st_mode & 0o7777)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Replace the contents of `path` by `data` atomically and durably."""
    path = Path(path)
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.fchmod(fd, os.stat(path).st_mode & 0o7777)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path | str, text: str, encoding: str = "utf-8") -> None:
    """Replace the contents of `path` by `text` atomically and durably."""
    with atomic_writer(path, encoding=encoding) as handle:
        handle.write(text)
