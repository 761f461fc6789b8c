"""The sharded store on disk: checksums, backups, shards against the index, and the
upgrade of a schema 1 store (a fixture written by the byline that used it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tinydb import TinyDB

from tests.store.helpers import added, flip, journal, shard_file
from tui.core.model import Status
from tui.store.gold import KEEP_BACKUPS, GoldStore, StoreError, backups

FIXTURE = Path(__file__).parent / "fixtures" / "schema1"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "annotations" / "gold.json"


def filled(path: Path, articles: int = 5) -> None:
    with GoldStore.open(path) as store:
        for n in range(articles):
            store.save_items(f"art{n}", "ana", "h", {"s:1": added(1)})


# ------------------------------------------------------------------- the upgrade


def test_a_schema_1_store_is_upgraded_with_its_journal_and_kept_as_a_backup(
        tmp_path: Path) -> None:
    folder = tmp_path / "annotations"
    shutil.copytree(FIXTURE, folder)
    path = folder / "gold.json"
    original = path.read_bytes()
    with GoldStore.open(path, read_only=True) as reader:  # read-only reads it as it is
        assert reader.annotation("example", "bo") is not None
    assert path.read_bytes() == original
    with GoldStore.open(path) as store:
        ana = store.annotation("example", "ana")
        assert ana is not None and ana.done is True  # the done flag was in the journal
        assert {i.label for i in ana.items.values()} == {"GPE", "PERSON"}
        assert set(ana.quotes) == {"q:s:55:82"} and set(ana.meetings) == {"m:s:12:15"}
        meeting = ana.meetings["m:s:12:15"].value
        assert meeting.date == "2025-10-21" and len(meeting.participants) == 2
        bo = store.annotation("example", "bo")
        assert bo is not None and bo.items["s:16:21"].status is Status.REJECTED
        article = store.article("example", ana.text_hash)
        assert article is not None and article.text.startswith("DOHA: Kalin met")
        suggestions = store.suggestions("example", ana.text_hash)
        assert suggestions is not None and len(suggestions.entities) == 3
        assert store.summary("example", "ana") is not None
        summary = store.summary("example", "ana")
        assert summary is not None and (summary.decided, summary.quotes, summary.meetings) == (
            2, 1, 1)
    assert json.loads(path.read_text())["_meta"]["1"]["schema"] == 2
    assert journal(path).read_bytes() == b""
    kept = [b for b in backups(path) if b.name.startswith("schema1-")]
    assert len(kept) == 1
    assert (kept[0] / "gold.json").read_bytes() == original
    assert (kept[0] / "gold.json.journal").read_bytes() == (FIXTURE / "gold.json.journal"
                                                           ).read_bytes()
    with GoldStore.open(path) as again:  # and it opens as schema 2 from now on
        assert again.annotation("example", "ana") is not None


# ----------------------------------------------------------------------- checks


def test_a_flipped_byte_in_the_index_is_found(path: Path) -> None:
    filled(path)
    flip(path, path.stat().st_size - 20)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="checksum") as info:
        GoldStore.open(path)
    assert str(info.value).startswith(f"{path}: ") and "byline doctor" in str(info.value)
    assert path.read_bytes() == before


def test_a_flipped_byte_in_a_shard_is_found_before_anything_is_written(path: Path) -> None:
    filled(path)
    shard = shard_file(path, "art1")
    flip(shard, shard.stat().st_size - 30)
    with GoldStore.open(path) as store:  # the index is fine; the shard loads when asked for
        assert store.summary("art1", "ana") is not None
        with pytest.raises(StoreError, match=f"{shard.name}: damaged shard .*checksum"):
            store.annotation("art1", "ana")
        size = journal(path).stat().st_size
        with pytest.raises(StoreError, match="damaged shard"):
            store.save_items("art1", "ana", "h", {"s:2": added(2)})
        assert journal(path).stat().st_size == size
        store.save_items("art0", "ana", "h", {"s:2": added(2)})  # other shards still work


def test_a_flipped_byte_in_a_journal_line_is_found(path: Path) -> None:
    store = GoldStore.open(path)
    for n in range(3):
        store.save_items("a", "ana", "h", {f"s:{n}": added(n)})
    store.close_quietly()
    lines = journal(path).read_bytes().split(b"\n")
    line = bytearray(lines[0])
    line[40] ^= 0x01  # inside the JSON: still parseable, but not what was written
    lines[0] = bytes(line)
    journal(path).write_bytes(b"\n".join(lines))
    with pytest.raises(StoreError, match=r"journal: line 1 of 3 is damaged"):
        GoldStore.open(path)


def test_a_missing_shard_and_a_stale_shard_are_refused(path: Path) -> None:
    filled(path)
    shard = shard_file(path, "art2")
    old = shard.read_bytes()
    with GoldStore.open(path) as store:
        store.save_items("art2", "ana", "h", {"s:9": added(9)})
    shard.write_bytes(old)  # an older copy put back by hand
    with (pytest.raises(StoreError, match=r"not the (size|shard) the index records"),
          GoldStore.open(path) as store):
        store.annotation("art2", "ana")
    shard.unlink()
    with pytest.raises(StoreError, match="missing"):
        GoldStore.open(path)


def test_compactions_keep_the_replaced_files_as_backups(path: Path) -> None:
    for round_ in range(KEEP_BACKUPS + 2):
        with GoldStore.open(path) as store:
            store.save_items("art0", "ana", "h", {f"s:{round_}": added(round_)})
    kept = backups(path)
    assert len(kept) == KEEP_BACKUPS
    newest = kept[0]
    with TinyDB(newest / shard_file(path, "art0").name) as db:  # the shard before the last save
        items = db.table("annotations").all()[0]["items"]
    assert set(items) == {f"s:{n}" for n in range(KEEP_BACKUPS + 1)}
    assert (newest / "gold.json").exists()


def test_only_the_shards_a_save_touched_are_rewritten(path: Path) -> None:
    filled(path, articles=20)
    shards = sorted(path.with_name(path.name + ".shards").iterdir())
    stamps = {p.name: p.stat().st_mtime_ns for p in shards}
    with GoldStore.open(path) as store:
        store.save_items("art3", "ana", "h", {"s:5": added(5)})
    changed = {p.name for p in shards if p.stat().st_mtime_ns != stamps[p.name]}
    assert changed == {shard_file(path, "art3").name}
