"""tui.formats.doccano: both JSONL schemas written, read back, and bad files refused."""

from __future__ import annotations

import json
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.model import Span
from tui.core.text import normalise
from tui.formats.doccano import (
    ROLE_LABELS,
    doccano_relation_task,
    doccano_task,
    quote_kind,
    read_doccano,
)
from tui.formats.errors import InputError

TEXT = "Kalin met Hamas in Doha.\n“We agreed,” he told AFP."


def at(needle: str, text: str = TEXT) -> dict[str, int]:
    start = text.index(needle)
    return {"start": start, "end": start + len(needle)}


def gold_row(text: str = TEXT, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "doha", "text": text, "meta": {"annotator": "ann", "done": True},
        "entities": [{**at("Kalin"), "label": "PERSON", "status": "accepted"},
                     {**at("Hamas"), "label": "ORG", "status": "accepted"},
                     {**at("Doha"), "label": "GPE", "status": "added"}],
        "quotes": [{"content": at("We agreed"), "speaker": at("he"), "cue": at("told"),
                    "speaker_ref": at("Kalin"), "kind": "direct", "status": "accepted"}],
        "meetings": [{"trigger": at("met"), "participants": [at("Kalin"), at("Hamas")],
                      "place": at("Doha"), "time": None, "date": None, "event": "e1",
                      "status": "accepted"}],
    }
    row.update(extra)
    return row


def write(tmp_path: Path, *rows: Any, name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
                            + "\n" for r in rows), encoding="utf-8")
    return path


def test_sequence_task_holds_sorted_gold_entities(tmp_path: Path) -> None:
    task = doccano_task(gold_row())
    assert task == {"id": "doha", "text": TEXT, "meta": {"annotator": "ann", "done": True},
                    "label": [[0, 5, "PERSON"], [10, 15, "ORG"], [19, 23, "GPE"]]}
    [article] = read_doccano(write(tmp_path, task))
    assert article.article.id == "doha" and article.article.text == TEXT
    assert article.entities == ((0, 5, "PERSON"), (10, 15, "ORG"), (19, 23, "GPE"))
    assert article.annotator == "ann" and article.line == 1
    assert article.quotes == () and article.meetings == ()


def test_relation_task_shares_entity_spans(tmp_path: Path) -> None:
    task = doccano_relation_task(gold_row())
    by_id = {e["id"]: e for e in task["entities"]}
    labels = [e["label"] for e in task["entities"]]
    assert labels == ["PERSON", "ORG", "GPE", "QUOTE", "SPEAKER", "CUE", "MEETING"]
    kinds = [(by_id[r["from_id"]]["label"], by_id[r["to_id"]]["label"], r["type"])
             for r in task["relations"]]
    assert kinds == [("QUOTE", "SPEAKER", "speaker"), ("QUOTE", "CUE", "cue"),
                     ("SPEAKER", "PERSON", "refers_to"), ("MEETING", "PERSON", "participant"),
                     ("MEETING", "ORG", "participant"), ("MEETING", "GPE", "place")]
    assert [r["id"] for r in task["relations"]] == [1, 2, 3, 4, 5, 6]
    [article] = read_doccano(write(tmp_path, task))
    assert article.entities == ((0, 5, "PERSON"), (10, 15, "ORG"), (19, 23, "GPE"))
    assert article.quotes == (QuoteSuggestion(
        content=Span(26, 35), speaker=Span(38, 40), cue=Span(41, 45),
        speaker_ref=Span(0, 5), kind="direct"),)
    assert article.meetings == (MeetingSuggestion(
        trigger=Span(6, 9), participants=(Span(0, 5), Span(10, 15)), place=Span(19, 23),
        time=None, date=None, event="e1"),)


def test_speaker_resolving_to_itself_and_unresolved_differ(tmp_path: Path) -> None:
    text = "Kalin said it was over. Officials said it was not."
    quotes = [{"content": at("it was over", text), "speaker": at("Kalin", text),
               "cue": None, "speaker_ref": at("Kalin", text), "kind": "indirect"},
              {"content": at("it was not", text), "speaker": at("Officials", text),
               "cue": None, "speaker_ref": None, "kind": "indirect"}]
    row = gold_row(text, entities=[{**at("Kalin", text), "label": "PERSON"}],
                   quotes=quotes, meetings=[])
    [article] = read_doccano(write(tmp_path, doccano_relation_task(row)))
    assert [(q.speaker, q.speaker_ref) for q in article.quotes] == [
        (Span(0, 5), Span(0, 5)), (Span(24, 33), None)]
    assert article.entities == ((0, 5, "PERSON"),)


