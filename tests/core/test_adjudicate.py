"""Adjudication: agreed items pass through, overlapping differences become one
disagreement, and the merged items are the agreed plus the picked."""

from __future__ import annotations

import pytest

from tui.core.adjudicate import merged_items, review_article
from tui.core.layers import LayerItem, QuoteSuggestion
from tui.core.model import AnnotationRecord, EntityItem, Span, Status


def record(who: str, entities: list[tuple[str, int, int, str, Status]],
           quotes: list[QuoteSuggestion] = ()) -> AnnotationRecord:  # type: ignore[assignment]
    rec = AnnotationRecord("a1", who, "h")
    for item_id, start, end, label, status in entities:
        rec.items[item_id] = EntityItem(item_id, start, end, label, status, annotator=who)
    for n, quote in enumerate(quotes):
        rec.quotes[f"q:a:{n}"] = LayerItem(f"q:a:{n}", quote, Status.ADDED, annotator=who)
    return rec


QUOTE = QuoteSuggestion(Span(40, 60), Span(62, 64), Span(65, 69), Span(0, 5), "direct")
OTHER_SPEAKER = QuoteSuggestion(Span(40, 60), Span(70, 75), Span(65, 69), Span(70, 75),
                                "direct")


def test_agreed_pass_through_and_overlaps_group_into_one_disagreement() -> None:
    ana = record("ana", [("s:0:5:PERSON", 0, 5, "PERSON", Status.ACCEPTED),
                         ("s:10:15:ORG", 10, 15, "ORG", Status.ACCEPTED),
                         ("s:20:24:GPE", 20, 24, "GPE", Status.REJECTED),
                         ("a:1", 30, 35, "DATE", Status.ADDED)], [QUOTE])
    bo = record("bo", [("s:0:5:PERSON", 0, 5, "PERSON", Status.ACCEPTED),
                       ("s:10:15:ORG", 10, 18, "ORG", Status.CORRECTED),
                       ("a:1", 20, 24, "LOC", Status.ADDED)], [OTHER_SPEAKER])
    review = review_article([ana, bo])
    assert [i.id for i in review.agreed] == ["s:0:5:PERSON"]
    found = [(d.layer, d.span, {k: [i.id for i in v] for k, v in d.options.items()})
             for d in review.disagreements]
    assert found == [
        ("entities", Span(10, 18), {"ana": ["s:10:15:ORG"], "bo": ["s:10:15:ORG"]}),
        ("entities", Span(20, 24), {"ana": [], "bo": ["a:1"]}),
        ("entities", Span(30, 35), {"ana": ["a:1"], "bo": []}),
        ("quotes", Span(40, 60), {"ana": ["q:a:0"], "bo": ["q:a:0"]}),
    ]
    merged = merged_items(review, {0: "bo", 1: "bo", 2: "ana", 3: None}, "judge")
    spans = sorted((i.start, i.end, i.label) for i in merged.values()
                   if isinstance(i, EntityItem))
    assert spans == [(0, 5, "PERSON"), (10, 18, "ORG"), (20, 24, "LOC"), (30, 35, "DATE")]
    assert len(merged) == 4 and "a:1" in merged and "a:2" in merged  # the clash renamed
    assert merged["s:10:15:ORG"].annotator == "bo"
    unsettled = merged_items(review, {}, "judge")
    assert list(unsettled) == ["s:0:5:PERSON"]


def test_identical_records_agree_entirely() -> None:
    entities = [("s:0:5:PERSON", 0, 5, "PERSON", Status.ACCEPTED)]
    review = review_article([record("ana", entities, [QUOTE]), record("bo", entities, [QUOTE])])
    assert review.disagreements == () and len(review.agreed) == 2


def test_records_of_different_texts_are_refused() -> None:
    other = record("bo", [])
    other.text_hash = "other"
    with pytest.raises(ValueError, match="one article text"):
        review_article([record("ana", []), other])
    with pytest.raises(ValueError, match="two or more"):
        review_article([record("ana", [])])
