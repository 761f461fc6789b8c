"""Writing JSONL files atomically (tui.atomic): a temporary file beside the target, then a rename.

A reader never sees a half-written export, and an existing file is replaced
only when the caller says so (`force`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tui.atomic import atomic_writer
from tui.formats.errors import OutputError


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]], *, force: bool = False) -> int:
    """Write `rows` one JSON object a line to `path`; return how many were written."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, "is a folder, not a file")
    if path.exists() and not force:
        raise OutputError(path, "already exists (use --force to replace it)")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(path, f"folder {directory} does not exist")
    count = 0
    with atomic_writer(path, newline="\n") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, allow_nan=False))
            out.write("\n")
            count += 1
    return count