def test_quote_kind() -> None:
    text = "“We agreed,” he said. « Oui » she said that talks failed. \"Done\""
    assert quote_kind(text, Span(*at("We agreed", text).values())) == "direct"
    assert quote_kind(text, Span(*at("Oui", text).values())) == "direct"
    assert quote_kind(text, Span(*at("\"Done\"", text).values())) == "direct"
    assert quote_kind(text, Span(*at("talks failed", text).values())) == "indirect"


def test_older_labels_key_and_default_ids(tmp_path: Path) -> None:
    path = write(tmp_path, {"text": "Kalin spoke.", "labels": [[0, 5, "PERSON"]]},
                 {"text": "Doha.", "label": [], "id": 7}, {"text": "x", "id": ["no"]},
                 name="batch.jsonl")
    articles = read_doccano(path)
    assert [a.article.id for a in articles] == ["batch-1", "7", "batch-3"]
    assert articles[0].entities == ((0, 5, "PERSON"),)
    assert articles[0].article.meta == {"source": str(path)}


def test_sequence_schema_keeps_reserved_labels_as_entities(tmp_path: Path) -> None:
    [article] = read_doccano(write(tmp_path, {"text": "a quote", "label": [[2, 7, "QUOTE"]]}))
    assert article.entities == ((2, 7, "QUOTE"),) and article.quotes == ()


# ------------------------------------------------------------------ errors


def relation_line(**extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "text": "Kalin met Hamas.",
        "entities": [{"id": 1, "label": "PERSON", "start_offset": 0, "end_offset": 5},
                     {"id": 2, "label": "MEETING", "start_offset": 6, "end_offset": 9}],
        "relations": [{"id": 1, "from_id": 2, "to_id": 1, "type": "participant"}]}
    line.update(extra)
    return line


GOOD = {"text": "fine", "label": []}


@pytest.mark.parametrize(("line", "reason"), [
    ("{not json", "invalid JSON"),
    ('{"text": "a", "label": [[0, NaN, "X"]]}', "NaN is not allowed"),
    ('{"text": "a", "score": Infinity}', "Infinity is not allowed"),
    ({"label": [[0, 1, "X"]]}, 'missing "text"'),
    ({"text": 3}, '"text" must be a string'),
    ({"text": "   "}, '"text" is empty'),
    ([1, 2], "not a JSON object"),
    ({"text": "abc", "label": [[0, 4, "X"]]}, "outside the text"),
    ({"text": "abc", "label": [[2, 2, "X"]]}, "span 2-2 (X) is outside the text"),
    ({"text": "abc", "label": [[-1, 2, "X"]]}, "outside the text"),
    ({"text": "a\r\nb", "label": [[0, 2, "X"]]}, "normalisation joins"),
    ({"text": "ae\u0301b", "label": [[0, 2, "X"]]}, "normalisation joins"),
    ({"text": "abc", "label": [[0, 1]]}, "must be [start, end"),
    ({"text": "abc", "label": [[0, 1.5, "X"]]}, "offsets must be integers"),
    ({"text": "abc", "label": [["0", 1, "X"]]}, "offsets must be integers"),
    ({"text": "abc", "label": {"a": 1}}, '"label" must be an array'),
    (relation_line(relations=[{"id": 1, "from_id": 2, "to_id": 9, "type": "participant"}]),
     "unknown entity id 9"),
    (relation_line(relations=[{"id": 1, "from_id": 3, "to_id": 1, "type": "place"}]),
     "unknown entity id 3"),
    (relation_line(relations=[{"id": 1, "from_id": 2, "to_id": 1, "type": "likes"}]),
     "unknown relation type 'likes'"),
    (relation_line(relations=[{"id": 1, "from_id": 1, "to_id": 2, "type": "speaker"}]),
     "must start from a QUOTE span"),
    (relation_line(entities=[{"id": 1, "label": "PERSON", "start_offset": 0, "end_offset": 5},
                             {"id": 1, "label": "ORG", "start_offset": 10, "end_offset": 15}],
                   relations=[]), "duplicate entity id 1"),
    (relation_line(entities=[{"id": 1, "label": "PERSON", "start_offset": 0}]),
     'has no "end_offset"'),
    (relation_line(entities=[{"id": 1, "label": "PERSON", "start_offset": 0,
                              "end_offset": 99}], relations=[]), "outside the text"),
    (relation_line(entities=[{"id": 1, "label": "SPEAKER", "start_offset": 0,
                              "end_offset": 5}], relations=[]), "is in no relation"),
    (relation_line(relations="x"), '"relations" must be an array'),
])
def test_bad_line_names_file_and_line(tmp_path: Path, line: Any, reason: str) -> None:
    path = write(tmp_path, GOOD, line, GOOD)
    with pytest.raises(InputError) as error:
        read_doccano(path)
    assert str(error.value).startswith(f"{path}:2: ")
    assert reason in str(error.value)
    assert error.value.line == 2


