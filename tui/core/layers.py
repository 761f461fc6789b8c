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

A `LayerItem` is one quote or meeting as the annotator sees it: a value (a
`QuoteSuggestion` or `MeetingSuggestion`), its status, and the suggestion it
came from, as `EntityItem` is for entities.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Generic, Literal, TypeVar

from tui.core.model import ModelInfo, Span, Status

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


LayerValue = TypeVar("LayerValue", QuoteSuggestion, MeetingSuggestion)

#: The names of the two layers beside entities, as in the native JSONL.
QUOTES = "quotes"
MEETINGS = "meetings"


def value_spans(value: QuoteSuggestion | MeetingSuggestion) -> tuple[Span, ...]:
    """Every span a quote or meeting refers to."""
    spans: tuple[Span | None, ...]
    if isinstance(value, QuoteSuggestion):
        spans = (value.content, value.speaker, value.cue, value.speaker_ref)
    else:
        spans = (value.trigger, *value.participants, value.place, value.time)
    return tuple(s for s in spans if s is not None)


def value_anchor(value: QuoteSuggestion | MeetingSuggestion) -> Span:
    """The span a quote (its content) or meeting mention (its trigger) is placed at."""
    return value.content if isinstance(value, QuoteSuggestion) else value.trigger


@dataclass(frozen=True, slots=True)
class LayerItem(Generic[LayerValue]):
    """One quote or meeting mention of an article as the annotator sees it.

    `value` is what it is now, `suggestion` what the model proposed (None when
    a person added it); `status`, `annotator`, `time` and `model` as for
    entities (tui.core.model.EntityItem).
    """

    id: str
    value: LayerValue
    status: Status
    suggestion: LayerValue | None = None
    annotator: str | None = None
    time: str | None = None
    model: ModelInfo | None = None

    @property
    def layer(self) -> str:
        return QUOTES if isinstance(self.value, QuoteSuggestion) else MEETINGS

    @property
    def anchor(self) -> Span:
        return value_anchor(self.value)

    def spans(self) -> tuple[Span, ...]:
        return value_spans(self.value)

    def matches_suggestion(self) -> bool:
        return self.suggestion is not None and self.suggestion == self.value

    def with_changes(self, **changes: Any) -> LayerItem[LayerValue]:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The stored form (the store keys it by `id`; `layer` tells it from an entity)."""
        return {
            "layer": self.layer, "value": self.value.to_json(""),
            "status": self.status.value,
            "suggestion": self.suggestion.to_json("") if self.suggestion else None,
            "annotator": self.annotator, "time": self.time,
            "model": self.model.name if self.model else None,
            "model_version": self.model.version if self.model else None,
            "model_spec": self.model.spec if self.model else None,
        }

    def export_json(self, text: str) -> dict[str, Any]:
        """The native JSONL form (DESIGN.md §2): the value's keys plus status and provenance.

        The decision's timestamp is `decided_at`: `time` is a meeting's time span.
        """
        row: dict[str, Any] = {**self.value.to_json(text), "status": self.status.value,
                               "annotator": self.annotator, "decided_at": self.time}
        if self.model is not None:
            row["model"] = self.model.name
            row["model_version"] = self.model.version
        if self.suggestion is not None and not self.matches_suggestion():
            row["suggested"] = self.suggestion.to_json(text)
        return row


def layer_item_from_json(item_id: str, data: dict[str, Any]
                         ) -> LayerItem[QuoteSuggestion] | LayerItem[MeetingSuggestion]:
    """A stored quote or meeting item (raises KeyError/ValueError on a malformed one)."""
    model = None
    if data.get("model"):
        model = ModelInfo(name=str(data["model"]), version=str(data.get("model_version") or ""),
                          spec=str(data.get("model_spec") or ""))
    status = Status(data["status"])
    suggestion = data.get("suggestion")
    if data["layer"] == QUOTES:
        return LayerItem(id=item_id, value=QuoteSuggestion.from_json(data["value"]),
                         status=status,
                         suggestion=QuoteSuggestion.from_json(suggestion) if suggestion else None,
                         annotator=data.get("annotator"), time=data.get("time"), model=model)
    if data["layer"] == MEETINGS:
        return LayerItem(id=item_id, value=MeetingSuggestion.from_json(data["value"]),
                         status=status,
                         suggestion=MeetingSuggestion.from_json(suggestion) if suggestion else None,
                         annotator=data.get("annotator"), time=data.get("time"), model=model)
    raise ValueError(f"unknown layer {data['layer']!r}")
