"""CoNLL-2003-style column files: one token a line, IOB2 entity tags.

`conll_document` writes one article as

    -DOCSTART- -X- -X- O
    <blank>
    TOKEN _ _ TAG
    ...
    <blank>

four space-separated columns as in CoNLL-2003 (token, part of speech, chunk,
entity tag), the two middle ones `_` since byline has neither. Tags are IOB2
(`B-` opens every entity, `I-` continues it, `O` is outside) with byline's
labels as they are (`B-PERSON`, `B-GPE`, ...): they are NOT mapped to
CoNLL-2003's PER/ORG/LOC/MISC. A blank line ends each sentence and the
document, so documents can be concatenated as they are.

- Tokens are the ones given (the spaCy pipeline's, cached with the
  suggestions), else `simple_tokens(text)`. Whitespace-only tokens (spaCy's
  `\\n\\n`) are skipped; text no token covers that is not whitespace becomes
  tokens of its own; a token holding whitespace (which neither tokenizer
  makes, but a column file could not hold) is split at it.
- A sentence ends at a newline in the text and after a token `.`, `!` or
  `?`, but never inside an entity (a blank line there would cut it in two).
- Only gold entities are tagged. An entity whose boundaries are not token
  boundaries is extended to the whole tokens it touches; an entity that then
  shares a token with an earlier one (by start) is left out, since IOB2
  cannot tag a token twice.

`read_conll` reads such a file back (for tests and round trips) and
`iob_spans` turns a sentence's tags into token ranges.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tui.core.tokens import simple_tokens

DOCSTART = "-DOCSTART- -X- -X- O"
_SENTENCE_END = frozenset({".", "!", "?"})
_NON_SPACE = re.compile(r"\S+")


def _tokens(text: str, given: Sequence[tuple[int, int]] | None) -> list[tuple[int, int]]:
    """Sorted, non-whitespace tokens covering every non-whitespace character of `text`."""
    raw = simple_tokens(text) if given is None else sorted(given)
    out: list[tuple[int, int]] = []
    cursor = 0
    for start, end in raw:
        if not cursor <= start < end <= len(text):
            raise ValueError(f"token {start}-{end} overlaps another, is empty or is "
                             f"outside the text ({len(text)} characters)")
        out.extend((m.start(), m.end()) for m in _NON_SPACE.finditer(text, cursor, start))
        out.extend((m.start(), m.end()) for m in _NON_SPACE.finditer(text, start, end))
        cursor = end
    out.extend((m.start(), m.end()) for m in _NON_SPACE.finditer(text, cursor))
    return out


def _tags(tokens: Sequence[tuple[int, int]], entities: Sequence[tuple[int, int, str]]
          ) -> list[str]:
    tags = ["O"] * len(tokens)
    for start, end, label in sorted(entities):
        touched = [i for i, (s, e) in enumerate(tokens) if s < end and start < e]
        if not touched or any(tags[i] != "O" for i in touched):
            continue
        tags[touched[0]] = f"B-{label}"
        for i in touched[1:]:
            tags[i] = f"I-{label}"
    return tags


def conll_document(row: dict[str, Any], tokens: Sequence[tuple[int, int]] | None = None) -> str:
    """The CoNLL lines of a native gold row (`tui.formats.native.gold_row`).

    `tokens` are `(start, end)` token spans of the row's text (sorted, not
    overlapping), or None for `simple_tokens`. Raises ValueError for tokens
    that overlap or leave the text, or an entity outside the text.
    """
    text: str = row["text"]
    entities: list[tuple[int, int, str]] = []
    for e in row["entities"]:
        start, end, label = int(e["start"]), int(e["end"]), str(e["label"])
        if not 0 <= start < end <= len(text):
            raise ValueError(f"article {row['id']!r}: entity {label} at {start}-{end} is "
                             f"outside the text ({len(text)} characters)")
        if any(c.isspace() for c in label):
            raise ValueError(f"article {row['id']!r}: label {label!r} holds whitespace")
        entities.append((start, end, label))
    spans = _tokens(text, tokens)
    tags = _tags(spans, entities)
    lines = [DOCSTART, ""]
    previous_end: int | None = None
    for (start, end), tag in zip(spans, tags, strict=True):
        if previous_end is not None and not tag.startswith("I-") and lines[-1] != "" and (
                "\n" in text[previous_end:start] or _ends_sentence(lines[-1])):
            lines.append("")
        lines.append(f"{text[start:end]} _ _ {tag}")
        previous_end = end
    if lines[-1] != "":
        lines.append("")
    return "\n".join(lines) + "\n"


def _ends_sentence(line: str) -> bool:
    return line.split(" ", 1)[0] in _SENTENCE_END


def read_conll(content: str) -> list[list[list[tuple[str, str]]]]:
    """Documents, each a list of sentences, each a list of `(token, tag)`.

    Raises ValueError for a line that does not have four columns.
    """
    documents: list[list[list[tuple[str, str]]]] = []
    sentence: list[tuple[str, str]] = []
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            if sentence:
                if not documents:
                    documents.append([])
                documents[-1].append(sentence)
                sentence = []
            continue
        if line == DOCSTART:
            documents.append([])
            continue
        columns = line.split(" ")
        if len(columns) != 4:
            raise ValueError(f"line {number}: expected 4 columns, not {len(columns)}: {line!r}")
        sentence.append((columns[0], columns[3]))
    if sentence:
        if not documents:
            documents.append([])
        documents[-1].append(sentence)
    return documents


def iob_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """`(first, end, label)` token ranges (end exclusive) of a sentence's IOB2 tags.

    Raises ValueError for an `I-` tag that continues no entity of its label.
    """
    spans: list[tuple[int, int, str]] = []
    open_at: int | None = None
    label = ""
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and open_at is not None and tag[2:] == label:
            continue
        if open_at is not None:
            spans.append((open_at, i, label))
            open_at = None
        if tag.startswith("B-"):
            open_at, label = i, tag[2:]
        elif tag != "O":
            raise ValueError(f"tag {tag!r} at token {i} is not O and continues no entity")
    if open_at is not None:
        spans.append((open_at, len(tags), label))
    return spans


def read_conll_spans(document: str) -> list[tuple[str, str]]:
    """`(label, tokens joined by spaces)` of every entity of the documents, in order."""
    found: list[tuple[str, str]] = []
    for doc in read_conll(document):
        for sentence in doc:
            tokens = [token for token, _ in sentence]
            found.extend((label, " ".join(tokens[s:e]))
                         for s, e, label in iob_spans([tag for _, tag in sentence]))
    return found
