"""The gold store when the disk fails: every write, fsync, rename and truncate, one at a time.

A scenario (a save that compacts, a save followed by `compact()`, an open that
replays and compacts the journal) is run once
with counting wrappers around `os.write`, `os.fsync`, `os.replace` and
`os.ftruncate`; then, on a fresh store each time, it is run again with the
k-th call of one kind raising `OSError` (ENOSPC, then EIO), for every k. The
store must never be left half-way: a save that raised leaves memory and disk as
before it; a save that returned (a compaction failure after the journal append
may be logged and swallowed) leaves both as after it. The reopened store must
agree and accept new saves. Only the public API and the `os` calls are used:
the store is free to lay its files out as it likes.

The last test drives the real app: a journal append that fails must be shown to
the annotator, not crash the app, and not reach the disk.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.app.helpers import article_screen, make_app, static_text, stored, stored_items
from tui.core.model import EntityItem, Status
from tui.store.gold import GoldStore, StoreError

KINDS = ("write", "fsync", "replace", "ftruncate")
COMPACT_BYTES = 4000  # the small saves of `fill` stay under it; the big save passes it
H = "h"


def item(n: int, status: Status = Status.ACCEPTED, label: str = "PERSON") -> EntityItem:
    return EntityItem(id=f"s:{n}", start=n, end=n + 3, label=label, status=status,
                      annotator="ana", time="2025-10-23T10:00:00Z")


def fill(store: GoldStore) -> None:
    """A few small steps that stay in the journal (under COMPACT_BYTES together)."""
    store.save_items("a1", "ana", H, {"s:1": item(1), "s:2": item(2, Status.REJECTED)})
    store.save_items("a1", "ana", H, {"s:2": None, "s:3": item(3, Status.ADDED)})
    store.set_done("a1", "ana", H, True)
    store.save_items("a2", "bo", H, {"s:4": item(4, Status.CORRECTED, "ORG")})


def big_save(store: GoldStore) -> None:
    """One save whose journal line alone is larger than COMPACT_BYTES: it compacts."""
    changes: dict[str, EntityItem | None] = {
        f"s:{n}": item(n, Status.ADDED, "GPE") for n in range(10, 40)}
    changes["s:1"] = None  # a deletion of a compacted-or-journalled item
    changes["s:3"] = item(3, Status.CORRECTED, "ORG")  # an overwrite
    store.save_items("a1", "ana", H, changes)


def small_save(store: GoldStore) -> None:
    store.save_items("a2", "bo", H, {"s:5": item(5), "s:4": None})


def compact(store: GoldStore) -> None:
    store.compact()


#: Each scenario is a list of calls; a fault makes at most one of them raise.
SCENARIOS: dict[str, list[Callable[[GoldStore], None]]] = {
    "save-that-compacts": [big_save],
    "save-then-compact": [small_save, compact],
}


def state(store: GoldStore) -> dict[str, Any]:
    """Everything the in-memory reads show, without the `updated` times (they differ by run)."""
    records = {(r.article_id, r.annotator): dataclasses.replace(r, updated=None)
               for r in store.annotations()}
    for key in records:  # annotation() agrees with annotations()
        one = store.annotation(*key)
        assert one is not None and dataclasses.replace(one, updated=None) == records[key]
    summaries = {name: {a: dataclasses.replace(s, updated=None)
                        for a, s in store.summaries(name).items()}
                 for name in ("ana", "bo")}
    return {"records": records, "summaries": summaries}


class Faults:
    """Counting wrappers around the os calls; `fail` arms one call to raise."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts = dict.fromkeys(KINDS, 0)
        self.armed: tuple[str, int, int] | None = None
        self.fired = False
        self.active = False
        for kind in KINDS:
            monkeypatch.setattr(os, kind, self._wrap(kind, getattr(os, kind)))

    def _wrap(self, kind: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.active:
                self.counts[kind] += 1
                if self.armed is not None and self.armed[:2] == (kind, self.counts[kind]):
                    self.fired = True
                    code = self.armed[2]
                    raise OSError(code, os.strerror(code))
            return real(*args, **kwargs)
        return wrapper

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.active = True
        try:
            yield
        finally:
            self.active = False


def prepared(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[GoldStore, dict[str, Any]]:
    """A fresh store with `fill` in it, and its state."""
    monkeypatch.setattr(GoldStore, "COMPACT_BYTES", COMPACT_BYTES)
    store = GoldStore.open(path)
    fill(store)
    return store, state(store)


def reopened_state(path: Path) -> dict[str, Any]:
    with GoldStore.open(path) as store:
        return state(store)


def run_reference(path: Path, scenario: list[Callable[[GoldStore], None]]) -> tuple[
        list[dict[str, Any]], dict[str, int]]:
    """The scenario without faults: (the state before it and after each call, os calls made)."""
    with pytest.MonkeyPatch.context() as mp:
        store, before = prepared(path, mp)
        faults = Faults(mp)
        states = [before]
        for call in scenario:
            with faults.counting():
                call(store)
            states.append(state(store))
        store.close_quietly()
    assert before != states[-1]
    assert reopened_state(path) == states[-1]
    return states, faults.counts


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO], ids=["ENOSPC", "EIO"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_failing_os_call_leaves_a_whole_state(tmp_path: Path, name: str,
                                                    code: int) -> None:
    scenario = SCENARIOS[name]
    states, counts = run_reference(tmp_path / "reference" / "gold.json", scenario)
    before, after = states[0], states[-1]
    assert counts["write"] >= 1 and counts["fsync"] >= 1, counts
    assert counts["replace"] >= 1, f"{name} did not compact: {counts}"

    problems: list[str] = []
    outcomes: dict[str, int] = {}
    for kind in KINDS:
        for k in range(1, counts[kind] + 1):
            case = f"{name}: {kind} call {k} of {counts[kind]} fails ({errno.errorcode[code]})"
            path = tmp_path / f"{kind}-{k}" / "gold.json"
            with pytest.MonkeyPatch.context() as mp:
                store, start = prepared(path, mp)
                assert start == before, case
                faults = Faults(mp)
                faults.armed = (kind, k, code)
                # A call that raises leaves the state of the calls before it; if none
                # raises, the state is the one after the last.
                expected, outcome = after, "every call returned"
                try:
                    for number, call in enumerate(scenario):
                        try:
                            with faults.counting():
                                call(store)
                        except StoreError as error:
                            expected = states[number]
                            outcome = f"{call.__name__} raised StoreError"
                            if "\n" in str(error):
                                problems.append(f"{case}: the error message has several lines")
                            break
                except BaseException as error:  # anything but StoreError is a bug
                    problems.append(f"{case}: raised {type(error).__name__}: {error}")
                    store.close_quietly()
                    continue
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if not faults.fired:
                    problems.append(f"{case}: the call was never made this time")
                if state(store) != expected:
                    problems.append(f"{case}: {outcome}, but memory holds "
                                    f"{describe(state(store), states)}")
                store.close_quietly()
            # The patch is undone: reopen for real.
            try:
                again = GoldStore.open(path)
            except StoreError as error:
                problems.append(f"{case}: {outcome}, and the store no longer opens: {error}")
                continue
            try:
                if state(again) != expected:
                    problems.append(f"{case}: {outcome}, but the reopened store holds "
                                    f"{describe(state(again), states)}")
                again.save_items("a9", "cy", H, {"s:9": item(9)})
            except StoreError as error:
                problems.append(f"{case}: the reopened store refuses a save: {error}")
            finally:
                again.close_quietly()
            try:
                with GoldStore.open(path) as last:
                    record = last.annotation("a9", "cy")
                    if record is None or set(record.items) != {"s:9"}:
                        problems.append(f"{case}: the save after reopening was lost")
                    if {key: value for key, value in state(last)["records"].items()
                            if key != ("a9", "cy")} != expected["records"]:
                        problems.append(f"{case}: {outcome}, but after one more save and "
                                        f"a reopen the store does not hold that state")
            except StoreError as error:
                problems.append(f"{case}: the store does not open a second time: {error}")
    print(f"{name} {errno.errorcode[code]}: calls {counts}, outcomes {outcomes}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO], ids=["ENOSPC", "EIO"])
def test_every_failing_os_call_in_an_open_that_replays(tmp_path: Path, code: int) -> None:
    """Opening replays and compacts the journal; a fault there must not lose or change it."""

    def journalled(path: Path) -> dict[str, Any]:
        with pytest.MonkeyPatch.context() as mp:
            store, filled = prepared(path, mp)
            store.close_quietly()  # the steps stay in the journal for the next open
        return filled

    reference = tmp_path / "reference" / "gold.json"
    filled = journalled(reference)
    with pytest.MonkeyPatch.context() as mp:
        faults = Faults(mp)
        with faults.counting():
            opened = GoldStore.open(reference)
        opened.close_quietly()
        counts = faults.counts
    assert reopened_state(reference) == filled
    assert counts["replace"] >= 1, f"the open did not compact: {counts}"

    problems: list[str] = []
    for kind in KINDS:
        for k in range(1, counts[kind] + 1):
            case = f"open: {kind} call {k} of {counts[kind]} fails ({errno.errorcode[code]})"
            path = tmp_path / f"{kind}-{k}" / "gold.json"
            assert journalled(path) == filled
            with pytest.MonkeyPatch.context() as mp:
                faults = Faults(mp)
                faults.armed = (kind, k, code)
                try:
                    with faults.counting():
                        store = GoldStore.open(path)
                except StoreError:
                    pass
                except BaseException as error:
                    problems.append(f"{case}: raised {type(error).__name__}: {error}")
                    continue
                else:
                    if state(store) != filled:
                        problems.append(f"{case}: the open store does not hold the journal")
                    store.close_quietly()
                if not faults.fired:
                    problems.append(f"{case}: the call was never made this time")
            try:
                with GoldStore.open(path) as again:
                    if state(again) != filled:
                        problems.append(f"{case}: the reopened store does not hold the journal")
                    again.save_items("a9", "cy", H, {"s:9": item(9)})
                with GoldStore.open(path) as last:
                    record = last.annotation("a9", "cy")
                    if record is None or set(record.items) != {"s:9"}:
                        problems.append(f"{case}: the save after reopening was lost")
            except StoreError as error:
                problems.append(f"{case}: the store no longer opens or saves: {error}")
    print(f"open {errno.errorcode[code]}: calls {counts}")
    assert not problems, "\n".join(problems)


def describe(found: dict[str, Any], states: list[dict[str, Any]]) -> str:
    for number, known in enumerate(states):
        if found == known:
            return f"the state after {number} of the scenario's calls"
    return f"a state the scenario never reaches: {found['records']}"


# ------------------------------------------------------------------------------ the app


async def test_a_failing_journal_append_is_shown_and_not_saved(
        cached_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(cached_store)
    real_write = os.write
    failed: list[int] = []

    def write(fd: int, data: Any) -> int:
        try:
            regular = stat.S_ISREG(os.fstat(fd).st_mode)
        except OSError:
            regular = False
        if regular:
            failed.append(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        session = article_screen(app).session
        assert session is not None
        first = session.current
        assert first is not None and first.status is Status.SUGGESTED
        monkeypatch.setattr(os, "write", write)
        await pilot.press("a")
        await pilot.pause()
        monkeypatch.undo()
        assert failed, "the accept did not try to write to a file"
        assert app.is_running
        messages = [str(n.message) for n in app._notifications]
        shown = [m for m in messages if "could not save" in m or str(cached_store) in m]
        assert shown, messages
        assert "No space left on device" in static_text(app, "#status-line")
        assert session.current is first and first.status is Status.SUGGESTED
        assert first.id not in stored_items(cached_store)  # nothing reached the disk

        await pilot.press("a")  # the disk is back: the same key now saves
        assert stored_items(cached_store)[first.id][3] == "accepted"
    record = stored(cached_store)
    assert record is not None and record.items[first.id].status is Status.ACCEPTED


async def test_a_damaged_shard_shows_its_article_read_only(cached_store: Path) -> None:
    from tests.conftest import SEED_ID
    from tui.store.gold import SHARDS
    from tui.store.shard import shard_name, shard_of

    shard = cached_store.with_name("gold.json.shards") / shard_name(shard_of(SEED_ID, SHARDS))
    data = bytearray(shard.read_bytes())
    data[-40] ^= 0x01
    shard.write_bytes(bytes(data))
    damaged = shard.read_bytes()
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        assert app.is_running and screen.session is None and screen.stale
        status = static_text(app, "#status-line")
        assert shard.name in status and "read-only" in status
        await pilot.press("a", "f")  # nothing to accept; done is refused, politely
        assert app.is_running
        messages = [str(n.message) for n in app._notifications]
        assert any("cannot be read" in m for m in messages), messages
    assert shard.read_bytes() == damaged
