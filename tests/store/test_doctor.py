"""`byline doctor`: diagnosis reads only; repair keeps damaged files aside and rebuilds
the store from its last good state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.store.helpers import added, flip, journal, shard_file
from tui.store.doctor import diagnose, repair
from tui.store.gold import GoldStore, StoreError

ROOT = Path(__file__).resolve().parents[2]


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path.parent)): p.read_bytes()
            for p in sorted(path.parent.rglob("*")) if p.is_file()}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A store with three compactions (so backups) of decisions on six articles."""
    store_path = tmp_path / "gold.json"
    for round_ in range(3):
        with GoldStore.open(store_path) as store:
            for n in range(6):
                store.save_items(f"art{n}", "ana", "h", {f"s:{round_}": added(round_)})
    return store_path


def items(path: Path, article_id: str) -> set[str]:
    with GoldStore.open(path, read_only=True) as store:
        record = store.annotation(article_id, "ana")
        return set() if record is None else set(record.items)


def byline(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BYLINE_CONFIG": os.devnull, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_a_healthy_store(path: Path) -> None:
    report = diagnose(path)
    assert report.healthy, report.problems
    result = byline("doctor", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "healthy" in result.stdout and "3 backup(s)" in result.stdout


def test_diagnosis_writes_nothing_and_repair_restores_a_shard_from_its_backup(
        path: Path) -> None:
    shard = shard_file(path, "art2")
    flip(shard, shard.stat().st_size - 30)
    before = tree(path)
    result = byline("doctor", "--db", str(path))
    assert result.returncode == 1
    assert f"problem: {shard}: damaged shard" in result.stdout
    assert "--repair" in result.stdout
    assert tree(path) == before
    with pytest.raises(StoreError, match="damaged shard"), GoldStore.open(path) as store:
        store.annotation("art2", "ana")

    result = byline("doctor", "--db", str(path), "--repair")
    assert result.returncode == 0, result.stderr
    assert f"repaired: {shard.name} from the backup" in result.stdout
    assert items(path, "art2") == {"s:0", "s:1"}  # the last compaction's decision is lost
    assert items(path, "art3") == {"s:0", "s:1", "s:2"}  # other shards untouched
    aside = [p for p in path.parent.iterdir() if p.name.startswith("gold.json.damaged-")]
    assert len(aside) == 1
    kept = aside[0] / f"gold.json.shards-{shard.name}"
    assert kept.read_bytes() == before[f"gold.json.shards/{shard.name}"]
    assert diagnose(path).healthy


def test_a_shard_without_a_good_backup_is_emptied_and_said_lost(path: Path) -> None:
    shard = shard_file(path, "art4")
    for folder in path.with_name("gold.json.backups").iterdir():
        (folder / shard.name).unlink(missing_ok=True)
    shard.write_bytes(b"")
    lines: list[str] = []
    repair(path, echo=lines.append)
    assert any(line.startswith(f"lost: {shard.name} had no good copy") and
               "1 annotation record(s)" in line for line in lines)
    assert items(path, "art4") == set()
    assert items(path, "art5") == {"s:0", "s:1", "s:2"}


def test_an_empty_index_is_rebuilt_from_the_shards_without_loss(path: Path) -> None:
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="zero bytes"):
        GoldStore.open(path)
    assert path.read_bytes() == b""  # never overwritten by byline itself
    repair(path, echo=lambda _: None)
    for n in range(6):
        assert items(path, f"art{n}") == {"s:0", "s:1", "s:2"}


def test_a_damaged_journal_line_loses_only_that_step(path: Path) -> None:
    store = GoldStore.open(path)
    for n in range(3, 6):
        store.save_items("art0", "ana", "h", {f"s:{n}": added(n)})
    store.close_quietly()
    lines = journal(path).read_bytes().split(b"\n")
    lines[1] = lines[1][:-3] + b"xx}"
    journal(path).write_bytes(b"\n".join(lines))
    with pytest.raises(StoreError, match="line 2 of 3 is damaged"):
        GoldStore.open(path)
    report = diagnose(path)
    assert any("line 2 is damaged" in p for p in report.problems)
    lines_out: list[str] = []
    repair(path, echo=lines_out.append)
    assert any(line.startswith("lost: journal line 2 (") for line in lines_out), lines_out
    assert items(path, "art0") == {"s:0", "s:1", "s:2", "s:3", "s:5"}


def test_repair_waits_for_the_writer(path: Path) -> None:
    with GoldStore.open(path) as store:
        store.save_items("art0", "ana", "h", {"s:9": added(9)})
        shard_file(path, "art1").write_bytes(b"{}")
        report = diagnose(path)
        assert any(f"process {os.getpid()}" in note for note in report.notes)
        with pytest.raises(StoreError, match="in use"):
            repair(path)
