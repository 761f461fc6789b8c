"""`byline doctor`: say what is wrong with a gold store, and repair it from the last
good state without ever destroying a file.

`diagnose` only reads. `repair` takes the store's lock, moves every damaged
file into `NAME.damaged-STAMP/` (nothing is deleted), and rebuilds:

- a damaged or missing shard from the newest backup copy that passes its
  checks (the decisions made since that backup and already compacted are
  lost, and said so); with no good copy, the shard starts empty;
- the index from the shards themselves (it holds nothing else);
- the journal from its undamaged lines (each line is checked on its own, so
  only the damaged steps are dropped).

Then the store is opened as byline opens it (replaying and compacting the
journal), to prove the repair.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tui.atomic import atomic_write_bytes, temp_files
from tui.store.gold import (
    INDEX,
    SHARDS,
    GoldStore,
    OpenedIndex,
    StoreError,
    backups,
    index_meta,
    journal_path,
    lock_holder,
    read_index,
    read_shard,
    shard_meta,
    shards_dir,
)
from tui.store.journal import decode_line
from tui.store.shard import ShardIndex, ShardState, shard_name
from tui.store.storage import encode_checked


@dataclass
class Report:
    """What the doctor found (`problems`) and did or would do (`notes`)."""

    path: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [f"problem: {line}" for line in self.problems]
        out += [f"ok: {line}" if not line.startswith(("repaired", "lost", "kept"))
                else line for line in self.notes]
        return out


@dataclass
class _Shard:
    number: int
    path: Path
    state: ShardState | None = None
    digest: str | None = None
    error: str | None = None


def _shard_number(name: str) -> int | None:
    stem, dot, ext = name.partition(".")
    if ext != "json" or not dot or name.startswith("."):
        return None
    try:
        return int(stem, 16)
    except ValueError:
        return None


def _scan_shards(path: Path) -> dict[int, _Shard]:
    found: dict[int, _Shard] = {}
    folder = shards_dir(path)
    if not folder.is_dir():
        return found
    for entry in sorted(folder.iterdir()):
        number = _shard_number(entry.name)
        if number is None:
            continue
        shard = found[number] = _Shard(number, entry)
        try:
            shard.state, shard.digest = read_shard(entry, number, deep=True)
        except (StoreError, OSError) as error:
            shard.error = str(error)
    return found


def _journal_lines(path: Path) -> tuple[list[bytes], list[int], bool]:
    """(good lines, numbers of damaged lines, torn tail) of the journal."""
    try:
        raw = journal_path(path).read_bytes()
    except FileNotFoundError:
        return [], [], False
    lines = raw.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    good: list[bytes] = []
    damaged: list[int] = []
    for number, line in enumerate(complete, 1):
        if decode_line(line) is None:
            damaged.append(number)
        else:
            good.append(line)
    return good, damaged, bool(tail)


def diagnose(path: Path) -> Report:
    """Read every file of the store at `path` and report what is wrong; writes nothing."""
    report = Report(path)
    holder = lock_holder(path)
    if holder is not None:
        report.notes.append(f"in use by byline process {holder} (close it before --repair)")
    index: OpenedIndex | None = None
    if not path.exists():
        report.problems.append(f"{path}: missing")
    else:
        try:
            index = read_index(path)
        except StoreError as error:
            report.problems.append(str(error).removesuffix("; see byline doctor"))
    if index is not None and index.legacy:
        report.notes.append(f"{path}: schema 1, upgraded when byline next opens it")
        return _journal_report(path, report)
    shards = _scan_shards(path)
    listed = {} if index is None else {n: i for n, i in index.indices.items() if i.sha256}
    for number, shard in sorted(shards.items()):
        if shard.error is not None:
            report.problems.append(shard.error.removesuffix("; see byline doctor"))
        elif index is not None and number not in listed:
            report.problems.append(f"{shard.path}: a shard the index does not list")
        elif index is not None and listed[number].sha256 != shard.digest:
            report.problems.append(f"{shard.path}: not the shard the index records")
    for number in sorted(set(listed) - set(shards)):
        report.problems.append(f"{shards_dir(path) / shard_name(number)}: missing "
                               f"(the index lists it)")
    good = [s for s in shards.values() if s.state is not None]
    articles = sum(len(s.state.articles) for s in good if s.state)
    records = sum(s.state.records() for s in good if s.state)
    report.notes.append(f"{len(good)} good shard(s): {articles} article(s), "
                        f"{records} annotation record(s)")
    return _journal_report(path, report)


def _journal_report(path: Path, report: Report) -> Report:
    good, damaged_lines, torn = _journal_lines(path)
    for number in damaged_lines:
        report.problems.append(f"{journal_path(path)}: line {number} is damaged")
    if torn:
        report.notes.append(f"{journal_path(path)}: ends in a torn line (an unfinished save; "
                            f"dropped when byline opens the store)")
    report.notes.append(f"journal: {len(good)} step(s) not yet compacted")
    leftovers = [*temp_files(path), *shards_dir(path).glob(".*.tmp")]
    if leftovers:
        report.notes.append(f"{len(leftovers)} temporary file(s) of an interrupted compaction "
                            f"(removed when byline opens the store)")
    kept = backups(path)
    report.notes.append(f"{len(kept)} backup(s)" + (f", newest {kept[0].name}" if kept else ""))
    return report


def repair(path: Path, echo: Callable[[str], None] = print) -> Report:
    """Repair the store at `path` (see the module docstring); raises `StoreError` if it
    is in use or cannot be repaired."""
    report = diagnose(path)
    if report.healthy:
        report.notes.append("nothing to repair")
        return report
    holder = lock_holder(path)
    if holder is not None:
        raise StoreError(f"{path} is in use by another byline (process {holder}); close it "
                         f"first")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    aside.mkdir(exist_ok=True)
    fixed = Report(path, notes=[])

    def move_aside(file: Path) -> None:
        target = aside / (file.name if file.parent == path.parent else
                          f"{file.parent.name}-{file.name}")
        shutil.copy2(file, target)
        fixed.notes.append(f"kept a copy: {file} -> {target}")

    # The journal: keep every line that passes its check.
    good_lines, damaged_lines, _ = _journal_lines(path)
    if damaged_lines:
        move_aside(journal_path(path))
        atomic_write_bytes(journal_path(path), b"".join(line + b"\n" for line in good_lines))
        fixed.notes.append(f"lost {len(damaged_lines)} damaged journal step(s) "
                           f"(lines {', '.join(map(str, damaged_lines))})")
    try:
        old_index: OpenedIndex | None = read_index(path)
    except StoreError:
        old_index = None
        if path.exists():
            move_aside(path)
    if old_index is not None and old_index.legacy:
        raise StoreError(f"{path}: a schema 1 store; open it with byline to upgrade it first")
    shards = _scan_shards(path)
    listed = {} if old_index is None else old_index.indices
    wanted = set(shards) | {n for n, i in listed.items() if i.sha256}
    folder = shards_dir(path)
    folder.mkdir(exist_ok=True)
    indices: dict[int, ShardIndex] = {}
    for number in sorted(wanted):
        shard = shards.get(number)
        file = folder / shard_name(number)
        if shard is not None and shard.state is not None:
            state = shard.state  # good as it is: kept, and the index rebuilt from it
        else:
            if shard is not None:
                move_aside(file)
            restored = _from_backup(path, number)
            if restored is not None:
                state, source = restored
                fixed.notes.append(f"repaired: {file.name} from the backup {source}; "
                                   f"decisions compacted into it after that backup are lost")
            else:
                state = ShardState.empty()
                lost = listed.get(number, ShardIndex())
                fixed.notes.append(f"lost: {file.name} had no good backup; it held "
                                   f"{len(lost.articles)} article(s) and "
                                   f"{len(lost.annotations)} annotation record(s)")
            raw, _ = encode_checked(shard_meta(number), state.tables)
            atomic_write_bytes(file, raw)
        index = state.index()
        _, index.sha256 = read_shard(file, number)
        index.size = file.stat().st_size
        indices[number] = index
    if path.exists() and old_index is not None:
        move_aside(path)
    shards_count = SHARDS if old_index is None else old_index.shards
    docs = {str(i): index.to_doc(number)
            for i, (number, index) in enumerate(sorted(indices.items()), 1)}
    data, _ = encode_checked(index_meta(shards_count), {INDEX: docs})
    atomic_write_bytes(path, data)
    fixed.notes.append(f"repaired: rebuilt the index from {len(indices)} shard(s)")
    with GoldStore.open(path) as store:
        records = sum(1 for _ in store.annotators())
    fixed.notes.append(f"the store opens: {records} annotator(s); damaged files kept in {aside}")
    for line in fixed.notes:
        echo(line)
    return fixed


def _from_backup(path: Path, number: int) -> tuple[ShardState, str] | None:
    """The newest backup copy of shard `number` that passes its checks."""
    name = shard_name(number)
    for folder in backups(path):
        candidate = folder / name
        if not candidate.exists():
            continue
        try:
            state, _ = read_shard(candidate, number)
        except (StoreError, OSError):
            continue
        return state, folder.name
    return None
