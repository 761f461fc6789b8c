"""Adjudication: where annotators of one article disagree, and the merged gold a
reviewer makes by picking a side.

Every decided item counts: the gold ones (accepted, corrected, added) and the
rejections (a rejection is a decision too, and gold data: the merged store
keeps it, so `byline export` writes it under `rejected`, `rejected_quotes`,
`rejected_meetings`). Undecided suggestions are left out. Items every
annotator has, equal in every field that matters (an entity's span and label;
a quote's or meeting's whole value; and whether it was kept or rejected), are
*agreed* and pass through. The rest are grouped
into *disagreements*: the items of every annotator that overlap one another
(entities by span, quotes by content, meetings by trigger), layer by layer.
A reviewer settles each by picking one annotator's items there (possibly
none), and the merged record holds the agreed items plus the picked ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tui.core.layers import LayerItem
from tui.core.model import AnnotationRecord, EntityItem, Span, Status
from tui.core.review import (
    ENTITY_FIELDS,
    MEETING_FIELDS,
    QUOTE_FIELDS,
    describe,
    entity_fields,
    part,
    value_fields,
    value_kinds,
)

ENTITIES, QUOTES, MEETINGS = "entities", "quotes", "meetings"
Item = EntityItem | LayerItem[Any]


def _span(item: Item) -> Span:
    return Span(item.start, item.end) if isinstance(item, EntityItem) else item.anchor


def item_key(item: Item) -> object:
    """What two annotators' items must share to agree: the entity's span and label (a
    quote's or meeting's value), and whether it was kept or rejected."""
    rejected = item.status is Status.REJECTED
    if isinstance(item, EntityItem):
        return (item.start, item.end, item.label, rejected)
    return (item.value, rejected)


def _decided(record: AnnotationRecord, layer: str) -> list[Item]:
    items: list[Item]
    if layer == ENTITIES:
        items = list(record.items.values())
    elif layer == QUOTES:
        items = list(record.quotes.values())
    else:
        items = list(record.meetings.values())
    return [item for item in items if item.status.is_decided]


@dataclass(frozen=True)
class Disagreement:
    """Overlapping items the annotators do not all share, in one layer.

    `options` maps each annotator to their items here (maybe none); `span`
    covers them all.
    """

    layer: str
    span: Span
    options: dict[str, tuple[Item, ...]]


@dataclass(frozen=True)
class ArticleReview:
    """One article as its annotators left it: the agreed items and the disagreements."""

    article_id: str
    text_hash: str
    annotators: tuple[str, ...]
    agreed: tuple[Item, ...]
    disagreements: tuple[Disagreement, ...]


def review_article(records: Sequence[AnnotationRecord]) -> ArticleReview:
    """Compare the records of one article (same id and text hash; two or more)."""
    if len(records) < 2:
        raise ValueError("an adjudication needs the records of two or more annotators")
    first = records[0]
    if any((r.article_id, r.text_hash) != (first.article_id, first.text_hash) for r in records):
        raise ValueError("the records are not of one article text")
    names = tuple(r.annotator for r in records)
    agreed: list[Item] = []
    found: list[Disagreement] = []
    for layer in (ENTITIES, QUOTES, MEETINGS):
        by_name = {r.annotator: _decided(r, layer) for r in records}
        keys = [{item_key(i) for i in items} for items in by_name.values()]
        shared = set.intersection(*keys)
        taken: set[object] = set()
        for item in by_name[names[0]]:
            if item_key(item) in shared and item_key(item) not in taken:
                agreed.append(item)
                taken.add(item_key(item))
        rest = [(name, item) for name, items in by_name.items() for item in items
                if item_key(item) not in shared]
        found.extend(_clusters(layer, names, rest))
    agreed.sort(key=lambda i: (_span(i).start, _span(i).end))
    found.sort(key=lambda d: ((ENTITIES, QUOTES, MEETINGS).index(d.layer), d.span.start))
    return ArticleReview(first.article_id, first.text_hash, names, tuple(agreed), tuple(found))


def _clusters(layer: str, names: tuple[str, ...],
              rest: list[tuple[str, Item]]) -> list[Disagreement]:
    """Group items whose spans overlap (transitively) into disagreements."""
    rest.sort(key=lambda pair: (_span(pair[1]).start, _span(pair[1]).end))
    groups: list[list[tuple[str, Item]]] = []
    end = -1
    for pair in rest:
        span = _span(pair[1])
        if groups and span.start < end:
            groups[-1].append(pair)
            end = max(end, span.end)
        else:
            groups.append([pair])
            end = span.end
    out = []
    for group in groups:
        spans = [_span(item) for _, item in group]
        options = {name: tuple(item for who, item in group if who == name) for name in names}
        out.append(Disagreement(layer, Span(min(s.start for s in spans),
                                            max(s.end for s in spans)), options))
    return out


def merged_items(review: ArticleReview, choices: Mapping[int, str | None],
                 annotator: str) -> dict[str, Item]:
    """The merged record's items: the agreed ones, and for each settled disagreement
    (index -> the annotator picked, None for none of them) that annotator's items
    there. Items keep their ids (so the app still ties them to their suggestions),
