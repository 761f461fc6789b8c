"""The native export in worker processes writes exactly what the serial export writes,
including shards the journal changed in memory; a damaged shard stops it by name."""

from __future__ import annotations

from pathlib import Path

import pytest

import tui.commands.export_store as export_store
from tui.commands.export_store import run_export
from tui.core.model import Article, EntityItem, Status
from tui.store.gold import SHARDS, GoldStore, StoreError
from tui.store.shard import shard_name, shard_of


def item(n: int, status: Status = Status.ACCEPTED) -> EntityItem:
    return EntityItem(f"s:{n}", n, n + 2, "ORG", status, annotator="ana",
                      time="2026-11-01T10:00:00Z")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "gold.json"
    with GoldStore.open(path) as gold:
        for n in range(40):
            article = Article(f"art{n}", f"Article number {n} about Doha and Kalin.", {})
            gold.put_article(article)
            for who in ("ana", "bo")[: 1 + n % 2]:
                gold.save_items(article.id, who, article.text_hash,
                                {"s:0": item(0), "s:3": item(3, Status.REJECTED)})
                gold.set_done(article.id, who, article.text_hash, n % 3 != 0)
    gold = GoldStore.open(path)  # and a few changes left in the journal only
    article = Article("art5", "Article number 5 about Doha and Kalin.", {})
    gold.save_items(article.id, "ana", article.text_hash, {"s:8": item(8)})
    gold.close_quietly()
    return path


@pytest.mark.parametrize("all_articles", [False, True])
def test_parallel_and_serial_exports_are_the_same_bytes(
        store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, all_articles: bool) -> None:
    monkeypatch.setattr(export_store, "PARALLEL_FROM", 10**9)
    serial = tmp_path / "serial.jsonl"
    count = run_export(store, serial, "native", all_articles, None, False)
    monkeypatch.setattr(export_store, "PARALLEL_FROM", 0)
    monkeypatch.setattr(export_store.os, "cpu_count", lambda: 2)
    parallel = tmp_path / "parallel.jsonl"
    assert run_export(store, parallel, "native", all_articles, None, False) == count
    assert parallel.read_bytes() == serial.read_bytes()
    assert count == (60 if all_articles else 39)
    assert b'"s:8"' not in serial.read_bytes() and b'"start":8' in serial.read_bytes()


def test_a_damaged_shard_stops_the_parallel_export(store: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_store, "PARALLEL_FROM", 0)
    monkeypatch.setattr(export_store.os, "cpu_count", lambda: 2)
    shard = store.with_name("gold.json.shards") / shard_name(shard_of("art7", SHARDS))
    data = bytearray(shard.read_bytes())
    data[-20] ^= 0x01
    shard.write_bytes(bytes(data))
    out = tmp_path / "out.jsonl"
    with pytest.raises(StoreError, match=f"{shard.name}: damaged shard"):
        run_export(store, out, "native", True, None, False)
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl.*"))
