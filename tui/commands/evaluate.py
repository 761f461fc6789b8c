"""`byline evaluate GOLD PRED`: score predicted annotations against gold ones.

Both files are native JSONL (DESIGN.md §2), one article a line, matched by
`id`. Prints precision, recall, F1 and support per layer and label as a plain
text table, or the same figures as one JSON object with `as_json`. The
scoring rules are those of `tui.core.evaluate`.

Exit codes: 0 scored; 2 a file could not be read (one line naming the file
and, where it applies, the line).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tui.core.evaluate import Annotations, evaluate, format_rows, parse_row
from tui.core.text import json_text
from tui.formats.errors import InputError
from tui.formats.readers import decode_text, parse_json_line, read_input, shown_name
from tui.terminal import say, say_error

EXIT_OK = 0
EXIT_FAILED = 2


class EvaluateInputError(Exception):
    """A file that is not native JSONL: `PATH[:LINE]: reason`."""


def read_annotations(path: Path) -> list[Annotations]:
    """The rows of a native JSONL file; raises `EvaluateInputError` on the first bad line.

    Read as strictly as `byline import` reads native JSONL: a regular file
    only, UTF-8, no NaN or Infinity, ids and labels checked and cleaned
    (`tui.core.names`).
    """
    name = shown_name(path)
    try:
        content = decode_text(path, read_input(path), lines=True)
    except InputError as error:
        raise EvaluateInputError(str(error)) from None
    lines = content.split("\n")  # not splitlines(): U+2028 and friends are valid in JSON
    rows: list[Annotations] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = parse_json_line(path, line, number, number == len(lines))
            row = parse_row(obj)
        except InputError as error:
            raise EvaluateInputError(str(error)) from None
        except ValueError as error:
            raise EvaluateInputError(f"{name}:{number}: {error}") from None
        if row.id in first_line:
            raise EvaluateInputError(f"{name}:{number}: duplicate id {row.id!r} (first on line "
                                     f"{first_line[row.id]})")
        first_line[row.id] = number
        rows.append(row)
    return rows


def run_evaluate(gold: Path, pred: Path, as_json: bool = False,
                 echo: Callable[[str], None] = say,
                 error: Callable[[str], None] = say_error) -> int:
    """Score `pred` against `gold`, print the report through `echo`; return the exit code.

    A file that cannot be read is reported through `error`, one line. The defaults
    print through `tui.terminal`'s display filter; `as_json` is printable ASCII only.
    """
    try:
        gold_rows = read_annotations(Path(gold))
        if not gold_rows:
            raise EvaluateInputError(f"{shown_name(gold)}: no articles")
        pred_rows = read_annotations(Path(pred))
    except EvaluateInputError as failure:
        error(str(failure))
        return EXIT_FAILED
    result = evaluate(gold_rows, pred_rows)
    if as_json:
        echo(json_text(result.to_json()))
        return EXIT_OK
    echo(f"{result.articles} gold article(s); {len(result.missing)} without a prediction; "
         f"{len(result.extra)} predicted article(s) not in the gold (ignored)")
    for line in format_rows(result.rows()):
        echo(line)
    return EXIT_OK
