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


#: A field of an item beside what either side has there: (field, annotator's, model's).
FieldRow = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where the model and the annotator differ.

    `span` is where it is in the text (for the cursor), `item_id` the decision
    it comes from, `gold` and `model` short descriptions of the part that
    differs on either side (for a wrong speaker the speakers, for a wrong cue
    the cues and where they are), and `detail` every field of the whole item
    on both sides, for a closer look.
    """

    layer: str
    kind: str
    span: Span
    item_id: str
    gold: str
    model: str
    detail: tuple[FieldRow, ...] = ()


def _span_text(text: str, span: Span | None) -> str:
    return "—" if span is None else f"“{text[span.start:span.end]}”"


def clip_middle(value: str, cells: int = 40) -> str:
    """`value` on one line, cut in its middle to at most `cells` characters so that both
    ends show: the start and the end of a quote's content are its boundaries."""
    value = " ".join(value.split())
    if len(value) <= cells:
        return value
    head = (cells - 1) // 2
    return f"{value[:head]}…{value[len(value) - (cells - 1 - head):]}"


def span_at(text: str, span: Span | None, cells: int = 40) -> str:
    """A span's text (cut in the middle if long) and its offsets: `“told” 88–92`."""
    if span is None:
        return "—"
    return f"“{clip_middle(text[span.start:span.end], cells)}” {span.start}–{span.end}"


def _speaker(text: str, value: QuoteSuggestion) -> str:
    """The speaker mention and the named mention it resolves to: `“he” → “Kalin”`, or
    `“his office” → —` where it resolves to nothing; a named speaker that is its own
    reference just once: `“Erdogan”`."""
    if value.speaker is not None and value.speaker == value.speaker_ref:
        return _span_text(text, value.speaker)
    return f"{_span_text(text, value.speaker)} → {_span_text(text, value.speaker_ref)}"


def _time(text: str, value: MeetingSuggestion) -> str:
    date = f" ({value.date})" if value.date else ""
    return f"{span_at(text, value.time)}{date}" if value.time else f"—{date}"


def _names(text: str, spans: Iterable[Span]) -> str:
    return ", ".join(_span_text(text, p) for p in spans) or "nobody"


#: Cells enough for any span: the detail of an item shows it whole.
WHOLE = 1 << 30
#: Cells of a content in a row, so that its offsets fit in a 40-cell column too.
CONTENT_CELLS = 26

QUOTE_FIELDS = ("content", "speaker", "speaker_ref", "cue", "kind")
MEETING_FIELDS = ("trigger", "participants", "place", "time", "event")
ENTITY_FIELDS = ("span", "label")


def value_fields(text: str, value: QuoteSuggestion | MeetingSuggestion
                 ) -> list[tuple[str, str]]:
    """Every field of a quote (`QUOTE_FIELDS`) or meeting mention (`MEETING_FIELDS`),
    described: spans with their offsets, the content whole."""
    if isinstance(value, QuoteSuggestion):
        return [("content", span_at(text, value.content, WHOLE)),
                ("speaker", span_at(text, value.speaker)),
                ("speaker_ref", span_at(text, value.speaker_ref)),
                ("cue", span_at(text, value.cue)), ("kind", value.kind)]
    return [("trigger", span_at(text, value.trigger)),
            ("participants", "; ".join(span_at(text, p) for p in value.participants)
             or "nobody"),
            ("place", span_at(text, value.place)), ("time", _time(text, value)),
            ("event", value.event or "—")]


def entity_fields(text: str, span: Span, label: str) -> list[tuple[str, str]]:
    """An entity's fields (`ENTITY_FIELDS`), described."""
    return [("span", span_at(text, span, WHOLE)), ("label", label)]


def _missing(names: Iterable[str]) -> list[tuple[str, str]]:
    return [(name, "—") for name in names]


def field_rows(gold: list[tuple[str, str]], model: list[tuple[str, str]]
               ) -> tuple[FieldRow, ...]:
    """Two sides' fields row by row (both list the same fields in the same order)."""
    return tuple((name, a, b) for (name, a), (_, b) in zip(gold, model, strict=True))


def _entity_detail(text: str, item: EntityItem) -> tuple[FieldRow, ...]:
    s = item.suggestion
    gold = (_missing(ENTITY_FIELDS) if item.status is Status.REJECTED
            else entity_fields(text, item.span, item.label))
    model = (_missing(ENTITY_FIELDS) if s is None
             else entity_fields(text, Span(s.start, s.end), s.label))
    return field_rows(gold, model)


def _entity_difference(text: str, item: EntityItem) -> Difference | None:
    span = Span(item.start, item.end)
    gold = f"{_span_text(text, span)} {item.label}"
    s = item.suggestion
    if item.status is Status.ADDED:
        return Difference(ENTITIES, "missed", span, item.id, gold, "—",
                          _entity_detail(text, item))
    if s is None or item.status is Status.ACCEPTED:
        return None
    model = f"{_span_text(text, Span(s.start, s.end))} {s.label}"
    if item.status is Status.REJECTED:
        return Difference(ENTITIES, "spurious", Span(s.start, s.end), item.id, "—", model,
                          _entity_detail(text, item))
    same_span = (s.start, s.end) == (item.start, item.end)
    if same_span and s.label != item.label:
        kind = "wrong label"
    elif not same_span and s.label == item.label:
        kind = "wrong boundary"
    elif not same_span:
        kind = "wrong label and boundary"
    else:
        return None
    return Difference(ENTITIES, kind, span, item.id, gold, model, _entity_detail(text, item))


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


