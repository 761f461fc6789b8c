"""Prodigy's `ner_manual` task format: one annotated article as Prodigy stores it.

A task holds the `text`, its `tokens` (`text`, `start`, `end`, `id`, `ws`),
the gold `spans` (each with `token_start` and an INCLUSIVE `token_end`, as
Prodigy counts them), `answer: "accept"`, the `_input_hash` and `_task_hash`
Prodigy uses to find duplicates, and `meta`.

The tokens follow spaCy's conventions, as Prodigy's own tokens do: `ws` is
true where a single space follows a token, and any other whitespace between
tokens (a newline, a second space) is a token of its own, so that the tokens
and their `ws` spell the text exactly (`spacy.tokens.Doc(words, spaces)`).

Spans must start and end on token boundaries. Where a gold entity starts or
ends inside a token (the tokens came from another tokenizer than the one that
made the entity), that token is split at the entity boundary, so the task
always reads back to the entity offsets exactly. Whitespace at an entity's
edge is left out of its span.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any, cast

from tui.core.model import AnnotationRecord, Article

VIEW_ID = "ner_manual"
_NON_SPACE = re.compile(r"\S+")


def _hashlib_hash(text: str) -> int:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "little", signed=True)


def _load_hash() -> Callable[[str], int]:
    """spaCy's murmurhash (what Prodigy uses), else a 32-bit hash from hashlib."""
    try:
        module = importlib.import_module("murmurhash.mrmr")
    except ImportError:
        return _hashlib_hash
    return cast(Callable[[str], int], module.hash)


hash32: Callable[[str], int] = _load_hash()


def input_hash(text: str) -> int:
    """Prodigy's `_input_hash` of a task with this text: a signed 32-bit int."""
    return hash32(text)


def task_hash(text: str, spans: Sequence[dict[str, Any]]) -> int:
    """The `_task_hash`: the text and a canonical JSON of the spans, hashed to 32 bits."""
    canonical = json.dumps(list(spans), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hash32(text + canonical)


def prodigy_task(article: Article, record: AnnotationRecord,
                 tokens: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """The `ner_manual` task of `article` with the gold entities of `record`.

    `tokens` are the token spans of the text (the pipeline's, or
    `simple_tokens`), sorted and not overlapping. Only gold entities
    (accepted, corrected, added) become spans; rejected ones do not. Raises
    ValueError for an entity outside the text (a stale record) or for tokens
    that overlap or leave the text.
    """
    text = article.text
    entities: set[tuple[int, int, str]] = set()
    for item in record.items.values():
        if not item.status.is_gold:
            continue
        if not 0 <= item.start < item.end <= len(text):
            raise ValueError(f"article {article.id!r}: entity {item.label} at "
                             f"{item.start}-{item.end} is outside the text "
                             f"({len(text)} characters)")
        start, end = item.start, item.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:  # an entity of only whitespace has no token to stand on
            entities.add((start, end, item.label))
    bounds = sorted({offset for start, end, _ in entities for offset in (start, end)})
    pieces = _split_tokens(_cover(text, tokens), bounds)
    token_rows, row_of_start, row_of_end = _token_rows(text, pieces)
    spans = [
        {"start": start, "end": end, "token_start": row_of_start[start],
         "token_end": row_of_end[end], "label": label}
        for start, end, label in sorted(entities)
    ]
    return {
        "text": text,
        "tokens": token_rows,
        "spans": spans,
        "answer": "accept",
        "_input_hash": input_hash(text),
        "_task_hash": task_hash(text, spans),
        "_view_id": VIEW_ID,
        "meta": {**article.meta, "article_id": article.id, "annotator": record.annotator},
    }


def _cover(text: str, tokens: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """`tokens`, plus a token for every run of non-whitespace they leave out."""
    covered: list[tuple[int, int]] = []
    cursor = 0
    for start, end in tokens:
        if not cursor <= start < end <= len(text):
            raise ValueError(f"token {start}-{end} overlaps another, is empty or is "
                             f"outside the text ({len(text)} characters)")
        covered.extend((m.start(), m.end()) for m in _NON_SPACE.finditer(text, cursor, start))
        covered.append((start, end))
        cursor = end
    covered.extend((m.start(), m.end()) for m in _NON_SPACE.finditer(text, cursor))
    return covered


def _token_rows(text: str, pieces: Sequence[tuple[int, int]],
                ) -> tuple[list[dict[str, Any]], dict[int, int], dict[int, int]]:
    """Prodigy's token rows, spaCy-style, and the row starting / ending at each offset.

    A token followed by a single space gets `ws: true`; any other whitespace
    between tokens becomes a token of its own (as spaCy's `\n\n` tokens do),
    so the tokens and their `ws` spell the text exactly.
    """
    rows: list[dict[str, Any]] = []
    row_of_start: dict[int, int] = {}
    row_of_end: dict[int, int] = {}

    def add(start: int, end: int) -> dict[str, Any]:
        row = {"text": text[start:end], "start": start, "end": end, "id": len(rows),
               "ws": False}
        rows.append(row)
        return row

    cursor = 0
    for start, end in pieces:
        if start > cursor:
            add(cursor, start)
        row_of_start[start] = len(rows)
        row_of_end[end] = len(rows)
        row = add(start, end)
        cursor = end
        if text.startswith(" ", cursor):
            row["ws"] = True
            cursor += 1
    if cursor < len(text):
        add(cursor, len(text))
    return rows, row_of_start, row_of_end


def _split_tokens(tokens: Sequence[tuple[int, int]],
                  bounds: Sequence[int]) -> list[tuple[int, int]]:
    """`tokens`, each cut at every offset of `bounds` strictly inside it."""
    pieces: list[tuple[int, int]] = []
    for start, end in tokens:
        i = bisect_right(bounds, start)
        while i < len(bounds) and bounds[i] < end:
            pieces.append((start, bounds[i]))
            start = bounds[i]
            i += 1
        pieces.append((start, end))
    return pieces


def read_prodigy_spans(task: dict[str, Any]) -> list[tuple[int, int, str]]:
    """The `(start, end, label)` spans of a task, read by Prodigy's rules.

    A span's offsets are checked against its tokens (`token_start` to the
    inclusive `token_end`) and the tokens against the text: any disagreement
    is a ValueError.
    """
    text = task["text"]
    tokens = task["tokens"]
    for i, token in enumerate(tokens):
        if token["id"] != i or text[token["start"]:token["end"]] != token["text"]:
            raise ValueError(f"token {i} does not match the text: {token!r}")
    found: list[tuple[int, int, str]] = []
    for span in task.get("spans", []):
        first, last = span["token_start"], span["token_end"]
        if not 0 <= first <= last < len(tokens):
            raise ValueError(f"span token range {first}-{last} is not in the tokens: {span!r}")
        start, end = tokens[first]["start"], tokens[last]["end"]
        if (span["start"], span["end"]) != (start, end):
            raise ValueError(f"span offsets {span['start']}-{span['end']} disagree with its "
                             f"tokens {start}-{end}")
        found.append((start, end, str(span["label"])))
    return sorted(found)
