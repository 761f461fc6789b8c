"""Every hostile seed opens in the real app and is drawn exactly as written, harmlessly."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from tests.app.conftest import HOSTILE
from tests.app.helpers import article_screen, make_app
from tui.app.screens.article import ArticleScreen
from tui.app.widgets.article_view import ArticleView
from tui.core.text import display_safe
from tui.formats.readers import read_paths

_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
         "\u2069", "\u200e", "\u200f", "\u061c"}


def test_the_unreadable_hostile_files_are_reported_not_fatal() -> None:
    result = read_paths([HOSTILE])
    names = sorted(error.path.name for error in result.errors)
    assert names == ["empty.txt", "latin1.txt", "truncated.jsonl", "utf16.txt"]
    assert len(result.articles) >= 10


async def test_every_hostile_article_is_drawn_as_written(hostile_store: Path) -> None:
    app = make_app(hostile_store, paths=[HOSTILE])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for article in app.ctx.articles:
            app.switch_screen(ArticleScreen(app.ctx, article))
            await pilot.pause()
            screen = article_screen(app)
            assert screen.session is not None, article.id
            view = screen.query_one(ArticleView)
            assert view.line_count > 0
            for y in range(min(view.size.height, view.line_count)):
                strip = view.render_line(y)
                drawn = "".join(segment.text for segment in strip)
                start, end = view.line_range(view.scroll_offset.y + y)
                expected = display_safe(article.text[start:end]).replace("\t", " ")
                assert drawn.rstrip() == expected.rstrip(), (article.id, y)
                for char in drawn:
                    assert unicodedata.category(char) != "Cc", (article.id, repr(char))
                    assert char not in _BIDI, (article.id, repr(char))
            # Walk over every entity: the panel shows it, the app stays up.
            for _ in range(min(len(screen.session.items), 40)):
                await pilot.press("n")
            assert app.is_running
