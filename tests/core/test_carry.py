"""Carrying decisions over to an article's new text: re-anchored by text and context."""

from __future__ import annotations

from tui.core.carry import Relocator, carry_over
from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.model import AnnotationRecord, EntityItem, EntitySuggestion, Span, Status

OLD = "Kalin met Fidan in Doha. Fidan said “we agree,” he told AFP. Kalin left."
NEW = ("A new first sentence. Kalin met Fidan in Doha. Later Fidan spoke. Fidan said "
       "“we agree,” he told Reuters. Kalin left.")


def at(text: str, needle: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Span(start, start + len(needle))


def entity(item_id: str, needle: str, label: str, status: Status, occurrence: int = 0,
           suggested: str | None = "") -> EntityItem:
    """An entity decided on the old text; `suggested`: the suggested label ("": `label`,
    None: no suggestion)."""
    span = at(OLD, needle, occurrence)
    suggestion = None if suggested is None else \
        EntitySuggestion(span.start, span.end, suggested or label)
    return EntityItem(item_id, span.start, span.end, label, status, suggestion, "ann",
                      "2025-10-23T10:00:00Z")


def test_a_span_goes_where_its_neighbours_are() -> None:
    where = Relocator(OLD, NEW)
    # "Fidan" twice in the old text, three times in the new: the context decides.
    assert where.span(at(OLD, "Fidan", 1)) == at(NEW, "Fidan", 2)
    assert where.span(at(OLD, "Fidan", 0)) == at(NEW, "Fidan", 0)
    assert where.span(at(OLD, "AFP")) is None
    he = where.span(Span(OLD.index(" he ") + 1, OLD.index(" he ") + 3))
    assert he is not None and NEW[he.start:he.end] == "he" and NEW[he.start - 1] == " "


def test_carry_over_re_anchors_drops_and_renames() -> None:
    kalin = entity("s:0:5:PERSON", "Kalin", "PERSON", Status.ACCEPTED)
    fidan = entity("s:35:40:PERSON", "Fidan", "GPE", Status.CORRECTED, occurrence=1,
                   suggested="PERSON")
    afp = entity("a:1", "AFP", "ORG", Status.ADDED, suggested=None)
    doha = entity("s:19:23:GPE", "Doha", "GPE", Status.REJECTED)
    quote = QuoteSuggestion(content=at(OLD, "we agree"), speaker=at(OLD, "Fidan", 1),
                            cue=at(OLD, "said"), speaker_ref=None, kind="direct")
    lost = QuoteSuggestion(content=at(OLD, "he told AFP"), speaker=None, cue=None,
                           speaker_ref=None, kind="indirect")
    meeting = MeetingSuggestion(trigger=at(OLD, "met"), participants=(at(OLD, "Kalin"),
                                at(OLD, "Fidan")), place=at(OLD, "Doha"), time=None,
                                date=None, event="e1")
    record = AnnotationRecord(
        "a", "ann", "oldhash",
        items={i.id: i for i in (kalin, fidan, afp, doha)},
        quotes={"q:s:1:2": LayerItem("q:s:1:2", quote, Status.ACCEPTED, quote),
                "q:a:1": LayerItem("q:a:1", lost, Status.ADDED)},
        meetings={"m:a:3": LayerItem("m:a:3", meeting, Status.ADDED)})
    carried = carry_over(OLD, NEW, record)
    assert carried.dropped == 2 and carried.kept == 5  # AFP and the quote holding it
    texts = {item.id: (NEW[item.start:item.end], item.label, item.status.value)
             for item in carried.items.values()}
    k, f, d = at(NEW, "Kalin"), at(NEW, "Fidan", 2), at(NEW, "Doha")
    assert texts == {f"s:{k.start}:{k.end}:PERSON": ("Kalin", "PERSON", "accepted"),
                     f"s:{f.start}:{f.end}:PERSON": ("Fidan", "GPE", "corrected"),
                     f"s:{d.start}:{d.end}:GPE": ("Doha", "GPE", "rejected")}
    (moved,) = carried.quotes.values()
    assert moved.id == f"q:s:{at(NEW, 'we agree').start}:{at(NEW, 'we agree').end}"
    assert moved.value.speaker == at(NEW, "Fidan", 2) and moved.value.cue == at(NEW, "said")
    assert moved.status is Status.ACCEPTED and moved.suggestion == moved.value
    (met,) = carried.meetings.values()
    assert met.id == "m:a:3" and met.value.trigger == at(NEW, "met")
    assert met.value.participants == (at(NEW, "Kalin"), at(NEW, "Fidan"))
    changes = carried.changes(record)
    assert changes["a:1"] is None and changes["q:a:1"] is None  # the old ids go
    assert changes["s:0:5:PERSON"] is None
