"""`byline doctor`: say what is wrong with a gold store, and repair it from the newest good
data without ever destroying a file.

`diagnose` only reads; it reads a consistent state even while a writer
compacts (it starts again if the index changed under it), and tells what a
writer will finish by itself (an interrupted compaction, a torn last line, an
unfinished import) from what is damage.

`repair` takes the store's write lock, copies every file it will replace
into `NAME.damaged-STAMP/` (nothing is deleted), and rebuilds:

- each shard from the newest good copy there is: the file itself where it is
  the one the index records or newer than the index; else the copy in the
  backups that the index records; else the newest good copy of any; a shard
  whose items are malformed keeps its good records and loses only the
  malformed ones; with no good copy at all, the shard starts empty. Every
  record that differs from what the index recorded is named;
- the journal's good steps are applied to those shards (a damaged line, a
  malformed step and an unfinished import are dropped, and said so), so the
  journal ends up empty;
- the index from the shards (it holds nothing else), also when the index and
  the journal are gone and only the shards are left.

Then the store is opened as byline opens it, to prove the repair.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from tui.atomic import atomic_write_bytes, temp_files
from tui.store.gold import (
    INDEX,
    SHARDS,
    GoldStore,
    OpenedIndex,
    ShardFile,
    StoreError,
    backups,
    index_meta,
    plan_replay,
    read_index,
    read_shard,
    read_steadily,
    shard_meta,
    writer_alive,
)
from tui.store.journal import JournalError, decode_line, encode_step, parse_journal
from tui.store.layout import (
    backups_dir,
    journal_path,
    linked_parts,
    lock_path,
    read_regular,
    shards_dir,
)
from tui.store.lock import LockBusy, WriterLock, lock_holder, read_mark
from tui.store.shard import (
    AnnotationSummary,
    Doc,
    Invalid,
    ShardIndex,
    ShardState,
    shard_name,
    shard_of,
    step_article,
)
from tui.store.storage import decode_checked, encode_checked
from tui.store.validate import check_article, check_item, check_suggestions, check_text


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
    """One shard file as found: read and checked, or the reason it could not be."""

    number: int
    path: Path
    found: ShardFile | None = None
    error: str | None = None


@dataclass
class _Journal:
    """The journal as the doctor reads it: each line on its own."""

    good: list[tuple[int, Doc]] = field(default_factory=list)
    damaged: list[tuple[int, str]] = field(default_factory=list)
    torn: bool = False
    unfinished: list[int] = field(default_factory=list)
    numbering: str | None = None


def _shard_number(name: str) -> int | None:
    stem, dot, ext = name.partition(".")
    if ext != "json" or not dot or name.startswith("."):
        return None
    try:
        return int(stem, 16)
    except ValueError:
        return None


class _Unlisted(StoreError):
    """The shards folder cannot be listed."""


def _scan_shards(path: Path) -> dict[int, _Shard]:
    """Every shard file of the store, read and checked (`_Unlisted` where the folder
    cannot be listed)."""
    found: dict[int, _Shard] = {}
    folder = shards_dir(path)
    if not folder.is_dir():
        return found
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        raise _Unlisted(f"{folder}: cannot be listed ({error.strerror or error})") from None
    for entry in entries:
        number = _shard_number(entry.name)
        if number is None:
            continue
        shard = found[number] = _Shard(number, entry)
        try:
            shard.found = read_shard(entry, number, deep=True)
        except (StoreError, OSError) as error:
            shard.error = str(error).removesuffix("; see byline doctor")
    return found


_FIELD = re.compile(r'"(op|article_id|id|annotator)":"((?:[^"\\]|\\.){0,80})"')


def _describe(line: bytes) -> str:
    """What a damaged journal line seems to have been, from what can still be read of it
    (its fields are found one by one, so one bad byte does not hide the rest)."""
    fields: dict[str, str] = {}
    for key, value in _FIELD.findall(line.decode("utf-8", "replace")):
        try:
            fields.setdefault(key, json.loads(f'"{value}"'))
        except ValueError:
            continue
    op = fields.get("op")
    article = fields.get("article_id", fields.get("id"))
    parts = [f"an {op} step" if op in ("items", "article") else
             f"a {op} step" if op else f"{len(line)} bytes, unreadable"]
    if article is not None:
        parts.append(f"of article {article!r}")
    if "annotator" in fields:
        parts.append(f"by {fields['annotator']!r}")
    return " ".join(parts)


def _read_journal(path: Path, index_seq: int | None, mark: int | None = -1) -> _Journal:
    """Every line of the journal checked on its own (its checksum and its shape), then
    their numbers against the index's (`index_seq`; None where there is no index to go
    by: the first number found is taken as the start) and the lock's mark (read from the
    lock file when no writer is open, unless given)."""
    result = _Journal()
    try:
        raw = read_regular(journal_path(path))
    except FileNotFoundError:
        return result
    except OSError as error:
        result.damaged.append((0, f"cannot be read ({error.strerror or error})"))
        return result
    lines = raw.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    result.torn = bool(tail)
    scratch = ShardState.empty()
    for number, line in enumerate(complete, 1):
        step = decode_line(line)
        if step is None:
            result.damaged.append((number, _describe(line)))
            continue
        if step.get("op") not in ("begin", "commit"):
            try:
                scratch.check(step)
            except Invalid as error:
                result.damaged.append((number, f"a malformed step ({error})"))
                continue
        result.good.append((number, step))
    # Numbering, batches and the lock's mark, on the lines that passed (where some were
    # damaged, their loss is what is reported).
    if index_seq is None:
        first = next((step["n"] for _, step in result.good if isinstance(step.get("n"), int)),
                     1)
        index_seq = max(first - 1, 0)
    good_bytes = b"".join(encode_step(step) for _, step in result.good)
    if mark == -1:
        mark = None if writer_alive(path) else read_mark(lock_path(path))
    if result.damaged:
        mark = None
    try:
        parsed = parse_journal(good_bytes, str(journal_path(path)))
        replay = plan_replay(parsed, index_seq, str(journal_path(path)), mark)
    except JournalError as error:
        if not result.damaged:
            result.numbering = str(error)
        return result
    if replay.unfinished:
        kept = {number for number, _ in replay.steps}
        result.unfinished = [number for number, step in result.good
                             if number not in kept and step.get("op") not in ("begin", "commit")]
    return result


def _read_index(path: Path, report: Report) -> OpenedIndex | None:
    if not path.exists():
        if shards_dir(path).is_dir():
            report.problems.append(f"{path}: missing (repair rebuilds it from the shards)")
        else:
            report.problems.append(f"{path}: missing")
        return None
    try:
        return read_index(path)
    except StoreError as error:
        report.problems.append(str(error).removesuffix("; see byline doctor"))
        return None


def diagnose(path: Path) -> Report:
    """Read every file of the store at `path` and report what is wrong; writes nothing."""
    try:
        return read_steadily(path, lambda: _diagnose_once(path))
    except StoreError as error:  # a writer compacted under every read
        report = Report(path)
        report.problems.append(str(error))
        return report


def _diagnose_once(path: Path) -> Report:
    report = Report(path)
    holder = lock_holder(path)
    if holder is not None:
        report.notes.append(f"in use by byline process {holder} (close it before --repair)")
    for part in linked_parts(path):
        report.problems.append(f"{part}: a symlink; a store's journal, lock and folders must "
                               f"be its own (remove the link, then repair)")
    index = _read_index(path, report)
    if index is not None and index.legacy:
        report.notes.append(f"{path}: schema 1, upgraded when byline next opens it")
        _journal_report(path, report, _read_journal(path, 0))
        return report
    journal = _read_journal(path, None if index is None else index.seq)
    touched = set()
    for _, step in journal.good:
        with contextlib.suppress(Invalid):
            touched.add(shard_of(step_article(step), SHARDS if index is None else index.shards))
    try:
        shards = _scan_shards(path)
    except _Unlisted as error:
        report.problems.append(f"{error} (byline cannot read the store either)")
        _journal_report(path, report, journal)
        return report
    listed = {} if index is None else {n: i for n, i in index.indices.items() if i.sha256}
    newer = 0
    for number, shard in sorted(shards.items()):
        entry = listed.get(number)
        if shard.error is not None:
            report.problems.append(shard.error)
        elif shard.found is None or index is None or (
                entry is not None and shard.found.sha256 == entry.sha256):
            continue
        elif shard.found.seq > index.seq and (number in touched or holder is not None):
            newer += 1  # written by a compaction the journal will finish, or under way
        elif shard.found.seq > index.seq:
            report.problems.append(f"{shard.path}: newer than the index, and the journal does "
                                   f"not hold its steps (repair keeps it and rebuilds the "
                                   f"index)")
        elif entry is None:
            report.problems.append(f"{shard.path}: a shard the index does not list")
        else:
            report.problems.append(f"{shard.path}: not the shard the index records (an older "
                                   f"or edited copy; repair restores the one it records)")
    if newer and holder is not None:
        report.notes.append(f"{newer} shard(s) newer than the index: a compaction is under way")
    elif newer:
        report.notes.append(f"{newer} shard(s) written by a compaction that did not finish "
                            f"(byline finishes it when it next opens the store)")
    for number in sorted(set(listed) - set(shards)):
        report.problems.append(f"{shards_dir(path) / shard_name(number)}: missing "
                               f"(the index lists it)")
    good = [s.found for s in shards.values() if s.found is not None]
    articles = sum(len(f.state.articles) for f in good)
    records = sum(f.state.records() for f in good)
    report.notes.append(f"{len(good)} good shard(s): {articles} article(s), "
                        f"{records} annotation record(s)")
    _journal_report(path, report, journal)
    return report


def _journal_report(path: Path, report: Report, journal: _Journal) -> None:
    name = journal_path(path)
    for number, what in journal.damaged:
        where = f"line {number}" if number else "the journal"
        report.problems.append(f"{name}: {where} is damaged ({what})")
    if journal.numbering is not None:
        report.problems.append(journal.numbering)
    if journal.torn:
        report.notes.append(f"{name}: ends in a torn line (an unfinished save, never "
                            f"acknowledged; dropped when byline opens the store)")
    if journal.unfinished:
        report.notes.append(f"{name}: an import that did not finish ({len(journal.unfinished)} "
                            f"step(s), left out when byline opens the store)")
    steps = sum(1 for _, step in journal.good if step.get("op") not in ("begin", "commit"))
    report.notes.append(f"journal: {steps} step(s) not yet compacted")
    leftovers = [*temp_files(path), *shards_dir(path).glob(".*.tmp")]
    if leftovers:
        report.notes.append(f"{len(leftovers)} temporary file(s) of an interrupted compaction "
                            f"(removed when byline opens the store)")
    kept = backups(path)
    complete = [p for p in kept if not p.name.endswith(".partial")]
    report.notes.append(f"{len(complete)} backup(s)"
                        + (f", newest {complete[0].name}" if complete else "")
                        + (f"; {len(kept) - len(complete)} of compactions that did not finish"
                           if len(kept) > len(complete) else ""))


# ------------------------------------------------------------------------ repair


def repair(path: Path, echo: Callable[[str], None] = print) -> Report:
    """Repair the store at `path` (see the module docstring); raises `StoreError` if it
    is in use or cannot be repaired."""
    report = diagnose(path)
    if report.healthy:
        report.notes.append("nothing to repair")
        return report
    linked = linked_parts(path)
    if linked:
        raise StoreError(f"{linked[0]}: a symlink, which a repair will not follow or replace "
                         f"(it may be another store's); remove the link first")
    try:
        lock = WriterLock(path)
    except LockBusy as busy:
        raise StoreError(f"{path} is in use by another byline (process {busy.holder}); close "
                         f"it first") from None
    except OSError as error:
        raise StoreError(f"{lock_path(path)}: cannot lock the store "
                         f"({error.strerror or error})") from None
    try:
        fixed = _Repair(path, lock).run()
    except OSError as error:  # a full or failing disk: say which file, and what to do
        where = error.filename or "a file of the store"
        raise StoreError(f"{where}: cannot write ({error.strerror or error}); the files "
                         f"rewritten so far are kept aside, and the repair can be run again "
                         f"once the disk has room") from None
    finally:
        lock.release()
    with GoldStore.open(path) as store:
        annotators = len(store.annotators())
    kept = (f"; the files replaced are kept in {fixed.aside}" if fixed.aside.exists()
            else "")
    fixed.notes.append(f"the store opens: {annotators} annotator(s){kept}")
    for line in fixed.notes:
        echo(line)
    return fixed


@dataclass
class _Repaired(Report):
    aside: Path = Path()


class _Repair:
    """One repair, under the store's write lock."""

    def __init__(self, path: Path, lock: WriterLock) -> None:
        self.path = path
        self.lock = lock
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        self.aside = path.with_name(f"{path.name}.damaged-{stamp}")
        self._made = False
        self.fixed = _Repaired(path, notes=[], aside=self.aside)

    def keep_aside(self, file: Path) -> None:
        """Copy `file` into the aside folder before it is replaced."""
        if not file.is_file():
            return
        if not self._made:  # a folder of its own, never one an earlier repair made
            for n in range(1, 1000):
                try:
                    self.aside.mkdir()
                    break
                except FileExistsError:
                    self.aside = self.aside.with_name(f"{self.aside.name.split('~')[0]}~{n}")
            self._made = True
            self.fixed.aside = self.aside
        target = self.aside / (file.name if file.parent == self.path.parent else
                               f"{file.parent.name}-{file.name}")
        try:
            shutil.copy2(file, target)
        except OSError as error:
            if error.filename is None:
                error.filename = str(target)
            raise

    def run(self) -> _Repaired:
        path = self.path
        notes = self.fixed.notes
        try:
            index: OpenedIndex | None = read_index(path)
        except StoreError:
            index = None
        if index is not None and index.legacy:
            raise StoreError(f"{path}: a schema 1 store; open it with byline to upgrade it first")
        shards_count = SHARDS if index is None else index.shards
        listed = {} if index is None else index.indices
        scanned = _scan_shards(path)
        numbers = set(scanned) | {n for n, i in listed.items() if i.sha256}
        chosen: dict[int, ShardFile] = {}
        for number in sorted(numbers):
            chosen[number] = self.choose(number, scanned.get(number), listed.get(number),
                                         0 if index is None else index.seq)
        seq = max([0 if index is None else index.seq, *(f.seq for f in chosen.values())])
        journal = _read_journal(path, None if index is None else index.seq, self.lock.mark)
        for number, what in journal.damaged:
            notes.append(f"lost: journal line {number} ({what})" if number
                         else f"lost: the journal ({what})")
        if journal.unfinished:
            notes.append(f"lost: an import that did not finish ({len(journal.unfinished)} "
                         f"step(s) of the journal)")
        if journal.numbering is not None and "missing" in journal.numbering:
            notes.append(f"lost: what the journal no longer holds ({journal.numbering})")
        seq = max(seq, self.replay(journal, chosen, shards_count))
        self.write(chosen, shards_count, seq)
        return self.fixed

    def choose(self, number: int, shard: _Shard | None, entry: ShardIndex | None,
               index_seq: int) -> ShardFile:
        """The newest good copy of shard `number` (see the module docstring)."""
        name = shard_name(number)
        notes = self.fixed.notes
        current = None if shard is None else shard.found
        if current is not None and (entry is None or entry.sha256 is None
                                    or current.sha256 == entry.sha256
                                    or current.seq > index_seq):
            return current
        copies = [(f"the backup {folder.name}", copy)
                  for folder, copy in _backup_copies(self.path, number)]
        if entry is not None and entry.sha256 is not None:
            for where, copy in copies:
                if copy.sha256 == entry.sha256:
                    notes.append(f"repaired: {name} from {where} (the version the index "
                                 f"records)")
                    return copy
        candidates = [("the file itself", current)] if current is not None else []
        dropped: list[str] = []
        if shard is not None and shard.error is not None:
            salvaged = _salvage(shard.path, number)
            if salvaged is not None:
                found, dropped = salvaged
                candidates.append(("the file itself, without what is malformed", found))
        candidates += copies  # newest folder first: max() keeps the first of equal steps
        if not candidates:
            lost = entry or ShardIndex()
            notes.append(f"lost: {name} had no good copy; it held {len(lost.articles)} "
                         f"article(s) and {len(lost.annotations)} annotation record(s)")
            return ShardFile(ShardState.empty(), "", 0)
        where, best = max(candidates, key=lambda c: c[1].seq)
        line = f"repaired: {name} from {where} (the newest good copy)"
        if dropped and where.startswith("the file itself, without"):
            line += (f"; lost {len(dropped)} malformed part(s): {'; '.join(dropped[:5])}"
                     + (" ..." if len(dropped) > 5 else ""))
        notes.append(line + self.losses(entry, best.state))
        return best

    @staticmethod
    def losses(entry: ShardIndex | None, state: ShardState) -> str:
        """What the kept copy lacks of what the index recorded, in words."""
        if entry is None:
            return ""
        kept = state.index().annotations
        differ = [(who, article) for (who, article), summary in entry.annotations.items()
                  if kept.get((who, article)) != summary]
        if not differ:
            return "; nothing the index records is lost"
        shown = ", ".join(f"{article!r} by {who!r}" for who, article in differ[:5])
        more = " ..." if len(differ) > 5 else ""
        return (f"; lost the decisions compacted after it on {len(differ)} record(s): "
                f"{shown}{more}")

    def replay(self, journal: _Journal, chosen: dict[int, ShardFile], shards: int) -> int:
        """Apply the journal's good steps to the chosen shards, each step only where the
        shard does not take it in already; return the last step number applied."""
        last = 0
        skip_from = set(journal.unfinished)
        dropped = 0
        for number, step in _in_step_order(journal.good, self.fixed.notes):
            n = step.get("n")
            if isinstance(n, int):
                last = max(last, n)
            if number in skip_from or step.get("op") in ("begin", "commit"):
                continue
            try:
                shard = shard_of(step_article(step), shards)
            except Invalid:
                dropped += 1
                continue
            found = chosen.get(shard)
            if found is None:
                found = chosen[shard] = ShardFile(ShardState.empty(), "", 0)
            if isinstance(n, int) and n <= found.seq:
                continue  # the shard file already holds it
            index = ShardIndex()
            try:
                found.state.apply(step, index)
            except Invalid:
                dropped += 1
                continue
            chosen[shard] = ShardFile(found.state, "", found.seq)  # changed: to be written
        if dropped:
            self.fixed.notes.append(f"lost: {dropped} journal step(s) that fit no shard")
        if journal.good or journal.damaged:
            self.fixed.notes.append(f"repaired: the journal's {len(journal.good)} good line(s) "
                                    f"are now in the shards; the journal is empty")
        return last

    def write(self, chosen: dict[int, ShardFile], shards: int, seq: int) -> None:
        """Write every shard that is not its file as it is, the index, and an empty journal."""
        path = self.path
        folder = shards_dir(path)
        folder.mkdir(exist_ok=True)
        indices: dict[int, ShardIndex] = {}
        for number, found in sorted(chosen.items()):
            file = folder / shard_name(number)
            current = _digest_of(file)
            if found.sha256 and current == found.sha256:
                data_seq, digest, size = found.seq, found.sha256, file.stat().st_size
            else:
                self.keep_aside(file)
                data_seq = seq if not found.sha256 else found.seq
                data, digest = encode_checked({**shard_meta(number), "seq": data_seq},
                                              found.state.tables)
                _write_file(file, data)
                size = len(data)
            index = found.state.index()
            index.sha256, index.size, index.seq = digest, size, data_seq
            indices[number] = index
        self.keep_aside(path)
        docs = {str(i): index.to_doc(number)
                for i, (number, index) in enumerate(sorted(indices.items()), 1)}
        data, _ = encode_checked({**index_meta(shards), "seq": seq}, {INDEX: docs})
        _write_file(path, data)
        self.fixed.notes.append(f"repaired: rebuilt the index from {len(indices)} shard(s)")
        journal = journal_path(path)
        if journal.exists() and journal.stat().st_size:
            self.keep_aside(journal)
            _write_file(journal, b"")
        self.lock.reset_mark(seq)
        with contextlib.suppress(OSError):
            backups_dir(path).mkdir(exist_ok=True)


