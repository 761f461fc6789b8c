"""The help panel: every key of the article screen with what it does.

Keys come from the bindings table after the user's keymap is applied, so
the panel always shows the keys that really work.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.bindings import (
    ARTICLE_BINDINGS,
    LAYER_ONLY,
    LIBRARY_BINDINGS,
    SEARCH_BINDINGS,
    key_display,
)


def _section(binding: Binding) -> str:
    """Which heading of the help a key of the article screen goes under."""
    layers = [name for name, ids in LAYER_ONLY.items() if binding.id in ids]
    if not layers:
        return "Every layer"
    if len(layers) > 1:
        return "Quotes and meetings"
    return f"{layers[0].capitalize()} layer"


def _table(header: bool) -> Table:
    """One section's keys: the columns have the same widths in every section."""
    table = Table(box=None, show_header=header, header_style="bold", pad_edge=False,
                  expand=True)
    table.add_column(Text("Keys"), style="bold cyan", no_wrap=True, width=12)
    table.add_column(Text("Action"), no_wrap=True, width=15)
    table.add_column(Text("What it does"), ratio=1)
    table.add_column(Text("Config id"), style="dim", no_wrap=True, width=20)
    return table


def _row(table: Table, binding: Binding, keymap: dict[str, str]) -> None:
    table.add_row(Text(key_display(binding, keymap)), Text(binding.description),
                  Text(binding.tooltip or binding.description), Text(binding.id or ""))


def help_table(keymap: dict[str, str]) -> Group:
    """Every key, by section (a heading line, then the section's table), as remapped."""
    sections: dict[str, list[Binding]] = {}
    for binding in ARTICLE_BINDINGS:
        sections.setdefault(_section(binding), []).append(binding)
    order = ["Every layer", "Entities layer", "Quotes layer", "Meetings layer",
             "Quotes and meetings"]
    parts: list[RenderableType] = []
    for heading in order:
        if heading not in sections:
            continue
        parts.append(Text(("\n" if parts else "") + heading, style="bold"))
        table = _table(header=len(parts) == 1)
        seen_digits = False
        for binding in sections[heading]:
            if binding.id and binding.id.startswith("label-"):
                if seen_digits:
                    continue
                seen_digits = True
                digit_keys = [key_display(b, keymap) for b in ARTICLE_BINDINGS
                              if b.id and b.id.startswith("label-")]
                shown = "1 … 9" if digit_keys == [str(d) for d in range(1, 10)] \
                    else " ".join(digit_keys)
                table.add_row(Text(shown), Text("Label 1-9"),
                              Text("Give the legend's label (adds the selection as an entity)"),
                              Text("label-1 … label-9"))
                continue
            _row(table, binding, keymap)
        parts.append(table)
    parts.append(Text("\nSearch input (/)", style="bold"))
    table = _table(header=False)
    for binding in SEARCH_BINDINGS:
        _row(table, binding, keymap)
    table.add_row(Text("Enter"), Text("Find"),
                  Text("Select the next match of what was typed (any case, any spaces)"),
                  Text(""))
    parts.append(table)
    parts.append(Text("\nLibrary", style="bold"))
    table = _table(header=False)
    for binding in LIBRARY_BINDINGS:
        _row(table, binding, keymap)
    table.add_row(Text("↑ ↓"), Text("Move"), Text("Move through the list"), Text(""))
    parts.append(table)
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """Lists the keys; any of ?, q, Escape or Enter closes it."""

    BINDINGS = [
        Binding("question_mark,q,escape,enter", "close", "Close", show=False),
    ]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("byline keys (remap them in the config file's [keys] table)",
                              style="bold"))
            yield Static(help_table(self.keymap), id="help-keys")
            yield Static(Text("? q Esc Enter: close", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
