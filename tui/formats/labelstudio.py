"""Label Studio's JSON tasks for its text-NER "Labels" template: writing and reading.

`labelstudio_task` makes one task of an article: `data` (`text`,
`article_id`, `meta`), `predictions` from byline's suggestions (one
prediction, `model_version` "NAME VERSION", so they can be reviewed in Label
Studio) and `annotations` from a gold row (the kept entities, `completed_by`
the annotator). Every result is `{"id", "from_name": "label", "to_name":
"text", "type": "labels", "value": {"start", "end", "text", "labels"}}`, the
names of `labelstudio_config`'s XML.

`read_labelstudio` reads Label Studio's JSON export (a JSON array of tasks) or
JSONL (one task a line) and returns one `ImportedArticle` per task and
annotation:

- cancelled annotations (`"was_cancelled": true`) are skipped, and a task
  without annotations gives nothing; `predictions=True` reads the
  predictions instead (their annotator is the `model_version`). Old exports'
  `completions` are read where `annotations` is absent.
- only results of `type` "labels" are entities (one per label of a region);
  other result types (relations, choices, ...) are ignored.
- the text is `data.text`, or, where a task has no `text` key, the first
  string value of `data` (for a config naming its text otherwise).
- the id is `data.article_id`, else `data.id`, else the task's `id`, else
  `STEM-N` (N the task's position, 1-based).
- the annotator is `completed_by` as a string: an integer user id, or the
  `email` (else `id`) of a user object.
- offsets are code points (Label Studio since 1.4). A region whose
  `value.text` is not the text at its code-point offsets but is at its UTF-16
  offsets (older Label Studio, texts with emoji) is read by UTF-16 offsets.

Strict: invalid JSON, NaN or Infinity, a task without text, a span out of
range or not on its `value.text` raise `InputError` naming the file and the
line where the bad task starts; in a JSON array the reason also names the
task (`task 12: ...`, 1-based). A file is read whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from tui.core.model import Article
from tui.core.names import BadName, clean_id, clean_name
from tui.formats.errors import InputError
from tui.formats.imported import ImportedArticle, normalised
from tui.formats.readers import (
    SURROGATE,
    MetaError,
    NotFiniteError,
    clean_meta,
    finite_float,
    json_type,
    read_text_file,
    reject_constant,
    shown_name,
)

FROM_NAME = "label"
TO_NAME = "text"
RESULT_TYPE = "labels"


# ----------------------------------------------------------------- writing


def region_id(start: int, end: int, label: str) -> str:
    """A short id for a region, stable across runs (the same span and label, the same id)."""
    digest = hashlib.sha256(f"{start}:{end}:{label}".encode()).hexdigest()
    return digest[:10]


def _results(text: str, entities: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[int, int, str]] = set()
    results: list[dict[str, Any]] = []
    for entity in entities:
        start, end, label = int(entity["start"]), int(entity["end"]), str(entity["label"])
        if not 0 <= start < end <= len(text):
            raise ValueError(f"entity {label} at {start}-{end} is outside the text "
                             f"({len(text)} characters)")
        if (start, end, label) in seen:
            continue
        seen.add((start, end, label))
        results.append({
            "id": region_id(start, end, label), "from_name": FROM_NAME, "to_name": TO_NAME,
            "type": RESULT_TYPE,
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
        })
    results.sort(key=lambda r: (r["value"]["start"], r["value"]["end"], r["value"]["labels"]))
    return results


def _same_article(article_row: dict[str, Any], other: dict[str, Any], what: str) -> None:
    if other.get("id") != article_row["id"] or other.get("text") != article_row["text"]:
        raise ValueError(f"the {what} row is not about article {article_row['id']!r} "
                         "(its id or text differs)")


def labelstudio_task(article_row: dict[str, Any], suggestion_row: dict[str, Any] | None,
                     gold_row: dict[str, Any] | None) -> dict[str, Any]:
    """The Label Studio task of one article (a native row: `id`, `text`, `meta`).

    `suggestion_row` (what `byline suggest` writes) becomes the task's one
    prediction; `gold_row` (what `byline export` writes) its one annotation,
    of the kept entities only (`entities`, not `rejected` or `pending`).
    Raises ValueError where a row is about another article or text, or an
    entity lies outside the text.
    """
    text: str = article_row["text"]
    task: dict[str, Any] = {
        "data": {"text": text, "article_id": article_row["id"],
                 "meta": dict(article_row.get("meta") or {})},
    }
    if suggestion_row is not None:
        _same_article(article_row, suggestion_row, "suggestion")
        model = suggestion_row.get("model") or {}
        version = f"{model.get('name', '')} {model.get('version', '')}".strip()
        task["predictions"] = [{
            "model_version": version,
            "result": _results(text, suggestion_row.get("entities", [])),
        }]
    if gold_row is not None:
        _same_article(article_row, gold_row, "gold")
        annotator = (gold_row.get("meta") or {}).get("annotator")
        task["annotations"] = [{
            "completed_by": annotator,
            "was_cancelled": False,
            "ground_truth": False,
            "result": _results(text, gold_row.get("entities", [])),
        }]
    return task


def labelstudio_config(labels: Sequence[str]) -> str:
    """The labelling config (XML) to paste into a Label Studio project for these tasks."""
    lines = ["<View>", f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">']
    lines += [f"    <Label value={quoteattr(label)}/>" for label in dict.fromkeys(labels)]
    lines += ["  </Labels>", f'  <Text name="{TO_NAME}" value="${TO_NAME}"/>', "</View>"]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- reading


class _TaskError(ValueError):
    """A bad task: its reason, without file or line."""


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_constant=reject_constant, parse_float=finite_float)


def _line_at(content: str, pos: int) -> int:
    return content.count("\n", 0, pos) + 1


def _json_error(path: Path, error: Exception, content: str, pos: int | None,
                prefix: str = "") -> InputError:
    if isinstance(error, NotFiniteError):
        reason = f"{error} is not allowed (not a finite number)"
    elif isinstance(error, json.JSONDecodeError):
        reason = f"invalid JSON: {error.msg} (column {error.colno})"
        pos = error.pos
    elif isinstance(error, RecursionError):
        reason = "invalid JSON: nested too deeply"
    else:
        reason = f"invalid JSON: {error}"
    line = _line_at(content, pos) if pos is not None else None
    return InputError(shown_name(path), prefix + reason, line)


def _tasks(path: Path, content: str) -> list[tuple[Any, int, str]]:
    """Every task of the file: (task, line where it starts, reason prefix)."""
    decoder = _decoder()
    stripped = content.lstrip()
    found: list[tuple[Any, int, str]] = []
    if stripped.startswith("["):
        pos = len(content) - len(stripped) + 1
        index = 0
        while True:
            while pos < len(content) and content[pos].isspace():
                pos += 1
            if content.startswith("]", pos) and index == 0:
                pos += 1
                break
            index += 1
            prefix = f"task {index}: "
            try:
                task, end = decoder.raw_decode(content, pos)
            except (ValueError, RecursionError) as error:
                raise _json_error(path, error, content, pos, prefix) from None
            found.append((task, _line_at(content, pos), prefix))
            pos = end
            while pos < len(content) and content[pos].isspace():
                pos += 1
            if content.startswith(",", pos):
                pos += 1
                continue
            if content.startswith("]", pos):
                pos += 1
                break
            raise InputError(shown_name(path), f"{prefix}invalid JSON: expected ',' or ']' "
                             "after the task", _line_at(content, pos))
        if content[pos:].strip():
            raise InputError(shown_name(path), "invalid JSON: extra data after the array",
                             _line_at(content, pos))
        return found
    lines = content.split("\n")  # not splitlines(): U+2028 and friends are valid in JSON
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            task = decoder.decode(line)
        except (ValueError, RecursionError) as error:
            raised = _json_error(path, error, line, None)
            raise InputError(raised.path, raised.reason, number) from None
        found.append((task, number, ""))
    return found


def read_labelstudio(path: Path, *, predictions: bool = False) -> list[ImportedArticle]:
    """The annotations (or, with `predictions`, the predictions) of a Label Studio export."""
    path = Path(path)
    content = read_text_file(path)
    stem = shown_name(path.stem)
    source = shown_name(path)
    articles: list[ImportedArticle] = []
    for index, (task, line, prefix) in enumerate(_tasks(path, content), start=1):
        try:
            articles.extend(_read_task(task, line, f"{stem}-{index}", source, predictions))
        except _TaskError as error:
            raise InputError(source, f"{prefix}{error}", line) from None
    return articles


def _read_task(task: Any, line: int, default_id: str, source: str,
               predictions: bool) -> list[ImportedArticle]:
    if not isinstance(task, dict):
        raise _TaskError(f"a task must be a JSON object, not {json_type(task)}")
    data = task.get("data")
    if not isinstance(data, dict):
        raise _TaskError(f'"data" must be an object, not {json_type(data)}')
    text = _text_of(data)
    article_id = _id_of(data, task, default_id)
    raw_meta = data.get("meta")
    meta: dict[str, Any] = {}
    if isinstance(raw_meta, dict):
        try:
            meta = clean_meta(raw_meta)
        except MetaError as error:
            raise _TaskError(str(error)) from None
    meta.setdefault("source", source)
    key = "predictions" if predictions else "annotations"
    marks = task.get(key)
    if marks is None and not predictions:
        marks = task.get("completions")
    if marks is None:
        marks = []
    if not isinstance(marks, list):
        raise _TaskError(f'"{key}" must be an array, not {json_type(marks)}')
    found: list[ImportedArticle] = []
    for number, mark in enumerate(marks, start=1):
        what = f"{key[:-1]} {number}"
        if not isinstance(mark, dict):
            raise _TaskError(f"{what} must be an object, not {json_type(mark)}")
        if mark.get("was_cancelled") is True:
            continue
        spans = _spans(text, mark.get("result", []), what)
        try:
            norm_text, entities = normalised(text, spans)
        except ValueError as error:
            raise _TaskError(f"{what}: {error}") from None
        who = _model_of(mark) if predictions else _annotator_of(mark.get("completed_by"))
        found.append(ImportedArticle(Article(article_id, norm_text, dict(meta)),
                                     tuple(dict.fromkeys(entities)), line, who))
    return found


def _text_of(data: dict[str, Any]) -> str:
    if "text" in data:
        text = data["text"]
        if not isinstance(text, str):
            raise _TaskError(f'"data.text" must be a string, not {json_type(text)}')
    else:
        text = next((v for v in data.values() if isinstance(v, str)), None)
        if text is None:
            raise _TaskError('the task has no text (no "data.text", no string in "data")')
    if not text.strip():
        raise _TaskError("the task's text is empty")
    surrogate = SURROGATE.search(text)
    if surrogate is not None:
        raise _TaskError(f"the text holds an unpaired surrogate (U+{ord(surrogate.group()):04X})")
    return text


def _id_of(data: dict[str, Any], task: dict[str, Any], default: str) -> str:
    for where, raw in (("data.article_id", data.get("article_id")), ("data.id", data.get("id")),
                       ("id", task.get("id"))):
        if raw is None:
            continue
        try:
            return clean_id(raw, f'"{where}"')
        except BadName as error:
            raise _TaskError(str(error)) from None
    return default


def _annotator_of(completed_by: Any) -> str | None:
    """Who completed an annotation: a user id, or a user object's email (else id), cleaned
    as every name is (`tui.core.names`)."""
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email") or completed_by.get("id")
    if completed_by is None or isinstance(completed_by, bool):
        return None
    if isinstance(completed_by, str | int):
        return _name(str(completed_by), '"completed_by"')
    raise _TaskError(f'"completed_by" must be a user id or object, not '
                     f"{json_type(completed_by)}")


def _model_of(prediction: dict[str, Any]) -> str | None:
    version = prediction.get("model_version")
    return _name(version, '"model_version"') if isinstance(version, str) and version else None


def _name(raw: Any, what: str) -> str:
    try:
        return clean_name(raw, what)
    except BadName as error:
        raise _TaskError(str(error)) from None


def _spans(text: str, results: Any, what: str) -> list[tuple[int, int, str]]:
    if not isinstance(results, list):
        raise _TaskError(f'{what}: "result" must be an array, not {json_type(results)}')
    spans: list[tuple[int, int, str]] = []
    for number, result in enumerate(results, start=1):
        where = f"{what}, result {number}"
        if not isinstance(result, dict):
            raise _TaskError(f"{where} must be an object, not {json_type(result)}")
        if result.get("type") != RESULT_TYPE:
            continue
        value = result.get("value")
        if not isinstance(value, dict):
            raise _TaskError(f'{where}: "value" must be an object, not {json_type(value)}')
        start, end, labels = value.get("start"), value.get("end"), value.get("labels")
        if (not isinstance(start, int) or not isinstance(end, int)
                or isinstance(start, bool) or isinstance(end, bool)):
            raise _TaskError(f'{where}: "start" and "end" must be integers')
        if not isinstance(labels, list) or not labels:
            raise _TaskError(f'{where}: "labels" must be a non-empty array of labels')
        cleaned = [_name(label, f'{where}: label') for label in labels]
        start, end = _offsets(text, start, end, value.get("text"), where)
        spans.extend((start, end, label) for label in cleaned)
    return spans


def _offsets(text: str, start: int, end: int, marked: Any, where: str) -> tuple[int, int]:
    """`start` and `end` as code points of `text`, checked against the region's `text`."""
    if marked is not None and not isinstance(marked, str):
        raise _TaskError(f'{where}: "text" must be a string, not {json_type(marked)}')
    if 0 <= start < end <= len(text) and (marked is None or text[start:end] == marked):
        return start, end
    if marked is not None:
        moved = _from_utf16(text, start, end)
        if moved is not None and text[moved[0]:moved[1]] == marked:
            return moved
    if not 0 <= start < end <= len(text):
        raise _TaskError(f"{where}: span {start}-{end} is outside the text "
                         f"(length {len(text)}) or empty")
    raise _TaskError(f"{where}: span {start}-{end} is {text[start:end]!r} in the text, "
                     f"not its text {marked!r}")


def _from_utf16(text: str, start: int, end: int) -> tuple[int, int] | None:
    """UTF-16 offsets `start`, `end` of `text` as code points (None where not on boundaries)."""
    if all(ord(c) < 0x10000 for c in text):
        return None
    index: dict[int, int] = {}
    units = 0
    for i, char in enumerate(text):
        index[units] = i
        units += 2 if ord(char) >= 0x10000 else 1
    index[units] = len(text)
    if start in index and end in index and index[start] < index[end]:
        return index[start], index[end]
    return None
