"""`byline stats`: progress, pace and how the model fared, from the gold store.

Opens the store read-only (so it works while someone has the app open on it)
and prints, as plain text: a table of progress per annotator, a table of the
gold entity labels with the model's acceptance, correction and rejection
rates, the same rates per layer, and a bar chart of the decisions of the last
days that have any. With `as_json`, one JSON object instead (see
`tui.core.stats.Stats.to_json`).

Annotator names and labels come from the store, so from anyone: they are drawn
as `rich.text.Text` (never parsed as markup) with control and invisible
characters replaced by visible placeholders.

A missing or unreadable store raises `StoreError` (one line naming the file).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from tui.core.stats import UNKNOWN_DAY, DayCount, Outcome, Stats, compute_stats
from tui.core.text import display_line, json_text
from tui.store.gold import GoldStore, StoreError

EXIT_OK = 0
#: The width the report is laid out for.
WIDTH = 100
#: Days shown in the bar chart (the most recent that have decisions).
CHART_DAYS = 14
#: Eighths of a block, for the end of a bar.
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"


def _safe(text: str) -> Text:
    """Untrusted text as a renderable: never markup, no control characters, one line."""
    return Text(display_line(text), no_wrap=False)


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def _render(renderables: Sequence[RenderableType], width: int = WIDTH) -> list[str]:
    """Plain text lines of `renderables`, no colour, no markup, no emoji codes."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False,
                      markup=False, emoji=False, highlight=False, legacy_windows=False)
    for renderable in renderables:
        console.print(renderable)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def progress_table(stats: Stats) -> Table:
    table = Table(title=Text("Progress per annotator"), box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Annotator", overflow="fold")
    for header in ("Articles", "Done", "Entities", "Quotes", "Meetings", "Decisions"):
        table.add_column(header, justify="right")
    for row in stats.annotators:
        table.add_row(_safe(row.annotator), str(row.articles), str(row.done),
                      *(str(n) for n in row.decisions.values()), str(row.total_decisions))
    if len(stats.annotators) > 1:
        totals = [sum(row.decisions[layer] for row in stats.annotators)
                  for layer in stats.annotators[0].decisions]
        table.add_section()
        table.add_row(Text("all annotators", style="italic"), str(stats.articles),
                      str(stats.articles_done), *(str(n) for n in totals),
                      str(sum(totals)))
    return table


def _rates(outcome: Outcome) -> tuple[str, str, str, str]:
    return (str(outcome.total), _percent(outcome.acceptance_rate),
            _percent(outcome.correction_rate), _percent(outcome.rejection_rate))


def labels_table(stats: Stats) -> Table:
    table = Table(title=Text("Entity labels (gold) and the model's suggestions"),
                  box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Label", overflow="fold")
    for header in ("Gold", "Accepted", "Corrected", "Added", "Suggested", "Accept", "Correct",
                   "Reject"):
        table.add_column(header, justify="right")
    for row in stats.labels:
        table.add_row(_safe(row.label), str(row.gold), str(row.accepted), str(row.corrected),
                      str(row.added), *_rates(row.model))
    entities = stats.layer("entities")
    table.add_section()
    table.add_row(Text("all labels", style="italic"), str(entities.gold),
                  str(sum(row.accepted for row in stats.labels)),
                  str(sum(row.corrected for row in stats.labels)), str(entities.added),
                  *_rates(stats.entity_model))
    table.caption = Text("Suggested: the model's suggestions of that label that were decided; "
                         "rates are shares of them.", style="dim")
    table.caption_justify = "left"
    return table


def layers_table(stats: Stats) -> Table:
    table = Table(title=Text("Layers"), box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Layer")
    for header in ("Decisions", "Gold", "Added", "Suggested", "Accept", "Correct", "Reject"):
        table.add_column(header, justify="right")
    for row in stats.layers:
        table.add_row(row.layer, str(row.decisions), str(row.gold), str(row.added),
                      *_rates(row.model))
    return table


def bar(value: int, largest: int, width: int) -> str:
    """A bar of block characters `width * value / largest` cells long (eighths at the end);
    at least one eighth for any value above zero."""
    if value <= 0 or largest <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value * width * 8 / largest))
    full, rest = divmod(eighths, 8)
    return _FULL * full + (_EIGHTHS[rest] if rest else "")


def day_chart(days: Sequence[DayCount], unknown: int = 0, width: int = WIDTH) -> list[str]:
    """The bar chart of decisions per day: one line a day, `DATE  BAR  COUNT`, the bars
    scaled so the largest fills the width left; then the undated decisions, if any."""
    shown = list(days)[-CHART_DAYS:]
    title = f"Decisions per day (the last {len(shown)} days with decisions, UTC)"
    if not shown:
        lines = ["Decisions per day: none with a date"]
    else:
        largest = max(day.decisions for day in shown)
        digits = len(str(largest))
        bar_width = max(1, width - len("YYYY-MM-DD") - 2 - 1 - digits)
        lines = [title, ""]
        for day in shown:
            drawn = bar(day.decisions, largest, bar_width)
            lines.append(f"{day.day}  {drawn}{' ' * (bar_width - len(drawn))} "
                         f"{day.decisions:>{digits}}".rstrip())
    if unknown:
        lines.append(f"({unknown} decision has no time)" if unknown == 1
                     else f"({unknown} decisions have no time)")
    return lines


def report_lines(stats: Stats, width: int = WIDTH) -> list[str]:
    """The plain text report of `stats`."""
    lines: list[str] = []
    for table in (progress_table(stats), labels_table(stats), layers_table(stats)):
        lines.extend(_render([table], width))
        lines.append("")
    unknown = sum(day.decisions for day in stats.days if day.day == UNKNOWN_DAY)
    return [*lines, *day_chart(stats.dated_days(), unknown, width)]


def read_stats(db: Path, annotator: str | None = None) -> Stats:
    """The statistics of the store `db` (or of one annotator's records); StoreError if the
    store is missing or cannot be read."""
    db = Path(db)
    if not db.exists():
        raise StoreError(f"{db}: no gold store here (nothing annotated yet?)")
    store = GoldStore.open(db, read_only=True)
    try:
        return compute_stats(store.annotations(annotator))
    except OSError as error:
        raise StoreError(f"{db}: cannot read the store ({error.strerror or error})") from error
    finally:
        store.close()


def run_stats(db: Path, echo: Callable[[str], None], as_json: bool = False,
              annotator: str | None = None) -> int:
    """Print the statistics of the store `db` through `echo` (one line a call); return the
    exit code. Raises `StoreError` if the store is missing or cannot be read."""
    stats = read_stats(db, annotator)
    if as_json:
        echo(json_text({"store": str(db), "annotator": annotator, **stats.to_json()}))
        return EXIT_OK
    if not stats.annotators:
        who = f" by {annotator}" if annotator is not None else ""
        echo(display_line(f"{db}: no annotations{who} yet"))
        return EXIT_OK
    for line in report_lines(stats):
        echo(line)
    return EXIT_OK
