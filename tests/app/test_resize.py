"""Resizing the terminal: the article is wrapped again for the new width, from the first frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.app.helpers import article_screen, make_app, screen_lines
from tui.app.widgets.article_view import ArticleView
from tui.app.widgets.wrap import wrap_lines


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
