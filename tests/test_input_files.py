"""Inputs that are not regular files, and folders holding odd entries.

A FIFO, `/dev/zero` or a folder given where byline reads a file (an import
input, an evaluate input, an article, a file in a folder of articles, the
config file) is one named error and never hangs or fills memory: every case
runs the real CLI in a subprocess with a timeout and a memory limit, so a
regression fails instead of hanging the suite. In a folder of articles, a
symlink loop, a dangling symlink, an unreadable file, a FIFO and a file that
vanishes before it is read are one named error each, while the other files
are read; subfolders are left out.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tui.formats.readers as readers
from tui.formats.readers import read_paths

ROOT = Path(__file__).resolve().parent.parent
GOOD_NATIVE = '{"id": "a", "text": "Kalin met Hamas.", "entities": [{"start": 0, "end": 5, ' \
              '"label": "PERSON"}]}\n'
TIMEOUT = 60


def _limit_memory() -> None:
    limit = 2 * 1024**3  # reading /dev/zero whole would pass this at once
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def byline(*args: str | Path, cwd: Path, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess; a hang fails the test after TIMEOUT seconds."""
    return subprocess.run([sys.executable, "-m", "tui", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                          stdin=subprocess.DEVNULL, preexec_fn=_limit_memory)


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one `byline: error:` line of a failed run (no traceback)."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("byline: error: ") for line in lines), result.stderr
    return lines[0]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "fifo.jsonl").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "fifo.jsonl")
    os.mkfifo(tmp_path / "fifo.txt")
    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "folder.jsonl").mkdir()
    (tmp_path / "good.jsonl").write_text(GOOD_NATIVE, encoding="utf-8")
    (tmp_path / "article.txt").write_text("DOHA: Kalin met Hamas.\n", encoding="utf-8")
    return tmp_path


NOT_REGULAR = {
    "fifo.jsonl": "not a regular file (a FIFO)",
    "/dev/zero": "not a regular file (a character device)",
    "folder.jsonl": "not a regular file (a folder)",
}


@pytest.mark.parametrize("fmt", ["native", "prodigy", "doccano", "labelstudio"])
@pytest.mark.parametrize("given", sorted(NOT_REGULAR))
def test_import_of_a_non_regular_file_is_one_error_and_writes_nothing(
        work: Path, fmt: str, given: str) -> None:
    error = one_error(byline("import", given, "--format", fmt, "--db", "store/gold.json",
                             cwd=work))
    assert error == f"byline: error: {given}: {NOT_REGULAR[given]}"
    assert not (work / "store").exists()


@pytest.mark.parametrize("given", sorted(NOT_REGULAR))
@pytest.mark.parametrize("side", ["gold", "pred"])
def test_evaluate_of_a_non_regular_file_is_one_error(work: Path, given: str, side: str) -> None:
    args = (given, "good.jsonl") if side == "gold" else ("good.jsonl", given)
    result = byline("evaluate", *args, cwd=work)
    assert result.returncode == 2
    if given == "folder.jsonl":  # typer's usage error: the arguments are dir_okay=False
        assert f"Error: Invalid value for '{side.upper()}.jsonl': file '{given}' is a " \
               "directory." in result.stderr and "Traceback" not in result.stderr
        return
    assert one_error(result) == f"byline: error: {given}: {NOT_REGULAR[given]}"


@pytest.mark.parametrize("given", ["fifo.txt", "fifo.jsonl", "/dev/zero"])
def test_a_non_regular_article_is_one_error_and_the_rest_is_read(work: Path,
                                                                 given: str) -> None:
    result = byline("suggest", given, "article.txt", "-o", "out.jsonl", "--model", "rules",
                    cwd=work)
    assert result.returncode == 1, result.stderr  # some inputs could not be read
    kind = "a FIFO" if given.startswith("fifo") else "a character device"
    assert f"byline: error: {given}: not a regular file ({kind})" in result.stderr
    assert "Traceback" not in result.stderr
    assert (work / "out.jsonl").read_text(encoding="utf-8").count("\n") == 1


def test_annotate_on_a_fifo_alone_is_one_error_before_the_app(work: Path) -> None:
    error = one_error(byline("annotate", "fifo.txt", "--db", "store/gold.json", cwd=work))
    assert error == ("byline: error: no article could be read from fifo.txt "
                     "(fifo.txt: not a regular file (a FIFO))")
    assert not (work / "store").exists()


_CONTEXT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tui.commands.annotate import build_context
    config = Path(sys.argv[1]) if sys.argv[1] != "-" else None
    ctx = build_context([Path("article.txt")], Path("store/gold.json"), None, "rules", config)
    ctx.store.close()
    print("\\n".join(ctx.warnings))
