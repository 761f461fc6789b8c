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

import hashlib
import json
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from tui.atomic import atomic_write_bytes, atomic_write_text, fsync_dir, temp_files

__all__ = ["META_TABLE", "AtomicJSONStorage", "StorageFormatError", "atomic_write_text",
           "decode_checked", "encode_checked", "fsync_dir", "parse_json_object", "read_checked",
           "read_json_object", "temp_files", "write_checked"]


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
    return _parse(path, raw)


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


# ------------------------------------------------------------ checksummed files

#: The key of the TinyDB table that holds a file's own description.
META_TABLE = "_meta"


def _prefix(meta: dict[str, Any]) -> str:
    return '{"' + META_TABLE + '": {"1": ' + json.dumps(meta, sort_keys=True) + "}, "


def encode_checked(meta: dict[str, Any], tables: dict[str, Any]) -> tuple[bytes, str]:
    """A TinyDB JSON file holding `tables` and a `_meta` table whose one record is
    `meta` plus `sha256`, the checksum of every byte after that record.

    Returns the file's bytes and the checksum. `tinydb.TinyDB(path)` reads the
    file like any other; `decode_checked` verifies it.
    """
    try:
        encoded = orjson.dumps(tables)[1:]  # UTF-8, no opening brace
    except TypeError:  # text orjson refuses (a lone surrogate): the standard library escapes it
        encoded = json.dumps(tables, separators=(",", ":")).encode("ascii")[1:]
    if encoded == b"}":
        encoded = b'"_empty":{}}'  # keep the file valid JSON after the meta record's comma
    digest = hashlib.sha256(encoded).hexdigest()
    head = _prefix({**meta, "sha256": digest}).encode("utf-8")
    return head + encoded, digest


def decode_checked(path: Path, raw: bytes) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Parse and verify a file written by `encode_checked`: (meta, tables, sha256).

    Raises `StorageFormatError` for a file that is empty, not JSON, has no
    `_meta` record or fails its checksum.
    """
    if not raw:
        raise StorageFormatError(path, "empty file (zero bytes)")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = _parse(path, raw)  # the standard library's message names line and column
    if not isinstance(data, dict):
        raise StorageFormatError(path, f"a JSON {type(data).__name__}, not an object")
    meta_table = data.pop(META_TABLE, None)
    record = meta_table.get("1") if isinstance(meta_table, dict) else None
    if not isinstance(record, dict):
        raise StorageFormatError(path, "no _meta record")
    digest = record.get("sha256")
    if not isinstance(digest, str):
        raise StorageFormatError(path, "no checksum in its _meta record: was it rewritten "
                                       "by another program?")
    head = _prefix(record).encode("utf-8")
    if not raw.startswith(head) or hashlib.sha256(raw[len(head):]).hexdigest() != digest:
        raise StorageFormatError(path, "checksum mismatch: the file was damaged or edited")
    data.pop("_empty", None)
    meta = {k: v for k, v in record.items() if k != "sha256"}
    return meta, data, digest


def parse_json_object(path: Path, raw: bytes) -> dict[str, Any]:
    """`raw` parsed as a JSON object (`StorageFormatError` naming line and column)."""
    return _parse(path, raw)


def _parse(path: Path, raw: bytes) -> dict[str, Any]:
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


def write_checked(path: Path, meta: dict[str, Any], tables: dict[str, Any]) -> str:
    """Replace `path` atomically and durably by a checksummed TinyDB file; return its sha256."""
    data, digest = encode_checked(meta, tables)
    atomic_write_bytes(path, data)
    return digest


def read_checked(path: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Read and verify a checksummed TinyDB file (FileNotFoundError if there is none)."""
    return decode_checked(path, path.read_bytes())
