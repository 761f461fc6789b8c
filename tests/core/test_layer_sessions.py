"""The quote and meeting sessions: every action, what reaches the store, shared undo."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.history import History
from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.meeting_session import MeetingSession
from tui.core.model import Article, EntitySuggestion, ModelInfo, Span, Status, Suggestions
from tui.core.quote_session import QuoteSession
from tui.core.session import EntitySession
from tui.core.tokens import TokenIndex, simple_tokens
from tui.store.gold import GoldStore

TEXT = ("Kalin met Hamas officials in Doha late Tuesday. “We agreed on the next steps,” "
        "he told AFP. Erdogan hosted the emir in Ankara on Wednesday. The talks were "
        "friendly, an aide said.")
ARTICLE = Article("a1", TEXT, {"date": "2025-10-23"})
MODEL = ModelInfo("test_model", "1.0", "test_model")
TOKENS = TokenIndex(simple_tokens(TEXT))


def span(needle: str, occurrence: int = 0) -> Span:
    """The `occurrence`-th match of `needle` as whole words (or marks)."""
    pattern = rf"(?<!\w){re.escape(needle)}(?!\w)"
    match = list(re.finditer(pattern, TEXT))[occurrence]
    return Span(match.start(), match.end())


QUOTE = QuoteSuggestion(content=span("We agreed on the next steps"), speaker=span("he"),
                        cue=span("told"), speaker_ref=span("Kalin"), kind="direct")
INDIRECT = QuoteSuggestion(content=span("The talks were friendly"), speaker=span("an aide"),
                           cue=span("said"), speaker_ref=None, kind="indirect")
MEET1 = MeetingSuggestion(trigger=span("met"), participants=(span("Kalin"),
                          span("Hamas officials")), place=span("Doha"),
                          time=span("late Tuesday"), date="2025-10-21", event="e1")
MEET2 = MeetingSuggestion(trigger=span("hosted"), participants=(span("Erdogan"),),
                          place=None, time=None, date=None, event="e2")
MEET3 = MeetingSuggestion(trigger=span("talks"), participants=(), place=None, time=None,
                          date=None, event="e2")
ENTITIES = tuple(EntitySuggestion(span(name).start, span(name).end, label)
                 for name, label in (("Kalin", "PERSON"), ("Erdogan", "PERSON"), ("AFP", "ORG")))


@pytest.fixture
def store(tmp_path: Path) -> GoldStore:
    gold = GoldStore.open(tmp_path / "gold.json")
    gold.put_article(ARTICLE)
    yield gold
    gold.close_quietly()


def sink_for(store: GoldStore) -> Any:
    def sink(changes: Mapping[str, Any]) -> None:
        store.save_items(ARTICLE.id, "ann", ARTICLE.text_hash, changes)
    return sink


def sessions(store: GoldStore, clock: Any = lambda: "2025-10-23T10:00:00Z"
             ) -> tuple[EntitySession, QuoteSession, MeetingSession]:
    record = store.annotation(ARTICLE.id, "ann")
    history = History()
    suggestions = Suggestions(MODEL, ARTICLE.text_hash, ENTITIES, tuple(simple_tokens(TEXT)),
                              (QUOTE, INDIRECT), (MEET1, MEET2, MEET3))
    entities = EntitySession(ARTICLE, suggestions, record.items if record else {}, "ann",
                             sink_for(store), clock=clock, history=history)
    quotes = QuoteSession(ARTICLE, MODEL, TOKENS, suggestions.quotes,
                          record.quotes if record else {}, "ann", sink_for(store), history,
                          clock=clock)
    meetings = MeetingSession(ARTICLE, MODEL, TOKENS, suggestions.meetings,
                              record.meetings if record else {}, "ann", sink_for(store),
                              history, clock=clock)
    return entities, quotes, meetings


def reopened(store: GoldStore, tmp_path: Path) -> GoldStore:
    store.close()
    return GoldStore.open(tmp_path / "gold.json")


def test_accept_and_reject_reach_the_store_and_survive_reopening(store: GoldStore,
                                                                 tmp_path: Path) -> None:
    _, quotes, meetings = sessions(store)
    assert quotes.current is not None and quotes.current.value == QUOTE
    assert quotes.accept().ok
    assert quotes.current is not None and quotes.current.value == INDIRECT  # moved on
    assert quotes.reject().ok
    assert meetings.accept().ok
    store = reopened(store, tmp_path)
    record = store.annotation(ARTICLE.id, "ann")
    assert record is not None
    assert {i.status for i in record.quotes.values()} == {Status.ACCEPTED, Status.REJECTED}
    assert [i.value for i in record.meetings.values()] == [MEET1]
    summary = store.summary(ARTICLE.id, "ann")
    assert summary is not None and (summary.quotes, summary.meetings, summary.decided) == (2, 1, 0)
    _, quotes, meetings = sessions(store)
    assert quotes.counts()["suggested"] == 0
    assert meetings.counts()["accepted"] == 1 and meetings.counts()["suggested"] == 2
    store.close()


def test_cycle_speaker_goes_through_the_names_and_unattributed(store: GoldStore) -> None:
    entities, quotes, _ = sessions(store)
    mentions = [item.span for item in entities.ordered() if item.label in ("PERSON", "ORG")]
    names = []
    for _ in range(4):
        assert quotes.cycle_speaker(mentions).ok
        current = quotes.current
        assert current is not None
        names.append(quotes.speaker_name(current.value))
    # From Kalin: the next names in order of first mention, then unattributed, then round.
    assert names == ["AFP", "Erdogan", "unattributed", "Kalin"]
    current = quotes.current
    assert current is not None and current.status is Status.CORRECTED  # "he" became "Kalin"
    assert current.value.speaker == current.value.speaker_ref == span("Kalin")


def test_set_speaker_cue_kind_and_resize_are_corrections(store: GoldStore) -> None:
    _, quotes, _ = sessions(store)
    assert quotes.set_speaker(span("AFP"), named=True).ok
    assert quotes.set_cue(span("Hamas")).ok
    assert quotes.toggle_kind().ok
    assert quotes.resize("right", grow=False).ok
    item = quotes.current
    assert item is not None and item.status is Status.CORRECTED
    assert item.value == QuoteSuggestion(content=span("We agreed on the next"),
                                         speaker=span("AFP"), cue=span("Hamas"),
                                         speaker_ref=span("AFP"), kind="indirect")
    assert item.suggestion == QUOTE
    refused = quotes.set_speaker(span("agreed"), named=False)
    assert not refused.ok and "inside the quote" in refused.message
    # Four corrections, undone one by one, give back the suggestion, with no record left.
    for _ in range(4):
        assert quotes.history.undo().ok
    assert quotes.current is not None and quotes.current.value == QUOTE
    assert quotes.current.status is Status.SUGGESTED
    record = store.annotation(ARTICLE.id, "ann")
    assert record is not None and record.quotes == {}


def test_history_is_shared_across_layers(store: GoldStore) -> None:
    entities, quotes, meetings = sessions(store)
    assert entities.accept().ok
    assert quotes.accept().ok
    assert meetings.reject().ok
    outcome = entities.undo()
    assert outcome.layer == "meetings" and meetings.counts()["rejected"] == 0
    outcome = entities.undo()
    assert outcome.layer == "quotes" and quotes.counts()["accepted"] == 0
    outcome = entities.redo()
    assert outcome.layer == "quotes" and quotes.counts()["accepted"] == 1
    record = store.annotation(ARTICLE.id, "ann")
    assert record is not None and len(record.items) == 1 and len(record.quotes) == 1
    assert record.meetings == {}


def test_a_failed_write_changes_nothing(store: GoldStore) -> None:
    history = History()

    def failing(changes: Mapping[str, Any]) -> None:
        raise OSError("disk full")

    quotes = QuoteSession(ARTICLE, MODEL, TOKENS, (QUOTE,), {}, "ann", failing, history)
    with pytest.raises(OSError):
        quotes.accept()
    assert quotes.current is not None and quotes.current.status is Status.SUGGESTED
    assert not history.can_undo


def test_participant_key_inside_removes_and_selection_replaces(store: GoldStore) -> None:
    _, _, meetings = sessions(store)
    meetings.next()
    assert meetings.toggle_participant(span("the emir")).ok
    # The cursor on "emir" (a token inside the participant) removes "the emir".
    outcome = meetings.toggle_participant(span("emir"))
    assert outcome.ok and "Removed the participant the emir" in outcome.message
    assert meetings.current is not None
    assert meetings.current.value.participants == (span("Erdogan"),)
    # A selection overlapping a participant replaces it: a boundary correction.
    assert meetings.toggle_participant(span("the emir")).ok
    outcome = meetings.toggle_participant(span("emir"), selected=True)
    assert outcome.ok and meetings.current is not None
    assert meetings.current.value.participants == (span("Erdogan"), span("emir"))
    # A cursor span only partly inside a participant is refused, nothing changes.
    refused = meetings.toggle_participant(span("emir in"))
    assert not refused.ok
    assert meetings.current.value.participants == (span("Erdogan"), span("emir"))
    assert meetings.history.undo().ok
    assert meetings.current.value.participants == (span("Erdogan"), span("the emir"))


def test_meeting_participants_place_time_and_date(store: GoldStore) -> None:
    _, _, meetings = sessions(store)
    meetings.next()
    assert meetings.current is not None and meetings.current.value == MEET2
    assert meetings.toggle_participant(span("the emir")).ok
    assert meetings.set_place(span("Ankara")).ok
    assert meetings.set_time(span("on Wednesday")).ok
    value = meetings.current.value if meetings.current else None
    assert value is not None
    assert value.participants == (span("Erdogan"), span("the emir"))
    assert value.place == span("Ankara") and value.time == span("on Wednesday")
    assert value.date == "2025-10-22"  # the Wednesday before Thursday 2025-10-23
    assert meetings.toggle_participant(span("Erdogan")).ok  # a second press removes
    assert meetings.current is not None
    assert meetings.current.value.participants == (span("the emir"),)
    assert meetings.set_time(span("on Wednesday")).ok
    assert meetings.current.value.time is None and meetings.current.value.date is None
    record = store.annotation(ARTICLE.id, "ann")
    assert record is not None
    stored = next(iter(record.meetings.values()))
    assert stored.status is Status.CORRECTED and stored.value == meetings.current.value


def test_merge_and_split_events(store: GoldStore) -> None:
    _, _, meetings = sessions(store)
    meetings.next()
    meetings.next()
    assert meetings.current is not None and meetings.current.value == MEET3
    assert meetings.merge().ok  # e2 -> the nearest other event before it, e1
    assert meetings.current is not None and meetings.current.value.event == "e1"
    outcome = meetings.split()
    assert outcome.ok and meetings.current.value.event == "e3"  # e2 is still "hosted"
    refused = meetings.split()
    assert not refused.ok and "own" in refused.message


def test_add_from_selection(store: GoldStore) -> None:
    _, quotes, meetings = sessions(store)
    # "Kalin met Hamas officials" is no quote; the selection becomes an indirect one.
    outcome = quotes.add_from(span("Erdogan hosted the emir"))
    assert outcome.ok and quotes.current is not None
    assert quotes.current.value.kind == "indirect" and quotes.current.status is Status.ADDED
    # With its marks: direct, content without the marks and the trailing comma.
    quotes.reject()
    quotes.select(f"q:s:{QUOTE.content.start}:{QUOTE.content.end}")
    quotes.reject()
    marked = Span(TEXT.index("“"), TEXT.index("”") + 1)
    assert quotes.add_from(marked).ok
    assert quotes.current is not None and quotes.current.value.kind == "direct"
    assert quotes.current.value.content == QUOTE.content
    refused = meetings.add_from(span("met"))
    assert not refused.ok and "Overlaps" in refused.message
    assert meetings.add_from(span("friendly")).ok
    assert meetings.current is not None and meetings.current.value.event == "e3"
    record = store.annotation(ARTICLE.id, "ann")
    assert record is not None and any(i.status is Status.ADDED for i in record.meetings.values())


def test_suggestions_under_a_decision_are_hidden(store: GoldStore) -> None:
    _, quotes, _ = sessions(store)
    assert quotes.resize("left", grow=False).ok  # "agreed on the next steps"
    _, quotes, _ = sessions(store)
    anchors = [item.anchor for item in quotes.ordered()]
    assert QUOTE.content not in anchors  # the old suggestion does not come back beside it
    assert len(anchors) == 2


def test_role_spans_and_item_at(store: GoldStore) -> None:
    _, quotes, meetings = sessions(store)
    roles = {(role, TEXT[s.start:s.end]) for s, role, _ in quotes.role_spans(0, len(TEXT))}
    assert ("speaker", "he") in roles and ("cue", "told") in roles
    assert ("speaker_ref", "Kalin") in roles and ("content", "The talks were friendly") in roles
    assert quotes.item_at(span("next").start) is not None
    assert quotes.item_at(span("he").start) is None  # only the content places a quote
    found = meetings.item_at(span("hosted").start)
    assert isinstance(found, LayerItem) and found.value == MEET2


class Mirror:
    """A sink keeping what a store would hold."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def __call__(self, changes: Mapping[str, Any]) -> None:
        for item_id, item in changes.items():
            if item is None:
                self.items.pop(item_id, None)
            else:
                self.items[item_id] = item


