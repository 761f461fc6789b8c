"""Moving the cursor in the real app: lines, pages, words, paragraphs, search, and the view
that keeps the cursor on screen. Real key presses on the seed article, checked on screen
and in the store on disk.

Positions are worked out from the view's own wrapping (which the side panel's width
decides), so the tests say what a key does, not where the words of one layout fall.
"""

from __future__ import annotations

from pathlib import Path

from textual import events

from tests.app.helpers import article_screen, cursor_to, make_app, static_text, stored_items
from tui.app.screens.article import ArticleScreen
from tui.app.widgets.article_view import ArticleView
from tui.app.widgets.keybar import DISABLED_TEXT_STYLE
from tui.app.widgets.search_bar import SearchBar

SIZE = (120, 40)
SMALL = (80, 14)


def key_style(app, description: str) -> str:  # type: ignore[no-untyped-def]
    """The style of `description` in the key bar as drawn now."""
    text = app.screen.query_one("#key-bar").content
    start = text.plain.index(f" {description} ") + 1
    styles = [str(span.style) for span in text.spans if span.start <= start < span.end]
    return styles[-1] if styles else ""


def parts(app) -> tuple[ArticleScreen, ArticleView]:  # type: ignore[no-untyped-def]
    screen = article_screen(app)
    assert screen.session is not None
    return screen, screen.query_one(ArticleView)


def word_at(screen: ArticleScreen, token: int | None) -> str:
    assert screen.session is not None and token is not None
    tokens = screen.session.tokens
    return screen.article.text[tokens.starts[token]:tokens.ends[token]]


def cursor_line(view: ArticleView) -> int:
    span = view.cursor_span()
    assert span is not None
    return view.line_of(span.start)


def cursor_shown(view: ArticleView) -> bool:
    span = view.cursor_span()
    assert span is not None
    return view.is_shown(span.start)


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    keys = {" ": "space", "[": "left_square_bracket", "]": "right_square_bracket"}
    await pilot.press(*[keys.get(char, char) for char in text])


