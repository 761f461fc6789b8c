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


def _stored_entity(text: str, item: dict[str, Any]) -> dict[str, Any]:
    """`_decided_entity` of a stored entity item, straight from its JSON."""
    start, end, label = item["start"], item["end"], item["label"]
    row = {"start": start, "end": end, "text": text[start:end], "label": label,
           "status": item["status"], "annotator": item["annotator"], "time": item["time"]}
    model = item["model"]
    if model:
        row["model"] = model
        row["model_version"] = item["model_version"] or ""
    s = item["suggestion"]
    if s and (s["start"], s["end"], s["label"]) != (start, end, label):
        row["suggested"] = {"start": s["start"], "end": s["end"],
                            "text": text[s["start"]:s["end"]], "label": s["label"],
                            "status": Status.SUGGESTED.value}
    return row


def _filled(value: dict[str, Any], text: str) -> dict[str, Any]:
    """A stored quote or meeting value with the text of each of its spans."""
    out: dict[str, Any] = {}
    for key, part in value.items():
        if isinstance(part, dict):
            out[key] = {"start": part["start"], "end": part["end"],
                        "text": text[part["start"]:part["end"]]}
        elif isinstance(part, list):
            out[key] = [{"start": p["start"], "end": p["end"], "text": text[p["start"]:p["end"]]}
                        for p in part]
        else:
            out[key] = part
    return out


def _stored_layer_row(text: str, item: dict[str, Any]) -> dict[str, Any]:
    """`LayerItem.export_json` of a stored quote or meeting item, straight from its JSON."""
    value = item["value"]
    row = {**_filled(value, text), "status": item["status"],
           "annotator": item.get("annotator"), "decided_at": item.get("time")}
    if item.get("model"):
        row["model"] = str(item["model"])
        row["model_version"] = str(item.get("model_version") or "")
    suggestion = item.get("suggestion")
    if suggestion and suggestion != value:
        row["suggested"] = _filled(suggestion, text)
    return row


_GOLD = frozenset(s.value for s in Status if s.is_gold)
_ANCHOR = {"quotes": "content", "meetings": "trigger"}


def gold_row_stored(article: dict[str, Any], annotation: dict[str, Any]) -> dict[str, Any]:
    """`gold_row(article, record)` from the gold store's own documents, without decoding
    them into objects: the fast path of `byline export` (a test keeps the two equal)."""
    text: str = article["text"]
    entities: list[tuple[Any, ...]] = []
    layers: dict[str, list[tuple[Any, ...]]] = {"quotes": [], "meetings": []}
    for item_id, item in annotation["items"].items():
        layer = item.get("layer")
        if layer is None:
            entities.append((item["start"], item["end"], item_id, item))
        else:
            anchor = item["value"][_ANCHOR[layer]]
            layers[layer].append((anchor["start"], anchor["end"], item_id, item))
    entities.sort(key=lambda e: e[:3])
    row: dict[str, Any] = {
        "id": article["id"], "text": text,
        "meta": {**article["meta"], "annotator": annotation["annotator"],
                 "done": annotation["done"], "text_hash": annotation["text_hash"]},
        "entities": [_stored_entity(text, e[3]) for e in entities if e[3]["status"] in _GOLD],
    }
    rejected = Status.REJECTED.value
    for layer, found in layers.items():
        found.sort(key=lambda e: e[:3])
        row[layer] = [_stored_layer_row(text, e[3]) for e in found if e[3]["status"] in _GOLD]
    row["rejected"] = [_stored_entity(text, e[3]) for e in entities
                       if e[3]["status"] == rejected]
    for layer, found in layers.items():
        row[f"rejected_{layer}"] = [_stored_layer_row(text, e[3]) for e in found
                                    if e[3]["status"] == rejected]
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
