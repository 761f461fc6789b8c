"""The gold store at its edges: the cases issue 10's attack found, and more of each class.

Acknowledged decisions that a damaged or shortened journal would lose, a
store named through a symlink or by another of its files, a lock file deleted
or replaced under a writer, FIFOs and devices where a store file should be,
and malformed items behind a valid checksum. Each test tries to lose a
decision or make byline write where it must not, and checks the files byte
for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.store.helpers import added, journal, shard_file
from tui.core.model import EntityItem, Status
from tui.store.doctor import diagnose, repair
from tui.store.gold import GoldStore, StoreError, StoreLockedError
from tui.store.storage import decode_checked, encode_checked

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "annotations" / "gold.json"


def tree(folder: Path) -> dict[str, bytes]:
    """Every regular file under `folder`, by relative path (to compare before and after)."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def decided(path: Path, article_id: str, who: str = "ana") -> set[str]:
    with GoldStore.open(path, read_only=True) as store:
        record = store.annotation(article_id, who)
        return set() if record is None else set(record.items)


def crashed_writer(path: Path, steps: int, article: str = "a") -> None:
    """A writer that saved `steps` decisions and then died (nothing compacted)."""
    store = GoldStore.open(path)
    for n in range(steps):
        store.save_items(article, "ana", "h", {f"s:{n}": added(n)})
    store.close_quietly()


