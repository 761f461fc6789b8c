"""Entity suggestions for articles: one `nlp.pipe` stream over many articles.

Every article is cut into chunks of at most `MAX_CHUNK_CHARS` characters (and
never more than the pipeline's `max_length`), at paragraph breaks where
possible, then line breaks, sentence ends, whitespace, and as a last resort
anywhere. All chunks of all articles go through one `nlp.pipe` call, so
batching and `n_process` work across articles; each chunk's offset is added
back, so every token and entity offset is valid in the whole article text.
An entity is never longer than its chunk: one that straddles a cut comes out
as two pieces or not at all (cuts fall between paragraphs where they can,
which entities rarely cross).

The work per document beyond the pipeline itself is small: token offsets come
from one `Doc.to_array` call, entities from `doc.ents`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.model import Article, EntitySuggestion, Suggestions
from tui.nlp.meetings import suggest_meetings
from tui.nlp.models import LoadedModel
from tui.nlp.quotes import suggest_quotes

#: The longest piece of text given to the pipeline at once.
MAX_CHUNK_CHARS = 100_000

#: Where a long text may be cut, best level first; the cut falls just after the
#: separator, at the last one of its level that fits.
_SEPARATORS: tuple[tuple[str, ...], ...] = (("\n\n",), ("\n",), (". ", "? ", "! "), (" ", "\t"))


def split_text(text: str, limit: int) -> list[tuple[int, str]]:
    """Cut `text` into `(offset, chunk)` pieces of at most `limit` characters.

    The pieces are contiguous and cover the text exactly: joining them gives
    `text` back, and `text[offset:offset + len(chunk)] == chunk`. An empty
    text gives no pieces.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    n = len(text)
    if n <= limit:
        return [(0, text)] if text else []
    pieces: list[tuple[int, str]] = []
    pos = 0
    while n - pos > limit:
        window_end = pos + limit
        cut = -1
        for level in _SEPARATORS:
            # The last separator that ends inside the window and leaves a non-empty chunk.
            for sep in level:
                found = text.rfind(sep, pos + 1, window_end)
                if found != -1:
                    cut = max(cut, found + len(sep))
            if cut != -1:
                break
        if cut == -1:
            cut = window_end
        pieces.append((pos, text[pos:cut]))
        pos = cut
    pieces.append((pos, text[pos:]))
    return pieces


def _chunk_limit(nlp: Any) -> int:
    return max(1, min(MAX_CHUNK_CHARS, int(getattr(nlp, "max_length", MAX_CHUNK_CHARS))))


def _token_offsets(doc: Any, offset: int, attrs: list[int]) -> list[tuple[int, int]]:
    """The `(start, end)` of every non-space token of `doc`, shifted by `offset`.

    `attrs` is `[IDX, LENGTH, IS_SPACE]`: one `to_array` call, no per-token objects.
    """
    if len(doc) == 0:
        return []
    array = doc.to_array(attrs)
    kept = array[array[:, 2] == 0]
    starts = kept[:, 0].astype("int64")
    if offset:
        starts += offset
    ends = starts + kept[:, 1].astype("int64")
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _entities(doc: Any, text: str, offset: int) -> list[EntitySuggestion]:
    found: list[EntitySuggestion] = []
    for ent in doc.ents:
        start = ent.start_char + offset
        end = ent.end_char + offset
        if end > start and not text[start:end].isspace():
            found.append(EntitySuggestion(start, end, ent.label_))
    return found


def _renumbered(meetings: list[MeetingSuggestion]) -> tuple[MeetingSuggestion, ...]:
    """Event ids "e1", "e2"... in order of first mention across an article's chunks.

    Each chunk numbers its own events; `meetings` holds them with the ids
    prefixed by the chunk's number ("3:e1") so that chunks never share an event.
    """
    names: dict[str, str] = {}
    result = []
    for meeting in meetings:
        event = names.setdefault(meeting.event, f"e{len(names) + 1}")
        result.append(replace(meeting, event=event))
    return tuple(result)


def suggest(loaded: LoadedModel, articles: Iterable[Article], batch_size: int = 64,
            n_process: int = 1, layers: bool = True) -> Iterator[tuple[Article, Suggestions]]:
    """Run the pipeline over `articles` and yield each with its suggestions, in input order.

    Articles are read lazily from `articles`; an empty text gives empty
    suggestions without reaching the pipeline. With `layers` (the default) the
    same parse also yields quote and meeting suggestions (tui.nlp.quotes,
    tui.nlp.meetings); a pipeline without a parser (the rule-based fallback)
    gives entities only.
    """
    from spacy.attrs import IDX, IS_SPACE, LENGTH

    attrs = [IDX, LENGTH, IS_SPACE]
    nlp = loaded.nlp
    info = loaded.info
    limit = _chunk_limit(nlp)
    # Articles the pipeline has taken in and not yet given back: (index, article, chunks).
    pending: deque[tuple[int, Article, int]] = deque()

    def feed() -> Iterator[tuple[str, tuple[int, int]]]:
        for index, article in enumerate(articles):
            pieces = split_text(article.text, limit)
            pending.append((index, article, len(pieces)))
            for offset, chunk in pieces:
                yield chunk, (index, offset)

    def empty(article: Article) -> Suggestions:
        return Suggestions(model=info, text_hash=article.text_hash, entities=(), tokens=())

    tokens: list[tuple[int, int]] = []
    entities: list[EntitySuggestion] = []
    quotes: list[QuoteSuggestion] = []
    meetings: list[MeetingSuggestion] = []
    seen = 0
    for doc, (doc_index, offset) in nlp.pipe(feed(), as_tuples=True, batch_size=batch_size,
                                             n_process=n_process):
        while pending[0][2] == 0:
            _, article, _ = pending.popleft()
            yield article, empty(article)
        index, article, count = pending[0]
        if doc_index != index:  # pragma: no cover - nlp.pipe keeps the order
            raise RuntimeError(f"the pipeline returned article {doc_index} for article {index}")
        tokens.extend(_token_offsets(doc, offset, attrs))
        chunk_entities = _entities(doc, article.text, offset)
        entities.extend(chunk_entities)
        if layers and doc.has_annotation("DEP"):
            quotes.extend(suggest_quotes(doc, offset, chunk_entities))
            date = article.meta.get("date")
            meetings.extend(
                replace(m, event=f"{seen}:{m.event}") for m in suggest_meetings(
                    doc, offset, chunk_entities, date if isinstance(date, str) else None))
        seen += 1
        if seen == count:
            pending.popleft()
            yield article, Suggestions(model=info, text_hash=article.text_hash,
                                       entities=tuple(entities), tokens=tuple(tokens),
                                       quotes=tuple(quotes), meetings=_renumbered(meetings))
            tokens = []
            entities = []
            quotes = []
            meetings = []
            seen = 0
    while pending:
        _, article, count = pending.popleft()
        if count:  # pragma: no cover - the pipeline gave back fewer docs than it took in
            raise RuntimeError(f"the pipeline returned no result for article {article.id!r}")
        yield article, empty(article)


def suggest_one(loaded: LoadedModel, article: Article) -> Suggestions:
    """The suggestions for one article (for the app's worker)."""
    for _, suggestions in suggest(loaded, [article], batch_size=1):
        return suggestions
    raise RuntimeError("suggest gave no result")  # pragma: no cover
