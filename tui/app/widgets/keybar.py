"""The key bar: the article screen's main keys, greyed out where they cannot act.

Textual's `Footer` rebuilds a widget per key whenever bindings change, which
costs tens of milliseconds a keystroke; this bar is one line of `Text`
redrawn in place. Keys are shown as remapped by the user's keymap.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from tui.app.bindings import key_display

KEY_STYLE = "bold #ffa62b"
DISABLED_KEY_STYLE = "#5f5f5f"
DISABLED_TEXT_STYLE = "#6c6c6c"


def key_bar_text(bindings: list[Binding], keymap: dict[str, str],
                 enabled: Callable[[Binding], bool]) -> Text:
    """One line: each binding's first key and description, dim when disabled."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for binding in bindings:
        on = enabled(binding)
        keys = key_display(binding, keymap).split(",")[0].strip()
        text.append(f" {keys} ", style=KEY_STYLE if on else DISABLED_KEY_STYLE)
        text.append(binding.description + " ", style="" if on else DISABLED_TEXT_STYLE)
    return text


class KeyBar(Static):
    """The bottom line of the article screen."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
    }
    """
