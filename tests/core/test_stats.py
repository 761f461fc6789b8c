"""tui.core.stats: progress, decisions per day, labels and the model's outcome."""

from __future__ import annotations

import json

import pytest

from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.model import AnnotationRecord, EntityItem, EntitySuggestion, Span, Status
from tui.core.stats import (
    LAYERS,
    UNKNOWN_DAY,
    Outcome,
    compute_stats,
    decision_day,
)


def entity(n: int, label: str, status: Status, time: str | None = "2026-03-01T10:00:00Z",
           suggested: str | None = None, annotator: str = "ann") -> EntityItem:
    """Entity `e:N` at [n, n+1); `suggested` is the suggestion's label (None: added)."""
    suggestion = None if suggested is None else EntitySuggestion(n, n + 1, suggested)
    return EntityItem(f"e:{n}", n, n + 1, label, status, suggestion=suggestion,
                      annotator=annotator, time=time)


def quote(n: int, status: Status, suggested: bool = True,
          time: str | None = "2026-03-01T10:00:00Z") -> LayerItem[QuoteSuggestion]:
    value = QuoteSuggestion(content=Span(n, n + 5), speaker=None, cue=None, speaker_ref=None,
                            kind="direct")
    return LayerItem(f"q:{n}", value, status, suggestion=value if suggested else None,
                     time=time)


def meeting(n: int, status: Status, suggested: bool = True,
            time: str | None = "2026-03-01T10:00:00Z") -> LayerItem[MeetingSuggestion]:
    value = MeetingSuggestion(trigger=Span(n, n + 3), participants=(), place=None, time=None,
                              date=None, event="ev1")
    return LayerItem(f"m:{n}", value, status, suggestion=value if suggested else None,
                     time=time)


def record(article_id: str, annotator: str, *items: EntityItem, done: bool = False,
           quotes: tuple[LayerItem[QuoteSuggestion], ...] = (),
           meetings: tuple[LayerItem[MeetingSuggestion], ...] = ()) -> AnnotationRecord:
    return AnnotationRecord(article_id=article_id, annotator=annotator, text_hash="h",
                            items={item.id: item for item in items},
                            quotes={q.id: q for q in quotes},
                            meetings={m.id: m for m in meetings}, done=done)


# ------------------------------------------------------------------ days


@pytest.mark.parametrize(("time", "day"), [
    ("2026-03-01T23:59:59Z", "2026-03-01"),
    ("2026-03-02T00:00:00Z", "2026-03-02"),
    ("2026-03-02T00:30:00+02:00", "2026-03-01"),  # 22:30 UTC the day before
    ("2026-03-01T23:30:00-01:00", "2026-03-02"),  # 00:30 UTC the day after
    ("2026-03-01T23:59:59", "2026-03-01"),  # no offset: UTC, as byline writes
    ("2026-03-01T10:00:00.123456Z", "2026-03-01"),
    (None, UNKNOWN_DAY),
    ("", UNKNOWN_DAY),
    ("yesterday", UNKNOWN_DAY),
])
def test_decision_day_is_the_utc_date(time: str | None, day: str) -> None:
    assert decision_day(time) == day


def test_decisions_per_day_across_midnight_utc() -> None:
    records = [
        record("a1", "ann",
               entity(1, "PER", Status.ACCEPTED, "2026-03-01T23:59:59Z", suggested="PER"),
               entity(2, "ORG", Status.ADDED, "2026-03-02T00:00:00Z"),
               entity(3, "ORG", Status.REJECTED, "2026-03-02T01:00:00+02:00", suggested="ORG"),
               entity(4, "LOC", Status.ADDED, None)),
        record("a1", "bob", entity(1, "PER", Status.ACCEPTED, "2026-03-02T12:00:00Z",
                                   suggested="PER"),
               quotes=(quote(10, Status.ACCEPTED, time="2026-03-03T00:00:01Z"),)),
    ]
    stats = compute_stats(records)
    assert [(d.day, d.decisions, dict(d.by_annotator)) for d in stats.days] == [
        ("2026-03-01", 2, {"ann": 2}),  # 23:59:59Z, and 01:00+02:00 is 23:00Z on the 1st
        ("2026-03-02", 2, {"ann": 1, "bob": 1}),
        ("2026-03-03", 1, {"bob": 1}),
        (UNKNOWN_DAY, 1, {"ann": 1}),
    ]
    assert stats.total_decisions == 6
    assert [d.day for d in stats.dated_days()] == ["2026-03-01", "2026-03-02", "2026-03-03"]


