"""Attack, class 3: crashes and hangs.

Every command and reader on odd paths and odd files: names too long for the
file system, paths through symlink loops, FIFOs and files used as folders,
store files that are FIFOs, folders or unreadable, standard streams closed,
no terminal at all. The README's promise: every command ends with its output
or one `byline: error: ...` line and a non-zero exit; never a traceback, never
the internal-error net (exit 70: a bug slipped through), never a hang; only
regular files are read, and byline never blocks on a FIFO.

Each test began as a finding of issue 10 (byline broke the promise); all pass
now, and each keeps the class of attack from coming back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.attack.helpers import (
    LABELS,
    byline,
    crashed_writer,
    env,
    labels_of,
    one_line_error,
    tree,
)
from tui.cli import app
from tui.store.gold import GoldStore, lock_path, shards_dir

TOO_LONG = "n" * 300  # one path component past NAME_MAX (255)
DEEP = "/".join(["d" * 200] * 25)  # a path past PATH_MAX (4096)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder with a store, an article and a native JSONL file."""
    crashed_writer(tmp_path / "s" / "gold.json", 2)
    (tmp_path / "in.txt").write_text("Angela Merkel met Joe Biden in Berlin.\n",
                                     encoding="utf-8")
    (tmp_path / "in.jsonl").write_text(json.dumps(
        {"id": "x", "text": "Angela Merkel met Joe Biden.",
         "entities": [{"start": 0, "end": 13, "label": "PERSON"}]}) + "\n", encoding="utf-8")
    return tmp_path


# --------------------------------------------------- names the file system refuses

LONG_CASES = {
    "stats --db": ["stats", "--db", "{P}"],
    "export --db": ["export", "--db", "{P}", "-o", "out.jsonl"],
    "export -o": ["export", "--db", "s/gold.json", "-o", "{P}"],
    "export -o spacy --dev": ["export", "--db", "s/gold.json", "--format", "spacy", "--dev",
                              "0.5", "-o", "{P}"],
    "import FILE": ["import", "{P}", "--db", "new.json"],
    "import --db": ["import", "in.jsonl", "--db", "{P}"],
    "suggest PATH": ["suggest", "{P}", "-o", "out.jsonl", "--model", "rules"],
    "suggest -o": ["suggest", "in.txt", "-o", "{P}", "--model", "rules"],
    "evaluate": ["evaluate", "{P}", "in.jsonl"],
    "agreement": ["agreement", "{P}"],
    "doctor --db": ["doctor", "--db", "{P}"],
    "review -o": ["review", "s/gold.json", "-o", "{P}"],
}


@pytest.mark.parametrize("name", [pytest.param(TOO_LONG, id="component"),
                                  pytest.param(DEEP, id="path")])
@pytest.mark.parametrize("case", list(LONG_CASES))
def test_a_name_too_long_is_a_one_line_error(work: Path, case: str, name: str) -> None:
    args = [name if arg == "{P}" else arg for arg in LONG_CASES[case]]
    one_line_error(byline(work, *args))
    assert not list((work / "cache").rglob("crash-*"))


# --------------------------------------------------- path shapes, fuzzed

COMPONENTS = ["a", "s", "gold.json", "..", ".", "loop", "fifo", "in.txt", "\udcff", "d" * 255,
              "\x1b[2J", "gold.json.shards", "gold.json.journal", "in.jsonl", ""]
paths = st.lists(st.sampled_from(COMPONENTS), min_size=1, max_size=6).map(
    lambda parts: "/".join(parts)) | st.sampled_from(["/dev/null", "/proc/self/fd/1",
                                                      "/dev/stdin", "/", "s/gold.json"])
PATH_COMMANDS = [
    lambda p: ["stats", "--db", p], lambda p: ["export", "--db", p, "-o", "o.jsonl"],
    lambda p: ["export", "--db", "s/gold.json", "-o", p, "--force"],
    lambda p: ["export", "--db", "s/gold.json", "--format", "brat", "-o", p],
    lambda p: ["import", p, "--db", "new/gold.json"], lambda p: ["import", "in.jsonl", "--db", p],
    lambda p: ["suggest", p, "-o", "o.jsonl", "--model", "rules", "--force"],
    lambda p: ["suggest", "in.txt", "-o", p, "--model", "rules", "--resume"],
    lambda p: ["evaluate", p, "in.jsonl"], lambda p: ["agreement", p, "s/gold.json"],
    lambda p: ["review", p, "-o", "m/gold.json"], lambda p: ["review", "s/gold.json", "-o", p],
    lambda p: ["doctor", "--db", p], lambda p: ["doctor", "--db", p, "--repair"],
    lambda p: ["annotate", p, "--db", "s/gold.json"], lambda p: ["--config", p, "stats"],
]


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("shapes")
    crashed_writer(root / "s" / "gold.json", 2)
    (root / "in.txt").write_text("Angela Merkel met Joe Biden.\n", encoding="utf-8")
    (root / "in.jsonl").write_text(json.dumps({"id": "x", "text": "Olaf Scholz spoke."})
                                   + "\n", encoding="utf-8")
    (root / "a").mkdir()
    (root / "loop").symlink_to("loop")
    os.mkfifo(root / "fifo")
    before = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(before)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=paths, which=st.integers(0, len(PATH_COMMANDS) - 1))
