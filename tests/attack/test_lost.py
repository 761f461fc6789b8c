"""Attack, class 1: decisions lost or silently ignored.

Each test does to a real store what people, tools and crashes do to files
(copy it while a writer runs, symlink or reorder its files, kill the repair
half-way, fill the disk, mount it twice) and then reads the store back through
the real CLI. The README's promises: a decision is never lost; a lost or
damaged acknowledged step is never silent; repair keeps the newest good data
and says exactly what it kept and lost; an import is all or nothing, and says
which; no command writes where it must not.

Each test began as a finding of issue 10 (byline broke the promise); all pass
now, and each keeps the class of attack from coming back.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attack.helpers import (
    LABELS,
    ROOT,
    article,
    bind,
    byline,
    crashed_writer,
    entity,
    exported,
    fill,
    labels_of,
    one_line_error,
    tmpfs,
    tree,
)
from tui.store.gold import GoldStore, journal_path, lock_path


def journal_lines(db: Path) -> list[bytes]:
    return journal_path(db).read_bytes().split(b"\n")


def write_journal(db: Path, lines: list[bytes]) -> None:
    journal_path(db).write_bytes(b"\n".join(lines))


# --------------------------------------------------- journal lines moved about


@pytest.mark.parametrize("damage", ["swap", "repeat"])
def test_repair_keeps_the_newest_decision_of_moved_journal_lines(
        tmp_path: Path, damage: str) -> None:
    """Item a:1 is given ORG, GPE, then PERSON (steps 2, 3, 4). Two lines swapped (a merge
    tool, a hand edit) or the GPE line repeated at the end (a copy appended twice): the
    store refuses to open, as it must; the repair must then keep PERSON, the last
    decision acknowledged, or name it as lost."""
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 3)
    lines = journal_lines(db)  # article, ORG, GPE, PERSON, ""
    if damage == "swap":
        lines[2], lines[3] = lines[3], lines[2]
    else:
        lines.insert(4, lines[2])
    write_journal(db, lines)
    one_line_error(byline(tmp_path, "export", "--db", db, "--all", "-o", "-"), "journal")
    repaired = byline(tmp_path, "doctor", "--db", db, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    kept = labels_of(tmp_path, db)
    assert kept == ["PERSON"] or "PERSON" in repaired.stdout, (kept, repaired.stdout)


def test_a_journal_with_crlf_line_ends_loses_nothing_on_repair(tmp_path: Path) -> None:
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 4)
    journal_path(db).write_bytes(journal_path(db).read_bytes().replace(b"\n", b"\r\n"))
    # A CRLF line end is read as a line end (docs/store.md): every step is kept,
    # by readers, by doctor, and by a repair.
    assert labels_of(tmp_path, db) == [LABELS[3]]
    checked = byline(tmp_path, "doctor", "--db", db)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    repaired = byline(tmp_path, "doctor", "--db", db, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert labels_of(tmp_path, db) == [LABELS[3]]


# --------------------------------------------------- a store copied while its writer runs

HOLDING_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tests.attack.helpers import article, entity, LABELS
    from tui.store.gold import GoldStore

    store = GoldStore.open(Path(sys.argv[1]))
    art = article("a1")
    store.put_article(art)
    for round_ in range(2):
        for label in LABELS[3 * round_:3 * round_ + 3]:
            store.save_items("a1", "ana", art.text_hash, {"a:1": entity(label)})
        print("saved", flush=True)
        sys.stdin.readline()
    store.close()
""")


