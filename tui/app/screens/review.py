"""Model against gold in the app: the differences of one article (`ReviewScreen`, key
R on the article screen) and the model's precision and recall across the store
(`ModelReportScreen`, ctrl+r on the library).

Every cell is a `Text` made display-safe: article text never reaches markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Static

from tui.core.review import Difference, ModelReport
from tui.core.text import display_line, display_safe

_KIND_STYLE = {"missed": "bold yellow", "spurious": "bold red"}


def _cell(value: str, cells: int) -> Text:
    text = Text(display_safe(value.replace("\n", " ")), no_wrap=True, overflow="ellipsis")
    text.truncate(cells, overflow="ellipsis")
    return text


class ItemDetailScreen(ModalScreen[bool]):
    """The whole of one item, field by field, on every side (the annotator and the model,
    or each annotator). Enter goes to it where `can_go`, else closes; escape or b closes.

    Every cell is display-safe `Text`: nothing here is parsed as markup."""

    DEFAULT_CSS = """
    ItemDetailScreen { align: center middle; }
    #item-detail { width: 90%; height: auto; max-height: 90%; border: round $primary;
                   background: $surface; padding: 0 1; }
    """

    BINDINGS = [
        Binding("enter", "go", "Go to it", id="item-detail-go"),
        Binding("escape,b", "close", "Close", id="item-detail-close"),
    ]

    def __init__(self, title: str, sides: Sequence[str],
                 rows: Sequence[tuple[str, Sequence[str]]], can_go: bool = False) -> None:
        super().__init__()
        self.heading = title
        self.sides = tuple(sides)
        self.rows = tuple(rows)
        self.can_go = can_go

    def compose(self) -> ComposeResult:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, expand=True)
        table.add_column(Text("Field"), no_wrap=True)
        for side in self.sides:
            table.add_column(Text(display_line(side)), overflow="fold", ratio=1)
        for name, values in self.rows:
            table.add_row(Text(display_line(name), style="bold"),
                          *(Text(display_line(v)) for v in values))
        hint = Text("Enter: go to it in the article · escape: back" if self.can_go
                    else "escape or Enter: back", style="dim")
        with VerticalScroll(id="item-detail"):
            yield Static(Text(display_line(self.heading), style="bold"))
            yield Static(table, id="item-detail-table")
            yield Static(hint)

    def action_go(self) -> None:
        self.dismiss(self.can_go)

    def action_close(self) -> None:
        self.dismiss(False)


class ReviewScreen(Screen[Difference | None]):
    """The differences between the model and the annotator in one article, each row the
    part that differs; n/p move, Enter shows the whole item on both sides (and Enter
    there goes to it in the article), escape goes back."""

    BINDINGS = [
        Binding("n", "move(1)", "Next difference"),
        Binding("p", "move(-1)", "Previous"),
        Binding("enter", "detail", "Details", id="review-details",
                tooltip="The whole item on both sides; Enter there goes to it"),
        Binding("escape,R,b", "back", "Back"),
    ]

    def __init__(self, title: str, found: list[Difference]) -> None:
        super().__init__()
        self.found = found
        self.article_title = title

    def compose(self) -> ComposeResult:
        title = Text(" byline · model against gold · ", style="bold reverse")
        title.append(display_safe(self.article_title[:60]), style="bold reverse")
        yield Static(title, id="title-bar")
        counts = Counter(d.kind for d in self.found)
        summary = Text(f" {len(self.found)} difference(s)")
        if counts:
            summary.append(": " + ", ".join(f"{n} {kind}" for kind, n in sorted(
                counts.items(), key=lambda kv: (-kv[1], kv[0]))))
        else:
            summary.append(": the annotator kept every decided suggestion as it was")
        yield Static(summary, id="review-summary")
        yield DataTable(id="differences", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The annotator's and the model's sides share what the screen leaves.
        kind = 24 if self.app.size.width >= 120 else 14
        side = min(40, max(12, (self.app.size.width - 8 - kind - 2 * 4 - 2) // 2))
        for label, width in (("Layer", 8), ("Difference", kind), ("Annotator", side),
                             ("Model", side)):
            table.add_column(Text(label), width=width)
        for n, d in enumerate(self.found):
            table.add_row(Text(d.layer), Text(d.kind, style=_KIND_STYLE.get(d.kind, "")),
                          _cell(d.gold, 40), _cell(d.model, 40), key=str(n))
        table.focus()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=(table.cursor_row + step) % table.row_count)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_detail()

    def action_detail(self) -> None:
        """The whole item of the highlighted difference; Enter there goes to it."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        difference = self.found[table.cursor_row]
        rows = [(name, (gold, model)) for name, gold, model in difference.detail]

        def went(go: bool | None) -> None:
            if go:
                self.dismiss(difference)

        self.app.push_screen(ItemDetailScreen(
            f"{difference.layer} · {difference.kind}", ("Annotator", "Model"), rows,
            can_go=True), went)

    def action_go(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.dismiss(self.found[table.cursor_row])

    def action_back(self) -> None:
        self.dismiss(None)


def _rate(value: float | None) -> Text:
    return Text("–" if value is None else f"{value:.3f}", justify="right")


class ModelReportScreen(Screen[None]):
    """The model's precision and recall per entity label and per layer, from every
    decision in the store."""

    BINDINGS = [Binding("escape,ctrl+r,b", "back", "Back")]

    def __init__(self, report: ModelReport, model: str) -> None:
        super().__init__()
        self.report = report
        self.model = model

    def compose(self) -> ComposeResult:
        yield Static(Text(" byline · the model against the decisions ", style="bold reverse"),
                     id="title-bar")
        note = Text(f" {self.report.articles} annotated article(s). Precision: accepted / "
                    "decided suggestions; recall: accepted / gold items (accepted, corrected, "
                    "added). Suggestions nobody decided are not counted.")
        yield Static(note, id="report-note")
        yield DataTable(id="report", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        headings = ("Layer", "Label", "Decided", "Accepted", "Corrected", "Rejected",
                    "Missed", "Precision", "Recall")
        if self.app.size.width < 100:  # short headings: every column fits 80 columns
            headings = ("Layer", "Label", "Dec.", "Acc.", "Corr.", "Rej.", "Missed", "Prec.",
                        "Recall")
        for label in headings:
            table.add_column(Text(label))
        for layer, label, tally in self.report.rows():
            table.add_row(Text(layer), _cell(label, 20),
                          *(Text(str(n), justify="right") for n in (
                              tally.suggested, tally.accepted, tally.corrected, tally.rejected,
                              tally.missed)),
                          _rate(tally.precision), _rate(tally.recall))
        table.focus()

    def action_back(self) -> None:
        self.app.pop_screen()
