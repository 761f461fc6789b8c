"""Writing JSONL: rows encoded one a line, to a file replaced atomically or to a stream.

Where the rows go (a file, standard output, a FIFO, a device) and how a failed
write is reported is `tui.formats.outputs`; an existing file is replaced only
when the caller says so (`force`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from tui.formats.outputs import Target, open_output, output_target


def write_jsonl(out: Path | Target, rows: Iterable[dict[str, Any]], *,
                force: bool = False) -> int:
    """Write `rows` one JSON object a line to `out`; return how many were written."""
    return write_encoded(out, ((encode_row(row), 1) for row in rows), force=force)


def write_encoded(out: Path | Target, chunks: Iterable[tuple[bytes, int]], *,
                  force: bool = False) -> int:
    """Write chunks of JSONL lines already encoded (`encode_row`), each with how many
    lines it holds; return how many lines were written. `out` is a path (checked here
    with `force`) or a `Target` its caller has checked."""
    target = out if isinstance(out, Target) else output_target(out, force=force)
    count = 0
    with open_output(target) as handle:
        for data, lines in chunks:
            handle.write(data)
            count += lines
    return count


def encode_row(row: dict[str, Any]) -> bytes:
    """One JSONL line: UTF-8 JSON and a newline.

    orjson is several times faster than the standard library here; text it
    refuses (a lone surrogate) is written by the standard library, escaped.
    Non-finite numbers never get this far: the readers refuse them.
    """
    try:
        return orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (json.dumps(row, allow_nan=False) + "\n").encode("ascii")
