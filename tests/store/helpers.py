"""Small helpers shared by the store tests."""

from __future__ import annotations

from pathlib import Path

from tui.core.model import EntityItem, Status
from tui.store.gold import SHARDS
from tui.store.shard import shard_name, shard_of


def added(n: int) -> EntityItem:
    """An added ORG entity `s:N` at [n, n+1)."""
    return EntityItem(f"s:{n}", n, n + 1, "ORG", Status.ADDED)


def shard_file(path: Path, article_id: str) -> Path:
    """The shard file of the store `path` that holds `article_id`."""
    return path.with_name(path.name + ".shards") / shard_name(shard_of(article_id, SHARDS))


def journal(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def flip(file: Path, at: int) -> None:
    """Flip one bit of the byte at offset `at` of `file`."""
    data = bytearray(file.read_bytes())
    data[at] ^= 0x01
    file.write_bytes(bytes(data))
