"""Soft-wrapping article text into visual lines of at most a number of cells.

Each visual line is a `(start, end)` range of code points of the text, so the
view can map any span to the lines it touches. Wide characters (CJK, emoji)
count as two cells; a word longer than the width is cut.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

_WORD = re.compile(r"\S+\s*|\s+")
_NOT_SPACE = re.compile(r"[^ ]")
#: Characters one cell wide that are not whitespace (printable ASCII, Latin-1 but the
#: soft hyphen, Latin Extended and IPA, the dashes and quotes of General Punctuation),
#: and the space: a paragraph of only these is wrapped by `_wrap_narrow`.
NARROW_CHARS = "\x21-\x7e\u00a1-\u00ac\u00ae-\u02ff\u2010-\u2027 "
_NARROW = re.compile(f"[{NARROW_CHARS}]*")


def wrap_lines(text: str, width: int) -> list[tuple[int, int]]:
    """Visual lines of `text` at `width` cells, as (start, end) ranges (no newline)."""
    width = max(width, 4)
    lines: list[tuple[int, int]] = []
    position = 0
    for paragraph in text.split("\n"):
        start = position
        position += len(paragraph) + 1
        if _NARROW.fullmatch(paragraph):
            _wrap_narrow(paragraph, start, width, lines)
        else:
            _wrap_any(paragraph, start, width, lines)
    return lines


def _wrap_any(paragraph: str, start: int, width: int, lines: list[tuple[int, int]]) -> None:
    """The visual lines of one paragraph (at offset `start`), measuring every word."""
    end = start + len(paragraph)
    if cell_len(paragraph) <= width:
        lines.append((start, end))
        return
    line_start = start
    used = 0
    for match in _WORD.finditer(paragraph):
        word_start = start + match.start()
        word = match.group()
        stripped = word.rstrip()
        need = cell_len(stripped)
        if used and used + need > width:
            lines.append((line_start, word_start))
            line_start = word_start
            used = 0
        if need > width:
            # Cut a long word into pieces of at most `width` cells (the first piece
            # from the line's start: zero-width characters before the word stay in it).
            piece_start = line_start
            piece_used = 0
            for offset, char in enumerate(stripped):
                char_cells = cell_len(char)
                if piece_used + char_cells > width:
                    lines.append((piece_start, word_start + offset))
                    piece_start = word_start + offset
                    piece_used = 0
                piece_used += char_cells
            line_start = piece_start
            used = piece_used
        else:
            used += need
        used += cell_len(word[len(stripped):])
    lines.append((line_start, end))


def _wrap_narrow(paragraph: str, start: int, width: int, lines: list[tuple[int, int]]) -> None:
    """The visual lines of a paragraph of NARROW_CHARS, exactly as `_wrap_any` makes
    them, found by jumping to where each line must end instead of measuring every word
    (a 20,000-word article rewraps in ~2 ms instead of ~20 ms).

    Each character is one cell and the only whitespace is " ". A line breaks before the
    first word (not the first on the line) whose last character would pass `width`
    cells; the spaces after a word stay on its line; a word longer than `width` is cut.
    """
    size = len(paragraph)
    last = len(paragraph.rstrip(" "))  # after this, only spaces: they stay on the last line
    line = 0
    while last > line + width:
        limit = line + width
        if paragraph[limit] == " ":
            # Every word up to here fits: the next line starts at the next word.
            found = _NOT_SPACE.search(paragraph, limit)
            assert found is not None  # there is a word after `limit` (limit < last)
            lines.append((start + line, start + found.start()))
            line = found.start()
            continue
        space = paragraph.rfind(" ", line, limit)
        if space >= line:
            # The word across `limit` goes to the next line.
            lines.append((start + line, start + space + 1))
            line = space + 1
            continue
        # One word from `line` longer than a line: cut it into lines of `width` cells,
        # the last piece begins the next line.
        word_end = paragraph.find(" ", line)
        word_end = size if word_end == -1 else word_end
        pieces = -(-(word_end - line) // width) - 1
        for _ in range(pieces):
            lines.append((start + line, start + line + width))
            line += width
    lines.append((start + line, start + size))