def test_suggested_items_are_not_decisions() -> None:
    stats = compute_stats([record("a1", "ann",
                                  entity(1, "PER", Status.SUGGESTED, suggested="PER"),
                                  entity(2, "PER", Status.ACCEPTED, suggested="PER"))])
    assert stats.total_decisions == 1
    assert stats.annotators[0].decisions["entities"] == 1
    assert stats.labels[0].model == Outcome(accepted=1)


# ------------------------------------------------------------------ progress


def test_progress_per_annotator() -> None:
    records = [
        record("a1", "zoe", entity(1, "PER", Status.ADDED), done=True,
               quotes=(quote(5, Status.ACCEPTED), quote(9, Status.REJECTED)),
               meetings=(meeting(20, Status.ADDED, suggested=False),)),
        record("a2", "zoe", entity(1, "PER", Status.ADDED), entity(2, "ORG", Status.ADDED)),
        record("a1", "amy", done=True),
        record("a3", "amy", entity(1, "LOC", Status.REJECTED, suggested="LOC"), done=True),
    ]
    stats = compute_stats(records)
    assert [a.annotator for a in stats.annotators] == ["amy", "zoe"]  # sorted by name
    amy, zoe = stats.annotators
    assert (amy.articles, amy.done, dict(amy.decisions)) == (
        2, 2, {"entities": 1, "quotes": 0, "meetings": 0})
    assert (zoe.articles, zoe.done, dict(zoe.decisions)) == (
        2, 1, {"entities": 3, "quotes": 2, "meetings": 1})
    assert list(zoe.decisions) == list(LAYERS)
    assert zoe.total_decisions == 6
    assert (stats.articles, stats.articles_done) == (3, 2)  # a1, a2, a3; a1 and a3 done


# ------------------------------------------------------------------ labels and rates


def test_label_distribution_and_rates_with_known_values() -> None:
    per = [entity(i, "PER", Status.ACCEPTED, suggested="PER") for i in range(6)]
    per += [entity(10, "PER", Status.CORRECTED, suggested="PER"),
            entity(11, "PER", Status.REJECTED, suggested="PER"),
            entity(12, "PER", Status.ADDED)]
    # An ORG suggestion relabelled PER counts as a corrected ORG suggestion, gold PER.
    org = [entity(20, "PER", Status.CORRECTED, suggested="ORG"),
           entity(21, "ORG", Status.REJECTED, suggested="ORG"),
           entity(22, "ORG", Status.REJECTED, suggested="ORG"),
           entity(23, "ORG", Status.ACCEPTED, suggested="ORG")]
    stats = compute_stats([record("a1", "ann", *per, *org)])
    by_label = {label.label: label for label in stats.labels}
    assert [label.label for label in stats.labels] == ["PER", "ORG"]  # most gold first

    person = by_label["PER"]
    assert (person.gold, person.accepted, person.corrected, person.added) == (9, 6, 2, 1)
    assert person.model == Outcome(accepted=6, corrected=1, rejected=1)
    assert person.model.acceptance_rate == pytest.approx(0.75)
    assert person.model.correction_rate == pytest.approx(0.125)
    assert person.model.rejection_rate == pytest.approx(0.125)

    organisation = by_label["ORG"]
    assert (organisation.gold, organisation.accepted, organisation.corrected) == (1, 1, 0)
    assert organisation.model == Outcome(accepted=1, corrected=1, rejected=2)
    assert organisation.model.acceptance_rate == pytest.approx(0.25)
    assert organisation.model.rejection_rate == pytest.approx(0.5)

    overall = stats.entity_model
    assert overall == Outcome(accepted=7, corrected=2, rejected=3)
    assert overall.acceptance_rate == pytest.approx(7 / 12)
    entities = stats.layer("entities")
    assert (entities.decisions, entities.gold, entities.added) == (13, 10, 1)
    assert entities.model == overall


