"""tui.formats.prodigy_in: Prodigy JSONL tasks read as gold, byline's own export included."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.model import AnnotationRecord, Article, EntityItem, Status
from tui.core.text import normalise
from tui.core.tokens import simple_tokens
from tui.formats.errors import InputError
from tui.formats.prodigy import prodigy_task
from tui.formats.prodigy_in import ProdigyRead, read_prodigy

TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday."


def write(path: Path, *tasks: Any) -> Path:
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks),
                    encoding="utf-8")
    return path


def task(text: str = TEXT, *spans: tuple[int, int, str], **extra: Any) -> dict[str, Any]:
    return {"text": text, "spans": [{"start": s, "end": e, "label": label}
                                    for s, e, label in spans], **extra}


def test_accepted_tasks_are_read_and_the_others_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "db.jsonl",
                 task(TEXT, (6, 11, "PERSON"), answer="accept", meta={"article_id": "doha"},
                      _annotator_id="news-alex", _session_id="news-2025"),
                 task("Rejected.", (0, 8, "ORG"), answer="reject"),
                 task("Ignored.", answer="ignore"),
                 task("No answer.", (0, 2, "X"), meta={"id": 12}, _session_id="news-sam"),
                 task("Rejected too.", answer="reject"))
    result = read_prodigy(path)
    assert isinstance(result, ProdigyRead) and isinstance(result, list)
    assert [(i.article.id, i.line, i.annotator, i.entities) for i in result] == [
        ("doha", 1, "news-alex", ((6, 11, "PERSON"),)),
        ("12", 4, "news-sam", ((0, 2, "X"),))]
    assert result.skipped == {"reject": 2, "ignore": 1}
    assert result.skipped_count == 3
    assert result[0].article.meta["source"] == str(path)


def test_id_defaults_to_stem_and_line_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps(task("One.")) + "\n\n" + json.dumps(task("Two.")) + "\n")
    assert [i.article.id for i in read_prodigy(path)] == ["spans-1", "spans-3"]


def test_crlf_text_is_normalised_and_its_spans_moved(tmp_path: Path) -> None:
    [item] = read_prodigy(write(tmp_path / "p.jsonl", task("A\r\nDoha.", (3, 7, "GPE"))))
    assert item.article.text == "A\nDoha."
    assert item.entities == ((2, 6, "GPE"),)


def test_spans_are_checked_against_their_tokens(tmp_path: Path) -> None:
    tokens = [{"text": "Kalin", "start": 0, "end": 5, "id": 0, "ws": True},
              {"text": "met", "start": 6, "end": 9, "id": 1, "ws": False}]
    good = {"text": "Kalin met", "tokens": tokens,
            "spans": [{"start": 0, "end": 9, "token_start": 0, "token_end": 1, "label": "X"}]}
    assert read_prodigy(write(tmp_path / "p.jsonl", good))[0].entities == ((0, 9, "X"),)
    bad = {**good, "spans": [{"start": 0, "end": 5, "token_start": 0, "token_end": 1,
                              "label": "X"}]}
    with pytest.raises(InputError, match="disagree with its tokens 0-9"):
        read_prodigy(write(tmp_path / "p.jsonl", bad))


@pytest.mark.parametrize(("line", "reason"), [
    ({"spans": []}, 'missing "text"'),
    ({"text": 3}, '"text" must be a string'),
    ({"text": "  "}, '"text" is empty'),
    (task("Text.", (0, 9, "X")), "0-9 (X) is outside the text"),
    (task("Text.", (2, 2, "X")), "outside the text"),
    ({"text": "Text.", "spans": [{"start": 0, "end": 4, "label": "X", "text": "Txet"}]},
     "not its text 'Txet'"),
    ({"text": "Text.", "spans": [{"start": "0", "end": 4, "label": "X"}]},
     '"start" and "end" must be integers'),
    ({"text": "Text.", "spans": [{"start": 0, "end": 4}]}, '"label" must be a string, not null'),
    (task("Text.", answer="maybe"), '"answer" must be'),
    (task("Text.", meta=[1]), '"meta" must be an object'),
    (task("Text.", meta={"article_id": True}), '"meta.article_id" must be a string'),
    ([1], "not a JSON object"),
])
def test_bad_tasks_name_file_and_line(tmp_path: Path, line: Any, reason: str) -> None:
    path = write(tmp_path / "p.jsonl", task("Fine."), line)
    with pytest.raises(InputError) as caught:
        read_prodigy(path)
    assert reason in caught.value.reason
    assert caught.value.line == 2
    assert str(caught.value).startswith(f"{path}:2: ")


def test_nan_and_broken_json_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"text": "A."}\n{"text": "B.", "meta": {"x": NaN}}\n')
    with pytest.raises(InputError, match="NaN is not allowed") as caught:
        read_prodigy(path)
    assert caught.value.line == 2
    path.write_text('{"text": "A."}\n{"text": ')
    with pytest.raises(InputError, match="truncated") as caught:
        read_prodigy(path)
    assert caught.value.line == 2
    path.write_text("\n\n")
    with pytest.raises(InputError, match="empty file"):
        read_prodigy(path)


# --------------------------------------------------------------- round trip

CHARS = st.sampled_from([*"ab Z.é中\n,", "😀", "\u0301", "\t", "“"])


@st.composite
def records(draw: st.DrawFn) -> tuple[Article, AnnotationRecord]:
    text = normalise(draw(st.text(CHARS, min_size=1, max_size=40)))
    if not text.strip():
        text += "x"
    article = Article("art-1", text, {"date": "2025-10-23"})
    bounds = st.tuples(st.integers(0, len(text)), st.integers(0, len(text))).map(sorted).filter(
        lambda b: b[0] < b[1])
    marked = draw(st.lists(st.tuples(bounds, st.sampled_from(["PERSON", "ORG"]),
                                     st.sampled_from(list(Status))), max_size=6))
    items = {f"i{n}": EntityItem(f"i{n}", b[0], b[1], label, status, annotator="ann")
             for n, (b, label, status) in enumerate(marked)}
    return article, AnnotationRecord(article.id, "ann", article.text_hash, items)


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@settings(max_examples=150, deadline=None)
@given(records())
def test_byline_prodigy_export_reads_back_to_the_same_spans(
        found: tuple[Article, AnnotationRecord]) -> None:
    article, rec = found
    text = article.text
    exported = prodigy_task(article, rec, simple_tokens(text))
    expected = sorted({(*trimmed(text, i.start, i.end), i.label) for i in rec.items.values()
                       if i.status.is_gold and trimmed(text, i.start, i.end)[0]
                       < trimmed(text, i.start, i.end)[1]})
    assert sorted((s["start"], s["end"], s["label"]) for s in exported["spans"]) == expected
    with tempfile.TemporaryDirectory() as folder:
        [item] = read_prodigy(write(Path(folder) / "db.jsonl", exported))
    assert item.article.id == article.id and item.article.text == text
    assert item.annotator == "ann"
    assert list(item.entities) == expected
