"""`store_part`: a file of any gold store is recognised by what it is and where it lies,
from its path alone; nothing else is taken for one."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from tests.store.helpers import added
from tui.core.model import Article
from tui.store.files import store_files, store_identities, store_part
from tui.store.gold import GoldStore, backups_dir, journal_path, lock_path, shards_dir

FIXTURES = Path(__file__).parent / "fixtures"


def role(path: Path) -> str | None:
    part = store_part(path)
    return None if part is None else part.role


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A real store with a journal of acknowledged steps (as a crash leaves it)."""
    db = tmp_path / "a" / "gold.json"
    article = Article(id="doha", text="Anna Berg met officials in Doha.", meta={})
    with GoldStore.open(db) as opened:
        opened.put_article(article)
    with GoldStore.open(db) as opened:
        opened.save_items("doha", "maria", article.text_hash, {"s:1": added(1)})
        kept = journal_path(db).read_bytes()
    journal_path(db).write_bytes(kept)
    return db


def test_every_file_of_a_store_is_recognised(store: Path) -> None:
    shard = next(shards_dir(store).iterdir())
    backup = next(p for p in backups_dir(store).rglob("*") if p.is_file())
    expected = {store: "its index", journal_path(store): "its journal",
                lock_path(store): "its lock", shard: "a shard", backup: "a backup",
                shards_dir(store): "its shards folder",
                shards_dir(store) / "not-yet.json": "a shard",
                store.with_name(".gold.json.0123456789ab.tmp"): "a temporary file of it"}
    for path, role in expected.items():
        part = store_part(path)
        assert part is not None, path
        assert (part.store, part.role) == (store, role), path


def test_damaged_copies_and_a_symlink_are_the_store_s(store: Path, tmp_path: Path) -> None:
    damaged = store.with_name(store.name + ".damaged-20250101T000000Z")
    damaged.mkdir()
    copy = damaged / "gold.json.journal"
    shutil.copy2(journal_path(store), copy)
    link = tmp_path / "innocent.jsonl"
    link.symlink_to(lock_path(store))
    assert store_part(copy) == store_part(damaged / "anything-new")
    assert role(copy) == "a copy byline doctor --repair kept"
    assert role(link) == "its lock"
    assert copy in store_files(store)


def test_copies_and_hard_links_are_recognised_by_their_content(store: Path,
                                                               tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    shutil.copy2(store, loose / "index-copy")
    shutil.copy2(next(shards_dir(store).iterdir()), loose / "shard-copy")
    os.link(journal_path(store), loose / "journal-link")
    assert role(loose / "index-copy") == "its index"
    assert role(loose / "shard-copy") == "a shard"
    assert role(loose / "journal-link") == "a journal"
    # the lock holds only a PID: a hard link to it is known by its inode, for a known store
    os.link(lock_path(store), loose / "lock-link")
    assert store_part(loose / "lock-link") is None
    st = os.stat(loose / "lock-link")
    assert (st.st_dev, st.st_ino) in store_identities(store)


def test_a_store_whose_index_is_gone_still_owns_its_files(store: Path) -> None:
    store.unlink()
    part = store_part(journal_path(store))
    assert part is not None and part.store == store
    assert store_part(lock_path(store)) is not None  # its shards say it is a store


def test_a_schema_1_store_is_recognised(tmp_path: Path) -> None:
    db = tmp_path / "old.json"
    shutil.copy2(FIXTURES / "schema1" / "gold.json", db)
    part = store_part(db)
    assert part is not None and part.role == "its index"
    assert store_part(tmp_path / "old.json.journal") is not None


@pytest.mark.parametrize("content", [
    b"",
    b"precious\n",
    b'{"id": "a1", "text": "x", "meta": {"_meta": {"app": "byline"}}}\n{"id": "a2"}\n',
    json.dumps({"_meta": {"1": {"app": "not-byline"}}}).encode(),
    b"[1, 2, 3]",
    b"deadbeef {not a journal}\n",
    b"\x00" * 4096,
])
def test_other_files_are_not_taken_for_store_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "gold.json"
    path.write_bytes(content)
    for candidate in (path, journal_path(path), lock_path(path), shards_dir(path) / "1.json"):
        assert store_part(candidate) is None, candidate


def test_a_fifo_or_a_socket_is_never_opened(tmp_path: Path) -> None:
    """Opening a FIFO to read it would block until a writer came: never done."""
    fifo = tmp_path / "gold.json"
    os.mkfifo(fifo)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(store_part(fifo)), daemon=True)
    worker.start()
    worker.join(10)
    assert result == [None]
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock.json"))
        assert store_part(tmp_path / "sock.json") is None