def _write_file(file: Path, data: bytes) -> None:
    """Replace `file` atomically; an error names it."""
    try:
        atomic_write_bytes(file, data)
    except OSError as error:
        if error.filename is None:
            error.filename = str(file)
        raise


def _in_step_order(lines: list[tuple[int, Doc]], notes: list[str]
                   ) -> list[tuple[int, Doc]]:
    """The journal's good lines in the order of their step numbers (lines moved about, by
    hand or by a tool, must not let an older decision overwrite a newer one), each step
    once; unnumbered lines (an older byline's) first, in file order."""
    plain = [(number, step) for number, step in lines if not isinstance(step.get("n"), int)]
    numbered = sorted(((number, step) for number, step in lines
                       if isinstance(step.get("n"), int)), key=lambda line: line[1]["n"])
    kept: list[tuple[int, Doc]] = []
    seen: dict[int, tuple[int, Doc]] = {}
    moved = any(a[0] > b[0] for a, b in pairwise(numbered))
    for number, step in numbered:
        first = seen.get(step["n"])
        if first is None:
            seen[step["n"]] = (number, step)
            kept.append((number, step))
        elif first[1] != step:
            notes.append(f"lost: journal line {number} (step {step['n']} again, but not as "
                         f"line {first[0]} has it: line {first[0]} kept)")
    if moved or len(kept) < len(numbered):
        notes.append("repaired: journal steps out of order or repeated were applied in the "
                     "order of their numbers, each once")
    return plain + kept


