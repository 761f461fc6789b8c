"""An annotator's session on one article's entities: actions, persistence, undo.

Every action computes a step (item id -> before, after), hands the new items
to the `sink` (the gold store) and only when the sink has returned applies the
step in memory and pushes it on the undo stack. A sink that raises leaves the
session exactly as it was, so what is in memory is always what is on disk.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from tui.core.history import History, Outcome, Step
from tui.core.model import (
    Article,
    EntityItem,
    EntitySuggestion,
    ModelInfo,
    Span,
    Status,
    Suggestions,
)
from tui.core.tokens import TokenIndex

Sink = Callable[[Mapping[str, EntityItem | None]], None]
Edge = Literal["left", "right"]


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def suggestion_id(suggestion: EntitySuggestion) -> str:
    """A stable id for a suggested entity, the same whichever model run made it."""
    return f"s:{suggestion.start}:{suggestion.end}:{suggestion.label}"


__all__ = ["Edge", "EntitySession", "Outcome", "Sink", "suggestion_id", "utc_now"]


@dataclass
class _Order:
    """Item ids sorted by (start, end, id), with the longest item length for range scans."""

    keys: list[tuple[int, int, str]] = field(default_factory=list)
    longest: int = 0

    def add(self, item: EntityItem) -> None:
        insort(self.keys, (item.start, item.end, item.id))
        self.longest = max(self.longest, item.end - item.start)

    def remove(self, item: EntityItem) -> None:
        key = (item.start, item.end, item.id)
        i = bisect_left(self.keys, key)
        if i < len(self.keys) and self.keys[i] == key:
            del self.keys[i]

    def position(self, item: EntityItem) -> int:
        return bisect_left(self.keys, (item.start, item.end, item.id))


class EntitySession:
    """The entities of one article for one annotator, with undo and redo.

    `history` is shared with the article's other layers (tui.core.history); by
    default the session has its own.
    """

    layer = "entities"

    def __init__(
        self,
        article: Article,
        suggestions: Suggestions,
        stored: Mapping[str, EntityItem],
        annotator: str,
        sink: Sink,
        clock: Callable[[], str] = utc_now,
        history: History | None = None,
    ) -> None:
        self.article = article
        self.history = history if history is not None else History()
        self.model: ModelInfo = suggestions.model
        self.tokens = TokenIndex(suggestions.tokens)
        self.annotator = annotator
        self._sink = sink
        self._clock = clock
        self.items: dict[str, EntityItem] = dict(stored)
        occupied = [item.span for item in self.items.values() if item.status is not Status.REJECTED]
        for suggestion in suggestions.entities:
            item_id = suggestion_id(suggestion)
            if item_id in self.items:
                continue
            span = Span(suggestion.start, suggestion.end)
            if any(span.overlaps(other) for other in occupied):
                continue  # a decision already covers this text
            self.items[item_id] = EntityItem(
                id=item_id, start=suggestion.start, end=suggestion.end, label=suggestion.label,
                status=Status.SUGGESTED, suggestion=suggestion, model=self.model,
            )
        self._order = _Order()
        self._counts: Counter[Status] = Counter()
        for item in self.items.values():
            self._order.add(item)
            self._counts[item.status] += 1
        self._next_added = 1 + max(
            (int(i[2:]) for i in self.items if i.startswith("a:") and i[2:].isdigit()), default=0
        )
        self.history.attach(self)
        #: How many steps have been applied: it changes whenever `items` does.
        self.revision = 0
        self.current_id: str | None = None
        first_key = self._order.keys[0][2] if self._order.keys else None
        self.current_id = self._first_undecided_from(0) or first_key

    # ----------------------------------------------------------------- queries

    @property
    def current(self) -> EntityItem | None:
        return self.items.get(self.current_id) if self.current_id else None

    def ordered(self) -> Iterator[EntityItem]:
        for _, _, item_id in self._order.keys:
            yield self.items[item_id]

    def overlapping(self, start: int, end: int) -> list[EntityItem]:
        """Items that overlap `[start, end)`, in text order."""
        keys = self._order.keys
        i = bisect_left(keys, (start - self._order.longest, -1, ""))
        found: list[EntityItem] = []
        while i < len(keys) and keys[i][0] < end:
            s, e, item_id = keys[i]
            if e > start and s < end:
                found.append(self.items[item_id])
            i += 1
        return found

    def item_at(self, offset: int) -> EntityItem | None:
        """The shown (not rejected) item covering `offset`, else a rejected one there."""
        candidates = self.overlapping(offset, offset + 1)
        for item in candidates:
            if item.status is not Status.REJECTED:
                return item
        return candidates[0] if candidates else None

    def counts(self) -> dict[str, int]:
        """How many items have each status (kept up to date, not counted)."""
        return {status.value: self._counts[status] for status in Status}

    def position(self, item: EntityItem) -> int:
        """The 0-based place of `item` in text order."""
        return self._order.position(item)

    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.history.can_redo

    def has_undecided(self) -> bool:
        return self._counts[Status.SUGGESTED] > 0

    def text_of(self, item: EntityItem) -> str:
        return self.article.text[item.start:item.end]

    def blocker(self, span: Span, ignore: str | None = None) -> EntityItem | None:
        """A shown item (not rejected, not `ignore`) that `span` would overlap."""
        for item in self.overlapping(span.start, span.end):
            if item.id != ignore and item.status is not Status.REJECTED:
                return item
        return None

    # -------------------------------------------------------------- navigation

    def select(self, item_id: str | None) -> None:
        if item_id is None or item_id in self.items:
            self.current_id = item_id

    def next(self, step: int = 1) -> Outcome:
        """Make the next (or, with step=-1, the previous) item current."""
        keys = self._order.keys
        if not keys:
            return Outcome(False, "No entities in this article")
        current = self.current
        if current is None:
            i = 0 if step > 0 else len(keys) - 1
        else:
            i = self._order.position(current) + step
            if not 0 <= i < len(keys):
                return Outcome(False, "Last entity" if step > 0 else "First entity")
        self.current_id = keys[i][2]
        return Outcome(True)

    def next_from(self, offset: int, step: int = 1) -> Outcome:
        """Make current the first item starting after `offset` (or, step=-1, the last before)."""
        keys = self._order.keys
        if step > 0:
            i = bisect_left(keys, (offset + 1, -1, ""))
        else:
            i = bisect_left(keys, (offset, -1, "")) - 1
        if not 0 <= i < len(keys):
            return Outcome(False, "No entity after the cursor" if step > 0
                           else "No entity before the cursor")
        self.current_id = keys[i][2]
        return Outcome(True)

    def _first_undecided_from(self, position: int) -> str | None:
        keys = self._order.keys
        n = len(keys)
        for k in range(n):
            item_id = keys[(position + k) % n][2]
            if self.items[item_id].status is Status.SUGGESTED:
                return item_id
        return None

    def _neighbour(self, item: EntityItem) -> str | None:
        """The id of the item after `item` in text order, else the one before it."""
        keys = self._order.keys
        i = self._order.position(item)
        if i + 1 < len(keys):
            return keys[i + 1][2]
        return keys[i - 1][2] if i > 0 else None

    def _advance_to_undecided(self) -> None:
        current = self.current
        start = self._order.position(current) + 1 if current else 0
        found = self._first_undecided_from(start)
        if found is not None:
            self.current_id = found

    # ------------------------------------------------------------------ actions

    def _decided(self, item: EntityItem, **changes: object) -> EntityItem:
        """`item` with `changes`, stamped as decided now by this annotator."""
        updated = item.with_changes(**changes)
        if updated.status is not Status.REJECTED:
            status = Status.kept(updated.suggestion is not None, updated.matches_suggestion())
            updated = updated.with_changes(status=status)
        return updated.with_changes(annotator=self.annotator, time=self._clock())

    def _persist(self, items: Mapping[str, EntityItem | None]) -> None:
        """Hand `items` to the sink; an undecided suggestion is stored as no record."""
        self._sink({item_id: item if item is not None and item.status.is_decided else None
                    for item_id, item in items.items()})

    def _commit(self, step: Step) -> Outcome:
        self.persist_step(step, forward=True)
        self.apply_step(step, forward=True)
        self.history.record(self, step)
        return Outcome(True, step.description, self.step_spans(step), self.layer)

    def persist_step(self, step: Step, forward: bool) -> None:
        """Write `step` (or, backwards, its reversal) to the sink."""
        self._persist({item_id: after if forward else before
                       for item_id, (before, after) in step.changes.items()})

    def apply_step(self, step: Step, forward: bool) -> None:
        for item_id, (before, after) in step.changes.items():
            old, new = (before, after) if forward else (after, before)
            if old is not None:
                self._order.remove(old)
                self._counts[old.status] -= 1
                del self.items[item_id]
            if new is not None:
                self.items[item_id] = new
                self._order.add(new)
                self._counts[new.status] += 1
        self.revision += 1
        target = step.current_after if forward else step.current_before
        self.current_id = target if target in self.items else None

    def holds(self, step: Step, forward: bool) -> bool:
        """Whether the items of `step` are as it expects (before it when `forward`)."""
        return all(self.items.get(item_id) == (before if forward else after)
                   for item_id, (before, after) in step.changes.items())

    def state(self, item: EntityItem | None, span: Span) -> str:
        """What `item` (over `span`; None: no item there) is, for undo and redo messages."""
        text = self.article.text[item.start:item.end] if item is not None \
            else self.article.text[span.start:span.end]
        if item is None:
            return f"{text!r} is no longer an entity"
        if item.status is Status.SUGGESTED:
            return f"{text!r} is an undecided suggestion ({item.label})"
        if item.status is Status.REJECTED:
            return f"{text!r} is rejected"
        return f"{text!r} is {item.label}"

    @staticmethod
    def step_spans(step: Step) -> tuple[Span, ...]:
        spans: list[Span] = []
        for before, after in step.changes.values():
            spans.extend(item.span for item in (before, after) if item is not None)
        return tuple(spans)

    def _single(self, before: EntityItem, after: EntityItem | None, description: str,
                verb: str, advance: bool = False) -> Outcome:
        current_after = self.current_id
        if after is None:
            current_after = self._neighbour(before)
        step = Step({before.id: (before, after)}, description, self.current_id, current_after,
                    undone=f"{verb}: {self.state(before, before.span)} again",
                    redone=f"{verb}: {self.state(after, before.span)}")
        outcome = self._commit(step)
        if advance:
            self._advance_to_undecided()
        return outcome

    def accept(self) -> Outcome:
        item = self.current
        if item is None:
            return Outcome(False, "No entity selected")
        if item.status.is_gold:
            # Already kept (accepted, corrected or added): confirm it and move on.
            self._advance_to_undecided()
            return Outcome(True, f"Kept {self.text_of(item)!r} as {item.label}")
        blocker = self.blocker(item.span, ignore=item.id)
        if blocker is not None:
            return Outcome(False, f"Overlaps {self.text_of(blocker)!r} ({blocker.label})")
        after = self._decided(item, status=Status.ACCEPTED)
        return self._single(item, after, f"Accepted {self.text_of(item)!r} as {item.label}",
                            "accept", advance=True)

    def reject(self) -> Outcome:
        item = self.current
        if item is None:
            return Outcome(False, "No entity selected")
        if item.suggestion is None:
            return self.delete()
        if item.status is Status.REJECTED:
            self._advance_to_undecided()
            return Outcome(False, "Already rejected")
        s = item.suggestion
        after = self._decided(item, status=Status.REJECTED, start=s.start, end=s.end, label=s.label)
        return self._single(item, after, f"Rejected {self.text_of(item)!r} ({item.label})",
                            "reject", advance=True)

    def delete(self) -> Outcome:
        """Remove an added entity; a suggested one is rejected."""
        item = self.current
        if item is None:
            return Outcome(False, "No entity selected")
        if item.suggestion is not None:
            if item.status is Status.REJECTED:
                return Outcome(False, "Already rejected")
            s = item.suggestion
            after = self._decided(item, status=Status.REJECTED, start=s.start, end=s.end,
                                  label=s.label)
            return self._single(item, after, f"Deleted {self.text_of(item)!r} (rejected)",
                                "delete")
        return self._single(item, None, f"Deleted {self.text_of(item)!r}", "delete")

    def relabel(self, label: str) -> Outcome:
        item = self.current
        if item is None:
            return Outcome(False, "No entity selected")
        if item.label == label and item.status.is_gold:
            return Outcome(False, f"Already {label}")
        if item.status is Status.REJECTED:
            blocker = self.blocker(item.span, ignore=item.id)
            if blocker is not None:
                return Outcome(False, f"Overlaps {self.text_of(blocker)!r} ({blocker.label})")
        after = self._decided(item, label=label, status=Status.CORRECTED)
        return self._single(item, after, f"{self.text_of(item)!r} is now {label}", "relabel")

    def resize(self, edge: Edge, grow: bool) -> Outcome:
        """Move the `edge` boundary of the current entity out (`grow`) or in by one token."""
        item = self.current
        if item is None:
            return Outcome(False, "No entity selected")
        tokens = self.tokens
        first, last = tokens.first_in(item.span), tokens.last_in(item.span)
        if first is None or last is None:
            return Outcome(False, "The entity is not on token boundaries")
        if edge == "left":
            first += -1 if grow else 1
        else:
            last += 1 if grow else -1
        if first < 0 or last >= len(tokens):
            return Outcome(False, "No more tokens on that side")
        if first > last:
            return Outcome(False, "An entity keeps at least one token")
        span = Span(tokens.starts[first], tokens.ends[last])
        blocker = self.blocker(span, ignore=item.id)
        if blocker is not None:
            return Outcome(False, f"Overlaps {self.text_of(blocker)!r} ({blocker.label})")
        after = self._decided(item, start=span.start, end=span.end, status=Status.CORRECTED)
        return self._single(item, after, f"Now {self.article.text[span.start:span.end]!r}",
                            "resize")

    def add(self, span: Span, label: str) -> Outcome:
        """Add an entity over `span` (snapped to tokens) with `label`."""
        snapped = self.tokens.snap(span)
        if snapped is None:
            return Outcome(False, "The selection holds no token")
        blocker = self.blocker(snapped)
        if blocker is not None:
            return Outcome(False, f"Overlaps {self.text_of(blocker)!r} ({blocker.label}): "
                                  "refused")
        item_id = f"a:{self._next_added}"
        self._next_added += 1
        item = self._decided(EntityItem(id=item_id, start=snapped.start, end=snapped.end,
                                        label=label, status=Status.ADDED))
        step = Step({item_id: (None, item)},
                     f"Added {self.article.text[snapped.start:snapped.end]!r} as {label}",
                     self.current_id, item_id,
                     undone=f"add: {self.state(None, snapped)}",
                     redone=f"add: {self.state(item, snapped)}")
        return self._commit(step)

    def accept_all(self) -> Outcome:
        """Accept every suggestion not decided yet, as one undoable step."""
        changes: dict[str, tuple[EntityItem | None, EntityItem | None]] = {}
        for item in self.ordered():
            if item.status is Status.SUGGESTED:
                changes[item.id] = (item, self._decided(item, status=Status.ACCEPTED))
        if not changes:
            return Outcome(False, "Nothing left to accept")
        n = len(changes)
        return self._commit(Step(changes, f"Accepted {n} remaining suggestions",
                                  self.current_id, self.current_id,
                                  undone=f"accept all: {n} suggestions are undecided again",
                                  redone=f"accept all: {n} suggestions are accepted"))

    def apply_to_mentions(self) -> Outcome:
        """Give every other mention of the current entity's text the same decision."""
        item = self.current
        if item is None:
            return Outcome(False, "No entity selected")
        if not item.status.is_decided:
            return Outcome(False, "Decide this entity first, then apply it to the other mentions")
        text = self.article.text
        needle = text[item.start:item.end]
        changes: dict[str, tuple[EntityItem | None, EntityItem | None]] = {}
        skipped = 0
        pending_spans: list[Span] = []
        position = text.find(needle)
        while position != -1:
            span = Span(position, position + len(needle))
            position = text.find(needle, position + 1)
            if span == item.span or not self.tokens.is_aligned(span):
                continue
            same = [o for o in self.overlapping(span.start, span.end) if o.span == span]
            if same:
                other = same[0]
                if item.status is Status.REJECTED:
                    if other.suggestion is None:
                        changes[other.id] = (other, None)
                    elif other.status is not Status.REJECTED:
                        s = other.suggestion
                        changes[other.id] = (other, self._decided(
                            other, status=Status.REJECTED, start=s.start, end=s.end, label=s.label))
                elif other.status is Status.REJECTED or other.label != item.label \
                        or other.status is Status.SUGGESTED:
                    changes[other.id] = (other, self._decided(other, label=item.label,
                                                              status=Status.ACCEPTED))
                continue
            if item.status is Status.REJECTED:
                continue
            if self.blocker(span) is not None or any(span.overlaps(p) for p in pending_spans):
                skipped += 1
                continue
            new_id = f"a:{self._next_added}"
            self._next_added += 1
            pending_spans.append(span)
            changes[new_id] = (None, self._decided(EntityItem(
                id=new_id, start=span.start, end=span.end, label=item.label, status=Status.ADDED)))
        if not changes:
            return Outcome(False, f"No other mention of {needle!r} to change"
                           + (f" ({skipped} overlap another entity)" if skipped else ""))
        verb = "Rejected" if item.status is Status.REJECTED else f"Set to {item.label}"
        message = f"{verb}: {len(changes)} other mentions of {needle!r}"
        if skipped:
            message += f" ({skipped} skipped: overlap)"
        n = len(changes)
        return self._commit(Step(
            changes, message, self.current_id, self.current_id,
            undone=f"all mentions: {n} other mentions of {needle!r} are as they were again",
            redone=f"all mentions: {message[:1].lower()}{message[1:]}"))

    # -------------------------------------------------------------- undo/redo

    def undo(self) -> Outcome:
        """Undo the article's last step (in whichever layer it was made)."""
        return self.history.undo()

    def redo(self) -> Outcome:
        return self.history.redo()
