"""The help panel: every key of the article screen with what it does.

Keys come from the bindings table after the user's keymap is applied, so
the panel always shows the keys that really work.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app.bindings import ARTICLE_BINDINGS, LAYER_ONLY, LIBRARY_BINDINGS, key_display


def _section(binding: Binding) -> str:
    """Which heading of the help a key of the article screen goes under."""
    layers = [name for name, ids in LAYER_ONLY.items() if binding.id in ids]
    if not layers:
        return "Every layer"
    if len(layers) > 1:
        return "Quotes and meetings"
    return f"{layers[0].capitalize()} layer"


def help_table(keymap: dict[str, str]) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column(Text("Keys"), style="bold cyan", no_wrap=True)
    table.add_column(Text("Action"), no_wrap=True)
    table.add_column(Text("What it does"))
    table.add_column(Text("Config id"), style="dim", no_wrap=True)
    sections: dict[str, list[Binding]] = {}
    for binding in ARTICLE_BINDINGS:
        sections.setdefault(_section(binding), []).append(binding)
    order = ["Every layer", "Entities layer", "Quotes layer", "Meetings layer",
             "Quotes and meetings"]
    for heading in order:
        if heading not in sections:
            continue
        if heading != order[0]:
            table.add_row(Text(""), Text(""), Text(""), Text(""))
        table.add_row(Text(heading, style="bold"), Text(""), Text(""), Text(""))
        seen_digits = False
        for binding in sections[heading]:
            if binding.id and binding.id.startswith("label-"):
                if seen_digits:
                    continue
                seen_digits = True
                digit_keys = [key_display(b, keymap) for b in ARTICLE_BINDINGS
                              if b.id and b.id.startswith("label-")]
                table.add_row(Text(" ".join(digit_keys)), Text("Label 1-9"),
                              Text("Give the legend's label (adds the selection as an entity)"),
                              Text("label-1 … label-9"))
                continue
            table.add_row(Text(key_display(binding, keymap)), Text(binding.description),
                          Text(binding.tooltip or binding.description), Text(binding.id or ""))
    table.add_row(Text(""), Text(""), Text(""), Text(""))
    table.add_row(Text("Library", style="bold"), Text(""), Text(""), Text(""))
    for binding in LIBRARY_BINDINGS:
        table.add_row(Text(key_display(binding, keymap)), Text(binding.description),
                      Text(binding.tooltip or binding.description), Text(binding.id or ""))
    table.add_row(Text("↑ ↓"), Text("Move"), Text("Move through the list"), Text(""))
    return table


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
