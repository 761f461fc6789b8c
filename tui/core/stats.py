"""Statistics over a gold store's annotation records: progress, pace and how the model fared.

`compute_stats` reads `AnnotationRecord`s (tui.core.model) and counts:

- progress per annotator: articles touched (a record exists), articles done, and
  decisions (items of any status but `suggested`) per layer;
- decisions per day, by the UTC date of each decision's `time` (an item without a
  time, or with one that does not parse, counts under `unknown`), in total and per
  annotator;
- the label distribution of the gold entities (`accepted`, `corrected`, `added`);
- how the model's suggestions fared: among decided items that came from a
  suggestion, the share accepted, corrected and rejected. Per entity label, the
  label is the one the model suggested (a suggestion relabelled by a person counts
  as a corrected suggestion of its original label); quotes and meetings have no
  labels and are counted per layer.

Everything is ordered deterministically, so the same records give the same
report and the same JSON. Pure: no UI, no store.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from tui.core.layers import MEETINGS, QUOTES
from tui.core.model import AnnotationRecord, Status

#: The day under which decisions without a (readable) time are counted.
UNKNOWN_DAY: Final = "unknown"
ENTITIES: Final = "entities"
#: The layers, in report order.
LAYERS: Final = (ENTITIES, QUOTES, MEETINGS)


def decision_day(time: str | None) -> str:
    """The UTC date (YYYY-MM-DD) of an ISO 8601 timestamp, else `UNKNOWN_DAY`.

    A timestamp without an offset is taken to be UTC, as byline writes them.
    """
    if not time:
        return UNKNOWN_DAY
    try:
        moment = datetime.fromisoformat(time.strip())
    except (ValueError, TypeError):
        return UNKNOWN_DAY
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date().isoformat()


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of the model's suggestions that someone decided."""

    accepted: int = 0
    corrected: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.corrected + self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        """accepted / (accepted + corrected + rejected); None when nothing was decided."""
        return _rate(self.accepted, self.total)

    @property
    def correction_rate(self) -> float | None:
        return _rate(self.corrected, self.total)

    @property
    def rejection_rate(self) -> float | None:
        return _rate(self.rejected, self.total)

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(self.accepted + other.accepted, self.corrected + other.corrected,
                       self.rejected + other.rejected)

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "corrected": self.corrected,
                "rejected": self.rejected, "total": self.total,
                "acceptance_rate": self.acceptance_rate,
                "correction_rate": self.correction_rate,
                "rejection_rate": self.rejection_rate}


@dataclass(frozen=True, slots=True)
class AnnotatorProgress:
    """One annotator's progress: articles touched and done, decisions per layer."""

    annotator: str
    articles: int
    done: int
    #: Layer name -> decisions, every layer of `LAYERS` present, in that order.
    decisions: Mapping[str, int]

    @property
    def total_decisions(self) -> int:
        return sum(self.decisions.values())

    def to_json(self) -> dict[str, Any]:
        return {"annotator": self.annotator, "articles": self.articles, "done": self.done,
                "decisions": dict(self.decisions), "total_decisions": self.total_decisions}


@dataclass(frozen=True, slots=True)
class DayCount:
    """The decisions of one UTC day (or of `UNKNOWN_DAY`), in total and per annotator."""

    day: str
    decisions: int
    #: Annotator -> decisions that day, sorted by annotator.
    by_annotator: Mapping[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day, "decisions": self.decisions,
                "by_annotator": dict(self.by_annotator)}


@dataclass(frozen=True, slots=True)
class LabelStats:
    """One entity label: its gold entities by status, and the model's suggestions of it."""

    label: str
    accepted: int = 0
    corrected: int = 0
    added: int = 0
    #: The decided suggestions whose suggested label is this one.
    model: Outcome = field(default_factory=Outcome)

    @property
    def gold(self) -> int:
        return self.accepted + self.corrected + self.added

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "gold": self.gold, "accepted": self.accepted,
                "corrected": self.corrected, "added": self.added, "model": self.model.to_json()}


@dataclass(frozen=True, slots=True)
class LayerStats:
    """One layer (entities, quotes, meetings): decisions, additions, the model's outcome."""

    layer: str
    decisions: int = 0
    #: Gold items of the layer (accepted, corrected, added).
    gold: int = 0
    added: int = 0
    model: Outcome = field(default_factory=Outcome)

    def to_json(self) -> dict[str, Any]:
        return {"layer": self.layer, "decisions": self.decisions, "gold": self.gold,
                "added": self.added, "model": self.model.to_json()}


