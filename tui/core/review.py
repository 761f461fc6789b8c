"""What a model suggested against what annotators decided: the differences in one
article, and the model's precision and recall across a corpus, from the decisions.

A decision says how the suggestion fared: `accepted` (the model was right),
`corrected` (right place, something wrong: the label, the boundaries, the
speaker, a participant...), `rejected` (spurious: nothing there) and `added`
(missed: the model suggested nothing there). Suggestions nobody decided are
not counted either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.model import AnnotationRecord, EntityItem, Span, Status

ENTITIES, QUOTES, MEETINGS = "entities", "quotes", "meetings"

#: The kinds of difference, in the order a review lists them.
KINDS = ("missed", "spurious", "wrong label", "wrong boundary", "wrong label and boundary",
         "wrong speaker", "wrong cue", "wrong kind", "wrong participant", "wrong place",
         "wrong time", "wrong event")


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where the model and the annotator differ.

    `span` is where it is in the text (for the cursor), `item_id` the decision
    it comes from, `gold` and `model` short descriptions of either side.
    """

    layer: str
    kind: str
    span: Span
    item_id: str
    gold: str
    model: str


def _span_text(text: str, span: Span | None) -> str:
    return "—" if span is None else f"“{text[span.start:span.end]}”"


def _entity_difference(text: str, item: EntityItem) -> Difference | None:
    span = Span(item.start, item.end)
    gold = f"{_span_text(text, span)} {item.label}"
    s = item.suggestion
    if item.status is Status.ADDED:
        return Difference(ENTITIES, "missed", span, item.id, gold, "—")
    if s is None or item.status is Status.ACCEPTED:
        return None
    model = f"{_span_text(text, Span(s.start, s.end))} {s.label}"
    if item.status is Status.REJECTED:
        return Difference(ENTITIES, "spurious", Span(s.start, s.end), item.id, "—", model)
    same_span = (s.start, s.end) == (item.start, item.end)
    if same_span and s.label != item.label:
        kind = "wrong label"
    elif not same_span and s.label == item.label:
        kind = "wrong boundary"
    elif not same_span:
        kind = "wrong label and boundary"
    else:
        return None
    return Difference(ENTITIES, kind, span, item.id, gold, model)


def _quote_kinds(gold: QuoteSuggestion, model: QuoteSuggestion) -> list[str]:
    kinds = []
    if gold.content != model.content:
        kinds.append("wrong boundary")
    if (gold.speaker, gold.speaker_ref) != (model.speaker, model.speaker_ref):
        kinds.append("wrong speaker")
    if gold.cue != model.cue:
        kinds.append("wrong cue")
    if gold.kind != model.kind:
        kinds.append("wrong kind")
    return kinds


def _meeting_kinds(gold: MeetingSuggestion, model: MeetingSuggestion) -> list[str]:
    kinds = []
    if gold.trigger != model.trigger:
        kinds.append("wrong boundary")
    if set(gold.participants) != set(model.participants):
        kinds.append("wrong participant")
    if gold.place != model.place:
        kinds.append("wrong place")
    if (gold.time, gold.date) != (model.time, model.date):
        kinds.append("wrong time")
    if gold.event != model.event:
        kinds.append("wrong event")
    return kinds


def describe(text: str, value: QuoteSuggestion | MeetingSuggestion) -> str:
    """A quote or meeting in a few words: its content and speaker, its trigger and who."""
    if isinstance(value, QuoteSuggestion):
        return (f"{_span_text(text, value.content)[:60]} by "
                f"{_span_text(text, value.speaker_ref or value.speaker)}")
    who = ", ".join(_span_text(text, p) for p in value.participants) or "nobody"
    return f"{_span_text(text, value.trigger)} with {who}"


