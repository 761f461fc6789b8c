"""Where an output goes, and writing it there: a file replaced atomically, or a stream
written as it comes.

`output_target` decides what kind of thing OUTPUT is; `open_output` writes it:

- `-` is standard output; `/dev/stdout`, `/dev/stderr`, `/dev/fd/N` and
  `/proc/self/fd/N` are byline's own descriptor N: written to directly.
- An existing FIFO or character device (`/dev/null`, a terminal) is written
  to directly: nothing is replaced, so it needs no `--force`. A FIFO waits
  for its reader, as `cat > FIFO` does.
- A regular file is written beside the target, fsynced and renamed over it
  (`tui.atomic`): it is replaced whole or not at all, only with `force`. A
  symlink to a file is followed: the file it points to is replaced, the link
  stays.
- A folder, a block device, a socket: refused.

A write that fails is an `OutputError` naming the output (`/dev/full`:
"cannot write (No space left on device)"); a replaced file is then left as it
was. A reader that went away (a closed pipe: `byline export -o - | head -1`)
is an `OutputClosed`, which the command line ends quietly on, as Unix tools
do. What goes to a terminal has its control and invisible format characters
written as `\\uXXXX` escapes (the same string to a JSON reader), so no escape
sequence from an article reaches the terminal.

Which files may be written at all (never a gold store's, never an input) is
decided by `tui.commands.outputs`, before any of this.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from tui.atomic import atomic_binary_writer
from tui.formats.errors import OutputError

__all__ = ["Kind", "Output", "OutputClosed", "Target", "descriptor_of", "open_output",
           "output_target", "terminal_safe", "write_error"]

STDOUT_NAME = "standard output"


class OutputClosed(OutputError):
    """The reader of a pipe or FIFO output went away (EPIPE): end quietly."""


class Kind(Enum):
    """What an output is."""

    DESCRIPTOR = "descriptor"  # `-` or /dev/stdout...: one of byline's open descriptors
    STREAM = "stream"  # an existing FIFO or character device
    FILE = "file"  # an existing regular file: replaced (with force)
    NEW = "new"  # nothing there yet: created


@dataclass(frozen=True)
class Target:
    """An output, checked: what to call it, what it is, where to write."""

    shown: str
    kind: Kind
    #: The file to write (symlinks followed); None for a descriptor.
    path: Path | None = None
    #: The descriptor to write to, for `Kind.DESCRIPTOR`.
    fd: int | None = None

    @property
    def name(self) -> str:
        """The output as messages name it."""
        return STDOUT_NAME if self.shown == "-" else self.shown

    @property
    def streamed(self) -> bool:
        """Written as it comes (a pipe, a device, a descriptor), not replaced whole."""
        return self.kind in (Kind.DESCRIPTOR, Kind.STREAM)

    def identity(self) -> tuple[int, int] | None:
        """(st_dev, st_ino) of what is there now, if anything."""
        try:
            st = os.fstat(self.fd) if self.fd is not None else os.stat(self.path or "")
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def is_terminal(self) -> bool:
        """Whether the output is a terminal (what is written there is escaped)."""
        if self.fd is not None:
            return os.isatty(self.fd)
        if self.kind is not Kind.STREAM or self.path is None:
            return False
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError:
            return False
        try:
            return os.isatty(fd)
        finally:
            os.close(fd)


_FD_PATH = re.compile(r"/(?:dev/fd|proc/self/fd|proc/thread-self/fd)/(\d+)")
_STD_NAMES = {"/dev/stdout": 1, "/dev/stderr": 2}


def descriptor_of(path: Path | str) -> int | None:
    """The descriptor N a path means where it is (or links to) `/dev/stdout`,
    `/dev/stderr`, `/dev/fd/N` or `/proc/self/fd/N`; None otherwise."""
    current = os.path.abspath(path)
    own = re.compile(rf"/proc/{os.getpid()}/fd/(\d+)")
    for _ in range(40):
        if current in _STD_NAMES:
            return _STD_NAMES[current]
        match = _FD_PATH.fullmatch(current) or own.fullmatch(current)
        if match:
            return int(match.group(1))
        try:
            link = os.readlink(current)
        except OSError:
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return None


def output_target(path: Path | str, *, force: bool, streams: bool = True,
                  what: str = "this format") -> Target:
    """Check OUTPUT `path` (see the module docstring) and say what it is; raises
    `OutputError` (one line, naming it). `streams=False` refuses standard output, FIFOs
    and devices (a format that writes a folder, or a second file beside the output):
    `what` says what cannot go there."""
    shown = str(path)
    fd = 1 if shown == "-" else descriptor_of(path)
    if fd is not None:
        if not streams:
            raise OutputError(STDOUT_NAME if shown == "-" else shown,
                              f"{what} cannot be written to standard output or another "
                              f"open descriptor; give a path")
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            raise OutputError(shown, f"descriptor {fd} is not open") from None
        _refuse_odd(shown, mode, described="is an open descriptor on")
        return Target(shown, Kind.DESCRIPTOR, fd=fd)
    real = Path(os.path.realpath(path))
    try:
        mode = os.stat(real).st_mode
    except (FileNotFoundError, NotADirectoryError):
        if not real.parent.is_dir():
            folder = Path(shown).parent
            if Path(os.path.abspath(folder)) != real.parent and folder.is_dir():
                folder = real.parent  # a symlink into a folder that is not there
            raise OutputError(shown, f"folder {folder} does not exist") from None
        return Target(shown, Kind.NEW, path=real)
    except OSError as error:
        raise OutputError(shown, f"cannot be written ({error.strerror or error})") from None
    if stat.S_ISDIR(mode):
        raise OutputError(shown, "is a folder, not a file")
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        if not streams:
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device"
            raise OutputError(shown, f"is {kind}: {what} can only be written to a file")
        return Target(shown, Kind.STREAM, path=real)
    _refuse_odd(shown, mode, described="is")
    if not force:
        raise OutputError(shown, "already exists (use --force to replace it)")
    return Target(shown, Kind.FILE, path=real)


def _refuse_odd(shown: str, mode: int, described: str) -> None:
    """Refuse what is neither a regular file, a FIFO nor a character device."""
    if stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        return
    kind = ("a folder" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise OutputError(shown, f"{described} {kind}: byline writes only to files, FIFOs, "
                             f"character devices and standard output")


def write_error(target: Target | str, error: OSError) -> OutputError:
    """The one-line error for a failed write to `target` (OutputClosed for a closed pipe)."""
    name = target.name if isinstance(target, Target) else target
    if error.errno in (errno.EPIPE, errno.ECONNRESET):
        return OutputClosed(name, "the reader closed the pipe")
    return OutputError(name, f"cannot write ({error.strerror or error})")


# ------------------------------------------------------------------ writing


@contextlib.contextmanager
def open_output(target: Target) -> Iterator[Output]:
    """A binary handle on `target`: a file is replaced when the block ends without error
    (on error it is left as it was); a stream is written as it comes. Write errors are
    `OutputError`s naming the output; the block's own exceptions pass through as they are."""
    if target.streamed:
        with _stream(target) as handle:
            yield handle
        return
    assert target.path is not None
    stage = "open"
    try:
        with atomic_binary_writer(target.path) as raw:
            stage = "body"
            handle = Output(raw.write, target, raw.flush)
            yield handle
            stage = "commit"
            handle.flush()
    except OSError as error:
        if stage == "body":
            raise  # the caller's own error (reading the store...), not a write's
        raise write_error(target, error) from None