def _digest_of(file: Path) -> str | None:
    try:
        _, _, digest = decode_checked(file, read_regular(file))
    except (OSError, ValueError):
        return None
    return digest


def _backup_copies(path: Path, number: int) -> list[tuple[Path, ShardFile]]:
    """Every good copy of shard `number` in the backups, newest folder first."""
    found = []
    for folder in backups(path):
        try:
            found.append((folder, read_shard(folder / shard_name(number), number)))
        except (OSError, StoreError):
            continue
    return found


def _salvage(file: Path, number: int) -> tuple[ShardFile, list[str]] | None:
    """A shard file whose checksum holds but some of whose documents or items are
    malformed: its good part, and a description of each part dropped. (A file that
    fails its checksum is never read as data: None.)"""
    try:
        meta, tables, _ = decode_checked(file, read_regular(file))
    except (OSError, ValueError):
        return None
    if meta.get("shard") != number:
        return None
    dropped: list[str] = []
    clean: dict[str, dict[str, Any]] = {"articles": {}, "suggestions": {}, "annotations": {}}
    sizes: dict[tuple[str, str], int] = {}
    for table in clean:
        docs = tables.get(table, {})
        if not isinstance(docs, dict):
            dropped.append(f"the table {table}")
            continue
        for doc_id, doc in docs.items():
            try:
                if not (isinstance(doc_id, str) and doc_id.isdigit() and isinstance(doc, dict)):
                    raise Invalid("not a TinyDB document")
                doc = _clean_doc(table, doc, sizes, dropped)
            except Invalid as error:
                dropped.append(f"{table} document {doc_id} ({error})")
                continue
            clean[table][doc_id] = doc
    try:
        state = ShardState(clean)
    except Invalid as error:  # e.g. a document repeated: keep nothing rather than guess
        dropped.append(f"the whole shard ({error})")
        state = ShardState.empty()
    seq = meta.get("seq")
    return ShardFile(state, "", seq if isinstance(seq, int) else 0), dropped


