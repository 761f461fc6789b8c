"""The gold store's append-only journal: one checksummed JSON step a line.

A line is `CRC32 JSON\\n`: eight hex digits of the zlib CRC-32 of the JSON
text, a space, the JSON object of one step. Each line is appended with one
`write()` and fsynced before the save that made it returns. Lines of schema 1
(a bare JSON object, no checksum) are still read, for a store upgraded by a
byline that stopped before it could empty the old journal.

Every step carries `n`, its number in the life of the store: one more than
the step before it (the store checks that none is missing; see
`tui.store.gold`).

A line may end in CRLF (a tool that rewrote the line ends): the CR is not
part of it. Only a last line without its newline can be a torn append (a crash in the
middle of a write, never acknowledged): it is left out. Every line that ends
in a newline was acknowledged, so one that fails its check is damage, wherever
it is: `JournalError`, naming the line, until `byline doctor --repair` has
dealt with it.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.atomic import fsync_dir
from tui.store.layout import open_regular

log = logging.getLogger(__name__)

Step = dict[str, Any]


class JournalError(Exception):
    """A journal that cannot be read or written; the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One good line of a journal: its number (from 1), where it starts, and its step."""

    number: int
    offset: int
    step: Step


@dataclass(frozen=True, slots=True)
class ParsedJournal:
    """What a journal holds: its good lines, the length of its good part (everything but
    a torn tail), and whether a torn last line was left out."""

    lines: list[JournalLine]
    good: int
    torn: bool


def encode_step(step: Step) -> bytes:
    """One journal line for `step`."""
    text = json.dumps(step, separators=(",", ":")).encode("ascii")
    return b"%08x %s\n" % (zlib.crc32(text), text)


def decode_line(line: bytes) -> Step | None:
    """The step of one line, or None if the line is damaged. A CR before the newline
    (the line ends a tool turned into CRLF) is not part of the line."""
    if line.endswith(b"\r"):
        line = line[:-1]
    if line.startswith(b"{"):
        text = line  # schema 1: no checksum
    elif len(line) > 9 and line[8:9] == b" ":
        try:
            crc = int(line[:8], 16)
        except ValueError:
            return None
        text = line[9:]
        if zlib.crc32(text) != crc:
            return None
    else:
        return None
    try:
        step = json.loads(text.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return step if isinstance(step, dict) else None


def parse_journal(raw: bytes, name: str) -> ParsedJournal:
    """Read a journal's bytes; a damaged complete line raises `JournalError`."""
    lines = raw.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    found: list[JournalLine] = []
    offset = 0
    for number, line in enumerate(complete, 1):
        step = decode_line(line)
        if step is None:
            raise JournalError(f"{name}: line {number} of {len(complete) + bool(tail)} is "
                               f"damaged")
        found.append(JournalLine(number, offset, step))
        offset += len(line) + 1
    return ParsedJournal(found, offset, bool(tail))


class Journal:
    """The open journal file of a writer: durable appends, rolled back if one fails."""

    def __init__(self, path: Path, size: int) -> None:
        """Open `path` for appending; `size` is the length of its good part."""
        self.path = path
        self.name = str(path)
        existed = path.exists()
        self.fd = open_regular(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        if not existed:
            fsync_dir(path.parent)
        self.size = size
        self.broken = False

    def append(self, data: bytes) -> None:
        """Append `data` and fsync; on failure, truncate back and raise `JournalError`."""
        if self.broken:
            raise JournalError(f"{self.name}: an earlier failed write could not be undone; "
                               f"reopen the store")
        start = self.size
        try:
            written = os.write(self.fd, data)
            while written < len(data):  # a short write: normally the next one fails
                more = os.write(self.fd, data[written:])
                if more <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                written += more
            os.fsync(self.fd)
        except BaseException as error:  # also an interrupt between write and fsync
            self.truncate(start)
            if isinstance(error, OSError):
                reason = error.strerror or str(error)
                raise JournalError(f"{self.name}: could not save ({reason})") from error
            raise
        self.size = start + len(data)

    def truncate(self, size: int) -> None:
        """Cut the journal back to `size` bytes, durably (marks it broken if that fails)."""
        try:
            os.ftruncate(self.fd, size)
            os.fsync(self.fd)
        except OSError:
            log.exception("%s: could not truncate the journal", self.name)
            self.broken = True
            return
        self.size = size
        self.broken = False

    def empty(self) -> None:
        """Empty the journal after a compaction wrote everything it holds.

        If that fails the journal keeps steps that are already in the files:
        harmless (replaying them changes nothing), so it stays usable, unlike
        after a failed `truncate` of a torn append.
        """
        try:
            os.ftruncate(self.fd, 0)
            os.fsync(self.fd)
        except OSError:
            log.exception("%s: could not empty the journal after a compaction", self.name)
            try:
                self.size = os.fstat(self.fd).st_size
            except OSError:
                self.broken = True
            return
        self.size = 0

    def close(self) -> None:
        os.close(self.fd)
