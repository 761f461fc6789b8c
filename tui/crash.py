"""What an unexpected exception leaves: a traceback file in the cache folder, one line to print.

`tui.cli.main` catches what no command expected and prints one line instead
of a traceback. An `OSError` no command handled is the machine's answer to a
file the user named (a name too long for the file system, a folder that
cannot be read), not a bug: `describe_os_error` names the file and the
system's reason. Anything else is a bug: `report_crash`'s line. The traceback goes to
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


def _file_name(name: object) -> str:
    return os.fsdecode(name) if isinstance(name, bytes) else str(name)


def describe_os_error(error: OSError) -> str:
    """One line for an `OSError` no command handled: the file(s) it names and the reason."""
    reason = one_line(error.strerror or _message(error) or type(error).__name__)
    names = [_file_name(name) for name in (error.filename, error.filename2) if name is not None]
    if not names:
        return reason
    return f"{' -> '.join(one_line(name) for name in names)}: {reason}"


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
