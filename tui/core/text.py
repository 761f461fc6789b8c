"""Normalisation of article text, done once when an article is read.

CRLF and lone CR become LF, the text is put in Unicode NFC, and every control
character other than newline and tab is replaced one-for-one by a visible
placeholder so that offsets computed on the normalised text stay valid and no
control character can ever reach the terminal.
"""

from __future__ import annotations

import hashlib
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
    0x09: " ",
}


def display_safe(text: str) -> str:
    """`text` as it may be drawn: no control or invisible format character, same length.

    Tabs become spaces (a tab would move the terminal's cursor); newlines stay,
    for callers that lay out lines themselves.
    """
    return text.translate(_PLACEHOLDERS).translate(_INVISIBLE)


def normalise(raw: str) -> str:
    """Return `raw` with LF line ends, in NFC, and with control characters replaced."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    return replace_controls(text)


def text_hash(text: str) -> str:
    """A short, stable fingerprint of a normalised text (hex SHA-256, 16 digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
