"""The entity session: every action, what reaches the sink, undo and redo."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.model import (
    Article,
    EntityItem,
    EntitySuggestion,
    ModelInfo,
    Span,
    Status,
    Suggestions,
)
from tui.core.session import EntitySession
from tui.core.tokens import simple_tokens

TEXT = "Kalin met Fidan in Doha on Tuesday. Later Kalin flew to Ankara with Fidan."
MODEL = ModelInfo("test_model", "1.0", "test_model")


def _suggest(*pairs: tuple[str, str, int]) -> tuple[EntitySuggestion, ...]:
    """Suggestions from (text, label, occurrence) triples."""
    found = []
    for needle, label, occurrence in pairs:
        start = -1
        for _ in range(occurrence + 1):
            start = TEXT.index(needle, start + 1)
        found.append(EntitySuggestion(start, start + len(needle), label))
    return tuple(found)


SUGGESTIONS = _suggest(("Kalin", "GPE", 0), ("Fidan", "PERSON", 0), ("Doha", "GPE", 0),
                       ("Tuesday", "DATE", 0), ("Kalin", "PERSON", 1), ("Ankara", "GPE", 0))


class Mirror:
    """A sink that keeps what a store would hold, and can be told to fail."""

    def __init__(self) -> None:
        self.items: dict[str, EntityItem] = {}
        self.calls = 0
        self.fail = False

    def __call__(self, changes: Mapping[str, EntityItem | None]) -> None:
        if self.fail:
            raise OSError("disk full")
        self.calls += 1
        for item_id, item in changes.items():
            if item is None:
                self.items.pop(item_id, None)
            else:
                self.items[item_id] = item


def make_session(stored: Mapping[str, EntityItem] | None = None,
                 suggestions: tuple[EntitySuggestion, ...] = SUGGESTIONS
                 ) -> tuple[EntitySession, Mirror]:
    article = Article("a1", TEXT)
    mirror = Mirror()
    if stored:
        mirror.items.update(stored)
    session = EntitySession(
        article, Suggestions(MODEL, article.text_hash, suggestions, tuple(simple_tokens(TEXT))),
        stored or {}, "alice", mirror, clock=lambda: "2025-01-01T00:00:00Z")
    return session, mirror


def state(session: EntitySession) -> list[tuple[str, int, int, str, str]]:
    return [(i.id, i.start, i.end, i.label, i.status.value) for i in session.ordered()]


def decided(session: EntitySession) -> dict[str, EntityItem]:
    return {k: v for k, v in session.items.items() if v.status.is_decided}


def test_first_undecided_is_current_and_accept_advances() -> None:
    session, mirror = make_session()
    assert session.text_of(session.current) == "Kalin"  # type: ignore[arg-type]
    outcome = session.accept()
    assert outcome.ok and mirror.calls == 1
    first = mirror.items["s:0:5:GPE"]
    assert first.status is Status.ACCEPTED and first.annotator == "alice"
    assert first.model == MODEL and first.time == "2025-01-01T00:00:00Z"
    assert session.text_of(session.current) == "Fidan"  # type: ignore[arg-type]


def test_relabel_marks_corrected_and_back_to_suggested_label_is_accepted() -> None:
    session, mirror = make_session()
    session.relabel("PERSON")
    assert mirror.items["s:0:5:GPE"].status is Status.CORRECTED
    session.relabel("GPE")
    assert mirror.items["s:0:5:GPE"].status is Status.ACCEPTED


def test_reject_restores_the_suggestion_and_delete_removes_added() -> None:
    session, mirror = make_session()
    session.resize("right", True)
    session.reject()
    item = mirror.items["s:0:5:GPE"]
    assert (item.start, item.end, item.label, item.status) == (0, 5, "GPE", Status.REJECTED)
    outcome = session.add(Span(TEXT.index("met"), TEXT.index("met") + 3), "EVENT")
    assert outcome.ok and session.current is not None
    added_id = session.current.id
    assert mirror.items[added_id].status is Status.ADDED
    session.delete()
    assert added_id not in mirror.items and added_id not in session.items
    assert session.current is not None  # moved to a neighbour


def test_resize_steps_by_token_and_keeps_one_token() -> None:
    session, _ = make_session()
    session.next()  # Fidan
    assert session.resize("left", True).ok
    assert session.text_of(session.current) == "met Fidan"  # type: ignore[arg-type]
    assert session.resize("right", True).ok
    assert session.text_of(session.current) == "met Fidan in"  # type: ignore[arg-type]
    session.resize("left", False)
    session.resize("right", False)
    refused = session.resize("left", False)
    assert not refused.ok and "at least one token" in refused.message


def test_resize_into_another_entity_is_refused() -> None:
    session, mirror = make_session()
    before = dict(mirror.items)
    refused = session.resize("right", True)  # Kalin -> "Kalin met": fine
    assert refused.ok
    session.resize("right", True)  # "Kalin met Fidan": overlaps Fidan
    outcome = session.resize("right", True)
    assert not outcome.ok or "Overlaps" in outcome.message
    assert before != mirror.items
    assert all(not a.span.overlaps(b.span) for a in session.items.values()
               for b in session.items.values()
               if a.id < b.id and Status.REJECTED not in (a.status, b.status))


def test_add_snaps_to_tokens_and_refuses_overlap() -> None:
    session, mirror = make_session()
    start = TEXT.index("flew")
    outcome = session.add(Span(start + 1, start + 3), "EVENT")  # inside "flew"
    assert outcome.ok
    assert session.text_of(session.current) == "flew"  # type: ignore[arg-type]
    refused = session.add(Span(TEXT.index("Doha") - 3, TEXT.index("Doha") + 2), "LOC")
    assert not refused.ok and "Overlaps 'Doha'" in refused.message
    assert sum(1 for i in mirror.items.values() if i.status is Status.ADDED) == 1


def test_apply_to_mentions_relabels_and_adds() -> None:
    session, mirror = make_session()
    session.relabel("PERSON")  # first Kalin GPE -> PERSON
    outcome = session.apply_to_mentions()
    assert outcome.ok
    later = TEXT.rindex("Kalin")
    second = mirror.items[f"s:{later}:{later + 5}:PERSON"]
    assert second.status is Status.ACCEPTED and second.label == "PERSON"
    # Fidan: second mention has no suggestion, so applying adds it.
    session.select("s:10:15:PERSON")
    session.accept()
    session.select("s:10:15:PERSON")
    outcome = session.apply_to_mentions()
    assert outcome.ok
    added = [i for i in mirror.items.values() if i.status is Status.ADDED]
    assert [session.text_of(i) for i in added] == ["Fidan"]
    assert added[0].start == TEXT.rindex("Fidan")
    session.undo()
    assert not [i for i in mirror.items.values() if i.status is Status.ADDED]


def test_apply_a_rejection_to_mentions() -> None:
    session, mirror = make_session(suggestions=_suggest(("Kalin", "GPE", 0), ("Kalin", "GPE", 1)))
    session.reject()
    session.select("s:0:5:GPE")
    assert session.apply_to_mentions().ok
    assert {i.status for i in mirror.items.values()} == {Status.REJECTED}


def test_accept_all_is_one_step() -> None:
    session, mirror = make_session()
    session.reject()
    assert session.accept_all().ok
    assert len(mirror.items) == len(SUGGESTIONS)
    assert not session.has_undecided()
    session.undo()
    assert list(mirror.items) == ["s:0:5:GPE"]


def test_a_failing_sink_changes_nothing() -> None:
    session, mirror = make_session()
    before = state(session)
    current = session.current_id
    mirror.fail = True
    with pytest.raises(OSError):
        session.accept()
    assert state(session) == before and session.current_id == current
    assert not session.can_undo


def test_stored_decisions_override_suggestions_and_hide_overlaps() -> None:
    start = TEXT.index("in Doha")
    added = EntityItem("a:1", start, start + len("in Doha"), "LOC", Status.ADDED,
                       annotator="bob", time="t")
    session, _ = make_session(stored={"a:1": added})
    texts = [session.text_of(i) for i in session.ordered()]
    assert "in Doha" in texts and "Doha" not in texts  # the overlapping suggestion is hidden
    outcome = session.add(Span(TEXT.index("Later"), TEXT.index("Later") + 5), "DATE")
    assert outcome.ok and session.current_id == "a:2"


ACTIONS = st.lists(st.sampled_from(
    ["accept", "reject", "delete", "next", "prev", "relabel", "grow_l", "grow_r", "shrink_l",
     "shrink_r", "mentions", "accept_all", "add", "undo", "redo"]), max_size=25)


@settings(max_examples=150, deadline=None)
@given(actions=ACTIONS, where=st.integers(0, len(TEXT) - 1))
def test_any_sequence_keeps_disk_equal_to_memory_and_undoes_fully(
        actions: list[str], where: int) -> None:
    session, mirror = make_session()
    initial = state(session)
    for name in actions:
        {
            "accept": session.accept, "reject": session.reject, "delete": session.delete,
            "next": session.next, "prev": lambda: session.next(-1),
            "relabel": lambda: session.relabel("ORG"),
            "grow_l": lambda: session.resize("left", True),
            "grow_r": lambda: session.resize("right", True),
            "shrink_l": lambda: session.resize("left", False),
            "shrink_r": lambda: session.resize("right", False),
            "mentions": session.apply_to_mentions, "accept_all": session.accept_all,
            "add": lambda: session.add(Span(where, where + 1), "MISC"),
            "undo": session.undo, "redo": session.redo,
        }[name]()
        assert mirror.items == decided(session)
        recount = {status.value: 0 for status in Status}
        for item in session.items.values():
            recount[item.status.value] += 1
        assert session.counts() == recount
        assert session.has_undecided() == (recount["suggested"] > 0)
        assert [session.position(i) for i in session.ordered()] == list(range(len(session.items)))
        shown = [i for i in session.items.values() if i.status is not Status.REJECTED]
        for a in shown:
            assert session.tokens.is_aligned(a.span)
            for b in shown:
                assert a.id == b.id or not a.span.overlaps(b.span)
    while session.can_undo:
        session.undo()
    assert state(session) == initial
    assert mirror.items == {}


def test_accepting_a_corrected_entity_confirms_it_and_moves_on() -> None:
    session, mirror = make_session()
    session.relabel("PERSON")
    calls = mirror.calls
    outcome = session.accept()
    assert outcome.ok and outcome.message == "Kept 'Kalin' as PERSON"
    assert mirror.calls == calls  # nothing new to write
    assert mirror.items["s:0:5:GPE"].status is Status.CORRECTED
    assert session.text_of(session.current) == "Fidan"  # type: ignore[arg-type]


def test_next_from_an_offset_between_entities() -> None:
    session, _ = make_session()
    in_doha = TEXT.index("in Doha")  # between Fidan and Doha
    assert session.next_from(in_doha).ok
    assert session.text_of(session.current) == "Doha"  # type: ignore[arg-type]
    assert session.next_from(in_doha, -1).ok
    assert session.text_of(session.current) == "Fidan"  # type: ignore[arg-type]
    assert session.next_from(TEXT.index("Doha")).ok  # strictly after: Tuesday
    assert session.text_of(session.current) == "Tuesday"  # type: ignore[arg-type]
    assert not session.next_from(len(TEXT)).ok
    assert not session.next_from(0, -1).ok