def test_a_store_copied_while_its_writer_runs_is_never_read_short(tmp_path: Path) -> None:
    """`cp -r` of a store while the annotator works: the journal is copied after three
    decisions, the lock file (steps 7) after three more. The copy lacks three acknowledged
    steps; its lock file says so. Nothing holds the copy's lock."""
    db = tmp_path / "live" / "gold.json"
    copy = tmp_path / "copy" / "gold.json"
    child = subprocess.Popen([sys.executable, "-c", HOLDING_WRITER, str(db)], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdin is not None and child.stdout is not None
    try:
        assert child.stdout.readline() == "saved\n"
        shutil.copytree(db.parent, copy.parent)  # the journal so far: 4 steps
        child.stdin.write("go on\n")
        child.stdin.flush()
        assert child.stdout.readline() == "saved\n"
        shutil.copy2(lock_path(db), lock_path(copy))  # the lock, copied later: steps 7
        result = byline(tmp_path, "export", "--db", copy, "--all", "-o", "-")
        doctor = byline(tmp_path, "doctor", "--db", copy)
    finally:
        child.stdin.write("done\n")
        child.stdin.close()
        child.wait(timeout=30)
    assert labels_of(tmp_path, db) == [LABELS[5]]  # the store itself is whole
    one_line_error(result, "acknowledged")
    assert doctor.returncode == 1, doctor.stdout


# --------------------------------------------------- symlinked files beside the index


def test_a_journal_symlinked_to_another_stores_journal_loses_nothing(tmp_path: Path) -> None:
    other = tmp_path / "other" / "gold.json"
    crashed_writer(other, 5)  # five acknowledged decisions, in the journal only
    assert labels_of(tmp_path, other) == [LABELS[4]]
    db = tmp_path / "mine" / "gold.json"
    crashed_writer(db, 3, who="bob")
    GoldStore.open(db).close()  # compacted: its own journal is empty
    journal_path(db).unlink()
    journal_path(db).symlink_to(journal_path(other))
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "b1", "text": "Olaf Scholz spoke in Bonn.",
                                  "entities": [{"start": 0, "end": 11, "label": "PERSON"}]})
                      + "\n", encoding="utf-8")
    byline(tmp_path, "import", source, "--db", db, "--annotator", "bob")  # refused or not
    assert labels_of(tmp_path, other) == [LABELS[4]]


@pytest.mark.parametrize("command", ["import", "repair"])
def test_a_symlinked_lock_file_never_writes_through(tmp_path: Path, command: str) -> None:
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 2)
    precious = tmp_path / "s" / "notes.txt"
    precious.write_text("two weeks of meeting notes\n", encoding="utf-8")
    lock_path(db).unlink()
    lock_path(db).symlink_to(precious.name)
    if command == "import":
        source = tmp_path / "in.jsonl"
        source.write_text(json.dumps({"id": "b1", "text": "Olaf Scholz spoke in Bonn."})
                          + "\n", encoding="utf-8")
        byline(tmp_path, "import", source, "--db", db, "--annotator", "bob")
    else:
        journal_path(db).write_bytes(journal_path(db).read_bytes()[:-1])  # a torn tail
        crashed = journal_lines(db)
        crashed[1] = crashed[1][:20] + b"X" + crashed[1][21:]  # and a damaged line
        write_journal(db, crashed)
        byline(tmp_path, "doctor", "--db", db, "--repair")
    assert precious.read_text(encoding="utf-8") == "two weeks of meeting notes\n"


# --------------------------------------------------- outputs and inputs under a second name


