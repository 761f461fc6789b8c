"""Running byline under a pseudo-terminal and reading every byte it writes.

Shared by the pty tests of the app (`tests/app/test_pty.py`) and of the
commands (`tests/test_pty_commands.py`). Linux only: the callers skip elsewhere.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COLUMNS, LINES = 120, 40


class PtyProcess:
    """A child process on a pty; every byte it writes is kept in `output`."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        winsize = termios.TIOCSWINSZ
        fcntl.ioctl(slave, winsize, bytes(bytearray(
            [LINES & 0xFF, LINES >> 8, COLUMNS & 0xFF, COLUMNS >> 8, 0, 0, 0, 0])))
        self.output = bytearray()
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
            start_new_session=True, close_fds=True,
        )
        os.close(slave)

    def read(self, seconds: float, until: bytes | None = None) -> None:
        """Read for `seconds`, or until `until` has been seen, or until the child's end."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if until is not None and until in self.output:
                return
            ready, _, _ = select.select([self.master], [], [], min(left, 0.1))
            if not ready:
                if self.proc.poll() is not None:
                    return
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed its side of the pty
                return
            if not chunk:
                return
            self.output += chunk

    def wait_for(self, marker: bytes, seconds: float) -> bool:
        """Read until `marker` appears in what is written from now on."""
        mark = len(self.output)
        end = time.monotonic() + seconds
        while marker not in self.output[mark:] and (left := end - time.monotonic()) > 0:
            if not self._read_once(left):
                break
        return marker in self.output[mark:]

    def settle(self, seconds: float, quiet: float = 0.3) -> None:
        """Read until something new was written and then nothing for `quiet` seconds."""
        mark = len(self.output)
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, quiet))
            if not ready:
                if len(self.output) > mark or self.proc.poll() is not None:
                    return
                continue
            if not self._read_once(0):
                return

    def _read_once(self, seconds: float) -> bool:
        """One read of what is ready within `seconds`; False once the child is gone."""
        ready, _, _ = select.select([self.master], [], [], min(seconds, 0.1))
        if not ready:
            return self.proc.poll() is None
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed its side of the pty
            return False
        self.output += chunk
        return bool(chunk)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        os.close(self.master)


def pty_env(tmp: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TEXTUAL", "BYLINE", "PYTEST", "COLUMNS", "LINES"))}
    config_home = tmp / "config"
    config_home.mkdir()
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES),
               XDG_CONFIG_HOME=str(config_home), PYTHONPATH=str(REPO),
               LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8")
    env.pop("NO_COLOR", None)
    return env


def decoded(output: bytes) -> str:
    # surrogateescape keeps any byte that is not UTF-8 visible as U+DC80..U+DCFF.
    return output.decode("utf-8", errors="surrogateescape")


def run(argv: list[str], cwd: Path, env: dict[str, str],
        seconds: float = 60.0) -> tuple[int | None, bytes]:
    """Run `argv` on a pty to its end; its exit code (None: killed after `seconds`) and
    every byte it wrote to the terminal (stdout and stderr both)."""
    term = PtyProcess(argv, cwd=cwd, env=env)
    try:
        term.read(seconds)
        try:
            code: int | None = term.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
    finally:
        term.close()
    return code, bytes(term.output)


#: Characters that untrusted text may never put on a terminal: C0 controls but the
#: newline (so ESC, BEL, BS, lone CR, TAB), DEL, C1 (so the 8-bit CSI U+009B), the
#: bidi controls, the invisible format characters and separators `display_safe`
#: shows, and (decoded with surrogateescape) any byte that is not UTF-8.
UNSAFE = frozenset(
    [chr(c) for c in range(0x20) if c != 0x0A] + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                        *range(0x2066, 0x206A))]
    + [chr(c) for c in (0x00AD, 0x180E, 0x200B, 0x200C, 0x2028, 0x2029, 0x2060,
                        *range(0x2061, 0x2065), *range(0x206A, 0x2070), 0xFEFF,
                        0xFFF9, 0xFFFA, 0xFFFB)]
    + [chr(c) for c in range(0xDC80, 0xDD00)])


def unsafe_in(output: bytes) -> list[str]:
    """Each unsafe character of `output` (after the tty's own CRLF for LF), with the
    text around it, for the assertion message."""
    text = decoded(output).replace("\r\n", "\n")
    return [f"{char!r} in {text[max(i - 30, 0):i + 30]!r}"
            for i, char in enumerate(text) if char in UNSAFE]
