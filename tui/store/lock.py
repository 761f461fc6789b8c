"""One writer per store: the OS locks a writer holds, and the journal's high-water mark.

A writer holds an exclusive `flock` on two things for as long as it is open:
the lock file `gold.json.lock` and the shards folder `gold.json.shards/`. The
folder is never replaced (it holds the data), so deleting or replacing the
lock file — what people do with a "stale" lock — cannot let a second writer
in: the second one still finds the folder locked. Closing the descriptors
releases the locks, so a crashed writer never leaves a stale lock behind.

The lock file's text is only for people and checks, never for locking:

    PID
    steps N

`PID` is the writer's process id while it is open (empty after it closed),
for the message a second writer gets. `N` is the number of the last journal
step the writer acknowledged (its high-water mark): written after the step
is fsynced, so it can never run ahead of the journal on disk. A journal that
ends before step N has lost acknowledged steps (cut short, or replaced by an
older copy), and the store says so instead of opening without them.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from tui.store.layout import lock_path, open_regular, shards_dir


class LockBusy(Exception):
    """Another process holds the store's write lock; `holder` is its PID as written."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def _open_lock_file(lock: Path) -> int:
    """Open (create) the lock file and return its descriptor, refusing a FIFO, a device
    or a symlink (the lock's text is written: never through a link, into another file)."""
    try:
        return open_regular(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "it is a symlink: a store's lock file must be a file of "
                                       "its own; remove the link") from None
        raise


def _open_shards_dir(folder: Path) -> int:
    """Open the shards folder (made if there is none) for locking; a symlink is refused:
    through it two stores could share their shards."""
    folder.mkdir(exist_ok=True)
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR) and folder.is_symlink():
            raise OSError(errno.ELOOP, f"{folder.name} is a symlink: a store's shards folder "
                                       f"must be its own") from None
        raise


def _retrying(take: Callable[[], None]) -> None:
    """`take()` a lock, trying again for a moment while it is busy: a reader probing
    whether a writer is open (`lock_holder`) holds a lock for microseconds."""
    for attempt in range(20):
        try:
            take()
            return
        except LockBusy:
            if attempt == 19:
                raise
            time.sleep(0.005)


def _flock(fd: int, holder_of: Path) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise LockBusy(read_holder(holder_of)) from None
        raise


class WriterLock:
    """The locks of one open writer (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        """Take the write lock of the store whose index is `path`.

        Raises `LockBusy` if another process (or another open store in this
        one) holds it, `OSError` if the files cannot be made or locked.
        """
        self.path = path
        self.mark = 0
        self._dir_fd = _open_shards_dir(shards_dir(path))
        self._fd = -1
        try:
            _retrying(lambda: _flock(self._dir_fd, lock_path(path)))
            self._fd = self._lock_file()
            self.mark = read_mark(lock_path(path)) or 0
            self._write(str(os.getpid()))
        except BaseException:
            self.release()
            raise

    def _lock_file(self) -> int:
        """Lock the file that is at the lock's name now (retrying if it was replaced while
        we locked the one we opened)."""
        lock = lock_path(self.path)
        for _ in range(100):
            fd = _open_lock_file(lock)
            try:
                _retrying(lambda: _flock(fd, lock))  # noqa: B023 (called at once)
                with contextlib.suppress(FileNotFoundError):
                    if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                        return fd
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # replaced or deleted after we opened it: lock the new one
        raise OSError(errno.EAGAIN, "the lock file keeps being replaced")

    def _write(self, pid: str, *, shorter: bool = True) -> None:
        """Write the lock file's text (failures are ignored: the text is for messages and
        checks, never for locking). Unless the text can be `shorter` than before (the mark
        only grows while a writer works), one `pwrite` is all it costs."""
        if self._fd < 0:
            return
        data = f"{pid}\nsteps {self.mark}\n".encode("ascii")
        with contextlib.suppress(OSError):
            os.pwrite(self._fd, data, 0)
            if shorter:
                os.ftruncate(self._fd, len(data))

    def acknowledge(self, step: int) -> None:
        """Record that journal step `step` is durable (called after its fsync)."""
        self.mark = step
        self._write(str(os.getpid()), shorter=False)

    def reset_mark(self, step: int) -> None:
        """Set the high-water mark to `step` (also back, where steps were taken back)."""
        self.mark = step
        self._write(str(os.getpid()))

    def still_held(self) -> bool:
        """True while the lock file and the shards folder at their names are the ones locked."""
        try:
            return (os.stat(lock_path(self.path)).st_ino == os.fstat(self._fd).st_ino
                    and os.stat(shards_dir(self.path)).st_ino == os.fstat(self._dir_fd).st_ino)
        except OSError:
            return False

    def release(self) -> None:
        """Release both locks (closing the descriptors releases the flocks)."""
        if self._fd >= 0:
            self._write("")
            os.close(self._fd)
            self._fd = -1
        if self._dir_fd >= 0:
            os.close(self._dir_fd)
            self._dir_fd = -1


def _read_head(lock: Path, size: int) -> bytes | None:
    """The first `size` bytes of the lock file; None where there is no regular file of
    its own (none, a symlink, a FIFO: never blocks, never follows a link)."""
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, size)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_holder(lock: Path) -> str:
    """The PID written in a lock file, or "unknown"."""
    text = _read_head(lock, 64)
    first = b"" if text is None else text.split(b"\n", 1)[0].strip()
    return first.decode("ascii") if first.isdigit() else "unknown"


def read_mark(lock: Path) -> int | None:
    """The high-water mark written in a store's lock file (None where there is none)."""
    text = _read_head(lock, 256)
    if text is None:
        return None  # none, or a symlink: no mark of this store's
    for line in text.split(b"\n")[1:2]:
        word, _, number = line.partition(b" ")
        if word == b"steps" and number.isdigit():
            return int(number)
    return None


def lock_holder(path: Path) -> str | None:
    """The PID of the writer holding the store's lock (or "unknown"), else None.

    Both locks are tried: a writer whose lock file was deleted is still found
    by its lock on the shards folder. The lock itself tells, not the PID in the
    file: a copy of a store holds a lock file naming a live process that holds
    no lock of the copy.
    """
    folder = shards_dir(path)
    candidates: list[Path] = [folder] if folder.is_dir() else []
    lock = lock_path(path)
    if lock.exists():
        candidates.append(lock)
    for target in candidates:
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if not (stat.S_ISREG(os.fstat(fd).st_mode) or stat.S_ISDIR(os.fstat(fd).st_mode)):
                continue
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # (a writer holds LOCK_EX)
        except OSError:
            return read_holder(lock)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    return None
