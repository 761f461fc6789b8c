"""Every hostile seed in the real app: every entity span clicked, every screen visited
(layers, help, label picker, review, library, model report); the app stays up, no
file is written anywhere, and the text on screen is the article's."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.app.conftest import HOSTILE
from tests.app.helpers import article_screen, make_app
from tui.app.screens.article import ArticleScreen
from tui.app.screens.review import ItemDetailScreen
from tui.app.widgets.article_view import ArticleView
from tui.core.text import display_safe


def files_under(*folders: Path) -> set[Path]:
    return {p for folder in folders for p in folder.rglob("*") if p.is_file()}


async def test_click_every_span_and_visit_every_screen(hostile_store: Path,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a payload writing "here" would land in tmp_path
    watched = (tmp_path, HOSTILE)
    before = files_under(*watched)
    app = make_app(hostile_store, paths=[HOSTILE])
    details = 0
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for article in app.ctx.articles:
            app.switch_screen(ArticleScreen(app.ctx, article))
            await pilot.pause()
            screen = article_screen(app)
            session = screen.session
            assert session is not None, article.id
            view = screen.query_one(ArticleView)
            for item in list(session.ordered())[:12]:
                view.show_offset(item.start)
                await pilot.pause()
                line = view.line_of(item.start)
                start, _ = view.line_range(line)
                x = view.styles.padding.left + cell_len(
                    display_safe(article.text[start:item.start]).replace("\t", " "))
                y = line - view.scroll_offset.y
                await pilot.click(ArticleView, offset=(x, y))
                assert app.is_running
                assert session.current is not None, (article.id, item.id)
                assert session.current.start <= item.start < session.current.end or \
                    session.current.id == item.id, (article.id, item.id)
            await pilot.press("a", "x", "t", "t", "t", "question_mark")
            await pilot.pause()
            await pilot.press("escape", "l")
            await pilot.pause()
            await pilot.press("escape", "R")
            await pilot.pause()
            await pilot.press("enter")  # the whole item: drawn safe, never as markup
            await pilot.pause()
            if isinstance(app.screen, ItemDetailScreen):
                details += 1
                drawn = "".join(strip.text for strip in
                                app.screen._compositor.render_strips())
                assert not any(ord(ch) < 32 or 0x7f <= ord(ch) < 0xa0 or
                               0x202a <= ord(ch) <= 0x202e for ch in drawn), article.id
                await pilot.press("escape")
                await pilot.pause()
            await pilot.press("escape", "c")
            await pilot.pause()
            assert app.is_running, article.id
            # What is on screen is the article's own text, made safe to draw.
            view = article_screen(app).query_one(ArticleView)
            for y in range(min(view.size.height, view.line_count)):
                drawn = "".join(segment.text for segment in view.render_line(y))
                start, end = view.line_range(view.scroll_offset.y + y)
                assert drawn.rstrip() == display_safe(
                    article.text[start:end]).replace("\t", " ").rstrip(), (article.id, y)
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        await pilot.press("escape")
        assert app.is_running
    assert details  # the detail of a difference was drawn at least once
    assert files_under(*watched) == before


@pytest.mark.parametrize("article_id", ["emoji", "cjk", "combining", "bidi"])
async def test_a_keyboard_selection_is_exactly_the_text_between_its_offsets(
        hostile_store: Path, article_id: str) -> None:
    app = make_app(hostile_store, paths=[HOSTILE])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        article = next(a for a in app.ctx.articles if a.id == article_id)
        app.switch_screen(ArticleScreen(app.ctx, article))
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None
        view = screen.query_one(ArticleView)
        # From a token near the middle, select three tokens with the keyboard.
        middle = len(session.tokens) // 2
        view.move_cursor(middle, keep_anchor=False)
        await pilot.press("v", "shift+right", "shift+right")
        selection = view.selection_span()
        assert selection is not None
        first, last = session.tokens.span(middle), session.tokens.span(middle + 2)
        assert (selection.start, selection.end) == (first.start, last.end)
        # The drawn cells of the selection are exactly its characters.
        line = view.line_of(selection.start)
        _, end = view.line_range(line)
        if selection.end <= end:
            shown = display_safe(article.text[selection.start:selection.end])
            drawn = "".join(s.text for s in view.render_line(line - view.scroll_offset.y))
            assert shown.replace("\t", " ") in drawn
        assert app.is_running
