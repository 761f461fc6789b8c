"""A modal list of every entity label, for labels beyond the nine digit keys.

Labels may come from a store or an import, so from anyone: each is drawn as
`Text` (never markup) through `display_line`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.app.widgets.colors import label_colour
from tui.core.text import display_line


class LabelPicker(ModalScreen[str | None]):
    """Pick a label with the arrows and Enter; `q` or Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("q", "cancel", "Cancel", show=False),
    ]

    def __init__(self, labels: tuple[str, ...], current: str | None = None) -> None:
        super().__init__()
        self.labels = labels
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(Text("Pick a label (Enter), or q to cancel", style="bold"))
            options = []
            for index, label in enumerate(self.labels, start=1):
                prompt = Text()
                prompt.append(f"{index:>2} " if index <= 9 else "   ", style="dim")
                prompt.append(display_line(label), style=f"bold {label_colour(label)}")
                options.append(Option(prompt, id=label))
            yield OptionList(*options, id="labels")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        if self.current in self.labels:
            option_list.highlighted = self.labels.index(self.current)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
