"""The library: every article with its title, date, suggestions, decisions per layer, done mark.

Typing filters the list (by title and id); Enter opens the highlighted
article. Files that could not be read are listed below with their error.
All cells are `Text` objects, so titles from files are never read as markup.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from tui.app.bindings import LIBRARY_BINDINGS, LIBRARY_KEY_BAR
from tui.app.context import AppContext
from tui.app.widgets.keybar import KeyBar, key_bar_text
from tui.core.model import Article
from tui.core.text import display_line, display_safe
from tui.store.gold import StoreError

TITLE_CELLS = 46
ID_CELLS = 20
#: The columns after the title: (heading, key, cells) wide and narrow (below WIDE).
_COLUMNS = (("Date", "date", 10), ("Suggested", "suggested", 9), ("Entities", "decided", 8),
            ("Quotes", "quotes", 6), ("Meets", "meetings", 5), ("Done", "done", 4))
_NARROW_COLUMNS = (("Date", "date", 10), ("Sug", "suggested", 3), ("Ent", "decided", 3),
                   ("Quo", "quotes", 3), ("Met", "meetings", 3), ("✓", "done", 1))
WIDE = 110
_MIN_TITLE = 14
#: An id longer than this is cut even when the row has room (the title needs it more).
ID_MAX = 40
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
        self.width = 0
        self.title_cells = TITLE_CELLS
        self.id_cells = ID_CELLS

    def compose(self) -> ComposeResult:
        title = Text(" byline · library ", style="bold reverse")
        title.append("  → ", style="dim")
        title.append(display_line(self.ctx.store.path.name))
        yield Static(title, id="title-bar")
        yield Input(placeholder="Type to filter by title or id; Enter opens", id="filter")
        yield DataTable(id="articles", cursor_type="row", zebra_stripes=True)
        yield Static(id="errors")
        yield KeyBar(id="key-bar")

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        errors = Text()
        if self.ctx.errors:
            errors.append(f"{len(self.ctx.errors)} file(s) could not be read:\n", style="bold red")
            for error in self.ctx.errors[:50]:
                errors.append("  " + display_safe(error) + "\n", style="red")
        self.query_one("#errors", Static).update(errors)
        self.query_one(Input).focus()
        keys = [b for b in LIBRARY_BINDINGS if b.id in LIBRARY_KEY_BAR]
        self.query_one(KeyBar).update(key_bar_text(keys, self.ctx.keymap, lambda _: True))

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self.width:
            self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """The columns for `width`: every id whole while the row has room, the title
        the rest (at least a few cells), shorter headings below WIDE columns."""
        self.width = width
        columns = _COLUMNS if width >= WIDE else _NARROW_COLUMNS
        longest = max((cell_len(display_line(a.id)) for a in self.ctx.articles), default=2)
        # Each column is padded by a cell on either side; one more for the edge.
        room = width - 1 - 2 * (len(columns) + 2) - sum(c for _, _, c in columns)
        self.id_cells = max(2, min(longest, ID_MAX, room - _MIN_TITLE))
        self.title_cells = max(_MIN_TITLE, min(room - self.id_cells, 80))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column(Text("Title"), key="title", width=self.title_cells)
        for label, key, cells in columns:
            table.add_column(Text(label), key=key, width=cells)
        table.add_column(Text("Id"), key="id", width=self.id_cells)
        self._fill(self.query_one(Input).value)

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
        return [_cell(article.title, self.title_cells),
                _cell(str(article.meta.get("date", "")), 10),
                Text(suggested, justify="right"), Text(decided, justify="right"),
                Text(quotes, justify="right"), Text(meetings, justify="right"),
                Text(done, style="bold green", justify="center"),
                _cell(article.id, self.id_cells)]

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
