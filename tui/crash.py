"""What an unexpected exception leaves: a traceback file in the cache folder, one line to print.

`tui.cli.main` catches what no command expected (a bug) and prints
`report_crash`'s line instead of a traceback. The traceback goes to
`$XDG_CACHE_HOME/byline/crash-TIME-PID.txt` (`~/.cache/byline/...` without
the variable), named in the line, so the bug can still be reported.
"""

from __future__ import annotations

import os
import re
import time
import traceback
from pathlib import Path

from tui.core.text import display_safe

#: The longest exception message printed, in characters.
MAX_MESSAGE = 300

_SURROGATE = re.compile("[\ud800-\udfff]")


def crash_dir() -> Path:
    """The folder crash reports are written to."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "byline"


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` safe to print on one line: no control, bidi or surrogate character, cut short."""
    text = _SURROGATE.sub("\ufffd", text)
    text = display_safe(text).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # a broken __str__
        return ""


def write_report(error: BaseException) -> Path:
    """Write the traceback of `error` to a new file in `crash_dir()`; return its path."""
    folder = crash_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = folder / f"crash-{stamp}-{os.getpid()}.txt"
    text = "".join(traceback.format_exception(error))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(text)
    return path


def report_crash(error: BaseException) -> str:
    """The one line to print for `error` (the traceback written to a file, named in it)."""
    line = f"internal error ({type(error).__name__}): {one_line(_message(error))}"
    try:
        path = write_report(error)
    except OSError as failure:
        return f"{line} (the traceback could not be saved: {one_line(str(failure))})"
    return f"{line}; the traceback is in {one_line(str(path), 1000)}"
