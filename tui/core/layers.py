"""The quote and meeting layers: what a model suggests about who said what, and who met whom.

A quote (after the source/cue/content scheme of news attribution corpora,
PARC and PolNeAR) has a `content` span, the `speaker` mention as written
("a Turkish official", "he"), the `cue` ("said", "told", "according to"), the
`speaker_ref` the speaker resolves to (a named mention, None where it cannot
be resolved) and its `kind` (direct, in quote marks; or indirect).

A meeting (after ACE 2005's Contact:Meet) has a `trigger` ("met", "talks"),
its `participants`, a `place` and a `time` span, the calendar `date` the time
resolves to, and an `event` id shared by the mentions of one real meeting.

Spans are code points of the article text, end exclusive, as everywhere.
The JSON forms are those of the native JSONL (DESIGN.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from tui.core.model import Span

QuoteKind = Literal["direct", "indirect"]


def span_json(span: Span | None, text: str) -> dict[str, Any] | None:
    """`{"start", "end", "text"}` of `span` in `text`, or None."""
    if span is None:
        return None
    return {"start": span.start, "end": span.end, "text": text[span.start:span.end]}


def span_from_json(data: Any) -> Span | None:
    """The span of a `{"start", "end", ...}` object, or None for null."""
    if data is None:
        return None
    return Span(int(data["start"]), int(data["end"]))


@dataclass(frozen=True, slots=True)
class QuoteSuggestion:
    """A quote a model found: content, speaker mention, cue, resolved speaker, kind."""

    content: Span
    speaker: Span | None
    cue: Span | None
    speaker_ref: Span | None
    kind: QuoteKind

    def to_json(self, text: str) -> dict[str, Any]:
        return {"content": span_json(self.content, text), "speaker": span_json(self.speaker, text),
                "cue": span_json(self.cue, text),
                "speaker_ref": span_json(self.speaker_ref, text), "kind": self.kind}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuoteSuggestion:
        content = span_from_json(data["content"])
        if content is None:
            raise ValueError("a quote needs a content span")
        kind = data.get("kind", "direct")
        if kind not in ("direct", "indirect"):
            raise ValueError(f"unknown quote kind {kind!r}")
        return cls(content=content, speaker=span_from_json(data.get("speaker")),
                   cue=span_from_json(data.get("cue")),
                   speaker_ref=span_from_json(data.get("speaker_ref")), kind=kind)


@dataclass(frozen=True, slots=True)
class MeetingSuggestion:
    """A mention of a meeting a model found: trigger, participants, place, time, date, event."""

    trigger: Span
    participants: tuple[Span, ...]
    place: Span | None
    time: Span | None
    date: str | None
    event: str

    def to_json(self, text: str) -> dict[str, Any]:
        return {"trigger": span_json(self.trigger, text),
                "participants": [span_json(p, text) for p in self.participants],
                "place": span_json(self.place, text), "time": span_json(self.time, text),
                "date": self.date, "event": self.event}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MeetingSuggestion:
        trigger = span_from_json(data["trigger"])
        if trigger is None:
            raise ValueError("a meeting needs a trigger span")
        participants = tuple(s for s in (span_from_json(p) for p in data.get("participants", []))
                             if s is not None)
        date = data.get("date")
        return cls(trigger=trigger, participants=participants,
                   place=span_from_json(data.get("place")), time=span_from_json(data.get("time")),
                   date=str(date) if date else None, event=str(data.get("event", "")))
