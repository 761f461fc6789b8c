"""tui.formats.labelstudio: Label Studio tasks written from byline rows and read back."""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.model import (
    AnnotationRecord,
    Article,
    EntityItem,
    EntitySuggestion,
    ModelInfo,
    Status,
    Suggestions,
)
from tui.core.text import normalise
from tui.formats.errors import InputError
from tui.formats.labelstudio import (
    FROM_NAME,
    TO_NAME,
    labelstudio_config,
    labelstudio_task,
    read_labelstudio,
    region_id,
)
from tui.formats.native import gold_row, suggestion_row

TEXT = "DOHA: Kalin met Hamas officials in Doha late Tuesday.\n\n“We agreed,” he told AFP."
ARTICLE = Article("doha", TEXT, {"date": "2025-10-23", "dateline": "DOHA"})
MODEL = ModelInfo("en_core_web_sm", "3.8.0")


def span_of(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def record(*entities: tuple[tuple[int, int], str, Status], annotator: str = "ann"
           ) -> AnnotationRecord:
    items = {f"a:{i}": EntityItem(f"a:{i}", s, e, label, status, annotator=annotator)
             for i, ((s, e), label, status) in enumerate(entities)}
    return AnnotationRecord(ARTICLE.id, annotator, ARTICLE.text_hash, items)


def suggestions(*entities: tuple[tuple[int, int], str], text: str = TEXT) -> Suggestions:
    return Suggestions(MODEL, Article("x", text).text_hash,
                       tuple(EntitySuggestion(s, e, label) for (s, e), label in entities), ())


def article_row(article: Article) -> dict[str, Any]:
    return {"id": article.id, "text": article.text, "meta": article.meta}


GOLD = record(
    (span_of(TEXT, "DOHA"), "GPE", Status.ACCEPTED),
    (span_of(TEXT, "Kalin"), "PERSON", Status.CORRECTED),
    (span_of(TEXT, "Hamas"), "ORG", Status.REJECTED),
    (span_of(TEXT, "late Tuesday"), "DATE", Status.ADDED),
    (span_of(TEXT, "AFP"), "ORG", Status.SUGGESTED),
)
SUGGESTED = suggestions((span_of(TEXT, "DOHA"), "GPE"), (span_of(TEXT, "Kalin"), "ORG"),
                        (span_of(TEXT, "Hamas"), "ORG"))


def write(path: Path, tasks: list[Any], *, jsonl: bool = False) -> Path:
    if jsonl:
        path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks),
                        encoding="utf-8")
    else:
        path.write_text(json.dumps(tasks, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def task_of(text: str, *results: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": 7, "data": {"text": text},
            "annotations": [{"completed_by": 3, "result": list(results)}], **extra}


def region(start: int, end: int, *labels: str, text: str | None = None,
           type_: str = "labels") -> dict[str, Any]:
    value: dict[str, Any] = {"start": start, "end": end, "labels": list(labels)}
    if text is not None:
        value["text"] = text
    return {"id": "r", "from_name": "label", "to_name": "text", "type": type_, "value": value}


# ------------------------------------------------------------------- writing


def test_task_holds_data_predictions_and_annotations() -> None:
    task = labelstudio_task(article_row(ARTICLE), suggestion_row(ARTICLE, SUGGESTED),
                            gold_row(ARTICLE, GOLD))
    assert task["data"] == {"text": TEXT, "article_id": "doha", "meta": ARTICLE.meta}
    [prediction] = task["predictions"]
    assert prediction["model_version"] == "en_core_web_sm 3.8.0"
    assert [(r["value"]["text"], r["value"]["labels"]) for r in prediction["result"]] == [
        ("DOHA", ["GPE"]), ("Kalin", ["ORG"]), ("Hamas", ["ORG"])]
    [annotation] = task["annotations"]
    assert annotation["completed_by"] == "ann"
    assert annotation["was_cancelled"] is False
    # rejected and undecided suggestions are not gold
    assert [(r["value"]["text"], r["value"]["labels"]) for r in annotation["result"]] == [
        ("DOHA", ["GPE"]), ("Kalin", ["PERSON"]), ("late Tuesday", ["DATE"])]
    for result in annotation["result"] + prediction["result"]:
        assert result["from_name"] == FROM_NAME and result["to_name"] == TO_NAME
        assert result["type"] == "labels"
        value = result["value"]
        assert TEXT[value["start"]:value["end"]] == value["text"]
        assert result["id"] == region_id(value["start"], value["end"], value["labels"][0])
    json.dumps(task, allow_nan=False)


def test_task_without_suggestions_or_gold_has_neither() -> None:
    task = labelstudio_task(article_row(ARTICLE), None, None)
    assert set(task) == {"data"}


def test_region_ids_are_short_stable_and_distinct() -> None:
    assert region_id(0, 4, "GPE") == region_id(0, 4, "GPE")
    assert len(region_id(0, 4, "GPE")) == 10
    assert len({region_id(0, 4, "GPE"), region_id(0, 4, "ORG"), region_id(0, 5, "GPE")}) == 3


def test_rows_of_another_article_are_refused() -> None:
    other = Article("other", "Another text.")
    with pytest.raises(ValueError, match="not about article"):
        labelstudio_task(article_row(ARTICLE), None, gold_row(other, record()))


def test_config_names_match_the_results_and_labels_are_escaped() -> None:
    config = labelstudio_config(["PERSON", "ORG", 'A "Q" <&>', "ORG"])
    root = ET.fromstring(config)
    assert root.tag == "View"
    labels = root.find("Labels")
    text = root.find("Text")
    assert labels is not None and text is not None
    assert labels.get("name") == FROM_NAME and labels.get("toName") == TO_NAME
    assert text.get("name") == TO_NAME and text.get("value") == "$" + TO_NAME
    assert [label.get("value") for label in labels] == ["PERSON", "ORG", 'A "Q" <&>']


# ------------------------------------------------------------------- reading


def test_reads_annotations_back(tmp_path: Path) -> None:
    task = labelstudio_task(article_row(ARTICLE), suggestion_row(ARTICLE, SUGGESTED),
                            gold_row(ARTICLE, GOLD))
    [item] = read_labelstudio(write(tmp_path / "ls.json", [task]))
    assert item.article.id == "doha" and item.article.text == TEXT
    assert item.article.meta["dateline"] == "DOHA"
    assert item.annotator == "ann"
    assert item.line == 2
    assert item.entities == ((*span_of(TEXT, "DOHA"), "GPE"),
                             (*span_of(TEXT, "Kalin"), "PERSON"),
                             (*span_of(TEXT, "late Tuesday"), "DATE"))
    [predicted] = read_labelstudio(tmp_path / "ls.json", predictions=True)
    assert predicted.annotator == "en_core_web_sm 3.8.0"
    assert predicted.entities == ((*span_of(TEXT, "DOHA"), "GPE"),
                                  (*span_of(TEXT, "Kalin"), "ORG"),
                                  (*span_of(TEXT, "Hamas"), "ORG"))


def test_jsonl_is_read_too(tmp_path: Path) -> None:
    tasks = [task_of("Alpha beta.", region(0, 5, "X")), task_of("Gamma.", region(0, 5, "Y"))]
    tasks[1]["id"] = 8
    items = read_labelstudio(write(tmp_path / "ls.jsonl", tasks, jsonl=True))
    assert [(i.article.id, i.line, i.entities) for i in items] == [
        ("7", 1, ((0, 5, "X"),)), ("8", 2, ((0, 5, "Y"),))]


def test_cancelled_annotations_and_other_result_types_are_skipped(tmp_path: Path) -> None:
    task = task_of("Alpha beta gamma.", region(0, 5, "X"),
                   {"type": "relation", "from_id": "a", "to_id": "b"},
                   {"type": "choices", "value": {"choices": ["ok"]}})
    task["annotations"].append({"was_cancelled": True, "completed_by": 4,
                                "result": [region(6, 10, "Y")]})
    task["annotations"].append({"completed_by": {"id": 5, "email": "e@x.org"},
                                "result": [region(6, 10, "Y", "Z", text="beta")]})
    items = read_labelstudio(write(tmp_path / "ls.json", [task]))
    assert [(i.annotator, i.entities) for i in items] == [
        ("3", ((0, 5, "X"),)), ("e@x.org", ((6, 10, "Y"), (6, 10, "Z")))]


def test_ids_text_fallbacks_and_tasks_without_annotations(tmp_path: Path) -> None:
    tasks = [
        {"id": 1, "data": {"article_id": "a-1", "id": "x", "text": "One."},
         "annotations": [{"result": []}]},
        {"id": 2, "data": {"id": 20, "body": "Two."}, "annotations": [{"result": []}]},
        {"data": {"text": "Three."}, "annotations": [{"result": []}]},
        {"id": 4, "data": {"text": "Four."}},
        {"id": 5, "data": {"text": "Five."}, "completions": [{"result": []}]},
    ]
    items = read_labelstudio(write(tmp_path / "ls.json", tasks))
    assert [(i.article.id, i.article.text, i.annotator) for i in items] == [
        ("a-1", "One.", None), ("20", "Two.", None), ("ls-3", "Three.", None),
        ("5", "Five.", None)]


def test_old_utf16_offsets_are_read_by_their_text(tmp_path: Path) -> None:
    text = "😀 Kalin met 😀 Hamas."
    # Label Studio before 1.4 counted UTF-16 units: each emoji is two
    task = task_of(text, region(3, 8, "PERSON", text="Kalin"),
                   region(16, 21, "ORG", text="Hamas"))
    [item] = read_labelstudio(write(tmp_path / "ls.json", [task]))
    assert item.entities == ((2, 7, "PERSON"), (14, 19, "ORG"))
    assert [text[s:e] for s, e, _ in item.entities] == ["Kalin", "Hamas"]


def test_crlf_text_is_normalised_and_its_spans_moved(tmp_path: Path) -> None:
    text = "One\r\nTwo\r\nDoha."
    [item] = read_labelstudio(write(tmp_path / "ls.json",
                                    [task_of(text, region(10, 14, "GPE", text="Doha"))]))
    assert item.article.text == "One\nTwo\nDoha."
    assert item.entities == ((8, 12, "GPE"),)


@pytest.mark.parametrize(("tasks", "reason"), [
    ([task_of("Text.", region(0, 4, "X")), {"id": 2, "data": {"n": 1}}],
     "task 2: the task has no text"),
    ([task_of("Text.", region(0, 9, "X"))], "task 1: annotation 1, result 1: span 0-9 is outside"),
    ([task_of("Text.", region(0, 4, "X", text="Txet"))], "not its text 'Txet'"),
    ([task_of("Text.", region(3, 3, "X"))], "outside the text"),
    ([task_of("Text.", region(0, 4))], '"labels" must be a non-empty array'),
    ([task_of("   ")], "task 1: the task's text is empty"),
    ([[1, 2]], "task 1: a task must be a JSON object"),
    ([{"data": "Text."}], '"data" must be an object'),
])
def test_bad_tasks_name_the_task_and_line(tmp_path: Path, tasks: list[Any], reason: str) -> None:
    path = write(tmp_path / "ls.json", tasks)
    with pytest.raises(InputError) as caught:
        read_labelstudio(path)
    assert reason in caught.value.reason
    assert caught.value.path == path
    assert caught.value.line is not None


def test_nan_and_broken_json_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "ls.json"
    path.write_text('[\n {"data": {"text": "A."}},\n {"data": {"text": "B.", "x": NaN}}\n]')
    with pytest.raises(InputError, match="task 2: NaN is not allowed") as caught:
        read_labelstudio(path)
    assert caught.value.line == 3
    path.write_text('[{"data": {"text": "A."}} {"data": {}}]')
    with pytest.raises(InputError, match="expected ',' or ']'"):
        read_labelstudio(path)
    path.write_text('[{"data": {"text": "A."}}] x')
    with pytest.raises(InputError, match="extra data"):
        read_labelstudio(path)
    path.write_text("")
    with pytest.raises(InputError, match="empty file"):
        read_labelstudio(path)
    jsonl = tmp_path / "ls.jsonl"
    jsonl.write_text('{"data": {"text": "A."}}\n\n{"data": {"text": 1e999}}\n')
    with pytest.raises(InputError, match="not a finite number") as caught:
        read_labelstudio(jsonl)
    assert caught.value.line == 3
    jsonl.write_text('{"data": {"text": "A."}}\n{"data": \n')
    with pytest.raises(InputError, match="invalid JSON") as caught:
        read_labelstudio(jsonl)
    assert caught.value.line == 2 and str(caught.value).startswith(f"{jsonl}:2: ")


def test_empty_array_reads_as_nothing(tmp_path: Path) -> None:
    assert read_labelstudio(write(tmp_path / "ls.json", [])) == []


# --------------------------------------------------------------- round trip

CHARS = st.sampled_from([*"ab Zé中\n", "😀", "\u0301", "\u2028", "“"])


@st.composite
def rows(draw: st.DrawFn) -> tuple[Article, AnnotationRecord, Suggestions]:
    text = normalise(draw(st.text(CHARS, min_size=1, max_size=40)))
    if not text.strip():
        text += "x"
    article = Article(draw(st.sampled_from(["doha", "7", "a b"])), text, {"k": "v"})
    bounds = st.tuples(st.integers(0, len(text)), st.integers(0, len(text))).map(sorted).filter(
        lambda b: b[0] < b[1])
    labels = st.sampled_from(["PERSON", "ORG", "GPE"])
    statuses = st.sampled_from(list(Status))
    marked = draw(st.lists(st.tuples(bounds, labels, statuses), max_size=6))
    items = {f"i{n}": EntityItem(f"i{n}", b[0], b[1], label, status, annotator="ann")
             for n, (b, label, status) in enumerate(marked)}
    rec = AnnotationRecord(article.id, "ann", article.text_hash, items)
    suggested = draw(st.lists(st.tuples(bounds, labels), max_size=6))
    sugg = Suggestions(MODEL, article.text_hash,
                       tuple(EntitySuggestion(b[0], b[1], label) for b, label in suggested), ())
    return article, rec, sugg


@settings(max_examples=150, deadline=None)
@given(rows(), st.booleans())
def test_round_trip_gives_back_gold_and_suggested_spans(
        found: tuple[Article, AnnotationRecord, Suggestions], jsonl: bool) -> None:
    article, rec, sugg = found
    task = labelstudio_task(article_row(article), suggestion_row(article, sugg),
                            gold_row(article, rec))
    gold = sorted({(i.start, i.end, i.label) for i in rec.items.values() if i.status.is_gold})
    suggested = sorted({(s.start, s.end, s.label) for s in sugg.entities})
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / ("ls.jsonl" if jsonl else "ls.json"), [task], jsonl=jsonl)
        [item] = read_labelstudio(path)
        [predicted] = read_labelstudio(path, predictions=True)
    assert item.article.id == article.id and item.article.text == article.text
    assert item.annotator == "ann"
    assert list(item.entities) == gold
    assert list(predicted.entities) == suggested
