"""The meeting layer's own actions: participants, place, time, events, a meeting from a selection.

A meeting mention's `event` id groups the mentions of one real meeting:
merging gives the current mention the event of the most likely other meeting
(the nearest earlier mention sharing a participant or the place, else the one
just before; merging again goes through the other candidates and back to its
own event), splitting gives it an event of its own. Setting the time resolves its
calendar date against the article's date (tui.core.dates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from tui.core.dates import resolve_date
from tui.core.history import Outcome
from tui.core.layer_session import LayerSession
from tui.core.layers import MEETINGS, LayerItem, MeetingSuggestion
from tui.core.model import Span, Status

_WORD = re.compile(r"[^\W_][\w’'-]*")
_POSSESSIVE = re.compile(r"[’']s?$")
#: Capitalised words that name nobody.
_NOT_NAMES = frozenset({"The", "A", "An", "Its", "Their", "His", "Her", "Both", "All"})


class MeetingSession(LayerSession[MeetingSuggestion]):
    """The meeting mentions of one article: who met whom, where, when."""

    layer = MEETINGS
    noun = "meeting"
    prefix = "m"
    #: The merge in progress: (the mention's id, its own event, the candidate events).
    _merge_cycle: tuple[str, str, tuple[str, ...]] | None = None

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

    def aspect(self, value: MeetingSuggestion, aspect: str) -> str:
        if aspect == "participants":
            names = "; ".join(self._text(p) for p in value.participants)
            return f"has the participants {names}" if names else "has no participants"
        if aspect == "place":
            return f"has the place {self._text(value.place)!r}" if value.place \
                else "has no place"
        if aspect == "time":
            date = f" ({value.date})" if value.date else ""
            return f"has the time {self._text(value.time)!r}{date}" if value.time \
                else "has no time"
        if aspect == "event":
            return f"is in event {value.event}"
        return ""

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
                               f"Removed the participant {self._text(gone)}", "participant",
                               "participants")
        kept = [p for p in value.participants if not span.overlaps(p)]
        participants = tuple(sorted((*kept, span), key=lambda s: s.start))
        if overlapping:
            replaced = "; ".join(self._text(p) for p in overlapping)
            message = f"Participant {replaced} → {self._text(span)}"
        else:
            message = f"Added the participant {self._text(span)}"
        return self.change(replace(value, participants=participants), message, "participant",
                           "participants")

    def set_place(self, span: Span) -> Outcome:
        """Make `span` the place (the same span again removes it)."""
        item = self.current
        if item is None:
            return self._none()
        if item.value.place == span:
            return self.change(replace(item.value, place=None), "Place removed", "place",
                               "place")
        return self.change(replace(item.value, place=span), f"Place: {self._text(span)}",
                           "place", "place")

    def set_time(self, span: Span) -> Outcome:
        """Make `span` the time and resolve its date (the same span again removes it)."""
        item = self.current
        if item is None:
            return self._none()
        if item.value.time == span:
            return self.change(replace(item.value, time=None, date=None), "Time removed",
                               "time", "time")
        date = resolve_date(self.article.text[span.start:span.end],
                            str(self.article.meta.get("date") or "") or None)
        note = f" ({date})" if date else " (no calendar date)"
        return self.change(replace(item.value, time=span, date=date),
                           f"Time: {self._text(span)}{note}", "time", "time")

    # ---------------------------------------------------------------- events

    def _names(self, span: Span | None) -> set[str]:
        """The name words of a span: its capitalised words, a possessive dropped
        ("Qatar’s emir" -> {"Qatar"}), articles left out."""
        if span is None:
            return set()
        words = _WORD.findall(self.article.text[span.start:span.end])
        return {w for w in (_POSSESSIVE.sub("", word) for word in words)
                if w[:1].isupper() and w not in _NOT_NAMES}

    def shared(self, value: MeetingSuggestion, other: MeetingSuggestion) -> str | None:
        """What ties two meeting mentions: a participant name both have (a capitalised
        word of a participant of each: "Erdogan" in "Recep Tayyip Erdogan"), else a
        place name both have; None where nothing does."""
        mine = set().union(*(self._names(p) for p in value.participants))
        theirs = set().union(*(self._names(p) for p in other.participants))
        common = sorted(mine & theirs)
        if common:
            return common[0]
        places = sorted(self._names(value.place) & self._names(other.place))
        return f"the place {places[0]}" if places else None

    def merge_candidates(self, item: LayerItem[MeetingSuggestion]
                         ) -> list[LayerItem[MeetingSuggestion]]:
        """The mentions whose events `item` may join, one per event, most likely first:
        the nearest earlier mention that shares a participant or the place with it (see
        `shared`), then every earlier one from the nearest back, then the later ones."""
        ordered = [i for i in self.ordered() if i.status is not Status.REJECTED]
        here = next((n for n, i in enumerate(ordered) if i.id == item.id), len(ordered))
        before = ordered[:here][::-1]
        after = ordered[here + 1:]
        likely = [i for i in before if self.shared(item.value, i.value) is not None][:1]
        out: list[LayerItem[MeetingSuggestion]] = []
        events = {item.value.event}
        for other in (*likely, *before, *after):
            if other.value.event not in events:
                events.add(other.value.event)
                out.append(other)
        return out

    def merge(self) -> Outcome:
        """Join the most likely other event (`merge_candidates`); merging again at once goes
        to the next candidate, and after the last back to the mention's own event."""
        item = self.current
        if item is None:
            return self._none()
        cycle = self._merge_cycle
        if cycle is not None and cycle[0] == item.id and item.value.event in cycle[2]:
            _, own, events = cycle
            step = events.index(item.value.event) + 1
            if step == len(events):
                self._merge_cycle = None
                return self.change(replace(item.value, event=own),
                                   f"Back to its own event ({own})", "merge", "event")
            target = events[step]
        else:
            candidates = self.merge_candidates(item)
            if not candidates:
                return Outcome(False, "No other meeting to merge with", layer=self.layer)
            own, events = item.value.event, tuple(c.value.event for c in candidates)
            target, step = events[0], 0
        other = next(i for i in self.ordered() if i.value.event == target
                     and i.status is not Status.REJECTED)
        tie = self.shared(item.value, other.value)
        why = f", sharing {tie}" if tie else ""
        outcome = self.change(replace(item.value, event=target),
                              f"Same meeting as {self.describe(other.value)} ({target}{why}); "
                              f"candidate {step + 1} of {len(events)}, merge again for the "
                              "next, then back to its own event", "merge", "event")
        self._merge_cycle = (item.id, own, events) if outcome.ok else None
        return outcome

    def split(self) -> Outcome:
        """Give this mention an event of its own."""
        item = self.current
        if item is None:
            return self._none()
        if self.event_size(item.value.event) <= 1:
            return Outcome(False, "This meeting is already on its own", layer=self.layer)
        event = self._fresh_event()
        return self.change(replace(item.value, event=event), f"A meeting of its own ({event})",
                           "split", "event")

    def resize(self, edge: str, grow: bool) -> Outcome:
        """Move the start or end of the trigger by one token."""
        span = self.resize_anchor(edge, grow)
        if isinstance(span, Outcome):
            return span
        item = self.current
        assert item is not None
        value = replace(item.value, trigger=span)
        return self.change(value, f"Trigger now {self.describe(value)}", "resize")

    def add_from(self, selection: Span) -> Outcome:
        """A new meeting mention whose trigger is `selection`, in an event of its own."""
        value = MeetingSuggestion(trigger=selection, participants=(), place=None, time=None,
                                  date=None, event=self._fresh_event())
        hint = (f"now add its participants ({self.key('participant')}), place "
                f"({self.key('place')}) and time ({self.key('time')})")
        return self.add(value, f"Added the meeting {self.describe(value)}: {hint}")

