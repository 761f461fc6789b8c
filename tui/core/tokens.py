"""Token boundaries of an article: lookup, snapping and stepping by token.

Entity boundaries snap to tokens. The tokens come from the spaCy pipeline that
made the suggestions (cached in the store with them); `simple_tokens` is a
pure-Python tokenizer for code that has no pipeline at hand.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from tui.core.model import Span

_SIMPLE_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]", re.UNICODE)


def simple_tokens(text: str) -> list[tuple[int, int]]:
    """Words (with inner hyphens and apostrophes) and single punctuation marks."""
    return [(m.start(), m.end()) for m in _SIMPLE_TOKEN.finditer(text)]


class TokenIndex:
    """Sorted, non-overlapping token spans with O(log n) lookups."""

    def __init__(self, tokens: Sequence[tuple[int, int]]) -> None:
        self.starts: list[int] = [start for start, _ in tokens]
        self.ends: list[int] = [end for _, end in tokens]

    def __len__(self) -> int:
        return len(self.starts)

    def span(self, index: int) -> Span:
        return Span(self.starts[index], self.ends[index])

    def index_at(self, offset: int) -> int | None:
        """The token containing `offset`, or None where `offset` is between tokens."""
        i = bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.ends[i]:
            return i
        return None

    def index_at_or_after(self, offset: int) -> int | None:
        """The token containing `offset`, else the first token after it."""
        i = bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.ends[i]:
            return i
        i = bisect_left(self.starts, offset)
        return i if i < len(self.starts) else None

    def first_in(self, span: Span) -> int | None:
        """Index of the first token overlapping `span`."""
        i = bisect_right(self.ends, span.start)
        if i < len(self.starts) and self.starts[i] < span.end:
            return i
        return None

    def last_in(self, span: Span) -> int | None:
        """Index of the last token overlapping `span`."""
        i = bisect_left(self.starts, span.end) - 1
        if i >= 0 and self.ends[i] > span.start:
            return i
        return None

    def snap(self, span: Span) -> Span | None:
        """The smallest token-aligned span covering `span`, or None if it holds no token."""
        if span.end <= span.start:
            return None
        first, last = self.first_in(span), self.last_in(span)
        if first is None or last is None or first > last:
            return None
        return Span(self.starts[first], self.ends[last])

    def is_aligned(self, span: Span) -> bool:
        return self.snap(span) == span