""")


@pytest.mark.parametrize("config", ["fifo.toml", "/dev/zero", "folder.jsonl"])
@pytest.mark.parametrize("how", ["--config", "BYLINE_CONFIG"])
def test_a_non_regular_config_is_one_warning_and_the_defaults(work: Path, config: str,
                                                              how: str) -> None:
    """What `byline annotate --config X` builds before the app opens (the app shows the
    warnings); a blocking read of the FIFO would time out."""
    argument, env = (config, {}) if how == "--config" else ("-", {"BYLINE_CONFIG": config})
    result = subprocess.run([sys.executable, "-c", _CONTEXT, argument], cwd=work,
                            capture_output=True, text=True, timeout=TIMEOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                            preexec_fn=_limit_memory)
    assert result.returncode == 0, result.stderr
    kind = {"fifo.toml": "a FIFO", "/dev/zero": "a character device",
            "folder.jsonl": "a folder"}[config]
    assert result.stdout.splitlines() == [
        f"{config}: config file is not a regular file ({kind}) (defaults used)"]


# ------------------------------------------------------------------- folders


@pytest.fixture
def odd_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a_good.txt").write_text("DOHA: Kalin met Hamas.\n", encoding="utf-8")
    (folder / "z_good.jsonl").write_text('{"id": "z", "text": "Fidan spoke."}\n',
                                         encoding="utf-8")
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "ping.txt").symlink_to("pong.txt")
    (folder / "pong.txt").symlink_to("ping.txt")
    (folder / "dangling.jsonl").symlink_to("nowhere.jsonl")
    (folder / "sub.txt").mkdir()
    (folder / "sub.txt" / "inner.txt").write_text("Not read: not recursive.", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")
    yield folder


ODD_ERRORS = {
    "dangling.jsonl": "a symlink to nothing (dangling)",
    "loop.txt": "a symlink loop",
    "ping.txt": "a symlink loop",
    "pipe.txt": "not a regular file (a FIFO)",
    "pong.txt": "a symlink loop",
}


def test_odd_entries_of_a_folder_are_one_error_each_and_the_rest_is_read(
        odd_folder: Path) -> None:
    result = read_paths([odd_folder])
    assert [a.id for a in result.articles] == ["a_good", "z"]
    assert [str(e) for e in result.errors] == [
        f"{odd_folder / name}: {reason}" for name, reason in sorted(ODD_ERRORS.items())]


def test_odd_folder_through_the_cli(odd_folder: Path) -> None:
    result = byline("suggest", "articles", "-o", "out.jsonl", "--model", "rules",
                    cwd=odd_folder.parent)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("byline: error")]
    assert errors == [f"byline: error: articles/{name}: {reason}"
                      for name, reason in sorted(ODD_ERRORS.items())]
    assert "Traceback" not in result.stderr
    assert (odd_folder.parent / "out.jsonl").read_text(encoding="utf-8").count("\n") == 2


def test_a_symlink_loop_given_by_name_is_one_error(odd_folder: Path) -> None:
    result = read_paths([odd_folder / "loop.txt", odd_folder / "a_good.txt"])
    assert [a.id for a in result.articles] == ["a_good"]
    assert [str(e) for e in result.errors] == [f"{odd_folder / 'loop.txt'}: a symlink loop"]


def test_a_file_that_vanishes_before_it_is_read_is_one_error(
        odd_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder is listed, then `z_good.jsonl` is deleted just before it is opened."""
    real = readers.read_regular
    victim = odd_folder / "z_good.jsonl"

    def vanish_then_read(path: Path | str) -> bytes:
        if Path(path) == victim:
            victim.unlink()
        return real(path)

    monkeypatch.setattr(readers, "read_regular", vanish_then_read)
    result = read_paths([odd_folder])
    assert [a.id for a in result.articles] == ["a_good"]
    assert f"{victim}: no such file" in [str(e) for e in result.errors]


_READ = "import sys; from tui.formats.readers import read_paths; " \
        "r = read_paths([sys.argv[1]]); print([a.id for a in r.articles]); " \
        "print('\\n'.join(str(e) for e in r.errors))"


def _as_nobody(command: list[str]) -> list[str] | None:
    """`command` run as `nobody` (root reads anything), where that can be done here: setpriv
    is there and `nobody` can reach this checkout (a clone in a private folder it cannot)."""
    if shutil.which("setpriv") is None:
        return None
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*drop, sys.executable, "-c", "import tui"], capture_output=True,
                           timeout=TIMEOUT, cwd="/", env={**os.environ, "PYTHONPATH": str(ROOT)},
                           check=False)
    return [*drop, *command] if probe.returncode == 0 else None


def test_an_unreadable_file_is_one_error_and_the_rest_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000; run as `nobody` when the tests run as root (root reads anything), in a
    folder of /tmp that `nobody` can reach. Where `nobody` cannot run this checkout, the
    open is made to fail with EACCES in-process instead (the same path from there on)."""
    as_root = os.geteuid() == 0
    with tempfile.TemporaryDirectory(dir="/tmp" if as_root else tmp_path) as where:
        folder = Path(where)
        folder.chmod(0o755)
        (folder / "a.txt").write_text("Readable.", encoding="utf-8")
        (folder / "a.txt").chmod(0o644)
        (folder / "secret.txt").write_text("Not readable.", encoding="utf-8")
        (folder / "secret.txt").chmod(0)
        expected = ["['a']", f"{folder / 'secret.txt'}: cannot read (Permission denied)"]
        plain = [sys.executable, "-c", _READ, str(folder)]
        command = _as_nobody(plain) if as_root else plain
        if command is None:
            real_open = os.open

            def refuse(path: Any, *args: Any, **kwargs: Any) -> int:
                if str(path).endswith("secret.txt"):
                    raise PermissionError(13, "Permission denied", str(path))
                return real_open(path, *args, **kwargs)

            monkeypatch.setattr(os, "open", refuse)
            in_process = read_paths([folder])
            monkeypatch.undo()
            assert [repr([a.id for a in in_process.articles]),
                    *(str(e) for e in in_process.errors)] == expected
            return
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected
