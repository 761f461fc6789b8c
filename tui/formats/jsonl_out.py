"""Writing JSONL files atomically (tui.atomic): a temporary file beside the target, then a rename.

A reader never sees a half-written export, and an existing file is replaced
only when the caller says so (`force`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from tui.atomic import atomic_binary_writer
from tui.formats.errors import OutputError


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]], *, force: bool = False) -> int:
    """Write `rows` one JSON object a line to `path`; return how many were written."""
    return write_encoded(path, ((encode_row(row), 1) for row in rows), force=force)


def write_encoded(path: Path, chunks: Iterable[tuple[bytes, int]], *, force: bool = False) -> int:
    """Write chunks of JSONL lines already encoded (`encode_row`), each with how many
    lines it holds; return how many lines were written."""
    path = Path(path)
    check_output(path, force)
    count = 0
    with atomic_binary_writer(path) as out:
        for data, lines in chunks:
            out.write(data)
            count += lines
    return count


def check_output(path: Path, force: bool) -> None:
    """Raise `OutputError` unless `path` may be written as a file (replaced only with
    `force`)."""
    if path.is_dir():
        raise OutputError(path, "is a folder, not a file")
    if path.exists() and not force:
        raise OutputError(path, "already exists (use --force to replace it)")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(path, f"folder {directory} does not exist")


def encode_row(row: dict[str, Any]) -> bytes:
    """One JSONL line: UTF-8 JSON and a newline.

    orjson is several times faster than the standard library here; text it
    refuses (a lone surrogate) is written by the standard library, escaped.
    Non-finite numbers never get this far: the readers refuse them.
    """
    try:
        return orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (json.dumps(row, allow_nan=False) + "\n").encode("ascii")
