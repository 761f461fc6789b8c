"""The byline Textual app and its factory, shared by the command line and the tests."""

from __future__ import annotations

from tui.app.context import AppContext
from tui.app.long_lived import freeze_long_lived
from tui.app.safe_app import SafeApp
from tui.app.screens.article import ArticleScreen
from tui.app.screens.library import LibraryScreen


class BylineApp(SafeApp[None]):
    """Opens the library, then the first article not yet done."""

    CSS_PATH = "byline.tcss"
    TITLE = "byline"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, ctx: AppContext, *, open_first: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.open_first = open_first

    def on_mount(self) -> None:
        # Everything alive now (modules, styles, the corpus) lives as long as the app.
        freeze_long_lived()
        if self.ctx.keymap:
            self.set_keymap(self.ctx.keymap)
        self.push_screen(LibraryScreen(self.ctx))
        for warning in self.ctx.warnings:
            self.notify(warning, severity="warning", markup=False, timeout=10)
        if self.open_first and self.ctx.articles:
            first = self.ctx.next_undone() or self.ctx.articles[0]
            self.push_screen(ArticleScreen(self.ctx, first))

    def on_unmount(self) -> None:
        self.ctx.store.close()
