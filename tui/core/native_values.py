"""Strict reading of the quotes and meetings of a native JSONL row from a file.

`QuoteSuggestion.from_json` and `MeetingSuggestion.from_json` read what byline
itself stored; a file from elsewhere may hold anything at any key. These
functions accept only the native format (DESIGN.md §2): spans are objects with
integer `start` and `end` (not booleans, not floats, not strings) or null,
`kind` is "direct" or "indirect", `participants` an array of spans, `date` a
string or null, `event` a string; `date` and `event` are cleaned like names
(`tui.core.names.clean_name`). Anything else raises ValueError with a
one-line reason.
"""

from __future__ import annotations

from typing import Any

from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.model import Span
from tui.core.names import clean_name, type_name


def offset(value: Any, what: str = "offset") -> int:
    """`value` if it is an integer (not a boolean); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is not an integer ({type_name(value)})")
    return value


def span_of(data: Any, what: str) -> Span | None:
    """The span of a `{"start", "end", ...}` object, or None for null."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError(f'"{what}" must be an object with "start" and "end", not '
                         f"{type_name(data)}")
    for key in ("start", "end"):
        if key not in data:
            raise ValueError(f'"{what}" has no "{key}"')
    return Span(offset(data["start"], f'"{what}" start'), offset(data["end"], f'"{what}" end'))


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"a {what} must be an object, not {type_name(data)}")
    return data


def quote_of(data: Any) -> QuoteSuggestion:
    """A quote of a native row; raises ValueError."""
    data = _object(data, "quote")
    if "content" not in data:
        raise ValueError("missing 'content'")
    content = span_of(data["content"], "content")
    if content is None:
        raise ValueError("a quote needs a content span")
    kind = data.get("kind", "direct")
    if kind not in ("direct", "indirect"):
        raise ValueError(f"unknown quote kind {kind!r} (expected \"direct\" or \"indirect\")")
    return QuoteSuggestion(content=content, speaker=span_of(data.get("speaker"), "speaker"),
                           cue=span_of(data.get("cue"), "cue"),
                           speaker_ref=span_of(data.get("speaker_ref"), "speaker_ref"),
                           kind="direct" if kind == "direct" else "indirect")


def meeting_of(data: Any) -> MeetingSuggestion:
    """A meeting mention of a native row; raises ValueError."""
    data = _object(data, "meeting")
    if "trigger" not in data:
        raise ValueError("missing 'trigger'")
    trigger = span_of(data["trigger"], "trigger")
    if trigger is None:
        raise ValueError("a meeting needs a trigger span")
    raw_participants = data.get("participants")
    if raw_participants is None:
        raw_participants = []
    if not isinstance(raw_participants, list):
        raise ValueError(f'"participants" must be an array, not {type_name(raw_participants)}')
    participants = tuple(s for s in (span_of(p, "participants") for p in raw_participants)
                         if s is not None)
    date = data.get("date")
    event = data.get("event")
    return MeetingSuggestion(
        trigger=trigger, participants=participants,
        place=span_of(data.get("place"), "place"), time=span_of(data.get("time"), "time"),
        date=None if date is None or date == "" else clean_name(date, '"date"'),
        event="" if event is None or event == "" else clean_name(event, '"event"'))
