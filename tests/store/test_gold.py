"""The gold store: durability, replay, damaged files, locking and failed writes."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from tinydb import TinyDB

from tui.core.model import (
    Article,
    EntityItem,
    EntitySuggestion,
    ModelInfo,
    Status,
    Suggestions,
)
from tui.store.gold import SHARDS, GoldStore, StoreError, StoreLockedError
from tui.store.shard import shard_name, shard_of

ROOT = Path(__file__).resolve().parents[2]
MODEL = ModelInfo("en_core_web_sm", "3.8.0", spec="sm")
ARTICLE = Article("doha", "DOHA: Kalin met Hamas officials in Doha late Tuesday.",
                  {"date": "2025-10-23", "dateline": "DOHA"})
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def item(n: int, status: Status = Status.ACCEPTED, label: str = "PERSON") -> EntityItem:
    suggestion = None if status is Status.ADDED else EntitySuggestion(n, n + 3, "GPE")
    return EntityItem(id=f"s:{n}", start=n, end=n + 3, label=label, status=status,
                      suggestion=suggestion, annotator="ana", time="2025-10-23T10:00:00Z",
                      model=None if suggestion is None else MODEL)


def suggestions(spec: str, n: int = 2) -> Suggestions:
    model = ModelInfo("en_core_web_" + spec, "3.8.0", spec=spec)
    return Suggestions(model=model, text_hash=ARTICLE.text_hash,
                       entities=tuple(EntitySuggestion(i, i + 3, "ORG") for i in range(n)),
                       tokens=((0, 4), (4, 5), (6, 11)))


def shard_file(path: Path, article_id: str) -> Path:
    """The shard file that holds `article_id`."""
    return path.with_name(path.name + ".shards") / shard_name(shard_of(article_id, SHARDS))


def journal(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "annotations" / "gold.json"


@pytest.fixture
def store(path: Path) -> Iterator[GoldStore]:
    gold = GoldStore.open(path)
    yield gold
    gold.close_quietly()


def fill(store: GoldStore) -> None:
    """An article, two suggestion runs, decisions of two annotators, one done flag."""
    store.put_article(ARTICLE)
    store.put_suggestions(ARTICLE.id, suggestions("sm"))
    store.put_suggestions(ARTICLE.id, suggestions("lg", 3))
    h = ARTICLE.text_hash
    store.save_items(ARTICLE.id, "ana", h, {"s:1": item(1), "s:2": item(2, Status.REJECTED)})
    store.save_items(ARTICLE.id, "ana", h, {"s:7": item(7, Status.ADDED), "s:2": None})
    store.save_items(ARTICLE.id, "bo", h, {"s:3": item(3, Status.CORRECTED, "ORG")})
    store.set_done(ARTICLE.id, "ana", h, True)
    store.save_items("other", "ana", "feed", {"s:4": item(4)})


def check_filled(store: GoldStore) -> None:
    h = ARTICLE.text_hash
    assert store.article(ARTICLE.id, h) == ARTICLE
    assert store.article(ARTICLE.id, "other-hash") is None
    assert store.suggestions(ARTICLE.id, h, "sm") == suggestions("sm")
    assert store.suggestions(ARTICLE.id, h) == suggestions("lg", 3)  # the latest stored
    assert store.suggestions(ARTICLE.id, h, "trf") is None
    ana = store.annotation(ARTICLE.id, "ana")
    assert ana is not None
    assert ana.items == {"s:1": item(1), "s:7": item(7, Status.ADDED)}
    assert ana.done is True
    assert ana.text_hash == h
    assert ana.updated is not None and ISO_UTC.match(ana.updated)
    bo = store.annotation(ARTICLE.id, "bo")
    assert bo is not None and bo.items == {"s:3": item(3, Status.CORRECTED, "ORG")}
    assert bo.done is False
    assert store.annotation(ARTICLE.id, "cy") is None
    assert store.annotators() == ["ana", "bo"]
    assert sorted((r.article_id, r.annotator) for r in store.annotations()) == [
        ("doha", "ana"), ("doha", "bo"), ("other", "ana")]
    assert sorted(r.article_id for r in store.annotations("ana")) == ["doha", "other"]
    summary = store.summaries("ana")
    assert set(summary) == {"doha", "other"}
    assert (summary["doha"].decided, summary["doha"].added, summary["doha"].done) == (2, 1, True)
    assert summary["doha"].text_hash == h
    assert (summary["other"].decided, summary["other"].added) == (1, 0)


# ----------------------------------------------------------------- round trips


def test_new_store_is_created_with_its_folder(path: Path) -> None:
    with GoldStore.open(path) as store:
        assert list(store.annotations()) == []
        assert store.annotators() == []
        assert store.summaries("ana") == {}
    data = json.loads(path.read_text())
    meta = data["_meta"]["1"]
    assert {k: meta[k] for k in ("app", "schema", "kind", "shards")} == {
        "app": "byline", "schema": 2, "kind": "index", "shards": SHARDS}
    assert len(meta["sha256"]) == 64
    assert data["index"] == {}


def test_round_trip_in_memory(store: GoldStore) -> None:
    fill(store)
    check_filled(store)


def test_close_and_reopen(path: Path) -> None:
    with GoldStore.open(path) as store:
        fill(store)
    assert journal(path).read_bytes() == b""  # compacted on close
    with GoldStore.open(path) as store:
        check_filled(store)
    with TinyDB(shard_file(path, ARTICLE.id)) as db:  # plain TinyDB reads the shard file
        assert {"_meta", "articles", "suggestions", "annotations"} <= db.tables()
        assert len(db.table("annotations")) == 2
        assert db.table("articles").all()[0]["text"] == ARTICLE.text
        meta = db.table("_meta").get(doc_id=1)
        assert meta is not None and meta["schema"] == 2 and meta["kind"] == "shard"
    with TinyDB(path) as db:  # and the index, one document per shard
        assert len(db.table("index")) == 2


def test_replay_without_close(path: Path) -> None:
    store = GoldStore.open(path)
    fill(store)
    store.close_quietly()  # as if the process died: the changes are only in the journal
    assert journal(path).stat().st_size > 0
    with GoldStore.open(path) as again:
        assert journal(path).read_bytes() == b""  # replayed and compacted at open
        check_filled(again)


def test_replaying_steps_already_compacted_changes_nothing(path: Path) -> None:
    """A crash between the rename of gold.json and the truncation of the journal."""
    store = GoldStore.open(path)
    fill(store)
    steps = journal(path).read_bytes()
    store.close()
    journal(path).write_bytes(steps)
    with GoldStore.open(path) as again:
        check_filled(again)


def test_saves_do_not_rewrite_the_store_file(store: GoldStore, path: Path) -> None:
    store.save_items("a", "ana", "h", {"s:1": item(1)})
    before = path.stat()
    for n in range(2, 20):
        store.save_items("a", "ana", "h", {f"s:{n}": item(n)})
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino, before.st_mtime_ns, before.st_size)


def test_put_article_twice_writes_once(store: GoldStore, path: Path) -> None:
    store.put_article(ARTICLE)
    size = journal(path).stat().st_size
    store.put_article(Article(ARTICLE.id, ARTICLE.text, dict(ARTICLE.meta)))
    assert journal(path).stat().st_size == size
    store.put_article(Article(ARTICLE.id, ARTICLE.text, {"date": "2025-10-24"}))
    assert journal(path).stat().st_size > size
    assert store.article(ARTICLE.id, ARTICLE.text_hash) == Article(
        ARTICLE.id, ARTICLE.text, {"date": "2025-10-24"})


def test_suggestions_stored_again_become_the_latest(store: GoldStore) -> None:
    store.put_suggestions(ARTICLE.id, suggestions("sm"))
    store.put_suggestions(ARTICLE.id, suggestions("lg", 3))
    assert store.suggestions(ARTICLE.id, ARTICLE.text_hash) == suggestions("lg", 3)
    store.put_suggestions(ARTICLE.id, suggestions("sm"))
    assert store.suggestions(ARTICLE.id, ARTICLE.text_hash) == suggestions("sm")


def test_stored_state_is_not_shared_with_the_caller(store: GoldStore) -> None:
    meta = {"title": "Talks"}
    store.put_article(Article("x", "text", meta))
    meta["title"] = "changed"
    found = store.article("x", Article("x", "text").text_hash)
    assert found is not None and found.meta == {"title": "Talks"}


def test_done_without_items_and_undone(store: GoldStore) -> None:
    store.set_done("a", "ana", "h", True)
    record = store.annotation("a", "ana")
    assert record is not None and record.done and record.items == {}
    store.set_done("a", "ana", "h", False)
    assert store.summaries("ana")["a"].done is False


def test_item_under_another_id_is_refused(store: GoldStore) -> None:
    with pytest.raises(ValueError):
        store.save_items("a", "ana", "h", {"s:2": item(1)})
    assert store.annotation("a", "ana") is None


def test_compacts_when_the_journal_grows(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GoldStore, "COMPACT_BYTES", 2000)
    with GoldStore.open(path) as store:
        for n in range(40):
            store.save_items("a", "ana", "h", {f"s:{n}": item(n)})
            assert journal(path).stat().st_size <= 2000 + 1000
        with TinyDB(shard_file(path, "a")) as db:
            assert len(db.table("annotations").all()[0]["items"]) >= 30
    with GoldStore.open(path) as store:
        record = store.annotation("a", "ana")
        assert record is not None and len(record.items) == 40


# ------------------------------------------------------------ damaged journals


def test_torn_last_line_is_dropped(path: Path) -> None:
    store = GoldStore.open(path)
    fill(store)
    store.close_quietly()
    with journal(path).open("ab") as handle:
        handle.write(b'{"op":"items","article_id":"doha","annot')
    with GoldStore.open(path) as again:
        check_filled(again)
        assert journal(path).read_bytes() == b""


def test_a_damaged_last_line_with_its_newline_is_damage_not_a_torn_tail(path: Path) -> None:
    """Only a line without its newline can be a crash's torn append: one that ends in a
    newline was acknowledged, so a failed check there stops the store (and export) until
    doctor --repair has run, and the repair says what it dropped."""
    store = GoldStore.open(path)
    store.save_items("a", "ana", "h", {"s:1": item(1)})
    store.save_items("a", "ana", "h", {"s:2": item(2)})
    store.close_quietly()
    data = bytearray(journal(path).read_bytes())
    data[-20] ^= 0x01  # a flipped bit in the last complete line
    journal(path).write_bytes(bytes(data))
    before, before_journal = snapshot(path), snapshot(journal(path))
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"line 2 of 2 is damaged; see byline doctor"):
            GoldStore.open(path, read_only=read_only)
    assert snapshot(path) == before and snapshot(journal(path)) == before_journal
    from tui.store.doctor import repair

    said: list[str] = []
    repair(path, echo=said.append)
    assert any(line.startswith("lost: journal line 2 (") for line in said), said
    with GoldStore.open(path) as again:
        record = again.annotation("a", "ana")
        assert record is not None and set(record.items) == {"s:1"}


def test_torn_tail_only_is_truncated(path: Path) -> None:
    GoldStore.open(path).close()
    journal(path).write_bytes(b'{"op":"do')
    with GoldStore.open(path) as store:
        assert journal(path).read_bytes() == b""
        store.save_items("a", "ana", "h", {"s:1": item(1)})
    with GoldStore.open(path) as store:
        assert store.annotation("a", "ana") is not None


@pytest.mark.parametrize("bad", [b"not json at all", b'{"op": "teleport"}', b"[1]",
                                 b'{"op": "items", "article_id": "a"}'])
def test_damaged_middle_line_is_an_error(path: Path, bad: bytes) -> None:
    store = GoldStore.open(path)
    for n in range(3):
        store.save_items("a", "ana", "h", {f"s:{n}": item(n)})
    store.close_quietly()
    lines = journal(path).read_bytes().split(b"\n")
    lines[1] = bad
    journal(path).write_bytes(b"\n".join(lines))
    before, before_journal = snapshot(path), snapshot(journal(path))
    with pytest.raises(StoreError, match=r"gold\.json\.journal.*line 2") as info:
        GoldStore.open(path)
    assert "\n" not in str(info.value)
    assert snapshot(path) == before
    assert snapshot(journal(path)) == before_journal
    with pytest.raises(StoreError) as again:
        GoldStore.open(path)  # still refused, and the first attempt released the lock
    assert not isinstance(again.value, StoreLockedError)


def test_journal_without_store_is_an_error(path: Path) -> None:
    path.parent.mkdir(parents=True)
    journal(path).write_bytes(b'{"op":"done"}\n')
    with pytest.raises(StoreError, match="missing"):
        GoldStore.open(path)
    assert not path.exists()


# --------------------------------------------------------------- damaged stores


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "zero bytes"),
        (b'{"_meta": {"1": {"schema": 1, "app": "byline"}},\n"articles": {},\n"annot', "line 3"),
        (b'{"_default": {}}', "no _meta"),
        (b'{"_meta": {"1": {"schema": 1, "app": "byline"}}, "articles": {}}', "no 'suggestions'"),
        (b'{"_meta": {"1": {"schema": 3, "app": "byline"}}, "articles": {}, "suggestions": {},'
         b' "annotations": {}}', "newer byline"),
        (b'{"_meta": {"1": {"schema": 1, "app": "byline"}}, "articles": {}, "suggestions": {},'
         b' "annotations": {"1": {"article_id": "a"}}}', "annotator"),
    ],
    ids=["zero-bytes", "unparseable", "no-meta", "missing-table", "newer-schema", "bad-doc"],
)
def test_unreadable_store_is_an_error_and_untouched(path: Path, content: bytes,
                                                    reason: str) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    journal(path).write_bytes(b'{"op":"done","article_id":"a","annotator":"ana",'
                              b'"text_hash":"h","updated":"2025-10-23T10:00:00Z","done":true}\n')
    before, before_journal = snapshot(path), snapshot(journal(path))
    for read_only in (False, True):
        with pytest.raises(StoreError, match=reason) as info:
            GoldStore.open(path, read_only=read_only)
        message = str(info.value)
        assert message.startswith(f"{path}: not a byline gold store (")
        assert "\n" not in message
        assert snapshot(path) == before
        assert snapshot(journal(path)) == before_journal
    assert not any(p.name.endswith(".tmp") for p in path.parent.iterdir())


def test_temp_files_of_an_interrupted_compaction_are_removed(path: Path) -> None:
    GoldStore.open(path).close()
    leftover = path.with_name(".gold.json.0123abcd.tmp")
    leftover.write_text('{"half": ')
    unrelated = path.with_name(".other.json.0123abcd.tmp")
    unrelated.write_text("keep")
    GoldStore.open(path, read_only=True).close()
    assert leftover.exists()  # a reader never removes them: a writer may be compacting
    GoldStore.open(path).close()
    assert not leftover.exists()
    assert unrelated.exists()


# --------------------------------------------------------------- failed writes


@pytest.mark.parametrize("how", ["write", "partial-write", "fsync"])
def test_failed_write_leaves_memory_and_disk_as_before(
    store: GoldStore, path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    store.save_items("a", "ana", "h", {"s:1": item(1)})
    store.set_done("a", "ana", "h", True)
    record_before = store.annotation("a", "ana")
    summary_before = store.summaries("ana")
    disk_before = path.read_bytes(), journal(path).read_bytes()
    journal_fd = store._journal.fd  # type: ignore[union-attr]
    real_write, real_fsync = os.write, os.fsync
    failures = []

    def write(fd: int, data: bytes) -> int:
        if fd == journal_fd and how != "fsync":
            failures.append(fd)
            if how == "partial-write":
                real_write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        if fd == journal_fd and how == "fsync" and not failures:
            failures.append(fd)
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(StoreError, match=r"gold\.json\.journal: could not save") as info:
        store.save_items("a", "ana", "h", {"s:1": None, "s:2": item(2, Status.ADDED)})
    assert isinstance(info.value.__cause__, OSError)
    assert failures
    assert store.annotation("a", "ana") == record_before
    assert store.summaries("ana") == summary_before
    assert (path.read_bytes(), journal(path).read_bytes()) == disk_before

    monkeypatch.undo()
    store.save_items("a", "ana", "h", {"s:3": item(3)})
    store.close_quietly()
    with GoldStore.open(path) as again:
        record = again.annotation("a", "ana")
        assert record is not None
        assert set(record.items) == {"s:1", "s:3"}
        assert record.done is True


# ------------------------------------------------------------- other processes

CHILD = textwrap.dedent("""
    import sys
    from tui.core.model import EntityItem, Status
    from tui.store.gold import GoldStore

    GoldStore.COMPACT_BYTES = int(sys.argv[3])
    store = GoldStore.open(sys.argv[1])
    if sys.argv[2] == "hold":
        store.save_items("held", "ana", "h", {"a:1": EntityItem("a:1", 0, 1, "ORG", Status.ADDED)})
        print("ready", flush=True)
        sys.stdin.read()
    else:
        n = 0
        while True:
            item = EntityItem(f"a:{n}", n, n + 1, "ORG", Status.ADDED)
            store.save_items(f"art{n % 7}", "ana", "h", {item.id: item})
            if n % 5 == 0:
                store.set_done(f"art{n % 7}", "ana", "h", n % 2 == 0)
            print(f"ack {n}", flush=True)
            n += 1
