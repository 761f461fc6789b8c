"""Standard output and error never fail on a character they cannot encode.

A path given on the command line may hold bytes that are not UTF-8 (Python
keeps them as lone surrogates), and under a UTF-8 locale `sys.stdout`
refuses to encode those: printing such a path would end the command with a
UnicodeEncodeError. `tolerant_streams` switches both streams to
`backslashreplace` (what Python already does for stderr), so the byte is shown
as `\\udcff` text. What may be printed at all (no control characters) is the
display filter's job; this only keeps printing from failing.
"""

from __future__ import annotations

import sys


def tolerant_streams() -> None:
    """Make `sys.stdout` and `sys.stderr` write unencodable characters as escapes."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # a stream that cannot be reconfigured (closed)
            continue