def byline(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BYLINE_CONFIG": os.devnull, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False, cwd=cwd)


def one_line_error(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for part in parts:
        assert part in lines[0], lines[0]


# ------------------------------------------------------- journal lines that go missing


def test_a_journal_cut_short_is_noticed_by_writer_reader_export_and_doctor(path: Path) -> None:
    crashed_writer(path, 6)
    lines = journal(path).read_bytes().split(b"\n")
    journal(path).write_bytes(b"\n".join(lines[:3]) + b"\n")  # three acknowledged lines gone
    before = tree(path.parent)
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"3 acknowledged step\(s\) are missing"):
            GoldStore.open(path, read_only=read_only)
    one_line_error(byline("export", "--db", str(path), "--all", "-o",
                          str(path.parent.parent / "out.jsonl")), "acknowledged step(s)")
    one_line_error(byline("stats", "--db", str(path)), "acknowledged step(s)")
    assert tree(path.parent) == before
    report = diagnose(path)
    assert any("3 acknowledged step(s) are missing" in p for p in report.problems)

    said: list[str] = []
    repair(path, echo=said.append)
    assert any(line.startswith("lost: what the journal no longer holds") for line in said)
    assert decided(path, "a") == {"s:0", "s:1", "s:2"}
    assert diagnose(path).healthy
    with GoldStore.open(path) as store:  # and it goes on from there
        store.save_items("a", "ana", "h", {"s:9": added(9)})
    assert decided(path, "a") == {"s:0", "s:1", "s:2", "s:9"}


def test_a_line_cut_from_the_middle_is_a_gap(path: Path) -> None:
    crashed_writer(path, 5)
    lines = journal(path).read_bytes().split(b"\n")
    del lines[2]
    journal(path).write_bytes(b"\n".join(lines))
    with pytest.raises(StoreError, match=r"line 3: steps 3-3 are missing"):
        GoldStore.open(path)


def test_an_older_copy_of_the_journal_put_back_never_undoes_later_decisions(
        path: Path) -> None:
    crashed_writer(path, 2)
    old_journal = journal(path).read_bytes()  # steps 1-2: s:0, s:1 added
    with GoldStore.open(path) as store:  # replays, compacts, then changes s:0 and compacts
        store.save_items("a", "ana", "h", {"s:0": None})
    journal(path).write_bytes(old_journal)  # "restored" by hand
    with GoldStore.open(path) as store:
        record = store.annotation("a", "ana")
        assert record is not None and set(record.items) == {"s:1"}  # s:0 stays deleted


def test_a_flipped_byte_in_the_last_line_stops_export_and_the_app_until_repaired(
        path: Path, tmp_path: Path) -> None:
    crashed_writer(path, 3)
    data = bytearray(journal(path).read_bytes())
    data[-15] ^= 0x04
    journal(path).write_bytes(bytes(data))
    before = tree(path.parent)
    out = tmp_path / "out.jsonl"
    one_line_error(byline("export", "--db", str(path), "--all", "-o", str(out)),
                   "line 3 of 3 is damaged", "byline doctor")
    assert not out.exists()
    one_line_error(byline("annotate", "--db", str(path), str(ROOT / "seeds")),
                   "line 3 of 3 is damaged")
    assert tree(path.parent) == before  # the app did not open, compact or empty anything
    result = byline("doctor", "--db", str(path))
    assert result.returncode == 1
    assert "line 3 is damaged" in result.stdout
    result = byline("doctor", "--db", str(path), "--repair")
    assert result.returncode == 0, result.stderr
    assert "lost: journal line 3 (an items step of article 'a' by 'ana')" in result.stdout
    assert decided(path, "a") == {"s:0", "s:1"}


def test_an_unfinished_batch_is_left_out_and_cut(path: Path) -> None:
    with GoldStore.open(path) as store:
        store.save_items("a", "ana", "h", {"s:0": added(0)})
    store = GoldStore.open(path)
    store.save_items("a", "ana", "h", {"s:1": added(1)})
    with pytest.raises(RuntimeError), store.batch():
        store.save_items("b", "ana", "h", {"s:2": added(2)})
        store.save_items("c", "ana", "h", {"s:3": added(3)})
        # a crash here: the process dies before the commit
        journal_then = journal(path).read_bytes()
        raise RuntimeError("killed")
    # The batch was cut at once and the store closed without compacting.
    with pytest.raises(StoreError, match="closed"):
        store.save_items("a", "ana", "h", {"s:4": added(4)})
    assert journal(path).read_bytes() != journal_then
    # A crash that left the batch in the journal: it is left out, and cut on open.
    journal(path).write_bytes(journal_then)
    report = diagnose(path)
    assert report.healthy, report.problems
    assert any("an import that did not finish (2 step(s)" in note for note in report.notes)
    assert decided(path, "b") == set()
    with GoldStore.open(path) as store:
        assert store.annotation("b", "ana") is None
        assert store.annotation("c", "ana") is None
        record = store.annotation("a", "ana")
        assert record is not None and set(record.items) == {"s:0", "s:1"}


# ------------------------------------------------------------- naming the store


def test_a_symlink_to_the_index_opens_the_real_store(path: Path, tmp_path: Path) -> None:
    from tui.core.model import Article

    article = Article("a", "Kalin met Hamas officials.")
    with GoldStore.open(path) as store:
        store.put_article(article)
        store.save_items("a", "ana", article.text_hash, {"s:0": added(0)})
        store.set_done("a", "ana", article.text_hash, True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = elsewhere / "link.json"
    link.symlink_to(path)
    dir_link = tmp_path / "dirlink"
    dir_link.symlink_to(path.parent, target_is_directory=True)
    for n, name in enumerate((link, dir_link / "gold.json"), 1):
        with GoldStore.open(name) as store:
            assert store.path == path.resolve()
            store.save_items("a", "ana", article.text_hash, {f"s:{n}": added(n)})
    assert sorted(p.name for p in elsewhere.iterdir()) == ["link.json"]  # nothing beside it
    assert link.is_symlink()
    out = tmp_path / "out.jsonl"
    result = byline("export", "--db", str(link), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Wrote 1 article(s)" in result.stderr
    assert len(out.read_text().splitlines()) == 1
    assert decided(path, "a") == {"s:0", "s:1", "s:2"}


@pytest.mark.parametrize("part", ["journal", "lock", "shard", "backup"])
def test_a_store_named_by_another_of_its_files_is_refused(path: Path, part: str) -> None:
    for n in range(2):
        with GoldStore.open(path) as store:
            store.save_items("a", "ana", "h", {f"s:{n}": added(n)})
    crashed_writer(path, 1, article="b")
    backed_up = [p for p in path.with_name("gold.json.backups").rglob("*.json")]
    named = {"journal": journal(path), "lock": path.with_name("gold.json.lock"),
             "shard": shard_file(path, "a"), "backup": backed_up[0]}[part]
    before = tree(path.parent)
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"is part of the gold store .*gold\.json"):
            GoldStore.open(named, read_only=read_only)
    one_line_error(byline("stats", "--db", str(named)), "is part of the gold store")
    one_line_error(byline("doctor", "--db", str(named)), "is part of the gold store")
    assert tree(path.parent) == before


def test_fifos_devices_and_folders_are_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "store.fifo"
    os.mkfifo(fifo)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    beside = [Path(f"/dev/{name}.{suffix}") for name in ("zero", "null")
              for suffix in ("lock", "journal", "shards")]
    before = {p: p.stat().st_mtime_ns if p.exists() else None for p in beside}
    for target in (fifo, Path("/dev/zero"), Path("/dev/null"), folder):
        for read_only in (False, True):
            with pytest.raises(StoreError, match=r"not a gold store \((a|an) "):
                GoldStore.open(target, read_only=read_only)
        if target != folder:  # (a folder is typer's usage error, before byline is asked)
            one_line_error(byline("stats", "--db", str(target)), "not a gold store")
    assert {p: p.stat().st_mtime_ns if p.exists() else None for p in beside} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "store.fifo"]


def test_a_fifo_in_place_of_a_journal_or_shard_is_an_error_not_a_hang(path: Path) -> None:
    with GoldStore.open(path) as store:
        store.save_items("a", "ana", "h", {"s:0": added(0)})
    journal(path).unlink()
    os.mkfifo(journal(path))
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"journal: not a gold store file \(a FIFO\)"):
            GoldStore.open(path, read_only=read_only)
    journal(path).unlink()
    shard = shard_file(path, "a")
    shard.unlink()
    os.mkfifo(shard)
    with pytest.raises(StoreError, match=r"not a gold store file \(a FIFO\)"):
        GoldStore.open(path, read_only=True).annotation("a", "ana")
    report = diagnose(path)
    assert any("FIFO" in problem for problem in report.problems)


