"""Copying text: the system clipboard through pyperclip, else the terminal's (OSC 52).

Over SSH or on a machine without a display there is no system clipboard;
the terminal's clipboard escape (OSC 52) still reaches the user's own
machine in most terminals. Either way the caller learns where the text went,
and nothing here raises.
"""

from __future__ import annotations

from textual.app import App


def copy_text(app: App[object], text: str) -> str:
    """Copy `text`; return where it went, for a message to the user."""
    try:
        import pyperclip

        pyperclip.copy(text)
        return "system clipboard"
    except Exception:  # pyperclip raises its own errors, or OSError, when no clipboard exists
        pass
    try:
        app.copy_to_clipboard(text)
    except Exception:
        return "no clipboard available; nothing copied"
    return "terminal clipboard via OSC 52"
