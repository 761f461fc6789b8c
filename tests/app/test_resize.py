"""Resizing the terminal: the article is wrapped again for the new width, from the first frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.app.helpers import ANNOTATOR, article_screen, make_app, screen_lines
from tests.conftest import SEED_ID
from tui.app.widgets.article_view import ArticleView
from tui.app.widgets.wrap import wrap_lines
from tui.core.model import Article, Suggestions
from tui.core.session import EntitySession
from tui.store.gold import GoldStore


async def test_a_resize_rewraps_the_article_before_its_first_frame(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        view = screen.query_one(ArticleView)
        wide_width, wide_lines = view._wrap_width, list(view._lines)
        cursor = view.cursor
        # Each frame composed from now on: was the text wrapped for the width it had?
        frames: list[tuple[int, int]] = []
        display = app._display

        def recording(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                frames.append((view._wrap_width, view.scrollable_content_region.width))
            display(screen, renderable)

        app._display = recording  # type: ignore[method-assign]
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        width = view.scrollable_content_region.width
        assert 0 < width < wide_width
        assert frames and all(wrapped == shown for wrapped, shown in frames)
        assert view._wrap_width == width
        assert view._lines == wrap_lines(view._text, width)
        for line in screen_lines(app):
            assert len(line) <= width + 2  # the text, the view's padding and its scroll bar
        assert view.cursor == cursor
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert (view._wrap_width, view._lines) == (wide_width, wide_lines)
        assert all(wrapped == shown for wrapped, shown in frames)


def cursor_on_screen(view: ArticleView) -> bool:
    session = view.session
    assert session is not None and view.cursor is not None
    line = view.line_of(session.tokens.starts[view.cursor])
    top = view.scroll_offset.y
    return top <= line < top + view.scrollable_content_region.height


async def test_the_cursor_stays_on_screen_through_resizes(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=(60, 14)) as pilot:
        await pilot.pause()
        view = article_screen(app).query_one(ArticleView)
        for _ in range(30):
            await pilot.press("down")
        await pilot.pause()
        assert view.scroll_offset.y > 0 and cursor_on_screen(view)
        cursor = view.cursor
        for size in ((44, 14), (100, 14), (60, 10)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert view.cursor == cursor
            assert cursor_on_screen(view), size


async def test_an_article_opens_scrolled_to_its_current_item(
        cached_store: Path, seed_articles: list[Article],
        seed_suggestions: dict[str, Suggestions]) -> None:
    """Half the entities decided: the article opens on the first undecided one, on screen."""
    article = next(a for a in seed_articles if a.id == SEED_ID)
    changes: dict[str, Any] = {}
    session = EntitySession(article, seed_suggestions[SEED_ID], {}, ANNOTATOR, changes.update)
    for _ in range(len(session.items) // 2):
        assert session.accept().ok
    with GoldStore.open(cached_store) as store:
        store.save_items(SEED_ID, ANNOTATOR, article.text_hash, changes)
    app = make_app(cached_store)
    async with app.run_test(size=(60, 14)) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        view = screen.query_one(ArticleView)
        assert screen.session is not None and screen.session.current is not None
        assert view.line_of(screen.session.current.start) > 14
        assert cursor_on_screen(view)