@contextlib.contextmanager
def _stream(target: Target) -> Iterator[Output]:
    try:
        if target.fd is not None:
            fd = os.dup(target.fd)
        else:
            assert target.path is not None
            fd = os.open(target.path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise write_error(target, error) from None
    try:
        escape = os.isatty(fd)

        def write_all(data: bytes) -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]

        handle = Output(write_all, target, escape=escape)
        yield handle
        handle.flush()
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.fsync(fd)  # `-o - > file`: durable like any file byline writes
        except OSError as error:
            raise write_error(target, error) from None
    finally:
        os.close(fd)


class Output:
    """A binary writer that buffers, turns write errors into `OutputError`s and, for a
    terminal, escapes control and invisible characters (`terminal_safe`)."""

    BUFFER = 1 << 16

    def __init__(self, write: Callable[[bytes], object], target: Target,
                 flush: Callable[[], object] | None = None, *, escape: bool = False) -> None:
        self._write = write
        self._flush = flush
        self._target = target
        self._buffer = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace") if escape else None

    def write(self, data: bytes) -> int:
        if self._decoder is not None:
            data = terminal_safe(self._decoder.decode(data)).encode("utf-8")
        if len(data) >= self.BUFFER:  # a large chunk (a shard's rows) goes as it is
            self._drain()
            self._send(data)
            return len(data)
        self._buffer += data
        if len(self._buffer) >= self.BUFFER:
            self._drain()
        return len(data)

    def flush(self) -> None:
        if self._decoder is not None:
            self._buffer += terminal_safe(self._decoder.decode(b"", final=True)).encode()
        self._drain()
        if self._flush is not None:
            try:
                self._flush()
            except OSError as error:
                raise write_error(self._target, error) from None

    def _drain(self) -> None:
        if self._buffer:
            data = bytes(self._buffer)
            self._buffer.clear()
            self._send(data)

    def _send(self, data: bytes) -> None:
        try:
            self._write(data)
        except OSError as error:
            raise write_error(self._target, error) from None


_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_CANDIDATE = re.compile(r"[^\t\n\x20-\x7e]")


def terminal_safe(text: str) -> str:
    """`text` with every control, format (bidi, zero-width...) and line or paragraph
    separator character written as a `\\uXXXX` escape: the same string to a JSON reader,
    and nothing a terminal acts on."""

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        if unicodedata.category(char) not in _UNSAFE_CATEGORIES:
            return char
        code = ord(char)
        if code > 0xFFFF:  # a surrogate pair, as JSON writes it
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return _CANDIDATE.sub(escape, text)