def test_review_never_merges_into_an_input_store_mounted_twice(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = data / "ana.json"
    crashed_writer(db, 2)
    GoldStore.open(db).close()  # compacted, at rest
    with bind(data, tmp_path / "mnt") as mnt:
        before = tree(data)
        result = byline(tmp_path, "review", db, "-o", mnt / "ana.json", "--annotator", "judge")
        after = tree(data)
    one_line_error(result, "ana.json")
    assert after == before


# --------------------------------------------------- imports and full disks


def test_an_import_says_whether_it_was_kept_when_the_disk_fills_at_compaction(
        tmp_path: Path) -> None:
    rows = [{"id": f"art{n}", "text": "Angela Merkel met Joe Biden in Berlin."
             + f" ({n})" + " filler" * 40,
             "entities": [{"start": 0, "end": 13, "label": "PERSON"}]} for n in range(150)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    with tmpfs(tmp_path / "disk", "256k") as disk:
        db = disk / "gold.json"
        crashed_writer(db, 1)
        GoldStore.open(db).close()
        result = byline(tmp_path, "import", source, "--db", db, "--annotator", "bob")
        with GoldStore.open(db, read_only=True) as store:
            imported = len(store.summaries("bob"))
    assert imported in (0, 150)  # all or nothing: holds
    if imported == 150:  # ... and then the command must say the import is in
        assert result.returncode == 0 or "150" in result.stderr, result.stderr
    else:
        one_line_error(result, "nothing was imported")


def _damaged_store(db: Path) -> None:
    """Four compacted articles, then eight acknowledged steps in the journal, the third
    of which has a flipped byte."""
    with GoldStore.open(db) as store:
        for n in range(4):
            art = article(f"b{n}")
            store.put_article(art)
            store.save_items(art.id, "ana", art.text_hash, {"a:1": entity("ORG")})
    store = GoldStore.open(db)
    for n in range(4):
        art = article(f"b{n}")
        store.save_items(art.id, "ana", art.text_hash, {"a:2": entity("GPE", "a:2", 14, 17)})
        store.save_items(art.id, "ana", art.text_hash,
                         {"a:3": entity("PERSON", "a:3", 18, 21)})
    store.close_quietly()
    lines = journal_lines(db)
    damaged = bytearray(lines[2])
    damaged[30] ^= 0x01
    lines[2] = bytes(damaged)
    write_journal(db, lines)


def _state(db: Path) -> list[tuple[str, list[str]]]:
    with GoldStore.open(db, read_only=True) as store:
        return sorted((record.article_id, sorted(item.label for item in record.items.values()))
                      for record in store.annotations())


def test_repair_on_a_full_disk_loses_nothing_and_finishes_later(tmp_path: Path) -> None:
    """Held: doctor --repair on a disk with room for almost nothing fails with one line
    and changes no data; after room is made, a repair gives what a repair on a roomy
    disk gives."""
    reference = tmp_path / "ref" / "gold.json"
    _damaged_store(reference)
    with tmpfs(tmp_path / "disk", "512k") as disk:
        db = disk / "s" / "gold.json"
        shutil.copytree(reference.parent, db.parent, symlinks=True)
        data = {k: v for k, v in tree(db.parent).items() if ".damaged-" not in k}
        fill(disk, leave=6000)
        one_line_error(byline(tmp_path, "doctor", "--db", db, "--repair"), "No space")
        assert {k: v for k, v in tree(db.parent).items()
                if ".damaged-" not in k and not k.endswith(".lock")} == {
            k: v for k, v in data.items() if not k.endswith(".lock")}
        for filler in disk.glob("filler*"):
            filler.unlink()
        assert byline(tmp_path, "doctor", "--db", db, "--repair").returncode == 0
        assert byline(tmp_path, "doctor", "--repair", "--db", reference).returncode == 0
        assert _state(db) == _state(reference)
        assert byline(tmp_path, "doctor", "--db", db).returncode == 0


def test_a_repair_that_fails_names_the_file(tmp_path: Path) -> None:
    reference = tmp_path / "ref" / "gold.json"
    _damaged_store(reference)
    with tmpfs(tmp_path / "disk", "512k") as disk:
        db = disk / "s" / "gold.json"
        shutil.copytree(reference.parent, db.parent, symlinks=True)
        fill(disk, leave=6000)
        line = one_line_error(byline(tmp_path, "doctor", "--db", db, "--repair"), "No space")
    assert str(db.parent) in line, line


def test_two_repairs_in_one_second_keep_both_sets_of_damaged_files(tmp_path: Path) -> None:
    from tui.store.doctor import repair

    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 3)
    for _ in range(50):  # start both repairs at the beginning of a second
        if time.time() % 1 < 0.2:
            break
        time.sleep(0.02)
    copies: list[bytes] = []
    for round_ in range(2):
        lines = journal_lines(db) if round_ == 0 else None
        if lines is None:  # the second round: the store is compacted; damage a new step
            with GoldStore.open(db) as store:
                art = article("a1")
                store.save_items("a1", "ana", art.text_hash, {"a:9": entity("DATE", "a:9")})
            store = GoldStore.open(db)
            store.save_items("a1", "ana", art.text_hash, {"a:8": entity("FAC", "a:8")})
            store.close_quietly()
            lines = journal_lines(db)
        lines[0] = lines[0][:12] + (b"Y" if lines[0][12:13] != b"Y" else b"Z") + lines[0][13:]
        write_journal(db, lines)
        copies.append(journal_path(db).read_bytes())
        repair(db, echo=lambda line: None)
    kept = {p.read_bytes() for p in db.parent.glob("gold.json.damaged-*/gold.json.journal")}
    assert set(copies) <= kept, "a journal set aside by the first repair is gone"


# --------------------------------------------------- SIGKILL at every step of a repair


def _kill_at(k: int, calls: list[tuple[object, str]], action: Callable[[], None]) -> bool:
    """Run `action` in a forked child that SIGKILLs itself just before the k-th call of
    any of `calls`; True if it was killed (False: it finished first)."""
    pid = os.fork()
    if pid == 0:  # the child
        count = [0]

        def hooked(real: Callable[..., object]) -> Callable[..., object]:
            def call(*args: object, **kwargs: object) -> object:
                count[0] += 1
                if count[0] == k:
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(*args, **kwargs)
            return call
        for owner, name in calls:
            setattr(owner, name, hooked(getattr(owner, name)))
        try:
            action()
        except BaseException:  # the child's end is its exit status
            os._exit(3)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return os.WTERMSIG(status) == signal.SIGKILL
    assert os.WEXITSTATUS(status) == 0, f"the child failed at k={k}"
    return False


WRITES = [(os, "replace"), (os, "fsync"), (os, "link"), (os, "ftruncate"), (os, "pwrite"),
          (os, "write"), (shutil, "copy2"), (os, "unlink"), (os, "mkdir")]


def test_a_repair_killed_at_any_write_then_run_again_ends_as_one_never_killed(
        tmp_path: Path) -> None:
    """Held: SIGKILL just before each file operation of doctor --repair (every write,
    fsync, rename, link, copy of it), then the repair run again: the store ends exactly
    as an uninterrupted repair leaves it, and doctor calls it healthy."""
    from tui.store.doctor import diagnose, repair

    pristine = tmp_path / "pristine" / "gold.json"
    _damaged_store(pristine)
    reference = tmp_path / "ref" / "gold.json"
    shutil.copytree(pristine.parent, reference.parent)
    repair(reference, echo=lambda line: None)
    expected = _state(reference)
    killed = 0
    for k in range(1, 400):
        db = tmp_path / f"k{k}" / "gold.json"
        shutil.copytree(pristine.parent, db.parent)
        if not _kill_at(k, WRITES, lambda db=db: repair(db, echo=lambda line: None)):
            break
        killed += 1
        repair(db, echo=lambda line: None)
        assert _state(db) == expected, f"killed before file operation {k}"
        assert diagnose(db).healthy, (k, diagnose(db).problems)
        shutil.rmtree(db.parent)
    assert killed > 20


def test_an_import_killed_at_any_write_is_all_or_nothing(tmp_path: Path) -> None:
    """Held: SIGKILL before each file operation of `byline import` (journal appends,
    fsyncs, the lock's mark, the compaction): the store then holds the whole import or
    none of it, opens, is healthy, and the same import runs to the end."""
    from tui.commands.import_ import run_import
    from tui.store.doctor import diagnose

    rows = [{"id": f"art{n}", "text": f"Angela Merkel met Joe Biden in Berlin ({n}).",
             "entities": [{"start": 0, "end": 13, "label": "PERSON"}]} for n in range(6)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    pristine = tmp_path / "pristine" / "gold.json"
    crashed_writer(pristine, 2)
    killed = 0
    for k in range(1, 400):
        db = tmp_path / f"k{k}" / "gold.json"
        shutil.copytree(pristine.parent, db.parent)
        if not _kill_at(k, WRITES, lambda db=db: print(run_import(
                [source], "native", "gold", db, "bob", "x"))):
            break
        killed += 1
        report = diagnose(db)
        assert report.healthy, (k, report.problems)
        with GoldStore.open(db, read_only=True) as store:
            count = len(store.summaries("bob"))
            assert store.annotation("a1", "ana") is not None
        assert count in (0, 6), f"killed before file operation {k}: {count} of 6 imported"
        if count == 0:
            assert run_import([source], "native", "gold", db, "bob", "x")[0] == 6
        shutil.rmtree(db.parent)
    assert killed > 10


# --------------------------------------------------- readers while a writer compacts

BUSY_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tests.attack.helpers import article, entity
    from tui.store.gold import GoldStore

    GoldStore.DIRTY_SHARDS = 2
    store = GoldStore.open(Path(sys.argv[1]))
    arts = [article(f"a{n}") for n in range(12)]
    for art in arts:
        store.put_article(art)
    print("ready", flush=True)
    n = 0
    while sys.stdin.readline():
        for art in arts[n % 3::3]:
            store.save_items(art.id, "ana", art.text_hash,
                             {f"s:{n}": entity("ORG", f"s:{n}", 0, 6)})
        n += 1
    store.close()
""")


def test_agreement_review_and_doctor_read_a_consistent_store_while_a_writer_compacts(
        tmp_path: Path) -> None:
    """Held: `agreement`, `review` (of the store, into a new merged store) and `doctor`,
    each as the real CLI, while a writer compacts every few saves: never a store called
    damaged."""
    db = tmp_path / "live" / "gold.json"
    other = tmp_path / "bo.json"
    with GoldStore.open(other) as store:
        for n in range(12):
            art = article(f"a{n}")
            store.put_article(art)
            store.save_items(art.id, "bo", art.text_hash, {"a:1": entity("ORG", who="bo")})
    child = subprocess.Popen([sys.executable, "-c", BUSY_WRITER, str(db)], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdin is not None and child.stdout is not None
    failures: list[str] = []
    try:
        assert child.stdout.readline() == "ready\n"
        for round_ in range(4):
            for _ in range(30):
                child.stdin.write("more\n")
            child.stdin.flush()
            runs = [byline(tmp_path, "agreement", db, other, "--json"),
                    byline(tmp_path, "doctor", "--db", db),
                    byline(tmp_path, "review", db, "-o", tmp_path / f"m{round_}.json",
                           "--annotator", "judge")]
            for run in runs:
                if "damaged" in run.stderr + run.stdout or "problem" in run.stdout or (
                        run.returncode not in (0, 1) and "review" not in run.args):
                    failures.append(f"{run.args[3:5]}: {run.returncode} {run.stderr[-300:]}"
                                    f"{run.stdout[-300:]}")
    finally:
        child.stdin.close()
        assert child.wait(timeout=60) == 0
    assert not failures, failures[:3]


def test_a_read_only_store_is_read_and_never_half_written(tmp_path: Path) -> None:
    """Held: a store on a read-only mount exports, and a writer stops with one line."""
    data = tmp_path / "data"
    db = data / "gold.json"
    crashed_writer(db, 3)
    mnt = tmp_path / "ro"
    with bind(data, mnt):
        done = subprocess.run(["mount", "-o", "remount,ro,bind", str(mnt)],
                              capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip("cannot remount read-only here")
        assert labels_of(tmp_path, mnt / "gold.json") == [LABELS[2]]
        source = tmp_path / "in.jsonl"
        source.write_text(json.dumps({"id": "b1", "text": "Olaf Scholz spoke."}) + "\n",
                          encoding="utf-8")
        one_line_error(byline(tmp_path, "import", source, "--db", mnt / "gold.json"),
                       "Read-only file system")
    assert exported(tmp_path, db)


def test_a_clock_that_ran_ahead_never_costs_the_new_backups(tmp_path: Path) -> None:
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 2)
    GoldStore.open(db).close()
    root = db.with_name("gold.json.backups")
    for n in range(1, 4):  # three compactions made while the clock said 2099
        (root / f"20991231T000000.00000{n}Z").mkdir()
    store = GoldStore.open(db)
    art = article("a1")
    store.save_items("a1", "ana", art.text_hash, {"a:2": entity("GPE", "a:2", 14, 17)})
    store.close()  # a compaction: it replaces the shard and the index, keeping them
    kept = [p for p in root.iterdir() if not p.name.startswith("2099")]
    assert kept, "the backup of the compaction just made is gone"
    assert any((folder / "gold.json").exists() for folder in kept)