async def test_down_goes_through_the_paragraphs_and_up_comes_back(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        assert word_at(screen, view.cursor) == "DOHA"
        first_break = screen.article.text.index("\n")
        visited = [view.cursor]
        for _ in range(6):
            before = cursor_line(view)
            await pilot.press("down")
            line = cursor_line(view)
            # One line down, or two where a blank line (no token) is passed over.
            assert line == before + 1 or (line == before + 2
                                          and view.line_tokens(before + 1) is None)
            # The column of DOHA (0) is kept: each stop is the first word of its line.
            assert view.line_tokens(line) is not None
            assert view.cursor == view.line_tokens(line)[0]  # type: ignore[index]
            visited.append(view.cursor)
        assert len(set(visited)) == 7
        span = view.cursor_span()
        assert span is not None and span.start > first_break  # past the first paragraph
        assert word_at(screen, visited[4]) == "In"  # the next paragraph's first word
        for expected in reversed(visited[:-1]):
            await pilot.press("up")
            assert view.cursor == expected
        # Up at the top stays.
        await pilot.press("up")
        assert view.cursor == visited[0]


async def test_up_and_down_keep_the_goal_column_across_a_short_line(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        # The first paragraph's last line is shorter than the one above it: start from the
        # last word of the line above it.
        paragraph_end = screen.article.text.index("\n") - 1
        short = view.line_of(paragraph_end)
        tokens_above = view.line_tokens(short - 1)
        assert tokens_above is not None
        start_token = tokens_above[1]
        await cursor_to(pilot, app, screen.session.tokens.starts[start_token])  # type: ignore[union-attr]
        goal = view.column_of(screen.session.tokens.starts[start_token])  # type: ignore[union-attr]
        start, end = view.line_range(short)
        assert end - start < goal, "the short line must end before the goal column"
        await pilot.press("down")
        assert cursor_line(view) == short
        assert view.cursor == view.line_tokens(short)[1]  # type: ignore[index]
        await pilot.press("down")  # over the blank line, back at the goal column
        line = cursor_line(view)
        assert line == short + 2
        span = view.cursor_span()
        assert span is not None
        assert view.column_of(span.start) > end - start  # not the short line's column
        first, last = view.line_tokens(line)  # type: ignore[misc]
        assert first <= view.cursor <= last
        # The token under the goal column: it starts at or before it, the next one after.
        assert view.column_of(span.start) <= goal
        if view.cursor < last:  # type: ignore[operator]
            following = screen.session.tokens.starts[view.cursor + 1]  # type: ignore[operator, union-attr]
            assert view.column_of(following) > goal
        await pilot.press("up", "up")
        assert view.cursor == start_token
        # Any other move forgets the column: left, then up, starts a new run from there.
        await pilot.press("left")
        assert view.goal_column is None


async def test_shift_down_extends_the_selection_by_lines(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, view = parts(app)
        assert view.cursor == 0 and view.selection_anchor is None
        await pilot.press("shift+down")
        selection = view.selection_span()
        assert selection is not None and selection.start == 0
        assert cursor_line(view) == 1
        await pilot.press("shift+down")
        selection = view.selection_span()
        assert selection is not None and selection.start == 0
        assert view.line_of(selection.end - 1) == 2
        await pilot.press("shift+up")
        selection = view.selection_span()
        assert selection is not None and view.line_of(selection.end - 1) == 1
        # A plain arrow keeps extending what was started; Esc drops it.
        await pilot.press("escape")
        assert view.selection_span() is None


async def test_home_end_page_and_article_keys_move_the_cursor(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        session = screen.session
        assert session is not None
        await pilot.press("right", "right", "right")
        line = cursor_line(view)
        await pilot.press("end")
        assert view.cursor == view.line_tokens(line)[1]  # type: ignore[index]
        await pilot.press("home")
        assert view.cursor == view.line_tokens(line)[0] == 0  # type: ignore[index]
        # shift+End selects the rest of the line.
        await pilot.press("shift+end")
        selection = view.selection_span()
        assert selection is not None and selection.start == 0
        assert selection.end == view.line_range(0)[1] or view.line_of(selection.end - 1) == 0
        await pilot.press("escape")
        line_end = view.cursor
        assert line_end == view.line_tokens(0)[1]  # type: ignore[index]
        # PageDown: the view and the cursor a page down; PageUp comes back to the same word.
        height = view.scrollable_content_region.height
        assert view.line_count > 2 * height
        await pilot.press("pagedown")
        assert view.scroll_offset.y == view.page_height
        assert cursor_line(view) in (view.page_height, view.page_height + 1)
        assert cursor_shown(view)
        await pilot.press("pageup")
        assert view.scroll_offset.y == 0 and view.cursor == line_end
        await pilot.press("ctrl+end")
        assert view.cursor == len(session.tokens) - 1
        assert cursor_shown(view) and view.scroll_offset.y == view.max_scroll_y
        await pilot.press("ctrl+home")
        assert view.cursor == 0 and view.scroll_offset.y == 0
        await pilot.press("greater_than_sign")  # the second key of article-end
        assert view.cursor == len(session.tokens) - 1


async def test_word_and_paragraph_jumps(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        await pilot.press("right")
        assert word_at(screen, view.cursor) == ":"  # the arrows go by token
        await pilot.press("left", "ctrl+right")
        assert word_at(screen, view.cursor) == "Turkey"  # a word jump passes over ":"
        await pilot.press("ctrl+left")
        assert word_at(screen, view.cursor) == "DOHA"
        await pilot.press("ctrl+shift+right", "ctrl+shift+right")
        selection = view.selection_span()
        assert selection is not None
        assert screen.article.text[selection.start:selection.end] == "DOHA: Turkey and"
        await pilot.press("escape", "ctrl+down")
        assert word_at(screen, view.cursor) == "In"
        await pilot.press("right_parenthesis")
        assert word_at(screen, view.cursor) == "All"
        await pilot.press("right", "ctrl+up")
        assert word_at(screen, view.cursor) == "All"  # the start of this paragraph
        await pilot.press("left_parenthesis")
        assert word_at(screen, view.cursor) == "In"  # at a start: the one before
        # Extending down stops at the paragraph's end.
        await pilot.press("ctrl+shift+down")
        selection = view.selection_span()
        assert selection is not None
        assert screen.article.text[selection.start:selection.end].startswith("In a sign")
        assert screen.article.text[selection.start:selection.end].endswith("Al Thani.")


async def test_search_selects_the_match_and_a_digit_adds_it(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        session = screen.session
        assert session is not None
        text = screen.article.text
        start = text.index("closed doors")
        end = start + len("closed doors")
        assert not session.overlapping(start, end)  # nothing there yet
        bar = screen.query_one(SearchBar)
        await pilot.press("slash")
        assert bar.has_focus and bar.display
        await type_text(pilot, "CLOSED   doors")  # any case, any white space
        await pilot.press("enter")
        assert not bar.display and view.has_focus
        selection = view.selection_span()
        assert selection is not None and (selection.start, selection.end) == (start, end)
        assert cursor_shown(view)  # the match was below the fold: the view followed
        assert "Found" in static_text(app, "#status-line")
        await pilot.press("3")  # the legend's third label
        label = screen.labels[2]
        assert (start, end, label, "added") in stored_items(cached_store).values()
        assert view.selection_span() is None


async def test_search_repeats_wraps_says_not_found_and_shows_no_markup(
        cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        text = screen.article.text
        matches = [i for i in range(len(text)) if text.lower().startswith("ceasefire", i)]
        assert len(matches) >= 3
        await pilot.press("slash")
        await type_text(pilot, "ceasefire")
        await pilot.press("enter")
        found = []
        for _ in range(len(matches)):
            selection = view.selection_span()
            assert selection is not None
            found.append(selection.start)
            await pilot.press("ctrl+n")
        assert found == matches
        selection = view.selection_span()
        assert selection is not None and selection.start == matches[0]  # wrapped around
        assert "wrapped" in static_text(app, "#status-line")
        await pilot.press("ctrl+p")
        selection = view.selection_span()
        assert selection is not None and selection.start == matches[-1]
        # Esc cancels: the cursor stays where it was.
        cursor = view.cursor
        await pilot.press("slash", "x", "escape")
        assert not screen.query_one(SearchBar).display and view.cursor == cursor
        # Not found, said with the phrase as typed, never read as markup.
        await pilot.press("slash")
        await type_text(pilot, "[b]nowhere[/b]")
        await pilot.press("enter")
        assert view.cursor == cursor
        assert "Not found: “[b]nowhere[/b]”" in static_text(app, "#status-line")
        # A pasted control sequence is shown, never passed to the terminal.
        bar = screen.query_one(SearchBar)
        await pilot.press("slash")
        bar.post_message(events.Paste("say\x1b[2J\u202eit"))
        await pilot.pause()
        assert bar.value == "say\u241b[2J\u2426it"
        await pilot.press("escape")


async def test_a_digit_on_a_bare_word_adds_it_and_a_says_how(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, _ = parts(app)
        session = screen.session
        assert session is not None
        bare = screen.article.text.index("intensifying")
        await cursor_to(pilot, app, bare)
        assert session.item_at(bare) is None and session.current is None
        # The key bar shows Accept grey (nothing to accept) and Label… able to act.
        assert key_style(app, "Accept") == DISABLED_TEXT_STYLE
        assert key_style(app, "Label…") == ""
        await pilot.press("a")
        status = static_text(app, "#status-line")
        assert "Nothing to accept here" in status and "1…9" in status and " v " in status
        assert stored_items(cached_store) == {}
        await pilot.press("2")
        label = screen.labels[1]
        assert (bare, bare + len("intensifying"), label, "added") \
            in stored_items(cached_store).values()
        current = session.current
        assert current is not None and current.start == bare and current.label == label
        # l on a bare word: the label picked from the list labels that word.
        other = screen.article.text.index("efforts")
        await cursor_to(pilot, app, other)
        assert session.item_at(other) is None
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("end", "enter")  # the list's last label
        await pilot.pause()
        assert (other, other + len("efforts"), screen.labels[-1], "added") \
            in stored_items(cached_store).values()


async def test_the_hint_names_remapped_keys(cached_store: Path, tmp_path: Path) -> None:
    config = tmp_path / "byline.toml"
    config.write_text('[keys]\nselect = "ctrl+s"\n"label-1" = "f1"\n', encoding="utf-8")
    app = make_app(cached_store, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, _ = parts(app)
        await cursor_to(pilot, app, screen.article.text.index("intensifying"))
        await pilot.press("x")
        status = static_text(app, "#status-line")
        assert "Nothing to reject here" in status
        assert "ctrl+s" in status and "f1…9" in status


async def test_resize_keeps_the_cursor_on_screen(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _, view = parts(app)
        await pilot.press("ctrl+end", "up", "up")
        assert cursor_shown(view)
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert view.scroll_offset.y > 0 and cursor_shown(view)
        await pilot.resize_terminal(100, 20)
        await pilot.pause()
        assert cursor_shown(view)


async def test_growing_an_entity_below_the_fold_shows_its_end(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        session = screen.session
        assert session is not None
        tokens = session.tokens
        height = view.scrollable_content_region.height
        # A bare word ending a line below the first screen, the word after it bare too
        # and on the next line.
        chosen = next(
            t for t in range(len(tokens) - 1)
            if view.line_of(tokens.starts[t]) >= height
            and view.line_tokens(view.line_of(tokens.starts[t]))[1] == t  # type: ignore[index]
            and view.line_of(tokens.starts[t + 1]) == view.line_of(tokens.starts[t]) + 1
            and session.item_at(tokens.starts[t]) is None
            and session.item_at(tokens.starts[t + 1]) is None)
        await cursor_to(pilot, app, tokens.starts[chosen])
        line = view.line_of(tokens.starts[chosen])
        assert view.scroll_offset.y + height - 1 == line  # on the last line shown
        await pilot.press("1", "right_square_bracket")
        current = session.current
        assert current is not None and current.end == tokens.ends[chosen + 1]
        assert view.is_shown(current.end - 1)  # the end, on the next line, is shown


async def test_undo_shows_the_item_it_changed(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        await pilot.press("t")
        quotes = screen.quotes
        assert quotes is not None and quotes.current is not None
        changed = quotes.current
        await pilot.press("i")  # direct <-> indirect: the quote stays current
        await pilot.press("ctrl+end")
        assert not view.is_shown(changed.anchor.start)
        await pilot.press("u")
        assert quotes.current is not None and quotes.current.id == changed.id
        assert view.is_shown(changed.anchor.start) and cursor_shown(view)
        await pilot.press("ctrl+end", "r")
        assert view.is_shown(changed.anchor.start) and cursor_shown(view)


async def _down_then_up(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Down from the top reaches the article's last line, each press a line further
    (a token cut over lines is one stop); Up comes back the same way."""
    screen, view = parts(app)
    tokens = screen.session.tokens  # type: ignore[union-attr]
    last_line = max(line for line in range(view.line_count)
                    if view.line_tokens(line) is not None)
    await pilot.press("ctrl+home")
    stops = [view.cursor]
    while view.line_of(tokens.ends[view.cursor] - 1) < last_line:  # type: ignore[index]
        await pilot.press("down")
        assert view.cursor is not None and view.cursor != stops[-1], "down got stuck"
        assert tokens.starts[view.cursor] > tokens.starts[stops[-1]]  # type: ignore[index]
        assert cursor_shown(view)
        stops.append(view.cursor)
        assert len(stops) <= view.line_count
    await pilot.press("down")
    assert view.cursor == stops[-1]  # the last line: down stays
    await pilot.press(*["up"] * (len(stops) - 1))
    span = view.cursor_span()
    assert span is not None and view.line_of(span.start) == 0


async def test_down_and_up_cross_every_seed_article(cached_store: Path) -> None:
    from tests.conftest import SEEDS

    for path in sorted(SEEDS.glob("*.txt")):
        app = make_app(cached_store, paths=[path])
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            await _down_then_up(app, pilot)


async def test_down_and_up_over_words_cut_across_lines(hostile_store: Path) -> None:
    from tests.app.conftest import HOSTILE

    for name in ("cjk.txt", "markup.txt", "emoji.txt"):
        app = make_app(hostile_store, paths=[HOSTILE / name])
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await _down_then_up(app, pilot)


async def test_a_found_entity_is_relabelled_or_rejected_by_its_keys(cached_store: Path) -> None:
    """A search that selects exactly an entity leaves it to the entity keys: a digit
    relabels it (no "overlaps" refusal), x rejects it."""
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, view = parts(app)
        text = screen.article.text
        kalin = text.index("Kalin and Fidan")
        await pilot.press("slash")
        await type_text(pilot, "kal")
        await pilot.press("enter", "ctrl+n")  # the first match is Ibrahim Kalin's surname
        assert view.selection_span() is not None
        assert view.selection_span() == screen.session.current.span  # type: ignore[union-attr]
        await pilot.press("1")
        items = stored_items(cached_store).values()
        assert (kalin, kalin + 5, screen.labels[0], "corrected") in items
        assert not any(status == "added" for *_, status in items)
        two = text.index("two-state")
        await pilot.press("slash")
        await type_text(pilot, "two")
        await pilot.press("enter")
        assert view.selection_span() is not None
        await pilot.press("x")
        assert (two, two + 3, "CARDINAL", "rejected") in stored_items(cached_store).values()
        assert view.selection_span() is None


async def test_switching_layer_on_a_participant_makes_its_meeting_current(
        cached_store: Path) -> None:
    """`t` with the cursor on a meeting's participant (not its trigger) makes that meeting
    the current one, as it does for a trigger."""
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen, _ = parts(app)
        text = screen.article.text
        erdogan = text.index("Erdogan told")
        await cursor_to(pilot, app, erdogan)
        await pilot.press("t", "t")
        meetings = screen.meetings
        assert meetings is not None and meetings.current is not None
        participants = [p.start for p in meetings.current.value.participants]
        assert erdogan in participants
        assert meetings.current.value.trigger.start == text.index("talks, Erdogan")


async def test_a_jump_shows_its_target_a_third_down_and_a_line_move_scrolls_one_line(
        cached_store: Path) -> None:
    """A jump below the window puts the cursor a third of the way down (what follows
    it is on screen too); Down past the bottom edge scrolls by one line only."""
    app = make_app(cached_store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        _, view = parts(app)
        height = view.scrollable_content_region.height
        await pilot.press("slash")
        await type_text(pilot, "two-state")
        await pilot.press("enter")  # far below the first window
        line = cursor_line(view)
        assert line > height
        assert view.scroll_offset.y == line - height // 3
        await pilot.press("ctrl+home")
        assert view.scroll_offset.y == 0
        for _ in range(height * 2):
            before_top, before_line = view.scroll_offset.y, cursor_line(view)
            await pilot.press("down")
            assert cursor_shown(view)
            if view.scroll_offset.y != before_top:
                # Scrolled: by as many lines as the cursor went past the bottom edge.
                assert view.scroll_offset.y - before_top == \
                    cursor_line(view) - (before_top + height - 1)
                assert cursor_line(view) - before_line <= 2
