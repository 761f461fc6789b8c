"""Entity suggestions for articles: one `nlp.pipe` stream over many articles.

Every article is cut into chunks of at most `MAX_CHUNK_CHARS` characters (and
never more than the pipeline's `max_length`), at paragraph breaks where
possible, then line breaks, sentence ends, whitespace, and as a last resort
anywhere. All chunks of all articles go through one `nlp.pipe` stream, so
batching works across articles; with `n_process` above 1, worker processes
each parse and analyse whole batches of chunks and send back only the results
(not the docs). Each chunk's offset is added back, so every token and entity
offset is valid in the whole article text.
An entity is never longer than its chunk: one that straddles a cut comes out
as two pieces or not at all (cuts fall between paragraphs where they can,
which entities rarely cross).

The work per document beyond the pipeline itself is small: token offsets come
from one `Doc.to_array` call, entities from `doc.ents`.
"""

from __future__ import annotations

import os
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


def _entities(doc: Any, text: str, offset: int, local: bool = False) -> list[EntitySuggestion]:
    """The entities of `doc` in article offsets; `text` is the article's (or, with `local`,
    the chunk's)."""
    found: list[EntitySuggestion] = []
    for ent in doc.ents:
        start = ent.start_char + offset
        end = ent.end_char + offset
        shown = text[ent.start_char:ent.end_char] if local else text[start:end]
        if end > start and not shown.isspace():
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


#: One chunk's results: token offsets, entities, quotes and meetings, in article offsets.
ChunkResult = tuple[list[tuple[int, int]], list[EntitySuggestion], list[QuoteSuggestion],
                    list[MeetingSuggestion]]


def _analyse(doc: Any, offset: int, date: str | None, layers: bool,
             attrs: list[int]) -> ChunkResult:
    """What one chunk's doc gives: everything the article needs from it."""
    tokens = _token_offsets(doc, offset, attrs)
    entities = _entities(doc, doc.text, offset, local=True)
    quotes: list[QuoteSuggestion] = []
    meetings: list[MeetingSuggestion] = []
    if layers and doc.has_annotation("DEP"):
        quotes = suggest_quotes(doc, offset, entities)
        meetings = suggest_meetings(doc, offset, entities, date)
    return tokens, entities, quotes, meetings


# -------------------------------------------------------------- worker processes

#: The pipeline of a worker process (set before forking, or loaded by `_init_worker`).
_WORKER: dict[str, Any] = {}


def _init_worker(spec: str | None, layers: bool) -> None:
    import signal

    # Ctrl-C reaches the whole process group: the main process handles it and
    # stops the workers; a worker dying of it mid-batch would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if "nlp" not in _WORKER:  # spawned, not forked: load the pipeline here
        from tui.nlp.models import load_model

        _WORKER["nlp"] = load_model(spec).nlp
    _WORKER["layers"] = layers


def _work(batch: list[tuple[str, int, str | None]], batch_size: int) -> list[ChunkResult]:
    """Parse a batch of chunks `(text, offset, date)` in a worker and analyse every doc."""
    from spacy.attrs import IDX, IS_SPACE, LENGTH

    attrs = [IDX, LENGTH, IS_SPACE]
    nlp = _WORKER["nlp"]
    layers = _WORKER["layers"]
    docs = nlp.pipe((text for text, _, _ in batch), batch_size=batch_size)
    return [_analyse(doc, offset, date, layers, attrs)
            for doc, (_, offset, date) in zip(docs, batch, strict=True)]


