"""The meeting layer's own actions: participants, place, time, events, a meeting from a selection.

A meeting mention's `event` id groups the mentions of one real meeting:
merging gives the current mention the event of the meeting mentioned before
it, splitting gives it an event of its own. Setting the time resolves its
calendar date against the article's date (tui.core.dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tui.core.dates import resolve_date
from tui.core.history import Outcome
from tui.core.layer_session import LayerSession
from tui.core.layers import MEETINGS, MeetingSuggestion
from tui.core.model import Span, Status


class MeetingSession(LayerSession[MeetingSuggestion]):
    """The meeting mentions of one article: who met whom, where, when."""

    layer = MEETINGS
    noun = "meeting"
    prefix = "m"

    def roles(self, value: MeetingSuggestion) -> Iterable[tuple[str, Span]]:
        yield "trigger", value.trigger
        for participant in value.participants:
            yield "participant", participant
        if value.place is not None:
            yield "place", value.place
        if value.time is not None:
            yield "time", value.time

    def _text(self, span: Span | None) -> str:
        return "" if span is None else " ".join(self.article.text[span.start:span.end].split())

    def _fresh_event(self) -> str:
        used = {item.value.event for item in self.items.values()}
        n = 1
        while f"e{n}" in used:
            n += 1
        return f"e{n}"

    def event_size(self, event: str) -> int:
        """How many mentions (not rejected) share `event`."""
        return sum(1 for item in self.items.values()
                   if item.value.event == event and item.status is not Status.REJECTED)

    # ------------------------------------------------------------ arguments

    def toggle_participant(self, span: Span, selected: bool = False) -> Outcome:
        """Add `span` as a participant, or remove the participant it lies in.

        A `selected` span (one the annotator marked out) that overlaps participants
        replaces them: that is how a participant's boundaries are corrected. An
        unselected span (the entity or token under the cursor) inside a participant
        removes that participant.
        """
        item = self.current
        if item is None:
            return self._none()
        value = item.value
        if span.overlaps(value.trigger):
            return Outcome(False, "A participant cannot be the trigger", layer=self.layer)
        overlapping = [p for p in value.participants if span.overlaps(p)]
        if overlapping and (span in overlapping or not selected):
            inside = [p for p in overlapping if p.start <= span.start and span.end <= p.end]
            if not inside:
                return Outcome(False, "That overlaps a participant: select the span it should be",
                               layer=self.layer)
            gone = inside[0]
            participants = tuple(p for p in value.participants if p != gone)
            return self.change(replace(value, participants=participants),
                               f"Removed the participant {self._text(gone)}")
        kept = [p for p in value.participants if not span.overlaps(p)]
        participants = tuple(sorted((*kept, span), key=lambda s: s.start))
        if overlapping:
            replaced = "; ".join(self._text(p) for p in overlapping)
            message = f"Participant {replaced} → {self._text(span)}"
        else:
            message = f"Added the participant {self._text(span)}"
        return self.change(replace(value, participants=participants), message)

    def set_place(self, span: Span) -> Outcome:
        """Make `span` the place (the same span again removes it)."""
        item = self.current
        if item is None:
            return self._none()
        if item.value.place == span:
            return self.change(replace(item.value, place=None), "Place removed")
        return self.change(replace(item.value, place=span), f"Place: {self._text(span)}")

    def set_time(self, span: Span) -> Outcome:
        """Make `span` the time and resolve its date (the same span again removes it)."""
        item = self.current
        if item is None:
            return self._none()
        if item.value.time == span:
            return self.change(replace(item.value, time=None, date=None), "Time removed")
        date = resolve_date(self.article.text[span.start:span.end],
                            str(self.article.meta.get("date") or "") or None)
        note = f" ({date})" if date else " (no calendar date)"
        return self.change(replace(item.value, time=span, date=date),
                           f"Time: {self._text(span)}{note}")

    # ---------------------------------------------------------------- events

    def merge(self) -> Outcome:
        """Join the event of the nearest meeting mentioned before this one (else after it)."""
        item = self.current
        if item is None:
            return self._none()
        ordered = [i for i in self.ordered() if i.status is not Status.REJECTED]
        here = next((n for n, i in enumerate(ordered) if i.id == item.id), None)
        candidates = (ordered[:here][::-1] + ordered[here + 1:]) if here is not None \
            else ordered
        other = next((i for i in candidates if i.value.event != item.value.event), None)
        if other is None:
            return Outcome(False, "No other meeting to merge with", layer=self.layer)
        return self.change(replace(item.value, event=other.value.event),
                           f"Same meeting as {self.describe(other.value)} ({other.value.event})")

    def split(self) -> Outcome:
        """Give this mention an event of its own."""
        item = self.current
        if item is None:
            return self._none()
        if self.event_size(item.value.event) <= 1:
            return Outcome(False, "This meeting is already on its own", layer=self.layer)
        event = self._fresh_event()
        return self.change(replace(item.value, event=event), f"A meeting of its own ({event})")

    def resize(self, edge: str, grow: bool) -> Outcome:
        """Move the start or end of the trigger by one token."""
        span = self.resize_anchor(edge, grow)
        if isinstance(span, Outcome):
            return span
        item = self.current
        assert item is not None
        value = replace(item.value, trigger=span)
        return self.change(value, f"Trigger now {self.describe(value)}")

    def add_from(self, selection: Span) -> Outcome:
        """A new meeting mention whose trigger is `selection`, in an event of its own."""
        value = MeetingSuggestion(trigger=selection, participants=(), place=None, time=None,
                                  date=None, event=self._fresh_event())
        return self.add(value, f"Added the meeting {self.describe(value)}: now add its "
                               "participants (e), place (h) and time (y)")