def value_kinds(value: QuoteSuggestion | MeetingSuggestion,
                other: QuoteSuggestion | MeetingSuggestion) -> list[str]:
    """The kinds of difference between two quotes or two meeting mentions (none between a
    quote and a meeting)."""
    if isinstance(value, QuoteSuggestion) and isinstance(other, QuoteSuggestion):
        return _quote_kinds(value, other)
    if isinstance(value, MeetingSuggestion) and isinstance(other, MeetingSuggestion):
        return _meeting_kinds(value, other)
    return []


def describe(text: str, value: QuoteSuggestion | MeetingSuggestion) -> str:
    """A quote or meeting in a few words: its content (both ends) and speaker, its trigger
    and who."""
    if isinstance(value, QuoteSuggestion):
        return (f"“{clip_middle(text[value.content.start:value.content.end])}” by "
                f"{_span_text(text, value.speaker_ref or value.speaker)}")
    return f"{_span_text(text, value.trigger)} with {_names(text, value.participants)}"


#: The triggers of each event on one side: event id -> trigger spans.
Events = dict[str, list[Span]]


def part(text: str, kind: str, value: QuoteSuggestion | MeetingSuggestion,
         other: QuoteSuggestion | MeetingSuggestion | None = None,
         events: Events | None = None) -> str:
    """The part of a quote or meeting mention a difference of `kind` is about: the speaker
    and whom it resolves to, the cue and where it is, the kind, the content's or trigger's
    boundaries; the participants `other` lacks, the place, the time, the event (and the
    other mentions in it, from `events`)."""
    if isinstance(value, QuoteSuggestion):
        if kind == "wrong speaker":
            return _speaker(text, value)
        if kind == "wrong cue":
            return span_at(text, value.cue)
        if kind == "wrong kind":
            return value.kind
        return span_at(text, value.content, CONTENT_CELLS)
    if kind == "wrong participant":
        theirs = other.participants if isinstance(other, MeetingSuggestion) else ()
        only = [p for p in value.participants if p not in theirs]
        shared = len(value.participants) - len(only)
        return (_names(text, only) if only else "no other") + (
            f" (+{shared} shared)" if shared else "")
    if kind == "wrong place":
        return span_at(text, value.place)
    if kind == "wrong time":
        return _time(text, value)
    if kind == "wrong event":
        if events is None:
            return value.event or "—"
        mates = [t for t in events.get(value.event, []) if t != value.trigger]
        return (f"{value.event or '—'} with {_names(text, mates[:3])}" if mates
                else f"{value.event or '—'} on its own")
    return span_at(text, value.trigger)


def _events(items: Iterable[LayerItem[Any]], model: bool) -> Events:
    """The triggers of each event: the annotator's (the items' values, rejected ones left
    out) or the model's (every item's suggestion)."""
    out: Events = {}
    for item in items:
        value = item.suggestion if model else item.value
        if isinstance(value, MeetingSuggestion) and (model or item.status is not Status.REJECTED):
            out.setdefault(value.event, []).append(value.trigger)
    return out


def _layer_detail(text: str, item: LayerItem[Any]) -> tuple[FieldRow, ...]:
    names = QUOTE_FIELDS if isinstance(item.value, QuoteSuggestion) else MEETING_FIELDS
    gold = (_missing(names) if item.status is Status.REJECTED
            else value_fields(text, item.value))
    model = (_missing(names) if item.suggestion is None
             else value_fields(text, item.suggestion))
    return field_rows(gold, model)


def _layer_differences(text: str, layer: str, item: LayerItem[Any],
                       siblings: Iterable[LayerItem[Any]] = ()) -> list[Difference]:
    value, suggestion = item.value, item.suggestion
    anchor = item.anchor
    detail = _layer_detail(text, item)
    if item.status is Status.ADDED:
        return [Difference(layer, "missed", anchor, item.id, describe(text, value), "—",
                           detail)]
    if suggestion is None or item.status is Status.ACCEPTED:
        return []
    if item.status is Status.REJECTED:
        return [Difference(layer, "spurious", anchor, item.id, "—",
                           describe(text, suggestion), detail)]
    kinds = (_quote_kinds(value, suggestion) if isinstance(value, QuoteSuggestion)
             else _meeting_kinds(value, suggestion))
    siblings = list(siblings)
    gold_events, model_events = _events(siblings, False), _events(siblings, True)
    return [Difference(layer, kind, anchor, item.id,
                       part(text, kind, value, suggestion, gold_events),
                       part(text, kind, suggestion, value, model_events), detail)
            for kind in kinds]


def differences(text: str, record: AnnotationRecord,
                meetings: Iterable[LayerItem[Any]] | None = None) -> list[Difference]:
    """Every difference between the model and the annotator in one article, layer by
    layer, in text order.

    `meetings` are every meeting mention of the article, undecided suggestions included
    (a `MeetingSession`'s items), to tell which other mentions share an event; without
    them only the record's are known."""
    found: list[Difference] = []
    for entity in record.items.values():
        difference = _entity_difference(text, entity)
        if difference is not None:
            found.append(difference)
    for layer, items in ((QUOTES, record.quotes), (MEETINGS, record.meetings)):
        for item in items.values():
            siblings = list(meetings) if meetings is not None and layer == MEETINGS \
                else items.values()
            found.extend(_layer_differences(text, layer, item, siblings))
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
