"""Reading Prodigy's JSONL annotations (`ner`, `ner_manual`, `spans` tasks) as gold.

A task is one JSON object a line: `text` (required), `spans` (`start`, `end`,
`label`, maybe `token_start` / `token_end` and `text`), `answer`, `meta`,
`tokens`, `_input_hash`, `_annotator_id`, `_session_id`, ... as `prodigy
db-out` writes them.

- Only tasks answered "accept", or without an answer, are gold; "reject" and
  "ignore" tasks are skipped and counted (`ProdigyRead.skipped`). Any other
  answer is an error. An accepted binary `ner` task (ner.teach) says only that
  its span is right: it is read like the others, as the spans it holds.
- The id is `meta.article_id` (what byline's own export writes), else
  `meta.id`, else `STEM-LINE`.
- The annotator is `_annotator_id`, else `_session_id`, else `meta.annotator`.
- A span's `start` and `end` are code points of the text; where the span
  also gives `token_start` / `token_end` (inclusive, as Prodigy counts) and
  the task has `tokens`, they must agree, and a span's `text`, if given, must
  be the text at its offsets.

Strict like `tui.formats.readers`: invalid JSON, NaN, a task without text, a
span out of range or off its tokens or text raise `InputError` naming the
file and line; nothing is returned for a bad file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tui.core.model import Article
from tui.core.names import BadName, clean_id, clean_name, shown, type_name
from tui.formats.errors import InputError
from tui.formats.imported import ImportedArticle, normalised
from tui.formats.readers import (
    MetaError,
    clean_meta,
    json_type,
    parse_json_line,
    read_text_file,
    shown_name,
    text_problem,
)

GOLD_ANSWERS = frozenset({"accept"})
SKIPPED_ANSWERS = ("reject", "ignore")


class ProdigyRead(list[ImportedArticle]):
    """The gold articles of a Prodigy file (a list, in file order), and what was skipped.

    `skipped` counts the tasks left out by answer: `{"reject": n, "ignore": m}`.
    """

    def __init__(self, articles: Iterable[ImportedArticle] = (),
                 skipped: dict[str, int] | None = None) -> None:
        super().__init__(articles)
        self.skipped: dict[str, int] = dict(skipped or dict.fromkeys(SKIPPED_ANSWERS, 0))

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())


class _TaskError(ValueError):
    """A bad task: its reason, without file or line."""


def read_prodigy(path: Path) -> ProdigyRead:
    """The accepted tasks of a Prodigy JSONL file; raises `InputError`."""
    path = Path(path)
    content = read_text_file(path)
    lines = content.split("\n")  # not splitlines(): U+2028 and friends are valid in JSON
    truncated = not content.endswith("\n")
    stem = shown_name(path.stem)
    source = shown_name(path)
    result = ProdigyRead()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        task = parse_json_line(path, line, number, truncated and number == len(lines))
        try:
            article = _read_task(task, number, f"{stem}-{number}", source)
        except _TaskError as error:
            raise InputError(source, str(error), number) from None
        if isinstance(article, str):
            result.skipped[article] += 1
        else:
            result.append(article)
    return result


def _read_task(task: Any, number: int, default_id: str, source: str) -> ImportedArticle | str:
    """The task's article, or the answer it was skipped for."""
    if not isinstance(task, dict):
        raise _TaskError(f"not a JSON object ({json_type(task)})")
    answer = task.get("answer")
    if answer is not None and not (isinstance(answer, str) and answer in GOLD_ANSWERS):
        if isinstance(answer, str) and answer in SKIPPED_ANSWERS:
            return answer
        shown_answer = shown(answer) if isinstance(answer, str) else type_name(answer)
        raise _TaskError(f'"answer" must be "accept", "reject" or "ignore", not {shown_answer}')
    if "text" not in task:
        raise _TaskError('missing "text"')
    text = task["text"]
    problem = text_problem(text)
    if problem is not None:
        raise _TaskError(problem)
    raw_meta = task.get("meta")
    if raw_meta is None:
        raw_meta = {}
    elif not isinstance(raw_meta, dict):
        raise _TaskError(f'"meta" must be an object, not {json_type(raw_meta)}')
    try:
        meta = clean_meta(raw_meta)
    except MetaError as error:
        raise _TaskError(str(error)) from None
    article_id = _id_of(raw_meta, default_id)
    meta.setdefault("source", source)
    spans = _spans(text, task)
    try:
        norm_text, entities = normalised(text, spans)
    except ValueError as error:
        raise _TaskError(str(error)) from None
    return ImportedArticle(Article(article_id, norm_text, meta), tuple(dict.fromkeys(entities)),
                           number, _annotator_of(task, raw_meta))


