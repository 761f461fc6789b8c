"""Helpers for driving the real app in tests: build it, read its screen, read the store."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual.widgets import Static

from tests.conftest import SEED_ID, SEEDS
from tui.app.app import BylineApp
from tui.app.screens.article import ArticleScreen
from tui.app.widgets.article_view import ArticleView
from tui.commands.annotate import build_context
from tui.core.model import AnnotationRecord
from tui.store.gold import GoldStore

ANNOTATOR = "tester"


def make_app(db: Path, paths: list[Path] | None = None, config: Path | None = None,
             model: str | None = None) -> BylineApp:
    """The app exactly as `byline annotate` builds it."""
    ctx = build_context(paths or [SEEDS], db, ANNOTATOR, model, config)
    return BylineApp(ctx)


def article_screen(app: BylineApp) -> ArticleScreen:
    screen = app.screen
    assert isinstance(screen, ArticleScreen), type(screen)
    return screen


def screen_lines(app: BylineApp) -> list[str]:
    """The article text as drawn on screen, one string per visible line."""
    view = app.screen.query_one(ArticleView)
    return ["".join(segment.text for segment in view.render_line(y)).rstrip()
            for y in range(view.size.height)]


def static_text(app: BylineApp, selector: str) -> str:
    """The text a Static shows (Rich renderables are rendered as the terminal would)."""
    content = app.screen.query_one(selector, Static).content
    if isinstance(content, str | Text):
        return str(content)
    console = Console(width=200, record=True, file=io.StringIO(), color_system=None)
    console.print(content)
    return console.export_text()


def stored(db: Path, article_id: str = SEED_ID) -> AnnotationRecord | None:
    """What the store on disk holds now, read by a second, read-only opener."""
    store = GoldStore.open(db, read_only=True)
    try:
        return store.annotation(article_id, ANNOTATOR)
    finally:
        store.close()


def stored_items(db: Path, article_id: str = SEED_ID) -> dict[str, tuple[int, int, str, str]]:
    record = stored(db, article_id)
    if record is None:
        return {}
    return {item_id: (item.start, item.end, item.label, item.status.value)
            for item_id, item in record.items.items()}


async def cursor_to(pilot, app: BylineApp, offset: int) -> None:  # type: ignore[no-untyped-def]
    """Press the arrow keys until the token cursor sits on the token at `offset`."""
    screen = article_screen(app)
    session = screen.session
    assert session is not None
    target = session.tokens.index_at(offset)
    assert target is not None
    view = screen.query_one(ArticleView)
    assert view.cursor is not None
    key = "right" if target > view.cursor else "left"
    for _ in range(abs(target - view.cursor)):
        await pilot.press(key)
    assert view.cursor == target
