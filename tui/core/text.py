"""Normalisation of article text, done once when an article is read.

CRLF and lone CR become LF, the text is put in Unicode NFC, and every control
character other than newline and tab is replaced one-for-one by a visible
placeholder so that offsets computed on the normalised text stay valid and no
control character can ever reach the terminal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: C0 controls become the Unicode "control pictures" (ESC -> U+241B), DEL becomes
#: U+2421 and C1 controls (0x80-0x9F, including the CSI byte 0x9B) become U+FFFD.
_PLACEHOLDERS: dict[int, str] = {
    **{code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)},
    0x7F: "\u2421",
    **{code: "\ufffd" for code in range(0x80, 0xA0)},
}


def replace_controls(text: str) -> str:
    """Replace control characters (not newline or tab) one-for-one by placeholders."""
    return text.translate(_PLACEHOLDERS)


#: Invisible characters that reorder or hide text (bidi embeddings, overrides and
#: isolates, directional marks, zero-width spaces, word joiner, invisible operators,
#: soft hyphen, deprecated format characters, interlinear annotation marks, BOM, and
#: the line and paragraph separators, which take no cell): drawn as
#: visible one-cell placeholders so an article cannot disguise what it says. The
#: zero-width joiner stays, so emoji sequences draw as one picture. A tab is
#: drawn as one space.
_INVISIBLE: dict[int, str] = {
    **{code: "\u2426" for code in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                                    *range(0x2066, 0x206A))},
    **{code: "\u2423" for code in (0x00AD, 0x180E, 0x200B, 0x200C, 0x2060,
                                    *range(0x2061, 0x2065), *range(0x206A, 0x2070),
                                    0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB)},
    **{code: "\u2424" for code in (0x2028, 0x2029)},
    #: A lone surrogate (from a JSON escape or a file name that is not UTF-8) cannot be
    #: written as UTF-8, and written as the byte it escapes it could be a C1 control.
    **{code: "\ufffd" for code in range(0xD800, 0xE000)},
    0x09: " ",
}


def display_safe(text: str) -> str:
    """`text` as it may be drawn: no control or invisible format character, same length.

    Tabs become spaces (a tab would move the terminal's cursor); newlines stay,
    for callers that lay out lines themselves.
    """
    return text.translate(_PLACEHOLDERS).translate(_INVISIBLE)


def display_line(text: str) -> str:
    """`text` as one line that may be drawn: `display_safe`, and a newline shown as U+2424.

    What every message of the command line goes through (see `tui.terminal`).
    """
    return display_safe(text).replace("\n", "\u2424")


#: What `escape_json_for_terminal` escapes: every C0 control but newline and tab, DEL,
#: C1, lone surrogates (bytes that are not UTF-8), and the invisible characters
#: `display_safe` shows (bidi controls, zero-width and format characters, separators).
_JSON_UNSAFE = re.compile(
    "[" + "".join(sorted({re.escape(chr(code)) for code in (*_PLACEHOLDERS, *_INVISIBLE)
                          if code not in (0x09, 0x0A)})) + "]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (surrogateescape)
        return "\\ufffd"
    return f"\\u{code:04x}"


def escape_json_for_terminal(data: bytes) -> bytes:
    """The UTF-8 JSON (or JSON lines) `data`, with every character a terminal could act on
    or that hides text written as a `\\uXXXX` escape.

    Inside a JSON string the escape means the same character, so valid JSON stays valid
    JSON with the same values; such characters cannot occur raw outside strings in valid
    JSON. Bytes that are not UTF-8 become `\\ufffd`. Newlines and tabs stay. For data
    written to standard output when it is a terminal.
    """
    text = data.decode("utf-8", errors="surrogateescape")
    return _JSON_UNSAFE.sub(_json_escape, text).encode("utf-8")


def json_text(value: object) -> str:
    """`value` as one line of JSON holding only printable ASCII (non-ASCII and DEL escaped)."""
    import json

    return json.dumps(value, ensure_ascii=True).replace("\x7f", "\\u007f")


def normalise(raw: str) -> str:
    """Return `raw` with LF line ends, in NFC, and with control characters replaced."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    return replace_controls(text)


def text_hash(text: str) -> str:
    """A short, stable fingerprint of a normalised text (hex SHA-256, 16 digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
