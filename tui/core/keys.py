"""The names of the keys in force, as the core's messages name them.

The core knows the app's bindings only by their ids ("speaker-next",
"cue-here", ...): the app hands every session a `KeyNames` built from its
keymap (tui.app.bindings.key_names), so a hint such as "set its cue (k)"
names the key the annotator configured, never a hard-coded letter.
"""

from __future__ import annotations

from collections.abc import Callable

#: A binding id -> the key (or keys) that trigger it, as people read them.
KeyNames = Callable[[str], str]


def binding_ids(binding_id: str) -> str:
    """The stand-in when no keymap is given (a session built outside the app): the id."""
    return binding_id
