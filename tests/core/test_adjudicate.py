"""Adjudication: agreed items pass through, overlapping differences become one
disagreement, and the merged items are the agreed plus the picked."""

from __future__ import annotations

import pytest

from tui.core.adjudicate import merged_items, review_article, side_texts
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
        ("entities", Span(20, 24), {"ana": ["s:20:24:GPE"], "bo": ["a:1"]}),  # a rejection
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


def test_a_rejection_both_made_passes_through_and_a_rejecting_side_can_be_picked() -> None:
    ana = record("ana", [("s:0:3:CARDINAL", 0, 3, "CARDINAL", Status.REJECTED),
                         ("s:8:11:CARDINAL", 8, 11, "CARDINAL", Status.REJECTED)])
    bo = record("bo", [("s:0:3:CARDINAL", 0, 3, "CARDINAL", Status.REJECTED),
                       ("s:8:11:CARDINAL", 8, 11, "CARDINAL", Status.ACCEPTED)])
    review = review_article([ana, bo])
    assert [(i.id, i.status) for i in review.agreed] == [("s:0:3:CARDINAL", Status.REJECTED)]
    assert len(review.disagreements) == 1
    sides = side_texts("two and two", review.disagreements[0])
    assert sides == {"ana": "rejected “two” CARDINAL", "bo": "“two” CARDINAL"}
    merged = merged_items(review, {0: "ana"}, "judge")
    assert {i.id: i.status for i in merged.values()} == {
        "s:0:3:CARDINAL": Status.REJECTED, "s:8:11:CARDINAL": Status.REJECTED}


def test_a_quote_side_shows_only_what_differs() -> None:
    text = "Kalin met Hamas officials in Doha late Tuesday, he told AFP and Fidan said so."
    content = Span(0, 46)
    told, said = Span(51, 55), Span(70, 74)
    kalin, he, fidan = Span(0, 5), Span(48, 50), Span(64, 69)
    ana = record("ana", [], [QuoteSuggestion(content, he, told, kalin, "indirect")])
    bo = record("bo", [], [QuoteSuggestion(content, fidan, said, fidan, "direct")])
    sides = side_texts(text, review_article([ana, bo]).disagreements[0])
    assert sides == {"ana": "speaker: “he” → “Kalin” · cue: “told” 51–55 · kind: indirect",
                     "bo": "speaker: “Fidan” · cue: “said” 70–74 · kind: direct"}