# ------------------------------------------------------------------ one writer


HOLDER = textwrap.dedent("""
    import sys
    from tui.core.model import EntityItem, Status
    from tui.store.gold import GoldStore

    store = GoldStore.open(sys.argv[1])
    n = 0
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        store.save_items("held", "ana", "h", {f"a:{n}": EntityItem(f"a:{n}", n, n + 1, "ORG",
                                                                    Status.ADDED)})
        print(f"ack {n}", flush=True)
        n += 1
    store.close()
    print("closed", flush=True)
""")


@pytest.mark.parametrize("how", ["deleted", "replaced", "both-deleted-and-a-new-folder"])
def test_a_deleted_or_replaced_lock_file_never_lets_a_second_writer_in(
        path: Path, how: str) -> None:
    GoldStore.open(path).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline() == "ack 0\n"
        lock = path.with_name("gold.json.lock")
        lock.unlink()  # "a stale lock"
        if how == "replaced":
            lock.write_text("12345\n")
        for _ in range(3):
            with pytest.raises(StoreLockedError, match="in use by another byline"):
                GoldStore.open(path)
        # A second app: refused before it shows anything (it would be a second writer).
        one_line_error(byline("annotate", "--db", str(path), str(ROOT / "seeds")),
                       "is in use by another byline")
        if how == "both-deleted-and-a-new-folder":
            # Even a new lock file made by the failed attempts is no way in.
            with pytest.raises(StoreLockedError):
                GoldStore.open(path)
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline() == "ack 1\n"
        child.stdin.write("quit\n")
        child.stdin.flush()
        assert child.stdout.readline() == "closed\n"
    finally:
        child.kill()
        child.wait()
    assert decided(path, "held") == {"a:0", "a:1"}
    with GoldStore.open(path) as store:  # free again once the writer is gone
        assert store.annotation("held", "ana") is not None


