"""Soft-wrapping article text into visual lines of at most a number of cells.

Each visual line is a `(start, end)` range of code points of the text, so the
view can map any span to the lines it touches. Wide characters (CJK, emoji)
count as two cells; a word longer than the width is cut.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

_WORD = re.compile(r"\S+\s*|\s+")


def wrap_lines(text: str, width: int) -> list[tuple[int, int]]:
    """Visual lines of `text` at `width` cells, as (start, end) ranges (no newline)."""
    width = max(width, 4)
    lines: list[tuple[int, int]] = []
    position = 0
    for paragraph in text.split("\n"):
        start = position
        end = position + len(paragraph)
        position = end + 1
        if cell_len(paragraph) <= width:
            lines.append((start, end))
            continue
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
    return lines
