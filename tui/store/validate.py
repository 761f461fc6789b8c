"""The shape of everything the gold store keeps, checked whenever it is read.

A checksum proves that a file is the one byline wrote, not that what it
holds is well formed: anyone can write a file and its checksum. So every
stored item, suggestion run, article and journal step is checked when it is
read (`check_item`, `check_suggestions`, `check_article`; steps through
`ShardState.check`): spans are integers inside their article's text, labels
and names are non-empty text without lone surrogates, statuses, layers and
quote kinds are known ones. What fails raises `Invalid`, which the store turns
into its one-line damage error and `byline doctor` reports and repairs.

Every check has a fast path for the well-formed case (a store is read whole
by an export) and builds its message only when something is wrong.
"""

from __future__ import annotations

import re
from typing import Any, Final


class Invalid(Exception):
    """A document, index entry or journal step without the expected shape."""


STATUSES: Final = frozenset({"suggested", "accepted", "rejected", "corrected", "added"})
ENTITIES: Final = "entities"
LAYERS: Final = frozenset({ENTITIES, "quotes", "meetings"})
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_KINDS: Final = frozenset({"direct", "indirect"})
_OPTIONAL: Final = ("annotator", "time", "model", "model_version", "model_spec")


def _bad_text(value: Any) -> bool:
    """True unless `value` is a string without a lone surrogate (ASCII text, the common
    case, is known to have none without a search)."""
    return value.__class__ is not str or (not value.isascii()
                                          and _SURROGATE.search(value) is not None)


def check_text(value: Any, what: str, *, empty: bool = False) -> str:
    """`value` if it is a string (non-empty unless `empty`) without a lone surrogate."""
    if value.__class__ is not str:
        raise Invalid(f"{what} is not a string")
    if _bad_text(value):
        raise Invalid(f"{what} holds a lone surrogate")
    if not value and not empty:
        raise Invalid(f"{what} is empty")
    return value  # type: ignore[no-any-return]


def _optional_text(value: Any, what: str) -> None:
    if value is not None and _bad_text(value):
        check_text(value, what, empty=True)


def _span_ok(data: Any, size: int | None) -> bool:
    if data.__class__ is not dict:
        return False
    start, end = data.get("start"), data.get("end")
    return (start.__class__ is int and end.__class__ is int and 0 <= start < end
            and (size is None or end <= size))


def check_span(data: Any, size: int | None, what: str) -> None:
    """A `{"start", "end", ...}` object with 0 <= start < end <= size."""
    if _span_ok(data, size):
        return
    if data.__class__ is not dict:
        raise Invalid(f"{what} is not a span")
    for key in ("start", "end"):
        if data.get(key).__class__ is not int:
            raise Invalid(f"{what} {key} is not an integer")
    raise Invalid(f"{what} {data['start']}-{data['end']} is outside the text or empty")


def _optional_span_ok(data: Any, size: int | None) -> bool:
    return data is None or _span_ok(data, size)


def _quote_ok(value: Any, size: int | None) -> bool:
    return (value.__class__ is dict and _span_ok(value.get("content"), size)
            and _optional_span_ok(value.get("speaker"), size)
            and _optional_span_ok(value.get("cue"), size)
            and _optional_span_ok(value.get("speaker_ref"), size)
            and value.get("kind", "direct") in _KINDS)


def check_quote(value: Any, size: int | None, what: str) -> None:
    """A quote's value: content span, optional speaker, cue and speaker_ref, its kind."""
    if _quote_ok(value, size):
        return
    if value.__class__ is not dict:
        raise Invalid(f"{what} is not an object")
    check_span(value.get("content"), size, f"{what} content")
    for part in ("speaker", "cue", "speaker_ref"):
        if value.get(part) is not None:
            check_span(value.get(part), size, f"{what} {part}")
    raise Invalid(f"{what} has an unknown kind")


def _meeting_ok(value: Any, size: int | None) -> bool:
    if value.__class__ is not dict or not _span_ok(value.get("trigger"), size):
        return False
    participants = value.get("participants", [])
    if participants.__class__ is not list:
        return False
    for part in participants:
        if not _optional_span_ok(part, size):
            return False
    date, event = value.get("date"), value.get("event", "")
    return (_optional_span_ok(value.get("place"), size)
            and _optional_span_ok(value.get("time"), size)
            and (date is None or not _bad_text(date)) and not _bad_text(event))


def check_meeting(value: Any, size: int | None, what: str) -> None:
    """A meeting mention's value: trigger, participants, place, time, date, event."""
    if _meeting_ok(value, size):
        return
    if value.__class__ is not dict:
        raise Invalid(f"{what} is not an object")
    check_span(value.get("trigger"), size, f"{what} trigger")
    participants = value.get("participants", [])
    if participants.__class__ is not list:
        raise Invalid(f"{what} participants is not a list")
    for part in participants:
        if part is not None:
            check_span(part, size, f"{what} participant")
    for key in ("place", "time"):
        if value.get(key) is not None:
            check_span(value.get(key), size, f"{what} {key}")
    _optional_text(value.get("date"), f"{what} date")
    check_text(value.get("event", ""), f"{what} event", empty=True)