def _parallel(loaded: LoadedModel, chunks: Iterator[tuple[str, int, str | None]],
              batch_size: int, n_process: int, layers: bool) -> Iterator[ChunkResult]:
    """`_analyse` of every chunk, in order, by `n_process` worker processes.

    Each worker runs the pipeline and the analysis on a batch of chunks and
    sends back only the results (small, pickled), not the parsed docs: unlike
    `nlp.pipe(n_process=N)`, which serializes every Doc in the worker and
    rebuilds it in the main process, the main process here only reads and
    writes. At most `2 * n_process` batches are in flight, so memory does not
    grow with the input.
    """
    import multiprocessing
    from collections import deque as fifo
    from itertools import islice

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if context.get_start_method() == "fork":
        _WORKER["nlp"] = loaded.nlp  # inherited by the forked workers, nothing to load
    spec = loaded.info.spec
    pool = context.Pool(n_process, initializer=_init_worker, initargs=(spec, layers))
    try:
        in_flight: fifo[Any] = fifo()
        while True:
            while len(in_flight) < 2 * n_process:
                batch = list(islice(chunks, batch_size))
                if not batch:
                    break
                in_flight.append(pool.apply_async(_work, (batch, batch_size)))
            if not in_flight:
                break
            yield from in_flight.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()
        _WORKER.pop("nlp", None)


def suggest(loaded: LoadedModel, articles: Iterable[Article], batch_size: int = 64,
            n_process: int = 1, layers: bool = True) -> Iterator[tuple[Article, Suggestions]]:
    """Run the pipeline over `articles` and yield each with its suggestions, in input order.

    Articles are read lazily from `articles`; an empty text gives empty
    suggestions without reaching the pipeline. With `layers` (the default) the
    same parse also yields quote and meeting suggestions (tui.nlp.quotes,
    tui.nlp.meetings); a pipeline without a parser (the rule-based fallback)
    gives entities only. With `n_process` above 1 (-1: one per CPU) worker
    processes parse and analyse the chunks (`_parallel`).
    """
    from spacy.attrs import IDX, IS_SPACE, LENGTH

    attrs = [IDX, LENGTH, IS_SPACE]
    nlp = loaded.nlp
    info = loaded.info
    limit = _chunk_limit(nlp)
    if n_process == -1:
        n_process = os.cpu_count() or 1
    # Articles the pipeline has taken in and not yet given back: (article, chunks).
    pending: deque[tuple[Article, int]] = deque()

    def feed() -> Iterator[tuple[str, int, str | None]]:
        for article in articles:
            pieces = split_text(article.text, limit)
            pending.append((article, len(pieces)))
            date = article.meta.get("date")
            for offset, chunk in pieces:
                yield chunk, offset, date if isinstance(date, str) else None

    def in_process() -> Iterator[ChunkResult]:
        chunks: deque[tuple[int, str | None]] = deque()

        def texts() -> Iterator[str]:
            for text, offset, date in feed():
                chunks.append((offset, date))
                yield text

        for doc in nlp.pipe(texts(), batch_size=batch_size):
            offset, date = chunks.popleft()
            yield _analyse(doc, offset, date, layers, attrs)

    def empty(article: Article) -> Suggestions:
        return Suggestions(model=info, text_hash=article.text_hash, entities=(), tokens=())

    results = (in_process() if n_process <= 1
               else _parallel(loaded, feed(), batch_size, n_process, layers))
    tokens: list[tuple[int, int]] = []
    entities: list[EntitySuggestion] = []
    quotes: list[QuoteSuggestion] = []
    meetings: list[MeetingSuggestion] = []
    seen = 0
    try:
        for chunk_tokens, chunk_entities, chunk_quotes, chunk_meetings in results:
            while pending[0][1] == 0:
                article, _ = pending.popleft()
                yield article, empty(article)
            article, count = pending[0]
            tokens.extend(chunk_tokens)
            entities.extend(chunk_entities)
            quotes.extend(chunk_quotes)
            meetings.extend(replace(m, event=f"{seen}:{m.event}") for m in chunk_meetings)
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
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
    while pending:
        article, count = pending.popleft()
        if count:  # pragma: no cover - the pipeline gave back fewer docs than it took in
            raise RuntimeError(f"the pipeline returned no result for article {article.id!r}")
        yield article, empty(article)


def suggest_one(loaded: LoadedModel, article: Article) -> Suggestions:
    """The suggestions for one article (for the app's worker)."""
    for _, suggestions in suggest(loaded, [article], batch_size=1):
        return suggestions
    raise RuntimeError("suggest gave no result")  # pragma: no cover
