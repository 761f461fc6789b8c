"""Reading byline's own native JSONL (DESIGN.md §2) for `byline import`: another
model's suggestions, or gold data from another byline, with their layers."""

from __future__ import annotations

from pathlib import Path

from tui.core.evaluate import parse_row
from tui.core.layers import MeetingSuggestion, QuoteSuggestion, value_spans
from tui.core.names import BadName, clean_name
from tui.formats.errors import InputError
from tui.formats.imported import ImportedArticle, normalised
from tui.formats.readers import read_jsonl_rows, shown_name


def read_native(path: Path) -> list[ImportedArticle]:
    """Every row of a native JSONL file with its entities, quotes and meetings.

    Raises `InputError` naming the file and line of the first bad row: bad
    JSON, no text, a span out of range, or layers on a text that byline's
    normalisation changes (its quotes' and meetings' offsets could not be
    kept; entities are moved onto the normalised text).
    """
    imported: list[ImportedArticle] = []
    name = shown_name(path)
    for article, obj, number in read_jsonl_rows(path):
        try:
            row = parse_row({**obj, "id": article.id})
        except ValueError as error:
            raise InputError(name, str(error), number) from None
        raw_text = obj["text"]
        try:
            text, entities = normalised(raw_text, [(e.start, e.end, e.label)
                                                   for e in row.entities])
        except ValueError as error:
            raise InputError(name, str(error), number) from None
        if text != raw_text and (row.quotes or row.meetings):
            raise InputError(name, "the text changes when normalised (CRLF, decomposed "
                                   "characters or control characters), so the offsets of "
                                   "its quotes and meetings cannot be kept", number)
        values: list[QuoteSuggestion | MeetingSuggestion] = [*row.quotes, *row.meetings]
        for value in values:
            if any(not 0 <= s.start < s.end <= len(text) for s in value_spans(value)):
                raise InputError(name, "a quote or meeting span is outside the text",
                                 number)
        try:
            annotator = _annotator(obj)
        except BadName as error:
            raise InputError(name, str(error), number) from None
        imported.append(ImportedArticle(article=article, entities=entities, line=number,
                                        annotator=annotator, quotes=row.quotes,
                                        meetings=row.meetings))
    return imported


def _annotator(obj: dict[str, object]) -> str | None:
    """`meta.annotator`, cleaned as every name is (`tui.core.names`); None where absent."""
    meta = obj.get("meta")
    if not isinstance(meta, dict) or meta.get("annotator") is None:
        return None
    return clean_name(meta["annotator"], '"meta.annotator"')