_ACTIONS = ("accept", "reject", "delete", "next", "previous", "accept_all", "kind", "cue",
            "speaker", "cycle", "resize", "participant", "place", "time", "merge", "split",
            "add", "undo", "redo")


def _quote_action(quotes: QuoteSession, action: str, span: Span, named: bool) -> None:
    if action == "kind":
        quotes.toggle_kind()
    elif action == "cue":
        quotes.set_cue(span)
    elif action == "speaker":
        quotes.set_speaker(span, named)
    elif action == "cycle":
        quotes.cycle_speaker([span], 1)


def _meeting_action(meetings: MeetingSession, action: str, span: Span) -> None:
    if action == "participant":
        meetings.toggle_participant(span)
    elif action == "place":
        meetings.set_place(span)
    elif action == "time":
        meetings.set_time(span)
    elif action == "merge":
        meetings.merge()
    elif action == "split":
        meetings.split()


def assert_indices_match_items(session: Any, probe: Span) -> None:
    """What the session keeps up to date step by step equals what its items say now."""
    items = list(session.items.values())
    by_anchor = sorted(items, key=lambda i: (i.anchor.start, i.anchor.end, i.id))
    assert [i.id for i in session.ordered()] == [i.id for i in by_anchor]
    assert [session.position(i) for i in by_anchor] == list(range(len(items)))
    tally = {status.value: sum(1 for i in items if i.status is status) for status in Status}
    assert session.counts() == tally
    assert session.has_undecided() == (tally["suggested"] > 0)
    for start, end in ((0, len(TEXT)), (probe.start, probe.end), (probe.start, probe.start + 1)):
        expected = sorted(((s.start, s.end, role, i.id) for i in items
                           for role, s in session.roles(i.value)
                           if s.start < end and s.end > start))
        found = [(s.start, s.end, role, i.id) for s, role, i in session.role_spans(start, end)]
        assert found == expected
    blockers = [i for i in by_anchor if i.status is not Status.REJECTED
                and i.anchor.overlaps(probe)]
    assert session._blocker(probe) == (blockers[0] if blockers else None)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_ACTIONS), st.booleans(),
                          st.integers(0, len(TOKENS) - 1), st.integers(0, 3)),
                max_size=40), st.sampled_from([64, 0]))
