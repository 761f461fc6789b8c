"""Labels, annotator and model names, and ids from outside byline: one rule for all.

Every reader of every format (native, Prodigy, doccano, Label Studio, the
articles' JSONL), the config file and every command-line option that names
someone or something passes such strings through these functions, so that a
label reads the same whichever file it came from and nothing stored can later
break a screen, a table or an export.

- `clean_name` (labels, annotator names, model names, event ids): must be a
  string; a lone surrogate (an undecodable byte from argv, `"\\ud800"` in JSON)
  is refused (`BadName`), since it could never be written as UTF-8; the
  string is put in NFC and stripped of surrounding whitespace; what is left
  must not be empty nor longer than `MAX_NAME` characters; control characters
  (C0 including tab and newline, DEL, C1) become visible placeholders as in
  `tui.core.text.replace_controls`, and invisible format characters (bidi
  overrides, zero-width spaces ...) the placeholders of `display_safe`. So a
  name is one line, and drawn exactly as stored.
- `clean_id` (article ids): a string or an integer (not a boolean); kept
  verbatim, because ids must match between files, so what cannot be kept is
  refused instead: empty, a lone surrogate, a control character.

Messages quote the value with `repr`, which escapes every control, format and
surrogate character, so they are safe to print.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from tui.core.text import display_safe

#: The longest label or name kept, in code points.
MAX_NAME = 200

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: Tab and newline, which `display_safe` keeps, as their control pictures.
_LINE_BREAKING = {0x09: "\u2409", 0x0A: "\u240a"}


class BadName(ValueError):
    """A label, name or id that cannot be kept; the message names it, one line."""


def shown(value: str, limit: int = 60) -> str:
    """`value` quoted for a message: `repr` (every control escaped), cut to `limit`."""
    if len(value) > limit:
        return repr(value[:limit]) + "..."
    return repr(value)


def type_name(value: Any) -> str:
    """The JSON type of `value` in words ("a string", "null", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    return "an object"


def surrogate_problem(value: str, what: str) -> str | None:
    """Why `value` cannot be kept if it holds a lone surrogate, naming it as `what`."""
    found = _SURROGATE.search(value)
    if found is None:
        return None
    return (f"{what} {shown(value)} holds an unpaired surrogate (U+{ord(found.group()):04X}: "
            "not valid Unicode, e.g. a byte that is not UTF-8)")


def clean_name(raw: Any, what: str = "label") -> str:
    """`raw` as byline keeps a label or a name (see the module docstring); raises `BadName`."""
    if not isinstance(raw, str):
        raise BadName(f"{what} must be a string, not {type_name(raw)}")
    problem = surrogate_problem(raw, what)
    if problem is not None:
        raise BadName(problem)
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise BadName(f"{what} is empty")
    if len(name) > MAX_NAME:
        raise BadName(f"{what} {shown(name)} is longer than {MAX_NAME} characters")
    return display_safe(name.translate(_LINE_BREAKING))


def clean_id(raw: Any, what: str = '"id"') -> str:
    """`raw` as an article id (a string or an integer, kept verbatim); raises `BadName`."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise BadName(f"{what} must be a string or an integer, not {type_name(raw)}")
    article_id = str(raw)
    if not article_id.strip():
        raise BadName(f"{what} is empty")
    problem = surrogate_problem(article_id, what)
    if problem is not None:
        raise BadName(problem)
    if _CONTROL.search(article_id):
        raise BadName(f"{what} {shown(article_id)} holds a control character")
    return article_id
