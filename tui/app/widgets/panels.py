"""The side panels of the article screen: the current entity, and the label legend.

Everything shown here (entity text, labels, model names, annotator names)
comes from files, so it is assembled as `rich.text.Text`, never as markup.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
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
from tui.core.text import display_line, display_safe


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


def _where(session: LayerSession[Any], span: Span | None) -> str:
    """A span's text and where it is in the article (its character offsets)."""
    if span is None:
        return "—"
    return f"{_span_text(session, span, 40)} ({span.start}–{span.end})"


def _speaker_text(session: LayerSession[Any], value: QuoteSuggestion) -> str:
    if isinstance(session, QuoteSession):
        return session.speaker_name(value)
    return _span_text(session, value.speaker)


def _quote_suggestion_rows(session: LayerSession[Any],
                           suggested: QuoteSuggestion) -> list[tuple[str, str]]:
    """What the model suggested for a quote since changed: speaker, cue (and where), kind."""
    speaker = _speaker_text(session, suggested) if suggested.speaker else "unattributed"
    return [("Model said", ""), ("  speaker", _clean(speaker, 60)),
            ("  cue", _where(session, suggested.cue)), ("  kind", suggested.kind)]


def _meeting_suggestion_rows(session: LayerSession[Any], value: MeetingSuggestion,
                             suggested: MeetingSuggestion) -> list[tuple[str, str]]:
    """What the model suggested for a meeting, where it differs from the value now."""
    rows: list[tuple[str, str]] = []
    if suggested.participants != value.participants:
        who = "; ".join(_span_text(session, p, 30) for p in suggested.participants)
        rows.append(("  with", _clean(who, 90) if who else "—"))
    if suggested.place != value.place:
        rows.append(("  place", _span_text(session, suggested.place)))
    if suggested.time != value.time:
        rows.append(("  time", _span_text(session, suggested.time)))
    return [("Model said", ""), *rows] if rows else []


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
        rows = [("Speaker", _clean(speaker, 60)), ("Cue", _where(session, value.cue))]
        if value.speaker is None:
            rows[0] = ("Speaker", "unattributed (s or w to set)")
        suggested = item.suggestion
        if isinstance(suggested, QuoteSuggestion) and suggested != value:
            rows.extend(_quote_suggestion_rows(session, suggested))
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
        suggested = item.suggestion
        if isinstance(suggested, MeetingSuggestion) and suggested != value:
            rows.extend(_meeting_suggestion_rows(session, value, suggested))
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


def compact_item(target: EntitySession | LayerSession[Any] | None, message: Text) -> Text:
    """One line for a narrow screen: the current item's essentials, then the last message."""
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    if isinstance(target, EntitySession):
        _compact_entity(line, target)
    elif target is not None:
        _compact_layer(line, target)
    if message.plain:
        if line.plain:
            line.append("  │ ", style="dim")
        line.append_text(message)
    return line


def _progress(line: Text, counts: dict[str, int]) -> int:
    total = sum(counts.values())
    line.append(f"{total - counts[Status.SUGGESTED.value]}/{total}", style="bold")
    return total


def _compact_entity(line: Text, session: EntitySession) -> None:
    _progress(line, session.counts())
    item = session.current
    if item is None:
        line.append(" · none selected", style="italic")
        return
    line.append(" “")
    line.append(_clean(session.text_of(item), 40),
                style=entity_style(item.label, item.status, False))
    line.append("” ")
    line.append(_clean(item.label, 16), style=f"bold {label_colour(item.label)}")
    line.append(f" {item.status.value}", style="dim")


def _compact_layer(line: Text, session: LayerSession[Any]) -> None:
    _progress(line, session.counts())
    item = session.current
    if item is None:
        line.append(f" · no {session.noun} selected", style="italic")
        return
    line.append(f" {item.status.value}", style="dim")
    value = item.value
    if isinstance(value, QuoteSuggestion):
        speaker = _speaker_text(session, value) if value.speaker else "unattributed"
        parts = [value.kind, f"by {_clean(speaker, 30)}",
                 f"cue {_span_text(session, value.cue, 20)}"]
    elif isinstance(value, MeetingSuggestion):
        who = "; ".join(_span_text(session, p, 20) for p in value.participants)
        parts = [_span_text(session, value_anchor(value), 20), f"with {_clean(who, 40) or '—'}",
                 f"at {_span_text(session, value.place, 20)}",
                 f"on {_span_text(session, value.time, 20)}"]
    else:
        parts = []
    line.append(" · " + " · ".join(parts))


#: Short forms of spaCy's labels for the one-line legend (the help and the label
#: picker keep the full names).
SHORT_LABELS: dict[str, str] = {
    "PERSON": "PER", "LOC": "LOC", "NORP": "NORP", "EVENT": "EVT", "PRODUCT": "PROD",
    "WORK_OF_ART": "WORK", "LANGUAGE": "LANG", "MONEY": "MON", "PERCENT": "PCT",
    "QUANTITY": "QTY", "ORDINAL": "ORD", "CARDINAL": "CARD",
}


def short_label(label: str, cells: int = 6) -> str:
    """A label as the legend shows it: a known short form, else its first `cells` cells."""
    short = SHORT_LABELS.get(label)
    if short is not None:
        return short
    text = Text(display_line(label), no_wrap=True)
    text.truncate(cells, overflow="ellipsis")
    return text.plain


def legend_line(labels: tuple[str, ...], width: int) -> Text:
    """The labels on the digit keys on one line of at most `width` cells, each in its
    colour (short forms), then `l` for the rest when some are left out."""
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    more_key = Text.assemble((" l ", "bold reverse"), " more…")
    shown = 0
    for digit, label in enumerate(labels[:9], start=1):
        entry = Text.assemble((f" {digit} ", "bold reverse"), " ",
                              (short_label(label), f"bold {label_colour(label)}"), " ")
        room = width - cell_len(more_key.plain) if digit < len(labels) else width
        if cell_len(line.plain) + cell_len(entry.plain) > room:
            break
        line.append_text(entry)
        shown += 1
    if shown < len(labels):
        line.append_text(more_key)
    return line


def role_legend_line(layer: str) -> Text:
    """The colours of a quote's or meeting's parts, on one line."""
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    for role, _meaning in _ROLE_NAMES.get(layer, ()):
        line.append(f" {role.replace('_', ' ')} ", style=role_style(role, Status.ACCEPTED, True))
        line.append(" ")
    line.append("current solid, others dim, suggestions dimmer, rejected struck", style="dim")
    return line


_ROLE_NAMES: dict[str, tuple[tuple[str, str], ...]] = {
    "quotes": (("content", "what was said"), ("speaker", "who said it"),
               ("cue", "said / told / according to"), ("speaker_ref", "who that is")),
    "meetings": (("trigger", "met / talks / visit"), ("participant", "who met"),
                 ("place", "where"), ("time", "when")),
}


class EntityPanel(Static):
    """Describes the current entity."""


class Legend(Static):
    """The label legend with the digit keys."""