def test_random_actions_keep_the_sink_and_memory_equal(steps: list[Any],
                                                       rebuild_over: int) -> None:
    """... and the indices (text order, role spans, counts) equal the items, whether a
    step updates them item by item or rebuilds them (`rebuild_over` 0)."""
    history = History()
    mirror = Mirror()
    quotes = QuoteSession(ARTICLE, MODEL, TOKENS, (QUOTE, INDIRECT), {}, "ann", mirror, history)
    meetings = MeetingSession(ARTICLE, MODEL, TOKENS, (MEET1, MEET2, MEET3), {}, "ann", mirror,
                              history)
    for session in (quotes, meetings):
        session._REBUILD_OVER = rebuild_over  # type: ignore[misc]
    for action, on_quotes, token, width in steps:
        layer: Any = quotes if on_quotes else meetings
        last = min(token + width, len(TOKENS) - 1)
        span = Span(TOKENS.starts[token], TOKENS.ends[last])
        if action in ("accept", "reject", "delete", "accept_all"):
            getattr(layer, action)()
        elif action in ("next", "previous"):
            layer.next(1 if action == "next" else -1)
        elif action == "undo":
            history.undo()
        elif action == "redo":
            history.redo()
        elif action == "resize":
            layer.resize("left" if width % 2 else "right", width < 2)
        elif action == "add":
            layer.add_from(span)
        elif on_quotes:
            _quote_action(quotes, action, span, width > 1)
        else:
            _meeting_action(meetings, action, span)
        decided = {item.id: item for session in (quotes, meetings)
                   for item in session.items.values() if item.status.is_decided}
        assert mirror.items == decided
        for session in (quotes, meetings):
            shown = [i.anchor for i in session.items.values() if i.status is not Status.REJECTED]
            assert not any(a.overlaps(b) for n, a in enumerate(shown) for b in shown[n + 1:])
            assert_indices_match_items(session, span)
    while history.can_undo:
        assert history.undo().ok
    assert mirror.items == {}
    assert [i.value for i in quotes.ordered()] == [QUOTE, INDIRECT]


