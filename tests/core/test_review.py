"""Model against gold: the differences of one article and the corpus report."""

from __future__ import annotations

from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.model import AnnotationRecord, EntityItem, EntitySuggestion, Span, Status
from tui.core.review import differences, model_report

TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday. “We agreed,” he told AFP."


def at(needle: str) -> Span:
    start = TEXT.index(needle)
    return Span(start, start + len(needle))


def entity(item_id: str, needle: str, label: str, status: Status,
           suggested: tuple[str, str] | None = None) -> EntityItem:
    span = at(needle)
    suggestion = None
    if suggested is not None:
        s = at(suggested[0])
        suggestion = EntitySuggestion(s.start, s.end, suggested[1])
    return EntityItem(item_id, span.start, span.end, label, status, suggestion=suggestion)


QUOTE = QuoteSuggestion(at("We agreed"), at("he"), at("told"), at("Kalin"), "direct")
MEET = MeetingSuggestion(at("met"), (at("Kalin"), at("Hamas officials")), at("Doha"),
                         at("late Tuesday"), "2025-10-21", "e1")


def record() -> AnnotationRecord:
    rec = AnnotationRecord("a", "ana", "h")
    for item in (entity("s1", "DOHA", "GPE", Status.ACCEPTED, ("DOHA", "GPE")),
                 entity("s2", "Kalin", "PERSON", Status.CORRECTED, ("Kalin", "ORG")),
                 entity("s3", "Hamas officials", "ORG", Status.CORRECTED, ("Hamas", "ORG")),
                 entity("s4", "AFP", "ORG", Status.REJECTED, ("AFP", "ORG")),
                 entity("a:1", "late Tuesday", "DATE", Status.ADDED)):
        rec.items[item.id] = item
    wrong_speaker = QuoteSuggestion(QUOTE.content, at("AFP"), QUOTE.cue, at("AFP"), "direct")
    rec.quotes["q1"] = LayerItem("q1", QUOTE, Status.CORRECTED, suggestion=wrong_speaker)
    fewer = MeetingSuggestion(MEET.trigger, (at("Kalin"),), MEET.place, MEET.time,
                              MEET.date, "e1")
    rec.meetings["m1"] = LayerItem("m1", MEET, Status.CORRECTED, suggestion=fewer)
    rec.meetings["m:a:1"] = LayerItem("m:a:1", MEET, Status.ADDED)
    return rec


def test_every_kind_of_difference_is_found_in_text_order() -> None:
    found = [(d.layer, d.kind, TEXT[d.span.start:d.span.end]) for d in
             differences(TEXT, record())]
    assert found == [
        ("entities", "wrong label", "Kalin"),
        ("entities", "wrong boundary", "Hamas officials"),
        ("entities", "missed", "late Tuesday"),
        ("entities", "spurious", "AFP"),
        ("quotes", "wrong speaker", "We agreed"),
        ("meetings", "missed", "met"),
        ("meetings", "wrong participant", "met"),
    ]
    by_kind = {d.kind: d for d in differences(TEXT, record())}
    assert by_kind["wrong label"].gold == "“Kalin” PERSON"
    assert by_kind["wrong label"].model == "“Kalin” ORG"
    assert by_kind["spurious"].gold == "—" and by_kind["missed"].model == "—"



def test_each_row_shows_the_part_that_differs_and_the_detail_the_whole_item() -> None:
    by_kind = {d.kind: d for d in differences(TEXT, record())}
    speaker = by_kind["wrong speaker"]
    assert (speaker.gold, speaker.model) == ("“he” → “Kalin”", "“AFP”")  # not the content
    detail = {name: (gold, model) for name, gold, model in speaker.detail}
    assert list(detail) == ["content", "speaker", "speaker_ref", "cue", "kind"]
    assert detail["cue"] == ("“told” 70–74",) * 2
    participant = by_kind["wrong participant"]
    assert (participant.gold, participant.model) == ("“Hamas officials” (+1 shared)",
                                                     "no other (+1 shared)")


def test_content_boundaries_cues_kinds_places_times_and_events() -> None:
    rec = AnnotationRecord("a", "ana", "h")
    long = QuoteSuggestion(Span(6, 52), at("AFP"), at("told"), None, "indirect")
    short = QuoteSuggestion(Span(6, 31), at("AFP"), at("he"), None, "direct")
    rec.quotes["q1"] = LayerItem("q1", long, Status.CORRECTED, suggestion=short)
    moved = MeetingSuggestion(MEET.trigger, MEET.participants, at("DOHA"), None, None, "e2")
    rec.meetings["m1"] = LayerItem("m1", moved, Status.CORRECTED, suggestion=MEET)
    other = MeetingSuggestion(at("agreed"), (), None, None, None, "e1")
    view = [rec.meetings["m1"], LayerItem("m:s:2", other, Status.SUGGESTED, suggestion=other)]
    rows = {d.kind: (d.gold, d.model) for d in differences(TEXT, rec, view)}
    # The content's both ends and its offsets, cut in its middle.
    assert rows["wrong boundary"] == ("“Kalin met Ha… late Tuesday” 6–52",
                                      "“Kalin met Hamas officials” 6–31")
    assert rows["wrong cue"] == ("“told” 70–74", "“he” 67–69")
    assert rows["wrong kind"] == ("indirect", "direct")
    assert rows["wrong place"] == ("“DOHA” 0–4", "“Doha” 35–39")
    assert rows["wrong time"] == ("—", "“late Tuesday” 40–52 (2025-10-21)")
    # The model put "met" in e1 with "agreed"; the annotator gave it an event of its own.
    assert rows["wrong event"] == ("e2 on its own", "e1 with “agreed”")


def test_the_report_counts_precision_and_recall_per_label_and_layer() -> None:
    report = model_report([record(), record()])
    assert report.articles == 2
    org = report.labels["ORG"]
    # ORG suggestions: Kalin (corrected away), Hamas (boundary corrected), AFP (rejected).
    assert (org.accepted, org.corrected, org.rejected) == (0, 4, 2)
    assert org.precision == 0.0 and org.gold == 2 and org.recall == 0.0
    gpe = report.labels["GPE"]
    assert gpe.precision == 1.0 and gpe.recall == 1.0
    person = report.labels["PERSON"]
    assert person.suggested == 0 and person.precision is None and person.gold == 2
    date = report.labels["DATE"]
    assert date.missed == 2 and date.recall == 0.0
    entities = report.layers["entities"]
    assert (entities.accepted, entities.suggested, entities.gold) == (2, 8, 8)
    assert report.layers["meetings"].missed == 2
    assert [r[:2] for r in report.rows()][:4] == [("entities", "DATE"), ("entities", "GPE"),
                                                   ("entities", "ORG"),
                                                   ("entities", "PERSON")]
