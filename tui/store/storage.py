"""An atomic, durable JSON storage for TinyDB, and the atomic file write under it.

TinyDB's stock `JSONStorage` rewrites its file in place: a crash in the middle
of a write leaves half a file, and an empty file reads as an empty database.
`AtomicJSONStorage` writes a temporary file in the same folder, fsyncs it,
renames it over the old one and fsyncs the folder, so the file on disk is
always either the old state or the new one. Reading never mistakes a damaged
file for an empty one: a zero-byte or unparseable file raises
`StorageFormatError`.

Temporary files are named `.NAME.RANDOM.tmp` beside `NAME`; one left by an
interrupted write can be removed by whoever owns the file (`temp_files`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from tui.atomic import atomic_write_text, fsync_dir, temp_files

__all__ = ["AtomicJSONStorage", "StorageFormatError", "atomic_write_text", "fsync_dir",
           "read_json_object", "temp_files"]


class StorageFormatError(ValueError):
    """A storage file exists but cannot be read as a JSON object (zero bytes, bad JSON, ...)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def read_json_object(path: Path) -> dict[str, Any]:
    """Parse `path` as a JSON object; a zero-byte, non-UTF-8 or malformed file raises.

    Raises `FileNotFoundError` if there is no file and `StorageFormatError`
    if there is one that is not a JSON object.
    """
    raw = path.read_bytes()
    if not raw:
        raise StorageFormatError(path, "empty file (zero bytes)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise StorageFormatError(path, f"not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise StorageFormatError(
            path, f"unparseable JSON at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise StorageFormatError(path, "unparseable JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise StorageFormatError(path, f"a JSON {type(data).__name__}, not an object")
    return data


class AtomicJSONStorage(Storage):
    """A TinyDB storage that keeps a JSON file and replaces it atomically on every write.

    Use it as `TinyDB(path, storage=AtomicJSONStorage)`. A missing file is an
    empty database (TinyDB's convention: `read()` returns None); a file that
    exists but is empty or unparseable raises `StorageFormatError` and is never
    overwritten by a read. Each `write` costs O(size of the data): it is meant
    for compaction, not for every change (see `tui.store.gold`).
    """

    def __init__(self, path: Path | str, create_dirs: bool = False, **kwargs: Any) -> None:
        """`kwargs` are passed to `json.dumps` (e.g. `indent=2`)."""
        super().__init__()
        self.path = Path(path)
        self.kwargs = kwargs
        if create_dirs:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The whole database, or None if the file does not exist yet."""
        try:
            return read_json_object(self.path)
        except FileNotFoundError:
            return None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Replace the file by `data`, atomically and durably."""
        atomic_write_text(self.path, json.dumps(data, **self.kwargs))
