"""The article text with its entities highlighted, drawn with Textual's Line API.

A `ScrollView` whose `render_line` draws one visual line at a time from an
LRU cache of `Strip`s (the approach of Textualize/toolong). A change to an
entity repaints only the visual lines its old and new spans touch, so a
keystroke costs the same on a 500-word and a 20,000-word article.

Article text is untrusted: it becomes `rich.text.Text` objects and is never
parsed as markup. The view draws (and wraps) `display_safe` text: control
characters, bidi controls and zero-width spaces as visible placeholders and
tabs as spaces, one code point for one, so every offset stays an article offset.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app.widgets.colors import (
    CURSOR_STYLE,
    SELECTION_STYLE,
    entity_style,
    faint_entity_style,
    role_style,
)
from tui.app.widgets.wrap import wrap_lines
from tui.core.layer_session import LayerSession
from tui.core.model import Article, Span, Status
from tui.core.session import EntitySession
from tui.core.text import display_safe


class ArticleView(ScrollView, can_focus=True, inherit_bindings=False):
    """Scrollable, soft-wrapped article text with entity highlights and a token cursor.

    Every key that moves (arrows, Home/End, PageUp/PageDown, ...) belongs to the
    article screen's bindings and moves the token cursor; the view scrolls to keep
    the cursor on screen. It has no bindings of its own. The geometry the moves
    need (the tokens of a visual line, a column, the paragraphs) is found by
    bisection, so a move costs the same on a short and a 20,000-word article.
    """

    BINDINGS: ClassVar[list[BindingType]] = []

    DEFAULT_CSS = """
    ArticleView {
        overflow-y: scroll;
        overflow-x: hidden;
        padding: 0 1;
    }
    """

    class Clicked(Message):
        """The user clicked the text at `offset` (a code point of the article)."""

        def __init__(self, offset: int) -> None:
            self.offset = offset
            super().__init__()

    def __init__(self, article: Article, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article = article
        #: The text as drawn: one code point for one, so offsets into it are article offsets.
        self._text = display_safe(article.text)
        self.session: EntitySession | None = None
        #: The quote or meeting session drawn over the text; None on the entity layer.
        self.layer_session: LayerSession[Any] | None = None
        self._lines: list[tuple[int, int]] = []
        self._line_starts: list[int] = []
        self._wrap_width = 0
        self._cache: LRUCache[int, Strip] = LRUCache(2048)
        #: The base style and the text width while `render_lines` draws (None otherwise).
        self._frame: tuple[Style, int] | None = None
        #: The token under the cursor, as an index into the session's tokens.
        self.cursor: int | None = None
        #: Where the selection started (a token index), None when nothing is selected.
        self.selection_anchor: int | None = None
        #: The column (in cells) a run of up/down moves keeps to; None after any other move.
        self.goal_column: int | None = None
        #: Token indices that begin a paragraph, found on the first paragraph jump.
        self._paragraph_starts: list[int] | None = None

    # ----------------------------------------------------------------- layout

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def _rewrap(self, width: int) -> None:
        self._wrap_width = width
        self._lines = wrap_lines(self._text, width)
        self._line_starts = [start for start, _ in self._lines]
        self._cache.clear()
        self.virtual_size = Size(width, len(self._lines))
        if self.cursor is not None:
            # The lines moved: keep the token cursor on screen (after a resize, and when
            # the article opens at an item further down than the view could scroll to
            # before it first had a width).
            self.call_after_refresh(self._show_cursor)

    def _show_cursor(self) -> None:
        cursor = self.cursor_span()
        if cursor is not None:
            self.show_offset(cursor.start)

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if width != self._wrap_width and width > 0:
            self._rewrap(width)
            self.refresh()
        # The lines moved (or the window shrank): keep the cursor's line on screen.
        self._show_cursor()

    def line_of(self, offset: int) -> int:
        """The visual line holding code point `offset`."""
        return max(0, bisect_right(self._line_starts, offset) - 1)

    def line_range(self, index: int) -> tuple[int, int]:
        return self._lines[index]

    # -------------------------------------------------------------- rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        """Render the lines of `crop`, working out the base style and the width once
        (and wrapping the text again first if the width changed).

        `rich_style` walks every ancestor's styles: asked for each line, it was half
        the cost of drawing a screenful after a scroll.
        """
        width = self.scrollable_content_region.width
        if width != self._wrap_width and width > 0:
            # Resized: wrap for the new width now, so that the first frame at this
            # size is the right one and `on_resize` has nothing left to redraw.
            self._rewrap(width)
        self._frame = (self.rich_style, width)
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        frame = self._frame
        base, width = frame if frame is not None else (
            self.rich_style, self.scrollable_content_region.width)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._cache.get(index)
        if strip is None:
            strip = self._render_visual_line(index)
            self._cache[index] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _render_visual_line(self, index: int) -> Strip:
        start, end = self._lines[index]
        shown = self._text[start:end]
        line = Text(shown, style=self._frame[0] if self._frame else self.rich_style,
                    no_wrap=True, end="")
        session = self.session
        if session is not None:
            layer = self.layer_session
            current_id = session.current_id
            items = session.overlapping(start, end)
            items.sort(key=lambda i: i.status is not Status.REJECTED)
            for item in items:
                style = (entity_style(item.label, item.status, item.id == current_id)
                         if layer is None else faint_entity_style(item.label, item.status))
                line.stylize(style, max(item.start, start) - start, min(item.end, end) - start)
            if layer is not None:
                layer_current = layer.current_id
                parts = layer.role_spans(start, end)
                # Rejected parts first, the current item's last: they are drawn on top.
                parts.sort(key=lambda p: (p[2].status is not Status.REJECTED,
                                          p[2].id == layer_current))
                for span, role, part_of in parts:
                    line.stylize(role_style(role, part_of.status, part_of.id == layer_current),
                                 max(span.start, start) - start, min(span.end, end) - start)
            selection = self.selection_span()
            if selection is not None and selection.start < end and selection.end > start:
                line.stylize(SELECTION_STYLE, max(selection.start, start) - start,
                             min(selection.end, end) - start)
            cursor = self.cursor_span()
            if cursor is not None and cursor.start < end and cursor.end > start:
                line.stylize(CURSOR_STYLE, max(cursor.start, start) - start,
                             min(cursor.end, end) - start)
        return Strip(list(line.render(self.app.console)), cell_len(shown))

    def refresh_spans(self, spans: Iterable[Span]) -> None:
        """Repaint the visual lines that `spans` touch, and only those."""
        for span in spans:
            first = self.line_of(span.start)
            last = self.line_of(max(span.start, span.end - 1))
            for index in range(first, last + 1):
                self._cache.discard(index)
            self.refresh_lines(first, last - first + 1)

    def repaint_all(self) -> None:
        self._cache.clear()
        self.refresh()

    def set_layer(self, layer_session: LayerSession[Any] | None) -> None:
        """Draw a quote or meeting session over the text (None: back to entities)."""
        self.layer_session = layer_session
        self.repaint_all()

    def set_session(self, session: EntitySession | None) -> None:
        self.session = session
        self.selection_anchor = None
        self.cursor = None
        self.goal_column = None
        self._paragraph_starts = None
        if session is not None and len(session.tokens):
            current = session.current
            self.cursor = (session.tokens.index_at_or_after(current.start) if current else 0)
        self.repaint_all()

    # ------------------------------------------------------ cursor/selection

    def cursor_span(self) -> Span | None:
        if self.session is None or self.cursor is None:
            return None
        return self.session.tokens.span(self.cursor)

    def selection_span(self) -> Span | None:
        """The selected text, from the anchor token to the cursor token, or None."""
        if self.session is None or self.selection_anchor is None or self.cursor is None:
            return None
        tokens = self.session.tokens
        first, last = sorted((self.selection_anchor, self.cursor))
        return Span(tokens.starts[first], tokens.ends[last])

    def move_cursor(self, token: int, *, keep_anchor: bool, keep_goal: bool = False) -> None:
        """Put the cursor on token index `token`, repainting what changed.

        `keep_goal` is for up/down moves, which keep to the column they started from;
        every other move forgets it.
        """
        if self.session is None or not len(self.session.tokens):
            return
        if not keep_goal:
            self.goal_column = None
        token = max(0, min(token, len(self.session.tokens) - 1))
        before = [s for s in (self.cursor_span(), self.selection_span()) if s is not None]
        if not keep_anchor:
            self.selection_anchor = None
        self.cursor = token
        after = [s for s in (self.cursor_span(), self.selection_span()) if s is not None]
        self.refresh_spans(before + after)
        cursor = self.cursor_span()
        if cursor is not None:
            self.show_offset(cursor.start)

    def set_selection_anchor(self, anchor: int | None) -> None:
        before = self.selection_span()
        self.selection_anchor = anchor
        after = self.selection_span()
        self.refresh_spans([s for s in (before, after) if s is not None])

    def line_tokens(self, line: int) -> tuple[int, int] | None:
        """The first and last token index on visual line `line`; None if it holds none."""
        if self.session is None or not 0 <= line < len(self._lines):
            return None
        start, end = self._lines[line]
        tokens = self.session.tokens
        first = bisect_right(tokens.ends, start)
        last = bisect_left(tokens.starts, end) - 1
        return (first, last) if first <= last else None

    def column_of(self, offset: int) -> int:
        """How many cells into its visual line code point `offset` is drawn."""
        start = self._lines[self.line_of(offset)][0] if self._lines else 0
        return cell_len(self._text[start:offset]) if offset > start else 0

    def token_on_line(self, line: int, column: int) -> int | None:
        """The token drawn at cell `column` of visual line `line` (in the gap before a
        token: the one before the gap; past the line's end: its last token), or None
        where the line holds no token (a blank line)."""
        found = self.line_tokens(line)
        if found is None or self.session is None:
            return None
        first, last = found
        start, end = self._lines[line]
        offset, used = start, 0
        while offset < end - 1:
            used += cell_len(self._text[offset])
            if used > column:
                break
            offset += 1
        index = bisect_right(self.session.tokens.starts, offset) - 1
        return max(first, min(index, last))

    def line_with_tokens(self, line: int, step: int) -> int | None:
        """The nearest visual line from `line` on, going by `step` (+1 down, -1 up), that
        holds a token; None if there is none that way. Blank lines are skipped by
        bisection on the tokens, not by walking the lines."""
        if self.session is None or not 0 <= line < len(self._lines):
            return None
        if self.line_tokens(line) is not None:
            return line
        tokens = self.session.tokens
        start, end = self._lines[line]
        if step > 0:
            index = bisect_left(tokens.starts, end)
            return self.line_of(tokens.starts[index]) if index < len(tokens) else None
        index = bisect_right(tokens.ends, start) - 1
        return self.line_of(tokens.ends[index] - 1) if index >= 0 else None

    def token_lines_away(self, token: int, lines: int, column: int) -> int | None:
        """The token `lines` visual lines below (negative: above) `token`'s line, at cell
        `column`, blank lines not counted as a move's target: a line without tokens
        is passed over in the direction of the move (at the article's end, the
        nearest line with tokens back). A token cut over several lines (a long
        word, a run of CJK) counts from its last line going down, its first going up."""
        if self.session is None or not self._lines:
            return None
        tokens = self.session.tokens
        step = 1 if lines > 0 else -1
        here = self.line_of(tokens.starts[token] if step < 0
                            else max(tokens.starts[token], tokens.ends[token] - 1))
        target = max(0, min(here + lines, len(self._lines) - 1))
        line = self.line_with_tokens(target, step)
        if line is None:
            line = self.line_with_tokens(target, -step)
        if line is None or (line - here) * step < 0:
            return None
        return self.token_on_line(line, column)

    def is_word(self, token: int) -> bool:
        """Whether token `token` holds a letter or digit (not only punctuation)."""
        if self.session is None:
            return False
        tokens = self.session.tokens
        text = self.article.text[tokens.starts[token]:tokens.ends[token]]
        return any(c.isalnum() for c in text)

    def paragraph_starts(self) -> list[int]:
        """The token indices that begin a paragraph (the first token, and the first after
        each line break), computed once per session."""
        if self._paragraph_starts is None:
            starts: list[int] = []
            if self.session is not None and len(self.session.tokens):
                tokens, text = self.session.tokens, self.article.text
                starts.append(0)
                position = text.find("\n")
                while position != -1:
                    index = tokens.index_at_or_after(position)
                    if index is None:
                        break
                    if index != starts[-1]:
                        starts.append(index)
                    position = text.find("\n", tokens.starts[index])
            self._paragraph_starts = starts
        return self._paragraph_starts

    @property
    def page_height(self) -> int:
        """How many visual lines one page moves: the window's height, less one line kept."""
        return max(1, self.scrollable_content_region.height - 1)

    def show_offset(self, offset: int) -> None:
        """Scroll so that the visual line holding `offset` is on screen: just enough when
        it is a line or two past an edge (a move line by line scrolls smoothly), else so that it
        sits a third of the way down (a jump shows what comes after it, and the next
        few items need no scroll: a scroll redraws the whole window)."""
        line = self.line_of(offset)
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if top <= line < top + height:
            return
        # Up to two lines past an edge is a line move (over a blank line between
        # paragraphs too), not a jump.
        if top - 2 <= line <= top + height + 1 or height < 6:
            self.scroll_to_region(Region(0, line, 1, 1), animate=False, immediate=True,
                                  x_axis=False, spacing=None)
            return
        self.scroll_to(y=max(0, line - height // 3), animate=False, immediate=True)

    def show_span(self, span: Span, *, end_first: bool = False) -> None:
        """Scroll so that `span` is on screen; when it is taller than the window, its
        start (or, with `end_first`, its end) wins."""
        first, last = span.start, max(span.start, span.end - 1)
        # The offset shown last is the one sure to be on screen.
        shown_last = last if end_first else first
        self.show_offset(first if end_first else last)
        self.show_offset(shown_last)

    def is_shown(self, offset: int) -> bool:
        """Whether the visual line holding `offset` is inside the window now."""
        line = self.line_of(offset)
        top = self.scroll_offset.y
        return top <= line < top + self.scrollable_content_region.height

    def scroll_lines(self, lines: int) -> None:
        """Scroll the window by `lines` visual lines (within the article)."""
        self.scroll_to(y=self.scroll_offset.y + lines, animate=False, immediate=True)

    def offset_at(self, x: int, y: int) -> int | None:
        """The code point under screen cell (x, y) of this widget, if any."""
        index = self.scroll_offset.y + y
        if not 0 <= index < len(self._lines):
            return None
        start, end = self._lines[index]
        column = x - self.styles.padding.left + self.scroll_offset.x
        for offset in range(start, end):
            # The width of the line up to and with this code point, measured as it is
            # drawn: an emoji sequence joined by ZWJ is one picture, not the sum of its
            # code points.
            if cell_len(self._text[start:offset + 1]) > column:
                return offset
        return None

    def on_click(self, event: events.Click) -> None:
        offset = self.offset_at(event.x, event.y)
        if offset is not None:
            self.post_message(self.Clicked(offset))