def _id_of(meta: dict[str, Any], default: str) -> str:
    """`meta.article_id`, else `meta.id` (of the task's own meta), else `default`."""
    for key in ("article_id", "id"):
        raw = meta.get(key)
        if raw is None:
            continue
        try:
            return clean_id(raw, f'"meta.{key}"')
        except BadName as error:
            raise _TaskError(str(error)) from None
    return default


def _annotator_of(task: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """The first of `_annotator_id`, `_session_id`, `meta.annotator` that is given (not
    null), cleaned as every name is (`tui.core.names`): a blank or non-string one is an
    error, as in every reader."""
    for key, raw in (("_annotator_id", task.get("_annotator_id")),
                     ("_session_id", task.get("_session_id")),
                     ("meta.annotator", meta.get("annotator"))):
        if raw is not None:
            try:
                return clean_name(raw, f'"{key}"')
            except BadName as error:
                raise _TaskError(str(error)) from None
    return None


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _spans(text: str, task: dict[str, Any]) -> list[tuple[int, int, str]]:
    raw_spans = task.get("spans")
    if raw_spans is None:
        return []
    if not isinstance(raw_spans, list):
        raise _TaskError(f'"spans" must be an array, not {json_type(raw_spans)}')
    tokens = task.get("tokens")
    if tokens is not None and not isinstance(tokens, list):
        raise _TaskError(f'"tokens" must be an array, not {json_type(tokens)}')
    found: list[tuple[int, int, str]] = []
    for number, span in enumerate(raw_spans, start=1):
        where = f"span {number}"
        if not isinstance(span, dict):
            raise _TaskError(f"{where} must be an object, not {json_type(span)}")
        start, end, label = span.get("start"), span.get("end"), span.get("label")
        if not isinstance(start, int) or not isinstance(end, int) or not (
                _int(start) and _int(end)):
            raise _TaskError(f'{where}: "start" and "end" must be integers')
        try:
            label = clean_name(label, f'{where}: "label"')
        except BadName as error:
            raise _TaskError(str(error)) from None
        if not 0 <= start < end <= len(text):
            raise _TaskError(f"{where}: {start}-{end} ({label}) is outside the text "
                             f"(length {len(text)}) or empty")
        marked = span.get("text")
        if marked is not None and marked != text[start:end]:
            raise _TaskError(f"{where}: {start}-{end} is {text[start:end]!r} in the text, "
                             f"not its text {marked!r}")
        if tokens is not None and ("token_start" in span or "token_end" in span):
            _check_tokens(text, tokens, span, start, end, where)
        found.append((start, end, label))
    return found


def _token_offsets(text: str, tokens: list[Any], i: int) -> tuple[int, int]:
    token = tokens[i]
    if not isinstance(token, dict):
        raise _TaskError(f"token {i} must be an object, not {json_type(token)}")
    start, end = token.get("start"), token.get("end")
    if not isinstance(start, int) or not isinstance(end, int) or not (_int(start) and _int(end)):
        raise _TaskError(f'token {i}: "start" and "end" must be integers')
    if "text" in token and text[start:end] != token["text"]:
        raise _TaskError(f"token {i} does not match the text: {token!r}")
    return start, end


def _check_tokens(text: str, tokens: list[Any], span: dict[str, Any], start: int, end: int,
                  where: str) -> None:
    """The span's `token_start` to (inclusive) `token_end` must cover exactly `start`-`end`."""
    first, last = span.get("token_start"), span.get("token_end")
    if not isinstance(first, int) or not isinstance(last, int) or not (
            _int(first) and _int(last)):
        raise _TaskError(f'{where}: "token_start" and "token_end" must be integers')
    if not 0 <= first <= last < len(tokens):
        raise _TaskError(f"{where}: tokens {first}-{last} are not in the task's "
                         f"{len(tokens)} tokens")
    covered = _token_offsets(text, tokens, first)[0], _token_offsets(text, tokens, last)[1]
    if covered != (start, end):
        raise _TaskError(f"{where}: offsets {start}-{end} disagree with its tokens "
                         f"{covered[0]}-{covered[1]}")