def test_merge_prefers_the_meeting_sharing_a_participant_and_cycles_back() -> None:
    text = "Erdogan met Qatar’s emir in Doha. Fidan met Hamas officials. Talks with Qatar went on."
    article = Article("m", text, {})

    def at(needle: str, occurrence: int = 0) -> Span:
        start = [m.start() for m in re.finditer(re.escape(needle), text)][occurrence]
        return Span(start, start + len(needle))

    def mention(trigger: Span, event: str, *who: Span) -> MeetingSuggestion:
        return MeetingSuggestion(trigger, who, None, None, None, event)

    suggested = (mention(at("met"), "e1", at("Erdogan"), at("Qatar’s emir")),
                 mention(at("met", 1), "e2", at("Fidan"), at("Hamas officials")),
                 mention(at("Talks"), "e3", at("Qatar", 1)))
    meetings = MeetingSession(article, MODEL, TokenIndex(simple_tokens(text)), suggested, {},
                              "ann", lambda changes: None, History())
    first, second, talks = meetings.ordered()
    assert meetings.shared(talks.value, first.value) == "Qatar"  # "Qatar’s emir" names Qatar
    assert meetings.shared(talks.value, second.value) is None
    assert [c.id for c in meetings.merge_candidates(talks)] == [first.id, second.id]
    meetings.next()
    meetings.next()
    assert meetings.current is not None and meetings.current.id == talks.id
    events = []
    for _ in range(3):
        outcome = meetings.merge()
        assert outcome.ok, outcome.message
        events.append(meetings.items[talks.id].value.event)
    assert events == ["e1", "e2", "e3"]  # the likely one, the next, back to its own
    assert "Back to its own event" in outcome.message
    assert meetings.merge().ok and meetings.items[talks.id].value.event == "e1"  # again
