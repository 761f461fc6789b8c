"""Everything the command line writes to standard output and standard error.

Two layers, so that no message can forget the display filter:

- `say` and `say_error` print one message as ONE line through
  `tui.core.text.display_line`: no control character (C0, DEL, C1, ESC), no
  bidi control or invisible format character, no lone surrogate, and a
  newline inside a file name or label shown as U+2424. Every message of
  `tui.cli` and the echo callbacks it gives the commands are these.
- `install()`, called once by the console script before anything else, puts
  `SafeTextStream`s in `sys.stdout` and `sys.stderr`: whatever else writes
  text there (click's own usage errors quoting an argument, `--help`, a
  library's warning) goes through `display_safe` too (newlines kept).

Bytes written to `sys.stdout.buffer` are data and are not filtered; a command
that writes JSON there when it is a terminal calls
`tui.core.text.escape_json_for_terminal` first. The escape sequences byline
draws itself (the app, the progress bar of `suggest`) go to `raw_stream()`,
never with untrusted text in them.
"""

from __future__ import annotations

import codecs
import io
import sys
from typing import TextIO

from tui.core.text import display_line, display_safe

__all__ = ["SafeTextStream", "install", "raw_stream", "say", "say_err", "say_error",
           "tolerant_streams"]

#: The streams `install` replaced: where byline's own escape sequences go.
_RAW: dict[str, TextIO] = {}


def say(message: str, err: bool = False) -> None:
    """Print `message` as one display-safe line on stdout (stderr with `err`)."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # the stream was closed before byline started
        return
    stream.write(display_line(message) + "\n")
    stream.flush()


def say_err(message: str) -> None:
    """`say` on standard error: the echo callback of the commands' progress and summaries."""
    say(message, err=True)


def say_error(message: str) -> None:
    """Print `byline: error: MESSAGE` as one display-safe line on stderr."""
    say(f"byline: error: {message}", err=True)


class SafeTextStream(io.TextIOWrapper):
    """A text stream on the same bytes as a standard stream, whose every write passes
    through `display_safe` (newlines kept: `--help` has many lines).

    Writes go straight through to the binary buffer, in order with anything
    written to the stream it replaced. Characters the encoding lacks are
    written as backslash escapes, never as an error.
    """

    def write(self, text: str) -> int:
        super().write(display_safe(text))
        return len(text)


def _safe_stream(stream: TextIO) -> TextIO:
    buffer = getattr(stream, "buffer", None)
    if isinstance(stream, SafeTextStream) or buffer is None:
        return stream
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        ascii_only = codecs.lookup(encoding).name == "ascii"
    except LookupError:
        ascii_only = True
    if ascii_only:  # click would wrap the buffer anew around an ASCII stream, past the filter
        encoding = "utf-8"
    stream.flush()
    return SafeTextStream(buffer, encoding=encoding, errors="backslashreplace",
                          line_buffering=getattr(stream, "line_buffering", False),
                          write_through=True)


def install() -> None:
    """Filter everything written as text to sys.stdout and sys.stderr from now on."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(stream, SafeTextStream):
            continue
        safe = _safe_stream(stream)
        if safe is not stream:
            _RAW[name] = stream
            setattr(sys, name, safe)


def raw_stream(err: bool = True) -> TextIO:
    """The unfiltered stream for byline's own escape sequences (a progress bar): the one
    `install` replaced, else the current one."""
    name = "stderr" if err else "stdout"
    current: TextIO = sys.stderr if err else sys.stdout
    if isinstance(current, SafeTextStream) and name in _RAW:
        return _RAW[name]
    return current


def tolerant_streams() -> None:
    """Make `sys.stdout` and `sys.stderr` write characters they cannot encode as escapes.

    A path given on the command line may hold bytes that are not UTF-8 (Python
    keeps them as lone surrogates), and under a UTF-8 locale a plain stream
    refuses to encode those. `install` does this for the console script; this
    is for the streams a command runs with otherwise (in-process callers)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # a stream that cannot be reconfigured (closed)
            continue
