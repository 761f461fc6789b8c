"""`byline` never prints a traceback: argv bytes that are not UTF-8, and the last net.

Real subprocesses of the real CLI, with real non-UTF-8 bytes in argv and in
the environment (what Python turns into lone surrogates). The safety net in
`tui.cli.main` is tested by fault injection: a command made to raise an
exception nobody expects must end as one line naming the exception and the
file holding its traceback, and exit 70.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROW = {"id": "a", "text": "Kalin met Hamas.", "entities": [{"start": 0, "end": 5,
                                                            "label": "PERSON"}]}


def run(args: list[str | bytes], cwd: Path, env: dict[str, str | bytes] | None = None
        ) -> subprocess.CompletedProcess[bytes]:
    environ: dict[bytes, bytes] = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
    environ[b"PYTHONPATH"] = os.fsencode(str(ROOT))
    environ[b"PYTHONIOENCODING"] = b"utf-8"  # strict, as under a UTF-8 locale
    for key, value in (env or {}).items():
        environ[os.fsencode(key)] = value if isinstance(value, bytes) else os.fsencode(value)
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=cwd, capture_output=True,
                          timeout=120, env=environ, stdin=subprocess.DEVNULL)


def one_line(result: subprocess.CompletedProcess[bytes]) -> str:
    stderr = result.stderr.decode("utf-8")
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("byline: error: "), stderr
    return lines[0]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "good.jsonl").write_text(json.dumps(ROW) + "\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("DOHA: Kalin met Hamas.\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("args", "option"), [
    (["import", "good.jsonl", "--annotator", b"an\xffa"], "--annotator"),
    (["--annotator", b"\xff", "import", "good.jsonl"], "--annotator"),
    (["import", "good.jsonl", "--as", "suggestions", "--name", b"m\xfe"], "--name"),
    (["annotate", "a.txt", "--annotator", b"\xc3"], "--annotator"),
    (["annotate", "a.txt", "--model", b"import:\xff"], "--model"),
    (["suggest", "a.txt", "-o", "o.jsonl", "--model", b"\xffmodel"], "--model"),
    (["stats", "--annotator", b"\xff"], "--annotator"),
    (["export", "-o", "o.jsonl", "--annotator", b"\xff"], "--annotator"),
    (["review", "store/gold.json", "-o", "m.json", "--annotator", b"\xff"], "--annotator"),
])
def test_a_non_utf8_name_in_argv_is_refused_naming_the_option(work: Path, args: list[str | bytes],
                                                             option: str) -> None:
    result = run(args, work)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith(f"byline: error: {option} '"), line
    assert "holds an unpaired surrogate" in line
    assert not (work / "store").exists() and not (work / "annotations").exists()
    assert not (work / "o.jsonl").exists()


def test_a_control_character_in_a_name_is_made_visible(work: Path) -> None:
    result = run(["import", "good.jsonl", "--db", "s/gold.json", "--annotator", "ana\x1b[2J"],
                 work)
    assert result.returncode == 0, result.stderr
    stats = run(["stats", "--db", "s/gold.json", "--json"], work)
    assert stats.returncode == 0, stats.stderr
    assert "ana\u241b[2J" in json.loads(stats.stdout)["annotators"][0].values()


def test_a_non_utf8_login_name_is_refused_unless_an_annotator_is_given(work: Path) -> None:
    env: dict[str, str | bytes] = {"USER": b"\xfe", "LOGNAME": b"\xfe", "LNAME": b"\xfe",
                                   "USERNAME": b"\xfe"}
    result = run(["import", "good.jsonl", "--db", "s/gold.json"], work, env)
    assert result.returncode == 2
    assert one_line(result) == ("byline: error: your login name '\\udcfe' holds an unpaired "
                                "surrogate (U+DCFE: not valid Unicode, e.g. a byte that is "
                                "not UTF-8); give --annotator NAME")
    assert not (work / "s").exists()
    given = run(["import", "good.jsonl", "--db", "s/gold.json", "--annotator", "ana"], work,
                env)
    assert given.returncode == 0, given.stderr


def test_a_non_utf8_file_name_is_opened_and_shown_safely(work: Path) -> None:
    name = b"\xff\x1b[2J.jsonl"
    (work / os.fsdecode(name)).write_text(json.dumps(ROW) + "\n", encoding="utf-8")
    result = run(["import", name, "--db", "s/gold.json"], work)
    assert result.returncode == 0, result.stderr
    again = run(["import", name, "--db", "s/gold.json"], work)  # refused: already there
    assert again.returncode == 2
    assert b"\x1b" not in again.stderr and b"\xff" not in again.stderr
    doctor = run(["doctor", "--db", b"\xff/gold.json"], work)
    assert doctor.returncode == 2 and b"Traceback" not in doctor.stderr


_RAISE = """
import sys
import tui.commands.stats

def explode(*args, **kwargs):
    raise RuntimeError("boom \\x1b[2J\\nsecond line \\udcff")

tui.commands.stats.run_stats = explode
sys.argv = ["byline", "stats", "--db", "x.json"]
from tui.cli import main
main()
"""


def test_an_unexpected_exception_is_one_line_exit_70_and_a_traceback_file(work: Path) -> None:
    cache = work / "cache"
    result = subprocess.run([sys.executable, "-c", _RAISE], cwd=work, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                        "XDG_CACHE_HOME": str(cache)})
    assert result.returncode == 70
    [line] = result.stderr.splitlines()
    [report] = (cache / "byline").iterdir()
    assert line == ("byline: error: internal error (RuntimeError): boom \u241b[2J second line "
                    f"\ufffd; the traceback is in {report}")
    assert report.name.startswith("crash-") and report.stat().st_mode & 0o077 == 0
    text = report.read_text(encoding="utf-8")
    assert text.startswith("Traceback (most recent call last):")
    assert "in explode" in text and "RuntimeError: boom" in text


def test_the_net_holds_when_the_traceback_cannot_be_saved(work: Path) -> None:
    (work / "not-a-folder").write_text("", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", _RAISE], cwd=work, capture_output=True,
                            text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT),
                                 "XDG_CACHE_HOME": str(work / "not-a-folder")})
    assert result.returncode == 70
    [line] = result.stderr.splitlines()
    assert line.startswith("byline: error: internal error (RuntimeError): boom ")
    assert "(the traceback could not be saved: " in line


_RAISE_OS = """
import errno
import sys
import tui.commands.stats

def refuse(*args, **kwargs):
    raise OSError(errno.ENAMETOOLONG, "File name too long", "dir/\\x1b[2Jname\\udcff")

tui.commands.stats.run_stats = refuse
sys.argv = ["byline", "stats", "--db", "x.json"]
from tui.cli import main
main()
"""


def test_an_os_error_no_command_handled_names_the_file_exit_2(work: Path) -> None:
    """The machine refusing a file the user named is not a bug: one line naming the file
    (made safe) and the system's reason, exit 2, and no crash report."""
    cache = work / "cache"
    result = subprocess.run([sys.executable, "-c", _RAISE_OS], cwd=work, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT),
                                                        "XDG_CACHE_HOME": str(cache)})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "byline: error: dir/\u241b[2Jname\ufffd: File name too long"]
    assert not cache.exists()
