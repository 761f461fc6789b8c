"""byline's native JSONL rows (DESIGN.md §2): one article a line.

`gold_row` is what `byline export` writes (people's decisions); `suggestion_row`
is what `byline suggest` writes (a model's suggestions, status "suggested").
The keys `id`, `text`, `meta`, `entities`, `quotes`, `meetings` are a contract.
"""

from __future__ import annotations

from typing import Any

from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion, value_anchor
from tui.core.model import AnnotationRecord, Article, EntityItem, Status, Suggestions


def _entity(article: Article, start: int, end: int, label: str, status: str) -> dict[str, Any]:
    return {"start": start, "end": end, "text": article.text[start:end], "label": label,
            "status": status}


def _decided_entity(article: Article, item: EntityItem) -> dict[str, Any]:
    row = _entity(article, item.start, item.end, item.label, item.status.value)
    row["annotator"] = item.annotator
    row["time"] = item.time
    if item.model is not None:
        row["model"] = item.model.name
        row["model_version"] = item.model.version
    if item.suggestion is not None and not item.matches_suggestion():
        s = item.suggestion
        row["suggested"] = _entity(article, s.start, s.end, s.label, Status.SUGGESTED.value)
    return row


def _layer_rows(article: Article, items: list[LayerItem[Any]], gold: bool) -> list[dict[str, Any]]:
    kept = [i for i in items if i.status.is_gold == gold and i.status.is_decided]
    kept.sort(key=lambda i: (i.anchor.start, i.anchor.end, i.id))
    return [i.export_json(article.text) for i in kept]


def _pending(article: Article, items: list[LayerItem[Any]],
             suggested: tuple[QuoteSuggestion, ...] | tuple[MeetingSuggestion, ...]
             ) -> list[dict[str, Any]]:
    """Suggestions no decision is about (none came from them, none covers their anchor)."""
    decided = [i for i in items if i.status.is_decided]
    touched = {i.suggestion for i in decided if i.suggestion is not None}
    anchors = [i.anchor for i in decided if i.status is not Status.REJECTED]
    return [{**value.to_json(article.text), "status": Status.SUGGESTED.value}
            for value in suggested if value not in touched
            and not any(value_anchor(value).overlaps(a) for a in anchors)]


def gold_row(article: Article, record: AnnotationRecord,
             suggestions: Suggestions | None = None) -> dict[str, Any]:
    """The gold data of one article and annotator.

    `entities`, `quotes` and `meetings` hold what the annotator kept
    (accepted, corrected, added); `rejected`, `rejected_quotes` and
    `rejected_meetings` the suggestions they turned down; `pending`,
    `pending_quotes` and `pending_meetings` (only when `suggestions` is given)
    the suggestions nobody has decided yet.
    """
    items = sorted(record.items.values(), key=lambda i: (i.start, i.end, i.id))
    quotes: list[LayerItem[Any]] = list(record.quotes.values())
    meetings: list[LayerItem[Any]] = list(record.meetings.values())
    row: dict[str, Any] = {
        "id": article.id,
        "text": article.text,
        "meta": {**article.meta, "annotator": record.annotator, "done": record.done,
                 "text_hash": record.text_hash},
        "entities": [_decided_entity(article, i) for i in items if i.status.is_gold],
        "quotes": _layer_rows(article, quotes, gold=True),
        "meetings": _layer_rows(article, meetings, gold=True),
        "rejected": [_decided_entity(article, i) for i in items if i.status is Status.REJECTED],
        "rejected_quotes": _layer_rows(article, quotes, gold=False),
        "rejected_meetings": _layer_rows(article, meetings, gold=False),
    }
    if suggestions is not None:
        touched = {(i.suggestion.start, i.suggestion.end, i.suggestion.label)
                   for i in items if i.suggestion is not None}
        row["pending"] = [
            _entity(article, s.start, s.end, s.label, Status.SUGGESTED.value)
            for s in suggestions.entities if (s.start, s.end, s.label) not in touched
        ]
        row["pending_quotes"] = _pending(article, quotes, suggestions.quotes)
        row["pending_meetings"] = _pending(article, meetings, suggestions.meetings)
    return row


def suggestion_row(article: Article, suggestions: Suggestions) -> dict[str, Any]:
    """A model's suggestions for one article, every entity with status "suggested"."""
    return {
        "id": article.id,
        "text": article.text,
        "meta": dict(article.meta),
        "entities": [_entity(article, s.start, s.end, s.label, Status.SUGGESTED.value)
                     for s in suggestions.entities],
        "quotes": [{**q.to_json(article.text), "status": Status.SUGGESTED.value}
                   for q in suggestions.quotes],
        "meetings": [{**m.to_json(article.text), "status": Status.SUGGESTED.value}
                     for m in suggestions.meetings],
        "model": {"name": suggestions.model.name, "version": suggestions.model.version},
    }