def _clean_doc(table: str, doc: Doc, sizes: dict[tuple[str, str], int],
               dropped: list[str]) -> Doc:
    """`doc` checked (raises `Invalid`); an annotation keeps its well-formed items only."""
    if table == "articles":
        check_article(doc)
        sizes[(doc["id"], doc["text_hash"])] = len(doc["text"])
        return doc
    if table == "suggestions":
        key = (check_text(doc.get("article_id"), "an article id"),
               check_text(doc.get("text_hash"), "a text hash"))
        check_text(doc.get("model_spec"), "a model spec", empty=True)
        if not isinstance(doc.get("seq"), int):
            raise Invalid("no seq")
        check_suggestions(doc.get("data"), sizes.get(key))
        return doc
    article_id = check_text(doc.get("article_id"), "an article id")
    who = check_text(doc.get("annotator"), "an annotator name")
    text_hash = check_text(doc.get("text_hash"), "a text hash")
    items = doc.get("items")
    if not isinstance(doc.get("done"), bool) or not isinstance(items, dict) or not (
            doc.get("updated") is None or isinstance(doc.get("updated"), str)):
        raise Invalid("not an annotation record")
    kept: dict[str, Any] = {}
    for item_id, item in items.items():
        try:
            check_item(item_id, item, sizes.get((article_id, text_hash)))
        except Invalid as error:
            dropped.append(f"item {item_id!r} of {article_id!r} by {who!r} ({error})")
            continue
        kept[item_id] = item
    return {**doc, "items": kept}


__all__ = ["AnnotationSummary", "Report", "diagnose", "repair"]
