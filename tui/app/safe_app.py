"""The base of byline's apps: every notification passes through the display filter, and
an app runs only where there is a terminal to draw it in.

Notifications quote file names, labels, config keys and exception messages,
none of which byline wrote itself. `SafeApp.notify` is the one place they
reach the screen (a screen's or widget's `notify` calls the app's): the
message and title go through `display_safe` (the title on one line) and are
never parsed as markup, whatever the caller asked.

`SafeApp.run` refuses (`NoTerminal`) where standard input or output is not
a terminal (a script, cron, CI: the app would draw into a file and wait for
keys that never come), unless it runs headless (tests, screenshots) or a
Textual driver was chosen explicitly (`TEXTUAL_DRIVER`, as a web server of
the app does).
"""

from __future__ import annotations

import os
import sys
from typing import Any, TypeVar

from textual.app import App
from textual.notifications import SeverityLevel

from tui.core.text import display_line, display_safe

ReturnType = TypeVar("ReturnType")


class NoTerminal(Exception):
    """An app asked to run where standard input or output is not a terminal."""


def has_terminal() -> bool:
    """True where the app can be drawn and typed into: stdin and stdout are terminals (or
    a Textual driver of another kind was chosen)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    streams = (sys.__stdin__, sys.__stdout__)
    return all(stream is not None and stream.isatty() for stream in streams)


class SafeApp(App[ReturnType]):
    """A Textual app whose notifications never carry a control or invisible character."""

    def run(self, *args: Any, **kwargs: Any) -> ReturnType | None:
        """Run the app in the terminal (`NoTerminal` where there is none)."""
        if not kwargs.get("headless") and not has_terminal():
            raise NoTerminal("this opens an app in the terminal, and standard input or output "
                             "is not one: run it in a terminal (for a script, use "
                             "byline export, stats or suggest)")
        return super().run(*args, **kwargs)

    def notify(self, message: str, *, title: str = "",
               severity: SeverityLevel = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        safe = display_safe(message)
        if timeout is None:
            super().notify(safe, title=display_line(title), severity=severity, markup=False)
        else:
            super().notify(safe, title=display_line(title), severity=severity,
                           timeout=timeout, markup=False)