def test_a_label_only_ever_rejected_is_listed_with_no_gold() -> None:
    stats = compute_stats([record("a1", "ann",
                                  entity(1, "DATE", Status.REJECTED, suggested="DATE"),
                                  entity(2, "PER", Status.ADDED))])
    assert [(s.label, s.gold, s.model.total) for s in stats.labels] == [
        ("PER", 1, 0), ("DATE", 0, 1)]
    assert stats.labels[0].model.acceptance_rate is None  # nothing suggested: no rate


def test_no_records() -> None:
    stats = compute_stats([])
    assert stats.annotators == () and stats.days == () and stats.labels == ()
    assert [layer.layer for layer in stats.layers] == list(LAYERS)
    assert stats.entity_model.acceptance_rate is None
    json.dumps(stats.to_json())


# ------------------------------------------------------------------ layers


def test_layer_rates_by_status() -> None:
    quotes = (quote(1, Status.ACCEPTED), quote(2, Status.ACCEPTED), quote(3, Status.ACCEPTED),
              quote(4, Status.CORRECTED), quote(5, Status.REJECTED),
              quote(6, Status.ADDED, suggested=False), quote(7, Status.SUGGESTED))
    meetings = (meeting(1, Status.REJECTED), meeting(2, Status.REJECTED),
                meeting(3, Status.ACCEPTED), meeting(4, Status.ADDED, suggested=False))
    stats = compute_stats([record("a1", "ann", quotes=quotes, meetings=meetings)])
    q, m = stats.layer("quotes"), stats.layer("meetings")
    assert (q.decisions, q.gold, q.added) == (6, 5, 1)
    assert q.model == Outcome(accepted=3, corrected=1, rejected=1)
    assert q.model.acceptance_rate == pytest.approx(0.6)
    assert q.model.correction_rate == pytest.approx(0.2)
    assert (m.decisions, m.gold, m.added) == (4, 2, 1)
    assert m.model.acceptance_rate == pytest.approx(1 / 3)
    assert m.model.rejection_rate == pytest.approx(2 / 3)
    assert stats.layer("entities").decisions == 0
    assert stats.labels == ()  # quotes and meetings have no labels


def test_json_is_deterministic_and_complete() -> None:
    records = [
        record("b", "zed", entity(1, "ORG", Status.ACCEPTED, suggested="ORG"), done=True),
        record("a", "amy", entity(2, "PER", Status.CORRECTED, "2026-01-05T08:00:00Z",
                                  suggested="PER"),
               quotes=(quote(3, Status.REJECTED),)),
    ]
    first = compute_stats(records).to_json()
    second = compute_stats(list(reversed(records))).to_json()
    assert json.dumps(first) == json.dumps(second)
    assert first["articles"] == 2 and first["articles_done"] == 1
    assert first["total_decisions"] == 3
    assert [a["annotator"] for a in first["annotators"]] == ["amy", "zed"]
    assert [d["day"] for d in first["days"]] == ["2026-01-05", "2026-03-01"]
    assert first["entities_model"] == {"accepted": 1, "corrected": 1, "rejected": 0,
                                       "total": 2, "acceptance_rate": 0.5,
                                       "correction_rate": 0.5, "rejection_rate": 0.0}
    assert [layer["layer"] for layer in first["layers"]] == ["entities", "quotes", "meetings"]
    assert first["layers"][1]["model"]["rejection_rate"] == 1.0
    assert first["layers"][2]["model"]["acceptance_rate"] is None