status and provenance; an id two picked items share is replaced by a fresh one."""
    picked: list[Item] = list(review.agreed)
    for index, who in choices.items():
        if who is not None:
            picked.extend(review.disagreements[index].options.get(who, ()))
    out: dict[str, Item] = {}
    for item in picked:
        item_id = item.id
        if item_id in out:  # two annotators' added items can share an id ("a:1")
            prefix = "a" if isinstance(item, EntityItem) else f"{item.id[0]}:a"
            n = 1
            while f"{prefix}:{n}" in out:
                n += 1
            item_id = f"{prefix}:{n}"
        out[item_id] = replace(item, id=item_id, annotator=item.annotator or annotator)
    return out


def taken_side(disagreement: Disagreement, items: Sequence[Item]) -> str | None:
    """The annotator whose items at `disagreement` are all among `items` (a merged
    record's), else None. A side with no items there cannot be told from an unsettled
    disagreement, so it is never returned."""
    present = {item_key(item) for item in items}
    for who, options in disagreement.options.items():
        if options and all(item_key(item) in present for item in options):
            return who
    return None


# ------------------------------------------------------------- showing a side


def _status_note(item: Item) -> str:
    return "rejected " if item.status is Status.REJECTED else ""


def _whole(text: str, item: Item) -> str:
    if isinstance(item, EntityItem):
        return f"{_status_note(item)}“{text[item.start:item.end]}” {item.label}"
    return f"{_status_note(item)}{describe(text, item.value)}"


def side_texts(text: str, disagreement: Disagreement) -> dict[str, str]:
    """Each annotator's side of a disagreement in a few words: where every side has one
    quote or meeting mention, only the parts that differ between them (the speaker and whom
    it resolves to, the cue and where it is, the kind, the content's boundaries; the
    participants, place, time, event); else each item whole. A rejection says so."""
    singles = {who: items[0] for who, items in disagreement.options.items()
               if len(items) == 1 and isinstance(items[0], LayerItem)}
    out: dict[str, str] = {}
    for who, items in disagreement.options.items():
        if not items:
            out[who] = "— (nothing)"
            continue
        item = singles.get(who)
        kinds: list[str] = []
        if item is not None and len(singles) == len(disagreement.options):
            for other_who, other in singles.items():
                if other_who != who:
                    kinds += [k for k in value_kinds(item.value, other.value) if k not in kinds]
        if item is None or not kinds:
            out[who] = "; ".join(_whole(text, i) for i in items)
            continue
        others = [o.value for w, o in singles.items() if w != who]
        out[who] = _status_note(item) + " · ".join(
            f"{k.removeprefix('wrong ')}: {part(text, k, item.value, others[0])}"
            for k in kinds)
    return out


def detail_rows(text: str, disagreement: Disagreement,
                annotators: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Every field of every annotator's items at a disagreement, for a closer look: one row
    per field (and the status), one value per annotator (items joined by ` | `)."""
    names = {ENTITIES: ENTITY_FIELDS, QUOTES: QUOTE_FIELDS}.get(disagreement.layer,
                                                                 MEETING_FIELDS)

    def fields(item: Item) -> dict[str, str]:
        found = (entity_fields(text, item.span, item.label) if isinstance(item, EntityItem)
                 else value_fields(text, item.value))
        return {**dict(found), "status": item.status.value}

    per_side = {who: [fields(i) for i in disagreement.options.get(who, ())]
                for who in annotators}
    return [(name, [" | ".join(f[name] for f in per_side[who]) or "—" for who in annotators])
            for name in (*names, "status")]
