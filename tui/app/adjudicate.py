"""The adjudication app of `byline review STORE... -o MERGED`: the articles where
annotators disagree, and per article each disagreement with every annotator's
side (only the parts that differ, where each side has one quote or meeting
mention; Enter shows every side whole); digits pick a side, 0 neither, and each
pick is saved to the merged store at once. The columns are laid out to the
terminal's width, so `Picked` shows at 120 columns.

Every cell is a `Text` made display-safe: nothing read from a store is markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.app.safe_app import SafeApp
from tui.app.screens.review import ItemDetailScreen
from tui.commands.review import ReviewSession
from tui.core.adjudicate import ArticleReview, Disagreement, detail_rows, side_texts
from tui.core.text import display_safe
from tui.store.gold import StoreError


def _cell(value: str, cells: int) -> Text:
    text = Text(display_safe(value.replace("\n", " ")), no_wrap=True, overflow="ellipsis")
    text.truncate(cells, overflow="ellipsis")
    return text


class ArticlesScreen(Screen[None]):
    """The articles two or more annotators decided, with their disagreements."""

    BINDINGS = [Binding("enter", "open", "Open"), Binding("q", "app.quit", "Quit")]

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield Static(Text(" byline · adjudication ", style="bold reverse"), id="title-bar")
        yield Static(Text(f" {len(self.session.reviews)} article(s) with two or more "
                          f"annotators; {self.session.passed} with one passed through. "
                          "Enter opens an article."), id="review-summary")
        yield DataTable(id="review-articles", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The article and annotators share what the screen leaves (80x24 included).
        room = self.app.size.width - 13 - 8 - 2 * 4 - 2
        names = min(30, max(12, room // 3))
        for label, width in (("Article", min(50, max(16, room - names))), ("Annotators", names),
                             ("Disagreements", 13), ("Settled", 8)):
            table.add_column(Text(label), width=width)
        self._fill()
        table.focus()

    def on_screen_resume(self) -> None:
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for review in self.session.reviews:
            article = self.session.articles[review.article_id]
            table.add_row(_cell(article.title or article.id, 50),
                          _cell(", ".join(review.annotators), 30),
                          Text(str(len(review.disagreements)), justify="right"),
                          Text(str(self.session.settled(review)), justify="right"))
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            review = self.session.reviews[table.cursor_row]
            self.app.push_screen(DisagreementsScreen(self.session, review))


#: The widths of the Layer, Where (narrow below 100 columns) and Picked columns, and the
#: least an annotator's gets.
LAYER_CELLS, WHERE_CELLS, NARROW_WHERE_CELLS, PICKED_CELLS, SIDE_CELLS = 8, 20, 12, 12, 16


def where_width(screen_width: int) -> int:
    """How wide the Where column is on a screen `screen_width` wide."""
    return WHERE_CELLS if screen_width >= 100 else NARROW_WHERE_CELLS


def side_width(screen_width: int, annotators: int) -> int:
    """How wide each annotator's column is so that every column, Picked included, fits in
    `screen_width` (each column pads one cell either side), down to `SIDE_CELLS`."""
    columns = 3 + annotators
    room = (screen_width - LAYER_CELLS - where_width(screen_width) - PICKED_CELLS
            - 2 * columns - 2)
    return max(SIDE_CELLS, room // max(1, annotators))


class DisagreementsScreen(Screen[None]):
    """One article's disagreements: a row each, a column per annotator showing the part
    of their item that differs; Enter shows every annotator's items whole."""

    BINDINGS = [
        Binding("n", "move(1)", "Next"),
        Binding("p", "move(-1)", "Prev"),
        Binding("enter", "detail", "Details", id="adjudication-details",
                tooltip="Every annotator's items here, whole"),
        *[Binding(str(d), f"pick({d})", f"Side {d}", show=False) for d in range(1, 10)],
        Binding("0", "pick(0)", "Neither"),
        Binding("u", "unsettle", "Unsettle"),
        Binding("escape,b", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, session: ReviewSession, review: ArticleReview) -> None:
        super().__init__()
        self.session = session
        self.review = review
        self.text = session.articles[review.article_id].text
        self._width = SIDE_CELLS
        self._where = WHERE_CELLS

    def compose(self) -> ComposeResult:
        article = self.session.articles[self.review.article_id]
        title = Text(" byline · adjudication · ", style="bold reverse")
        title.append(display_safe(article.title[:70]), style="bold reverse")
        yield Static(title, id="title-bar")
        legend = Text(" Pick a side: ")
        for n, name in enumerate(self.review.annotators, 1):
            legend.append(f"{n} ", style="bold")
            legend.append(display_safe(name) + "  ")
        legend.append("0 ", style="bold")
        legend.append(f"neither · {len(self.review.agreed)} agreed item(s) pass through")
        yield Static(legend, id="review-legend")
        yield DataTable(id="disagreements", cursor_type="row", zebra_stripes=True)
        yield Static(id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self._columns(self.app.size.width)
        self.query_one(DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        if (side_width(event.size.width, len(self.review.annotators)),
                where_width(event.size.width)) != (self._width, self._where):
            self._columns(event.size.width)

    def _columns(self, screen_width: int) -> None:
        """Lay the columns out for `screen_width`: Picked always shows."""
        table = self.query_one(DataTable)
        self._width = side_width(screen_width, len(self.review.annotators))
        self._where = where_width(screen_width)
        table.clear(columns=True)
        table.add_column(Text("Layer"), width=LAYER_CELLS)
        table.add_column(Text("Where"), width=self._where)
        for n, name in enumerate(self.review.annotators, 1):
            table.add_column(_cell(f"{n} {name}", self._width), width=self._width)
        table.add_column(Text("Picked"), width=PICKED_CELLS)
        self._fill()

    def _picked(self, index: int) -> Text:
        choices = self.session.choices.get(self.review.article_id, {})
        if index not in choices:
            return Text("—", style="dim")
        who = choices[index]
        return Text("neither" if who is None else display_safe(who), style="bold green")

    def _row(self, index: int, disagreement: Disagreement) -> list[Text]:
        span = disagreement.span
        sides = side_texts(self.text, disagreement)
        return [Text(disagreement.layer), _cell(self.text[span.start:span.end], self._where),
                *(_cell(sides[name], self._width) for name in self.review.annotators),
                self._picked(index)]

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for index, disagreement in enumerate(self.review.disagreements):
            table.add_row(*self._row(index, disagreement))
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def _status(self, message: str, error: bool = False) -> None:
        self.query_one("#status-line", Static).update(
            Text(display_safe(message), style="bold red" if error else ""))

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=(table.cursor_row + step) % table.row_count)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        """Every annotator's items at the highlighted disagreement, whole."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        disagreement = self.review.disagreements[table.cursor_row]
        names = self.review.annotators
        rows = detail_rows(self.text, disagreement, names)
        sides = [f"{n} {name}" for n, name in enumerate(names, 1)]
        where = self.text[disagreement.span.start:disagreement.span.end]
        self.app.push_screen(ItemDetailScreen(
            f"{disagreement.layer} at “{' '.join(where.split())[:60]}”", sides, rows))

    def action_pick(self, number: int) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        if number > len(self.review.annotators):
            self._status(f"There is no annotator {number} here")
            return
        who = None if number == 0 else self.review.annotators[number - 1]
        index = table.cursor_row
        try:
            self.session.settle(self.review, index, who)
        except StoreError as error:
            self._status(str(error), error=True)
            self.notify(str(error), severity="error", markup=False)
            return
        self._fill()
        settled = self.session.settled(self.review)
        self._status(f"Settled {settled} of {len(self.review.disagreements)}"
                     + (" · the article is done" if settled == len(self.review.disagreements)
                        else ""))
        if index + 1 < table.row_count:
            table.move_cursor(row=index + 1)

    def action_unsettle(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            try:
                self.session.unsettle(self.review, table.cursor_row)
            except StoreError as error:
                self._status(str(error), error=True)
                return
            self._fill()

    def action_back(self) -> None:
        self.app.pop_screen()


class AdjudicationApp(SafeApp[None]):
    """`byline review`: the articles, then one article's disagreements."""

    CSS_PATH = "byline.tcss"
    TITLE = "byline review"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, session: ReviewSession) -> None:
        super().__init__()
        self.session = session

    def on_mount(self) -> None:
        self.push_screen(ArticlesScreen(self.session))

    def on_unmount(self) -> None:
        self.session.merged.close()
