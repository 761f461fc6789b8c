"""No command prints a Python traceback, whatever its arguments and files.

Every command (annotate and review up to where their app would open, export,
suggest with `--model rules`, evaluate, import, agreement, stats, doctor, the
bare `byline`, `--help`) runs under hypothesis-chosen arguments: missing,
empty, binary and hostile-named files, folders, FIFOs, `/dev/zero`, symlink
loops, huge, negative and non-numbers, NaN, unknown formats, names with lone
surrogates (a non-UTF-8 byte in argv), control characters or bidi overrides,
options repeated and given before the command. A run must end with exit 0,
or a non-zero exit whose stderr is `byline: error: ...` lines (or typer's
usage error); no exception may escape. Most cases run in-process with typer's
CliRunner; a sample runs the real CLI in subprocesses, where an internal
error (exit 70, `tui.cli.main`'s safety net) also fails.

Store paths (`--db`, the stores of agreement and review) are drawn from files,
folders, FIFOs and devices alike; the store's own cases (a FIFO or a device as
the store, through the real CLI) have a test of their own below.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tui.cli import app

ROOT = Path(__file__).resolve().parent.parent
IN_PROCESS = settings(max_examples=int(os.environ.get("BYLINE_FUZZ_EXAMPLES", "250")),
                      deadline=None, derandomize=False,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])
SUBPROCESS = settings(max_examples=int(os.environ.get("BYLINE_FUZZ_SUBPROCESSES", "10")),
                      deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

HOSTILE_NAME = os.fsdecode(b"\xff\x1b[2Jname.jsonl")  # not UTF-8, an escape sequence
NATIVE_ROW = {"id": "a", "text": "Kalin met Hamas in Doha.", "meta": {"annotator": "ana"},
              "entities": [{"start": 0, "end": 5, "label": "PERSON"}]}


_TEXT = "Kalin met Hamas in Doha."
#: Files of each import format: a good one, and ones with wrong types and lone surrogates.
FORMAT_FILES_CONTENT: dict[str, list[Any]] = {
    "native-bad.jsonl": [{"id": "b", "text": _TEXT, "meta": {"annotator": "x\udcff"},
                          "entities": [{"start": 0, "end": 5, "label": ["PERSON"]}]}],
    "prodigy-good.jsonl": [{"text": _TEXT, "answer": "accept", "_annotator_id": "p-ana",
                            "spans": [{"start": 0, "end": 5, "label": "PERSON"}]}],
    "prodigy-bad.jsonl": [{"text": _TEXT, "answer": ["accept"]},
                          {"text": _TEXT, "spans": [{"start": 0, "end": 5, "label": "P\ud800"}],
                           "_annotator_id": {"id": 1}}],
    "doccano-good.jsonl": [{"id": 3, "text": _TEXT, "label": [[0, 5, "PERSON"]]}],
    "doccano-bad.jsonl": [{"id": [3], "text": _TEXT, "entities": [
        {"id": 1, "label": "PERSON", "start_offset": 0, "end_offset": 5}],
        "relations": [{"from_id": 1, "to_id": 1, "type": ["refers_to"]}]}],
    "labelstudio-good.json": [{"data": {"text": _TEXT}, "annotations": [
        {"completed_by": 4, "result": [{"type": "labels", "value": {
            "start": 0, "end": 5, "labels": ["PERSON"]}}]}]}],
    "labelstudio-bad.json": [{"data": {"text": _TEXT, "id": "\udcff"}, "annotations": [
        {"completed_by": {"email": "\x1b[2J"}, "result": [{"type": "labels", "value": {
            "start": 0, "end": 1e30, "labels": [None]}}]}]}],
}
FORMAT_FILES: dict[str, list[str]] = {
    fmt: sorted(name for name in FORMAT_FILES_CONTENT if name.startswith(fmt))
    for fmt in ("native", "prodigy", "doccano", "labelstudio")}


def _write_workspace(root: Path) -> None:
    (root / "good.jsonl").write_text(json.dumps(NATIVE_ROW) + "\n", encoding="utf-8")
    (root / HOSTILE_NAME).write_text(json.dumps(NATIVE_ROW) + "\n", encoding="utf-8")
    (root / "article.txt").write_text("DOHA: Kalin met Hamas.\n", encoding="utf-8")
    (root / "empty.jsonl").write_bytes(b"")
    (root / "binary.jsonl").write_bytes(bytes(range(256)) * 4)
    (root / "bad.jsonl").write_text('{"text": "x", "entities": [{"start": "0"}]}\n{',
                                    encoding="utf-8")
    (root / "nan.jsonl").write_text('{"id": "n", "text": "x", "meta": {"x": NaN}}\n',
                                    encoding="utf-8")
    (root / "inf.jsonl").write_text('{"id": "i", "text": "x", "entities": [{"start": '
                                    'Infinity, "end": 1, "label": "X"}]}\n', encoding="utf-8")
    (root / "prodigy.jsonl").write_text(json.dumps(
        {"text": "Kalin met Hamas.", "answer": ["accept"],
         "spans": [{"start": 0, "end": 5, "label": "PER\ud800"}]}) + "\n", encoding="utf-8")
    for name, rows in FORMAT_FILES_CONTENT.items():
        (root / name).write_text("".join(json.dumps(row) + "\n" for row in rows),
                                 encoding="utf-8")
    (root / "config.toml").write_text('annotator = "\\u001b[2J"\n[keys]\n"\\n" = 5\n',
                                      encoding="utf-8")
    (root / "folder").mkdir()
    (root / "folder" / "a.txt").write_text("Fidan spoke.", encoding="utf-8")
    (root / "folder" / "loop.txt").symlink_to("loop.txt")
    (root / "loop.jsonl").symlink_to("loop.jsonl")
    (root / "dangling.jsonl").symlink_to("nowhere.jsonl")
    os.mkfifo(root / "fifo.jsonl")


INPUTS = ["good.jsonl", HOSTILE_NAME, "article.txt", "empty.jsonl", "binary.jsonl", "bad.jsonl",
          "nan.jsonl", "inf.jsonl", "prodigy.jsonl", "config.toml", "folder", "loop.jsonl",
          "dangling.jsonl", "fifo.jsonl", "/dev/zero", "/dev/null", "missing.jsonl", "", "-",
          "store/gold.json"]
#: What the store may be given here.
STORES = ["store/gold.json", "new/gold.json", "empty.jsonl", "binary.jsonl", "folder",
          "loop.jsonl", "dangling.jsonl", HOSTILE_NAME, "good.jsonl", "missing/x/gold.json",
          "fifo.jsonl", "/dev/zero", "/dev/null", "store/gold.json.journal",
          "store/gold.json.lock"]
OUTPUTS = ["out.jsonl", "out-dir", "victim.txt", "folder", "missing/x/out.jsonl",
           os.fsdecode(b"out-\xfe\x1b]0;t\x07.jsonl"), ""]
NUMBERS = ["0", "1", "-1", "2", "0.5", "0.99", "1.5", "nan", "NaN", "inf", "-inf", "1e999",
           "99999999999999999999999999", "-99999999999999999999", "", "x", "\udcff", "0x10"]
NAMES = ["ana", "bo", "", " ", "\udcff", "a\udcffb", "\x1b]0;pwned\x07", "a\u202eb", "x" * 300,
         "import:x", "rules", "-", "--force", "ana\n"]
FORMATS = ["native", "prodigy", "brat", "doccano", "doccano-rel", "conll", "labelstudio",
           "spacy", "bogus", "", "\udcff", "NATIVE", "\x1b[2J"]
MODELS = ["rules", "import:imported", "import:\udcff", "bogus", "\udcff", "\x1b[2J", "folder",
          "fifo.jsonl", "/dev/zero", "rules "]

# every strategy draws a plausible value about half the time, so runs get past the checks
inputs = st.one_of(st.sampled_from(["good.jsonl", "article.txt", "folder"]),
                   st.sampled_from(INPUTS))
stores = st.one_of(st.just("store/gold.json"), st.sampled_from(STORES))
outputs = st.one_of(st.sampled_from(["out.jsonl", "out-dir"]), st.sampled_from(OUTPUTS))
numbers = st.one_of(st.sampled_from(["1", "2", "0.5"]), st.sampled_from(NUMBERS),
                    st.integers().map(str))
names = st.one_of(st.sampled_from(["ana", "bo"]), st.sampled_from(NAMES), st.text(max_size=5))

#: Options most runs of a command give (the command needs them).
REQUIRED = {"export": "-o", "suggest": "-o", "review": "-o"}
#: Per command: its positional arguments, and its options with what they take (None: a flag).
COMMANDS: dict[str, tuple[st.SearchStrategy[list[str]], dict[str, Any]]] = {
    "annotate": (st.lists(inputs, min_size=1, max_size=3), {
        "--db": stores, "--annotator": names, "--model": st.sampled_from(MODELS),
        "--config": inputs}),
    "export": (st.just([]), {
        "-o": outputs, "--db": stores, "--format": st.sampled_from(FORMATS), "--all": None,
        "--annotator": names, "--force": None, "--dev": numbers, "--seed": numbers}),
    "suggest": (st.lists(inputs, min_size=1, max_size=3), {
        "-o": outputs, "--model": st.sampled_from(MODELS), "--batch-size": numbers,
        "--force": None, "--resume": None}),
    "evaluate": (st.lists(inputs, min_size=0, max_size=3), {"--json": None}),
    "import": (st.lists(inputs, min_size=1, max_size=3), {
        "--db": stores, "--format": st.sampled_from(FORMATS),
        "--as": st.sampled_from(["gold", "suggestions", "bogus", "", "\udcff"]),
        "--annotator": names, "--name": names}),
    "review": (st.lists(stores, min_size=1, max_size=3), {
        "-o": st.one_of(stores, outputs), "--annotator": names}),
    "agreement": (st.lists(stores, min_size=0, max_size=3), {"--json": None}),
    "stats": (st.just([]), {"--db": stores, "--annotator": names, "--json": None}),
    "doctor": (st.just([]), {"--db": stores, "--repair": None}),
}
GLOBAL_OPTIONS: dict[str, Any] = {"--db": stores, "--annotator": names,
                                  "--model": st.sampled_from(MODELS), "--config": inputs}


@st.composite
def options(draw: st.DrawFn, table: dict[str, Any]) -> list[list[str]]:
    """Some options of `table`, each possibly repeated, with drawn values: one list per
    option (the flag and its value, kept together when options are shuffled)."""
    chosen = draw(st.lists(st.sampled_from(sorted(table)), max_size=5))
    return [[flag] if table[flag] is None else [flag, draw(table[flag])] for flag in chosen]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A whole command line: global options, a command (or none, or --help), its arguments."""
    kind = draw(st.sampled_from([*COMMANDS, *COMMANDS, "bare", "help"]))
    before = draw(options(GLOBAL_OPTIONS)) if draw(st.integers(0, 3)) == 0 else []
    if kind == "bare":
        return [arg for unit in before for arg in unit]
    if kind == "help":
        return [*(arg for unit in before for arg in unit),
                *draw(st.sampled_from([["--help"], *([c, "--help"] for c in COMMANDS),
                                       ["bogus-command"], ["--bogus"]]))]
    positional, table = COMMANDS[kind]
    units = [[arg] for arg in draw(positional)] + draw(options(table))
    if kind == "import" and draw(st.booleans()):  # files of the format asked for
        fmt = draw(st.sampled_from(sorted(FORMAT_FILES)))
        files = draw(st.lists(st.sampled_from(FORMAT_FILES[fmt]), min_size=1, max_size=2))
        units = [[name] for name in files] + [["--format", fmt]] + [
            u for u in units if u[0].startswith("-") and u[0] != "--format"]
    required = REQUIRED.get(kind)
    if required is not None and [required] not in [u[:1] for u in units] and draw(
            st.integers(0, 9)):
        units.append([required, draw(table[required])])
    if kind == "suggest" and ["--model"] not in [u[:1] for u in units]:
        units.append(["--model", "rules"])  # never the real model: seconds per run
    if draw(st.booleans()):
        units = draw(st.permutations(units))  # options before, between, after arguments
    return [*(arg for unit in [*before, [kind], *units] for arg in unit)]


