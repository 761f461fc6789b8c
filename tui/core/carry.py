"""Carrying an annotator's decisions over to the new text of an article that changed.

Each decision is re-anchored by its text and context: every span is looked
for in the new text (the same characters, on the same word boundaries), and
among several places the one with the same neighbouring words, then the one
nearest its old place (the old relative position for an item's anchor, the
anchor's shift for its other parts), is taken. An item any of whose spans is
not found is dropped, and counted. Ids that encode offsets (those of model
suggestions) are made again from the new offsets; a decision whose suggestion
is no longer found keeps its value as an added one (a rejection of it is
dropped: there is nothing left to reject).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion, value_anchor
from tui.core.model import AnnotationRecord, EntityItem, EntitySuggestion, Span, Status

#: How many characters of context on each side decide between places.
CONTEXT = 40
#: At most this many places of one span are compared (a very common word).
MAX_PLACES = 2000


@dataclass
class Carried:
    """What carrying over gives: the new items by id, and how many were kept and dropped."""

    items: dict[str, EntityItem] = field(default_factory=dict)
    quotes: dict[str, LayerItem[QuoteSuggestion]] = field(default_factory=dict)
    meetings: dict[str, LayerItem[MeetingSuggestion]] = field(default_factory=dict)
    dropped: int = 0

    @property
    def kept(self) -> int:
        return len(self.items) + len(self.quotes) + len(self.meetings)

    def changes(self, old: AnnotationRecord) -> dict[str, Any]:
        """The one step that turns `old`'s items into these: old ids removed, new ones set."""
        gone: dict[str, Any] = {item_id: None for item_id in
                                [*old.items, *old.quotes, *old.meetings]}
        return {**gone, **self.items, **self.quotes, **self.meetings}


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _edges(text: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether `[start, end)` begins and ends on a word boundary of `text`."""
    left = start == 0 or not (_is_word(text[start - 1]) and _is_word(text[start]))
    right = end == len(text) or not (_is_word(text[end - 1]) and _is_word(text[end]))
    return left, right


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


class Relocator:
    """Finds the spans of an old text in a new one."""

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new

    def places(self, needle: str) -> list[int]:
        found: list[int] = []
        at = self.new.find(needle)
        while at != -1 and len(found) < MAX_PLACES:
            found.append(at)
            at = self.new.find(needle, at + 1)
        return found

    def span(self, span: Span, shift: int | None = None) -> Span | None:
        """Where `span` of the old text is in the new one, or None.

        Places with the most context in common win; then, with `shift`, the one
        nearest `span.start + shift`, else the one nearest the old relative place.
        """
        old, new = self.old, self.new
        needle = old[span.start:span.end]
        if not needle.strip():
            return None
        edges = _edges(old, span.start, span.end)
        before = old[max(0, span.start - CONTEXT):span.start]
        after = old[span.end:span.end + CONTEXT]
        if shift is not None:
            expected = float(span.start + shift)
        else:
            expected = span.start / max(len(old), 1) * len(new)
        best: tuple[int, float, int] | None = None
        for at in self.places(needle):
            end = at + len(needle)
            if _edges(new, at, end) != edges:
                continue
            context = _common_suffix(before, new[max(0, at - CONTEXT):at]) + \
                _common_prefix(after, new[end:end + CONTEXT])
            score = (context, -abs(at - expected), at)
            if best is None or score[:2] > best[:2]:
                best = score
        return None if best is None else Span(best[2], best[2] + len(needle))


def _map_value(value: Any, move: Callable[[Span], Span | None]) -> Any:
    """`value` (a quote or meeting) with every span moved, or None if one is not found."""
    def opt(span: Span | None) -> tuple[bool, Span | None]:
        if span is None:
            return True, None
        moved = move(span)
        return moved is not None, moved

    if isinstance(value, QuoteSuggestion):
        content = move(value.content)
        parts = [opt(value.speaker), opt(value.cue), opt(value.speaker_ref)]
        if content is None or not all(ok for ok, _ in parts):
            return None
        return replace(value, content=content, speaker=parts[0][1], cue=parts[1][1],
                       speaker_ref=parts[2][1])
    trigger = move(value.trigger)
    participants = [move(p) for p in value.participants]
    place, time = opt(value.place), opt(value.time)
    if trigger is None or any(p is None for p in participants) or not (place[0] and time[0]):
        return None
    return replace(value, trigger=trigger, participants=tuple(p for p in participants if p),
                   place=place[1], time=time[1])


def _mover(where: Relocator, old_anchor: Span | None, new_anchor: Span | None,
           shift: int | None = None) -> Callable[[Span], Span | None]:
    """Moves the spans of one item: `old_anchor` to `new_anchor` (when given), the others
    near the anchor's shift (or `shift`)."""
    if shift is None and new_anchor is not None and old_anchor is not None:
        shift = new_anchor.start - old_anchor.start

    def move(span: Span) -> Span | None:
        if old_anchor is not None and span == old_anchor:
            return new_anchor
        return where.span(span, shift)
    return move


def _overlaps(anchor: Span, taken: list[Span]) -> bool:
    return any(anchor.overlaps(other) for other in taken)


def _next_added(ids: Mapping[str, Any], prefix: str) -> Callable[[], str]:
    """A maker of fresh added-item ids (`a:N`, `q:a:N`) after those in `ids`."""
    numbers = [int(i.rsplit(":", 1)[1]) for i in ids
               if i.startswith(prefix) and i.rsplit(":", 1)[1].isdigit()]
    counter = [max(numbers, default=0)]

    def fresh() -> str:
        counter[0] += 1
        return f"{prefix}{counter[0]}"
    return fresh


def carry_over(old_text: str, new_text: str, record: AnnotationRecord) -> Carried:
    """`record`'s decisions (made on `old_text`) re-anchored in `new_text`."""
    where = Relocator(old_text, new_text)
    carried = Carried()
    _carry_entities(where, record, carried)
    carried.quotes = _carry_layer(where, record.quotes, "q", carried)
    carried.meetings = _carry_layer(where, record.meetings, "m", carried)
    return carried


def _carry_entities(where: Relocator, record: AnnotationRecord, carried: Carried) -> None:
    fresh = _next_added(record.items, "a:")
    taken: list[Span] = []
    for item in sorted(record.items.values(), key=lambda i: (i.start, i.end, i.id)):
        span = where.span(item.span)
        if span is None or (item.status is not Status.REJECTED and _overlaps(span, taken)):
            carried.dropped += 1
            continue
        shift = span.start - item.start
        suggestion: EntitySuggestion | None = None
        if item.suggestion is not None:
            moved = where.span(Span(item.suggestion.start, item.suggestion.end), shift)
            if moved is not None:
                suggestion = EntitySuggestion(moved.start, moved.end, item.suggestion.label)
        if suggestion is None and item.status is Status.REJECTED:
            carried.dropped += 1
            continue
        if suggestion is not None:
            item_id = f"s:{suggestion.start}:{suggestion.end}:{suggestion.label}"
        else:
            item_id = item.id if item.suggestion is None else fresh()
        if item_id in carried.items:
            carried.dropped += 1
            continue
        new = replace(item, id=item_id, start=span.start, end=span.end, suggestion=suggestion)
        if new.status is not Status.REJECTED:
            new = replace(new, status=Status.kept(suggestion is not None,
                                                  new.matches_suggestion()))
            taken.append(span)
        carried.items[item_id] = new


def _carry_layer(where: Relocator, items: Mapping[str, LayerItem[Any]], prefix: str,
                 carried: Carried) -> dict[str, LayerItem[Any]]:
    fresh = _next_added(items, f"{prefix}:a:")
    kept: dict[str, LayerItem[Any]] = {}
    taken: list[Span] = []
    for item in sorted(items.values(), key=lambda i: (i.anchor.start, i.anchor.end, i.id)):
        anchor = where.span(item.anchor)
        move = _mover(where, item.anchor, anchor)
        value = None if anchor is None else _map_value(item.value, move)
        if value is None or (item.status is not Status.REJECTED
                             and _overlaps(value_anchor(value), taken)):
            carried.dropped += 1
            continue
        suggestion = None if item.suggestion is None or anchor is None else _map_value(
            item.suggestion, _mover(where, None, None, anchor.start - item.anchor.start))
        if suggestion is None and item.status is Status.REJECTED:
            carried.dropped += 1
            continue
        if suggestion is not None:
            start, end = value_anchor(suggestion).start, value_anchor(suggestion).end
            item_id = f"{prefix}:s:{start}:{end}"
        else:
            item_id = item.id if item.suggestion is None else fresh()
        if item_id in kept:
            carried.dropped += 1
            continue
        new = replace(item, id=item_id, value=value, suggestion=suggestion)
        if new.status is not Status.REJECTED:
            new = replace(new, status=Status.kept(suggestion is not None,
                                                  new.matches_suggestion()))
            taken.append(value_anchor(value))
        kept[item_id] = new
    return kept
