"""What an importer reads from another tool's file: articles and the spans marked on them.

Every importer (`tui.formats.doccano`, `tui.formats.labelstudio`, ...) returns a
list of `ImportedArticle`, or raises `tui.formats.errors.InputError` naming the
file and line of the first bad record; it never returns part of a file.
`byline import` then writes them to the gold store, as gold decisions of an
annotator or as a model's suggestions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.model import Article
from tui.core.text import normalise


@dataclass(frozen=True)
class ImportedArticle:
    """One article of an imported file.

    `article.text` is normalised as byline reads every text
    (`tui.core.text.normalise`); `entities` are `(start, end, label)` in code
    points of that text, end exclusive, sorted. `line` is where the record
    starts in its file (1-based), for messages. `annotator` is who marked the
    spans, where the file says.
    """

    article: Article
    entities: tuple[tuple[int, int, str], ...]
    line: int | None = None
    annotator: str | None = None
    quotes: tuple[QuoteSuggestion, ...] = ()
    meetings: tuple[MeetingSuggestion, ...] = ()


def normalised(text: str, spans: Sequence[tuple[int, int, str]]
               ) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """`text` normalised as byline reads texts, and `spans` moved onto it.

    Normalisation (CRLF to LF, NFC, control characters replaced) can change
    the text's length; each span keeps exactly the characters it covered.
    Raises ValueError (one line) for a span out of range or one whose boundary
    falls inside a sequence normalisation joins (inside a CRLF, before a
    combining mark).
    """
    for start, end, label in spans:
        if not 0 <= start < end <= len(text):
            raise ValueError(f"span {start}-{end} ({label}) is outside the text "
                             f"(length {len(text)}) or empty")
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    position = {0: 0}
    pieces: list[str] = []
    length = 0
    for start, end in pairwise(cuts):
        piece = normalise(text[start:end])
        pieces.append(piece)
        length += len(piece)
        position[end] = length
    joined = "".join(pieces)
    if joined != normalise(text):
        raise ValueError("a span boundary falls inside characters that normalisation joins "
                         "(a CRLF line end or a combining mark)")
    moved = tuple(sorted((position[s], position[e], label) for s, e, label in spans))
    return joined, moved