""")


def spawn(path: Path, mode: str, compact_bytes: int = 8 << 20) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), mode, str(compact_bytes)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


@pytest.mark.parametrize("compact_bytes", [8 << 20, 3000], ids=["journal", "compacting"])
def test_every_acknowledged_decision_survives_sigkill(path: Path, compact_bytes: int) -> None:
    child = spawn(path, "save", compact_bytes)
    assert child.stdout is not None
    acked: list[int] = []
    try:
        while len(acked) < 300:
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else "child died"
            acked.append(int(line.split()[1]))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    acked += [int(line.split()[1]) for line in rest.splitlines()]  # printed before it died
    assert child.returncode == -signal.SIGKILL
    with GoldStore.open(path) as store:  # the dead process's lock does not block
        for n in acked:
            record = store.annotation(f"art{n % 7}", "ana")
            assert record is not None and f"a:{n}" in record.items, n
        last_done = max(n for n in acked if n % 5 == 0)
        record = store.annotation(f"art{last_done % 7}", "ana")
        assert record is not None and record.done is (last_done % 2 == 0)
    assert not any(p.name.endswith(".tmp") for p in path.parent.iterdir())


def test_second_writer_is_refused_and_readers_are_not(path: Path) -> None:
    child = spawn(path, "hold")
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline() == "ready\n"
        with pytest.raises(StoreLockedError) as info:
            GoldStore.open(path)
        message = str(info.value)
        assert message.startswith(f"{path} is in use by another byline (process {child.pid})")
        assert "\n" not in message

        reader = GoldStore.open(path, read_only=True)  # sees the journal, changes nothing
        assert reader.read_only
        record = reader.annotation("held", "ana")
        assert record is not None and set(record.items) == {"a:1"}
        journal_before = snapshot(journal(path))
        with pytest.raises(StoreError, match="read-only"):
            reader.save_items("held", "ana", "h", {"s:2": item(2, Status.ADDED)})
        with pytest.raises(StoreError, match="read-only"):
            reader.set_done("held", "ana", "h", True)
        with pytest.raises(StoreError, match="read-only"):
            reader.put_article(ARTICLE)
        reader.close()
        assert snapshot(journal(path)) == journal_before
    finally:
        child.kill()
        child.wait()
    lock = path.with_name("gold.json.lock")
    assert lock.read_text().split("\n")[0] == str(child.pid)  # left by the dead process
    with GoldStore.open(path) as store:
        assert lock.read_text().split("\n")[0] == str(os.getpid())
        assert store.annotation("held", "ana") is not None


def test_second_writer_in_the_same_process_is_refused(path: Path) -> None:
    with GoldStore.open(path), pytest.raises(StoreLockedError, match=str(os.getpid())):
        GoldStore.open(path)


def test_read_only_needs_an_existing_store(path: Path) -> None:
    with pytest.raises(StoreError, match="no gold store"):
        GoldStore.open(path, read_only=True)
    assert not path.parent.exists()


def test_closed_store_refuses_writes(path: Path) -> None:
    store = GoldStore.open(path)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        store.save_items("a", "ana", "h", {"s:1": item(1)})


def test_a_folder_that_cannot_be_made_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "annotations").write_text("a file where the folder should be")
    with pytest.raises(StoreError, match=r"gold\.json: cannot create its folder"):
        GoldStore.open(tmp_path / "annotations" / "gold.json")


def test_summary_of_one_article_matches_summaries(path: Path) -> None:
    from tui.core.model import EntityItem, Status

    with GoldStore.open(path) as store:
        assert store.summary("a1", "ann") is None
        items = {f"a:{n}": EntityItem(f"a:{n}", n * 10, n * 10 + 4, "ORG", Status.ADDED)
                 for n in range(3)}
        store.save_items("a1", "ann", "hash1", items)
        store.save_items("a1", "ann", "hash1", {"a:0": None})
        store.set_done("a1", "ann", "hash1", True)
        one = store.summary("a1", "ann")
        assert one == store.summaries("ann")["a1"]
        assert one is not None and (one.decided, one.added, one.done) == (2, 2, True)
        assert one.text_hash == "hash1"


def test_suggestion_count_without_decoding(path: Path) -> None:
    from tui.core.model import EntitySuggestion, ModelInfo, Suggestions

    with GoldStore.open(path) as store:
        assert store.suggestion_count("a1", "h1") is None
        entities = tuple(EntitySuggestion(n, n + 1, "ORG") for n in range(0, 10, 2))
        store.put_suggestions("a1", Suggestions(ModelInfo("m", "1", "spec-a"), "h1", entities,
                                                tuple((n, n + 1) for n in range(10))))
        assert store.suggestion_count("a1", "h1") == 5
        assert store.suggestion_count("a1", "h1", "spec-a") == 5
        assert store.suggestion_count("a1", "h1", "spec-b") is None
        assert store.suggestion_count("a1", "other-hash") is None
