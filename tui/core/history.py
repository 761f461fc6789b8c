"""Undo and redo shared by the three layers of one article (entities, quotes, meetings).

Each layer's session records its changes as `Step`s on one `History`, so `u`
undoes the last decision whatever layer it was made in. A step knows nothing
of the store: its owner (the session that made it) writes it back through its
sink and then applies it in memory, so a failed write leaves both stacks and
the session as they were.
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


class StepOwner(Protocol):
    """A session that can write a step to its store and apply it in memory."""

    layer: str

    def persist_step(self, step: Step, forward: bool) -> None: ...

    def apply_step(self, step: Step, forward: bool) -> None: ...

    def step_spans(self, step: Step) -> tuple[Span, ...]: ...


class History:
    """The undo and redo stacks of one article, across its layers."""

    def __init__(self) -> None:
        self._undo: list[tuple[StepOwner, Step]] = []
        self._redo: list[tuple[StepOwner, Step]] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def record(self, owner: StepOwner, step: Step) -> None:
        """A step `owner` has just written and applied: it can be undone; redo is gone."""
        self._undo.append((owner, step))
        self._redo.clear()

    def undo(self) -> Outcome:
        if not self._undo:
            return Outcome(False, "Nothing to undo")
        owner, step = self._undo[-1]
        owner.persist_step(step, forward=False)
        self._undo.pop()
        owner.apply_step(step, forward=False)
        self._redo.append((owner, step))
        return Outcome(True, f"Undid: {step.description}", owner.step_spans(step), owner.layer)

    def redo(self) -> Outcome:
        if not self._redo:
            return Outcome(False, "Nothing to redo")
        owner, step = self._redo[-1]
        owner.persist_step(step, forward=True)
        self._redo.pop()
        owner.apply_step(step, forward=True)
        self._undo.append((owner, step))
        return Outcome(True, f"Redid: {step.description}", owner.step_spans(step), owner.layer)
