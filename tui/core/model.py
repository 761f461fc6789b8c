"""The data of byline: articles, model suggestions and entity annotations.

Spans are `(start, end)` in Python code points of the normalised article text,
end exclusive. An `EntityItem` is one entity of an article as an annotator
sees it: a model suggestion not yet decided (`suggested`), or a decision
(`accepted`, `rejected`, `corrected`, `added`). Items are immutable; a
session replaces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tui.core.text import text_hash

if TYPE_CHECKING:  # tui.core.layers imports Span from here
    from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion


class Status(StrEnum):
    """Where an entity stands: suggested by a model, or decided by a person."""

    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CORRECTED = "corrected"
    ADDED = "added"

    @property
    def is_decided(self) -> bool:
        return self is not Status.SUGGESTED

    @property
    def is_gold(self) -> bool:
        """True where the entity is part of the gold data (kept, not rejected)."""
        return self in (Status.ACCEPTED, Status.CORRECTED, Status.ADDED)

    @staticmethod
    def kept(suggested: bool, as_suggested: bool) -> Status:
        """The status of something a person kept: `added` where there was no suggestion,
        `accepted` where it is as suggested, else `corrected`."""
        if not suggested:
            return Status.ADDED
        return Status.ACCEPTED if as_suggested else Status.CORRECTED


@dataclass(frozen=True, slots=True)
class Span:
    """A range of code points, end exclusive."""

    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Article:
    """One news article: a stable id, its normalised text and its metadata."""

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def text_hash(self) -> str:
        return text_hash(self.text)

    @property
    def title(self) -> str:
        """The title from `meta`, else the first non-empty line of the text."""
        title = self.meta.get("title")
        if isinstance(title, str) and title.strip():
            return title.strip()
        for line in self.text.splitlines():
            if line.strip():
                return line.strip()
        return ""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Which pipeline made suggestions: its name, version and how it was asked for."""

    name: str
    version: str
    spec: str = ""
    rule_based: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "spec": self.spec,
                "rule_based": self.rule_based}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelInfo:
        return cls(name=str(data["name"]), version=str(data["version"]),
                   spec=str(data.get("spec", "")), rule_based=bool(data.get("rule_based", False)))


@dataclass(frozen=True, slots=True)
class EntitySuggestion:
    """An entity a model suggested."""

    start: int
    end: int
    label: str

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntitySuggestion:
        return cls(int(data["start"]), int(data["end"]), str(data["label"]))


@dataclass(frozen=True)
class Suggestions:
    """Everything a model said about one article text, cached in the store.

    `tokens` are the pipeline's token spans: entity boundaries snap to them.
    `quotes` and `meetings` are the other two layers (tui.core.layers); a cache
    entry written before they existed reads back with none.
    """

    model: ModelInfo
    text_hash: str
    entities: tuple[EntitySuggestion, ...]
    tokens: tuple[tuple[int, int], ...]
    quotes: tuple[QuoteSuggestion, ...] = ()
    meetings: tuple[MeetingSuggestion, ...] = ()

    def to_json(self) -> dict[str, Any]:
        flat: list[int] = []
        for start, end in self.tokens:
            flat.extend((start, end))
        return {"model": self.model.to_json(), "text_hash": self.text_hash,
                "entities": [e.to_json() for e in self.entities], "tokens": flat,
                "quotes": [q.to_json("") for q in self.quotes],
                "meetings": [m.to_json("") for m in self.meetings]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suggestions:
        from tui.core.layers import MeetingSuggestion, QuoteSuggestion

        flat = [int(n) for n in data["tokens"]]
        tokens = tuple(zip(flat[0::2], flat[1::2], strict=True))
        return cls(model=ModelInfo.from_json(data["model"]), text_hash=str(data["text_hash"]),
                   entities=tuple(EntitySuggestion.from_json(e) for e in data["entities"]),
                   tokens=tokens,
                   quotes=tuple(QuoteSuggestion.from_json(q) for q in data.get("quotes", [])),
                   meetings=tuple(MeetingSuggestion.from_json(m)
                                  for m in data.get("meetings", [])))


@dataclass(frozen=True, slots=True)
class EntityItem:
    """One entity of an article as the annotator sees it.

    `suggestion` is what the model proposed (None for an entity a person added);
    `annotator`, `time` and `model` record who decided, when, and which model's
    suggestion the decision was about.
    """

    id: str
    start: int
    end: int
    label: str
    status: Status
    suggestion: EntitySuggestion | None = None
    annotator: str | None = None
    time: str | None = None
    model: ModelInfo | None = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    def matches_suggestion(self) -> bool:
        s = self.suggestion
        return s is not None and (s.start, s.end, s.label) == (self.start, self.end, self.label)

    def with_changes(self, **changes: Any) -> EntityItem:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The stored form of the item (the store keys it by `id`)."""
        return {
            "start": self.start, "end": self.end, "label": self.label,
            "status": self.status.value,
            "suggestion": self.suggestion.to_json() if self.suggestion else None,
            "annotator": self.annotator, "time": self.time,
            "model": self.model.name if self.model else None,
            "model_version": self.model.version if self.model else None,
            "model_spec": self.model.spec if self.model else None,
        }

    @classmethod
    def from_json(cls, item_id: str, data: dict[str, Any]) -> EntityItem:
        model = None
        if data.get("model"):
            model = ModelInfo(name=str(data["model"]), version=str(data.get("model_version") or ""),
                              spec=str(data.get("model_spec") or ""))
        suggestion = data.get("suggestion")
        return cls(
            id=item_id, start=int(data["start"]), end=int(data["end"]), label=str(data["label"]),
            status=Status(data["status"]),
            suggestion=EntitySuggestion.from_json(suggestion) if suggestion else None,
            annotator=data.get("annotator"), time=data.get("time"), model=model,
        )


@dataclass
class AnnotationRecord:
    """What one annotator decided on one article, as kept in the gold store.

    `items` holds only the entities a person touched (decided or added),
    keyed by item id; undecided suggestions live in the suggestion cache.
    `quotes` and `meetings` hold the touched items of those layers likewise.
    """

    article_id: str
    annotator: str
    text_hash: str
    items: dict[str, EntityItem] = field(default_factory=dict)
    quotes: dict[str, LayerItem[QuoteSuggestion]] = field(default_factory=dict)
    meetings: dict[str, LayerItem[MeetingSuggestion]] = field(default_factory=dict)
    done: bool = False
    updated: str | None = None

    def decided_count(self) -> int:
        return sum(1 for item in self.items.values() if item.status.is_decided)
