"""Errors about files read or written, each one line naming the file (and line)."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A file that cannot be read as articles: names the file and, where known, the line."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {reason}")


class OutputError(Exception):
    """An output file that cannot or must not be written."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: {reason}")