def test_path_shapes_never_crash(shapes: Path, monkeypatch: pytest.MonkeyPatch, path: str,
                                 which: int) -> None:
    """Held: every command on paths through `..`, symlink loops, FIFOs and files used as
    folders, store files, undecodable and escape-holding names (components up to 255
    bytes): exit 0 or `byline: error:` lines, never an exception."""
    from tui.app.adjudicate import AdjudicationApp
    from tui.app.app import BylineApp

    monkeypatch.setattr(BylineApp, "run", lambda self, *a, **k: None)
    monkeypatch.setattr(AdjudicationApp, "run", lambda self, *a, **k: None)
    monkeypatch.setenv("BYLINE_CONFIG", os.devnull)
    args = PATH_COMMANDS[which](path)
    result = CliRunner().invoke(app, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args!r} raised {result.exception!r}") from result.exception
    if result.exit_code not in (0, 1):
        assert "byline: error: " in result.stderr or "Error:" in result.stderr, (args,
                                                                               result.stderr)


# --------------------------------------------------- store files that are not files


def _lock_made(db: Path, kind: str) -> None:
    lock = lock_path(db)
    lock.unlink()
    if kind == "fifo":
        os.mkfifo(lock)
    elif kind == "folder":
        lock.mkdir()
    elif kind == "zero":
        lock.symlink_to("/dev/zero")
    else:
        lock.symlink_to(lock.name)


@pytest.mark.parametrize("kind", ["folder", "zero", "loop"])
def test_a_lock_file_that_is_not_a_file_is_one_line_never_a_hang(
        tmp_path: Path, kind: str) -> None:
    """Held: the lock file made a folder, a symlink to /dev/zero or a symlink loop: a
    writer (import) stops with one line and changes nothing; readers read."""
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 2)
    _lock_made(db, kind)
    before = tree(db.parent)
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "b1", "text": "Olaf Scholz spoke."}) + "\n",
                      encoding="utf-8")
    one_line_error(byline(tmp_path, "import", source, "--db", db, timeout=20), "lock")
    assert tree(db.parent) == before
    assert labels_of(tmp_path, db) == [LABELS[1]]
    doctor = byline(tmp_path, "doctor", "--db", db, timeout=20)
    assert "Traceback" not in doctor.stderr and doctor.returncode in (0, 1)


@pytest.mark.parametrize("command", ["export", "stats", "doctor", "repair"])
def test_a_fifo_lock_file_never_hangs_a_reader(tmp_path: Path, command: str) -> None:
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 2)
    _lock_made(db, "fifo")
    args = {"export": ["export", "--db", db, "--all", "-o", "-"],
            "stats": ["stats", "--db", db], "agreement": ["agreement", db],
            "doctor": ["doctor", "--db", db], "repair": ["doctor", "--db", db, "--repair"]}
    try:
        result = byline(tmp_path, *args[command], timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail(f"byline {command} hangs on a FIFO lock file")
    assert "Traceback" not in result.stderr and result.returncode in (0, 1, 2), result.stderr


def _odd(db: Path, kind: str) -> None:
    """Make one part of the store `db` something other than what it should be."""
    folder = db.parent
    if kind == "shards folder a FIFO":
        shards_dir(db).rename(folder / "elsewhere")
        os.mkfifo(shards_dir(db))
    elif kind == "backups folder a FIFO":
        shutil.rmtree(folder / "gold.json.backups", ignore_errors=True)
        os.mkfifo(folder / "gold.json.backups")
    elif kind == "backups folder a symlink loop":
        shutil.rmtree(folder / "gold.json.backups", ignore_errors=True)
        (folder / "gold.json.backups").symlink_to("gold.json.backups")
    elif kind == "a shard a symlink loop":
        shard = next(shards_dir(db).glob("*.json"))
        shard.unlink()
        shard.symlink_to(shard.name)
    elif kind == "a FIFO named like a repair's folder":
        os.mkfifo(folder / "gold.json.damaged-20250101T000000Z")
    elif kind == "a FIFO named like a temporary file":
        os.mkfifo(folder / ".gold.json.0123456789ab.tmp")
        os.mkfifo(shards_dir(db) / ".0001.json.0123456789ab.tmp")


@pytest.mark.parametrize("kind", ["shards folder a FIFO", "backups folder a FIFO",
                                  "backups folder a symlink loop", "a shard a symlink loop",
                                  "a FIFO named like a repair's folder",
                                  "a FIFO named like a temporary file"])
def test_store_parts_that_are_not_what_they_should_be(tmp_path: Path, kind: str) -> None:
    """Held: the readers, a writer and the repair on a store one of whose parts is a FIFO
    or a symlink loop: exit 0 or one line, never a hang or the internal-error net."""
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 2)
    GoldStore.open(db).close()
    crashed_writer(db, 3)
    _odd(db, kind)
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "b1", "text": "Olaf Scholz."})
                                       + "\n", encoding="utf-8")
    for args in (["export", "--db", db, "--all", "-o", "-"], ["stats", "--db", db],
                 ["doctor", "--db", db],
                 ["import", "in.jsonl", "--db", db, "--annotator", "zed"],
                 ["doctor", "--db", db, "--repair"]):
        result = byline(tmp_path, *args, timeout=20)
        assert result.returncode not in (70,) and "Traceback" not in result.stderr, (
            args, result.stderr)
        if result.returncode not in (0, 1):
            one_line_error(result)


