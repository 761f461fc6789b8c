"""The search input of the article screen: one line at the bottom, opened by `/`.

What is typed (or pasted) is untrusted text: Textual's `Input` draws its value
as plain text (never markup); control and invisible characters become their
visible placeholders on the way in (`display_line`), so none reaches the
terminal; and the screen echoes the phrase back only through `display_line`.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType
from textual.message import Message
from textual.widgets import Input

from tui.app.bindings import SEARCH_BINDINGS
from tui.core.text import display_line


class SearchBar(Input):
    """Type a phrase, Enter searches (`Input.Submitted`), Escape cancels (`Cancelled`)."""

    BINDINGS: ClassVar[list[BindingType]] = [*SEARCH_BINDINGS]

    DEFAULT_CSS = """
    SearchBar {
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    SearchBar:focus {
        border: none;
    }
    SearchBar.-open {
        display: block;
    }
    """

    class Cancelled(Message):
        """The annotator closed the search without searching."""

    def __init__(self, cancel_key: str, *, id: str | None = None) -> None:
        """`cancel_key`: the key that cancels, as remapped, for the placeholder."""
        super().__init__(placeholder=f"Search: type a phrase, Enter finds it (any case), "
                                     f"{cancel_key} cancels", max_length=200, id=id)

    def open(self) -> None:
        """Show the input, empty, and type into it."""
        self.value = ""
        self.add_class("-open")
        self.focus()

    def close(self) -> None:
        self.remove_class("-open")

    def insert(self, text: str, index: int) -> None:
        """Typed or pasted text, with no control or invisible character."""
        super().insert(display_line(text), index)

    def replace(self, text: str, start: int, end: int) -> None:
        """Typed or pasted text over a selection, with no control or invisible character."""
        super().replace(display_line(text), start, end)

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())
