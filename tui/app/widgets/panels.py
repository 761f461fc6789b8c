"""The side panels of the article screen: the current entity, and the label legend.

Everything shown here (entity text, labels, model names, annotator names)
comes from files, so it is assembled as `rich.text.Text`, never as markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from tui.app.bindings import key_names
from tui.app.widgets.colors import entity_style, label_colour, role_style
from tui.core.keys import KeyNames
from tui.core.layer_session import LayerSession
from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion, value_anchor
from tui.core.meeting_session import MeetingSession
from tui.core.model import EntityItem, Span, Status
from tui.core.quote_session import QuoteSession
from tui.core.session import EntitySession
from tui.core.text import display_safe


def _clean(value: str, limit: int = 200) -> str:
    value = display_safe(value.replace("\n", " "))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def describe_item(session: EntitySession, item: EntityItem | None,
                  keys: KeyNames | None = None) -> Text:
    """A few lines about `item`: its text, label, status and who suggested/decided it
    (`keys`: the keys in force for the hints, by binding id; default: the default keys)."""
    text = Text(no_wrap=False)
    counts = session.counts()
    total = sum(counts.values())
    undecided = counts[Status.SUGGESTED.value]
    text.append(f"{total - undecided}/{total} decided", style="bold")
    text.append(f" · {undecided} to go\n\n")
    if item is None:
        text.append("No entity selected.\n", style="italic")
        key = keys or key_names({})
        text.append(f"Move with {key('next')}/{key('previous')}, or select text with "
                    f"{key('select')} and the arrows.")
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


def _span_text(session: LayerSession[Any], span: Span | None, limit: int = 60) -> str:
    if span is None:
        return "—"
    return _clean(session.article.text[span.start:span.end], limit)


def _rows(text: Text, rows: list[tuple[str, str]]) -> None:
    for name, value in rows:
        text.append(f"{name:<10}", style="bold")
        text.append(value)
        text.append("\n")


def describe_layer_item(session: LayerSession[Any], item: LayerItem[Any] | None) -> Text:
    """A few lines about the current quote or meeting: its parts, status and provenance."""
    text = Text(no_wrap=False)
    counts = session.counts()
    total = sum(counts.values())
    undecided = counts[Status.SUGGESTED.value]
    text.append(f"{total - undecided}/{total} {session.layer} decided", style="bold")
    text.append(f" · {undecided} to go\n\n")
    if item is None:
        text.append(f"No {session.noun} selected.\n", style="italic")
        key = session.key
        text.append(f"Move with {key('next')}/{key('previous')}; {key('add-item')} makes a "
                    f"{session.noun} from a selection ({key('select')}).")
        return text
    value = item.value
    text.append(f"{session.noun.capitalize()} {session.position(item) + 1} of {total}",
                style="dim")
    if isinstance(value, QuoteSuggestion):
        text.append(f" · {value.kind}\n", style="dim")
        text.append("“")
        text.append(_span_text(session, value.content, 90),
                    style=role_style("content", item.status, False))
        text.append("”\n")
        speaker = (session.speaker_name(value) if isinstance(session, QuoteSession)
                   else _span_text(session, value.speaker))
        rows = [("Speaker", _clean(speaker, 60)), ("Cue", _span_text(session, value.cue))]
        if value.speaker is None:
            rows[0] = ("Speaker", "unattributed (s or w to set)")
    elif isinstance(value, MeetingSuggestion):
        mentions = session.event_size(value.event) if isinstance(session, MeetingSession) else 1
        text.append(f" · event {_clean(value.event, 12)} ({mentions} mention"
                    f"{'s' if mentions != 1 else ''})\n", style="dim")
        who = "; ".join(_span_text(session, p, 30) for p in value.participants)
        when = _span_text(session, value.time)
        if value.time is not None:
            when += f" ({_clean(value.date, 12)})" if value.date else " (no date)"
        rows = [("Trigger", _span_text(session, value_anchor(value))),
                ("With", _clean(who, 90) if who else "—"),
                ("Place", _span_text(session, value.place)), ("Time", when)]
    else:
        rows = []
    rows.append(("Status", item.status.value))
    if item.suggestion is None:
        rows.append(("Model", "none (added by hand)"))
    elif item.status is Status.CORRECTED:
        rows.append(("Model", _clean((item.model or session.model).label, 60) + " (corrected)"))
    else:
        rows.append(("Model", _clean((item.model or session.model).label, 60)))
    if item.annotator:
        rows.append(("By", _clean(item.annotator, 40)))
    _rows(text, rows)
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


_ROLE_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "quotes": (("content", "what was said"), ("speaker", "who said it"),
               ("cue", "said / told / according to"), ("speaker_ref", "who that is")),
    "meetings": (("trigger", "met / talks / visit"), ("participant", "who met"),
                 ("place", "where"), ("time", "when")),
}


def role_legend_text(layer: str) -> Text:
    """The colours of a quote's or meeting's parts, for the legend of that layer."""
    text = Text()
    for role, meaning in _ROLE_NAMES.get(layer, ()):
        text.append(f" {role.replace('_', ' ')} ", style=role_style(role, Status.ACCEPTED, True))
        text.append(f" {meaning}\n")
    text.append("Current: solid; others dim;\nsuggestions dimmer; rejected struck.", style="dim")
    return text


class EntityPanel(Static):
    """Describes the current entity."""


class Legend(Static):
    """The label legend with the digit keys."""