def test_meeting_without_relations_is_fine(tmp_path: Path) -> None:
    [article] = read_doccano(write(tmp_path, relation_line(relations=[])))
    assert article.meetings == (MeetingSuggestion(Span(6, 9), (), None, None, None, "e1"),)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
    with pytest.raises(InputError, match=rf"^{path}:2: not UTF-8"):
        read_doccano(path)


def test_empty_file_and_duplicate_ids(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(InputError, match="empty file"):
        read_doccano(empty)
    path = write(tmp_path, {"id": "a", "text": "x"}, {"id": "a", "text": "y"})
    with pytest.raises(InputError, match=rf"^{path}:2: duplicate id 'a' \(first on line 1\)"):
        read_doccano(path)


def test_two_speakers_of_one_quote_refused(tmp_path: Path) -> None:
    line = {"text": "“Yes,” he said.",
            "entities": [{"id": 1, "label": "QUOTE", "start_offset": 1, "end_offset": 4},
                         {"id": 2, "label": "SPEAKER", "start_offset": 7, "end_offset": 9},
                         {"id": 3, "label": "CUE", "start_offset": 10, "end_offset": 14}],
            "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "speaker"},
                          {"id": 2, "from_id": 1, "to_id": 3, "type": "speaker"}]}
    path = write(tmp_path, line)
    with pytest.raises(InputError, match=rf"^{path}:1: .*2 'speaker' relations"):
        read_doccano(path)


# --------------------------------------------------------------- round trips

#: Pieces a text is made of; a span boundary between two pieces is always normalisable.
PIECES = ["Kalin", "Doha", " ", "  ", "\n", "\r\n", "“", "”", ",", ".", "é", "e\u0301",
          "👍🏽", "🇶🇦", "北京", "会谈", "\t", "ü", "x"]
LABELS = ["PERSON", "ORG", "GPE", "DATE"]


@st.composite
def texts_and_slots(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]], dict[int, int]]:
    """A raw text, non-overlapping candidate spans on piece boundaries, and where each
    boundary lands in the normalised text."""
    pieces = [*draw(st.lists(st.sampled_from(PIECES), max_size=40)), "x"]  # never all blank
    bounds = [0, *accumulate(len(p) for p in pieces)]
    raw = "".join(pieces)
    moved = {b: len(normalise(raw[:b])) for b in bounds}
    cuts = sorted(draw(st.sets(st.sampled_from(bounds), max_size=16)))
    slots = [(s, e) for s, e in zip(cuts[::2], cuts[1::2], strict=False) if s < e]
    return raw, slots, moved


def span_row(text: str, span: tuple[int, int]) -> dict[str, Any]:
    return {"start": span[0], "end": span[1], "text": text[span[0]:span[1]]}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=texts_and_slots(), labels=st.lists(st.sampled_from(LABELS), min_size=16,
                                               max_size=16),
       keep=st.lists(st.booleans(), min_size=16, max_size=16))