def _layer_differences(text: str, layer: str,
                       item: LayerItem[Any]) -> list[Difference]:
    value, suggestion = item.value, item.suggestion
    anchor = item.anchor
    if item.status is Status.ADDED:
        return [Difference(layer, "missed", anchor, item.id, describe(text, value), "—")]
    if suggestion is None or item.status is Status.ACCEPTED:
        return []
    model = describe(text, suggestion)
    if item.status is Status.REJECTED:
        return [Difference(layer, "spurious", anchor, item.id, "—", model)]
    kinds = (_quote_kinds(value, suggestion) if isinstance(value, QuoteSuggestion)
             else _meeting_kinds(value, suggestion))
    return [Difference(layer, kind, anchor, item.id, describe(text, value), model)
            for kind in kinds]


def differences(text: str, record: AnnotationRecord) -> list[Difference]:
    """Every difference between the model and the annotator in one article, layer by
    layer, in text order."""
    found: list[Difference] = []
    for entity in record.items.values():
        difference = _entity_difference(text, entity)
        if difference is not None:
            found.append(difference)
    for layer, items in ((QUOTES, record.quotes), (MEETINGS, record.meetings)):
        for item in items.values():
            found.extend(_layer_differences(text, layer, item))
    order = {layer: n for n, layer in enumerate((ENTITIES, QUOTES, MEETINGS))}
    found.sort(key=lambda d: (order[d.layer], d.span.start, d.span.end, d.kind))
    return found


# --------------------------------------------------------------------- the corpus


@dataclass
class Tally:
    """How a model's suggestions of one label (or layer) fared against the decisions."""

    accepted: int = 0
    corrected: int = 0
    rejected: int = 0
    missed: int = 0
    gold: int = 0

    @property
    def suggested(self) -> int:
        """Suggestions somebody decided on."""
        return self.accepted + self.corrected + self.rejected

    @property
    def precision(self) -> float | None:
        return self.accepted / self.suggested if self.suggested else None

    @property
    def recall(self) -> float | None:
        return self.accepted / self.gold if self.gold else None


@dataclass
class ModelReport:
    """Per layer, and per entity label, how the model's suggestions fared."""

    labels: dict[str, Tally] = field(default_factory=dict)
    layers: dict[str, Tally] = field(default_factory=dict)
    articles: int = 0

    def rows(self) -> list[tuple[str, str, Tally]]:
        """(layer, label or "all", tally), entity labels first, by label."""
        out = [(ENTITIES, label, self.labels[label]) for label in sorted(self.labels)]
        out += [(layer, "all", self.layers[layer]) for layer in (ENTITIES, QUOTES, MEETINGS)
                if layer in self.layers]
        return out


def _count(tally: Tally, status: Status, suggested: bool) -> None:
    if status is Status.ACCEPTED:
        tally.accepted += 1
    elif status is Status.CORRECTED and suggested:
        tally.corrected += 1
    elif status is Status.REJECTED:
        tally.rejected += 1
    elif status is Status.ADDED:
        tally.missed += 1
    if status.is_gold:
        tally.gold += 1


def model_report(records: Iterable[AnnotationRecord]) -> ModelReport:
    """The model's precision and recall from every decision of `records`.

    Precision of a label is the share of its decided suggestions that were
    accepted as they were; recall the share of the gold items of that label
    that the model suggested exactly. An entity corrected from ORG to PERSON
    counts against ORG's precision and PERSON's recall.
    """
    report = ModelReport()
    for record in records:
        report.articles += 1
        layer_tally = report.layers.setdefault(ENTITIES, Tally())
        for item in record.items.values():
            if item.status is Status.SUGGESTED:
                continue
            suggested = item.suggestion is not None
            _count(layer_tally, item.status, suggested)
            if item.status is Status.CORRECTED and item.suggestion is not None:
                report.labels.setdefault(item.suggestion.label, Tally()).corrected += 1
                report.labels.setdefault(item.label, Tally()).gold += 1
                continue
            label = item.suggestion.label if item.status is Status.REJECTED and \
                item.suggestion is not None else item.label
            _count(report.labels.setdefault(label, Tally()), item.status, suggested)
        for layer, items in ((QUOTES, record.quotes), (MEETINGS, record.meetings)):
            tally = report.layers.setdefault(layer, Tally())
            for layer_item in items.values():
                if layer_item.status is not Status.SUGGESTED:
                    _count(tally, layer_item.status, layer_item.suggestion is not None)
    return report
