"""`byline export`: gold data as rows of one of the export formats.

`export_rows` turns `(article, record, suggestions)` entries (read from the
gold store by the caller) into JSON-ready rows; `tui.formats.jsonl_out`
writes them. Formats: `native` (DESIGN.md §2), `prodigy` (`ner_manual`) and
`brat` (native gold rows, which `tui.formats.brat` writes as a folder).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tui.core.model import AnnotationRecord, Article, Suggestions
from tui.core.tokens import simple_tokens
from tui.formats.doccano import doccano_relation_task, doccano_task
from tui.formats.native import gold_row
from tui.formats.prodigy import prodigy_task

#: The formats `export_rows` knows, the default first.
EXPORT_FORMATS: tuple[str, ...] = ("native", "prodigy", "brat", "doccano", "doccano-rel",
                                   "conll", "labelstudio", "spacy")
#: The formats `export_rows` makes rows of (the others are written whole by their writers).
ROW_FORMATS: tuple[str, ...] = ("native", "prodigy", "brat", "doccano", "doccano-rel")
#: Formats that hold gold spans only: no place for pending suggestions.
_GOLD_ONLY = frozenset(EXPORT_FORMATS) - {"native"}

Entry = tuple[Article, AnnotationRecord, Suggestions | None]


def check_export(fmt: str, include_pending: bool) -> None:
    """Raise ValueError (one line) unless `fmt` can be exported as asked."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
    if fmt in _GOLD_ONLY and include_pending:
        raise ValueError(f"the {fmt} format holds gold spans only: "
                         "pending suggestions can be exported as native only")


def export_rows(entries: Iterable[Entry], fmt: str,
                include_pending: bool) -> Iterator[dict[str, Any]]:
    """One row per entry in format `fmt`.

    `include_pending` adds, in the native format, the suggestions nobody has
    decided yet (`pending`, empty where an article has no suggestions). Prodigy
    tasks hold gold spans only, so asking for pending suggestions there is a
    ValueError, as is an unknown format; both are raised at the call, before
    any row is made.
    """
    check_export(fmt, include_pending)
    if fmt == "native":
        return _native_rows(entries, include_pending)
    if fmt == "brat":
        return _native_rows(entries, include_pending=False)
    if fmt == "doccano":
        return (doccano_task(row) for row in _native_rows(entries, include_pending=False))
    if fmt == "doccano-rel":
        return (doccano_relation_task(row)
                for row in _native_rows(entries, include_pending=False))
    if fmt == "prodigy":
        return _prodigy_rows(entries)
    raise ValueError(f"the {fmt} format is not written as rows")


def _native_rows(entries: Iterable[Entry], include_pending: bool) -> Iterator[dict[str, Any]]:
    for article, record, suggestions in entries:
        if not include_pending:
            yield gold_row(article, record)
        elif suggestions is None:
            yield {**gold_row(article, record), "pending": [], "pending_quotes": [],
                   "pending_meetings": []}
        else:
            yield gold_row(article, record, suggestions)


def _prodigy_rows(entries: Iterable[Entry]) -> Iterator[dict[str, Any]]:
    for article, record, suggestions in entries:
        if suggestions is not None and suggestions.text_hash == article.text_hash:
            tokens: list[tuple[int, int]] | tuple[tuple[int, int], ...] = suggestions.tokens
        else:
            tokens = simple_tokens(article.text)
        yield prodigy_task(article, record, tokens)
