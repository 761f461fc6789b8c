"""Quote and meeting suggestions: their native JSON form round-trips."""

from __future__ import annotations

import pytest

from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.model import Span

TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday. “We agreed,” he told AFP."


def test_quote_round_trip_with_text() -> None:
    def span(needle: str) -> Span:
        start = TEXT.index(needle)
        return Span(start, start + len(needle))

    he = TEXT.index(" he ") + 1
    quote = QuoteSuggestion(content=span("We agreed"), speaker=Span(he, he + 2), cue=span("told"),
                            speaker_ref=span("Kalin"), kind="direct")
    data = quote.to_json(TEXT)
    assert data["content"]["text"] == "We agreed" and data["speaker"]["text"] == "he"
    assert data["cue"]["text"] == "told" and data["speaker_ref"]["text"] == "Kalin"
    assert QuoteSuggestion.from_json(data) == quote


def test_unattributed_quote_keeps_nulls() -> None:
    quote = QuoteSuggestion(Span(0, 4), None, None, None, "indirect")
    data = quote.to_json(TEXT)
    assert data["speaker"] is None and data["speaker_ref"] is None
    assert QuoteSuggestion.from_json(data) == quote
    with pytest.raises(ValueError):
        QuoteSuggestion.from_json({**data, "kind": "hearsay"})


def test_meeting_round_trip() -> None:
    meeting = MeetingSuggestion(trigger=Span(12, 15), participants=(Span(6, 11), Span(16, 31)),
                                place=Span(35, 39), time=Span(40, 52), date="2025-10-21",
                                event="e1")
    data = meeting.to_json(TEXT)
    assert [p["text"] for p in data["participants"]] == ["Kalin", "Hamas officials"]
    assert data["place"]["text"] == "Doha" and data["time"]["text"] == "late Tuesday"
    assert MeetingSuggestion.from_json(data) == meeting


def test_suggestions_carry_the_layers_and_old_cache_entries_still_load() -> None:
    from tui.core.model import EntitySuggestion, ModelInfo, Suggestions

    quote = QuoteSuggestion(Span(0, 4), Span(6, 11), None, Span(6, 11), "indirect")
    meeting = MeetingSuggestion(Span(12, 15), (Span(6, 11),), None, None, None, "e1")
    full = Suggestions(ModelInfo("m", "1"), "h", (EntitySuggestion(6, 11, "PERSON"),),
                       ((0, 4), (6, 11)), (quote,), (meeting,))
    assert Suggestions.from_json(full.to_json()) == full
    old = full.to_json()
    del old["quotes"], old["meetings"]
    loaded = Suggestions.from_json(old)
    assert loaded.quotes == () and loaded.meetings == () and loaded.entities == full.entities