# --------------------------------------------------- permissions (root without overrides)


def _without_overrides(tmp: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real CLI as root without the capabilities that bypass file permissions, so
    that a mode of 000 means what it means for every other user."""
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to drop CAP_DAC_OVERRIDE")
    return subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner",
         sys.executable, "-m", "tui", *map(str, args)], capture_output=True, text=True,
        env=env(tmp), cwd=tmp, timeout=60, check=False, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("repair", [False, True])
def test_doctor_on_an_unreadable_shards_folder(tmp_path: Path, repair: bool) -> None:
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 2)
    GoldStore.open(db).close()
    shards_dir(db).chmod(0)
    try:
        result = _without_overrides(tmp_path, "doctor", "--db", db,
                                    *(["--repair"] if repair else []))
    finally:
        shards_dir(db).chmod(0o755)
    assert result.returncode != 70, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("part", ["index", "journal", "a shard", "backups", "folder"])
def test_unreadable_store_parts_are_one_line(tmp_path: Path, part: str) -> None:
    """Held: an unreadable index, journal, shard or backups folder, or a store folder
    that cannot be written: readers and writers stop with one line (or read)."""
    db = tmp_path / "s" / "gold.json"
    crashed_writer(db, 2)
    GoldStore.open(db).close()
    crashed_writer(db, 3)
    target = {"index": db, "journal": db.with_name("gold.json.journal"),
              "a shard": next(shards_dir(db).glob("*.json")),
              "backups": db.with_name("gold.json.backups"), "folder": db.parent}[part]
    mode = target.stat().st_mode
    target.chmod(0o555 if part == "folder" else 0)
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "b1", "text": "Olaf Scholz."})
                                       + "\n", encoding="utf-8")
    try:
        for args in (["export", "--db", db, "--all", "-o", tmp_path / "o.jsonl", "--force"],
                     ["stats", "--db", db], ["doctor", "--db", db],
                     ["import", "in.jsonl", "--db", db, "--annotator", "zed"],
                     ["doctor", "--db", db, "--repair"]):
            result = _without_overrides(tmp_path, *args)
            assert result.returncode != 70 and "Traceback" not in result.stderr, (
                args, result.stderr)
            if result.returncode not in (0, 1) and "Usage: byline" not in result.stderr:
                one_line_error(result)  # (or typer's usage message: --db is not readable)
    finally:
        target.chmod(mode)


# --------------------------------------------------- standard streams and terminals


def test_suggest_with_standard_error_closed(work: Path) -> None:
    result = subprocess.run(
        ["sh", "-c", f'exec 2>&-; exec "{sys.executable}" -m tui suggest in.txt -o out.jsonl '
                     f'--model rules'], capture_output=True, text=True, env=env(work),
        cwd=work, timeout=60, check=False)
    assert result.returncode != 70
    assert not list((work / "cache").rglob("crash-*"))
    assert (work / "out.jsonl").read_text(encoding="utf-8").startswith('{"id"')


def test_an_io_error_reading_the_output_to_resume_is_one_line(work: Path) -> None:
    one_line_error(byline(work, "suggest", "in.txt", "-o", "/proc/self/mem", "--model",
                          "rules", "--resume"), "/proc/self/mem")


@pytest.mark.parametrize("command", ["annotate", "review"])
def test_the_apps_without_a_terminal_end(work: Path, command: str) -> None:
    db = work / "s" / "gold.json"
    other = work / "bo.json"
    with GoldStore.open(other) as store:
        from tests.attack.helpers import article, entity

        art = article("a1")
        store.put_article(art)
        store.save_items("a1", "bo", art.text_hash, {"a:1": entity("GPE", who="bo")})
    args = {"annotate": ["annotate", "in.txt", "--db", db, "--model", "rules"],
            "review": ["review", db, other, "-o", work / "m.json"]}[command]
    try:
        result = byline(work, *args, timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"byline {command} without a terminal never ends")
    assert result.returncode != 0
    one_line_error(result)