def _entity_ok(data: Any, size: int | None) -> bool:
    if data.__class__ is not dict:
        return False
    start, end, label = data.get("start"), data.get("end"), data.get("label")
    return (start.__class__ is int and end.__class__ is int and 0 <= start < end
            and (size is None or end <= size) and label.__class__ is str and label != ""
            and (label.isascii() or _SURROGATE.search(label) is None))


def _check_entity(data: Any, size: int | None, what: str) -> None:
    if not _entity_ok(data, size):
        check_span(data, size, what)
        check_text(data.get("label"), f"{what} label")


def check_item(item_id: Any, item: Any, size: int | None) -> tuple[str, str]:
    """Check a stored annotation item; return its (status, layer)."""
    if _bad_text(item_id) or not item_id:
        check_text(item_id, "an item id")
    if item.__class__ is not dict:
        raise Invalid(f"item {item_id!r} is not an object")
    status = item.get("status")
    if status not in STATUSES:
        raise Invalid(f"item {item_id!r} has an unknown status")
    layer = item.get("layer", ENTITIES)
    suggestion = item.get("suggestion")
    if layer == ENTITIES:
        # _entity_ok, inlined: a store holds tens of items per article, all read by an export
        start, end, label = item.get("start"), item.get("end"), item.get("label")
        if not (start.__class__ is int and end.__class__ is int and 0 <= start < end
                and (size is None or end <= size) and label.__class__ is str and label
                and (label.isascii() or _SURROGATE.search(label) is None)):
            _check_entity(item, size, f"item {item_id!r}")
        if suggestion is not None and not _entity_ok(suggestion, size):
            _check_entity(suggestion, size, f"item {item_id!r} suggestion")
    elif layer == "quotes":
        if not _quote_ok(item.get("value"), size):
            check_quote(item.get("value"), size, f"item {item_id!r} value")
        if suggestion is not None and not _quote_ok(suggestion, size):
            check_quote(suggestion, size, f"item {item_id!r} suggestion")
    elif layer == "meetings":
        if not _meeting_ok(item.get("value"), size):
            check_meeting(item.get("value"), size, f"item {item_id!r} value")
        if suggestion is not None and not _meeting_ok(suggestion, size):
            check_meeting(suggestion, size, f"item {item_id!r} suggestion")
    else:
        raise Invalid(f"item {item_id!r} has an unknown layer")
    for key in _OPTIONAL:
        value = item.get(key)
        if value is not None and (value.__class__ is not str or not value.isascii()):
            _optional_text(value, f"item {item_id!r} {key}")
    return status, layer


def check_suggestions(data: Any, size: int | None) -> None:
    """Check a cached suggestion run (the `data` of a suggestions document)."""
    if data.__class__ is not dict:
        raise Invalid("suggestions are not an object")
    model = data.get("model")
    if model.__class__ is not dict:
        raise Invalid("suggestions without a model")
    check_text(model.get("name"), "the model name", empty=True)
    check_text(model.get("version"), "the model version", empty=True)
    _optional_text(model.get("spec"), "the model spec")
    check_text(data.get("text_hash"), "the text hash")
    entities = data.get("entities")
    tokens = data.get("tokens")
    if entities.__class__ is not list or tokens.__class__ is not list or len(tokens) % 2:
        raise Invalid("suggestions without entities or tokens")
    for entity in entities:
        if not _entity_ok(entity, size):
            _check_entity(entity, size, "a suggested entity")
    previous = 0
    for number in tokens:
        if number.__class__ is not int or number < previous:
            raise Invalid("suggestions with bad token offsets")
        previous = number
    if size is not None and tokens and tokens[-1] > size:
        raise Invalid("suggestions with token offsets outside the text")
    for kind, check in (("quotes", check_quote), ("meetings", check_meeting)):
        values = data.get(kind, [])
        if values.__class__ is not list:
            raise Invalid(f"suggested {kind} are not a list")
        for value in values:
            check(value, size, f"a suggested {kind[:-1]}")


def check_article(doc: Any) -> None:
    """Check an article document (`id`, `text`, `meta`, `text_hash`)."""
    check_text(doc.get("id"), "an article id")
    text = doc.get("text")
    if text.__class__ is not str:
        raise Invalid(f"article {doc.get('id')!r} has no text")
    if not text.isascii() and _SURROGATE.search(text):
        raise Invalid(f"article {doc.get('id')!r} holds a lone surrogate")
    if doc.get("meta").__class__ is not dict:
        raise Invalid(f"article {doc.get('id')!r} has no meta object")
    check_text(doc.get("text_hash"), "a text hash")