@dataclass(frozen=True, slots=True)
class Stats:
    """Everything `byline stats` reports."""

    #: Per annotator, sorted by name.
    annotators: tuple[AnnotatorProgress, ...]
    #: Per day, oldest first, `UNKNOWN_DAY` last.
    days: tuple[DayCount, ...]
    #: Per entity label, most gold entities first (then most suggestions, then by name).
    labels: tuple[LabelStats, ...]
    #: Per layer, in the order of `LAYERS`.
    layers: tuple[LayerStats, ...]
    #: Distinct articles with at least one record, and those some annotator marked done.
    articles: int = 0
    articles_done: int = 0

    @property
    def total_decisions(self) -> int:
        return sum(day.decisions for day in self.days)

    @property
    def entity_model(self) -> Outcome:
        """The model's outcome over every entity label."""
        total = Outcome()
        for label in self.labels:
            total = total + label.model
        return total

    def layer(self, name: str) -> LayerStats:
        for layer in self.layers:
            if layer.layer == name:
                return layer
        raise KeyError(name)

    def dated_days(self) -> tuple[DayCount, ...]:
        """The days with a known date, oldest first."""
        return tuple(day for day in self.days if day.day != UNKNOWN_DAY)

    def to_json(self) -> dict[str, Any]:
        return {
            "articles": self.articles, "articles_done": self.articles_done,
            "total_decisions": self.total_decisions,
            "annotators": [a.to_json() for a in self.annotators],
            "days": [d.to_json() for d in self.days],
            "labels": [label.to_json() for label in self.labels],
            "entities_model": self.entity_model.to_json(),
            "layers": [layer.to_json() for layer in self.layers],
        }


class _Tally:
    """Mutable counts while the records are read."""

    def __init__(self) -> None:
        self.articles: dict[str, set[str]] = defaultdict(set)
        self.done: dict[str, set[str]] = defaultdict(set)
        self.decisions: dict[str, Counter[str]] = defaultdict(Counter)
        self.days: dict[str, Counter[str]] = defaultdict(Counter)
        self.gold: dict[str, Counter[Status]] = defaultdict(Counter)
        self.label_model: dict[str, Counter[Status]] = defaultdict(Counter)
        self.layer_status: dict[str, Counter[Status]] = defaultdict(Counter)
        self.layer_model: dict[str, Counter[Status]] = defaultdict(Counter)

    def item(self, annotator: str, layer: str, status: Status, time: str | None,
             from_model: bool) -> None:
        """Count one decided item of `layer`."""
        self.decisions[annotator][layer] += 1
        self.days[decision_day(time)][annotator] += 1
        self.layer_status[layer][status] += 1
        if from_model:
            self.layer_model[layer][status] += 1


_MODEL_OUTCOMES: Final = (Status.ACCEPTED, Status.CORRECTED, Status.REJECTED)


def _outcome(counts: Counter[Status]) -> Outcome:
    return Outcome(counts[Status.ACCEPTED], counts[Status.CORRECTED], counts[Status.REJECTED])


def _day_key(day: str) -> tuple[bool, str]:
    return day == UNKNOWN_DAY, day


def compute_stats(records: Iterable[AnnotationRecord]) -> Stats:
    """Count progress, decisions per day, labels and the model's outcome over `records`."""
    tally = _Tally()
    for record in records:
        name = record.annotator
        tally.articles[name].add(record.article_id)
        if record.done:
            tally.done[name].add(record.article_id)
        for entity in record.items.values():
            if not entity.status.is_decided:
                continue
            from_model = entity.suggestion is not None and entity.status in _MODEL_OUTCOMES
            tally.item(name, ENTITIES, entity.status, entity.time, from_model)
            if entity.status.is_gold:
                tally.gold[entity.label][entity.status] += 1
            if from_model and entity.suggestion is not None:
                tally.label_model[entity.suggestion.label][entity.status] += 1
        for layer, items in ((QUOTES, record.quotes), (MEETINGS, record.meetings)):
            for item in items.values():
                if not item.status.is_decided:
                    continue
                from_model = item.suggestion is not None and item.status in _MODEL_OUTCOMES
                tally.item(name, layer, item.status, item.time, from_model)

    annotators = tuple(
        AnnotatorProgress(annotator=name, articles=len(tally.articles[name]),
                          done=len(tally.done[name]),
                          decisions={layer: tally.decisions[name][layer] for layer in LAYERS})
        for name in sorted(tally.articles))
    days = tuple(
        DayCount(day=day, decisions=sum(tally.days[day].values()),
                 by_annotator={name: tally.days[day][name] for name in sorted(tally.days[day])})
        for day in sorted(tally.days, key=_day_key))
    labels = sorted(
        (LabelStats(label=label, accepted=tally.gold[label][Status.ACCEPTED],
                    corrected=tally.gold[label][Status.CORRECTED],
                    added=tally.gold[label][Status.ADDED],
                    model=_outcome(tally.label_model[label]))
         for label in set(tally.gold) | set(tally.label_model)),
        key=lambda s: (-s.gold, -s.model.total, s.label))
    layers = tuple(
        LayerStats(layer=layer, decisions=sum(tally.layer_status[layer].values()),
                   gold=sum(n for status, n in tally.layer_status[layer].items()
                            if status.is_gold),
                   added=tally.layer_status[layer][Status.ADDED],
                   model=_outcome(tally.layer_model[layer]))
        for layer in LAYERS)
    all_articles = set().union(*tally.articles.values()) if tally.articles else set()
    all_done = set().union(*tally.done.values()) if tally.done else set()
    return Stats(annotators=annotators, days=days, labels=tuple(labels), layers=layers,
                 articles=len(all_articles), articles_done=len(all_done))
