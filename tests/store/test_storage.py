"""AtomicJSONStorage and atomic_write_text: atomic, and damaged files never read as empty."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tinydb import TinyDB

from tui.store.storage import (
    AtomicJSONStorage,
    StorageFormatError,
    atomic_write_text,
    temp_files,
)


def test_atomic_write_replaces_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "data.json"
    atomic_write_text(target, "first")
    os.chmod(target, 0o640)
    atomic_write_text(target, "second")
    assert target.read_text() == "second"
    assert target.stat().st_mode & 0o777 == 0o640
    assert temp_files(target) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "data.json"
    atomic_write_text(target, "old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert temp_files(target) == []


def test_tinydb_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "db.json"
    with TinyDB(path, storage=AtomicJSONStorage, create_dirs=True) as db:
        db.table("things").insert({"name": "Doha", "n": 1})
    with TinyDB(path, storage=AtomicJSONStorage) as db:
        assert db.table("things").all() == [{"name": "Doha", "n": 1}]
    with TinyDB(path) as db:  # the stock storage reads our file
        assert db.table("things").all() == [{"name": "Doha", "n": 1}]


def test_missing_file_reads_as_empty(tmp_path: Path) -> None:
    assert AtomicJSONStorage(tmp_path / "none.json").read() is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "zero bytes"), (b'{"a": {', "unparseable JSON at line 1"),
     (b"[1, 2]", "not an object"), (b"\xff\xfe", "not UTF-8")],
)
def test_damaged_file_raises_and_is_not_touched(tmp_path: Path, content: bytes,
                                                reason: str) -> None:
    path = tmp_path / "db.json"
    path.write_bytes(content)
    before = path.stat().st_mtime_ns
    with pytest.raises(StorageFormatError, match=reason) as info:
        AtomicJSONStorage(path).read()
    assert str(path) in str(info.value)
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == before
