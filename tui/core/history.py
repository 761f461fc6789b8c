"""Undo and redo shared by the three layers of one article (entities, quotes, meetings).

Each layer's session records its changes as `Step`s on one `History`, so `u`
undoes the last decision whatever layer it was made in. A step knows nothing
of the store: its owner (the session that made it) writes it back through its
sink and then applies it in memory, so a failed write leaves both stacks and
the session as they were.

The history of an article outlives its sessions: the app keeps one per
article for the whole run (tui.app.context) and hands it to the sessions it
builds when the article is opened again. Each new session `attach`es itself,
so an old step is undone by the session that now holds the layer, and only
when that session holds the step's result (else the store changed meanwhile
and the step is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tui.core.model import Span


@dataclass(frozen=True)
class Outcome:
    """What an action did: whether it acted, a message, spans to repaint, and its layer."""

    ok: bool
    message: str = ""
    spans: tuple[Span, ...] = ()
    layer: str = ""


@dataclass(frozen=True)
class Step:
    """One undoable change: item id -> (before, after); None is "no such item"."""

    changes: dict[str, tuple[Any, Any]]
    description: str
    current_before: str | None = None
    current_after: str | None = None
    #: What undoing it says, after "Undid ": the action and the state it goes back to
    #: ("relabel: 'DOHA' is GPE again").
    undone: str = ""
    #: What redoing it says, after "Redid ": the action and the state it makes
    #: ("relabel: 'DOHA' is LOC").
    redone: str = ""


class StepOwner(Protocol):
    """A session that can write a step to its store and apply it in memory."""

    layer: str

    def persist_step(self, step: Step, forward: bool) -> None: ...

    def apply_step(self, step: Step, forward: bool) -> None: ...

    def step_spans(self, step: Step) -> tuple[Span, ...]: ...

    def holds(self, step: Step, forward: bool) -> bool:
        """Whether the items `step` changes are as it left them (`forward`: as before it)."""
        ...


class History:
    """The undo and redo stacks of one article, across its layers and its sessions."""

    def __init__(self) -> None:
        self._undo: list[tuple[str, Step]] = []
        self._redo: list[tuple[str, Step]] = []
        self._owners: dict[str, StepOwner] = {}

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def attach(self, owner: StepOwner) -> None:
        """`owner` now holds its layer: the layer's steps are undone and redone through it."""
        self._owners[owner.layer] = owner

    def record(self, owner: StepOwner, step: Step) -> None:
        """A step `owner` has just written and applied: it can be undone; redo is gone."""
        self.attach(owner)
        self._undo.append((owner.layer, step))
        self._redo.clear()

    def undo(self) -> Outcome:
        if not self._undo:
            return Outcome(False, "Nothing to undo")
        return self._move(self._undo, self._redo, forward=False)

    def redo(self) -> Outcome:
        if not self._redo:
            return Outcome(False, "Nothing to redo")
        return self._move(self._redo, self._undo, forward=True)

    def _move(self, source: list[tuple[str, Step]], target: list[tuple[str, Step]],
              forward: bool) -> Outcome:
        """Write the last step of `source` (forward or back), apply it, move it to `target`."""
        layer, step = source[-1]
        owner = self._owners.get(layer)
        verb = "redo" if forward else "undo"
        if owner is None or not owner.holds(step, forward):
            return Outcome(False, f"Cannot {verb}: the {layer or 'article'} changed since "
                                  "that step", layer=layer)
        owner.persist_step(step, forward=forward)
        source.pop()
        owner.apply_step(step, forward=forward)
        target.append((layer, step))
        said = step.redone if forward else step.undone
        message = f"{'Redid' if forward else 'Undid'} {said}" if said else \
            f"{'Redid' if forward else 'Undid'}: {step.description}"
        return Outcome(True, message, owner.step_spans(step), owner.layer)
