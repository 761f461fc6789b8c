"""The export's fast path (rows from the stored documents) equals the object path."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.layers import LayerItem, MeetingSuggestion, QuoteSuggestion
from tui.core.model import Article, EntityItem, EntitySuggestion, ModelInfo, Span, Status
from tui.formats.native import gold_row, gold_row_stored
from tui.store.gold import GoldStore

TEXT = ("DOHA: Kalin met Hamas officials in Doha late Tuesday. “We agreed on the next "
        "steps,” he told AFP. Erdogan hosted the emir on Wednesday.")
ARTICLE = Article("a1", TEXT, {"date": "2025-10-23", "source": "x.txt"})
MODEL = ModelInfo("en_core_web_sm", "3.8.0", spec="en_core_web_sm")

spans = st.tuples(st.integers(0, len(TEXT) - 1), st.integers(1, 12)).map(
    lambda p: Span(p[0], min(len(TEXT), p[0] + p[1])))
statuses = st.sampled_from([Status.ACCEPTED, Status.CORRECTED, Status.REJECTED, Status.ADDED,
                            Status.SUGGESTED])
models = st.sampled_from([None, MODEL, ModelInfo("custom", "", spec="")])
labels = st.sampled_from(["PERSON", "ORG", "GPE"])


@st.composite
def entity(draw: st.DrawFn, n: int) -> EntityItem:
    span = draw(spans)
    suggested = draw(st.none() | st.builds(EntitySuggestion, st.just(span.start),
                                           st.just(span.end), labels))
    return EntityItem(f"e{n}", span.start, span.end, draw(labels), draw(statuses),
                      suggestion=suggested, annotator=draw(st.sampled_from(["ana", None])),
                      time=draw(st.sampled_from(["2026-11-01T10:00:00Z", None])),
                      model=draw(models))


quotes = st.builds(QuoteSuggestion, spans, st.none() | spans, st.none() | spans,
                   st.none() | spans, st.sampled_from(["direct", "indirect"]))
meetings = st.builds(MeetingSuggestion, spans, st.lists(spans, max_size=3).map(tuple),
                     st.none() | spans, st.none() | spans,
                     st.sampled_from([None, "2025-10-22"]), st.sampled_from(["e1", "e2"]))


@st.composite
def layer_item(draw: st.DrawFn, n: int) -> LayerItem:  # type: ignore[type-arg]
    value = draw(st.one_of(quotes, meetings))
    kind = quotes if isinstance(value, QuoteSuggestion) else meetings
    suggestion = draw(st.sampled_from(["none", "same", "other"]))
    suggested = {"none": None, "same": value, "other": draw(kind)}[suggestion]
    prefix = "q" if isinstance(value, QuoteSuggestion) else "m"
    return LayerItem(id=f"{prefix}{n}", value=value, status=draw(statuses), suggestion=suggested,
                     annotator="ana", time=draw(st.sampled_from(["2026-11-01T10:00:00Z", None])),
                     model=draw(models))


@st.composite
def decisions(draw: st.DrawFn) -> dict[str, EntityItem | LayerItem]:  # type: ignore[type-arg]
    count = draw(st.integers(0, 8))
    items: dict[str, EntityItem | LayerItem] = {}  # type: ignore[type-arg]
    for n in range(count):
        made = draw(entity(n) | layer_item(n))
        items[made.id] = made
    return items


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=decisions(), done=st.booleans())
def test_stored_rows_equal_object_rows(tmp_path: Path, items: dict[str, object],
                                       done: bool) -> None:
    path = tmp_path / f"gold-{abs(hash((repr(items), done)))}.json"
    with GoldStore.open(path) as store:
        store.put_article(ARTICLE)
        store.save_items(ARTICLE.id, "ana", ARTICLE.text_hash, items)  # type: ignore[arg-type]
        store.set_done(ARTICLE.id, "ana", ARTICLE.text_hash, done)
    with GoldStore.open(path, read_only=True) as store:
        stored = list(store.stored_records())
        records = list(store.annotations())
        assert len(stored) == len(records) == 1
        article_doc, doc = stored[0]
        expected = gold_row(ARTICLE, records[0])
        assert gold_row_stored(article_doc, doc) == expected
        assert list(gold_row_stored(article_doc, doc)) == list(expected)  # same key order