# ------------------------------------------------------------------- checks

_USAGE = re.compile(r"Usage: byline[^\n]*\nTry 'byline[^\n]*' for help\.\n\nError: [^\n]*\n\Z")


def check_outcome(args: list[str], code: int, stderr: str, stdout: str = "") -> None:
    """Exit 0, or a non-zero exit explained by `byline: error:` lines or a usage error
    (or `doctor`'s report of a damaged store, exit 1)."""
    assert "Traceback" not in stderr + stdout, (args, stderr)
    if code == 0:
        return
    if code == 1 and "doctor" in args and re.search(
            r"problem\(s\); run: byline doctor --db .* --repair\n\Z", stdout):
        return
    if _USAGE.search(stderr):
        assert code == 2, (args, code, stderr)
        return
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, (args, code, "a failure without a message")
    assert any(line.startswith("byline: error: ") for line in lines), (args, stderr)
    assert all(line.startswith(("byline: error: ", "warning: ", "wrote ", "interrupted"))
               for line in lines), (args, stderr)
    assert code != 70, (args, stderr)  # the safety net caught a bug


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder of hostile inputs and one real store; the tests run in it."""
    root = tmp_path_factory.mktemp("cli-fuzz")
    _write_workspace(root)
    before = Path.cwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(app, ["import", "good.jsonl", "--db", "store/gold.json"])
        assert result.exit_code == 0, result.stderr
        yield root
    finally:
        os.chdir(before)


@pytest.fixture
def no_apps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """annotate and review stop where their app would open: `run` only records the call."""
    from tui.app.adjudicate import AdjudicationApp
    from tui.app.app import BylineApp

    opened: list[str] = []
    monkeypatch.setattr(BylineApp, "run", lambda self, *a, **k: opened.append("annotate"))
    monkeypatch.setattr(AdjudicationApp, "run", lambda self, *a, **k: opened.append("review"))
    return opened


@IN_PROCESS
@given(args=command_lines())
def test_no_command_lets_an_exception_escape(workspace: Path, no_apps: list[str],
                                            args: list[str]) -> None:
    result = CliRunner().invoke(app, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args!r} raised {result.exception!r}") from result.exception
    check_outcome(args, result.exit_code, result.stderr, result.stdout)


@SUBPROCESS
@given(args=command_lines())
def test_the_real_cli_prints_no_traceback(workspace: Path, args: list[str]) -> None:
    assume(not any("\x00" in arg for arg in args))  # argv cannot hold a NUL byte
    if ("annotate" in args or "review" in args) and "--help" not in args:
        args = [*args, "--help"]  # the real app could open: its argument parsing only
    result = subprocess.run([sys.executable, "-m", "tui", *args], cwd=workspace,
                            capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT),
                                 "XDG_CACHE_HOME": str(workspace / "cache")})
    check_outcome(args, result.returncode, result.stderr.decode("utf-8", "replace"),
                  result.stdout.decode("utf-8", "replace"))


# ---------------------------------------------------------- found by fuzzing

FOUND = [
    # a label or an annotator with a lone surrogate got into the store and broke stats
    ["import", "good.jsonl", "--db", "s1/gold.json", "--annotator", "a\udcffb"],
    ["import", "prodigy.jsonl", "--format", "prodigy", "--db", "s2/gold.json"],
    ["annotate", "article.txt", "--db", "s3/gold.json", "--model", "import:\udcff"],
    ["suggest", "article.txt", "-o", "o.jsonl", "--model", "rules", "--n-process",
     "99999999999999"],
    ["agreement", "loop.jsonl", "store/gold.json"],
    ["review", "loop.jsonl", "-o", "m/gold.json"],
    # int(Infinity) raised OverflowError in evaluate's reader
    ["evaluate", "good.jsonl", "inf.jsonl"],
]


@pytest.mark.parametrize("args", FOUND, ids=lambda a: " ".join(a).encode(
    "ascii", "backslashreplace").decode())
def test_cases_the_fuzzer_found_are_one_line_errors(workspace: Path, no_apps: list[str],
                                                    args: list[str]) -> None:
    result = CliRunner().invoke(app, args, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    assert result.exit_code == 2, result.stderr
    check_outcome(args, result.exit_code, result.stderr)
    assert no_apps == []


# ------------------------------------------------------- the store's own cases

STORE_CASES = [(command, store) for store in ("fifo.jsonl", "/dev/zero")
               for command in (["stats"], ["doctor"], ["export", "-o", "x.jsonl"],
                               ["import", "good.jsonl"], ["annotate", "article.txt"],
                               ["agreement"], ["review", "-o", "merged.json"])]


@pytest.mark.parametrize(("command", "store"), STORE_CASES)
def test_a_fifo_or_device_as_the_store_is_one_error(workspace: Path, command: list[str],
                                                    store: str) -> None:
    """Found by the fuzzer: `--db` naming a FIFO or /dev/zero hung every command (and
    made `/dev/zero.lock`), and `review`/`agreement` given one as a store hung too."""
    if command[0] in ("agreement", "review"):
        argv = [*command[:1], store, *command[1:]]
    else:
        argv = [*command, "--db", store]
    beside = [Path(f"{store}.{suffix}") for suffix in ("lock", "journal", "shards")]
    before = [(workspace / p).exists() for p in beside]
    result = subprocess.run([sys.executable, "-m", "tui", *argv],
                            cwd=workspace, capture_output=True, text=True, timeout=20,
                            stdin=subprocess.DEVNULL, env={**os.environ,
                                                           "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2, result.stderr
    check_outcome(command, result.returncode, result.stderr)
    assert "not a gold store" in result.stderr or "not a regular file" in result.stderr, \
        result.stderr
    assert [(workspace / p).exists() for p in beside] == before