def test_sequence_round_trip(tmp_path: Path, data: tuple[str, list[tuple[int, int]],
                                                          dict[int, int]],
                             labels: list[str], keep: list[bool]) -> None:
    raw, slots, moved = data
    entities = [(s, e, labels[i]) for i, (s, e) in enumerate(slots) if keep[i]]
    row = {"id": "r", "text": raw, "meta": {},
           "entities": [{**span_row(raw, (s, e)), "label": label} for s, e, label in entities]}
    [article] = read_doccano(write(tmp_path, doccano_task(row)))
    assert article.article.text == normalise(raw)
    assert article.entities == tuple(sorted((moved[s], moved[e], label)
                                            for s, e, label in entities))
    for (s, e, _), (ns, ne, _) in zip(sorted(entities), article.entities, strict=True):
        assert article.article.text[ns:ne] == normalise(raw[s:e])


@st.composite
def layered(draw: st.DrawFn) -> tuple[str, dict[int, int], list[tuple[int, int, str]],
                                      list[dict[str, Any]], list[dict[str, Any]]]:
    raw, slots, moved = draw(texts_and_slots())
    entities = [(s, e, draw(st.sampled_from(LABELS))) for s, e in slots if draw(st.booleans())]
    maybe = st.none() | st.sampled_from(slots) if slots else st.none()
    quotes: list[dict[str, Any]] = []
    ref_of: dict[tuple[int, int], tuple[int, int] | None] = {}
    if slots:
        contents = draw(st.lists(st.sampled_from(slots), unique=True, max_size=4))
        for content in contents:
            speaker = draw(maybe)
            ref = draw(maybe)
            if speaker is not None:  # one speaker span resolves to one span
                ref = ref_of.setdefault(speaker, ref)
            quotes.append({"content": content, "speaker": speaker, "cue": draw(maybe),
                           "speaker_ref": ref})
    meetings: list[dict[str, Any]] = []
    if slots:
        for trigger in draw(st.lists(st.sampled_from(slots), unique=True, max_size=3)):
            meetings.append({"trigger": trigger, "place": draw(maybe), "time": draw(maybe),
                             "participants": draw(st.lists(st.sampled_from(slots),
                                                           unique=True, max_size=3))})
    return raw, moved, entities, quotes, meetings


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=layered())
def test_relation_round_trip(tmp_path: Path, data: tuple[
        str, dict[int, int], list[tuple[int, int, str]], list[dict[str, Any]],
        list[dict[str, Any]]]) -> None:
    raw, moved, entities, quotes, meetings = data

    def json_span(span: tuple[int, int] | None) -> dict[str, Any] | None:
        return None if span is None else span_row(raw, span)

    def new(span: tuple[int, int] | None) -> Span | None:
        return None if span is None else Span(moved[span[0]], moved[span[1]])

    row = {"id": 5, "text": raw, "meta": {"annotator": "ann"},
           "entities": [{**span_row(raw, (s, e)), "label": label} for s, e, label in entities],
           "quotes": [{key: json_span(value) for key, value in q.items()} for q in quotes],
           "meetings": [{"trigger": json_span(m["trigger"]), "place": json_span(m["place"]),
                         "time": json_span(m["time"]),
                         "participants": [json_span(p) for p in m["participants"]]}
                        for m in meetings]}
    task = doccano_relation_task(row)
    assert not {e["label"] for e in task["entities"][:len(entities)]} & ROLE_LABELS
    [article] = read_doccano(write(tmp_path, task))
    text = article.article.text
    assert text == normalise(raw) and article.article.id == "5"
    assert article.entities == tuple(sorted((moved[s], moved[e], label)
                                            for s, e, label in entities))
    expected_quotes = []
    for q in quotes:
        content = new(q["content"])
        assert content is not None
        expected_quotes.append(QuoteSuggestion(
            content=content, speaker=new(q["speaker"]), cue=new(q["cue"]),
            speaker_ref=new(q["speaker_ref"]), kind=quote_kind(text, content)))
    expected_quotes.sort(key=lambda q: (q.content.start, q.content.end))
    assert list(article.quotes) == expected_quotes
    got = sorted(article.meetings, key=lambda m: (m.trigger.start, m.trigger.end))
    assert [m.event for m in got] == [f"e{i}" for i in range(1, len(got) + 1)]
    assert [(m.trigger, m.participants, m.place, m.time, m.date) for m in got] == sorted(
        ((new(m["trigger"]), tuple(new(p) for p in m["participants"]), new(m["place"]),
          new(m["time"]), None) for m in meetings),
        key=lambda m: (m[0].start, m[0].end))  # type: ignore[union-attr]
