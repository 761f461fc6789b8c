"""The article screen's cursor keys: moving the token cursor, extending the selection, search.

`CursorKeys` is the base of `ArticleScreen` that holds these actions, so the
screen's own module keeps to decisions. Every move goes through `_move_to`:
the cursor lands on a token, the view scrolls to keep it on screen, and the
entity under it becomes current (in the entity layer). With `extend` a move
extends the selection (starting one at the cursor if there is none); without
it a move still extends a selection that `v` started, as the arrows always did.

Costs: every move finds its target by bisection on the visual lines' and the
tokens' starts (`ArticleView.line_tokens`, `token_lines_away`), so a key costs
the same on a 500-word and a 20,000-word article. The search is the one key
that reads the text: one regular-expression scan from the cursor.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from textual import on
from textual.screen import Screen

from tui.app.widgets.search_bar import SearchBar
from tui.core.model import Span
from tui.core.text import display_line

if TYPE_CHECKING:
    from tui.app.context import AppContext
    from tui.app.widgets.article_view import ArticleView
    from tui.core.keys import KeyNames
    from tui.core.model import Article
    from tui.core.session import EntitySession

#: The actions of this module, enabled whenever the article has tokens.
MOVE_ACTIONS = frozenset({
    "cursor", "cursor_line", "cursor_line_start", "cursor_line_end", "cursor_page",
    "cursor_article_start", "cursor_article_end", "cursor_word", "cursor_paragraph",
    "toggle_selection", "extend_selection", "search", "search_again",
})

#: The longest phrase the search takes (a longer paste is cut).
MAX_PHRASE = 200


def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """The search for `phrase`: its words in any case, any run of white space between
    them (so a phrase finds its words across a line break); None for a blank phrase."""
    words = phrase.split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)


class CursorKeys(Screen[None]):
    """Cursor, selection and search actions of the article screen."""

    if TYPE_CHECKING:
        ctx: AppContext
        article: Article
        shown_layer: str
        session: EntitySession | None
        #: Binding id -> the keys in force (tui.app.bindings.key_names).
        keys: KeyNames

        @property
        def view(self) -> ArticleView: ...

        def _sync_current_to_cursor(self, clicked: bool = False) -> None: ...

        def _refresh_keys(self) -> None: ...

        def _set_status(self, message: str, error: bool = False) -> None: ...

    #: The phrase of the last search, for the repeat keys.
    search_phrase: str = ""
    #: The last page move: (lines, the token it started on, the token it ended on).
    _page_back: tuple[int, int, int | None] | None = None

    # ------------------------------------------------------------------ helpers

    def _move_to(self, token: int | None, extend: bool, *, keep_goal: bool = False) -> None:
        """Move the cursor to `token`: extend the selection with `extend` (or when `v`
        started one), else drop it; the entity under the cursor becomes current."""
        view = self.view
        if token is None or view.cursor is None:
            return
        had_selection = view.selection_anchor is not None
        if extend and not had_selection:
            view.set_selection_anchor(view.cursor)
        view.move_cursor(token, keep_anchor=view.selection_anchor is not None,
                         keep_goal=keep_goal)
        self._sync_current_to_cursor()
        if (view.selection_anchor is not None) != had_selection:
            self._refresh_keys()

    def _goal_column(self) -> int | None:
        """The column a run of up/down moves keeps to: set by its first move."""
        view, session = self.view, self.session
        if view.cursor is None or session is None:
            return None
        if view.goal_column is None:
            view.goal_column = view.column_of(session.tokens.starts[view.cursor])
        return view.goal_column

    # ------------------------------------------------------------------ actions

    def action_cursor(self, step: int) -> None:
        """Left/right: the previous/next token."""
        view = self.view
        if view.cursor is not None:
            self._move_to(view.cursor + int(step), False)

    def action_extend_selection(self, step: int) -> None:
        """shift+left/right: extend the selection by a token."""
        view = self.view
        if view.cursor is None:
            return
        if view.selection_anchor is None:
            view.set_selection_anchor(view.cursor)
        view.move_cursor(view.cursor + int(step), keep_anchor=True)
        self._refresh_keys()

    def action_cursor_line(self, step: int, extend: bool = False) -> None:
        """Up/down: the token at the same column of the line above/below (blank lines
        passed over); a run of them keeps to the column it started from."""
        view = self.view
        column = self._goal_column()
        if view.cursor is None or column is None:
            return
        token = view.token_lines_away(view.cursor, int(step), column)
        self._move_to(token, bool(extend), keep_goal=True)

    def action_cursor_page(self, step: int, extend: bool = False) -> None:
        """PageUp/PageDown: the view and the cursor a screen up/down, at the same column."""
        view = self.view
        column = self._goal_column()
        if view.cursor is None or column is None:
            return
        lines = view.page_height * (1 if int(step) > 0 else -1)
        back = self._page_back
        if back is not None and back[0] == -lines and back[2] == view.cursor:
            # Straight back over the page just turned: to the very word it started on
            # (a blank line may have moved the cursor a line further than the page).
            token: int | None = back[1]
        else:
            token = view.token_lines_away(view.cursor, lines, column)
        before = view.cursor
        view.scroll_lines(lines)
        self._move_to(token, bool(extend), keep_goal=True)
        self._page_back = (lines, before, view.cursor)

    def _cursor_line_edge(self, last: bool, extend: bool) -> None:
        view, session = self.view, self.session
        if view.cursor is None or session is None:
            return
        found = view.line_tokens(view.line_of(session.tokens.starts[view.cursor]))
        if found is not None:
            self._move_to(found[1] if last else found[0], bool(extend))

    def action_cursor_line_start(self, extend: bool = False) -> None:
        """Home: the first token of the cursor's visual line."""
        self._cursor_line_edge(False, extend)

    def action_cursor_line_end(self, extend: bool = False) -> None:
        """End: the last token of the cursor's visual line."""
        self._cursor_line_edge(True, extend)

    def action_cursor_article_start(self, extend: bool = False) -> None:
        """ctrl+Home: the article's first token."""
        self._move_to(0, bool(extend))

    def action_cursor_article_end(self, extend: bool = False) -> None:
        """ctrl+End: the article's last token."""
        if self.session is not None:
            self._move_to(len(self.session.tokens) - 1, bool(extend))

    def action_cursor_word(self, step: int, extend: bool = False) -> None:
        """ctrl+left/right: the previous/next token holding a letter or digit, passing over
        punctuation (at the article's edge the cursor stays)."""
        view, session = self.view, self.session
        if view.cursor is None or session is None:
            return
        direction = 1 if int(step) > 0 else -1
        index = view.cursor + direction
        while 0 <= index < len(session.tokens) and not view.is_word(index):
            index += direction
        if 0 <= index < len(session.tokens):
            self._move_to(index, bool(extend))

    def action_cursor_paragraph(self, step: int, extend: bool = False) -> None:
        """ctrl+up/down: the start of this (or the previous) paragraph, the start of the
        next; extending down stops at this paragraph's end, then the next one's."""
        view, session = self.view, self.session
        if view.cursor is None or session is None:
            return
        starts, cursor, count = view.paragraph_starts(), view.cursor, len(session.tokens)
        after = bisect_right(starts, cursor)  # paragraphs starting at or before the cursor
        if int(step) < 0:
            index = after - 1
            if starts[index] == cursor and index > 0:
                index -= 1
            target = starts[index]
        elif extend:
            ends = [start - 1 for start in starts[after:after + 2]] + [count - 1]
            target = ends[0] if ends[0] > cursor else ends[1]
        else:
            target = starts[after] if after < len(starts) else count - 1
        self._move_to(target, bool(extend))

    # ------------------------------------------------------------------- search

    def action_search(self) -> None:
        """`/`: open the search input at the bottom."""
        self.query_one(SearchBar).open()

    @on(SearchBar.Submitted, "SearchBar")
    def _search_submitted(self, event: SearchBar.Submitted) -> None:
        event.stop()
        bar = self.query_one(SearchBar)
        phrase = event.value[:MAX_PHRASE]
        bar.close()
        self.view.focus()
        if phrase.strip():
            self.search_phrase = phrase
            self._search(1)

    @on(SearchBar.Cancelled)
    def _search_cancelled(self, event: SearchBar.Cancelled) -> None:
        event.stop()
        self.query_one(SearchBar).close()
        self.view.focus()

    def action_search_again(self, step: int) -> None:
        """ctrl+n / ctrl+p: the next / previous match of the last search."""
        if not self.search_phrase:
            self._set_status(f"No search yet: press {self.keys('search')} to find a phrase")
            return
        self._search(1 if int(step) > 0 else -1)

    def _search(self, step: int) -> None:
        """Select the next (or previous) match of the search phrase after (before) the
        cursor, wrapping around; say so when there is none."""
        view, session = self.view, self.session
        pattern = phrase_pattern(self.search_phrase)
        if view.cursor is None or session is None or pattern is None:
            return
        text, tokens = self.article.text, session.tokens
        shown = display_line(self.search_phrase)
        here = tokens.starts[view.cursor]
        selection = view.selection_span()
        wrapped = False
        if step > 0:
            match = pattern.search(text, here + 1)
            if match is None:
                match, wrapped = pattern.search(text), True
        else:
            before = selection.start if selection is not None else here
            match = last = None
            for found in pattern.finditer(text):
                if found.start() < before:
                    match = found
                last = found
            if match is None:
                match, wrapped = last, True
        span = tokens.snap(Span(*match.span())) if match is not None else None
        first = tokens.first_in(span) if span is not None else None
        last_token = tokens.last_in(span) if span is not None else None
        if span is None or first is None or last_token is None:
            self._set_status(f"Not found: “{shown}”", error=True)
            self.notify(f"Not found: “{shown}”", severity="warning", markup=False, timeout=3)
            return
        view.set_selection_anchor(None)
        view.move_cursor(last_token, keep_anchor=False)
        view.set_selection_anchor(first)
        view.show_span(span)
        self._sync_current_to_cursor()
        self._refresh_keys()
        where = " (wrapped around)" if wrapped else ""
        use = (f"{self.keys('label-1')}…{self.keys('label-9')} label it"
               if self.shown_layer == "entities" else f"{self.keys('add-item')} makes it new")
        self._set_status(
            f"Found “{shown}”{where} and selected it: {use}; {self.keys('search-next')} / "
            f"{self.keys('search-previous')} the next / previous match")
