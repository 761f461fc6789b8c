"""The library: every article with its title, date, suggestions, decisions per layer, done mark.

Typing filters the list (by title and id); Enter opens the highlighted
article. Files that could not be read are listed below with their error.
All cells are `Text` objects, so titles from files are never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.app.bindings import LIBRARY_BINDINGS
from tui.app.context import AppContext
from tui.core.model import Article
from tui.core.text import display_safe
from tui.store.gold import StoreError

TITLE_CELLS = 46
ID_CELLS = 20
_FORWARDED = {"up": "cursor_up", "down": "cursor_down", "pageup": "page_up",
              "pagedown": "page_down"}


def _cell(value: str, cells: int) -> Text:
    """`value` as a one-line cell of at most `cells` terminal cells (wide characters count 2)."""
    text = Text(display_safe(value[:400].replace("\n", " ")),
                no_wrap=True, overflow="ellipsis")
    text.truncate(cells, overflow="ellipsis")
    return text


class LibraryScreen(Screen[None]):
    """The list of articles; the screen under every article screen."""

    BINDINGS = [*LIBRARY_BINDINGS]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        yield Static(Text(" byline · library ", style="bold reverse"), id="title-bar")
        yield Input(placeholder="Type to filter by title or id; Enter opens", id="filter")
        yield DataTable(id="articles", cursor_type="row", zebra_stripes=True)
        yield Static(id="errors")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key, width in (("Title", "title", TITLE_CELLS), ("Date", "date", 10),
                                  ("Suggested", "suggested", 9), ("Entities", "decided", 8),
                                  ("Quotes", "quotes", 6), ("Meets", "meetings", 5),
                                  ("Done", "done", 4), ("Id", "id", ID_CELLS)):
            table.add_column(Text(label), key=key, width=width)
        self._fill("")
        errors = Text()
        if self.ctx.errors:
            errors.append(f"{len(self.ctx.errors)} file(s) could not be read:\n", style="bold red")
            for error in self.ctx.errors[:50]:
                errors.append("  " + display_safe(error) + "\n", style="red")
        self.query_one("#errors", Static).update(errors)
        self.query_one(Input).focus()

    def on_screen_resume(self) -> None:
        self._fill(self.query_one(Input).value)

    def _row(self, article: Article) -> list[Text]:
        store, annotator = self.ctx.store, self.ctx.annotator
        count = store.suggestion_count(article.id, article.text_hash, self.ctx.models.resolved)
        summary = store.summary(article.id, annotator)
        stale = summary is not None and summary.text_hash != article.text_hash
        suggested = str(count) if count is not None else "–"
        decided = "changed!" if stale else str(summary.decided if summary else 0)
        quotes = "" if stale else str(summary.quotes if summary else 0)
        meetings = "" if stale else str(summary.meetings if summary else 0)
        done = "✓" if summary is not None and summary.done and not stale else ""
        return [_cell(article.title, TITLE_CELLS), _cell(str(article.meta.get("date", "")), 10),
                Text(suggested, justify="right"), Text(decided, justify="right"),
                Text(quotes, justify="right"), Text(meetings, justify="right"),
                Text(done, style="bold green", justify="center"), _cell(article.id, ID_CELLS)]

    def _fill(self, query: str) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        needle = query.strip().casefold()
        for article in self.ctx.articles:
            if needle and needle not in article.title.casefold() \
                    and needle not in article.id.casefold():
                continue
            table.add_row(*self._row(article), key=article.id)
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_open()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def on_key(self, event: events.Key) -> None:
        action = _FORWARDED.get(event.key)
        if action is not None:
            table = self.query_one(DataTable)
            getattr(table, f"action_{action}")()
            event.stop()
            event.prevent_default()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            self.notify("No article matches the filter", severity="warning", markup=False)
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        article = next((a for a in self.ctx.articles if a.id == row_key.value), None)
        if article is not None:
            from tui.app.screens.article import ArticleScreen

            self.app.push_screen(ArticleScreen(self.ctx, article))

    def action_clear_filter(self) -> None:
        self.query_one(Input).value = ""

    def action_model_report(self) -> None:
        from tui.app.screens.review import ModelReportScreen
        from tui.core.review import model_report

        store = self.ctx.store
        try:
            report = model_report(store.annotations(self.ctx.annotator))
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.app.push_screen(ModelReportScreen(report, self.ctx.models.resolved))

    def action_help(self) -> None:
        from tui.app.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.ctx.keymap))
