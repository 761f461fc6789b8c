"""tui.commands.export: rows of the native and Prodigy formats from hand-built records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.commands.export import EXPORT_FORMATS, ROW_FORMATS, export_rows
from tui.core.model import (
    AnnotationRecord,
    Article,
    EntityItem,
    EntitySuggestion,
    ModelInfo,
    Status,
    Suggestions,
)
from tui.formats.jsonl_out import write_jsonl
from tui.formats.prodigy import read_prodigy_spans

MODEL = ModelInfo("en_core_web_sm", "3.8.0")
TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday."
ARTICLE = Article("doha", TEXT, {"date": "2025-10-23", "dateline": "DOHA", "source": "x.txt"})


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


def item(item_id: str, needle: str, label: str, status: Status,
         suggestion: EntitySuggestion | None = None) -> EntityItem:
    start, end = at(needle)
    return EntityItem(item_id, start, end, label, status, suggestion=suggestion,
                      annotator="maria", time="2025-11-01T10:00:00Z",
                      model=MODEL if suggestion else None)


S_DOHA = EntitySuggestion(*at("DOHA"), "GPE")
S_KALIN = EntitySuggestion(*at("Kalin"), "ORG")
S_HAMAS = EntitySuggestion(*at("Hamas"), "ORG")
S_DOHA2 = EntitySuggestion(*at("Doha"), "GPE")

RECORD = AnnotationRecord(
    article_id="doha", annotator="maria", text_hash=ARTICLE.text_hash,
    items={
        "s:doha": item("s:doha", "DOHA", "GPE", Status.ACCEPTED, S_DOHA),
        "s:kalin": item("s:kalin", "Kalin", "PERSON", Status.CORRECTED, S_KALIN),
        "s:hamas": item("s:hamas", "Hamas", "ORG", Status.REJECTED, S_HAMAS),
        "a:1": item("a:1", "late Tuesday", "DATE", Status.ADDED),
    },
    done=True,
)
SUGGESTIONS = Suggestions(MODEL, ARTICLE.text_hash, (S_DOHA, S_KALIN, S_HAMAS, S_DOHA2),
                          tokens=((0, 4), (4, 5), (6, 11), (12, 15), (16, 21), (22, 31),
                                  (32, 34), (35, 39), (40, 44), (45, 52), (52, 53)))


def test_native_rows_hold_gold_and_rejected() -> None:
    [row] = list(export_rows([(ARTICLE, RECORD, SUGGESTIONS)], "native", include_pending=False))
    assert row["id"] == "doha"
    assert row["text"] == TEXT
    assert row["meta"] == {"date": "2025-10-23", "dateline": "DOHA", "source": "x.txt",
                           "annotator": "maria", "done": True, "text_hash": ARTICLE.text_hash}
    assert [(e["text"], e["label"], e["status"]) for e in row["entities"]] == [
        ("DOHA", "GPE", "accepted"), ("Kalin", "PERSON", "corrected"),
        ("late Tuesday", "DATE", "added")]
    assert row["entities"][1]["suggested"]["label"] == "ORG"
    assert [e["text"] for e in row["rejected"]] == ["Hamas"]
    assert row["quotes"] == [] and row["meetings"] == []
    assert "pending" not in row


def test_native_rows_with_pending() -> None:
    [row] = list(export_rows([(ARTICLE, RECORD, SUGGESTIONS)], "native", include_pending=True))
    assert [(e["text"], e["status"]) for e in row["pending"]] == [("Doha", "suggested")]


def test_native_pending_without_suggestions_is_empty() -> None:
    [row] = list(export_rows([(ARTICLE, RECORD, None)], "native", include_pending=True))
    assert row["pending"] == []
    assert len(row["entities"]) == 3


def test_prodigy_rows_use_the_suggestion_tokens() -> None:
    [task] = list(export_rows([(ARTICLE, RECORD, SUGGESTIONS)], "prodigy",
                              include_pending=False))
    assert [(t["start"], t["end"]) for t in task["tokens"]] == list(SUGGESTIONS.tokens)
    assert read_prodigy_spans(task) == [(0, 4, "GPE"), (6, 11, "PERSON"),
                                        (*at("late Tuesday"), "DATE")]
    assert task["meta"]["annotator"] == "maria"


def test_prodigy_rows_without_suggestions_use_simple_tokens() -> None:
    coarse = Suggestions(MODEL, ARTICLE.text_hash, (), tokens=((0, 5), (6, 53)))
    [with_coarse] = list(export_rows([(ARTICLE, RECORD, coarse)], "prodigy", False))
    [without] = list(export_rows([(ARTICLE, RECORD, None)], "prodigy", False))
    assert [t["text"] for t in without["tokens"]][:4] == ["DOHA", ":", "Kalin", "met"]
    assert [t["text"] for t in with_coarse["tokens"]][:3] == ["DOHA", ":", "Kalin"]
    assert len(with_coarse["tokens"]) < len(without["tokens"])  # coarse tokens were used
    assert read_prodigy_spans(with_coarse) == read_prodigy_spans(without)


def test_prodigy_ignores_tokens_of_another_text() -> None:
    stale = Suggestions(MODEL, "0" * 16, (), tokens=((0, 53),))
    [task] = list(export_rows([(ARTICLE, RECORD, stale)], "prodigy", False))
    assert task["tokens"][0]["text"] == "DOHA"


def test_rows_are_made_lazily_one_per_entry() -> None:
    taken: list[str] = []

    def entries() -> Iterator[tuple[Article, AnnotationRecord, Suggestions | None]]:
        for n in range(3):
            taken.append(str(n))
            yield Article(f"a{n}", TEXT), RECORD, None

    rows = export_rows(entries(), "native", include_pending=False)
    assert taken == []
    assert [r["id"] for r in rows] == ["a0", "a1", "a2"]


def test_unknown_format_fails_at_the_call() -> None:
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        export_rows([], "xml", include_pending=False)
    assert EXPORT_FORMATS == ("native", "prodigy", "brat", "doccano", "doccano-rel", "conll",
                              "labelstudio", "spacy")


def test_prodigy_with_pending_fails_at_the_call() -> None:
    with pytest.raises(ValueError, match="native only"):
        export_rows([], "prodigy", include_pending=True)


@pytest.mark.parametrize("fmt", ROW_FORMATS)
def test_rows_write_as_jsonl(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}.jsonl"
    entries = [(ARTICLE, RECORD, SUGGESTIONS), (Article("empty", "Nothing here."),
                                                AnnotationRecord("empty", "maria", "h"), None)]
    assert write_jsonl(out, export_rows(entries, fmt, include_pending=False)) == 2
    lines = out.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["text"] for r in rows] == [TEXT, "Nothing here."]
    if fmt == "prodigy":
        assert read_prodigy_spans(rows[0])[0] == (0, 4, "GPE")
        assert rows[1]["spans"] == []


def test_suggestion_rows_carry_quotes_and_meetings_in_the_native_form() -> None:
    from tui.core.layers import MeetingSuggestion, QuoteSuggestion
    from tui.core.model import Article, ModelInfo, Span, Suggestions
    from tui.formats.native import suggestion_row

    text = "Kalin met Fidan in Doha on Tuesday. “We agreed,” he said."
    article = Article("a", text, {"date": "2025-10-23"})

    def span(needle: str) -> Span:
        start = text.index(needle)
        return Span(start, start + len(needle))

    quote = QuoteSuggestion(span("We agreed"), span("he"), span("said"), span("Kalin"), "direct")
    meeting = MeetingSuggestion(span("met"), (span("Kalin"), span("Fidan")), span("Doha"),
                                span("Tuesday"), "2025-10-21", "e1")
    row = suggestion_row(article, Suggestions(ModelInfo("m", "1"), article.text_hash, (),
                                              (), (quote,), (meeting,)))
    assert row["quotes"] == [{
        "content": {"start": text.index("We"), "end": text.index("We") + 9, "text": "We agreed"},
        "speaker": {"start": text.index("he"), "end": text.index("he") + 2, "text": "he"},
        "cue": {"start": text.index("said"), "end": text.index("said") + 4, "text": "said"},
        "speaker_ref": {"start": 0, "end": 5, "text": "Kalin"},
        "kind": "direct", "status": "suggested"}]
    [m] = row["meetings"]
    assert m["trigger"]["text"] == "met" and m["date"] == "2025-10-21" and m["event"] == "e1"
    assert [p["text"] for p in m["participants"]] == ["Kalin", "Fidan"]
    assert m["place"]["text"] == "Doha" and m["time"]["text"] == "Tuesday"
    assert m["status"] == "suggested"