# ------------------------------------------------------ items behind a valid checksum


def forge(shard: Path, change, index: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    """Edit a shard file's tables and write it back with a checksum that holds (what
    anyone can do: a checksum is not a signature); with `index`, the index too, so that
    it records the forged file."""
    meta, tables, _ = decode_checked(shard, shard.read_bytes())
    change(tables)
    data, digest = encode_checked(meta, tables)
    shard.write_bytes(data)
    if index is not None:
        meta, tables, _ = decode_checked(index, index.read_bytes())
        for entry in tables["index"].values():
            if entry["shard"] == meta_shard(shard):
                entry["sha256"], entry["size"] = digest, len(data)
        index.write_bytes(encode_checked(meta, tables)[0])


def meta_shard(shard: Path) -> int:
    return int(shard.stem, 16)


def first_items(tables: dict) -> dict:  # type: ignore[type-arg]
    return next(iter(tables["annotations"].values()))["items"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("change", [
    lambda items: items["s:1"].pop("label"),
    lambda items: items["s:1"].update(start="zero"),
    lambda items: items["s:1"].update(end=10**30),
    lambda items: items["s:1"].update(start=5, end=2),
    lambda items: items["s:1"].update(label=""),
    lambda items: items["s:1"].update(label="\ud800"),
    lambda items: items["s:1"].update(status="maybe"),
    lambda items: items["s:1"].update(suggestion={"start": 0}),
    lambda items: items.update({"q:1": {"layer": "quotes", "value": {"content": None},
                                        "status": "added"}}),
    lambda items: items.update({"m:1": {"layer": "meetings", "status": "added",
                                        "value": {"trigger": {"start": 0, "end": 1},
                                                  "participants": 7}}}),
], ids=["no-label", "start-zero", "huge-end", "backwards", "empty-label", "surrogate-label",
        "bad-status", "bad-suggestion", "quote-without-content", "meeting-participants"])
def test_malformed_items_behind_a_valid_checksum_are_damage_not_data(
        path: Path, tmp_path: Path, change) -> None:  # type: ignore[no-untyped-def]
    from tui.core.model import Article, EntityItem, Status

    article = Article("a", "Kalin met Hamas officials in Doha on Tuesday.")
    with GoldStore.open(path) as store:
        store.put_article(article)
        for n in (0, 1, 2):
            item = EntityItem(f"s:{n}", n * 10, n * 10 + 5, "ORG", Status.ADDED)
            store.save_items("a", "ana", article.text_hash, {item.id: item})
        store.set_done("a", "ana", article.text_hash, True)
    forge(shard_file(path, "a"), lambda tables: change(first_items(tables)), index=path)
    from tui.commands.agreement import run_agreement
    from tui.commands.export_store import run_export
    from tui.commands.stats import run_stats

    out = tmp_path / "out.jsonl"
    for fmt in ("native", "prodigy", "conll", "brat"):
        with pytest.raises(StoreError, match=r"damaged shard .*see byline doctor"):
            run_export(path, out, fmt, True, None, False)
    assert not out.exists()
    with pytest.raises(StoreError, match="damaged shard"):
        run_stats(path, lambda line: None)
    errors: list[str] = []
    assert run_agreement([path], lambda line: None, error=errors.append) != 0
    assert len(errors) == 1 and "damaged shard" in errors[0]
    with pytest.raises(StoreError, match="damaged shard"):
        GoldStore.open(path, read_only=True).annotation("a", "ana")
    report = diagnose(path)
    assert any("damaged shard" in problem for problem in report.problems)
    said: list[str] = []
    repair(path, echo=said.append)
    assert any(line.startswith("repaired: ") and "malformed" in line for line in said), said
    assert diagnose(path).healthy
    kept = decided(path, "a")
    assert {"s:0", "s:2"} <= kept  # the good items stay


def test_a_malformed_item_from_the_command_line(path: Path, tmp_path: Path) -> None:
    from tui.core.model import Article, EntityItem, Status

    article = Article("a", "Kalin met Hamas officials in Doha on Tuesday.")
    with GoldStore.open(path) as store:
        store.put_article(article)
        item = EntityItem("s:1", 0, 5, "PERSON", Status.ADDED)
        store.save_items("a", "ana", article.text_hash, {item.id: item})
        store.set_done("a", "ana", article.text_hash, True)
    forge(shard_file(path, "a"), lambda tables: first_items(tables)["s:1"].update(start="0"))
    for command in (["export", "--all", "-o", str(tmp_path / "out.jsonl")], ["stats"]):
        one_line_error(byline(*command[:1], "--db", str(path), *command[1:]), "damaged shard",
                       "'s:1' start is not an integer", "see byline doctor")
    one_line_error(byline("agreement", str(path)), "damaged shard")
    result = byline("doctor", "--db", str(path))
    assert result.returncode == 1 and "damaged shard" in result.stdout


# -------------------------------------------------------------- what repair keeps


def four_compactions(path: Path) -> None:
    """Articles a-f, each given one more decision by each of four writers (so backups)."""
    for round_ in range(4):
        with GoldStore.open(path) as store:
            for article in "abcdef":
                store.save_items(article, "ana", "h", {f"s:{round_}": added(round_)})


def test_a_shard_replaced_by_an_older_valid_copy_is_repaired_to_the_newest(
        path: Path) -> None:
    """The file the index records is gone (overwritten in place by an older copy that
    passes every check of its own): repair takes the newest good copy there is, not the
    stale file, and names what is lost."""
    four_compactions(path)
    shard = shard_file(path, "c")
    folders = sorted(path.with_name("gold.json.backups").iterdir())
    older = folders[0] / shard.name  # holds s:0 only
    shutil.copy2(older, shard)
    with pytest.raises(StoreError, match=r"not the (size|shard) the index records"):
        GoldStore.open(path)
    report = diagnose(path)
    assert any(shard.name in p and "not the shard the index records" in p
               for p in report.problems)
    said: list[str] = []
    repair(path, echo=said.append)
    line = next(line for line in said if line.startswith(f"repaired: {shard.name}"))
    assert f"from the backup {folders[-1].name} (the newest good copy)" in line
    assert "lost the decisions compacted after it on 1 record(s): 'c' by 'ana'" in line
    assert decided(path, "c") == {"s:0", "s:1", "s:2"}  # not the stale {"s:0"}
    assert decided(path, "d") == {"s:0", "s:1", "s:2", "s:3"}
    aside = next(path.parent.glob("gold.json.damaged-*"))
    assert (aside / f"gold.json.shards-{shard.name}").read_bytes() == older.read_bytes()
    assert diagnose(path).healthy


def test_repair_takes_the_copy_the_index_records_where_there_is_one(path: Path) -> None:
    four_compactions(path)
    shard = shard_file(path, "c")
    recorded = path.parent / "recorded.json"
    shutil.copy2(shard, recorded)
    shutil.copy2(sorted(path.with_name("gold.json.backups").iterdir())[0] / shard.name, shard)
    newest = sorted(path.with_name("gold.json.backups").iterdir())[-1]
    shutil.copy2(recorded, newest / shard.name)  # e.g. a copy a reader's snapshot kept
    recorded.unlink()
    said: list[str] = []
    repair(path, echo=said.append)
    assert any(f"repaired: {shard.name} from the backup {newest.name} (the version the index "
               f"records)" in line for line in said), said
    assert decided(path, "c") == {"s:0", "s:1", "s:2", "s:3"}


def test_without_newer_copies_repair_keeps_the_newest_left_and_names_what_is_lost(
        path: Path) -> None:
    four_compactions(path)
    shard = shard_file(path, "c")
    folders = sorted(path.with_name("gold.json.backups").iterdir())
    shutil.copy2(folders[0] / shard.name, shard)
    (folders[-1] / shard.name).unlink()
    said: list[str] = []
    repair(path, echo=said.append)
    line = next(line for line in said if line.startswith(f"repaired: {shard.name}"))
    assert f"from the backup {folders[1].name} (the newest good copy)" in line
    assert "lost the decisions compacted after it on 1 record(s): 'c' by 'ana'" in line
    assert decided(path, "c") == {"s:0", "s:1"}


def test_with_only_the_shards_left_repair_rebuilds_everything(path: Path) -> None:
    four_compactions(path)
    crashed_writer(path, 2, article="g")  # steps in the journal, then the journal is lost
    with GoldStore.open(path) as store:
        store.save_items("g", "ana", "h", {"s:9": added(9)})
    path.unlink()
    journal(path).unlink()
    path.with_name("gold.json.lock").unlink()
    shutil.rmtree(path.with_name("gold.json.backups"))
    result = byline("doctor", "--db", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "missing (repair rebuilds it from the shards)" in result.stdout
    result = byline("doctor", "--db", str(path), "--repair")
    assert result.returncode == 0, result.stdout + result.stderr
    for article in "abcdef":
        assert decided(path, article) == {"s:0", "s:1", "s:2", "s:3"}
    assert decided(path, "g") == {"s:0", "s:1", "s:9"}
    assert diagnose(path).healthy


def test_failed_compactions_never_push_out_the_last_complete_backups(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.core.model import EntityItem, Status
    from tui.store import gold

    four_compactions(path)
    root = path.with_name("gold.json.backups")
    complete = sorted(p.name for p in root.iterdir())
    assert len(complete) == gold.KEEP_BACKUPS
    store = GoldStore.open(path)
    real_write = gold.atomic_write_bytes
    calls = {"n": 0}

    def failing(target, data):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if target == path:  # every shard is written, then the index write fails
            raise OSError(28, "No space left on device")
        real_write(target, data)

    monkeypatch.setattr(gold, "atomic_write_bytes", failing)
    for n in range(5):  # five failed compactions, five partial backup folders
        store.save_items("a", "ana", "h", {f"f:{n}": EntityItem(f"f:{n}", n, n + 1, "ORG",
                                                                Status.ADDED)})
        with pytest.raises(StoreError, match="No space left"):
            store.compact()
    monkeypatch.setattr(gold, "atomic_write_bytes", real_write)
    assert sum(p.name.endswith(".partial") for p in root.iterdir()) == 5
    store.compact()  # a good one at last
    store.close()
    names = sorted(p.name for p in root.iterdir())
    done = [name for name in names if not name.endswith(".partial")]
    assert len(done) == gold.KEEP_BACKUPS
    assert done[:-1] == complete[1:]  # the two newest earlier complete backups are kept
    assert decided(path, "a") == {"s:0", "s:1", "s:2", "s:3", *(f"f:{n}" for n in range(5))}


# --------------------------------------------------------- readers while a writer compacts

BUSY_WRITER = textwrap.dedent("""
    import sys
    from tui.core.model import Article, EntityItem, Status
    from tui.store.gold import GoldStore

    GoldStore.DIRTY_SHARDS = 3  # a compaction every few saves
    store = GoldStore.open(sys.argv[1])
    articles = [Article(f"art{k}", "x" * 400) for k in range(100)]
    for article in articles:
        store.put_article(article)
    store.compact()
    print("ready", flush=True)
    n = 0
    while sys.stdin.readline():  # one line from the parent: one more burst of saves
        for _ in range(40):
            article = articles[n % 100]
            m = n // 100
            store.save_items(article.id, "ana", article.text_hash,
                             {f"s:{m}": EntityItem(f"s:{m}", m, m + 1, "ORG", Status.ADDED)})
            store.set_done(article.id, "ana", article.text_hash, True)
            n += 1
    store.close()
""")


def test_readers_get_a_consistent_store_while_a_writer_compacts(
        path: Path, tmp_path: Path) -> None:
    from tui.commands.export_store import run_export
    from tui.commands.stats import run_stats

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", BUSY_WRITER, str(path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdin is not None and child.stdout is not None
    failures: list[str] = []
    reads = 0
    try:
        assert child.stdout.readline() == "ready\n"
        for round_ in range(60):
            child.stdin.write("more\n")  # the writer saves and compacts while we read
            child.stdin.flush()
            try:
                with GoldStore.open(path, read_only=True) as store:
                    for record in store.annotations("ana"):
                        got = sorted(int(i[2:]) for i in record.items)
                        if got != list(range(len(got))):
                            failures.append(f"{record.article_id}: {got}")
                        reads += 1
                if round_ % 6 == 0:
                    report = diagnose(path)
                    if not report.healthy:
                        failures.append(f"doctor: {report.problems[:2]}")
                if round_ % 10 == 0:
                    out = tmp_path / f"out{round_}.jsonl"
                    run_export(path, out, "native", False, None, False)
                    assert all(line.startswith("{") for line in out.read_text().splitlines())
                    assert run_stats(path, lambda line: None) == 0
            except StoreError as error:
                failures.append(f"round {round_}: {error}")
    finally:
        child.stdin.close()
        assert child.wait(timeout=60) == 0
    assert not failures, failures[:5]
    assert reads > 1000
    with GoldStore.open(path, read_only=True) as store:
        assert len(store.summaries("ana")) == 100


# ------------------------------------------------------- an import is all or nothing

IMPORT_TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday, AFP said."


def import_file(folder: Path, articles: int) -> Path:
    import json

    source = folder / "gold-from-prodigy.jsonl"
    rows = [{"id": f"art{n}", "text": IMPORT_TEXT + f" ({n})" + " filler" * 40,
             "entities": [{"start": 6, "end": 11, "label": "PERSON"},
                          {"start": 35, "end": 39, "label": "GPE"}]} for n in range(articles)]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return source


@pytest.mark.parametrize("fail_at", [1, 2, 7, 40])
def test_a_failing_write_half_way_through_an_import_imports_nothing(
        path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int) -> None:
    """os.write fails (ENOSPC) at the k-th journal append of the import and, for the
    harder case, the truncation back fails too: the store is as before either way, and
    the same import then runs."""
    import errno

    from tui.commands.import_ import run_import

    with GoldStore.open(path) as store:
        store.save_items("other", "ana", "h", {"s:0": added(0)})
    source = import_file(tmp_path, 30)
    before = tree(path.parent)
    real_write, real_truncate = os.write, os.ftruncate
    calls = {"n": 0}

    def write(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".journal"):
            calls["n"] += 1
            if calls["n"] == fail_at:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    def truncate(fd: int, size: int) -> None:
        if fail_at % 2:  # the harder case: the batch cannot even be cut back
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_truncate(fd, size)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "ftruncate", truncate)
    with pytest.raises(StoreError, match=r"No space left on device.*nothing was imported"):
        run_import([source], "native", "gold", path, "bob", "x")
    monkeypatch.undo()
    with GoldStore.open(path, read_only=True) as store:
        assert store.annotators() == ["ana"]
        assert store.article("art0", "x") is None
    if fail_at % 2 == 0:
        assert tree(path.parent) == before  # cut back: byte for byte as before
    assert run_import([source], "native", "gold", path, "bob", "x") == (30, 60, 0)
    assert len(GoldStore.open(path, read_only=True).summaries("bob")) == 30
    assert decided(path, "other") == {"s:0"}


def test_a_real_full_disk_half_way_through_an_import(
        small_disk: Callable[[str], Path], tmp_path: Path) -> None:
    disk = small_disk("256k")
    db = disk / "gold.json"
    with GoldStore.open(db) as store:
        store.save_items("other", "ana", "h", {"s:0": added(0)})
    source = import_file(tmp_path, 400)  # about 400 KiB of journal: more than the disk
    before = tree(disk)
    result = byline("import", "--db", str(db), "--annotator", "bob", str(source))
    one_line_error(result, "No space left on device", "nothing was imported",
                   "run it again")
    assert tree(disk) == before
    subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
    result = byline("import", "--db", str(db), "--annotator", "bob", str(source))
    assert result.returncode == 0, result.stderr
    assert "Imported 400 article(s)" in result.stderr
    assert decided(db, "other") == {"s:0"}


def test_a_malformed_suggestion_run_is_found_when_read_and_by_the_doctor(path: Path) -> None:
    from tui.core.model import Article, EntitySuggestion, ModelInfo, Suggestions

    article = Article("a", "Kalin met Hamas officials in Doha on Tuesday.")
    run = Suggestions(ModelInfo("m", "1", "m"), article.text_hash,
                      (EntitySuggestion(0, 5, "PERSON"),), ((0, 5), (6, 9)))
    with GoldStore.open(path) as store:
        store.put_article(article)
        store.put_suggestions("a", run)

    def bad_tokens(tables: dict) -> None:  # type: ignore[type-arg]
        next(iter(tables["suggestions"].values()))["data"]["tokens"] = [0, 5, 6, "nine"]

    forge(shard_file(path, "a"), bad_tokens, index=path)  # the index forged to match
    with GoldStore.open(path, read_only=True) as store:
        assert store.suggestion_count("a", article.text_hash) == 1  # the index is fine
        with pytest.raises(StoreError, match=r"damaged shard .*bad token offsets"):
            store.suggestions("a", article.text_hash)
    assert any("bad token offsets" in problem for problem in diagnose(path).problems)


def _compacting_reader(path: Path, compactions: int) -> Callable[[], int]:
    """A read during which a writer compacts (a new index) on each of the first
    `compactions` calls."""
    calls = {"n": 0}

    def read() -> int:
        calls["n"] += 1
        if calls["n"] <= compactions:
            with GoldStore.open(path) as store:
                store.save_items("a", "ana", "h", {f"s:{calls['n']}": EntityItem(
                    f"s:{calls['n']}", 0, 1, "ORG", Status.ADDED)})
                store.compact()
        return calls["n"]
    return read


def test_a_read_starts_again_for_as_long_as_compactions_replace_the_index(path: Path) -> None:
    from tui.store import gold

    GoldStore.open(path).close()
    assert gold.read_steadily(path, _compacting_reader(path, 30)) == 31  # beyond 20 tries
    with pytest.raises(StoreError, match="kept changing while it was read"):
        gold.read_steadily(path, _compacting_reader(path, gold.STEADY_TRIES))


def test_doctor_says_the_store_kept_changing_rather_than_report_a_torn_view(
        path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.store import doctor, gold

    GoldStore.open(path).close()
    monkeypatch.setattr(gold, "STEADY_TRIES", 3)
    monkeypatch.setattr(gold.time, "sleep", lambda seconds: None)
    compact = _compacting_reader(path, 100)
    real = doctor._diagnose_once
    monkeypatch.setattr(doctor, "_diagnose_once", lambda p: (compact(), real(p))[1])
    report = diagnose(path)
    assert report.problems == [f"{path}: the store kept changing while it was read; try again"]
    monkeypatch.setattr(doctor, "_diagnose_once", real)
    assert diagnose(path).healthy
