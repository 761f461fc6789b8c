"""The base of byline's apps: every notification passes through the display filter.

Notifications quote file names, labels, config keys and exception messages,
none of which byline wrote itself. `SafeApp.notify` is the one place they
reach the screen (a screen's or widget's `notify` calls the app's): the
message and title go through `display_safe` (the title on one line) and are
never parsed as markup, whatever the caller asked.
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import App
from textual.notifications import SeverityLevel

from tui.core.text import display_line, display_safe

ReturnType = TypeVar("ReturnType")


class SafeApp(App[ReturnType]):
    """A Textual app whose notifications never carry a control or invisible character."""

    def notify(self, message: str, *, title: str = "",
               severity: SeverityLevel = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        safe = display_safe(message)
        if timeout is None:
            super().notify(safe, title=display_line(title), severity=severity, markup=False)
        else:
            super().notify(safe, title=display_line(title), severity=severity,
                           timeout=timeout, markup=False)
