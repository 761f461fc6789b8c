"""`output_target` and `open_output`: what an output is, and writing it there."""

from __future__ import annotations

import json
import os
import socket
import stat
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.atomic import temp_files
from tui.formats.errors import OutputError
from tui.formats.outputs import (
    Kind,
    OutputClosed,
    descriptor_of,
    open_output,
    output_target,
    terminal_safe,
)


def test_a_symlink_to_a_file_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_bytes(b"old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with pytest.raises(OutputError, match="already exists"):
        output_target(link, force=False)
    target = output_target(link, force=True)
    assert target.kind is Kind.FILE and target.path == real
    with open_output(target) as handle:
        handle.write(b"new\n")
    assert link.is_symlink() and real.read_bytes() == b"new\n"


def test_a_dangling_symlink_gets_its_file(tmp_path: Path) -> None:
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "made.jsonl")
    target = output_target(link, force=False)
    assert target.kind is Kind.NEW
    with open_output(target) as handle:
        handle.write(b"row\n")
    assert link.is_symlink() and (tmp_path / "made.jsonl").read_bytes() == b"row\n"


def test_odd_targets_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder, not a file"):
        output_target(tmp_path, force=True)
    with pytest.raises(OutputError, match=r"folder .* does not exist"):
        output_target(tmp_path / "no" / "x.jsonl", force=True)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock"))
        with pytest.raises(OutputError, match="is a socket: byline writes only to files"):
            output_target(tmp_path / "sock", force=True)
    block = next((Path("/dev") / e.name for e in os.scandir("/dev")
                  if stat.S_ISBLK(os.stat(e.path, follow_symlinks=False).st_mode)), None)
    if block is not None:
        with pytest.raises(OutputError, match="is a block device"):
            output_target(block, force=True)


def test_descriptors_are_named_by_their_paths() -> None:
    assert descriptor_of("/dev/stdout") == 1
    assert descriptor_of("/dev/stderr") == 2
    assert descriptor_of("/dev/fd/7") == 7
    assert descriptor_of(f"/proc/{os.getpid()}/fd/5") == 5
    assert descriptor_of("/tmp/stdout") is None
    read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)
    with pytest.raises(OutputError, match=f"descriptor {write_end} is not open"):
        output_target(f"/dev/fd/{write_end}", force=False)


def test_streams_are_refused_where_a_file_is_needed(tmp_path: Path) -> None:
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    for path, message in ((fifo, "is a FIFO"), (Path("/dev/null"), "is a device"),
                          (Path("-"), "cannot be written to standard output")):
        with pytest.raises(OutputError, match=message):
            output_target(path, force=True, streams=False, what="the config")


def test_a_failed_write_leaves_the_old_file_and_names_it(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"old\n")
    target = output_target(out, force=True)
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as raised, open_output(target) as handle:
        handle.write(b"x" * 100_000)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert str(raised.value) == f"{out}: cannot write (No space left on device)"
    assert out.read_bytes() == b"old\n" and temp_files(out) == []


def test_the_caller_s_own_errors_pass_through(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(FileNotFoundError), open_output(output_target(out, force=False)) as h:
        h.write(b"partial\n")
        raise FileNotFoundError(2, "a shard is missing")  # reading the store, not writing
    assert not out.exists() and temp_files(out) == []


def test_a_pipe_without_its_reader_is_output_closed() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        target = output_target(f"/dev/fd/{write_end}", force=False)
        with pytest.raises(OutputClosed), open_output(target) as handle:
            handle.write(b"row\n" * 100_000)
    finally:
        os.close(write_end)


UNSAFE = {"Cc", "Cf", "Zl", "Zp", "Cs"}


@given(st.text())
def test_terminal_safe_json_is_the_same_json_with_nothing_unsafe(text: str) -> None:
    encoded = json.dumps({"text": text}, ensure_ascii=False)
    safe = terminal_safe(encoded)
    assert json.loads(safe) == {"text": text}
    assert not [c for c in safe if unicodedata.category(c) in UNSAFE]
