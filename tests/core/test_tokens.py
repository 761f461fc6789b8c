"""tui.core.tokens: the pure-Python tokenizer and TokenIndex lookups and snapping."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from tui.core.model import Span
from tui.core.tokens import TokenIndex, simple_tokens


def _texts(text: str) -> list[str]:
    return [text[s:e] for s, e in simple_tokens(text)]


def test_simple_tokens_words_and_punctuation() -> None:
    assert _texts("DOHA: Kalin met Hamas.") == ["DOHA", ":", "Kalin", "met", "Hamas", "."]


def test_simple_tokens_keep_inner_hyphens_apostrophes_and_dots() -> None:
    assert _texts("Guinea-Bissau's U.S. Turkey’s 3.1") == [
        "Guinea-Bissau's", "U.S", ".", "Turkey’s", "3.1"]


def test_simple_tokens_quotes_are_separate() -> None:
    assert _texts("“We agreed,” he said") == ["“", "We", "agreed", ",", "”", "he", "said"]


@given(st.text())
def test_simple_tokens_cover_every_non_space_character_in_order(text: str) -> None:
    tokens = simple_tokens(text)
    covered = [False] * len(text)
    previous_end = 0
    for start, end in tokens:
        assert previous_end <= start < end <= len(text)
        previous_end = end
        for i in range(start, end):
            covered[i] = True
    for ch, is_covered in zip(text, covered, strict=True):
        assert is_covered or ch.isspace()


TOKENS = [(0, 4), (4, 5), (6, 11), (12, 15), (16, 21)]  # "DOHA: Kalin met Hamas"


def test_index_at_and_between_tokens() -> None:
    index = TokenIndex(TOKENS)
    assert len(index) == 5
    assert index.index_at(0) == 0
    assert index.index_at(3) == 0
    assert index.index_at(4) == 1
    assert index.index_at(5) is None  # the space
    assert index.index_at(21) is None
    assert index.index_at_or_after(5) == 2
    assert index.index_at_or_after(21) is None
    assert index.span(2) == Span(6, 11)


def test_snap_widens_to_tokens() -> None:
    index = TokenIndex(TOKENS)
    assert index.snap(Span(7, 9)) == Span(6, 11)
    assert index.snap(Span(2, 8)) == Span(0, 11)
    assert index.snap(Span(5, 6)) is None  # only the space
    assert index.snap(Span(6, 11)) == Span(6, 11)
    assert index.is_aligned(Span(6, 15))
    assert not index.is_aligned(Span(6, 14))
    assert not index.is_aligned(Span(5, 11))  # starts on the space


def test_empty_index() -> None:
    index = TokenIndex([])
    assert index.snap(Span(0, 3)) is None
    assert index.index_at(0) is None
    assert index.first_in(Span(0, 3)) is None


@st.composite
def tokens_and_span(draw: st.DrawFn) -> tuple[list[tuple[int, int]], Span]:
    gaps_and_lengths = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 5)),
                                     max_size=12))
    tokens: list[tuple[int, int]] = []
    position = 0
    for gap, length in gaps_and_lengths:
        start = position + gap
        tokens.append((start, start + length))
        position = start + length
    limit = position + 3
    start = draw(st.integers(0, limit))
    end = draw(st.integers(start + 1, limit + 1))
    return tokens, Span(start, end)


@given(tokens_and_span())
def test_snap_is_the_smallest_aligned_cover(case: tuple[list[tuple[int, int]], Span]) -> None:
    tokens, span = case
    index = TokenIndex(tokens)
    overlapping = [(s, e) for s, e in tokens if s < span.end and span.start < e]
    snapped = index.snap(span)
    if not overlapping:
        assert snapped is None
        return
    assert snapped == Span(overlapping[0][0], overlapping[-1][1])
    assert index.is_aligned(snapped)
    assert index.snap(snapped) == snapped
    # No token is cut by the snapped span's edges.
    for s, e in tokens:
        assert not (s < snapped.start < e) and not (s < snapped.end < e)


@given(tokens_and_span())
def test_aligned_spans_snap_to_themselves(case: tuple[list[tuple[int, int]], Span]) -> None:
    tokens, _ = case
    assume(tokens)
    index = TokenIndex(tokens)
    for i in range(len(tokens)):
        for j in range(i, len(tokens)):
            span = Span(tokens[i][0], tokens[j][1])
            assert index.snap(span) == span
            assert index.first_in(span) == i
            assert index.last_in(span) == j


@given(tokens_and_span())
def test_index_at_agrees_with_a_linear_scan(case: tuple[list[tuple[int, int]], Span]) -> None:
    tokens, span = case
    index = TokenIndex(tokens)
    for offset in range(span.end + 2):
        expected = next((i for i, (s, e) in enumerate(tokens) if s <= offset < e), None)
        assert index.index_at(offset) == expected
        after = next((i for i, (s, e) in enumerate(tokens) if offset < e), None)
        assert index.index_at_or_after(offset) == after
