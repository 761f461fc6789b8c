"""The key bar: the article screen's main keys, greyed out where they cannot act.

Textual's `Footer` rebuilds a widget per key whenever bindings change, which
costs tens of milliseconds a keystroke; this bar is one line of `Text`
redrawn in place. Keys are shown as remapped by the user's keymap.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from tui.app.bindings import key_display

KEY_STYLE = "bold #ffa62b"
DISABLED_KEY_STYLE = "#5f5f5f"
DISABLED_TEXT_STYLE = "#6c6c6c"


#: The keys the bar keeps longest when the screen is narrow, most important first;
#: `?` and quit are never dropped, keys not listed go before every listed one.
KEEP_ORDER: tuple[str, ...] = (
    "help", "quit", "library-open", "library-quit", "accept", "reject", "next", "layer",
    "speaker-next", "speaker-here", "cue-here", "participant", "place", "time", "pick-label",
    "done", "undo", "merge", "kind", "add-item", "previous", "split", "select", "search",
    "library-model-report", "redo", "library", "side-panel",
)
_NEVER_DROPPED = frozenset({"help", "quit", "library-quit"})


def _rank(binding: Binding) -> int:
    return KEEP_ORDER.index(binding.id) if binding.id in KEEP_ORDER else len(KEEP_ORDER)


def key_bar_text(bindings: list[Binding], keymap: dict[str, str],
                 enabled: Callable[[Binding], bool], width: int | None = None) -> Text:
    """One line: each binding's first key and description, dim when disabled.

    With a `width`, the least important keys (see `KEEP_ORDER`) are left out until
    the line fits; `?` and quit always stay.
    """
    entries = []
    for binding in bindings:
        keys = key_display(binding, keymap).split(",")[0].strip()
        entries.append((binding, f" {keys} ", binding.description + " "))
    if width is not None:
        total = sum(cell_len(keys) + cell_len(words) for _, keys, words in entries)
        for binding in sorted((b for b, _, _ in entries), key=_rank, reverse=True):
            if total <= width:
                break
            if binding.id in _NEVER_DROPPED:
                continue
            index = next(i for i, entry in enumerate(entries) if entry[0] is binding)
            _, keys, words = entries.pop(index)
            total -= cell_len(keys) + cell_len(words)
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    for binding, keys, words in entries:
        on = enabled(binding)
        text.append(keys, style=KEY_STYLE if on else DISABLED_KEY_STYLE)
        text.append(words, style="" if on else DISABLED_TEXT_STYLE)
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
