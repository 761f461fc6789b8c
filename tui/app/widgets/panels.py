"""The side panels of the article screen: the current entity, and the label legend.

Everything shown here (entity text, labels, model names, annotator names)
comes from files, so it is assembled as `rich.text.Text`, never as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.app.widgets.colors import entity_style, label_colour
from tui.core.model import EntityItem, Status
from tui.core.session import EntitySession
from tui.core.text import display_safe


def _clean(value: str, limit: int = 200) -> str:
    value = display_safe(value.replace("\n", " "))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def describe_item(session: EntitySession, item: EntityItem | None) -> Text:
    """A few lines about `item`: its text, label, status and who suggested/decided it."""
    text = Text(no_wrap=False)
    counts = session.counts()
    total = sum(counts.values())
    undecided = counts[Status.SUGGESTED.value]
    text.append(f"{total - undecided}/{total} decided", style="bold")
    text.append(f" · {undecided} to go\n\n")
    if item is None:
        text.append("No entity selected.\n", style="italic")
        text.append("Move with n/p, or select text with v and the arrows.")
        return text
    text.append(f"Entity {session.position(item) + 1} of {total}\n", style="dim")
    text.append("“")
    text.append(_clean(session.text_of(item)), style=entity_style(item.label, item.status, False))
    text.append("”\n\n")
    rows: list[tuple[str, str]] = [
        ("Label", item.label),
        ("Status", item.status.value),
        ("Span", f"{item.start}–{item.end}"),
    ]
    if item.suggestion is not None:
        s = item.suggestion
        if not item.matches_suggestion():
            rows.append(("Suggested", f"{s.label} {s.start}–{s.end}"))
        rows.append(("Model", item.model.label if item.model else session.model.label))
    else:
        rows.append(("Model", "none (added by hand)"))
    if item.annotator:
        rows.append(("By", item.annotator))
    if item.time:
        rows.append(("At", item.time))
    for name, value in rows:
        text.append(f"{name:<10}", style="bold")
        style = f"bold {label_colour(value)}" if name == "Label" else ""
        text.append(_clean(value), style=style)
        text.append("\n")
    return text


def legend_text(labels: tuple[str, ...]) -> Text:
    """The labels on the digit keys, each in its colour, and where to find the rest."""
    text = Text()
    for digit, label in enumerate(labels[:9], start=1):
        text.append(f" {digit} ", style="bold reverse")
        text.append(" ")
        text.append(_clean(label, 24), style=f"bold {label_colour(label)}")
        text.append("\n")
    if len(labels) > 9:
        text.append(f" l  {len(labels) - 9} more labels…", style="dim")
    return text


class EntityPanel(Static):
    """Describes the current entity."""


class Legend(Static):
    """The label legend with the digit keys."""
