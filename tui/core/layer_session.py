"""An annotator's session on one article's quotes or meetings: actions, persistence, undo.

The same contract as the entity session (tui.core.session): every action
computes a `Step`, hands the changed items to the `sink` (the gold store)
and only then applies it in memory and records it on the article's shared
`History`, so a failed write changes nothing. What is specific to quotes
(speaker, cue, kind) and to meetings (participants, place, time, event) is
in tui.core.quote_session and tui.core.meeting_session.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic

from tui.core.history import History, Outcome, Step
from tui.core.keys import KeyNames, binding_ids
from tui.core.layers import LayerItem, LayerValue, value_anchor, value_spans
from tui.core.model import Article, ModelInfo, Span, Status
from tui.core.session import utc_now
from tui.core.tokens import TokenIndex

LayerSink = Callable[[Mapping[str, Any]], None]


class LayerSession(Generic[LayerValue]):
    """The quotes (or meetings) of one article for one annotator."""

    #: "quotes" or "meetings": the key of the native JSONL, and the id prefix's layer.
    layer = ""
    #: What one item is called in messages.
    noun = "item"
    #: The id prefix of this layer's items ("q" or "m").
    prefix = ""

    def __init__(
        self,
        article: Article,
        model: ModelInfo,
        tokens: TokenIndex,
        suggested: Sequence[LayerValue],
        stored: Mapping[str, LayerItem[LayerValue]],
        annotator: str,
        sink: LayerSink,
        history: History,
        clock: Callable[[], str] = utc_now,
        keys: KeyNames = binding_ids,
    ) -> None:
        self.article = article
        #: The key of a binding id, for hints in messages.
        self.key = keys
        self.model = model
        self.tokens = tokens
        self.annotator = annotator
        self.history = history
        self._sink = sink
        self._clock = clock
        self.items: dict[str, LayerItem[LayerValue]] = dict(stored)
        occupied = [item.anchor for item in self.items.values()
                    if item.status is not Status.REJECTED]
        for value in suggested:
            item_id = self.suggestion_id(value)
            if item_id in self.items:
                continue
            anchor = value_anchor(value)
            if any(anchor.overlaps(other) for other in occupied):
                continue  # a decision already covers this text
            self.items[item_id] = LayerItem(id=item_id, value=value, status=Status.SUGGESTED,
                                            suggestion=value, model=model)
        self._next_added = 1 + max(
            (int(i.rsplit(":", 1)[1]) for i in self.items
             if i.startswith(f"{self.prefix}:a:") and i.rsplit(":", 1)[1].isdigit()), default=0)
        self._keys: list[tuple[int, int, str]] = []
        self._roles: list[tuple[int, int, str, str]] = []
        self._longest_role = 0
        self._longest_anchor = 0
        self._counts: Counter[Status] = Counter()
        self._reindex()
        self.history.attach(self)
        first = next((k[2] for k in self._keys
                      if self.items[k[2]].status is Status.SUGGESTED), None)
        self.current_id: str | None = first or (self._keys[0][2] if self._keys else None)

    # --------------------------------------------------------------- subclass hooks

    def suggestion_id(self, value: LayerValue) -> str:
        anchor = value_anchor(value)
        return f"{self.prefix}:s:{anchor.start}:{anchor.end}"

    def roles(self, value: LayerValue) -> Iterable[tuple[str, Span]]:
        """(role, span) of every part of `value`, for drawing it."""
        raise NotImplementedError

    def aspect(self, value: LayerValue, aspect: str) -> str:
        """What `value` is as to `aspect` ("speaker", "place", ...), for undo and redo
        messages ("is by Kalin", "has no place"); "" when it has nothing to say."""
        return ""

    def state(self, item: LayerItem[LayerValue] | None, value: LayerValue,
              aspect: str = "") -> str:
        """What `item` (None: no item where `value` was) now is, for undo and redo."""
        if item is None:
            return f"the {self.noun} {self.describe(value)} is gone"
        said = self.aspect(item.value, aspect) if aspect else ""
        if not said:
            said = {Status.SUGGESTED: "is an undecided suggestion",
                    Status.REJECTED: "is rejected"}.get(item.status, f"is {item.status.value}")
        return f"the {self.noun} {self.describe(item.value)} {said}"

    def describe(self, value: LayerValue) -> str:
        """A few words naming `value` in messages."""
        anchor = value_anchor(value)
        words = " ".join(self.article.text[anchor.start:anchor.end].split())
        return repr(words if len(words) <= 40 else words[:39] + "…")

    # ---------------------------------------------------------------- indices

    #: A step that changes more items than this rebuilds the indices instead of
    #: updating them item by item (`accept_all`).
    _REBUILD_OVER = 64

    def _reindex(self) -> None:
        """Rebuild the text-order list, the role-span index and the status counts."""
        self._keys = sorted((i.anchor.start, i.anchor.end, i.id) for i in self.items.values())
        roles: list[tuple[int, int, str, str]] = []
        for item in self.items.values():
            for role, span in self.roles(item.value):
                roles.append((span.start, span.end, role, item.id))
        roles.sort()
        self._roles = roles
        self._longest_role = max((end - start for start, end, _, _ in roles), default=0)
        self._longest_anchor = max((end - start for start, end, _ in self._keys), default=0)
        self._counts = Counter(item.status for item in self.items.values())

    def _index_add(self, item: LayerItem[LayerValue]) -> None:
        """Put `item` (just stored in `items`) into the indices."""
        anchor = item.anchor
        insort(self._keys, (anchor.start, anchor.end, item.id))
        self._longest_anchor = max(self._longest_anchor, anchor.end - anchor.start)
        for role, span in self.roles(item.value):
            insort(self._roles, (span.start, span.end, role, item.id))
            self._longest_role = max(self._longest_role, span.end - span.start)
        self._counts[item.status] += 1

    def _index_remove(self, item: LayerItem[LayerValue]) -> None:
        """Take `item` (still in `items`, about to leave or change) out of the indices.

        The longest lengths stay as they were: they only bound how far back a
        range lookup starts, so one too large costs a little time, never a result.
        """
        anchor = item.anchor
        _remove_sorted(self._keys, (anchor.start, anchor.end, item.id))
        for role, span in self.roles(item.value):
            _remove_sorted(self._roles, (span.start, span.end, role, item.id))
        self._counts[item.status] -= 1

    # ---------------------------------------------------------------- queries

    @property
    def current(self) -> LayerItem[LayerValue] | None:
        return self.items.get(self.current_id) if self.current_id else None

    def ordered(self) -> list[LayerItem[LayerValue]]:
        return [self.items[k[2]] for k in self._keys]

    def position(self, item: LayerItem[LayerValue]) -> int:
        return bisect_left(self._keys, (item.anchor.start, item.anchor.end, item.id))

    def counts(self) -> dict[str, int]:
        """How many items have each status (kept up to date, not counted)."""
        return {status.value: self._counts[status] for status in Status}

    def has_undecided(self) -> bool:
        return self._counts[Status.SUGGESTED] > 0

    def role_spans(self, start: int, end: int) -> list[tuple[Span, str, LayerItem[LayerValue]]]:
        """(span, role, item) of every part of an item that overlaps `[start, end)`."""
        i = bisect_left(self._roles, (start - self._longest_role, -1, "", ""))
        found = []
        while i < len(self._roles) and self._roles[i][0] < end:
            s, e, role, item_id = self._roles[i]
            if e > start:
                found.append((Span(s, e), role, self.items[item_id]))
            i += 1
        return found

    def item_at(self, offset: int) -> LayerItem[LayerValue] | None:
        """The item whose anchor (quote content, meeting trigger) covers `offset`."""
        best: LayerItem[LayerValue] | None = None
        for span, _, item in self.role_spans(offset, offset + 1):
            if span == item.anchor and (best is None or best.status is Status.REJECTED):
                best = item
        return best

    def select(self, item_id: str | None) -> None:
        if item_id is None or item_id in self.items:
            self.current_id = item_id

    # ------------------------------------------------------------- navigation

    def next(self, step: int = 1) -> Outcome:
        if not self._keys:
            return Outcome(False, f"No {self.layer} in this article", layer=self.layer)
        current = self.current
        if current is None:
            i = 0 if step > 0 else len(self._keys) - 1
        else:
            i = self.position(current) + step
            if not 0 <= i < len(self._keys):
                return Outcome(False, f"Last {self.noun}" if step > 0 else f"First {self.noun}",
                               layer=self.layer)
        self.current_id = self._keys[i][2]
        return Outcome(True, layer=self.layer)

    def next_from(self, offset: int, step: int = 1) -> Outcome:
        """Make current the first item after `offset` (or, step=-1, the last before)."""
        if step > 0:
            i = bisect_left(self._keys, (offset + 1, -1, ""))
        else:
            i = bisect_left(self._keys, (offset, -1, "")) - 1
        if not 0 <= i < len(self._keys):
            return Outcome(False, f"No {self.noun} after the cursor" if step > 0
                           else f"No {self.noun} before the cursor", layer=self.layer)
        self.current_id = self._keys[i][2]
        return Outcome(True, layer=self.layer)

    def _advance_to_undecided(self) -> None:
        current = self.current
        start = self.position(current) + 1 if current else 0
        n = len(self._keys)
        for k in range(n):
            item_id = self._keys[(start + k) % n][2]
            if self.items[item_id].status is Status.SUGGESTED:
                self.current_id = item_id
                return

    def _neighbour(self, item: LayerItem[LayerValue]) -> str | None:
        i = self.position(item)
        if i + 1 < len(self._keys):
            return self._keys[i + 1][2]
        return self._keys[i - 1][2] if i > 0 else None

    # ---------------------------------------------------------------- writing

    def persist_step(self, step: Step, forward: bool) -> None:
        """Write `step` (or its reversal) to the sink; an undecided suggestion is no record."""
        changes: dict[str, Any] = {}
        for item_id, (before, after) in step.changes.items():
            item = after if forward else before
            changes[item_id] = item if item is not None and item.status.is_decided else None
        self._sink(changes)

    def apply_step(self, step: Step, forward: bool) -> None:
        rebuild = len(step.changes) > self._REBUILD_OVER
        for item_id, (before, after) in step.changes.items():
            new = after if forward else before
            old = self.items.get(item_id)
            if old is not None and not rebuild:
                self._index_remove(old)
            if new is None:
                self.items.pop(item_id, None)
            else:
                self.items[item_id] = new
                if not rebuild:
                    self._index_add(new)
        if rebuild:
            self._reindex()
        target = step.current_after if forward else step.current_before
        self.current_id = target if target in self.items else None

    def holds(self, step: Step, forward: bool) -> bool:
        """Whether the items of `step` are as it expects (before it when `forward`)."""
        return all(self.items.get(item_id) == (before if forward else after)
                   for item_id, (before, after) in step.changes.items())

    def step_spans(self, step: Step) -> tuple[Span, ...]:
        spans: list[Span] = []
        for before, after in step.changes.values():
            for item in (before, after):
                if item is not None:
                    spans.extend(value_spans(item.value))
        return tuple(spans)

    def _commit(self, step: Step) -> Outcome:
        self.persist_step(step, forward=True)
        self.apply_step(step, forward=True)
        self.history.record(self, step)
        return Outcome(True, step.description, self.step_spans(step), self.layer)

    def _decided(self, item: LayerItem[LayerValue], value: LayerValue | None = None,
                 rejected: bool = False) -> LayerItem[LayerValue]:
        """`item` with `value`, its status worked out, stamped by this annotator now."""
        if rejected:
            assert item.suggestion is not None
            updated = item.with_changes(value=item.suggestion, status=Status.REJECTED)
        else:
            updated = item.with_changes(value=item.value if value is None else value)
            status = Status.kept(updated.suggestion is not None, updated.matches_suggestion())
            updated = updated.with_changes(status=status)
        return updated.with_changes(annotator=self.annotator, time=self._clock())

    def _single(self, before: LayerItem[LayerValue], after: LayerItem[LayerValue] | None,
                description: str, verb: str, aspect: str = "",
                advance: bool = False) -> Outcome:
        current_after = self.current_id if after is not None else self._neighbour(before)
        undone = self.state(before, before.value, aspect) + " again"
        redone = self.state(after, before.value, aspect)
        outcome = self._commit(Step({before.id: (before, after)}, description,
                                    self.current_id, current_after,
                                    undone=f"{verb}: {undone}", redone=f"{verb}: {redone}"))
        if advance:
            self._advance_to_undecided()
        return outcome

    def _blocker(self, anchor: Span, ignore: str | None = None) -> LayerItem[LayerValue] | None:
        """The first item in text order (not rejected, not `ignore`) whose anchor overlaps
        `anchor`."""
        keys = self._keys
        i = bisect_left(keys, (anchor.start - self._longest_anchor, -1, ""))
        while i < len(keys) and keys[i][0] < anchor.end:
            _, end, item_id = keys[i]
            i += 1
            if item_id == ignore or end <= anchor.start:
                continue
            item = self.items[item_id]
            if item.status is not Status.REJECTED and item.anchor.overlaps(anchor):
                return item
        return None

    def _none(self) -> Outcome:
        return Outcome(False, f"No {self.noun} selected", layer=self.layer)

    # ---------------------------------------------------------------- actions

    def accept(self) -> Outcome:
        item = self.current
        if item is None:
            return self._none()
        if item.status.is_gold:
            self._advance_to_undecided()
            return Outcome(True, f"Kept the {self.noun} {self.describe(item.value)}",
                           layer=self.layer)
        blocker = self._blocker(item.anchor, ignore=item.id)
        if blocker is not None:
            return Outcome(False, f"Overlaps the {self.noun} {self.describe(blocker.value)}",
                           layer=self.layer)
        return self._single(item, self._decided(item),
                            f"Accepted the {self.noun} {self.describe(item.value)}", "accept",
                            advance=True)

    def reject(self) -> Outcome:
        item = self.current
        if item is None:
            return self._none()
        if item.suggestion is None:
            return self.delete()
        if item.status is Status.REJECTED:
            self._advance_to_undecided()
            return Outcome(False, "Already rejected", layer=self.layer)
        return self._single(item, self._decided(item, rejected=True),
                            f"Rejected the {self.noun} {self.describe(item.value)}", "reject",
                            advance=True)

    def delete(self) -> Outcome:
        """Remove an added item; a suggested one is rejected."""
        item = self.current
        if item is None:
            return self._none()
        if item.suggestion is not None:
            if item.status is Status.REJECTED:
                return Outcome(False, "Already rejected", layer=self.layer)
            return self._single(item, self._decided(item, rejected=True),
                                f"Deleted the {self.noun} {self.describe(item.value)} (rejected)",
                                "delete")
        return self._single(item, None, f"Deleted the {self.noun} {self.describe(item.value)}",
                            "delete")

    def accept_all(self) -> Outcome:
        """Accept every suggestion not decided yet, as one undoable step."""
        changes: dict[str, tuple[Any, Any]] = {
            item.id: (item, self._decided(item))
            for item in self.ordered() if item.status is Status.SUGGESTED}
        if not changes:
            return Outcome(False, "Nothing left to accept", layer=self.layer)
        n = len(changes)
        return self._commit(Step(changes, f"Accepted {n} remaining {self.layer}",
                                 self.current_id, self.current_id,
                                 undone=f"accept all: {n} {self.layer} are undecided again",
                                 redone=f"accept all: {n} {self.layer} are accepted"))

    def change(self, value: LayerValue, description: str, verb: str = "change",
               aspect: str = "") -> Outcome:
        """Replace the current item's value (a correction; a rejected one comes back).

        `verb` names the action in undo and redo messages; `aspect` is what it changed,
        whose state they give (see `aspect`).
        """
        item = self.current
        if item is None:
            return self._none()
        if value == item.value and item.status.is_gold:
            return Outcome(False, "No change", layer=self.layer)
        if value_anchor(value) != item.anchor or item.status is Status.REJECTED:
            blocker = self._blocker(value_anchor(value), ignore=item.id)
            if blocker is not None:
                return Outcome(False, f"Overlaps the {self.noun} {self.describe(blocker.value)}",
                               layer=self.layer)
        return self._single(item, self._decided(item, value), description, verb, aspect)

    def add(self, value: LayerValue, description: str) -> Outcome:
        """Add an item a person made (no suggestion) and make it current."""
        blocker = self._blocker(value_anchor(value))
        if blocker is not None:
            return Outcome(False, f"Overlaps the {self.noun} {self.describe(blocker.value)}: "
                                  "refused", layer=self.layer)
        item_id = f"{self.prefix}:a:{self._next_added}"
        self._next_added += 1
        item: LayerItem[LayerValue] = LayerItem(id=item_id, value=value, status=Status.ADDED)
        made = self._decided(item)
        return self._commit(Step({item_id: (None, made)}, description, self.current_id, item_id,
                                 undone=f"add: {self.state(None, value)}",
                                 redone=f"add: {self.state(made, value)}"))

    def resize(self, edge: str, grow: bool) -> Outcome:
        """Move the start or end of the anchor (content, trigger) by one token."""
        raise NotImplementedError

    def resize_anchor(self, edge: str, grow: bool) -> Span | Outcome:
        """The current anchor moved by one token at `edge`, or an Outcome saying why not."""
        item = self.current
        if item is None:
            return self._none()
        tokens = self.tokens
        first, last = tokens.first_in(item.anchor), tokens.last_in(item.anchor)
        if first is None or last is None:
            return Outcome(False, "Not on token boundaries", layer=self.layer)
        if edge == "left":
            first += -1 if grow else 1
        else:
            last += 1 if grow else -1
        if first < 0 or last >= len(tokens):
            return Outcome(False, "No more tokens on that side", layer=self.layer)
        if first > last:
            return Outcome(False, "Keeps at least one token", layer=self.layer)
        return Span(tokens.starts[first], tokens.ends[last])


def _remove_sorted(keys: list[Any], key: Any) -> None:
    """Remove one `key` from the sorted list `keys` (nothing if it is not there)."""
    i = bisect_left(keys, key)
    if i < len(keys) and keys[i] == key:
        del keys[i]
